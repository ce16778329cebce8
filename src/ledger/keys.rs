//! Which row is which between two ledgers (可核实, DESIGN §13
//! `mart_ledger_changes`): the keys a ledger's rows are matched on, computed
//! once per ledger when it is ingested and kept in the lake with its rows.
//!
//! The rule (README "What changed between ledgers"):
//! - a ledger is *numbered* when every row has a 序号, no 序号 repeats, and the
//!   序号s are not just the running count 1, 2, 3… in row order (a running
//!   count is renumbered whenever a row goes, so it names no row); two
//!   numbered ledgers match rows on 序号;
//! - otherwise rows match on the title (task, problem, plan, pilot) with
//!   whitespace, punctuation and symbols removed and letters lower-cased;
//!   titles that repeat within a ledger are paired in row order (the first
//!   with the first) — the key is the normalised title, `#`, and its
//!   occurrence — and marked as repeating.
//!
//! Rows are ordered by (sheet name, row), as the SQL that keys rows of lakes
//! written before these columns existed does (`int_ledger_rows`); a test holds
//! the two to the same keys. (They could part only on letters whose lower case
//! is two code points, such as İ, which Rust lower-cases in full and DuckDB
//! one code point at a time: not letters of a Chinese ledger's titles.)

use std::sync::LazyLock;

use super::Kind;

/// The kinds whose ledgers are compared from one version to the next.
pub fn is_compared(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Tasks | Kind::Rectifications | Kind::Plans | Kind::Pilots
    )
}

/// One row as the keys see it.
#[derive(Debug, Clone, Copy)]
pub struct KeyRow<'a> {
    pub sheet: &'a str,
    pub row: i64,
    pub seq: Option<&'a str>,
    pub title: Option<&'a str>,
}

/// The keys of one ledger's rows, in the order the rows were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// Normalised title, `#`, occurrence (1-based, in row order).
    pub title_key: Vec<String>,
    /// The normalised title occurs more than once in the ledger.
    pub title_repeats: Vec<bool>,
    /// The ledger is numbered (rows match on 序号).
    pub is_numbered: bool,
}

/// A title as rows are matched on it: lower-cased, then without whitespace
/// (tab, newline, form feed, carriage return, space), punctuation or symbols —
/// what `regexp_replace(lower(title), '[\s\p{P}\p{S}]+', '', 'g')` gives in
/// DuckDB. A missing title is the empty string.
pub fn normalise_title(title: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(title) = title {
        push_normalised(&mut out, title);
    }
    out
}

/// Appends the normalised `title` to `out`. One character at a time: a regex
/// over each whole title cost a tenth of a national ingest.
fn push_normalised(out: &mut String, title: &str) {
    for c in title.chars() {
        if c.is_ascii() {
            if !(matches!(c, '\t' | '\n' | '\x0C' | '\r' | ' ') || c.is_ascii_punctuation()) {
                out.push(c.to_ascii_lowercase());
            }
        } else if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            // CJK ideographs: letters with no case.
            out.push(c);
        } else {
            // Lower-cased first, as DuckDB's lower() maps code points.
            for l in c.to_lowercase() {
                if !is_punctuation_or_symbol(l) {
                    out.push(l);
                }
            }
        }
    }
}

/// Unicode general category P or S, for a character outside ASCII. The
/// punctuation blocks of Chinese text are looked up in a table made once
/// from the Unicode tables; the rest ask them.
fn is_punctuation_or_symbol(c: char) -> bool {
    static PATTERN: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"^[\p{P}\p{S}]$").expect("a valid pattern"));
    const BLOCKS: [(u32, u32); 3] = [(0x2000, 0x2070), (0x3000, 0x3040), (0xFF00, 0xFFF0)];
    static TABLE: LazyLock<Vec<Vec<bool>>> = LazyLock::new(|| {
        BLOCKS
            .iter()
            .map(|&(from, to)| {
                (from..to)
                    .map(|u| {
                        char::from_u32(u)
                            .is_some_and(|c| PATTERN.is_match(c.encode_utf8(&mut [0; 4])))
                    })
                    .collect()
            })
            .collect()
    });
    let u = c as u32;
    for (i, &(from, to)) in BLOCKS.iter().enumerate() {
        if (from..to).contains(&u) {
            return TABLE[i][(u - from) as usize];
        }
    }
    PATTERN.is_match(c.encode_utf8(&mut [0; 4]))
}

/// The keys of a ledger's rows (all its sheets together).
pub fn keys(rows: &[KeyRow<'_>]) -> Keys {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| (rows[a].sheet, rows[a].row).cmp(&(rows[b].sheet, rows[b].row)));

    let mut seen = foldhash::HashSet::default();
    let all_distinct = rows.iter().all(|r| r.seq.is_some_and(|s| seen.insert(s)));
    // The text of i + 1 exactly: "01" and "+1" are numbers of their own.
    let is_count = |seq: &str, i: usize| {
        seq.bytes().all(|b| b.is_ascii_digit())
            && !seq.starts_with('0')
            && seq.parse::<usize>() == Ok(i + 1)
    };
    let running_count = order
        .iter()
        .enumerate()
        .all(|(i, &r)| rows[r].seq.is_some_and(|s| is_count(s, i)));
    let is_numbered = all_distinct && !running_count;

    let norms: Vec<String> = rows.iter().map(|r| normalise_title(r.title)).collect();
    // (occurrences so far, occurrences in all) per normalised title.
    let mut counts: foldhash::HashMap<&str, (usize, usize)> = Default::default();
    for n in &norms {
        counts.entry(n.as_str()).or_default().1 += 1;
    }
    let mut occurrence = vec![0usize; rows.len()];
    for &r in &order {
        let seen = &mut counts.get_mut(norms[r].as_str()).expect("counted").0;
        *seen += 1;
        occurrence[r] = *seen;
    }
    let title_repeats = norms.iter().map(|n| counts[n.as_str()].1 > 1).collect();
    drop(counts);
    Keys {
        title_key: norms
            .into_iter()
            .zip(&occurrence)
            .map(|(mut n, o)| {
                use std::fmt::Write;
                let _ = write!(n, "#{o}");
                n
            })
            .collect(),
        title_repeats,
        is_numbered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(sheet: &'a str, row: i64, seq: Option<&'a str>, title: &'a str) -> KeyRow<'a> {
        KeyRow {
            sheet,
            row,
            seq,
            title: Some(title),
        }
    }

    #[test]
    fn titles_lose_case_space_punctuation_and_symbols() {
        let n = |s: &str| normalise_title(Some(s));
        assert_eq!(n(" 深化“放管服”改革 "), "深化放管服改革");
        assert_eq!(n("推进 E-Government（一期）"), "推进egovernment一期");
        assert_eq!(n("A+B＝C、D；"), "abcd");
        assert_eq!(n("第1批\t任务\n"), "第1批任务");
        assert_eq!(normalise_title(None), "");
        // Only ASCII whitespace goes, as in DuckDB's RE2 `\s`: an
        // ideographic space stays.
        assert_eq!(n("改革\u{3000}任务"), "改革\u{3000}任务");
    }

    #[test]
    fn the_fast_path_drops_exactly_what_the_pattern_drops() {
        let pattern = regex::Regex::new(r"^[\t\n\x0C\r \p{P}\p{S}]$").unwrap();
        let ranges = [
            0x00..0x250,
            0x2000..0x2070,
            0x3000..0x3040,
            0x4E00..0x4F00,
            0x9F00..0xA000,
            0xFF00..0xFFF0,
        ];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            let lower: String = c.to_lowercase().collect();
            let kept = normalise_title(Some(&c.to_string()));
            let expected: String = lower
                .chars()
                .filter(|l| !pattern.is_match(&l.to_string()))
                .collect();
            assert_eq!(kept, expected, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn repeated_titles_are_numbered_in_sheet_and_row_order() {
        // Given out of order: sheet B before sheet A, row 9 before row 3.
        let rows = [
            row("B", 2, None, "深化改革"),
            row("A", 9, None, "深化 改革"),
            row("A", 3, None, "深化改革。"),
            row("A", 5, None, "优化营商环境"),
        ];
        let k = keys(&rows);
        assert_eq!(
            k.title_key,
            ["深化改革#3", "深化改革#2", "深化改革#1", "优化营商环境#1"]
        );
        assert_eq!(k.title_repeats, [true, true, true, false]);
        assert!(!k.is_numbered);
    }

    #[test]
    fn a_ledger_is_numbered_only_by_its_own_distinct_numbers() {
        let numbered = |seqs: &[Option<&str>]| {
            let rows: Vec<KeyRow> = seqs
                .iter()
                .enumerate()
                .map(|(i, s)| row("S", 3 + i as i64, *s, "任务"))
                .collect();
            keys(&rows).is_numbered
        };
        assert!(
            !numbered(&[Some("1"), Some("2"), Some("3")]),
            "a running count"
        );
        assert!(
            numbered(&[Some("1"), Some("3"), Some("4")]),
            "a gap: its own numbers"
        );
        assert!(
            numbered(&[Some("2"), Some("1"), Some("3")]),
            "out of row order"
        );
        assert!(numbered(&[Some("A-1"), Some("A-2")]));
        assert!(!numbered(&[Some("1"), Some("1"), Some("3")]), "a repeat");
        assert!(!numbered(&[Some("1"), None, Some("3")]), "a row without");
        assert!(!numbered(&[]), "an empty ledger is a running count");
        assert!(
            numbered(&[Some("01"), Some("02")]),
            "not the text of a count"
        );
        assert!(numbered(&[Some("+1"), Some("+2")]));
    }
}
