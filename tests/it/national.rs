//! The national sample, scaled down: the same marts whether its files are
//! ingested one by one, all at once, or twice, and after compaction
//! (issue 6). Every row keeps its submission and cell through compaction.

use std::path::{Path, PathBuf};

use crate::common::{build, options, rows};
use taizhang::ingest::{self, Input};
use taizhang::lake::Lake;
use taizhang::sample::{NationalOptions, Scale, generate_with};
use taizhang::workspace::Workspace;

/// Two quarters of the first 14 units of the national roster.
fn corpus() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let opts = NationalOptions {
        quarters: 2,
        units: Some(14),
        tasks: None,
    };
    let summary = generate_with(dir.path(), 5, Scale::National, opts).unwrap();
    let mut files = summary.files;
    files.sort();
    (dir, files)
}

/// A workspace whose roster is the national roster's first province (the one
/// the corpus's units belong to): the build's work, in a debug DuckDB, stays
/// proportional to the corpus rather than to 3,300 units.
fn workspace(data: &Path) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    Workspace::init(dir.path()).unwrap();
    let roster = std::fs::read_to_string(data.join("roster.csv")).unwrap();
    let first_province: String = roster
        .lines()
        .enumerate()
        .filter(|(i, line)| *i == 0 || line.starts_with("11"))
        .map(|(_, line)| format!("{line}\n"))
        .collect();
    std::fs::write(dir.path().join("roster.csv"), first_province).unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    (dir, ws)
}

/// Ingests `files` as one batch; `received.csv` is looked up from `data`.
fn ingest_batch(ws: &Workspace, data: &Path, files: &[PathBuf]) -> ingest::ImportSummary {
    let _lock = ws.lock().unwrap();
    let inputs: Vec<Input> = files
        .iter()
        .map(|f| Input::new(f.clone(), data.to_path_buf()))
        .collect();
    ingest::run(ws, &inputs, &options(), &|_, _| {}).unwrap()
}

/// Every mart, every row, plus the lake's rows per table and submission.
fn everything(root: &Path) -> Vec<Vec<String>> {
    let marts = rows(
        root,
        "select table_name from information_schema.tables \
         where table_name like 'mart_%' order by table_name",
    );
    let shipped = taizhang::warehouse::models::SHIPPED
        .iter()
        .filter(|(layer, _, _)| *layer == taizhang::warehouse::Layer::Marts)
        .count();
    assert_eq!(marts.len(), shipped, "every mart is built");
    let mut all = Vec::new();
    for mart in marts {
        let name = &mart[0];
        all.push(vec![name.clone()]);
        all.extend(rows(root, &format!("select * from {name} order by all")));
    }
    for (table, position) in [
        ("raw_tasks", "source_row"),
        ("raw_rectifications", "source_row"),
        ("raw_satisfaction", "source_row"),
        ("raw_issues", "cell"),
    ] {
        all.extend(rows(
            root,
            &format!(
                "select '{table}', submission_id, count(*), min({position}), max({position}) \
                 from {table} group by all order by all"
            ),
        ));
    }
    all.extend(rows(
        root,
        "select submission_id, kind, region_code, period, rows_ok, rows_rejected, status, received_at \
         from stg_submissions order by all",
    ));
    all
}

#[test]
fn the_same_marts_file_by_file_all_at_once_twice_and_compacted() {
    let (data, files) = corpus();
    assert!(files.len() >= 24, "{} files", files.len());

    let (once_dir, once) = workspace(data.path());
    let report = ingest_batch(&once, data.path(), &files);
    assert_eq!(report.accepted(), files.len());
    assert!(build(&once).tests.iter().all(|t| t.failing_rows == 0));
    let expected = everything(once_dir.path());
    assert!(expected.len() > 200, "the marts hold rows");

    // File by file: one batch, and one part per table and period, each.
    let (single_dir, single) = workspace(data.path());
    for file in &files {
        ingest_batch(&single, data.path(), std::slice::from_ref(file));
    }
    build(&single);
    assert_eq!(everything(single_dir.path()), expected, "file by file");

    // The same files again change nothing.
    let again = ingest_batch(&once, data.path(), &files);
    assert_eq!(again.skipped(), files.len());
    assert!(again.batch_id.is_none(), "nothing new, no batch");
    build(&once);
    assert_eq!(everything(once_dir.path()), expected, "twice");

    // Compacted: one part per (table, period), the same rows and figures.
    let lake = Lake::new(single.lake());
    let before = lake.parts("tasks").unwrap().len();
    assert_eq!(before, files.len(), "one tasks part per file");
    let (groups, replaced) = {
        let _lock = single.lock().unwrap();
        lake.compact(taizhang::lake::Compaction::All).unwrap()
    };
    assert!(replaced > groups, "{groups} groups, {replaced} parts");
    for table in ["tasks", "pilots", "submissions", "issues"] {
        let parts = lake.parts(table).unwrap();
        let periods: std::collections::BTreeSet<_> = parts
            .iter()
            .map(|p| p.parent().unwrap().to_path_buf())
            .collect();
        assert_eq!(parts.len(), periods.len(), "{table}: one part per period");
    }
    assert_eq!(lake.parts("tasks").unwrap().len(), 2, "two quarters");
    let on_disk = crate::common::walk(&single.lake())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .count();
    let live: usize = taizhang::ledger::Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(["submissions", "issues"])
        .map(|t| lake.parts(t).unwrap().len())
        .sum();
    assert_eq!(on_disk, live, "replaced parts are deleted");
    build(&single);
    assert_eq!(everything(single_dir.path()), expected, "compacted");

    // A compacted lake still recognises every file it holds.
    let third = ingest_batch(&single, data.path(), &files);
    assert_eq!(third.skipped(), files.len());
}

/// More files than the parsing window: when the writing side fails on the
/// first file, the workers waiting for room are released (no hang), the
/// ingest reports the error and nothing is committed.
/// `taizhang sample` carries a unit's rows from one quarter to the next: the
/// same tasks with the same lead units, a few changes between them, and no
/// deadline ever moved earlier (nothing in the generator does that).
#[test]
fn consecutive_quarters_carry_their_rows_over_with_a_few_changes() {
    let (data, files) = corpus();
    let (dir, ws) = workspace(data.path());
    ingest_batch(&ws, data.path(), &files);
    build(&ws);
    let kept = rows(
        dir.path(),
        "with q as (select region_code, period, task, lead_unit from stg_tasks) \
         select count(*) filter (where q2.task is not null), count(*) \
         from q as q1 left join q as q2 \
           on q2.region_code = q1.region_code and q2.task = q1.task and q2.lead_unit = q1.lead_unit \
              and q2.period = '2024Q2' \
         where q1.period = '2024Q1' \
           and q1.region_code in (select region_code from q where period = '2024Q2')",
    );
    let (same, q1): (f64, f64) = (kept[0][0].parse().unwrap(), kept[0][1].parse().unwrap());
    assert!(q1 > 1000.0, "{q1}");
    // Of the units that sent both quarters (one in thirty skips one).
    assert!(
        same / q1 > 0.97,
        "{same} of {q1} Q1 rows are in Q2 unchanged"
    );

    let changes = rows(
        dir.path(),
        "select change, count(*) from mart_ledger_changes where period = '2024Q2' group by all order by all",
    );
    let count = |kind: &str| -> f64 {
        changes
            .iter()
            .find(|r| r[0] == kind)
            .map_or(0.0, |r| r[1].parse().unwrap())
    };
    for kind in [
        "deadline_later",
        "row_removed",
        "major_dropped",
        "row_added",
    ] {
        assert!(count(kind) > 0.0, "{kind}: {changes:?}");
    }
    assert_eq!(count("deadline_earlier"), 0.0, "{changes:?}");
    let all: f64 = changes.iter().map(|r| r[1].parse::<f64>().unwrap()).sum();
    assert!(all / q1 < 0.05, "{all} changes for {q1} rows: {changes:?}");
}

/// A year of `taizhang sample`'s 督察 (issue 33), for two cities' offices
/// and their counties: most plans due are inspected, once each, and a few
/// are not (named at the year's end only); most inspections are on the
/// ground; findings go out as notices whose items carry milestones, some
/// missed, and each office has one finding no ledger took up.
#[test]
fn a_year_of_the_sample_inspects_most_plans_once_mostly_on_site_with_one_finding_per_office_unnoticed()
 {
    let data = tempfile::tempdir().unwrap();
    let opts = NationalOptions {
        quarters: 4,
        // 安安市 and 忠和市, each with all its counties.
        units: Some(15),
        tasks: None,
    };
    let summary = generate_with(data.path(), 5, Scale::National, opts).unwrap();
    let (dir, ws) = workspace(data.path());
    ingest_batch(&ws, data.path(), &summary.files);
    build(&ws);
    let one = |sql: &str| -> Vec<String> { rows(dir.path(), sql).remove(0) };
    let number = |v: &str| -> f64 { v.parse().unwrap() };

    let province = one(
        "select inspections, desk_share, inspections_with_findings, findings_noticed, \
         plans_due, plans_inspected from mart_inspections where year = 2024 and scope_code = '110000'",
    );
    let figure = |i: usize| number(&province[i]);
    assert!(figure(0) >= 30.0, "{province:?}");
    let desk_share = figure(1);
    assert!(
        desk_share > 0.0 && desk_share < 0.25,
        "most on the ground, some at the desk: {province:?}"
    );
    let (due, inspected) = (figure(4), figure(5));
    assert!(
        inspected < due && inspected >= 0.8 * due,
        "most plans due inspected, a few not: {province:?}"
    );
    assert!(figure(3) < figure(2), "{province:?}");

    // Each inspection is listed once (each quarter's ledger lists that
    // quarter's), and no plan is inspected twice in the year.
    assert_eq!(
        one("select count(*) - count(*) filter (where is_counted) from int_inspections"),
        ["0"]
    );
    assert_eq!(
        one(
            "select count(*) from (select inspected_code, subject from int_inspections \
             where subject_kind = 'plan' group by all having count(*) > 1)"
        ),
        ["0"]
    );
    // A plan issued this autumn is listed, and not yet due.
    assert_eq!(
        one(
            "select count(*) > 0, count(*) filter (where plans_due) from int_inspection_plans \
             where issued_on > date '2024-06-30'"
        ),
        ["true", "0"]
    );
    // The plans not inspected are named at the year's end, and then only.
    let not_inspected = rows(
        dir.path(),
        "select period, count(*) from mart_alerts where alert = 'plan_not_inspected' group by all",
    );
    assert_eq!(
        not_inspected,
        [["2024Q4".to_string(), (due - inspected).to_string()]]
    );
    // One finding of each office never became a notice.
    let unnoticed = rows(
        dir.path(),
        "select distinct substr(scope_code, 1, 4), source_ref from mart_alerts \
         where alert = 'finding_without_notice' order by all",
    );
    let offices: Vec<&str> = unnoticed.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(offices, ["1101", "1102"], "{unnoticed:?}");
    // Notices' items carry their milestones, and some are missed.
    assert_eq!(
        one(
            "select count(*) > 0, count(*) filter (where len(milestones) = 0) \
             from stg_rectifications where notice_no is not null"
        ),
        ["true", "0"]
    );
    assert_ne!(
        one("select sum(milestones_missed) from mart_rectification where scope_code = '110000'"),
        ["0"]
    );
}

#[test]
fn a_failing_archive_stops_a_large_ingest_without_committing() {
    let (data, files) = corpus();
    assert!(files.len() > 20, "{} files", files.len());
    let (dir, ws) = workspace(data.path());
    let archive = dir.path().join("archive");
    std::fs::remove_dir_all(&archive).unwrap();
    std::fs::write(&archive, "not a folder").unwrap();
    let _lock = ws.lock().unwrap();
    let inputs: Vec<Input> = files
        .iter()
        .map(|f| Input::new(f.clone(), data.path().to_path_buf()))
        .collect();
    let err = ingest::run(&ws, &inputs, &options(), &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("archive"), "{err}");
    let lake = Lake::new(ws.lake());
    assert!(lake.batches().unwrap().is_empty());
    assert!(lake.known_files().unwrap().is_empty());
}
