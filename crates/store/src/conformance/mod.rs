//! The one conformance suite every backend must pass (feature `conformance`).
//!
//! `run_all` takes a fresh, migrated, empty store. Each check names the invariant it proves;
//! a failure panics with that name, so the backend's test shows which rule broke.

// Test code compiled into the library so both backends' tests share it.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod apps;
mod authn;
mod events;
mod factors;
mod group_rules;
mod groups;
mod hooks;
mod inline_hooks;
mod oauth;
mod orgs;
mod policies;
mod rate_limits;
mod roles;
mod schemas;
mod sessions;
mod snapshots;
mod tokens;
mod trusted_origins;
mod users;

use serde_json::{json, Map, Value};

use crate::{EventRecord, GroupRecord, Store, UserRecord, UserSecrets};

/// Runs every check against `store`.
pub async fn run_all(store: &dyn Store) {
    orgs::bootstrap_happens_once(store).await;
    users::crud_round_trip(store).await;
    users::logins_unique_ignoring_case(store).await;
    users::profile_indexes_answer_searches_alike(store).await;
    users::same_login_race_has_one_winner(store).await;
    users::failed_write_leaves_no_event(store).await;
    users::stale_version_is_a_conflict(store).await;
    users::concurrent_changes_all_land(store).await;
    users::keyset_pages_visit_every_row_once_under_inserts(store).await;
    users::prefix_and_expressions_select_the_right_rows(store).await;
    users::memberships_follow_users(store).await;
    users::import_skips_taken_logins(store).await;
    tokens::token_lifecycle(store).await;
    events::polling_sees_each_event_once_under_concurrent_writes(store).await;
    events::bounded_pages_filters_and_keywords(store).await;
    hooks::deliveries_exactly_once_in_order_with_leases(store).await;
    events::retention_purges_only_dispatched_old_events(store).await;
    inline_hooks::crud_and_list_by_type(store).await;
    rate_limits::windows_sum_across_callers(store).await;
    trusted_origins::crud_unique_keys_and_events(store).await;
    trusted_origins::lookups_need_active_status_and_the_scope(store).await;
    trusted_origins::pages_filters_and_q(store).await;
    groups::crud_and_unique_names(store).await;
    groups::membership_is_idempotent_and_moves_last_membership_updated(store).await;
    groups::concurrent_membership_changes_stay_consistent(store).await;
    groups::member_pages_visit_every_member_once(store).await;
    groups::filters_search_and_q_select_the_right_groups(store).await;
    groups::group_pages_visit_every_group_once(store).await;
    groups::owners_are_users_or_groups(store).await;
    groups::everyone_follows_new_users_without_a_hot_row(store).await;
    group_rules::crud_names_pages_and_invalidation(store).await;
    group_rules::assignments_follow_status_and_removals_take_only_rule_made(store).await;
    group_rules::changes_queue_users_and_evaluation_takes_them_off(store).await;
    apps::crud_keys_and_unique_client_ids(store).await;
    apps::pages_and_filters_select_the_right_apps(store).await;
    apps::assignments_direct_and_through_groups(store).await;
    apps::app_user_pages_and_q(store).await;
    apps::assignments_stay_consistent_under_concurrent_membership_changes(store).await;
    policies::priorities_shift_and_the_default_stays_last(store).await;
    policies::concurrent_inserts_keep_priorities_dense(store).await;
    policies::zones_round_trip(store).await;
    policies::lockout_reservations_bound_verifications(store).await;
    factors::crud_uniqueness_and_versions(store).await;
    sessions::tokens_are_taken_once(store).await;
    sessions::live_sessions_refresh_within_bounds(store).await;
    sessions::deleting_a_users_sessions_touches_only_that_user(store).await;
    sessions::purge_takes_only_expired_sessions_and_tokens(store).await;
    authn::steps_are_versioned_and_tokens_unique(store).await;
    authn::outbox_messages_are_claimed_once(store).await;
    authn::kept_mail_moves_out_of_the_outbox(store).await;
    oauth::device_codes_are_decided_once_and_redeemed_once(store).await;
    schemas::saves_are_versioned_and_unique_values_hold_on_every_write(store).await;
    roles::assignments_targets_and_the_last_super_admin(store).await;
    roles::custom_roles_sets_and_bindings(store).await;
    // Last: a restore puts every table back as this check's snapshot saw it.
    snapshots::restore_brings_back_the_snapshot_and_only_it(store).await;
}

/// A user record for tests.
pub fn user(login: &str, created: i64) -> UserRecord {
    let mut profile = Map::new();
    profile.insert("login".into(), json!(login));
    profile.insert("email".into(), json!(login));
    profile.insert("firstName".into(), json!("Test"));
    profile.insert("lastName".into(), json!("User"));
    UserRecord {
        id: model::ids::new_id(model::ids::Kind::User),
        status: "STAGED".into(),
        transitioning_to_status: None,
        created,
        activated: None,
        status_changed: None,
        last_login: None,
        last_updated: created,
        password_changed: None,
        type_id: "otytest".into(),
        profile,
        password_hash: None,
        recovery_question: None,
        recovery_answer_hash: None,
        provider_type: "OKTA".into(),
        provider_name: "OKTA".into(),
        secrets: UserSecrets::default(),
        version: 0,
    }
}

/// A group record for tests.
pub fn group(name: &str, kind: &str, now: i64) -> GroupRecord {
    let mut profile = Map::new();
    profile.insert("name".into(), json!(name));
    GroupRecord {
        id: model::ids::new_id(model::ids::Kind::Group),
        group_type: kind.into(),
        created: now,
        last_updated: now,
        last_membership_updated: now,
        profile,
        source_id: None,
    }
}

/// An event for tests.
pub fn event(kind: &str, now: i64) -> EventRecord {
    let id = model::ids::random_base62(22);
    EventRecord {
        id: id.clone(),
        published: now,
        event_type: kind.into(),
        body: json!({ "uuid": id, "eventType": kind }),
    }
}

/// All events of a type, through polling pages.
pub async fn events_of(store: &dyn Store, kind: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let query = crate::EventQuery {
            after: after.clone(),
            limit: 500,
            ..Default::default()
        };
        let page = store.list_events(&query).await.expect("list events");
        let more = page.len() > 500;
        let page: Vec<_> = page.into_iter().take(500).collect();
        after = page.last().map(|e| e.page_key(crate::EventOrder::Polling));
        out.extend(
            page.into_iter()
                .filter(|e| e.event_type == kind)
                .map(|e| e.body),
        );
        if !more {
            break;
        }
    }
    out
}
