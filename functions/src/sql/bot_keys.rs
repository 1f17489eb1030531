//! The `bot_keys` table: per-site keys for bots outside the widget (the tools' HTTP routes and
//! the MCP server). Only SHA-256 hashes are stored.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// The site a key belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct KeySiteRow {
    pub site_key: String,
}

pub fn find_site(key_hash: &str) -> Statement {
    Statement::new(
        "SELECT s.key AS site_key FROM bot_keys b JOIN sites s ON s.id = b.site_id
         WHERE b.key_hash = ?1",
        vec![Value::from(key_hash)],
    )
}

/// Stamps a key's last use (at most once a minute: `?3` is a minute ago).
pub fn touch(key_hash: &str, now: i64, minute_ago: i64) -> Statement {
    Statement::new(
        "UPDATE bot_keys SET last_used_at = ?2
         WHERE key_hash = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
        vec![
            Value::from(key_hash),
            Value::from(now),
            Value::from(minute_ago),
        ],
    )
}

#[derive(Debug, Clone, Deserialize)]
pub struct BotKeyRow {
    pub id: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// The site's keys, newest first.
pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT id, label, created_at, last_used_at FROM bot_keys
         WHERE site_id = ?1 ORDER BY created_at DESC, id",
        vec![Value::from(site_id)],
    )
}

pub fn insert(
    id: &str,
    key_hash: &str,
    site_id: i64,
    label: &str,
    created_by: &str,
    now: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO bot_keys (id, key_hash, site_id, label, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        vec![
            Value::from(id),
            Value::from(key_hash),
            Value::from(site_id),
            Value::from(label),
            Value::from(created_by),
            Value::from(now),
        ],
    )
}

/// Deletes one of the site's keys; `RETURNING` tells whether there was one.
pub fn delete(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "DELETE FROM bot_keys WHERE site_id = ?1 AND id = ?2 RETURNING id",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// Deletes the site's keys a member created: what their removal ends (the key was shown to
/// them, so it leaves with them). In the removal's batch, before the membership goes.
pub fn delete_created_by(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM bot_keys WHERE site_id = ?1 AND created_by = ?2",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}
