//! `taizhang serve`: the upload portal (DESIGN §11). Clerks sign in with
//! their unit's token, upload ledgers and see at once which cells to fix;
//! province staff watch coverage as the deadline nears. Every upload goes
//! through the service layer's single entry point for received files, the
//! very path of `taizhang ingest`.
//!
//! The pieces: [`auth`] (tokens, sessions, CSRF, the sign-in throttle),
//! [`upload`] (a multipart body streamed to disk with its size checked as it
//! streams), [`intake`] (each file read outside the writer lock, one per unit
//! at a time on a bounded set of readers), [`quota`] (each unit's archived
//! uploads per day), [`commit`] (read files written to the lake in groups,
//! under the workspace's writer lock, and the debounced rebuild that brings
//! coverage up to date), [`records`] (each upload's kept result and who may
//! open it), [`web`] (security headers, the request log) and [`refusal`]
//! (every refusal, told as a page or as JSON).
//!
//! What is served: [`startup`] builds the [`App`] every handler shares and
//! the router, and serves it (on `:0`, a port the system chooses, in the
//! tests). [`routes`] holds one file per page or resource: the pages (HTML,
//! escaped by maud) and the JSON API. A route reads through [`read`] (the
//! warehouse's models, the lake's submissions, the kept records — never a
//! figure counted in Rust) and draws with [`views`], [`html`] and [`layout`];
//! no route imports another. Connections (how many, how long a request's
//! head may take) are bounded in [`crate::serving`]; every limit is
//! `[portal]` in `taizhang.toml`.

mod auth;
mod commit;
mod html;
mod intake;
mod layout;
mod quota;
mod read;
mod records;
mod refusal;
mod routes;
mod startup;
mod upload;
mod views;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::workspace::Workspace;

pub use auth::Caller;
pub use startup::serve;

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

/// What every handler shares.
pub(crate) struct App {
    pub root: PathBuf,
    pub ws: Workspace,
    pub max_upload_bytes: u64,
    pub tokens: auth::TokenCache,
    pub sessions: auth::Sessions,
    pub limiter: auth::RateLimiter,
    pub spool: upload::Spool,
    pub intake: intake::Intake,
    pub committer: commit::Committer,
    pub log: web::Log,
}

impl App {
    /// What one upload form may carry: `files` files within the workspace's limits.
    pub(crate) fn form_limits(&self, files: usize) -> upload::FormLimits {
        upload::FormLimits {
            file_bytes: self.max_upload_bytes,
            files,
            idle: Duration::from_secs(self.ws.config.portal.body_idle_seconds),
            body_bytes: self.body_limit() as u64,
        }
    }

    /// The whole body of a request: a form's files at their limit, and its
    /// fields.
    pub(crate) fn body_limit(&self) -> usize {
        (self.max_upload_bytes as usize)
            .saturating_mul(self.ws.config.portal.files_per_upload)
            .saturating_add(1 << 20)
    }
}

pub(crate) type Shared = Arc<App>;
