//! One statement run on a blocking thread, its rows sent to the client as
//! DuckDB produces them: a chunk is fetched, encoded row by row, and handed
//! over a small bounded channel, so the endpoint holds a few chunks per
//! connection however large the result (it used to hold the result twice,
//! as Arrow and as PostgreSQL rows, before sending a byte). A row goes out
//! as a query's row or as a line of `COPY … TO STDOUT` ([`Shape`]), under
//! the same limits.
//!
//! The limits are counted as rows are encoded: past `max_rows` rows or
//! `max_result_bytes` bytes, or `timeout` seconds (sending included), the run
//! stops, DuckDB is interrupted, and the client gets an error after the rows
//! it already has: a result is refused, never cut short silently.

use futures::Stream;
use pgwire::api::portal::Format;
use pgwire::api::results::FieldInfo;
use pgwire::error::PgWireError;
use pgwire::messages::data::DataRow;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};

use super::duck::Interrupter;
use super::encode;
use super::failure::Failure;
use super::session::{Accept, Event, Limits, Ran, Session};

/// What each encoded row becomes on the wire, made on the DuckDB thread.
pub trait Shape: Send + 'static {
    type Item: Send + 'static;
    /// The text a statement given this shape may be.
    const ACCEPT: Accept;
    /// Told the result's columns before the first row.
    fn columns(&mut self, fields: &Arc<Vec<FieldInfo>>) -> Result<(), Failure>;
    fn item(&mut self, row: DataRow) -> Self::Item;
    /// The bytes `item` takes on the wire, counted against `max_result_bytes`.
    fn wire_size(item: &Self::Item) -> u64;
}

/// A query's rows, sent as they are.
pub struct DataRows;

impl Shape for DataRows {
    type Item = DataRow;
    const ACCEPT: Accept = Accept::Statement;

    fn columns(&mut self, _: &Arc<Vec<FieldInfo>>) -> Result<(), Failure> {
        Ok(())
    }

    fn item(&mut self, row: DataRow) -> DataRow {
        row
    }

    fn wire_size(row: &DataRow) -> u64 {
        encode::wire_size(row)
    }
}

/// Encoded rows sent to the client in groups of about this many bytes.
const GROUP_BYTES: u64 = 256 * 1024;
/// Groups waiting between the DuckDB thread and the client's socket.
const GROUPS_IN_FLIGHT: usize = 4;

/// Why a run stops before its end (the first reason given wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Another statement on the connection, or the client went away.
    Cancelled,
    TimedOut,
    /// It ended by itself.
    Finished,
}

/// What a run and the ones who may stop it share.
pub struct Control {
    stop: watch::Sender<Option<Stop>>,
    engine: Mutex<EngineState>,
}

/// Whether DuckDB is inside the run's statement, and so may be interrupted.
#[derive(Default)]
struct EngineState {
    interrupter: Option<Interrupter>,
    running: bool,
}

impl Control {
    pub fn new() -> Arc<Control> {
        Arc::new(Control {
            stop: watch::channel(None).0,
            engine: Mutex::new(EngineState::default()),
        })
    }

    fn reason(&self) -> Option<Stop> {
        *self.stop.borrow()
    }

    /// Stops the run for `why`, interrupting DuckDB if it is running it.
    ///
    /// The interrupt is sent again every 50 ms until the run leaves DuckDB:
    /// DuckDB clears a pending interrupt as a statement begins, so one sent
    /// between `enter` and that moment was lost, and the statement ran on
    /// past its timeout (an aggregate returns no chunk to check between).
    pub fn stop(self: &Arc<Self>, why: Stop) {
        let first = self.stop.send_if_modified(|s| match s {
            None => {
                *s = Some(why);
                true
            }
            Some(_) => false,
        });
        if !first || why == Stop::Finished || !self.interrupt_if_running() {
            return;
        }
        let me = Arc::clone(self);
        let _ = std::thread::Builder::new()
            .name("taizhang-pg-interrupt".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    if !me.interrupt_if_running() {
                        break;
                    }
                }
            });
    }

    /// Interrupts DuckDB if the run is inside it; whether it was.
    fn interrupt_if_running(&self) -> bool {
        let engine = self.engine.lock().unwrap_or_else(|e| e.into_inner());
        match (&engine.interrupter, engine.running) {
            (Some(interrupter), true) => {
                interrupter.interrupt();
                true
            }
            _ => false,
        }
    }

    /// The run enters DuckDB; false if it was stopped before.
    fn enter(&self, interrupter: Interrupter) -> bool {
        let mut engine = self.engine.lock().unwrap_or_else(|e| e.into_inner());
        if self.reason().is_some() {
            return false;
        }
        engine.interrupter = Some(interrupter);
        engine.running = true;
        true
    }

    /// The run leaves DuckDB: no interrupt is sent for it after this, so
    /// none can reach the connection's next statement.
    fn leave(&self) {
        let mut engine = self.engine.lock().unwrap_or_else(|e| e.into_inner());
        engine.running = false;
        engine.interrupter = None;
    }
}

pub fn stopped(why: Stop, limits: &Limits) -> Failure {
    match why {
        Stop::TimedOut => Failure::new(
            "57014",
            format!(
                "查询超时（{} 秒）/ canceling statement due to statement timeout ({} s)",
                limits.timeout.as_secs(),
                limits.timeout.as_secs()
            ),
        ),
        Stop::Cancelled | Stop::Finished => Failure::new(
            "57014",
            "查询已取消：此连接开始了另一条语句 / canceling statement: another statement \
             began on this connection",
        ),
    }
}

/// What a started statement gives.
pub enum Begun<T> {
    Rows(Arc<Vec<FieldInfo>>, RowStream<T>),
    /// A PREPARE, stored; no rows.
    Prepared,
}

/// Runs `sql` with `params` on `session` in a blocking thread, its rows
/// encoded in `format` and shaped by `shape`. Returns once its columns are
/// known (or it failed before any row); its rows follow on the stream.
/// `control` stops it.
pub async fn start<S: Shape>(
    session: Arc<Mutex<Session>>,
    sql: String,
    params: Vec<duckdb::types::Value>,
    format: Format,
    limits: Limits,
    control: Arc<Control>,
    shape: S,
) -> Result<Begun<S::Item>, Failure> {
    let (begun_tx, begun_rx) = oneshot::channel();
    let (rows_tx, rows_rx) = mpsc::channel(GROUPS_IN_FLIGHT);
    // What the stream says after its last row: set by the worker before it
    // lets go of the channel; left as it is, the run did not end well.
    let outcome = Arc::new(Mutex::new(Some(Failure::new(
        "XX000",
        "查询未正常结束 / the statement ended before its result was complete",
    ))));
    let watchdog = control.clone();
    tokio::spawn(async move {
        let mut finished = watchdog.stop.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(limits.timeout) => watchdog.stop(Stop::TimedOut),
            _ = finished.wait_for(Option::is_some) => {}
        }
    });
    let worker = Worker {
        session,
        limits,
        control: control.clone(),
        handle: tokio::runtime::Handle::current(),
        rows_tx,
        outcome: outcome.clone(),
    };
    tokio::task::spawn_blocking(move || worker.run(&sql, &params, &format, shape, begun_tx));
    match begun_rx.await {
        Ok(Ok(Some(fields))) => Ok(Begun::Rows(
            fields,
            RowStream {
                rx: rows_rx,
                outcome,
                control,
            },
        )),
        Ok(Ok(None)) => Ok(Begun::Prepared),
        Ok(Err(failure)) => Err(failure),
        Err(_) => Err(Failure::new(
            "XX000",
            "查询线程意外结束 / the statement's thread ended unexpectedly",
        )),
    }
}

/// Why the row callback stops.
enum Halt {
    /// The client is gone: stop quietly.
    Gone,
    Fail(Failure),
}

impl From<PgWireError> for Halt {
    fn from(e: PgWireError) -> Halt {
        Halt::Fail(Failure::new("XX000", e.to_string()))
    }
}

type BegunSender = oneshot::Sender<Result<Option<Arc<Vec<FieldInfo>>>, Failure>>;

struct Worker<T> {
    session: Arc<Mutex<Session>>,
    limits: Limits,
    control: Arc<Control>,
    handle: tokio::runtime::Handle,
    rows_tx: mpsc::Sender<Vec<T>>,
    outcome: Arc<Mutex<Option<Failure>>>,
}

impl<T: Send + 'static> Worker<T> {
    fn run<S: Shape<Item = T>>(
        self,
        sql: &str,
        params: &[duckdb::types::Value],
        format: &Format,
        mut shape: S,
        begun: BegunSender,
    ) {
        let mut begun = Some(begun);
        let result = {
            let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
            let result = match session.interrupter() {
                Ok(interrupter) if self.control.enter(interrupter.clone()) => {
                    let result =
                        self.stream(&mut session, sql, params, format, &mut shape, &mut begun);
                    self.control.leave();
                    result
                }
                Ok(_) => Err(stopped(
                    self.control.reason().unwrap_or(Stop::Cancelled),
                    &self.limits,
                )),
                Err(failure) => Err(failure),
            };
            // A DuckDB error caused by an interrupt says why it was sent.
            match (result, self.control.reason()) {
                (Err(_), Some(why @ (Stop::TimedOut | Stop::Cancelled))) => {
                    Err(stopped(why, &self.limits))
                }
                (result, _) => result,
            }
        };
        match (result, begun.take()) {
            (Ok(Ran::Prepared), Some(tx)) => {
                let _ = tx.send(Ok(None));
                *self.lock_outcome() = None;
            }
            (Ok(_), _) => *self.lock_outcome() = None,
            (Err(failure), Some(tx)) => {
                let _ = tx.send(Err(failure));
            }
            (Err(failure), None) => *self.lock_outcome() = Some(failure),
        }
        self.control.stop(Stop::Finished);
        // The channel closes here, after the outcome is set.
        drop(self.rows_tx);
    }

    fn lock_outcome(&self) -> std::sync::MutexGuard<'_, Option<Failure>> {
        self.outcome.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stream<S: Shape<Item = T>>(
        &self,
        session: &mut Session,
        sql: &str,
        params: &[duckdb::types::Value],
        format: &Format,
        shape: &mut S,
        begun: &mut Option<BegunSender>,
    ) -> Result<Ran, Failure> {
        let mut fields = Arc::new(Vec::new());
        let (mut rows, mut bytes) = (0usize, 0u64);
        let this = self;
        let mut on = |event: Event| -> Result<bool, Failure> {
            if let Some(why @ (Stop::TimedOut | Stop::Cancelled)) = this.control.reason() {
                return Err(stopped(why, &this.limits));
            }
            match event {
                Event::Columns(schema) => {
                    fields = Arc::new(encode::fields(&schema, format));
                    shape.columns(&fields)?;
                    let told = begun
                        .take()
                        .is_some_and(|tx| tx.send(Ok(Some(fields.clone()))).is_ok());
                    Ok(told)
                }
                Event::Rows(batch) => {
                    let mut group = Vec::new();
                    let mut group_bytes = 0u64;
                    let encoded = encode::each_row(&batch, &fields, |row| {
                        let item = shape.item(row);
                        let size = S::wire_size(&item);
                        rows += 1;
                        bytes += size;
                        this.check(rows, bytes)?;
                        group_bytes += size;
                        group.push(item);
                        if group_bytes >= GROUP_BYTES {
                            group_bytes = 0;
                            this.send(std::mem::take(&mut group))?;
                        }
                        Ok::<(), Halt>(())
                    })
                    .and_then(|()| {
                        if group.is_empty() {
                            Ok(())
                        } else {
                            this.send(group)
                        }
                    });
                    match encoded {
                        Ok(()) => Ok(true),
                        Err(Halt::Gone) => Ok(false),
                        Err(Halt::Fail(failure)) => Err(failure),
                    }
                }
            }
        };
        session.run(sql, params, S::ACCEPT, &mut on)
    }

    fn check(&self, rows: usize, bytes: u64) -> Result<(), Halt> {
        let limits = &self.limits;
        if rows > limits.max_rows {
            return Err(Halt::Fail(Failure::new(
                "54000",
                format!(
                    "结果超过 {max} 行 / the result has more than {max} rows: add a LIMIT or a \
                     WHERE, or export it with taizhang export",
                    max = limits.max_rows
                ),
            )));
        }
        if bytes > limits.max_result_bytes {
            let mb = limits.max_result_bytes / (1024 * 1024);
            return Err(Halt::Fail(Failure::new(
                "54000",
                format!(
                    "结果超过 {mb} MB / the result is larger than {mb} MB ([pg] max_result_mb): \
                     select fewer columns or rows, or export it with taizhang export"
                ),
            )));
        }
        Ok(())
    }

    /// Hands a group to the client's side, waiting while the client reads
    /// slower than DuckDB produces; a stop ends the wait.
    fn send(&self, group: Vec<T>) -> Result<(), Halt> {
        let mut stop = self.control.stop.subscribe();
        let sent = self.handle.block_on(async {
            tokio::select! {
                sent = self.rows_tx.send(group) => sent.is_ok(),
                _ = stop.wait_for(Option::is_some) => false,
            }
        });
        match (sent, self.control.reason()) {
            (true, _) => Ok(()),
            (false, Some(why @ (Stop::TimedOut | Stop::Cancelled))) => {
                Err(Halt::Fail(stopped(why, &self.limits)))
            }
            (false, _) => Err(Halt::Gone),
        }
    }
}

/// The rows of a started statement, as the client's side reads them.
pub struct RowStream<T> {
    rx: mpsc::Receiver<Vec<T>>,
    outcome: Arc<Mutex<Option<Failure>>>,
    control: Arc<Control>,
}

impl<T> Drop for RowStream<T> {
    fn drop(&mut self) {
        // Nobody reads the rest (the client went away, or its portal was
        // dropped): stop DuckDB rather than let it run to the timeout.
        self.control.stop(Stop::Cancelled);
    }
}

impl<T: Send + 'static> RowStream<T> {
    /// The next group of rows; at the end, the run's failure if it had one.
    pub async fn next_group(&mut self) -> Option<Result<Vec<T>, Failure>> {
        match self.rx.recv().await {
            Some(group) => Some(Ok(group)),
            None => self
                .outcome
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .map(Err),
        }
    }

    /// The rows one by one, ending with an error if the run failed.
    pub fn into_stream(
        self,
        to_error: fn(Failure) -> PgWireError,
    ) -> impl Stream<Item = Result<T, PgWireError>> + Send + 'static {
        let pending = Vec::new().into_iter();
        futures::stream::unfold(Some((self, pending)), move |state| async move {
            let (mut rows, mut pending) = state?;
            loop {
                if let Some(row) = pending.next() {
                    return Some((Ok(row), Some((rows, pending))));
                }
                match rows.next_group().await {
                    Some(Ok(group)) => pending = group.into_iter(),
                    Some(Err(failure)) => return Some((Err(to_error(failure)), None)),
                    None => return None,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::duck::Database;
    use std::path::Path;

    #[test]
    fn the_first_reason_wins_and_only_a_running_statement_is_interrupted() {
        let conn = Database::open(Path::new(":memory:"), &[])
            .unwrap()
            .connect()
            .unwrap();
        let long = "select count(*) from range(1000000000000) a";
        let run = |sql: &str| {
            let mut prepared = conn.prepare_one(sql).unwrap();
            prepared.execute().and_then(|mut rows| {
                while rows.next_batch()?.is_some() {}
                Ok(())
            })
        };
        // Stopped while it runs: interrupted, and the first reason stays.
        let control = Control::new();
        assert!(control.enter(conn.interrupter()));
        let stopper = {
            let control = control.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(200));
                control.stop(Stop::TimedOut);
                control.stop(Stop::Cancelled);
            })
        };
        assert!(run(long).is_err());
        stopper.join().unwrap();
        control.leave();
        assert_eq!(control.reason(), Some(Stop::TimedOut));
        // An interrupt that finds the connection idle is not kept for the
        // next statement (DuckDB clears it as each auto-committed statement
        // begins, and the endpoint never opens a DuckDB transaction).
        conn.interrupter().interrupt();
        assert!(run("select count(*) from range(100000)").is_ok());

        // Stopped before it entered DuckDB: it does not start.
        let stopped_first = Control::new();
        stopped_first.stop(Stop::Cancelled);
        assert!(!stopped_first.enter(conn.interrupter()));

        // Ended: a late stop changes nothing.
        let finished = Control::new();
        assert!(finished.enter(conn.interrupter()));
        finished.leave();
        finished.stop(Stop::Finished);
        finished.stop(Stop::Cancelled);
        assert_eq!(finished.reason(), Some(Stop::Finished));
    }
}
