//! The `operator_tokens` table, read together with the membership and operator it stands for.

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
