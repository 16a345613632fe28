//! Lifecycle operations through the real server, with the status each one leaves.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn active_user(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user("", json!({"profile": TestApp::profile(login), "credentials": {"password": {"value": "Xyzzy12345"}}}))
        .await;
    assert_eq!(u["status"], "ACTIVE");
    u["id"].as_str().unwrap().to_owned()
}

async fn status(app: &TestApp, id: &str) -> String {
    app.get(&format!("/api/v1/users/{id}")).await.body["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn activate_staged_user_returns_activation_link_when_no_email() {
    let app = spawn_app().await;
    let u = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("act@example.com")}),
        )
        .await;
    let id = u["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{id}/lifecycle/activate?sendEmail=false"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.body["activationToken"].as_str().unwrap();
    assert!(token.len() >= 20);
    assert_eq!(
        r.body["activationUrl"],
        format!("{}/welcome/{token}", app.base)
    );
    assert_eq!(status(&app, id).await, "PROVISIONED");
    // Activating again is refused: the user is no longer STAGED.
    let again = app
        .post_empty(&format!("/api/v1/users/{id}/lifecycle/activate"))
        .await;
    assert!(again.status.is_client_error(), "{}", again.text);
    // Reactivate is for PROVISIONED users.
    let re = app
        .post_empty(&format!(
            "/api/v1/users/{id}/lifecycle/reactivate?sendEmail=false"
        ))
        .await;
    assert_eq!(re.status, StatusCode::OK, "{}", re.text);
    assert!(re.body["activationToken"].is_string());
}

#[tokio::test]
async fn activate_with_send_email_answers_an_empty_object() {
    let app = spawn_app().await;
    let u = app.create_user("?activate=false", json!({"profile": TestApp::profile("act2@example.com"), "credentials": {"password": {"value": "Xyzzy12345"}}})).await;
    let id = u["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!("/api/v1/users/{id}/lifecycle/activate"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body, json!({}));
    assert_eq!(status(&app, id).await, "ACTIVE");
}

#[tokio::test]
async fn suspend_unsuspend_and_their_refusals() {
    let app = spawn_app().await;
    let id = active_user(&app, "susp@example.com").await;
    let r = app
        .post_empty(&format!("/api/v1/users/{id}/lifecycle/suspend"))
        .await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));
    assert_eq!(status(&app, &id).await, "SUSPENDED");
    let user = app.get(&format!("/api/v1/users/{id}")).await.body;
    assert!(user["_links"]["unsuspend"]["href"].is_string());
    assert!(user["_links"]["suspend"].is_null());
    // Suspending a user who is not ACTIVE: 400 E0000001 (users.md, Suspend User).
    app.post_empty(&format!("/api/v1/users/{id}/lifecycle/suspend"))
        .await
        .assert_error(400, "E0000001");
    app.post_empty(&format!("/api/v1/users/{id}/lifecycle/unsuspend"))
        .await;
    assert_eq!(status(&app, &id).await, "ACTIVE");
    app.post_empty(&format!("/api/v1/users/{id}/lifecycle/unsuspend"))
        .await
        .assert_error(400, "E0000001");
}

#[tokio::test]
async fn deactivate_and_reactivate_paths() {
    let app = spawn_app().await;
    let id = active_user(&app, "deact@example.com").await;
    let r = app
        .post_empty(&format!("/api/v1/users/{id}/lifecycle/deactivate"))
        .await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));
    assert_eq!(status(&app, &id).await, "DEPROVISIONED");
    // Deactivated users can be activated again.
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{id}/lifecycle/activate?sendEmail=false"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_ne!(status(&app, &id).await, "DEPROVISIONED");
}

#[tokio::test]
async fn unlock_active_is_allowed_staged_is_refused() {
    // users.md: unlock works on LOCKED_OUT users and on ACTIVE users blocked from devices.
    let app = spawn_app().await;
    let id = active_user(&app, "unlock@example.com").await;
    let r = app
        .post_empty(&format!("/api/v1/users/{id}/lifecycle/unlock"))
        .await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));
    assert_eq!(status(&app, &id).await, "ACTIVE");
    let staged = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("unlock2@example.com")}),
        )
        .await;
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{}/lifecycle/unlock",
            staged["id"].as_str().unwrap()
        ))
        .await;
    r.assert_error(403, "E0000032");
}

#[tokio::test]
async fn reset_password_and_expire_password() {
    let app = spawn_app().await;
    let id = active_user(&app, "reset@example.com").await;
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{id}/lifecycle/reset_password?sendEmail=false"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let url = r.body["resetPasswordUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/signin/reset-password/", app.base)));
    assert_eq!(status(&app, &id).await, "RECOVERY");

    let id2 = active_user(&app, "expire@example.com").await;
    let r = app
        .post_empty(&format!("/api/v1/users/{id2}/lifecycle/expire_password"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "PASSWORD_EXPIRED");
    assert_eq!(r.body["id"], id2);

    let id3 = active_user(&app, "temp@example.com").await;
    let r = app
        .post_empty(&format!(
            "/api/v1/users/{id3}/lifecycle/expire_password?tempPassword=true"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let temp = r.body["tempPassword"].as_str().unwrap().to_owned();
    assert!(temp.len() >= 8);
    // The temporary password is the user's password now.
    let r = app
        .post(
            &format!("/api/v1/users/{id3}/credentials/change_password"),
            json!({"oldPassword": {"value": temp}, "newPassword": {"value": "Brandnew123"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(status(&app, &id3).await, "ACTIVE");
}

#[tokio::test]
async fn reset_factors_and_sessions_for_an_active_user() {
    let app = spawn_app().await;
    let id = active_user(&app, "rf@example.com").await;
    let r = app
        .post_empty(&format!("/api/v1/users/{id}/lifecycle/reset_factors"))
        .await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));
    let r = app.delete(&format!("/api/v1/users/{id}/sessions")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    app.post_empty("/api/v1/users/00u00000000000000000/lifecycle/suspend")
        .await
        .assert_error(404, "E0000007");
}

/// `sendEmail=true` (the default of activate, reset_password and forgot_password) mails the
/// user the link that `sendEmail=false` returns, through a real SMTP server.
#[tokio::test]
async fn send_email_mails_activation_and_reset_links() {
    let sink = crate::smtp_sink::SmtpSink::start().await;
    let url = sink.url.clone();
    let app = crate::harness::spawn_app_with(move |c| c.smtp_url = Some(url)).await;
    let u = app
        .create_user(
            "?activate=false",
            json!({"profile": TestApp::profile("mailed@example.com")}),
        )
        .await;
    let id = u["id"].as_str().unwrap();
    let r = app
        .post_empty(&format!("/api/v1/users/{id}/lifecycle/activate"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body, json!({}));
    // As a mail client reads it (quoted-printable soft line breaks joined).
    let unfold = |data: String| data.replace("=\r\n", "").replace("=\n", "");
    let mail = unfold(sink.mail_number("mailed@example.com", 1).await.text());
    let link = format!("{}/welcome/", app.base);
    let token = mail
        .split(&link)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no activation link in {mail}"))
        .to_owned();
    // The mailed token is the user's activation token: it signs them in once.
    let r = app
        .call_as(
            reqwest::Method::POST,
            "/api/v1/authn",
            Some(json!({ "token": token })),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "PASSWORD_RESET", "{}", r.text);

    let active = active_user(&app, "reset-mail@example.com").await;
    // forgot_password (the user is ACTIVE), then reset_password (it leaves them in RECOVERY).
    let r = app
        .post(
            &format!("/api/v1/users/{active}/credentials/forgot_password"),
            json!({}),
        )
        .await;
    assert_eq!(r.body, json!({}), "{}", r.text);
    let mail = unfold(sink.mail_number("reset-mail@example.com", 1).await.text());
    assert!(
        mail.contains(&format!("{}/signin/reset-password/", app.base)),
        "{mail}"
    );
    let r = app
        .post_empty(&format!("/api/v1/users/{active}/lifecycle/reset_password"))
        .await;
    assert_eq!(r.body, json!({}), "{}", r.text);
    sink.mail_number("reset-mail@example.com", 2).await;
    // sendEmail=false sends nothing.
    app.post_empty(&format!(
        "/api/v1/users/{active}/lifecycle/reset_password?sendEmail=false"
    ))
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.mails_to("reset-mail@example.com").len(), 2);
}
