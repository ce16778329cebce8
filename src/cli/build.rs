//! `taizhang build`: rebuild `warehouse.duckdb` from the lake, run the data
//! tests, and publish the new file atomically.

use std::io::Write;

use super::{Globals, Outcome};
use crate::warehouse::{self, BuildReport};
use crate::workspace::Workspace;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(globals: &Globals, _args: Args) -> anyhow::Result<Outcome> {
    let ws = Workspace::open(&globals.root())?;
    let _lock = ws.lock()?;
    let report = warehouse::build(&ws)?;
    print_report(&report, globals.json, &mut std::io::stdout().lock())?;
    Ok(outcome(&report))
}

pub fn outcome(report: &BuildReport) -> Outcome {
    if report.failed_tests().next().is_some() {
        Outcome::Partial
    } else {
        Outcome::Done
    }
}

pub fn print_report(report: &BuildReport, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        let tests: Vec<_> = report
            .tests
            .iter()
            .map(|t| serde_json::json!({ "name": t.name, "status": if t.failing_rows == 0 { "pass" } else { "fail" }, "failing_rows": t.failing_rows }))
            .collect();
        let raw: serde_json::Map<String, serde_json::Value> = report
            .raw_rows
            .iter()
            .map(|(t, n)| (t.clone(), (*n).into()))
            .collect();
        return writeln!(
            out,
            "{}",
            serde_json::json!({ "warehouse": report.path.display().to_string(), "raw_rows": raw, "models": report.models, "tests": tests })
        );
    }
    writeln!(
        out,
        "仓库已构建 / warehouse built: {}",
        report.path.display()
    )?;
    let raw: Vec<String> = report
        .raw_rows
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    writeln!(
        out,
        "  原始表 raw tables: {}",
        if raw.is_empty() {
            "（空 / empty）".to_string()
        } else {
            raw.join(", ")
        }
    )?;
    writeln!(out, "  模型 models: {}", report.models.len())?;
    let failed: Vec<_> = report.failed_tests().collect();
    writeln!(
        out,
        "  数据测试 data tests: {} 通过 passed, {} 失败 failed",
        report.tests.len() - failed.len(),
        failed.len()
    )?;
    for t in failed {
        writeln!(
            out,
            "  失败 FAIL {} ({} 行 rows):\n{}",
            t.name, t.failing_rows, t.sample
        )?;
    }
    Ok(())
}
