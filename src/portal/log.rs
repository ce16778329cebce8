//! The portal's file of refusals (`portal/refusals.jsonl`), which
//! [`super::web`]'s request log writes to.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// The request log (stderr, one line per request) and refusals
/// (`portal/refusals.jsonl` in the workspace, one JSON object a line).
pub struct Log {
    refusals: Mutex<File>,
}

impl Log {
    pub fn open(root: &Path) -> Result<Log> {
        let dir = root.join("portal");
        std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        let path = dir.join("refusals.jsonl");
        let file = File::options()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(Error::io(&path))?;
        Ok(Log {
            refusals: Mutex::new(file),
        })
    }

    pub fn refusal(&self, line: &serde_json::Value) {
        let mut f = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(f, "{line}");
    }
}
