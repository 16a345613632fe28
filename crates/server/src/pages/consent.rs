//! The consent page (`/login/consent?fromURI=<authorize request>`): /authorize sends a
//! signed-in user here when the client asks for scopes the user has not yet allowed. Allowing
//! records consent grants and goes back to the request; declining goes back with a refusal
//! the client receives as `access_denied`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::{forged, genuine, see_other, signed_in, Csrf, Page, PageForm};
use crate::oauth::clients::{self, Client};
use crate::oauth::consent::{self, ScopeAsked};
use crate::oauth::servers::{self, Server};
use crate::state::AppState;

/// What the consent is about, read from the authorize request it interrupts.
struct Request {
    server: Server,
    client: Client,
    scopes: Vec<String>,
    forced: bool,
}

/// The authorize request in `from` (a path on this org); None when it is not one.
async fn request_of(app: &AppState, from: &str) -> Option<Request> {
    let (path, query) = from.split_once('?')?;
    let server_id = match path {
        "/oauth2/v1/authorize" => None,
        _ => Some(
            path.strip_prefix("/oauth2/")?
                .strip_suffix("/v1/authorize")?
                .to_owned(),
        ),
    };
    if server_id.as_deref().is_some_and(|id| id.contains('/')) {
        return None;
    }
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let server = servers::load(app, server_id.as_deref()).await.ok()?;
    let client = clients::find(app, params.get("client_id")?).await.ok()??;
    let scopes = crate::oauth::grants::split_scopes(params.get("scope"));
    let forced = params
        .get("prompt")
        .is_some_and(|p| p.split(' ').any(|v| v == "consent"));
    Some(Request {
        server,
        client,
        scopes,
        forced,
    })
}

fn not_a_request(app: &AppState, csrf: &Csrf) -> Response {
    Page::message(
        "Nothing to allow",
        "This page was opened without an app's request.",
        Some(("/app/UserHome", "Go to your apps")),
    )
    .status(StatusCode::BAD_REQUEST)
    .render(app, csrf)
}

/// The request `from` with `prompt=consent` answered (and a refusal marker when declined).
fn back_to(from: &str, denied: bool) -> String {
    let Some((path, query)) = from.split_once('?') else {
        return from.to_owned();
    };
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k == "prompt" {
            let rest: Vec<&str> = v
                .split(' ')
                .filter(|p| *p != "consent" && !p.is_empty())
                .collect();
            if !rest.is_empty() {
                out.append_pair("prompt", &rest.join(" "));
            }
        } else if k != "lk_consent" {
            out.append_pair(&k, &v);
        }
    }
    if denied {
        out.append_pair("lk_consent", "denied");
    }
    format!("{path}?{}", out.finish())
}

fn here(from: &str) -> String {
    format!("/login/consent?fromURI={}", urlencoding::encode(from))
}

/// `GET /login/consent?fromURI=...`
pub(super) async fn form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let csrf = Csrf::of(&headers);
    let from = query.get("fromURI").cloned().unwrap_or_default();
    let (_, user) = match signed_in(&app, &headers, &here(&from)).await {
        Ok(found) => found,
        Err(to_sign_in) => return to_sign_in,
    };
    let Some(req) = request_of(&app, &from).await else {
        return not_a_request(&app, &csrf);
    };
    let asked = match consent::asked(
        &app,
        &req.server,
        &req.client,
        &user.id,
        &req.scopes,
        req.forced,
    )
    .await
    {
        Ok(a) => a,
        Err(_) => return not_a_request(&app, &csrf),
    };
    if asked.is_empty() {
        return see_other(&back_to(&from, false), Vec::new());
    }
    page(&req, &asked, &from).render(&app, &csrf)
}

fn page(req: &Request, asked: &[ScopeAsked], from: &str) -> Page {
    Page::new(
        "pages/consent.html",
        "Allow access?",
        json!({
            "client_name": req.client.app.label,
            "scopes": asked.iter().map(|s| json!({ "name": s.name, "text": s.text })).collect::<Vec<_>>(),
            "action": here(from),
            "consent": from,
        }),
    )
}

/// `POST /login/consent?fromURI=...`: `decision` is `allow` or `deny`.
pub(super) async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    PageForm(form): PageForm,
) -> Response {
    if !genuine(&app, &headers, &form) {
        return forged(&app, &headers);
    }
    let csrf = Csrf::of(&headers);
    let from = query.get("fromURI").cloned().unwrap_or_default();
    let (_, user) = match signed_in(&app, &headers, &here(&from)).await {
        Ok(found) => found,
        Err(to_sign_in) => return to_sign_in,
    };
    let Some(req) = request_of(&app, &from).await else {
        return not_a_request(&app, &csrf);
    };
    if form.get("decision").map(String::as_str) != Some("allow") {
        return continue_to(&app, &csrf, &back_to(&from, true));
    }
    let asked = match consent::asked(
        &app,
        &req.server,
        &req.client,
        &user.id,
        &req.scopes,
        req.forced,
    )
    .await
    {
        Ok(a) => a,
        Err(_) => return not_a_request(&app, &csrf),
    };
    if let Err(err) = consent::grant(&app, &req.server, &req.client, &user, &asked).await {
        tracing::warn!(error = %err.description, "consent could not be recorded");
        return page(&req, &asked, &from)
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .error("Your answer could not be saved. Try again.")
            .render(&app, &csrf);
    }
    continue_to(&app, &csrf, &back_to(&from, false))
}

fn continue_to(app: &AppState, csrf: &Csrf, to: &str) -> Response {
    Page::new("pages/continue.html", "Continue", json!({ "to": to })).render(app, csrf)
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn going_back_answers_prompt_consent() {
        assert_eq!(
            back_to(
                "/oauth2/default/v1/authorize?client_id=a&prompt=consent+login&state=s",
                false
            ),
            "/oauth2/default/v1/authorize?client_id=a&prompt=login&state=s"
        );
        assert_eq!(
            back_to("/oauth2/v1/authorize?client_id=a&prompt=consent", true),
            "/oauth2/v1/authorize?client_id=a&lk_consent=denied"
        );
    }
}
