//! UTC timestamps in SigV4's basic ISO 8601 form (`20150830T123600Z`), without a date crate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A UTC instant with whole-second precision, as SigV4 uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AmzDate {
    unix_seconds: i64,
}

impl AmzDate {
    pub fn from_system_time(time: SystemTime) -> Self {
        let unix_seconds = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        Self { unix_seconds }
    }

    pub fn from_unix_seconds(unix_seconds: i64) -> Self {
        Self { unix_seconds }
    }

    pub fn unix_seconds(self) -> i64 {
        self.unix_seconds
    }

    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_secs(self.unix_seconds.unsigned_abs());
        if self.unix_seconds >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }

    /// `YYYYMMDD'T'HHMMSS'Z'`, the `X-Amz-Date` value.
    pub fn timestamp(self) -> String {
        let (y, m, d) = civil_from_days(self.unix_seconds.div_euclid(86_400));
        let secs = self.unix_seconds.rem_euclid(86_400);
        format!(
            "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    /// `YYYYMMDD`, the credential scope's date.
    pub fn date(self) -> String {
        let (y, m, d) = civil_from_days(self.unix_seconds.div_euclid(86_400));
        format!("{y:04}{m:02}{d:02}")
    }

    /// Parses `YYYYMMDD'T'HHMMSS'Z'`.
    pub fn parse_timestamp(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = s.get(range)?;
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        Self::from_parts(
            num(0..4)?,
            num(4..6)?,
            num(6..8)?,
            num(9..11)?,
            num(11..13)?,
            num(13..15)?,
        )
    }

    /// Parses RFC 3339 UTC `YYYY-MM-DDTHH:MM:SSZ` (as in the SigV4 test suite's `context.json`).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let compact: String = s.chars().filter(|c| *c != '-' && *c != ':').collect();
        Self::parse_timestamp(&compact)
    }

    fn from_parts(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<Self> {
        let valid = (1..=12).contains(&mo)
            && (1..=days_in_month(y, mo)).contains(&d)
            && (0..24).contains(&h)
            && (0..60).contains(&mi)
            && (0..60).contains(&s);
        valid.then(|| Self {
            unix_seconds: days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s,
        })
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_suite_timestamp() {
        let t = AmzDate::parse_rfc3339("2015-08-30T12:36:00Z");
        assert_eq!(t.map(|t| t.unix_seconds()), Some(1_440_938_160));
        assert_eq!(
            t.map(AmzDate::timestamp).as_deref(),
            Some("20150830T123600Z")
        );
        assert_eq!(t.map(AmzDate::date).as_deref(), Some("20150830"));
    }

    #[test]
    fn round_trips_across_leap_days_and_epoch() {
        for secs in [0, 951_782_400, 1_709_164_799, 4_102_444_800, -86_400] {
            let t = AmzDate::from_unix_seconds(secs);
            assert_eq!(AmzDate::parse_timestamp(&t.timestamp()), Some(t));
            assert_eq!(AmzDate::from_system_time(t.to_system_time()), t);
        }
        assert_eq!(AmzDate::from_unix_seconds(951_782_400).date(), "20000229");
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for s in [
            "",
            "20150830T123600",
            "20150230T123600Z",
            "2015083OT123600Z",
            "20151330T000000Z",
            "+0150830T123600Z",
        ] {
            assert_eq!(AmzDate::parse_timestamp(s), None, "{s}");
        }
    }
}
