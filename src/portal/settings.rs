//! How the portal runs: what `taizhang serve` was asked for, before any of
//! it is built.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the portal runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub root: PathBuf,
    pub addr: SocketAddr,
    /// How long an upload waits for the writer lock held by a batch job
    /// before it is answered 503 with Retry-After.
    pub lock_wait: Duration,
    /// Quiet time after the last accepted upload before the warehouse is
    /// rebuilt (coverage and scorecard pages read the warehouse).
    pub rebuild_after: Duration,
}

impl Settings {
    pub fn new(root: PathBuf, addr: SocketAddr) -> Settings {
        Settings {
            root,
            addr,
            lock_wait: Duration::from_secs(10),
            rebuild_after: Duration::from_secs(2),
        }
    }
}
