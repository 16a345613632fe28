//! Rate limits in Okta's bucket model (rate-limits.md): each request counts against the
//! bucket of its endpoint family for the current one-minute window; over quota it gets 429
//! E0000047, and every response carries `X-Rate-Limit-Limit`, `-Remaining` and `-Reset`.
//!
//! Besides the org-wide buckets, unauthenticated sign-in requests (`/api/v1/authn...` without
//! an API token) count per client address (`authn-ip`, keyed `authn-ip:<ip>`), so one address
//! cannot spend the org's whole authn quota or guess passwords across many users.
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
    /// Unauthenticated sign-in requests of one client address.
    AuthnIp,
}

impl Bucket {
    pub const ALL: [Bucket; 8] = [
        Self::AuthnIp,
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
            Self::AuthnIp => "authn-ip",
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
            Self::AuthnIp => 120,
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
    /// The first refusal of this counter in this window on this node (a violation event
    /// is written once per window, not per refused request).
    pub first_refusal: bool,
}

#[derive(Debug, Default)]
struct Window {
    start: i64,
    /// Totals of every node by counter key (a bucket's name, or `authn-ip:<ip>`).
    shared: HashMap<String, i64>,
    /// Counts on their way to the store: still counted until the totals that include them
    /// come back, so a decision never misses them.
    sending: HashMap<String, i64>,
    unsent: HashMap<String, i64>,
    /// Counters already refused in this window.
    refused: std::collections::HashSet<String>,
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
        self.check_key(bucket.name(), self.quota(bucket), now_ms)
    }

    /// Counts an unauthenticated sign-in request from `ip` and decides.
    pub fn check_client(&self, ip: &str, now_ms: i64) -> Decision {
        let key = format!("{}:{ip}", Bucket::AuthnIp.name());
        self.check_key(&key, self.quota(Bucket::AuthnIp), now_ms)
    }

    fn check_key(&self, key: &str, limit: u64, now_ms: i64) -> Decision {
        let start = now_ms - now_ms.rem_euclid(WINDOW_MS);
        let reset = (start + WINDOW_MS) / 1000;
        let Ok(mut w) = self.window.lock() else {
            return Decision {
                allowed: true,
                limit,
                remaining: limit,
                reset,
                first_refusal: false,
            };
        };
        if w.start != start {
            *w = Window {
                start,
                ..Window::default()
            };
        }
        let used = w.shared.get(key).copied().unwrap_or(0)
            + w.sending.get(key).copied().unwrap_or(0)
            + w.unsent.get(key).copied().unwrap_or(0);
        let used = u64::try_from(used).unwrap_or(0);
        if self.enabled && used >= limit {
            let first_refusal = w.refused.insert(key.to_owned());
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset,
                first_refusal,
            };
        }
        *w.unsent.entry(key.to_owned()).or_insert(0) += 1;
        Decision {
            allowed: true,
            limit,
            remaining: limit.saturating_sub(used + 1),
            reset,
            first_refusal: false,
        }
    }

    /// Sends this node's counts to the store and takes back the totals of all nodes.
    pub async fn sync(&self, store: &dyn Store) -> store::StoreResult<()> {
        let (start, deltas) = {
            let Ok(mut w) = self.window.lock() else {
                return Ok(());
            };
            let deltas: Vec<(String, i64)> = w.unsent.drain().collect();
            w.sending = deltas.iter().cloned().collect();
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
                        w.sending.clear();
                        for (name, n) in deltas {
                            *w.unsent.entry(name).or_insert(0) += n;
                        }
                    }
                }
                return Err(err);
            }
        };
        if let Ok(mut w) = self.window.lock() {
            if w.start == start {
                w.shared = totals.into_iter().collect();
                w.sending.clear();
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
                reset: 180,
                first_refusal: false,
            }
        );
        assert_eq!(l.check(Bucket::Users, t + 1).remaining, 0);
        let refused = l.check(Bucket::Users, t + 2);
        assert!(!refused.allowed);
        assert!(refused.first_refusal);
        assert!(
            !l.check(Bucket::Users, t + 2).first_refusal,
            "once per window"
        );
        // Other buckets are independent.
        assert!(l.check(Bucket::Groups, t + 3).allowed);
        // The next minute starts fresh.
        assert!(l.check(Bucket::Users, t + 60_000).allowed);
    }

    #[test]
    fn client_addresses_count_apart_from_the_bucket() {
        let mut quotas = BTreeMap::new();
        quotas.insert(Bucket::AuthnIp, 2);
        let l = RateLimiter::new(true, quotas);
        assert!(l.check_client("10.0.0.1", 0).allowed);
        assert!(l.check_client("10.0.0.1", 1).allowed);
        let refused = l.check_client("10.0.0.1", 2);
        assert!(!refused.allowed);
        assert_eq!(refused.limit, 2);
        assert!(l.check_client("10.0.0.2", 3).allowed, "another address");
        assert!(
            l.check(Bucket::Authn, 4).allowed,
            "the org bucket is separate"
        );
        assert!(l.check_client("10.0.0.1", 60_000).allowed, "a new window");
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
