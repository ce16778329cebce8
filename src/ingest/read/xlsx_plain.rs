//! xlsx workbooks read in one pass over each part, without calamine, when
//! they keep to the plain form that Excel, WPS and the common libraries
//! write. Anything else — a namespace prefix, a comment, CDATA, an
//! entity this reader does not know, a number it would have to guess at —
//! makes [`open`] or [`SheetCells::next_cell`] give up (`None` or [`Bail`]), and
//! the caller reads the whole workbook with calamine instead. Wherever
//! calamine reads a workbook, the result is calamine's: the tests compare the
//! two readers cell by cell, on every fixture and on thousands of damaged
//! copies of them.
//!
//! Why: calamine parses every part as a stream of XML events, attribute by
//! attribute, and a sheet's merged regions sit after its cells, so reading a
//! sheet took two inflations of its part and an event parser over both. On
//! the national benchmark that was more than half of ingest's CPU time, more
//! than normalising, Arrow, Parquet and the archive together. Here each part
//! is inflated once into a reused buffer and scanned with byte searches.
//!
//! The rules followed are calamine 0.38's (`xlsx/mod.rs`, `cells_reader.rs`,
//! `formats.rs`, MIT): the same sheets in the same order, the same shared
//! strings (rich-text runs joined, phonetic runs left out, ASCII blanks
//! trimmed unless `xml:space="preserve"`), the same number formats taken for
//! dates, the same value for each cell type.

use calamine::{CellErrorType, DataRef, Dimensions, ExcelDateTime, ExcelDateTimeType};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Parts larger than this are left to calamine, which streams them. Up to
/// it, a part held whole costs no more than calamine's own tables: the
/// benchmark's 200,000-row workbook (an 80 MB sheet part, 36 MB of shared
/// strings) peaks at 278 MB read here, 262–276 MB read by calamine, and is
/// read in two thirds of the time.
const MAX_PART: u64 = 128 << 20;

/// This reader gave up on the workbook: read it with calamine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

/// An open workbook: its parts, and what its sheets' cells refer to.
pub struct Book<'b> {
    zip: zip::ZipArchive<Cursor<&'b [u8]>>,
    /// Lower-cased part name → the name in the archive, as calamine looks
    /// parts up.
    paths: HashMap<String, String>,
    /// Worksheets (not chart or dialog sheets), in workbook order: name, part.
    pub sheets: Vec<(String, String)>,
    pub meta: Meta,
}

/// What cells refer to: shared strings and number formats.
pub struct Meta {
    strings: Strings,
    formats: Vec<Format>,
    is_1904: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Other,
    DateTime,
    TimeDelta,
}

/// The shared-string table in one buffer. Each entry is followed by a NUL,
/// so no two entries start at the same address (the caller keys cleaned
/// strings by address).
#[derive(Default)]
struct Strings {
    text: String,
    spans: Vec<(u32, u32)>,
}

impl Strings {
    fn get(&self, i: usize) -> Option<&str> {
        let &(start, end) = self.spans.get(i)?;
        Some(&self.text[start as usize..end as usize])
    }

    fn push(&mut self, s: &str) -> Option<()> {
        let start = u32::try_from(self.text.len()).ok()?;
        self.text.push_str(s);
        let end = u32::try_from(self.text.len()).ok()?;
        self.text.push('\0');
        self.spans.push((start, end));
        Some(())
    }
}

/// Opens `bytes` as an xlsx workbook this reader can read, or `None`;
/// `buf` is room to inflate its parts into.
pub fn open<'b>(bytes: &'b [u8], buf: &mut Vec<u8>) -> Option<Book<'b>> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut paths = HashMap::with_capacity(zip.len());
    for name in zip.file_names() {
        let name = name.ok()?;
        paths.insert(
            name.replace('\\', "/").to_ascii_lowercase(),
            name.into_owned(),
        );
    }
    let mut book = Book {
        zip,
        paths,
        sheets: Vec::new(),
        meta: Meta {
            strings: Strings::default(),
            formats: Vec::new(),
            is_1904: false,
        },
    };
    // The main part must be where nearly every writer puts it.
    book.part("_rels/.rels", buf)?.ok()?;
    if office_document(buf)? != "xl/workbook.xml" {
        return None;
    }
    if book.part("xl/sharedStrings.xml", buf)?.is_ok() {
        book.meta.strings = shared_strings(std::str::from_utf8(buf).ok()?)?;
    }
    if book.part("xl/styles.xml", buf)?.is_ok() {
        book.meta.formats = cell_formats(buf)?;
    }
    book.part("xl/_rels/workbook.xml.rels", buf)?.ok()?;
    let rels = relationships(buf)?;
    book.part("xl/workbook.xml", buf)?.ok()?;
    let (sheets, is_1904) = workbook_sheets(buf, &rels)?;
    book.sheets = sheets;
    book.meta.is_1904 = is_1904;
    Some(book)
}

impl Book<'_> {
    /// Inflates a part into `buf`: `Some(Ok)` read, `Some(Err)` absent,
    /// `None` unreadable or too large.
    fn part(&mut self, name: &str, buf: &mut Vec<u8>) -> Option<Result<(), ()>> {
        buf.clear();
        let Some(actual) = self.paths.get(&name.to_ascii_lowercase()) else {
            return Some(Err(()));
        };
        let entry = self.zip.by_name(actual).ok()?;
        let size = entry.size();
        if size > MAX_PART {
            return None;
        }
        buf.reserve(usize::try_from(size).ok()?);
        entry.take(size).read_to_end(buf).ok()?;
        Some(Ok(()))
    }

    /// Inflates a worksheet part into `buf`, for [`Meta::cells`].
    pub fn sheet_part(&mut self, path: &str, buf: &mut Vec<u8>) -> Option<()> {
        self.part(path, buf)?.ok()
    }
}

/// The `Target` of the package's officeDocument relationship.
fn office_document(rels: &[u8]) -> Option<String> {
    let mut r = reader(rels);
    loop {
        match r.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                let ty = attr(&e, "Type")?;
                if ty.is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                    return attr(&e, "Target")?;
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Relationship id → (target, type).
fn relationships(rels: &[u8]) -> Option<HashMap<String, (String, String)>> {
    let mut r = reader(rels);
    let mut out = HashMap::new();
    loop {
        match r.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                if let Some(id) = attr(&e, "Id")? {
                    let target = attr(&e, "Target")?.unwrap_or_default();
                    let ty = attr(&e, "Type")?.unwrap_or_default();
                    out.insert(id, (target, ty));
                }
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

/// The worksheets (name, part) in workbook order, and the 1904 date flag.
fn workbook_sheets(
    xml: &[u8],
    rels: &HashMap<String, (String, String)>,
) -> Option<(Vec<(String, String)>, bool)> {
    let mut r = reader(xml);
    let mut sheets = Vec::new();
    let mut is_1904 = false;
    loop {
        match r.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let mut name = None;
                let mut rel_id = None;
                for a in e.attributes() {
                    let a = a.ok()?;
                    let value = quick_xml::escape::unescape(&a.value).ok()?;
                    match a.key.as_ref() {
                        "name" => name = Some(value.into_owned()),
                        "state" if !matches!(&*value, "visible" | "hidden" | "veryHidden") => {
                            return None;
                        }
                        _ if a.key.local_name().as_ref() == "id" => {
                            rel_id = Some(value.into_owned());
                        }
                        _ => {}
                    }
                }
                let (target, ty) = rels.get(&rel_id?)?;
                let path = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None => format!("xl/{target}"),
                };
                match ty.rsplit('/').next() {
                    Some("worksheet") => sheets.push((name.unwrap_or_default(), path)),
                    Some("chartsheet" | "dialogsheet") => {}
                    _ => return None,
                }
            }
            Event::Start(e) if e.local_name().as_ref() == "workbookPr" => {
                if let Some(v) = attr(&e, "date1904")? {
                    is_1904 = v == "1" || v == "true";
                }
            }
            Event::Eof => return Some((sheets, is_1904)),
            _ => {}
        }
    }
}

fn reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let config = r.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.expand_empty_elements = true;
    r
}

/// An attribute's value by its exact name, entities decoded (not
/// normalised, as calamine reads them); `None` when unreadable.
fn attr(e: &BytesStart<'_>, key: &str) -> Option<Option<String>> {
    for a in e.attributes() {
        let a = a.ok()?;
        if a.key.as_ref() == key {
            return Some(Some(
                quick_xml::escape::unescape(&a.value).ok()?.into_owned(),
            ));
        }
    }
    Some(None)
}

/// The number format class of each cell style (`cellXfs`), by index.
fn cell_formats(xml: &[u8]) -> Option<Vec<Format>> {
    let mut r = reader(xml);
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut formats = Vec::new();
    let (mut in_num_fmts, mut in_cell_xfs) = (false, false);
    loop {
        match r.read_event().ok()? {
            Event::Start(e) => match e.local_name().as_ref() {
                "numFmts" => in_num_fmts = true,
                // Only those of `numFmts`: a differential format (`dxf`) has its own.
                "numFmt" if in_num_fmts => {
                    if let (Some(id), Some(code)) = (attr(&e, "numFmtId")?, attr(&e, "formatCode")?)
                    {
                        custom.insert(id, code);
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    formats.push(attr(&e, "numFmtId")?.map_or(Format::Other, |id| {
                        match custom.get(&id) {
                            Some(code) => custom_format(code),
                            None => builtin_format(&id),
                        }
                    }));
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "numFmts" => in_num_fmts = false,
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Eof => return Some(formats),
            _ => {}
        }
    }
}

/// Whether a custom number format shows a date or a duration
/// (calamine's `detect_custom_number_format`).
fn custom_format(format: &str) -> Format {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return Format::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return Format::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return Format::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return Format::DateTime;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    Format::Other
}

/// The built-in number formats that are dates or durations (calamine's
/// `builtin_format_by_id`).
fn builtin_format(id: &str) -> Format {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            Format::DateTime
        }
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51"
        | "52" | "53" | "54" | "55" | "56" | "57" | "58" => Format::DateTime,
        "46" => Format::TimeDelta,
        _ => Format::Other,
    }
}

/// The shared-string table: one entry per `<si>`.
fn shared_strings(xml: &str) -> Option<Strings> {
    let x = xml.as_bytes();
    let mut out = Strings::default();
    // Past the `<sst …>` tag.
    let sst = find_tag(x, 0, b"sst")?;
    well_formed_before(x, sst)?;
    let (mut at, empty) = tag_end(x, sst)?;
    if empty {
        return Some(out);
    }
    let mut value = String::new();
    while let Some(open) = find_tag(x, at, b"si") {
        let (after, empty) = tag_end(x, open)?;
        // Nothing else may sit between two items (a `</sst>` may, at the end).
        if !is_blank(&x[at..open]) {
            return None;
        }
        value.clear();
        at = if empty {
            after
        } else {
            rich_text(xml, after, b"si", &mut value)?
        };
        out.push(&value)?;
    }
    let rest = &x[at..];
    let close = memchr::memmem::find(rest, b"</sst>")?;
    (rest[..close].iter().all(u8::is_ascii_whitespace)).then_some(out)
}

/// Whether `x[..until]` — a part's declaration and the tags before the
/// element read here — is well formed as far as calamine's XML reader checks
/// it: a closed declaration, whole tags, only blanks between them, no end tag
/// without its start. Damage there makes calamine refuse the part, so this
/// reader must not read past it.
fn well_formed_before(x: &[u8], until: usize) -> Option<()> {
    let mut at = if x.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    if x[at..].starts_with(b"<?xml") {
        let close = at + memchr::memmem::find(&x[at..until], b"?>")?;
        let declaration = &x[at + 1..close];
        if declaration.iter().any(|&b| b == b'<' || b == b'>') {
            return None;
        }
        // calamine decodes a part in the encoding it declares; here only UTF-8 is read.
        if let Some(i) = memchr::memmem::find(declaration, b"encoding=") {
            let value = &declaration[i + b"encoding=".len()..];
            let quoted = |q: &[u8]| value.len() > 6 && value[..6].eq_ignore_ascii_case(q);
            if !(quoted(b"\"utf-8") || quoted(b"'utf-8")) || !matches!(value[6], b'"' | b'\'') {
                return None;
            }
        }
        at = close + 2;
    }
    let mut depth = 0usize;
    loop {
        let Some(lt) = memchr::memchr(b'<', &x[at..until]).map(|i| at + i) else {
            return is_blank(&x[at..until]).then_some(());
        };
        if !is_blank(&x[at..lt]) {
            return None;
        }
        let (after, empty) = tag_end(x, lt)?;
        if after > until || x.get(lt + 1).is_some_and(|&b| matches!(b, b'?' | b'!')) {
            return None;
        }
        match (x[lt + 1] == b'/', empty) {
            (true, _) => depth = depth.checked_sub(1)?,
            (false, false) => depth += 1,
            (false, true) => {}
        }
        at = after;
    }
}

fn is_blank(between: &[u8]) -> bool {
    between.iter().all(u8::is_ascii_whitespace)
}

/// The `<name` tag at or after `from` (the name followed by a blank, `>` or
/// `/`), by the index of its `<`.
fn find_tag(x: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        let lt = at + memchr::memchr(b'<', &x[at..])?;
        let end = lt + 1 + name.len();
        if x.get(lt + 1..end) == Some(name)
            && matches!(x.get(end), Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))
        {
            return Some(lt);
        }
        at = lt + 1;
    }
}

/// The end of the tag starting at `lt`: the index after its `>`, and whether
/// it closes itself (`/>`). Attribute values are skipped whole, since they
/// may hold a `>`.
fn tag_end(x: &[u8], lt: usize) -> Option<(usize, bool)> {
    let mut i = lt + 1;
    loop {
        match *x.get(i)? {
            b'>' => return Some((i + 1, x[i - 1] == b'/')),
            q @ (b'"' | b'\'') => i += 1 + memchr::memchr(q, &x[i + 1..])?,
            b'<' => return None,
            _ => {}
        }
        i += 1;
    }
}

/// The attributes of the tag at `x[lt..end]` (its name skipped), raw.
fn attributes(tag: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut out = Vec::new();
    let mut i = 1 + tag
        .iter()
        .skip(1)
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))?;
    loop {
        while matches!(tag.get(i)?, b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if matches!(tag[i], b'>' | b'/') {
            return Some(out);
        }
        let eq = i + memchr::memchr(b'=', &tag[i..])?;
        let key = tag[i..eq].trim_ascii();
        let mut q = eq + 1;
        while matches!(tag.get(q)?, b' ' | b'\t' | b'\r' | b'\n') {
            q += 1;
        }
        let quote = tag[q];
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let close = q + 1 + memchr::memchr(quote, &tag[q + 1..])?;
        out.push((key, &tag[q + 1..close]));
        i = close + 1;
    }
}

/// Reads a string item's text from `at` to its closing `</name>`, as
/// calamine does: the text of every `<t>` outside a phonetic run (`<rPh>`),
/// entities decoded, ASCII blanks trimmed from each unless
/// `xml:space="preserve"`. Returns the index after the closing tag.
fn rich_text(xml: &str, mut at: usize, name: &[u8], out: &mut String) -> Option<usize> {
    let x = xml.as_bytes();
    let mut phonetic = false;
    // The elements open inside the item: each must close in turn.
    let mut open: Vec<&[u8]> = Vec::new();
    loop {
        let lt = at + memchr::memchr(b'<', &x[at..])?;
        // Text outside `<t>` is only ever layout.
        if !x[at..lt].iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let (after, empty) = tag_end(x, lt)?;
        let tag = &x[lt..after];
        let closing = tag.get(1) == Some(&b'/');
        let tag_name = tag_name(tag)?;
        if tag_name.contains(&b':') || tag_name.starts_with(b"?") {
            return None;
        }
        at = after;
        if closing && open.last() != Some(&tag_name) {
            return (open.is_empty() && tag_name == name).then_some(after);
        }
        match (closing, tag_name) {
            (true, _) => {
                open.pop();
                if tag_name == b"rPh" {
                    phonetic = false;
                }
            }
            (false, b"rPh") if !empty => {
                phonetic = true;
                open.push(tag_name);
            }
            (false, b"t") => {
                let (text, next) = if empty {
                    ("", after)
                } else {
                    let close = after + memchr::memmem::find(&x[after..], b"</t>")?;
                    (&xml[after..close], close + b"</t>".len())
                };
                at = next;
                if phonetic {
                    continue;
                }
                if text.contains('<') {
                    return None;
                }
                let preserve = attributes(tag)?
                    .iter()
                    .any(|&(k, v)| k == b"xml:space" && v == b"preserve");
                let piece = xml_text(text)?;
                let piece = if preserve {
                    &piece[..]
                } else {
                    piece.trim_matches([' ', '\t', '\r', '\n'])
                };
                out.push_str(&unescape_excel(piece));
            }
            (false, _) if !empty => open.push(tag_name),
            _ => {}
        }
    }
}

/// Decodes Excel's `_xHHHH_` escapes (a UTF-16 code unit each: `_x000D_` is
/// a carriage return, `_xD83D__xDCF7_` a surrogate pair, `_x005F_` a literal
/// `_`), as calamine's `unescape_xml` does: a lone or unpaired surrogate
/// becomes U+FFFD.
fn unescape_excel(text: &str) -> std::borrow::Cow<'_, str> {
    const LEN: usize = "_xHHHH_".len();
    let unit_at = |i: usize| -> Option<u16> {
        let b = text.as_bytes().get(i..i + LEN)?;
        if b[0] != b'_'
            || b[1] != b'x'
            || b[6] != b'_'
            || !b[2..6].iter().all(u8::is_ascii_hexdigit)
        {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&b[2..6]).ok()?, 16).ok()
    };
    let next_escape = |mut from: usize| -> Option<(usize, u16)> {
        while let Some(offset) = text[from..].find('_') {
            let i = from + offset;
            if let Some(unit) = unit_at(i) {
                return Some((i, unit));
            }
            from = i + 1;
        }
        None
    };
    let Some((mut at, mut unit)) = next_escape(0) else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        out.push_str(&text[copied..at]);
        at += LEN;
        match unit {
            0xD800..=0xDBFF => match unit_at(at) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    at += LEN;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = at;
        match next_escape(at) {
            Some(next) => (at, unit) = next,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

fn tag_name(tag: &[u8]) -> Option<&[u8]> {
    let start = if tag.get(1) == Some(&b'/') { 2 } else { 1 };
    let len = tag[start..]
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))?;
    (len > 0).then(|| &tag[start..start + len])
}

/// Character data as an XML reader gives it: line ends normalised (`\r\n`
/// and a lone `\r` read `\n`), entities decoded (a `&#13;` stays `\r`).
fn xml_text(text: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !text.contains(['&', '\r']) {
        return Some(std::borrow::Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    decode_entities(text, &mut out)?;
    Some(std::borrow::Cow::Owned(out))
}

fn push_normalised(out: &mut String, literal: &str) {
    let mut rest = literal;
    while let Some(cr) = rest.find('\r') {
        out.push_str(&rest[..cr]);
        out.push('\n');
        rest = &rest[cr + 1..];
        if rest.starts_with('\n') {
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
}

/// Appends `text` with XML's predefined and numeric entities decoded and the
/// line ends of its literal text normalised.
fn decode_entities(text: &str, out: &mut String) -> Option<()> {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        push_normalised(out, &rest[..amp]);
        let semi = amp + rest[amp..].find(';')?;
        let entity = &rest[amp + 1..semi];
        match entity {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            _ => {
                let (digits, radix) = match entity.strip_prefix("#x") {
                    Some(hex) => (hex, 16),
                    None => (entity.strip_prefix('#')?, 10),
                };
                if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                    return None;
                }
                let code = u32::from_str_radix(digits, radix).ok()?;
                if code == 0 {
                    return None;
                }
                out.push(char::from_u32(code)?);
            }
        }
        rest = &rest[semi + 1..];
    }
    push_normalised(out, rest);
    Some(())
}

/// A cell: its 0-based position, its value, and whether it has a formula.
pub type Cell<'x> = ((u32, u32), DataRef<'x>, bool);

/// A sheet's cells, read from its part held in memory.
pub struct SheetCells<'x> {
    meta: &'x Meta,
    xml: &'x str,
    at: usize,
    /// The index of the closing `</sheetData>` (or of the end of the cells).
    end: usize,
    row: u32,
    col: u32,
    /// The size the sheet declares (`<dimension>`).
    pub declared: Dimensions,
    /// The part after its cells, where the merged regions are.
    pub tail: &'x [u8],
}

impl Meta {
    /// The cells of a worksheet part, if it is UTF-8 without comments, CDATA
    /// or a document type, which a byte search could misread.
    pub fn cells<'x>(&'x self, part: &'x [u8]) -> Option<SheetCells<'x>> {
        let xml = std::str::from_utf8(part).ok()?;
        let x = part;
        if memchr::memmem::find(x, b"<!").is_some() {
            return None;
        }
        // Any prefixed sheetData is another writer's form: calamine reads it.
        let data = find_tag(x, 0, b"sheetData")?;
        if memchr::memmem::find(&x[..data], b":sheetData").is_some() {
            return None;
        }
        well_formed_before(x, data)?;
        let mut declared = Dimensions::default();
        if let Some(dim) = find_tag(&x[..data], 0, b"dimension") {
            let (end, _) = tag_end(x, dim)?;
            let reference = attributes(&x[dim..end])?
                .into_iter()
                .find(|&(k, _)| k == b"ref")?
                .1;
            declared = dimension(reference)?;
        }
        let (start, empty) = tag_end(x, data)?;
        let (end, tail_from) = if empty {
            (start, data)
        } else {
            let close = start + memchr::memmem::find(&x[start..], b"</sheetData>")?;
            (close, close)
        };
        Some(SheetCells {
            meta: self,
            xml,
            at: start,
            end,
            row: 0,
            col: 0,
            declared,
            tail: &x[tail_from..],
        })
    }
}

/// A reference such as `A1` or `A1:E300`.
fn dimension(reference: &[u8]) -> Option<Dimensions> {
    let mut parts = reference.split(|&b| b == b':');
    let start = cell_ref(parts.next()?)?;
    let end = match parts.next() {
        Some(p) => cell_ref(p)?,
        None => start,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(Dimensions { start, end })
}

/// `A1` → (0, 0): letters then digits, as calamine's `get_row_column`.
fn cell_ref(r: &[u8]) -> Option<(u32, u32)> {
    match row_and_column(r)? {
        (row, Some(col)) => Some((row, col)),
        _ => None,
    }
}

/// A 0-based row and, when letters come first, a 0-based column. At most
/// three letters and seven digits, the most Excel writes.
fn row_and_column(r: &[u8]) -> Option<(u32, Option<u32>)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &r[letters..];
    if letters > 3
        || digits.is_empty()
        || digits.len() > 7
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let col = r[..letters].iter().fold(0u32, |c, b| {
        c * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = digits
        .iter()
        .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    Some((row.checked_sub(1)?, col.checked_sub(1)))
}

impl<'x> SheetCells<'x> {
    /// The next cell in the part's order, as calamine's
    /// `next_cell_with_formula_metadata` gives it: position, value (a
    /// formula's saved result) and whether it has a formula.
    pub fn next_cell(&mut self) -> Result<Option<Cell<'x>>, Bail> {
        while let Some((tag, empty)) = self.next_tag()? {
            match tag_name(tag).ok_or(Bail)? {
                b"row" if tag[1] != b'/' => {
                    let r = attributes(tag)
                        .ok_or(Bail)?
                        .into_iter()
                        .find(|&(k, _)| k == b"r");
                    if let Some((_, r)) = r {
                        self.row = row_and_column(r).ok_or(Bail)?.0;
                    }
                    if empty {
                        self.end_row();
                    }
                }
                b"row" => self.end_row(),
                b"c" if tag[1] != b'/' => return self.cell(tag, empty).map(Some),
                _ => return Err(Bail),
            }
        }
        Ok(None)
    }

    /// The next tag before the end of the cells, with only blanks before it:
    /// its bytes and whether it closes itself; `None` at the end.
    fn next_tag(&mut self) -> Result<Option<(&'x [u8], bool)>, Bail> {
        let x: &'x [u8] = self.xml.as_bytes();
        let rest = &x[self.at..self.end];
        let Some(lt) = memchr::memchr(b'<', rest) else {
            return if rest.iter().all(u8::is_ascii_whitespace) {
                Ok(None)
            } else {
                Err(Bail)
            };
        };
        if !rest[..lt].iter().all(u8::is_ascii_whitespace) {
            return Err(Bail);
        }
        let lt = self.at + lt;
        let (after, empty) = tag_end(x, lt).ok_or(Bail)?;
        if after > self.end {
            return Err(Bail);
        }
        self.at = after;
        Ok(Some((&x[lt..after], empty)))
    }

    fn end_row(&mut self) {
        self.row = self.row.saturating_add(1);
        self.col = 0;
    }

    fn cell(&mut self, tag: &[u8], empty: bool) -> Result<Cell<'x>, Bail> {
        let (mut r, mut s, mut t) = (None, None, None);
        for (k, v) in attributes(tag).ok_or(Bail)? {
            match k {
                b"r" => r = Some(v),
                b"s" => s = Some(v),
                b"t" => t = Some(v),
                _ => {}
            }
        }
        let pos = match r {
            Some(r) => {
                let pos = cell_ref(r).ok_or(Bail)?;
                self.col = pos.1;
                pos
            }
            None => (self.row, self.col),
        };
        self.col = self.col.saturating_add(1);
        let mut value = DataRef::Empty;
        let mut formula = false;
        if !empty {
            let x = self.xml.as_bytes();
            loop {
                let (child, child_empty) = self.next_tag()?.ok_or(Bail)?;
                let after = self.at;
                match (child[1] == b'/', tag_name(child).ok_or(Bail)?) {
                    (true, b"c") => break,
                    (false, b"v") => {
                        let text = if child_empty {
                            ""
                        } else {
                            let close = self.at
                                + memchr::memmem::find(&x[self.at..self.end], b"</v>")
                                    .ok_or(Bail)?;
                            let text = &self.xml[self.at..close];
                            self.at = close + b"</v>".len();
                            text
                        };
                        value = self.value(text, s, t)?;
                    }
                    (false, b"f") => {
                        formula_attributes(child).ok_or(Bail)?;
                        if !child_empty {
                            let close = self.at
                                + memchr::memmem::find(&x[self.at..self.end], b"</f>")
                                    .ok_or(Bail)?;
                            if memchr::memchr(b'<', &x[self.at..close]).is_some() {
                                return Err(Bail);
                            }
                            self.at = close + b"</f>".len();
                        }
                        formula = true;
                    }
                    (false, b"is") => {
                        let mut text = String::new();
                        self.at = if child_empty {
                            after
                        } else {
                            rich_text(self.xml, after, b"is", &mut text).ok_or(Bail)?
                        };
                        if self.at > self.end {
                            return Err(Bail);
                        }
                        value = DataRef::String(text);
                    }
                    _ => return Err(Bail),
                }
            }
        }
        Ok((pos, value, formula))
    }

    /// A `<v>` value by the cell's type and style (calamine's `read_v`).
    fn value(&self, v: &'x str, s: Option<&[u8]>, t: Option<&[u8]>) -> Result<DataRef<'x>, Bail> {
        // calamine reads the other types' first run of text as it stands.
        let character_data = matches!(t, Some(b"str" | b"d"));
        if v.contains('<') || !character_data && v.contains(['&', '\r']) {
            return Err(Bail);
        }
        Ok(match t {
            Some(b"inlineStr" | b"is") => DataRef::Empty,
            None | Some(b"n") => {
                if v.is_empty() {
                    return Ok(DataRef::Empty);
                }
                let number = parse_number(v).ok_or(Bail)?;
                let format = match s {
                    None => Some(Format::Other),
                    Some(s) => self.meta.formats.get(index(s)?).copied(),
                };
                let kind = match format {
                    Some(Format::DateTime) => ExcelDateTimeType::DateTime,
                    Some(Format::TimeDelta) => ExcelDateTimeType::TimeDelta,
                    _ => return Ok(DataRef::Float(number)),
                };
                DataRef::DateTime(ExcelDateTime::new(number, kind, self.meta.is_1904))
            }
            Some(b"s") => {
                if v.is_empty() {
                    return Ok(DataRef::Empty);
                }
                DataRef::SharedString(self.meta.strings.get(index(v.as_bytes())?).ok_or(Bail)?)
            }
            Some(b"b") => match v.trim() {
                "" => DataRef::Empty,
                b if b == "0" || b.eq_ignore_ascii_case("false") => DataRef::Bool(false),
                b if b == "1" || b.eq_ignore_ascii_case("true") => DataRef::Bool(true),
                _ => return Err(Bail),
            },
            Some(b"e") => DataRef::Error(v.parse::<CellErrorType>().map_err(|_| Bail)?),
            Some(b"str") => DataRef::String(unescape_excel(&xml_text(v).ok_or(Bail)?).into_owned()),
            Some(b"d") => DataRef::DateTimeIso(xml_text(v).ok_or(Bail)?.into_owned()),
            _ => return Err(Bail),
        })
    }
}

/// A formula's attributes as calamine checks them: a shared formula names
/// its group by number, and its first cell the range it covers.
fn formula_attributes(tag: &[u8]) -> Option<()> {
    let attrs = attributes(tag)?;
    let get = |key: &[u8]| attrs.iter().find(|&&(k, _)| k == key).map(|&(_, v)| v);
    if get(b"t") == Some(b"shared") {
        index(get(b"si")?).ok()?;
        if let Some(range) = get(b"ref") {
            dimension(range)?;
        }
    }
    Some(())
}

/// A style or string index: digits only.
fn index(s: &[u8]) -> Result<usize, Bail> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return Err(Bail);
    }
    Ok(s.iter().fold(0usize, |n, b| n * 10 + usize::from(b - b'0')))
}

/// A number as spreadsheets write it: `-?digits(.digits)?(e[+-]?digits)?`.
/// Anything looser is left to calamine, whose parser accepts more forms.
fn parse_number(v: &str) -> Option<f64> {
    let b = v.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    v.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_utf8_head_is_read_past() {
        let ok = |x: &[u8]| well_formed_before(x, x.len()).is_some();
        assert!(ok(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet a=\"1\"><dimension ref=\"A1\"/>"));
        assert!(ok(b"\xEF\xBB\xBF<worksheet>"));
        assert!(ok(b"<?xml version='1.0' encoding='utf-8'?><worksheet>"));
        // calamine would decode these in another encoding, or refuse them.
        assert!(!ok(b"<?xml version=\"1.0\" encoding=\"GBK\"?><worksheet>"));
        assert!(!ok(b"<?xml version=\"1.0\" encoding=\"UTF-8\"<worksheet>"));
        assert!(!ok(b"<worksheet>text<sheetViews/>"));
        assert!(!ok(b"<worksheet></a></b>"));
        assert!(!ok(b"<worksheet><!-- note -->"));
    }

    #[test]
    fn numbers_are_read_only_in_the_form_spreadsheets_write() {
        assert_eq!(parse_number("42"), Some(42.0));
        assert_eq!(
            parse_number("-0.30000000000000004"),
            Some(-0.30000000000000004)
        );
        assert_eq!(parse_number("1.5E-7"), Some(1.5e-7));
        assert_eq!(parse_number("1e+20"), Some(1e20));
        for loose in [
            "", "-", "1.", ".5", "+1", " 1", "1 ", "inf", "NaN", "1e", "0x10", "1,5",
        ] {
            assert_eq!(parse_number(loose), None, "{loose:?}");
        }
    }

    #[test]
    fn references_and_entities_are_decoded_as_calamine_decodes_them() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"xfd1048576"), Some((1_048_575, 16_383)));
        assert_eq!(row_and_column(b"12"), Some((11, None)));
        for bad in [&b"A0"[..], b"1A", b"ABCD1", b"A12345678", b"$A$1", b""] {
            assert_eq!(cell_ref(bad), None);
        }
        let mut out = String::new();
        decode_entities("a&amp;b&lt;&#x4E2D;&#25991;&quot;", &mut out).unwrap();
        assert_eq!(out, "a&b<中文\"");
        for bad in ["&nbsp;", "&#0;", "&#x;", "&#+65;", "&#xD800;", "&amp"] {
            assert_eq!(decode_entities(bad, &mut String::new()), None, "{bad}");
        }
    }

    #[test]
    fn shared_strings_join_runs_and_leave_out_phonetic_text() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<sst count="3" uniqueCount="3"><si><t>  改革  </t></si><si><r><rPr><b/></rPr><t xml:space="preserve">重点 </t></r><r><t>任务</t></r><rPh sb="0" eb="1"><t>かい</t></rPh></si><si/></sst>"#;
        let strings = shared_strings(xml).unwrap();
        let all: Vec<&str> = (0..3).map(|i| strings.get(i).unwrap()).collect();
        assert_eq!(all, ["改革", "重点 任务", ""]);
        // Excel's escapes of UTF-16 units, a literal one escaped in turn.
        let escaped = shared_strings(
            "<sst><si><t>a_x000D_b_xD83D__xDCF7_ _x005F_x000D_ _xD800_x</t></si></sst>",
        )
        .unwrap();
        assert_eq!(escaped.get(0), Some("a\rb📷 _x000D_ \u{FFFD}x"));
        // Line ends as an XML reader normalises them; a `&#13;` is kept,
        // then trimmed at the end like any ASCII blank.
        let lines = shared_strings("<sst><si><t>a\r\nb\rc&#13;d&#13;</t></si></sst>").unwrap();
        assert_eq!(lines.get(0), Some("a\nb\nc\rd"));
        assert!(shared_strings("<sst><si><t>a</t></r></si></sst>").is_none());
    }
}
