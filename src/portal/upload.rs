//! A multipart upload read with every file streamed to disk
//! (`portal/incoming/`) as it arrives, its size checked as it streams: a
//! file over the limit is refused at the first chunk past it, and memory
//! holds at most one write buffer per upload, never a body. The client's
//! file name is kept as data only.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::{HeaderMap, StatusCode, header};
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::auth::Caller;
use super::refusal::Refusal;
use crate::ingest::{Content, Received, Source};
use crate::ledger::Kind;
use crate::normalize::Period;
use crate::workspace::Workspace;

/// A text field's longest value.
const MAX_FIELD: usize = 1024;
/// Bytes gathered before they are written out: the memory one upload holds.
const WRITE_BUFFER: usize = 256 * 1024;

/// What one form may carry.
#[derive(Debug, Clone, Copy)]
pub struct FormLimits {
    /// Bytes per file.
    pub file_bytes: u64,
    pub files: usize,
    /// The longest pause between two chunks of the body.
    pub idle: Duration,
    /// The whole body's limit: what a refused body is read up to (and
    /// discarded) so that its refusal reaches the client.
    pub body_bytes: u64,
}

/// A read upload form.
#[derive(Debug, Default)]
pub struct Form {
    pub files: Vec<Spooled>,
    pub fields: HashMap<String, String>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        text_field(&self.fields, name)
    }
}

/// A text field's value, trimmed; none when empty.
pub fn text_field<'a>(fields: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Where uploads wait on disk to be read, and how much they may take.
pub struct Spool {
    dir: PathBuf,
    limit: u64,
    used: Arc<AtomicU64>,
    next: AtomicU64,
}

impl Spool {
    /// The workspace's `portal/incoming/`, holding at most `limit` bytes.
    /// What a server that died left there is removed (only its own: each
    /// file's name starts with the process id that wrote it).
    pub fn open(root: &Path, limit: u64) -> crate::Result<Spool> {
        let dir = root.join("portal").join("incoming");
        std::fs::create_dir_all(&dir).map_err(crate::Error::io(&dir))?;
        sweep(&dir);
        Ok(Spool {
            dir,
            limit,
            used: Arc::default(),
            next: AtomicU64::new(0),
        })
    }

    fn create(&self) -> Result<(PathBuf, File), Refusal> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let salt = crate::tokens::random_hex(4).map_err(|e| Refusal::Internal(e.to_string()))?;
        let path = self
            .dir
            .join(format!("{}-{n}-{salt}.upload", std::process::id()));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Refusal::Internal(format!("{}: {e}", path.display())))?;
        Ok((path, file))
    }

    /// Takes `n` bytes of the budget, or refuses the upload.
    fn reserve(&self, n: u64) -> Result<(), Refusal> {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            if used.saturating_add(n) > self.limit {
                return Err(Refusal::Full(30));
            }
            match self.used.compare_exchange_weak(
                used,
                used + n,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => used = now,
            }
        }
    }
}

/// Removes what dead processes left in the spool folder.
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_none_or(|pid| !process_alive(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        // A process before this one had the same id: its files are stale.
        return false;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 checks that the process exists; nothing is sent.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Without a way to ask, every file there is taken for a dead server's.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    false
}

/// An uploaded file on disk; removed, and its share of the spool given
/// back, when dropped.
#[derive(Debug)]
pub struct Spooled {
    /// The client's name for it: data, never a path.
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    used: Arc<AtomicU64>,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        self.used.fetch_sub(self.size, Ordering::AcqRel);
    }
}

/// The body's size as its `Content-Length` declares it.
fn declared(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Refuses a body whose declared size is over what `files` files may need,
/// before a byte of it is kept.
fn check_declared(declared: Option<u64>, limit: u64, files: usize) -> Result<(), Refusal> {
    match declared {
        Some(n) if n > limit.saturating_mul(files as u64).saturating_add(64 * 1024) => {
            Err(Refusal::TooLarge(limit))
        }
        _ => Ok(()),
    }
}

fn multipart_refusal(e: MultipartError, limit: u64) -> Refusal {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Refusal::TooLarge(limit)
    } else {
        Refusal::BadRequest(format!(
            "上传表单无法读取 / the upload form could not be read: {e}"
        ))
    }
}

/// Waits for the body's next piece, at most `idle`.
async fn within<T>(
    idle: Duration,
    next: impl Future<Output = Result<T, MultipartError>>,
    limit: u64,
) -> Result<T, Refusal> {
    tokio::time::timeout(idle, next)
        .await
        .map_err(|_| Refusal::Timeout(idle.as_secs()))?
        .map_err(|e| multipart_refusal(e, limit))
}

/// Reads the form, each file into the spool; refused past `limits` (a
/// declared `Content-Length` over them before a byte is kept).
/// `before_files` sees the text fields sent before the first file, before
/// a byte of any file is kept (the page checks its CSRF token there, so a
/// forged upload costs nothing).
///
/// A refused body is read to its end and discarded, up to the body limit,
/// before the refusal is answered: a client that sends its whole body before
/// it reads (Python's urllib, a browser's form) would otherwise meet a reset
/// connection — the server closing with unread bytes — instead of the 413.
pub async fn read(
    mut multipart: Multipart,
    headers: &HeaderMap,
    limits: FormLimits,
    spool: &Spool,
    before_files: impl Fn(&HashMap<String, String>) -> Result<(), Refusal>,
) -> Result<Form, Refusal> {
    let declared = declared(headers);
    let read = match check_declared(declared, limits.file_bytes, limits.files) {
        Ok(()) => read_form(&mut multipart, limits, spool, before_files).await,
        Err(refusal) => Err(refusal),
    };
    match &read {
        // A client that stalled is not waited for again.
        Err(Refusal::Timeout(_)) => {}
        Err(_) if declared.is_none_or(|n| n <= limits.body_bytes) => {
            drain(&mut multipart, limits).await;
        }
        _ => {}
    }
    read
}

/// Reads what is left of a refused body and discards it: at most
/// `limits.body_bytes`, and no longer than `limits.idle` for each piece.
async fn drain(multipart: &mut Multipart, limits: FormLimits) {
    let mut left = limits.body_bytes;
    // The part being read when the refusal came is skipped to its end by
    // `next_field`.
    while let Ok(Ok(Some(mut field))) =
        tokio::time::timeout(limits.idle, multipart.next_field()).await
    {
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout(limits.idle, field.chunk()).await {
            left = left.saturating_sub(chunk.len() as u64);
            if left == 0 {
                return;
            }
        }
    }
}

async fn read_form(
    multipart: &mut Multipart,
    limits: FormLimits,
    spool: &Spool,
    before_files: impl Fn(&HashMap<String, String>) -> Result<(), Refusal>,
) -> Result<Form, Refusal> {
    let mut form = Form::default();
    let mut checked = false;
    let limit = limits.file_bytes;
    while let Some(mut field) = within(limits.idle, multipart.next_field(), limit).await? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if !checked {
                before_files(&form.fields)?;
                checked = true;
            }
            let file_name = field.file_name().unwrap_or_default().to_string();
            if form.files.len() == limits.files {
                return Err(Refusal::BadRequest(format!(
                    "一次最多上传 {} 个文件 / at most {} files per upload",
                    limits.files, limits.files
                )));
            }
            let (path, file) = spool.create()?;
            let mut spooled = Spooled {
                name: file_name,
                path,
                size: 0,
                used: spool.used.clone(),
            };
            let mut file = Some(file);
            let mut buffer = Vec::with_capacity(WRITE_BUFFER);
            while let Some(chunk) = within(limits.idle, field.chunk(), limit).await? {
                let n = chunk.len() as u64;
                if spooled.size + n > limit {
                    return Err(Refusal::TooLarge(limit));
                }
                spool.reserve(n)?;
                spooled.size += n;
                buffer.extend_from_slice(&chunk);
                if buffer.len() >= WRITE_BUFFER {
                    buffer = write_out(&mut file, buffer, &spooled.path).await?;
                }
            }
            write_out(&mut file, buffer, &spooled.path).await?;
            // A browser sends an empty part when no file was chosen.
            if spooled.name.is_empty() && spooled.size == 0 {
                continue;
            }
            form.files.push(spooled);
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = within(limits.idle, field.chunk(), limit).await? {
                if value.len() + chunk.len() > MAX_FIELD {
                    return Err(Refusal::BadRequest(format!(
                        "字段 {name} 过长 / field {name} is too long"
                    )));
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value).map_err(|_| {
                Refusal::BadRequest(format!(
                    "字段 {name} 不是 UTF-8 / field {name} is not UTF-8"
                ))
            })?;
            form.fields.insert(name, value);
        }
    }
    if !checked {
        before_files(&form.fields)?;
    }
    Ok(form)
}

/// Writes `buffer` to the spooled file off the async threads; the emptied
/// buffer back.
async fn write_out(
    file: &mut Option<File>,
    mut buffer: Vec<u8>,
    path: &Path,
) -> Result<Vec<u8>, Refusal> {
    let mut f = file
        .take()
        .ok_or_else(|| Refusal::Internal(format!("{}: written after an error", path.display())))?;
    let path = path.to_path_buf();
    let (f, buffer) = tokio::task::spawn_blocking(move || -> Result<_, Refusal> {
        f.write_all(&buffer)
            .map_err(|e| Refusal::Internal(format!("{}: {e}", path.display())))?;
        buffer.clear();
        Ok((f, buffer))
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))??;
    *file = Some(f);
    Ok(buffer)
}

/// What the uploader said of the files: kind, unit, period.
#[derive(Debug, Clone)]
pub struct Said {
    pub kind: Option<Kind>,
    /// None: the file names its unit (a province token's upload only; a
    /// clerk's is always its own unit).
    pub region: Option<String>,
    /// None: the file names its period (its title, sheet or file name). A
    /// value the clerk did not choose is never filled in: the quarter of
    /// today is the wrong one on every deadline day.
    pub period: Option<Period>,
}

/// Reads and checks the form's `kind`, `region` and `period`: a clerk's
/// region is its own (another is a 403); a period or a province token's
/// region left empty is read from the file, which is refused at ingest with
/// `unknown-period`/`unknown-region` naming what to fill in when it names none.
pub fn said(form: &Form, caller: &Caller, ws: &Workspace) -> Result<Said, Refusal> {
    let kind = match form.field("kind") {
        None => None,
        Some(k) => Some(k.parse::<Kind>().map_err(|_| {
            Refusal::BadRequest(format!("未知台账类型 {k} / unknown ledger kind {k}"))
        })?),
    };
    let period = form
        .field("period")
        .map(|p| {
            p.parse::<Period>().map_err(|_| {
                Refusal::BadRequest(format!(
                    "无法识别的周期 {p} / unknown period {p} (e.g. 2024Q2, 2024-06, 2024)"
                ))
            })
        })
        .transpose()?;
    let region = match form.field("region") {
        Some(r) => {
            let unit = ws.roster.resolve(r).map_err(|e| {
                // A clerk naming a unit that does not exist is still asking
                // for another unit's data.
                if caller.only_unit().is_some() {
                    Refusal::Forbidden(String::new())
                } else {
                    Refusal::BadRequest(e.to_string())
                }
            })?;
            caller.check(&unit.code)?;
            Some(unit.code.clone())
        }
        None => caller.only_unit().map(str::to_string),
    };
    Ok(Said {
        kind,
        region,
        period,
    })
}

/// The service layer's form of one uploaded file, read from where it was
/// spooled.
pub fn received(file: &Spooled, said: &Said) -> Received {
    Received {
        file_name: file.name.clone(),
        content: Content::File(file.path.clone()),
        kind: said.kind,
        region: said.region.clone(),
        period: said.period,
        received_at: Some(crate::tokens::now()),
        source: Source::Upload,
    }
}
