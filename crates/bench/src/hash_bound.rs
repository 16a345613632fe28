//! The password-hash bound: the most sign-ins per second this machine can do at all.
//!
//! Every sign-in spends one argon2id verification (a known user against their hash, an
//! unknown one against the dummy hash), so no server beats cores × verifications per second
//! per core. It is measured in this process, through the server's own `PasswordHasher` with
//! the server's default parameters, before any server runs. The bound is one worker's rate
//! times the cores; the rate of all cores at once is measured too, because argon2id is
//! memory-bound and cores that share a cache and memory bus rarely reach the product.

use crypto::password::{Argon2Params, PasswordHasher};
use crypto::SecretString;
use std::time::{Duration, Instant};

pub struct HashBound {
    pub params: Argon2Params,
    /// Verifications per second on one core.
    pub per_core: f64,
    pub cores: usize,
    /// Verifications per second measured with one worker per core running at once.
    pub all_cores_measured: f64,
}

impl HashBound {
    /// Verifications per second on every core: the bound sign-ins are judged against.
    pub fn per_second(&self) -> f64 {
        self.per_core * self.cores as f64
    }
}

/// Measures one worker, then one per core, each for at least `duration`.
pub async fn measure(params: Argon2Params, duration: Duration) -> anyhow::Result<HashBound> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_core = rate(params, 1, duration).await?;
    let all_cores_measured = rate(params, cores, duration).await?;
    Ok(HashBound {
        params,
        per_core,
        cores,
        all_cores_measured,
    })
}

/// Verifications per second against the dummy hash with `workers` callers at once.
async fn rate(params: Argon2Params, workers: usize, duration: Duration) -> anyhow::Result<f64> {
    let hasher = PasswordHasher::new(params, workers, workers)?;
    let password = SecretString::from(crate::seed::PASSWORD);
    hasher.verify_dummy(&password).await?;
    let started = Instant::now();
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (hasher, password) = (hasher.clone(), password.clone());
        callers.spawn(async move {
            let mut done = 0u32;
            while done < 3 || started.elapsed() < duration {
                hasher.verify_dummy(&password).await?;
                done += 1;
            }
            Ok::<_, anyhow::Error>(done)
        });
    }
    let mut done = 0u32;
    while let Some(part) = callers.join_next().await {
        done += part??;
    }
    Ok(f64::from(done) / started.elapsed().as_secs_f64())
}
