//! Connection exhaustion: thousands of connections that never send a request (raw TCP and
//! TLS with half a request head), from several addresses, while a client from another
//! address is served; the per-address cap bites with a log line; the idle ones are closed
//! after the header timeout.

use super::node::{scale, Backend, Node, Options};
use reqwest::StatusCode;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};

async fn connect_from(from: IpAddr, to: SocketAddr) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::new(from, 0)).ok()?;
    socket.connect(to).await.ok()
}

/// Raises this test process's open-file limit, since it holds thousands of sockets.
fn raise_own_file_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_idle_connections_do_not_stop_service() {
    raise_own_file_limit();
    let backend = Backend::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(
        &dir.path().join("node"),
        Options {
            database_url: backend.url.clone(),
            args: vec!["--header-timeout-secs".into(), "4".into()],
            ..Options::default()
        },
    )
    .await;
    // Eight addresses, 250 each by default (2,000 in all), 600 each in long mode; beyond 256 an
    // address is refused at accept.
    let per_address = scale(250, 600);
    let mut held = Vec::new();
    for host in 2..10u8 {
        let from = IpAddr::from([127, 0, 0, host]);
        for _ in 0..per_address {
            if let Some(s) = connect_from(from, node.addr).await {
                held.push(s);
            }
        }
    }
    let opened = held.len();
    // Served meanwhile, promptly.
    for _ in 0..20 {
        let started = Instant::now();
        let r = node.get("/api/v1/users?limit=5").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a request took {:?} while {opened} connections were held",
            started.elapsed()
        );
    }
    if per_address > 256 {
        assert!(
            node.log().contains("per-address connection limit"),
            "the cap bit without a word in the log"
        );
    }
    // The header timeout closes them; the server keeps answering.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let r = node.get("/api/v1/users?limit=5").await;
    assert_eq!(r.status, StatusCode::OK);
    drop(held);
    assert!(!node.log().contains("panicked"));
    println!("slow clients: {opened} idle connections held, service kept answering");
}
