//! A sheet's header: the row (or two rows, under merged parents) below the
//! title and 填报单位 lines whose cells name canonical columns, each cell
//! matched on its own text by the synonyms of DESIGN's appendix — never by
//! position.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::read::{CellValue, SheetGrid};
use crate::ledger::{ColType, Kind, Rules, kinds::SATISFACTION_IGNORED};
use crate::normalize::header::{MatchQuality, normalize_header_into};

/// How many rows from the top a header row is looked for in.
const HEADER_SEARCH_ROWS: u32 = 30;

/// A sheet column bound to a canonical column.
#[derive(Debug, Clone)]
pub struct Binding {
    /// 0-based absolute column.
    pub col: u32,
    /// Index into `kind.columns()`.
    pub spec: usize,
    pub quality: MatchQuality,
    /// A 是否完成 column: 是 means done.
    pub yes_no: bool,
}

/// The header of a ledger sheet.
#[derive(Debug, Clone)]
pub struct Header {
    pub kind: Kind,
    /// 0-based rows the header occupies (one or two).
    pub first_row: u32,
    pub last_row: u32,
    pub bindings: Vec<Binding>,
    /// Header cells that matched no column, as (col, text).
    pub unmatched: Vec<(u32, String)>,
    /// Header cells that matched a column another cell already holds.
    pub duplicates: Vec<(u32, String, &'static str)>,
}

impl Header {
    /// Distinct canonical columns found: how well the sheet fits the kind.
    pub fn score(&self) -> usize {
        let specs = self.bindings.iter().fold(0u128, |m, b| m | 1 << b.spec);
        specs.count_ones() as usize
    }
}

/// A text cell of a candidate header row, with what its normalised form says.
#[derive(Debug, Clone)]
pub struct HeaderCell {
    pub col: u32,
    /// The cell as written, shared with the grid.
    pub text: Arc<str>,
    /// The column it names for each kind ([`Kind::ALL`] order), found in one scan.
    matches: [PackedMatch; Kind::ALL.len()],
    /// A 是否… column: 是 means done.
    yes_no: bool,
    /// A satisfaction form's computed column (有效票, 满意率…), never read.
    satisfaction_ignored: bool,
}

impl HeaderCell {
    fn names(&self, kind: Kind) -> Option<(usize, MatchQuality)> {
        self.matches[kind.index()].get()
    }
}

/// A header cell's `Option<(column, quality)>` in 4 bytes instead of 24: the
/// first 30 rows of every sheet are header candidates, ~15 cells each, and at
/// 24 bytes a kind their matches were most of the memory header search wrote.
/// 0 is no match; otherwise bits 24.. hold the column + 1, bit 23 an exact
/// match and bits 0..23 a contained synonym's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedMatch(u32);

impl PackedMatch {
    const EXACT: u32 = 1 << 23;
    const LEN: u32 = Self::EXACT - 1;

    fn new(m: Option<(usize, MatchQuality)>) -> PackedMatch {
        let Some((spec, quality)) = m else {
            return PackedMatch(0);
        };
        // Kinds have a few dozen columns and synonyms are a few characters.
        debug_assert!(spec < 0xff, "column index {spec} does not fit");
        let spec = u32::try_from(spec + 1).unwrap_or(u32::MAX).min(0xff) << 24;
        PackedMatch(match quality {
            MatchQuality::Exact => spec | Self::EXACT,
            MatchQuality::Contained(len) => spec | (len as u32).min(Self::LEN),
        })
    }

    fn get(self) -> Option<(usize, MatchQuality)> {
        let spec = (self.0 >> 24).checked_sub(1)? as usize;
        Some(if self.0 & Self::EXACT != 0 {
            (spec, MatchQuality::Exact)
        } else {
            (spec, MatchQuality::Contained((self.0 & Self::LEN) as usize))
        })
    }
}

/// The first rows of a sheet as header candidates, each text cell normalised
/// and matched against every kind's synonyms once, whichever kinds are tried.
#[derive(Debug, Clone)]
pub struct HeaderRows {
    rows: Vec<(u32, Vec<HeaderCell>)>,
}

impl HeaderRows {
    pub fn of(grid: &SheetGrid, rules: &Rules) -> HeaderRows {
        let top = grid.origin.0;
        let bottom = grid.row_count().min(top + HEADER_SEARCH_ROWS);
        HeaderRows {
            rows: (top..bottom)
                .map(|row| (row, header_cells(grid, row, rules)))
                .collect(),
        }
    }

    fn row(&self, row: u32) -> Option<&[HeaderCell]> {
        self.rows
            .iter()
            .find(|(r, _)| *r == row)
            .map(|(_, cells)| cells.as_slice())
    }
}

/// Finds the header row of `kind` in a sheet whose merges are filled: the row
/// within the first rows that matches the most distinct columns, including the
/// kind's required one; a second row below merged parents adds its children.
pub fn find_header(grid: &SheetGrid, kind: Kind, rules: &Rules) -> Option<Header> {
    find_header_in(grid, &HeaderRows::of(grid, rules), kind, rules)
}

/// [`find_header`] over header candidates already prepared.
pub fn find_header_in(
    grid: &SheetGrid,
    candidates: &HeaderRows,
    kind: Kind,
    rules: &Rules,
) -> Option<Header> {
    // Rows are scored without building a header; only the best is bound.
    let required = kind
        .columns()
        .iter()
        .position(|c| c.name == kind.required())
        .expect("every kind has its required column");
    let mut best: Option<(u32, &[HeaderCell], u32)> = None;
    for (row, cells) in &candidates.rows {
        // A header needs two columns: a row with fewer cells cannot be one.
        if cells.len() < 2 {
            continue;
        }
        let specs = matched_specs(kind, cells);
        let score = specs.count_ones();
        if score >= 2 && specs & 1 << required != 0 && best.is_none_or(|(_, _, b)| score > b) {
            best = Some((*row, cells, score));
        }
    }
    let best = best.map(|(row, cells, _)| bind(kind, row, row, cells));
    let single = best?;
    // A two-row header: children under merged parents (or under blanks, in
    // formats without merge information) add the columns the parent row lacks.
    let parent = single.first_row;
    let child = parent + 1;
    if child >= grid.row_count() {
        return Some(single);
    }
    // The columns under a parent merged across the row, gathered once: a
    // check of every merge for every child cell cost cells × merges.
    let under_merged_parent: HashSet<u32> = grid
        .merges
        .iter()
        .filter(|m| m.first.0 == parent && m.last.0 == parent && m.last.1 > m.first.1)
        .flat_map(|m| m.first.1..=m.last.1)
        .collect();
    let under_parent = |col: u32| under_merged_parent.contains(&col);
    let parent_cells = candidates
        .row(parent)
        .map_or_else(|| header_cells(grid, parent, rules), <[_]>::to_vec);
    let child_cells = candidates
        .row(child)
        .map_or_else(|| header_cells(grid, child, rules), <[_]>::to_vec);
    let parent_bound: HashSet<u32> = single.bindings.iter().map(|b| b.col).collect();
    let mut combined: HashMap<u32, HeaderCell> =
        parent_cells.into_iter().map(|c| (c.col, c)).collect();
    for cell in child_cells {
        let child_matches = cell.names(kind).is_some();
        if child_matches && (under_parent(cell.col) || !parent_bound.contains(&cell.col)) {
            combined.insert(cell.col, cell);
        }
    }
    let mut combined: Vec<HeaderCell> = combined.into_values().collect();
    combined.sort_by_key(|c| c.col);
    let two_rows = bind(kind, parent, child, &combined);
    Some(if two_rows.score() > single.score() {
        two_rows
    } else {
        single
    })
}

fn header_cells(grid: &SheetGrid, row: u32, rules: &Rules) -> Vec<HeaderCell> {
    let row_cells = grid.row_cells(row);
    // Sized once: grown cell by cell, each row's list was copied two or three
    // times into fresh memory, for 30 rows of every sheet.
    let texts = row_cells
        .iter()
        .filter(|c| matches!(c, CellValue::Text(_)))
        .count();
    let mut cells = Vec::with_capacity(texts);
    // One buffer for every cell's normalised form: most cells of the rows
    // tried are data, not headers, and keep nothing of it.
    let mut norm = String::new();
    for (col, cell) in (grid.origin.1..).zip(row_cells) {
        if let CellValue::Text(s) = cell {
            normalize_header_into(s, &mut norm);
            cells.push(HeaderCell {
                col,
                text: s.clone(),
                matches: rules.match_header_all(&norm).map(PackedMatch::new),
                yes_no: norm.contains("是否"),
                satisfaction_ignored: SATISFACTION_IGNORED.contains(&norm.as_str()),
            });
        }
    }
    cells
}

/// The canonical columns a row's cells name, as a bit set: what [`bind`]
/// would find, for scoring, without building the header.
fn matched_specs(kind: Kind, cells: &[HeaderCell]) -> u128 {
    cells
        .iter()
        .filter(|c| !(kind == Kind::Satisfaction && c.satisfaction_ignored))
        .filter_map(|c| c.names(kind))
        .fold(0, |m, (spec, _)| m | 1 << spec)
}

fn bind(kind: Kind, first_row: u32, last_row: u32, cells: &[HeaderCell]) -> Header {
    let specs = kind.columns();
    let mut header = Header {
        kind,
        first_row,
        last_row,
        bindings: Vec::new(),
        unmatched: Vec::new(),
        duplicates: Vec::new(),
    };
    for cell @ HeaderCell {
        col, text, yes_no, ..
    } in cells
    {
        let yes_no = *yes_no;
        if kind == Kind::Satisfaction && cell.satisfaction_ignored {
            continue;
        }
        let Some((spec, quality)) = cell.names(kind) else {
            header.unmatched.push((*col, text.to_string()));
            continue;
        };
        match header.bindings.iter_mut().find(|b| b.spec == spec) {
            // Vote counts of 4- and 5-level forms add into one column.
            Some(_) if specs[spec].ty == ColType::Count => header.bindings.push(Binding {
                col: *col,
                spec,
                quality,
                yes_no,
            }),
            Some(existing) if quality > existing.quality => {
                header
                    .duplicates
                    .push((existing.col, text.to_string(), specs[spec].name));
                *existing = Binding {
                    col: *col,
                    spec,
                    quality,
                    yes_no,
                };
            }
            Some(_) => header
                .duplicates
                .push((*col, text.to_string(), specs[spec].name)),
            None => header.bindings.push(Binding {
                col: *col,
                spec,
                quality,
                yes_no,
            }),
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_match_gives_back_the_match_it_was_made_of() {
        let cases = [
            None,
            Some((0, MatchQuality::Exact)),
            Some((0, MatchQuality::Contained(1))),
            Some((17, MatchQuality::Contained(6))),
            Some((42, MatchQuality::Exact)),
        ];
        for m in cases {
            assert_eq!(PackedMatch::new(m).get(), m);
        }
        // Ordering of qualities survives packing, since scoring compares them.
        let short = PackedMatch::new(Some((3, MatchQuality::Contained(2)))).get();
        let long = PackedMatch::new(Some((3, MatchQuality::Contained(5)))).get();
        assert!(long.unwrap().1 > short.unwrap().1);
    }
}
