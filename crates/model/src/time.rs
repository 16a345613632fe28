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
}

impl Clock {
    pub fn manual(start: Timestamp) -> Self {
        Self::Manual(Arc::new(AtomicI64::new(start.0)))
    }

    #[allow(clippy::disallowed_methods)]
    pub fn now(&self) -> Timestamp {
        match self {
            Self::System => Timestamp(Utc::now().timestamp_millis()),
            Self::Manual(ms) => Timestamp(ms.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward; no effect on the system clock.
    pub fn advance(&self, ms: i64) {
        if let Self::Manual(t) = self {
            t.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::System => f.write_str("Clock::System"),
            Self::Manual(_) => f.write_str("Clock::Manual"),
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
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(Timestamp(1000));
        assert_eq!(c.now(), Timestamp(1000));
        c.advance(500);
        assert_eq!(c.now(), Timestamp(1500));
    }
}
