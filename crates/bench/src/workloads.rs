//! The workloads of issue 8, each one Okta API operation (or flow), and the driver that runs
//! one for a fixed time at a fixed concurrency and records every latency.
//!
//! An operation is one request except for the flows: `signin-mfa` (authn, then factor
//! verify), `session-create-get` (authn, create the session from its `sessionToken`, get it)
//! and `signin-timing` (see `timing.rs`). A flow's latency is the whole flow's. Only
//! successful operations are timed; the others count as errors, the first one kept.

use crate::api::Api;
use crate::seed::{self, Seed};
use anyhow::Context;
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// `GET /health`: the HTTP ceiling of the same stack.
    Health,
    /// `POST /api/v1/authn` with username and password → SUCCESS.
    Signin,
    /// Authn → MFA_REQUIRED → TOTP verify → SUCCESS.
    SigninMfa,
    /// `GET /api/v1/users/{id}`.
    GetUserId,
    /// `GET /api/v1/users/{login}`.
    GetUserLogin,
    /// `filter=status eq "ACTIVE"&limit=200`.
    ListUsersActive,
    /// `search=profile.costCenter eq "CCnn"` (a base attribute: no index, each profile read).
    SearchProfile,
    /// `search=profile.team eq "Tnn"` (a custom string property: its search index).
    SearchIndexed,
    /// `q=user1`.
    QPrefix,
    /// `POST /api/v1/users?activate=false` without credentials (STAGED).
    CreateUserNopw,
    /// `POST /api/v1/users?activate=true` with a password (ACTIVE; one argon2id hash).
    CreateUserPw,
    /// `POST /api/v1/users?activate=true` without credentials (PROVISIONED; an activation
    /// email queued).
    CreateUserActivate,
    /// `POST /api/v1/users/{id}`: a partial profile update.
    UpdateProfile,
    /// `PUT /api/v1/groups/{id}/users/{userId}`, a new pair each time.
    AddGroupMember,
    /// `GET /api/v1/groups/{id}/users?limit=200`.
    ListGroupMembers,
    /// Authn → `POST /api/v1/sessions` → `GET /api/v1/sessions/{id}`.
    SessionCreateGet,
    /// `GET /api/v1/logs?limit=100`, following `next` as a poller does.
    LogsPoll,
    /// Unknown username vs. known user with a wrong password, one at a time.
    SigninTiming,
    /// Forgot password by email: unknown username vs. known user, one at a time.
    RecoveryTiming,
    /// `POST /oauth2/{server}/v1/token` with `client_credentials` (client secret in Basic).
    TokenClientCredentials,
    /// Authn → `/authorize` with the session token and PKCE → `/token` with the code.
    TokenAuthCode,
    /// `POST /_latchkey/reset`: a test org back to its snapshot (taken with the seeded users
    /// just before the run), every table copied back.
    TestOrgReset,
}

/// What a workload's throughput is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// `health`'s throughput on the same nodes.
    HttpCeiling,
    /// Argon2id verifications per second the cores can do: each operation costs one.
    HashBound,
}

impl Workload {
    pub fn all() -> Vec<Workload> {
        use clap::ValueEnum;
        Self::value_variants().to_vec()
    }

    pub fn name(self) -> String {
        use clap::ValueEnum;
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }

    pub fn reference(self) -> Reference {
        match self {
            Self::Signin
            | Self::SigninMfa
            | Self::CreateUserPw
            | Self::SessionCreateGet
            | Self::TokenAuthCode
            | Self::SigninTiming => Reference::HashBound,
            _ => Reference::HttpCeiling,
        }
    }

    pub fn requests_per_op(self) -> u32 {
        match self {
            Self::SigninMfa => 2,
            Self::SessionCreateGet | Self::TokenAuthCode => 3,
            _ => 1,
        }
    }

    /// Reads that change nothing: with several nodes they also run on one node alone, so
    /// combined throughput can be read beside one node's.
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Self::Health
                | Self::GetUserId
                | Self::GetUserLogin
                | Self::ListUsersActive
                | Self::SearchProfile
                | Self::SearchIndexed
                | Self::QPrefix
                | Self::ListGroupMembers
        )
    }
}

/// What one workload's run produced.
#[derive(Default)]
pub struct Outcome {
    /// Latency of each successful operation, in microseconds.
    pub latencies_us: Vec<u64>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

/// The state a run's operations share.
pub struct Run {
    pub api: Api,
    pub seed: Arc<Seed>,
    /// `logs-poll`: each worker's place in the System Log.
    log_cursors: Vec<Mutex<String>>,
}

impl Run {
    pub fn new(api: Api, seed: Arc<Seed>, concurrency: usize) -> Self {
        let first = "/api/v1/logs?limit=100".to_owned();
        Self {
            api,
            seed,
            log_cursors: (0..concurrency)
                .map(|_| Mutex::new(first.clone()))
                .collect(),
        }
    }
}

/// Runs `workload` with `concurrency` workers until `duration` has passed; operations in
/// flight then finish and count.
pub async fn drive(
    run: Arc<Run>,
    workload: Workload,
    concurrency: usize,
    duration: Duration,
) -> Outcome {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = JoinSet::new();
    for worker in 0..concurrency {
        let (run, counter) = (run.clone(), counter.clone());
        workers.spawn(async move {
            let mut part = Outcome::default();
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let begun = Instant::now();
                match operation(&run, workload, worker, i).await {
                    Ok(()) => part
                        .latencies_us
                        .push(u64::try_from(begun.elapsed().as_micros()).unwrap_or(u64::MAX)),
                    Err(err) => {
                        part.errors += 1;
                        part.first_error.get_or_insert_with(|| format!("{err:#}"));
                    }
                }
            }
            part
        });
    }
    let mut all = Outcome::default();
    while let Some(part) = workers.join_next().await {
        match part {
            Ok(part) => {
                all.latencies_us.extend(part.latencies_us);
                all.errors += part.errors;
                all.first_error = all.first_error.or(part.first_error);
            }
            Err(err) => {
                all.errors += 1;
                all.first_error.get_or_insert_with(|| err.to_string());
            }
        }
    }
    all.elapsed = started.elapsed();
    all
}

/// Why a workload cannot run on this server, if it cannot: the Sessions API may not be
/// there yet (an unknown `/api/v1` route answers 404).
pub async fn unavailable(
    api: &Api,
    seed: &Seed,
    workload: Workload,
) -> anyhow::Result<Option<String>> {
    if matches!(
        workload,
        Workload::TokenClientCredentials | Workload::TokenAuthCode
    ) && seed.oauth.is_none()
    {
        return Ok(Some(
            "the server has no Authorization Servers API".to_owned(),
        ));
    }
    if workload == Workload::TestOrgReset {
        // The reset point: the org as the seed (and the workloads before) left it.
        let reply = api.admin(Method::POST, "/_latchkey/snapshot", None).await?;
        return Ok((reply.status.as_u16() != 200)
            .then(|| format!("no test mode: /_latchkey/snapshot answers {}", reply.status)));
    }
    if workload != Workload::SessionCreateGet {
        return Ok(None);
    }
    let probe = json!({ "sessionToken": "bench-probe" });
    let reply = api
        .public(Method::POST, "/api/v1/sessions", Some(&probe))
        .await?;
    Ok((reply.status.as_u16() == 404).then(|| "the Sessions API answers 404".to_owned()))
}

/// One operation of `workload`; `i` numbers operations across workers, so each picks a
/// different user (or login to create).
async fn operation(run: &Run, workload: Workload, worker: usize, i: u64) -> anyhow::Result<()> {
    let (api, seed) = (&run.api, &run.seed);
    match workload {
        Workload::Health => {
            api.public(Method::GET, "/health", None)
                .await?
                .expect(200, "health")?;
        }
        Workload::Signin => {
            sign_in(api, &seed.user(i)?.login).await?;
        }
        Workload::SigninMfa => signin_mfa(api, seed).await?,
        Workload::GetUserId => {
            let path = format!("/api/v1/users/{}", seed.user(i)?.id);
            api.admin(Method::GET, &path, None)
                .await?
                .expect(200, "get user")?;
        }
        Workload::GetUserLogin => {
            let path = format!("/api/v1/users/{}", seed.user(i)?.login);
            api.admin(Method::GET, &path, None)
                .await?
                .expect(200, "get user by login")?;
        }
        Workload::ListUsersActive => {
            let path = "/api/v1/users?filter=status%20eq%20%22ACTIVE%22&limit=200";
            api.admin(Method::GET, path, None)
                .await?
                .expect(200, "list users")?;
        }
        Workload::SearchProfile => {
            let path = format!(
                "/api/v1/users?search=profile.costCenter%20eq%20%22{}%22",
                seed::cost_center(i)
            );
            api.admin(Method::GET, &path, None)
                .await?
                .expect(200, "search users")?;
        }
        Workload::SearchIndexed => {
            let path = format!(
                "/api/v1/users?search=profile.team%20eq%20%22{}%22",
                seed::team(i)
            );
            api.admin(Method::GET, &path, None)
                .await?
                .expect(200, "search users on an index")?;
        }
        Workload::QPrefix => {
            api.admin(Method::GET, "/api/v1/users?q=user1", None)
                .await?
                .expect(200, "q users")?;
        }
        Workload::CreateUserNopw => {
            let login = format!("new{i}@bench.example");
            let body = json!({ "profile": seed::profile(&login, "New", i) });
            api.admin(Method::POST, "/api/v1/users?activate=false", Some(&body))
                .await?
                .expect(200, "create user")?;
        }
        Workload::CreateUserActivate => {
            let login = format!("newact{i}@bench.example");
            let body = json!({ "profile": seed::profile(&login, "New", i) });
            api.admin(Method::POST, "/api/v1/users?activate=true", Some(&body))
                .await?
                .expect(200, "create and activate user")?;
        }
        Workload::CreateUserPw => {
            let login = format!("newpw{i}@bench.example");
            let body = json!({
                "profile": seed::profile(&login, "New", i),
                "credentials": { "password": { "value": seed::PASSWORD } },
            });
            api.admin(Method::POST, "/api/v1/users?activate=true", Some(&body))
                .await?
                .expect(200, "create user with password")?;
        }
        Workload::UpdateProfile => {
            let path = format!("/api/v1/users/{}", seed.user(i)?.id);
            let body = json!({ "profile": { "nickName": format!("nick{i}") } });
            api.admin(Method::POST, &path, Some(&body))
                .await?
                .expect(200, "update profile")?;
        }
        Workload::AddGroupMember => {
            // Group i % 10, user i / 10: every (group, user) pair once before any repeats.
            let spare = u64::try_from(seed::SPARE_GROUPS)?;
            let path = format!(
                "/api/v1/groups/{}/users/{}",
                seed.spare_group(i)?,
                seed.user(i / spare)?.id
            );
            api.admin(Method::PUT, &path, None)
                .await?
                .expect(204, "add group member")?;
        }
        Workload::ListGroupMembers => {
            let path = format!("/api/v1/groups/{}/users?limit=200", seed.team(i)?);
            api.admin(Method::GET, &path, None)
                .await?
                .expect(200, "list group members")?;
        }
        Workload::SessionCreateGet => {
            let token = sign_in(api, &seed.user(i)?.login).await?;
            let body = json!({ "sessionToken": token });
            let id = api
                .public(Method::POST, "/api/v1/sessions", Some(&body))
                .await?
                .expect(200, "create session")?
                .field("/id")?;
            api.admin(Method::GET, &format!("/api/v1/sessions/{id}"), None)
                .await?
                .expect(200, "get session")?;
        }
        Workload::LogsPoll => {
            let cursor = run.log_cursors.get(worker).context("no log cursor")?;
            let path = cursor
                .lock()
                .map_err(|_| anyhow::anyhow!("log cursor poisoned"))?
                .clone();
            let reply = api
                .admin(Method::GET, &path, None)
                .await?
                .expect(200, "poll logs")?;
            if let Some(next) = reply.next() {
                *cursor
                    .lock()
                    .map_err(|_| anyhow::anyhow!("log cursor poisoned"))? = next.to_owned();
            }
        }
        Workload::SigninTiming | Workload::RecoveryTiming => {
            anyhow::bail!("the timing checks are not driven by time")
        }
        Workload::TestOrgReset => {
            api.admin(Method::POST, "/_latchkey/reset", None)
                .await?
                .expect(200, "reset")?;
        }
        Workload::TokenClientCredentials => {
            let o = seed.oauth.as_ref().context("no OAuth fixture")?;
            api.form(
                &format!("/oauth2/{}/v1/token", o.server_id),
                &[("grant_type", "client_credentials"), ("scope", &o.scope)],
                Some((&o.service_id, &o.service_secret)),
            )
            .await?
            .expect(200, "client credentials")?;
        }
        Workload::TokenAuthCode => {
            let o = seed.oauth.as_ref().context("no OAuth fixture")?;
            let token = sign_in(api, &seed.user(i)?.login).await?;
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("client_id", &o.spa_id)
                .append_pair("response_type", "code")
                .append_pair("scope", "openid")
                .append_pair("redirect_uri", &o.redirect_uri)
                .append_pair("state", "bench")
                .append_pair("code_challenge", PKCE_CHALLENGE)
                .append_pair("code_challenge_method", "S256")
                .append_pair("sessionToken", &token)
                .finish();
            let (status, location) = api
                .redirect(&format!("/oauth2/{}/v1/authorize?{query}", o.server_id))
                .await?;
            anyhow::ensure!(status.as_u16() == 302, "authorize answered {status}");
            let location = url::Url::parse(&location.context("no Location")?)?;
            let code = location
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .with_context(|| format!("no code in {location}"))?;
            api.form(
                &format!("/oauth2/{}/v1/token", o.server_id),
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &o.spa_id),
                    ("redirect_uri", &o.redirect_uri),
                    ("code", &code),
                    ("code_verifier", PKCE_VERIFIER),
                ],
                None,
            )
            .await?
            .expect(200, "code exchange")?;
        }
    }
    Ok(())
}

/// The PKCE pair of the code workload (RFC 7636 Appendix B).
const PKCE_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const PKCE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Primary authentication that must end in SUCCESS; the `sessionToken`.
async fn sign_in(api: &Api, login: &str) -> anyhow::Result<String> {
    let body = json!({ "username": login, "password": seed::PASSWORD });
    let reply = api
        .public(Method::POST, "/api/v1/authn", Some(&body))
        .await?
        .expect(200, "authn")?;
    let status = reply.field("/status")?;
    anyhow::ensure!(status == "SUCCESS", "authn answered {status}");
    reply.field("/sessionToken")
}

async fn signin_mfa(api: &Api, seed: &Seed) -> anyhow::Result<()> {
    let (user, step) = seed.mfa.take().await?;
    let result = async {
        let body = json!({ "username": user.login, "password": seed::PASSWORD });
        let reply = api
            .public(Method::POST, "/api/v1/authn", Some(&body))
            .await?
            .expect(200, "authn")?;
        let status = reply.field("/status")?;
        anyhow::ensure!(status == "MFA_REQUIRED", "authn answered {status}");
        let verify =
            json!({ "stateToken": reply.field("/stateToken")?, "passCode": user.code(step) });
        let path = format!("/api/v1/authn/factors/{}/verify", user.factor_id);
        let status = api
            .public(Method::POST, &path, Some(&verify))
            .await?
            .expect(200, "verify")?
            .field("/status")?;
        anyhow::ensure!(status == "SUCCESS", "verify answered {status}");
        Ok(())
    }
    .await;
    seed.mfa.give_back(user, step);
    result
}
