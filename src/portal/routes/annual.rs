//! `/annual`: the annual assessment (年度绩效考核) of a year as the office
//! decides with it — each series ranked, with base score, deductions and
//! final score, passed and named (`rpt_annual_ranking`) — every figure a
//! link to its trace (the quarters a base score averages, each deduction's
//! cell or rule). The province sees every unit; a clerk its own unit's row.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use maud::html;

use crate::portal::html::{PageResult, page, session};
use crate::portal::read::{self, text};
use crate::portal::state::Shared;
use crate::portal::views::{no_warehouse, trace_link};

#[derive(Debug, serde::Deserialize)]
pub struct YearFilter {
    pub year: Option<String>,
}

/// The figures of a row, with the trace column each links to.
const FIGURES: [(&str, &str); 7] = [
    ("base_score", "基础得分"),
    ("deductions_ledger", "台账扣分"),
    ("deductions_rules", "规则扣分"),
    ("deductions", "扣分合计"),
    ("final_score", "最终得分"),
    ("rank", "排名"),
    ("named", "点名通报"),
];

pub async fn annual(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<YearFilter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let asked = filter
        .year
        .as_deref()
        .map(str::trim)
        .filter(|y| y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string);
    let year = match asked {
        Some(y) => Some(y),
        None => read::query(
            &app,
            "select max(year)::varchar as year from mart_annual_assessment",
            Vec::new(),
        )
        .await?
        .first()
        .map(|r| text(r, "year"))
        .filter(|y| !y.is_empty()),
    };
    let Some(year) = year else {
        return Ok(page(Some(&caller), "年度考核", no_warehouse()));
    };
    let rows = read::query(
        &app,
        "select * from rpt_annual_ranking \
         where year = $1::integer and ($2::varchar is null or scope_code = $2) \
         order by row_order",
        vec![Some(year.clone()), caller.only_unit().map(str::to_string)],
    )
    .await?;
    // Yearly marts answer for the year of the period a trace names.
    let period = format!("{year}Q4");
    let mut series: Vec<(String, Vec<&serde_json::Value>)> = Vec::new();
    for r in &rows {
        let name = text(r, "series_zh");
        match series.last_mut() {
            Some((last, members)) if *last == name => members.push(r),
            _ => series.push((name, vec![r])),
        }
    }
    let body = html! {
        form.filters method="get" action="/annual" {
            label { "年度 " input type="text" name="year" value=(year); }
            button type="submit" { "刷新" }
        }
        @if rows.is_empty() {
            p { "该年度没有考核结果。/ No assessment for this year." }
        }
        @for (name, members) in &series {
            h2 { (name) }
            div.scroll {
                table.figures.annual {
                    thead { tr {
                        th { "单位" }
                        @for (_, label) in FIGURES { th { (label) } }
                        th { "达标" }
                    } }
                    tbody {
                        @for r in members {
                            @let scope = text(r, "scope_code");
                            tr {
                                td { (scope) " " (text(r, "unit_name")) }
                                @for (column, _) in FIGURES {
                                    td.num {
                                        a.figure href=(trace_link("mart_annual_assessment", &scope, &period, Some(column), None)) {
                                            @match column {
                                                "named" => (if text(r, column) == "true" { "是" } else { "否" }),
                                                _ => (text(r, column)),
                                            }
                                        }
                                    }
                                }
                                td { (match text(r, "passed").as_str() { "true" => "是", "false" => "否", _ => "—" }) }
                            }
                        }
                    }
                }
            }
        }
        p.hint { "最终得分 = 基础得分 − 扣分合计（封顶）。点击数字查看所依据的季度得分、扣分单元格或规则。/ Final = base − capped deductions; click a figure for the quarters, cells or rules behind it." }
    };
    Ok(page(Some(&caller), &format!("年度考核 {year}"), body))
}
