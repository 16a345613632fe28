//! A `latchkey serve` process on loopback: started, talked to over HTTPS with its generated
//! CA, killed with SIGKILL, restarted on the same store. Its log goes to a file in its data
//! folder, so a test can look for panics.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Whether the long mode was asked for.
pub fn long() -> bool {
    std::env::var("LATCHKEY_RELIABILITY").as_deref() == Ok("long")
}

/// `short` in CI, `long` on demand.
pub fn scale(short: usize, long_value: usize) -> usize {
    if long() {
        long_value
    } else {
        short
    }
}

pub fn postgres() -> bool {
    std::env::var("LATCHKEY_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// The store of one test: a fresh PostgreSQL database (dropped at the end) or SQLite in the
/// first node's data folder.
pub struct Backend {
    pub url: Option<String>,
    database: Option<String>,
}

impl Backend {
    pub async fn fresh() -> Self {
        if !postgres() {
            return Self {
                url: None,
                database: None,
            };
        }
        use sqlx::Connection;
        let base = pg_base();
        let name = format!(
            "latchkey_rel_{}",
            model::ids::random_base62(12).to_lowercase()
        );
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        Self {
            url: Some(url),
            database: Some(name),
        }
    }
}

fn pg_base() -> String {
    std::env::var("LATCHKEY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some(name) = self.database.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_base()).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut conn)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// How to start a node.
#[derive(Clone, Default)]
pub struct Options {
    pub database_url: Option<String>,
    /// The sealing key of the org (every node of one org shares it).
    pub secret_key_file: Option<PathBuf>,
    /// Lines of a TOML config file.
    pub config: Vec<String>,
    pub args: Vec<String>,
    /// Keep rate limits on (off by default: the suites flood on purpose).
    pub rate_limits: bool,
}

pub struct Node {
    child: tokio::process::Child,
    pub addr: SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    pub token: String,
    pub data_dir: PathBuf,
    pub options: Options,
}

/// A reply with its JSON body (Null when empty or not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

impl Node {
    /// Starts `latchkey serve` on `data_dir` and waits until it answers.
    pub async fn start(data_dir: &Path, options: Options) -> Node {
        std::fs::create_dir_all(data_dir).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .unwrap();
        let config = data_dir.join("node.toml");
        std::fs::write(&config, options.config.join("\n")).unwrap();
        // `LATCHKEY_BIN` runs the suite against another build (a release binary, say).
        let binary = std::env::var("LATCHKEY_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_latchkey").to_owned());
        let mut command = tokio::process::Command::new(binary);
        command
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(["--argon2-memory-kib", "1024", "--argon2-iterations", "1"])
            .args(&options.args)
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        if !options.rate_limits {
            command.arg("--no-rate-limits");
        }
        if let Some(url) = &options.database_url {
            command.arg("--database-url").arg(url);
        }
        if let Some(key) = &options.secret_key_file {
            command.arg("--secret-key-file").arg(key);
        }
        let mut child = command.spawn().expect("latchkey starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr: SocketAddr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.strip_prefix("Latchkey listening on ") {
                    let inner = rest.rsplit_once('(').unwrap().1.trim_end_matches(')');
                    return inner.parse().unwrap();
                }
            }
            panic!("latchkey exited before listening: {}", log_tail(data_dir));
        })
        .await
        .expect("latchkey listens within a minute");
        // Keep reading stdout so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let ca = std::fs::read(data_dir.join("ca.pem")).unwrap();
        let client = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .resolve("localhost", addr)
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let token = std::fs::read_to_string(data_dir.join("admin-token"))
            .map(|t| t.trim().to_owned())
            .unwrap_or_default();
        let node = Node {
            child,
            addr,
            base: format!("https://localhost:{}", addr.port()),
            client,
            token,
            data_dir: data_dir.to_path_buf(),
            options,
        };
        node.wait_ready().await;
        node
    }

    /// A second node of the same org (PostgreSQL): its own folder and port, the first's
    /// sealing key and token.
    pub async fn join(first: &Node, data_dir: &Path, mut options: Options) -> Node {
        options.database_url = first.options.database_url.clone();
        options.secret_key_file = Some(first.data_dir.join("secret.key"));
        let mut node = Node::start(data_dir, options).await;
        node.token = first.token.clone();
        node
    }

    async fn wait_ready(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = self.client.get(self.url("/health/ready")).send().await {
                if r.status() == StatusCode::OK {
                    return;
                }
            }
            assert!(std::time::Instant::now() < deadline, "never ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGKILL, as a crash or an OOM killer would: no shutdown code runs. Callable while
    /// requests are in flight (from a shared reference).
    pub fn kill_now(&self) {
        let pid = self
            .child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(i32::try_from(id).ok()?));
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }

    /// Starts the same node again on its folder and store (after the old process is gone).
    pub async fn restart(&mut self) {
        self.kill_now();
        let _ = self.child.wait().await;
        let token = self.token.clone();
        let next = Node::start(&self.data_dir.clone(), self.options.clone()).await;
        *self = next;
        self.token = token;
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Result<Reply> {
        self.send(method, path, body, true).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        auth: bool,
    ) -> reqwest::Result<Reply> {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("Accept", "application/json");
        if auth {
            req = req.header("Authorization", format!("SSWS {}", self.token));
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok(Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        })
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await.unwrap()
    }

    /// Every item of a list, following `next` links until none or an empty page.
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next = Some(self.url(path));
        while let Some(url) = next.take() {
            let resp = self
                .client
                .get(&url)
                .header("Authorization", format!("SSWS {}", self.token))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{url}");
            next = resp
                .headers()
                .get_all("link")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|l| {
                    l.strip_suffix("; rel=\"next\"")
                        .map(|u| u.trim_start_matches('<').trim_end_matches('>').to_owned())
                });
            let page: Vec<Value> = resp.json().await.unwrap();
            if page.is_empty() {
                // The System Log's polling pages always link a next one; an empty page ends.
                break;
            }
            out.extend(page);
        }
        out
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default()
    }
}

fn log_tail(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    log.lines().rev().take(20).collect::<Vec<_>>().join("\n")
}
