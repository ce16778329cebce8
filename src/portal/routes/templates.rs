//! `/templates/<kind>.xlsx`: a blank ledger for clerks.

use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;

use crate::ledger::Kind;
use crate::portal::html::{PageResult, session, xlsx};
use crate::portal::refusal::Refusal;
use crate::portal::state::Shared;

/// `/templates/<kind>.xlsx`: the blank template with one example row.
pub async fn template(
    State(app): State<Shared>,
    headers: HeaderMap,
    UrlPath(file): UrlPath<String>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let kind: Kind = file
        .strip_suffix(".xlsx")
        .and_then(|k| k.parse().ok())
        .ok_or(Refusal::NotFound)?;
    let bytes = crate::template::workbook(kind, &[crate::template::example_row(kind)])
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    Ok(xlsx(
        &caller,
        &format!("{}-template.xlsx", kind.as_str()),
        bytes,
    ))
}
