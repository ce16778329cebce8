//! Pure normalisation rules: each turns what a clerk typed into a canonical
//! value, and each has a table of real-looking cases beside it.

pub mod dates;
pub mod header;
pub mod inspection;
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
    // Most cells say 是 or 否 as they stand: answered without the two
    // strings normalising costs (one of every row's allocations). Folding
    // and stripping cannot change such an answer, so both paths agree.
    if let Some(answer) = yes_no_word(text.trim()) {
        return Some(answer);
    }
    yes_no_word(&text::strip_whitespace(&text::fold_width(text, true)))
}

fn yes_no_word(s: &str) -> Option<bool> {
    match s {
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

    #[test]
    fn the_quick_answer_is_the_answer_after_normalising() {
        use super::{text, yes_no_word};
        let words = [
            "是",
            "否",
            "√",
            "✓",
            "有",
            "无",
            "已",
            "×",
            "/",
            "Y",
            "n",
            "YES",
            "no",
            "TRUE",
            "false",
            "ｙｅｓ",
            "Ｎ",
            "是的",
            "否（暂无）",
            "待定",
            "",
            "0",
            "1",
            "是 否",
        ];
        for w in words {
            for t in [
                w.to_string(),
                format!(" {w} "),
                format!("\u{3000}{w}\t"),
                format!("{w}\n备注"),
            ] {
                let normalised = yes_no_word(&text::strip_whitespace(&text::fold_width(&t, true)));
                assert_eq!(parse_yes_no(&t), normalised, "{t:?}");
            }
        }
    }
}
