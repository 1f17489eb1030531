//! The `conversation_messages` table: the messages of a conversation, numbered by `seq`.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct MessageRow {
    pub seq: i64,
    pub author_kind: String,
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: i64,
}

pub struct NewMessage<'a> {
    pub site_id: i64,
    pub conversation_id: &'a str,
    pub author_kind: &'static str,
    pub author_id: Option<&'a str>,
    pub author_name: Option<&'a str>,
    pub body: &'a str,
    pub now_ms: i64,
    pub idempotency_key: Option<&'a str>,
}

/// Inserts the message with the seq `conversations::take_seq` just took (the same batch). A
/// reused key fails the unique index and rolls the batch back.
pub fn insert(m: NewMessage<'_>) -> Statement {
    Statement::new(
        "INSERT INTO conversation_messages (site_id, conversation_id, seq, author_kind,
                                            author_id, author_name, body, created_at,
                                            idempotency_key)
         SELECT site_id, id, last_seq, ?3, ?4, ?5, ?6, ?7, ?8
         FROM conversations WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(m.site_id),
            Value::from(m.conversation_id),
            Value::from(m.author_kind),
            Value::from(m.author_id),
            Value::from(m.author_name),
            Value::from(m.body),
            Value::from(m.now_ms),
            Value::from(m.idempotency_key),
        ],
    )
}

/// The conversation's newest message (read back at the end of the send batch).
pub fn last(site_id: i64, conversation_id: &str) -> Statement {
    Statement::new(
        "SELECT m.seq, m.author_kind, m.author_id, m.author_name, m.body, m.created_at
         FROM conversation_messages m
         JOIN conversations c ON c.site_id = m.site_id AND c.id = m.conversation_id
         WHERE m.site_id = ?1 AND m.conversation_id = ?2 AND m.seq = c.last_seq",
        vec![Value::from(site_id), Value::from(conversation_id)],
    )
}

/// The message a send with this key wrote (a retry's answer).
pub fn find_by_key(site_id: i64, conversation_id: &str, key: &str) -> Statement {
    Statement::new(
        "SELECT seq, author_kind, author_id, author_name, body, created_at
         FROM conversation_messages
         WHERE site_id = ?1 AND conversation_id = ?2 AND idempotency_key = ?3",
        vec![
            Value::from(site_id),
            Value::from(conversation_id),
            Value::from(key),
        ],
    )
}

/// Messages after the cursor `after_seq`, oldest first, at most `limit`.
pub fn after(site_id: i64, conversation_id: &str, after_seq: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT seq, author_kind, author_id, author_name, body, created_at
         FROM conversation_messages
         WHERE site_id = ?1 AND conversation_id = ?2 AND seq > ?3
         ORDER BY seq
         LIMIT ?4",
        vec![
            Value::from(site_id),
            Value::from(conversation_id),
            Value::from(after_seq),
            Value::from(limit),
        ],
    )
}

/// The purge's first step: the messages of conversations past their expiry (every site).
pub fn delete_expired(now_ms: i64) -> Statement {
    Statement::new(
        "DELETE FROM conversation_messages
         WHERE conversation_id IN (SELECT id FROM conversations WHERE expires_at <= ?1)",
        vec![Value::from(now_ms)],
    )
}
