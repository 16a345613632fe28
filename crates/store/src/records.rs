//! The stored shape of each aggregate, shared by both backends. Records are plain data: the
//! server renders them into Okta's JSON, the domain decides their transitions.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cursor::PageKey;

/// One user row. Timestamps are epoch milliseconds.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    /// Okta's status name, e.g. "ACTIVE".
    pub status: String,
    pub transitioning_to_status: Option<String>,
    pub created: i64,
    pub activated: Option<i64>,
    pub status_changed: Option<i64>,
    pub last_login: Option<i64>,
    pub last_updated: i64,
    pub password_changed: Option<i64>,
    pub type_id: String,
    #[sqlx(json)]
    pub profile: Map<String, Value>,
    /// The stored password (an argon2id PHC string or an imported hash), never rendered.
    pub password_hash: Option<String>,
    pub recovery_question: Option<String>,
    /// Hash of the normalised recovery answer, never rendered.
    pub recovery_answer_hash: Option<String>,
    pub provider_type: String,
    pub provider_name: String,
    #[sqlx(json)]
    pub secrets: UserSecrets,
    /// Optimistic-concurrency version, incremented by every update.
    pub version: i64,
}

impl UserRecord {
    /// The login as stored for uniqueness and look-up (case and Latin diacritics folded).
    pub fn login_lower(&self) -> String {
        model::users::profile::login_lower(
            self.profile
                .get("login")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    }
}

/// A user to insert with its memberships and events (bulk import).
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub user: UserRecord,
    pub group_ids: Vec<String>,
    pub events: Vec<EventRecord>,
}

/// One-time tokens and other secret state of a user, stored as hashes only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSecrets {
    /// SHA-256 of the activation token, with its expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_token_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_expires_at: Option<i64>,
    /// SHA-256 of the password reset (recovery) token, with its expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_token_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_expires_at: Option<i64>,
    /// The password is checked by the password import inline hook at the first sign-in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub password_hook: bool,
    /// Earlier password hashes, newest first, for the password policy's history rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub password_history: Vec<String>,
    /// Devices remembered after a factor (sign-on `factorPromptMode: DEVICE`): SHA-256 of
    /// the client's `deviceToken` and until when, newest first, at most a few.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remembered_devices: Vec<RememberedDevice>,
}

/// One remembered device of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RememberedDevice {
    pub token_hash: String,
    pub until: i64,
}

/// One group row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GroupRecord {
    pub id: String,
    /// OKTA_GROUP, APP_GROUP or BUILT_IN.
    #[sqlx(rename = "type")]
    pub group_type: String,
    pub created: i64,
    /// When the profile last changed.
    pub last_updated: i64,
    /// When a member was last added or removed.
    pub last_membership_updated: i64,
    #[sqlx(json)]
    pub profile: Map<String, Value>,
    /// The app an APP_GROUP was imported from (`source.id`); None for other groups.
    pub source_id: Option<String>,
}

impl GroupRecord {
    /// The name as stored for uniqueness and `q` (`model::groups::group::name_lower`).
    pub fn name_lower(&self) -> String {
        model::groups::group::name_lower(
            self.profile
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    }
}

/// A page request for groups (List Groups).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupQuery {
    /// A parsed and resolved `filter`, `search` or `q` expression; None lists every group.
    pub filter: Option<model::expr::Resolved>,
    /// `sortBy`/`sortOrder` (or the name order of `q`); None keeps the default order (id).
    pub sort: Option<model::expr::Sort>,
    pub after: Option<PageKey>,
    pub limit: u32,
}

/// One owner of a group (the GroupOwner schema). Owners are users or groups, always from the
/// Okta directory.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GroupOwnerRecord {
    pub group_id: String,
    pub owner_id: String,
    /// USER or GROUP.
    pub owner_type: String,
    /// When the owner was assigned.
    pub last_updated: i64,
    /// The owner's name as read (a user's first and last name, a group's name); ignored on
    /// insert.
    pub display_name: String,
}

/// A page of one group's owners.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupOwnerQuery {
    pub group_id: String,
    /// A resolved owners `search` (by `type`, `id`); None lists every owner.
    pub filter: Option<model::expr::Resolved>,
    /// Owners are ordered by id; the cursor names the last one seen.
    pub after: Option<PageKey>,
    pub limit: u32,
}

/// One API token's metadata; the token itself is only ever known by its SHA-256.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ApiTokenRecord {
    pub id: String,
    pub name: String,
    pub user_id: String,
    pub client_name: String,
    pub token_hash: String,
    pub created: i64,
    pub last_updated: i64,
    pub expires_at: i64,
    #[sqlx(json)]
    pub network: Value,
}

/// The org.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrgRecord {
    pub id: String,
    pub name: String,
    pub created: i64,
}

/// One System Log event, written in the transaction of the change it records.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: String,
    pub published: i64,
    pub event_type: String,
    /// The whole LogEvent object as the System Log API returns it.
    pub body: Value,
}

/// An event read back, with its position in the log.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: String,
    pub published: i64,
    pub event_type: String,
    #[sqlx(json)]
    pub body: Value,
}

/// Everything a first start creates, written in one transaction.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub org: OrgRecord,
    pub everyone: GroupRecord,
    pub admin: UserRecord,
    pub token: ApiTokenRecord,
    pub events: Vec<EventRecord>,
}

/// How a user list is narrowed.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum UserFilter {
    /// Every user.
    #[default]
    All,
    /// `q`: case-insensitive prefix of firstName, lastName or email (or login).
    Prefix(String),
    /// A parsed and resolved `filter` or `search` expression.
    Expr(model::expr::Resolved),
}

/// A page request for users.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserQuery {
    pub filter: UserFilter,
    /// `sortBy`/`sortOrder` of a search; None keeps the default order (created, id).
    pub sort: Option<model::expr::Sort>,
    pub after: Option<PageKey>,
    pub limit: u32,
    /// Profile attributes that hold one string wherever they are set (declared `string` in
    /// every user schema that has them): an `eq` on one of them also compares the attribute
    /// as a plain value, which its search index answers (see `ProfileIndexStore`).
    pub text_attributes: Vec<String>,
    /// Only members of one of these groups (an administrator limited to groups); None for
    /// every user.
    pub member_of: Option<Vec<String>>,
}

/// The order of a System Log page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventOrder {
    /// Polling: commit order, an endless stream (no `until`, ascending).
    #[default]
    Polling,
    /// Bounded ascending: by `published`, then `seq`.
    Ascending,
    /// Descending by `published`, then `seq`.
    Descending,
}

/// A System Log page request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventQuery {
    /// Lower bound of `published` (epoch ms, inclusive).
    pub since: Option<i64>,
    /// Upper bound of `published` (epoch ms, exclusive).
    pub until: Option<i64>,
    pub filter: Option<model::expr::Resolved>,
    /// Lower-cased keywords that must all occur as whole words.
    pub keywords: Vec<String>,
    pub order: EventOrder,
    pub after: Option<PageKey>,
    pub limit: u32,
}

impl StoredEvent {
    /// The cursor of the page that ends with this event, under `order`.
    pub fn page_key(&self, order: EventOrder) -> PageKey {
        let key = match order {
            EventOrder::Polling => serde_json::json!(self.seq),
            EventOrder::Ascending | EventOrder::Descending => serde_json::json!(self.published),
        };
        PageKey {
            key,
            id: self.seq.to_string(),
        }
    }
}

/// One policy (policy.md, "Policy object"). `conditions` and `settings` are the validated,
/// normalised JSON of its type.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PolicyRecord {
    pub id: String,
    #[sqlx(rename = "type")]
    pub policy_type: String,
    pub name: String,
    pub description: Option<String>,
    /// 1-based within the type; on insert and update, the wanted priority (0: last).
    pub priority: i64,
    pub status: String,
    /// The default policy of its type.
    pub system: bool,
    #[sqlx(json)]
    pub conditions: Value,
    #[sqlx(json)]
    pub settings: Value,
    pub created: i64,
    pub last_updated: i64,
}

/// One rule of a policy (policy.md, "Rules object").
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PolicyRuleRecord {
    pub id: String,
    pub policy_id: String,
    #[sqlx(rename = "type")]
    pub rule_type: String,
    pub name: String,
    /// 1-based within the policy; on insert and update, the wanted priority (0: last).
    pub priority: i64,
    pub status: String,
    /// The default rule of the default policy.
    pub system: bool,
    #[sqlx(json)]
    pub conditions: Value,
    #[sqlx(json)]
    pub actions: Value,
    pub created: i64,
    pub last_updated: i64,
}

/// One network zone (zones.md, "Zone object").
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NetworkZoneRecord {
    pub id: String,
    #[sqlx(rename = "type")]
    pub zone_type: String,
    pub name: String,
    pub status: String,
    pub usage: String,
    /// LegacyIpZone and BlockedIpZone, which exist once per org.
    pub system: bool,
    #[sqlx(json)]
    pub gateways: Value,
    #[sqlx(json)]
    pub proxies: Value,
    pub created: i64,
    pub last_updated: i64,
}

/// A user's consecutive failed password attempts (the lockout counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginFailuresRecord {
    pub failures: i64,
    pub last_failure: i64,
    pub locked_at: Option<i64>,
}

/// The answer to a request for one password verification (`LockoutStore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptReservation {
    /// Go ahead; the counter as it stood before this attempt.
    Granted(LoginFailuresRecord),
    /// No slot: the user is locked, or `max_attempts` attempts are failed or in flight.
    Refused(Option<LoginFailuresRecord>),
}

/// One event hook (event-hooks.md, "Event Hook object"). The auth header value is kept
/// sealed and never rendered.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventHookRecord {
    pub id: String,
    pub name: String,
    /// ACTIVE or INACTIVE.
    pub status: String,
    /// VERIFIED or UNVERIFIED.
    pub verification_status: String,
    /// The `events` object: `{type: EVENT_TYPE, items: [...], filter}`.
    #[sqlx(json)]
    pub events: Value,
    /// The `channel` object without the auth value.
    #[sqlx(json)]
    pub channel: Value,
    pub auth_value_sealed: Option<String>,
    /// Only events after this log position go to the hook.
    pub from_seq: i64,
    pub created: i64,
    pub last_updated: i64,
}

impl EventHookRecord {
    /// Whether the hook receives events of `event_type`.
    pub fn subscribes_to(&self, event_type: &str) -> bool {
        self.events
            .get("items")
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(event_type)))
    }
}

/// One event on its way to one hook.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HookDelivery {
    pub id: i64,
    pub hook_id: String,
    pub event_seq: i64,
    /// The LogEvent to deliver.
    #[sqlx(json)]
    pub body: Value,
    /// PENDING, DELIVERED or FAILED.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub created: i64,
    pub delivered_at: Option<i64>,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Try again at `next_attempt_at`.
    Retry {
        next_attempt_at: i64,
        error: String,
    },
    /// No more attempts; the hook moves on to its next event.
    GiveUp {
        error: String,
    },
}

/// One trusted origin (trusted-origins.md, "Trusted Origin object"). `origin` is kept as the
/// client wrote it; its key (`origin_key()`) is what lookups and uniqueness use.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TrustedOriginRecord {
    pub id: String,
    pub name: String,
    pub origin: String,
    /// The scopes in the order given, at most one per type.
    #[sqlx(json)]
    pub scopes: Vec<model::trusted_origins::Scope>,
    /// ACTIVE or INACTIVE.
    pub status: String,
    pub created: i64,
    /// The user whose API token created it.
    pub created_by: String,
    pub last_updated: i64,
    pub last_updated_by: String,
}

impl TrustedOriginRecord {
    /// The origin as a browser's `Origin` header spells it (`model::trusted_origins`); a
    /// stored origin always parses, the fallback only keeps a damaged row unique.
    pub fn origin_key(&self) -> String {
        model::trusted_origins::origin_key(&self.origin)
            .unwrap_or_else(|| self.origin.trim().to_ascii_lowercase())
    }

    /// The name as stored for uniqueness and `q`: lower-cased.
    pub fn name_lower(&self) -> String {
        self.name.to_lowercase()
    }

    /// Whether one of the scopes has this type.
    pub fn grants(&self, scope: model::trusted_origins::ScopeType) -> bool {
        self.scopes.iter().any(|s| s.scope_type == scope)
    }
}

/// A page request for trusted origins (List Trusted Origins), ordered by (created, id).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrustedOriginQuery {
    /// `q`: a case-insensitive prefix of the name or of the origin key.
    pub q: Option<String>,
    /// A resolved `filter` (`model::expr::trusted_origins`).
    pub filter: Option<model::expr::Resolved>,
    pub after: Option<PageKey>,
    pub limit: u32,
}

/// One inline hook (inline-hooks.md, "Inline Hook object"). The auth header value is kept
/// sealed and never rendered.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InlineHookRecord {
    pub id: String,
    pub name: String,
    /// One of Okta's inline hook types, e.g. `com.okta.telephony.provider`.
    #[sqlx(rename = "type")]
    pub hook_type: String,
    pub version: String,
    /// ACTIVE or INACTIVE.
    pub status: String,
    #[sqlx(json)]
    pub channel: Value,
    pub auth_value_sealed: Option<String>,
    pub created: i64,
    pub last_updated: i64,
}

/// One app instance (apps.md, "Application object"). Secrets are kept sealed and never
/// rendered; the signing key id and the OAuth client id have their own columns so lists can
/// filter on them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AppRecord {
    pub id: String,
    /// The app definition key (`name`).
    pub name: String,
    pub label: String,
    /// ACTIVE or INACTIVE.
    pub status: String,
    pub sign_on_mode: String,
    pub created: i64,
    pub last_updated: i64,
    /// `accessibility`, `visibility`, `features`, `credentials`, `settings` (and `profile`),
    /// as `model::apps::definition` stored them.
    #[sqlx(json)]
    pub definition: Map<String, Value>,
    /// `credentials.signing.kid`.
    pub signing_kid: Option<String>,
    /// `credentials.oauthClient.client_id` (OpenID Connect apps); unique.
    pub client_id: Option<String>,
    pub client_secret_sealed: Option<String>,
    /// The shared password of a SHARED_USERNAME_AND_PASSWORD app.
    pub shared_password_sealed: Option<String>,
    /// The app sign-in policy assigned with `PUT /apps/{id}/policies/{policyId}`.
    pub access_policy_id: Option<String>,
    /// The uploaded logo, if any.
    pub logo_id: Option<String>,
}

/// A page request for apps (List Applications): in creation order, then id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppQuery {
    /// A resolved `filter` or `q` (model::expr::apps); None lists every app.
    pub filter: Option<model::expr::Resolved>,
    /// The last app of the previous page: its `created` as the key, and its id.
    pub after: Option<PageKey>,
    pub limit: u32,
}

/// One key credential of an app (apps.md, "Application Key Credential object"). The same
/// key (same `kid`) can belong to several apps after a clone.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AppKeyRecord {
    pub app_id: String,
    pub kid: String,
    pub created: i64,
    pub expires_at: i64,
    /// base64url RSA public exponent and modulus.
    pub e: String,
    pub n: String,
    /// The certificate, standard base64 DER.
    pub x5c: String,
    pub x5t_s256: String,
    /// The PKCS#8 private key, sealed.
    pub private_key_sealed: String,
}

/// The stored part of a user's assignment: a direct assignment (`direct`), or the data an
/// assignment made through a group keeps per user (a username or profile set for it).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AppUserRow {
    pub app_id: String,
    pub user_id: String,
    /// Scope USER: assigned to the user directly.
    pub direct: bool,
    pub created: i64,
    pub last_updated: i64,
    pub status_changed: i64,
    pub password_changed: Option<i64>,
    /// `credentials.userName` when set; otherwise the app's username template applies.
    pub user_name: Option<String>,
    pub password_sealed: Option<String>,
    #[sqlx(json)]
    pub profile: Map<String, Value>,
}

/// A group through which a user has an app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppUserVia {
    pub group_id: String,
    pub priority: i64,
    pub profile: Map<String, Value>,
    /// When the user got the app through this group: the later of the group's assignment
    /// and the user's membership.
    pub since: i64,
}

/// A user's effective assignment to an app: directly (a `row` with `direct`), through groups
/// (`via`, by priority), or both. Read from the memberships as they are, never stored whole,
/// so it follows every membership change at once.
#[derive(Debug, Clone, PartialEq)]
pub struct AppUserRecord {
    pub app_id: String,
    pub user: UserRecord,
    pub row: Option<AppUserRow>,
    pub via: Vec<AppUserVia>,
}

impl AppUserRecord {
    /// Whether the assignment exists: direct, or through at least one group.
    pub fn assigned(&self) -> bool {
        self.row.as_ref().is_some_and(|r| r.direct) || !self.via.is_empty()
    }

    /// Scope USER (direct) or GROUP.
    pub fn direct(&self) -> bool {
        self.row.as_ref().is_some_and(|r| r.direct)
    }

    /// When the assignment began.
    pub fn created(&self) -> i64 {
        match &self.row {
            Some(r) if r.direct => r.created,
            _ => self.via.iter().map(|v| v.since).min().unwrap_or(0),
        }
    }

    /// When the assignment last changed.
    pub fn last_updated(&self) -> i64 {
        let via = self.via.iter().map(|v| v.since).max().unwrap_or(0);
        self.row.as_ref().map_or(via, |r| r.last_updated.max(via))
    }
}

/// A page of one app's users, ordered by user id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppUserQuery {
    pub app_id: String,
    /// A prefix of the app username, first name, last name or email, ignoring case.
    pub q: Option<String>,
    /// The last user id of the previous page.
    pub after: Option<String>,
    pub limit: u32,
}

/// A group's assignment to an app (apps.md, "Application Group object").
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AppGroupRecord {
    pub app_id: String,
    pub group_id: String,
    pub priority: i64,
    pub created: i64,
    pub last_updated: i64,
    #[sqlx(json)]
    pub profile: Map<String, Value>,
}

/// An uploaded app logo.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AppLogoRecord {
    pub id: String,
    pub app_id: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub created: i64,
}

/// One group rule (groups.md, "Rule object"). The expression is stored as written; the server
/// parses it again to evaluate it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GroupRuleRecord {
    pub id: String,
    pub name: String,
    /// ACTIVE, INACTIVE or INVALID.
    pub status: String,
    pub created: i64,
    pub last_updated: i64,
    /// `conditions.expression.value`.
    pub expression: String,
    /// `conditions.expression.type`.
    pub expression_type: String,
    /// `conditions.people.users.exclude`.
    #[sqlx(json)]
    pub excluded_user_ids: Vec<String>,
    /// `conditions.people.groups.exclude` (kept and echoed; Okta does not apply it).
    #[sqlx(json)]
    pub excluded_group_ids: Vec<String>,
    /// `actions.assignUserToGroups.groupIds`.
    #[sqlx(json)]
    pub group_ids: Vec<String>,
    /// Groups the expression names by id.
    #[sqlx(json)]
    pub referenced_group_ids: Vec<String>,
    /// False once a target or referenced group has been deleted (the rule is then INVALID).
    pub all_groups_valid: bool,
}

/// A page request for group rules (List Group rules): oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupRuleQuery {
    /// `search`: rules whose name contains this text, ignoring case.
    pub search: Option<String>,
    pub after: Option<PageKey>,
    pub limit: u32,
}

/// A membership a rule makes, with the `group.user_membership.add` event written only when
/// the membership is new.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleAssignment {
    pub rule_id: String,
    pub group_id: String,
    pub user_id: String,
    pub event: EventRecord,
}

/// What a rule evaluation of one user decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleChanges {
    pub add: Vec<RuleAssignment>,
    pub remove: Vec<RuleAssignment>,
}

/// One membership of a user, with the group's name (what rule expressions read).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MembershipRow {
    pub user_id: String,
    pub group_id: String,
    pub group_name: String,
}

/// An enrolled MFA factor (factors.md, "Factor object") with its sealed secrets.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FactorRecord {
    pub id: String,
    pub user_id: String,
    pub factor_type: String,
    pub provider: String,
    /// PENDING_ACTIVATION or ACTIVE.
    pub status: String,
    /// The public Factor Profile object (`question`, `phoneNumber`, `email`, ...).
    #[sqlx(json)]
    pub profile: Value,
    /// The factor's sealed secret: a TOTP seed, an answer hash, a WebAuthn credential.
    pub secret_sealed: Option<String>,
    /// The sealed pending challenge: a sent code's digest or a WebAuthn ceremony state.
    pub challenge_sealed: Option<String>,
    /// When the pending challenge expires (ms; 0 when there is none).
    pub challenge_expires: i64,
    /// When a code was last sent (ms; 0 for never), for resend limits.
    pub last_sent: i64,
    /// The last TOTP step accepted (0 for none), so a code is accepted once.
    pub last_step: i64,
    /// Failed attempts in the current window and when the window started (ms).
    pub attempts: i64,
    pub attempts_since: i64,
    /// Bumped by every update; an update names the version it read.
    pub version: i64,
    pub created: i64,
    pub last_updated: i64,
}

/// An Authn API transaction (authentication or recovery).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuthnTransactionRecord {
    pub id: String,
    /// SHA-256 (hex) of the state token; `None` while a recovery waits for its token.
    pub state_token_hash: Option<String>,
    /// SHA-256 (hex) of the recovery token, while one is outstanding.
    pub recovery_token_hash: Option<String>,
    /// The user; `None` for a recovery started for an unknown username.
    pub user_id: Option<String>,
    pub status: String,
    /// Non-secret context: progress flags, chosen factor, recovery type, relay state.
    #[sqlx(json)]
    pub data: Value,
    /// When the state token expires (ms; sliding).
    pub expires_at: i64,
    /// When the recovery token expires (ms; 0 when there is none).
    pub recovery_expires_at: i64,
    pub version: i64,
    pub created: i64,
}

/// A minted one-time session token (authn.md, "Session token"), known only by its SHA-256,
/// with the proof of authentication a session started from it carries.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionTokenRecord {
    pub token_hash: String,
    pub user_id: String,
    /// Authentication methods (`pwd`, `otp`, `mfa`, ...), the session's `amr`.
    #[sqlx(json)]
    pub amr: Vec<String>,
    /// Whether the user had an ACTIVE factor when the token was minted.
    pub mfa_active: bool,
    /// When the password and a factor were last verified (ms), if at all.
    pub password_verified: Option<i64>,
    pub factor_verified: Option<i64>,
    pub created: i64,
    pub expires_at: i64,
}

/// An Okta session (sessions.md, "Session object"). `idle_expires_at` is its `expiresAt` and
/// never passes `max_expires_at` (0: no maximum); the `sid` cookie is known only by its
/// SHA-256.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: String,
    pub login: String,
    /// ACTIVE (MFA_REQUIRED and MFA_ENROLL are not issued).
    pub status: String,
    #[sqlx(json)]
    pub amr: Vec<String>,
    /// The identity provider: the org id with type OKTA.
    pub idp_id: String,
    pub idp_type: String,
    pub mfa_active: bool,
    pub created: i64,
    pub last_password_verification: Option<i64>,
    pub last_factor_verification: Option<i64>,
    /// The idle lifetime (ms) a refresh adds to "now".
    pub idle_ms: i64,
    pub idle_expires_at: i64,
    pub max_expires_at: i64,
    /// Whether the `sid` cookie outlives the browser (the sign-on rule's
    /// `usePersistentCookie`).
    pub persistent_cookie: bool,
    pub cookie_hash: String,
    /// Bumped by every refresh.
    pub version: i64,
}

/// Requests to add to one rate-limit counter's slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateDelta {
    /// A bucket's name, or a per-client key such as `authn-ip:<address>`.
    pub key: String,
    /// The slot's start (epoch ms).
    pub slot: i64,
    pub count: i64,
}

/// One rate-limit counter's requests over the slots asked for, summed across nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTotal {
    pub key: String,
    pub count: i64,
    /// The start of the oldest slot that counted (epoch ms).
    pub oldest_slot: i64,
}

/// A message to a user waiting in the outbox. `payload` is sealed by the server (it holds a
/// code or a recovery token); the store never reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: String,
    /// EMAIL, SMS or CALL.
    pub channel: String,
    pub user_id: Option<String>,
    pub payload: String,
    pub created: i64,
    /// After this the message is worth nothing (its code or token expired) and is dropped.
    pub expires_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Delivered, or abandoned: the message goes.
    Done,
    /// Try again at `next_attempt_at`.
    Retry { next_attempt_at: i64, error: String },
    /// Not sent (no SMTP server): the message moves to the org's mailbox, with the recipient
    /// and subject its list shows.
    Keep {
        recipient: String,
        subject: String,
        kept_at: i64,
    },
}

/// An email kept in the org's mailbox (`kept_mail`); `payload` is the outbox message's sealed
/// payload.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeptMailRecord {
    pub id: String,
    pub user_id: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub payload: String,
    pub kept_at: i64,
}

/// One of the org's authenticators. `settings` is the JSON text of the authenticator's
/// `settings` object (`{}` when it has none).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthenticatorRecord {
    pub id: String,
    pub key: String,
    pub authenticator_type: String,
    pub name: String,
    pub status: String,
    pub settings: String,
    /// The methods turned off, space-separated (empty: every supported method is on).
    pub inactive_methods: String,
    pub created: i64,
    pub last_updated: i64,
}

/// A changed profile schema (Schemas API): `document` is what `model::schemas::Stored`
/// serialises to.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProfileSchemaRecord {
    pub id: String,
    #[sqlx(json)]
    pub document: Value,
    pub created: i64,
    pub last_updated: i64,
    pub version: i64,
}

/// A user type (User Types API).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserTypeRecord {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub is_default: bool,
    pub created_by: String,
    pub last_updated_by: String,
    pub created: i64,
    pub last_updated: i64,
}

/// A linked object definition: a primary and an associated relationship name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedObjectRecord {
    pub primary_name: String,
    pub primary_title: String,
    pub primary_description: Option<String>,
    pub associated_name: String,
    pub associated_title: String,
    pub associated_description: Option<String>,
    pub created: i64,
}

/// A certificate signing request of an app key credential.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppCsrRecord {
    pub app_id: String,
    /// The key's RFC 7638 thumbprint (the `kid` it will have as a credential).
    pub id: String,
    pub created: i64,
    /// The PKCS#10 request, standard base64 DER.
    pub csr: String,
    pub e: String,
    pub n: String,
    /// The PKCS#8 private key, sealed.
    pub private_key_sealed: String,
}

/// A custom authorization server (authorization-servers.md, "Authorization Server object").
/// Its scopes, claims and access policies live in `body` with its settings, so a change to
/// any of them is one versioned write.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuthServerRecord {
    pub id: String,
    pub name: String,
    /// ACTIVE or INACTIVE.
    pub status: String,
    pub created: i64,
    pub last_updated: i64,
    /// `description`, `audiences`, `issuerMode`, `rotationMode`, `scopes`, `claims`,
    /// `policies`.
    #[sqlx(json)]
    pub body: Map<String, Value>,
    pub version: i64,
}

/// A signing key of an authorization server (`server_id` "org" for the org server).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuthServerKeyRecord {
    pub server_id: String,
    pub kid: String,
    /// ACTIVE, NEXT or EXPIRED.
    pub status: String,
    pub created: i64,
    pub expires_at: i64,
    pub e: String,
    pub n: String,
    pub private_key_sealed: String,
}

/// A device authorization (the device grant), known by its device code's SHA-256.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeviceCodeRecord {
    pub device_hash: String,
    /// What the user types on the activation page.
    pub user_code: String,
    pub server_id: String,
    pub client_id: String,
    #[sqlx(json)]
    pub scopes: Vec<String>,
    /// `PENDING`, `APPROVED`, `DENIED` or `REDEEMED`.
    pub status: String,
    /// Who approved or denied it.
    pub user_id: Option<String>,
    /// What the approval carries to the tokens: `auth_time`, `amr`.
    #[sqlx(json)]
    pub body: Map<String, Value>,
    pub created: i64,
    pub expires_at: i64,
    /// When the device last polled (for `slow_down`).
    pub last_poll: i64,
}

/// An authorization code, known by its SHA-256.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OAuthCodeRecord {
    pub code_hash: String,
    /// The grant the code starts: every token issued from it carries this id.
    pub grant_id: String,
    pub server_id: String,
    pub client_id: String,
    pub user_id: String,
    /// `redirect_uri`, `scopes`, `nonce`, `code_challenge`, `code_challenge_method`,
    /// `auth_time`, `amr`, `session_id`, `response_type`.
    #[sqlx(json)]
    pub body: Map<String, Value>,
    pub created: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// What redeeming a code found.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeRedemption {
    /// First use: the code is now spent.
    Redeemed(OAuthCodeRecord),
    /// The code was already spent: a replay.
    Replayed(OAuthCodeRecord),
    /// No such code, or it expired.
    Missing,
}

/// An issued token: a refresh token (`token_hash` set) or an access token (`id` its `jti`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OAuthTokenRecord {
    pub id: String,
    /// `access_token` or `refresh_token`.
    pub kind: String,
    pub token_hash: Option<String>,
    pub grant_id: String,
    pub server_id: String,
    pub client_id: String,
    pub user_id: Option<String>,
    #[sqlx(json)]
    pub scopes: Vec<String>,
    /// `auth_time`, `amr`, `idp`: what minting again needs.
    #[sqlx(json)]
    pub body: Map<String, Value>,
    pub created: i64,
    pub expires_at: i64,
    /// A refresh token unused until then lapses (the rule's refresh window).
    pub idle_expires_at: i64,
    /// When a rotating refresh token was first exchanged for a successor.
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A scope granted to an app (ApplicationGrants, `OAuth2ScopeConsentGrant`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserGrantRecord {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    /// `org` or the custom authorization server's id.
    pub server_id: String,
    pub scope_id: String,
    pub scope_name: String,
    /// `END_USER` (the consent page) or `ADMIN`.
    pub source: String,
    pub created: i64,
    pub last_updated: i64,
}

/// A scope granted to an app (ApplicationGrants).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppGrantRecord {
    pub id: String,
    pub app_id: String,
    /// The scope's name, e.g. `okta.users.read`.
    pub scope_id: String,
    pub issuer: String,
    pub created: i64,
    /// The user (or client) that granted it.
    pub created_by: String,
    pub last_updated: i64,
}

/// An administrator role held by a user or a group.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RoleAssignmentRecord {
    pub id: String,
    /// USER or GROUP.
    pub principal_type: String,
    pub principal_id: String,
    /// The standard role type (SUPER_ADMIN, ...).
    pub role_type: String,
    pub status: String,
    pub created: i64,
    pub last_updated: i64,
}

/// One target that limits a role assignment: a group (`kind` GROUP), every instance of a
/// catalog app (APP_NAME, `target` the app name) or one app instance (APP, `target` its id).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RoleTargetRecord {
    pub assignment_id: String,
    pub kind: String,
    pub target: String,
    /// The app name of an APP or APP_NAME target; empty for groups.
    pub app_name: String,
    pub created: i64,
}

/// A role a user holds, with its targets (none: the role is not limited).
#[derive(Debug, Clone, PartialEq)]
pub struct RoleGrant {
    pub assignment: RoleAssignmentRecord,
    pub targets: Vec<RoleTargetRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleInsert {
    Inserted,
    /// The principal holds the role already.
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleRemoval {
    Removed,
    NotFound,
    /// It would leave the org without a super administrator who can act.
    LastSuperAdmin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRemoval {
    Removed,
    NotFound,
    /// The assignment's last target (removing it would widen the role to everything).
    LastTarget,
}

/// A custom administrator role (IamRole): a label and Okta permissions.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct IamRoleRecord {
    pub id: String,
    pub label: String,
    pub description: String,
    pub created: i64,
    pub last_updated: i64,
}

/// One permission of a custom role.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct IamPermissionRecord {
    pub role_id: String,
    pub permission: String,
    pub created: i64,
    pub last_updated: i64,
}

/// A resource set: the resources a custom role applies to.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ResourceSetRecord {
    pub id: String,
    pub label: String,
    pub description: String,
    pub created: i64,
    pub last_updated: i64,
}

/// One resource of a set, by its ORN.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ResourceRecord {
    pub id: String,
    pub set_id: String,
    pub orn: String,
    pub created: i64,
    pub last_updated: i64,
}

/// A principal given a custom role over a resource set (a binding's member).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BindingMemberRecord {
    pub id: String,
    pub set_id: String,
    pub role_id: String,
    /// USER, GROUP or CLIENT.
    pub principal_type: String,
    pub principal_id: String,
    pub created: i64,
    pub last_updated: i64,
}

/// A custom role a principal holds: the membership, the role's permissions and the ORNs of
/// the set's resources.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomGrant {
    pub member: BindingMemberRecord,
    pub permissions: Vec<String>,
    pub resources: Vec<String>,
}
