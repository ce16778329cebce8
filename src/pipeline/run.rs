//! Running a pipeline: its steps in order, holding the workspace lock from
//! the first write to the end, with a run record (`runs/<run_id>.json`) that
//! says what each step did — written when the run starts, so a run that is
//! killed shows as unfinished. Each step is a call into the service layer;
//! what a step produced goes to an [`Observer`] (the CLI prints it).

use arrow::array::RecordBatch;
use std::path::{Path, PathBuf};

use super::spec::{FailOn, Loaded, Step};
use crate::error::{Error, Result};
use crate::ingest::{ImportSummary, Options, Source};
use crate::runs::{RunRecord, StepRecord, Verdict, now};
use crate::service::{self, Writer};
use crate::warehouse::BuildResult;
use crate::warehouse::export::Exported;

/// What one step produced.
#[derive(Debug)]
pub enum StepOutput {
    /// `None` when the workspace existed and `init` was skipped.
    Init {
        root: PathBuf,
        created: Option<usize>,
    },
    Ingest(ImportSummary),
    Build(BuildResult),
    Query {
        title: Option<String>,
        batches: Vec<RecordBatch>,
    },
    Report {
        files: Vec<PathBuf>,
    },
    Export {
        dir: PathBuf,
        exported: Exported,
    },
}

/// Told about each step as the run goes.
pub trait Observer: Sync {
    /// Step `index` (from 0) of `total` is starting.
    fn step_started(&mut self, _index: usize, _total: usize, _step: &Step) {}
    /// An ingest step has read `done` of `total` files.
    fn ingest_progress(&self, _done: usize, _total: usize) {}
    /// A step is done; an error here stops the run.
    fn step_done(&mut self, output: &StepOutput) -> Result<()>;
}

/// How a pipeline run ended.
#[derive(Debug)]
pub struct PipelineRun {
    /// Judged by the pipeline's `fail_on`.
    pub verdict: Verdict,
    /// None when the run wrote nothing (only an `init` that was skipped).
    pub record: Option<RunRecord>,
    /// The workspace the run used.
    pub workspace: PathBuf,
    /// The pipeline's `next_steps`, `{workspace}` substituted.
    pub next_steps: Option<String>,
}

/// Runs `loaded` on the workspace `--workspace` names (`flag`), else the
/// one the pipeline names, else the current folder.
pub fn run(
    loaded: &Loaded,
    flag: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<PipelineRun> {
    let root = loaded.workspace(flag);
    let mut writer: Option<(Writer, RunRecord)> = None;
    let result = run_steps(loaded, &root, &mut writer, observer);
    // Whatever happened, the record says how the run ended.
    let record = match writer {
        Some((w, mut record)) => {
            match &result {
                Ok(verdict) => record.finish(verdict.exit_code(), None),
                Err(e) => record.finish(2, Some(e.to_string())),
            }
            record.write(&w.ws().runs())?;
            Some(record)
        }
        None => None,
    };
    let verdict = result?;
    let next_steps = loaded
        .pipeline
        .next_steps
        .as_ref()
        .map(|t| t.replace("{workspace}", &root.display().to_string()));
    Ok(PipelineRun {
        verdict,
        record,
        workspace: root,
        next_steps,
    })
}

fn run_steps(
    loaded: &Loaded,
    root: &Path,
    writer: &mut Option<(Writer, RunRecord)>,
    observer: &mut dyn Observer,
) -> Result<Verdict> {
    let fails = |on: FailOn| loaded.pipeline.fail_on.contains(&on);
    let mut verdict = Verdict::Done;
    // The warehouse the reading steps read: the live one, until a build
    // step with its own file (an as-of build) says otherwise.
    let mut db = root.join("warehouse.duckdb");
    let total = loaded.pipeline.steps.len();
    for (i, step) in loaded.pipeline.steps.iter().enumerate() {
        observer.step_started(i, total, step);
        if let Step::Init { roster, settings } = step {
            let output = init(loaded, root, roster.as_deref(), settings.as_deref())?;
            observer.step_done(&output)?;
            continue;
        }
        if writer.is_none() {
            // The lock comes first: a second run must not even write a record.
            let w = Writer::open(root)?;
            let mut record = RunRecord::start("pipeline");
            record.pipeline = Some(loaded.path.display().to_string());
            record.write(&w.ws().runs())?;
            *writer = Some((w, record));
        }
        let (w, record) = writer.as_mut().expect("opened above");
        let started = now();
        let (output, step_record) = match step {
            Step::Init { .. } => unreachable!("handled above"),
            Step::Ingest {
                paths,
                kind,
                region,
                period,
                feedback,
            } => {
                let opts = Options {
                    kind: kind
                        .as_deref()
                        .map(str::parse)
                        .transpose()
                        .map_err(Error::Usage)?,
                    region: region.clone(),
                    period: period.as_deref().map(str::parse).transpose().map_err(
                        |e: crate::normalize::period::PeriodError| Error::Usage(e.to_string()),
                    )?,
                    received_at: None,
                    dry_run: false,
                    source: Source::Pipeline,
                };
                let paths: Vec<PathBuf> = paths.iter().map(|p| loaded.resolve(p, root)).collect();
                let inputs = crate::ingest::collect(&paths)?;
                let progress = |done, all| observer.ingest_progress(done, all);
                let summary = service::ingest(w, &inputs, &opts, &progress)?;
                // A rerun that read nothing new keeps the feedback it wrote before.
                if let Some(path) = feedback.as_ref().filter(|_| summary.read_any()) {
                    let path = loaded.resolve(path, root);
                    crate::ingest::feedback::write(&path, &summary, w.ws().config.limits, false)?;
                }
                if (fails(FailOn::RejectedFiles) && summary.rejected() > 0)
                    || (fails(FailOn::RejectedRows) && summary.rows_rejected() > 0)
                {
                    verdict = Verdict::Partial;
                }
                let step = summary.step_record(started);
                (StepOutput::Ingest(summary), step)
            }
            Step::Build { as_of, out } => {
                let as_of = as_of
                    .as_deref()
                    .and_then(crate::normalize::time::parse_as_of);
                let out = out.as_deref().map(|o| loaded.resolve(o, root));
                let target = service::build_target(root, as_of.as_ref(), out.as_deref())?;
                let built = service::build_to(w, &record.run_id, as_of, &target)?;
                // The run's later steps read what this step built.
                db = built.path.clone();
                if fails(FailOn::DataTests) {
                    verdict = verdict.worst(built.verdict());
                }
                record.tests = built.test_records();
                let step = built.step_record(started);
                (StepOutput::Build(built), step)
            }
            Step::Query { sql, title } => {
                let batches = service::query(&db, sql)?;
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                let step = StepRecord::new("query", started, &[("rows", rows)]);
                (
                    StepOutput::Query {
                        title: title.clone(),
                        batches,
                    },
                    step,
                )
            }
            Step::Report {
                period,
                year,
                formats,
                out: dir,
            } => {
                let period = period.as_deref().filter(|p| *p != "latest");
                let dir = loaded.resolve(dir.as_deref().unwrap_or("{workspace}/reports"), root);
                let formats = formats.as_deref().unwrap_or(&[]);
                let files = match year {
                    Some(year) => service::annual_report(&db, *year, formats, &dir)?,
                    None => service::report(&db, period, &[], formats, &dir)?,
                };
                let step = StepRecord::new("report", started, &[("files", files.len())]);
                (StepOutput::Report { files }, step)
            }
            Step::Export {
                marts,
                format,
                out: dir,
            } => {
                let dir = loaded.resolve(dir.as_deref().unwrap_or("{workspace}/export"), root);
                let exported = service::export(
                    &db,
                    marts.as_deref(),
                    format.as_deref().unwrap_or("parquet"),
                    &dir,
                )?;
                let step = StepRecord::new(
                    "export",
                    started,
                    &[
                        ("files", exported.files),
                        ("rows", exported.rows),
                        ("unchanged", exported.unchanged),
                    ],
                );
                (StepOutput::Export { dir, exported }, step)
            }
        };
        record.steps.push(step_record);
        observer.step_done(&output)?;
    }
    Ok(verdict)
}

/// The `init` step: a default workspace, only where there is none yet.
fn init(
    loaded: &Loaded,
    root: &Path,
    roster: Option<&str>,
    settings: Option<&str>,
) -> Result<StepOutput> {
    if root.join("taizhang.toml").is_file() {
        return Ok(StepOutput::Init {
            root: root.to_path_buf(),
            created: None,
        });
    }
    // Read both first: a missing file leaves no workspace half made.
    let read = |given: Option<&str>| -> Result<Option<Vec<u8>>> {
        given
            .map(|r| {
                let src = loaded.resolve(r, root);
                std::fs::read(&src).map_err(Error::io(&src))
            })
            .transpose()
    };
    let (roster, settings) = (read(roster)?, read(settings)?);
    if let Some(text) = &settings {
        let text = String::from_utf8_lossy(text);
        crate::config::Config::parse(&text, "settings")?;
    }
    let created = service::init(root)?;
    if let Some(text) = roster {
        crate::fsutil::write_bytes_atomic(&root.join("roster.csv"), &text)?;
    }
    // Written last: taizhang.toml is what says the workspace is made.
    if let Some(text) = settings {
        crate::fsutil::write_bytes_atomic(&root.join("taizhang.toml"), &text)?;
    }
    Ok(StepOutput::Init {
        root: root.to_path_buf(),
        created: Some(created.len()),
    })
}
