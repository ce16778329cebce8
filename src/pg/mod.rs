//! `taizhang serve --pg ADDR`: the warehouse over the PostgreSQL wire
//! protocol, read-only, for analysts' own tools (psql, DBeaver, psycopg,
//! BI tools). The password is a province token (`taizhang token add
//! --role province`); clerks' tokens are refused, since the warehouse holds
//! every unit's rows. SSL requests are refused, so clients fall back to
//! plain connections: listen on loopback, or put a TLS proxy in front.
//!
//! Every connection reads through a sandboxed DuckDB connection (see
//! `session.rs`); `sql.rs` answers the session commands clients send and
//! refuses what the sandbox would, with reasons in Chinese and English.

mod encode;
pub mod session;
pub mod sql;

use async_trait::async_trait;
use futures::Sink;
use futures::stream;
use pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use pgwire::api::auth::{AuthSource, DefaultServerParameterProvider, LoginInfo, Password};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, DescribeStatementResponse, FieldInfo, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{NoopQueryParser, StoredStatement};
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireServerHandlers, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::tokens::{Role, TokenCache};
use session::{Answer, Limits, Session, Warehouse};
use sql::Plan;

/// Seconds a statement may run, unless `--pg-timeout` says otherwise.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Rows a statement may return, unless `--pg-max-rows` says otherwise.
pub const DEFAULT_MAX_ROWS: usize = 1_000_000;

/// How the endpoint runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub root: PathBuf,
    pub addr: SocketAddr,
    pub limits: Limits,
}

impl Settings {
    pub fn new(root: PathBuf, addr: SocketAddr) -> Settings {
        Settings {
            root,
            addr,
            limits: Limits {
                timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
                max_rows: DEFAULT_MAX_ROWS,
            },
        }
    }
}

/// What every connection shares.
struct Shared {
    warehouse: Arc<Warehouse>,
    tokens: TokenCache,
    limits: Limits,
}

/// Serves until SIGINT or SIGTERM, on a runtime of its own (the portal,
/// when it runs beside it, has another). `ready` is told the address bound.
pub fn serve(settings: Settings, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    // No warehouse yet is not fatal: each statement says so until a build.
    crate::serving::runtime(&settings.root)?.block_on(async move {
        let (listener, addr) = crate::serving::listen(settings.addr).await?;
        let shared = Arc::new(Shared {
            warehouse: Arc::new(Warehouse::new(&settings.root)),
            tokens: TokenCache::new(&settings.root),
            limits: settings.limits,
        });
        ready(addr);
        let shutdown = crate::serving::shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                accepted = listener.accept() => {
                    let Ok((socket, _)) = accepted else { continue };
                    let handlers = Arc::new(Handlers::new(shared.clone()));
                    tokio::spawn(async move {
                        let _ = pgwire::tokio::process_socket(socket, None, handlers).await;
                    });
                }
            }
        }
    })
}

/// A password is a live province token; the user name is not checked.
#[derive(Debug)]
struct ProvinceTokens(Arc<Shared>);

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

fn user_error(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_owned(),
        code.to_owned(),
        message,
    )))
}

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
        let user = login.user().unwrap_or_default().to_owned();
        let secret = String::from_utf8_lossy(presented);
        match self.0.tokens.verify(secret.trim()) {
            Some(t) if t.role == Role::Province => Ok(None),
            Some(_) => Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                "FATAL".to_owned(),
                "28000".to_owned(),
                "单位令牌不能查询仓库，请使用省级令牌 / a unit clerk's token cannot query the \
                 warehouse: use a province token (taizhang token add --role province)"
                    .to_owned(),
            )))),
            None => {
                // Slow down guessing; a token has 160 random bits anyway.
                tokio::time::sleep(Duration::from_millis(300)).await;
                Err(PgWireError::InvalidPassword(user))
            }
        }
    }
}

/// One connection's handlers, with its session.
struct Handlers {
    backend: Arc<Backend>,
    startup:
        Arc<CleartextPasswordAuthStartupHandler<ProvinceTokens, DefaultServerParameterProvider>>,
}

impl Handlers {
    fn new(shared: Arc<Shared>) -> Handlers {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = "16.0 (taizhang)".to_owned();
        parameters.time_zone = "Asia/Shanghai".to_owned();
        parameters.default_transaction_read_only = true;
        Handlers {
            startup: Arc::new(CleartextPasswordAuthStartupHandler::new(
                ProvinceTokens(shared.clone()),
                parameters,
            )),
            backend: Arc::new(Backend {
                session: Arc::new(Mutex::new(Session::new(shared.warehouse.clone()))),
                limits: shared.limits,
                parser: Arc::new(NoopQueryParser::new()),
                described: Mutex::new(None),
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

    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }
}

/// A result computed to describe a portal, kept for its Execute.
struct Described {
    key: (String, Vec<Option<Vec<u8>>>),
    answer: Answer,
}

struct Backend {
    session: Arc<Mutex<Session>>,
    limits: Limits,
    parser: Arc<NoopQueryParser>,
    described: Mutex<Option<Described>>,
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

/// What one statement came to.
enum Outcome {
    Rows(Answer),
    Tag(Response),
}

impl Backend {
    /// Runs one statement (after [`sql::plan`]) with `params`, in a blocking
    /// thread, interrupted when it passes the time limit.
    async fn execute(
        &self,
        statement: &str,
        params: Vec<duckdb::types::Value>,
    ) -> PgWireResult<Outcome> {
        if sql::split(statement).len() > 1 {
            return Err(user_error(
                "42601",
                "一次只能预备一条语句 / cannot insert multiple commands into a prepared statement"
                    .to_owned(),
            ));
        }
        let plan = sql::plan(statement);
        let sql = match plan {
            Plan::Empty => return Ok(Outcome::Tag(Response::EmptyQuery)),
            Plan::Begin => {
                // No warehouse yet: the transaction's first statement says so.
                let _ = self.on_session(Session::begin_transaction).await?;
                return Ok(Outcome::Tag(Response::TransactionStart(Tag::new("BEGIN"))));
            }
            Plan::Commit => {
                self.lock().end_transaction();
                return Ok(Outcome::Tag(Response::TransactionEnd(Tag::new("COMMIT"))));
            }
            Plan::Rollback => {
                self.lock().end_transaction();
                return Ok(Outcome::Tag(Response::TransactionEnd(Tag::new("ROLLBACK"))));
            }
            Plan::Set => return Ok(Outcome::Tag(Response::Execution(Tag::new("SET")))),
            Plan::Show(name) => {
                let value = sql::show(&name).ok_or_else(|| {
                    user_error(
                        "42704",
                        format!(
                            "没有设置 {name} / unrecognized configuration parameter \"{name}\""
                        ),
                    )
                })?;
                return Ok(Outcome::Rows(show_answer(&name, value)));
            }
            Plan::Refuse(why) => return Err(user_error("42501", why)),
            Plan::Run(sql) => sql,
        };
        let interrupt = self
            .on_session(Session::interrupt_handle)
            .await?
            .map_err(|e| user_error("58000", e.to_string()))?;
        let session = self.session.clone();
        let max_rows = self.limits.max_rows;
        let mut task = tokio::task::spawn_blocking(move || {
            let mut s = session.lock().unwrap_or_else(|e| e.into_inner());
            s.run(&sql, &params, max_rows)
        });
        let joined = match tokio::time::timeout(self.limits.timeout, &mut task).await {
            Ok(joined) => joined,
            Err(_) => {
                interrupt.interrupt();
                let _ = task.await;
                return Err(user_error(
                    "57014",
                    format!(
                        "查询超时（{} 秒）/ canceling statement due to statement timeout ({} s)",
                        self.limits.timeout.as_secs(),
                        self.limits.timeout.as_secs()
                    ),
                ));
            }
        };
        let answer = joined
            .map_err(|e| user_error("XX000", e.to_string()))?
            .map_err(duckdb_error)?;
        Ok(Outcome::Rows(answer))
    }

    /// Runs `f` on the session in a blocking thread: it may open the
    /// warehouse file (and set up the connection's catalog), which must not
    /// hold up the runtime's other connections.
    async fn on_session<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> PgWireResult<T> {
        let session = self.session.clone();
        tokio::task::spawn_blocking(move || {
            f(&mut session.lock().unwrap_or_else(|e| e.into_inner()))
        })
        .await
        .map_err(|e| user_error("XX000", e.to_string()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A DuckDB error as PostgreSQL's: refusals by the sandbox get SQLSTATE
/// 42501 (insufficient privilege) and a Chinese lead.
fn duckdb_error(e: Error) -> PgWireError {
    let text = e.to_string();
    let refused = [
        "Permission Error",
        "read-only",
        "lock_configuration",
        "disabled through configuration",
    ];
    if refused.iter().any(|r| text.contains(r)) {
        return user_error(
            "42501",
            format!("只读端点不允许此操作 / not allowed on the read-only endpoint: {text}"),
        );
    }
    if text.contains("Catalog Error") {
        return user_error("42P01", text);
    }
    if matches!(e, Error::Usage(_)) {
        return user_error("54000", text);
    }
    user_error("42000", text)
}

fn show_answer(name: &str, value: &str) -> Answer {
    use arrow::array::StringArray;
    use arrow::datatypes::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(vec![Field::new(name, DataType::Utf8, false)]));
    let batch = arrow::array::RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec![value]))],
    )
    .expect("one column of one row");
    Answer {
        schema,
        batches: vec![batch],
    }
}

fn query_response(answer: &Answer, format: &Format) -> PgWireResult<QueryResponse> {
    let fields: Arc<Vec<FieldInfo>> = Arc::new(encode::fields(&answer.schema, format));
    let rows = encode::rows(&answer.batches, &fields)?;
    Ok(QueryResponse::new(
        fields,
        stream::iter(rows.into_iter().map(Ok)),
    ))
}

fn respond(outcome: Outcome, format: &Format) -> PgWireResult<Response> {
    match outcome {
        Outcome::Tag(r) => Ok(r),
        Outcome::Rows(answer) => Ok(Response::Query(query_response(&answer, format)?)),
    }
}

#[async_trait]
impl SimpleQueryHandler for Backend {
    async fn do_query<C>(&self, _client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut out = Vec::new();
        for statement in sql::split(query) {
            // PostgreSQL stops a multi-statement query at its first error.
            match self.execute(&statement, Vec::new()).await {
                Ok(outcome) => out.push(respond(outcome, &Format::UnifiedText)?),
                Err(PgWireError::UserError(info)) => {
                    out.push(Response::Error(info));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if out.is_empty() {
            out.push(Response::EmptyQuery);
        }
        Ok(out)
    }
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

    async fn do_query<C>(
        &self,
        _client: &mut C,
        portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let key = portal_key(portal);
        let cached = {
            let mut described = self.described.lock().unwrap_or_else(|e| e.into_inner());
            match described.take() {
                Some(d) if d.key == key => Some(d.answer),
                _ => None,
            }
        };
        let outcome = match cached {
            Some(answer) => Outcome::Rows(answer),
            None => {
                self.execute(&portal.statement.statement, parameters(portal)?)
                    .await?
            }
        };
        respond(outcome, &portal.result_column_format)
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
        // The columns before any parameter is known: run it with NULLs.
        let count = sql::parameter_count(&target.statement).max(target.parameter_types.len());
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
        let nulls = vec![duckdb::types::Value::Null; count];
        let fields = match self.execute(&target.statement, nulls).await? {
            Outcome::Rows(answer) => encode::fields(&answer.schema, &Format::UnifiedText),
            Outcome::Tag(_) => Vec::new(),
        };
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
        // The columns come from running it; the answer is kept for Execute.
        let outcome = self
            .execute(&portal.statement.statement, parameters(portal)?)
            .await?;
        match outcome {
            Outcome::Rows(answer) => {
                let fields = encode::fields(&answer.schema, &portal.result_column_format);
                *self.described.lock().unwrap_or_else(|e| e.into_inner()) = Some(Described {
                    key: portal_key(portal),
                    answer,
                });
                Ok(DescribePortalResponse::new(fields))
            }
            Outcome::Tag(_) => Ok(DescribePortalResponse::new(Vec::new())),
        }
    }
}
