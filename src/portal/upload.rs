//! A multipart upload read with every file's size checked as it streams: a
//! file over the limit is refused at the first chunk past it, never read
//! whole first. The client's file name is kept as data only.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::{HeaderMap, StatusCode, header};
use std::collections::HashMap;
use std::sync::Arc;

use super::auth::Caller;
use super::web::Refusal;
use crate::ingest::{Content, Received, Source};
use crate::ledger::Kind;
use crate::normalize::Period;
use crate::workspace::Workspace;

/// Files one page upload may carry.
pub const MAX_FILES: usize = 20;
/// A text field's longest value.
const MAX_FIELD: usize = 1024;

/// A read upload form.
#[derive(Debug, Default)]
pub struct Form {
    /// (client's file name, bytes)
    pub files: Vec<(String, Vec<u8>)>,
    pub fields: HashMap<String, String>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Refuses a body whose declared size is over what `files` files may need,
/// before a byte of it is read.
pub fn check_declared(headers: &HeaderMap, limit: u64, files: usize) -> Result<(), Refusal> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
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

/// Reads the form; each file is refused past `limit` bytes.
pub async fn read(mut multipart: Multipart, limit: u64) -> Result<Form, Refusal> {
    let mut form = Form::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_refusal(e, limit))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| multipart_refusal(e, limit))?
            {
                if (bytes.len() + chunk.len()) as u64 > limit {
                    return Err(Refusal::TooLarge(limit));
                }
                bytes.extend_from_slice(&chunk);
            }
            // A browser sends an empty part when no file was chosen.
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            if form.files.len() == MAX_FILES {
                return Err(Refusal::BadRequest(format!(
                    "一次最多上传 {MAX_FILES} 个文件 / at most {MAX_FILES} files per upload"
                )));
            }
            form.files.push((file_name, bytes));
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| multipart_refusal(e, limit))?
            {
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
    Ok(form)
}

/// What the uploader said of the files: kind, unit, period.
#[derive(Debug, Clone)]
pub struct Said {
    pub kind: Option<Kind>,
    pub region: String,
    pub period: Period,
}

/// Reads and checks the form's `kind`, `region` and `period`: a clerk's
/// region is its own (another is a 403), a province token must name one;
/// `default_period` stands in when the form gives none.
pub fn said(
    form: &Form,
    caller: &Caller,
    ws: &Workspace,
    default_period: Option<Period>,
) -> Result<Said, Refusal> {
    let kind = match form.field("kind") {
        None => None,
        Some(k) => Some(k.parse::<Kind>().map_err(|_| {
            Refusal::BadRequest(format!("未知台账类型 {k} / unknown ledger kind {k}"))
        })?),
    };
    let period = match (form.field("period"), default_period) {
        (Some(p), _) => p.parse::<Period>().map_err(|_| {
            Refusal::BadRequest(format!(
                "无法识别的周期 {p} / unknown period {p} (e.g. 2024Q2, 2024-06, 2024)"
            ))
        })?,
        (None, Some(p)) => p,
        (None, None) => {
            return Err(Refusal::BadRequest(
                "缺少 period（如 2024Q2）/ period is required (e.g. 2024Q2)".into(),
            ));
        }
    };
    let region = match form.field("region") {
        Some(r) => {
            let unit = ws.roster.resolve(r).map_err(|e| {
                // A clerk naming a unit that does not exist is still asking
                // for another unit's data.
                if caller.only_unit().is_some() {
                    Refusal::Forbidden(r.to_string())
                } else {
                    Refusal::BadRequest(e.to_string())
                }
            })?;
            caller.check(&unit.code)?;
            unit.code.clone()
        }
        None => match caller.only_unit() {
            Some(own) => own.to_string(),
            None => {
                return Err(Refusal::BadRequest(
                    "省级令牌须指定 region（单位代码或名称）/ a province token must give region (a unit's code or name)".into(),
                ));
            }
        },
    };
    Ok(Said {
        kind,
        region,
        period,
    })
}

/// The service layer's form of one uploaded file.
pub fn received(file_name: &str, bytes: Vec<u8>, said: &Said) -> Received {
    Received {
        file_name: file_name.to_string(),
        content: Content::Bytes(Arc::from(bytes)),
        kind: said.kind,
        region: Some(said.region.clone()),
        period: Some(said.period),
        received_at: Some(crate::tokens::now()),
        source: Source::Upload,
    }
}
