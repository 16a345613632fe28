//! Search indexes on users' text profile attributes.
//!
//! Every custom property the user schemas declare as `string` (and as nothing else) gets an
//! index on its lower-cased value and the user id, so `search=profile.<name> eq "..."` reads
//! one index range in page order instead of every profile. The indexes follow the schemas:
//! [`reconcile`] runs when the server starts and after each change of a user schema on this
//! node, building the missing indexes and dropping those of properties that went away or
//! stopped being strings. PostgreSQL builds them without blocking writes; SQLite holds its
//! writer while it builds (a few seconds per million users). Other attributes are searched
//! by reading each profile, at a cost that grows with the number of users; so is a string
//! property some profile still holds as another type, kept from before it was declared.

use std::sync::{Arc, RwLock};

use crate::state::AppState;

/// The text attributes this node compiles searches with, and one reconciliation at a time.
#[derive(Default)]
pub struct SearchIndexes {
    text: RwLock<Arc<Vec<String>>>,
    running: tokio::sync::Mutex<()>,
}

impl SearchIndexes {
    /// The custom properties that hold one string wherever set (see `UserQuery`).
    pub fn text_attributes(&self) -> Vec<String> {
        self.text
            .read()
            .map(|t| t.as_ref().clone())
            .unwrap_or_default()
    }

    fn set(&self, names: Vec<String>) {
        if let Ok(mut text) = self.text.write() {
            *text = Arc::new(names);
        }
    }
}

/// Brings the indexes in line with the user schemas.
pub async fn reconcile(app: &AppState) -> anyhow::Result<()> {
    let _one = app.search.running.lock().await;
    let schemas = crate::api::schemas::user_schemas(app)
        .await
        .map_err(|e| anyhow::anyhow!("reading the user schemas: {e:?}"))?;
    let mut wanted = Vec::new();
    for name in model::schemas::text_names(schemas.values()) {
        // A value kept from before the declaration may be another type: such an attribute
        // is searched by reading the profiles, as undeclared ones are.
        if store::indexable_name(&name) && app.store.holds_only_text(&name).await? {
            wanted.push(name);
        }
    }
    app.search.set(wanted.clone());
    let built = app.store.profile_indexes().await?;
    for name in wanted.iter().filter(|n| !built.contains(n)) {
        let started = std::time::Instant::now();
        app.store.create_profile_index(name).await?;
        tracing::info!(
            attribute = %name,
            ms = started.elapsed().as_millis() as u64,
            "search index built"
        );
    }
    for name in built.iter().filter(|n| !wanted.contains(n)) {
        app.store.drop_profile_index(name).await?;
        tracing::info!(attribute = %name, "search index dropped");
    }
    Ok(())
}

/// Reconciles in the background (at start, and after a schema change).
pub fn spawn_reconcile(app: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(err) = reconcile(&app).await {
            tracing::warn!(error = %err, "search indexes");
        }
    })
}
