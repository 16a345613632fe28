//! `spawn_app()`: one server per test, on `127.0.0.1:0`, with its own data folder (and its
//! own PostgreSQL database when the backend is postgres), served over HTTPS with the
//! generated CA, and a client that trusts exactly that CA.

use latchkey::app::Application;
use latchkey::config::{Config, FileConfig, ServeArgs, StoreArgs};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    pub handle: axum_server_handle::Handle,
    /// The server's state, for calling background work directly (retention, ...).
    pub state: latchkey::state::AppState,
    /// The running server; awaiting it after `handle.graceful_shutdown` waits for the stop.
    pub server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The PostgreSQL URL when the backend is postgres (None: SQLite in `data_dir`).
    pub database_url: Option<String>,
    pg_database: Option<(String, String)>,
}

/// Re-exported so tests can stop the server.
pub mod axum_server_handle {
    pub use latchkey::app::ServerHandle as Handle;
}

/// A response with its parsed JSON body (Null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// All values of a header, in order.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The `next` link, if any.
    pub fn next_link(&self) -> Option<String> {
        self.header_all("link").into_iter().find_map(|l| {
            l.strip_suffix("; rel=\"next\"")
                .map(|u| u.trim_start_matches('<').trim_end_matches('>').to_owned())
        })
    }

    /// Asserts the whole Okta error object.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.body["errorCode"], code, "{}", self.text);
        assert_eq!(self.body["errorLink"], code, "{}", self.text);
        assert!(self.body["errorSummary"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        assert!(self.body["errorId"]
            .as_str()
            .is_some_and(|s| s.starts_with("oae")));
        assert!(self.body["errorCauses"].is_array(), "{}", self.text);
        assert!(self.header("x-okta-request-id").is_some());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/json")
        );
    }

    pub fn causes(&self) -> Vec<String> {
        self.body["errorCauses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["errorSummary"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn backend() -> String {
    std::env::var("LATCHKEY_TEST_BACKEND").unwrap_or_else(|_| "sqlite".into())
}

fn pg_base_url() -> String {
    std::env::var("LATCHKEY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn create_pg_database() -> (String, String) {
    use sqlx::Connection;
    let base = pg_base_url();
    let name = format!(
        "latchkey_api_{}",
        model::ids::random_base62(12).to_lowercase()
    );
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{name}"),
        None => panic!("bad PG url"),
    };
    (name, url)
}

/// Starts a server with test-sized argon2 parameters.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with_clock(tweak, model::time::Clock::System).await
}

/// A server whose clock the test controls (rate-limit windows, expiries).
pub async fn spawn_app_with_clock(
    tweak: impl FnOnce(&mut Config),
    clock: model::time::Clock,
) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let pg_database = if backend() == "postgres" {
        Some(create_pg_database().await)
    } else {
        None
    };
    let args = ServeArgs {
        store: StoreArgs {
            data_dir: Some(data_dir.path().to_path_buf()),
            database_url: pg_database.as_ref().map(|(_, url)| url.clone()),
        },
        listen: Some("127.0.0.1:0".parse().unwrap()),
        argon2_memory_kib: Some(1024),
        argon2_iterations: Some(1),
        // Suites make hundreds of calls a minute; the rate-limit tests turn limits on.
        no_rate_limits: true,
        ..Default::default()
    };
    let mut config = Config::resolve(args, FileConfig::default()).unwrap();
    tweak(&mut config);
    let app = Application::build_with_clock(config, clock)
        .await
        .expect("server builds");
    let addr = app.local_addr();
    let base = app.public_url.clone();
    let token = app
        .new_admin_token
        .clone()
        .expect("first start prints a token");
    let client = client_for(&app, addr);
    let handle = app.handle();
    let state = app.state.clone();
    let server = Some(tokio::spawn(app.run_until_stopped()));
    let database_url = pg_database.as_ref().map(|(_, url)| url.clone());
    TestApp {
        addr,
        base,
        token,
        client,
        data_dir,
        handle,
        state,
        server,
        database_url,
        pg_database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((name, _)) = self.pg_database.take() {
            let base = pg_base_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
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

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    /// A request with the admin token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(method, path, body, Some(&format!("SSWS {}", self.token)))
            .await
    }

    pub async fn call_as(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        auth: Option<&str>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("Accept", "application/json");
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Declares custom properties (name → definition) in the profile schema at `schema`
    /// (e.g. `/api/v1/meta/schemas/user/default`), as Okta needs before a profile holds them.
    pub async fn declare(&self, schema: &str, properties: Value) -> Reply {
        let r = self
            .post(
                schema,
                serde_json::json!({ "definitions": { "custom": { "properties": properties } } }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r
    }

    pub async fn post_empty(&self, path: &str) -> Reply {
        self.call(Method::POST, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a user (201/200 asserted) and returns its JSON.
    pub async fn create_user(&self, query: &str, body: Value) -> Value {
        let r = self.post(&format!("/api/v1/users{query}"), body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    /// Creates an ACTIVE user with a password and returns its id.
    pub async fn active_user(&self, login: &str) -> String {
        self.create_user(
            "?activate=true",
            serde_json::json!({
                "profile": Self::profile(login),
                "credentials": { "password": { "value": "Correct-Horse-9" } },
            }),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// An `Authorization` value for a token acting as `login` (as `latchkey token create
    /// --as` makes one).
    pub async fn token_as(&self, login: &str) -> String {
        let store_args = latchkey::config::StoreArgs {
            data_dir: Some(self.data_dir.path().to_path_buf()),
            database_url: self.database_url.clone(),
        };
        let secret = latchkey::cli::token::create(
            &store_args,
            &latchkey::config::FileConfig::default(),
            login,
            Some(login),
        )
        .await
        .unwrap();
        format!("SSWS {secret}")
    }

    /// A minimal valid profile for `login`.
    pub fn profile(login: &str) -> Value {
        serde_json::json!({
            "firstName": "Isaac",
            "lastName": "Brock",
            "email": login,
            "login": login,
        })
    }
}

impl TestApp {
    /// Waits (deadline 10 s) until the outbox holds no message: whatever the calls so far
    /// asked to send has been delivered (or dropped).
    pub async fn outbox_drained(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.state.store.pending_messages().await.unwrap() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the outbox did not drain"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// GETs `path` until `accept` holds for the reply, for at most 10 seconds, as a consumer
    /// of an eventually consistent feed would (Okta documents System Log delays).
    pub async fn get_until(&self, path: &str, accept: impl Fn(&Reply) -> bool) -> Reply {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let reply = self.get(path).await;
            if accept(&reply) || std::time::Instant::now() > deadline {
                return reply;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// An HTTPS client that trusts the server's generated CA and sends `localhost` to `addr`.
fn client_for(app: &Application, addr: SocketAddr) -> reqwest::Client {
    let mut builder = reqwest::Client::builder().tls_built_in_root_certs(false);
    if let Some(ca_path) = &app.ca_path {
        let ca = std::fs::read(ca_path).unwrap();
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap());
    }
    builder
        .resolve("localhost", addr)
        .no_proxy()
        .build()
        .unwrap()
}

/// A second server node on the first's PostgreSQL database (its own data folder, CA and
/// port), answering with the first's API token: two nodes behind one load balancer.
pub async fn second_node(first: &TestApp, clock: model::time::Clock) -> TestApp {
    let url = first
        .database_url
        .clone()
        .expect("a second node needs the PostgreSQL backend");
    let data_dir = tempfile::tempdir().unwrap();
    let args = ServeArgs {
        store: StoreArgs {
            data_dir: Some(data_dir.path().to_path_buf()),
            database_url: Some(url.clone()),
        },
        listen: Some("127.0.0.1:0".parse().unwrap()),
        argon2_memory_kib: Some(1024),
        argon2_iterations: Some(1),
        no_rate_limits: true,
        ..Default::default()
    };
    let mut config = Config::resolve(args, FileConfig::default()).unwrap();
    config.public_url = Some(first.base.clone());
    config.smtp_url = first.state.config.smtp_url.clone();
    config.outbound_ca_file = first.state.config.outbound_ca_file.clone();
    // Every node of one org seals secrets with the same key.
    config.secret_key_file = first.state.config.secret_key_file.clone();
    let app = Application::build_with_clock(config, clock)
        .await
        .expect("second node builds");
    let addr = app.local_addr();
    let client = client_for(&app, addr);
    let handle = app.handle();
    let state = app.state.clone();
    let server = Some(tokio::spawn(app.run_until_stopped()));
    TestApp {
        addr,
        // Requests go to this node's port; its links name the shared public URL.
        base: format!("https://localhost:{}", addr.port()),
        token: first.token.clone(),
        client,
        data_dir,
        handle,
        state,
        server,
        database_url: Some(url),
        pg_database: None,
    }
}
