//! The `sync_webhook_events` table: the help-desk webhook deliveries taken, by the platform's
//! event id under one connection. The mark is written in the same batch as the changes it
//! admits, so a replay (or a duplicate delivery) writes nothing and a batch that failed leaves
//! no mark; the hourly upkeep forgets marks after a week. Scoped by connection, which belongs
//! to one site (the webhook route found it by the id its URL names).

use crate::store::{Statement, Value};

/// The event ids of `event_ids_json` (a JSON array of strings) already taken under the
/// connection: the route's early answer to a replay, before anything is planned.
pub fn taken(connection_id: i64, event_ids_json: &str) -> Statement {
    Statement::new(
        "SELECT event_id FROM sync_webhook_events
         WHERE connection_id = ?1 AND event_id IN (SELECT value FROM json_each(?2))",
        vec![Value::from(connection_id), Value::from(event_ids_json)],
    )
}

/// Marks the event `event_id` taken. Deliberately no `ON CONFLICT`: a second delivery that
/// raced past `taken` fails its whole batch on the primary key (`UniqueViolation`), so the
/// changes it carries are written once, by whichever batch committed first.
pub fn insert(connection_id: i64, event_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO sync_webhook_events (connection_id, event_id, received_at)
         VALUES (?1, ?2, ?3)",
        vec![
            Value::from(connection_id),
            Value::from(event_id),
            Value::from(now_ms),
        ],
    )
}

/// Forgets the marks taken before `cutoff_ms` (the upkeep: longer than any platform retries).
pub fn delete_before(cutoff_ms: i64) -> Statement {
    Statement::new(
        "DELETE FROM sync_webhook_events WHERE received_at < ?1",
        vec![Value::from(cutoff_ms)],
    )
}
