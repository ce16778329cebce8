//! What the servers (the upload portal and the PostgreSQL endpoint) share:
//! a runtime of their own, a listener with a clear error, and the signal
//! to stop on.

use std::net::SocketAddr;
use std::path::Path;

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
