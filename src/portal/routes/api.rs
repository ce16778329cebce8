//! The JSON API (DESIGN §11): the pages' actions for scripts and other
//! systems, with `Authorization: Bearer <token>`.

use axum::Json;
use axum::extract::{ConnectInfo, Multipart, Path as UrlPath, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

use crate::portal::auth::{self, Caller};
use crate::portal::read::{Filter, history, latest_period, query, stored_for, unit_filter};
use crate::portal::refusal::{ApiRefusal, Refusal};
use crate::portal::state::Shared;
use crate::portal::upload;
use crate::portal::web::LoggedUnit;

type ApiResult = Result<Response, ApiRefusal>;

async fn caller(app: &Shared, headers: &HeaderMap, peer: SocketAddr) -> Result<Caller, Refusal> {
    auth::bearer(&app.tokens, &app.limiter, headers, peer.ip()).await
}

/// A JSON answer, logged under the caller's unit.
fn answer(caller: &Caller, value: impl serde::Serialize) -> Response {
    let mut response = Json(value).into_response();
    response
        .extensions_mut()
        .insert(LoggedUnit(caller.region.clone()));
    response
}

/// `POST /api/submissions`: one workbook (`file`), `period`, optional
/// `kind`, and `region` (a province token's choice; a clerk's own).
pub async fn post_submission(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    multipart: Multipart,
) -> ApiResult {
    let caller = caller(&app, &headers, peer).await?;
    // A unit past its quota is refused before its body is read.
    app.intake.quota.check(&caller, 0)?;
    let mut form = upload::read(multipart, &headers, app.form_limits(1), &app.spool, |_| {
        Ok(())
    })
    .await?;
    let file = match (form.files.pop(), form.files.len()) {
        (Some(file), 0) => file,
        (file, more) => {
            let got = more + usize::from(file.is_some());
            return Err(Refusal::BadRequest(format!(
                "须上传一个文件（字段 file），收到 {got} 个 / exactly one file (field `file`) is expected, got {got}"
            ))
            .into());
        }
    };
    let said = upload::said(&form, &caller, &app.ws)?;
    let result = app.intake.submit(file, &said, &caller).await?;
    Ok(answer(&caller, result))
}

/// `GET /api/submissions?period=&region=`: the caller's submissions (a
/// clerk's own unit's; the province's all, or one unit's), from the
/// warehouse, newest first.
pub async fn list_submissions(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> ApiResult {
    let caller = caller(&app, &headers, peer).await?;
    let rows = history(&app, &caller, &filter).await?;
    Ok(answer(&caller, serde_json::json!({ "submissions": rows })))
}

/// `GET /api/submissions/{id}`: an upload's result as the clerk was told it.
pub async fn get_submission(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> ApiResult {
    let caller = caller(&app, &headers, peer).await?;
    let (_, stored) = stored_for(&app, &caller, &id)?;
    Ok(answer(&caller, stored))
}

/// `GET /api/coverage?period=`: `mart_submission_coverage` rows the caller
/// may see (a clerk: its own unit's scope).
pub async fn coverage(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> ApiResult {
    let caller = caller(&app, &headers, peer).await?;
    let unit = unit_filter(&caller, filter.region.as_deref())?;
    let period = match filter.period.clone() {
        Some(p) => p,
        None => latest_period(&app).await?,
    };
    let rows = query(
        &app,
        "select * from mart_submission_coverage \
         where period = $1 and ($2::varchar is null or scope_code = $2) \
         order by scope_level, scope_code, kind",
        vec![Some(period.clone()), unit],
    )
    .await?;
    Ok(answer(
        &caller,
        serde_json::json!({ "period": period, "coverage": rows }),
    ))
}
