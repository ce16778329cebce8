//! Workbooks shaped like the hostile files a clerk can send: cells far
//! apart, merged regions large, overlapping and repeated, long shared
//! strings shown by many cells. The bytes choose the numbers; the XML is
//! always well formed, so every input reaches the limits rather than the
//! parser's refusals. Nothing may panic, and with `-rss_limit_mb=512
//! -timeout=30` (as `.ci/run` runs it) nothing may run away.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::fmt::Write as _;
use std::io::{Cursor, Write};

mod common;

/// Reads little-endian numbers off the input, zero when it runs out.
struct Numbers<'a>(&'a [u8]);

impl Numbers<'_> {
    fn u8(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        b
    }

    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | u16::from(self.u8()) << 8
    }

    fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | u32::from(self.u16()) << 16
    }
}

fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8(letters).unwrap(), row + 1)
}

const MAX_ROW: u32 = 1_048_575;
const MAX_COL: u32 = 16_383;

fuzz_target!(|data: &[u8]| {
    let mut n = Numbers(data);
    // Long shared strings (up to 255 × 16 characters, 12 KB, and up to 128
    // of them), taken in turn by the cells that show them: one is shared,
    // many evict each other from the reader's cache and are copied, within
    // the shared-string budget.
    let long = "改".repeat(usize::from(n.u8()) * 16);
    let distinct = u32::from(n.u8() % 128) + 1;
    // Cells: a header row, `shown` cells down column B showing the long
    // strings, and a few cells anywhere. Up to 8,191: more only slows every
    // run (each is a ledger row), and the limits that matter (area, merged
    // cells, the budget) are reached by shape, not by count.
    let shown = u32::from(n.u16() % 8192);
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    // Shared strings: the header's three, then the long ones.
    let mut cells: Vec<(u32, u32, u32)> = vec![(0, 0, 0), (0, 1, 1), (0, 2, 2)];
    cells.extend((1..=shown).map(|r| (r, 1, 3 + r % distinct)));
    for _ in 0..n.u8() % 16 {
        cells.push((n.u32() % (MAX_ROW + 1), u32::from(n.u16()) % (MAX_COL + 1), 2));
    }
    cells.sort_unstable();
    cells.dedup_by_key(|c| (c.0, c.1));
    let mut row = None;
    for (r, c, s) in cells {
        if row != Some(r) {
            if row.is_some() {
                sheet.push_str("</row>");
            }
            let _ = write!(sheet, "<row r=\"{}\">", r + 1);
            row = Some(r);
        }
        let _ = write!(sheet, "<c r=\"{}\" t=\"s\"><v>{s}</v></c>", a1(r, c));
    }
    if row.is_some() {
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData>");
    // Merged regions, each repeated up to 4,095 times.
    let regions = n.u8() % 32;
    if regions > 0 {
        sheet.push_str("<mergeCells>");
        for _ in 0..regions {
            let (r1, c1) = (n.u32() % (MAX_ROW + 1), u32::from(n.u16()) % (MAX_COL + 1));
            let (r2, c2) = (n.u32() % (MAX_ROW + 1), u32::from(n.u16()) % (MAX_COL + 1));
            let merge = format!("<mergeCell ref=\"{}:{}\"/>", a1(r1, c1), a1(r2.max(r1), c2.max(c1)));
            for _ in 0..=n.u16() % 4096 {
                sheet.push_str(&merge);
            }
        }
        sheet.push_str("</mergeCells>");
    }
    sheet.push_str("</worksheet>");
    let mut strings = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
         <si><t>序号</t></si><si><t>改革任务</t></si><si><t>牵头单位</t></si>",
    );
    for i in 0..distinct {
        let _ = write!(strings, "<si><t>{i}{long}</t></si>");
    }
    strings.push_str("</sst>");
    let parts: [(&str, &str); 5] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
              <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
              <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
              <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
              <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
              <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
              <Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>\
              </Types>",
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
              <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
              <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\
              </Relationships>",
        ),
        (
            "xl/workbook.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
              <workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
              xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
              <sheets><sheet name=\"改革任务台账\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        ),
        (
            "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
              <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
              <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
              <Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>\
              </Relationships>",
        ),
        ("xl/sharedStrings.xml", strings.as_str()),
    ];
    // Stored: deflating megabytes in every run (a clerk's file would be
    // deflated) only slows the search; the reader's work is the same.
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in parts {
        out.start_file(name, stored).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.start_file("xl/worksheets/sheet1.xml", stored).unwrap();
    out.write_all(sheet.as_bytes()).unwrap();
    let workbook = out.finish().unwrap().into_inner();
    let _ = common::parse(&workbook, "f.xlsx");
});
