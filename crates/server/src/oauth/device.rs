//! The device authorization grant (oidc.md, "/device/authorize"; RFC 8628): a device with no
//! browser asks `/device/authorize` for a device code and a user code; the user signs in on
//! another screen, opens `/activate` and approves the user code; the device polls `/token`
//! with `grant_type=urn:ietf:params:oauth:grant-type:device_code` until it gets its tokens.
//!
//! Invariants: the device code is kept only as SHA-256; an approval is redeemed by exactly one
//! poll; polling faster than `interval` gets `slow_down`; codes live 10 minutes.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use store::{DeviceCodeRecord, SessionRecord, UserRecord};

use super::clients::Client;
use super::error::{OAuthError, OAuthResult};
use super::grants::{self, split_scopes};
use super::mint::Subject;
use super::servers::{Person, Server};
use crate::events;
use crate::state::AppState;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Device and user codes live 600 seconds, as Okta's do.
const LIFETIME_MS: i64 = 600_000;
/// Seconds the device waits between polls.
pub const INTERVAL_S: i64 = 5;
/// User codes: eight letters without vowels (no words) or look-alikes.
const USER_CODE_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

fn new_user_code() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..8)
        .map(|_| {
            let i = rng.gen_range(0..USER_CODE_LETTERS.len());
            char::from(USER_CODE_LETTERS.get(i).copied().unwrap_or(b'B'))
        })
        .collect()
}

/// A user code as typed: upper case, without spaces or dashes.
pub fn normalize_user_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `POST /device/authorize` by an authenticated client.
pub async fn authorize(
    app: &AppState,
    server: &Server,
    client: &Client,
    form: &HashMap<String, String>,
) -> OAuthResult<Value> {
    if !client.grant_types().iter().any(|g| g == GRANT_TYPE) {
        return Err(OAuthError::unauthorized_client(
            "The client is not authorized to use the device authorization grant.",
        ));
    }
    let scopes = split_scopes(form.get("scope"));
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope(
            "The device authorization request must include the 'scope' parameter.",
        ));
    }
    if scopes.iter().any(|s| !server.knows_scope(s)) {
        return Err(OAuthError::invalid_scope(
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    let now = app.clock.now().millis();
    let device_code = crypto::tokens::random_token(43);
    let event = events::event(
        &format!("{}.authorize.device", grants::event_prefix(server)),
        "OAuth2 device authorization request",
        &grants::client_actor(client),
        vec![events::app_target(&client.app)],
        now,
    );
    // A clash of user codes (one in 20^8) is answered by a new one.
    let mut tries = 0;
    let user_code = loop {
        let user_code = new_user_code();
        let record = DeviceCodeRecord {
            device_hash: crypto::tokens::sha256_hex(&device_code),
            user_code: user_code.clone(),
            server_id: server.key_id().to_owned(),
            client_id: client.client_id.clone(),
            scopes: scopes.clone(),
            status: "PENDING".into(),
            user_id: None,
            body: Map::new(),
            created: now,
            expires_at: now + LIFETIME_MS,
            last_poll: 0,
        };
        match app.store.insert_device_code(&record, &event).await {
            Ok(()) => break user_code,
            Err(store::StoreError::Duplicate { .. }) if tries < 3 => tries += 1,
            Err(e) => return Err(e.into()),
        }
    };
    let verify = app.links.page("activate");
    Ok(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verify,
        "verification_uri_complete": format!("{verify}?user_code={user_code}"),
        "expires_in": LIFETIME_MS / 1000,
        "interval": INTERVAL_S,
    }))
}

/// What the activation page shows before the user decides.
pub struct Pending {
    pub record: DeviceCodeRecord,
    pub client: Client,
    pub server: Server,
}

/// The pending device authorization of `user_code`.
pub async fn pending(app: &AppState, user_code: &str) -> OAuthResult<Option<Pending>> {
    let now = app.clock.now().millis();
    let Some(record) = app
        .store
        .pending_device_code(&normalize_user_code(user_code), now)
        .await?
    else {
        return Ok(None);
    };
    let Some(client) = super::clients::find(app, &record.client_id).await? else {
        return Ok(None);
    };
    let server_id =
        (record.server_id != super::servers::ORG_KEY_ID).then_some(record.server_id.as_str());
    let server = super::servers::load(app, server_id).await?;
    Ok(Some(Pending {
        record,
        client,
        server,
    }))
}

/// The signed-in user approves (or denies) a pending device authorization. Approval needs the
/// user to be assigned to the app and a policy rule that allows the grant; its lifetimes are
/// fixed now.
pub async fn decide(
    app: &AppState,
    pending: &Pending,
    session: &SessionRecord,
    user: &UserRecord,
    approve: bool,
) -> OAuthResult<bool> {
    let now = app.clock.now().millis();
    let Pending {
        record,
        client,
        server,
    } = pending;
    let mut body = Map::new();
    if approve {
        if !grants::user_may_use(app, client, user).await? {
            return Err(OAuthError::access_denied(
                "User is not assigned to the client application.",
            ));
        }
        let groups = grants::group_ids(app, user).await?;
        let lifetimes = server.lifetimes(
            &client.client_id,
            GRANT_TYPE,
            &record.scopes,
            Some(Person {
                user_id: &user.id,
                group_ids: &groups,
            }),
        )?;
        let subject = Subject {
            auth_time: session
                .last_password_verification
                .unwrap_or(session.created)
                / 1000,
            amr: session.amr.clone(),
            user: user.clone(),
        };
        body = subject.body();
        body.insert("access_ms".into(), json!(lifetimes.access_ms));
        body.insert("refresh_ms".into(), json!(lifetimes.refresh_ms));
        body.insert(
            "refresh_window_ms".into(),
            json!(lifetimes.refresh_window_ms),
        );
    }
    let event = events::event(
        &format!(
            "{}.authorize.device.{}",
            grants::event_prefix(server),
            if approve { "approve" } else { "deny" }
        ),
        "OAuth2 device authorization decided",
        &crate::sessions::user_actor(user),
        vec![events::app_target(&client.app), events::user_target(user)],
        now,
    );
    Ok(app
        .store
        .decide_device_code(&record.user_code, approve, &user.id, &body, now, &event)
        .await?)
}

/// A device's poll of the token endpoint.
pub async fn poll(
    app: &AppState,
    server: &Server,
    client: &Client,
    form: &HashMap<String, String>,
) -> OAuthResult<(DeviceCodeRecord, UserRecord)> {
    if !client.grant_types().iter().any(|g| g == GRANT_TYPE) {
        return Err(OAuthError::unauthorized_client(
            "The client is not authorized to use the provided grant type.",
        ));
    }
    let code = form
        .get("device_code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("The 'device_code' parameter is required."))?;
    let now = app.clock.now().millis();
    let invalid = || OAuthError::invalid_grant("The device code is invalid or has expired.");
    let record = app
        .store
        .poll_device_code(&crypto::tokens::sha256_hex(code), now)
        .await?
        .filter(|r| r.client_id == client.client_id && r.server_id == server.key_id())
        .ok_or_else(invalid)?;
    if record.expires_at <= now {
        return Err(OAuthError::expired_token("The device code has expired."));
    }
    match record.status.as_str() {
        "PENDING" if now - record.last_poll < INTERVAL_S * 1000 => Err(OAuthError::slow_down(
            "The client is polling too quickly and should back off.",
        )),
        "PENDING" => Err(OAuthError::authorization_pending(
            "The device authorization is pending. Please try again later.",
        )),
        "DENIED" => Err(OAuthError::access_denied(
            "The resource owner denied the request.",
        )),
        "APPROVED" => {
            let user = app
                .store
                .user_by_id(record.user_id.as_deref().unwrap_or_default())
                .await?
                .ok_or_else(invalid)?;
            Ok((record, user))
        }
        _ => Err(invalid()),
    }
}
