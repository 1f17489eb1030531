//! The `team_members` table: who is in which team of a site. A member must be a member of
//! the site who works tickets (not a guest); leaving the site takes them out of its teams.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A team's member with what the teams page shows of them.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamMemberRow {
    pub team_id: i64,
    pub operator_id: String,
    pub name: String,
    pub email: String,
    /// 1 while the member is away on this site (no routed tickets).
    pub away: i64,
}

/// Every team's members on the site, by team and name.
pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT tm.team_id, tm.operator_id, o.name, o.email, s.away
         FROM team_members tm
         JOIN site_members s ON s.site_id = tm.site_id AND s.operator_id = tm.operator_id
         JOIN operators o ON o.id = tm.operator_id
         WHERE tm.site_id = ?1
         ORDER BY tm.team_id, o.name, o.email",
        vec![Value::from(site_id)],
    )
}

/// Adds a member of the site (one who works tickets) to a team of the site; returns the
/// operator's id when added, nothing when either is not the site's (or is a guest). Adding
/// someone already in the team fails the batch (`UniqueViolation`).
pub fn insert(site_id: i64, team_id: i64, operator_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO team_members (site_id, team_id, operator_id, created_at)
         SELECT ?1, ?2, ?3, ?4
         WHERE EXISTS (SELECT 1 FROM teams WHERE site_id = ?1 AND id = ?2)
           AND EXISTS (SELECT 1 FROM site_members WHERE site_id = ?1 AND operator_id = ?3
                                                     AND role <> 'guest')
         RETURNING operator_id",
        vec![
            Value::from(site_id),
            Value::from(team_id),
            Value::from(operator_id),
            Value::from(now_ms),
        ],
    )
}

/// Takes a member out of a team; returns their id when they were in it.
pub fn remove(site_id: i64, team_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM team_members WHERE site_id = ?1 AND team_id = ?2 AND operator_id = ?3
         RETURNING operator_id",
        vec![
            Value::from(site_id),
            Value::from(team_id),
            Value::from(operator_id),
        ],
    )
}

/// Empties a team (before it is deleted, in the same batch).
pub fn delete_for_team(site_id: i64, team_id: i64) -> Statement {
    Statement::new(
        "DELETE FROM team_members WHERE site_id = ?1 AND team_id = ?2",
        vec![Value::from(site_id), Value::from(team_id)],
    )
}

/// Takes an operator out of every team of the site (they leave the site, same batch).
pub fn delete_for_operator(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM team_members WHERE site_id = ?1 AND operator_id = ?2",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}
