//! Why a statement was not run, or stopped, as PostgreSQL tells it. Every
//! part of the endpoint returns it; it imports only DuckDB's error, so the
//! endpoint's modules import each other as a tree.

use std::path::Path;

use super::duck::DuckError;

/// Why a statement was not run, or stopped: a PostgreSQL SQLSTATE and a
/// message (Chinese and English where the endpoint writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub sqlstate: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(sqlstate: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            sqlstate,
            message: message.into(),
        }
    }

    /// Refused as not a read: SQLSTATE 42501, insufficient privilege.
    pub fn refused(message: impl Into<String>) -> Failure {
        Failure::new("42501", message)
    }

    pub(super) fn no_warehouse(path: &Path) -> Failure {
        Failure::new(
            "3D000",
            crate::error::Error::NoWarehouse(path.to_path_buf()).to_string(),
        )
    }

    /// A DuckDB message as PostgreSQL's: the sandbox's refusals as 42501
    /// with a Chinese lead, running out of its memory as 53200.
    pub fn from_duckdb(e: DuckError) -> Failure {
        let text = e.message;
        let refused = [
            "Permission Error",
            "read-only",
            "lock_configuration",
            "disabled through configuration",
        ];
        if refused.iter().any(|r| text.contains(r)) {
            return Failure::refused(format!(
                "只读端点不允许此操作 / not allowed on the read-only endpoint: {text}"
            ));
        }
        if text.starts_with("Out of Memory Error") {
            return Failure::new(
                "53200",
                format!(
                    "查询超出端点的内存上限（不写临时文件）/ the query needs more memory than the \
                     endpoint allows ([pg] memory_mb; nothing spills to disk): {text}"
                ),
            );
        }
        let sqlstate = if text.starts_with("Catalog Error") {
            "42P01"
        } else if text.starts_with("Parser Error") {
            "42601"
        } else {
            "42000"
        };
        Failure::new(sqlstate, text)
    }
}

impl From<DuckError> for Failure {
    fn from(e: DuckError) -> Failure {
        Failure::from_duckdb(e)
    }
}
