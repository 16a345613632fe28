//! `latchkey-bench`: measures a release Latchkey against the limits of the machine it runs
//! on (issue 8, "Benchmark harness").
//!
//! It starts the release server as an operator would (SQLite in a temp folder, or N nodes on
//! a fresh PostgreSQL database), seeds an org (users through `latchkey import users`, the
//! rest through the Okta API), then drives each workload
//! with one keep-alive HTTPS client at a fixed concurrency for a fixed time, and reports
//! throughput, latency percentiles, errors, server CPU and peak RSS. Every workload is judged
//! against a reference measured in the same run: the HTTP ceiling (`GET /health` on the same
//! stack) or, for work that verifies a password, the argon2id bound (verifications per second
//! per core at the server's parameters × cores). `signin-timing` checks that an unknown
//! username and a wrong password cannot be told apart by time, `recovery-timing` the same of
//! a forgot-password for a known and an unknown user.
//!
//! It exits non-zero when a workload had errors or the timing check fails; never on speed.
//!
//! ```sh
//! scripts/bench --quick --json bench.json
//! ```

mod api;
mod hash_bound;
mod report;
mod seed;
mod server;
mod timing;
mod workloads;

use anyhow::Context;
use clap::Parser;
use hash_bound::HashBound;
use report::{percentile, Row};
use serde_json::{json, Value};
use server::{Cluster, Database};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use workloads::{Reference, Workload};

/// Benchmark a release Latchkey server: throughput, latency, CPU and memory of each Okta API
/// workload, against the HTTP ceiling and the password-hash bound measured in the same run.
#[derive(Debug, Parser)]
#[command(name = "latchkey-bench", version)]
struct Args {
    /// The release `latchkey` binary. [default: `latchkey` beside this program]
    #[arg(long, value_name = "FILE")]
    server_bin: Option<PathBuf>,

    /// A PostgreSQL server (postgres://user@host/db): a fresh database is created on it for
    /// the run and dropped after. [default: SQLite in a temp folder]
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,

    /// Server processes on one PostgreSQL database; the client takes them in turn, and read
    /// workloads also run on one node alone for comparison.
    #[arg(long, default_value_t = 1, value_name = "N")]
    nodes: usize,

    /// Users to seed. [default: 10000; --quick: 300]
    #[arg(long, value_name = "N")]
    users: Option<usize>,

    /// Seconds each workload runs. [default: 10; --quick: 2]
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,

    /// Requests in flight at once (also while seeding).
    #[arg(long, default_value_t = 32, value_name = "N")]
    concurrency: usize,

    /// Workloads to run, comma-separated. [default: all]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    workloads: Vec<Workload>,

    /// Sign-ins of each kind in signin-timing. [default: 1000; --quick: 200]
    #[arg(long, value_name = "N")]
    timing_samples: Option<usize>,

    /// Largest difference, in percent, between the signin-timing medians before the run
    /// fails.
    #[arg(long, default_value_t = 15.0, value_name = "PERCENT")]
    timing_tolerance: f64,

    /// Small and short: 300 users, 2 seconds a workload, 200 timing samples (a CI smoke run).
    #[arg(long)]
    quick: bool,

    /// Also write every number, the machine, the commit and the parameters here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

/// The arguments with defaults applied and checked.
struct Plan {
    server_bin: PathBuf,
    database_url: Option<String>,
    nodes: usize,
    users: usize,
    duration: Duration,
    concurrency: usize,
    workloads: Vec<Workload>,
    timing_samples: usize,
    timing_tolerance: f64,
    quick: bool,
    json: Option<PathBuf>,
}

impl Args {
    fn plan(self) -> anyhow::Result<Plan> {
        let server_bin = match self.server_bin {
            Some(bin) => bin,
            None => std::env::current_exe()?
                .parent()
                .context("this program has no folder")?
                .join("latchkey"),
        };
        anyhow::ensure!(
            server_bin.is_file(),
            "no server binary at {} (build it: cargo build --release -p latchkey, or give --server-bin)",
            server_bin.display()
        );
        anyhow::ensure!(self.nodes >= 1, "--nodes must be at least 1");
        anyhow::ensure!(
            self.nodes == 1 || self.database_url.is_some(),
            "--nodes {} needs --database-url: SQLite belongs to one process",
            self.nodes
        );
        anyhow::ensure!(self.concurrency >= 1, "--concurrency must be at least 1");
        let duration = self.duration.unwrap_or(if self.quick { 2.0 } else { 10.0 });
        anyhow::ensure!(
            duration.is_finite() && duration > 0.0,
            "--duration must be positive"
        );
        let users = self.users.unwrap_or(if self.quick { 300 } else { 10_000 });
        anyhow::ensure!(users >= 1, "--users must be at least 1");
        let mut workloads = if self.workloads.is_empty() {
            Workload::all()
        } else {
            self.workloads
        };
        // The HTTP ceiling is measured whenever a workload is judged against it.
        let needs_ceiling = workloads
            .iter()
            .any(|w| w.reference() == Reference::HttpCeiling);
        if needs_ceiling && !workloads.contains(&Workload::Health) {
            workloads.insert(0, Workload::Health);
        }
        Ok(Plan {
            server_bin,
            database_url: self.database_url,
            nodes: self.nodes,
            users,
            duration: Duration::from_secs_f64(duration),
            concurrency: self.concurrency,
            workloads,
            timing_samples: self
                .timing_samples
                .unwrap_or(if self.quick { 200 } else { 1000 }),
            timing_tolerance: self.timing_tolerance / 100.0,
            quick: self.quick,
            json: self.json,
        })
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    // On Ctrl-C the run is dropped, which kills the servers and removes their data folder.
    let outcome = tokio::select! {
        outcome = run(args) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    match outcome {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(err) => {
            eprintln!("latchkey-bench: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The whole run; `Ok(false)` when it completed but a check failed.
async fn run(args: Args) -> anyhow::Result<bool> {
    let plan = args.plan()?;
    let hash = if plan
        .workloads
        .iter()
        .any(|w| w.reference() == Reference::HashBound)
    {
        let params = crypto::password::Argon2Params::default();
        let seconds = if plan.quick { 1 } else { 3 };
        let bound = hash_bound::measure(params, Duration::from_secs(seconds)).await?;
        println!(
            "Hash bound: {:.1} argon2id verifications/s ({:.1}/s per core × {} cores; {:.1}/s measured on all cores at once; m={} KiB t={} p={})",
            bound.per_second(),
            bound.per_core,
            bound.cores,
            bound.all_cores_measured,
            params.memory_kib,
            params.iterations,
            params.parallelism
        );
        Some(bound)
    } else {
        None
    };
    let database = match &plan.database_url {
        Some(url) => Some(Database::create(url).await?),
        None => None,
    };
    let outcome = serve_and_measure(&plan, hash.as_ref(), database.as_ref()).await;
    if let Some(database) = database {
        if let Err(err) = database.drop().await {
            eprintln!("latchkey-bench: {err:#}");
        }
    }
    outcome
}

async fn serve_and_measure(
    plan: &Plan,
    hash: Option<&HashBound>,
    database: Option<&Database>,
) -> anyhow::Result<bool> {
    let url = database.map(|d| d.url.as_str());
    let cluster = Cluster::start(&plan.server_bin, plan.nodes, url).await?;
    println!(
        "Started {} node(s) of {} on {} ({})",
        cluster.nodes.len(),
        plan.server_bin.display(),
        cluster.bases().join(", "),
        if url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
    );
    let outcome = measure(plan, hash, &cluster, url).await;
    let outcome = outcome.map_err(|err| err.context(cluster.log_tails()));
    cluster.stop().await;
    outcome
}

async fn measure(
    plan: &Plan,
    hash: Option<&HashBound>,
    cluster: &Cluster,
    database_url: Option<&str>,
) -> anyhow::Result<bool> {
    let api = api::Api::new(
        &cluster.ca_pem,
        cluster.bases(),
        cluster.admin_token.clone(),
    )?;
    // Each MFA user signs in about twice per 30-second step: enough for the hash bound.
    let mfa_users = match hash {
        Some(bound) if plan.workloads.contains(&Workload::SigninMfa) => {
            (bound.per_second() * plan.duration.as_secs_f64() * 0.625).ceil() as usize
                + plan.concurrency
        }
        _ => 0,
    };
    println!(
        "Seeding {} users and {mfa_users} MFA users, {} at a time ...",
        plan.users, plan.concurrency
    );
    cluster.reset_peak_rss();
    let target = seed::Target {
        server_bin: &plan.server_bin,
        data_dir: cluster.data_dir(),
        database_url,
    };
    let seed = Arc::new(seed::org(&api, &target, plan.users, mfa_users, plan.concurrency).await?);
    let seed_rss = cluster.peak_rss_kib()?;
    let seeded = plan.users + mfa_users;
    println!(
        "Imported {} users in {:.1} s ({:.0} users/s, import process peak RSS {:.0} MiB); seeded in {:.1} s",
        seed.import.users,
        seed.import.seconds,
        seed.import.users as f64 / seed.import.seconds,
        seed.import.peak_rss_kib as f64 / 1024.0,
        seed.seconds,
    );

    let mut rows = Vec::new();
    let mut timings = Vec::new();
    for &workload in &plan.workloads {
        let check = match workload {
            Workload::SigninTiming => Some(timing::Check::Signin),
            Workload::RecoveryTiming => Some(timing::Check::Recovery),
            _ => None,
        };
        if let Some(check) = check {
            println!(
                "{}: {} pairs, one request at a time ...",
                workload.name(),
                plan.timing_samples
            );
            timings.push(timing::measure(&api, &seed, plan.timing_samples, check).await?);
            continue;
        }
        let mut node_counts = vec![cluster.nodes.len()];
        if cluster.nodes.len() > 1 && workload.is_read() {
            node_counts.insert(0, 1);
        }
        for nodes in node_counts {
            let api = if nodes == cluster.nodes.len() {
                api.clone()
            } else {
                api.only(0)?
            };
            rows.push(run_workload(plan, cluster, api, seed.clone(), workload, nodes).await?);
        }
    }
    judge(&mut rows, hash);

    println!();
    report::print_table(&rows, cluster.nodes.len());
    println!();
    for row in rows.iter().filter(|r| r.workload == Workload::Health) {
        println!(
            "HTTP ceiling ({} node(s)): {:.0} req/s",
            row.nodes,
            row.ops_per_second()
        );
    }
    if let Some(bound) = hash {
        println!(
            "Hash bound: {:.1} verifications/s ({:.1}/core × {} cores; all cores at once: {:.1}/s)",
            bound.per_second(),
            bound.per_core,
            bound.cores,
            bound.all_cores_measured
        );
    }
    if seed.mfa.waits.load(std::sync::atomic::Ordering::Relaxed) > 0 {
        println!("signin-mfa waited for a free TOTP step; its numbers are low");
    }
    let timing_passed = timings
        .iter()
        .map(|t| print_timing(t, plan.timing_tolerance))
        .fold(None, |all, one| Some(all.unwrap_or(true) && one));
    let errors: u64 = rows.iter().map(|r| r.errors).sum();
    if errors > 0 {
        println!("{errors} operations failed (see the first errors above)");
    }
    let passed = errors == 0 && timing_passed != Some(false);

    if let Some(path) = &plan.json {
        let peak = rows
            .iter()
            .map(|r| r.server_peak_rss_kib)
            .chain([seed_rss])
            .max();
        let document = json!({
            "harness": { "name": "latchkey-bench", "version": env!("CARGO_PKG_VERSION") },
            "finished_at": model::time::Clock::System.now().to_iso(),
            "git": report::git(),
            "machine": report::machine(),
            "parameters": {
                "backend": if plan.database_url.is_some() { "postgres" } else { "sqlite" },
                "nodes": cluster.nodes.len(),
                "users": plan.users,
                "duration_seconds": plan.duration.as_secs_f64(),
                "concurrency": plan.concurrency,
                "quick": plan.quick,
                "workloads": plan.workloads.iter().map(|w| w.name()).collect::<Vec<_>>(),
                "timing_samples": plan.timing_samples,
                "timing_tolerance": plan.timing_tolerance,
                "server_bin": plan.server_bin.display().to_string(),
                "rate_limits": false,
            },
            "seed": {
                "users": plan.users,
                "import": {
                    "users": seed.import.users,
                    "seconds": seed.import.seconds,
                    "users_per_second": seed.import.users as f64 / seed.import.seconds,
                    "peak_rss_kib": seed.import.peak_rss_kib,
                },
                "mfa_users": seed.mfa.len(),
                "seconds": seed.seconds,
                "users_per_second": seeded as f64 / seed.seconds,
                "server_peak_rss_kib": seed_rss,
            },
            "references": {
                "hash_bound": hash.map(|b| json!({
                    "argon2id": { "memory_kib": b.params.memory_kib,
                                  "iterations": b.params.iterations,
                                  "parallelism": b.params.parallelism },
                    "per_core_per_second": b.per_core,
                    "cores": b.cores,
                    "per_second": b.per_second(),
                    "all_cores_measured_per_second": b.all_cores_measured,
                })),
                "http_ceiling": rows.iter().filter(|r| r.workload == Workload::Health)
                    .map(|r| json!({ "nodes": r.nodes, "per_second": r.ops_per_second() }))
                    .collect::<Vec<_>>(),
            },
            "workloads": rows.iter().map(|r| r.to_json(cluster.nodes.len())).collect::<Vec<_>>(),
            "signin_timing": timings.iter().find(|t| t.name == "signin-timing")
                .map(|t| timing_json(t, plan.timing_tolerance)),
            "recovery_timing": timings.iter().find(|t| t.name == "recovery-timing")
                .map(|t| timing_json(t, plan.timing_tolerance)),
            "mfa_pool_waits": seed.mfa.waits.load(std::sync::atomic::Ordering::Relaxed),
            "server_peak_rss_kib": peak,
            "errors": errors,
            "passed": passed,
        });
        std::fs::write(path, serde_json::to_string_pretty(&document)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("Wrote {}", path.display());
    }
    Ok(passed)
}

/// Drives one workload on `nodes` nodes and reads what it cost the servers.
async fn run_workload(
    plan: &Plan,
    cluster: &Cluster,
    api: api::Api,
    seed: Arc<seed::Seed>,
    workload: Workload,
    nodes: usize,
) -> anyhow::Result<Row> {
    if let Some(why) = workloads::unavailable(&api, &seed, workload).await? {
        println!("{}: skipped ({why})", workload.name());
        return Ok(Row::skipped(workload, nodes, why));
    }
    println!(
        "{} on {nodes} node(s): {:.0} s at concurrency {} ...",
        workload.name(),
        plan.duration.as_secs_f64(),
        plan.concurrency
    );
    cluster.reset_peak_rss();
    let server_cpu = cluster.cpu_seconds()?;
    let client_cpu = server::cpu_seconds("self")?;
    let run = Arc::new(workloads::Run::new(api, seed, plan.concurrency));
    let outcome = workloads::drive(run, workload, plan.concurrency, plan.duration).await;
    let mut row = Row::measured(workload, nodes, outcome);
    row.server_cpu_seconds = cluster.cpu_seconds()? - server_cpu;
    row.client_cpu_seconds = server::cpu_seconds("self")? - client_cpu;
    row.server_peak_rss_kib = cluster.peak_rss_kib()?;
    Ok(row)
}

/// Each row's throughput over its reference: `health` on the same nodes, or the hash bound.
fn judge(rows: &mut [Row], hash: Option<&HashBound>) {
    let ceilings: Vec<(usize, f64)> = rows
        .iter()
        .filter(|r| r.workload == Workload::Health && r.skipped.is_none())
        .map(|r| (r.nodes, r.ops_per_second()))
        .collect();
    for row in rows.iter_mut().filter(|r| r.skipped.is_none()) {
        let reference = match row.workload.reference() {
            Reference::HttpCeiling => ceilings
                .iter()
                .find(|(nodes, _)| *nodes == row.nodes)
                .map(|(_, per_second)| *per_second),
            Reference::HashBound => hash.map(HashBound::per_second),
        };
        row.ratio = reference
            .filter(|r| *r > 0.0)
            .map(|r| row.ops_per_second() / r);
    }
}

/// Prints both distributions and the verdict; whether the medians are close enough.
fn print_timing(timing: &timing::Timing, tolerance: f64) -> bool {
    let line = |name: &str, sorted: &[u64]| {
        let ms = |p: f64| percentile(sorted, p) as f64 / 1000.0;
        println!(
            "  {name:<15} n={:<5} p10 {:.2} ms  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms",
            sorted.len(),
            ms(10.0),
            ms(50.0),
            ms(90.0),
            ms(99.0)
        );
    };
    println!(
        "{} ({} both ways, one request at a time):",
        timing.name, timing.answer
    );
    line("unknown user", &timing.unknown_us);
    line(timing.known_label, &timing.wrong_password_us);
    let difference = timing.relative_difference();
    let passed = timing.errors == 0 && difference.abs() <= tolerance;
    println!(
        "  medians differ by {:+.1}% (tolerance ±{:.0}%): {}",
        difference * 100.0,
        tolerance * 100.0,
        if passed { "ok" } else { "FAILED" }
    );
    if let Some(err) = &timing.first_error {
        println!(
            "  {} requests did not answer {}; first: {err}",
            timing.errors, timing.answer
        );
    }
    passed
}

fn timing_json(timing: &timing::Timing, tolerance: f64) -> Value {
    let distribution = |sorted: &[u64]| {
        let ms = |p: f64| percentile(sorted, p) as f64 / 1000.0;
        json!({ "n": sorted.len(), "p10_ms": ms(10.0), "p50_ms": ms(50.0),
                "p90_ms": ms(90.0), "p99_ms": ms(99.0) })
    };
    json!({
        "unknown_user": distribution(&timing.unknown_us),
        timing.known_label.replace(' ', "_"): distribution(&timing.wrong_password_us),
        "median_relative_difference": timing.relative_difference(),
        "tolerance": tolerance,
        "errors": timing.errors,
        "first_error": timing.first_error,
        "passed": timing.errors == 0 && timing.relative_difference().abs() <= tolerance,
    })
}
