//! The portal's pages: rendered on the server by maud, which escapes every
//! value it is given, so no text a user sent (a file name, a cell's value)
//! is ever read as HTML. No JavaScript: forms post, links link.

use axum::Form;
use axum::extract::{ConnectInfo, Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;

use super::api::{self, Filter};
use super::auth::{self, Caller};
use super::html::{PageResult, page, session, xlsx};
use super::layout::layout;
use super::records;
use super::refusal::Refusal;
use super::web::LoggedUnit;
use super::{Shared, upload};
use crate::ingest::SubmissionResult;
use crate::ledger::Kind;
use crate::normalize::Period;
use crate::tokens::Role;

const STYLE: &str = include_str!("style.css");

fn province_only(caller: &Caller) -> Result<(), Refusal> {
    if caller.role == Role::Province {
        Ok(())
    } else {
        Err(Refusal::Forbidden("仅限省级 / province staff only".into()))
    }
}

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

/// `/`: the signed-in home (upload for clerks, coverage for the province),
/// else the sign-in form.
pub async fn home(State(app): State<Shared>, headers: HeaderMap) -> PageResult {
    match session(&app, &headers) {
        Ok(c) if c.role == Role::Province => Ok(Redirect::to("/coverage").into_response()),
        Ok(_) => Ok(Redirect::to("/upload").into_response()),
        Err(_) => login_page(&headers, None, StatusCode::OK),
    }
}

/// The sign-in form, with a fresh form token in a field and in its cookie.
fn login_page(headers: &HeaderMap, error: Option<&Refusal>, status: StatusCode) -> PageResult {
    let (csrf, cookie) = auth::login_csrf(headers)?;
    let body = html! {
        @if let Some(e) = error {
            @let (zh, en) = e.messages();
            p.refusal { (zh) }
            p.en { (en) }
        }
        form.card method="post" action="/login" {
            input type="hidden" name="login_csrf" value=(csrf);
            label for="token" { "单位令牌 / unit token" }
            input #token type="password" name="token" autocomplete="off" required;
            button type="submit" { "登录 / sign in" }
        }
        p.hint { "令牌由省改革办通过 taizhang token add 发放。/ Tokens are issued by the reform office." }
    };
    let mut response = (status, Html(layout(None, "登录", body).into_string())).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| Refusal::Internal(e.to_string()))?,
    );
    Ok(response)
}

pub async fn login_form(headers: HeaderMap) -> PageResult {
    login_page(&headers, None, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    login_csrf: Option<String>,
}

/// `POST /login`: a session for a live token, from the portal's own
/// sign-in form; failures are counted per address (see
/// [`auth::RateLimiter`]).
pub async fn login(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult {
    auth::check_login_csrf(&headers, form.login_csrf.as_deref())?;
    let record = match app.limiter.check(&app.tokens, &form.token, peer.ip()).await {
        Ok(record) => record,
        Err(refusal) => {
            let mut response = login_page(&headers, Some(&refusal), refusal.status())?;
            if let Refusal::TooManyAttempts(s) = refusal {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(s));
            }
            response.extensions_mut().insert(refusal);
            return Ok(response);
        }
    };
    let (id, _csrf) = app.sessions.open(&record.id)?;
    let mut response = Redirect::to("/").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&auth::session_cookie(&id, &headers))
            .map_err(|e| Refusal::Internal(e.to_string()))?,
    );
    response
        .extensions_mut()
        .insert(LoggedUnit(record.region.clone()));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    auth::check_csrf(&caller, form.csrf.as_deref())?;
    if let Some(id) = auth::session_id(&headers) {
        app.sessions.close(&id);
    }
    let mut response = Redirect::to("/login").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&auth::clear_cookie())
            .map_err(|e| Refusal::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// The quarters the upload form suggests (never fills in): the one just
/// ended first — what clerks send in the first days of a quarter — then
/// today's (UTC+8), then six before.
pub fn suggested_periods(today: chrono::NaiveDate) -> Vec<Period> {
    use chrono::Datelike;
    let index = today.year() * 4 + today.month0() as i32 / 3;
    let quarter = |i: i32| Period::Quarter(i.div_euclid(4), i.rem_euclid(4) as u32 + 1);
    [index - 1, index]
        .into_iter()
        .chain((2..8).map(|back| index - back))
        .map(quarter)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_suggests_the_quarter_just_ended_first() {
        let on = |d: &str| {
            suggested_periods(d.parse().unwrap())
                .iter()
                .map(Period::to_string)
                .collect::<Vec<_>>()
        };
        let deadline_day = on("2024-04-05");
        assert_eq!(deadline_day[..3], ["2024Q1", "2024Q2", "2023Q4"]);
        assert_eq!(deadline_day.len(), 8);
        assert_eq!(on("2025-01-10")[..2], ["2024Q4", "2025Q1"]);
    }
}

fn kind_label(kind: &str) -> String {
    kind.parse::<Kind>()
        .map_or(kind.to_string(), |k| k.label_zh().to_string())
}

pub async fn upload_form(State(app): State<Shared>, headers: HeaderMap) -> PageResult {
    let caller = session(&app, &headers)?;
    Ok(page(
        Some(&caller),
        "上传台账",
        upload_form_body(&app, &caller),
    ))
}

fn upload_form_body(app: &Shared, caller: &Caller) -> Markup {
    let max_mb = app.max_upload_bytes / (1024 * 1024);
    html! {
        form.card method="post" action="/upload" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(caller.csrf.as_deref().unwrap_or(""));
            label for="file" { "台账文件（xlsx / xls / csv，可多选，每个不超过 " (max_mb) " MB）" }
            input #file type="file" name="file" multiple required accept=".xlsx,.xlsm,.xls,.xlsb,.ods,.csv";
            label for="kind" { "台账类型（可不选，自动识别）" }
            select #kind name="kind" {
                option value="" { "自动识别 / detect" }
                @for k in Kind::ALL {
                    option value=(k.as_str()) { (k.label_zh()) }
                }
            }
            label for="period" { "报送周期（可不填，从文件标题、工作表名或文件名识别）" }
            input #period type="text" name="period" value="" placeholder="从文件识别 / from the file" list="periods" pattern="[0-9]{4}(Q[1-4]|-[0-9]{2})?";
            datalist #periods {
                @for p in suggested_periods(crate::tokens::today()) {
                    option value=(p.to_string()) {}
                }
            }
            @if caller.role == Role::Province {
                label for="region" { "报送单位（代码或名称；可不填，从文件识别）" }
                input #region type="text" name="region" placeholder="从文件识别 / from the file" list="units";
                datalist #units {
                    @for u in app.ws.roster.units() {
                        option value=(u.code) { (u.name) }
                    }
                }
            } @else {
                p.hint { "报送单位：" (unit_name(app, &caller.region)) }
            }
            button type="submit" { "上传并校验" }
        }
        h2 { "空白模板" }
        ul.templates {
            @for k in Kind::ALL {
                li { a href={ "/templates/" (k.as_str()) ".xlsx" } { (k.label_zh()) "模板" } }
            }
        }
    }
}

fn unit_name(app: &Shared, code: &str) -> String {
    app.ws
        .roster
        .get(code)
        .map_or(code.to_string(), |u| format!("{} {}", u.code, u.name))
}

/// `POST /upload`: every file through the single entry point; one result
/// block per file.
pub async fn upload(
    State(app): State<Shared>,
    headers: HeaderMap,
    multipart: Multipart,
) -> PageResult {
    let caller = session(&app, &headers)?;
    // A unit past its quota is refused before its body is read.
    app.intake.quota.check(&caller, 0)?;
    let limits = app.form_limits(app.ws.config.portal.files_per_upload);
    // The form's CSRF field comes before its files: a forged upload is
    // refused before a byte of a file is kept.
    let form = upload::read(multipart, &headers, limits, &app.spool, |fields| {
        auth::check_csrf(&caller, upload::text_field(fields, "csrf"))
    })
    .await?;
    let said = upload::said(&form, &caller, &app.ws)?;
    if form.files.is_empty() {
        return Err(Refusal::BadRequest("未选择文件 / no file chosen".into()).into());
    }
    // Each file on its own: one refused (its unit's quota reached, say)
    // is told beside the others' results, and the others still go in.
    let mut results = Vec::new();
    let mut refused = Vec::new();
    for file in form.files {
        let name = file.name.clone();
        match app.intake.submit(&app, file, &said, &caller).await {
            Ok(result) => results.push(result),
            Err(refusal) => {
                if let Refusal::Internal(why) = &refusal {
                    eprintln!("portal: an upload of {} failed: {why}", caller.region);
                }
                refused.push((name, refusal));
            }
        }
    }
    if results.is_empty()
        && let Some((_, refusal)) = refused.first()
    {
        return Err(refusal.clone().into());
    }
    let body = html! {
        @for r in &results {
            (result_block(r))
        }
        @for (name, refusal) in &refused {
            @let (zh, en) = refusal.messages();
            section.result {
                h2 { (name) " " span class="status rejected" { "未接收 not received" } }
                p.refusal { (zh) }
                p.en { (en) }
            }
        }
        p { a href="/upload" { "继续上传" } " · " a href="/submissions" { "报送记录" } }
    };
    Ok(page(Some(&caller), "校验结果", body))
}

fn status_label(status: &str) -> &'static str {
    match status {
        "accepted" => "已接收",
        "rejected" => "未接收",
        "current" => "当前版本",
        "superseded" => "已被替代",
        _ => "—",
    }
}

fn result_block(r: &SubmissionResult) -> Markup {
    let errors = r.issues.iter().filter(|i| i.severity == "error").count();
    html! {
        section.result {
            h2 {
                (r.file_name) " "
                span class={ "status " (r.status) } { (status_label(&r.status)) " " (r.status) }
            }
            p.meta {
                "报送编号 " code { (r.submission_id) }
                @if let Some(region) = &r.region_code { " · 单位 " (region) }
                @if let Some(period) = &r.period { " · 周期 " (period) }
            }
            @if let Some(why) = &r.already_received {
                p.hint { "此文件此前已收到，未重复导入：" (why) }
                @if !r.ledgers.is_empty() {
                    p.hint { "以下是该文件首次导入时的结果 / the result of this file's first reading:" }
                }
            }
            @if !r.ledgers.is_empty() {
                table {
                    thead { tr { th { "台账" } th { "工作表" } th { "状态" } th { "导入行" } th { "拒收行" } th { "警告" } } }
                    tbody {
                        @for l in &r.ledgers {
                            tr {
                                td { (kind_label(&l.kind)) }
                                td { (l.sheets.join("、")) }
                                td { (status_label(&l.status)) }
                                td.num { (l.rows_ok) }
                                td.num { (l.rows_rejected) }
                                td.num { (l.warnings) }
                            }
                        }
                    }
                }
            }
            @if r.issues.is_empty() {
                // A repeat known only by its bytes has no result to vouch for.
                @if r.already_received.is_none() || !r.ledgers.is_empty() {
                    p.ok { "没有发现问题。" }
                }
            } @else {
                p { "发现 " (r.issues.len()) " 个问题（错误 " (errors) " 个），请按单元格修改后重新上传：" }
                table.issues {
                    thead { tr { th { "工作表" } th { "单元格" } th { "级别" } th { "值" } th { "说明" } th { "代码" } } }
                    tbody {
                        @for i in &r.issues {
                            tr class=(i.severity) {
                                td { (i.sheet.as_deref().unwrap_or("")) }
                                td.cell { (i.cell.as_deref().unwrap_or("")) }
                                td { (if i.severity == "error" { "错误" } else { "警告" }) }
                                td.value { (i.value.as_deref().unwrap_or("")) }
                                td { (i.message_zh) br; small { (i.message_en) } }
                                td { code { (i.code) } }
                            }
                        }
                    }
                }
            }
            p {
                a href={ "/submissions/" (r.submission_id) } { "结果页" }
                @if r.already_received.is_none() && !r.ledgers.is_empty() {
                    " · " a href={ "/submissions/" (r.submission_id) "/feedback.xlsx" } { "下载批注版台账（标出问题单元格）" }
                }
            }
        }
    }
}

/// `/submissions`: the unit's history (the province: every unit's, or one
/// unit's with `?region=`).
pub async fn submissions(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let rows = match api::history(&app, &caller, &filter).await {
        Err(Refusal::NoWarehouse) => None,
        other => Some(other?),
    };
    let body = html! {
        form.filters method="get" action="/submissions" {
            label { "周期 " input type="text" name="period" value=(filter.period.as_deref().unwrap_or("")); }
            @if caller.role == Role::Province {
                label { "单位 " input type="text" name="region" value=(filter.region.as_deref().unwrap_or("")); }
            }
            button type="submit" { "筛选" }
        }
        @match rows {
            None => { p.hint { "仓库尚未构建，稍后刷新。/ The warehouse is being built; reload shortly." } }
            Some(rows) if rows.is_empty() => { p.hint { "暂无报送记录。" } }
            Some(rows) => { table {
                thead { tr { th { "接收时间" } th { "文件" } th { "单位" } th { "周期" } th { "台账" } th { "状态" } th { "导入行" } th { "拒收行" } th { "警告" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (text(r, "received_at")) }
                            td { a href={ "/submissions/" (text(r, "submission_id")) } { (text(r, "file_name")) } }
                            td { (text(r, "region_code")) }
                            td { (text(r, "period")) }
                            td { (kind_label(&text(r, "kind"))) }
                            td { span class={ "status " (text(r, "status")) } { (status_label(&text(r, "status"))) } }
                            td.num { (text(r, "rows_ok")) }
                            td.num { (text(r, "rows_rejected")) }
                            td.num { (text(r, "warnings")) }
                        }
                    }
                }
            } }
        }
    };
    Ok(page(Some(&caller), "报送记录", body))
}

/// A scope level as the province's staff say it; an unknown one as it is.
fn level_zh(level: &str) -> &str {
    match level {
        "province" => "全省",
        "city" => "市（州）",
        "county" => "县（市、区）",
        "department" => "省直部门",
        other => other,
    }
}

fn text(row: &Value, key: &str) -> String {
    match row.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
    }
}

pub async fn submission(
    State(app): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let (_, stored) = api::stored_for(&app, &caller, &id)?;
    let body = html! {
        p.meta { "上传于 " (stored.uploaded_at) }
        (result_block(&stored.result))
    };
    Ok(page(Some(&caller), "校验结果", body))
}

pub async fn feedback(
    State(app): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let (stem, _) = api::stored_for(&app, &caller, &id)?;
    let bytes =
        std::fs::read(records::feedback_path(&app.root, &stem)).map_err(|_| Refusal::NotFound)?;
    Ok(xlsx(&caller, &format!("feedback-{id}.xlsx"), bytes))
}

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

#[derive(Debug, Deserialize)]
pub struct CoverageFilter {
    period: Option<String>,
    city: Option<String>,
}

/// `/coverage`: every expected unit and kind — on time, late or missing —
/// for a period; the province can narrow it to a city. A clerk sees its own
/// unit's row.
pub async fn coverage(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<CoverageFilter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let period = match filter.period.clone().filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => match api::latest_period(&app).await {
            Ok(p) => p,
            Err(Refusal::NoWarehouse) => {
                let body = html! { p.hint { "仓库尚未构建，稍后刷新。/ The warehouse is being built; reload shortly." } };
                return Ok(page(Some(&caller), "报送情况", body));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let city = filter.city.clone().filter(|c| !c.is_empty());
    let rows = api::query(
        &app,
        "select expected.unit_code, roster.name as unit_name, expected.unit_level, \
                roster.parent_code, expected.kind, expected.is_submitted, expected.is_on_time, \
                expected.due_on, \
                strftime(make_timestamp(epoch_us(expected.first_received_at) + 28800000000), '%Y-%m-%d %H:%M') as first_received_at \
         from int_expected_submissions as expected \
         inner join stg_roster as roster on roster.code = expected.unit_code \
         where expected.period = $1 \
           and ($2::varchar is null or expected.unit_code = $2) \
           and ($3::varchar is null or expected.unit_code = $3 or roster.parent_code = $3) \
         order by coalesce(roster.parent_code, ''), expected.unit_code, expected.kind",
        vec![
            Some(period.clone()),
            caller.only_unit().map(str::to_string),
            city.clone(),
        ],
    )
    .await?;
    let cities: Vec<_> = app
        .ws
        .roster
        .units()
        .iter()
        .filter(|u| u.level == crate::normalize::region::Level::City)
        .collect();
    // The figures of the scope in view, each a link to the rows behind it:
    // a clerk's own unit, the chosen city, else the province.
    let scope = caller
        .only_unit()
        .map(str::to_string)
        .or(city.clone())
        .or_else(|| {
            app.ws
                .roster
                .units()
                .iter()
                .find(|u| u.level == crate::normalize::region::Level::Province)
                .map(|u| u.code.clone())
        });
    let figures = match &scope {
        Some(scope) => {
            api::query(
                &app,
                "select kind, expected_units, submitted_units, on_time_units \
                 from mart_submission_coverage where period = $1 and scope_code = $2 \
                 order by kind",
                vec![Some(period.clone()), Some(scope.clone())],
            )
            .await?
        }
        None => Vec::new(),
    };
    let over_time = match caller.role {
        Role::Province => Some(charts(&app, &period).await?.coverage_over_time),
        Role::Clerk => None,
    };
    let body = html! {
        @if let Some(points) = &over_time {
            div.charts {
                (chart("全省改革任务台账报送率（各期）", crate::report::html::lines(points, &["报送率", "按时报送率"])))
            }
        }
        form.filters method="get" action="/coverage" {
            label { "周期 " input type="text" name="period" value=(period); }
            @if caller.role == Role::Province {
                label { "市 "
                    select name="city" {
                        option value="" { "全部 / all" }
                        @for c in &cities {
                            option value=(c.code) selected[city.as_deref() == Some(c.code.as_str())] { (c.name) }
                        }
                    }
                }
            }
            button type="submit" { "刷新" }
        }
        @if let (Some(scope), false) = (&scope, figures.is_empty()) {
            table.figures {
                thead { tr { th { "台账" } th { "应报单位" } th { "已报单位" } th { "按时报送单位" } } }
                tbody {
                    @for f in &figures {
                        @let kind = text(f, "kind");
                        tr {
                            td { (kind_label(&kind)) }
                            @for column in ["expected_units", "submitted_units", "on_time_units"] {
                                td.num {
                                    a.figure href=(super::trace::link("mart_submission_coverage", scope, &period, Some(column), Some(&kind))) {
                                        (text(f, column))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        table {
            thead { tr { th { "单位" } th { "层级" } th { "台账" } th { "状态" } th { "首次接收" } th { "截止日" } } }
            tbody {
                @for r in &rows {
                    @let (label, class) = if r["is_on_time"] == Value::Bool(true) {
                        ("按时报送", "current")
                    } else if r["is_submitted"] == Value::Bool(true) {
                        ("逾期报送", "late")
                    } else {
                        ("未报送", "rejected")
                    };
                    tr {
                        td { (text(r, "unit_code")) " " (text(r, "unit_name")) }
                        td { (level_zh(&text(r, "unit_level"))) }
                        td { (kind_label(&text(r, "kind"))) }
                        td { span class={ "status " (class) } { (label) } }
                        td { (text(r, "first_received_at")) }
                        td { (text(r, "due_on")) }
                    }
                }
            }
        }
        p.hint { "上传后数秒内更新（仓库在上传停顿 2 秒后重建）。" }
    };
    Ok(page(Some(&caller), &format!("报送情况 {period}"), body))
}

/// The report's chart data for `period`, read off the async threads.
async fn charts(app: &Shared, period: &str) -> Result<crate::report::Charts, Refusal> {
    let (root, period) = (app.root.clone(), period.to_string());
    tokio::task::spawn_blocking(move || {
        let conn = crate::warehouse::open_read_only(&root)?;
        crate::report::gather_charts(&conn, &crate::warehouse::sql_string(&period))
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?
    .map_err(Refusal::from)
}

/// A chart drawn on the server (SVG, no JavaScript; each number also on
/// hover), under its title. The page's table beside it holds the same figures.
fn chart(title: &str, svg: String) -> Markup {
    html! {
        figure.chart {
            figcaption { (title) }
            (maud::PreEscaped(svg))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PeriodFilter {
    period: Option<String>,
}

/// `/scorecard`: the weighted score and rank of every city and county.
pub async fn scorecard(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<PeriodFilter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    province_only(&caller)?;
    let period = match filter.period.filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => api::latest_period(&app).await?,
    };
    let rows = api::query(
        &app,
        "select card.scope_code, roster.name, card.scope_level, \
                round(card.composite_score, 2) as composite_score, card.rank \
         from mart_scorecard as card \
         inner join stg_roster as roster on roster.code = card.scope_code \
         where card.period = $1 \
         order by card.scope_level, card.rank nulls last, card.scope_code",
        vec![Some(period.clone())],
    )
    .await?;
    let charts = charts(&app, &period).await?;
    let score_by_city: Vec<(String, Vec<Option<f64>>)> = charts
        .score_by_city
        .iter()
        .map(|(city, score)| (city.clone(), vec![Some(*score)]))
        .collect();
    let completion_by_city: Vec<(String, Vec<Option<f64>>)> = charts
        .completion_by_city
        .iter()
        .map(|(city, done, on_time)| (city.clone(), vec![*done, *on_time]))
        .collect();
    let body = html! {
        div.charts {
            (chart("各市（州）综合得分", crate::report::html::bars(&score_by_city, &["综合得分"], 100.0, |x| format!("{x:.1}"))))
            (chart("各市（州）任务完成率与按期完成率", crate::report::html::bars(&completion_by_city, &["完成率", "按期完成率"], 1.0, |x| format!("{:.1}%", x * 100.0))))
        }
        table {
            thead { tr { th { "单位" } th { "层级" } th { "综合得分" } th { "排名" } } }
            tbody {
                @for r in &rows {
                    tr {
                        td { (text(r, "scope_code")) " " (text(r, "name")) }
                        td { (level_zh(&text(r, "scope_level"))) }
                        td.num {
                            a.figure href=(super::trace::link("mart_scorecard", &text(r, "scope_code"), &period, None, None)) {
                                (text(r, "composite_score"))
                            }
                        }
                        td.num { (text(r, "rank")) }
                    }
                }
            }
        }
    };
    Ok(page(Some(&caller), &format!("考评得分 {period}"), body))
}

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
