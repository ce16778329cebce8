//! Crash-safe file writes: every file is written under a hidden temporary name
//! in its final folder, flushed, then renamed into place, so a crash leaves
//! the old file or the new one, never half of one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Marks temporary files: `.name.tmp-<pid>-<n>`. Readers that glob `*.parquet`
/// never see them, and [`remove_stale_temporaries`] clears those a crash left.
pub const TMP_MARK: &str = ".tmp-";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// This process's id, asked of the kernel once (a system call per file otherwise).
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// A fresh temporary name beside `path`, in the form stale-file recovery clears.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}{TMP_MARK}{}-{n}", pid()))
}

/// Writes `path` atomically with `write`, creating its folder. If `write`
/// fails, the temporary file is removed and `path` is untouched.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut File) -> io::Result<()>,
{
    write_via_temp(path, write, true)
}

/// Writes `path` under a temporary name and renames it into place, without
/// flushing it to disk: a crashed process leaves the old file or the new one,
/// but only a later [`sync_filesystem`] makes it survive a power cut. For many
/// files written together and made durable once, before anything refers to them.
pub fn write_bytes_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, |f| f.write_all(bytes), false)
}

fn write_via_temp<F>(path: &Path, write: F, durable: bool) -> Result<()>
where
    F: FnOnce(&mut File) -> io::Result<()>,
{
    let tmp = temp_path(path);
    let result = (|| {
        // The folder is made only when it is missing: checking first cost two
        // system calls per file, thousands per ingest into `archive/`.
        let mut file = match File::create(&tmp) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
                File::create(&tmp)?
            }
            file => file?,
        };
        write(&mut file)?;
        crash_point("temp-written");
        file.flush()?;
        if durable {
            file.sync_all()?;
        }
        drop(file);
        fs::rename(&tmp, path)?;
        if durable {
            // Make the rename itself durable.
            sync_dir(path);
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::Io {
            path: path.to_path_buf(),
            source: e,
        }
    })
}

/// Flushes the folder holding `path`, so a rename into it survives a power cut.
pub fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Flushes every written file of the file system holding `path` to disk: one
/// `syncfs` instead of an fsync per file (about 0.6 ms each here, which for
/// thousands of archived files was most of an ingest's sequential time).
#[cfg(target_os = "linux")]
pub fn sync_filesystem(path: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let dir = File::open(path)?;
    // SAFETY: syncfs only reads the descriptor, which `dir` keeps open.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere there is no `syncfs`: `sync` flushes every file system.
#[cfg(all(unix, not(target_os = "linux")))]
pub fn sync_filesystem(_path: &Path) -> io::Result<()> {
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    Ok(())
}

/// Without a way to flush a whole file system, each file is flushed when it
/// is closed by the operating system; nothing more can be done here.
#[cfg(not(unix))]
pub fn sync_filesystem(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// One [`sync_filesystem`] for many writers at once (a group commit): each
/// [`GroupSync::sync`] returns once a flush that began after it was called
/// has ended, and every call that arrives while a flush runs shares the
/// next one. The portal writes each upload's record without flushing it and
/// answers once such a flush has made it durable: four flushes a file
/// before, a few per burst of uploads now.
#[derive(Default)]
pub struct GroupSync {
    state: std::sync::Mutex<SyncState>,
    ended: std::sync::Condvar,
}

#[derive(Default)]
struct SyncState {
    /// Calls so far; a call is known by its number.
    asked: u64,
    /// Every call up to this one is covered by a flush that has ended.
    flushed: u64,
    running: bool,
    /// The calls (first, last) of each flush that failed, with why.
    failed: Vec<(u64, u64, String)>,
}

impl GroupSync {
    /// Flushes the file system holding `path`, shared as above.
    pub fn sync(&self, path: &Path) -> io::Result<()> {
        self.sync_with(|| sync_filesystem(path))
    }

    fn sync_with(&self, flush: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
        let mut flush = Some(flush);
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.asked += 1;
        let mine = s.asked;
        loop {
            if s.flushed >= mine {
                return match s.failed.iter().find(|(a, b, _)| (*a..=*b).contains(&mine)) {
                    Some((_, _, why)) => Err(io::Error::other(why.clone())),
                    None => Ok(()),
                };
            }
            if s.running {
                s = self.ended.wait(s).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // This call flushes for every call made so far.
            let (from, upto) = (s.flushed + 1, s.asked);
            s.running = true;
            drop(s);
            let mut ending = Ending {
                group: self,
                range: (from, upto),
                failed: Some("the flush panicked".into()),
            };
            let result = (flush.take().expect("one flush a call"))();
            ending.failed = result.as_ref().err().map(|e| e.to_string());
            drop(ending);
            s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Ends a flush, even one that panicked (the calls waiting for it are then
/// told it failed, and the next call flushes anew).
struct Ending<'a> {
    group: &'a GroupSync,
    range: (u64, u64),
    failed: Option<String>,
}

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        let mut s = self.group.state.lock().unwrap_or_else(|e| e.into_inner());
        s.running = false;
        s.flushed = self.range.1;
        if let Some(why) = self.failed.take() {
            s.failed.push((self.range.0, self.range.1, why));
            // Kept for the calls still to read theirs; a broken disk fails
            // every flush, and this list must not grow for ever then.
            if s.failed.len() > 64 {
                s.failed.remove(0);
            }
        }
        self.group.ended.notify_all();
    }
}

/// [`write_atomic`] for bytes already in memory.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |f| f.write_all(bytes))
}

/// Removes the temporary files that a crashed writer left below `dir`.
/// Returns how many were removed.
pub fn remove_stale_temporaries(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(0);
    };
    for entry in entries {
        let entry = entry.map_err(Error::io(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().map_err(Error::io(&path))?.is_dir() {
            removed += remove_stale_temporaries(&path)?;
        } else if name.starts_with('.') && name.contains(TMP_MARK) {
            fs::remove_file(&path).map_err(Error::io(&path))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// A fresh hidden work folder beside `target`, for [`replace_dir`]:
/// `.name.tmp-<pid>`, in the form [`recover_dirs`] clears.
pub fn temp_dir_for(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{TMP_MARK}{}", pid()))
}

/// Puts the folder `tmp` (from [`temp_dir_for`]) in place of `target`: the old
/// folder is moved aside to `.name.old-<pid>`, the new one renamed in, the
/// old one removed. A crash in between leaves the old folder aside, and
/// [`recover_dirs`] moves it back.
pub fn replace_dir(tmp: &Path, target: &Path) -> Result<()> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let old = target.with_file_name(format!(".{name}{OLD_MARK}{}", pid()));
    if target.exists() {
        fs::rename(target, &old).map_err(Error::io(target))?;
    }
    crash_point("replace-dir");
    fs::rename(tmp, target).map_err(Error::io(target))?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

/// Marks a folder moved aside by [`replace_dir`].
const OLD_MARK: &str = ".old-";

/// Clears what a crashed [`replace_dir`] left directly in `dir`: a half-built
/// `.name.tmp-<pid>` is removed; an old `.name.old-<pid>` is moved back when
/// `name` is missing (the crash came between the two renames), else removed.
/// Returns how many folders it cleared.
pub fn recover_dirs(dir: &Path) -> Result<usize> {
    let mut cleared = 0;
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut stale: Vec<(PathBuf, String)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && entry.file_type().map_err(Error::io(&path))?.is_dir() {
            stale.push((path, name));
        }
    }
    stale.sort();
    // Only names of the exact form, so a user's own hidden folders are safe.
    let pid_after = |mark: &str, name: &str| -> Option<String> {
        let (original, pid) = name[1..].rsplit_once(mark)?;
        (!original.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
            .then(|| original.to_string())
    };
    for (path, name) in stale {
        if pid_after(TMP_MARK, &name).is_some() {
            fs::remove_dir_all(&path).map_err(Error::io(&path))?;
            cleared += 1;
        } else if let Some(original) = pid_after(OLD_MARK, &name) {
            let target = dir.join(&original);
            if target.exists() {
                fs::remove_dir_all(&path).map_err(Error::io(&path))?;
            } else {
                fs::rename(&path, &target).map_err(Error::io(&path))?;
            }
            cleared += 1;
        }
    }
    Ok(cleared)
}

/// Whether a test asked to die at `point` (so a write can be split around
/// it; otherwise it stays one system call).
pub fn crash_armed(point: &str) -> bool {
    crash_target()
        .as_ref()
        .is_some_and(|(name, _)| name == point)
}

fn crash_target() -> &'static Option<(String, usize)> {
    static TARGET: std::sync::OnceLock<Option<(String, usize)>> = std::sync::OnceLock::new();
    TARGET.get_or_init(|| {
        let spec = std::env::var("TAIZHANG_CRASH_AT").ok()?;
        let (name, n) = spec.rsplit_once(':')?;
        Some((name.to_string(), n.parse().ok()?))
    })
}

/// Fault injection for crash tests: with `TAIZHANG_CRASH_AT=<point>:<n>` the
/// process aborts — no destructors, no cleanup, like `kill -9` — the n-th
/// time it passes `point`. Without the variable this is one cached lookup.
pub fn crash_point(point: &str) {
    use std::sync::atomic::AtomicUsize;
    static HITS: AtomicUsize = AtomicUsize::new(0);
    if let Some((name, n)) = crash_target()
        && name == point
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file.txt");
        write_bytes_atomic(&path, b"one").unwrap();
        write_bytes_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(
            fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no temporary file is left"
        );
    }

    #[test]
    fn an_injected_failure_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.txt");
        write_bytes_atomic(&path, b"old").unwrap();
        let err = write_atomic(&path, |f| {
            f.write_all(b"half of the new")?;
            Err(io::Error::other("injected failure"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("injected failure"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temporaries_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("x")).unwrap();
        fs::write(dir.path().join("x/.part.parquet.tmp-1-0"), b"half").unwrap();
        fs::write(dir.path().join("x/part.parquet"), b"whole").unwrap();
        assert_eq!(remove_stale_temporaries(dir.path()).unwrap(), 1);
        assert!(dir.path().join("x/part.parquet").exists());
    }

    #[test]
    fn a_swap_killed_midway_is_undone_and_only_its_own_folders_are_touched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mart_x");
        // Killed between the two renames: the old folder is aside, no target.
        fs::create_dir_all(dir.path().join(".mart_x.old-123")).unwrap();
        fs::write(dir.path().join(".mart_x.old-123/a.parquet"), b"old").unwrap();
        // Killed while building another: its work folder.
        fs::create_dir_all(dir.path().join(".mart_y.tmp-123/period=2024Q2")).unwrap();
        // Somebody's own hidden folders.
        fs::create_dir_all(dir.path().join(".git")).unwrap();
        fs::create_dir_all(dir.path().join(".notes.old-draft")).unwrap();
        assert_eq!(recover_dirs(dir.path()).unwrap(), 2);
        assert_eq!(fs::read(target.join("a.parquet")).unwrap(), b"old");
        assert!(!dir.path().join(".mart_y.tmp-123").exists());
        assert!(dir.path().join(".git").exists() && dir.path().join(".notes.old-draft").exists());

        // A swap that completes replaces the folder and leaves nothing aside.
        let tmp = temp_dir_for(&target);
        fs::create_dir_all(&tmp).unwrap();
        fs::write(tmp.join("a.parquet"), b"new").unwrap();
        replace_dir(&tmp, &target).unwrap();
        assert_eq!(fs::read(target.join("a.parquet")).unwrap(), b"new");
        assert_eq!(recover_dirs(dir.path()).unwrap(), 0);
    }
}

#[cfg(test)]
mod group_sync_tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    /// Each caller marks what it wrote, then syncs; a flush notes what was
    /// written when it began. Every caller must return only after a flush
    /// that saw its write, and the callers must share flushes.
    #[test]
    fn each_sync_returns_after_a_flush_that_began_after_it_and_callers_share_flushes() {
        const CALLERS: usize = 32;
        let group = GroupSync::default();
        let written = Mutex::new(BTreeSet::new());
        let flushes = Mutex::new(Vec::<BTreeSet<usize>>::new());
        std::thread::scope(|scope| {
            for caller in 0..CALLERS {
                let (group, written, flushes) = (&group, &written, &flushes);
                scope.spawn(move || {
                    written.lock().unwrap().insert(caller);
                    group
                        .sync_with(|| {
                            let seen = written.lock().unwrap().clone();
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            flushes.lock().unwrap().push(seen);
                            Ok(())
                        })
                        .unwrap();
                    let flushes = flushes.lock().unwrap();
                    assert!(
                        flushes.iter().any(|seen| seen.contains(&caller)),
                        "caller {caller} returned before a flush saw its write"
                    );
                });
            }
        });
        let flushes = flushes.into_inner().unwrap().len();
        assert!(flushes < CALLERS, "{flushes} flushes for {CALLERS} callers");
    }

    #[test]
    fn a_failed_flush_fails_every_call_it_covered_and_the_next_one_is_tried_anew() {
        let group = GroupSync::default();
        let failed = group.sync_with(|| Err(io::Error::other("disk full")));
        assert!(failed.unwrap_err().to_string().contains("disk full"));
        assert!(group.sync_with(|| Ok(())).is_ok());
        // A flush that panicked leaves no caller waiting for ever.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            group.sync_with(|| panic!("flush"))
        }));
        assert!(panicked.is_err());
        assert!(group.sync_with(|| Ok(())).is_ok(), "the next call flushes");
    }
}
