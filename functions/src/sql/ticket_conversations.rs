//! The `ticket_conversations` table: which conversations a ticket came from or was given.

use serde::Deserialize;

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

/// A conversation linked to a ticket, and whether it still lives (not yet past its expiry).
#[derive(Debug, Clone, Deserialize)]
pub struct LinkRow {
    pub conversation_id: String,
    pub linked_at: i64,
    pub live: i64,
}

/// The conversations linked to the ticket `code`, oldest link first.
pub fn for_ticket_by_code(site_id: i64, code: &str, now_ms: i64) -> Statement {
    Statement::new(
        "SELECT tc.conversation_id, tc.created_at AS linked_at, (c.id IS NOT NULL) AS live
         FROM ticket_conversations tc
         JOIN tickets t ON t.site_id = tc.site_id AND t.id = tc.ticket_id
         LEFT JOIN conversations c ON c.site_id = tc.site_id AND c.id = tc.conversation_id
                                  AND c.expires_at > ?3
         WHERE tc.site_id = ?1 AND t.code = ?2
         ORDER BY tc.created_at, tc.conversation_id",
        vec![Value::from(site_id), Value::from(code), Value::from(now_ms)],
    )
}

/// The tickets a conversation is linked to (newest link first).
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedTicketRow {
    pub code: String,
    pub subject: String,
    pub status: String,
    /// The ticket's id (for an event on it).
    #[serde(default)]
    pub id: String,
}

pub fn tickets_of(site_id: i64, conversation_id: &str) -> Statement {
    Statement::new(
        "SELECT t.code, t.subject, t.status, t.id
         FROM ticket_conversations tc
         JOIN tickets t ON t.site_id = tc.site_id AND t.id = tc.ticket_id
         WHERE tc.site_id = ?1 AND tc.conversation_id = ?2
         ORDER BY tc.created_at DESC, t.number DESC",
        vec![Value::from(site_id), Value::from(conversation_id)],
    )
}
