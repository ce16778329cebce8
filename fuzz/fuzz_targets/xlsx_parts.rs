//! Arbitrary XML as one part of an otherwise sound xlsx — a sheet, the
//! shared strings or the styles — stored uncompressed, so every mutation
//! reaches the XML readers (taizhang's plain reader, and calamine where that
//! gives up) instead of dying in the deflate stream. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Read, Write};
use std::sync::LazyLock;
use taizhang::config::Config;
use taizhang::ingest::file::{Context, Hints, parse_file};
use taizhang::ledger::Rules;
use taizhang::normalize::Roster;

static ROSTER: LazyLock<Roster> = LazyLock::new(|| Roster::from_csv(taizhang::workspace::DEFAULT_ROSTER).unwrap());
static CONFIG: LazyLock<Config> = LazyLock::new(|| Config::parse("[limits]\nmax_file_mb = 4\nmax_cells = 200000\n", "fuzz").unwrap());
static RULES: LazyLock<Rules> = LazyLock::new(|| CONFIG.rules());

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

/// calamine panics on some damaged files; taizhang catches those panics
/// (`catch_unwind` in `ingest/file.rs`) and rejects the file. libFuzzer
/// aborts on every panic, so panics raised inside calamine are let unwind to
/// that catch; any other panic still aborts.
fn let_calamine_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("/calamine-")) {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_calamine_panics_unwind();
    let ctx = Context { roster: &ROSTER, rules: &RULES, limits: CONFIG.limits };
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
    let _ = parse_file(&workbook, "f.xlsx", &Hints::default(), ctx);
});
