//! Building and running the server, the same way for `main` and the tests:
//! `Application::build(config)` → `local_addr()` → `run_until_stopped()`.

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, TlsMode};
use crate::rate_limit::RateLimiter;
use crate::state::AppState;
use crate::wire::links::Links;
use crate::{api, bootstrap, tls};
use model::time::Clock;

/// The handle that stops a running server.
pub type ServerHandle = Handle;

/// A bound, ready-to-run server.
pub struct Application {
    listener: std::net::TcpListener,
    router: Router,
    tls: Option<RustlsConfig>,
    handle: Handle,
    pub public_url: String,
    /// The generated CA clients should trust (None with given certificates or plain HTTP).
    pub ca_path: Option<PathBuf>,
    /// The super-admin token, when this start created the org.
    pub new_admin_token: Option<String>,
    pub admin_token_path: Option<PathBuf>,
    pub state: AppState,
    /// Background work of this node (rate-limit sync, hook delivery), stopped with it.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Binds the listener, opens the store (running migrations) and bootstraps the org.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        // A test org's clock can be set and advanced (`/_latchkey/clock`).
        let clock = if config.test_mode {
            Clock::shifted()
        } else {
            Clock::System
        };
        Self::build_with_clock(config, clock).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        crate::data_dir::prepare(
            &config.data_dir,
            crate::data_dir::sqlite_file(&config.database_url).as_deref(),
        )?;
        let listener = std::net::TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let bound = listener.local_addr()?;
        let public_url = config.public_url(bound);

        let (store, boot, admin_token_path) = open_store(&config, &clock).await?;

        let (tls, ca_path) = match &config.tls {
            TlsMode::Insecure => (None, None),
            TlsMode::Files { cert, key } => {
                let c = tls::from_files(cert, key)?;
                (
                    Some(RustlsConfig::from_pem(c.cert_pem, c.key_pem).await?),
                    None,
                )
            }
            TlsMode::Generated => {
                let c = tls::generated(&config.data_dir, &tls::hosts_for(&public_url))?;
                (
                    Some(RustlsConfig::from_pem(c.cert_pem, c.key_pem).await?),
                    c.ca_path,
                )
            }
        };

        let hasher = crypto::password::PasswordHasher::new(
            config.argon2,
            config.hash_workers,
            config.hash_queue,
        )?;
        let sealer = load_sealer(&config.secret_key_file)?;
        let outbound = outbound_client(config.outbound_ca_file.as_deref())?;
        let mailer = match &config.smtp_url {
            Some(url) => {
                let host = public_url
                    .split("://")
                    .nth(1)
                    .and_then(|rest| rest.split([':', '/']).next())
                    .unwrap_or("localhost");
                let from = config
                    .smtp_from
                    .clone()
                    .unwrap_or_else(|| format!("noreply@{host}"));
                Some(crate::delivery::Mailer::new(url, &from)?)
            }
            None => None,
        };
        let templates = Arc::new(crate::templates::Templates::load(
            &config.data_dir.join("templates"),
        )?);
        let state = AppState::new(crate::state::AppParts {
            store,
            hasher,
            clock,
            links: Links::new(&public_url),
            rate: RateLimiter::new(config.rate_limits, config.rate_limit_quotas.clone()),
            config: Arc::new(config),
            org: Arc::new(boot.org),
            sealer,
            outbound,
            mailer,
            tokens: Default::default(),
            outbox: Default::default(),
            oauth_keys: Default::default(),
            templates,
            search: Default::default(),
            everyone: Default::default(),
        });
        let background = vec![
            state
                .rate
                .spawn_sync(Arc::clone(&state.store), state.clock.clone()),
            crate::hooks::spawn_worker(state.clone()),
            crate::outbox::spawn_worker(state.clone()),
            crate::api::group_rules::spawn_queue_worker(state.clone()),
            crate::auth::ssws::spawn_change_listener(state.clone()),
            crate::api::system_log::spawn_retention(state.clone()),
            crate::search_index::spawn_reconcile(state.clone()),
        ];
        let router = api::router(state.clone());
        Ok(Self {
            listener,
            router,
            tls,
            handle: Handle::new(),
            public_url,
            ca_path,
            new_admin_token: boot.new_admin_token,
            admin_token_path,
            state,
            background,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// A handle that stops the server gracefully (in-flight requests finish).
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Serves until the handle asks for shutdown, then stops this node's background work
    /// (anything it had claimed is picked up by another node once its lease runs out).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let background = self.background;
        let limits = &self.state.config.limits;
        let admitted = crate::connections::ConnectionLimits::new(
            crate::connections::fit_to_open_file_limit(limits.max_connections),
            limits.max_connections_per_address,
        );
        let acceptor = crate::connections::LimitedAcceptor::new(admitted);
        let served = match self.tls {
            Some(tls) => {
                let tls = axum_server::tls_rustls::RustlsAcceptor::new(tls)
                    .handshake_timeout(limits.handshake_timeout.min(limits.header_timeout))
                    .acceptor(acceptor);
                let mut server = axum_server::from_tcp(self.listener).acceptor(tls);
                http_limits(server.http_builder(), limits);
                server.handle(self.handle).serve(service).await
            }
            None => {
                let mut server = axum_server::from_tcp(self.listener).acceptor(acceptor);
                http_limits(server.http_builder(), limits);
                server.handle(self.handle).serve(service).await
            }
        };
        for task in background {
            task.abort();
        }
        served
    }
}

/// The HTTP time limits: a request head must arrive whole within the header timeout (which
/// also ends keep-alive connections idle that long); HTTP/2 connections are pinged and closed
/// when the peer stops answering.
fn http_limits(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &crate::config::Limits,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive_interval(limits.header_timeout)
        .keep_alive_timeout(limits.header_timeout)
        .max_concurrent_streams(256);
}

/// The org's sealing key: read from its file, or generated into it (0600) on first start.
fn load_sealer(path: &std::path::Path) -> anyhow::Result<crypto::sealed::Sealer> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = crypto::sealed::Sealer::generate_key();
            tls::write_private(path, format!("{key}\n").as_bytes())?;
            key
        }
        Err(err) => return Err(anyhow::anyhow!("reading {}: {err}", path.display())),
    };
    crypto::sealed::Sealer::from_base64(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The HTTP client for hook calls: the web's public roots plus an optional private CA,
/// Okta's 3-second timeout, no redirects, no proxies from the environment.
fn outbound_client(ca: Option<&std::path::Path>) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Latchkey/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca {
        let pem =
            std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    Ok(builder.build()?)
}

/// Opens the store (running migrations) and bootstraps the org; on the first start, writes the
/// new super-admin token and answers where.
async fn open_store(
    config: &Config,
    clock: &Clock,
) -> anyhow::Result<(
    Arc<dyn store::Store>,
    bootstrap::Bootstrapped,
    Option<PathBuf>,
)> {
    let store = store::connect(&config.database_url).await?;
    let boot = bootstrap::ensure_org(
        store.as_ref(),
        &config.org_name,
        &config.admin_login,
        clock.now().millis(),
        config.admin_token.as_deref(),
    )
    .await?;
    let admin_token_path = match &boot.new_admin_token {
        Some(token) => Some(bootstrap::write_admin_token(&config.data_dir, token)?),
        None => None,
    };
    Ok((store, boot, admin_token_path))
}

/// The state of a command that works on the store without serving (`latchkey import` and
/// `export`): the same store, org, password hasher and secret key as `serve` with this
/// configuration, but no listener, background work, rate limits or mail.
pub async fn offline_state(config: Config) -> anyhow::Result<AppState> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let clock = Clock::System;
    crate::data_dir::prepare(
        &config.data_dir,
        crate::data_dir::sqlite_file(&config.database_url).as_deref(),
    )?;
    let (store, boot, admin_token_path) = open_store(&config, &clock).await?;
    if let Some(path) = admin_token_path {
        eprintln!(
            "created a new org; its super-admin API token is in {}",
            path.display()
        );
    }
    let public_url = config.public_url(config.listen);
    let templates = Arc::new(crate::templates::Templates::load(
        &config.data_dir.join("templates"),
    )?);
    Ok(AppState::new(crate::state::AppParts {
        store,
        hasher: crypto::password::PasswordHasher::new(
            config.argon2,
            config.hash_workers,
            config.hash_queue,
        )?,
        clock,
        links: Links::new(&public_url),
        rate: RateLimiter::new(false, config.rate_limit_quotas.clone()),
        sealer: load_sealer(&config.secret_key_file)?,
        outbound: outbound_client(config.outbound_ca_file.as_deref())?,
        config: Arc::new(config),
        org: Arc::new(boot.org),
        mailer: None,
        tokens: Default::default(),
        outbox: Default::default(),
        oauth_keys: Default::default(),
        templates,
        search: Default::default(),
        everyone: Default::default(),
    }))
}

/// Waits for SIGINT or SIGTERM, then asks the server to finish in-flight requests and stop.
pub async fn shutdown_on_signal(handle: Handle) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
    handle.graceful_shutdown(Some(Duration::from_secs(30)));
}
