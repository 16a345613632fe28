//! Latchkey's domain: the Okta objects, their rules and their state machines.
//!
//! Nothing here performs I/O or reads the wall clock: every function takes `now` where time
//! matters, so lockout, expiry and lifecycles are tested without a server.

pub mod apps;
pub mod authenticators;
pub mod authn;
pub mod authorization_servers;
pub mod error;
pub mod expr;
pub mod factors;
pub mod groups;
pub mod ids;
pub mod password;
pub mod policy;
pub mod roles;
pub mod schemas;
pub mod time;
pub mod trusted_origins;
pub mod users;
pub mod zones;
