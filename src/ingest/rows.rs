//! A sheet's data rows under its header: cells typed by their column
//! (text, dates and deadlines, statuses, units, yes/no, integers), merged
//! cells filled, section rows turned into `domain`, the table ended at its
//! footer or two empty rows (DESIGN §4 "Layout").

use std::sync::Arc;

use super::header::{Binding, Header};
use super::read::{CellValue, SheetGrid};
use crate::issue::{Code, Issue, Severity};
use crate::ledger::{ColType, Kind, Record, Rules, Value};
use crate::normalize::dates::{
    Deadline, DeadlineKind, parse_deadline_number, parse_deadline_text, parse_milestones,
};
use crate::normalize::inspection::{parse_findings, parse_mode};
use crate::normalize::text::fold_width;
use crate::normalize::units::split_units;
use crate::normalize::{Roster, Status, parse_yes_no};

/// What one ledger sheet yielded.
#[derive(Debug, Clone, Default)]
pub struct SheetResult {
    /// The rows read, when they were collected ([`read_rows`]); rows handed
    /// out one by one ([`read_rows_into`]) are only counted in `rows`.
    pub records: Vec<Record>,
    /// Rows read.
    pub rows: usize,
    /// Rows rejected with an error (each also has an issue).
    pub rows_rejected: usize,
    pub issues: Vec<Issue>,
    /// Header texts of ignored columns, for the import summary.
    pub ignored_columns: Vec<String>,
}

/// One accepted row as it is read, lent to the caller of [`read_rows_into`]
/// until its callback returns.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    /// 1-based Excel row.
    pub source_row: u32,
    /// 0-based column of the row's identifying cell (see [`Record::source_col`]).
    pub source_col: u32,
    /// Aligned with [`crate::ledger::fields`].
    pub values: &'a [Value],
}

/// Reads the data rows below `header`. `default_year` dates year-less deadlines.
/// Units named in a unit column (被督察单位) are not looked up: see
/// [`read_rows_into`] for that.
pub fn read_rows(
    grid: &SheetGrid,
    header: &Header,
    rules: &Rules,
    default_year: Option<i32>,
) -> SheetResult {
    let sheet: Arc<str> = Arc::from(grid.name.as_str());
    let mut records = Vec::new();
    let mut out = read_rows_into(grid, header, rules, None, default_year, &mut |row| {
        records.push(Record {
            source_sheet: sheet.clone(),
            source_row: row.source_row,
            source_col: row.source_col,
            values: row.values.to_vec(),
        })
    });
    out.records = records;
    out
}

/// Where the names of a unit column (被督察单位) are looked up.
#[derive(Debug, Clone, Copy)]
pub struct UnitNames<'a> {
    pub roster: &'a Roster,
    /// The unit whose ledger it is: a name two units share is the one at or
    /// under it.
    pub filer: Option<&'a str>,
}

/// [`read_rows`], handing each accepted row to `emit` as it is read instead
/// of keeping it: a sheet of 200,000 rows is never held as rows, and a row's
/// values are written into one buffer, reused row after row. A unit column
/// (被督察单位) is looked up in `unit_names`, when given.
pub fn read_rows_into(
    grid: &SheetGrid,
    header: &Header,
    rules: &Rules,
    unit_names: Option<UnitNames<'_>>,
    default_year: Option<i32>,
    emit: &mut dyn FnMut(RowRef<'_>),
) -> SheetResult {
    let kind = header.kind;
    let specs = kind.columns();
    let sheet = grid.name.as_str();
    let mut out = SheetResult::default();
    for (col, text, column) in &header.duplicates {
        out.issues.push(
            Issue::file(
                Severity::Warning,
                Code::DuplicateHeader,
                format!("表头“{}”与另一列同为 {column}，此列已忽略；请删除或改名", text.trim()),
                format!("header {:?} duplicates column {column}; this column was ignored — remove or rename it", text.trim()),
            )
            .in_sheet(sheet)
            .at(header.last_row, *col)
            .column(column)
            .value(text.trim()),
        );
    }
    out.ignored_columns = header
        .unmatched
        .iter()
        .map(|(_, t)| t.trim().to_string())
        .collect();

    let first_col = grid.origin.1;
    let last_col = grid.col_count();
    let required = specs
        .iter()
        .position(|s| s.name == kind.required())
        .expect("every kind has its required column");
    let domain_spec = specs.iter().position(|s| s.name == "domain");
    let seq_col = header
        .bindings
        .iter()
        .find(|b| specs[b.spec].name == "seq")
        .map(|b| b.col);
    // (field, spec) of every column a row cannot be without, the title first.
    let musts: Vec<(usize, usize)> = std::iter::once(required)
        .chain(kind.also_required().iter().map(|name| {
            specs
                .iter()
                .position(|s| s.name == *name)
                .expect("an also-required column is a spec")
        }))
        .map(|spec| {
            let field = field_index(kind, specs[spec].name).expect("required column is a field");
            (field, spec)
        })
        .collect();
    let bound_col = |spec: usize| {
        header
            .bindings
            .iter()
            .find(|b| b.spec == spec)
            .map_or(first_col, |b| b.col)
    };
    // The title's cell names the row (source_cell).
    let required_col = bound_col(required);
    let lead_ix = field_index(kind, "lead_unit");
    let third_party_ix = field_index(kind, "third_party");
    // A breakdown (任务分解) with no 年度 column is of the year its title
    // gives (`default_year`, from the title when it names one).
    let year_ix = field_index(kind, "year").filter(|_| kind == Kind::Assignments);
    let row_width = crate::ledger::fields(kind).len();
    let mut read = CellReaders::new(rules, unit_names, default_year);
    let mut domain: Option<Arc<str>> = None;
    let mut empty_run = 0;
    // Rows already read, by a 64-bit hash of their values, with the first
    // row that had them: a repeated row is reported (both rows are kept);
    // only the hash is remembered, since rows already handed out are gone.
    // Two different rows of a million-row sheet share a hash with odds of
    // about 1 in 30 million, and would only cost a wrong warning.
    // Sized for every row at once: grown as rows came, it was rehashed into
    // fresh memory nine times for a national ledger's few hundred rows.
    let data_rows = grid.row_count().saturating_sub(header.last_row + 1) as usize;
    let mut seen: foldhash::HashMap<u64, u32> =
        foldhash::HashMap::with_capacity_and_hasher(data_rows, Default::default());
    let mut values: Vec<Value> = Vec::with_capacity(row_width);
    // The sheet columns bound to each canonical column, looked up once.
    let bound_to: Vec<Vec<&Binding>> = (0..specs.len())
        .map(|i| header.bindings.iter().filter(|b| b.spec == i).collect())
        .collect();

    // (field, spec) of the row's office-unit columns, looked up once the row is read.
    let mut office_units: Vec<(usize, usize)> = Vec::new();
    // The row's non-blank cells, in a buffer reused row after row.
    let mut cells: Vec<(u32, &CellValue)> = Vec::new();
    for row in header.last_row + 1..grid.row_count() {
        cells.clear();
        cells.extend(
            (first_col..)
                .zip(grid.row_cells(row))
                .take((last_col - first_col) as usize)
                .filter(|(_, v)| !v.is_empty()),
        );
        if cells.is_empty() {
            empty_run += 1;
            if empty_run >= 2 {
                break;
            }
            continue;
        }
        empty_run = 0;
        // Footers (注：, 合计, 共12项) are text; a number or date never is one.
        if let CellValue::Text(first) = cells[0].1
            && is_end_of_table(first)
        {
            break;
        }
        if let Some(section) = section_title(&cells, seq_col) {
            domain = Some(Arc::from(section));
            continue;
        }

        values.clear();
        let mut row_issues = Vec::new();
        let mut units_lead: Option<String> = None;
        let mut mode_third_party = false;
        office_units.clear();
        for (i, spec) in specs.iter().enumerate() {
            let bound = &bound_to[i];
            let cell = bound.first().map(|b| (b.col, grid.cell(row, b.col)));
            let at = At {
                sheet,
                row,
                column: spec.name,
            };
            let mut to = RowOut {
                values: &mut values,
                issues: &mut row_issues,
            };
            match spec.ty {
                ColType::Text => {
                    let section = (domain_spec == Some(i)).then_some(&domain);
                    read.text(cell, section.and_then(Option::as_ref), &mut to);
                }
                ColType::Units => read.units(cell, &mut units_lead, &mut to),
                ColType::Date => read.date(cell, at, &mut to),
                ColType::Deadline => read.deadline(cell, at, &mut to),
                ColType::Status => {
                    let yes_no = bound.first().is_some_and(|b| b.yes_no);
                    read.status(cell, yes_no, at, &mut to);
                }
                ColType::Bool => read.yes_no(cell, at, &mut to),
                ColType::Int | ColType::Count => {
                    let cells = bound.iter().map(|b| (b.col, grid.cell(row, b.col)));
                    read.int(cells, spec.ty == ColType::Count, at, &mut to);
                }
                ColType::Enum(words) => read.one_of(cell, words, at, &mut to),
                ColType::Milestones => read.milestones(cell, at, &mut to),
                ColType::Mode => mode_third_party = read.mode(cell, at, &mut to),
                ColType::Findings => read.findings(cell, at, &mut to),
                ColType::UnitRef(_) => read.unit_ref(cell, at, &mut to),
                ColType::OfficeUnit(_) => {
                    // Looked up once the row is read: a blank lead unit
                    // may yet be filled from a unit tagged （牵头）.
                    office_units.push((to.values.len(), i));
                    read.text(cell, None, &mut to);
                    to.values.push(Value::Null);
                }
                ColType::Points => read.points(cell, at, &mut to),
            }
        }
        // A 督察方式 of 第三方评估 says the inspection was a third party's, even
        // with no 第三方评估 column (or a blank one).
        if let (true, Some(ix)) = (mode_third_party, third_party_ix) {
            values[ix] = Value::Bool(true);
        }
        if let (Some(ix), Some(year)) = (year_ix, default_year)
            && values[ix] == Value::Null
        {
            values[ix] = Value::Int(i64::from(year));
        }
        // A unit tagged （牵头） leads when the lead column is empty.
        if let (Some(lead), Some(lead_ix)) = (units_lead, lead_ix)
            && values[lead_ix] == Value::Null
        {
            values[lead_ix] = Value::Text(lead.into());
        }

        if let Some(&(_, missing)) = musts
            .iter()
            .find(|(field, _)| values[*field] == Value::Null)
        {
            let col = bound_col(missing);
            let row_text: Vec<String> = cells
                .iter()
                .map(|(c, v)| format!("{}={}", crate::a1::a1(row, *c), v.as_text()))
                .collect();
            let (zh, en) = match kind {
                Kind::Satisfaction => (
                    "测评项目为空，此行未导入；请填写测评项目",
                    "the item is empty; this row was not imported — fill in the item",
                ),
                _ => (
                    "必填列为空，此行未导入；请补全后重新报送",
                    "the required column is empty; this row was not imported — fill it in and resubmit",
                ),
            };
            out.issues.push(
                Issue::file(Severity::Error, Code::MissingCell, zh, en)
                    .in_sheet(sheet)
                    .at(row, col)
                    .column(specs[missing].name)
                    .value(row_text.join("; ")),
            );
            out.issues.extend(row_issues);
            out.rows_rejected += 1;
            continue;
        }
        // The reform office's ledgers name a roster unit on every row; a row
        // naming none is refused at that cell (DESIGN §14).
        let mut refused = false;
        for &(field, spec) in &office_units {
            if let Some(issue) = read.office_unit(
                &mut values,
                field,
                At {
                    sheet,
                    row,
                    column: specs[spec].name,
                },
                bound_col(spec),
            ) {
                row_issues.push(issue);
                refused = true;
            }
        }
        out.issues.extend(row_issues);
        if refused {
            out.rows_rejected += 1;
            continue;
        }
        let source_row = row + 1;
        let hash = {
            use std::hash::BuildHasher;
            foldhash::quality::FixedState::with_seed(2).hash_one(&values)
        };
        match seen.entry(hash) {
            std::collections::hash_map::Entry::Occupied(first) => out.issues.push(
                Issue::file(
                    Severity::Warning,
                    Code::DuplicateRow,
                    format!(
                        "此行与第 {} 行完全相同，两行均已保留；如为重复填报请删除一行",
                        first.get()
                    ),
                    format!(
                        "this row repeats row {}; both were kept — delete one if it is a mistake",
                        first.get()
                    ),
                )
                .in_sheet(sheet)
                .at(row, first_col),
            ),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(source_row);
            }
        }
        emit(RowRef {
            source_row,
            source_col: required_col,
            values: &values,
        });
        out.rows += 1;
    }
    out
}

/// Where a cell being read sits, for its issues.
#[derive(Clone, Copy)]
struct At<'a> {
    sheet: &'a str,
    /// 0-based row.
    row: u32,
    column: &'static str,
}

impl At<'_> {
    /// A warning about the cell at `col`: the row is kept.
    fn warn(&self, code: Code, zh: String, en: String, col: u32, value: String) -> Issue {
        Issue::file(Severity::Warning, code, zh, en)
            .in_sheet(self.sheet)
            .at(self.row, col)
            .column(self.column)
            .value(value)
    }
}

/// Where a reader puts what it read: the row's values, in field order, and
/// the row's issues.
struct RowOut<'a> {
    values: &'a mut Vec<Value>,
    issues: &'a mut Vec<Issue>,
}

/// One reader per column type. Deadline, status and unit texts repeat down
/// a ledger, so each distinct text is parsed once per sheet; the fixed words
/// (deadline kinds, states, enum values) are shared texts made once per sheet
/// rather than once per row.
struct CellReaders<'r> {
    rules: &'r Rules,
    /// Where a unit column's names are looked up; none, none are.
    unit_names: Option<UnitNames<'r>>,
    /// A unit column's text → the code of the unit it names.
    unit_codes: foldhash::HashMap<Arc<str>, Option<Value>>,
    /// The year a year-less deadline takes (the period's).
    default_year: Option<i32>,
    deadlines: foldhash::HashMap<String, Deadline>,
    /// Per status column form (是否完成 or words): text → state.
    statuses: [foldhash::HashMap<String, Option<Status>>; 2],
    units: foldhash::HashMap<Arc<str>, SplitUnits>,
    words: Vec<(&'static str, Arc<str>)>,
}

impl<'r> CellReaders<'r> {
    fn new(
        rules: &'r Rules,
        unit_names: Option<UnitNames<'r>>,
        default_year: Option<i32>,
    ) -> CellReaders<'r> {
        CellReaders {
            rules,
            unit_names,
            unit_codes: Default::default(),
            default_year,
            deadlines: Default::default(),
            statuses: Default::default(),
            units: Default::default(),
            words: Vec::new(),
        }
    }

    fn word(&mut self, w: &'static str) -> Value {
        if let Some((_, text)) = self.words.iter().find(|(k, _)| *k == w) {
            return Value::Text(text.clone());
        }
        let text: Arc<str> = Arc::from(w);
        self.words.push((w, text.clone()));
        Value::Text(text)
    }

    /// Text; a blank `domain` cell takes the section row above (`section`).
    fn text(&mut self, cell: Cell<'_>, section: Option<&Arc<str>>, to: &mut RowOut<'_>) {
        let text = cell
            .and_then(|(_, v)| text_of(v))
            .or_else(|| section.cloned());
        to.values.push(text.map_or(Value::Null, Value::Text));
    }

    /// A list of units; the one tagged （牵头） goes to `lead`.
    fn units(&mut self, cell: Cell<'_>, lead: &mut Option<String>, to: &mut RowOut<'_>) {
        let units = cell.and_then(|(_, v)| text_of(v)).map(|t| {
            self.units.entry(t).or_insert_with_key(|t| {
                let units = split_units(t);
                (Arc::from(units.units), units.lead)
            })
        });
        match units {
            Some((list, tagged)) if !list.is_empty() => {
                lead.clone_from(tagged);
                to.values.push(Value::TextList(list.clone()));
            }
            _ => to.values.push(Value::Null),
        }
    }

    fn date(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) {
        let (value, bad) = read_date(cell.map(|(_, v)| v), self.default_year);
        if let (Some(raw), Some((col, _))) = (bad, cell) {
            to.issues.push(at.warn(
                Code::BadDate,
                format!("日期“{raw}”无法识别，请填写如 2024-06-30 的日期"),
                format!("cannot read the date {raw:?}; write a date such as 2024-06-30"),
                col,
                raw,
            ));
        }
        to.values.push(value.map_or(Value::Null, Value::Date));
    }

    /// A deadline: its text, its day and its kind (three values).
    fn deadline(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) {
        let raw = cell.and_then(|(_, v)| text_of(v));
        let deadline = match cell.map(|(_, v)| v) {
            Some(CellValue::Date(d)) => Deadline {
                on: Some(*d),
                kind: DeadlineKind::Date,
            },
            Some(CellValue::Number(x)) => parse_deadline_number(*x),
            _ => match raw.as_deref() {
                None => Deadline {
                    on: None,
                    kind: DeadlineKind::Unknown,
                },
                Some(t) => match self.deadlines.get(t) {
                    Some(d) => *d,
                    None => {
                        let d = parse_deadline_text(t, self.default_year);
                        self.deadlines.insert(t.to_string(), d);
                        d
                    }
                },
            },
        };
        if let (Some(raw), Some((col, _)), DeadlineKind::Unknown) = (&raw, cell, deadline.kind) {
            to.issues.push(at.warn(
                Code::BadDate,
                format!("完成时限“{raw}”无法识别，请写成 2024年6月底前、2024-06-30 或 长期坚持"),
                format!("cannot read the deadline {raw:?}; write e.g. 2024年6月底前, 2024-06-30 or 长期坚持"),
                col,
                raw.to_string(),
            ));
        }
        to.values.push(raw.map_or(Value::Null, Value::Text));
        to.values.push(deadline.on.map_or(Value::Null, Value::Date));
        let kind = self.word(deadline.kind.as_str());
        to.values.push(kind);
    }

    /// A status: its state and its text (two values). `yes_no`: a 是否完成 column.
    fn status(&mut self, cell: Cell<'_>, yes_no: bool, at: At<'_>, to: &mut RowOut<'_>) {
        let raw = cell.and_then(|(_, v)| text_of(v));
        let status = match &raw {
            Some(t) => {
                let memo = &mut self.statuses[usize::from(yes_no)];
                match memo.get(&**t) {
                    Some(status) => *status,
                    None => {
                        let status = if yes_no {
                            self.rules.vocab.classify_yes_no(t)
                        } else {
                            self.rules.vocab.classify(t)
                        };
                        memo.insert(t.to_string(), status);
                        status
                    }
                }
            }
            None => None,
        };
        if let (Some(t), Some((col, _)), None) = (&raw, cell, status) {
            to.issues.push(at.warn(
                Code::UnknownStatus,
                format!("完成状态“{t}”不在词表中，请填写 已完成/推进中/未启动/滞后/长期坚持"),
                format!(
                    "status {t:?} is not a known word; use 已完成, 推进中, 未启动, 滞后 or 长期坚持"
                ),
                col,
                t.to_string(),
            ));
        }
        let state = self.word(status.unwrap_or(Status::Unknown).as_str());
        to.values.push(state);
        to.values.push(raw.map_or(Value::Null, Value::Text));
    }

    fn yes_no(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) {
        let raw = cell.and_then(|(_, v)| text_of(v));
        let parsed = match cell.map(|(_, v)| v) {
            Some(CellValue::Bool(b)) => Some(*b),
            _ => parse_yes_no(raw.as_deref().unwrap_or("")),
        };
        if let (None, Some(raw), Some((col, _))) = (parsed, &raw, cell) {
            to.issues.push(at.warn(
                Code::TypeError,
                format!("“{raw}”不是 是/否，请填写 是 或 否"),
                format!("{raw:?} is not yes/no; write 是 or 否"),
                col,
                raw.to_string(),
            ));
        }
        to.values.push(parsed.map_or(Value::Null, Value::Bool));
    }

    /// A whole number: the sum of every column bound to it (a 5-level vote
    /// folds into 3). A blank vote `count` is 0 (DESIGN §4); other blank
    /// numbers are unknown.
    fn int<'g>(
        &mut self,
        cells: impl Iterator<Item = (u32, &'g CellValue)>,
        count: bool,
        at: At<'_>,
        to: &mut RowOut<'_>,
    ) {
        let mut total: Option<i64> = None;
        for (col, v) in cells {
            match read_int(v) {
                Ok(Some(n)) if n < 0 => to.issues.push(at.warn(
                    Code::OutOfRange,
                    format!("数值 {n} 不能为负数"),
                    format!("{n} cannot be negative"),
                    col,
                    n.to_string(),
                )),
                Ok(Some(n)) => total = Some(total.unwrap_or(0).saturating_add(n)),
                Ok(None) => {}
                Err(raw) => to.issues.push(at.warn(
                    Code::TypeError,
                    format!("“{raw}”不是整数，请填写数字"),
                    format!("{raw:?} is not a whole number; write a number"),
                    col,
                    raw,
                )),
            }
        }
        let total = if count {
            Some(total.unwrap_or(0))
        } else {
            total
        };
        to.values.push(total.map_or(Value::Null, Value::Int));
    }

    /// Every date of a 进度节点 cell, in order (one value, a list).
    fn milestones(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) {
        let dates: Vec<chrono::NaiveDate> = match cell.map(|(_, v)| v) {
            None => Vec::new(),
            Some(CellValue::Date(d)) => vec![*d],
            Some(CellValue::Number(x)) => parse_deadline_number(*x).on.into_iter().collect(),
            Some(other) => text_of(other)
                .map(|t| parse_milestones(&t, self.default_year))
                .unwrap_or_default(),
        };
        let raw = cell.and_then(|(_, v)| text_of(v));
        if let (Some(raw), Some((col, _)), true) = (&raw, cell, dates.is_empty()) {
            to.issues.push(at.warn(
                Code::BadDate,
                format!("进度节点“{raw}”中没有可识别的日期，请写成 2024年6月底前完成方案，9月底前完成整改 这样的形式"),
                format!("no date can be read in the milestones {raw:?}; write e.g. 2024年6月底前完成方案，9月底前完成整改"),
                col,
                raw.to_string(),
            ));
        }
        to.values.push(if dates.is_empty() {
            Value::Null
        } else {
            Value::DateList(dates.into())
        });
    }

    /// A 督察方式 cell: its text and whether the inspection was joint,
    /// covert and on site (four values). Returns whether it names 第三方.
    fn mode(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) -> bool {
        let raw = cell.and_then(|(_, v)| text_of(v));
        let mode = raw.as_deref().and_then(parse_mode);
        if let (Some(raw), Some((col, _)), None) = (&raw, cell, mode) {
            to.issues.push(at.warn(
                Code::TypeError,
                format!("督察方式“{raw}”无法识别，请写 联合督察/独立督察、暗访/明察、实地/案头（书面）等，可用顿号分隔"),
                format!("the inspection mode {raw:?} is not recognised; write 联合督察/独立督察, 暗访/明察, 实地/案头 (书面), separated by 、"),
                col,
                raw.to_string(),
            ));
        }
        to.values.push(raw.map_or(Value::Null, Value::Text));
        match mode {
            Some(m) => {
                to.values
                    .extend([m.joint, m.covert, m.onsite].map(Value::Bool));
                m.third_party
            }
            None => {
                to.values.extend([Value::Null, Value::Null, Value::Null]);
                false
            }
        }
    }

    /// A count of problems found: a number, or words such as 发现问题3个.
    fn findings(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) {
        let (value, bad) = match cell.map(|(_, v)| v) {
            None => (None, None),
            Some(CellValue::Number(x)) if x.fract() == 0.0 && (0.0..1e15).contains(x) => {
                (Some(*x as i64), None)
            }
            Some(other) => match text_of(other) {
                None => (None, None),
                Some(t) => match parse_findings(&t) {
                    Some(n) => (Some(n), None),
                    None => (None, Some(t.to_string())),
                },
            },
        };
        if let (Some(raw), Some((col, _))) = (bad, cell) {
            to.issues.push(at.warn(
                Code::TypeError,
                format!("发现问题数“{raw}”无法识别，请填写数字，如 3"),
                format!(
                    "the number of problems found {raw:?} cannot be read; write a number such as 3"
                ),
                col,
                raw,
            ));
        }
        to.values.push(value.map_or(Value::Null, Value::Int));
    }

    /// A unit named in a cell: the text, and the code of the roster unit it
    /// names (by name, old name or short form, or named inside a longer text
    /// such as 旌阳区发改局). A name that is no roster unit's is warned
    /// about: its row counts as the submitting unit's own.
    fn unit_ref(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) {
        let raw = cell.and_then(|(_, v)| text_of(v));
        let code = match (&raw, self.unit_names) {
            (Some(t), Some(names)) => self
                .unit_codes
                .entry(t.clone())
                .or_insert_with(|| {
                    names
                        .roster
                        .unit_named(t, names.filer)
                        .map(|u| Value::Text(Arc::from(u.code.as_str())))
                })
                .clone(),
            _ => None,
        };
        if let (Some(raw), Some((col, _)), Some(_), None) = (&raw, cell, self.unit_names, &code) {
            to.issues.push(at.warn(
                Code::UnknownRegion,
                format!("被督察单位“{raw}”不是名册中的报送单位，已计为填报单位本级的督察；如督察的是其他报送单位，请每行填写一个单位的名称"),
                format!("the inspected unit {raw:?} is not a unit of the roster; the inspection counts as the submitting unit's own — to name another unit, write one unit's name per row"),
                col,
                raw.to_string(),
            ));
        }
        to.values.push(raw.map_or(Value::Null, Value::Text));
        to.values.push(code.unwrap_or(Value::Null));
    }

    /// The roster unit an office ledger's unit cell names (`values[field]`),
    /// written into the code column after it; an error refusing the row when
    /// it names none. Without a roster (a ledger read on its own) nothing is
    /// looked up and nothing refused.
    fn office_unit(
        &mut self,
        values: &mut [Value],
        field: usize,
        at: At<'_>,
        col: u32,
    ) -> Option<Issue> {
        let (Value::Text(t), Some(names)) = (&values[field], self.unit_names) else {
            return None;
        };
        let code = self
            .unit_codes
            .entry(t.clone())
            .or_insert_with(|| {
                // A name inside a longer text (德阳市某局 → 德阳市) stands for the
                // unit it names — but never for the province: a provincial body
                // the roster lacks (四川省交通运输厅) is no unit to charge.
                let roster = names.roster;
                roster
                    .unit_exactly_named(t, names.filer)
                    .or_else(|| {
                        roster
                            .find_in(t)
                            .filter(|u| u.level != crate::normalize::region::Level::Province)
                    })
                    .map(|u| Value::Text(Arc::from(u.code.as_str())))
            })
            .clone();
        match code {
            Some(code) => {
                values[field + 1] = code;
                None
            }
            None => {
                let raw = t.to_string();
                Some(
                    Issue::file(
                        Severity::Error,
                        Code::UnknownRegion,
                        format!("单位“{raw}”不是名册中的单位（名称、简称或代码均未找到），此行未导入；请填写名册中的单位名称或代码后重新报送"),
                        format!("the unit {raw:?} is not a unit of the roster (no name, short name or code matches); this row was not imported — write a roster unit's name or code and resubmit"),
                    )
                    .in_sheet(at.sheet)
                    .at(at.row, col)
                    .column(at.column)
                    .value(raw),
                )
            }
        }
    }

    /// Points (扣分分值): a number greater than 0, decimals allowed; a text
    /// such as 1.5分 or 扣2分 is read for its number.
    fn points(&mut self, cell: Cell<'_>, at: At<'_>, to: &mut RowOut<'_>) {
        let (value, bad) = match cell.map(|(_, v)| v) {
            None => (None, None),
            Some(CellValue::Number(x)) => (Some(*x), None),
            Some(other) => match text_of(other) {
                None => (None, None),
                Some(t) => {
                    let number: String = t
                        .trim_start_matches('扣')
                        .trim_end_matches('分')
                        .trim()
                        .to_string();
                    match number.parse::<f64>() {
                        Ok(x) => (Some(x), None),
                        Err(_) => (None, Some(t.to_string())),
                    }
                }
            },
        };
        let value = match value {
            Some(x) if x.is_finite() && x > 0.0 => Some(x),
            Some(x) => {
                if let Some((col, _)) = cell {
                    to.issues.push(at.warn(
                        Code::OutOfRange,
                        format!("扣分分值 {x} 应大于 0"),
                        format!("the points {x} must be greater than 0"),
                        col,
                        x.to_string(),
                    ));
                }
                None
            }
            None => None,
        };
        if let (Some(raw), Some((col, _))) = (bad, cell) {
            to.issues.push(at.warn(
                Code::TypeError,
                format!("扣分分值“{raw}”不是数字，请填写如 1.5 的分值"),
                format!("the points {raw:?} are not a number; write e.g. 1.5"),
                col,
                raw,
            ));
        }
        to.values.push(value.map_or(Value::Null, |x| {
            Value::Float(crate::ledger::FloatBits::new(x))
        }));
    }

    /// One of a fixed list of values, by the first word the text contains.
    fn one_of(
        &mut self,
        cell: Cell<'_>,
        words: &[(&'static str, &'static str)],
        at: At<'_>,
        to: &mut RowOut<'_>,
    ) {
        let raw = cell.and_then(|(_, v)| text_of(v));
        let value = raw
            .as_deref()
            .and_then(|t| words.iter().find(|(w, _)| t.contains(w)).map(|(_, v)| *v));
        if let (Some(raw), None, Some((col, _))) = (&raw, &value, cell) {
            let allowed: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
            to.issues.push(at.warn(
                Code::TypeError,
                format!("“{raw}”不是可识别的取值（{}）", allowed.join("/")),
                format!(
                    "{raw:?} is not one of the known values ({})",
                    allowed.join(", ")
                ),
                col,
                raw.to_string(),
            ));
        }
        let value = value.map_or(Value::Null, |v| self.word(v));
        to.values.push(value);
    }
}

/// A row's cell in a bound column: (0-based column, value), or none when the
/// column is not in the sheet.
type Cell<'g> = Option<(u32, &'g CellValue)>;

fn field_index(kind: Kind, name: &str) -> Option<usize> {
    crate::ledger::fields(kind)
        .iter()
        .position(|f| f.name == name)
}

/// A units cell read once per sheet: the list every row with that text
/// shares, and the unit tagged as lead.
type SplitUnits = (Arc<[String]>, Option<String>);

/// The cell's data text: a text cell is already clean, so it is shared.
fn text_of(v: &CellValue) -> Option<Arc<str>> {
    match v {
        CellValue::Empty | CellValue::Error(_) => None,
        CellValue::Text(s) => Some(s.clone()),
        other => match CellValue::text(&other.as_text()) {
            CellValue::Text(t) => Some(t),
            _ => None,
        },
    }
}

/// A date cell: a real date, a serial number, or text in any §4 form.
/// Returns the date and, when text could not be read, that text.
fn read_date(
    v: Option<&CellValue>,
    default_year: Option<i32>,
) -> (Option<chrono::NaiveDate>, Option<String>) {
    match v {
        None => (None, None),
        Some(CellValue::Date(d)) => (Some(*d), None),
        Some(CellValue::Number(x)) => match parse_deadline_number(*x).on {
            Some(d) => (Some(d), None),
            None => (
                None,
                Some(super::super::normalize::text::number_to_text(*x)),
            ),
        },
        Some(other) => match text_of(other) {
            None => (None, None),
            Some(t) => match parse_deadline_text(&t, default_year).on {
                Some(d) => (Some(d), None),
                None => (None, Some(t.to_string())),
            },
        },
    }
}

/// A whole number from a number cell or text such as `12` or `12票`.
fn read_int(v: &CellValue) -> Result<Option<i64>, String> {
    match v {
        CellValue::Number(x) if x.fract() == 0.0 && x.abs() < 1e15 => Ok(Some(*x as i64)),
        CellValue::Number(x) => Err(super::super::normalize::text::number_to_text(*x)),
        other => match text_of(other) {
            None => Ok(None),
            Some(t) => {
                let digits = t.trim_end_matches(['票', '人', '个', '项', '份']);
                digits
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| t.to_string())
            }
        },
    }
}

/// A footer or totals row ends the table: its first text, as written.
fn is_end_of_table(first_text: &str) -> bool {
    // Every footer starts with one of these characters, which width folding
    // leaves alone: a data row (nearly every row) is told apart without
    // folding or copying its text.
    if !first_text
        .trim_start()
        .starts_with(['注', '说', '填', '审', '联', '制', '备', '合', '总', '共'])
    {
        return false;
    }
    let first_text = fold_width(first_text, true);
    const FOOTERS: &[&str] = &[
        "注:",
        "注：",
        "说明:",
        "说明：",
        "填表说明",
        "填报说明",
        "填报人",
        "填报单位",
        "填报时间",
        "审核人",
        "联系电话",
        "制表",
        "备注:",
        "备注：",
    ];
    let s: String = first_text.chars().filter(|c| !c.is_whitespace()).collect();
    FOOTERS.iter().any(|f| s.starts_with(f))
        || s == "合计"
        || s == "总计"
        || s.starts_with("合计")
        || (s.starts_with('共')
            && s.ends_with('项')
            && s[3..s.len() - 3].chars().all(|c| c.is_ascii_digit()))
}

/// A section row (一、经济体制改革（12项）) carries the domain for the rows below.
/// Its cells hold one text (often merged across the row), or a Chinese numeral
/// in the 序号 column and one text beside it.
fn section_title(cells: &[(u32, &CellValue)], seq_col: Option<u32>) -> Option<String> {
    fn text(v: &CellValue) -> std::borrow::Cow<'_, str> {
        match v {
            CellValue::Text(s) => std::borrow::Cow::Borrowed(s.trim()),
            other => std::borrow::Cow::Owned(other.as_text().trim().to_string()),
        }
    }
    // Up to three distinct texts, without collecting the row: a data row has
    // many and is no section.
    let mut distinct: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(3);
    for (_, v) in cells {
        let t = text(v);
        if !distinct.contains(&t) {
            if distinct.len() == 2 {
                return None;
            }
            distinct.push(t);
        }
    }
    let candidate = match distinct.as_slice() {
        [only] => only.to_string(),
        [first, second] if seq_col == Some(cells[0].0) && is_chinese_numeral(first) => {
            format!("{first}、{second}")
        }
        _ => return None,
    };
    let numbered = strip_section_number(&candidate);
    // One distinct text across a merged row, or a numbered heading.
    let merged_across = cells.len() >= 3 && distinct.len() == 1;
    match numbered {
        Some(title) => Some(strip_count_suffix(title)),
        None if merged_across => Some(strip_count_suffix(candidate.trim())),
        None => None,
    }
}

fn is_chinese_numeral(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| "一二三四五六七八九十".contains(c))
}

/// `一、经济体制改革` → `经济体制改革`; `（一）` and `(一)` prefixes too.
fn strip_section_number(s: &str) -> Option<&str> {
    let s = s.trim();
    let after_numeral = s.trim_start_matches(|c| "一二三四五六七八九十".contains(c));
    if after_numeral.len() < s.len() {
        for sep in ["、", ".", "．", " ", "　"] {
            if let Some(rest) = after_numeral.strip_prefix(sep) {
                return Some(rest.trim());
            }
        }
    }
    for (open, close) in [("（", "）"), ("(", ")")] {
        if let Some(rest) = s.strip_prefix(open) {
            let numeral_end = rest.trim_start_matches(|c| "一二三四五六七八九十".contains(c));
            if numeral_end.len() < rest.len()
                && let Some(title) = numeral_end.strip_prefix(close)
            {
                return Some(title.trim());
            }
        }
    }
    None
}

/// `经济体制改革（12项）` → `经济体制改革`.
fn strip_count_suffix(s: &str) -> String {
    let s = s.trim();
    for (open, close) in [("（", "）"), ("(", ")")] {
        if let Some(body) = s.strip_suffix(close)
            && let Some(at) = body.rfind(open)
        {
            let inner = &body[at + open.len()..];
            if inner.ends_with('项') || inner.ends_with('个') || inner.ends_with('条') {
                return body[..at].trim().to_string();
            }
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::header::find_header;

    #[test]
    fn rows_handed_out_one_by_one_are_the_rows_read_whole_and_repeats_are_found() {
        let t = |s: &str| CellValue::Text(s.into());
        let row = |seq: &str, task: &str| vec![t(seq), t(task), t("县发改局"), t("2024年6月底")];
        let grid = SheetGrid {
            name: "台账".into(),
            rows: vec![
                vec![t("序号"), t("改革任务"), t("牵头单位"), t("完成时限")],
                row("1", "深化国资国企改革"),
                row("2", "推进医保支付方式改革"),
                row("3", "优化营商环境"),
                row("2", "推进医保支付方式改革"),
                row("5", "建设统一大市场"),
            ],
            ..SheetGrid::default()
        };
        let rules = Rules::default();
        let header = find_header(&grid, Kind::Tasks, &rules).expect("a header");
        let whole = read_rows(&grid, &header, &rules, Some(2024));
        let mut handed = Vec::new();
        let streamed = read_rows_into(&grid, &header, &rules, None, Some(2024), &mut |r| {
            handed.push((r.source_row, r.source_col, r.values.to_vec()))
        });
        let collected: Vec<_> = whole
            .records
            .iter()
            .map(|r| (r.source_row, r.source_col, r.values.clone()))
            .collect();
        assert_eq!(handed, collected);
        assert_eq!(handed.len(), 5);
        assert_eq!((streamed.rows, whole.rows), (5, 5));
        assert!(whole.records.iter().all(|r| &*r.source_sheet == "台账"));
        // Row 5 repeats row 3, whose values buffer was reused since.
        let repeats: Vec<_> = streamed
            .issues
            .iter()
            .filter(|i| i.code == Code::DuplicateRow)
            .map(|i| (i.row, i.message_zh.clone()))
            .collect();
        assert_eq!(repeats.len(), 1, "{repeats:?}");
        assert_eq!(repeats[0].0, Some(5));
        assert!(repeats[0].1.contains("第 3 行"), "{}", repeats[0].1);
    }

    /// The reform office's ledgers (DESIGN §14): each row's unit is looked
    /// up in the roster by name, short form or code; a row naming no unit is
    /// refused at that cell with an error, and points keep their decimals.
    #[test]
    fn an_office_ledger_row_names_a_roster_unit_or_is_refused_at_its_cell() {
        let t = |s: &str| CellValue::Text(s.into());
        let grid = SheetGrid {
            name: "扣分台账".into(),
            rows: vec![
                vec![t("被扣分单位"), t("扣分时间"), t("扣分原因"), t("扣分分值")],
                vec![
                    t("罗江"),
                    t("2024-05-15"),
                    t("任务逾期"),
                    CellValue::Number(1.5),
                ],
                vec![t("510603"), t("2024-06-01"), t("通报批评"), t("扣2分")],
                vec![t("德阳市某局"), t("2024-07-01"), t("督察发现"), t("1")],
                vec![t("火星县"), t("2024-08-01"), t("督察发现"), t("1")],
                vec![t("旌阳区"), t("2024-08-02"), t("督察发现"), t("-1")],
                vec![
                    t("四川省交通运输厅"),
                    t("2024-08-03"),
                    t("督察发现"),
                    t("1"),
                ],
            ],
            ..SheetGrid::default()
        };
        let roster = Roster::from_csv(
            "code,name,level,parent_code,valid_from,valid_to\n510000,四川省,province,,,\n\
             510600,德阳市,city,510000,,\n510603,旌阳区,county,510600,,\n510604,罗江区,county,510600,,\n",
        )
        .unwrap();
        let rules = Rules::default();
        let header = find_header(&grid, Kind::Deductions, &rules).expect("a header");
        let mut rows = Vec::new();
        let names = UnitNames {
            roster: &roster,
            filer: Some("510000"),
        };
        let out = read_rows_into(&grid, &header, &rules, Some(names), Some(2024), &mut |r| {
            rows.push((r.source_row, r.values.to_vec()))
        });
        let get =
            |r: &Vec<Value>, name: &str| r[field_index(Kind::Deductions, name).unwrap()].clone();
        let text = |s: &str| Value::Text(s.into());
        let codes: Vec<(u32, Value)> = rows
            .iter()
            .map(|(n, r)| (*n, get(r, "unit_code")))
            .collect();
        assert_eq!(
            codes,
            [
                (2, text("510604")),
                (3, text("510603")),
                (4, text("510600"))
            ],
            "the short form, the code and a name inside a longer text; the unknown unit and the negative points are not rows"
        );
        assert_eq!(
            get(&rows[0].1, "points"),
            Value::Float(crate::ledger::FloatBits::new(1.5))
        );
        assert_eq!(
            get(&rows[1].1, "points"),
            Value::Float(crate::ledger::FloatBits::new(2.0))
        );
        assert_eq!(out.rows, 3);
        assert_eq!(out.rows_rejected, 3);
        // A provincial body the roster lacks is not the province's to pay.
        assert!(out.issues.iter().any(|i| i.code == Code::UnknownRegion
            && i.value.as_deref() == Some("四川省交通运输厅")
            && i.cell.as_deref() == Some("A7")));
        let refused = out
            .issues
            .iter()
            .find(|i| i.severity == Severity::Error && i.code == Code::UnknownRegion)
            .expect("the unknown unit is refused");
        assert_eq!(refused.cell.as_deref(), Some("A5"));
        assert_eq!(refused.value.as_deref(), Some("火星县"));
        assert!(refused.message_zh.contains("火星县") && refused.message_en.contains("roster"));
        // Points of 0 or less are no points: the row lacks a required cell.
        assert!(out.issues.iter().any(|i| i.code == Code::OutOfRange));
        assert!(
            out.issues
                .iter()
                .any(|i| i.code == Code::MissingCell && i.cell.as_deref() == Some("D6"))
        );
    }

    /// An inspections ledger: the 督察方式 cell sets three flags (and
    /// third_party), 发现问题 is read from words, 被督察单位 is looked up in
    /// the roster (a name that is no unit's is warned about, a blank is not),
    /// and a rectification's 进度节点 gives every date.
    #[test]
    fn inspection_cells_are_read_into_their_flags_counts_and_units() {
        let t = |s: &str| CellValue::Text(s.into());
        let e = CellValue::Empty;
        let grid = SheetGrid {
            name: "督察台账".into(),
            rows: vec![
                vec![
                    t("督察事项"),
                    t("被督察单位"),
                    t("督察时间"),
                    t("督察方式"),
                    t("发现问题"),
                ],
                vec![
                    t("方案落实督察"),
                    t("罗江"),
                    t("2024-05-15"),
                    t("联合督察、暗访、实地"),
                    t("发现问题3个"),
                ],
                vec![
                    t("书面督察"),
                    e.clone(),
                    t("2024-09-10"),
                    t("书面督察"),
                    CellValue::Number(2.0),
                ],
                vec![
                    t("第三方评估"),
                    t("旌阳区发改局"),
                    t("2024-11-05"),
                    t("第三方评估"),
                    t("未发现问题"),
                ],
                vec![
                    t("调研"),
                    t("县发改局"),
                    t("2024-12-01"),
                    t("走一走"),
                    t("较多"),
                ],
            ],
            ..SheetGrid::default()
        };
        let roster = Roster::from_csv(
            "code,name,level,parent_code,valid_from,valid_to\n510600,德阳市,city,510000,,\n\
             510603,旌阳区,county,510600,,\n510604,罗江区,county,510600,,\n",
        )
        .unwrap();
        let rules = Rules::default();
        let header = find_header(&grid, Kind::Inspections, &rules).expect("a header");
        let mut rows = Vec::new();
        let out = read_rows_into(
            &grid,
            &header,
            &rules,
            Some(UnitNames {
                roster: &roster,
                filer: Some("510600"),
            }),
            Some(2024),
            &mut |r| rows.push(r.values.to_vec()),
        );
        assert_eq!(out.rows, 4);
        let get =
            |r: &Vec<Value>, name: &str| r[field_index(Kind::Inspections, name).unwrap()].clone();
        let text = |s: &str| Value::Text(s.into());
        let flags =
            |r: &Vec<Value>| ["joint", "covert", "onsite", "third_party"].map(|f| get(r, f));
        let b = Value::Bool;
        assert_eq!(flags(&rows[0]), [b(true), b(true), b(true), b(false)]);
        assert_eq!(get(&rows[0], "findings"), Value::Int(3));
        assert_eq!(get(&rows[0], "inspected_code"), text("510604"));
        assert_eq!(flags(&rows[1]), [b(false), b(false), b(false), b(false)]);
        assert_eq!(get(&rows[1], "findings"), Value::Int(2));
        assert_eq!(
            get(&rows[1], "inspected_code"),
            Value::Null,
            "blank: the submitting unit"
        );
        assert_eq!(flags(&rows[2]), [b(false), b(false), b(false), b(true)]);
        assert_eq!(get(&rows[2], "findings"), Value::Int(0));
        assert_eq!(
            get(&rows[2], "inspected_code"),
            text("510603"),
            "named inside the text"
        );
        assert_eq!(
            flags(&rows[3]),
            [Value::Null, Value::Null, Value::Null, b(false)],
            "an unread mode is unknown"
        );
        let warned: Vec<(Code, &str)> = out
            .issues
            .iter()
            .map(|i| (i.code, i.col.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            warned,
            [
                (Code::UnknownRegion, "inspected_unit"),
                (Code::TypeError, "mode_text"),
                (Code::TypeError, "findings"),
            ]
        );
        assert!(out.issues.iter().all(|i| i.severity == Severity::Warning));

        let grid = SheetGrid {
            name: "整改".into(),
            rows: vec![
                vec![t("问题描述"), t("进度节点")],
                vec![t("审批时限过长"), t("6月底前完成方案，9月底前完成整改")],
                vec![t("资金闲置"), t("尽快")],
                vec![
                    t("投诉办理迟缓"),
                    CellValue::Date(chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap()),
                ],
            ],
            ..SheetGrid::default()
        };
        let header = find_header(&grid, Kind::Rectifications, &rules).expect("a header");
        let read = read_rows(&grid, &header, &rules, Some(2024));
        let at = field_index(Kind::Rectifications, "milestones").unwrap();
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        let milestones: Vec<Value> = read.records.iter().map(|r| r.values[at].clone()).collect();
        assert_eq!(
            milestones,
            [
                Value::DateList([day(6, 30), day(9, 30)].into()),
                Value::Null,
                Value::DateList([day(7, 1)].into()),
            ]
        );
        assert_eq!(read.issues.len(), 1);
        assert_eq!(read.issues[0].code, Code::BadDate);
    }

    #[test]
    fn footers_and_totals_end_the_table() {
        for s in [
            "注：1.成果形式指…",
            "说明:",
            "填表说明",
            "填报人：张三",
            "合计",
            "合 计",
            "共12项",
            "制表人：",
            "审核人（签字）",
            "共１２项",
            "备注：以上为…",
            " 总 计",
        ] {
            assert!(is_end_of_table(s), "{s}");
        }
        for s in ["1", "深化改革", "共同富裕试点", "注重实效"] {
            assert!(!is_end_of_table(s), "{s}");
        }
    }

    #[test]
    fn section_rows_give_the_domain() {
        let t = |s: &str| CellValue::Text(s.into());
        let merged = [t("一、经济体制改革（12项）"), t("一、经济体制改革（12项）")];
        let cells: Vec<(u32, &CellValue)> = merged
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        assert_eq!(
            section_title(&cells, Some(0)).as_deref(),
            Some("经济体制改革")
        );

        let split = [t("二"), t("生态文明体制改革")];
        let cells: Vec<(u32, &CellValue)> = split
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        assert_eq!(
            section_title(&cells, Some(0)).as_deref(),
            Some("生态文明体制改革")
        );

        let single = [t("（三）民主法制领域改革")];
        let cells: Vec<(u32, &CellValue)> = single
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        assert_eq!(
            section_title(&cells, Some(0)).as_deref(),
            Some("民主法制领域改革")
        );

        let data = [t("1"), t("深化国企改革")];
        let cells: Vec<(u32, &CellValue)> = data
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        assert_eq!(section_title(&cells, Some(0)), None);

        let lone_task = [t("深化国企改革")];
        let cells: Vec<(u32, &CellValue)> = lone_task
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        assert_eq!(
            section_title(&cells, Some(0)),
            None,
            "one unnumbered cell is a data row"
        );
    }

    #[test]
    fn ints_from_numbers_and_text() {
        assert_eq!(read_int(&CellValue::Number(12.0)), Ok(Some(12)));
        assert_eq!(read_int(&CellValue::text(" １２票 ")), Ok(Some(12)));
        assert_eq!(read_int(&CellValue::text("/")), Ok(None));
        assert_eq!(read_int(&CellValue::Number(1.5)), Err("1.5".into()));
        assert_eq!(read_int(&CellValue::text("十二")), Err("十二".into()));
    }
}
