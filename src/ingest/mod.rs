//! Ingest: files in, archive and lake out (DESIGN §6, §8).
//!
//! Order of writes, for crash safety: each new file's bytes and receipt go to
//! `archive/` first, then the lake parts, then the batch marker that commits
//! them. Known files (same sha256) are recognised from the markers and are
//! not parsed again.

pub mod clerk_report;
pub mod file;
pub mod issue;
pub mod sheet;
pub mod workbook;
pub mod xlsx_fast;
pub mod xlsx_merges;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::lake::schema::{self, IssueRow, SubmissionRow};
use crate::lake::{BatchWriter, Lake, UNKNOWN_PERIOD};
use crate::ledger::Kind;
use crate::normalize::Period;
use crate::normalize::time::parse_time;
use crate::workspace::Workspace;
pub use file::{Context, Hints, ParsedFile};
pub use issue::{Code, Issue, Severity};

/// How a file reached taizhang (`source` in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Cli,
    Upload,
    Pipeline,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Upload => "upload",
            Source::Pipeline => "pipeline",
        }
    }
}

/// Options of one ingest.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Option<Kind>,
    pub region: Option<String>,
    pub period: Option<Period>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub dry_run: bool,
    pub source: Source,
}

/// A file to ingest and the argument it was found under.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub path: PathBuf,
    /// The folder `received.csv` files are looked for up to.
    pub root: PathBuf,
    /// When re-reading the archive: how the file was first received.
    pub replay: Option<Receipt>,
}

impl Input {
    pub fn new(path: PathBuf, root: PathBuf) -> Input {
        Input {
            path,
            root,
            replay: None,
        }
    }

    /// The name the file was received under (an archived file's original name).
    pub fn file_name(&self) -> String {
        match &self.replay {
            Some(r) => r.file_name.clone(),
            None => self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// The archived files below `dir` (an `archive/` folder), each with its
/// receipt, oldest receipt first: ingesting them reproduces the lake's rows.
pub fn collect_archive(dir: &Path) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(Error::io(dir))?;
    entries.sort();
    for receipt_path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let Some(sha) = receipt_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
        else {
            continue;
        };
        let text = fs::read_to_string(receipt_path).map_err(Error::io(receipt_path))?;
        let receipt: Receipt = serde_json::from_str(&text)?;
        let data = entries.iter().find(|p| {
            p.file_stem().is_some_and(|s| s.to_string_lossy() == sha)
                && p.extension().is_none_or(|e| e != "json")
        });
        let Some(data) = data else {
            return Err(Error::Usage(format!(
                "{} 没有对应的文件 / has no archived file",
                receipt_path.display()
            )));
        };
        out.push(Input {
            path: data.clone(),
            root: dir.to_path_buf(),
            replay: Some(receipt),
        });
    }
    out.sort_by(|a, b| {
        let key = |i: &Input| i.replay.as_ref().map(|r| r.received_at.clone());
        key(a).cmp(&key(b)).then_with(|| a.path.cmp(&b.path))
    });
    Ok(out)
}

/// Expands files and folders into inputs. Folders are walked recursively in
/// name order; `received.csv`, `roster.csv`, dotfiles and `~$` lock files are
/// skipped. Other files are kept: they are reported as unsupported.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(Error::io(path))?;
        if meta.is_dir() {
            walk(path, path, &mut out)?;
        } else {
            let root = path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            out.push(Input::new(path.clone(), root));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<Input>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .collect::<std::io::Result<_>>()
        .map_err(Error::io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        let path = entry.path();
        if entry.file_type().map_err(Error::io(&path))?.is_dir() {
            walk(&path, root, out)?;
        } else if !matches!(name.as_str(), "received.csv" | "roster.csv") {
            out.push(Input::new(path, root.to_path_buf()));
        }
    }
    Ok(())
}

/// What happened to one input.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Already in the lake, or the same bytes earlier in this batch.
    Skipped { reason: String },
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
    pub outcome: Outcome,
}

/// The result of an ingest, for the import summary.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub batch_id: Option<String>,
    pub recovered_parts: usize,
    /// Parts merged away by the compaction that followed this ingest.
    pub compacted: usize,
}

impl Report {
    pub fn accepted(&self) -> usize {
        self.read().filter(|(p, _)| p.accepted()).count()
    }

    pub fn rejected(&self) -> usize {
        self.read().filter(|(p, _)| !p.accepted()).count()
            + self
                .files
                .iter()
                .filter(|f| matches!(f.outcome, Outcome::Failed { .. }))
                .count()
    }

    pub fn skipped(&self) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f.outcome, Outcome::Skipped { .. }))
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
                Outcome::Read { parsed, .. } => {
                    Some(parsed.issues.iter().map(move |i| (f.path.as_path(), i)))
                }
                _ => None,
            })
            .flatten()
    }

    fn read(&self) -> impl Iterator<Item = (&ParsedFile, &Vec<SubmissionRow>)> {
        self.files.iter().filter_map(|f| match &f.outcome {
            Outcome::Read {
                parsed,
                submissions,
            } => Some((parsed.as_ref(), submissions)),
            _ => None,
        })
    }
}

/// A file's receipt record, kept beside its bytes in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Receipt {
    pub received_at: String,
    pub source: Source,
    pub file_name: String,
    pub region: Option<String>,
    pub period: Option<String>,
    pub kind: Option<String>,
    /// What was known before the file was opened (flags and folders), so a
    /// replay of the archive reads the file exactly as it was first read.
    #[serde(default)]
    pub hints: Option<ReceiptHints>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ReceiptHints {
    pub kind: Option<String>,
    pub region_flag: Option<String>,
    pub period_flag: Option<String>,
    pub folder_region: Option<String>,
    pub folder_period: Option<String>,
}

impl ReceiptHints {
    fn from_hints(h: &Hints) -> ReceiptHints {
        ReceiptHints {
            kind: h.kind.map(|k| k.as_str().to_string()),
            region_flag: h.region_flag.clone(),
            period_flag: h.period_flag.map(|p| p.to_string()),
            folder_region: h.folder_region.clone(),
            folder_period: h.folder_period.clone(),
        }
    }

    fn to_hints(&self) -> Hints {
        Hints {
            kind: self.kind.as_deref().and_then(|k| k.parse().ok()),
            region_flag: self.region_flag.clone(),
            period_flag: self.period_flag.as_deref().and_then(|p| p.parse().ok()),
            folder_region: self.folder_region.clone(),
            folder_period: self.folder_period.clone(),
        }
    }
}

/// Files parsed ahead of the one the lake is waiting for: enough to keep
/// every core busy past a slow file, few enough that memory is bounded by a
/// handful of files (and the largest sheet), not by how many files an ingest
/// is given.
const WINDOW_FILES: usize = 16;

/// Ingests `inputs` into the workspace. The caller holds the workspace lock
/// unless this is a dry run.
///
/// Files are hashed and parsed in parallel, each worker taking the next file
/// as soon as it is done (no chunk waits for its slowest file), at most
/// [`WINDOW_FILES`] ahead of the file being archived and streamed into the
/// batch's lake parts in input order; a file's rows are dropped once written,
/// so memory does not grow with the number of files.
///
/// There is no writer thread: the worker that finishes the file the lake is
/// waiting for writes it (and any parsed files queued behind it) while the
/// other goes on parsing. A third thread on two cores took turns with the
/// workers, and its Arrow batches came from the other core's cache.
pub fn run(
    ws: &Workspace,
    inputs: &[Input],
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report> {
    let lake = Lake::new(ws.lake());
    let mut report = Report::default();
    if !opts.dry_run {
        report.recovered_parts = lake.recover()?;
    }
    let known = lake.known_files()?;
    let rules = ws.config.rules();
    let ctx = Context {
        roster: &ws.roster,
        rules: &rules,
        limits: ws.config.limits,
    };
    let sink = Sink {
        ws,
        opts,
        known: &known,
        now: chrono::Utc::now().with_timezone(&crate::normalize::time::china()),
        receipts: ReceivedTimes::default(),
        seen: HashMap::new(),
        writer: (!opts.dry_run).then(|| BatchWriter::new(&lake)),
        files: Vec::new(),
    };
    let order = InOrder {
        writing: std::sync::Mutex::new(Writing {
            sink,
            files: Vec::new(),
            error: None,
        }),
        parsed: std::sync::Mutex::new(BTreeMap::new()),
        window: (
            std::sync::Mutex::new((0usize, false)),
            std::sync::Condvar::new(),
        ),
        flush: std::sync::Mutex::new(None),
    };

    // Workers claim files in input order; `window` (files written, and
    // whether to stop) holds them within WINDOW_FILES of the writing.
    let claimed = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let workers_done = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, inputs.len().max(1));
    std::thread::scope(|scope| {
        // The archive and the parts are flushed to disk as they are written,
        // a few hundred files at a time, by a thread that only waits for the
        // disk: the commit's flush then has little left to wait for, where
        // it used to write the whole quarter with both cores idle (0.15 s).
        if !opts.dry_run {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            *order.flush.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
            let root = lake.root.clone();
            scope.spawn(move || {
                while rx.recv().is_ok() {
                    while rx.try_recv().is_ok() {}
                    // Only early: the commit flushes and checks again.
                    let _ = crate::fsutil::sync_filesystem(&root);
                }
            });
        }
        for _ in 0..workers {
            let workers_done = &workers_done;
            let (order, known) = (&order, &known);
            let (claimed, done) = (&claimed, &done);
            scope.spawn(move || {
                // However the worker ends, even by a panic: the last one out
                // lets the flushing thread end, or the scope would wait for it.
                let _last_out = LastOut {
                    done: workers_done,
                    of: workers,
                    flush: &order.flush,
                };
                loop {
                    let i = claimed.fetch_add(1, Ordering::Relaxed);
                    if i >= inputs.len() || !order.wait_for_room(i) {
                        return;
                    }
                    let result = read_and_parse(&inputs[i], opts, known, ctx);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, inputs.len());
                    order
                        .parsed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(i, result);
                    order.write_ready(inputs);
                }
            });
        }
    });
    let Writing {
        mut sink,
        files,
        error,
    } = order
        .writing
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(e) = error {
        return Err(e);
    }
    report.files = files;

    let Some(writer) = sink.writer.take() else {
        return Ok(report);
    };
    if sink.files.is_empty() {
        return Ok(report);
    }
    let batch_id = crate::lake::batch_id(&sink.files);
    writer.commit(&batch_id, std::mem::take(&mut sink.files))?;
    report.batch_id = Some(batch_id);
    report.compacted = lake.compact(crate::lake::AUTO_COMPACT_PARTS)?.1;
    Ok(report)
}

/// Parsed files on their way into the lake, written in input order by
/// whichever worker holds `writing`.
struct InOrder<'a> {
    writing: std::sync::Mutex<Writing<'a>>,
    /// Parsed files not written yet, by input index.
    parsed: std::sync::Mutex<BTreeMap<usize, ReadResult>>,
    /// (files written — the index of the next to write —, stop): workers
    /// wait here while too far ahead.
    window: (std::sync::Mutex<(usize, bool)>, std::sync::Condvar),
    /// Asks the flushing thread to flush what was written so far.
    flush: std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>>,
}

/// Counts a worker out when dropped; the last one closes the flush channel.
struct LastOut<'a> {
    done: &'a AtomicUsize,
    of: usize,
    flush: &'a std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>>,
}

impl Drop for LastOut<'_> {
    fn drop(&mut self) {
        if self.done.fetch_add(1, Ordering::AcqRel) + 1 == self.of {
            self.flush.lock().unwrap_or_else(|e| e.into_inner()).take();
        }
    }
}

/// Files written between two early flushes of the file system.
const FLUSH_EVERY_FILES: usize = 256;

struct Writing<'a> {
    sink: Sink<'a>,
    files: Vec<FileReport>,
    /// The first failure to write: the ingest stops and returns it.
    error: Option<Error>,
}

impl InOrder<'_> {
    /// Waits until file `i` is within the window; false when the ingest stopped.
    fn wait_for_room(&self, i: usize) -> bool {
        let (lock, wake) = &self.window;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        while i >= state.0 + WINDOW_FILES && !state.1 {
            state = wake.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        !state.1
    }

    /// Writes every parsed file that is next in order, unless another worker
    /// is already writing: that one then also writes what this one queued.
    fn write_ready(&self, inputs: &[Input]) {
        loop {
            {
                let Ok(mut writing) = self.writing.try_lock() else {
                    return;
                };
                if writing.error.is_some() {
                    return;
                }
                let mut next = self.written();
                loop {
                    let ready = self
                        .parsed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&next);
                    let Some(result) = ready else { break };
                    match writing.sink.take(&inputs[next], result) {
                        Ok(file) => {
                            writing.files.push(file);
                            if writing.files.len() % FLUSH_EVERY_FILES == 0
                                && let Some(flush) =
                                    &*self.flush.lock().unwrap_or_else(|e| e.into_inner())
                            {
                                let _ = flush.send(());
                            }
                        }
                        Err(e) => {
                            writing.error = Some(e);
                            self.stop();
                            return;
                        }
                    }
                    next += 1;
                    let (lock, wake) = &self.window;
                    lock.lock().unwrap_or_else(|e| e.into_inner()).0 = next;
                    wake.notify_all();
                }
            }
            // A worker that queued the next file while this one held the
            // lock could not write it: look once more now it is free.
            let next = self.written();
            if !self
                .parsed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(&next)
            {
                return;
            }
        }
    }

    /// Files written so far: the index of the next one to write.
    fn written(&self) -> usize {
        self.window.0.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    fn stop(&self) {
        let (lock, wake) = &self.window;
        lock.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        wake.notify_all();
    }
}

/// The ordered half of an ingest, one file at a time by whichever worker
/// holds it (see [`InOrder`]): decides what each parsed file is, archives it
/// and appends its rows to the batch's parts.
struct Sink<'a> {
    ws: &'a Workspace,
    opts: &'a Options,
    known: &'a std::collections::BTreeSet<String>,
    now: DateTime<FixedOffset>,
    receipts: ReceivedTimes,
    /// sha256 → the first input of this ingest with those bytes.
    seen: HashMap<String, PathBuf>,
    /// `None` in a dry run.
    writer: Option<BatchWriter<'a>>,
    /// sha256 of every file the batch records.
    files: Vec<String>,
}

impl Sink<'_> {
    fn take(&mut self, input: &Input, result: ReadResult) -> Result<FileReport> {
        let (hash, parsed, error) = result;
        let sha = hash.as_ref().map(|(s, _)| s.clone());
        let outcome = match (hash, parsed, error) {
            (_, _, Some(error)) => Outcome::Failed { error },
            (Some((sha, _)), _, None) if self.known.contains(&sha) => Outcome::Skipped {
                reason: "已在数据湖中 / already in the lake".into(),
            },
            (Some((sha, _)), _, None) if self.seen.contains_key(&sha) => {
                let first = self.seen[&sha].display();
                Outcome::Skipped {
                    reason: format!("与本批 {first} 内容相同 / same bytes as {first}"),
                }
            }
            (Some((sha, bytes)), Some(p), None) => {
                self.seen.insert(sha.clone(), input.path.clone());
                let ParsedWithBytes {
                    mut parsed,
                    ext,
                    data,
                    kind_batches,
                } = p;
                let received_at = self.received_at(input, &mut parsed)?;
                let submissions = submission_rows(
                    &input.file_name(),
                    &sha,
                    bytes,
                    &parsed,
                    received_at,
                    source_of(input, self.opts),
                );
                if let Some(writer) = &mut self.writer {
                    archive(
                        self.ws,
                        input,
                        &sha,
                        &ext,
                        data.as_deref(),
                        received_at,
                        self.opts,
                        &parsed,
                    )?;
                    crate::fsutil::crash_point("archive");
                    let period = submissions[0]
                        .period
                        .clone()
                        .unwrap_or_else(|| UNKNOWN_PERIOD.to_string());
                    for (kind, batch) in &kind_batches {
                        writer.append(kind.as_str(), &period, batch)?;
                    }
                    let rows: Vec<&SubmissionRow> = submissions.iter().collect();
                    writer.append("submissions", &period, &schema::submissions_batch(&rows)?)?;
                    if !parsed.issues.is_empty() {
                        let first = &submissions[0];
                        let rows: Vec<IssueRow<'_>> = parsed
                            .issues
                            .iter()
                            .map(|issue| IssueRow {
                                submission_id: &first.submission_id,
                                region_code: first.region_code.as_deref(),
                                period: first.period.as_deref(),
                                issue,
                            })
                            .collect();
                        writer.append("issues", &period, &schema::issues_batch(&rows)?)?;
                    }
                    self.files.push(sha.clone());
                }
                Outcome::Read {
                    parsed: Box::new(parsed),
                    submissions,
                }
            }
            _ => Outcome::Failed {
                error: "内部错误 / internal: file neither read nor failed".into(),
            },
        };
        Ok(FileReport {
            path: input.path.clone(),
            sha256: sha,
            outcome,
        })
    }

    /// The replayed receipt, `--received-at`, the nearest `received.csv`, or now.
    fn received_at(
        &mut self,
        input: &Input,
        parsed: &mut ParsedFile,
    ) -> Result<DateTime<FixedOffset>> {
        let replayed_at = input
            .replay
            .as_ref()
            .and_then(|r| DateTime::parse_from_rfc3339(&r.received_at).ok());
        if let Some(t) = replayed_at.or(self.opts.received_at) {
            return Ok(t);
        }
        Ok(match self.receipts.lookup(&input.path, &input.root)? {
            Lookup::Found(t) => t,
            Lookup::Omitted(csv) => {
                parsed.issues.push(Issue::file(
                    Severity::Warning,
                    Code::MissingCell,
                    format!("{} 未列出此文件，接收时间按导入时刻记录", csv.display()),
                    format!("{} does not list this file; the moment of ingest was recorded as its receipt time", csv.display()),
                ));
                self.now
            }
            Lookup::NoCsv => self.now,
        })
    }
}

struct ParsedWithBytes {
    /// The file as read, its ledgers' rows already moved into `kind_batches`.
    parsed: ParsedFile,
    ext: String,
    /// The file's bytes, for the archive; `None` for a file over the size
    /// limit, which is copied from its path instead.
    data: Option<Vec<u8>>,
    /// One Arrow batch per accepted kind, built on the parsing thread.
    kind_batches: Vec<(Kind, arrow::array::RecordBatch)>,
}

type ReadResult = (
    Option<(String, u64)>,
    Option<ParsedWithBytes>,
    Option<String>,
);

/// Hashes a file and, when it is new, parses it and turns its rows into
/// Arrow batches. Files over the size limit are hashed as a stream and never
/// held in memory.
fn read_and_parse(
    input: &Input,
    opts: &Options,
    known: &std::collections::BTreeSet<String>,
    ctx: Context<'_>,
) -> ReadResult {
    let path = &input.path;
    let fail = |e: std::io::Error| {
        (
            None,
            None,
            Some(format!(
                "无法读取文件 / cannot read {}: {e}",
                path.display()
            )),
        )
    };
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let limit = ctx.limits.max_file_mb.saturating_mul(1024 * 1024);
    let file_name = input.file_name();
    let ext = Path::new(&file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_else(|| "bin".into());
    if meta.len() > limit {
        let sha = match hash_stream(path) {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        if known.contains(&sha) {
            return (Some((sha, meta.len())), None, None);
        }
        let parsed = ParsedFile {
            issues: vec![file::too_large(meta.len(), ctx.limits.max_file_mb)],
            ..ParsedFile::default()
        };
        let file = ParsedWithBytes {
            parsed,
            ext,
            data: None,
            kind_batches: Vec::new(),
        };
        return (Some((sha, meta.len())), Some(file), None);
    }
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let sha = hex(&Sha256::digest(&bytes));
    if known.contains(&sha) {
        return (Some((sha, bytes.len() as u64)), None, None);
    }
    let hints = hints_for(input, opts);
    // Accepted rows become Arrow on this thread as they are read; a dry run
    // keeps none.
    let mut rows = ArrowRows::new(&sha[..16], file::ROW_CHUNK, !opts.dry_run);
    let parsed = file::parse_file_with(&bytes, &file_name, &hints, ctx, &mut rows);
    let kind_batches = match rows.finish() {
        Ok(batches) => batches,
        Err(e) => {
            return (
                Some((sha, bytes.len() as u64)),
                None,
                Some(format!("内部错误 / internal: {e}")),
            );
        }
    };
    let size = bytes.len() as u64;
    let file = ParsedWithBytes {
        parsed,
        ext,
        data: (!opts.dry_run).then_some(bytes),
        kind_batches,
    };
    (Some((sha, size)), Some(file), None)
}

/// A file's accepted rows as Arrow batches, one open batch per kind, each
/// closed once it holds `chunk` rows and at the end of the file.
struct ArrowRows<'a> {
    submission_id: &'a str,
    chunk: usize,
    /// A dry run builds nothing.
    enabled: bool,
    open: [Option<schema::KindBatchBuilder>; Kind::ALL.len()],
    /// Per kind, the rows its sheets said to expect: the first batch's room.
    expected: [usize; Kind::ALL.len()],
    done: Vec<(Kind, arrow::array::RecordBatch)>,
    error: Option<Error>,
}

impl<'a> ArrowRows<'a> {
    fn new(submission_id: &'a str, chunk: usize, enabled: bool) -> ArrowRows<'a> {
        ArrowRows {
            submission_id,
            chunk,
            enabled,
            open: Default::default(),
            expected: [0; Kind::ALL.len()],
            done: Vec::new(),
            error: None,
        }
    }

    /// Every batch, in the order they were closed (a kind's rows in the order read).
    fn finish(mut self) -> Result<Vec<(Kind, arrow::array::RecordBatch)>> {
        for mut builder in self.open.into_iter().flatten() {
            if !builder.is_empty() {
                self.done.push((builder.kind(), builder.finish()?));
            }
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.done),
        }
    }
}

impl file::RowSink for ArrowRows<'_> {
    fn expect(&mut self, kind: Kind, rows: usize) {
        self.expected[kind.index()] += rows;
    }

    fn row(&mut self, ledger: &file::LedgerAt<'_>, row: sheet::RowRef<'_>) {
        if !self.enabled {
            return;
        }
        let kind = ledger.kind;
        let builder = self.open[kind.index()].get_or_insert_with(|| {
            let room = self.expected[kind.index()].clamp(1, self.chunk);
            let period = ledger.period.to_string();
            schema::KindBatchBuilder::new(
                kind,
                [self.submission_id, ledger.region_code, &period],
                room,
            )
        });
        builder.push(ledger.sheet, row.source_row, row.source_col, row.values);
        if builder.len() >= self.chunk {
            // The builder starts over empty, for the kind's next rows.
            match builder.finish() {
                Ok(batch) => self.done.push((kind, batch)),
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
    }
}

fn hash_stream(path: &Path) -> std::io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Flags first; the file's two parent folders as `<period>/<region>`.
fn hints_for(input: &Input, opts: &Options) -> Hints {
    if let Some(receipt) = &input.replay {
        return match &receipt.hints {
            Some(h) => h.to_hints(),
            // A receipt without hints: replay with what was resolved.
            None => Hints {
                kind: receipt.kind.as_deref().and_then(|k| k.parse().ok()),
                region_flag: receipt.region.clone(),
                period_flag: receipt.period.as_deref().and_then(|p| p.parse().ok()),
                ..Hints::default()
            },
        };
    }
    let parent = input.path.parent();
    let name_of = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    };
    Hints {
        kind: opts.kind,
        region_flag: opts.region.clone(),
        period_flag: opts.period,
        folder_region: name_of(parent),
        folder_period: name_of(parent.and_then(Path::parent)),
    }
}

/// A replayed file keeps the source it first came from.
fn source_of(input: &Input, opts: &Options) -> Source {
    input.replay.as_ref().map_or(opts.source, |r| r.source)
}

fn submission_rows(
    file_name: &str,
    sha: &str,
    bytes: u64,
    parsed: &ParsedFile,
    received_at: DateTime<FixedOffset>,
    source: Source,
) -> Vec<SubmissionRow> {
    let base = SubmissionRow {
        submission_id: sha[..16].to_string(),
        sha256: sha.to_string(),
        file_name: file_name.to_string(),
        bytes,
        kind: None,
        sheets: Vec::new(),
        region_code: parsed.region_code.clone(),
        period: parsed.period.map(|p| p.to_string()),
        received_at,
        source: source.as_str().to_string(),
        rows_ok: 0,
        rows_rejected: 0,
        warnings: parsed
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Warning && i.sheet.is_none())
            .count(),
        accepted: false,
    };
    if parsed.ledgers.is_empty() {
        return vec![base];
    }
    parsed
        .ledgers
        .iter()
        .map(|(kind, ledger)| SubmissionRow {
            kind: Some(*kind),
            sheets: ledger.sheets.clone(),
            rows_ok: ledger.rows_ok,
            rows_rejected: ledger.rows_rejected,
            warnings: base.warnings + ledger.warnings,
            accepted: ledger.accepted,
            ..base.clone()
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn archive(
    ws: &Workspace,
    input: &Input,
    sha: &str,
    ext: &str,
    data: Option<&[u8]>,
    received_at: DateTime<FixedOffset>,
    opts: &Options,
    parsed: &ParsedFile,
) -> Result<()> {
    // Written without a flush each: the batch's commit flushes the file
    // system once before its marker makes the rows visible.
    let dir = ws.archive();
    let path = dir.join(format!("{sha}.{ext}"));
    let size = fs::metadata(&path).map(|m| m.len()).ok();
    match data {
        // Already archived whole (an earlier ingest died before committing).
        Some(bytes) if size == Some(bytes.len() as u64) => {}
        Some(bytes) => crate::fsutil::write_bytes_unsynced(&path, bytes)?,
        None if size.is_some() => {}
        None => crate::fsutil::write_atomic(&path, |f| {
            let mut src = fs::File::open(&input.path)?;
            std::io::copy(&mut src, f).map(|_| ())
        })?,
    }
    let hints = hints_for(input, opts);
    let receipt = Receipt {
        received_at: received_at.to_rfc3339(),
        source: source_of(input, opts),
        file_name: input.file_name(),
        region: parsed.region_code.clone(),
        period: parsed.period.map(|p| p.to_string()),
        kind: hints.kind.map(|k| k.as_str().to_string()),
        hints: Some(ReceiptHints::from_hints(&hints)),
    };
    crate::fsutil::write_bytes_unsynced(
        &dir.join(format!("{sha}.json")),
        &serde_json::to_vec_pretty(&receipt)?,
    )
}

/// `received.csv` files, read once per folder.
#[derive(Default)]
struct ReceivedTimes {
    by_dir: HashMap<PathBuf, Option<HashMap<PathBuf, DateTime<FixedOffset>>>>,
}

enum Lookup {
    Found(DateTime<FixedOffset>),
    /// The nearest `received.csv` does not list the file.
    Omitted(PathBuf),
    NoCsv,
}

impl ReceivedTimes {
    /// The nearest `received.csv` at or above the file's folder, up to `root`.
    fn lookup(&mut self, path: &Path, root: &Path) -> Result<Lookup> {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if let Some(map) = self.load(d)? {
                let rel = path.strip_prefix(d).unwrap_or(path);
                return Ok(match map.get(rel) {
                    Some(t) => Lookup::Found(*t),
                    None => Lookup::Omitted(d.join("received.csv")),
                });
            }
            if d == root {
                break;
            }
            dir = d.parent();
        }
        Ok(Lookup::NoCsv)
    }

    fn load(&mut self, dir: &Path) -> Result<Option<&HashMap<PathBuf, DateTime<FixedOffset>>>> {
        if !self.by_dir.contains_key(dir) {
            let csv_path = dir.join("received.csv");
            let map = if csv_path.is_file() {
                Some(read_received_csv(&csv_path)?)
            } else {
                None
            };
            self.by_dir.insert(dir.to_path_buf(), map);
        }
        Ok(self.by_dir[dir].as_ref())
    }
}

/// `path,received_at` with paths relative to the csv's folder.
fn read_received_csv(path: &Path) -> Result<HashMap<PathBuf, DateTime<FixedOffset>>> {
    let text = fs::read_to_string(path).map_err(Error::io(path))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let bad = |line: usize, msg: String| Error::Usage(format!("{}:{line}: {msg}", path.display()));
    let mut map = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(i + 2, e.to_string()))?;
        let (Some(p), Some(t)) = (record.get(0), record.get(1)) else {
            return Err(bad(
                i + 2,
                "需要 path,received_at 两列 / expected path,received_at".into(),
            ));
        };
        let time = parse_time(t).ok_or_else(|| {
            bad(
                i + 2,
                format!(
                    "时间 {t:?} 无法识别 / bad time; use RFC 3339 such as 2024-07-05T09:30:00+08:00"
                ),
            )
        })?;
        map.insert(PathBuf::from(p.trim().replace('\\', "/")), time);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::file::{LedgerAt, RowSink};
    use crate::ingest::sheet::RowRef;
    use crate::ledger::Value;
    use arrow::array::{Array, AsArray};

    fn task_values(task: &str) -> Vec<Value> {
        let fields = crate::ledger::fields(Kind::Tasks);
        let mut values = vec![Value::Null; fields.len()];
        values[fields.iter().position(|f| f.name == "task").unwrap()] = Value::Text(task.into());
        values
    }

    #[test]
    fn rows_become_batches_of_at_most_a_chunk_each_kind_in_the_order_read() {
        let period: Period = "2024Q2".parse().unwrap();
        let at = |kind, sheet| LedgerAt {
            kind,
            region_code: "510681",
            period,
            sheet,
        };
        let mut rows = ArrowRows::new("0123456789abcdef", 2, true);
        rows.expect(Kind::Tasks, 5);
        let tasks: Vec<String> = (1..=5).map(|i| format!("任务{i}")).collect();
        for (i, task) in tasks.iter().enumerate() {
            let sheet = if i < 3 { "台账一" } else { "台账二" };
            let values = task_values(task);
            rows.row(
                &at(Kind::Tasks, sheet),
                RowRef {
                    source_row: i as u32 + 4,
                    source_col: 1,
                    values: &values,
                },
            );
        }
        let pilot_fields = crate::ledger::fields(Kind::Pilots).len();
        let mut pilot = vec![Value::Null; pilot_fields];
        pilot[0] = Value::Text("试点".into());
        rows.row(
            &at(Kind::Pilots, "试点"),
            RowRef {
                source_row: 3,
                source_col: 0,
                values: &pilot,
            },
        );
        let batches = rows.finish().unwrap();
        let sizes: Vec<(Kind, usize)> = batches.iter().map(|(k, b)| (*k, b.num_rows())).collect();
        assert_eq!(
            sizes,
            [
                (Kind::Tasks, 2),
                (Kind::Tasks, 2),
                (Kind::Tasks, 1),
                (Kind::Pilots, 1)
            ]
        );
        let column = |name: &str| -> Vec<String> {
            batches
                .iter()
                .filter(|(k, _)| *k == Kind::Tasks)
                .flat_map(|(_, b)| {
                    let c = b.column_by_name(name).unwrap().as_string::<i32>().clone();
                    (0..c.len()).map(move |i| c.value(i).to_string())
                })
                .collect()
        };
        assert_eq!(column("task"), tasks);
        assert_eq!(column("source_sheet")[2..4], ["台账一", "台账二"]);
        assert_eq!(column("source_cell"), ["B4", "B5", "B6", "B7", "B8"]);
        assert!(column("period").iter().all(|p| p == "2024Q2"));
        assert!(
            column("submission_id")
                .iter()
                .all(|p| p == "0123456789abcdef")
        );

        let mut dry = ArrowRows::new("0123456789abcdef", 2, false);
        let values = task_values("任务");
        dry.row(
            &at(Kind::Tasks, "台账"),
            RowRef {
                source_row: 4,
                source_col: 1,
                values: &values,
            },
        );
        assert!(dry.finish().unwrap().is_empty(), "a dry run builds nothing");
    }
}
