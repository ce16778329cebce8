//! One received file → its ledgers: sheets read, kinds found, region and
//! period resolved, rows typed. Pure: bytes in, a [`ParsedFile`] out.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::issue::{Code, Issue, Severity};
use super::sheet::{
    Header, HeaderRows, RowRef, SheetResult, find_header, find_header_in, read_rows_into,
};
use super::workbook::{CellValue, Format, ReadLimits, SheetGrid, read_workbook};
use crate::config::Limits;
use crate::ledger::{Kind, Record, Rules};
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
}

/// Everything a file reader needs besides the bytes.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub roster: &'a Roster,
    pub rules: &'a Rules,
    pub limits: Limits,
}

/// One kind's ledger within a file: all its sheets together.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub sheets: Vec<String>,
    /// The rows read, from [`parse_file`]. [`parse_file_with`] hands them
    /// out as they are read instead, and only `rows_ok` tells how many.
    pub records: Vec<Record>,
    /// Rows accepted: the number of `records` when the ledger is accepted.
    pub rows_ok: usize,
    pub rows_rejected: usize,
    pub warnings: usize,
    pub accepted: bool,
}

/// The outcome of reading one file.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    pub region_code: Option<String>,
    pub period: Option<Period>,
    pub ledgers: BTreeMap<Kind, Ledger>,
    /// File-level issues first, then sheet issues in sheet order.
    pub issues: Vec<Issue>,
    /// Sheets that hold no ledger, with why.
    pub skipped_sheets: Vec<(String, String)>,
    pub ignored_columns: Vec<String>,
}

impl ParsedFile {
    pub fn accepted(&self) -> bool {
        self.ledgers.values().any(|l| l.accepted)
    }

    fn reject(issue: Issue) -> ParsedFile {
        ParsedFile {
            issues: vec![issue],
            ..ParsedFile::default()
        }
    }
}

/// The ledger a row handed to a [`RowSink`] belongs to.
#[derive(Debug, Clone, Copy)]
pub struct LedgerAt<'a> {
    pub kind: Kind,
    pub region_code: &'a str,
    pub period: Period,
    pub sheet: &'a str,
}

/// Where a file's accepted rows go, one at a time, as they are read.
pub trait RowSink {
    /// About `rows` rows of `kind` may follow (the rows of a sheet below its
    /// header): room can be made for them at once.
    fn expect(&mut self, _kind: Kind, _rows: usize) {}

    fn row(&mut self, ledger: &LedgerAt<'_>, row: RowRef<'_>);
}

/// Rows per Arrow batch: a ledger of a few hundred rows is one batch; a
/// 200,000-row sheet is never held whole, in rows or in Arrow.
pub const ROW_CHUNK: usize = 8192;

/// Collects rows as [`Record`]s per kind, for [`parse_file`].
#[derive(Default)]
struct Collect {
    rows: BTreeMap<Kind, Vec<Record>>,
    sheet: Option<Arc<str>>,
}

impl RowSink for Collect {
    fn row(&mut self, ledger: &LedgerAt<'_>, row: RowRef<'_>) {
        let sheet = match &self.sheet {
            Some(s) if &**s == ledger.sheet => s.clone(),
            _ => self.sheet.insert(Arc::from(ledger.sheet)).clone(),
        };
        self.rows.entry(ledger.kind).or_default().push(Record {
            source_sheet: sheet,
            source_row: row.source_row,
            source_col: row.source_col,
            values: row.values.to_vec(),
        });
    }
}

/// Reads one file, with every ledger's rows in [`Ledger::records`]. Never
/// panics on any input: a reader panic inside calamine becomes an
/// `unreadable-file` rejection.
pub fn parse_file(bytes: &[u8], file_name: &str, hints: &Hints, ctx: Context<'_>) -> ParsedFile {
    let mut collect = Collect::default();
    let mut parsed = parse_file_with(bytes, file_name, hints, ctx, &mut collect);
    for (kind, records) in collect.rows {
        if let Some(ledger) = parsed.ledgers.get_mut(&kind) {
            ledger.records = records;
        }
    }
    parsed
}

/// [`parse_file`], handing each accepted ledger's rows to `sink` as they are
/// read rather than keeping them. A file whose region or period is unknown
/// hands out nothing: its rows are rejected.
pub fn parse_file_with(
    bytes: &[u8],
    file_name: &str,
    hints: &Hints,
    ctx: Context<'_>,
    sink: &mut dyn RowSink,
) -> ParsedFile {
    let limit = ctx.limits.max_file_mb.saturating_mul(1024 * 1024);
    if bytes.len() as u64 > limit {
        return ParsedFile::reject(too_large(bytes.len() as u64, ctx.limits.max_file_mb));
    }
    let Some(format) = Format::from_file_name(file_name) else {
        return ParsedFile::reject(Issue::file(
            Severity::Error,
            Code::UnsupportedFormat,
            "不支持的文件格式，请报送 .xlsx/.xls/.xlsb/.ods/.csv 文件",
            "unsupported file format; send .xlsx, .xls, .xlsb, .ods or .csv",
        ));
    };
    let limits = ReadLimits::from(ctx.limits);
    let read = std::panic::catch_unwind(|| read_workbook(bytes, format, limits));
    let mut grids = match read {
        Ok(Ok(grids)) => grids,
        Ok(Err(e)) if e.is_too_large() => {
            let text = e.to_string();
            let (zh, en) = text.split_once(" / ").unwrap_or((&text, &text));
            return ParsedFile::reject(Issue::file(Severity::Error, Code::TooLarge, zh, en));
        }
        Ok(Err(e)) => {
            return ParsedFile::reject(Issue::file(
                Severity::Error,
                Code::UnreadableFile,
                format!("文件无法读取，可能已损坏或加密，请另存为 .xlsx 后重新报送（{e}）"),
                format!(
                    "the file cannot be read; it may be damaged or encrypted — save it as .xlsx and resend ({e})"
                ),
            ));
        }
        Err(_) => {
            return ParsedFile::reject(Issue::file(
                Severity::Error,
                Code::UnreadableFile,
                "文件结构异常，无法读取，请另存为 .xlsx 后重新报送",
                "the file's structure is broken and could not be read; save it as .xlsx and resend",
            ));
        }
    };
    for grid in &mut grids {
        grid.fill_merges();
    }
    parse_grids(&grids, file_name, hints, ctx, sink)
}

/// The rejection of a file over the size limit.
pub fn too_large(bytes: u64, limit_mb: u64) -> Issue {
    let mb = bytes as f64 / 1048576.0;
    Issue::file(
        Severity::Error,
        Code::TooLarge,
        format!("文件过大（{mb:.1} MB，上限 {limit_mb} MB），请拆分后报送"),
        format!("file too large ({mb:.1} MB, limit {limit_mb} MB); split it"),
    )
}

/// Reads the sheets of an opened workbook.
fn parse_grids(
    grids: &[SheetGrid],
    file_name: &str,
    hints: &Hints,
    ctx: Context<'_>,
    sink: &mut dyn RowSink,
) -> ParsedFile {
    let mut out = ParsedFile::default();
    let mut found: Vec<(&SheetGrid, Header)> = Vec::new();
    for grid in grids {
        match detect(grid, hints.kind, ctx.rules) {
            Detected::Ledger(header) => {
                // The sheet's name or title says one kind, its headers another.
                if let Some(named) =
                    kind_named_by(grid).filter(|k| *k != header.kind && hints.kind.is_none())
                {
                    out.issues.push(
                        Issue::file(
                            Severity::Warning,
                            Code::UnknownKind,
                            format!("工作表名称或标题像{}，但表头是{}，已按{}读取；如不对请用 --kind 指定", named.label_zh(), header.kind.label_zh(), header.kind.label_zh()),
                            format!("the sheet's name or title says {named} but its headers are {}; read as {} — give --kind if that is wrong", header.kind, header.kind),
                        )
                        .in_sheet(&grid.name),
                    );
                }
                found.push((grid, header))
            }
            Detected::MissingHeader(kind) => {
                out.issues.push(missing_header(grid, kind));
                out.skipped_sheets
                    .push((grid.name.clone(), format!("缺少表头 / no {kind} header")));
            }
            Detected::Nothing => {
                out.skipped_sheets
                    .push((grid.name.clone(), "不是台账 / not a ledger".into()));
            }
        }
    }
    // Region and period: flags, folders, title, file name, then 填报单位 —
    // resolved for a file without a ledger too, so its manifest row says whose it is.
    let (title, filer) = match (found.first(), grids.first()) {
        (Some((grid, header)), _) => title_and_filer(grid, header.first_row),
        (None, Some(grid)) => title_and_filer(grid, grid.origin.0 + 3),
        (None, None) => (String::new(), None),
    };
    let region = resolve_region(
        hints,
        &title,
        file_name,
        filer.as_deref(),
        ctx.roster,
        &mut out.issues,
    );
    let period = resolve_period(hints, &title, file_name, &mut out.issues);
    out.region_code = region.clone();
    out.period = period;
    if let (Some(code), Some(p)) = (&region, period)
        && let Some(unit) = ctx.roster.get(code).filter(|u| !u.is_valid_in(p))
    {
        out.issues.push(Issue::file(
            Severity::Warning,
            Code::UnknownRegion,
            format!(
                "{} 在 {p} 不是有效的报送单位，此台账不计入任何统计",
                unit.name
            ),
            format!(
                "{} is not a valid unit in {p}; this ledger counts nowhere",
                unit.name
            ),
        ));
    }

    if found.is_empty() {
        out.issues.push(Issue::file(
            Severity::Error,
            Code::NoLedgerSheet,
            "文件中没有可识别的台账工作表：请保留表头行（如 序号、改革任务、牵头单位、完成时限）",
            "no sheet in the file is a ledger taizhang can read: keep the header row (e.g. 序号, 改革任务, 牵头单位, 完成时限)",
        ));
        return out;
    }

    let usable = region.as_deref().zip(period);
    let year = period.map(Period::year);
    for (grid, header) in found {
        let kind = header.kind;
        let SheetResult {
            rows,
            rows_rejected,
            mut issues,
            ignored_columns,
            ..
        } = match usable {
            Some((region_code, period)) => {
                let ledger = LedgerAt {
                    kind,
                    region_code,
                    period,
                    sheet: &grid.name,
                };
                sink.expect(
                    kind,
                    grid.row_count().saturating_sub(header.last_row + 1) as usize,
                );
                read_rows_into(grid, &header, ctx.rules, year, &mut |row| {
                    sink.row(&ledger, row)
                })
            }
            None => read_rows_into(grid, &header, ctx.rules, year, &mut |_| {}),
        };
        // Formulas saved without a result (generated files, some WPS saves) read as empty.
        issues.extend(grid.uncached_formulas.iter().map(|&(row, col)| {
            Issue::file(
                Severity::Warning,
                Code::FormulaNoCache,
                "此单元格是公式但没有保存计算结果，按空白处理；请在 Excel/WPS 中打开、保存后重新报送",
                "this cell holds a formula saved without its result and was read as blank; open and save the file in Excel or WPS, then resend",
            )
            .in_sheet(&grid.name)
            .at(row, col)
        }));
        let ledger = out.ledgers.entry(kind).or_default();
        ledger.sheets.push(grid.name.clone());
        ledger.warnings += issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
            .count();
        ledger.rows_rejected += rows_rejected;
        if usable.is_some() {
            ledger.rows_ok += rows;
        } else {
            ledger.rows_rejected += rows;
        }
        out.issues.extend(issues);
        out.ignored_columns.extend(ignored_columns);
    }
    for (kind, ledger) in &mut out.ledgers {
        ledger.accepted = ledger.rows_ok > 0;
        if usable.is_some() && ledger.rows_ok == 0 && ledger.rows_rejected == 0 {
            out.issues.push(
                Issue::file(
                    Severity::Error,
                    Code::MissingCell,
                    format!("{}没有数据行，未被接收", kind.label_zh()),
                    format!("the {kind} ledger has no data rows and was not accepted"),
                )
                .in_sheet(&ledger.sheets.join(",")),
            );
        }
    }
    out
}

enum Detected {
    Ledger(Header),
    MissingHeader(Kind),
    Nothing,
}

/// The sheet's kind: `--kind`, else the sheet name or title keyword, unless the
/// headers clearly match another kind better (DESIGN §4).
fn detect(grid: &SheetGrid, forced: Option<Kind>, rules: &Rules) -> Detected {
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
fn kind_named_by(grid: &SheetGrid) -> Option<Kind> {
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

fn missing_header(grid: &SheetGrid, kind: Kind) -> Issue {
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
fn title_and_filer(grid: &SheetGrid, header_row: u32) -> (String, Option<String>) {
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

fn resolve_region(
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
            Ok(u) => sources.push(("--region", u.code.clone())),
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
        if !issues.iter().any(|i| i.code == Code::UnknownRegion) {
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

fn resolve_period(
    hints: &Hints,
    title: &str,
    file_name: &str,
    issues: &mut Vec<Issue>,
) -> Option<Period> {
    let mut sources: Vec<(&str, Period)> = Vec::new();
    if let Some(p) = hints.period_flag {
        sources.push(("--period", p));
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
