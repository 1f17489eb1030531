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
    let encode = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| StoreError::RowShape(e.to_string()))
    };
    let mut data = encode(serde_json::to_value(event))?;
    if let Some(fields) = data.as_object_mut() {
        fields.remove("kind");
    }
    let actor = encode(serde_json::to_value(actor))?;
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(event.name()),
            Value::from(data.to_string()),
            Value::from(actor.to_string()),
            Value::from(now_ms),
        ],
    ))
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
