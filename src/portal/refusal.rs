//! Why a request was not served, and how that is told: a page for people,
//! JSON for the API, in Chinese and English, with the status and headers
//! the refusal calls for. Every handler returns these; this module imports
//! only the page layout, so the portal's modules import each other as a tree.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use maud::{Markup, html};

use super::layout::layout;
use crate::error::Error;

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
        let page = refusal_page(&self.0).into_string();
        self.0
            .with_headers((self.0.status(), axum::response::Html(page)).into_response())
    }
}

/// The page for a refusal, in Chinese and English.
fn refusal_page(refusal: &Refusal) -> Markup {
    let (zh, en) = refusal.messages();
    layout(
        None,
        "无法完成 / refused",
        html! {
            p.refusal { (zh) }
            p.en { (en) }
            @if matches!(refusal, Refusal::Unauthorized) {
                p { a href="/login" { "登录 / sign in" } }
            } @else {
                p { a href="/" { "返回首页 / home" } }
            }
        },
    )
}
