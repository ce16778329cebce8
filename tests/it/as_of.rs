//! Published figures stay reproducible (issue 19, capability 5): a build
//! `--as-of` a time reads exactly the submissions received by then, so it
//! gives the figures of a lake that never received anything later, and a
//! report's stated as-of time and digests rebuild its very figures after any
//! number of later corrections.

use super::common::*;
use std::path::Path;
use taizhang::warehouse::{self, Stamp};
use taizhang::workspace::Workspace;

const SCENARIO: &str = "scenarios/supervision_loop";

/// Every model's rows (staging to reports), as sorted text, by model name.
/// Run history, refusals and the stamp itself are about the build, not the
/// figures, and are left out.
fn figures(root: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    // stg_clock is the build's own time (as build_info is), not a figure.
    let tables = rows(
        root,
        "select table_name from information_schema.tables \
         where regexp_matches(table_name, '^(stg|int|mart|rpt)_') \
           and table_name <> 'stg_clock' order by 1",
    );
    assert!(tables.len() > 40, "{tables:?}");
    tables
        .into_iter()
        .map(|t| {
            let name = t[0].clone();
            let body = rows(
                root,
                &format!("select columns(*)::varchar from {name} order by all"),
            );
            (name, body)
        })
        .collect()
}

/// The scenario's input with only the files received at or before `cut`
/// (received.csv's times as text, all in +08:00, so they sort as times).
fn input_received_by(to: &Path, cut: &str) {
    let src = fixture(SCENARIO).join("input");
    let csv = std::fs::read_to_string(src.join("received.csv")).unwrap();
    let mut kept = String::from("path,received_at\n");
    for line in csv.lines().skip(1) {
        let (path, at) = line.split_once(',').unwrap();
        if at <= cut {
            let to_file = to.join(path);
            std::fs::create_dir_all(to_file.parent().unwrap()).unwrap();
            std::fs::copy(src.join(path), &to_file).unwrap();
            kept.push_str(line);
            kept.push('\n');
        }
    }
    std::fs::write(to.join("received.csv"), kept).unwrap();
}

/// A workspace with the scenario's roster and config and nothing ingested.
fn scenario_ws() -> (tempfile::TempDir, Workspace) {
    let (tmp, _) = workspace(None);
    for file in ["roster.csv", "taizhang.toml"] {
        std::fs::copy(fixture(SCENARIO).join(file), tmp.path().join(file)).unwrap();
    }
    let ws = Workspace::open(tmp.path()).unwrap();
    (tmp, ws)
}

fn build_as_of(ws: &Workspace, as_of: &str) -> Stamp {
    let _lock = ws.lock().unwrap();
    let t = taizhang::normalize::time::parse_as_of(as_of).unwrap();
    let built = warehouse::build_as_of(ws, "test-build", Some(t)).unwrap();
    assert_eq!(built.failed_tests().count(), 0);
    built.stamp
}

#[test]
fn a_build_as_of_a_time_equals_a_lake_that_never_received_anything_later() {
    // The first report of 2024Q2 was built on 07-06, before 旌阳's
    // correction (07-08) and the Q3 ledgers (10-08).
    let cut = "2024-07-06T18:00:00+08:00";

    let (then_dir, then_ws) = scenario_ws();
    let input = tempfile::tempdir().unwrap();
    input_received_by(input.path(), cut);
    ingest(&then_ws, &[input.path().to_path_buf()], &options());
    // Built at the cut, as the first report was: what was due by then (the
    // assessed quarters) is as of the build's time too.
    let then = build_as_of(&then_ws, cut);

    // The same files, arriving in two batches: the early ones, then the rest
    // (the early ones are skipped as known), so the lake has parts to merge.
    let (now_dir, now_ws) = scenario_ws();
    ingest(&now_ws, &[input.path().to_path_buf()], &options());
    ingest(&now_ws, &[fixture(SCENARIO).join("input")], &options());
    let now = build(&now_ws).stamp;
    let now_figures = figures(now_dir.path());

    let rebuilt = build_as_of(&now_ws, cut);
    assert!(rebuilt.as_of_given);
    assert_eq!(rebuilt.as_of_text(), cut);
    assert_eq!(rebuilt.lake_digest, then.lake_digest);
    assert_eq!(rebuilt.settings_digest, then.settings_digest);
    assert_eq!(rebuilt.lake_rows, then.lake_rows);
    assert_ne!(now.lake_digest, then.lake_digest);
    let rebuilt_figures = figures(now_dir.path());
    assert_eq!(rebuilt_figures, figures(then_dir.path()));
    // Not vacuous: the later files do change figures.
    assert_ne!(rebuilt_figures, now_figures);
    let periods = rows(
        now_dir.path(),
        "select distinct period from stg_submissions",
    );
    assert_eq!(periods, vec![vec!["2024Q2".to_string()]]);

    // Back to the present: a plain build reads everything again, and
    // merging the lake's parts changes neither the rows nor the digest.
    let merged = {
        let _lock = now_ws.lock().unwrap();
        taizhang::lake::Lake::new(now_ws.lake())
            .compact(taizhang::lake::Compaction::All)
            .unwrap()
    };
    assert!(merged.1 > 1, "{merged:?}");
    let back = build(&now_ws).stamp;
    assert_eq!(back.lake_digest, now.lake_digest);
    assert_eq!(figures(now_dir.path()), now_figures);
    assert_eq!(build_as_of(&now_ws, cut).lake_digest, then.lake_digest);
}

#[test]
fn a_report_rebuilt_as_of_its_own_time_after_a_resubmission_shows_the_same_figures() {
    let (dir, ws) = scenario_ws();
    // Everything up to the first Q2 report: the originals of 07-05.
    let input = tempfile::tempdir().unwrap();
    input_received_by(input.path(), "2024-07-05T23:59:59+08:00");
    ingest(&ws, &[input.path().to_path_buf()], &options());
    let original = build(&ws).stamp;
    assert!(!original.as_of_given);
    let conn = warehouse::open_read_only(dir.path()).unwrap();
    let original_report = taizhang::report::gather(&conn, Some("2024Q2")).unwrap();
    drop(conn);
    let original_figures = figures(dir.path());

    // 旌阳's correction arrives later, received now (after the report).
    let correction =
        fixture(SCENARIO).join("input/2024Q2/510603/旌阳区2024年第二季度改革任务台账（更正）.csv");
    let resubmitted = ingest(&ws, &[correction], &options());
    assert_eq!(resubmitted.accepted(), 1, "{resubmitted:?}");
    let corrected = build(&ws).stamp;
    assert_ne!(corrected.lake_digest, original.lake_digest);
    assert_ne!(figures(dir.path()), original_figures);

    // The report names its as-of time; rebuilding as of it gives it back.
    let stated = original_report.stamp.as_ref().unwrap();
    let rebuilt = build_as_of(&ws, &stated.as_of_text());
    assert_eq!(rebuilt.lake_digest, original.lake_digest);
    assert_eq!(rebuilt.settings_digest, original.settings_digest);
    assert_eq!(figures(dir.path()), original_figures);
    let conn = warehouse::open_read_only(dir.path()).unwrap();
    let rebuilt_report = taizhang::report::gather(&conn, Some("2024Q2")).unwrap();
    let tables = |r: &taizhang::report::PeriodReport| -> Vec<(String, Vec<Vec<String>>)> {
        r.sheets
            .iter()
            .flat_map(|s| &s.tables)
            // The stamp table differs on purpose: it says "rebuilt as of".
            .filter(|t| !t.title.starts_with("本报告的数据版本"))
            .map(|t| {
                let cells = t
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|c| c.display()).collect())
                    .collect();
                (t.title.clone(), cells)
            })
            .collect()
    };
    assert_eq!(tables(&rebuilt_report), tables(&original_report));
    assert_eq!(rebuilt_report.headline, original_report.headline);
    assert!(
        rebuilt_report
            .stamp_line()
            .contains(&original.lake_digest[..16])
    );
}

#[test]
fn build_as_of_states_itself_and_refuses_a_time_it_cannot_read() {
    let (dir, _ws) = scenario_ws();
    let input = tempfile::tempdir().unwrap();
    input_received_by(input.path(), "2024-12-31T00:00:00+08:00");
    let out = taizhang(dir.path())
        .arg("ingest")
        .arg(input.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let out = taizhang(dir.path())
        .args(["build", "--as-of", "2024-07-06"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("截至 as of: 2024-07-06T23:59:59.999+08:00（历史版本"),
        "{text}"
    );
    // An as-of build goes to a file of its own, named for its time, and
    // says how to read it; there is no live warehouse to replace here.
    let db = dir
        .path()
        .join("warehouses/as-of-2024-07-06T235959+0800.duckdb");
    assert!(db.is_file(), "{text}");
    assert!(text.contains("taizhang query --warehouse"), "{text}");
    assert!(!dir.path().join("warehouse.duckdb").exists());
    let info = rows_in(
        &db,
        "select as_of_given, rebuild_command, lake_digest from build_info",
    );
    assert_eq!(info[0][0], "true");
    assert_eq!(
        info[0][1],
        "taizhang build --as-of 2024-07-06T23:59:59.999+08:00"
    );
    assert_eq!(info[0][2].len(), 64);
    // The report read from that file says the same, in the page.
    let html = dir.path().join("r.html");
    let out = taizhang(dir.path())
        .args(["report", "--period", "2024Q2", "--warehouse"])
        .arg(&db)
        .arg("--out")
        .arg(&html)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(&format!(
            "数据截至 as of 2024-07-06T23:59:59.999+08:00 · 数据摘要 lake {}",
            &info[0][2][..16]
        )),
        "{page}"
    );
    assert!(page.contains("taizhang build --as-of 2024-07-06T23:59:59.999+08:00"));

    for bad in ["last Tuesday", "2024-13-01", ""] {
        let out = taizhang(dir.path())
            .args(["build", "--as-of", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("无法识别的时间 / not a time"), "{err}");
    }
}

/// Issue 34: reproducing last year's figures must not change what the
/// portal, the SQL endpoint and the nightly job read. A build as of a past
/// time, from the command line or a pipeline, goes to a file of its own that
/// `query`, `trace` and `report` read with `--warehouse`; the live file keeps
/// its bytes, and naming it as the as-of build's `--out` is refused.
#[test]
fn an_as_of_build_goes_to_its_own_file_and_leaves_the_live_warehouse_as_it_was() {
    let (dir, _ws) = scenario_ws();
    let input = tempfile::tempdir().unwrap();
    input_received_by(input.path(), "2024-12-31T00:00:00+08:00");
    let run = |args: &[&std::ffi::OsStr]| taizhang(dir.path()).args(args).output().unwrap();
    let os = |s: &str| std::ffi::OsString::from(s);
    assert!(
        run(&[&os("ingest"), input.path().as_os_str()])
            .status
            .success()
    );
    assert!(run(&[&os("build")]).status.success());
    let live = dir.path().join("warehouse.duckdb");
    let live_bytes = std::fs::read(&live).unwrap();
    let live_figures = figures(dir.path());

    let past = dir.path().join("past.duckdb");
    let out = run(&[
        &os("build"),
        &os("--as-of"),
        &os("2024-07-06"),
        &os("--out"),
        past.as_os_str(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(&live).unwrap(), live_bytes);
    assert_eq!(figures(dir.path()), live_figures);
    let given = |db: Option<&Path>| {
        let mut args = vec![os("query"), os("select as_of_given from build_info")];
        if let Some(db) = db {
            args.extend([os("--warehouse"), db.as_os_str().to_owned()]);
        }
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let out = run(&refs);
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(given(Some(&past)).contains("true"));
    assert!(given(None).contains("false"));
    // The past file has fewer submissions than the live one.
    let count = "select count(*) from stg_submissions";
    assert!(rows_in(&past, count)[0][0] < rows(dir.path(), count)[0][0]);
    let out = run(&[
        &os("trace"),
        &os("mart_task_completion"),
        &os("--scope"),
        &os("510000"),
        &os("--period"),
        &os("2024Q2"),
        &os("--warehouse"),
        past.as_os_str(),
    ]);
    assert!(out.status.success(), "{out:?}");

    // The live file, named as an as-of build's output, is refused untouched.
    for named in [live.clone(), dir.path().join("./warehouse.duckdb")] {
        let out = run(&[
            &os("build"),
            &os("--as-of"),
            &os("2024-07-06"),
            &os("--out"),
            named.as_os_str(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("never replaces the live"), "{err}");
        assert_eq!(std::fs::read(&live).unwrap(), live_bytes);
    }

    // A pipeline's as-of build: its later steps read the file it built.
    let pipeline = dir.path().join("annual.toml");
    std::fs::write(
        &pipeline,
        r#"
fail_on = []
[[step]]
run = "build"
as_of = "2024-07-06"
out = "{workspace}/warehouses/2024-mid.duckdb"
[[step]]
run = "report"
period = "2024Q2"
formats = ["html"]
out = "{workspace}/past-reports"
"#,
    )
    .unwrap();
    let out = run(&[&os("run"), pipeline.as_os_str()]);
    assert!(out.status.success(), "{out:?}");
    assert!(dir.path().join("warehouses/2024-mid.duckdb").is_file());
    let page = std::fs::read_to_string(
        dir.path()
            .join("past-reports/2024Q2/改革落实情况报告-2024Q2.html"),
    )
    .unwrap();
    assert!(page.contains("数据截至 as of 2024-07-06T23:59:59.999+08:00"));
    assert_eq!(std::fs::read(&live).unwrap(), live_bytes);
}
