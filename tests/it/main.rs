//! Integration tests, one binary with themed modules.

mod common;

mod as_of;
mod cli;
mod crash;
mod engines;
mod exports;
mod golden;
mod hostile;
mod ingest_fixtures;
mod lake_history;
mod national;
mod pg;
mod pipelines;
mod portal;
mod portal_browser;
mod realworld;
mod report;
mod scenario;
mod scenarios;
mod submit;
mod summary;
mod warehouse;
