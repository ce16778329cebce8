//! Ledger kinds, their canonical columns and the typed rows read from them.

pub mod keys;
pub mod kinds;

use chrono::NaiveDate;
use std::collections::HashMap;

pub use kinds::{ColType, ColumnSpec, Kind};

use crate::normalize::header::{ColumnMatcher, MatchQuality, normalize_header};
use crate::normalize::status::StatusVocab;

/// The type of a lake column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    TextList,
    Date,
    Bool,
    Int,
    DateList,
    /// A decimal number (扣分分值).
    Float,
}

/// A kind-specific lake column, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
}

/// The lake columns a kind's specs expand into (after the common columns
/// `submission_id, region_code, period, source_sheet, source_row`).
pub fn fields(kind: Kind) -> &'static [Field] {
    static FIELDS: std::sync::LazyLock<Vec<Vec<Field>>> =
        std::sync::LazyLock::new(|| Kind::ALL.map(expand_fields).to_vec());
    &FIELDS[kind.index()]
}

fn expand_fields(kind: Kind) -> Vec<Field> {
    kind.columns().iter().flat_map(ColumnSpec::fields).collect()
}

impl ColumnSpec {
    /// The lake columns this column's cells become: most one of the same
    /// name; a deadline, status, 督察方式 or unit cell several.
    pub fn fields(&self) -> Vec<Field> {
        let f = |name, ty| Field { name, ty };
        match self.ty {
            ColType::Text | ColType::Enum(_) => vec![f(self.name, FieldType::Text)],
            ColType::Units => vec![f(self.name, FieldType::TextList)],
            ColType::Date => vec![f(self.name, FieldType::Date)],
            ColType::Bool => vec![f(self.name, FieldType::Bool)],
            ColType::Int | ColType::Count | ColType::Findings => {
                vec![f(self.name, FieldType::Int)]
            }
            ColType::Milestones => vec![f(self.name, FieldType::DateList)],
            ColType::Deadline => vec![
                f("deadline_text", FieldType::Text),
                f("deadline_on", FieldType::Date),
                f("deadline_kind", FieldType::Text),
            ],
            ColType::Status => vec![
                f("status", FieldType::Text),
                f("status_text", FieldType::Text),
            ],
            ColType::Mode => std::iter::once(f(self.name, FieldType::Text))
                .chain(kinds::MODE_FLAGS.map(|flag| f(flag, FieldType::Bool)))
                .collect(),
            ColType::UnitRef(code) | ColType::OfficeUnit(code) => {
                vec![f(self.name, FieldType::Text), f(code, FieldType::Text)]
            }
            ColType::Points => vec![f(self.name, FieldType::Float)],
        }
    }
}

/// A typed lake value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    /// Shared with the sheet's cell, which holds it already cleaned.
    Text(std::sync::Arc<str>),
    /// Shared by every row whose cell names the same units.
    TextList(std::sync::Arc<[String]>),
    Date(NaiveDate),
    Bool(bool),
    Int(i64),
    /// Dates in the order written (进度节点).
    DateList(std::sync::Arc<[NaiveDate]>),
    /// A decimal number (扣分分值), as its bits so a row can be hashed.
    Float(FloatBits),
}

/// An `f64` compared and hashed by its bits: the rows of a ledger are
/// compared for duplicates, and a number read from a cell is never NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FloatBits(u64);

impl FloatBits {
    pub fn new(x: f64) -> FloatBits {
        FloatBits(x.to_bits())
    }

    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// One data row of a ledger, its values aligned with [`fields`].
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Shared by every row of the sheet.
    pub source_sheet: std::sync::Arc<str>,
    /// 1-based Excel row.
    pub source_row: u32,
    /// 0-based column of the row's identifying cell (the task, problem,
    /// pilot, plan or survey item), so a figure can point a clerk at the very
    /// cell: see [`Record::source_cell`].
    pub source_col: u32,
    pub values: Vec<Value>,
}

impl Record {
    /// A1 reference of the row's identifying cell (the lake's `source_cell`).
    pub fn source_cell(&self) -> String {
        crate::a1::a1(self.source_row.saturating_sub(1), self.source_col)
    }
}

/// What the reader needs to know beyond the contract's defaults: extra header
/// synonyms and status words from `taizhang.toml`.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Per kind, per column spec: the normalised synonyms.
    synonyms: HashMap<Kind, Vec<Vec<String>>>,
    /// The same synonyms prepared for matching, every kind in one matcher,
    /// groups in [`Kind::ALL`] order.
    all_kinds: ColumnMatcher,
    pub vocab: StatusVocab,
}

impl Default for Rules {
    fn default() -> Self {
        Rules::new(&HashMap::new(), StatusVocab::default())
    }
}

impl Rules {
    /// `extra` maps (kind, column) to more synonyms.
    pub fn new(extra: &HashMap<(Kind, String), Vec<String>>, vocab: StatusVocab) -> Rules {
        let synonyms = Kind::ALL
            .into_iter()
            .map(|kind| {
                let per_column = kind
                    .columns()
                    .iter()
                    .map(|spec| {
                        let added = extra
                            .get(&(kind, spec.name.to_string()))
                            .into_iter()
                            .flatten();
                        let mut all: Vec<String> = spec
                            .synonyms
                            .iter()
                            .map(|s| normalize_header(s))
                            .chain(added.map(|s| normalize_header(s)))
                            .collect();
                        all.dedup();
                        all
                    })
                    .collect();
                (kind, per_column)
            })
            .collect::<HashMap<Kind, Vec<Vec<String>>>>();
        let all_kinds = ColumnMatcher::for_groups(&Kind::ALL.map(|k| synonyms[&k].as_slice()));
        Rules {
            synonyms,
            all_kinds,
            vocab,
        }
    }

    pub fn synonyms(&self, kind: Kind) -> &[Vec<String>] {
        &self.synonyms[&kind]
    }

    /// The column a normalised header cell names for each kind, and how
    /// well, in one scan of the cell; indexed like [`Kind::ALL`].
    pub fn match_header_all(
        &self,
        header: &str,
    ) -> [Option<(usize, MatchQuality)>; Kind::ALL.len()] {
        let mut out = [None; Kind::ALL.len()];
        self.all_kinds.best_each(header, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_fields_follow_the_contract_order() {
        let names: Vec<&str> = fields(Kind::Tasks).iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "seq",
                "domain",
                "task",
                "measures",
                "lead_unit",
                "responsible_units",
                "leader",
                "target",
                "output_form",
                "deadline_text",
                "deadline_on",
                "deadline_kind",
                "status",
                "status_text",
                "progress",
                "completed_on",
                "is_major",
                "remarks"
            ]
        );
    }

    #[test]
    fn inspections_and_rectifications_fields_follow_the_contract() {
        let names = |kind| -> Vec<&str> { fields(kind).iter().map(|f| f.name).collect() };
        assert_eq!(
            names(Kind::Inspections),
            [
                "seq",
                "inspection",
                "inspector",
                "inspected_unit",
                "inspected_code",
                "subject",
                "subject_kind",
                "started_on",
                "mode_text",
                "joint",
                "covert",
                "onsite",
                "third_party",
                "findings",
                "notice_no",
                "report_filed_on",
                "remarks"
            ]
        );
        let rect = names(Kind::Rectifications);
        for added in ["notice_no", "notice_on", "milestones", "last_report_on"] {
            assert!(rect.contains(&added), "{added}");
        }
        let milestones = fields(Kind::Rectifications)
            .iter()
            .find(|f| f.name == "milestones")
            .unwrap();
        assert_eq!(milestones.ty, FieldType::DateList);
    }

    #[test]
    fn config_synonyms_are_added_normalised() {
        let extra = HashMap::from([(
            (Kind::Tasks, "task".to_string()),
            vec!["任务 内容（必填）".to_string()],
        )]);
        let rules = Rules::new(&extra, StatusVocab::default());
        let task = &rules.synonyms(Kind::Tasks)[2];
        assert!(task.contains(&"任务内容".to_string()));
    }
}
