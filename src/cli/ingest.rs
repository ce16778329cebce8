//! `taizhang ingest PATH…`: read ledger files and folders into the archive and
//! the lake, and tell the clerk what was accepted and what is wrong where.

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use crate::ingest::{self, ImportSummary, Options, Source};
use crate::ledger::Kind;
use crate::normalize::Period;
use crate::normalize::time::parse_time;
use crate::service::Verdict;
use crate::service::{self, Writer};
use crate::workspace::Workspace;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 台账文件或文件夹 / ledger files or folders (folders are walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// 台账类型 / ledger kind: tasks, rectifications, pilots, plans, satisfaction, meetings, publicity, cases, inspections.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Kind>,

    /// 报送单位（代码或名称）/ the submitting unit, as a code or a name.
    #[arg(long)]
    pub region: Option<String>,

    /// 报送周期 / the period, e.g. 2024Q2, 2024-06, 2024.
    #[arg(long, value_parser = parse_period)]
    pub period: Option<Period>,

    /// 接收时间 / when the files were received (RFC 3339; no offset = UTC+8).
    #[arg(long, value_parser = parse_received_at)]
    pub received_at: Option<chrono::DateTime<chrono::FixedOffset>>,

    /// 只校验不写入 / validate and report, write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// 重放归档 / the PATHs are `archive/` folders: re-read every archived file
    /// as it was first received (its receipt's name, time, flags and folders).
    #[arg(long, conflicts_with_all = ["kind", "region", "period", "received_at"])]
    pub archive: bool,

    /// 问题报告 / write the issues back for the clerk: FILE.xlsx (faulty cells
    /// highlighted, messages as notes) or FILE.json.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

pub fn parse_kind(s: &str) -> Result<Kind, String> {
    s.parse()
}

pub fn parse_period(s: &str) -> Result<Period, String> {
    s.parse()
        .map_err(|e: crate::normalize::period::PeriodError| e.to_string())
}

fn parse_received_at(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    parse_time(s).ok_or_else(|| {
        format!("无法识别的时间 / not a time: {s:?} (e.g. 2024-07-05T09:30:00+08:00)")
    })
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let opts = Options {
        kind: args.kind,
        region: args.region,
        period: args.period,
        received_at: args.received_at,
        dry_run: args.dry_run,
        source: Source::Cli,
    };
    let collect = || -> crate::Result<Vec<ingest::Input>> {
        if args.archive {
            let mut all = Vec::new();
            for dir in &args.paths {
                all.extend(ingest::collect_archive(dir)?);
            }
            Ok(all)
        } else {
            ingest::collect(&args.paths)
        }
    };
    let bar = progress_bar(globals.json);
    let progress = |done: usize, _| bar.set_position(done as u64);
    let (summary, limits) = if opts.dry_run {
        let ws = Workspace::open(&globals.root())?;
        let inputs = collect()?;
        bar.set_length(inputs.len() as u64);
        (
            service::check(&ws, &inputs, &opts, &progress)?,
            ws.config.limits,
        )
    } else {
        let writer = Writer::open(&globals.root())?;
        let inputs = collect()?;
        bar.set_length(inputs.len() as u64);
        let summary = writer.recorded("ingest", |record| {
            let summary = service::ingest(&writer, &inputs, &opts, &progress)?;
            record.steps.push(summary.step_record(record.started_at));
            let verdict = summary.verdict();
            Ok((summary, verdict))
        })?;
        (summary, writer.ws().config.limits)
    };
    bar.finish_and_clear();
    print_summary(
        &summary,
        opts.dry_run,
        globals.json,
        &mut std::io::stdout().lock(),
    )?;
    if let Some(path) = &args.report {
        ingest::feedback::write(path, &summary, limits, opts.dry_run)?;
    }
    Ok(summary.verdict())
}

/// A progress bar for reading files, on a terminal only (none in pipes,
/// cron or with `--json`).
pub fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 读取 reading {pos}/{len} {wide_bar} {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// How many issues the summary lists before it says how many more there are.
const LISTED_ISSUES: usize = 20;

/// The import summary: files and rows, then the first issues with their cells.
pub fn print_summary(
    report: &ImportSummary,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if json {
        return writeln!(out, "{}", report.to_json(dry_run));
    }
    let title = if dry_run {
        "校验摘要（未写入）/ dry run, nothing written"
    } else {
        "导入摘要 / import summary"
    };
    writeln!(out, "{title}")?;
    writeln!(
        out,
        "  文件 files: {} 接收 accepted, {} 拒收 rejected, {} 跳过 skipped",
        report.accepted(),
        report.rejected(),
        report.skipped()
    )?;
    writeln!(
        out,
        "  数据行 rows: {} 导入 ok, {} 拒收 rejected; 警告 warnings: {}",
        report.rows_ok(),
        report.rows_rejected(),
        report.warnings()
    )?;
    if report.recovered_parts > 0 {
        writeln!(
            out,
            "  已清理中断运行留下的 {} 个文件 / removed {} files left by an interrupted run",
            report.recovered_parts, report.recovered_parts
        )?;
    }
    if report.compacted > 0 {
        writeln!(
            out,
            "  已合并 {} 个数据湖分片 / compacted {} lake parts into one per table and period",
            report.compacted, report.compacted
        )?;
    }
    for f in &report.files {
        let name = f.path.display();
        match &f.outcome {
            ingest::FileOutcome::Read {
                parsed,
                submissions,
            } => {
                let status = if parsed.accepted() {
                    "接收 accepted"
                } else {
                    "拒收 rejected"
                };
                let ledgers: Vec<String> = submissions
                    .iter()
                    .filter_map(|s| s.kind.map(|k| format!("{k} {} 行 rows", s.rows_ok)))
                    .collect();
                let region = parsed.region_code.as_deref().unwrap_or("?");
                let period = parsed.period.map_or("?".to_string(), |p| p.to_string());
                let line = format!(
                    "  [{status}] {name} ({region} {period}) {}",
                    ledgers.join(", ")
                );
                writeln!(out, "{}", line.trim_end())?;
                for (sheet, why) in &parsed.skipped_sheets {
                    writeln!(out, "      跳过工作表 skipped sheet {sheet:?}: {why}")?;
                }
                if !parsed.ignored_columns.is_empty() {
                    writeln!(
                        out,
                        "      未识别的列（已忽略）/ ignored columns: {}",
                        parsed.ignored_columns.join("、")
                    )?;
                }
            }
            ingest::FileOutcome::Skipped { reason, .. } => {
                writeln!(out, "  [跳过 skipped] {name}: {reason}")?
            }
            ingest::FileOutcome::Failed { error } => {
                writeln!(out, "  [失败 failed] {name}: {error}")?
            }
        }
    }
    let issues: Vec<_> = report.issues().collect();
    if !issues.is_empty() {
        writeln!(out, "问题 issues ({}):", issues.len())?;
        for (path, issue) in issues.iter().take(LISTED_ISSUES) {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let value = issue
                .value
                .as_deref()
                .map(|v| format!(" [{}]", truncate(v, 60)))
                .unwrap_or_default();
            let at = match issue.location().as_str() {
                "-" => file.to_string(),
                loc => format!("{file}!{loc}"),
            };
            writeln!(
                out,
                "  {:<7} {:<16} {at}  {}{value}\n{:>27}{}",
                issue.severity.as_str(),
                issue.code.as_str(),
                issue.message_zh,
                "",
                issue.message_en
            )?;
        }
        if issues.len() > LISTED_ISSUES {
            writeln!(
                out,
                "  … 另有 {} 条 / {} more (all are in lake/issues)",
                issues.len() - LISTED_ISSUES,
                issues.len() - LISTED_ISSUES
            )?;
        }
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}
