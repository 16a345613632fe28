//! Hostile input through the real server: thousands of grammar-mutated `filter`, `search`
//! and `q` strings on every list that takes them, and hostile bodies (NUL, broken UTF-8,
//! deep nesting, huge values, random bytes) on every write. No answer may be a 5xx, every
//! refusal is Okta's error object, and the server log holds no panic.

use super::node::{scale, Backend, Node, Options};
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

const SEEDS: &[&str] = &[
    r#"status eq "ACTIVE""#,
    r#"profile.login sw "a" and (status eq "ACTIVE" or status eq "STAGED")"#,
    r#"lastUpdated gt "2015-11-11T00:00:00.000Z""#,
    r#"profile.department eq "Engineering" or profile.costCenter pr"#,
    r#"type eq "OKTA_GROUP" and profile.name sw "En""#,
    r#"eventType eq "user.session.start" and target.id eq "00u1""#,
    r#"name eq "bookmark" and status eq "ACTIVE""#,
    r#"id eq "00u1" or id eq "00u2" or id eq "00u3""#,
];

const LISTS: &[(&str, &str)] = &[
    ("/api/v1/users", "filter"),
    ("/api/v1/users", "search"),
    ("/api/v1/users", "q"),
    ("/api/v1/groups", "filter"),
    ("/api/v1/groups", "search"),
    ("/api/v1/groups", "q"),
    ("/api/v1/apps", "filter"),
    ("/api/v1/apps", "q"),
    ("/api/v1/logs", "filter"),
    ("/api/v1/logs", "q"),
    ("/api/v1/trustedOrigins", "filter"),
    ("/api/v1/groups/rules", "search"),
    ("/api/v1/users", "after"),
];

fn mutate(rng: &mut impl Rng, seed: &str) -> String {
    let odd = [
        '"', '\\', '(', ')', ' ', '\u{0}', '\u{ffff}', 'é', '%', '+', '&', '#', '\n',
    ];
    let mut chars: Vec<char> = seed.chars().collect();
    for _ in 0..rng.gen_range(1..5) {
        let at = rng.gen_range(0..=chars.len());
        match rng.gen_range(0..5) {
            0 if !chars.is_empty() => {
                chars.remove(at.min(chars.len() - 1));
            }
            1 => chars.insert(at, odd[rng.gen_range(0..odd.len())]),
            2 if !chars.is_empty() => {
                let c = chars[at.min(chars.len() - 1)];
                for _ in 0..rng.gen_range(1..300) {
                    chars.insert(at, c);
                }
            }
            3 => {
                let extra = SEEDS[rng.gen_range(0..SEEDS.len())];
                for (i, c) in extra.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
            _ => chars.insert(at, char::from(rng.gen_range(0x20u8..0x7f))),
        }
    }
    chars.into_iter().collect()
}

fn assert_okta_answer(path: &str, status: reqwest::StatusCode, body: &Value, text: &str) {
    assert!(!status.is_server_error(), "{path}: {status} {text}");
    if status.is_client_error() {
        assert!(
            body["errorCode"]
                .as_str()
                .is_some_and(|c| c.starts_with('E')),
            "{path}: {status} without Okta's error object: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_filters_and_hostile_bodies_get_no_5xx() {
    let backend = Backend::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(
        &dir.path().join("node"),
        Options {
            database_url: backend.url.clone(),
            ..Options::default()
        },
    )
    .await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x1a7c4e);
    let cases = scale(2_000, 30_000);
    let mut refused = 0;
    for i in 0..cases {
        let (path, param) = LISTS[i % LISTS.len()];
        let seed = SEEDS[rng.gen_range(0..SEEDS.len())];
        let value = mutate(&mut rng, seed);
        let url = format!("{path}?{param}={}", urlencoding::encode(&value));
        let r = node.call(Method::GET, &url, None).await.unwrap();
        assert_okta_answer(&url, r.status, &r.body, &r.text);
        refused += usize::from(r.status.is_client_error());
    }
    // Hostile bodies on every write, public ones too.
    let writes = [
        ("/api/v1/users", true),
        ("/api/v1/groups", true),
        ("/api/v1/apps", true),
        ("/api/v1/groups/rules", true),
        ("/api/v1/policies", true),
        ("/api/v1/zones", true),
        ("/api/v1/trustedOrigins", true),
        ("/api/v1/eventHooks", true),
        ("/api/v1/inlineHooks", true),
        ("/api/v1/authn", false),
        ("/api/v1/authn/recovery/password", false),
        ("/api/v1/sessions", true),
    ];
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes();
    let mut bodies: Vec<Vec<u8>> = vec![
        br#"{"profile":{"name":"a\u0000b","login":"x\u0000@example.com"}}"#.to_vec(),
        b"{\"username\":\"a\xff\xfe\",\"password\":\"x\"}".to_vec(),
        deep,
        json!({ "name": "x".repeat(900_000), "label": "y".repeat(900_000),
                "profile": { "name": "z".repeat(900_000) } })
        .to_string()
        .into_bytes(),
        b"\x00\x01\x02garbage".to_vec(),
        br#"{"profile": [1, 2, {"a": null}], "credentials": "x", "type": 7}"#.to_vec(),
    ];
    for _ in 0..scale(20, 300) {
        let n = rng.gen_range(0..512);
        bodies.push((0..n).map(|_| rng.gen::<u8>()).collect());
    }
    for (path, auth) in writes {
        for body in &bodies {
            let mut req = node
                .client
                .post(node.url(path))
                .header("Content-Type", "application/json")
                .body(body.clone());
            if auth {
                req = req.header("Authorization", format!("SSWS {}", node.token));
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            assert_okta_answer(path, status, &body, &text);
        }
    }
    let log = node.log();
    assert!(!log.contains("panicked"), "the server panicked");
    assert!(
        !log.contains("storage failure"),
        "a store error reached a client:\n{log}"
    );
    println!(
        "hostile: {cases} mutated queries ({refused} refused with Okta's 4xx), {} hostile bodies on {} writes, 0 × 5xx",
        bodies.len(),
        writes.len()
    );
}
