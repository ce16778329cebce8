//! `taizhang runs`: the recent runs of ingest, build and pipelines, from
//! `runs/*.json` (no warehouse needed), newest last.

use std::io::Write;

use super::Globals;
use crate::runs;
use crate::service::Verdict;
use crate::workspace::Workspace;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 显示条数 / how many runs to show.
    #[arg(long, default_value_t = 20)]
    pub last: usize,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let ws = Workspace::open(&globals.root())?;
    let (records, unreadable) = runs::load_all(&ws.runs())?;
    let shown = &records[records.len().saturating_sub(args.last)..];
    let mut out = std::io::stdout().lock();
    if globals.json {
        writeln!(out, "{}", serde_json::to_string_pretty(shown)?)?;
        return Ok(Verdict::Done);
    }
    if shown.is_empty() {
        writeln!(out, "还没有运行记录 / no runs yet")?;
    }
    for r in shown {
        let what = match &r.pipeline {
            Some(p) => format!("pipeline {p}"),
            None => r.command.clone(),
        };
        let took = r
            .ended_at
            .map(|e| {
                format!(
                    "{:.1} s",
                    (e - r.started_at).num_milliseconds() as f64 / 1000.0
                )
            })
            .unwrap_or_else(|| "—".into());
        let status = match r.status() {
            "done" => "完成 done",
            "partial" => "部分完成 partial",
            "failed" => "失败 failed",
            _ => "未完成 unfinished (running or killed)",
        };
        writeln!(
            out,
            "{}  {}  {what}  {took}  {status}",
            r.run_id,
            r.started_at.format("%Y-%m-%d %H:%M:%S%:z")
        )?;
        for step in &r.steps {
            let counts: Vec<String> = step
                .counts
                .iter()
                .filter(|(_, v)| **v != 0)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            writeln!(out, "    {} {}", step.step, counts.join(" "))?;
        }
        let failed: Vec<&str> = r
            .tests
            .iter()
            .filter(|t| t.status == "fail")
            .map(|t| t.name.as_str())
            .collect();
        if !failed.is_empty() {
            writeln!(out, "    数据测试失败 failed tests: {}", failed.join(", "))?;
        }
        if let Some(e) = &r.error {
            writeln!(out, "    错误 error: {e}")?;
        }
    }
    for (path, why) in unreadable {
        writeln!(
            out,
            "警告 无法读取 / warning: unreadable run record {} ({why})",
            path.display()
        )?;
    }
    Ok(Verdict::Done)
}
