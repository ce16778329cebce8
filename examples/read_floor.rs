//! The physical floor for `taizhang ingest` (issue 6): open every workbook
//! under the given folders with calamine, touch every cell of every sheet and
//! load the merged regions — nothing else — on the same rayon pool size as
//! ingest (`RAYON_NUM_THREADS`, default: all cores).
//!
//!     cargo run --release --example read_floor -- DIR...
//!
//! Prints files, sheets, cells and wall time; compare with
//! `/usr/bin/time taizhang ingest DIR` on an empty workspace.

use calamine::{Data, Reader, open_workbook_auto};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| matches!(x.to_str(), Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods")))
        {
            out.push(p);
        }
    }
}

/// (sheets, cells, merged regions) of one workbook; unreadable files count 0.
fn read(path: &Path) -> (usize, usize, usize) {
    let Ok(mut book) = open_workbook_auto(path) else {
        return (0, 0, 0);
    };
    let mut merged = 0;
    let mut cells = 0;
    let names = book.sheet_names();
    for name in &names {
        if let calamine::Sheets::Xlsx(x) = &mut book {
            merged += x.merge_cells_by_sheet_name(name).map_or(0, |m| m.len());
        }
        if let Ok(range) = book.worksheet_range(name) {
            cells += range
                .used_cells()
                .filter(|(_, _, v)| !matches!(v, Data::Empty))
                .count();
        }
    }
    (names.len(), cells, merged)
}

fn main() {
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        walk(Path::new(&dir), &mut files);
    }
    files.sort();
    let start = Instant::now();
    let (sheets, cells, merged) = files
        .par_iter()
        .map(|p| read(p))
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    println!(
        "files {} sheets {sheets} cells {cells} merged {merged} threads {} wall {:.3} s",
        files.len(),
        rayon::current_num_threads(),
        start.elapsed().as_secs_f64()
    );
}
