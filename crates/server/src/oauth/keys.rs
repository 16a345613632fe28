//! The authorization servers' signing keys (authorization-servers.md, "Credentials"; oidc.md
//! "/keys"): RSA 2048, RS256, private keys sealed with the org key at rest.
//!
//! - A server gets its first keys (ACTIVE and NEXT, so clients see the next key before it
//!   signs) the first time it signs or publishes; generation is a prime search, done off the
//!   async runtime; nodes racing for them keep one pair (one ACTIVE key per server).
//! - Each node keeps the parsed keys of a server for `REFRESH` and reads them again after, or
//!   at once when a token names a key it does not hold, so a rotation on one node reaches
//!   the others within seconds. A rotation keeps the old key published, so tokens signed
//!   with it by a node that has not yet seen the rotation still verify.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crypto::jwt::{RsaVerifier, Signer};
use serde_json::{json, Value};
use store::AuthServerKeyRecord;

use super::error::{OAuthError, OAuthResult};
use crate::state::AppState;

/// How long a node trusts the keys it read.
const REFRESH: Duration = Duration::from_secs(30);
/// Okta's signing keys live for years; the certificate around the key is not published.
const KEY_VALIDITY_YEARS: u32 = 2;
/// `AUTO` rotation: a key signs for 90 days (authorization-servers.md, Credentials object).
pub const AUTO_ROTATION_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// One server's keys as a node holds them.
pub struct KeySet {
    read_at: Instant,
    /// The same moment on the server's clock (which tests move by hand).
    read_at_ms: i64,
    /// The ACTIVE key, parsed for signing.
    pub signer: Arc<Signer>,
    /// Every published key (ACTIVE, NEXT, EXPIRED), by kid.
    pub verifiers: HashMap<String, RsaVerifier>,
    /// The JWK set `/keys` publishes.
    pub jwks: Value,
}

/// Every server's keys this node has read.
#[derive(Default)]
pub struct KeyCache {
    sets: RwLock<HashMap<String, Arc<KeySet>>>,
}

impl KeyCache {
    fn fresh(&self, server_key: &str, now_ms: i64) -> Option<Arc<KeySet>> {
        let sets = self.sets.read().ok()?;
        let window = i64::try_from(REFRESH.as_millis()).unwrap_or(i64::MAX);
        sets.get(server_key)
            .filter(|set| {
                set.read_at.elapsed() < REFRESH
                    && (set.read_at_ms..set.read_at_ms.saturating_add(window)).contains(&now_ms)
            })
            .cloned()
    }

    fn forget(&self, server_key: &str) {
        if let Ok(mut sets) = self.sets.write() {
            sets.remove(server_key);
        }
    }

    /// Forgets every server's keys (a test org went back to its snapshot).
    pub fn clear(&self) {
        if let Ok(mut sets) = self.sets.write() {
            sets.clear();
        }
    }

    fn put(&self, server_key: &str, set: Arc<KeySet>) {
        if let Ok(mut sets) = self.sets.write() {
            sets.insert(server_key.to_owned(), set);
        }
    }
}

fn jwk(key: &AuthServerKeyRecord) -> Value {
    json!({ "kty": "RSA", "alg": "RS256", "kid": key.kid, "use": "sig", "e": key.e, "n": key.n })
}

/// The keys of the server stored under `server_key` ("org" or a custom id), read again when
/// stale or when `must_hold` names a key this node does not hold.
pub async fn keys(
    app: &AppState,
    server_key: &str,
    must_hold: Option<&str>,
) -> OAuthResult<Arc<KeySet>> {
    if let Some(set) = app.oauth_keys.fresh(server_key, app.clock.now().millis()) {
        if must_hold.is_none_or(|kid| set.verifiers.contains_key(kid)) {
            return Ok(set);
        }
    }
    let mut stored = app.store.auth_server_keys(server_key).await?;
    if !stored.iter().any(|k| k.status == "ACTIVE") {
        let active = generate(app, server_key).await?;
        let next = generate(app, server_key).await?;
        app.store.add_first_auth_server_keys(&active, &next).await?;
        stored = app.store.auth_server_keys(server_key).await?;
    } else if rotate_if_due(app, server_key, &stored).await? {
        stored = app.store.auth_server_keys(server_key).await?;
    }
    let active = stored
        .iter()
        .find(|k| k.status == "ACTIVE")
        .ok_or_else(OAuthError::server_error)?;
    let pem = app.sealer.open(&active.private_key_sealed).map_err(|e| {
        tracing::error!(error = %e, server = server_key, "a signing key cannot be opened");
        OAuthError::server_error()
    })?;
    let signer = Signer::from_pkcs8_pem(&active.kid, &pem).map_err(|e| {
        tracing::error!(error = %e, server = server_key, "a signing key cannot be read");
        OAuthError::server_error()
    })?;
    let mut verifiers = HashMap::new();
    for key in &stored {
        if let Ok(v) = RsaVerifier::new(&key.n, &key.e) {
            verifiers.insert(key.kid.clone(), v);
        }
    }
    let set = Arc::new(KeySet {
        read_at: Instant::now(),
        read_at_ms: app.clock.now().millis(),
        signer: Arc::new(signer),
        verifiers,
        jwks: json!({ "keys": stored.iter().map(jwk).collect::<Vec<_>>() }),
    });
    app.oauth_keys.put(server_key, Arc::clone(&set));
    Ok(set)
}

/// Rotates a server's keys (authorization-servers.md, "Rotate Authorization Server Keys"):
/// ACTIVE becomes EXPIRED and stays published, NEXT signs from now on, a new NEXT is made.
/// This node reads the keys again at once; others within `REFRESH`. When another node
/// rotated first, that rotation stands and this one is not repeated.
pub async fn rotate(
    app: &AppState,
    server_key: &str,
    event: &store::EventRecord,
) -> OAuthResult<Arc<KeySet>> {
    let current = keys(app, server_key, None).await?;
    let active_kid = current.signer.kid().to_owned();
    let next = generate(app, server_key).await?;
    app.store
        .rotate_auth_server_keys(server_key, &active_kid, &next, event)
        .await?;
    app.oauth_keys.forget(server_key);
    keys(app, server_key, None).await
}

/// Rotates a custom server's keys when `rotationMode` is `AUTO` and the ACTIVE key has signed
/// for `AUTO_ROTATION_MS` (Okta rotates every 90 days); checked when the keys are read again.
async fn rotate_if_due(
    app: &AppState,
    server_key: &str,
    stored: &[AuthServerKeyRecord],
) -> OAuthResult<bool> {
    if server_key == super::servers::ORG_KEY_ID {
        return Ok(false);
    }
    let now = app.clock.now().millis();
    let Some(active) = stored.iter().find(|k| k.status == "ACTIVE") else {
        return Ok(false);
    };
    if now < active.created + AUTO_ROTATION_MS {
        return Ok(false);
    }
    let Some(server) = app.store.auth_server(server_key).await? else {
        return Ok(false);
    };
    if server.body.get("rotationMode").and_then(Value::as_str) == Some("MANUAL") {
        return Ok(false);
    }
    let next = generate(app, server_key).await?;
    let event = crate::events::event(
        "oauth2.as.key.rollover",
        "Rotate authorization server keys automatically",
        &crate::events::Actor::system(),
        vec![json!({ "id": server.id, "type": "AuthorizationServer",
                     "alternateId": server.name, "displayName": server.name })],
        now,
    );
    Ok(app
        .store
        .rotate_auth_server_keys(server_key, &active.kid, &next, &event)
        .await?)
}

/// The stored keys of a server, newest first, made if it has none yet.
pub async fn stored(app: &AppState, server_key: &str) -> OAuthResult<Vec<AuthServerKeyRecord>> {
    keys(app, server_key, None).await?;
    Ok(app.store.auth_server_keys(server_key).await?)
}

async fn generate(app: &AppState, server_key: &str) -> OAuthResult<AuthServerKeyRecord> {
    let now = app.clock.now().millis();
    let org = app.org.name.clone();
    let generated = tokio::task::spawn_blocking(move || {
        crypto::signing_keys::generate(&org, &org, now, KEY_VALIDITY_YEARS)
    })
    .await
    .map_err(|_| OAuthError::server_error())?
    .map_err(|e| {
        tracing::error!(error = %e, "signing key generation failed");
        OAuthError::server_error()
    })?;
    Ok(AuthServerKeyRecord {
        server_id: server_key.to_owned(),
        kid: generated.kid,
        status: "ACTIVE".into(),
        created: generated.created,
        expires_at: generated.expires_at,
        e: generated.e,
        n: generated.n,
        private_key_sealed: app.sealer.seal(&generated.private_key_pem),
    })
}

/// The claims of a token this server signed, if its signature verifies with one of the
/// server's keys (claims unchecked).
pub async fn verify(
    app: &AppState,
    server_key: &str,
    token: &str,
) -> OAuthResult<Option<serde_json::Map<String, Value>>> {
    let Ok(header) = crypto::jwt::header(token) else {
        return Ok(None);
    };
    let Some(kid) = header.get("kid").and_then(Value::as_str) else {
        return Ok(None);
    };
    let set = keys(app, server_key, Some(kid)).await?;
    let Some(verifier) = set.verifiers.get(kid) else {
        return Ok(None);
    };
    Ok(crypto::jwt::verify_rs256(token, verifier).ok())
}
