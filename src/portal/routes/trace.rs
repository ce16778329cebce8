//! `/trace`: the rows behind a figure (可核实), as a page — the file, sheet
//! and cell of each — and `/trace/workbook.xlsx`, the clerk's own workbook
//! with the cells a figure cites marked. The rows come from the warehouse's
//! lineage ([`crate::warehouse::trace`]), the same `taizhang trace` prints.
//! A clerk traces only its own unit's figures; a province token any.

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ingest::feedback::Cited;
use crate::portal::html::{PageResult, page, session, xlsx};
use crate::portal::refusal::Refusal;
use crate::portal::state::Shared;
use crate::portal::views::{encode, trace_link as link};
use crate::service::Traced;
use crate::warehouse::trace::Request;

/// What to trace, as the links of the pages give it.
#[derive(Debug, Clone, Deserialize)]
pub struct TraceQuery {
    pub mart: String,
    pub scope: String,
    pub period: String,
    pub column: Option<String>,
    pub kind: Option<String>,
    /// `/trace/workbook.xlsx` only: the submission whose cells to mark.
    pub submission: Option<String>,
}

impl TraceQuery {
    fn request(&self) -> Request {
        let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        Request {
            mart: self.mart.clone(),
            scope: self.scope.clone(),
            period: self.period.clone(),
            column: given(&self.column),
            kind: given(&self.kind),
        }
    }
}

/// Rows a trace page shows; the count above them is always the whole
/// trace's. A province-wide trace can list a national year of tasks, which
/// as one HTML table would cost the server and the browser hundreds of MB;
/// `taizhang trace` prints every row.
const SHOWN_ROWS: usize = 2000;

/// The trace, read off the async threads.
async fn traced(app: &Shared, req: Request) -> Result<Traced, Refusal> {
    let root = app.root.clone();
    tokio::task::spawn_blocking(move || crate::service::trace(&root.join("warehouse.duckdb"), &req))
        .await
        .map_err(|e| Refusal::Internal(e.to_string()))?
        .map_err(Refusal::from)
}

/// `GET /trace?mart=&scope=&period=&column=&kind=`.
pub async fn page_of(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<TraceQuery>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    caller.check(&q.scope)?;
    let req = q.request();
    let traced = traced(&app, req.clone()).await?;
    let figure = Table::of(&traced.figure, SHOWN_ROWS);
    let rows = Table::of(&traced.rows, SHOWN_ROWS);
    let submissions = rows.distinct("submission_id");
    let what = match &req.column {
        Some(c) => format!("{}.{c}", req.mart),
        None => req.mart.clone(),
    };
    // `kind` names a ledger kind, or for the alerts a type of finding.
    let kind_word = match req.mart.as_str() {
        "mart_alerts" | "rpt_alert_counts" => "预警",
        _ => "台账",
    };
    let body = html! {
        p.meta { "口径 " (req.scope) " · 周期 " (req.period)
            @if let Some(k) = &req.kind { " · " (kind_word) " " (k) } }
        h2 { "数字 / the figure" }
        (figure.markup(None))
        h2 { "来源 / the rows behind it" }
        p.count { "共 " span #row-count { (rows.total) } " 行 / rows" }
        @if rows.total > SHOWN_ROWS {
            p.hint { "以下列出前 " (SHOWN_ROWS) " 行；全部行请用 taizhang trace 导出 / the first " (SHOWN_ROWS) " rows are shown; taizhang trace gives them all" }
        }
        @if !submissions.is_empty() {
            p { "下载原表（标出引用单元格）/ the clerk's workbook with the cited cells marked：" }
            ul.sources {
                @for (id, file) in &submissions {
                    li { a.source href=(workbook_link(&q, id)) { (file) } }
                }
            }
        }
        (rows.markup(Some(&q)))
    };
    Ok(page(Some(&caller), &format!("可核实 {what}"), body))
}

fn workbook_link(q: &TraceQuery, submission: &str) -> String {
    let base = link(
        &q.mart,
        &q.scope,
        &q.period,
        q.column.as_deref().filter(|c| !c.is_empty()),
        q.kind.as_deref().filter(|k| !k.is_empty()),
    );
    format!(
        "{}&submission={}",
        base.replacen("/trace?", "/trace/workbook.xlsx?", 1),
        encode(submission)
    )
}

/// `GET /trace/workbook.xlsx?…&submission=`: the submission's workbook as
/// archived, with every cell the trace cites in it marked and noted.
pub async fn workbook(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<TraceQuery>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    caller.check(&q.scope)?;
    let submission = q.submission.clone().ok_or(Refusal::NotFound)?;
    let req = q.request();
    let traced = traced(&app, req.clone()).await?;
    let rows = Table::of(&traced.rows, usize::MAX);
    let note = format!(
        "可核实：{}{} · {} · {}",
        req.mart,
        req.column
            .as_deref()
            .map(|c| format!(".{c}"))
            .unwrap_or_default(),
        req.scope,
        req.period
    );
    let cited: Vec<Cited> = rows
        .rows
        .iter()
        .filter(|r| rows.get(r, "submission_id") == Some(submission.as_str()))
        .filter_map(|r| {
            Some(Cited {
                sheet: rows.get(r, "sheet")?.to_string(),
                cell: rows.get(r, "cell")?.to_string(),
                note: note.clone(),
            })
        })
        .collect();
    // Only a submission the figure cites: the trace decides what may be read.
    if cited.is_empty() {
        return Err(Refusal::NotFound.into());
    }
    let ws_limits = app.ws.config.limits;
    let root = app.root.clone();
    let (name, bytes) = tokio::task::spawn_blocking(move || -> crate::Result<(String, Vec<u8>)> {
        let conn = crate::warehouse::open_read_only(&root)?;
        let (sha256, file_name): (String, String) = conn.query_row(
            "select sha256, file_name from stg_submissions where submission_id = ? limit 1",
            [&submission],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let archived = root.join("archive").join(format!(
            "{sha256}.{}",
            crate::ingest::archive::extension_of(&file_name)
        ));
        let bytes = std::fs::read(&archived).map_err(crate::Error::io(&archived))?;
        let marked = crate::ingest::feedback::cited(&bytes, &file_name, ws_limits, &cited)?;
        let stem = file_name
            .rsplit_once('.')
            .map_or(file_name.as_str(), |(s, _)| s);
        Ok((format!("{submission}-{}.xlsx", ascii_only(stem)), marked))
    })
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?
    .map_err(Refusal::from)?;
    Ok(xlsx(&caller, &name, bytes))
}

/// A name safe in a `Content-Disposition` header: ASCII letters, digits,
/// `-` and `_` kept, the rest dropped.
fn ascii_only(name: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if kept.is_empty() {
        "traced".into()
    } else {
        kept
    }
}

/// Arrow batches as text, for a page: the first rows only, and how many
/// there were in all.
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    total: usize,
}

impl Table {
    fn of(batches: &[RecordBatch], at_most: usize) -> Table {
        let columns = batches
            .first()
            .map(|b| {
                b.schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect()
            })
            .unwrap_or_default();
        let options = FormatOptions::default();
        let mut rows = Vec::new();
        for batch in batches {
            let formatters: Vec<_> = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).ok())
                .collect();
            for i in 0..batch.num_rows() {
                if rows.len() == at_most {
                    break;
                }
                rows.push(
                    batch
                        .columns()
                        .iter()
                        .zip(&formatters)
                        .map(|(array, f)| {
                            (!array.is_null(i))
                                .then(|| f.as_ref().map(|f| f.value(i).to_string()))
                                .flatten()
                        })
                        .collect(),
                );
            }
        }
        let total = batches.iter().map(RecordBatch::num_rows).sum();
        Table {
            columns,
            rows,
            total,
        }
    }

    fn get<'a>(&self, row: &'a [Option<String>], column: &str) -> Option<&'a str> {
        let at = self.columns.iter().position(|c| c == column)?;
        row.get(at)?.as_deref()
    }

    /// The distinct values of `column` in listing order, each with the
    /// row's file name.
    fn distinct(&self, column: &str) -> Vec<(String, String)> {
        let mut seen = std::collections::BTreeSet::new();
        self.rows
            .iter()
            .filter_map(|r| {
                let id = self.get(r, column)?;
                let file = self.get(r, "file_name").unwrap_or(id);
                seen.insert(id.to_string())
                    .then(|| (id.to_string(), file.to_string()))
            })
            .collect()
    }

    /// The table; with `q`, a scorecard indicator's `source` (the mart and
    /// column the indicator is read from, as the lineage states it) links to
    /// that figure's own trace, for the same scope and period.
    fn markup(&self, q: Option<&TraceQuery>) -> Markup {
        html! {
            div.scroll {
                table.trace {
                    thead { tr { @for c in &self.columns { th { (c) } } } }
                    tbody {
                        @for r in &self.rows {
                            tr {
                                @for (c, v) in self.columns.iter().zip(r) {
                                    @let v = v.as_deref().unwrap_or("");
                                    td class=(c) {
                                        @match (c.as_str(), q, source_of(v)) {
                                            ("source", Some(q), Some((mart, column, kind))) => {
                                                a.drill href=(link(&mart, &q.scope, &q.period, column.as_deref(), kind.as_deref())) { (v) }
                                            }
                                            _ => (v),
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The mart, column and kind a scorecard indicator's source names, e.g.
/// `mart_submission_coverage.on_time_rate (kind = tasks)` or
/// `1 - mart_pilots.overterm_rate`.
fn source_of(text: &str) -> Option<(String, Option<String>, Option<String>)> {
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    let at = text.find("mart_")?;
    let mart = word(&text[at..]);
    let rest = &text[at + mart.len()..];
    let column = rest.strip_prefix('.').map(word).filter(|c| !c.is_empty());
    let kind = text
        .split_once("kind = ")
        .map(|(_, k)| word(k))
        .filter(|k| !k.is_empty());
    Some((mart, column, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_is_named_in_ascii_only() {
        assert_eq!(ascii_only("旌阳区台账"), "traced");
        assert_eq!(ascii_only("x-1_台账"), "x-1_");
    }

    #[test]
    fn a_page_formats_its_first_rows_only_and_counts_them_all() {
        let ids = arrow::array::StringArray::from(vec!["a", "b", "c", "d", "e"]);
        let batch = RecordBatch::try_from_iter([(
            "submission_id",
            std::sync::Arc::new(ids) as arrow::array::ArrayRef,
        )])
        .unwrap();
        let table = Table::of(&[batch.clone(), batch], 3);
        assert_eq!((table.rows.len(), table.total), (3, 10));
        assert_eq!(table.get(&table.rows[2], "submission_id"), Some("c"));
    }

    #[test]
    fn an_indicators_source_names_its_mart_column_and_kind() {
        let owned = |m: &str, c: Option<&str>, k: Option<&str>| {
            Some((m.to_string(), c.map(str::to_string), k.map(str::to_string)))
        };
        assert_eq!(
            source_of("mart_submission_coverage.on_time_rate (kind = tasks)"),
            owned(
                "mart_submission_coverage",
                Some("on_time_rate"),
                Some("tasks")
            )
        );
        assert_eq!(
            source_of("1 - mart_pilots.overterm_rate"),
            owned("mart_pilots", Some("overterm_rate"), None)
        );
        assert_eq!(
            source_of("mart_meeting_compliance: share of special groups with quarter_met"),
            owned("mart_meeting_compliance", None, None)
        );
        assert_eq!(source_of("weights"), None);
    }
}
