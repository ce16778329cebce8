//! The ingest itself: files hashed and parsed in parallel, then archived and
//! streamed into the batch's lake parts in input order, and committed once.

use chrono::{DateTime, FixedOffset};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::archive::{Lookup, ReceivedTimes, archive};
use super::inputs::{Input, Options, Source, hints_for, hints_key, source_of};
use super::parse::{self, Context, Hints, ParsedFile};
use super::summary::{FileOutcome, FileReport, ImportSummary};
use super::{Code, Issue, Severity};
use crate::error::{Error, Result};
use crate::lake::schema::{self, IssueRow, SubmissionRow};
use crate::lake::{BatchWriter, Earlier, KnownFiles, Lake, RejectedFile, UNKNOWN_PERIOD};
use crate::ledger::Kind;
use crate::workspace::Workspace;

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
) -> Result<ImportSummary> {
    run_with(ws, inputs, opts, progress, None, Compact::AfterCommit)
}

/// A file hashed and parsed ahead of its ingest, without the writer lock
/// ([`prepare`]): [`run_prepared`] then only archives it and writes its rows,
/// so a file slow to read never holds the lock while it is read.
pub struct Prepared(std::sync::Mutex<Option<ReadResult>>);

impl Prepared {
    /// About how much memory this reading holds until it is committed: the
    /// file's bytes (kept for the archive), its rows as Arrow batches, and
    /// the marked sheets and issues kept for the clerk's feedback. An
    /// estimate for [`crate::config::Portal::queue_mb`], erring high: a
    /// shared string is counted once per cell that shows it.
    pub fn held_bytes(&self) -> u64 {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let Some(ReadResult {
            read: (_, Some(p), _),
            ..
        }) = guard.as_ref()
        else {
            return 0;
        };
        let data = p.data.as_deref().map_or(0, <[u8]>::len);
        let batches: usize = p
            .kind_batches
            .iter()
            .map(|(_, b)| b.get_array_memory_size())
            .sum();
        let sheets: usize = p
            .parsed
            .marked_sheets
            .iter()
            .flatten()
            .map(sheet_bytes)
            .sum();
        let issues = p.parsed.issues.len() * ISSUE_BYTES;
        (data + batches + sheets + issues) as u64
    }
}

/// What one issue holds, about: its code, cell, and a sentence or two.
const ISSUE_BYTES: usize = 256;

fn sheet_bytes(grid: &super::read::SheetGrid) -> usize {
    use super::read::CellValue;
    grid.rows
        .iter()
        .map(|row| {
            row.capacity() * std::mem::size_of::<CellValue>()
                + row
                    .iter()
                    .map(|c| match c {
                        CellValue::Text(t) => t.len(),
                        _ => 0,
                    })
                    .sum::<usize>()
        })
        .sum()
}

/// Hashes and parses `input` as [`run`] would, writing nothing; needs no
/// lock. `known` may be older than the lake: a file it does not know is
/// parsed, and [`run_prepared`] decides again with the lake as it then is
/// (a file known once stays known).
pub fn prepare(ws: &Workspace, input: &Input, opts: &Options, known: &KnownFiles) -> Prepared {
    let rules = ws.rules();
    // The portal makes the clerk's feedback workbook from this reading.
    let ctx = Context {
        roster: &ws.roster,
        rules,
        limits: ws.config.limits,
        keep_marked_sheets: true,
    };
    Prepared(std::sync::Mutex::new(Some(read_and_parse(
        input, opts, known, ctx,
    ))))
}

/// Whether an ingest compacts the lake after its commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compact {
    /// As [`run`] does: each (table, period) past
    /// [`crate::lake::AUTO_COMPACT_PARTS`] parts has its smallest merged.
    AfterCommit,
    /// Left to the caller, who compacts at a quieter moment (the portal,
    /// before its rebuild): during a burst of small batches each row would
    /// otherwise be rewritten at every tier it climbs.
    Later,
}

/// [`run`] on files already [`prepare`]d (one per input, in order, with the
/// same options). The caller holds the workspace lock.
pub fn run_prepared(
    ws: &Workspace,
    inputs: &[Input],
    prepared: &[Prepared],
    opts: &Options,
    compact: Compact,
) -> Result<ImportSummary> {
    if prepared.len() != inputs.len() || opts.dry_run {
        return Err(Error::Usage(format!(
            "内部错误 / internal: {} prepared files for {} inputs",
            prepared.len(),
            inputs.len()
        )));
    }
    run_with(ws, inputs, opts, &|_, _| {}, Some(prepared), compact)
}

fn run_with(
    ws: &Workspace,
    inputs: &[Input],
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
    prepared: Option<&[Prepared]>,
    compact: Compact,
) -> Result<ImportSummary> {
    let lake = Lake::new(ws.lake());
    // What an ingest that died left in the lake was removed when the caller
    // took the workspace lock (`Workspace::lock`), not again here.
    let mut report = ImportSummary::default();
    let known = lake.known_files()?;
    let rules = ws.rules();
    let ctx = Context {
        roster: &ws.roster,
        rules,
        limits: ws.config.limits,
        keep_marked_sheets: false,
    };
    let sink = Sink {
        ws,
        opts,
        known: &known,
        now: chrono::Utc::now().with_timezone(&crate::normalize::time::china()),
        receipts: ReceivedTimes::default(),
        seen: HashMap::new(),
        writer: (!opts.dry_run).then(|| BatchWriter::new(&lake)),
        log: crate::receipts::Log::new(&ws.archive()),
        files: Vec::new(),
        rejected: Vec::new(),
        names: Vec::new(),
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
                    let result = match prepared {
                        Some(p) => p[i]
                            .0
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .take()
                            .unwrap_or_else(|| ReadResult {
                                read: (None, None, Some("内部错误 / internal: read twice".into())),
                                hints: hints_for(&inputs[i], opts),
                            }),
                        None => read_and_parse(&inputs[i], opts, known, ctx),
                    };
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
    // Named by what it holds, so rerunning a batch after a crash rewrites the
    // same part names; a new attempt at bytes rejected before is named by its
    // hints too, so it never takes an earlier batch's names.
    let batch_id = crate::lake::batch_id(&sink.names);
    // Named after the batch inside the commit's flush, so a committed batch
    // always has its receipts (a crash before the marker: recovery removes it).
    sink.log.finish(&batch_id)?;
    writer.commit(
        &batch_id,
        std::mem::take(&mut sink.files),
        std::mem::take(&mut sink.rejected),
    )?;
    report.batch_id = Some(batch_id);
    if compact == Compact::AfterCommit {
        report.compacted = lake
            .compact(crate::lake::Compaction::Tiered {
                above: crate::lake::AUTO_COMPACT_PARTS,
            })?
            .1;
    }
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
    known: &'a KnownFiles,
    now: DateTime<FixedOffset>,
    receipts: ReceivedTimes,
    /// sha256 → the inputs of this ingest read with those bytes.
    seen: HashMap<String, Vec<Seen>>,
    /// `None` in a dry run.
    writer: Option<BatchWriter<'a>>,
    /// The batch's receipts (`archive/receipts/`), one line per file archived.
    log: crate::receipts::Log,
    /// sha256 of every file the batch records.
    files: Vec<String>,
    /// The files of `files` rejected as a whole, with their hints.
    rejected: Vec<RejectedFile>,
    /// What names the batch: each file's sha256, with its hints for a new
    /// attempt at bytes read before.
    names: Vec<String>,
}

/// An earlier input of the same ingest with the same bytes.
struct Seen {
    /// As a message names it ([`Input::shown`]).
    shown: String,
    accepted: bool,
    hints: String,
}

impl Sink<'_> {
    fn take(&mut self, input: &Input, result: ReadResult) -> Result<FileReport> {
        let ReadResult {
            read: (hash, parsed, error),
            hints: read_hints,
        } = result;
        let sha = hash.as_ref().map(|(s, _)| s.clone());
        let hints = hints_key(&read_hints);
        let same_earlier = |seen: &HashMap<String, Vec<Seen>>, sha: &str| {
            seen.get(sha)
                .and_then(|all| all.iter().find(|s| s.accepted || s.hints == hints))
                .map(|s| (s.shown.clone(), s.accepted))
        };
        let outcome = match (hash, parsed, error) {
            (_, _, Some(error)) => FileOutcome::Failed { error },
            (Some((sha, _)), _, None) if self.known.earlier(&sha, &hints).is_some() => {
                let earlier = self.known.earlier(&sha, &hints);
                FileOutcome::Skipped {
                    reason: skip_reason(earlier),
                    accepted: earlier == Some(Earlier::Accepted),
                }
            }
            (Some((sha, _)), _, None) if same_earlier(&self.seen, &sha).is_some() => {
                let (first, accepted) = same_earlier(&self.seen, &sha).unwrap_or_default();
                FileOutcome::Skipped {
                    reason: format!("与本批 {first} 内容相同 / same bytes as {first}"),
                    accepted,
                }
            }
            (Some((sha, bytes)), Some(p), None) => {
                let ParsedWithBytes {
                    mut parsed,
                    ext,
                    data,
                    kind_batches,
                } = p;
                let attempt_again =
                    self.known.rejected.contains_key(&sha) || self.seen.contains_key(&sha);
                self.seen.entry(sha.clone()).or_default().push(Seen {
                    shown: input.shown(),
                    accepted: parsed.accepted(),
                    hints: hints.clone(),
                });
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
                        &mut self.log,
                        &read_hints,
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
                    self.names.push(if attempt_again {
                        format!("{sha} {hints}")
                    } else {
                        sha.clone()
                    });
                    if !parsed.accepted() {
                        self.rejected.push(RejectedFile {
                            sha256: sha.clone(),
                            hints: hints.clone(),
                        });
                    }
                }
                FileOutcome::Read {
                    parsed: Box::new(parsed),
                    submissions,
                }
            }
            _ => FileOutcome::Failed {
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
        let given_at = input.given.as_ref().and_then(|g| g.received_at);
        if let Some(t) = replayed_at.or(given_at).or(self.opts.received_at) {
            return Ok(t);
        }
        // Bytes from the network (their name is only a name, their folder
        // the server's): no received.csv applies.
        if input.bytes.is_some() || input.given.is_some() {
            return Ok(self.now);
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
    data: Option<Data>,
    /// One Arrow batch per accepted kind, built on the parsing thread.
    kind_batches: Vec<(Kind, arrow::array::RecordBatch)>,
}

/// What reading one file gave: its hash and size, the parse (None when the
/// file was known), or why it could not be read — with the hints it was
/// read under, worked out once on the reading thread for the writer and the
/// archive to use as they are.
struct ReadResult {
    read: Read,
    hints: Hints,
}

type Read = (
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
    known: &KnownFiles,
    ctx: Context<'_>,
) -> ReadResult {
    let hints = hints_for(input, opts);
    let read = read_under(input, opts, known, ctx, &hints);
    ReadResult { read, hints }
}

fn read_under(
    input: &Input,
    opts: &Options,
    known: &KnownFiles,
    ctx: Context<'_>,
    hints: &Hints,
) -> Read {
    let key = hints_key(hints);
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
    if let Some(bytes) = &input.bytes {
        return parse_bytes(
            input,
            opts,
            known,
            ctx,
            Data::Shared(bytes.clone()),
            &key,
            hints,
        );
    }
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let limit = ctx.limits.max_file_mb.saturating_mul(1024 * 1024);
    let file_name = input.file_name();
    let ext = super::archive::extension_of(&file_name);
    if meta.len() > limit {
        let sha = match crate::digest::sha256_file(path) {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        if known.earlier(&sha, &key).is_some() {
            return (Some((sha, meta.len())), None, None);
        }
        let parsed = ParsedFile {
            issues: vec![parse::too_large(meta.len(), ctx.limits.max_file_mb)],
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
    match fs::read(path) {
        Ok(b) => parse_bytes(input, opts, known, ctx, Data::Owned(b), &key, hints),
        Err(e) => fail(e),
    }
}

/// The file's bytes, read from its path or received whole.
enum Data {
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Owned(v) => v,
            Data::Shared(b) => b,
        }
    }
}

/// The second half of [`read_and_parse`], on the bytes. Bytes over the size
/// limit arrive here only when received whole: they are rejected unparsed.
fn parse_bytes(
    input: &Input,
    opts: &Options,
    known: &KnownFiles,
    ctx: Context<'_>,
    bytes: Data,
    key: &str,
    hints: &Hints,
) -> Read {
    let file_name = input.file_name();
    let ext = super::archive::extension_of(&file_name);
    let sha = crate::digest::sha256_hex(&bytes);
    if known.earlier(&sha, key).is_some() {
        return (Some((sha, bytes.len() as u64)), None, None);
    }
    // Accepted rows become Arrow on this thread as they are read; a dry run
    // keeps none.
    let mut rows = ArrowRows::new(&sha[..16], parse::ROW_CHUNK, !opts.dry_run);
    let parsed = parse::parse_file_with(&bytes, &file_name, hints, ctx, &mut rows);
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

    /// Every batch, in the order they were closed (a kind's rows in the order
    /// read), with each ledger's row keys filled in.
    fn finish(mut self) -> Result<Vec<(Kind, arrow::array::RecordBatch)>> {
        for mut builder in self.open.into_iter().flatten() {
            if !builder.is_empty() {
                self.done.push((builder.kind(), builder.finish()?));
            }
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        // A file holds at most one ledger of each kind: its batches together.
        for kind in Kind::ALL
            .into_iter()
            .filter(|k| crate::ledger::keys::is_compared(*k))
        {
            let mut batches: Vec<_> = self
                .done
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, b)| b.clone())
                .collect();
            schema::fill_keys(kind, &mut batches)?;
            let mut filled = batches.into_iter();
            for (k, b) in self.done.iter_mut() {
                if *k == kind {
                    *b = filled.next().expect("one filled batch per batch");
                }
            }
        }
        Ok(self.done)
    }
}

impl parse::RowSink for ArrowRows<'_> {
    fn expect(&mut self, kind: Kind, rows: usize) {
        self.expected[kind.index()] += rows;
    }

    fn row(&mut self, ledger: &parse::LedgerAt<'_>, row: super::rows::RowRef<'_>) {
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

fn skip_reason(earlier: Option<Earlier>) -> String {
    match earlier {
        Some(Earlier::RejectedWithSameHints) => "已读过并拒收；如需重读，请用 --region/--period/--kind 指明 / \
            read before and rejected with these same hints; give --region, --period or --kind to read it again"
            .into(),
        _ => "已在数据湖中 / already in the lake".into(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse::{LedgerAt, RowSink};
    use crate::ingest::rows::RowRef;
    use crate::ledger::Value;
    use crate::normalize::Period;
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
