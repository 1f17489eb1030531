//! Data rights (owners and admins): the site's tickets exported a page at a time, and one
//! requester's personal data erased from every ticket of the site.

use std::collections::HashMap;

use ticketbooth_shared::event::{Actor, EventKind};
use ticketbooth_shared::requester::Email;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operators::Operator;
use crate::sql::comments::{self, CommentRow, ExportCommentRow};
use crate::sql::labels;
use crate::sql::notifications;
use crate::sql::ticket_events::{self, EventRow, ExportEventRow};
use crate::sql::ticket_search;
use crate::sql::tickets::{self, ExportRow};
use crate::store::{Executor, Row, StoreError, decode};

/// Tickets per export page: one batch of four reads each, so a site of any size is read a
/// bounded number of rows at a time.
pub const EXPORT_PAGE: i64 = 100;

/// Tickets per erasure batch (each batch is one transaction with its events).
pub const ERASE_PAGE: i64 = 50;

/// What erased personal data is replaced with.
pub const ERASED: &str = "[erased]";

/// One ticket with everything attached to it.
#[derive(Debug, Clone)]
pub struct ExportTicket {
    pub row: ExportRow,
    pub labels: Vec<String>,
    pub comments: Vec<CommentRow>,
    pub events: Vec<EventRow>,
}

/// One page of the export; `next` is the cursor of the page after it, if there may be one.
#[derive(Debug)]
pub struct ExportPage {
    pub tickets: Vec<ExportTicket>,
    pub next: Option<i64>,
}

/// The tickets numbered after `after` (start with 0), with their labels, comments and events:
/// one batch, so one consistent snapshot per page.
pub async fn export_page<E: Executor>(
    db: &E,
    op: &Operator,
    after: i64,
) -> Result<ExportPage, ServiceError> {
    op.require(Action::ManageSettings)?;
    next_export_page(db, op.site_id, after).await
}

/// The page after `after` of an export whose first page `export_page` already read (and so
/// checked the operator's role for): how the Worker streams the rest of the download.
pub async fn next_export_page<E: Executor>(
    db: &E,
    site: i64,
    after: i64,
) -> Result<ExportPage, ServiceError> {
    let mut results = db
        .batch(vec![
            tickets::export_page(site, after, EXPORT_PAGE),
            labels::export_page(site, after, EXPORT_PAGE),
            comments::export_page(site, after, EXPORT_PAGE),
            ticket_events::export_page(site, after, EXPORT_PAGE),
        ])
        .await?
        .into_iter();
    let mut next = || results.next().unwrap_or_default();
    let rows: Vec<ExportRow> = decode_all(next())?;

    #[derive(serde::Deserialize)]
    struct LabelRow {
        ticket_id: String,
        label: String,
    }
    let mut labels: HashMap<String, Vec<String>> = HashMap::new();
    for row in decode_all::<LabelRow>(next())? {
        labels.entry(row.ticket_id).or_default().push(row.label);
    }
    let mut comments: HashMap<String, Vec<CommentRow>> = HashMap::new();
    for row in decode_all::<ExportCommentRow>(next())? {
        comments.entry(row.ticket_id).or_default().push(row.comment);
    }
    let mut events: HashMap<String, Vec<EventRow>> = HashMap::new();
    for row in decode_all::<ExportEventRow>(next())? {
        events.entry(row.ticket_id).or_default().push(row.event);
    }

    let full = rows.len() as i64 == EXPORT_PAGE;
    let next_cursor = rows.last().map(|r| r.number).filter(|_| full);
    let tickets = rows
        .into_iter()
        .map(|row| {
            let id = &row.ticket.id;
            ExportTicket {
                labels: labels.remove(id).unwrap_or_default(),
                comments: comments.remove(id).unwrap_or_default(),
                events: events.remove(id).unwrap_or_default(),
                row,
            }
        })
        .collect();
    Ok(ExportPage {
        tickets,
        next: next_cursor,
    })
}

/// Erases `email`'s personal data from every ticket of the operator's site: requester name and
/// email become `[erased]`, the requester's transcript lines and replies lose their text and
/// author name, the visitor id is unlinked; the webhook outbox's copies are scrubbed alike. Each page of tickets is ONE batch with an `erased`
/// event per ticket, which records who and when and how many tickets — not the email. Returns
/// how many tickets were erased (0: nothing matched, nothing written).
pub async fn erase<E: Executor>(
    db: &E,
    op: &Operator,
    email: &Email,
    now: Timestamp,
) -> Result<u32, ServiceError> {
    op.require(Action::ManageSettings)?;
    let site = op.site_id;
    let email = email.as_ref();
    #[derive(serde::Deserialize)]
    struct Count {
        n: i64,
    }
    let total = decode_all::<Count>(db.query(tickets::count_by_requester(site, email)).await?)?
        .first()
        .map_or(0, |c| c.n);
    let event = EventKind::Erased {
        tickets: u32::try_from(total).unwrap_or(u32::MAX),
    };
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let mut erased: u32 = 0;
    // Each batch takes its page out of the match, so `total` pages suffice; tickets the same
    // person opens meanwhile get one more page at most, and a fault cannot loop forever.
    for _ in 0..=total / ERASE_PAGE + 1 {
        #[derive(serde::Deserialize)]
        struct Number {
            number: i64,
        }
        let page: Vec<Number> = decode_all(
            db.query(tickets::requester_page(site, email, ERASE_PAGE))
                .await?,
        )?;
        let Some(last) = page.last().map(|n| n.number) else {
            break;
        };
        let numbers = serde_json::to_string(&page.iter().map(|n| n.number).collect::<Vec<_>>())
            .map_err(|e| StoreError::RowShape(e.to_string()))?;
        db.batch(vec![
            ticket_events::insert_erased(site, email, last, &event, &actor, now.millis())?,
            comments::erase_requester(site, email, last, ERASED),
            tickets::erase_requester(site, email, last, ERASED, now.millis()),
            // The webhook outbox keeps copies too (requester, replies), delivered or waiting.
            notifications::erase_requester(site, email, &numbers, ERASED),
            // So does the mail outbox (the address, the replies' text): its rows go.
            crate::sql::mails::erase_requester(site, email, &numbers),
            // The search index holds copies of the name, email and replies: rebuilt from the
            // erased rows in the same batch.
            ticket_search::refresh_numbers(site, &numbers),
        ])
        .await?;
        erased = erased.saturating_add(page.len() as u32);
    }
    Ok(erased)
}

fn decode_all<T: serde::de::DeserializeOwned>(rows: Vec<Row>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(decode).collect()
}
