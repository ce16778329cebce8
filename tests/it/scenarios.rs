//! Scenario folders (`tests/fixtures/scenarios/<name>/`): `input/` is ingested
//! into a fresh workspace with the scenario's `roster.csv` and `taizhang.toml`,
//! the warehouse is built, and every `expected/<relation>.csv` must equal that
//! relation — all rows, the listed columns, numbers to 6 decimals, empty for
//! NULL. `expected/issues.csv` lists the validation issues (code, severity,
//! file). Each scenario's README works the expected values out by hand.

use super::common::*;
use std::path::Path;

/// How a value is compared: numbers to 6 decimals, the rest as text.
fn canonical(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(x) if value.contains('.') || value.contains('e') => {
            let s = format!("{x:.6}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s == "-0" { "0".into() } else { s.into() }
        }
        _ => value.to_string(),
    }
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(canonical).collect())
        .collect();
    (header, rows)
}

fn actual(ws_root: &Path, relation: &str, columns: &[String]) -> Vec<Vec<String>> {
    let sql = if relation == "issues" {
        "select issues.code, issues.severity, submissions.file_name \
         from raw_issues as issues \
         inner join (select distinct submission_id, file_name from stg_submissions) as submissions \
         using (submission_id)"
            .to_string()
    } else {
        let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        format!("select {} from {relation}", list.join(", "))
    };
    // As text, so doubles keep every digit until `canonical` rounds them.
    rows(
        ws_root,
        &format!("select columns(*)::varchar from ({sql}) order by all"),
    )
    .into_iter()
    .map(|r| {
        r.into_iter()
            .map(|v| if v == "NULL" { String::new() } else { v })
            .collect()
    })
    .collect()
}

/// `assert_change_cells_in_lake` fails every change whose ref names a cell
/// the lake does not have: a workspace override of `mart_ledger_changes` that
/// points each old ref one column off and each new ref at a sheet of another
/// name fails the build with one row per distinct ref, where the shipped
/// model passes.
#[test]
fn a_change_that_names_a_cell_not_in_the_lake_fails_the_build() {
    let (tmp, built) = scenario_workspace(&fixture("scenarios/supervision_loop"));
    let test = |b: &taizhang::warehouse::BuildResult| {
        b.tests
            .iter()
            .find(|t| t.name == "assert_change_cells_in_lake")
            .expect("the test runs")
            .failing_rows
    };
    assert_eq!(test(&built), 0);

    let shipped = std::fs::read_to_string(repo("sql/marts/mart_ledger_changes.sql")).unwrap();
    let tampered = shipped
        .replace(
            "'!' || old_texts.source_cell as old_ref",
            "'!' || old_texts.source_cell || '0' as old_ref",
        )
        .replace(
            "'!' || changes.new_sheet || '!'",
            "'!' || changes.new_sheet || ' (2)' || '!'",
        );
    assert_ne!(tampered, shipped);
    std::fs::create_dir_all(tmp.path().join("sql/marts")).unwrap();
    std::fs::write(
        tmp.path().join("sql/marts/mart_ledger_changes.sql"),
        tampered,
    )
    .unwrap();
    let ws = taizhang::workspace::Workspace::open(tmp.path()).unwrap();
    let rebuilt = build(&ws);
    let refs = rows(
        tmp.path(),
        "select count(*) from (select distinct kind, old_submission_id, old_ref from mart_ledger_changes \
         where old_ref is not null union select distinct kind, new_submission_id, new_ref \
         from mart_ledger_changes where new_ref is not null)",
    );
    let refs: usize = refs[0][0].parse().unwrap();
    assert!(refs > 10, "{refs} refs");
    assert_eq!(test(&rebuilt), refs);
}

/// A workspace with the scenario's roster, config and input, built.
pub fn scenario_workspace(dir: &Path) -> (tempfile::TempDir, taizhang::warehouse::BuildResult) {
    let (tmp, _) = workspace(None);
    for file in ["roster.csv", "taizhang.toml"] {
        if dir.join(file).is_file() {
            std::fs::copy(dir.join(file), tmp.path().join(file)).unwrap();
        }
    }
    let ws = taizhang::workspace::Workspace::open(tmp.path()).unwrap();
    ingest(&ws, &[dir.join("input")], &options());
    let report = build(&ws);
    (tmp, report)
}

fn run_scenario(dir: &Path) -> Vec<String> {
    let (tmp, report) = scenario_workspace(dir);
    let mut failures: Vec<String> = report
        .failed_tests()
        .map(|t| format!("data test {} failed:\n{}", t.name, t.sample))
        .collect();
    let mut expected_files: Vec<_> = std::fs::read_dir(dir.join("expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    expected_files.sort();
    for file in expected_files {
        let relation = file.file_stem().unwrap().to_string_lossy().to_string();
        let (columns, mut want) = read_csv(&file);
        want.sort();
        let mut got: Vec<Vec<String>> = actual(tmp.path(), &relation, &columns)
            .into_iter()
            .map(|r| r.iter().map(|v| canonical(v)).collect())
            .collect();
        got.sort();
        if got != want {
            let show = |rows: &[Vec<String>]| {
                rows.iter()
                    .map(|r| r.join(","))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let missing: Vec<Vec<String>> =
                want.iter().filter(|r| !got.contains(r)).cloned().collect();
            let extra: Vec<Vec<String>> =
                got.iter().filter(|r| !want.contains(r)).cloned().collect();
            failures.push(format!(
                "{relation} ({}):\n  expected but missing:\n{}\n  present but not expected:\n{}",
                columns.join(","),
                show(&missing),
                show(&extra)
            ));
        }
    }
    failures
}

#[test]
fn every_scenario_matches_its_hand_worked_marts() {
    let root = fixture("scenarios");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let mut failures = Vec::new();
    for dir in &dirs {
        assert!(
            dir.join("README.md").is_file(),
            "{} needs a README with the hand-worked values",
            dir.display()
        );
        for f in run_scenario(dir) {
            failures.push(format!(
                "[{}] {f}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_comparison_sees_a_wrong_value() {
    // Guard against a runner that passes whatever the marts say.
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("scenarios/assessment_edge_cases");
    for entry in walk(&src) {
        let rel = entry.strip_prefix(&src).unwrap();
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &to).unwrap();
    }
    let scorecard = dir.path().join("expected/mart_scorecard.csv");
    let text = std::fs::read_to_string(&scorecard).unwrap();
    std::fs::write(&scorecard, text.replace("59.25", "59.26")).unwrap();
    let failures = run_scenario(dir.path());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("59.26"), "{}", failures[0]);
}

/// Every count of every traceable mart, in every scope and period of the
/// scenario, equals the number of rows `trace` lists for it (votes: their sum).
#[test]
fn every_figure_traces_to_exactly_the_rows_it_counts() {
    let (tmp, _) = scenario_workspace(&fixture("scenarios/assessment_edge_cases"));
    let conn = taizhang::warehouse::open_read_only(tmp.path()).unwrap();
    let mut checked = 0;
    for mart in taizhang::warehouse::trace::marts() {
        // Per body, or per year: their own tests below (the annual
        // assessment's in the_annual_assessment_traces_to_its_cells_and_rules).
        if matches!(
            mart,
            "mart_scorecard"
                | "mart_alerts"
                | "mart_meeting_compliance"
                | "mart_publicity"
                | "mart_typical_cases"
                | "mart_inspections"
                | "mart_annual_assessment"
                | "mart_exemptions"
                | "mart_assignment_docking"
                | "mart_leaders"
        ) {
            continue;
        }
        let counts: Vec<String> = {
            let mut stmt = conn
                .prepare(
                    "select column_name from information_schema.columns \
                     where table_name = ? and data_type = 'BIGINT' order by ordinal_position",
                )
                .unwrap();
            stmt.query_map([mart], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert!(!counts.is_empty(), "{mart}");
        let keys = rows(
            tmp.path(),
            &format!(
                // Q2 holds every kind of row; the province, the city and two
                // counties cover pooled, own and empty scopes.
                "select distinct period, scope_code, {} from {mart} \
                 where period = '2024Q2' and scope_code in ('510000', '510600', '510603', '510604')",
                match mart {
                    "mart_submission_coverage" => "kind",
                    "rpt_alert_counts" => "alert",
                    _ => "''",
                }
            ),
        );
        for key in keys {
            for column in &counts {
                let req = taizhang::warehouse::trace::Request {
                    mart: mart.to_string(),
                    scope: key[1].clone(),
                    period: key[0].clone(),
                    column: Some(column.clone()),
                    kind: (!key[2].is_empty()).then(|| key[2].clone()),
                };
                let traced = taizhang::warehouse::trace::plan(&conn, &req).unwrap();
                let figure: i64 = conn
                    .query_row(
                        &format!("select \"{column}\" from ({})", traced.figure_sql),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                let measure = if mart == "mart_satisfaction" {
                    format!("coalesce(sum(\"{column}\"), 0)")
                } else {
                    "count(*)".to_string()
                };
                let listed: i64 = conn
                    .query_row(
                        &format!("select {measure} from ({})", traced.rows_sql),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(listed, figure, "{mart}.{column} for {key:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

/// The trace of one figure of a scenario's warehouse.
fn trace_plan(
    conn: &duckdb::Connection,
    mart: &str,
    scope: &str,
    period: &str,
    column: Option<&str>,
) -> taizhang::warehouse::trace::TracePlan {
    let req = taizhang::warehouse::trace::Request {
        mart: mart.into(),
        scope: scope.into(),
        period: period.into(),
        column: column.map(String::from),
        kind: None,
    };
    taizhang::warehouse::trace::plan(conn, &req).unwrap()
}

/// `trace mart_meeting_compliance` lists every listing of a meeting the
/// unit's ledgers hold for the quarter and marks the one the mart counts: a
/// meeting listed in two ledgers shows twice, counted once.
#[test]
fn trace_lists_a_quarters_meetings_and_marks_the_listing_counted() {
    let (tmp, _) = scenario_workspace(&fixture("scenarios/compliance_ledgers"));
    let conn = taizhang::warehouse::open_read_only(tmp.path()).unwrap();
    for (period, listings, counted) in [("2024Q1", 4, 3), ("2024Q2", 2, 2)] {
        let traced = trace_plan(
            &conn,
            "mart_meeting_compliance",
            "510603",
            period,
            Some("meetings"),
        );
        let figure: i64 = conn
            .query_row(
                &format!("select sum(meetings) from ({})", traced.figure_sql),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(figure, counted, "{period}");
        let listed: (i64, i64) = conn
            .query_row(
                &format!(
                    "select count(*), count(*) filter (where counted) from ({})",
                    traced.rows_sql
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(listed, (listings, counted), "{period}");
    }
    // The repeated 02-20 meeting: both listings shown, the earlier file's counted.
    let traced = trace_plan(&conn, "mart_meeting_compliance", "510603", "2024Q1", None);
    let repeated = rows(
        tmp.path(),
        &format!(
            "select file_name, cell, counted from ({}) where held_on = '2024-02-20' order by all",
            traced.rows_sql
        ),
    );
    assert_eq!(
        repeated,
        [
            ["旌阳区2024年会议台账（1-6月）.csv", "B3", "false"],
            ["旌阳区2024年第一季度会议台账.csv", "B4", "true"],
        ]
        .map(|r| r.map(String::from).to_vec())
    );
}

/// Every count of the yearly marts equals the listings `trace` marks as
/// counted: the events (a 专栏 listed in two ledgers counted once), the press
/// conferences, the cases by level and those from pilots.
#[test]
fn the_yearly_marts_trace_to_the_listings_they_count() {
    let (tmp, _) = scenario_workspace(&fixture("scenarios/compliance_ledgers"));
    let conn = taizhang::warehouse::open_read_only(tmp.path()).unwrap();
    let mut checked = 0;
    for (mart, columns) in [
        (
            "mart_publicity",
            &[
                "events",
                "press_conferences",
                "media_columns",
                "special_reports",
            ][..],
        ),
        (
            "mart_typical_cases",
            &[
                "cases",
                "national",
                "provincial",
                "city",
                "county",
                "from_pilots",
            ][..],
        ),
    ] {
        for scope in ["510603", "510604"] {
            for column in columns {
                let traced = trace_plan(&conn, mart, scope, "2024Q2", Some(column));
                let figure: i64 = conn
                    .query_row(
                        &format!("select \"{column}\" from ({})", traced.figure_sql),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                let counted: i64 = conn
                    .query_row(
                        &format!(
                            "select count(*) filter (where counted) from ({})",
                            traced.rows_sql
                        ),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(counted, figure, "{mart}.{column} for {scope}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 20);
    // 旌阳's events: five listings, the repeated 专栏 shown twice, counted once.
    let traced = trace_plan(&conn, "mart_publicity", "510603", "2024", Some("events"));
    let listed = rows(
        tmp.path(),
        &format!(
            "select count(*), count(*) filter (where counted) from ({})",
            traced.rows_sql
        ),
    );
    assert_eq!(listed, [["5", "4"].map(String::from).to_vec()]);
}

/// Every figure of `mart_inspections`, in every scope of the inspections
/// scenario, equals what `trace` lists for it: a count the counted listings
/// (inspections, or plans for the plan columns), `findings` their sum, a rate
/// its denominator's; the plan rate is inspected over due off that listing;
/// and `milestones_missed` lists the one item with the milestone it missed.
#[test]
fn the_inspections_mart_traces_to_the_listings_it_counts() {
    let (tmp, _) = scenario_workspace(&fixture("scenarios/inspections"));
    let conn = taizhang::warehouse::open_read_only(tmp.path()).unwrap();
    let counts = [
        "inspections",
        "onsite",
        "covert",
        "joint",
        "third_party",
        "findings",
        "inspections_with_findings",
        "findings_noticed",
        "plans_due",
        "plans_inspected",
        "reports_filed",
    ];
    let mut nonzero = 0;
    for scope in ["510000", "510600", "510603", "510604"] {
        for column in counts {
            // Any period of the year answers for the year.
            let traced = trace_plan(&conn, "mart_inspections", scope, "2024Q3", Some(column));
            let figure: i64 = conn
                .query_row(
                    &format!("select \"{column}\" from ({})", traced.figure_sql),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let measure = if column == "findings" {
                "coalesce(sum(findings) filter (where counted), 0)"
            } else {
                "count(*) filter (where counted)"
            };
            let listed: i64 = conn
                .query_row(
                    &format!("select {measure} from ({})", traced.rows_sql),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(listed, figure, "mart_inspections.{column} for {scope}");
            nonzero += usize::from(figure > 0);
        }
        let traced = trace_plan(
            &conn,
            "mart_inspections",
            scope,
            "2024",
            Some("plan_inspection_rate"),
        );
        let (rate, due, inspected): (Option<f64>, i64, i64) = (
            conn.query_row(
                &format!("select plan_inspection_rate from ({})", traced.figure_sql),
                [],
                |r| r.get(0),
            )
            .unwrap(),
            conn.query_row(
                &format!("select count(*) from ({})", traced.rows_sql),
                [],
                |r| r.get(0),
            )
            .unwrap(),
            conn.query_row(
                &format!(
                    "select count(*) filter (where plans_inspected) from ({})",
                    traced.rows_sql
                ),
                [],
                |r| r.get(0),
            )
            .unwrap(),
        );
        assert_eq!(
            rate,
            (due > 0).then(|| inspected as f64 / due as f64),
            "{scope}"
        );
    }
    assert!(nonzero > 20, "{nonzero} non-zero figures");
    // The plan not inspected is listed among the due ones, with no inspection.
    let traced = trace_plan(
        &conn,
        "mart_inspections",
        "510603",
        "2024Q4",
        Some("plans_due"),
    );
    let due = rows(
        tmp.path(),
        &format!(
            "select source_ref, plans_inspected, coalesce(inspection_ref, '') from ({}) order by all",
            traced.rows_sql
        ),
    );
    assert_eq!(
        due,
        [
            [
                "旌阳区2024年第四季度专项改革方案台账.csv!csv!B3",
                "true",
                "德阳市2024年第四季度改革督察台账.csv!csv!B3"
            ],
            [
                "旌阳区2024年第四季度专项改革方案台账.csv!csv!B5",
                "false",
                ""
            ],
        ]
        .map(|r| r.map(String::from).to_vec())
    );
    let traced = trace_plan(
        &conn,
        "mart_rectification",
        "510600",
        "2024Q3",
        Some("milestones_missed"),
    );
    let missed = rows(
        tmp.path(),
        &format!(
            "select cell, missed_milestones::varchar from ({})",
            traced.rows_sql
        ),
    );
    assert_eq!(missed, [["C3", "[2024-09-30]"].map(String::from).to_vec()]);
}

#[test]
fn trace_names_the_file_sheet_and_cell_of_an_overdue_task() {
    let (tmp, _) = scenario_workspace(&fixture("scenarios/assessment_edge_cases"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .arg("--workspace")
        .arg(tmp.path())
        .args([
            "trace",
            "mart_task_completion",
            "--scope",
            "510600",
            "--period",
            "2024年第二季度",
            "--column",
            "overdue_open",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "a header and the one overdue task: {text}");
    assert!(
        lines[1].starts_with("旌阳区2024年第二季度改革任务台账（更正）.csv,csv,4,B4,510603,"),
        "the current version's row, not the superseded one: {text}"
    );
    assert!(lines[1].contains("推进综合行政执法改革"));

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .arg("--workspace")
        .arg(tmp.path())
        .args([
            "trace",
            "mart_task_completion",
            "--scope",
            "510600",
            "--period",
            "2024Q2",
            "--column",
            "nope",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("has no column nope"));
}

/// The row keys kept in the lake since ingest computes them
/// (`src/ledger/keys.rs`) and the keys `int_ledger_rows` computes for parts
/// written before that give the same comparison: the scenario's parts are
/// rewritten without the key columns, as an older lake's are, and the build
/// must match the ledgers' rows and changes exactly as before.
#[test]
fn a_lake_written_before_the_row_keys_compares_ledgers_the_same() {
    let (tmp, _) = scenario_workspace(&fixture("scenarios/supervision_loop"));
    let compared = |root: &Path| {
        (
            rows(
                root,
                "select columns(* exclude (raw_rowid))::varchar from int_ledger_rows order by all",
            ),
            rows(
                root,
                "select columns(*)::varchar from mart_ledger_changes order by all",
            ),
        )
    };
    let keyed = compared(tmp.path());
    assert!(!keyed.1.is_empty(), "the scenario has changes");
    let stored = rows(
        tmp.path(),
        "select count(*) filter (where title_key is null) from raw_tasks",
    );
    assert_eq!(stored[0][0], "0", "ingest keys every row");

    let ws = taizhang::workspace::Workspace::open(tmp.path()).unwrap();
    let lake = taizhang::lake::Lake::new(ws.lake());
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let mut rewritten = 0;
    for table in ["tasks", "rectifications", "plans", "pilots"] {
        for part in lake.parts(table).unwrap() {
            let old = part.with_extension("old.parquet");
            std::fs::rename(&part, &old).unwrap();
            conn.execute_batch(&format!(
                "copy (select * exclude (title_key, title_repeats, is_numbered) \
                 from read_parquet('{}')) to '{}' (format parquet)",
                old.display(),
                part.display()
            ))
            .unwrap();
            std::fs::remove_file(&old).unwrap();
            rewritten += 1;
        }
    }
    assert!(rewritten >= 4, "{rewritten} parts");
    build(&ws);
    let stored = rows(
        tmp.path(),
        "select count(*) filter (where title_key is null), count(*) from raw_tasks",
    );
    assert_eq!(
        stored[0][0], stored[0][1],
        "the keys are gone from the parts"
    );
    assert_eq!(compared(tmp.path()), keyed);
}

/// One number of a scenario's warehouse.
fn number(conn: &duckdb::Connection, sql: &str) -> f64 {
    conn.query_row(&format!("select cast(({sql}) as double)"), [], |r| {
        r.get::<_, Option<f64>>(0)
    })
    .unwrap()
    .unwrap_or(0.0)
}

/// Every figure of the annual assessment scenario traces to what it stands
/// on: a unit's deductions (ledger, rules, capped total) to the sum of its
/// traced deduction lines, its base score to the mean of its traced quarters
/// (a missing one counted 0), an exemption's removals to its traced rows, the
/// docking counts to the traced assignments and a leader's counts to the
/// traced tasks naming them.
#[test]
fn the_annual_assessment_traces_to_its_cells_and_rules() {
    let (tmp, _) = scenario_workspace(&fixture("scenarios/annual_assessment"));
    let conn = taizhang::warehouse::open_read_only(tmp.path()).unwrap();
    let cap: f64 = number(&conn, "select deductions_cap from stg_config");
    assert_eq!(cap, 3.0);
    let scopes = [
        "510600",
        "510700",
        "510603",
        "510604",
        "510623",
        "SC-XCB",
        "115100000089145677",
    ];
    let mut deducted = 0;
    for scope in scopes {
        let figure = |column: &str| {
            let t = trace_plan(
                &conn,
                "mart_annual_assessment",
                scope,
                "2024Q4",
                Some(column),
            );
            (
                number(
                    &conn,
                    &format!("select \"{column}\" from ({})", t.figure_sql),
                ),
                t.rows_sql,
            )
        };
        for (column, capped) in [
            ("deductions_ledger", false),
            ("deductions_rules", false),
            ("deductions", true),
        ] {
            let (value, rows) = figure(column);
            let sum = number(&conn, &format!("select sum(points) from ({rows})"));
            let expect = if capped { sum.min(cap) } else { sum };
            assert!(
                (value - expect).abs() < 0.005,
                "{scope} {column}: {value} vs {expect}"
            );
            if sum > 0.0 {
                deducted += 1;
                // Every line names its cell, or is a rule's quarter with its figures.
                let bare = number(
                    &conn,
                    &format!(
                        "select count(*) from ({rows}) where source_ref is null and (rule is null or period is null)"
                    ),
                );
                assert_eq!(bare, 0.0, "{scope} {column}");
            }
        }
        let (base, rows) = figure("base_score");
        let mean = number(&conn, &format!("select avg(counted_as) from ({rows})"));
        assert!((base - mean).abs() < 0.005, "{scope}: {base} vs {mean}");
        let (events, rows) = figure("accountability_events");
        let listed = number(
            &conn,
            &format!("select count(*) filter (where counted) from ({rows})"),
        );
        assert_eq!(events, listed, "{scope}");
    }
    assert!(deducted >= 6, "{deducted}");
    // 中江县's missing quarter is listed, counted 0.
    let t = trace_plan(
        &conn,
        "mart_annual_assessment",
        "510623",
        "2024Q4",
        Some("base_score"),
    );
    let missing = number(
        &conn,
        &format!(
            "select count(*) from ({}) where missing and counted_as = 0",
            t.rows_sql
        ),
    );
    assert_eq!(missing, 1.0);

    // The exemption's removals are its traced rows.
    for (column, measure) in [
        ("rows_covered", "count(*)"),
        ("overdue_removed", "count(*)"),
        ("alerts_removed", "count(*)"),
        ("points_removed", "count(*) * 0.5"),
        ("points_spared_uncapped", "count(*) * 0.5"),
    ] {
        let t = trace_plan(&conn, "mart_exemptions", "510604", "2024Q4", Some(column));
        let value = number(
            &conn,
            &format!("select \"{column}\" from ({})", t.figure_sql),
        );
        let listed = number(&conn, &format!("select {measure} from ({})", t.rows_sql));
        assert_eq!(value, listed, "mart_exemptions.{column}");
        assert!(value > 0.0, "{column}");
    }

    for scope in ["510000", "510600", "510623", "115100000089145677"] {
        for column in ["assigned", "found", "missing", "deadline_later"] {
            let t = trace_plan(
                &conn,
                "mart_assignment_docking",
                scope,
                "2024Q4",
                Some(column),
            );
            let value = number(
                &conn,
                &format!("select \"{column}\" from ({})", t.figure_sql),
            );
            let listed = number(
                &conn,
                &format!(
                    "select count(*) filter (where counted) from ({})",
                    t.rows_sql
                ),
            );
            assert_eq!(value, listed, "mart_assignment_docking.{column} of {scope}");
        }
    }

    // 旌阳区's leader, written 张明 and 张　明: one leader, both tasks traced.
    for column in ["tasks", "major", "done", "overdue_open"] {
        let t = trace_plan(&conn, "mart_leaders", "510603", "2024Q4", Some(column));
        let value = number(
            &conn,
            &format!("select \"{column}\" from ({})", t.figure_sql),
        );
        let listed = number(&conn, &format!("select count(*) from ({})", t.rows_sql));
        assert_eq!(value, listed, "mart_leaders.{column}");
    }
    let t = trace_plan(&conn, "mart_leaders", "510603", "2024Q4", Some("tasks"));
    let written = rows(
        tmp.path(),
        &format!(
            "select distinct leader, written from ({}) order by written",
            t.rows_sql
        ),
    );
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(written.iter().all(|r| r[0] == "张明"), "{written:?}");
}

/// The alerts the annual assessment raises, and the ones an exemption keeps
/// back: 罗江区's exempted major task is named overdue in Q1 and Q2 only.
#[test]
fn the_annual_assessment_raises_its_alerts_and_an_exemption_silences_one() {
    let (tmp, built) = scenario_workspace(&fixture("scenarios/annual_assessment"));
    assert_eq!(built.failed_tests().count(), 0);
    let alerts = rows(
        tmp.path(),
        "select period, scope_code, alert, coalesce(source_ref, '') from mart_alerts \
         where alert in ('named_in_annual_assessment', 'accountability_event', 'assigned_task_missing') \
            or (alert = 'overdue_major_task' and scope_code = '510604') \
         order by alert, scope_code, period",
    );
    let want: Vec<Vec<String>> = [
        [
            "2024Q4",
            "510604",
            "accountability_event",
            "2024年度改革问责台账.csv!csv!D3",
        ],
        [
            "2024Q4",
            "510623",
            "assigned_task_missing",
            "2024年全省全面深化改革工作要点任务分解表.csv!csv!B6",
        ],
        ["2024Q4", "510600", "named_in_annual_assessment", ""],
        ["2024Q4", "510604", "named_in_annual_assessment", ""],
        [
            "2024Q1",
            "510604",
            "overdue_major_task",
            "罗江区2024年第一季度改革任务台账.csv!csv!B4",
        ],
        [
            "2024Q2",
            "510604",
            "overdue_major_task",
            "罗江区2024年第二季度改革任务台账.csv!csv!B4",
        ],
    ]
    .iter()
    .map(|r| r.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(alerts, want);
    let overdue = rows(
        tmp.path(),
        "select period, overdue_open from mart_task_completion where scope_code = '510604' order by period",
    );
    assert_eq!(
        overdue,
        [
            ["2024Q1", "1"],
            ["2024Q2", "1"],
            ["2024Q3", "0"],
            ["2024Q4", "0"]
        ]
        .map(|r| r.map(String::from).to_vec())
    );
}

/// The annual assessment's data tests fail when its rules are broken: a
/// workspace override of mart_annual_assessment that forgets the cap fails
/// the arithmetic test on 中江县 (3.5 deducted where the cap is 3); one that
/// names nobody fails the naming test on the two units a rule names; one of
/// int_task_facts that counts an exempted task overdue fails the exemption
/// test on 罗江区's Q3 and Q4 rows. The shipped models pass all three.
#[test]
fn the_annual_data_tests_fail_when_a_rule_is_broken() {
    let (tmp, built) = scenario_workspace(&fixture("scenarios/annual_assessment"));
    let failing = |b: &taizhang::warehouse::BuildResult, name: &str| {
        b.tests
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} runs"))
            .failing_rows
    };
    let arithmetic = "assert_annual_final_is_base_minus_capped_deductions";
    let naming = "assert_named_units_meet_a_naming_rule";
    let exempted = "assert_no_exempted_item_counts_overdue";
    for name in [arithmetic, naming, exempted] {
        assert_eq!(failing(&built, name), 0, "{name}");
    }
    let shipped = |path: &str| std::fs::read_to_string(repo(path)).unwrap();
    let rebuild_with = |path: &str, from: &str, to: &str| {
        let original = shipped(path);
        let tampered = original.replace(from, to);
        assert_ne!(tampered, original, "{path}: {from}");
        let target = tmp.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, tampered).unwrap();
        let ws = taizhang::workspace::Workspace::open(tmp.path()).unwrap();
        let rebuilt = build(&ws);
        std::fs::remove_file(&target).unwrap();
        rebuilt
    };
    let uncapped = rebuild_with(
        "sql/marts/mart_annual_assessment.sql",
        "then round(config.deductions_cap, 2)",
        "then scored.deductions_total",
    );
    assert_eq!(failing(&uncapped, arithmetic), 1);
    let unnamed = rebuild_with(
        "sql/marts/mart_annual_assessment.sql",
        "reasons <> '' as named,",
        "false as named,",
    );
    assert_eq!(failing(&unnamed, naming), 2);
    let unexempted = rebuild_with(
        "sql/intermediate/int_task_facts.sql",
        "is_due and not is_done and not is_exempted as overdue_open,",
        "is_due and not is_done as overdue_open,",
    );
    assert_eq!(failing(&unexempted, exempted), 2);
}

/// The annual scenario copied into `tmp`, with `changes` (path under
/// `input/`, CSV text, received at; an empty time replaces a file the
/// scenario has), ingested into a workspace there, not yet built.
fn annual_scenario_with(
    tmp: &Path,
    changes: &[(&str, &str, &str)],
) -> taizhang::workspace::Workspace {
    let from = fixture("scenarios/annual_assessment");
    let input = tmp.join("scenario-input");
    for file in walk(&from.join("input")) {
        let to = input.join(file.strip_prefix(from.join("input")).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    let mut received = std::fs::read_to_string(input.join("received.csv")).unwrap();
    for (path, text, at) in changes {
        let to = input.join(path);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(&to, text).unwrap();
        if !at.is_empty() {
            received.push_str(&format!("{path},{at}\n"));
        }
    }
    std::fs::write(input.join("received.csv"), received).unwrap();
    let root = tmp.join("ws");
    std::fs::create_dir_all(&root).unwrap();
    for file in ["roster.csv", "taizhang.toml"] {
        std::fs::copy(from.join(file), root.join(file)).unwrap();
    }
    let ws = taizhang::workspace::Workspace::open(&root).unwrap();
    ingest(&ws, &[input], &options());
    ws
}

/// The office corrects itself: its running deductions ledger, sent again
/// with the fourth quarter, gives 旌阳区's 2024-06-15 deduction 2 points where
/// the third quarter's listing said 3 — the correction replaces the row, it
/// does not add one. An exemption given by 序号 ("（02）", 旌阳区, 2024-07-01)
/// covers the task numbered 2 of 旌阳区's 2024 ledgers, not the rectification
/// item numbered 2, nor 2025's task 2; one by a 序号 that two sections of a
/// ledger restart at names nothing. The cap (2.5 here) would have cut the
/// 0.5 point the exemption spares anyway, so it removes none. 罗江区's exempted
/// task, still open in 2025, is listed as spared in 2025 too; and the
/// exemption silences the missed milestone of a rectification item under the
/// exempted title.
#[test]
fn corrections_replace_office_rows_and_exemptions_stay_within_their_items() {
    let tmp = tempfile::tempdir().unwrap();
    let tasks_header =
        "序号,改革任务,牵头单位,责任单位,牵头领导,完成时限,完成状态,实际完成时间,是否重大改革任务";
    let toml = std::fs::read_to_string(fixture("scenarios/annual_assessment/taizhang.toml"))
        .unwrap()
        .replace("cap = 3", "cap = 2.5");
    let deductions_q3 = "2024年度全面深化改革考核扣分台账（三季度）,,,,,,\n\
        序号,被扣分单位,扣分时间,扣分原因,扣分分值,扣分来源,文号\n\
        1,旌阳区,2024-06-15,督察发现问题整改不力,3,督察发现,川改督〔2024〕2号\n";
    let exemptions_q3 = "2024年度容错免责认定台账（三季度）,,,,,\n\
        序号,被认定单位,免责事项,认定时间,认定文号,认定情形\n\
        1,旌阳区,（02）,2024-07-01,川改办〔2024〕6号,缺乏经验先行先试\n\
        2,绵阳市,1,2024-10-01,川改办〔2024〕7号,推动发展\n";
    let mianyang_q4 = format!(
        "绵阳市2024年第四季度改革任务台账,,,,,,,,\n{tasks_header}\n\
         一、经济体制改革,,,,,,,,\n\
         1,深化科技城管理体制改革,市科技局,,王强,2024-12-31,已完成,2024-12-20,否\n\
         二、民主法制领域改革,,,,,,,,\n\
         1,推进基层治理现代化,市民政局,,王强,2024-09-30,推进中,,是\n"
    );
    let jingyang_rectification = "旌阳区2024年第四季度督察整改台账,,,,,,\n\
        序号,问题来源,问题描述,整改措施,责任单位,整改时限,整改状态\n\
        1,省委巡视,审批时限过长,压缩审批时限,区政务服务局,2024-12-31,已整改\n\
        2,省委巡视,基层减负不到位,清理考核事项,区委办,2024-09-30,整改中\n";
    let luojiang_rectification = "罗江区2024年第四季度督察整改台账,,,,,,,\n\
        序号,问题来源,问题描述,整改措施,责任单位,整改时限,整改状态,进度节点\n\
        1,省委巡视,推进数字政府改革,建成政务数据平台,区大数据中心,2025-06-30,整改中,2024年10月31日\n";
    let jingyang_2025 = format!(
        "旌阳区2025年第一季度改革任务台账,,,,,,,,\n{tasks_header}\n\
         1,推进区级政务服务“一网通办”,区政务服务局,,张明,2025-03-31,已完成,2025-03-20,否\n\
         2,深化区属国企改革,区国资局,,张明,2025-03-31,推进中,,是\n"
    );
    let luojiang_2025 = format!(
        "罗江区2025年第一季度改革任务台账,,,,,,,,\n{tasks_header}\n\
         1,推进数字政府改革,区大数据中心,,赵刚,2024-03-31,推进中,,是\n"
    );
    let ws = annual_scenario_with(
        tmp.path(),
        &[
            (
                "2024Q3/510000/2024年度全面深化改革考核扣分台账（三季度）.csv",
                deductions_q3,
                "2024-10-10T09:00:00+08:00",
            ),
            (
                "2024Q3/510000/2024年度容错免责认定台账（三季度）.csv",
                exemptions_q3,
                "2024-10-10T09:00:00+08:00",
            ),
            (
                "2024Q4/510603/旌阳区2024年第四季度督察整改台账.csv",
                jingyang_rectification,
                "2025-01-08T09:00:00+08:00",
            ),
            (
                "2024Q4/510604/罗江区2024年第四季度督察整改台账.csv",
                luojiang_rectification,
                "2025-01-08T09:00:00+08:00",
            ),
            (
                "2024Q4/510700/绵阳市2024年第四季度改革任务台账.csv",
                &mianyang_q4,
                "",
            ),
            (
                "2025Q1/510603/旌阳区2025年第一季度改革任务台账.csv",
                &jingyang_2025,
                "2025-04-08T09:00:00+08:00",
            ),
            (
                "2025Q1/510604/罗江区2025年第一季度改革任务台账.csv",
                &luojiang_2025,
                "2025-04-08T09:00:00+08:00",
            ),
        ],
    );
    std::fs::write(ws.root.join("taizhang.toml"), toml).unwrap();
    let ws = taizhang::workspace::Workspace::open(&ws.root).unwrap();
    let built = build(&ws);
    assert_eq!(built.failed_tests().count(), 0, "{:?}", built.tests);
    let q = |sql: &str| rows(&ws.root, sql);

    // The corrected deduction counts once, with the points of the later listing.
    assert_eq!(
        q("select points, is_counted from int_office_listings \
           where kind = 'deductions' and unit_code = '510603' order by submission_id = \
           (select submission_id from int_office_listings where kind = 'deductions' \
            and unit_code = '510603' and points = 2)"),
        [["3.0000", "false"], ["2.0000", "true"]].map(|r| r.map(String::from).to_vec())
    );
    assert_eq!(
        q("select deductions_ledger from mart_annual_assessment \
           where year = 2024 and scope_code = '510603'"),
        [["2.0000"]]
    );

    // 序号 （02） covers 旌阳区's 2024 task rows numbered 2 from the decision
    // on; 绵阳市's 序号 1 numbers two rows of its sectioned ledger, so it
    // names neither (the exemption is listed, covering nothing).
    assert_eq!(
        q("select rows_covered from mart_exemptions where scope_code = '510700'"),
        [["0"]]
    );
    assert_eq!(
        q("select period, item_kind, title from int_exempted_rows \
           where region_code = '510603' order by period"),
        [
            ["2024Q3", "task", "深化国资国企改革"],
            ["2024Q4", "task", "深化国资国企改革"]
        ]
        .map(|r| r.map(String::from).to_vec())
    );
    // It spares Q3's 0.5 point, which the cap of 2.5 would have cut anyway:
    // 2 (ledger) + 0.5 (Q2) = 2.5 with it, 3 capped to 2.5 without it.
    assert_eq!(
        q(
            "select year, overdue_removed, points_spared_uncapped, points_removed \
           from mart_exemptions where scope_code = '510603'"
        ),
        [["2024", "1", "0.5000", "0.0000"]]
    );
    assert_eq!(
        q(
            "select deductions, deductions_capped from mart_annual_assessment \
           where year = 2024 and scope_code = '510603'"
        ),
        [["2.5000", "false"]]
    );

    // 罗江区's exemption, decided in 2024, still spares its open task in 2025.
    assert_eq!(
        q(
            "select year, rows_covered, overdue_removed from mart_exemptions \
           where scope_code = '510604' order by year"
        ),
        [["2024", "3", "2"], ["2025", "1", "1"]].map(|r| r.map(String::from).to_vec())
    );
    // ... and the rectification item of that title misses its milestone
    // (2024-10-31, no report) without an alert.
    assert_eq!(
        q(
            "select milestones_missed, exempted from int_rectification_facts \
           where region_code = '510604'"
        ),
        [["false", "true"]]
    );
    assert_eq!(
        q("select count(*) from mart_alerts where alert = 'milestone_missed'"),
        [["0"]]
    );
}

/// A breakdown's year is its title's: the office sends next year's
/// 工作要点 (its title says 2025, no 年度 column) with a 2024 ledger, and its
/// tasks are assigned for 2025 — not docked against 2024's ledgers, where
/// they would all be missing. A task found is compared by the deadline of
/// the row it is found as (the latest period's): 旌阳区 once wrote 2024-12-31
/// for 深化国资国企改革 (assigned 2024-06-30), then corrected it, so the
/// deadline is not later.
#[test]
fn a_breakdown_takes_its_titles_year_and_a_found_task_its_latest_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let breakdown_2025 = "2025年全省全面深化改革工作要点任务分解表,,,,\n\
        序号,改革任务,牵头单位,完成时限,是否重大改革任务\n\
        1,深化科技城管理体制改革,绵阳市,6月底,否\n\
        2,推进县域商业体系建设,中江县,2025-09-30,否\n";
    let jingyang_q2 = std::fs::read_to_string(fixture(
        "scenarios/annual_assessment/input/2024Q2/510603/旌阳区2024年第二季度改革任务台账.csv",
    ))
    .unwrap()
    .replace(
        "2,深化国资国企改革,区国资局,,张　明,2024-06-30",
        "2,深化国资国企改革,区国资局,,张　明,2024-12-31",
    );
    assert!(jingyang_q2.contains("2024-12-31"), "{jingyang_q2}");
    let ws = annual_scenario_with(
        tmp.path(),
        &[
            (
                "2024Q4/510000/2025年全省全面深化改革工作要点任务分解表.csv",
                breakdown_2025,
                "2024-12-20T09:00:00+08:00",
            ),
            (
                "2024Q2/510603/旌阳区2024年第二季度改革任务台账.csv",
                &jingyang_q2,
                "",
            ),
        ],
    );
    let built = build(&ws);
    assert_eq!(built.failed_tests().count(), 0, "{:?}", built.tests);
    let q = |sql: &str| rows(&ws.root, sql);
    assert_eq!(
        q(
            "select year, lead_code, cast(deadline_on as varchar), found from int_assignments \
           where source_ref like '2025年%' order by source_ref"
        ),
        [
            ["2025", "510700", "2025-06-30", "false"],
            ["2025", "510623", "2025-09-30", "false"]
        ]
        .map(|r| r.map(String::from).to_vec())
    );
    // 2024's docking is the scenario's: 绵阳市 was assigned nothing that year.
    assert_eq!(
        q("select assigned, missing from mart_assignment_docking \
           where year = 2024 and scope_code in ('510700', '510000') order by scope_code"),
        [["4", "1"], ["0", "0"]].map(|r| r.map(String::from).to_vec())
    );
    assert_eq!(
        q(
            "select found_title, cast(found_deadline_on as varchar), deadline_later \
           from int_assignments where year = 2024 and lead_code = '510603'"
        ),
        [["深化国资国企改革", "2024-06-30", "false"]]
    );
}

/// A quarter is assessed once its ledgers are due (E + grace_days), not
/// when the first unit sends one: 绵阳市 sends its 2025Q1 ledger on 20 March.
/// As of 25 March, 2025 has no assessed quarter, so nobody is charged for
/// not sending it; as of 11 April (due 10 April) it is assessed, and 德阳市,
/// which sent nothing, loses per_unsubmitted_quarter's 2 points for it.
#[test]
fn a_quarter_is_assessed_only_once_its_ledgers_are_due() {
    let tmp = tempfile::tempdir().unwrap();
    let mianyang_2025 = "绵阳市2025年第一季度改革任务台账,,,,,,,,\n\
        序号,改革任务,牵头单位,责任单位,牵头领导,完成时限,完成状态,实际完成时间,是否重大改革任务\n\
        1,深化科技城管理体制改革,市科技局,,王强,2025-03-31,已完成,2025-03-15,否\n";
    let ws = annual_scenario_with(
        tmp.path(),
        &[(
            "2025Q1/510700/绵阳市2025年第一季度改革任务台账.csv",
            mianyang_2025,
            "2025-03-20T09:00:00+08:00",
        )],
    );
    let build_as_of = |at: &str, name: &str| {
        let _lock = ws.lock().unwrap();
        let out = ws.root.join(name);
        taizhang::warehouse::build_to(&ws, name, Some(time(at)), &out).unwrap();
        out
    };
    let early = build_as_of("2025-03-25T12:00:00+08:00", "early.duckdb");
    let due = build_as_of("2025-04-11T00:30:00+08:00", "due.duckdb");
    let charged = |db: &Path| {
        rows_in(
            db,
            "select (select count(*) from int_assessment_quarters where year = 2025), \
             (select count(*) from mart_annual_assessment where year = 2025), \
             (select coalesce(sum(points), 0) from mart_assessment_deductions \
              where year = 2025 and scope_code = '510600')",
        )
    };
    assert_eq!(charged(&early), [["0", "0", "0.0000"]]);
    let assessed = charged(&due);
    assert_eq!(assessed[0][0], "1");
    assert_ne!(assessed[0][1], "0");
    assert_eq!(assessed[0][2], "2.0000");
}

/// Exemptions share what the cap lets them spare, and the shares add up:
/// 罗江区's Q1 ledger has three more overdue major tasks, each exempted
/// (2024-01-15), sparing 3 × 0.5 = 1.5 points; with the scenario's exemption
/// of 推进数字政府改革 (Q3 and Q4, 1 point) 2.5 are spared. Its deductions are
/// 1 (推进数字政府改革, Q1 and Q2), and with a cap of 1.33 the exemptions save
/// 1.33 − 1 = 0.33, not 2.5: 0.132 → 0.13 for the old one, 0.066 → 0.07 for
/// two of the new ones, and the last (by source_ref) takes the rest, 0.06.
#[test]
fn exemptions_share_a_capped_saving_and_the_shares_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let luojiang_q1 = "罗江区2024年第一季度改革任务台账,,,,,,,,\n\
        序号,改革任务,牵头单位,责任单位,牵头领导,完成时限,完成状态,实际完成时间,是否重大改革任务\n\
        1,深化农村集体产权制度改革,区农业农村局,,赵刚,2024-03-31,已完成,2024-03-20,否\n\
        2,推进数字政府改革,区大数据中心,,赵刚,2024-03-31,推进中,,是\n\
        3,推进区属国有林场改革试点,区林业局,,赵刚,2024-03-31,推进中,,是\n\
        4,推进城乡供水一体化改革,区水利局,,赵刚,2024-03-31,推进中,,是\n\
        5,深化乡镇行政区划调整改革,区民政局,,赵刚,2024-03-31,推进中,,是\n";
    let exemptions = "2024年度容错免责认定台账（一季度）,,,,,\n\
        序号,被认定单位,免责事项,认定时间,认定文号,认定情形\n\
        1,罗江区,推进区属国有林场改革试点,2024-01-15,川改办〔2024〕1号,探索创新\n\
        2,罗江区,推进城乡供水一体化改革,2024-01-15,川改办〔2024〕2号,探索创新\n\
        3,罗江区,深化乡镇行政区划调整改革,2024-01-15,川改办〔2024〕3号,探索创新\n";
    let ws = annual_scenario_with(
        tmp.path(),
        &[
            (
                "2024Q1/510604/罗江区2024年第一季度改革任务台账.csv",
                luojiang_q1,
                "",
            ),
            (
                "2024Q1/510000/2024年度容错免责认定台账（一季度）.csv",
                exemptions,
                "2024-04-10T09:00:00+08:00",
            ),
        ],
    );
    let toml = std::fs::read_to_string(ws.root.join("taizhang.toml"))
        .unwrap()
        .replace("cap = 3", "cap = 1.33");
    std::fs::write(ws.root.join("taizhang.toml"), toml).unwrap();
    let ws = taizhang::workspace::Workspace::open(&ws.root).unwrap();
    let built = build(&ws);
    assert_eq!(built.failed_tests().count(), 0, "{:?}", built.tests);
    let shares = rows(
        &ws.root,
        "select points_spared_uncapped, points_removed from mart_exemptions \
         where year = 2024 and scope_code = '510604' order by source_ref",
    );
    assert_eq!(
        shares,
        [
            ["1.0000", "0.1300"],
            ["0.5000", "0.0700"],
            ["0.5000", "0.0700"],
            ["0.5000", "0.0600"]
        ]
        .map(|r| r.map(String::from).to_vec())
    );
    assert_eq!(
        rows(
            &ws.root,
            "select deductions_rules, deductions from mart_annual_assessment \
             where year = 2024 and scope_code = '510604'"
        ),
        [["1.0000", "1.0000"]]
    );
}
