//! What an ingest is given: files and folders expanded into [`Input`]s, or
//! bytes received whole (an upload).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use chrono::{DateTime, FixedOffset};

use super::parse::Hints;
use crate::error::{Error, Result};
use crate::ledger::Kind;
use crate::normalize::Period;

/// How a file reached taizhang (`source` in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Cli,
    Upload,
    Pipeline,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Upload => "upload",
            Source::Pipeline => "pipeline",
        }
    }
}

/// Options of one ingest.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Option<Kind>,
    pub region: Option<String>,
    pub period: Option<Period>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub dry_run: bool,
    pub source: Source,
}

/// A file to ingest and the argument it was found under.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub path: PathBuf,
    /// The folder `received.csv` files are looked for up to.
    pub root: PathBuf,
    /// When re-reading the archive: how the file was first received.
    pub replay: Option<Receipt>,
    /// The file's bytes, when they came over the network rather than from a
    /// path: `path` is then only the name the client gave (data, never a
    /// path that is opened), and no folder or `received.csv` applies.
    pub bytes: Option<Arc<[u8]>>,
    /// What the sender of this one file said of it, when files from several
    /// senders are read in one batch (the portal's uploads): takes the place
    /// of the batch's [`Options`] hints, receipt time and source.
    pub given: Option<Given>,
    /// The server's own copy of an upload (`portal/incoming/`), which
    /// nothing writes again and which is removed once answered: archived by
    /// a hard link rather than a copy of its bytes, so an upload costs the
    /// file system no new file and no freed one.
    pub spooled: bool,
}

/// What one sender said of one file: the name it gave the file, the kind,
/// unit and period it named, when it was received, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Given {
    /// The client's name for a file kept under a name of the server's (an
    /// upload streamed to disk): data only, never a path.
    pub file_name: Option<String>,
    pub kind: Option<Kind>,
    pub region: Option<String>,
    pub period: Option<Period>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub source: Source,
}

impl Input {
    pub fn new(path: PathBuf, root: PathBuf) -> Input {
        Input {
            path,
            root,
            replay: None,
            bytes: None,
            given: None,
            spooled: false,
        }
    }

    /// A file received as bytes (an upload) under the client's `file_name`.
    pub fn from_bytes(file_name: &str, bytes: Arc<[u8]>) -> Input {
        Input {
            path: PathBuf::from(client_name(file_name)),
            root: PathBuf::new(),
            replay: None,
            bytes: Some(bytes),
            given: None,
            spooled: false,
        }
    }

    /// A file received over the network and kept at `path` (a file of the
    /// server's, in its own folder) until it is read; the client's
    /// `file_name` is kept as [`Given::file_name`], as data.
    pub fn received_file(file_name: &str, path: PathBuf) -> Input {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Input {
            path,
            root,
            replay: None,
            bytes: None,
            given: Some(Given {
                file_name: Some(client_name(file_name).to_string()),
                kind: None,
                region: None,
                period: None,
                received_at: None,
                source: Source::Upload,
            }),
            spooled: true,
        }
    }

    /// The name the file was received under (an archived file's original
    /// name, an upload's client name).
    pub fn file_name(&self) -> String {
        if let Some(r) = &self.replay {
            return r.file_name.clone();
        }
        if let Some(name) = self.given.as_ref().and_then(|g| g.file_name.clone()) {
            return name;
        }
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The file as a message names it: its path, or for a file received over
    /// the network the client's name (never where the server keeps it).
    pub fn shown(&self) -> String {
        match self.given.as_ref().and_then(|g| g.file_name.as_deref()) {
            Some(name) => name.to_string(),
            None => self.path.display().to_string(),
        }
    }
}

/// Only the last component of the name a client sent, and only as a name.
fn client_name(file_name: &str) -> &str {
    file_name
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or("upload")
}

/// Expands files and folders into inputs. Folders are walked recursively in
/// name order; `received.csv`, `roster.csv`, dotfiles and `~$` lock files are
/// skipped. Other files are kept: they are reported as unsupported.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(Error::io(path))?;
        if meta.is_dir() {
            walk(path, path, &mut out)?;
        } else {
            let root = path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            out.push(Input::new(path.clone(), root));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<Input>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .collect::<std::io::Result<_>>()
        .map_err(Error::io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        let path = entry.path();
        if entry.file_type().map_err(Error::io(&path))?.is_dir() {
            walk(&path, root, out)?;
        } else if !matches!(name.as_str(), "received.csv" | "roster.csv") {
            out.push(Input::new(path, root.to_path_buf()));
        }
    }
    Ok(())
}

/// A file's receipt record, kept beside its bytes in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Receipt {
    pub received_at: String,
    pub source: Source,
    pub file_name: String,
    pub region: Option<String>,
    pub period: Option<String>,
    pub kind: Option<String>,
    /// What was known before the file was opened (flags and folders), so a
    /// replay of the archive reads the file exactly as it was first read.
    #[serde(default)]
    pub hints: Option<ReceiptHints>,
    /// Earlier attempts at the same bytes, oldest first: each was rejected
    /// as a whole, and the file was read again with other hints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<Receipt>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ReceiptHints {
    pub kind: Option<String>,
    pub region_flag: Option<String>,
    pub period_flag: Option<String>,
    pub folder_region: Option<String>,
    pub folder_period: Option<String>,
}

impl ReceiptHints {
    pub fn from_hints(h: &Hints) -> ReceiptHints {
        ReceiptHints {
            kind: h.kind.map(|k| k.as_str().to_string()),
            region_flag: h.region_flag.clone(),
            period_flag: h.period_flag.map(|p| p.to_string()),
            folder_region: h.folder_region.clone(),
            folder_period: h.folder_period.clone(),
        }
    }

    pub fn to_hints(&self) -> Hints {
        Hints {
            kind: self.kind.as_deref().and_then(|k| k.parse().ok()),
            region_flag: self.region_flag.clone(),
            period_flag: self.period_flag.as_deref().and_then(|p| p.parse().ok()),
            folder_region: self.folder_region.clone(),
            folder_period: self.folder_period.clone(),
            from_form: false,
        }
    }
}

/// The hints of a file as one comparable text: two reads of the same bytes
/// with the same key would end the same way.
pub fn hints_key(hints: &Hints) -> String {
    serde_json::to_string(&ReceiptHints::from_hints(hints)).unwrap_or_default()
}

/// Flags first; the file's two parent folders as `<period>/<region>`.
pub fn hints_for(input: &Input, opts: &Options) -> Hints {
    if let Some(receipt) = &input.replay {
        let from_form = receipt.source == Source::Upload;
        return match &receipt.hints {
            Some(h) => Hints {
                from_form,
                ..h.to_hints()
            },
            // A receipt without hints: replay with what was resolved.
            None => Hints {
                kind: receipt.kind.as_deref().and_then(|k| k.parse().ok()),
                region_flag: receipt.region.clone(),
                period_flag: receipt.period.as_deref().and_then(|p| p.parse().ok()),
                from_form,
                ..Hints::default()
            },
        };
    }
    if let Some(given) = &input.given {
        return Hints {
            kind: given.kind,
            region_flag: given.region.clone(),
            period_flag: given.period,
            from_form: given.source == Source::Upload,
            ..Hints::default()
        };
    }
    // Bytes received whole have no folders: their name is only a name.
    let parent = input.path.parent().filter(|_| input.bytes.is_none());
    let name_of = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    };
    Hints {
        kind: opts.kind,
        region_flag: opts.region.clone(),
        period_flag: opts.period,
        folder_region: name_of(parent),
        folder_period: name_of(parent.and_then(Path::parent)),
        from_form: opts.source == Source::Upload,
    }
}

/// A replayed file keeps the source it first came from.
pub fn source_of(input: &Input, opts: &Options) -> Source {
    match (&input.replay, &input.given) {
        (Some(r), _) => r.source,
        (None, Some(g)) => g.source,
        (None, None) => opts.source,
    }
}
