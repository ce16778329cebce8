//! `taizhang export`: chosen marts as Parquet or CSV for other tools, one
//! folder per period (the pipelines' `export` step, as a command). Periods
//! whose rows did not change since the last export are not written again.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Globals;
use crate::service::{Verdict, Writer};
use crate::warehouse::export::Exported;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Parquet,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 导出的指标表（默认全部 mart_*）/ marts to export (default: every mart_*).
    #[arg(long, value_delimiter = ',', value_name = "MART,…")]
    pub marts: Option<Vec<String>>,

    /// 文件格式 / file format.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: Format,

    /// 导出目录（默认 工作区/export）/ folder to write (default: the workspace's export/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub warehouse: super::WarehouseArg,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let root = globals.root();
    // The writer lock, as the pipelines' export step holds it: two exports
    // into one folder must not swap it under each other.
    let writer = Writer::open(&root)?;
    let dir = args.out.unwrap_or_else(|| root.join("export"));
    let format = match args.format {
        Format::Parquet => "parquet",
        Format::Csv => "csv",
    };
    let exported = crate::service::export(
        &args.warehouse.path(globals),
        args.marts.as_deref(),
        format,
        &dir,
    )?;
    let mut out = std::io::stdout().lock();
    super::print_leftovers(writer.leftovers(), globals.json, &mut out)?;
    if globals.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({
                "dir": dir,
                "files": exported.files,
                "rows": exported.rows,
                "unchanged": exported.unchanged,
            })
        )?;
    } else {
        writeln!(out, "{}", summary(&exported, &dir))?;
    }
    Ok(Verdict::Done)
}

/// One line: what was written where, and what was kept.
pub fn summary(exported: &Exported, dir: &Path) -> String {
    format!(
        "已导出 / exported {} 个文件 files to {} ({} 个未变 unchanged)",
        exported.files,
        dir.display(),
        exported.unchanged
    )
}
