//! `taizhang sample --out DIR`: write deterministic synthetic ledgers, laid
//! out as `DIR/<period>/<region_code>/<name>.xlsx` with `received.csv` and
//! `roster.csv`, so that `taizhang ingest DIR` needs no flags.

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use crate::sample::{self, Scale};
use crate::service::Verdict;

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

    /// 季度数（national）/ consecutive quarters from 2024Q1, national scale only.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=40))]
    pub quarters: u32,

    /// 只生成前 N 个报送单位（national）/ only the first N submitting units, national scale only.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub units: Option<u64>,

    /// 每个台账的任务行数（national）/ task rows per workbook instead of 150–400, national
    /// scale only; `--units 1 --tasks 200000` writes one huge workbook.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub tasks: Option<u64>,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let national = sample::NationalOptions {
        quarters: args.quarters,
        units: args.units.map(|n| n as usize),
        tasks: args.tasks.map(|n| n as usize),
    };
    if args.scale != Scale::National && national != sample::NationalOptions::default() {
        return Err(crate::error::Error::Usage(
            "--quarters、--units、--tasks 仅用于 --scale national / only apply to --scale national"
                .into(),
        )
        .into());
    }
    let summary = sample::generate_with(&args.out, args.seed, args.scale, national)?;
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
    Ok(Verdict::Done)
}
