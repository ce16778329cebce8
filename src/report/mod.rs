//! The period report leaders read (DESIGN §8 `report`): the warehouse's marts
//! for one period, laid out in Chinese, as an Excel workbook or one
//! self-contained HTML page. Both are rendered from the same [`Report`], which
//! is read straight from the marts, so the two cannot disagree with the
//! warehouse or with each other.

pub mod html;
pub mod xlsx;

use duckdb::Connection;
use duckdb::types::ValueRef;

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
pub struct Report {
    pub period: String,
    pub province: String,
    pub headline: Vec<(String, Cell)>,
    pub sheets: Vec<Sheet>,
    pub charts: Charts,
    pub generated_at: String,
}

/// Header names that hold rates, shown as percentages.
fn is_rate(header: &str) -> bool {
    header.ends_with('率') || header.ends_with("满意度") || header.starts_with("置信")
}

fn query_table(conn: &Connection, title: &str, sql: &str) -> Result<Table> {
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
        .into_iter()
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

const LEVEL_ZH: &str = "case scope_level when 'province' then '省' when 'city' then '市（州）' else '县（市、区）' end";
const ALERT_ZH: &str = "case alert when 'missing_submission' then '未报送' when 'overdue_major_task' then '重大任务逾期' \
    when 'rectification_overdue' then '整改逾期' when 'pilot_overterm' then '试点超期' \
    when 'low_satisfaction' then '满意度偏低' when 'bottom_rank' then '综合排名末位' else alert end";
const KIND_ZH: &str = "case kind when 'tasks' then '改革任务' when 'rectifications' then '督察整改' \
    when 'pilots' then '改革试点' when 'plans' then '专项改革方案' when 'satisfaction' then '满意度测评' else kind end";
/// Province first, then cities, then counties, each by code.
const SCOPE_ORDER: &str =
    "case scope_level when 'province' then 0 when 'city' then 1 else 2 end, scope_code";

/// Reads the report for `period` (None = the latest) from a built warehouse.
pub fn gather(conn: &Connection, period: Option<&str>) -> Result<Report> {
    let period = match period {
        Some(p) => p.to_string(),
        None => latest_period(conn)?,
    };
    let known: i64 = conn.query_row(
        "select count(*) from int_periods where period = ?",
        [&period],
        |r| r.get(0),
    )?;
    if known == 0 {
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
    let t = |title: &str, sql: String| query_table(conn, title, &sql);
    let named = |alias: &str| {
        format!("inner join stg_roster as roster on roster.code = {alias}.scope_code")
    };

    let scorecard = |level: &str, title: &str| {
        t(
            title,
            format!(
                "select roster.name as 单位, s.scope_code as 代码, parent.name as 所属, s.rank as 排名, \
                 s.composite_score as 综合得分, s.submission as 按时报送率, s.completion as 任务完成率, \
                 s.on_time as 按期完成率, s.ownership as 责任落实率, s.rectification as 整改完成率, \
                 s.pilots as 试点按期率, s.satisfaction as 群众满意度 \
                 from mart_scorecard as s {} left join stg_roster as parent on parent.code = roster.parent_code \
                 where s.period = {p} and s.scope_level = '{level}' \
                 order by s.rank nulls last, s.scope_code",
                named("s")
            ),
        )
    };
    let summary = Sheet {
        name: "总表",
        tables: vec![
            scorecard("city", "市（州）综合考评 / cities")?,
            scorecard("county", "县（市、区）综合考评 / counties")?,
        ],
    };

    let coverage = Sheet {
        name: "报送情况",
        tables: vec![
            t(
                "报送率与按时报送率 / submission coverage",
                format!(
                    "select roster.name as 单位, c.scope_code as 代码, {KIND_ZH} as 台账类型, c.expected_units as 应报单位, \
                     c.submitted_units as 已报单位, c.on_time_units as 按时报送单位, c.coverage_rate as 报送率, \
                     c.on_time_rate as 按时报送率 from mart_submission_coverage as c {} \
                     where c.period = {p} and c.expected_units > 0 and c.scope_level in ('province', 'city') \
                     order by {}, c.kind",
                    named("c"),
                    SCOPE_ORDER.replace("scope_", "c.scope_")
                ),
            )?,
            t(
                "未报送单位 / units that sent nothing",
                format!(
                    "select roster.name as 单位, e.unit_code as 代码, parent.name as 所属, {KIND_ZH} as 台账类型, \
                     strftime(e.due_on, '%Y-%m-%d') as 报送截止日 \
                     from int_expected_submissions as e inner join stg_roster as roster on roster.code = e.unit_code \
                     left join stg_roster as parent on parent.code = roster.parent_code \
                     where e.period = {p} and not e.is_submitted order by e.kind, e.unit_code"
                ),
            )?,
            t(
                "逾期报送单位 / units that sent late",
                format!(
                    "select roster.name as 单位, e.unit_code as 代码, {KIND_ZH} as 台账类型, \
                     strftime(e.due_on, '%Y-%m-%d') as 报送截止日, strftime(e.first_received_on, '%Y-%m-%d') as 首次报送日 \
                     from int_expected_submissions as e inner join stg_roster as roster on roster.code = e.unit_code \
                     where e.period = {p} and e.is_submitted and not e.is_on_time order by e.kind, e.unit_code"
                ),
            )?,
        ],
    };

    let unit_rows = |mart: &str, select: &str, title: &str| {
        t(
            title,
            format!(
                "select roster.name as 单位, m.scope_code as 代码, {} as 层级, {select} \
                 from {mart} as m {} where m.period = {p} order by {}",
                LEVEL_ZH.replace("scope_level", "m.scope_level"),
                named("m"),
                SCOPE_ORDER.replace("scope_", "m.scope_")
            ),
        )
    };
    let alert_rows = |alert: &str, title: &str| {
        t(
            title,
            format!(
                "select roster.name as 单位, a.scope_code as 代码, a.detail as 说明, a.source_ref as 来源 \
                 from mart_alerts as a {} where a.period = {p} and a.alert = '{alert}' \
                 order by a.scope_code, a.source_ref",
                named("a")
            ),
        )
    };
    let completion = Sheet {
        name: "完成情况",
        tables: vec![
            t(
                "改革任务完成情况（按单位）/ task completion by unit",
                format!(
                    "select roster.name as 单位, m.scope_code as 代码, {} as 层级, m.tasks_total as 任务总数, \
                     m.tasks_due as 到期任务, m.due_done as 到期已完成, m.completion_rate as 完成率, \
                     m.on_time_rate as 按期完成率, m.overdue_open as 逾期未完成, m.major_due as 重大任务到期, \
                     m.major_completion_rate as 重大任务完成率, o.ownership_rate as 责任落实率 \
                     from mart_task_completion as m {} \
                     inner join mart_task_ownership as o on o.period = m.period and o.scope_code = m.scope_code \
                     where m.period = {p} order by {}",
                    LEVEL_ZH.replace("scope_level", "m.scope_level"),
                    named("m"),
                    SCOPE_ORDER.replace("scope_", "m.scope_")
                ),
            )?,
            t(
                "改革任务完成情况（按领域，全省）/ task completion by domain",
                format!(
                    "select coalesce(tasks.domain, '（未分领域）') as 改革领域, count(*) as 任务总数, \
                     count_if(facts.tasks_due) as 到期任务, count_if(facts.due_done) as 到期已完成, \
                     count_if(facts.due_done) / nullif(count_if(facts.tasks_due), 0) as 完成率, \
                     count_if(facts.overdue_open) as 逾期未完成 \
                     from int_task_facts as facts \
                     inner join stg_tasks as tasks using (submission_id, source_sheet, source_row) \
                     inner join int_scope_units as members on members.period = facts.period \
                       and members.unit_code = facts.region_code and members.scope_code = members.unit_code \
                     where facts.period = {p} group by all order by 到期任务 desc, 改革领域"
                ),
            )?,
            alert_rows(
                "overdue_major_task",
                "逾期未完成的重大改革任务 / overdue major tasks",
            )?,
        ],
    };
    let rectification = Sheet {
        name: "整改",
        tables: vec![
            unit_rows(
                "mart_rectification",
                "m.items_total as 整改事项, m.items_due as 到期事项, m.closed_due as 到期已整改, \
                 m.closure_rate as 整改完成率, m.overdue_open as 逾期未整改",
                "督察整改情况 / rectification",
            )?,
            alert_rows("rectification_overdue", "逾期未整改事项 / overdue items")?,
        ],
    };
    let pilots = Sheet {
        name: "试点",
        tables: vec![
            unit_rows(
                "mart_pilots",
                "m.pilots_active as 在试试点, m.overterm as 超期试点, m.overterm_rate as 超期率, \
                 m.fully_set_up as 组织健全, m.setup_rate as 组织健全率, m.filed_rate as 备案率",
                "改革试点情况 / pilots",
            )?,
            alert_rows("pilot_overterm", "超过2年的试点 / pilots over two years")?,
        ],
    };
    let satisfaction = Sheet {
        name: "满意度",
        tables: vec![unit_rows(
            "mart_satisfaction",
            "m.valid as 有效票, m.satisfied as 满意, m.basically_satisfied as 基本满意, \
             m.unsatisfied as 不满意, m.satisfaction_rate as 满意率, m.score as 满意度得分, \
             m.ci_low as 置信下限, m.ci_high as 置信上限, m.low_sample as 样本不足",
            "群众满意度 / satisfaction (Wilson 95% interval)",
        )?],
    };
    let alerts = Sheet {
        name: "点名通报",
        tables: vec![t(
            "点名通报事项 / findings to be named",
            format!(
                "select {ALERT_ZH} as 类型, roster.name as 单位, a.scope_code as 代码, {} as 层级, \
                 a.detail as 说明, a.source_ref as 来源 \
                 from mart_alerts as a {} where a.period = {p} \
                 order by a.alert, a.scope_code, a.source_ref",
                LEVEL_ZH.replace("scope_level", "a.scope_level"),
                named("a")
            ),
        )?],
    };
    let sources = Sheet {
        name: "数据来源",
        tables: vec![t(
            "本期数据来源（每个指标可用 taizhang trace 追溯到单元格）/ the submissions behind every figure",
            format!(
                "select roster.name as 单位, s.region_code as 代码, {KIND_ZH} as 台账类型, s.file_name as 文件名, \
                 strftime(make_timestamp(epoch_us(s.received_at) + 28800000000), '%Y-%m-%d %H:%M:%S') as 接收时间, \
                 case when s.is_current then '当前版本' else '历史版本' end as 版本, \
                 s.rows_ok as 导入行数, s.rows_rejected as 拒收行数, s.submission_id as 报送编号 \
                 from stg_submissions as s inner join stg_roster as roster on roster.code = s.region_code \
                 where s.period = {p} and s.status = 'accepted' \
                 order by s.region_code, s.kind, s.received_at"
            ),
        )?],
    };

    let headline_table = t(
        "headline",
        format!(
            "select c.on_time_rate as 按时报送率, t.completion_rate as 任务完成率, t.overdue_open as 逾期未完成任务, \
             r.closure_rate as 整改完成率, s.satisfaction_rate as 群众满意率, \
             (select count(*) from mart_alerts where period = {p}) as 点名通报事项 \
             from mart_task_completion as t \
             inner join mart_submission_coverage as c on c.period = t.period and c.scope_code = t.scope_code and c.kind = 'tasks' \
             inner join mart_rectification as r on r.period = t.period and r.scope_code = t.scope_code \
             inner join mart_satisfaction as s on s.period = t.period and s.scope_code = t.scope_code \
             where t.period = {p} and t.scope_level = 'province'"
        ),
    )?;
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
    Ok(Report {
        period,
        province,
        headline,
        sheets: vec![
            summary,
            coverage,
            completion,
            rectification,
            pilots,
            satisfaction,
            alerts,
            sources,
        ],
        charts,
        generated_at: crate::runs::now().format("%Y-%m-%d %H:%M").to_string(),
    })
}

fn gather_charts(conn: &Connection, p: &str) -> Result<Charts> {
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
