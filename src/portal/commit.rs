//! Uploads into the lake, in groups. Each upload is queued; one writer
//! thread takes everything queued at that moment (up to [`MAX_GROUP`]
//! files), takes the workspace's writer lock — the lock the CLI and the
//! pipelines take — and ingests the group as one batch, through the service
//! layer (`service::ingest`, the very path of `taizhang ingest`), then
//! answers each upload with its own result. A deadline-day burst is thus
//! read as a folder would be (files parsed in parallel, one lake commit per
//! group) rather than file by file under the lock.
//!
//! An upload is answered only after its batch is committed, so a killed
//! server loses no upload it accepted; one killed mid-batch left parts that
//! the next writer's lock sweeps away, and the clerk, who got no answer,
//! uploads again.
//!
//! After commits, the warehouse is rebuilt once uploads have been quiet for
//! `rebuild_after` (at most [`MAX_REBUILD_DELAY`] after the first unbuilt
//! one), so the coverage page shows an upload within seconds.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::Settings;
use super::auth::Caller;
use super::web::Refusal;
use crate::error::{Error, Result};
use crate::ingest::{FileOutcome, ImportSummary, Input, Received, SubmissionResult};
use crate::service::{self, Writer};

/// Files ingested together at most.
pub const MAX_GROUP: usize = 64;
/// Uploads waiting at most; past this an upload is answered 503.
const QUEUE: usize = 4096;
/// The longest coverage may lag behind a continuous stream of uploads.
pub const MAX_REBUILD_DELAY: Duration = Duration::from_secs(60);

struct Job {
    received: Received,
    uploader: Caller,
    reply: oneshot::Sender<std::result::Result<SubmissionResult, Refusal>>,
}

pub struct Committer {
    queue: SyncSender<Job>,
}

/// Who wrote last, shared by the writer and the rebuilder so that this
/// process's own build never makes an upload time out (only another
/// process's lock does).
type InProcess = Arc<Mutex<()>>;

impl Committer {
    pub fn start(settings: &Settings) -> Committer {
        let (tx, rx) = sync_channel(QUEUE);
        let in_process: InProcess = Arc::default();
        let rebuild = Rebuild::start(settings, in_process.clone());
        let root = settings.root.clone();
        let lock_wait = settings.lock_wait;
        thread::Builder::new()
            .name("taizhang-commit".into())
            .spawn(move || write_loop(&root, lock_wait, rx, &in_process, &rebuild))
            .expect("the commit thread starts");
        Committer { queue: tx }
    }

    /// Queues `received` and waits for its result.
    pub async fn submit(
        &self,
        received: Received,
        uploader: &Caller,
    ) -> std::result::Result<SubmissionResult, Refusal> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            received,
            uploader: uploader.clone(),
            reply,
        };
        self.queue.try_send(job).map_err(|_| Refusal::Busy(10))?;
        answer
            .await
            .map_err(|_| Refusal::Internal("上传处理中断 / the upload was interrupted".into()))?
    }
}

fn write_loop(
    root: &Path,
    lock_wait: Duration,
    rx: Receiver<Job>,
    in_process: &InProcess,
    rebuild: &Rebuild,
) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let guard = in_process.lock().unwrap_or_else(|e| e.into_inner());
        let outcome = open_writer(root, lock_wait).and_then(|w| commit(&w, &jobs));
        drop(guard);
        match outcome {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
                rebuild.dirty();
            }
            Err(refusal) => {
                for job in jobs {
                    let _ = job.reply.send(Err(refusal.clone()));
                }
            }
        }
    }
}

/// The writer lock, waiting up to `wait` for a batch job to release it.
fn open_writer(root: &Path, wait: Duration) -> std::result::Result<Writer, Refusal> {
    let started = Instant::now();
    loop {
        match Writer::open(root) {
            Ok(w) => return Ok(w),
            Err(Error::LockHeld(_)) if started.elapsed() < wait => {
                thread::sleep(Duration::from_millis(100));
            }
            Err(Error::LockHeld(_)) => return Err(Refusal::Busy(30)),
            Err(e) => return Err(Refusal::Internal(e.to_string())),
        }
    }
}

/// Ingests the group as one batch; one result per job, in order.
fn commit(
    w: &Writer,
    jobs: &[Job],
) -> std::result::Result<Vec<std::result::Result<SubmissionResult, Refusal>>, Refusal> {
    let mut inputs: Vec<Input> = Vec::with_capacity(jobs.len());
    let mut opts = None;
    for job in jobs.iter() {
        let (input, o) = job.received.clone().into_input(false);
        inputs.push(input);
        opts.get_or_insert(o);
    }
    let opts = opts.expect("a group has a job");
    let summary = w
        .recorded("serve: upload", |record| {
            let started = crate::runs::now();
            let summary = service::ingest(w, &inputs, &opts, &|_, _| {})?;
            record.steps.push(summary.step_record(started));
            let verdict = summary.verdict();
            Ok((summary, verdict))
        })
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    if summary.files.len() != inputs.len() {
        return Err(Refusal::Internal(format!(
            "{} 个文件得到 {} 个结果 / {} files gave {} results",
            inputs.len(),
            summary.files.len(),
            inputs.len(),
            summary.files.len()
        )));
    }
    let mut results = Vec::with_capacity(jobs.len());
    for ((job, input), file) in jobs.iter().zip(&inputs).zip(&summary.files) {
        let result = SubmissionResult::of(file, &input.file_name())
            .ok_or_else(|| Refusal::Internal("文件未能接收 / the file was not received".into()));
        if let Ok(r) = &result
            && let Err(e) = store(w, job, file, r)
        {
            eprintln!(
                "portal: the result of {} was not kept: {e}",
                r.submission_id
            );
        }
        results.push(result);
    }
    Ok(results)
}

/// What the portal keeps of an upload (`portal/uploads/<submission_id>.json`),
/// so the clerk can open the result again later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub result: StoredResult,
    pub uploaded_by: String,
    pub uploader_unit: String,
    pub uploaded_at: String,
}

/// [`SubmissionResult`] as read back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredResult {
    pub submission_id: String,
    pub sha256: String,
    pub file_name: String,
    pub status: String,
    pub region_code: Option<String>,
    pub period: Option<String>,
    pub ledgers: Vec<StoredLedger>,
    pub issues: Vec<StoredIssue>,
    #[serde(default)]
    pub already_received: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredLedger {
    pub kind: String,
    pub sheets: Vec<String>,
    pub status: String,
    pub rows_ok: usize,
    pub rows_rejected: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredIssue {
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub severity: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    pub value: Option<String>,
}

pub fn uploads_dir(root: &Path) -> PathBuf {
    root.join("portal").join("uploads")
}

/// The kept result of `submission_id` (16 hex digits), if the portal took it.
pub fn load(root: &Path, submission_id: &str) -> Option<Stored> {
    if submission_id.len() != 16 || !submission_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes = std::fs::read(uploads_dir(root).join(format!("{submission_id}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The clerk's annotated workbook of a kept upload.
pub fn feedback_path(root: &Path, submission_id: &str) -> PathBuf {
    uploads_dir(root).join(format!("{submission_id}.feedback.xlsx"))
}

fn store(
    w: &Writer,
    job: &Job,
    file: &crate::ingest::FileReport,
    result: &SubmissionResult,
) -> Result<()> {
    let root = &w.ws().root;
    let dir = uploads_dir(root);
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let stored = serde_json::json!({
        "result": result,
        "uploaded_by": job.uploader.token_id,
        "uploader_unit": job.uploader.region,
        "uploaded_at": crate::runs::now().to_rfc3339(),
    });
    crate::fsutil::write_bytes_atomic(
        &dir.join(format!("{}.json", result.submission_id)),
        &serde_json::to_vec_pretty(&stored)?,
    )?;
    // The annotated workbook reads the clerk's sheets again, from the
    // archived copy (an upload has no path of its own).
    if matches!(file.outcome, FileOutcome::Read { .. }) {
        let archived = w.ws().archive().join(format!(
            "{}.{}",
            result.sha256,
            crate::ingest::archive::extension_of(&result.file_name)
        ));
        let mut one = file.clone();
        one.path = archived;
        let summary = ImportSummary {
            files: vec![one],
            ..ImportSummary::default()
        };
        crate::ingest::feedback::write(
            &feedback_path(root, &result.submission_id),
            &summary,
            w.ws().config.limits,
            false,
        )?;
    }
    Ok(())
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
}

impl Rebuild {
    fn start(settings: &Settings, in_process: InProcess) -> Rebuild {
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
                    match open_writer(&root, lock_wait) {
                        Ok(w) => {
                            let built = w.recorded("serve: build", |record| {
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
                    let due = (last + quiet).min(first + MAX_REBUILD_DELAY);
                    let now = Instant::now();
                    if now >= due {
                        *p = Pending::default();
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
