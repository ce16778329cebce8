//! What every page handler shares: who is signed in, a page around a body,
//! and a workbook as a download — each logged under the caller's unit.

use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;

use super::auth::{self, Caller};
use super::layout::{SignedIn, layout};
use super::refusal::{PageRefusal, Refusal};
use super::state::Shared;
use super::web::LoggedUnit;

pub type PageResult = Result<Response, PageRefusal>;

pub fn session(app: &Shared, headers: &HeaderMap) -> Result<Caller, Refusal> {
    auth::session(&app.tokens, &app.sessions, headers)
}

/// A page, logged under the caller's unit.
pub fn page(caller: Option<&Caller>, title: &str, body: Markup) -> Response {
    let who = caller.map(|c| SignedIn {
        region: &c.region,
        role: c.role,
        csrf: c.csrf.as_deref().unwrap_or(""),
    });
    let mut response = Html(layout(who.as_ref(), title, body).into_string()).into_response();
    if let Some(c) = caller {
        response
            .extensions_mut()
            .insert(LoggedUnit(c.region.clone()));
    }
    response
}

pub fn xlsx(caller: &Caller, file_name: &str, bytes: Vec<u8>) -> Response {
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response();
    response
        .extensions_mut()
        .insert(LoggedUnit(caller.region.clone()));
    response
}

/// A page for the province's staff only.
pub fn province_only(caller: &Caller) -> Result<(), Refusal> {
    if caller.role == crate::tokens::Role::Province {
        Ok(())
    } else {
        Err(Refusal::Forbidden("仅限省级 / province staff only".into()))
    }
}
