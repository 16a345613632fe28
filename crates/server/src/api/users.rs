//! Users (`/api/v1/users`, the User tag of the spec and "User operations" of `users.md`):
//! create, get (by id, login, login shortname, `me`), partial and full update, delete, list
//! (q / filter / search with keyset pages), and the related lists (groups, appLinks, blocks).

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use model::schemas::Target;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::{UserFilter, UserQuery, UserRecord, UserSecrets};

use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::user::{self as dto, UserRequest};
use crate::wire::page::{link_headers, PageRequest};
use crate::wire::{ApiError, ApiResult, Json};
use model::ids::{new_id, Kind};
use model::users::UserStatus;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route(
            "/users/{id}",
            get(get_one)
                .post(update_partial)
                .put(replace)
                .delete(delete_user),
        )
        .route("/users/{id}/groups", get(list_groups))
        .route("/users/{id}/appLinks", get(list_app_links))
        .route("/users/{id}/blocks", get(list_blocks))
}

/// Query flags that Okta passes as strings ("true"/"false").
pub fn flag(value: Option<&str>, default: bool) -> bool {
    match value.map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        _ => default,
    }
}

/// Finds a user by id, by login, or by login shortname (the part before `@`, when it names
/// exactly one user). Unknown → 404 E0000007.
pub async fn find_user(app: &AppState, key: &str) -> ApiResult<UserRecord> {
    let not_found = || ApiError::not_found(format!("Resource not found: {key} (User)"));
    if model::ids::looks_like(Kind::User, key) {
        if let Some(user) = app.store.user_by_id(key).await? {
            return Ok(user);
        }
    }
    let lower = key.to_lowercase();
    if let Some(user) = app.store.user_by_login(&lower).await? {
        return Ok(user);
    }
    if !key.contains('@') && !key.is_empty() {
        let expr = model::expr::users::parse_search(&format!(
            "profile.login sw \"{}@\"",
            key.replace('\\', "\\\\").replace('"', "\\\"")
        ))
        .map_err(|_| not_found())?;
        let page = app
            .store
            .list_users(&UserQuery {
                filter: UserFilter::Expr(expr),
                sort: None,
                after: None,
                limit: 2,
                text_attributes: Vec::new(),
                member_of: None,
            })
            .await?;
        let lookup = model::users::profile::LoginLookup::parse(key);
        let matching = page.into_iter().filter(|u| {
            lookup.matches_shortname(
                u.profile
                    .get("login")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )
        });
        if let Some(user) = model::users::profile::unambiguous(matching) {
            return Ok(user);
        }
    }
    Err(not_found())
}

/// Stores a changed user with its event; a concurrent change gives 409 E0000112.
pub async fn save(
    app: &AppState,
    user: &UserRecord,
    event: &store::EventRecord,
) -> ApiResult<UserRecord> {
    Ok(app.store.update_user(user, event).await?)
}

/// Checks a new password against the password policy that applies to the user and hashes it
/// into the user (no history or minimum-age check: an admin setting a password). The error
/// shape differs by endpoint, so the caller chooses it from the causes.
pub async fn set_password(
    app: &AppState,
    user: &mut UserRecord,
    value: &str,
    now: i64,
) -> Result<(), PasswordRejected> {
    set_password_checked(app, user, value, now, &PasswordChecks::default()).await
}

/// Which of the password policy's age rules a password change is held to.
#[derive(Debug, Default)]
pub struct PasswordChecks<'a> {
    /// Groups the user joins in the same request (a user being created is not stored yet).
    pub extra_groups: &'a [String],
    /// `historyCount`: refuse a password among the current and recent ones.
    pub history: bool,
    /// `minAgeMinutes`: refuse a change too soon after the last one (`strict=true`).
    pub min_age: bool,
}

/// [`set_password`] with the policy's history and minimum-age rules as asked. History costs
/// one hash verification per remembered password, at most
/// `model::policy::password::HISTORY_CAP`.
pub async fn set_password_checked(
    app: &AppState,
    user: &mut UserRecord,
    value: &str,
    now: i64,
    checks: &PasswordChecks<'_>,
) -> Result<(), PasswordRejected> {
    use model::policy::password as rules;
    let login = user
        .profile
        .get("login")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let settings = crate::policies::password_settings_for(app, user, checks.extra_groups)
        .await
        .map_err(PasswordRejected::Hash)?;
    settings
        .complexity_rules()
        .check(value, &login, &user.profile)
        .map_err(PasswordRejected::Policy)?;
    if checks.min_age && !rules::min_age_allows(&settings, user.password_changed, now) {
        return Err(PasswordRejected::Policy(vec![format!(
            "Password has been changed too recently. The minimum password age is {} minutes.",
            settings.password.age.min_age_minutes
        )]));
    }
    let secret = crypto::SecretString::from(value.to_owned());
    let depth = rules::history_depth(&settings);
    if checks.history && depth > 0 {
        let recent = user
            .password_hash
            .iter()
            .chain(user.secrets.password_history.iter())
            .take(depth);
        for stored in recent {
            let Ok(parsed) = crypto::password::StoredPassword::parse_storage_string(stored) else {
                continue;
            };
            let verdict = app
                .hasher
                .verify(&parsed, &secret)
                .await
                .map_err(|e| PasswordRejected::Hash(e.into()))?;
            if verdict.matched {
                return Err(PasswordRejected::Policy(vec![
                    "Password has been used too recently".to_owned(),
                ]));
            }
        }
    }
    let stored = app
        .hasher
        .hash(&secret)
        .await
        .map_err(|e| PasswordRejected::Hash(e.into()))?;
    if let Some(old) = user.password_hash.take() {
        user.secrets.password_history.insert(0, old);
        user.secrets.password_history.truncate(rules::HISTORY_CAP);
    }
    user.password_hash = Some(stored.to_storage_string());
    user.password_changed = Some(now);
    if user.provider_type == "IMPORT" {
        user.provider_type = "OKTA".into();
        user.provider_name = "OKTA".into();
    }
    Ok(())
}

/// Why a new password was not set.
pub enum PasswordRejected {
    Policy(Vec<String>),
    Hash(ApiError),
}

impl PasswordRejected {
    /// As create/update report it: 400 E0000001 on `password`.
    pub fn as_validation(self) -> ApiError {
        match self {
            Self::Policy(causes) => ApiError::Validation {
                summary: "password".into(),
                causes: causes
                    .into_iter()
                    .map(|c| format!("password: {c}"))
                    .collect(),
            },
            Self::Hash(e) => e,
        }
    }

    /// As credential operations report it: 403 E0000080.
    pub fn as_policy(self) -> ApiError {
        match self {
            Self::Policy(causes) => ApiError::PasswordPolicy {
                causes: causes
                    .into_iter()
                    .map(|c| format!("password: {c}"))
                    .collect(),
            },
            Self::Hash(e) => e,
        }
    }
}

/// Validates a recovery question and hashes its normalised answer into the user.
pub async fn set_recovery_question(
    app: &AppState,
    user: &mut UserRecord,
    question: Option<&str>,
    answer: Option<&str>,
) -> ApiResult<()> {
    let question = question.map(str::trim).unwrap_or_default();
    let answer = answer.map(str::trim).unwrap_or_default();
    let mut causes = Vec::new();
    if question.is_empty() {
        causes.push("recovery_question.question: The field cannot be left blank".to_owned());
    } else if question.chars().count() > 100 {
        causes.push("recovery_question.question: The field is too long".to_owned());
    }
    if answer.chars().count() < 4 {
        causes.push(
            "recovery_question.answer: The security question answer must be at least 4 characters in length"
                .to_owned(),
        );
    } else if answer.chars().count() > 100 {
        causes.push("recovery_question.answer: The field is too long".to_owned());
    } else if !question.is_empty() && answer.to_lowercase().contains(&question.to_lowercase()) {
        causes.push("recovery_question.answer: The answer cannot contain the question".to_owned());
    }
    if !causes.is_empty() {
        return Err(ApiError::Validation {
            summary: "credentials".into(),
            causes,
        });
    }
    let normalised = crypto::SecretString::from(answer.to_lowercase());
    let stored = app.hasher.hash(&normalised).await?;
    user.recovery_question = Some(question.to_owned());
    user.recovery_answer_hash = Some(stored.to_storage_string());
    Ok(())
}

/// Applies `credentials` of a create or update request: password (value or imported hash)
/// and recovery question. Returns whether a password was set.
async fn apply_credentials(
    app: &AppState,
    user: &mut UserRecord,
    credentials: Option<&dto::CredentialsIn>,
    extra_groups: &[String],
    now: i64,
) -> ApiResult<bool> {
    let Some(credentials) = credentials else {
        return Ok(false);
    };
    let mut password_set = false;
    if let Some(password) = &credentials.password {
        if let Some(hash) = &password.hash {
            let input = crypto::password::HashInput {
                algorithm: hash.algorithm.clone().unwrap_or_default(),
                value: hash.value.clone(),
                salt: hash.salt.clone(),
                salt_order: hash.salt_order.clone(),
                work_factor: hash.work_factor,
                iteration_count: hash.iteration_count,
                key_size: hash.key_size,
                digest_algorithm: hash.digest_algorithm.clone(),
            };
            let imported = crypto::password::ImportedHash::parse(input).map_err(|causes| {
                ApiError::Validation {
                    summary: "password".into(),
                    causes,
                }
            })?;
            let stored = crypto::password::StoredPassword::Imported(imported);
            user.password_hash = Some(stored.to_storage_string());
            user.password_changed = Some(now);
            user.provider_type = "IMPORT".into();
            user.provider_name = "IMPORT".into();
            password_set = true;
        } else if let Some(value) = password.value.as_deref().filter(|v| !v.is_empty()) {
            let checks = PasswordChecks {
                extra_groups,
                ..PasswordChecks::default()
            };
            set_password_checked(app, user, value, now, &checks)
                .await
                .map_err(PasswordRejected::as_validation)?;
            password_set = true;
        } else if let Some(hook) = &password.hook {
            // Checked by the password import inline hook at the first sign-in.
            if hook.get("type").and_then(Value::as_str) != Some("default") {
                return Err(ApiError::invalid(
                    "password",
                    "password.hook.type: The only password hook type is 'default'",
                ));
            }
            user.password_hash = None;
            user.secrets.password_hook = true;
            user.provider_type = "IMPORT".into();
            user.provider_name = "IMPORT".into();
            password_set = true;
        }
    }
    if let Some(rq) = &credentials.recovery_question {
        if rq.question.is_some() || rq.answer.is_some() {
            set_recovery_question(app, user, rq.question.as_deref(), rq.answer.as_deref()).await?;
        }
    }
    Ok(password_set)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateParams {
    activate: Option<String>,
    provider: Option<String>,
    next_login: Option<String>,
}

async fn create(
    State(app): State<AppState>,
    admin: AdminToken,
    Query(params): Query<CreateParams>,
    Json(body): Json<UserRequest>,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let options = NewUserOptions {
        activate: flag(params.activate.as_deref(), true),
        next_login: params.next_login.as_deref(),
        stored_password: None,
        schemas: None,
    };
    let _ = flag(params.provider.as_deref(), false);
    let user = build_new_user(&app, &body, &options, now).await?;

    let mut group_ids = Vec::new();
    for gid in body.group_ids.iter().flatten() {
        let group = app.store.group_by_id(gid).await?.ok_or_else(|| {
            ApiError::invalid("groupIds", format!("groupIds: Group {gid} not found"))
        })?;
        check_member_group(&group)?;
        if !group_ids.contains(gid) {
            group_ids.push(gid.clone());
        }
    }
    if let Some(everyone) = app.everyone_id().await? {
        group_ids.push(everyone);
    }

    let records = new_user_events(&user, &options, &Actor::token(&admin), now);
    if let Err(err) = app
        .store
        .insert_user_with_events(&user, &group_ids, &records)
        .await
    {
        let schema = crate::api::schemas::user_schema(&app, &user.type_id).await?;
        return Err(crate::api::schemas::refused(&app, err, "user", &schema, &user.profile).await);
    }
    crate::api::group_rules::apply_rules_to_user(&app, &user.id, None).await?;
    Ok(Json(dto::render(&user, &app, true)))
}

/// The create call's options (`activate`, `nextLogin`).
#[derive(Debug, Clone, Copy)]
pub struct NewUserOptions<'a> {
    pub activate: bool,
    pub next_login: Option<&'a str>,
    /// An argon2id PHC string to keep as the password (a bulk import of an export); the
    /// request then carries no password.
    pub stored_password: Option<&'a str>,
    /// The user schemas by type id, when the caller has read them (a bulk import); without
    /// them each create reads its type's schema.
    pub schemas: Option<&'a std::collections::HashMap<String, model::schemas::Stored>>,
}

/// Refuses a group whose members cannot be managed directly (anything but OKTA_GROUP).
pub fn check_member_group(group: &store::GroupRecord) -> ApiResult<()> {
    if group.group_type != "OKTA_GROUP" {
        return Err(ApiError::invalid(
            "groupIds",
            format!(
                "groupIds: Members of group {} cannot be managed directly",
                group.id
            ),
        ));
    }
    Ok(())
}

/// Makes the user a create request describes, as `POST /api/v1/users` does, without storing
/// it: profile and type validation, the provider, credentials (a plain password hashed under
/// the password policy of the user and its `groupIds`, an imported hash, a hook, a recovery
/// question) and the status `activate`/`nextLogin` give. The bulk import uses it as well, so
/// both accept and refuse the same users.
pub async fn build_new_user(
    app: &AppState,
    body: &UserRequest,
    options: &NewUserOptions<'_>,
    now: i64,
) -> ApiResult<UserRecord> {
    let profile = body.profile.clone().unwrap_or_default();
    let type_id = match body.user_type.as_ref().and_then(|t| t.id.clone()) {
        Some(id) => crate::api::user_types::known_type(app, id).await?,
        None => app.default_user_type_id(),
    };
    let loaded;
    let schema = match options.schemas.and_then(|all| all.get(&type_id)) {
        Some(known) => known,
        None => {
            loaded = crate::api::schemas::user_schema(app, &type_id).await?;
            &loaded
        }
    };
    model::schemas::check_profile(Target::User, schema, &profile, None)?;
    let mut user = UserRecord {
        id: new_id(Kind::User),
        status: UserStatus::Staged.as_str().into(),
        transitioning_to_status: None,
        created: now,
        activated: None,
        status_changed: None,
        last_login: None,
        last_updated: now,
        password_changed: None,
        type_id,
        profile,
        password_hash: None,
        recovery_question: None,
        recovery_answer_hash: None,
        provider_type: "OKTA".into(),
        provider_name: "OKTA".into(),
        secrets: UserSecrets::default(),
        version: 0,
    };

    let provider = body.credentials.as_ref().and_then(|c| c.provider.as_ref());
    let federated = match provider.and_then(|p| p.provider_type.as_deref()) {
        None | Some("OKTA") => false,
        Some(kind @ ("FEDERATION" | "SOCIAL")) => {
            user.provider_type = kind.to_owned();
            user.provider_name = provider
                .and_then(|p| p.name.clone())
                .unwrap_or_else(|| kind.to_owned());
            true
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "provider",
                format!("credentials.provider.type: {other} is not a provider a user can be created with"),
            ));
        }
    };
    let has_password = if federated {
        let creds = body.credentials.as_ref();
        if creds.is_some_and(|c| c.password.is_some() || c.recovery_question.is_some()) {
            return Err(ApiError::invalid(
                "credentials",
                "credentials: Users with a FEDERATION or SOCIAL provider cannot have a password or recovery question",
            ));
        }
        false
    } else {
        let requested_groups = body.group_ids.clone().unwrap_or_default();
        apply_credentials(
            app,
            &mut user,
            body.credentials.as_ref(),
            &requested_groups,
            now,
        )
        .await?
    };
    let has_password = match options.stored_password {
        Some(phc) if !federated && user.password_hash.is_none() => {
            user.password_hash = Some(phc.to_owned());
            user.password_changed = Some(now);
            true
        }
        _ => has_password,
    };

    if options.activate {
        let next = if federated || has_password {
            UserStatus::Active
        } else {
            UserStatus::Provisioned
        };
        let next = if next == UserStatus::Active
            && has_password
            && options.next_login == Some("changePassword")
        {
            UserStatus::PasswordExpired
        } else {
            next
        };
        user.status = next.as_str().into();
        user.status_changed = Some(now);
        if next != UserStatus::Provisioned {
            user.activated = Some(now);
        } else {
            crate::api::user_lifecycle::issue_activation_token(&mut user, now);
        }
    }
    Ok(user)
}

/// The System Log events of a new user: create, and activate when it was activated.
pub fn new_user_events(
    user: &UserRecord,
    options: &NewUserOptions<'_>,
    actor: &Actor,
    now: i64,
) -> Vec<store::EventRecord> {
    let mut evs = vec![("user.lifecycle.create", "Create okta user")];
    if options.activate {
        evs.push(("user.lifecycle.activate", "Activate Okta user"));
    }
    evs.iter()
        .map(|(t, d)| events::event(t, d, actor, vec![events::user_target(user)], now))
        .collect()
}

async fn get_one(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let key = if id == "me" {
        admin.token.user_id.clone()
    } else {
        id
    };
    let user = find_user(&app, &key).await?;
    Ok(Json(dto::render(&user, &app, true)))
}

async fn update_partial(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<UserRequest>,
) -> ApiResult<Json<Value>> {
    update(app, admin, id, body, false).await
}

async fn replace(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Json(body): Json<UserRequest>,
) -> ApiResult<Json<Value>> {
    update(app, admin, id, body, true).await
}

/// POST merges the given profile attributes into the stored profile; PUT replaces the profile
/// (attributes left out are removed). Both may set credentials.
///
/// Concurrent updates of one user are last-writer-wins, as in Okta, never 409: everything
/// slow (validation, password hashing) is done first on a copy, then the change is applied
/// to the user as read, or, if it changed meanwhile, to the user as it stands under its row
/// lock, a POST merging into the newest profile.
async fn update(
    app: AppState,
    admin: AdminToken,
    id: String,
    body: UserRequest,
    full: bool,
) -> ApiResult<Json<Value>> {
    let now = app.clock.now().millis();
    let found = find_user(&app, &id).await?;
    let mut draft = found.clone();
    if let Some(type_id) = body.user_type.as_ref().and_then(|t| t.id.clone()) {
        // A partial update may carry the user's own type (the SDKs' get, edit, update sends
        // it back); only a change of type needs the full replace.
        if !full && type_id != found.type_id {
            return Err(ApiError::invalid(
                "type",
                "type: The user type can be changed only with a full replace (PUT)",
            ));
        }
        draft.type_id = if type_id == found.type_id {
            type_id
        } else {
            crate::api::user_types::known_type(&app, type_id).await?
        };
    }
    // The profile is checked against the schema of the type the user will have.
    let schema = crate::api::schemas::user_schema(&app, &draft.type_id).await?;
    if let Some(profile) = &body.profile {
        let next: Map<String, Value> = if full {
            model::users::profile::replace(profile)
        } else {
            model::users::profile::merge(&draft.profile, profile)
        };
        model::schemas::check_profile(Target::User, &schema, &next, Some(&found.profile))?;
        draft.profile = next;
    } else if full {
        return Err(ApiError::invalid(
            "profile",
            "profile: The field cannot be left blank",
        ));
    } else if draft.type_id != found.type_id {
        model::schemas::check_profile(Target::User, &schema, &draft.profile, None)?;
    }
    if let Some(creds) = &body.credentials {
        if creds.password.as_ref().is_some_and(|p| p.hash.is_some())
            && draft.status != UserStatus::Staged.as_str()
        {
            return Err(ApiError::invalid(
                "password",
                "password.hash: A hashed password can be imported only for a STAGED user",
            ));
        }
        apply_credentials(&app, &mut draft, Some(creds), &[], now).await?;
    }
    let actor = Actor::token(&admin);
    let mut refused: Option<ApiError> = None;
    let saved = app
        .store
        .modify_seen_user(&found, &mut |user| {
            if let Some(profile) = &body.profile {
                if full {
                    user.profile = draft.profile.clone();
                } else {
                    let next = model::users::profile::merge(&user.profile, profile);
                    let checked = model::schemas::check_profile(
                        Target::User,
                        &schema,
                        &next,
                        Some(&user.profile),
                    );
                    if let Err(err) = checked {
                        refused = Some(err.into());
                        return store::UserChange::Keep;
                    }
                    user.profile = next;
                }
            }
            if draft.type_id != found.type_id {
                user.type_id.clone_from(&draft.type_id);
            }
            copy_credentials(&found, &draft, user);
            user.last_updated = now;
            store::UserChange::Write(vec![events::event(
                "user.account.update_profile",
                "Update user profile for Okta",
                &actor,
                vec![events::user_target(user)],
                now,
            )])
        })
        .await;
    let saved = match saved {
        Ok(saved) => saved,
        Err(err) => {
            let profile = draft.profile.clone();
            return Err(crate::api::schemas::refused(&app, err, "user", &schema, &profile).await);
        }
    };
    if let Some(err) = refused {
        return Err(err);
    }
    let saved =
        saved.ok_or_else(|| ApiError::not_found(format!("Resource not found: {id} (User)")))?;
    notify_email_change(&app, &found, &saved, now).await?;
    crate::api::group_rules::apply_rules_to_user(&app, &saved.id, None).await?;
    Ok(Json(dto::render(&saved, &app, true)))
}

/// Tells the old address when a user's primary email changed (not for STAGED users, who have
/// not been told of their account yet).
async fn notify_email_change(
    app: &AppState,
    before: &UserRecord,
    after: &UserRecord,
    now: i64,
) -> ApiResult<()> {
    let email = |u: &UserRecord| {
        u.profile
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (old, new) = (email(before), email(after));
    if old.is_empty() || old.eq_ignore_ascii_case(&new) || before.status == "STAGED" {
        return Ok(());
    }
    let mail = crate::mail::compose(
        app,
        crate::mail::MailKind::EmailChange,
        Some(after),
        &old,
        json!({ "old_email": old, "new_email": new }),
    )?;
    let message = crate::outbox::email(app, &after.id, &old, mail, now + 7 * 24 * 3_600_000, None)?;
    app.store.enqueue_messages(&[message]).await?;
    app.outbox.notify();
    Ok(())
}

/// Carries over to `user` the credential fields the request changed on `draft` (a copy of
/// `before`), leaving what it did not touch as it now stands.
fn copy_credentials(before: &UserRecord, draft: &UserRecord, user: &mut UserRecord) {
    if draft.password_hash != before.password_hash {
        user.password_hash.clone_from(&draft.password_hash);
    }
    if draft.password_changed != before.password_changed {
        user.password_changed = draft.password_changed;
    }
    if draft.provider_type != before.provider_type || draft.provider_name != before.provider_name {
        user.provider_type.clone_from(&draft.provider_type);
        user.provider_name.clone_from(&draft.provider_name);
    }
    if draft.recovery_question != before.recovery_question
        || draft.recovery_answer_hash != before.recovery_answer_hash
    {
        user.recovery_question.clone_from(&draft.recovery_question);
        user.recovery_answer_hash
            .clone_from(&draft.recovery_answer_hash);
    }
    if draft.secrets != before.secrets {
        user.secrets = draft.secrets.clone();
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteParams {
    send_email: Option<String>,
}

/// The first DELETE deactivates (DEPROVISIONED); a DELETE of a deprovisioned user removes it.
async fn delete_user(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    Query(params): Query<DeleteParams>,
) -> ApiResult<StatusCode> {
    let _ = flag(params.send_email.as_deref(), false);
    let now = app.clock.now().millis();
    let user = find_user(&app, &id).await?;
    let actor = Actor::token(&admin);
    if user.status == UserStatus::Deprovisioned.as_str() {
        let event = events::event(
            "user.lifecycle.delete.initiated",
            "Delete Okta user",
            &actor,
            vec![events::user_target(&user)],
            now,
        );
        app.store.delete_user(&user.id, &event).await?;
    } else {
        crate::api::user_lifecycle::deactivate_user(&app, &actor, user, now).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ListParams {
    q: Option<String>,
    filter: Option<String>,
    search: Option<String>,
    limit: Option<String>,
    after: Option<String>,
    #[serde(rename = "sortBy")]
    sort_by: Option<String>,
    #[serde(rename = "sortOrder")]
    sort_order: Option<String>,
}

/// Lists users: all, `q` (prefix of firstName, lastName, email), `filter` or `search`.
/// Pages are keyset scans; `next` is present exactly when more users remain.
async fn list(
    State(app): State<AppState>,
    admin: AdminToken,
    Query(params): Query<ListParams>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let _ = raw;
    let q = params.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let default_limit = if q.is_some() { 10 } else { 200 };
    let page = PageRequest::parse(
        params.limit.as_deref(),
        params.after.as_deref(),
        default_limit,
        200,
    )?;
    let search = params.search.as_deref().filter(|s| !s.trim().is_empty());
    let filter = params.filter.as_deref().filter(|s| !s.trim().is_empty());
    let (user_filter, sort) = if let Some(s) = search {
        let sort = match params.sort_by.as_deref().filter(|s| !s.is_empty()) {
            Some(by) => Some(model::expr::users::parse_sort(
                by,
                params.sort_order.as_deref(),
            )?),
            None => None,
        };
        (UserFilter::Expr(model::expr::users::parse_search(s)?), sort)
    } else if let Some(f) = filter {
        (UserFilter::Expr(model::expr::users::parse_filter(f)?), None)
    } else if let Some(q) = q {
        (UserFilter::Prefix(q.to_owned()), None)
    } else {
        (UserFilter::All, None)
    };
    let query = UserQuery {
        filter: user_filter,
        sort: sort.clone(),
        after: page.after.clone(),
        limit: page.limit,
        text_attributes: app.search.text_attributes(),
        // An administrator limited to groups sees their members only.
        member_of: match &admin.access {
            crate::authz::Access::All => None,
            crate::authz::Access::Limited(limit) => {
                Some(limit.member_groups.iter().cloned().collect())
            }
        },
    };
    let mut rows = app.store.list_users(&query).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    // `q` honours `limit` but has no further pages (users.md, "Find Users").
    let next = if more && q.is_none() {
        rows.last()
            .map(|u| store::page_key_for(u, sort.as_ref()).encode())
    } else {
        None
    };
    let body: Vec<Value> = rows.iter().map(|u| dto::render(u, &app, false)).collect();
    let mut echo = Vec::new();
    for (name, value) in [
        ("q", &params.q),
        ("filter", &params.filter),
        ("search", &params.search),
        ("sortBy", &params.sort_by),
        ("sortOrder", &params.sort_order),
        ("limit", &params.limit),
    ] {
        if let Some(v) = value {
            echo.push((name, v.clone()));
        }
    }
    let mut headers = HeaderMap::new();
    link_headers(
        &mut headers,
        &app.links.api("users"),
        &echo,
        params.after.as_deref(),
        next.as_deref(),
    );
    Ok((headers, Json(body)).into_response())
}

/// The user's groups (`Group` objects), Everyone included.
async fn list_groups(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let user = find_user(&app, &id).await?;
    let groups = app.store.user_groups(&user.id).await?;
    Ok(Json(Value::Array(
        groups
            .iter()
            .map(|g| crate::wire::dto::group::render(g, &app))
            .collect(),
    )))
}

/// The user's app links (`AssignedAppLink`): every active app the user has, directly or
/// through a group.
async fn list_app_links(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let user = find_user(&app, &id).await?;
    Ok(Json(Value::Array(
        crate::api::app_users::app_links(&app, &user).await?,
    )))
}

/// The user's blocks (`UserBlock`): present while the user is locked out.
async fn list_blocks(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let user = find_user(&app, &id).await?;
    if user.status == UserStatus::LockedOut.as_str() {
        Ok(Json(
            json!([{ "type": "DEVICE_BASED", "appliesTo": "ANY_DEVICES" }]),
        ))
    } else {
        Ok(Json(json!([])))
    }
}
