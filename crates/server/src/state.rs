//! What every handler can reach: the store, the password hasher, the clock, the link builder.

use std::sync::Arc;

use crypto::password::PasswordHasher;
use model::time::Clock;
use store::Store;

use crate::config::Config;
use crate::rate_limit::RateLimiter;
use crate::wire::links::Links;

/// Shared application state: one allocation shared by every request, so a clone (axum makes
/// several per request) is a reference count.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    pub fn new(parts: AppParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// What every handler can reach.
pub struct AppParts {
    pub store: Arc<dyn Store>,
    pub hasher: PasswordHasher,
    pub clock: Clock,
    pub links: Links,
    pub rate: Arc<RateLimiter>,
    pub config: Arc<Config>,
    pub org: Arc<store::OrgRecord>,
    /// Seals secrets that must be recovered (hook auth values, ...).
    pub sealer: crypto::sealed::Sealer,
    /// The client for outbound calls to hooks: short timeouts, no redirects.
    pub outbound: reqwest::Client,
    /// Sends email factor codes; `None` when no SMTP server is configured.
    pub mailer: Option<crate::delivery::Mailer>,
    /// API tokens this node read in the last seconds.
    pub tokens: crate::auth::ssws::TokenCache,
    /// Wakes this node's outbox worker when a request wrote a message.
    pub outbox: crate::outbox::Wakeup,
    /// The authorization servers' signing keys this node has read.
    pub oauth_keys: crate::oauth::keys::KeyCache,
    /// The hosted pages' and emails' templates.
    pub templates: Arc<crate::templates::Templates>,
    /// The text profile attributes searches compile with (see `search_index`).
    pub search: crate::search_index::SearchIndexes,
    /// The Everyone group's id, once read (see [`AppParts::everyone_id`]).
    pub everyone: tokio::sync::OnceCell<Option<String>>,
}

impl AppParts {
    /// The id of the org's default user type (`oty` + the org id's random part).
    pub fn default_user_type_id(&self) -> String {
        default_user_type_id(&self.org.id)
    }

    /// The Everyone group's id, read once: the group exists from the org's bootstrap and can
    /// be neither deleted nor replaced, so every user creation need not read it again.
    pub async fn everyone_id(&self) -> store::StoreResult<Option<String>> {
        self.everyone
            .get_or_try_init(|| async { Ok(self.store.everyone_group().await?.map(|g| g.id)) })
            .await
            .cloned()
    }

    /// The id of the org's default user schema.
    pub fn default_user_schema_id(&self) -> String {
        format!("osc{}", self.org.id.get(3..).unwrap_or_default())
    }
}

/// The id of an org's default user type: `oty` and the org id's random part.
pub fn default_user_type_id(org_id: &str) -> String {
    format!("oty{}", org_id.get(3..).unwrap_or_default())
}
