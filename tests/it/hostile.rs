//! Hostile workbooks: each gets a clear rejection or is read within bounds,
//! and nothing panics.

use std::io::Write;
use taizhang::config::Config;
use taizhang::ingest::Code;
use taizhang::ingest::parse::ParsedFile;

fn parse(bytes: &[u8], name: &str, config: &Config) -> ParsedFile {
    super::common::read_file(bytes, name, &super::common::jingyang_2024q2(), config)
}

fn codes(p: &ParsedFile) -> Vec<Code> {
    p.issues.iter().map(|i| i.code).collect()
}

#[test]
fn a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_inflated() {
    // 30 MB of zeros deflate to a few kB; with a 1 MB file limit the reader
    // allows 20 MB unpacked, so the declared size alone refuses it.
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..30 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    let bytes = buf.into_inner();
    assert!(
        bytes.len() < 1 << 20,
        "the bomb is small on disk: {} bytes",
        bytes.len()
    );
    let config = Config::parse("[limits]\nmax_file_mb = 1\n", "t").unwrap();
    let parsed = parse(&bytes, "bomb.xlsx", &config);
    assert_eq!(codes(&parsed), [Code::TooLarge]);
    assert!(
        parsed.issues[0].message_en.contains("zip bomb"),
        "{}",
        parsed.issues[0].message_en
    );
}

#[test]
fn a_sheet_spanning_a1_to_xfd1048576_with_few_cells_is_read_sparsely() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["序号", "改革任务", "牵头单位"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(1, 1, "深化改革").unwrap();
    ws.write_string(1_048_575, 16_383, "角落").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let parsed = parse(&bytes, "corner.xlsx", &Config::default());
    assert!(parsed.accepted(), "{:?}", parsed.issues);
    assert_eq!(parsed.ledgers.values().next().unwrap().records.len(), 1);

    // With a small cell budget the same sheet is refused by its area, not read.
    let config = Config::parse("[limits]\nmax_cells = 1000\n", "t").unwrap();
    assert_eq!(
        codes(&parse(&bytes, "corner.xlsx", &config)),
        [Code::TooLarge]
    );
}

#[test]
fn too_many_sheets_and_too_many_cells_are_refused() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for i in 0..300 {
        wb.add_worksheet()
            .write_string(0, 0, format!("sheet {i}"))
            .unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let parsed = parse(&bytes, "many.xlsx", &Config::default());
    assert_eq!(codes(&parsed), [Code::TooLarge]);
    assert!(parsed.issues[0].message_en.contains("300"));

    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..50 {
        for c in 0..50 {
            ws.write_number(r, c, 1.0).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let config = Config::parse("[limits]\nmax_cells = 1000\n", "t").unwrap();
    assert_eq!(
        codes(&parse(&bytes, "dense.xlsx", &config)),
        [Code::TooLarge]
    );
}

#[test]
fn a_50000_character_cell_is_kept_whole() {
    // Excel stops at 32,767 characters a cell; a CSV export has no such limit.
    let long = "改".repeat(50_000);
    let csv = format!("序号,改革任务,牵头单位\n1,{long},县发改局\n");
    let parsed = parse(csv.as_bytes(), "long.csv", &Config::default());
    let record = &parsed.ledgers.values().next().unwrap().records[0];
    assert!(
        record
            .values
            .contains(&taizhang::ledger::Value::Text(long.into()))
    );
}

#[test]
fn an_xls_renamed_xlsx_is_still_read() {
    let bytes = std::fs::read(super::common::fixture("realworld/xlrd__profiles.xls")).unwrap();
    let parsed = parse(&bytes, "profiles.xlsx", &Config::default());
    // Not a ledger, but read: the rejection is about its content, not its format.
    assert!(
        codes(&parsed).contains(&Code::NoLedgerSheet),
        "{:?}",
        codes(&parsed)
    );
    assert!(!codes(&parsed).contains(&Code::UnreadableFile));
}

#[test]
fn a_formula_saved_without_its_result_is_flagged_at_its_cell() {
    // rust_xlsxwriter stores a cached 0; strip it to get what generators and
    // some WPS saves produce: <f> without <v>.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["序号", "改革任务", "牵头单位"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 1, "深化改革").unwrap();
    ws.write_formula(1, 2, "=A1&\"局\"").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(content).unwrap();
            let stripped = xml.replace("<v>0</v>", "");
            assert_ne!(xml, stripped, "the cached value was there to strip");
            content = stripped.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    let parsed = parse(&bytes, "formula.xlsx", &Config::default());
    assert!(parsed.accepted());
    let issue = parsed
        .issues
        .iter()
        .find(|i| i.code == Code::FormulaNoCache)
        .expect("flagged");
    assert_eq!(issue.cell.as_deref(), Some("C2"));
}

/// A small deterministic mutation run (SplitMix64): flipped bytes, truncations
/// and spliced garbage over real fixtures. Every mutant must end accepted, or
/// rejected with an error code; the process must not panic or hang.
#[test]
fn mutated_workbooks_never_escape_as_panics() {
    let mut state: u64 = 0x5EED;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let config = Config::default();
    for name in [
        "title_and_header_row.xlsx",
        "merged_lead_unit.xlsx",
        "realworld/xlrd__sample.ods",
        "realworld/xlrd__profiles.xls",
    ] {
        let original = std::fs::read(super::common::fixture(name)).unwrap();
        let ext = name.rsplit('.').next().unwrap();
        for _ in 0..150 {
            let mut bytes = original.clone();
            match next() % 3 {
                0 => {
                    for _ in 0..1 + next() % 8 {
                        let at = (next() as usize) % bytes.len();
                        bytes[at] ^= 1 << (next() % 8);
                    }
                }
                1 => bytes.truncate((next() as usize) % bytes.len()),
                _ => {
                    let at = (next() as usize) % bytes.len();
                    let junk: Vec<u8> = (0..1 + next() % 64).map(|_| next() as u8).collect();
                    bytes.splice(at..at, junk);
                }
            }
            let parsed = parse(&bytes, &format!("mutant.{ext}"), &config);
            if !parsed.accepted() {
                assert!(
                    parsed
                        .issues
                        .iter()
                        .any(|i| i.severity == taizhang::ingest::Severity::Error),
                    "{name}: {:?}",
                    parsed.issues
                );
            }
        }
    }
}

/// The hostile files again, through the real binary under an address-space
/// limit (`ulimit -v`, 1 GiB) and `timeout`: the bound is enforced by the
/// kernel, not measured, so a runaway allocation or loop fails the test.
#[test]
fn hostile_files_stay_within_a_kernel_enforced_memory_and_time_bound() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let inbox = dir.path().join("inbox/2024Q2/510603");
    std::fs::create_dir_all(&inbox).unwrap();
    // A sheet spanning A1:XFD1048576 with three cells.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.write_string(0, 0, "序号").unwrap();
    sheet.write_string(0, 1, "改革任务").unwrap();
    sheet.write_string(1_048_575, 16_383, "角落").unwrap();
    wb.save(inbox.join("corner.xlsx")).unwrap();
    // 300 sheets.
    let mut wb = rust_xlsxwriter::Workbook::new();
    for i in 0..300 {
        wb.add_worksheet()
            .write_string(0, 0, format!("sheet {i}"))
            .unwrap();
    }
    wb.save(inbox.join("many.xlsx")).unwrap();
    // A zip bomb: 150 MB of zeros in 150 kB (made with Python's zipfile);
    // with max_file_mb = 5 the reader allows 100 MB unpacked.
    std::fs::copy(
        super::common::fixture("zip_bomb_150mb.xlsx"),
        inbox.join("bomb.xlsx"),
    )
    .unwrap();
    for name in ["too_small.xls", "issue_594_dos.ods", "OOM_alloc.xls"] {
        std::fs::copy(
            super::common::fixture(&format!("realworld/calamine__{name}")),
            inbox.join(name),
        )
        .unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_taizhang");
    let script = format!(
        "ulimit -v 1048576; exec timeout 120 {bin} --workspace {ws} ingest --dry-run --json {inbox}",
        ws = ws.display(),
        inbox = dir.path().join("inbox").display()
    );
    assert!(
        std::process::Command::new(bin)
            .arg("--workspace")
            .arg(&ws)
            .arg("init")
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(ws.join("taizhang.toml"), "[limits]\nmax_file_mb = 5\n").unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejected, not killed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for file in summary["files"].as_array().unwrap() {
        let name = file["path"].as_str().unwrap();
        let codes: Vec<&str> = file["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        assert_eq!(file["status"], "rejected", "{name}");
        if name.ends_with("bomb.xlsx") || name.ends_with("many.xlsx") {
            assert_eq!(codes, ["too-large"], "{name}: {}", file["issues"]);
        }
    }
}

/// Found by the `workbook` fuzz target in its first minutes: calamine 0.38
/// panics in its OLE reader (cfb.rs: slice index out of order). The panic
/// must stay inside the reader and the file end as unreadable.
#[test]
fn the_fuzzer_found_calamine_panic_is_contained() {
    let bytes = std::fs::read(super::common::fixture("fuzz_cfb_slice_panic.xls")).unwrap();
    let parsed = parse(&bytes, "found.xls", &Config::default());
    assert_eq!(codes(&parsed), [Code::UnreadableFile]);
}
