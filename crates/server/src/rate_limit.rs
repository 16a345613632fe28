//! Rate limits in Okta's bucket model (rate-limits.md): each request counts against the
//! bucket of its endpoint family, with a per-minute quota; over quota it gets 429 E0000047,
//! and every response carries `X-Rate-Limit-Limit`, `-Remaining` and `-Reset`.
//!
//! The minute is a sliding window, not a fixed one: requests are counted per one-second slot,
//! and a decision sums the current slot and the sixty before it. So no 60-second span ever
//! holds more than the quota (a fixed window lets twice the quota through across a minute
//! boundary); the price is that a quota frees up to one second later than a minute.
//! `X-Rate-Limit-Reset` is when the oldest counted slot leaves the window.
//!
//! Besides the org-wide buckets, unauthenticated sign-in requests (`/api/v1/authn...` without
//! an API token) count per client address (`authn-ip`, keyed `authn-ip:<ip>`), so one address
//! cannot spend the org's whole authn quota or guess passwords across many users. That
//! narrow limit is decided first: a request it refuses does not count against the org's
//! bucket, so one address cannot deny sign-in to everybody else.
//!
//! Counting stays off the request's critical path: each node counts locally and a background
//! task adds its counts to the store's shared slots every quarter second, reading back the
//! totals of all nodes. A decision uses the last shared total plus this node's unsent count,
//! so several nodes behind a load balancer share one quota (a burst can overshoot by at most
//! what the other nodes received in the last quarter second).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::Store;

/// One minute, the span every quota is for.
pub const WINDOW_MS: i64 = 60_000;

/// The counting slot: requests are counted per second.
pub const SLOT_MS: i64 = 1_000;

/// The slots a decision sums: the current one and the sixty before it, so the counted span
/// always covers the 60 seconds before the request.
const COUNTED_SLOTS: i64 = WINDOW_MS / SLOT_MS + 1;

/// An endpoint family with its own quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    Authn,
    Users,
    Groups,
    Apps,
    Sessions,
    Logs,
    /// The authorization servers' endpoints (`/oauth2/...`).
    OAuth2,
    Default,
    /// Unauthenticated sign-in requests of one client address.
    AuthnIp,
}

impl Bucket {
    pub const ALL: [Bucket; 9] = [
        Self::AuthnIp,
        Self::Authn,
        Self::Users,
        Self::Groups,
        Self::Apps,
        Self::Sessions,
        Self::Logs,
        Self::OAuth2,
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
            Self::OAuth2 => "oauth2",
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
            Self::OAuth2 => 600,
            Self::Default => 1200,
            Self::AuthnIp => 120,
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The bucket of a request path (longest prefix wins); None for paths outside the API
    /// (health probes), which are not limited.
    /// The bucket of a request: [`Bucket::of`] its path, and the hosted sign-in, recovery and
    /// activation pages' form posts count as the Authn API they drive.
    pub fn of_request(method: &axum::http::Method, path: &str) -> Option<Self> {
        let page = path.starts_with("/login/")
            || path.starts_with("/signin/")
            || path.starts_with("/welcome/")
            || path == "/activate";
        if page && method == axum::http::Method::POST {
            return Some(Self::Authn);
        }
        Self::of(path)
    }

    pub fn of(path: &str) -> Option<Self> {
        if path.starts_with("/oauth2/") {
            return Some(Self::OAuth2);
        }
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

/// Requests of one counter per slot start.
type Slots = BTreeMap<i64, i64>;

#[derive(Debug, Default)]
struct Window {
    /// Totals of every node by counter key (a bucket's name, or `authn-ip:<ip>`), with the
    /// oldest slot they include, as of the last sync.
    shared: HashMap<String, (i64, i64)>,
    /// The slot of the last sync: the newest slot `shared` can include. Once it has left
    /// the window, so has everything in `shared`, which then counts for nothing.
    shared_slot: i64,
    /// Counts on their way to the store: still counted until the totals that include them
    /// come back, so a decision never misses them.
    sending: HashMap<String, Slots>,
    unsent: HashMap<String, Slots>,
    /// Counters already refused in the current minute, and that minute.
    refused: HashSet<String>,
    refused_minute: i64,
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

    /// Decides an unauthenticated sign-in request from `ip`: its address's limit first, then
    /// the bucket's. It counts against the bucket only when its address may send it, and
    /// against its address only when the bucket lets it through.
    pub fn check_client(&self, bucket: Bucket, ip: &str, now_ms: i64) -> Decision {
        let key = format!("{}:{ip}", Bucket::AuthnIp.name());
        let per_client = self.check_key(&key, self.quota(Bucket::AuthnIp), now_ms);
        if !per_client.allowed {
            return per_client;
        }
        let org = self.check_key(bucket.name(), self.quota(bucket), now_ms);
        if !org.allowed {
            self.uncount(&key, now_ms);
        }
        org
    }

    fn check_key(&self, key: &str, limit: u64, now_ms: i64) -> Decision {
        let slot = now_ms - now_ms.rem_euclid(SLOT_MS);
        let since = slot - (COUNTED_SLOTS - 1) * SLOT_MS;
        let Ok(mut w) = self.window.lock() else {
            return Decision {
                allowed: true,
                limit,
                remaining: limit,
                reset: (now_ms + WINDOW_MS) / 1000,
                first_refusal: false,
            };
        };
        let snapshot = (w.shared_slot >= since)
            .then(|| w.shared.get(key).copied())
            .flatten();
        let (shared, shared_oldest) = snapshot.unwrap_or((0, slot));
        let mut used = shared;
        let mut oldest = if shared > 0 { shared_oldest } else { slot };
        for local in [w.sending.get(key), w.unsent.get(key)]
            .into_iter()
            .flatten()
        {
            for (&at, &n) in local.range(since..) {
                used += n;
                oldest = oldest.min(at);
            }
        }
        let oldest = oldest.max(since);
        // When the oldest counted slot leaves the window (rounded up to a second).
        let reset = (oldest + COUNTED_SLOTS * SLOT_MS + 999) / 1000;
        let used = u64::try_from(used).unwrap_or(0);
        if self.enabled && used >= limit {
            let minute = now_ms - now_ms.rem_euclid(WINDOW_MS);
            if w.refused_minute != minute {
                w.refused_minute = minute;
                w.refused.clear();
            }
            let first_refusal = w.refused.insert(key.to_owned());
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset,
                first_refusal,
            };
        }
        *w.unsent
            .entry(key.to_owned())
            .or_default()
            .entry(slot)
            .or_insert(0) += 1;
        Decision {
            allowed: true,
            limit,
            remaining: limit.saturating_sub(used + 1),
            reset,
            first_refusal: false,
        }
    }

    /// Takes back one request counted at `now_ms` (refused by a wider limit after all).
    fn uncount(&self, key: &str, now_ms: i64) {
        let slot = now_ms - now_ms.rem_euclid(SLOT_MS);
        if let Ok(mut w) = self.window.lock() {
            if let Some(slots) = w.unsent.get_mut(key) {
                if let Some(n) = slots.get_mut(&slot) {
                    *n -= 1;
                    if *n <= 0 {
                        slots.remove(&slot);
                    }
                }
                if slots.is_empty() {
                    w.unsent.remove(key);
                }
            }
        }
    }

    /// Sends this node's counts to the store and takes back the totals of all nodes.
    pub async fn sync(&self, store: &dyn Store, now_ms: i64) -> store::StoreResult<()> {
        let slot = now_ms - now_ms.rem_euclid(SLOT_MS);
        let since = slot - (COUNTED_SLOTS - 1) * SLOT_MS;
        let deltas: Vec<store::RateDelta> = {
            let Ok(mut w) = self.window.lock() else {
                return Ok(());
            };
            let unsent = std::mem::take(&mut w.unsent);
            let deltas = unsent
                .iter()
                .flat_map(|(key, slots)| {
                    slots
                        .range(since..)
                        .map(|(&slot, &count)| store::RateDelta {
                            key: key.clone(),
                            slot,
                            count,
                        })
                })
                .collect();
            w.sending = unsent;
            deltas
        };
        let totals = match store.add_rate_counts(since, &deltas).await {
            Ok(t) => t,
            Err(err) => {
                // Keep the counts for the next attempt.
                if let Ok(mut w) = self.window.lock() {
                    let sending = std::mem::take(&mut w.sending);
                    for (key, slots) in sending {
                        let mine = w.unsent.entry(key).or_default();
                        for (slot, n) in slots {
                            *mine.entry(slot).or_insert(0) += n;
                        }
                    }
                }
                return Err(err);
            }
        };
        if let Ok(mut w) = self.window.lock() {
            w.shared = totals
                .into_iter()
                .map(|t| (t.key, (t.count, t.oldest_slot)))
                .collect();
            w.shared_slot = slot;
            w.sending.clear();
        }
        Ok(())
    }

    /// Syncs every quarter second until aborted.
    pub fn spawn_sync(
        self: &Arc<Self>,
        store: Arc<dyn Store>,
        clock: model::time::Clock,
    ) -> tokio::task::JoinHandle<()> {
        let limiter = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(err) = limiter.sync(store.as_ref(), clock.now().millis()).await {
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
        assert_eq!(Bucket::of("/oauth2/default/v1/token"), Some(Bucket::OAuth2));
        let post = axum::http::Method::POST;
        assert_eq!(
            Bucket::of_request(&post, "/login/step"),
            Some(Bucket::Authn)
        );
        assert_eq!(
            Bucket::of_request(&post, "/signin/forgot-password"),
            Some(Bucket::Authn)
        );
        assert_eq!(
            Bucket::of_request(&axum::http::Method::GET, "/login/login.htm"),
            None
        );
        for b in Bucket::ALL {
            assert_eq!(Bucket::parse(b.name()), Some(b));
        }
    }

    #[test]
    fn quota_then_refusal_then_the_window_slides() {
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
                reset: 181,
                first_refusal: false,
            }
        );
        assert_eq!(l.check(Bucket::Users, t + 1).remaining, 0);
        let refused = l.check(Bucket::Users, t + 2);
        assert!(!refused.allowed);
        assert!(refused.first_refusal);
        assert_eq!(refused.reset, 181, "when the oldest counted slot leaves");
        assert!(
            !l.check(Bucket::Users, t + 2).first_refusal,
            "once per minute"
        );
        // Other buckets are independent.
        assert!(l.check(Bucket::Groups, t + 3).allowed);
        // Sixty seconds later the two requests still count; a second after, they do not.
        assert!(!l.check(Bucket::Users, t + 60_000).allowed);
        assert!(l.check(Bucket::Users, t + 61_000).allowed);
    }

    #[test]
    fn a_synced_total_stops_counting_once_its_newest_slot_leaves_the_window() {
        let l = RateLimiter::new(true, BTreeMap::from([(Bucket::Users, 2)]));
        let t = 120_000;
        {
            // As a sync at `t` leaves it: two requests of all nodes, none unsent here.
            let mut w = l.window.lock().unwrap();
            w.shared.insert(Bucket::Users.name().to_owned(), (2, t));
            w.shared_slot = t;
        }
        assert!(!l.check(Bucket::Users, t + 60_000).allowed);
        // No sync since (a stalled store, or a clock that jumped): the snapshot's slots are
        // all older than the window, so they no longer refuse anything.
        assert!(l.check(Bucket::Users, t + 61_000).allowed);
    }

    #[test]
    fn no_minute_holds_more_than_the_quota_across_a_boundary() {
        let mut quotas = BTreeMap::new();
        quotas.insert(Bucket::Users, 10);
        let l = RateLimiter::new(true, quotas);
        // Ten at the end of one minute, then a burst just after the boundary: a fixed window
        // would let ten more through within one second.
        for i in 0..10 {
            assert!(l.check(Bucket::Users, 59_500 + i).allowed);
        }
        let after: usize = (0..50)
            .filter(|i| l.check(Bucket::Users, 60_100 + i * 1_000).allowed)
            .count();
        assert_eq!(after, 0, "no room until the first ten leave the window");
        assert!(l.check(Bucket::Users, 59_500 + 61_000).allowed);
        // Spread evenly, any 60 seconds hold at most the quota.
        let l = RateLimiter::new(true, BTreeMap::from([(Bucket::Users, 10)]));
        let allowed: Vec<i64> = (0..600)
            .map(|i| i * 500)
            .filter(|&t| l.check(Bucket::Users, t).allowed)
            .collect();
        for (i, &t) in allowed.iter().enumerate() {
            let in_span = allowed[i..].iter().take_while(|&&u| u < t + 60_000).count();
            assert!(in_span <= 10, "{in_span} requests in the minute from {t}");
        }
    }

    #[test]
    fn client_addresses_are_decided_before_the_bucket() {
        let mut quotas = BTreeMap::new();
        quotas.insert(Bucket::AuthnIp, 2);
        quotas.insert(Bucket::Authn, 5);
        let l = RateLimiter::new(true, quotas);
        assert!(l.check_client(Bucket::Authn, "10.0.0.1", 0).allowed);
        assert!(l.check_client(Bucket::Authn, "10.0.0.1", 1).allowed);
        for t in 2..100 {
            let refused = l.check_client(Bucket::Authn, "10.0.0.1", t);
            assert!(!refused.allowed);
            assert_eq!(refused.limit, 2);
        }
        // The refused requests did not spend the org's bucket.
        assert_eq!(l.check(Bucket::Authn, 100).remaining, 2);
        assert!(l.check_client(Bucket::Authn, "10.0.0.2", 101).allowed);
        assert!(l.check_client(Bucket::Authn, "10.0.0.3", 102).allowed);
        // The bucket is full: an address with room is refused by it and keeps its room.
        let org = l.check_client(Bucket::Authn, "10.0.0.4", 103);
        assert!(!org.allowed);
        assert_eq!(org.limit, 5);
        assert_eq!(
            l.check_key("authn-ip:10.0.0.4", 2, 105).remaining,
            1,
            "the refused request was taken back from its address"
        );
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
