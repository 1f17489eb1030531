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

// --- Pulls -----------------------------------------------------------------------------------
