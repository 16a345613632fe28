//! Okta's Group object as pure domain rules (groups.md, "Group object"; the Group and
//! GroupOwner tags of the Management OpenAPI spec).
//!
//! - [`group`]: the three group types, which changes each type allows (with the exact Okta
//!   error of every refused cell), and validation of the `okta:user_group` profile.
//! - [`rules`]: group rules — body checks, the lifecycle table, and who a rule adds.
//!
//! Nothing here touches storage or the clock.

pub mod group;
pub mod rules;

pub use group::{GroupChange, GroupType};
