//! `taizhang report [--period P] [--out FILE.xlsx|FILE.html]…`: the period's
//! figures in Chinese for the leadership, from the built warehouse.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Globals, Outcome};
use crate::report::{self, Report};
use crate::warehouse;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 周期（默认最新一期）/ the period, e.g. 2024Q2 (default: the latest).
    #[arg(long)]
    pub period: Option<String>,

    /// 输出文件 / output files, .xlsx or .html; may repeat (default: both, in
    /// the workspace's reports/ folder).
    #[arg(long, value_name = "FILE")]
    pub out: Vec<PathBuf>,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Outcome> {
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
    let written = write_reports(&root, period.as_deref(), &args.out, &[], None)?;
    let mut out = std::io::stdout().lock();
    if globals.json {
        let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        writeln!(out, "{}", serde_json::json!({ "reports": files }))?;
    } else {
        for p in &written {
            writeln!(out, "报告已生成 / report written: {}", p.display())?;
        }
    }
    Ok(Outcome::Done)
}

/// Writes the report of `period` (None = latest) to `outs`, or, when none is
/// given, as `<dir>/<period>/改革落实情况报告-<period>.<fmt>` for each of
/// `formats` (default xlsx and html), `<dir>` being `default_dir` or the
/// workspace's `reports/`.
pub fn write_reports(
    ws_root: &Path,
    period: Option<&str>,
    outs: &[PathBuf],
    formats: &[String],
    default_dir: Option<&Path>,
) -> anyhow::Result<Vec<PathBuf>> {
    let conn = warehouse::open_read_only(ws_root)?;
    let report = report::gather(&conn, period)?;
    let outs: Vec<PathBuf> = if outs.is_empty() {
        let dir = default_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ws_root.join("reports"))
            .join(&report.period);
        let formats: Vec<String> = if formats.is_empty() {
            vec!["xlsx".into(), "html".into()]
        } else {
            formats.to_vec()
        };
        formats
            .iter()
            .map(|f| dir.join(format!("改革落实情况报告-{}.{f}", report.period)))
            .collect()
    } else {
        outs.to_vec()
    };
    for path in &outs {
        write_one(&report, path)?;
    }
    Ok(outs)
}

fn write_one(report: &Report, path: &Path) -> anyhow::Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "xlsx" => report::xlsx::render(report)?,
        "html" | "htm" => report::html::render(report).into_bytes(),
        _ => {
            return Err(crate::Error::Usage(format!(
                "报告只能输出 .xlsx 或 .html / a report is .xlsx or .html: {}",
                path.display()
            ))
            .into());
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(crate::Error::io(dir))?;
    }
    crate::fsutil::write_bytes_atomic(path, &bytes)?;
    Ok(())
}
