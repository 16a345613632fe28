//! The domain's error: each variant is one Okta case, and names the Okta error code the
//! server renders it as (see `crates/server/tests/data/error-codes.json`).

use std::fmt;

/// Why a request cannot be carried out, in Okta's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// E0000007 (404): the object does not exist. `what` is the text after "Not found: ".
    NotFound { what: String },
    /// E0000001 (400): a precondition of the endpoint failed. `summary` follows
    /// "Api validation failed: "; each cause is one `errorCauses[].errorSummary`.
    Validation {
        summary: String,
        causes: Vec<String>,
    },
    /// E0000003 (400): the body could not be read as the expected JSON.
    MalformedBody,
    /// E0000031 (400): a `filter`, `search` or `q` expression outside the supported grammar.
    InvalidSearch { cause: String },
    /// E0000029 (400): `limit` or `after` is not a valid page request.
    InvalidPaging { cause: String },
    /// E0000030 (400): a date that is not ISO-8601.
    InvalidDate,
    /// A lifecycle or credential operation refused in the user's current status; the reason
    /// carries the exact Okta code, which differs per operation.
    Forbidden(Forbidden),
    /// E0000080 (403): the new password breaks the password policy; one cause per rule.
    PasswordPolicy { causes: Vec<String> },
    /// E0000014 (403): the old password given to change_password did not match.
    OldPasswordMismatch,
    /// E0000087 (403): the recovery answer did not match.
    RecoveryAnswerMismatch,
    /// E0000006 (403): the object does not allow this change here, e.g. the members of a group
    /// imported from an app.
    AccessDenied,
    /// E0000060 (501): an operation the object does not support, e.g. changing the built-in
    /// Everyone group.
    Unsupported,
    /// E0000041 (400): an app assignment carries a username or password that the app's
    /// authentication scheme does not let it set (apps.md, "Application User Credentials
    /// object").
    CredentialsScheme,
}

/// The distinct Okta codes for "not allowed in the current state".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// E0000016: activation of a user who is already active.
    AlreadyActive,
    /// E0000038: the operation is not allowed in the user's current status.
    UserStatus,
    /// E0000032: unlock of a user who is not locked out.
    Unlock,
    /// E0000034: forgot password not allowed for this user.
    ForgotPassword,
    /// E0000035: change password not allowed for this user.
    ChangePassword,
    /// E0000017: reset password not allowed for this user.
    ResetPassword,
    /// E0000014: credentials cannot be updated for this user.
    UpdateCredentials,
    /// E0000056: an app must be deactivated before it is deleted (apps.md, "Delete
    /// application").
    DeleteActiveApp,
    /// E0000046: a user who has an app only through a group cannot be unassigned from it
    /// directly (unassign the group, or remove the user from it).
    UnassignGroupAppUser,
    /// E0000117: apps cannot be assigned to a deactivated user.
    AssignInactiveUser,
}

impl DomainError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// A validation failure with a single cause.
    pub fn invalid(summary: impl Into<String>, cause: impl Into<String>) -> Self {
        Self::Validation {
            summary: summary.into(),
            causes: vec![cause.into()],
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound { what } => write!(f, "not found: {what}"),
            Self::Validation { summary, causes } => {
                write!(f, "validation failed: {summary} ({})", causes.join("; "))
            }
            Self::MalformedBody => f.write_str("malformed body"),
            Self::InvalidSearch { cause } => write!(f, "invalid search: {cause}"),
            Self::InvalidPaging { cause } => write!(f, "invalid paging: {cause}"),
            Self::InvalidDate => f.write_str("invalid date"),
            Self::Forbidden(reason) => write!(f, "forbidden: {reason:?}"),
            Self::PasswordPolicy { causes } => write!(f, "password policy: {}", causes.join("; ")),
            Self::OldPasswordMismatch => f.write_str("old password mismatch"),
            Self::RecoveryAnswerMismatch => f.write_str("recovery answer mismatch"),
            Self::AccessDenied => f.write_str("access denied"),
            Self::Unsupported => f.write_str("unsupported operation"),
            Self::CredentialsScheme => f.write_str("credentials not allowed by the scheme"),
        }
    }
}

impl std::error::Error for DomainError {}
