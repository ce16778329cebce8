//! `/upload`: the upload form, and what each file sent through it gave.

use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use maud::{Markup, html};

use crate::ledger::Kind;
use crate::normalize::Period;
use crate::portal::auth::{self, Caller};
use crate::portal::html::{PageResult, page, session};
use crate::portal::refusal::Refusal;
use crate::portal::state::Shared;
use crate::portal::upload;
use crate::portal::views::result_block;
use crate::tokens::Role;

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
    // The form's files in one batch (all of them visible, or none); one
    // refused before it (its unit's quota reached, say) is told beside the
    // others' results, and the others still go in.
    let mut results = Vec::new();
    let mut refused = Vec::new();
    for (name, answer) in app.intake.submit_form(form.files, &said, &caller).await? {
        match answer {
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
