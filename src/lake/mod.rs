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

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

/// The folder name of rows whose period is not known.
pub const UNKNOWN_PERIOD: &str = "_unknown";
const BATCHES: &str = "_batches";

/// What one committed ingest batch wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchMarker {
    pub batch_id: String,
    pub committed_at: String,
    /// Paths relative to the lake folder.
    pub parts: Vec<String>,
    /// sha256 of every file the batch recorded.
    pub files: Vec<String>,
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

    /// Every committed batch, in batch-id order.
    pub fn batches(&self) -> Result<Vec<BatchMarker>> {
        let dir = self.root.join(BATCHES);
        let mut out = Vec::new();
        let Ok(entries) = fs::read_dir(&dir) else {
            return Ok(out);
        };
        for entry in entries {
            let path = entry.map_err(Error::io(&dir))?.path();
            if path.extension().is_some_and(|e| e == "json") && !is_hidden(&path) {
                let text = fs::read_to_string(&path).map_err(Error::io(&path))?;
                out.push(serde_json::from_str(&text).map_err(|e| Error::Io {
                    path: path.clone(),
                    source: std::io::Error::other(e),
                })?);
            }
        }
        out.sort_by(|a: &BatchMarker, b| a.batch_id.cmp(&b.batch_id));
        Ok(out)
    }

    /// sha256 of every file already recorded in the lake.
    pub fn known_files(&self) -> Result<BTreeSet<String>> {
        Ok(self.batches()?.into_iter().flat_map(|b| b.files).collect())
    }

    /// Committed parts of one table, as absolute paths in a stable order.
    pub fn parts(&self, table: &str) -> Result<Vec<PathBuf>> {
        let prefix = format!("{table}/");
        let mut parts: Vec<PathBuf> = self
            .batches()?
            .iter()
            .flat_map(|b| b.parts.iter())
            .filter(|p| p.starts_with(&prefix))
            .map(|p| self.root.join(p))
            .collect();
        parts.sort();
        Ok(parts)
    }

    /// Removes parts no committed batch lists (left by an ingest that died
    /// before its marker) and stale temporary files. Call under the lock.
    pub fn recover(&self) -> Result<usize> {
        let committed: BTreeSet<PathBuf> = self
            .batches()?
            .iter()
            .flat_map(|b| b.parts.iter().map(|p| self.root.join(p)))
            .collect();
        let mut removed = crate::fsutil::remove_stale_temporaries(&self.root)?;
        for table_dir in read_dirs(&self.root)? {
            if table_dir.file_name().is_some_and(|n| n == BATCHES) {
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
        Ok(removed)
    }

    /// Writes one batch: every (table, period) group as one part, then the
    /// marker that commits them all.
    pub fn commit(
        &self,
        batch_id: &str,
        groups: BTreeMap<(String, String), RecordBatch>,
        files: Vec<String>,
    ) -> Result<BatchMarker> {
        let mut writer = BatchWriter::new(self);
        for ((table, period), batch) in groups {
            writer.append(&table, &period, &batch)?;
        }
        writer.commit(batch_id, files)
    }
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
            let writer = ArrowWriter::try_new(file, batch.schema(), Some(writer_properties()))?;
            self.parts.insert(key.clone(), PartWriter { temp, writer });
        }
        let part = self.parts.get_mut(&key).expect("inserted above");
        part.writer.write(batch)?;
        Ok(())
    }

    /// Closes every part, makes them and everything written before them (the
    /// archive) durable, renames them to `<table>/<period>/<batch_id>.parquet`
    /// and writes the marker that commits them.
    pub fn commit(mut self, batch_id: &str, files: Vec<String>) -> Result<BatchMarker> {
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
            crate::fsutil::sync_dir(&path);
            crate::fsutil::crash_point("lake-part");
            names.push(rel);
        }
        let marker = BatchMarker {
            batch_id: batch_id.to_string(),
            committed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            parts: names,
            files,
        };
        let path = self
            .lake
            .root
            .join(BATCHES)
            .join(format!("{batch_id}.json"));
        let json = serde_json::to_vec_pretty(&marker)?;
        crate::fsutil::write_bytes_atomic(&path, &json)?;
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

fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .build()
}

/// Writes one record batch as a Parquet file, atomically. Snappy and plain
/// defaults only, so polars, pyarrow and Spark read it as well as DuckDB.
pub fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    let props = writer_properties();
    let mut parquet_error = None;
    let result = write_atomic(path, |file| {
        let run = || -> parquet::errors::Result<()> {
            let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))?;
            writer.write(batch)?;
            writer.close()?;
            Ok(())
        };
        run().map_err(|e| {
            let io = std::io::Error::other(e.to_string());
            parquet_error = Some(e);
            io
        })
    });
    match (result, parquet_error) {
        (Err(_), Some(e)) => Err(e.into()),
        (r, _) => r,
    }
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

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}
