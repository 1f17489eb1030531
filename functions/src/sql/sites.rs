//! The `sites` table: tenants and their settings.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A site's row as the service reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct SiteRow {
    pub id: i64,
    pub key: String,
    pub code_prefix: String,
    pub ticketing_enabled: i64,
    pub contact_required: i64,
    pub cta_label: String,
    pub locale: String,
    /// JSON array of origins.
    pub allowed_origins: String,
}

pub fn find_by_key(key: &str) -> Statement {
    Statement::new(
        "SELECT id, key, code_prefix, ticketing_enabled, contact_required, cta_label, locale,
                allowed_origins
         FROM sites WHERE key = ?1",
        vec![Value::from(key)],
    )
}

/// Takes the next ticket number. Must run in the same batch as `tickets::insert_numbered`,
/// which reads the bumped counter back: the batch is one transaction, so concurrent creates
/// serialise here and numbers stay gapless.
pub fn take_ticket_number(site_id: i64) -> Statement {
    Statement::new(
        "UPDATE sites SET next_ticket_number = next_ticket_number + 1 WHERE id = ?1",
        vec![Value::from(site_id)],
    )
}
