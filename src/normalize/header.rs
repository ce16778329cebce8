//! Header cells → canonical columns, by synonym, never by position.

use aho_corasick::AhoCorasick;

use super::text::fold_char;

/// Normalises a header cell: full-width folded, whitespace and line breaks
/// removed, bracketed parts such as （盖章） or （时间节点） dropped, and the
/// `*` that marks required columns in templates removed.
pub fn normalize_header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_header_into(text, &mut out);
    out
}

/// [`normalize_header`] written into `out` (cleared first), so header search
/// can reuse one buffer for every cell it tries.
pub fn normalize_header_into(text: &str, out: &mut String) {
    out.clear();
    // One pass, folding each character as `fold_width` would: this runs for
    // every text cell of the first 30 rows of every sheet.
    let folded = text
        .chars()
        .map(|c| fold_char(c, true))
        .filter(|c| !c.is_whitespace());
    let mut depth = 0usize;
    for c in folded.clone() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            '*' | '＊' | ':' => {}
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    // A header that is nothing but a bracket, e.g. "（月）", keeps its text.
    if out.is_empty() {
        out.extend(folded);
    }
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

/// [`best_match`] over one fixed set of columns, prepared once: a single
/// Aho–Corasick pass over a header cell finds every synonym it contains, where
/// the plain loop compares the cell with each synonym in turn. Header search
/// tries the first 30 rows of every sheet for every kind, so this is on the
/// hot path of ingest.
#[derive(Debug, Clone)]
pub struct ColumnMatcher {
    automaton: Option<AhoCorasick>,
    /// Per pattern: its length in characters, and the (group, column) pairs
    /// it is a synonym of.
    patterns: Vec<(usize, Vec<(usize, usize)>)>,
}

impl ColumnMatcher {
    /// One matcher for several sets of columns (one per ledger kind), each
    /// column given by its normalised synonyms as [`best_match`] takes them,
    /// so a header cell is scanned once for all of them.
    pub fn for_groups(groups: &[&[Vec<String>]]) -> ColumnMatcher {
        let mut texts: Vec<&str> = Vec::new();
        let mut patterns: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
        for (group, columns) in groups.iter().enumerate() {
            for (col, synonyms) in columns.iter().enumerate() {
                for syn in synonyms.iter().filter(|s| !s.is_empty()) {
                    match texts.iter().position(|t| *t == syn.as_str()) {
                        Some(i) => patterns[i].1.push((group, col)),
                        None => {
                            texts.push(syn);
                            patterns.push((syn.chars().count(), vec![(group, col)]));
                        }
                    }
                }
            }
        }
        let automaton = (!texts.is_empty())
            .then(|| AhoCorasick::new(&texts).expect("synonyms are short literal strings"));
        ColumnMatcher {
            automaton,
            patterns,
        }
    }

    /// [`best_match`] for every group at once, into `out[group]`.
    pub fn best_each(&self, header: &str, out: &mut [Option<(usize, MatchQuality)>]) {
        out.fill(None);
        let Some(automaton) = self.automaton.as_ref() else {
            return;
        };
        for m in automaton.find_overlapping_iter(header) {
            let (chars, names) = &self.patterns[m.pattern().as_usize()];
            let quality = if m.start() == 0 && m.end() == header.len() {
                MatchQuality::Exact
            } else {
                MatchQuality::Contained(*chars)
            };
            // Ties keep the earlier column, as in `best_match`.
            for &(group, col) in names {
                let best = &mut out[group];
                if best.is_none_or(|(c, q)| quality > q || (quality == q && col < c)) {
                    *best = Some((col, quality));
                }
            }
        }
    }
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
    fn the_matcher_agrees_with_the_plain_loop() {
        // Every contract synonym of every kind, whole, inside longer text and
        // cut short, against both implementations.
        let rules = crate::ledger::Rules::default();
        let kinds = crate::ledger::Kind::ALL;
        let all = ColumnMatcher::for_groups(&kinds.map(|k| rules.synonyms(k)));
        let mut each = [None; crate::ledger::Kind::ALL.len()];
        for (group, kind) in kinds.into_iter().enumerate() {
            let columns = rules.synonyms(kind);
            let alone = ColumnMatcher::for_groups(&[columns]);
            let mut one = [None];
            let mut probes = vec![String::new(), "无关的表头".to_string()];
            for syn in columns.iter().flatten() {
                let cut: String = syn.chars().skip(1).collect();
                probes.extend([
                    syn.clone(),
                    format!("计划{syn}"),
                    format!("{syn}及说明"),
                    format!("{syn}{syn}"),
                    cut,
                ]);
            }
            for probe in &probes {
                let expected = best_match(probe, columns.iter().map(Vec::as_slice));
                alone.best_each(probe, &mut one);
                assert_eq!(one[0], expected, "{kind} header {probe:?}");
                all.best_each(probe, &mut each);
                assert_eq!(
                    each[group], expected,
                    "{kind} header {probe:?}, all kinds at once"
                );
            }
        }
    }

    #[test]
    fn quality_orders_exact_first_then_by_length() {
        assert!(MatchQuality::Exact > MatchQuality::Contained(10));
        assert!(MatchQuality::Contained(4) > MatchQuality::Contained(2));
    }
}
