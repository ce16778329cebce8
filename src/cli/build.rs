//! `taizhang build`: rebuild `warehouse.duckdb` from the lake, run the data
//! tests, and publish the new file atomically.

use std::io::Write;

use super::{Globals, Outcome};
use crate::runs::{self, RunRecord, StepRecord};
use crate::warehouse::{self, BuildReport};
use crate::workspace::Workspace;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(globals: &Globals, _args: Args) -> anyhow::Result<Outcome> {
    let ws = Workspace::open(&globals.root())?;
    let _lock = ws.lock()?;
    let mut record = RunRecord::start("build");
    record.write(&ws.runs())?;
    let report = match warehouse::build(&ws, &record.run_id) {
        Ok(report) => report,
        Err(e) => {
            record.finish(2, Some(e.to_string()));
            record.write(&ws.runs())?;
            return Err(e.into());
        }
    };
    let outcome = outcome(&report);
    record.steps.push(step_record(&report, record.started_at));
    record.tests = report.test_records();
    record.finish(outcome.exit_code(), None);
    record.write(&ws.runs())?;
    print_report(&report, globals.json, &mut std::io::stdout().lock())?;
    Ok(outcome)
}

/// The build step of a run record.
pub fn step_record(
    report: &BuildReport,
    started_at: chrono::DateTime<chrono::FixedOffset>,
) -> StepRecord {
    let failed = report.failed_tests().count() as i64;
    let mut counts: std::collections::BTreeMap<String, i64> = report
        .raw_rows
        .iter()
        .map(|(t, n)| (t.clone(), *n as i64))
        .collect();
    counts.insert("models".into(), report.models.len() as i64);
    counts.insert("tests_passed".into(), report.tests.len() as i64 - failed);
    counts.insert("tests_failed".into(), failed);
    StepRecord {
        step: "build".into(),
        started_at,
        ended_at: runs::now(),
        counts,
    }
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
        let tests = report.test_records();
        let raw: serde_json::Map<String, serde_json::Value> = report
            .raw_rows
            .iter()
            .map(|(t, n)| (t.clone(), (*n).into()))
            .collect();
        return writeln!(
            out,
            "{}",
            serde_json::json!({ "warehouse": report.path.display().to_string(), "raw_rows": raw, "models": report.models, "overridden": report.overridden, "tests": tests })
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
    if !report.overridden.is_empty() {
        writeln!(
            out,
            "  工作区覆盖 overridden by the workspace's sql/: {}",
            report.overridden.join(", ")
        )?;
    }
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
    for (path, why) in &report.unreadable_runs {
        writeln!(
            out,
            "  警告 运行记录无法读取，未载入 / warning: run record not loaded: {} ({why})",
            path.display()
        )?;
    }
    Ok(())
}
