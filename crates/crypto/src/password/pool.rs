//! The password hashing pool: the one way the server hashes or verifies a password (create
//! user with a password, change/reset/forgot password, primary authentication, recovery
//! answers), so that password work never stalls the async runtime.
//!
//! Invariants:
//! - all argon2/bcrypt/PBKDF2 work runs on `tokio::task::spawn_blocking`, never on an async
//!   worker thread;
//! - at most `workers` jobs run at once and at most `queue` more wait for a worker; a call
//!   arriving when both are full fails at once with [`HashError::Busy`] (the server answers
//!   429) instead of waiting without bound;
//! - a job holds its slot until its CPU work ends, even if the caller gave up, so the limits
//!   describe real CPU load;
//! - [`PasswordHasher::verify_dummy`] costs what verifying a wrong password against an
//!   argon2id hash with the configured parameters costs, so an unknown user and a wrong
//!   password are indistinguishable by time.

use std::fmt;
use std::sync::Arc;

use secrecy::SecretString;
use tokio::sync::{Semaphore, TryAcquireError};

use super::{argon2id, Argon2Params, HashError, StoredPassword, Verification};

/// Default number of callers that may wait for a worker before new ones get
/// [`HashError::Busy`].
pub const DEFAULT_QUEUE: usize = 64;

/// Hashes and verifies passwords on a bounded pool of blocking workers.
///
/// Cheap to clone (one `Arc`); every clone shares the same limits.
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Argon2Params,
    /// One permit per running job.
    workers: Arc<Semaphore>,
    /// One permit per running or waiting job: `workers + queue` in all.
    admission: Arc<Semaphore>,
    worker_count: usize,
    queue: usize,
    /// An argon2id PHC string with `params`, a random salt and a random output.
    dummy: String,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.inner.params)
            .field("workers", &self.inner.worker_count)
            .field("queue", &self.inner.queue)
            .finish_non_exhaustive()
    }
}

/// The number of CPU cores, the default worker count.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl PasswordHasher {
    /// A pool hashing with `params`, running at most `workers` jobs at once with at most
    /// `queue` more waiting. Fails when the parameters are unusable or `workers` is 0.
    pub fn new(params: Argon2Params, workers: usize, queue: usize) -> Result<Self, HashError> {
        if workers == 0 {
            return Err(HashError::InvalidConfig(
                "at least one hashing worker is needed".into(),
            ));
        }
        let admitted = workers
            .checked_add(queue)
            .filter(|total| *total <= Semaphore::MAX_PERMITS)
            .ok_or_else(|| {
                HashError::InvalidConfig("hashing workers + queue is too large".into())
            })?;
        let dummy = argon2id::dummy(&params)?;
        Ok(Self {
            inner: Arc::new(Inner {
                params,
                workers: Arc::new(Semaphore::new(workers)),
                admission: Arc::new(Semaphore::new(admitted)),
                worker_count: workers,
                queue,
                dummy,
            }),
        })
    }

    /// A pool with one worker per core and a queue of [`DEFAULT_QUEUE`].
    pub fn with_defaults(params: Argon2Params) -> Result<Self, HashError> {
        Self::new(params, default_workers(), DEFAULT_QUEUE)
    }

    /// The argon2id parameters new hashes get.
    pub fn params(&self) -> Argon2Params {
        self.inner.params
    }

    /// Hashes `password` with argon2id and the configured parameters.
    pub async fn hash(&self, password: &SecretString) -> Result<StoredPassword, HashError> {
        let params = self.inner.params;
        let password = password.clone();
        self.run(move || argon2id::hash(&params, &password).map(StoredPassword::Argon2))
            .await
    }

    /// Checks `password` against `stored`. `needs_rehash` is set after a match when the
    /// stored form is an imported hash or argon2 with parameters other than the configured
    /// ones; the caller then stores [`PasswordHasher::hash`] of the same password.
    pub async fn verify(
        &self,
        stored: &StoredPassword,
        password: &SecretString,
    ) -> Result<Verification, HashError> {
        let params = self.inner.params;
        let stored = stored.clone();
        let password = password.clone();
        self.run(move || stored.verify(&password, &params)).await
    }

    /// Spends the time of a failed argon2id verify with the configured parameters, for a
    /// sign-in whose user does not exist (or has no password). Never matches.
    pub async fn verify_dummy(&self, password: &SecretString) -> Result<(), HashError> {
        let inner = Arc::clone(&self.inner);
        let password = password.clone();
        self.run(move || argon2id::verify(&inner.dummy, &password).map(|_| ()))
            .await
    }

    /// Runs `job` on a blocking thread once a worker is free; [`HashError::Busy`] at once
    /// when the workers and the queue are all taken.
    async fn run<T, F>(&self, job: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, HashError> + Send + 'static,
    {
        let admitted = Arc::clone(&self.inner.admission)
            .try_acquire_owned()
            .map_err(|e| match e {
                TryAcquireError::NoPermits => HashError::Busy,
                TryAcquireError::Closed => HashError::Internal("hashing pool closed".into()),
            })?;
        let worker = Arc::clone(&self.inner.workers)
            .acquire_owned()
            .await
            .map_err(|_| HashError::Internal("hashing pool closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let result = job();
            drop((worker, admitted));
            result
        })
        .await
        .map_err(|_| HashError::Internal("hashing worker stopped".into()))?
    }

    /// Takes one running slot as a job would, so tests can saturate the pool without timing.
    #[cfg(test)]
    fn occupy_worker(
        &self,
    ) -> (
        tokio::sync::OwnedSemaphorePermit,
        tokio::sync::OwnedSemaphorePermit,
    ) {
        let admitted = Arc::clone(&self.inner.admission)
            .try_acquire_owned()
            .unwrap();
        let worker = Arc::clone(&self.inner.workers).try_acquire_owned().unwrap();
        (admitted, worker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::{HashInput, ImportedHash};

    fn small() -> Argon2Params {
        Argon2Params {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<PasswordHasher>();
    }

    #[test]
    fn bad_configuration_is_rejected() {
        assert!(matches!(
            PasswordHasher::new(small(), 0, 4),
            Err(HashError::InvalidConfig(_))
        ));
        assert!(matches!(
            PasswordHasher::new(small(), 1, usize::MAX),
            Err(HashError::InvalidConfig(_))
        ));
        let bad = Argon2Params {
            memory_kib: 0,
            ..small()
        };
        assert!(matches!(
            PasswordHasher::new(bad, 1, 0),
            Err(HashError::InvalidConfig(_))
        ));
    }

    #[test]
    fn debug_shows_limits_not_the_dummy_hash() {
        let hasher = PasswordHasher::new(small(), 3, 7).unwrap();
        let shown = format!("{hasher:?}");
        assert!(
            shown.contains("workers: 3") && shown.contains("queue: 7"),
            "{shown}"
        );
        assert!(!shown.contains("argon2id"), "{shown}");
    }

    #[tokio::test]
    async fn hash_then_verify_round_trips() {
        let hasher = PasswordHasher::new(small(), 2, 4).unwrap();
        let stored = hasher.hash(&secret("Tr0ub4dor&3")).await.unwrap();
        assert!(
            matches!(&stored, StoredPassword::Argon2(phc) if phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"))
        );
        let hit = hasher
            .verify(&stored, &secret("Tr0ub4dor&3"))
            .await
            .unwrap();
        assert_eq!(
            hit,
            Verification {
                matched: true,
                needs_rehash: false
            }
        );
        let miss = hasher
            .verify(&stored, &secret("tr0ub4dor&3"))
            .await
            .unwrap();
        assert_eq!(
            miss,
            Verification {
                matched: false,
                needs_rehash: false
            }
        );
        // Through the storage string, as the server keeps it.
        let reread = StoredPassword::parse_storage_string(&stored.to_storage_string()).unwrap();
        assert!(
            hasher
                .verify(&reread, &secret("Tr0ub4dor&3"))
                .await
                .unwrap()
                .matched
        );
    }

    #[tokio::test]
    async fn needs_rehash_after_the_configured_params_change() {
        let before = PasswordHasher::new(small(), 1, 4).unwrap();
        let stored = before.hash(&secret("pw")).await.unwrap();
        let after = PasswordHasher::new(
            Argon2Params {
                iterations: 2,
                ..small()
            },
            1,
            4,
        )
        .unwrap();
        let hit = after.verify(&stored, &secret("pw")).await.unwrap();
        assert_eq!(
            hit,
            Verification {
                matched: true,
                needs_rehash: true
            }
        );
        let miss = after.verify(&stored, &secret("nope")).await.unwrap();
        assert_eq!(
            miss,
            Verification {
                matched: false,
                needs_rehash: false
            }
        );
        // The rehash carries the new parameters and no longer needs one.
        let rehashed = after.hash(&secret("pw")).await.unwrap();
        let again = after.verify(&rehashed, &secret("pw")).await.unwrap();
        assert_eq!(
            again,
            Verification {
                matched: true,
                needs_rehash: false
            }
        );
    }

    #[tokio::test]
    async fn imported_hash_verifies_on_the_pool_and_asks_for_rehash() {
        let hasher = PasswordHasher::new(small(), 1, 4).unwrap();
        let parts = bcrypt::hash_with_salt("letmein!", 4, *b"0123456789abcdef").unwrap();
        let full = parts.to_string();
        let imported = ImportedHash::parse(HashInput {
            algorithm: "BCRYPT".into(),
            work_factor: Some(4),
            salt: Some(full[7..29].to_owned()),
            value: Some(full[29..].to_owned()),
            ..HashInput::default()
        })
        .unwrap();
        let stored = StoredPassword::Imported(imported);
        let hit = hasher.verify(&stored, &secret("letmein!")).await.unwrap();
        assert_eq!(
            hit,
            Verification {
                matched: true,
                needs_rehash: true
            }
        );
        let miss = hasher.verify(&stored, &secret("letmein?")).await.unwrap();
        assert_eq!(
            miss,
            Verification {
                matched: false,
                needs_rehash: false
            }
        );
    }

    #[tokio::test]
    async fn verify_dummy_runs_and_uses_the_configured_params() {
        let hasher = PasswordHasher::new(small(), 1, 0).unwrap();
        assert!(hasher
            .inner
            .dummy
            .starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        hasher.verify_dummy(&secret("anything")).await.unwrap();
        hasher.verify_dummy(&secret("")).await.unwrap();
    }

    #[tokio::test]
    async fn busy_when_workers_and_queue_are_full() {
        let hasher = PasswordHasher::new(small(), 1, 0).unwrap();
        let stored = hasher.hash(&secret("pw")).await.unwrap();
        let held = hasher.occupy_worker();
        assert_eq!(hasher.hash(&secret("pw")).await, Err(HashError::Busy));
        assert_eq!(
            hasher.verify(&stored, &secret("pw")).await,
            Err(HashError::Busy)
        );
        assert_eq!(
            hasher.verify_dummy(&secret("pw")).await,
            Err(HashError::Busy)
        );
        // A clone shares the same limits.
        assert_eq!(
            hasher.clone().hash(&secret("pw")).await,
            Err(HashError::Busy)
        );
        drop(held);
        assert!(hasher.verify(&stored, &secret("pw")).await.unwrap().matched);
    }

    #[tokio::test]
    async fn queue_admits_exactly_its_size_then_refuses() {
        let hasher = PasswordHasher::new(small(), 1, 1).unwrap();
        let held = hasher.occupy_worker();
        let password = secret("pw");
        let waiting = hasher.hash(&password);
        tokio::pin!(waiting);
        // Poll the call once: it takes the queue slot and waits for the held worker.
        tokio::select! {
            biased;
            _ = &mut waiting => panic!("finished while the only worker was held"),
            () = std::future::ready(()) => {}
        }
        assert_eq!(hasher.hash(&password).await, Err(HashError::Busy));
        drop(held);
        let stored = waiting.await.unwrap();
        assert!(hasher.verify(&stored, &password).await.unwrap().matched);
    }

    #[tokio::test]
    async fn a_cancelled_waiter_frees_its_queue_slot() {
        let hasher = PasswordHasher::new(small(), 1, 1).unwrap();
        let held = hasher.occupy_worker();
        let password = secret("pw");
        {
            let waiting = hasher.hash(&password);
            tokio::pin!(waiting);
            tokio::select! {
                biased;
                _ = &mut waiting => panic!("finished while the only worker was held"),
                () = std::future::ready(()) => {}
            }
            assert_eq!(hasher.hash(&password).await, Err(HashError::Busy));
        }
        // The waiter was dropped: its slot is free again while the worker is still held.
        let waiting = hasher.hash(&password);
        tokio::pin!(waiting);
        tokio::select! {
            biased;
            _ = &mut waiting => panic!("finished while the only worker was held"),
            () = std::future::ready(()) => {}
        }
        drop(held);
        assert!(waiting.await.is_ok());
    }
}
