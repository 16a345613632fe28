//! The end user's pages: sign-in (with every step of the Authn state machine), sign-out,
//! password recovery and account unlock, activation, the app dashboard and settings, and the
//! consent page of OAuth clients that ask for it, and device activation (`/activate`). Server-rendered from `crate::templates`, with no external assets;
//! only security keys need JavaScript.
//!
//! The pages are another client of the Authn API: each form post becomes one Authn request,
//! run in-process through the same router (`engine`), so the pages can never sign anyone in
//! that the API would refuse, and they share its lockout, rate limits and events.
//!
//! Invariants:
//! - every form carries a CSRF token equal to the `lk_csrf` cookie (SameSite=Strict); a post
//!   without it, or from another origin, is refused;
//! - every page is sent with a strict Content-Security-Policy (same-origin scripts, styles,
//!   images and form targets; no framing) and `Referrer-Policy: no-referrer` (recovery and
//!   activation tokens travel in page URLs);
//! - a `fromURI` is followed only when it is a path on this org or an ACTIVE trusted origin
//!   with the REDIRECT scope; anything else goes to the dashboard.

mod account;
mod consent;
mod device;
mod engine;
mod signin;

use std::collections::HashMap;

use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, ORIGIN, REFERRER_POLICY,
    SET_COOKIE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::state::AppState;

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(signin::root))
        .route("/login/login.htm", get(signin::form).post(signin::submit))
        .route("/login/default", get(signin::form))
        .route("/login/step", axum::routing::post(signin::step))
        .route("/login/question", axum::routing::post(signin::question))
        .route("/login/signout", get(signin::signout))
        .route(
            "/signin/forgot-password",
            get(signin::forgot_form).post(signin::forgot_submit),
        )
        .route(
            "/signin/unlock",
            get(signin::unlock_form).post(signin::unlock_submit),
        )
        .route("/signin/reset-password/{token}", get(signin::recovery_link))
        .route("/signin/unlock/{token}", get(signin::recovery_link))
        .route("/welcome/{token}", get(signin::welcome))
        .route("/app/UserHome", get(account::home))
        .route("/home/{name}/{app_id}/{link}", get(account::open_app))
        .route("/favicon.ico", get(favicon))
        .route(
            "/enduser/settings",
            get(account::settings).post(account::settings_submit),
        )
        .route("/login/consent", get(consent::form).post(consent::submit))
        .route("/activate", get(device::form).post(device::submit))
        .route("/assets/latchkey.css", get(stylesheet))
        .route("/assets/latchkey.js", get(script))
        .route("/assets/logo", get(logo))
}

const CSRF_COOKIE: &str = "lk_csrf";
const CSRF_CHARS: usize = 32;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The CSRF token of this browser: its `lk_csrf` cookie, or a new one to set.
#[derive(Debug, Clone)]
pub(crate) struct Csrf {
    token: String,
    fresh: bool,
}

impl Csrf {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        match cookie(headers, CSRF_COOKIE).filter(|t| t.len() == CSRF_CHARS) {
            Some(token) => Self {
                token,
                fresh: false,
            },
            None => Self {
                token: crypto::tokens::random_token(CSRF_CHARS),
                fresh: true,
            },
        }
    }

    fn set_cookie(&self, app: &AppState) -> Option<HeaderValue> {
        if !self.fresh {
            return None;
        }
        let secure = if app.config.tls == crate::config::TlsMode::Insecure {
            ""
        } else {
            "; Secure"
        };
        HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.token
        ))
        .ok()
    }
}

/// A form post is genuine: its `_csrf` field matches the browser's cookie, and its `Origin`,
/// when sent, is this org.
pub(crate) fn genuine(app: &AppState, headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    if let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin != "null" && !crate::trusted_origins::is_own_origin(app, origin) {
            return false;
        }
    }
    let (Some(cookie), Some(field)) = (cookie(headers, CSRF_COOKIE), form.get("_csrf")) else {
        return false;
    };
    use subtle::ConstantTimeEq;
    cookie.len() == CSRF_CHARS && bool::from(cookie.as_bytes().ct_eq(field.as_bytes()))
}

/// A page's form post: its fields, read from the body as `application/x-www-form-urlencoded`
/// whatever it claims to be (a post that is no form has no CSRF token, and gets the page that
/// says so, never a bare 415).
pub(crate) struct PageForm(pub HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for PageForm {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .unwrap_or_default();
        Ok(Self(
            url::form_urlencoded::parse(&bytes).into_owned().collect(),
        ))
    }
}

/// The value of cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A rendered page and what goes with it.
pub(crate) struct Page {
    status: StatusCode,
    template: &'static str,
    context: Value,
    cookies: Vec<HeaderValue>,
}

impl Page {
    pub(crate) fn new(template: &'static str, title: &str, context: Value) -> Self {
        let mut context = context;
        if let Some(map) = context.as_object_mut() {
            map.insert("title".into(), json!(title));
            map.entry("page").or_insert_with(|| {
                json!(template
                    .trim_start_matches("pages/")
                    .trim_end_matches(".html"))
            });
        }
        Self {
            status: StatusCode::OK,
            template,
            context,
            cookies: Vec::new(),
        }
    }

    /// A page that says one thing, with an optional link onwards.
    pub(crate) fn message(title: &str, message: &str, link: Option<(&str, &str)>) -> Self {
        Self::new(
            "pages/message.html",
            title,
            json!({
                "message": message,
                "link": link.map(|(href, text)| json!({ "href": href, "text": text })),
            }),
        )
    }

    /// Marks the steps of an activation, which ends by choosing a recovery question.
    pub(crate) fn setup(mut self, setup: bool) -> Self {
        self.put("setup", json!(setup));
        self
    }

    pub(crate) fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub(crate) fn error(mut self, error: impl Into<String>) -> Self {
        self.put("error", json!(error.into()));
        self
    }

    pub(crate) fn info(mut self, info: impl Into<String>) -> Self {
        self.put("info", json!(info.into()));
        self
    }

    pub(crate) fn cookie(mut self, value: HeaderValue) -> Self {
        self.cookies.push(value);
        self
    }

    fn put(&mut self, key: &str, value: Value) {
        if let Some(map) = self.context.as_object_mut() {
            map.insert(key.into(), value);
        }
    }

    /// Renders with the branding and the browser's CSRF token.
    pub(crate) fn render(mut self, app: &AppState, csrf: &Csrf) -> Response {
        self.put("brand", crate::mail::brand(app));
        self.put("csrf", json!(csrf.token));
        let html = match app.templates.render(self.template, &self.context) {
            Ok(html) => html,
            Err(err) => {
                tracing::error!(template = self.template, error = %err, "page template failed");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The page could not be shown.",
                )
                    .into_response();
            }
        };
        let mut response = (self.status, html).into_response();
        let headers = response.headers_mut();
        page_headers(headers, "text/html; charset=utf-8");
        if let Some(c) = csrf.set_cookie(app) {
            headers.append(SET_COOKIE, c);
        }
        for c in self.cookies {
            headers.append(SET_COOKIE, c);
        }
        response
    }
}

fn page_headers(headers: &mut HeaderMap, content_type: &'static str) {
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The browser's live session and its user, or the redirect to sign in and come back to
/// `here` (a path on this org).
pub(crate) async fn signed_in(
    app: &AppState,
    headers: &HeaderMap,
    here: &str,
) -> Result<(store::SessionRecord, store::UserRecord), Response> {
    match crate::sessions::from_cookie(app, headers).await {
        Ok(Some(found)) => Ok(found),
        _ => Err(see_other(
            &format!("/login/login.htm?fromURI={}", urlencoding::encode(here)),
            Vec::new(),
        )),
    }
}

/// A redirect (303, so a form post becomes a GET).
pub(crate) fn see_other(to: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(to) {
        headers.insert(axum::http::header::LOCATION, v);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    for c in cookies {
        headers.append(SET_COOKIE, c);
    }
    response
}

/// A page refused for a missing or foreign CSRF token.
pub(crate) fn forged(app: &AppState, headers: &HeaderMap) -> Response {
    Page::message(
        "Please try again",
        "This form expired or did not come from this site. Go back, reload the page and try again.",
        Some(("/login/login.htm", "Back to sign in")),
    )
    .status(StatusCode::FORBIDDEN)
    .render(app, &Csrf::of(headers))
}

/// Where to go after signing in: `from` when it is a path on this org or a URL this org
/// trusts for redirects, else the dashboard.
pub(crate) async fn destination(app: &AppState, from: Option<&str>) -> String {
    const HOME: &str = "/app/UserHome";
    let Some(from) = from.map(str::trim).filter(|f| !f.is_empty()) else {
        return HOME.into();
    };
    if is_local_path(from) {
        return from.to_owned();
    }
    match crate::trusted_origins::is_redirect_allowed(app, from).await {
        Ok(true) => from.to_owned(),
        _ => HOME.into(),
    }
}

/// A path on this server: `/` followed by anything but a second `/` or `\` (which browsers
/// read as another host), with no control characters.
fn is_local_path(text: &str) -> bool {
    text.starts_with('/')
        && !text.starts_with("//")
        && !text.starts_with("/\\")
        && !text.chars().any(|c| c.is_control())
}

async fn stylesheet(State(app): State<AppState>) -> Response {
    match app.templates.render(
        "pages/style.css",
        json!({ "brand": crate::mail::brand(&app) }),
    ) {
        Ok(css) => asset(css.into_bytes(), "text/css; charset=utf-8"),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// No icon: an empty answer, so browsers do not log a failed request on every page.
async fn favicon() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

async fn script() -> Response {
    asset(
        include_bytes!("../../templates/pages/latchkey.js").to_vec(),
        "text/javascript; charset=utf-8",
    )
}

async fn logo(State(app): State<AppState>) -> Response {
    let Some(path) = app.config.brand.logo.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let kind = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("svg") => "image/svg+xml",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        _ => "image/png",
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => asset(bytes, kind),
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "the brand logo cannot be read");
            StatusCode::NOT_FOUND.into_response()
        }
    }
}

fn asset(bytes: Vec<u8>, kind: &'static str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    // An SVG logo opened on its own must not run anything.
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_paths_on_this_host_are_local() {
        assert!(is_local_path("/app/UserHome"));
        assert!(is_local_path("/oauth2/default/v1/authorize?client_id=x"));
        assert!(!is_local_path("//evil.example/x"));
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/x\n/y"));
        assert!(!is_local_path("javascript:alert(1)"));
    }
}
