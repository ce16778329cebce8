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
use std::sync::Arc;

use crate::normalize::text::{clean, number_to_text};

/// A cell as the ledger reader sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    #[default]
    Empty,
    /// Cleaned as data text is (DESIGN §4: trimmed, full-width digits,
    /// letters and spaces folded), never blank and never a blank marker such
    /// as `/` or `无` — those cells are [`CellValue::Empty`]. Built with
    /// [`CellValue::text`], so each text is cleaned once where it is read (for
    /// an xlsx shared string, once per workbook) rather than at every use.
    ///
    /// Shared: an xlsx shared string is one allocation however many cells
    /// (and merge-filled cells) show it.
    Text(Arc<str>),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    /// An Excel error value such as `#REF!`.
    Error(String),
}

impl CellValue {
    /// A text cell: cleaned, or empty when nothing is left.
    pub fn text(s: &str) -> CellValue {
        clean(s).map_or(CellValue::Empty, |t| CellValue::Text(Arc::from(&*t)))
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, CellValue::Empty)
    }

    /// The cell as text: numbers at 15 significant digits, dates as ISO.
    pub fn as_text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(s) => s.to_string(),
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
#[derive(Debug, Clone, Default, PartialEq)]
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
        col.checked_sub(self.origin.1)
            .and_then(|c| self.row_cells(row).get(c as usize))
            .unwrap_or(&EMPTY)
    }

    /// The cells of `row`, from the grid's first column to the row's last
    /// cell; empty for a row outside the grid.
    pub fn row_cells(&self, row: u32) -> &[CellValue] {
        row.checked_sub(self.origin.0)
            .and_then(|r| self.rows.get(r as usize))
            .map_or(&[], Vec::as_slice)
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
        Format::Xlsx => match read_xlsx_plain(bytes, limits)? {
            Some(sheets) => Ok(sheets),
            None => read_xlsx_calamine(bytes, limits),
        },
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
            let mut shared = SharedStrings::default();
            let mut sheets = Vec::with_capacity(names.len());
            for name in names {
                let mut reader = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| unreadable(&format!("{name}: {e}")))?;
                let declared = reader.dimensions();
                let grid = collect_cells(name, limits.max_cells, declared, &mut shared, || {
                    let cell = reader.next_cell().map_err(|e| e.to_string())?;
                    Ok(cell.map(|c| (c.get_position(), c.get_value().clone(), false)))
                })?;
                sheets.push(grid);
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

/// An xlsx workbook read by calamine: the files [`read_xlsx_plain`] gives up on.
fn read_xlsx_calamine(bytes: &[u8], limits: ReadLimits) -> Result<Vec<SheetGrid>, WorkbookError> {
    let unreadable = |e: &dyn std::fmt::Display| WorkbookError::Unreadable(e.to_string());
    let cursor = Cursor::new(bytes);
    let mut wb: Xlsx<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
    let names = worksheet_names(&wb, limits.max_sheets)?;
    let mut extras = super::xlsx_merges::merged_regions(bytes);
    let mut shared = SharedStrings::default();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let sheet = extras.as_mut().and_then(|m| m.remove(&name));
        let mut reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(&format!("{name}: {e}")))?;
        let formulas = sheet.as_ref().is_none_or(|s| s.formulas);
        let declared = reader.dimensions();
        let mut grid = collect_cells(name, limits.max_cells, declared, &mut shared, || {
            if !formulas {
                let cell = reader.next_cell().map_err(|e| e.to_string())?;
                return Ok(cell.map(|c| (c.get_position(), c.get_value().clone(), false)));
            }
            let record = reader
                .next_cell_with_formula_metadata()
                .map_err(|e| e.to_string())?;
            Ok(record.map(|r| (r.pos, r.value, r.formula.is_some())))
        })?;
        drop(reader);
        let merges = match sheet {
            Some(s) => s.merges,
            None => wb.merge_cells_by_sheet_name(&grid.name).unwrap_or_default(),
        };
        grid.merges = merges.into_iter().map(Merge::from).collect();
        sheets.push(grid);
    }
    Ok(sheets)
}

thread_local! {
    /// The buffer the last workbook's parts on this thread were inflated into.
    static SPARE_PART: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A part buffer past this size is not kept for the next workbook.
const SPARE_PART_MAX: usize = 4 << 20;

/// An xlsx workbook read by [`super::xlsx_fast`], or `Ok(None)` when that
/// reader gives up on it and calamine is to read it instead.
fn read_xlsx_plain(
    bytes: &[u8],
    limits: ReadLimits,
) -> Result<Option<Vec<SheetGrid>>, WorkbookError> {
    use super::xlsx_fast::Bail;
    let mut part = SPARE_PART.take();
    let mut read = || -> Result<Option<Vec<SheetGrid>>, WorkbookError> {
        let Some(mut book) = super::xlsx_fast::open(bytes, &mut part) else {
            return Ok(None);
        };
        if book.sheets.len() > limits.max_sheets {
            return Err(WorkbookError::TooManySheets {
                count: book.sheets.len(),
                limit: limits.max_sheets,
            });
        }
        let mut shared = SharedStrings::default();
        let mut sheets = Vec::with_capacity(book.sheets.len());
        for (name, path) in std::mem::take(&mut book.sheets) {
            if book.sheet_part(&path, &mut part).is_none() {
                return Ok(None);
            }
            let Some(mut cells) = book.meta.cells(&part) else {
                return Ok(None);
            };
            let mut bailed = false;
            let declared = cells.declared;
            let mut grid = collect_cells(name, limits.max_cells, declared, &mut shared, || {
                Ok(match cells.next_cell() {
                    Ok(cell) => cell,
                    Err(Bail) => {
                        bailed = true;
                        None
                    }
                })
            })?;
            let merges = super::xlsx_merges::merges_in_sheet(cells.tail);
            let (false, Some(merges)) = (bailed, merges) else {
                return Ok(None);
            };
            grid.merges = merges.into_iter().map(Merge::from).collect();
            sheets.push(grid);
        }
        Ok(Some(sheets))
    };
    let sheets = read();
    if part.capacity() <= SPARE_PART_MAX {
        SPARE_PART.set(part);
    }
    sheets
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
        let merges = merges(wb, &name).into_iter().map(Merge::from).collect();
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

/// An xlsx workbook's shared strings as cells hold them: calamine lends each
/// as a `&str` into its table, so the table address is the key. Each string
/// is cleaned once, however many cells show it.
struct SharedStrings(foldhash::HashMap<usize, CellValue>);

thread_local! {
    /// The map the last workbook read on this thread used, emptied.
    static SPARE_SHARED_STRINGS: std::cell::Cell<foldhash::HashMap<usize, CellValue>> =
        Default::default();
}

/// A map past this many strings is not kept for the next workbook.
const SPARE_SHARED_STRINGS_MAX: usize = 1 << 14;

impl Default for SharedStrings {
    /// Empty, but with the room the previous workbook on this thread needed:
    /// a fresh map grew (and rehashed into new memory) a few times for every
    /// workbook, a tenth of the cache misses of reading one.
    fn default() -> Self {
        SharedStrings(SPARE_SHARED_STRINGS.take())
    }
}

impl Drop for SharedStrings {
    fn drop(&mut self) {
        let mut map = std::mem::take(&mut self.0);
        // The keys are addresses of this workbook's strings: never reused.
        map.clear();
        if map.capacity() <= SPARE_SHARED_STRINGS_MAX {
            SPARE_SHARED_STRINGS.set(map);
        }
    }
}

/// Strings longer than this are cleaned for each cell instead of looked up:
/// such texts (a task, its measures) rarely repeat within a workbook, and in
/// a 200,000-row workbook keeping them made the map megabytes large, every
/// lookup a cache miss (9 % of reading it).
const SHARED_LOOKUP_MAX_BYTES: usize = 48;

impl SharedStrings {
    fn get(&mut self, s: &str) -> CellValue {
        if s.len() > SHARED_LOOKUP_MAX_BYTES {
            return CellValue::text(s);
        }
        self.0
            .entry(s.as_ptr() as usize)
            .or_insert_with(|| CellValue::text(s))
            .clone()
    }
}

/// Reads a sheet's used cells one by one into its grid, refusing more than
/// `max_cells` cells or a grid area over four times that, so a hostile sheet
/// is stopped before it is held in memory.
fn collect_cells<'a, F>(
    name: String,
    max_cells: u64,
    declared: Dimensions,
    shared: &mut SharedStrings,
    mut next: F,
) -> Result<SheetGrid, WorkbookError>
where
    F: FnMut() -> Result<Option<((u32, u32), DataRef<'a>, bool)>, String>,
{
    let mut grid = GridBuilder::new(max_cells.saturating_mul(4));
    grid.expect(declared);
    let mut uncached = Vec::new();
    let mut count: u64 = 0;
    let too_many = |name: &String| WorkbookError::TooManyCells {
        sheet: name.clone(),
        limit: max_cells,
    };
    while let Some((pos, data, has_formula)) =
        next().map_err(|e| WorkbookError::Unreadable(format!("{name}: {e}")))?
    {
        let value = match &data {
            DataRef::SharedString(s) => shared.get(s),
            other => convert_ref(other),
        };
        if value.is_empty() {
            // A formula with a cached blank has a result; one without any does not.
            if has_formula && matches!(data, DataRef::Empty) {
                uncached.push(pos);
            }
            continue;
        }
        count += 1;
        if count > max_cells {
            return Err(too_many(&name));
        }
        if grid.set(pos.0, pos.1, value).is_err() {
            return Err(too_many(&name));
        }
    }
    Ok(SheetGrid {
        name,
        origin: grid.origin,
        rows: grid.rows,
        merges: Vec::new(),
        uncached_formulas: uncached,
    })
}

/// A grid grown cell by cell. Cells come in row order in practice, which is
/// the fast path; any order gives the same grid: rows are only as wide as
/// their last cell, measured from the leftmost column of the whole sheet, so
/// a lone cell at `XFD1048576` costs little.
struct GridBuilder {
    origin: (u32, u32),
    rows: Vec<Vec<CellValue>>,
    /// Cells the grid holds, empty ones included, plus one per row: what a
    /// hostile sheet would make us allocate.
    area: u64,
    /// The area refused, checked before anything is allocated.
    max_area: u64,
    /// The widest row so far: a new row is given that room at once, instead
    /// of growing cell by cell to up to twice what it needs.
    width: usize,
}

/// A cell would grow the grid past its `max_area`.
struct AreaExceeded;

impl GridBuilder {
    fn new(max_area: u64) -> GridBuilder {
        GridBuilder {
            origin: (0, 0),
            rows: Vec::new(),
            area: 0,
            max_area,
            width: 0,
        }
    }

    /// Takes room for the size a sheet declares (`<dimension>`): grown row by
    /// row instead, the list of rows was copied into fresh memory a dozen
    /// times per sheet, and the first rows grew cell by cell. Only room is
    /// taken, nothing is written, and a sheet may declare anything: the
    /// room is capped, and the cells themselves still decide the grid.
    fn expect(&mut self, declared: Dimensions) {
        const MAX_ROWS: u64 = 1 << 14;
        const MAX_WIDTH: u64 = 64;
        let rows = u64::from(declared.end.0.saturating_sub(declared.start.0)) + 1;
        let width = u64::from(declared.end.1.saturating_sub(declared.start.1)) + 1;
        if declared.start > declared.end || rows.saturating_mul(width) > self.max_area {
            return;
        }
        self.rows.reserve_exact(rows.min(MAX_ROWS) as usize);
        if width <= MAX_WIDTH {
            self.width = self.width.max(width as usize);
        }
    }

    fn grow(&mut self, by: u64) -> Result<(), AreaExceeded> {
        self.area = self.area.saturating_add(by);
        if self.area > self.max_area {
            return Err(AreaExceeded);
        }
        Ok(())
    }

    fn set(&mut self, row: u32, col: u32, value: CellValue) -> Result<(), AreaExceeded> {
        if self.rows.is_empty() {
            self.origin = (row, col);
        }
        if row < self.origin.0 {
            let shift = self.origin.0 - row;
            self.grow(u64::from(shift))?;
            let blank = std::iter::repeat_n(Vec::new(), shift as usize);
            self.rows.splice(0..0, blank);
            self.origin.0 = row;
        }
        if col < self.origin.1 {
            let shift = self.origin.1 - col;
            let widened = self.rows.iter().filter(|r| !r.is_empty()).count() as u64;
            self.grow(u64::from(shift).saturating_mul(widened))?;
            for cells in self.rows.iter_mut().filter(|r| !r.is_empty()) {
                cells.splice(0..0, std::iter::repeat_n(CellValue::Empty, shift as usize));
            }
            self.width += shift as usize;
            self.origin.1 = col;
        }
        let r = (row - self.origin.0) as usize;
        if self.rows.len() <= r {
            self.grow((r + 1 - self.rows.len()) as u64)?;
            self.rows.resize_with(r + 1, Vec::new);
        }
        let c = (col - self.origin.1) as usize;
        let len = self.rows[r].len();
        if len <= c {
            self.grow((c + 1 - len) as u64)?;
            self.width = self.width.max(c + 1);
            let cells = &mut self.rows[r];
            if cells.capacity() == 0 {
                cells.reserve_exact(self.width);
            }
            cells.resize(c + 1, CellValue::Empty);
        }
        self.rows[r][c] = value;
        Ok(())
    }
}

impl From<Dimensions> for Merge {
    fn from(d: Dimensions) -> Merge {
        Merge {
            first: d.start,
            last: d.end,
        }
    }
}

fn convert_ref(data: &DataRef<'_>) -> CellValue {
    match data {
        DataRef::SharedString(s) => CellValue::text(s),
        DataRef::String(s) => CellValue::text(s),
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
        Data::String(s) => CellValue::text(s),
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
                Err(_) => CellValue::text(s),
            }
        }
        Data::DurationIso(s) => CellValue::text(s),
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
        .map(|rec| rec.iter().map(CellValue::text).collect())
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
    let mut out = String::with_capacity(10);
    write_a1(&mut out, row, col).expect("writing to a String cannot fail");
    out
}

/// [`a1`] written into `out`, such as an Arrow string builder, without a
/// string of its own.
pub fn write_a1(out: &mut impl std::fmt::Write, row: u32, col: u32) -> std::fmt::Result {
    // At most three letters (XFD); a u32 column has at most seven.
    let mut letters = [0u8; 7];
    let mut at = letters.len();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        at -= 1;
        letters[at] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    let letters = std::str::from_utf8(&letters[at..]).expect("ASCII letters");
    write!(out, "{letters}{}", u64::from(row) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    type CellIn<'a> = ((u32, u32), DataRef<'a>, bool);

    const GENEROUS: ReadLimits = ReadLimits {
        max_sheets: 256,
        max_cells: 10_000_000,
        max_unpacked_bytes: 1 << 30,
    };

    /// Every xlsx and xlsm file under `dir`, by name.
    fn xlsx_files(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                xlsx_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "xlsx" || e == "xlsm") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }

    /// The plain reader's answer for `bytes`, checked against calamine's
    /// whenever it gives one: `true` when it read the workbook itself.
    fn read_plain_as_calamine(name: &str, bytes: &[u8]) -> bool {
        match read_xlsx_plain(bytes, GENEROUS) {
            Ok(Some(sheets)) => {
                assert_eq!(Ok(sheets), read_xlsx_calamine(bytes, GENEROUS), "{name}");
                true
            }
            Err(e) => {
                assert_eq!(read_xlsx_calamine(bytes, GENEROUS).err(), Some(e), "{name}");
                true
            }
            Ok(None) => false,
        }
    }

    #[test]
    fn the_plain_xlsx_reader_reads_every_fixture_it_accepts_as_calamine_does() {
        let mut files = Vec::new();
        xlsx_files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
            &mut files,
        );
        let (mut read, mut left) = (Vec::new(), Vec::new());
        for (name, bytes) in &files {
            if read_plain_as_calamine(name, bytes) {
                read.push(name.as_str());
            } else {
                left.push(name.as_str());
            }
        }
        // Dates in both epochs, error cells, rich text with phonetic runs,
        // entities, `_x000D_` escapes, empty shared strings, merges: read
        // without calamine.
        for name in [
            "header_synonyms.xlsx",
            "merged_lead_unit.xlsx",
            "calamine__date_1904.xlsx",
            "calamine__errors.xlsx",
            "calamine__vba.xlsm",
            "calamine__rph.xlsx",
            "calamine__encoded_entities.xlsx",
            "calamine__empty_shared_string.xlsx",
            "calamine__merged_range.xlsx",
            "calamine__has_x000D_.xlsx",
        ] {
            assert!(
                read.contains(&name),
                "{name} left to calamine; read: {read:?}"
            );
        }
        // What this reader does not decode goes to calamine: CDATA, a sheet
        // part past its size.
        for name in ["calamine__inlineStr_cdata.xlsx", "zip_bomb_150mb.xlsx"] {
            assert!(left.contains(&name), "{name} read without calamine");
        }
    }

    #[test]
    fn the_plain_xlsx_reader_reads_every_kind_of_cell_as_calamine_does() {
        use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Formula, Workbook};
        let mut book = Workbook::new();
        let bold = XFormat::new().set_bold();
        let date = XFormat::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        let duration = XFormat::new().set_num_format("[h]:mm");
        let sheet = book.add_worksheet().set_name("任务 & 台账").unwrap();
        let texts = [
            "深化\"放管服\"改革 <试点>",
            "  前后有空格  ",
            "两行\n文字",
            "",
            "a&b",
            "1.50",
            "回车\r\n换行\r",
            "文件_x000D_名",
        ];
        for (i, text) in texts.iter().enumerate() {
            sheet.write_string(i as u32, 0, *text).unwrap();
            sheet.write_string(i as u32, 5, *text).unwrap();
        }
        for (i, x) in [0.1 + 0.2, -3.5, 1e-7, 1e20, 45_000.0, 42.0]
            .iter()
            .enumerate()
        {
            sheet.write_number(i as u32, 1, *x).unwrap();
        }
        let day = ExcelDateTime::from_ymd(2024, 6, 30).unwrap();
        sheet.write_datetime_with_format(0, 2, &day, &date).unwrap();
        sheet
            .write_number_with_format(1, 2, 1.75, &duration)
            .unwrap();
        sheet
            .write_number_with_format(2, 2, 45_000.0, &bold)
            .unwrap();
        sheet.write_boolean(3, 2, true).unwrap();
        sheet.write_boolean(4, 2, false).unwrap();
        sheet.write_blank(5, 2, &bold).unwrap();
        sheet
            .write_formula(0, 3, Formula::new("=B1*2").set_result("0.6"))
            .unwrap();
        sheet.write_formula(1, 3, "=B2+1").unwrap();
        sheet
            .write_formula(2, 3, Formula::new("=A1&\"!\"").set_result("是"))
            .unwrap();
        sheet
            .write_rich_string(3, 3, &[(&bold, "重点"), (&XFormat::default(), "任务 ")])
            .unwrap();
        sheet.merge_range(7, 0, 8, 3, "合并的说明", &bold).unwrap();
        sheet.write_string(1_048_575, 16_383, "最后一格").unwrap();
        book.add_worksheet().set_name("空表").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(read_plain_as_calamine("every kind of cell", &bytes));
        let sheets = read_xlsx_plain(&bytes, GENEROUS).unwrap().unwrap();
        assert_eq!(sheets.len(), 2);
        // A formula's saved result is its value.
        assert_eq!(sheets[0].cell(0, 3), &CellValue::Number(0.6));
        assert_eq!(sheets[0].cell(2, 3), &CellValue::text("是"));
        assert_eq!(sheets[0].merges.len(), 1);
    }

    /// `bytes` (an xlsx) with one part replaced, the archive stored.
    fn with_part(bytes: &[u8], name: &str, part: &[u8]) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let entry_name = entry.name().unwrap().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            out.start_file(entry_name.as_str(), stored).unwrap();
            out.write_all(if entry_name == name { part } else { &data })
                .unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn the_plain_xlsx_reader_gives_up_or_agrees_with_calamine_on_damaged_parts() {
        use std::io::Read;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/merged_lead_unit.xlsx");
        let bytes = std::fs::read(path).unwrap();
        let (mut checked, mut read) = (0, 0);
        for name in ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"] {
            let mut part = Vec::new();
            let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
            zip.by_name(name).unwrap().read_to_end(&mut part).unwrap();
            let step = (part.len() / 97).max(1);
            for at in (0..part.len()).step_by(step) {
                // Cut short, and one markup byte swapped for another.
                let mut swapped = part.clone();
                swapped[at] = match part[at] {
                    b'<' => b'>',
                    b'>' => b'/',
                    b'"' => b'<',
                    b'/' => b'&',
                    b'0'..=b'9' => b'x',
                    _ => b'<',
                };
                for damaged in [&part[..at], &swapped[..]] {
                    if read_plain_as_calamine(name, &with_part(&bytes, name, damaged)) {
                        read += 1;
                    }
                    checked += 1;
                }
            }
        }
        // Damage the reader can see past (in text, in a value) is read, and
        // read as calamine reads it; the rest is left to calamine.
        assert!(
            checked > 300 && read > 20,
            "{read} of {checked} damaged workbooks read"
        );
    }

    #[test]
    fn the_plain_xlsx_reader_reads_the_national_sample_as_calamine_does() {
        let dir = tempfile::tempdir().unwrap();
        let opts = crate::sample::NationalOptions {
            quarters: 1,
            units: Some(4),
            tasks: None,
        };
        crate::sample::generate_with(dir.path(), 3, crate::sample::Scale::National, opts).unwrap();
        let mut files = Vec::new();
        xlsx_files(dir.path(), &mut files);
        assert!(files.len() >= 3, "{} workbooks", files.len());
        for (name, bytes) in &files {
            assert!(
                read_plain_as_calamine(name, bytes),
                "{name} left to calamine"
            );
        }
    }

    /// [`collect_cells`] over `cells`, read from the last to the first.
    fn collect(
        max_cells: u64,
        declared: Dimensions,
        mut cells: Vec<CellIn<'_>>,
    ) -> Result<SheetGrid, WorkbookError> {
        collect_cells(
            "s".into(),
            max_cells,
            declared,
            &mut SharedStrings::default(),
            || Ok(cells.pop()),
        )
    }

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

    /// Cells fed in any order, as (row, col, text): the grid and its area.
    fn grid_of(cells: &[(u32, u32, &str)]) -> (SheetGrid, u64) {
        let mut b = GridBuilder::new(u64::MAX);
        for &(r, c, text) in cells {
            assert!(b.set(r, c, CellValue::Text(text.into())).is_ok());
        }
        let area = b.area;
        let grid = SheetGrid {
            name: "s".into(),
            origin: b.origin,
            rows: b.rows,
            ..SheetGrid::default()
        };
        (grid, area)
    }

    #[test]
    fn grid_is_the_same_whatever_order_cells_come_in() {
        let cells = [
            (2, 3, "a"),
            (2, 5, "b"),
            (4, 2, "c"),
            (7, 4, "d"),
            (4, 2, "c2"),
        ];
        let (sorted, sorted_area) = grid_of(&cells);
        let mut reversed = cells;
        reversed.reverse();
        // The later of two values for one cell wins in either order.
        reversed.swap(0, 4);
        let (shuffled, shuffled_area) = grid_of(&reversed);
        assert_eq!(sorted.origin, (2, 2));
        assert_eq!(sorted.rows, shuffled.rows);
        assert_eq!(sorted.origin, shuffled.origin);
        assert_eq!(sorted_area, shuffled_area);
        // Rows end at their last cell; rows without cells are empty.
        let widths: Vec<usize> = sorted.rows.iter().map(Vec::len).collect();
        assert_eq!(widths, [4, 0, 1, 0, 0, 3]);
        assert_eq!(sorted_area, 8 + 6);
        assert_eq!(sorted.cell(4, 2), &CellValue::Text("c2".into()));
        assert_eq!(sorted.cell(2, 5), &CellValue::Text("b".into()));
    }

    #[test]
    fn a_sheet_wider_than_its_cells_is_refused_before_it_is_allocated() {
        // Far cells first, then one at A1: widening every row to the left
        // would allocate 16,000 columns per row.
        let mut next: Vec<_> = (0..50)
            .map(|r| ((r, 16_000), DataRef::String("far".into()), false))
            .collect();
        next.insert(0, ((0, 0), DataRef::String("near".into()), false));
        let err = collect(100, Dimensions::default(), next).unwrap_err();
        assert!(matches!(err, WorkbookError::TooManyCells { .. }), "{err:?}");
    }

    #[test]
    fn a_declared_size_only_reserves_room_and_is_capped() {
        let cells = |declared: Dimensions| {
            let next = vec![
                ((3, 2), DataRef::String("b".into()), false),
                ((1, 1), DataRef::String("a".into()), false),
            ];
            collect(1_000_000, declared, next).unwrap()
        };
        let plain = cells(Dimensions::default());
        // As declared; wider than the cells; longer than the room taken; the
        // whole sheet (more than a grid may hold); backwards.
        for declared in [
            Dimensions::new((1, 1), (3, 2)),
            Dimensions::new((0, 0), (50, 40)),
            Dimensions::new((0, 0), (100_000, 3)),
            Dimensions::new((0, 0), (1_048_575, 16_383)),
            Dimensions::new((9, 9), (1, 1)),
        ] {
            let grid = cells(declared);
            assert_eq!(grid.origin, plain.origin);
            assert_eq!(grid.rows, plain.rows, "{declared:?}");
            assert!(grid.rows.capacity() <= 1 << 14);
        }
    }

    #[test]
    fn a_shared_string_is_one_allocation_for_all_its_cells() {
        let table = [
            "已完成".to_string(),
            "推进中".to_string(),
            " \n".to_string(),
        ];
        let next: Vec<_> = [(0, 0, 0), (0, 1, 1), (1, 0, 0), (2, 0, 0), (2, 1, 2)]
            .into_iter()
            .rev()
            .map(|(r, c, i)| ((r, c), DataRef::SharedString(table[i].as_str()), false))
            .collect();
        let grid = collect(100, Dimensions::default(), next).unwrap();
        let (CellValue::Text(a), CellValue::Text(b)) = (grid.cell(0, 0), grid.cell(2, 0)) else {
            panic!("text cells expected");
        };
        assert!(Arc::ptr_eq(a, b));
        assert_eq!(grid.cell(0, 1).as_text(), "推进中");
        assert_eq!(
            grid.cell(2, 1),
            &CellValue::Empty,
            "a blank shared string is no cell"
        );
        assert_eq!(grid.rows[2].len(), 1);
    }

    #[test]
    fn text_cells_are_read_clean_in_every_format() {
        // One workbook cell per case, as xlsx (shared and inline strings),
        // then the same cells as CSV: each cell is cleaned where it is read.
        let cases = [
            (" 深化改革\n", CellValue::Text("深化改革".into())),
            ("第２批\u{3000}", CellValue::Text("第2批".into())),
            ("／", CellValue::Empty),
            ("无", CellValue::Empty),
            (" ", CellValue::Empty),
        ];
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (row, (raw, _)) in cases.iter().enumerate() {
            ws.write_string(row as u32, 0, *raw).unwrap();
        }
        ws.write_number(0, 1, 1.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let limits = ReadLimits {
            max_sheets: 10,
            max_cells: 1000,
            max_unpacked_bytes: 1 << 20,
        };
        let xlsx = read_workbook(&bytes, Format::Xlsx, limits)
            .unwrap()
            .remove(0);
        let csv_text: String = cases
            .iter()
            .map(|(raw, _)| format!("\"{raw}\"\n"))
            .collect();
        let csv = read_csv(csv_text.as_bytes());
        for (row, (raw, expected)) in cases.iter().enumerate() {
            assert_eq!(xlsx.cell(row as u32, 0), expected, "xlsx {raw:?}");
            assert_eq!(csv.cell(row as u32, 0), expected, "csv {raw:?}");
        }
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
