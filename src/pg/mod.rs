//! `taizhang serve --pg ADDR`: the warehouse over the PostgreSQL wire
//! protocol, read-only, for analysts' own tools (psql, DBeaver, psycopg,
//! BI tools). The password is a province token (`taizhang token add
//! --role province`); any other password, a clerk's token included, gets
//! the same refusal. SSL requests are refused, so clients fall back to
//! plain connections: listen on loopback, or put a TLS proxy in front.
//!
//! Every connection reads through a sandboxed DuckDB connection (see
//! `session.rs`, and `duck.rs` for the calls into DuckDB); `sql.rs` answers
//! the session commands clients send and gives clear early refusals; rows
//! are streamed as DuckDB produces them (`run.rs`), as a query's rows or as
//! the data of `COPY (query) TO STDOUT` (`copy.rs`). What one connection and
//! all of them may take is `[pg]` in taizhang.toml ([`crate::config::Pg`]):
//! connections at once, seconds to sign in, seconds, rows and bytes per
//! statement, DuckDB's memory and threads.

mod copy;
mod duck;
mod encode;
mod failure;
mod run;
pub mod session;
pub mod sql;

use async_trait::async_trait;
use futures::stream;
use futures::{Sink, SinkExt};
use pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use pgwire::api::portal::{Format, Portal, PortalExecutionState};
use pgwire::api::query::{
    ExtendedQueryHandler, SimpleQueryHandler, send_execution_response, send_partial_query_response,
    send_query_response, send_ready_for_query,
};
use pgwire::api::results::{
    DescribePortalResponse, DescribeStatementResponse, FieldInfo, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{NoopQueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{
    ClientInfo, ClientPortalStore, DEFAULT_NAME, PgWireConnectionState, PgWireServerHandlers, Type,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};
use pgwire::messages::data::DataRow;
use pgwire::messages::extendedquery::Execute;
use pgwire::messages::response::{EmptyQueryResponse, TransactionStatus};
use pgwire::messages::simplequery::Query;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::error::Result;
use crate::tokens::{Role, TokenCache};
use failure::Failure;
use run::{Begun, Control, DataRows, RowStream, Stop};
use session::{Engine, Limits, Session, Warehouse};
use sql::{Plan, Savepoint};

/// Connections beyond the cap that are still told why, each for at most the
/// sign-in timeout; past these, a connection is closed at once, so a flood
/// cannot use up the process's file descriptors.
const REFUSALS_AT_ONCE: usize = 16;

/// How the endpoint runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub root: PathBuf,
    pub addr: SocketAddr,
    pub limits: Limits,
    pub engine: Engine,
    /// Connections at once (signing in or signed in); more are refused.
    pub max_connections: usize,
    /// A connection that has not signed in within this is closed.
    pub startup_timeout: Duration,
}

impl Settings {
    /// The endpoint on `addr` with the limits of `[pg]`.
    pub fn new(root: PathBuf, addr: SocketAddr, pg: &crate::config::Pg) -> Settings {
        Settings {
            root,
            addr,
            limits: Limits {
                timeout: Duration::from_secs(pg.statement_timeout_secs),
                max_rows: pg.max_rows,
                max_result_bytes: pg.max_result_mb.saturating_mul(1024 * 1024),
            },
            engine: Engine {
                memory_mb: pg.memory_mb,
                threads: pg.threads,
            },
            max_connections: pg.max_connections,
            startup_timeout: Duration::from_secs(pg.startup_timeout_secs),
        }
    }
}

/// What every connection shares.
struct Shared {
    warehouse: Arc<Warehouse>,
    tokens: TokenCache,
    limits: Limits,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

/// Serves until SIGINT or SIGTERM, on a runtime of its own (the portal,
/// when it runs beside it, has another). `ready` is told the address bound.
pub fn serve(settings: Settings, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    // No warehouse yet is not fatal: each statement says so until a build.
    crate::serving::runtime(&settings.root)?.block_on(async move {
        let (listener, addr) = crate::serving::listen(settings.addr).await?;
        let shared = Arc::new(Shared {
            warehouse: Warehouse::new(&settings.root, settings.engine),
            tokens: TokenCache::new(&settings.root),
            limits: settings.limits,
        });
        let slots = Arc::new(Semaphore::new(settings.max_connections));
        let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
        let full = Arc::new(Full {
            max_connections: settings.max_connections,
        });
        let startup = settings.startup_timeout;
        ready(addr);
        let shutdown = crate::serving::shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                accepted = listener.accept() => {
                    let Ok((socket, _)) = accepted else {
                        // Out of file descriptors, most likely: accepting
                        // again at once would only spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    // A slot is taken before a byte is read, and held until
                    // the connection ends.
                    if let Ok(slot) = slots.clone().try_acquire_owned() {
                        let handlers = Arc::new(Handlers::new(shared.clone()));
                        tokio::spawn(async move {
                            let _slot = slot;
                            let signed_in = handlers.signed_in.clone();
                            let late = async move {
                                tokio::time::sleep(startup).await;
                                if signed_in.load(Ordering::Acquire) {
                                    std::future::pending::<()>().await;
                                }
                            };
                            // Dropping the connection's future closes its socket.
                            tokio::select! {
                                _ = pgwire::tokio::process_socket(socket, None, handlers) => {}
                                _ = late => {}
                            }
                        });
                    } else if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                        let full = full.clone();
                        tokio::spawn(async move {
                            let _refusal = refusal;
                            let _ = tokio::time::timeout(
                                startup,
                                pgwire::tokio::process_socket(socket, None, full),
                            )
                            .await;
                        });
                    }
                    // Past even those, the socket is dropped here: closed at once.
                }
            }
        }
    })
}

fn user_error(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_owned(),
        code.to_owned(),
        message,
    )))
}

fn failure_error(f: Failure) -> PgWireError {
    user_error(f.sqlstate, f.message)
}

/// A password is a live province token; the user name is not checked.
#[derive(Debug)]
struct ProvinceTokens(Arc<Shared>);

#[async_trait]
impl AuthSource for ProvinceTokens {
    async fn get_password(&self, _login: &LoginInfo) -> PgWireResult<Password> {
        // Tokens are stored hashed: verify_password checks them instead.
        Err(PgWireError::InvalidPassword(String::new()))
    }

    async fn verify_password(
        &self,
        login: &LoginInfo,
        presented: &[u8],
    ) -> PgWireResult<Option<()>> {
        let secret = String::from_utf8_lossy(presented);
        let province =
            matches!(self.0.tokens.verify(secret.trim()), Some(t) if t.role == Role::Province);
        if province {
            return Ok(None);
        }
        // A clerk's token gets the very refusal a wrong password gets, after
        // the same pause (which slows guessing; a token has 160 random bits
        // anyway): the endpoint does not say which tokens exist.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Err(PgWireError::UserError(Box::new(ErrorInfo::new(
            "FATAL".to_owned(),
            "28P01".to_owned(),
            format!(
                "口令无效：须为有效的省级令牌 / password authentication failed for user \"{}\": \
                 the password must be a live province token (taizhang token add --role province)",
                login.user().unwrap_or_default()
            ),
        ))))
    }
}

/// Signing in, and noting when it is done (the sign-in timeout then stops).
struct SignIn {
    inner: CleartextPasswordAuthStartupHandler<ProvinceTokens, DefaultServerParameterProvider>,
    signed_in: Arc<AtomicBool>,
}

#[async_trait]
impl StartupHandler for SignIn {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.inner.on_startup(client, message).await?;
        if matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            self.signed_in.store(true, Ordering::Release);
        }
        Ok(())
    }
}

/// What a connection past `[pg] max_connections` is told, as PostgreSQL
/// tells it (SQLSTATE 53300), once it has sent its startup message.
struct Full {
    max_connections: usize,
}

#[async_trait]
impl StartupHandler for Full {
    async fn on_startup<C>(
        &self,
        _client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(_) => {
                Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                    "FATAL".to_owned(),
                    "53300".to_owned(),
                    format!(
                        "连接数已满（上限 {max}）/ sorry, too many clients already: the endpoint \
                     takes {max} connections at once ([pg] max_connections); try again later",
                        max = self.max_connections
                    ),
                ))))
            }
            _ => Ok(()),
        }
    }
}

impl PgWireServerHandlers for Full {
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::new(Full {
            max_connections: self.max_connections,
        })
    }
}

/// One connection's handlers, with its session.
struct Handlers {
    backend: Arc<Backend>,
    startup: Arc<SignIn>,
    signed_in: Arc<AtomicBool>,
}

impl Handlers {
    fn new(shared: Arc<Shared>) -> Handlers {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = "16.0 (taizhang)".to_owned();
        parameters.time_zone = "Asia/Shanghai".to_owned();
        parameters.default_transaction_read_only = true;
        let signed_in = Arc::new(AtomicBool::new(false));
        Handlers {
            startup: Arc::new(SignIn {
                inner: CleartextPasswordAuthStartupHandler::new(
                    ProvinceTokens(shared.clone()),
                    parameters,
                ),
                signed_in: signed_in.clone(),
            }),
            signed_in,
            backend: Arc::new(Backend {
                session: shared.warehouse.session(),
                limits: shared.limits,
                parser: Arc::new(NoopQueryParser::new()),
                described: Mutex::new(None),
                active: Mutex::new(None),
            }),
        }
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.backend.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.backend.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.startup.clone()
    }
}

/// What one statement came to.
enum Outcome {
    /// Columns and rows: computed already (SHOW) or streaming from DuckDB.
    Rows(Arc<Vec<FieldInfo>>, Rows),
    /// `COPY (query) TO STDOUT`: its data streaming from DuckDB.
    Copy(CopyStream),
    /// A command's tag, and what it does to the transaction.
    Command(Tag, Transaction),
    Empty,
}

enum Rows {
    Ready(Vec<DataRow>),
    Live(RowStream<DataRow>),
}

/// A COPY's columns, options and lines (each a row, as PostgreSQL sends them).
struct CopyStream {
    fields: Arc<Vec<FieldInfo>>,
    options: copy::Options,
    lines: RowStream<CopyData>,
}

/// What a command does to the transaction status clients are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transaction {
    Same,
    Begun,
    Ended,
    /// `ROLLBACK TO`: a failed transaction goes on, as in PostgreSQL.
    Recovered,
}

impl Transaction {
    fn after(self, status: TransactionStatus) -> TransactionStatus {
        match self {
            Transaction::Same => status,
            Transaction::Begun => status.to_in_transaction_state(),
            Transaction::Ended => status.to_idle_state(),
            Transaction::Recovered => TransactionStatus::Transaction,
        }
    }
}

/// A statement started to describe a portal, kept for its Execute.
struct Described {
    key: (String, Vec<Option<Vec<u8>>>),
    outcome: Outcome,
}

struct Backend {
    session: Arc<Mutex<Session>>,
    limits: Limits,
    parser: Arc<NoopQueryParser>,
    described: Mutex<Option<Described>>,
    /// The run that may still hold the session (its rows not all read).
    active: Mutex<Option<Arc<Control>>>,
}

/// What identifies a portal's statement and parameters.
fn portal_key(portal: &Portal<String>) -> (String, Vec<Option<Vec<u8>>>) {
    let params = portal
        .parameters
        .iter()
        .map(|p| p.as_ref().map(|b| b.to_vec()))
        .collect();
    (portal.statement.statement.clone(), params)
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Backend {
    /// Runs one statement (after [`sql::plan`]) with `params`; its rows,
    /// if any, are encoded in `format` as they come.
    async fn execute(
        &self,
        statement: &str,
        params: Vec<duckdb::types::Value>,
        format: &Format,
    ) -> std::result::Result<Outcome, Failure> {
        if sql::split(statement).len() > 1 {
            return Err(Failure::new(
                "42601",
                "一次只能预备一条语句 / cannot insert multiple commands into a prepared statement",
            ));
        }
        let command = |tag: &str, change| Ok(Outcome::Command(Tag::new(tag), change));
        let sql = match sql::plan(statement) {
            Plan::Empty => return Ok(Outcome::Empty),
            Plan::Begin => {
                // No warehouse yet: the transaction's first statement says so.
                let _ = self.on_session(Session::begin_transaction).await?;
                return command("BEGIN", Transaction::Begun);
            }
            Plan::Commit => {
                self.on_session(Session::end_transaction).await?;
                return command("COMMIT", Transaction::Ended);
            }
            Plan::Rollback => {
                self.on_session(Session::end_transaction).await?;
                return command("ROLLBACK", Transaction::Ended);
            }
            Plan::Savepoint(savepoint) => {
                let (tag, change) = match &savepoint {
                    Savepoint::Set(_) => ("SAVEPOINT", Transaction::Same),
                    Savepoint::Release(_) => ("RELEASE", Transaction::Same),
                    Savepoint::RollbackTo(_) => ("ROLLBACK", Transaction::Recovered),
                };
                self.on_session(move |s| s.savepoint(&savepoint)).await??;
                return command(tag, change);
            }
            Plan::Set => return command("SET", Transaction::Same),
            Plan::Show(name) => return show(&name, format),
            Plan::Refuse(failure) => return Err(failure),
            Plan::Copy(statement) => return self.copy(copy::parse(&statement)?, params).await,
            Plan::Run(sql) => sql,
        };
        let begun = self.start(sql, params, format.clone(), DataRows).await?;
        Ok(match begun {
            Begun::Rows(fields, rows) => Outcome::Rows(fields, Rows::Live(rows)),
            Begun::Prepared => Outcome::Command(Tag::new("PREPARE"), Transaction::Same),
        })
    }

    /// Starts `sql` on the session, the run before it stopped first.
    async fn start<S: run::Shape>(
        &self,
        sql: String,
        params: Vec<duckdb::types::Value>,
        format: Format,
        shape: S,
    ) -> std::result::Result<Begun<S::Item>, Failure> {
        self.stop_active();
        let control = Control::new();
        *locked(&self.active) = Some(control.clone());
        run::start(
            self.session.clone(),
            sql,
            params,
            format,
            self.limits,
            control,
            shape,
        )
        .await
    }

    /// `COPY (query) TO STDOUT`: the query started like any (DuckDB vets it,
    /// and only a query passes), its rows encoded in the COPY's format.
    async fn copy(
        &self,
        copy: copy::CopyOut,
        params: Vec<duckdb::types::Value>,
    ) -> std::result::Result<Outcome, Failure> {
        let format = match copy.options.format {
            copy::Format::Binary => Format::UnifiedBinary,
            copy::Format::Text | copy::Format::Csv => Format::UnifiedText,
        };
        let lines = copy::Lines::new(copy.options.clone());
        match self.start(copy.query, params, format, lines).await? {
            Begun::Rows(fields, lines) => Ok(Outcome::Copy(CopyStream {
                fields,
                options: copy.options,
                lines,
            })),
            Begun::Prepared => Err(Failure::new(
                "XX000",
                "COPY 中的语句不是查询 / the statement inside COPY was not a query",
            )),
        }
    }

    /// What a portal's statement comes to: the run its Describe started,
    /// or a new one (the one before it dropped, which stops it).
    async fn portal_outcome(&self, portal: &Portal<String>) -> PgWireResult<Outcome> {
        let key = portal_key(portal);
        let described = locked(&self.described).take();
        match described {
            Some(d) if d.key == key => Ok(d.outcome),
            _ => {
                drop(described);
                self.execute(
                    &portal.statement.statement,
                    parameters(portal)?,
                    &portal.result_column_format,
                )
                .await
                .map_err(failure_error)
            }
        }
    }

    /// The parameters and columns of a statement, within the statement
    /// time limit (DuckDB runs it when its columns depend on its parameters).
    async fn describe(
        &self,
        sql: String,
    ) -> std::result::Result<(usize, Option<arrow::datatypes::SchemaRef>), Failure> {
        let interrupter = self.on_session(Session::interrupter).await??;
        let session = self.session.clone();
        let mut task = tokio::task::spawn_blocking(move || locked(&session).describe(&sql));
        match tokio::time::timeout(self.limits.timeout, &mut task).await {
            Ok(joined) => joined.map_err(|e| Failure::new("XX000", e.to_string()))?,
            Err(_) => {
                // Should it have just ended, the interrupt is dropped:
                // DuckDB clears it when the next statement begins (each runs
                // in a transaction of its own: the endpoint opens none).
                interrupter.interrupt();
                let _ = task.await;
                Err(run::stopped(Stop::TimedOut, &self.limits))
            }
        }
    }

    /// Stops the run whose rows are still unread, if any: the session is
    /// the next statement's.
    fn stop_active(&self) {
        if let Some(control) = locked(&self.active).take() {
            control.stop(Stop::Cancelled);
        }
    }

    /// Runs `f` on the session in a blocking thread: it may open the
    /// warehouse file (and set up the connection's catalog), which must not
    /// hold up the runtime's other connections.
    async fn on_session<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> std::result::Result<T, Failure> {
        self.stop_active();
        let session = self.session.clone();
        tokio::task::spawn_blocking(move || f(&mut locked(&session)))
            .await
            .map_err(|e| Failure::new("XX000", e.to_string()))
    }
}

/// `SHOW name`, answered from the endpoint's fixed settings.
fn show(name: &str, format: &Format) -> std::result::Result<Outcome, Failure> {
    use arrow::array::{RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    let value = sql::show(name).ok_or_else(|| {
        Failure::new(
            "42704",
            format!("没有设置 {name} / unrecognized configuration parameter \"{name}\""),
        )
    })?;
    let schema = Arc::new(Schema::new(vec![Field::new(name, DataType::Utf8, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec![value]))],
    )
    .map_err(|e| Failure::new("XX000", e.to_string()))?;
    let fields = Arc::new(encode::fields(&schema, format));
    let rows = encode::rows(&[batch], &fields).map_err(|e| Failure::new("XX000", e.to_string()))?;
    Ok(Outcome::Rows(fields, Rows::Ready(rows)))
}

fn query_response(fields: Arc<Vec<FieldInfo>>, rows: Rows) -> QueryResponse {
    match rows {
        Rows::Ready(rows) => QueryResponse::new(fields, stream::iter(rows.into_iter().map(Ok))),
        Rows::Live(rows) => QueryResponse::new(fields, rows.into_stream(failure_error)),
    }
}

/// Sends a COPY's data as PostgreSQL does: CopyOutResponse, a header line
/// if asked for, one CopyData per row as DuckDB produces it, binary's
/// trailer, CopyDone and `COPY n`. A failure midway (a limit passed, the
/// time up) ends the copy with the ErrorResponse the caller sends, which is
/// how PostgreSQL aborts a COPY TO STDOUT (never a CopyDone after a short
/// result).
async fn send_copy<C>(client: &mut C, copy: CopyStream) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: std::fmt::Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let CopyStream {
        fields,
        options,
        mut lines,
    } = copy;
    let code = options.format_code();
    let columns = i16::try_from(fields.len()).unwrap_or(i16::MAX);
    client
        .feed(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
            code,
            columns,
            vec![i16::from(code); fields.len()],
        )))
        .await?;
    if let Some(header) = options.header(&fields) {
        client.feed(PgWireBackendMessage::CopyData(header)).await?;
    }
    let mut rows = 0u64;
    while let Some(group) = lines.next_group().await {
        for line in group.map_err(failure_error)? {
            rows += 1;
            client.feed(PgWireBackendMessage::CopyData(line)).await?;
        }
    }
    if let Some(trailer) = options.trailer(rows) {
        client.feed(PgWireBackendMessage::CopyData(trailer)).await?;
    }
    client
        .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    let tag = Tag::new("COPY").with_rows(usize::try_from(rows).unwrap_or(usize::MAX));
    client
        .feed(PgWireBackendMessage::CommandComplete(tag.into()))
        .await?;
    Ok(())
}

#[async_trait]
impl SimpleQueryHandler for Backend {
    /// Runs a query string's statements one after the other, each one's
    /// answer sent before the next starts, so that every result streams
    /// (pgwire's own gathers the answers first, and cannot abort a COPY the
    /// way PostgreSQL does). Stops at the first error, as PostgreSQL does.
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        let mut status = client.transaction_status();
        client.set_state(PgWireConnectionState::QueryInProgress);
        let statements = sql::split(&query.query);
        if statements.is_empty() {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await?;
        }
        for statement in &statements {
            let sent = match self
                .execute(statement, Vec::new(), &Format::UnifiedText)
                .await
            {
                Ok(outcome) => send_outcome(client, outcome, &mut status).await,
                Err(failure) => Err(failure_error(failure)),
            };
            if let Err(e) = sent {
                // A client that went away fails this send too.
                client
                    .feed(PgWireBackendMessage::ErrorResponse(
                        ErrorInfo::from(e).into(),
                    ))
                    .await?;
                status = status.to_error_state();
                break;
            }
        }
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client.set_transaction_status(status);
        send_ready_for_query(client, status).await
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // Only pgwire's own on_query calls this, and `on_query` above
        // replaces it.
        Err(user_error(
            "XX000",
            "查询由 on_query 处理 / queries are answered by on_query".to_owned(),
        ))
    }
}

/// Sends one simple-protocol statement's answer, rows described first;
/// `status` follows what the statement did to the transaction.
async fn send_outcome<C>(
    client: &mut C,
    outcome: Outcome,
    status: &mut TransactionStatus,
) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: std::fmt::Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    match outcome {
        Outcome::Empty => {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await?;
        }
        Outcome::Rows(fields, rows) => {
            send_query_response(client, query_response(fields, rows), true).await?;
        }
        Outcome::Copy(copy) => send_copy(client, copy).await?,
        Outcome::Command(tag, change) => {
            send_execution_response(client, tag).await?;
            *status = change.after(*status);
        }
    }
    Ok(())
}

/// The portal's parameters as DuckDB values: text ones as text (DuckDB casts
/// them where the statement needs a number or a date), binary ones decoded
/// by their declared type.
fn parameters(portal: &Portal<String>) -> PgWireResult<Vec<duckdb::types::Value>> {
    use duckdb::types::Value;
    let mut out = Vec::with_capacity(portal.parameter_len());
    for i in 0..portal.parameter_len() {
        let ty = portal
            .statement
            .parameter_types
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or(Type::UNKNOWN);
        let Some(bytes) = portal.parameters.get(i).cloned().flatten() else {
            out.push(Value::Null);
            continue;
        };
        if portal.parameter_format.is_binary(i) {
            out.push(match ty {
                Type::BOOL => Value::Boolean(portal.parameter::<bool>(i, &ty)?.unwrap_or_default()),
                Type::INT2 => Value::SmallInt(portal.parameter::<i16>(i, &ty)?.unwrap_or_default()),
                Type::INT4 => Value::Int(portal.parameter::<i32>(i, &ty)?.unwrap_or_default()),
                Type::INT8 => Value::BigInt(portal.parameter::<i64>(i, &ty)?.unwrap_or_default()),
                Type::FLOAT4 => Value::Float(portal.parameter::<f32>(i, &ty)?.unwrap_or_default()),
                Type::FLOAT8 => Value::Double(portal.parameter::<f64>(i, &ty)?.unwrap_or_default()),
                Type::DATE => {
                    let d = portal
                        .parameter::<chrono::NaiveDate>(i, &ty)?
                        .unwrap_or_default();
                    Value::Text(d.to_string())
                }
                _ => Value::Text(String::from_utf8_lossy(&bytes).into_owned()),
            });
        } else {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            out.push(match ty {
                Type::INT2 | Type::INT4 | Type::INT8 => text
                    .parse::<i64>()
                    .map(Value::BigInt)
                    .unwrap_or(Value::Text(text)),
                Type::FLOAT4 | Type::FLOAT8 => text
                    .parse::<f64>()
                    .map(Value::Double)
                    .unwrap_or(Value::Text(text)),
                Type::BOOL => {
                    Value::Boolean(matches!(text.as_str(), "t" | "true" | "1" | "on" | "yes"))
                }
                _ => Value::Text(text),
            });
        }
    }
    Ok(out)
}

#[async_trait]
impl ExtendedQueryHandler for Backend {
    type Statement = String;
    type QueryParser = NoopQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    /// pgwire's own Execute gathers all of a portal's rows in memory before
    /// sending the first (`Portal::fetch`): a 2 GB result took 2 GB more.
    /// This one sends them as they come, and a portal suspended at the
    /// client's row count keeps its unread rows in DuckDB's stream.
    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        let mut transaction_status = client.transaction_status();
        client.set_state(PgWireConnectionState::QueryInProgress);
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let max_rows = usize::try_from(message.max_rows).unwrap_or(0);
        let portal = match client.portal_store().get_portal(name) {
            Some(Entry::Value(portal)) => portal,
            Some(Entry::Empty) => {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
                client.set_state(PgWireConnectionState::ReadyForQuery);
                return Ok(());
            }
            None => return Err(PgWireError::PortalNotFound(name.to_owned())),
        };
        let state = portal.state();
        let before = std::mem::replace(&mut *state.lock().await, PortalExecutionState::Finished);
        let results = match before {
            PortalExecutionState::Suspended(results) => Some(results),
            PortalExecutionState::Finished => {
                Some(QueryResponse::new(Arc::new(Vec::new()), stream::empty()))
            }
            PortalExecutionState::Initial => match self.portal_outcome(portal.as_ref()).await? {
                Outcome::Rows(fields, rows) => Some(query_response(fields, rows)),
                Outcome::Copy(copy) => {
                    send_copy(client, copy).await?;
                    None
                }
                Outcome::Empty => {
                    client
                        .feed(PgWireBackendMessage::EmptyQueryResponse(
                            EmptyQueryResponse::new(),
                        ))
                        .await?;
                    None
                }
                Outcome::Command(tag, change) => {
                    send_execution_response(client, tag).await?;
                    transaction_status = change.after(transaction_status);
                    if change == Transaction::Ended {
                        client.portal_store().rm_portal(DEFAULT_NAME);
                    }
                    None
                }
            },
        };
        if let Some(mut results) = results
            && send_partial_query_response(client, &mut results, max_rows).await?
        {
            *state.lock().await = PortalExecutionState::Suspended(results);
        }
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client.set_transaction_status(transaction_status);
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // Only pgwire's own on_execute calls this, and `on_execute` above
        // replaces it (see `portal_outcome`).
        Err(user_error(
            "XX000",
            "门户由 on_execute 执行 / portals are run by on_execute".to_owned(),
        ))
    }

    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        target: &StoredStatement<Self::Statement>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if sql::split(&target.statement).len() > 1 {
            return Err(user_error(
                "42601",
                "一次只能预备一条语句 / cannot insert multiple commands into a prepared statement"
                    .to_owned(),
            ));
        }
        // The columns come from DuckDB's prepared statement: nothing runs.
        let (count, fields) = match sql::plan(&target.statement) {
            Plan::Run(sql) => {
                let (count, schema) = self.describe(sql).await.map_err(failure_error)?;
                let fields = schema
                    .map(|s| encode::fields(&s, &Format::UnifiedText))
                    .unwrap_or_default();
                (count, fields)
            }
            Plan::Show(name) => match show(&name, &Format::UnifiedText).map_err(failure_error)? {
                Outcome::Rows(fields, _) => (0, fields.as_ref().clone()),
                _ => (0, Vec::new()),
            },
            Plan::Refuse(failure) => return Err(failure_error(failure)),
            _ => (0, Vec::new()),
        };
        let count = count
            .max(sql::parameter_count(&target.statement))
            .max(target.parameter_types.len());
        let types: Vec<Type> = (0..count)
            .map(|i| {
                target
                    .parameter_types
                    .get(i)
                    .cloned()
                    .flatten()
                    .filter(|t| *t != Type::UNKNOWN)
                    .unwrap_or(Type::TEXT)
            })
            .collect();
        Ok(DescribeStatementResponse::new(types, fields))
    }

    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        portal: &Portal<Self::Statement>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // The columns come from starting it; the run is kept for Execute,
        // its rows not yet read.
        drop(locked(&self.described).take());
        let outcome = self
            .execute(
                &portal.statement.statement,
                parameters(portal)?,
                &portal.result_column_format,
            )
            .await
            .map_err(failure_error)?;
        // A COPY, like a command, describes no rows (NoData).
        let fields = match &outcome {
            Outcome::Rows(fields, _) => fields.as_ref().clone(),
            Outcome::Copy(_) | Outcome::Command(..) | Outcome::Empty => Vec::new(),
        };
        *locked(&self.described) = Some(Described {
            key: portal_key(portal),
            outcome,
        });
        Ok(DescribePortalResponse::new(fields))
    }
}
