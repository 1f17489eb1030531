//! The `conversations` table: one chat between a visitor and a site's team.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct ConversationRow {
    pub id: String,
    pub visitor_id: String,
    pub created_at: i64,
    pub last_message_at: i64,
    pub expires_at: i64,
    pub last_seq: i64,
    pub operator_read_seq: i64,
    pub visitor_seq: i64,
    /// The contact details the visitor gave in the chat (NULL until given).
    #[serde(default)]
    pub requester_name: Option<String>,
    #[serde(default)]
    pub requester_email: Option<String>,
    /// When the conversation was handed to a person (migration 0027): the bot stays quiet
    /// while it is set. NULL: the bot answers.
    #[serde(default)]
    pub escalated_at: Option<i64>,
    /// Why (`visitor_asked`, `hand_off`, `provider_failed`, `message_limit`).
    #[serde(default)]
    pub escalation_reason: Option<String>,
    /// The model's words for a `hand_off`.
    #[serde(default)]
    pub escalation_note: Option<String>,
    /// Why the automatic ticket was refused (`ticketing_off`, `daily_cap`, `contact_missing`).
    #[serde(default)]
    pub escalation_ticket_refused: Option<String>,
    /// The bot's messages since the start or the last hand-back (the message limit).
    #[serde(default)]
    pub bot_answers: i64,
}

/// A new conversation; `requester` is the contact it starts with (a signed identity's name
/// and email), each NULL until given.
pub fn insert(
    site_id: i64,
    id: &str,
    visitor_id: &str,
    requester: (Option<&str>, Option<&str>),
    now_ms: i64,
    expires_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO conversations (id, site_id, visitor_id, created_at, last_message_at,
                                    expires_at, requester_name, requester_email)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)",
        vec![
            Value::from(id),
            Value::from(site_id),
            Value::from(visitor_id),
            Value::from(now_ms),
            Value::from(expires_ms),
            Value::from(requester.0),
            Value::from(requester.1),
        ],
    )
}

/// One live (not yet expired) conversation of the site.
pub fn find(site_id: i64, id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "SELECT id, visitor_id, created_at, last_message_at, expires_at, last_seq,
                operator_read_seq, visitor_seq, requester_name, requester_email,
                escalated_at, escalation_reason, escalation_note, escalation_ticket_refused,
                bot_answers
         FROM conversations
         WHERE site_id = ?1 AND id = ?2 AND expires_at > ?3",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}

/// The inbox: the site's live conversations that have at least one message: those waiting
/// for a person (escalated) first, longest waiting first, then the rest by newest activity.
pub fn inbox(site_id: i64, now_ms: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT id, visitor_id, created_at, last_message_at, expires_at, last_seq,
                operator_read_seq, visitor_seq, requester_name, requester_email,
                escalated_at, escalation_reason, escalation_note, escalation_ticket_refused,
                bot_answers
         FROM conversations
         WHERE site_id = ?1 AND expires_at > ?2 AND last_seq > 0
         ORDER BY escalated_at IS NULL, escalated_at, last_message_at DESC, id DESC
         LIMIT ?3",
        vec![
            Value::from(site_id),
            Value::from(now_ms),
            Value::from(limit),
        ],
    )
}

/// How many live conversations wait for a person (escalated, not handed back): the header's
/// notice, counted in `conversations_escalated`.
pub fn count_waiting_for_person(site_id: i64, now_ms: i64) -> Statement {
    Statement::new(
        "SELECT count(*) AS n FROM conversations
         WHERE site_id = ?1 AND escalated_at IS NOT NULL AND expires_at > ?2",
        vec![Value::from(site_id), Value::from(now_ms)],
    )
}

/// Takes the next seq for a message by `author_kind` and moves the expiry: runs first in the
/// send batch, so the message insert that follows reads the new `last_seq`. SQLite evaluates
/// every right-hand side against the old row, so `last_seq + 1` is the new seq throughout.
/// A bot's message counts towards the site's message limit (`bot_answers`).
pub fn take_seq(
    site_id: i64,
    id: &str,
    author_kind: &str,
    now_ms: i64,
    expires_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE conversations
         SET last_seq = last_seq + 1,
             last_message_at = ?3,
             expires_at = ?4,
             visitor_seq = CASE WHEN ?5 = 'visitor' THEN last_seq + 1 ELSE visitor_seq END,
             operator_read_seq = CASE WHEN ?5 = 'operator' THEN visitor_seq
                                      ELSE operator_read_seq END,
             bot_answers = bot_answers + (?5 = 'bot')
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(now_ms),
            Value::from(expires_ms),
            Value::from(author_kind),
        ],
    )
}

/// The contact details the visitor gave in the chat: only on their own live conversation (the
/// caller has checked it is theirs; the visitor condition keeps the statement safe alone).
pub fn set_contact(
    site_id: i64,
    id: &str,
    visitor_id: &str,
    name: &str,
    email: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE conversations SET requester_name = ?4, requester_email = ?5
         WHERE site_id = ?1 AND id = ?2 AND visitor_id = ?3 AND expires_at > ?6",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(visitor_id),
            Value::from(name),
            Value::from(email),
            Value::from(now_ms),
        ],
    )
}

/// Hands the conversation to a person: only when it is not already (a second escalation
/// changes nothing), on a live conversation.
pub fn escalate(
    site_id: i64,
    id: &str,
    reason: &str,
    note: Option<&str>,
    ticket_refused: Option<&str>,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE conversations
         SET escalated_at = ?5, escalation_reason = ?3, escalation_note = ?4,
             escalation_ticket_refused = ?6
         WHERE site_id = ?1 AND id = ?2 AND escalated_at IS NULL AND expires_at > ?5",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(reason),
            Value::from(note),
            Value::from(now_ms),
            Value::from(ticket_refused),
        ],
    )
}

/// An operator hands the conversation back to the bot: the pause and the message count start
/// over.
pub fn hand_back(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "UPDATE conversations
         SET escalated_at = NULL, escalation_reason = NULL, escalation_note = NULL,
             escalation_ticket_refused = NULL, bot_answers = 0
         WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// An operator has seen the conversation up to `seq`.
pub fn mark_read(site_id: i64, id: &str, seq: i64) -> Statement {
    Statement::new(
        "UPDATE conversations SET operator_read_seq = max(operator_read_seq, ?3)
         WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id), Value::from(seq)],
    )
}

/// The purge: conversations past their expiry, across every site (a scheduled job with no
/// site to scope to, like `idempotency_keys::delete_claimed_before`). Runs after
/// `messages::delete_expired`, in the same batch.
pub fn delete_expired(now_ms: i64) -> Statement {
    Statement::new(
        "DELETE FROM conversations WHERE expires_at <= ?1",
        vec![Value::from(now_ms)],
    )
}
