//! The period report leaders read (DESIGN §8 `report`): the warehouse's marts
//! for one period, laid out in Chinese, as an Excel workbook or one
//! self-contained HTML page. Both are rendered from the same [`PeriodReport`], which
//! is read straight from the marts, so the two cannot disagree with the
//! warehouse or with each other.

pub mod html;
pub mod xlsx;

use duckdb::Connection;
use duckdb::types::ValueRef;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::warehouse::sql_string;

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    /// A plain number (scores, weights).
    Num(f64),
    /// A share in [0, 1], shown as a percentage.
    Rate(f64),
    Bool(bool),
}

impl Cell {
    /// The cell as a person reads it: rates as 75.0%, scores to two places.
    pub fn display(&self) -> String {
        match self {
            Cell::Null => "—".into(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x) => format!("{x:.2}"),
            Cell::Rate(x) => format!("{:.1}%", x * 100.0),
            Cell::Bool(true) => "是".into(),
            Cell::Bool(false) => "否".into(),
        }
    }
}

/// A titled table.
#[derive(Debug, Clone)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The column's index by header.
    pub fn column(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == header)
    }
}

/// A sheet of the workbook (a section of the HTML page).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: &'static str,
    pub tables: Vec<Table>,
}

/// The data behind the charts.
#[derive(Debug, Clone, Default)]
pub struct Charts {
    /// (city, composite score), best first.
    pub score_by_city: Vec<(String, f64)>,
    /// (city, completion rate, on-time rate).
    pub completion_by_city: Vec<(String, Option<f64>, Option<f64>)>,
    /// (period, coverage rate, on-time rate) of task ledgers, province-wide, up to the period.
    pub coverage_over_time: Vec<(String, Option<f64>, Option<f64>)>,
    /// (city, rate, ci_low, ci_high, low_sample) for cities with valid votes.
    pub satisfaction_by_city: Vec<(String, f64, f64, f64, bool)>,
}

/// Everything a report shows for one period.
#[derive(Debug, Clone)]
pub struct PeriodReport {
    /// The report's name (改革落实情况报告, 年度绩效考核报告).
    pub title: &'static str,
    pub period: String,
    pub province: String,
    pub headline: Vec<(String, Cell)>,
    pub sheets: Vec<Sheet>,
    pub charts: Charts,
    /// Whether the HTML page draws the charts (the period report's).
    pub charts_shown: bool,
    pub generated_at: String,
    /// What the figures were built from; `None` for a warehouse built by a
    /// taizhang that did not record it.
    pub stamp: Option<crate::warehouse::Stamp>,
}

impl PeriodReport {
    /// One line naming the data a report shows, for its header.
    pub fn stamp_line(&self) -> String {
        match &self.stamp {
            Some(s) => format!(
                "数据截至 as of {} · 数据摘要 lake {} · 口径摘要 settings {}",
                s.as_of_text(),
                &s.lake_digest[..16],
                &s.settings_digest[..16]
            ),
            None => {
                "数据截至 as of 未记录 / not recorded (重新运行 taizhang build / rebuild)".into()
            }
        }
    }
}

/// The table that says which data a report shows and how to rebuild it.
fn stamp_table(stamp: Option<&crate::warehouse::Stamp>) -> Table {
    let row = |k: &str, v: String| vec![Cell::Text(k.into()), Cell::Text(v)];
    let rows = match stamp {
        Some(s) => vec![
            row(
                "数据截至 / as of",
                format!(
                    "{}{}",
                    s.as_of_text(),
                    if s.as_of_given {
                        "（按指定时刻重建 / rebuilt as of a past time）"
                    } else {
                        "（构建时刻 / the build's own time）"
                    }
                ),
            ),
            row("湖数据摘要 / lake digest", s.lake_digest.clone()),
            row("湖数据行数 / lake rows", s.lake_rows.to_string()),
            row("口径摘要 / settings digest", s.settings_digest.clone()),
            row("重建命令 / to rebuild these figures", s.rebuild_command()),
        ],
        None => vec![row(
            "数据截至 / as of",
            "未记录：仓库由旧版本构建，请重新运行 taizhang build / not recorded: rebuild the warehouse".into(),
        )],
    };
    Table {
        title: "本报告的数据版本（同一时刻重建，摘要相同则数字相同）/ the data behind this report"
            .into(),
        headers: vec!["项目 item".into(), "值 value".into()],
        rows,
    }
}

/// Header names that hold rates, shown as percentages.
fn is_rate(header: &str) -> bool {
    header.ends_with('率') || header.ends_with("满意度") || header.starts_with("置信")
}

/// The rows of `sql` as a table, each column under `rename(column)`.
fn query_table(
    conn: &Connection,
    title: &str,
    sql: &str,
    rename: &dyn Fn(&str) -> String,
) -> Result<Table> {
    let mut stmt = conn.prepare(sql).map_err(|e| Error::Model {
        model: format!("report: {title}"),
        message: e.to_string(),
    })?;
    let mut rows_out = Vec::new();
    let mut rows = stmt.query([])?;
    let headers: Vec<String> = rows
        .as_ref()
        .expect("statement ran")
        .column_names()
        .iter()
        .map(|c| rename(c))
        .collect();
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            let v = row.get_ref(i)?;
            cells.push(match v {
                ValueRef::Null => Cell::Null,
                ValueRef::Boolean(b) => Cell::Bool(b),
                ValueRef::TinyInt(n) => Cell::Int(n.into()),
                ValueRef::SmallInt(n) => Cell::Int(n.into()),
                ValueRef::Int(n) => Cell::Int(n.into()),
                ValueRef::BigInt(n) => Cell::Int(n),
                ValueRef::HugeInt(n) => Cell::Int(n as i64),
                ValueRef::UTinyInt(n) => Cell::Int(n.into()),
                ValueRef::USmallInt(n) => Cell::Int(n.into()),
                ValueRef::UInt(n) => Cell::Int(n.into()),
                ValueRef::UBigInt(n) => Cell::Int(n as i64),
                ValueRef::Float(x) if is_rate(h) => Cell::Rate(x.into()),
                ValueRef::Double(x) if is_rate(h) => Cell::Rate(x),
                ValueRef::Float(x) => Cell::Num(x.into()),
                ValueRef::Double(x) => Cell::Num(x),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                other => {
                    return Err(Error::Model {
                        model: format!("report: {title}"),
                        message: format!(
                            "column {h} has an unexpected type {:?}",
                            other.data_type()
                        ),
                    });
                }
            });
        }
        rows_out.push(cells);
    }
    Ok(Table {
        title: title.to_string(),
        headers,
        rows: rows_out,
    })
}

/// The newest period in the warehouse (by its last day).
pub fn latest_period(conn: &Connection) -> Result<String> {
    conn.query_row(
        "select period from int_periods order by period_end desc, period desc limit 1",
        [],
        |r| r.get(0),
    )
    .map_err(|_| {
        Error::Usage(
            "仓库中还没有任何周期的数据，请先导入并构建 / the warehouse has no period yet; ingest and build first"
                .into(),
        )
    })
}

/// The Chinese name of every column of the `rpt_*` models, from their
/// header comments (the data dictionary's source): (model, column) → name.
pub(crate) fn column_names() -> std::collections::HashMap<(String, String), String> {
    crate::warehouse::models::shipped()
        .iter()
        .filter(|m| m.layer == crate::warehouse::Layer::Reports)
        .flat_map(|m| {
            let doc = crate::warehouse::docs::parse(m);
            doc.columns
                .into_iter()
                .map(move |c| ((m.name.clone(), c.name), c.zh))
        })
        .collect()
}

/// Reads the report for `period` (None = the latest) from a built warehouse.
pub fn gather(conn: &Connection, period: Option<&str>) -> Result<PeriodReport> {
    let period = match period {
        Some(p) => p.to_string(),
        None => latest_period(conn)?,
    };
    let known: bool = conn.query_row(
        "select exists (select 1 from int_periods where period = ?)",
        [&period],
        |r| r.get(0),
    )?;
    if !known {
        return Err(Error::Usage(format!(
            "仓库中没有 {period} 的数据 / the warehouse has no data for {period}"
        )));
    }
    let p = sql_string(&period);
    let province: String = conn
        .query_row(
            "select name from stg_roster where level = 'province' order by code limit 1",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| "全省".into());
    let names = column_names();
    // A table of a `rpt_*` model: the period's rows in its order, `hide`
    // columns left out, `only` a filter on its rows.
    let t = |title: &str, model: &str, only: &str, hide: &[&str]| {
        let hidden = ["period", "row_order"]
            .iter()
            .chain(hide)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select * exclude ({hidden}) from {model} where period = {p} {only} order by row_order"
        );
        query_table(conn, title, &sql, &|column| {
            names
                .get(&(model.to_string(), column.to_string()))
                .cloned()
                .unwrap_or_else(|| column.to_string())
        })
    };
    let alerts_of = |alert: &str, title: &str| {
        t(
            title,
            "rpt_alerts",
            &format!("and alert = '{alert}'"),
            &["alert", "alert_zh", "level_zh"],
        )
    };

    let summary = Sheet {
        name: "总表",
        tables: vec![
            t(
                "市（州）综合考评 / cities",
                "rpt_scorecard",
                "and scope_level = 'city'",
                &["scope_level"],
            )?,
            t(
                "县（市、区）综合考评 / counties",
                "rpt_scorecard",
                "and scope_level = 'county'",
                &["scope_level"],
            )?,
            t(
                "省直部门综合考评 / provincial departments",
                "rpt_scorecard",
                "and scope_level = 'department'",
                &["scope_level"],
            )?,
        ],
    };
    let coverage = Sheet {
        name: "报送情况",
        tables: vec![
            t(
                "报送率与按时报送率 / submission coverage",
                "rpt_coverage",
                "",
                &[],
            )?,
            t(
                "未报送单位 / units that sent nothing",
                "rpt_unsubmitted",
                "and not is_submitted",
                &["is_submitted", "first_received_on"],
            )?,
            t(
                "逾期报送单位 / units that sent late",
                "rpt_unsubmitted",
                "and is_submitted",
                &["is_submitted", "parent_name"],
            )?,
        ],
    };
    let completion = Sheet {
        name: "完成情况",
        tables: vec![
            t(
                "改革任务完成情况（按单位）/ task completion by unit",
                "rpt_task_completion",
                "",
                &[],
            )?,
            t(
                "改革任务完成情况（按领域，全省）/ task completion by domain",
                "rpt_task_completion_by_domain",
                "",
                &[],
            )?,
            alerts_of(
                "overdue_major_task",
                "逾期未完成的重大改革任务 / overdue major tasks",
            )?,
        ],
    };
    let rectification = Sheet {
        name: "整改",
        tables: vec![
            t("督察整改情况 / rectification", "rpt_rectification", "", &[])?,
            alerts_of("rectification_overdue", "逾期未整改事项 / overdue items")?,
            alerts_of(
                "closed_without_date",
                "销号无日期（无法核实）/ closed with no date",
            )?,
            alerts_of(
                "overdue_not_rechecked",
                "逾期未复查事项 / overdue items not rechecked",
            )?,
        ],
    };
    let plans = Sheet {
        name: "专项方案",
        tables: vec![
            t(
                "专项改革方案：审议、督察与销账 / special plans",
                "rpt_plan_supervision",
                "",
                &[],
            )?,
            alerts_of(
                "issued_before_review",
                "未经审议或先出台后审议的方案 / plans issued without or before review",
            )?,
        ],
    };
    let changes = Sheet {
        name: "台账变动",
        tables: vec![
            t(
                "台账变动统计（与上期台账及更正前版本比较）/ changes between ledgers",
                "rpt_ledger_change_counts",
                "",
                &[],
            )?,
            t(
                "需说明的变动（无说明延期、状态倒退、重新打开、取消重大标记、未办结即消失）/ changes to explain",
                "rpt_ledger_changes",
                "",
                &[],
            )?,
        ],
    };
    let pilots = Sheet {
        name: "试点",
        tables: vec![
            t("改革试点情况 / pilots", "rpt_pilots", "", &[])?,
            alerts_of("pilot_overterm", "超过2年的试点 / pilots over two years")?,
        ],
    };
    let satisfaction = Sheet {
        name: "满意度",
        tables: vec![t(
            "群众满意度 / satisfaction (Wilson 95% interval)",
            "rpt_satisfaction",
            "",
            &[],
        )?],
    };
    let compliance = Sheet {
        name: "会议宣传案例",
        tables: vec![
            t(
                "议事机构会议情况（专项小组每季度至少召开一次）/ meetings of each body",
                "rpt_meeting_compliance",
                "",
                &[],
            )?,
            alerts_of(
                "group_did_not_meet",
                "本季度未召开会议的专项小组 / special groups that did not meet",
            )?,
            t(
                "改革宣传（本年度）/ publicity in the year",
                "rpt_publicity",
                "",
                &[],
            )?,
            t(
                "改革典型案例（本年度）/ typical cases in the year",
                "rpt_typical_cases",
                "",
                &[],
            )?,
        ],
    };
    // 督察 (issue 33): the year's inspections by mode, findings and notices,
    // plans due for the yearly inspection, and what is to be named.
    let inspections = Sheet {
        name: "督察",
        tables: vec![
            t(
                "督察情况（本年度）：方式、发现问题与整改督办、专项方案年度督察 / inspections in the year",
                "rpt_inspections",
                "",
                &[],
            )?,
            alerts_of(
                "plan_not_inspected",
                "本年度未开展督察评估的专项改革方案（年末）/ plans not inspected this year",
            )?,
            alerts_of(
                "finding_without_notice",
                "发现问题未见整改督办通知 / findings without a notice",
            )?,
            alerts_of(
                "milestone_missed",
                "进度节点未跟进的整改事项 / rectification items that missed a milestone",
            )?,
        ],
    };
    let departments = Sheet {
        name: "省直部门",
        tables: vec![t(
            "中梗阻：县市台账由省直部门牵头、部门台账未列的任务 / tasks the regions say a department leads that its own ledger lacks",
            "rpt_department_gaps",
            "",
            &[],
        )?],
    };
    // The sheet is there when the roster has departments for the period.
    let has_departments: bool = conn.query_row(
        &format!(
            "select exists (select 1 from int_scopes where scope_level = 'department' and period = {p})"
        ),
        [],
        |row| row.get(0),
    )?;
    let alerts = Sheet {
        name: "点名通报",
        tables: vec![t(
            "点名通报事项 / findings to be named",
            "rpt_alerts",
            "",
            &["alert"],
        )?],
    };
    let stamp = crate::warehouse::read_stamp(conn).ok();
    let sources = Sheet {
        name: "数据来源",
        tables: vec![
            stamp_table(stamp.as_ref()),
            t(
                "本期数据来源（每个指标可用 taizhang trace 追溯到单元格）/ the submissions behind every figure",
                "rpt_sources",
                "",
                &[],
            )?,
        ],
    };

    let headline_table = t("headline", "rpt_headline", "", &[])?;
    let headline = headline_table
        .rows
        .first()
        .map(|row| {
            headline_table
                .headers
                .iter()
                .cloned()
                .zip(row.iter().cloned())
                .collect()
        })
        .unwrap_or_default();

    let charts = gather_charts(conn, &p)?;
    Ok(PeriodReport {
        title: "改革落实情况报告",
        period,
        province,
        headline,
        sheets: vec![
            summary,
            coverage,
            completion,
            rectification,
            plans,
            pilots,
            satisfaction,
            changes,
            compliance,
            inspections,
        ]
        .into_iter()
        .chain(has_departments.then_some(departments))
        .chain([alerts, sources])
        .collect(),
        charts,
        charts_shown: true,
        generated_at: crate::runs::now().format("%Y-%m-%d %H:%M").to_string(),
        stamp,
    })
}

/// The charts' data for period `p` (an SQL string literal), as the report
/// and the portal's pages draw them.
pub(crate) fn gather_charts(conn: &Connection, p: &str) -> Result<Charts> {
    let mut charts = Charts::default();
    let mut stmt = conn.prepare(&format!(
        "select roster.name, s.composite_score from mart_scorecard as s \
         inner join stg_roster as roster on roster.code = s.scope_code \
         where s.period = {p} and s.scope_level = 'city' and s.composite_score is not null \
         order by s.composite_score desc, s.scope_code"
    ))?;
    charts.score_by_city = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let mut stmt = conn.prepare(&format!(
        "select roster.name, m.completion_rate, m.on_time_rate from mart_task_completion as m \
         inner join stg_roster as roster on roster.code = m.scope_code \
         where m.period = {p} and m.scope_level = 'city' order by m.scope_code"
    ))?;
    charts.completion_by_city = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let mut stmt = conn.prepare(&format!(
        "select c.period, c.coverage_rate, c.on_time_rate from mart_submission_coverage as c \
         inner join int_periods as periods on periods.period = c.period \
         where c.scope_level = 'province' and c.kind = 'tasks' \
           and periods.period_end <= (select period_end from int_periods where period = {p}) \
         order by periods.period_end"
    ))?;
    charts.coverage_over_time = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let mut stmt = conn.prepare(&format!(
        "select roster.name, m.satisfaction_rate, m.ci_low, m.ci_high, m.low_sample from mart_satisfaction as m \
         inner join stg_roster as roster on roster.code = m.scope_code \
         where m.period = {p} and m.scope_level = 'city' and m.valid > 0 order by m.satisfaction_rate desc, m.scope_code"
    ))?;
    charts.satisfaction_by_city = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<std::result::Result<_, _>>()?;
    Ok(charts)
}

/// Text a spreadsheet would run as a formula (`= + - @`, and tab or carriage
/// return before one) gets a leading apostrophe, so a ledger's words stay words
/// in the reader's Excel, and in any CSV saved from it (OWASP CSV injection).
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Writes the report of `period` (None = latest), read from the warehouse
/// file `db`, to `outs`, or, when none is given, as
/// `<default_dir>/<period>/改革落实情况报告-<period>.<fmt>` for each of
/// `formats` (default xlsx and html).
pub fn write(
    db: &Path,
    period: Option<&str>,
    outs: &[PathBuf],
    formats: &[String],
    default_dir: &Path,
) -> Result<Vec<PathBuf>> {
    let conn = crate::warehouse::open_file_read_only(db)?;
    let report = gather(&conn, period)?;
    let name = format!("改革落实情况报告-{}", report.period);
    let outs = destinations(outs, formats, &default_dir.join(&report.period), &name);
    for path in &outs {
        write_one(&report, path)?;
    }
    Ok(outs)
}

/// Reads the annual assessment report of `year` (DESIGN §14) from a built
/// warehouse: the ranking per level with base score, deductions and final
/// score; the units named and why; every deduction with its source; the
/// exemptions and what they removed; accountability; inspections; the
/// assignments' docking; the leaders' roll-up. Every figure is a row of an
/// `rpt_annual_*` model.
pub fn gather_annual(conn: &Connection, year: i32) -> Result<PeriodReport> {
    let known: bool = conn.query_row(
        "select exists (select 1 from mart_annual_assessment where year = ?)",
        [year],
        |r| r.get(0),
    )?;
    if !known {
        return Err(Error::Usage(format!(
            "仓库中没有 {year} 年的季度数据，无法年度考核 / the warehouse has no quarter of {year} to assess"
        )));
    }
    let province: String = conn
        .query_row(
            "select name from stg_roster where level = 'province' order by code limit 1",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| "全省".into());
    let names = column_names();
    let t = |title: &str,
             model: &str,
             only: &str,
             hide: &[&str],
             headers: &[(&str, &str)]|
     -> Result<Table> {
        let hidden = ["year", "row_order"]
            .iter()
            .chain(hide)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select * exclude ({hidden}) from {model} where year = {year} {only} order by row_order"
        );
        query_table(conn, title, &sql, &|column| {
            headers
                .iter()
                .find(|(c, _)| *c == column)
                .map(|(_, h)| h.to_string())
                .or_else(|| names.get(&(model.to_string(), column.to_string())).cloned())
                .unwrap_or_else(|| column.to_string())
        })
    };
    let ranking = |series: &str, title: &str| {
        t(
            title,
            "rpt_annual_ranking",
            &format!("and series_zh = '{series}'"),
            &["series_zh", "scope_code"],
            &[],
        )
    };
    let details = |section: &str, title: &str, hide: &[&str], headers: &[(&str, &str)]| {
        let hide: Vec<&str> = ["section"].iter().chain(hide).copied().collect();
        t(
            title,
            "rpt_annual_details",
            &format!("and section = '{section}'"),
            &hide,
            headers,
        )
    };
    let yearly = |section: &str, title: &str, hide: &[&str], headers: &[(&str, &str)]| {
        let hide: Vec<&str> = ["section"].iter().chain(hide).copied().collect();
        t(
            title,
            "rpt_annual_yearly",
            &format!("and section = '{section}'"),
            &hide,
            headers,
        )
    };
    let mut ranking_tables = Vec::new();
    for (series, title) in [
        ("市（州）", "市（州）年度考核排名 / cities"),
        ("县（市、区）", "县（市、区）年度考核排名 / counties"),
        (
            "省直党群部门",
            "省直党群部门年度考核排名 / party departments",
        ),
        (
            "省政府部门",
            "省政府部门年度考核排名 / government departments",
        ),
        ("省直部门", "省直部门年度考核排名 / provincial departments"),
    ] {
        let table = ranking(series, title)?;
        // A series the roster does not have is left out, but for the regions'.
        if !table.rows.is_empty() || matches!(series, "市（州）" | "县（市、区）") {
            ranking_tables.push(table);
        }
    }
    let ranking_sheet = Sheet {
        name: "考核排名",
        tables: ranking_tables,
    };
    let named = Sheet {
        name: "点名通报",
        tables: vec![details(
            "named",
            "点名通报单位及原因 / units named and why",
            &["points", "date_text", "document_no", "source_ref"],
            &[("item", "点名原因")],
        )?],
    };
    let deductions = Sheet {
        name: "扣分明细",
        tables: vec![details(
            "deductions",
            "扣分明细（扣分台账逐条及规则扣分逐项，附来源单元格）/ every deduction and its source",
            &["document_no"],
            &[
                ("item", "扣分事由或规则"),
                ("points", "扣分"),
                ("date_text", "季度"),
            ],
        )?],
    };
    let exemptions = Sheet {
        name: "容错免责",
        tables: vec![details(
            "exemptions",
            "容错免责认定及免除内容（三个区分开）/ exemptions and what they removed",
            &[],
            &[
                ("item", "免责事项（情形）及免除内容"),
                ("points", "未扣规则分"),
                ("date_text", "认定时间"),
                ("document_no", "认定文号"),
            ],
        )?],
    };
    let accountability = Sheet {
        name: "问责",
        tables: vec![details(
            "accountability",
            "问责情况 / accountability",
            &["points"],
            &[("item", "问责事由（处理结果）"), ("date_text", "问责时间")],
        )?],
    };
    let inspections = Sheet {
        name: "督察",
        tables: vec![yearly(
            "inspections",
            "督察情况（本年度）/ inspections in the year",
            &["leader"],
            &[
                ("figure_1", "督察次数"),
                ("figure_2", "实地督察"),
                ("figure_3", "发现问题数"),
                ("figure_4", "问题已督办"),
            ],
        )?],
    };
    let docking = Sheet {
        name: "任务分解对接",
        tables: vec![
            yearly(
                "docking",
                "省级任务分解对接情况 / assigned tasks in the assignees' ledgers",
                &["leader"],
                &[
                    ("figure_1", "分解任务数"),
                    ("figure_2", "已纳入台账"),
                    ("figure_3", "未纳入台账"),
                    ("figure_4", "时限推后"),
                ],
            )?,
            details(
                "missing_assignments",
                "未纳入台账的分解任务 / assigned tasks missing from the ledgers",
                &["points", "document_no"],
                &[("item", "分解任务"), ("date_text", "完成时限")],
            )?,
        ],
    };
    let leaders = Sheet {
        name: "领导述职",
        tables: vec![yearly(
            "leaders",
            "牵头领导任务情况（述职）/ leaders' tasks",
            &[],
            &[
                ("figure_1", "牵头任务数"),
                ("figure_2", "重大任务数"),
                ("figure_3", "已完成"),
                ("figure_4", "逾期未完成"),
            ],
        )?],
    };
    let stamp = crate::warehouse::read_stamp(conn).ok();
    let sources = Sheet {
        name: "数据来源",
        tables: vec![stamp_table(stamp.as_ref())],
    };
    let headline_table = t("headline", "rpt_annual_headline", "", &[], &[])?;
    let headline = headline_table
        .rows
        .first()
        .map(|row| {
            headline_table
                .headers
                .iter()
                .cloned()
                .zip(row.iter().cloned())
                .collect()
        })
        .unwrap_or_default();
    Ok(PeriodReport {
        title: "年度绩效考核报告",
        period: format!("{year}年度"),
        province,
        headline,
        sheets: vec![
            ranking_sheet,
            named,
            deductions,
            exemptions,
            accountability,
            inspections,
            docking,
            leaders,
            sources,
        ],
        charts: Charts::default(),
        charts_shown: false,
        generated_at: crate::runs::now().format("%Y-%m-%d %H:%M").to_string(),
        stamp,
    })
}

/// Writes the annual assessment report of `year` to `outs`, or, when none
/// is given, as `<default_dir>/<year>年度/年度绩效考核报告-<year>.<fmt>` for
/// each of `formats` (default xlsx and html).
pub fn write_annual(
    db: &Path,
    year: i32,
    outs: &[PathBuf],
    formats: &[String],
    default_dir: &Path,
) -> Result<Vec<PathBuf>> {
    let conn = crate::warehouse::open_file_read_only(db)?;
    let report = gather_annual(&conn, year)?;
    let name = format!("年度绩效考核报告-{year}");
    let outs = destinations(outs, formats, &default_dir.join(&report.period), &name);
    for path in &outs {
        write_one(&report, path)?;
    }
    Ok(outs)
}

/// The files a report goes to: `outs` when given, else `<dir>/<name>.<fmt>`
/// for each of `formats` (default xlsx and html).
fn destinations(outs: &[PathBuf], formats: &[String], dir: &Path, name: &str) -> Vec<PathBuf> {
    if !outs.is_empty() {
        return outs.to_vec();
    }
    let default = ["xlsx".to_string(), "html".to_string()];
    let formats = if formats.is_empty() {
        &default[..]
    } else {
        formats
    };
    formats
        .iter()
        .map(|f| dir.join(format!("{name}.{f}")))
        .collect()
}

fn write_one(report: &PeriodReport, path: &Path) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "xlsx" => xlsx::render(report)?,
        "html" | "htm" => html::render(report).into_bytes(),
        _ => {
            return Err(crate::Error::Usage(format!(
                "报告只能输出 .xlsx 或 .html / a report is .xlsx or .html: {}",
                path.display()
            )));
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(crate::Error::io(dir))?;
    }
    crate::fsutil::write_bytes_atomic(path, &bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+86 28"), "'+86 28");
        assert_eq!(neutralise("-"), "'-");
        assert_eq!(neutralise("@sum"), "'@sum");
        assert_eq!(neutralise("深化改革"), "深化改革");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn cells_read_as_people_expect() {
        assert_eq!(Cell::Rate(0.75).display(), "75.0%");
        assert_eq!(Cell::Num(60.08333).display(), "60.08");
        assert_eq!(Cell::Null.display(), "—");
        assert!(is_rate("完成率") && is_rate("群众满意度") && is_rate("置信下限"));
        assert!(!is_rate("满意度得分") && !is_rate("综合得分"));
    }
}
