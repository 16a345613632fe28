//! The authorization matrix: every `/api/v1` route the router serves (read from the route
//! declarations in `src/api/*.rs`) × every standard role, without targets and, for the roles
//! that take them, limited to a target; the expected answer comes from the role table
//! (`model::roles`) and the route's permission (`latchkey::authz::need`). A route that names
//! no permission and is not public fails here, so a new route cannot ship without a rule.
//!
//! Path parameters are filled with an id that names nothing, so an allowed call answers 404
//! or 400 (never a change) and a refused one 403 E0000006.

use std::collections::BTreeSet;

use crate::harness::{spawn_app, TestApp};
use latchkey::authz::{need, route_key, Need};
use model::roles::{resource_of, Resource, TargetKind, STANDARD_ROLES};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Routes that take no API token at all (health, public images, a session from a one-time
/// session token, the session cookie's own routes): `METHOD /api/v1/path{}` as the scan below writes them.
const PUBLIC: &[&str] = &[
    "GET /api/v1/health",
    "GET /api/v1/health/ready",
    "GET /api/v1/.well-known/okta-organization",
    "GET /api/v1/bc/image/fileStoreRecord",
    "GET /api/v1/users/{}/factors/{}/qr/{}",
    "POST /api/v1/sessions",
    "GET /api/v1/sessions/me",
    "DELETE /api/v1/sessions/me",
    "POST /api/v1/sessions/me/lifecycle/refresh",
    "GET /api/v1/login/sessionCookieRedirect",
];

/// The three lists a limited role reads, narrowed.
const LISTS: &[&str] = &[
    "GET /api/v1/users",
    "GET /api/v1/groups",
    "GET /api/v1/apps",
];

/// Every `(method, path)` declared with `.route("path", method(handler)...)` in the API
/// modules, the path as written (relative to `/api/v1`).
fn declared_routes() -> Vec<(Method, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let trimmed = rest.trim_start();
            let Some(literal) = trimmed.strip_prefix('"') else {
                continue;
            };
            let Some(end) = literal.find('"') else {
                continue;
            };
            let route = &literal[..end];
            // The arguments up to the matching parenthesis.
            let mut depth = 1;
            let mut close = 0;
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            close = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let args = &rest[..close];
            for (name, method) in [
                ("get(", Method::GET),
                ("post(", Method::POST),
                ("put(", Method::PUT),
                ("delete(", Method::DELETE),
                ("patch(", Method::PATCH),
            ] {
                let found = args.match_indices(name).any(|(i, _)| {
                    i == 0
                        || !args[..i]
                            .chars()
                            .last()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if found {
                    out.insert((method.to_string(), route.to_owned()));
                }
            }
        }
    }
    out.into_iter()
        .map(|(m, p)| (Method::from_bytes(m.as_bytes()).unwrap(), p))
        .collect()
}

/// The route with its parameters filled with an id that names nothing.
fn concrete(route: &str) -> String {
    let mut out = String::new();
    for seg in route.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if seg.starts_with('{') {
            out.push_str("nothingHere000000000");
        } else {
            out.push_str(seg);
        }
    }
    out
}

/// Whether `role` (limited to a target when `limited`) may call a route needing `need`.
fn expected(role: &model::roles::StandardRole, limited: bool, key: &str, need: &Need) -> bool {
    match need {
        Need::AnyAdmin => true,
        Need::Unlisted => role.role_type == "SUPER_ADMIN",
        Need::Permission(permissions) => {
            let allowing: Vec<&String> = permissions.iter().filter(|p| role.allows(p)).collect();
            if allowing.is_empty() {
                return false;
            }
            let limits = |p: &str| match role.targets {
                TargetKind::Groups => matches!(resource_of(p), Resource::Users | Resource::Groups),
                TargetKind::Apps => resource_of(p) == Resource::Apps,
                TargetKind::None => false,
            };
            if !limited || allowing.iter().any(|p| !limits(p)) {
                return true;
            }
            // Every allowing permission is limited: only the narrowed lists, since the
            // ids in the path name nothing the target covers.
            LISTS.contains(&key)
        }
    }
}

/// An ACTIVE user holding `role` (with one target when `limited`) and a token acting as it.
async fn admin_token(app: &TestApp, role: &str, limited: bool, n: usize) -> String {
    let login = format!("matrix{n}@example.com");
    let user = app.active_user(&login).await;
    let r = app
        .post(
            &format!("/api/v1/users/{user}/roles"),
            json!({ "type": role }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let assignment = r.body["id"].as_str().unwrap().to_owned();
    if limited {
        let target = match model::roles::standard_role(role).unwrap().targets {
            TargetKind::Groups => {
                let g = app
                    .post(
                        "/api/v1/groups",
                        json!({ "profile": { "name": format!("target {n}") } }),
                    )
                    .await;
                format!("groups/{}", g.body["id"].as_str().unwrap())
            }
            _ => "catalog/apps/bookmark".to_owned(),
        };
        let r = app
            .put(
                &format!("/api/v1/users/{user}/roles/{assignment}/targets/{target}"),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }
    app.token_as(&login).await
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_role_table_says() {
    let routes = declared_routes();
    assert!(routes.len() > 200, "only {} routes found", routes.len());
    // Every route is public or has a rule.
    let mut checked = Vec::new();
    let mut unruled = Vec::new();
    for (method, route) in &routes {
        // Every API module's routes are under /api/v1 but a service app's roles.
        let full = if route.starts_with("/oauth2/") {
            route.clone()
        } else {
            format!("/api/v1{route}")
        };
        let key = route_key(method, &full);
        if PUBLIC.contains(&key.as_str()) {
            continue;
        }
        let need = need(method, &full);
        if need == Need::Unlisted && !latchkey::authz::super_admin_only(&key) {
            unruled.push(key.clone());
        }
        checked.push((method.clone(), full, key, need));
    }
    assert!(
        unruled.is_empty(),
        "routes without a permission (add them to the scope table or authz::REFINED): {unruled:#?}"
    );

    let app = spawn_app().await;
    // One bookmark app, so a catalog target can name its app.
    let r = app
        .post(
            "/api/v1/apps",
            json!({
                "name": "bookmark", "label": "Matrix", "signOnMode": "BOOKMARK",
                "settings": { "app": { "requestIntegration": false, "url": "https://example.com/m" } },
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let mut cases = Vec::new();
    for role in STANDARD_ROLES {
        cases.push((role, false));
        if role.targets != TargetKind::None {
            cases.push((role, true));
        }
    }
    let mut wrong = Vec::new();
    let mut calls = 0;
    for (n, (role, limited)) in cases.iter().enumerate() {
        let token = admin_token(&app, role.role_type, *limited, n).await;
        // Revoking one's own token goes last.
        let mut ordered: Vec<_> = checked.iter().collect();
        ordered.sort_by_key(|(_, _, key, _)| key == "DELETE /api/v1/api-tokens/current");
        for (method, full, key, need) in ordered {
            let allow = expected(role, *limited, key, need);
            let body =
                matches!(*method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let r = app
                .call_as(method.clone(), &concrete(full), body, Some(&token))
                .await;
            calls += 1;
            let refused = r.status == StatusCode::FORBIDDEN && r.body["errorCode"] == "E0000006";
            // An allowed call may still fail (404 for the id that names nothing, 400, or the
            // Authn API's own 401s): it is not refused.
            let ok = if allow { !refused } else { refused };
            if !ok {
                wrong.push(format!(
                    "{} (limited: {limited}) {key}: expected {}, got {} {}",
                    role.role_type,
                    if allow { "allowed" } else { "403 E0000006" },
                    r.status,
                    r.text.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {calls} answers differ from the role table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
