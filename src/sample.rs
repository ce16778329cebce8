//! Deterministic synthetic task ledgers with the quirks of real ones
//! (`taizhang sample`): title and 填报单位 rows, varied header synonyms,
//! section rows, merged cells, a notes footer, a bad row, a late unit, a
//! missing unit and a resubmission, laid out as `<period>/<region_code>/`.
//!
//! A unit's ledgers carry their rows over from quarter to quarter: a row's
//! lead unit, leader, deadline and difficulty are drawn from the unit, the
//! year and the row's place, not from the file, and tasks get done as the
//! unit's progress passes their difficulty, so a done task stays done. On top
//! come the changes [`Rates`] sets — deadlines put back, tasks gone, flags
//! dropped, a done task reported undone, problems reopened, tasks added — as
//! a reform office sees them when it compares two ledgers.
//!
//! The supervision loop (督察) runs through every scale: each unit lists its
//! special plans; its city's reform office (a provincial department's: the
//! province's) inspects most of the plans due in the first half of the year
//! and one task, mostly on the ground, and the city lists those inspections
//! in its own 督察台账 sheet (a department, those of itself); a finding goes
//! out as a notice whose problems the unit lists in its rectification ledger
//! with two milestones — all but one notice a year of each office, which no
//! ledger lists.
//!
//! The small scale adds the province office's workbook of the year (DESIGN
//! §14): deductions, an exemption, an accountability event and the task
//! breakdown, naming the sample's units, so `report --year` has every table.

use rayon::prelude::*;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil::write_bytes_atomic;
use crate::normalize::Period;

/// How much data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// 德阳市, its six counties and two provincial departments over two
    /// quarters, every kind, and the province office's assessment ledgers.
    Small,
    /// Every city and county of Sichuan for one quarter, every kind.
    Province,
    /// About 2,850 cities and counties of a generated national roster, 150–400
    /// task rows each, every kind, one or more quarters (`--quarters`).
    National,
}

/// How much national data to make; ignored by the other scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NationalOptions {
    /// Consecutive quarters from 2024Q1.
    pub quarters: u32,
    /// Only the first `n` submitting units (all of them when `None`), for
    /// tests and quick runs; the roster always lists every unit.
    pub units: Option<usize>,
    /// Task rows per workbook instead of 150–400 (one huge workbook: `units = 1`).
    pub tasks: Option<usize>,
}

impl Default for NationalOptions {
    fn default() -> NationalOptions {
        NationalOptions {
            quarters: 1,
            units: None,
            tasks: None,
        }
    }
}

/// What `generate` wrote.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub files: Vec<PathBuf>,
    pub units: usize,
    pub periods: Vec<Period>,
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the
/// same files on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// Skips `n` draws.
    fn skip(mut self, n: usize) -> Rng {
        for _ in 0..n {
            self.next();
        }
        self
    }

    fn per_mille(&mut self, n: u64) -> bool {
        self.next() % 1000 < n
    }

    /// A generator for one thing of the sample (a unit's year, a task row):
    /// the same `parts` give the same draws in every quarter, so a row keeps
    /// its lead unit, leader and deadline from one ledger to the next.
    fn of(seed: u64, parts: &[u64]) -> Rng {
        let mut r = Rng(seed ^ 0x0005_EED0_FA11);
        for p in parts {
            r.0 ^= p.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            r.next();
        }
        r
    }
}

/// How often a unit's ledger changes between quarters, per mille of rows
/// and per quarter (from the year's second quarter on): what a reform office
/// sees when it compares two ledgers (DESIGN §13 `mart_ledger_changes`).
/// Everything else about a row stays as it was.
#[derive(Debug, Clone, Copy)]
struct Rates {
    /// A task not done has its deadline put back to the year's end; half of
    /// them say why in 备注.
    deadline_pushed: u64,
    /// A task not done is left out of the ledger from then on.
    vanished: u64,
    /// A major task is no longer marked major.
    major_dropped: u64,
    /// A done task is reported as not done in that one quarter.
    regressed: u64,
    /// A rectified problem is open again.
    reopened: u64,
    /// Per domain and quarter: a new task is appended.
    added: u64,
}

/// Few changes, as in real ledgers: the national scale.
const FEW_CHANGES: Rates = Rates {
    deadline_pushed: 8,
    vanished: 3,
    major_dropped: 5,
    regressed: 2,
    reopened: 10,
    added: 100,
};

/// Enough changes that the small demo shows every kind in one quarter.
const DEMO_CHANGES: Rates = Rates {
    deadline_pushed: 60,
    vanished: 30,
    major_dropped: 60,
    regressed: 100,
    reopened: 150,
    added: 250,
};

/// The quarter of the year a ledger is for (1 for any other period).
fn quarter_of(p: Period) -> u64 {
    match p {
        Period::Quarter(_, q) => u64::from(q),
        _ => 1,
    }
}

/// Whether an event with `rate` per mille per quarter has happened to a
/// row by quarter `q`: it happens in one of the quarters 2..=q and stays.
fn happened(row: &[u64], event: u64, rate: u64, q: u64) -> bool {
    (2..=q).any(|j| happens_in(row, event, rate, j))
}

/// Whether it happens exactly in quarter `q`.
fn happens_in(row: &[u64], event: u64, rate: u64, q: u64) -> bool {
    let mut parts = row.to_vec();
    parts.extend([event, q]);
    Rng::of(0, &parts).per_mille(rate)
}

struct SampleUnit {
    code: String,
    name: String,
    level: String,
    parent: String,
}

impl SampleUnit {
    fn new(code: &str, name: &str, level: &str, parent: &str) -> SampleUnit {
        SampleUnit {
            code: code.into(),
            name: name.into(),
            level: level.into(),
            parent: parent.into(),
        }
    }
}

/// 德阳市 and its six counties, and two provincial departments (the default
/// roster's codes).
fn small_units() -> Vec<SampleUnit> {
    [
        ("510600", "德阳市", "city", "510000"),
        ("510603", "旌阳区", "county", "510600"),
        ("510604", "罗江区", "county", "510600"),
        ("510623", "中江县", "county", "510600"),
        ("510681", "广汉市", "county", "510600"),
        ("510682", "什邡市", "county", "510600"),
        ("510683", "绵竹市", "county", "510600"),
        ("SC-FGW", "四川省发展和改革委员会", "department", "510000"),
        ("SC-JYT", "四川省教育厅", "department", "510000"),
    ]
    .into_iter()
    .map(|(c, n, l, p)| SampleUnit::new(c, n, l, p))
    .collect()
}

/// Reform domains and tasks, as section rows and task rows.
const CATALOGUE: &[(&str, &[&str])] = &[
    (
        "经济体制改革",
        &[
            "深化国有企业改革",
            "持续优化营商环境",
            "推进要素市场化配置改革",
            "深化财税体制改革",
            "推进农村集体产权制度改革",
            "深化投融资体制改革",
        ],
    ),
    (
        "民主法制领域改革",
        &[
            "推进综合行政执法体制改革",
            "深化“放管服”改革",
            "推进基层治理现代化",
            "完善矛盾纠纷多元化解机制",
        ],
    ),
    (
        "生态文明体制改革",
        &[
            "全面推行河湖长制",
            "深化生态环境保护综合行政执法改革",
            "推进自然资源资产产权制度改革",
            "建立生态保护补偿机制",
        ],
    ),
    (
        "社会民生领域改革",
        &[
            "深化医药卫生体制改革",
            "推进义务教育优质均衡发展",
            "深化养老服务体系改革",
            "推进社会保险制度改革",
        ],
    ),
];

const DEPARTMENTS: &[&str] = &[
    "发改局",
    "财政局",
    "经信局",
    "司法局",
    "生态环境局",
    "卫健局",
    "教育局",
    "民政局",
    "人社局",
    "农业农村局",
    "自然资源局",
    "水利局",
];
/// The provincial departments that do the work of [`DEPARTMENTS`], by the
/// short names ledgers use (the default roster knows them all).
const PROVINCIAL: &[&str] = &[
    "省发展改革委",
    "省财政厅",
    "省经信厅",
    "省司法厅",
    "省生态环境厅",
    "省卫生健康委",
    "省教育厅",
    "省民政厅",
    "省人力资源社会保障厅",
    "省农业农村厅",
    "省自然资源厅",
    "省水利厅",
];

/// The office that does the work of `DEPARTMENTS[i]` for a unit: its own
/// bureau (县发改局), or for a provincial department the provincial one.
fn office(unit: &SampleUnit, i: usize) -> String {
    match unit.level.as_str() {
        "department" => PROVINCIAL[i].to_string(),
        "city" => format!("市{}", DEPARTMENTS[i]),
        _ if unit.name.ends_with('区') => format!("区{}", DEPARTMENTS[i]),
        _ => format!("县{}", DEPARTMENTS[i]),
    }
}

/// The name a unit's ledgers put it under: its reform office, or a
/// provincial department itself.
fn filer(unit: &SampleUnit) -> String {
    if unit.level == "department" {
        unit.name.clone()
    } else {
        format!("中共{}委全面深化改革委员会办公室", unit.name)
    }
}

/// A department's short name: 四川省教育厅 → 省教育厅.
fn short_name(unit: &SampleUnit) -> String {
    match unit.name.split_once('省') {
        Some((_, rest)) => format!("省{rest}"),
        None => unit.name.clone(),
    }
}

const LEADERS: &[&str] = &[
    "张明", "李华", "王强", "刘洋", "陈静", "杨帆", "赵磊", "黄蓉",
];

/// Three header layouts with different synonyms; layout 2 has no lead-unit
/// column and tags the lead with （牵头） inside 责任单位 instead.
const HEADERS: [&[&str]; 3] = [
    &[
        "序号",
        "改革任务",
        "具体举措",
        "牵头单位",
        "责任单位",
        "牵头领导",
        "完成时限",
        "完成状态",
        "进展情况",
        "实际完成时间",
        "是否重大改革任务",
        "备注",
    ],
    &[
        "编号",
        "重点改革任务",
        "工作措施",
        "牵头部门",
        "配合单位",
        "责任领导",
        "时间节点\n（完成时限）",
        "推进状态",
        "工作进展",
        "完成日期",
        "是否重大",
        "说明",
    ],
    &[
        "序号",
        "改革事项",
        "主要举措",
        "责任单位",
        "分管领导",
        "完成时间",
        "是否完成",
        "落实情况",
        "实际完成日期",
        "重大改革任务",
        "备注",
    ],
];

/// Writes the small sample set under `out`.
pub fn generate(out: &Path, seed: u64, scale: Scale) -> Result<Summary> {
    generate_with(out, seed, scale, NationalOptions::default())
}

/// [`generate`], with the national scale's options.
pub fn generate_with(
    out: &Path,
    seed: u64,
    scale: Scale,
    national: NationalOptions,
) -> Result<Summary> {
    match scale {
        Scale::Small => generate_small(out, seed),
        Scale::Province => generate_province(out, seed),
        Scale::National => generate_national(out, seed, national),
    }
}

struct Plan {
    period: Period,
    unit: usize,
    file_name: String,
    received: (i32, u32, u32, u32, u32),
    /// How far along the unit is: later files report more tasks done.
    progress: u64,
    /// Task rows to write; `None` keeps the catalogue's 14–18.
    tasks: Option<usize>,
    /// How much the ledger changes from the unit's previous one.
    rates: Rates,
}

fn generate_small(out: &Path, seed: u64) -> Result<Summary> {
    let units = small_units();
    let periods = [Period::Quarter(2024, 1), Period::Quarter(2024, 2)];
    let mut plans = Vec::new();
    for (pi, period) in periods.iter().enumerate() {
        let end = period.end();
        for (ui, unit) in units.iter().enumerate() {
            // 什邡市 sends nothing for the first quarter: the missing unit.
            if pi == 0 && unit.code == "510682" {
                continue;
            }
            // 中江县 is late in the first quarter (E + 25 days > E + grace_days),
            // 省教育厅 in the second.
            let delay = if (pi == 0 && unit.code == "510623") || (pi == 1 && unit.code == "SC-JYT")
            {
                25
            } else {
                2 + ui as i64 % 5
            };
            let day = end + chrono::Duration::days(delay);
            let received = (
                chrono::Datelike::year(&day),
                chrono::Datelike::month(&day),
                chrono::Datelike::day(&day),
                9 + ui as u32,
                30,
            );
            // 省教育厅 titles its ledgers with its short name.
            let shown = if unit.code == "SC-JYT" {
                short_name(unit)
            } else {
                unit.name.clone()
            };
            let base = format!(
                "{shown}{}年第{}季度改革任务台账",
                period.year(),
                quarter_zh(*period)
            );
            if pi == 1 && unit.code == "510681" {
                // 广汉市 resubmits the second quarter: a first version, then a corrected one.
                let first_day = end + chrono::Duration::days(3);
                plans.push(Plan {
                    period: *period,
                    unit: ui,
                    file_name: format!("{base}（初报）.xlsx"),
                    received: (
                        chrono::Datelike::year(&first_day),
                        chrono::Datelike::month(&first_day),
                        chrono::Datelike::day(&first_day),
                        10,
                        0,
                    ),
                    // The first version is a little behind the corrected one:
                    // the correction changes a few statuses, as real ones do.
                    progress: 60,
                    tasks: None,
                    rates: DEMO_CHANGES,
                });
                plans.push(Plan {
                    period: *period,
                    unit: ui,
                    file_name: format!("{base}（更正）.xlsx"),
                    received,
                    progress: 75,
                    tasks: None,
                    rates: DEMO_CHANGES,
                });
                continue;
            }
            plans.push(Plan {
                period: *period,
                unit: ui,
                file_name: format!("{base}.xlsx"),
                received,
                progress: 30 + 30 * pi as u64,
                tasks: None,
                rates: DEMO_CHANGES,
            });
        }
    }

    let mut summary = write_plans(out, seed, &units, &plans, &periods, true)?;
    // The province office's ledgers of the year, sent with the second quarter.
    let office = format!("{}/510000/{}", periods[1], OFFICE_WORKBOOK);
    let path = out.join(&office);
    write_bytes_atomic(
        &path,
        &office_ledgers().map_err(|e| xlsx_error(OFFICE_WORKBOOK, e))?,
    )?;
    summary.files.push(path);
    let received = out.join("received.csv");
    let mut received_csv = std::fs::read_to_string(&received).map_err(|source| Error::Io {
        path: received.clone(),
        source,
    })?;
    let _ = writeln!(received_csv, "{office},2024-07-12T10:00:00+08:00");
    write_bytes_atomic(&received, received_csv.as_bytes())?;

    // Both departments are government departments (省政府部门): one series.
    let mut roster = String::from(
        "code,name,level,parent_code,valid_from,valid_to,aliases,category\n510000,四川省,province,,,,,\n",
    );
    for u in &units {
        let aliases = match u.code.as_str() {
            "510604" => "罗江县|510626",
            "SC-FGW" => "省发展改革委|省发改委",
            _ => "",
        };
        let category = if u.level == "department" {
            "government"
        } else {
            ""
        };
        let _ = writeln!(
            roster,
            "{},{},{},{},,,{aliases},{category}",
            u.code, u.name, u.level, u.parent
        );
    }
    write_bytes_atomic(&out.join("roster.csv"), roster.as_bytes())?;
    Ok(summary)
}

/// The province office's workbook of the year (DESIGN §14), in 510000's folder.
const OFFICE_WORKBOOK: &str = "四川省委改革办2024年考核台账.xlsx";

/// The province reform office's ledgers of the sample's year, one sheet each:
/// deductions with their sources, the exemption of a county's overdue task,
/// an accountability event, and the year's task breakdown — tasks found in
/// the assignees' ledgers (one under a longer title, one with a later
/// deadline) and one no ledger lists. Fixed rows naming the sample's units
/// by the names clerks write (中江县, 省发展改革委), as the office keeps them.
fn office_ledgers() -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 1)?),
    );
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // A sheet: its title row, header row and rows; a cell "YYYY-MM-DD" is a
    // date, one that parses as a number a number, the rest text.
    let mut sheet = |name: &str,
                     heading: &str,
                     header: &[&str],
                     rows: &[&[&str]]|
     -> std::result::Result<(), XlsxError> {
        let ws = wb.add_worksheet().set_name(name)?;
        let last = header.len() as u16 - 1;
        ws.merge_range(0, 0, 0, last, heading, &title)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, *h, &head)?;
            ws.set_column_width(c as u16, if c == 0 { 6 } else { 22 })?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = 2 + i as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                if cell.is_empty() {
                    continue;
                }
                match chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d") {
                    Ok(d) => {
                        let dt = ExcelDateTime::from_ymd(
                            chrono::Datelike::year(&d) as u16,
                            m_of(d),
                            d_of(d),
                        )?;
                        ws.write_date_with_format(r, c, &dt, &date)?;
                    }
                    Err(_) => match cell.parse::<f64>() {
                        Ok(n) => {
                            ws.write_number(r, c, n)?;
                        }
                        Err(_) => {
                            ws.write_string(r, c, *cell)?;
                        }
                    },
                }
            }
        }
        Ok(())
    };
    sheet(
        "扣分台账",
        "2024年度全面深化改革考核扣分台账",
        &[
            "序号",
            "被扣分单位",
            "扣分时间",
            "扣分原因",
            "扣分分值",
            "扣分来源",
            "文号",
            "备注",
        ],
        &[
            &[
                "1",
                "什邡市",
                "2024-04-20",
                "改革任务台账数据填报不实，被通报批评",
                "1",
                "通报批评",
                "川改办〔2024〕9号",
                "",
            ],
            &[
                "2",
                "旌阳区",
                "2024-06-14",
                "督察发现改革任务推进缓慢，整改不力",
                "2",
                "督察发现",
                "川改督〔2024〕3号",
                "",
            ],
            &[
                "3",
                "省教育厅",
                "2024-06-25",
                "改革工作信息报送迟报漏报，被通报",
                "0.5",
                "通报批评",
                "川改办〔2024〕14号",
                "",
            ],
        ],
    )?;
    sheet(
        "容错免责认定",
        "2024年度容错免责认定台账",
        &[
            "序号",
            "被认定单位",
            "免责事项",
            "认定时间",
            "认定文号",
            "认定情形",
            "备注",
        ],
        &[&[
            "1",
            EXEMPTED.0,
            EXEMPTED.1,
            "2024-06-20",
            "川改办〔2024〕12号",
            "探索创新",
            "无先例可循，探索中未按期完成",
        ]],
    )?;
    sheet(
        "问责台账",
        "2024年度改革问责台账",
        &[
            "序号",
            "被问责单位",
            "问责时间",
            "问责事由",
            "处理结果",
            "文号",
        ],
        &[&[
            "1",
            "什邡市",
            "2024-05-10",
            "一季度改革任务台账未报送，被省委改革办通报批评",
            "约谈",
            "川纪〔2024〕11号",
        ]],
    )?;
    sheet(
        "2024年工作要点任务分解",
        "2024年全省全面深化改革工作要点任务分解表",
        &[
            "序号",
            "改革任务",
            "牵头单位",
            "责任单位",
            "完成时限",
            "是否重大改革任务",
        ],
        ASSIGNED,
    )?;
    wb.save_to_buffer()
}

/// The county and the title of the overdue task the office exempts: a major
/// task of 旌阳区 due 2024-03-31 and not done in either quarter.
const EXEMPTED: (&str, &str) = ("旌阳区", "全面推行河湖长制");

/// The year's task breakdown: 序号, task, lead, partners, deadline, major.
/// 德阳市's and the departments' are in their ledgers as assigned; 旌阳区's
/// under a longer title; 广汉市 puts its deadline back to 2024-09-30; no
/// ledger of 中江县 lists its task.
const ASSIGNED: &[&[&str]] = &[
    &[
        "1",
        "深化财税体制改革",
        "德阳市",
        "市财政局",
        "2024-06-30",
        "否",
    ],
    &[
        "2",
        "深化国有企业改革工作",
        "旌阳区",
        "区国资局",
        "2024-06-30",
        "是",
    ],
    &[
        "3",
        "持续优化营商环境",
        "广汉市",
        "市发改局",
        "2024年6月底前",
        "否",
    ],
    &[
        "4",
        "推进县域商业体系建设",
        "中江县",
        "县商务局",
        "2024-09-30",
        "否",
    ],
    &[
        "5",
        "推进要素市场化配置改革",
        "省发展改革委",
        "",
        "2024-09-30",
        "是",
    ],
    &["6", "深化“放管服”改革", "省教育厅", "", "2024-06-30", "否"],
];

/// Writes one workbook per plan under `<period>/<region_code>/`, and `received.csv`.
fn write_plans(
    out: &Path,
    seed: u64,
    units: &[SampleUnit],
    plans: &[Plan],
    periods: &[Period],
    every_kind: bool,
) -> Result<Summary> {
    let mut summary = Summary {
        units: units.len(),
        periods: periods.to_vec(),
        ..Summary::default()
    };
    // Regions name provincial departments as leads only when there are some.
    let provincial_leads = units.iter().any(|u| u.level == "department");
    // Workbooks in parallel: each has its own generator, seeded by its index,
    // so the bytes do not depend on the thread count.
    let written: Vec<PathBuf> = plans
        .par_iter()
        .enumerate()
        .map(|(i, plan)| {
            let mut rng = Rng(seed ^ (i as u64).wrapping_mul(0x1000_0000_01B3) ^ 0x7A1_2A46);
            let bytes = task_ledger(seed, units, plan, &mut rng, every_kind, provincial_leads)
                .map_err(|e| xlsx_error(&plan.file_name, e))?;
            let path = out.join(relative_path(units, plan));
            write_bytes_atomic(&path, &bytes)?;
            Ok(path)
        })
        .collect::<Result<_>>()?;
    summary.files = written;
    let mut received_csv = String::from("path,received_at\n");
    for plan in plans {
        let (y, mo, d, h, mi) = plan.received;
        let _ = writeln!(
            received_csv,
            "{},{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00+08:00",
            relative_path(units, plan)
        );
    }
    write_bytes_atomic(&out.join("received.csv"), received_csv.as_bytes())?;
    Ok(summary)
}

/// Every city, county and provincial department of the default roster for
/// one quarter, each workbook holding a sheet of every kind. About one unit in twenty sends
/// nothing, one in ten is late; 会理市 titles its ledger with its old name
/// 会理县, and autonomous prefectures use their short form (凉山州).
fn generate_province(out: &Path, seed: u64) -> Result<Summary> {
    let roster = crate::normalize::Roster::from_csv(crate::workspace::DEFAULT_ROSTER)?;
    let units: Vec<SampleUnit> = roster
        .units()
        .iter()
        .filter(|u| u.level != crate::normalize::Level::Province)
        .map(|u| {
            SampleUnit::new(
                &u.code,
                &u.name,
                u.level.as_str(),
                u.parent_code.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let period = Period::Quarter(2024, 2);
    let end = period.end();
    let mut rng = Rng(seed);
    let mut plans = Vec::new();
    for (ui, unit) in units.iter().enumerate() {
        if rng.chance(5) {
            continue;
        }
        let delay = if rng.chance(10) {
            20
        } else {
            1 + rng.below(9) as i64
        };
        let day = end + chrono::Duration::days(delay);
        let shown = match unit.name.as_str() {
            "会理市" => "会理县".to_string(),
            // Every other department titles its ledger with its short name (省教育厅).
            _ if unit.level == "department" && ui % 2 == 0 => short_name(unit),
            n if n.ends_with("自治州") => format!("{}州", n.chars().take(2).collect::<String>()),
            n => n.to_string(),
        };
        plans.push(Plan {
            period,
            unit: ui,
            file_name: format!(
                "{shown}{}年第{}季度改革工作台账.xlsx",
                period.year(),
                quarter_zh(period)
            ),
            received: (
                chrono::Datelike::year(&day),
                chrono::Datelike::month(&day),
                chrono::Datelike::day(&day),
                9 + (ui % 8) as u32,
                0,
            ),
            progress: 30 + rng.below(50) as u64,
            tasks: None,
            rates: FEW_CHANGES,
        });
    }
    let summary = write_plans(out, seed, &units, &plans, &[period], true)?;
    write_bytes_atomic(
        &out.join("roster.csv"),
        crate::workspace::DEFAULT_ROSTER.as_bytes(),
    )?;
    Ok(summary)
}

/// The 31 provincial units of the national roster (real codes and names).
const PROVINCES: &[(&str, &str)] = &[
    ("110000", "北京市"),
    ("120000", "天津市"),
    ("130000", "河北省"),
    ("140000", "山西省"),
    ("150000", "内蒙古自治区"),
    ("210000", "辽宁省"),
    ("220000", "吉林省"),
    ("230000", "黑龙江省"),
    ("310000", "上海市"),
    ("320000", "江苏省"),
    ("330000", "浙江省"),
    ("340000", "安徽省"),
    ("350000", "福建省"),
    ("360000", "江西省"),
    ("370000", "山东省"),
    ("410000", "河南省"),
    ("420000", "湖北省"),
    ("430000", "湖南省"),
    ("440000", "广东省"),
    ("450000", "广西壮族自治区"),
    ("460000", "海南省"),
    ("500000", "重庆市"),
    ("510000", "四川省"),
    ("520000", "贵州省"),
    ("530000", "云南省"),
    ("540000", "西藏自治区"),
    ("610000", "陕西省"),
    ("620000", "甘肃省"),
    ("630000", "青海省"),
    ("640000", "宁夏回族自治区"),
    ("650000", "新疆维吾尔自治区"),
];

/// Place-name syllables; a name is one of each, so 60 × 60 names are unique.
const NAME_FIRST: &str = "安宝昌长丰福光广海和河华怀吉建江金京靖乐临龙隆罗茂宁平清庆仁荣瑞山善寿顺泰通武西仙祥新兴永玉元云泽彰镇中忠资宣阳兰";
const NAME_SECOND: &str = "安边川城定东丰阜峰谷汉和湖化江津康口兰林陵宁平浦桥清泉山水顺台潭田亭通西溪仙兴阳邑源远州庄沙岭宇冈昌门丘营渡坪原";

/// A generated national roster: the 31 provinces, then per province 6–16
/// cities (`PPCC00`) each with 5–10 counties (`PPCCnn`); every name unique.
fn national_units() -> Vec<SampleUnit> {
    let first: Vec<char> = NAME_FIRST.chars().collect();
    let second: Vec<char> = NAME_SECOND.chars().collect();
    let mut n = 0;
    let mut name = |suffix: &str| {
        // Step through the pairs with a stride coprime to their count, so
        // neighbouring units do not share a first syllable.
        let i = (n * 1_009) % (first.len() * second.len());
        n += 1;
        format!(
            "{}{}{suffix}",
            first[i % first.len()],
            second[i / first.len()]
        )
    };
    let mut units = Vec::new();
    for (pi, (code, pname)) in PROVINCES.iter().enumerate() {
        units.push(SampleUnit::new(code, pname, "province", ""));
        let cities = 6 + (pi * 5) % 11;
        for ci in 1..=cities {
            let city = format!("{}{ci:02}00", &code[..2]);
            units.push(SampleUnit::new(&city, &name("市"), "city", code));
            let counties = 5 + (pi * 3 + ci * 7) % 6;
            for ki in 1..=counties {
                let county = format!("{}{ci:02}{ki:02}", &code[..2]);
                let suffix = if ki <= 2 { "区" } else { "县" };
                units.push(SampleUnit::new(&county, &name(suffix), "county", &city));
            }
        }
    }
    units
}

/// Every city and county of [`national_units`] for `quarters` quarters from
/// 2024Q1, each workbook with 150–400 task rows and a sheet of every other
/// kind. About one unit in thirty skips a quarter, one in ten is late.
fn generate_national(out: &Path, seed: u64, opts: NationalOptions) -> Result<Summary> {
    let units = national_units();
    let periods: Vec<Period> = (0..opts.quarters.max(1))
        .map(|q| Period::Quarter(2024 + (q / 4) as i32, q % 4 + 1))
        .collect();
    let submitting: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].level != "province")
        .take(opts.units.unwrap_or(usize::MAX))
        .collect();
    let mut rng = Rng(seed);
    let unit_rng = |ui: usize| Rng::of(seed, &[ui as u64, 0x0417]);
    let mut plans = Vec::new();
    for (qi, period) in periods.iter().enumerate() {
        let end = period.end();
        for &ui in &submitting {
            if rng.chance(3) && opts.units.is_none_or(|n| n > 1) {
                continue;
            }
            let delay = if rng.chance(10) {
                20
            } else {
                1 + rng.below(9) as i64
            };
            let day = end + chrono::Duration::days(delay);
            plans.push(Plan {
                period: *period,
                unit: ui,
                file_name: format!(
                    "{}{}年第{}季度改革工作台账.xlsx",
                    units[ui].name,
                    period.year(),
                    quarter_zh(*period)
                ),
                received: (
                    chrono::Datelike::year(&day),
                    chrono::Datelike::month(&day),
                    chrono::Datelike::day(&day),
                    9 + (ui % 8) as u32,
                    0,
                ),
                // A unit's pace and list length are its own, every quarter:
                // its ledgers carry their rows over and only progress.
                progress: (20 + 15 * qi as u64 + unit_rng(ui).below(30) as u64).min(95),
                tasks: Some(
                    opts.tasks
                        .unwrap_or_else(|| 150 + unit_rng(ui).skip(1).below(251)),
                ),
                rates: FEW_CHANGES,
            });
        }
    }
    let mut summary = write_plans(out, seed, &units, &plans, &periods, true)?;
    summary.units = submitting.len();
    let mut roster = String::from("code,name,level,parent_code,valid_from,valid_to,aliases\n");
    for u in &units {
        let _ = writeln!(roster, "{},{},{},{},,,", u.code, u.name, u.level, u.parent);
    }
    write_bytes_atomic(&out.join("roster.csv"), roster.as_bytes())?;
    Ok(summary)
}

fn relative_path(units: &[SampleUnit], plan: &Plan) -> String {
    format!(
        "{}/{}/{}",
        plan.period, units[plan.unit].code, plan.file_name
    )
}

fn xlsx_error(name: &str, e: XlsxError) -> Error {
    Error::Io {
        path: name.into(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn quarter_zh(p: Period) -> &'static str {
    match p {
        Period::Quarter(_, 1) => "一",
        Period::Quarter(_, 2) => "二",
        Period::Quarter(_, 3) => "三",
        _ => "四",
    }
}

/// One task ledger workbook, as bytes.
fn task_ledger(
    seed: u64,
    units: &[SampleUnit],
    plan: &Plan,
    rng: &mut Rng,
    every_kind: bool,
    provincial_leads: bool,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let unit = &units[plan.unit];
    let layout = (plan.unit + plan.period.year() as usize) % HEADERS.len();
    let headers = HEADERS[layout];
    let ncols = headers.len() as u16;
    let mut wb = Workbook::new();
    // A fixed creation time keeps the bytes, and so the sha256, reproducible.
    wb.set_properties(
        &DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 1)?),
    );
    let ws = wb.add_worksheet().set_name(format!(
        "{}年{}季度",
        plan.period.year(),
        quarter_zh(plan.period)
    ))?;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");

    ws.merge_range(
        0,
        0,
        0,
        ncols - 1,
        &format!(
            "{}{}年第{}季度全面深化改革任务台账",
            unit.name,
            plan.period.year(),
            quarter_zh(plan.period)
        ),
        &title,
    )?;
    let half = ncols / 2;
    ws.merge_range(
        1,
        0,
        1,
        half - 1,
        &format!("填报单位（盖章）：{}", filer(unit)),
        &wrap,
    )?;
    let (y, m, d, _, _) = plan.received;
    ws.merge_range(
        1,
        half,
        1,
        ncols - 1,
        &format!("填报时间：{y}年{m}月{d}日"),
        &wrap,
    )?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &head)?;
    }
    ws.set_row_height(2, 32)?;
    for (c, width) in [6, 26, 30, 14, 24, 10, 16, 12, 30, 14, 10, 10]
        .iter()
        .enumerate()
        .take(headers.len())
    {
        ws.set_column_width(c as u16, *width)?;
    }

    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.replace('\n', "").contains(name))
            .map(|c| c as u16)
    };
    let lead_col = col("牵头单位").or(col("牵头部门"));
    let units_col = col("责任单位")
        .or(col("配合单位"))
        .expect("every layout has a units column");
    let leader_col = col("领导").expect("every layout has a leader column");
    let deadline_col = col("完成时限")
        .or(col("完成时间"))
        .expect("every layout has a deadline column");
    let status_col = col("状态")
        .or(col("是否完成"))
        .expect("every layout has a status column");
    let progress_col = col("进展")
        .or(col("落实情况"))
        .expect("every layout has a progress column");
    let done_col = col("完成日期")
        .or(col("实际完成"))
        .expect("every layout has a completion column");
    let major_col = col("重大").expect("every layout has a major column");
    let yes_no_status = headers[status_col as usize] == "是否完成";

    let mut row: u32 = 3;
    let mut seq = 0;
    let year = plan.period.year();
    let end = plan.period.end();
    let q = quarter_of(plan.period);
    let rates = plan.rates;
    // What stays from quarter to quarter is drawn from the unit's year and
    // the row's place; only progress and `rates`' changes move between them.
    let unit_year = [plan.unit as u64, year as u64];
    let domains =
        CATALOGUE.len() - usize::from(Rng::of(seed, &[unit_year[0], unit_year[1], 1]).chance(40));
    for (di, (domain, tasks)) in CATALOGUE.iter().take(domains).enumerate() {
        let base = match plan.tasks {
            // Spread the wanted rows over the domains, the remainder in the first.
            Some(n) => n / domains + if di == 0 { n % domains } else { 0 },
            None => {
                tasks.len() - Rng::of(seed, &[unit_year[0], unit_year[1], 2, di as u64]).below(2)
            }
        };
        // New tasks are appended to a domain's list as the year goes on.
        let list = [unit_year[0], unit_year[1], 3, di as u64];
        let added = (2..=q)
            .filter(|&j| happens_in(&list, seed, rates.added, j))
            .count();
        let rows: Vec<usize> = (0..base + added)
            .filter(|&k| {
                let key = [unit_year[0], unit_year[1], di as u64, k as u64, seed];
                !happened(&key, 4, rates.vanished, q)
            })
            .collect();
        ws.merge_range(
            row,
            0,
            row,
            ncols - 1,
            &format!(
                "{}、{domain}（{}项）",
                ["一", "二", "三", "四"][di],
                rows.len()
            ),
            &wrap,
        )?;
        row += 1;
        for k in rows {
            // Beyond the catalogue, the same tasks come back as later batches (第2批…).
            let task = &match k / tasks.len() {
                0 => tasks[k].to_string(),
                batch => format!("{}（第{}批）", tasks[k % tasks.len()], batch + 1),
            };
            let key = [unit_year[0], unit_year[1], di as u64, k as u64, seed];
            let mut t = Rng::of(seed, &key);
            seq += 1;
            let lead_office = t.below(DEPARTMENTS.len());
            let partner = office(unit, t.below(DEPARTMENTS.len()));
            // A department leads the reforms it owns. Now and then a region
            // names the provincial department as the lead of its task (a
            // reform the province assigned), which the department's own
            // ledger may not carry: the 中梗阻 view (mart_department_gaps).
            // Its own draw, so the rows' other draws stay as they were.
            let lead = if unit.level == "department" {
                short_name(unit)
            } else if provincial_leads
                && Rng::of(seed, &[key[0], key[1], key[2], key[3], 9]).chance(10)
            {
                // The department that owns the domain: 发改, 司法, 生态环境, 教育.
                PROVINCIAL[[0, 3, 4, 6][di]].to_string()
            } else {
                office(unit, lead_office)
            };
            let leader = LEADERS[t.below(LEADERS.len())];
            // The deadline form varies as it does in real ledgers.
            let (mut deadline_text, mut deadline) = match t.below(8) {
                0 => (None, chrono::NaiveDate::from_ymd_opt(year, 3, 31)),
                1 => (
                    Some(format!("{year}年6月底前")),
                    chrono::NaiveDate::from_ymd_opt(year, 6, 30),
                ),
                2 => (
                    Some(format!("{year}.9.30")),
                    chrono::NaiveDate::from_ymd_opt(year, 9, 30),
                ),
                3 => (Some("长期坚持".to_string()), None),
                4 => (
                    Some("年底前".to_string()),
                    chrono::NaiveDate::from_ymd_opt(year, 12, 31),
                ),
                5 => (
                    Some(format!("{year}年第一季度")),
                    chrono::NaiveDate::from_ymd_opt(year, 3, 31),
                ),
                6 => (
                    Some("3月底前出台方案，6月底前完成".to_string()),
                    chrono::NaiveDate::from_ymd_opt(year, 6, 30),
                ),
                _ => (
                    Some(format!("{year}年上半年")),
                    chrono::NaiveDate::from_ymd_opt(year, 6, 30),
                ),
            };
            // Each row has its own difficulty: it is done once the unit's
            // progress passes it, so a done task stays done.
            let difficulty = t.below(100) as u64;
            let early = t.below(100) as u64;
            let major = t.chance(30);
            let two_rows = t.chance(15);
            let done_before = t.below(40) as i64 - 8;
            let wording = t.below(12);
            let with_note = t.chance(50);
            let year_end = chrono::NaiveDate::from_ymd_opt(year, 12, 31);
            // A task put back to the year's end is one that was not going to
            // make its deadline: it is never done before that.
            let stuck = deadline.is_some_and(|d| Some(d) < year_end)
                && happened(&key, 5, rates.deadline_pushed, 4);
            let pushed = stuck && happened(&key, 5, rates.deadline_pushed, q);
            if pushed {
                deadline_text = Some("年底前".to_string());
                deadline = year_end;
            }
            let due = deadline.is_some_and(|d| d <= end);
            let done = !stuck && (due && difficulty < plan.progress || early < plan.progress / 4);
            let regressed = done && happens_in(&key, 6, rates.regressed, q);
            let reported_done = done && !regressed;
            let status = if reported_done {
                if yes_no_status {
                    "是"
                } else {
                    ["已完成", "已完成", "已出台", "完成"][wording % 4]
                }
            } else if yes_no_status {
                "否"
            } else if deadline.is_none() {
                "长期坚持"
            } else if regressed {
                "推进中"
            } else if due && wording < 6 {
                ["未按期完成", "滞后", "进度滞后"][wording % 3]
            } else {
                ["推进中", "已启动未完成", "正在推进", "未启动"][wording % 4]
            };
            // Two measures rows for some tasks, with the task, units and deadline merged down.
            let rows = if two_rows { 2 } else { 1 };
            let last = row + rows - 1;
            let put =
                |ws: &mut Worksheet, c: u16, text: &str| -> std::result::Result<(), XlsxError> {
                    if rows > 1 {
                        ws.merge_range(row, c, last, c, text, &wrap)?;
                    } else {
                        ws.write_string(row, c, text)?;
                    }
                    Ok(())
                };
            put(ws, 0, &seq.to_string())?;
            put(ws, 1, task)?;
            for r in 0..rows {
                ws.write_string(
                    row + r,
                    2,
                    format!("制定{task}实施方案并推进第{}阶段工作", r + 1),
                )?;
            }
            match lead_col {
                Some(c) => {
                    put(ws, c, &lead)?;
                    put(ws, units_col, &format!("{lead}、{partner}"))?;
                }
                None => put(ws, units_col, &format!("{lead}（牵头）、{partner}"))?,
            }
            put(ws, leader_col, leader)?;
            match (&deadline_text, deadline) {
                (Some(t), _) => put(ws, deadline_col, t)?,
                (None, Some(d)) => {
                    let dt = ExcelDateTime::from_ymd(
                        chrono::Datelike::year(&d) as u16,
                        m_of(d),
                        d_of(d),
                    )?;
                    ws.write_date_with_format(row, deadline_col, &dt, &date)?;
                }
                (None, None) => {}
            }
            put(ws, status_col, status)?;
            ws.write_string(
                row,
                progress_col,
                if reported_done {
                    "已按要求完成"
                } else {
                    "正在有序推进"
                },
            )?;
            if reported_done {
                let on = deadline.unwrap_or(end) - chrono::Duration::days(done_before);
                let on = on.min(end);
                ws.write_date_with_format(
                    row,
                    done_col,
                    &ExcelDateTime::from_ymd(
                        chrono::Datelike::year(&on) as u16,
                        m_of(on),
                        d_of(on),
                    )?,
                    &date,
                )?;
            }
            let still_major = major && !happened(&key, 7, rates.major_dropped, q);
            ws.write_string(row, major_col, if still_major { "是" } else { "否" })?;
            if pushed && with_note {
                ws.write_string(row, ncols - 1, "因上级政策调整，经批准延期至年底")?;
            }
            row = last + 1;
        }
    }
    // A bad row: measures and units but no task — it must be reported, not dropped.
    if plan.unit == 2 {
        seq += 1;
        ws.write_string(row, 0, seq.to_string())?;
        ws.write_string(row, 2, "完善配套制度")?;
        ws.write_string(row, units_col, office(unit, 3))?;
        row += 1;
    }
    // One empty row does not end the table; the notes row does.
    row += 1;
    ws.merge_range(
        row,
        0,
        row,
        ncols - 1,
        "注：1.完成时限以改革方案印发的时限为准；2.已完成的任务请填写实际完成时间。",
        &wrap,
    )?;
    ws.write_string(row + 1, 0, "填报人：王芳    联系电话：0838-2200000")?;
    if every_kind {
        other_kinds(seed, &mut wb, unit, plan, rng)?;
    }
    supervision_kinds(seed, &mut wb, units, plan, every_kind)?;
    compliance_kinds(seed, &mut wb, unit, plan)?;
    wb.save_to_buffer()
}

/// A sheet each of meetings, publicity and typical cases: what the unit's
/// bodies, its propaganda department and its pilots did in the quarter.
/// About one 专项小组 in twelve misses a quarter, one unit in eight holds no
/// press conference all year, and a case comes from a pilot or from below.
fn compliance_kinds(
    seed: u64,
    wb: &mut Workbook,
    unit: &SampleUnit,
    plan: &Plan,
) -> std::result::Result<(), XlsxError> {
    let year = plan.period.year() as u16;
    let q = quarter_of(plan.period) as u8;
    let stable = |parts: &[u64]| {
        let mut key = vec![seed, plan.unit as u64, u64::from(year)];
        key.extend_from_slice(parts);
        Rng::of(seed, &key)
    };
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let party = if unit.level == "city" {
        "市委"
    } else {
        "县委"
    };
    // A day of the quarter's months, from the draw.
    let day_in_quarter = |r: &mut Rng| -> std::result::Result<ExcelDateTime, XlsxError> {
        ExcelDateTime::from_ymd(
            year,
            (q - 1) * 3 + 1 + r.below(3) as u8,
            1 + r.below(28) as u8,
        )
    };

    let ws = wb.add_worksheet().set_name("会议台账")?;
    let head = [
        "序号",
        "会议名称",
        "召开时间",
        "会议类型",
        "会议议题",
        "听取汇报",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    // A department has its own reform leading group and no 专项小组.
    let bodies = if unit.level == "department" {
        vec![format!("{}全面深化改革领导小组", unit.name)]
    } else {
        vec![
            format!("{party}全面深化改革委员会"),
            "经济体制和生态文明体制改革专项小组".to_string(),
            "民主法制领域改革专项小组".to_string(),
            "社会体制改革专项小组".to_string(),
        ]
    };
    let mut r = 1u32;
    for (b, body) in bodies.iter().enumerate() {
        let mut t = stable(&[40, b as u64, u64::from(q)]);
        // The leading body always meets; a group misses a quarter now and then.
        if b > 0 && t.below(12) == 0 {
            continue;
        }
        ws.write_number(r, 0, f64::from(r))?;
        ws.write_string(r, 1, body)?;
        ws.write_date_with_format(r, 2, &day_in_quarter(&mut t)?, &date)?;
        ws.write_string(
            r,
            3,
            if b == 0 {
                "全体会议"
            } else {
                "专题会议"
            },
        )?;
        ws.write_string(r, 4, "研究部署本季度改革重点任务")?;
        if b == 0 {
            ws.write_string(
                r,
                5,
                "经济体制改革专项小组工作汇报、民主法制领域改革专项小组工作汇报",
            )?;
        }
        r += 1;
    }

    let ws = wb.add_worksheet().set_name("改革宣传台账")?;
    for (c, h) in [
        "序号",
        "宣传活动",
        "宣传形式",
        "发布时间",
        "刊发媒体",
        "宣传主题",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h)?;
    }
    let mut year_draw = stable(&[50]);
    // The quarter of the year's press conference; 0 = none this year.
    let press_quarter = if year_draw.below(8) == 0 {
        0
    } else {
        1 + year_draw.below(4) as u8
    };
    let mut r = 1u32;
    let mut t = stable(&[51, u64::from(q)]);
    if press_quarter == q {
        ws.write_number(r, 0, f64::from(r))?;
        ws.write_string(r, 1, format!("{}全面深化改革工作新闻发布会", unit.name))?;
        ws.write_string(r, 2, "新闻发布会")?;
        ws.write_date_with_format(r, 3, &day_in_quarter(&mut t)?, &date)?;
        ws.write_string(r, 4, "四川日报")?;
        ws.write_string(r, 5, "改革成效")?;
        r += 1;
    }
    ws.write_number(r, 0, f64::from(r))?;
    ws.write_string(
        r,
        1,
        format!("“改革在{}”{}季度专栏", unit.name, quarter_zh(plan.period)),
    )?;
    ws.write_string(r, 2, ["媒体专栏", "专题报道"][t.below(2)])?;
    ws.write_date_with_format(r, 3, &day_in_quarter(&mut t)?, &date)?;
    ws.write_string(r, 4, ["四川日报", "四川电视台", "川观新闻"][t.below(3)])?;
    ws.write_string(r, 5, "基层改革实践")?;

    // A unit with no case in the quarter sends no cases sheet (an empty one
    // would be refused as a ledger with no rows).
    let mut t = stable(&[60, u64::from(q)]);
    if t.below(3) == 0 {
        let ws = wb.add_worksheet().set_name("改革典型案例")?;
        for (c, h) in [
            "序号",
            "案例名称",
            "案例单位",
            "案例来源",
            "所属试点",
            "推广层级",
            "认定时间",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h)?;
        }
        let from_pilot = t.chance(50);
        ws.write_number(1, 0, 1.0)?;
        ws.write_string(
            1,
            1,
            if from_pilot {
                format!("{}以宅基地改革激活乡村资源", unit.name)
            } else {
                format!("{}“一窗通办”便民服务", unit.name)
            },
        )?;
        ws.write_string(1, 2, format!("{}政务服务中心", unit.name))?;
        ws.write_string(1, 3, if from_pilot { "试点" } else { "基层" })?;
        if from_pilot {
            ws.write_string(1, 4, "农村宅基地制度改革试点")?;
        }
        ws.write_string(1, 5, ["省级", "市级", "国家级"][t.below(3)])?;
        ws.write_date_with_format(1, 6, &day_in_quarter(&mut t)?, &date)?;
    }
    Ok(())
}

/// A sheet each of pilots and satisfaction, with the satisfaction form (3-,
/// 4- or 5-level) varying by unit. (Rectifications and plans:
/// [`supervision_kinds`].)
fn other_kinds(
    seed: u64,
    wb: &mut Workbook,
    unit: &SampleUnit,
    plan: &Plan,
    rng: &mut Rng,
) -> std::result::Result<(), XlsxError> {
    let year = plan.period.year() as u16;
    // As for tasks: each list and row is the unit's for the year.
    let stable = |parts: &[u64]| {
        let mut key = vec![seed, plan.unit as u64, u64::from(year)];
        key.extend_from_slice(parts);
        Rng::of(seed, &key)
    };
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // These sheets name a region's offices 市… or 县… (districts too, as they
    // always have); a department's, the provincial ones.
    let prefix = if unit.level == "city" { "市" } else { "县" };
    let office = |i: usize| match unit.level.as_str() {
        "department" => PROVINCIAL[i].to_string(),
        _ => format!("{prefix}{}", DEPARTMENTS[i]),
    };
    let ws = wb.add_worksheet().set_name("改革试点")?;
    let head = [
        "序号",
        "试点名称",
        "批准层级",
        "牵头领导",
        "牵头单位",
        "是否成立工作班子",
        "是否制定试点方案",
        "备案时间",
        "启动时间",
        "试点期限（月）",
        "试点状态",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for i in 0..(1 + stable(&[20]).below(3)) {
        let r = 1 + i as u32;
        let rng = &mut stable(&[21, i as u64]);
        let start_year = year - rng.below(4) as u16;
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(
            r,
            1,
            [
                "农村宅基地制度改革试点",
                "城乡融合发展试点",
                "营商环境创新试点",
            ][i % 3],
        )?;
        ws.write_string(r, 2, ["国家级", "省级", "市级"][rng.below(3)])?;
        if rng.chance(85) {
            ws.write_string(r, 3, LEADERS[rng.below(LEADERS.len())])?;
        }
        ws.write_string(r, 4, office(0))?;
        ws.write_string(r, 5, if rng.chance(80) { "是" } else { "否" })?;
        ws.write_string(r, 6, if rng.chance(80) { "是" } else { "否" })?;
        if rng.chance(70) {
            ws.write_date_with_format(r, 7, &ExcelDateTime::from_ymd(start_year, 2, 1)?, &date)?;
        }
        ws.write_date_with_format(r, 8, &ExcelDateTime::from_ymd(start_year, 1, 10)?, &date)?;
        ws.write_number(r, 9, 24.0)?;
        ws.write_string(r, 10, "试点中")?;
    }

    let ws = wb.add_worksheet().set_name("群众满意度测评")?;
    let labels: &[&str] = match plan.unit % 3 {
        0 => &["满意", "基本满意", "不满意", "不了解"],
        1 => &["满意", "较满意", "较不满意", "不满意"],
        _ => &["非常满意", "满意", "一般", "不满意", "非常不满意"],
    };
    ws.write_string(0, 0, "序号")?;
    ws.write_string(0, 1, "测评项目")?;
    for (c, l) in labels.iter().enumerate() {
        ws.write_string(0, 2 + c as u16, *l)?;
    }
    for (i, item) in ["政务服务改革", "医疗卫生改革", "教育改革"]
        .iter()
        .enumerate()
    {
        let r = 1 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, *item)?;
        for c in 0..labels.len() {
            ws.write_number(
                r,
                2 + c as u16,
                (rng.below(40) + usize::from(c == 0) * 20) as f64,
            )?;
        }
    }
    Ok(())
}

/// Special reform plans, by title; the unit's list is drawn from them.
const PLAN_TITLES: &[&str] = &[
    "关于深化医药卫生体制改革的实施方案",
    "关于优化营商环境的若干措施",
    "关于深化国资国企改革的实施意见",
    "关于推进数字政府建设的实施方案",
    "关于深化农村集体产权制度改革的实施方案",
];

/// Problems an inspection finds, as a rectification item words them.
const FINDINGS: &[&str] = &[
    "改革事项推进缓慢，未按方案时限完成",
    "配套制度未及时出台",
    "责任分工不清，牵头单位统筹不够",
    "基层落实情况底数不清",
    "改革成效评估机制未建立",
];

/// How an inspection was made: mostly on the ground, now and then at the
/// desk (书面督察), joint or covert or with a third party.
const MODES: &[&str] = &[
    "实地督察",
    "实地督察",
    "联合督察、实地督察",
    "暗访",
    "联合督察、暗访、实地",
    "第三方评估、实地督察",
    "书面督察",
    "听取汇报、查阅资料、实地查看",
];

/// A special reform plan of a unit's year, as its plans ledger lists it.
struct SamplePlan {
    title: &'static str,
    issued: chrono::NaiveDate,
    docks: bool,
    items: usize,
}

/// A unit's plans for a year: the same in every quarter's ledger (one issued
/// after June appears once it is issued).
fn unit_plans(seed: u64, unit: usize, year: i32) -> Vec<SamplePlan> {
    let stable = |parts: &[u64]| {
        let mut key = vec![seed, unit as u64, year as u64];
        key.extend_from_slice(parts);
        Rng::of(seed, &key)
    };
    let n = 1 + stable(&[30]).below(4);
    let first = stable(&[32]).below(PLAN_TITLES.len());
    (0..n)
        .map(|i| {
            let mut r = stable(&[31, i as u64]);
            // Most plans are last year's; one in eight is issued this autumn,
            // too late to be due for this year's inspection.
            let issued = if r.below(8) == 0 {
                chrono::NaiveDate::from_ymd_opt(year, 8 + r.below(3) as u32, 15)
            } else {
                chrono::NaiveDate::from_ymd_opt(year - 1, 1 + r.below(12) as u32, 15)
            }
            .expect("a valid day");
            SamplePlan {
                title: PLAN_TITLES[(first + i) % PLAN_TITLES.len()],
                issued,
                docks: r.chance(50),
                items: 5 + r.below(10),
            }
        })
        .collect()
}

/// An inspection (督察) of a unit by its city's reform office: a plan's
/// yearly inspection, or one of a task.
struct Check {
    /// Index into the unit's plans, or `None` for a task.
    plan: Option<usize>,
    subject: String,
    on: chrono::NaiveDate,
    mode: &'static str,
    findings: usize,
    /// The notice's serial number, when problems were found.
    notice: Option<usize>,
    /// The unit lists the notice's items in its rectification ledger: all
    /// but one a year of each office ([`checks_of`]), a finding that never
    /// became a rectification item.
    listed: bool,
    /// The unit reports on its items at every quarter's end (else only once,
    /// right after the notice, and misses its first milestone).
    diligent: bool,
    /// Days after the inspection its report reached the office one level up,
    /// if it did.
    report_after: Option<i64>,
}

/// The reform office that inspects a unit, as the units it inspects (the
/// one whose ledger lists the inspections first) and the first character of
/// its notices' numbers: a city's office inspects the city and its counties
/// (德改督), the province's the provincial departments (川改督), each of
/// which lists the inspections of itself.
struct Office {
    group: Vec<usize>,
    initial: String,
}

fn office_of(units: &[SampleUnit], unit: usize) -> Option<Office> {
    let u = &units[unit];
    let city = match u.level.as_str() {
        "city" => unit,
        "county" => units.iter().position(|c| c.code == u.parent)?,
        "department" => {
            return Some(Office {
                group: (0..units.len())
                    .filter(|&i| units[i].level == "department")
                    .collect(),
                initial: "川".to_string(),
            });
        }
        _ => return None,
    };
    Some(Office {
        group: (0..units.len())
            .filter(|&i| i == city || units[i].parent == units[city].code)
            .collect(),
        initial: units[city].name.chars().take(1).collect(),
    })
}

/// Every inspection of `unit` in `year`, in the order made: each plan due in
/// the year is inspected once in the first half, but one in seven is left
/// uninspected; one task a year is inspected too, in any quarter.
fn checks_of(seed: u64, units: &[SampleUnit], unit: usize, year: i32) -> Vec<Check> {
    let Some(office) = office_of(units, unit) else {
        return Vec::new();
    };
    let place = office.group.iter().position(|&i| i == unit).unwrap_or(0);
    let mut checks = drawn_checks(seed, unit, year, place);
    // One finding a year of each office never becomes a rectification item:
    // the first of the unit the office's draw picks, or of the next one
    // round the group that found anything.
    let n = office.group.len();
    let start = Rng::of(seed, &[seed, office.group[0] as u64, year as u64, 75]).below(n);
    let found = |p: usize| {
        if p == place {
            checks.iter().any(|c| c.findings > 0)
        } else {
            drawn_checks(seed, office.group[p], year, p)
                .iter()
                .any(|c| c.findings > 0)
        }
    };
    let forgetful = (0..n).map(|k| (start + k) % n).find(|&p| found(p));
    if forgetful == Some(place)
        && let Some(first) = checks.iter_mut().find(|c| c.findings > 0)
    {
        first.listed = false;
    }
    checks
}

/// The inspections of `unit` in `year` as drawn, every notice listed;
/// `place` is the unit's place among those its office inspects (its notices
/// are numbered from `place` × 10 + 1).
fn drawn_checks(seed: u64, unit: usize, year: i32, place: usize) -> Vec<Check> {
    let june = chrono::NaiveDate::from_ymd_opt(year, 6, 30).expect("a valid day");
    let mut checks = Vec::new();
    let mut draw = |key: u64, plan: Option<usize>, subject: String, quarters: usize| {
        let mut r = Rng::of(seed, &[seed, unit as u64, year as u64, 70, key]);
        let q = r.below(quarters) as u32;
        let on = chrono::NaiveDate::from_ymd_opt(
            year,
            3 * q + 1 + r.below(3) as u32,
            1 + r.below(28) as u32,
        )
        .expect("a valid day");
        let findings = [0, 0, 1, 2, 3, 3][r.below(6)];
        checks.push(Check {
            plan,
            subject,
            on,
            mode: MODES[r.below(MODES.len())],
            findings,
            notice: None,
            listed: true,
            diligent: r.chance(80),
            report_after: r.chance(80).then(|| 15 + r.below(20) as i64),
        });
    };
    for (i, p) in unit_plans(seed, unit, year).iter().enumerate() {
        let mut r = Rng::of(seed, &[seed, unit as u64, year as u64, 71, i as u64]);
        if p.issued > june || r.below(7) == 0 {
            continue;
        }
        // Offices write the plan's title loosely: in 《》, or without 关于…的.
        let subject = match r.below(3) {
            0 => format!("《{}》", p.title),
            1 => p.title.to_string(),
            _ => p
                .title
                .trim_start_matches("关于")
                .replacen("的实施方案", "实施方案", 1),
        };
        draw(i as u64, Some(i), subject, 2);
    }
    let (_, tasks) =
        CATALOGUE[Rng::of(seed, &[seed, unit as u64, year as u64, 72]).below(CATALOGUE.len())];
    let task = tasks[Rng::of(seed, &[seed, unit as u64, year as u64, 73]).below(tasks.len())];
    draw(99, None, task.to_string(), 4);
    checks.sort_by_key(|c| c.on);
    // Notices are numbered in the order they go out.
    let mut serial = place * 10;
    for c in checks.iter_mut().filter(|c| c.findings > 0) {
        serial += 1;
        c.notice = Some(serial);
    }
    checks
}

/// The notice number an office gives: 德改督〔2024〕12号.
fn notice_no(units: &[SampleUnit], unit: usize, year: i32, serial: usize) -> String {
    let initial = office_of(units, unit).map_or_else(String::new, |o| o.initial);
    format!("{initial}改督〔{year}〕{serial}号")
}

/// A unit's sheets of the supervision loop: its special plans (every unit),
/// its rectification items — the first wave's problems in `every_kind`
/// scales, and in every scale the items of the notices its inspecting office
/// sent it — and the quarter's inspections (督察台账): a city's office lists
/// those of itself and its counties, a department the province's of itself.
fn supervision_kinds(
    seed: u64,
    wb: &mut Workbook,
    units: &[SampleUnit],
    plan: &Plan,
    every_kind: bool,
) -> std::result::Result<(), XlsxError> {
    let unit = &units[plan.unit];
    let year = plan.period.year();
    let q = quarter_of(plan.period);
    let end = plan.period.end();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let put_date = |ws: &mut Worksheet, r: u32, c: u16, d: chrono::NaiveDate| {
        ws.write_date_with_format(
            r,
            c,
            &ExcelDateTime::from_ymd(chrono::Datelike::year(&d) as u16, m_of(d), d_of(d))?,
            &date,
        )
        .map(|_| ())
    };
    let stable = |parts: &[u64]| {
        let mut key = vec![seed, plan.unit as u64, year as u64];
        key.extend_from_slice(parts);
        Rng::of(seed, &key)
    };
    let prefix = if unit.level == "city" { "市" } else { "县" };
    let office = |i: usize| match unit.level.as_str() {
        "department" => PROVINCIAL[i].to_string(),
        _ => format!("{prefix}{}", DEPARTMENTS[i]),
    };
    let checks = checks_of(seed, units, plan.unit, year);

    // Plans: an inspected plan's 督察评估时间 is its inspection, once made.
    let plans: Vec<(usize, SamplePlan)> = unit_plans(seed, plan.unit, year)
        .into_iter()
        .enumerate()
        .filter(|(_, p)| p.issued <= end)
        .collect();
    if !plans.is_empty() {
        let ws = wb.add_worksheet().set_name("专项改革方案")?;
        let head = [
            "序号",
            "方案名称",
            "是否对接中央方案",
            "牵头专项小组",
            "印发时间",
            "督察评估时间",
            "改革事项总数",
            "已完成事项数",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string(0, c as u16, *h)?;
        }
        for (r, (i, p)) in plans.iter().enumerate() {
            let r = 1 + r as u32;
            ws.write_number(r, 0, f64::from(r))?;
            ws.write_string(r, 1, p.title)?;
            ws.write_string(r, 2, if p.docks { "是" } else { "否" })?;
            ws.write_string(r, 3, "经济体制改革专项小组")?;
            put_date(ws, r, 4, p.issued)?;
            if let Some(c) = checks.iter().find(|c| c.plan == Some(*i) && c.on <= end) {
                put_date(ws, r, 5, c.on)?;
            }
            ws.write_number(r, 6, p.items as f64)?;
            // Items get done as the unit progresses.
            let done = (p.items as u64 * plan.progress / 100) as usize;
            ws.write_number(r, 7, done.min(p.items) as f64)?;
        }
    }

    // Rectification items: a notice's problems, listed from the day it was
    // sent; each with two milestones and the day it last reported.
    struct Item {
        source: String,
        problem: String,
        unit: String,
        leader: &'static str,
        deadline: String,
        closed: Option<chrono::NaiveDate>,
        notice: Option<(String, chrono::NaiveDate)>,
        milestones: Option<String>,
        last_report: Option<chrono::NaiveDate>,
    }
    let mut items = Vec::new();
    if every_kind {
        let problems = [
            "审批时限过长",
            "基层减负不到位",
            "惠民资金发放滞后",
            "项目建设进度缓慢",
            "信访积案化解不力",
            "财政资金闲置",
        ];
        for i in 0..(3 + stable(&[10]).below(4)) {
            let mut t = stable(&[11, i as u64]);
            let key = [seed, plan.unit as u64, year as u64, 11, i as u64];
            let reopened = happens_in(&key, 8, plan.rates.reopened, q);
            let closed = (t.below(100) as u64) < plan.progress && !reopened;
            let source = ["省委巡视", "中央环保督察", "审计"][t.below(3)].to_string();
            let lead = office(t.below(DEPARTMENTS.len()));
            let leader = LEADERS[t.below(LEADERS.len())];
            let deadline = [
                "2024年3月底前",
                "2024年6月底前",
                "立即整改、长期坚持",
                "2024年12月底前",
            ][t.below(4)]
            .to_string();
            items.push(Item {
                source,
                problem: problems[i % problems.len()].to_string(),
                unit: lead,
                leader,
                deadline,
                closed: closed.then(|| {
                    chrono::NaiveDate::from_ymd_opt(year, 5, 1 + t.below(28) as u32)
                        .expect("a valid day")
                }),
                notice: None,
                milestones: None,
                last_report: None,
            });
        }
    }
    for (ci, c) in checks.iter().enumerate() {
        let Some(serial) = c.notice else { continue };
        let sent = c.on + chrono::Duration::days(10);
        if !c.listed || sent > end {
            continue;
        }
        let mut t = Rng::of(seed, &[seed, plan.unit as u64, year as u64, 74, ci as u64]);
        let no = notice_no(units, plan.unit, year, serial);
        // Clerks copy the number with the brackets they can type.
        let no = if t.chance(30) {
            no.replace('〔', "[").replace('〕', "]")
        } else {
            no
        };
        // The plan first, then the whole: a month after the notice, and the
        // year's end (a notice of November or later: the whole alone).
        let milestones = match chrono::Datelike::month(&sent) + 1 {
            m if m < 12 => format!("{m}月底前制定整改方案，12月底前完成整改"),
            _ => "12月底前完成整改".to_string(),
        };
        let last_report = if c.diligent {
            Some(end)
        } else {
            Some(sent + chrono::Duration::days(3)).filter(|d| *d <= end)
        };
        let done = q == 4 && t.chance(70);
        let source = if unit.level == "department" {
            "省委改革督察"
        } else {
            "市委改革督察"
        };
        for f in 0..c.findings {
            items.push(Item {
                source: source.to_string(),
                problem: format!(
                    "{}：{}",
                    c.subject.trim_matches(['《', '》']),
                    FINDINGS[(ci + f) % FINDINGS.len()]
                ),
                unit: office(t.below(DEPARTMENTS.len())),
                leader: LEADERS[t.below(LEADERS.len())],
                deadline: format!("{year}年12月底前"),
                closed: done
                    .then(|| chrono::NaiveDate::from_ymd_opt(year, 12, 20).expect("a valid day")),
                notice: Some((no.clone(), sent)),
                milestones: Some(milestones.clone()),
                last_report,
            });
        }
    }
    if !items.is_empty() {
        let ws = wb.add_worksheet().set_name("督察整改台账")?;
        let head = [
            "序号",
            "问题来源",
            "问题描述",
            "整改措施",
            "责任单位",
            "责任领导",
            "整改时限",
            "整改状态",
            "销号时间",
            "整改督办通知文号",
            "通知下发时间",
            "进度节点",
            "最近交账时间",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string(0, c as u16, *h)?;
        }
        for (i, item) in items.iter().enumerate() {
            let r = 1 + i as u32;
            ws.write_number(r, 0, (i + 1) as f64)?;
            ws.write_string(r, 1, &item.source)?;
            ws.write_string(r, 2, &item.problem)?;
            ws.write_string(r, 3, "建立台账，逐项销号")?;
            ws.write_string(r, 4, &item.unit)?;
            ws.write_string(r, 5, item.leader)?;
            ws.write_string(r, 6, &item.deadline)?;
            ws.write_string(
                r,
                7,
                if item.closed.is_some() {
                    "已销号"
                } else {
                    "正在整改"
                },
            )?;
            if let Some(d) = item.closed {
                put_date(ws, r, 8, d)?;
            }
            if let Some((no, sent)) = &item.notice {
                ws.write_string(r, 9, no)?;
                put_date(ws, r, 10, *sent)?;
            }
            if let Some(m) = &item.milestones {
                ws.write_string(r, 11, m)?;
            }
            if let Some(d) = item.last_report {
                put_date(ws, r, 12, d)?;
            }
        }
    }

    // The inspections of the quarter: a city's office lists those of itself
    // and of each county; a provincial department, the province's of itself.
    let (listed, inspector) = match unit.level.as_str() {
        "city" => (
            units
                .iter()
                .enumerate()
                .filter(|(i, u)| *i == plan.unit || u.parent == unit.code)
                .map(|(i, _)| i)
                .collect(),
            "市委改革办",
        ),
        "department" => (vec![plan.unit], "省委改革办"),
        _ => return Ok(()),
    };
    let start = match plan.period {
        Period::Quarter(y, qq) => chrono::NaiveDate::from_ymd_opt(y, 3 * qq - 2, 1),
        _ => chrono::NaiveDate::from_ymd_opt(year, 1, 1),
    }
    .expect("a valid day");
    let inspected: Vec<(usize, Check)> = listed
        .into_iter()
        .flat_map(|i| {
            checks_of(seed, units, i, year)
                .into_iter()
                .map(move |c| (i, c))
        })
        .filter(|(_, c)| c.on >= start && c.on <= end)
        .collect();
    if inspected.is_empty() {
        return Ok(());
    }
    let ws = wb.add_worksheet().set_name("督察台账")?;
    let head = [
        "序号",
        "督察事项",
        "督察主体",
        "被督察单位",
        "督察对象",
        "督察对象类型",
        "督察时间",
        "督察方式",
        "发现问题数",
        "整改督办通知文号",
        "评估报告报送时间",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (k, (i, c)) in inspected.iter().enumerate() {
        let r = 1 + k as u32;
        ws.write_number(r, 0, f64::from(r))?;
        let what = if c.plan.is_some() {
            format!("{}落实情况督察评估", c.subject.trim_matches(['《', '》']))
        } else {
            format!("{}推进情况督察", c.subject)
        };
        ws.write_string(r, 1, &what)?;
        ws.write_string(r, 2, inspector)?;
        // The unit's own inspections: the 被督察单位 is left blank (itself).
        if *i != plan.unit {
            ws.write_string(r, 3, &units[*i].name)?;
        }
        ws.write_string(r, 4, &c.subject)?;
        ws.write_string(r, 5, if c.plan.is_some() { "方案" } else { "任务" })?;
        put_date(ws, r, 6, c.on)?;
        ws.write_string(r, 7, c.mode)?;
        if c.findings > 0 {
            ws.write_string(r, 8, format!("{}个", c.findings))?;
        } else {
            ws.write_string(r, 8, "未发现问题")?;
        }
        if let Some(serial) = c.notice {
            ws.write_string(r, 9, notice_no(units, *i, year, serial))?;
        }
        if let Some(after) = c.report_after.filter(|_| c.plan.is_some()) {
            let filed = c.on + chrono::Duration::days(after);
            if filed <= end {
                put_date(ws, r, 10, filed)?;
            }
        }
    }
    Ok(())
}

fn m_of(d: chrono::NaiveDate) -> u8 {
    chrono::Datelike::month(&d) as u8
}

fn d_of(d: chrono::NaiveDate) -> u8 {
    chrono::Datelike::day(&d) as u8
}
