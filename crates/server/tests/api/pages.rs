//! The hosted pages through HTTP as a browser without JavaScript uses them: cookies kept, forms
//! read from the HTML and posted back. Sign-in (with MFA and lockout), sign-out, forgot
//! password and unlock by email (the link read from the org's mailbox, as no SMTP server is
//! configured), activation, the dashboard and settings, and the pages' defences (CSRF,
//! Content-Security-Policy, open redirects).

use std::collections::HashMap;

use crate::harness::{spawn_app_with_clock, TestApp};
use model::time::{Clock, Timestamp};
use reqwest::StatusCode;
use serde_json::json;

const START: i64 = 1_900_000_000_000;
const PASSWORD: &str = "Xyzzy12345";

/// A browser: a cookie jar, no redirects followed on its own.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

/// A page as the browser got it.
struct Got {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    html: String,
}

impl Got {
    fn location(&self) -> String {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The `data-page` of the page.
    fn page(&self) -> String {
        regex::Regex::new(r#"data-page="([^"]*)""#)
            .unwrap()
            .captures(&self.html)
            .map(|c| c[1].to_owned())
            .unwrap_or_default()
    }

    /// The hidden fields and the action of the first form whose text contains `marker`.
    fn form(&self, marker: &str) -> (String, Vec<(String, String)>) {
        let forms = regex::Regex::new(r"(?s)<form[^>]*>.*?</form>").unwrap();
        let form = forms
            .find_iter(&self.html)
            .map(|m| m.as_str())
            .find(|f| f.contains(marker))
            .unwrap_or_else(|| panic!("no form with {marker} in\n{}", self.html));
        let action = unescape(
            &regex::Regex::new(r#"action="([^"]*)""#)
                .unwrap()
                .captures(form)
                .unwrap()[1],
        );
        let hidden =
            regex::Regex::new(r#"<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?>"#)
                .unwrap()
                .captures_iter(form)
                .map(|c| {
                    (
                        c[1].to_owned(),
                        unescape(c.get(2).map_or("", |m| m.as_str())),
                    )
                })
                .collect();
        (action, hidden)
    }

    fn error(&self) -> String {
        regex::Regex::new(r#"(?s)id="error">(.*?)</p>"#)
            .unwrap()
            .captures(&self.html)
            .map(|c| unescape(&c[1]))
            .unwrap_or_default()
    }
}

fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        let ca = std::fs::read(app.data_dir.path().join("ca.pem")).unwrap();
        let client = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .resolve("localhost", app.addr)
            .no_proxy()
            .build()
            .unwrap();
        Self {
            client,
            base: app.base.clone(),
            cookies: HashMap::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Got {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = if cookie.is_empty() {
            req
        } else {
            req.header("cookie", cookie)
        };
        let resp = req.send().await.unwrap();
        for set in resp.headers().get_all("set-cookie") {
            let text = set.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Got {
            status: resp.status(),
            headers: resp.headers().clone(),
            html: resp.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Got {
        let req = self.client.get(self.url(path));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, fields: &[(String, String)]) -> Got {
        let req = self
            .client
            .post(self.url(path))
            .header("origin", &self.base)
            .form(fields);
        self.send(req).await
    }

    /// Submits the form of `page` that contains `marker`, with `fields` added to its hidden
    /// ones.
    async fn submit(&mut self, page: &Got, marker: &str, fields: &[(&str, &str)]) -> Got {
        let (action, mut all) = page.form(marker);
        for (k, v) in fields {
            all.retain(|(name, _)| name != k);
            all.push(((*k).to_owned(), (*v).to_owned()));
        }
        self.post(&action, &all).await
    }

    /// Signs in from the sign-in page at `path`.
    async fn sign_in(&mut self, path: &str, login: &str, password: &str) -> Got {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        self.submit(
            &page,
            "signin-form",
            &[("username", login), ("password", password)],
        )
        .await
    }

    /// The `to` of a "signed in, continue" page.
    fn continue_to(got: &Got) -> String {
        assert_eq!(got.page(), "continue", "{}", got.html);
        let to = regex::Regex::new(r#"id="continue" href="([^"]*)""#)
            .unwrap()
            .captures(&got.html)
            .unwrap()[1]
            .to_owned();
        unescape(&to)
    }
}

async fn spawn() -> (TestApp, Clock) {
    let clock = Clock::manual(Timestamp(START));
    let app = spawn_app_with_clock(|_| {}, clock.clone()).await;
    (app, clock)
}

async fn user(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user(
            "?activate=true",
            json!({
                "profile": TestApp::profile(login),
                "credentials": {
                    "password": { "value": PASSWORD },
                    "recovery_question": { "question": "Favourite colour?", "answer": "ultramarine" }
                }
            }),
        )
        .await;
    u["id"].as_str().unwrap().to_owned()
}

/// A first rule on PASSWORD policy `pid` that allows self-service reset and unlock (the
/// default rule, which cannot change, denies unlock).
async fn self_service(app: &TestApp, pid: &str) {
    let r = app
        .post(
            &format!("/api/v1/policies/{pid}/rules"),
            json!({ "type": "PASSWORD", "name": "Self-service", "priority": 1,
                    "actions": { "passwordChange": { "access": "ALLOW" },
                                 "selfServicePasswordReset": { "access": "ALLOW" },
                                 "selfServiceUnlock": { "access": "ALLOW" } } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A public OpenID Connect client (`token_endpoint_auth_method: none`) with `oauth_client`
/// settings, assigned to user `uid`: its client id.
async fn public_client(
    app: &TestApp,
    uid: &str,
    label: &str,
    oauth_client: serde_json::Value,
) -> String {
    let r = app
        .post(
            "/api/v1/apps",
            json!({
                "name": "oidc_client", "label": label, "signOnMode": "OPENID_CONNECT",
                "credentials": { "oauthClient": { "token_endpoint_auth_method": "none" } },
                "settings": { "oauthClient": oauth_client }
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let app_id = r.body["id"].as_str().unwrap();
    let assigned = app
        .post(
            &format!("/api/v1/apps/{app_id}/users"),
            json!({ "id": uid, "scope": "USER" }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
    r.body["credentials"]["oauthClient"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The newest kept email to `to`, waiting for the outbox to deliver.
async fn kept_mail(app: &TestApp, to: &str) -> latchkey::outbox::OpenedMail {
    app.outbox_drained().await;
    let kept = app.state.store.kept_mail(Some(to), 1).await.unwrap();
    let first = kept
        .first()
        .unwrap_or_else(|| panic!("no email kept for {to}"));
    latchkey::outbox::open_kept(&app.state.sealer, first).expect("a readable email")
}

/// The first link to this org in `text`, as a path.
fn link_in(app: &TestApp, text: &str) -> String {
    let re = regex::Regex::new(&format!(r"{}(/[^\s<]+)", regex::escape(&app.base))).unwrap();
    re.captures(text)
        .unwrap_or_else(|| panic!("no link in\n{text}"))[1]
        .to_owned()
}

#[tokio::test]
async fn sign_in_starts_a_session_and_follows_only_trusted_from_uris() {
    let (app, _) = spawn().await;
    user(&app, "page.user@example.com").await;
    let mut b = Browser::new(&app);

    let page = b.get("/login/login.htm").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    let csrf_cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(
        csrf_cookie.starts_with("lk_csrf=")
            && csrf_cookie.contains("SameSite=Strict")
            && csrf_cookie.contains("HttpOnly")
            && csrf_cookie.contains("Secure"),
        "{csrf_cookie}"
    );

    // A post without the CSRF token, or with another one, is refused and signs no one in.
    let forged = b
        .post(
            "/login/login.htm",
            &[
                ("username".into(), "page.user@example.com".into()),
                ("password".into(), PASSWORD.into()),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("sid"));
    let (_, mut fields) = page.form("signin-form");
    fields.retain(|(k, _)| k != "_csrf");
    fields.push(("_csrf".into(), "x".repeat(32)));
    fields.push(("username".into(), "page.user@example.com".into()));
    fields.push(("password".into(), PASSWORD.into()));
    assert_eq!(
        b.post("/login/login.htm", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    // From another origin, even with the right token.
    let (_, mut fields) = page.form("signin-form");
    fields.push(("username".into(), "page.user@example.com".into()));
    fields.push(("password".into(), PASSWORD.into()));
    let cross = b
        .send(
            b.client
                .post(b.url("/login/login.htm"))
                .header("origin", "https://evil.example")
                .form(&fields),
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    // A post that is no form at all gets the same page, not a bare 415.
    let json_post = b
        .send(
            b.client
                .post(b.url("/login/login.htm"))
                .header("origin", &b.base)
                .json(&json!({ "username": "page.user@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!(json_post.status, StatusCode::FORBIDDEN);
    assert_eq!(json_post.page(), "message", "{}", json_post.html);

    // A wrong password: the API's answer, on the page.
    let wrong = b
        .sign_in("/login/login.htm", "page.user@example.com", "nope-nope-1")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.error(), "Authentication failed");
    let unknown = b
        .sign_in("/login/login.htm", "nobody@example.com", "nope-nope-1")
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.error(),
        wrong.error(),
        "unknown user and wrong password alike"
    );

    // A foreign fromURI is not followed: the dashboard instead.
    let done = b
        .sign_in(
            "/login/login.htm?fromURI=https%3A%2F%2Fevil.example%2Fsteal",
            "page.user@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(Browser::continue_to(&done), "/app/UserHome");
    assert!(b.cookies.contains_key("sid"));
    let me = b.get("/api/v1/sessions/me").await;
    let me: serde_json::Value = serde_json::from_str(&me.html).unwrap();
    assert_eq!(me["login"], "page.user@example.com");
    assert_eq!(me["status"], "ACTIVE");

    let home = b.get("/app/UserHome").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("page.user@example.com"), "{}", home.html);
    assert!(home.html.contains("id=\"no-apps\""), "{}", home.html);
    // An app assigned to the user: its link on the dashboard opens it.
    let uid = app.get("/api/v1/users/page.user@example.com").await.body["id"].clone();
    let bookmark = app
        .post(
            "/api/v1/apps",
            json!({ "name": "bookmark", "label": "Wiki", "signOnMode": "BOOKMARK",
                    "settings": { "app": { "requestIntegration": false,
                                           "url": "https://wiki.example.com/start" } } }),
        )
        .await;
    assert_eq!(bookmark.status, StatusCode::OK, "{}", bookmark.text);
    let bid = bookmark.body["id"].as_str().unwrap().to_owned();
    let link_path = |home: &Got| {
        let re = regex::Regex::new(r#"class="app" href="([^"]+)""#).unwrap();
        let href = unescape(&re.captures(&home.html).unwrap()[1]);
        href.strip_prefix(&app.base).unwrap_or(&href).to_owned()
    };
    // The dashboard's route for the app (`/home/{appName}/{appId}/{linkId}`).
    let other = b
        .get(&["", "home", "bookmark", &bid, "alink"].join("/"))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "not assigned yet");
    let r = app
        .post(&format!("/api/v1/apps/{bid}/users"), json!({ "id": uid }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let home = b.get("/app/UserHome").await;
    assert!(home.html.contains(">Wiki<"), "{}", home.html);
    let opened = b.get(&link_path(&home)).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(opened.location(), "https://wiki.example.com/start");

    // A path on this org, and a trusted origin, are followed.
    for (from, expected) in [
        ("%2Fenduser%2Fsettings", "/enduser/settings"),
        ("%2F%2Fevil.example%2Fx", "/app/UserHome"),
    ] {
        let done = b
            .sign_in(
                &format!("/login/login.htm?fromURI={from}"),
                "page.user@example.com",
                PASSWORD,
            )
            .await;
        assert_eq!(Browser::continue_to(&done), expected);
    }
    let r = app
        .post(
            "/api/v1/trustedOrigins",
            json!({ "name": "Portal", "origin": "https://portal.example.com",
                    "scopes": [{ "type": "REDIRECT" }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let done = b
        .sign_in(
            "/login/login.htm?fromURI=https%3A%2F%2Fportal.example.com%2Fhome",
            "page.user@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(
        Browser::continue_to(&done),
        "https://portal.example.com/home"
    );

    // Sign-out ends the session and forgets the cookie.
    let sid = b.cookies["sid"].clone();
    let out = b.get("/login/signout").await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login/login.htm");
    assert!(!b.cookies.contains_key("sid"));
    b.cookies.insert("sid".into(), sid);
    let home = b.get("/app/UserHome").await;
    assert_eq!(
        home.status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
    assert_eq!(
        home.location(),
        "/login/login.htm?fromURI=%2Fapp%2FUserHome"
    );
}

#[tokio::test]
async fn mfa_enrollment_and_challenge_with_totp_on_the_pages() {
    let (app, clock) = spawn().await;
    let uid = user(&app, "page.mfa@example.com").await;
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"].clone();
    let policy = app
        .post(
            "/api/v1/policies",
            json!({ "type": "OKTA_SIGN_ON", "name": "MFA", "priority": 1,
                    "conditions": { "people": { "groups": { "include": [everyone] } } } }),
        )
        .await;
    let pid = policy.body["id"].as_str().unwrap();
    let rule = app
        .post(
            &format!("/api/v1/policies/{pid}/rules"),
            json!({ "type": "SIGN_ON", "name": "Factor", "actions": { "signon": {
                "access": "ALLOW", "requireFactor": true, "factorPromptMode": "ALWAYS",
                "factorLifetime": 15 } } }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
    let mut enroll = app.get("/api/v1/policies?type=MFA_ENROLL").await.body[0].clone();
    let eid = enroll["id"].as_str().unwrap().to_owned();
    enroll["settings"]["factors"]["okta_otp"] =
        json!({ "enroll": { "self": "REQUIRED" }, "consent": { "type": "NONE" } });
    let r = app.put(&format!("/api/v1/policies/{eid}"), enroll).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let mut b = Browser::new(&app);
    let page = b
        .sign_in("/login/login.htm", "page.mfa@example.com", PASSWORD)
        .await;
    assert_eq!(page.page(), "step-mfa-enroll", "{}", page.html);
    let page = b.submit(&page, "value=\"token:software:totp\"", &[]).await;
    assert_eq!(page.page(), "step-mfa-enroll-activate", "{}", page.html);
    let secret = regex::Regex::new(r#"id="shared-secret">([A-Z2-7]+)<"#)
        .unwrap()
        .captures(&page.html)
        .unwrap()[1]
        .to_owned();
    // The QR code image is served to the browser.
    let qr = regex::Regex::new(r#"id="qrcode" src="([^"]+)""#)
        .unwrap()
        .captures(&page.html)
        .unwrap()[1]
        .to_owned();
    let png = b.get(&unescape(&qr)).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.headers["content-type"], "image/png");
    let code = |offset: i64| {
        let seed = crypto::otp::seed_from_base32(&secret).unwrap();
        let unix = u64::try_from(clock.now().millis() / 1000 + offset * 30).unwrap();
        crypto::otp::totp_code(&seed, unix)
    };
    let wrong = b
        .submit(&page, "activate-form", &[("passCode", "000000")])
        .await;
    assert_eq!(wrong.page(), "step-mfa-enroll-activate");
    assert!(!wrong.error().is_empty(), "{}", wrong.html);
    let more = b
        .submit(&wrong, "activate-form", &[("passCode", &code(0))])
        .await;
    // The other methods stay optional: finish without them.
    assert_eq!(more.page(), "step-mfa-enroll", "{}", more.html);
    assert!(more.html.contains(">Finish</button>"), "{}", more.html);
    let done = b.submit(&more, "id=\"skip\"", &[]).await;
    assert_eq!(Browser::continue_to(&done), "/app/UserHome");
    let factors = app.get(&format!("/api/v1/users/{uid}/factors")).await;
    assert_eq!(factors.body[0]["status"], "ACTIVE", "{}", factors.text);

    // Next sign-in: the challenge.
    clock.advance(60_000);
    let mut b = Browser::new(&app);
    let page = b
        .sign_in("/login/login.htm", "page.mfa@example.com", PASSWORD)
        .await;
    assert_eq!(page.page(), "step-mfa-required", "{}", page.html);
    let done = b
        .submit(&page, "token:software:totp", &[("passCode", &code(0))])
        .await;
    assert_eq!(Browser::continue_to(&done), "/app/UserHome");
    let me = b.get("/api/v1/sessions/me").await;
    let me: serde_json::Value = serde_json::from_str(&me.html).unwrap();
    assert!(
        me["amr"].as_array().unwrap().contains(&json!("mfa")),
        "{me}"
    );

    // Settings: the factor can be removed there.
    let settings = b.get("/enduser/settings").await;
    assert!(
        settings.html.contains("Authenticator app"),
        "{}",
        settings.html
    );
    let removed = b.submit(&settings, "remove_factor", &[]).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.html);
    let factors = app.get(&format!("/api/v1/users/{uid}/factors")).await;
    assert_eq!(factors.body, json!([]));
}

#[tokio::test]
async fn lockout_then_unlock_and_forgot_password_by_emailed_links() {
    let (app, _) = spawn().await;
    let uid = user(&app, "page.locked@example.com").await;
    let mut policy = app.get("/api/v1/policies?type=PASSWORD").await.body[0].clone();
    let pid = policy["id"].as_str().unwrap().to_owned();
    policy["settings"]["password"]["lockout"]["maxAttempts"] = json!(2);
    policy["settings"]["password"]["lockout"]["showLockoutFailures"] = json!(true);
    assert_eq!(
        app.put(&format!("/api/v1/policies/{pid}"), policy)
            .await
            .status,
        StatusCode::OK
    );

    self_service(&app, &pid).await;
    let mut b = Browser::new(&app);
    for _ in 0..2 {
        b.sign_in(
            "/login/login.htm",
            "page.locked@example.com",
            "wrong-wrong-1",
        )
        .await;
    }
    let locked = b
        .sign_in("/login/login.htm", "page.locked@example.com", PASSWORD)
        .await;
    assert_eq!(locked.page(), "step-locked-out", "{}", locked.html);
    assert_eq!(locked.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "LOCKED_OUT"
    );

    // Unlock by email: the link from the org's mailbox, then the question.
    let page = b.get("/signin/unlock").await;
    let sent = b
        .submit(
            &page,
            "recover-form",
            &[
                ("username", "page.locked@example.com"),
                ("factorType", "EMAIL"),
            ],
        )
        .await;
    assert_eq!(sent.page(), "message", "{}", sent.html);
    let mail = kept_mail(&app, "page.locked@example.com").await;
    assert!(mail.subject.contains("Unlock"), "{}", mail.subject);
    assert!(mail
        .html
        .as_deref()
        .unwrap_or_default()
        .contains("<a href="));
    let link = link_in(&app, &mail.text);
    assert!(
        link.starts_with("/signin/unlock/"),
        "{link} in {}",
        mail.text
    );
    let question = b.get(&link).await;
    assert_eq!(question.page(), "step-recovery", "{}", question.html);
    assert!(question.html.contains("Favourite colour?"));
    let unlocked = b
        .submit(&question, "answer-form", &[("answer", "ultramarine")])
        .await;
    assert_eq!(unlocked.page(), "message", "{}", unlocked.html);
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );
    // The link was for one use.
    assert_eq!(b.get(&link).await.status, StatusCode::NOT_FOUND);

    // Forgot password: the emailed link, the question, a new password, signed in.
    let page = b.get("/signin/forgot-password").await;
    let sent = b
        .submit(
            &page,
            "recover-form",
            &[
                ("username", "page.locked@example.com"),
                ("factorType", "EMAIL"),
            ],
        )
        .await;
    assert_eq!(sent.page(), "message");
    // An unknown username gets the same page.
    let page = b.get("/signin/forgot-password").await;
    let unknown = b
        .submit(
            &page,
            "recover-form",
            &[("username", "nobody@example.com"), ("factorType", "EMAIL")],
        )
        .await;
    assert_eq!(unknown.status, sent.status);
    assert_eq!(
        unknown.html.replace(&b.cookies["lk_csrf"], ""),
        sent.html.replace(&b.cookies["lk_csrf"], "")
    );
    let mail = kept_mail(&app, "page.locked@example.com").await;
    let link = link_in(&app, &mail.text);
    assert!(link.starts_with("/signin/reset-password/"), "{link}");
    let question = b.get(&link).await;
    let reset = b
        .submit(&question, "answer-form", &[("answer", "ultramarine")])
        .await;
    assert_eq!(reset.page(), "step-password-reset", "{}", reset.html);
    let mismatch = b
        .submit(
            &reset,
            "password-form",
            &[
                ("newPassword", "Fresh-Pass-42"),
                ("confirmPassword", "Other-Pass-42"),
            ],
        )
        .await;
    assert_eq!(mismatch.error(), "The new passwords don't match.");
    let done = b
        .submit(
            &mismatch,
            "password-form",
            &[
                ("newPassword", "Fresh-Pass-42"),
                ("confirmPassword", "Fresh-Pass-42"),
            ],
        )
        .await;
    assert_eq!(Browser::continue_to(&done), "/app/UserHome");
    let mut other = Browser::new(&app);
    let again = other
        .sign_in(
            "/login/login.htm",
            "page.locked@example.com",
            "Fresh-Pass-42",
        )
        .await;
    assert_eq!(Browser::continue_to(&again), "/app/UserHome");
}

#[tokio::test]
async fn activation_email_link_sets_the_password_and_signs_in() {
    let (app, _) = spawn().await;
    let r = app
        .post(
            "/api/v1/users?activate=false",
            json!({ "profile": TestApp::profile("page.new@example.com") }),
        )
        .await;
    let uid = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{uid}/lifecycle/activate?sendEmail=true"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mail = kept_mail(&app, "page.new@example.com").await;
    assert!(mail.subject.starts_with("Welcome to"), "{}", mail.subject);
    let link = link_in(&app, &mail.text);
    assert!(link.starts_with("/welcome/"), "{link}");
    let mut b = Browser::new(&app);
    let page = b.get(&link).await;
    assert_eq!(page.page(), "step-password-reset", "{}", page.html);
    let weak = b
        .submit(
            &page,
            "password-form",
            &[("newPassword", "short"), ("confirmPassword", "short")],
        )
        .await;
    assert_eq!(weak.page(), "step-password-reset", "{}", weak.html);
    assert!(
        weak.error().contains("Password requirements"),
        "{}",
        weak.error()
    );
    let done = b
        .submit(
            &weak,
            "password-form",
            &[
                ("newPassword", "Welcome-Aboard-7"),
                ("confirmPassword", "Welcome-Aboard-7"),
            ],
        )
        .await;
    // The password policy uses a recovery question, and the new user has none: chosen now.
    assert_eq!(done.page(), "question", "{}", done.html);
    assert!(b.cookies.contains_key("sid"), "signed in already");
    let short = b.submit(&done, "question-form", &[("answer", "abc")]).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(
        short.error().contains("at least 4 characters"),
        "{}",
        short.error()
    );
    let saved = b
        .submit(
            &short,
            "question-form",
            &[
                ("question", "What was the name of your first pet?"),
                ("answer", "a tabby named Miso"),
            ],
        )
        .await;
    assert_eq!(Browser::continue_to(&saved), "/app/UserHome");
    let user = app.get(&format!("/api/v1/users/{uid}")).await;
    assert_eq!(user.body["status"], "ACTIVE");
    assert!(
        user.body["credentials"]["recovery_question"]["question"].is_string(),
        "{}",
        user.text
    );
    assert_eq!(b.get(&link).await.status, StatusCode::NOT_FOUND, "one use");
}

#[tokio::test]
async fn settings_change_the_password_and_pages_need_a_session() {
    let (app, _) = spawn().await;
    user(&app, "page.settings@example.com").await;
    let mut b = Browser::new(&app);
    let root = b.get("/").await;
    assert_eq!(root.location(), "/login/login.htm");
    let settings = b.get("/enduser/settings").await;
    assert_eq!(settings.status, StatusCode::SEE_OTHER);
    assert_eq!(
        settings.location(),
        "/login/login.htm?fromURI=%2Fenduser%2Fsettings"
    );
    let done = b
        .sign_in(&settings.location(), "page.settings@example.com", PASSWORD)
        .await;
    assert_eq!(Browser::continue_to(&done), "/enduser/settings");
    assert_eq!(b.get("/").await.location(), "/app/UserHome");
    let settings = b.get("/enduser/settings").await;
    assert_eq!(settings.status, StatusCode::OK);
    let wrong = b
        .submit(
            &settings,
            "password-form",
            &[
                ("oldPassword", "not-it-123"),
                ("newPassword", "Another-Pass-9"),
                ("confirmPassword", "Another-Pass-9"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.error().contains("incorrect"), "{}", wrong.error());
    let ok = b
        .submit(
            &wrong,
            "password-form",
            &[
                ("oldPassword", PASSWORD),
                ("newPassword", "Another-Pass-9"),
                ("confirmPassword", "Another-Pass-9"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.html);
    assert!(ok.html.contains("Your password was changed."));
    let mut other = Browser::new(&app);
    let again = other
        .sign_in(
            "/login/login.htm",
            "page.settings@example.com",
            "Another-Pass-9",
        )
        .await;
    Browser::continue_to(&again);
    // The stylesheet carries the brand colour; the script is same-origin.
    let css = b.get("/assets/latchkey.css").await;
    assert!(css.html.contains("--brand: #1662dd"), "{}", css.html);
    assert_eq!(b.get("/assets/latchkey.js").await.status, StatusCode::OK);
}

#[tokio::test]
async fn authorize_without_a_session_signs_in_on_the_hosted_page_and_comes_back() {
    let (app, _) = spawn().await;
    let uid = user(&app, "page.oidc@example.com").await;
    let client_id = public_client(
        &app,
        &uid,
        "Pages client",
        json!({ "application_type": "browser",
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "redirect_uris": ["https://app.example.com/callback"] }),
    )
    .await;
    let challenge = crypto::jwt::pkce_s256("a-verifier-that-is-long-enough-for-pkce-0123456789");
    let authorize = format!(
        "/oauth2/default/v1/authorize?client_id={client_id}&response_type=code&scope=openid&\
         redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=s1&code_challenge={challenge}&\
         code_challenge_method=S256&prompt=login"
    );
    let mut b = Browser::new(&app);
    // prompt=none still answers login_required at the redirect URI.
    let none = b
        .get(&authorize.replace("prompt=login", "prompt=none"))
        .await;
    assert!(
        none.location()
            .starts_with("https://app.example.com/callback?error=login_required"),
        "{}",
        none.location()
    );
    let to_login = b.get(&authorize).await;
    assert_eq!(to_login.status, StatusCode::FOUND);
    let login = to_login.location();
    assert!(
        login.starts_with("/login/login.htm?fromURI=%2Foauth2%2Fdefault%2Fv1%2Fauthorize%3F"),
        "{login}"
    );
    let done = b.sign_in(&login, "page.oidc@example.com", PASSWORD).await;
    let back = Browser::continue_to(&done);
    assert!(back.starts_with("/oauth2/default/v1/authorize?"), "{back}");
    assert!(
        !back.contains("prompt"),
        "the new sign-in answers prompt=login: {back}"
    );
    let coded = b.get(&back).await;
    assert_eq!(coded.status, StatusCode::FOUND, "{}", coded.html);
    let to = coded.location();
    assert!(
        to.starts_with("https://app.example.com/callback?code="),
        "{to}"
    );
    assert!(to.ends_with("&state=s1"), "{to}");
}

#[tokio::test]
async fn consent_is_asked_once_recorded_as_grants_and_revocable() {
    let (app, _) = spawn().await;
    let uid = user(&app, "page.consent@example.com").await;
    let r = app
        .post(
            "/api/v1/authorizationServers/default/scopes",
            json!({ "name": "photos.read", "displayName": "Read photos",
                    "description": "Read your photo albums", "consent": "REQUIRED" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let scope_id = r.body["id"].as_str().unwrap().to_owned();
    let client_id = public_client(
        &app,
        &uid,
        "Photo Printer",
        json!({ "application_type": "browser", "consent_method": "REQUIRED",
                    "grant_types": ["authorization_code"], "response_types": ["code"],
                    "redirect_uris": ["https://app.example.com/callback"] }),
    )
    .await;
    let challenge = crypto::jwt::pkce_s256("a-verifier-that-is-long-enough-for-pkce-0123456789");
    let authorize = |prompt: &str| {
        format!(
            "/oauth2/default/v1/authorize?client_id={client_id}&response_type=code&\
             scope=openid%20photos.read&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&\
             state=s2&code_challenge={challenge}&code_challenge_method=S256{prompt}"
        )
    };
    let mut b = Browser::new(&app);
    let done = b
        .sign_in("/login/login.htm", "page.consent@example.com", PASSWORD)
        .await;
    Browser::continue_to(&done);

    // prompt=none cannot ask: consent_required.
    let none = b.get(&authorize("&prompt=none")).await;
    assert!(
        none.location().contains("error=consent_required"),
        "{}",
        none.location()
    );
    // Declining: access_denied at the client.
    let ask = b.get(&authorize("")).await;
    assert!(
        ask.location().starts_with("/login/consent?fromURI="),
        "{}",
        ask.location()
    );
    let page = b.get(&ask.location()).await;
    assert_eq!(page.page(), "consent", "{}", page.html);
    assert!(page.html.contains("Photo Printer") && page.html.contains("Read your photo albums"));
    let declined = b
        .submit(&page, "consent-form", &[("decision", "deny")])
        .await;
    let back = b.get(&Browser::continue_to(&declined)).await;
    assert!(
        back.location().contains("error=access_denied"),
        "{}",
        back.location()
    );
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}/grants")).await.body,
        json!([])
    );

    // Allowing: a grant, and the code.
    let ask = b.get(&authorize("")).await;
    let page = b.get(&ask.location()).await;
    let allowed = b
        .submit(&page, "consent-form", &[("decision", "allow")])
        .await;
    let back = b.get(&Browser::continue_to(&allowed)).await;
    assert!(
        back.location()
            .starts_with("https://app.example.com/callback?code="),
        "{}",
        back.location()
    );
    let grants = app
        .get(&format!("/api/v1/users/{uid}/grants?expand=scope"))
        .await;
    assert_eq!(grants.body.as_array().unwrap().len(), 1, "{}", grants.text);
    let g = &grants.body[0];
    assert_eq!(g["clientId"], client_id.as_str());
    assert_eq!(g["scopeId"], scope_id.as_str());
    assert_eq!(g["source"], "END_USER");
    assert_eq!(g["status"], "ACTIVE");
    assert_eq!(g["_embedded"]["scope"]["id"], "photos.read");
    assert!(g["issuer"].as_str().unwrap().ends_with("/oauth2/default"));
    let gid = g["id"].as_str().unwrap().to_owned();
    let by_client = app
        .get(&format!("/api/v1/users/{uid}/clients/{client_id}/grants"))
        .await;
    assert_eq!(by_client.body[0]["id"], gid.as_str());
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}/grants/{gid}"))
            .await
            .body["id"],
        gid.as_str()
    );

    // Asked once: the next request goes straight through; prompt=consent asks again.
    let again = b.get(&authorize("")).await;
    assert!(again
        .location()
        .starts_with("https://app.example.com/callback?code="));
    let forced = b.get(&authorize("&prompt=consent")).await;
    assert!(
        forced.location().starts_with("/login/consent?"),
        "{}",
        forced.location()
    );

    // Revoked: asked again.
    let r = app
        .delete(&format!("/api/v1/users/{uid}/grants/{gid}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    app.delete(&format!("/api/v1/users/{uid}/grants/{gid}"))
        .await
        .assert_error(404, "E0000007");
    let asked = b.get(&authorize("")).await;
    assert!(
        asked.location().starts_with("/login/consent?"),
        "{}",
        asked.location()
    );
}

#[tokio::test]
async fn an_email_change_is_told_to_the_old_address() {
    let (app, _) = spawn().await;
    let uid = user(&app, "page.old@example.com").await;
    let r = app
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "email": "page.new-address@example.com" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mail = kept_mail(&app, "page.old@example.com").await;
    assert!(
        mail.subject.contains("email address was changed"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text.contains("page.new-address@example.com"),
        "{}",
        mail.text
    );
    // A change of something else tells no one.
    let r = app
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "firstName": "Ada" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.outbox_drained().await;
    assert_eq!(app.state.store.kept_mail(None, 10).await.unwrap().len(), 1);
}

/// POSTs a form to an OAuth endpoint as a device does.
async fn device_post(
    b: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let r = b
        .client
        .post(b.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn the_device_grant_is_approved_on_the_activate_page_and_redeemed_once() {
    let (app, clock) = spawn().await;
    let uid = user(&app, "page.device@example.com").await;
    let client_id = public_client(
        &app,
        &uid,
        "Living Room TV",
        json!({ "application_type": "native",
                    "grant_types": ["authorization_code",
                        "urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
                    "response_types": ["code"],
                    "redirect_uris": ["com.example.tv:/callback"] }),
    )
    .await;
    let discovery = app
        .get("/oauth2/default/.well-known/openid-configuration")
        .await;
    assert_eq!(
        discovery.body["device_authorization_endpoint"],
        format!("{}/oauth2/default/v1/device/authorize", app.base)
    );
    let mut b = Browser::new(&app);
    let device = Browser::new(&app);
    let grant = "urn:ietf:params:oauth:grant-type:device_code";
    let start = |scope: &'static str| {
        let client_id = client_id.clone();
        let b = &device;
        async move {
            device_post(
                b,
                "/oauth2/default/v1/device/authorize",
                &[("client_id", &client_id), ("scope", scope)],
            )
            .await
        }
    };
    let (status, d) = start("openid profile offline_access").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["expires_in"], 600);
    assert_eq!(d["interval"], 5);
    assert_eq!(d["verification_uri"], format!("{}/activate", app.base));
    let user_code = d["user_code"].as_str().unwrap().to_owned();
    assert_eq!(user_code.len(), 8);
    assert_eq!(
        d["verification_uri_complete"],
        format!("{}/activate?user_code={user_code}", app.base)
    );
    let device_code = d["device_code"].as_str().unwrap().to_owned();
    let poll = |code: String| {
        let client_id = client_id.clone();
        let b = &device;
        async move {
            device_post(
                b,
                "/oauth2/default/v1/token",
                &[
                    ("client_id", &client_id),
                    ("grant_type", grant),
                    ("device_code", &code),
                ],
            )
            .await
        }
    };
    let (status, r) = poll(device_code.clone()).await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );
    let (_, r) = poll(device_code.clone()).await;
    assert_eq!(r["error"], "slow_down", "polled again at once");
    clock.advance(6_000);
    let (_, r) = poll(device_code.clone()).await;
    assert_eq!(r["error"], "authorization_pending");

    // The user: /activate needs a session, then shows the device and the code.
    let to_login = b.get(&format!("/activate?user_code={user_code}")).await;
    assert_eq!(to_login.status, StatusCode::SEE_OTHER);
    let done = b
        .sign_in(&to_login.location(), "page.device@example.com", PASSWORD)
        .await;
    let back = Browser::continue_to(&done);
    let page = b.get(&back).await;
    assert_eq!(page.page(), "activate", "{}", page.html);
    assert!(page.html.contains("Living Room TV"));
    let wrong = b.get("/activate?user_code=BCDFGHJK").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let allowed = b
        .submit(&page, "device-form", &[("decision", "allow")])
        .await;
    assert!(
        allowed.html.contains("Device activated"),
        "{}",
        allowed.html
    );

    clock.advance(6_000);
    let (status, tokens) = poll(device_code.clone()).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens["access_token"].as_str().is_some());
    assert!(tokens["id_token"].as_str().is_some());
    assert!(tokens["refresh_token"].as_str().is_some());
    assert_eq!(tokens["token_type"], "Bearer");
    clock.advance(6_000);
    let (_, again) = poll(device_code).await;
    assert_eq!(again["error"], "invalid_grant", "redeemed once");

    // Denied, and expired.
    let (_, d2) = start("openid").await;
    let page = b
        .get(&format!(
            "/activate?user_code={}",
            d2["user_code"].as_str().unwrap()
        ))
        .await;
    b.submit(&page, "device-form", &[("decision", "deny")])
        .await;
    clock.advance(6_000);
    let (_, r) = poll(d2["device_code"].as_str().unwrap().to_owned()).await;
    assert_eq!(r["error"], "access_denied");
    let (_, d3) = start("openid").await;
    clock.advance(601_000);
    let (_, r) = poll(d3["device_code"].as_str().unwrap().to_owned()).await;
    assert_eq!(r["error"], "expired_token");
    let (_, r) = poll("not-a-device-code".into()).await;
    assert_eq!(r["error"], "invalid_grant");
    // A scope the server does not know.
    let (status, r) = start("openid photos.delete").await;
    assert_eq!(
        (status, r["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope"))
    );
}

#[tokio::test]
async fn an_expired_password_is_changed_on_the_way_in() {
    let (app, _) = spawn().await;
    let uid = user(&app, "page.expired@example.com").await;
    let r = app
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/expire_password"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut b = Browser::new(&app);
    let page = b
        .sign_in("/login/login.htm", "page.expired@example.com", PASSWORD)
        .await;
    assert_eq!(page.page(), "step-password-expired", "{}", page.html);
    assert!(page.html.contains("id=\"requirements\""), "{}", page.html);
    let wrong = b
        .submit(
            &page,
            "password-form",
            &[
                ("oldPassword", "not-the-old-1"),
                ("newPassword", "Renewed-Pass-5"),
                ("confirmPassword", "Renewed-Pass-5"),
            ],
        )
        .await;
    assert_eq!(wrong.page(), "step-password-expired");
    assert!(!wrong.error().is_empty());
    let done = b
        .submit(
            &wrong,
            "password-form",
            &[
                ("oldPassword", PASSWORD),
                ("newPassword", "Renewed-Pass-5"),
                ("confirmPassword", "Renewed-Pass-5"),
            ],
        )
        .await;
    assert_eq!(Browser::continue_to(&done), "/app/UserHome");
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}")).await.body["status"],
        "ACTIVE"
    );
}

#[tokio::test]
async fn forgot_password_by_sms_on_the_pages() {
    let receiver = crate::receiver::Receiver::start().await;
    receiver.reply_with(json!({ "commands": [{ "type": "com.okta.telephony.action",
        "value": [{ "status": "SUCCESSFUL" }] }] }));
    let ca = receiver.ca_path.clone();
    let app = spawn_app_with_clock(move |c| c.outbound_ca_file = Some(ca), Clock::System).await;
    let r = app
        .post(
            "/api/v1/inlineHooks",
            json!({ "name": "Phone", "type": "com.okta.telephony.provider", "version": "1.0.0",
                    "channel": { "type": "HTTP", "version": "1.0.0", "config": { "uri": receiver.url } } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The user first: the new policy's complexity asks for a symbol.
    let uid = user(&app, "page.sms@example.com").await;
    let everyone = app.get("/api/v1/groups?q=Everyone").await.body[0]["id"].clone();
    let policy = app
        .post(
            "/api/v1/policies",
            json!({ "type": "PASSWORD", "name": "Phone recovery", "priority": 1,
                    "conditions": { "people": { "groups": { "include": [everyone] } } },
                    "settings": { "recovery": { "factors": {
                        "recovery_question": { "status": "ACTIVE" },
                        "okta_sms": { "status": "ACTIVE" } } } } }),
        )
        .await;
    let pid = policy.body["id"].as_str().unwrap();
    self_service(&app, pid).await;
    let sms = app
        .post(
            &format!("/api/v1/users/{uid}/factors?activate=true"),
            json!({ "factorType": "sms", "provider": "OKTA",
                    "profile": { "phoneNumber": "+15554151337" } }),
        )
        .await;
    assert_eq!(sms.body["status"], "ACTIVE", "{}", sms.text);

    let mut b = Browser::new(&app);
    let page = b.get("/signin/forgot-password").await;
    let challenge = b
        .submit(
            &page,
            "recover-form",
            &[("username", "page.sms@example.com"), ("factorType", "SMS")],
        )
        .await;
    assert_eq!(
        challenge.page(),
        "step-recovery-challenge",
        "{}",
        challenge.html
    );
    let call = receiver.wait_received(1).await.last().unwrap().body.clone();
    let code = call["data"]["messageProfile"]["otpCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = b
        .submit(&challenge, "challenge-form", &[("passCode", "000000")])
        .await;
    assert_eq!(wrong.page(), "step-recovery-challenge");
    assert!(!wrong.error().is_empty(), "{}", wrong.html);
    let question = b
        .submit(&wrong, "challenge-form", &[("passCode", &code)])
        .await;
    assert_eq!(question.page(), "step-recovery", "{}", question.html);
    let reset = b
        .submit(&question, "answer-form", &[("answer", "ultramarine")])
        .await;
    assert_eq!(reset.page(), "step-password-reset", "{}", reset.html);
    let done = b
        .submit(
            &reset,
            "password-form",
            &[
                ("newPassword", "Texted-Pass-31"),
                ("confirmPassword", "Texted-Pass-31"),
            ],
        )
        .await;
    assert_eq!(Browser::continue_to(&done), "/app/UserHome");
}
