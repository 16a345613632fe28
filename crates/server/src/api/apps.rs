//! Applications (`/api/v1/apps`, the Application tag; apps.md "Application operations",
//! "Application lifecycle operations", "Update application policy"): create (with
//! `activate`), get (with `expand=user/{id}`), list (`q`, `filter`, `expand`, keyset pages),
//! replace, delete (only when inactive: E0000056), activate, deactivate; the apps assigned to
//! a group (`/api/v1/groups/{id}/apps`, the Group tag); and the app sign-in policy
//! assignment (ApplicationPolicies tag).
//!
//! Policy assignment: policies are not part of this server's store yet, so the policy id is
//! checked for shape only (a 20-character Okta id; anything else is 404) and the assignment
//! is stored and shown as `_links.accessPolicy`. It is not checked that the policy exists.
//!
//! Invariants: an app with a signing mode (SAML 2.0, SAML 1.1, WS-Federation) always has a
//! key credential whose kid is `credentials.signing.kid`; secrets are sealed before they are
//! stored; every change is written with its System Log event.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use crypto::ExposeSecret;
use model::apps::definition::{self, Defined};
use model::apps::oidc::SecretChoice;
use model::apps::{AppOp, AppStatus, AppTransition, SignOnMode};
use model::expr::{apps as rules, Resolved};
use model::ids::{new_id, Kind};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{AppKeyRecord, AppQuery, AppRecord, PageKey};

use crate::api::users::flag;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::app::{self as dto, AppExtras};
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps", get(list).post(create))
        .route(
            "/apps/{app_id}",
            get(get_one).put(replace).delete(delete_app),
        )
        .route("/apps/{app_id}/lifecycle/activate", post(activate))
        .route("/apps/{app_id}/lifecycle/deactivate", post(deactivate))
        .route("/apps/{app_id}/policies/{policy_id}", put(assign_policy))
        .route("/groups/{group_id}/apps", get(list_group_apps))
}

/// The app with this id, or 404 E0000007.
pub async fn find_app(app: &AppState, id: &str) -> ApiResult<AppRecord> {
    let not_found = || ApiError::not_found(format!("Resource not found: {id} (AppInstance)"));
    if !model::ids::looks_like(Kind::App, id) {
        return Err(not_found());
    }
    app.store.app_by_id(id).await?.ok_or_else(not_found)
}

/// The body as a JSON object (E0000003 otherwise).
fn object(body: Value) -> ApiResult<Map<String, Value>> {
    match body {
        Value::Object(o) => Ok(o),
        _ => Err(ApiError::MalformedBody),
    }
}

/// Generates a key credential off the async runtime.
pub async fn generate_key(
    app: &AppState,
    app_id: &str,
    now: i64,
    validity_years: u32,
) -> ApiResult<AppKeyRecord> {
    let org = app.org.name.clone();
    let generated = tokio::task::spawn_blocking(move || {
        crypto::signing_keys::generate(&org, "Latchkey", now, validity_years)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "key generation task failed");
        ApiError::Internal
    })?
    .map_err(|e| {
        tracing::error!(error = %e, "key generation failed");
        ApiError::Internal
    })?;
    Ok(AppKeyRecord {
        app_id: app_id.to_owned(),
        kid: generated.kid,
        created: generated.created,
        expires_at: generated.expires_at,
        e: generated.e,
        n: generated.n,
        x5c: generated.x5c,
        x5t_s256: generated.x5t_s256,
        private_key_sealed: app.sealer.seal(&generated.private_key_pem),
    })
}

/// A new OAuth client secret: 40 base62 characters from the OS CSPRNG (more than the 32
/// `client_secret_jwt` needs).
pub(crate) fn new_client_secret() -> String {
    crypto::tokens::random_token(40)
}

/// The name a new custom app gets: `{org}_{label}_{n}`, `n` one more than the highest in use.
async fn custom_name(app: &AppState, label: &str) -> ApiResult<String> {
    let prefix = format!(
        "{}_{}_",
        model::apps::name_slug(&app.org.name),
        model::apps::name_slug(label)
    );
    let taken = app
        .store
        .list_apps(&AppQuery {
            filter: Some(rules::named_like(&prefix)),
            after: None,
            limit: 1000,
        })
        .await?;
    let highest = taken
        .iter()
        .filter_map(|a| a.name.strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    Ok(format!("{prefix}{}", highest + 1))
}

/// Applies the OAuth secret decision; returns the sealed secret to store and the plaintext
/// to show.
fn client_secret(
    app: &AppState,
    defined: &Defined,
    stored: Option<&AppRecord>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let Some(oauth) = &defined.oauth else {
        return Ok((None, None));
    };
    let plain = match &oauth.secret {
        SecretChoice::Given(s) => s.clone(),
        SecretChoice::Generate => new_client_secret(),
        SecretChoice::Drop => return Ok((None, None)),
        SecretChoice::Keep => {
            let sealed = stored
                .and_then(|s| s.client_secret_sealed.clone())
                .unwrap_or_default();
            let open = app.sealer.open(&sealed).map_err(|e| {
                tracing::error!(error = %e, "stored client secret cannot be opened");
                ApiError::Internal
            })?;
            return Ok((Some(sealed), Some(open.expose_secret().to_owned())));
        }
    };
    let sealed = app.sealer.seal(&crypto::SecretString::from(plain.clone()));
    Ok((Some(sealed), Some(plain)))
}

#[derive(Debug, Deserialize)]
struct CreateParams {
    activate: Option<String>,
}

async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Query(params): Query<CreateParams>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let body = object(body)?;
    let activate = flag(params.activate.as_deref(), true);
    let (record, secret_plain) = create_app(&app, &admin, &body, activate).await?;
    Ok(Json(dto::render(
        &record,
        &app,
        AppExtras {
            client_secret: secret_plain.as_deref(),
            ..AppExtras::default()
        },
    )))
}

/// Creates an app from a create body (createApplication): what the Apps API and Dynamic
/// Client Registration (`/oauth2/v1/clients`) share. Answers the stored app and, when one
/// was generated or given, the plaintext client secret (shown once).
pub(crate) async fn create_app(
    app: &AppState,
    admin: &AdminToken,
    body: &Map<String, Value>,
    activate: bool,
) -> ApiResult<(AppRecord, Option<String>)> {
    let app = app.clone();
    let now = app.clock.now().millis();
    let body = body.clone();
    let generated_name = match definition::custom_label(&body) {
        Some(label) => Some(custom_name(&app, &label).await?),
        None => None,
    };
    let defined = definition::create(&body, generated_name.as_deref())?;
    let id = new_id(Kind::App);
    let (secret_sealed, secret_plain) = client_secret(&app, &defined, None)?;
    let mut keys = Vec::new();
    if defined.mode.signs_assertions() {
        keys.push(generate_key(&app, &id, now, 10).await?);
    }
    let record = AppRecord {
        id: id.clone(),
        name: defined.name.clone(),
        label: defined.label.clone(),
        status: if activate {
            AppStatus::Active
        } else {
            AppStatus::Inactive
        }
        .as_str()
        .into(),
        sign_on_mode: defined.mode.as_str().into(),
        created: now,
        last_updated: now,
        definition: defined.definition.clone(),
        signing_kid: keys.first().map(|k| k.kid.clone()),
        client_id: defined
            .oauth
            .as_ref()
            .map(|o| o.client_id.clone().unwrap_or_else(|| id.clone())),
        client_secret_sealed: secret_sealed,
        shared_password_sealed: defined
            .shared_password
            .as_ref()
            .map(|p| app.sealer.seal(&crypto::SecretString::from(p.clone()))),
        access_policy_id: None,
        logo_id: None,
    };
    let actor = Actor::token(admin);
    let mut evs = vec![events::event(
        "application.lifecycle.create",
        "Add application",
        &actor,
        vec![events::app_target(&record)],
        now,
    )];
    if activate {
        evs.push(events::event(
            "application.lifecycle.activate",
            "Activate application",
            &actor,
            vec![events::app_target(&record)],
            now,
        ));
    }
    app.store.insert_app(&record, &keys, &evs).await?;
    Ok((record, secret_plain))
}

#[derive(Debug, Deserialize)]
struct GetParams {
    expand: Option<String>,
}

/// The user id of `expand=user/{id}`.
fn expand_user(expand: Option<&str>) -> Option<&str> {
    expand?.strip_prefix("user/").filter(|id| !id.is_empty())
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
    Query(params): Query<GetParams>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let embedded_user = match expand_user(params.expand.as_deref()) {
        Some(user_id) => app
            .store
            .app_user(&record.id, user_id)
            .await?
            .map(|u| dto::render_app_user(&record, &u, &app, false)),
        None => None,
    };
    let logo_type = logo_type(&app, &record).await?;
    Ok(Json(dto::render(
        &record,
        &app,
        AppExtras {
            embedded_user,
            logo_type: logo_type.as_deref(),
            ..AppExtras::default()
        },
    )))
}

/// The media type of the app's uploaded logo, if it has one.
async fn logo_type(app: &AppState, record: &AppRecord) -> ApiResult<Option<String>> {
    match &record.logo_id {
        Some(id) => Ok(app.store.app_logo(id).await?.map(|l| l.content_type)),
        None => Ok(None),
    }
}

async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let body = object(body)?;
    let stored = find_app(&app, &app_id).await?;
    let (record, secret_plain) = replace_app(&app, &admin, stored, &body).await?;
    let logo_type = logo_type(&app, &record).await?;
    Ok(Json(dto::render(
        &record,
        &app,
        AppExtras {
            client_secret: secret_plain.as_deref(),
            logo_type: logo_type.as_deref(),
            ..AppExtras::default()
        },
    )))
}

/// Replaces an app from a replace body (replaceApplication), shared with Dynamic Client
/// Registration: the stored app and the plaintext client secret when one was set.
pub(crate) async fn replace_app(
    app: &AppState,
    admin: &AdminToken,
    stored: AppRecord,
    body: &Map<String, Value>,
) -> ApiResult<(AppRecord, Option<String>)> {
    let now = app.clock.now().millis();
    let body = body.clone();
    let mode = SignOnMode::parse(&stored.sign_on_mode).ok_or_else(|| {
        tracing::error!(app = %stored.id, "stored app has an unknown sign-on mode");
        ApiError::Internal
    })?;
    let defined = definition::replace(
        &body,
        definition::Stored {
            name: &stored.name,
            label: &stored.label,
            mode,
            definition: &stored.definition,
            client_id: stored.client_id.as_deref(),
            has_client_secret: stored.client_secret_sealed.is_some(),
        },
    )?;
    let mut signing_kid = stored.signing_kid.clone();
    if let (Some(kid), true) = (&defined.requested_kid, mode.signs_assertions()) {
        if app.store.app_key(&stored.id, kid).await?.is_none() {
            return Err(ApiError::invalid(
                "credentials.signing.kid",
                format!(
                    "credentials.signing.kid: The key {kid} is not a key credential of this application"
                ),
            ));
        }
        signing_kid = Some(kid.clone());
    }
    let (secret_sealed, secret_plain) = client_secret(app, &defined, Some(&stored))?;
    let shared_password_sealed = match (&defined.shared_password, defined.drop_shared_password) {
        (Some(p), _) => Some(app.sealer.seal(&crypto::SecretString::from(p.clone()))),
        (None, true) => None,
        (None, false) => stored.shared_password_sealed.clone(),
    };
    let record = AppRecord {
        label: defined.label.clone(),
        last_updated: now,
        definition: defined.definition.clone(),
        signing_kid,
        client_secret_sealed: secret_sealed,
        shared_password_sealed,
        ..stored
    };
    let event = events::event(
        "application.lifecycle.update",
        "Update application",
        &Actor::token(admin),
        vec![events::app_target(&record)],
        now,
    );
    app.store.update_app(&record, &[event]).await?;
    Ok((record, secret_plain))
}

/// Runs a lifecycle operation; answers `{}` as Okta does.
async fn lifecycle(
    app: AppState,
    admin: AdminToken,
    app_id: String,
    op: AppOp,
) -> ApiResult<Response> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let status = AppStatus::parse(&record.status).unwrap_or(AppStatus::Inactive);
    let actor = Actor::token(&admin);
    match model::apps::apply(status, op)? {
        AppTransition::Unchanged => {}
        AppTransition::To(next) => {
            let (kind, display) = match next {
                AppStatus::Active => ("application.lifecycle.activate", "Activate application"),
                AppStatus::Inactive => {
                    ("application.lifecycle.deactivate", "Deactivate application")
                }
            };
            let changed = AppRecord {
                status: next.as_str().into(),
                last_updated: now,
                ..record
            };
            let event = events::event(
                kind,
                display,
                &actor,
                vec![events::app_target(&changed)],
                now,
            );
            app.store.update_app(&changed, &[event]).await?;
        }
        AppTransition::Removed => {
            let event = events::event(
                "application.lifecycle.delete",
                "Delete application",
                &actor,
                vec![events::app_target(&record)],
                now,
            );
            app.store.delete_app(&record.id, &event).await?;
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
    }
    Ok(Json(json!({})).into_response())
}

async fn activate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    lifecycle(app, admin, app_id, AppOp::Activate).await
}

async fn deactivate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    lifecycle(app, admin, app_id, AppOp::Deactivate).await
}

async fn delete_app(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    lifecycle(app, admin, app_id, AppOp::Delete).await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    q: Option<String>,
    filter: Option<String>,
    limit: Option<String>,
    after: Option<String>,
    expand: Option<String>,
    include_non_deleted: Option<String>,
}

/// One page of apps for `filter`, with its `Link` headers.
async fn page_of_apps(
    app: &AppState,
    filter: Option<Resolved>,
    page: &PageRequest,
    base_href: &str,
    echo: &[(&str, String)],
    after_text: Option<&str>,
    expand_for: Option<&str>,
) -> ApiResult<Response> {
    let mut rows = app
        .store
        .list_apps(&AppQuery {
            filter,
            after: page.after.clone(),
            limit: page.limit,
        })
        .await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|a| {
        PageKey {
            key: json!(a.created),
            id: a.id.clone(),
        }
        .encode()
    });
    let mut embedded = std::collections::HashMap::new();
    if let Some(user_id) = expand_for {
        let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
        for record in app.store.user_app_assignments(user_id, &ids).await? {
            embedded.insert(record.app_id.clone(), record);
        }
    }
    let body: Vec<Value> = rows
        .iter()
        .map(|a| {
            let embedded_user = embedded
                .get(&a.id)
                .map(|u| dto::render_app_user(a, u, app, false));
            dto::render(
                a,
                app,
                AppExtras {
                    embedded_user,
                    ..AppExtras::default()
                },
            )
        })
        .collect();
    let mut headers = HeaderMap::new();
    link_headers(&mut headers, base_href, echo, after_text, next.as_deref());
    Ok((headers, Json(body)).into_response())
}

/// Lists apps: all, `q` (name or label prefix), `filter`, or both (both must hold).
async fn list(
    State(app): State<AppState>,
    admin: AdminToken,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let _ = flag(params.include_non_deleted.as_deref(), false);
    let page = PageRequest::parse(params.limit.as_deref(), params.after.as_deref(), 20, 200)?;
    let mut parts = Vec::new();
    let mut filter_user = None;
    if let Some(f) = params.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        let expr = rules::parse_filter(f)?;
        filter_user = rules::filtered_user(&expr).map(str::to_owned);
        parts.push(expr);
    }
    if let Some(q) = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        parts.push(rules::find(q));
    }
    let expand_for = match expand_user(params.expand.as_deref()) {
        Some(user) if filter_user.as_deref() == Some(user) => Some(user.to_owned()),
        Some(user) => {
            return Err(ApiError::InvalidSearch(format!(
                "expand=user/{user} requires the filter user.id eq \"{user}\""
            )))
        }
        None => None,
    };
    // An administrator limited to apps sees those apps only.
    if let crate::authz::Access::Limited(limit) = &admin.access {
        let names: Vec<&String> = limit.app_names.iter().collect();
        parts.push(rules::parse_filter(&crate::authz::any_id_filter(
            &limit.app_ids,
            &names,
        ))?);
    }
    let filter = match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Resolved::And(parts)),
    };
    let mut echo = Vec::new();
    for (name, value) in [
        ("q", &params.q),
        ("filter", &params.filter),
        ("expand", &params.expand),
        ("limit", &params.limit),
    ] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    page_of_apps(
        &app,
        filter,
        &page,
        &app.links.api("apps"),
        &echo,
        params.after.as_deref(),
        expand_for.as_deref(),
    )
    .await
}

#[derive(Debug, Deserialize)]
struct GroupAppsParams {
    limit: Option<String>,
    after: Option<String>,
}

/// The apps assigned to a group (listAssignedApplicationsForGroup).
async fn list_group_apps(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(group_id): Path<String>,
    Query(params): Query<GroupAppsParams>,
) -> ApiResult<Response> {
    let page = PageRequest::parse(params.limit.as_deref(), params.after.as_deref(), 20, 200)?;
    app.store.group_by_id(&group_id).await?.ok_or_else(|| {
        ApiError::not_found(format!("Resource not found: {group_id} (UserGroup)"))
    })?;
    let echo: Vec<(&str, String)> = params.limit.iter().map(|l| ("limit", l.clone())).collect();
    page_of_apps(
        &app,
        Some(rules::assigned_to_group(&group_id)),
        &page,
        &app.links.api(&format!("groups/{group_id}/apps")),
        &echo,
        params.after.as_deref(),
        None,
    )
    .await
}

/// Assigns the app sign-in policy (assignApplicationPolicy): 204.
async fn assign_policy(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, policy_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let shaped = policy_id.len() == 20 && policy_id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !shaped {
        return Err(ApiError::not_found(format!(
            "Resource not found: {policy_id} (Policy)"
        )));
    }
    let changed = AppRecord {
        access_policy_id: Some(policy_id),
        last_updated: now,
        ..record
    };
    let event = events::event(
        "application.policy.sign_on.update",
        "Update application sign-on policy",
        &Actor::token(&admin),
        vec![events::app_target(&changed)],
        now,
    );
    app.store.update_app(&changed, &[event]).await?;
    Ok(StatusCode::NO_CONTENT)
}
