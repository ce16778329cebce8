//! Idempotence and history: ingest, ingest again, resubmit.

use super::common::*;
use taizhang::lake::Lake;

fn lake_files(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walk(&root.join("lake")) {
        out.push(entry.strip_prefix(root).unwrap().display().to_string());
    }
    out.sort();
    out
}

#[test]
fn ingesting_twice_skips_known_files_and_changes_nothing() {
    let (dir, ws) = workspace(Some(
        &std::fs::read_to_string(repo("sample-data/roster.csv")).unwrap(),
    ));
    let first = ingest(&ws, &[repo("sample-data")], &options());
    // 14 region ledgers, the two departments' ledgers of Q1 and Q2 and the
    // province office's workbook.
    assert_eq!(first.accepted(), 19);
    assert_eq!(first.rows_rejected(), 2, "the sample's two bad rows");
    let files_after_first = lake_files(dir.path());
    build(&ws);
    let figures = rows(
        dir.path(),
        "select * from mart_task_completion order by period, scope_code",
    );

    let second = ingest(&ws, &[repo("sample-data")], &options());
    assert_eq!(second.skipped(), 19);
    assert_eq!(second.accepted(), 0);
    assert_eq!(second.batch_id, None, "nothing new, nothing written");
    assert_eq!(lake_files(dir.path()), files_after_first);
    build(&ws);
    assert_eq!(
        rows(
            dir.path(),
            "select * from mart_task_completion order by period, scope_code"
        ),
        figures
    );

    // Every received file is archived, once, under its hash, with its
    // receipt: a line of the batch's log (one batch, so one log).
    let archived: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path().join("archive"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(archived.len(), 19);
    for file in &archived {
        let sha = taizhang::digest::sha256_file(file).unwrap();
        assert_eq!(file.file_stem().unwrap().to_string_lossy(), sha);
    }
    let logs: Vec<_> = std::fs::read_dir(dir.path().join("archive/receipts"))
        .unwrap()
        .collect();
    assert_eq!(logs.len(), 1);
    let receipts = taizhang::receipts::lines(&dir.path().join("archive")).unwrap();
    assert_eq!(receipts.len(), 19);
    assert!(
        receipts
            .iter()
            .all(|(_, _, r)| r["received_at"].is_string())
    );
    let submissions = rows(
        dir.path(),
        "select count(*), count(*) filter (where is_current) from stg_submissions",
    );
    assert_eq!(
        submissions,
        vec![vec!["137".to_string(), "130".to_string()]],
        "广汉市's first Q2 version (its tasks, rectifications, pilots, plans, satisfaction, meetings and \
         publicity ledgers) is history"
    );
}

#[test]
fn the_same_bytes_twice_in_one_batch_are_stored_once() {
    let (dir, ws) = workspace(None);
    let a = dir.path().join("in/a.xlsx");
    let b = dir.path().join("in/b.xlsx");
    std::fs::create_dir_all(a.parent().unwrap()).unwrap();
    std::fs::copy(fixture("title_and_header_row.xlsx"), &a).unwrap();
    std::fs::copy(fixture("title_and_header_row.xlsx"), &b).unwrap();
    let report = ingest(&ws, &[dir.path().join("in")], &options());
    assert_eq!((report.accepted(), report.skipped()), (1, 1));
    assert_eq!(Lake::new(ws.lake()).known_files().unwrap().len(), 1);
}

#[test]
fn a_dry_run_writes_nothing() {
    let (dir, ws) = workspace(None);
    let mut opts = options();
    opts.dry_run = true;
    let inputs = taizhang::ingest::collect(&[fixture("title_and_header_row.xlsx")]).unwrap();
    let report = taizhang::ingest::run(&ws, &inputs, &opts, &|_, _| {}).unwrap();
    assert_eq!(report.accepted(), 1);
    assert!(lake_files(dir.path()).is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path().join("archive"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn received_csv_gives_receipt_times_and_warns_about_files_it_omits() {
    let (dir, ws) = workspace(None);
    let inbox = dir.path().join("inbox/2024Q2/510603");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::copy(
        fixture("title_and_header_row.xlsx"),
        inbox.join("listed.xlsx"),
    )
    .unwrap();
    std::fs::copy(
        fixture("lead_tagged_in_units.xlsx"),
        inbox.join("unlisted.xlsx"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("inbox/received.csv"),
        "path,received_at\n2024Q2/510603/listed.xlsx,2024-07-03 09:30\n",
    )
    .unwrap();
    let report = ingest(&ws, &[dir.path().join("inbox")], &options());
    assert_eq!(report.accepted(), 2);
    let listed = report
        .files
        .iter()
        .find(|f| f.path.ends_with("listed.xlsx"))
        .unwrap();
    let taizhang::ingest::FileOutcome::Read { submissions, .. } = &listed.outcome else {
        panic!()
    };
    assert_eq!(
        submissions[0].received_at.to_rfc3339(),
        "2024-07-03T09:30:00+08:00"
    );
    assert_eq!(
        submissions[0].region_code.as_deref(),
        Some("510603"),
        "from the <period>/<region> folders"
    );
    let unlisted = report
        .files
        .iter()
        .find(|f| f.path.ends_with("unlisted.xlsx"))
        .unwrap();
    let taizhang::ingest::FileOutcome::Read { parsed, .. } = &unlisted.outcome else {
        panic!()
    };
    assert!(
        parsed
            .issues
            .iter()
            .any(|i| i.message_en.contains("does not list this file"))
    );
}

#[test]
fn every_kind_reaches_its_lake_table_and_raw_table() {
    let (dir, ws) = workspace(None);
    let mut opts = options();
    // The province's reform office: the only sender of the office's ledgers.
    opts.region = Some("510000".into());
    opts.period = Some("2024Q2".parse().unwrap());
    let report = ingest(&ws, &[fixture("one_sheet_of_each_kind.xlsx")], &opts);
    assert_eq!(report.accepted(), 1);
    build(&ws);
    let counts = rows(
        dir.path(),
        "select (select count(*) from raw_tasks), (select count(*) from raw_rectifications), (select count(*) from raw_pilots),
                (select count(*) from raw_plans), (select count(*) from raw_satisfaction),
                (select count(*) from raw_meetings), (select count(*) from raw_publicity),
                (select count(*) from raw_cases), (select count(*) from raw_inspections),
                (select count(*) from raw_deductions), (select count(*) from raw_exemptions),
                (select count(*) from raw_accountability), (select count(*) from raw_assignments),
                (select count(*) from raw_submissions where status = 'accepted')",
    );
    assert_eq!(
        counts,
        vec![
            [
                "1", "2", "1", "1", "2", "1", "1", "1", "1", "1", "1", "1", "1", "13"
            ]
            .map(String::from)
            .to_vec()
        ],
        "one manifest row per kind"
    );
    for table in [
        "tasks",
        "rectifications",
        "pilots",
        "plans",
        "satisfaction",
        "inspections",
        "deductions",
        "exemptions",
        "accountability",
        "assignments",
        "submissions",
    ] {
        assert!(
            dir.path().join("lake").join(table).join("2024Q2").is_dir(),
            "lake/{table}/2024Q2"
        );
    }
}

/// One clerk against another (DESIGN §14): deductions, exemptions,
/// accountability and assignments are the province office's ledgers. The
/// same workbook from a county keeps its own ledgers and has those refused,
/// each with an error naming its sheet — a county cannot exempt its own tasks
/// or deduct a neighbour's points.
#[test]
fn the_office_ledgers_are_refused_from_any_unit_but_the_province() {
    let (dir, ws) = workspace(None);
    let mut opts = options();
    opts.region = Some("510623".into());
    opts.period = Some("2024Q2".parse().unwrap());
    let report = ingest(&ws, &[fixture("one_sheet_of_each_kind.xlsx")], &opts);
    assert_eq!(report.accepted(), 1, "the county's own ledgers are taken");
    let taizhang::ingest::FileOutcome::Read { parsed, .. } = &report.files[0].outcome else {
        panic!("read: {:?}", report.files[0].outcome);
    };
    for kind in ["deductions", "exemptions", "accountability", "assignments"] {
        let kind: taizhang::ledger::Kind = kind.parse().unwrap();
        assert!(!parsed.ledgers[&kind].accepted, "{kind}");
        assert!(
            parsed
                .issues
                .iter()
                .any(|i| i.severity == taizhang::issue::Severity::Error
                    && i.message_zh.contains(kind.label_zh())
                    && i.message_en.contains("province's reform office")),
            "{kind}: {:?}",
            parsed.issues
        );
    }
    build(&ws);
    let counts = rows(
        dir.path(),
        "select (select count(*) from raw_tasks), (select count(*) from raw_deductions), \
                (select count(*) from raw_exemptions), (select count(*) from raw_accountability), \
                (select count(*) from raw_assignments)",
    );
    assert_eq!(
        counts[0],
        ["1", "0", "0", "0", "0"].map(String::from).to_vec()
    );
}

#[test]
fn the_province_sample_ingests_with_no_flags_and_no_region_doubts() {
    let (dir, ws) = workspace(None);
    let data = dir.path().join("province");
    let summary = taizhang::sample::generate(&data, 7, taizhang::sample::Scale::Province).unwrap();
    // 21 cities, 183 counties and 36 provincial departments.
    assert_eq!(summary.units, 240);
    let report = ingest(&ws, &[data], &options());
    assert_eq!(report.accepted(), summary.files.len());
    let doubts: Vec<String> = report
        .issues()
        .filter(|(_, i)| {
            matches!(
                i.code,
                taizhang::ingest::Code::UnknownRegion | taizhang::ingest::Code::UnknownPeriod
            )
        })
        .map(|(p, i)| format!("{}: {}", p.display(), i.message_en))
        .collect();
    assert!(
        doubts.is_empty(),
        "titles with old names and short forms must agree with the folders: {doubts:#?}"
    );
    build(&ws);
    let coverage = rows(
        dir.path(),
        "select expected_units, submitted_units from mart_submission_coverage where scope_code = '510000' and kind = 'tasks'",
    );
    // Departments form their own scope tree: the province counts regions only.
    let is_department = |f: &std::path::PathBuf| {
        let folder = f.parent().unwrap().file_name().unwrap();
        folder.to_string_lossy().starts_with("SC-")
    };
    let from_regions = summary.files.iter().filter(|f| !is_department(f)).count();
    assert_eq!(
        coverage,
        vec![vec!["204".to_string(), from_regions.to_string()]]
    );
    let departments = rows(
        dir.path(),
        "select count(*), sum(submitted_units) from mart_submission_coverage \
         where scope_level = 'department' and kind = 'tasks'",
    );
    let from_departments = summary.files.len() - from_regions;
    assert_eq!(
        departments,
        vec![vec!["36".to_string(), from_departments.to_string()]]
    );
    let kinds = rows(
        dir.path(),
        "select count(distinct kind) from raw_submissions where status = 'accepted'",
    );
    // Every kind, the cities' and departments' inspections (督察台账) included.
    assert_eq!(kinds, vec![vec!["9".to_string()]]);
}

#[test]
fn re_ingesting_the_archive_reproduces_the_lake() {
    let roster = std::fs::read_to_string(repo("sample-data/roster.csv")).unwrap();
    let (first_dir, first) = workspace(Some(&roster));
    ingest(&first, &[repo("sample-data")], &options());
    // A second batch with flags, so replay must honour per-file hints too.
    let mut opts = options();
    opts.region = Some("旌阳区".into());
    opts.period = Some("2024Q3".parse().unwrap());
    ingest(&first, &[fixture("bad_rows.xlsx")], &opts);
    build(&first);

    let (second_dir, second) = workspace(Some(&roster));
    let inputs = taizhang::ingest::collect_archive(&first_dir.path().join("archive")).unwrap();
    // The sample's 19 files and the flagged bad_rows.xlsx.
    assert_eq!(inputs.len(), 20);
    {
        let _lock = second.lock().unwrap();
        taizhang::ingest::run(&second, &inputs, &options(), &|_, _| {}).unwrap();
    }
    build(&second);
    for table in ["raw_tasks", "raw_submissions", "raw_issues"] {
        let sql = format!("select * from {table} order by all");
        let (a, b) = (rows(first_dir.path(), &sql), rows(second_dir.path(), &sql));
        assert!(!a.is_empty(), "{table}");
        assert_eq!(a, b, "{table} differs after replaying the archive");
    }
}

#[test]
fn an_ingest_that_leaves_too_many_parts_compacts_them_and_keeps_every_row() {
    let (dir, ws) = workspace(Some(
        &std::fs::read_to_string(repo("sample-data/roster.csv")).unwrap(),
    ));
    let header = [
        "序号",
        "改革任务",
        "牵头单位",
        "责任领导",
        "完成时限",
        "完成状态",
    ];
    let limit = taizhang::lake::AUTO_COMPACT_PARTS;
    let mut last = None;
    // One file per ingest, as a nightly job sees them: each adds a part.
    for i in 0..=limit {
        let path = dir.path().join(format!("inbox/2024Q2/510603/第{i}批.xlsx"));
        let task = format!("第{i}项改革任务");
        write_ledger(
            &path,
            "旌阳区2024年第二季度改革任务台账",
            &header,
            &[vec!["1", &task, "区发改局", "张明", "2024-06-30", "已完成"]],
        );
        let report = ingest(&ws, &[path], &options());
        assert_eq!(report.accepted(), 1);
        if i < limit {
            assert_eq!(report.compacted, 0, "ingest {i}");
        }
        last = Some(report);
    }
    let last = last.unwrap();
    assert!(last.compacted > limit, "{} parts compacted", last.compacted);
    let lake = Lake::new(ws.lake());
    assert_eq!(lake.parts("tasks").unwrap().len(), 1);
    assert_eq!(lake.parts("submissions").unwrap().len(), 1);
    build(&ws);
    let counts = rows(
        dir.path(),
        "select count(*), count(distinct submission_id), count(distinct task) from raw_tasks",
    );
    let n = (limit + 1).to_string();
    assert_eq!(counts, vec![vec![n.clone(), n.clone(), n]]);
}

#[test]
fn ledger_parts_keep_min_max_for_keys_and_typed_columns_but_not_free_text() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let (dir, ws) = workspace(Some(
        &std::fs::read_to_string(repo("sample-data/roster.csv")).unwrap(),
    ));
    ingest(&ws, &[repo("sample-data")], &options());
    let part = walk(&dir.path().join("lake/tasks"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .expect("a tasks part");
    let reader = SerializedFileReader::new(std::fs::File::open(&part).unwrap()).unwrap();
    let group = reader.metadata().row_group(0);
    let has_min_max = |column: &str| {
        let chunk = group
            .columns()
            .iter()
            .find(|c| c.column_path().string() == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        chunk
            .statistics()
            .is_some_and(|s| s.min_bytes_opt().is_some() && s.max_bytes_opt().is_some())
    };
    for key in [
        "submission_id",
        "region_code",
        "period",
        "source_row",
        "deadline_on",
    ] {
        assert!(has_min_max(key), "{key} keeps min/max");
    }
    for text in ["task", "measures", "responsible_units.list.item"] {
        assert!(!has_min_max(text), "{text} has no min/max");
    }
    // And the submissions table, small and filtered on every column, keeps them all.
    let part = walk(&dir.path().join("lake/submissions"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    let reader = SerializedFileReader::new(std::fs::File::open(&part).unwrap()).unwrap();
    let file_name = reader
        .metadata()
        .row_group(0)
        .columns()
        .iter()
        .find(|c| c.column_path().string() == "file_name")
        .and_then(|c| {
            c.statistics()
                .and_then(|s| s.min_bytes_opt().map(<[u8]>::to_vec))
        });
    assert!(file_name.is_some());
}

/// A file rejected only because nothing told its unit and period is not
/// stuck: the same bytes with `--region`/`--period` are read again as a new
/// attempt (the manifest keeps both), the same bytes with the same hints
/// are not, an accepted file never is, and a replay of the archive
/// reproduces both attempts.
#[test]
fn a_file_rejected_for_want_of_region_and_period_is_read_again_with_them() {
    let (dir, ws) = workspace(Some(DEYANG_ROSTER));
    let file = dir.path().join("in/台账.xlsx");
    crate::common::write_one_task_ledger(&file, "改革任务台账");
    let first = ingest(&ws, std::slice::from_ref(&file), &options());
    assert_eq!(first.rejected(), 1, "no unit, no period");

    let again = ingest(&ws, std::slice::from_ref(&file), &options());
    assert_eq!(again.skipped(), 1, "the same hints end the same way");
    assert_eq!(again.batch_id, None);

    let mut opts = options();
    opts.region = Some("旌阳区".into());
    opts.period = Some("2024Q2".parse().unwrap());
    let flagged = ingest(&ws, std::slice::from_ref(&file), &opts);
    assert_eq!(
        (flagged.accepted(), flagged.skipped()),
        (1, 0),
        "a new attempt"
    );
    assert_eq!(flagged.rows_ok(), 1);

    let once_more = ingest(&ws, std::slice::from_ref(&file), &opts);
    assert_eq!(once_more.skipped(), 1, "an accepted file is not read again");
    let mut other = options();
    other.region = Some("罗江区".into());
    other.period = Some("2024Q2".parse().unwrap());
    assert_eq!(
        ingest(&ws, std::slice::from_ref(&file), &other).skipped(),
        1,
        "not even with other hints"
    );

    build(&ws);
    let manifest = "select status, region_code, period from raw_submissions order by received_at";
    let attempts = rows(dir.path(), manifest);
    assert_eq!(
        attempts,
        vec![
            vec!["rejected".to_string(), "NULL".into(), "NULL".into()],
            vec!["accepted".to_string(), "510603".into(), "2024Q2".into()],
        ]
    );
    assert_eq!(
        rows(
            dir.path(),
            "select count(distinct submission_id) from raw_submissions"
        ),
        vec![vec!["1".to_string()]],
        "both attempts are the one file"
    );

    let (second_dir, second) = workspace(Some(DEYANG_ROSTER));
    let inputs = taizhang::ingest::collect_archive(&dir.path().join("archive")).unwrap();
    assert_eq!(inputs.len(), 2, "one input per attempt");
    {
        let _lock = second.lock().unwrap();
        taizhang::ingest::run(&second, &inputs, &options(), &|_, _| {}).unwrap();
    }
    build(&second);
    assert_eq!(rows(second_dir.path(), manifest), attempts);
}
