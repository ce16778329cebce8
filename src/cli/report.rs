//! `taizhang report [--period P | --year YYYY] [--out FILE.xlsx|FILE.html]…`:
//! the period's figures, or the year's annual assessment (年度绩效考核), in
//! Chinese for the leadership, from the built warehouse.

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use crate::service::Verdict;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 周期（默认最新一期）/ the period, e.g. 2024Q2 (default: the latest).
    #[arg(long, conflicts_with = "year")]
    pub period: Option<String>,

    /// 年度绩效考核报告 / the annual assessment report of a year, e.g. 2024.
    #[arg(long)]
    pub year: Option<i32>,

    /// 输出文件 / output files, .xlsx or .html; may repeat (default: both, in
    /// the workspace's reports/ folder).
    #[arg(long, value_name = "FILE")]
    pub out: Vec<PathBuf>,

    #[command(flatten)]
    pub warehouse: super::WarehouseArg,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let root = globals.root();
    let period = args
        .period
        .as_deref()
        .map(|p| {
            p.parse::<crate::normalize::Period>()
                .map(|p| p.to_string())
                .map_err(|e| crate::Error::Usage(e.to_string()))
        })
        .transpose()?;
    let written = match args.year {
        Some(year) if args.out.is_empty() => crate::service::annual_report(
            &args.warehouse.path(globals),
            year,
            &[],
            &root.join("reports"),
        )?,
        Some(year) => {
            crate::service::annual_report_to(&args.warehouse.path(globals), year, &args.out)?
        }
        None => crate::service::report(
            &args.warehouse.path(globals),
            period.as_deref(),
            &args.out,
            &[],
            &root.join("reports"),
        )?,
    };
    let mut out = std::io::stdout().lock();
    if globals.json {
        let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        writeln!(out, "{}", serde_json::json!({ "reports": files }))?;
    } else {
        for p in &written {
            writeln!(out, "报告已生成 / report written: {}", p.display())?;
        }
    }
    Ok(Verdict::Done)
}
