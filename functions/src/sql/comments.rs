//! The `ticket_comments` table: internal notes and replies to the customer.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A comment as operators see it (visitor routes never select this table's internal rows).
#[derive(Debug, Clone, Deserialize)]
pub struct CommentRow {
    pub id: i64,
    pub visibility: String,
    pub author_kind: String,
    pub author_id: Option<String>,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

pub struct NewComment<'a> {
    pub site_id: i64,
    pub ticket_id: &'a str,
    pub visibility: &'static str,
    pub author_kind: &'static str,
    pub author_id: Option<&'a str>,
    pub author_name: &'a str,
    pub body: &'a str,
    pub now_ms: i64,
    /// A visitor's reply: its send's Idempotency-Key (unique per ticket).
    pub idempotency_key: Option<&'a str>,
}

pub fn insert(c: NewComment<'_>) -> Statement {
    Statement::new(
        "INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_id,
                                      author_name, body, created_at, idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        vec![
            Value::from(c.site_id),
            Value::from(c.ticket_id),
            Value::from(c.visibility),
            Value::from(c.author_kind),
            Value::from(c.author_id),
            Value::from(c.author_name),
            Value::from(c.body),
            Value::from(c.now_ms),
            Value::from(c.idempotency_key),
        ],
    )
}

/// A visitor's reply, under the ticket's requester name (or "Visitor"). Follows
/// `ticket_events::insert_visitor_guarded` in its batch, which has checked the ticket is theirs.
pub fn insert_visitor_reply(
    site_id: i64,
    ticket_id: &str,
    visitor_id: &str,
    body: &str,
    now_ms: i64,
    idempotency_key: &str,
) -> Statement {
    Statement::new(
        "INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_id,
                                      author_name, body, created_at, idempotency_key)
         SELECT ?1, ?2, 'public', 'visitor', ?3, coalesce(requester_name, 'Visitor'), ?4, ?5, ?6
         FROM tickets WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(visitor_id),
            Value::from(body),
            Value::from(now_ms),
            Value::from(idempotency_key),
        ],
    )
}

/// The requester's reply by e-mail, under the ticket's requester name and as its visitor's (so
/// the widget's thread shows it as theirs). Follows `ticket_events::insert_mail_guarded`.
pub fn insert_email_reply(
    site_id: i64,
    ticket_id: &str,
    body: &str,
    now_ms: i64,
    idempotency_key: &str,
) -> Statement {
    Statement::new(
        "INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_id,
                                      author_name, body, created_at, idempotency_key)
         SELECT ?1, ?2, 'public', 'visitor', visitor_id,
                coalesce(requester_name, requester_email, 'Visitor'), ?3, ?4, ?5
         FROM tickets WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(body),
            Value::from(now_ms),
            Value::from(idempotency_key),
        ],
    )
}

/// A comment as its ticket's visitor may see it: a customer-facing one (never an internal
/// note: the `visibility = 'public'` filter is in every statement below).
#[derive(Debug, Clone, Deserialize)]
pub struct PublicCommentRow {
    pub id: i64,
    pub author_kind: String,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
    pub idempotency_key: Option<String>,
}

/// The public comments of a ticket, oldest first.
pub fn public_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "SELECT id, author_kind, author_name, body, created_at, idempotency_key
         FROM ticket_comments
         WHERE site_id = ?1 AND ticket_id = ?2 AND visibility = 'public'
         ORDER BY created_at, id",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// The public comment a reply's Idempotency-Key wrote.
pub fn public_by_key(site_id: i64, ticket_id: &str, key: &str) -> Statement {
    Statement::new(
        "SELECT id, author_kind, author_name, body, created_at, idempotency_key
         FROM ticket_comments
         WHERE site_id = ?1 AND ticket_id = ?2 AND idempotency_key = ?3
           AND visibility = 'public'",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(key),
        ],
    )
}

/// Every comment of a ticket (found by its code), oldest first.
pub fn for_ticket_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "SELECT c.id, c.visibility, c.author_kind, c.author_id, c.author_name, c.body,
                c.created_at
         FROM ticket_comments c
         JOIN tickets t ON t.site_id = c.site_id AND t.id = c.ticket_id
         WHERE c.site_id = ?1 AND t.code = ?2
         ORDER BY c.created_at, c.id",
        vec![Value::from(site_id), Value::from(code)],
    )
}

pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_comments WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// A comment with its ticket, for the export.
#[derive(Debug, Clone, Deserialize)]
pub struct ExportCommentRow {
    pub ticket_id: String,
    #[serde(flatten)]
    pub comment: CommentRow,
}

/// The comments of `tickets::export_page(site_id, after, limit)`'s tickets, oldest first.
pub fn export_page(site_id: i64, after: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT ticket_id, id, visibility, author_kind, author_id, author_name, body, created_at
         FROM ticket_comments
         WHERE site_id = ?1 AND ticket_id IN (
             SELECT id FROM tickets WHERE site_id = ?1 AND number > ?2 ORDER BY number LIMIT ?3)
         ORDER BY created_at, id",
        vec![Value::from(site_id), Value::from(after), Value::from(limit)],
    )
}

/// The requester's own replies on `email`'s tickets numbered up to `last` lose their author
/// name and text (a visitor's comments on a ticket are its requester's). Part of the erasure
/// batch; runs before `tickets::erase_requester` changes the email it matches on.
pub fn erase_requester(site_id: i64, email: &str, last: i64, placeholder: &str) -> Statement {
    Statement::new(
        "UPDATE ticket_comments SET author_name = ?4, body = ?4
         WHERE site_id = ?1 AND author_kind = 'visitor' AND ticket_id IN (
             SELECT id FROM tickets
             WHERE site_id = ?1 AND requester_email = ?2 COLLATE NOCASE AND number <= ?3)",
        vec![
            Value::from(site_id),
            Value::from(email),
            Value::from(last),
            Value::from(placeholder),
        ],
    )
}
