//! The conformance suite on PostgreSQL: a fresh database per run on `LATCHKEY_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`), dropped afterwards.

// Test code: panicking on a broken expectation is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use latchkey_store as store;

use sqlx::Connection;

#[tokio::test]
async fn postgres_passes_the_conformance_suite() {
    let base = std::env::var("LATCHKEY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!(
        "latchkey_conf_{}",
        model::ids::random_base62(10).to_lowercase()
    );
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("PostgreSQL must be running for this suite");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let outcome = {
        let store = store::postgres::PgStore::connect(&url).await.unwrap();
        let run = tokio::spawn(async move {
            store::conformance::run_all(&store).await;
        });
        run.await
    };
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

/// Creating users never waits on the Everyone group's row: with that row locked by another
/// transaction, creations (with their Everyone membership) still commit at once.
#[tokio::test]
async fn creating_users_does_not_lock_the_everyone_row() {
    use store::{GroupStore, UserStore};
    let base = std::env::var("LATCHKEY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!(
        "latchkey_hot_{}",
        model::ids::random_base62(10).to_lowercase()
    );
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            let pg = store::postgres::PgStore::connect(&url).await.unwrap();
            let everyone = store::GroupRecord {
                id: model::ids::new_id(model::ids::Kind::Group),
                group_type: "BUILT_IN".into(),
                created: 1,
                last_updated: 1,
                last_membership_updated: 1,
                profile: serde_json::json!({ "name": "Everyone", "description": "All users" })
                    .as_object()
                    .unwrap()
                    .clone(),
                source_id: None,
            };
            pg.insert_group(&everyone, &event(1)).await.unwrap();
            // Another transaction holds Everyone's row as an update of it would (a membership's
            // foreign key needs only a key-share lock, which this does not block).
            let mut blocker = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut blocker).await.unwrap();
            sqlx::query("SELECT 1 FROM groups WHERE id = $1 FOR NO KEY UPDATE")
                .bind(&everyone.id)
                .execute(&mut blocker)
                .await
                .unwrap();
            for i in 0..5 {
                let user = user(&format!("hot{i}@example.com"), 100 + i);
                let created = tokio::time::timeout(
                    std::time::Duration::from_secs(3),
                    pg.insert_user(&user, std::slice::from_ref(&everyone.id), &event(100 + i)),
                )
                .await;
                assert!(
                    matches!(created, Ok(Ok(()))),
                    "a user creation waited on the Everyone row: {created:?}"
                );
            }
            sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
            let read = pg.everyone_group().await.unwrap().unwrap();
            assert_eq!(
                read.last_membership_updated, 104,
                "the newest join still shows"
            );
        }
    })
    .await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

fn event(now: i64) -> store::EventRecord {
    let id = model::ids::random_base62(22);
    store::EventRecord {
        id: id.clone(),
        published: now,
        event_type: "test.event".into(),
        body: serde_json::json!({ "uuid": id }),
    }
}

fn user(login: &str, created: i64) -> store::UserRecord {
    let mut profile = serde_json::Map::new();
    profile.insert("login".into(), serde_json::json!(login));
    profile.insert("email".into(), serde_json::json!(login));
    store::UserRecord {
        id: model::ids::new_id(model::ids::Kind::User),
        status: "ACTIVE".into(),
        transitioning_to_status: None,
        created,
        activated: Some(created),
        status_changed: None,
        last_login: None,
        last_updated: created,
        password_changed: None,
        type_id: "oty1".into(),
        profile,
        password_hash: None,
        recovery_question: None,
        recovery_answer_hash: None,
        provider_type: "OKTA".into(),
        provider_name: "OKTA".into(),
        secrets: store::UserSecrets::default(),
        version: 0,
    }
}
