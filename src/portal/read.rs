//! The portal's read layer: what its pages and its JSON API read — the
//! warehouse's models (read-only, off the async threads), the lake's
//! submissions, and the kept upload records — each as the caller may see it.
//! Every figure is a model's column: nothing is counted here.

use serde::Deserialize;
use serde_json::Value;

use super::auth::Caller;
use super::records;
use super::refusal::Refusal;
use super::state::Shared;

#[derive(Debug, Deserialize)]
pub struct Filter {
    pub period: Option<String>,
    pub region: Option<String>,
}

/// A page's period (`None` or empty: the warehouse's latest).
#[derive(Debug, Deserialize)]
pub struct PeriodFilter {
    pub period: Option<String>,
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

/// The period asked for, else the warehouse's latest; `None` while there
/// is no warehouse yet (a page says so rather than refuse).
pub async fn period_or_latest(
    app: &Shared,
    asked: Option<String>,
) -> Result<Option<String>, Refusal> {
    match asked.filter(|p| !p.is_empty()) {
        Some(p) => Ok(Some(p)),
        None => match latest_period(app).await {
            Ok(p) => Ok(Some(p)),
            Err(Refusal::NoWarehouse) => Ok(None),
            Err(e) => Err(e),
        },
    }
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

/// A row's value as text (empty for null).
pub fn text(row: &Value, key: &str) -> String {
    match row.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
    }
}

/// The report's chart data for `period`, read off the async threads.
pub async fn charts(app: &Shared, period: &str) -> Result<crate::report::Charts, Refusal> {
    let (root, period) = (app.root.clone(), period.to_string());
    tokio::task::spawn_blocking(move || {
        let conn = crate::warehouse::open_read_only(&root)?;
        crate::report::gather_charts(&conn, &crate::warehouse::sql_string(&period))
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?
    .map_err(Refusal::from)
}
