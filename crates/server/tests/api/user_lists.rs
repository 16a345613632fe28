//! Listing users: pagination, q, filter, search, sort, and their errors.

use crate::harness::{spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

fn enc(s: &str) -> String {
    urlencoding_lite(s)
}

fn urlencoding_lite(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn seed(app: &TestApp, n: usize, prefix: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let futs = chunk.iter().map(|i| {
            let login = format!("{prefix}{i:04}@example.com");
            app.post(
                "/api/v1/users?activate=false",
                json!({"profile": TestApp::profile(&login)}),
            )
        });
        for r in futures::future::join_all(futs).await {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            ids.push(r.body["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

async fn collect_all(app: &TestApp, first: &str) -> (Vec<String>, usize) {
    let mut url = first.to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        pages += 1;
        let links = r.header_all("link");
        assert!(
            links.first().unwrap().ends_with("rel=\"self\""),
            "{links:?}"
        );
        for u in r.body.as_array().unwrap() {
            seen.push(u["id"].as_str().unwrap().to_owned());
            assert_eq!(
                u["_links"].as_object().unwrap().len(),
                1,
                "collections carry only self"
            );
        }
        match r.next_link() {
            Some(next) => {
                assert!(links.last().unwrap().ends_with("rel=\"next\""));
                assert!(next.starts_with(&app.base));
                url = next;
            }
            None => break,
        }
    }
    (seen, pages)
}

#[tokio::test]
async fn pagination_visits_each_of_450_users_once() {
    let app = spawn_app().await;
    let mut ids = seed(&app, 460, "page").await;
    let (seen, pages) = collect_all(&app, "/api/v1/users?limit=200").await;
    assert_eq!(pages, 3);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no user twice");
    ids.push(
        app.get("/api/v1/users/me").await.body["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let expected: HashSet<_> = ids.iter().collect();
    assert_eq!(unique, expected);
    // Default limit is 200.
    let r = app.get("/api/v1/users").await;
    assert_eq!(r.body.as_array().unwrap().len(), 200);
    assert!(r.next_link().is_some());
}

#[tokio::test]
async fn pagination_under_concurrent_inserts_and_deletes_sees_survivors_once() {
    let app = spawn_app().await;
    let ids = seed(&app, 120, "conc").await;
    let (doomed, survivors) = ids.split_at(20);
    let mut url = "/api/v1/users?limit=15".to_owned();
    let mut seen = Vec::new();
    let mut step = 0;
    loop {
        let r = app.get(&url).await;
        for u in r.body.as_array().unwrap() {
            seen.push(u["id"].as_str().unwrap().to_owned());
        }
        // Between pages: create new users and delete some not yet seen.
        let login = format!("late{step}@example.com");
        app.post(
            "/api/v1/users?activate=false",
            json!({"profile": TestApp::profile(&login)}),
        )
        .await;
        if let Some(d) = doomed.get(step) {
            app.delete(&format!("/api/v1/users/{d}")).await;
            app.delete(&format!("/api/v1/users/{d}")).await;
        }
        step += 1;
        match r.next_link() {
            Some(n) => url = n,
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "nobody twice");
    for s in survivors {
        assert!(unique.contains(s), "survivor {s} missed");
    }
}

#[tokio::test]
async fn paging_errors() {
    let app = spawn_app().await;
    app.get("/api/v1/users?limit=0")
        .await
        .assert_error(400, "E0000029");
    app.get("/api/v1/users?limit=abc")
        .await
        .assert_error(400, "E0000029");
    app.get("/api/v1/users?after=garbage!!")
        .await
        .assert_error(400, "E0000029");
    // Unknown query parameters are ignored.
    assert_eq!(
        app.get("/api/v1/users?foo=bar").await.status,
        StatusCode::OK
    );
}

async fn seed_people(app: &TestApp) {
    let people = [
        (
            "ann.lee@example.com",
            "Ann",
            "Lee",
            "Engineering",
            3,
            json!(["red", "blue"]),
        ),
        (
            "bob.stone@example.com",
            "Bob",
            "Stone",
            "Sales",
            7,
            json!(["green"]),
        ),
        (
            "annie.oak@example.com",
            "Annie",
            "Oakley",
            "engineering",
            12,
            json!([]),
        ),
        (
            "carl.lee@example.com",
            "Carl",
            "Leeward",
            "Support",
            1,
            json!(["Blue"]),
        ),
    ];
    app.declare(
        "/api/v1/meta/schemas/user/default",
        json!({
            "level": { "title": "Level", "type": "integer" },
            "colours": { "title": "Colours", "type": "array", "items": { "type": "string" } },
        }),
    )
    .await;
    for (login, first, last, dept, level, colours) in people {
        let body = json!({"profile": {"login": login, "email": login, "firstName": first, "lastName": last,
            "department": dept, "level": level, "colours": colours}});
        let r = app.post("/api/v1/users?activate=false", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let bob = app.get("/api/v1/users/bob.stone@example.com").await.body;
    app.post_empty(&format!(
        "/api/v1/users/{}/lifecycle/activate?sendEmail=false",
        bob["id"].as_str().unwrap()
    ))
    .await;
}

fn logins(body: &Value) -> Vec<String> {
    let mut v: Vec<String> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["profile"]["login"].as_str().unwrap().to_owned())
        .filter(|l| l != "admin@latchkey.local")
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn q_is_a_prefix_on_names_and_email() {
    let app = spawn_app().await;
    seed_people(&app).await;
    let r = app.get("/api/v1/users?q=ann").await;
    assert_eq!(
        logins(&r.body),
        vec!["ann.lee@example.com", "annie.oak@example.com"]
    );
    let r = app.get("/api/v1/users?q=lee").await;
    assert_eq!(
        logins(&r.body),
        vec!["ann.lee@example.com", "carl.lee@example.com"]
    );
    let r = app.get("/api/v1/users?q=bob.st").await;
    assert_eq!(logins(&r.body), vec!["bob.stone@example.com"]);
    // q honours limit but does not paginate (users.md, Find Users).
    let many = app.get("/api/v1/users?q=a&limit=1").await;
    assert_eq!(many.body.as_array().unwrap().len(), 1);
    assert!(many.next_link().is_none());
    assert_eq!(many.header_all("link").len(), 1);
}

#[tokio::test]
async fn filter_expressions() {
    let app = spawn_app().await;
    seed_people(&app).await;
    let r = app
        .get(&format!(
            "/api/v1/users?filter={}",
            enc("status eq \"PROVISIONED\"")
        ))
        .await;
    assert_eq!(logins(&r.body), vec!["bob.stone@example.com"]);
    let r = app
        .get(&format!(
            "/api/v1/users?filter={}",
            enc("profile.lastName eq \"Lee\" or profile.firstName eq \"Bob\"")
        ))
        .await;
    assert_eq!(
        logins(&r.body),
        vec!["ann.lee@example.com", "bob.stone@example.com"]
    );
    let r = app
        .get(&format!(
            "/api/v1/users?filter={}",
            enc("lastUpdated gt \"2000-01-01T00:00:00.000Z\" and status eq \"STAGED\"")
        ))
        .await;
    assert_eq!(logins(&r.body).len(), 3);
    for bad in [
        "status eq",
        "status eq \"ACTIVE\" and",
        "(status eq \"ACTIVE\"",
        "profile.department eq \"Sales\"",
        "status gt \"A\"",
        "not status eq \"ACTIVE\"",
    ] {
        let r = app.get(&format!("/api/v1/users?filter={}", enc(bad))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
        assert!(
            ["E0000031", "E0000001"].contains(&r.body["errorCode"].as_str().unwrap()),
            "{bad}: {}",
            r.text
        );
    }
    let r = app
        .get(&format!(
            "/api/v1/users?filter={}",
            enc("lastUpdated gt \"yesterday\"")
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_expressions_and_sort() {
    let app = spawn_app().await;
    seed_people(&app).await;
    let s = |e: &str| format!("/api/v1/users?search={}", enc(e));
    assert_eq!(
        logins(
            &app.get(&s("profile.department eq \"engineering\""))
                .await
                .body
        ),
        vec!["ann.lee@example.com", "annie.oak@example.com"]
    );
    assert_eq!(
        logins(&app.get(&s("profile.lastName sw \"lee\"")).await.body),
        vec!["ann.lee@example.com", "carl.lee@example.com"]
    );
    assert_eq!(
        logins(&app.get(&s("profile.level gt 5")).await.body),
        vec!["annie.oak@example.com", "bob.stone@example.com"]
    );
    assert_eq!(
        logins(&app.get(&s("profile.colours eq \"blue\"")).await.body),
        vec!["ann.lee@example.com", "carl.lee@example.com"]
    );
    assert_eq!(
        logins(
            &app.get(&s(
                "profile.department eq \"Sales\" and status eq \"PROVISIONED\""
            ))
            .await
            .body
        ),
        vec!["bob.stone@example.com"]
    );
    assert_eq!(
        logins(
            &app.get(&s(
                "not (profile.department eq \"engineering\") and profile.level pr"
            ))
            .await
            .body
        ),
        vec!["bob.stone@example.com", "carl.lee@example.com"]
    );
    // Sorting is by ASCII value ignoring case (users.md, sortOrder), ties by id.
    let names = |r: &crate::harness::Reply| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["profile"]["lastName"].as_str().unwrap().to_owned())
            .collect()
    };
    let sorted = app
        .get(&format!(
            "{}&sortBy=profile.lastName&sortOrder=desc&limit=2",
            s("profile.level ge 1")
        ))
        .await;
    assert_eq!(names(&sorted), vec!["Stone", "Oakley"]);
    let next = app.get(&sorted.next_link().expect("more pages")).await;
    assert_eq!(names(&next), vec!["Leeward", "Lee"]);
    assert!(next.next_link().is_none());
    let asc = app
        .get(&format!(
            "{}&sortBy=profile.lastName",
            s("profile.level ge 1")
        ))
        .await;
    assert_eq!(names(&asc), vec!["Lee", "Leeward", "Oakley", "Stone"]);
    for bad in [
        "profile.department ne \"Sales\"",
        "profile.department eq",
        "status eq \"ACTIVE\" )",
        "profile.x zz \"a\"",
    ] {
        let r = app.get(&s(bad)).await;
        r.assert_error(400, "E0000031");
    }
}
