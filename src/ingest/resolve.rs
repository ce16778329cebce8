//! What a file is: the kind of each sheet (flag, sheet name or title
//! keyword, or the headers when they clearly say otherwise), and the unit and
//! period it belongs to (flags, folders, title row, file name, 填报单位),
//! with a warning naming both sources when they disagree.

use super::header::{Header, HeaderRows, find_header, find_header_in};
use super::read::{CellValue, SheetGrid};
use crate::issue::{Code, Issue, Severity};
use crate::ledger::{Kind, Rules};
use crate::normalize::{Period, Roster};

/// What is known about a file before it is opened.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub kind: Option<Kind>,
    /// `--region` as typed.
    pub region_flag: Option<String>,
    pub period_flag: Option<Period>,
    /// The file's two parent folders, `<period>/<region>`.
    pub folder_period: Option<String>,
    pub folder_region: Option<String>,
    /// The unit and period were given in the portal's upload form, not as
    /// flags: what the clerk is told names the form's fields.
    pub from_form: bool,
}

/// What a sheet holds, as far as its kind goes.
pub(super) enum Detected {
    Ledger(Header),
    MissingHeader(Kind),
    Nothing,
}

/// The sheet's kind: `--kind`, else the sheet name or title keyword, unless the
/// headers clearly match another kind better (DESIGN §4).
pub(super) fn detect(grid: &SheetGrid, forced: Option<Kind>, rules: &Rules) -> Detected {
    // Instructions sheets (填表说明) often show an example ledger: never data.
    if grid.name.contains("说明") {
        return Detected::Nothing;
    }
    if let Some(kind) = forced {
        return match find_header(grid, kind, rules) {
            Some(h) => Detected::Ledger(h),
            None => Detected::MissingHeader(kind),
        };
    }
    let keyword = kind_named_by(grid);
    let candidates = HeaderRows::of(grid, rules);
    let mut headers: Vec<Header> = Kind::ALL
        .into_iter()
        .filter_map(|k| find_header_in(grid, &candidates, k, rules))
        .collect();
    headers.sort_by_key(|h| std::cmp::Reverse(h.score()));
    let best_score = headers.first().map_or(0, Header::score);
    if let Some(k) = keyword
        && let Some(pos) = headers
            .iter()
            .position(|h| h.kind == k && h.score() + 1 >= best_score)
    {
        return Detected::Ledger(headers.swap_remove(pos));
    }
    match headers.into_iter().next() {
        Some(h) => Detected::Ledger(h),
        None => match keyword {
            // A sheet named like a ledger whose headers are not found: tell the clerk.
            Some(k) if grid.rows.iter().any(|r| r.iter().any(|c| !c.is_empty())) => {
                Detected::MissingHeader(k)
            }
            _ => Detected::Nothing,
        },
    }
}

/// The kind a sheet's name, or else its first rows (the title), names by keyword.
/// Rows are tried one at a time, top first: the title decides before a data
/// row's text can (a problem described as 方案落实不到位 is not a plan).
pub(super) fn kind_named_by(grid: &SheetGrid) -> Option<Kind> {
    Kind::from_keyword(&grid.name).or_else(|| {
        (grid.origin.0..grid.row_count().min(grid.origin.0 + 3)).find_map(|r| {
            let text: String = (grid.origin.1..grid.col_count())
                .filter_map(|c| match grid.cell(r, c) {
                    CellValue::Text(s) => Some(&**s),
                    _ => None,
                })
                .take(20)
                .collect();
            Kind::from_keyword(&text)
        })
    })
}

pub(super) fn missing_header(grid: &SheetGrid, kind: Kind) -> Issue {
    let spec = kind
        .columns()
        .iter()
        .find(|c| c.name == kind.required())
        .expect("required column exists");
    let names = spec
        .synonyms
        .iter()
        .take(4)
        .copied()
        .collect::<Vec<_>>()
        .join("、");
    Issue::file(
        Severity::Error,
        Code::MissingHeader,
        format!("工作表“{}”找不到{}的表头行：需要“{names}”等列名之一，并至少再有一列可识别的表头", grid.name, kind.label_zh()),
        format!("sheet {:?}: no {kind} header row found; it needs one of {names} and at least one more known column", grid.name),
    )
    .in_sheet(&grid.name)
    .column(kind.required())
}

/// Text of the rows above the header (the title), and the 填报单位 value.
pub(super) fn title_and_filer(grid: &SheetGrid, header_row: u32) -> (String, Option<String>) {
    let mut title = String::new();
    let mut filer = None;
    for r in grid.origin.0..header_row {
        let mut last = String::new();
        for c in grid.origin.1..grid.col_count() {
            let text = grid.cell(r, c).as_text();
            let text = text.trim();
            if text.is_empty() || text == last {
                continue;
            }
            last = text.to_string();
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if let Some(rest) = compact.strip_prefix("填报单位") {
                let value = rest.trim_start_matches(|c| "（）()盖章:：".contains(c));
                if !value.is_empty() {
                    filer = Some(value.to_string());
                }
            } else if !compact.starts_with("填报") && !compact.starts_with("附件") {
                title.push_str(text);
                title.push(' ');
            }
        }
    }
    (title, filer)
}

/// The file name without folders and extension.
fn stem(file_name: &str) -> &str {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    base.rsplit_once('.').map_or(base, |(s, _)| s)
}

pub(super) fn resolve_region(
    hints: &Hints,
    title: &str,
    file_name: &str,
    filer: Option<&str>,
    roster: &Roster,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    let mut sources: Vec<(&str, String)> = Vec::new();
    if let Some(flag) = &hints.region_flag {
        match roster.resolve(flag) {
            Ok(u) => sources.push((region_flag_name(hints), u.code.clone())),
            Err(e) => issues.push(
                Issue::file(
                    Severity::Error,
                    Code::UnknownRegion,
                    e.to_string(),
                    e.to_string(),
                )
                .value(flag.clone()),
            ),
        }
    }
    if let Some(folder) = &hints.folder_region
        && let Ok(u) = roster.resolve(folder)
    {
        sources.push(("文件夹/folder", u.code.clone()));
    }
    if let Some(u) = roster.find_in(title) {
        sources.push(("标题/title", u.code.clone()));
    }
    if let Some(u) = roster.find_in(stem(file_name)) {
        sources.push(("文件名/file name", u.code.clone()));
    }
    if let Some(u) = filer.and_then(|f| roster.resolve(f).ok().or_else(|| roster.find_in(f))) {
        sources.push(("填报单位", u.code.clone()));
    }
    let describe = |code: &String| {
        roster
            .get(code)
            .map_or(code.clone(), |u| format!("{} {}", u.code, u.name))
    };
    pick(sources, issues, "地区/region", Code::UnknownRegion, |a, b| a == b, describe).or_else(|| {
        if !issues.iter().any(|i| i.code == Code::UnknownRegion) && hints.from_form {
            issues.push(Issue::file(
                Severity::Error,
                Code::UnknownRegion,
                "无法确定报送单位：请在上传表单的“报送单位”中填写（代码或名称），或在台账标题中写明单位名称",
                "cannot tell which unit sent this file: fill in the upload form's 报送单位 (a code or name), or name the unit in the ledger's title",
            ));
        } else if !issues.iter().any(|i| i.code == Code::UnknownRegion) {
            issues.push(Issue::file(
                Severity::Error,
                Code::UnknownRegion,
                "无法确定报送单位：请用 --region 指定（代码或名称），或把文件放在 <周期>/<地区>/ 文件夹中，或在标题中写明单位名称",
                "cannot tell which unit sent this file: give --region (code or name), put it under <period>/<region>/ folders, or name the unit in the title",
            ));
        }
        None
    })
}

fn region_flag_name(hints: &Hints) -> &'static str {
    if hints.from_form {
        "表单/form"
    } else {
        "--region"
    }
}

pub(super) fn resolve_period(
    hints: &Hints,
    title: &str,
    file_name: &str,
    issues: &mut Vec<Issue>,
) -> Option<Period> {
    let mut sources: Vec<(&str, Period)> = Vec::new();
    if let Some(p) = hints.period_flag {
        sources.push((
            if hints.from_form {
                "表单/form"
            } else {
                "--period"
            },
            p,
        ));
    }
    if let Some(p) = hints.folder_period.as_deref().and_then(|f| f.parse().ok()) {
        sources.push(("文件夹/folder", p));
    }
    if let Some(p) = Period::find_in(title) {
        sources.push(("标题/title", p));
    }
    if let Some(p) = Period::find_in(stem(file_name)) {
        sources.push(("文件名/file name", p));
    }
    // A year in the title agrees with a quarter of that year from the folders.
    let agrees = |a: &Period, b: &Period| a.start() <= b.end() && b.start() <= a.end();
    pick(sources, issues, "周期/period", Code::UnknownPeriod, agrees, |p| p.to_string()).or_else(|| {
        if hints.from_form {
            issues.push(Issue::file(
                Severity::Error,
                Code::UnknownPeriod,
                "无法确定报送周期：文件标题、工作表名和文件名都没有写明周期，请在上传表单的“报送周期”中填写（如 2024Q2），或在台账标题中写明（如 2024年第二季度）后重新上传",
                "cannot tell the period: neither the title, a sheet name nor the file name states one; fill in the upload form's 报送周期 (e.g. 2024Q2), or state it in the ledger's title (e.g. 2024年第二季度), and upload again",
            ));
            return None;
        }
        issues.push(Issue::file(
            Severity::Error,
            Code::UnknownPeriod,
            "无法确定报送周期：请用 --period 指定（如 2024Q2），或把文件放在 <周期>/<地区>/ 文件夹中，或在标题中写明（如 2024年第二季度）",
            "cannot tell the period: give --period (e.g. 2024Q2), put it under <period>/<region>/ folders, or state it in the title (e.g. 2024年第二季度)",
        ));
        None
    })
}

/// The first source wins; each later one that disagrees gets a warning naming both.
fn pick<T: Clone>(
    sources: Vec<(&str, T)>,
    issues: &mut Vec<Issue>,
    what: &str,
    code: Code,
    agrees: impl Fn(&T, &T) -> bool,
    describe: impl Fn(&T) -> String,
) -> Option<T> {
    let (first_from, first) = sources.first().cloned()?;
    for (from, other) in &sources[1..] {
        if !agrees(&first, other) {
            issues.push(
                Issue::file(
                    Severity::Warning,
                    code,
                    format!(
                        "{what}不一致：{first_from} 为 {}，{from} 为 {}；采用前者",
                        describe(&first),
                        describe(other)
                    ),
                    format!(
                        "{what} disagree: {first_from} says {}, {from} says {}; using the former",
                        describe(&first),
                        describe(other)
                    ),
                )
                .value(describe(other)),
            );
        }
    }
    Some(first)
}
