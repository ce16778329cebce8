//! Exports on demand: `query --out FILE` in the format its extension names,
//! and `taizhang export`, which rewrites only the periods that changed.

use super::common::*;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// A workspace with the small sample ingested and built, through the CLI.
fn built() -> tempfile::TempDir {
    let ws = cli_workspace();
    ingest_and_build_sample(ws.path());
    ws
}

/// Rows of `file_sql` (a query over an exported file) that `mart_sql` over
/// the warehouse lacks, and the other way round: both must be 0.
fn differences(ws: &Path, file_sql: &str, mart_sql: &str) -> (i64, i64) {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        "attach '{}' as w (read_only); use w;",
        ws.join("warehouse.duckdb").display()
    ))
    .unwrap();
    let count = |sql: String| -> i64 { conn.query_row(&sql, [], |r| r.get(0)).unwrap() };
    (
        count(format!(
            "select count(*) from (({file_sql}) except all ({mart_sql}))"
        )),
        count(format!(
            "select count(*) from (({mart_sql}) except all ({file_sql}))"
        )),
    )
}

#[test]
fn query_out_writes_parquet_csv_and_xlsx_as_the_extension_says() {
    let ws = built();
    let sql = "select region_code, period, deadline_on, is_major, source_row \
               from stg_tasks order by all";
    let query = |out: &Path| {
        taizhang(ws.path())
            .args(["query", sql, "--out"])
            .arg(out)
            .output()
            .unwrap()
    };
    let n: usize = rows(ws.path(), "select count(*) from stg_tasks")[0][0]
        .parse()
        .unwrap();
    assert!(n > 100);

    let parquet = ws.path().join("out/tasks.parquet");
    let done = query(&parquet);
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    assert!(done.stdout.is_empty(), "the answer went to the file");
    assert!(String::from_utf8_lossy(&done.stderr).contains(&format!("{n} 行 rows")));
    let file_sql = format!("select * from read_parquet('{}')", parquet.display());
    assert_eq!(differences(ws.path(), &file_sql, sql), (0, 0));
    // Standard types: a DATE stays a DATE, text stays UTF-8.
    let meta =
        parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&parquet).unwrap())
            .unwrap();
    use parquet::file::reader::FileReader;
    let schema = meta.metadata().file_metadata().schema_descr();
    let deadline = schema
        .columns()
        .iter()
        .find(|c| c.name() == "deadline_on")
        .unwrap();
    assert_eq!(
        deadline.logical_type_ref(),
        Some(&parquet::basic::LogicalType::Date)
    );

    let csv = ws.path().join("out/tasks.csv");
    assert_eq!(query(&csv).status.code(), Some(0));
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "region_code",
            "period",
            "deadline_on",
            "is_major",
            "source_row"
        ]
    );
    assert_eq!(reader.records().count(), n);

    let xlsx = ws.path().join("out/tasks.xlsx");
    assert_eq!(query(&xlsx).status.code(), Some(0));
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    let sheet = book.worksheet_range("查询结果").unwrap();
    assert_eq!(sheet.height(), n + 1, "a header and every row");
    assert_eq!(sheet.get((0, 2)), Some(&Data::String("deadline_on".into())));
    // Numbers are numbers and dates are dates, for Excel's own formulas.
    let body: Vec<_> = sheet.rows().skip(1).collect();
    assert!(body.iter().all(|r| matches!(r[4], Data::Float(_))));
    assert!(body.iter().any(|r| matches!(r[2], Data::DateTime(_))));
    assert!(body.iter().all(|r| matches!(r[3], Data::Bool(_))));
}

/// An empty result is a file with the result's columns and no rows, in
/// every format: a mart with nothing in it this quarter exports as such, and
/// a reader of the file still learns its columns (the Spark test met
/// "the query returned no columns" here).
#[test]
fn an_empty_result_is_written_with_its_columns_and_no_rows() {
    let ws = built();
    let sql = "select scope_code, period, tasks_total from mart_task_completion where false";
    for ext in ["parquet", "csv", "xlsx", "json"] {
        let out = ws.path().join(format!("out/empty.{ext}"));
        let done = taizhang(ws.path())
            .args(["query", sql, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(done.status.code(), Some(0), "{ext}: {done:?}");
        assert!(out.is_file(), "{ext}");
    }
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let path = ws.path().join("out/empty.parquet");
    let (rows, columns): (i64, String) = conn
        .query_row(
            &format!(
                "select (select count(*) from read_parquet('{p}')),                  (select string_agg(column_name, ',') from (describe select * from read_parquet('{p}')))",
                p = path.display()
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (rows, columns.as_str()),
        (0, "scope_code,period,tasks_total")
    );
    let csv = std::fs::read_to_string(ws.path().join("out/empty.csv")).unwrap();
    assert_eq!(csv.trim(), "scope_code,period,tasks_total");
}

#[test]
fn query_out_refuses_what_it_cannot_write_and_keeps_the_old_file() {
    let ws = built();
    let run = |args: &[&str]| taizhang(ws.path()).args(args).output().unwrap();
    let unknown = ws.path().join("answer.docx");
    let out = run(&["query", "select 1", "--out", unknown.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format"));
    assert!(!unknown.exists());

    let out = run(&["query", "select 1", "--format", "parquet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));

    // A query that fails leaves the file from the last one that worked.
    let kept = ws.path().join("answer.csv");
    let path = kept.to_str().unwrap();
    assert_eq!(
        run(&["query", "select 42 as n", "--out", path])
            .status
            .code(),
        Some(0)
    );
    let before = std::fs::read(&kept).unwrap();
    let out = run(&["query", "select * from no_such_table", "--out", path]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&kept).unwrap(), before);
    assert_eq!(String::from_utf8_lossy(&before), "n\n42\n");
}

/// (inode, mtime) of every exported file under `dir`, by its path in `dir`.
fn files(dir: &Path) -> std::collections::BTreeMap<String, (u64, i64)> {
    walk(dir)
        .into_iter()
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .map(|p| {
            let m = std::fs::metadata(&p).unwrap();
            let key = p.strip_prefix(dir).unwrap().display().to_string();
            (key, (m.ino(), m.mtime_nsec() + m.mtime() * 1_000_000_000))
        })
        .collect()
}

#[test]
fn export_rewrites_only_the_periods_whose_rows_changed() {
    let ws = built();
    let dir = ws.path().join("export");
    let export = |extra: &[&str]| {
        let out = taizhang(ws.path())
            .args([
                "--json",
                "export",
                "--marts",
                "mart_task_completion,mart_pilots",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = export(&[]);
    assert_eq!(first["files"], 4, "two marts, two periods: {first}");
    assert_eq!(first["unchanged"], 0);
    let before = files(&dir);
    assert_eq!(before.len(), 4, "{before:?}");
    assert!(before.contains_key("mart_task_completion/period=2024Q2/mart_task_completion.parquet"));

    let again = export(&[]);
    assert_eq!(
        (again["files"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(4))
    );
    assert_eq!(files(&dir), before, "nothing rewritten");

    // 旌阳区 resubmits its Q2 tasks: only Q2 of mart_task_completion changes.
    let resubmitted = ws
        .path()
        .join("旌阳区2024年第二季度改革任务台账（更正）.xlsx");
    write_one_task_ledger(&resubmitted, "德阳市旌阳区2024年第二季度改革任务台账");
    let ingest = taizhang(ws.path())
        .arg("ingest")
        .arg(&resubmitted)
        .args(["--region", "510603", "--period", "2024Q2"])
        .output()
        .unwrap();
    assert_eq!(ingest.status.code(), Some(0), "{ingest:?}");
    rebuild(ws.path());
    let third = export(&[]);
    assert_eq!(
        (third["files"].as_u64(), third["unchanged"].as_u64()),
        (Some(1), Some(3))
    );
    let after = files(&dir);
    let changed: Vec<&String> = after.keys().filter(|k| after[*k] != before[*k]).collect();
    assert_eq!(
        changed,
        ["mart_task_completion/period=2024Q2/mart_task_completion.parquet"]
    );
    // The folder read as a hive-partitioned table is the mart, row for row.
    let file_sql = format!(
        "select * from read_parquet('{}/mart_task_completion/*/*.parquet', hive_partitioning = true)",
        dir.display()
    );
    assert_eq!(
        // (the partition column comes last)
        differences(
            ws.path(),
            &file_sql,
            "select * exclude (period), period from mart_task_completion"
        ),
        (0, 0)
    );

    // Another format rewrites every period and leaves none of the old files.
    let csv = export(&["--format", "csv"]);
    assert_eq!(
        (csv["files"].as_u64(), csv["unchanged"].as_u64()),
        (Some(4), Some(0))
    );
    let names: Vec<String> = files(&dir).into_keys().collect();
    assert!(names.iter().all(|n| n.ends_with(".csv")), "{names:?}");
}
