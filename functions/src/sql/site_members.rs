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
}

pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT m.operator_id, o.name, o.email, m.role, m.created_at
         FROM site_members m JOIN operators o ON o.id = m.operator_id
         WHERE m.site_id = ?1
         ORDER BY o.name, o.email",
        vec![Value::from(site_id)],
    )
}

/// Adds a member (or gives an existing one the new role).
pub fn upsert(site_id: i64, operator_id: &str, role: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO site_members (site_id, operator_id, role, created_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (site_id, operator_id) DO UPDATE SET role = excluded.role",
        vec![
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(role),
            Value::from(now),
        ],
    )
}

/// The guard of the last-owner rule, shared by the statements below: the member is not an
/// owner, or another owner remains. Checked inside each statement, so two owners demoting each
/// other at once cannot both succeed.
macro_rules! another_owner_remains {
    () => {
        "(SELECT role FROM site_members WHERE site_id = ?1 AND operator_id = ?2) <> 'owner'
          OR (SELECT COUNT(*) FROM site_members WHERE site_id = ?1 AND role = 'owner') > 1"
    };
}

/// Changes a member's role; returns the member's id when it applied. Demoting the last owner
/// does not apply.
pub fn change_role(site_id: i64, operator_id: &str, role: &str) -> Statement {
    Statement::new(
        concat!(
            "UPDATE site_members SET role = ?3
             WHERE site_id = ?1 AND operator_id = ?2 AND (?3 = 'owner' OR ",
            another_owner_remains!(),
            ") RETURNING operator_id"
        ),
        vec![
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(role),
        ],
    )
}

/// Deletes the member's API tokens on this site, unless they are the last owner (tokens
/// reference the membership, so they go first, in the same batch as `remove`).
pub fn remove_tokens(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        concat!(
            "DELETE FROM operator_tokens WHERE site_id = ?1 AND operator_id = ?2 AND (",
            another_owner_remains!(),
            ")"
        ),
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}

/// Removes a member; returns the member's id when it applied. The last owner stays.
pub fn remove(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        concat!(
            "DELETE FROM site_members WHERE site_id = ?1 AND operator_id = ?2 AND (",
            another_owner_remains!(),
            ") RETURNING operator_id"
        ),
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}

/// One member by id (is this operator on the site, and as what: an assignee must be).
pub fn find(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "SELECT m.operator_id, o.name, o.email, m.role, m.created_at
         FROM site_members m JOIN operators o ON o.id = m.operator_id
         WHERE m.site_id = ?1 AND m.operator_id = ?2",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}
