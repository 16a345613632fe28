//! The server shell: HTTPS, auth, the wire format's shared rules, bootstrap files.

use crate::harness::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn every_management_route_needs_a_valid_token() {
    let app = spawn_app().await;
    for auth in [
        None,
        Some("Bearer x"),
        Some("SSWS"),
        Some("SSWS 00notarealtoken"),
        Some("Basic Zm9vOmJhcg=="),
    ] {
        let r = app.call_as(Method::GET, "/api/v1/users", None, auth).await;
        r.assert_error(401, "E0000011");
        assert_eq!(r.body["errorSummary"], "Invalid token provided");
    }
    // The Python SDK sends the scheme without a space.
    let r = app
        .call_as(
            Method::GET,
            "/api/v1/users",
            None,
            Some(&format!("SSWS{}", app.token)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn standard_headers_on_every_response() {
    let app = spawn_app().await;
    for r in [
        app.get("/api/v1/users").await,
        app.get("/api/v1/nope").await,
    ] {
        assert!(r.header("x-okta-request-id").is_some_and(|v| v.len() >= 20));
        assert!(r.header("date").is_some());
        assert!(r.header("x-rate-limit-limit").is_some());
        assert!(r.header("x-rate-limit-remaining").is_some());
        assert!(r
            .header("x-rate-limit-reset")
            .is_some_and(|v| v.parse::<i64>().is_ok()));
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json")
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_okta_format() {
    let app = spawn_app().await;
    app.get("/api/v1/nope").await.assert_error(404, "E0000007");
    app.call(Method::PATCH, "/api/v1/users", None)
        .await
        .assert_error(405, "E0000022");
}

#[tokio::test]
async fn malformed_json_is_e0000003() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/users"))
        .header("Authorization", format!("SSWS {}", app.token))
        .header("Content-Type", "application/json")
        .body("{\"profile\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000003");
    assert_eq!(
        body["errorSummary"],
        "The request body was not well-formed."
    );
}

#[tokio::test]
async fn health_needs_no_token() {
    let app = spawn_app().await;
    let r = app.call_as(Method::GET, "/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.call_as(Method::GET, "/health/ready", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["store"].is_string());
}

#[tokio::test]
async fn bootstrap_writes_private_token_ca_and_everyone() {
    let app = spawn_app().await;
    let token_file = app.data_dir.path().join("admin-token");
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap().trim(),
        app.token
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(app.data_dir.path().join("ca.pem").exists());
    let me = app.get("/api/v1/users/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let groups = app
        .get(&format!(
            "/api/v1/users/{}/groups",
            me.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(groups.body[0]["profile"]["name"], "Everyone");
    assert_eq!(groups.body[0]["type"], "BUILT_IN");
}

#[tokio::test]
async fn a_second_start_on_the_same_data_does_not_bootstrap_again() {
    let app = spawn_app().await;
    let mut config = latchkey::config::Config::resolve(
        latchkey::config::ServeArgs {
            store: latchkey::config::StoreArgs {
                data_dir: Some(app.data_dir.path().to_path_buf()),
                database_url: None,
            },
            listen: Some("127.0.0.1:0".parse().unwrap()),
            ..Default::default()
        },
        latchkey::config::FileConfig::default(),
    )
    .unwrap();
    if std::env::var("LATCHKEY_TEST_BACKEND").as_deref() == Ok("postgres") {
        return; // the harness owns the PG database; the SQLite path covers the rule
    }
    config.argon2.memory_kib = 1024;
    let second = latchkey::app::Application::build(config).await.unwrap();
    assert!(second.new_admin_token.is_none());
    assert_eq!(
        std::fs::read_to_string(app.data_dir.path().join("admin-token"))
            .unwrap()
            .trim(),
        app.token
    );
}

#[tokio::test]
async fn links_use_the_public_url() {
    let app = spawn_app().await;
    let user = app
        .create_user(
            "?activate=false",
            json!({"profile": crate::harness::TestApp::profile("pub.url@example.com")}),
        )
        .await;
    let href = user["_links"]["self"]["href"].as_str().unwrap();
    assert_eq!(
        href,
        format!("{}/api/v1/users/{}", app.base, user["id"].as_str().unwrap())
    );
    assert!(app.base.starts_with("https://localhost:"));
}

#[tokio::test]
async fn graceful_shutdown_stops_accepting_connections() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
    app.handle
        .graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if tokio::net::TcpStream::connect(app.addr).await.is_err() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "listener still accepting after shutdown"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn token_create_makes_a_working_token() {
    let app = spawn_app().await;
    let store_args = latchkey::config::StoreArgs {
        data_dir: Some(app.data_dir.path().to_path_buf()),
        database_url: app.database_url.clone(),
    };
    let secret = latchkey::cli::token::create(
        &store_args,
        &latchkey::config::FileConfig::default(),
        "ci",
        None,
    )
    .await
    .unwrap();
    assert!(secret.starts_with("00") && secret.len() == 42);
    let r = app
        .call_as(
            Method::GET,
            "/api/v1/api-tokens",
            None,
            Some(&format!("SSWS {secret}")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let names: Vec<_> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"ci".to_owned()));
}

#[tokio::test]
async fn serves_given_certificate_files() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let app = crate::harness::spawn_app_with(|c| {
        c.tls = latchkey::config::TlsMode::Files {
            cert: cert_path.clone(),
            key: key_path.clone(),
        };
    })
    .await;
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .tls_built_in_root_certs(false)
        .resolve("localhost", app.addr)
        .no_proxy()
        .build()
        .unwrap();
    let r = client
        .get(format!("{}/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The generated CA is not what this server presents.
    assert!(app
        .client
        .get(format!("{}/health", app.base))
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn insecure_http_serves_plain_http() {
    let app = crate::harness::spawn_app_with(|c| c.tls = latchkey::config::TlsMode::Insecure).await;
    assert!(app.base.starts_with("http://localhost:"));
    let r = reqwest::Client::builder()
        .resolve("localhost", app.addr)
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}/api/v1/users", app.base))
        .header("Authorization", format!("SSWS {}", app.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// The data folder holds password hashes and secrets: it is created 0700 and every file in
/// it (the SQLite database, its WAL and shared memory, keys, certificates, the admin token)
/// is 0600.
#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("data");
    let sqlite = std::env::var("LATCHKEY_TEST_BACKEND").as_deref() != Ok("postgres");
    let moved = dir.clone();
    let app = crate::harness::spawn_app_with(move |c| {
        c.data_dir = moved.clone();
        c.secret_key_file = moved.join("secret.key");
        if sqlite {
            c.database_url = format!("sqlite://{}", moved.join("latchkey.db").display());
        }
    })
    .await;
    // A write, so the WAL and shared-memory files exist.
    let r = app
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Private" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "the data folder");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    for expected in ["admin-token", "secret.key", "ca-key.pem", "server-key.pem"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    if sqlite {
        for expected in ["latchkey.db", "latchkey.db-wal", "latchkey.db-shm"] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
    }
}

/// `/.well-known/okta-organization` answers without a token: the org id, the Classic
/// pipeline, and the org's own address.
#[tokio::test]
async fn okta_organization_describes_the_org_without_a_token() {
    let app = spawn_app().await;
    let r = app
        .call_as(Method::GET, "/.well-known/okta-organization", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("00o"), "{id}");
    assert_eq!(r.body["pipeline"], "v1");
    assert_eq!(
        r.body["_links"],
        json!({ "organization": { "href": app.base } })
    );
}
