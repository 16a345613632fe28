//! A group's `type` and what it allows (groups.md, "Group type"; the `GroupType` schema), and
//! the `okta:user_group` profile (groups.md, "Profile object"; `OktaUserGroupProfile`).
//!
//! Which change each type allows is the table in [`check`]:
//!
//! | type         | profile update | delete | members     | owners      |
//! |--------------|----------------|--------|-------------|-------------|
//! | `OKTA_GROUP` | yes            | yes    | yes         | yes         |
//! | `APP_GROUP`  | E0000006 (403) | yes    | E0000006    | yes         |
//! | `BUILT_IN`   | E0000060 (501) | E0000060 | E0000060  | E0000060    |
//!
//! Sources: an app group's profile and memberships are managed in the app that imported it
//! (groups.md, "Update Group", "Add User to Group"); the spec answers those operations with
//! its 403 (`ErrorAccessDenied403`), and Okta refuses app-group membership changes with
//! E0000006. Okta refuses a membership change of the built-in Everyone group with E0000060
//! ("Unsupported operation."); the rest of the built-in row follows the reference's "managed by
//! Okta and can't be modified". Deleting an app group is allowed ("Remove Group").
//!
//! Invariants: [`GroupType::parse`] and [`GroupType::as_str`] are inverses; a validated profile
//! has a non-blank string `name` of at most 255 characters, a `description` that is absent or a
//! string of at most 1024 characters, no `null` values, and custom properties that are
//! strings, numbers, booleans or arrays of those.

use serde_json::{Map, Value};

use crate::error::DomainError;

/// How a group's profile and memberships are managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupType {
    /// Managed in Okta (this API, and group rules).
    OktaGroup,
    /// Imported from an app (such as Active Directory); read-only here.
    AppGroup,
    /// Managed by Okta itself: the Everyone group.
    BuiltIn,
}

impl GroupType {
    /// Every type, in the order the spec's enum lists them.
    pub const ALL: [Self; 3] = [Self::AppGroup, Self::BuiltIn, Self::OktaGroup];

    /// The wire spelling (`"OKTA_GROUP"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OktaGroup => "OKTA_GROUP",
            Self::AppGroup => "APP_GROUP",
            Self::BuiltIn => "BUILT_IN",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The `objectClass` a group of this type carries (groups.md, "Profile object"): imported
    /// groups are Windows security principals, every other group an `okta:user_group`.
    pub const fn object_class(self) -> &'static str {
        match self {
            Self::AppGroup => "okta:windows_security_principal",
            Self::OktaGroup | Self::BuiltIn => "okta:user_group",
        }
    }
}

/// A change to a group or its relations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupChange {
    /// Replace the profile (PUT).
    UpdateProfile,
    /// Remove the group.
    Delete,
    /// Add or remove a member.
    Members,
    /// Assign or remove an owner.
    Owners,
}

impl GroupChange {
    pub const ALL: [Self; 4] = [
        Self::UpdateProfile,
        Self::Delete,
        Self::Members,
        Self::Owners,
    ];
}

/// Whether a group of `group_type` allows `change`, with Okta's error when it does not (the
/// table in the module documentation).
pub fn check(group_type: GroupType, change: GroupChange) -> Result<(), DomainError> {
    use GroupChange::{Delete, Members, Owners, UpdateProfile};
    match (group_type, change) {
        (GroupType::OktaGroup, _) | (GroupType::AppGroup, Delete | Owners) => Ok(()),
        (GroupType::AppGroup, UpdateProfile | Members) => Err(DomainError::AccessDenied),
        (GroupType::BuiltIn, _) => Err(DomainError::Unsupported),
    }
}

/// The name as stored for uniqueness, look-up by `q` and ordering: lower-cased.
pub fn name_lower(name: &str) -> String {
    name.to_lowercase()
}

/// The longest `name` Okta accepts.
pub const NAME_MAX: usize = 255;
/// The longest `description` Okta accepts.
pub const DESCRIPTION_MAX: usize = 1024;

/// Checks a profile sent to create or replace a group and returns it as stored: `null`
/// values dropped (a cleared field), `objectClass` dropped (read-only metadata, never part of
/// the stored profile), everything else kept. Failures are E0000001 with one cause each.
pub fn validate_profile(profile: &Map<String, Value>) -> Result<Map<String, Value>, DomainError> {
    let mut failures: Vec<(String, String)> = Vec::new();
    match profile.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => {
            if name.chars().count() > NAME_MAX {
                failures.push((
                    "name".into(),
                    format!("'name' cannot be more than '{NAME_MAX}' characters long."),
                ));
            }
        }
        None | Some(Value::Null) | Some(Value::String(_)) => {
            failures.push(("name".into(), "The field cannot be left blank".into()));
        }
        Some(_) => failures.push(("name".into(), "The value must be a string".into())),
    }
    match profile.get("description") {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => {
            if text.chars().count() > DESCRIPTION_MAX {
                failures.push((
                    "description".into(),
                    format!(
                        "'description' cannot be more than '{DESCRIPTION_MAX}' characters long."
                    ),
                ));
            }
        }
        Some(_) => failures.push(("description".into(), "The value must be a string".into())),
    }
    for (name, value) in profile {
        if name != "name" && name != "description" && !is_custom_value(value) {
            failures.push((
                name.clone(),
                "The value must be a string, number, boolean, null or an array of those".into(),
            ));
        }
    }
    if let Some((first, _)) = failures.first() {
        return Err(DomainError::Validation {
            summary: first.clone(),
            causes: failures
                .iter()
                .map(|(name, reason)| format!("{name}: {reason}"))
                .collect(),
        });
    }
    Ok(profile
        .iter()
        .filter(|(key, value)| !value.is_null() && key.as_str() != "objectClass")
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect())
}

fn is_custom_value(value: &Value) -> bool {
    let scalar = |v: &Value| {
        matches!(
            v,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)
        )
    };
    match value {
        Value::Array(items) => items.iter().all(scalar),
        other => scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("object expected"),
        }
    }

    fn causes(result: Result<Map<String, Value>, DomainError>) -> (String, Vec<String>) {
        match result {
            Err(DomainError::Validation { summary, causes }) => (summary, causes),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn types_round_trip() {
        for t in GroupType::ALL {
            assert_eq!(GroupType::parse(t.as_str()), Some(t));
        }
        assert_eq!(GroupType::parse("okta_group"), None);
        assert_eq!(GroupType::OktaGroup.object_class(), "okta:user_group");
        assert_eq!(GroupType::BuiltIn.object_class(), "okta:user_group");
        assert_eq!(
            GroupType::AppGroup.object_class(),
            "okta:windows_security_principal"
        );
    }

    #[test]
    fn every_cell_of_the_change_table() {
        use GroupChange::{Delete, Members, Owners, UpdateProfile};
        let expected = |t: GroupType, c: GroupChange| match (t, c) {
            (GroupType::OktaGroup, _) => Ok(()),
            (GroupType::AppGroup, Delete | Owners) => Ok(()),
            (GroupType::AppGroup, UpdateProfile | Members) => Err(DomainError::AccessDenied),
            (GroupType::BuiltIn, _) => Err(DomainError::Unsupported),
        };
        let mut cells = 0;
        for t in GroupType::ALL {
            for c in GroupChange::ALL {
                assert_eq!(check(t, c), expected(t, c), "{t:?} {c:?}");
                cells += 1;
            }
        }
        assert_eq!(cells, 12);
        // Spelled out, so a change to the table is a visible change here.
        assert_eq!(
            check(GroupType::BuiltIn, Members),
            Err(DomainError::Unsupported)
        );
        assert_eq!(
            check(GroupType::AppGroup, Members),
            Err(DomainError::AccessDenied)
        );
        assert_eq!(check(GroupType::AppGroup, Delete), Ok(()));
    }

    #[test]
    fn profile_keeps_custom_properties_and_drops_nulls() {
        let stored = validate_profile(&map(json!({
            "name": "West Coast Users",
            "description": null,
            "costCenter": 42,
            "tags": ["a", "b"],
            "objectClass": "okta:user_group",
        })))
        .unwrap();
        assert_eq!(
            Value::Object(stored),
            json!({"name": "West Coast Users", "costCenter": 42, "tags": ["a", "b"]})
        );
    }

    #[test]
    fn name_is_required_and_bounded() {
        for bad in [
            json!({}),
            json!({"name": ""}),
            json!({"name": "  "}),
            json!({"name": null}),
        ] {
            assert_eq!(
                causes(validate_profile(&map(bad))),
                (
                    "name".into(),
                    vec!["name: The field cannot be left blank".into()]
                )
            );
        }
        assert_eq!(
            causes(validate_profile(&map(json!({"name": 7})))),
            (
                "name".into(),
                vec!["name: The value must be a string".into()]
            )
        );
        let long = "n".repeat(NAME_MAX + 1);
        assert_eq!(
            causes(validate_profile(&map(json!({"name": long})))).1,
            vec!["name: 'name' cannot be more than '255' characters long.".to_owned()]
        );
        assert!(validate_profile(&map(json!({"name": "é".repeat(NAME_MAX)}))).is_ok());
    }

    #[test]
    fn description_and_custom_values_are_checked() {
        let long = "d".repeat(DESCRIPTION_MAX + 1);
        let (summary, list) = causes(validate_profile(&map(json!({
            "description": long,
            "nested": {"a": 1},
        }))));
        assert_eq!(summary, "name");
        assert_eq!(
            list,
            vec![
                "name: The field cannot be left blank".to_owned(),
                "description: 'description' cannot be more than '1024' characters long.".to_owned(),
                "nested: The value must be a string, number, boolean, null or an array of those"
                    .to_owned(),
            ]
        );
        assert_eq!(
            causes(validate_profile(&map(
                json!({"name": "x", "description": 3})
            )))
            .1,
            vec!["description: The value must be a string".to_owned()]
        );
    }

    #[test]
    fn names_fold_to_lower_case() {
        assert_eq!(name_lower("Ärzte Team"), "ärzte team");
    }
}
