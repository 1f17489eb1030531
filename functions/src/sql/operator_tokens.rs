//! The `operator_tokens` table (API tokens), read together with the membership and operator
//! each stands for. Only SHA-256 hashes are stored.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// Who a token signs in as.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenOwnerRow {
    pub operator_id: String,
    pub operator_name: String,
    pub operator_email: String,
    pub role: String,
    pub site_id: i64,
    pub site_key: String,
    pub site_name: String,
}

pub fn find_owner(token_hash: &str) -> Statement {
    Statement::new(
        "SELECT o.id AS operator_id, o.name AS operator_name, o.email AS operator_email, m.role, s.id AS site_id,
                s.key AS site_key, s.name AS site_name
         FROM operator_tokens t
         JOIN site_members m ON m.site_id = t.site_id AND m.operator_id = t.operator_id
         JOIN operators o ON o.id = t.operator_id
         JOIN sites s ON s.id = t.site_id
         WHERE t.token_hash = ?1",
        vec![Value::from(token_hash)],
    )
}

/// Stamps a token's last use. Unknown hashes change nothing.
pub fn touch(token_hash: &str, now: i64) -> Statement {
    Statement::new(
        "UPDATE operator_tokens SET last_used_at = ?2 WHERE token_hash = ?1",
        vec![Value::from(token_hash), Value::from(now)],
    )
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenRow {
    /// NULL only for a token inserted by hand without one (migration 0004 gave every existing
    /// token an id); such a token is listed but cannot be revoked from the page.
    pub id: Option<String>,
    pub label: String,
    pub operator_name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// The site's tokens, newest first.
pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT t.id, t.label, o.name AS operator_name, t.created_at, t.last_used_at
         FROM operator_tokens t JOIN operators o ON o.id = t.operator_id
         WHERE t.site_id = ?1
         ORDER BY t.created_at DESC, t.id",
        vec![Value::from(site_id)],
    )
}

pub fn insert(
    token_hash: &str,
    id: &str,
    site_id: i64,
    operator_id: &str,
    label: &str,
    now: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO operator_tokens (token_hash, id, site_id, operator_id, label, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        vec![
            Value::from(token_hash),
            Value::from(id),
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(label),
            Value::from(now),
        ],
    )
}

/// Revokes one of the site's tokens; returns its id when it existed.
pub fn delete(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "DELETE FROM operator_tokens WHERE site_id = ?1 AND id = ?2 RETURNING id",
        vec![Value::from(site_id), Value::from(id)],
    )
}
