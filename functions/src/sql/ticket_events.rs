//! The `ticket_events` table: the append-only audit trail.

use ticketbooth_shared::event::{Actor, EventKind};

use crate::store::{Statement, StoreError, Value};

/// Appends `event` for a ticket. `data` holds the event's fields without its tag (the tag is
/// the `kind` column).
pub fn insert(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params(site_id, ticket_id, event, actor, now_ms)?,
    ))
}

/// Appends a new ticket's `created` event, or — when `tickets::insert_numbered` inserted
/// nothing because the site reached its daily cap — fails the batch: the row's `kind` becomes
/// `daily_cap_reached`, which the table's CHECK refuses, so the whole create rolls back
/// (`StoreError::CheckViolation`, the only CHECK a create can fail).
pub fn insert_created(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2)
                        THEN ?3 ELSE 'daily_cap_reached' END, ?4, ?5, ?6",
        params(site_id, ticket_id, event, actor, now_ms)?,
    ))
}

/// Appends `event` only if the ticket still has the `updated_at` it had when the action read
/// it: the optimistic-concurrency guard every ticket action's batch starts with. When the
/// ticket changed (or is gone), the row's `kind` becomes `stale_edit`, which the table's CHECK
/// refuses, so the statement fails and D1 rolls the whole batch back: a stale edit changes
/// nothing. The service tells this failure (`StoreError::CheckViolation`) apart by re-reading.
pub fn insert_guarded(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
    expected_updated_at: i64,
) -> Result<Statement, StoreError> {
    let mut params = params(site_id, ticket_id, event, actor, now_ms)?;
    params.push(Value::from(expected_updated_at));
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, CASE WHEN t.updated_at = ?7 THEN ?3 ELSE 'stale_edit' END, ?4, ?5, ?6
         FROM (SELECT 1) AS one
         LEFT JOIN tickets t ON t.site_id = ?1 AND t.id = ?2",
        params,
    ))
}

/// Appends a visitor's `comment_added` only if the ticket is that visitor's and not closed;
/// otherwise the row's `kind` becomes `reply_refused`, which the table's CHECK refuses, so the
/// whole reply batch rolls back. The service tells why by re-reading (not theirs: 404; closed).
pub fn insert_visitor_guarded(
    site_id: i64,
    ticket_id: &str,
    visitor_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let mut params = params(site_id, ticket_id, event, actor, now_ms)?;
    params.push(Value::from(visitor_id));
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2
                                          AND visitor_id = ?7 AND status <> 'closed')
                        THEN ?3 ELSE 'reply_refused' END, ?4, ?5, ?6",
        params,
    ))
}

/// Appends `event` only while the ticket is in `status` (read in the same batch, before the
/// update that moves it): the reopening a visitor's reply causes on a resolved ticket.
pub fn insert_if_status(
    site_id: i64,
    ticket_id: &str,
    status: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let mut params = params(site_id, ticket_id, event, actor, now_ms)?;
    params.push(Value::from(status));
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6
         WHERE EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2 AND status = ?7)",
        params,
    ))
}

/// `?1`…`?6` of every event insert: site, ticket, kind, data, actor, time.
fn params(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Vec<Value>, StoreError> {
    let (data, actor) = encode(event, actor)?;
    Ok(vec![
        Value::from(site_id),
        Value::from(ticket_id),
        Value::from(event.name()),
        Value::from(data),
        Value::from(actor),
        Value::from(now_ms),
    ])
}

/// The event's fields without its tag, and the actor, as JSON text.
fn encode(event: &EventKind, actor: &Actor) -> Result<(String, String), StoreError> {
    let encode = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| StoreError::RowShape(e.to_string()))
    };
    let mut data = encode(serde_json::to_value(event))?;
    if let Some(fields) = data.as_object_mut() {
        fields.remove("kind");
    }
    let actor = encode(serde_json::to_value(actor))?;
    Ok((data.to_string(), actor.to_string()))
}

pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_events WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct EventRow {
    pub kind: String,
    /// JSON object: the event's fields.
    pub data: String,
    /// JSON object: `shared::event::Actor`.
    pub actor: String,
    pub created_at: i64,
}

/// A ticket's timeline, oldest first, found by the ticket's code.
pub fn timeline_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "SELECT e.kind, e.data, e.actor, e.created_at
         FROM ticket_events e
         JOIN tickets t ON t.site_id = e.site_id AND t.id = e.ticket_id
         WHERE e.site_id = ?1 AND t.code = ?2
         ORDER BY e.id",
        vec![Value::from(site_id), Value::from(code)],
    )
}

/// An event with its ticket, for the export.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ExportEventRow {
    pub ticket_id: String,
    #[serde(flatten)]
    pub event: EventRow,
}

/// The events of `tickets::export_page(site_id, after, limit)`'s tickets, oldest first.
pub fn export_page(site_id: i64, after: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT ticket_id, kind, data, actor, created_at FROM ticket_events
         WHERE site_id = ?1 AND ticket_id IN (
             SELECT id FROM tickets WHERE site_id = ?1 AND number > ?2 ORDER BY number LIMIT ?3)
         ORDER BY id",
        vec![Value::from(site_id), Value::from(after), Value::from(limit)],
    )
}

/// An `erased` event (`data`: `EventKind::Erased` without its tag) on each of `email`'s
/// tickets numbered up to `last`. First in the erasure batch, while the email still matches.
pub fn insert_erased(
    site_id: i64,
    email: &str,
    last: i64,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let (data, actor) = encode(event, actor)?;
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, id, ?4, ?5, ?6, ?7 FROM tickets
         WHERE site_id = ?1 AND requester_email = ?2 COLLATE NOCASE AND number <= ?3
         ORDER BY number",
        vec![
            Value::from(site_id),
            Value::from(email),
            Value::from(last),
            Value::from(event.name()),
            Value::from(data),
            Value::from(actor),
            Value::from(now_ms),
        ],
    ))
}
