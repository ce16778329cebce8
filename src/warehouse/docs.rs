//! The warehouse's data dictionary, generated from the models' header
//! comments (grain, columns with their Chinese and English meaning) and, when
//! a warehouse is built, its column types — so it cannot drift from the SQL.
//!
//! Header form (see any file under `sql/`):
//! ```text
//! -- mart_x: what it is (中文).
//! -- grain: one row per …
//! -- A note, any number of lines.
//! -- columns:
//! --   name 中文 / English meaning
//! --     a continuation line
//! ```

use duckdb::Connection;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::escape::esc;
use crate::ledger::Kind;
use crate::warehouse::{Layer, Model};

/// One documented column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDoc {
    pub name: String,
    pub zh: String,
    pub en: String,
    /// The type in the built warehouse, when one was read.
    pub data_type: Option<String>,
}

/// One model's documentation.
#[derive(Debug, Clone)]
pub struct ModelDoc {
    pub name: String,
    pub layer: Option<Layer>,
    pub title: String,
    pub grain: String,
    pub notes: Vec<String>,
    pub columns: Vec<ColumnDoc>,
    /// `columns: as raw_x …`: the relation whose columns this one passes on.
    pub columns_as: Option<String>,
    pub upstream: Vec<String>,
    /// Columns in the warehouse that the header does not describe.
    pub undocumented: Vec<String>,
}

#[derive(PartialEq)]
enum Section {
    Title,
    Grain,
    Columns,
    Note,
}

/// Reads a model's header comment.
pub fn parse(model: &Model) -> ModelDoc {
    let mut doc = ModelDoc {
        name: model.name.clone(),
        layer: Some(model.layer),
        title: String::new(),
        grain: String::new(),
        notes: Vec::new(),
        columns: Vec::new(),
        columns_as: None,
        upstream: Vec::new(),
        undocumented: Vec::new(),
    };
    let mut section = Section::Title;
    for (i, line) in model
        .sql
        .lines()
        .take_while(|l| l.starts_with("--"))
        .enumerate()
    {
        let body = line.trim_start_matches("--");
        let body = body.strip_prefix(' ').unwrap_or(body);
        let indent = body.len() - body.trim_start().len();
        let text = body.trim();
        if i == 0 {
            let prefix = format!("{}:", model.name);
            doc.title = text
                .strip_prefix(&prefix)
                .unwrap_or(text)
                .trim()
                .to_string();
            continue;
        }
        if indent == 0 {
            if let Some(rest) = text.strip_prefix("grain:") {
                section = Section::Grain;
                doc.grain = rest.trim().to_string();
            } else if let Some(rest) = text.strip_prefix("columns:") {
                section = Section::Columns;
                let rest = rest.trim();
                if let Some(relation) = rest.strip_prefix("as ") {
                    let name: String = relation
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    doc.columns_as = Some(name);
                }
                if !rest.is_empty() {
                    doc.notes.push(format!("columns: {rest}"));
                }
            } else if text.is_empty() {
                // A bare `--` ends a paragraph.
                section = Section::Title;
                if doc.notes.last().is_some_and(|n| !n.is_empty()) {
                    doc.notes.push(String::new());
                }
            } else if section == Section::Note {
                append(doc.notes.last_mut().expect("a note started"), text);
            } else {
                section = Section::Note;
                match doc.notes.last_mut() {
                    Some(last) if last.is_empty() => last.push_str(text),
                    _ => doc.notes.push(text.to_string()),
                }
            }
            continue;
        }
        match section {
            Section::Title => append(&mut doc.title, text),
            Section::Grain => append(&mut doc.grain, text),
            Section::Note => append(doc.notes.last_mut().expect("a note started"), text),
            Section::Columns if indent <= 2 => doc.columns.push(column(text)),
            Section::Columns => match doc.columns.last_mut() {
                Some(c) => append(&mut c.en, text),
                None => doc.notes.push(text.to_string()),
            },
        }
    }
    doc.notes.retain(|n| !n.is_empty());
    doc
}

fn append(to: &mut String, text: &str) {
    if !to.is_empty() {
        to.push(' ');
    }
    to.push_str(text);
}

/// `name 中文 / English meaning`.
fn column(text: &str) -> ColumnDoc {
    let (left, en) = text.split_once(" / ").unwrap_or((text, ""));
    let (name, zh) = left.split_once(' ').unwrap_or((left, ""));
    ColumnDoc {
        name: name.trim().to_string(),
        zh: zh.trim().to_string(),
        en: en.trim().to_string(),
        data_type: None,
    }
}

/// The dictionary of every model, plus the raw tables, upstream links and,
/// when `conn` is a built warehouse, the column types and any columns the
/// headers leave undocumented.
pub fn dictionary(models: &[Model], conn: Option<&Connection>) -> crate::Result<Vec<ModelDoc>> {
    let actual = match conn {
        Some(c) => warehouse_columns(c)?,
        None => BTreeMap::new(),
    };
    let mut docs: Vec<ModelDoc> = Vec::new();
    for model in models {
        let mut doc = parse(model);
        let mut upstream: Vec<String> = models
            .iter()
            .filter(|m| m.name != model.name && m.layer != Layer::Tests)
            .filter(|m| crate::warehouse::models::mentions(&model.sql, &m.name))
            .map(|m| m.name.clone())
            .collect();
        upstream.extend(raw_tables(&model.sql));
        upstream.sort();
        upstream.dedup();
        doc.upstream = upstream;
        docs.push(doc);
    }
    let mut raws: Vec<String> = docs.iter().flat_map(|d| d.upstream.clone()).collect();
    raws.extend(
        actual
            .keys()
            .filter(|k| {
                k.starts_with("raw_")
                    || ["runs", "test_results", "portal_refusals", "build_info"]
                        .contains(&k.as_str())
            })
            .cloned(),
    );
    raws.retain(|r| !models.iter().any(|m| &m.name == r));
    raws.sort();
    raws.dedup();
    for raw in raws {
        docs.push(raw_doc(&raw));
    }
    for doc in &mut docs {
        let Some(cols) = actual.get(&doc.name) else {
            continue;
        };
        let inherited: Vec<ColumnDoc> = match &doc.columns_as {
            Some(rel) => raw_doc(rel).columns,
            None => Vec::new(),
        };
        for (name, ty) in cols {
            if let Some(c) = doc.columns.iter_mut().find(|c| &c.name == name) {
                c.data_type = Some(ty.clone());
            } else if let Some(c) = inherited.iter().find(|c| &c.name == name) {
                let mut c = c.clone();
                c.data_type = Some(ty.clone());
                doc.columns.push(c);
            } else {
                doc.undocumented.push(name.clone());
                doc.columns.push(ColumnDoc {
                    name: name.clone(),
                    zh: String::new(),
                    en: "(未说明 / undocumented)".into(),
                    data_type: Some(ty.clone()),
                });
            }
        }
        // Keep the warehouse's column order.
        doc.columns.sort_by_key(|c| {
            cols.iter()
                .position(|(n, _)| *n == c.name)
                .unwrap_or(usize::MAX)
        });
    }
    Ok(docs)
}

fn raw_tables(sql: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\b(raw_[a-z_]+)\b").expect("valid regex");
    re.captures_iter(sql).map(|c| c[1].to_string()).collect()
}

fn warehouse_columns(conn: &Connection) -> crate::Result<BTreeMap<String, Vec<(String, String)>>> {
    let mut stmt = conn.prepare(
        "select table_name, column_name, data_type from information_schema.columns \
         where table_schema = 'main' order by table_name, ordinal_position",
    )?;
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (table, column, ty) = row?;
        out.entry(table).or_default().push((column, ty));
    }
    Ok(out)
}

/// The raw tables are loaded by taizhang itself, not by SQL; their columns
/// are described from the lake's own definitions.
fn raw_doc(name: &str) -> ModelDoc {
    let common = [
        (
            "submission_id",
            "报送编号",
            "first 16 hex digits of the file's sha256",
        ),
        (
            "region_code",
            "填报单位代码",
            "the submitting unit's GB/T 2260 code",
        ),
        ("period", "周期", "the reporting period"),
        ("source_sheet", "工作表", "the sheet the row came from"),
        ("source_row", "行号", "the 1-based Excel row"),
        (
            "source_cell",
            "单元格",
            "A1 reference of the row's identifying cell",
        ),
    ];
    let mut columns: Vec<ColumnDoc> = Vec::new();
    let mut push = |name: &str, zh: &str, en: &str| {
        columns.push(ColumnDoc {
            name: name.into(),
            zh: zh.into(),
            en: en.into(),
            data_type: None,
        })
    };
    let (title, grain) = match name
        .strip_prefix("raw_")
        .and_then(|k| k.parse::<Kind>().ok())
    {
        Some(kind) => {
            for (n, zh, en) in common {
                push(n, zh, en);
            }
            for spec in kind.columns() {
                let headers = spec
                    .synonyms
                    .iter()
                    .take(3)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("、");
                for n in spec.fields().iter().map(|f| f.name) {
                    match DERIVED.iter().find(|(d, ..)| *d == n) {
                        Some((_, zh, en)) => push(n, zh, &format!("{en} (header {headers})")),
                        None => push(
                            n,
                            spec.synonyms.first().copied().unwrap_or(""),
                            &format!("read from the header {headers} (DESIGN §4)"),
                        ),
                    }
                }
            }
            if crate::ledger::keys::is_compared(kind) {
                for (n, zh, en) in crate::lake::schema::KEY_DOC {
                    push(n, zh, en);
                }
            }
            (
                format!(
                    "{}：every row ever accepted, history included (lake/{}).",
                    kind.label_zh(),
                    kind.as_str()
                ),
                "one row per ledger row (submission_id, source_sheet, source_row)".to_string(),
            )
        }
        None => {
            let (title, grain, cols) = RAW_TABLES
                .iter()
                .find(|(n, ..)| *n == name)
                .map(|(_, t, g, c)| (*t, *g, *c))
                .unwrap_or(("", "", &[]));
            for (n, zh, en) in cols {
                push(n, zh, en);
            }
            (title.to_string(), grain.to_string())
        }
    };
    ModelDoc {
        name: name.to_string(),
        layer: None,
        title,
        grain,
        notes: Vec::new(),
        columns,
        columns_as: None,
        upstream: Vec::new(),
        undocumented: Vec::new(),
    }
}

/// Lake columns a cell of another column is read into (DESIGN §14): what
/// they hold, beyond the header they come from.
const DERIVED: &[(&str, &str, &str)] = &[
    (
        "unit_code",
        "单位代码",
        "the roster unit the 单位 cell of the reform office's ledger names (code, name, old name, short form, or inside a longer text); a row naming none is refused with an unknown-region error at that cell",
    ),
    (
        "lead_code",
        "牵头单位代码",
        "the roster unit the 牵头单位 cell names (a unit tagged （牵头） among the 责任单位 when that cell is blank); a row naming none is refused with an unknown-region error at that cell",
    ),
    (
        "joint",
        "联合督察",
        "true when the 督察方式 cell says 联合; false when it names another mode word only; null when blank or unread",
    ),
    (
        "covert",
        "暗访",
        "true when the 督察方式 cell says 暗访 (暗查, 不打招呼, 四不两直); false otherwise (明察); null when blank or unread",
    ),
    (
        "onsite",
        "实地督察",
        "true when the 督察方式 cell says 实地, 现场, 直接督察 or 暗访 (a covert visit is on site), even beside 书面/听取汇报; false for 案头, 书面, 间接 or no place named; null when blank or unread",
    ),
    (
        "inspected_code",
        "被督察单位代码",
        "the roster unit the 被督察单位 cell names (name, old name, short form, or inside a longer text such as 旌阳区发改局); null when it names none, and the inspection counts as the submitting unit's own",
    ),
];

type RawTable = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);

const RAW_TABLES: &[RawTable] = &[
    (
        "raw_submissions",
        "报送清单 the manifest: one row per (file, kind) received (lake/submissions, DESIGN §6).",
        "one row per (submission_id, kind)",
        crate::lake::schema::SUBMISSIONS_DOC,
    ),
    (
        "raw_issues",
        "校验问题 every validation issue (lake/issues, DESIGN §5).",
        "one row per issue",
        crate::lake::schema::ISSUES_DOC,
    ),
    (
        "raw_roster",
        "报送单位名册 the workspace's roster.csv.",
        "one row per unit",
        &[
            ("code", "区划代码", "GB/T 2260 code"),
            ("name", "名称", "the unit's name"),
            ("level", "层级", "province, city, county or department"),
            ("parent_code", "上级代码", "the parent unit"),
            ("valid_from", "起始有效日", "first day (null = unbounded)"),
            ("valid_to", "终止有效日", "last day (null = unbounded)"),
            ("aliases", "别名", "old names, old codes, short forms"),
            (
                "category",
                "部门类别",
                "a department's series in the annual assessment: party (省直党群部门) or government (省政府部门); null when not given",
            ),
        ],
    ),
    (
        "raw_clock",
        "截至时间 the time this warehouse's figures are as of: the build's --as-of time, else its start. \
         What was due by then (the assessed quarters) is read from it.",
        "one row",
        &[("as_of", "截至时间", "the as-of instant")],
    ),
    (
        "raw_config",
        "构建所用配置 the settings of taizhang.toml this warehouse was built with.",
        "one row",
        &[
            (
                "grace_days",
                "报送宽限天数",
                "days after E a submission is still on time",
            ),
            ("satisfaction_rate", "满意率口径", "standard or strict"),
            (
                "w_satisfied",
                "满意权重",
                "weight of a satisfied vote in the score",
            ),
            (
                "w_basically_satisfied",
                "基本满意权重",
                "weight of a basically satisfied vote",
            ),
            (
                "w_unsatisfied",
                "不满意权重",
                "weight of an unsatisfied vote",
            ),
            (
                "low_sample",
                "最低样本量",
                "surveys with fewer valid votes are low_sample",
            ),
            (
                "pass_score",
                "达标分数线",
                "[assessment] pass_score; NULL when unset",
            ),
            ("recheck_days", "复查周期天数", "[assessment] recheck_days"),
            (
                "meetings_per_quarter",
                "每季度最少会议数",
                "[compliance] meetings_per_quarter",
            ),
            (
                "press_conferences_per_year",
                "每年最少新闻发布会数",
                "[compliance] press_conferences_per_year",
            ),
            (
                "cases_per_year",
                "每年最少典型案例数",
                "[compliance] cases_per_year",
            ),
            (
                "notice_days",
                "督办通知期限天数",
                "[assessment] notice_days",
            ),
            (
                "name_bottom",
                "末位点名数",
                "[assessment] name_bottom: the lowest units of each level (departments of each category) named in the annual assessment; NULL when unset",
            ),
            (
                "name_if_deductions_at_least",
                "扣分点名线",
                "[assessment] name_if_deductions_at_least; NULL when unset",
            ),
            (
                "deductions_cap",
                "扣分上限",
                "[assessment.deductions] cap: the most a year's deductions total; NULL when unset",
            ),
        ],
    ),
    (
        "raw_config_deductions",
        "年度考核扣分规则 [assessment.deductions]: the points each failure costs.",
        "one row per rule",
        &[
            (
                "rule",
                "扣分规则",
                "per_unsubmitted_quarter, per_late_quarter, per_overdue_major_task, per_group_quarter_without_meeting, per_review_missed or per_finding_without_notice",
            ),
            (
                "points",
                "每次扣分",
                "points per failure (0: the rule costs nothing)",
            ),
        ],
    ),
    (
        "raw_config_expect",
        "应报设置 [expect]: which levels submit which kind.",
        "one row per (kind, level)",
        &[
            ("kind", "台账类型", "the ledger kind"),
            ("level", "层级", "a level expected to submit it"),
        ],
    ),
    (
        "raw_config_weights",
        "考评权重 [scorecard.weights].",
        "one row per indicator",
        &[
            (
                "indicator",
                "指标",
                "submission, completion, on_time, ownership, rectification, pilots, satisfaction, meetings, publicity or cases",
            ),
            ("weight", "权重", "its weight (any positive scale)"),
        ],
    ),
    (
        "raw_config_department_weights",
        "省直部门考评权重 [scorecard.department_weights] (the regions' weights when unset).",
        "one row per indicator",
        &[
            (
                "indicator",
                "指标",
                "submission, completion, on_time, ownership, rectification, pilots, satisfaction, meetings, publicity or cases",
            ),
            ("weight", "权重", "its weight (any positive scale)"),
        ],
    ),
    (
        "runs",
        "运行记录 every ingest, build and pipeline run, from runs/*.json.",
        "one row per run",
        &[
            ("run_id", "运行编号", "UTC start time and process id"),
            ("command", "命令", "ingest, build or pipeline"),
            ("pipeline", "流水线", "the pipeline file, for pipeline runs"),
            ("started_at", "开始时间", "when the run started"),
            ("ended_at", "结束时间", "when it ended"),
            (
                "exit_code",
                "退出码",
                "0 done, 1 done with rejections or failed tests, 2 could not run; null if unfinished",
            ),
            (
                "status",
                "状态",
                "done, partial, failed, or unfinished (still running, or killed)",
            ),
            ("steps", "步骤", "JSON list of steps with their counts"),
            (
                "error",
                "错误",
                "why the run stopped, when it could not finish",
            ),
        ],
    ),
    (
        "build_info",
        "构建信息 what this warehouse was built from: the as-of time and the digests a report states, so its figures can be rebuilt.",
        "one row",
        &[
            ("built_at", "构建时间", "when the build ran"),
            (
                "as_of",
                "数据截至",
                "the submissions read are those received at or before this time: `build --as-of`, else the build's start",
            ),
            (
                "as_of_given",
                "指定截至时间",
                "true for a rebuild of the past (`--as-of`), false for the build's own time",
            ),
            (
                "lake_digest",
                "湖数据摘要",
                "sha256 over the lake rows read (per table: rows and an order-free sum of row hashes); parts and compaction do not change it",
            ),
            (
                "settings_digest",
                "口径摘要",
                "sha256 over the roster, the config and every model's SQL",
            ),
            (
                "lake_rows",
                "湖数据行数",
                "rows read from the lake, all tables",
            ),
            ("taizhang_version", "版本", "the taizhang that built it"),
            ("run_id", "运行编号", "the run that built it"),
            (
                "rebuild_command",
                "重建命令",
                "the command that rebuilds these figures: taizhang build --as-of <as_of>",
            ),
        ],
    ),
    (
        "portal_refusals",
        "门户拒绝记录 every request the upload portal refused, from portal/refusals.jsonl.",
        "one row per refused request",
        &[
            ("refused_at", "拒绝时间", "when the request was refused"),
            ("addr", "来源地址", "the client's IP address"),
            ("method", "方法", "GET or POST"),
            ("path", "路径", "the route asked for"),
            ("status", "状态码", "401, 403, 400, 413, 429 or 503"),
            ("unit", "单位", "the signed-in unit, null before sign-in"),
            (
                "refusal",
                "原因",
                "the error code: unauthorized, forbidden, too-large, bad-request, busy, too-many-attempts…",
            ),
        ],
    ),
    (
        "test_results",
        "数据测试结果 every data test of every build, pass or fail.",
        "one row per (run_id, test)",
        &[
            ("run_id", "运行编号", "the run whose build ran the test"),
            ("tested_at", "测试时间", "when"),
            ("test", "测试", "the test's name (sql/tests/<name>.sql)"),
            ("status", "结果", "pass or fail"),
            (
                "failing_rows",
                "失败行数",
                "rows the test returned (up to 1000)",
            ),
        ],
    ),
];

fn layer_title(layer: Option<Layer>) -> &'static str {
    match layer {
        None => "原始表 raw tables (loaded from the lake, the roster, the config and runs/)",
        Some(Layer::Staging) => "staging 层（视图）/ staging (views)",
        Some(Layer::Intermediate) => "intermediate 层 / intermediate",
        Some(Layer::Marts) => "marts 层（指标表）/ marts",
        Some(Layer::Reports) => "reports 层（报告表）/ reports (the period report's tables)",
        Some(Layer::Tests) => "数据测试 / data tests (each returns its failing rows)",
    }
}

const ORDER: [Option<Layer>; 6] = [
    Some(Layer::Marts),
    Some(Layer::Reports),
    Some(Layer::Intermediate),
    Some(Layer::Staging),
    None,
    Some(Layer::Tests),
];

/// The dictionary as one Markdown page.
pub fn markdown(docs: &[ModelDoc]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# taizhang 仓库数据字典 / warehouse data dictionary\n");
    let _ = writeln!(
        s,
        "Generated by `taizhang docs` from the SQL models' header comments; column types come from the built `warehouse.duckdb`. 由 `taizhang docs` 根据模型注释生成，请勿手工编辑。\n"
    );
    for layer in ORDER {
        let names: Vec<String> = docs
            .iter()
            .filter(|d| d.layer == layer)
            .map(|d| format!("[{0}](#{0})", d.name))
            .collect();
        if !names.is_empty() {
            let _ = writeln!(s, "- {}: {}", layer_title(layer), names.join(", "));
        }
    }
    for layer in ORDER {
        let in_layer: Vec<&ModelDoc> = docs.iter().filter(|d| d.layer == layer).collect();
        if in_layer.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n## {}\n", layer_title(layer));
        for d in in_layer {
            let _ = writeln!(s, "### {}\n\n{}\n", d.name, md_escape(&d.title));
            if !d.grain.is_empty() {
                let _ = writeln!(s, "- **粒度 grain:** {}", md_escape(&d.grain));
            }
            if !d.upstream.is_empty() {
                let ups: Vec<String> = d.upstream.iter().map(|u| format!("[{u}](#{u})")).collect();
                let _ = writeln!(s, "- **上游 upstream:** {}", ups.join(", "));
            }
            for n in &d.notes {
                let _ = writeln!(s, "- {}", md_escape(n));
            }
            if !d.columns.is_empty() {
                let _ = writeln!(
                    s,
                    "\n| 列 column | 类型 type | 中文 | meaning |\n|---|---|---|---|"
                );
                for c in &d.columns {
                    let _ = writeln!(
                        s,
                        "| `{}` | {} | {} | {} |",
                        c.name,
                        c.data_type.as_deref().unwrap_or(""),
                        md_escape(&c.zh),
                        md_escape(&c.en)
                    );
                }
            }
            let _ = writeln!(s);
        }
    }
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The dictionary as one self-contained HTML page.
pub fn html(docs: &[ModelDoc]) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>taizhang 仓库数据字典 / warehouse data dictionary</title>\n<style>\n\
         body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.5}\n\
         table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}\n\
         th{background:#f3f3f3}code{background:#f6f6f6;padding:0 .2em}h3{margin-top:2em;border-bottom:1px solid #ddd}\n\
         </style>\n</head>\n<body>\n<h1>taizhang 仓库数据字典 / warehouse data dictionary</h1>\n\
         <p>由 <code>taizhang docs</code> 根据模型注释生成 / generated from the SQL models' header comments.</p>\n<ul>\n",
    );
    for layer in ORDER {
        let names: Vec<String> = docs
            .iter()
            .filter(|d| d.layer == layer)
            .map(|d| format!("<a href=\"#{0}\">{0}</a>", d.name))
            .collect();
        if !names.is_empty() {
            let _ = writeln!(
                s,
                "<li>{}: {}</li>",
                esc(layer_title(layer)),
                names.join(", ")
            );
        }
    }
    s.push_str("</ul>\n");
    for layer in ORDER {
        let in_layer: Vec<&ModelDoc> = docs.iter().filter(|d| d.layer == layer).collect();
        if in_layer.is_empty() {
            continue;
        }
        let _ = writeln!(s, "<h2>{}</h2>", esc(layer_title(layer)));
        for d in in_layer {
            let _ = writeln!(
                s,
                "<h3 id=\"{0}\">{0}</h3>\n<p>{1}</p>\n<ul>",
                d.name,
                esc(&d.title)
            );
            if !d.grain.is_empty() {
                let _ = writeln!(s, "<li><b>粒度 grain:</b> {}</li>", esc(&d.grain));
            }
            if !d.upstream.is_empty() {
                let ups: Vec<String> = d
                    .upstream
                    .iter()
                    .map(|u| format!("<a href=\"#{u}\">{u}</a>"))
                    .collect();
                let _ = writeln!(s, "<li><b>上游 upstream:</b> {}</li>", ups.join(", "));
            }
            for n in &d.notes {
                let _ = writeln!(s, "<li>{}</li>", esc(n));
            }
            s.push_str("</ul>\n");
            if !d.columns.is_empty() {
                s.push_str("<table>\n<tr><th>列 column</th><th>类型 type</th><th>中文</th><th>meaning</th></tr>\n");
                for c in &d.columns {
                    let _ = writeln!(
                        s,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&c.name),
                        esc(c.data_type.as_deref().unwrap_or("")),
                        esc(&c.zh),
                        esc(&c.en)
                    );
                }
                s.push_str("</table>\n");
            }
        }
    }
    s.push_str("</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_gives_title_grain_notes_and_columns() {
        let model = Model {
            layer: Layer::Marts,
            name: "mart_x".into(),
            sql: "-- mart_x: what it is (某某),\n--   over two lines.\n-- grain: one row per\n--   (period, scope_code).\n-- A note\n-- on two lines.\n-- columns:\n--   a 甲 / the a\n--   b_rate 乙率 / b over\n--     a\nselect 1".into(),
            path: None,
        };
        let d = parse(&model);
        assert_eq!(d.title, "what it is (某某), over two lines.");
        assert_eq!(d.grain, "one row per (period, scope_code).");
        assert_eq!(d.notes, ["A note on two lines."]);
        assert_eq!(d.columns.len(), 2);
        assert_eq!(d.columns[1].name, "b_rate");
        assert_eq!(d.columns[1].zh, "乙率");
        assert_eq!(d.columns[1].en, "b over a");
    }

    #[test]
    fn every_shipped_mart_report_and_intermediate_model_documents_its_columns() {
        for m in crate::warehouse::models::shipped() {
            let d = parse(&m);
            assert!(!d.title.is_empty(), "{}", m.name);
            if matches!(m.layer, Layer::Marts | Layer::Reports | Layer::Intermediate) {
                assert!(!d.columns.is_empty(), "{} lists no columns", m.name);
                for c in &d.columns {
                    assert!(
                        !c.zh.is_empty() && !c.en.is_empty(),
                        "{}.{}",
                        m.name,
                        c.name
                    );
                }
            }
        }
    }
}
