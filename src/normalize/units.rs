//! Responsible units (责任单位): several per cell, the lead one tagged （牵头）.

use super::text::{clean_text, fold_width};

/// The units named in one cell, in order, and the one tagged as lead.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Units {
    pub units: Vec<String>,
    pub lead: Option<String>,
}

const SEPARATORS: &[char] = &['、', '，', ',', '；', ';', '/', '／', '\n', '\r'];
const LEAD_TAGS: &[&str] = &["（牵头）", "(牵头)", "【牵头】", "[牵头]", "牵头"];

/// Splits a units cell on `、，,；;/` and line breaks. A unit tagged （牵头） is
/// returned as `lead` and stays in `units`, without its tag.
pub fn split_units(text: &str) -> Units {
    let mut out = Units::default();
    for part in text.split(SEPARATORS) {
        let Some(part) = clean_text(part) else {
            continue;
        };
        // Every tag contains 牵头, which folding leaves alone: most units
        // have none and are not folded at all.
        let folded = if part.contains("牵头") {
            fold_width(&part, true)
        } else {
            String::new()
        };
        let tag = LEAD_TAGS
            .iter()
            .find(|t| folded.ends_with(*t) || folded.starts_with(*t));
        let name = match tag {
            Some(tag) => {
                let name = folded.trim_start_matches(tag).trim_end_matches(tag).trim();
                // Put the Chinese brackets back: only the tag's own were folded.
                let name = restore_brackets(&part, name);
                if out.lead.is_none() && !name.is_empty() {
                    out.lead = Some(name.clone());
                }
                name
            }
            None => part,
        };
        if !name.is_empty() && !out.units.contains(&name) {
            out.units.push(name);
        }
    }
    out
}

/// `fold_width` with punctuation changed the unit's own brackets too; take the
/// name back from the original text when it is a prefix or suffix of it.
fn restore_brackets(original: &str, folded_name: &str) -> String {
    let n = folded_name.chars().count();
    let prefix: String = original.chars().take(n).collect();
    if fold_width(&prefix, true) == folded_name {
        return prefix;
    }
    let total = original.chars().count();
    let suffix: String = original.chars().skip(total.saturating_sub(n)).collect();
    if fold_width(&suffix, true) == folded_name {
        return suffix;
    }
    folded_name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_on_every_separator() {
        let got = split_units(
            "市发改委、市财政局，市人社局;市教育局/市卫健委\n市医保局,市民政局；市住建局",
        );
        assert_eq!(
            got.units,
            units(&[
                "市发改委",
                "市财政局",
                "市人社局",
                "市教育局",
                "市卫健委",
                "市医保局",
                "市民政局",
                "市住建局"
            ])
        );
        assert_eq!(got.lead, None);
    }

    #[test]
    fn the_tagged_unit_is_the_lead_and_stays_a_unit() {
        let got = split_units("市委编办（牵头）、市司法局");
        assert_eq!(got.lead.as_deref(), Some("市委编办"));
        assert_eq!(got.units, units(&["市委编办", "市司法局"]));

        let got = split_units("市司法局、市委编办(牵头)");
        assert_eq!(got.lead.as_deref(), Some("市委编办"));

        let got = split_units("（牵头）区发改局，区经信局");
        assert_eq!(got.lead.as_deref(), Some("区发改局"));
    }

    #[test]
    fn blank_markers_duplicates_and_spaces_vanish() {
        let got = split_units(" 市财政局 、、/、市财政局、无 ");
        assert_eq!(got.units, units(&["市财政局"]));
        assert_eq!(split_units(""), Units::default());
    }

    #[test]
    fn a_unit_with_brackets_in_its_name_keeps_them() {
        let got = split_units("市政府办公室（市政务服务局）（牵头）、市大数据中心");
        assert_eq!(got.lead.as_deref(), Some("市政府办公室（市政务服务局）"));
        assert_eq!(got.units[0], "市政府办公室（市政务服务局）");
    }
}
