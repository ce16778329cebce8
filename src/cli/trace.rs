//! `taizhang trace MART --scope CODE --period P [--column C]`: the ledger rows
//! (file, sheet, row, cell, values) a figure was computed from (可核实).

use std::io::Write;

use super::Globals;
use super::output::{self, Format};
use crate::service::Verdict;
use crate::warehouse::trace::Request;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 指标表 / the mart, e.g. mart_task_completion.
    pub mart: String,

    /// 统计口径代码 / the scope's region code (county, city or 510000).
    #[arg(long)]
    pub scope: String,

    /// 周期 / the period, e.g. 2024Q2.
    #[arg(long)]
    pub period: String,

    /// 指标列 / one figure: a count lists its rows, a rate its denominator's rows.
    #[arg(long)]
    pub column: Option<String>,

    /// 台账类型（仅报送情况）/ one ledger kind, for mart_submission_coverage.
    #[arg(long)]
    pub kind: Option<String>,

    /// 输出格式 / output format (csv and json print the source rows only).
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,

    #[command(flatten)]
    pub warehouse: super::WarehouseArg,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let period = args
        .period
        .parse::<crate::normalize::Period>()
        .map_err(|e| crate::Error::Usage(e.to_string()))?
        .to_string();
    let req = Request {
        mart: args.mart,
        scope: args.scope,
        period,
        column: args.column,
        kind: args.kind,
    };
    let crate::service::Traced { figure, rows } =
        crate::service::trace(&args.warehouse.path(globals), &req)?;
    let mut out = std::io::stdout().lock();
    let format = if globals.json {
        Format::Json
    } else {
        args.format
    };
    if format == Format::Table {
        writeln!(out, "指标 figure:")?;
        output::write(&figure, Format::Table, &mut out)?;
        let n: usize = rows.iter().map(|b| b.num_rows()).sum();
        writeln!(out, "来源 sources ({n} 行 rows):")?;
    }
    output::write(&rows, format, &mut out)?;
    Ok(Verdict::Done)
}
