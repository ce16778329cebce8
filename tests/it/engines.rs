//! The warehouse from other engines: the DuckDB Python packages of the 1.4
//! long-term-support line and of 2.0 both open `warehouse.duckdb` and agree
//! with taizhang on every mart. `.ci/run` installs both into
//! `~/.cache/taizhang-py/duckdb-<version>/`.

use super::common::*;
use std::path::PathBuf;
use std::process::Command;

/// The Python of the virtual environment holding DuckDB `version`.
fn python_with_duckdb(version: &str) -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is set");
    let python = PathBuf::from(home)
        .join(".cache/taizhang-py")
        .join(format!("duckdb-{version}"))
        .join("bin/python");
    assert!(
        python.is_file(),
        "{} is needed: python3 -m venv ~/.cache/taizhang-py/duckdb-{version} && \
         ~/.cache/taizhang-py/duckdb-{version}/bin/pip install duckdb=={version} (.ci/run does)",
        python.display()
    );
    python
}

#[test]
fn duckdb_1_4_and_2_0_open_the_warehouse_and_read_every_mart_as_taizhang_does() {
    let ws = cli_workspace();
    let ingest = taizhang(ws.path())
        .arg("ingest")
        .arg(repo("sample-data"))
        .output()
        .unwrap();
    assert!(ingest.status.code().is_some_and(|c| c <= 1), "{ingest:?}");
    assert_eq!(
        taizhang(ws.path())
            .arg("build")
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
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
    for version in ["1.4.4", "2.0.1"] {
        let out = Command::new(python_with_duckdb(version))
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
