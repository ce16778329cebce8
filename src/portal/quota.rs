//! The daily quota of each unit's archived uploads (`[portal]
//! files_per_unit_per_day`, `mb_per_unit_per_day`): the archive keeps every
//! file ever received, so a clerk's token must not be able to fill the
//! disk. Counted per unit of the clerk's token and per calendar day in
//! UTC+8; province tokens are the office's own and are not counted. Only
//! files that reach the archive count (the same bytes again are not stored
//! again). Kept in `portal/usage/<date>.log`, a line appended per file
//! counted (`<unit>\t<bytes>`), so a restart forgets nothing; appending is
//! one small write per upload, where rewriting the day's every unit was a
//! new file (and a freed one) per upload.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::auth::Caller;
use super::refusal::Refusal;

/// What one unit had archived on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub files: u64,
    pub bytes: u64,
}

pub struct Quota {
    dir: PathBuf,
    files: u64,
    bytes: u64,
    day: Mutex<Day>,
}

struct Day {
    date: Option<NaiveDate>,
    used: BTreeMap<String, Usage>,
}

impl Quota {
    pub fn new(root: &Path, limits: &crate::config::Portal) -> Quota {
        Quota {
            dir: root.join("portal").join("usage"),
            files: limits.files_per_unit_per_day,
            bytes: limits.mb_per_unit_per_day.saturating_mul(1024 * 1024),
            day: Mutex::new(Day {
                date: None,
                used: BTreeMap::new(),
            }),
        }
    }

    fn path(&self, date: NaiveDate) -> PathBuf {
        self.dir.join(format!("{date}.log"))
    }

    /// Today's usage, read from disk when the day changed.
    fn today(&self) -> MutexGuard<'_, Day> {
        let mut day = self.day.lock().unwrap_or_else(|e| e.into_inner());
        let today = crate::tokens::today();
        if day.date != Some(today) {
            // Written by a server before the log: the day's totals as JSON.
            let before: BTreeMap<String, Usage> =
                std::fs::read(self.dir.join(format!("{today}.json")))
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                    .unwrap_or_default();
            let path = self.path(today);
            let log = std::fs::read(&path).unwrap_or_default();
            // A line torn by a crash is ended, so the next line appended
            // is not joined to it.
            if log.last().is_some_and(|b| *b != b'\n') {
                let ended = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .and_then(|mut f| std::io::Write::write_all(&mut f, b"\n"));
                if let Err(e) = ended {
                    eprintln!("portal: {}: {e}", path.display());
                }
            }
            day.used = tally(before, &String::from_utf8_lossy(&log));
            day.date = Some(today);
        }
        day
    }

    /// `Ok` when `caller`'s unit may archive one more file of `bytes` today
    /// (before its size is known: any file at all), else a 429 until
    /// midnight.
    pub fn check(&self, caller: &Caller, bytes: u64) -> Result<(), Refusal> {
        self.check_pending(caller, (0, 0), bytes)
    }

    /// As [`Quota::check`], with `pending` (files, bytes) of the same form
    /// read before this file and not yet counted: a form's files together
    /// stay within the quota.
    pub fn check_pending(
        &self,
        caller: &Caller,
        pending: (u64, u64),
        bytes: u64,
    ) -> Result<(), Refusal> {
        let Some(unit) = caller.only_unit() else {
            return Ok(());
        };
        let used = self.today().used.get(unit).copied().unwrap_or_default();
        if used.files.saturating_add(pending.0).saturating_add(1) > self.files
            || used
                .bytes
                .saturating_add(pending.1)
                .saturating_add(bytes.max(1))
                > self.bytes
        {
            return Err(Refusal::Quota {
                files: self.files,
                mb: self.bytes / (1024 * 1024),
                retry_after: seconds_to_midnight(),
            });
        }
        Ok(())
    }

    /// Counts a file of `bytes` archived for `caller`'s unit.
    pub fn add(&self, caller: &Caller, bytes: u64) {
        let Some(unit) = caller.only_unit() else {
            return;
        };
        let mut day = self.today();
        let usage = day.used.entry(unit.to_string()).or_default();
        usage.files += 1;
        usage.bytes = usage.bytes.saturating_add(bytes);
        let Some(date) = day.date else { return };
        // One write with O_APPEND, not flushed here: the intake flushes the
        // file system before it answers the upload (with its record).
        let path = self.path(date);
        let written = std::fs::create_dir_all(&self.dir).and_then(|()| {
            use std::io::Write;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?
                .write_all(format!("{unit}\t{bytes}\n").as_bytes())
        });
        if let Err(e) = written {
            // Counted in memory still; only a restart today would forget it.
            eprintln!(
                "portal: the upload quota was not saved to {}: {e}",
                path.display()
            );
        }
    }
}

/// A day's usage: `before`, and each line of the log added. A line that
/// does not parse (torn by a crash) counts for nothing.
fn tally(mut used: BTreeMap<String, Usage>, log: &str) -> BTreeMap<String, Usage> {
    for line in log.lines() {
        let Some((unit, bytes)) = line.split_once('\t') else {
            continue;
        };
        let Ok(bytes) = bytes.parse::<u64>() else {
            continue;
        };
        let usage = used.entry(unit.to_string()).or_default();
        usage.files += 1;
        usage.bytes = usage.bytes.saturating_add(bytes);
    }
    used
}

/// Seconds until the next midnight in UTC+8, when every quota starts over.
fn seconds_to_midnight() -> u64 {
    let now = crate::tokens::now();
    let tomorrow = now
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0));
    match tomorrow {
        Some(t) => (t - now.naive_local()).num_seconds().max(1) as u64,
        None => 3600,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Role;

    fn clerk(region: &str) -> Caller {
        Caller {
            token_id: "t".into(),
            region: region.into(),
            role: Role::Clerk,
            csrf: None,
        }
    }

    #[test]
    fn a_unit_is_refused_past_its_files_or_bytes_and_others_and_the_province_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let limits = crate::config::Portal {
            files_per_unit_per_day: 2,
            mb_per_unit_per_day: 1,
            ..crate::config::Portal::default()
        };
        let quota = Quota::new(dir.path(), &limits);
        let a = clerk("510603");
        quota.check(&a, 600_000).unwrap();
        quota.add(&a, 600_000);
        assert!(
            matches!(quota.check(&a, 600_000), Err(Refusal::Quota { .. })),
            "a second file would pass the megabyte"
        );
        quota.check(&a, 100_000).unwrap();
        quota.add(&a, 100_000);
        assert!(
            matches!(quota.check(&a, 1), Err(Refusal::Quota { files: 2, .. })),
            "two files a day"
        );
        quota.check(&clerk("510604"), 600_000).unwrap();
        let province = Caller {
            role: Role::Province,
            ..clerk("510000")
        };
        quota.add(&province, 10 << 20);
        quota.check(&province, 10 << 20).unwrap();

        // Kept on disk: a restarted server remembers the day.
        let again = Quota::new(dir.path(), &limits);
        assert!(again.check(&a, 1).is_err());
        assert!(seconds_to_midnight() <= 24 * 3600);
    }

    /// Found by the review: a line torn by a crash was joined to the next
    /// one appended, and both were lost to the unit's count.
    #[test]
    fn a_line_torn_by_a_crash_is_ended_before_the_next_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let limits = crate::config::Portal {
            files_per_unit_per_day: 2,
            ..crate::config::Portal::default()
        };
        let quota = Quota::new(dir.path(), &limits);
        let log = quota.path(crate::tokens::today());
        std::fs::create_dir_all(log.parent().unwrap()).unwrap();
        std::fs::write(&log, "510603\t10\n5106").unwrap();
        let a = clerk("510603");
        quota.check(&a, 1).unwrap();
        quota.add(&a, 20);
        let again = Quota::new(dir.path(), &limits);
        assert!(
            matches!(again.check(&a, 1), Err(Refusal::Quota { files: 2, .. })),
            "both whole lines count: {:?}",
            std::fs::read_to_string(&log)
        );
    }

    #[test]
    fn a_days_usage_is_the_old_totals_and_every_whole_line_of_the_log() {
        let before = BTreeMap::from([(
            "510603".to_string(),
            Usage {
                files: 2,
                bytes: 100,
            },
        )]);
        let used = tally(before, "510603\t50\n510604\t7\n510604\t3\n5106");
        assert_eq!(
            used["510603"],
            Usage {
                files: 3,
                bytes: 150
            }
        );
        assert_eq!(
            used["510604"],
            Usage {
                files: 2,
                bytes: 10
            }
        );
        assert_eq!(used.len(), 2, "the torn last line counts for nothing");
    }
}
