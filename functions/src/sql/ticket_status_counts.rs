//! The `ticket_status_counts` table: tickets per site and status, kept by triggers on
//! `tickets` (migration 0017), so nothing here writes it.

use crate::store::{Statement, Value};

/// How many tickets the site has in each status (the list's tabs), whatever the filter.
pub fn for_site(site_id: i64) -> Statement {
    Statement::new(
        "SELECT status, n FROM ticket_status_counts WHERE site_id = ?1",
        vec![Value::from(site_id)],
    )
}
