//! Cell text: width folding, trimming, blank markers and number formatting.
//!
//! Ledgers are typed by hand in Chinese input methods, so full-width digits and
//! letters (２０２４, Ｑ２) and ideographic spaces are common; they are folded to
//! ASCII before anything else looks at the text.

/// Folds full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space to
/// their ASCII forms. With `punctuation = false` only digits, letters and spaces
/// are folded, so data text keeps its Chinese punctuation （）：.
pub fn fold_width(s: &str, punctuation: bool) -> String {
    s.chars().map(|c| fold_char(c, punctuation)).collect()
}

/// [`fold_width`] of one character.
pub fn fold_char(c: char, punctuation: bool) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => {
            let ascii = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
            if punctuation || ascii.is_ascii_alphanumeric() {
                ascii
            } else {
                c
            }
        }
        _ => c,
    }
}

/// Data text as stored in the lake: digits, letters and spaces folded, trimmed.
/// `None` for blank cells and for the blank markers `/` and `无` (DESIGN §4).
pub fn clean_text(s: &str) -> Option<String> {
    clean(s).map(std::borrow::Cow::into_owned)
}

/// [`clean_text`] without a copy when trimming is all the text needs, as for
/// most cells.
pub fn clean(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    let trimmed = s.trim();
    if trimmed.is_empty() || is_blank_marker(trimmed) {
        return None;
    }
    // Folding keeps the ends non-blank, so trimming first gives the same text.
    if !needs_data_folding(trimmed) {
        return Some(std::borrow::Cow::Borrowed(trimmed));
    }
    Some(std::borrow::Cow::Owned(
        fold_width(trimmed, false).trim().to_string(),
    ))
}

/// Whether `fold_width(s, false)` changes `s`: an ideographic space or a
/// full-width digit or letter. Checked on the UTF-8 bytes, since this runs
/// for every text cell and Chinese text is mostly other three-byte characters.
fn needs_data_folding(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr2_iter(0xE3, 0xEF, b).any(|i| match (b[i], b.get(i + 1), b.get(i + 2)) {
        // U+3000
        (0xE3, Some(0x80), Some(0x80)) => true,
        // U+FF10–U+FF19 digits, U+FF21–U+FF3A capitals
        (0xEF, Some(0xBC), Some(c)) => matches!(c, 0x90..=0x99 | 0xA1..=0xBA),
        // U+FF41–U+FF5A small letters
        (0xEF, Some(0xBD), Some(c)) => matches!(c, 0x81..=0x9A),
        _ => false,
    })
}

/// A cell of only `/` or `无` means "nothing here" in Chinese ledgers.
pub fn is_blank_marker(s: &str) -> bool {
    matches!(s.trim(), "/" | "／" | "无")
}

/// Removes every whitespace character, including line breaks inside a cell.
pub fn strip_whitespace(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A number as text: the shortest decimal that round-trips at 15 significant
/// digits, Excel's own display precision, so binary noise such as
/// `0.30000000000000004` reads `0.3` and integers have no `.0`.
pub fn number_to_text(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let rounded: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_only_needs_trimming_is_not_copied() {
        let raw = " 深化国资国企改革\n";
        match clean(raw) {
            Some(std::borrow::Cow::Borrowed(t)) => assert_eq!(t, "深化国资国企改革"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(clean("第２批"), Some(std::borrow::Cow::Owned(t)) if t == "第2批"));
        assert_eq!(clean("／"), None);
        assert_eq!(clean("\u{3000}"), None);
    }

    #[test]
    fn the_byte_check_agrees_with_folding_on_every_nearby_character() {
        // Every character of the blocks involved, and their neighbours, at
        // the start, inside and at the end of a text.
        let chars = ('\u{2FF0}'..='\u{3010}').chain('\u{FEF0}'..='\u{FF70}');
        for c in chars {
            for text in [format!("{c}任务"), format!("任{c}务"), format!("任务{c}")] {
                let folded = fold_width(&text, false);
                assert_eq!(
                    needs_data_folding(&text),
                    folded != text,
                    "{c:?} in {text:?}"
                );
                let expected = folded.trim();
                let expected = (!expected.is_empty() && !is_blank_marker(expected))
                    .then(|| expected.to_string());
                assert_eq!(clean_text(&text), expected, "{text:?}");
            }
        }
    }

    #[test]
    fn folds_full_width_digits_letters_and_spaces() {
        assert_eq!(fold_width("２０２４年Ｑ２\u{3000}", false), "2024年Q2 ");
        assert_eq!(fold_width("（牵头）：", false), "（牵头）：");
        assert_eq!(fold_width("（牵头）：", true), "(牵头):");
    }

    #[test]
    fn blank_markers_are_empty() {
        for s in ["", "  ", "/", "无", " 无 ", "／", "\u{3000}"] {
            assert_eq!(clean_text(s), None, "{s:?}");
        }
        assert_eq!(clean_text(" 无锡 ").as_deref(), Some("无锡"));
        assert_eq!(clean_text("０１２").as_deref(), Some("012"));
    }

    #[test]
    fn numbers_become_short_text() {
        let cases = [
            (1.0, "1"),
            (42735.0, "42735"),
            (0.1 + 0.2, "0.3"),
            (1.000_000_000_000_000_2, "1"),
            (2.5, "2.5"),
            (-3.0, "-3"),
            (1.0000000002, "1.0000000002"),
            (123456789012.0, "123456789012"),
        ];
        for (x, want) in cases {
            assert_eq!(number_to_text(x), want, "{x}");
        }
    }
}
