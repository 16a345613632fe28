//! Latchkey's storage: one trait per aggregate, a SQLite and a PostgreSQL implementation,
//! their migrations, and the conformance suite both must pass.
//!
//! Invariants every backend keeps:
//! - each write commits together with its System Log event, or not at all;
//! - logins are unique case-insensitively (the `login_lower` column);
//! - lists are keyset scans (an opaque cursor, never OFFSET);
//! - a storage failure is an error, never "absent".

mod app_csr_sql;
mod app_sql;
mod authenticator_sql;
mod authn_sql;
pub mod cursor;
mod custom_role_sql;
pub mod error;
mod event_hook_sql;
pub mod event_index;
mod event_sql;
mod factor_sql;
pub mod filter_sql;
mod group_rule_sql;
mod group_sql;
mod import_sql;
mod inline_hook_sql;
pub mod linked_object_sql;
mod lockout_sql;
mod oauth_sql;
mod org_sql;
mod outbox_sql;
mod page_sql;
mod policy_sql;
pub(crate) mod profile_index_sql;
pub(crate) mod profile_schema_sql;
mod rate_limit_sql;
mod role_sql;
mod rule_queue_sql;
mod session_sql;
mod snapshot;
mod stamp;
mod token_sql;
pub use page_sql::{group_page_key_for, page_key_for};
pub use profile_index_sql::indexable_name;
pub mod postgres;
pub mod records;
pub mod sqlite;
mod trusted_origin_sql;
mod user_change_sql;
mod user_sql;
pub mod user_type_sql;

#[cfg(feature = "conformance")]
pub mod conformance;

use async_trait::async_trait;
use std::sync::Arc;

pub use cursor::PageKey;
pub use error::StoreError;
pub use records::*;

pub type StoreResult<T> = Result<T, StoreError>;

/// Users and their credentials.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user, its memberships (`group_ids`, plus whatever the caller includes, such as
    /// Everyone) and its events (e.g. create and activate), atomically. A taken login gives
    /// `StoreError::Duplicate`.
    async fn insert_user_with_events(
        &self,
        user: &UserRecord,
        group_ids: &[String],
        events: &[EventRecord],
    ) -> StoreResult<()>;

    /// `insert_user_with_events` with one event.
    async fn insert_user(
        &self,
        user: &UserRecord,
        group_ids: &[String],
        event: &EventRecord,
    ) -> StoreResult<()> {
        self.insert_user_with_events(user, group_ids, std::slice::from_ref(event))
            .await
    }

    async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>>;

    /// Looks a user up by lower-cased login.
    async fn user_by_login(&self, login_lower: &str) -> StoreResult<Option<UserRecord>>;

    /// Writes the whole record if its `version` is still the stored one (optimistic
    /// concurrency); the stored version is then incremented. A stale version gives
    /// `StoreError::Conflict`, a missing user `StoreError::NotFound`.
    async fn update_user(&self, user: &UserRecord, event: &EventRecord) -> StoreResult<UserRecord>;

    /// Deletes the user and its memberships; false when it did not exist.
    async fn delete_user(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// One page of users in the query's order; at most `limit + 1` rows are read so the caller
    /// knows whether another page exists.
    async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<UserRecord>>;

    /// The groups the user is a member of, ordered by group id.
    async fn user_groups(&self, user_id: &str) -> StoreResult<Vec<GroupRecord>>;

    /// The ids of the groups the user is a member of, and the id of Everyone (which every
    /// user is in, one not stored yet included), in one indexed query: what policy
    /// evaluation needs, at the same cost for any user.
    async fn policy_group_ids(&self, user_id: &str) -> StoreResult<Vec<String>>;

    /// Bulk import: inserts a batch of new users in one transaction. A user whose login (or
    /// id) is taken, by a stored user or an earlier one of the batch, is skipped with its
    /// memberships and events. Answers, per user in order, whether it was inserted.
    async fn import_users(&self, batch: &[NewUser]) -> StoreResult<Vec<bool>>;

    /// After a bulk import: refreshes what the planner knows of the tables it grew
    /// (PostgreSQL's statistics; until autovacuum catches up, a page of memberships by user
    /// could be planned as a scan of them all).
    async fn import_finished(&self) -> StoreResult<()>;
}

/// What a change given to [`UserChangeStore::modify_user`] asks for.
#[derive(Debug)]
pub enum UserChange {
    /// Write the changed user with these events.
    Write(Vec<EventRecord>),
    /// Write nothing (the change does not apply to the user as it stands).
    Keep,
}

/// Changes of one user that must not be lost to a concurrent change (sign-ins, lock and
/// unlock, profile updates): Okta is last-writer-wins there, never 409.
#[async_trait]
pub trait UserChangeStore: Send + Sync {
    /// Reads the user under its row's write lock, lets `change` edit it, and writes it with
    /// the events `change` returns, in one transaction. None when the user does not exist;
    /// with `UserChange::Keep`, the user as read (nothing written).
    async fn modify_user(
        &self,
        id: &str,
        change: &mut (dyn for<'u> FnMut(&'u mut UserRecord) -> UserChange + Send),
    ) -> StoreResult<Option<UserRecord>>;

    /// `modify_user` on the user as the caller already read it: written at once when it is
    /// still that version (no second read), else as `modify_user` does, on the user as it
    /// stands. `change` may run twice; only its last result counts.
    async fn modify_seen_user(
        &self,
        seen: &UserRecord,
        change: &mut (dyn for<'u> FnMut(&'u mut UserRecord) -> UserChange + Send),
    ) -> StoreResult<Option<UserRecord>>;

    /// Ends a sign-in's lockout reservation as a success and, unless another attempt locked
    /// the user meanwhile, applies `change` as `modify_seen_user` does, in one transaction.
    /// Returns the counter after the change and the user (None when locked or missing).
    async fn sign_in_succeeded(
        &self,
        seen: &UserRecord,
        change: &mut (dyn for<'u> FnMut(&'u mut UserRecord) -> UserChange + Send),
    ) -> StoreResult<(LoginFailuresRecord, Option<UserRecord>)>;
}

/// The sqlx database a store type writes to (what shared statement code is generic over).
pub trait StoreDb {
    type Db: sqlx::Database;
}

impl StoreDb for sqlite::SqliteStore {
    type Db = sqlx::Sqlite;
}

impl StoreDb for postgres::PgStore {
    type Db = sqlx::Postgres;
}

/// Groups, their members and owners (the Groups API; Everyone exists from bootstrap).
///
/// Names are unique ignoring case among groups that are not APP_GROUPs (a taken name gives
/// `StoreError::Duplicate { field: "name" }`). A membership change moves the group's
/// `last_membership_updated` in the transaction that makes it; a profile change moves
/// `last_updated`.
#[async_trait]
pub trait GroupStore: Send + Sync {
    async fn group_by_id(&self, id: &str) -> StoreResult<Option<GroupRecord>>;

    /// The built-in Everyone group.
    async fn everyone_group(&self) -> StoreResult<Option<GroupRecord>>;

    /// Inserts a group with its event.
    async fn insert_group(&self, group: &GroupRecord, event: &EventRecord) -> StoreResult<()>;

    /// Replaces the group's profile and `last_updated` with the record's; a missing group
    /// gives `StoreError::NotFound`.
    async fn update_group(&self, group: &GroupRecord, event: &EventRecord) -> StoreResult<()>;

    /// Deletes the group with its memberships and owners (and its ownership of other groups);
    /// false when it did not exist.
    async fn delete_group(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// One page of groups in the query's order; at most `limit + 1` rows are read so the
    /// caller knows whether another page exists.
    async fn list_groups(&self, query: &GroupQuery) -> StoreResult<Vec<GroupRecord>>;

    /// Makes the user a member at `now`. False (and nothing written, no event) when it already
    /// is one; a missing group or user gives `StoreError::NotFound`.
    async fn add_group_member(
        &self,
        group_id: &str,
        user_id: &str,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Ends the user's membership at `now`. False (and nothing written, no event) when it was
    /// not a member.
    async fn remove_group_member(
        &self,
        group_id: &str,
        user_id: &str,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// One page of the group's members ordered by user id, after the cursor (a user id); at
    /// most `limit + 1` rows.
    async fn list_group_members(
        &self,
        group_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<UserRecord>>;

    /// The number of members of each of `group_ids` (absent ids count 0), in one query.
    async fn group_member_counts(&self, group_ids: &[String]) -> StoreResult<Vec<(String, i64)>>;

    /// One page of a group's owners ordered by owner id; at most `limit + 1` rows.
    async fn list_group_owners(
        &self,
        query: &GroupOwnerQuery,
    ) -> StoreResult<Vec<GroupOwnerRecord>>;

    /// Assigns an owner (its `display_name` is ignored). False (and nothing written, no event)
    /// when it already is one; a missing group, user or owner group gives
    /// `StoreError::NotFound`.
    async fn insert_group_owner(
        &self,
        owner: &GroupOwnerRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Removes an owner; false when it was not one.
    async fn delete_group_owner(
        &self,
        group_id: &str,
        owner_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;
}

/// API tokens, stored as SHA-256 of the token.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_token(&self, token: &ApiTokenRecord, event: &EventRecord) -> StoreResult<()>;

    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiTokenRecord>>;

    async fn token_by_id(&self, id: &str) -> StoreResult<Option<ApiTokenRecord>>;

    /// Tokens ordered by (created, id), after the cursor.
    async fn list_tokens(
        &self,
        after: Option<&PageKey>,
        limit: u32,
    ) -> StoreResult<Vec<ApiTokenRecord>>;

    /// Moves a token's expiry forward on use.
    async fn touch_token(&self, id: &str, last_updated: i64, expires_at: i64) -> StoreResult<()>;

    /// Replaces a token's name and network condition; false when it did not exist.
    async fn update_token(&self, token: &ApiTokenRecord, event: &EventRecord) -> StoreResult<bool>;

    /// Deletes the token; false when it did not exist.
    async fn revoke_token(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// A feed of the ids of tokens that change or go, whichever node changes them, so every
    /// node can drop what it cached the moment it happens. None when the backend serves one
    /// node only (SQLite: every change passes through this process).
    async fn token_changes(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>>;
}

/// Ids of changed objects as other nodes commit them (`TokenStore::token_changes`).
#[async_trait]
pub trait ChangeFeed: Send {
    /// The next id. `Ok(None)` means the feed lost its connection and may have missed
    /// changes: open a new feed (and distrust whatever was cached meanwhile).
    async fn next(&mut self) -> StoreResult<Option<String>>;
}

/// The org record and first-start bootstrap.
#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn org(&self) -> StoreResult<Option<OrgRecord>>;

    /// Creates the org, the Everyone group, the super-admin user and its first API token, in
    /// one transaction. Returns false (and writes nothing) when the org already exists, so two
    /// nodes starting at once bootstrap exactly once.
    async fn bootstrap(&self, bootstrap: &Bootstrap) -> StoreResult<bool>;
}

/// The System Log (read side; writes ride along with each change).
#[async_trait]
pub trait EventStore: Send + Sync {
    /// One page of events for `query`; at most `limit + 1` rows so the caller knows whether
    /// more exist. Polling order is commit order: an event committed later never sorts
    /// before one already returned.
    async fn list_events(&self, query: &EventQuery) -> StoreResult<Vec<StoredEvent>>;

    /// Deletes events published before `before` (epoch ms) that event hooks have already
    /// dispatched; returns how many went.
    async fn purge_events(&self, before: i64) -> StoreResult<u64>;
}

/// Shared rate-limit counters, so every node answers from the same counts: requests per
/// counter key per one-second slot.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Adds `deltas`, drops slots that start before `since` (epoch ms), and returns every
    /// key's total over the slots from `since` on, with its oldest such slot.
    async fn add_rate_counts(
        &self,
        since: i64,
        deltas: &[RateDelta],
    ) -> StoreResult<Vec<RateTotal>>;
}

/// Policies and their rules (policy.md; the Policy tag). Priorities are kept dense (1..=n)
/// per type (per policy for rules) with the default last: an insert or update places the row
/// at its wanted `priority` (0 or past the end: last before the default) and shifts the
/// others, in the same transaction (`model::policy::priority::place`); a delete closes ranks.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    async fn policy_by_id(&self, id: &str) -> StoreResult<Option<PolicyRecord>>;

    /// The policies of a type, optionally of one status, by priority.
    async fn list_policies(
        &self,
        policy_type: &str,
        status: Option<&str>,
    ) -> StoreResult<Vec<PolicyRecord>>;

    /// Inserts a policy with its rules and event; returns it as stored (final priority).
    async fn insert_policy(
        &self,
        policy: &PolicyRecord,
        rules: &[PolicyRuleRecord],
        event: &EventRecord,
    ) -> StoreResult<PolicyRecord>;

    /// Creates the default policy (and its rules) of the policy's type unless one exists;
    /// false (nothing written) when it did. Safe when several nodes start at once.
    async fn ensure_default_policy(
        &self,
        policy: &PolicyRecord,
        rules: &[PolicyRuleRecord],
        events: &[EventRecord],
    ) -> StoreResult<bool>;

    /// Replaces name, description, status, conditions, settings and `last_updated`, and
    /// moves it to its priority; a missing policy gives `StoreError::NotFound`.
    async fn update_policy(
        &self,
        policy: &PolicyRecord,
        event: &EventRecord,
    ) -> StoreResult<PolicyRecord>;

    /// Deletes the policy and its rules; false when it did not exist.
    async fn delete_policy(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// The rules of a policy, by priority.
    async fn list_policy_rules(&self, policy_id: &str) -> StoreResult<Vec<PolicyRuleRecord>>;

    /// The rules of every policy of a type (for evaluation), in one query.
    async fn rules_of_type(&self, policy_type: &str) -> StoreResult<Vec<PolicyRuleRecord>>;

    async fn policy_rule(
        &self,
        policy_id: &str,
        rule_id: &str,
    ) -> StoreResult<Option<PolicyRuleRecord>>;

    /// Inserts a rule with its event; a missing policy gives `StoreError::NotFound`.
    async fn insert_policy_rule(
        &self,
        rule: &PolicyRuleRecord,
        event: &EventRecord,
    ) -> StoreResult<PolicyRuleRecord>;

    /// Replaces name, status, conditions, actions and `last_updated`, and moves it to its
    /// priority; a missing rule gives `StoreError::NotFound`.
    async fn update_policy_rule(
        &self,
        rule: &PolicyRuleRecord,
        event: &EventRecord,
    ) -> StoreResult<PolicyRuleRecord>;

    /// Deletes a rule; false when it did not exist.
    async fn delete_policy_rule(
        &self,
        policy_id: &str,
        rule_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;
}

/// Network zones (zones.md; the NetworkZone tag).
#[async_trait]
pub trait ZoneStore: Send + Sync {
    async fn zone_by_id(&self, id: &str) -> StoreResult<Option<NetworkZoneRecord>>;

    /// Every zone, by (created, id).
    async fn list_zones(&self) -> StoreResult<Vec<NetworkZoneRecord>>;

    async fn insert_zone(&self, zone: &NetworkZoneRecord, event: &EventRecord) -> StoreResult<()>;

    /// Creates a default zone unless one of its name exists; false (nothing written) when it
    /// did. Safe when several nodes start at once.
    async fn ensure_default_zone(
        &self,
        zone: &NetworkZoneRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Replaces name, status, usage, gateways, proxies and `last_updated`; a missing zone
    /// gives `StoreError::NotFound`.
    async fn update_zone(&self, zone: &NetworkZoneRecord, event: &EventRecord) -> StoreResult<()>;

    /// Deletes a zone; false when it did not exist.
    async fn delete_zone(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;
}

/// Password attempts per user, shared by every node (the password policy's lockout). These
/// counters carry no System Log event: the sign-in writes its own.
///
/// A password is verified only under a reservation (`reserve_login_attempt`), granted while
/// the failures plus the attempts in flight stay under `max_attempts` and the user is not
/// locked; `finish_login_attempt` then records the outcome. So however many sign-ins run at
/// once, on however many nodes, at most `max_attempts` passwords are verified between unlocks.
#[async_trait]
pub trait LockoutStore: Send + Sync {
    /// Reserves one password verification at `now`. A reservation taken before
    /// `stale_before` no longer holds a slot (its node died mid-attempt). `max_attempts <= 0`
    /// means no limit. Refused: the counter as it stands (locked, or all slots in flight).
    async fn reserve_login_attempt(
        &self,
        user_id: &str,
        now: i64,
        max_attempts: i64,
        stale_before: i64,
    ) -> StoreResult<AttemptReservation>;

    /// Ends a reservation, with `events` in the same transaction. A failure counts one more
    /// (locking at `max_attempts`, if above 0, with `locked_at = now`); a success starts the
    /// count over unless the user was locked while it ran. Returns the counter after.
    async fn finish_login_attempt(
        &self,
        user_id: &str,
        now: i64,
        max_attempts: i64,
        matched: bool,
        events: &[EventRecord],
    ) -> StoreResult<LoginFailuresRecord>;

    async fn login_failures(&self, user_id: &str) -> StoreResult<Option<LoginFailuresRecord>>;

    /// Clears the counter and its reservations (an unlock, an auto-unlock).
    async fn clear_login_failures(&self, user_id: &str) -> StoreResult<()>;
}

/// Event hooks and their durable delivery outbox.
#[async_trait]
pub trait HookStore: Send + Sync {
    async fn insert_hook(&self, hook: &EventHookRecord, event: &EventRecord) -> StoreResult<()>;

    async fn hook_by_id(&self, id: &str) -> StoreResult<Option<EventHookRecord>>;

    /// Every hook, oldest first.
    async fn list_hooks(&self) -> StoreResult<Vec<EventHookRecord>>;

    /// Replaces the hook; false when it did not exist.
    async fn update_hook(&self, hook: &EventHookRecord, event: &EventRecord) -> StoreResult<bool>;

    /// Deletes the hook and its pending deliveries; false when it did not exist.
    async fn delete_hook(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// The position of the newest committed event (0 for an empty log).
    async fn max_event_seq(&self) -> StoreResult<i64>;

    /// Moves the dispatcher over at most `limit` events in commit order, creating one
    /// delivery per subscribed ACTIVE, VERIFIED hook. Safe to call from every node at once:
    /// each event is dispatched exactly once. Returns how many events it consumed.
    async fn dispatch_events(&self, now: i64, limit: u32) -> StoreResult<usize>;

    /// Claims, for up to `limit` hooks, the oldest pending delivery that is due and not
    /// claimed by a live lease; the claim lasts until `now + lease_ms`.
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<HookDelivery>>;

    /// Records how an attempt ended.
    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &DeliveryOutcome,
        now: i64,
    ) -> StoreResult<()>;

    /// A hook's deliveries in order (for inspection and tests).
    async fn hook_deliveries(&self, hook_id: &str) -> StoreResult<Vec<HookDelivery>>;
}

/// Trusted origins (the TrustedOrigin tag). Origin keys and lower-cased names are unique (a
/// taken one gives `StoreError::Duplicate { field: "origin" }` or `{ field: "name" }`); the
/// CORS and redirect checks are one indexed look-up by origin key.
#[async_trait]
pub trait TrustedOriginStore: Send + Sync {
    async fn insert_trusted_origin(
        &self,
        origin: &TrustedOriginRecord,
        event: &EventRecord,
    ) -> StoreResult<()>;

    async fn trusted_origin_by_id(&self, id: &str) -> StoreResult<Option<TrustedOriginRecord>>;

    /// Replaces the name, origin, scopes and `last_updated`/`last_updated_by` (never the
    /// status) and returns the stored row; None (and no event) when it does not exist.
    async fn update_trusted_origin(
        &self,
        origin: &TrustedOriginRecord,
        event: &EventRecord,
    ) -> StoreResult<Option<TrustedOriginRecord>>;

    /// Sets the status and `last_updated`/`last_updated_by`, returning the stored row; None
    /// (and no event) when it does not exist.
    async fn set_trusted_origin_status(
        &self,
        id: &str,
        status: &str,
        now: i64,
        by: &str,
        event: &EventRecord,
    ) -> StoreResult<Option<TrustedOriginRecord>>;

    /// Deletes it; false (and no event) when it did not exist.
    async fn delete_trusted_origin(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// One page in (created, id) order; at most `limit + 1` rows so the caller knows whether
    /// another page exists.
    async fn list_trusted_origins(
        &self,
        query: &TrustedOriginQuery,
    ) -> StoreResult<Vec<TrustedOriginRecord>>;

    /// Whether an ACTIVE trusted origin with this origin key has a scope of this type.
    async fn origin_is_trusted(
        &self,
        origin_key: &str,
        scope: model::trusted_origins::ScopeType,
    ) -> StoreResult<bool>;
}

/// Inline hooks (inline-hooks.md; the InlineHook tag).
#[async_trait]
pub trait InlineHookStore: Send + Sync {
    async fn insert_inline_hook(
        &self,
        hook: &InlineHookRecord,
        event: &EventRecord,
    ) -> StoreResult<()>;

    async fn inline_hook_by_id(&self, id: &str) -> StoreResult<Option<InlineHookRecord>>;

    /// Every inline hook (of one type, if given), oldest first.
    async fn list_inline_hooks(
        &self,
        hook_type: Option<&str>,
    ) -> StoreResult<Vec<InlineHookRecord>>;

    /// Replaces name, version, status, channel and auth value; false when it did not exist.
    async fn update_inline_hook(
        &self,
        hook: &InlineHookRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Deletes it; false when it did not exist.
    async fn delete_inline_hook(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;
}

/// Apps, their key credentials, logos, and their assignments to users and groups (apps.md,
/// "Application operations", "Application user operations", "Application group operations",
/// "Application key store operations").
///
/// A user is assigned to an app directly (an `app_users` row with `direct`) or through any
/// assigned group the user is a member of; the second kind is read from `group_members` at
/// the time of the read, never copied, so it follows every membership change at once.
/// Deleting an app, user or group removes its assignments with it.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// Inserts an app with its generated keys and events. A taken `client_id` gives
    /// `StoreError::Duplicate { field: "client_id" }`.
    async fn insert_app(
        &self,
        app: &AppRecord,
        keys: &[AppKeyRecord],
        events: &[EventRecord],
    ) -> StoreResult<()>;

    async fn app_by_id(&self, id: &str) -> StoreResult<Option<AppRecord>>;

    /// Writes every mutable column of the app (all but id, name, created, sign-on mode and
    /// client id); a missing app gives `StoreError::NotFound`.
    async fn update_app(&self, app: &AppRecord, events: &[EventRecord]) -> StoreResult<()>;

    /// Deletes the app with its keys, logo and assignments; false when it did not exist.
    async fn delete_app(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// One page of apps, by creation time then id; at most `limit + 1` rows.
    async fn list_apps(&self, query: &AppQuery) -> StoreResult<Vec<AppRecord>>;

    /// Adds a key credential to an app. The app already holding the kid gives
    /// `StoreError::Duplicate { field: "kid" }`; a missing app `StoreError::NotFound`.
    async fn insert_app_key(&self, key: &AppKeyRecord, event: &EventRecord) -> StoreResult<()>;

    /// An app's keys, oldest first.
    async fn app_keys(&self, app_id: &str) -> StoreResult<Vec<AppKeyRecord>>;

    async fn app_key(&self, app_id: &str, kid: &str) -> StoreResult<Option<AppKeyRecord>>;

    /// Writes a user's row for an app (insert or replace); a missing app or user gives
    /// `StoreError::NotFound`.
    async fn put_app_user(&self, row: &AppUserRow, event: &EventRecord) -> StoreResult<()>;

    /// Removes a user's row for an app; false when there was none.
    async fn delete_app_user(
        &self,
        app_id: &str,
        user_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// The user's effective assignment to the app; None when the user is neither assigned
    /// directly nor through a group (or does not exist).
    async fn app_user(&self, app_id: &str, user_id: &str) -> StoreResult<Option<AppUserRecord>>;

    /// One page of an app's effectively assigned users; at most `limit + 1`.
    async fn list_app_users(&self, query: &AppUserQuery) -> StoreResult<Vec<AppUserRecord>>;

    /// The user's effective assignments to `app_ids` (those it has), in one round of queries.
    async fn user_app_assignments(
        &self,
        user_id: &str,
        app_ids: &[String],
    ) -> StoreResult<Vec<AppUserRecord>>;

    /// Assigns a group to an app, or updates its assignment. `priority` None keeps the
    /// stored priority, or takes the next one (highest + 1, from 0) for a new assignment;
    /// `profile` None keeps the stored profile (empty for a new one). Returns the stored row.
    /// A missing app or group gives `StoreError::NotFound`.
    async fn assign_app_group(
        &self,
        app_id: &str,
        group_id: &str,
        priority: Option<i64>,
        profile: Option<&serde_json::Map<String, serde_json::Value>>,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<AppGroupRecord>;

    async fn app_group(&self, app_id: &str, group_id: &str) -> StoreResult<Option<AppGroupRecord>>;

    /// One page of an app's group assignments by group id after `after`, optionally only
    /// groups whose name starts with `q` (ignoring case); at most `limit + 1`.
    async fn list_app_groups(
        &self,
        app_id: &str,
        q: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppGroupRecord>>;

    /// Removes a group's assignment; false when there was none.
    async fn delete_app_group(
        &self,
        app_id: &str,
        group_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Stores a logo and makes it the app's (the previous one is removed); a missing app
    /// gives `StoreError::NotFound`.
    async fn put_app_logo(&self, logo: &AppLogoRecord, event: &EventRecord) -> StoreResult<()>;

    async fn app_logo(&self, id: &str) -> StoreResult<Option<AppLogoRecord>>;
}

/// Group rules (groups.md, "Group rule operations"; the GroupRule tag) and the memberships
/// they make. Names are unique ignoring case (`StoreError::Duplicate { field: "name" }`). A
/// membership a rule makes is recorded against the rule, and goes when the membership goes;
/// deleting a group marks every rule that names it INVALID in the same transaction.
#[async_trait]
pub trait GroupRuleStore: Send + Sync {
    async fn insert_group_rule(
        &self,
        rule: &GroupRuleRecord,
        event: &EventRecord,
    ) -> StoreResult<()>;

    async fn group_rule_by_id(&self, id: &str) -> StoreResult<Option<GroupRuleRecord>>;

    /// Replaces every mutable column (name, status, conditions, groups, validity,
    /// `last_updated`); false (and no event) when the rule does not exist.
    async fn update_group_rule(
        &self,
        rule: &GroupRuleRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Moves the rule from `from` to `to` and, when that happened, writes `assignments` (only
    /// for rules that are ACTIVE once the status is set) and the event last. False (nothing
    /// written) when the rule is missing or not in status `from`.
    async fn set_group_rule_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        now: i64,
        event: &EventRecord,
        assignments: &[RuleAssignment],
    ) -> StoreResult<bool>;

    /// Deletes the rule. With `removals` (rule-made memberships and their remove events), the
    /// memberships this rule made are removed too, an event for each one that was still
    /// there. False (nothing written) when the rule did not exist.
    async fn delete_group_rule(
        &self,
        id: &str,
        removals: Option<&[RuleAssignment]>,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// One page of rules by (created, id); at most `limit + 1` rows.
    async fn list_group_rules(&self, query: &GroupRuleQuery) -> StoreResult<Vec<GroupRuleRecord>>;

    /// Every ACTIVE rule, by (created, id).
    async fn active_group_rules(&self) -> StoreResult<Vec<GroupRuleRecord>>;

    /// Adds the memberships of `assignments` whose rule is still ACTIVE, in batches, in one
    /// transaction; each new membership is recorded against its rule and gets its event.
    /// Returns how many memberships were new.
    async fn apply_group_rule_assignments(
        &self,
        assignments: &[RuleAssignment],
        now: i64,
    ) -> StoreResult<usize>;

    /// The (group id, user id) memberships the rule made that still exist.
    async fn group_rule_memberships(&self, rule_id: &str) -> StoreResult<Vec<(String, String)>>;

    /// The groups among `ids` that exist, in one query.
    async fn groups_by_ids(&self, ids: &[String]) -> StoreResult<Vec<GroupRecord>>;

    /// One page of users by id after `after`, at most `limit` rows (rule activation's scan).
    async fn users_after(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRecord>>;

    /// Every membership of `user_ids`, with group names, in one query.
    async fn memberships_of(&self, user_ids: &[String]) -> StoreResult<Vec<MembershipRow>>;

    /// The memberships rules made for one user, as (rule id, group id).
    async fn rule_memberships_of_user(&self, user_id: &str) -> StoreResult<Vec<(String, String)>>;

    /// Removes each membership of `removals` that its rule made (a membership no rule made
    /// stays), with its event, in one transaction; returns how many went.
    async fn remove_rule_memberships(
        &self,
        removals: &[RuleAssignment],
        now: i64,
    ) -> StoreResult<usize>;

    /// Evaluates one user's rule memberships in one transaction, under the user's row lock:
    /// reads the user, its memberships (with group names) and the (rule id, group id) pairs
    /// rules made for it, lets `evaluate` say what to add and what to remove, writes that
    /// with its events (adds only for rules still ACTIVE; removals only of rule-made
    /// memberships), and takes the user off the evaluation queue unless a change queued it
    /// again meanwhile. False when the user does not exist (its queue entry goes).
    async fn evaluate_rules_for_user(
        &self,
        user_id: &str,
        now: i64,
        evaluate: &mut (dyn for<'a> FnMut(
            &'a UserRecord,
            &'a [MembershipRow],
            &'a [(String, String)],
        ) -> RuleChanges
                  + Send),
    ) -> StoreResult<bool>;

    /// Users queued for rule evaluation before `before`, oldest first (what a crash or a
    /// race left for the background evaluation).
    async fn queued_rule_users(&self, before: i64, limit: u32) -> StoreResult<Vec<String>>;
}

/// Enrolled MFA factors.
#[async_trait]
pub trait FactorStore: Send + Sync {
    /// Inserts a factor; a second factor of the same type and provider for the user is
    /// refused with `Duplicate { field: "factorType" }` (WebAuthn excepted: a user may
    /// register several authenticators).
    async fn insert_factor(&self, factor: &FactorRecord, event: &EventRecord) -> StoreResult<()>;

    async fn factor_by_id(&self, user_id: &str, id: &str) -> StoreResult<Option<FactorRecord>>;

    /// The user's factors, oldest first.
    async fn list_factors(&self, user_id: &str) -> StoreResult<Vec<FactorRecord>>;

    /// Replaces the mutable columns of a factor read at `factor.version`, bumping the
    /// version, and writes `events` in the same transaction. `Ok(false)` when the factor
    /// changed (or went) since it was read: nothing is written.
    async fn update_factor(
        &self,
        factor: &FactorRecord,
        events: &[EventRecord],
    ) -> StoreResult<bool>;

    async fn delete_factor(
        &self,
        user_id: &str,
        id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Deletes every factor of the user; the event is written whether or not there were any.
    async fn delete_user_factors(&self, user_id: &str, event: &EventRecord) -> StoreResult<u64>;
}

/// Messages to users waiting for delivery (recovery emails, SMS and voice codes): written in
/// the transaction of the change that needs them, delivered afterwards by any node.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Writes messages on their own (a resend).
    async fn enqueue_messages(&self, messages: &[OutboxMessage]) -> StoreResult<()>;

    /// Claims up to `limit` due messages no live lease holds, until `now + lease_ms`; each due
    /// message goes to exactly one of concurrent claimers.
    async fn claim_messages(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxMessage>>;

    /// Ends an attempt: a delivered (or abandoned) message is deleted, another is tried
    /// again at `next_attempt_at`.
    async fn finish_message(&self, id: &str, outcome: &MessageOutcome) -> StoreResult<()>;

    /// How many messages wait (for tests and metrics).
    async fn pending_messages(&self) -> StoreResult<i64>;

    /// Deletes kept email kept before `before`; how many went.
    async fn purge_kept_mail(&self, before: i64) -> StoreResult<u64>;

    /// The org's mailbox, newest first: up to `limit` kept emails, for `recipient` when given.
    async fn kept_mail(
        &self,
        recipient: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<KeptMailRecord>>;
}

/// Authn API transactions.
#[async_trait]
pub trait AuthnStore: Send + Sync {
    /// Inserts a transaction with its events.
    async fn insert_authn(
        &self,
        txn: &AuthnTransactionRecord,
        events: &[EventRecord],
    ) -> StoreResult<()> {
        self.insert_authn_with_messages(txn, events, &[]).await
    }

    /// Inserts a transaction with its events and the messages it sends, in one transaction.
    async fn insert_authn_with_messages(
        &self,
        txn: &AuthnTransactionRecord,
        events: &[EventRecord],
        messages: &[OutboxMessage],
    ) -> StoreResult<()>;

    async fn authn_by_state_token(&self, hash: &str)
        -> StoreResult<Option<AuthnTransactionRecord>>;

    async fn authn_by_recovery_token(
        &self,
        hash: &str,
    ) -> StoreResult<Option<AuthnTransactionRecord>>;

    /// Replaces a transaction read at `txn.version`, bumping the version, with its events.
    /// `Ok(false)` when it changed or went since it was read: nothing is written.
    async fn update_authn(
        &self,
        txn: &AuthnTransactionRecord,
        events: &[EventRecord],
    ) -> StoreResult<bool> {
        self.update_authn_with_messages(txn, events, &[]).await
    }

    /// `update_authn` that also writes the messages the step sends, in the same transaction.
    async fn update_authn_with_messages(
        &self,
        txn: &AuthnTransactionRecord,
        events: &[EventRecord],
        messages: &[OutboxMessage],
    ) -> StoreResult<bool>;

    /// Deletes a transaction read at `version` (cancel, success) with its events;
    /// `Ok(false)` when it changed or went since it was read.
    async fn delete_authn(
        &self,
        id: &str,
        version: i64,
        events: &[EventRecord],
    ) -> StoreResult<bool>;

    /// Deletes transactions whose state and recovery tokens both expired before `before`.
    async fn purge_authn(&self, before: i64) -> StoreResult<u64>;

    /// Writes events that change nothing else (a failed sign-in), in one transaction.
    async fn record_events(&self, events: &[EventRecord]) -> StoreResult<()>;

    /// The user whose pending activation token has this SHA-256 (an indexed lookup).
    async fn user_by_activation_token(&self, hash: &str) -> StoreResult<Option<UserRecord>>;

    /// The user whose pending password reset token (Users API `reset_password` and
    /// `forgot_password`) has this SHA-256 (an indexed lookup).
    async fn user_by_reset_token(&self, hash: &str) -> StoreResult<Option<UserRecord>>;
}

/// One-time session tokens and the sessions they start (sessions.md; the Session and
/// UserSessions tags). Tokens and `sid` cookies are known only by their SHA-256. A session is
/// live while `now < idle_expires_at` (which never passes a non-zero `max_expires_at`); reads,
/// refreshes and deletes by id or cookie see live sessions only, so an expired one is not
/// found. Every write that changes a session commits with its event, or not at all.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a minted token, sweeping tokens expired by its `created`. No event: the sign-in
    /// that mints it logs its own.
    async fn insert_session_token(&self, token: &SessionTokenRecord) -> StoreResult<()>;

    /// Redeems a token: deletes it and returns it when it exists and has not expired at
    /// `now`. Of concurrent takes of one token exactly one gets it.
    async fn take_session_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<SessionTokenRecord>>;

    /// Inserts a session with its event (`user.session.start`), sweeping the user's sessions
    /// expired by its `created`. A taken cookie hash gives `Duplicate { field: "sid" }`.
    async fn insert_session(&self, session: &SessionRecord, event: &EventRecord)
        -> StoreResult<()>;

    /// A live session by id.
    async fn session_by_id(&self, id: &str, now: i64) -> StoreResult<Option<SessionRecord>>;

    /// A live session by the SHA-256 of its `sid` cookie.
    async fn session_by_cookie(
        &self,
        cookie_hash: &str,
        now: i64,
    ) -> StoreResult<Option<SessionRecord>>;

    /// Moves a live session's idle expiry to `now + idle_ms`, never past its maximum, bumps
    /// its version and writes the event; returns the session as stored. None (and no event)
    /// when it is missing or expired.
    async fn refresh_session(
        &self,
        id: &str,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<Option<SessionRecord>>;

    /// Deletes a live session with its event; false (and no event) when it is missing or
    /// expired.
    async fn delete_session(&self, id: &str, now: i64, event: &EventRecord) -> StoreResult<bool>;

    /// Deletes every session of the user (and its unredeemed tokens); the event is written
    /// whether or not there were any. Returns how many sessions went, live or expired.
    async fn delete_user_sessions(&self, user_id: &str, event: &EventRecord) -> StoreResult<u64>;

    /// Deletes sessions and session tokens expired at `now` (the hourly sweep); returns
    /// how many rows went.
    async fn purge_sessions(&self, now: i64) -> StoreResult<u64>;
}

/// Everything the server needs from storage.
#[async_trait]
pub trait Store:
    UserStore
    + UserChangeStore
    + GroupStore
    + AppStore
    + TokenStore
    + OrgStore
    + EventStore
    + RateLimitStore
    + PolicyStore
    + ZoneStore
    + LockoutStore
    + HookStore
    + InlineHookStore
    + TrustedOriginStore
    + GroupRuleStore
    + FactorStore
    + SessionStore
    + AuthnStore
    + OutboxStore
    + AuthenticatorStore
    + UserTypeStore
    + LinkedObjectStore
    + AppCsrStore
    + ProfileSchemaStore
    + ProfileIndexStore
    + OAuthStore
    + RoleStore
    + IamStore
{
    /// Cheap round trip for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Which backend this is ("sqlite" or "postgres"), for logs and metrics.
    fn backend(&self) -> &'static str;

    /// Copies every table aside as a test org's reset point, replacing an earlier copy.
    async fn snapshot(&self) -> StoreResult<()>;

    /// Puts every table back as the last [`Store::snapshot`] left it, in one transaction;
    /// false when there is no snapshot.
    async fn restore(&self) -> StoreResult<bool>;

    /// Deletes every System Log event (a test org's clean slate); answers how many went.
    async fn clear_system_log(&self) -> StoreResult<u64>;
}

/// The OpenID Connect & OAuth 2.0 API: authorization servers, their signing keys, codes and
/// issued tokens (see `oauth_sql`).
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// The app whose OAuth client id is `client_id`.
    async fn app_by_client_id(&self, client_id: &str) -> StoreResult<Option<AppRecord>>;

    /// Adds `server` unless a server with its id exists (the `default` server at first start).
    async fn ensure_auth_server(&self, server: &AuthServerRecord) -> StoreResult<()>;

    async fn auth_server(&self, id: &str) -> StoreResult<Option<AuthServerRecord>>;

    /// Every key of a server, newest first.
    async fn auth_server_keys(&self, server_id: &str) -> StoreResult<Vec<AuthServerKeyRecord>>;

    /// Every custom server, by (created, id).
    async fn list_auth_servers(&self) -> StoreResult<Vec<AuthServerRecord>>;

    /// Inserts a server with its event; a taken name (ignoring case) is
    /// `StoreError::Duplicate`.
    async fn insert_auth_server(
        &self,
        server: &AuthServerRecord,
        event: &EventRecord,
    ) -> StoreResult<()>;

    /// Writes `server` over the version it was read at (`server.version`), bumping it, with
    /// its event; false when it changed meanwhile or is gone. A taken name is `Duplicate`.
    async fn update_auth_server(
        &self,
        server: &AuthServerRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Deletes a server and its keys with the event; false when it did not exist.
    async fn delete_auth_server(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;

    /// Adds a server's first keys (`active` and `next`) unless it has an ACTIVE key; false
    /// when it had one (nothing written).
    async fn add_first_auth_server_keys(
        &self,
        active: &AuthServerKeyRecord,
        next: &AuthServerKeyRecord,
    ) -> StoreResult<bool>;

    /// Rotates a server's keys in one transaction, if its ACTIVE key is still `active_kid`:
    /// ACTIVE becomes EXPIRED (older EXPIRED keys go), NEXT becomes ACTIVE, and `next` is
    /// added as the new NEXT. False (nothing written) when another rotation came first.
    async fn rotate_auth_server_keys(
        &self,
        server_id: &str,
        active_kid: &str,
        next: &AuthServerKeyRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Stores a new authorization code with its event.
    async fn insert_oauth_code(
        &self,
        code: &OAuthCodeRecord,
        event: &EventRecord,
    ) -> StoreResult<()>;

    /// Spends the code `code_hash` live at `now`: the first call gets it, later ones learn
    /// it was spent. Expired codes are purged on the way.
    async fn redeem_oauth_code(&self, code_hash: &str, now: i64) -> StoreResult<CodeRedemption>;

    /// Stores issued tokens with their events, in one transaction.
    async fn insert_oauth_tokens(
        &self,
        tokens: &[OAuthTokenRecord],
        events: &[EventRecord],
    ) -> StoreResult<()>;

    async fn oauth_token(&self, id: &str) -> StoreResult<Option<OAuthTokenRecord>>;

    async fn refresh_token_by_hash(&self, hash: &str) -> StoreResult<Option<OAuthTokenRecord>>;

    /// Marks a use of refresh token `id` at `now`: with `rotate`, stamps `rotated_at` unless
    /// stamped; without, moves its idle expiry to `idle_expires_at`. None when the token is
    /// gone or revoked.
    async fn use_refresh_token(
        &self,
        id: &str,
        now: i64,
        rotate: bool,
        idle_expires_at: i64,
    ) -> StoreResult<Option<RefreshUse>>;

    /// Revokes every token of a grant at `now`, with `event`; how many were live.
    async fn revoke_oauth_grant(
        &self,
        grant_id: &str,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<u64>;

    /// Revokes one token at `now` (a row is added for a user-less access token never
    /// stored), with `event`. False when it was already revoked.
    async fn revoke_oauth_token(
        &self,
        token: &OAuthTokenRecord,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Revokes every token of a user (deactivation, `oauthTokens=true`); how many.
    async fn revoke_user_oauth_tokens(&self, user_id: &str, now: i64) -> StoreResult<u64>;

    /// Live refresh tokens (not revoked, not lapsed at `now`) matching `filter`, by (created,
    /// id), after `filter.after`, at most `filter.limit + 1`.
    async fn refresh_tokens(
        &self,
        filter: &RefreshTokenFilter,
        now: i64,
    ) -> StoreResult<Vec<OAuthTokenRecord>>;

    /// The client ids that hold live refresh tokens matching `filter` (its paging ignored).
    async fn refresh_token_clients(
        &self,
        filter: &RefreshTokenFilter,
        now: i64,
    ) -> StoreResult<Vec<String>>;

    /// Revokes every token of the grants of the refresh tokens matching `filter` (paging
    /// ignored; `filter.id` narrows to one), with `event`; how many tokens were live.
    async fn revoke_refresh_tokens(
        &self,
        filter: &RefreshTokenFilter,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<u64>;

    /// The scopes granted to an app, oldest first.
    async fn app_grants(&self, app_id: &str) -> StoreResult<Vec<AppGrantRecord>>;

    /// Grants a scope with its event; a scope granted already is `Duplicate` ("scopeId").
    async fn insert_app_grant(
        &self,
        grant: &AppGrantRecord,
        event: &EventRecord,
    ) -> StoreResult<()>;

    /// Revokes a grant with its event; false when the app has no such grant.
    async fn delete_app_grant(
        &self,
        app_id: &str,
        id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Starts a device authorization with its event; a user code in use is `Duplicate`.
    async fn insert_device_code(
        &self,
        device: &DeviceCodeRecord,
        event: &EventRecord,
    ) -> StoreResult<()>;

    /// The pending, unexpired device authorization with `user_code`.
    async fn pending_device_code(
        &self,
        user_code: &str,
        now: i64,
    ) -> StoreResult<Option<DeviceCodeRecord>>;

    /// Approves (`user_id` and `body` recorded) or denies a pending, unexpired device
    /// authorization, with its event; false when it is no longer pending.
    async fn decide_device_code(
        &self,
        user_code: &str,
        approve: bool,
        user_id: &str,
        body: &serde_json::Map<String, serde_json::Value>,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// A poll by the device: the authorization as it stood before this poll (None when the
    /// code is unknown); its `last_poll` becomes `now`, and an APPROVED one becomes REDEEMED
    /// (so exactly one poll gets it APPROVED).
    async fn poll_device_code(
        &self,
        device_hash: &str,
        now: i64,
    ) -> StoreResult<Option<DeviceCodeRecord>>;

    /// A user's consent grants, oldest first; only those for `client_id` when given.
    async fn user_grants(
        &self,
        user_id: &str,
        client_id: Option<&str>,
    ) -> StoreResult<Vec<UserGrantRecord>>;

    /// Records consent grants with their event; a scope granted already stays as it was.
    async fn insert_user_grants(
        &self,
        grants: &[UserGrantRecord],
        event: &EventRecord,
    ) -> StoreResult<()>;

    /// Revokes a user's consent grants (those for `client_id`, or the one `id`, when given),
    /// with `event` when any went; how many went.
    async fn delete_user_grants(
        &self,
        user_id: &str,
        client_id: Option<&str>,
        id: Option<&str>,
        event: &EventRecord,
    ) -> StoreResult<u64>;

    /// Records a client assertion's `jti_key` until `expires_at`; false when it was seen.
    async fn claim_assertion_jti(
        &self,
        jti_key: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<bool>;
}

/// Which refresh tokens a management operation reads or revokes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefreshTokenFilter {
    pub server_id: Option<String>,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    /// One token.
    pub id: Option<String>,
    pub after: Option<PageKey>,
    pub limit: u32,
}

/// A refresh token's state after a use was marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshUse {
    /// When it was first exchanged for a successor (rotation), if it was.
    pub rotated_at: Option<i64>,
    /// Whether this call stamped `rotated_at` (the first exchange).
    pub first_rotation: bool,
}

/// The org's authenticators (Authenticators API): one per key, never deleted.
#[async_trait]
pub trait AuthenticatorStore: Send + Sync {
    /// Adds the authenticators whose key is not stored yet; existing ones are left as they are.
    async fn ensure_authenticators(
        &self,
        authenticators: &[AuthenticatorRecord],
    ) -> StoreResult<()>;

    /// Every authenticator, by (created, id).
    async fn list_authenticators(&self) -> StoreResult<Vec<AuthenticatorRecord>>;

    async fn authenticator_by_id(&self, id: &str) -> StoreResult<Option<AuthenticatorRecord>>;

    /// Writes the name, status, settings, inactive methods and `last_updated` with `event`;
    /// false (nothing written) when the authenticator does not exist.
    async fn update_authenticator(
        &self,
        authenticator: &AuthenticatorRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;
}

/// What a delete of a user type did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserTypeDelete {
    Deleted,
    NotFound,
    /// The default type is never deleted.
    Default,
    /// Users still have the type.
    InUse,
}

/// What a schema save changes besides its document (see `profile_schema_sql`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaChange {
    /// Custom properties removed: their values are taken out of every profile.
    pub removed: Vec<String>,
    /// Every unique property after the save.
    pub unique: Vec<String>,
    /// Properties that became unique: the values held now must already be unique.
    pub added_unique: Vec<String>,
    /// Properties that stopped being unique (and were not removed).
    pub dropped_unique: Vec<String>,
}

/// Profile schemas (Schemas API) and the values their unique properties take.
#[async_trait]
pub trait ProfileSchemaStore: Send + Sync {
    /// The schema `user:<type id>`, `group` or `app:<app id>`; `None` when never changed.
    async fn profile_schema(&self, id: &str) -> StoreResult<Option<ProfileSchemaRecord>>;

    /// Writes `schema` over the version it was read at (`schema.version`; 0 for a schema
    /// without a row) with `change`, in one transaction; false when it changed meanwhile. A
    /// property made unique whose values repeat is `StoreError::Duplicate` ("unique").
    async fn save_profile_schema(
        &self,
        schema: &ProfileSchemaRecord,
        change: &SchemaChange,
    ) -> StoreResult<bool>;

    /// Who holds `value` of unique property `name` in `scope` ("user" or "group"), compared
    /// as stored (strings in lower case).
    async fn unique_value_owner(
        &self,
        scope: &str,
        name: &str,
        value: &str,
    ) -> StoreResult<Option<String>>;
}

/// Search indexes on users' single-string profile attributes, named by attribute. An index
/// keys the attribute's lower-cased value, then the id, so a case-insensitive `search`
/// `eq` on it (compiled with the attribute in `UserQuery::text_attributes`) reads one index
/// range in page order.
#[async_trait]
pub trait ProfileIndexStore: Send + Sync {
    /// The attributes whose index is built and usable.
    async fn profile_indexes(&self) -> StoreResult<Vec<String>>;

    /// Builds the index of `attribute` unless it exists (`StoreError::Corrupt` for a name
    /// that is not letters, digits and `_`). PostgreSQL builds it without blocking writes;
    /// SQLite holds its single writer while it builds.
    async fn create_profile_index(&self, attribute: &str) -> StoreResult<()>;

    /// Drops the index of `attribute` if it exists.
    async fn drop_profile_index(&self, attribute: &str) -> StoreResult<()>;

    /// True when no user holds `attribute` as anything but a string (a value kept from
    /// before the property was declared may be another type). Reads every profile.
    async fn holds_only_text(&self, attribute: &str) -> StoreResult<bool>;
}

/// User types (User Types API): the default type and up to nine more.
#[async_trait]
pub trait UserTypeStore: Send + Sync {
    /// Adds the default type unless it exists.
    async fn ensure_default_user_type(&self, user_type: &UserTypeRecord) -> StoreResult<()>;

    /// Inserts a type with its event; false (nothing written) when the org already has
    /// `user_type_sql::MAX_USER_TYPES`. A taken name (ignoring case) is `StoreError::Duplicate`.
    async fn insert_user_type(
        &self,
        user_type: &UserTypeRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Every type, by (created, id).
    async fn list_user_types(&self) -> StoreResult<Vec<UserTypeRecord>>;

    async fn user_type_by_id(&self, id: &str) -> StoreResult<Option<UserTypeRecord>>;

    /// Writes the display name, description and last-updated fields with the event; false
    /// when the type does not exist.
    async fn update_user_type(
        &self,
        user_type: &UserTypeRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Deletes a type no user has (never the default), with its event.
    async fn delete_user_type(&self, id: &str, event: &EventRecord) -> StoreResult<UserTypeDelete>;
}

/// What an insert of a linked object definition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkedObjectInsert {
    Inserted,
    /// A name of the definition (ignoring case) is already used, on either side.
    NameTaken,
    /// The org has `linked_object_sql::MAX_DEFINITIONS` definitions.
    TooMany,
}

/// Linked object definitions and the values that link users by them.
#[async_trait]
pub trait LinkedObjectStore: Send + Sync {
    async fn insert_linked_object(
        &self,
        definition: &LinkedObjectRecord,
        event: &EventRecord,
    ) -> StoreResult<LinkedObjectInsert>;

    /// Every definition, oldest first.
    async fn list_linked_objects(&self) -> StoreResult<Vec<LinkedObjectRecord>>;

    /// The definition whose primary or associated name is `name` (ignoring case).
    async fn linked_object_by_name(&self, name: &str) -> StoreResult<Option<LinkedObjectRecord>>;

    /// Deletes a definition and its values, with the event; false when it does not exist.
    async fn delete_linked_object(
        &self,
        primary_name: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Links `associated_user_id` to `primary_user_id` (replacing its earlier primary).
    async fn set_linked_object_value(
        &self,
        primary_name: &str,
        associated_user_id: &str,
        primary_user_id: &str,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<()>;

    /// The primary user of `associated_user_id` in the relationship, if any.
    async fn primary_of(
        &self,
        primary_name: &str,
        associated_user_id: &str,
    ) -> StoreResult<Option<String>>;

    /// The associated users of `primary_user_id`, by id after `after`; at most `limit + 1`.
    async fn associated_of(
        &self,
        primary_name: &str,
        primary_user_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<String>>;

    /// Unlinks `associated_user_id` from its primary; false when it had none.
    async fn delete_linked_object_value(
        &self,
        primary_name: &str,
        associated_user_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;
}

/// Certificate signing requests of app key credentials, waiting for their certificate.
#[async_trait]
pub trait AppCsrStore: Send + Sync {
    async fn insert_app_csr(&self, csr: &AppCsrRecord, event: &EventRecord) -> StoreResult<()>;

    /// The app's requests, oldest first.
    async fn app_csrs(&self, app_id: &str) -> StoreResult<Vec<AppCsrRecord>>;

    async fn app_csr(&self, app_id: &str, id: &str) -> StoreResult<Option<AppCsrRecord>>;

    /// Revokes a request (its key pair goes with it); false when it does not exist.
    async fn delete_app_csr(
        &self,
        app_id: &str,
        id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Replaces the request by the key credential `key` (its certificate published), with the
    /// event, in one transaction; false (nothing written) when the request does not exist.
    async fn publish_app_csr(
        &self,
        app_id: &str,
        id: &str,
        key: &AppKeyRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;
}

/// Opens the store named by `url` (`sqlite://PATH` or `postgres://...`) and applies the
/// migrations.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    }
}

/// Administrator role assignments of users and groups, and their targets (Roles API).
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Assigns a role with its first targets, with the event; `Exists` when the principal
    /// holds the role already.
    async fn insert_role_assignment(
        &self,
        role: &RoleAssignmentRecord,
        targets: &[RoleTargetRecord],
        event: &EventRecord,
    ) -> StoreResult<RoleInsert>;

    /// The roles a user or group holds itself (`principal_type` USER or GROUP), oldest first.
    async fn role_assignments(
        &self,
        principal_type: &str,
        principal_id: &str,
    ) -> StoreResult<Vec<RoleAssignmentRecord>>;

    async fn role_assignment(
        &self,
        principal_type: &str,
        principal_id: &str,
        id: &str,
    ) -> StoreResult<Option<RoleAssignmentRecord>>;

    /// Unassigns a role and its targets, with the event; refused when it would leave the org
    /// without a super administrator who can act.
    async fn delete_role_assignment(
        &self,
        principal_type: &str,
        principal_id: &str,
        id: &str,
        event: &EventRecord,
    ) -> StoreResult<RoleRemoval>;

    /// Every role a user holds, itself or through its groups, with the role's targets.
    async fn role_grants_for_user(&self, user_id: &str) -> StoreResult<Vec<RoleGrant>>;

    /// The targets of one assignment.
    async fn role_targets(&self, assignment_id: &str) -> StoreResult<Vec<RoleTargetRecord>>;

    /// Adds a target (false when the assignment has it already), first removing the
    /// assignment's targets of kind `replaces` for the same app name; with the event.
    async fn add_role_target(
        &self,
        target: &RoleTargetRecord,
        replaces: Option<&str>,
        event: &EventRecord,
    ) -> StoreResult<bool>;

    /// Removes a target, with the event; refused when it is the assignment's last.
    async fn remove_role_target(
        &self,
        assignment_id: &str,
        kind: &str,
        target: &str,
        event: &EventRecord,
    ) -> StoreResult<TargetRemoval>;

    /// The ids of users holding a role, themselves or through a group, after `after` in id
    /// order (at most `limit + 1`).
    async fn users_with_roles(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<String>>;

    /// Which of these groups hold an administrator role.
    async fn groups_with_roles(&self, ids: &[String]) -> StoreResult<Vec<String>>;

    /// How many users who can act hold SUPER_ADMIN, themselves or through a group.
    async fn count_super_admins(&self) -> StoreResult<i64>;

    /// How many role assignments the org has (none: a data folder from before roles).
    async fn count_role_assignments(&self) -> StoreResult<i64>;

    /// Whether the user is a member of one of the groups.
    async fn user_in_any_group(&self, user_id: &str, group_ids: &[String]) -> StoreResult<bool>;
}

/// Custom roles, resource sets and the bindings between them (see `custom_role_sql`).
#[async_trait]
pub trait IamStore: Send + Sync {
    /// Adds a role with its permissions; false when its label is taken (ignoring case).
    async fn insert_iam_role(
        &self,
        role: &IamRoleRecord,
        permissions: &[String],
        event: &EventRecord,
    ) -> StoreResult<bool>;
    /// Roles after `after` in id order (at most `limit + 1`).
    async fn iam_roles(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<IamRoleRecord>>;
    /// The role whose id or label (ignoring case) is `id_or_label`.
    async fn iam_role(&self, id_or_label: &str) -> StoreResult<Option<IamRoleRecord>>;
    /// Replaces label and description; false when the label is taken.
    async fn update_iam_role(&self, role: &IamRoleRecord, event: &EventRecord)
        -> StoreResult<bool>;
    /// Deletes a role with its permissions and bindings; false when it does not exist.
    async fn delete_iam_role(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;
    async fn iam_role_permissions(&self, role_id: &str) -> StoreResult<Vec<IamPermissionRecord>>;
    /// Adds a permission; false when the role has it.
    async fn add_iam_permission(
        &self,
        role_id: &str,
        permission: &str,
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    async fn remove_iam_permission(
        &self,
        role_id: &str,
        permission: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    /// Adds a resource set with its resources; false when its label is taken.
    async fn insert_resource_set(
        &self,
        set: &ResourceSetRecord,
        resources: &[ResourceRecord],
        event: &EventRecord,
    ) -> StoreResult<bool>;
    async fn resource_sets(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceSetRecord>>;
    async fn resource_set(&self, id_or_label: &str) -> StoreResult<Option<ResourceSetRecord>>;
    async fn update_resource_set(
        &self,
        set: &ResourceSetRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    /// Deletes a set with its resources and bindings.
    async fn delete_resource_set(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;
    async fn resources(&self, set_id: &str) -> StoreResult<Vec<ResourceRecord>>;
    /// Adds resources (those the set has already are left as they are).
    async fn add_resources(
        &self,
        resources: &[ResourceRecord],
        event: &EventRecord,
    ) -> StoreResult<()>;
    async fn remove_resource(
        &self,
        set_id: &str,
        resource_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    /// Binds a role to a set with its first members; false when it is bound already.
    async fn insert_binding(
        &self,
        set_id: &str,
        role_id: &str,
        members: &[BindingMemberRecord],
        now: i64,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    /// Gives one principal a role over a set in one transaction, binding the role to the set
    /// when it is not yet; false (nothing written) when the principal holds it already.
    async fn bind_member(
        &self,
        member: &BindingMemberRecord,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    /// The role ids bound to a set.
    async fn bindings(&self, set_id: &str) -> StoreResult<Vec<String>>;
    async fn delete_binding(
        &self,
        set_id: &str,
        role_id: &str,
        event: &EventRecord,
    ) -> StoreResult<bool>;
    async fn binding_members(
        &self,
        set_id: &str,
        role_id: &str,
    ) -> StoreResult<Vec<BindingMemberRecord>>;
    /// Adds members (a principal the binding holds already is left as it is).
    async fn add_binding_members(
        &self,
        members: &[BindingMemberRecord],
        event: &EventRecord,
    ) -> StoreResult<()>;
    async fn binding_member(&self, id: &str) -> StoreResult<Option<BindingMemberRecord>>;
    async fn remove_binding_member(&self, id: &str, event: &EventRecord) -> StoreResult<bool>;
    /// The bindings that hold a principal itself.
    async fn binding_members_of(
        &self,
        principal_type: &str,
        principal_id: &str,
    ) -> StoreResult<Vec<BindingMemberRecord>>;
    /// The custom roles a principal holds (a user: itself and through its groups), with
    /// their permissions and resources.
    async fn custom_grants(
        &self,
        principal_type: &str,
        principal_id: &str,
    ) -> StoreResult<Vec<CustomGrant>>;
}
