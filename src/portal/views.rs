//! What several pages show alike: a kind's, a status's and a level's name,
//! an upload's result, a chart under its title, and the link to a figure's
//! trace. Pure: each takes values and gives markup or text.

use maud::{Markup, html};

use crate::ingest::SubmissionResult;
use crate::ledger::Kind;

pub fn kind_label(kind: &str) -> String {
    kind.parse::<Kind>()
        .map_or(kind.to_string(), |k| k.label_zh().to_string())
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "accepted" => "已接收",
        "rejected" => "未接收",
        "current" => "当前版本",
        "superseded" => "已被替代",
        _ => "—",
    }
}

pub fn result_block(r: &SubmissionResult) -> Markup {
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

/// A scope level as the province's staff say it; an unknown one as it is.
pub fn level_zh(level: &str) -> &str {
    match level {
        "province" => "全省",
        "city" => "市（州）",
        "county" => "县（市、区）",
        "department" => "省直部门",
        other => other,
    }
}

/// What a page of the warehouse's figures says while there is none yet.
pub fn no_warehouse() -> Markup {
    html! { p.hint { "仓库尚未构建，稍后刷新。/ The warehouse is being built; reload shortly." } }
}

/// A chart drawn on the server (SVG, no JavaScript; each number also on
/// hover), under its title. The page's table beside it holds the same figures.
pub fn chart(title: &str, svg: String) -> Markup {
    html! {
        figure.chart {
            figcaption { (title) }
            (maud::PreEscaped(svg))
        }
    }
}

/// The link to the trace of `mart`'s `column` for `scope` and `period`.
pub fn trace_link(
    mart: &str,
    scope: &str,
    period: &str,
    column: Option<&str>,
    kind: Option<&str>,
) -> String {
    let mut url = format!(
        "/trace?mart={}&scope={}&period={}",
        encode(mart),
        encode(scope),
        encode(period)
    );
    if let Some(c) = column {
        url.push_str(&format!("&column={}", encode(c)));
    }
    if let Some(k) = kind {
        url.push_str(&format!("&kind={}", encode(k)));
    }
    url
}

/// Percent-encodes a query value (codes, names and periods are ASCII words;
/// anything else is encoded byte by byte).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_what_is_not_a_plain_word() {
        assert_eq!(
            trace_link(
                "mart_task_completion",
                "510603",
                "2024Q2",
                Some("tasks_due"),
                None
            ),
            "/trace?mart=mart_task_completion&scope=510603&period=2024Q2&column=tasks_due"
        );
        assert_eq!(
            trace_link("rpt_alert_counts", "510603", "2024Q2", None, Some("a b")),
            "/trace?mart=rpt_alert_counts&scope=510603&period=2024Q2&kind=a%20b"
        );
        assert_eq!(encode("a&b=c d"), "a%26b%3Dc%20d");
        assert_eq!(encode("旌"), "%E6%97%8C");
    }
}
