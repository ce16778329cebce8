//! What every handler shares ([`App`]): the workspace, the sign-in state,
//! the spool and intake of uploads, the refusal log. Built once by
//! [`super::startup`]; the routes, [`super::read`], [`super::html`] and
//! [`super::web`] take it, and nothing it holds takes it back.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{auth, intake, log, upload};
use crate::workspace::Workspace;

/// What every handler shares.
pub(crate) struct App {
    pub root: PathBuf,
    /// Shared with the intake, which reads uploads off the async threads.
    pub ws: Arc<Workspace>,
    pub max_upload_bytes: u64,
    pub tokens: auth::TokenCache,
    pub sessions: auth::Sessions,
    pub limiter: auth::RateLimiter,
    pub spool: upload::Spool,
    pub intake: intake::Intake,
    pub log: log::Log,
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
