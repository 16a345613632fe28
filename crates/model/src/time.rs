//! Time for the domain: timestamps are milliseconds since the Unix epoch (UTC) and render as
//! ISO-8601 with milliseconds (`2013-06-24T16:39:18.000Z`), as Okta writes every Date.
//!
//! `Clock` is the only reader of the wall clock; tests use a fixed or stepped clock.

use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    /// `YYYY-MM-DDTHH:mm:ss.SSSZ`.
    pub fn to_iso(self) -> String {
        DateTime::<Utc>::from_timestamp_millis(self.0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Parses an ISO-8601 / RFC 3339 date with offset, as Okta accepts in filters.
    pub fn parse_iso(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .or_else(|| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
            .map(|d| Self(d.timestamp_millis()))
    }

    pub fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }
}

/// The source of "now" for everything that depends on time.
#[derive(Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// A clock that tests set and move.
    Manual(Arc<AtomicI64>),
    /// The system clock moved by an offset (ms) that a test org sets and advances: time
    /// keeps passing, and jumps when told.
    Shifted(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start: Timestamp) -> Self {
        Self::Manual(Arc::new(AtomicI64::new(start.0)))
    }

    /// The system clock, shifted by an offset that starts at zero.
    pub fn shifted() -> Self {
        Self::Shifted(Arc::new(AtomicI64::new(0)))
    }

    #[allow(clippy::disallowed_methods)]
    fn system_now() -> i64 {
        Utc::now().timestamp_millis()
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Self::System => Timestamp(Self::system_now()),
            Self::Manual(ms) => Timestamp(ms.load(Ordering::SeqCst)),
            Self::Shifted(offset) => {
                Timestamp(Self::system_now().saturating_add(offset.load(Ordering::SeqCst)))
            }
        }
    }

    /// Now without a test org's shift: what API tokens' idle expiry runs on, so the admin
    /// token outlives jumps of the clock.
    pub fn unshifted_now(&self) -> Timestamp {
        match self {
            Self::Shifted(_) => Timestamp(Self::system_now()),
            _ => self.now(),
        }
    }

    /// Moves a manual or shifted clock forward (backward when negative); no effect on the
    /// system clock.
    pub fn advance(&self, ms: i64) {
        match self {
            Self::System => {}
            Self::Manual(t) | Self::Shifted(t) => {
                t.fetch_add(ms, Ordering::SeqCst);
            }
        }
    }

    /// Sets a manual or shifted clock to `at` (a shifted one keeps running from there);
    /// answers whether the clock can be set.
    pub fn set(&self, at: Timestamp) -> bool {
        match self {
            Self::System => false,
            Self::Manual(t) => {
                t.store(at.0, Ordering::SeqCst);
                true
            }
            Self::Shifted(offset) => {
                offset.store(at.0.saturating_sub(Self::system_now()), Ordering::SeqCst);
                true
            }
        }
    }

    /// How far a shifted clock is from the system clock (ms); 0 for the others.
    pub fn offset(&self) -> i64 {
        match self {
            Self::Shifted(offset) => offset.load(Ordering::SeqCst),
            _ => 0,
        }
    }

    /// Puts a shifted clock back on the system time.
    pub fn reset(&self) {
        if let Self::Shifted(offset) = self {
            offset.store(0, Ordering::SeqCst);
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::System => f.write_str("Clock::System"),
            Self::Manual(_) => f.write_str("Clock::Manual"),
            Self::Shifted(_) => f.write_str("Clock::Shifted"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_millis_and_z() {
        assert_eq!(Timestamp(0).to_iso(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_372_091_958_123).to_iso(),
            "2013-06-24T16:39:18.123Z"
        );
    }

    #[test]
    fn parses_offsets_and_z() {
        assert_eq!(
            Timestamp::parse_iso("2013-06-24T16:39:18.123Z"),
            Some(Timestamp(1_372_091_958_123))
        );
        assert_eq!(
            Timestamp::parse_iso("2013-01-01T12:00:00.000-07:00"),
            Timestamp::parse_iso("2013-01-01T19:00:00.000Z")
        );
        assert_eq!(Timestamp::parse_iso("yesterday"), None);
    }

    #[test]
    fn shifted_clock_runs_and_jumps() {
        let c = Clock::shifted();
        let before = Clock::System.now();
        c.advance(3_600_000);
        assert!(c.now().0 >= before.0 + 3_600_000);
        assert!(c.set(Timestamp(1_000_000)));
        assert!((c.now().0 - 1_000_000).abs() < 60_000);
        c.reset();
        assert_eq!(c.offset(), 0);
        assert!(!Clock::System.set(Timestamp(0)));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(Timestamp(1000));
        assert_eq!(c.now(), Timestamp(1000));
        c.advance(500);
        assert_eq!(c.now(), Timestamp(1500));
    }
}
