//! `taizhang template --kind K --out F.xlsx`: a blank ledger with the headers
//! taizhang reads, drop-down lists and an instructions sheet.

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use crate::ledger::Kind;
use crate::service::Verdict;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 台账类型 / ledger kind: tasks, rectifications, pilots, plans, satisfaction, meetings, publicity, cases, inspections.
    #[arg(long, value_parser = super::ingest::parse_kind)]
    pub kind: Kind,

    /// 输出文件 / the .xlsx file to write.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let bytes = crate::template::workbook(args.kind, &[])?;
    crate::fsutil::write_bytes_atomic(&args.out, &bytes)?;
    let mut out = std::io::stdout().lock();
    if globals.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "kind": args.kind.as_str(), "out": args.out.display().to_string() })
        )?;
    } else {
        writeln!(
            out,
            "已生成模板 / template written: {} → {}",
            args.kind.label_zh(),
            args.out.display()
        )?;
    }
    Ok(Verdict::Done)
}
