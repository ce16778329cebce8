//! One PostgreSQL connection's view of the warehouse: a DuckDB connection
//! on the warehouse file opened read-only in a sandbox, as it was when the
//! connection (or its transaction) began. A build writes a new file and
//! renames it over the old one, so an open connection keeps reading the old
//! file's data, whole; outside a transaction the next statement moves to the
//! new file, so a pooled BI connection sees each build without reconnecting.
//!
//! What runs is decided by DuckDB's own parser, not by reading words: a text
//! must be one statement ([`duck::Conn::prepare_one`]), and only a query
//! (SELECT, VALUES, WITH, FROM, SHOW/DESCRIBE), an EXPLAIN without ANALYZE,
//! or a named PREPARE/EXECUTE of a query is run ([`vet`]). The sandbox
//! underneath (read-only file, no external access, no temporary directory,
//! locked configuration) would refuse the rest anyway.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use super::duck::{Conn, Database, DuckError, Interrupter, Kind, PrepareError};
use super::failure::Failure;
use super::sql::Savepoint;

/// Limits on what one statement may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A statement running longer (its rows' sending included) is stopped.
    pub timeout: Duration,
    /// A result with more rows is refused (never cut short silently).
    pub max_rows: usize,
    /// A result whose rows, as sent, pass this many bytes is refused.
    pub max_result_bytes: u64,
}

/// How DuckDB runs for the endpoint: one instance per warehouse build it
/// reads, each with these bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine {
    /// DuckDB's memory limit for the instance, shared by every connection
    /// on it. Nothing spills to disk: a query that needs more fails.
    pub memory_mb: u64,
    /// Threads DuckDB may run a query on.
    pub threads: u32,
}

/// Which file a path named at some moment: a build's rename gives a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

fn file_id(path: &Path) -> Option<FileId> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        Some(FileId {
            dev: meta.len(),
            ino: modified,
        })
    }
}

/// The warehouse files the endpoint has open: one DuckDB instance per build
/// that some connection still reads, shared by the connections on it. When
/// a build replaces the file, the connections idle outside a transaction
/// let go of the old one at once, so its memory is freed as soon as the
/// statements running on it and the transactions begun on it end.
pub struct Warehouse {
    path: PathBuf,
    engine: Engine,
    current: Mutex<Option<(FileId, Arc<Database>)>>,
    sessions: Mutex<Vec<Weak<Mutex<Session>>>>,
}

impl Warehouse {
    pub fn new(ws_root: &Path, engine: Engine) -> Arc<Warehouse> {
        Arc::new(Warehouse {
            path: ws_root.join("warehouse.duckdb"),
            engine,
            current: Mutex::new(None),
            sessions: Mutex::new(Vec::new()),
        })
    }

    /// A new client connection's session.
    pub fn session(self: &Arc<Warehouse>) -> Arc<Mutex<Session>> {
        let session = Arc::new(Mutex::new(Session::new(self.clone())));
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|s| s.strong_count() > 0);
        sessions.push(Arc::downgrade(&session));
        session
    }

    /// Closes the connections to builds other than `id` that no statement
    /// or transaction holds (a busy session is skipped: it moves on at its
    /// next statement, or at the end of its transaction).
    fn release_idle(&self, id: FileId) {
        let mut released = Vec::new();
        {
            let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
            for session in sessions.iter().filter_map(Weak::upgrade) {
                if let Ok(mut s) = session.try_lock()
                    && !s.in_transaction
                    && s.conn.as_ref().is_some_and(|(on, _)| *on != id)
                {
                    released.push(s.conn.take());
                }
            }
        }
        // Closed outside the lock new connections take (closing the last
        // connection of a build closes its DuckDB instance).
        drop(released);
    }

    /// A connection to the warehouse file as it is now.
    fn connect(&self) -> Result<(FileId, Conn), Failure> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        // Stat, open, stat again: a rename between the two opens the new
        // file under the old identity at worst, which the next statement
        // notices and corrects.
        let id = file_id(&self.path).ok_or_else(|| Failure::no_warehouse(&self.path))?;
        if let Some((open_id, db)) = current.as_ref()
            && *open_id == id
        {
            return Ok((id, db.connect()?));
        }
        let db = open_sandboxed(&self.path, self.engine).map_err(|e| {
            if file_id(&self.path).is_none() {
                Failure::no_warehouse(&self.path)
            } else {
                Failure::from_duckdb(e)
            }
        })?;
        let conn = db.connect()?;
        *current = Some((id, db));
        drop(current);
        self.release_idle(id);
        Ok((id, conn))
    }

    fn is_current(&self, id: FileId) -> bool {
        file_id(&self.path).is_some_and(|now| now == id)
    }
}

/// The DuckDB settings of a sandboxed instance, in the order they are set.
pub fn sandbox_settings(engine: Engine) -> Vec<(&'static str, String)> {
    vec![
        ("access_mode", "READ_ONLY".into()),
        // No temporary directory: a query larger than its memory fails
        // instead of spilling gigabytes into the workspace (DuckDB's default
        // is warehouse.duckdb.tmp/ beside the file). Set before external
        // access is turned off, which forbids changing it.
        ("temp_directory", String::new()),
        ("max_temp_directory_size", "0B".into()),
        ("memory_limit", format!("{}MiB", engine.memory_mb)),
        ("threads", engine.threads.to_string()),
        ("autoinstall_known_extensions", "false".into()),
        ("autoload_known_extensions", "false".into()),
        ("allow_community_extensions", "false".into()),
        ("enable_external_access", "false".into()),
        // See warehouse::avoid_engine_faults.
        ("debug_enable_caching_operators", "false".into()),
        ("lock_configuration", "true".into()),
    ]
}

/// Opens `path` read-only with everything that reaches outside it turned
/// off, and the configuration locked so no statement turns it back on:
/// no files, no network, no extensions, no ATTACH, no spilling.
fn open_sandboxed(path: &Path, engine: Engine) -> Result<Arc<Database>, DuckError> {
    Database::open(path, &sandbox_settings(engine))
}

/// What a text given to [`Session::run`] may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Any statement [`vet`] lets run.
    Statement,
    /// A query alone: what `COPY (query) TO STDOUT` holds, as PostgreSQL
    /// takes nothing else there (no EXPLAIN, PREPARE or EXECUTE).
    Query,
}

/// Refuses, inside COPY, whatever DuckDB did not find to be a query.
pub fn query_only(kind: Kind) -> Result<(), Failure> {
    let name = match kind {
        Kind::Select => return Ok(()),
        Kind::Explain => "EXPLAIN",
        Kind::Prepare => "PREPARE",
        Kind::Execute => "EXECUTE",
        Kind::Other(name) => name,
    };
    Err(Failure::refused(format!(
        "COPY 只能导出查询结果 / COPY (…) TO STDOUT takes a query only (SELECT, WITH, VALUES): \
         this is a {name} statement"
    )))
}

/// What a statement of an analyst's may be run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vetted {
    /// Runs and returns rows.
    Rows,
    /// `PREPARE name AS query`: stored for EXECUTE after its query is vetted.
    Prepare,
}

/// Whether a statement DuckDB found to be `kind` may run. `sql` is its text,
/// read only to tell EXPLAIN ANALYZE (which runs its statement) from EXPLAIN:
/// any "analy" at all refuses it, so no spelling gets through.
pub fn vet(kind: Kind, sql: &str) -> Result<Vetted, Failure> {
    match kind {
        // EXECUTE runs a statement PREPAREd on this connection, and every
        // PREPARE was vetted (see Session::prepare_named).
        Kind::Select | Kind::Execute => Ok(Vetted::Rows),
        Kind::Explain if sql.to_ascii_lowercase().contains("analy") => Err(Failure::refused(
            "不能执行 EXPLAIN ANALYZE（它会执行语句）/ EXPLAIN ANALYZE runs its statement: \
             only EXPLAIN without ANALYZE is allowed",
        )),
        Kind::Explain => Ok(Vetted::Rows),
        Kind::Prepare => Ok(Vetted::Prepare),
        Kind::Other(name) => Err(Failure::refused(format!(
            "只读端点只执行查询 / the read-only endpoint runs queries only (SELECT, WITH, VALUES, \
             SHOW, DESCRIBE, EXPLAIN): this is a {name} statement"
        ))),
    }
}

fn one_statement(e: PrepareError) -> Failure {
    match e {
        PrepareError::Several(0) => Failure::new("42601", "没有语句 / no statement to run"),
        PrepareError::Several(n) => Failure::new(
            "42601",
            format!(
                "一次只能执行一条语句 / one statement at a time: DuckDB read {n} statements here; \
                 send them separately"
            ),
        ),
        PrepareError::Failed(e) => Failure::from_duckdb(e),
    }
}

/// What a statement's run hands its caller, in order: the columns once,
/// then each chunk of rows. The caller answers whether to go on.
pub enum Event {
    Columns(SchemaRef),
    Rows(RecordBatch),
}

/// How a statement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// Its rows were handed over (or the caller stopped taking them).
    Rows,
    /// A PREPARE: stored, no rows.
    Prepared,
}

/// One client connection's state.
pub struct Session {
    warehouse: Arc<Warehouse>,
    conn: Option<(FileId, Conn)>,
    /// Inside BEGIN … COMMIT every statement reads the same file.
    in_transaction: bool,
    /// The transaction's savepoints, oldest first (see [`Session::savepoint`]).
    savepoints: Vec<String>,
}

impl Session {
    pub fn new(warehouse: Arc<Warehouse>) -> Session {
        Session {
            warehouse,
            conn: None,
            in_transaction: false,
            savepoints: Vec::new(),
        }
    }

    /// The connection to read with: the open one inside a transaction or
    /// while the file is unchanged, else one on the current file.
    fn connection(&mut self) -> Result<&Conn, Failure> {
        let stale = match &self.conn {
            None => true,
            Some((id, _)) => !self.in_transaction && !self.warehouse.is_current(*id),
        };
        if stale {
            // Dropped first: the old build's instance closes with its last
            // connection, before the new one is opened.
            self.conn = None;
            let (id, conn) = self.warehouse.connect()?;
            conn.execute_batch(super::sql::catalog())?;
            self.conn = Some((id, conn));
        }
        match &self.conn {
            Some((_, conn)) => Ok(conn),
            None => Err(Failure::new("XX000", "no connection")),
        }
    }

    /// Starts a transaction on the newest build: every statement until
    /// [`Session::end_transaction`] reads that one file.
    pub fn begin_transaction(&mut self) -> Result<(), Failure> {
        self.in_transaction = false;
        self.savepoints.clear();
        let opened = self.connection().map(|_| ());
        self.in_transaction = true;
        opened
    }

    pub fn end_transaction(&mut self) {
        self.in_transaction = false;
        self.savepoints.clear();
    }

    /// `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` inside a transaction, as
    /// PostgreSQL answers them. Nothing is written on the endpoint, so a
    /// savepoint holds no state to restore: each is kept by name only, so
    /// that releasing or rolling back to one never made is refused as
    /// PostgreSQL refuses it (SQLAlchemy and psycopg nest their
    /// transactions this way).
    pub fn savepoint(&mut self, command: &Savepoint) -> Result<(), Failure> {
        let (name, what) = match command {
            Savepoint::Set(name) => (name, "SAVEPOINT"),
            Savepoint::Release(name) => (name, "RELEASE SAVEPOINT"),
            Savepoint::RollbackTo(name) => (name, "ROLLBACK TO SAVEPOINT"),
        };
        if !self.in_transaction {
            return Err(Failure::new(
                "25P01",
                format!("保存点只能在事务中使用 / {what} can only be used in transaction blocks"),
            ));
        }
        if let Savepoint::Set(name) = command {
            self.savepoints.push(name.clone());
            return Ok(());
        }
        // The newest of that name, as PostgreSQL finds it.
        let at = self
            .savepoints
            .iter()
            .rposition(|s| s == name)
            .ok_or_else(|| {
                Failure::new(
                    "3B001",
                    format!("没有名为 {name} 的保存点 / savepoint \"{name}\" does not exist"),
                )
            })?;
        // RELEASE drops it and every later one; ROLLBACK TO keeps it.
        let keep = if matches!(command, Savepoint::Release(_)) {
            at
        } else {
            at + 1
        };
        self.savepoints.truncate(keep);
        Ok(())
    }

    /// A handle that interrupts what this session's connection runs.
    pub fn interrupter(&mut self) -> Result<Interrupter, Failure> {
        Ok(self.connection()?.interrupter())
    }

    /// How many parameters `sql` takes and the columns it would return,
    /// without running it; no columns for a statement that returns none
    /// (PREPARE).
    pub fn describe(&mut self, sql: &str) -> Result<(usize, Option<SchemaRef>), Failure> {
        let conn = self.connection()?;
        let mut prepared = conn.prepare_one(sql).map_err(one_statement)?;
        let count = prepared.parameter_count();
        let columns = match vet(prepared.kind(), sql)? {
            Vetted::Prepare => None,
            Vetted::Rows => match prepared.columns(conn)? {
                Some(columns) => Some(columns),
                // Columns that depend on the parameters' types: run it with
                // NULLs until its result's columns are known, no further.
                None => {
                    prepared.bind(&[])?;
                    Some(prepared.execute()?.schema())
                }
            },
        };
        Ok((count, columns))
    }

    /// Runs one statement with `params` ($1, $2, …) if DuckDB finds it to be
    /// a read, handing its columns and rows to `on` chunk by chunk; `on`
    /// returns false to stop early (the rows are dropped, not read).
    pub fn run(
        &mut self,
        sql: &str,
        params: &[duckdb::types::Value],
        accept: Accept,
        on: &mut dyn FnMut(Event) -> Result<bool, Failure>,
    ) -> Result<Ran, Failure> {
        let conn = self.connection()?;
        let mut prepared = conn.prepare_one(sql).map_err(one_statement)?;
        if accept == Accept::Query {
            query_only(prepared.kind())?;
        }
        if vet(prepared.kind(), sql)? == Vetted::Prepare {
            drop(prepared);
            prepare_named(conn, sql)?;
            return Ok(Ran::Prepared);
        }
        prepared.bind(params)?;
        let mut rows = prepared.execute()?;
        if !on(Event::Columns(rows.schema()))? {
            return Ok(Ran::Rows);
        }
        while let Some(batch) = rows.next_batch()? {
            if !on(Event::Rows(batch))? {
                break;
            }
        }
        Ok(Ran::Rows)
    }
}

/// `PREPARE name AS query`: DuckDB says the text is a PREPARE, but not what
/// it prepares (EXECUTE reports itself, not its statement). So the query is
/// read out of the text and vetted on its own, and what runs is a PREPARE
/// rebuilt from the two parts — never the analyst's text — which DuckDB must
/// again read as one PREPARE.
fn prepare_named(conn: &Conn, sql: &str) -> Result<(), Failure> {
    let refuse = || {
        Failure::new(
            "42601",
            "PREPARE 的写法应为 PREPARE 名称 AS 查询 / write PREPARE name AS query \
             (a plain name, parameter types optional)",
        )
    };
    let (name, body) = super::sql::prepare_parts(sql).ok_or_else(refuse)?;
    let query = conn.prepare_one(body).map_err(one_statement)?;
    if query.kind() != Kind::Select {
        return Err(Failure::refused(
            "只能预备查询 / only a query (SELECT, WITH, VALUES) may be PREPAREd here",
        ));
    }
    drop(query);
    let rebuilt = format!("PREPARE {name} AS {body}");
    let mut prepared = conn.prepare_one(&rebuilt).map_err(one_statement)?;
    if prepared.kind() != Kind::Prepare {
        return Err(refuse());
    }
    let mut rows = prepared.execute()?;
    while rows.next_batch()?.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_and_plain_explain_are_vetted() {
        assert_eq!(vet(Kind::Select, "select 1"), Ok(Vetted::Rows));
        assert_eq!(vet(Kind::Execute, "execute q(1)"), Ok(Vetted::Rows));
        assert_eq!(vet(Kind::Explain, "explain select 1"), Ok(Vetted::Rows));
        assert_eq!(
            vet(Kind::Prepare, "prepare q as select 1"),
            Ok(Vetted::Prepare)
        );
        for sql in [
            "EXPLAIN ANALYZE create temp table t as select 1",
            "explain analyse select 1",
            "explain (analyze) select 1",
            "EXPLAIN (FORMAT json, ANALYZE true) select 1",
        ] {
            let e = vet(Kind::Explain, sql).unwrap_err();
            assert_eq!(e.sqlstate, "42501", "{sql}");
            assert!(e.message.contains("EXPLAIN ANALYZE"), "{sql}");
        }
        let e = vet(Kind::Other("CREATE"), "create temp table t as select 1").unwrap_err();
        assert_eq!(e.sqlstate, "42501");
        assert!(e.message.contains("CREATE statement"), "{}", e.message);
    }

    #[test]
    fn inside_copy_only_a_query_runs() {
        assert_eq!(query_only(Kind::Select), Ok(()));
        for kind in [
            Kind::Explain,
            Kind::Prepare,
            Kind::Execute,
            Kind::Other("COPY"),
            Kind::Other("INSERT"),
        ] {
            let e = query_only(kind).unwrap_err();
            assert_eq!(e.sqlstate, "42501", "{kind:?}");
            assert!(e.message.contains("takes a query only"), "{kind:?}");
        }
    }

    #[test]
    fn savepoints_live_inside_a_transaction_and_are_found_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let warehouse = Warehouse::new(
            dir.path(),
            Engine {
                memory_mb: 64,
                threads: 1,
            },
        );
        let mut session = Session::new(warehouse);
        let set = |n: &str| Savepoint::Set(n.into());
        let release = |n: &str| Savepoint::Release(n.into());
        let back = |n: &str| Savepoint::RollbackTo(n.into());
        let e = session.savepoint(&set("a")).unwrap_err();
        assert_eq!(e.sqlstate, "25P01");
        assert!(
            e.message
                .contains("SAVEPOINT can only be used in transaction blocks")
        );
        // No warehouse: BEGIN says so, and the transaction is open all the same.
        assert!(session.begin_transaction().is_err());
        for step in [set("a"), set("b"), set("a"), back("b"), release("b")] {
            assert_eq!(session.savepoint(&step), Ok(()), "{step:?}");
        }
        // Rolling back to b dropped the a made after it, releasing b dropped b.
        assert_eq!(session.savepoints, ["a"]);
        let e = session.savepoint(&release("b")).unwrap_err();
        assert_eq!(e.sqlstate, "3B001");
        assert!(e.message.contains("savepoint \"b\" does not exist"));
        assert_eq!(session.savepoint(&back("a")), Ok(()));
        assert_eq!(session.savepoints, ["a"]);
        session.end_transaction();
        let e = session.savepoint(&release("a")).unwrap_err();
        assert_eq!(e.sqlstate, "25P01");
    }

    #[test]
    fn duckdb_messages_get_postgresql_codes() {
        let code = |m: &str| Failure::from_duckdb(DuckError { message: m.into() }).sqlstate;
        assert_eq!(
            code("Catalog Error: Table with name x does not exist!"),
            "42P01"
        );
        assert_eq!(
            code("Parser Error: syntax error at or near \"selec\""),
            "42601"
        );
        assert_eq!(
            code(
                "Permission Error: File system LocalFileSystem has been disabled by configuration"
            ),
            "42501"
        );
        assert_eq!(
            code(
                "Out of Memory Error: could not allocate block of size 256.0 KiB (1.0 GiB/1.0 GiB used)"
            ),
            "53200"
        );
        assert_eq!(code("Binder Error: Referenced column x not found"), "42000");
    }

    #[test]
    fn the_sandbox_spills_nothing_and_locks_itself_last() {
        let settings = sandbox_settings(Engine {
            memory_mb: 512,
            threads: 2,
        });
        let position = |name: &str| settings.iter().position(|(n, _)| *n == name).unwrap();
        assert_eq!(settings[position("temp_directory")].1, "");
        assert_eq!(settings[position("memory_limit")].1, "512MiB");
        // DuckDB refuses to change the temporary directory once external
        // access is off, and every setting once the configuration is locked.
        assert!(position("temp_directory") < position("enable_external_access"));
        assert_eq!(settings.last().unwrap().0, "lock_configuration");
    }
}
