//! A ticket's thread as its visitor sees it: the team's customer-facing comments and the
//! visitor's own replies. Internal notes are never selected (`comments::public_*` filter on
//! `visibility = 'public'`).
//!
//! Each route is one D1 round trip. A reply is ONE batch: its `comment_added` event guarded on
//! the ticket being the visitor's and not closed (`ticket_events::insert_visitor_guarded`), the
//! reopening event when the ticket was resolved, the `waiting_changed` event when it waited on
//! the customer (their reply hands it back to the team: the rule lives here, not in the
//! widget's handler, so every way a customer replies takes it), the comment (with the send's Idempotency-Key,
//! unique per ticket), the ticket's update (reopened, "Customer replied", new version), the
//! search index, and the comment and ticket read back. Only a refusal or a replay reads again.

use ticketbooth_shared::Status;
use ticketbooth_shared::api::{CommentFrom, VisitorComment};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::{Actor, CommentVisibility, EventKind};
use ticketbooth_shared::ids::{IdempotencyKey, TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::WaitingOn;

use super::sites::Site;
use super::sla;
use super::tickets::find_for_visitor;
use super::{Refusal, ServiceError};
use crate::sql::comments::{self, PublicCommentRow};
use crate::sql::tickets::VisitorTicketRow;
use crate::sql::{notifications, ticket_events, ticket_search, tickets};
use crate::store::{Executor, Row, StoreError, decode, decode_first};

/// The visitor's own ticket and its public thread, oldest first: one batch of two reads.
pub async fn comments<E: Executor>(
    db: &E,
    site: &Site,
    visitor: &VisitorId,
    ticket: &TicketId,
) -> Result<Vec<VisitorComment>, ServiceError> {
    let mut results = db
        .batch(vec![
            tickets::find_for_visitor_view(site.id, ticket.as_ref()),
            comments::public_for_ticket(site.id, ticket.as_ref()),
        ])
        .await?;
    let thread = results.pop().unwrap_or_default();
    owned_by(results.pop().unwrap_or_default(), visitor)?;
    thread
        .into_iter()
        .map(|r| decode(r).and_then(visitor_view))
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

/// What a reply did: written now, or found written by an earlier send with the same key.
#[derive(Debug)]
pub enum Replied {
    New(VisitorComment, VisitorTicketRow),
    Replayed(VisitorComment, VisitorTicketRow),
}

/// The visitor replies on their own ticket.
pub async fn reply<E: Executor>(
    db: &E,
    site: &Site,
    visitor: &VisitorId,
    ticket: &TicketId,
    body: &CommentBody,
    key: &IdempotencyKey,
    now: Timestamp,
) -> Result<Replied, ServiceError> {
    let (site_id, id, now_ms) = (site.id, ticket.as_ref(), now.millis());
    let actor = Actor::Visitor {
        visitor_id: visitor.as_ref().to_owned(),
    };
    let comment_added = EventKind::CommentAdded {
        visibility: CommentVisibility::Public,
    };
    let reopened = EventKind::StatusChanged {
        from: Status::Resolved,
        to: Status::Resolved.after_visitor_reply(),
    };
    let handed_back = EventKind::WaitingChanged {
        from: WaitingOn::Customer,
        to: WaitingOn::Team,
    };
    let batch = vec![
        ticket_events::insert_visitor_guarded(
            site_id,
            id,
            visitor.as_ref(),
            &comment_added,
            &actor,
            now_ms,
        )?,
        ticket_events::insert_if_status(site_id, id, "resolved", &reopened, &actor, now_ms)?,
        ticket_events::insert_if_waiting_on_customer(site_id, id, &handed_back, &actor, now_ms)?,
        comments::insert_visitor_reply(
            site_id,
            id,
            visitor.as_ref(),
            body.as_ref(),
            now_ms,
            key.as_ref(),
        ),
        tickets::after_visitor_reply(site_id, id, now_ms),
        // Reopened, or back with the team: the resolution clock resumes.
        sla::on_status(site.sla.as_ref(), site_id, id, now_ms),
        ticket_search::refresh(site_id, id),
        notifications::insert_visitor_replied(site_id, id, key.as_ref(), now_ms),
        comments::public_by_key(site_id, id, key.as_ref()),
        tickets::find_for_visitor_view(site_id, id),
    ];
    match db.batch(batch).await {
        Ok(mut results) => {
            let ticket = owned_by(results.pop().unwrap_or_default(), visitor)?;
            let comment: Option<PublicCommentRow> =
                decode_first(results.pop().unwrap_or_default())?;
            let comment =
                comment.ok_or_else(|| StoreError::RowShape("a reply not read back".into()))?;
            Ok(Replied::New(visitor_view(comment)?, ticket))
        }
        // The key was used before on this ticket: the same reply again, or another one.
        Err(StoreError::UniqueViolation(detail)) => {
            let mut results = db
                .batch(vec![
                    comments::public_by_key(site_id, id, key.as_ref()),
                    tickets::find_for_visitor_view(site_id, id),
                ])
                .await?;
            let ticket = owned_by(results.pop().unwrap_or_default(), visitor)?;
            let earlier: Option<PublicCommentRow> =
                decode_first(results.pop().unwrap_or_default())?;
            match earlier {
                Some(earlier) if earlier.body == body.as_ref() => {
                    Ok(Replied::Replayed(visitor_view(earlier)?, ticket))
                }
                Some(_) => Err(ServiceError::IdempotencyKeyReused),
                None => Err(StoreError::Database(detail).into()),
            }
        }
        // The guard refused: not their ticket (404, as for every read), or closed.
        Err(StoreError::CheckViolation(_)) => {
            let row = find_for_visitor(db, site, visitor, ticket).await?;
            match Status::parse(&row.status) {
                Ok(Status::Closed) => Err(Refusal::TicketClosed.into()),
                _ => Err(StoreError::Database(format!("reply to {} refused", row.id)).into()),
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// The ticket row of a read, if it is this visitor's; `TicketNotFound` otherwise (another
/// visitor's ticket is as unknown as a made-up id).
fn owned_by(rows: Vec<Row>, visitor: &VisitorId) -> Result<VisitorTicketRow, ServiceError> {
    let row: Option<VisitorTicketRow> = decode_first(rows)?;
    row.filter(|r| r.visitor_id.as_deref() == Some(visitor.as_ref()))
        .ok_or(ServiceError::TicketNotFound)
}

/// A public comment as the visitor sees it: the team's by the operator's name, their own
/// without one.
fn visitor_view(row: PublicCommentRow) -> Result<VisitorComment, StoreError> {
    let from = match row.author_kind.as_str() {
        "visitor" => CommentFrom::Visitor,
        "operator" | "bot" | "system" => CommentFrom::Team,
        other => return Err(StoreError::RowShape(format!("author_kind {other:?}"))),
    };
    Ok(VisitorComment {
        id: row.id.to_string(),
        from,
        author_name: (from == CommentFrom::Team).then_some(row.author_name),
        body: row.body,
        created_at: Timestamp::from_millis(row.created_at).to_rfc3339(),
    })
}
