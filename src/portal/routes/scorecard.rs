//! `/scorecard`: the weighted score and rank of every unit.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use maud::html;

use crate::portal::html::{PageResult, page, province_only, session};
use crate::portal::read::{self, PeriodFilter, text};
use crate::portal::state::Shared;
use crate::portal::views::{chart, level_zh, trace_link};

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
        None => read::latest_period(&app).await?,
    };
    let rows = read::query(
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
    let charts = read::charts(&app, &period).await?;
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
    // Every unit's score, a row of dots per level, against the pass mark.
    let pass = app.ws.config.assessment.pass_score;
    let spread: Vec<(String, Vec<(String, f64)>)> = ["city", "county", "department"]
        .iter()
        .map(|level| {
            let dots = rows
                .iter()
                .filter(|r| text(r, "scope_level") == *level)
                .filter_map(|r| Some((text(r, "name"), r["composite_score"].as_f64()?)))
                .collect();
            (level_zh(level).to_string(), dots)
        })
        .filter(|(_, dots): &(String, Vec<_>)| !dots.is_empty())
        .collect();
    let spread_title = match pass {
        Some(p) => format!("综合得分分布（及格线 {p}）"),
        None => "综合得分分布（未设及格线 / no pass mark set）".to_string(),
    };
    let body = html! {
        div.charts {
            (chart(&spread_title, crate::report::html::distribution(&spread, pass)))
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
                            a.figure href=(trace_link("mart_scorecard", &text(r, "scope_code"), &period, None, None)) {
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
