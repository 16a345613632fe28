//! Okta's Group object as pure domain rules (groups.md, "Group object"; the Group and
//! GroupOwner tags of the Management OpenAPI spec).
//!
//! - [`group`]: the three group types, which changes each type allows (with the exact Okta
//!   error of every refused cell), and validation of the `okta:user_group` profile.
//!
//! Group rules (groups.md, "Group rule operations") belong in a sibling `rules` module.
//! Nothing here touches storage or the clock.

pub mod group;

pub use group::{GroupChange, GroupType};
