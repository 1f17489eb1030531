//! Instants as milliseconds since the Unix epoch (UTC): what the database stores, and what the
//! API renders as RFC 3339.

use serde::{Serialize, Serializer};

use crate::field_error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// `2026-11-23T09:48:00.000Z`. Civil-from-days after Howard Hinnant's algorithm, so no date
    /// crate is needed on either side.
    pub fn to_rfc3339(self) -> String {
        let ms = self.0.rem_euclid(1000);
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let (h, m, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
    }

    /// Parses a UTC instant: `YYYY-MM-DDTHH:MM`, optionally `:SS` and `.fff`, optionally `Z`
    /// — what `to_rfc3339` writes and what an HTML `datetime-local` input sends (read as UTC,
    /// the zone every dashboard page shows). Offsets other than `Z` are refused rather than
    /// guessed.
    pub fn parse_utc(raw: &str) -> Result<Self, FieldError> {
        let bad = FieldError::InvalidFormat;
        let raw = raw.trim();
        let raw = raw.strip_suffix('Z').unwrap_or(raw);
        let (date, time) = raw.split_once('T').ok_or(bad)?;
        let number = |s: &str, len: usize| -> Result<i64, FieldError> {
            if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().map_err(|_| bad)
            } else {
                Err(bad)
            }
        };
        let mut d = date.split('-');
        let (year, month, day) = match (d.next(), d.next(), d.next(), d.next()) {
            (Some(y), Some(m), Some(d), None) => (number(y, 4)?, number(m, 2)?, number(d, 2)?),
            _ => return Err(bad),
        };
        let (time, millis) = match time.split_once('.') {
            Some((t, f)) if !f.is_empty() && f.len() <= 3 => {
                (t, number(f, f.len())? * 10_i64.pow(3 - f.len() as u32))
            }
            Some(_) => return Err(bad),
            None => (time, 0),
        };
        let mut t = time.split(':');
        let (h, m, s) = match (t.next(), t.next(), t.next(), t.next()) {
            (Some(h), Some(m), None, None) => (number(h, 2)?, number(m, 2)?, 0),
            (Some(h), Some(m), Some(s), None) => (number(h, 2)?, number(m, 2)?, number(s, 2)?),
            _ => return Err(bad),
        };
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let month_days = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= month_days[(month - 1).clamp(0, 11) as usize]
            && h < 24
            && m < 60
            && s < 60;
        if !valid {
            return Err(bad);
        }
        // Days-from-civil, the inverse of `to_rfc3339`'s algorithm.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Ok(Self(
            ((days * 86_400 + h * 3600 + m * 60 + s) * 1000) + millis,
        ))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_renders_and_datetime_local_input() {
        for ms in [0, 951_782_400_000, 1_795_427_280_123, 4_102_444_799_999] {
            let t = Timestamp::from_millis(ms);
            assert_eq!(Timestamp::parse_utc(&t.to_rfc3339()), Ok(t));
        }
        assert_eq!(
            Timestamp::parse_utc("2026-11-23T09:48")
                .unwrap()
                .to_rfc3339(),
            "2026-11-23T09:48:00.000Z"
        );
        assert_eq!(
            Timestamp::parse_utc("2000-02-29T00:00:07.5Z")
                .unwrap()
                .to_rfc3339(),
            "2000-02-29T00:00:07.500Z"
        );
        for bad in [
            "",
            "2026-11-23",
            "2026-11-23 09:48",
            "2026-13-01T00:00",
            "2026-02-29T00:00",
            "2026-11-23T24:00",
            "2026-11-23T09:48+02:00",
            "2026-11-23T09:48:00.",
            "26-11-23T09:48",
        ] {
            assert_eq!(
                Timestamp::parse_utc(bad),
                Err(FieldError::InvalidFormat),
                "{bad}"
            );
        }
    }

    #[test]
    fn renders_known_instants() {
        assert_eq!(
            Timestamp::from_millis(0).to_rfc3339(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(951_782_400_000).to_rfc3339(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_795_427_280_123).to_rfc3339(),
            "2026-11-23T09:48:00.123Z"
        );
        assert_eq!(
            Timestamp::from_millis(-1).to_rfc3339(),
            "1969-12-31T23:59:59.999Z"
        );
    }
}
