//! The `idempotency_keys` table. Reads go through `tickets::find_by_idempotency_key`, which
//! joins the ticket the key made.

use crate::store::{Statement, Value};

/// Claims `key` for this request. Runs first in the create batch: if the key was used before,
/// the primary key refuses it and the whole batch rolls back.
pub fn insert(
    site_id: i64,
    key: &str,
    request_hash: &str,
    ticket_id: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO idempotency_keys (site_id, key, request_hash, ticket_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        vec![
            Value::from(site_id),
            Value::from(key),
            Value::from(request_hash),
            Value::from(ticket_id),
            Value::from(now_ms),
        ],
    )
}

/// Forgets the keys claimed before `cutoff_ms`, across every site: the one statement that is
/// not scoped to a site, because it is the scheduled purge of a table no visitor reads by
/// time. A replay after the cutoff would create a new ticket; the widget retries for minutes,
/// not days.
pub fn delete_claimed_before(cutoff_ms: i64) -> Statement {
    Statement::new(
        "DELETE FROM idempotency_keys WHERE created_at < ?1",
        vec![Value::from(cutoff_ms)],
    )
}

/// Forgets the keys that made a ticket (in its delete batch): a retry of that request after
/// the delete creates a new ticket rather than pointing at one that is gone.
pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM idempotency_keys WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}
