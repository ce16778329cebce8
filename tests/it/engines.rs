//! The warehouse from other engines: the DuckDB Python packages of the 1.4
//! long-term-support line and of 2.0 both open `warehouse.duckdb` and agree
//! with taizhang on every mart. `.ci/setup` installs both into
//! `~/.cache/taizhang-py/duckdb-<version>/`; without them the tests are
//! skipped outside CI (`common::client`).

use super::common::*;
use std::path::PathBuf;
use std::process::Command;

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

/// A value Spark printed, spelled as the `rows` helper spells DuckDB's.
fn spark_value(v: &serde_json::Value) -> String {
    let Some(text) = v.as_str() else {
        return "NULL".to_string();
    };
    match text {
        "True" => "true".to_string(),
        "False" => "false".to_string(),
        t if t.contains(['.', 'e', 'E']) => match t.parse::<f64>() {
            Ok(x) => format!("{x:.4}"),
            Err(_) => t.to_string(),
        },
        t => t.to_string(),
    }
}

/// Spark in local mode reads the lake through `lake/_manifests/`: exactly
/// the committed rows, while the parts of an ingest killed before its commit
/// marker still lie in the folders (which a folder scan would count); and the
/// shipped models, translated by `spark/run_models.py`, give the coverage
/// and completion marts DuckDB gives. Slow: a Spark session (about a minute).
#[test]
fn spark_reads_the_committed_rows_and_computes_the_same_marts() {
    let Some(python) = python_with_pyspark() else {
        return;
    };
    let ws = cli_workspace();
    ingest_and_build_sample(ws.path());
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
    // The settings tables the build derived from roster.csv and taizhang.toml.
    let settings = ws.path().join("settings");
    for table in [
        "raw_roster",
        "raw_config",
        "raw_config_expect",
        "raw_config_weights",
    ] {
        let out = taizhang(ws.path())
            .args(["query", &format!("select * from {table}"), "--out"])
            .arg(settings.join(format!("{table}.parquet")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let script = r#"
import json, os, sys
sys.path.insert(0, sys.argv[4])
import run_models
lake, settings, sql_dir = sys.argv[1], sys.argv[2], sys.argv[3]
spark = run_models.session()
out = {"tables": {}, "marts": {}}
for name in sorted(os.listdir(os.path.join(lake, "_manifests"))):
    table = name[:-len(".txt")]
    with open(os.path.join(lake, "_manifests", name)) as f:
        parts = [os.path.join(lake, p) for p in f.read().split()]
    committed = spark.read.parquet(*parts)
    folder = spark.read.option("recursiveFileLookup", "true").parquet(os.path.join(lake, table))
    by = sorted([r[0], r[1], r[2]] for r in
                committed.groupBy("submission_id", "period").count().collect())
    out["tables"][table] = {"rows": committed.count(), "folder_rows": folder.count(), "by": by}
run_models.load_lake(spark, lake)
run_models.load_settings(spark, settings)
run_models.run_models(spark, sql_dir)
for mart in ["mart_submission_coverage", "mart_task_completion"]:
    out["marts"][mart] = run_models.rows(spark, mart)
print(json.dumps(out))
spark.stop()
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&lake)
        .arg(&settings)
        .arg(repo("sql"))
        .arg(repo("spark"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyspark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spark: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The coverage and completion marts, computed by Spark from the lake
    // with the shipped models (spark/run_models.py), equal DuckDB's.
    for mart in ["mart_submission_coverage", "mart_task_completion"] {
        let theirs = &spark["marts"][mart];
        let columns: Vec<&str> = theirs["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let mut want = rows(
            ws.path(),
            &format!("select {} from {mart}", columns.join(", ")),
        );
        want.sort();
        let mut got: Vec<Vec<String>> = theirs["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(spark_value).collect())
            .collect();
        got.sort();
        assert!(want.len() > 10, "{mart}: {want:?}");
        assert_eq!(got, want, "{mart}");
    }
    let tables = spark["tables"].as_object().unwrap();
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
        "the killed ingest's parts are on disk, and a folder scan counts them: {spark}"
    );
}
