//! calamine's cells into ours: the workbooks taizhang's plain reader gives
//! up on, and the xls, xlsb and ods ones, cell by cell under the read
//! limits; the plain reader's glue; the one exhaustive `match` over
//! calamine's cell types.

use calamine::{Data, DataRef, Dimensions, Range, Reader, SheetType, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use std::io::Cursor;
use std::sync::Arc;

use super::grid::{CellValue, Merge, SheetGrid};
use super::{ReadLimits, WorkbookError};

/// An xlsx workbook read by calamine: the files [`read_xlsx_plain`] gives up on.
pub(super) fn read_xlsx_calamine(
    bytes: &[u8],
    limits: ReadLimits,
) -> Result<Vec<SheetGrid>, WorkbookError> {
    let unreadable = |e: &dyn std::fmt::Display| WorkbookError::Unreadable(e.to_string());
    let cursor = Cursor::new(bytes);
    let mut wb: Xlsx<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
    let names = worksheet_names(&wb, limits.max_sheets)?;
    let mut extras = super::xlsx_merges::merged_regions(bytes);
    let mut shared = SharedStrings::with_limit(limits.max_shared_string_bytes);
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let sheet = extras.as_mut().and_then(|m| m.remove(&name));
        let mut reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(&format!("{name}: {e}")))?;
        let formulas = sheet.as_ref().is_none_or(|s| s.formulas);
        let declared = reader.dimensions();
        let mut grid = collect_cells(name, limits, declared, &mut shared, || {
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

/// An xlsx workbook read by [`super::xlsx_plain`], or `Ok(None)` when that
/// reader gives up on it and calamine is to read it instead.
pub(super) fn read_xlsx_plain(
    bytes: &[u8],
    limits: ReadLimits,
) -> Result<Option<Vec<SheetGrid>>, WorkbookError> {
    use super::xlsx_plain::Bail;
    let mut part = SPARE_PART.take();
    let mut read = || -> Result<Option<Vec<SheetGrid>>, WorkbookError> {
        let Some(mut book) = super::xlsx_plain::open(bytes, &mut part) else {
            return Ok(None);
        };
        if book.sheets.len() > limits.max_sheets {
            return Err(WorkbookError::TooManySheets {
                count: book.sheets.len(),
                limit: limits.max_sheets,
            });
        }
        let mut shared = SharedStrings::with_limit(limits.max_shared_string_bytes);
        let mut sheets = Vec::with_capacity(book.sheets.len());
        for (name, path) in std::mem::take(&mut book.sheets) {
            limits.deadline.check()?;
            if book.sheet_part(&path, &mut part).is_none() {
                return Ok(None);
            }
            let Some(mut cells) = book.meta.cells(&part) else {
                return Ok(None);
            };
            let mut bailed = false;
            let declared = cells.declared;
            let mut grid = collect_cells(name, limits, declared, &mut shared, || {
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

/// The sheets of an xls or ods workbook: calamine reads each whole, and
/// its cells are taken into a grid under the same limits as a streamed
/// sheet's.
pub(super) fn read_sheets<'a, R>(
    wb: &mut R,
    limits: ReadLimits,
    merges: impl Fn(&mut R, &str) -> Vec<Dimensions>,
) -> Result<Vec<SheetGrid>, WorkbookError>
where
    R: Reader<Cursor<&'a [u8]>>,
    R::Error: std::fmt::Display,
{
    let names = worksheet_names(wb, limits.max_sheets)?;
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        limits.deadline.check()?;
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| WorkbookError::Unreadable(format!("{name}: {e}")))?;
        let merges = merges(wb, &name).into_iter().map(Merge::from).collect();
        let mut grid = grid_from_range(name, &range, limits)?;
        grid.merges = merges;
        sheets.push(grid);
    }
    Ok(sheets)
}

pub(super) fn worksheet_names<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(
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
/// is cleaned once, however many cells show it; a long one is copied for the
/// cells that show it, within a budget per workbook.
pub(super) struct SharedStrings {
    short: foldhash::HashMap<usize, CellValue>,
    /// The long strings met last, by address: a string repeated down a
    /// column is one copy, without the map growing with every long text.
    long: [Option<(usize, CellValue)>; LONG_SLOTS],
    /// Bytes of long strings copied out so far, and the most allowed: a
    /// million cells showing one 2 KB string took 2 GB when each was copied.
    copied: u64,
    max_copied: u64,
}

const LONG_SLOTS: usize = 64;

thread_local! {
    /// The map the last workbook read on this thread used, emptied.
    static SPARE_SHARED_STRINGS: std::cell::Cell<foldhash::HashMap<usize, CellValue>> =
        Default::default();
}

/// A map past this many strings is not kept for the next workbook.
const SPARE_SHARED_STRINGS_MAX: usize = 1 << 14;

/// The text cells took from the shared strings passed the budget.
pub(super) struct SharedStringsExceeded;

impl SharedStrings {
    /// Empty, but with the room the previous workbook on this thread needed:
    /// a fresh map grew (and rehashed into new memory) a few times for every
    /// workbook, a tenth of the cache misses of reading one.
    pub(super) fn with_limit(max_copied: u64) -> SharedStrings {
        SharedStrings {
            short: SPARE_SHARED_STRINGS.take(),
            long: [const { None }; LONG_SLOTS],
            copied: 0,
            max_copied,
        }
    }
}

impl Default for SharedStrings {
    fn default() -> Self {
        SharedStrings::with_limit(u64::MAX)
    }
}

impl Drop for SharedStrings {
    fn drop(&mut self) {
        let mut map = std::mem::take(&mut self.short);
        // The keys are addresses of this workbook's strings: never reused.
        map.clear();
        if map.capacity() <= SPARE_SHARED_STRINGS_MAX {
            SPARE_SHARED_STRINGS.set(map);
        }
    }
}

/// Strings longer than this are not kept in the map: such texts (a task,
/// its measures) rarely repeat within a workbook, and in a 200,000-row
/// workbook keeping them made the map megabytes large, every lookup a cache
/// miss (9 % of reading it).
const SHARED_LOOKUP_MAX_BYTES: usize = 48;

impl SharedStrings {
    fn get(&mut self, s: &str) -> Result<CellValue, SharedStringsExceeded> {
        let address = s.as_ptr() as usize;
        if s.len() <= SHARED_LOOKUP_MAX_BYTES {
            return Ok(self
                .short
                .entry(address)
                .or_insert_with(|| CellValue::text(s))
                .clone());
        }
        let slot = &mut self.long[(address.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) % LONG_SLOTS];
        if let Some((at, value)) = slot
            && *at == address
        {
            return Ok(value.clone());
        }
        self.copied = self.copied.saturating_add(s.len() as u64);
        if self.copied > self.max_copied {
            return Err(SharedStringsExceeded);
        }
        let value = CellValue::text(s);
        *slot = Some((address, value.clone()));
        Ok(value)
    }
}

/// Reads a sheet's used cells one by one into its grid, refusing more than
/// `max_cells` cells or a grid area over [`ReadLimits::max_area`], so a
/// hostile sheet is stopped before it is held in memory.
pub(super) fn collect_cells<'a, F>(
    name: String,
    limits: ReadLimits,
    declared: Dimensions,
    shared: &mut SharedStrings,
    mut next: F,
) -> Result<SheetGrid, WorkbookError>
where
    F: FnMut() -> Result<Option<((u32, u32), DataRef<'a>, bool)>, String>,
{
    let mut grid = GridBuilder::new(limits.max_area());
    grid.expect(declared);
    let mut uncached = Vec::new();
    let mut count: u64 = 0;
    let too_many = |name: &String| WorkbookError::TooManyCells {
        sheet: name.clone(),
        limit: limits.max_cells,
    };
    let mut read: u32 = 0;
    while let Some((pos, data, has_formula)) =
        next().map_err(|e| WorkbookError::Unreadable(format!("{name}: {e}")))?
    {
        read = read.wrapping_add(1);
        if read.is_multiple_of(4096) {
            limits.deadline.check()?;
        }
        let value = match &data {
            DataRef::SharedString(s) => shared.get(s).map_err(|SharedStringsExceeded| {
                WorkbookError::SharedStringsTooLarge {
                    limit_mb: limits.max_shared_string_bytes >> 20,
                }
            })?,
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
        if count > limits.max_cells {
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
pub(super) struct GridBuilder {
    pub(super) origin: (u32, u32),
    pub(super) rows: Vec<Vec<CellValue>>,
    /// Cells the grid holds, empty ones included, plus one per row: what a
    /// hostile sheet would make us allocate.
    pub(super) area: u64,
    /// The area refused, checked before anything is allocated.
    pub(super) max_area: u64,
    /// The widest row so far: a new row is given that room at once, instead
    /// of growing cell by cell to up to twice what it needs.
    pub(super) width: usize,
}

/// A cell would grow the grid past its `max_area`.
pub(super) struct AreaExceeded;

impl GridBuilder {
    pub(super) fn new(max_area: u64) -> GridBuilder {
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

    pub(super) fn set(&mut self, row: u32, col: u32, value: CellValue) -> Result<(), AreaExceeded> {
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

pub(super) fn convert_ref(data: &DataRef<'_>) -> CellValue {
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

/// A whole sheet read by calamine, into a grid: its non-empty cells only,
/// under the same limits as a streamed sheet's.
pub(super) fn grid_from_range(
    name: String,
    range: &Range<Data>,
    limits: ReadLimits,
) -> Result<SheetGrid, WorkbookError> {
    let too_many = || WorkbookError::TooManyCells {
        sheet: name.clone(),
        limit: limits.max_cells,
    };
    let mut grid = GridBuilder::new(limits.max_area());
    let origin = range.start().unwrap_or((0, 0));
    let mut count: u64 = 0;
    for (r, c, data) in range.used_cells() {
        let value = convert(data);
        if value.is_empty() {
            continue;
        }
        count += 1;
        if count.is_multiple_of(4096) {
            limits.deadline.check()?;
        }
        if count > limits.max_cells {
            return Err(too_many());
        }
        let (row, col) = (origin.0 + r as u32, origin.1 + c as u32);
        grid.set(row, col, value).map_err(|_| too_many())?;
    }
    Ok(SheetGrid {
        name,
        origin: grid.origin,
        rows: grid.rows,
        merges: Vec::new(),
        uncached_formulas: Vec::new(),
    })
}

pub(super) fn convert(data: &Data) -> CellValue {
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
        Data::Error(e) => CellValue::Error(Arc::from(e.to_string())),
    }
}
