//! Merged regions of every worksheet of an xlsx file, read without parsing
//! its cells again, and whether its cells hold any formula.
//!
//! calamine's `merge_cells_by_sheet_name` re-reads the whole sheet XML event
//! by event to reach `<mergeCells>`, which sits after the last cell: on the
//! national benchmark that second pass was 35 % of all the work of reading a
//! workbook. Here each sheet part is only inflated, through a small window
//! that stays in cache, the closing `sheetData` tag is found by a byte search,
//! and only what follows it is kept and parsed as XML. Anything unexpected
//! returns `None` and the caller falls back to calamine.
//!
//! The same pass notes whether a sheet has any formula: one that has none
//! is read with calamine's plain cell reader, which skips the formula
//! bookkeeping that is only needed to flag formulas saved without a result.

use calamine::Dimensions;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// The largest part scanned here (and the most of one read into memory).
const MAX_SHEET_XML: u64 = 256 << 20;

/// What this pass learns about one sheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetExtras {
    pub merges: Vec<Dimensions>,
    /// Whether any cell may hold a formula (never false when one does).
    pub formulas: bool,
}

/// Sheet name → its merged regions, for every worksheet of the workbook
/// (a sheet left out is read by calamine instead).
pub fn merged_regions(bytes: &[u8]) -> Option<HashMap<String, SheetExtras>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let workbook = read_part(&mut zip, "xl/workbook.xml")?;
    let rels = read_part(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let targets = relationship_targets(&rels)?;
    let mut out = HashMap::new();
    let mut window = SPARE_WINDOW.take();
    window.resize(WINDOW + CARRY, 0);
    for (name, rel_id) in sheet_ids(&workbook)? {
        // Chartsheets and sheets without a part have no cells either.
        let Some(target) = targets.get(&rel_id) else {
            continue;
        };
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("xl/{target}"),
        };
        // Past 256 MB (more than its cells would take in the grid anyway)
        // calamine's own pass is used: what follows the cells is kept whole.
        let Ok(entry) = zip.by_name(&path) else {
            continue;
        };
        let size = entry.size();
        if size > MAX_SHEET_XML {
            continue;
        }
        let extras = scan_sheet(entry.take(size), &mut window);
        out.insert(name, extras?);
    }
    SPARE_WINDOW.set(window);
    Some(out)
}

thread_local! {
    /// The window the last workbook on this thread was scanned through: a
    /// fresh one, zeroed, for every workbook was most of this pass's writes
    /// to memory.
    static SPARE_WINDOW: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
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

/// Bytes of a sheet part inflated at a time.
const WINDOW: usize = 64 << 10;

/// Bytes of each window carried into the next: a tag or needle cut by the
/// window's end is seen whole in the next, with room to look back for a
/// namespace prefix.
const CARRY: usize = 64;

/// A sheet part without cells is kept whole up to this size, to find its merges.
const MAX_HEAD: usize = 1 << 20;

/// The merges and formula flag of one sheet part held in memory.
#[cfg(test)]
fn sheet_extras(xml: &[u8]) -> Option<SheetExtras> {
    scan_sheet(xml, &mut vec![0; WINDOW + CARRY])
}

/// The merges and formula flag of one sheet part, read as it is inflated, a
/// window at a time (`window` is the buffer, `CARRY` bytes longer than a
/// window). Only what follows the cells is kept: the whole part used to be
/// inflated into one buffer — zeroed, filled and scanned, the largest
/// allocation of reading a workbook, and most of it cells that calamine
/// inflates and parses again anyway.
fn scan_sheet(mut part: impl Read, window: &mut [u8]) -> Option<SheetExtras> {
    let mut formulas = false;
    // From the closing `sheetData` tag on, once found.
    let mut tail: Option<Vec<u8>> = None;
    // The part so far while it has shown no `sheetData` tag at all.
    let mut head: Option<Vec<u8>> = Some(Vec::new());
    // Bytes at the window's front carried from the one before.
    let mut carried = 0;
    // The window's offset in the part, and the first offset at which a
    // `sheetData` has not been looked at yet.
    let mut offset = 0usize;
    let mut unseen = 0usize;
    loop {
        let read = loop {
            match part.read(&mut window[carried..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other.ok()?,
            }
        };
        let at_end = read == 0;
        let len = carried + read;
        let w = &window[..len];
        let mut keep_from = len.saturating_sub(CARRY);
        if let Some(t) = &mut tail {
            t.extend_from_slice(&w[carried..]);
        } else {
            let mut cells_end = len;
            for i in memchr::memmem::find_iter(w, b"sheetData") {
                if offset + i < unseen {
                    continue;
                }
                match sheet_data_tag(w, i, at_end) {
                    Tag::Unfinished => {
                        keep_from = keep_from.min(i.saturating_sub(CARRY));
                        cells_end = i;
                        break;
                    }
                    Tag::Closing(start) => {
                        cells_end = start;
                        tail = Some(w[start..].to_vec());
                        head = None;
                        break;
                    }
                    Tag::Opening => head = None,
                    Tag::Other => {}
                }
                unseen = offset + i + 1;
            }
            formulas = formulas || has_formula(&w[..cells_end]);
            // Kept only while no `sheetData` has shown (the opening tag is
            // nearly always in the first window).
            if let Some(h) = &mut head {
                h.extend_from_slice(&w[carried..]);
                if h.len() > MAX_HEAD {
                    head = None;
                }
            }
        }
        if at_end {
            break;
        }
        if tail.is_some() {
            carried = 0;
        } else {
            carried = len - keep_from;
            // A `sheetData` tag that fills the window is no sheet Excel wrote.
            if window.len() - carried < CARRY {
                return None;
            }
            window.copy_within(keep_from..len, 0);
            offset += keep_from;
        }
    }
    let merges = match (tail, head) {
        (Some(tail), _) => merges_in_sheet(&tail)?,
        // No cells at all (a chart sheet): its merges, if any, are anywhere.
        (None, Some(whole)) => merges_in_sheet(&whole)?,
        // Cells never closed, or a long part without them: calamine decides.
        (None, None) => return None,
    };
    Some(SheetExtras { merges, formulas })
}

/// What a `sheetData` found at `at` in `w` is.
enum Tag {
    /// `</sheetData>` or `<sheetData/>` (any prefix): the cells end at `.0`,
    /// the tag's `<`.
    Closing(usize),
    /// `<sheetData>`: the cells start.
    Opening,
    /// Text, or part of another name.
    Other,
    /// Cut by the window's end: seen whole in the next window.
    Unfinished,
}

fn sheet_data_tag(w: &[u8], at: usize, at_end: bool) -> Tag {
    let name_end = at + b"sheetData".len();
    // Back over a namespace prefix (`x:`), then the `<` or `</`.
    let mut start = at;
    if start > 0 && w[start - 1] == b':' {
        start -= 1;
        while start > 0
            && matches!(w[start - 1], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.')
        {
            start -= 1;
        }
    }
    let closing = start >= 2 && w[start - 1] == b'/' && w[start - 2] == b'<';
    let opening = !closing && start >= 1 && w[start - 1] == b'<';
    // The name must end there, and the tag must be seen to its `>`.
    let Some(end) = w[name_end..]
        .iter()
        .position(|&b| b == b'>')
        .map(|p| name_end + p)
    else {
        return if at_end || !(closing || opening) {
            Tag::Other
        } else {
            Tag::Unfinished
        };
    };
    if !matches!(w[name_end], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n') {
        return Tag::Other;
    }
    match (closing, opening) {
        (true, _) => Tag::Closing(start - 2),
        (false, true) if w[end - 1] == b'/' => Tag::Closing(start - 1),
        (false, true) => Tag::Opening,
        (false, false) => Tag::Other,
    }
}

/// Whether the cells hold a formula element: `<f>`, `<f …>` or `<f/>`, with
/// any namespace prefix. Text and attribute values cannot hold a raw `<`, so
/// `<f` is always a tag; `:f` may also be text, which only costs the slower
/// reader.
fn has_formula(cells: &[u8]) -> bool {
    let tag_at = |needle: &[u8]| {
        memchr::memmem::find_iter(cells, needle).any(|at| {
            matches!(
                cells.get(at + needle.len()),
                Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
            )
        })
    };
    tag_at(b"<f") || tag_at(b":f")
}

/// The merged regions in the tail of a sheet part (from its last
/// `sheetData` tag on, after the cells).
pub fn merges_in_sheet(tail: &[u8]) -> Option<Vec<Dimensions>> {
    // Comments and CDATA could hide a tag from a byte search; Excel writes
    // neither, so they take the XML reader.
    let plain = memchr::memmem::find(tail, b"<!").is_none();
    match plain.then(|| merge_refs(tail)) {
        Some(merges) => Some(merges),
        None => merges_parsed(tail),
    }
}

/// The `ref` of every `mergeCell` tag (any prefix), found by byte search: a
/// national ledger merges a few hundred ranges per sheet (tasks spanning two
/// rows), and reading them as XML events, each attribute copied, cost more
/// than the rest of this pass's parsing.
fn merge_refs(tail: &[u8]) -> Vec<Dimensions> {
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(tail, b"mergeCell") {
        let name_end = at + b"mergeCell".len();
        // `mergeCells` or a longer name, or not at a tag's start (after `<`
        // or a prefix's `:`): not a merge.
        let after_name = tail.get(name_end).copied();
        let before_name = at.checked_sub(1).map(|i| tail[i]);
        if !matches!(after_name, Some(b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
            || !matches!(before_name, Some(b'<' | b':'))
        {
            continue;
        }
        let tag_end = memchr::memchr(b'>', &tail[name_end..]).map_or(tail.len(), |p| name_end + p);
        let Some(value) = attribute_value(&tail[name_end..tag_end], b"ref") else {
            continue;
        };
        if let Some(d) = std::str::from_utf8(value).ok().and_then(parse_range) {
            out.push(d);
        }
    }
    out
}

/// The value of attribute `name` (without prefix) in a tag's attribute bytes.
fn attribute_value<'a>(attrs: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut rest = attrs;
    loop {
        let at = memchr::memmem::find(rest, name)?;
        let before = at.checked_sub(1).map(|i| rest[i]);
        let after = &rest[at + name.len()..];
        let value = after
            .trim_ascii_start()
            .strip_prefix(b"=")
            .map(<[u8]>::trim_ascii_start)
            .filter(|_| matches!(before, Some(b' ' | b'\t' | b'\r' | b'\n')));
        if let Some(value) = value
            && let [quote @ (b'"' | b'\''), value @ ..] = value
            && let Some(end) = memchr::memchr(*quote, value)
        {
            return Some(&value[..end]);
        }
        rest = after;
    }
}

/// [`merges_in_sheet`] by the XML reader.
fn merges_parsed(tail: &[u8]) -> Option<Vec<Dimensions>> {
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
        let merges = sheet_extras(xml).unwrap().merges;
        let corners: Vec<_> = merges.iter().map(|d| (d.start, d.end)).collect();
        assert_eq!(corners, vec![((0, 0), (0, 2)), ((1, 0), (3, 0))]);
    }

    /// Sheet parts cut into windows at every place: the same findings as
    /// when the part is read in one window.
    #[test]
    fn any_window_finds_the_same_merges_and_formulas() {
        let mut cells = String::new();
        for r in 1..=40 {
            cells.push_str(&format!(
                r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>sheetData &lt;/sheetData&gt; 第{r}行</t></is></c><c r="B{r}"><v>{r}</v></c></row>"#
            ));
        }
        let merges = r#"<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="B2:B9"/></mergeCells>"#;
        let plain = format!("<worksheet><sheetData>{cells}</sheetData>{merges}</worksheet>");
        let with_formula = plain.replace(r#"<v>39</v>"#, r#"<f>B38+1</f><v>39</v>"#);
        let prefixed = format!(
            "<x:worksheet><x:sheetData>{}</x:sheetData>{}</x:worksheet>",
            cells.replace("<row", "<x:row").replace("</row", "</x:row"),
            merges
                .replace("<merge", "<x:merge")
                .replace("</merge", "</x:merge")
        );
        let empty = format!("<worksheet><sheetData />{merges}</worksheet>");
        for xml in [&plain, &with_formula, &prefixed, &empty] {
            let whole = scan_sheet(xml.as_bytes(), &mut vec![0; xml.len() + CARRY + 1])
                .expect("read in one window");
            assert_eq!(whole.merges.len(), 2, "{xml}");
            assert_eq!(whole.formulas, std::ptr::eq(xml, &with_formula));
            for size in 3 * CARRY..3 * CARRY + 130 {
                let cut = scan_sheet(xml.as_bytes(), &mut vec![0; size]);
                assert_eq!(cut.as_ref(), Some(&whole), "window of {size}");
            }
        }
    }

    #[test]
    fn merges_found_by_byte_search_are_those_the_xml_reader_finds() {
        for tail in [
            &br#"</sheetData><mergeCells count="3"><mergeCell ref="A1:C1"/><mergeCell  ref='B2:B9' /><mergeCell xr:uid="{x}" ref = "$D$4:E5"></mergeCell></mergeCells><pageMargins left="0.7"/>"#[..],
            br#"</x:sheetData><x:mergeCells><x:mergeCell ref="B2:C3"/></x:mergeCells>"#,
            // Not merges: another name, an attribute that only ends in ref, a bad range.
            br#"</sheetData><mergeCellsX ref="A1:B2"/><mergeCell href="A1:B2" ref="Z9"/><mergeCell ref="1:2"/>"#,
            br#"</sheetData>"#,
        ] {
            let corners = |v: Vec<Dimensions>| v.iter().map(|d| (d.start, d.end)).collect::<Vec<_>>();
            assert_eq!(
                corners(merge_refs(tail)),
                corners(merges_parsed(tail).unwrap()),
                "{}",
                String::from_utf8_lossy(tail)
            );
        }
        // A commented-out merge is no merge: comments take the XML reader.
        let commented = br#"</sheetData><!-- <mergeCell ref="A1:B2"/> --><mergeCells><mergeCell ref="C3:D4"/></mergeCells>"#;
        assert_eq!(merges_in_sheet(commented).unwrap().len(), 1);
    }

    #[test]
    fn a_part_whose_cells_never_end_is_left_to_calamine() {
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>"#;
        assert_eq!(sheet_extras(xml), None);
    }

    #[test]
    fn prefixed_elements_are_read() {
        let xml = br#"<x:worksheet xmlns:x="urn:x"><x:sheetData/><x:mergeCells><x:mergeCell ref="B2:C3"/></x:mergeCells></x:worksheet>"#;
        let merges = sheet_extras(xml).unwrap().merges;
        assert_eq!((merges[0].start, merges[0].end), ((1, 1), (2, 2)));
    }
}

#[cfg(test)]
mod formulas {
    use super::*;

    #[test]
    fn a_formula_element_in_the_cells_is_found_with_or_without_a_prefix() {
        for (xml, formulas) in [
            (&br#"<worksheet><sheetData><row><c r="A1"><f>B1*2</f><v>4</v></c></row></sheetData></worksheet>"#[..], true),
            (br#"<worksheet><sheetData><row><c r="A1"><f t="shared" ref="A1:A9" si="0"/></c></row></sheetData></worksheet>"#, true),
            (br#"<x:worksheet><x:sheetData><x:row><x:c r="A1"><x:f>B1</x:f></x:c></x:row></x:sheetData></x:worksheet>"#, true),
            // Text that only looks like one, and `<f…` tags after the cells.
            (br#"<worksheet><sheetData><row><c r="A1" t="inlineStr"><is><t>&lt;f&gt; x</t></is></c></row></sheetData><filterColumn/></worksheet>"#, false),
            (br#"<worksheet><sheetData><row><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#, false),
        ] {
            let extras = sheet_extras(xml).unwrap();
            assert_eq!(extras.formulas, formulas, "{}", String::from_utf8_lossy(xml));
        }
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
            assert_eq!(corners(&ours[&name].merges), corners(&theirs), "{name}");
        }
        assert_eq!(ours.len(), 3);
    }
}
