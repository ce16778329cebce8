//! `/static/style.css`: the portal's one stylesheet.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const STYLE: &str = include_str!("../style.css");

pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}
