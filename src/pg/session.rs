//! One PostgreSQL connection's view of the warehouse: a DuckDB connection
//! opened read-only in a sandbox, on the warehouse file as it was when the
//! connection (or its transaction) began. A build writes a new file and
//! renames it over the old one, so an open connection keeps reading the old
//! file's data, whole; outside a transaction the next statement moves to the
//! new file, so a pooled BI connection sees each build without reconnecting.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use duckdb::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};

/// Limits on what one statement may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A statement running longer is interrupted.
    pub timeout: Duration,
    /// A result with more rows is refused (never cut short silently).
    pub max_rows: usize,
}

/// Which file a path named at some moment: a build's rename gives a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

fn file_id(path: &Path) -> Result<FileId> {
    let meta = std::fs::metadata(path).map_err(|_| Error::NoWarehouse(path.to_path_buf()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(FileId {
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
        Ok(FileId {
            dev: meta.len(),
            ino: modified,
        })
    }
}

/// The warehouse files the endpoint has open: one DuckDB instance per build
/// that some connection still reads, shared by the connections on it.
pub struct Warehouse {
    path: PathBuf,
    current: Mutex<Option<(FileId, Connection)>>,
}

impl Warehouse {
    pub fn new(ws_root: &Path) -> Warehouse {
        Warehouse {
            path: ws_root.join("warehouse.duckdb"),
            current: Mutex::new(None),
        }
    }

    /// A connection to the warehouse file as it is now.
    fn connect(&self) -> Result<(FileId, Connection)> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        // Stat, open, stat again: a rename between the two opens the new
        // file under the old identity at worst, which the next statement
        // notices and corrects.
        let id = file_id(&self.path)?;
        if let Some((open_id, conn)) = current.as_ref()
            && *open_id == id
        {
            return Ok((id, conn.try_clone()?));
        }
        let conn = open_sandboxed(&self.path)?;
        let clone = conn.try_clone()?;
        *current = Some((id, conn));
        Ok((id, clone))
    }

    fn is_current(&self, id: FileId) -> bool {
        file_id(&self.path).is_ok_and(|now| now == id)
    }
}

/// Opens `path` read-only with everything that reaches outside it turned
/// off, and the configuration locked so no statement turns it back on:
/// no files, no network, no extensions, no ATTACH.
fn open_sandboxed(path: &Path) -> Result<Connection> {
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)?
        .with("autoinstall_known_extensions", "false")?
        .with("autoload_known_extensions", "false")?
        .with("allow_community_extensions", "false")?
        .enable_external_access(false)?
        // See warehouse::avoid_engine_faults.
        .with("debug_enable_caching_operators", "false")?
        .with("lock_configuration", "true")?;
    Ok(Connection::open_with_flags(path, config)?)
}

/// A statement's answer: its columns and rows.
pub struct Answer {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// One client connection's state.
pub struct Session {
    warehouse: Arc<Warehouse>,
    conn: Option<(FileId, Connection)>,
    /// Inside BEGIN … COMMIT every statement reads the same file.
    in_transaction: bool,
}

impl Session {
    pub fn new(warehouse: Arc<Warehouse>) -> Session {
        Session {
            warehouse,
            conn: None,
            in_transaction: false,
        }
    }

    /// The connection to read with: the open one inside a transaction or
    /// while the file is unchanged, else one on the current file.
    fn connection(&mut self) -> Result<&Connection> {
        let stale = match &self.conn {
            None => true,
            Some((id, _)) => !self.in_transaction && !self.warehouse.is_current(*id),
        };
        if stale {
            let (id, conn) = self.warehouse.connect()?;
            conn.execute_batch(super::sql::CATALOG)?;
            self.conn = Some((id, conn));
        }
        Ok(&self.conn.as_ref().expect("just opened").1)
    }

    /// Starts a transaction on the newest build: every statement until
    /// [`Session::end_transaction`] reads that one file.
    pub fn begin_transaction(&mut self) -> Result<()> {
        self.in_transaction = false;
        let opened = self.connection().map(|_| ());
        self.in_transaction = true;
        opened
    }

    pub fn end_transaction(&mut self) {
        self.in_transaction = false;
    }

    /// A handle that interrupts what this session's connection runs.
    pub fn interrupt_handle(&mut self) -> Result<Arc<duckdb::InterruptHandle>> {
        Ok(self.connection()?.interrupt_handle())
    }

    /// Runs one statement with `params` ($1, $2, …), refusing a result of
    /// more than `max_rows` rows.
    pub fn run(
        &mut self,
        sql: &str,
        params: &[duckdb::types::Value],
        max_rows: usize,
    ) -> Result<Answer> {
        let conn = self.connection()?;
        let mut stmt = conn.prepare(sql)?;
        let arrow = stmt.query_arrow(duckdb::params_from_iter(params.iter()))?;
        let schema = arrow.get_schema();
        let mut batches = Vec::new();
        let mut rows = 0usize;
        for batch in arrow {
            rows += batch.num_rows();
            if rows > max_rows {
                return Err(Error::Usage(format!(
                    "结果超过 {max_rows} 行 / the result has more than {max_rows} rows: \
                     add a LIMIT or a WHERE, or export it with taizhang export"
                )));
            }
            batches.push(batch);
        }
        Ok(Answer { schema, batches })
    }
}
