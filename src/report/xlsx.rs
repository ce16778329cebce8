//! The report as an Excel workbook: one sheet per section, a title row, a
//! frozen header, rates as percentages, widths fitted to the text, and every
//! text cell written as text (formula-like text neutralised).

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{Cell, PeriodReport, Table, neutralise};
use crate::error::{Error, Result};

/// Display width of text, counting CJK characters as two columns.
fn width(text: &str) -> f64 {
    text.chars()
        .map(|c| if (c as u32) < 0x1100 { 1.0 } else { 2.0 })
        .sum()
}

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    int: Format,
    num: Format,
    rate: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(0xDDE6F0)),
            text: cell.clone(),
            int: cell.clone().set_num_format("0"),
            num: cell.clone().set_num_format("0.00"),
            rate: cell.set_num_format("0.0%"),
        }
    }
}

/// Renders the report as xlsx bytes.
pub fn render(report: &PeriodReport) -> Result<Vec<u8>> {
    let wrap = |e: XlsxError| Error::Model {
        model: "report.xlsx".into(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    // The file itself carries what it was built from, visible in Excel's
    // properties even when a sheet is copied out of it.
    book.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(format!(
                "{}{}（{}）",
                report.province, report.title, report.period
            ))
            .set_comment(report.stamp_line()),
    );
    let formats = Formats::new();
    for sheet in &report.sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name).map_err(wrap)?;
        let mut widths: Vec<f64> = Vec::new();
        let mut row: u32 = 0;
        for (i, table) in sheet.tables.iter().enumerate() {
            let title = if i == 0 {
                format!("{}{}（{}）", report.province, table.title, report.period)
            } else {
                table.title.clone()
            };
            ws.write_string_with_format(row, 0, &title, &formats.title)
                .map_err(wrap)?;
            row += 1;
            if i == 0 {
                // The first table's header stays in view, with the unit names.
                ws.set_freeze_panes(row + 1, 1).map_err(wrap)?;
            }
            row = write_table(ws, table, row, &formats, &mut widths).map_err(wrap)?;
            row += 1;
        }
        for (col, w) in widths.iter().enumerate() {
            ws.set_column_width(col as u16, w.clamp(6.0, 60.0) + 2.0)
                .map_err(wrap)?;
        }
    }
    book.save_to_buffer().map_err(wrap)
}

fn write_table(
    ws: &mut Worksheet,
    table: &Table,
    mut row: u32,
    f: &Formats,
    widths: &mut Vec<f64>,
) -> std::result::Result<u32, XlsxError> {
    let mut fit = |col: usize, w: f64| {
        if widths.len() <= col {
            widths.resize(col + 1, 0.0);
        }
        widths[col] = widths[col].max(w);
    };
    for (col, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(row, col as u16, neutralise(h), &f.header)?;
        fit(col, width(h));
    }
    row += 1;
    if table.rows.is_empty() {
        ws.write_string_with_format(row, 0, "（无 / none）", &f.text)?;
        return Ok(row + 1);
    }
    for cells in &table.rows {
        for (col, cell) in cells.iter().enumerate() {
            let c = col as u16;
            match cell {
                Cell::Null => {
                    ws.write_blank(row, c, &f.text)?;
                }
                Cell::Text(s) => {
                    ws.write_string_with_format(row, c, neutralise(s), &f.text)?;
                    fit(col, width(s).min(60.0));
                }
                Cell::Int(n) => {
                    ws.write_number_with_format(row, c, *n as f64, &f.int)?;
                    fit(col, n.to_string().len() as f64);
                }
                Cell::Num(x) => {
                    ws.write_number_with_format(row, c, *x, &f.num)?;
                    fit(col, 8.0);
                }
                Cell::Rate(x) => {
                    ws.write_number_with_format(row, c, *x, &f.rate)?;
                    fit(col, 7.0);
                }
                Cell::Bool(b) => {
                    ws.write_string_with_format(row, c, if *b { "是" } else { "否" }, &f.text)?;
                }
            }
        }
        row += 1;
    }
    Ok(row)
}
