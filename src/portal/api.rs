//! The JSON API (DESIGN §11): the pages' actions for scripts and other
//! systems, with `Authorization: Bearer <token>`.

use axum::Json;
use axum::extract::{ConnectInfo, Multipart, Path as UrlPath, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;

use super::auth::{self, Caller};
use super::refusal::{ApiRefusal, Refusal};
use super::web::LoggedUnit;
use super::{Shared, records, upload};

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
    let result = app.intake.submit(&app, file, &said, &caller).await?;
    Ok(answer(&caller, result))
}

#[derive(Debug, Deserialize)]
pub struct Filter {
    pub period: Option<String>,
    pub region: Option<String>,
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

/// The unit filter a caller may use: a clerk's own unit whatever it asks
/// (asking for another is a 403), the province's choice.
pub fn unit_filter(caller: &Caller, asked: Option<&str>) -> Result<Option<String>, Refusal> {
    match (caller.only_unit(), asked.filter(|r| !r.is_empty())) {
        (Some(own), Some(r)) if r != own => Err(Refusal::Forbidden(r.to_string())),
        (Some(own), _) => Ok(Some(own.to_string())),
        (None, r) => Ok(r.map(str::to_string)),
    }
}

/// Submissions the caller may see, as JSON rows: from the lake, so an
/// upload is listed the moment it is answered, with or without a warehouse.
pub async fn history(
    app: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<Vec<Value>, Refusal> {
    let unit = unit_filter(caller, filter.region.as_deref())?;
    let sql = "select submission_id, file_name, kind, region_code, period, \
               strftime(make_timestamp(epoch_us(received_at) + 28800000000), '%Y-%m-%d %H:%M:%S') as received_at, \
               source, rows_ok, rows_rejected, warnings, \
               case when status = 'rejected' then 'rejected' \
                    when is_current then 'current' else 'superseded' end as status \
               from stg_submissions \
               where ($1::varchar is null or region_code = $1) and ($2::varchar is null or period = $2) \
               order by received_at desc, submission_id, kind";
    let app = app.clone();
    query_on(
        move || crate::warehouse::submissions_now(&app.ws),
        sql,
        vec![unit, filter.period.clone()],
    )
    .await
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

/// A kept upload the caller may see, with the stem of its record: 404 when
/// there is none, 403 (naming no unit) when it is another unit's.
pub fn stored_for(
    app: &Shared,
    caller: &Caller,
    id: &str,
) -> Result<(String, records::Stored), Refusal> {
    let (stem, stored) = records::load_for(&app.root, caller, id).ok_or(Refusal::NotFound)?;
    caller.check(stored.owner())?;
    Ok((stem, stored))
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

/// The warehouse's latest period (the report's default).
pub async fn latest_period(app: &Shared) -> Result<String, Refusal> {
    let root = app.root.clone();
    tokio::task::spawn_blocking(move || {
        let conn = crate::warehouse::open_read_only(&root)?;
        crate::report::latest_period(&conn)
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?
    .map_err(Refusal::from)
}

/// Runs a read-only query on the warehouse (off the async threads) with
/// text parameters `$1`, `$2`, … (`None` = NULL); rows as JSON objects.
pub async fn query(
    app: &Shared,
    sql: &'static str,
    params: Vec<Option<String>>,
) -> Result<Vec<Value>, Refusal> {
    let root = app.root.clone();
    query_on(move || crate::warehouse::open_read_only(&root), sql, params).await
}

/// [`query`] on the database `open` gives.
async fn query_on(
    open: impl FnOnce() -> crate::Result<duckdb::Connection> + Send + 'static,
    sql: &'static str,
    params: Vec<Option<String>>,
) -> Result<Vec<Value>, Refusal> {
    tokio::task::spawn_blocking(move || -> crate::Result<Vec<Value>> {
        let conn = open()?;
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query(duckdb::params_from_iter(params.iter()))?;
        let names: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut object = serde_json::Map::new();
            for (i, name) in names.iter().enumerate() {
                let value: duckdb::types::Value = row.get(i)?;
                object.insert(name.clone(), json_of(value));
            }
            out.push(Value::Object(object));
        }
        Ok(out)
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?
    .map_err(Refusal::from)
}

fn json_of(value: duckdb::types::Value) -> Value {
    use duckdb::types::Value as V;
    match value {
        V::Null => Value::Null,
        V::Boolean(b) => b.into(),
        V::TinyInt(i) => i.into(),
        V::SmallInt(i) => i.into(),
        V::Int(i) => i.into(),
        V::BigInt(i) => i.into(),
        V::HugeInt(i) => (i as f64).into(),
        V::UTinyInt(i) => i.into(),
        V::USmallInt(i) => i.into(),
        V::UInt(i) => i.into(),
        V::UBigInt(i) => i.into(),
        V::Float(f) => {
            serde_json::Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number)
        }
        V::Double(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        V::Text(s) => s.into(),
        V::Date32(d) => chrono::NaiveDate::from_num_days_from_ce_opt(d + 719_163)
            .map_or(Value::Null, |d| d.to_string().into()),
        V::List(items) => Value::Array(items.into_iter().map(json_of).collect()),
        other => format!("{other:?}").into(),
    }
}
