//! One uploaded file from the spool to its answer, so that no client's file
//! can hold back another's:
//!
//! 1. the unit's quota is checked against the file's size;
//! 2. the file waits for its unit's turn (one file per unit is read at a
//!    time) and then for one of `[portal] readers`: a unit's slow file holds
//!    at most one reader, and every other unit still has the rest;
//! 3. it is hashed and parsed off the async threads, without the writer
//!    lock ([`service::prepare`]);
//! 4. the committer archives it and writes its rows under the lock, with
//!    whatever else is ready ([`super::commit`]), and the upload is answered
//!    only once that batch is committed (a batch that fails is tried again
//!    file by file, so one file's error fails only that file);
//! 5. its record and annotated workbook are kept ([`super::records`]), still
//!    on its reader, outside the lock.
//!
//! The reader is held until the answer, so memory holds at most `readers`
//! files being read or waiting for their commit.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::auth::Caller;
use super::commit::Failure;
use super::quota::Quota;
use super::records;
use super::refusal::Refusal;
use super::upload::{Said, Spooled};
use super::{Shared, upload};
use crate::ingest::SubmissionResult;
use crate::ingest::{FileOutcome, Input, Options, Prepared};
use crate::lake::{KnownFiles, Lake};
use crate::service;

pub struct Intake {
    readers: Arc<Semaphore>,
    /// One permit per unit; a unit's entry is dropped once no upload of it
    /// is in flight.
    units: Mutex<HashMap<String, Arc<Semaphore>>>,
    known: KnownCache,
    pub quota: Quota,
}

impl Intake {
    pub fn new(root: &Path, limits: &crate::config::Portal) -> Intake {
        Intake {
            readers: Arc::new(Semaphore::new(limits.reader_count())),
            units: Mutex::default(),
            known: KnownCache::default(),
            quota: Quota::new(root, limits),
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

    /// Reads, commits and keeps one spooled upload; what the uploader is told.
    pub async fn submit(
        &self,
        app: &Shared,
        file: Spooled,
        said: &Said,
        caller: &Caller,
    ) -> Result<SubmissionResult, Refusal> {
        self.quota.check(caller, file.size)?;
        let _hold = app.committer.hold();
        // A province token's upload naming no unit takes the province's turn.
        let _unit = self
            .unit_turn(said.region.as_deref().unwrap_or(&caller.region))
            .await?;
        // Checked again in the unit's turn: another upload of the unit may
        // have been archived while this one waited.
        self.quota.check(caller, file.size)?;
        let _reader = self
            .readers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        let (input, opts) = upload::received(&file, said).into_input(false);
        let prepared = prepare(app, &input, &opts).await?;
        let committed = match app
            .committer
            .commit(input.clone(), prepared, opts.clone(), false)
            .await
        {
            Ok(committed) => committed,
            Err(Failure::Refused(refusal)) => return Err(refusal),
            // Its batch failed, maybe for another file: this one alone
            // (read again: the first reading went into the failed batch).
            Err(Failure::Group) => {
                let prepared = prepare(app, &input, &opts).await?;
                match app.committer.commit(input, prepared, opts, true).await {
                    Ok(committed) => committed,
                    Err(Failure::Refused(refusal)) => return Err(refusal),
                    Err(Failure::Group) => {
                        return Err(Refusal::Internal("a batch of one failed as a group".into()));
                    }
                }
            }
        };
        if matches!(committed.file.outcome, FileOutcome::Read { .. }) {
            self.quota.add(caller, file.size);
        }
        let (app, caller) = (app.clone(), caller.clone());
        let told = tokio::task::spawn_blocking(move || records::keep(&app.ws, &caller, &committed))
            .await
            .map_err(|e| Refusal::Internal(format!("keeping an upload's result: {e}")))?;
        drop(file);
        Ok(told)
    }
}

/// Hashes and parses an upload off the async threads, without the lock.
async fn prepare(app: &Shared, input: &Input, opts: &Options) -> Result<Prepared, Refusal> {
    let (app, input, opts) = (app.clone(), input.clone(), opts.clone());
    tokio::task::spawn_blocking(move || {
        let known = app.intake.known.get(&app.ws.lake());
        service::prepare(&app.ws, &input, &opts, &known)
    })
    .await
    .map_err(|e| Refusal::Internal(format!("reading an upload: {e}")))
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
                let known = Arc::new(known);
                *last = changed.map(|at| (at, known.clone()));
                known
            }
            // Read mid-compaction, say: parse, and let the commit decide.
            Err(_) => Arc::default(),
        }
    }
}
