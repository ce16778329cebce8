//! taizhang — the data pipeline and warehouse behind a provincial reform
//! office's ledger (台账) system.
//!
//! Cities and counties send Excel ledgers; [`ingest`] reads them however messy,
//! reports every problem at its cell, keeps every file in the archive and
//! writes normalised rows to the Parquet [`lake`]; [`warehouse`] builds a
//! DuckDB file whose SQL models compute the assessment figures. The domain
//! rules live in [`normalize`] as pure functions; the contract for every name
//! is `DESIGN.md` of the project's shared folder.

pub mod cli;
pub mod config;
pub mod docs;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod ingest;
pub mod lake;
pub mod ledger;
pub mod normalize;
pub mod pipeline;
pub mod report;
pub mod runs;
pub mod sample;
pub mod schedule;
pub mod template;
pub mod trace;
pub mod warehouse;
pub mod workspace;

pub use error::{Error, Result};
