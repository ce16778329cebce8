//! taizhang — the data pipeline and warehouse behind a provincial reform
//! office's ledger (台账) system.
//!
//! Cities and counties send Excel ledgers; [`ingest`] reads them however messy,
//! reports every problem at its cell, keeps every file in the archive and
//! writes normalised rows to the Parquet [`lake`]; [`warehouse`] builds a
//! DuckDB file whose SQL models compute the assessment figures, and
//! [`report`] renders a period's figures from them. The domain rules live in
//! [`normalize`] as pure functions.
//!
//! Every action a user can take is one function of [`service`]; the CLI
//! ([`cli`]), the batch jobs ([`pipeline`]) and the upload portal call it
//! and only present the results. `ARCHITECTURE.md` at the repository's root
//! maps the modules; the contract for every name is `DESIGN.md` of the
//! project's shared folder.

pub mod a1;
#[cfg(feature = "warehouse")]
pub mod cli;
pub mod config;
pub mod digest;
pub mod error;
pub mod escape;
pub mod fsutil;
pub mod ingest;
pub mod issue;
pub mod lake;
pub mod ledger;
pub mod normalize;
#[cfg(feature = "warehouse")]
pub mod pg;
#[cfg(feature = "warehouse")]
pub mod pipeline;
#[cfg(feature = "warehouse")]
pub mod portal;
pub mod receipts;
#[cfg(feature = "warehouse")]
pub mod report;
pub mod runs;
pub mod sample;
#[cfg(feature = "warehouse")]
pub mod service;
#[cfg(feature = "warehouse")]
pub mod serving;
pub mod template;
pub mod tokens;
#[cfg(feature = "warehouse")]
pub mod warehouse;
pub mod workspace;

pub use error::{Error, Result};
