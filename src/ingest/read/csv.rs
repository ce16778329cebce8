//! CSV exports of a ledger: one sheet of text cells.

use super::cells::GridBuilder;
use super::grid::{CellValue, SheetGrid};
use super::{ReadLimits, WorkbookError};

/// A CSV export: UTF-8 (with or without BOM) or, failing that, GBK/GB18030,
/// as WPS and older Excel write it. Every cell is text.
///
/// Read field by field (csv-core, under the csv crate's rules: `"` quotes,
/// `""` escapes a quote, any line ending, blank lines skipped, rows of any
/// width), and only non-empty fields take room, under the same cell and area
/// limits as a workbook's sheet: a 45 MB file of commas held 1.28 GB when
/// every record was kept whole.
pub(super) fn read_csv(bytes: &[u8], limits: ReadLimits) -> Result<SheetGrid, WorkbookError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s.trim_start_matches('\u{feff}')),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    };
    let too_many = || WorkbookError::TooManyCells {
        sheet: "csv".into(),
        limit: limits.max_cells,
    };
    let mut reader = csv_core::Reader::new();
    let mut grid = GridBuilder::new(limits.max_area());
    let mut input = text.as_bytes();
    let mut field = vec![0u8; 256];
    let mut len = 0;
    let (mut row, mut col) = (0u32, 0u32);
    let (mut fields, mut cells) = (0u64, 0u64);
    loop {
        let (result, read, written) = reader.read_field(input, &mut field[len..]);
        input = &input[read..];
        len += written;
        match result {
            csv_core::ReadFieldResult::InputEmpty => {}
            csv_core::ReadFieldResult::OutputFull => field.resize(field.len() * 2, 0),
            csv_core::ReadFieldResult::Field { record_end } => {
                fields += 1;
                if fields.is_multiple_of(4096) {
                    limits.deadline.check()?;
                }
                // Most fields of a ledger's CSV are filled, but a hostile one
                // can be millions of empty ones: those cost nothing here.
                let value = match len {
                    0 => CellValue::Empty,
                    _ => CellValue::text(&String::from_utf8_lossy(&field[..len])),
                };
                len = 0;
                if !value.is_empty() {
                    cells += 1;
                    if cells > limits.max_cells {
                        return Err(too_many());
                    }
                    grid.set(row, col, value).map_err(|_| too_many())?;
                }
                if record_end {
                    row = row.checked_add(1).ok_or_else(too_many)?;
                    col = 0;
                } else {
                    col = col.checked_add(1).ok_or_else(too_many)?;
                }
            }
            csv_core::ReadFieldResult::End => break,
        }
    }
    Ok(SheetGrid {
        name: "csv".into(),
        origin: grid.origin,
        rows: grid.rows,
        merges: Vec::new(),
        uncached_formulas: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENEROUS: ReadLimits = ReadLimits {
        max_sheets: 1,
        max_cells: 1_000_000,
        max_unpacked_bytes: 1 << 30,
        max_merged_cells: 1_000_000,
        max_shared_string_bytes: 1 << 30,
        deadline: super::super::Deadline::NEVER,
    };

    /// The csv crate's records, as the reader read them before.
    fn by_csv_crate(text: &str) -> Vec<Vec<CellValue>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|rec| rec.unwrap().iter().map(CellValue::text).collect())
            .collect()
    }

    #[test]
    fn fields_are_read_as_the_csv_crate_reads_them() {
        for text in [
            "序号,改革任务\n1,深化改革\n",
            "a,b\r\nc,d\r\n",
            "a,b\rc,d",
            "a,\"引号\"\"里\",c\n\n\n2,\"两\n行\",\n",
            ",,,\n,x,\n",
            "\u{feff}序号,任务\n1,一\n",
            "only one field",
            "",
            "a,b,c,d,e\n1\n1,2,3,4,5,6,7\n",
        ] {
            let grid = read_csv(text.as_bytes(), GENEROUS).unwrap();
            let expected = by_csv_crate(text.trim_start_matches('\u{feff}'));
            for (r, row) in expected.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    assert_eq!(grid.cell(r as u32, c as u32), cell, "{text:?} at {r},{c}");
                }
            }
            assert!(grid.row_count() as usize <= expected.len(), "{text:?}");
        }
    }

    #[test]
    fn empty_fields_take_no_room_and_cells_past_the_limit_are_refused() {
        let commas = ",".repeat(1_000_000);
        let grid = read_csv(commas.as_bytes(), GENEROUS).unwrap();
        assert!(grid.rows.iter().all(Vec::is_empty), "nothing but blanks");
        let limits = ReadLimits {
            max_cells: 1000,
            ..GENEROUS
        };
        let dense = "1,".repeat(1001);
        assert!(matches!(
            read_csv(dense.as_bytes(), limits),
            Err(WorkbookError::TooManyCells { .. })
        ));
        // Few cells, far apart: refused by the area they spread over.
        let sparse = format!("1{}1\n", ",".repeat(5000));
        assert!(matches!(
            read_csv(sparse.as_bytes(), limits),
            Err(WorkbookError::TooManyCells { .. })
        ));
    }
}
