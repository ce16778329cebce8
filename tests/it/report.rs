//! The period report: the Excel workbook reread with calamine, the HTML page
//! parsed as XML, both holding the warehouse's figures, and a browser's
//! screenshot of the page that is not blank.

use super::common::*;
use super::scenarios::scenario_workspace;
use calamine::{Data, Reader};
use std::path::Path;
use std::process::Command;

/// The edge-case scenario, plus a ledger whose task text looks like a formula.
fn workspace() -> tempfile::TempDir {
    let (dir, _) = scenario_workspace(&fixture("scenarios/assessment_edge_cases"));
    let inbox = dir.path().join("extra/2024Q2/510604");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("罗江区2024年第二季度改革任务台账.csv"),
        "罗江区2024年第二季度改革任务台账\n序号,改革任务,牵头单位,责任单位,责任领导,完成时限,完成状态,是否重大改革任务\n\
         1,\"=HYPERLINK(\"\"http://example.invalid\"\",\"\"点我\"\")\",区发改局,区财政局,钱八,2024年5月,推进中,是\n",
    )
    .unwrap();
    let ws = taizhang::workspace::Workspace::open(dir.path()).unwrap();
    ingest(&ws, &[dir.path().join("extra")], &options());
    build(&ws);
    dir
}

fn report(ws: &Path, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .arg("--workspace")
        .arg(ws)
        .args(["report", "--period", "2024年二季度", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn number(ws: &Path, sql: &str) -> f64 {
    rows(ws, &format!("select cast(({sql}) as double)::varchar"))[0][0]
        .parse()
        .unwrap()
}

#[test]
fn the_excel_report_has_every_sheet_and_the_marts_figures() {
    let dir = workspace();
    let ws = dir.path();
    let path = ws.join("out/report.xlsx");
    report(ws, &path);
    let mut book = calamine::open_workbook_auto(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "总表",
            "报送情况",
            "完成情况",
            "整改",
            "专项方案",
            "试点",
            "满意度",
            "台账变动",
            "会议宣传案例",
            "督察",
            "点名通报",
            "数据来源"
        ]
    );
    // The cell in `unit`'s first row (first cell = unit) under the nearest
    // header above it that has `column`: a sheet may stack several tables.
    let mut cell = |sheet: &str, unit: &str, column: &str| -> Data {
        let range = book.worksheet_range(sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        for (i, row) in rows.iter().enumerate() {
            if row[0] != unit {
                continue;
            }
            let header = rows[..i]
                .iter()
                .rev()
                .find(|r| r[0] == "单位" || r[0] == "类型");
            if let Some(col) = header.and_then(|h| h.iter().position(|c| *c == column)) {
                return row[col].clone();
            }
        }
        panic!("{sheet} has no row {unit} with a column {column}")
    };
    let composite = number(
        ws,
        "select composite_score from mart_scorecard where period = '2024Q2' and scope_code = '510600'",
    );
    assert_eq!(cell("总表", "德阳市", "综合得分"), Data::Float(composite));
    assert_eq!(cell("总表", "中江县", "排名"), Data::Float(1.0));
    assert_eq!(cell("满意度", "旌阳区", "满意率"), Data::Float(0.75));
    assert_eq!(cell("整改", "德阳市", "逾期未整改"), Data::Float(1.0));
    assert_eq!(cell("试点", "旌阳区", "超期试点"), Data::Float(1.0));
    let completion = number(
        ws,
        "select completion_rate from mart_task_completion where period = '2024Q2' and scope_code = '510000'",
    );
    assert_eq!(
        cell("完成情况", "四川省", "完成率"),
        Data::Float(completion)
    );
    assert_eq!(
        cell("报送情况", "罗江区", "台账类型"),
        Data::String("改革试点".into())
    );

    let alerts = book.worksheet_range("点名通报").unwrap();
    let listed = alerts
        .rows()
        .skip(2)
        .filter(|r| r[0] != Data::Empty)
        .count();
    let in_mart = number(
        ws,
        "select count(*) from mart_alerts where period = '2024Q2'",
    );
    assert_eq!(listed as f64, in_mart);

    // The formula-like task is text, neutralised, and no cell holds a formula.
    let formula_like = alerts
        .rows()
        .flat_map(|r| r.iter())
        .find(|c| c.to_string().contains("HYPERLINK"))
        .expect("the overdue task is named");
    assert!(!formula_like.to_string().starts_with('='), "{formula_like}");
    for sheet in book.sheet_names() {
        let formulas = book.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{sheet}"
        );
    }
    let sources = book.worksheet_range("数据来源").unwrap();
    assert!(sources.rows().any(|r| {
        r.iter()
            .any(|c| *c == "旌阳区2024年第二季度改革任务台账（更正）.csv")
    }));
}

/// The 督察 sheet of the inspections scenario's year-end report holds
/// mart_inspections' figures for the year (desk share and plan rate as
/// percentages), and the sheet's alert tables hold that period's
/// plan_not_inspected and finding_without_notice rows with their cells; the
/// 2024Q3 report names the missed milestone. The HTML page shows the same.
#[test]
fn the_report_has_a_sheet_of_inspections_with_the_marts_figures() {
    let (dir, _) = scenario_workspace(&fixture("scenarios/inspections"));
    let ws = dir.path();
    let out = |period: &str, file: &str| {
        let path = ws.join("out").join(file);
        let status = Command::new(env!("CARGO_BIN_EXE_taizhang"))
            .arg("--workspace")
            .arg(ws)
            .args(["report", "--period", period, "--out"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            status.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        path
    };
    let texts = |path: &Path| -> Vec<Vec<String>> {
        let mut book = calamine::open_workbook_auto(path).unwrap();
        let range = book.worksheet_range("督察").unwrap();
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let q4 = texts(&out("2024Q4", "q4.xlsx"));
    let header = q4
        .iter()
        .find(|r| r[0] == "单位")
        .expect("a table of units");
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
    };
    let city = q4.iter().find(|r| r[0] == "德阳市").expect("德阳市's row");
    let figure = |column: &str| {
        number(
            ws,
            &format!(
                "select {column} from mart_inspections where year = 2024 and scope_code = '510600'"
            ),
        )
    };
    for (label, column) in [
        ("督察次数", "inspections"),
        ("实地督察", "onsite"),
        ("发现问题数", "findings"),
        ("问题已督办", "findings_noticed"),
        ("应督察方案", "plans_due"),
        ("已督察方案", "plans_inspected"),
        ("案头督察率", "desk_share"),
        ("方案督察率", "plan_inspection_rate"),
    ] {
        assert_eq!(
            city[col(label)].parse::<f64>().unwrap(),
            figure(column),
            "{label}"
        );
    }
    assert_eq!(figure("desk_share"), 0.25);
    let named = |rows: &[Vec<String>], cell: &str| {
        rows.iter().flatten().filter(|c| c.ends_with(cell)).count()
    };
    assert_eq!(
        named(&q4, "专项改革方案台账.csv!csv!B5"),
        1,
        "the plan not inspected"
    );
    assert_eq!(
        named(&q4, "改革督察台账.csv!csv!B4"),
        1,
        "the finding without a notice"
    );
    assert_eq!(
        named(&q4, "督察整改台账.csv!csv!C3"),
        0,
        "the milestone was missed in Q3"
    );
    let q3 = texts(&out("2024Q3", "q3.xlsx"));
    assert_eq!(
        named(&q3, "督察整改台账.csv!csv!C3"),
        1,
        "the missed milestone"
    );
    assert_eq!(
        named(&q3, "专项改革方案台账.csv!csv!B5"),
        0,
        "Q3 does not end the year"
    );

    let html = std::fs::read_to_string(out("2024Q4", "q4.html")).unwrap();
    let text = well_formed_text(&html);
    assert!(text.contains("督察情况（本年度）"));
    assert!(text.contains("25.0%"), "德阳市's desk share");
    assert!(text.contains("专项改革方案本年度未开展督察评估：关于深化国资国企改革的实施意见"));
}

/// Checks the page parses as XML and returns its text content.
fn well_formed_text(html: &str) -> String {
    let mut reader = quick_xml::Reader::from_str(html);
    let mut text = String::new();
    let mut depth: i64 = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Text(t)) => {
                text.push_str(&t.xml10_content());
                text.push(' ');
            }
            Ok(quick_xml::events::Event::GeneralRef(r)) => {
                text.push_str(match r.xml10_content().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    _ => "'",
                });
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "every element closed");
    text
}

#[test]
fn the_html_report_is_self_contained_well_formed_and_holds_the_figures() {
    let dir = workspace();
    let ws = dir.path();
    let path = ws.join("out/report.html");
    report(ws, &path);
    let html = std::fs::read_to_string(&path).unwrap();
    let text = well_formed_text(&html);
    for forbidden in ["<script", "src=", "href=\"http", "@import", "url("] {
        assert!(
            !html.contains(forbidden),
            "no external resources: {forbidden}"
        );
    }
    assert_eq!(html.matches("<svg ").count(), 4, "four charts");
    let composite = number(
        ws,
        "select composite_score from mart_scorecard where period = '2024Q2' and scope_code = '510600'",
    );
    assert!(text.contains(&format!("{composite:.2}")), "德阳市's score");
    assert!(text.contains("75.0%"), "旌阳区's satisfaction rate");
    assert!(text.contains("整改事项逾期未完成：执法队伍整合不彻底"));
    assert!(text.contains("=HYPERLINK"), "text stays text, escaped");
    assert!(html.contains("@page { size: A4"));
}

fn browser() -> Option<std::path::PathBuf> {
    client(
        program(&["chromium", "chromium-browser", "google-chrome"]),
        "headless Chromium: apt-get install -y chromium fonts-noto-cjk",
    )
}

/// Decodes an 8-bit RGB or RGBA PNG into its pixels.
fn decode_png(bytes: &[u8]) -> (usize, usize, usize, Vec<u8>) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (mut width, mut height, mut channels) = (0, 0, 0);
    let mut data = Vec::new();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let body = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
                assert_eq!(body[8], 8, "8-bit");
                channels = match body[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("colour type {other}"),
                };
                assert_eq!(body[12], 0, "not interlaced");
            }
            b"IDAT" => data.extend_from_slice(body),
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&data[..]), &mut raw).unwrap();
    let stride = width * channels;
    let mut pixels = vec![0u8; stride * height];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                pixels[y * stride + x - channels] as i32
            } else {
                0
            };
            let b = if y > 0 {
                pixels[(y - 1) * stride + x] as i32
            } else {
                0
            };
            let c = if x >= channels && y > 0 {
                pixels[(y - 1) * stride + x - channels] as i32
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("filter {other}"),
            };
            pixels[y * stride + x] = (line[x] as i32 + predicted) as u8;
        }
    }
    (width, height, channels, pixels)
}

#[test]
fn a_browser_renders_the_html_report_as_a_page_with_content() {
    let Some(browser) = browser() else {
        return;
    };
    let dir = workspace();
    let ws = dir.path();
    let page = ws.join("out/report.html");
    report(ws, &page);
    let shot = ws.join("out/report.png");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,1400",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (width, height, channels, pixels) = decode_png(&std::fs::read(&shot).unwrap());
    assert_eq!((width, height), (1000, 1400));
    let inked = pixels
        .chunks(channels)
        .filter(|p| p[..3].iter().any(|v| *v < 200))
        .count();
    let share = inked as f64 / (width * height) as f64;
    // Text, tables and the bars of the charts: well above nothing, well below a black page.
    assert!(share > 0.02 && share < 0.6, "inked share {share}");
    let blue = pixels
        .chunks(channels)
        .filter(|p| p[2] > 150 && p[0] < 80)
        .count();
    assert!(blue > 500, "the charts' blue bars are drawn ({blue} px)");
}

/// `report --year 2024` of the annual assessment scenario: the workbook's
/// sheets read back hold the ranking with each unit's base score,
/// deductions and final score as mart_annual_assessment has them, the named
/// units with their reasons, every deduction with its source cell, the
/// exemption, the accountability event, the missing assignment and the
/// leaders; the HTML page holds the same and no chart.
#[test]
fn the_annual_report_reads_back_with_the_assessments_figures() {
    let (dir, _) = scenario_workspace(&fixture("scenarios/annual_assessment"));
    let ws = dir.path();
    let xlsx = ws.join("out/年度考核.xlsx");
    let html = ws.join("out/年度考核.html");
    let status = Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .arg("--workspace")
        .arg(ws)
        .args(["report", "--year", "2024", "--out"])
        .arg(&xlsx)
        .arg("--out")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "考核排名",
            "点名通报",
            "扣分明细",
            "容错免责",
            "问责",
            "督察",
            "任务分解对接",
            "领导述职",
            "数据来源"
        ]
    );
    let sheet = |book: &mut calamine::Sheets<_>, name: &str| -> Vec<Vec<String>> {
        book.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let ranking = sheet(&mut book, "考核排名");
    let header = ranking.iter().find(|r| r[0] == "单位").unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (name, code) in [
        ("德阳市", "510600"),
        ("旌阳区", "510603"),
        ("罗江区", "510604"),
        ("中江县", "510623"),
        ("四川省发展和改革委员会", "115100000089145677"),
    ] {
        let row = ranking.iter().find(|r| r[0] == name).unwrap();
        for (column, mart) in [
            ("基础得分", "base_score"),
            ("扣分合计", "deductions"),
            ("最终得分", "final_score"),
            ("排名", "rank"),
        ] {
            let shown: f64 = row[col(column)].parse().unwrap();
            let want = number(
                ws,
                &format!(
                    "select {mart} from mart_annual_assessment where year = 2024 and scope_code = '{code}'"
                ),
            );
            assert!(
                (shown - want).abs() < 1e-9,
                "{name} {column}: {shown} vs {want}"
            );
        }
    }
    // The counties' tie, the cap and the two department series.
    let county_ranks: Vec<String> = ["旌阳区", "中江县", "罗江区"]
        .iter()
        .map(|n| ranking.iter().find(|r| r[0] == *n).unwrap()[col("排名")].clone())
        .collect();
    assert_eq!(county_ranks, ["1", "1", "3"]);
    assert!(
        ranking
            .iter()
            .any(|r| r[0].starts_with("省直党群部门年度考核排名"))
    );
    assert!(
        ranking
            .iter()
            .any(|r| r[0].starts_with("省政府部门年度考核排名"))
    );

    let named = sheet(&mut book, "点名通报");
    let named_units: Vec<&str> = named
        .iter()
        .filter(|r| r.len() > 1 && r[1].contains("末1名"))
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(named_units, ["德阳市", "罗江区"]);
    assert!(
        named
            .iter()
            .any(|r| r[0] == "罗江区" && r[1].contains("低于达标线60.00"))
    );

    let deductions = sheet(&mut book, "扣分明细");
    let lines: Vec<&Vec<String>> = deductions
        .iter()
        .filter(|r| {
            r.iter()
                .any(|c| c.contains("!csv!") || c.contains("未报送"))
        })
        .collect();
    assert_eq!(
        lines.len() as f64,
        number(
            ws,
            "select count(*) from mart_assessment_deductions where year = 2024"
        )
    );
    assert!(deductions.iter().any(|r| {
        r.iter()
            .any(|c| c == "2024年度全面深化改革考核扣分台账.csv!csv!D4")
    }));

    let exemptions = sheet(&mut book, "容错免责");
    assert!(exemptions.iter().any(|r| r[0] == "罗江区"
        && r[1].contains("推进数字政府改革")
        && r.iter().any(|c| c == "川改办〔2024〕8号")));
    let accountability = sheet(&mut book, "问责");
    assert!(
        accountability
            .iter()
            .any(|r| r[0] == "罗江区" && r[1].contains("约谈"))
    );
    let docking = sheet(&mut book, "任务分解对接");
    assert!(
        docking
            .iter()
            .any(|r| r[0] == "中江县" && r[1] == "推进县域商业体系建设")
    );
    let leaders = sheet(&mut book, "领导述职");
    let zhang = leaders
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("张明"))
        .unwrap();
    assert_eq!(zhang[0], "旌阳区");
    assert_eq!(
        zhang[2], "2",
        "张明 and 张　明 are one leader with both tasks"
    );

    let page = std::fs::read_to_string(&html).unwrap();
    let text = well_formed_text(&page);
    assert!(text.contains("年度绩效考核报告（2024年度）"));
    assert!(text.contains("位列县（市、区）末1名"));
    assert!(!page.contains("<svg"), "the annual page draws no chart");
}

/// The bundled sample carries every kind a leader's figures read (issue 34):
/// the demo's period report shows a 全省整改完成率 and a 全省群众满意率 (not
/// "—"), and `report --year 2024` on it lists the province office's ledger
/// deductions with their cells, the exemption of 旌阳区's overdue task, the
/// accountability event, the task breakdown's docking with the task 中江县
/// never listed, and the two departments in the government series.
#[test]
fn the_sample_reports_show_rectification_satisfaction_and_the_annual_ledgers() {
    let dir = cli_workspace();
    let ws = dir.path();
    ingest_and_build_sample(ws);

    let page = ws.join("out/报告.html");
    report(ws, &page);
    let page = std::fs::read_to_string(&page).unwrap();
    for figure in ["全省整改完成率", "全省群众满意率"] {
        let shown = page
            .split("<div class=\"figure\"><div class=\"v\">")
            .find_map(|f| {
                let (v, k) = f.split_once("</div><div class=\"k\">")?;
                k.starts_with(figure).then_some(v)
            })
            .unwrap_or_else(|| panic!("the headline has {figure}"));
        assert!(shown.ends_with('%'), "{figure}: {shown}");
    }
    for (column, mart) in [
        ("closure_rate", "mart_rectification"),
        ("satisfaction_rate", "mart_satisfaction"),
    ] {
        let value = number(
            ws,
            &format!(
                "select {column} from {mart} where period = '2024Q2' and scope_code = '510000'"
            ),
        );
        assert!(value > 0.0 && value < 1.0, "{mart}.{column} = {value}");
    }

    let xlsx = ws.join("out/年度考核.xlsx");
    let status = Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .arg("--workspace")
        .arg(ws)
        .args(["report", "--year", "2024", "--out"])
        .arg(&xlsx)
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    let mut sheet = |name: &str| -> Vec<Vec<String>> {
        book.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let office = "四川省委改革办2024年考核台账.xlsx!扣分台账!";
    let deductions = sheet("扣分明细");
    let from_ledger = deductions
        .iter()
        .filter(|r| r.iter().any(|c| c.starts_with(office)))
        .count();
    assert_eq!(from_ledger, 3, "{deductions:?}");
    assert!(
        deductions
            .iter()
            .any(|r| r[0] == "旌阳区" && r[1].contains("川改督〔2024〕3号")),
        "{deductions:?}"
    );
    let exemptions = sheet("容错免责");
    assert!(
        exemptions
            .iter()
            .any(|r| r[0] == "旌阳区" && r[1].contains("全面推行河湖长制")),
        "{exemptions:?}"
    );
    assert_eq!(
        number(
            ws,
            "select sum(overdue_removed) from mart_exemptions where scope_code = '510603'"
        ),
        1.0,
        "the exempted task was overdue and open in 2024Q2"
    );
    let accountability = sheet("问责");
    assert!(
        accountability
            .iter()
            .any(|r| r[0] == "什邡市" && r.iter().any(|c| c.contains("约谈"))),
        "{accountability:?}"
    );
    let docking = sheet("任务分解对接");
    assert!(
        docking
            .iter()
            .any(|r| r[0] == "中江县" && r[1] == "推进县域商业体系建设"),
        "{docking:?}"
    );
    let docked = rows(
        ws,
        "select scope_code, assigned, found, missing, deadline_later from mart_assignment_docking \
         where year = 2024 and scope_code in ('510600', '510603', 'SC-FGW', 'SC-JYT') order by 1",
    );
    // 德阳市 pools its counties: its own task, 旌阳区's (found under a
    // longer title), 广汉市's (deadline put back) and 中江县's (missing).
    assert_eq!(
        docked,
        [
            ["510600", "4", "3", "1", "1"],
            ["510603", "1", "1", "0", "0"],
            ["SC-FGW", "1", "1", "0", "0"],
            ["SC-JYT", "1", "1", "0", "0"],
        ],
        "{docked:?}"
    );
    let ranking = sheet("考核排名");
    assert!(
        ranking
            .iter()
            .any(|r| r[0].starts_with("省政府部门年度考核排名")),
        "{ranking:?}"
    );
}
