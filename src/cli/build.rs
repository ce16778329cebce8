//! `taizhang build`: rebuild `warehouse.duckdb` from the lake, run the data
//! tests, and publish the new file atomically.
//!
//! A build `--as-of` a past time goes to a file of its own (`--out`, by
//! default `warehouses/as-of-<time>.duckdb`): the live warehouse is what the
//! portal, the SQL endpoint and the nightly job read, and reproducing last
//! year's figures must not change what they see.

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use crate::service::Verdict;
use crate::service::{self, Writer};
use crate::warehouse::BuildResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 只用此时刻及以前收到的报送重建（如 2024-07-15T18:00+08:00；只写日期则含当天）
    /// / rebuild from the submissions received at or before this time, as
    /// the warehouse stood then (a bare date covers the whole day, UTC+8)
    #[arg(long, value_parser = parse_as_of)]
    pub as_of: Option<chrono::DateTime<chrono::FixedOffset>>,

    /// 写入此文件而非 工作区/warehouse.duckdb（有 --as-of 时默认
    /// 工作区/warehouses/as-of-<时刻>.duckdb）/ build into this file instead of
    /// the live warehouse.duckdb (with --as-of, default
    /// warehouses/as-of-<time>.duckdb); read it with `query --warehouse FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_as_of(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    crate::normalize::time::parse_as_of(s).ok_or_else(|| {
        format!("无法识别的时间 / not a time: {s:?} (e.g. 2024-07-15T18:00+08:00 or 2024-07-15)")
    })
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let root = globals.root();
    let target = service::build_target(&root, args.as_of.as_ref(), args.out.as_deref())?;
    let writer = Writer::open(&root)?;
    let built = writer.recorded("build", |record| {
        let built = service::build_to(&writer, &record.run_id, args.as_of, &target)?;
        record.steps.push(built.step_record(record.started_at));
        record.tests = built.test_records();
        let verdict = built.verdict();
        Ok((built, verdict))
    })?;
    let mut out = std::io::stdout().lock();
    super::print_leftovers(writer.leftovers(), globals.json, &mut out)?;
    print_result(&built, globals.json, &mut out)?;
    Ok(built.verdict())
}

pub fn print_result(report: &BuildResult, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
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
            serde_json::json!({
                "warehouse": report.path.display().to_string(),
                "as_of": report.stamp.as_of_text(),
                "as_of_given": report.stamp.as_of_given,
                "lake_digest": report.stamp.lake_digest,
                "settings_digest": report.stamp.settings_digest,
                "raw_rows": raw,
                "models": report.models,
                "overridden": report.overridden,
                "tests": tests
            })
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
    let stamp = &report.stamp;
    if stamp.as_of_given {
        writeln!(
            out,
            "  截至 as of: {}（历史版本：此后收到的报送未计入；在用的仓库未改动 / a past state: later submissions left out; the live warehouse is untouched）",
            stamp.as_of_text()
        )?;
        writeln!(
            out,
            "  查询 / read it: taizhang query --warehouse {} \"select …\"",
            report.path.display()
        )?;
    } else {
        writeln!(out, "  截至 as of: {}", stamp.as_of_text())?;
    }
    writeln!(
        out,
        "  数据摘要 lake digest: {}  口径摘要 settings digest: {}",
        &stamp.lake_digest[..16],
        &stamp.settings_digest[..16]
    )?;
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
