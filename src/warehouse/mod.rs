//! The DuckDB warehouse (DESIGN §7): raw tables loaded from the lake, then the
//! SQL models in layer order, then the data tests. A build writes a new file
//! and renames it over `warehouse.duckdb`, so readers never see half a build.

pub mod docs;
pub mod export;
pub mod models;
pub mod trace;

use chrono::{DateTime, FixedOffset};
use duckdb::{Connection, params};
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::lake::schema::{self, duckdb_columns};
use crate::ledger::Kind;
use crate::workspace::Workspace;
pub use models::{Layer, Model};

/// One data test's outcome.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub failing_rows: usize,
    /// The first failing rows, formatted for a terminal.
    pub sample: String,
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildResult {
    pub path: PathBuf,
    pub raw_rows: Vec<(String, usize)>,
    pub models: Vec<String>,
    pub tests: Vec<TestResult>,
    /// Run records in `runs/` that could not be read, with the reason; they
    /// are left in place and named, not loaded.
    pub unreadable_runs: Vec<crate::runs::Unreadable>,
    /// Shipped models replaced by the workspace's own `sql/` files.
    pub overridden: Vec<String>,
    /// What the figures were built from (the `build_info` table).
    pub stamp: Stamp,
}

/// What a warehouse's figures were built from, so anyone can rebuild the
/// very figures a report showed: `taizhang build --as-of <as_of>` reads the
/// same lake rows again after any number of later submissions, and the
/// digests say whether it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    /// The submissions read are those received at or before this time: the
    /// `--as-of` given, else the moment the build started.
    pub as_of: DateTime<FixedOffset>,
    /// Whether `as_of` was asked for (a rebuild of the past) or is the
    /// build's own time.
    pub as_of_given: bool,
    /// sha256 over the rows read from the lake, table by table (row count
    /// and an order-free sum of row hashes): the same rows give the same
    /// digest however the rows are split into parts, so compaction and later
    /// submissions leave it alone.
    pub lake_digest: String,
    /// sha256 over the roster, the config and the SQL of every model: what
    /// turns the rows into figures.
    pub settings_digest: String,
    pub lake_rows: usize,
}

impl Stamp {
    /// The command that rebuilds these figures.
    pub fn rebuild_command(&self) -> String {
        format!("taizhang build --as-of {}", self.as_of_text())
    }

    /// `as_of` in RFC 3339, milliseconds only when there are some.
    pub fn as_of_text(&self) -> String {
        let format = if self.as_of.timestamp_subsec_millis() == 0 {
            chrono::SecondsFormat::Secs
        } else {
            chrono::SecondsFormat::Millis
        };
        self.as_of.to_rfc3339_opts(format, false)
    }
}

impl BuildResult {
    pub fn failed_tests(&self) -> impl Iterator<Item = &TestResult> {
        self.tests.iter().filter(|t| t.failing_rows > 0)
    }

    /// Done, or "done, but" when a data test failed.
    pub fn verdict(&self) -> crate::runs::Verdict {
        crate::runs::Verdict::partial_if(self.failed_tests().next().is_some())
    }

    /// The build step of a run record: rows per raw table, models, tests.
    pub fn step_record(
        &self,
        started_at: chrono::DateTime<chrono::FixedOffset>,
    ) -> crate::runs::StepRecord {
        let failed = self.failed_tests().count();
        let mut counts: Vec<(&str, usize)> = self
            .raw_rows
            .iter()
            .map(|(t, n)| (t.as_str(), *n))
            .collect();
        counts.push(("models", self.models.len()));
        counts.push(("tests_passed", self.tests.len() - failed));
        counts.push(("tests_failed", failed));
        crate::runs::StepRecord::new("build", started_at, &counts)
    }
}

/// Rebuilds the warehouse from the lake. The caller holds the workspace lock;
/// `run_id` names the run whose data-test results this build records.
pub fn build(ws: &Workspace, run_id: &str) -> Result<BuildResult> {
    build_as_of(ws, run_id, None)
}

/// Rebuilds the warehouse from the submissions received at or before
/// `as_of` (all of them when `None`): later files and resubmissions are left
/// out, so a past report's figures come back as they were published.
pub fn build_as_of(
    ws: &Workspace,
    run_id: &str,
    as_of: Option<DateTime<FixedOffset>>,
) -> Result<BuildResult> {
    build_to(ws, run_id, as_of, &ws.warehouse())
}

/// Builds into `target` (the live `warehouse.duckdb` or a file of its own,
/// such as an as-of build's) under a temporary name beside it, renamed into
/// place only when the build succeeded: a reader never sees a half-built file.
pub fn build_to(
    ws: &Workspace,
    run_id: &str,
    as_of: Option<DateTime<FixedOffset>>,
    target: &Path,
) -> Result<BuildResult> {
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "warehouse.duckdb".into());
    let tmp = target.with_file_name(format!(
        ".{name}{}{}",
        crate::fsutil::TMP_MARK,
        std::process::id()
    ));
    remove_db(&tmp)?;
    let result = build_into(ws, &tmp, run_id, as_of);
    let mut report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = remove_db(&tmp);
            return Err(e);
        }
    };
    fs::rename(&tmp, target).map_err(Error::io(target))?;
    report.path = target.to_path_buf();
    Ok(report)
}

fn remove_db(path: &Path) -> Result<()> {
    for p in [
        path.to_path_buf(),
        PathBuf::from(format!("{}.wal", path.display())),
    ] {
        match fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::Io { path: p, source: e }),
        }
    }
    Ok(())
}

/// With `TAIZHANG_TIMINGS` set, each step of a build prints its wall time to
/// stderr: the profile behind benches/README.md.
struct StepTimer {
    on: bool,
    last: std::time::Instant,
}

impl StepTimer {
    fn new() -> StepTimer {
        StepTimer {
            on: std::env::var_os("TAIZHANG_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, step: &str) {
        if self.on {
            eprintln!("{:>8.3} s  {step}", self.last.elapsed().as_secs_f64());
            self.last = std::time::Instant::now();
        }
    }
}

/// The oldest DuckDB storage format the warehouse is written in: 1.4.0,
/// the long-term-support line, so DuckDB 1.4.x and 2.x both open it.
pub const STORAGE_VERSION: &str = "v1.4.0";

fn build_into(
    ws: &Workspace,
    path: &Path,
    run_id: &str,
    as_of: Option<DateTime<FixedOffset>>,
) -> Result<BuildResult> {
    let mut timer = StepTimer::new();
    let started_at = crate::runs::now();
    // Written in a storage format the DuckDB 1.4 series (long-term support,
    // what most analysts' DuckDB and DBeaver carry) reads as well as 2.0.
    let config =
        duckdb::Config::default().with("storage_compatibility_version", STORAGE_VERSION)?;
    let conn = Connection::open_with_flags(path, config)?;
    avoid_engine_faults(&conn)?;
    let lake = Lake::new(ws.lake());
    let mut raw_rows = Vec::new();

    // Submissions first: with an as-of time, every other table keeps only
    // the rows of the submissions received by then.
    let tables: Vec<(String, arrow::datatypes::SchemaRef)> = [
        ("submissions".to_string(), schema::submissions_schema()),
        ("issues".to_string(), schema::issues_schema()),
    ]
    .into_iter()
    .chain(
        Kind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), schema::kind_schema(*k))),
    )
    .collect();
    for (table, schema) in &tables {
        let raw = format!("raw_{table}");
        conn.execute_batch(&format!("create table {raw} ({});", duckdb_columns(schema)))?;
        let parts = lake.parts(table)?;
        if !parts.is_empty() {
            let list = parts
                .iter()
                .map(|p| sql_string(&p.display().to_string()))
                .collect::<Vec<_>>()
                .join(", ");
            let cut = match (as_of, table.as_str()) {
                (None, _) => String::new(),
                (Some(t), "submissions") => format!(
                    " where received_at <= cast({} as timestamptz)",
                    sql_string(&t.to_rfc3339())
                ),
                (Some(_), _) => {
                    " where submission_id in (select submission_id from raw_submissions)".into()
                }
            };
            conn.execute_batch(&format!("insert into {raw} by name select * from read_parquet([{list}], union_by_name = true){cut};"))?;
        }
        let n: i64 = conn.query_row(&format!("select count(*) from {raw}"), [], |r| r.get(0))?;
        timer.lap(&raw);
        raw_rows.push((raw, n as usize));
    }
    load_roster(&conn, ws)?;
    timer.lap("raw_roster");
    load_config(&conn, ws)?;
    load_clock(&conn, as_of.unwrap_or(started_at))?;
    let unreadable_runs = load_runs(&conn, ws, run_id, as_of)?;
    load_portal_refusals(&conn, ws, as_of)?;
    timer.lap("raw_config, runs, portal_refusals");

    let (all_models, overridden) = models::with_overrides(&ws.root)?;
    let stamp = stamp(
        &conn,
        &raw_rows,
        &all_models,
        as_of.unwrap_or(started_at),
        as_of.is_some(),
    )?;
    record_stamp(&conn, &stamp, started_at, run_id)?;
    timer.lap("build_info");
    let mut built = Vec::new();
    for model in models::ordered(&all_models)? {
        // Staging stays views over the raw tables (DESIGN §7). Intermediate
        // models are mostly read by several marts and tests, and DuckDB inlines
        // a view at every use, so they are computed once, as tables, unless
        // their header asks for a view.
        let ddl = match model.layer {
            Layer::Tests => continue,
            _ if model.is_view() => format!("create view {} as\n{}", model.name, model.sql),
            _ => format!("create table {} as\n{}", model.name, model.sql),
        };
        conn.execute_batch(&ddl).map_err(|e| Error::Model {
            model: model
                .path
                .as_ref()
                .map_or(model.name.clone(), |p| p.display().to_string()),
            message: e.to_string(),
        })?;
        timer.lap(&model.name);
        crate::fsutil::crash_point("build-model");
        built.push(model.name.clone());
    }
    let mut tests = Vec::new();
    let mut test_models: Vec<&Model> = all_models
        .iter()
        .filter(|m| m.layer == Layer::Tests)
        .collect();
    test_models.sort_by(|a, b| a.name.cmp(&b.name));
    for model in test_models {
        tests.push(run_test(&conn, model)?);
        timer.lap(&model.name);
    }
    record_tests(&conn, run_id, &tests)?;
    conn.execute_batch("checkpoint;")?;
    timer.lap("checkpoint");
    drop(conn);
    Ok(BuildResult {
        path: path.to_path_buf(),
        raw_rows,
        models: built,
        tests,
        unreadable_runs,
        overridden,
        stamp,
    })
}

/// The digests of what this build read (see [`Stamp`]).
fn stamp(
    conn: &Connection,
    raw_rows: &[(String, usize)],
    models: &[Model],
    as_of: DateTime<FixedOffset>,
    as_of_given: bool,
) -> Result<Stamp> {
    // DuckDB's row hash summed as a 128-bit integer: independent of row
    // order (so of parts and compaction), and duplicates do not cancel.
    let table_line = |table: &str| -> Result<String> {
        let line: String = conn.query_row(
            &format!(
                "select '{table}' || chr(9) || count(*) || chr(9) || coalesce(sum(hash(t)), 0) from {table} t"
            ),
            [],
            |r| r.get(0),
        )?;
        Ok(line + "\n")
    };
    let mut lake = String::new();
    // Empty tables are left out, so a version that adds a ledger kind gives
    // an old lake the same digest.
    let mut names: Vec<&(String, usize)> = raw_rows.iter().filter(|(_, n)| *n > 0).collect();
    names.sort();
    for (table, _) in names {
        lake.push_str(&table_line(table)?);
    }
    let mut settings = String::new();
    for table in [
        "raw_roster",
        "raw_config",
        "raw_config_expect",
        "raw_config_weights",
        "raw_config_department_weights",
        "raw_config_deductions",
    ] {
        settings.push_str(&table_line(table)?);
    }
    let mut sql: Vec<(&str, String)> = models
        .iter()
        .map(|m| (m.name.as_str(), crate::digest::sha256_hex(m.sql.as_bytes())))
        .collect();
    sql.sort();
    for (name, digest) in sql {
        settings.push_str(&format!("{name}\t{digest}\n"));
    }
    Ok(Stamp {
        as_of,
        as_of_given,
        lake_digest: crate::digest::sha256_hex(lake.as_bytes()),
        settings_digest: crate::digest::sha256_hex(settings.as_bytes()),
        lake_rows: raw_rows.iter().map(|(_, n)| n).sum(),
    })
}

/// `build_info`: one row saying what this warehouse was built from.
fn record_stamp(
    conn: &Connection,
    stamp: &Stamp,
    built_at: DateTime<FixedOffset>,
    run_id: &str,
) -> Result<()> {
    conn.execute_batch(
        "create table build_info (built_at timestamptz, as_of timestamptz, as_of_given boolean, \
         lake_digest varchar, settings_digest varchar, lake_rows bigint, taizhang_version varchar, \
         run_id varchar, rebuild_command varchar);",
    )?;
    conn.execute(
        "insert into build_info values (cast(? as timestamptz), cast(? as timestamptz), ?, ?, ?, ?, ?, ?, ?)",
        params![
            built_at.to_rfc3339(),
            stamp.as_of.to_rfc3339(),
            stamp.as_of_given,
            stamp.lake_digest,
            stamp.settings_digest,
            stamp.lake_rows as i64,
            env!("CARGO_PKG_VERSION"),
            run_id,
            stamp.rebuild_command()
        ],
    )?;
    Ok(())
}

/// The stamp of a built warehouse, read back from its `build_info`.
pub fn read_stamp(conn: &Connection) -> Result<Stamp> {
    let (as_of_ms, as_of_given, lake_digest, settings_digest, lake_rows): (i64, bool, String, String, i64) =
        conn.query_row(
            "select epoch_ms(as_of), as_of_given, lake_digest, settings_digest, lake_rows from build_info",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
    let as_of = DateTime::from_timestamp_millis(as_of_ms)
        .ok_or_else(|| Error::Model {
            model: "build_info".into(),
            message: format!("as_of out of range: {as_of_ms} ms"),
        })?
        .with_timezone(&crate::normalize::time::china());
    Ok(Stamp {
        as_of,
        as_of_given,
        lake_digest,
        settings_digest,
        lake_rows: lake_rows as usize,
    })
}

/// `runs` and `test_results` from `runs/*.json`: the history of every run,
/// rebuilt with each warehouse so it outlives any one of them.
/// The run doing this build is left out: its record is still being written.
fn load_runs(
    conn: &Connection,
    ws: &Workspace,
    current_run: &str,
    as_of: Option<DateTime<FixedOffset>>,
) -> Result<Vec<crate::runs::Unreadable>> {
    conn.execute_batch(
        "create table runs (run_id varchar primary key, command varchar, pipeline varchar, \
         started_at timestamptz, ended_at timestamptz, exit_code integer, status varchar, steps varchar, error varchar);
         create table test_results (run_id varchar, tested_at timestamptz, test varchar, \
         status varchar, failing_rows bigint);",
    )?;
    let (records, unreadable) = crate::runs::load_all(&ws.runs())?;
    let mut run = conn.prepare(
        "insert or replace into runs values (?, ?, ?, cast(? as timestamptz), cast(? as timestamptz), ?, ?, ?, ?)",
    )?;
    let mut test =
        conn.prepare("insert into test_results values (?, cast(? as timestamptz), ?, ?, ?)")?;
    let before = |r: &&crate::runs::RunRecord| as_of.is_none_or(|t| r.started_at <= t);
    for r in records
        .iter()
        .filter(|r| r.run_id != current_run)
        .filter(before)
    {
        run.execute(params![
            r.run_id,
            r.command,
            r.pipeline,
            r.started_at.to_rfc3339(),
            r.ended_at.map(|t| t.to_rfc3339()),
            r.exit_code,
            r.status(),
            serde_json::to_string(&r.steps)?,
            r.error
        ])?;
        for t in &r.tests {
            test.execute(params![
                r.run_id,
                r.ended_at.unwrap_or(r.started_at).to_rfc3339(),
                t.name,
                t.status,
                t.failing_rows
            ])?;
        }
    }
    Ok(unreadable)
}

/// `portal_refusals` from the portal's `portal/refusals.jsonl`: every request
/// the upload portal refused (401, 403, 413, 429, 503…), so the office can ask
/// which units were turned away and why. A line cut short by a crash (the
/// last one) is not a refusal anyone can read back and is left out.
fn load_portal_refusals(
    conn: &Connection,
    ws: &Workspace,
    as_of: Option<DateTime<FixedOffset>>,
) -> Result<()> {
    conn.execute_batch(
        "create table portal_refusals (refused_at timestamptz, addr varchar, method varchar, path varchar, \
         status integer, unit varchar, refusal varchar);",
    )?;
    let path = ws.root.join("portal").join("refusals.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::Io { path, source: e }),
    };
    let mut insert = conn.prepare(
        "insert into portal_refusals values (cast(? as timestamptz), ?, ?, ?, ?, nullif(?, '-'), ?)",
    )?;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let at = field("at").and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
        if let (Some(cut), Some(at)) = (as_of, at)
            && at > cut
        {
            continue;
        }
        insert.execute(params![
            field("at"),
            field("addr"),
            field("method"),
            field("path"),
            v.get("status").and_then(|x| x.as_i64()),
            field("unit"),
            field("refusal"),
        ])?;
    }
    Ok(())
}

/// This build's own test results join the history at once; its run record
/// (written when the run ends) brings them back on every later build.
fn record_tests(conn: &Connection, run_id: &str, tests: &[TestResult]) -> Result<()> {
    conn.execute("delete from test_results where run_id = ?", params![run_id])?;
    let now = crate::runs::now().to_rfc3339();
    let mut stmt =
        conn.prepare("insert into test_results values (?, cast(? as timestamptz), ?, ?, ?)")?;
    for t in tests {
        stmt.execute(params![
            run_id,
            now,
            t.name,
            if t.failing_rows == 0 { "pass" } else { "fail" },
            t.failing_rows as i64
        ])?;
    }
    Ok(())
}

impl BuildResult {
    /// The data tests as they go into a run record.
    pub fn test_records(&self) -> Vec<crate::runs::TestRecord> {
        self.tests
            .iter()
            .map(|t| crate::runs::TestRecord {
                name: t.name.clone(),
                status: if t.failing_rows == 0 { "pass" } else { "fail" }.into(),
                failing_rows: t.failing_rows as i64,
            })
            .collect()
    }
}

fn run_test(conn: &Connection, model: &Model) -> Result<TestResult> {
    let sql = format!(
        "select * from (\n{}\n) limit 1000",
        model.sql.trim().trim_end_matches(';')
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| Error::Model {
        model: model.name.clone(),
        message: e.to_string(),
    })?;
    let batches: Vec<_> = stmt.query_arrow([])?.collect();
    let failing_rows = batches.iter().map(|b| b.num_rows()).sum();
    let sample = if failing_rows > 0 {
        let first: Vec<_> = batches
            .iter()
            .map(|b| b.slice(0, b.num_rows().min(5)))
            .collect();
        arrow::util::pretty::pretty_format_batches(&first)
            .map(|t| t.to_string())
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(TestResult {
        name: model.name.clone(),
        failing_rows,
        sample,
    })
}

fn load_roster(conn: &Connection, ws: &Workspace) -> Result<()> {
    // Through DuckDB's appender into plain staging tables, then one typed
    // insert: literal VALUES took 0.4 s to parse for a national roster's
    // 3,000 units, a prepared insert per unit 2 s. Aliases get a table of
    // their own, so no separator could ever split one.
    conn.execute_batch(
        "create table raw_roster (code varchar primary key, name varchar not null, level varchar not null, \
         parent_code varchar, valid_from date, valid_to date, aliases varchar[], category varchar);
         create temp table roster_in (code varchar, name varchar, level varchar, parent_code varchar, \
         valid_from varchar, valid_to varchar, category varchar);
         create temp table roster_aliases_in (code varchar, ord integer, alias varchar);",
    )?;
    {
        let mut units = conn.appender("roster_in")?;
        let mut aliases = conn.appender("roster_aliases_in")?;
        for u in ws.roster.units() {
            units.append_row(params![
                u.code,
                u.name,
                u.level.as_str(),
                u.parent_code,
                u.valid_from.map(|d| d.to_string()),
                u.valid_to.map(|d| d.to_string()),
                u.category,
            ])?;
            for (i, alias) in u.aliases.iter().enumerate() {
                aliases.append_row(params![u.code, i as i32, alias])?;
            }
        }
        units.flush()?;
        aliases.flush()?;
    }
    conn.execute_batch(
        "insert into raw_roster
         select roster_in.code, name, level, parent_code, cast(valid_from as date), cast(valid_to as date),
             coalesce(named.aliases, []::varchar[]), category
         from roster_in
         left join (
             select code, list(alias order by ord) as aliases from roster_aliases_in group by code
         ) as named using (code)
         order by roster_in.rowid;
         drop table roster_in;
         drop table roster_aliases_in;",
    )?;
    Ok(())
}

/// The config values the models read, as tables, so the SQL stays plain SQL
/// and an analyst can see which settings a warehouse was built with.
/// `raw_clock`: the time the figures are as of (the `--as-of` time, else
/// the build's start), for the models that ask what was due by then — a
/// raw table like the settings, so Spark, given the raw tables, agrees.
/// Not in the settings digest: the stamp records `as_of` itself.
fn load_clock(conn: &Connection, as_of: DateTime<FixedOffset>) -> Result<()> {
    conn.execute_batch("create table raw_clock (as_of timestamptz);")?;
    conn.execute(
        "insert into raw_clock values (cast(? as timestamptz))",
        params![as_of.to_rfc3339()],
    )?;
    Ok(())
}

fn load_config(conn: &Connection, ws: &Workspace) -> Result<()> {
    let c = &ws.config;
    conn.execute_batch(
        "create table raw_config (grace_days integer, satisfaction_rate varchar, w_satisfied double, \
         w_basically_satisfied double, w_unsatisfied double, low_sample integer, pass_score double, \
         recheck_days integer, meetings_per_quarter integer, press_conferences_per_year integer, \
         cases_per_year integer, notice_days integer, name_bottom integer, \
         name_if_deductions_at_least double, deductions_cap double);
         create table raw_config_deductions (rule varchar, points double);
         create table raw_config_expect (kind varchar, level varchar);
         create table raw_config_weights (indicator varchar, weight double);
         create table raw_config_department_weights (indicator varchar, weight double);",
    )?;
    conn.execute(
        "insert into raw_config values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            c.grace_days,
            c.satisfaction.rate,
            c.satisfaction.weights.satisfied,
            c.satisfaction.weights.basically_satisfied,
            c.satisfaction.weights.unsatisfied,
            c.satisfaction.low_sample,
            c.assessment.pass_score,
            c.assessment.recheck_days,
            c.compliance.meetings_per_quarter,
            c.compliance.press_conferences_per_year,
            c.compliance.cases_per_year,
            c.assessment.notice_days,
            c.assessment.name_bottom,
            c.assessment.name_if_deductions_at_least,
            c.assessment.deductions.cap
        ],
    )?;
    for (rule, points) in c.assessment.deductions.rules() {
        conn.execute(
            "insert into raw_config_deductions values (?, ?)",
            params![rule, points],
        )?;
    }
    for (kind, level) in c.expectations() {
        conn.execute(
            "insert into raw_config_expect values (?, ?)",
            params![kind, level],
        )?;
    }
    for (table, weights) in [
        ("raw_config_weights", &c.scorecard.weights),
        (
            "raw_config_department_weights",
            c.scorecard.for_departments(),
        ),
    ] {
        for (indicator, weight) in weights {
            conn.execute(
                &format!("insert into {table} values (?, ?)"),
                params![indicator, weight],
            )?;
        }
    }
    Ok(())
}

/// A SQL string literal.
pub fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The lake's submissions as `stg_submissions` states them, in a database
/// of their own in memory: what the portal lists to a clerk the moment an
/// upload is answered, before the first build and between builds. It runs
/// the shipped model's own SQL, so the list and the warehouse cannot differ
/// in what counts as current.
pub fn submissions_now(ws: &Workspace) -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    avoid_engine_faults(&conn)?;
    let columns = duckdb_columns(&schema::submissions_schema());
    conn.execute_batch(&format!("create table raw_submissions ({columns});"))?;
    let parts = Lake::new(ws.lake()).parts("submissions")?;
    if !parts.is_empty() {
        let list = parts
            .iter()
            .map(|p| sql_string(&p.display().to_string()))
            .collect::<Vec<_>>()
            .join(", ");
        conn.execute_batch(&format!(
            "insert into raw_submissions by name select * from read_parquet([{list}], union_by_name = true);"
        ))?;
    }
    let model = models::shipped()
        .into_iter()
        .find(|m| m.name == "stg_submissions")
        .ok_or_else(|| Error::Usage("stg_submissions is not shipped".into()))?;
    conn.execute_batch(&format!("create view stg_submissions as\n{}", model.sql))?;
    Ok(conn)
}

/// Opens the published warehouse read-only: analysts' queries never block a
/// build, and a build's rename never disturbs an open reader.
pub fn open_read_only(ws_root: &Path) -> Result<Connection> {
    open_file_read_only(&ws_root.join("warehouse.duckdb"))
}

/// Opens a warehouse file read-only: the live one, or one an as-of build
/// wrote to a file of its own (`build --as-of T --out FILE`).
pub fn open_file_read_only(path: &Path) -> Result<Connection> {
    if !path.is_file() {
        return Err(Error::NoWarehouse(path.to_path_buf()));
    }
    let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly)?;
    let conn = Connection::open_with_flags(path, config)?;
    avoid_engine_faults(&conn)?;
    Ok(conn)
}

/// Settings every connection to a warehouse takes, against faults of the
/// engine itself. DuckDB 2.0's caching operators (which coalesce small chunks
/// between operators) stop about one build in ten of four national quarters
/// with "INTERNAL Error: dict-surviving cache: global dictionary column …
/// changed identity", in `mart_ledger_changes`; without them the same build
/// ran 30 times clean, at the same speed (benches/README).
pub fn avoid_engine_faults(conn: &Connection) -> Result<()> {
    conn.execute_batch("set debug_enable_caching_operators = false;")?;
    Ok(())
}
