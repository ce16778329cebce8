//! What every response shares: security headers and the request log (with
//! each refusal, `portal/refusals.jsonl`). How a refusal is told is
//! `refusal.rs`.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;

use super::auth;
use super::refusal::{ApiRefusal, PageRefusal, Refusal};
use super::state::Shared;

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
    use crate::error::Error;

    #[test]
    fn an_internal_error_is_told_without_its_details() {
        let refusal = Refusal::from(Error::Io {
            path: "/srv/taizhang/archive/x.bin".into(),
            source: std::io::Error::other("File name too long"),
        });
        assert_eq!(
            refusal.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
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
