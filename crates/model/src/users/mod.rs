//! Okta's User object as pure domain rules (users.md; the User, UserLifecycle and UserCred
//! tags of the Management OpenAPI spec).
//!
//! - [`status`]: the eight statuses and their wire spelling.
//! - [`lifecycle`]: which operation is allowed from which status, the status it leads to, the
//!   exact Okta error of every refused cell, and the `_links` a single user carries.
//! - [`profile`]: validation of the default profile, login normalisation and shortnames,
//!   partial (POST) and full (PUT) profile updates.
//!
//! Nothing here touches storage or the clock; handlers ask these modules and apply the answer.

pub mod lifecycle;
pub mod profile;
pub mod status;

pub use status::UserStatus;
