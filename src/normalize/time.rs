//! Receipt times: RFC 3339, or a local time without offset, which is China
//! Standard Time (UTC+8) (DESIGN §3).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

/// UTC+8, the offset of every time written without one.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Parses `2024-07-05T09:30:00+08:00`, `2024-07-05 09:30[:00]` (UTC+8) or a
/// bare date `2024-07-05` (midnight UTC+8).
pub fn parse_time(text: &str) -> Option<DateTime<FixedOffset>> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    // RFC 3339 demands seconds; people write `2024-07-15T18:00+08:00`.
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t);
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return china().from_local_datetime(&t).single();
        }
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return china()
                .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                .single();
        }
    }
    None
}

/// The end of the time an `--as-of` names: a bare date `2024-07-15` means
/// the whole of that day in UTC+8 (everything received up to 23:59:59.999),
/// any other form is the instant [`parse_time`] reads.
pub fn parse_as_of(text: &str) -> Option<DateTime<FixedOffset>> {
    let s = text.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            let end = d.and_hms_milli_opt(23, 59, 59, 999)?;
            return china().from_local_datetime(&end).single();
        }
    }
    parse_time(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_and_without_offset() {
        let utc = |s: &str| parse_time(s).map(|t| t.naive_utc().to_string());
        assert_eq!(
            utc("2024-07-05T09:30:00+08:00").as_deref(),
            Some("2024-07-05 01:30:00")
        );
        assert_eq!(
            utc("2024-07-05T01:30:00Z").as_deref(),
            Some("2024-07-05 01:30:00")
        );
        assert_eq!(
            utc("2024-07-05 09:30:00").as_deref(),
            Some("2024-07-05 01:30:00")
        );
        assert_eq!(
            utc("2024-07-05 09:30").as_deref(),
            Some("2024-07-05 01:30:00")
        );
        assert_eq!(utc("2024-07-05").as_deref(), Some("2024-07-04 16:00:00"));
        assert_eq!(
            utc("2024-07-15T18:00+08:00").as_deref(),
            Some("2024-07-15 10:00:00")
        );
        assert_eq!(
            utc("2024-07-15 18:00+08:00").as_deref(),
            Some("2024-07-15 10:00:00")
        );
        assert_eq!(utc("yesterday"), None);
    }

    #[test]
    fn an_as_of_date_covers_its_whole_day() {
        let utc = |s: &str| parse_as_of(s).map(|t| t.naive_utc().to_string());
        assert_eq!(
            utc("2024-07-15").as_deref(),
            Some("2024-07-15 15:59:59.999")
        );
        assert_eq!(
            utc("2024-07-15T18:00+08:00").as_deref(),
            Some("2024-07-15 10:00:00")
        );
        assert_eq!(
            utc("2024-07-15 18:00").as_deref(),
            Some("2024-07-15 10:00:00")
        );
        assert_eq!(utc("15 July"), None);
    }
}
