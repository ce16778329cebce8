//! Header cells → canonical columns, by synonym, never by position.

use super::text::{fold_width, strip_whitespace};

/// Normalises a header cell: full-width folded, whitespace and line breaks
/// removed, bracketed parts such as （盖章） or （时间节点） dropped, and the
/// `*` that marks required columns in templates removed.
pub fn normalize_header(text: &str) -> String {
    let s = strip_whitespace(&fold_width(text, true));
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            '*' | '＊' | ':' => {}
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    // A header that is nothing but a bracket, e.g. "（月）", keeps its text.
    if out.is_empty() { s } else { out }
}

/// How well a header cell matched a synonym: exact beats contained, and a
/// longer contained synonym beats a shorter one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchQuality {
    Contained(usize),
    Exact,
}

/// The best (column index, quality) for a normalised header among `columns`,
/// each given as its synonyms. Ties keep the earlier column.
pub fn best_match<'a, I>(header: &str, columns: I) -> Option<(usize, MatchQuality)>
where
    I: IntoIterator<Item = &'a [String]>,
{
    let mut best: Option<(usize, MatchQuality)> = None;
    for (i, synonyms) in columns.into_iter().enumerate() {
        for syn in synonyms {
            let quality = if header == syn {
                MatchQuality::Exact
            } else if !syn.is_empty() && header.contains(syn.as_str()) {
                MatchQuality::Contained(syn.chars().count())
            } else {
                continue;
            };
            if best.is_none_or(|(_, q)| quality > q) {
                best = Some((i, quality));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter()
            .map(|syns| syns.iter().map(|s| normalize_header(s)).collect())
            .collect()
    }

    #[test]
    fn normalisation_drops_brackets_spaces_and_width() {
        assert_eq!(normalize_header("完成时限\n（时间节点）"), "完成时限");
        assert_eq!(normalize_header("填报单位（盖章）"), "填报单位");
        assert_eq!(normalize_header(" 牵头 单位 "), "牵头单位");
        assert_eq!(normalize_header("*改革任务"), "改革任务");
        assert_eq!(normalize_header("试点期限（月）"), "试点期限");
        assert_eq!(normalize_header("（月）"), "(月)");
    }

    #[test]
    fn exact_beats_contained_and_longer_beats_shorter() {
        let columns = cols(&[
            &["完成时限", "完成时间"],     // 0 deadline_text
            &["实际完成时间", "完成日期"], // 1 completed_on
            &["完成状态", "状态"],         // 2 status_text
        ]);
        let m = |h: &str| {
            best_match(&normalize_header(h), columns.iter().map(|c| c.as_slice())).map(|(i, _)| i)
        };
        assert_eq!(m("实际完成时间"), Some(1));
        assert_eq!(m("完成时间"), Some(0));
        assert_eq!(m("计划完成时间"), Some(0));
        assert_eq!(m("任务完成状态"), Some(2));
        assert_eq!(m("推进状态"), Some(2));
        assert_eq!(m("牵头单位"), None);
    }

    #[test]
    fn quality_orders_exact_first_then_by_length() {
        assert!(MatchQuality::Exact > MatchQuality::Contained(10));
        assert!(MatchQuality::Contained(4) > MatchQuality::Contained(2));
    }
}
