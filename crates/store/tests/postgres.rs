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
