//! Black-box tests: the real server over HTTPS on a random port with a temp data folder,
//! driven with raw HTTP and asserted on raw JSON. The backend comes from the environment
//! (`LATCHKEY_TEST_BACKEND=sqlite|postgres`), so CI runs this suite on both.

// Test code: panicking on a broken expectation is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod api_tokens;
mod app_assignments;
mod app_credentials;
mod app_csrs;
mod apps;
mod authenticators;
mod authn;
mod authz_matrix;
mod bulk;
mod concurrency;
mod connections;
mod cors;
mod custom_roles;
mod enumeration;
mod event_hooks;
mod factors;
mod group_rules;
mod groups;
mod harness;
mod hostile_input;
mod inline_hooks;
mod linked_objects;
mod oauth;
mod pages;
mod policies;
mod rate_limits;
mod receiver;
mod reliability;
mod roles;
mod schemas;
mod server;
mod sessions;
mod smtp_sink;
mod system_log;
mod test_orgs;
mod trusted_origins;
mod user_credentials;
mod user_lifecycle;
mod user_lists;
mod user_types;
mod users;
mod zones;
