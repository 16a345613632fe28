//! The conformance suite on SQLite (a temp-file database in WAL mode).

// Test code: panicking on a broken expectation is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use latchkey_store as store;

#[tokio::test]
async fn sqlite_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("conformance.db").display());
    let store = store::sqlite::SqliteStore::connect(&url).await.unwrap();
    store::conformance::run_all(&store).await;
}

#[tokio::test]
async fn migrations_match_between_backends() {
    let dir = |d: &str| {
        let mut names: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{d}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
        names.sort();
        names
    };
    assert_eq!(
        dir("sqlite"),
        dir("postgres"),
        "SQLite and PostgreSQL migrations carry the same numbers and names"
    );
}
