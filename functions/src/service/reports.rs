//! The reports an owner or admin reads at `/app/reports`: tickets created per day by source,
//! first-response and resolution times (median and 90th percentile per ISO week and per
//! priority), SLA attainment per priority, the backlog now by status and by team, and the top
//! labels and intents, over a date range of UTC days. Read in ONE batch
//! (`sql::reports`, which has the definitions); the percentiles are taken here from each
//! group's durations.

use serde::Deserialize;
use thiserror::Error;
use ticketbooth_shared::event::Source;
use ticketbooth_shared::priority::Priority;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operators::Operator;
use crate::sql::reports::{self, DAY_MS};
use crate::store::{Executor, Row, Statement, StoreError, decode};

/// Who may read reports: the site's whole workload and every team's figures are for the people
/// who run the site (owners and admins), as its settings are.
pub const READ_REPORTS: Action = Action::ManageSettings;

/// The range shown when none is asked for: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest range: a year, leap day included.
pub const MAX_DAYS: i64 = 366;

/// Why a range was refused; nothing is read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RangeError {
    #[error("The {field} date must be a day written as YYYY-MM-DD, like 2026-11-30.")]
    BadDate { field: &'static str },
    #[error("The start date is after the end date.")]
    Backwards,
    #[error("The range is {days} days long; a report covers at most {MAX_DAYS} days.")]
    TooLong { days: i64 },
    #[error("There is no report section called “{0}”.")]
    UnknownSection(String),
}

impl RangeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RangeError::BadDate { .. } => "invalid_date",
            RangeError::Backwards => "range_backwards",
            RangeError::TooLong { .. } => "range_too_long",
            RangeError::UnknownSection(_) => "unknown_section",
        }
    }
}

/// A range of whole UTC days, both ends included, in days since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from_day: i64,
    pub to_day: i64,
}

#[derive(Default)]
struct RawQuery {
    from: String,
    to: String,
}

impl Range {
    /// Reads `from` and `to` (YYYY-MM-DD, inclusive) from a query string; either may be left
    /// out or empty: `to` is then today, `from` the day 29 days before `to`.
    pub fn parse(query: &str, now: Timestamp) -> Result<Self, RangeError> {
        let raw: RawQuery = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map(|pairs| {
                let mut raw = RawQuery::default();
                for (k, v) in pairs {
                    match k.as_str() {
                        "from" => raw.from = v,
                        "to" => raw.to = v,
                        _ => {}
                    }
                }
                raw
            })
            .map_err(|_| RangeError::BadDate { field: "start" })?;
        let today = now.millis().div_euclid(DAY_MS);
        let to_day = match raw.to.trim() {
            "" => today,
            day => parse_day(day).ok_or(RangeError::BadDate { field: "end" })?,
        };
        let from_day = match raw.from.trim() {
            "" => to_day - (DEFAULT_DAYS - 1),
            day => parse_day(day).ok_or(RangeError::BadDate { field: "start" })?,
        };
        if from_day > to_day {
            return Err(RangeError::Backwards);
        }
        let days = to_day - from_day + 1;
        if days > MAX_DAYS {
            return Err(RangeError::TooLong { days });
        }
        Ok(Range { from_day, to_day })
    }

    pub fn days(self) -> i64 {
        self.to_day - self.from_day + 1
    }

    /// The first millisecond in the range.
    pub fn from_ms(self) -> i64 {
        self.from_day * DAY_MS
    }

    /// The first millisecond after the range.
    pub fn until_ms(self) -> i64 {
        (self.to_day + 1) * DAY_MS
    }
}

/// `2026-11-30` as days since the epoch; `None` for anything else.
fn parse_day(raw: &str) -> Option<i64> {
    let digits_and_dashes = raw.len() == 10
        && raw
            .bytes()
            .enumerate()
            .all(|(i, b)| matches!(i, 4 | 7) == (b == b'-') && (b == b'-' || b.is_ascii_digit()));
    if !digits_and_dashes {
        return None;
    }
    let at = Timestamp::parse_utc(&format!("{raw}T00:00")).ok()?;
    Some(at.millis().div_euclid(DAY_MS))
}

/// A day (days since the epoch) as `2026-11-30`.
pub fn day_text(day: i64) -> String {
    Timestamp::from_millis(day * DAY_MS).to_rfc3339()[..10].to_owned()
}

/// A count with its name (a status, a team, a label, an intent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub name: String,
    pub n: i64,
}

/// One day's new tickets, per source in `Source::ALL`'s order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCounts {
    pub day: i64,
    pub by_source: [i64; Source::ALL.len()],
}

impl DayCounts {
    pub fn total(&self) -> i64 {
        self.by_source.iter().sum()
    }
}

/// The median and 90th percentile of one group's durations (nearest rank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Percentiles {
    /// The week's Monday (`2026-11-30`) or the priority (`urgent`).
    pub key: String,
    pub n: usize,
    pub median_ms: i64,
    pub p90_ms: i64,
}

/// One measure of time (first response or resolution) per week and per priority.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timing {
    /// Weeks with at least one duration, oldest first.
    pub by_week: Vec<Percentiles>,
    /// Priorities with at least one duration, lowest first.
    pub by_priority: Vec<Percentiles>,
}

/// How tickets with a target fared against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct Outcomes {
    pub met: i64,
    pub missed: i64,
    /// Not done yet and not yet due (or paused): counted in neither share.
    pub running: i64,
}

impl Outcomes {
    /// The share met among those decided, in whole percent; `None` when none is decided.
    pub fn percent_met(self) -> Option<i64> {
        let decided = self.met + self.missed;
        // Rounded half up, in integers: (200·met + decided) / (2·decided).
        (decided > 0).then(|| (200 * self.met + decided) / (2 * decided))
    }

    fn add(&mut self, other: Outcomes) {
        self.met += other.met;
        self.missed += other.missed;
        self.running += other.running;
    }
}

/// SLA attainment of one priority (or of all: `priority` "all").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attainment {
    pub priority: String,
    pub first_response: Outcomes,
    pub resolution: Outcomes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub range: Range,
    /// Every day of the range, empty ones included.
    pub created: Vec<DayCounts>,
    pub first_response: Timing,
    pub resolution: Timing,
    /// Per priority (those with a target), then "all".
    pub attainment: Vec<Attainment>,
    /// Open, then pending.
    pub backlog_by_status: Vec<Count>,
    /// Teams by name, then "No team"; only those with a backlog.
    pub backlog_by_team: Vec<Count>,
    pub top_labels: Vec<Count>,
    pub top_intents: Vec<Count>,
}

impl Report {
    pub fn created_by_source(&self) -> [i64; Source::ALL.len()] {
        let mut totals = [0; Source::ALL.len()];
        for day in &self.created {
            for (total, n) in totals.iter_mut().zip(day.by_source) {
                *total += n;
            }
        }
        totals
    }
}

/// The report's reads, in the order `from_answers` takes their answers.
pub fn statements(site_id: i64, range: Range, now: Timestamp) -> Vec<Statement> {
    let (from, until) = (range.from_ms(), range.until_ms());
    vec![
        reports::created_per_day(site_id, from, until),
        reports::durations(site_id, from, until),
        reports::attainment(site_id, from, until, now.millis()),
        reports::backlog(site_id),
        reports::top_labels(site_id, from, until),
        reports::top_intents(site_id, from, until),
    ]
}

/// Reads the site's report in one round trip; owners and admins only.
pub async fn read<E: Executor>(
    db: &E,
    op: &Operator,
    range: Range,
    now: Timestamp,
) -> Result<Report, ServiceError> {
    op.require(READ_REPORTS)?;
    let answers = db.batch(statements(op.site_id, range, now)).await?;
    Ok(from_answers(range, answers)?)
}

#[derive(Deserialize)]
struct DayRow {
    day: i64,
    source: String,
    n: i64,
}

#[derive(Deserialize)]
struct DurationRow {
    week: i64,
    priority: String,
    first_response: Option<String>,
    resolution: Option<String>,
}

#[derive(Deserialize)]
struct AttainmentRow {
    priority: String,
    first_met: i64,
    first_missed: i64,
    first_running: i64,
    resolution_met: i64,
    resolution_missed: i64,
    resolution_running: i64,
}

#[derive(Deserialize)]
struct BacklogRow {
    status: String,
    team: Option<String>,
    n: i64,
}

#[derive(Deserialize)]
struct LabelRow {
    label: String,
    n: i64,
}

#[derive(Deserialize)]
struct IntentRow {
    intent: String,
    n: i64,
}

fn rows<T: serde::de::DeserializeOwned>(rows: Option<Vec<Row>>) -> Result<Vec<T>, StoreError> {
    rows.unwrap_or_default().into_iter().map(decode).collect()
}

/// The report from the answers to `statements` (in that order).
pub fn from_answers(range: Range, answers: Vec<Vec<Row>>) -> Result<Report, StoreError> {
    let mut answers = answers.into_iter();
    let days: Vec<DayRow> = rows(answers.next())?;
    let durations: Vec<DurationRow> = rows(answers.next())?;
    let attainment: Vec<AttainmentRow> = rows(answers.next())?;
    let backlog: Vec<BacklogRow> = rows(answers.next())?;
    let labels: Vec<LabelRow> = rows(answers.next())?;
    let intents: Vec<IntentRow> = rows(answers.next())?;

    let mut created: Vec<DayCounts> = (range.from_day..=range.to_day)
        .map(|day| DayCounts {
            day,
            by_source: [0; Source::ALL.len()],
        })
        .collect();
    for row in days {
        let (Ok(offset), Some(source)) = (
            usize::try_from(row.day - range.from_day),
            Source::ALL.iter().position(|s| s.as_str() == row.source),
        ) else {
            continue;
        };
        if let Some(day) = created.get_mut(offset) {
            day.by_source[source] += row.n;
        }
    }

    let (first_response, resolution) = timings(&durations)?;

    let mut all = Attainment {
        priority: "all".to_owned(),
        first_response: Outcomes::default(),
        resolution: Outcomes::default(),
    };
    let mut by_priority: Vec<Attainment> = attainment
        .into_iter()
        .map(|r| Attainment {
            priority: r.priority,
            first_response: Outcomes {
                met: r.first_met,
                missed: r.first_missed,
                running: r.first_running,
            },
            resolution: Outcomes {
                met: r.resolution_met,
                missed: r.resolution_missed,
                running: r.resolution_running,
            },
        })
        .collect();
    by_priority.sort_by_key(|a| priority_rank(&a.priority));
    for a in &by_priority {
        all.first_response.add(a.first_response);
        all.resolution.add(a.resolution);
    }
    by_priority.push(all);

    let mut by_status = vec![
        Count {
            name: "open".to_owned(),
            n: 0,
        },
        Count {
            name: "pending".to_owned(),
            n: 0,
        },
    ];
    let mut by_team: Vec<Count> = Vec::new();
    let mut no_team = 0;
    for row in backlog {
        if let Some(status) = by_status.iter_mut().find(|c| c.name == row.status) {
            status.n += row.n;
        }
        match row.team {
            Some(team) => match by_team.iter_mut().find(|c| c.name == team) {
                Some(count) => count.n += row.n,
                None => by_team.push(Count {
                    name: team,
                    n: row.n,
                }),
            },
            None => no_team += row.n,
        }
    }
    by_team.sort_by(|a, b| a.name.cmp(&b.name));
    if no_team > 0 {
        by_team.push(Count {
            name: NO_TEAM.to_owned(),
            n: no_team,
        });
    }

    Ok(Report {
        range,
        created,
        first_response,
        resolution,
        attainment: by_priority,
        backlog_by_status: by_status,
        backlog_by_team: by_team,
        top_labels: labels
            .into_iter()
            .map(|r| Count {
                name: r.label,
                n: r.n,
            })
            .collect(),
        top_intents: intents
            .into_iter()
            .map(|r| Count {
                name: r.intent,
                n: r.n,
            })
            .collect(),
    })
}

/// The backlog's row for tickets without a team.
pub const NO_TEAM: &str = "No team";

/// Lowest priority first; anything unknown last.
fn priority_rank(raw: &str) -> usize {
    Priority::ALL
        .iter()
        .position(|p| p.as_str() == raw)
        .unwrap_or(Priority::ALL.len())
}

/// The durations of each (week, priority) group into percentiles per week and per priority.
fn timings(rows: &[DurationRow]) -> Result<(Timing, Timing), StoreError> {
    let mut first = Groups::default();
    let mut resolution = Groups::default();
    for row in rows {
        for (groups, list) in [
            (&mut first, &row.first_response),
            (&mut resolution, &row.resolution),
        ] {
            let Some(list) = list else { continue };
            let values = parse_list(list)?;
            groups.add(row.week, &row.priority, &values);
        }
    }
    Ok((first.into_timing(), resolution.into_timing()))
}

/// `group_concat`'s comma-separated integers.
fn parse_list(list: &str) -> Result<Vec<i64>, StoreError> {
    list.split(',')
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| StoreError::RowShape(format!("not a duration: {v}")))
        })
        .collect()
}

#[derive(Default)]
struct Groups {
    weeks: Vec<(i64, Vec<i64>)>,
    priorities: Vec<(String, Vec<i64>)>,
}

impl Groups {
    fn add(&mut self, week: i64, priority: &str, values: &[i64]) {
        match self.weeks.iter_mut().find(|(w, _)| *w == week) {
            Some((_, all)) => all.extend_from_slice(values),
            None => self.weeks.push((week, values.to_vec())),
        }
        match self.priorities.iter_mut().find(|(p, _)| p == priority) {
            Some((_, all)) => all.extend_from_slice(values),
            None => self.priorities.push((priority.to_owned(), values.to_vec())),
        }
    }

    fn into_timing(mut self) -> Timing {
        self.weeks.sort_by_key(|(w, _)| *w);
        self.priorities.sort_by_key(|(p, _)| priority_rank(p));
        Timing {
            by_week: self
                .weeks
                .into_iter()
                .filter_map(|(w, v)| percentiles(day_text(w), v))
                .collect(),
            by_priority: self
                .priorities
                .into_iter()
                .filter_map(|(p, v)| percentiles(p, v))
                .collect(),
        }
    }
}

/// The median and 90th percentile by nearest rank: the values at ranks `ceil(n/2)` and
/// `ceil(9n/10)` (1-based) of the sorted durations. `None` for no durations.
pub fn percentiles(key: String, mut values: Vec<i64>) -> Option<Percentiles> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    values.sort_unstable();
    Some(Percentiles {
        key,
        n,
        median_ms: values[n.div_ceil(2) - 1],
        p90_ms: values[(9 * n).div_ceil(10) - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_427_280_000; // 2026-11-23T09:48Z

    fn now() -> Timestamp {
        Timestamp::from_millis(NOW)
    }

    #[test]
    fn the_default_range_is_the_last_30_days_with_today() {
        let range = Range::parse("", now()).unwrap();
        assert_eq!(day_text(range.to_day), "2026-11-23");
        assert_eq!(day_text(range.from_day), "2026-10-25");
        assert_eq!(range.days(), 30);
        let range = Range::parse("from=&to=2026-01-31", now()).unwrap();
        assert_eq!(
            (day_text(range.from_day), day_text(range.to_day)),
            ("2026-01-02".to_owned(), "2026-01-31".to_owned())
        );
        assert_eq!(range.until_ms() - range.from_ms(), 30 * DAY_MS);
    }

    #[test]
    fn a_range_is_whole_days_and_at_most_366() {
        let range = Range::parse("from=2024-03-01&to=2025-03-01", now()).unwrap();
        assert_eq!(range.days(), 366);
        assert_eq!(
            Range::parse("from=2024-02-29&to=2025-03-01", now()),
            Err(RangeError::TooLong { days: 367 })
        );
        assert_eq!(
            Range::parse("from=2026-11-02&to=2026-11-01", now()),
            Err(RangeError::Backwards)
        );
        let one = Range::parse("from=2026-11-01&to=2026-11-01", now()).unwrap();
        assert_eq!(one.days(), 1);
    }

    #[test]
    fn a_date_is_yyyy_mm_dd_and_a_real_day() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-11-01",
            "2026-1-01",
            "2026-11-01T00:00",
            "2026/11/01",
            "yesterday",
            "+026-11-01",
            "2026-11-0١",
        ] {
            let query = format!("from={}", urlencode(bad));
            assert_eq!(
                Range::parse(&query, now()),
                Err(RangeError::BadDate { field: "start" }),
                "{bad}"
            );
            let query = format!("to={}", urlencode(bad));
            assert_eq!(
                Range::parse(&query, now()),
                Err(RangeError::BadDate { field: "end" }),
                "{bad}"
            );
        }
        assert_eq!(
            RangeError::TooLong { days: 400 }.to_string(),
            "The range is 400 days long; a report covers at most 366 days."
        );
        assert_eq!(RangeError::Backwards.code(), "range_backwards");
    }

    fn urlencode(raw: &str) -> String {
        serde_urlencoded::to_string([("x", raw)]).unwrap()[2..].to_owned()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let p = percentiles("w".into(), vec![5, 1, 4, 2, 3]).unwrap();
        assert_eq!((p.n, p.median_ms, p.p90_ms), (5, 3, 5));
        let p = percentiles("w".into(), vec![40, 10, 30, 20]).unwrap();
        assert_eq!((p.median_ms, p.p90_ms), (20, 40));
        let p = percentiles("w".into(), (1..=10).rev().collect()).unwrap();
        assert_eq!((p.median_ms, p.p90_ms), (5, 9));
        let p = percentiles("w".into(), vec![7]).unwrap();
        assert_eq!((p.median_ms, p.p90_ms), (7, 7));
        assert_eq!(percentiles("w".into(), vec![]), None);
    }

    #[test]
    fn attainment_is_the_share_met_of_those_decided() {
        let o = |met, missed, running| Outcomes {
            met,
            missed,
            running,
        };
        assert_eq!(o(1, 1, 5).percent_met(), Some(50));
        assert_eq!(o(2, 1, 0).percent_met(), Some(67));
        assert_eq!(o(1, 2, 0).percent_met(), Some(33));
        assert_eq!(o(0, 0, 3).percent_met(), None);
        assert_eq!(o(7, 0, 0).percent_met(), Some(100));
    }
}
