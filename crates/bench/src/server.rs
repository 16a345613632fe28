//! The servers under test: release `latchkey serve` processes started as an operator would,
//! and what the kernel says they cost.
//!
//! One node keeps SQLite in a temp data folder. With PostgreSQL, a database with a fresh name
//! is created on the given server and dropped at the end, and N nodes share it and one data
//! folder (the CA, the server certificate and the secret key every node of an org needs).
//! Nodes start one after another, so the first creates the org, the CA and the admin token
//! and the others reuse them. Rate limits are off (`--no-rate-limits`): the harness measures
//! the work, not the quotas.
//!
//! CPU time and peak RSS come from `/proc/<pid>/stat` and `/proc/<pid>/status` (`VmHWM`),
//! summed over nodes. Peak RSS is reset before each workload (`clear_refs`), so each
//! workload reports its own peak.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How long a node may take to answer `/health/ready` (migrations run at first start).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server process.
pub struct Node {
    child: tokio::process::Child,
    pub pid: u32,
    /// `https://localhost:<port>`.
    pub base: String,
    log: PathBuf,
}

/// Every node of the org, with their shared data folder.
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// Held for the run: dropping it deletes the folder.
    _data_dir: tempfile::TempDir,
    pub admin_token: String,
    pub ca_pem: Vec<u8>,
}

impl Cluster {
    /// Starts `count` nodes of `bin`, on `database_url` or SQLite, and waits until each is ready.
    pub async fn start(
        bin: &Path,
        count: usize,
        database_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        let data_dir = tempfile::Builder::new()
            .prefix("latchkey-bench-")
            .tempdir()?;
        let mut nodes = Vec::with_capacity(count);
        for index in 0..count {
            let node = Node::start(bin, data_dir.path(), database_url, index).await;
            match node {
                Ok(node) => nodes.push(node),
                Err(err) => {
                    stop(&mut nodes).await;
                    return Err(err);
                }
            }
        }
        let admin_token = std::fs::read_to_string(data_dir.path().join("admin-token"))
            .context("reading the admin token the first start writes")?
            .trim()
            .to_owned();
        let ca_pem = std::fs::read(data_dir.path().join("ca.pem"))?;
        Ok(Self {
            nodes,
            _data_dir: data_dir,
            admin_token,
            ca_pem,
        })
    }

    /// The nodes' shared data folder.
    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
    }

    pub fn bases(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.base.clone()).collect()
    }

    /// Kills every node and waits for them to go.
    pub async fn stop(mut self) {
        stop(&mut self.nodes).await;
    }

    /// Server CPU seconds (user + system) so far, summed over nodes.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        self.nodes
            .iter()
            .map(|n| cpu_seconds(&n.pid.to_string()))
            .sum()
    }

    /// Peak resident memory in KiB since the last [`Cluster::reset_peak_rss`], summed.
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        self.nodes.iter().map(|n| peak_rss_kib(n.pid)).sum()
    }

    /// Starts a new peak-RSS window on every node. Best effort: on a kernel that refuses,
    /// the peak is the process's lifetime peak, still an upper bound.
    pub fn reset_peak_rss(&self) {
        for node in &self.nodes {
            let _ = std::fs::write(format!("/proc/{}/clear_refs", node.pid), "5");
        }
    }

    /// The last lines of each node's log, for an error report.
    pub fn log_tails(&self) -> String {
        self.nodes.iter().map(|n| n.log_tail()).collect()
    }
}

impl Node {
    async fn start(
        bin: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
        index: usize,
    ) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log = data_dir.join(format!("node{index}.log"));
        let out = std::fs::File::create(&log)?;
        let mut command = tokio::process::Command::new(bin);
        command
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--no-rate-limits")
            // The control endpoints, for `test-org-reset`.
            .arg("--test-mode")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true);
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id().context("server exited at once")?;
        let mut node = Self {
            child,
            pid,
            base: format!("https://localhost:{port}"),
            log,
        };
        if let Err(err) = node.wait_ready(data_dir).await {
            let tail = node.log_tail();
            let _ = node.child.kill().await;
            return Err(err.context(tail));
        }
        Ok(node)
    }

    /// Polls `/health/ready` until it answers 200, the process exits, or time runs out.
    async fn wait_ready(&mut self, data_dir: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut client = None;
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("server exited before it was ready ({status})");
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "server not ready after {READY_TIMEOUT:?}"
            );
            if client.is_none() {
                client = ready_client(data_dir)?;
            }
            if let Some(client) = &client {
                let url = format!("{}/health/ready", self.base);
                if let Ok(reply) = client.get(url).send().await {
                    if reply.status().is_success() {
                        return Ok(());
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines.get(lines.len().saturating_sub(20)..).unwrap_or(&[]);
        format!(
            "\n--- {} (last lines) ---\n{}\n",
            self.log.display(),
            tail.join("\n")
        )
    }
}

async fn stop(nodes: &mut [Node]) {
    for node in nodes {
        let _ = node.child.kill().await;
    }
}

/// A client trusting the CA once the server has written it; `None` until then.
fn ready_client(data_dir: &Path) -> anyhow::Result<Option<reqwest::Client>> {
    let Ok(pem) = std::fs::read(data_dir.join("ca.pem")) else {
        return Ok(None);
    };
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem)?)
        .resolve("localhost", ([127, 0, 0, 1], 0).into())
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()?;
    Ok(Some(client))
}

/// A port nothing listens on now (the OS picks it; the server binds it a moment later).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// User + system CPU seconds of `/proc/<pid>` (`self` for this process).
pub fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which may hold spaces: state is field 3, utime 14.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("unreadable /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        Ok(fields.get(i).context("short /proc stat")?.parse()?)
    };
    let total = ticks(11)? + ticks(12)?;
    Ok(total as f64 / clock_ticks_per_second())
}

/// `VmHWM` of `/proc/<pid>/status`, in KiB.
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .context("no VmHWM in /proc status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// `USER_HZ`, the unit of `/proc` CPU times (100 on every Linux ABI, but ask).
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A PostgreSQL database made for one run and dropped after it.
pub struct Database {
    server_url: String,
    name: String,
    /// The URL the nodes use.
    pub url: String,
}

impl Database {
    /// Creates `latchkey_bench_<random>` through `server_url` (any database on the server).
    pub async fn create(server_url: &str) -> anyhow::Result<Self> {
        use sqlx::Connection;
        let name = format!(
            "latchkey_bench_{}",
            model::ids::random_base62(10).to_lowercase()
        );
        let mut url = url::Url::parse(server_url).context("--database-url is not a URL")?;
        url.set_path(&format!("/{name}"));
        let mut conn = sqlx::PgConnection::connect(server_url)
            .await
            .context("connecting to PostgreSQL")?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .with_context(|| format!("creating database {name}"))?;
        Ok(Self {
            server_url: server_url.to_owned(),
            name,
            url: url.to_string(),
        })
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.server_url).await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .with_context(|| format!("dropping database {}", self.name))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        assert!(super::cpu_seconds("self").unwrap() >= 0.0);
        assert!(super::peak_rss_kib(std::process::id()).unwrap() > 0);
    }
}
