//! `ingest --report FILE.xlsx|FILE.json`: what the clerk gets back. The Excel
//! form holds the clerk's own sheets with every faulty cell highlighted and the
//! message as a cell note, after a summary sheet; the JSON form holds the same
//! as data. The sheets are those the file's reading kept
//! ([`super::ParsedFile::marked_sheets`], the portal's upload), else the file
//! read again from its path (the CLI's report, written after the batch).

use rust_xlsxwriter::{Color, Format, Note, Workbook, XlsxError};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::read::{Format as FileFormat, ReadLimits, read_workbook};
use super::{FileOutcome, ImportSummary, Issue, Severity};
use crate::config::Limits;
use crate::error::{Error, Result};

/// Writes the report; the format follows the extension.
/// A file whose reading kept no sheets is read again under `limits`, as when
/// it was received.
pub fn write(path: &Path, report: &ImportSummary, limits: Limits, dry_run: bool) -> Result<()> {
    let bytes = render(path, report, limits, dry_run)?;
    crate::fsutil::write_bytes_atomic(path, &bytes)
}

/// The bytes [`write`] would write to `path`.
pub fn render(
    path: &Path,
    report: &ImportSummary,
    limits: Limits,
    dry_run: bool,
) -> Result<Vec<u8>> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "json" => serde_json::to_vec_pretty(&report.to_json(dry_run))?,
        "xlsx" => excel(report, limits).map_err(|e| Error::Io {
            path: path.into(),
            source: std::io::Error::other(e.to_string()),
        })?,
        _ => {
            return Err(Error::Usage(format!(
                "报告须为 .xlsx 或 .json / --report must end in .xlsx or .json: {}",
                path.display()
            )));
        }
    };
    Ok(bytes)
}

fn excel(report: &ImportSummary, limits: Limits) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let error_fill = Format::new().set_background_color(Color::RGB(0xFFC7CE));
    let warning_fill = Format::new().set_background_color(Color::RGB(0xFFEB9C));

    let summary = wb.add_worksheet().set_name("汇总 summary")?;
    let header = [
        "文件 file",
        "工作表 sheet",
        "单元格 cell",
        "级别 severity",
        "代码 code",
        "说明",
        "message",
        "值 value",
    ];
    for (c, h) in header.iter().enumerate() {
        summary.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    summary.set_freeze_panes(1, 0)?;
    let mut row = 1;
    for f in &report.files {
        let FileOutcome::Read { parsed, .. } = &f.outcome else {
            continue;
        };
        let file = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for i in &parsed.issues {
            let cells = [
                file.as_str(),
                i.sheet.as_deref().unwrap_or(""),
                i.cell.as_deref().unwrap_or(""),
                i.severity.as_str(),
                i.code.as_str(),
                &i.message_zh,
                &i.message_en,
                i.value.as_deref().unwrap_or(""),
            ];
            for (c, v) in cells.iter().enumerate() {
                // Always as text: a ledger's "=..." must never run as a formula here.
                summary.write_string(row, c as u16, *v)?;
            }
            row += 1;
        }
    }

    // The clerk's own sheets, with the faulty cells marked.
    let mut used_names = HashSet::new();
    for f in &report.files {
        let FileOutcome::Read { parsed, .. } = &f.outcome else {
            continue;
        };
        if parsed.issues.iter().all(|i| i.cell.is_none()) {
            continue;
        }
        let name = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let read_again;
        let grids = match &parsed.marked_sheets {
            Some(kept) => kept,
            None => {
                let (Ok(bytes), Some(format)) =
                    (std::fs::read(&f.path), FileFormat::from_file_name(&name))
                else {
                    continue;
                };
                let Ok(Ok(grids)) = super::read::quiet_panic::catch(|| {
                    read_workbook(&bytes, format, ReadLimits::for_file(limits))
                }) else {
                    continue;
                };
                read_again = grids;
                &read_again
            }
        };
        let mut by_sheet: BTreeMap<&str, Vec<&Issue>> = BTreeMap::new();
        for i in parsed.issues.iter().filter(|i| i.cell.is_some()) {
            by_sheet
                .entry(i.sheet.as_deref().unwrap_or(""))
                .or_default()
                .push(i);
        }
        for grid in grids {
            let Some(issues) = by_sheet.get(grid.name.as_str()) else {
                continue;
            };
            let ws = copy_sheet(
                &mut wb,
                grid,
                &sheet_name(&name, &grid.name, &mut used_names),
            )?;
            for issue in issues {
                let (Some(row), Some(col)) = (
                    issue.row.map(|r| r - 1),
                    issue.cell.as_deref().and_then(column_of),
                ) else {
                    continue;
                };
                let fill = if issue.severity == Severity::Error {
                    &error_fill
                } else {
                    &warning_fill
                };
                let note = format!(
                    "[{}] {}\n{}",
                    issue.code.as_str(),
                    issue.message_zh,
                    issue.message_en
                );
                mark(ws, grid, row, col, fill, &note)?;
            }
        }
    }
    wb.save_to_buffer()
}

/// The clerk's sheet `grid` as a new worksheet of `wb` named `name`, every
/// value as text (a ledger's "=..." never runs as a formula here).
fn copy_sheet<'a>(
    wb: &'a mut Workbook,
    grid: &super::read::SheetGrid,
    name: &str,
) -> Result<&'a mut rust_xlsxwriter::Worksheet, XlsxError> {
    let ws = wb.add_worksheet().set_name(name)?;
    for r in grid.origin.0..grid.row_count() {
        for c in grid.origin.1..grid.col_count() {
            let text = grid.cell(r, c).as_text();
            if !text.is_empty() {
                ws.write_string(r, c as u16, &text)?;
            }
        }
    }
    Ok(ws)
}

/// Fills the cell at 0-based (`row`, `col`) and attaches `note` to it.
fn mark(
    ws: &mut rust_xlsxwriter::Worksheet,
    grid: &super::read::SheetGrid,
    row: u32,
    col: u16,
    fill: &Format,
    note: &str,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, col, grid.cell(row, u32::from(col)).as_text(), fill)?;
    ws.insert_note(row, col, &Note::new(note).set_author("taizhang"))?;
    Ok(())
}

/// A cell a figure cites, to be marked in its workbook: the sheet, the A1
/// cell, and the note to attach.
#[derive(Debug, Clone, PartialEq)]
pub struct Cited {
    pub sheet: String,
    pub cell: String,
    pub note: String,
}

/// The clerk's workbook `bytes` (received as `file_name`) with the cells
/// `cited` marked: each sheet that holds a cited cell, copied as text, the
/// cell filled and its note attached (可核实: the figure's cells as the clerk
/// wrote them). Read under `limits`, as when it was received.
pub fn cited(bytes: &[u8], file_name: &str, limits: Limits, cited: &[Cited]) -> Result<Vec<u8>> {
    let unreadable = |why: String| {
        Error::Usage(format!(
            "无法读取 {file_name} / cannot read {file_name}: {why}"
        ))
    };
    let format =
        FileFormat::from_file_name(file_name).ok_or_else(|| unreadable("not a workbook".into()))?;
    let grids = super::read::quiet_panic::catch(|| {
        read_workbook(bytes, format, ReadLimits::for_file(limits))
    })
    .map_err(unreadable)?
    .map_err(|e| unreadable(e.to_string()))?;
    let fill = Format::new().set_background_color(Color::RGB(0xBDD7EE));
    let xlsx = |e: XlsxError| unreadable(e.to_string());
    let mut wb = Workbook::new();
    let mut used_names = HashSet::new();
    for grid in &grids {
        let marks: Vec<&Cited> = cited.iter().filter(|c| c.sheet == grid.name).collect();
        if marks.is_empty() {
            continue;
        }
        let ws = copy_sheet(
            &mut wb,
            grid,
            &sheet_name(file_name, &grid.name, &mut used_names),
        )
        .map_err(xlsx)?;
        for c in marks {
            let (Some(col), Some(row)) = (column_of(&c.cell), row_of(&c.cell)) else {
                continue;
            };
            mark(ws, grid, row, col, &fill, &c.note).map_err(xlsx)?;
        }
    }
    if used_names.is_empty() {
        return Err(Error::Usage(format!(
            "{file_name} 中没有所引用的工作表 / {file_name} holds none of the cited sheets"
        )));
    }
    wb.save_to_buffer().map_err(xlsx)
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(file: &str, sheet: &str, used: &mut HashSet<String>) -> String {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let clean = |s: &str| {
        s.chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .collect::<String>()
    };
    let base: String = clean(&format!("{}-{}", stem, sheet))
        .chars()
        .take(28)
        .collect();
    let mut name = base.clone();
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// The 0-based column of an A1 reference.
fn column_of(cell: &str) -> Option<u16> {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    if letters.is_empty() {
        return None;
    }
    let n = letters.bytes().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    u16::try_from(n - 1).ok()
}

/// The 0-based row of an A1 reference.
fn row_of(cell: &str) -> Option<u32> {
    let digits = cell.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    digits.parse::<u32>().ok()?.checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cited_cell_is_marked_in_its_sheet_with_its_note() {
        let kind = crate::ledger::Kind::Tasks;
        let bytes = crate::template::workbook(kind, &[crate::template::example_row(kind)]).unwrap();
        let grids = read_workbook(
            &bytes,
            FileFormat::Xlsx,
            ReadLimits::for_file(Limits::default()),
        )
        .unwrap();
        let sheet = grids[0].name.clone();
        let marked = cited(
            &bytes,
            "台账.xlsx",
            Limits::default(),
            &[Cited {
                sheet: sheet.clone(),
                cell: "B4".into(),
                note: "可核实".into(),
            }],
        )
        .unwrap();
        let back = read_workbook(
            &marked,
            FileFormat::Xlsx,
            ReadLimits::for_file(Limits::default()),
        )
        .unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].cell(3, 1).as_text(), grids[0].cell(3, 1).as_text());
        // The note is attached (a comments part naming it) and the cell filled.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(marked.clone())).unwrap();
        let mut part = |name: &str| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
            text
        };
        assert!(part("xl/comments1.xml").contains("可核实"));
        assert!(part("xl/styles.xml").contains("BDD7EE"));
        let none = cited(
            &bytes,
            "台账.xlsx",
            Limits::default(),
            &[Cited {
                sheet: "nope".into(),
                cell: "A1".into(),
                note: String::new(),
            }],
        );
        assert!(none.is_err());
        assert_eq!(row_of("B4"), Some(3));
        assert_eq!(row_of("B"), None);
    }

    /// The parts of an xlsx that hold what a clerk sees: the sheets, their
    /// shared strings, notes and fills (not its creation time).
    fn visible_parts(xlsx: &[u8]) -> Vec<(String, String)> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
        let mut parts = Vec::new();
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            if name.starts_with("docProps/") {
                continue;
            }
            let mut text = String::new();
            std::io::Read::read_to_string(&mut part, &mut text).unwrap();
            parts.push((name, text));
        }
        parts.sort();
        parts
    }

    /// The portal's feedback is made from the sheets its reading kept: the
    /// same workbook as from the file read again, and made with the file gone.
    #[test]
    fn the_feedback_from_the_kept_sheets_is_the_feedback_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("旌阳区2024年第二季度改革任务台账.xlsx");
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad_rows.xlsx"),
            &path,
        )
        .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let roster = crate::normalize::Roster::from_csv(crate::workspace::DEFAULT_ROSTER).unwrap();
        let config = crate::config::Config::default();
        let rules = config.rules();
        let hints = crate::ingest::Hints {
            region_flag: Some("510603".into()),
            period_flag: Some("2024Q2".parse().unwrap()),
            ..Default::default()
        };
        let feedback = |keep: bool| {
            let ctx = crate::ingest::Context {
                roster: &roster,
                rules: &rules,
                limits: config.limits,
                keep_marked_sheets: keep,
            };
            let parsed = crate::ingest::parse::parse_file(
                &bytes,
                &path.file_name().unwrap().to_string_lossy(),
                &hints,
                ctx,
            );
            assert_eq!(parsed.marked_sheets.is_some(), keep);
            let report = ImportSummary {
                files: vec![crate::ingest::FileReport {
                    path: path.clone(),
                    sha256: None,
                    outcome: FileOutcome::Read {
                        parsed: Box::new(parsed),
                        submissions: Vec::new(),
                    },
                }],
                ..ImportSummary::default()
            };
            excel(&report, config.limits).unwrap()
        };
        let kept = visible_parts(&feedback(true));
        let read_again = visible_parts(&feedback(false));
        assert!(
            kept.iter()
                .any(|(name, text)| name.starts_with("xl/comments") && text.contains("taizhang")),
            "the faulty cells are noted"
        );
        assert_eq!(kept, read_again);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(visible_parts(&feedback(true)), kept, "the file is not read");
        assert_ne!(visible_parts(&feedback(false)), kept, "the file is gone");
    }

    #[test]
    fn columns_and_sheet_names() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("AA10"), Some(26));
        assert_eq!(column_of("12"), None);
        let mut used = HashSet::new();
        let a = sheet_name(
            "德阳市2024年第一季度改革任务台账（更正）.xlsx",
            "2024年一季度",
            &mut used,
        );
        let b = sheet_name(
            "德阳市2024年第一季度改革任务台账（更正）.xlsx",
            "2024年一季度",
            &mut used,
        );
        assert!(a.chars().count() <= 31 && b.chars().count() <= 31 && a != b);
    }
}
