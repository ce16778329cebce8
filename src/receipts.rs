//! The archive's receipt logs (DESIGN §2): how each file was received, one
//! JSON line per file, one log per ingest batch
//! (`archive/receipts/<batch>.jsonl`), beside the files themselves
//! (`archive/<sha256>.<ext>`).
//!
//! A receipt a file and a rename per archived file were most of what an
//! ingest asked of the kernel beyond reading (issue 36: 3,330 `openat` and
//! 1,645 `rename` for 816 inputs). Now an archived file is written once,
//! in place, under its content address, and its receipt is a line appended
//! to the batch's log. What keeps a crash from leaving half a file:
//!
//! - the log is written under a temporary name, and each file's line is
//!   appended *before* the file is written, so a writer that dies leaves a
//!   list of every file it may have torn;
//! - the log takes its batch's name just before the batch commits (inside the
//!   commit's flush), so a committed batch always has its receipts;
//! - the next writer ([`recover`], when it takes the lock) checks every file
//!   a dead batch's log lists against the hash that names it and removes
//!   the torn ones, then the log. A file a committed batch had already
//!   archived whole matches its name and stays.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The logs' folder, below `archive/`.
pub const DIR: &str = "receipts";

/// What recovery needs of a line: which archived file it stands for.
#[derive(Debug, Deserialize)]
struct Listed {
    sha256: String,
    ext: String,
}

/// The receipt log of one batch being written. Unfinished when dropped (the
/// batch failed), it checks the files it listed at once, as [`recover`]
/// would after a crash.
#[derive(Debug)]
pub struct Log {
    archive: PathBuf,
    pending: PathBuf,
    file: Option<File>,
    finished: bool,
}

impl Log {
    pub fn new(archive: &Path) -> Log {
        let dir = archive.join(DIR);
        Log {
            archive: archive.to_path_buf(),
            pending: crate::fsutil::temp_path(&dir.join("pending.jsonl")),
            file: None,
            finished: false,
        }
    }

    /// Appends one line: `sha256` and `ext` name the archived file, `receipt`
    /// is written beside them (its fields flattened into the line). Call
    /// before writing the file.
    pub fn append<T: Serialize>(&mut self, sha256: &str, ext: &str, receipt: &T) -> Result<()> {
        #[derive(Serialize)]
        struct Line<'a, T> {
            sha256: &'a str,
            ext: &'a str,
            #[serde(flatten)]
            receipt: &'a T,
        }
        let mut line = serde_json::to_vec(&Line {
            sha256,
            ext,
            receipt,
        })?;
        line.push(b'\n');
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                let dir = self.archive.join(DIR);
                fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
                let file = File::create(&self.pending).map_err(Error::io(&self.pending))?;
                self.file.insert(file)
            }
        };
        // One write per line, unbuffered: the line is in the kernel before
        // the file it announces is created, whatever happens to the process.
        file.write_all(&line).map_err(Error::io(&self.pending))
    }

    /// Names the log after its batch (`receipts/<batch_id>.jsonl`): call just
    /// before the batch's commit, whose flush makes it durable with the
    /// parts. Returns the log's path, or None when nothing was appended.
    pub fn finish(mut self, batch_id: &str) -> Result<Option<PathBuf>> {
        self.finished = true;
        let Some(file) = self.file.take() else {
            return Ok(None);
        };
        drop(file);
        let path = self.archive.join(DIR).join(format!("{batch_id}.jsonl"));
        fs::rename(&self.pending, &path).map_err(Error::io(&path))?;
        Ok(Some(path))
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        if !self.finished && self.file.take().is_some() {
            let _ = forget(&self.archive, &self.pending);
        }
    }
}

/// Removes the logs no committed batch owns (`committed`: the ids of the
/// lake's committed batches) — a dead writer's pending log, or a log named
/// after a batch whose commit never came — and every file they list whose
/// bytes do not hash to its name. Call under the workspace lock, before
/// stale temporaries are swept. Returns the files removed (logs included).
pub fn recover(archive: &Path, committed: &BTreeSet<String>) -> Result<usize> {
    let dir = archive.join(DIR);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry.map_err(Error::io(&dir))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let owned = name
            .strip_suffix(".jsonl")
            .is_some_and(|id| !name.starts_with('.') && committed.contains(id));
        if !owned {
            removed += forget(archive, &path)?;
        }
    }
    Ok(removed)
}

/// Removes the torn files `log` lists, then the log.
fn forget(archive: &Path, log: &Path) -> Result<usize> {
    let mut removed = 0;
    // A line cut short by the crash names no file: the file it would have
    // announced was never started.
    let text = fs::read(log).unwrap_or_default();
    for line in text.split(|b| *b == b'\n') {
        let Ok(listed) = serde_json::from_slice::<Listed>(line) else {
            continue;
        };
        let file = archive.join(format!("{}.{}", listed.sha256, listed.ext));
        match crate::digest::sha256_file(&file) {
            Ok(sha) if sha == listed.sha256 => {}
            Ok(_) => {
                fs::remove_file(&file).map_err(Error::io(&file))?;
                removed += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::Io {
                    path: file,
                    source: e,
                });
            }
        }
    }
    match fs::remove_file(log) {
        Ok(()) => removed += 1,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(log)(e)),
    }
    Ok(removed)
}

/// Every line of the committed logs below `archive` (oldest log first by
/// name, lines in the order written), as raw JSON for the caller to read
/// into its receipt type, with the sha256 and extension it names.
pub fn lines(archive: &Path) -> Result<Vec<(String, String, serde_json::Value)>> {
    let dir = archive.join(DIR);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut logs: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(Error::io(&dir))?;
    logs.retain(|p| {
        p.extension().is_some_and(|e| e == "jsonl")
            && !p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
    });
    logs.sort();
    let mut out = Vec::new();
    for log in logs {
        let text = fs::read_to_string(&log).map_err(Error::io(&log))?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| Error::Io {
                    path: log.clone(),
                    source: std::io::Error::other(e),
                })?;
            let take = |v: &mut serde_json::Value, key: &str| {
                v.as_object_mut()
                    .and_then(|o| o.remove(key))
                    .and_then(|s| s.as_str().map(str::to_string))
            };
            let (Some(sha), Some(ext)) = (take(&mut value, "sha256"), take(&mut value, "ext"))
            else {
                return Err(Error::Io {
                    path: log.clone(),
                    source: std::io::Error::other("a receipt line without sha256 or ext"),
                });
            };
            out.push((sha, ext, value));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archived(archive: &Path, bytes: &[u8]) -> String {
        let sha = crate::digest::sha256_hex(bytes);
        fs::write(archive.join(format!("{sha}.xlsx")), bytes).unwrap();
        sha
    }

    #[test]
    fn a_finished_log_is_named_after_its_batch_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::new(dir.path());
        let a = archived(dir.path(), b"a");
        let b = archived(dir.path(), b"b");
        log.append(&a, "xlsx", &serde_json::json!({"file_name": "甲.xlsx"}))
            .unwrap();
        log.append(&b, "xlsx", &serde_json::json!({"file_name": "乙.xlsx"}))
            .unwrap();
        let path = log.finish("batch-1").unwrap().unwrap();
        assert!(path.ends_with("receipts/batch-1.jsonl"));
        let read = lines(dir.path()).unwrap();
        let names: Vec<_> = read
            .iter()
            .map(|(sha, ext, v)| (sha.clone(), ext.clone(), v["file_name"].clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                (a.clone(), "xlsx".into(), "甲.xlsx".into()),
                (b.clone(), "xlsx".into(), "乙.xlsx".into())
            ]
        );
        // Committed: recovery leaves it and its files alone.
        let committed = BTreeSet::from(["batch-1".to_string()]);
        assert_eq!(recover(dir.path(), &committed).unwrap(), 0);
        assert_eq!(lines(dir.path()).unwrap().len(), 2);
    }

    #[test]
    fn a_dead_batchs_log_takes_its_torn_files_with_it_and_spares_whole_ones() {
        let dir = tempfile::tempdir().unwrap();
        let whole = archived(dir.path(), b"whole bytes");
        let torn_sha = crate::digest::sha256_hex(b"all of the bytes");
        let torn = dir.path().join(format!("{torn_sha}.xlsx"));
        let mut log = Log::new(dir.path());
        log.append(&whole, "xlsx", &serde_json::json!({})).unwrap();
        log.append(&torn_sha, "xlsx", &serde_json::json!({}))
            .unwrap();
        fs::write(&torn, b"all of th").unwrap();
        // As a kill -9 would: no Drop runs.
        std::mem::forget(log);
        // A line cut short after them names nothing.
        let pending = fs::read_dir(dir.path().join(DIR))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        fs::OpenOptions::new()
            .append(true)
            .open(&pending)
            .unwrap()
            .write_all(b"{\"sha256\":\"ab")
            .unwrap();
        // A log named after a batch that never committed goes the same way.
        fs::write(
            dir.path().join(DIR).join("never-committed.jsonl"),
            format!("{{\"sha256\":\"{torn_sha}\",\"ext\":\"xlsx\"}}\n"),
        )
        .unwrap();

        let removed = recover(dir.path(), &BTreeSet::new()).unwrap();
        assert_eq!(removed, 3, "the torn file and both logs");
        assert!(!torn.exists());
        assert!(dir.path().join(format!("{whole}.xlsx")).exists());
        assert_eq!(fs::read_dir(dir.path().join(DIR)).unwrap().count(), 0);
    }

    #[test]
    fn a_batch_that_fails_checks_its_own_files_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let sha = crate::digest::sha256_hex(b"complete");
        let mut log = Log::new(dir.path());
        log.append(&sha, "csv", &serde_json::json!({})).unwrap();
        fs::write(dir.path().join(format!("{sha}.csv")), b"compl").unwrap();
        drop(log);
        assert!(!dir.path().join(format!("{sha}.csv")).exists());
        assert_eq!(fs::read_dir(dir.path().join(DIR)).unwrap().count(), 0);
    }
}
