//! `taizhang schedule PIPELINE --print cron|systemd`: a ready crontab line, or
//! a systemd service and timer, that run the pipeline on its `schedule`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Globals;
use crate::pipeline::schedule::Cron;
use crate::pipeline::spec::Loaded;
use crate::service::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    Cron,
    Systemd,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 流水线文件 / the pipeline file.
    pub pipeline: PathBuf,

    /// 输出形式 / what to print.
    #[arg(long, value_enum)]
    pub print: Target,

    /// 运行时间（覆盖流水线的 schedule）/ a cron expression instead of the pipeline's schedule.
    #[arg(long)]
    pub at: Option<String>,
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Quotes a path for a shell line (and systemd's ExecStart, which splits alike).
fn quote(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let loaded = Loaded::read(&args.pipeline)?;
    let expr = args.at.clone().or(loaded.pipeline.schedule.clone()).ok_or_else(|| {
        crate::Error::Usage(format!(
            "{} 没有 schedule，请在文件中加 schedule = \"0 2 * * *\" 或用 --at 指定 / the pipeline has no schedule; add schedule = \"0 2 * * *\" or give --at",
            args.pipeline.display()
        ))
    })?;
    let cron: Cron = expr.parse().map_err(crate::Error::Usage)?;
    let exe = absolute(&std::env::current_exe()?);
    let pipeline = absolute(&args.pipeline);
    let workspace = absolute(&loaded.workspace(globals.workspace.as_deref()));
    let name = args
        .pipeline
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "pipeline".into());
    let command = format!(
        "{} --workspace {} run {}",
        quote(&exe),
        quote(&workspace),
        quote(&pipeline)
    );
    let mut out = std::io::stdout().lock();
    match args.print {
        Target::Cron => {
            // cron mails whatever a job prints; the run record keeps the
            // details, so the output goes to a log beside them.
            let log = workspace.join("runs").join(format!("{name}.log"));
            writeln!(out, "# taizhang {name}: crontab -e, then paste this line")?;
            writeln!(out, "{cron} {command} >> {} 2>&1", quote(&log))?;
        }
        Target::Systemd => {
            let calendar = cron.on_calendar().map_err(crate::Error::Usage)?;
            writeln!(
                out,
                "# /etc/systemd/system/taizhang-{name}.service\n\
                 [Unit]\n\
                 Description=taizhang pipeline {name}\n\
                 After=local-fs.target\n\n\
                 [Service]\n\
                 Type=oneshot\n\
                 WorkingDirectory={}\n\
                 ExecStart={command}\n\
                 # exit 1 means done with rejected rows or failed data tests: the run record says which.\n\
                 SuccessExitStatus=1\n\
                 Nice=10\n\
                 # An ingest keeps a lake part open per table and period it writes.\n\
                 LimitNOFILE=65536\n\n\
                 # /etc/systemd/system/taizhang-{name}.timer\n\
                 [Unit]\n\
                 Description=Run taizhang pipeline {name} ({cron})\n\n\
                 [Timer]\n\
                 OnCalendar={calendar}\n\
                 Persistent=true\n\n\
                 [Install]\n\
                 WantedBy=timers.target\n\n\
                 # then: systemctl daemon-reload && systemctl enable --now taizhang-{name}.timer",
                quote(&workspace)
            )?;
        }
    }
    Ok(Verdict::Done)
}
