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
//! open it), [`api`] (JSON), [`pages`] (HTML, escaped by maud), [`web`]
//! (security headers, the request log, refusals). Connections (how many,
//! how long a request's head may take) are bounded in [`crate::serving`];
//! every limit is `[portal]` in `taizhang.toml`.

mod api;
mod auth;
mod commit;
mod html;
mod intake;
mod layout;
mod pages;
mod quota;
mod records;
mod refusal;
mod trace;
mod upload;
mod web;

use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Result;
use crate::workspace::Workspace;

pub use auth::Caller;

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
    fn form_limits(&self, files: usize) -> upload::FormLimits {
        upload::FormLimits {
            file_bytes: self.max_upload_bytes,
            files,
            idle: Duration::from_secs(self.ws.config.portal.body_idle_seconds),
            body_bytes: self.body_limit() as u64,
        }
    }

    /// The whole body of a request: a form's files at their limit, and its
    /// fields.
    fn body_limit(&self) -> usize {
        (self.max_upload_bytes as usize)
            .saturating_mul(self.ws.config.portal.files_per_upload)
            .saturating_add(1 << 20)
    }
}

pub(crate) type Shared = Arc<App>;

/// Serves until SIGINT or SIGTERM. `ready` is told the address bound (the
/// port the system chose for `:0`) before the first request is taken.
pub fn serve(settings: Settings, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let ws = Workspace::open(&settings.root)?;
    let limits = ws.config.portal;
    let connections = crate::serving::ConnectionLimits {
        max_connections: crate::serving::affordable_connections(
            limits.max_connections,
            limits.open_files_needed(),
        ),
        header_timeout: Duration::from_secs(limits.header_timeout_seconds),
    };
    crate::serving::runtime(&settings.root)?.block_on(async move {
        let (listener, addr) = crate::serving::listen(settings.addr).await?;
        let app = Arc::new(App {
            root: settings.root.clone(),
            max_upload_bytes: ws.config.limits.max_file_mb.saturating_mul(1024 * 1024),
            tokens: auth::TokenCache::new(&settings.root),
            sessions: auth::Sessions::default(),
            limiter: auth::RateLimiter::new(
                limits.failed_sign_ins_per_minute,
                Duration::from_secs(limits.throttle_seconds),
            ),
            spool: upload::Spool::open(
                &settings.root,
                limits.spool_mb.saturating_mul(1024 * 1024),
            )?,
            intake: intake::Intake::new(&settings.root, &limits),
            committer: commit::Committer::start(&settings),
            log: web::Log::open(&settings.root)?,
            ws,
        });
        ready(addr);
        crate::serving::serve_http(
            listener,
            router(app),
            connections,
            crate::serving::shutdown_signal(),
        )
        .await;
        Ok(())
    })
}

fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/upload", get(pages::upload_form).post(pages::upload))
        .route("/submissions", get(pages::submissions))
        .route("/submissions/{id}", get(pages::submission))
        .route("/submissions/{id}/feedback.xlsx", get(pages::feedback))
        .route("/templates/{file}", get(pages::template))
        .route("/coverage", get(pages::coverage))
        .route("/scorecard", get(pages::scorecard))
        .route("/trace", get(trace::page_of))
        .route("/trace/workbook.xlsx", get(trace::workbook))
        .route("/report", get(pages::report))
        .route("/static/style.css", get(pages::style))
        .route(
            "/api/submissions",
            get(api::list_submissions).post(api::post_submission),
        )
        .route("/api/submissions/{id}", get(api::get_submission))
        .route("/api/coverage", get(api::coverage))
        .fallback(web::not_found)
        // The whole body: a form's files at their limit, and its fields.
        // Each file's size is checked as it streams, and the spool's total.
        .layer(axum::extract::DefaultBodyLimit::max(app.body_limit()))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            web::around,
        ))
        .with_state(app)
}
