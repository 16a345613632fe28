//! The org every workload runs against:
//!
//! - `bench-team-0..9` (through the API): every user is in two of them;
//! - `bench-spare-0..9` (through the API): empty, for `add-group-member` to fill;
//! - the custom string property `team` declared in the default user schema (through the API,
//!   before any user, so its search index is built on an empty table and kept up by the
//!   import);
//! - N ACTIVE users `user<i>@bench.example` with the password [`PASSWORD`], the base
//!   attribute `costCenter` (`CC00`..`CC99`, so each value names 1% of the users; searched
//!   without an index) and `team` (`T00`..`T99`, 1% each, indexed),
//!   written by `latchkey import users` (the bulk import path, while the server runs) from a
//!   JSON Lines file whose rows carry one argon2id hash of the password at the server's
//!   parameters, then read back with `latchkey export users` for their ids;
//! - for `signin-mfa`, users `mfa<i>@bench.example` in `bench-mfa` with an ACTIVE
//!   `token:software:totp` factor (through the API), and an OKTA_SIGN_ON policy for that group
//!   only whose rule requires a factor: everyone else signs in under the default policy.
//!
//! TOTP codes cannot be replayed (a factor accepts only steps after the last one used, within
//! one step of now), so each MFA user signs in at most twice per 30-second step; [`MfaPool`]
//! hands out users and steps so that no code is ever refused.

use crate::api::Api;
use anyhow::Context;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::future::Future;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::task::JoinSet;

/// Every seeded user's password (the default policy: 8+ characters, upper, lower, digit,
/// nothing from the login).
pub const PASSWORD: &str = "Quartz-Lantern-42";
/// Groups each user may be in two of.
pub const TEAMS: usize = 10;
/// Empty groups filled by `add-group-member`.
pub const SPARE_GROUPS: usize = 10;

pub struct SeedUser {
    pub id: String,
    pub login: String,
}

/// The OAuth pieces the token workloads use: a custom authorization server with a scope and
/// a policy allowing client credentials and the authorization code flow, a confidential
/// service app, and a single-page app assigned to Everyone.
pub struct OAuthFixture {
    pub server_id: String,
    pub scope: String,
    pub service_id: String,
    pub service_secret: String,
    pub spa_id: String,
    pub redirect_uri: String,
}

pub struct Seed {
    /// The OAuth fixture; None when the server has no Authorization Servers API.
    pub oauth: Option<OAuthFixture>,
    /// The imported users, or a spread sample of them.
    pub users: Vec<SeedUser>,
    pub teams: Vec<String>,
    pub spare_groups: Vec<String>,
    pub mfa: MfaPool,
    pub import: ImportStats,
    pub seconds: f64,
}

impl Seed {
    /// The seeded user number `i`, wrapping around.
    pub fn user(&self, i: u64) -> anyhow::Result<&SeedUser> {
        pick(&self.users, i)
    }

    pub fn team(&self, i: u64) -> anyhow::Result<&str> {
        pick(&self.teams, i).map(String::as_str)
    }

    pub fn spare_group(&self, i: u64) -> anyhow::Result<&str> {
        pick(&self.spare_groups, i).map(String::as_str)
    }
}

fn pick<T>(items: &[T], i: u64) -> anyhow::Result<&T> {
    let len = u64::try_from(items.len())?;
    anyhow::ensure!(len > 0, "nothing seeded to pick from");
    items
        .get(usize::try_from(i % len)?)
        .context("index out of range")
}

pub fn login(i: usize) -> String {
    format!("user{i}@bench.example")
}

pub fn cost_center(i: u64) -> String {
    format!("CC{:02}", i % 100)
}

/// The `team` of user `i`: 100 values, a different 1% of the users than each cost center.
pub fn team(i: u64) -> String {
    format!("T{:02}", (i / 100) % 100)
}

/// Where the users go: the server binary (for its `import`/`export` commands) and the store
/// its nodes share.
pub struct Target<'a> {
    pub server_bin: &'a Path,
    pub data_dir: &'a Path,
    pub database_url: Option<&'a str>,
}

/// How the bulk import went.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportStats {
    pub users: usize,
    pub seconds: f64,
    /// Peak resident memory of the import process.
    pub peak_rss_kib: u64,
}

/// Seeded users kept for the workloads (a spread sample when there are more).
const KEPT_USERS: usize = 100_000;

/// Seeds the groups, `users` users (bulk import) and `mfa_users` TOTP users (API,
/// `concurrency` requests at a time).
pub async fn org(
    api: &Api,
    target: &Target<'_>,
    users: usize,
    mfa_users: usize,
    concurrency: usize,
) -> anyhow::Result<Seed> {
    let started = Instant::now();
    api.admin(
        Method::POST,
        "/api/v1/meta/schemas/user/default",
        Some(
            &json!({ "definitions": { "custom": { "id": "#custom", "type": "object",
            "properties": { "team": { "title": "Team", "type": "string", "maxLength": 20 } } } } }),
        ),
    )
    .await?
    .expect(200, "declare the team property")?;
    let mut teams = Vec::new();
    for i in 0..TEAMS {
        teams.push(group(api, &format!("bench-team-{i}")).await?);
    }
    let mut spare_groups = Vec::new();
    for i in 0..SPARE_GROUPS {
        spare_groups.push(group(api, &format!("bench-spare-{i}")).await?);
    }
    let import = import_users(target, users).await?;
    let seeded = exported_users(target, users).await?;
    anyhow::ensure!(
        !seeded.is_empty(),
        "the export after the import listed no bench users"
    );
    let mfa = if mfa_users > 0 {
        mfa_org(api, mfa_users, concurrency).await?
    } else {
        MfaPool::default()
    };
    let oauth = match oauth_fixture(api).await {
        Ok(fixture) => Some(fixture),
        Err(err) => {
            println!("No OAuth fixture (the token workloads will not run): {err:#}");
            None
        }
    };
    Ok(Seed {
        oauth,
        users: seeded,
        teams,
        spare_groups,
        mfa,
        import,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes the users' JSON Lines file and runs `latchkey import users` on it.
async fn import_users(target: &Target<'_>, users: usize) -> anyhow::Result<ImportStats> {
    let hasher =
        crypto::password::PasswordHasher::with_defaults(crypto::password::Argon2Params::default())?;
    let phc = hasher
        .hash(&crypto::SecretString::from(PASSWORD.to_owned()))
        .await?
        .to_storage_string();
    let path = target.data_dir.join("bench-users.jsonl");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for i in 0..users {
            let login = login(i);
            let row = json!({
                "profile": profile(&login, &format!("User{i}"), i as u64),
                "groups": [format!("bench-team-{}", i % TEAMS), format!("bench-team-{}", (i + TEAMS / 2) % TEAMS)],
                "credentials": { "password": { "hash": { "algorithm": "ARGON2ID", "value": phc } } },
            });
            serde_json::to_writer(&mut out, &row)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    println!("Importing {users} users with latchkey import users ...");
    let started = Instant::now();
    let mut command = latchkey(target);
    command.arg("import").arg("users").arg(&path);
    let child = command
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting latchkey import users")?;
    let (status, peak_rss_kib) = wait_with_peak_rss(child).await?;
    anyhow::ensure!(status.success(), "latchkey import users failed ({status})");
    let _ = std::fs::remove_file(&path);
    Ok(ImportStats {
        users,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_kib,
    })
}

/// The imported users' ids, from `latchkey export users` (a spread sample of at most
/// [`KEPT_USERS`]).
async fn exported_users(target: &Target<'_>, users: usize) -> anyhow::Result<Vec<SeedUser>> {
    let every = users.div_ceil(KEPT_USERS).max(1);
    let mut command = latchkey(target);
    command.arg("export").arg("users").arg("--quiet");
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting latchkey export users")?;
    let stdout = child.stdout.take().context("no export output")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(line) = lines.next_line().await? {
        let row: Value = serde_json::from_str(&line).context("an exported row")?;
        let Some(login) = row.pointer("/profile/login").and_then(Value::as_str) else {
            continue;
        };
        if !(login.starts_with("user") && login.ends_with("@bench.example")) {
            continue;
        }
        if seen.is_multiple_of(every) {
            let id = row
                .get("id")
                .and_then(Value::as_str)
                .context("an exported row without id")?;
            kept.push(SeedUser {
                id: id.to_owned(),
                login: login.to_owned(),
            });
        }
        seen += 1;
    }
    let status = child.wait().await?;
    anyhow::ensure!(status.success(), "latchkey export users failed ({status})");
    anyhow::ensure!(
        seen == users,
        "the export lists {seen} bench users, {users} were imported"
    );
    Ok(kept)
}

/// `latchkey` on the target's store.
fn latchkey(target: &Target<'_>) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(target.server_bin);
    command
        .env("LATCHKEY_DATA_DIR", target.data_dir)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if let Some(url) = target.database_url {
        command.env("LATCHKEY_DATABASE_URL", url);
    }
    command
}

/// Waits for `child`, reading its peak resident memory (VmHWM) while it runs.
async fn wait_with_peak_rss(
    mut child: tokio::process::Child,
) -> anyhow::Result<(std::process::ExitStatus, u64)> {
    let pid = child.id().context("the import exited at once")?;
    let mut peak = 0;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status, peak));
        }
        if let Ok(kib) = crate::server::peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// User `i`'s profile: Okta's four required attributes, `costCenter` and `team`.
pub fn profile(login: &str, last_name: &str, i: u64) -> Value {
    json!({
        "firstName": "Bench",
        "lastName": last_name,
        "email": login,
        "login": login,
        "costCenter": cost_center(i),
        "team": team(i),
    })
}

async fn oauth_fixture(api: &Api) -> anyhow::Result<OAuthFixture> {
    let server_id = api
        .admin(
            Method::POST,
            "/api/v1/authorizationServers",
            Some(&json!({ "name": "bench", "description": "Benchmarks", "audiences": ["api://bench"] })),
        )
        .await?
        .expect(201, "creating an authorization server")?
        .field("/id")?;
    let base = format!("/api/v1/authorizationServers/{server_id}");
    let scope = "bench:read".to_owned();
    api.admin(
        Method::POST,
        &format!("{base}/scopes"),
        Some(&json!({ "name": scope })),
    )
    .await?
    .expect(201, "creating a scope")?;
    let policy = json!({ "name": "Bench", "description": "Benchmarks",
        "conditions": { "clients": { "include": ["ALL_CLIENTS"] } } });
    let policy_id = api
        .admin(Method::POST, &format!("{base}/policies"), Some(&policy))
        .await?
        .expect(201, "creating an access policy")?
        .field("/id")?;
    let rule = json!({ "name": "Bench", "conditions": {
        "grantTypes": { "include": ["client_credentials", "authorization_code"] },
        "scopes": { "include": ["*"] } } });
    api.admin(
        Method::POST,
        &format!("{base}/policies/{policy_id}/rules"),
        Some(&rule),
    )
    .await?
    .expect(201, "creating an access rule")?;
    let service = api
        .admin(
            Method::POST,
            "/api/v1/apps",
            Some(&json!({
                "name": "oidc_client", "label": "Bench service", "signOnMode": "OPENID_CONNECT",
                "credentials": { "oauthClient": { "token_endpoint_auth_method": "client_secret_basic" } },
                "settings": { "oauthClient": { "application_type": "service",
                    "grant_types": ["client_credentials"] } }
            })),
        )
        .await?
        .expect(200, "creating a service app")?
        .json()?;
    let redirect_uri = "https://bench.example.com/callback".to_owned();
    let spa = api
        .admin(
            Method::POST,
            "/api/v1/apps",
            Some(&json!({
                "name": "oidc_client", "label": "Bench SPA", "signOnMode": "OPENID_CONNECT",
                "credentials": { "oauthClient": { "token_endpoint_auth_method": "none" } },
                "settings": { "oauthClient": { "application_type": "browser",
                    "grant_types": ["authorization_code"], "response_types": ["code"],
                    "redirect_uris": [redirect_uri] } }
            })),
        )
        .await?
        .expect(200, "creating a single-page app")?
        .json()?;
    let everyone = api
        .admin(Method::GET, "/api/v1/groups?q=Everyone", None)
        .await?
        .expect(200, "finding Everyone")?
        .field("/0/id")?;
    let spa_app = spa.get("id").and_then(Value::as_str).context("app id")?;
    api.admin(
        Method::PUT,
        &format!("/api/v1/apps/{spa_app}/groups/{everyone}"),
        Some(&json!({})),
    )
    .await?
    .expect(200, "assigning the SPA to Everyone")?;
    let text = |v: &Value, p: &str| -> anyhow::Result<String> {
        v.pointer(p)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("no {p}"))
    };
    Ok(OAuthFixture {
        server_id,
        scope,
        service_id: text(&service, "/credentials/oauthClient/client_id")?,
        service_secret: text(&service, "/credentials/oauthClient/client_secret")?,
        spa_id: text(&spa, "/credentials/oauthClient/client_id")?,
        redirect_uri,
    })
}

async fn group(api: &Api, name: &str) -> anyhow::Result<String> {
    let body = json!({ "profile": { "name": name } });
    api.admin(Method::POST, "/api/v1/groups", Some(&body))
        .await?
        .expect(200, "creating a group")?
        .field("/id")
}

/// The `bench-mfa` group, its sign-on policy, and its TOTP users.
async fn mfa_org(api: &Api, count: usize, concurrency: usize) -> anyhow::Result<MfaPool> {
    let group_id = group(api, "bench-mfa").await?;
    let policy = json!({
        "type": "OKTA_SIGN_ON", "name": "Bench MFA", "priority": 1,
        "conditions": { "people": { "groups": { "include": [group_id] } } },
    });
    let policy_id = api
        .admin(Method::POST, "/api/v1/policies", Some(&policy))
        .await?
        .expect(200, "creating the MFA sign-on policy")?
        .field("/id")?;
    let rule = json!({
        "type": "SIGN_ON", "name": "Require a factor",
        "actions": { "signon": { "access": "ALLOW", "requireFactor": true,
            "factorPromptMode": "ALWAYS", "factorLifetime": 15,
            "session": { "maxSessionIdleMinutes": 120, "maxSessionLifetimeMinutes": 0,
                         "usePersistentCookie": false } } },
    });
    api.admin(
        Method::POST,
        &format!("/api/v1/policies/{policy_id}/rules"),
        Some(&rule),
    )
    .await?
    .expect(200, "creating the MFA sign-on rule")?;
    let users = each(count, concurrency, api, move |api, i| {
        let group_id = group_id.clone();
        async move { mfa_user(&api, i, &group_id).await }
    })
    .await?;
    Ok(MfaPool {
        users: Mutex::new(users.into()),
        waits: AtomicU64::new(0),
    })
}

/// Creates `mfa<i>@bench.example` and enrolls and activates its TOTP factor.
async fn mfa_user(api: &Api, i: usize, group_id: &str) -> anyhow::Result<MfaUser> {
    let login = format!("mfa{i}@bench.example");
    let body = json!({
        "profile": profile(&login, &format!("Mfa{i}"), i as u64),
        "credentials": { "password": { "value": PASSWORD } },
        "groupIds": [group_id],
    });
    let user_id = api
        .admin(Method::POST, "/api/v1/users?activate=true", Some(&body))
        .await?
        .expect(200, "seeding an MFA user")?
        .field("/id")?;
    let enroll = json!({ "factorType": "token:software:totp", "provider": "OKTA" });
    let factor = api
        .admin(
            Method::POST,
            &format!("/api/v1/users/{user_id}/factors"),
            Some(&enroll),
        )
        .await?
        .expect(200, "enrolling TOTP")?;
    let factor_id = factor.field("/id")?;
    let secret = factor.field("/_embedded/activation/sharedSecret")?;
    let seed = crypto::otp::seed_from_base32(&secret).context("sharedSecret is not base32")?;
    // Activate with the previous step's code: the current and the next stay usable.
    let step = current_step()?.saturating_sub(1);
    let activate =
        json!({ "passCode": crypto::otp::totp_code(&seed, step * crypto::otp::TIME_STEP) });
    api.admin(
        Method::POST,
        &format!("/api/v1/users/{user_id}/factors/{factor_id}/lifecycle/activate"),
        Some(&activate),
    )
    .await?
    .expect(200, "activating TOTP")?;
    Ok(MfaUser {
        login,
        factor_id,
        seed,
        last_step: step,
    })
}

/// Runs `job(api, 0..count)` with at most `concurrency` running; results in index order.
async fn each<T, F, Fut>(
    count: usize,
    concurrency: usize,
    api: &Api,
    job: F,
) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(Api, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency.clamp(1, count.max(1)) {
        let (job, next, api) = (job.clone(), next.clone(), api.clone());
        tasks.spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, anyhow::Error>(done);
                }
                done.push((i, job(api.clone(), i).await?));
            }
        });
    }
    let mut all = Vec::with_capacity(count);
    while let Some(part) = tasks.join_next().await {
        all.extend(part??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

/// The current TOTP step by the wall clock (the server reads the same clock).
fn current_step() -> anyhow::Result<u64> {
    let seconds = u64::try_from(model::time::Clock::System.now().millis() / 1000)?;
    Ok(seconds / crypto::otp::TIME_STEP)
}

pub struct MfaUser {
    pub login: String,
    pub factor_id: String,
    seed: Vec<u8>,
    last_step: u64,
}

impl MfaUser {
    /// The code of `step`, which [`MfaPool::take`] chose unused.
    pub fn code(&self, step: u64) -> String {
        crypto::otp::totp_code(&self.seed, step * crypto::otp::TIME_STEP)
    }
}

/// MFA users waiting for their next sign-in, least recently used first.
#[derive(Default)]
pub struct MfaPool {
    users: Mutex<VecDeque<MfaUser>>,
    /// Times a sign-in had to wait for a step to pass because every user had used theirs.
    pub waits: AtomicU64,
}

impl MfaPool {
    pub fn len(&self) -> usize {
        self.users.lock().map_or(0, |u| u.len())
    }

    /// A user and a TOTP step it has not used, within the server's drift window; waits for
    /// the next step when every user has used theirs.
    pub async fn take(&self) -> anyhow::Result<(MfaUser, u64)> {
        loop {
            if let Some(found) = self.try_take(current_step()?)? {
                return Ok(found);
            }
            self.waits.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn try_take(&self, now: u64) -> anyhow::Result<Option<(MfaUser, u64)>> {
        let mut users = self
            .users
            .lock()
            .map_err(|_| anyhow::anyhow!("MFA pool poisoned"))?;
        for _ in 0..users.len() {
            let Some(user) = users.pop_front() else { break };
            let step = now.max(user.last_step + 1);
            if step <= now + crypto::otp::DRIFT_STEPS {
                return Ok(Some((user, step)));
            }
            users.push_back(user);
        }
        Ok(None)
    }

    /// Returns a user after a sign-in that used `step`.
    pub fn give_back(&self, mut user: MfaUser, step: u64) {
        user.last_step = step;
        if let Ok(mut users) = self.users.lock() {
            users.push_back(user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(last_step: u64) -> MfaUser {
        MfaUser {
            login: "mfa0@bench.example".into(),
            factor_id: "uft0".into(),
            seed: vec![1; 20],
            last_step,
        }
    }

    #[test]
    fn a_user_gets_each_step_of_the_window_once() {
        let pool = MfaPool::default();
        pool.give_back(user(99), 99);
        let (u, step) = pool.try_take(100).unwrap().unwrap();
        assert_eq!(step, 100);
        pool.give_back(u, step);
        let (u, step) = pool.try_take(100).unwrap().unwrap();
        assert_eq!(step, 101);
        pool.give_back(u, step);
        assert!(pool.try_take(100).unwrap().is_none());
        assert_eq!(pool.try_take(101).unwrap().unwrap().1, 102);
    }
}
