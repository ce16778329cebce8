//! `/report`: the period report as Excel.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};

use crate::portal::html::{PageResult, province_only, session, xlsx};
use crate::portal::read::PeriodFilter;
use crate::portal::refusal::Refusal;
use crate::portal::state::Shared;

/// `/report`: the period report as Excel.
pub async fn report(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<PeriodFilter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    province_only(&caller)?;
    let root = app.root.clone();
    let period = filter.period.filter(|p| !p.is_empty());
    let (name, bytes) = tokio::task::spawn_blocking(move || -> crate::Result<(String, Vec<u8>)> {
        let paths = crate::service::report(
            &root.join("warehouse.duckdb"),
            period.as_deref(),
            &[],
            &["xlsx".to_string()],
            &root.join("reports"),
        )?;
        let path = paths
            .into_iter()
            .next()
            .ok_or_else(|| crate::Error::Usage("no report".into()))?;
        let bytes = std::fs::read(&path).map_err(crate::Error::io(&path))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok((name, bytes))
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?
    .map_err(Refusal::from)?;
    // The report's name is Chinese: an ASCII name for old clients, the
    // UTF-8 one for the rest (RFC 6266).
    let mut response = xlsx(&caller, "report.xlsx", bytes);
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"report.xlsx\"; filename*=UTF-8''{encoded}"
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
