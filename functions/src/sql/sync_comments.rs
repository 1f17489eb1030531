//! The `sync_comments` table: remote comments we know under a connection, pushed by us or
//! pulled, each tied to our comment. A comment is pushed once (the push job's anti-join), and
//! one that comes back as a webhook (our push echoed) or comes twice is not pulled again.

use crate::store::{Statement, Value};

/// Records that our comment `comment_id` is the remote comment `remote_comment_id` (pushed
/// or pulled). A second record of the same remote comment changes nothing.
pub fn insert(
    connection_id: i64,
    remote_comment_id: &str,
    ticket_id: &str,
    comment_id: i64,
    direction: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO sync_comments
             (connection_id, remote_comment_id, ticket_id, comment_id, direction, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO NOTHING",
        vec![
            Value::from(connection_id),
            Value::from(remote_comment_id),
            Value::from(ticket_id),
            Value::from(comment_id),
            Value::from(direction),
            Value::from(now_ms),
        ],
    )
}

// --- The push job ----------------------------------------------------------------------------

/// A comment of ours not yet on the remote side.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct UnpushedRow {
    pub id: i64,
    pub visibility: String,
    pub author_name: String,
    pub body: String,
}

/// The ticket's comments not yet known remotely (neither pushed nor pulled: a pulled one came
/// from there), in order.
pub fn unpushed(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "SELECT c.id, c.visibility, c.author_name, c.body FROM ticket_comments c
         WHERE c.site_id = ?1 AND c.ticket_id = ?2
           AND NOT EXISTS (SELECT 1 FROM sync_comments s WHERE s.comment_id = c.id)
         ORDER BY c.id",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// A deleted ticket's known comments (its delete batch, before its comments go).
pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM sync_comments
         WHERE ticket_id = ?2
           AND EXISTS (SELECT 1 FROM tickets t WHERE t.site_id = ?1 AND t.id = ?2)",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

// --- Pulls -----------------------------------------------------------------------------------

/// The remote comments of `remote_ids_json` (a JSON array of strings) already known under the
/// connection: pushed by us (our push echoed) or pulled before.
pub fn known(connection_id: i64, remote_ids_json: &str) -> Statement {
    Statement::new(
        "SELECT remote_comment_id FROM sync_comments
         WHERE connection_id = ?1 AND remote_comment_id IN (SELECT value FROM json_each(?2))",
        vec![Value::from(connection_id), Value::from(remote_ids_json)],
    )
}

/// Records a pulled comment, after its insert in the same batch: our comment is found by the
/// key it was written with (`key`, unique per ticket), as its id is not known before the batch.
pub fn insert_pulled(
    connection_id: i64,
    remote_comment_id: &str,
    site_id: i64,
    ticket_id: &str,
    key: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO sync_comments
             (connection_id, remote_comment_id, ticket_id, comment_id, direction, created_at)
         SELECT ?1, ?2, c.ticket_id, c.id, 'pull', ?6
         FROM ticket_comments c
         WHERE c.site_id = ?3 AND c.ticket_id = ?4 AND c.idempotency_key = ?5",
        vec![
            Value::from(connection_id),
            Value::from(remote_comment_id),
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(key),
            Value::from(now_ms),
        ],
    )
}
