//! CSV exports of a ledger: one sheet of text cells.

use super::grid::{CellValue, SheetGrid};

/// A CSV export: UTF-8 (with or without BOM) or, failing that, GBK/GB18030,
/// as WPS and older Excel write it. Every cell is text.
pub(super) fn read_csv(bytes: &[u8]) -> SheetGrid {
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
