//! One received file → its ledgers: sheets read, kinds found, region and
//! period resolved, rows typed. Pure: bytes in, a [`ParsedFile`] out.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::header::Header;
use super::read::{Format, ReadLimits, SheetGrid, read_workbook};
pub use super::resolve::Hints;
use super::resolve::{
    Detected, detect, kind_named_by, missing_header, resolve_period, resolve_region,
    title_and_filer,
};
use super::rows::{RowRef, SheetResult, UnitNames, read_rows_into};
use crate::config::Limits;
use crate::issue::{Code, Issue, Severity};
use crate::ledger::{Kind, Record, Rules};
use crate::normalize::{Period, Roster};

/// Everything a file reader needs besides the bytes.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub roster: &'a Roster,
    pub rules: &'a Rules,
    pub limits: Limits,
    /// Keep the sheets that hold an issue's cell in
    /// [`ParsedFile::marked_sheets`], for a feedback workbook made from this
    /// reading (the portal's upload) rather than from the file read again.
    pub keep_marked_sheets: bool,
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
    /// The reader's panic, when one was caught (the file is rejected as
    /// `unreadable-file`): for the run record, not for the clerk.
    pub reader_panic: Option<String>,
    /// With [`Context::keep_marked_sheets`]: the sheets holding a cell an
    /// issue names, as read, for the feedback workbook; `None` when not kept.
    pub marked_sheets: Option<Vec<SheetGrid>>,
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
    let limits = ReadLimits::for_file(ctx.limits);
    let read = super::read::quiet_panic::catch(|| read_workbook(bytes, format, limits));
    let grids = match read {
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
        Err(panic) => {
            let mut parsed = ParsedFile::reject(Issue::file(
                Severity::Error,
                Code::UnreadableFile,
                "文件结构异常，无法读取，请另存为 .xlsx 后重新报送",
                "the file's structure is broken and could not be read; save it as .xlsx and resend",
            ));
            parsed.reader_panic = Some(panic);
            return parsed;
        }
    };
    let mut parsed = parse_grids(&grids, file_name, hints, ctx, sink);
    if ctx.keep_marked_sheets {
        parsed.marked_sheets = Some(
            grids
                .into_iter()
                .filter(|g| {
                    parsed
                        .issues
                        .iter()
                        .any(|i| i.cell.is_some() && i.sheet.as_deref().unwrap_or("") == g.name)
                })
                .collect(),
        );
    }
    parsed
}

/// The first year written in a title (`2025年…`, `2025Q1`, `2025-06`): what a
/// breakdown is for — `2025年工作要点（2024年12月印发）` is 2025's, though the
/// later date names a month.
fn first_year_in(text: &str) -> Option<i32> {
    let chars: Vec<char> = crate::normalize::text::fold_width(text, true)
        .chars()
        .collect();
    (0..chars.len().saturating_sub(4)).find_map(|i| {
        let digits = &chars[i..i + 4];
        let starts = i == 0 || !chars[i - 1].is_ascii_digit();
        let marked = matches!(chars[i + 4], '年' | 'Q' | 'q' | '-');
        if !(starts && marked && digits.iter().all(char::is_ascii_digit)) {
            return None;
        }
        let year: i32 = digits.iter().collect::<String>().parse().ok()?;
        (1990..=2100).contains(&year).then_some(year)
    })
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
    let unit_names = Some(UnitNames {
        roster: ctx.roster,
        filer: region.as_deref(),
    });
    // Only the province's reform office keeps the office's ledgers.
    let filer_is_province = region
        .as_deref()
        .and_then(|code| ctx.roster.get(code))
        .is_some_and(|u| u.level == crate::normalize::region::Level::Province);
    for (grid, header) in found {
        let kind = header.kind;
        let usable = if kind.is_office() && !filer_is_province && usable.is_some() {
            out.issues.push(
                Issue::file(
                    Severity::Error,
                    Code::UnknownRegion,
                    format!(
                        "{}由省委改革办报送，其他单位报送的不予接收",
                        kind.label_zh()
                    ),
                    format!(
                        "a {kind} ledger is kept by the province's reform office; one sent by another unit is not accepted"
                    ),
                )
                .in_sheet(&grid.name),
            );
            None
        } else {
            usable
        };
        // The year a breakdown (任务分解) is for: the one its title or sheet
        // name gives (a 2025 breakdown is often sent with a 2024 ledger),
        // else the period's. It also dates its year-less deadlines.
        let year = match kind {
            Kind::Assignments => {
                let (title, _) = title_and_filer(grid, header.first_row);
                first_year_in(&title)
                    .or_else(|| first_year_in(&grid.name))
                    .or(year)
            }
            _ => year,
        };
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
                read_rows_into(grid, &header, ctx.rules, unit_names, year, &mut |row| {
                    sink.row(&ledger, row)
                })
            }
            None => read_rows_into(grid, &header, ctx.rules, unit_names, year, &mut |_| {}),
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

#[cfg(test)]
mod tests {
    use super::first_year_in;

    #[test]
    fn a_titles_first_year_is_the_one_it_is_for() {
        assert_eq!(
            first_year_in("2025年全面深化改革工作要点任务分解表（2024年12月印发）"),
            Some(2025)
        );
        assert_eq!(first_year_in("２０２４年度任务分解"), Some(2024));
        assert_eq!(first_year_in("任务分解 2026Q1"), Some(2026));
        assert_eq!(first_year_in("2024年工作要点"), Some(2024));
        // A number that is no year, or no year at all.
        assert_eq!(first_year_in("第12345年"), None);
        assert_eq!(first_year_in("川改办〔8号〕"), None);
        assert_eq!(first_year_in("工作要点"), None);
    }
}
