//! One typed configuration. Precedence: defaults < TOML file (`--config`) < `LATCHKEY_*`
//! environment variables < command-line flags. The file rejects unknown keys, so a typo fails
//! at start-up instead of being ignored.

use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Where the org's data lives: shared by `serve`, `token` and later `import`.
#[derive(Debug, Clone, Default, Args)]
pub struct StoreArgs {
    /// Data folder: SQLite database, generated CA and certificate, admin token.
    /// [default: ./latchkey-data]
    #[arg(long, env = "LATCHKEY_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Use PostgreSQL instead of the embedded SQLite, e.g. postgres://user@host/db.
    #[arg(long, env = "LATCHKEY_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

/// Options of `latchkey serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Address and port to listen on. [default: 127.0.0.1:8443]
    #[arg(long, env = "LATCHKEY_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Base URL of every `_links` href and `Link` header, as clients reach the server.
    /// [default: https://localhost:<port> from --listen]
    #[arg(long, env = "LATCHKEY_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// PEM certificate chain to serve instead of the generated one (needs --tls-key).
    #[arg(
        long,
        env = "LATCHKEY_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(
        long,
        env = "LATCHKEY_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Serve plain HTTP (only behind a TLS-terminating proxy: Okta clients require HTTPS).
    #[arg(long, env = "LATCHKEY_INSECURE_HTTP")]
    pub insecure_http: bool,

    /// Display name of the org created on first start. [default: Latchkey]
    #[arg(long, env = "LATCHKEY_ORG_NAME", value_name = "NAME")]
    pub org_name: Option<String>,

    /// Login of the super-admin user created on first start, owner of the first API token.
    /// [default: admin@latchkey.local]
    #[arg(long, env = "LATCHKEY_ADMIN_LOGIN", value_name = "LOGIN")]
    pub admin_login: Option<String>,

    /// argon2id memory cost in KiB for new password hashes. [default: 19456]
    #[arg(long, env = "LATCHKEY_ARGON2_MEMORY_KIB", value_name = "KIB")]
    pub argon2_memory_kib: Option<u32>,

    /// argon2id iterations. [default: 2]
    #[arg(long, env = "LATCHKEY_ARGON2_ITERATIONS", value_name = "N")]
    pub argon2_iterations: Option<u32>,

    /// argon2id lanes. [default: 1]
    #[arg(long, env = "LATCHKEY_ARGON2_PARALLELISM", value_name = "N")]
    pub argon2_parallelism: Option<u32>,

    /// Password hashes computed at once. [default: number of cores]
    #[arg(long, env = "LATCHKEY_HASH_WORKERS", value_name = "N")]
    pub hash_workers: Option<usize>,

    /// Password hashes that may wait for a worker before requests get 429. [default: 256]
    #[arg(long, env = "LATCHKEY_HASH_QUEUE", value_name = "N")]
    pub hash_queue: Option<usize>,

    /// Turn rate limiting off (for test orgs): requests are still counted and the
    /// X-Rate-Limit-* headers still sent, but nothing gets 429.
    #[arg(long, env = "LATCHKEY_NO_RATE_LIMITS")]
    pub no_rate_limits: bool,

    /// Log format: text or json. [default: text]
    #[arg(long, env = "LATCHKEY_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<String>,

    /// File holding the base64 32-byte key that seals recoverable secrets (hook auth values,
    /// app passwords). Every node of one org needs the same key. [default:
    /// <data-dir>/secret.key, generated on first start]
    #[arg(long, env = "LATCHKEY_SECRET_KEY_FILE", value_name = "FILE")]
    pub secret_key_file: Option<PathBuf>,

    /// Extra CA certificate (PEM) to trust for outbound calls to hooks, besides the public
    /// web roots (for hook receivers with a private CA).
    #[arg(long, env = "LATCHKEY_OUTBOUND_CA_FILE", value_name = "FILE")]
    pub outbound_ca_file: Option<PathBuf>,

    /// Days the System Log keeps events; older ones are purged hourly. [default: 90]
    #[arg(long, env = "LATCHKEY_LOG_RETENTION_DAYS", value_name = "DAYS")]
    pub log_retention_days: Option<u32>,

    /// SMTP server for Okta's emails (links, email factor codes): `smtp://host:port` (plain),
    /// add `?tls=required` for STARTTLS, or `smtps://host:port`; credentials as
    /// `smtp://user:pass@host`. Without it, emails are kept in the org's mailbox (`latchkey
    /// outbox`).
    #[arg(long, env = "LATCHKEY_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,

    /// Sender address of those emails. [default: noreply@<public host>]
    #[arg(long, env = "LATCHKEY_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,

    /// Main colour of the hosted pages and emails, as #rgb or #rrggbb. [default: #1662dd]
    #[arg(long, env = "LATCHKEY_BRAND_COLOR", value_name = "COLOR")]
    pub brand_color: Option<String>,

    /// Logo shown on the hosted pages: a PNG, JPEG or SVG file.
    #[arg(long, env = "LATCHKEY_BRAND_LOGO", value_name = "FILE")]
    pub brand_logo: Option<PathBuf>,

    /// Largest request body accepted, in KiB; longer ones get 413. [default: 2048]
    #[arg(long, env = "LATCHKEY_MAX_BODY_KIB", value_name = "KIB")]
    pub max_body_kib: Option<usize>,

    /// Connections served at once; more are closed at accept, with a log line. It is kept
    /// below the process's open-file limit. [default: 4096]
    #[arg(long, env = "LATCHKEY_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,

    /// Connections served at once from one client address (0: no per-address limit, e.g.
    /// behind a load balancer whose address all connections share). [default: 256]
    #[arg(long, env = "LATCHKEY_MAX_CONNECTIONS_PER_ADDRESS", value_name = "N")]
    pub max_connections_per_address: Option<usize>,

    /// Seconds a connection may take to send a complete request head; the same limit ends a
    /// keep-alive connection that stays idle that long. The TLS handshake has its own 10
    /// seconds. [default: 20]
    #[arg(long, env = "LATCHKEY_HEADER_TIMEOUT_SECS", value_name = "SECS")]
    pub header_timeout_secs: Option<u64>,

    /// A throw-away test org: its data lives in a temporary folder deleted at exit, rate
    /// limits are off, password hashing is test-sized and the test control endpoints
    /// (`/_latchkey/...`: reset, clock, outbox, logs) are on.
    #[arg(long, env = "LATCHKEY_EPHEMERAL")]
    pub ephemeral: bool,

    /// Turn the test control endpoints on for an org that keeps its data (a data folder or
    /// PostgreSQL): reset to the seed, clock control, outbox and log reading.
    #[arg(long, env = "LATCHKEY_TEST_MODE")]
    pub test_mode: bool,

    /// The super-admin API token to create instead of a random one, so tests can hold a
    /// fixed value (at least 20 characters: letters, digits, `-` and `_`).
    #[arg(
        long,
        env = "LATCHKEY_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,

    /// Org file (YAML) to apply once the server is up: users, groups, apps, policies, ...
    /// (see docs/org-file.md). In test mode, reset returns to the org as this left it.
    #[arg(long, env = "LATCHKEY_SEED", value_name = "FILE")]
    pub seed: Option<PathBuf>,

    /// Write a JSON summary (orgUrl, token, caCertificate, ...) to this file once the server
    /// is ready, for scripts and test frameworks to wait on.
    #[arg(long, env = "LATCHKEY_READY_FILE", value_name = "FILE")]
    pub ready_file: Option<PathBuf>,
}

/// The TOML configuration file: the same options as the flags, by their long names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    #[serde(default)]
    pub insecure_http: bool,
    pub org_name: Option<String>,
    pub admin_login: Option<String>,
    pub argon2_memory_kib: Option<u32>,
    pub argon2_iterations: Option<u32>,
    pub argon2_parallelism: Option<u32>,
    pub hash_workers: Option<usize>,
    pub hash_queue: Option<usize>,
    /// `rate-limits = false` turns limiting off, like `--no-rate-limits`.
    pub rate_limits: Option<bool>,
    /// Per-minute quotas by bucket: authn, users, groups, apps, sessions, logs, default.
    pub rate_limit_quotas: Option<std::collections::BTreeMap<String, u64>>,
    pub log_format: Option<String>,
    pub secret_key_file: Option<PathBuf>,
    pub outbound_ca_file: Option<PathBuf>,
    pub log_retention_days: Option<u32>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub brand_color: Option<String>,
    pub brand_logo: Option<PathBuf>,
    pub max_body_kib: Option<usize>,
    pub max_connections: Option<usize>,
    pub max_connections_per_address: Option<usize>,
    pub header_timeout_secs: Option<u64>,
    #[serde(default)]
    pub ephemeral: bool,
    #[serde(default)]
    pub test_mode: bool,
    pub admin_token: Option<String>,
    pub seed: Option<PathBuf>,
    pub ready_file: Option<PathBuf>,
}

impl FileConfig {
    fn store(&self) -> StoreArgs {
        StoreArgs {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        }
    }
}

/// The resolved configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub public_url: Option<String>,
    pub tls: TlsMode,
    pub org_name: String,
    pub admin_login: String,
    pub argon2: crypto::password::Argon2Params,
    pub hash_workers: usize,
    pub hash_queue: usize,
    pub rate_limits: bool,
    pub rate_limit_quotas: std::collections::BTreeMap<crate::rate_limit::Bucket, u64>,
    pub log_format: String,
    pub secret_key_file: PathBuf,
    pub outbound_ca_file: Option<PathBuf>,
    pub log_retention_days: u32,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub brand: Brand,
    pub limits: Limits,
    /// A throw-away org (data in a temporary folder).
    pub ephemeral: bool,
    /// The test control endpoints are on (always with `ephemeral`).
    pub test_mode: bool,
    /// The super-admin token to create, when fixed.
    pub admin_token: Option<String>,
    /// The org file applied once the server is up.
    pub seed: Option<PathBuf>,
    /// Where the ready summary goes.
    pub ready_file: Option<PathBuf>,
}

/// What keeps one client (or many slow ones) from exhausting the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// `#rgb` or `#rrggbb`.
    pub color: String,
    pub logo: Option<PathBuf>,
}

impl Default for Brand {
    fn default() -> Self {
        Self {
            color: "#1662dd".into(),
            logo: None,
        }
    }
}

/// Checks a brand colour: `#` and 3 or 6 hex digits (it is written into CSS).
fn brand_color(text: Option<String>) -> anyhow::Result<String> {
    let Some(text) = text else {
        return Ok(Brand::default().color);
    };
    let digits = text.strip_prefix('#').unwrap_or("");
    anyhow::ensure!(
        matches!(digits.len(), 3 | 6) && digits.chars().all(|c| c.is_ascii_hexdigit()),
        "--brand-color '{text}': give #rgb or #rrggbb"
    );
    Ok(text.to_ascii_lowercase())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted (bytes).
    pub max_body_bytes: usize,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections served at once from one address (0: no limit).
    pub max_connections_per_address: usize,
    /// Time to send a complete request head, and the longest keep-alive idle.
    pub header_timeout: std::time::Duration,
    /// Time to finish the TLS handshake.
    pub handshake_timeout: std::time::Duration,
}

/// How the listener speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// A CA and certificate generated into the data folder on first start.
    Generated,
    /// Given certificate chain and key files.
    Files { cert: PathBuf, key: PathBuf },
    /// Plain HTTP, explicitly asked for.
    Insecure,
}

/// Reads the TOML file, if any. Its keys are the long flag names (`listen`, `data-dir`, ...).
pub fn read_file(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    match path {
        None => Ok(FileConfig::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
            toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("invalid config file {}: {e}", path.display()))
        }
    }
}

impl StoreArgs {
    /// Flags/env over file.
    pub fn merge(self, file: StoreArgs) -> StoreArgs {
        StoreArgs {
            data_dir: self.data_dir.or(file.data_dir),
            database_url: self
                .database_url
                .filter(|u| !u.trim().is_empty())
                .or(file.database_url),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("./latchkey-data"))
    }

    /// The store URL: the PostgreSQL URL if given (an empty one counts as not given), else
    /// SQLite in the data folder.
    pub fn database_url(&self) -> String {
        match self.database_url.as_ref().filter(|u| !u.trim().is_empty()) {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir().join("latchkey.db").display()),
        }
    }
}

/// Checks the quota table: known bucket names, positive quotas; the rest keep their defaults.
fn quotas(
    table: std::collections::BTreeMap<String, u64>,
) -> anyhow::Result<std::collections::BTreeMap<crate::rate_limit::Bucket, u64>> {
    use crate::rate_limit::Bucket;
    let mut out: std::collections::BTreeMap<Bucket, u64> = Bucket::ALL
        .iter()
        .map(|b| (*b, b.default_quota()))
        .collect();
    for (name, quota) in table {
        let bucket = Bucket::parse(&name).ok_or_else(|| {
            anyhow::anyhow!("rate-limit-quotas: unknown bucket '{name}' (authn, users, groups, apps, sessions, logs, default)")
        })?;
        anyhow::ensure!(quota > 0, "rate-limit-quotas.{name} must be positive");
        out.insert(bucket, quota);
    }
    Ok(out)
}

impl Config {
    /// Resolves flags/env (`cli`) over the file (`file`) over defaults.
    pub fn resolve(cli: ServeArgs, file: FileConfig) -> anyhow::Result<Self> {
        let store = cli.store.merge(file.store());
        let ephemeral = cli.ephemeral || file.ephemeral;
        anyhow::ensure!(
            !ephemeral || store.database_url.is_none(),
            "--ephemeral keeps the org in a temporary SQLite database: drop --database-url, or use --test-mode with it"
        );
        let admin_token = cli.admin_token.or(file.admin_token);
        if let Some(token) = &admin_token {
            anyhow::ensure!(
                token.len() >= 20
                    && token.len() <= 100
                    && token
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "--admin-token: give 20 to 100 letters, digits, '-' or '_'"
            );
        }
        // A throw-away org hashes passwords at test size unless told otherwise: a seed of a
        // thousand users starts in seconds, not minutes.
        let defaults = if ephemeral {
            crypto::password::Argon2Params {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            }
        } else {
            crypto::password::Argon2Params::default()
        };
        let tls = if cli.insecure_http || file.insecure_http {
            TlsMode::Insecure
        } else {
            match (cli.tls_cert.or(file.tls_cert), cli.tls_key.or(file.tls_key)) {
                (Some(cert), Some(key)) => TlsMode::Files { cert, key },
                (None, None) => TlsMode::Generated,
                _ => anyhow::bail!("--tls-cert and --tls-key must be given together"),
            }
        };
        Ok(Self {
            data_dir: store.data_dir(),
            database_url: store.database_url(),
            listen: cli
                .listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8443))),
            public_url: cli.public_url.or(file.public_url),
            tls,
            org_name: cli
                .org_name
                .or(file.org_name)
                .unwrap_or_else(|| "Latchkey".into()),
            admin_login: cli
                .admin_login
                .or(file.admin_login)
                .unwrap_or_else(|| "admin@latchkey.local".into()),
            argon2: crypto::password::Argon2Params {
                memory_kib: cli
                    .argon2_memory_kib
                    .or(file.argon2_memory_kib)
                    .unwrap_or(defaults.memory_kib),
                iterations: cli
                    .argon2_iterations
                    .or(file.argon2_iterations)
                    .unwrap_or(defaults.iterations),
                parallelism: cli
                    .argon2_parallelism
                    .or(file.argon2_parallelism)
                    .unwrap_or(defaults.parallelism),
            },
            hash_workers: cli
                .hash_workers
                .or(file.hash_workers)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            hash_queue: cli.hash_queue.or(file.hash_queue).unwrap_or(256),
            rate_limits: !ephemeral && !cli.no_rate_limits && file.rate_limits.unwrap_or(true),
            rate_limit_quotas: quotas(file.rate_limit_quotas.unwrap_or_default())?,
            log_format: cli
                .log_format
                .or(file.log_format)
                .unwrap_or_else(|| "text".into()),
            secret_key_file: cli
                .secret_key_file
                .or(file.secret_key_file)
                .unwrap_or_else(|| store.data_dir().join("secret.key")),
            outbound_ca_file: cli.outbound_ca_file.or(file.outbound_ca_file),
            log_retention_days: cli
                .log_retention_days
                .or(file.log_retention_days)
                .unwrap_or(90)
                .max(1),
            smtp_url: cli.smtp_url.or(file.smtp_url),
            smtp_from: cli.smtp_from.or(file.smtp_from),
            brand: Brand {
                color: brand_color(cli.brand_color.or(file.brand_color))?,
                logo: cli.brand_logo.or(file.brand_logo),
            },
            limits: Limits {
                max_body_bytes: cli
                    .max_body_kib
                    .or(file.max_body_kib)
                    .unwrap_or(2048)
                    .max(1)
                    .saturating_mul(1024),
                max_connections: cli
                    .max_connections
                    .or(file.max_connections)
                    .unwrap_or(4096)
                    .max(1),
                max_connections_per_address: cli
                    .max_connections_per_address
                    .or(file.max_connections_per_address)
                    .unwrap_or(256),
                header_timeout: std::time::Duration::from_secs(
                    cli.header_timeout_secs
                        .or(file.header_timeout_secs)
                        .unwrap_or(20)
                        .max(1),
                ),
                handshake_timeout: std::time::Duration::from_secs(10),
            },
            ephemeral,
            test_mode: ephemeral || cli.test_mode || file.test_mode,
            admin_token,
            seed: cli.seed.or(file.seed),
            ready_file: cli.ready_file.or(file.ready_file),
        })
    }

    /// The public URL, or one derived from the listen address.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let scheme = if self.tls == TlsMode::Insecure {
                    "http"
                } else {
                    "https"
                };
                let host = if bound.ip().is_loopback() || bound.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    bound.ip().to_string()
                };
                format!("{scheme}://{host}:{}", bound.port())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_database_url_means_sqlite_in_the_data_folder() {
        let args = StoreArgs {
            data_dir: Some(PathBuf::from("/tmp/org")),
            database_url: Some(String::new()),
        };
        assert_eq!(args.database_url(), "sqlite:///tmp/org/latchkey.db");
        let merged = args.merge(StoreArgs {
            data_dir: None,
            database_url: Some("postgres://db/x".into()),
        });
        assert_eq!(merged.database_url(), "postgres://db/x");
    }

    #[test]
    fn flags_win_over_file_and_defaults_fill_the_rest() {
        let file: FileConfig = toml::from_str(
            "listen = \"127.0.0.1:9000\"\norg-name = \"Acme\"\ndata-dir = \"/tmp/x\"",
        )
        .unwrap();
        let cli = ServeArgs {
            org_name: Some("Cli".into()),
            ..Default::default()
        };
        let c = Config::resolve(cli, file).unwrap();
        assert_eq!(c.org_name, "Cli");
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.database_url, "sqlite:///tmp/x/latchkey.db");
        assert_eq!(c.tls, TlsMode::Generated);
        assert_eq!(c.public_url(c.listen), "https://localhost:9000");
    }

    #[test]
    fn rate_limit_quotas_from_the_file() {
        let file: FileConfig =
            toml::from_str("rate-limits = true\n[rate-limit-quotas]\nusers = 5").unwrap();
        let c = Config::resolve(ServeArgs::default(), file).unwrap();
        assert!(c.rate_limits);
        assert_eq!(c.rate_limit_quotas[&crate::rate_limit::Bucket::Users], 5);
        assert_eq!(c.rate_limit_quotas[&crate::rate_limit::Bucket::Logs], 120);
        let bad: FileConfig = toml::from_str("[rate-limit-quotas]\nuser = 5").unwrap();
        assert!(Config::resolve(ServeArgs::default(), bad).is_err());
        let off = ServeArgs {
            no_rate_limits: true,
            ..Default::default()
        };
        assert!(
            !Config::resolve(off, FileConfig::default())
                .unwrap()
                .rate_limits
        );
    }

    #[test]
    fn file_rejects_unknown_keys() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }
}
