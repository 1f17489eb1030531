//! What an operator asks of the ticket list, parsed from URL query pairs: the one parser behind
//! the dashboard list, the board and `GET /api/v1/tickets`, so all three accept the same
//! filters and refuse the same mistakes (each under its own field name, all at once).
//!
//! `to_pairs` writes a query back in one canonical spelling (what links and saved views hold).
//! The cursor is carried here as its plain text (`Cursor::to_text`); making it opaque (base64url)
//! is the caller's business, because `shared` takes no encoding crates.

use std::collections::BTreeMap;

use crate::classification::{Intent, Topic};
use crate::event::Source;
use crate::field_error::FieldError;
use crate::ids::{OperatorId, TicketId};
use crate::label::Label;
use crate::new_ticket::ValidationErrors;
use crate::timestamp::Timestamp;
use crate::waiting::WaitingOn;
use crate::{Priority, Status};

/// The longest search text kept; a longer one is refused rather than cut.
pub const MAX_SEARCH_CHARS: usize = 200;
/// The most search terms used; a search is a few words, not a document.
pub const MAX_SEARCH_TERMS: usize = 12;

/// `source=`: one stored source (`widget`, `bot`, `operator`, `api`, `email`), or `human` — operator or
/// API, what the product calls human-created (`classification::Origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFilter {
    One(Source),
    Human,
}

impl SourceFilter {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "human" => Ok(SourceFilter::Human),
            other => Source::parse(other).map(SourceFilter::One),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceFilter::One(source) => source.as_str(),
            SourceFilter::Human => "human",
        }
    }

    /// The stored sources it matches.
    pub fn sources(self) -> Vec<Source> {
        match self {
            SourceFilter::One(source) => vec![source],
            SourceFilter::Human => crate::classification::Origin::HumanCreated.sources(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// The operator who asks.
    Me,
    Unassigned,
    Operator(OperatorId),
}

/// `team=`: one of the site's teams (its id), or `none` (tickets no team works).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamFilter {
    Team(i64),
    NoTeam,
}

impl TeamFilter {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw == "none" {
            return Ok(TeamFilter::NoTeam);
        }
        // A team's id is a positive row id, written in plain digits.
        if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::InvalidFormat);
        }
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(TeamFilter::Team(id)),
            _ => Err(FieldError::InvalidFormat),
        }
    }

    pub fn to_param(self) -> String {
        match self {
            TeamFilter::Team(id) => id.to_string(),
            TeamFilter::NoTeam => "none".to_owned(),
        }
    }
}

/// `sla=`: where a ticket stands against its SLA targets (migration 0029's clock columns).
///
/// * `breached`: not resolved or closed, and a target was missed and is still not met: the
///   first response is owed and its due time has passed (or the Cron Trigger marked it
///   missed), or the resolution's due time has passed (or it was marked missed). A first
///   response that came late is met: it no longer counts.
/// * `due_soon`: not breached yet, and the next due time (`sla_due_at`) is within the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaFilter {
    Breached,
    DueSoon,
}

impl SlaFilter {
    /// "Due soon" is due within this long.
    pub const DUE_SOON_MS: i64 = 3_600_000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "breached" => Ok(SlaFilter::Breached),
            "due_soon" => Ok(SlaFilter::DueSoon),
            _ => Err(FieldError::InvalidFormat),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SlaFilter::Breached => "breached",
            SlaFilter::DueSoon => "due_soon",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SlaFilter::Breached => "Breached",
            SlaFilter::DueSoon => "Due within 1 h",
        }
    }
}

/// Whether a kind of ticket that is hidden by default (closed, spam, snoozed) is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shown {
    #[default]
    Hidden,
    /// Shown along with the rest.
    Included,
    /// Shown alone.
    Only,
}

impl Shown {
    fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "include" => Ok(Shown::Included),
            // `1` is the older spelling of the snoozed view's link.
            "only" | "1" => Ok(Shown::Only),
            "hide" => Ok(Shown::Hidden),
            _ => Err(FieldError::InvalidFormat),
        }
    }

    fn as_param(self) -> Option<&'static str> {
        match self {
            Shown::Hidden => None,
            Shown::Included => Some("include"),
            Shown::Only => Some("only"),
        }
    }
}

/// The list's order. Every order ends with the ticket id, so it is total and a cursor is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Urgent first, then most recently updated.
    #[default]
    Priority,
    /// Most recently updated first.
    Updated,
    /// Newest first.
    Created,
    /// Best search match first (FTS5's bm25): the order when there is a search, and only then.
    Relevance,
    /// The next SLA due time, soonest (or most overdue) first. Only tickets with a due time
    /// are listed: resolved, closed and paused tickets, and those without a policy, have none.
    Due,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Priority,
        Sort::Updated,
        Sort::Created,
        Sort::Relevance,
        Sort::Due,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Priority => "priority",
            Sort::Updated => "updated",
            Sort::Created => "created",
            Sort::Relevance => "relevance",
            Sort::Due => "due",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Priority => "Priority, then last update",
            Sort::Updated => "Last update",
            Sort::Created => "Newest",
            Sort::Relevance => "Best match",
            Sort::Due => "Due soonest (SLA)",
        }
    }
}

/// Which way a cursor pages from the row it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The rows after it in the sort order (the next page).
    After,
    /// The rows before it (the previous page).
    Before,
}

/// A position in the list: the sort key of one row (two integers, descending; ascending for
/// `Sort::Due`) and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub direction: Direction,
    pub sort: Sort,
    pub key: (i64, i64),
    pub id: TicketId,
}

impl Cursor {
    /// `a|p|3|1700000000000|<id>`: direction, sort, key, id.
    pub fn to_text(&self) -> String {
        let direction = match self.direction {
            Direction::After => "a",
            Direction::Before => "b",
        };
        format!(
            "{direction}|{}|{}|{}|{}",
            &self.sort.as_str()[..1],
            self.key.0,
            self.key.1,
            self.id.as_ref()
        )
    }

    pub fn from_text(text: &str) -> Result<Self, FieldError> {
        let bad = FieldError::InvalidFormat;
        let mut parts = text.split('|');
        let (Some(d), Some(s), Some(a), Some(b), Some(id), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad);
        };
        let direction = match d {
            "a" => Direction::After,
            "b" => Direction::Before,
            _ => return Err(bad),
        };
        let sort = Sort::ALL
            .into_iter()
            .find(|sort| &sort.as_str()[..1] == s)
            .ok_or(bad)?;
        let int = |v: &str| {
            if v.is_empty() || v.len() > 20 || !v.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
                return Err(bad);
            }
            v.parse::<i64>().map_err(|_| bad)
        };
        Ok(Cursor {
            direction,
            sort,
            key: (int(a)?, int(b)?),
            id: TicketId::parse(id)?,
        })
    }
}

/// A half-open range of instants `[from, to)`, from dates (`YYYY-MM-DD`, UTC days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateRange {
    /// The first day, as given.
    pub from: Option<Timestamp>,
    /// The last day, as given (inclusive: the range ends at the following midnight).
    pub to: Option<Timestamp>,
}

impl DateRange {
    /// Milliseconds: the start, inclusive.
    pub fn start_ms(&self) -> Option<i64> {
        self.from.map(Timestamp::millis)
    }

    /// Milliseconds: the end, exclusive (midnight after the last day).
    pub fn end_ms(&self) -> Option<i64> {
        self.to.map(|t| t.millis() + DAY_MS)
    }
}

const DAY_MS: i64 = 86_400_000;

fn parse_date(raw: &str) -> Result<Timestamp, FieldError> {
    if raw.len() != 10 {
        return Err(FieldError::InvalidFormat);
    }
    Timestamp::parse_utc(&format!("{raw}T00:00"))
}

fn date_text(t: Timestamp) -> String {
    t.to_rfc3339()[..10].to_owned()
}

/// A saved view's name: one line, 1 to 60 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewName(String);

impl ViewName {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        crate::field_error::bounded_text(raw, Self::MAX_CHARS, false).map(Self)
    }
}

impl AsRef<str> for ViewName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A search, split into the words that are matched (each as a prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    text: String,
    terms: Vec<String>,
}

impl Search {
    pub fn parse(raw: &str) -> Result<Option<Self>, FieldError> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().nth(MAX_SEARCH_CHARS).is_some() {
            return Err(FieldError::TooLong {
                max: MAX_SEARCH_CHARS,
            });
        }
        if text.chars().any(char::is_control) {
            return Err(FieldError::ForbiddenCharacters);
        }
        // Words are runs of letters and digits: that is what the index (unicode61) splits on,
        // so punctuation — quotes, `*`, `:`, `(`, `^` — can never reach the query syntax.
        let terms: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_SEARCH_TERMS)
            .map(str::to_owned)
            .collect();
        Ok(Some(Search {
            text: text.to_owned(),
            terms,
        }))
    }

    /// As typed (trimmed): what the search box shows again.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// An FTS5 query: every term quoted (a `"` inside doubled) and matched as a prefix, all
    /// terms required. Words like `NEAR`, `AND` or `OR` are quoted too, so they are words.
    /// `None` when the text has no word at all (only punctuation): nothing to look up.
    pub fn fts_query(&self) -> Option<String> {
        if self.terms.is_empty() {
            return None;
        }
        let quoted: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
            .collect();
        Some(quoted.join(" "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketQuery {
    /// Any of these statuses; empty means open, pending and resolved (and closed with
    /// `closed`).
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub assignee: Option<AssigneeFilter>,
    pub label: Option<Label>,
    pub source: Option<SourceFilter>,
    pub created: DateRange,
    pub updated: DateRange,
    pub search: Option<Search>,
    pub closed: Shown,
    pub spam: Shown,
    pub snoozed: Shown,
    pub sort: Sort,
    pub cursor: Option<Cursor>,
    /// Pending tickets waiting on this side only (`waiting=team|customer`).
    pub waiting: Option<WaitingOn>,
    pub topic: Option<Topic>,
    pub intent: Option<Intent>,
    /// The team that works the ticket, or none (`team=<id>|none`).
    pub team: Option<TeamFilter>,
    /// Breached, or due within the hour (`sla=breached|due_soon`).
    pub sla: Option<SlaFilter>,
    /// Where the ticket's link to a help desk stands (`sync=synced|pending|failed|none`).
    pub sync: Option<crate::sync::SyncFilter>,
}

impl TicketQuery {
    /// Parses URL query pairs. Unknown keys are ignored (a form may carry its own); a repeated
    /// key is several values where that makes sense (`status`, `priority`), and the last one
    /// elsewhere. `status` and `priority` also take a comma-separated list.
    pub fn parse<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<Self, ValidationErrors> {
        let mut errors: BTreeMap<&'static str, FieldError> = BTreeMap::new();
        let mut q = TicketQuery::default();
        let mut sort_given = false;
        let mut file = |key: &'static str, e: FieldError| {
            errors.entry(key).or_insert(e);
        };
        for (key, value) in pairs {
            let value = value.as_ref().trim();
            match key.as_ref() {
                "status" => {
                    for v in value.split(',').filter(|v| !v.is_empty()) {
                        match Status::parse(v) {
                            Ok(s) if !q.statuses.contains(&s) => q.statuses.push(s),
                            Ok(_) => {}
                            Err(e) => file("status", e),
                        }
                    }
                }
                "priority" => {
                    for v in value.split(',').filter(|v| !v.is_empty()) {
                        match Priority::parse(v) {
                            Ok(p) if !q.priorities.contains(&p) => q.priorities.push(p),
                            Ok(_) => {}
                            Err(e) => file("priority", e),
                        }
                    }
                }
                "assignee" if !value.is_empty() => {
                    q.assignee = match value {
                        "me" => Some(AssigneeFilter::Me),
                        "unassigned" => Some(AssigneeFilter::Unassigned),
                        id => match OperatorId::parse(id) {
                            Ok(id) => Some(AssigneeFilter::Operator(id)),
                            Err(e) => {
                                file("assignee", e);
                                None
                            }
                        },
                    }
                }
                "label" if !value.is_empty() => match Label::parse(value) {
                    Ok(l) => q.label = Some(l),
                    Err(e) => file("label", e),
                },
                "topic" if !value.is_empty() => match Topic::parse(value) {
                    Ok(t) => q.topic = Some(t),
                    Err(e) => file("topic", e),
                },
                "intent" if !value.is_empty() => match Intent::parse(value) {
                    Ok(i) => q.intent = Some(i),
                    Err(e) => file("intent", e),
                },
                "source" if !value.is_empty() => match SourceFilter::parse(value) {
                    Ok(s) => q.source = Some(s),
                    Err(e) => file("source", e),
                },
                key @ ("created_from" | "created_to" | "updated_from" | "updated_to")
                    if !value.is_empty() =>
                {
                    let field: &'static str = match key {
                        "created_from" => "created_from",
                        "created_to" => "created_to",
                        "updated_from" => "updated_from",
                        _ => "updated_to",
                    };
                    match parse_date(value) {
                        Ok(t) => {
                            let range = if field.starts_with("created") {
                                &mut q.created
                            } else {
                                &mut q.updated
                            };
                            if field.ends_with("from") {
                                range.from = Some(t);
                            } else {
                                range.to = Some(t);
                            }
                        }
                        Err(e) => file(field, e),
                    }
                }
                "q" => match Search::parse(value) {
                    Ok(s) => q.search = s,
                    Err(e) => file("q", e),
                },
                key @ ("closed" | "spam" | "snoozed") if !value.is_empty() => {
                    let field: &'static str = match key {
                        "closed" => "closed",
                        "spam" => "spam",
                        _ => "snoozed",
                    };
                    match Shown::parse(value) {
                        Ok(shown) => match field {
                            "closed" => q.closed = shown,
                            "spam" => q.spam = shown,
                            _ => q.snoozed = shown,
                        },
                        Err(e) => file(field, e),
                    }
                }
                "sort" if !value.is_empty() => match Sort::parse(value) {
                    Ok(s) => {
                        q.sort = s;
                        sort_given = true;
                    }
                    Err(e) => file("sort", e),
                },
                "cursor" if !value.is_empty() => match Cursor::from_text(value) {
                    Ok(c) => q.cursor = Some(c),
                    Err(e) => file("cursor", e),
                },
                "waiting" if !value.is_empty() => match WaitingOn::parse(value) {
                    Ok(w) => q.waiting = Some(w),
                    Err(e) => file("waiting", e),
                },
                "team" if !value.is_empty() => match TeamFilter::parse(value) {
                    Ok(t) => q.team = Some(t),
                    Err(e) => file("team", e),
                },
                "sla" if !value.is_empty() => match SlaFilter::parse(value) {
                    Ok(s) => q.sla = Some(s),
                    Err(e) => file("sla", e),
                },
                "sync" if !value.is_empty() => match crate::sync::SyncFilter::parse(value) {
                    Ok(s) => q.sync = Some(s),
                    Err(e) => file("sync", e),
                },
                _ => {}
            }
        }
        for (field, range) in [("created_to", q.created), ("updated_to", q.updated)] {
            if let (Some(from), Some(to)) = (range.from, range.to)
                && to < from
            {
                file(field, FieldError::InvalidFormat);
            }
        }
        // A search is ordered by how well it matches unless another order is asked for; without
        // a search there is nothing to match.
        if q.search.is_some() && !sort_given {
            q.sort = Sort::Relevance;
        }
        if q.search.is_none() && q.sort == Sort::Relevance {
            file("sort", FieldError::InvalidFormat);
        }
        // A cursor from another order names a position this order does not have.
        if let Some(cursor) = &q.cursor
            && cursor.sort != q.sort
        {
            file("cursor", FieldError::InvalidFormat);
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// The statuses the list shows: the ones asked for, or all but closed (unless closed
    /// tickets are included, or asked for alone).
    pub fn effective_statuses(&self) -> Vec<Status> {
        if !self.statuses.is_empty() {
            return self.statuses.clone();
        }
        match self.closed {
            Shown::Hidden => Status::ALL
                .into_iter()
                .filter(|s| *s != Status::Closed)
                .collect(),
            Shown::Included => Status::ALL.to_vec(),
            Shown::Only => vec![Status::Closed],
        }
    }

    /// The same query without its cursor (the first page).
    pub fn first_page(&self) -> Self {
        Self {
            cursor: None,
            ..self.clone()
        }
    }

    /// Whether any filter (not the order, not the cursor) is set.
    pub fn is_filtered(&self) -> bool {
        let plain = Self {
            sort: self.sort,
            ..Self::default()
        };
        self.first_page() != plain
    }

    /// The query's pairs in one canonical order and spelling, the cursor as its plain text.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        if !self.statuses.is_empty() {
            let list: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
            pairs.push(("status", list.join(",")));
        }
        if !self.priorities.is_empty() {
            let list: Vec<&str> = self.priorities.iter().map(|p| p.as_str()).collect();
            pairs.push(("priority", list.join(",")));
        }
        match &self.assignee {
            Some(AssigneeFilter::Me) => pairs.push(("assignee", "me".to_owned())),
            Some(AssigneeFilter::Unassigned) => pairs.push(("assignee", "unassigned".to_owned())),
            Some(AssigneeFilter::Operator(id)) => pairs.push(("assignee", id.as_ref().to_owned())),
            None => {}
        }
        if let Some(label) = &self.label {
            pairs.push(("label", label.as_ref().to_owned()));
        }
        if let Some(source) = self.source {
            pairs.push(("source", source.as_str().to_owned()));
        }
        if let Some(topic) = &self.topic {
            pairs.push(("topic", topic.as_ref().to_owned()));
        }
        if let Some(intent) = &self.intent {
            pairs.push(("intent", intent.as_ref().to_owned()));
        }
        for (key, value) in [
            ("created_from", self.created.from),
            ("created_to", self.created.to),
            ("updated_from", self.updated.from),
            ("updated_to", self.updated.to),
        ] {
            if let Some(t) = value {
                pairs.push((key, date_text(t)));
            }
        }
        if let Some(search) = &self.search {
            pairs.push(("q", search.text().to_owned()));
        }
        for (key, shown) in [
            ("closed", self.closed),
            ("spam", self.spam),
            ("snoozed", self.snoozed),
        ] {
            if let Some(v) = shown.as_param() {
                pairs.push((key, v.to_owned()));
            }
        }
        let implied = if self.search.is_some() {
            Sort::Relevance
        } else {
            Sort::default()
        };
        if self.sort != implied {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        if let Some(waiting) = self.waiting {
            pairs.push(("waiting", waiting.as_str().to_owned()));
        }
        if let Some(team) = self.team {
            pairs.push(("team", team.to_param()));
        }
        if let Some(sla) = self.sla {
            pairs.push(("sla", sla.as_str().to_owned()));
        }
        if let Some(sync) = self.sync {
            pairs.push(("sync", sync.as_str().to_owned()));
        }
        if let Some(cursor) = &self.cursor {
            pairs.push(("cursor", cursor.to_text()));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<TicketQuery, ValidationErrors> {
        TicketQuery::parse(pairs)
    }

    fn errors(pairs: &[(&str, &str)]) -> Vec<(&'static str, &'static str)> {
        parse(pairs)
            .expect_err("should be refused")
            .0
            .into_iter()
            .map(|(k, e)| (k, e.code()))
            .collect()
    }

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn nothing_means_the_default_list() {
        let q = parse(&[]).unwrap();
        assert_eq!(q, TicketQuery::default());
        assert_eq!(
            q.effective_statuses(),
            vec![Status::Open, Status::Pending, Status::Resolved]
        );
        assert!(!q.is_filtered());
        assert!(q.to_pairs().is_empty());
    }

    #[test]
    fn every_field_parses_and_writes_back_the_same() {
        let pairs = [
            ("status", "open,pending"),
            ("priority", "urgent"),
            ("priority", "high"),
            ("assignee", ID),
            ("label", "billing"),
            ("source", "widget"),
            ("created_from", "2026-01-01"),
            ("created_to", "2026-01-31"),
            ("updated_from", "2026-02-01"),
            ("q", "  refund  please "),
            ("closed", "include"),
            ("spam", "only"),
            ("snoozed", "include"),
            ("sort", "created"),
        ];
        let q = parse(&pairs).unwrap();
        assert_eq!(q.statuses, vec![Status::Open, Status::Pending]);
        assert_eq!(q.priorities, vec![Priority::Urgent, Priority::High]);
        assert_eq!(
            q.assignee,
            Some(AssigneeFilter::Operator(OperatorId::parse(ID).unwrap()))
        );
        assert_eq!(q.source, Some(SourceFilter::One(Source::Widget)));
        assert_eq!(q.created.start_ms(), Some(1_767_225_600_000));
        assert_eq!(q.created.end_ms(), Some(1_769_904_000_000));
        assert_eq!(q.search.as_ref().unwrap().text(), "refund  please");
        assert_eq!(q.search.as_ref().unwrap().terms(), ["refund", "please"]);
        assert_eq!(
            (q.closed, q.spam, q.snoozed),
            (Shown::Included, Shown::Only, Shown::Included)
        );
        assert_eq!(q.sort, Sort::Created);
        assert!(q.is_filtered());
        let again = TicketQuery::parse(&q.to_pairs()).unwrap();
        assert_eq!(again, q);
    }

    #[test]
    fn each_bad_field_is_named_and_all_are_reported_at_once() {
        assert_eq!(
            errors(&[
                ("status", "open,done"),
                ("priority", "asap"),
                ("assignee", "bob"),
                ("label", "Not A Slug!"),
                ("source", "fax"),
                ("created_from", "2026-02-30"),
                ("updated_to", "yesterday"),
                ("spam", "yes"),
                ("sort", "random"),
                ("cursor", "garbage"),
            ]),
            vec![
                ("assignee", "invalid_format"),
                ("created_from", "invalid_format"),
                ("cursor", "invalid_format"),
                ("label", "invalid_format"),
                ("priority", "invalid_format"),
                ("sort", "invalid_format"),
                ("source", "invalid_format"),
                ("spam", "invalid_format"),
                ("status", "invalid_format"),
                ("updated_to", "invalid_format"),
            ]
        );
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        assert_eq!(
            errors(&[("created_from", "2026-03-02"), ("created_to", "2026-03-01")]),
            vec![("created_to", "invalid_format")]
        );
        assert!(parse(&[("created_from", "2026-03-01"), ("created_to", "2026-03-01")]).is_ok());
    }

    #[test]
    fn too_long_or_control_characters_in_a_search_are_refused() {
        let long = "a".repeat(MAX_SEARCH_CHARS + 1);
        assert_eq!(errors(&[("q", &long)]), vec![("q", "too_long")]);
        assert_eq!(
            errors(&[("q", "a\u{0}b")]),
            vec![("q", "forbidden_characters")]
        );
        assert_eq!(parse(&[("q", "   ")]).unwrap().search, None);
    }

    #[test]
    fn hostile_search_text_becomes_quoted_prefix_terms() {
        let search = |raw: &str| Search::parse(raw).unwrap().unwrap().fts_query();
        assert_eq!(search("refund"), Some("\"refund\"*".to_owned()));
        assert_eq!(
            search("\"a\" NEAR(b c) OR d*"),
            Some("\"a\"* \"NEAR\"* \"b\"* \"c\"* \"OR\"* \"d\"*".to_owned())
        );
        assert_eq!(
            search("subject:x ^y -z"),
            Some("\"subject\"* \"x\"* \"y\"* \"z\"*".to_owned())
        );
        assert_eq!(search("\"\"\" ***"), None);
        assert_eq!(
            search("café Ünïcode"),
            Some("\"café\"* \"Ünïcode\"*".to_owned())
        );
    }

    #[test]
    fn closed_shows_with_a_flag_or_when_asked_for() {
        let statuses = |pairs: &[(&str, &str)]| parse(pairs).unwrap().effective_statuses();
        assert_eq!(statuses(&[("closed", "include")]).len(), 4);
        assert_eq!(statuses(&[("closed", "only")]), vec![Status::Closed]);
        assert_eq!(statuses(&[("status", "closed")]), vec![Status::Closed]);
        assert_eq!(parse(&[("snoozed", "1")]).unwrap().snoozed, Shown::Only);
    }

    #[test]
    fn a_view_name_is_one_short_line() {
        assert_eq!(ViewName::parse("  VIP  ").unwrap().as_ref(), "VIP");
        assert_eq!(ViewName::parse(" "), Err(FieldError::Required));
        assert_eq!(
            ViewName::parse(&"x".repeat(61)),
            Err(FieldError::TooLong { max: 60 })
        );
        assert_eq!(
            ViewName::parse("a\nb"),
            Err(FieldError::ForbiddenCharacters)
        );
    }

    #[test]
    fn a_search_is_ordered_by_match_unless_told_otherwise() {
        assert_eq!(parse(&[("q", "x")]).unwrap().sort, Sort::Relevance);
        let by_update = parse(&[("q", "x"), ("sort", "updated")]).unwrap();
        assert_eq!(by_update.sort, Sort::Updated);
        assert_eq!(
            TicketQuery::parse(&by_update.to_pairs()).unwrap(),
            by_update
        );
        assert_eq!(
            errors(&[("sort", "relevance")]),
            vec![("sort", "invalid_format")]
        );
    }

    #[test]
    fn a_cursor_round_trips_and_must_match_the_sort() {
        let cursor = Cursor {
            direction: Direction::Before,
            sort: Sort::Updated,
            key: (1_700_000_000_000, 0),
            id: TicketId::parse(ID).unwrap(),
        };
        assert_eq!(Cursor::from_text(&cursor.to_text()), Ok(cursor.clone()));
        let text = cursor.to_text();
        assert!(parse(&[("sort", "updated"), ("cursor", &text)]).is_ok());
        assert_eq!(
            errors(&[("cursor", &text)]),
            vec![("cursor", "invalid_format")]
        );
        for bad in [
            "",
            "a|p|1|2",
            "x|p|1|2|id",
            "a|p|1|2|nothex",
            "a|p|+1|2|x",
            "a|z|1|2|x",
        ] {
            assert!(Cursor::from_text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_waiting_side_parses_round_trips_and_refuses_other_words() {
        let q = parse(&[("waiting", "customer")]).unwrap();
        assert_eq!(q.waiting, Some(WaitingOn::Customer));
        assert!(q.is_filtered());
        assert_eq!(q.to_pairs(), vec![("waiting", "customer".to_owned())]);
        assert_eq!(TicketQuery::parse(&q.to_pairs()).unwrap(), q);
        assert_eq!(parse(&[("waiting", "")]).unwrap().waiting, None);
        assert_eq!(
            errors(&[("waiting", "nobody")]),
            vec![("waiting", "invalid_format")]
        );
    }

    #[test]
    fn topic_intent_and_human_source_filter_and_write_back() {
        let q = parse(&[
            ("topic", "Billing"),
            ("intent", "refund request"),
            ("source", "human"),
        ])
        .unwrap();
        assert_eq!(q.topic.as_ref().map(AsRef::as_ref), Some("billing"));
        assert_eq!(q.intent.as_ref().map(AsRef::as_ref), Some("refund_request"));
        assert_eq!(q.source, Some(SourceFilter::Human));
        assert_eq!(q.source.unwrap().sources(), [Source::Operator, Source::Api]);
        assert!(q.is_filtered());
        assert_eq!(
            q.to_pairs(),
            [
                ("source", "human".to_owned()),
                ("topic", "billing".to_owned()),
                ("intent", "refund_request".to_owned()),
            ]
        );
        assert_eq!(TicketQuery::parse(&q.to_pairs()).unwrap(), q);
        assert_eq!(
            parse(&[("source", "api")]).unwrap().source,
            Some(SourceFilter::One(Source::Api))
        );
        assert_eq!(
            errors(&[("topic", "a/b"), ("intent", "€")]),
            vec![("intent", "invalid_format"), ("topic", "invalid_format")]
        );
    }

    #[test]
    fn the_sync_filter_parses_its_four_values_round_trips_and_refuses_others() {
        use crate::sync::SyncFilter;
        for filter in SyncFilter::ALL {
            let q = parse(&[("sync", filter.as_str())]).unwrap();
            assert_eq!(q.sync, Some(filter));
            assert!(q.is_filtered());
            assert_eq!(q.to_pairs(), [("sync", filter.as_str().to_owned())]);
            assert_eq!(TicketQuery::parse(&q.to_pairs()).unwrap(), q);
        }
        assert_eq!(parse(&[("sync", "")]).unwrap(), TicketQuery::default());
        assert_eq!(
            errors(&[("sync", "deleted")]),
            vec![("sync", "invalid_format")]
        );
    }

    #[test]
    fn team_sla_and_due_order_parse_round_trip_and_refuse_other_words() {
        let q = parse(&[("team", "7"), ("sla", "breached"), ("sort", "due")]).unwrap();
        assert_eq!(q.team, Some(TeamFilter::Team(7)));
        assert_eq!(q.sla, Some(SlaFilter::Breached));
        assert_eq!(q.sort, Sort::Due);
        assert!(q.is_filtered());
        assert_eq!(
            q.to_pairs(),
            [
                ("sort", "due".to_owned()),
                ("team", "7".to_owned()),
                ("sla", "breached".to_owned()),
            ]
        );
        assert_eq!(TicketQuery::parse(&q.to_pairs()).unwrap(), q);
        let none = parse(&[("team", "none"), ("sla", "due_soon")]).unwrap();
        assert_eq!(none.team, Some(TeamFilter::NoTeam));
        assert_eq!(none.sla, Some(SlaFilter::DueSoon));
        assert_eq!(TicketQuery::parse(&none.to_pairs()).unwrap(), none);
        assert_eq!(
            parse(&[("team", ""), ("sla", "")]).unwrap(),
            TicketQuery::default()
        );
        assert_eq!(
            errors(&[("team", "0"), ("sla", "late")]),
            vec![("sla", "invalid_format"), ("team", "invalid_format")]
        );
        for bad in ["-1", "+3", "billing", "99999999999999999999"] {
            assert!(TeamFilter::parse(bad).is_err(), "{bad}");
        }
        // A due-order cursor names its order, and another order's cursor is refused.
        let cursor = Cursor {
            direction: Direction::After,
            sort: Sort::Due,
            key: (1_700_000_000_000, 0),
            id: TicketId::parse(ID).unwrap(),
        };
        let text = cursor.to_text();
        assert!(text.starts_with("a|d|"));
        assert_eq!(Cursor::from_text(&text), Ok(cursor));
        assert!(parse(&[("sort", "due"), ("cursor", &text)]).is_ok());
        assert_eq!(
            errors(&[("sort", "updated"), ("cursor", &text)]),
            vec![("cursor", "invalid_format")]
        );
    }
}
