//! Each committed fixture, read by the ledger reader: what it pins, asserted.

use chrono::NaiveDate;
use taizhang::config::Config;
use taizhang::ingest::parse::{Hints, ParsedFile};
use taizhang::ingest::{Code, Severity};
use taizhang::ledger::{Kind, Record, Value, fields};
use taizhang::normalize::Period;

use super::common::{fixture, jingyang_2024q2, read_file};

fn parse_with(name: &str, hints: Hints) -> ParsedFile {
    let bytes = std::fs::read(fixture(name)).unwrap();
    read_file(&bytes, name, &hints, &Config::default())
}

fn parse(name: &str, region: &str, period: &str) -> ParsedFile {
    parse_with(
        name,
        Hints {
            region_flag: Some(region.into()),
            period_flag: Some(period.parse().unwrap()),
            ..Hints::default()
        },
    )
}

fn tasks(parsed: &ParsedFile) -> &[Record] {
    &parsed.ledgers[&Kind::Tasks].records
}

fn get<'a>(r: &'a Record, column: &str) -> &'a Value {
    let i = fields(Kind::Tasks)
        .iter()
        .position(|f| f.name == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    &r.values[i]
}

fn text(r: &Record, column: &str) -> Option<String> {
    match get(r, column) {
        Value::Text(s) => Some(s.to_string()),
        Value::Null => None,
        other => panic!("{column} is not text: {other:?}"),
    }
}

fn date(y: i32, m: u32, d: u32) -> Value {
    Value::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn list(items: &[&str]) -> Value {
    Value::TextList(items.iter().map(|s| s.to_string()).collect())
}

#[test]
fn title_and_header_row_gives_region_period_and_typed_rows() {
    let parsed = parse_with("title_and_header_row.xlsx", Hints::default());
    // Region and period come from the title row 德阳市旌阳区2024年第二季度…: the county, not its city.
    assert_eq!(parsed.region_code.as_deref(), Some("510603"));
    assert_eq!(parsed.period, Some(Period::Quarter(2024, 2)));
    assert!(parsed.accepted());
    let rows = tasks(&parsed);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows.iter().map(|r| r.source_row).collect::<Vec<_>>(),
        [4, 5, 6]
    );
    assert_eq!(text(&rows[0], "seq").as_deref(), Some("1"));
    assert_eq!(get(&rows[0], "deadline_on"), &date(2024, 6, 30));
    assert_eq!(text(&rows[0], "deadline_kind").as_deref(), Some("date"));
    assert_eq!(text(&rows[0], "status").as_deref(), Some("done"));
    assert_eq!(get(&rows[0], "completed_on"), &date(2024, 6, 20));
    assert_eq!(get(&rows[0], "is_major"), &Value::Bool(true));
    assert_eq!(
        get(&rows[0], "responsible_units"),
        &list(&["区财政局", "区发改局"])
    );
    assert_eq!(get(&rows[1], "deadline_on"), &date(2024, 12, 31));
    assert_eq!(
        text(&rows[1], "deadline_text").as_deref(),
        Some("2024年12月底前")
    );
    assert_eq!(text(&rows[1], "status").as_deref(), Some("in_progress"));
    assert_eq!(get(&rows[2], "deadline_on"), &Value::Null);
    assert_eq!(text(&rows[2], "deadline_kind").as_deref(), Some("ongoing"));
    assert_eq!(text(&rows[2], "status").as_deref(), Some("ongoing"));
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
}

#[test]
fn merged_lead_unit_fills_down_every_row_it_covers() {
    let parsed = parse("merged_lead_unit.xlsx", "德阳市", "2024Q3");
    let rows = tasks(&parsed);
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(text(r, "task").as_deref(), Some("深化医药卫生体制改革"));
        assert_eq!(text(r, "lead_unit").as_deref(), Some("市卫健委"));
        assert_eq!(text(r, "leader").as_deref(), Some("陈静"));
        assert_eq!(get(r, "deadline_on"), &date(2024, 9, 30));
    }
    let statuses: Vec<_> = rows.iter().map(|r| text(r, "status").unwrap()).collect();
    assert_eq!(statuses, ["in_progress", "done", "not_started"]);
    assert_eq!(
        get(&rows[2], "responsible_units"),
        &list(&["市医保局", "市财政局"])
    );
}

#[test]
fn section_rows_set_the_domain_and_totals_and_notes_end_the_table() {
    let parsed = parse("section_rows_and_notes.xlsx", "510600", "2024Q2");
    let rows = tasks(&parsed);
    let domains: Vec<_> = rows.iter().map(|r| text(r, "domain").unwrap()).collect();
    // Four tasks: one empty row inside the table does not end it; the 合计 row does.
    assert_eq!(
        domains,
        [
            "经济体制改革",
            "经济体制改革",
            "生态文明体制改革",
            "生态文明体制改革"
        ]
    );
    assert_eq!(
        get(&rows[2], "deadline_on"),
        &date(2024, 12, 31),
        "年底前 takes the period's year"
    );
    assert_eq!(get(&rows[3], "deadline_on"), &date(2024, 9, 30));
    assert_eq!(parsed.ledgers[&Kind::Tasks].rows_rejected, 0);
}

#[test]
fn header_synonyms_exact_beats_contained() {
    let parsed = parse("header_synonyms.xlsx", "中江县", "2024Q1");
    let rows = tasks(&parsed);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(text(r, "task").as_deref(), Some("推进综合行政执法体制改革"));
    assert_eq!(
        get(r, "completed_on"),
        &date(2024, 3, 15),
        "实际完成时间 is completed_on, not the deadline"
    );
    assert_eq!(get(r, "deadline_on"), &date(2024, 3, 31));
    assert_eq!(
        text(r, "lead_unit").as_deref(),
        Some("县司法局"),
        "the lead column wins over a （牵头） tag"
    );
    assert_eq!(
        get(r, "responsible_units"),
        &list(&["县委编办", "县财政局"])
    );
    assert_eq!(text(r, "progress").as_deref(), Some("已印发实施方案"));
    assert_eq!(parsed.ignored_columns, ["联系人"]);
}

#[test]
fn bad_rows_are_reported_at_their_cells_and_nothing_is_dropped() {
    let parsed = parse("bad_rows.xlsx", "510604", "2024Q2");
    let ledger = &parsed.ledgers[&Kind::Tasks];
    assert_eq!(ledger.records.len(), 4);
    assert_eq!(ledger.rows_rejected, 1);
    assert!(ledger.accepted);
    let found: Vec<(Code, Severity, String)> = parsed
        .issues
        .iter()
        .map(|i| (i.code, i.severity, i.cell.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (Code::MissingCell, Severity::Error, "B3".to_string()),
            (Code::BadDate, Severity::Warning, "F4".to_string()),
            (Code::UnknownStatus, Severity::Warning, "G4".to_string()),
            (Code::DuplicateRow, Severity::Warning, "A6".to_string()),
        ]
    );
    let missing = &parsed.issues[0];
    let kept = missing.value.as_deref().unwrap();
    assert!(
        kept.contains("C3=县发改局") && kept.contains("E3=杨帆"),
        "the rejected row keeps its values: {kept}"
    );
    assert_eq!(parsed.issues[1].value.as_deref(), Some("尽快"));
    assert!(
        parsed.issues[1].message_zh.contains("尽快") && !parsed.issues[1].message_en.is_empty()
    );
    // The warned row is kept with its text, an unknown deadline and an unknown status.
    let warned = &ledger.records[1];
    assert_eq!(text(warned, "deadline_kind").as_deref(), Some("unknown"));
    assert_eq!(text(warned, "status").as_deref(), Some("unknown"));
    assert_eq!(text(warned, "status_text").as_deref(), Some("差不多了"));
}

#[test]
fn a_lead_tagged_in_the_units_cell_fills_an_absent_lead_column() {
    let parsed = parse("lead_tagged_in_units.xlsx", "旌阳区", "2024Q2");
    let rows = tasks(&parsed);
    assert_eq!(text(&rows[0], "lead_unit").as_deref(), Some("县教育局"));
    assert_eq!(
        get(&rows[0], "responsible_units"),
        &list(&["县教育局", "县财政局", "县人社局"])
    );
    assert_eq!(text(&rows[1], "lead_unit").as_deref(), Some("县医保局"));
    // 是否完成: 是 → done, 否 → in progress.
    assert_eq!(text(&rows[0], "status").as_deref(), Some("done"));
    assert_eq!(text(&rows[1], "status").as_deref(), Some("in_progress"));
    assert_eq!(
        get(&rows[0], "deadline_on"),
        &date(2024, 6, 30),
        "6月底前 takes the period's year"
    );
    assert_eq!(get(&rows[1], "deadline_on"), &date(2024, 12, 31));
}

#[test]
fn a_workbook_without_a_ledger_is_rejected_whole() {
    let parsed = parse("no_ledger.xlsx", "510600", "2024Q2");
    assert!(!parsed.accepted());
    assert!(parsed.ledgers.is_empty());
    assert_eq!(
        parsed.issues.iter().map(|i| i.code).collect::<Vec<_>>(),
        [Code::NoLedgerSheet]
    );
    assert_eq!(parsed.skipped_sheets.len(), 1);
}

#[test]
fn no_region_anywhere_rejects_with_how_to_give_it() {
    // The title names a region but no period; the file name names neither.
    let parsed = parse_with("merged_lead_unit.xlsx", Hints::default());
    assert!(!parsed.accepted());
    let codes: Vec<Code> = parsed.issues.iter().map(|i| i.code).collect();
    assert!(
        codes.contains(&Code::UnknownRegion) && codes.contains(&Code::UnknownPeriod),
        "{codes:?}"
    );
    let region = parsed
        .issues
        .iter()
        .find(|i| i.code == Code::UnknownRegion)
        .unwrap();
    assert!(region.message_zh.contains("--region") && region.message_en.contains("--region"));
    assert_eq!(
        parsed.ledgers[&Kind::Tasks].rows_rejected,
        3,
        "rows of an unplaceable file are counted as rejected"
    );
}

#[test]
fn disagreeing_sources_warn_and_the_earlier_wins() {
    // --region says 罗江区; the title says 旌阳区.
    let parsed = parse_with(
        "title_and_header_row.xlsx",
        Hints {
            region_flag: Some("罗江县".into()),
            ..Hints::default()
        },
    );
    assert_eq!(
        parsed.region_code.as_deref(),
        Some("510604"),
        "old name 罗江县 resolves to 罗江区"
    );
    let warning = parsed
        .issues
        .iter()
        .find(|i| i.code == Code::UnknownRegion)
        .unwrap();
    assert_eq!(warning.severity, Severity::Warning);
    assert!(
        warning.message_zh.contains("510604") && warning.message_zh.contains("510603"),
        "{}",
        warning.message_zh
    );
}

#[test]
fn unsupported_and_unreadable_files_get_codes() {
    let config = Config::default();
    let txt = read_file(b"hello", "notes.txt", &Hints::default(), &config);
    assert_eq!(txt.issues[0].code, Code::UnsupportedFormat);
    let broken = read_file(
        b"PK\x03\x04 truncated",
        "broken.xlsx",
        &Hints::default(),
        &config,
    );
    assert_eq!(broken.issues[0].code, Code::UnreadableFile);
}

fn field<'a>(kind: Kind, r: &'a Record, column: &str) -> &'a Value {
    let i = fields(kind)
        .iter()
        .position(|f| f.name == column)
        .unwrap_or_else(|| panic!("{kind} has no {column}"));
    &r.values[i]
}

#[test]
fn one_sheet_of_each_kind_gives_one_ledger_per_kind() {
    // From the province's reform office, the one sender of its own ledgers
    // (from a county they are refused: lake_history::the_office_ledgers_…).
    let parsed = parse("one_sheet_of_each_kind.xlsx", "四川省", "2024Q2");
    let kinds: Vec<Kind> = parsed.ledgers.keys().copied().collect();
    assert_eq!(kinds, Kind::ALL);
    assert!(
        parsed
            .ledgers
            .values()
            .all(|l| l.accepted && l.sheets.len() == 1)
    );
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);

    let rect = &parsed.ledgers[&Kind::Rectifications].records;
    let k = Kind::Rectifications;
    assert_eq!(
        field(k, &rect[0], "status"),
        &Value::Text("done".into()),
        "已销号 is done"
    );
    assert_eq!(field(k, &rect[0], "closed_on"), &date(2024, 5, 20));
    assert_eq!(
        field(k, &rect[1], "deadline_kind"),
        &Value::Text("ongoing".into()),
        "立即整改、长期坚持"
    );

    let pilot = &parsed.ledgers[&Kind::Pilots].records[0];
    let k = Kind::Pilots;
    assert_eq!(
        field(k, pilot, "pilot_level"),
        &Value::Text("national".into())
    );
    assert_eq!(field(k, pilot, "has_team"), &Value::Bool(true));
    assert_eq!(field(k, pilot, "term_months"), &Value::Int(24));
    assert_eq!(field(k, pilot, "status"), &Value::Text("running".into()));
    assert_eq!(field(k, pilot, "started_on"), &date(2022, 1, 10));

    let plan = &parsed.ledgers[&Kind::Plans].records[0];
    let k = Kind::Plans;
    assert_eq!(field(k, plan, "issued_on"), &date(2023, 10, 8));
    assert_eq!(field(k, plan, "items_done"), &Value::Int(12));

    // A two-row header under the merged parent 测评结果（票数）, 5-level labels folded:
    // 非常满意 + 满意 → satisfied, 一般 → basically satisfied; a blank count is 0.
    let votes = &parsed.ledgers[&Kind::Satisfaction].records;
    let k = Kind::Satisfaction;
    let counts = |r: &Record| {
        ["satisfied", "basically_satisfied", "unsatisfied", "unknown"]
            .map(|c| field(k, r, c).clone())
    };
    assert_eq!(
        counts(&votes[0]),
        [
            Value::Int(70),
            Value::Int(20),
            Value::Int(10),
            Value::Int(5)
        ]
    );
    assert_eq!(
        counts(&votes[1]),
        [Value::Int(18), Value::Int(0), Value::Int(2), Value::Int(0)]
    );

    // The reform office's ledgers (issue 34): each row's unit resolved through
    // the roster; points keep their decimals; 探索创新 is the exploration ground.
    let jz = Value::Text("510623".into());
    let deduction = &parsed.ledgers[&Kind::Deductions].records[0];
    assert_eq!(field(Kind::Deductions, deduction, "unit_code"), &jz);
    assert_eq!(
        field(Kind::Deductions, deduction, "points"),
        &Value::Float(taizhang::ledger::FloatBits::new(1.5))
    );
    assert_eq!(
        field(Kind::Deductions, deduction, "source"),
        &Value::Text("overdue".into())
    );
    let exemption = &parsed.ledgers[&Kind::Exemptions].records[0];
    assert_eq!(field(Kind::Exemptions, exemption, "unit_code"), &jz);
    assert_eq!(
        field(Kind::Exemptions, exemption, "ground"),
        &Value::Text("exploration".into())
    );
    let event = &parsed.ledgers[&Kind::Accountability].records[0];
    assert_eq!(field(Kind::Accountability, event, "unit_code"), &jz);
    let assignment = &parsed.ledgers[&Kind::Assignments].records[0];
    assert_eq!(field(Kind::Assignments, assignment, "lead_code"), &jz);
    assert_eq!(
        field(Kind::Assignments, assignment, "is_major"),
        &Value::Bool(true)
    );
}

#[test]
fn a_filled_in_template_of_every_kind_ingests_with_no_issue() {
    for kind in Kind::ALL {
        let example = taizhang::template::example_row(kind);
        let bytes = taizhang::template::workbook(kind, &[example]).unwrap();
        let mut hints = jingyang_2024q2();
        if kind.is_office() {
            // The office's ledgers come from the province's reform office.
            hints.region_flag = Some("510000".into());
        }
        let parsed = read_file(&bytes, "template.xlsx", &hints, &Config::default());
        assert!(parsed.issues.is_empty(), "{kind}: {:?}", parsed.issues);
        let kinds: Vec<Kind> = parsed.ledgers.keys().copied().collect();
        assert_eq!(kinds, [kind], "{kind}: the instructions sheet is no ledger");
        let ledger = &parsed.ledgers[&kind];
        assert_eq!(ledger.records.len(), 1, "{kind}");
        // Every column of the kind was recognised: none is left NULL by a missed header.
        let nulls: Vec<&str> = fields(kind)
            .iter()
            .zip(&ledger.records[0].values)
            .filter(|(f, v)| {
                **v == Value::Null && f.name != "remarks" && f.name != "completed_on"
                    || matches!(v, Value::Text(t) if &**t == "unknown")
            })
            .map(|(f, _)| f.name)
            .collect();
        assert!(nulls.is_empty(), "{kind}: unread columns {nulls:?}");
    }
}

/// The inspections template offers 督察对象类型 and the usual 督察方式 mixes
/// as drop-downs, and every choice read back sets what it says.
#[test]
fn the_inspections_templates_drop_down_choices_read_back_as_they_say() {
    let k = Kind::Inspections;
    let blank = taizhang::template::workbook(k, &[]).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(blank)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    // (choice, joint, covert, onsite, third_party)
    let modes = [
        ("实地督察", false, false, true, false),
        ("联合督察、实地督察", true, false, true, false),
        ("暗访", false, true, true, false),
        ("联合督察、暗访", true, true, true, false),
        ("书面督察", false, false, false, false),
        ("第三方评估、实地督察", false, false, true, true),
    ];
    let offered = |choices: &[&str]| format!("<formula1>\"{}\"</formula1>", choices.join(","));
    let mode_choices: Vec<&str> = modes.iter().map(|m| m.0).collect();
    assert!(sheet.contains(&offered(&mode_choices)), "{sheet}");
    let kinds = ["方案", "任务", "整改", "其他"];
    assert!(sheet.contains(&offered(&kinds)), "{sheet}");

    let columns = k.columns();
    let at = |name: &str| columns.iter().position(|c| c.name == name).unwrap();
    let example = taizhang::template::example_row(k);
    let filled: Vec<Vec<&str>> = modes
        .iter()
        .zip(kinds.iter().cycle())
        .map(|((mode, ..), kind)| {
            let mut row = example.clone();
            row[at("mode_text")] = mode;
            row[at("subject_kind")] = kind;
            // The drop-down's 第三方评估 is the mode's to say.
            row[at("third_party")] = "";
            row
        })
        .collect();
    let bytes = taizhang::template::workbook(k, &filled).unwrap();
    let parsed = read_file(
        &bytes,
        "template.xlsx",
        &jingyang_2024q2(),
        &Config::default(),
    );
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    let rows = &parsed.ledgers[&k].records;
    assert_eq!(rows.len(), modes.len());
    for ((mode, joint, covert, onsite, third_party), r) in modes.iter().zip(rows) {
        assert_eq!(
            ["joint", "covert", "onsite", "third_party"].map(|c| field(k, r, c).clone()),
            [*joint, *covert, *onsite, *third_party].map(Value::Bool),
            "{mode}"
        );
    }
    let subject_kinds: Vec<Value> = rows
        .iter()
        .map(|r| field(k, r, "subject_kind").clone())
        .collect();
    assert_eq!(
        subject_kinds,
        ["plan", "task", "rectification", "other", "plan", "task"].map(|s| Value::Text(s.into()))
    );
}

#[test]
fn a_gbk_csv_named_after_its_unit_and_period_needs_no_flags() {
    let csv = "序号,改革任务,牵头单位,完成时限,完成状态\n1,深化财税体制改革,区财政局,2024/9/30,已完成\n2,推进基层治理,区民政局,三季度末,未启动\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let config = Config::default();
    let parsed = read_file(
        &gbk,
        "旌阳区2024年第三季度改革任务台账.csv",
        &Hints::default(),
        &config,
    );
    assert_eq!(
        parsed.region_code.as_deref(),
        Some("510603"),
        "region from the file name"
    );
    assert_eq!(
        parsed.period,
        Some(Period::Quarter(2024, 3)),
        "period from the file name"
    );
    let rows = tasks(&parsed);
    assert_eq!(text(&rows[0], "task").as_deref(), Some("深化财税体制改革"));
    assert_eq!(get(&rows[0], "deadline_on"), &date(2024, 9, 30));
    assert_eq!(
        get(&rows[1], "deadline_on"),
        &date(2024, 9, 30),
        "三季度末 in the period's year"
    );
    assert_eq!(text(&rows[1], "status").as_deref(), Some("not_started"));
}

/// `.xls` and `.ods` copies of the xlsx fixtures, converted by LibreOffice
/// (`soffice --headless --convert-to xls|ods`), read to the same rows.
#[test]
fn xls_and_ods_read_like_xlsx() {
    let xlsx = parse("title_and_header_row.xlsx", "510603", "2024Q2");
    for copy in ["title_and_header_row.xls", "title_and_header_row.ods"] {
        let other = parse(copy, "510603", "2024Q2");
        assert_eq!(tasks(&other), tasks(&xlsx), "{copy}");
        assert!(other.issues.is_empty(), "{copy}: {:?}", other.issues);
    }
    // Merged cells: xls carries them and fills down; calamine gives none for
    // ods, so the covered cells stay blank and those rows lack their task.
    let xls = parse("merged_lead_unit.xls", "德阳市", "2024Q3");
    assert_eq!(
        tasks(&xls),
        tasks(&parse("merged_lead_unit.xlsx", "德阳市", "2024Q3"))
    );
    let ods = parse("merged_lead_unit.ods", "德阳市", "2024Q3");
    let ledger = &ods.ledgers[&Kind::Tasks];
    assert_eq!((ledger.records.len(), ledger.rows_rejected), (1, 2));
}

#[test]
fn a_sheet_named_for_one_kind_with_headers_of_another_is_read_by_its_headers_with_a_warning() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("试点").unwrap();
    for (c, h) in ["序号", "改革任务", "牵头单位", "完成时限"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["1", "深化改革", "县发改局", "2024年6月底前"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let hints = jingyang_2024q2();
    let parsed = read_file(&bytes, "x.xlsx", &hints, &Config::default());
    assert_eq!(
        parsed.ledgers.keys().copied().collect::<Vec<_>>(),
        [Kind::Tasks]
    );
    assert_eq!(
        parsed
            .issues
            .iter()
            .map(|i| (i.code, i.severity))
            .collect::<Vec<_>>(),
        [(Code::UnknownKind, Severity::Warning)]
    );
}

/// A meetings ledger as an office keeps it: the kind is told by the title
/// (the sheet is `Sheet1`), the header spans two rows under a merged
/// 会议情况, each body's name is merged down over its meetings, dates are
/// typed as text in three forms; a meeting with no date is refused (it
/// cannot be placed in a quarter) and named, the rest are kept.
#[test]
fn a_meetings_ledger_with_merged_bodies_and_text_dates_reads_every_meeting() {
    let parsed = parse(
        "meetings_two_row_header_merged_bodies.xlsx",
        "中江县",
        "2024Q2",
    );
    let kinds: Vec<Kind> = parsed.ledgers.keys().copied().collect();
    assert_eq!(kinds, [Kind::Meetings]);
    let ledger = &parsed.ledgers[&Kind::Meetings];
    assert!(ledger.accepted);
    let k = Kind::Meetings;
    let got: Vec<(Value, Value, Value, Value)> = ledger
        .records
        .iter()
        .map(|r| {
            (
                field(k, r, "body").clone(),
                field(k, r, "held_on").clone(),
                field(k, r, "meeting_kind").clone(),
                field(k, r, "topics").clone(),
            )
        })
        .collect();
    let text = |s: &str| Value::Text(s.into());
    let day = |m, d| Value::Date(NaiveDate::from_ymd_opt(2024, m, d).unwrap());
    let economy = "经济体制和生态文明体制改革专项小组";
    let society = "社会体制改革专项小组";
    assert_eq!(
        got,
        [
            (
                text(economy),
                day(1, 23),
                text("专题会议"),
                text("研究国资国企改革")
            ),
            (
                text(economy),
                day(4, 16),
                text("专题会议"),
                text("研究要素市场化配置改革")
            ),
            // A month alone is its last day.
            (
                text(society),
                day(2, 29),
                text("全体会议"),
                text("审议年度工作要点")
            ),
            (
                text(society),
                day(3, 28),
                text("专题会议"),
                text("研究医共体建设")
            ),
        ]
    );
    assert_eq!(
        ledger
            .records
            .iter()
            .map(|r| r.source_row)
            .collect::<Vec<_>>(),
        [5, 6, 7, 8]
    );
    let errors: Vec<_> = parsed
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", parsed.issues);
    assert_eq!(errors[0].code, Code::MissingCell);
    assert_eq!(errors[0].row, Some(9));
    assert_eq!(errors[0].col.as_deref(), Some("held_on"));
    assert_eq!(errors[0].cell.as_deref(), Some("C9"));
}

/// The second wave's kinds read like the others: a list of reports heard,
/// the kinds of publicity and the levels and sources of cases as codes.
#[test]
fn meetings_publicity_and_cases_sheets_read_their_typed_columns() {
    let parsed = parse("one_sheet_of_each_kind.xlsx", "中江县", "2024Q2");
    let text = |s: &str| Value::Text(s.into());
    let meeting = &parsed.ledgers[&Kind::Meetings].records[0];
    match field(Kind::Meetings, meeting, "reports_heard") {
        Value::TextList(list) => assert_eq!(
            &list[..],
            ["经济体制改革专项小组汇报", "社会民生改革专项小组汇报"]
        ),
        other => panic!("reports_heard is a list, not {other:?}"),
    }
    let event = &parsed.ledgers[&Kind::Publicity].records[0];
    assert_eq!(
        field(Kind::Publicity, event, "event_kind"),
        &text("新闻发布会")
    );
    let case = &parsed.ledgers[&Kind::Cases].records[0];
    assert_eq!(field(Kind::Cases, case, "source"), &text("pilot"));
    assert_eq!(
        field(Kind::Cases, case, "recognised_level"),
        &text("provincial")
    );
    assert_eq!(
        field(Kind::Cases, case, "recognised_on"),
        &Value::Date(NaiveDate::from_ymd_opt(2024, 6, 3).unwrap())
    );
}

/// The third wave's columns: an inspections sheet in a workbook of every
/// kind (its 督察方式 read into three flags, a blank 被督察单位 left to the
/// submitting unit), and a rectification item's notice and every milestone.
#[test]
fn an_inspection_and_a_rectifications_notice_and_milestones_read_their_typed_columns() {
    let parsed = parse("one_sheet_of_each_kind.xlsx", "中江县", "2024Q2");
    let k = Kind::Inspections;
    let inspection = &parsed.ledgers[&k].records[0];
    let flags =
        ["joint", "covert", "onsite", "third_party"].map(|f| field(k, inspection, f).clone());
    assert_eq!(flags, [true, true, true, false].map(Value::Bool));
    assert_eq!(field(k, inspection, "findings"), &Value::Int(3));
    assert_eq!(field(k, inspection, "inspected_code"), &Value::Null);
    assert_eq!(field(k, inspection, "started_on"), &date(2024, 5, 15));
    let k = Kind::Rectifications;
    let item = &parsed.ledgers[&k].records[1];
    assert_eq!(
        field(k, item, "milestones"),
        &Value::DateList(
            [(3, 31), (6, 30)]
                .map(|(m, d)| NaiveDate::from_ymd_opt(2024, m, d).unwrap())
                .into()
        )
    );
    assert_eq!(field(k, item, "notice_on"), &date(2024, 3, 1));
    assert_eq!(field(k, item, "last_report_on"), &date(2024, 4, 2));
    assert_eq!(
        field(k, &parsed.ledgers[&k].records[0], "milestones"),
        &Value::Null,
        "a blank 进度节点"
    );
}

/// A city office's inspections ledger read with no flags: the kind from the
/// title's 督察, the unit and quarter from the title; the two-row header
/// matched on its children under 督察情况 and 发现问题及督办; the inspecting
/// office merged down; units by name, old name (罗江县) and short form (中江);
/// dates and counts written as text. Nothing to warn about.
#[test]
fn an_inspections_ledger_with_a_two_row_header_is_read_with_no_flags() {
    let parsed = parse_with("inspections_two_row_header.xlsx", Hints::default());
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    assert_eq!(parsed.region_code.as_deref(), Some("510600"));
    assert_eq!(parsed.period, Some(Period::Quarter(2024, 2)));
    let kinds: Vec<Kind> = parsed.ledgers.keys().copied().collect();
    assert_eq!(kinds, [Kind::Inspections]);
    let k = Kind::Inspections;
    let rows = &parsed.ledgers[&k].records;
    assert_eq!(
        rows.iter().map(|r| r.source_row).collect::<Vec<_>>(),
        [5, 6, 7]
    );
    let text = |s: &str| Value::Text(s.into());
    let column =
        |name: &str| -> Vec<Value> { rows.iter().map(|r| field(k, r, name).clone()).collect() };
    assert_eq!(column("inspector"), vec![text("市委改革办、市委督查室"); 3]);
    assert_eq!(
        column("inspected_code"),
        [text("510603"), text("510604"), text("510623")]
    );
    assert_eq!(
        column("started_on"),
        [date(2024, 5, 15), date(2024, 6, 3), date(2024, 6, 20)]
    );
    assert_eq!(column("onsite"), [true, false, true].map(Value::Bool));
    assert_eq!(column("covert"), [true, false, false].map(Value::Bool));
    assert_eq!(column("joint"), [true, false, false].map(Value::Bool));
    assert_eq!(column("third_party"), [false, false, true].map(Value::Bool));
    assert_eq!(
        column("findings"),
        [Value::Int(3), Value::Null, Value::Int(2)]
    );
    assert_eq!(
        column("notice_no"),
        [
            text("德改督[2024]3号"),
            Value::Null,
            text("德改督〔2024〕7号")
        ]
    );
    assert_eq!(
        column("report_filed_on"),
        [date(2024, 6, 10), Value::Null, Value::Null]
    );
    assert_eq!(
        column("subject"),
        [
            text("《关于深化医药卫生体制改革的实施方案》"),
            text("优化营商环境若干措施"),
            text("推进农村集体产权制度改革")
        ]
    );
}
