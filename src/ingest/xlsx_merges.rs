//! Merged regions of every worksheet of an xlsx file, read without parsing
//! its cells again.
//!
//! calamine's `merge_cells_by_sheet_name` re-reads the whole sheet XML event
//! by event to reach `<mergeCells>`, which sits after the last cell: on the
//! national benchmark that second pass was 35 % of all the work of reading a
//! workbook. Here each sheet part is only inflated, the end of `sheetData` is
//! found by a byte search, and only what follows it is parsed as XML.
//! Anything unexpected returns `None` and the caller falls back to calamine.

use calamine::Dimensions;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// The largest sheet part read into memory here.
const MAX_SHEET_XML: u64 = 256 << 20;

/// Sheet name → its merged regions, for every worksheet of the workbook
/// (a sheet left out is read by calamine instead).
pub fn merged_regions(bytes: &[u8]) -> Option<HashMap<String, Vec<Dimensions>>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let workbook = read_part(&mut zip, "xl/workbook.xml")?;
    let rels = read_part(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let targets = relationship_targets(&rels)?;
    let mut out = HashMap::new();
    for (name, rel_id) in sheet_ids(&workbook)? {
        // Chartsheets and sheets without a part have no cells either.
        let Some(target) = targets.get(&rel_id) else {
            continue;
        };
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("xl/{target}"),
        };
        // A sheet part is inflated whole; past 256 MB (more than its cells
        // would take in the grid anyway) calamine's streaming pass is used.
        if !zip.by_name(&path).is_ok_and(|e| e.size() <= MAX_SHEET_XML) {
            continue;
        }
        let Some(xml) = read_part(&mut zip, &path) else {
            continue;
        };
        out.insert(name, merges_in_sheet(&xml)?);
    }
    Some(out)
}

fn read_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let entry = zip.by_name(name).ok()?;
    let size = entry.size();
    let mut out = Vec::with_capacity(usize::try_from(size.min(MAX_SHEET_XML)).ok()?);
    // Never more than the entry declares, whatever its stream holds.
    entry.take(size).read_to_end(&mut out).ok()?;
    Some(out)
}

fn reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let config = r.config_mut();
    // The sheet's tail starts inside elements opened before it.
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.check_comments = false;
    r
}

/// The value of an attribute by local name (`r:id` and `id` both match `id`).
fn attribute(e: &quick_xml::events::BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// (sheet name, relationship id) in workbook order.
fn sheet_ids(workbook: &[u8]) -> Option<Vec<(String, String)>> {
    let mut r = reader(workbook);
    let mut out = Vec::new();
    loop {
        match r.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                out.push((attribute(&e, "name")?, attribute(&e, "id")?));
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

fn relationship_targets(rels: &[u8]) -> Option<HashMap<String, String>> {
    let mut r = reader(rels);
    let mut out = HashMap::new();
    loop {
        match r.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target)) = (attribute(&e, "Id"), attribute(&e, "Target")) {
                    out.insert(id, target);
                }
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

/// The merged regions of one sheet part: XML is parsed from the last
/// `sheetData` tag on (the cells come before it).
pub fn merges_in_sheet(xml: &[u8]) -> Option<Vec<Dimensions>> {
    let tail = match memrfind(xml, b"sheetData") {
        // Back to the `<` or `</` (with any namespace prefix) of that tag.
        Some(at) => &xml[xml[..at].iter().rposition(|&b| b == b'<')?..],
        None => xml,
    };
    let mut r = reader(tail);
    let mut out = Vec::new();
    loop {
        match r.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "mergeCell" => {
                if let Some(d) = attribute(&e, "ref").and_then(|v| parse_range(&v)) {
                    out.push(d);
                }
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

fn memrfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=haystack.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| &haystack[i..i + needle.len()] == needle)
}

/// `A1:C2` (or a single `A1`) as 0-based (row, col) corners.
fn parse_range(text: &str) -> Option<Dimensions> {
    let (a, b) = text.split_once(':').unwrap_or((text, text));
    let start = parse_cell(a)?;
    let end = parse_cell(b)?;
    Some(Dimensions { start, end })
}

fn parse_cell(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().trim_start_matches('$');
    let split = text.find(|c: char| !c.is_ascii_alphabetic())?;
    let (letters, digits) = text.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let col = letters.bytes().try_fold(0u32, |acc, b| {
        Some(acc * 26 + u32::from(b.to_ascii_uppercase().checked_sub(b'A')?) + 1)
    })?;
    let row: u32 = digits.trim_start_matches('$').parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_zero_based_corners() {
        let d = parse_range("B3:AA10").unwrap();
        assert_eq!((d.start, d.end), ((2, 1), (9, 26)));
        let d = parse_range("$A$1").unwrap();
        assert_eq!((d.start, d.end), ((0, 0), (0, 0)));
        assert!(parse_range("A0:B1").is_none());
        assert!(parse_range("1:2").is_none());
    }

    #[test]
    fn only_merges_after_the_cells_count() {
        // A cell whose text names sheetData and mergeCell is not a merge.
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lt;mergeCell ref="Z1:Z9"/&gt; sheetData</t></is></c></row></sheetData><mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A2:A4"></mergeCell></mergeCells></worksheet>"#;
        let merges = merges_in_sheet(xml).unwrap();
        let corners: Vec<_> = merges.iter().map(|d| (d.start, d.end)).collect();
        assert_eq!(corners, vec![((0, 0), (0, 2)), ((1, 0), (3, 0))]);
    }

    #[test]
    fn prefixed_elements_are_read() {
        let xml = br#"<x:worksheet xmlns:x="urn:x"><x:sheetData/><x:mergeCells><x:mergeCell ref="B2:C3"/></x:mergeCells></x:worksheet>"#;
        let merges = merges_in_sheet(xml).unwrap();
        assert_eq!((merges[0].start, merges[0].end), ((1, 1), (2, 2)));
    }
}

#[cfg(test)]
mod against_calamine {
    use super::*;
    use calamine::{Reader, Xlsx};

    /// Every merge of a generated workbook, as calamine reads them.
    #[test]
    fn the_same_merges_as_calamine() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let format = rust_xlsxwriter::Format::new();
        let ws = wb.add_worksheet().set_name("台账 & <说明>").unwrap();
        ws.merge_range(0, 0, 0, 5, "标题", &format).unwrap();
        ws.merge_range(3, 1, 6, 1, "任务", &format).unwrap();
        ws.write_string(2, 0, "sheetData").unwrap();
        let ws = wb.add_worksheet().set_name("Sheet2").unwrap();
        ws.write_string(0, 0, "x").unwrap();
        let ws = wb.add_worksheet().set_name("Sheet3").unwrap();
        ws.merge_range(10, 10, 12, 30, "宽", &format).unwrap();
        let bytes = wb.save_to_buffer().unwrap();

        let ours = merged_regions(&bytes).expect("a plain workbook is read");
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        for name in book.sheet_names() {
            let theirs = book.merge_cells_by_sheet_name(&name).unwrap();
            let corners = |v: &[Dimensions]| v.iter().map(|d| (d.start, d.end)).collect::<Vec<_>>();
            assert_eq!(corners(&ours[&name]), corners(&theirs), "{name}");
        }
        assert_eq!(ours.len(), 3);
    }
}
