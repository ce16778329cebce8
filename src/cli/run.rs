//! `taizhang run PIPELINE.toml`: run a pipeline (the library's
//! [`crate::pipeline::run`]) and print what each step did as it finishes.

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use super::output::{self, Format};
use crate::pipeline::{self, Loaded, Observer, Step, StepOutput};
use crate::service::Verdict;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 流水线文件 / the pipeline file.
    pub pipeline: PathBuf,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let loaded = Loaded::read(&args.pipeline)?;
    let mut printer = Printer {
        json: globals.json,
        bar: super::ingest::progress_bar(true),
    };
    let done = pipeline::run(&loaded, globals.workspace.as_deref(), &mut printer)?;
    if let Some(next) = done.next_steps.as_deref().filter(|_| !globals.json) {
        let mut out = std::io::stdout().lock();
        writeln!(out, "\n{}", next.trim_end())?;
    }
    Ok(done.verdict)
}

/// Prints each step as the pipeline runs.
struct Printer {
    json: bool,
    /// The current ingest step's progress (hidden outside a terminal).
    bar: indicatif::ProgressBar,
}

impl Observer for Printer {
    fn step_started(&mut self, index: usize, total: usize, step: &Step) {
        if !self.json {
            println!("==> [{}/{total}] {}", index + 1, step.name());
        }
        if matches!(step, Step::Ingest { .. }) {
            self.bar = super::ingest::progress_bar(self.json);
        }
    }

    fn ingest_progress(&self, done: usize, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
    }

    fn step_done(&mut self, output: &StepOutput) -> crate::Result<()> {
        self.bar.finish_and_clear();
        let mut out = std::io::stdout().lock();
        let io = |e: std::io::Error| crate::Error::io("<stdout>")(e);
        match output {
            StepOutput::Init { root, created } => {
                if self.json {
                    return Ok(());
                }
                match created {
                    None => writeln!(
                        out,
                        "工作区已存在，跳过 / workspace exists, skipped: {}",
                        root.display()
                    ),
                    Some(n) => writeln!(
                        out,
                        "已创建工作区 / workspace created: {} ({n} 项 entries)",
                        root.display()
                    ),
                }
                .map_err(io)
            }
            StepOutput::Ingest(summary) => {
                super::ingest::print_summary(summary, false, self.json, &mut out).map_err(io)
            }
            StepOutput::Build(built) => {
                super::build::print_result(built, self.json, &mut out).map_err(io)
            }
            StepOutput::Query { title, batches } => {
                if let Some(t) = title.as_ref().filter(|_| !self.json) {
                    writeln!(out, "{t}").map_err(io)?;
                }
                let format = if self.json {
                    Format::Json
                } else {
                    Format::Table
                };
                output::write(batches, format, &mut out)
                    .map_err(|e| crate::Error::Usage(e.to_string()))
            }
            StepOutput::Report { files } => {
                for p in files.iter().filter(|_| !self.json) {
                    writeln!(out, "报告已生成 / report written: {}", p.display()).map_err(io)?;
                }
                Ok(())
            }
            StepOutput::Export { dir, exported } => {
                if self.json {
                    return Ok(());
                }
                writeln!(out, "{}", super::export::summary(exported, dir)).map_err(io)
            }
        }
    }
}
