//! The Parquet lake (DESIGN §2): one folder per table and period, parts
//! written atomically, and a commit marker per ingest batch.
//!
//! An ingest writes its parts first and its marker `lake/_batches/<batch>.json`
//! last. A part whose batch has no marker belongs to an ingest that died
//! before committing: readers ignore it and the next writer removes it, so a
//! crash can never count a row twice.

pub mod schema;

use arrow::array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// The folder name of rows whose period is not known.
pub const UNKNOWN_PERIOD: &str = "_unknown";
const BATCHES: &str = "_batches";
/// Where each table's list of live parts is published for other engines.
pub const MANIFESTS: &str = "_manifests";

/// What one committed ingest batch wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchMarker {
    pub batch_id: String,
    pub committed_at: String,
    /// Paths relative to the lake folder.
    pub parts: Vec<String>,
    /// sha256 of every file the batch recorded.
    pub files: Vec<String>,
    /// Parts of earlier batches whose rows this batch's parts now hold (a
    /// compaction); readers skip them and recovery removes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// The files of `files` that were rejected as a whole, each with what
    /// was known of it before it was opened (its hints, as a key): the same
    /// bytes with other hints are read again as a new attempt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<RejectedFile>,
}

/// A file a batch rejected as a whole, and the hints it was read with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct RejectedFile {
    pub sha256: String,
    pub hints: String,
}

/// The files the lake has recorded: accepted ones, and those every attempt
/// at which was rejected, with the hints of each attempt.
#[derive(Debug, Clone, Default)]
pub struct KnownFiles {
    pub accepted: BTreeSet<String>,
    pub rejected: BTreeMap<String, BTreeSet<String>>,
}

impl KnownFiles {
    /// Adds one batch's files: what it accepted, and what it rejected
    /// unless some batch accepted the same bytes (in any order, the same
    /// result as reading every batch at once).
    fn fold(&mut self, batch: &BatchMarker) {
        let rejected: BTreeSet<&str> = batch.rejected.iter().map(|r| r.sha256.as_str()).collect();
        for file in &batch.files {
            if !rejected.contains(file.as_str()) {
                self.rejected.remove(file);
                self.accepted.insert(file.clone());
            }
        }
        for r in &batch.rejected {
            if !self.accepted.contains(&r.sha256) {
                self.rejected
                    .entry(r.sha256.clone())
                    .or_default()
                    .insert(r.hints.clone());
            }
        }
    }

    /// Whether a file with these bytes and hints was read before, and how
    /// it ended: an accepted file is never read again; a rejected one is,
    /// with hints no earlier attempt had.
    pub fn earlier(&self, sha256: &str, hints: &str) -> Option<Earlier> {
        if self.accepted.contains(sha256) {
            Some(Earlier::Accepted)
        } else if self.rejected.get(sha256).is_some_and(|h| h.contains(hints)) {
            Some(Earlier::RejectedWithSameHints)
        } else {
            None
        }
    }

    pub fn len(&self) -> usize {
        self.accepted.len() + self.rejected.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How an earlier read of the same bytes ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earlier {
    Accepted,
    RejectedWithSameHints,
}

/// The lake folder.
#[derive(Debug, Clone)]
pub struct Lake {
    pub root: PathBuf,
}

impl Lake {
    pub fn new(root: impl Into<PathBuf>) -> Lake {
        Lake { root: root.into() }
    }

    /// The folder of batch markers: it changes whenever a batch commits, so
    /// its modification time tells a reader when [`Lake::known_files`] may
    /// have changed.
    pub fn batches_dir(&self) -> PathBuf {
        self.root.join(BATCHES)
    }

    /// The ids of the committed batches, from the markers' names alone
    /// (nothing is parsed: recovery asks this on every lock).
    pub fn committed_ids(&self) -> Result<BTreeSet<String>> {
        let dir = self.root.join(BATCHES);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
            // Not "no batches": recovery would take every part for a dead one's.
            Err(e) => return Err(Error::io(&dir)(e)),
        };
        let mut ids = BTreeSet::new();
        for entry in entries {
            let path = entry.map_err(Error::io(&dir))?.path();
            if path.extension().is_some_and(|e| e == "json")
                && !is_hidden(&path)
                && let Some(id) = path.file_stem()
            {
                ids.insert(id.to_string_lossy().into_owned());
            }
        }
        Ok(ids)
    }

    /// Every committed batch, in batch-id order.
    ///
    /// A marker never changes once committed (it is written whole under its
    /// final name, and a batch's name is a hash of what it holds), so each is
    /// read and parsed once per process and kept ([`MarkerCache`]): the
    /// folder is listed every time, but only markers not seen before are
    /// opened. The portal asks this several times per commit — taking the
    /// lock, the known files, the manifests — and reading every marker each
    /// time made a deadline day's burst quadratic in its batches (issue 36).
    pub fn batches(&self) -> Result<Vec<Arc<BatchMarker>>> {
        let dir = self.root.join(BATCHES);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // No lake (yet, or any more): nothing of it is kept.
                let mut cache = MarkerCache::get();
                cache.by_dir.remove(&dir);
                cache.folded.remove(&dir);
                return Ok(Vec::new());
            }
            // Too many open files, say: not an empty lake, or recovery would
            // remove every part as a dead batch's.
            Err(e) => return Err(Error::io(&dir)(e)),
        };
        let mut listed = Vec::new();
        for entry in entries {
            let entry = entry.map_err(Error::io(&dir))?;
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") && !is_hidden(&path) {
                listed.push((entry.file_name(), file_id(&entry), path));
            }
        }
        let folder = dir_id(&dir).map_err(Error::io(&dir))?;
        let mut out = MarkerCache::read(&dir, folder, listed)?;
        out.sort_by(|a, b| a.batch_id.cmp(&b.batch_id));
        Ok(out)
    }

    /// Every file already recorded in the lake. A marker written before
    /// rejections were listed counts all its files as accepted, as they were
    /// then: never read again.
    ///
    /// Kept between calls like the markers it comes from, and brought up to
    /// date by folding in only the batches committed since.
    pub fn known_files(&self) -> Result<Arc<KnownFiles>> {
        Ok(self.folded()?.known)
    }

    /// What every committed batch adds up to — the known files and the live
    /// parts — kept between calls and brought up to date by folding in only
    /// the batches committed since: a deadline day commits thousands of
    /// batches, and summing them all again at every commit was quadratic.
    fn folded(&self) -> Result<Folded> {
        let batches = self.batches()?;
        let dir = self.root.join(BATCHES);
        let mut cache = MarkerCache::get();
        let folded = cache.folded.entry(dir).or_default();
        let now: BTreeMap<&str, &Arc<BatchMarker>> =
            batches.iter().map(|b| (b.batch_id.as_str(), b)).collect();
        // A batch gone or read anew (a workspace made anew, say): start again.
        let same = |(id, folded): (&String, &Arc<BatchMarker>)| {
            now.get(id.as_str()).is_some_and(|b| Arc::ptr_eq(b, folded))
        };
        if !folded.batches.iter().all(same) {
            *folded = Folded::default();
        }
        for batch in &batches {
            if !folded.batches.contains_key(&batch.batch_id) {
                folded.fold(batch);
            }
        }
        Ok(folded.clone())
    }

    /// Committed parts of one table, as absolute paths in a stable order.
    pub fn parts(&self, table: &str) -> Result<Vec<PathBuf>> {
        let prefix = format!("{table}/");
        let live = self.folded()?.live;
        let parts: Vec<PathBuf> = live
            .range(prefix.clone()..)
            .take_while(|p| p.starts_with(&prefix))
            .map(|p| self.root.join(p))
            .collect();
        Ok(parts)
    }

    /// Merges parts of each (table, period), as `how` says, under a new
    /// batch that replaces them. Every row is kept as it was — submission,
    /// sheet, row and cell — so history and tracing are unchanged; only the
    /// number of files falls. Call under the lock. Returns (groups merged,
    /// parts replaced).
    pub fn compact(&self, how: Compaction) -> Result<(usize, usize)> {
        let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for part in self.folded()?.live.iter() {
            let mut it = part.splitn(3, '/');
            if let (Some(table), Some(period), Some(_)) = (it.next(), it.next(), it.next()) {
                groups
                    .entry((table.to_string(), period.to_string()))
                    .or_default()
                    .push(part.clone());
            }
        }
        let above = match how {
            Compaction::All => 1,
            Compaction::Tiered { above } => above.max(1),
        };
        groups.retain(|_, parts| parts.len() > above);
        if let Compaction::Tiered { .. } = how {
            for parts in groups.values_mut() {
                let sized = parts
                    .iter()
                    .map(|p| {
                        let path = self.root.join(p);
                        let len = fs::metadata(&path).map_err(Error::io(&path))?.len();
                        Ok((p.clone(), len))
                    })
                    .collect::<Result<Vec<_>>>()?;
                *parts = smallest_tier(sized);
            }
        }
        if groups.is_empty() {
            return Ok((0, 0));
        }
        let mut replaces: Vec<String> = groups.values().flatten().cloned().collect();
        replaces.sort();
        let batch_id = format!("compact-{}", batch_id(&replaces));
        let mut writer = BatchWriter::new(self);
        for ((table, period), parts) in &mut groups {
            parts.sort();
            let schemas = parts
                .iter()
                .map(|p| parquet_schema(&self.root.join(p)))
                .collect::<Result<Vec<_>>>()?;
            let target = merged_schema(&schemas);
            for part in parts.iter() {
                for batch in read_parquet(&self.root.join(part))? {
                    writer.append(table, period, &conform(&batch?, &target)?)?;
                }
            }
        }
        let merged = groups.len();
        let replaced = replaces.len();
        writer.commit_replacing(&batch_id, Vec::new(), replaces.clone(), Vec::new())?;
        // The replaced files are dead now; a crash here leaves them for `recover`.
        for part in &replaces {
            let _ = fs::remove_file(self.root.join(part));
        }
        Ok((merged, replaced))
    }

    /// Writes `_manifests/<table>.txt` for every table: its committed parts,
    /// one path per line relative to the lake's folder, sorted. The commit
    /// markers in `_batches/` are taizhang's own protocol; the manifests give
    /// other engines (Spark, Trino, polars, pyarrow) the same answer — which
    /// parts are live — without it: read the files a manifest lists, never
    /// the folder, which can hold the parts of an ingest that died before its
    /// marker or of a compaction not yet cleaned up. Each manifest is replaced
    /// atomically, so a reader sees the old list or the new one.
    pub fn publish_manifests(&self) -> Result<()> {
        self.publish_manifests_of(None)
    }

    /// [`Lake::publish_manifests`] for the tables of `only` (those a commit
    /// changed), or all: a commit lists the parts of its own tables, not
    /// every part of the lake (which, with many small batches waiting for
    /// their compaction, grew with each commit of a burst).
    fn publish_manifests_of(&self, only: Option<&BTreeSet<String>>) -> Result<()> {
        let folded = self.folded()?;
        let tables = match only {
            Some(tables) => tables.clone(),
            None => folded
                .live
                .iter()
                .filter_map(|p| p.split_once('/').map(|(t, _)| t.to_string()))
                .collect(),
        };
        let mut by_table: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for table in tables {
            let prefix = format!("{table}/");
            let parts: Vec<String> = folded
                .live
                .range(prefix.clone()..)
                .take_while(|p| p.starts_with(&prefix))
                .cloned()
                .collect();
            if !parts.is_empty() {
                by_table.insert(table, parts);
            }
        }
        let dir = self.root.join(MANIFESTS);
        let mut written = false;
        // Each table's parts in order already: `live` is sorted.
        for (table, parts) in by_table {
            let mut text = parts.join("\n");
            text.push('\n');
            let path = dir.join(format!("{table}.txt"));
            // Unchanged manifests are left as they are (and their mtimes).
            if fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
                continue;
            }
            // Each replaced whole by a rename; all flushed once below.
            crate::fsutil::write_bytes_unsynced(&path, text.as_bytes())?;
            written = true;
        }
        if written {
            crate::fsutil::sync_filesystem(&self.root).map_err(Error::io(&self.root))?;
        }
        Ok(())
    }

    /// Removes parts no committed batch lists (left by an ingest that died
    /// before its marker) and stale temporary files. Call under the lock.
    pub fn recover(&self) -> Result<usize> {
        let committed: BTreeSet<PathBuf> = self
            .folded()?
            .live
            .iter()
            .map(|p| self.root.join(p))
            .collect();
        let mut removed = crate::fsutil::remove_stale_temporaries(&self.root)?;
        for table_dir in read_dirs(&self.root)? {
            if table_dir
                .file_name()
                .is_some_and(|n| n == BATCHES || n == MANIFESTS)
            {
                continue;
            }
            for period_dir in read_dirs(&table_dir)? {
                for entry in fs::read_dir(&period_dir).map_err(Error::io(&period_dir))? {
                    let path = entry.map_err(Error::io(&period_dir))?.path();
                    if path.extension().is_some_and(|e| e == "parquet")
                        && !committed.contains(&path)
                    {
                        fs::remove_file(&path).map_err(Error::io(&path))?;
                        removed += 1;
                    }
                }
            }
        }
        // A crash between a commit marker and its manifests.
        self.publish_manifests()?;
        Ok(removed)
    }
}

/// An ingest compacts a (table, period) once it has more parts than this: a
/// nightly job that brings a few files at a time would otherwise leave
/// thousands of small files for every scan to open.
pub const AUTO_COMPACT_PARTS: usize = 32;

/// Which parts [`Lake::compact`] merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compaction {
    /// Every (table, period) of more than one part becomes one part
    /// (`taizhang compact`).
    All,
    /// A (table, period) of more than `above` parts has its smallest parts
    /// merged ([`smallest_tier`]), as an ingest does by itself: a row is
    /// rewritten about log₂ of the rows after it times, where merging every
    /// part each time rewrote all the (table, period)'s rows every `above`
    /// batches — quadratic in a deadline burst of one-upload batches.
    Tiered { above: usize },
}

/// The parts to merge of a (table, period), each with its size in bytes:
/// the smallest, and with them each next one no larger than all of those
/// before it together (at least two). What is left has sizes that more than
/// double from one to the next — at most about log₂(largest / smallest) of
/// them — so the parts stay few, and a part is merged again only once as
/// much has arrived after it: each merge at least doubles the part a row is
/// in.
fn smallest_tier(mut parts: Vec<(String, u64)>) -> Vec<String> {
    parts.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let mut taken = 0;
    let mut total = 0u64;
    for (_, size) in &parts {
        if taken >= 2 && *size > total {
            break;
        }
        total = total.saturating_add(*size);
        taken += 1;
    }
    parts.truncate(taken);
    parts.into_iter().map(|(p, _)| p).collect()
}

/// The schema parts of one (table, period) are merged under: that of the
/// part with the most columns, with any column only other parts have added
/// (as nullable) — so a merge never drops a column, whichever part was
/// written under the newer schema. (Batch ids are hashes: the part whose
/// name sorts last is not the newest.)
fn merged_schema(schemas: &[arrow::datatypes::SchemaRef]) -> arrow::datatypes::SchemaRef {
    let base = schemas
        .iter()
        .max_by_key(|s| s.fields().len())
        .expect("a group has parts");
    let mut fields: Vec<arrow::datatypes::FieldRef> = base.fields().iter().cloned().collect();
    for schema in schemas {
        for field in schema.fields() {
            if !fields.iter().any(|f| f.name() == field.name()) {
                fields.push(Arc::new(field.as_ref().clone().with_nullable(true)));
            }
        }
    }
    if fields.len() == base.fields().len() {
        return base.clone();
    }
    Arc::new(arrow::datatypes::Schema::new_with_metadata(
        fields,
        base.metadata().clone(),
    ))
}

/// Rows per Parquet row group: DuckDB's own row-group size, so a scan splits
/// a part across threads the way it splits its own tables.
const ROW_GROUP_ROWS: usize = 122_880;
/// A row group is also closed once its encoded data passes this size, so a
/// batch's memory stays bounded whatever its rows hold.
const ROW_GROUP_BYTES: usize = 64 << 20;

/// One ingest batch being written: a Parquet part per (table, period),
/// streamed as rows arrive, under temporary names until [`BatchWriter::commit`]
/// names them after the batch and writes the marker. Dropped without a
/// commit, it removes its temporary files.
pub struct BatchWriter<'a> {
    lake: &'a Lake,
    parts: BTreeMap<(String, String), PartWriter>,
}

struct PartWriter {
    temp: PathBuf,
    writer: ArrowWriter<fs::File>,
}

impl<'a> BatchWriter<'a> {
    pub fn new(lake: &'a Lake) -> BatchWriter<'a> {
        BatchWriter {
            lake,
            parts: BTreeMap::new(),
        }
    }

    /// Appends rows to the part of (table, period). Every batch of one table
    /// must have the same schema.
    pub fn append(&mut self, table: &str, period: &str, batch: &RecordBatch) -> Result<()> {
        let key = (table.to_string(), period.to_string());
        if !self.parts.contains_key(&key) {
            let dir = self.lake.root.join(table).join(period);
            fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            let temp = crate::fsutil::temp_path(&dir.join("part.parquet"));
            let file = fs::File::create(&temp).map_err(Error::io(&temp))?;
            let writer = ArrowWriter::try_new(
                file,
                batch.schema(),
                Some(writer_properties(table, &batch.schema())),
            )?;
            self.parts.insert(key.clone(), PartWriter { temp, writer });
        }
        let part = self.parts.get_mut(&key).expect("inserted above");
        part.writer.write(batch)?;
        Ok(())
    }

    /// Closes every part, makes them and everything written before them (the
    /// archive) durable, renames them to `<table>/<period>/<batch_id>.parquet`
    /// and writes the marker that commits them.
    pub fn commit(
        self,
        batch_id: &str,
        files: Vec<String>,
        rejected: Vec<RejectedFile>,
    ) -> Result<BatchMarker> {
        self.commit_replacing(batch_id, files, Vec::new(), rejected)
    }

    /// [`BatchWriter::commit`] for a batch whose parts take the place of `replaces`.
    fn commit_replacing(
        mut self,
        batch_id: &str,
        files: Vec<String>,
        replaces: Vec<String>,
        rejected: Vec<RejectedFile>,
    ) -> Result<BatchMarker> {
        let parts = std::mem::take(&mut self.parts);
        let mut closed = Vec::new();
        for ((table, period), part) in parts {
            let PartWriter { temp, writer } = part;
            closed.push((table, period, temp.clone()));
            if let Err(e) = writer.close() {
                for (_, _, t) in &closed {
                    let _ = fs::remove_file(t);
                }
                return Err(e.into());
            }
        }
        // One flush of the whole file system instead of one per file.
        crate::fsutil::sync_filesystem(&self.lake.root).map_err(Error::io(&self.lake.root))?;
        let mut names = Vec::new();
        for (table, period, temp) in closed {
            let rel = format!("{table}/{period}/{batch_id}.parquet");
            let path = self.lake.root.join(&rel);
            fs::rename(&temp, &path).map_err(Error::io(&path))?;
            crate::fsutil::crash_point("lake-part");
            names.push(rel);
        }
        // The renames durable before the marker names them: one flush for
        // every folder, where each part's folder was flushed on its own (a
        // dozen flushes a batch, and the portal commits many batches).
        crate::fsutil::sync_filesystem(&self.lake.root).map_err(Error::io(&self.lake.root))?;
        let marker = BatchMarker {
            batch_id: batch_id.to_string(),
            committed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            parts: names,
            files,
            replaces,
            rejected,
        };
        let path = self
            .lake
            .root
            .join(BATCHES)
            .join(format!("{batch_id}.json"));
        let json = serde_json::to_vec_pretty(&marker)?;
        crate::fsutil::write_bytes_atomic(&path, &json)?;
        // The marker is the commit; the manifests follow it (a crash between
        // the two leaves them one commit behind until `recover` rewrites them).
        let tables: BTreeSet<String> = marker
            .parts
            .iter()
            .chain(&marker.replaces)
            .filter_map(|p| p.split_once('/').map(|(t, _)| t.to_string()))
            .collect();
        self.lake.publish_manifests_of(Some(&tables))?;
        Ok(marker)
    }
}

impl Drop for BatchWriter<'_> {
    fn drop(&mut self) {
        for part in self.parts.values() {
            let _ = fs::remove_file(&part.temp);
        }
    }
}

/// A batch is named by what it holds (file hashes for an ingest, replaced
/// parts for a compaction), in any order, so re-running the same batch after a
/// crash rewrites the same part names.
pub fn batch_id(names: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted = names.to_vec();
    sorted.sort();
    let mut hasher = Sha256::new();
    for name in &sorted {
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
    }
    crate::digest::hex(&hasher.finalize())[..16].to_string()
}

fn parquet_schema(path: &Path) -> Result<arrow::datatypes::SchemaRef> {
    let file = fs::File::open(path).map_err(Error::io(path))?;
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)?;
    Ok(builder.schema().clone())
}

fn read_parquet(path: &Path) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
    let file = fs::File::open(path).map_err(Error::io(path))?;
    Ok(parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)?.build()?)
}

/// `batch` with the columns of `target`, by name; missing columns are null.
fn conform(
    batch: &RecordBatch,
    target: &arrow::datatypes::SchemaRef,
) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
    if batch.schema() == *target {
        return Ok(batch.clone());
    }
    let columns = target
        .fields()
        .iter()
        .map(|f| match batch.column_by_name(f.name()) {
            Some(c) if c.data_type() == f.data_type() => Ok(c.clone()),
            Some(c) => arrow::compute::cast(c, f.data_type()),
            None => Ok(arrow::array::new_null_array(
                f.data_type(),
                batch.num_rows(),
            )),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    RecordBatch::try_new(target.clone(), columns)
}

/// Snappy and plain encodings only, so polars, pyarrow and Spark read the
/// parts as well as DuckDB.
///
/// Min/max statistics are kept where a reader can skip row groups with them:
/// the key columns (rows arrive grouped by submission, region and period),
/// every non-text column and the small tables. A ledger table's text columns
/// (task names, measures, remarks, status words) get none: their values are
/// scattered across row groups, so their min and max prune nothing, and
/// comparing every string to compute them was a tenth of a cold ingest's CPU.
fn writer_properties(table: &str, schema: &arrow::datatypes::Schema) -> WriterProperties {
    use arrow::datatypes::DataType;
    use parquet::file::properties::EnabledStatistics;
    use parquet::schema::types::ColumnPath;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES));
    let ledger_table = table.parse::<crate::ledger::Kind>().is_ok();
    for field in schema.fields() {
        let free_text = ledger_table
            && matches!(field.data_type(), DataType::Utf8 | DataType::List(_))
            && !schema::KEY_COLUMNS.contains(&field.name().as_str());
        if free_text {
            let path = match field.data_type() {
                DataType::List(item) => ColumnPath::new(vec![
                    field.name().clone(),
                    "list".into(),
                    item.name().clone(),
                ]),
                _ => ColumnPath::new(vec![field.name().clone()]),
            };
            props = props.set_column_statistics_enabled(path, EnabledStatistics::None);
        }
    }
    props.build()
}

fn read_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io(dir))?;
        if entry.file_type().map_err(Error::io(dir))?.is_dir() {
            dirs.push(entry.path());
        }
    }
    Ok(dirs)
}

/// The markers already read, per `_batches` folder, each under its file name
/// and the inode that held it (from the folder listing itself: no call per
/// marker), within a folder known by [`DirId`]: a lake deleted and made anew
/// at the same place is another folder, and nothing read from the old one is
/// kept. (taizhang never removes or rewrites a committed marker in place.)
#[derive(Default)]
struct MarkerCache {
    by_dir: std::collections::HashMap<PathBuf, (DirId, Markers)>,
    folded: std::collections::HashMap<PathBuf, Folded>,
}

type Markers = BTreeMap<std::ffi::OsString, (FileId, Arc<BatchMarker>)>;

/// The batches folded in so far, and what they add up to. Cloned out of the
/// cache for each call: three reference counts.
#[derive(Default, Clone)]
struct Folded {
    /// The batches folded in, as the markers read: one read again (another
    /// file under the same name) is another batch.
    batches: Arc<BTreeMap<String, Arc<BatchMarker>>>,
    known: Arc<KnownFiles>,
    /// Parts listed by committed batches and not replaced by a compaction,
    /// relative to the lake's folder, sorted.
    live: Arc<BTreeSet<String>>,
    /// Every part a compaction replaced.
    replaced: Arc<BTreeSet<String>>,
}

impl Folded {
    /// Adds one batch; in any order, the same as summing every batch at once.
    fn fold(&mut self, batch: &Arc<BatchMarker>) {
        Arc::make_mut(&mut self.known).fold(batch);
        let (live, replaced) = (
            Arc::make_mut(&mut self.live),
            Arc::make_mut(&mut self.replaced),
        );
        for part in &batch.replaces {
            live.remove(part);
            replaced.insert(part.clone());
        }
        for part in &batch.parts {
            if !replaced.contains(part) {
                live.insert(part.clone());
            }
        }
        Arc::make_mut(&mut self.batches).insert(batch.batch_id.clone(), batch.clone());
    }
}

/// A marker's identity within its folder: its inode number, which the
/// folder's listing gives without a call per file (0 where the platform
/// gives none: such markers are read every time).
type FileId = u64;

fn file_id(entry: &fs::DirEntry) -> FileId {
    #[cfg(unix)]
    {
        std::os::unix::fs::DirEntryExt::ino(entry)
    }
    #[cfg(not(unix))]
    {
        let _ = entry;
        0
    }
}

/// The `_batches` folder's own identity: device, inode and birth time. A
/// lake deleted and made anew at the same place has another folder, whose
/// batch of the same files is named the same but may hold other parts, in a
/// file that may even reuse an inode number: nothing read from the old
/// folder is kept for it. One `statx` per listing.
type DirId = (u64, u64, i128);

fn dir_id(dir: &Path) -> std::io::Result<DirId> {
    let meta = fs::metadata(dir)?;
    let born = meta
        .created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok((meta.dev(), meta.ino(), born))
    }
    #[cfg(not(unix))]
    {
        Ok((0, 0, born))
    }
}

impl MarkerCache {
    fn get() -> std::sync::MutexGuard<'static, MarkerCache> {
        static CACHE: std::sync::LazyLock<std::sync::Mutex<MarkerCache>> =
            std::sync::LazyLock::new(Default::default);
        CACHE.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The markers of `listed` (name, file id, path), read from disk only
    /// when not already known under the same name and file id; the folder's
    /// entries not listed any more are forgotten.
    fn read(
        dir: &Path,
        folder: DirId,
        listed: Vec<(std::ffi::OsString, FileId, PathBuf)>,
    ) -> Result<Vec<Arc<BatchMarker>>> {
        let mut cache = MarkerCache::get();
        let cache = &mut *cache;
        let (seen_folder, known) = cache.by_dir.entry(dir.to_path_buf()).or_default();
        if *seen_folder != folder {
            // Another folder under the same path: nothing of the old one holds.
            known.clear();
            cache.folded.remove(dir);
            *seen_folder = folder;
        }
        let mut fresh = BTreeMap::new();
        let mut out = Vec::with_capacity(listed.len());
        for (name, id, path) in listed {
            let marker = match known.remove(&name) {
                Some((seen, marker)) if seen == id && id != 0 => marker,
                _ => {
                    let text = fs::read_to_string(&path).map_err(Error::io(&path))?;
                    Arc::new(serde_json::from_str(&text).map_err(|e| Error::Io {
                        path: path.clone(),
                        source: std::io::Error::other(e),
                    })?)
                }
            };
            out.push(marker.clone());
            fresh.insert(name, (id, marker));
        }
        *known = fresh;
        Ok(out)
    }
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes of parts named p0, p1, ….
    fn sized(sizes: &[u64]) -> Vec<(String, u64)> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("p{i}"), *s))
            .collect()
    }

    #[test]
    fn a_compaction_merges_the_small_parts_and_leaves_a_large_one_alone() {
        let mut sizes = vec![1_000_000];
        sizes.extend([10; 32]);
        let merged = smallest_tier(sized(&sizes));
        assert_eq!(merged.len(), 32);
        assert!(!merged.contains(&"p0".to_string()), "the large part stays");
        // Once as much has arrived after it, it is merged too.
        let mut sizes = vec![320];
        sizes.extend([10; 32]);
        assert_eq!(smallest_tier(sized(&sizes)).len(), 33);
        // Two at least, even of very different sizes.
        assert_eq!(smallest_tier(sized(&[1, 100, 10_000])).len(), 2);
    }

    /// The deadline burst, simulated: one part per batch, compacted as an
    /// ingest does. Every row is rewritten about log₂(batches / 32) times,
    /// not once every 32 batches, and the parts stay few.
    #[test]
    fn a_stream_of_small_batches_rewrites_each_row_a_logarithmic_number_of_times() {
        const BATCHES: u64 = 4_096;
        let mut parts: Vec<(String, u64)> = Vec::new();
        let (mut rewritten, mut most) = (0u64, 0usize);
        for batch in 0..BATCHES {
            parts.push((format!("b{batch}"), 1));
            if parts.len() > AUTO_COMPACT_PARTS {
                let merged = smallest_tier(parts.clone());
                let size: u64 = parts
                    .iter()
                    .filter(|(p, _)| merged.contains(p))
                    .map(|(_, s)| s)
                    .sum();
                parts.retain(|(p, _)| !merged.contains(p));
                parts.push((format!("c{batch}"), size));
                rewritten += size;
            }
            most = most.max(parts.len());
        }
        assert_eq!(parts.iter().map(|(_, s)| s).sum::<u64>(), BATCHES);
        assert!(most <= AUTO_COMPACT_PARTS + 1, "{most} parts at once");
        // log₂(4096 / 32) + 1 = 8 rewrites a row; merging everything each
        // time rewrote 4096² / 64 ≈ 262,144 rows.
        assert!(
            rewritten <= 8 * BATCHES,
            "{rewritten} rows rewritten for {BATCHES}"
        );
    }

    /// A commit rewrites only its own tables' manifests; after each commit
    /// and compaction they are what a publication of every table writes.
    #[test]
    fn the_manifests_a_commit_writes_are_those_of_the_whole_lake() {
        use arrow::array::{ArrayRef, Int32Array};
        use arrow::datatypes::{DataType, Field, Schema};
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::new(dir.path());
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true)]));
        let manifests = || -> BTreeMap<String, String> {
            fs::read_dir(dir.path().join(MANIFESTS))
                .unwrap()
                .map(|e| {
                    let path = e.unwrap().path();
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    (name, fs::read_to_string(&path).unwrap())
                })
                .collect()
        };
        let check = || {
            let written = manifests();
            lake.publish_manifests().unwrap();
            assert_eq!(written, manifests());
        };
        for (i, tables) in [&["t", "u"][..], &["t"], &["u"], &["t", "u"]]
            .iter()
            .enumerate()
        {
            let mut writer = BatchWriter::new(&lake);
            for table in tables.iter() {
                let a: ArrayRef = Arc::new(Int32Array::from(vec![i as i32]));
                let batch = RecordBatch::try_new(schema.clone(), vec![a]).unwrap();
                writer.append(table, "2024Q1", &batch).unwrap();
            }
            writer
                .commit(&format!("b{i}"), Vec::new(), Vec::new())
                .unwrap();
            check();
        }
        assert_eq!(manifests()["t.txt"].lines().count(), 3);
        lake.compact(Compaction::All).unwrap();
        check();
        assert_eq!(manifests()["t.txt"].lines().count(), 1);
        assert_eq!(manifests()["u.txt"].lines().count(), 1);
    }

    #[test]
    fn a_merge_keeps_every_column_whichever_part_has_it() {
        use arrow::array::{ArrayRef, Int32Array, StringArray};
        use arrow::datatypes::{DataType, Field, Schema};
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::new(dir.path());
        let old = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true)]));
        let new = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int32, true),
            Field::new("b", DataType::Utf8, true),
        ]));
        let a: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        let b: ArrayRef = Arc::new(StringArray::from(vec!["new"]));
        // Batch ids are hashes; either part may sort first.
        for (id, batch) in [
            (
                "0-new",
                RecordBatch::try_new(new, vec![a.clone(), b]).unwrap(),
            ),
            ("1-old", RecordBatch::try_new(old, vec![a]).unwrap()),
        ] {
            let mut writer = BatchWriter::new(&lake);
            writer.append("t", "2024Q1", &batch).unwrap();
            writer.commit(id, Vec::new(), Vec::new()).unwrap();
        }
        assert_eq!(lake.compact(Compaction::All).unwrap(), (1, 2));
        let parts = lake.parts("t").unwrap();
        assert_eq!(parts.len(), 1);
        let rows: Vec<RecordBatch> = read_parquet(&parts[0])
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        let b = arrow::compute::concat_batches(&rows[0].schema(), &rows).unwrap();
        let column = b
            .column_by_name("b")
            .expect("the newer part's column is kept");
        assert_eq!(column.null_count(), 1, "the older part's row has none");
        assert_eq!(b.num_rows(), 2);
    }

    fn marker(id: &str, files: &[&str], rejected: &[(&str, &str)]) -> BatchMarker {
        BatchMarker {
            batch_id: id.into(),
            committed_at: "2026-12-07T00:00:00Z".into(),
            parts: vec![format!("tasks/2024Q1/{id}.parquet")],
            files: files.iter().map(|f| f.to_string()).collect(),
            replaces: Vec::new(),
            rejected: rejected
                .iter()
                .map(|(sha, hints)| RejectedFile {
                    sha256: sha.to_string(),
                    hints: hints.to_string(),
                })
                .collect(),
        }
    }

    fn commit(lake: &Lake, m: &BatchMarker) {
        let path = lake.batches_dir().join(format!("{}.json", m.batch_id));
        crate::fsutil::write_bytes_atomic(&path, &serde_json::to_vec(m).unwrap()).unwrap();
    }

    /// What every marker on disk says, read and folded afresh, without the cache.
    fn read_afresh(lake: &Lake) -> KnownFiles {
        let mut known = KnownFiles::default();
        for entry in fs::read_dir(lake.batches_dir()).unwrap() {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap();
            known.fold(&serde_json::from_str(&text).unwrap());
        }
        known
    }

    #[test]
    fn known_files_kept_between_calls_follow_every_batch_committed_or_gone() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::new(dir.path());
        fs::create_dir_all(lake.batches_dir()).unwrap();
        assert!(lake.known_files().unwrap().is_empty());

        // a's file x is rejected with hints h1; b accepts x again, with other hints.
        commit(&lake, &marker("a", &["x"], &[("x", "h1")]));
        let after_a = lake.known_files().unwrap();
        assert_eq!(
            after_a.earlier("x", "h1"),
            Some(Earlier::RejectedWithSameHints)
        );
        commit(&lake, &marker("b", &["x", "y"], &[("y", "h2")]));
        let after_b = lake.known_files().unwrap();
        assert_eq!(after_b.earlier("x", "h1"), Some(Earlier::Accepted));
        assert_eq!(
            after_b.earlier("y", "h2"),
            Some(Earlier::RejectedWithSameHints)
        );
        assert!(!after_b.rejected.contains_key("x"));
        // What a caller already holds does not change under it.
        assert_eq!(
            after_a.earlier("x", "h1"),
            Some(Earlier::RejectedWithSameHints)
        );
        // A batch rejecting bytes already accepted leaves them accepted.
        commit(&lake, &marker("c", &["x", "z"], &[("x", "h3")]));
        let known = lake.known_files().unwrap();
        let fresh = read_afresh(&lake);
        assert_eq!(known.accepted, fresh.accepted);
        assert_eq!(known.rejected, fresh.rejected);
        assert_eq!(
            known.accepted,
            ["x", "z"].iter().map(|s| s.to_string()).collect()
        );

        // A marker gone (the workspace made anew): its files are forgotten.
        fs::remove_file(lake.batches_dir().join("c.json")).unwrap();
        let known = lake.known_files().unwrap();
        assert!(!known.accepted.contains("z"));
        assert_eq!(known.accepted, read_afresh(&lake).accepted);
        assert_eq!(lake.batches().unwrap().len(), 2);

        // A lake made anew at the same place, whose batch of the same files is
        // named the same with other contents: its folder is another, and
        // nothing read from the old one holds. (The old folder is kept aside
        // so the new one cannot reuse its inode number.)
        let aside = dir.path().join("old");
        fs::rename(lake.batches_dir(), &aside).unwrap();
        fs::create_dir_all(lake.batches_dir()).unwrap();
        commit(&lake, &marker("a", &["x"], &[("x", "h1")]));
        commit(&lake, &marker("b", &["y", "w"], &[]));
        let known = lake.known_files().unwrap();
        assert_eq!(known.accepted, read_afresh(&lake).accepted);
        assert_eq!(
            known.earlier("x", "h1"),
            Some(Earlier::RejectedWithSameHints)
        );
        assert!(known.accepted.contains("w") && known.accepted.contains("y"));
        let parts = lake.parts("tasks").unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts[0].ends_with("tasks/2024Q1/a.parquet"));
    }

    #[test]
    fn live_parts_kept_between_calls_drop_what_a_compaction_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::new(dir.path());
        fs::create_dir_all(lake.batches_dir()).unwrap();
        commit(&lake, &marker("a", &["x"], &[]));
        commit(&lake, &marker("b", &["y"], &[]));
        assert_eq!(lake.parts("tasks").unwrap().len(), 2);
        let mut merged = marker("compact-1", &[], &[]);
        merged.replaces = vec![
            "tasks/2024Q1/a.parquet".into(),
            "tasks/2024Q1/b.parquet".into(),
        ];
        commit(&lake, &merged);
        let parts = lake.parts("tasks").unwrap();
        assert_eq!(
            parts,
            vec![dir.path().join("tasks/2024Q1/compact-1.parquet")]
        );
        commit(&lake, &marker("c", &["z"], &[]));
        let parts = lake.parts("tasks").unwrap();
        assert_eq!(parts.len(), 2);
        assert!(lake.parts("rectifications").unwrap().is_empty());
        // The manifests say the same.
        lake.publish_manifests().unwrap();
        let manifest = fs::read_to_string(dir.path().join(MANIFESTS).join("tasks.txt")).unwrap();
        assert_eq!(
            manifest,
            "tasks/2024Q1/c.parquet\ntasks/2024Q1/compact-1.parquet\n"
        );
    }
}
