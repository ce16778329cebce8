//! The warehouse from other engines: the DuckDB Python packages of the 1.4
//! long-term-support line and of 2.0 both open `warehouse.duckdb` and agree
//! with taizhang on every mart; Spark runs every model over the lake and
//! agrees on every mart and report. `.ci/setup` installs them into
//! `~/.cache/taizhang-py/`; without them the tests are skipped outside CI
//! (`common::client`).

use super::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use taizhang::warehouse::models::Layer;

/// The Python of the virtual environment holding DuckDB `version`.
fn python_with_duckdb(version: &str) -> Option<PathBuf> {
    client(
        venv_python(&format!("duckdb-{version}")),
        &format!(
            "DuckDB {version}'s Python package: python3 -m venv ~/.cache/taizhang-py/duckdb-{version} && \
             ~/.cache/taizhang-py/duckdb-{version}/bin/pip install duckdb=={version}"
        ),
    )
}

#[test]
fn duckdb_1_4_and_2_0_open_the_warehouse_and_read_every_mart_as_taizhang_does() {
    let (Some(lts), Some(current)) = (python_with_duckdb("1.4.4"), python_with_duckdb("2.0.1"))
    else {
        return;
    };
    let ws = cli_workspace();
    ingest_and_build_sample(ws.path());
    let marts = rows(
        ws.path(),
        "select table_name from information_schema.tables \
         where table_name like 'mart_%' order by 1",
    );
    // Each mart's row count and an order-independent digest of its rows.
    let digest_sql =
        |mart: &str| format!("select count(*), coalesce(sum(hash(t)), 0)::varchar from {mart} t");
    let ours: Vec<String> = marts
        .iter()
        .map(|m| {
            let r = &rows(ws.path(), &digest_sql(&m[0]))[0];
            format!("{} {} {}", m[0], r[0], r[1])
        })
        .collect();
    let script = r#"
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for mart in sys.argv[2:]:
    n, h = con.execute(f"select count(*), coalesce(sum(hash(t)), 0)::varchar from {mart} t").fetchone()
    print(mart, n, h)
"#;
    for (version, python) in [("1.4.4", lts), ("2.0.1", current)] {
        let out = Command::new(python)
            .arg("-c")
            .arg(script)
            .arg(ws.path().join("warehouse.duckdb"))
            .args(marts.iter().map(|m| &m[0]))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "DuckDB {version}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(theirs, ours, "DuckDB {version}");
    }
}

/// The Python of the virtual environment holding pyspark (`.ci/setup` makes it).
fn python_with_pyspark() -> Option<PathBuf> {
    client(
        venv_python("pyspark").filter(|_| program(&["java"]).is_some()),
        "pyspark and Java 17+: python3 -m venv ~/.cache/taizhang-py/pyspark && \
         ~/.cache/taizhang-py/pyspark/bin/pip install pyspark==4.3.0 sqlglot==30.31.0",
    )
}

/// The warehouse's `mart_` and `rpt_` tables, each with its columns in order
/// and its row count.
fn marts_and_reports(ws: &Path) -> Vec<(String, Vec<String>, u64)> {
    let tables = rows(
        ws,
        "select table_name from information_schema.tables \
         where table_name like 'mart\\_%' escape '\\' or table_name like 'rpt\\_%' escape '\\' \
         order by 1",
    );
    tables
        .into_iter()
        .map(|t| {
            let name = t[0].clone();
            let columns = rows(
                ws,
                &format!(
                    "select column_name from information_schema.columns \
                     where table_name = '{name}' order by ordinal_position"
                ),
            )
            .into_iter()
            .map(|c| c[0].clone())
            .collect();
            let n = rows(ws, &format!("select count(*) from {name}"))[0][0]
                .parse()
                .unwrap();
            (name, columns, n)
        })
        .collect()
}

/// Spark in local mode reads the lake through `lake/_manifests/`: exactly
/// the committed rows, while the parts of an ingest killed before its commit
/// marker still lie in the folders (which a folder scan would count). Every
/// shipped model, found, ordered and translated by `spark/run_models.py`,
/// runs there; every mart and report has DuckDB's columns, row count and
/// row hash (`run_models.digest`: numbers to 12 significant digits), and
/// every data test finds no failing rows. The data: the small sample (two
/// quarters of 德阳) and then the province sample (every kind, every unit
/// of Sichuan, 2024Q2) on the province's roster, so 德阳's second quarter
/// is sent twice and every kind, change and department gap has rows. Slow:
/// a Spark session (about two minutes).
#[test]
fn spark_runs_every_model_on_the_committed_rows_and_gives_duckdbs_marts_and_reports() {
    let Some(python) = python_with_pyspark() else {
        return;
    };
    let ws = cli_workspace();
    let province = ws.path().join("province-sample");
    let sample = taizhang(ws.path())
        .args(["sample", "--scale", "province", "--out"])
        .arg(&province)
        .output()
        .unwrap();
    assert!(sample.status.success(), "{sample:?}");
    std::fs::copy(province.join("roster.csv"), ws.path().join("roster.csv")).unwrap();
    for data in [repo("sample-data"), province.clone()] {
        let ingest = taizhang(ws.path())
            .arg("ingest")
            .arg(&data)
            .output()
            .unwrap();
        assert!(ingest.status.code().is_some_and(|c| c <= 1), "{ingest:?}");
    }
    rebuild(ws.path());
    // A resubmission whose ingest dies after moving its parts into the lake
    // and before writing the marker that commits them.
    let late = ws
        .path()
        .join("旌阳区2024年第二季度改革任务台账（更正）.xlsx");
    write_one_task_ledger(&late, "德阳市旌阳区2024年第二季度改革任务台账");
    let killed = taizhang(ws.path())
        .arg("ingest")
        .arg(&late)
        .args(["--region", "510603", "--period", "2024Q2"])
        .env("TAIZHANG_CRASH_AT", "lake-part:2")
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the ingest was killed");
    let lake = ws.path().join("lake");

    // What Spark is given besides the lake, as README "Past one machine"
    // says: the raw tables the build derives from roster.csv and
    // taizhang.toml (every raw table that is not a lake table), and the
    // columns DuckDB declared for every raw table.
    let settings = ws.path().join("settings");
    let lake_tables: Vec<String> = ["submissions", "issues"]
        .into_iter()
        .chain(taizhang::ledger::Kind::ALL.iter().map(|k| k.as_str()))
        .map(|t| format!("raw_{t}"))
        .collect();
    let raw_tables = rows(
        ws.path(),
        "select table_name from information_schema.tables \
         where table_name like 'raw\\_%' escape '\\' order by 1",
    );
    let export = |sql: &str, to: &Path| {
        let out = taizhang(ws.path())
            .args(["query", sql, "--out"])
            .arg(to)
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {out:?}");
    };
    for table in raw_tables.iter().map(|t| t[0].as_str()) {
        if !lake_tables.iter().any(|t| t == table) {
            export(
                &format!("select * from {table}"),
                &settings.join(format!("{table}.parquet")),
            );
        }
    }
    export(
        "select table_name, column_name, data_type from information_schema.columns \
         where table_name like 'raw\\_%' escape '\\' order by table_name, ordinal_position",
        &settings.join("raw_columns.parquet"),
    );
    // DuckDB's marts and reports, for Spark to digest the same way as its own.
    let duckdb_tables = marts_and_reports(ws.path());
    let duckdb_dir = ws.path().join("duckdb-tables");
    for (table, _, n) in &duckdb_tables {
        // An empty answer has no columns to write; its count is compared below.
        if *n > 0 {
            export(
                &format!("select * from {table}"),
                &duckdb_dir.join(format!("{table}.parquet")),
            );
        }
    }

    let script = r#"
import json, os, sys, time
sys.path.insert(0, sys.argv[4])
import run_models
lake, settings, sql_dir, _, duckdb_dir = sys.argv[1:6]
started = time.time()
spark = run_models.session("local[2]", 1)
out = {"lake": {}, "raw": {}, "tables": {}}
for name in sorted(os.listdir(os.path.join(lake, "_manifests"))):
    table = name[:-len(".txt")]
    with open(os.path.join(lake, "_manifests", name)) as f:
        parts = [os.path.join(lake, p) for p in f.read().split()]
    committed = spark.read.parquet(*parts)
    folder = spark.read.option("recursiveFileLookup", "true").parquet(os.path.join(lake, table))
    by = sorted([r[0], r[1], r[2]] for r in
                committed.groupBy("submission_id", "period").count().collect())
    out["lake"][table] = {"rows": committed.count(), "folder_rows": folder.count(), "by": by}
run_models.load_settings(spark, settings)
made = run_models.load_lake(spark, lake, settings)
out["raw"] = {t: spark.table(t).columns for t in made}
built = run_models.run_models(spark, sql_dir, made)
out["models"], out["tests"] = built["models"], built["tests"]
for table in sys.argv[6:]:
    ours = spark.table(table)
    seen = {"columns": ours.columns, "digest": run_models.digest(ours)}
    path = os.path.join(duckdb_dir, table + ".parquet")
    if os.path.exists(path):
        theirs = spark.read.parquet(path)
        seen["duckdb_digest"] = run_models.digest(theirs)
        if seen["duckdb_digest"] != seen["digest"]:
            a, b = run_models.canonical(theirs), run_models.canonical(ours)
            seen["only_duckdb"] = [list(r) for r in a.exceptAll(b).limit(3).collect()]
            seen["only_spark"] = [list(r) for r in b.exceptAll(a).limit(3).collect()]
    out["tables"][table] = seen
out["seconds"] = round(time.time() - started)
print(json.dumps(out, ensure_ascii=False))
spark.stop()
"#;
    let out = Command::new(python)
        // No __pycache__ left in the repository's spark/.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg("-c")
        .arg(script)
        .arg(&lake)
        .arg(&settings)
        .arg(repo("sql"))
        .arg(repo("spark"))
        .arg(&duckdb_dir)
        .args(duckdb_tables.iter().map(|t| &t.0))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyspark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spark: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    };

    // Every shipped model ran, in the build's order, and every data test
    // found nothing.
    let shipped = taizhang::warehouse::models::shipped();
    let want: Vec<String> = taizhang::warehouse::models::ordered(&shipped)
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    let ran = strings(&spark["models"]);
    assert_eq!(ran, want, "the models Spark built, in order");
    let tests = spark["tests"].as_object().unwrap();
    let mut want_tests: Vec<&str> = shipped
        .iter()
        .filter(|m| m.layer == Layer::Tests)
        .map(|m| m.name.as_str())
        .collect();
    want_tests.sort();
    assert_eq!(
        tests.keys().map(String::as_str).collect::<Vec<_>>(),
        want_tests,
        "the data tests Spark ran"
    );
    for (test, failing) in tests {
        assert_eq!(failing.as_u64(), Some(0), "{test} fails on Spark");
    }

    // Every mart and report: DuckDB's columns, row count and row hash.
    let marts = duckdb_tables
        .iter()
        .filter(|t| t.0.starts_with("mart_"))
        .count();
    let reports = duckdb_tables.len() - marts;
    let named = |prefix: &str| want.iter().filter(|m| m.starts_with(prefix)).count();
    assert_eq!((marts, reports), (named("mart_"), named("rpt_")));
    let mut empty = Vec::new();
    for (table, columns, n) in &duckdb_tables {
        let seen = &spark["tables"][table];
        assert_eq!(&strings(&seen["columns"]), columns, "{table}'s columns");
        assert_eq!(seen["digest"][0].as_u64(), Some(*n), "{table}'s rows");
        if *n == 0 {
            empty.push(table.as_str());
            continue;
        }
        // DuckDB's rows, as exported, digested by the same code as Spark's.
        assert_eq!(seen["duckdb_digest"][0].as_u64(), Some(*n), "{table}");
        assert_eq!(
            seen["digest"], seen["duckdb_digest"],
            "{table}: rows only DuckDB has {}, only Spark has {}",
            seen["only_duckdb"], seen["only_spark"]
        );
    }
    // The data gives rows to (nearly) every table, so the hashes compare
    // figures, not empty tables; a table a later kind adds may be empty
    // until the samples write that kind.
    assert!(
        empty.len() * 10 <= duckdb_tables.len(),
        "tables with no rows to compare: {empty:?}"
    );

    // The raw tables have DuckDB's columns, and the rowid DuckDB hides.
    for table in raw_tables.iter().map(|t| t[0].as_str()) {
        if !lake_tables.iter().any(|t| t == table) {
            continue;
        }
        let mut columns: Vec<String> = rows(
            ws.path(),
            &format!(
                "select column_name from information_schema.columns \
                 where table_name = '{table}' order by ordinal_position"
            ),
        )
        .into_iter()
        .map(|c| c[0].clone())
        .collect();
        columns.push("rowid".into());
        assert_eq!(strings(&spark["raw"][table]), columns, "{table}");
    }

    let tables = spark["lake"].as_object().unwrap();
    assert!(tables.contains_key("tasks") && tables.contains_key("submissions"));
    let mut folders_hold_more = false;
    for (table, seen) in tables {
        // The warehouse was built before the killed ingest: its raw tables
        // hold exactly the committed rows.
        let raw = format!("raw_{table}");
        let want = rows(ws.path(), &format!("select count(*) from {raw}"))[0][0].clone();
        assert_eq!(seen["rows"].as_u64().unwrap().to_string(), want, "{table}");
        let by: Vec<Vec<String>> = rows(
            ws.path(),
            &format!("select submission_id, period, count(*) from {raw} group by all order by all"),
        );
        let seen_by: Vec<Vec<String>> = seen["by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                vec![
                    r[0].as_str().unwrap().to_string(),
                    r[1].as_str().unwrap().to_string(),
                    r[2].as_u64().unwrap().to_string(),
                ]
            })
            .collect();
        assert_eq!(seen_by, by, "{table}");
        folders_hold_more |= seen["folder_rows"].as_u64() > seen["rows"].as_u64();
    }
    assert!(
        folders_hold_more,
        "the killed ingest's parts are on disk, and a folder scan counts them"
    );
    eprintln!(
        "Spark: {} models, {} marts and reports compared ({} empty), {} data tests, {} s",
        ran.len(),
        duckdb_tables.len(),
        empty.len(),
        tests.len(),
        spark["seconds"]
    );
}
