//! The Authn API's transaction state machine (authn.md, "Transaction state"), as pure
//! functions: which operation a state allows, and where a transaction goes once a step is
//! done.
//!
//! Invariants:
//! - [`allows`] is total: every (state, operation) pair has an answer, and a refused pair is
//!   answered 403 E0000079 by the server;
//! - [`after_primary`] orders the steps as Okta does: MFA enrollment the policy requires,
//!   then MFA verification, then an expired password, then the expiry warning, then SUCCESS.

/// A transaction's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Unauthenticated,
    PasswordWarn,
    PasswordExpired,
    Recovery,
    RecoveryChallenge,
    PasswordReset,
    LockedOut,
    MfaEnroll,
    MfaEnrollActivate,
    MfaRequired,
    MfaChallenge,
    Success,
}

impl State {
    pub const ALL: [Self; 12] = [
        Self::Unauthenticated,
        Self::PasswordWarn,
        Self::PasswordExpired,
        Self::Recovery,
        Self::RecoveryChallenge,
        Self::PasswordReset,
        Self::LockedOut,
        Self::MfaEnroll,
        Self::MfaEnrollActivate,
        Self::MfaRequired,
        Self::MfaChallenge,
        Self::Success,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::PasswordWarn => "PASSWORD_WARN",
            Self::PasswordExpired => "PASSWORD_EXPIRED",
            Self::Recovery => "RECOVERY",
            Self::RecoveryChallenge => "RECOVERY_CHALLENGE",
            Self::PasswordReset => "PASSWORD_RESET",
            Self::LockedOut => "LOCKED_OUT",
            Self::MfaEnroll => "MFA_ENROLL",
            Self::MfaEnrollActivate => "MFA_ENROLL_ACTIVATE",
            Self::MfaRequired => "MFA_REQUIRED",
            Self::MfaChallenge => "MFA_CHALLENGE",
            Self::Success => "SUCCESS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// An operation on an existing transaction (primary authentication and the recovery
/// starts create one instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /authn` with only a state token.
    GetState,
    Previous,
    Skip,
    Cancel,
    /// `/authn/factors/{id}/verify` (with or without a passcode).
    VerifyFactor,
    /// `/authn/factors/{id}/verify/resend`.
    ResendVerify,
    /// `POST /authn/factors`.
    EnrollFactor,
    /// `/authn/factors/{id}/lifecycle/activate`.
    ActivateFactor,
    /// `/authn/factors/{id}/lifecycle/resend`.
    ResendActivation,
    /// `/authn/credentials/change_password`.
    ChangePassword,
    /// `/authn/credentials/reset_password`.
    ResetPassword,
    /// `/authn/recovery/answer`.
    AnswerRecovery,
    /// `/authn/recovery/factors/{type}/verify`.
    VerifyRecoveryFactor,
    /// `/authn/recovery/factors/{type}/resend`.
    ResendRecovery,
}

impl Operation {
    pub const ALL: [Self; 14] = [
        Self::GetState,
        Self::Previous,
        Self::Skip,
        Self::Cancel,
        Self::VerifyFactor,
        Self::ResendVerify,
        Self::EnrollFactor,
        Self::ActivateFactor,
        Self::ResendActivation,
        Self::ChangePassword,
        Self::ResetPassword,
        Self::AnswerRecovery,
        Self::VerifyRecoveryFactor,
        Self::ResendRecovery,
    ];
}

/// Whether `state` allows `op` at all; `skip` may still need the state's facts (a skip
/// link is only published when skipping is possible, see [`can_skip`]).
pub const fn allows(state: State, op: Operation) -> bool {
    use Operation as O;
    use State as S;
    match op {
        // A finished transaction has no state token left to use.
        O::GetState | O::Cancel => !matches!(state, S::Success),
        O::Previous => matches!(state, S::MfaChallenge | S::MfaEnrollActivate),
        O::Skip => matches!(state, S::PasswordWarn | S::MfaEnroll),
        O::VerifyFactor => matches!(state, S::MfaRequired | S::MfaChallenge),
        O::ResendVerify => matches!(state, S::MfaChallenge),
        O::EnrollFactor => matches!(state, S::MfaEnroll),
        O::ActivateFactor | O::ResendActivation => matches!(state, S::MfaEnrollActivate),
        O::ChangePassword => matches!(state, S::PasswordExpired | S::PasswordWarn),
        O::ResetPassword => matches!(state, S::PasswordReset),
        O::AnswerRecovery => matches!(state, S::Recovery),
        O::VerifyRecoveryFactor | O::ResendRecovery => matches!(state, S::RecoveryChallenge),
    }
}

/// What is known about a signed-in user once their password (or an activation token) was
/// accepted, and which steps are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Progress {
    /// The MFA enrollment policy names a REQUIRED factor the user has not enrolled.
    pub enrollment_required: bool,
    /// The user chose to skip optional enrollment, or finished it.
    pub enrollment_done: bool,
    /// The sign-on policy requires a factor.
    pub mfa_required: bool,
    /// The user has at least one ACTIVE factor.
    pub has_factors: bool,
    /// A factor was verified in this transaction.
    pub mfa_done: bool,
    /// The password is expired (status PASSWORD_EXPIRED or older than the policy's max age).
    pub password_expired: bool,
    /// The password expires within the policy's warning period and the client asked to be
    /// warned (`options.warnBeforePasswordExpired`).
    pub password_warn: bool,
    /// The warning was shown and skipped (or the password changed).
    pub warn_done: bool,
}

/// Where a transaction goes after a step: the first step not yet done, else SUCCESS.
pub const fn after_primary(p: Progress) -> State {
    if p.enrollment_required && !p.enrollment_done {
        return State::MfaEnroll;
    }
    if p.mfa_required && !p.mfa_done {
        return if p.has_factors {
            State::MfaRequired
        } else if p.enrollment_done {
            // Nothing to verify and nothing left to enroll: the enrollment itself
            // verified the user.
            State::Success
        } else {
            State::MfaEnroll
        };
    }
    if p.password_expired {
        return State::PasswordExpired;
    }
    if p.password_warn && !p.warn_done {
        return State::PasswordWarn;
    }
    State::Success
}

/// Whether a `skip` link is published: always for PASSWORD_WARN; for MFA_ENROLL only when
/// no required enrollment is outstanding and a factor the sign-on policy requires exists
/// (skipping must never bypass MFA).
pub const fn can_skip(state: State, p: Progress) -> bool {
    match state {
        State::PasswordWarn => true,
        State::MfaEnroll => {
            let enrollment_owed = p.enrollment_required && !p.enrollment_done;
            let factor_owed = p.mfa_required && !p.mfa_done && !p.has_factors;
            !enrollment_owed && !factor_owed
        }
        _ => false,
    }
}

/// Seconds a state token lives after its last use (sliding).
pub const STATE_TOKEN_LIFETIME_SECS: i64 = 300;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (state, operation) cell: `true` allowed, `false` refused with E0000079.
    #[test]
    fn every_state_operation_pair() {
        use Operation as O;
        use State as S;
        let allowed: &[(S, &[O])] = &[
            (S::Unauthenticated, &[O::GetState, O::Cancel]),
            (
                S::PasswordWarn,
                &[O::GetState, O::Cancel, O::Skip, O::ChangePassword],
            ),
            (
                S::PasswordExpired,
                &[O::GetState, O::Cancel, O::ChangePassword],
            ),
            (S::Recovery, &[O::GetState, O::Cancel, O::AnswerRecovery]),
            (
                S::RecoveryChallenge,
                &[
                    O::GetState,
                    O::Cancel,
                    O::VerifyRecoveryFactor,
                    O::ResendRecovery,
                ],
            ),
            (
                S::PasswordReset,
                &[O::GetState, O::Cancel, O::ResetPassword],
            ),
            (S::LockedOut, &[O::GetState, O::Cancel]),
            (
                S::MfaEnroll,
                &[O::GetState, O::Cancel, O::Skip, O::EnrollFactor],
            ),
            (
                S::MfaEnrollActivate,
                &[
                    O::GetState,
                    O::Cancel,
                    O::Previous,
                    O::ActivateFactor,
                    O::ResendActivation,
                ],
            ),
            (S::MfaRequired, &[O::GetState, O::Cancel, O::VerifyFactor]),
            (
                S::MfaChallenge,
                &[
                    O::GetState,
                    O::Cancel,
                    O::Previous,
                    O::VerifyFactor,
                    O::ResendVerify,
                ],
            ),
            (S::Success, &[]),
        ];
        assert_eq!(allowed.len(), State::ALL.len());
        for (state, ops) in allowed {
            for op in Operation::ALL {
                assert_eq!(allows(*state, op), ops.contains(&op), "{state:?} × {op:?}");
            }
        }
    }

    #[test]
    fn states_round_trip_their_names() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("NOPE"), None);
    }

    #[test]
    fn steps_come_in_okta_order() {
        let base = Progress::default();
        assert_eq!(after_primary(base), State::Success);
        let all = Progress {
            enrollment_required: true,
            mfa_required: true,
            has_factors: true,
            password_expired: true,
            password_warn: true,
            ..base
        };
        assert_eq!(after_primary(all), State::MfaEnroll);
        let enrolled = Progress {
            enrollment_done: true,
            ..all
        };
        assert_eq!(after_primary(enrolled), State::MfaRequired);
        let verified = Progress {
            mfa_done: true,
            ..enrolled
        };
        assert_eq!(after_primary(verified), State::PasswordExpired);
        let changed = Progress {
            password_expired: false,
            ..verified
        };
        assert_eq!(after_primary(changed), State::PasswordWarn);
        let warned = Progress {
            warn_done: true,
            ..changed
        };
        assert_eq!(after_primary(warned), State::Success);
    }

    #[test]
    fn mfa_without_factors_means_enrollment() {
        let p = Progress {
            mfa_required: true,
            ..Progress::default()
        };
        assert_eq!(after_primary(p), State::MfaEnroll);
        assert!(!can_skip(State::MfaEnroll, p), "skipping would bypass MFA");
        let optional = Progress {
            has_factors: true,
            mfa_done: true,
            ..p
        };
        assert!(can_skip(State::MfaEnroll, optional), "nothing is owed");
        let enrolled = Progress {
            enrollment_done: true,
            ..p
        };
        assert_eq!(after_primary(enrolled), State::Success);
        let required = Progress {
            enrollment_required: true,
            ..p
        };
        assert!(!can_skip(State::MfaEnroll, required));
        assert!(can_skip(State::PasswordWarn, required));
        assert!(!can_skip(State::MfaRequired, p));
    }
}
