//! `taizhang run PIPELINE.toml`: run a pipeline's steps in order, holding the
//! workspace lock from the first write to the end.

use std::io::Write;
use std::path::PathBuf;

use super::{Globals, Outcome};
use crate::ingest::{Options, Source};
use crate::pipeline::{Loaded, Step};
use crate::runs::{self, RunRecord};
use crate::workspace::Workspace;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 流水线文件 / the pipeline file.
    pub pipeline: PathBuf,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Outcome> {
    let loaded = Loaded::read(&args.pipeline)?;
    let root = loaded.workspace(globals.workspace.as_deref());
    let mut out = std::io::stdout().lock();
    let mut outcome = Outcome::Done;
    let mut record = RunRecord::start("pipeline");
    record.pipeline = Some(loaded.path.display().to_string());
    let mut ws: Option<Workspace> = None;
    let mut lock = None;
    for (i, step) in loaded.pipeline.steps.iter().enumerate() {
        if !globals.json {
            writeln!(
                out,
                "==> [{}/{}] {}",
                i + 1,
                loaded.pipeline.steps.len(),
                step.name()
            )?;
        }
        if let Step::Init { roster } = step {
            if root.join("taizhang.toml").is_file() {
                if !globals.json {
                    writeln!(
                        out,
                        "工作区已存在，跳过 / workspace exists, skipped: {}",
                        root.display()
                    )?;
                }
            } else {
                let created = Workspace::init(&root)?;
                if let Some(r) = roster {
                    let src = loaded.resolve(r, &root);
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
            }
            continue;
        }
        if ws.is_none() {
            let opened = Workspace::open(&root)?;
            lock = Some(opened.lock()?);
            ws = Some(opened);
        }
        let ws = ws.as_ref().expect("opened above");
        let step_started = runs::now();
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
                let paths: Vec<PathBuf> = paths.iter().map(|p| loaded.resolve(p, &root)).collect();
                let inputs = crate::ingest::collect(&paths)?;
                let report = super::ingest::ingest_with_progress(ws, &inputs, &opts, globals.json)?;
                super::ingest::print_report(&report, false, globals.json, &mut out)?;
                outcome = outcome.worst(super::ingest::outcome(&report));
                record
                    .steps
                    .push(super::ingest::step_record(&report, step_started));
            }
            Step::Build {} => {
                let report = crate::warehouse::build(ws, &record.run_id)?;
                super::build::print_report(&report, globals.json, &mut out)?;
                outcome = outcome.worst(super::build::outcome(&report));
                record
                    .steps
                    .push(super::build::step_record(&report, step_started));
                record.tests = report.test_records();
            }
            Step::Query { sql, title } => {
                if let Some(t) = title.as_ref().filter(|_| !globals.json) {
                    writeln!(out, "{t}")?;
                }
                let batches = super::query::query(&root, sql)?;
                let format = if globals.json {
                    super::output::Format::Json
                } else {
                    super::output::Format::Table
                };
                super::output::write(&batches, format, &mut out)?;
            }
        }
    }
    if let Some(ws) = &ws {
        record.exit_code = outcome.exit_code();
        record.ended_at = runs::now();
        record.write(&ws.runs())?;
    }
    drop(lock);
    Ok(outcome)
}
