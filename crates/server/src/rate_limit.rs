//! Rate limits in Okta's bucket model (rate-limits.md): each request counts against the
//! bucket of its endpoint family for the current one-minute window; over quota it gets 429
//! E0000047, and every response carries `X-Rate-Limit-Limit`, `-Remaining` and `-Reset`.
//!
//! Counting stays off the request's critical path: each node counts locally and a background
//! task adds its counts to the store's shared window every quarter second, reading back the
//! totals of all nodes. A decision uses the last shared total plus this node's unsent count,
//! so several nodes behind a load balancer share one quota (a burst can overshoot by at most
//! what the other nodes received in the last quarter second).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::Store;

/// One minute, the window of every bucket.
pub const WINDOW_MS: i64 = 60_000;

/// An endpoint family with its own quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    Authn,
    Users,
    Groups,
    Apps,
    Sessions,
    Logs,
    Default,
}

impl Bucket {
    pub const ALL: [Bucket; 7] = [
        Self::Authn,
        Self::Users,
        Self::Groups,
        Self::Apps,
        Self::Sessions,
        Self::Logs,
        Self::Default,
    ];

    /// The name used in configuration and in the store.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Authn => "authn",
            Self::Users => "users",
            Self::Groups => "groups",
            Self::Apps => "apps",
            Self::Sessions => "sessions",
            Self::Logs => "logs",
            Self::Default => "default",
        }
    }

    /// Per-minute quotas modelled on Okta's published org-wide limits.
    pub const fn default_quota(self) -> u64 {
        match self {
            Self::Authn => 600,
            Self::Users => 600,
            Self::Groups => 500,
            Self::Apps => 100,
            Self::Sessions => 750,
            Self::Logs => 120,
            Self::Default => 1200,
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The bucket of a request path (longest prefix wins); None for paths outside the API
    /// (health probes), which are not limited.
    pub fn of(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/api/v1/")?;
        let family = rest.split('/').next().unwrap_or_default();
        Some(match family {
            "authn" => Self::Authn,
            "users" => Self::Users,
            "groups" => Self::Groups,
            "apps" => Self::Apps,
            "sessions" => Self::Sessions,
            "logs" => Self::Logs,
            _ => Self::Default,
        })
    }
}

/// What the limiter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Epoch seconds when the window resets.
    pub reset: i64,
}

#[derive(Debug, Default)]
struct Window {
    start: i64,
    shared: HashMap<Bucket, i64>,
    unsent: HashMap<Bucket, i64>,
}

/// The limiter of one node.
#[derive(Debug)]
pub struct RateLimiter {
    enabled: bool,
    quotas: BTreeMap<Bucket, u64>,
    window: Mutex<Window>,
}

impl RateLimiter {
    pub fn new(enabled: bool, quotas: BTreeMap<Bucket, u64>) -> Arc<Self> {
        Arc::new(Self {
            enabled,
            quotas,
            window: Mutex::new(Window::default()),
        })
    }

    pub fn quota(&self, bucket: Bucket) -> u64 {
        self.quotas
            .get(&bucket)
            .copied()
            .unwrap_or_else(|| bucket.default_quota())
    }

    /// Counts a request in `bucket` at `now_ms` and decides. A refused request is not
    /// counted.
    pub fn check(&self, bucket: Bucket, now_ms: i64) -> Decision {
        let start = now_ms - now_ms.rem_euclid(WINDOW_MS);
        let limit = self.quota(bucket);
        let reset = (start + WINDOW_MS) / 1000;
        let Ok(mut w) = self.window.lock() else {
            return Decision {
                allowed: true,
                limit,
                remaining: limit,
                reset,
            };
        };
        if w.start != start {
            *w = Window {
                start,
                ..Window::default()
            };
        }
        let used = w.shared.get(&bucket).copied().unwrap_or(0)
            + w.unsent.get(&bucket).copied().unwrap_or(0);
        let used = u64::try_from(used).unwrap_or(0);
        if self.enabled && used >= limit {
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset,
            };
        }
        *w.unsent.entry(bucket).or_insert(0) += 1;
        Decision {
            allowed: true,
            limit,
            remaining: limit.saturating_sub(used + 1),
            reset,
        }
    }

    /// Sends this node's counts to the store and takes back the totals of all nodes.
    pub async fn sync(&self, store: &dyn Store) -> store::StoreResult<()> {
        let (start, deltas) = {
            let Ok(mut w) = self.window.lock() else {
                return Ok(());
            };
            let deltas: Vec<(String, i64)> = w
                .unsent
                .drain()
                .map(|(b, n)| (b.name().to_owned(), n))
                .collect();
            (w.start, deltas)
        };
        if start == 0 {
            return Ok(());
        }
        let totals = match store.add_rate_counts(start, &deltas).await {
            Ok(t) => t,
            Err(err) => {
                // Keep the counts for the next attempt.
                if let Ok(mut w) = self.window.lock() {
                    if w.start == start {
                        for (name, n) in deltas {
                            if let Some(b) = Bucket::parse(&name) {
                                *w.unsent.entry(b).or_insert(0) += n;
                            }
                        }
                    }
                }
                return Err(err);
            }
        };
        if let Ok(mut w) = self.window.lock() {
            if w.start == start {
                w.shared = totals
                    .into_iter()
                    .filter_map(|(name, n)| Bucket::parse(&name).map(|b| (b, n)))
                    .collect();
            }
        }
        Ok(())
    }

    /// Syncs every quarter second until aborted.
    pub fn spawn_sync(self: &Arc<Self>, store: Arc<dyn Store>) -> tokio::task::JoinHandle<()> {
        let limiter = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(err) = limiter.sync(store.as_ref()).await {
                    tracing::warn!(error = %err, "rate-limit counters not synced");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_path() {
        assert_eq!(Bucket::of("/api/v1/users"), Some(Bucket::Users));
        assert_eq!(
            Bucket::of("/api/v1/users/00u1/lifecycle/activate"),
            Some(Bucket::Users)
        );
        assert_eq!(
            Bucket::of("/api/v1/authn/factors/x/verify"),
            Some(Bucket::Authn)
        );
        assert_eq!(Bucket::of("/api/v1/logs"), Some(Bucket::Logs));
        assert_eq!(Bucket::of("/api/v1/api-tokens"), Some(Bucket::Default));
        assert_eq!(Bucket::of("/health"), None);
        for b in Bucket::ALL {
            assert_eq!(Bucket::parse(b.name()), Some(b));
        }
    }

    #[test]
    fn quota_then_refusal_then_new_window() {
        let mut quotas = BTreeMap::new();
        quotas.insert(Bucket::Users, 2);
        let l = RateLimiter::new(true, quotas);
        let t = 120_000;
        assert_eq!(
            l.check(Bucket::Users, t),
            Decision {
                allowed: true,
                limit: 2,
                remaining: 1,
                reset: 180
            }
        );
        assert_eq!(l.check(Bucket::Users, t + 1).remaining, 0);
        assert!(!l.check(Bucket::Users, t + 2).allowed);
        // Other buckets are independent.
        assert!(l.check(Bucket::Groups, t + 3).allowed);
        // The next minute starts fresh.
        assert!(l.check(Bucket::Users, t + 60_000).allowed);
    }

    #[test]
    fn disabled_limiter_counts_but_never_refuses() {
        let mut quotas = BTreeMap::new();
        quotas.insert(Bucket::Users, 1);
        let l = RateLimiter::new(false, quotas);
        assert!(l.check(Bucket::Users, 0).allowed);
        let d = l.check(Bucket::Users, 1);
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
    }
}
