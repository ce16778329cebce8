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
    /// An Excel error value such as `#REF!`. Shared like text, which keeps
    /// every cell 24 bytes: a grid's memory is its area times that.
    Error(Arc<str>),
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
            CellValue::Error(e) => e.to_string(),
        }
    }
}

/// A sheet's merged regions cover more cells than the limit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct MergedAreaExceeded {
    /// The cells covered when the limit was passed.
    pub covered: u64,
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

    /// Cuts the sheet's merged regions to its used area, drops single cells
    /// and repeats, and refuses the sheet when the cells they still cover,
    /// each region counted once, pass `max_cells` — all before a cell is
    /// filled. A region over the sheet's whole width, or one region repeated
    /// forty thousand times, cost minutes and gigabytes to fill; bounded
    /// here, [`SheetGrid::fill_merges`] costs at most `max_cells` cells.
    pub(super) fn settle_merges(&mut self, max_cells: u64) -> Result<(), MergedAreaExceeded> {
        let (rows, cols) = (self.row_count(), self.col_count());
        let mut merges: Vec<Merge> = std::mem::take(&mut self.merges)
            .into_iter()
            .filter(|m| m.first.0 < rows && m.first.1 < cols)
            .map(|m| Merge {
                first: m.first,
                last: (m.last.0.min(rows - 1), m.last.1.min(cols - 1)),
            })
            .filter(|m| m.last.0 >= m.first.0 && m.last.1 >= m.first.1 && m.last != m.first)
            .collect();
        merges.sort_unstable_by_key(|m| (m.first, m.last));
        merges.dedup();
        let mut covered: u64 = 0;
        for m in &merges {
            let area = u64::from(m.last.0 - m.first.0 + 1) * u64::from(m.last.1 - m.first.1 + 1);
            covered = covered.saturating_add(area);
            if covered > max_cells {
                return Err(MergedAreaExceeded { covered });
            }
        }
        self.merges = merges;
        Ok(())
    }

    /// Copies each merged region's top-left value into the region's other
    /// cells, so merged lead units and deadlines reach every row they cover.
    /// The regions are [`settled`](SheetGrid::settle_merges) first: within
    /// the sheet's used area and bounded in the cells they cover.
    pub(super) fn fill_merges(&mut self) {
        for i in 0..self.merges.len() {
            let m = self.merges[i];
            let value = self.cell(m.first.0, m.first.1).clone();
            if value.is_empty() {
                continue;
            }
            for r in m.first.0..=m.last.0 {
                for c in m.first.1..=m.last.1 {
                    if (r, c) != m.first {
                        self.set(r, c, value.clone());
                    }
                }
            }
        }
    }

    /// Sets a cell within the grid's rows; a cell before the grid's origin
    /// (a region whose top-left lies above or left of the first used cell
    /// has an empty top-left and is never filled) is left alone.
    fn set(&mut self, row: u32, col: u32, value: CellValue) {
        let (Some(r), Some(c)) = (
            row.checked_sub(self.origin.0),
            col.checked_sub(self.origin.1),
        ) else {
            return;
        };
        let Some(cells) = self.rows.get_mut(r as usize) else {
            return;
        };
        let c = c as usize;
        if cells.len() <= c {
            cells.resize(c + 1, CellValue::Empty);
        }
        cells[c] = value;
    }
}
