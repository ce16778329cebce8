//! `taizhang query SQL`: answer from the warehouse, read-only. A build that
//! runs meanwhile writes a new file and renames it, so a query never blocks it.
//! `--out FILE` writes the answer to a file, in the format its extension
//! names (.parquet, .csv, .xlsx, .json) unless `--format` says otherwise.

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use super::output::{self, FileFormat};
use crate::error::Error;
use crate::service::Verdict;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// SQL 查询 / the SQL to run.
    pub sql: String,

    /// 输出格式（默认：表格，或 --out 的扩展名）/ output format (default: table, or --out's extension).
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,

    /// 写入文件 / write the answer to this file (.parquet, .csv, .xlsx, .json).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub warehouse: super::WarehouseArg,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let format = match (&args.out, args.format) {
        (_, Some(f)) => f,
        (None, None) => FileFormat::Table,
        (Some(path), None) => FileFormat::from_path(path).ok_or_else(|| {
            Error::Usage(format!(
                "无法从扩展名判断格式 / cannot tell the format of {}: name it .parquet, .csv, \
                 .xlsx or .json, or give --format",
                path.display()
            ))
        })?,
    };
    let batches = crate::service::query(&args.warehouse.path(globals), &args.sql)?;
    match (&args.out, format.text()) {
        (Some(path), _) => {
            output::write_file(&batches, format, path)?;
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            // The answer went to a file: say so on stderr, keeping stdout empty.
            let mut err = std::io::stderr().lock();
            writeln!(err, "已写入 / wrote {rows} 行 rows to {}", path.display())?;
        }
        (None, Some(text)) => output::write(&batches, text, &mut std::io::stdout().lock())?,
        (None, None) => {
            return Err(Error::Usage(format!(
                "{format:?} 是二进制格式，需要 --out FILE / {format:?} is a binary format: give --out FILE"
            ))
            .into());
        }
    }
    Ok(Verdict::Done)
}
