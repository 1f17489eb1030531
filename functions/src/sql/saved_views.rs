//! The `saved_views` table: an operator's named list queries on one site. Every statement is
//! scoped to the site and to the operator, so nobody reads, renames or deletes another's view.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct SavedViewRow {
    pub id: String,
    pub name: String,
    pub query: String,
    pub pinned: i64,
}

pub fn list(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "SELECT id, name, query, pinned FROM saved_views
         WHERE site_id = ?1 AND operator_id = ?2
         ORDER BY pinned DESC, name COLLATE NOCASE, id",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}

pub struct NewView<'a> {
    pub site_id: i64,
    pub operator_id: &'a str,
    pub id: &'a str,
    pub name: &'a str,
    pub query: &'a str,
    pub pinned: bool,
    pub now_ms: i64,
}

pub fn insert(v: NewView<'_>) -> Statement {
    Statement::new(
        "INSERT INTO saved_views (id, site_id, operator_id, name, query, pinned, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        vec![
            Value::from(v.id),
            Value::from(v.site_id),
            Value::from(v.operator_id),
            Value::from(v.name),
            Value::from(v.query),
            Value::from(v.pinned),
            Value::from(v.now_ms),
        ],
    )
}

/// Renames (and pins or unpins) one of the operator's own views; `RETURNING` tells whether
/// there was one.
pub fn update(site_id: i64, operator_id: &str, id: &str, name: &str, pinned: bool) -> Statement {
    Statement::new(
        "UPDATE saved_views SET name = ?4, pinned = ?5
         WHERE site_id = ?1 AND operator_id = ?2 AND id = ?3 RETURNING id",
        vec![
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(id),
            Value::from(name),
            Value::from(pinned),
        ],
    )
}

pub fn delete(site_id: i64, operator_id: &str, id: &str) -> Statement {
    Statement::new(
        "DELETE FROM saved_views WHERE site_id = ?1 AND operator_id = ?2 AND id = ?3
         RETURNING id",
        vec![
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(id),
        ],
    )
}
