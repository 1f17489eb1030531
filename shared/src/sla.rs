//! The SLA clock, pure (no I/O): a site's policy (a first-response and a resolution target per
//! priority, and optional business hours: a weekly schedule in an IANA time zone), and the
//! arithmetic the Worker stores on each ticket — when a target falls due (`BusinessHours::due`,
//! adding business time across nights, weekends and DST changes), how much business time lies
//! between two instants (`business_ms_between`: the time left when the clock pauses), and the
//! clock's moves (`Clock::start`, `pause`, `resume`, `retarget`).
//!
//! Time zones come from the tz database `jiff` bundles into the binary, so the Worker's Wasm
//! (which has no zoneinfo) and the host agree.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Priority;

const MINUTE_MS: i64 = 60_000;
/// The longest target a policy takes: a year.
pub const MAX_TARGET_MINUTES: u32 = 365 * 24 * 60;
/// How far ahead (in local days) a due time is searched for. A target that sparse business
/// hours cannot meet within ten years falls due at the search's end: "never", in practice.
const SEARCH_DAYS: i64 = 3_660;
/// Monday first, as `BusinessHours::week` is indexed.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Why a policy field was refused; `field` names the form field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlaError {
    #[error("Enter a duration like 30m, 4h, 2d or 1h 30m (at least 1 minute, at most 365 days).")]
    Duration { field: String },
    #[error("Enter opening hours like 09:00-17:00, separated by commas; leave empty when closed.")]
    Hours { field: String },
    #[error("Enter a time zone by its IANA name, like Europe/Paris or America/New_York.")]
    Zone { field: String },
    #[error("Business hours need at least one open period in the week.")]
    NoHours { field: String },
    #[error("The stored policy is not valid JSON.")]
    Stored,
}

impl SlaError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SlaError::Duration { .. } => "invalid_duration",
            SlaError::Hours { .. } => "invalid_hours",
            SlaError::Zone { .. } => "invalid_time_zone",
            SlaError::NoHours { .. } => "no_business_hours",
            SlaError::Stored => "invalid_policy",
        }
    }

    /// The form field it is about (`None` for a stored policy).
    pub fn field(&self) -> Option<&str> {
        match self {
            SlaError::Duration { field }
            | SlaError::Hours { field }
            | SlaError::Zone { field }
            | SlaError::NoHours { field } => Some(field),
            SlaError::Stored => None,
        }
    }
}

/// A priority's two targets, in minutes (`None`: no such target).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<u32>,
}

/// One open period of a day, local minutes since midnight, `[start, end)`; `end` may be 1440.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: u16,
    pub end: u16,
}

/// When the team works: per weekday (Monday first) zero or more periods, in a time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    zone_name: String,
    zone: TimeZone,
    week: [Vec<Period>; 7],
}

/// A site's SLA policy: targets per priority, and business hours or none (calendar time).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    /// Indexed like `Priority::ALL` (low, normal, high, urgent).
    pub targets: [Targets; 4],
    pub hours: Option<BusinessHours>,
}

/// The policy as stored (`sites.sla_policy`, JSON) and sent over the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyJson {
    #[serde(default)]
    pub targets: std::collections::BTreeMap<String, Targets>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<HoursJson>,
}

/// Business hours as stored: the zone's name and each weekday's periods as `HH:MM-HH:MM`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursJson {
    pub time_zone: String,
    /// Monday first; seven lists.
    pub week: Vec<Vec<String>>,
}

fn priority_index(p: Priority) -> usize {
    Priority::ALL.iter().position(|q| *q == p).unwrap_or(0)
}

/// `"30m"`, `"4h"`, `"2d"`, `"1h 30m"`, `"1d4h"` or plain minutes (`"90"`) → minutes, within
/// 1 minute ..= 365 days. Empty → `Ok(None)`.
pub fn parse_duration(raw: &str, field: &str) -> Result<Option<u32>, SlaError> {
    let err = || SlaError::Duration {
        field: field.to_owned(),
    };
    let text: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.is_empty() {
        return Ok(None);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let m: u64 = text.parse().map_err(|_| err())?;
        return check_minutes(m).ok_or_else(err).map(Some);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'd' => 24 * 60,
            'h' => 60,
            'm' => 1,
            _ => return Err(err()),
        };
        if number.is_empty() || number.len() > 7 {
            return Err(err());
        }
        let n: u64 = number.parse().map_err(|_| err())?;
        total += n * unit;
        number.clear();
    }
    if !number.is_empty() {
        return Err(err());
    }
    check_minutes(total).ok_or_else(err).map(Some)
}

fn check_minutes(m: u64) -> Option<u32> {
    (1..=u64::from(MAX_TARGET_MINUTES))
        .contains(&m)
        .then_some(m as u32)
}

/// Minutes as the form shows them: `1d 4h 30m`.
pub fn format_duration(minutes: u32) -> String {
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d}d"));
    }
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 || parts.is_empty() {
        parts.push(format!("{m}m"));
    }
    parts.join(" ")
}

fn parse_clock(raw: &str) -> Option<u16> {
    let (h, m) = raw.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h * 60 + m;
    (m < 60 && minutes <= 1440).then_some(minutes)
}

/// A day's periods: `"09:00-12:00, 13:00-17:00"` (empty: closed), sorted, non-overlapping.
pub fn parse_periods(raw: &str, field: &str) -> Result<Vec<Period>, SlaError> {
    let err = || SlaError::Hours {
        field: field.to_owned(),
    };
    let mut periods = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').ok_or_else(err)?;
        let (start, end) = (
            parse_clock(a).ok_or_else(err)?,
            parse_clock(b).ok_or_else(err)?,
        );
        if start >= end {
            return Err(err());
        }
        periods.push(Period { start, end });
    }
    periods.sort_by_key(|p| p.start);
    if periods.windows(2).any(|w| w[0].end > w[1].start) {
        return Err(err());
    }
    Ok(periods)
}

fn format_clock(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A day's periods as the form and the stored JSON spell them.
pub fn format_periods(periods: &[Period]) -> Vec<String> {
    periods
        .iter()
        .map(|p| format!("{}-{}", format_clock(p.start), format_clock(p.end)))
        .collect()
}

impl BusinessHours {
    /// `zone` by IANA name, and seven days of periods (Monday first); at least one period.
    pub fn new(zone: &str, week: [Vec<Period>; 7]) -> Result<Self, SlaError> {
        let name = zone.trim();
        let tz = (!name.is_empty() && name.len() <= 64)
            .then(|| TimeZone::get(name).ok())
            .flatten()
            .ok_or_else(|| SlaError::Zone {
                field: "time_zone".into(),
            })?;
        if week.iter().all(Vec::is_empty) {
            return Err(SlaError::NoHours {
                field: "monday".into(),
            });
        }
        Ok(BusinessHours {
            zone_name: name.to_owned(),
            zone: tz,
            week,
        })
    }

    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    pub fn week(&self) -> &[Vec<Period>; 7] {
        &self.week
    }

    /// The instant a local date's minute-of-day falls on (1440: the next day's midnight). A
    /// time the clocks skip maps to the instant after the gap; a repeated one to its first.
    fn instant(&self, date: Date, minute: u16) -> Option<i64> {
        let (date, minute) = if minute >= 1440 {
            (date.tomorrow().ok()?, 0)
        } else {
            (date, minute)
        };
        let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        let zoned = self.zone.to_ambiguous_zoned(dt).compatible().ok()?;
        Some(zoned.timestamp().as_millisecond())
    }

    fn local_date(&self, ms: i64) -> Option<Date> {
        let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
        Some(ts.to_zoned(self.zone.clone()).date())
    }

    /// Each open period as instants `[a, b)`, day by day from the local date of `from_ms`.
    fn periods_from(&self, from_ms: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
        let start = self.local_date(from_ms);
        (0..SEARCH_DAYS)
            .map_while(move |n| start?.checked_add(jiff::Span::new().days(n)).ok())
            .flat_map(move |date| {
                let day = weekday_index(date.weekday());
                self.week[day].iter().filter_map(move |p| {
                    Some((self.instant(date, p.start)?, self.instant(date, p.end)?))
                })
            })
    }

    /// When `target_ms` of business time from `start_ms` has passed.
    pub fn due(&self, start_ms: i64, target_ms: i64) -> i64 {
        if target_ms <= 0 {
            return start_ms;
        }
        let mut left = target_ms;
        let mut last = start_ms;
        for (a, b) in self.periods_from(start_ms) {
            let a = a.max(start_ms);
            if b <= a {
                continue;
            }
            if left <= b - a {
                return a + left;
            }
            left -= b - a;
            last = b;
        }
        last
    }

    /// Business time in `[a, b)` (0 when `b <= a`).
    pub fn business_ms_between(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let mut total = 0;
        for (s, e) in self.periods_from(a) {
            if s >= b {
                break;
            }
            let (s, e) = (s.max(a), e.min(b));
            if e > s {
                total += e - s;
            }
        }
        total
    }
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

/// `due` with calendar time when `hours` is `None`.
pub fn due(start_ms: i64, target_ms: i64, hours: Option<&BusinessHours>) -> i64 {
    match hours {
        Some(h) => h.due(start_ms, target_ms),
        None => start_ms.saturating_add(target_ms.max(0)),
    }
}

/// `business_ms_between` with calendar time when `hours` is `None`.
pub fn business_ms_between(a: i64, b: i64, hours: Option<&BusinessHours>) -> i64 {
    match hours {
        Some(h) => h.business_ms_between(a, b),
        None => (b - a).max(0),
    }
}

/// At most this many open periods are handed to a statement that moves a clock in SQL.
const MAX_PERIODS: usize = 2_000;

/// The open periods from `from_ms` on, as `[start, end, business ms before it]` triples,
/// enough to hold `cover_ms` of business time: what a statement that reads the ticket's clock
/// in the database (`sql::tickets::settle_sla`) needs to pause or resume it exactly as
/// `Clock::pause` and `Clock::resume` would. Calendar time is one period.
pub fn periods(hours: Option<&BusinessHours>, from_ms: i64, cover_ms: i64) -> Vec<[i64; 3]> {
    let Some(hours) = hours else {
        return vec![[from_ms, from_ms.saturating_add(cover_ms.max(0)), 0]];
    };
    let mut out = Vec::new();
    let mut before = 0;
    for (a, b) in hours.periods_from(from_ms) {
        let a = a.max(from_ms);
        if b <= a {
            continue;
        }
        out.push([a, b, before]);
        before += b - a;
        if before >= cover_ms || out.len() >= MAX_PERIODS {
            break;
        }
    }
    out
}

impl Policy {
    pub fn targets(&self, priority: Priority) -> Targets {
        self.targets[priority_index(priority)]
    }

    pub fn set_targets(&mut self, priority: Priority, targets: Targets) {
        self.targets[priority_index(priority)] = targets;
    }

    /// The longest resolution target: how much business time a paused clock can hold.
    pub fn longest_resolution_ms(&self) -> i64 {
        let longest = self.targets.iter().filter_map(|t| t.resolution).max();
        i64::from(longest.unwrap_or(MAX_TARGET_MINUTES)) * MINUTE_MS
    }

    /// No target at all: the site keeps no SLA.
    pub fn is_empty(&self) -> bool {
        self.targets
            .iter()
            .all(|t| t.first_response.is_none() && t.resolution.is_none())
    }

    pub fn to_json(&self) -> PolicyJson {
        PolicyJson {
            targets: Priority::ALL
                .iter()
                .map(|p| (p.as_str().to_owned(), self.targets(*p)))
                .filter(|(_, t)| *t != Targets::default())
                .collect(),
            hours: self.hours.as_ref().map(|h| HoursJson {
                time_zone: h.zone_name.clone(),
                week: h.week.iter().map(|d| format_periods(d)).collect(),
            }),
        }
    }

    /// The stored text (`None` for a policy without targets: the column is NULL).
    pub fn to_stored(&self) -> Option<String> {
        (!self.is_empty()).then(|| serde_json::to_string(&self.to_json()).unwrap_or_default())
    }

    /// Checks every value as a form would (targets within range, hours well formed).
    pub fn from_json(json: &PolicyJson) -> Result<Self, SlaError> {
        let mut policy = Policy::default();
        for (name, t) in &json.targets {
            let p = Priority::parse(name).map_err(|_| SlaError::Duration {
                field: name.clone(),
            })?;
            for (minutes, which) in [
                (t.first_response, "first_response"),
                (t.resolution, "resolution"),
            ] {
                if let Some(m) = minutes
                    && check_minutes(u64::from(m)).is_none()
                {
                    return Err(SlaError::Duration {
                        field: format!("{name}_{which}"),
                    });
                }
            }
            policy.set_targets(p, *t);
        }
        if let Some(h) = &json.hours {
            if h.week.len() != 7 {
                return Err(SlaError::Hours {
                    field: "week".into(),
                });
            }
            let mut week: [Vec<Period>; 7] = Default::default();
            for (i, day) in h.week.iter().enumerate() {
                week[i] = parse_periods(&day.join(","), WEEKDAYS[i])?;
            }
            policy.hours = Some(BusinessHours::new(&h.time_zone, week)?);
        }
        Ok(policy)
    }

    /// A stored policy; `None` (no column value, or text that no longer parses) keeps no SLA.
    pub fn from_stored(text: Option<&str>) -> Option<Self> {
        let json: PolicyJson = serde_json::from_str(text?).ok()?;
        Policy::from_json(&json).ok().filter(|p| !p.is_empty())
    }
}

/// A ticket's SLA columns (all Unix ms; see migration 0029).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    pub first_response_due_at: Option<i64>,
    pub first_responded_at: Option<i64>,
    /// `None` while paused (or without a resolution target).
    pub resolution_due_at: Option<i64>,
    /// Business time left while paused.
    pub resolution_left_ms: Option<i64>,
}

impl Clock {
    /// A new ticket's clock: both targets counted from its creation.
    pub fn start(policy: &Policy, priority: Priority, now_ms: i64) -> Clock {
        let t = policy.targets(priority);
        let hours = policy.hours.as_ref();
        let due_in = |m: Option<u32>| m.map(|m| due(now_ms, i64::from(m) * MINUTE_MS, hours));
        Clock {
            first_response_due_at: due_in(t.first_response),
            first_responded_at: None,
            resolution_due_at: due_in(t.resolution),
            resolution_left_ms: None,
        }
    }

    /// The resolution clock is paused (waiting on the customer, resolved or closed).
    pub fn is_paused(&self) -> bool {
        self.resolution_left_ms.is_some()
    }

    /// Stops the resolution clock, keeping the business time it had left (0 once overdue).
    /// `keep_due`: the due time stays readable (a resolved ticket's attainment is judged by
    /// it); otherwise it is cleared, so nothing is due while the customer is awaited.
    pub fn pause(self, hours: Option<&BusinessHours>, now_ms: i64, keep_due: bool) -> Clock {
        let Some(due_at) = self.resolution_due_at else {
            return self;
        };
        if self.is_paused() {
            return self;
        }
        Clock {
            resolution_left_ms: Some(business_ms_between(now_ms, due_at, hours)),
            resolution_due_at: keep_due.then_some(due_at),
            ..self
        }
    }

    /// Starts a paused resolution clock again with the business time it had left.
    pub fn resume(self, hours: Option<&BusinessHours>, now_ms: i64) -> Clock {
        let Some(left) = self.resolution_left_ms else {
            return self;
        };
        Clock {
            resolution_due_at: Some(due(now_ms, left, hours)),
            resolution_left_ms: None,
            ..self
        }
    }

    /// The priority changed from `from` to `to`: each target is measured again, from the
    /// ticket's creation, with the new priority's length. First response (while still owed)
    /// falls due at creation plus the new target. Resolution keeps the business time already
    /// used: the new target less what was used is what is left (from now, or kept paused).
    pub fn retarget(
        self,
        policy: &Policy,
        from: Priority,
        to: Priority,
        created_at_ms: i64,
        now_ms: i64,
    ) -> Clock {
        let hours = policy.hours.as_ref();
        let (old, new) = (policy.targets(from), policy.targets(to));
        let mins = |m: u32| i64::from(m) * MINUTE_MS;
        let first_response_due_at = match (self.first_responded_at, new.first_response) {
            (Some(_), _) => self.first_response_due_at,
            (None, Some(m)) => Some(due(created_at_ms, mins(m), hours)),
            (None, None) => None,
        };
        let used = match (
            old.resolution,
            self.resolution_left_ms,
            self.resolution_due_at,
        ) {
            (Some(m), Some(left), _) => (mins(m) - left).max(0),
            (Some(m), None, Some(due_at)) => {
                (mins(m) - business_ms_between(now_ms, due_at, hours)).max(0)
            }
            _ => business_ms_between(created_at_ms, now_ms, hours),
        };
        let (resolution_due_at, resolution_left_ms) = match new.resolution {
            None => (None, None),
            Some(m) => {
                let left = (mins(m) - used).max(0);
                if self.is_paused() {
                    (self.resolution_due_at, Some(left))
                } else {
                    (Some(due(now_ms, left, hours)), None)
                }
            }
        };
        Clock {
            first_response_due_at,
            first_responded_at: self.first_responded_at,
            resolution_due_at,
            resolution_left_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 60 * MINUTE_MS;

    fn ms(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    fn nine_to_five(zone: &str) -> BusinessHours {
        let day = vec![Period {
            start: 9 * 60,
            end: 17 * 60,
        }];
        let mut week: [Vec<Period>; 7] = Default::default();
        for d in week.iter_mut().take(5) {
            *d = day.clone();
        }
        BusinessHours::new(zone, week).unwrap()
    }

    #[test]
    fn durations_parse_in_range() {
        assert_eq!(parse_duration("90", "f"), Ok(Some(90)));
        assert_eq!(parse_duration("1h 30m", "f"), Ok(Some(90)));
        assert_eq!(parse_duration("2D", "f"), Ok(Some(2880)));
        assert_eq!(parse_duration(" ", "f"), Ok(None));
        for bad in ["0", "0m", "366d", "4x", "h", "1h30", "-5m"] {
            assert!(parse_duration(bad, "f").is_err(), "{bad}");
        }
        assert_eq!(format_duration(1710), "1d 4h 30m");
        assert_eq!(format_duration(60), "1h");
    }

    #[test]
    fn periods_and_zones_are_checked() {
        assert_eq!(
            parse_periods("13:00-17:00, 09:00-12:00", "monday").unwrap(),
            vec![
                Period {
                    start: 540,
                    end: 720
                },
                Period {
                    start: 780,
                    end: 1020
                }
            ]
        );
        assert!(parse_periods("00:00-24:00", "d").is_ok());
        for bad in [
            "9-17",
            "17:00-09:00",
            "09:00-12:00,11:00-13:00",
            "25:00-26:00",
        ] {
            assert!(parse_periods(bad, "d").is_err(), "{bad}");
        }
        assert!(BusinessHours::new("Mars/Olympus", Default::default()).is_err());
        let closed: [Vec<Period>; 7] = Default::default();
        assert!(matches!(
            BusinessHours::new("Europe/Paris", closed),
            Err(SlaError::NoHours { .. })
        ));
    }

    #[test]
    fn calendar_time_adds_plainly() {
        assert_eq!(due(1_000, 4 * H, None), 1_000 + 4 * H);
        assert_eq!(business_ms_between(5, 2, None), 0);
    }

    #[test]
    fn business_hours_skip_the_night_and_the_weekend() {
        let hours = nine_to_five("Europe/Paris");
        // Friday 2026-01-09 16:00 Paris (UTC+1) + 4 business hours: 1 h on Friday, 3 on Monday.
        let start = ms("2026-01-09T15:00:00Z");
        assert_eq!(hours.due(start, 4 * H), ms("2026-01-12T11:00:00Z"));
        assert_eq!(
            hours.business_ms_between(start, ms("2026-01-12T11:00:00Z")),
            4 * H
        );
        // Saturday: the clock starts on Monday at 09:00.
        assert_eq!(
            hours.due(ms("2026-01-10T10:00:00Z"), H),
            ms("2026-01-12T09:00:00Z")
        );
    }

    #[test]
    fn business_hours_cross_the_spring_dst_change() {
        // Europe/Paris moves to UTC+2 on Sunday 2026-03-29. Friday 27th 16:00 (UTC+1) + 2 h:
        // 1 h on Friday, then Monday 30th 10:00 local, which is 08:00 UTC.
        let hours = nine_to_five("Europe/Paris");
        let start = ms("2026-03-27T15:00:00Z");
        assert_eq!(hours.due(start, 2 * H), ms("2026-03-30T08:00:00Z"));
        assert_eq!(
            hours.business_ms_between(start, ms("2026-03-30T08:00:00Z")),
            2 * H
        );
    }

    #[test]
    fn business_hours_cross_the_autumn_dst_change() {
        // Back to UTC+1 on Sunday 2026-10-25. Friday 23rd 16:00 (UTC+2) + 2 h: Monday 26th 10:00
        // local = 09:00 UTC.
        let hours = nine_to_five("Europe/Paris");
        assert_eq!(
            hours.due(ms("2026-10-23T14:00:00Z"), 2 * H),
            ms("2026-10-26T09:00:00Z")
        );
        // A round-the-clock Sunday on the change night holds 25 hours of business time.
        let mut week: [Vec<Period>; 7] = Default::default();
        week[6] = vec![Period {
            start: 0,
            end: 1440,
        }];
        let sundays = BusinessHours::new("Europe/Paris", week).unwrap();
        assert_eq!(
            sundays.business_ms_between(ms("2026-10-24T00:00:00Z"), ms("2026-10-27T00:00:00Z")),
            25 * H
        );
        assert_eq!(
            sundays.business_ms_between(ms("2026-03-28T00:00:00Z"), ms("2026-03-31T00:00:00Z")),
            23 * H
        );
    }

    fn policy(hours: Option<BusinessHours>) -> Policy {
        let mut p = Policy {
            hours,
            ..Policy::default()
        };
        p.set_targets(
            Priority::Normal,
            Targets {
                first_response: Some(60),
                resolution: Some(8 * 60),
            },
        );
        p.set_targets(
            Priority::Urgent,
            Targets {
                first_response: Some(15),
                resolution: Some(2 * 60),
            },
        );
        p
    }

    #[test]
    fn pause_keeps_the_time_left_and_resume_restarts_it() {
        let p = policy(None);
        let clock = Clock::start(&p, Priority::Normal, 0);
        assert_eq!(clock.resolution_due_at, Some(8 * H));
        // Waiting on the customer after 3 h: 5 h left, nothing due.
        let paused = clock.pause(None, 3 * H, false);
        assert_eq!(paused.resolution_due_at, None);
        assert_eq!(paused.resolution_left_ms, Some(5 * H));
        assert!(paused.is_paused());
        // Pausing twice changes nothing.
        assert_eq!(paused.pause(None, 4 * H, false), paused);
        // The customer answers a day later: due 5 h from then.
        let resumed = paused.resume(None, 27 * H);
        assert_eq!(resumed.resolution_due_at, Some(32 * H));
        assert_eq!(resumed.resolution_left_ms, None);
        // Resolved late: no time left, and the due time is kept for attainment.
        let resolved = resumed.pause(None, 40 * H, true);
        assert_eq!(resolved.resolution_left_ms, Some(0));
        assert_eq!(resolved.resolution_due_at, Some(32 * H));
        assert_eq!(
            resolved.resume(None, 50 * H).resolution_due_at,
            Some(50 * H)
        );
    }

    #[test]
    fn pause_and_resume_count_business_time() {
        let hours = nine_to_five("Europe/Paris");
        let p = policy(Some(hours.clone()));
        // Monday 2026-01-12 09:00 Paris: resolution due at 17:00.
        let created = ms("2026-01-12T08:00:00Z");
        let clock = Clock::start(&p, Priority::Normal, created);
        assert_eq!(clock.resolution_due_at, Some(ms("2026-01-12T16:00:00Z")));
        // Paused at 15:00 local (2 business hours left) over the night, resumed Tuesday 10:00.
        let paused = clock.pause(Some(&hours), ms("2026-01-12T14:00:00Z"), false);
        assert_eq!(paused.resolution_left_ms, Some(2 * H));
        let resumed = paused.resume(Some(&hours), ms("2026-01-13T09:00:00Z"));
        assert_eq!(resumed.resolution_due_at, Some(ms("2026-01-13T11:00:00Z")));
    }

    #[test]
    fn a_priority_change_retargets() {
        let p = policy(None);
        let clock = Clock::start(&p, Priority::Normal, 0);
        // Urgent after 10 minutes: first response due at 15 min; resolution 2 h less the 10
        // minutes used.
        let urgent = clock.retarget(&p, Priority::Normal, Priority::Urgent, 0, 10 * MINUTE_MS);
        assert_eq!(urgent.first_response_due_at, Some(15 * MINUTE_MS));
        assert_eq!(urgent.resolution_due_at, Some(2 * H));
        // Already answered: the first-response due time stays as it was.
        let answered = Clock {
            first_responded_at: Some(MINUTE_MS),
            ..clock
        };
        let again = answered.retarget(&p, Priority::Normal, Priority::Urgent, 0, 10 * MINUTE_MS);
        assert_eq!(again.first_response_due_at, Some(H));
        // While paused the new left time is kept, not started.
        let paused = clock.pause(None, H, false);
        let retargeted = paused.retarget(&p, Priority::Normal, Priority::Urgent, 0, 3 * H);
        assert_eq!(retargeted.resolution_left_ms, Some(H));
        assert_eq!(retargeted.resolution_due_at, None);
        // A priority without targets clears the clock.
        let low = clock.retarget(&p, Priority::Normal, Priority::Low, 0, H);
        assert_eq!(low, Clock::default());
    }

    #[test]
    fn periods_cover_the_time_asked_for() {
        let hours = nine_to_five("Europe/Paris");
        let from = ms("2026-01-09T15:00:00Z");
        let p = periods(Some(&hours), from, 9 * H);
        assert_eq!(p[0], [from, ms("2026-01-09T16:00:00Z"), 0]);
        assert_eq!(
            p[1],
            [ms("2026-01-12T08:00:00Z"), ms("2026-01-12T16:00:00Z"), H]
        );
        assert_eq!(p.len(), 2);
        assert_eq!(periods(None, 5, 10), vec![[5, 15, 0]]);
    }

    #[test]
    fn the_policy_round_trips_through_json() {
        let p = policy(Some(nine_to_five("America/New_York")));
        let stored = p.to_stored().unwrap();
        assert_eq!(Policy::from_stored(Some(&stored)), Some(p));
        assert_eq!(Policy::default().to_stored(), None);
        assert_eq!(Policy::from_stored(Some("{")), None);
    }
}
