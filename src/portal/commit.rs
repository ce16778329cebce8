//! Uploads into the lake, in groups. Each upload — the files of one form
//! together — arrives here already read (hashed and parsed by
//! [`super::intake`], outside the lock, with `service::prepare`); one writer
//! thread takes everything queued at that moment (up to [`MAX_GROUP`] files,
//! a form's files never split), takes the workspace's writer lock —
//! the lock the CLI and the pipelines take — and commits the group as one
//! batch through the service layer (`service::ingest_prepared`, the very
//! path of `taizhang ingest` after its parsing), then answers each upload
//! with its own result. The lock is thus held to archive files and write
//! rows, never to read a file: a file slow to read delays no one's commit.
//!
//! An upload is answered only after its batch is committed, so a killed
//! server loses no upload it accepted; one killed mid-batch left parts that
//! the next writer's lock sweeps away, and the clerk, who got no answer,
//! uploads again.
//!
//! The commits leave the lake's compaction to the rebuild: a burst of small
//! batches would otherwise rewrite its rows at every size tier they climb.
//!
//! After commits, the lake is compacted and the warehouse rebuilt once uploads have been quiet for
//! `rebuild_after` — none committed, and none being read ([`Committer::hold`])
//! — or at the latest [`MAX_REBUILD_DELAY`] after the first unbuilt one, so
//! the coverage page shows an upload within seconds and a burst of uploads
//! is not held up by builds in between (a build holds the commits back).

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::refusal::Refusal;
use super::settings::Settings;
use crate::error::Error;
use crate::ingest::{Input, Options, Prepared};
use crate::service::{self, KeptWorkspace, Submitted, Writer};

/// Files ingested together at most.
pub const MAX_GROUP: usize = 64;
/// Uploads waiting at most; past this an upload is answered 503.
const QUEUE: usize = 4096;
/// The longest coverage may lag behind a continuous stream of uploads.
pub const MAX_REBUILD_DELAY: Duration = Duration::from_secs(60);

/// One file's answer from its batch: its result, or its own refusal.
pub type Answer = std::result::Result<Submitted, Refusal>;

/// The files of one upload (one form, or one API call), committed in one
/// batch: all of them visible, or none.
struct Job {
    files: Vec<(Input, Prepared)>,
    opts: Options,
    /// Submitted in a batch of its own (see [`Failure::Group`]).
    alone: bool,
    reply: oneshot::Sender<std::result::Result<Vec<Answer>, Failure>>,
}

/// Why a commit gave an upload no result.
#[derive(Debug)]
pub enum Failure {
    /// The upload's own refusal.
    Refused(Refusal),
    /// Its batch failed as a whole, perhaps for another file: committed
    /// alone, its own outcome will show (one file's error never fails the
    /// others).
    Group,
}

pub struct Committer {
    queue: SyncSender<Job>,
    rebuild: Rebuild,
}

/// An upload on its way in (see [`Committer::hold`]).
pub struct Hold {
    rebuild: Rebuild,
}

impl Drop for Hold {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.rebuild.state;
        let mut p = lock.lock().unwrap_or_else(|e| e.into_inner());
        p.holds = p.holds.saturating_sub(1);
        if p.first.is_some() {
            p.last = Some(Instant::now());
        }
        cvar.notify_all();
    }
}

/// Who wrote last, shared by the writer and the rebuilder so that this
/// process's own build never makes an upload time out (only another
/// process's lock does).
type InProcess = Arc<Mutex<()>>;

impl Committer {
    /// Starts the commit and rebuild threads, writing to `kept` (opened
    /// again by them when its config or roster changes).
    pub fn start(settings: &Settings, kept: Arc<KeptWorkspace>) -> Committer {
        let (tx, rx) = sync_channel(QUEUE);
        let in_process: InProcess = Arc::default();
        let rebuild = Rebuild::start(settings, kept.clone(), in_process.clone());
        let lock_wait = settings.lock_wait;
        let writer_rebuild = rebuild.clone();
        thread::Builder::new()
            .name("taizhang-commit".into())
            .spawn(move || write_loop(&kept, lock_wait, rx, &in_process, &writer_rebuild))
            .expect("the commit thread starts");
        Committer { queue: tx, rebuild }
    }

    /// Holds the rebuild back while an upload is being read and committed:
    /// the warehouse is rebuilt once the uploads of a burst are in.
    pub fn hold(&self) -> Hold {
        let (lock, _) = &*self.rebuild.state;
        lock.lock().unwrap_or_else(|e| e.into_inner()).holds += 1;
        Hold {
            rebuild: self.rebuild.clone(),
        }
    }

    /// Queues the prepared files of one upload and waits until their batch
    /// is committed — one batch for all of them, with `alone` one of their
    /// own; one answer per file, in order.
    pub async fn commit(
        &self,
        files: Vec<(Input, Prepared)>,
        opts: Options,
        alone: bool,
    ) -> std::result::Result<Vec<Answer>, Failure> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            files,
            opts,
            alone,
            reply,
        };
        self.queue
            .try_send(job)
            .map_err(|_| Failure::Refused(Refusal::Busy(10)))?;
        answer
            .await
            .map_err(|_| Failure::Refused(Refusal::Internal("the upload was interrupted".into())))?
    }
}

fn write_loop(
    kept: &KeptWorkspace,
    lock_wait: Duration,
    rx: Receiver<Job>,
    in_process: &InProcess,
    rebuild: &Rebuild,
) {
    while let Ok(first) = rx.recv() {
        let mut files = first.files.len();
        let mut jobs = vec![first];
        let mut after = None;
        while files < MAX_GROUP && !jobs[0].alone {
            match rx.try_recv() {
                // A job that is alone, or would pass the group's size, goes next.
                Ok(job) if job.alone || files + job.files.len() > MAX_GROUP => {
                    after = Some(job);
                    break;
                }
                Ok(job) => {
                    files += job.files.len();
                    jobs.push(job);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        write_group(kept, lock_wait, jobs, in_process, rebuild);
        if let Some(job) = after {
            write_group(kept, lock_wait, vec![job], in_process, rebuild);
        }
    }
}

/// Commits the files of `jobs` as one batch and answers each job.
fn write_group(
    kept: &KeptWorkspace,
    lock_wait: Duration,
    jobs: Vec<Job>,
    in_process: &InProcess,
    rebuild: &Rebuild,
) {
    let Some(opts) = jobs.first().map(|j| j.opts.clone()) else {
        return;
    };
    let mut inputs = Vec::new();
    let mut prepared = Vec::new();
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        replies.push((job.reply, job.files.len()));
        for (input, ready) in job.files {
            inputs.push(input);
            prepared.push(ready);
        }
    }
    let guard = in_process.lock().unwrap_or_else(|e| e.into_inner());
    let outcome = open_writer(kept, lock_wait).and_then(|w| commit(&w, &inputs, &prepared, &opts));
    drop(guard);
    match outcome {
        Ok(results) => {
            let mut results = results.into_iter();
            for (reply, files) in replies {
                let _ = reply.send(Ok(results.by_ref().take(files).collect()));
            }
            rebuild.dirty();
        }
        // A batch of several that failed inside: each goes again alone.
        Err(Refusal::Internal(why)) if replies.len() > 1 => {
            eprintln!("portal: a batch of {} uploads failed: {why}", replies.len());
            for (reply, _) in replies {
                let _ = reply.send(Err(Failure::Group));
            }
        }
        Err(refusal) => {
            for (reply, _) in replies {
                let _ = reply.send(Err(Failure::Refused(refusal.clone())));
            }
        }
    }
}

/// The writer lock, waiting up to `wait` for a batch job to release it.
fn open_writer(kept: &KeptWorkspace, wait: Duration) -> std::result::Result<Writer, Refusal> {
    let started = Instant::now();
    loop {
        match kept.writer() {
            Ok(w) => return Ok(w),
            Err(Error::LockHeld(_)) if started.elapsed() < wait => {
                thread::sleep(Duration::from_millis(100));
            }
            Err(Error::LockHeld(_)) => return Err(Refusal::Busy(30)),
            Err(e) => return Err(Refusal::Internal(e.to_string())),
        }
    }
}

/// Commits the group as one batch, as one recorded run; one answer per
/// upload, in order ([`service::submitted`]).
fn commit(
    w: &Writer,
    inputs: &[Input],
    prepared: &[Prepared],
    opts: &Options,
) -> std::result::Result<Vec<Answer>, Refusal> {
    let internal = |e: Error| Refusal::Internal(e.to_string());
    let summary = w
        .recorded("serve: upload", |record| {
            let started = crate::runs::now();
            // Compacted by the rebuild, once the burst is quiet.
            let summary =
                service::ingest_prepared(w, inputs, prepared, opts, crate::ingest::Compact::Later)?;
            record.steps.push(summary.step_record(started));
            let verdict = summary.verdict();
            Ok((summary, verdict))
        })
        .map_err(internal)?;
    Ok(service::submitted(summary, inputs)
        .map_err(internal)?
        .into_iter()
        .map(|answer| answer.map_err(internal))
        .collect())
}

/// The debounced rebuild.
#[derive(Clone)]
struct Rebuild {
    state: Arc<(Mutex<Pending>, Condvar)>,
}

#[derive(Default)]
struct Pending {
    first: Option<Instant>,
    last: Option<Instant>,
    /// Uploads being read or committed.
    holds: usize,
}

impl Rebuild {
    fn start(settings: &Settings, kept: Arc<KeptWorkspace>, in_process: InProcess) -> Rebuild {
        let rebuild = Rebuild {
            state: Arc::default(),
        };
        let root = settings.root.clone();
        let quiet = settings.rebuild_after;
        let lock_wait = settings.lock_wait;
        if !root.join("warehouse.duckdb").is_file() {
            rebuild.dirty();
        }
        let me = rebuild.clone();
        thread::Builder::new()
            .name("taizhang-rebuild".into())
            .spawn(move || {
                loop {
                    me.wait_until_due(quiet);
                    let guard = in_process.lock().unwrap_or_else(|e| e.into_inner());
                    match open_writer(&kept, lock_wait) {
                        Ok(w) => {
                            let built = w.recorded("serve: build", |record| {
                                // What the commits left: their small parts
                                // merged once, before the build scans them.
                                // A compaction that fails (a part that
                                // cannot be read, say) leaves the parts as
                                // they are: the figures are built anyway.
                                if let Err(e) = service::compact_tiered(&w) {
                                    eprintln!("portal: the lake was not compacted: {e}");
                                }
                                let built = service::build(&w, &record.run_id, None)?;
                                record.steps.push(built.step_record(record.started_at));
                                record.tests = built.test_records();
                                let verdict = built.verdict();
                                Ok(((), verdict))
                            });
                            if let Err(e) = built {
                                eprintln!("portal: rebuild failed: {e}");
                            }
                        }
                        // A batch job holds the lock; its build (if any)
                        // brings the warehouse up to date, else try later.
                        Err(_) => me.dirty(),
                    }
                    drop(guard);
                }
            })
            .expect("the rebuild thread starts");
        rebuild
    }

    fn dirty(&self) {
        let (lock, cvar) = &*self.state;
        let mut p = lock.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        p.first.get_or_insert(now);
        p.last = Some(now);
        cvar.notify_all();
    }

    fn wait_until_due(&self, quiet: Duration) {
        let (lock, cvar) = &*self.state;
        let mut p = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match (p.first, p.last) {
                (Some(first), Some(last)) => {
                    let latest = first + MAX_REBUILD_DELAY;
                    let due = if p.holds > 0 {
                        latest
                    } else {
                        (last + quiet).min(latest)
                    };
                    let now = Instant::now();
                    if now >= due {
                        p.first = None;
                        p.last = None;
                        return;
                    }
                    p = cvar
                        .wait_timeout(p, due - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                _ => p = cvar.wait(p).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }
}
