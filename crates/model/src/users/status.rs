//! A user's `status` (users.md, "User properties" and "User status"; the `UserStatus` schema of
//! the Management OpenAPI spec).
//!
//! Invariants: there are exactly the eight statuses Okta documents, each spelled on the wire as
//! Okta spells it (`LOCKED_OUT`, `PASSWORD_EXPIRED`, ...); [`UserStatus::parse`] and
//! [`UserStatus::as_str`] are inverses, and serde uses the same spelling. Okta's transitional
//! `ACTIVATING` is not a status a client can see settle, so it is not one here.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a user stands in Okta's lifecycle. Which operations each status allows is the table
/// in [`super::lifecycle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// Created but never activated.
    Staged,
    /// Activated without a password; waiting for the user to finish the welcome flow.
    Provisioned,
    /// Can sign in.
    Active,
    /// A password reset is pending; the user cannot sign in until it is done.
    Recovery,
    /// Too many failed sign-ins.
    LockedOut,
    /// Must change the password at the next sign-in.
    PasswordExpired,
    /// Cannot sign in; group and app assignments are kept.
    Suspended,
    /// Deactivated; the only status from which a user can be deleted.
    Deprovisioned,
}

impl UserStatus {
    /// Every status, in the order Okta's reference lists them.
    pub const ALL: [Self; 8] = [
        Self::Staged,
        Self::Provisioned,
        Self::Active,
        Self::Recovery,
        Self::LockedOut,
        Self::PasswordExpired,
        Self::Suspended,
        Self::Deprovisioned,
    ];

    /// The wire spelling (`"LOCKED_OUT"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Staged => "STAGED",
            Self::Provisioned => "PROVISIONED",
            Self::Active => "ACTIVE",
            Self::Recovery => "RECOVERY",
            Self::LockedOut => "LOCKED_OUT",
            Self::PasswordExpired => "PASSWORD_EXPIRED",
            Self::Suspended => "SUSPENDED",
            Self::Deprovisioned => "DEPROVISIONED",
        }
    }

    /// The status with this exact wire spelling. Okta's values are upper case, and so is a
    /// `filter=status eq "ACTIVE"`, so no other casing is accepted.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spelling_matches_okta() {
        let spelled: Vec<&str> = UserStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            spelled,
            [
                "STAGED",
                "PROVISIONED",
                "ACTIVE",
                "RECOVERY",
                "LOCKED_OUT",
                "PASSWORD_EXPIRED",
                "SUSPENDED",
                "DEPROVISIONED"
            ]
        );
    }

    #[test]
    fn parse_inverts_as_str() {
        for status in UserStatus::ALL {
            assert_eq!(UserStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(UserStatus::parse("active"), None);
        assert_eq!(UserStatus::parse("ACTIVATING"), None);
        assert_eq!(UserStatus::parse(""), None);
    }

    #[test]
    fn serde_uses_the_wire_spelling() {
        for status in UserStatus::ALL {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, serde_json::Value::String(status.as_str().into()));
            let back: UserStatus = serde_json::from_value(json).unwrap();
            assert_eq!(back, status);
        }
    }

    #[test]
    fn display_is_the_wire_spelling() {
        assert_eq!(UserStatus::PasswordExpired.to_string(), "PASSWORD_EXPIRED");
    }
}
