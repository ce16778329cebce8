//! The roster (报送单位名册) and region resolution: codes, names, old names,
//! short forms (DESIGN §3).

use chrono::NaiveDate;
use std::collections::HashMap;

use super::period::Period;
use super::text::{fold_width, strip_whitespace};

/// Administrative level of a roster unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Province,
    City,
    County,
    /// A provincial department (省直部门) that leads reforms: assessed on its
    /// own, never pooled into a region's figures.
    Department,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "province" => Some(Level::Province),
            "city" => Some(Level::City),
            "county" => Some(Level::County),
            "department" => Some(Level::Department),
            _ => None,
        }
    }
}

/// One expected submitter.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub aliases: Vec<String>,
    /// A department's series in the annual assessment (roster.csv's optional
    /// `category`: `party` 省直党群部门 or `government` 省政府部门).
    pub category: Option<String>,
}

impl Unit {
    /// A unit is expected in a period that overlaps `[valid_from, valid_to]`.
    pub fn is_valid_in(&self, period: Period) -> bool {
        self.valid_from.is_none_or(|from| from <= period.end())
            && self.valid_to.is_none_or(|to| to >= period.start())
    }
}

/// Why a roster file or a region could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegionError {
    #[error("名册第 {line} 行有误 / roster line {line}: {message}")]
    BadRoster { line: usize, message: String },
    #[error("名册中没有此地区 / region {0:?} is not in the roster")]
    NotFound(String),
    #[error("地区 {name:?} 有多个可能 / region {name:?} is ambiguous: {}", candidates.join("、"))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
}

/// The roster: every unit with lookup by code, name, alias and short form.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    units: Vec<Unit>,
    exact: HashMap<String, Vec<usize>>,
    loose: HashMap<String, Vec<usize>>,
    /// Every name key `find_in` looks for, with one automaton over them all:
    /// a national roster has thousands of names and a title is searched for
    /// each of them.
    names: Vec<(String, Vec<usize>)>,
    name_finder: Option<aho_corasick::AhoCorasick>,
}

impl Roster {
    /// Reads `code,name,level,parent_code,valid_from,valid_to[,aliases]`.
    pub fn from_csv(text: &str) -> Result<Roster, RegionError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        let find = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(code_i), Some(name_i), Some(level_i)) =
            (find("code"), find("name"), find("level"))
        else {
            return Err(bad(
                1,
                "需要 code,name,level 列 / columns code, name and level are required".into(),
            ));
        };
        let [parent_i, from_i, to_i, aliases_i, category_i] = [
            "parent_code",
            "valid_from",
            "valid_to",
            "aliases",
            "category",
        ]
        .map(find);
        let mut units = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| bad(line, e.to_string()))?;
            let get = |idx: Option<usize>| {
                idx.and_then(|i| record.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let code =
                get(Some(code_i)).ok_or_else(|| bad(line, "code 为空 / empty code".into()))?;
            let name =
                get(Some(name_i)).ok_or_else(|| bad(line, "name 为空 / empty name".into()))?;
            let level = get(Some(level_i)).and_then(Level::parse).ok_or_else(|| {
                bad(
                    line,
                    "level 应为 province|city|county|department / level must be province, city, county or department"
                        .into(),
                )
            })?;
            if level == Level::Department {
                // The 统一社会信用代码 (18 characters, checked by its last
                // one: all digits is a valid form), or any other stable code
                // of letters and digits that no region's six digits can be.
                if code.len() == 18 {
                    if let Err(expected) = credit_code_check(code) {
                        return Err(bad(
                            line,
                            match expected {
                                Some(c) => format!(
                                    "统一社会信用代码 {code:?} 的校验码应为 {c} / the unified social credit code {code:?} should end in the check character {c} (GB 32100-2015)"
                                ),
                                None => format!(
                                    "统一社会信用代码 {code:?} 含有不允许的字符（I、O、S、V、Z 和小写字母不用）/ the unified social credit code {code:?} holds a character such codes never use (I, O, S, V, Z, lower case)"
                                ),
                            },
                        ));
                    }
                } else if !(2..=32).contains(&code.len())
                    || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    || code.chars().all(|c| c.is_ascii_digit())
                {
                    return Err(bad(
                        line,
                        format!(
                            "部门代码 {code:?} 应为统一社会信用代码（18 位）或含字母的稳定代码（如 SC-FGW）/ a department's code must be its 18-character unified social credit code or another stable code with a letter (such as SC-FGW)"
                        ),
                    ));
                }
                if get(parent_i).is_none() {
                    return Err(bad(
                        line,
                        "省直部门须以省为上级（parent_code）/ a department's parent_code must be the province".into(),
                    ));
                }
            } else if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad(
                    line,
                    format!("code {code:?} 不是六位数字 / is not a six-digit code"),
                ));
            }
            let date = |idx, end: bool| -> Result<Option<NaiveDate>, RegionError> {
                get(idx)
                    .map(|s| {
                        parse_bound(s, end)
                            .ok_or_else(|| bad(line, format!("日期 {s:?} 无法识别 / bad date")))
                    })
                    .transpose()
            };
            units.push(Unit {
                code: code.to_string(),
                name: name.to_string(),
                level,
                parent_code: get(parent_i).map(str::to_string),
                valid_from: date(from_i, false)?,
                valid_to: date(to_i, true)?,
                aliases: get(aliases_i)
                    .map(|a| {
                        a.split('|')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                category: match get(category_i) {
                    None => None,
                    Some(c @ ("party" | "government")) => Some(c.to_string()),
                    Some(other) => {
                        return Err(bad(
                            line,
                            format!("category {other:?} 应为 party（省直党群部门）或 government（省政府部门）/ category must be party or government"),
                        ));
                    }
                },
            });
        }
        Ok(Roster::new(units))
    }

    pub fn new(units: Vec<Unit>) -> Roster {
        let mut roster = Roster {
            units,
            ..Roster::default()
        };
        for (i, unit) in roster.units.iter().enumerate() {
            let mut exact = vec![unit.code.clone(), key(&unit.name)];
            exact.extend(unit.aliases.iter().map(|a| key(a)));
            for k in exact {
                push_unique(roster.exact.entry(k).or_default(), i);
            }
            let names = std::iter::once(&unit.name).chain(unit.aliases.iter());
            for name in names {
                let keys = if unit.level == Level::Department {
                    department_keys(&key(name))
                } else {
                    loose_keys(&key(name))
                };
                for k in keys {
                    push_unique(roster.loose.entry(k).or_default(), i);
                }
            }
        }
        // Keys of two or more characters, not codes; exact units before loose ones.
        let mut names: Vec<(String, Vec<usize>)> = Vec::new();
        let mut position: HashMap<&str, usize> = HashMap::new();
        let mut keys: Vec<(&String, &Vec<usize>)> =
            roster.exact.iter().chain(roster.loose.iter()).collect();
        keys.sort();
        for (k, ix) in keys {
            if k.chars().count() < 2 || k.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let at = *position.entry(k).or_insert_with(|| {
                names.push((k.clone(), Vec::new()));
                names.len() - 1
            });
            for &i in ix {
                push_unique(&mut names[at].1, i);
            }
        }
        roster.name_finder = (!names.is_empty()).then(|| {
            aho_corasick::AhoCorasick::new(names.iter().map(|(k, _)| k))
                .expect("roster names are short literal strings")
        });
        roster.names = names;
        roster
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn get(&self, code: &str) -> Option<&Unit> {
        self.exact
            .get(code)
            .and_then(|ix| ix.iter().map(|&i| &self.units[i]).find(|u| u.code == code))
    }

    /// Resolves a code, name, old name or short form to one unit.
    pub fn resolve(&self, text: &str) -> Result<&Unit, RegionError> {
        let k = key(text);
        for map in [&self.exact, &self.loose] {
            if let Some(ix) = map.get(&k) {
                return match ix.as_slice() {
                    [i] => Ok(&self.units[*i]),
                    many => Err(RegionError::Ambiguous {
                        name: text.to_string(),
                        candidates: many
                            .iter()
                            .map(|&i| format!("{} {}", self.units[i].code, self.units[i].name))
                            .collect(),
                    }),
                };
            }
        }
        Err(RegionError::NotFound(text.to_string()))
    }

    /// The unit a ledger's cell names (a 被督察单位): by code, name, old name
    /// or short form, else named inside a longer text (旌阳区发改局). A name
    /// two units share (市中区, in 内江 and in 乐山) is the one that is `near`
    /// or lies under it — the unit whose ledger it is — when just one does.
    pub fn unit_named(&self, text: &str, near: Option<&str>) -> Option<&Unit> {
        self.unit_exactly_named(text, near)
            .or_else(|| self.find_in(text))
    }

    /// [`Roster::unit_named`] by code, name, old name or short form only,
    /// not inside a longer text.
    pub fn unit_exactly_named(&self, text: &str, near: Option<&str>) -> Option<&Unit> {
        let k = key(text);
        for map in [&self.exact, &self.loose] {
            if let Some(ix) = map.get(&k) {
                return match ix.as_slice() {
                    [i] => Some(&self.units[*i]),
                    many => {
                        let near = near?;
                        let mut under = many.iter().map(|&i| &self.units[i]).filter(|u| {
                            u.code == near || self.ancestors(u).any(|code| code == near)
                        });
                        match (under.next(), under.next()) {
                            (Some(u), None) => Some(u),
                            _ => None,
                        }
                    }
                };
            }
        }
        None
    }

    /// Finds the unit named inside a longer text such as a title row
    /// (`凉山州西昌市2025年…台账`): of the units whose name, alias or short form
    /// occurs in it, the one the others contain (a county beats its city).
    /// `None` unless exactly one such unit remains.
    pub fn find_in(&self, text: &str) -> Option<&Unit> {
        let t = key(text);
        let finder = self.name_finder.as_ref()?;
        let mut matched: Vec<(&String, &Vec<usize>)> = finder
            .find_overlapping_iter(&t)
            .map(|m| {
                let (k, ix) = &self.names[m.pattern().as_usize()];
                (k, ix)
            })
            .collect();
        matched.sort();
        matched.dedup();
        // A key inside a longer matched key is that key's part, not a name of
        // its own: in 宜宾市 the short form 宜宾 (of 宜宾县, now 叙州区) does not count.
        let mut found: Vec<usize> = Vec::new();
        for (k, ix) in &matched {
            if matched
                .iter()
                .any(|(other, _)| other.len() > k.len() && other.contains(k.as_str()))
            {
                continue;
            }
            for &i in *ix {
                push_unique(&mut found, i);
            }
        }
        let is_ancestor_of_another = |i: usize| {
            found.iter().any(|&j| {
                j != i
                    && self
                        .ancestors(&self.units[j])
                        .any(|code| code == self.units[i].code)
            })
        };
        let remaining: Vec<usize> = found
            .iter()
            .copied()
            .filter(|&i| !is_ancestor_of_another(i))
            .collect();
        match remaining.as_slice() {
            [i] => Some(&self.units[*i]),
            _ => None,
        }
    }

    /// The codes above a unit, nearest first.
    fn ancestors<'a>(&'a self, unit: &'a Unit) -> impl Iterator<Item = &'a str> + 'a {
        std::iter::successors(unit.parent_code.as_deref(), |code| {
            self.get(code).and_then(|u| u.parent_code.as_deref())
        })
        .take(8)
    }
}

fn bad(line: usize, message: String) -> RegionError {
    RegionError::BadRoster { line, message }
}

fn push_unique(v: &mut Vec<usize>, i: usize) {
    if !v.contains(&i) {
        v.push(i);
    }
}

fn key(s: &str) -> String {
    strip_whitespace(&fold_width(s, true))
}

/// The looser forms a name is also known by: without its 市/州/县/区 suffix, and
/// an autonomous prefecture's short form (凉山彝族自治州 → 凉山州, 凉山).
fn loose_keys(name: &str) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(stem) = name.strip_suffix("自治州") {
        let place: String = stem.chars().take(2).collect();
        keys.push(format!("{place}州"));
        keys.push(place);
    } else if let Some(stem) = name.strip_suffix("自治县") {
        keys.push(stem.chars().take(2).collect());
    } else {
        for suffix in ["市", "州", "县", "区"] {
            if let Some(stem) = name.strip_suffix(suffix).filter(|s| s.chars().count() >= 2) {
                keys.push(stem.to_string());
            }
        }
    }
    keys
}

/// The characters of a unified social credit code (统一社会信用代码, GB
/// 32100-2015), each worth its index: digits and capitals without I, O, S,
/// V and Z.
const CREDIT_CODE_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Checks an 18-character unified social credit code by its check
/// character: 31 − (Σ valueᵢ × 3^(i−1) mod 31) mod 31 over the first 17.
/// `Err(Some(c))` names the check character it should end in; `Err(None)`
/// means a character no such code uses.
pub fn credit_code_check(code: &str) -> Result<(), Option<char>> {
    let value = |b: u8| CREDIT_CODE_CHARS.iter().position(|&c| c == b);
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return Err(None);
    }
    let mut sum = 0usize;
    let mut weight = 1usize;
    for &b in &bytes[..17] {
        sum += value(b).ok_or(None)? * weight;
        weight = weight * 3 % 31;
    }
    let expected = CREDIT_CODE_CHARS[(31 - sum % 31) % 31];
    match value(bytes[17]) {
        Some(_) if bytes[17] == expected => Ok(()),
        Some(_) => Err(Some(char::from(expected))),
        None => Err(None),
    }
}

/// The short form a department is also known by: 四川省教育厅 → 省教育厅 (a
/// region's suffixes are not stripped: 省林草局 is no 省林草).
fn department_keys(name: &str) -> Vec<String> {
    match name.split_once('省') {
        Some((province, rest)) if !province.is_empty() && rest.chars().count() >= 2 => {
            vec![format!("省{rest}")]
        }
        _ => Vec::new(),
    }
}

/// A roster validity bound: a date, or a period (its start for `valid_from`,
/// its end for `valid_to`).
fn parse_bound(s: &str, end: bool) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| {
        s.parse::<Period>()
            .ok()
            .map(|p| if end { p.end() } else { p.start() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROSTER: &str = "code,name,level,parent_code,valid_from,valid_to,aliases
510000,四川省,province,,,,
510100,成都市,city,510000,,,
510117,郫都区,county,510100,,,郫县|510124
510185,简阳市,county,510100,,,512081
513200,阿坝藏族羌族自治州,city,510000,,,
513231,阿坝县,county,513200,,,
513400,凉山彝族自治州,city,510000,,,
513401,西昌市,county,513400,,,
513402,会理市,county,513400,2021-06-01,,会理县|513425
";

    fn roster() -> Roster {
        Roster::from_csv(ROSTER).unwrap()
    }

    #[test]
    fn resolves_codes_names_aliases_and_short_forms() {
        let r = roster();
        let code = |t: &str| r.resolve(t).map(|u| u.code.clone());
        assert_eq!(code("510117").unwrap(), "510117");
        assert_eq!(code("郫都区").unwrap(), "510117");
        assert_eq!(code("郫县").unwrap(), "510117");
        assert_eq!(code("510124").unwrap(), "510117");
        assert_eq!(code("成都").unwrap(), "510100");
        assert_eq!(code("凉山州").unwrap(), "513400");
        assert_eq!(code("凉山").unwrap(), "513400");
        assert_eq!(code("西昌").unwrap(), "513401");
        assert_eq!(code(" 会理县 ").unwrap(), "513402");
        assert_eq!(code("阿坝州").unwrap(), "513200");
        assert_eq!(code("阿坝县").unwrap(), "513231");
    }

    #[test]
    fn a_unit_named_in_a_cell_is_the_one_under_the_ledgers_unit_when_two_share_a_name() {
        let r = Roster::from_csv(
            "code,name,level,parent_code,valid_from,valid_to\n510000,四川省,province,,,\n\
             511000,内江市,city,510000,,\n511002,市中区,county,511000,,\n\
             511100,乐山市,city,510000,,\n511102,市中区,county,511100,,\n511111,沙湾区,county,511100,,\n",
        )
        .unwrap();
        let code = |t: &str, near: Option<&str>| r.unit_named(t, near).map(|u| u.code.clone());
        assert_eq!(code("市中区", Some("511000")).as_deref(), Some("511002"));
        assert_eq!(code("市中区", Some("511100")).as_deref(), Some("511102"));
        assert_eq!(
            code("市中区", Some("510000")),
            None,
            "both lie under the province"
        );
        assert_eq!(code("市中区", None), None);
        assert_eq!(code("沙湾", None).as_deref(), Some("511111"));
        assert_eq!(
            code("沙湾区发改局", Some("510000")).as_deref(),
            Some("511111")
        );
        assert_eq!(code("区发改局", Some("511100")), None);
    }

    #[test]
    fn ambiguity_lists_the_candidates() {
        match roster().resolve("阿坝") {
            Err(RegionError::Ambiguous { candidates, .. }) => {
                assert_eq!(
                    candidates,
                    vec!["513200 阿坝藏族羌族自治州", "513231 阿坝县"]
                );
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
        assert!(matches!(
            roster().resolve("北京"),
            Err(RegionError::NotFound(_))
        ));
    }

    #[test]
    fn validity_follows_the_period() {
        let r = roster();
        let huili = r.get("513402").unwrap();
        assert!(!huili.is_valid_in(Period::Quarter(2021, 1)));
        assert!(huili.is_valid_in(Period::Quarter(2021, 2)));
        assert!(huili.is_valid_in(Period::Year(2021)));
        assert!(
            r.get("510100")
                .unwrap()
                .is_valid_in(Period::Quarter(1999, 1))
        );
    }

    #[test]
    fn finds_the_unit_named_in_a_title() {
        let r = roster();
        assert_eq!(
            r.find_in("凉山州西昌市2025年第二季度改革任务台账")
                .map(|u| u.code.as_str()),
            Some("513401")
        );
        assert_eq!(
            r.find_in("成都市2024年全面深化改革工作台账")
                .map(|u| u.code.as_str()),
            Some("510100")
        );
        assert_eq!(r.find_in("改革任务台账"), None);
    }

    #[test]
    fn a_city_title_is_not_taken_for_the_county_sharing_its_short_name() {
        let r = Roster::from_csv(include_str!("../../data/roster.csv")).unwrap();
        let code = |t: &str| r.find_in(t).map(|u| u.code.clone());
        assert_eq!(
            code("宜宾市2024年第二季度改革工作台账").as_deref(),
            Some("511500")
        );
        assert_eq!(
            code("广安市2024年第二季度改革工作台账").as_deref(),
            Some("511600")
        );
        assert_eq!(code("广安市广安区2024年台账").as_deref(), Some("511602"));
        assert_eq!(
            code("宜宾县2018年台账").as_deref(),
            Some("511504"),
            "the old name still finds 叙州区"
        );
    }

    #[test]
    fn bad_roster_lines_are_reported() {
        let err = Roster::from_csv("code,name,level\n5101,成都市,city\n").unwrap_err();
        assert!(
            matches!(err, RegionError::BadRoster { line: 2, .. }),
            "{err}"
        );
        let err = Roster::from_csv("code,name,level\n510100,成都市,town\n").unwrap_err();
        assert!(
            matches!(err, RegionError::BadRoster { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn departments_take_a_credit_code_and_are_found_by_full_and_short_names() {
        let roster = Roster::from_csv(
            "code,name,level,parent_code,valid_from,valid_to,aliases\n\
             510000,四川省,province,,,,\n\
             510600,德阳市,city,510000,,,\n\
             115100000089145677,四川省发展和改革委员会,department,510000,,,省发展改革委|省发改委\n\
             11510000008914568A,四川省教育厅,department,510000,,,\n",
        )
        .unwrap();
        let code = |t: &str| roster.resolve(t).map(|u| u.code.clone()).unwrap();
        assert_eq!(code("省发展改革委"), "115100000089145677");
        assert_eq!(code("四川省发展和改革委员会"), "115100000089145677");
        // The short form comes from the name: 四川省教育厅 → 省教育厅.
        assert_eq!(code("省教育厅"), "11510000008914568A");
        assert_eq!(
            roster.get("11510000008914568A").unwrap().level,
            Level::Department
        );
        // In a title the department wins over the province that contains it.
        let found = roster
            .find_in("四川省教育厅2024年第二季度改革任务台账")
            .unwrap();
        assert_eq!(found.code, "11510000008914568A");

        // All digits is a valid credit code (GB 32100-2015), checked by its
        // last character; a short code with a letter stays allowed.
        for good in [
            "115100000089022307,四川省教育厅,department,510000,,,",
            "SC-FGW,四川省发展和改革委员会,department,510000,,,",
        ] {
            Roster::from_csv(&format!(
                "code,name,level,parent_code,valid_from,valid_to,aliases\n{good}\n"
            ))
            .unwrap();
        }
        let err = Roster::from_csv(
            "code,name,level,parent_code,valid_from,valid_to,aliases\n\
             115100000089022308,四川省教育厅,department,510000,,,\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("should end in the check character 7"), "{err}");

        for bad in [
            // Digits only, short: a department's code must not look like a region's.
            "510001,四川省教育厅,department,510000,,,",
            // 18 characters, one of them never used in a credit code.
            "11510000008914568I,四川省教育厅,department,510000,,,",
            "X,四川省教育厅,department,510000,,,",
            // No parent.
            "11510000008914568A,四川省教育厅,department,,,,",
        ] {
            let err = Roster::from_csv(&format!(
                "code,name,level,parent_code,valid_from,valid_to,aliases\n{bad}\n"
            ))
            .unwrap_err();
            assert!(
                matches!(err, RegionError::BadRoster { line: 2, .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn credit_codes_are_checked_by_their_last_character() {
        for (code, expected) in [
            ("115100000089022307", Ok(())),
            ("91350100M000100Y43", Ok(())),
            ("115100000089145677", Ok(())),
            ("115100000089022300", Err(Some('7'))),
            ("91350100M000100Y4X", Err(Some('3'))),
            ("91350100M0001O0Y43", Err(None)),
            ("1151000000890223", Err(None)),
        ] {
            assert_eq!(credit_code_check(code), expected, "{code}");
        }
    }

    #[test]
    fn the_shipped_roster_reads() {
        let r = Roster::from_csv(include_str!("../../data/roster.csv")).unwrap();
        let count = |level| r.units().iter().filter(|u| u.level == level).count();
        assert_eq!(r.units().len(), 241);
        assert_eq!(count(Level::County), 183);
        assert_eq!(count(Level::Department), 36);
        assert_eq!(r.resolve("会理县").unwrap().code, "513402");
        assert_eq!(r.resolve("凉山州").unwrap().code, "513400");
        // A department answers to its full name, its aliases and its short form.
        for name in ["四川省发展和改革委员会", "省发展改革委", "省发改委"] {
            assert_eq!(r.resolve(name).unwrap().code, "SC-FGW", "{name}");
        }
        assert_eq!(r.resolve("省财政厅").unwrap().code, "SC-CZT");
    }
}
