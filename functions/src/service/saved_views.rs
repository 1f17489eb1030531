//! Saved views: an operator's named list queries on the current site, plus the built-in ones
//! every operator has. A view stores the canonical query string (`TicketQuery::to_pairs`,
//! without a cursor), so it is parsed again — by the same parser — each time it is opened.

use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_query::{TicketQuery, ViewName};
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operators::Operator;
use crate::sql::saved_views::{self, NewView};
use crate::store::Executor;

/// The views every operator has: (name, query string).
pub const BUILT_IN: [(&str, &str); 4] = [
    ("My open tickets", "status=open,pending&assignee=me"),
    ("Unassigned", "assignee=unassigned"),
    ("Snoozed", "snoozed=only"),
    ("Spam", "spam=only"),
];

/// Saves `query` (its filters and order; never a cursor) under `name`.
pub async fn save<E: Executor>(
    db: &E,
    op: &Operator,
    id: &str,
    name: &ViewName,
    query: &TicketQuery,
    query_string: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    op.require(Action::ViewTickets)?;
    debug_assert!(query.cursor.is_none());
    db.batch(vec![saved_views::insert(NewView {
        site_id: op.site_id,
        operator_id: &op.id,
        id,
        name: name.as_ref(),
        query: query_string,
        pinned: false,
        now_ms: now.millis(),
    })])
    .await?;
    Ok(())
}

/// Renames one of the operator's own views; someone else's is not found.
pub async fn rename<E: Executor>(
    db: &E,
    op: &Operator,
    id: &str,
    name: &ViewName,
    pinned: bool,
) -> Result<(), ServiceError> {
    op.require(Action::ViewTickets)?;
    let mut results = db
        .batch(vec![saved_views::update(
            op.site_id,
            &op.id,
            id,
            name.as_ref(),
            pinned,
        )])
        .await?;
    match results.pop() {
        Some(rows) if !rows.is_empty() => Ok(()),
        _ => Err(ServiceError::NotFound),
    }
}

/// Deletes one of the operator's own views; someone else's is not found.
pub async fn delete<E: Executor>(db: &E, op: &Operator, id: &str) -> Result<(), ServiceError> {
    op.require(Action::ViewTickets)?;
    let mut results = db
        .batch(vec![saved_views::delete(op.site_id, &op.id, id)])
        .await?;
    match results.pop() {
        Some(rows) if !rows.is_empty() => Ok(()),
        _ => Err(ServiceError::NotFound),
    }
}
