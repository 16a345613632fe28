//! The token endpoint's grants (oidc.md, "/token"): `authorization_code` (one use; a second
//! use revokes what the first issued), `refresh_token` (rotation with the app's leeway, reuse
//! of a rotated token revokes the grant), and `client_credentials` (a custom server's own
//! scopes). Every grant is checked against the app's grant types, the server's access
//! policy, and for a user their status and assignment to the app.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use store::{CodeRedemption, EventRecord, UserRecord};

use super::clients::Client;
use super::error::{OAuthError, OAuthResult};
use super::mint::{self, Issued, Subject};
use super::servers::{Lifetimes, Person, Server, OIDC_SCOPES};
use crate::events::{self, Actor};
use crate::state::AppState;

/// Whether the client's app allows `grant_type`.
fn require_grant(client: &Client, grant_type: &str) -> OAuthResult<()> {
    let grants = client.grant_types();
    if grants.iter().any(|g| g == grant_type) {
        return Ok(());
    }
    Err(OAuthError::unauthorized_client(format!(
        "The client is not authorized to use the provided grant type. Configured grant types: [{}].",
        grants.join(", ")
    )))
}

/// The space-separated scopes of a request, without repeats, in order.
pub fn split_scopes(scope: Option<&String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.map(String::as_str).unwrap_or_default().split(' ') {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// The client as an event actor.
pub fn client_actor(client: &Client) -> Actor {
    Actor {
        id: client.client_id.clone(),
        actor_type: "PublicClientApp",
        alternate_id: client.app.label.clone(),
        display_name: client.app.label.clone(),
    }
}

/// The prefix of a server's event types: `app.oauth2.as` for custom servers, `app.oauth2`
/// for the org server (system-log.md event types).
pub fn event_prefix(server: &Server) -> &'static str {
    if server.custom.is_some() {
        "app.oauth2.as"
    } else {
        "app.oauth2"
    }
}

/// The events of a token response: one per token kind issued.
pub fn token_events(
    server: &Server,
    client: &Client,
    user: Option<&UserRecord>,
    issued: &Issued,
    now: i64,
) -> Vec<EventRecord> {
    let prefix = event_prefix(server);
    let actor = user.map_or_else(|| client_actor(client), crate::sessions::user_actor);
    let mut targets = vec![events::app_target(&client.app)];
    if let Some(u) = user {
        targets.push(events::user_target(u));
    }
    let mut out = Vec::new();
    for (present, kind, display) in [
        (
            issued.access_token.is_some(),
            "access_token",
            "OAuth2 access token is granted",
        ),
        (
            issued.id_token.is_some(),
            "id_token",
            "OAuth2 id token is granted",
        ),
        (
            issued.refresh_token.is_some(),
            "refresh_token",
            "OAuth2 refresh token is granted",
        ),
    ] {
        if present {
            out.push(events::event(
                &format!("{prefix}.token.grant.{kind}"),
                display,
                &actor,
                targets.clone(),
                now,
            ));
        }
    }
    out
}

/// Whether `user` may receive tokens for `client` now: ACTIVE and assigned to its app.
pub async fn user_may_use(app: &AppState, client: &Client, user: &UserRecord) -> OAuthResult<bool> {
    if user.status != "ACTIVE" {
        return Ok(false);
    }
    Ok(app
        .store
        .app_user(&client.app.id, &user.id)
        .await?
        .is_some_and(|a| a.assigned()))
}

/// The token response body (oidc.md, "/token" response properties).
pub fn response_body(issued: &Issued, refresh_token: Option<&str>) -> Value {
    let mut body = Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("expires_in".into(), json!(issued.expires_in));
    if let Some(t) = &issued.access_token {
        body.insert("access_token".into(), json!(t));
    }
    body.insert("scope".into(), json!(issued.scope));
    if let Some(t) = issued.refresh_token.as_deref().or(refresh_token) {
        body.insert("refresh_token".into(), json!(t));
    }
    if let Some(t) = &issued.id_token {
        body.insert("id_token".into(), json!(t));
    }
    Value::Object(body)
}

/// The lifetimes the grant was given when its policy was evaluated (at `/authorize`, or the
/// first token): a policy change afterwards does not touch a grant under way (oidc.md).
fn stored_lifetimes(body: &Map<String, Value>) -> Option<Lifetimes> {
    let get = |f: &str| body.get(f).and_then(Value::as_i64);
    Some(Lifetimes {
        access_ms: get("access_ms")?,
        refresh_ms: get("refresh_ms")?,
        refresh_window_ms: get("refresh_window_ms")?,
    })
}

/// The ids of a user's groups (the built-in Everyone group among them), for rules' `people`.
pub async fn group_ids(app: &AppState, user: &UserRecord) -> OAuthResult<Vec<String>> {
    Ok(app
        .store
        .user_groups(&user.id)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect())
}

/// Keeps the grant's lifetimes in its tokens, for refreshes.
fn keep_lifetimes(issued: &mut Issued, lifetimes: Lifetimes) {
    for record in &mut issued.records {
        record
            .body
            .insert("access_ms".into(), json!(lifetimes.access_ms));
        record
            .body
            .insert("refresh_ms".into(), json!(lifetimes.refresh_ms));
        record.body.insert(
            "refresh_window_ms".into(),
            json!(lifetimes.refresh_window_ms),
        );
    }
}

fn invalid_code() -> OAuthError {
    OAuthError::invalid_grant("The authorization code is invalid or has expired.")
}

/// `grant_type=authorization_code`.
pub async fn authorization_code(
    app: &AppState,
    server: &Server,
    client: &Client,
    form: &HashMap<String, String>,
) -> OAuthResult<Value> {
    require_grant(client, "authorization_code")?;
    let code = form
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("The 'code' parameter is required."))?;
    let redirect_uri = form
        .get("redirect_uri")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("The 'redirect_uri' parameter is required."))?;
    let now = app.clock.now().millis();
    let record = match app
        .store
        .redeem_oauth_code(&crypto::tokens::sha256_hex(code), now)
        .await?
    {
        CodeRedemption::Redeemed(record) => record,
        CodeRedemption::Replayed(record) => {
            // A code used twice: what its first use issued is revoked (RFC 6749 4.1.2).
            let event = events::event(
                &format!("{}.token.revoke", event_prefix(server)),
                "OAuth2 tokens revoked: authorization code reused",
                &client_actor(client),
                vec![events::app_target(&client.app)],
                now,
            );
            app.store
                .revoke_oauth_grant(&record.grant_id, now, &event)
                .await?;
            return Err(invalid_code());
        }
        CodeRedemption::Missing => return Err(invalid_code()),
    };
    if record.client_id != client.client_id || record.server_id != server.key_id() {
        return Err(invalid_code());
    }
    let body = &record.body;
    if body.get("redirect_uri").and_then(Value::as_str) != Some(redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant(
            "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
        ));
    }
    let verifier = form.get("code_verifier").filter(|v| !v.is_empty());
    match (body.get("code_challenge").and_then(Value::as_str), verifier) {
        (Some(challenge), Some(verifier)) => {
            if verifier.len() < 43 || verifier.len() > 128 {
                return Err(OAuthError::invalid_request(
                    "PKCE code verifier must be at least 43 characters and at most 128 characters.",
                ));
            }
            if !crypto::tokens::constant_time_eq(
                crypto::jwt::pkce_s256(verifier).as_bytes(),
                challenge.as_bytes(),
            ) {
                return Err(OAuthError::invalid_grant("PKCE verification failed."));
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant("PKCE verification failed."));
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_request(
                "The code_verifier parameter is not allowed: the authorization request had no code_challenge.",
            ));
        }
        (None, None) => {}
    }
    let user = app
        .store
        .user_by_id(&record.user_id)
        .await?
        .ok_or_else(invalid_code)?;
    if !user_may_use(app, client, &user).await? {
        return Err(OAuthError::invalid_grant(
            "The user is not assigned to the client application or is not active.",
        ));
    }
    let scopes: Vec<String> = body
        .get("scopes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let lifetimes = grant_lifetimes(app, server, client, &user, &scopes, body).await?;
    let subject = Subject::from_body(user, body);
    let wants_refresh = refresh_allowed(client, &scopes);
    let issued = issue_for_user(
        app,
        server,
        client,
        &subject,
        &scopes,
        lifetimes,
        record.grant_id.clone(),
        body.get("nonce").and_then(Value::as_str).map(str::to_owned),
        wants_refresh,
    )
    .await?;
    store_issued(app, server, client, &subject.user, &issued, now).await?;
    Ok(response_body(&issued, None))
}

fn invalid_refresh() -> OAuthError {
    OAuthError::invalid_grant("The refresh token is invalid or expired.")
}

/// `grant_type=refresh_token`.
pub async fn refresh_token(
    app: &AppState,
    server: &Server,
    client: &Client,
    form: &HashMap<String, String>,
) -> OAuthResult<Value> {
    require_grant(client, "refresh_token")?;
    let presented = form
        .get("refresh_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("The 'refresh_token' parameter is required."))?;
    let now = app.clock.now().millis();
    let token = app
        .store
        .refresh_token_by_hash(&crypto::tokens::sha256_hex(presented))
        .await?
        .filter(|t| {
            t.kind == "refresh_token"
                && t.client_id == client.client_id
                && t.server_id == server.key_id()
        })
        .ok_or_else(invalid_refresh)?;
    if token.revoked_at.is_some() || token.expires_at <= now || token.idle_expires_at <= now {
        return Err(invalid_refresh());
    }
    let requested = split_scopes(form.get("scope"));
    let scopes = if requested.is_empty() {
        token.scopes.clone()
    } else {
        if let Some(extra) = requested.iter().find(|s| !token.scopes.contains(s)) {
            return Err(OAuthError::invalid_scope(format!(
                "The scope '{extra}' was not granted to the refresh token."
            )));
        }
        requested
    };
    let user_id = token.user_id.clone().ok_or_else(invalid_refresh)?;
    let user = app
        .store
        .user_by_id(&user_id)
        .await?
        .ok_or_else(invalid_refresh)?;
    if !user_may_use(app, client, &user).await? {
        return Err(invalid_refresh());
    }
    let lifetimes = grant_lifetimes(app, server, client, &user, &scopes, &token.body).await?;
    let (rotates, leeway_ms) = client.refresh_rotation();
    let window_end = (now + lifetimes.refresh_window_ms).min(token.expires_at);
    let used = app
        .store
        .use_refresh_token(&token.id, now, rotates, window_end)
        .await?
        .ok_or_else(invalid_refresh)?;
    if rotates && !used.first_rotation {
        let rotated_at = used.rotated_at.unwrap_or(now);
        if now > rotated_at + leeway_ms {
            // A rotated token used after its leeway: the grant is revoked (reuse detection).
            let event = events::event(
                &format!("{}.token.revoke", event_prefix(server)),
                "OAuth2 tokens revoked: refresh token reused",
                &crate::sessions::user_actor(&user),
                vec![events::app_target(&client.app), events::user_target(&user)],
                now,
            );
            app.store
                .revoke_oauth_grant(&token.grant_id, now, &event)
                .await?;
            return Err(invalid_refresh());
        }
    }
    let subject = Subject::from_body(user, &token.body);
    let mut issued = issue_for_user(
        app,
        server,
        client,
        &subject,
        &scopes,
        lifetimes,
        token.grant_id.clone(),
        None,
        rotates,
    )
    .await?;
    for record in &mut issued.records {
        if record.kind == "refresh_token" {
            // A successor keeps the grant's absolute lifetime.
            record.expires_at = token.expires_at;
            record.idle_expires_at = window_end;
            record.scopes = token.scopes.clone();
        }
    }
    store_issued(app, server, client, &subject.user, &issued, now).await?;
    Ok(response_body(
        &issued,
        (!rotates).then_some(presented.as_str()),
    ))
}

/// `grant_type=client_credentials`: a custom server's own scopes, no user.
pub async fn client_credentials(
    app: &AppState,
    server: &Server,
    client: &Client,
    form: &HashMap<String, String>,
) -> OAuthResult<Value> {
    require_grant(client, "client_credentials")?;
    if client.is_public() {
        return Err(OAuthError::invalid_client(
            "Public clients cannot use the client credentials grant.",
        ));
    }
    let mut scopes = split_scopes(form.get("scope"));
    if server.custom.is_none() {
        return org_client_credentials(app, server, client, scopes).await;
    }
    if scopes.is_empty() {
        scopes = server
            .scopes()
            .into_iter()
            .filter(|(name, _, default)| *default && !OIDC_SCOPES.contains(&name.as_str()))
            .map(|(name, ..)| name)
            .collect();
        if scopes.is_empty() {
            return Err(OAuthError::invalid_scope(
                "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
            ));
        }
    }
    if let Some(oidc) = scopes.iter().find(|s| OIDC_SCOPES.contains(&s.as_str())) {
        return Err(OAuthError::invalid_scope(format!(
            "The scope '{oidc}' is an OpenID Connect scope, which a client credentials grant cannot have."
        )));
    }
    if scopes.iter().any(|s| !server.knows_scope(s)) {
        return Err(OAuthError::invalid_scope(
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    let lifetimes = server.lifetimes(&client.client_id, "client_credentials", &scopes, None)?;
    client_token(app, server, client, scopes, lifetimes).await
}

/// `client_credentials` on the org server: the `okta.*` scopes granted to the app
/// (ApplicationGrants), for the management API.
async fn org_client_credentials(
    app: &AppState,
    server: &Server,
    client: &Client,
    scopes: Vec<String>,
) -> OAuthResult<Value> {
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope(
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        ));
    }
    let granted: Vec<String> = app
        .store
        .app_grants(&client.app.id)
        .await?
        .into_iter()
        .map(|g| g.scope_id)
        .collect();
    if let Some(missing) = scopes.iter().find(|s| !granted.contains(s)) {
        return Err(OAuthError::invalid_scope(format!(
            "The requested scope '{missing}' is not granted to the client."
        )));
    }
    let lifetimes = server.lifetimes(&client.client_id, "client_credentials", &scopes, None)?;
    client_token(app, server, client, scopes, lifetimes).await
}

/// `grant_type=password` (oidc.md, "/token"): the username and password go through the same
/// checks as the Authentication API's primary authentication (lockout, unknown-user cost,
/// events); a user whose sign-on rule denies access or asks for a factor gets no token (this
/// grant cannot carry a second factor), nor does one whose password has expired.
pub async fn password(
    app: &AppState,
    server: &Server,
    client: &Client,
    form: &HashMap<String, String>,
) -> OAuthResult<Value> {
    require_grant(client, "password")?;
    let username = form.get("username").filter(|u| !u.is_empty());
    let secret = form.get("password").filter(|p| !p.is_empty());
    let (Some(username), Some(secret)) = (username, secret) else {
        return Err(OAuthError::invalid_request(
            "The 'username' and 'password' parameters are required.",
        ));
    };
    let scopes = split_scopes(form.get("scope"));
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope(
            "The 'scope' parameter is required for the password grant.",
        ));
    }
    if scopes.iter().any(|s| !server.knows_scope(s)) {
        return Err(OAuthError::invalid_scope(
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    let now = app.clock.now().millis();
    let invalid = || OAuthError::invalid_grant("The credentials provided were invalid.");
    let password = crypto::SecretString::from(secret.clone());
    let user = match crate::api::authn::verify_password(app, username, &password, now).await {
        Ok(crate::api::authn::PasswordCheck::SignedIn(user)) => user,
        Ok(crate::api::authn::PasswordCheck::Locked { .. })
        | Err(crate::wire::ApiError::AuthenticationFailed) => return Err(invalid()),
        Err(other) => return Err(other.into()),
    };
    if user.status == "PASSWORD_EXPIRED" {
        return Err(OAuthError::invalid_grant(
            "The user's password has expired.",
        ));
    }
    if let Some((_, rule)) =
        crate::policies::policy_for(app, &user, model::policy::PolicyType::OktaSignOn, &[]).await?
    {
        if let Some(signon) = model::policy::sign_on::signon_of(&rule.actions) {
            if signon.access == "DENY" {
                return Err(invalid());
            }
            if signon.require_factor {
                return Err(OAuthError::invalid_grant(
                    "The sign-on policy requires a second factor, which the password grant cannot carry.",
                ));
            }
        }
    }
    if !user_may_use(app, client, &user).await? {
        return Err(OAuthError::invalid_grant(
            "User is not assigned to the client application.",
        ));
    }
    let groups = group_ids(app, &user).await?;
    let person = Person {
        user_id: &user.id,
        group_ids: &groups,
    };
    let lifetimes = server.lifetimes(&client.client_id, "password", &scopes, Some(person))?;
    let subject = Subject {
        auth_time: now / 1000,
        amr: vec!["pwd".into()],
        user,
    };
    let wants_refresh = refresh_allowed(client, &scopes);
    let grant_id = format!("oag{}", crypto::tokens::random_token(17));
    let issued = issue_for_user(
        app,
        server,
        client,
        &subject,
        &scopes,
        lifetimes,
        grant_id,
        None,
        wants_refresh,
    )
    .await?;
    store_issued(app, server, client, &subject.user, &issued, now).await?;
    Ok(response_body(&issued, None))
}

/// `grant_type=urn:ietf:params:oauth:grant-type:device_code`: the tokens of an approved
/// device authorization, once.
pub async fn device_code(
    app: &AppState,
    server: &Server,
    client: &Client,
    form: &HashMap<String, String>,
) -> OAuthResult<Value> {
    let (record, user) = super::device::poll(app, server, client, form).await?;
    if !user_may_use(app, client, &user).await? {
        return Err(OAuthError::invalid_grant(
            "The user is not assigned to the client application or is not active.",
        ));
    }
    let now = app.clock.now().millis();
    let lifetimes =
        grant_lifetimes(app, server, client, &user, &record.scopes, &record.body).await?;
    let subject = Subject::from_body(user, &record.body);
    let issued = issue_for_user(
        app,
        server,
        client,
        &subject,
        &record.scopes,
        lifetimes,
        format!("oag{}", crypto::tokens::random_token(17)),
        None,
        refresh_allowed(client, &record.scopes),
    )
    .await?;
    store_issued(app, server, client, &subject.user, &issued, now).await?;
    Ok(response_body(&issued, None))
}

/// Whether a grant with `scopes` gets a refresh token: `offline_access` asked and the app
/// allowed the refresh grant.
fn refresh_allowed(client: &Client, scopes: &[String]) -> bool {
    scopes.iter().any(|s| s == "offline_access")
        && client.grant_types().iter().any(|g| g == "refresh_token")
}

/// The lifetimes of a user grant: those it was given when its policy was evaluated, or the
/// policy's answer now for a grant that has none stored.
async fn grant_lifetimes(
    app: &AppState,
    server: &Server,
    client: &Client,
    user: &UserRecord,
    scopes: &[String],
    stored: &Map<String, Value>,
) -> OAuthResult<Lifetimes> {
    if let Some(lifetimes) = stored_lifetimes(stored) {
        return Ok(lifetimes);
    }
    let groups = group_ids(app, user).await?;
    let person = Person {
        user_id: &user.id,
        group_ids: &groups,
    };
    server.lifetimes(
        &client.client_id,
        "authorization_code",
        scopes,
        Some(person),
    )
}

/// Signs a user grant's tokens (access, ID with `openid`, refresh when asked), with the
/// grant's lifetimes kept in the stored ones.
#[allow(clippy::too_many_arguments)]
async fn issue_for_user(
    app: &AppState,
    server: &Server,
    client: &Client,
    subject: &Subject,
    scopes: &[String],
    lifetimes: Lifetimes,
    grant_id: String,
    nonce: Option<String>,
    refresh_token: bool,
) -> OAuthResult<Issued> {
    let mut issued = mint::issue(
        app,
        &mint::Request {
            server,
            client,
            subject: Some(subject),
            scopes: scopes.to_vec(),
            lifetimes,
            grant_id,
            nonce,
            access_token: true,
            id_token: scopes.iter().any(|s| s == "openid"),
            refresh_token,
            code: None,
        },
    )
    .await?;
    keep_lifetimes(&mut issued, lifetimes);
    Ok(issued)
}

/// Stores a user grant's tokens with their events, in one transaction.
async fn store_issued(
    app: &AppState,
    server: &Server,
    client: &Client,
    user: &UserRecord,
    issued: &Issued,
    now: i64,
) -> OAuthResult<()> {
    let events = token_events(server, client, Some(user), issued, now);
    app.store
        .insert_oauth_tokens(&issued.records, &events)
        .await?;
    Ok(())
}

/// The access token of a client acting for itself, with its events.
async fn client_token(
    app: &AppState,
    server: &Server,
    client: &Client,
    scopes: Vec<String>,
    lifetimes: Lifetimes,
) -> OAuthResult<Value> {
    let now = app.clock.now().millis();
    let issued = mint::issue(
        app,
        &mint::Request {
            server,
            client,
            subject: None,
            scopes,
            lifetimes,
            grant_id: String::new(),
            nonce: None,
            access_token: true,
            id_token: false,
            refresh_token: false,
            code: None,
        },
    )
    .await?;
    app.store
        .record_events(&token_events(server, client, None, &issued, now))
        .await?;
    Ok(response_body(&issued, None))
}
