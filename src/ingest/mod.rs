//! Ingest: files in, archive and lake out (DESIGN §4–§6, §8), by stage:
//!
//! - [`inputs`]: files and folders (or bytes received whole) to read;
//! - [`read`]: a workbook's bytes → sheets of typed cells and merges;
//! - [`resolve`]: each sheet's kind, the file's unit and period;
//! - [`header`]: a sheet's header row → canonical columns;
//! - [`rows`]: the data rows under it → typed values and issues;
//! - [`parse`]: the above for one file → a [`ParsedFile`] (pure);
//! - [`batch`]: many files in parallel → archive and lake parts, committed;
//! - [`archive`]: receipts written, `received.csv`, replay of the archive;
//! - [`submit`]: one received file → its result, the shape clerks are told;
//! - [`summary`], [`feedback`]: what the operator and the clerk are told.
//!
//! Order of writes, for crash safety: each new file's bytes and receipt go to
//! `archive/` first, then the lake parts, then the batch marker that commits
//! them. Known files (same sha256) are recognised from the markers and are
//! not parsed again, unless a file rejected as a whole comes with new hints.

pub mod archive;
pub mod batch;
pub mod feedback;
pub mod header;
pub mod inputs;
pub mod parse;
pub mod read;
pub mod resolve;
pub mod rows;
pub mod submit;
pub mod summary;

pub use crate::issue::{Code, Issue, Severity};
pub use archive::collect_archive;
pub use batch::{Compact, Prepared, prepare, run, run_prepared};
pub use inputs::{Given, Input, Options, Receipt, ReceiptHints, Source, collect};
pub use parse::{Context, Hints, ParsedFile};
pub use submit::{Content, Received, SubmissionResult};
pub use summary::{FileOutcome, FileReport, ImportSummary};
