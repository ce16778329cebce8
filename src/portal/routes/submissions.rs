//! `/submissions`: a unit's uploads; `/submissions/{id}`, one upload's
//! result as its clerk was told it, and its annotated workbook.

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::HeaderMap;
use maud::html;

use crate::portal::html::{PageResult, page, session, xlsx};
use crate::portal::read::{self, Filter, text};
use crate::portal::records;
use crate::portal::refusal::Refusal;
use crate::portal::state::Shared;
use crate::portal::views::{kind_label, result_block, status_label};
use crate::tokens::Role;

/// `/submissions`: the unit's history (the province: every unit's, or one
/// unit's with `?region=`).
pub async fn submissions(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let rows = match read::history(&app, &caller, &filter).await {
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

pub async fn submission(
    State(app): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    let (_, stored) = read::stored_for(&app, &caller, &id)?;
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
    let (stem, _) = read::stored_for(&app, &caller, &id)?;
    let bytes =
        std::fs::read(records::feedback_path(&app.root, &stem)).map_err(|_| Refusal::NotFound)?;
    // Written unsynced and flushed before the upload was answered: a power
    // cut before that flush can leave the name with no whole workbook.
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(Refusal::NotFound.into());
    }
    Ok(xlsx(&caller, &format!("feedback-{id}.xlsx"), bytes))
}
