//! Connection admission: how many connections the server holds at once, in all and from one
//! client address, so that slow or idle clients cannot take every socket.
//!
//! - A connection is admitted (before its TLS handshake) only while fewer than
//!   `max_connections` are open and fewer than `max_connections_per_address` come from its
//!   address; otherwise it is closed at once, and a warning says so (at most every 10 s).
//! - The admission ticket travels with the connection's stream and is given back when the
//!   connection closes, however it closes.
//! - At start the process's open-file limit is raised to its hard limit where allowed, and
//!   `max_connections` is kept below it, so accepting never fails for want of descriptors.
//!
//! The time limits (TLS handshake, request head, keep-alive idle) are set where the server is
//! built (`crate::app`).

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Descriptors kept free for the database, files and outbound calls.
const RESERVED_DESCRIPTORS: u64 = 256;

/// Counts of open connections, shared by the acceptor and every ticket.
#[derive(Debug)]
struct Counts {
    max_total: usize,
    max_per_address: usize,
    total: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    /// When these counts began, and seconds from then to the last refusal warning (-1:
    /// none yet).
    started: std::time::Instant,
    last_warning: AtomicI64,
}

/// The admission policy of one server.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    counts: Arc<Counts>,
}

impl ConnectionLimits {
    /// `max_per_address` 0 means no per-address limit.
    pub fn new(max_total: usize, max_per_address: usize) -> Self {
        Self {
            counts: Arc::new(Counts {
                max_total: max_total.max(1),
                max_per_address,
                total: AtomicUsize::new(0),
                per_address: Mutex::new(HashMap::new()),
                started: std::time::Instant::now(),
                last_warning: AtomicI64::new(-1),
            }),
        }
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.counts.total.load(Ordering::Relaxed)
    }

    /// A ticket for a new connection from `address`, or None when a limit is reached.
    pub fn admit(&self, address: Option<IpAddr>) -> Option<Ticket> {
        let counts = &self.counts;
        let admitted = counts
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < counts.max_total).then_some(n + 1)
            });
        if admitted.is_err() {
            self.warn(address, "the server's connection limit", counts.max_total);
            return None;
        }
        let ticket = Ticket {
            counts: Arc::clone(counts),
            address: None,
        };
        let (Some(address), true) = (address, counts.max_per_address > 0) else {
            return Some(ticket);
        };
        let Ok(mut per_address) = counts.per_address.lock() else {
            return Some(ticket);
        };
        let open = per_address.entry(address).or_insert(0);
        if *open >= counts.max_per_address {
            drop(per_address);
            drop(ticket);
            self.warn(
                Some(address),
                "the per-address connection limit",
                counts.max_per_address,
            );
            return None;
        }
        *open += 1;
        let mut ticket = ticket;
        ticket.address = Some(address);
        Some(ticket)
    }

    fn warn(&self, address: Option<IpAddr>, limit: &str, value: usize) {
        let seconds = i64::try_from(self.counts.started.elapsed().as_secs()).unwrap_or(i64::MAX);
        let last = self.counts.last_warning.load(Ordering::Relaxed);
        if (last < 0 || seconds - last >= 10)
            && self
                .counts
                .last_warning
                .compare_exchange(last, seconds, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                client = ?address,
                open = self.open(),
                limit = value,
                "connection closed at accept: {limit} is reached"
            );
        }
    }
}

/// One admitted connection's place; given back on drop.
#[derive(Debug)]
pub struct Ticket {
    counts: Arc<Counts>,
    address: Option<IpAddr>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.counts.total.fetch_sub(1, Ordering::AcqRel);
        if let Some(address) = self.address {
            if let Ok(mut per_address) = self.counts.per_address.lock() {
                if let Some(open) = per_address.get_mut(&address) {
                    *open = open.saturating_sub(1);
                    if *open == 0 {
                        per_address.remove(&address);
                    }
                }
            }
        }
    }
}

/// A connection's stream with its admission ticket.
#[derive(Debug)]
pub struct Admitted<S> {
    inner: S,
    _ticket: Ticket,
}

impl<S: AsyncRead + Unpin> AsyncRead for Admitted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Admitted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The acceptor that admits (or closes) each TCP connection before anything else runs on it.
#[derive(Debug, Clone)]
pub struct LimitedAcceptor {
    limits: ConnectionLimits,
}

impl LimitedAcceptor {
    pub fn new(limits: ConnectionLimits) -> Self {
        Self { limits }
    }
}

impl<S> Accept<TcpStream, S> for LimitedAcceptor {
    type Stream = Admitted<TcpStream>;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let address = stream.peer_addr().ok().map(|a| a.ip());
        let outcome = match self.limits.admit(address) {
            Some(ticket) => {
                // Requests and answers are small: send them without Nagle's delay.
                let _ = stream.set_nodelay(true);
                Ok((
                    Admitted {
                        inner: stream,
                        _ticket: ticket,
                    },
                    service,
                ))
            }
            None => Err(io::Error::other("connection limit reached")),
        };
        std::future::ready(outcome)
    }
}

/// Raises the soft open-file limit to the hard one where allowed, and answers how many
/// connections fit under it with room for everything else.
pub fn fit_to_open_file_limit(wanted: usize) -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => limit = getrlimit(Resource::Nofile),
            Err(err) => tracing::warn!(error = %err, "could not raise the open-file limit"),
        }
    }
    let Some(current) = limit.current else {
        return wanted;
    };
    let room =
        usize::try_from(current.saturating_sub(RESERVED_DESCRIPTORS).max(16)).unwrap_or(wanted);
    if room < wanted {
        tracing::warn!(
            open_file_limit = current,
            max_connections = room,
            "the open-file limit allows fewer connections than configured"
        );
    }
    wanted.min(room)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_count_in_all_and_per_address_and_come_back() {
        let limits = ConnectionLimits::new(3, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = limits.admit(Some(a)).unwrap();
        let a2 = limits.admit(Some(a)).unwrap();
        assert!(limits.admit(Some(a)).is_none(), "two per address");
        assert_eq!(limits.open(), 2, "a refusal holds nothing");
        let b1 = limits.admit(Some(b)).unwrap();
        assert!(limits.admit(Some(b)).is_none(), "three in all");
        drop(a1);
        assert!(
            limits.admit(Some(b)).is_some(),
            "a closed connection frees its place"
        );
        drop((a2, b1));
        assert_eq!(limits.open(), 0);
        let unlimited = ConnectionLimits::new(10, 0);
        let many: Vec<_> = (0..10).filter_map(|_| unlimited.admit(Some(a))).collect();
        assert_eq!(many.len(), 10, "0: no per-address limit");
    }
}
