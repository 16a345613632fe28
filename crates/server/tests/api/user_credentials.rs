//! Credential operations: change password, change recovery question, forgot password.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn user_with_question(app: &TestApp, login: &str) -> String {
    let u = app
        .create_user(
            "",
            json!({"profile": TestApp::profile(login), "credentials": {
                "password": {"value": "Original123"},
                "recovery_question": {"question": "Favourite colour?", "answer": "Deep Blue"}
            }}),
        )
        .await;
    u["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn change_password_checks_old_and_policy() {
    let app = spawn_app().await;
    let id = user_with_question(&app, "cp@example.com").await;
    let path = format!("/api/v1/users/{id}/credentials/change_password");
    let r = app
        .post(
            &path,
            json!({"oldPassword": {"value": "Wrong12345"}, "newPassword": {"value": "Another123"}}),
        )
        .await;
    r.assert_error(403, "E0000014");
    let r = app
        .post(
            &path,
            json!({"oldPassword": {"value": "Original123"}, "newPassword": {"value": "weak"}}),
        )
        .await;
    r.assert_error(403, "E0000080");
    assert!(r
        .causes()
        .iter()
        .any(|c| c.contains("Password requirements")));
    let r = app.post(&path, json!({"oldPassword": {"value": "Original123"}, "newPassword": {"value": "Another123"}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"password": {}, "recovery_question": {"question": "Favourite colour?"}, "provider": {"type": "OKTA", "name": "OKTA"}})
    );
    // The old password no longer works, the new one does.
    let r = app.post(&path, json!({"oldPassword": {"value": "Original123"}, "newPassword": {"value": "Third12345"}})).await;
    r.assert_error(403, "E0000014");
    let r = app
        .post(
            &path,
            json!({"oldPassword": {"value": "Another123"}, "newPassword": {"value": "Third12345"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn change_recovery_question_needs_the_password() {
    let app = spawn_app().await;
    let id = user_with_question(&app, "crq@example.com").await;
    let path = format!("/api/v1/users/{id}/credentials/change_recovery_question");
    let r = app.post(&path, json!({"password": {"value": "nope"}, "recovery_question": {"question": "Pet?", "answer": "Rex the dog"}})).await;
    r.assert_error(403, "E0000014");
    let r = app.post(&path, json!({"password": {"value": "Original123"}, "recovery_question": {"question": "Pet?", "answer": "Rex the dog"}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["recovery_question"], json!({"question": "Pet?"}));
}

#[tokio::test]
async fn forgot_password_link_and_answer_flow() {
    let app = spawn_app().await;
    let id = user_with_question(&app, "fp@example.com").await;
    let path = format!("/api/v1/users/{id}/credentials/forgot_password");
    let r = app.post_empty(&format!("{path}?sendEmail=false")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["resetPasswordUrl"]
        .as_str()
        .unwrap()
        .contains("/signin/reset-password/"));
    assert_eq!(
        app.get(&format!("/api/v1/users/{id}")).await.body["status"],
        "ACTIVE"
    );

    let r = app.post(&path, json!({"password": {"value": "Recovered123"}, "recovery_question": {"answer": "wrong answer"}})).await;
    r.assert_error(403, "E0000087");
    // Answers compare ignoring case and surrounding space.
    let r = app.post(&path, json!({"password": {"value": "Recovered123"}, "recovery_question": {"answer": "  deep blue "}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["password"], json!({}));
    let r = app
        .post(&format!("/api/v1/users/{id}/credentials/change_password"), json!({"oldPassword": {"value": "Recovered123"}, "newPassword": {"value": "Again12345"}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn forgot_password_recovery_question_route() {
    let app = spawn_app().await;
    let id = user_with_question(&app, "fprq@example.com").await;
    let path = format!("/api/v1/users/{id}/credentials/forgot_password_recovery_question");
    let r = app.post(&path, json!({"password": {"value": "Recovered123"}, "recovery_question": {"answer": "nope nope"}})).await;
    r.assert_error(403, "E0000087");
    let r = app
        .post(&path, json!({"recovery_question": {"answer": "Deep Blue"}}))
        .await;
    r.assert_error(400, "E0000001");
    let r = app.post(&path, json!({"password": {"value": "Recovered123"}, "recovery_question": {"answer": "Deep Blue"}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["recovery_question"]["question"], "Favourite colour?");
}
