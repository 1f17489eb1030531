//! The `site_members` table, read with the operators' names: who works a site, as what.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct MemberRow {
    pub operator_id: String,
    pub name: String,
    pub role: String,
}

/// The site's members by name (assignee choices, and names for ids in the timeline).
pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT m.operator_id, o.name, m.role
         FROM site_members m JOIN operators o ON o.id = m.operator_id
         WHERE m.site_id = ?1
         ORDER BY o.name, m.operator_id",
        vec![Value::from(site_id)],
    )
}

pub fn find(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "SELECT m.operator_id, o.name, m.role
         FROM site_members m JOIN operators o ON o.id = m.operator_id
         WHERE m.site_id = ?1 AND m.operator_id = ?2",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}
