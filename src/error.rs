//! The library's error type. Per-file and per-row problems are not errors:
//! they become [`crate::issue::Issue`]s and the run goes on. An
//! `Error` means the command itself could not do its work (exit status 2).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("读写失败 / I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("配置有误 / bad config {path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error(
        "不是 taizhang 工作区 / not a taizhang workspace: {0} (run `taizhang init` there first)"
    )]
    NotAWorkspace(PathBuf),

    #[error(
        "另一个 taizhang 进程正在写入此工作区 / another taizhang process is writing to this workspace ({0}); try again when it has finished"
    )]
    LockHeld(PathBuf),

    #[error("名册有误 / roster: {0}")]
    Roster(#[from] crate::normalize::region::RegionError),

    #[error("参数有误 / bad argument: {0}")]
    Usage(String),

    #[error("仓库尚未构建 / the warehouse has not been built: {0} (run `taizhang build`)")]
    NoWarehouse(PathBuf),

    // Not a `source`: DuckDB's message already holds everything, and its
    // own source ("Error code 1: Unknown error code") only repeats it.
    #[cfg(feature = "warehouse")]
    #[error("DuckDB: {0}")]
    DuckDb(duckdb::Error),

    #[error("Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),

    #[error("Arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),

    #[error("模型 {model} 执行失败 / model {model} failed: {message}")]
    Model { model: String, message: String },

    #[error("流水线有误 / pipeline {path}: {message}")]
    Pipeline { path: PathBuf, message: String },

    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// Wraps an I/O error with the path it happened at.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

#[cfg(feature = "warehouse")]
impl From<duckdb::Error> for Error {
    fn from(e: duckdb::Error) -> Error {
        Error::DuckDb(e)
    }
}
