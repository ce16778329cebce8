//! The service layer: every action a user can take, as one function that
//! takes a workspace and plain arguments and returns a typed result. Nothing
//! here prints or picks an exit status: the CLI (`cli/`), the pipelines
//! (`pipeline/run.rs`) and the upload portal call these and present the
//! results their own way, so the three ways in share one core.
//!
//! Actions that write take a [`Writer`]: the workspace with its writer lock
//! held (and what runs that died left behind already cleared). A pipeline
//! holds one `Writer` across its steps; a command opens one for itself.

use arrow::array::RecordBatch;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::ingest::{
    FileOutcome, FileReport, ImportSummary, Input, Options, Received, SubmissionResult,
};
use crate::lake::Lake;
use crate::runs::RunRecord;
pub use crate::runs::Verdict;
use crate::warehouse::export::Exported;
use crate::warehouse::trace::Request;
use crate::warehouse::{self, BuildResult};
use crate::workspace::{Leftovers, Stamp, Workspace, WorkspaceLock};

/// An open workspace whose writer lock this process holds.
#[derive(Debug)]
pub struct Writer {
    ws: Arc<Workspace>,
    lock: WorkspaceLock,
}

impl Writer {
    /// Opens the workspace at `root` and takes its lock; refused with
    /// [`Error::LockHeld`] while another writer has it.
    pub fn open(root: &Path) -> Result<Writer> {
        Writer::of(Arc::new(Workspace::open(root)?))
    }

    /// Takes the lock of a workspace already open ([`KeptWorkspace`]).
    pub fn of(ws: Arc<Workspace>) -> Result<Writer> {
        let lock = ws.lock()?;
        Ok(Writer { ws, lock })
    }

    pub fn ws(&self) -> &Workspace {
        &self.ws
    }

    /// What taking the lock cleared away.
    pub fn leftovers(&self) -> Leftovers {
        self.lock.leftovers()
    }

    /// Runs `action` as one recorded run (`runs/<run_id>.json`, written when
    /// it starts and again when it ends, so a killed run shows unfinished).
    /// `action` adds its steps to the record and says how it ended.
    pub fn recorded<T>(
        &self,
        command: &str,
        action: impl FnOnce(&mut RunRecord) -> Result<(T, Verdict)>,
    ) -> Result<T> {
        let run = || {
            let mut record = RunRecord::start(command);
            record.write(&self.ws.runs())?;
            match action(&mut record) {
                Ok((value, verdict)) => {
                    record.finish(verdict.exit_code(), None);
                    record.write(&self.ws.runs())?;
                    Ok(value)
                }
                Err(e) => {
                    record.finish(2, Some(e.to_string()));
                    record.write(&self.ws.runs())?;
                    Err(e)
                }
            }
        };
        let result = run();
        // What the next writer must sweep: nothing after work that ended
        // well, everything after work that failed midway (Workspace::lock).
        match &result {
            Ok(_) => self.lock.ended_well(),
            Err(_) => self.lock.failed(),
        }
        result
    }
}

/// `init`: writes a default workspace; never overwrites. The paths created.
pub fn init(root: &Path) -> Result<Vec<PathBuf>> {
    Workspace::init(root)
}

/// `ingest`: reads `inputs` into the archive and the lake. `progress` is
/// told (files done, files in all) as files are read.
pub fn ingest(
    w: &Writer,
    inputs: &[Input],
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportSummary> {
    let opts = Options {
        dry_run: false,
        ..opts.clone()
    };
    let mut summary = crate::ingest::run(&w.ws, inputs, &opts, progress)?;
    summary.recovered_parts += w.leftovers().total();
    Ok(summary)
}

/// Hashes and parses a received file ahead of its ingest, without the
/// writer lock: the slow part of an ingest, so a server can read files in
/// parallel while another commits. `known` may be a stale view of the lake.
pub fn prepare(
    ws: &Workspace,
    input: &Input,
    opts: &Options,
    known: &crate::lake::KnownFiles,
) -> crate::ingest::Prepared {
    crate::ingest::prepare(ws, input, opts, known)
}

/// [`ingest`] of files already [`prepare`]d: under the lock only their
/// archiving, their rows written and the one commit (and the compaction
/// after it, unless `compact` leaves it to [`compact_tiered`] later).
pub fn ingest_prepared(
    w: &Writer,
    inputs: &[Input],
    prepared: &[crate::ingest::Prepared],
    opts: &Options,
    compact: crate::ingest::Compact,
) -> Result<ImportSummary> {
    let opts = Options {
        dry_run: false,
        ..opts.clone()
    };
    let mut summary = crate::ingest::run_prepared(&w.ws, inputs, prepared, &opts, compact)?;
    summary.recovered_parts += w.leftovers().total();
    Ok(summary)
}

/// A received file in the lake: what its sender is told, and what the
/// ingest made of it (the portal keeps both: the record, and the annotated
/// workbook made from its issues).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub result: SubmissionResult,
    pub file: FileReport,
}

/// A received file (an upload, say) into the archive and the lake: read
/// ([`prepare`]), then committed ([`ingest_prepared`]) and answered
/// ([`submitted`]) — the very steps the portal takes for every upload, its
/// reading outside the writer lock — with the checks of [`ingest`] behind it.
pub fn submit(w: &Writer, received: Received) -> Result<SubmissionResult> {
    let (input, opts) = received.into_input(false);
    let known = Lake::new(w.ws.lake()).known_files()?;
    let prepared = prepare(&w.ws, &input, &opts, &known);
    let summary = ingest_prepared(
        w,
        std::slice::from_ref(&input),
        std::slice::from_ref(&prepared),
        &opts,
        crate::ingest::Compact::AfterCommit,
    )?;
    one(submitted(summary, std::slice::from_ref(&input))?)
}

/// [`submit`] without writing anything: what the clerk would be told.
pub fn check_submission(ws: &Workspace, received: Received) -> Result<SubmissionResult> {
    let (input, opts) = received.into_input(true);
    let summary = check(ws, std::slice::from_ref(&input), &opts, &|_, _| {})?;
    one(submitted(summary, std::slice::from_ref(&input))?)
}

fn one(mut answers: Vec<Result<Submitted>>) -> Result<SubmissionResult> {
    match answers.pop() {
        Some(answer) if answers.is_empty() => answer.map(|s| s.result),
        _ => Err(Error::Usage(
            "一个文件须得到一个结果 / one file must give one result".into(),
        )),
    }
}

/// Each received file's answer from the ingest of `inputs` (in order): its
/// result, or why the file gave none (it could not be read, say). The one
/// place a received file's answer is made, for the CLI's and the library's
/// [`submit`], the API and the upload form alike.
pub fn submitted(summary: ImportSummary, inputs: &[Input]) -> Result<Vec<Result<Submitted>>> {
    if summary.files.len() != inputs.len() {
        return Err(Error::Usage(format!(
            "{} files gave {} results",
            inputs.len(),
            summary.files.len()
        )));
    }
    Ok(inputs
        .iter()
        .zip(summary.files)
        .map(|(input, file)| {
            let result = SubmissionResult::of(&file, &input.file_name());
            match (result, &file.outcome) {
                (Some(result), _) => Ok(Submitted { result, file }),
                (None, FileOutcome::Failed { error }) => {
                    Err(Error::Usage(format!("{}: {error}", input.shown())))
                }
                (None, _) => Err(Error::Usage(format!(
                    "{}: 文件未能接收 / the file was not received",
                    input.shown()
                ))),
            }
        })
        .collect())
}

/// `ingest --dry-run`: validates `inputs` and writes nothing; needs no lock.
pub fn check(
    ws: &Workspace,
    inputs: &[Input],
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportSummary> {
    let opts = Options {
        dry_run: true,
        ..opts.clone()
    };
    crate::ingest::run(ws, inputs, &opts, progress)
}

/// `build`: rebuilds the warehouse from the lake and runs the data tests,
/// recording their results under `run_id`. With `as_of`, only the
/// submissions received by then are read: the warehouse as it stood.
pub fn build(
    w: &Writer,
    run_id: &str,
    as_of: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Result<BuildResult> {
    warehouse::build_as_of(&w.ws, run_id, as_of)
}

/// Where a build goes: `--out`, else an as-of build's own file, else the
/// live warehouse. An as-of build never replaces the live one.
pub fn build_target(
    root: &Path,
    as_of: Option<&chrono::DateTime<chrono::FixedOffset>>,
    out: Option<&Path>,
) -> Result<PathBuf> {
    let live = root.join("warehouse.duckdb");
    let Some(as_of) = as_of else {
        return Ok(out.map(Path::to_path_buf).unwrap_or(live));
    };
    let target = match out {
        Some(out) => out.to_path_buf(),
        // No ':' in the name: it is copied to Windows machines.
        None => root.join("warehouses").join(format!(
            "as-of-{}.duckdb",
            as_of.format("%Y-%m-%dT%H%M%S%z")
        )),
    };
    if same_file(&target, &live) {
        return Err(Error::Usage(format!(
            "按历史时刻构建不能覆盖在用的仓库（门户、SQL 端点和定时任务读它）；请用 --out 指定另一个文件 / \
             an as-of build never replaces the live {}, which the portal, the SQL endpoint and the \
             nightly job read: give --out another file",
            live.display()
        )));
    }
    Ok(target)
}

/// Whether two paths name one file, whether or not it exists yet: their
/// folders resolved, their names equal.
fn same_file(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        (
            std::fs::canonicalize(dir).ok(),
            p.file_name().map(|n| n.to_owned()),
        )
    };
    let (da, na) = resolve(a);
    let (db, nb) = resolve(b);
    da.is_some() && da == db && na == nb
}

/// `build --out FILE`: as [`build`], into `target` instead of the live
/// warehouse (an as-of build's own file).
pub fn build_to(
    w: &Writer,
    run_id: &str,
    as_of: Option<chrono::DateTime<chrono::FixedOffset>>,
    target: &Path,
) -> Result<BuildResult> {
    warehouse::build_to(&w.ws, run_id, as_of, target)
}

/// `compact`: merges the lake's parts, one per (table, period). Returns
/// (groups merged, parts replaced).
pub fn compact(w: &Writer) -> Result<(usize, usize)> {
    Lake::new(w.ws.lake()).compact(crate::lake::Compaction::All)
}

/// The compaction an ingest does after its commit, for ingests that left it
/// for later ([`crate::ingest::Compact::Later`]). Returns (groups merged,
/// parts replaced).
pub fn compact_tiered(w: &Writer) -> Result<(usize, usize)> {
    Lake::new(w.ws.lake()).compact(crate::lake::Compaction::Tiered {
        above: crate::lake::AUTO_COMPACT_PARTS,
    })
}

/// `query`: one read-only query against a warehouse file (the workspace's
/// `warehouse.duckdb`, or an as-of build's own file); works while a build
/// runs (a build publishes a new file by renaming it).
///
/// A result without rows is still one (empty) batch with the result's
/// columns, so a file written from it has the columns and no rows.
pub fn query(db: &Path, sql: &str) -> Result<Vec<RecordBatch>> {
    let conn = warehouse::open_file_read_only(db)?;
    let mut stmt = conn.prepare(sql)?;
    let result = stmt.query_arrow([])?;
    let schema = result.get_schema();
    let mut batches: Vec<RecordBatch> = result.collect();
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}

/// A figure and the ledger rows it was computed from.
#[derive(Debug, Clone)]
pub struct Traced {
    pub figure: Vec<RecordBatch>,
    pub rows: Vec<RecordBatch>,
}

/// `trace`: the source rows (file, sheet, row, values) behind a figure, in
/// the warehouse file `db`.
pub fn trace(db: &Path, req: &Request) -> Result<Traced> {
    let conn = warehouse::open_file_read_only(db)?;
    let plan = crate::warehouse::trace::plan(&conn, req)?;
    let run = |sql: &str| -> Result<Vec<RecordBatch>> {
        let mut stmt = conn.prepare(sql)?;
        Ok(stmt.query_arrow([])?.collect())
    };
    let figure = run(&plan.figure_sql)?;
    if figure.iter().all(|b| b.num_rows() == 0) {
        return Err(Error::Usage(format!(
            "{} 没有 {} 在 {} 的数据 / {} has no row for scope {} in {}",
            req.mart, req.scope, req.period, req.mart, req.scope, req.period
        )));
    }
    let rows = run(&plan.rows_sql)?;
    Ok(Traced { figure, rows })
}

/// `report`: writes the period report (None = the latest period) from the
/// warehouse file `db`. See [`crate::report::write`].
pub fn report(
    db: &Path,
    period: Option<&str>,
    outs: &[PathBuf],
    formats: &[String],
    default_dir: &Path,
) -> Result<Vec<PathBuf>> {
    crate::report::write(db, period, outs, formats, default_dir)
}

/// `report --year`: the annual assessment report of `year` (DESIGN §14).
/// With no `outs`, writes `formats` (default xlsx and html) under
/// `default_dir`; `outs` given, exactly those files.
pub fn annual_report(
    db: &Path,
    year: i32,
    formats: &[String],
    default_dir: &Path,
) -> Result<Vec<PathBuf>> {
    crate::report::write_annual(db, year, &[], formats, default_dir)
}

/// `report --year … --out FILE…`: the annual report to the files named.
pub fn annual_report_to(db: &Path, year: i32, outs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    crate::report::write_annual(db, year, outs, &[], Path::new("reports"))
}

/// `export`: chosen marts (None = every `mart_*`) as `parquet` or `csv`,
/// one folder per period, under `out`.
pub fn export(db: &Path, marts: Option<&[String]>, format: &str, out: &Path) -> Result<Exported> {
    crate::warehouse::export::export(db, marts, format, out)
}

/// A workspace kept open by a process that writes again and again (the
/// portal's commits and rebuilds), opened anew only when `taizhang.toml` or
/// `roster.csv` changes: opening parses both, and reading builds the header
/// rules, once per commit otherwise.
pub struct KeptWorkspace {
    root: PathBuf,
    kept: std::sync::Mutex<(Stamp, Arc<Workspace>)>,
}

impl KeptWorkspace {
    pub fn open(root: &Path) -> Result<KeptWorkspace> {
        // Known before it is read, so a change while it is read is seen.
        let stamp = Workspace::stamp(root);
        let ws = Arc::new(Workspace::open(root)?);
        Ok(KeptWorkspace {
            root: root.to_path_buf(),
            kept: std::sync::Mutex::new((stamp, ws)),
        })
    }

    /// The workspace as its files now are.
    pub fn current(&self) -> Result<Arc<Workspace>> {
        let stamp = Workspace::stamp(&self.root);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.0 != stamp {
            *kept = (stamp, Arc::new(Workspace::open(&self.root)?));
        }
        Ok(kept.1.clone())
    }

    /// [`Writer::open`] on the workspace as its files now are.
    pub fn writer(&self) -> Result<Writer> {
        Writer::of(self.current()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// The portal's commits leave compaction to its rebuild; an ingest that
    /// compacts after its commit merges once a (table, period) passes
    /// AUTO_COMPACT_PARTS parts.
    #[test]
    fn commits_that_leave_compaction_for_later_keep_their_parts_until_compact_tiered() {
        use crate::ingest::{Compact, Input, Options, Source};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        Workspace::init(&root).unwrap();
        let opts = Options {
            kind: None,
            region: Some("510603".into()),
            period: Some("2024Q2".parse().unwrap()),
            received_at: None,
            dry_run: false,
            source: Source::Cli,
        };
        let ingest = |i: usize, compact: Compact| {
            let path = dir.path().join(format!("任务台账{i}.csv"));
            fs::write(
                &path,
                format!(
                    "序号,改革任务,牵头单位,完成时限,完成状态\n1,改革任务{i},区财政局,2024-12-31,推进中\n"
                ),
            )
            .unwrap();
            let input = Input::new(path, dir.path().to_path_buf());
            let w = Writer::open(&root).unwrap();
            let known = Lake::new(w.ws().lake()).known_files().unwrap();
            let prepared = prepare(w.ws(), &input, &opts, &known);
            let summary = ingest_prepared(
                &w,
                std::slice::from_ref(&input),
                std::slice::from_ref(&prepared),
                &opts,
                compact,
            )
            .unwrap();
            assert_eq!(summary.files.len(), 1);
            summary.compacted
        };
        let lake = Lake::new(root.join("lake"));
        let tasks = || lake.parts("tasks").unwrap().len();
        let limit = crate::lake::AUTO_COMPACT_PARTS;
        for i in 0..=limit {
            assert_eq!(ingest(i, Compact::Later), 0);
        }
        assert_eq!(tasks(), limit + 1, "nothing compacted by the commits");
        let w = Writer::open(&root).unwrap();
        let (_, replaced) = compact_tiered(&w).unwrap();
        drop(w);
        assert!(replaced > limit, "{replaced} parts replaced");
        assert_eq!(tasks(), 1);

        for i in 0..=limit {
            ingest(100 + i, Compact::AfterCommit);
        }
        assert!(tasks() <= limit, "{} parts: an ingest compacts", tasks());
    }

    #[test]
    fn a_kept_workspace_is_opened_again_only_when_its_config_or_roster_changes() {
        let dir = tempfile::tempdir().unwrap();
        Workspace::init(dir.path()).unwrap();
        let kept = KeptWorkspace::open(dir.path()).unwrap();
        let first = kept.current().unwrap();
        assert!(Arc::ptr_eq(&first, &kept.current().unwrap()), "unchanged");
        assert_eq!(first.config.portal.queue_mb, 256);

        let config = dir.path().join("taizhang.toml");
        let text = fs::read_to_string(&config).unwrap();
        fs::write(&config, text.replace("queue_mb = 256", "queue_mb = 64")).unwrap();
        let second = kept.current().unwrap();
        assert_eq!(second.config.portal.queue_mb, 64);

        let roster = dir.path().join("roster.csv");
        let mut text = fs::read_to_string(&roster).unwrap();
        assert!(second.roster.get("510699").is_none());
        text.push_str("510699,测试县,county,510600,,,\n");
        fs::write(&roster, text).unwrap();
        let third = kept.writer().unwrap();
        assert!(third.ws().roster.get("510699").is_some());
    }
}
