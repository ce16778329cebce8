//! How a 督察台账 describes an inspection (DESIGN §14 `inspections`): the
//! 督察方式 cell that mixes several words (`联合督察、暗访、实地`), and the
//! 发现问题 cell that is often text (`3个`, `发现问题3个`, `未发现问题`).

use super::text::{fold_width, strip_whitespace};

/// What a 督察方式 cell says about an inspection's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// 联合督察 (with other offices); 独立督察 is the opposite.
    pub joint: bool,
    /// 暗访 (unannounced); 明察 is the opposite.
    pub covert: bool,
    /// 实地/现场/直接督察 (on the ground); 案头/书面/间接督察 the opposite.
    pub onsite: bool,
    /// 第三方评估 named in the cell.
    pub third_party: bool,
}

const JOINT: &[&str] = &["联合"];
const COVERT: &[&str] = &["暗访", "暗查", "暗察", "不打招呼", "四不两直"];
const ANNOUNCED: &[&str] = &["明察", "明查"];
const INDEPENDENT: &[&str] = &["独立", "单独", "自行"];
/// On the ground. A covert visit (暗访, 四不两直: 直奔基层、直插现场) is one.
const ONSITE: &[&str] = &[
    "实地",
    "现场",
    "直接督",
    "直接检查",
    "走访",
    "下沉",
    "蹲点",
    "暗访",
    "暗查",
    "暗察",
    "四不两直",
];
const DESK: &[&str] = &[
    "案头",
    "书面",
    "间接",
    "听取汇报",
    "材料审核",
    "资料审查",
    "函询",
];
const THIRD_PARTY: &[&str] = &["第三方"];

/// Reads a 督察方式 cell word by word. Each dimension is true when one of its
/// words appears and false otherwise — an inspection is joint, covert or on
/// the ground only when the ledger says so, which is how clerks write it
/// (they name the marked form: 联合, 暗访, 实地). When a cell names both an
/// on-site and a desk form (`听取汇报+实地查看`), the inspection went on site.
/// `None` when the cell names no mode word at all (the reader warns).
pub fn parse_mode(text: &str) -> Option<Mode> {
    let s = strip_whitespace(&fold_width(text, true));
    let any = |words: &[&str]| words.iter().any(|w| s.contains(w));
    let recognised = [
        JOINT,
        COVERT,
        ANNOUNCED,
        INDEPENDENT,
        ONSITE,
        DESK,
        THIRD_PARTY,
    ]
    .iter()
    .any(|words| any(words));
    recognised.then(|| Mode {
        joint: any(JOINT),
        covert: any(COVERT),
        onsite: any(ONSITE),
        third_party: any(THIRD_PARTY),
    })
}

/// The number of problems an inspection found, from a number or a text such
/// as `3个`, `发现问题3个`, `发现问题三个`, `未发现问题` (0). `None` when the
/// text holds no count, or more than one number (`2024年发现3个` is not
/// read: which is the count?).
pub fn parse_findings(text: &str) -> Option<i64> {
    let s = strip_whitespace(&fold_width(text, true));
    if ["未发现", "没有发现", "无问题", "未发现问题"]
        .iter()
        .any(|w| s.contains(w))
    {
        return Some(0);
    }
    let runs: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .collect();
    match runs.as_slice() {
        [one] => return one.parse().ok(),
        [] => {}
        _ => return None,
    }
    // Chinese numerals up to 99: 三, 十二, 二十, 两.
    let numerals: Vec<char> = s
        .chars()
        .filter(|c| "零一二两三四五六七八九十".contains(*c))
        .collect();
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .or((c == '两').then_some(2))
    };
    let value = match numerals.as_slice() {
        [] => return None,
        [d] if *d != '十' => digit(*d)?,
        ['十'] => 10,
        ['十', u] => 10 + digit(*u)?,
        [t, '十'] => 10 * digit(*t)?,
        [t, '十', u] => 10 * digit(*t)? + digit(*u)?,
        _ => return None,
    };
    // The numerals must be one run: 一是…二是… is a list, not a count.
    let joined: String = numerals.iter().collect();
    s.contains(&joined).then_some(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(joint: bool, covert: bool, onsite: bool, third_party: bool) -> Option<Mode> {
        Some(Mode {
            joint,
            covert,
            onsite,
            third_party,
        })
    }

    #[test]
    fn a_mode_cell_is_read_word_by_word() {
        let cases: &[(&str, Option<Mode>)] = &[
            ("联合督察、暗访、实地", mode(true, true, true, false)),
            ("联合督察、实地督察", mode(true, false, true, false)),
            ("独立督察、明察、案头", mode(false, false, false, false)),
            ("暗访", mode(false, true, true, false)),
            ("书面督察", mode(false, false, false, false)),
            ("听取汇报+实地查看", mode(false, false, true, false)),
            ("第三方评估", mode(false, false, false, true)),
            ("第三方评估、实地督察", mode(false, false, true, true)),
            ("四不两直", mode(false, true, true, false)),
            ("现场督察", mode(false, false, true, false)),
            ("间接督察", mode(false, false, false, false)),
            ("直接督察", mode(false, false, true, false)),
            (" 联合 督察，现场 ", mode(true, false, true, false)),
            ("督察", None),
            ("其他", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_mode(text), *want, "{text}");
        }
    }

    #[test]
    fn findings_are_read_from_numbers_and_words() {
        let cases: &[(&str, Option<i64>)] = &[
            ("3", Some(3)),
            ("3个", Some(3)),
            ("发现问题3个", Some(3)),
            ("３个问题", Some(3)),
            ("共发现12处问题", Some(12)),
            ("发现问题三个", Some(3)),
            ("两个", Some(2)),
            ("十二个", Some(12)),
            ("二十个", Some(20)),
            ("二十一个", Some(21)),
            ("未发现问题", Some(0)),
            ("0", Some(0)),
            ("2024年发现3个", None),
            ("较多", None),
            ("一是…二是…", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_findings(text), *want, "{text}");
        }
    }
}
