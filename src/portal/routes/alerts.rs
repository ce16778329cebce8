//! `/alerts`: the findings to be named (点名通报) of a period, counted by
//! unit and type (`rpt_alert_counts`), each count a link to the rows behind
//! it. The province sees every unit's; a clerk its own unit's.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use maud::html;

use crate::portal::html::{PageResult, page, session};
use crate::portal::read::{self, PeriodFilter, text};
use crate::portal::state::Shared;
use crate::portal::views::{no_warehouse, trace_link};

pub async fn alerts(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<PeriodFilter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let Some(period) = read::period_or_latest(&app, filter.period).await? else {
        return Ok(page(Some(&caller), "预警", no_warehouse()));
    };
    let rows = read::query(
        &app,
        "select alert, alert_zh, unit_name, scope_code, level_zh, alerts \
         from rpt_alert_counts \
         where period = $1 and ($2::varchar is null or scope_code = $2) \
         order by alert, scope_code",
        vec![Some(period.clone()), caller.only_unit().map(str::to_string)],
    )
    .await?;
    let body = html! {
        form.filters method="get" action="/alerts" {
            label { "周期 " input type="text" name="period" value=(period); }
            button type="submit" { "刷新" }
        }
        @if rows.is_empty() {
            p.ok { "本期没有预警。/ No findings this period." }
        } @else {
            table.figures.alerts {
                thead { tr { th { "预警" } th { "单位" } th { "层级" } th { "条数" } } }
                tbody {
                    @for r in &rows {
                        @let alert = text(r, "alert");
                        @let unit = text(r, "scope_code");
                        tr {
                            @let named = text(r, "alert_zh");
                            td {
                                (named)
                                @if named != alert { br; small { code { (alert) } } }
                            }
                            td { (unit) " " (text(r, "unit_name")) }
                            td { (text(r, "level_zh")) }
                            td.num {
                                a.figure href=(trace_link("rpt_alert_counts", &unit, &period, Some("alerts"), Some(&alert))) {
                                    (text(r, "alerts"))
                                }
                            }
                        }
                    }
                }
            }
        }
        p.hint { "点击条数查看每条预警的来源单元格。/ Click a count for the cells behind it." }
    };
    Ok(page(Some(&caller), &format!("预警 {period}"), body))
}
