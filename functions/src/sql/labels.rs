//! The `ticket_labels` table. A label exists on a site while some ticket carries it: adding
//! one creates it, removing the last use forgets it.
//!
//! A label and its sublabels (`shared::label`: `billing`, `billing > refund`) are one range of
//! the `label` column's byte order: `label >= ?L AND label < ?L || ' >!'`. It holds `?L` itself
//! and every `?L > …`, and nothing else: the text after `?L` in that range starts with a
//! character below `!`, and a label's only such character is the space of its `" > "` (parts
//! are letters, digits, `-`, `_`, `.`). So `billingx` and `billing-x` are outside `billing`'s
//! range, and a sublabel's range is itself alone (there is no third level). The range is what
//! the labels page moves, and what the list's filter matches (`sql::tickets`), on the indexes
//! `(site_id, label, …)` and `(site_id, ticket_id, label)` alike.

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

/// Every label in use on the site with how many tickets carry it, in the labels' order (a
/// parent sorts right before its sublabels), as rows of `{label, tickets}`.
pub fn counts(site_id: i64) -> Statement {
    Statement::new(
        "SELECT label, COUNT(*) AS tickets FROM ticket_labels WHERE site_id = ?1
         GROUP BY label ORDER BY label",
        vec![Value::from(site_id)],
    )
}

/// How many distinct tickets carry each top-level label or one of its sublabels (what a filter
/// by the parent finds), as rows of `{parent, tickets}`.
pub fn counts_by_parent(site_id: i64) -> Statement {
    Statement::new(
        "SELECT substr(label, 1, instr(label || ' > ', ' > ') - 1) AS parent,
                COUNT(DISTINCT ticket_id) AS tickets
         FROM ticket_labels WHERE site_id = ?1 GROUP BY parent ORDER BY parent",
        vec![Value::from(site_id)],
    )
}

/// The labels in `label`'s range (it and its sublabels) with their ticket counts, as rows of
/// `{label, tickets}`: what a rename, merge or delete of `label` would touch.
pub fn counts_under(site_id: i64, label: &str) -> Statement {
    Statement::new(
        "SELECT label, COUNT(*) AS tickets FROM ticket_labels
         WHERE site_id = ?1 AND label >= ?2 AND label < ?2 || ' >!'
         GROUP BY label ORDER BY label",
        vec![Value::from(site_id), Value::from(label)],
    )
}

/// How many tickets carry a label of `label`'s range whose new name under a move to `to`
/// already exists on the site, as `{n}`: zero when a rename takes no name in use.
pub fn count_taken_by_move(site_id: i64, from: &str, to: &str) -> Statement {
    Statement::new(
        "SELECT COUNT(*) AS n FROM ticket_labels x
         WHERE x.site_id = ?1 AND x.label IN (
             SELECT ?3 || substr(l.label, length(?2) + 1) FROM ticket_labels l
             WHERE l.site_id = ?1 AND l.label >= ?2 AND l.label < ?2 || ' >!')",
        vec![Value::from(site_id), Value::from(from), Value::from(to)],
    )
}

/// A merge's first label step: drops the labels of `from`'s range from the tickets that
/// already carry their new name under `to` (a ticket that has both keeps one). Runs after the
/// events and the touch, which read the same rows, and before `move_range`.
pub fn drop_moved_duplicates(site_id: i64, from: &str, to: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_labels
         WHERE site_id = ?1 AND label >= ?2 AND label < ?2 || ' >!'
           AND EXISTS (SELECT 1 FROM ticket_labels x
                       WHERE x.site_id = ?1 AND x.ticket_id = ticket_labels.ticket_id
                         AND x.label = ?3 || substr(ticket_labels.label, length(?2) + 1))",
        vec![Value::from(site_id), Value::from(from), Value::from(to)],
    )
}

/// Renames every label of `from`'s range: `from` becomes `to`, `from > x` becomes `to > x`,
/// on every ticket of the site at once.
pub fn move_range(site_id: i64, from: &str, to: &str) -> Statement {
    Statement::new(
        "UPDATE ticket_labels SET label = ?3 || substr(label, length(?2) + 1)
         WHERE site_id = ?1 AND label >= ?2 AND label < ?2 || ' >!'",
        vec![Value::from(site_id), Value::from(from), Value::from(to)],
    )
}

/// Removes `label` and its sublabels from every ticket of the site.
pub fn delete_range(site_id: i64, label: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_labels WHERE site_id = ?1 AND label >= ?2 AND label < ?2 || ' >!'",
        vec![Value::from(site_id), Value::from(label)],
    )
}
