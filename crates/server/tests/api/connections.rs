//! Slow and idle clients: connections that never finish a request head are closed after the
//! header timeout, one address cannot hold more than its share of connections, and a server
//! whose every connection is taken answers again once the slow ones time out.

use crate::harness::{spawn_app_with, TestApp};
use reqwest::StatusCode;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const HEADER_TIMEOUT: Duration = Duration::from_secs(2);

fn limits(config: &mut latchkey::config::Config) {
    config.limits.max_connections = 40;
    config.limits.max_connections_per_address = 8;
    config.limits.header_timeout = HEADER_TIMEOUT;
}

/// A TCP connection to the server from the loopback address `from`.
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    socket.connect(to).await.unwrap()
}

/// A TLS session with the server (trusting its generated CA) that has sent `head_start` of a
/// request and nothing more; None when the server refused the connection.
async fn slow_tls(
    app: &TestApp,
    from: &str,
    head_start: &[u8],
) -> Option<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = connect_from(from, app.addr).await;
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    let ca = std::fs::read(app.data_dir.path().join("ca.pem")).unwrap();
    for cert in rustls_pemfile::certs(&mut ca.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.ok()?;
    tls.write_all(head_start).await.ok()?;
    tls.flush().await.ok()?;
    Some(tls)
}

/// Whether the server closes the stream within `within` (EOF or an error on read).
async fn closed_within<S: tokio::io::AsyncRead + Unpin>(stream: &mut S, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    matches!(
        tokio::time::timeout(within, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn slow_clients_are_timed_out_and_held_to_their_share() {
    let app = spawn_app_with(limits).await;
    // One address opens 20 TLS connections and sends half a request head on each.
    let mut held = Vec::new();
    for _ in 0..20 {
        if let Some(tls) =
            slow_tls(&app, "127.0.0.2", b"GET /api/v1/users HTTP/1.1\r\nHost: lo").await
        {
            held.push(tls);
        }
    }
    // Raw TCP connections that never start TLS, from the same address.
    let mut raw = Vec::new();
    for _ in 0..5 {
        raw.push(connect_from("127.0.0.2", app.addr).await);
    }
    let mut refused_raw = 0;
    for stream in &mut raw {
        if closed_within(stream, Duration::from_millis(300)).await {
            refused_raw += 1;
        }
    }
    assert_eq!(held.len(), 8, "one address gets its 8 places, no more");
    assert_eq!(refused_raw, 5, "and nothing beyond them");
    // Everybody else is served meanwhile.
    let r = app.get("/api/v1/users").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The header timeout closes the slow ones.
    let started = Instant::now();
    for tls in &mut held {
        assert!(
            closed_within(tls, HEADER_TIMEOUT * 3).await,
            "a connection without a whole request head outlived the header timeout"
        );
    }
    assert!(started.elapsed() < HEADER_TIMEOUT * 3);
}

#[tokio::test]
async fn a_server_full_of_slow_clients_answers_again_after_the_timeout() {
    let app = spawn_app_with(limits).await;
    // Eight addresses take all 40 places (and more are refused).
    let mut streams = Vec::new();
    for host in 2..10 {
        for _ in 0..8 {
            streams.push(connect_from(&format!("127.0.0.{host}"), app.addr).await);
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Served again within the timeout plus a margin, without anybody closing anything.
    let deadline = Instant::now() + HEADER_TIMEOUT * 4;
    let mut answered = false;
    while Instant::now() < deadline {
        if let Ok(r) = app
            .client
            .get(app.url("/health"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
        {
            if r.status() == StatusCode::OK {
                answered = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        answered,
        "the server stayed unreachable after the slow clients timed out"
    );
    drop(streams);
}
