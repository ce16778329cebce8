//! Pure normalisation rules: each turns what a clerk typed into a canonical
//! value, and each has a table of real-looking cases beside it.

pub mod dates;
pub mod header;
pub mod period;
pub mod region;
pub mod status;
pub mod text;
pub mod time;
pub mod units;

pub use dates::{Deadline, DeadlineKind};
pub use period::Period;
pub use region::{Level, Roster, Unit};
pub use status::{Status, StatusVocab};

/// Yes/no cells: 是/√/有/已 → true; 否/无/×/blank → false; anything else is not
/// a yes/no answer (`None`).
pub fn parse_yes_no(text: &str) -> Option<bool> {
    let s = text::strip_whitespace(&text::fold_width(text, true));
    match s.as_str() {
        "是" | "√" | "✓" | "有" | "已" | "Y" | "y" | "YES" | "yes" | "TRUE" | "true" => {
            Some(true)
        }
        "" | "否" | "无" | "×" | "/" | "N" | "n" | "NO" | "no" | "FALSE" | "false" => {
            Some(false)
        }
        _ if s.starts_with('是') => Some(true),
        _ if s.starts_with('否') => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_yes_no;

    #[test]
    fn yes_no_cells() {
        for t in ["是", "√", "有", "已", " 是 ", "是（国家级）"] {
            assert_eq!(parse_yes_no(t), Some(true), "{t}");
        }
        for t in ["否", "无", "", "/", "×"] {
            assert_eq!(parse_yes_no(t), Some(false), "{t}");
        }
        assert_eq!(parse_yes_no("待定"), None);
    }
}
