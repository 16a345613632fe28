//! A real HTTPS receiver for hook calls: its own CA and certificate, the requests it got,
//! and a switchable answer (status code) for event deliveries.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone, Default)]
struct Shared {
    got: Arc<Mutex<Vec<Received>>>,
    /// Status for POSTs; 0 means 200.
    status: Arc<AtomicU16>,
    /// Body for POSTs; `{}` when unset.
    reply: Arc<Mutex<Option<Value>>>,
}

pub struct Receiver {
    pub url: String,
    pub ca_path: std::path::PathBuf,
    shared: Shared,
    _dir: tempfile::TempDir,
}

impl Receiver {
    pub async fn start() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Hook receiver CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap()
                .signed_by(&key, &ca, &ca_key)
                .unwrap();
        let ca_path = dir.path().join("receiver-ca.pem");
        std::fs::write(&ca_path, ca.pem()).unwrap();
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
            cert.pem().into_bytes(),
            key.serialize_pem().into_bytes(),
        )
        .await
        .unwrap();
        let shared = Shared::default();
        let app = Router::new()
            .route("/hook", any(handle))
            .with_state(shared.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(axum_server::from_tcp_rustls(listener, tls).serve(app.into_make_service()));
        Self {
            url: format!("https://127.0.0.1:{}/hook", addr.port()),
            ca_path,
            shared,
            _dir: dir,
        }
    }

    /// Answer event deliveries with `status` from now on.
    pub fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// Answer POSTs with this JSON body from now on.
    pub fn reply_with(&self, body: Value) {
        *self.shared.reply.lock().unwrap() = Some(body);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.got.lock().unwrap().clone()
    }

    /// Waits (deadline 10 s) until at least `n` requests arrived, and returns them all (what
    /// the server sends through its outbox arrives after the call that asked for it).
    pub async fn wait_received(&self, n: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} of {n} requests arrived",
                got.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The LogEvents of the deliveries answered with success, in arrival order.
    pub fn delivered_events(&self) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|r| {
                r.method == "POST" && r.headers.get("x-test-answer").is_some_and(|v| v == "200")
            })
            .flat_map(|r| {
                r.body["data"]["events"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Waits (deadline 15 s) until `accept` holds for the delivered events.
    pub async fn wait_for(&self, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let events = self.delivered_events();
            if accept(&events) || std::time::Instant::now() > deadline {
                return events;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, HeaderMap, String) {
    let mut stored = headers.clone();
    let mut out = HeaderMap::new();
    out.insert("content-type", "application/json".parse().unwrap());
    if method == axum::http::Method::GET && !headers.contains_key("x-okta-verification-challenge") {
        // A plain GET (a JWK set, say) gets the reply body when one is set.
        if let Some(reply) = shared.reply.lock().unwrap().clone() {
            shared.got.lock().unwrap().push(Received {
                method: "GET".into(),
                headers: stored,
                body: Value::Null,
            });
            return (StatusCode::OK, out, reply.to_string());
        }
    }
    if method == axum::http::Method::GET {
        let challenge = headers
            .get("x-okta-verification-challenge")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        shared.got.lock().unwrap().push(Received {
            method: "GET".into(),
            headers: stored,
            body: Value::Null,
        });
        return (
            StatusCode::OK,
            out,
            json!({ "verification": challenge }).to_string(),
        );
    }
    let status = match shared.status.load(Ordering::SeqCst) {
        0 => 200,
        s => s,
    };
    stored.insert("x-test-answer", status.to_string().parse().unwrap());
    shared.got.lock().unwrap().push(Received {
        method: method.to_string(),
        headers: stored,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    });
    let reply = shared
        .reply
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_else(|| json!({}));
    (
        StatusCode::from_u16(status).unwrap(),
        out,
        reply.to_string(),
    )
}
