//! The "no user enumeration by timing" checks, end to end.
//!
//! - `signin-timing`: a sign-in of a username that does not exist and one of a real user
//!   with a wrong password must answer alike (401 E0000004) and take the same time: both
//!   spend one argon2id verification (the unknown one against a dummy hash). Wrong passwords
//!   count toward lockout, so each goes to a different seeded user (the default policy locks
//!   at 10).
//! - `recovery-timing`: a forgot-password by email for a real user and for a username that
//!   does not exist must answer alike (200 RECOVERY_CHALLENGE) and take the same time: the
//!   real user's email leaves through the outbox after the answer.
//!
//! Pairs run one request at a time, in random order, so both kinds see the same machine; the
//! medians must differ by less than the tolerance.

use crate::api::Api;
use crate::report::percentile;
use crate::seed::Seed;
use reqwest::Method;
use serde_json::json;
use std::time::Instant;

/// Pairs run and thrown away first (connections, caches).
const WARM_UP: usize = 5;

pub struct Timing {
    /// What was compared, e.g. "signin-timing".
    pub name: &'static str,
    /// The answer both kinds must give.
    pub answer: &'static str,
    /// The label of the known-user kind.
    pub known_label: &'static str,
    pub unknown_us: Vec<u64>,
    pub wrong_password_us: Vec<u64>,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Timing {
    pub fn median_unknown(&self) -> u64 {
        percentile(&self.unknown_us, 50.0)
    }

    pub fn median_wrong_password(&self) -> u64 {
        percentile(&self.wrong_password_us, 50.0)
    }

    /// (wrong password − unknown) / unknown, of the medians.
    pub fn relative_difference(&self) -> f64 {
        let unknown = self.median_unknown() as f64;
        let wrong = self.median_wrong_password() as f64;
        if unknown > 0.0 {
            (wrong - unknown) / unknown
        } else {
            0.0
        }
    }
}

/// Which comparison to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Signin,
    Recovery,
}

/// Runs `samples` requests of each kind; latencies come back sorted.
pub async fn measure(
    api: &Api,
    seed: &Seed,
    samples: usize,
    check: Check,
) -> anyhow::Result<Timing> {
    let (name, answer, known_label) = match check {
        Check::Signin => ("signin-timing", "401 E0000004", "wrong password"),
        Check::Recovery => ("recovery-timing", "200 RECOVERY_CHALLENGE", "known user"),
    };
    let mut timing = Timing {
        name,
        answer,
        known_label,
        unknown_us: Vec::with_capacity(samples),
        wrong_password_us: Vec::with_capacity(samples),
        errors: 0,
        first_error: None,
    };
    for k in 0..samples + WARM_UP {
        let unknown = format!("nobody{k}@bench.example");
        let known = seed.user(u64::try_from(k)?)?.login.clone();
        let order = if rand::random::<bool>() {
            [(true, unknown), (false, known)]
        } else {
            [(false, known), (true, unknown)]
        };
        for (is_unknown, login) in order {
            let begun = Instant::now();
            let answer = match check {
                Check::Signin => refused(api, &login).await,
                Check::Recovery => recovery(api, &login).await,
            };
            let micros = u64::try_from(begun.elapsed().as_micros())?;
            match answer {
                Err(err) => {
                    timing.errors += 1;
                    timing.first_error.get_or_insert_with(|| format!("{err:#}"));
                }
                Ok(()) if k < WARM_UP => {}
                Ok(()) if is_unknown => timing.unknown_us.push(micros),
                Ok(()) => timing.wrong_password_us.push(micros),
            }
        }
    }
    timing.unknown_us.sort_unstable();
    timing.wrong_password_us.sort_unstable();
    Ok(timing)
}

/// A sign-in with a wrong password, which must be refused with 401 E0000004.
async fn refused(api: &Api, login: &str) -> anyhow::Result<()> {
    let body = json!({ "username": login, "password": "Wrong-Password-1" });
    let reply = api
        .public(Method::POST, "/api/v1/authn", Some(&body))
        .await?
        .expect(401, "refused sign-in")?;
    let code = reply.field("/errorCode")?;
    anyhow::ensure!(code == "E0000004", "refused sign-in answered {code}");
    Ok(())
}

/// A forgot-password by email, which must answer 200 RECOVERY_CHALLENGE.
async fn recovery(api: &Api, login: &str) -> anyhow::Result<()> {
    let body = json!({ "username": login, "factorType": "EMAIL" });
    let reply = api
        .public(Method::POST, "/api/v1/authn/recovery/password", Some(&body))
        .await?
        .expect(200, "forgot password")?;
    let status = reply.field("/status")?;
    anyhow::ensure!(
        status == "RECOVERY_CHALLENGE",
        "forgot password answered {status}"
    );
    Ok(())
}
