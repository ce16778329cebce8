//! Deadlines and dates as clerks write them (DESIGN §4 "Dates").
//!
//! A deadline cell may hold a real date, an Excel serial number, or free text
//! with one or more milestones: `2016年6月底前出台方案，12月底前完成试点`. The final
//! deadline is the last milestone; a milestone without a year takes the year of
//! the one before it, and the first takes the ledger period's year.

use chrono::{Duration, NaiveDate};
use regex::Regex;
use std::sync::LazyLock;

use super::period::{month_end, quarter_number};
use super::text::{fold_width, strip_whitespace};

/// What kind of deadline a cell holds (`deadline_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    Date,
    Ongoing,
    Unknown,
}

impl DeadlineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::Date => "date",
            DeadlineKind::Ongoing => "ongoing",
            DeadlineKind::Unknown => "unknown",
        }
    }
}

/// A parsed deadline: the final due date, if any, and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub on: Option<NaiveDate>,
    pub kind: DeadlineKind,
}

impl Deadline {
    const UNKNOWN: Deadline = Deadline {
        on: None,
        kind: DeadlineKind::Unknown,
    };

    fn date(on: NaiveDate) -> Self {
        Deadline {
            on: Some(on),
            kind: DeadlineKind::Date,
        }
    }
}

/// Words that mean "no end date": the work is continuous.
const ONGOING_WORDS: &[&str] = &[
    "长期坚持",
    "持续推进",
    "常态化",
    "按上级部署",
    "长期",
    "按中央部署",
    "按国家统一部署",
    "根据上级安排",
    "按上级要求",
    "动态清零",
];

/// One milestone pattern per alternative, most specific first: the regex engine
/// takes the first alternative that matches at a position.
static MILESTONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<fy>[0-9]{4})[年.\-/](?P<fm>[0-9]{1,2})[月.\-/](?P<fd>[0-9]{1,2})",
        r"|(?P<qy>[0-9]{4})年?第?(?P<qq>[一二三四1-4])季度",
        r"|(?P<hy>[0-9]{4})年?(?P<hh>[上下])半年",
        r"|(?P<my>[0-9]{4})[年.\-/](?P<mm>[0-9]{1,2})",
        r"|(?P<yy>[0-9]{4})",
        r"|第?(?P<q>[一二三四1-4])季度",
        r"|(?P<h>[上下])半年",
        r"|(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})日)?",
        r"|(?P<ye>年底|年末|年内)",
    ))
    .expect("milestone regex is valid")
});

/// `2016—2017年`: a span of years is due at the end of its last year.
static YEAR_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9]{4}年?[\-—–~至到](?P<last>[0-9]{4})").expect("year span regex is valid")
});

/// Parses a deadline written as text. `default_year` is the ledger period's
/// year, used by a first milestone that has none (`6月底前`, `年底前`).
pub fn parse_deadline_text(text: &str, default_year: Option<i32>) -> Deadline {
    let s = strip_whitespace(&fold_width(text, true));
    if s.is_empty() {
        return Deadline::UNKNOWN;
    }
    if let Some(number) = serial_text(&s) {
        return parse_deadline_number(number);
    }
    match milestone_dates(&s, default_year).last() {
        Some(d) => Deadline::date(*d),
        None if ONGOING_WORDS.iter().any(|w| s.contains(w)) => Deadline {
            on: None,
            kind: DeadlineKind::Ongoing,
        },
        None => Deadline::UNKNOWN,
    }
}

/// Every date of a 进度节点 cell, in the order written, by the same rules as a
/// deadline's milestones: `6月底前完成方案，9月底前完成整改` gives June 30 and
/// September 30 of `default_year`; a year-less milestone takes the year of the
/// one before it. Empty when the text names no date.
pub fn parse_milestones(text: &str, default_year: Option<i32>) -> Vec<NaiveDate> {
    let s = strip_whitespace(&fold_width(text, true));
    if let Some(number) = serial_text(&s) {
        return parse_deadline_number(number).on.into_iter().collect();
    }
    milestone_dates(&s, default_year)
}

/// A serial number typed as text (42735), but not `2016.12`, which is a month.
fn serial_text(s: &str) -> Option<f64> {
    s.parse::<f64>()
        .ok()
        .filter(|number| !s.contains('.') || *number > 10_000.0)
}

/// The milestones of a text already folded and stripped of whitespace.
fn milestone_dates(s: &str, default_year: Option<i32>) -> Vec<NaiveDate> {
    let s = YEAR_SPAN.replace_all(s, "$last");
    let mut year = default_year;
    let mut dates = Vec::new();
    for caps in MILESTONE.captures_iter(&s) {
        let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<i32>().ok());
        let text_of = |name: &str| caps.name(name).map(|m| m.as_str());
        let date = if let (Some(y), Some(m), Some(d)) = (num("fy"), num("fm"), num("fd")) {
            year = Some(y);
            NaiveDate::from_ymd_opt(y, m as u32, d as u32)
        } else if let (Some(y), Some(q)) = (num("qy"), text_of("qq")) {
            year = Some(y);
            quarter_number(q).and_then(|q| month_end(y, 3 * q))
        } else if let (Some(y), Some(h)) = (num("hy"), text_of("hh")) {
            year = Some(y);
            month_end(y, if h == "上" { 6 } else { 12 })
        } else if let (Some(y), Some(m)) = (num("my"), num("mm")) {
            year = Some(y);
            month_end(y, m as u32)
        } else if let Some(y) = num("yy") {
            year = Some(y);
            month_end(y, 12)
        } else if let Some(q) = text_of("q") {
            year.zip(quarter_number(q))
                .and_then(|(y, q)| month_end(y, 3 * q))
        } else if let Some(h) = text_of("h") {
            year.and_then(|y| month_end(y, if h == "上" { 6 } else { 12 }))
        } else if let Some(m) = num("m") {
            match num("d") {
                Some(d) => year.and_then(|y| NaiveDate::from_ymd_opt(y, m as u32, d as u32)),
                None => year.and_then(|y| month_end(y, m as u32)),
            }
        } else {
            year.and_then(|y| month_end(y, 12))
        };
        // A plausible ledger date only: a stray number such as 9999 is no deadline.
        if let Some(d) = date.filter(|d| (1990..=2100).contains(&chrono::Datelike::year(d))) {
            dates.push(d);
        }
    }
    dates
}

/// A number in a date column: an Excel serial date (1900 system), or a bare
/// year such as 2016, which means that year's end.
pub fn parse_deadline_number(x: f64) -> Deadline {
    if x.fract() == 0.0 && (1990.0..=2100.0).contains(&x) {
        return month_end(x as i32, 12).map_or(Deadline::UNKNOWN, Deadline::date);
    }
    excel_serial_to_date(x).map_or(Deadline::UNKNOWN, Deadline::date)
}

/// Excel's 1900 date system: serial 1 is 1900-01-01 and the fictitious
/// 1900-02-29 is serial 60, so the epoch is 1899-12-30 for every serial > 60.
/// Only serials between 1990 and 2100 are accepted as ledger dates.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    const FIRST: f64 = 32874.0; // 1990-01-01
    const LAST: f64 = 73415.0; // 2100-12-31
    if !(FIRST..=LAST).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch.checked_add_signed(Duration::days(serial.floor() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn every_deadline_form_of_the_contract() {
        let cases: &[(&str, Option<NaiveDate>)] = &[
            ("2016.6.30", d(2016, 6, 30)),
            ("2016/12/31", d(2016, 12, 31)),
            ("2016-12-31", d(2016, 12, 31)),
            ("2016年6月30日", d(2016, 6, 30)),
            ("2016年6月30日前", d(2016, 6, 30)),
            ("2016-12", d(2016, 12, 31)),
            ("2016.12", d(2016, 12, 31)),
            ("2016.2", d(2016, 2, 29)),
            ("2016年12月", d(2016, 12, 31)),
            ("2016年12月底前", d(2016, 12, 31)),
            ("2016年6月底前", d(2016, 6, 30)),
            ("12月底前", d(2024, 12, 31)),
            ("6月底前", d(2024, 6, 30)),
            ("9月15日前", d(2024, 9, 15)),
            ("2016年底", d(2016, 12, 31)),
            ("2016年年底", d(2016, 12, 31)),
            ("年底前", d(2024, 12, 31)),
            ("年内", d(2024, 12, 31)),
            ("2016年", d(2016, 12, 31)),
            ("2016年第三季度", d(2016, 9, 30)),
            ("第三季度", d(2024, 9, 30)),
            ("三季度末", d(2024, 9, 30)),
            ("2017年1季度", d(2017, 3, 31)),
            ("上半年", d(2024, 6, 30)),
            ("下半年", d(2024, 12, 31)),
            ("2017年上半年完成", d(2017, 6, 30)),
            ("2016—2017年", d(2017, 12, 31)),
            ("2016-2017年", d(2017, 12, 31)),
            ("２０１６年６月底", d(2016, 6, 30)),
            ("2016年 6月 底前", d(2016, 6, 30)),
            ("42735", d(2016, 12, 31)),
        ];
        for (text, want) in cases {
            let got = parse_deadline_text(text, Some(2024));
            assert_eq!(got.on, *want, "{text}");
            assert_eq!(got.kind, DeadlineKind::Date, "{text}");
        }
    }

    #[test]
    fn several_milestones_take_the_last_and_carry_the_year() {
        let cases: &[(&str, Option<NaiveDate>)] = &[
            ("2016年6月底前出台方案，12月底前完成试点", d(2016, 12, 31)),
            (
                "2016年6月底前出台方案；2017年3月底前全面推开",
                d(2017, 3, 31),
            ),
            ("6月底前出台方案，年底前完成", d(2024, 12, 31)),
            ("2018年上半年启动，下半年完成", d(2018, 12, 31)),
            ("2019年9月30日前出台，第四季度印发", d(2019, 12, 31)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_deadline_text(text, Some(2024)).on, *want, "{text}");
        }
    }

    #[test]
    fn milestones_are_every_date_in_the_order_written() {
        let cases: &[(&str, &[Option<NaiveDate>])] = &[
            (
                "6月底前完成方案，9月底前完成整改",
                &[d(2024, 6, 30), d(2024, 9, 30)],
            ),
            (
                "2024年6月30日前完成方案制定，9月30日前完成整改",
                &[d(2024, 6, 30), d(2024, 9, 30)],
            ),
            ("6月底前；9月底前", &[d(2024, 6, 30), d(2024, 9, 30)]),
            (
                "2023年11月底前制定方案，2024年3月底前完成",
                &[d(2023, 11, 30), d(2024, 3, 31)],
            ),
            // A year-less milestone takes the year of the one before it.
            (
                "2025年上半年启动，三季度末验收",
                &[d(2025, 6, 30), d(2025, 9, 30)],
            ),
            ("第一阶段：立即整改；第二阶段：年底前", &[d(2024, 12, 31)]),
            ("2024-07-15", &[d(2024, 7, 15)]),
            ("45473", &[d(2024, 6, 30)]),
            (
                "12月底前完成、9月底前中期评估",
                &[d(2024, 12, 31), d(2024, 9, 30)],
            ),
        ];
        for (text, want) in cases {
            let want: Vec<NaiveDate> = want.iter().map(|d| d.unwrap()).collect();
            assert_eq!(parse_milestones(text, Some(2024)), want, "{text}");
        }
        for text in ["立即整改、长期坚持", "尽快", "", "9999"] {
            assert!(parse_milestones(text, Some(2024)).is_empty(), "{text}");
        }
        assert!(parse_milestones("6月底前", None).is_empty());
    }

    #[test]
    fn a_deadline_is_the_last_of_its_milestones() {
        for text in [
            "2016年6月底前出台方案，12月底前完成试点",
            "6月底前；9月底前",
            "2018年上半年启动，下半年完成",
        ] {
            assert_eq!(
                parse_deadline_text(text, Some(2024)).on,
                parse_milestones(text, Some(2024)).last().copied(),
                "{text}"
            );
        }
    }

    #[test]
    fn ongoing_words_have_no_date() {
        for text in [
            "长期坚持",
            "持续推进",
            "常态化",
            "常态化推进",
            "按上级部署",
            "立即整改、长期坚持",
            "按国家统一部署",
        ] {
            let got = parse_deadline_text(text, Some(2024));
            assert_eq!(
                got,
                Deadline {
                    on: None,
                    kind: DeadlineKind::Ongoing
                },
                "{text}"
            );
        }
    }

    #[test]
    fn a_concrete_milestone_wins_over_an_ongoing_word() {
        let got = parse_deadline_text("2017年6月底前完成，长期坚持", None);
        assert_eq!(
            got,
            Deadline::date(NaiveDate::from_ymd_opt(2017, 6, 30).unwrap())
        );
    }

    #[test]
    fn nonsense_and_impossible_dates_are_unknown() {
        for text in [
            "尽快",
            "待定",
            "2016年2月30日",
            "13月底前",
            "9999",
            "",
            "  ",
        ] {
            assert_eq!(
                parse_deadline_text(text, Some(2024)),
                Deadline::UNKNOWN,
                "{text}"
            );
        }
    }

    #[test]
    fn year_less_text_without_a_period_year_is_unknown() {
        assert_eq!(parse_deadline_text("6月底前", None), Deadline::UNKNOWN);
        assert_eq!(parse_deadline_text("年底前", None), Deadline::UNKNOWN);
    }

    #[test]
    fn numbers_are_serials_or_years() {
        assert_eq!(parse_deadline_number(42735.0).on, d(2016, 12, 31));
        assert_eq!(parse_deadline_number(45473.0).on, d(2024, 6, 30));
        assert_eq!(parse_deadline_number(45473.75).on, d(2024, 6, 30));
        assert_eq!(parse_deadline_number(2016.0).on, d(2016, 12, 31));
        assert_eq!(parse_deadline_number(3.0), Deadline::UNKNOWN);
        assert_eq!(parse_deadline_number(f64::NAN), Deadline::UNKNOWN);
    }
}
