//! The `ticket_conversations` table: which conversations a ticket came from or was given.

use crate::store::{Statement, Value};

/// Links a conversation to a ticket; linking the same pair again changes nothing (`OR
/// IGNORE`), so attaching twice is harmless.
pub fn insert(site_id: i64, ticket_id: &str, conversation_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT OR IGNORE INTO ticket_conversations (site_id, ticket_id, conversation_id,
                                                     created_at)
         VALUES (?1, ?2, ?3, ?4)",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(conversation_id),
            Value::from(now_ms),
        ],
    )
}

/// A ticket's conversations (ids; the conversation itself may have been purged), oldest link
/// first.
pub fn for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "SELECT conversation_id, created_at FROM ticket_conversations
         WHERE site_id = ?1 AND ticket_id = ?2
         ORDER BY created_at, conversation_id",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_conversations WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}
