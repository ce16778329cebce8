//! Helpers shared by the integration tests.

#![allow(dead_code)]

use chrono::{DateTime, FixedOffset};
use std::path::{Path, PathBuf};
use taizhang::ingest::{self, ImportSummary, Options, Source};
use taizhang::workspace::Workspace;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A fresh workspace in a temporary folder, with `roster` if given.
pub fn workspace(roster: Option<&str>) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    Workspace::init(dir.path()).unwrap();
    if let Some(r) = roster {
        std::fs::write(dir.path().join("roster.csv"), r).unwrap();
    }
    let ws = Workspace::open(dir.path()).unwrap();
    (dir, ws)
}

/// The taizhang binary, run on workspace `ws`.
pub fn taizhang(ws: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_taizhang"));
    cmd.arg("--workspace").arg(ws);
    cmd
}

/// `taizhang ingest sample-data` then `taizhang build` on `ws`, as a user
/// runs them (the sample's two bad rows make the ingest exit 1).
pub fn ingest_and_build_sample(ws: &Path) {
    let ingest = taizhang(ws)
        .arg("ingest")
        .arg(repo("sample-data"))
        .output()
        .unwrap();
    assert!(ingest.status.code().is_some_and(|c| c <= 1), "{ingest:?}");
    rebuild(ws);
}

/// `taizhang build` on `ws`, which must pass its data tests.
pub fn rebuild(ws: &Path) {
    let build = taizhang(ws).arg("build").output().unwrap();
    assert_eq!(build.status.code(), Some(0), "{build:?}");
}

/// A workspace made by `taizhang init`, with the small sample's roster.
pub fn cli_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        taizhang(dir.path())
            .arg("init")
            .output()
            .unwrap()
            .status
            .success()
    );
    std::fs::copy(
        repo("sample-data/roster.csv"),
        dir.path().join("roster.csv"),
    )
    .unwrap();
    dir
}

pub fn options() -> Options {
    Options {
        kind: None,
        region: None,
        period: None,
        received_at: None,
        dry_run: false,
        source: Source::Cli,
    }
}

pub fn time(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// Ingests paths with options, under the lock, as the CLI does.
pub fn ingest(ws: &Workspace, paths: &[PathBuf], opts: &Options) -> ImportSummary {
    let _lock = ws.lock().unwrap();
    let inputs = ingest::collect(paths).unwrap();
    ingest::run(ws, &inputs, opts, &|_, _| {}).unwrap()
}

pub fn build(ws: &Workspace) -> taizhang::warehouse::BuildResult {
    let _lock = ws.lock().unwrap();
    taizhang::warehouse::build(ws, "test-build").unwrap()
}

/// Rows of a query as strings ("NULL" for null), for exact comparison.
pub fn rows(ws_root: &Path, sql: &str) -> Vec<Vec<String>> {
    rows_in(&ws_root.join("warehouse.duckdb"), sql)
}

/// As [`rows`], from the warehouse file `db` (an as-of build's own file).
pub fn rows_in(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = taizhang::warehouse::open_file_read_only(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut out = Vec::new();
    let mut rs = stmt.query([]).unwrap();
    while let Some(row) = rs.next().unwrap() {
        let mut vals = Vec::new();
        for i in 0..n {
            let v: duckdb::types::Value = row.get(i).unwrap();
            vals.push(match v {
                duckdb::types::Value::Null => "NULL".to_string(),
                duckdb::types::Value::Text(s) => s,
                duckdb::types::Value::Double(x) => format!("{x:.4}"),
                duckdb::types::Value::BigInt(n) => n.to_string(),
                duckdb::types::Value::Int(n) => n.to_string(),
                duckdb::types::Value::HugeInt(n) => n.to_string(),
                duckdb::types::Value::Boolean(b) => b.to_string(),
                other => format!("{other:?}"),
            });
        }
        out.push(vals);
    }
    out
}

/// Writes a one-sheet task ledger: a title row, a header row, then `rows`
/// (all text cells). Used by scenarios whose figures are worked out by hand.
pub fn write_ledger(path: &Path, title: &str, header: &[&str], rows: &[Vec<&str>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, title).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(2 + r as u32, c as u16, *v).unwrap();
            }
        }
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    wb.save(path).unwrap();
}

/// A one-task ledger (done, due 2024年6月底) under `title`: the smallest
/// ledger that is accepted once its unit and period are known.
pub fn write_one_task_ledger(path: &Path, title: &str) {
    write_ledger(
        path,
        title,
        &["序号", "改革任务", "牵头单位", "完成时限", "完成状态"],
        &[vec![
            "1",
            "深化营商环境改革",
            "区发改局",
            "2024年6月底",
            "已完成",
        ]],
    );
}

pub const DEYANG_ROSTER: &str = "code,name,level,parent_code,valid_from,valid_to,aliases
510000,四川省,province,,,,
510600,德阳市,city,510000,,,
510603,旌阳区,county,510600,,,
510604,罗江区,county,510600,,,罗江县|510626
";

/// Every file below `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

/// Reads `bytes` as a received file named `name`, with the default roster and `config`.
pub fn read_file(
    bytes: &[u8],
    name: &str,
    hints: &taizhang::ingest::Hints,
    config: &taizhang::config::Config,
) -> taizhang::ingest::ParsedFile {
    let roster =
        taizhang::normalize::Roster::from_csv(taizhang::workspace::DEFAULT_ROSTER).unwrap();
    let rules = config.rules();
    let ctx = taizhang::ingest::Context {
        roster: &roster,
        rules: &rules,
        limits: config.limits,
        keep_marked_sheets: false,
    };
    taizhang::ingest::parse::parse_file(bytes, name, hints, ctx)
}

/// Hints that place a file at 旌阳区 (510603), 2024Q2, as flags would.
pub fn jingyang_2024q2() -> taizhang::ingest::Hints {
    taizhang::ingest::Hints {
        region_flag: Some("510603".into()),
        period_flag: Some("2024Q2".parse().unwrap()),
        ..Default::default()
    }
}

/// A client a test drives from outside (a browser, a database driver, a
/// Python package), found or not. Inside CI (`CI` set, as `.ci/run` sets it
/// after `.ci/setup` installed every client) a missing one fails the test.
/// Elsewhere the test is skipped, and a line on the terminal — written past
/// the test harness's capture, so it shows — names what to install: `cargo
/// test` on a machine without them passes and says what it did not run.
pub fn client<T>(found: Option<T>, needs: &str) -> Option<T> {
    if found.is_some() {
        return found;
    }
    let line = format!("{needs} (`sudo .ci/setup` installs every test's clients)");
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("needed: {line}");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\nskipped {test}: it needs {line}");
    None
}

/// The first of `names` on the PATH.
pub fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        path.split(':')
            .map(|dir| Path::new(dir).join(name))
            .find(|p| p.is_file())
    })
}

/// The Python of a venv the tests use, `~/.cache/taizhang-py/<name>`, if
/// `.ci/setup` made it.
pub fn venv_python(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let python = PathBuf::from(home)
        .join(".cache/taizhang-py")
        .join(name)
        .join("bin/python");
    python.is_file().then_some(python)
}

/// A `taizhang serve` over real sockets, killed when dropped: the one way
/// the portal, browser and endpoint tests start a server.
pub struct SpawnedApp {
    child: std::process::Child,
    /// The addresses it printed, `listening on <url>` (the portal's
    /// `http://…`, the endpoint's `postgresql://…`), in order.
    pub listening: Vec<String>,
}

impl SpawnedApp {
    /// The address printed with `scheme` (`http`, `postgresql`).
    pub fn url(&self, scheme: &str) -> &str {
        let prefix = format!("{scheme}://");
        self.listening
            .iter()
            .find(|u| u.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {scheme} listener among {:?}", self.listening))
    }

    /// The port printed with `scheme`.
    pub fn port(&self, scheme: &str) -> u16 {
        self.url(scheme)
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The process id, for what a test reads of the server (its memory).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server now.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SpawnedApp {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `taizhang serve <args>` on workspace `ws`, its listeners on port 0 (the
/// system's choice); returns once it has printed `listeners` addresses, so
/// every listener is bound before the test's first request.
pub fn spawn_app(ws: &Path, args: &[&str], listeners: usize) -> SpawnedApp {
    spawn_app_with_env(ws, args, listeners, &[])
}

/// As [`spawn_app`], with `env` set for the server (`TAIZHANG_CRASH_AT`).
pub fn spawn_app_with_env(
    ws: &Path,
    args: &[&str],
    listeners: usize,
    env: &[(&str, &str)],
) -> SpawnedApp {
    use std::io::BufRead;
    let mut child = taizhang(ws)
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut listening = Vec::new();
    while listening.len() < listeners {
        let line = lines.next().and_then(|l| l.ok()).unwrap_or_default();
        match line.trim().strip_prefix("listening on ") {
            Some(url) => listening.push(url.to_string()),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start: {line:?}");
            }
        }
    }
    SpawnedApp { child, listening }
}
