//! What the servers (the upload portal and the PostgreSQL endpoint) share:
//! a runtime of their own, a listener with a clear error, the signal to
//! stop on, the open-file limit their connections need, and the portal's
//! HTTP accept loop with its connection cap and request-head timeout.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};

/// A multi-threaded runtime for one server (each server has its own, so the
/// two can run side by side in one process).
pub fn runtime(root: &Path) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::io(root))
}

/// Binds `addr`; the address actually bound (the port chosen for `:0`).
pub async fn listen(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr)> {
    let cannot =
        |e: std::io::Error| Error::Usage(format!("无法监听 {addr} / cannot listen on {addr}: {e}"));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(cannot)?;
    let bound = listener.local_addr().map_err(cannot)?;
    Ok((listener, bound))
}

/// Resolves when the process is asked to stop.
pub async fn shutdown_signal() {
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
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// How many connections an HTTP server serves at once, and how long a
/// client may take to send a request's line and headers.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// Connections past the cap being told so at once, at most; more are
/// closed without a word.
const REFUSING: usize = 64;

/// How long a refused connection is given to take its answer.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// How long stopping waits for requests in flight (an upload is answered
/// once its batch is committed).
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `router` over HTTP/1.1 on `listener` until `shutdown` resolves.
///
/// At most `limits.max_connections` connections are served at once; one
/// past them is answered `503` (in Chinese and English) and closed, so a
/// flood of connections is refused instead of exhausting the process's
/// descriptors. A client that does not finish a request's head within
/// `limits.header_timeout` — a half-sent request, or a kept-alive
/// connection left idle — is disconnected, so slow clients cannot hold
/// the connections either. Each request carries its peer's address as
/// [`ConnectInfo`].
pub async fn serve_http(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    let refusing = Arc::new(Semaphore::new(REFUSING));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, say: wait a moment rather than spin;
                // the connections already served go on.
                eprintln!("taizhang: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if let Ok(turn) = refusing.clone().try_acquire_owned() {
                tokio::spawn(refuse(stream, turn));
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            limits.header_timeout,
            stopping.clone(),
            slot,
        ));
    }
    let _ = stop.send(true);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN, slots.acquire_many(all)).await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    header_timeout: Duration,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let router = TowerToHyperService::new(router);
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.call(request.map(axum::body::Body::new))
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopping.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// What a connection past the cap is told.
fn at_capacity() -> String {
    let body =
        "服务器连接数已满，请稍后重试 / the server is at its connection limit; try again shortly\n";
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Retry-After: 5\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Answers a connection past the cap and closes it. What the client sent is
/// read and dropped for a moment first: closing with unread input would
/// reset the connection, and the client would never see the answer.
async fn refuse(mut stream: TcpStream, _turn: OwnedSemaphorePermit) {
    let _ = stream.try_write(at_capacity().as_bytes());
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// The connections the process can serve: raises its soft limit on open
/// files toward `needed` (as far as the hard limit allows); when it stays
/// below, fewer than `wanted`, and says so. systemd units printed by
/// `taizhang serve --print systemd` set `LimitNOFILE` high enough.
pub fn affordable_connections(wanted: usize, needed: u64) -> usize {
    let have = raise_open_files(needed);
    if have >= needed {
        return wanted;
    }
    // Each connection may hold a socket and a spooled upload; the rest of
    // the process keeps what it needs beside them.
    let fit = (have.saturating_sub(needed.saturating_sub(wanted as u64 * 2)) / 2) as usize;
    let fit = fit.clamp(1, wanted);
    eprintln!(
        "taizhang: 打开文件数上限为 {have}，连接数上限降为 {fit} / the open-file limit is {have}: \
         serving at most {fit} connections, not {wanted} (raise LimitNOFILE or ulimit -n to {needed})"
    );
    fit
}

/// Raises the soft open-file limit to `wanted` or the hard limit; the soft
/// limit in effect.
#[cfg(unix)]
// `rlim_t` is u64 here but 32 bits on some 32-bit targets: the conversions
// are needed there.
#[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
fn raise_open_files(wanted: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return wanted;
    }
    let current = u64::from(limit.rlim_cur);
    if current >= wanted || limit.rlim_cur == libc::RLIM_INFINITY {
        return wanted.max(current);
    }
    let target = if limit.rlim_max == libc::RLIM_INFINITY {
        wanted
    } else {
        wanted.min(u64::from(limit.rlim_max))
    };
    let raised = libc::rlimit {
        rlim_cur: libc::rlim_t::try_from(target).unwrap_or(limit.rlim_max),
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit only reads the struct it is given.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
        target
    } else {
        current
    }
}

/// Elsewhere the process's limit is what it is.
#[cfg(not(unix))]
fn raise_open_files(wanted: u64) -> u64 {
    wanted
}
