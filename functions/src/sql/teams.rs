//! The `teams` table: a site's teams (Billing, Technical …) and each team's round-robin
//! cursor (the member its last routed ticket went to). Every statement names its site.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
}

/// The site's teams by name.
pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT id, name, created_at FROM teams WHERE site_id = ?1 ORDER BY name, id",
        vec![Value::from(site_id)],
    )
}

/// One team of the site.
pub fn find(site_id: i64, id: i64) -> Statement {
    Statement::new(
        "SELECT id, name, created_at FROM teams WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// A new team; a name the site already has fails the batch (`UniqueViolation`).
pub fn insert(site_id: i64, name: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO teams (site_id, name, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        vec![Value::from(site_id), Value::from(name), Value::from(now_ms)],
    )
}

/// Renames a team; returns its id when the site has it.
pub fn rename(site_id: i64, id: i64, name: &str) -> Statement {
    Statement::new(
        "UPDATE teams SET name = ?3 WHERE site_id = ?1 AND id = ?2 RETURNING id",
        vec![Value::from(site_id), Value::from(id), Value::from(name)],
    )
}

/// Deletes a team (after its members, rules and tickets let go of it, in the same batch);
/// returns its id when the site had it.
pub fn delete(site_id: i64, id: i64) -> Statement {
    Statement::new(
        "DELETE FROM teams WHERE site_id = ?1 AND id = ?2 RETURNING id",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// Moves the team's round-robin cursor to whoever the routed ticket `ticket_id` went to
/// (`tickets::route_to_team` picked them in the same batch, reading this cursor): the next
/// ticket routed to the team starts after them. Nothing moves when nobody was available.
pub fn advance_cursor(site_id: i64, team_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "UPDATE teams SET last_assigned_id = (
             SELECT assignee_id FROM tickets WHERE site_id = ?1 AND id = ?3)
         WHERE site_id = ?1 AND id = ?2
           AND (SELECT assignee_id FROM tickets WHERE site_id = ?1 AND id = ?3) IS NOT NULL",
        vec![
            Value::from(site_id),
            Value::from(team_id),
            Value::from(ticket_id),
        ],
    )
}

/// The site's teams by name (at most 200): the list's team filter choices, read in the list's
/// batch.
pub fn team_choices(site_id: i64) -> Statement {
    Statement::new(
        "SELECT id, name FROM teams WHERE site_id = ?1 ORDER BY name LIMIT 200",
        vec![Value::from(site_id)],
    )
}
