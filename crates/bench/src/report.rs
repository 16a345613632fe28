//! What a run reports: one row per workload (and per node count), the table printed at the
//! end, and the JSON written with `--json` so runs can be compared over time. The JSON
//! carries every number, the machine, the git commit and the parameters.

use crate::workloads::{Outcome, Reference, Workload};
use serde_json::{json, Value};

/// The `p`th percentile (0–100) of sorted values, by nearest rank; 0 when there are none.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted.get(index).copied().unwrap_or(0)
}

/// One workload on one set of nodes.
pub struct Row {
    pub workload: Workload,
    pub nodes: usize,
    /// Sorted latencies of successful operations, µs.
    pub latencies_us: Vec<u64>,
    pub seconds: f64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub skipped: Option<String>,
    pub server_cpu_seconds: f64,
    pub server_peak_rss_kib: u64,
    pub client_cpu_seconds: f64,
    /// Throughput over the reference's, once known.
    pub ratio: Option<f64>,
}

impl Row {
    pub fn measured(workload: Workload, nodes: usize, mut outcome: Outcome) -> Self {
        outcome.latencies_us.sort_unstable();
        Self {
            workload,
            nodes,
            latencies_us: outcome.latencies_us,
            seconds: outcome.elapsed.as_secs_f64(),
            errors: outcome.errors,
            first_error: outcome.first_error,
            skipped: None,
            server_cpu_seconds: 0.0,
            server_peak_rss_kib: 0,
            client_cpu_seconds: 0.0,
            ratio: None,
        }
    }

    pub fn skipped(workload: Workload, nodes: usize, why: String) -> Self {
        let mut row = Self::measured(workload, nodes, Outcome::default());
        row.skipped = Some(why);
        row
    }

    pub fn name(&self, cluster_size: usize) -> String {
        if cluster_size > 1 {
            format!("{} ({}n)", self.workload.name(), self.nodes)
        } else {
            self.workload.name()
        }
    }

    pub fn ops_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.latencies_us.len() as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn ms(&self, p: f64) -> f64 {
        percentile(&self.latencies_us, p) as f64 / 1000.0
    }

    pub fn to_json(&self, cluster_size: usize) -> Value {
        let reference = match self.workload.reference() {
            Reference::HttpCeiling => "http_ceiling",
            Reference::HashBound => "hash_bound",
        };
        json!({
            "name": self.name(cluster_size),
            "workload": self.workload.name(),
            "nodes": self.nodes,
            "requests_per_op": self.workload.requests_per_op(),
            "skipped": self.skipped,
            "ops": self.latencies_us.len(),
            "seconds": self.seconds,
            "ops_per_second": self.ops_per_second(),
            "latency_ms": {
                "p50": self.ms(50.0), "p95": self.ms(95.0), "p99": self.ms(99.0),
                "max": self.ms(100.0),
            },
            "errors": self.errors,
            "first_error": self.first_error,
            "server_cpu_seconds": self.server_cpu_seconds,
            "server_cpu_percent": percent(self.server_cpu_seconds, self.seconds),
            "server_peak_rss_kib": self.server_peak_rss_kib,
            "client_cpu_seconds": self.client_cpu_seconds,
            "reference": reference,
            "ratio": self.ratio,
        })
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

/// The table: throughput, latency, errors, server cost and the ratio to the reference.
pub fn print_table(rows: &[Row], cluster_size: usize) {
    println!(
        "{:<24} {:>9} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6} {:>8}  ratio",
        "workload", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "cpu%", "rss MiB"
    );
    for row in rows {
        let name = row.name(cluster_size);
        if let Some(why) = &row.skipped {
            println!("{name:<24} skipped: {why}");
            continue;
        }
        let ratio = match (row.ratio, row.workload.reference()) {
            (Some(r), Reference::HttpCeiling) => format!("{:.0}% of HTTP ceiling", r * 100.0),
            (Some(r), Reference::HashBound) => format!("{:.0}% of hash bound", r * 100.0),
            (None, _) => "-".to_owned(),
        };
        println!(
            "{name:<24} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>6.0} {:>8.1}  {ratio}",
            row.ops_per_second(),
            row.ms(50.0),
            row.ms(95.0),
            row.ms(99.0),
            row.ms(100.0),
            row.errors,
            percent(row.server_cpu_seconds, row.seconds),
            row.server_peak_rss_kib as f64 / 1024.0,
        );
    }
    for row in rows {
        if let Some(err) = &row.first_error {
            println!("  {} first error: {err}", row.name(cluster_size));
        }
    }
}

/// Cores, CPU model and memory, from `/proc`.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    json!({
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "cpu_model": model,
        "memory_kib": memory_kib,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    })
}

/// `git rev-parse HEAD` and whether the work tree has changes, when run in a checkout.
pub fn git() -> Value {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            // Read-only: no index refresh, no lock.
            .env("GIT_OPTIONAL_LOCKS", "0")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    json!({
        "commit": run(&["rev-parse", "HEAD"]),
        "dirty": run(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), 50);
        assert_eq!(percentile(&values, 99.0), 99);
        assert_eq!(percentile(&values, 100.0), 100);
        assert_eq!(percentile(&values, 0.0), 1);
        assert_eq!(percentile(&[7], 95.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }
}
