//! One upload — the files of one form, or the one file of an API call — from
//! the spool to its answer, so that no client's upload can hold back
//! another's:
//!
//! 1. the upload waits for its unit's turn (one upload per unit is read at a
//!    time) and then for one of `[portal] readers`: a unit's slow file holds
//!    at most one reader, and every other unit still has the rest;
//! 2. each file in turn is checked against the unit's quota (the form's
//!    earlier files counted) and hashed and parsed off the async threads,
//!    without the writer lock ([`service::prepare`]); a file over the quota
//!    is refused on its own, and the others go on;
//! 3. the reading waits for room in `[portal] queue_mb` and then lets its
//!    reader go, so the reader takes the next upload while this one waits
//!    for its commit;
//! 4. the committer archives the upload's files and writes their rows under
//!    the lock in one batch, with whatever else is ready ([`super::commit`]):
//!    a form's files are visible all together or not at all, as the files of
//!    one `taizhang ingest` are. The upload is answered only once that batch
//!    is committed (a batch of several uploads that fails is tried again
//!    upload by upload, so one upload's error fails only that upload);
//! 5. each file's record and annotated workbook are kept
//!    ([`super::records`]), outside the lock, and flushed to disk with
//!    whatever other uploads kept meanwhile; only then is the upload
//!    answered and its room in the queue given back.
//!
//! Memory thus holds at most `readers` uploads being read (each at most
//! `[portal] files_per_upload` files), `queue_mb` of readings waiting for
//! or in their commit, and `readers` annotated workbooks being rendered
//! (one upload's files at a time each). An upload whose client hangs up
//! gives its room back at once, though its batch may still be committing:
//! the committer's queue holds such readings beyond `queue_mb` until their
//! batch ends. Letting the reader go before the commit is what makes
//! a burst's uploads share their batches: while one batch is committed the
//! readers read on, and the next batch takes everything read meanwhile. (A
//! reader held until the answer made every upload a batch of its own once
//! the readers were as many as the uploads being committed.)

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

use super::auth::Caller;
use super::commit::Committer;
use super::commit::{self, Failure};
use super::quota::Quota;
use super::records;
use super::refusal::Refusal;
use super::upload;
use super::upload::{Said, Spooled};
use crate::ingest::SubmissionResult;
use crate::ingest::{FileOutcome, Input, Options, Prepared};
use crate::lake::{KnownFiles, Lake};
use crate::service;
use crate::workspace::Workspace;

pub struct Intake {
    ws: Arc<Workspace>,
    committer: Committer,
    readers: Arc<Semaphore>,
    room: Room,
    /// As many as the readers: the records and annotated workbooks being
    /// written at once (a batch of 64 uploads answered together would
    /// otherwise render 64 workbooks at once). Taken only while holding
    /// room, and never while waiting for anything else.
    keepers: Arc<Semaphore>,
    /// One permit per unit; a unit's entry is dropped once no upload of it
    /// is in flight.
    units: Mutex<HashMap<String, Arc<Semaphore>>>,
    known: Arc<KnownCache>,
    /// Flushes the records kept, once for the uploads kept meanwhile.
    flush: Arc<crate::fsutil::GroupSync>,
    pub quota: Quota,
}

impl Intake {
    /// The intake of the workspace `ws` (at `root`), committing with `committer`.
    pub fn new(root: &Path, ws: Arc<Workspace>, committer: Committer) -> Intake {
        let limits = ws.config.portal;
        Intake {
            readers: Arc::new(Semaphore::new(limits.reader_count())),
            room: Room::new(limits.queue_mb),
            keepers: Arc::new(Semaphore::new(limits.reader_count())),
            units: Mutex::default(),
            known: Arc::default(),
            flush: Arc::default(),
            quota: Quota::new(root, &limits),
            ws,
            committer,
        }
    }

    async fn unit_turn(&self, unit: &str) -> Result<OwnedSemaphorePermit, Refusal> {
        let turn = {
            let mut units = self.units.lock().unwrap_or_else(|e| e.into_inner());
            // Units with nothing in flight are forgotten (only this map
            // holds their semaphore then).
            units.retain(|_, s| Arc::strong_count(s) > 1);
            units
                .entry(unit.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone()
        };
        turn.acquire_owned().await.map_err(internal)
    }

    /// Reads, commits and keeps one spooled file; what the uploader is told.
    pub async fn submit(
        &self,
        file: Spooled,
        said: &Said,
        caller: &Caller,
    ) -> Result<SubmissionResult, Refusal> {
        self.quota.check(caller, file.size)?;
        let (_, told) = self
            .submit_form(vec![file], said, caller)
            .await?
            .pop()
            .expect("one answer per file");
        told
    }

    /// Reads the spooled files of one form, commits them as one batch and
    /// keeps each; what the uploader is told of each file, in order, with
    /// its name. A file over the unit's quota is refused on its own; a batch
    /// that fails refuses every file of the form (none of them is kept).
    pub async fn submit_form(
        &self,
        files: Vec<Spooled>,
        said: &Said,
        caller: &Caller,
    ) -> Result<Vec<(String, Result<SubmissionResult, Refusal>)>, Refusal> {
        let _hold = self.committer.hold();
        // A province token's upload naming no unit takes the province's turn.
        let _unit = self
            .unit_turn(said.region.as_deref().unwrap_or(&caller.region))
            .await?;
        let reader = self.reader().await?;
        // Checked in the unit's turn (another upload of the unit may have
        // been archived while this one waited), the form's earlier files
        // counted as if kept.
        let mut told: Vec<Option<Result<SubmissionResult, Refusal>>> = Vec::new();
        let mut read = Vec::new();
        let mut sizes = Vec::new();
        let (mut pending_files, mut pending_bytes) = (0, 0);
        let mut opts = None;
        for file in &files {
            if let Err(refusal) =
                self.quota
                    .check_pending(caller, (pending_files, pending_bytes), file.size)
            {
                told.push(Some(Err(refusal)));
                continue;
            }
            pending_files += 1;
            pending_bytes += file.size;
            let (input, options) = upload::received(file, said).into_input(false);
            let prepared = self.prepare(&input, &options).await?;
            opts = Some(options);
            read.push((input, prepared));
            sizes.push(file.size);
            told.push(None);
        }
        let held = read.iter().map(|(_, p)| p.held_bytes()).sum();
        let _room = self.room.take(held).await.map_err(internal)?;
        drop(reader);
        let committed = match opts {
            None => Vec::new(),
            Some(opts) => self.commit_form(read, opts).await?,
        };
        let mut committed = committed.into_iter().zip(sizes);
        let mut answers = Vec::with_capacity(files.len());
        for (file, told) in files.iter().zip(told) {
            let answer = match told {
                Some(refused) => refused,
                None => {
                    let (answer, size) = committed.next().expect("one answer per file read");
                    match answer {
                        Ok(committed) => {
                            if matches!(committed.file.outcome, FileOutcome::Read { .. }) {
                                self.quota.add(caller, size);
                            }
                            let keeper = self
                                .keepers
                                .clone()
                                .acquire_owned()
                                .await
                                .map_err(internal)?;
                            let (ws, caller) = (self.ws.clone(), caller.clone());
                            tokio::task::spawn_blocking(move || {
                                let _keeper = keeper;
                                records::keep(&ws, &caller, &committed)
                            })
                            .await
                            .map_err(|e| {
                                Refusal::Internal(format!("keeping an upload's result: {e}"))
                            })
                        }
                        Err(refusal) => Err(refusal),
                    }
                }
            };
            answers.push((file.name.clone(), answer));
        }
        drop(files);
        // The records and workbooks just kept, made durable before anyone
        // is told of them (the upload itself was by its commit). Keeping
        // them is the best the portal can do for the clerk, not part of the
        // commit: a flush that fails is logged, as a record that cannot be
        // written is ([`records::keep`]).
        if answers.iter().any(|(_, answer)| answer.is_ok()) {
            let (flush, root) = (self.flush.clone(), self.ws.root.clone());
            let flushed = tokio::task::spawn_blocking(move || flush.sync(&root))
                .await
                .map_err(|e| Refusal::Internal(format!("flushing an upload's result: {e}")))?;
            if let Err(e) = flushed {
                eprintln!("portal: the results just kept may not survive a power cut: {e}");
            }
        }
        Ok(answers)
    }

    /// Commits the read files of one form as one batch; a batch that failed
    /// with others' files is tried again alone (read again: the first
    /// reading went into the failed batch).
    async fn commit_form(
        &self,
        read: Vec<(Input, Prepared)>,
        opts: Options,
    ) -> Result<Vec<commit::Answer>, Refusal> {
        let inputs: Vec<Input> = read.iter().map(|(input, _)| input.clone()).collect();
        match self.committer.commit(read, opts.clone(), false).await {
            Ok(answers) => Ok(answers),
            Err(Failure::Refused(refusal)) => Err(refusal),
            Err(Failure::Group) => {
                // Read again without a reader: the room this upload holds
                // covers the reading that went into the failed batch, and
                // waiting for a reader while holding room could wait for
                // ever (the readers wait for room).
                let mut again = Vec::with_capacity(inputs.len());
                for input in inputs {
                    let prepared = self.prepare(&input, &opts).await?;
                    again.push((input, prepared));
                }
                match self.committer.commit(again, opts, true).await {
                    Ok(answers) => Ok(answers),
                    Err(Failure::Refused(refusal)) => Err(refusal),
                    Err(Failure::Group) => Err(Refusal::Internal(
                        "a batch of one upload failed as a group".into(),
                    )),
                }
            }
        }
    }

    async fn reader(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        self.readers.clone().acquire_owned().await.map_err(internal)
    }

    /// Hashes and parses an upload off the async threads, without the lock.
    async fn prepare(&self, input: &Input, opts: &Options) -> Result<Prepared, Refusal> {
        let (ws, known, input, opts) = (
            self.ws.clone(),
            self.known.clone(),
            input.clone(),
            opts.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let known = known.get(&ws.lake());
            service::prepare(&ws, &input, &opts, &known)
        })
        .await
        .map_err(|e| Refusal::Internal(format!("reading an upload: {e}")))
    }
}

fn internal(e: AcquireError) -> Refusal {
    Refusal::Internal(e.to_string())
}

/// Room for readings waiting for their commit (`[portal] queue_mb`),
/// counted in KiB: a reading takes room for what it holds
/// ([`crate::ingest::Prepared::held_bytes`]), at most all of it, and gives
/// it back once answered. Waiters are served in turn, so a large upload is
/// not passed over by small ones forever.
struct Room {
    kib: u32,
    permits: Arc<Semaphore>,
}

impl Room {
    fn new(mb: u64) -> Room {
        let kib = mb
            .saturating_mul(1024)
            .clamp(1, u64::from(u32::MAX).min(Semaphore::MAX_PERMITS as u64))
            as u32;
        Room {
            kib,
            permits: Arc::new(Semaphore::new(kib as usize)),
        }
    }

    async fn take(&self, bytes: u64) -> Result<OwnedSemaphorePermit, AcquireError> {
        let kib = bytes.div_ceil(1024).clamp(1, u64::from(self.kib)) as u32;
        self.permits.clone().acquire_many_owned(kib).await
    }
}

/// The lake's known files as last read, read again when a batch committed
/// since (the markers' folder changed). Only saves reading a file the lake
/// already holds: the commit decides again with the lake as it then is.
#[derive(Default)]
struct KnownCache {
    last: Mutex<Option<(SystemTime, Arc<KnownFiles>)>>,
}

impl KnownCache {
    fn get(&self, lake: &Path) -> Arc<KnownFiles> {
        let lake = Lake::new(lake);
        let changed = std::fs::metadata(lake.batches_dir())
            .and_then(|m| m.modified())
            .ok();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(at), Some((seen, known))) = (changed, last.as_ref())
            && at == *seen
        {
            return known.clone();
        }
        match lake.known_files() {
            Ok(known) => {
                *last = changed.map(|at| (at, known.clone()));
                known
            }
            // Read mid-compaction, say: parse, and let the commit decide.
            Err(_) => Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    async fn waits(room: &Room, bytes: u64) -> bool {
        tokio::time::timeout(Duration::from_millis(50), room.take(bytes))
            .await
            .is_err()
    }

    #[test]
    fn a_reading_waits_for_room_until_earlier_ones_are_answered() {
        runtime().block_on(async {
            let room = Room::new(1);
            let first = room.take(600 << 10).await.unwrap();
            assert!(waits(&room, 600 << 10).await, "1.2 MB held in a 1 MB queue");
            let second = room.take(424 << 10).await.unwrap();
            assert!(waits(&room, 1).await, "the queue is full");
            drop(first);
            let third = room.take(600 << 10).await.unwrap();
            drop((second, third));
        });
    }

    #[test]
    fn a_reading_larger_than_the_queue_waits_to_be_the_only_one() {
        runtime().block_on(async {
            let room = Room::new(1);
            let small = room.take(1).await.unwrap();
            assert!(waits(&room, 50 << 20).await, "beside another reading");
            drop(small);
            let large = room.take(50 << 20).await.unwrap();
            assert!(waits(&room, 1).await, "the large one fills the queue");
            drop(large);
            // Nothing read holds no room to speak of, but still takes a turn.
            drop(room.take(0).await.unwrap());
        });
    }
}
