//! Timestamps as providers write them: Unix seconds, Unix milliseconds, RFC 3339.

use serde::{Deserialize, Serialize};

/// The current Unix time in seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// Decimal Unix seconds.
    UnixSeconds,
    /// Decimal Unix milliseconds.
    UnixMillis,
    /// RFC 3339, e.g. `2023-07-19T14:56:51.634234626Z`.
    Rfc3339,
}

impl TimeFormat {
    /// Parses the text to Unix seconds; `None` when malformed or out of range.
    pub fn parse(self, text: &str) -> Option<i64> {
        match self {
            TimeFormat::UnixSeconds => parse_decimal(text, 12),
            TimeFormat::UnixMillis => parse_decimal(text, 15).map(|ms| ms / 1000),
            TimeFormat::Rfc3339 => parse_rfc3339(text),
        }
    }

    /// Decimal Unix seconds straight from header bytes (the hot path).
    pub fn parse_unix_seconds(text: &[u8]) -> Option<i64> {
        if text.is_empty() || text.len() > 12 {
            return None;
        }
        let mut v = 0i64;
        for &b in text {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (b - b'0') as i64;
        }
        Some(v)
    }

    /// Writes Unix seconds in this format.
    pub fn format(self, unix: i64) -> String {
        match self {
            TimeFormat::UnixSeconds => unix.to_string(),
            TimeFormat::UnixMillis => (unix * 1000).to_string(),
            TimeFormat::Rfc3339 => format_rfc3339(unix),
        }
    }
}

/// A non-negative decimal of at most `max_digits` digits.
fn parse_decimal(text: &str, max_digits: usize) -> Option<i64> {
    if text.is_empty() || text.len() > max_digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |a, &d| a * 10 + (d - b'0') as i64))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` to Unix seconds (fraction dropped).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    parse_rfc3339_parts(text, false).map(|ms| ms.div_euclid(1000))
}

/// Parses an RFC 3339 date-time to Unix milliseconds (digits past the
/// millisecond dropped). A date-time without an offset is read as UTC: API
/// clients send them (Python's `datetime.isoformat()` of a naive value).
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    parse_rfc3339_parts(text, true)
}

fn parse_rfc3339_parts(text: &str, naive_is_utc: bool) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b.len() > 40 {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset = match b.get(i..)? {
        [] if naive_is_utc => 0,
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let oh = digits(&[*oh1, *oh2])?;
            let om = digits(&[*om1, *om2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
    Some(secs * 1000 + millis)
}

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let mut s = format_rfc3339(ms.div_euclid(1000));
    s.pop();
    s.push_str(&format!(".{:03}Z", ms.rem_euclid(1000)));
    s
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86400), unix.rem_euclid(86400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2023-07-19T14:56:51.634234626Z"),
            Some(1_689_778_611)
        );
        assert_eq!(
            parse_rfc3339("2023-07-19T16:56:51+02:00"),
            Some(1_689_778_611)
        );
        assert_eq!(format_rfc3339(1_689_778_611), "2023-07-19T14:56:51Z");
        assert_eq!(parse_rfc3339("2023-07-19T14:56:51"), None);
        assert_eq!(parse_rfc3339("2023-13-19T14:56:51Z"), None);
        assert_eq!(parse_rfc3339("2023-07-19T14:56:51.Z"), None);
    }

    #[test]
    fn rfc3339_milliseconds() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(
            parse_rfc3339_ms("2023-07-19T14:56:51.634234626Z"),
            Some(1_689_778_611_634)
        );
        // Naive: UTC.
        assert_eq!(
            parse_rfc3339_ms("2023-07-19T14:56:51"),
            Some(1_689_778_611_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2023-07-19T16:56:51.1+02:00"),
            Some(1_689_778_611_100)
        );
        assert_eq!(
            format_rfc3339_ms(1_689_778_611_034),
            "2023-07-19T14:56:51.034Z"
        );
        assert_eq!(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(parse_rfc3339_ms("2023-07-19T14:56:5"), None);
        assert_eq!(parse_rfc3339_ms("2023-07-19T14:56:51+2"), None);
        for ms in (-10_000_000_000i64..4_000_000_000_000).step_by(86_399_937_123) {
            assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms)), Some(ms));
        }
    }

    #[test]
    fn decimals() {
        assert_eq!(
            TimeFormat::UnixSeconds.parse("1700000000"),
            Some(1_700_000_000)
        );
        assert_eq!(TimeFormat::UnixSeconds.parse("-5"), None);
        assert_eq!(TimeFormat::UnixSeconds.parse("1e9"), None);
        assert_eq!(TimeFormat::UnixSeconds.parse("9999999999999"), None);
        assert_eq!(
            TimeFormat::UnixMillis.parse("1700000000123"),
            Some(1_700_000_000)
        );
    }

    #[test]
    fn round_trip_many() {
        for t in (0..4_000_000_000i64).step_by(86_399_937) {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
    }
}
