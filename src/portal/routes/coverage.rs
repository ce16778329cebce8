//! `/coverage`: who sent which ledger, on time or not.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use maud::html;
use serde::Deserialize;
use serde_json::Value;

use crate::portal::html::{PageResult, page, session};
use crate::portal::read::{self, text};
use crate::portal::refusal::Refusal;
use crate::portal::state::Shared;
use crate::portal::views::{chart, kind_label, level_zh, trace_link};
use crate::tokens::Role;

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
        None => match read::latest_period(&app).await {
            Ok(p) => p,
            Err(Refusal::NoWarehouse) => {
                let body = html! { p.hint { "仓库尚未构建，稍后刷新。/ The warehouse is being built; reload shortly." } };
                return Ok(page(Some(&caller), "报送情况", body));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let city = filter.city.clone().filter(|c| !c.is_empty());
    let rows = read::query(
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
            read::query(
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
        Role::Province => Some(read::charts(&app, &period).await?.coverage_over_time),
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
                                    a.figure href=(trace_link("mart_submission_coverage", scope, &period, Some(column), Some(&kind))) {
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
