//! `/changes`: how the ledgers changed since the period before and between
//! resubmissions (台账变动), counted by change type for every scope
//! (`rpt_ledger_change_counts`), each count a link to the changes behind it,
//! and the scope's counts drawn. The province sees every scope; a clerk its
//! own unit.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use maud::html;

use crate::portal::html::{PageResult, page, session};
use crate::portal::read::{self, PeriodFilter, text};
use crate::portal::state::Shared;
use crate::portal::views::{chart, no_warehouse, trace_link};

/// The counts the page shows, in the report's order.
const COUNTS: [&str; 9] = [
    "deadline_later",
    "deadline_pushed_back",
    "status_regressed",
    "reopened",
    "major_dropped",
    "row_removed",
    "row_added",
    "changed_in_resubmission",
    "changes_total",
];

pub async fn changes(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<PeriodFilter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let Some(period) = read::period_or_latest(&app, filter.period).await? else {
        return Ok(page(Some(&caller), "台账变动", no_warehouse()));
    };
    let rows = read::query(
        &app,
        "select scope_code, unit_name, level_zh, deadline_later, deadline_pushed_back, \
                status_regressed, reopened, major_dropped, row_removed, row_added, \
                changed_in_resubmission, changes_total \
         from rpt_ledger_change_counts \
         where period = $1 and ($2::varchar is null or scope_code = $2) \
         order by row_order",
        vec![Some(period.clone()), caller.only_unit().map(str::to_string)],
    )
    .await?;
    let names = crate::report::column_names();
    let name = |column: &str| {
        names
            .get(&("rpt_ledger_change_counts".to_string(), column.to_string()))
            .cloned()
            .unwrap_or_else(|| column.to_string())
    };
    // The first row is the province's (the report's order), or the clerk's
    // own unit's: its counts by type, drawn; the total is the table's.
    let drawn = rows.first().map(|first| {
        let items: Vec<(String, Vec<Option<f64>>)> = COUNTS[..COUNTS.len() - 1]
            .iter()
            .map(|c| (name(c), vec![first[*c].as_f64()]))
            .collect();
        let max = items
            .iter()
            .filter_map(|(_, v)| v[0])
            .fold(1.0_f64, f64::max);
        (
            format!("{} 台账变动（按类型）", text(first, "unit_name")),
            crate::report::html::bars_in(
                crate::report::html::NARROW,
                &items,
                &["条数"],
                max,
                |x| format!("{x:.0}"),
            ),
        )
    });
    let body = html! {
        @if let Some((title, svg)) = drawn {
            div.charts { (chart(&title, svg)) }
        }
        form.filters method="get" action="/changes" {
            label { "周期 " input type="text" name="period" value=(period); }
            button type="submit" { "刷新" }
        }
        div.scroll {
            table.figures.changes {
                thead { tr {
                    th { "单位" } th { "层级" }
                    @for c in COUNTS { th { (name(c)) } }
                } }
                tbody {
                    @for r in &rows {
                        @let scope = text(r, "scope_code");
                        tr {
                            td { (scope) " " (text(r, "unit_name")) }
                            td { (text(r, "level_zh")) }
                            @for c in COUNTS {
                                td.num {
                                    a.figure href=(trace_link("mart_ledger_change_counts", &scope, &period, Some(c), None)) {
                                        (text(r, c))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p.hint { "与上期台账及同期重报相比。点击数字查看每处变动的新旧单元格。/ Against last period's ledgers and resubmissions; click a count for the cells." }
    };
    Ok(page(Some(&caller), &format!("台账变动 {period}"), body))
}
