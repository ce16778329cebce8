//! Writes the small workbooks in `tests/fixtures/`, each named after the
//! behaviour it pins. The files are committed; run this only to change them:
//! `cargo run --example make_fixtures`.
//!
//! The `.xls` and `.ods` copies of `title_and_header_row` and
//! `merged_lead_unit` were converted from these by LibreOffice
//! (`soffice --headless --convert-to xls|ods FILE.xlsx`).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

type R = Result<(), XlsxError>;

/// A cell to write: text, a date cell, or a number.
enum C<'a> {
    T(&'a str),
    D(u16, u8, u8),
    N(f64),
    E,
}
use C::*;

fn write_rows(ws: &mut Worksheet, first_row: u32, rows: &[&[C<'_>]]) -> R {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            let (row, col) = (first_row + r as u32, c as u16);
            match cell {
                T(s) => {
                    ws.write_string(row, col, *s)?;
                }
                D(y, m, d) => {
                    ws.write_date_with_format(
                        row,
                        col,
                        &ExcelDateTime::from_ymd(*y, *m, *d)?,
                        &date,
                    )?;
                }
                N(x) => {
                    ws.write_number(row, col, *x)?;
                }
                E => {}
            }
        }
    }
    Ok(())
}

fn save(wb: &mut Workbook, name: &str) -> R {
    wb.set_properties(
        &DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 1)?),
    );
    wb.save(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
}

const HEADER: &[C<'static>] = &[
    T("序号"),
    T("改革任务"),
    T("牵头单位"),
    T("责任单位"),
    T("牵头领导"),
    T("完成时限"),
    T("完成状态"),
    T("实际完成时间"),
    T("是否重大改革任务"),
];

fn title_and_header_row() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("任务台账")?;
    ws.merge_range(
        0,
        0,
        0,
        8,
        "德阳市旌阳区2024年第二季度改革任务台账",
        &Format::new(),
    )?;
    ws.merge_range(
        1,
        0,
        1,
        4,
        "填报单位（盖章）：中共旌阳区委改革办",
        &Format::new(),
    )?;
    ws.merge_range(1, 5, 1, 8, "填报时间：2024年7月3日", &Format::new())?;
    write_rows(ws, 2, &[HEADER])?;
    write_rows(
        ws,
        3,
        &[
            &[
                N(1.0),
                T("深化国有企业改革"),
                T("区国资办"),
                T("区财政局、区发改局"),
                T("张明"),
                D(2024, 6, 30),
                T("已完成"),
                D(2024, 6, 20),
                T("是"),
            ],
            &[
                N(2.0),
                T("优化营商环境"),
                T("区发改局"),
                T("区市场监管局"),
                T("李华"),
                T("2024年12月底前"),
                T("推进中"),
                E,
                T("否"),
            ],
            &[
                N(3.0),
                T("推进河湖长制"),
                T("区水利局"),
                T("区生态环境局"),
                T("王强"),
                T("长期坚持"),
                T("长期坚持"),
                E,
                T("否"),
            ],
        ],
    )?;
    save(&mut wb, "title_and_header_row.xlsx")
}

fn merged_lead_unit() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("台账")?;
    write_rows(
        ws,
        0,
        &[&[
            T("序号"),
            T("改革任务"),
            T("具体举措"),
            T("牵头单位"),
            T("责任单位"),
            T("牵头领导"),
            T("完成时限"),
            T("完成状态"),
        ]],
    )?;
    // One task over three measures rows: task, lead unit, leader and deadline merged down.
    ws.merge_range(1, 0, 3, 0, "1", &Format::new())?;
    ws.merge_range(1, 1, 3, 1, "深化医药卫生体制改革", &Format::new())?;
    ws.merge_range(1, 3, 3, 3, "市卫健委", &Format::new())?;
    ws.merge_range(1, 5, 3, 5, "陈静", &Format::new())?;
    ws.merge_range(1, 6, 3, 6, "2024年9月底前", &Format::new())?;
    write_rows(
        ws,
        1,
        &[
            &[
                E,
                E,
                T("推进紧密型医共体建设"),
                E,
                T("市医保局"),
                E,
                E,
                T("推进中"),
            ],
            &[
                E,
                E,
                T("深化公立医院薪酬制度改革"),
                E,
                T("市人社局"),
                E,
                E,
                T("已完成"),
            ],
            &[
                E,
                E,
                T("完善分级诊疗制度"),
                E,
                T("市医保局、市财政局"),
                E,
                E,
                T("未启动"),
            ],
        ],
    )?;
    save(&mut wb, "merged_lead_unit.xlsx")
}

fn section_rows_and_notes() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Sheet1")?;
    write_rows(
        ws,
        0,
        &[&[
            T("序号"),
            T("改革任务"),
            T("牵头单位"),
            T("完成时限"),
            T("完成状态"),
        ]],
    )?;
    ws.merge_range(1, 0, 1, 4, "一、经济体制改革（2项）", &Format::new())?;
    write_rows(
        ws,
        2,
        &[
            &[
                N(1.0),
                T("深化财税体制改革"),
                T("市财政局"),
                T("2024年6月底前"),
                T("已完成"),
            ],
            &[
                N(2.0),
                T("推进要素市场化配置改革"),
                T("市发改委"),
                T("2024.9.30"),
                T("推进中"),
            ],
        ],
    )?;
    write_rows(ws, 4, &[&[T("二"), T("生态文明体制改革")]])?;
    write_rows(
        ws,
        5,
        &[&[
            N(3.0),
            T("建立生态保护补偿机制"),
            T("市生态环境局"),
            T("年底前"),
            T("未启动"),
        ]],
    )?;
    // One empty row (row 7) does not end the table.
    write_rows(
        ws,
        7,
        &[&[
            N(4.0),
            T("全面推行林长制"),
            T("市林业局"),
            T("2024年第三季度"),
            T("推进中"),
        ]],
    )?;
    write_rows(ws, 8, &[&[T("合计"), T("4项")]])?;
    write_rows(
        ws,
        9,
        &[&[
            N(5.0),
            T("这一行在合计之后，不是数据"),
            T("市财政局"),
            T("2024年"),
            T("推进中"),
        ]],
    )?;
    write_rows(ws, 11, &[&[T("注：完成时限以方案为准。")]])?;
    save(&mut wb, "section_rows_and_notes.xlsx")
}

fn header_synonyms() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("重点改革任务")?;
    write_rows(
        ws,
        0,
        &[&[
            T("编号"),
            T("重点改革任务"),
            T("牵头部门"),
            T("配合单位"),
            T("责任领导"),
            T("时间节点\n（完成时限）"),
            T("推进状态"),
            T("实际完成时间"),
            T("目前进展"),
            T("联系人"),
        ]],
    )?;
    write_rows(
        ws,
        1,
        &[&[
            T("1"),
            T("推进综合行政执法体制改革"),
            T("县司法局"),
            T("县委编办（牵头）；县财政局"),
            T("赵磊"),
            T("2024年3月底前"),
            T("已完成"),
            D(2024, 3, 15),
            T("已印发实施方案"),
            T("小刘"),
        ]],
    )?;
    save(&mut wb, "header_synonyms.xlsx")
}

fn bad_rows() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("台账")?;
    write_rows(ws, 0, &[HEADER])?;
    write_rows(
        ws,
        1,
        &[
            &[
                N(1.0),
                T("深化财税体制改革"),
                T("县财政局"),
                T("县税务局"),
                T("刘洋"),
                T("2024年6月底前"),
                T("已完成"),
                D(2024, 6, 1),
                T("是"),
            ],
            // Missing task: rejected with its values kept in the issue.
            &[
                N(2.0),
                E,
                T("县发改局"),
                T("县经信局"),
                T("杨帆"),
                T("2024年6月底前"),
                T("推进中"),
                E,
                T("否"),
            ],
            // Unreadable deadline and status: warnings, the row is kept.
            &[
                N(3.0),
                T("推进基层治理现代化"),
                T("县民政局"),
                T("县委组织部"),
                T("黄蓉"),
                T("尽快"),
                T("差不多了"),
                E,
                T("否"),
            ],
            // The same row twice: both kept, with a duplicate-row warning.
            &[
                N(4.0),
                T("深化养老服务体系改革"),
                T("县民政局"),
                T("县卫健局"),
                T("黄蓉"),
                T("2024.12.31"),
                T("推进中"),
                E,
                T("否"),
            ],
            &[
                N(4.0),
                T("深化养老服务体系改革"),
                T("县民政局"),
                T("县卫健局"),
                T("黄蓉"),
                T("2024.12.31"),
                T("推进中"),
                E,
                T("否"),
            ],
        ],
    )?;
    save(&mut wb, "bad_rows.xlsx")
}

fn lead_tagged_in_units() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("台账")?;
    write_rows(
        ws,
        0,
        &[&[
            T("序号"),
            T("改革事项"),
            T("责任单位"),
            T("分管领导"),
            T("完成时间"),
            T("是否完成"),
        ]],
    )?;
    write_rows(
        ws,
        1,
        &[
            &[
                N(1.0),
                T("推进义务教育优质均衡发展"),
                T("县教育局（牵头）、县财政局\n县人社局"),
                T("李华"),
                T("6月底前"),
                T("是"),
            ],
            &[
                N(2.0),
                T("深化社会保险制度改革"),
                T("县人社局、县医保局(牵头)"),
                T("王强"),
                T("2024-12"),
                T("否"),
            ],
        ],
    )?;
    save(&mut wb, "lead_tagged_in_units.xlsx")
}

fn no_ledger() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("说明")?;
    write_rows(ws, 0, &[&[T("本文件仅含填报说明")], &[T("请按模板填写")]])?;
    save(&mut wb, "no_ledger.xlsx")
}

fn one_sheet_of_each_kind() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("改革任务")?;
    write_rows(ws, 0, &[HEADER])?;
    write_rows(
        ws,
        1,
        &[&[
            N(1.0),
            T("深化财税体制改革"),
            T("县财政局"),
            T("县税务局"),
            T("刘洋"),
            D(2024, 6, 30),
            T("已完成"),
            D(2024, 6, 1),
            T("是"),
        ]],
    )?;
    let ws = wb.add_worksheet().set_name("巡视整改问题清单")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("问题来源"),
                T("问题描述"),
                T("整改措施"),
                T("责任单位"),
                T("责任领导"),
                T("整改时限"),
                T("整改状态"),
                T("销号时间"),
                T("整改督办通知文号"),
                T("通知下发时间"),
                T("进度节点"),
                T("最近交账时间"),
            ],
            &[
                N(1.0),
                T("省委巡视"),
                T("项目审批时限过长"),
                T("压缩审批环节"),
                T("县行政审批局"),
                T("赵磊"),
                T("2024年5月底前"),
                T("已销号"),
                D(2024, 5, 20),
            ],
            &[
                N(2.0),
                T("省委巡视"),
                T("基层减负不到位"),
                T("清理考核事项"),
                T("县委办"),
                T("赵磊"),
                T("立即整改、长期坚持"),
                T("正在整改"),
                E,
                T("德改督〔2024〕3号"),
                D(2024, 3, 1),
                T("3月底前制定清单，6月底前完成清理"),
                D(2024, 4, 2),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("试点")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("试点名称"),
                T("批准层级"),
                T("牵头领导"),
                T("牵头单位"),
                T("是否成立工作班子"),
                T("是否制定试点方案"),
                T("备案时间"),
                T("启动时间"),
                T("试点期限（月）"),
                T("试点状态"),
            ],
            &[
                N(1.0),
                T("农村宅基地制度改革试点"),
                T("国家级"),
                T("王强"),
                T("县农业农村局"),
                T("是"),
                T("是"),
                D(2022, 3, 1),
                D(2022, 1, 10),
                N(24.0),
                T("试点中"),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("专项改革方案")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("方案名称"),
                T("是否对接中央方案"),
                T("牵头专项小组"),
                T("上会审议时间"),
                T("印发时间"),
                T("督察评估时间"),
                T("改革事项总数"),
                T("已完成事项数"),
            ],
            &[
                N(1.0),
                T("关于深化医药卫生体制改革的实施方案"),
                T("是"),
                T("社会民生专项小组"),
                D(2023, 9, 1),
                D(2023, 10, 8),
                D(2024, 5, 1),
                N(12.0),
                N(12.0),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("群众满意度测评")?;
    ws.merge_range(0, 0, 1, 0, "序号", &Format::new())?;
    ws.merge_range(0, 1, 1, 1, "测评项目", &Format::new())?;
    ws.merge_range(0, 2, 0, 6, "测评结果（票数）", &Format::new())?;
    write_rows(
        ws,
        1,
        &[&[
            E,
            E,
            T("非常满意"),
            T("满意"),
            T("一般"),
            T("不满意"),
            T("不了解"),
        ]],
    )?;
    write_rows(
        ws,
        2,
        &[
            &[
                N(1.0),
                T("政务服务改革"),
                N(40.0),
                N(30.0),
                N(20.0),
                N(10.0),
                N(5.0),
            ],
            &[N(2.0), T("医疗卫生改革"), N(10.0), T("8"), E, N(2.0), E],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("会议台账")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("会议名称"),
                T("召开时间"),
                T("会议类型"),
                T("会议议题"),
                T("听取汇报"),
            ],
            &[
                N(1.0),
                T("县委全面深化改革委员会"),
                D(2024, 4, 18),
                T("全体会议"),
                T("听取一季度改革进展"),
                T("经济体制改革专项小组汇报、社会民生改革专项小组汇报"),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("改革宣传台账")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("宣传活动"),
                T("宣传形式"),
                T("发布时间"),
                T("刊发媒体"),
                T("宣传主题"),
            ],
            &[
                N(1.0),
                T("中江县全面深化改革新闻发布会"),
                T("新闻发布会"),
                D(2024, 5, 9),
                T("四川日报"),
                T("改革成效"),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("改革典型案例")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("案例名称"),
                T("案例单位"),
                T("案例来源"),
                T("所属试点"),
                T("推广层级"),
                T("认定时间"),
            ],
            &[
                N(1.0),
                T("宅基地“三权分置”激活闲置农房"),
                T("凯江镇"),
                T("试点"),
                T("农村宅基地制度改革试点"),
                T("省级"),
                D(2024, 6, 3),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("督察台账")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("督察事项"),
                T("督察主体"),
                T("被督察单位"),
                T("督察对象"),
                T("督察时间"),
                T("督察方式"),
                T("发现问题数"),
                T("整改督办通知文号"),
            ],
            &[
                N(1.0),
                T("医药卫生体制改革方案落实情况督察"),
                T("县委改革办"),
                E,
                T("关于深化医药卫生体制改革的实施方案"),
                D(2024, 5, 15),
                T("联合督察、暗访、实地"),
                N(3.0),
                T("德改督〔2024〕3号"),
            ],
        ],
    )?;
    // The reform office's ledgers of the annual assessment (issue 34): each
    // row names the unit it is about.
    let ws = wb.add_worksheet().set_name("扣分台账")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("被扣分单位"),
                T("扣分时间"),
                T("扣分原因"),
                T("扣分分值"),
                T("扣分来源"),
                T("文号"),
            ],
            &[
                N(1.0),
                T("中江县"),
                D(2024, 5, 20),
                T("重点改革任务逾期未完成"),
                N(1.5),
                T("逾期未完成"),
                T("川改办〔2024〕12号"),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("容错免责认定")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("被认定单位"),
                T("免责事项"),
                T("认定时间"),
                T("认定文号"),
                T("认定情形"),
            ],
            &[
                N(1.0),
                T("中江县"),
                T("深化财税体制改革"),
                D(2024, 6, 1),
                T("川改办〔2024〕8号"),
                T("探索创新"),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("问责台账")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("被问责单位"),
                T("问责时间"),
                T("问责事由"),
                T("处理结果"),
            ],
            &[
                N(1.0),
                T("中江县"),
                D(2024, 6, 10),
                T("改革任务推进不力，被通报批评"),
                T("约谈"),
            ],
        ],
    )?;
    let ws = wb.add_worksheet().set_name("年度工作要点任务分解")?;
    write_rows(
        ws,
        0,
        &[
            &[
                T("序号"),
                T("改革任务"),
                T("牵头单位"),
                T("责任单位"),
                T("完成时限"),
                T("是否重大改革任务"),
            ],
            &[
                N(1.0),
                T("深化财税体制改革"),
                T("中江县"),
                T("县财政局"),
                T("2024年底前"),
                T("是"),
            ],
        ],
    )?;
    save(&mut wb, "one_sheet_of_each_kind.xlsx")
}

/// An inspections ledger as a city's reform office keeps it: a title naming
/// the office and the quarter, a 填报单位 line, a two-row header (督察情况
/// merged over 督察时间, 督察方式 and 第三方评估; 发现问题及督办 over 发现问题 and
/// 整改督办通知文号), the inspecting office merged down, dates and counts as
/// text, units by old names and short forms, a notes footer. Read with no
/// flags: kind, unit and period come from the title.
fn inspections_two_row_header() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Sheet1")?;
    let plain = Format::new();
    ws.merge_range(
        0,
        0,
        0,
        11,
        "德阳市2024年第二季度全面深化改革督察工作台账",
        &plain,
    )?;
    ws.merge_range(
        1,
        0,
        1,
        11,
        "填报单位：中共德阳市委全面深化改革委员会办公室（盖章）",
        &plain,
    )?;
    for (col, text) in [
        (0, "序号"),
        (1, "督察事项"),
        (2, "督察主体"),
        (3, "被督察单位"),
        (4, "督察对象"),
        (10, "评估报告报送时间"),
        (11, "备注"),
    ] {
        ws.merge_range(2, col, 3, col, text, &plain)?;
    }
    ws.merge_range(2, 5, 2, 7, "督察情况", &plain)?;
    ws.merge_range(2, 8, 2, 9, "发现问题及督办", &plain)?;
    write_rows(
        ws,
        3,
        &[&[
            E,
            E,
            E,
            E,
            E,
            T("督察时间"),
            T("督察方式"),
            T("第三方评估"),
            T("发现问题"),
            T("整改督办通知文号"),
        ]],
    )?;
    // One office inspected all three, merged down.
    ws.merge_range(4, 2, 6, 2, "市委改革办、市委督查室", &plain)?;
    write_rows(
        ws,
        4,
        &[
            &[
                N(1.0),
                T("医药卫生体制改革方案落实情况督察"),
                E,
                T("旌阳区"),
                T("《关于深化医药卫生体制改革的实施方案》"),
                T("2024年5月15日"),
                T("联合督察、暗访、实地"),
                T("否"),
                T("发现问题3个"),
                T("德改督[2024]3号"),
                T("2024-06-10"),
            ],
            &[
                N(2.0),
                T("营商环境改革推进情况督察"),
                E,
                T("罗江县"),
                T("优化营商环境若干措施"),
                T("2024.6.3"),
                T("书面督察"),
                T("否"),
                T("无"),
            ],
            &[
                N(3.0),
                T("农村集体产权制度改革第三方评估"),
                E,
                T("中江"),
                T("推进农村集体产权制度改革"),
                D(2024, 6, 20),
                T("第三方评估、实地"),
                T("是"),
                N(2.0),
                T("德改督〔2024〕7号"),
                E,
                T("评估报告待报"),
            ],
        ],
    )?;
    write_rows(
        ws,
        8,
        &[&[T("注：发现问题的，应于督察结束后15日内下发整改督办通知。")]],
    )?;
    save(&mut wb, "inspections_two_row_header.xlsx")
}

/// A meetings ledger as offices keep them: a title, a 填报单位 line, a
/// two-row header (会议情况 merged over 召开时间 and 会议类型), each body's
/// name merged down over its meetings, dates typed as text, a notes footer.
fn meetings_two_row_header_merged_bodies() -> R {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Sheet1")?;
    let plain = Format::new();
    ws.merge_range(
        0,
        0,
        0,
        5,
        "中江县2024年上半年深化改革议事机构会议台账",
        &plain,
    )?;
    ws.merge_range(1, 0, 1, 5, "填报单位：中共中江县委改革办（盖章）", &plain)?;
    ws.merge_range(2, 0, 3, 0, "序号", &plain)?;
    ws.merge_range(2, 1, 3, 1, "议事机构", &plain)?;
    ws.merge_range(2, 2, 2, 3, "会议情况", &plain)?;
    ws.merge_range(2, 4, 3, 4, "主要议题", &plain)?;
    ws.merge_range(2, 5, 3, 5, "备注", &plain)?;
    write_rows(ws, 3, &[&[E, E, T("召开时间"), T("会议形式")]])?;
    ws.merge_range(4, 1, 5, 1, "经济体制和生态文明体制改革专项小组", &plain)?;
    ws.merge_range(6, 1, 8, 1, "社会体制改革专项小组", &plain)?;
    write_rows(
        ws,
        4,
        &[
            &[
                N(1.0),
                E,
                T("2024年1月23日"),
                T("专题会议"),
                T("研究国资国企改革"),
            ],
            &[
                N(2.0),
                E,
                T("2024.4.16"),
                T("专题会议"),
                T("研究要素市场化配置改革"),
            ],
            &[
                N(3.0),
                E,
                T("2024年2月"),
                T("全体会议"),
                T("审议年度工作要点"),
                T("具体日期待核"),
            ],
            &[
                N(4.0),
                E,
                D(2024, 3, 28),
                T("专题会议"),
                T("研究医共体建设"),
            ],
            &[
                N(5.0),
                E,
                E,
                T("专题会议"),
                T("研究养老服务改革"),
                T("会议时间未填"),
            ],
        ],
    )?;
    write_rows(ws, 10, &[&[T("注：会议时间以会议纪要印发时间为准。")]])?;
    save(&mut wb, "meetings_two_row_header_merged_bodies.xlsx")
}

fn main() -> R {
    one_sheet_of_each_kind()?;
    title_and_header_row()?;
    merged_lead_unit()?;
    section_rows_and_notes()?;
    header_synonyms()?;
    bad_rows()?;
    lead_tagged_in_units()?;
    no_ledger()?;
    meetings_two_row_header_merged_bodies()?;
    inspections_two_row_header()?;
    Ok(())
}
