//! `taizhang serve`: the upload portal (DESIGN §11). Clerks sign in with
//! their unit's token, upload ledgers and see at once which cells to fix;
//! province staff watch coverage as the deadline nears. Every upload goes
//! through the service layer's single entry point for received files, the
//! very path of `taizhang ingest`.
//!
//! The pieces: [`auth`] (tokens, sessions, CSRF, the sign-in rate limit),
//! [`commit`] (uploads queued and written to the lake in groups, under the
//! workspace's writer lock, and the debounced rebuild that brings coverage
//! up to date), [`upload`] (a multipart body read with its size checked as it
//! streams), [`api`] (JSON), [`pages`] (HTML, escaped by maud), [`web`]
//! (security headers, the request log, refusals).

mod api;
mod auth;
mod commit;
mod pages;
mod upload;
mod web;

use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
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
    /// Sign-in attempts allowed per address per minute.
    pub sign_ins_per_minute: u32,
}

impl Settings {
    pub fn new(root: PathBuf, addr: SocketAddr) -> Settings {
        Settings {
            root,
            addr,
            lock_wait: Duration::from_secs(10),
            rebuild_after: Duration::from_secs(2),
            sign_ins_per_minute: 10,
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
    pub committer: commit::Committer,
    pub log: web::Log,
}

pub(crate) type Shared = Arc<App>;

/// Serves until SIGINT or SIGTERM. `ready` is told the address bound (the
/// port the system chose for `:0`) before the first request is taken.
pub fn serve(settings: Settings, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let ws = Workspace::open(&settings.root)?;
    crate::serving::runtime(&settings.root)?.block_on(async move {
        let (listener, addr) = crate::serving::listen(settings.addr).await?;
        let app = Arc::new(App {
            root: settings.root.clone(),
            max_upload_bytes: ws.config.limits.max_file_mb.saturating_mul(1024 * 1024),
            ws,
            tokens: auth::TokenCache::new(&settings.root),
            sessions: auth::Sessions::default(),
            limiter: auth::RateLimiter::new(settings.sign_ins_per_minute),
            committer: commit::Committer::start(&settings),
            log: web::Log::open(&settings.root)?,
        });
        ready(addr);
        axum::serve(
            listener,
            router(app).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(crate::serving::shutdown_signal())
        .await
        .map_err(Error::io(&settings.root))
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
        .route("/report", get(pages::report))
        .route("/static/style.css", get(pages::style))
        .route(
            "/api/submissions",
            get(api::list_submissions).post(api::post_submission),
        )
        .route("/api/submissions/{id}", get(api::get_submission))
        .route("/api/coverage", get(api::coverage))
        .fallback(web::not_found)
        // The body limit is checked again per file as it streams; this one
        // stops a body far over any sensible size before it is read at all.
        .layer(axum::extract::DefaultBodyLimit::max(
            (app.max_upload_bytes as usize)
                .saturating_mul(4)
                .saturating_add(1 << 20),
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            web::around,
        ))
        .with_state(app)
}
