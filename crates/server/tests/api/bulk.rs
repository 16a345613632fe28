//! `latchkey import users` and `latchkey export users`: the real binary against the data
//! folder (or PostgreSQL database) of a running server, checked through the API.

use crate::harness::{spawn_app, TestApp};
use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

const PASSWORD: &str = "Imported-pw-77";

/// Runs the `latchkey` binary on the app's store (with the suite's argon2 parameters, so the
/// hashes it makes are what the server expects). Answers the exit code, stdout and stderr.
async fn latchkey(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let config = app.data_dir.path().join("cli.toml");
    std::fs::write(&config, "argon2-memory-kib = 1024\nargon2-iterations = 1\n").unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command
        .arg("--config")
        .arg(&config)
        .args(args)
        .arg("--data-dir")
        .arg(app.data_dir.path());
    if let Some(url) = &app.database_url {
        command.arg("--database-url").arg(url);
    }
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Okta's SHA-256 hash object for `password` with a PREFIX salt.
fn sha256_hash(password: &str) -> Value {
    let salt = b"pepper!";
    let mut digest = Sha256::new();
    digest.update(salt);
    digest.update(password.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({
        "algorithm": "SHA-256",
        "salt": b64.encode(salt),
        "saltOrder": "PREFIX",
        "value": b64.encode(digest.finalize()),
    })
}

fn person(login: &str) -> Value {
    json!({"login": login, "email": login, "firstName": "Imp", "lastName": "Orted"})
}

async fn sign_in(app: &TestApp, login: &str, password: &str) -> Value {
    let r = app
        .call_as(
            Method::POST,
            "/api/v1/authn",
            Some(json!({"username": login, "password": password})),
            None,
        )
        .await;
    r.body
}

async fn user(app: &TestApp, login: &str) -> Value {
    let r = app.get(&format!("/api/v1/users/{login}")).await;
    assert_eq!(r.status, StatusCode::OK, "{login}: {}", r.text);
    r.body
}

fn write_lines(path: &Path, rows: &[Value]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn json_lines_import_follows_the_api_rules_and_resumes() {
    let app = spawn_app().await;
    let eng = app
        .post(
            "/api/v1/groups",
            json!({"profile": {"name": "Engineering"}}),
        )
        .await;
    assert_eq!(eng.status, StatusCode::OK, "{}", eng.text);
    let eng_id = eng.body["id"].as_str().unwrap().to_owned();

    let file = app.data_dir.path().join("users.jsonl");
    let mut hashed = person("hashed@example.com");
    hashed["costCenter"] = json!("CC42");
    let rows = vec![
        // 1: imported hash, group by name, custom attribute
        json!({"profile": hashed, "credentials": {"password": {"hash": sha256_hash(PASSWORD)}},
               "groups": ["engineering"]}),
        // 2: plain password under the password policy, group by id
        json!({"profile": person("plain@example.com"),
               "credentials": {"password": {"value": PASSWORD}}, "groupIds": [eng_id]}),
        // 3: staged by status
        json!({"profile": person("staged@example.com"), "status": "STAGED"}),
        // 4: suspended by status
        json!({"profile": person("suspended@example.com"),
               "credentials": {"password": {"hash": sha256_hash(PASSWORD)}}, "status": "SUSPENDED"}),
        // 5: no password, activated: PROVISIONED
        json!({"profile": person("provisioned@example.com")}),
        // 6: the API's validation: login must be an email
        json!({"profile": person("not-an-email")}),
        // 7: the password policy
        json!({"profile": person("weak@example.com"), "credentials": {"password": {"value": "short"}}}),
        // 8: unknown group
        json!({"profile": person("lost@example.com"), "groups": ["Nowhere"]}),
        // 9: a login taken earlier in the file (any case): skipped
        json!({"profile": person("HASHED@example.com")}),
        // 10: not an importable status
        json!({"profile": person("locked@example.com"), "status": "LOCKED_OUT"}),
        // 11: a bad ARGON2ID hash
        json!({"profile": person("argon@example.com"),
               "credentials": {"password": {"hash": {"algorithm": "ARGON2ID", "value": "$2a$10$x"}}}}),
    ];
    write_lines(&file, &rows);
    // 12: not JSON; 13: not even UTF-8 (each fails its own row, not the file)
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"this is not json\n\xff\xfe{\n");
    std::fs::write(&file, bytes).unwrap();
    let errors = app.data_dir.path().join("errors.jsonl");
    let (code, stdout, stderr) = latchkey(
        &app,
        &[
            "import",
            "users",
            file.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        code, 1,
        "failed rows make a failing exit: {stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("13 rows")
            && stdout.contains("5 created, 1 skipped (login exists), 7 failed"),
        "{stdout}"
    );
    assert!(stderr.contains("7 rows were not imported"), "{stderr}");

    let failed: Vec<Value> = std::fs::read_to_string(&errors)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<i64> = failed.iter().map(|f| f["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [6, 7, 8, 10, 11, 12, 13], "{failed:?}");
    assert_eq!(failed[0]["errorSummary"], "Api validation failed: login");
    assert!(failed[0]["errorCauses"][0]
        .as_str()
        .unwrap()
        .contains("email address"));
    assert_eq!(failed[1]["errorSummary"], "Api validation failed: password");
    assert!(failed[2]["errorCauses"][0]
        .as_str()
        .unwrap()
        .contains("Nowhere"));
    assert!(failed[3]["errorSummary"]
        .as_str()
        .unwrap()
        .contains("LOCKED_OUT"));
    assert!(failed[4]["errorSummary"]
        .as_str()
        .unwrap()
        .contains("ARGON2ID"));
    assert!(failed[5]["errorSummary"].as_str().unwrap().contains("JSON"));
    assert!(failed[6]["errorSummary"].as_str().unwrap().contains("JSON"));

    // What the API serves.
    let hashed = user(&app, "hashed@example.com").await;
    assert_eq!(hashed["status"], "ACTIVE");
    assert_eq!(hashed["profile"]["costCenter"], "CC42");
    assert_eq!(hashed["credentials"]["provider"]["type"], "IMPORT");
    assert_eq!(user(&app, "plain@example.com").await["status"], "ACTIVE");
    assert_eq!(user(&app, "staged@example.com").await["status"], "STAGED");
    assert_eq!(
        user(&app, "suspended@example.com").await["status"],
        "SUSPENDED"
    );
    assert_eq!(
        user(&app, "provisioned@example.com").await["status"],
        "PROVISIONED"
    );
    for missing in ["not-an-email", "weak@example.com", "lost@example.com"] {
        let r = app.get(&format!("/api/v1/users/{missing}")).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{missing} was not imported"
        );
    }
    let members = app.get(&format!("/api/v1/groups/{eng_id}/users")).await;
    let mut logins: Vec<&str> = members
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["profile"]["login"].as_str().unwrap())
        .collect();
    logins.sort_unstable();
    assert_eq!(logins, ["hashed@example.com", "plain@example.com"]);

    // Imported and plain passwords sign in; the imported hash is then replaced.
    for login in ["hashed@example.com", "plain@example.com"] {
        let body = sign_in(&app, login, PASSWORD).await;
        assert_eq!(body["status"], "SUCCESS", "{login}: {body}");
        assert_eq!(
            sign_in(&app, login, "Wrong-pw-1").await["errorCode"],
            "E0000004"
        );
    }
    assert_eq!(
        user(&app, "hashed@example.com").await["credentials"]["provider"]["type"],
        "OKTA"
    );

    // The System Log has the import's events.
    let logs = app
        .get("/api/v1/logs?filter=eventType%20eq%20%22user.lifecycle.create%22&limit=100")
        .await;
    let created: Vec<&Value> = logs
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["target"][0]["alternateId"]
                .as_str()
                .is_some_and(|l| l.ends_with("@example.com"))
        })
        .collect();
    assert_eq!(created.len(), 5, "{}", logs.text);
    assert!(created
        .iter()
        .all(|e| e["actor"]["type"] == "SystemPrincipal"));

    // A second run creates nothing and skips what exists.
    let (code, stdout, _) = latchkey(&app, &["import", "users", file.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(
        stdout.contains("0 created, 6 skipped (login exists), 7 failed"),
        "{stdout}"
    );
}

#[tokio::test]
async fn csv_import_and_export_round_trip_to_another_org() {
    let app = spawn_app().await;
    let ops = app
        .post("/api/v1/groups", json!({"profile": {"name": "Ops"}}))
        .await;
    assert_eq!(ops.status, StatusCode::OK, "{}", ops.text);
    let hash = sha256_hash(PASSWORD);
    let csv = format!(
        "login,email,firstName,lastName,profile.costCenter,groups,password,\
         credentials.password.hash.algorithm,credentials.password.hash.value,\
         credentials.password.hash.salt,credentials.password.hash.saltOrder\n\
         ann@example.com,ann@example.com,Ann,Lee,CC01,Ops,{PASSWORD},,,,\n\
         bob@example.com,bob@example.com,Bob,\"Ray, Jr.\",CC02,,,SHA-256,{},{},PREFIX\n\
         \n\
         cy@example.com,cy@example.com,Cy,Orr,,,,,,,\n",
        hash["value"].as_str().unwrap(),
        hash["salt"].as_str().unwrap(),
    );
    let file = app.data_dir.path().join("users.csv");
    std::fs::write(&file, csv).unwrap();
    let (code, stdout, stderr) = latchkey(&app, &["import", "users", file.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("3 created, 0 skipped (login exists), 0 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("import: 3 rows"),
        "plain progress lines off a terminal: {stderr}"
    );
    let bob = user(&app, "bob@example.com").await;
    assert_eq!(bob["profile"]["lastName"], "Ray, Jr.");
    assert_eq!(bob["profile"]["costCenter"], "CC02");
    assert_eq!(user(&app, "cy@example.com").await["status"], "PROVISIONED");

    // Export with hashes, as JSON Lines and as CSV.
    let jsonl = app.data_dir.path().join("export.jsonl");
    let (code, _, stderr) = latchkey(
        &app,
        &[
            "export",
            "users",
            jsonl.to_str().unwrap(),
            "--with-password-hashes",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let exported: Vec<Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ann = exported
        .iter()
        .find(|r| r["profile"]["login"] == "ann@example.com")
        .unwrap();
    assert_eq!(ann["groups"], json!(["Ops"]));
    assert_eq!(
        ann["credentials"]["password"]["hash"]["algorithm"],
        "ARGON2ID"
    );
    let bob = exported
        .iter()
        .find(|r| r["profile"]["login"] == "bob@example.com")
        .unwrap();
    assert_eq!(
        bob["credentials"]["password"]["hash"]["algorithm"],
        "SHA-256"
    );
    assert_eq!(
        bob["credentials"]["password"]["hash"]["value"],
        hash["value"]
    );
    assert_eq!(exported.len(), 4, "the three and the super-admin");

    let (code, _, _) = latchkey(&app, &["export", "users", jsonl.to_str().unwrap()]).await;
    assert_eq!(code, 0);
    assert!(
        !std::fs::read_to_string(&jsonl)
            .unwrap()
            .contains("\"hash\""),
        "no hashes unless asked"
    );
    let csv_out = app.data_dir.path().join("export.csv");
    let (code, _, _) = latchkey(
        &app,
        &[
            "export",
            "users",
            csv_out.to_str().unwrap(),
            "--with-password-hashes",
        ],
    )
    .await;
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&csv_out).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("id,status,login,email,firstName,lastName,costCenter,"),
        "{header}"
    );
    assert!(text.contains("\"Ray, Jr.\""), "CSV quoting: {text}");

    // The CSV export imports into another org, where the passwords still work.
    let other = spawn_app().await;
    let r = other
        .post("/api/v1/groups", json!({"profile": {"name": "Ops"}}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (code, stdout, stderr) =
        latchkey(&other, &["import", "users", csv_out.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("3 created, 1 skipped"), "{stdout}");
    for login in ["ann@example.com", "bob@example.com"] {
        let body = sign_in(&other, login, PASSWORD).await;
        assert_eq!(
            body["status"], "SUCCESS",
            "{login} in the other org: {body}"
        );
    }
    let ann = user(&other, "ann@example.com").await;
    assert_eq!(ann["profile"]["costCenter"], "CC01");
    let groups = other
        .get(&format!(
            "/api/v1/users/{}/groups",
            ann["id"].as_str().unwrap()
        ))
        .await;
    let names: Vec<&str> = groups
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["profile"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Ops"), "{names:?}");
}

/// Imported profiles follow the schema of their type as the API's do: undeclared attributes
/// fail their row, and a unique property's repeated value is skipped without failing the
/// rows imported with it.
#[tokio::test]
async fn import_checks_profiles_against_the_schema() {
    let app = spawn_app().await;
    app.declare(
        "/api/v1/meta/schemas/user/default",
        json!({ "badge": { "title": "Badge", "type": "string", "unique": true } }),
    )
    .await;
    let with = |login: &str, key: &str, value: &str| {
        let mut p = person(login);
        p[key] = json!(value);
        json!({ "profile": p })
    };
    let file = app.data_dir.path().join("schema.jsonl");
    write_lines(
        &file,
        &[
            with("b1@example.com", "badge", "B-1"),
            with("b2@example.com", "badge", "b-1"),
            with("b3@example.com", "nickname_typo", "x"),
            with("b4@example.com", "badge", "B-4"),
        ],
    );
    let (_, stdout, stderr) = latchkey(&app, &["import", "users", file.to_str().unwrap()]).await;
    assert!(
        stdout.contains("4 rows")
            && stdout.contains("2 created, 1 skipped (login exists), 1 failed"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(
        app.get("/api/v1/users/b1@example.com").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/users/b4@example.com").await.status,
        StatusCode::OK
    );
    app.get("/api/v1/users/b2@example.com")
        .await
        .assert_error(404, "E0000007");
}
