//! Lockout under the PASSWORD policy (policy.md, "Lockout object": `maxAttempts`,
//! `autoUnlockMinutes`). The store keeps the per-user failure counter (shared by every
//! node); these pure functions read it. Times are epoch milliseconds.

use super::password::Settings;

/// A user's consecutive failed password attempts as the store keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub last_failure: i64,
    /// When the count reached `maxAttempts`.
    pub locked_at: Option<i64>,
}

/// What the counter means under the policy at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockoutStatus {
    /// Not locked; `remaining` attempts before lockout (None: no limit).
    Open { remaining: Option<i64> },
    /// Locked; `until` is the auto-unlock time (None: only an admin unlocks).
    Locked { until: Option<i64> },
    /// Was locked, and the auto-unlock time has passed: unlock and clear the counter.
    AutoUnlockDue,
}

/// Reads `failures` under `settings` at `now`.
pub fn status(settings: &Settings, failures: Option<&Failures>, now: i64) -> LockoutStatus {
    let lockout = &settings.password.lockout;
    let count = failures.map_or(0, |f| f.count);
    let locked_at = failures.and_then(|f| f.locked_at);
    match locked_at {
        Some(at) => {
            if lockout.auto_unlock_minutes > 0 {
                let until = at.saturating_add(lockout.auto_unlock_minutes.saturating_mul(60_000));
                if now >= until {
                    LockoutStatus::AutoUnlockDue
                } else {
                    LockoutStatus::Locked { until: Some(until) }
                }
            } else {
                LockoutStatus::Locked { until: None }
            }
        }
        None if lockout.max_attempts > 0 => LockoutStatus::Open {
            remaining: Some((lockout.max_attempts - count).max(0)),
        },
        None => LockoutStatus::Open { remaining: None },
    }
}
