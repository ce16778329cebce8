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

/// The hostile files of a security review, made here: an xlsx from a sheet's
/// XML and its shared strings, deflated as a clerk's file would be.
mod made {
    use std::fmt::Write as _;
    use std::io::Write as _;

    pub fn xlsx(sheet: &str, strings: &[String]) -> Vec<u8> {
        let mut sst = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        );
        for s in strings {
            let _ = write!(sst, "<si><t>{s}</t></si>");
        }
        sst.push_str("</sst>");
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="改革任务台账" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_string(),
            ),
            ("xl/sharedStrings.xml", sst),
            ("xl/worksheets/sheet1.xml", sheet.to_string()),
        ];
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in parts {
            out.start_file(name, deflated).unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// A worksheet part: `rows` of `<c>` elements (already written), then
    /// the merged regions.
    pub fn sheet(rows: impl IntoIterator<Item = (u32, String)>, merges: &[String]) -> String {
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        );
        for (r, cells) in rows {
            let _ = write!(xml, r#"<row r="{r}">{cells}</row>"#);
        }
        xml.push_str("</sheetData>");
        if !merges.is_empty() {
            let _ = write!(xml, r#"<mergeCells count="{}">"#, merges.len());
            for m in merges {
                let _ = write!(xml, r#"<mergeCell ref="{m}"/>"#);
            }
            xml.push_str("</mergeCells>");
        }
        xml.push_str("</worksheet>");
        xml
    }

    /// A cell showing shared string `i`.
    pub fn shared(at: &str, i: usize) -> String {
        format!(r#"<c r="{at}" t="s"><v>{i}</v></c>"#)
    }

    /// A1 … XFD1, A2 … A20000, and one region over all of it: 100 KB that
    /// took 7 GiB when the region was filled across the sheet's full width.
    pub fn merge_over_the_whole_width() -> Vec<u8> {
        let strings = ["序号".to_string(), "角".to_string(), "x".to_string()];
        let mut rows = vec![(1, shared("A1", 0) + &shared("XFD1", 1))];
        rows.extend((2..=20_000).map(|r| (r, shared(&format!("A{r}"), 2))));
        xlsx(&sheet(rows, &["A1:XFD20000".to_string()]), &strings)
    }

    /// A task ledger of 200 rows whose lead unit is one merged region down
    /// column C, written `copies` times.
    pub fn ledger_with_repeated_merge(copies: usize) -> Vec<u8> {
        let strings: Vec<String> = ["序号", "改革任务", "牵头单位", "县发改局"]
            .iter()
            .map(|s| s.to_string())
            .chain((1..=200).map(|i| format!("第{i}项改革任务")))
            .collect();
        let mut rows = vec![(1, shared("A1", 0) + &shared("B1", 1) + &shared("C1", 2))];
        rows.extend((2..=201).map(|r| {
            let lead = if r == 2 {
                shared("C2", 3)
            } else {
                String::new()
            };
            (
                r,
                format!(r#"<c r="A{r}"><v>{}</v></c>"#, r - 1)
                    + &shared(&format!("B{r}"), r as usize + 2)
                    + &lead,
            )
        }));
        xlsx(&sheet(rows, &vec!["C2:C201".to_string(); copies]), &strings)
    }

    /// `cells` cells down column A, cycling through `distinct` shared strings
    /// of `len` characters each.
    pub fn long_shared_strings(cells: u32, distinct: usize, len: usize) -> Vec<u8> {
        let strings: Vec<String> = (0..distinct)
            .map(|i| format!("{i:04}{}", "改".repeat(len - 4)))
            .collect();
        let rows = (1..=cells).map(|r| (r, shared(&format!("A{r}"), r as usize % distinct)));
        xlsx(&sheet(rows, &[]), &strings)
    }
}

#[test]
fn a_merge_over_the_sheets_whole_width_is_refused_before_it_is_filled() {
    let parsed = parse(
        &made::merge_over_the_whole_width(),
        "merge.xlsx",
        &Config::default(),
    );
    assert_eq!(codes(&parsed), [Code::TooLarge]);
    let issue = &parsed.issues[0];
    assert!(
        issue.message_zh.contains("合并单元格"),
        "{}",
        issue.message_zh
    );
    assert!(
        issue
            .message_en
            .contains("merged cells of sheet \"改革任务台账\"")
            && issue.message_en.contains("limit 1000000"),
        "{}",
        issue.message_en
    );
}

#[test]
fn one_merged_region_written_forty_thousand_times_is_filled_once() {
    let once = parse(
        &made::ledger_with_repeated_merge(1),
        "once.xlsx",
        &Config::default(),
    );
    let repeated = parse(
        &made::ledger_with_repeated_merge(40_000),
        "repeated.xlsx",
        &Config::default(),
    );
    assert!(repeated.accepted(), "{:?}", repeated.issues);
    let records = |p: &taizhang::ingest::parse::ParsedFile| {
        p.ledgers.values().next().unwrap().records.clone()
    };
    assert_eq!(records(&once).len(), 200);
    assert_eq!(records(&repeated), records(&once));
    let lead = taizhang::ledger::Value::Text("县发改局".into());
    assert!(records(&repeated).iter().all(|r| r.values.contains(&lead)));
}

#[test]
fn distinct_overlapping_merges_are_refused_by_the_cells_they_cover() {
    // A2:A3, A2:A4, …, A2:Z201: 5,199 regions, each inside the ledger's
    // 26 × 200 cells, together covering millions.
    let mut regions = Vec::new();
    for last_row in 2..=201 {
        for last_col in b'A'..=b'Z' {
            if (last_row, last_col) != (2, b'A') {
                regions.push(format!("A2:{}{last_row}", last_col as char));
            }
        }
    }
    let strings = vec!["x".to_string()];
    let rows = (1..=201).map(|r| {
        (
            r,
            made::shared(&format!("A{r}"), 0) + &made::shared(&format!("Z{r}"), 0),
        )
    });
    let bytes = made::xlsx(&made::sheet(rows, &regions), &strings);
    let parsed = parse(&bytes, "overlapping.xlsx", &Config::default());
    assert_eq!(codes(&parsed), [Code::TooLarge], "{:?}", parsed.issues);
    assert!(parsed.issues[0].message_en.contains("merged cells"));
}

#[test]
fn cells_showing_one_long_shared_string_share_one_copy() {
    // 2 KB of text in 300,000 cells (600 MB if each were a copy; the
    // review's file had a million, read by the binary below): refused for
    // what it is, no ledger, not for its size, since the cells share it.
    let bytes = made::long_shared_strings(300_000, 1, 700);
    assert!(
        bytes.len() < 2 << 20,
        "small on disk: {} bytes",
        bytes.len()
    );
    let parsed = parse(&bytes, "shared.xlsx", &Config::default());
    assert_eq!(
        codes(&parsed),
        [Code::MissingHeader, Code::NoLedgerSheet],
        "{:?}",
        parsed.issues
    );
}

#[test]
fn long_shared_strings_copied_past_the_budget_are_refused() {
    // 100 distinct 2 KB strings taking turns: each cell needs a copy of its
    // own, 2 KB × 100,000 = 200 MB, against a budget of 8 MB.
    let bytes = made::long_shared_strings(100_000, 100, 700);
    let config = Config::parse("[limits]\nmax_shared_strings_mb = 8\n", "t").unwrap();
    let parsed = parse(&bytes, "rotating.xlsx", &config);
    assert_eq!(codes(&parsed), [Code::TooLarge]);
    assert!(
        parsed.issues[0]
            .message_en
            .contains("shared strings are too large (limit 8 MB)"),
        "{}",
        parsed.issues[0].message_en
    );
    // A table over the budget is refused before it is inflated.
    let table = made::long_shared_strings(10, 5_000, 700);
    let config = Config::parse("[limits]\nmax_shared_strings_mb = 1\n", "t").unwrap();
    assert_eq!(
        codes(&parse(&table, "table.xlsx", &config)),
        [Code::TooLarge]
    );
}

#[test]
fn a_csv_of_commas_takes_no_room_and_a_dense_one_is_refused_at_its_cell_limit() {
    let commas = ",".repeat(45 << 20);
    let parsed = parse(commas.as_bytes(), "commas.csv", &Config::default());
    assert_eq!(codes(&parsed), [Code::NoLedgerSheet], "{:?}", parsed.issues);

    let dense = "1,".repeat(20_001);
    let config = Config::parse("[limits]\nmax_cells = 20000\n", "t").unwrap();
    let parsed = parse(dense.as_bytes(), "dense.csv", &config);
    assert_eq!(codes(&parsed), [Code::TooLarge]);
    assert!(
        parsed.issues[0]
            .message_en
            .contains("too many cells (limit 20000)")
    );
}

#[test]
fn limits_of_zero_are_refused_by_name() {
    for key in [
        "max_file_mb",
        "max_cells",
        "max_unpacked_mb",
        "max_merged_cells",
        "max_shared_strings_mb",
        "max_seconds_per_file",
    ] {
        let err = Config::parse(&format!("[limits]\n{key} = 0\n"), "t").unwrap_err();
        assert!(err.to_string().contains(&format!("limits.{key}")), "{err}");
    }
}

/// The exit status, peak resident memory and time of a child. The peak is
/// the kernel's high-water mark of the child's own memory after exec
/// (`VmHWM`), read every 5 ms while it runs: rusage's `ru_maxrss` would
/// count the test process's memory too, which the spawned child starts in.
/// A runaway allocation grows far slower than 5 ms can hide.
fn run_measured(cmd: &mut std::process::Command) -> (i32, u64, std::time::Duration) {
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb: u64 = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let hwm = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
        peak_kb = peak_kb.max(hwm.unwrap_or(0));
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    (
        status.code().unwrap_or(-1),
        peak_kb * 1024,
        started.elapsed(),
    )
}

/// Each file of the review, ingested for real by the binary: it ends in
/// under 30 s and 512 MB (the issue's bound; DESIGN §12's "no panic"), with
/// the exit status of a rejection or an acceptance — never killed.
#[test]
fn the_reviews_hostile_files_end_within_512_mb_and_30_s() {
    let cases: [(&str, Vec<u8>, i32); 5] = [
        (
            "merge_whole_width.xlsx",
            made::merge_over_the_whole_width(),
            1,
        ),
        (
            "merge_40000_times.xlsx",
            made::ledger_with_repeated_merge(40_000),
            0,
        ),
        (
            "one_string_a_million_cells.xlsx",
            made::long_shared_strings(1_000_000, 1, 700),
            1,
        ),
        (
            "strings_taking_turns.xlsx",
            made::long_shared_strings(400_000, 100, 700),
            1,
        ),
        ("commas.csv", ",".repeat(45 << 20).into_bytes(), 1),
    ];
    for (name, bytes, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        assert!(
            super::common::taizhang(&ws)
                .arg("init")
                .output()
                .unwrap()
                .status
                .success()
        );
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let (code, rss, elapsed) = run_measured(
            super::common::taizhang(&ws)
                .args(["ingest", "--region", "510603", "--period", "2024Q2"])
                .arg(&file),
        );
        eprintln!("{name}: exit {code}, peak {} MB, {elapsed:.1?}", rss >> 20);
        assert_eq!(code, expected, "{name}");
        assert!(rss < 512 << 20, "{name}: peak {} MB", rss >> 20);
        assert!(elapsed.as_secs() < 30, "{name}: {elapsed:?}");
    }
}

/// Found by the `workbook` fuzz target in its first bounded runs: OLE files
/// whose directory chain runs in a circle, the first back onto itself, the
/// second through a sector past the file's end (which calamine reads as
/// zeros). calamine's container code follows either forever, its memory
/// growing (22 GB before the kernel killed the process) — from its xls
/// reader, and from its xlsx reader too, which looks into any non-zip for an
/// encrypted workbook. Both must be refused as damaged under any extension.
#[test]
fn an_ole_file_whose_sector_chain_loops_is_refused_under_any_name() {
    for fixture in [
        "fuzz_ole_sector_chain_loop.xls",
        "fuzz_ole_sector_past_the_end.xls",
    ] {
        let bytes = std::fs::read(super::common::fixture(fixture)).unwrap();
        for name in ["loop.xls", "loop.xlsx", "loop.xlsb", "loop.ods"] {
            let parsed = parse(&bytes, name, &Config::default());
            assert_eq!(
                codes(&parsed),
                [Code::UnreadableFile],
                "{fixture} as {name}"
            );
        }
        let parsed = parse(&bytes, "loop.xls", &Config::default());
        assert!(
            parsed.issues[0].message_en.contains("sector chain loops"),
            "{fixture}: {}",
            parsed.issues[0].message_en
        );
    }
}
