//! Tickets as operators work them: the filtered list and the detail page.

use std::collections::BTreeMap;

use ticketbooth_shared::label::Label;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::{Priority, Status};

use super::ServiceError;
use super::operators::Operator;
use crate::sql::comments::{self, CommentRow};
use crate::sql::labels;
use crate::sql::site_members::{self, MemberRow};
use crate::sql::ticket_events::{self, EventRow};
use crate::sql::tickets::{self, DetailRow, ListFilter, ListRow};
use crate::store::{Executor, StoreError, decode, decode_first};

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub search: Option<String>,
    /// Show the snoozed tickets (and only those) instead of the active ones.
    pub snoozed: bool,
    pub label: Option<Label>,
    /// From 1.
    pub page: u32,
}

pub struct ListPage {
    pub rows: Vec<ListRow>,
    /// Tickets per status on the whole site, whatever the filter.
    pub counts: BTreeMap<&'static str, i64>,
    pub has_more: bool,
}

/// One page of the list and the status counts, read in one batch (one round trip, one
/// consistent snapshot).
pub async fn list<E: Executor>(
    db: &E,
    op: &Operator,
    query: &ListQuery,
    now: Timestamp,
) -> Result<ListPage, ServiceError> {
    op.require(Action::ViewTickets)?;
    let filter = ListFilter {
        snoozed: query.snoozed,
        now_ms: now.millis(),
        label: query.label.as_ref().map(AsRef::as_ref),
        status: query.status.map(Status::as_str),
        priority: query.priority.map(Priority::as_str),
        search: query.search.as_deref(),
        // One more than a page tells whether there is a next one.
        limit: PAGE_SIZE + 1,
        offset: i64::from(query.page.max(1) - 1) * PAGE_SIZE,
    };
    let mut results = db
        .batch(vec![
            tickets::list_for_operator(op.site_id, &filter),
            tickets::count_by_status(op.site_id),
        ])
        .await?
        .into_iter();
    let mut rows: Vec<ListRow> = results
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(decode)
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);

    #[derive(serde::Deserialize)]
    struct Count {
        status: String,
        n: i64,
    }
    let mut counts = BTreeMap::new();
    for row in results.next().unwrap_or_default() {
        let count: Count = decode(row)?;
        let status =
            Status::parse(&count.status).map_err(|_| StoreError::RowShape(count.status.clone()))?;
        counts.insert(status.as_str(), count.n);
    }
    Ok(ListPage {
        rows,
        counts,
        has_more,
    })
}

pub struct Detail {
    pub ticket: DetailRow,
    pub events: Vec<EventRow>,
    pub comments: Vec<CommentRow>,
    /// This ticket's labels, alphabetically.
    pub labels: Vec<String>,
    /// The site's members, by name: assignee choices, and names for the ids in events.
    pub members: Vec<MemberRow>,
    /// Every label in use on the site (suggestions).
    pub site_labels: Vec<String>,
}

impl Detail {
    /// The name of an operator id, as far as this site knows it.
    pub fn name_of(&self, operator_id: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.operator_id == operator_id)
            .map(|m| m.name.as_str())
    }
}

pub async fn detail<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
) -> Result<Detail, ServiceError> {
    op.require(Action::ViewTickets)?;
    let code = code.to_string();
    // One round trip, one consistent snapshot.
    let mut results = db
        .batch(vec![
            tickets::find_by_code(op.site_id, &code),
            ticket_events::timeline_by_code(op.site_id, &code),
            comments::for_ticket_by_code(op.site_id, &code),
            labels::for_ticket_by_code(op.site_id, &code),
            site_members::list(op.site_id),
            labels::in_use(op.site_id),
        ])
        .await?
        .into_iter();
    let mut next = || results.next().unwrap_or_default();
    let ticket: Option<DetailRow> = decode_first(next())?;
    let ticket = ticket.ok_or(ServiceError::TicketNotFound)?;
    #[derive(serde::Deserialize)]
    struct LabelRow {
        label: String,
    }
    let label_names = |rows: Vec<crate::store::Row>| -> Result<Vec<String>, StoreError> {
        rows.into_iter()
            .map(|r| decode::<LabelRow>(r).map(|l| l.label))
            .collect()
    };
    Ok(Detail {
        ticket,
        events: decode_all(next())?,
        comments: decode_all(next())?,
        labels: label_names(next())?,
        members: decode_all(next())?,
        site_labels: label_names(next())?,
    })
}

fn decode_all<T: serde::de::DeserializeOwned>(
    rows: Vec<crate::store::Row>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(decode).collect()
}
