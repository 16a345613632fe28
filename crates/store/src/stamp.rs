//! How one implementation of the store becomes two backends.
//!
//! Every store operation is written once, in a `*_sql.rs` module, as a macro that a backend
//! module expands with its store type, sqlx database, write and read pools and
//! [`crate::filter_sql::SqlDialect`]. The dialect names the few SQL fragments that differ
//! (bytewise id order, `max`/`GREATEST`, `FOR UPDATE`, JSON access); the rest of a statement
//! is one text for both databases.
//!
//! What is not SQL text stays in the backend module, under the same names on both, so the
//! shared code calls them as `super::name`:
//! - `lock(conn, key)`: serialises transactions on one key (a priority list, the org
//!   bootstrap) across nodes; nothing on SQLite, whose single writer does so already;
//! - `lock_event_order(conn)`: makes event transactions commit in `seq` order;
//! - `snapshot(pool)`: a read transaction whose statements all see one state;
//! - `token_changed(conn, id)` and `token_feed(pool)`: tell other nodes that an API token
//!   changed (PostgreSQL `LISTEN/NOTIFY`);
//! - `after_import(pool)` and `after_import_all(pool)`: housekeeping after each batch of a
//!   bulk import (SQLite's WAL checkpoint) and after the whole import (PostgreSQL's ANALYZE);
//! - the store's `direct()` and `insert_user_at_once`: SQLite's reader of users and writer
//!   of new users that bypass sqlx's connection threads (see `sqlite::direct`).
//!
//! Connection setup, pragmas and migrations are the backends' own too.

/// Expands the shared store operations into modules of the calling backend module:
/// `stamp_store!(Store, sqlx::Db, write_pool, read_pool, Dialect)`.
macro_rules! stamp_store {
    ($store:ident, $db:ty, $write:ident, $read:ident, $dialect:expr) => {
        crate::event_sql::insert_event_fn!($db);

        mod apps {
            use crate::filter_sql::SqlDialect as _;
            crate::app_sql::impl_app_store!($store, $db, $write, $read, $dialect);
        }
        mod event_hooks {
            use crate::filter_sql::SqlDialect as _;
            crate::event_hook_sql::impl_event_hook_store!($store, $db, $write, $read, $dialect);
        }
        mod events {
            crate::event_sql::impl_event_store!($store, $db, $write, $read, $dialect);
        }
        mod group_rules {
            use crate::filter_sql::SqlDialect as _;
            crate::group_rule_sql::impl_group_rule_store!($store, $db, $write, $read, $dialect);
        }
        mod groups {
            use crate::filter_sql::SqlDialect as _;
            crate::group_sql::impl_group_store!($store, $db, $write, $read, $dialect);
        }
        mod inline_hooks {
            crate::inline_hook_sql::impl_inline_hook_store!($store, $db, $write, $read, $dialect);
        }
        mod org {
            crate::org_sql::impl_org_store!($store, $db, $write, $read, $dialect);
        }
        mod policies {
            use crate::filter_sql::SqlDialect as _;
            crate::policy_sql::impl_policy_store!($store, $db, $write, $read, $dialect);
        }
        mod tokens {
            crate::token_sql::impl_token_store!($store, $db, $write, $read, $dialect);
        }
        mod trusted_origins {
            crate::trusted_origin_sql::impl_trusted_origin_store!(
                $store, $db, $write, $read, $dialect
            );
        }
        mod users {
            use crate::filter_sql::SqlDialect as _;
            crate::user_sql::impl_user_store!($store, $db, $write, $read, $dialect);
        }

        crate::role_sql::impl_role_store!($store, $db, $write, $read);
        crate::custom_role_sql::impl_custom_role_store!($store, $db, $write, $read);
        crate::factor_sql::impl_factor_store!($store, $write, $read);
        crate::user_change_sql::impl_user_change_store!(
            $store,
            $write,
            crate::user_sql::USER_COLUMNS,
            $dialect
        );
        crate::rate_limit_sql::impl_rate_limit_store!($store, $write);
        crate::outbox_sql::impl_outbox_store!($store, $write, $dialect);
        crate::authenticator_sql::impl_authenticator_store!($store, $write, $read);
        crate::user_type_sql::impl_user_type_store!($store, $write, $read);
        crate::profile_schema_sql::impl_profile_schema_store!($store, $write, $read);
        crate::linked_object_sql::impl_linked_object_store!($store, $write, $read);
        crate::app_csr_sql::impl_app_csr_store!($store, $write, $read);
        crate::oauth_sql::impl_oauth_store!($store, $write, $read);
        crate::lockout_sql::impl_lockout_store!($store, $write);
        crate::session_sql::impl_session_store!($store, $write, $read);
        crate::profile_index_sql::impl_profile_index_store!($store, $write, $read, $dialect);
        crate::authn_sql::impl_authn_store!($store, $write, $read, $dialect);
    };
}
pub(crate) use stamp_store;
