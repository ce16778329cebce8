//! The workspace folder (DESIGN §2): paths, config, roster and the writer lock.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};

use crate::config::{Config, DEFAULT_TOML};
use crate::error::{Error, Result};
use crate::normalize::Roster;

/// The default roster: Sichuan's cities and counties (2023 codes) with the
/// old names of 2016–2021 as aliases.
pub const DEFAULT_ROSTER: &str = include_str!("../data/roster.csv");

/// What [`Workspace::stamp`] knows of the config and roster files: the
/// size, modification time, inode and change time of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp([Option<FileStamp>; 2]);

type FileStamp = (u64, Option<std::time::SystemTime>, (u64, i64, i64));

/// A resolved workspace with its config and roster loaded.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    pub roster: Roster,
    /// The reader's rules from `config`, built on first use: their header
    /// matchers are automata, worth building once per workspace opened
    /// rather than once per file (the portal reads every upload with them).
    rules: std::sync::OnceLock<crate::ledger::Rules>,
}

impl Workspace {
    /// Opens an initialised workspace.
    pub fn open(root: &Path) -> Result<Workspace> {
        let config_path = root.join("taizhang.toml");
        if !config_path.is_file() {
            return Err(Error::NotAWorkspace(root.to_path_buf()));
        }
        let text = fs::read_to_string(&config_path).map_err(Error::io(&config_path))?;
        let config = Config::parse(&text, &config_path.display().to_string())?;
        let roster_path = root.join("roster.csv");
        let roster_text = fs::read_to_string(&roster_path).map_err(Error::io(&roster_path))?;
        let roster = Roster::from_csv(&roster_text)?;
        Ok(Workspace {
            root: root.to_path_buf(),
            config,
            roster,
            rules: std::sync::OnceLock::new(),
        })
    }

    /// Writes a default workspace; existing files are kept as they are.
    /// Returns the paths it created.
    pub fn init(root: &Path) -> Result<Vec<PathBuf>> {
        let mut created = Vec::new();
        for dir in ["inbox", "archive", "lake", "runs"] {
            let path = root.join(dir);
            if !path.exists() {
                fs::create_dir_all(&path).map_err(Error::io(&path))?;
                created.push(path);
            }
        }
        for (name, text) in [
            ("taizhang.toml", DEFAULT_TOML),
            ("roster.csv", DEFAULT_ROSTER),
        ] {
            let path = root.join(name);
            if !path.exists() {
                crate::fsutil::write_bytes_atomic(&path, text.as_bytes())?;
                created.push(path);
            }
        }
        Ok(created)
    }

    /// Header synonyms and status words for the reader ([`Config::rules`]).
    pub fn rules(&self) -> &crate::ledger::Rules {
        self.rules.get_or_init(|| self.config.rules())
    }

    /// What is known of `taizhang.toml` and `roster.csv` now: a process that
    /// keeps a workspace open opens it again when this changes.
    pub fn stamp(root: &Path) -> Stamp {
        let of = |name: &str| {
            fs::metadata(root.join(name)).ok().map(|m| {
                // A file copied in with its old time, or edited within one
                // tick of the clock, still has a new inode or change time.
                #[cfg(unix)]
                let changed = {
                    use std::os::unix::fs::MetadataExt;
                    (m.ino(), m.ctime(), m.ctime_nsec())
                };
                #[cfg(not(unix))]
                let changed = (0, 0, 0);
                (m.len(), m.modified().ok(), changed)
            })
        };
        Stamp([of("taizhang.toml"), of("roster.csv")])
    }

    pub fn lake(&self) -> PathBuf {
        self.root.join("lake")
    }

    pub fn archive(&self) -> PathBuf {
        self.root.join("archive")
    }

    pub fn runs(&self) -> PathBuf {
        self.root.join("runs")
    }

    pub fn warehouse(&self) -> PathBuf {
        self.root.join("warehouse.duckdb")
    }

    /// Takes the workspace's writer lock, then removes what runs that died
    /// left behind (see [`Leftovers`]). The operating system releases the lock
    /// when the holder exits or dies, so a crash leaves no stale lock.
    ///
    /// The sweep of what only a writer writes — the lake, the archive and its
    /// receipt logs, the run records: thousands of entries each after a
    /// deadline day — runs only when the last holder did not let go
    /// cleanly: a holder removes the mark [`CLEAN`] when it takes the lock
    /// and writes it back only when its work ended well
    /// ([`WorkspaceLock::ended_well`], said by `Writer::recorded`) and
    /// nothing failed or panicked since. A writer killed, one whose work
    /// failed midway (a commit that named its receipt log and then could not
    /// write its marker leaves both for the sweep), one that never said, or
    /// a workspace written by an older taizhang leaves none, and the next
    /// writer sweeps. The portal takes the
    /// lock for every commit: listing those folders each time was most of its
    /// system time in a burst (issue 36). What is also written without the
    /// lock (reports, exports, as-of warehouses, the root's files) is small
    /// and swept every time.
    pub fn lock(&self) -> Result<WorkspaceLock> {
        let mut lock = self.lock_only()?;
        let mark = self.root.join(CLEAN);
        let clean = match fs::remove_file(&mark) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(Error::io(&mark)(e)),
        };
        let mut leftovers = if clean {
            Leftovers::default()
        } else {
            self.sweep_writers()?
        };
        leftovers.temporaries += self.sweep_unlocked()?;
        lock.leftovers = leftovers;
        lock.clean_mark = Some(mark);
        Ok(lock)
    }

    fn lock_only(&self) -> Result<WorkspaceLock> {
        let path = self.root.join("workspace.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(Error::io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(WorkspaceLock {
                _file: file,
                leftovers: Leftovers::default(),
                clean_mark: None,
                outcome: AtomicU8::new(UNSAID),
            }),
            Err(fs::TryLockError::WouldBlock) => Err(Error::LockHeld(path)),
            Err(fs::TryLockError::Error(e)) => Err(Error::Io { path, source: e }),
        }
    }

    /// Removes what a writer that died left in what only writers write. Only
    /// the lock's holder may call this: any temporary it finds belongs to no
    /// live writer.
    fn sweep_writers(&self) -> Result<Leftovers> {
        let lake = crate::lake::Lake::new(self.lake());
        let lake_parts = lake.recover()?;
        // Before the archive's temporaries go: a dead batch's pending receipt
        // log lists the files it may have torn.
        let mut temporaries = crate::receipts::recover(&self.archive(), &lake.committed_ids()?)?;
        for dir in ["archive", "runs"] {
            temporaries += crate::fsutil::remove_stale_temporaries(&self.root.join(dir))?;
        }
        Ok(Leftovers {
            lake_parts,
            temporaries,
        })
    }

    /// Removes the temporaries of runs that write without the lock (a
    /// report, an export, an as-of build) and died: few files, every time.
    fn sweep_unlocked(&self) -> Result<usize> {
        let mut temporaries = 0;
        // `.warehouse.duckdb.tmp-<pid>` and its `.wal` (a build), and the
        // temporaries of files written atomically at the root (roster.csv).
        for entry in fs::read_dir(&self.root).map_err(Error::io(&self.root))? {
            let entry = entry.map_err(Error::io(&self.root))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with('.')
                && name.contains(crate::fsutil::TMP_MARK)
                && entry.file_type().map_err(Error::io(&path))?.is_file()
            {
                remove_file(&path)?;
                temporaries += 1;
            }
        }
        for dir in ["reports", "export", "warehouses"] {
            temporaries += crate::fsutil::remove_stale_temporaries(&self.root.join(dir))?;
        }
        // An export's half-built or half-swapped mart folders.
        temporaries += crate::fsutil::recover_dirs(&self.root.join("export"))?;
        Ok(temporaries)
    }
}

fn remove_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path)(e)),
        _ => Ok(()),
    }
}

/// What runs that died left in the workspace, found and removed by the next
/// writer when it takes the lock: lake parts no batch committed (and their
/// temporaries), the half-built warehouse of a build, the temporary files of
/// receipts, run records and reports, and an export's half-swapped folders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Leftovers {
    pub lake_parts: usize,
    pub temporaries: usize,
}

impl Leftovers {
    pub fn total(&self) -> usize {
        self.lake_parts + self.temporaries
    }
}

/// Held while a command writes to the workspace; dropping it unlocks.
#[derive(Debug)]
pub struct WorkspaceLock {
    _file: File,
    leftovers: Leftovers,
    /// Written when the lock is let go after work that ended well (see
    /// [`Workspace::lock`]).
    clean_mark: Option<PathBuf>,
    /// [`UNSAID`], [`ENDED_WELL`] or [`FAILED`]: how the holder's work ended.
    outcome: AtomicU8,
}

const UNSAID: u8 = 0;
const ENDED_WELL: u8 = 1;
const FAILED: u8 = 2;

/// The mark a writer leaves when it lets go of the lock after work that
/// ended well; hidden, and
/// not a temporary (`fsutil::TMP_MARK`), so no sweep takes it.
pub const CLEAN: &str = ".writer-let-go-cleanly";

impl Drop for WorkspaceLock {
    fn drop(&mut self) {
        // Before the lock file closes (fields drop after this): the next
        // holder sees the mark only once this one is gone.
        if let Some(mark) = &self.clean_mark
            && *self.outcome.get_mut() == ENDED_WELL
            && !std::thread::panicking()
        {
            let _ = File::create(mark);
        }
    }
}

impl WorkspaceLock {
    /// The holder's work ended with everything it wrote committed or cleaned
    /// up: the next writer need not sweep — unless some work failed before.
    pub fn ended_well(&self) {
        let _ =
            self.outcome
                .compare_exchange(UNSAID, ENDED_WELL, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Some work under the lock failed and may have left files behind: the
    /// next writer sweeps, whatever else ends well.
    pub fn failed(&self) {
        self.outcome.store(FAILED, Ordering::Relaxed);
    }

    /// What taking the lock cleared away.
    pub fn leftovers(&self) -> Leftovers {
        self.leftovers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let created = Workspace::init(dir.path()).unwrap();
        assert_eq!(created.len(), 6);
        fs::write(dir.path().join("taizhang.toml"), "grace_days = 3\n").unwrap();
        assert!(Workspace::init(dir.path()).unwrap().is_empty());
        let ws = Workspace::open(dir.path()).unwrap();
        assert_eq!(ws.config.grace_days, 3);
        assert_eq!(ws.roster.units().len(), 241);
    }

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        Workspace::init(dir.path()).unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let held = ws.lock().unwrap();
        assert!(matches!(ws.lock(), Err(Error::LockHeld(_))));
        drop(held);
        assert!(ws.lock().is_ok());
    }

    #[test]
    fn the_next_writer_sweeps_only_after_one_that_did_not_let_go_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        Workspace::init(dir.path()).unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let stale = dir.path().join("runs").join(".r.json.tmp-1");
        let plant = || fs::write(&stale, b"half").unwrap();

        // A workspace no writer has let go of cleanly yet (new, or written by
        // an older taizhang) is swept.
        plant();
        {
            let lock = ws.lock().unwrap();
            assert_eq!(lock.leftovers().temporaries, 1);
            lock.ended_well();
        }
        assert!(!stale.exists());
        assert!(dir.path().join(CLEAN).exists());

        // After a clean let-go the next writer trusts it: no listing at all.
        plant();
        {
            let lock = ws.lock().unwrap();
            assert_eq!(lock.leftovers(), Leftovers::default());
            // Held: the mark is gone until this writer lets go.
            assert!(!dir.path().join(CLEAN).exists());
            lock.ended_well();
        }
        assert!(stale.exists());

        // Work that failed midway (an error, not a panic) leaves no mark,
        // even when later work under the same lock ends well.
        {
            let lock = ws.lock().unwrap();
            lock.failed();
            lock.ended_well();
        }
        assert!(!dir.path().join(CLEAN).exists());
        assert_eq!(ws.lock().unwrap().leftovers().temporaries, 1);
        assert!(!stale.exists());
        // A holder that never said how its work ended leaves none either.
        assert!(!dir.path().join(CLEAN).exists());
        ws.lock().unwrap().ended_well();
        assert!(dir.path().join(CLEAN).exists());
        plant();

        // A writer that panics while holding the lock leaves no mark, so the
        // next one sweeps (a killed one never gets to write it either).
        let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let lock = ws.lock().unwrap();
            lock.ended_well();
            panic!("a writer dies");
        }));
        assert!(died.is_err());
        assert!(!dir.path().join(CLEAN).exists());
        assert_eq!(ws.lock().unwrap().leftovers().temporaries, 1);
        assert!(!stale.exists());
    }

    #[test]
    fn a_folder_without_config_is_not_a_workspace() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Workspace::open(dir.path()),
            Err(Error::NotAWorkspace(_))
        ));
    }
}
