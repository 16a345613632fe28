//! `kill -9` under concurrent writes. Writers create users (some in the rule's department),
//! change departments and add users to a group, and remember what the server acknowledged
//! and what was in flight when it died. After each restart:
//! - every acknowledged user exists, whole, with the acknowledged department (or the one that
//!   was in flight);
//! - every acknowledged membership exists;
//! - every user is in Everyone, and Everyone holds nobody else;
//! - each user is in the rule's group exactly when its department matches (once the
//!   evaluation the crash interrupted has run).

use super::node::{scale, Backend, Node, Options};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DEPARTMENTS: [&str; 3] = ["Engineering", "Sales", "Support"];

#[derive(Debug, Clone, Default)]
struct UserLedger {
    /// The department the server last acknowledged.
    department: String,
    /// A department sent when the server died (it may or may not have landed).
    in_flight: Option<String>,
    /// Group memberships acknowledged.
    groups: HashSet<String>,
}

#[derive(Default)]
struct Ledger {
    users: HashMap<String, UserLedger>,
}

async fn setup(node: &Node) -> (String, String) {
    let create = |name: &str| json!({ "profile": { "name": name } });
    let engineers = node.post("/api/v1/groups", &create("Engineers")).await;
    assert_eq!(engineers.status, StatusCode::OK, "{}", engineers.text);
    let plain = node.post("/api/v1/groups", &create("Plain")).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
    let engineers = engineers.body["id"].as_str().unwrap().to_owned();
    let rule = node
        .post(
            "/api/v1/groups/rules",
            &json!({
                "type": "group_rule",
                "name": "Engineers",
                "conditions": { "expression": {
                    "value": "user.department==\"Engineering\"",
                    "type": "urn:okta:expression:1.0" } },
                "actions": { "assignUserToGroups": { "groupIds": [engineers] } },
            }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
    let id = rule.body["id"].as_str().unwrap();
    let r = node
        .call(
            Method::POST,
            &format!("/api/v1/groups/rules/{id}/lifecycle/activate"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    (engineers, plain.body["id"].as_str().unwrap().to_owned())
}

/// One writer until `stop`: its own users, one request at a time.
async fn writer(
    node: Arc<Node>,
    w: usize,
    round: usize,
    plain: String,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<AtomicUsize>,
) {
    let mut ids: Vec<String> = Vec::new();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let department = DEPARTMENTS[(n + w) % 3];
        let op = n % 3;
        if op == 0 || ids.is_empty() {
            let login = format!("crash-{round}-{w}-{n}@example.com");
            let mut profile = json!({ "firstName": "Crash", "lastName": "Test",
                                      "email": login, "login": login });
            profile["department"] = json!(department);
            // ACTIVE (rules leave STAGED and PROVISIONED users alone).
            let body = json!({ "profile": profile,
                               "credentials": { "password": { "value": "Kp9-wqz-Mv2x" } } });
            match node
                .call(Method::POST, "/api/v1/users?activate=true", Some(&body))
                .await
            {
                Ok(r) if r.status == StatusCode::OK => {
                    let id = r.body["id"].as_str().unwrap().to_owned();
                    ledger.lock().unwrap().users.insert(
                        id.clone(),
                        UserLedger {
                            department: department.to_owned(),
                            ..UserLedger::default()
                        },
                    );
                    ids.push(id);
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
                Ok(r) => panic!("create answered {}: {}", r.status, r.text),
                Err(_) => return,
            }
        } else if op == 1 {
            let id = ids[n % ids.len()].clone();
            ledger.lock().unwrap().users.get_mut(&id).unwrap().in_flight =
                Some(department.to_owned());
            let body = json!({ "profile": { "department": department } });
            match node
                .call(Method::POST, &format!("/api/v1/users/{id}"), Some(&body))
                .await
            {
                Ok(r) if r.status == StatusCode::OK => {
                    let mut l = ledger.lock().unwrap();
                    let entry = l.users.get_mut(&id).unwrap();
                    entry.department = department.to_owned();
                    entry.in_flight = None;
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
                Ok(r) => panic!("update answered {}: {}", r.status, r.text),
                Err(_) => return,
            }
        } else {
            let id = ids[n % ids.len()].clone();
            match node
                .call(
                    Method::PUT,
                    &format!("/api/v1/groups/{plain}/users/{id}"),
                    None,
                )
                .await
            {
                Ok(r) if r.status == StatusCode::NO_CONTENT => {
                    ledger
                        .lock()
                        .unwrap()
                        .users
                        .get_mut(&id)
                        .unwrap()
                        .groups
                        .insert(plain.clone());
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
                Ok(r) => panic!("add member answered {}: {}", r.status, r.text),
                Err(_) => return,
            }
        }
    }
}

/// Members of a group, as a set of user ids.
async fn members(node: &Node, group: &str) -> HashSet<String> {
    node.all(&format!("/api/v1/groups/{group}/users?limit=200"))
        .await
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn verify(node: &Node, ledger: &Mutex<Ledger>, engineers: &str, plain: &str) {
    let users = node.all("/api/v1/users?limit=200").await;
    let mut departments: HashMap<String, String> = HashMap::new();
    for u in &users {
        let id = u["id"].as_str().expect("a whole user: id");
        assert!(u["status"].is_string(), "a whole user: status {u}");
        assert!(u["profile"]["login"].is_string(), "a whole user: login {u}");
        departments.insert(
            id.to_owned(),
            u["profile"]["department"].as_str().unwrap_or("").to_owned(),
        );
    }
    let plain_members = members(node, plain).await;
    {
        let mut l = ledger.lock().unwrap();
        for (id, entry) in l.users.iter_mut() {
            let stored = departments
                .get(id)
                .unwrap_or_else(|| panic!("acknowledged user {id} is gone"));
            let allowed = stored == &entry.department || entry.in_flight.as_deref() == Some(stored);
            assert!(
                allowed,
                "user {id}: department {stored}, acknowledged {}, in flight {:?}",
                entry.department, entry.in_flight
            );
            entry.department = stored.clone();
            entry.in_flight = None;
            for g in &entry.groups {
                assert_eq!(g, plain);
                assert!(
                    plain_members.contains(id),
                    "acknowledged membership of {id} is gone"
                );
            }
        }
    }
    // Everyone holds every user, and nobody else.
    let everyone = node.get("/api/v1/groups?q=Everyone").await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let all_ids: HashSet<String> = departments.keys().cloned().collect();
    assert_eq!(members(node, &everyone).await, all_ids, "Everyone");
    // Rule memberships: evaluated, at the latest by the queue after the restart.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let in_group = members(node, engineers).await;
        let wrong: Vec<&String> = departments
            .iter()
            .filter(|(id, d)| (d.as_str() == "Engineering") != in_group.contains(*id))
            .map(|(id, _)| id)
            .collect();
        if wrong.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} users' rule memberships disagree with their department",
            wrong.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_concurrent_writes_loses_nothing_acknowledged() {
    let backend = Backend::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let mut node = Node::start(
        &dir.path().join("node"),
        Options {
            database_url: backend.url.clone(),
            ..Options::default()
        },
    )
    .await;
    let (engineers, plain) = setup(&node).await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let rounds = scale(3, 12);
    let mut total_acknowledged = 0;
    for round in 0..rounds {
        let shared = Arc::new(node);
        let stop = Arc::new(AtomicBool::new(false));
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let writers: Vec<_> = (0..8)
            .map(|w| {
                tokio::spawn(writer(
                    Arc::clone(&shared),
                    w,
                    round,
                    plain.clone(),
                    Arc::clone(&ledger),
                    Arc::clone(&stop),
                    Arc::clone(&acknowledged),
                ))
            })
            .collect();
        // Let the writers get going, then kill at an arbitrary moment.
        let start = std::time::Instant::now();
        while acknowledged.load(Ordering::Relaxed) < 40 && start.elapsed() < Duration::from_secs(20)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50 + (round as u64 * 137) % 400)).await;
        shared.kill_now();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.unwrap();
        }
        total_acknowledged += acknowledged.load(Ordering::Relaxed);
        let mut back = Arc::try_unwrap(shared).ok().expect("writers are done");
        back.restart().await;
        verify(&back, &ledger, &engineers, &plain).await;
        node = back;
    }
    assert!(total_acknowledged > 0);
    assert!(
        !node.log().contains("panicked"),
        "the server panicked:\n{}",
        node.log()
    );
    println!(
        "crash: {rounds} kill -9 rounds, {total_acknowledged} acknowledged writes, {} users, nothing lost",
        ledger.lock().unwrap().users.len()
    );
}
