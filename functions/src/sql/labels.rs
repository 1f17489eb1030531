//! The `ticket_labels` table. A label exists on a site while some ticket carries it: adding
//! one creates it, removing the last use forgets it.

use crate::store::{Statement, Value};

pub fn insert(site_id: i64, ticket_id: &str, label: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(label),
            Value::from(now_ms),
        ],
    )
}

pub fn delete(site_id: i64, ticket_id: &str, label: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_labels WHERE site_id = ?1 AND ticket_id = ?2 AND label = ?3",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(label),
        ],
    )
}

/// A ticket's labels (found by its code), alphabetically, as rows of `{label}`.
pub fn for_ticket_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "SELECT l.label
         FROM ticket_labels l
         JOIN tickets t ON t.site_id = l.site_id AND t.id = l.ticket_id
         WHERE l.site_id = ?1 AND t.code = ?2
         ORDER BY l.label",
        vec![Value::from(site_id), Value::from(code)],
    )
}

/// Every label in use on the site (suggestions when adding one), as rows of `{label}`.
pub fn in_use(site_id: i64) -> Statement {
    Statement::new(
        "SELECT DISTINCT label FROM ticket_labels WHERE site_id = ?1 ORDER BY label LIMIT 200",
        vec![Value::from(site_id)],
    )
}

pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_labels WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// The labels of `tickets::export_page(site_id, after, limit)`'s tickets, as rows of
/// `{ticket_id, label}`.
pub fn export_page(site_id: i64, after: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT ticket_id, label FROM ticket_labels
         WHERE site_id = ?1 AND ticket_id IN (
             SELECT id FROM tickets WHERE site_id = ?1 AND number > ?2 ORDER BY number LIMIT ?3)
         ORDER BY label",
        vec![Value::from(site_id), Value::from(after), Value::from(limit)],
    )
}
