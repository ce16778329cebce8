//! What an ingest did, file by file: the import summary printed to the
//! operator (and given as JSON), and the counts of its run-record step.

use chrono::{DateTime, FixedOffset};
use std::path::{Path, PathBuf};

use super::parse::ParsedFile;
use super::{Issue, Severity};
use crate::lake::schema::SubmissionRow;

/// What happened to one input.
#[derive(Debug, Clone)]
pub enum FileOutcome {
    /// Already in the lake, or the same bytes earlier in this batch.
    Skipped {
        reason: String,
        /// Whether the earlier read of these bytes was accepted.
        accepted: bool,
    },
    /// Read and recorded.
    Read {
        parsed: Box<ParsedFile>,
        submissions: Vec<SubmissionRow>,
    },
    /// The file itself could not be read from disk.
    Failed { error: String },
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub sha256: Option<String>,
    pub outcome: FileOutcome,
}

/// The result of an ingest, for the import summary.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub files: Vec<FileReport>,
    pub batch_id: Option<String>,
    /// Files left by a run that died, removed when the writer lock was
    /// taken (set by `service::ingest`).
    pub recovered_parts: usize,
    /// Parts merged away by the compaction that followed this ingest.
    pub compacted: usize,
}

impl ImportSummary {
    pub fn accepted(&self) -> usize {
        self.read().filter(|(p, _)| p.accepted()).count()
    }

    pub fn rejected(&self) -> usize {
        self.read().filter(|(p, _)| !p.accepted()).count()
            + self
                .files
                .iter()
                .filter(|f| matches!(f.outcome, FileOutcome::Failed { .. }))
                .count()
    }

    pub fn skipped(&self) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f.outcome, FileOutcome::Skipped { .. }))
            .count()
    }

    pub fn rows_ok(&self) -> usize {
        self.read()
            .flat_map(|(_, s)| s)
            .filter(|s| s.accepted)
            .map(|s| s.rows_ok)
            .sum()
    }

    pub fn rows_rejected(&self) -> usize {
        self.read()
            .flat_map(|(_, s)| s)
            .map(|s| s.rows_rejected)
            .sum()
    }

    pub fn warnings(&self) -> usize {
        self.read()
            .flat_map(|(p, _)| &p.issues)
            .filter(|i| i.severity == Severity::Warning)
            .count()
    }

    pub fn issues(&self) -> impl Iterator<Item = (&Path, &Issue)> {
        self.files
            .iter()
            .filter_map(|f| match &f.outcome {
                FileOutcome::Read { parsed, .. } => {
                    Some(parsed.issues.iter().map(move |i| (f.path.as_path(), i)))
                }
                _ => None,
            })
            .flatten()
    }

    /// Whether any file was read (not skipped, not unreadable from disk).
    pub fn read_any(&self) -> bool {
        self.read().next().is_some()
    }

    /// Done, or "done, but" when a file or a row was rejected.
    pub fn verdict(&self) -> crate::runs::Verdict {
        crate::runs::Verdict::partial_if(self.rejected() > 0 || self.rows_rejected() > 0)
    }

    /// The ingest step of a run record: its counts, and the panics readers
    /// raised on damaged files (the terminal shows only the files' issues).
    pub fn step_record(&self, started_at: DateTime<FixedOffset>) -> crate::runs::StepRecord {
        let counts = [
            ("files_accepted", self.accepted()),
            ("files_rejected", self.rejected()),
            ("files_skipped", self.skipped()),
            ("rows_ok", self.rows_ok()),
            ("rows_rejected", self.rows_rejected()),
            ("warnings", self.warnings()),
            ("issues", self.issues().count()),
        ];
        let mut step = crate::runs::StepRecord::new("ingest", started_at, &counts);
        step.notes = self
            .read()
            .zip(
                self.files
                    .iter()
                    .filter(|f| matches!(f.outcome, FileOutcome::Read { .. })),
            )
            .filter_map(|((parsed, _), f)| {
                let panic = parsed.reader_panic.as_ref()?;
                Some(format!("{}: {panic}", f.path.display()))
            })
            .collect();
        step
    }

    /// The summary as JSON: counts, then each file with its ledgers and issues.
    pub fn to_json(&self, dry_run: bool) -> serde_json::Value {
        use serde_json::json;
        let files: Vec<serde_json::Value> = self
            .files
            .iter()
            .map(|f| {
                let base = json!({ "path": f.path.display().to_string(), "sha256": f.sha256 });
                match &f.outcome {
                    FileOutcome::Read { parsed, submissions } => {
                        let ledgers: Vec<_> = submissions
                            .iter()
                            .map(|s| {
                                json!({
                                    "submission_id": s.submission_id, "kind": s.kind.map(|k| k.as_str()), "sheets": s.sheets,
                                    "status": if s.accepted { "accepted" } else { "rejected" },
                                    "rows_ok": s.rows_ok, "rows_rejected": s.rows_rejected, "warnings": s.warnings,
                                })
                            })
                            .collect();
                        let issues: Vec<_> = parsed
                            .issues
                            .iter()
                            .map(|i| {
                                json!({
                                    "sheet": i.sheet, "cell": i.cell, "row": i.row, "col": i.col, "severity": i.severity.as_str(),
                                    "code": i.code.as_str(), "message_zh": i.message_zh, "message_en": i.message_en, "value": i.value,
                                })
                            })
                            .collect();
                        let mut v = base;
                        v["status"] = json!(if parsed.accepted() { "accepted" } else { "rejected" });
                        v["region_code"] = json!(parsed.region_code);
                        v["period"] = json!(parsed.period.map(|p| p.to_string()));
                        v["ledgers"] = json!(ledgers);
                        v["issues"] = json!(issues);
                        v
                    }
                    FileOutcome::Skipped { reason, .. } => {
                        let mut v = base;
                        v["status"] = json!("skipped");
                        v["reason"] = json!(reason);
                        v
                    }
                    FileOutcome::Failed { error } => {
                        let mut v = base;
                        v["status"] = json!("failed");
                        v["reason"] = json!(error);
                        v
                    }
                }
            })
            .collect();
        json!({
            "dry_run": dry_run,
            "files_accepted": self.accepted(),
            "files_rejected": self.rejected(),
            "files_skipped": self.skipped(),
            "rows_ok": self.rows_ok(),
            "rows_rejected": self.rows_rejected(),
            "warnings": self.warnings(),
            "batch_id": self.batch_id,
            "files": files,
        })
    }

    fn read(&self) -> impl Iterator<Item = (&ParsedFile, &Vec<SubmissionRow>)> {
        self.files.iter().filter_map(|f| match &f.outcome {
            FileOutcome::Read {
                parsed,
                submissions,
            } => Some((parsed.as_ref(), submissions)),
            _ => None,
        })
    }
}
