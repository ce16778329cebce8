//! Validation issues (DESIGN §5): one per problem, with where and how to fix it.

use std::fmt;

/// Stable issue codes; their text is the lake's `code` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    UnreadableFile,
    UnsupportedFormat,
    NoLedgerSheet,
    UnknownKind,
    UnknownRegion,
    UnknownPeriod,
    MissingHeader,
    DuplicateHeader,
    MissingCell,
    TypeError,
    BadDate,
    UnknownStatus,
    DuplicateRow,
    OutOfRange,
    TooLarge,
    FormulaNoCache,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnreadableFile => "unreadable-file",
            Code::UnsupportedFormat => "unsupported-format",
            Code::NoLedgerSheet => "no-ledger-sheet",
            Code::UnknownKind => "unknown-kind",
            Code::UnknownRegion => "unknown-region",
            Code::UnknownPeriod => "unknown-period",
            Code::MissingHeader => "missing-header",
            Code::DuplicateHeader => "duplicate-header",
            Code::MissingCell => "missing-cell",
            Code::TypeError => "type-error",
            Code::BadDate => "bad-date",
            Code::UnknownStatus => "unknown-status",
            Code::DuplicateRow => "duplicate-row",
            Code::OutOfRange => "out-of-range",
            Code::TooLarge => "too-large",
            Code::FormulaNoCache => "formula-no-cache",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found in a received file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub sheet: Option<String>,
    /// 1-based Excel row.
    pub row: Option<u32>,
    /// The canonical column it concerns, when there is one.
    pub col: Option<String>,
    /// A1 reference of the cell.
    pub cell: Option<String>,
    pub severity: Severity,
    pub code: Code,
    pub message_zh: String,
    pub message_en: String,
    /// The offending value; for a rejected row, all of the row's cells.
    pub value: Option<String>,
}

impl Issue {
    /// A problem with the whole file.
    pub fn file(
        severity: Severity,
        code: Code,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Issue {
        Issue {
            sheet: None,
            row: None,
            col: None,
            cell: None,
            severity,
            code,
            message_zh: zh.into(),
            message_en: en.into(),
            value: None,
        }
    }

    pub fn in_sheet(mut self, sheet: &str) -> Issue {
        self.sheet = Some(sheet.to_string());
        self
    }

    /// Places the issue at a 0-based (row, col) cell.
    pub fn at(mut self, row: u32, col: u32) -> Issue {
        self.row = Some(row + 1);
        self.cell = Some(crate::a1::a1(row, col));
        self
    }

    pub fn column(mut self, name: &str) -> Issue {
        self.col = Some(name.to_string());
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Issue {
        self.value = Some(value.into());
        self
    }

    /// `sheet!A1`, or what is known of it.
    pub fn location(&self) -> String {
        match (&self.sheet, &self.cell, self.row) {
            (Some(s), Some(c), _) => format!("{s}!{c}"),
            (Some(s), None, Some(r)) => format!("{s}!{r}"),
            (Some(s), None, None) => s.clone(),
            (None, Some(c), _) => c.clone(),
            _ => "-".to_string(),
        }
    }
}
