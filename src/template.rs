//! Blank ledgers for clerks (`taizhang template`): the headers taizhang reads,
//! an instructions sheet with an example row, drop-down lists for status and
//! yes/no columns, and date-formatted date columns.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Workbook, XlsxError,
};

use crate::ledger::{ColType, Kind};

/// Rows a template leaves room for: validations and formats cover them.
const ROWS: u32 = 500;
const FIRST_DATA_ROW: u32 = 2;

/// The header taizhang reads for each column: its first synonym.
pub fn headers(kind: Kind) -> Vec<&'static str> {
    kind.columns().iter().map(|c| c.synonyms[0]).collect()
}

/// One filled-in row, shown on the instructions sheet (and used by tests to
/// check that a filled template ingests cleanly).
pub fn example_row(kind: Kind) -> Vec<&'static str> {
    kind.columns()
        .iter()
        .map(|c| match (kind, c.name) {
            (_, "seq") => "1",
            // The reform office's ledgers name a roster unit on every row.
            (Kind::Deductions | Kind::Exemptions | Kind::Accountability, "unit")
            | (Kind::Assignments, "lead_unit") => "旌阳区",
            (Kind::Deductions, "reason") => "重点改革任务逾期未完成",
            (Kind::Deductions, "points") => "1.5",
            (Kind::Deductions, "source") => "逾期未完成",
            (Kind::Exemptions, "item") => "深化国有企业改革",
            (Kind::Exemptions, "ground") => "探索创新",
            (Kind::Accountability, "reason") => "改革任务推进不力，被省委通报批评",
            (Kind::Accountability, "decision") => "通报批评",
            (_, "document_no" | "decision_no") => "川改办〔2024〕12号",
            (Kind::Assignments, "year") => "2024",
            (Kind::Assignments, "task") => "深化国有企业改革",
            (Kind::Tasks, "domain") => "经济体制改革",
            (Kind::Tasks, "task") => "深化国有企业改革",
            (_, "measures") => "制定实施方案并组织实施",
            (_, "lead_unit" | "responsible_unit") => "县发改局",
            (_, "responsible_units") => "县财政局、县经信局",
            (_, "leader" | "lead_leader") => "张明",
            (_, "target") => "形成可复制的经验",
            (_, "output_form") => "实施方案",
            (_, "deadline_text") => "2024年6月底前",
            (Kind::Pilots, "status") => "试点中",
            (Kind::Cases, "source") => "试点",
            (Kind::Meetings, "body") => "经济体制改革专项小组",
            (Kind::Meetings, "meeting_kind") => "专题会议",
            (Kind::Meetings, "topics") => "研究国资国企改革",
            (Kind::Meetings, "reports_heard") => "县国资局工作汇报",
            (Kind::Meetings, "attendee_level") => "县委书记",
            (Kind::Publicity, "event") => "全面深化改革新闻发布会",
            (Kind::Publicity, "event_kind") => "新闻发布会",
            (Kind::Publicity, "outlet") => "四川日报",
            (Kind::Publicity, "topic") => "改革成效",
            (Kind::Cases, "case_name") => "宅基地“三权分置”激活闲置农房",
            (Kind::Cases, "unit") => "凯江镇",
            (Kind::Cases, "recognised_level") => "省级",
            (Kind::Inspections, "inspection") => "医药卫生体制改革方案落实情况督察",
            (Kind::Inspections, "inspector") => "市委改革办",
            (Kind::Inspections, "inspected_unit") => "罗江区",
            (Kind::Inspections, "subject") => "关于深化医药卫生体制改革的实施方案",
            (Kind::Inspections, "subject_kind") => "方案",
            (Kind::Inspections, "mode_text") => "联合督察、暗访、实地",
            (Kind::Inspections, "third_party") => "否",
            (Kind::Inspections, "findings") => "3",
            (_, "notice_no") => "德改督〔2024〕3号",
            (_, "milestones") => "2024年6月底前完成整改方案，9月底前完成整改",
            (_, "status_text") => "推进中",
            (_, "progress") => "已完成方案起草",
            (_, "source") => "省委巡视",
            (_, "problem") => "项目审批时限过长",
            (_, "pilot") => "农村宅基地制度改革试点",
            (_, "pilot_level") => "省级",
            (_, "plan") => "关于深化医药卫生体制改革的实施方案",
            (_, "lead_group") => "社会民生专项小组",
            (_, "item") => "政务服务改革",
            (_, "term_months") => "24",
            (_, "items_total") => "10",
            (_, "items_done") => "6",
            (_, "satisfied") => "60",
            (_, "basically_satisfied") => "30",
            (_, "unsatisfied") => "5",
            (_, "unknown") => "5",
            (_, "remarks") => "",
            _ => match c.ty {
                ColType::Bool => "是",
                ColType::Date => "2024-03-15",
                _ => "",
            },
        })
        .collect()
}

/// The template workbook for `kind`, with `rows` already filled in.
pub fn workbook(kind: Kind, rows: &[Vec<&str>]) -> Result<Vec<u8>, XlsxError> {
    let specs = kind.columns();
    let headers = headers(kind);
    let last_col = (headers.len() - 1) as u16;
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
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("yyyy-mm-dd");

    let ws = wb.add_worksheet().set_name(kind.label_zh())?;
    ws.merge_range(
        0,
        0,
        0,
        last_col,
        &format!("XX县（市、区）XXXX年第X季度{}", kind.label_zh()),
        &title,
    )?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &head)?;
        ws.set_column_width(c as u16, if c == 0 { 6 } else { 16 })?;
    }
    ws.set_freeze_panes(FIRST_DATA_ROW, 0)?;
    let last_row = FIRST_DATA_ROW + ROWS - 1;
    for (c, spec) in specs.iter().enumerate() {
        let c = c as u16;
        let list: Option<Vec<&str>> = match spec.ty {
            ColType::Status => Some(vec!["已完成", "推进中", "未启动", "滞后", "长期坚持"]),
            ColType::Bool => Some(vec!["是", "否"]),
            ColType::Enum(_) if matches!(spec.name, "pilot_level" | "recognised_level") => {
                Some(vec!["国家级", "省级", "市级", "县级"])
            }
            ColType::Enum(_) if spec.name == "event_kind" => {
                Some(vec!["新闻发布会", "媒体专栏", "专题报道", "其他"])
            }
            ColType::Enum(_) if spec.name == "subject_kind" => {
                Some(vec!["方案", "任务", "整改", "其他"])
            }
            // The usual combinations; a clerk may type any other mix of words.
            ColType::Mode => Some(vec![
                "实地督察",
                "联合督察、实地督察",
                "暗访",
                "联合督察、暗访",
                "书面督察",
                "第三方评估、实地督察",
            ]),
            ColType::Enum(_) if kind == Kind::Deductions && spec.name == "source" => {
                Some(vec!["督察发现", "通报批评", "逾期未完成", "其他"])
            }
            ColType::Enum(_) if spec.name == "ground" => {
                Some(vec!["缺乏经验先行先试", "探索创新", "推动发展"])
            }
            ColType::Enum(words) => Some(words.iter().map(|(w, _)| *w).collect()),
            _ => None,
        };
        if let Some(list) = list {
            // A warning, not a stop: a clerk may still type another word.
            let validation = DataValidation::new()
                .allow_list_strings(&list)?
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_message(format!("建议从下拉列表中选择：{}", list.join("、")))?;
            ws.add_data_validation(FIRST_DATA_ROW, c, last_row, c, &validation)?;
        }
        if spec.ty == ColType::Date {
            ws.set_column_format(c, &date)?;
        }
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                ws.write_string(FIRST_DATA_ROW + r as u32, c as u16, *value)?;
            }
        }
    }

    let help = wb.add_worksheet().set_name("填表说明")?;
    let mut lines = vec![
        format!("{}填表说明", kind.label_zh()),
        "1. 请勿修改第2行表头；可删除不用的列，列的顺序可以调整。".to_string(),
        "2. 标题行请写明单位与周期，如“德阳市旌阳区2024年第二季度改革任务台账”。".to_string(),
        "3. 日期请写成 2024-06-30；完成时限也可写 2024年6月底前、年底前、长期坚持。".to_string(),
        "4. 多个责任单位用顿号分隔，牵头单位可标注（牵头）。".to_string(),
        "5. 带下拉列表的列请从列表中选择。".to_string(),
    ];
    match kind {
        Kind::Inspections => lines.push(
            "6. 督察方式可写多个词，用顿号分隔，如“联合督察、暗访、实地”；被督察单位每行填写一个单位，空白表示本单位；发现问题可写“3个”。"
                .to_string(),
        ),
        Kind::Rectifications => lines.push(
            "6. 进度节点可写多个时间，如“6月底前完成方案，9月底前完成整改”；整改督办通知文号请照抄通知原文。".to_string(),
        ),
        Kind::Deductions | Kind::Exemptions | Kind::Accountability | Kind::Assignments => lines.push(
            "6. 本表由改革办填写，每行填写一个单位（名册中的名称、简称或代码均可）；名册中找不到的单位，该行不予导入。"
                .to_string(),
        ),
        _ => {}
    }
    lines.push("示例（一行）：".to_string());
    for (r, line) in lines.iter().enumerate() {
        help.write_string(r as u32, 0, line)?;
    }
    let example_at = lines.len() as u32;
    for (c, (h, v)) in headers.iter().zip(example_row(kind)).enumerate() {
        help.write_string_with_format(example_at, c as u16, *h, &head)?;
        help.write_string(example_at + 1, c as u16, v)?;
    }
    wb.save_to_buffer()
}
