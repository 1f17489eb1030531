//! The `site_members` table: who works which site, as what. Every statement names its site.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct MemberRow {
    pub operator_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub created_at: i64,
    /// 1 while away on this site: routing gives them no tickets (migration 0032).
    #[serde(default)]
    pub away: i64,
}

pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT m.operator_id, o.name, o.email, m.role, m.created_at, m.away
         FROM site_members m JOIN operators o ON o.id = m.operator_id
         WHERE m.site_id = ?1
         ORDER BY o.name, o.email",
        vec![Value::from(site_id)],
    )
}

/// Changes a member's role; returns the member's id when there was such a member. Demoting
/// the last owner fails the batch (migration 0019's trigger: a `CheckViolation`).
pub fn change_role(site_id: i64, operator_id: &str, role: &str) -> Statement {
    Statement::new(
        "UPDATE site_members SET role = ?3
         WHERE site_id = ?1 AND operator_id = ?2
         RETURNING operator_id",
        vec![
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(role),
        ],
    )
}

/// Deletes the member's API tokens on this site (tokens reference the membership, so they go
/// first, in the same batch as `remove`; if `remove` fails, they stay).
pub fn remove_tokens(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM operator_tokens WHERE site_id = ?1 AND operator_id = ?2",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}

/// Removes a member; returns the member's id when there was such a member. Removing the last
/// owner fails the batch (migration 0019's trigger: a `CheckViolation`).
pub fn remove(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM site_members WHERE site_id = ?1 AND operator_id = ?2
         RETURNING operator_id",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}

/// One member by id (is this operator on the site, and as what: an assignee must be).
pub fn find(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "SELECT m.operator_id, o.name, o.email, m.role, m.created_at, m.away
         FROM site_members m JOIN operators o ON o.id = m.operator_id
         WHERE m.site_id = ?1 AND m.operator_id = ?2",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}

/// Sets a member's away switch (their own, on the account page); returns their id when they
/// are a member.
pub fn set_away(site_id: i64, operator_id: &str, away: bool) -> Statement {
    Statement::new(
        "UPDATE site_members SET away = ?3 WHERE site_id = ?1 AND operator_id = ?2
         RETURNING operator_id",
        vec![
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(away),
        ],
    )
}
