//! The few calls of DuckDB's C API the endpoint makes itself, in one place,
//! because the duckdb crate's `Connection` cannot give what a read-only
//! endpoint needs: its `prepare` runs every statement of a text but the last
//! before returning (a `select …; create temp table …; select …` wrote
//! through it), and it never says what kind of statement it prepared.
//!
//! Here DuckDB's own parser splits a text ([`Conn::prepare_one`] refuses
//! more than one statement), the prepared statement says what it is
//! ([`Prepared::kind`]), and only then is it run, streamed chunk by chunk as
//! Arrow batches ([`Rows`]). The unsafe code is this file's alone; every
//! handle is owned by one value and released by its `Drop`.

use arrow::array::{RecordBatch, StructArray};
use arrow::datatypes::{Field, Schema, SchemaRef};
use duckdb::arrow::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use duckdb::ffi;
use std::ffi::{CStr, CString, c_char};
use std::path::Path;
use std::ptr;
use std::sync::Arc;

/// A refusal or failure from DuckDB, with its message as DuckDB wrote it
/// (`Catalog Error: …`, `Out of Memory Error: …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuckError {
    pub message: String,
}

impl DuckError {
    fn new(message: impl Into<String>) -> DuckError {
        DuckError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for DuckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type Result<T> = std::result::Result<T, DuckError>;

/// A C string from DuckDB, or `fallback` when it gave none.
///
/// # Safety
/// `p` is null or a NUL-terminated string that outlives this call.
unsafe fn text(p: *const c_char, fallback: &str) -> String {
    if p.is_null() {
        fallback.to_owned()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

fn c_string(s: &str) -> Result<CString> {
    // A NUL inside SQL is never meant: PostgreSQL refuses it too.
    CString::new(s).map_err(|_| DuckError::new("Parser Error: the text holds a NUL character"))
}

/// One opened database file (a DuckDB instance), shared by the connections
/// made from it.
pub struct Database {
    raw: ffi::duckdb_database,
}

// SAFETY: a DuckDB database handle may be used from any thread; connecting
// is synchronised inside DuckDB.
unsafe impl Send for Database {}
unsafe impl Sync for Database {}

impl Database {
    /// Opens `path` with `settings` applied in order, before anything runs.
    pub fn open(path: &Path, settings: &[(&str, String)]) -> Result<Arc<Database>> {
        let c_path = c_string(&path.to_string_lossy())?;
        let mut config: ffi::duckdb_config = ptr::null_mut();
        // SAFETY: config is created, filled and destroyed here; duckdb_open_ext
        // copies what it needs from it.
        unsafe {
            if ffi::duckdb_create_config(&mut config) != ffi::DuckDBSuccess {
                return Err(DuckError::new("could not create a DuckDB configuration"));
            }
            for (name, value) in settings {
                let (c_name, c_value) = (c_string(name)?, c_string(value)?);
                if ffi::duckdb_set_config(config, c_name.as_ptr(), c_value.as_ptr())
                    != ffi::DuckDBSuccess
                {
                    ffi::duckdb_destroy_config(&mut config);
                    return Err(DuckError::new(format!(
                        "DuckDB refused the setting {name} = {value:?}"
                    )));
                }
            }
            let mut raw: ffi::duckdb_database = ptr::null_mut();
            let mut error: *mut c_char = ptr::null_mut();
            let state = ffi::duckdb_open_ext(c_path.as_ptr(), &mut raw, config, &mut error);
            ffi::duckdb_destroy_config(&mut config);
            if state != ffi::DuckDBSuccess {
                let message = text(error, "could not open the database");
                if !error.is_null() {
                    ffi::duckdb_free(error.cast());
                }
                if !raw.is_null() {
                    ffi::duckdb_close(&mut raw);
                }
                return Err(DuckError::new(message));
            }
            Ok(Arc::new(Database { raw }))
        }
    }

    /// A new connection of its own (its own temporary objects, prepared
    /// statements and interrupt flag).
    pub fn connect(self: &Arc<Database>) -> Result<Conn> {
        let mut raw: ffi::duckdb_connection = ptr::null_mut();
        // SAFETY: self.raw is open for as long as self lives; the connection
        // keeps an Arc to it.
        if unsafe { ffi::duckdb_connect(self.raw, &mut raw) } != ffi::DuckDBSuccess {
            return Err(DuckError::new("could not connect to the database"));
        }
        Ok(Conn {
            raw: Arc::new(RawConn {
                raw,
                _database: self.clone(),
            }),
            _one_thread_at_a_time: std::marker::PhantomData,
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // SAFETY: every connection holds an Arc to this value, so none is left.
        unsafe { ffi::duckdb_close(&mut self.raw) };
    }
}

/// The connection handle, shared by its [`Conn`] and its [`Interrupter`]s so
/// that an interrupt never reaches a closed connection.
struct RawConn {
    raw: ffi::duckdb_connection,
    _database: Arc<Database>,
}

// SAFETY: only `duckdb_interrupt`, which DuckDB makes safe to call while the
// connection runs a query on another thread, is called through a shared
// reference from elsewhere; queries go through `Conn`, which is not Sync.
unsafe impl Send for RawConn {}
unsafe impl Sync for RawConn {}

impl Drop for RawConn {
    fn drop(&mut self) {
        // SAFETY: the last owner; nothing runs on it any more.
        unsafe { ffi::duckdb_disconnect(&mut self.raw) };
    }
}

/// Stops what a connection is running, from another thread.
#[derive(Clone)]
pub struct Interrupter(Arc<RawConn>);

impl Interrupter {
    pub fn interrupt(&self) {
        // SAFETY: the connection is open while this Arc lives.
        unsafe { ffi::duckdb_interrupt(self.0.raw) };
    }
}

/// One connection: used by one thread at a time (not Sync).
pub struct Conn {
    raw: Arc<RawConn>,
    _one_thread_at_a_time: std::marker::PhantomData<std::cell::Cell<()>>,
}

impl Conn {
    /// Runs the endpoint's own setup SQL (several statements), never a client's.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        let c_sql = c_string(sql)?;
        // SAFETY: a zeroed duckdb_result is what duckdb_query expects to fill;
        // it is destroyed whether or not the query succeeded.
        unsafe {
            let mut result: ffi::duckdb_result = std::mem::zeroed();
            let state = ffi::duckdb_query(self.raw.raw, c_sql.as_ptr(), &mut result);
            let outcome = if state == ffi::DuckDBSuccess {
                Ok(())
            } else {
                Err(DuckError::new(text(
                    ffi::duckdb_result_error(&mut result),
                    "the query failed",
                )))
            };
            ffi::duckdb_destroy_result(&mut result);
            outcome
        }
    }

    pub fn interrupter(&self) -> Interrupter {
        Interrupter(self.raw.clone())
    }

    /// Parses `sql` with DuckDB's parser and prepares it, if it is exactly one
    /// statement: `Err(Several(n))` for more, without running any of them.
    pub fn prepare_one(&self, sql: &str) -> std::result::Result<Prepared<'_>, PrepareError> {
        let c_sql = c_string(sql).map_err(PrepareError::Failed)?;
        let mut extracted: ffi::duckdb_extracted_statements = ptr::null_mut();
        // SAFETY: `extracted` is destroyed on every path below; the prepared
        // statement is owned by the returned value (or destroyed on failure).
        unsafe {
            let count =
                ffi::duckdb_extract_statements(self.raw.raw, c_sql.as_ptr(), &mut extracted);
            let outcome = if count == 0 {
                let message = if extracted.is_null() {
                    "Parser Error: could not read the statement".to_owned()
                } else {
                    text(
                        ffi::duckdb_extract_statements_error(extracted),
                        "Parser Error: could not read the statement",
                    )
                };
                // An empty text (only comments) gives no statement and no error.
                if message.is_empty() {
                    Err(PrepareError::Several(0))
                } else {
                    Err(PrepareError::Failed(DuckError::new(message)))
                }
            } else if count > 1 {
                Err(PrepareError::Several(count as usize))
            } else {
                let mut raw: ffi::duckdb_prepared_statement = ptr::null_mut();
                let state =
                    ffi::duckdb_prepare_extracted_statement(self.raw.raw, extracted, 0, &mut raw);
                let prepared = Prepared {
                    raw,
                    _conn: std::marker::PhantomData,
                };
                if state == ffi::DuckDBSuccess {
                    Ok(prepared)
                } else {
                    let message = text(
                        ffi::duckdb_prepare_error(prepared.raw),
                        "could not prepare the statement",
                    );
                    Err(PrepareError::Failed(DuckError::new(message)))
                }
            };
            if !extracted.is_null() {
                ffi::duckdb_destroy_extracted(&mut extracted);
            }
            outcome
        }
    }
}

/// Why a text could not be prepared as one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareError {
    /// DuckDB read this many statements (0: none at all).
    Several(usize),
    Failed(DuckError),
}

/// What a statement is, as DuckDB's parser and binder found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SELECT, VALUES, WITH … SELECT, FROM …, SHOW TABLES, DESCRIBE, SUMMARIZE.
    Select,
    Explain,
    Prepare,
    Execute,
    /// Anything else (writes, settings, files, extensions, transactions…),
    /// named as DuckDB names it.
    Other(&'static str),
}

fn kind_of(t: ffi::duckdb_statement_type) -> Kind {
    match t {
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SELECT => Kind::Select,
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPLAIN => Kind::Explain,
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_PREPARE => Kind::Prepare,
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXECUTE => Kind::Execute,
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_INSERT => Kind::Other("INSERT"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_UPDATE => Kind::Other("UPDATE"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DELETE => Kind::Other("DELETE"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_MERGE_INTO => Kind::Other("MERGE"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CREATE
        | ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CREATE_FUNC => Kind::Other("CREATE"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ALTER => Kind::Other("ALTER"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DROP => Kind::Other("DROP"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_TRANSACTION => Kind::Other("TRANSACTION"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_COPY
        | ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_COPY_DATABASE => Kind::Other("COPY"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPORT => Kind::Other("EXPORT"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ANALYZE => Kind::Other("ANALYZE"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_VACUUM => Kind::Other("VACUUM"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SET
        | ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_VARIABLE_SET => Kind::Other("SET"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_PRAGMA => Kind::Other("PRAGMA"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CALL => Kind::Other("CALL"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_LOAD
        | ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_UPDATE_EXTENSIONS => Kind::Other("LOAD"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ATTACH => Kind::Other("ATTACH"),
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DETACH => Kind::Other("DETACH"),
        _ => Kind::Other("this kind of"),
    }
}

/// A prepared statement of a [`Conn`], not yet run.
pub struct Prepared<'c> {
    raw: ffi::duckdb_prepared_statement,
    _conn: std::marker::PhantomData<&'c Conn>,
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        // SAFETY: owned here; DuckDB wants it destroyed even after a failed prepare.
        unsafe { ffi::duckdb_destroy_prepare(&mut self.raw) };
    }
}

impl Prepared<'_> {
    pub fn kind(&self) -> Kind {
        // SAFETY: a prepared statement owned by self.
        kind_of(unsafe { ffi::duckdb_prepared_statement_type(self.raw) })
    }

    /// How many parameters ($1, $2, …) the statement takes.
    pub fn parameter_count(&self) -> usize {
        // SAFETY: as above.
        unsafe { ffi::duckdb_nparams(self.raw) as usize }
    }

    /// Binds `params` to $1, $2, …; missing ones stay NULL.
    pub fn bind(&mut self, params: &[duckdb::types::Value]) -> Result<()> {
        use duckdb::types::Value;
        let expected = self.parameter_count();
        if params.len() > expected {
            return Err(DuckError::new(format!(
                "Binder Error: the statement takes {expected} parameters, not {}",
                params.len()
            )));
        }
        for i in 0..expected {
            let index = (i + 1) as ffi::idx_t;
            // SAFETY: index is within 1..=nparams; strings are copied by DuckDB.
            let state = unsafe {
                match params.get(i).unwrap_or(&Value::Null) {
                    Value::Null => ffi::duckdb_bind_null(self.raw, index),
                    Value::Boolean(b) => ffi::duckdb_bind_boolean(self.raw, index, *b),
                    Value::TinyInt(n) => ffi::duckdb_bind_int8(self.raw, index, *n),
                    Value::SmallInt(n) => ffi::duckdb_bind_int16(self.raw, index, *n),
                    Value::Int(n) => ffi::duckdb_bind_int32(self.raw, index, *n),
                    Value::BigInt(n) => ffi::duckdb_bind_int64(self.raw, index, *n),
                    Value::Float(x) => ffi::duckdb_bind_float(self.raw, index, *x),
                    Value::Double(x) => ffi::duckdb_bind_double(self.raw, index, *x),
                    Value::Text(s) => ffi::duckdb_bind_varchar_length(
                        self.raw,
                        index,
                        s.as_ptr().cast(),
                        s.len() as ffi::idx_t,
                    ),
                    other => {
                        return Err(DuckError::new(format!(
                            "Binder Error: parameter ${} has a type the endpoint does not bind: {other:?}",
                            i + 1
                        )));
                    }
                }
            };
            if state != ffi::DuckDBSuccess {
                return Err(DuckError::new(format!(
                    "Binder Error: could not bind parameter ${}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    /// The columns the statement will return, without running it; None
    /// when DuckDB cannot tell before its parameters are bound (`select $1`).
    pub fn columns(&self, conn: &Conn) -> Result<Option<SchemaRef>> {
        // SAFETY: the options and each logical type are destroyed here; the
        // column names are owned by the prepared statement.
        unsafe {
            let count = ffi::duckdb_prepared_statement_column_count(self.raw) as usize;
            let mut options: ffi::duckdb_arrow_options = ptr::null_mut();
            ffi::duckdb_connection_get_arrow_options(conn.raw.raw, &mut options);
            if options.is_null() {
                return Err(DuckError::new("could not read DuckDB's Arrow options"));
            }
            let mut fields = Some(Vec::with_capacity(count));
            for i in 0..count {
                let name_ptr =
                    ffi::duckdb_prepared_statement_column_name(self.raw, i as ffi::idx_t);
                let name = text(name_ptr, &format!("column{i}"));
                if !name_ptr.is_null() {
                    ffi::duckdb_free(name_ptr as *mut _);
                }
                let mut logical =
                    ffi::duckdb_prepared_statement_column_logical_type(self.raw, i as ffi::idx_t);
                let known = !logical.is_null()
                    && ffi::duckdb_get_type_id(logical) != ffi::DUCKDB_TYPE_DUCKDB_TYPE_INVALID;
                let field = known
                    .then(|| arrow_field(options, logical, &name))
                    .flatten();
                if !logical.is_null() {
                    ffi::duckdb_destroy_logical_type(&mut logical);
                }
                match (field, fields.as_mut()) {
                    (Some(field), Some(fields)) => fields.push(field),
                    _ => fields = None,
                }
            }
            ffi::duckdb_destroy_arrow_options(&mut options);
            Ok(fields.map(|f| Arc::new(Schema::new(f))))
        }
    }

    /// Runs the statement, its rows to be fetched chunk by chunk.
    pub fn execute(&mut self) -> Result<Rows<'_>> {
        // SAFETY: `result` is destroyed by Rows' Drop, or here on failure.
        unsafe {
            let mut result = Box::new(std::mem::zeroed::<ffi::duckdb_result>());
            let state = ffi::duckdb_execute_prepared_streaming(self.raw, &mut *result);
            if state != ffi::DuckDBSuccess {
                let message = text(ffi::duckdb_result_error(&mut *result), "the query failed");
                ffi::duckdb_destroy_result(&mut *result);
                return Err(DuckError::new(message));
            }
            let mut rows = Rows {
                result,
                options: ptr::null_mut(),
                schema: Arc::new(Schema::empty()),
                ffi_schema: FFI_ArrowSchema::empty(),
                done: false,
                _prepared: std::marker::PhantomData,
            };
            rows.options = ffi::duckdb_result_get_arrow_options(&mut *rows.result);
            if rows.options.is_null() {
                return Err(DuckError::new("could not read DuckDB's Arrow options"));
            }
            rows.load_schema()?;
            Ok(rows)
        }
    }
}

/// One column's Arrow field, or None when DuckDB cannot give one.
///
/// # Safety
/// `options` and `logical` are live DuckDB handles (or `logical` null).
unsafe fn arrow_field(
    options: ffi::duckdb_arrow_options,
    logical: ffi::duckdb_logical_type,
    name: &str,
) -> Option<Field> {
    if logical.is_null() {
        return None;
    }
    let c_name = CString::new(name.replace('\0', "")).ok()?;
    let mut types = [logical];
    let mut names = [c_name.as_ptr()];
    let mut schema = FFI_ArrowSchema::empty();
    // SAFETY: arrays of one; the schema is released by its Drop.
    let error = unsafe {
        ffi::duckdb_to_arrow_schema(
            options,
            types.as_mut_ptr(),
            names.as_mut_ptr(),
            1,
            &mut schema as *mut FFI_ArrowSchema as *mut ffi::ArrowSchema,
        )
    };
    // SAFETY: the error data, if any, is owned here.
    if unsafe { take_error(error) }.is_some() {
        return None;
    }
    let schema = Schema::try_from(&schema).ok()?;
    schema.fields().first().map(|f| f.as_ref().clone())
}

/// The message of a `duckdb_error_data`, which is destroyed.
///
/// # Safety
/// `error` is null or an error data DuckDB gave and nobody else owns.
unsafe fn take_error(mut error: ffi::duckdb_error_data) -> Option<String> {
    if error.is_null() {
        return None;
    }
    // SAFETY: per the contract above.
    unsafe {
        let message = ffi::duckdb_error_data_has_error(error)
            .then(|| text(ffi::duckdb_error_data_message(error), "DuckDB error"));
        ffi::duckdb_destroy_error_data(&mut error);
        message
    }
}

/// A running statement's result, read one chunk (up to 2,048 rows) at a time:
/// the rows are never all in memory at once, in DuckDB or here.
pub struct Rows<'p> {
    // Boxed: DuckDB's result keeps pointing at the struct it filled.
    result: Box<ffi::duckdb_result>,
    options: ffi::duckdb_arrow_options,
    schema: SchemaRef,
    ffi_schema: FFI_ArrowSchema,
    done: bool,
    _prepared: std::marker::PhantomData<&'p ()>,
}

impl Drop for Rows<'_> {
    fn drop(&mut self) {
        // SAFETY: both owned here (options may be null when reading them failed).
        unsafe {
            if !self.options.is_null() {
                ffi::duckdb_destroy_arrow_options(&mut self.options);
            }
            ffi::duckdb_destroy_result(&mut *self.result);
        }
    }
}

impl Rows<'_> {
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// # Safety
    /// `self.result` and `self.options` are live.
    unsafe fn load_schema(&mut self) -> Result<()> {
        // SAFETY: names and types are read from the live result; each
        // logical type is destroyed after the schema is exported.
        unsafe {
            let result: *mut ffi::duckdb_result = &mut *self.result;
            let count = ffi::duckdb_column_count(result) as usize;
            let mut names = Vec::with_capacity(count);
            let mut types = Vec::with_capacity(count);
            for i in 0..count {
                names.push(ffi::duckdb_column_name(result, i as ffi::idx_t));
                types.push(ffi::duckdb_column_logical_type(result, i as ffi::idx_t));
            }
            let error = if types.iter().any(|t| t.is_null()) {
                Some("could not read a result column's type".to_owned())
            } else {
                take_error(ffi::duckdb_to_arrow_schema(
                    self.options,
                    types.as_mut_ptr(),
                    names.as_mut_ptr(),
                    count as ffi::idx_t,
                    &mut self.ffi_schema as *mut FFI_ArrowSchema as *mut ffi::ArrowSchema,
                ))
            };
            for t in &mut types {
                if !t.is_null() {
                    ffi::duckdb_destroy_logical_type(t);
                }
            }
            if let Some(message) = error {
                return Err(DuckError::new(message));
            }
            let schema = Schema::try_from(&self.ffi_schema)
                .map_err(|e| DuckError::new(format!("Arrow: {e}")))?;
            self.schema = Arc::new(schema);
            Ok(())
        }
    }

    /// The next chunk of rows, or None at the end.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        // SAFETY: the result is live; a fetched chunk is destroyed once
        // converted (or on failure); the converted array owns its buffers.
        unsafe {
            let result: *mut ffi::duckdb_result = &mut *self.result;
            let mut chunk = ffi::duckdb_fetch_chunk(*result);
            if chunk.is_null() || ffi::duckdb_data_chunk_get_size(chunk) == 0 {
                if !chunk.is_null() {
                    ffi::duckdb_destroy_data_chunk(&mut chunk);
                }
                self.done = true;
                let error = ffi::duckdb_result_error(result);
                return if error.is_null() {
                    Ok(None)
                } else {
                    Err(DuckError::new(text(error, "the query failed")))
                };
            }
            let mut array = FFI_ArrowArray::empty();
            let error = take_error(ffi::duckdb_data_chunk_to_arrow(
                self.options,
                chunk,
                &mut array as *mut FFI_ArrowArray as *mut ffi::ArrowArray,
            ));
            ffi::duckdb_destroy_data_chunk(&mut chunk);
            if let Some(message) = error {
                self.done = true;
                return Err(DuckError::new(message));
            }
            let data = from_ffi(array, &self.ffi_schema)
                .map_err(|e| DuckError::new(format!("Arrow: {e}")))?;
            let batch = RecordBatch::from(StructArray::from(data));
            Ok(Some(batch))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Conn {
        Database::open(Path::new(":memory:"), &[])
            .unwrap()
            .connect()
            .unwrap()
    }

    fn temp_tables(conn: &Conn) -> i64 {
        let mut p = conn
            .prepare_one("select count(*) from duckdb_tables() where temporary")
            .unwrap();
        let mut rows = p.execute().unwrap();
        let batch = rows.next_batch().unwrap().unwrap();
        let count = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(
            batch.column(0).as_ref(),
        );
        count.value(0)
    }

    #[test]
    fn duckdb_reads_each_text_as_what_it_is_and_runs_none_of_it() {
        let conn = memory();
        conn.execute_batch("create temp table mine (a int)")
            .unwrap();
        for (sql, several) in [
            (
                "select 1 as a$b$; create temp table t as select 42; select 1 as z$b$",
                3,
            ),
            ("select E'\\''; create temp table t as select 42", 2),
            ("create temp table t as select 42; select 1", 2),
        ] {
            assert_eq!(
                conn.prepare_one(sql).err(),
                Some(PrepareError::Several(several)),
                "{sql}"
            );
        }
        for (sql, kind) in [
            ("select 1", Kind::Select),
            ("with x as (select 1) select * from x", Kind::Select),
            ("from range(3)", Kind::Select),
            ("values (1), (2)", Kind::Select),
            ("show tables", Kind::Select),
            ("describe mine", Kind::Select),
            ("explain select 1", Kind::Explain),
            (
                "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 42",
                Kind::Explain,
            ),
            ("prepare q as select 1", Kind::Prepare),
            ("create temp table t as select 42", Kind::Other("CREATE")),
            ("insert into mine values (1)", Kind::Other("INSERT")),
            ("delete from mine", Kind::Other("DELETE")),
            ("copy (select 1) to 'x.csv'", Kind::Other("COPY")),
            ("set threads = 1", Kind::Other("SET")),
            ("attach ':memory:' as other", Kind::Other("ATTACH")),
            ("begin", Kind::Other("TRANSACTION")),
            // A PRAGMA that reads is a SELECT of its table function; one
            // that sets, a SET; the rest stay PRAGMA.
            ("pragma version", Kind::Select),
            ("pragma enable_profiling", Kind::Other("SET")),
            ("pragma force_checkpoint", Kind::Other("PRAGMA")),
            ("checkpoint", Kind::Other("CALL")),
        ] {
            let prepared = conn
                .prepare_one(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
            assert_eq!(prepared.kind(), kind, "{sql}");
        }
        // Preparing ran nothing: only the table made above exists.
        assert_eq!(temp_tables(&conn), 1);
    }

    #[test]
    fn rows_come_chunk_by_chunk_with_parameters_bound() {
        let conn = memory();
        let mut p = conn.prepare_one("select i from range(10000) t(i)").unwrap();
        let mut rows = p.execute().unwrap();
        let (mut batches, mut total) = (0, 0);
        while let Some(batch) = rows.next_batch().unwrap() {
            batches += 1;
            total += batch.num_rows();
        }
        assert_eq!(total, 10000);
        assert!(batches > 1, "one chunk of 10,000 rows");

        // Columns known before the parameters are…
        let p = conn
            .prepare_one("select i as n from range(3) t(i) where i > $1")
            .unwrap();
        let schema = p.columns(&conn).unwrap().unwrap();
        assert_eq!(schema.field(0).name(), "n");
        // …and not: the statement must run (with its parameters) to tell.
        let mut p = conn
            .prepare_one("select $1::int + 1 as n, $2 as s")
            .unwrap();
        assert_eq!(p.parameter_count(), 2);
        assert!(p.columns(&conn).unwrap().is_none());
        p.bind(&[
            duckdb::types::Value::Int(41),
            duckdb::types::Value::Text("x".into()),
        ])
        .unwrap();
        let mut rows = p.execute().unwrap();
        assert_eq!(rows.schema().field(1).name(), "s");
        let batch = rows.next_batch().unwrap().unwrap();
        let n = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int32Type>(
            batch.column(0).as_ref(),
        );
        assert_eq!(n.value(0), 42);
        assert!(rows.next_batch().unwrap().is_none());
    }

    #[test]
    fn an_interrupt_stops_a_running_statement() {
        let conn = memory();
        let interrupter = conn.interrupter();
        let mut p = conn
            .prepare_one("select count(*) from range(1000000000000) a")
            .unwrap();
        // Sent until the statement ends: DuckDB clears an interrupt that
        // arrives before the statement begins (as `run::Control` resends).
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopper = {
            let done = done.clone();
            std::thread::spawn(move || {
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    interrupter.interrupt();
                }
            })
        };
        let failed = p.execute().and_then(|mut rows| {
            while rows.next_batch()?.is_some() {}
            Ok(())
        });
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        stopper.join().unwrap();
        assert!(failed.is_err_and(|e| e.message.contains("nterrupt")));
        // The connection goes on.
        assert_eq!(temp_tables(&conn), 0);
    }
}
