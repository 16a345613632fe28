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
}

impl Application {
    /// Binds the listener, opens the store (running migrations) and bootstraps the org.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Clock::System).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        std::fs::create_dir_all(&config.data_dir)?;
        let listener = std::net::TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let bound = listener.local_addr()?;
        let public_url = config.public_url(bound);

        let store = store::connect(&config.database_url).await?;
        let boot = bootstrap::ensure_org(
            store.as_ref(),
            &config.org_name,
            &config.admin_login,
            clock.now().millis(),
        )
        .await?;
        let admin_token_path = match &boot.new_admin_token {
            Some(token) => Some(bootstrap::write_admin_token(&config.data_dir, token)?),
            None => None,
        };

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
        let state = AppState {
            store,
            hasher,
            clock,
            links: Links::new(&public_url),
            rate: RateLimiter::new(config.rate_limits, config.rate_limit_quotas.clone()),
            config: Arc::new(config),
            org: Arc::new(boot.org),
        };
        state.rate.spawn_sync(Arc::clone(&state.store));
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

    /// Serves until the handle asks for shutdown.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        match self.tls {
            Some(tls) => {
                axum_server::from_tcp_rustls(self.listener, tls)
                    .handle(self.handle)
                    .serve(service)
                    .await
            }
            None => {
                axum_server::from_tcp(self.listener)
                    .handle(self.handle)
                    .serve(service)
                    .await
            }
        }
    }
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
