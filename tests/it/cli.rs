//! The binary end to end: exit codes, the demo pipeline, query formats.

use super::common::*;
use std::process::Command;

fn taizhang() -> Command {
    Command::new(env!("CARGO_BIN_EXE_taizhang"))
}

#[test]
fn the_demo_pipeline_prints_completion_and_coverage_by_city() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let out = taizhang()
        .arg("--workspace")
        .arg(&ws)
        .arg("run")
        .arg(repo("pipelines/demo.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The sample's two bad rows are rejected, and that is the demonstration:
    // the demo's `fail_on = []` ends it green, so `&&` and `set -e` go on.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" 导入 ok, 2 拒收 rejected"), "{stdout}");
    // It ends by saying what to open next, and those files exist.
    let next = stdout.rsplit("下一步 / what to open next:").next().unwrap();
    assert!(stdout.contains("下一步 / what to open next:"), "{stdout}");
    for file in [
        "reports/2024Q2/改革落实情况报告-2024Q2.html",
        "reports/2024年度/年度绩效考核报告-2024.html",
        "feedback/样例反馈.xlsx",
    ] {
        assert!(next.contains(file), "{next}");
        assert!(ws.join(file).is_file(), "{file}");
    }
    assert!(next.contains("trace mart_task_completion"), "{next}");
    // The clerks' feedback marks the two bad rows' cells.
    let feedback = calamine::open_workbook_auto(ws.join("feedback/样例反馈.xlsx")).unwrap();
    use calamine::Reader;
    assert!(
        feedback.sheet_names().len() > 1,
        "a summary and the clerks' sheets"
    );
    assert!(stdout.contains("通过 passed, 0 失败 failed"), "{stdout}");
    assert!(stdout.contains("| 2024Q2 | 德阳市 | 510600 |"), "{stdout}");
    assert!(stdout.contains("6/7"), "Q1: 什邡市 is missing: {stdout}");
    // The demo's settings (pipelines/demo-settings.toml) give the year's
    // assessment its rules: 什邡市 sent nothing for Q1 and loses
    // per_unsubmitted_quarter's 2 points for it, and some unit is named.
    let shifang = rows(
        &ws,
        "select points from mart_assessment_deductions \
         where year = 2024 and scope_code = '510682' and rule = 'per_unsubmitted_quarter'",
    );
    assert_eq!(shifang, [["2.0000"]]);
    let named = rows(
        &ws,
        "select count(*) from mart_annual_assessment where year = 2024 and named",
    );
    assert_ne!(named, [["0"]]);
    // Run again: everything is skipped and the figures are the same.
    let again = taizhang()
        .arg("--workspace")
        .arg(&ws)
        .arg("run")
        .arg(repo("pipelines/demo.toml"))
        .output()
        .unwrap();
    let again_out = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{again_out}");
    // 14 region files, the 2 departments’ Q1 and Q2 ledgers and the
    // province office's workbook.
    assert!(again_out.contains("19 跳过 skipped"), "{again_out}");
    let table = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("| 2024"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(table(&again_out), table(&stdout));
    // The rerun read nothing new, so it kept the feedback the first run wrote.
    let kept = calamine::open_workbook_auto(ws.join("feedback/样例反馈.xlsx")).unwrap();
    assert_eq!(kept.sheet_names(), feedback.sheet_names());

    // The second quarter carries the first's rows over with a few changes to
    // explain, every kind the README names, and the report shows them.
    // Of the task ledgers: a rectification list grows each quarter by the
    // items of the notices it brought (row_added), which is no change to
    // explain.
    let changes = super::common::rows(
        &ws,
        "select change, count(*) filter (where has_note), count(*) filter (where not has_note) \
         from mart_ledger_changes where period = '2024Q2' and kind = 'tasks' group by all order by all",
    );
    let kinds: Vec<&str> = changes.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "changed_in_resubmission",
            "deadline_later",
            "major_dropped",
            "row_added",
            "row_removed",
            "status_regressed"
        ],
        "{changes:?}"
    );
    let later = &changes[1];
    assert!(
        later[1] != "0" && later[2] != "0",
        "with and without a note: {later:?}"
    );
    let total: usize = changes
        .iter()
        .map(|r| r[1].parse::<usize>().unwrap() + r[2].parse::<usize>().unwrap())
        .sum();
    let rows_q2 = super::common::rows(
        &ws,
        "select count(*) from stg_tasks where period = '2024Q2'",
    );
    let rows_q2: usize = rows_q2[0][0].parse().unwrap();
    // The demo's change rates are high on purpose (every kind shows in one
    // quarter), and 省发改委's draw alone moves 9 of its 21 rows; still, at
    // most a quarter of the rows change.
    assert!(
        total * 4 < rows_q2,
        "a few changes, not a new ledger: {total} of {rows_q2}"
    );
    let workbook =
        calamine::open_workbook_auto(ws.join("reports/2024Q2/改革落实情况报告-2024Q2.xlsx"))
            .unwrap();
    assert!(workbook.sheet_names().contains(&"台账变动".to_string()));
}

#[test]
fn query_is_read_only_and_speaks_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    assert!(
        taizhang()
            .arg("--workspace")
            .arg(ws)
            .arg("init")
            .status()
            .unwrap()
            .success()
    );
    std::fs::copy(repo("sample-data/roster.csv"), ws.join("roster.csv")).unwrap();
    let out = taizhang()
        .arg("--workspace")
        .arg(ws)
        .args(["query", "select 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "no warehouse yet");
    assert!(String::from_utf8_lossy(&out.stderr).contains("taizhang build"));

    taizhang()
        .arg("--workspace")
        .arg(ws)
        .arg("ingest")
        .arg(fixture("title_and_header_row.xlsx"))
        .output()
        .unwrap();
    assert!(
        taizhang()
            .arg("--workspace")
            .arg(ws)
            .arg("build")
            .status()
            .unwrap()
            .success()
    );
    let sql = "select scope_code, tasks_total, completion_rate from mart_task_completion where scope_code = '510603'";
    let csv = taizhang()
        .arg("--workspace")
        .arg(ws)
        .args(["query", sql, "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&csv.stdout),
        "scope_code,tasks_total,completion_rate\n510603,3,1.0\n"
    );
    let json = taizhang()
        .arg("--workspace")
        .arg(ws)
        .args(["query", sql, "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{ "scope_code": "510603", "tasks_total": 3, "completion_rate": 1.0 }])
    );
    let write = taizhang()
        .arg("--workspace")
        .arg(ws)
        .args(["query", "create table x as select 1"])
        .output()
        .unwrap();
    assert_eq!(
        write.status.code(),
        Some(2),
        "the warehouse is opened read-only"
    );
}

#[test]
fn ingest_exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    taizhang()
        .arg("--workspace")
        .arg(ws)
        .arg("init")
        .output()
        .unwrap();
    let ok = taizhang()
        .arg("--workspace")
        .arg(ws)
        .arg("ingest")
        .arg(fixture("title_and_header_row.xlsx"))
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let rejected = taizhang()
        .arg("--workspace")
        .arg(ws)
        .args(["ingest", "--region", "510604", "--period", "2024Q2"])
        .arg(fixture("bad_rows.xlsx"))
        .output()
        .unwrap();
    assert_eq!(rejected.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&rejected.stdout);
    assert!(
        stdout.contains("missing-cell") && stdout.contains("bad_rows.xlsx!台账!B3"),
        "{stdout}"
    );
    let bad_flag = taizhang()
        .arg("--workspace")
        .arg(ws)
        .args(["ingest", "--period", "2024Q9", "x.xlsx"])
        .output()
        .unwrap();
    assert_eq!(bad_flag.status.code(), Some(2));
    let not_ws = taizhang()
        .arg("--workspace")
        .arg(ws.join("nowhere"))
        .args(["build"])
        .output()
        .unwrap();
    assert_eq!(not_ws.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_ws.stderr).contains("taizhang init"));
}

#[test]
fn the_committed_sample_is_what_the_generator_makes() {
    let dir = tempfile::tempdir().unwrap();
    let out = taizhang()
        .args(["sample", "--seed", "1", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let list = |root: &std::path::Path| {
        let mut files: Vec<_> = walk(root)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let made = list(dir.path());
    // 19 workbooks, received.csv and roster.csv.
    assert_eq!(made.len(), 21);
    assert!(
        made == list(&repo("sample-data")),
        "sample-data/ differs from `taizhang sample --seed 1`: regenerate it"
    );
}

#[test]
fn ingest_report_gives_the_clerk_their_sheets_back_with_the_issues() {
    use calamine::{Reader, open_workbook_auto};
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    taizhang()
        .arg("--workspace")
        .arg(ws)
        .arg("init")
        .output()
        .unwrap();
    let xlsx = ws.join("report.xlsx");
    let json = ws.join("report.json");
    for report in [&xlsx, &json] {
        let out = taizhang()
            .arg("--workspace")
            .arg(ws)
            .args([
                "ingest",
                "--dry-run",
                "--region",
                "510604",
                "--period",
                "2024Q2",
                "--report",
            ])
            .arg(report)
            .arg(fixture("bad_rows.xlsx"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut wb = open_workbook_auto(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["汇总 summary", "bad_rows-台账"]);
    let summary = wb.worksheet_range("汇总 summary").unwrap();
    let codes: Vec<String> = summary.rows().skip(1).map(|r| r[4].to_string()).collect();
    assert_eq!(
        codes,
        [
            "missing-cell",
            "bad-date",
            "unknown-status",
            "duplicate-row"
        ]
    );
    assert_eq!(summary.rows().nth(1).unwrap()[2].to_string(), "B3");
    let sheet = wb.worksheet_range("bad_rows-台账").unwrap();
    assert_eq!(
        sheet.get_value((3, 5)).unwrap().to_string(),
        "尽快",
        "the clerk's own cell, at its place"
    );

    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["rows_rejected"], 1);
    assert_eq!(v["files"][0]["issues"][0]["cell"], "B3");
}

/// calamine panics on some damaged files (here an xlsb whose workbook
/// property record is empty: calamine indexes its first byte); taizhang
/// catches the panic and rejects the file as `unreadable-file`. The clerk's terminal shows that
/// issue and nothing of Rust's panic message; the run record keeps it.
#[test]
fn a_reader_panic_stays_off_the_terminal_and_goes_to_the_run_record() {
    let ws = cli_workspace();
    let out = crate::common::taizhang(ws.path())
        .arg("ingest")
        .arg(fixture(
            "xlsb_empty_workbook_property_record_panics_calamine.xlsb",
        ))
        .args(["--region", "510603", "--period", "2024Q2"])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("unreadable-file"), "{stdout}");
    for noise in ["panicked", "backtrace", "RUST_BACKTRACE"] {
        assert!(
            !stderr.contains(noise) && !stdout.contains(noise),
            "{noise}: {stderr}"
        );
    }
    let record = walk(&ws.path().join("runs"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(record).unwrap()).unwrap();
    let notes = record["steps"][0]["notes"].to_string();
    assert!(
        notes.contains("xlsb_empty_workbook_property_record_panics_calamine.xlsb")
            && notes.contains("panicked at"),
        "{notes}"
    );
}
