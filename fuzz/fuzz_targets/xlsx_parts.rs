//! Arbitrary XML as one part of an otherwise sound xlsx — a sheet, the
//! shared strings or the styles — stored uncompressed, so every mutation
//! reaches the XML readers (taizhang's plain reader, and calamine where that
//! gives up) instead of dying in the deflate stream. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Read, Write};
use std::sync::LazyLock;

mod common;

/// The parts of a small ledger with merged cells and shared strings.
static PARTS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let bytes = include_bytes!("../../tests/fixtures/merged_lead_unit.xlsx");
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (name, data)
        })
        .collect()
});

const FUZZED: [&str; 3] = ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the part replaced by the rest.
    let Some((&pick, part)) = data.split_first() else { return };
    let fuzzed = FUZZED[usize::from(pick) % FUZZED.len()];
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in PARTS.iter() {
        out.start_file(name.as_str(), stored).unwrap();
        out.write_all(if name == fuzzed { part } else { bytes }).unwrap();
    }
    let workbook = out.finish().unwrap().into_inner();
    let _ = common::parse(&workbook, "f.xlsx");
});
