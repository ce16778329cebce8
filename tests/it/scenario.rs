//! One scenario, two counties and their city over two quarters, whose mart
//! rows are compared with values worked out by hand below.
//!
//! Q2 (E = 2024-06-30; on time means received by 07-10 in UTC+8):
//! - 旌阳区 510603, received 07-03, five tasks:
//!   T1 due 06-30, done 06-20, major, fully owned      → due, done, on time
//!   T2 due 05-31, 推进中, no leader                   → due, open, not owned
//!   T3 due 12-31, 推进中                               → not due
//!   T4 长期坚持                                         → not due, owned (ongoing)
//!   T5 due 03-31, done 04-15, major, no units          → due, done late, not owned
//!   total 5, due 3, done 2, on time 1, open 1, major due 2 / done 2, owned 3.
//! - 罗江区 510604 sends B1 on 07-05 and corrects it with B2 on 07-12; B2 is
//!   current, but the unit counts as on time from B1:
//!   B2: R1 due 06-30 done 06-28; R2 due 06-30 done (no date); R3 due 09-30
//!   total 3, due 2, done 2, on time 1, open 0, owned 3.
//! - 德阳市 510600 sends nothing for Q2.
//!   City: total 8, due 5, done 4 (0.8), on time 2 (0.4), open 1, major 2/2, owned 6/8.
//!   Coverage: expected 3 (city + 2 counties), submitted 2, on time 2.
//!
//! Q3 (E = 09-30): only 德阳市, received 2024-10-10T23:30+08:00 — the last
//!   minute of the grace period, so on time — one task due 09-30 done 09-30.

use super::common::*;
use std::path::Path;

const HEADER: &[&str] = &[
    "序号",
    "改革任务",
    "牵头单位",
    "责任单位",
    "牵头领导",
    "完成时限",
    "完成状态",
    "实际完成时间",
    "是否重大改革任务",
];

fn ingest_one(
    ws: &taizhang::workspace::Workspace,
    path: &Path,
    region: &str,
    period: &str,
    at: &str,
) {
    let mut opts = options();
    opts.region = Some(region.into());
    opts.period = Some(period.parse().unwrap());
    opts.received_at = Some(time(at));
    let report = ingest(ws, &[path.to_path_buf()], &opts);
    assert_eq!(report.accepted(), 1, "{path:?} must be accepted");
}

fn setup() -> (tempfile::TempDir, taizhang::workspace::Workspace) {
    let (dir, ws) = workspace(Some(DEYANG_ROSTER));
    let inbox = dir.path().join("inbox");
    let a = inbox.join("a.xlsx");
    write_ledger(
        &a,
        "旌阳区2024年第二季度改革任务台账",
        HEADER,
        &[
            vec![
                "1",
                "T1",
                "区发改局",
                "区财政局",
                "张明",
                "2024-06-30",
                "已完成",
                "2024-06-20",
                "是",
            ],
            vec![
                "2",
                "T2",
                "区发改局",
                "区财政局",
                "",
                "2024年5月底前",
                "推进中",
                "",
                "否",
            ],
            vec![
                "3",
                "T3",
                "区发改局",
                "区财政局",
                "张明",
                "2024年12月底前",
                "推进中",
                "",
                "否",
            ],
            vec![
                "4",
                "T4",
                "区发改局",
                "区财政局",
                "张明",
                "长期坚持",
                "长期坚持",
                "",
                "否",
            ],
            vec![
                "5",
                "T5",
                "区发改局",
                "",
                "张明",
                "2024年3月31日",
                "已完成",
                "2024-04-15",
                "是",
            ],
        ],
    );
    let b1 = inbox.join("b1.xlsx");
    write_ledger(
        &b1,
        "罗江区台账",
        HEADER,
        &[
            vec![
                "1",
                "R1",
                "区财政局",
                "区税务局",
                "李华",
                "2024-06-30",
                "未按期完成",
                "",
                "否",
            ],
            vec![
                "2",
                "R2",
                "区财政局",
                "区税务局",
                "李华",
                "2024-06-30",
                "已完成",
                "",
                "否",
            ],
        ],
    );
    let b2 = inbox.join("b2.xlsx");
    write_ledger(
        &b2,
        "罗江区台账（更正）",
        HEADER,
        &[
            vec![
                "1",
                "R1",
                "区财政局",
                "区税务局",
                "李华",
                "2024-06-30",
                "已完成",
                "2024-06-28",
                "否",
            ],
            vec![
                "2",
                "R2",
                "区财政局",
                "区税务局",
                "李华",
                "2024-06-30",
                "已完成",
                "",
                "否",
            ],
            vec![
                "3",
                "R3",
                "区财政局",
                "区税务局",
                "李华",
                "2024-09-30",
                "推进中",
                "",
                "否",
            ],
        ],
    );
    let c = inbox.join("c.xlsx");
    write_ledger(
        &c,
        "德阳市2024年第三季度改革任务台账",
        HEADER,
        &[vec![
            "1",
            "C1",
            "市发改委",
            "市财政局",
            "王强",
            "2024-09-30",
            "已完成",
            "2024-09-30",
            "否",
        ]],
    );
    ingest_one(&ws, &a, "510603", "2024Q2", "2024-07-03T09:00:00+08:00");
    ingest_one(&ws, &b1, "510604", "2024Q2", "2024-07-05T09:00:00+08:00");
    ingest_one(&ws, &b2, "510604", "2024Q2", "2024-07-12T09:00:00+08:00");
    ingest_one(&ws, &c, "510600", "2024Q3", "2024-10-10T23:30:00+08:00");
    let report = build(&ws);
    assert_eq!(report.failed_tests().count(), 0, "{:?}", report.tests);
    (dir, ws)
}

#[test]
fn completion_ownership_and_coverage_match_the_hand_worked_figures() {
    let (dir, _ws) = setup();
    let root = dir.path();

    let completion = rows(
        root,
        "select period, scope_code, scope_level, tasks_total, tasks_due, due_done, completion_rate, on_time_done, on_time_rate,
                overdue_open, major_due, major_due_done, major_completion_rate
         from mart_task_completion order by period, scope_code",
    );
    let expected: Vec<Vec<&str>> = vec![
        vec![
            "2024Q2", "510000", "province", "8", "5", "4", "0.8000", "2", "0.4000", "1", "2", "2",
            "1.0000",
        ],
        vec![
            "2024Q2", "510600", "city", "8", "5", "4", "0.8000", "2", "0.4000", "1", "2", "2",
            "1.0000",
        ],
        vec![
            "2024Q2", "510603", "county", "5", "3", "2", "0.6667", "1", "0.3333", "1", "2", "2",
            "1.0000",
        ],
        vec![
            "2024Q2", "510604", "county", "3", "2", "2", "1.0000", "1", "0.5000", "0", "0", "0",
            "NULL",
        ],
        vec![
            "2024Q3", "510000", "province", "1", "1", "1", "1.0000", "1", "1.0000", "0", "0", "0",
            "NULL",
        ],
        vec![
            "2024Q3", "510600", "city", "1", "1", "1", "1.0000", "1", "1.0000", "0", "0", "0",
            "NULL",
        ],
        vec![
            "2024Q3", "510603", "county", "0", "0", "0", "NULL", "0", "NULL", "0", "0", "0", "NULL",
        ],
        vec![
            "2024Q3", "510604", "county", "0", "0", "0", "NULL", "0", "NULL", "0", "0", "0", "NULL",
        ],
    ];
    assert_eq!(completion, strings(expected));

    let ownership = rows(
        root,
        "select period, scope_code, tasks_total, fully_owned, ownership_rate from mart_task_ownership order by period, scope_code",
    );
    assert_eq!(
        ownership[..4],
        strings(vec![
            vec!["2024Q2", "510000", "8", "6", "0.7500"],
            vec!["2024Q2", "510600", "8", "6", "0.7500"],
            vec!["2024Q2", "510603", "5", "3", "0.6000"],
            vec!["2024Q2", "510604", "3", "3", "1.0000"],
        ])
    );

    let coverage = rows(
        root,
        "select period, scope_code, expected_units, submitted_units, on_time_units, coverage_rate, on_time_rate
         from mart_submission_coverage where kind = 'tasks' order by period, scope_code",
    );
    assert_eq!(
        coverage,
        strings(vec![
            vec!["2024Q2", "510000", "3", "2", "2", "0.6667", "0.6667"],
            vec!["2024Q2", "510600", "3", "2", "2", "0.6667", "0.6667"],
            vec!["2024Q2", "510603", "1", "1", "1", "1.0000", "1.0000"],
            vec!["2024Q2", "510604", "1", "1", "1", "1.0000", "1.0000"],
            vec!["2024Q3", "510000", "3", "1", "1", "0.3333", "0.3333"],
            vec!["2024Q3", "510600", "3", "1", "1", "0.3333", "0.3333"],
            vec!["2024Q3", "510603", "1", "0", "0", "0.0000", "0.0000"],
            vec!["2024Q3", "510604", "1", "0", "0", "0.0000", "0.0000"],
        ])
    );
    // Kinds nobody is expected to send have no denominator: counts 0, rates NULL.
    let pilots = rows(
        root,
        "select expected_units, coverage_rate from mart_submission_coverage where kind = 'pilots' and scope_code = '510600' and period = '2024Q2'",
    );
    assert_eq!(pilots, strings(vec![vec!["0", "NULL"]]));
}

#[test]
fn the_resubmission_is_current_and_the_first_version_stays_as_history() {
    let (dir, _ws) = setup();
    let history = rows(
        dir.path(),
        "select file_name, is_current from stg_submissions where region_code = '510604' order by received_at",
    );
    assert_eq!(
        history,
        strings(vec![vec!["b1.xlsx", "false"], vec!["b2.xlsx", "true"]])
    );
    let raw = rows(
        dir.path(),
        "select count(*) from raw_tasks where region_code = '510604'",
    );
    assert_eq!(
        raw,
        strings(vec![vec!["5"]]),
        "both versions' rows stay in the raw table"
    );
}

fn strings(rows: Vec<Vec<&str>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|r| r.into_iter().map(String::from).collect())
        .collect()
}
