//! The warehouse as analysts and operators see it: data tests that fail the
//! build and are kept as history, workspace SQL overrides, and readers that
//! keep reading while a build replaces the file.

use super::common::*;
use std::path::Path;

/// A workspace with the small sample ingested.
fn sample_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    assert!(taizhang(ws).arg("init").status().unwrap().success());
    std::fs::copy(repo("sample-data/roster.csv"), ws.join("roster.csv")).unwrap();
    let out = taizhang(ws)
        .arg("ingest")
        .arg(repo("sample-data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the sample has two bad rows");
    dir
}

fn build(ws: &Path) -> (Option<i32>, String) {
    let out = taizhang(ws).arg("build").output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn a_failing_data_test_fails_the_build_and_every_result_is_kept() {
    let dir = sample_workspace();
    let ws = dir.path();
    let (code, out) = build(ws);
    assert_eq!(code, Some(0), "{out}");

    // An analyst's own test: no due task may be open. The sample has some.
    std::fs::create_dir_all(ws.join("sql/tests")).unwrap();
    std::fs::write(
        ws.join("sql/tests/assert_no_overdue_tasks.sql"),
        "-- Every due task is done.\nselect region_code, source_sheet, source_row\nfrom int_task_facts\nwhere overdue_open\n",
    )
    .unwrap();
    let (code, out) = build(ws);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("失败 FAIL assert_no_overdue_tasks"),
        "the test is named: {out}"
    );
    assert!(
        out.contains("source_row"),
        "its first rows are shown: {out}"
    );

    std::fs::remove_file(ws.join("sql/tests/assert_no_overdue_tasks.sql")).unwrap();
    let (code, out) = build(ws);
    assert_eq!(code, Some(0), "{out}");

    // The ingest and three builds left run records; the current build's own
    // record is written after it, so the warehouse holds the earlier ones.
    let runs = rows(
        ws,
        "select command, exit_code from runs order by started_at",
    );
    assert_eq!(runs, [["ingest", "1"], ["build", "0"], ["build", "1"]]);
    let results = rows(
        ws,
        "select count(distinct run_id), count(*) filter (where status = 'fail'), \
         count(*) filter (where test = 'assert_no_overdue_tasks') from test_results",
    );
    assert_eq!(results, [["3", "1", "1"]]);
    let failed = rows(
        ws,
        "select test, failing_rows > 0 from test_results where status = 'fail'",
    );
    assert_eq!(failed, [["assert_no_overdue_tasks", "true"]]);
    let files = std::fs::read_dir(ws.join("runs")).unwrap().count();
    assert_eq!(files, 4);
}

#[test]
fn workspace_sql_overrides_a_shipped_model_and_adds_new_ones() {
    let dir = sample_workspace();
    let ws = dir.path();
    std::fs::create_dir_all(ws.join("sql/marts")).unwrap();
    // Override: the office counts only major tasks.
    let shipped = std::fs::read_to_string(repo("sql/intermediate/int_task_facts.sql")).unwrap();
    std::fs::create_dir_all(ws.join("sql/intermediate")).unwrap();
    std::fs::write(
        ws.join("sql/intermediate/int_task_facts.sql"),
        format!("select * from (\n{shipped}\n) where major_due or not tasks_due and false"),
    )
    .unwrap();
    // Addition, at the top level with its layer told by the prefix; it reads
    // a shipped mart, so it must run after it.
    std::fs::write(
        ws.join("sql/mart_city_overview.sql"),
        "-- grain: one row per (period, city)\nselect period, scope_code, tasks_due from mart_task_completion where scope_level = 'city'\n",
    )
    .unwrap();
    let (code, out) = build(ws);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("overridden by the workspace's sql/: int_task_facts"),
        "{out}"
    );
    let pooled = rows(
        ws,
        "select sum(tasks_due) = sum(major_due) from mart_task_completion",
    );
    assert_eq!(pooled, [["true"]], "every counted task is a major one now");
    let overview = rows(
        ws,
        "select count(*) from mart_city_overview join mart_task_completion using (period, scope_code) \
         where mart_city_overview.tasks_due = mart_task_completion.tasks_due",
    );
    assert_eq!(overview, [["2"]], "德阳市 in two periods");

    // A broken workspace model fails the build by its file name, and the
    // published warehouse stays as it was.
    std::fs::write(
        ws.join("sql/mart_broken.sql"),
        "select * from no_such_table",
    )
    .unwrap();
    let (code, out) = build(ws);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("mart_broken.sql"), "{out}");
    assert_eq!(rows(ws, "select count(*) from mart_city_overview"), [["2"]]);
}

#[test]
fn a_reader_holding_the_old_warehouse_keeps_reading_while_a_build_replaces_it() {
    let dir = sample_workspace();
    let ws = dir.path();
    let (code, out) = build(ws);
    assert_eq!(code, Some(0), "{out}");

    let old = taizhang::warehouse::open_read_only(ws).unwrap();
    let count = |c: &duckdb::Connection| -> i64 {
        c.query_row("select count(*) from raw_tasks", [], |r| r.get(0))
            .unwrap()
    };
    let before = count(&old);

    // More rows arrive; a build runs in another process while analysts query.
    let out = taizhang(ws)
        .arg("ingest")
        .arg(fixture("title_and_header_row.xlsx"))
        .args(["--region", "510603", "--period", "2024Q3"])
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1));
    let mut builder = taizhang(ws).arg("build").spawn().unwrap();
    let mut queries = 0;
    loop {
        let q = taizhang(ws)
            .args(["query", "select count(*) from mart_task_completion"])
            .output()
            .unwrap();
        assert_eq!(
            q.status.code(),
            Some(0),
            "a query during the build: {}",
            String::from_utf8_lossy(&q.stderr)
        );
        queries += 1;
        assert_eq!(count(&old), before, "the open reader sees its snapshot");
        if builder.try_wait().unwrap().is_some() {
            break;
        }
    }
    assert!(builder.wait().unwrap().success());
    assert!(queries >= 1);

    assert_eq!(count(&old), before, "still readable after the rename");
    let new = taizhang::warehouse::open_read_only(ws).unwrap();
    assert!(count(&new) > before, "a new reader sees the new build");
}

#[test]
fn the_data_dictionary_documents_every_column_of_the_built_warehouse() {
    let dir = sample_workspace();
    let ws = dir.path();
    assert_eq!(build(ws).0, Some(0));
    let out_dir = dir.path().join("docs");
    for format in ["markdown", "html"] {
        let out = taizhang(ws)
            .args(["docs", "--format", format, "--out"])
            .arg(&out_dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        // Exit 1 and a warning would name any column a header leaves out.
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(!stdout.contains("undocumented"), "{stdout}");
    }
    let md = std::fs::read_to_string(out_dir.join("warehouse.md")).unwrap();
    assert!(md.contains("### mart_scorecard"));
    assert!(
        md.contains("| `composite_score` | DOUBLE | 综合得分 |"),
        "types and meanings"
    );
    assert!(
        md.contains("[int_task_facts](#int_task_facts)"),
        "upstream models are linked"
    );
    let html = std::fs::read_to_string(out_dir.join("warehouse.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert_eq!(
        html.matches("<table>").count(),
        html.matches("</table>").count()
    );
    assert!(html.contains("<h3 id=\"mart_alerts\">"));
}

/// Every count, sum and grouping is a model's (`sql/`), stated once, so the
/// portal, the report and `trace` cannot drift from the marts: the Rust that
/// shows figures reads them and never aggregates rows itself (issue 35).
#[test]
fn no_figure_is_aggregated_outside_sql() {
    let mut files = vec![repo("src/warehouse/trace.rs")];
    for dir in ["src/portal", "src/report"] {
        files.extend(
            walk(&repo(dir))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "rs")),
        );
    }
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap().to_lowercase();
        for (n, line) in text.lines().enumerate() {
            // Prose in comments may say "count (…)".
            if line.trim_start().starts_with("//") {
                continue;
            }
            let bytes = line.as_bytes();
            let aggregate = ["count(", "sum(", "avg(", "count (", "sum (", "avg ("]
                .iter()
                .any(|word| {
                    line.match_indices(word).any(|(at, _)| {
                        // A SQL aggregate, not Rust's `.count()` or `strong_count(`.
                        at == 0
                            || !(bytes[at - 1].is_ascii_alphanumeric()
                                || bytes[at - 1] == b'_'
                                || bytes[at - 1] == b'.')
                    })
                });
            let normalised = line.split_whitespace().collect::<Vec<_>>().join(" ");
            if aggregate || normalised.contains("group by") {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "aggregation outside sql/ (move it into a model):\n{}",
        found.join("\n")
    );
}
