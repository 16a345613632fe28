//! Progress of a bulk command on standard error: a bar with rate and ETA on a terminal, a
//! plain line every few seconds otherwise (CI logs, redirected output).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a bulk command has done so far.
#[derive(Debug, Default)]
pub struct Counts {
    pub rows: AtomicU64,
    pub created: AtomicU64,
    pub skipped: AtomicU64,
    pub failed: AtomicU64,
    /// Bytes of the input consumed (or written, for an export).
    pub bytes: AtomicU64,
}

impl Counts {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// How progress is shown.
pub enum Progress {
    Bar(ProgressBar),
    Lines {
        label: &'static str,
        total_bytes: Option<u64>,
        started: Instant,
        last: Mutex<Instant>,
        every: Duration,
    },
    Quiet,
}

impl Progress {
    /// A bar when standard error is a terminal, plain lines otherwise; nothing when `quiet`.
    /// `total_bytes` (the input's size, when known) gives the percentage and ETA.
    pub fn new(label: &'static str, total_bytes: Option<u64>, quiet: bool) -> Self {
        if quiet {
            return Self::Quiet;
        }
        if std::io::stderr().is_terminal() {
            let bar = match total_bytes {
                Some(total) => ProgressBar::new(total),
                None => ProgressBar::new_spinner(),
            };
            bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
            let template = if total_bytes.is_some() {
                "{prefix} [{elapsed_precise}] {wide_bar} {percent:>3}% ETA {eta} {msg}"
            } else {
                "{prefix} [{elapsed_precise}] {spinner} {msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.set_prefix(label);
            return Self::Bar(bar);
        }
        let now = Instant::now();
        Self::Lines {
            label,
            total_bytes,
            started: now,
            last: Mutex::new(now),
            every: Duration::from_secs(5),
        }
    }

    /// Shows the counts (on a terminal at once, as plain lines at most every 5 seconds).
    pub fn update(&self, counts: &Counts) {
        match self {
            Self::Bar(bar) => {
                bar.set_position(Counts::get(&counts.bytes));
                bar.set_message(summary(counts, bar.elapsed()));
            }
            Self::Lines { last, every, .. } => {
                let due = last.lock().is_ok_and(|mut last| {
                    let due = last.elapsed() >= *every;
                    if due {
                        *last = Instant::now();
                    }
                    due
                });
                if due {
                    self.line(counts);
                }
            }
            Self::Quiet => {}
        }
    }

    /// The final state.
    pub fn finish(&self, counts: &Counts) {
        match self {
            Self::Bar(bar) => {
                bar.set_position(Counts::get(&counts.bytes));
                bar.finish_with_message(summary(counts, bar.elapsed()));
            }
            Self::Lines { .. } => self.line(counts),
            Self::Quiet => {}
        }
    }

    fn line(&self, counts: &Counts) {
        let Self::Lines {
            label,
            total_bytes,
            started,
            ..
        } = self
        else {
            return;
        };
        let elapsed = started.elapsed();
        let mut line = format!("{label}: {}", summary(counts, elapsed));
        if let Some(total) = total_bytes.filter(|t| *t > 0) {
            let done = Counts::get(&counts.bytes).min(total);
            let fraction = done as f64 / total as f64;
            line.push_str(&format!(", {:.0}%", fraction * 100.0));
            if fraction > 0.0 && fraction < 1.0 {
                let eta = elapsed.as_secs_f64() * (1.0 - fraction) / fraction;
                line.push_str(&format!(", ETA {}", seconds(eta)));
            }
        }
        eprintln!("{line}");
    }
}

fn summary(counts: &Counts, elapsed: Duration) -> String {
    let rows = Counts::get(&counts.rows);
    let rate = rows as f64 / elapsed.as_secs_f64().max(0.001);
    let (created, skipped, failed) = (
        Counts::get(&counts.created),
        Counts::get(&counts.skipped),
        Counts::get(&counts.failed),
    );
    if created + skipped + failed == 0 {
        return format!("{rows} rows, {rate:.0} rows/s");
    }
    format!("{rows} rows ({created} created, {skipped} skipped, {failed} failed), {rate:.0} rows/s")
}

fn seconds(s: f64) -> String {
    let s = s.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
