//! What the portal keeps of each upload (`portal/uploads/`), so a clerk can
//! open the result and the annotated workbook again later, and who may.
//!
//! A record belongs to the unit its result is for. The first unit to send
//! some bytes keeps `<submission_id>.json`; a record is never overwritten
//! by another unit's upload. When another unit sends the same bytes, its
//! own record goes beside the first as `<submission_id>@<unit>.json`, and a
//! clerk is told of bytes already received for another unit only that they
//! were — not which unit, nor what became of them.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use super::auth::Caller;
use crate::error::{Error, Result};
use crate::ingest::{FileOutcome, ImportSummary, SubmissionResult};
use crate::workspace::Workspace;

use crate::service::Submitted;

/// What the portal keeps of an upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub result: SubmissionResult,
    pub uploaded_by: String,
    pub uploader_unit: String,
    pub uploaded_at: String,
}

impl Stored {
    /// The unit the record belongs to: its result's, else the uploader's.
    pub fn owner(&self) -> &str {
        self.result
            .region_code
            .as_deref()
            .unwrap_or(&self.uploader_unit)
    }
}

pub fn uploads_dir(root: &Path) -> PathBuf {
    root.join("portal").join("uploads")
}

/// A record's file name without its extension: `<id>` for the first unit,
/// `<id>@<unit>` for another. Unit codes are the roster's (digits, letters,
/// `-`); anything else is spelled in hex, so a name is always a plain name.
fn stem(submission_id: &str, unit: Option<&str>) -> String {
    match unit {
        None => submission_id.to_string(),
        Some(unit) if unit.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            format!("{submission_id}@{unit}")
        }
        Some(unit) => format!("{submission_id}@x{}", crate::digest::hex(unit.as_bytes())),
    }
}

fn load(root: &Path, stem: &str) -> Option<Stored> {
    let bytes = std::fs::read(uploads_dir(root).join(format!("{stem}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A kept upload as `caller` would open it: a clerk's own unit's record of
/// these bytes first, else the first unit's (which the caller may not be
/// allowed to see: check [`Stored::owner`]). With its stem, which names its
/// annotated workbook.
pub fn load_for(root: &Path, caller: &Caller, submission_id: &str) -> Option<(String, Stored)> {
    if submission_id.len() != 16 || !submission_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let own = caller
        .only_unit()
        .map(|unit| stem(submission_id, Some(unit)));
    own.into_iter()
        .chain([stem(submission_id, None)])
        .find_map(|stem| load(root, &stem).map(|stored| (stem, stored)))
}

/// The annotated workbook of the record `stem`.
pub fn feedback_path(root: &Path, stem: &str) -> PathBuf {
    uploads_dir(root).join(format!("{stem}.feedback.xlsx"))
}

/// Keeps the record of a committed upload by `uploader` and returns what
/// the uploader is told. Runs after the commit, outside the writer lock. The upload is committed
/// whatever happens here: a record that cannot be kept is only logged.
///
/// The record and the workbook are written under temporary names and
/// renamed in, but not flushed: the caller flushes once for many uploads
/// ([`crate::fsutil::GroupSync`]) before it answers any of them.
pub fn keep(ws: &Workspace, uploader: &Caller, committed: &Submitted) -> SubmissionResult {
    let (told, stem, feedback) = decide(ws, uploader, committed);
    let kept = stem.map_or(Ok(()), |stem| {
        write(ws, &stem, uploader, &told)?;
        if feedback {
            write_feedback(ws, &stem, committed)?;
        }
        Ok::<_, Error>(())
    });
    if let Err(e) = kept {
        eprintln!(
            "portal: the result of {} was not kept: {e}",
            told.submission_id
        );
    }
    told
}

/// What the uploader is told, the record to write it to (none: the first
/// record stays as it is), and whether an annotated workbook goes with it.
fn decide(
    ws: &Workspace,
    uploader: &Caller,
    committed: &Submitted,
) -> (SubmissionResult, Option<String>, bool) {
    let result = &committed.result.clone();
    let id = &result.submission_id;
    let first = load(&ws.root, id);
    let first_owner = first.as_ref().map(|f| f.owner().to_string());
    if let FileOutcome::Read { .. } = &committed.file.outcome {
        let owner = result.region_code.as_deref().unwrap_or(&uploader.region);
        let stem = match first_owner.as_deref() {
            Some(earlier) if earlier != owner => stem(id, Some(owner)),
            _ => stem(id, None),
        };
        return (result.clone(), Some(stem), true);
    }
    let earlier = first_owner.or_else(|| receipt_owner(ws, &result.sha256));
    if earlier.as_deref().is_some_and(|o| uploader.may_act_for(o)) {
        // The unit's own bytes again: its first record stays whole, and the
        // clerk is told what became of the file then — its ledgers, rejected
        // rows and every issue at its cell — not an empty "no problems".
        return match first {
            Some(first) => (
                SubmissionResult {
                    already_received: result.already_received.clone(),
                    ..first.result
                },
                None,
                false,
            ),
            None => (
                received_before_elsewhere(result),
                Some(stem(id, None)),
                false,
            ),
        };
    }
    (
        received_for_another_unit(result),
        Some(stem(id, Some(&uploader.region))),
        false,
    )
}

/// The annotated workbook, made from the sheets the upload's reading kept
/// (`ParsedFile::marked_sheets`); the archived copy is its path, named in
/// the workbook and read only were no sheets kept.
fn write_feedback(ws: &Workspace, stem: &str, committed: &Submitted) -> Result<()> {
    let result = &committed.result;
    let archived = ws.archive().join(format!(
        "{}.{}",
        result.sha256,
        crate::ingest::archive::extension_of(&result.file_name)
    ));
    let mut one = committed.file.clone();
    one.path = archived;
    let summary = ImportSummary {
        files: vec![one],
        ..ImportSummary::default()
    };
    let path = feedback_path(&ws.root, stem);
    let bytes = crate::ingest::feedback::render(&path, &summary, ws.config.limits, false)?;
    crate::fsutil::write_bytes_unsynced(&path, &bytes)
}

/// The unit's own bytes, first received by the CLI or a pipeline (no portal
/// record of their result): said so, without claiming the file had no
/// problems — its issues are in that run's record and the warehouse.
fn received_before_elsewhere(result: &SubmissionResult) -> SubmissionResult {
    let why = result.already_received.clone().unwrap_or_default();
    SubmissionResult {
        already_received: Some(format!(
            "{why}；该文件首次由命令行或批处理导入，其结果（含问题清单）请向改革办查询 / \
             it was first read by the command line or a batch job: ask the reform office for that result and its issues"
        )),
        ..result.clone()
    }
}

/// What a clerk is told of bytes another unit sent first: nothing of that
/// unit or its result, only that these bytes count for no one else now.
fn received_for_another_unit(result: &SubmissionResult) -> SubmissionResult {
    SubmissionResult {
        status: "rejected".into(),
        region_code: None,
        period: None,
        ledgers: Vec::new(),
        issues: Vec::new(),
        already_received: Some(
            "完全相同的文件此前已由其他单位报送，未计入本单位；如确为本单位台账，请在表中写明本单位后重新上传 / \
             these exact bytes were received before from another unit and do not count for yours; \
             if this is your unit's ledger, name your unit in it and upload it again"
                .into(),
        ),
        ..result.clone()
    }
}

/// The unit the archive's receipt of these bytes names (a file sent by the
/// CLI or a pipeline has no portal record): the unit read from the file,
/// else the one its sender named.
fn receipt_owner(ws: &Workspace, sha256: &str) -> Option<String> {
    let receipt = crate::ingest::archive::receipt_of(&ws.archive(), sha256)?;
    if let Some(region) = receipt.region {
        return Some(region);
    }
    let hints = receipt.hints?;
    let named = hints.region_flag.or(hints.folder_region)?;
    ws.roster.resolve(&named).ok().map(|u| u.code.clone())
}

fn write(ws: &Workspace, stem: &str, uploader: &Caller, result: &SubmissionResult) -> Result<()> {
    let dir = uploads_dir(&ws.root);
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let stored = serde_json::json!({
        "result": result,
        "uploaded_by": uploader.token_id,
        "uploader_unit": uploader.region,
        "uploaded_at": crate::runs::now().to_rfc3339(),
    });
    crate::fsutil::write_bytes_unsynced(
        &dir.join(format!("{stem}.json")),
        &serde_json::to_vec_pretty(&stored)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_name_is_a_plain_name_whatever_the_unit() {
        assert_eq!(stem("0123456789abcdef", None), "0123456789abcdef");
        assert_eq!(
            stem("0123456789abcdef", Some("SC-JYT")),
            "0123456789abcdef@SC-JYT"
        );
        let odd = stem("0123456789abcdef", Some("../x"));
        assert!(!odd.contains('/') && !odd.contains(".."), "{odd}");
    }
}
