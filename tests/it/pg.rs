//! The read-only PostgreSQL endpoint as analysts meet it: psql (Debian's
//! client) and psycopg over loopback, every sandbox refusal, 32 connections
//! reading while a build replaces the warehouse, and the limits of `[pg]`
//! tried by clients that break them (issue 30).

use super::common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Endpoint {
    child: Child,
    port: u16,
    ws: tempfile::TempDir,
    province: String,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let mut child = taizhang(ws.path())
        .args(["serve", "--pg", "127.0.0.1:0", "--no-portal"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the endpoint did not start: {line:?}"));
    Endpoint {
        child,
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
            .expect("psql (postgresql-client) is installed; .ci/run installs it")
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
    // Refusals say why, in both languages.
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
    // And the connection's endpoint still answers.
    assert_eq!(e.rows("select 1"), "1\n");
}

#[test]
fn psycopg_binds_parameters_on_the_server() {
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
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(e.port.to_string())
        .arg(&e.province)
        .arg(env!("CARGO_BIN_EXE_taizhang"))
        .arg(e.ws.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "psycopg (pip install 'psycopg[binary]'): {}",
        text(&out)
    );
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
    let e = start(&[]);
    let out = Command::new("java")
        .args(["-cp", "/usr/share/java/postgresql.jar"])
        .arg(repo("tests/fixtures/pg/Jdbc.java"))
        .arg(e.port.to_string())
        .arg(&e.province)
        .output()
        .expect("java is installed (.ci/run installs a JRE and libpostgresql-jdbc-java)");
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
    let ws = cli_workspace();
    let province = token(ws.path(), "510000", "province");
    // No warehouse yet: the endpoint starts anyway and says so per statement.
    /// The server, stopped however the test ends.
    struct Running(Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Running(
        taizhang(ws.path())
            .args(["serve", "--addr", "127.0.0.1:0", "--pg", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut http = None;
    let mut pg = None;
    for _ in 0..2 {
        let line = lines.next().unwrap().unwrap();
        if let Some(a) = line.strip_prefix("listening on http://") {
            http = Some(a.to_string());
        } else if let Some(a) = line.strip_prefix("listening on postgresql://") {
            pg = Some(a.rsplit(':').next().unwrap().to_string());
        }
    }
    let (http, port) = (
        http.expect("the portal's line"),
        pg.expect("the endpoint's line"),
    );
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

/// Runs a Python script with psycopg, given the endpoint's port and the
/// province token as its first two arguments, then `args`; a script still
/// running after `limit` is killed and fails the test (a load test is
/// bounded in time as well as in count).
fn python_within(e: &Endpoint, limit: Duration, script: &str, args: &[&str]) -> Output {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(e.port.to_string())
        .arg(&e.province)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}: {}", text(&out));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

fn python(e: &Endpoint, script: &str, args: &[&str]) -> Output {
    python_within(e, Duration::from_secs(120), script, args)
}

/// The server process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mb(e: &Endpoint) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", e.child.id())).unwrap();
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
    let out = python(&e, script, &[leak.to_str().unwrap()]);
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
    let out = python_within(&e, Duration::from_secs(600), script, &[]);
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
    let out = python_within(&e, Duration::from_secs(600), script, &[heavy]);
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
    let pid = e.child.id().to_string();
    let out = python(
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
    let out = python(&e, script, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
}

/// Regression (issue 30, finding 10): the endpoint does not tell a clerk's
/// token from a password that is no token: both get the same refusal.
#[test]
fn a_clerks_token_and_a_wrong_password_are_refused_alike() {
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
