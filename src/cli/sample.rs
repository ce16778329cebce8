//! `taizhang sample --out DIR`: write deterministic synthetic ledgers, laid
//! out as `DIR/<period>/<region_code>/<name>.xlsx` with `received.csv` and
//! `roster.csv`, so that `taizhang ingest DIR` needs no flags.

use std::io::Write;
use std::path::PathBuf;

use super::{Globals, Outcome};
use crate::sample::{self, Scale};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 输出目录 / where to write the ledgers.
    #[arg(long)]
    pub out: PathBuf,

    /// 随机种子 / the seed; the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// 规模 / how much data.
    #[arg(long, value_enum, default_value = "small")]
    pub scale: Scale,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Outcome> {
    let summary = sample::generate(&args.out, args.seed, args.scale)?;
    let mut out = std::io::stdout().lock();
    if globals.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "out": args.out.display().to_string(), "files": summary.files.len(), "units": summary.units })
        )?;
    } else {
        let periods: Vec<String> = summary.periods.iter().map(|p| p.to_string()).collect();
        writeln!(
            out,
            "已生成样例 / sample written: {} 个文件 files, {} 个单位 units, 周期 periods {} → {}",
            summary.files.len(),
            summary.units,
            periods.join(", "),
            args.out.display()
        )?;
    }
    Ok(Outcome::Done)
}
