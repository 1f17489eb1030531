//! The `ticket_search` FTS5 index (migration 0005). Its rowid is `site_id * 2^32 + number`.
//! Every batch that writes a ticket's code, subject, description, requester or comments ends
//! with `refresh` for that ticket; the delete batch starts with `remove`.

use crate::store::{Statement, Value};

/// The index's entry for each ticket of `tickets t` (the statement adds which tickets): written
/// once, so a single ticket's refresh and a batch's re-index can never index different text.
macro_rules! index_entries {
    () => {
        "INSERT OR REPLACE INTO ticket_search (rowid, code, subject, description, requester,
                                               comments)
         SELECT t.site_id * 4294967296 + t.number, t.code, t.subject, t.description,
                coalesce(t.requester_name, '') || ' ' || coalesce(t.requester_email, ''),
                coalesce((SELECT group_concat(c.body, ' ') FROM ticket_comments c
                          WHERE c.site_id = t.site_id AND c.ticket_id = t.id), '')
         FROM tickets t"
    };
}

/// Drops a ticket's entry. Runs before the ticket row is deleted (it reads the number).
pub fn remove(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_search
         WHERE rowid = (SELECT site_id * 4294967296 + number FROM tickets
                        WHERE site_id = ?1 AND id = ?2)",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// Writes a ticket's entry from its current rows (replacing any earlier one). Runs after the
/// statements that changed them, in the same batch.
pub fn refresh(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        concat!(index_entries!(), " WHERE t.site_id = ?1 AND t.id = ?2"),
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// `refresh` for the tickets numbered in `numbers_json` (a JSON array): a batch that rewrote
/// many tickets at once (an erasure) re-indexes them, so nothing it removed stays searchable.
pub fn refresh_numbers(site_id: i64, numbers_json: &str) -> Statement {
    Statement::new(
        concat!(
            index_entries!(),
            " WHERE t.site_id = ?1 AND t.number IN (SELECT value FROM json_each(?2))"
        ),
        vec![Value::from(site_id), Value::from(numbers_json)],
    )
}
