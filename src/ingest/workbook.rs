//! Workbook bytes → sheets of typed cells with their merged regions.
//!
//! calamine does the reading; this module only chooses the reader, converts
//! every calamine cell type in one exhaustive `match`, and reads the merged
//! regions where the format has them (xlsx, xlsm, xls).

use calamine::{
    Data, DataRef, Dimensions, Ods, Range, Reader, SheetType, Xls, Xlsb, Xlsx,
    open_workbook_from_rs,
};
use chrono::NaiveDate;
use std::io::Cursor;

use crate::normalize::text::number_to_text;

/// A cell as the ledger reader sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    #[default]
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    /// An Excel error value such as `#REF!`.
    Error(String),
}

impl CellValue {
    pub fn is_empty(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text: numbers at 15 significant digits, dates as ISO.
    pub fn as_text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(s) => s.clone(),
            CellValue::Number(x) => number_to_text(*x),
            CellValue::Date(d) => d.to_string(),
            CellValue::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            CellValue::Error(e) => e.clone(),
        }
    }
}

/// A rectangular merged region, 0-based absolute, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first: (u32, u32),
    pub last: (u32, u32),
}

/// One sheet: its cells from `origin` (0-based absolute row, col) and merges.
#[derive(Debug, Clone, Default)]
pub struct SheetGrid {
    pub name: String,
    pub origin: (u32, u32),
    pub rows: Vec<Vec<CellValue>>,
    pub merges: Vec<Merge>,
    /// Formula cells saved without a computed value (read as empty).
    pub uncached_formulas: Vec<(u32, u32)>,
}

impl SheetGrid {
    pub fn cell(&self, row: u32, col: u32) -> &CellValue {
        static EMPTY: CellValue = CellValue::Empty;
        let (Some(r), Some(c)) = (
            row.checked_sub(self.origin.0),
            col.checked_sub(self.origin.1),
        ) else {
            return &EMPTY;
        };
        self.rows
            .get(r as usize)
            .and_then(|cells| cells.get(c as usize))
            .unwrap_or(&EMPTY)
    }

    pub fn row_count(&self) -> u32 {
        self.origin.0 + self.rows.len() as u32
    }

    pub fn col_count(&self) -> u32 {
        self.origin.1 + self.rows.iter().map(Vec::len).max().unwrap_or(0) as u32
    }

    /// Copies each merged region's top-left value into the region's other cells
    /// (within the cells the sheet has), so merged lead units and deadlines
    /// reach every row they cover.
    pub fn fill_merges(&mut self) {
        let (rows, cols) = (self.row_count(), self.col_count());
        for m in self.merges.clone() {
            let value = self.cell(m.first.0, m.first.1).clone();
            if value.is_empty() {
                continue;
            }
            for r in m.first.0..=m.last.0.min(rows.saturating_sub(1)) {
                for c in m.first.1..=m.last.1.min(cols.saturating_sub(1)) {
                    if (r, c) != m.first {
                        self.set(r, c, value.clone());
                    }
                }
            }
        }
    }

    fn set(&mut self, row: u32, col: u32, value: CellValue) {
        let (r, c) = (
            (row - self.origin.0) as usize,
            (col - self.origin.1) as usize,
        );
        let cells = &mut self.rows[r];
        if cells.len() <= c {
            cells.resize(c + 1, CellValue::Empty);
        }
        cells[c] = value;
    }
}

/// The spreadsheet formats taizhang reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Xlsb,
    Ods,
    Csv,
}

impl Format {
    /// The format a file name claims, by extension.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "xlsb" => Some(Format::Xlsb),
            "ods" => Some(Format::Ods),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Why a workbook could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error("文件无法读取 / the file cannot be read: {0}")]
    Unreadable(String),
    #[error("工作表过多（{count} 个，上限 {limit}）/ too many sheets ({count}, limit {limit})")]
    TooManySheets { count: usize, limit: usize },
    #[error(
        "工作表“{sheet}”单元格过多（上限 {limit}）/ sheet {sheet:?} has too many cells (limit {limit})"
    )]
    TooManyCells { sheet: String, limit: u64 },
    #[error(
        "压缩包解压后过大（声明 {declared_mb} MB，上限 {limit_mb} MB），疑似压缩炸弹 / the workbook would unpack to {declared_mb} MB (limit {limit_mb} MB): refused as a possible zip bomb"
    )]
    ZipBomb { declared_mb: u64, limit_mb: u64 },
}

impl WorkbookError {
    /// Whether the file was refused for its size rather than its content.
    pub fn is_too_large(&self) -> bool {
        !matches!(self, WorkbookError::Unreadable(_))
    }
}

/// Bounds on what one workbook may make the reader allocate.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    pub max_sheets: usize,
    /// Non-empty cells per sheet.
    pub max_cells: u64,
    /// Declared uncompressed size of a zip-based workbook (xlsx, xlsb, ods).
    pub max_unpacked_bytes: u64,
}

impl From<crate::config::Limits> for ReadLimits {
    fn from(l: crate::config::Limits) -> Self {
        ReadLimits {
            max_sheets: l.max_sheets,
            max_cells: l.max_cells,
            // A workbook is zip-compressed XML; real ledgers unpack to a few times their size.
            max_unpacked_bytes: l.max_file_mb.saturating_mul(20 << 20),
        }
    }
}

/// Refuses a zip whose entries declare more than `limit` bytes in all,
/// before any entry is inflated.
fn check_zip(bytes: &[u8], limit: u64) -> Result<(), WorkbookError> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    // A zip the crate cannot open is left to calamine, which reports it as unreadable.
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        if let Ok(entry) = archive.by_index_raw(i) {
            total = total.saturating_add(entry.size());
        }
    }
    if total > limit {
        return Err(WorkbookError::ZipBomb {
            declared_mb: total / 1_048_576,
            limit_mb: limit / 1_048_576,
        });
    }
    Ok(())
}

/// Reads every worksheet of a workbook. The claimed format is tried first,
/// then the others, so an `.xls` renamed `.xlsx` still reads.
pub fn read_workbook(
    bytes: &[u8],
    claimed: Format,
    limits: ReadLimits,
) -> Result<Vec<SheetGrid>, WorkbookError> {
    if claimed == Format::Csv {
        return Ok(vec![read_csv(bytes)]);
    }
    check_zip(bytes, limits.max_unpacked_bytes)?;
    let mut order = vec![claimed];
    order.extend(
        [Format::Xlsx, Format::Xls, Format::Xlsb, Format::Ods]
            .into_iter()
            .filter(|f| *f != claimed),
    );
    let mut first_error = None;
    for format in order {
        match read_as(bytes, format, limits) {
            Ok(sheets) => return Ok(sheets),
            Err(e) if e.is_too_large() => return Err(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| WorkbookError::Unreadable("unknown format".into())))
}

fn read_as(
    bytes: &[u8],
    format: Format,
    limits: ReadLimits,
) -> Result<Vec<SheetGrid>, WorkbookError> {
    let unreadable = |e: &dyn std::fmt::Display| WorkbookError::Unreadable(e.to_string());
    let cursor = Cursor::new(bytes);
    // xlsx and xlsb are read cell by cell, so a hostile sheet is refused
    // before it is held in memory; xls and ods are bounded by calamine itself.
    match format {
        Format::Xlsx => {
            let mut wb: Xlsx<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
            let names = worksheet_names(&wb, limits.max_sheets)?;
            let mut merged = super::xlsx_merges::merged_regions(bytes);
            let mut sheets = Vec::with_capacity(names.len());
            for name in names {
                let mut reader = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| unreadable(&format!("{name}: {e}")))?;
                let (cells, uncached) = collect_cells(&name, limits.max_cells, || {
                    let record = reader
                        .next_cell_with_formula_metadata()
                        .map_err(|e| e.to_string())?;
                    Ok(record.map(|r| (r.pos, r.value, r.formula.is_some())))
                })?;
                drop(reader);
                let merges = match merged.as_mut().and_then(|m| m.remove(&name)) {
                    Some(m) => m,
                    None => wb.merge_cells_by_sheet_name(&name).unwrap_or_default(),
                };
                let mut grid = grid_from_cells(name, cells, merges, limits.max_cells)?;
                grid.uncached_formulas = uncached;
                sheets.push(grid);
            }
            Ok(sheets)
        }
        Format::Xls => {
            let mut wb: Xls<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
            read_sheets(&mut wb, limits.max_sheets, |wb, name| {
                wb.merge_cells_by_sheet_name(name).unwrap_or_default()
            })
        }
        // calamine gives no merged regions for xlsb and ods: blanks stay blank.
        Format::Xlsb => {
            let mut wb: Xlsb<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
            let names = worksheet_names(&wb, limits.max_sheets)?;
            let mut sheets = Vec::with_capacity(names.len());
            for name in names {
                let mut reader = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| unreadable(&format!("{name}: {e}")))?;
                let (cells, _) = collect_cells(&name, limits.max_cells, || {
                    let cell = reader.next_cell().map_err(|e| e.to_string())?;
                    Ok(cell.map(|c| (c.get_position(), c.get_value().clone(), false)))
                })?;
                sheets.push(grid_from_cells(name, cells, Vec::new(), limits.max_cells)?);
            }
            Ok(sheets)
        }
        Format::Ods => {
            let mut wb: Ods<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
            read_sheets(&mut wb, limits.max_sheets, |_, _| Vec::new())
        }
        Format::Csv => Ok(vec![read_csv(bytes)]),
    }
}

fn read_sheets<'a, R>(
    wb: &mut R,
    max_sheets: usize,
    merges: impl Fn(&mut R, &str) -> Vec<Dimensions>,
) -> Result<Vec<SheetGrid>, WorkbookError>
where
    R: Reader<Cursor<&'a [u8]>>,
    R::Error: std::fmt::Display,
{
    let names = worksheet_names(wb, max_sheets)?;
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| WorkbookError::Unreadable(format!("{name}: {e}")))?;
        let merges = merges(wb, &name)
            .into_iter()
            .map(|d| Merge {
                first: d.start,
                last: d.end,
            })
            .collect();
        sheets.push(grid_from_range(name, &range, merges));
    }
    Ok(sheets)
}

fn worksheet_names<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(
    wb: &R,
    max_sheets: usize,
) -> Result<Vec<String>, WorkbookError> {
    let names: Vec<String> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    if names.len() > max_sheets {
        return Err(WorkbookError::TooManySheets {
            count: names.len(),
            limit: max_sheets,
        });
    }
    Ok(names)
}

type SparseCell = (u32, u32, CellValue);
/// A sheet's non-empty cells, and the formula cells that had no saved value.
type SheetCells = (Vec<SparseCell>, Vec<(u32, u32)>);

/// Reads a sheet's used cells one by one, refusing more than `max_cells`, so a
/// hostile sheet is stopped before it is held in memory.
fn collect_cells<'a, F>(
    sheet: &str,
    max_cells: u64,
    mut next: F,
) -> Result<SheetCells, WorkbookError>
where
    F: FnMut() -> Result<Option<((u32, u32), DataRef<'a>, bool)>, String>,
{
    let mut cells = Vec::new();
    let mut uncached = Vec::new();
    while let Some((pos, data, has_formula)) =
        next().map_err(|e| WorkbookError::Unreadable(format!("{sheet}: {e}")))?
    {
        let value = convert_ref(&data);
        if value.is_empty() {
            if has_formula {
                uncached.push(pos);
            }
            continue;
        }
        if cells.len() as u64 >= max_cells {
            return Err(WorkbookError::TooManyCells {
                sheet: sheet.to_string(),
                limit: max_cells,
            });
        }
        cells.push((pos.0, pos.1, value));
    }
    Ok((cells, uncached))
}

/// A grid from sparse cells. Rows are only as wide as their last cell, and the
/// grid's total width is bounded, so a lone cell at `XFD1048576` costs little.
fn grid_from_cells(
    name: String,
    mut cells: Vec<SparseCell>,
    merges: Vec<Dimensions>,
    max_cells: u64,
) -> Result<SheetGrid, WorkbookError> {
    let merges = merges
        .into_iter()
        .map(|d| Merge {
            first: d.start,
            last: d.end,
        })
        .collect();
    if cells.is_empty() {
        return Ok(SheetGrid {
            name,
            origin: (0, 0),
            rows: Vec::new(),
            merges,
            uncached_formulas: Vec::new(),
        });
    }
    cells.sort_by_key(|(r, c, _)| (*r, *c));
    let first_row = cells[0].0;
    let first_col = cells.iter().map(|(_, c, _)| *c).min().unwrap_or(0);
    let last_row = cells[cells.len() - 1].0;
    let mut widths: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    for (r, c, _) in &cells {
        let w = widths.entry(*r).or_default();
        *w = (*w).max(c - first_col + 1);
    }
    let area: u64 =
        widths.values().map(|w| u64::from(*w)).sum::<u64>() + u64::from(last_row - first_row + 1);
    if area > max_cells.saturating_mul(4) {
        return Err(WorkbookError::TooManyCells {
            sheet: name,
            limit: max_cells,
        });
    }
    let mut rows: Vec<Vec<CellValue>> = vec![Vec::new(); (last_row - first_row + 1) as usize];
    for (r, c, value) in cells {
        let row = &mut rows[(r - first_row) as usize];
        let at = (c - first_col) as usize;
        if row.len() <= at {
            row.resize(at + 1, CellValue::Empty);
        }
        row[at] = value;
    }
    Ok(SheetGrid {
        name,
        origin: (first_row, first_col),
        rows,
        merges,
        uncached_formulas: Vec::new(),
    })
}

fn convert_ref(data: &DataRef<'_>) -> CellValue {
    match data {
        DataRef::SharedString(s) => CellValue::Text(s.to_string()),
        DataRef::String(s) => CellValue::Text(s.clone()),
        DataRef::Int(i) => convert(&Data::Int(*i)),
        DataRef::Float(f) => convert(&Data::Float(*f)),
        DataRef::Bool(b) => convert(&Data::Bool(*b)),
        DataRef::DateTime(dt) => convert(&Data::DateTime(*dt)),
        DataRef::DateTimeIso(s) => convert(&Data::DateTimeIso(s.clone())),
        DataRef::DurationIso(s) => convert(&Data::DurationIso(s.clone())),
        DataRef::Error(e) => convert(&Data::Error(e.clone())),
        DataRef::Empty => CellValue::Empty,
    }
}

fn grid_from_range(name: String, range: &Range<Data>, merges: Vec<Merge>) -> SheetGrid {
    let origin = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .map(|row| row.iter().map(convert).collect())
        .collect();
    SheetGrid {
        name,
        origin,
        rows,
        merges,
        uncached_formulas: Vec::new(),
    }
}

fn convert(data: &Data) -> CellValue {
    match data {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(s.clone()),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Float(f) => CellValue::Number(*f),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => CellValue::Date(t.date()),
            _ => CellValue::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => {
            match NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
                Ok(d) => CellValue::Date(d),
                Err(_) => CellValue::Text(s.clone()),
            }
        }
        Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    }
}

/// A CSV export: UTF-8 (with or without BOM) or, failing that, GBK/GB18030,
/// as WPS and older Excel write it. Every cell is text.
fn read_csv(bytes: &[u8]) -> SheetGrid {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s.trim_start_matches('\u{feff}')),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows = reader
        .records()
        .filter_map(Result::ok)
        .map(|rec| {
            rec.iter()
                .map(|s| {
                    if s.is_empty() {
                        CellValue::Empty
                    } else {
                        CellValue::Text(s.to_string())
                    }
                })
                .collect()
        })
        .collect();
    SheetGrid {
        name: "csv".into(),
        origin: (0, 0),
        rows,
        merges: Vec::new(),
        uncached_formulas: Vec::new(),
    }
}

/// `A1` notation for a 0-based (row, col).
pub fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push((b'A' + rem as u8) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_notation() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(4, 25), "Z5");
        assert_eq!(a1(9, 26), "AA10");
        assert_eq!(a1(0, 16383), "XFD1");
    }

    #[test]
    fn merges_fill_down_and_across_within_the_sheet() {
        let t = |s: &str| CellValue::Text(s.into());
        let mut grid = SheetGrid {
            uncached_formulas: Vec::new(),
            name: "s".into(),
            origin: (1, 0),
            rows: vec![
                vec![t("a"), t("x")],
                vec![CellValue::Empty, t("y")],
                vec![CellValue::Empty],
            ],
            merges: vec![
                Merge {
                    first: (1, 0),
                    last: (3, 0),
                },
                Merge {
                    first: (1, 1),
                    last: (1, 2),
                },
                Merge {
                    first: (0, 0),
                    last: (999_999, 16_000),
                },
            ],
        };
        grid.fill_merges();
        assert_eq!(grid.cell(3, 0), &t("a"));
        assert_eq!(
            grid.cell(1, 2),
            &CellValue::Empty,
            "beyond the sheet's columns nothing is made up"
        );
        assert_eq!(grid.cell(2, 1), &t("y"));
    }

    #[test]
    fn csv_in_gbk_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("序号,改革任务\n1,深化改革\n");
        let grid = read_csv(&gbk);
        assert_eq!(grid.cell(0, 1), &CellValue::Text("改革任务".into()));
        assert_eq!(grid.cell(1, 1), &CellValue::Text("深化改革".into()));
    }

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        let limits = ReadLimits {
            max_sheets: 100,
            max_cells: 1000,
            max_unpacked_bytes: 1 << 20,
        };
        let err = read_workbook(b"definitely not a workbook", Format::Xlsx, limits).unwrap_err();
        assert!(matches!(err, WorkbookError::Unreadable(_)));
    }
}
