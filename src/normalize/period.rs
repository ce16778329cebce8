//! Reporting periods: `2024Q2` (quarter), `2024-06` (month), `2024` (year).

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

use super::text::{fold_width, strip_whitespace};

/// A reporting period (报送周期). Its canonical text is the lake's `period` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
}

impl Period {
    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }

    /// The first day of the period.
    pub fn start(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Year(y) => (y, 1),
            Period::Quarter(y, q) => (y, 3 * q - 2),
            Period::Month(y, m) => (y, m),
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("periods are validated on construction")
    }

    /// E, the period's last day: every "due by" comparison is against it.
    pub fn end(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Year(y) => (y, 12),
            Period::Quarter(y, q) => (y, 3 * q),
            Period::Month(y, m) => (y, m),
        };
        month_end(y, m).expect("periods are validated on construction")
    }

    /// Finds a period written inside a longer text such as a title row,
    /// `德阳市旌阳区2025年第二季度改革任务台账`. Quarters and months win over a bare year.
    pub fn find_in(text: &str) -> Option<Period> {
        let s = strip_whitespace(&fold_width(text, true));
        let chars: Vec<char> = s.chars().collect();
        let mut year_only = None;
        for start in 0..chars.len() {
            if start + 4 > chars.len() || !chars[start..start + 4].iter().all(char::is_ascii_digit)
            {
                continue;
            }
            if start > 0 && chars[start - 1].is_ascii_digit() {
                continue;
            }
            // Try the longest plausible candidates from this year onwards.
            for len in (5..=(chars.len() - start).min(10)).rev() {
                let candidate: String = chars[start..start + len].iter().collect();
                if let Ok(p @ (Period::Quarter(..) | Period::Month(..))) = candidate.parse() {
                    return Some(p);
                }
            }
            let year: String = chars[start..start + 4].iter().collect();
            let followed_by_year_sign = chars.get(start + 4) == Some(&'年');
            if year_only.is_none() && followed_by_year_sign {
                year_only = year
                    .parse()
                    .ok()
                    .filter(|y| (1990..=2100).contains(y))
                    .map(Period::Year);
            }
        }
        year_only
    }
}

/// The last day of a month, or `None` for an impossible month.
pub fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    first_of_next.pred_opt().filter(|d| d.month() == month)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("无法识别的报送周期 / not a period: {0:?} (use 2024Q2, 2024-06 or 2024)")]
pub struct PeriodError(pub String);

impl FromStr for Period {
    type Err = PeriodError;

    /// Accepts `2024Q2`, `2024-Q2`, `2024年第二季度`, `2024年二季度`, `2024年6月`,
    /// `2024-06`, `2024` and `2024年`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError(text.to_string());
        let s = strip_whitespace(&fold_width(text, true)).to_uppercase();
        let digits = |t: &str| t.len() == 4 && t.chars().all(|c| c.is_ascii_digit());
        let (year_text, rest) = s.split_at(s.char_indices().nth(4).map_or(s.len(), |(i, _)| i));
        if !digits(year_text) {
            return Err(err());
        }
        let year: i32 = year_text.parse().map_err(|_| err())?;
        if !(1900..=2100).contains(&year) {
            return Err(err());
        }
        let rest = rest.strip_prefix('年').unwrap_or(rest);
        let period = if rest.is_empty() {
            Period::Year(year)
        } else if let Some(q) = rest
            .strip_prefix("-Q")
            .or_else(|| rest.strip_prefix('Q'))
            .or_else(|| rest.strip_prefix("第").and_then(|r| r.strip_suffix("季度")))
            .or_else(|| rest.strip_suffix("季度"))
        {
            Period::Quarter(year, quarter_number(q).ok_or_else(err)?)
        } else {
            let m = rest
                .strip_prefix('-')
                .or_else(|| rest.strip_suffix('月'))
                .ok_or_else(err)?;
            let month: u32 = m.parse().map_err(|_| err())?;
            if !(1..=12).contains(&month) || m.len() > 2 {
                return Err(err());
            }
            Period::Month(year, month)
        };
        Ok(period)
    }
}

/// `1`–`4` or `一`–`四`.
pub(crate) fn quarter_number(s: &str) -> Option<u32> {
    match s {
        "1" | "一" => Some(1),
        "2" | "二" => Some(2),
        "3" | "三" => Some(3),
        "4" | "四" => Some(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_accepted_form() {
        let cases = [
            ("2024Q2", Period::Quarter(2024, 2)),
            ("2024q2", Period::Quarter(2024, 2)),
            ("2024-Q2", Period::Quarter(2024, 2)),
            ("2024年第二季度", Period::Quarter(2024, 2)),
            ("2024年二季度", Period::Quarter(2024, 2)),
            ("2024年第4季度", Period::Quarter(2024, 4)),
            ("２０２４Ｑ２", Period::Quarter(2024, 2)),
            ("2024年6月", Period::Month(2024, 6)),
            ("2024-06", Period::Month(2024, 6)),
            ("2024-6", Period::Month(2024, 6)),
            ("2024", Period::Year(2024)),
            ("2024年", Period::Year(2024)),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Period>(), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejects_non_periods() {
        for text in [
            "",
            "Q2",
            "2024Q5",
            "2024-13",
            "2024年第五季度",
            "24Q2",
            "二〇二四",
            "2024-006",
            "abcd",
        ] {
            assert!(text.parse::<Period>().is_err(), "{text}");
        }
    }

    #[test]
    fn canonical_text_round_trips() {
        for p in [
            Period::Quarter(2025, 3),
            Period::Month(2025, 1),
            Period::Year(2025),
        ] {
            assert_eq!(p.to_string().parse::<Period>(), Ok(p));
        }
        assert_eq!(Period::Month(2024, 6).to_string(), "2024-06");
    }

    #[test]
    fn period_end_is_the_last_day() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(Period::Quarter(2024, 1).end(), d(2024, 3, 31));
        assert_eq!(Period::Quarter(2024, 2).end(), d(2024, 6, 30));
        assert_eq!(Period::Month(2024, 2).end(), d(2024, 2, 29));
        assert_eq!(Period::Month(2023, 2).end(), d(2023, 2, 28));
        assert_eq!(Period::Year(2024).end(), d(2024, 12, 31));
        assert_eq!(Period::Quarter(2024, 3).start(), d(2024, 7, 1));
    }

    #[test]
    fn finds_a_period_inside_a_title() {
        let cases = [
            (
                "德阳市旌阳区2025年第二季度改革任务台账",
                Some(Period::Quarter(2025, 2)),
            ),
            (
                "成都市2024年6月全面深化改革工作台账",
                Some(Period::Month(2024, 6)),
            ),
            ("XX市2016年全面深化改革工作台账", Some(Period::Year(2016))),
            ("改革任务台账", None),
            ("附件1", None),
        ];
        for (text, want) in cases {
            assert_eq!(Period::find_in(text), want, "{text}");
        }
    }
}
