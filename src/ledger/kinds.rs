//! The ledger kinds and their canonical columns (DESIGN §4, §13, §14 and the
//! appendix).
//!
//! Everything kind-specific is data here: which header synonyms map to which
//! column and how a cell is typed. The sheet reader and the lake writer are
//! generic over it.

use std::fmt;
use std::str::FromStr;

/// A ledger kind; its name is also the lake table's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Tasks,
    Rectifications,
    Pilots,
    Plans,
    Satisfaction,
    Meetings,
    Publicity,
    Cases,
    Inspections,
    Deductions,
    Exemptions,
    Accountability,
    Assignments,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Tasks,
        Kind::Rectifications,
        Kind::Pilots,
        Kind::Plans,
        Kind::Satisfaction,
        Kind::Meetings,
        Kind::Publicity,
        Kind::Cases,
        Kind::Inspections,
        Kind::Deductions,
        Kind::Exemptions,
        Kind::Accountability,
        Kind::Assignments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tasks => "tasks",
            Kind::Rectifications => "rectifications",
            Kind::Pilots => "pilots",
            Kind::Plans => "plans",
            Kind::Satisfaction => "satisfaction",
            Kind::Meetings => "meetings",
            Kind::Publicity => "publicity",
            Kind::Cases => "cases",
            Kind::Inspections => "inspections",
            Kind::Deductions => "deductions",
            Kind::Exemptions => "exemptions",
            Kind::Accountability => "accountability",
            Kind::Assignments => "assignments",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Tasks => "改革任务台账",
            Kind::Rectifications => "督察整改台账",
            Kind::Pilots => "改革试点台账",
            Kind::Plans => "专项改革方案台账",
            Kind::Satisfaction => "群众满意度测评",
            Kind::Meetings => "会议台账",
            Kind::Publicity => "改革宣传台账",
            Kind::Cases => "改革典型案例",
            Kind::Inspections => "督察台账",
            Kind::Deductions => "扣分台账",
            Kind::Exemptions => "容错免责认定",
            Kind::Accountability => "问责台账",
            Kind::Assignments => "年度工作要点任务分解表",
        }
    }

    /// The reform office's own ledgers (DESIGN §14): kept by the province,
    /// about other units. A unit's clerk sending one (a 容错免责 list
    /// exempting its own tasks, deductions against a neighbour) is refused.
    pub fn is_office(self) -> bool {
        matches!(
            self,
            Kind::Deductions | Kind::Exemptions | Kind::Accountability | Kind::Assignments
        )
    }

    /// The kind named by a sheet name or title, by keyword; first match wins.
    /// The kinds of the second wave come first: 试点典型案例 is a list of
    /// cases, 改革宣传台账 and 会议台账 are not task ledgers (the headers
    /// still win when they clearly match another kind). 督察/督查 names an
    /// inspections ledger before 方案 or 试点 do (专项方案督察台账), but not in
    /// a text that also names 整改 or 问题清单: 督察整改台账 is DESIGN §4's own
    /// name for rectifications, and 督察反馈问题整改台账 is the commonest one.
    /// The reform office's own ledgers of the annual assessment (DESIGN §14)
    /// come first of all: 督察发现问题扣分台账 is a list of deductions, and
    /// 改革任务分解表 is the office's breakdown, not a unit's task ledger.
    pub fn from_keyword(text: &str) -> Option<Kind> {
        const KEYWORDS: &[(&str, Kind)] = &[
            ("扣分", Kind::Deductions),
            ("容错", Kind::Exemptions),
            ("免责", Kind::Exemptions),
            ("问责", Kind::Accountability),
            ("工作要点", Kind::Assignments),
            ("任务分解", Kind::Assignments),
            ("案例", Kind::Cases),
            ("宣传", Kind::Publicity),
            ("会议", Kind::Meetings),
            ("督察", Kind::Inspections),
            ("督查", Kind::Inspections),
            ("满意度", Kind::Satisfaction),
            ("试点", Kind::Pilots),
            ("方案", Kind::Plans),
            ("整改", Kind::Rectifications),
            ("问题清单", Kind::Rectifications),
            ("任务", Kind::Tasks),
            ("台账", Kind::Tasks),
        ];
        // A filer's name is not a kind: the 宣传部 (a provincial department,
        // and every party committee's) titles its task ledger with its name.
        // Nor is a rectification ledger's 督察类型 column (where a problem came
        // from) when its header row is the first row read.
        let text = text
            .replace("宣传部", "")
            .replace("督察类型", "")
            .replace("督查类型", "");
        let rectifying = text.contains("整改") || text.contains("问题清单");
        KEYWORDS
            .iter()
            .filter(|(_, kind)| !(rectifying && *kind == Kind::Inspections))
            .find(|(k, _)| text.contains(k))
            .map(|(_, kind)| *kind)
    }

    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Kind::Tasks => TASKS,
            Kind::Rectifications => RECTIFICATIONS,
            Kind::Pilots => PILOTS,
            Kind::Plans => PLANS,
            Kind::Satisfaction => SATISFACTION,
            Kind::Meetings => MEETINGS,
            Kind::Publicity => PUBLICITY,
            Kind::Cases => CASES,
            Kind::Inspections => INSPECTIONS,
            Kind::Deductions => DEDUCTIONS,
            Kind::Exemptions => EXEMPTIONS,
            Kind::Accountability => ACCOUNTABILITY,
            Kind::Assignments => ASSIGNMENTS,
        }
    }

    /// The kind's position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        Kind::ALL
            .iter()
            .position(|k| *k == self)
            .expect("every kind is in ALL")
    }

    /// The column a row cannot be without (the task, the problem, …).
    pub fn required(self) -> &'static str {
        match self {
            Kind::Tasks => "task",
            Kind::Rectifications => "problem",
            Kind::Pilots => "pilot",
            Kind::Plans => "plan",
            Kind::Satisfaction => "item",
            Kind::Meetings => "body",
            Kind::Publicity => "event",
            Kind::Cases => "case_name",
            Kind::Inspections => "inspection",
            Kind::Deductions => "reason",
            Kind::Exemptions => "item",
            Kind::Accountability => "reason",
            Kind::Assignments => "task",
        }
    }

    /// Columns besides [`Kind::required`] that a row cannot be without: a
    /// meeting or an inspection with no date cannot be placed in a quarter
    /// or a year.
    pub fn also_required(self) -> &'static [&'static str] {
        match self {
            Kind::Meetings => &["held_on"],
            Kind::Inspections => &["started_on"],
            // The office's ledgers (DESIGN §14): a row is about a unit, on a day.
            Kind::Deductions => &["unit", "occurred_on", "points"],
            Kind::Exemptions => &["unit", "decided_on", "decision_no"],
            Kind::Accountability => &["unit", "occurred_on"],
            Kind::Assignments => &["lead_unit"],
            _ => &[],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("未知台账类型 / unknown kind {s:?}; expected one of tasks, rectifications, pilots, plans, satisfaction, meetings, publicity, cases, inspections, deductions, exemptions, accountability, assignments"))
    }
}

/// How a column's cells are read, and which lake columns they become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Trimmed text.
    Text,
    /// Several units in one cell → `list<text>`; a （牵头） unit may fill `lead_unit`.
    Units,
    /// A date → `date`.
    Date,
    /// Deadline text → `deadline_text`, `deadline_on`, `deadline_kind`.
    Deadline,
    /// A status word → `status`, `status_text`.
    Status,
    /// Yes/no → `bool`.
    Bool,
    /// A whole number → `int64`.
    Int,
    /// A vote count; several headers may add into it (4- and 5-level forms).
    Count,
    /// One of a fixed set of values, given by (word, value) pairs.
    Enum(&'static [(&'static str, &'static str)]),
    /// Every date of a cell, in order (进度节点) → `list<date>`.
    Milestones,
    /// A 督察方式 cell → `mode_text` and the bools `joint`, `covert`, `onsite`
    /// (a 第三方 word also sets the kind's `third_party`).
    Mode,
    /// A count written as a number or in words (发现问题3个) → `int64`.
    Findings,
    /// A unit named by a name, old name or short form (被督察单位) → the text,
    /// and the code of the roster unit it names in the column given here;
    /// null when it names none (a blank means the submitting unit: decided in
    /// SQL, which knows it).
    UnitRef(&'static str),
    /// A unit the reform office's ledger names on each row (扣分单位, 牵头单位
    /// of a 任务分解表) → the text, and the code of the roster unit it names
    /// in the column given here. A row whose unit names no roster unit is
    /// refused at its cell: the office's ledger is about other units, so
    /// there is no submitting unit to fall back on.
    OfficeUnit(&'static str),
    /// A positive number of points, decimals allowed (扣分分值 1.5) → `double`.
    Points,
}

/// A canonical column of a kind.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// The lake name; for `Deadline` and `Status` the name of the text column.
    pub name: &'static str,
    pub ty: ColType,
    pub synonyms: &'static [&'static str],
}

const fn col(name: &'static str, ty: ColType, synonyms: &'static [&'static str]) -> ColumnSpec {
    ColumnSpec { name, ty, synonyms }
}

/// The bools a [`ColType::Mode`] column sets, after its text.
pub const MODE_FLAGS: [&str; 3] = ["joint", "covert", "onsite"];

use ColType::*;

const SEQ: &[&str] = &["序号", "编号", "序", "No."];
const REMARKS: &[&str] = &["备注", "说明"];

static TASKS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col(
        "domain",
        Text,
        &[
            "改革领域",
            "领域",
            "类别",
            "专项小组",
            "所属专项小组",
            "板块",
        ],
    ),
    col(
        "task",
        Text,
        &[
            "改革任务",
            "改革事项",
            "重点改革任务",
            "改革项目",
            "任务名称",
            "工作任务",
            "重点任务",
            "具体改革事项",
            "改革内容",
        ],
    ),
    col(
        "measures",
        Text,
        &[
            "具体举措",
            "主要举措",
            "工作措施",
            "具体措施",
            "推进措施",
            "工作举措",
            "任务分解",
            "具体工作",
        ],
    ),
    col(
        "lead_unit",
        Text,
        &["牵头单位", "牵头部门", "主责单位", "主办单位"],
    ),
    col(
        "responsible_units",
        Units,
        &[
            "责任单位",
            "配合单位",
            "参与单位",
            "协办单位",
            "协同单位",
            "责任部门",
        ],
    ),
    col(
        "leader",
        Text,
        &[
            "牵头领导",
            "责任领导",
            "分管领导",
            "领衔领导",
            "牵头市领导",
            "牵头县领导",
        ],
    ),
    col(
        "target",
        Text,
        &["预期目标", "目标任务", "工作目标", "预期成效", "改革目标"],
    ),
    col("output_form", Text, &["成果形式", "预期成果", "成果体现"]),
    col(
        "deadline_text",
        Deadline,
        &[
            "完成时限",
            "完成时间",
            "时间节点",
            "完成期限",
            "时限要求",
            "出台时间",
        ],
    ),
    col(
        "status_text",
        Status,
        &["完成状态", "推进状态", "状态", "是否完成"],
    ),
    col(
        "progress",
        Text,
        &["进展情况", "推进情况", "工作进展", "落实情况", "目前进展"],
    ),
    col(
        "completed_on",
        Date,
        &["实际完成时间", "实际完成日期", "完成日期"],
    ),
    col(
        "is_major",
        Bool,
        &[
            "是否重大改革任务",
            "是否重大改革",
            "是否重大",
            "重大改革任务",
        ],
    ),
    col("remarks", Text, REMARKS),
];

static RECTIFICATIONS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col("source", Text, &["问题来源", "督察类型", "反馈来源"]),
    col(
        "problem",
        Text,
        &["问题描述", "反馈问题", "问题表现", "存在问题"],
    ),
    col("measures", Text, &["整改措施", "整改举措"]),
    col(
        "responsible_unit",
        Text,
        &["责任单位", "整改责任单位", "牵头单位"],
    ),
    col("leader", Text, &["责任领导", "牵头领导"]),
    col(
        "deadline_text",
        Deadline,
        &["整改时限", "整改期限", "完成时限"],
    ),
    col(
        "status_text",
        Status,
        &["整改状态", "整改情况", "状态", "完成状态"],
    ),
    col("closed_on", Date, &["销号时间", "销号日期"]),
    col("reviewed_on", Date, &["复查时间", "复查日期"]),
    // The third wave (DESIGN §14): the 整改督办通知 an item answers, and its
    // follow-up at each 进度节点.
    col("notice_no", Text, &["整改督办通知文号", "督办通知文号"]),
    col("notice_on", Date, &["通知下发时间", "督办时间"]),
    col("milestones", Milestones, &["进度节点", "时间节点安排"]),
    col(
        "last_report_on",
        Date,
        &["最近交账时间", "最近报告时间", "交账时间"],
    ),
    col("remarks", Text, REMARKS),
];

const PILOT_LEVELS: &[(&str, &str)] = &[
    ("国家", "national"),
    ("省", "provincial"),
    ("市", "city"),
    ("州", "city"),
    ("县", "county"),
    ("区", "county"),
];
const PILOT_STATES: &[(&str, &str)] = &[
    ("试点中", "running"),
    ("正在试点", "running"),
    ("进行中", "running"),
    ("推进中", "running"),
    ("已完成", "completed"),
    ("已结束", "completed"),
    ("已验收", "completed"),
    ("已退出", "exited"),
    ("已调出", "exited"),
];

static PILOTS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col("pilot", Text, &["试点名称", "试点项目", "改革试点名称"]),
    col(
        "pilot_level",
        Enum(PILOT_LEVELS),
        &["试点层级", "批准层级", "试点级别"],
    ),
    col("lead_leader", Text, &["牵头领导", "责任领导"]),
    col("lead_unit", Text, &["牵头单位", "试点单位"]),
    col("has_team", Bool, &["是否成立工作班子", "工作班子"]),
    col("has_plan", Bool, &["是否制定试点方案", "试点方案"]),
    col("filed_on", Date, &["备案时间", "备案日期"]),
    col("started_on", Date, &["启动时间", "开始时间"]),
    col("term_months", Int, &["试点期限（月）", "试点期限"]),
    col("status", Enum(PILOT_STATES), &["试点状态", "进展状态"]),
    col("ended_on", Date, &["结束时间", "终止时间"]),
    col("remarks", Text, REMARKS),
];

static PLANS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col("plan", Text, &["方案名称", "专项改革方案", "改革方案名称"]),
    col("docks_central", Bool, &["是否对接中央方案", "对接中央方案"]),
    col("lead_group", Text, &["牵头专项小组", "所属专项小组"]),
    col("reviewed_on", Date, &["上会审议时间", "审议时间"]),
    col("issued_on", Date, &["出台时间", "印发时间"]),
    col("evaluated_on", Date, &["督察评估时间", "最近督察时间"]),
    col("closed_on", Date, &["销账时间", "销账日期"]),
    col("items_total", Int, &["改革事项总数", "事项总数"]),
    col("items_done", Int, &["已完成事项数", "已完成事项"]),
    // The third wave (DESIGN §14): the year's plan-review schedule.
    col(
        "review_planned_on",
        Date,
        &["计划上会时间", "计划审议时间", "年度上会审议计划"],
    ),
    col("remarks", Text, REMARKS),
];

static SATISFACTION: &[ColumnSpec] = &[
    col("item", Text, &["测评项目", "测评对象", "测评内容"]),
    col("satisfied", Count, &["满意", "非常满意"]),
    col(
        "basically_satisfied",
        Count,
        &["基本满意", "比较满意", "较满意", "一般"],
    ),
    col("unsatisfied", Count, &["不满意", "较不满意", "非常不满意"]),
    col("unknown", Count, &["不了解", "说不清"]),
];

static MEETINGS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col(
        "body",
        Text,
        &[
            "会议名称",
            "会议主体",
            "召开单位",
            "专项小组",
            "会议机构",
            "议事机构",
        ],
    ),
    col(
        "held_on",
        Date,
        &["召开时间", "会议时间", "会议日期", "召开日期"],
    ),
    col("meeting_kind", Text, &["会议类型", "会议形式", "会议类别"]),
    col(
        "topics",
        Text,
        &["会议议题", "主要议题", "审议事项", "研究事项", "会议内容"],
    ),
    col(
        "reports_heard",
        Units,
        &["听取汇报", "听取汇报事项", "汇报事项", "听取汇报情况"],
    ),
    col(
        "attendee_level",
        Text,
        &["出席领导", "参会领导", "主持人", "出席人员层级", "参会人员"],
    ),
    col("remarks", Text, REMARKS),
];

/// Publicity events: what kind of event each word names.
const EVENT_KINDS: &[(&str, &str)] = &[
    ("发布会", "新闻发布会"),
    ("专栏", "媒体专栏"),
    ("专题报道", "专题报道"),
    ("报道", "专题报道"),
    ("其他", "其他"),
];

static PUBLICITY: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col(
        "event",
        Text,
        &["宣传活动", "活动名称", "宣传事项", "宣传内容", "宣传报道"],
    ),
    col(
        "event_kind",
        Enum(EVENT_KINDS),
        &["宣传形式", "活动类型", "宣传类型", "宣传方式"],
    ),
    col(
        "held_on",
        Date,
        &["发布时间", "活动时间", "刊发时间", "举办时间", "召开时间"],
    ),
    col(
        "outlet",
        Text,
        &["刊发媒体", "发布平台", "媒体名称", "媒体", "刊播媒体"],
    ),
    col("topic", Text, &["宣传主题", "发布主题", "主题"]),
    col("remarks", Text, REMARKS),
];

const CASE_SOURCES: &[(&str, &str)] =
    &[("试点", "pilot"), ("基层", "grassroots"), ("其他", "other")];

static CASES: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col(
        "case_name",
        Text,
        &["案例名称", "典型案例", "案例标题", "典型案例名称"],
    ),
    col(
        "unit",
        Text,
        &[
            "案例单位",
            "所在单位",
            "实施单位",
            "报送单位",
            "案例所属单位",
        ],
    ),
    col("source", Enum(CASE_SOURCES), &["案例来源", "来源"]),
    col("pilot", Text, &["所属试点", "来源试点", "依托试点"]),
    col(
        "recognised_level",
        Enum(PILOT_LEVELS),
        &["推广层级", "认定层级", "入选层级", "获评层级", "推广级别"],
    ),
    col(
        "recognised_on",
        Date,
        &["认定时间", "入选时间", "推广时间", "获评时间"],
    ),
    col("remarks", Text, REMARKS),
];

/// What an inspection looked at (督察对象类型).
const SUBJECT_KINDS: &[(&str, &str)] = &[
    ("整改", "rectification"),
    ("问题", "rectification"),
    ("方案", "plan"),
    ("任务", "task"),
    ("其他", "other"),
];

static INSPECTIONS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col(
        "inspection",
        Text,
        &["督察事项", "督察名称", "督察内容", "督察项目"],
    ),
    col(
        "inspector",
        Text,
        &["督察主体", "督察单位", "督察组", "牵头单位"],
    ),
    col(
        "inspected_unit",
        UnitRef("inspected_code"),
        &["被督察单位", "督察对象单位"],
    ),
    col(
        "subject",
        Text,
        &["督察对象", "督察的方案或任务", "督察方案"],
    ),
    col(
        "subject_kind",
        Enum(SUBJECT_KINDS),
        &["督察对象类型", "对象类型"],
    ),
    col("started_on", Date, &["督察时间", "开展时间", "督察日期"]),
    col("mode_text", Mode, &["督察方式", "督察形式"]),
    col("third_party", Bool, &["第三方评估", "是否第三方评估"]),
    col(
        "findings",
        Findings,
        &["发现问题数", "发现问题", "问题数量"],
    ),
    col(
        "notice_no",
        Text,
        &["整改督办通知文号", "督办通知文号", "通知文号"],
    ),
    col(
        "report_filed_on",
        Date,
        &["评估报告报送时间", "报告报送时间"],
    ),
    col("remarks", Text, REMARKS),
];

const DOCUMENT_NO: &[&str] = &["文号", "文件编号"];

/// Where a deduction came from (扣分来源).
const DEDUCTION_SOURCES: &[(&str, &str)] = &[
    ("督察", "inspection"),
    ("督查", "inspection"),
    ("通报", "circular"),
    ("逾期", "overdue"),
    ("未完成", "overdue"),
    ("未按期", "overdue"),
    ("其他", "other"),
];

/// Which of the 三个区分开 an exemption rests on (认定情形).
const EXEMPTION_GROUNDS: &[(&str, &str)] = &[
    ("缺乏经验", "inexperience"),
    ("先行先试", "inexperience"),
    ("探索", "exploration"),
    ("创新", "exploration"),
    ("无明确限制", "exploration"),
    ("推动发展", "development"),
    ("发展", "development"),
];

static DEDUCTIONS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col(
        "unit",
        OfficeUnit("unit_code"),
        &["被扣分单位", "扣分单位", "单位"],
    ),
    col("occurred_on", Date, &["扣分时间", "扣分日期", "发生时间"]),
    col("reason", Text, &["扣分原因", "扣分事由"]),
    col("points", Points, &["扣分分值", "扣分", "分值"]),
    col("source", Enum(DEDUCTION_SOURCES), &["扣分来源", "来源"]),
    col("document_no", Text, DOCUMENT_NO),
    col("remarks", Text, REMARKS),
];

static EXEMPTIONS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col("unit", OfficeUnit("unit_code"), &["被认定单位", "单位"]),
    col("item", Text, &["免责事项", "容错事项", "事项"]),
    col("decided_on", Date, &["认定时间", "认定日期"]),
    col("decision_no", Text, &["认定文号", "文号", "文件编号"]),
    col("ground", Enum(EXEMPTION_GROUNDS), &["认定情形", "容错情形"]),
    col("remarks", Text, REMARKS),
];

static ACCOUNTABILITY: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col("unit", OfficeUnit("unit_code"), &["被问责单位", "单位"]),
    col("occurred_on", Date, &["问责时间", "发生时间"]),
    col("reason", Text, &["问责事由", "事由"]),
    col("decision", Text, &["处理结果", "问责方式"]),
    col("document_no", Text, DOCUMENT_NO),
    col("remarks", Text, REMARKS),
];

static ASSIGNMENTS: &[ColumnSpec] = &[
    col("seq", Text, SEQ),
    col("year", Int, &["年度", "年份"]),
    col(
        "task",
        Text,
        &["改革任务", "工作要点", "任务名称", "重点改革任务"],
    ),
    // DESIGN §14 lists 责任单位（牵头） too, but a header's bracketed suffix is
    // dropped before matching (§4), which leaves 责任单位 — the responsible
    // units. A unit tagged （牵头） inside the 责任单位 cell leads instead.
    col(
        "lead_unit",
        OfficeUnit("lead_code"),
        &["牵头单位", "牵头部门"],
    ),
    col(
        "responsible_units",
        Units,
        &["责任单位", "配合单位", "参与单位"],
    ),
    col(
        "deadline_text",
        Deadline,
        &["完成时限", "完成时间", "时间节点", "完成期限", "时限要求"],
    ),
    col(
        "is_major",
        Bool,
        &[
            "是否重大改革任务",
            "是否重大改革",
            "是否重大",
            "重大改革任务",
        ],
    ),
    col("remarks", Text, REMARKS),
];

/// Headers recognised in satisfaction sheets and deliberately not stored.
pub const SATISFACTION_IGNORED: &[&str] = &[
    "有效票",
    "满意率",
    "满意度",
    "得分",
    "意见建议",
    "序号",
    "合计",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_pick_the_first_matching_kind() {
        assert_eq!(
            Kind::from_keyword("2024年群众满意度测评"),
            Some(Kind::Satisfaction)
        );
        assert_eq!(Kind::from_keyword("改革试点台账"), Some(Kind::Pilots));
        assert_eq!(Kind::from_keyword("专项改革方案台账"), Some(Kind::Plans));
        assert_eq!(
            Kind::from_keyword("巡视整改问题清单"),
            Some(Kind::Rectifications)
        );
        assert_eq!(Kind::from_keyword("重点改革任务台账"), Some(Kind::Tasks));
        assert_eq!(Kind::from_keyword("Sheet1"), None);
        assert_eq!(
            Kind::from_keyword("2024年改革试点典型案例"),
            Some(Kind::Cases)
        );
        assert_eq!(Kind::from_keyword("改革宣传台账"), Some(Kind::Publicity));
        assert_eq!(
            Kind::from_keyword("中共四川省委宣传部2024年第二季度全面深化改革任务台账"),
            Some(Kind::Tasks)
        );
        assert_eq!(
            Kind::from_keyword("省委宣传部2024年改革宣传台账"),
            Some(Kind::Publicity)
        );
        assert_eq!(Kind::from_keyword("专项小组会议台账"), Some(Kind::Meetings));
        assert_eq!(
            Kind::from_keyword("德阳市2024年改革督察台账"),
            Some(Kind::Inspections)
        );
        assert_eq!(Kind::from_keyword("督查工作台账"), Some(Kind::Inspections));
        assert_eq!(
            Kind::from_keyword("专项改革方案督察台账"),
            Some(Kind::Inspections)
        );
        // 督察整改台账 (DESIGN §4's name for rectifications) and the
        // rectification ledgers that name the inspection they answer.
        for rectifications in [
            "督察整改台账",
            "旌阳区2024年第三季度督察整改台账",
            "省委改革督察反馈问题整改台账",
            "督察发现问题清单",
        ] {
            assert_eq!(
                Kind::from_keyword(rectifications),
                Some(Kind::Rectifications),
                "{rectifications}"
            );
        }
        // The reform office's ledgers of the annual assessment (DESIGN §14).
        for (title, kind) in [
            ("2024年度全面深化改革考核扣分台账", Kind::Deductions),
            ("督察发现问题扣分台账", Kind::Deductions),
            ("容错免责认定台账", Kind::Exemptions),
            ("改革问责台账", Kind::Accountability),
            (
                "2024年全省全面深化改革工作要点任务分解表",
                Kind::Assignments,
            ),
            ("重点改革任务分解", Kind::Assignments),
        ] {
            assert_eq!(Kind::from_keyword(title), Some(kind), "{title}");
        }
        // A rectification ledger's header row read as its title names no kind.
        assert_eq!(Kind::from_keyword("序号问题来源督察类型问题描述"), None);
    }

    #[test]
    fn every_kind_has_its_required_column() {
        for kind in Kind::ALL {
            assert!(
                kind.columns().iter().any(|c| c.name == kind.required()),
                "{kind}"
            );
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
        }
    }
}
