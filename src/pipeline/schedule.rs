//! Pipeline schedules: five-field cron expressions, checked when a pipeline is
//! read, printed as a crontab line or as a systemd timer's `OnCalendar`.

use std::fmt;

/// A checked cron expression: minute hour day-of-month month day-of-week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    fields: [String; 5],
}

#[derive(Debug, Clone, Copy)]
struct FieldSpec {
    name_zh: &'static str,
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [FieldSpec; 5] = [
    FieldSpec {
        name_zh: "分钟",
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    FieldSpec {
        name_zh: "小时",
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    FieldSpec {
        name_zh: "日",
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    FieldSpec {
        name_zh: "月",
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
    },
    FieldSpec {
        name_zh: "星期",
        name: "day of week",
        min: 0,
        max: 7,
        names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    },
];

impl std::str::FromStr for Cron {
    type Err = String;

    fn from_str(s: &str) -> Result<Cron, String> {
        let parts: Vec<&str> = s.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "cron 表达式应有 5 个字段（分 时 日 月 星期），实有 {} 个 / a cron expression has 5 fields (minute hour day month weekday), found {}: {s:?}",
                parts.len(),
                parts.len()
            ));
        }
        for (part, spec) in parts.iter().zip(FIELDS) {
            check_field(part, spec).map_err(|why| {
                format!(
                    "cron 的{}字段“{part}”有误 / the {} field {part:?} of {s:?}: {why}",
                    spec.name_zh, spec.name
                )
            })?;
        }
        Ok(Cron {
            fields: parts
                .iter()
                .map(|p| p.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .try_into()
                .expect("five fields"),
        })
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fields.join(" "))
    }
}

fn value(v: &str, spec: FieldSpec) -> Result<u32, String> {
    let lower = v.to_ascii_lowercase();
    let n = match spec.names.iter().position(|n| *n == lower) {
        Some(i) => i as u32 + if spec.min == 1 { 1 } else { 0 },
        None => v
            .parse::<u32>()
            .map_err(|_| format!("{v:?} is not a number"))?,
    };
    if n < spec.min || n > spec.max {
        return Err(format!("{n} is outside {}–{}", spec.min, spec.max));
    }
    Ok(n)
}

fn check_field(field: &str, spec: FieldSpec) -> Result<(), String> {
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(s) = step {
            let n: u32 = s
                .parse()
                .map_err(|_| format!("step {s:?} is not a number"))?;
            if n == 0 || n > spec.max.max(1) {
                return Err(format!("step {n} is out of range"));
            }
        }
        if range == "*" {
            continue;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (value(a, spec)?, value(b, spec)?);
                if a > b {
                    return Err(format!("range {a}-{b} runs backwards"));
                }
            }
            None => {
                value(range, spec)?;
            }
        }
    }
    Ok(())
}

impl Cron {
    /// The same times as a systemd `OnCalendar=` value. Fails where systemd
    /// means something else: cron runs when *either* a restricted day of
    /// month or a restricted weekday matches, systemd only when both do.
    pub fn on_calendar(&self) -> Result<String, String> {
        let [minute, hour, dom, month, dow] = &self.fields;
        if dom != "*" && dow != "*" {
            return Err(
                "日和星期同时限定时，cron 取其一即运行，systemd 要求两者同时满足；请只限定其一 / \
                 cron runs when either the day of month or the weekday matches, systemd only when both do; restrict only one"
                    .into(),
            );
        }
        let numeric = |f: &str, spec: FieldSpec, width: usize| -> String {
            f.split(',')
                .map(|item| {
                    let (range, step) = match item.split_once('/') {
                        Some((r, s)) => (r, Some(s)),
                        None => (item, None),
                    };
                    let pad = |v: &str| format!("{:0width$}", value(v, spec).unwrap_or(0));
                    let range = match (range, step) {
                        ("*", Some(_)) => pad(&spec.min.to_string()),
                        ("*", None) => "*".to_string(),
                        (r, _) => match r.split_once('-') {
                            Some((a, b)) => format!("{}..{}", pad(a), pad(b)),
                            None => pad(r),
                        },
                    };
                    match step {
                        Some(s) => format!("{range}/{s}"),
                        None => range,
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let weekday = if dow == "*" {
            String::new()
        } else {
            const NAMES: [&str; 8] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            let name = |v: &str| NAMES[value(v, FIELDS[4]).unwrap_or(0) as usize];
            let mut days = Vec::new();
            for item in dow.split(',') {
                if item.contains('/') {
                    return Err(
                        "systemd 不支持带步长的星期 / a stepped weekday has no systemd form".into(),
                    );
                }
                days.push(match item.split_once('-') {
                    Some((a, b)) => format!("{}..{}", name(a), name(b)),
                    None if item == "*" => continue,
                    None => name(item).to_string(),
                });
            }
            format!("{} ", days.join(","))
        };
        Ok(format!(
            "{weekday}*-{}-{} {}:{}:00",
            numeric(month, FIELDS[3], 2),
            numeric(dom, FIELDS[2], 2),
            numeric(hour, FIELDS[1], 2),
            numeric(minute, FIELDS[0], 2)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_expressions_parse() {
        for s in [
            "0 2 * * *",
            "*/15 * * * *",
            "30 1 1,15 * *",
            "0 8 * * mon-fri",
            "0 0 1 jan,jul *",
            "5 4 * * 7",
        ] {
            assert!(s.parse::<Cron>().is_ok(), "{s}");
        }
    }

    #[test]
    fn bad_expressions_say_which_field() {
        for (s, field) in [
            ("0 2 * *", "5 fields"),
            ("60 2 * * *", "minute"),
            ("0 24 * * *", "hour"),
            ("0 2 0 * *", "day of month"),
            ("0 2 * 13 *", "month"),
            ("0 2 * * 8", "day of week"),
            ("*/0 * * * *", "minute"),
            ("0 5-2 * * *", "hour"),
            ("0 2 * * funday", "day of week"),
        ] {
            let err = s.parse::<Cron>().unwrap_err();
            assert!(err.contains(field), "{s}: {err}");
        }
    }

    #[test]
    fn systemd_calendar_means_the_same_times() {
        let cal = |s: &str| s.parse::<Cron>().unwrap().on_calendar().unwrap();
        assert_eq!(cal("0 2 * * *"), "*-*-* 02:00:00");
        assert_eq!(cal("*/15 * * * *"), "*-*-* *:00/15:00");
        assert_eq!(cal("30 1 1,15 * *"), "*-*-01,15 01:30:00");
        assert_eq!(cal("0 8 * * 1-5"), "Mon..Fri *-*-* 08:00:00");
        assert_eq!(cal("0 3 10 1,4,7,10 *"), "*-01,04,07,10-10 03:00:00");
        assert!("0 2 1 * 1".parse::<Cron>().unwrap().on_calendar().is_err());
    }
}
