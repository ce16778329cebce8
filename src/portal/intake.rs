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
//! 3. the committer archives the upload's files and writes their rows under
//!    the lock in one batch, with whatever else is ready ([`super::commit`]):
//!    a form's files are visible all together or not at all, as the files of
//!    one `taizhang ingest` are. The upload is answered only once that batch
//!    is committed (a batch of several uploads that fails is tried again
//!    upload by upload, so one upload's error fails only that upload);
//! 4. each file's record and annotated workbook are kept
//!    ([`super::records`]), still on its reader, outside the lock.
//!
//! The reader is held until the answer, so memory holds at most `readers`
//! uploads (each at most `[portal] files_per_upload` files) being read or
//! waiting for their commit.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// One permit per unit; a unit's entry is dropped once no upload of it
    /// is in flight.
    units: Mutex<HashMap<String, Arc<Semaphore>>>,
    known: Arc<KnownCache>,
    pub quota: Quota,
}

impl Intake {
    /// The intake of the workspace `ws` (at `root`), committing with `committer`.
    pub fn new(root: &Path, ws: Arc<Workspace>, committer: Committer) -> Intake {
        let limits = ws.config.portal;
        Intake {
            readers: Arc::new(Semaphore::new(limits.reader_count())),
            units: Mutex::default(),
            known: Arc::default(),
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
        turn.acquire_owned()
            .await
            .map_err(|e| Refusal::Internal(e.to_string()))
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
        let _reader = self
            .readers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Refusal::Internal(e.to_string()))?;
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
                            let (ws, caller) = (self.ws.clone(), caller.clone());
                            tokio::task::spawn_blocking(move || {
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
