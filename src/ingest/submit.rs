//! One received file in, its result out: the single entry point every way in
//! shares for one file (DESIGN §11's response shape). A folder ingest and an
//! archive replay are the same path, batched ([`super::run`]): size limit,
//! zip check, read limits, archive and lake commit happen behind it once.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

use super::{FileOutcome, FileReport, Given, Input, Options, Source};
use crate::ledger::Kind;
use crate::normalize::Period;

/// A file as it reached taizhang.
#[derive(Debug, Clone)]
pub struct Received {
    /// The name the sender gave it: data only, never opened as a path.
    pub file_name: String,
    pub content: Content,
    /// What the sender said of it: the kind, the unit, the period.
    pub kind: Option<Kind>,
    pub region: Option<String>,
    pub period: Option<Period>,
    /// None: the moment it is read.
    pub received_at: Option<DateTime<FixedOffset>>,
    pub source: Source,
}

/// Where a received file's bytes are.
#[derive(Debug, Clone)]
pub enum Content {
    /// In memory, received whole.
    Bytes(Arc<[u8]>),
    /// Streamed to a file of the server's (an upload under
    /// `portal/incoming/`), read from there: memory holds no body while it
    /// waits to be read.
    File(PathBuf),
}

impl From<Vec<u8>> for Content {
    fn from(bytes: Vec<u8>) -> Content {
        Content::Bytes(Arc::from(bytes))
    }
}

impl Received {
    /// The batch form: an input that carries what its sender said, and the
    /// options it is read with. Inputs of several senders can share one
    /// batch (and its options): each keeps its own hints.
    pub fn into_input(self, dry_run: bool) -> (Input, Options) {
        let opts = Options {
            kind: None,
            region: None,
            period: None,
            received_at: None,
            dry_run,
            source: self.source,
        };
        let mut input = match self.content {
            Content::Bytes(bytes) => Input::from_bytes(&self.file_name, bytes),
            Content::File(path) => Input::received_file(&self.file_name, path),
        };
        let file_name = input.given.take().and_then(|g| g.file_name);
        input.given = Some(Given {
            file_name,
            kind: self.kind,
            region: self.region,
            period: self.period,
            received_at: self.received_at,
            source: self.source,
        });
        (input, opts)
    }
}

/// What became of a received file, as the clerk is told it — by the CLI's
/// `submit`, the API and the upload page alike — and as the portal keeps it
/// (`portal/uploads/`), read back by the same type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubmissionResult {
    pub submission_id: String,
    pub sha256: String,
    pub file_name: String,
    /// `accepted` when at least one ledger was, else `rejected`.
    pub status: String,
    pub region_code: Option<String>,
    pub period: Option<String>,
    pub ledgers: Vec<LedgerResult>,
    pub issues: Vec<IssueResult>,
    /// Set when these bytes were read before and not again (the status is
    /// then the earlier one's): why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub already_received: Option<String>,
}

/// One kind's ledger in the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LedgerResult {
    pub kind: String,
    pub sheets: Vec<String>,
    pub status: String,
    pub rows_ok: usize,
    pub rows_rejected: usize,
    pub warnings: usize,
}

/// One issue, at its sheet and cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IssueResult {
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub severity: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    pub value: Option<String>,
}

impl SubmissionResult {
    /// The result of one file of an ingest; None when the file could not be
    /// read from disk at all (nothing was received).
    pub fn of(file: &FileReport, file_name: &str) -> Option<SubmissionResult> {
        let sha256 = file.sha256.clone()?;
        let mut result = SubmissionResult {
            submission_id: sha256[..16].to_string(),
            sha256,
            file_name: file_name.to_string(),
            status: "rejected".into(),
            region_code: None,
            period: None,
            ledgers: Vec::new(),
            issues: Vec::new(),
            already_received: None,
        };
        match &file.outcome {
            FileOutcome::Read {
                parsed,
                submissions,
            } => {
                result.status = if parsed.accepted() {
                    "accepted"
                } else {
                    "rejected"
                }
                .into();
                result.region_code = parsed.region_code.clone();
                result.period = parsed.period.map(|p| p.to_string());
                result.ledgers = submissions
                    .iter()
                    .filter_map(|s| {
                        Some(LedgerResult {
                            kind: s.kind?.as_str().into(),
                            sheets: s.sheets.clone(),
                            status: if s.accepted { "accepted" } else { "rejected" }.into(),
                            rows_ok: s.rows_ok,
                            rows_rejected: s.rows_rejected,
                            warnings: s.warnings,
                        })
                    })
                    .collect();
                result.issues = parsed
                    .issues
                    .iter()
                    .map(|i| IssueResult {
                        sheet: i.sheet.clone(),
                        cell: i.cell.clone(),
                        severity: i.severity.as_str().into(),
                        code: i.code.as_str().into(),
                        message_zh: i.message_zh.clone(),
                        message_en: i.message_en.clone(),
                        value: i.value.clone(),
                    })
                    .collect();
            }
            FileOutcome::Skipped { reason, accepted } => {
                if *accepted {
                    result.status = "accepted".into();
                }
                result.already_received = Some(reason.clone());
            }
            FileOutcome::Failed { .. } => return None,
        }
        Some(result)
    }
}
