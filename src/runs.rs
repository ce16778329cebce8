//! Run records (DESIGN §2, §7): every `ingest`, `build` or pipeline run leaves
//! `runs/<run_id>.json` — start, end, steps with their counts, data-test
//! results and exit status. The warehouse loads them into `runs` and
//! `test_results` on each build, so their history outlives any one warehouse.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil;

/// How an action ended, for whoever sets an exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything done.
    Done,
    /// Done, but rows or files were rejected or a data test failed.
    Partial,
}

impl Verdict {
    /// The exit status of DESIGN §8: 0 done, 1 done but something was rejected.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Done => 0,
            Verdict::Partial => 1,
        }
    }

    pub fn worst(self, other: Verdict) -> Verdict {
        if self == Verdict::Partial || other == Verdict::Partial {
            Verdict::Partial
        } else {
            Verdict::Done
        }
    }

    pub fn partial_if(failed: bool) -> Verdict {
        if failed {
            Verdict::Partial
        } else {
            Verdict::Done
        }
    }
}

/// One run of a command or pipeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    pub run_id: String,
    /// `ingest`, `build` or `pipeline`.
    pub command: String,
    /// The pipeline file, for pipeline runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    pub started_at: DateTime<FixedOffset>,
    /// None while the run is going, and forever for a run that was killed.
    pub ended_at: Option<DateTime<FixedOffset>>,
    /// The process exit status (DESIGN §8): 0 done, 1 done with rejections or
    /// failed data tests, 2 could not run; None while running or if killed.
    pub exit_code: Option<u8>,
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    /// The data tests of this run's build, if it built.
    #[serde(default)]
    pub tests: Vec<TestRecord>,
    /// Why the run stopped, when it could not finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One step of a run, with what it counted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepRecord {
    pub step: String,
    pub started_at: DateTime<FixedOffset>,
    pub ended_at: DateTime<FixedOffset>,
    /// e.g. files_accepted, rows_ok, warnings, tests_failed.
    #[serde(default)]
    pub counts: BTreeMap<String, i64>,
    /// What the operator may want to know and the terminal did not show:
    /// e.g. the panic a reader raised on a damaged file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl StepRecord {
    /// A step that started at `started_at` and ends now, with its counts.
    pub fn new(
        step: &str,
        started_at: DateTime<FixedOffset>,
        counts: &[(&str, usize)],
    ) -> StepRecord {
        StepRecord {
            step: step.into(),
            started_at,
            ended_at: now(),
            counts: counts
                .iter()
                .map(|(k, v)| (k.to_string(), *v as i64))
                .collect(),
            notes: Vec::new(),
        }
    }
}

/// One data test's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TestRecord {
    pub name: String,
    /// `pass` or `fail`.
    pub status: String,
    pub failing_rows: i64,
}

/// Now, in China Standard Time, to the millisecond.
pub fn now() -> DateTime<FixedOffset> {
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let t = Utc::now().with_timezone(&cst);
    t - chrono::Duration::nanoseconds(i64::from(t.timestamp_subsec_nanos() % 1_000_000))
}

/// A new run id: the UTC start time and the process id, sortable and unique
/// on one machine (`20241129T061502.123Z-4242`).
pub fn new_run_id(started_at: DateTime<FixedOffset>) -> String {
    format!(
        "{}-{}",
        started_at.with_timezone(&Utc).format("%Y%m%dT%H%M%S%.3fZ"),
        std::process::id()
    )
}

impl RunRecord {
    pub fn start(command: &str) -> RunRecord {
        let started_at = now();
        RunRecord {
            run_id: new_run_id(started_at),
            command: command.to_string(),
            pipeline: None,
            started_at,
            ended_at: None,
            exit_code: None,
            steps: Vec::new(),
            tests: Vec::new(),
            error: None,
        }
    }

    /// Ends the run: its exit status, and why it stopped if it could not finish.
    pub fn finish(&mut self, exit_code: u8, error: Option<String>) {
        self.ended_at = Some(now());
        self.exit_code = Some(exit_code);
        self.error = error;
    }

    /// `done`, `partial` (exit 1), `failed` (exit 2), or `unfinished` — still
    /// running, or killed before it could say.
    pub fn status(&self) -> &'static str {
        match self.exit_code {
            Some(0) => "done",
            Some(1) => "partial",
            Some(_) => "failed",
            None => "unfinished",
        }
    }

    /// Writes `runs/<run_id>.json` atomically.
    pub fn write(&self, runs_dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(runs_dir).map_err(Error::io(runs_dir))?;
        let path = runs_dir.join(format!("{}.json", self.run_id));
        let text = serde_json::to_string_pretty(self)?;
        fsutil::write_bytes_atomic(&path, text.as_bytes())?;
        Ok(path)
    }
}

/// A run record file that could not be read, and why.
pub type Unreadable = (PathBuf, String);

/// Every readable run record, oldest first, and the files that could not be
/// read (named, never silently skipped).
pub fn load_all(runs_dir: &Path) -> Result<(Vec<RunRecord>, Vec<Unreadable>)> {
    let mut records = Vec::new();
    let mut unreadable = Vec::new();
    let entries = match std::fs::read_dir(runs_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((records, unreadable)),
        Err(e) => return Err(Error::io(runs_dir)(e)),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for path in paths {
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<RunRecord>(&t).map_err(|e| e.to_string()));
        match parsed {
            Ok(r) => records.push(r),
            Err(e) => unreadable.push((path, e)),
        }
    }
    records.sort_by(|a, b| (a.started_at, &a.run_id).cmp(&(b.started_at, &b.run_id)));
    Ok((records, unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = RunRecord::start("build");
        r.tests.push(TestRecord {
            name: "assert_x".into(),
            status: "fail".into(),
            failing_rows: 2,
        });
        r.finish(1, None);
        r.write(dir.path()).unwrap();
        std::fs::write(dir.path().join("broken.json"), "{").unwrap();
        let (records, unreadable) = load_all(dir.path()).unwrap();
        assert_eq!(records, vec![r]);
        assert_eq!(unreadable.len(), 1);
        assert!(unreadable[0].0.ends_with("broken.json"));
    }

    #[test]
    fn run_ids_sort_by_start_time() {
        let a = DateTime::parse_from_rfc3339("2024-07-01T09:00:00+08:00").unwrap();
        let b = DateTime::parse_from_rfc3339("2024-07-01T10:00:00+08:00").unwrap();
        assert!(new_run_id(a) < new_run_id(b));
        assert!(new_run_id(a).starts_with("20240701T010000.000Z-"));
    }
}
