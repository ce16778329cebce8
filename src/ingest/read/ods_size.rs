//! What calamine would hold for an ods workbook, counted before it is
//! opened. calamine reads every table of `content.xml` when the workbook is
//! opened and expands repeated rows and columns (`number-rows-repeated`,
//! `number-columns-repeated`) into a dense range per table, up to 100 million
//! cells (3.2 GB) each: a few kilobytes of XML can ask for that. This pass
//! streams the same XML, counts what that expansion would take — the cells
//! each row element pushes, and the rows × columns between a table's first
//! and last non-empty cell — and refuses the workbook before calamine
//! allocates any of it. The counting follows calamine 0.38's `ods.rs`
//! (`read_table`, `read_row`, `get_range`; MIT).

use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor};

use super::{ReadLimits, WorkbookError};

/// calamine's own caps on a table's rows and columns.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// One table's count so far.
#[derive(Default)]
struct Table {
    name: String,
    /// Cells the row elements pushed (before rows are repeated).
    pushed: u64,
    /// Rows so far, repeats included (capped as calamine caps them).
    rows: u64,
    /// The first and last+1 expanded row holding a value, and the columns.
    first_row: Option<u64>,
    end_row: u64,
    first_col: u64,
    end_col: u64,
}

impl Table {
    fn dense(&self) -> u64 {
        match self.first_row {
            Some(first) => (self.end_row - first).saturating_mul(self.end_col - self.first_col),
            None => 0,
        }
    }
}

/// One row element's count.
#[derive(Default)]
struct Row {
    repeats: u64,
    /// Columns pushed so far, and blank columns waiting for a value.
    pushed: u64,
    pending_blank: u64,
    first_value: Option<u64>,
    end_value: u64,
}

/// A cell element being read: its repeat count and whether it holds a value.
struct Cell {
    repeats: u64,
    has_value: bool,
}

/// Refuses an ods whose tables calamine would expand past the area limit;
/// `Ok` for anything it cannot read (calamine then says what is wrong).
pub(super) fn check(bytes: &[u8], limits: ReadLimits) -> Result<(), WorkbookError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    let max_area = limits.max_area();
    let too_many = |table: &Table| WorkbookError::TooManyCells {
        sheet: table.name.clone(),
        limit: limits.max_cells,
    };
    let mut buf = Vec::new();
    let (mut total_pushed, mut total_dense) = (0u64, 0u64);
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    let mut cell: Option<Cell> = None;
    let mut events: u64 = 0;
    loop {
        events += 1;
        if events.is_multiple_of(65_536) {
            limits.deadline.check()?;
        }
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => return Ok(()),
        };
        match event {
            Event::Eof => return Ok(()),
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table" => {
                table = Some(Table {
                    name: attr(&e, "table:name").unwrap_or_default(),
                    ..Table::default()
                });
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" && table.is_some() => {
                let Some(t) = &table else { continue };
                let asked = repeats(&e, "table:number-rows-repeated");
                row = Some(Row {
                    repeats: asked.min(MAX_ROWS.saturating_sub(t.rows)),
                    ..Row::default()
                });
            }
            Event::Start(ref e) | Event::Empty(ref e)
                if row.is_some()
                    && matches!(
                        e.name().as_ref(),
                        "table:table-cell" | "table:covered-table-cell"
                    ) =>
            {
                let has_value = e
                    .attributes()
                    .flatten()
                    .any(|a| matches!(a.key.as_ref(), "office:value-type" | "table:formula"));
                let this = Cell {
                    repeats: repeats(e, "table:number-columns-repeated"),
                    has_value,
                };
                if matches!(event, Event::Empty(_)) {
                    if let Some(r) = &mut row {
                        push_cell(r, this);
                    }
                } else {
                    cell = Some(this);
                }
            }
            Event::Text(t) if cell.is_some() => {
                if t.chars().any(|c| !c.is_ascii_whitespace())
                    && let Some(c) = &mut cell
                {
                    c.has_value = true;
                }
            }
            Event::End(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                if let (Some(c), Some(r)) = (cell.take(), &mut row) {
                    push_cell(r, c);
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                let (Some(r), Some(t)) = (row.take(), &mut table) else {
                    continue;
                };
                t.pushed = t.pushed.saturating_add(r.pushed);
                if let Some(first) = r.first_value {
                    let start = *t.first_row.get_or_insert(t.rows);
                    if start == t.rows {
                        t.first_col = first;
                    }
                    t.first_col = t.first_col.min(first);
                    t.end_col = t.end_col.max(r.end_value);
                    t.end_row = t.rows + r.repeats;
                }
                t.rows += r.repeats;
                if total_pushed.saturating_add(t.pushed) > max_area
                    || total_dense.saturating_add(t.dense()) > max_area
                {
                    return Err(too_many(t));
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                if let Some(t) = table.take() {
                    total_pushed = total_pushed.saturating_add(t.pushed);
                    total_dense = total_dense.saturating_add(t.dense());
                }
            }
            _ => {}
        }
        buf.clear();
    }
}

/// A cell pushed onto its row as calamine pushes it: blanks only when a
/// value follows them, every column capped at calamine's width.
fn push_cell(row: &mut Row, cell: Cell) {
    if cell.has_value {
        let blanks = row
            .pending_blank
            .min(MAX_COLUMNS.saturating_sub(row.pushed));
        row.pushed += blanks;
        row.pending_blank = 0;
        let values = cell.repeats.min(MAX_COLUMNS.saturating_sub(row.pushed));
        if values > 0 {
            row.first_value.get_or_insert(row.pushed);
            row.pushed += values;
            row.end_value = row.pushed;
        }
    } else {
        row.pending_blank = row.pending_blank.saturating_add(cell.repeats);
    }
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.to_string())
}

/// A repeat count; 1 when absent or unreadable (calamine refuses the latter).
fn repeats(e: &BytesStart<'_>, key: &str) -> u64 {
    attr(e, key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ods(tables: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        );
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        out.start_file("mimetype", stored).unwrap();
        out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        out.start_file("content.xml", stored).unwrap();
        out.write_all(content.as_bytes()).unwrap();
        out.finish().unwrap().into_inner()
    }

    const LIMITS: ReadLimits = ReadLimits {
        max_sheets: 10,
        max_cells: 50_000,
        max_unpacked_bytes: 1 << 30,
        max_merged_cells: 1 << 20,
        max_shared_string_bytes: 1 << 30,
        deadline: super::super::Deadline::NEVER,
    };

    const VALUE: &str =
        r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;

    #[test]
    fn repeated_rows_and_columns_of_values_are_counted_before_calamine_expands_them() {
        // One row of 16,384 repeated values, repeated a thousand times: 16
        // million cells from a few hundred bytes.
        let wide = ods(
            r#"<table:table table:name="台账"><table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#,
        );
        let err = check(&wide, LIMITS).unwrap_err();
        assert_eq!(
            err,
            WorkbookError::TooManyCells {
                sheet: "台账".into(),
                limit: 50_000
            }
        );
        // A value at A1 and one far down and right: the range between them.
        let corners = ods(&format!(
            r#"<table:table table:name="t"><table:table-row>{VALUE}</table:table-row><table:table-row table:number-rows-repeated="500"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="300"/>{VALUE}</table:table-row></table:table>"#
        ));
        assert!(check(&corners, LIMITS).is_err(), "502 rows × 301 columns");
    }

    #[test]
    fn blank_repeats_around_the_values_cost_nothing() {
        // What LibreOffice writes: blank columns to the sheet's edge and a
        // million blank rows below the data.
        let real = ods(&format!(
            r#"<table:table table:name="t"><table:table-row>{VALUE}{VALUE}<table:table-cell table:number-columns-repeated="16382"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#
        ));
        check(&real, LIMITS).unwrap();
        let fixture = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/title_and_header_row.ods"),
        )
        .unwrap();
        check(&fixture, LIMITS).unwrap();
    }
}
