//! Latchkey's server: the Okta Core API over HTTPS on axum.
//!
//! `app` builds and runs the server; `api` holds one module per Okta resource; `wire` is the
//! shared wire format; `auth` the SSWS extractor. README.md "Layout" has the whole shape.

pub mod api;
pub mod app;
pub mod auth;
pub mod authz;
pub mod bootstrap;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod connections;
pub mod cors;
pub mod data_dir;
pub mod delivery;
pub mod events;
pub mod hooks;
pub mod mail;
pub mod oauth;
pub mod outbox;
pub mod pages;
pub mod policies;
pub mod qr;
pub mod rate_limit;
pub mod search_index;
pub mod seed;
pub mod sessions;
pub mod state;
pub mod templates;
pub mod test_org;
pub mod tls;
pub mod trusted_origins;
pub mod wire;
