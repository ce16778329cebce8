//! Scheduled batch jobs: the shipped pipelines run unattended, twice, under a
//! held lock, after a crash; their run records, exports and schedules.

use super::common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn copy_tree(from: &Path, to: &Path) {
    for file in walk(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

/// A workspace whose inbox holds the small sample, as clerks would leave it.
fn workspace_with_inbox() -> tempfile::TempDir {
    let dir = cli_workspace();
    copy_tree(&repo("sample-data"), &dir.path().join("inbox"));
    dir
}

fn nightly(ws: &Path) -> Output {
    taizhang(ws)
        .arg("run")
        .arg(repo("pipelines/nightly.toml"))
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every lake file with its bytes.
fn lake(ws: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walk(&ws.join("lake"))
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(ws).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn run_records(ws: &Path) -> Vec<serde_json::Value> {
    let mut paths: Vec<_> = walk(&ws.join("runs"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

#[test]
fn the_nightly_pipeline_run_twice_gives_the_same_lake_and_a_record_per_run() {
    let dir = workspace_with_inbox();
    let ws = dir.path();
    let first = nightly(ws);
    assert_eq!(
        first.status.code(),
        Some(1),
        "two bad rows: {}",
        text(&first)
    );
    let lake_after_first = lake(ws);
    assert!(!lake_after_first.is_empty());

    let second = nightly(ws);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert!(
        text(&second).contains("19 跳过 skipped"),
        "{}",
        text(&second)
    );
    assert_eq!(lake(ws), lake_after_first, "nothing new, nothing rewritten");

    let records = run_records(ws);
    assert_eq!(records.len(), 2, "{records:?}");
    for (r, exit) in records.iter().zip([1, 0]) {
        assert_eq!(r["command"], "pipeline");
        assert_eq!(r["exit_code"], exit);
        let steps: Vec<&str> = r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["ingest", "build", "export"]);
        assert!(
            r["tests"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["status"] == "pass")
        );
    }
    assert_eq!(records[0]["steps"][0]["counts"]["files_accepted"], 19);
    assert_eq!(records[1]["steps"][0]["counts"]["files_skipped"], 19);

    // The second build loaded the first run's record.
    assert_eq!(
        rows(ws, "select command, exit_code, status from runs"),
        [["pipeline", "1", "partial"]]
    );
    let listed = taizhang(ws).arg("runs").output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.matches("pipeline ").count(), 2, "{listed}");

    // The export: one folder per mart and period, as many rows as the mart.
    let file = ws.join("export/mart_task_completion/period=2024Q2/mart_task_completion.parquet");
    let reader =
        parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&file).unwrap())
            .unwrap();
    use parquet::file::reader::FileReader;
    let exported = reader.metadata().file_metadata().num_rows();
    let in_mart = rows(
        ws,
        "select count(*) from mart_task_completion where period = '2024Q2'",
    );
    assert_eq!(exported.to_string(), in_mart[0][0]);
    assert!(ws.join("export/mart_scorecard/period=2024Q1").is_dir());
}

#[test]
fn a_run_while_another_writer_holds_the_lock_fails_cleanly() {
    let dir = workspace_with_inbox();
    let ws = dir.path();
    let held = taizhang::workspace::Workspace::open(ws).unwrap();
    let lock = held.lock().unwrap();
    let out = nightly(ws);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another taizhang process is writing"),
        "{}",
        text(&out)
    );
    assert!(run_records(ws).is_empty(), "a refused run leaves no record");
    assert!(lake(ws).is_empty(), "and writes nothing");
    drop(lock);
    assert_eq!(nightly(ws).status.code(), Some(1), "free again, it runs");
}

#[test]
fn a_run_killed_midway_is_completed_by_the_next_with_nothing_lost_or_doubled() {
    let clean = workspace_with_inbox();
    assert_eq!(nightly(clean.path()).status.code(), Some(1));

    let dir = workspace_with_inbox();
    let ws = dir.path();
    let killed = taizhang(ws)
        .env("TAIZHANG_CRASH_AT", "lake-part:2")
        .arg("run")
        .arg(repo("pipelines/nightly.toml"))
        .output()
        .unwrap();
    assert!(
        !matches!(killed.status.code(), Some(0..=2)),
        "the run died: {:?}",
        killed.status
    );
    let records = run_records(ws);
    assert_eq!(records.len(), 1);
    assert!(records[0]["exit_code"].is_null(), "it shows as unfinished");

    let rerun = nightly(ws);
    assert_eq!(rerun.status.code(), Some(1), "{}", text(&rerun));
    let figures = |ws: &Path| {
        let mut all = rows(ws, "select * from mart_task_completion order by all");
        all.extend(rows(
            ws,
            "select * from mart_submission_coverage order by all",
        ));
        all.extend(rows(ws, "select count(*), count(distinct (submission_id, source_sheet, source_row)) from raw_tasks"));
        all.extend(rows(ws, "select count(*) from raw_submissions"));
        all
    };
    assert_eq!(figures(ws), figures(clean.path()));
    let listed = taizhang(ws).arg("runs").output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("unfinished"));
}

#[test]
fn schedules_print_as_a_crontab_line_or_systemd_units() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    let cron = taizhang(ws)
        .args(["schedule", "--print", "cron"])
        .arg(repo("pipelines/nightly.toml"))
        .output()
        .unwrap();
    assert_eq!(cron.status.code(), Some(0), "{}", text(&cron));
    let cron = String::from_utf8_lossy(&cron.stdout);
    let line = cron.lines().find(|l| !l.starts_with('#')).unwrap();
    assert!(line.starts_with("30 1 * * * /"), "{line}");
    assert!(
        line.contains(" run /") && line.contains("nightly.toml"),
        "{line}"
    );
    assert!(line.contains("--workspace /"), "absolute paths: {line}");

    let units = taizhang(ws)
        .args(["schedule", "--print", "systemd"])
        .arg(repo("pipelines/quarterly-report.toml"))
        .output()
        .unwrap();
    let units = String::from_utf8_lossy(&units.stdout);
    assert!(
        units.contains("OnCalendar=*-01,04,07,10-15 06:00:00"),
        "{units}"
    );
    assert!(units.contains("Type=oneshot") && units.contains("[Timer]"));

    // The demo has no schedule: said so, exit 2.
    let none = taizhang(ws)
        .args(["schedule", "--print", "cron"])
        .arg(repo("pipelines/demo.toml"))
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no schedule"));
}

/// `fail_on` decides which outcomes end a run with status 1: the same
/// rejected rows fail a pipeline that lists `rejected-rows` and not one that
/// lists only `data-tests`; the run record keeps the status either way.
#[test]
fn fail_on_names_the_outcomes_that_fail_a_run() {
    for (fail_on, expected) in [
        ("[\"data-tests\"]", 0),
        ("[\"rejected-files\"]", 0),
        ("[\"rejected-rows\"]", 1),
        ("[]", 0),
    ] {
        let dir = workspace_with_inbox();
        let ws = dir.path();
        let pipeline = ws.join("p.toml");
        std::fs::write(
            &pipeline,
            format!(
                "fail_on = {fail_on}\n[[step]]\nrun = \"ingest\"\npaths = [\"{{workspace}}/inbox\"]\n[[step]]\nrun = \"build\"\n"
            ),
        )
        .unwrap();
        let out = taizhang(ws).arg("run").arg(&pipeline).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{fail_on}: {}",
            text(&out)
        );
        let records = run_records(ws);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["exit_code"], expected, "{fail_on}");
    }
}

/// Found on a city's server: one county's clean ledger leaves
/// `mart_department_gaps` without rows, and the nightly job stopped at its
/// export ("No such file or directory") with status 2.
#[test]
fn the_nightly_pipeline_exports_an_empty_mart_and_goes_on() {
    let dir = cli_workspace();
    let ws = dir.path();
    write_one_task_ledger(
        &ws.join("inbox/2024Q2/510603/旌阳区2024年第二季度改革任务台账.xlsx"),
        "旌阳区2024年第二季度改革任务台账",
    );
    let out = nightly(ws);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let empty = ws.join("export/mart_department_gaps");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(empty.join("_taizhang_export.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["periods"],
        serde_json::json!({}),
        "no period, no rows"
    );
    assert_eq!(walk(&empty).len(), 1, "the manifest alone");
    // The marts with rows were exported beside it.
    assert!(
        ws.join("export/mart_task_completion/period=2024Q2/mart_task_completion.parquet")
            .is_file()
    );
    // And a second night, with nothing new, is as calm.
    assert_eq!(nightly(ws).status.code(), Some(0));
}

/// `pipelines/annual-assessment.toml` on a workspace holding the annual
/// scenario's year: it builds as of 2025-01-31 into a warehouse of its own —
/// a deduction received after the cut-off is not in it — writes the annual
/// report from that file, and leaves the live warehouse untouched.
#[test]
fn the_annual_pipeline_builds_as_of_its_cut_off_into_its_own_file() {
    let scenario = repo("tests/fixtures/scenarios/annual_assessment");
    let dir = cli_workspace();
    let ws = dir.path();
    for file in ["roster.csv", "taizhang.toml"] {
        std::fs::copy(scenario.join(file), ws.join(file)).unwrap();
    }
    copy_tree(&scenario.join("input"), &ws.join("inbox"));
    // A deduction the office sends after the cut-off, and its receipt time.
    let late = ws.join("inbox/2024Q4/510000/2024年度考核扣分台账（补充）.csv");
    std::fs::write(
        &late,
        "2024年度全面深化改革考核扣分台账（补充）\n序号,被扣分单位,扣分时间,扣分原因,扣分分值\n1,绵阳市,2024-12-20,台账弄虚作假,4\n",
    )
    .unwrap();
    let mut receipts = std::fs::read_to_string(ws.join("inbox/received.csv")).unwrap();
    receipts.push_str("2024Q4/510000/2024年度考核扣分台账（补充）.csv,2025-02-15T09:00:00+08:00\n");
    std::fs::write(ws.join("inbox/received.csv"), receipts).unwrap();
    // The live warehouse, built from everything.
    let live = taizhang(ws)
        .arg("ingest")
        .arg(ws.join("inbox"))
        .output()
        .unwrap();
    assert!(live.status.code().unwrap() <= 1, "{}", text(&live));
    let built = taizhang(ws).arg("build").output().unwrap();
    assert_eq!(built.status.code(), Some(0), "{}", text(&built));
    let live_db = std::fs::read(ws.join("warehouse.duckdb")).unwrap();

    let run = taizhang(ws)
        .arg("run")
        .arg(repo("pipelines/annual-assessment.toml"))
        .output()
        .unwrap();
    assert!(run.status.code().unwrap() <= 1, "{}", text(&run));
    assert_eq!(
        std::fs::read(ws.join("warehouse.duckdb")).unwrap(),
        live_db,
        "the live warehouse is untouched"
    );
    let annual = ws.join("warehouses/annual-2024.duckdb");
    assert!(annual.is_file());
    let deducted = |db: &Path| -> String {
        let out = taizhang(ws)
            .args(["query", "--format", "csv", "--warehouse"])
            .arg(db)
            .arg("select deductions_ledger from mart_annual_assessment where scope_code = '510700'")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        deducted(&annual),
        "0.0",
        "the late deduction is after the cut-off"
    );
    assert_eq!(
        deducted(&ws.join("warehouse.duckdb")),
        "4.0",
        "but in the live warehouse"
    );
    for ext in ["xlsx", "html"] {
        assert!(
            ws.join(format!("reports/2024年度/年度绩效考核报告-2024.{ext}"))
                .is_file(),
            "{ext}"
        );
    }
}

/// An `init` step installs the settings it names — checked first: a file
/// taizhang.toml could not read makes no workspace at all, and a good one
/// is the workspace's taizhang.toml.
#[test]
fn an_init_step_installs_its_settings_only_when_they_read() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("p.toml");
    std::fs::write(
        &pipeline,
        "[[step]]\nrun = \"init\"\nsettings = \"s.toml\"\n",
    )
    .unwrap();
    let ws = dir.path().join("ws");
    let run = || taizhang(&ws).arg("run").arg(&pipeline).output().unwrap();
    std::fs::write(dir.path().join("s.toml"), "grace_days = \"ten\"\n").unwrap();
    let bad = run();
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains("grace_days"), "{said}");
    assert!(!ws.join("taizhang.toml").exists());
    assert!(!ws.join("roster.csv").exists());

    std::fs::write(dir.path().join("s.toml"), "grace_days = 3\n").unwrap();
    let good = run();
    assert!(good.status.success(), "{good:?}");
    assert_eq!(
        std::fs::read_to_string(ws.join("taizhang.toml")).unwrap(),
        "grace_days = 3\n"
    );
}
