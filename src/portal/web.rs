//! What every response shares: security headers, the request log, and how a
//! refusal is told (a page for people, JSON for the API), in Chinese and
//! English.

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use super::{Shared, auth};
use crate::error::{Error, Result};

/// Why a request was not served.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// No token, or one that is unknown, expired or revoked.
    Unauthorized,
    /// A live token asking for another unit's data, or a form that is not
    /// the caller's own; the detail (empty: none) never names a unit the
    /// caller did not name itself.
    Forbidden(String),
    /// A file over the size limit (bytes allowed).
    TooLarge(u64),
    BadRequest(String),
    /// The writer lock stayed held by a batch job: try again in n seconds.
    Busy(u64),
    /// Too many failed sign-ins from this address: n seconds.
    TooManyAttempts(u64),
    /// The unit's archived uploads reached the day's quota: files and
    /// megabytes allowed, seconds until midnight (UTC+8).
    Quota {
        files: u64,
        mb: u64,
        retry_after: u64,
    },
    /// Too many uploads are waiting on disk to be read: try again in n seconds.
    Full(u64),
    /// The upload's body paused longer than allowed (seconds).
    Timeout(u64),
    NotFound,
    /// The warehouse has not been built yet.
    NoWarehouse,
    /// What went wrong, for the server's log only: a client is never told
    /// (it can name the server's paths).
    Internal(String),
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
            Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
            Refusal::Busy(_) | Refusal::Full(_) | Refusal::NoWarehouse => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Refusal::TooManyAttempts(_) | Refusal::Quota { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unauthorized => "unauthorized",
            Refusal::Forbidden(_) => "forbidden",
            Refusal::TooLarge(_) => "too-large",
            Refusal::BadRequest(_) => "bad-request",
            Refusal::Busy(_) => "busy",
            Refusal::TooManyAttempts(_) => "too-many-attempts",
            Refusal::Quota { .. } => "quota",
            Refusal::Full(_) => "full",
            Refusal::Timeout(_) => "timeout",
            Refusal::NotFound => "not-found",
            Refusal::NoWarehouse => "no-warehouse",
            Refusal::Internal(_) => "internal",
        }
    }

    /// (中文, English)
    pub fn messages(&self) -> (String, String) {
        match self {
            Refusal::Unauthorized => (
                "未登录或令牌无效（未知、过期或已吊销）".into(),
                "not signed in, or the token is unknown, expired or revoked".into(),
            ),
            Refusal::Forbidden(what) if what.is_empty() => (
                "无权访问其他单位的数据".into(),
                "this token may not see or submit another unit's data".into(),
            ),
            Refusal::Forbidden(what) => (
                format!("无权访问其他单位的数据：{what}"),
                format!("this token may not see or submit another unit's data: {what}"),
            ),
            Refusal::TooLarge(limit) => (
                format!("文件超过大小上限 {} MB", limit / (1024 * 1024)),
                format!(
                    "the file is over the size limit of {} MB",
                    limit / (1024 * 1024)
                ),
            ),
            Refusal::BadRequest(why) => (format!("请求有误：{why}"), format!("bad request: {why}")),
            Refusal::Busy(s) => (
                format!("系统正在处理批量任务，请 {s} 秒后重试；文件未被接收"),
                format!(
                    "a batch job holds the workspace; try again in {s} s (the file was not received)"
                ),
            ),
            Refusal::TooManyAttempts(s) => (
                format!("此地址登录失败过多，请 {s} 秒后再试"),
                format!("too many failed sign-ins from this address; try again in {s} s"),
            ),
            Refusal::Quota { files, mb, .. } => (
                format!(
                    "本单位今日上传已达上限（每日 {files} 个文件或 {mb} MB），请明日再传；文件未被接收"
                ),
                format!(
                    "your unit reached today's upload quota ({files} files or {mb} MB a day); \
                     try again tomorrow (the file was not received)"
                ),
            ),
            Refusal::Full(s) => (
                format!("待处理的上传过多，请 {s} 秒后重试；文件未被接收"),
                format!(
                    "too many uploads are waiting to be read; try again in {s} s (the file was not received)"
                ),
            ),
            Refusal::Timeout(s) => (
                format!("上传中断超过 {s} 秒，已停止接收；请重新上传"),
                format!("the upload paused for more than {s} s and was dropped; upload it again"),
            ),
            Refusal::NotFound => ("页面不存在".into(), "no such page".into()),
            Refusal::NoWarehouse => (
                "仓库尚未构建，请稍后再试".into(),
                "the warehouse has not been built yet; try again shortly".into(),
            ),
            Refusal::Internal(_) => (
                "服务器内部错误，已记入服务器日志".into(),
                "internal error; it was written to the server's log".into(),
            ),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Refusal::Busy(s) | Refusal::TooManyAttempts(s) | Refusal::Full(s) => Some(*s),
            Refusal::Quota { retry_after, .. } => Some(*retry_after),
            Refusal::NoWarehouse => Some(10),
            _ => None,
        }
    }

    fn with_headers(&self, mut response: Response) -> Response {
        if let Some(s) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if matches!(self, Refusal::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"taizhang\""),
            );
        }
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Refusal {
        match e {
            Error::NoWarehouse(_) => Refusal::NoWarehouse,
            Error::LockHeld(_) => Refusal::Busy(5),
            Error::Usage(why) => Refusal::BadRequest(why),
            other => Refusal::Internal(other.to_string()),
        }
    }
}

/// A refusal told as JSON: `{error, message_zh, message_en}`.
#[derive(Debug)]
pub struct ApiRefusal(pub Refusal);

impl<E: Into<Refusal>> From<E> for ApiRefusal {
    fn from(e: E) -> ApiRefusal {
        ApiRefusal(e.into())
    }
}

impl IntoResponse for ApiRefusal {
    fn into_response(self) -> Response {
        let (zh, en) = self.0.messages();
        let body =
            serde_json::json!({ "error": self.0.code(), "message_zh": zh, "message_en": en });
        self.0
            .with_headers((self.0.status(), Json(body)).into_response())
    }
}

/// A refusal told as a page; 401 on a page leads to the sign-in form.
#[derive(Debug)]
pub struct PageRefusal(pub Refusal);

impl<E: Into<Refusal>> From<E> for PageRefusal {
    fn from(e: E) -> PageRefusal {
        PageRefusal(e.into())
    }
}

impl IntoResponse for PageRefusal {
    fn into_response(self) -> Response {
        let page = super::pages::refusal_page(&self.0).into_string();
        self.0
            .with_headers((self.0.status(), axum::response::Html(page)).into_response())
    }
}

/// The unit a request was made for, recorded by handlers for the log.
#[derive(Debug, Clone)]
pub struct LoggedUnit(pub String);

pub async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        ApiRefusal(Refusal::NotFound).into_response()
    } else {
        PageRefusal(Refusal::NotFound).into_response()
    }
}

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

    fn refusal(&self, line: &serde_json::Value) {
        let mut f = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(f, "{line}");
    }
}

/// Around every request: the security headers, then one log line
/// (`time addr method path status ms unit=…`), and refusals to the
/// workspace's refusal log.
pub async fn around(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let asked = request.headers().clone();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = response.status().as_u16();
    let refusal = response.extensions().get::<Refusal>().cloned();
    let unit = match response.extensions().get::<LoggedUnit>() {
        Some(u) => u.0.clone(),
        // A refused request is logged under the unit that sent it, when its
        // token says which: the office wants to know who was turned away.
        None if refusal.is_some() => {
            auth::identify(&app.tokens, &app.sessions, &asked).unwrap_or_else(|| "-".into())
        }
        None => "-".into(),
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let now = crate::tokens::now().format("%Y-%m-%dT%H:%M:%S%.3f%:z");
    eprintln!(
        "{now} {} {method} {path} {status} {ms:.1}ms unit={unit}",
        peer.ip()
    );
    if let Some(Refusal::Internal(why)) = &refusal {
        eprintln!("{now} internal error on {method} {path}: {why}");
    }
    if let Some(refusal) = refusal
        && !matches!(refusal, Refusal::NotFound)
    {
        app.log.refusal(&serde_json::json!({
            "at": now.to_string(),
            "addr": peer.ip().to_string(),
            "method": method.as_str(),
            "path": path,
            "status": status,
            "unit": unit,
            "refusal": refusal.code(),
        }));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_is_told_without_its_details() {
        let refusal = Refusal::from(Error::Io {
            path: "/srv/taizhang/archive/x.bin".into(),
            source: std::io::Error::other("File name too long"),
        });
        assert_eq!(refusal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let (zh, en) = refusal.messages();
        for told in [zh, en] {
            assert!(
                !told.contains("/srv") && !told.contains("too long"),
                "{told}"
            );
        }
    }

    #[test]
    fn every_refusal_is_told_in_chinese_and_english() {
        for refusal in [
            Refusal::Quota {
                files: 100,
                mb: 300,
                retry_after: 60,
            },
            Refusal::Full(30),
            Refusal::Timeout(30),
            Refusal::Forbidden(String::new()),
        ] {
            let (zh, en) = refusal.messages();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii() && !en.is_empty(), "{en}");
        }
    }
}
