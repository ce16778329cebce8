//! `taizhang run PIPELINE.toml`: run a pipeline's steps in order, holding the
//! workspace lock from the first write to the end, and leave a run record
//! (`runs/<run_id>.json`) that says what each step did — written when the run
//! starts, so a run that is killed shows as unfinished.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Globals, Outcome};
use crate::ingest::{Options, Source};
use crate::pipeline::{Loaded, Step};
use crate::runs::{self, RunRecord, StepRecord};
use crate::workspace::{Workspace, WorkspaceLock};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 流水线文件 / the pipeline file.
    pub pipeline: PathBuf,
}

/// The open workspace, its lock and the run's record, once a step needs them.
struct Session {
    ws: Workspace,
    _lock: WorkspaceLock,
    record: RunRecord,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Outcome> {
    let loaded = Loaded::read(&args.pipeline)?;
    let root = loaded.workspace(globals.workspace.as_deref());
    let mut session: Option<Session> = None;
    let result = run_steps(globals, &loaded, &root, &mut session);
    // Whatever happened, the record says how the run ended.
    if let Some(s) = session.as_mut() {
        match &result {
            Ok(outcome) => s.record.finish(outcome.exit_code(), None),
            Err(e) => s.record.finish(2, Some(format!("{e:#}"))),
        }
        s.record.write(&s.ws.runs())?;
    }
    result
}

fn run_steps(
    globals: &Globals,
    loaded: &Loaded,
    root: &Path,
    session: &mut Option<Session>,
) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let mut outcome = Outcome::Done;
    let total = loaded.pipeline.steps.len();
    for (i, step) in loaded.pipeline.steps.iter().enumerate() {
        if !globals.json {
            writeln!(out, "==> [{}/{total}] {}", i + 1, step.name())?;
        }
        if let Step::Init { roster } = step {
            init(globals, loaded, root, roster.as_deref(), &mut out)?;
            continue;
        }
        if session.is_none() {
            let ws = Workspace::open(root)?;
            // The lock comes first: a second run must not even write a record.
            let lock = ws.lock()?;
            let mut record = RunRecord::start("pipeline");
            record.pipeline = Some(loaded.path.display().to_string());
            record.write(&ws.runs())?;
            *session = Some(Session {
                ws,
                _lock: lock,
                record,
            });
        }
        let s = session.as_mut().expect("opened above");
        let started = runs::now();
        match step {
            Step::Init { .. } => unreachable!("handled above"),
            Step::Ingest {
                paths,
                kind,
                region,
                period,
            } => {
                let opts = Options {
                    kind: kind
                        .as_deref()
                        .map(str::parse)
                        .transpose()
                        .map_err(anyhow::Error::msg)?,
                    region: region.clone(),
                    period: period.as_deref().map(str::parse).transpose()?,
                    received_at: None,
                    dry_run: false,
                    source: Source::Pipeline,
                };
                let paths: Vec<PathBuf> = paths.iter().map(|p| loaded.resolve(p, root)).collect();
                let inputs = crate::ingest::collect(&paths)?;
                let report =
                    super::ingest::ingest_with_progress(&s.ws, &inputs, &opts, globals.json)?;
                super::ingest::print_report(&report, false, globals.json, &mut out)?;
                outcome = outcome.worst(super::ingest::outcome(&report));
                s.record
                    .steps
                    .push(super::ingest::step_record(&report, started));
            }
            Step::Build {} => {
                let report = crate::warehouse::build(&s.ws, &s.record.run_id)?;
                super::build::print_report(&report, globals.json, &mut out)?;
                outcome = outcome.worst(super::build::outcome(&report));
                s.record
                    .steps
                    .push(super::build::step_record(&report, started));
                s.record.tests = report.test_records();
            }
            Step::Query { sql, title } => {
                if let Some(t) = title.as_ref().filter(|_| !globals.json) {
                    writeln!(out, "{t}")?;
                }
                let batches = super::query::query(root, sql)?;
                let format = if globals.json {
                    super::output::Format::Json
                } else {
                    super::output::Format::Table
                };
                super::output::write(&batches, format, &mut out)?;
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                s.record
                    .steps
                    .push(step_record("query", started, &[("rows", rows)]));
            }
            Step::Report {
                period,
                formats,
                out: dir,
            } => {
                let period = period.as_deref().filter(|p| *p != "latest");
                let dir = dir.as_deref().map(|d| loaded.resolve(d, root));
                let written = super::report::write_reports(
                    root,
                    period,
                    &[],
                    formats.as_deref().unwrap_or(&[]),
                    dir.as_deref(),
                )?;
                for p in &written {
                    if !globals.json {
                        writeln!(out, "报告已生成 / report written: {}", p.display())?;
                    }
                }
                s.record
                    .steps
                    .push(step_record("report", started, &[("files", written.len())]));
            }
            Step::Export {
                marts,
                format,
                out: dir,
            } => {
                let dir = loaded.resolve(dir.as_deref().unwrap_or("{workspace}/export"), root);
                let exported = crate::export::export(
                    root,
                    marts.as_deref(),
                    format.as_deref().unwrap_or("parquet"),
                    &dir,
                )?;
                if !globals.json {
                    writeln!(
                        out,
                        "已导出 / exported {} 个文件 files to {}",
                        exported.files,
                        dir.display()
                    )?;
                }
                s.record.steps.push(step_record(
                    "export",
                    started,
                    &[("files", exported.files), ("rows", exported.rows)],
                ));
            }
        }
    }
    Ok(outcome)
}

fn step_record(
    step: &str,
    started_at: chrono::DateTime<chrono::FixedOffset>,
    counts: &[(&str, usize)],
) -> StepRecord {
    StepRecord {
        step: step.into(),
        started_at,
        ended_at: runs::now(),
        counts: counts
            .iter()
            .map(|(k, v)| (k.to_string(), *v as i64))
            .collect(),
    }
}

fn init(
    globals: &Globals,
    loaded: &Loaded,
    root: &Path,
    roster: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if root.join("taizhang.toml").is_file() {
        if !globals.json {
            writeln!(
                out,
                "工作区已存在，跳过 / workspace exists, skipped: {}",
                root.display()
            )?;
        }
        return Ok(());
    }
    let created = Workspace::init(root)?;
    if let Some(r) = roster {
        let src = loaded.resolve(r, root);
        let text = std::fs::read(&src).map_err(crate::Error::io(&src))?;
        crate::fsutil::write_bytes_atomic(&root.join("roster.csv"), &text)?;
    }
    if !globals.json {
        writeln!(
            out,
            "已创建工作区 / workspace created: {} ({} 项 entries)",
            root.display(),
            created.len()
        )?;
    }
    Ok(())
}
