//! Reading a workbook: bytes → sheets of typed cells with their merged
//! regions ([`SheetGrid`]).
//!
//! This module chooses the reader and bounds what a file may make it
//! allocate. An xlsx in the plain form Excel, WPS and the usual libraries
//! write is read by taizhang's own byte scanner ([`xlsx_plain`], with the
//! merged regions of [`xlsx_merges`]); every other xlsx, and xls, xlsb and
//! ods, by calamine ([`cells`] turns its cells into ours), after
//! `ods_size` and `xls_size` have counted what calamine would hold; csv by
//! [`csv`]. A reader that panics on a damaged file is caught by
//! [`quiet_panic`]. Every limit of `[limits]` is checked here, before the
//! work it bounds: cells, grid area, merged area, unpacked and
//! shared-string bytes, and the time a file may take ([`Deadline`]).

pub mod cells;
pub mod csv;
pub mod grid;
mod ods_size;
pub mod quiet_panic;
mod xls_size;
pub mod xlsx_merges;
pub mod xlsx_plain;

use calamine::{Ods, Xls, Xlsb, open_workbook_from_rs};
use std::io::Cursor;

use cells::{
    SharedStrings, collect_cells, read_sheets, read_xlsx_calamine, read_xlsx_plain, worksheet_names,
};
use csv::read_csv;
pub use grid::{CellValue, Merge, SheetGrid};

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
    #[error(
        "工作表“{sheet}”的合并单元格覆盖过多单元格（至少 {covered} 个，上限 {limit}），请取消不必要的合并后重新报送 / the merged cells of sheet {sheet:?} cover too many cells (at least {covered}, limit {limit}); unmerge what need not be merged and resend"
    )]
    TooManyMergedCells {
        sheet: String,
        covered: u64,
        limit: u64,
    },
    #[error(
        "共享字符串过大（上限 {limit_mb} MB），请另存为新文件后重新报送 / the shared strings are too large (limit {limit_mb} MB); save the workbook as a new file and resend"
    )]
    SharedStringsTooLarge { limit_mb: u64 },
    #[error(
        "文件读取超时（上限 {seconds} 秒），请拆分后报送 / reading the file took longer than {seconds} s; split it and resend"
    )]
    TimedOut { seconds: u64 },
}

impl WorkbookError {
    /// Whether the file was refused for its size rather than its content.
    pub fn is_too_large(&self) -> bool {
        !matches!(self, WorkbookError::Unreadable(_))
    }
}

/// Bounds on what one workbook may make the reader allocate, and when
/// reading it must stop.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    pub max_sheets: usize,
    /// Non-empty cells per sheet.
    pub max_cells: u64,
    /// Declared uncompressed size of a zip-based workbook (xlsx, xlsb, ods).
    pub max_unpacked_bytes: u64,
    /// Cells a sheet's merged regions may cover.
    pub max_merged_cells: u64,
    /// Size of the shared-string table, and the text cells take from it.
    pub max_shared_string_bytes: u64,
    pub deadline: Deadline,
}

impl ReadLimits {
    /// The limits of `[limits]` for one file whose reading starts now.
    pub fn for_file(l: crate::config::Limits) -> ReadLimits {
        ReadLimits {
            max_sheets: l.max_sheets,
            max_cells: l.max_cells,
            // A workbook is zip-compressed XML; real ledgers unpack to a few
            // times their size, never to more than the configured bound.
            max_unpacked_bytes: l
                .max_file_mb
                .saturating_mul(20 << 20)
                .min(l.max_unpacked_mb.saturating_mul(1 << 20)),
            max_merged_cells: l.max_merged_cells,
            max_shared_string_bytes: l.max_shared_strings_mb.saturating_mul(1 << 20),
            deadline: Deadline::after(l.max_seconds_per_file),
        }
    }

    /// The cells a sheet's grid may hold, empty ones included: twice its
    /// non-empty cells, so rows may have gaps but a sheet's memory stays
    /// about 48 bytes per allowed cell.
    pub fn max_area(&self) -> u64 {
        self.max_cells.saturating_mul(2)
    }
}

/// When reading a file must stop.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Option<std::time::Instant>,
    seconds: u64,
}

impl Deadline {
    pub const NEVER: Deadline = Deadline {
        at: None,
        seconds: 0,
    };

    /// `seconds` from now.
    pub fn after(seconds: u64) -> Deadline {
        Deadline {
            at: std::time::Instant::now().checked_add(std::time::Duration::from_secs(seconds)),
            seconds,
        }
    }

    /// Refuses the file once the time is up.
    pub fn check(&self) -> Result<(), WorkbookError> {
        match self.at {
            Some(at) if std::time::Instant::now() >= at => Err(WorkbookError::TimedOut {
                seconds: self.seconds,
            }),
            _ => Ok(()),
        }
    }
}

/// Refuses a zip whose entries declare more than `limit` bytes in all, or a
/// shared-string table over its own limit, before any entry is inflated.
fn check_zip(bytes: &[u8], limits: ReadLimits) -> Result<(), WorkbookError> {
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
            let name = entry.name().unwrap_or_default().to_ascii_lowercase();
            if (name.ends_with("sharedstrings.xml") || name.ends_with("sharedstrings.bin"))
                && entry.size() > limits.max_shared_string_bytes
            {
                return Err(WorkbookError::SharedStringsTooLarge {
                    limit_mb: limits.max_shared_string_bytes >> 20,
                });
            }
        }
    }
    if total > limits.max_unpacked_bytes {
        return Err(WorkbookError::ZipBomb {
            declared_mb: total / 1_048_576,
            limit_mb: limits.max_unpacked_bytes / 1_048_576,
        });
    }
    Ok(())
}

/// Reads every worksheet of a workbook, its merged regions bounded and
/// filled in. The claimed format is tried first, then the others, so an
/// `.xls` renamed `.xlsx` still reads.
pub fn read_workbook(
    bytes: &[u8],
    claimed: Format,
    limits: ReadLimits,
) -> Result<Vec<SheetGrid>, WorkbookError> {
    let mut sheets = read_cells(bytes, claimed, limits)?;
    for grid in &mut sheets {
        limits.deadline.check()?;
        grid.settle_merges(limits.max_merged_cells).map_err(|e| {
            WorkbookError::TooManyMergedCells {
                sheet: grid.name.clone(),
                covered: e.covered,
                limit: limits.max_merged_cells,
            }
        })?;
        grid.fill_merges();
    }
    Ok(sheets)
}

fn read_cells(
    bytes: &[u8],
    claimed: Format,
    limits: ReadLimits,
) -> Result<Vec<SheetGrid>, WorkbookError> {
    if claimed == Format::Csv {
        return Ok(vec![read_csv(bytes, limits)?]);
    }
    check_zip(bytes, limits)?;
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
    // before it is held in memory; calamine reads an ods or xls whole when
    // it opens it, so what it would hold is counted first.
    match format {
        Format::Xlsx => match read_xlsx_plain(bytes, limits)? {
            Some(sheets) => Ok(sheets),
            None => read_xlsx_calamine(bytes, limits),
        },
        Format::Xls => {
            xls_size::check(bytes, limits)?;
            let mut wb: Xls<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
            read_sheets(&mut wb, limits, |wb, name| {
                wb.merge_cells_by_sheet_name(name).unwrap_or_default()
            })
        }
        // calamine gives no merged regions for xlsb and ods: blanks stay blank.
        Format::Xlsb => {
            let mut wb: Xlsb<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
            let names = worksheet_names(&wb, limits.max_sheets)?;
            let mut shared = SharedStrings::with_limit(limits.max_shared_string_bytes);
            let mut sheets = Vec::with_capacity(names.len());
            for name in names {
                limits.deadline.check()?;
                let mut reader = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| unreadable(&format!("{name}: {e}")))?;
                let declared = reader.dimensions();
                let grid = collect_cells(name, limits, declared, &mut shared, || {
                    let cell = reader.next_cell().map_err(|e| e.to_string())?;
                    Ok(cell.map(|c| (c.get_position(), c.get_value().clone(), false)))
                })?;
                sheets.push(grid);
            }
            Ok(sheets)
        }
        Format::Ods => {
            ods_size::check(bytes, limits)?;
            let mut wb: Ods<_> = open_workbook_from_rs(cursor).map_err(|e| unreadable(&e))?;
            read_sheets(&mut wb, limits, |_, _| Vec::new())
        }
        Format::Csv => Ok(vec![read_csv(bytes, limits)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::cells::*;
    use super::*;
    use calamine::{DataRef, Dimensions};
    use std::sync::Arc;

    type CellIn<'a> = ((u32, u32), DataRef<'a>, bool);

    const GENEROUS: ReadLimits = ReadLimits {
        max_sheets: 256,
        max_cells: 10_000_000,
        max_unpacked_bytes: 1 << 30,
        max_merged_cells: 10_000_000,
        max_shared_string_bytes: 1 << 30,
        deadline: Deadline::NEVER,
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
            ReadLimits {
                max_cells,
                ..GENEROUS
            },
            declared,
            &mut SharedStrings::default(),
            || Ok(cells.pop()),
        )
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
        grid.settle_merges(u64::MAX).unwrap();
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
    fn merged_regions_are_cut_to_the_sheet_counted_once_and_bounded() {
        let t = |s: &str| CellValue::Text(s.into());
        // A1 and XFD1 make the sheet 16,384 columns wide; A2…A100 make it
        // 100 rows long.
        let mut rows = vec![vec![CellValue::Empty; 16_384]];
        rows[0][0] = t("牵头");
        rows[0][16_383] = t("角");
        rows.extend((1..100).map(|_| vec![t("x")]));
        let sheet = |merges: Vec<Merge>| SheetGrid {
            name: "s".into(),
            rows: rows.clone(),
            merges,
            ..SheetGrid::default()
        };
        let region = |first: (u32, u32), last: (u32, u32)| Merge { first, last };

        // The same region forty thousand times is one region.
        let mut repeated = sheet(vec![region((0, 0), (9, 0)); 40_000]);
        repeated.settle_merges(1_000).unwrap();
        assert_eq!(repeated.merges, [region((0, 0), (9, 0))]);
        repeated.fill_merges();
        assert_eq!(repeated.cell(9, 0), &t("牵头"));

        // A region over the whole sheet covers 100 × 16,384 cells: refused
        // before one is filled, with the count it had reached.
        let mut whole = sheet(vec![region((0, 0), (1_048_575, 16_383))]);
        let err = whole.settle_merges(1_000_000).unwrap_err();
        assert_eq!(err.covered, 100 * 16_384);
        assert!(whole.merges.is_empty() && whole.rows[5].len() == 1);

        // Past the sheet's last row a region is cut; one starting past it,
        // or cut to a single cell, is dropped.
        let mut cut = sheet(vec![
            region((95, 0), (5_000, 0)),
            region((200, 0), (300, 2)),
            region((99, 0), (120, 0)),
        ]);
        cut.settle_merges(5).unwrap();
        assert_eq!(cut.merges, [region((95, 0), (99, 0))]);

        // Regions that overlap each count: two of 60 cells pass 100.
        let mut overlapping = sheet(vec![region((0, 0), (59, 0)), region((0, 0), (0, 59))]);
        assert_eq!(overlapping.settle_merges(100).unwrap_err().covered, 120);
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
            ..GENEROUS
        };
        let xlsx = read_workbook(&bytes, Format::Xlsx, limits)
            .unwrap()
            .remove(0);
        let csv_text: String = cases
            .iter()
            .map(|(raw, _)| format!("\"{raw}\"\n"))
            .collect();
        let csv = read_csv(csv_text.as_bytes(), limits).unwrap();
        for (row, (raw, expected)) in cases.iter().enumerate() {
            assert_eq!(xlsx.cell(row as u32, 0), expected, "xlsx {raw:?}");
            assert_eq!(csv.cell(row as u32, 0), expected, "csv {raw:?}");
        }
    }

    #[test]
    fn csv_in_gbk_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("序号,改革任务\n1,深化改革\n");
        let grid = read_csv(&gbk, GENEROUS).unwrap();
        assert_eq!(grid.cell(0, 1), &CellValue::Text("改革任务".into()));
        assert_eq!(grid.cell(1, 1), &CellValue::Text("深化改革".into()));
    }

    #[test]
    fn every_reader_stops_when_the_files_time_is_up() {
        // 5,000 cells, enough to reach a check of the clock, as xlsx and
        // csv; an ods and an xls, read whole by calamine, are checked before
        // each sheet.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for r in 0..1000 {
            for c in 0..5 {
                sheet
                    .write_number(r, c, f64::from(r * u32::from(c)))
                    .unwrap();
            }
        }
        let xlsx = book.save_to_buffer().unwrap();
        let csv: String = (0..1000).map(|r| format!("{r},1,2,3,4\n")).collect();
        let fixture = |name: &str| {
            std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures")
                    .join(name),
            )
            .unwrap()
        };
        let expired = ReadLimits {
            deadline: Deadline::after(0),
            ..GENEROUS
        };
        let timed_out = |bytes: &[u8], format| {
            matches!(
                read_workbook(bytes, format, expired),
                Err(WorkbookError::TimedOut { seconds: 0 })
            )
        };
        assert!(timed_out(&xlsx, Format::Xlsx), "xlsx");
        assert!(timed_out(csv.as_bytes(), Format::Csv), "csv");
        // Small workbooks still meet the check between sheets.
        assert!(
            timed_out(&fixture("title_and_header_row.ods"), Format::Ods),
            "ods"
        );
        assert!(
            timed_out(&fixture("title_and_header_row.xls"), Format::Xls),
            "xls"
        );
        // With time left, the same files read.
        assert!(read_workbook(&xlsx, Format::Xlsx, GENEROUS).is_ok());
        let err = WorkbookError::TimedOut { seconds: 20 }.to_string();
        assert!(err.contains("20 秒") && err.contains("20 s"), "{err}");
    }

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        let limits = ReadLimits {
            max_sheets: 100,
            max_cells: 1000,
            max_unpacked_bytes: 1 << 20,
            ..GENEROUS
        };
        let err = read_workbook(b"definitely not a workbook", Format::Xlsx, limits).unwrap_err();
        assert!(matches!(err, WorkbookError::Unreadable(_)));
    }
}
