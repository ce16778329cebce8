//! The cell grid every reader fills and every later stage reads: typed
//! cells from a sheet's first used cell, its merged regions, and A1 names.

use chrono::NaiveDate;
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
