//! The read-only PostgreSQL endpoint as analysts meet it: psql (Debian's
//! client), psycopg, pgJDBC, SQLAlchemy with pandas, ADBC and polars over
//! loopback, COPY in its three formats, every sandbox refusal, 32
//! connections reading while a build replaces the warehouse, and the limits
//! of `[pg]` tried by clients that break them (issues 30 and 32). A test
//! whose client is missing is skipped outside CI, saying what to install
//! (`common::client`); `.ci/setup` installs them all, the Python ones pinned
//! in the venv `~/.cache/taizhang-py/pg-clients`.

use super::common::*;
use serde_json::Value;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Endpoint {
    app: SpawnedApp,
    port: u16,
    ws: tempfile::TempDir,
    province: String,
}

/// psql, Debian's PostgreSQL client.
fn psql() -> Option<PathBuf> {
    client(
        program(&["psql"]),
        "psql: apt-get install postgresql-client",
    )
}

/// The Python of the venv holding the analysts' clients.
fn pg_python() -> Option<PathBuf> {
    client(
        venv_python("pg-clients"),
        "the analysts' Python clients (psycopg, SQLAlchemy, pandas, polars, connectorx, \
         adbc-driver-postgresql, pyarrow) in the venv ~/.cache/taizhang-py/pg-clients, \
         versions pinned in .ci/setup",
    )
}

/// Debian's pgJDBC, as DBeaver and Metabase use it.
const PG_JDBC: &str = "/usr/share/java/postgresql.jar";

/// A JDK (its `java` runs a single-file program) and pgJDBC.
fn jdbc() -> Option<PathBuf> {
    client(
        program(&["java"]).filter(|_| Path::new(PG_JDBC).is_file()),
        "a JDK and pgJDBC: apt-get install default-jdk-headless libpostgresql-jdbc-java",
    )
}

fn token(ws: &Path, region: &str, role: &str) -> String {
    let out = taizhang(ws)
        .args(["--json", "token", "add", "--region", region, "--role", role])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// The sample ingested and built, served with `--pg` on a free port alone.
fn start(extra: &[&str]) -> Endpoint {
    let ws = cli_workspace();
    ingest_and_build_sample(ws.path());
    let province = token(ws.path(), "510000", "province");
    let serve: Vec<&str> = ["--pg", "127.0.0.1:0", "--no-portal"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    let app = spawn_app(ws.path(), &serve, 1);
    let port = app.port("postgresql");
    Endpoint {
        app,
        port,
        ws,
        province,
    }
}

impl Endpoint {
    /// psql with `password`, unaligned and tuples only unless `args` say otherwise.
    fn psql_as(&self, password: &str, args: &[&str]) -> Output {
        Command::new("psql")
            .args(["-X", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "analyst", "-d", "taizhang", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .env_remove("PGSSLMODE")
            .output()
            .expect("psql runs (the test checked it is installed)")
    }

    fn psql(&self, args: &[&str]) -> Output {
        self.psql_as(&self.province.clone(), args)
    }

    /// One statement's rows as psql prints them unaligned, tuples only.
    fn rows(&self, sql: &str) -> String {
        self.rows_of(&[sql])
    }

    /// The rows of `statements`, each its own `-c`, on one connection.
    fn rows_of(&self, statements: &[&str]) -> String {
        let mut args = vec!["-q", "-A", "-t", "-F", "|"];
        for s in statements {
            args.extend(["-c", s]);
        }
        let out = self.psql(&args);
        assert!(out.status.success(), "{statements:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// DuckDB's own answer, formatted as psql prints it unaligned.
fn expected(ws: &Path, sql: &str) -> String {
    rows(ws, sql)
        .into_iter()
        .map(|r| format!("{}\n", r.join("|")))
        .collect()
}

#[test]
fn psql_lists_describes_joins_and_prepares() {
    if psql().is_none() {
        return;
    }
    let e = start(&[]);
    let tables = e.rows("\\dt");
    assert!(
        tables.contains("main|mart_task_completion|table|"),
        "{tables}"
    );
    assert!(tables.contains("main|raw_tasks|table|"), "{tables}");
    let views = e.rows("\\dv");
    assert!(views.contains("main|stg_tasks|view|"), "{views}");
    let databases = e.rows("\\l");
    assert!(databases.contains("UTF8"), "{databases}");

    let described = e.psql(&["-c", "\\d mart_task_completion"]);
    let described_text = text(&described);
    assert!(described.status.success(), "{described_text}");
    for column in ["completion_rate", "tasks_due", "scope_code", "period"] {
        assert!(described_text.contains(column), "{described_text}");
    }
    // Column types under PostgreSQL's names, as a PostgreSQL server prints them.
    let raw = e.rows("\\d raw_tasks");
    for line in [
        "source_row|bigint|",
        "deadline_on|date|",
        "is_major|boolean|",
        "responsible_units|text[]|",
        "task|character varying|",
    ] {
        assert!(raw.contains(line), "{line}: {raw}");
    }

    // What GUI tools ask first (DBeaver's PostgreSQL driver among them):
    // the server's kind, schema, database, namespaces, keywords.
    let version = e.rows("select version()");
    assert!(version.starts_with("PostgreSQL 16"), "{version}");
    e.rows_of(&[
        "SELECT current_schema(), session_user",
        "SELECT db.oid, db.* FROM pg_catalog.pg_database db WHERE datname = current_database()",
        "SELECT n.oid, n.*, d.description FROM pg_catalog.pg_namespace n \
         LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.objsubid = 0 \
         AND d.classoid = 'pg_namespace'::regclass ORDER BY nspname",
        "select string_agg(word, ',') from pg_catalog.pg_get_keywords()",
        "SELECT t.oid, t.typname FROM pg_catalog.pg_type t WHERE t.typname IS NOT NULL",
    ]);

    // A join, with figures equal to DuckDB's own.
    let join = "select c.scope_code, c.period, c.tasks_total, s.submitted_units \
                from mart_task_completion c join mart_submission_coverage s \
                using (period, scope_code) where s.kind = 'tasks' order by 1, 2";
    let got = e.rows(join);
    assert!(got.lines().count() > 5, "{got}");
    assert_eq!(got, expected(e.ws.path(), join));

    // PREPARE and EXECUTE with a parameter.
    let prepared = e.rows_of(&[
        "prepare q as select count(*) from stg_tasks where period = $1",
        "execute q('2024Q2')",
    ]);
    let direct = expected(
        e.ws.path(),
        "select count(*) from stg_tasks where period = '2024Q2'",
    );
    assert_eq!(prepared, direct);
}

#[test]
fn the_sandbox_refuses_files_writes_extensions_and_settings_and_writes_nothing() {
    if psql().is_none() {
        return;
    }
    let e = start(&[]);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("leak.csv");
    let target = target.to_str().unwrap();
    let before = walk(e.ws.path());
    for (sql, why) in [
        ("select * from read_csv('/etc/passwd')", "read_csv"),
        ("select * from read_text('/etc/hostname')", "read_text"),
        ("select * from glob('/etc/*')", "glob"),
        (&format!("copy mart_pilots to '{target}'") as &str, "COPY"),
        (&format!("copy (select 1) to '{target}'"), "COPY (query)"),
        (&format!("attach '{target}.db' as x"), "ATTACH"),
        ("install httpfs", "INSTALL"),
        ("load httpfs", "LOAD"),
        ("set enable_external_access = true", "SET external access"),
        ("set lock_configuration = false", "SET lock"),
        (
            "select set_config('enable_external_access', 'true', false)",
            "set_config",
        ),
        ("create table x (a int)", "CREATE"),
        ("create temp table x (a int)", "CREATE TEMP"),
        (
            "insert into mart_pilots select * from mart_pilots",
            "INSERT",
        ),
        ("delete from mart_pilots", "DELETE"),
        ("drop table mart_pilots", "DROP"),
        (
            "with t as (select 1) delete from mart_pilots",
            "WITH … DELETE",
        ),
        ("checkpoint", "CHECKPOINT"),
        ("pragma enable_profiling", "PRAGMA"),
        (&format!("export database '{target}.d'"), "EXPORT"),
        // COPY serves a query's rows to the client, and nothing else.
        (
            &format!("copy (select 1) to program 'touch {target}'"),
            "COPY TO PROGRAM",
        ),
        (
            &format!("copy mart_pilots from '{target}'"),
            "COPY FROM a file",
        ),
        ("copy mart_pilots from stdin", "COPY FROM STDIN"),
        ("copy mart_pilots to stdout", "COPY of a table"),
        (
            "copy (insert into mart_pilots select * from mart_pilots) to stdout",
            "COPY (INSERT)",
        ),
        (
            "copy (select * from read_csv('/etc/passwd')) to stdout",
            "COPY of read_csv",
        ),
        (
            &format!("copy (select 1) to stdout; copy (select 2) to '{target}'"),
            "COPY to a file after one to the client",
        ),
        ("savepoint a", "SAVEPOINT outside a transaction"),
    ] {
        let out = e.psql(&["-c", sql]);
        assert!(
            !out.status.success(),
            "{why} must be refused: {}",
            text(&out)
        );
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("ERROR"), "{why}: {said}");
    }
    // Refusals say why, in both languages, with PostgreSQL's SQLSTATE.
    for (sql, sqlstate, reason) in [
        (
            format!("copy (select 1) to '{target}'"),
            "42501",
            "COPY 不能写服务器上的文件 / COPY to a file is not allowed",
        ),
        (
            "copy mart_pilots from stdin".to_string(),
            "42501",
            "只读仓库，不能导入 / COPY FROM is not allowed",
        ),
        (
            "copy mart_pilots to stdout".to_string(),
            "0A000",
            "只能导出查询结果 / COPY of a table is not served",
        ),
        (
            "copy (delete from mart_pilots) to stdout".to_string(),
            "42501",
            "COPY 只能导出查询结果 / COPY (…) TO STDOUT takes a query only",
        ),
        (
            "savepoint a".to_string(),
            "25P01",
            "保存点只能在事务中使用 / SAVEPOINT can only be used in transaction blocks",
        ),
    ] {
        let out = e.psql(&["-v", "VERBOSITY=verbose", "-c", &sql]);
        let said = text(&out);
        assert!(!out.status.success(), "{sql}: {said}");
        assert!(
            said.contains(&format!("ERROR:  {sqlstate}")),
            "{sql}: {said}"
        );
        assert!(said.contains(reason), "{sql}: {said}");
    }
    let out = e.psql(&["-c", "install httpfs"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("INSTALL is not allowed"));
    let out = e.psql(&["-c", "select * from read_csv('/etc/passwd')"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("只读端点"),
        "{}",
        text(&out)
    );
    // Nothing was written, in the workspace or outside it.
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
    assert_eq!(walk(e.ws.path()), before);
    // The connection's own settings are accepted and the endpoint goes on.
    let fine = e.rows_of(&[
        "set extra_float_digits = 3",
        "set application_name = 'DBeaver'",
        "select 1",
    ]);
    assert_eq!(fine, "1\n");
}

#[test]
fn passwords_ssl_and_limits_are_refused_clearly() {
    if psql().is_none() {
        return;
    }
    let e = start(&["--pg-max-rows", "50", "--pg-timeout", "2"]);
    let wrong = e.psql_as("not-a-token", &["-c", "select 1"]);
    assert!(!wrong.status.success());
    assert!(
        text(&wrong)
            .to_lowercase()
            .contains("password authentication failed"),
        "{}",
        text(&wrong)
    );

    assert!(text(&wrong).contains("province token"), "{}", text(&wrong));

    // SSL is refused cleanly: required, it fails; preferred, it falls back.
    let out = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=a dbname=t sslmode=require connect_timeout=10",
            e.port
        ))
        .args(["-X", "-c", "select 1"])
        .env("PGPASSWORD", &e.province)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("does not support SSL"),
        "{}",
        text(&out)
    );
    let out = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=a dbname=t sslmode=prefer connect_timeout=10",
            e.port
        ))
        .args(["-X", "-A", "-t", "-c", "select 41 + 1"])
        .env("PGPASSWORD", &e.province)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "42\n",
        "{}",
        text(&out)
    );

    // The row cap refuses, never cuts short; the timeout interrupts.
    let out = e.psql(&["-c", "select * from range(51)"]);
    assert!(text(&out).contains("more than 50 rows"), "{}", text(&out));
    assert_eq!(e.rows("select count(*) from range(50)"), "50\n");
    let started = Instant::now();
    let out = e.psql(&["-c", "select count(*) from range(100000000000) a"]);
    assert!(text(&out).contains("statement timeout"), "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(30));
    // COPY's rows are held to the same limits: refused past the row cap
    // after the rows sent, whole at the cap, stopped at the timeout.
    let out = e.psql(&["-c", "copy (select * from range(51)) to stdout"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("more than 50 rows"), "{}", text(&out));
    assert_eq!(
        e.rows("copy (select * from range(50)) to stdout")
            .lines()
            .count(),
        50
    );
    let started = Instant::now();
    let out = e.psql(&[
        "-c",
        "copy (select count(*) from range(100000000000) a) to stdout",
    ]);
    assert!(text(&out).contains("statement timeout"), "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(30));
    // And the connection's endpoint still answers.
    assert_eq!(e.rows("select 1"), "1\n");
}

#[test]
fn psycopg_binds_parameters_on_the_server() {
    let Some(python) = pg_python() else {
        return;
    };
    let e = start(&[]);
    let script = r#"
import json, subprocess, sys, psycopg
port, password = sys.argv[1], sys.argv[2]
with psycopg.connect(host="127.0.0.1", port=port, user="analyst", dbname="taizhang",
                     password=password, sslmode="prefer") as conn:
    cur = conn.cursor()
    cur.execute("select scope_code, tasks_total, completion_rate from mart_task_completion "
                "where period = %s and tasks_total > %s order by scope_code", ("2024Q2", 0))
    rows = [[r[0], r[1], None if r[2] is None else round(r[2], 4)] for r in cur.fetchall()]
    cur.execute("select count(*) from stg_tasks where period = %s", ("2024Q1",), prepare=True)
    prepared = cur.fetchone()[0]
    binary = conn.cursor(binary=True)
    binary.execute("select period, tasks_total from mart_task_completion where scope_code = %s order by 1", ("510600",))
    binary_rows = [[p, n] for p, n in binary.fetchall()]
    conn.commit()
    # Inside a transaction every statement reads the file it began on, even
    # after a build replaced it; after COMMIT the next one reads the new file.
    cur.execute("select run_id, built_at from build_info")
    first, built_at = cur.fetchone()
    subprocess.run([sys.argv[3], "--workspace", sys.argv[4], "build"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cur.execute("select run_id from build_info")
    same = cur.fetchone()[0]
    conn.commit()
    cur.execute("select run_id from build_info")
    after = cur.fetchone()[0]
    print(json.dumps({"rows": rows, "prepared": prepared, "binary": binary_rows,
                      "snapshots": [first, same, after],
                      "built_at_offset": built_at.utcoffset().total_seconds()}))
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(e.port.to_string())
        .arg(&e.province)
        .arg(env!("CARGO_BIN_EXE_taizhang"))
        .arg(e.ws.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let snapshots = got_snapshots(&out);
    assert_eq!(
        snapshots[0], snapshots[1],
        "one file for the whole transaction"
    );
    assert_ne!(
        snapshots[1], snapshots[2],
        "the next transaction reads the new build"
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Instants arrive as timestamptz, at +08:00.
    assert_eq!(got["built_at_offset"], 28800.0);
    let want = rows(
        e.ws.path(),
        "select scope_code, tasks_total, completion_rate from mart_task_completion \
         where period = '2024Q2' and tasks_total > 0 order by scope_code",
    );
    let got_rows = got["rows"].as_array().unwrap();
    assert_eq!(got_rows.len(), want.len());
    for (g, w) in got_rows.iter().zip(&want) {
        assert_eq!(g[0].as_str().unwrap(), w[0]);
        assert_eq!(g[1].as_i64().unwrap().to_string(), w[1]);
        match &g[2] {
            Value::Null => assert_eq!(w[2], "NULL"),
            v => assert_eq!(format!("{:.4}", v.as_f64().unwrap()), w[2]),
        }
    }
    let q1 = rows(
        e.ws.path(),
        "select count(*) from stg_tasks where period = '2024Q1'",
    );
    assert_eq!(got["prepared"].as_i64().unwrap().to_string(), q1[0][0]);
    let binary = rows(
        e.ws.path(),
        "select period, tasks_total from mart_task_completion where scope_code = '510600' order by 1",
    );
    let got_binary: Vec<Vec<String>> = got["binary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                r[0].as_str().unwrap().to_string(),
                r[1].as_i64().unwrap().to_string(),
            ]
        })
        .collect();
    assert_eq!(got_binary, binary);
}

fn got_snapshots(out: &Output) -> Vec<String> {
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    got["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// 32 connections run a mart query over and over while two builds replace
/// the warehouse: every answer is whole and correct (the same lake gives
/// the same figures), none fails.
#[test]
fn thirty_two_connections_read_correctly_while_a_build_replaces_the_warehouse() {
    if psql().is_none() {
        return;
    }
    let e = start(&[]);
    let sql =
        "select scope_code, period, tasks_total, due_done from mart_task_completion order by 1, 2";
    let want = expected(e.ws.path(), sql);
    let port = e.port.to_string();
    let password = e.province.clone();
    let readers: Vec<_> = (0..32)
        .map(|_| {
            let (port, password, want) = (port.clone(), password.clone(), want.clone());
            std::thread::spawn(move || {
                // One connection per reader, five queries on it: each
                // statement reads one whole file, old or rebuilt.
                let out = Command::new("psql")
                    .args(["-X", "-h", "127.0.0.1", "-p", &port, "-U", "a", "-d", "t"])
                    .args(["-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1"])
                    .args(std::iter::repeat_n(["-c", sql], 5).flatten())
                    .env("PGPASSWORD", &password)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{}", text(&out));
                let got = String::from_utf8_lossy(&out.stdout).into_owned();
                assert_eq!(got, want.repeat(5));
            })
        })
        .collect();
    for _ in 0..2 {
        let build = taizhang(e.ws.path()).arg("build").output().unwrap();
        assert_eq!(build.status.code(), Some(0), "{}", text(&build));
    }
    for r in readers {
        r.join().unwrap();
    }
    // After the builds, a new connection reads the new file.
    assert_eq!(e.rows(sql), want);
}

/// A JDBC tool's session (DBeaver connects through pgJDBC): the catalog
/// through DatabaseMetaData, and a prepared statement run past the driver's
/// threshold for named server-side statements and binary results.
#[test]
fn jdbc_reads_the_catalog_and_runs_prepared_statements() {
    let Some(java) = jdbc() else {
        return;
    };
    let e = start(&[]);
    let out = Command::new(java)
        .args(["-cp", PG_JDBC])
        .arg(repo("tests/fixtures/pg/Jdbc.java"))
        .arg(e.port.to_string())
        .arg(&e.province)
        .output()
        .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines[0], "product PostgreSQL");
    assert_eq!(lines[1], "tables mart_task_completion,mart_task_ownership");
    let columns = rows(
        e.ws.path(),
        "select column_name from information_schema.columns \
         where table_name = 'mart_task_completion' order by ordinal_position",
    );
    let columns: Vec<&str> = columns.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(lines[2], format!("columns {}", columns.join(",")));
    let want: String = rows(
        e.ws.path(),
        "select scope_code, tasks_total, completion_rate from mart_task_completion \
         where period = '2024Q2' and tasks_total >= 0 order by scope_code",
    )
    .iter()
    .map(|r| format!(" {}={}/{}", r[0], r[1], r[2]))
    .collect();
    let prepared: Vec<&&str> = lines.iter().filter(|l| l.starts_with("prepared")).collect();
    assert_eq!(prepared.len(), 7, "{said}");
    for line in prepared {
        assert_eq!(*line, format!("prepared{want}"), "{said}");
    }
}

/// Beside the portal, in one process: both answer.
#[test]
fn the_endpoint_runs_beside_the_portal() {
    if psql().is_none() || client(program(&["curl"]), "curl: apt-get install curl").is_none() {
        return;
    }
    let ws = cli_workspace();
    let province = token(ws.path(), "510000", "province");
    // No warehouse yet: the endpoint starts anyway and says so per statement.
    let app = spawn_app(
        ws.path(),
        &["--addr", "127.0.0.1:0", "--pg", "127.0.0.1:0"],
        2,
    );
    let http = app.url("http").trim_start_matches("http://").to_string();
    let port = app.port("postgresql").to_string();
    let psql = |sql: &str| {
        Command::new("psql")
            .args(["-X", "-h", "127.0.0.1", "-p", &port, "-U", "a", "-d", "t"])
            .args(["-A", "-t", "-c", sql])
            .env("PGPASSWORD", &province)
            .output()
            .unwrap()
    };
    let early = psql("select 1");
    assert!(text(&early).contains("warehouse"), "{}", text(&early));
    assert!(!early.status.success());
    let page = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("http://{http}/login"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&page.stdout), "200");
    // A build, and the same connection string now answers.
    ingest_and_build_sample(ws.path());
    let later = psql("select count(*) > 0 from mart_task_completion");
    assert_eq!(
        String::from_utf8_lossy(&later.stdout),
        "t\n",
        "{}",
        text(&later)
    );
}

/// Runs a Python script with `python` (see [`pg_python`]), given the
/// endpoint's port and the province token as its first two arguments, then
/// `args`; a script still running after `limit` is killed and fails the
/// test (a load test is bounded in time as well as in count).
fn python_within(
    python: &Path,
    e: &Endpoint,
    limit: Duration,
    script: &str,
    args: &[&str],
) -> Output {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(e.port.to_string())
        .arg(&e.province)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the Python runs");
    // Read as it comes: a script's output past a pipe's buffer would
    // otherwise stop it until the limit.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut out);
            }
            out
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let said = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
            panic!("still running after {limit:?}: {said}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn python(python: &Path, e: &Endpoint, script: &str, args: &[&str]) -> Output {
    python_within(python, e, Duration::from_secs(120), script, args)
}

/// The server process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mb(e: &Endpoint) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", e.app.id())).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("Linux reports VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kb / 1024
}

/// Regression (issue 30, finding 6): every way the word filter was fooled
/// into running a write, through both protocols, on one connection that
/// then looks for what it wrote. DuckDB's parser says what each statement
/// is; only queries and EXPLAIN without ANALYZE run.
#[test]
fn the_read_only_filter_is_decided_by_duckdbs_parser_not_fooled_by_quoting() {
    let (Some(_), Some(py)) = (psql(), pg_python()) else {
        return;
    };
    let e = start(&[]);
    let outside = tempfile::tempdir().unwrap();
    let leak = outside.path().join("leak.csv");
    let before = walk(e.ws.path());
    let script = r#"
import json, sys, psycopg
port, password, leak = sys.argv[1], sys.argv[2], sys.argv[3]
attempts = [
    # A $b$ inside an identifier taken for a dollar quote.
    "select 1 as a$b$; create temp table t as select 42; select 1 as z$b$",
    # An escape string the splitter does not know.
    "select E'\\''; create temp table t as select 42",
    # Only the first word was read.
    "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 42",
    "explain analyse create temp table t as select 42",
    "explain (analyze) create temp table t as select 42",
    # Statements before the last were run by the prepare.
    "create temp table t as select 42; select 1",
    "/* a comment first */ create temp table t as select 42",
    # A PREPAREd write, then its EXECUTE.
    "prepare w as create temp table t as select 42",
    "execute w",
    "prepare d as delete from mart_pilots",
    "execute d",
    # Out of the workspace through the same holes.
    "select 1 as a$b$; copy (select 1) to '" + leak + "'; select 1 as z$b$",
    "select E'\\''; copy (select 1) to '" + leak + "'",
    # The query inside COPY is vetted as any query is, and must be one.
    "copy (create temp table t as select 42) to stdout",
    "copy (prepare w2 as create temp table t as select 42) to stdout",
    "copy (explain analyze create temp table t as select 42) to stdout",
    "copy (execute w) to stdout",
    "copy (select 1 as a$b$) to stdout; create temp table t as select 42; select 1 as z$b$",
    "copy (select E'\\')'; create temp table t as select 42) to stdout",
]
out = []
with psycopg.connect(host="127.0.0.1", port=port, user="analyst", dbname="taizhang",
                     password=password, autocommit=True) as conn:
    for sql in attempts:
        for protocol in ["simple", "extended"]:
            try:
                if protocol == "simple":
                    psycopg.ClientCursor(conn).execute(sql)
                else:
                    conn.cursor().execute(sql, prepare=True)
                result = "ran"
            except psycopg.Error as e:
                result = e.sqlstate or "error"
            temp = conn.execute("select count(*) from duckdb_tables() where temporary").fetchone()[0]
            out.append({"sql": sql, "protocol": protocol, "result": result, "temp_tables": temp})
    # Reads still run, and so does EXPLAIN without ANALYZE.
    plain = conn.execute("explain select count(*) from mart_task_completion").fetchall()
    prepared = conn.execute("prepare r as select 40 + $1").statusmessage
    executed = conn.execute("execute r(2)").fetchone()[0]
print(json.dumps({"attempts": out, "explain_rows": len(plain), "prepared": prepared,
                  "executed": executed}))
"#;
    let out = python(&py, &e, script, &[leak.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    for attempt in got["attempts"].as_array().unwrap() {
        assert_ne!(attempt["result"], "ran", "{attempt}");
        assert_eq!(attempt["temp_tables"], 0, "{attempt}");
    }
    assert!(got["explain_rows"].as_i64().unwrap() > 0, "{got}");
    assert_eq!(got["prepared"], "PREPARE");
    assert_eq!(got["executed"], 42);
    assert!(!leak.exists(), "COPY wrote {}", leak.display());
    assert_eq!(walk(e.ws.path()), before);

    // psql's simple protocol, with the refusals' reasons.
    for (sql, reason) in [
        (
            "select 1 as a$b$; create temp table t as select 42; select 1 as z$b$",
            "one statement at a time",
        ),
        (
            "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 42",
            "EXPLAIN ANALYZE runs its statement",
        ),
        ("prepare d as delete from mart_pilots", "only a query"),
    ] {
        let out = e.psql(&["-c", sql]);
        assert!(!out.status.success(), "{sql}: {}", text(&out));
        assert!(text(&out).contains(reason), "{sql}: {}", text(&out));
    }
}

/// Regression (issue 30, finding 7): a query larger than the endpoint's
/// memory fails with SQLSTATE 53200 instead of spilling into
/// `warehouse.duckdb.tmp/`; nothing appears in the workspace, during the
/// query or after it.
#[test]
fn a_query_too_large_for_memory_fails_and_spills_nothing_into_the_workspace() {
    if psql().is_none() {
        return;
    }
    let e = start(&["--pg-memory-mb", "64", "--pg-threads", "1"]);
    let before = walk(e.ws.path());
    let spill = e.ws.path().join("warehouse.duckdb.tmp");
    let port = e.port.to_string();
    let password = e.province.clone();
    // Five million distinct keys need a hash table several times 64 MiB.
    let query = std::thread::spawn(move || {
        Command::new("psql")
            .args(["-X", "-h", "127.0.0.1", "-p", &port, "-U", "a", "-d", "t"])
            .args(["-A", "-t", "-c"])
            .arg("select count(*) from (select distinct i from range(5000000) t(i))")
            .env("PGPASSWORD", &password)
            .output()
            .unwrap()
    });
    while !query.is_finished() {
        assert!(!spill.exists(), "DuckDB spilled into the workspace");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = query.join().unwrap();
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("memory_mb") && said.contains("内存"),
        "{said}"
    );
    assert!(!spill.exists());
    assert_eq!(walk(e.ws.path()), before);
    // The endpoint goes on.
    assert_eq!(e.rows("select 41 + 1"), "42\n");
}

/// Regression (issue 30, finding 8): rows are sent as DuckDB produces them,
/// so reading a 2 GB result keeps the server's memory near its DuckDB
/// limit (it held about 2.15 times the result before); and the byte cap
/// refuses a larger result with an error, never a short one.
#[test]
fn a_two_gigabyte_result_streams_in_bounded_memory_and_the_byte_cap_refuses() {
    let (Some(_), Some(py)) = (psql(), pg_python()) else {
        return;
    };
    let memory_mb = 256;
    let e = start(&[
        "--pg-memory-mb",
        &memory_mb.to_string(),
        "--pg-max-result-mb",
        "4096",
        "--pg-timeout",
        "900",
    ]);
    // 200,000 rows of 10,000 bytes: 2.0 GB of text, read one row at a time.
    let script = r#"
import json, sys, psycopg
port, password = sys.argv[1], sys.argv[2]
rows = bytes_ = 0
with psycopg.connect(host="127.0.0.1", port=port, user="a", dbname="t", password=password,
                     autocommit=True) as conn:
    for (value,) in conn.cursor().stream("select repeat('x', 10000) from range(200000)"):
        rows += 1
        bytes_ += len(value)
print(json.dumps({"rows": rows, "bytes": bytes_}))
"#;
    let out = python_within(&py, &e, Duration::from_secs(600), script, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["rows"], 200_000);
    assert_eq!(got["bytes"], 2_000_000_000u64);
    // DuckDB's limit, plus the program itself and a few chunks in flight:
    // far below the result's 2 GB (the old endpoint peaked above 4 GB).
    let peak = peak_rss_mb(&e);
    assert!(peak < memory_mb + 512, "peak RSS {peak} MiB");

    let capped = start(&["--pg-max-result-mb", "1"]);
    let out = capped.psql(&["-c", "select repeat('x', 1000) from range(5000)"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("larger than 1 MB"), "{}", text(&out));
    assert!(text(&out).contains("结果超过 1 MB"), "{}", text(&out));
    let out = capped.psql(&[
        "-c",
        "copy (select repeat('x', 1000) from range(5000)) to stdout (format csv)",
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("larger than 1 MB"), "{}", text(&out));
    assert_eq!(
        capped.rows("select count(*) from (select repeat('x', 1000) from range(500))"),
        "500\n"
    );
    let half = capped.rows("select repeat('x', 1000) from range(500)");
    assert_eq!(half.lines().count(), 500);
}

/// Regression (issue 30, finding 8): 200 memory-hungry queries from eight
/// connections at once share the endpoint's DuckDB memory: each one is
/// answered correctly or refused for memory (53200), and the server's peak
/// memory stays near its limit (the same load took 2 GB without one).
#[test]
fn two_hundred_heavy_queries_keep_the_endpoint_within_its_memory() {
    let (Some(_), Some(py)) = (psql(), pg_python()) else {
        return;
    };
    let memory_mb = 256;
    let e = start(&[
        "--pg-memory-mb",
        &memory_mb.to_string(),
        "--pg-threads",
        "2",
    ]);
    // A hash table of 60,000 strings of 3 KB: about 180 MB each.
    let heavy = "select count(*), max(length(s)) from (select distinct i, repeat('y', 3000) || i \
                 as s from range(60000) t(i))";
    let script = r#"
import json, sys, threading, psycopg
port, password, sql = sys.argv[1], sys.argv[2], sys.argv[3]
results = []
lock = threading.Lock()
def client(n):
    with psycopg.connect(host="127.0.0.1", port=port, user="a", dbname="t", password=password,
                         autocommit=True) as conn:
        for i in range(25):
            try:
                got = conn.execute(sql).fetchone()
                outcome = "ok" if got == (60000, 3005) else "wrong %r" % (got,)
            except psycopg.Error as e:
                outcome = e.sqlstate or str(e)
            with lock:
                results.append(outcome)
threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(results))
"#;
    let out = python_within(&py, &e, Duration::from_secs(600), script, &[heavy]);
    assert!(out.status.success(), "{}", text(&out));
    let results: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results.len(), 200);
    for r in &results {
        assert!(r == "ok" || r == "53200", "{r}");
    }
    // DuckDB's limit, plus the program itself and what each connection
    // holds: not eight queries' worth.
    let peak = peak_rss_mb(&e);
    assert!(peak < memory_mb + 512, "peak RSS {peak} MiB");
    // Alone, the same query fits: the refusals came from sharing the limit.
    assert_eq!(e.rows(heavy), "60000|3005\n");
}

/// `memory_mb` bounds the build connections read: once a build replaces
/// the warehouse and a connection reads the new file, the connections idle
/// on the old one let it go, and its DuckDB instance closes (its deleted
/// file no longer open) rather than keep its memory until they speak again.
#[test]
fn idle_connections_let_go_of_a_replaced_build() {
    let Some(py) = pg_python() else {
        return;
    };
    let e = start(&[]);
    let script = r#"
import json, os, subprocess, sys, psycopg
port, password, exe, ws, pid = sys.argv[1:6]
def replaced_files_open():
    fds = "/proc/%s/fd" % pid
    links = []
    for fd in os.listdir(fds):
        try:
            links.append(os.readlink(os.path.join(fds, fd)))
        except OSError:
            pass
    return sum(1 for l in links if "warehouse.duckdb" in l and l.endswith("(deleted)"))
def connect():
    return psycopg.connect(host="127.0.0.1", port=port, user="a", dbname="t",
                           password=password, autocommit=True)
idle = connect()
idle.execute("select count(*) from mart_task_completion").fetchone()
subprocess.run([exe, "--workspace", ws, "build"], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
before = replaced_files_open()
with connect() as other:
    other.execute("select count(*) from mart_task_completion").fetchone()
after = replaced_files_open()
still = idle.execute("select count(*) > 0 from mart_task_completion").fetchone()[0]
idle.close()
print(json.dumps({"before": before, "after": after, "still": still}))
"#;
    let pid = e.app.id().to_string();
    let out = python(
        &py,
        &e,
        script,
        &[
            env!("CARGO_BIN_EXE_taizhang"),
            e.ws.path().to_str().unwrap(),
            &pid,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        got["before"].as_i64().unwrap() > 0,
        "the old build was not open: {got}"
    );
    assert_eq!(got["after"], 0, "{got}");
    assert_eq!(
        got["still"], true,
        "the idle connection reads the new build"
    );
}

/// Regression (issue 30, finding 9): connections past `--pg-max-connections`
/// are refused with PostgreSQL's 53300 and a reason; a connection that never
/// finishes signing in is closed after `--pg-startup-timeout`, freeing its
/// slot; a signed-in connection is not.
#[test]
fn connections_past_the_cap_are_refused_and_half_open_ones_closed() {
    let (Some(_), Some(py)) = (psql(), pg_python()) else {
        return;
    };
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let e = start(&["--pg-max-connections", "3", "--pg-startup-timeout", "2"]);
    let addr = format!("127.0.0.1:{}", e.port);

    // Three connections that never sign in: one silent, one that stops
    // after its startup message, one that sends half of it.
    let silent = TcpStream::connect(&addr).unwrap();
    let mut no_password = TcpStream::connect(&addr).unwrap();
    let mut startup = Vec::new();
    let params = b"user\0a\0database\0t\0\0";
    startup.extend_from_slice(&((8 + params.len()) as u32).to_be_bytes());
    startup.extend_from_slice(&196608u32.to_be_bytes());
    startup.extend_from_slice(params);
    no_password.write_all(&startup).unwrap();
    let mut half = TcpStream::connect(&addr).unwrap();
    half.write_all(&startup[..6]).unwrap();
    let opened = Instant::now();

    // The cap is reached: a fourth is refused, with the reason.
    let out = e.psql(&["-c", "select 1"]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("too many clients") && said.contains("连接数已满"),
        "{said}"
    );
    assert!(said.contains("max_connections"), "{said}");

    // Each half-open connection is closed by the server (EOF or reset),
    // after the timeout; a read that times out means it was left open.
    for mut socket in [silent, no_password, half] {
        socket
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut buf = [0u8; 512];
        let closed = loop {
            match socket.read(&mut buf) {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break false,
                Err(_) => break true,
            }
        };
        assert!(closed, "a connection that never signed in was left open");
    }
    assert!(opened.elapsed() >= Duration::from_secs(2));

    // The slots are free again; a signed-in connection idle past the
    // sign-in timeout stays open and answers.
    let script = r#"
import sys, time, psycopg
port, password = sys.argv[1], sys.argv[2]
with psycopg.connect(host="127.0.0.1", port=port, user="a", dbname="t", password=password) as conn:
    time.sleep(3)
    print(conn.execute("select 40 + 2").fetchone()[0])
"#;
    let out = python(&py, &e, script, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
}

/// Regression (issue 30, finding 10): the endpoint does not tell a clerk's
/// token from a password that is no token: both get the same refusal.
#[test]
fn a_clerks_token_and_a_wrong_password_are_refused_alike() {
    if psql().is_none() {
        return;
    }
    let e = start(&[]);
    let clerk = token(e.ws.path(), "510603", "clerk");
    let wrong = "0".repeat(clerk.len());
    let by_clerk = e.psql_as(&clerk, &["-c", "select 1"]);
    let by_stranger = e.psql_as(&wrong, &["-c", "select 1"]);
    assert!(!by_clerk.status.success());
    assert!(!by_stranger.status.success());
    assert_eq!(text(&by_clerk), text(&by_stranger));
    assert!(
        text(&by_clerk).contains("password authentication failed"),
        "{}",
        text(&by_clerk)
    );
}

/// `taizhang query --format json` on the endpoint's workspace: the rows an
/// analyst's client must give back.
fn taizhang_json(ws: &Path, sql: &str) -> Value {
    let out = taizhang(ws)
        .args(["query", "--format", "json", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `v` with every number as a float: clients give a count as 99, 99.0 or
/// a decimal, which are the same value.
fn numbers_as_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), numbers_as_floats(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn assert_same_rows(got: &Value, want: &Value, what: &str) {
    let (got, want) = (numbers_as_floats(got), numbers_as_floats(want));
    let (g, w) = (got.as_array().unwrap(), want.as_array().unwrap());
    assert_eq!(g.len(), w.len(), "{what}: row count");
    assert!(!w.is_empty(), "{what}: the query returns rows");
    for (i, (g, w)) in g.iter().zip(w).enumerate() {
        assert_eq!(g, w, "{what}: row {i}");
    }
}

/// SQLAlchemy 2 over psycopg 3 — what pandas, Superset and notebooks stand
/// on: it connects (nesting its work in SAVEPOINTs), reflects tables, views
/// and columns with their types, finds no keys or indexes, and pandas reads
/// a query with a bound parameter and a whole table as `taizhang query`
/// does. A failed nested transaction is rolled back to its savepoint and
/// the outer one goes on; savepoints used wrongly get PostgreSQL's errors.
#[test]
fn sqlalchemy_and_pandas_reflect_and_read_the_warehouse() {
    let Some(py) = pg_python() else {
        return;
    };
    let e = start(&[]);
    let script = r#"
import decimal, json, math, sys
import pandas as pd, psycopg, sqlalchemy as sa
port, password = sys.argv[1], sys.argv[2]
engine = sa.create_engine(f"postgresql+psycopg://analyst:{password}@127.0.0.1:{port}/taizhang")
def value(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v
def records(df):
    return [{k: value(v) for k, v in r.items()} for r in df.to_dict("records")]
inspector = sa.inspect(engine)
out = {
    "tables": inspector.get_table_names(),
    "views": inspector.get_view_names(),
    "columns": [[c["name"], str(c["type"])] for c in inspector.get_columns("mart_task_completion")],
    "pk": inspector.get_pk_constraint("mart_task_completion")["constrained_columns"],
    "foreign_keys": inspector.get_foreign_keys("mart_task_completion"),
    "indexes": inspector.get_indexes("mart_task_completion"),
}
out["read_sql"] = records(pd.read_sql(
    sa.text("select scope_code, tasks_total, completion_rate from mart_task_completion "
            "where period = :period order by scope_code"),
    engine, params={"period": "2024Q2"}))
table = pd.read_sql_table("mart_task_completion", engine)
out["read_sql_table"] = records(table.sort_values(["period", "scope_code"]))
with engine.connect() as conn:
    with conn.begin():
        nested = conn.begin_nested()
        try:
            conn.execute(sa.text("select * from no_such_table"))
        except sa.exc.DBAPIError:
            nested.rollback()
        out["after_rollback_to"] = conn.execute(
            sa.text("select count(*) from mart_task_completion")).scalar()
errors = []
with psycopg.connect(host="127.0.0.1", port=port, user="a", dbname="t", password=password,
                     autocommit=True) as conn:
    for statements in (["savepoint a"],
                       ["begin", "savepoint a", "release b"],
                       ["begin", "savepoint a", "release a", "rollback to savepoint a"],
                       ["begin", "savepoint a", "savepoint b", "rollback to a", "release a", "commit"]):
        try:
            for s in statements:
                conn.execute(s)
            errors.append("ran")
        except psycopg.Error as e:
            errors.append(e.sqlstate)
        conn.execute("rollback")
out["savepoints"] = errors
print(json.dumps(out))
"#;
    let out = python(&py, &e, script, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = |v: &Value| -> Vec<String> {
        let mut names: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let duck = |sql: &str| -> Vec<String> {
        let mut names: Vec<String> = rows(e.ws.path(), sql)
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&got["tables"]),
        duck("select table_name from information_schema.tables where table_type = 'BASE TABLE'")
    );
    assert_eq!(
        names(&got["views"]),
        duck("select table_name from information_schema.tables where table_type = 'VIEW'")
    );
    // Each column under the SQLAlchemy type of its DuckDB type.
    let columns = rows(
        e.ws.path(),
        "select column_name, data_type from information_schema.columns \
         where table_name = 'mart_task_completion' order by ordinal_position",
    );
    let want: Vec<Value> = columns
        .iter()
        .map(|c| {
            let sa_type = match c[1].as_str() {
                "VARCHAR" => "VARCHAR",
                "BIGINT" => "BIGINT",
                "DOUBLE" => "DOUBLE PRECISION",
                other => panic!("a column type this test does not map: {other}"),
            };
            serde_json::json!([c[0], sa_type])
        })
        .collect();
    assert_eq!(got["columns"], Value::Array(want));
    assert_eq!(got["pk"], serde_json::json!([]));
    assert_eq!(got["foreign_keys"], serde_json::json!([]));
    assert_eq!(got["indexes"], serde_json::json!([]));
    assert_same_rows(
        &got["read_sql"],
        &taizhang_json(
            e.ws.path(),
            "select scope_code, tasks_total, completion_rate from mart_task_completion \
             where period = '2024Q2' order by scope_code",
        ),
        "pandas.read_sql",
    );
    assert_same_rows(
        &got["read_sql_table"],
        &taizhang_json(
            e.ws.path(),
            "select * from mart_task_completion order by period, scope_code",
        ),
        "pandas.read_sql_table",
    );
    let count = rows(e.ws.path(), "select count(*) from mart_task_completion");
    assert_eq!(got["after_rollback_to"].to_string(), count[0][0]);
    assert_eq!(
        got["savepoints"],
        serde_json::json!(["25P01", "3B001", "3B001", "ran"])
    );
}

/// Two queries every Arrow-native client must read as `taizhang query`
/// does: figures with a decimal and a 128-bit sum (sent as numeric), and
/// ledger rows with dates, booleans and nulls.
const ARROW_QUERIES: [&str; 2] = [
    "select scope_code, period, scope_level, tasks_total, completion_rate, \
     cast(tasks_total as decimal(18,2)) * cast(0.25 as decimal(3,2)) as quarter_of_tasks, \
     sum(tasks_due) over (partition by scope_code) as due_in_scope \
     from mart_task_completion order by scope_code, period",
    "select submission_id, source_row, deadline_on, is_major, completed_on, status \
     from stg_tasks order by submission_id, source_row",
];

/// ADBC's PostgreSQL driver (`fetch_arrow_table`) and polars'
/// `read_database_uri` with both engines — connectorx, which fetches with
/// a binary `COPY (query) TO STDOUT` over the extended protocol, and ADBC,
/// which reads the type catalog first — each give `taizhang query`'s rows.
#[test]
fn adbc_and_polars_read_the_same_rows_as_taizhang_query() {
    let Some(py) = pg_python() else {
        return;
    };
    let e = start(&[]);
    let script = r#"
import datetime, decimal, json, sys
import adbc_driver_postgresql.dbapi as adbc
import polars as pl
port, password, queries = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
uri = f"postgresql://analyst:{password}@127.0.0.1:{port}/taizhang"
def value(v, numeric=False):
    # ADBC hands a numeric over as its text (its Arrow type is opaque).
    if numeric and v is not None:
        return float(v)
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return v
def records(rows, numeric=()):
    return [{k: value(v, k in numeric) for k, v in r.items()} for r in rows]
out = {"adbc": [], "polars_connectorx": [], "polars_adbc": []}
numeric = []
with adbc.connect(uri) as conn:
    cur = conn.cursor()
    for q in queries:
        cur.execute(q)
        table = cur.fetch_arrow_table()
        numeric.append({f.name for f in table.schema
                        if (f.metadata or {}).get(b"POSTGRESQL:type") == b"numeric"})
        out["adbc"].append(records(table.to_pylist(), numeric[-1]))
for q, n in zip(queries, numeric):
    out["polars_connectorx"].append(records(pl.read_database_uri(q, uri).to_dicts()))
    out["polars_adbc"].append(records(pl.read_database_uri(q, uri, engine="adbc").to_dicts(), n))
print(json.dumps(out))
"#;
    let queries = serde_json::to_string(&ARROW_QUERIES).unwrap();
    let out = python(&py, &e, script, &[&queries]);
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, sql) in ARROW_QUERIES.iter().enumerate() {
        let want = taizhang_json(e.ws.path(), sql);
        for engine in ["adbc", "polars_connectorx", "polars_adbc"] {
            assert_same_rows(&got[engine][i], &want, &format!("{engine}, query {i}"));
        }
    }
}

/// What COPY serves in the tests below: text that needs escaping and
/// quoting (a tab, a line break, a quote, a backslash, a comma), a date, a
/// boolean, nulls and a decimal.
const COPY_QUERY: &str = "select submission_id, source_row, task, deadline_on, is_major, \
     completed_on, cast(source_row as decimal(18,2)) * cast(0.125 as decimal(4,3)) as eighth, \
     'a' || chr(9) || 'b' || chr(10) || 'say \"hi\", c:\\' as tricky \
     from stg_tasks order by submission_id, source_row";

/// Whether a COPY field, as text (`None` for NULL), is `want`'s value:
/// booleans as PostgreSQL writes them, numbers by value.
fn same_text(field: Option<&str>, want: &Value) -> bool {
    match (field, want) {
        (None, Value::Null) => true,
        (Some(f), Value::Bool(b)) => f == if *b { "t" } else { "f" },
        (Some(f), Value::Number(n)) => f.parse::<f64>().ok() == n.as_f64(),
        (Some(f), Value::String(s)) => f == s,
        _ => false,
    }
}

/// COPY's text format read back: tab-separated, `\N` for NULL, backslash
/// escapes undone.
fn text_copy_rows(data: &str) -> Vec<Vec<Option<String>>> {
    data.lines()
        .map(|line| {
            line.split('\t')
                .map(|field| {
                    (field != "\\N").then(|| {
                        let mut out = String::new();
                        let mut chars = field.chars();
                        while let Some(c) = chars.next() {
                            if c != '\\' {
                                out.push(c);
                                continue;
                            }
                            match chars.next() {
                                Some('t') => out.push('\t'),
                                Some('n') => out.push('\n'),
                                Some('r') => out.push('\r'),
                                Some(other) => out.push(other),
                                None => {}
                            }
                        }
                        out
                    })
                })
                .collect()
        })
        .collect()
}

/// COPY's csv read back: its header and rows, an empty field as NULL (as
/// PostgreSQL writes a NULL; no column of [`COPY_QUERY`] holds an empty
/// string, which it would quote).
fn csv_copy_rows(data: &str) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(data.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|f| (!f.is_empty()).then(|| f.to_string()))
                .collect()
        })
        .collect();
    (header, rows)
}

fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The rows of a binary COPY: the signature, each row's fields as bytes
/// (`None` for NULL), the trailer; anything else fails the test.
fn binary_copy_rows(data: &[u8]) -> Vec<Vec<Option<Vec<u8>>>> {
    let signature = b"PGCOPY\n\xff\r\n\0";
    assert_eq!(&data[..11], signature, "the binary signature");
    let mut at = 11 + 8;
    let mut rows = Vec::new();
    loop {
        let count = i16::from_be_bytes([data[at], data[at + 1]]);
        at += 2;
        if count == -1 {
            break;
        }
        let mut row = Vec::new();
        for _ in 0..count {
            let len = i32::from_be_bytes(data[at..at + 4].try_into().unwrap());
            at += 4;
            if len < 0 {
                row.push(None);
            } else {
                row.push(Some(data[at..at + len as usize].to_vec()));
                at += len as usize;
            }
        }
        rows.push(row);
    }
    assert_eq!(at, data.len(), "nothing after the trailer");
    rows
}

/// `COPY (query) TO STDOUT` in text, csv and binary, through psql (`COPY`
/// and `\copy … to 'file'`, which psql writes itself) and psycopg's copy
/// API: each gives `taizhang query`'s rows; psql and psycopg receive the
/// same bytes.
#[test]
fn copy_to_stdout_gives_the_querys_rows_in_text_csv_and_binary() {
    let (Some(_), Some(py)) = (psql(), pg_python()) else {
        return;
    };
    let e = start(&[]);
    let want = taizhang_json(e.ws.path(), COPY_QUERY);
    let want = want.as_array().unwrap();
    let columns = [
        "submission_id",
        "source_row",
        "task",
        "deadline_on",
        "is_major",
        "completed_on",
        "eighth",
        "tricky",
    ];
    let check = |what: &str, got: &[Vec<Option<String>>]| {
        assert_eq!(got.len(), want.len(), "{what}: row count");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.len(), columns.len(), "{what}");
            for (field, column) in g.iter().zip(columns) {
                assert!(
                    same_text(field.as_deref(), &w[column]),
                    "{what}: {column} is {field:?}, not {}",
                    w[column]
                );
            }
        }
    };

    let script = r#"
import json, sys, psycopg
port, password, query = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
with psycopg.connect(host="127.0.0.1", port=port, user="a", dbname="t", password=password) as conn:
    cur = conn.cursor()
    for name, options in [("text", ""), ("csv", " (format csv, header)"), ("binary", " with binary")]:
        with cur.copy(f"COPY ({query}) TO STDOUT{options}") as copy:
            data = b"".join(bytes(block) for block in copy)
        out[name] = data.hex()
        out[name + "_rowcount"] = cur.rowcount
    with cur.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
        copy.set_types(["varchar", "int8", "varchar", "date", "bool", "date", "numeric", "varchar"])
        out["typed"] = [[None if v is None else str(v) for v in row] for row in copy.rows()]
print(json.dumps(out))
"#;
    let out = python(&py, &e, script, &[COPY_QUERY]);
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bytes = |name: &str| from_hex(got[name].as_str().unwrap());
    for name in ["text_rowcount", "csv_rowcount", "binary_rowcount"] {
        assert_eq!(got[name], want.len(), "{name}: the COPY n tag");
    }
    let text_data = String::from_utf8(bytes("text")).unwrap();
    check("psycopg text", &text_copy_rows(&text_data));
    let csv_data = String::from_utf8(bytes("csv")).unwrap();
    let (header, csv_rows) = csv_copy_rows(&csv_data);
    assert_eq!(header, columns);
    check("psycopg csv", &csv_rows);
    let binary = bytes("binary");
    let binary_rows = binary_copy_rows(&binary);
    assert_eq!(binary_rows.len(), want.len());
    for (row, w) in binary_rows.iter().zip(want) {
        // Text travels as its UTF-8 bytes, a bigint as 8 big-endian bytes.
        assert_eq!(
            row[0].as_deref(),
            Some(w["submission_id"].as_str().unwrap().as_bytes())
        );
        let source_row = i64::from_be_bytes(row[1].clone().unwrap().try_into().unwrap());
        assert_eq!(Some(source_row), w["source_row"].as_i64());
        assert_eq!(
            row[7].as_deref(),
            Some(w["tricky"].as_str().unwrap().as_bytes())
        );
    }
    // psycopg decodes every field of the binary rows by its type.
    let typed: Vec<Vec<Option<String>>> = got["typed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    v.as_str().map(|s| match s {
                        "True" => "t".to_string(),
                        "False" => "f".to_string(),
                        other => other.to_string(),
                    })
                })
                .collect()
        })
        .collect();
    check("psycopg binary", &typed);

    // psql receives the same bytes, and \copy writes them to a file.
    let copy = |options: &str| {
        let out = e.psql(&["-c", &format!("copy ({COPY_QUERY}) to stdout{options}")]);
        assert!(out.status.success(), "{}", text(&out));
        out.stdout
    };
    assert_eq!(copy(""), text_data.as_bytes());
    assert_eq!(copy(" (format csv, header)"), csv_data.as_bytes());
    assert_eq!(copy(" with binary"), binary);
    let file = tempfile::tempdir().unwrap();
    let path = file.path().join("tasks.csv");
    let out = e.psql(&[
        "-c",
        &format!(
            "\\copy ({COPY_QUERY}) to '{}' with csv header",
            path.display()
        ),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), csv_data);
}

/// A million rows of 1,000 bytes — a gigabyte — read by psycopg through a
/// binary COPY, while the server's peak memory is polled: it stays near
/// DuckDB's limit, far below the result, because COPY's rows are streamed
/// as DuckDB produces them, as a query's are.
#[test]
fn a_million_row_copy_streams_in_bounded_memory() {
    let Some(py) = pg_python() else {
        return;
    };
    let memory_mb = 256;
    let e = start(&[
        "--pg-memory-mb",
        &memory_mb.to_string(),
        "--pg-max-result-mb",
        "2048",
        "--pg-timeout",
        "600",
    ]);
    let script = r#"
import json, sys, psycopg
port, password = sys.argv[1], sys.argv[2]
rows = total = width = 0
with psycopg.connect(host="127.0.0.1", port=port, user="a", dbname="t", password=password) as conn:
    cur = conn.cursor()
    with cur.copy("COPY (select i, repeat('x', 1000) as pad from range(1000000) t(i)) "
                  "TO STDOUT (FORMAT binary)") as copy:
        copy.set_types(["int8", "text"])
        for i, pad in copy.rows():
            rows += 1
            total += i
            width += len(pad)
    tag = cur.rowcount
print(json.dumps({"rows": rows, "total": total, "width": width, "tag": tag}))
"#;
    let mut child = Command::new(&py)
        .arg("-c")
        .arg(script)
        .arg(e.port.to_string())
        .arg(&e.province)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut samples = 0;
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "still copying after 10 minutes"
        );
        assert!(
            peak_rss_mb(&e) < memory_mb + 512,
            "peak RSS {} MiB",
            peak_rss_mb(&e)
        );
        samples += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n: u64 = 1_000_000;
    assert_eq!(got["rows"], n);
    assert_eq!(got["tag"], n);
    assert_eq!(got["total"], n * (n - 1) / 2);
    assert_eq!(got["width"], n * 1000);
    let peak = peak_rss_mb(&e);
    assert!(samples > 0);
    // DuckDB's limit, plus the program and a few chunks in flight: far
    // below the gigabyte sent.
    assert!(peak < memory_mb + 512, "peak RSS {peak} MiB");
}
