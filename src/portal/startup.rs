//! Building the portal: its shared state ([`App`]) from a workspace, the
//! router of every route (one file each in [`super::routes`]), and serving it on the address asked for (`:0`, a
//! port the system chooses, told to `ready` before the first request — how
//! the tests start it).

use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::routes::{
    alerts, annual, api, changes, coverage, login, report, scorecard, style, submissions,
    templates, trace, upload as upload_page,
};
use super::settings::Settings;
use super::state::{App, Shared};
use super::{auth, commit, intake, log, upload, web};
use crate::error::Result;

/// Serves until SIGINT or SIGTERM. `ready` is told the address bound (the
/// port the system chose for `:0`) before the first request is taken.
pub fn serve(settings: Settings, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let kept = Arc::new(crate::service::KeptWorkspace::open(&settings.root)?);
    let ws = kept.current()?;
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
            intake: intake::Intake::new(
                &settings.root,
                ws.clone(),
                commit::Committer::start(&settings, kept),
            ),
            log: log::Log::open(&settings.root)?,
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
        .route("/", get(login::home))
        .route("/login", get(login::login_form).post(login::login))
        .route("/logout", post(login::logout))
        .route(
            "/upload",
            get(upload_page::upload_form).post(upload_page::upload),
        )
        .route("/submissions", get(submissions::submissions))
        .route("/submissions/{id}", get(submissions::submission))
        .route(
            "/submissions/{id}/feedback.xlsx",
            get(submissions::feedback),
        )
        .route("/templates/{file}", get(templates::template))
        .route("/coverage", get(coverage::coverage))
        .route("/scorecard", get(scorecard::scorecard))
        .route("/alerts", get(alerts::alerts))
        .route("/changes", get(changes::changes))
        .route("/annual", get(annual::annual))
        .route("/trace", get(trace::page_of))
        .route("/trace/workbook.xlsx", get(trace::workbook))
        .route("/report", get(report::report))
        .route("/static/style.css", get(style::style))
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
