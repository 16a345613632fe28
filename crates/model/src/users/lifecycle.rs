//! The user lifecycle table: which lifecycle or credential operation is allowed from which
//! status, the status it leads to, and the exact Okta error of every refused cell.
//!
//! Sources, Okta's public API reference (page names as listed in `docs/okta-reference.md`):
//! - `users.md`, "Lifecycle operations" (Activate, Reactivate, Deactivate, Suspend,
//!   Unsuspend, Delete, Unlock, Reset password, Expire password, Reset Factors) and
//!   "Credential operations" (Forgot password, Change password, Change recovery question);
//!   "Provider object" for what FEDERATION and SOCIAL users lack; "Links object" for the
//!   link relations.
//! - the Okta Management API OpenAPI spec, the operations `activateUser`, `reactivateUser`,
//!   `deactivateUser`, `suspendUser`, `unsuspendUser`, `unlockUser`, `resetPassword`,
//!   `expirePassword`, `expirePasswordWithTempPassword`, `resetFactors`, `deleteUser`,
//!   `changePassword`, `changeRecoveryQuestion`, `forgotPassword`,
//!   `forgotPasswordSetNewPassword`, and their documented responses.
//! - Okta's error codes (`crates/server/tests/data/error-codes.json`) for the operation-specific "forbidden" codes.
//!
//! How errors were chosen, per operation:
//! - Suspend and Unsuspend name their error: 400 E0000001 (users.md, "Suspend User" and
//!   "Unsuspend User"; the spec lists a 400 for exactly these two). The summary text is the one
//!   Okta's clients match on.
//! - Reactivate names 403 E0000038 (users.md, "Reactivate User", the unexpected-status example).
//! - Activate, Unlock, Reset password, Forgot password and Change password each have their own
//!   "failed"/"not allowed" exception in `error-codes.json` (E0000016, E0000032, E0000017,
//!   E0000034, E0000035); a refused cell of those operations answers with it.
//! - Deactivate, Expire password, Reset factors and Change recovery question: the reference
//!   gives only "403" with no code, so a refused status answers E0000038. Change recovery
//!   question on a user without a password credential answers E0000014 instead: the operation
//!   validates that password, and E0000014 is the code the same endpoint gives when it does not
//!   verify.
//! - Delete is never refused: the first DELETE deactivates, the second removes the user.
//!
//! Invariants: [`apply`] is total (every status × operation × facts has an answer), and
//! [`links`] only ever names operations that [`apply`] allows, because it is computed from it.

use crate::error::{DomainError, Forbidden};

use super::UserStatus;

/// An operation whose outcome depends on the user's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /lifecycle/activate`
    Activate,
    /// `POST /lifecycle/reactivate`
    Reactivate,
    /// `POST /lifecycle/deactivate`
    Deactivate,
    /// `POST /lifecycle/suspend`
    Suspend,
    /// `POST /lifecycle/unsuspend`
    Unsuspend,
    /// `POST /lifecycle/unlock`
    Unlock,
    /// `POST /lifecycle/reset_password`
    ResetPassword,
    /// `POST /lifecycle/expire_password` and `/lifecycle/expire_password_with_temp_password`
    ExpirePassword,
    /// `POST /lifecycle/reset_factors`
    ResetFactors,
    /// `DELETE /api/v1/users/{id}`
    Delete,
    /// `POST /credentials/change_password`
    ChangePassword,
    /// `POST /credentials/change_recovery_question`
    ChangeRecoveryQuestion,
    /// `POST /credentials/forgot_password` (the reset link) and
    /// `/credentials/forgot_password_recovery_question` (a new password against the answer)
    ForgotPassword,
}

impl Operation {
    /// Every operation, in the order a single user's `_links` list them.
    pub const ALL: [Self; 13] = [
        Self::Activate,
        Self::Reactivate,
        Self::Deactivate,
        Self::Suspend,
        Self::Unsuspend,
        Self::Unlock,
        Self::ResetPassword,
        Self::ExpirePassword,
        Self::ResetFactors,
        Self::Delete,
        Self::ChangePassword,
        Self::ChangeRecoveryQuestion,
        Self::ForgotPassword,
    ];

    /// The `_links` relation that advertises this operation; DELETE has none.
    pub const fn rel(self) -> Option<&'static str> {
        match self {
            Self::Activate => Some("activate"),
            Self::Reactivate => Some("reactivate"),
            Self::Deactivate => Some("deactivate"),
            Self::Suspend => Some("suspend"),
            Self::Unsuspend => Some("unsuspend"),
            Self::Unlock => Some("unlock"),
            Self::ResetPassword => Some("resetPassword"),
            Self::ExpirePassword => Some("expirePassword"),
            Self::ResetFactors => Some("resetFactors"),
            Self::Delete => None,
            Self::ChangePassword => Some("changePassword"),
            Self::ChangeRecoveryQuestion => Some("changeRecoveryQuestion"),
            Self::ForgotPassword => Some("forgotPassword"),
        }
    }
}

/// `credentials.provider.type` (users.md, "Provider object"; `AuthenticationProviderType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Okta,
    ActiveDirectory,
    Ldap,
    Federation,
    Social,
    Import,
}

impl Provider {
    /// The wire spelling (`"ACTIVE_DIRECTORY"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Okta => "OKTA",
            Self::ActiveDirectory => "ACTIVE_DIRECTORY",
            Self::Ldap => "LDAP",
            Self::Federation => "FEDERATION",
            Self::Social => "SOCIAL",
            Self::Import => "IMPORT",
        }
    }

    /// The provider with this wire spelling. Latchkey only ever stores the six spellings
    /// above; anything else is read as `OKTA`, the provider every Latchkey user starts with,
    /// so that an unexpected stored value can never unlock a federated-only path.
    pub fn parse(s: &str) -> Self {
        match s {
            "ACTIVE_DIRECTORY" => Self::ActiveDirectory,
            "LDAP" => Self::Ldap,
            "FEDERATION" => Self::Federation,
            "SOCIAL" => Self::Social,
            "IMPORT" => Self::Import,
            _ => Self::Okta,
        }
    }

    /// FEDERATION and SOCIAL users sign in through an identity provider and have neither a
    /// password nor a recovery question (users.md, "Provider object").
    pub const fn has_password_credentials(self) -> bool {
        !matches!(self, Self::Federation | Self::Social)
    }

    /// ACTIVE_DIRECTORY and LDAP users are sourced from a directory: their password lives
    /// there, and Unlock does not apply to them (users.md, "Unlock User").
    pub const fn is_directory(self) -> bool {
        matches!(self, Self::ActiveDirectory | Self::Ldap)
    }
}

/// What decides a cell of the table beyond the user's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFacts {
    /// The user has a password credential (a value, an imported hash or a hook).
    pub has_password: bool,
    pub provider: Provider,
}

impl UserFacts {
    /// Can sign in without completing the welcome flow: has a password, or a provider that
    /// checks credentials elsewhere.
    fn can_sign_in_once_active(self) -> bool {
        self.has_password
            || !self.provider.has_password_credentials()
            || self.provider.is_directory()
    }

    /// Has a password credential that Okta's credential operations can validate.
    fn has_usable_password(self) -> bool {
        self.has_password && self.provider.has_password_credentials()
    }
}

/// What an allowed operation does to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The user's status becomes [`Transition::next`] (which may be the status it had).
    SetStatus,
    /// The user is removed (a DELETE of a DEPROVISIONED user); `next` stays DEPROVISIONED.
    Delete,
}

/// The answer of an allowed cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The status once the operation completes. Activation of a user who cannot yet sign in
    /// (no password) gives PROVISIONED, not ACTIVE.
    pub next: UserStatus,
    pub effect: Effect,
}

impl Transition {
    const fn to(next: UserStatus) -> Self {
        Self {
            next,
            effect: Effect::SetStatus,
        }
    }
}

const fn forbidden(reason: Forbidden) -> DomainError {
    DomainError::Forbidden(reason)
}

/// 400 E0000001 with the text Okta gives for Suspend/Unsuspend from the wrong status.
fn not_valid(text: &str) -> DomainError {
    DomainError::invalid(text, text)
}

/// The table: the outcome of `op` on a user in status `from`.
pub fn apply(from: UserStatus, op: Operation, user: &UserFacts) -> Result<Transition, DomainError> {
    use UserStatus::*;
    let user = *user;
    match op {
        // "Activate User": only STAGED or DEPROVISIONED. Without a password the user waits in
        // PROVISIONED for the welcome flow. Every other status is a user who was activated
        // already, which is what E0000016 says.
        Operation::Activate => match from {
            Staged | Deprovisioned => Ok(Transition::to(if user.can_sign_in_once_active() {
                Active
            } else {
                Provisioned
            })),
            Provisioned | Active | Recovery | LockedOut | PasswordExpired | Suspended => {
                Err(forbidden(Forbidden::AlreadyActive))
            }
        },

        // "Reactivate User": only PROVISIONED or RECOVERY; it restarts the activation
        // workflow, so the user (again) waits in PROVISIONED. Refusal: E0000038 (example).
        Operation::Reactivate => match from {
            Provisioned | Recovery => Ok(Transition::to(Provisioned)),
            Staged | Active | LockedOut | PasswordExpired | Suspended | Deprovisioned => {
                Err(forbidden(Forbidden::UserStatus))
            }
        },

        // "Deactivate User": any status but DEPROVISIONED. The reference gives no code for a
        // user already deactivated: E0000038.
        Operation::Deactivate => match from {
            Deprovisioned => Err(forbidden(Forbidden::UserStatus)),
            Staged | Provisioned | Active | Recovery | LockedOut | PasswordExpired | Suspended => {
                Ok(Transition::to(Deprovisioned))
            }
        },

        // "Suspend User": only ACTIVE; otherwise 400 E0000001.
        Operation::Suspend => match from {
            Active => Ok(Transition::to(Suspended)),
            Staged | Provisioned | Recovery | LockedOut | PasswordExpired | Suspended
            | Deprovisioned => Err(not_valid("Cannot suspend a user that is not active")),
        },

        // "Unsuspend User": only SUSPENDED, back to ACTIVE; otherwise 400 E0000001.
        Operation::Unsuspend => match from {
            Suspended => Ok(Transition::to(Active)),
            Staged | Provisioned | Active | Recovery | LockedOut | PasswordExpired
            | Deprovisioned => Err(not_valid("Cannot unsuspend a user that is not suspended")),
        },

        // "Unlock User": LOCKED_OUT, or ACTIVE (a user blocked from unknown devices); both end
        // ACTIVE. Not for directory-sourced users. Refusal: E0000032.
        Operation::Unlock => match from {
            LockedOut | Active if !user.provider.is_directory() => Ok(Transition::to(Active)),
            Staged | Provisioned | Active | Recovery | LockedOut | PasswordExpired | Suspended
            | Deprovisioned => Err(forbidden(Forbidden::Unlock)),
        },

        // "Reset password": to RECOVERY from any activated status that can still sign in or is
        // waiting to. A federated user may be reset too: that converts it back to an Okta user.
        // Not STAGED (never activated), SUSPENDED (Suspend User: nothing but unsuspend or
        // deactivate applies) or DEPROVISIONED. Refusal: E0000017.
        Operation::ResetPassword => match from {
            Provisioned | Active | Recovery | LockedOut | PasswordExpired => {
                Ok(Transition::to(Recovery))
            }
            Staged | Suspended | Deprovisioned => Err(forbidden(Forbidden::ResetPassword)),
        },

        // "Expire password": to PASSWORD_EXPIRED, for a user who signs in with a password and
        // is ACTIVE or already PASSWORD_EXPIRED. The temporary-password variant sets a password,
        // so an existing one is not required. The reference gives no code: E0000038.
        Operation::ExpirePassword => match from {
            Active | PasswordExpired if user.provider.has_password_credentials() => {
                Ok(Transition::to(PasswordExpired))
            }
            Staged | Provisioned | Active | Recovery | LockedOut | PasswordExpired | Suspended
            | Deprovisioned => Err(forbidden(Forbidden::UserStatus)),
        },

        // "Reset Factors": the status does not change. Allowed for an activated user who is not
        // suspended or deactivated. The reference gives no code: E0000038.
        Operation::ResetFactors => match from {
            Provisioned | Active | Recovery | LockedOut | PasswordExpired => {
                Ok(Transition::to(from))
            }
            Staged | Suspended | Deprovisioned => Err(forbidden(Forbidden::UserStatus)),
        },

        // "Delete User": removes a DEPROVISIONED user; on any other status the first DELETE
        // deactivates it.
        Operation::Delete => match from {
            Deprovisioned => Ok(Transition {
                next: Deprovisioned,
                effect: Effect::Delete,
            }),
            Staged | Provisioned | Active | Recovery | LockedOut | PasswordExpired | Suspended => {
                Ok(Transition::to(Deprovisioned))
            }
        },

        // "Change password": STAGED, ACTIVE, PASSWORD_EXPIRED or RECOVERY with a valid password
        // credential. RECOVERY ends ACTIVE (reference); so does PASSWORD_EXPIRED, since the new
        // password is what the expiry asked for. Refusal: E0000035.
        Operation::ChangePassword => match from {
            Staged | Active if user.has_usable_password() => Ok(Transition::to(from)),
            PasswordExpired | Recovery if user.has_usable_password() => Ok(Transition::to(Active)),
            Staged | Provisioned | Active | Recovery | LockedOut | PasswordExpired | Suspended
            | Deprovisioned => Err(forbidden(Forbidden::ChangePassword)),
        },

        // "Change recovery question": STAGED, ACTIVE or RECOVERY with a valid password
        // credential; the status does not change. Wrong status: E0000038 (reference silent);
        // no password to validate: E0000014.
        Operation::ChangeRecoveryQuestion => match from {
            Staged | Active | Recovery if user.has_usable_password() => Ok(Transition::to(from)),
            Staged | Active | Recovery => Err(forbidden(Forbidden::UpdateCredentials)),
            Provisioned | LockedOut | PasswordExpired | Suspended | Deprovisioned => {
                Err(forbidden(Forbidden::UserStatus))
            }
        },

        // "Forgot password": only ACTIVE, for a user with password credentials; the status does
        // not change. (The recovery question it also needs is checked by the caller, which
        // holds the credential.) Refusal: E0000034.
        Operation::ForgotPassword => match from {
            Active if user.provider.has_password_credentials() => Ok(Transition::to(Active)),
            Staged | Provisioned | Active | Recovery | LockedOut | PasswordExpired | Suspended
            | Deprovisioned => Err(forbidden(Forbidden::ForgotPassword)),
        },
    }
}

/// Whether an allowed operation is also advertised in `_links`. This only narrows [`apply`]:
/// - a STAGED user advertises only `activate` (every STAGED example in users.md);
/// - `unlock` is advertised for a LOCKED_OUT user only (the "Links object" table ties the
///   relation to locked-out users), though Unlock of an ACTIVE user is allowed;
/// - `resetFactors` is advertised only while the user has enrolled factors ("Reset Factors");
///   Latchkey has no factor enrollment yet, so never.
fn advertised(status: UserStatus, op: Operation) -> bool {
    match (status, op) {
        (UserStatus::Staged, op) => op == Operation::Activate,
        (status, Operation::Unlock) => status == UserStatus::LockedOut,
        (_, Operation::ResetFactors) => false,
        _ => true,
    }
}

/// The lifecycle and credential link relations of a single user in `status` (users.md,
/// "Links object"): every operation [`apply`] allows and [`advertised`] keeps, in
/// [`Operation::ALL`] order. `self`, `schema` and `type` are the renderer's.
pub fn links(status: UserStatus, user: &UserFacts) -> Vec<&'static str> {
    Operation::ALL
        .into_iter()
        .filter(|&op| advertised(status, op) && apply(status, op, user).is_ok())
        .filter_map(Operation::rel)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use UserStatus::*;

    const OKTA_WITH_PASSWORD: UserFacts = UserFacts {
        has_password: true,
        provider: Provider::Okta,
    };
    const OKTA_WITHOUT_PASSWORD: UserFacts = UserFacts {
        has_password: false,
        provider: Provider::Okta,
    };
    const FEDERATED: UserFacts = UserFacts {
        has_password: false,
        provider: Provider::Federation,
    };
    const DIRECTORY: UserFacts = UserFacts {
        has_password: false,
        provider: Provider::ActiveDirectory,
    };

    /// The expected answer of one cell.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Want {
        To(UserStatus),
        Deleted,
        /// An error, by Okta code.
        Err(&'static str),
    }
    use Want::{Deleted, Err as E, To};

    fn code(err: &DomainError) -> &'static str {
        match err {
            DomainError::Validation { .. } => "E0000001",
            DomainError::Forbidden(Forbidden::AlreadyActive) => "E0000016",
            DomainError::Forbidden(Forbidden::UserStatus) => "E0000038",
            DomainError::Forbidden(Forbidden::Unlock) => "E0000032",
            DomainError::Forbidden(Forbidden::ForgotPassword) => "E0000034",
            DomainError::Forbidden(Forbidden::ChangePassword) => "E0000035",
            DomainError::Forbidden(Forbidden::ResetPassword) => "E0000017",
            DomainError::Forbidden(Forbidden::UpdateCredentials) => "E0000014",
            other => panic!("a lifecycle cell answered {other:?}"),
        }
    }

    fn got(from: UserStatus, op: Operation, facts: &UserFacts) -> Want {
        match apply(from, op, facts) {
            Ok(Transition {
                effect: Effect::Delete,
                next,
            }) => {
                assert_eq!(next, Deprovisioned);
                Deleted
            }
            Ok(t) => To(t.next),
            Err(e) => E(code(&e)),
        }
    }

    /// Every (status, operation) cell for an Okta user with a password: the whole table.
    /// A three-letter name is the next status (`EXP` = PASSWORD_EXPIRED), `DEL` removes the user,
    /// `Ennn` is the error code E0000nnn.
    #[rustfmt::skip]
    fn okta_user_table() -> Vec<(Operation, [Want; 8])> {
        use Operation::*;
        const STA: Want = To(Staged);
        const PRO: Want = To(Provisioned);
        const ACT: Want = To(Active);
        const REC: Want = To(Recovery);
        const LCK: Want = To(LockedOut);
        const EXP: Want = To(PasswordExpired);
        const SUS: Want = To(Suspended);
        const DEP: Want = To(Deprovisioned);
        const DEL: Want = Deleted;
        const E01: Want = E("E0000001");
        const E16: Want = E("E0000016");
        const E17: Want = E("E0000017");
        const E32: Want = E("E0000032");
        const E34: Want = E("E0000034");
        const E35: Want = E("E0000035");
        const E38: Want = E("E0000038");
        vec![
            //                         STAGED PROVIS ACTIVE RECOV  LOCKED EXPIRD SUSPND DEPROV
            (Activate,               [ACT,   E16,   E16,   E16,   E16,   E16,   E16,   ACT]),
            (Reactivate,             [E38,   PRO,   E38,   PRO,   E38,   E38,   E38,   E38]),
            (Deactivate,             [DEP,   DEP,   DEP,   DEP,   DEP,   DEP,   DEP,   E38]),
            (Suspend,                [E01,   E01,   SUS,   E01,   E01,   E01,   E01,   E01]),
            (Unsuspend,              [E01,   E01,   E01,   E01,   E01,   E01,   ACT,   E01]),
            (Unlock,                 [E32,   E32,   ACT,   E32,   ACT,   E32,   E32,   E32]),
            (ResetPassword,          [E17,   REC,   REC,   REC,   REC,   REC,   E17,   E17]),
            (ExpirePassword,         [E38,   E38,   EXP,   E38,   E38,   EXP,   E38,   E38]),
            (ResetFactors,           [E38,   PRO,   ACT,   REC,   LCK,   EXP,   E38,   E38]),
            (Delete,                 [DEP,   DEP,   DEP,   DEP,   DEP,   DEP,   DEP,   DEL]),
            (ChangePassword,         [STA,   E35,   ACT,   ACT,   E35,   ACT,   E35,   E35]),
            (ChangeRecoveryQuestion, [STA,   E38,   ACT,   REC,   E38,   E38,   E38,   E38]),
            (ForgotPassword,         [E34,   E34,   ACT,   E34,   E34,   E34,   E34,   E34]),
        ]
    }

    #[test]
    fn every_cell_for_an_okta_user_with_a_password() {
        let table = okta_user_table();
        let ops: Vec<Operation> = table.iter().map(|(op, _)| *op).collect();
        assert_eq!(
            ops,
            Operation::ALL,
            "the table must list every operation once, in order"
        );
        for (op, row) in table {
            for (from, want) in UserStatus::ALL.into_iter().zip(row) {
                assert_eq!(
                    got(from, op, &OKTA_WITH_PASSWORD),
                    want,
                    "{op:?} from {from}"
                );
            }
        }
    }

    /// The cells that change when the user has no password (an Okta user created without
    /// credentials); every other cell is as for a user with one.
    #[test]
    fn every_cell_for_an_okta_user_without_a_password() {
        use Operation::*;
        let differs = |from: UserStatus, op: Operation| -> Option<Want> {
            match (op, from) {
                (Activate, Staged | Deprovisioned) => Some(To(Provisioned)),
                (ChangePassword, Staged | Active | Recovery | PasswordExpired) => {
                    Some(E("E0000035"))
                }
                (ChangeRecoveryQuestion, Staged | Active | Recovery) => Some(E("E0000014")),
                _ => None,
            }
        };
        let table = okta_user_table();
        for (op, row) in table {
            for (from, with_password) in UserStatus::ALL.into_iter().zip(row) {
                let want = differs(from, op).unwrap_or(with_password);
                assert_eq!(
                    got(from, op, &OKTA_WITHOUT_PASSWORD),
                    want,
                    "{op:?} from {from}"
                );
            }
        }
    }

    /// FEDERATION (and SOCIAL) users: no password or recovery question, but they can sign in
    /// once active, and a reset password converts them back to Okta users.
    #[test]
    fn every_cell_for_a_federated_user() {
        use Operation::*;
        let differs = |from: UserStatus, op: Operation| -> Option<Want> {
            match (op, from) {
                (ExpirePassword, Active | PasswordExpired) => Some(E("E0000038")),
                (ChangePassword, Staged | Active | Recovery | PasswordExpired) => {
                    Some(E("E0000035"))
                }
                (ChangeRecoveryQuestion, Staged | Active | Recovery) => Some(E("E0000014")),
                (ForgotPassword, Active) => Some(E("E0000034")),
                _ => None,
            }
        };
        for facts in [
            FEDERATED,
            UserFacts {
                has_password: false,
                provider: Provider::Social,
            },
        ] {
            for (op, row) in okta_user_table() {
                for (from, with_password) in UserStatus::ALL.into_iter().zip(row) {
                    let want = differs(from, op).unwrap_or(with_password);
                    assert_eq!(got(from, op, &facts), want, "{op:?} from {from}, {facts:?}");
                }
            }
        }
    }

    /// Directory-sourced users activate straight to ACTIVE and cannot be unlocked here.
    #[test]
    fn every_cell_for_a_directory_user() {
        use Operation::*;
        let differs = |from: UserStatus, op: Operation| -> Option<Want> {
            match (op, from) {
                (Unlock, Active | LockedOut) => Some(E("E0000032")),
                (ChangePassword, Staged | Active | Recovery | PasswordExpired) => {
                    Some(E("E0000035"))
                }
                (ChangeRecoveryQuestion, Staged | Active | Recovery) => Some(E("E0000014")),
                _ => None,
            }
        };
        for (op, row) in okta_user_table() {
            for (from, with_password) in UserStatus::ALL.into_iter().zip(row) {
                let want = differs(from, op).unwrap_or(with_password);
                assert_eq!(got(from, op, &DIRECTORY), want, "{op:?} from {from}");
            }
        }
    }

    #[test]
    fn suspend_and_unsuspend_refusals_carry_okta_text() {
        let err = apply(Staged, Operation::Suspend, &OKTA_WITH_PASSWORD).unwrap_err();
        assert_eq!(
            err,
            DomainError::Validation {
                summary: "Cannot suspend a user that is not active".into(),
                causes: vec!["Cannot suspend a user that is not active".into()],
            }
        );
        let err = apply(Active, Operation::Unsuspend, &OKTA_WITH_PASSWORD).unwrap_err();
        assert_eq!(
            err,
            DomainError::Validation {
                summary: "Cannot unsuspend a user that is not suspended".into(),
                causes: vec!["Cannot unsuspend a user that is not suspended".into()],
            }
        );
    }

    #[test]
    fn links_for_an_okta_user_with_a_password() {
        let want: [(UserStatus, &[&str]); 8] = [
            (Staged, &["activate"]),
            (Provisioned, &["reactivate", "deactivate", "resetPassword"]),
            (
                Active,
                &[
                    "deactivate",
                    "suspend",
                    "resetPassword",
                    "expirePassword",
                    "changePassword",
                    "changeRecoveryQuestion",
                    "forgotPassword",
                ],
            ),
            (
                Recovery,
                &[
                    "reactivate",
                    "deactivate",
                    "resetPassword",
                    "changePassword",
                    "changeRecoveryQuestion",
                ],
            ),
            (LockedOut, &["deactivate", "unlock", "resetPassword"]),
            (
                PasswordExpired,
                &[
                    "deactivate",
                    "resetPassword",
                    "expirePassword",
                    "changePassword",
                ],
            ),
            (Suspended, &["deactivate", "unsuspend"]),
            (Deprovisioned, &["activate"]),
        ];
        for (status, rels) in want {
            assert_eq!(links(status, &OKTA_WITH_PASSWORD), rels, "{status}");
        }
    }

    #[test]
    fn links_for_a_federated_active_user() {
        assert_eq!(
            links(Active, &FEDERATED),
            ["deactivate", "suspend", "resetPassword"]
        );
    }

    #[test]
    fn links_for_a_recovering_user_without_a_password() {
        assert_eq!(
            links(Recovery, &OKTA_WITHOUT_PASSWORD),
            ["reactivate", "deactivate", "resetPassword"]
        );
    }

    /// The invariant: a link is never offered for an operation the table refuses.
    #[test]
    fn links_never_disagree_with_the_table() {
        let all_facts = [
            OKTA_WITH_PASSWORD,
            OKTA_WITHOUT_PASSWORD,
            FEDERATED,
            DIRECTORY,
            UserFacts {
                has_password: true,
                provider: Provider::Import,
            },
        ];
        for facts in all_facts {
            for status in UserStatus::ALL {
                for rel in links(status, &facts) {
                    let op = Operation::ALL
                        .into_iter()
                        .find(|op| op.rel() == Some(rel))
                        .unwrap();
                    assert!(
                        apply(status, op, &facts).is_ok(),
                        "{rel} offered from {status}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_operation_but_delete_has_a_distinct_rel() {
        let rels: Vec<&str> = Operation::ALL
            .into_iter()
            .filter_map(Operation::rel)
            .collect();
        assert_eq!(rels.len(), Operation::ALL.len() - 1);
        let mut unique = rels.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), rels.len());
        assert_eq!(Operation::Delete.rel(), None);
    }

    #[test]
    fn provider_spelling_round_trips_and_unknown_reads_as_okta() {
        for p in [
            Provider::Okta,
            Provider::ActiveDirectory,
            Provider::Ldap,
            Provider::Federation,
            Provider::Social,
            Provider::Import,
        ] {
            assert_eq!(Provider::parse(p.as_str()), p);
        }
        assert_eq!(Provider::parse("federation"), Provider::Okta);
        assert_eq!(Provider::parse(""), Provider::Okta);
    }
}
