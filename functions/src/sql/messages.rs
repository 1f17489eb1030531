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
    /// On the system message of a ticket opened from the conversation: the ticket as it is
    /// now (`LEFT JOIN tickets`; absent once the ticket is deleted).
    #[serde(default)]
    pub ticket_id: Option<String>,
    #[serde(default)]
    pub ticket_code: Option<String>,
    #[serde(default)]
    pub ticket_status: Option<String>,
    /// The sender's Idempotency-Key (the visitor's sends; absent on others).
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// 1 on the system message asking for the visitor's contact details (the widget's form).
    #[serde(default)]
    pub needs_contact: i64,
    /// 1 on the system message written when the conversation escalated (migration 0027).
    #[serde(default)]
    pub escalated: i64,
}

/// The columns of `MessageRow`, over `conversation_messages m LEFT JOIN tickets t`.
macro_rules! message_columns {
    () => {
        "m.seq, m.author_kind, m.author_id, m.author_name, m.body, m.created_at,
         t.id AS ticket_id, t.code AS ticket_code, t.status AS ticket_status, m.idempotency_key,
         m.needs_contact, m.escalated"
    };
}

/// The join that fills a message's ticket card.
macro_rules! with_tickets {
    () => {
        " FROM conversation_messages m
          LEFT JOIN tickets t ON t.site_id = m.site_id AND t.id = m.ticket_id "
    };
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
        concat!(
            "SELECT ",
            message_columns!(),
            with_tickets!(),
            "JOIN conversations c ON c.site_id = m.site_id AND c.id = m.conversation_id
             WHERE m.site_id = ?1 AND m.conversation_id = ?2 AND m.seq = c.last_seq"
        ),
        vec![Value::from(site_id), Value::from(conversation_id)],
    )
}

/// A message with the conversation it belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedMessageRow {
    pub conversation_id: String,
    #[serde(flatten)]
    pub message: MessageRow,
}

/// Every message of the live conversations linked to the ticket `code`, by conversation, in
/// order (at most 2,000: a ticket page, not an archive).
pub fn for_ticket_by_code(site_id: i64, code: &str, now_ms: i64) -> Statement {
    Statement::new(
        concat!(
            "SELECT m.conversation_id, ",
            message_columns!(),
            with_tickets!(),
            "WHERE m.site_id = ?1
               AND m.conversation_id IN (
                   SELECT tc.conversation_id FROM ticket_conversations tc
                   JOIN tickets tt ON tt.site_id = tc.site_id AND tt.id = tc.ticket_id
                   WHERE tc.site_id = ?1 AND tt.code = ?2)
               AND EXISTS (SELECT 1 FROM conversations c
                           WHERE c.site_id = m.site_id AND c.id = m.conversation_id
                             AND c.expires_at > ?3)
             ORDER BY m.conversation_id, m.seq
             LIMIT 2000"
        ),
        vec![Value::from(site_id), Value::from(code), Value::from(now_ms)],
    )
}

/// The operator's customer-facing comment on a ticket, as a message in each of the ticket's
/// live conversations: first each takes its next seq …
pub fn take_seq_for_ticket(
    site_id: i64,
    ticket_id: &str,
    now_ms: i64,
    expires_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE conversations
         SET last_seq = last_seq + 1, last_message_at = ?3, expires_at = ?4,
             operator_read_seq = visitor_seq
         WHERE site_id = ?1 AND expires_at > ?3
           AND id IN (SELECT conversation_id FROM ticket_conversations
                      WHERE site_id = ?1 AND ticket_id = ?2)",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(now_ms),
            Value::from(expires_ms),
        ],
    )
}

/// … then the message goes in under it (`last_message_at` is this batch's `now`).
pub fn insert_for_ticket(
    site_id: i64,
    ticket_id: &str,
    operator_id: &str,
    operator_name: &str,
    body: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO conversation_messages (site_id, conversation_id, seq, author_kind,
                                            author_id, author_name, body, created_at)
         SELECT c.site_id, c.id, c.last_seq, 'operator', ?3, ?4, ?5, ?6
         FROM conversations c
         WHERE c.site_id = ?1 AND c.last_message_at = ?6 AND c.expires_at > ?6
           AND c.id IN (SELECT conversation_id FROM ticket_conversations
                        WHERE site_id = ?1 AND ticket_id = ?2)",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(operator_id),
            Value::from(operator_name),
            Value::from(body),
            Value::from(now_ms),
        ],
    )
}

/// The system message "Ticket TKT-42 opened" carrying the ticket: in the batch that creates
/// the ticket, after `conversations::take_seq` and `tickets::insert_numbered` (it reads both).
pub fn insert_ticket_card(
    site_id: i64,
    conversation_id: &str,
    ticket_id: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO conversation_messages (site_id, conversation_id, seq, author_kind,
                                            author_id, author_name, body, created_at, ticket_id)
         SELECT c.site_id, c.id, c.last_seq, 'system', NULL, NULL,
                'Ticket ' || t.code || ' opened', ?4, t.id
         FROM conversations c JOIN tickets t ON t.site_id = c.site_id AND t.id = ?3
         WHERE c.site_id = ?1 AND c.id = ?2",
        vec![
            Value::from(site_id),
            Value::from(conversation_id),
            Value::from(ticket_id),
            Value::from(now_ms),
        ],
    )
}

/// The system message asking the visitor for their contact details (the bot needed them to
/// open a ticket): after `conversations::take_seq`, in the same batch.
pub fn insert_needs_contact(site_id: i64, conversation_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO conversation_messages (site_id, conversation_id, seq, author_kind,
                                            author_id, author_name, body, created_at,
                                            needs_contact)
         SELECT site_id, id, last_seq, 'system', NULL, NULL, 'Contact details needed', ?3, 1
         FROM conversations WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(conversation_id),
            Value::from(now_ms),
        ],
    )
}

/// The system message saying the conversation was handed to a person: after
/// `conversations::take_seq`, in the same batch.
pub fn insert_escalated(site_id: i64, conversation_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO conversation_messages (site_id, conversation_id, seq, author_kind,
                                            author_id, author_name, body, created_at,
                                            escalated)
         SELECT site_id, id, last_seq, 'system', NULL, NULL, 'Handed to a person', ?3, 1
         FROM conversations WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(conversation_id),
            Value::from(now_ms),
        ],
    )
}

/// The message a send with this key wrote (a retry's answer).
pub fn find_by_key(site_id: i64, conversation_id: &str, key: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            message_columns!(),
            with_tickets!(),
            "WHERE m.site_id = ?1 AND m.conversation_id = ?2 AND m.idempotency_key = ?3"
        ),
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
        concat!(
            "SELECT ",
            message_columns!(),
            with_tickets!(),
            "WHERE m.site_id = ?1 AND m.conversation_id = ?2 AND m.seq > ?3
             ORDER BY m.seq
             LIMIT ?4"
        ),
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
