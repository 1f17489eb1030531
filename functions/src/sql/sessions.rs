//! The `sessions` table: signed-in browsers, by the SHA-256 of their cookie.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A session with one of its operator's memberships: one row per site the operator belongs
/// to, so one query gives the session, the person, the current site and the site switcher.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionMembershipRow {
    pub operator_id: String,
    pub operator_name: String,
    pub operator_email: String,
    pub current_site_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub site_id: i64,
    pub site_key: String,
    pub site_name: String,
    pub role: String,
}

pub fn find_with_memberships(id_hash: &str) -> Statement {
    Statement::new(
        "SELECT s.operator_id, o.name AS operator_name, o.email AS operator_email,
                s.site_id AS current_site_id, s.created_at, s.last_seen_at,
                m.site_id, st.key AS site_key, st.name AS site_name, m.role
         FROM sessions s
         JOIN operators o ON o.id = s.operator_id
         JOIN site_members m ON m.operator_id = s.operator_id
         JOIN sites st ON st.id = m.site_id
         WHERE s.id_hash = ?1
         ORDER BY st.name, st.id",
        vec![Value::from(id_hash)],
    )
}

pub fn insert(id_hash: &str, operator_id: &str, site_id: i64, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO sessions (id_hash, operator_id, site_id, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        vec![
            Value::from(id_hash),
            Value::from(operator_id),
            Value::from(site_id),
            Value::from(now),
        ],
    )
}

/// The session of someone who just accepted an invitation, on the invitation's site; only if
/// `invitations::accept` just marked it (same `now`).
pub fn insert_for_invitation(id_hash: &str, invitation_hash: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO sessions (id_hash, operator_id, site_id, created_at, last_seen_at)
         SELECT ?1, o.id, i.site_id, ?3, ?3
         FROM invitations i JOIN operators o ON lower(o.email) = i.email
         WHERE i.token_hash = ?2 AND i.accepted_at = ?3",
        vec![
            Value::from(id_hash),
            Value::from(invitation_hash),
            Value::from(now),
        ],
    )
}

/// Moves a session to a site just created in the same batch (by key), if its operator is a
/// member of it (a refused create leaves the session where it was).
pub fn switch_to_new_site(id_hash: &str, site_key: &str) -> Statement {
    Statement::new(
        "UPDATE sessions SET site_id = (SELECT id FROM sites WHERE key = ?2)
         WHERE id_hash = ?1
           AND EXISTS (SELECT 1 FROM site_members m JOIN sites s ON s.id = m.site_id
                       WHERE s.key = ?2 AND m.operator_id = sessions.operator_id)",
        vec![Value::from(id_hash), Value::from(site_key)],
    )
}

/// `touch` only when the session was last seen before `due_before` and is still live (seen
/// since `seen_since`, created since `created_since`): what `authenticate` does after reading
/// it, for a batch that does not read it first. An expired session is never renewed.
pub fn touch_if_due(
    id_hash: &str,
    now: i64,
    due_before: i64,
    seen_since: i64,
    created_since: i64,
) -> Statement {
    Statement::new(
        "UPDATE sessions SET last_seen_at = ?2
         WHERE id_hash = ?1 AND last_seen_at < ?3 AND last_seen_at >= ?4 AND created_at >= ?5",
        vec![
            Value::from(id_hash),
            Value::from(now),
            Value::from(due_before),
            Value::from(seen_since),
            Value::from(created_since),
        ],
    )
}

pub fn touch(id_hash: &str, now: i64) -> Statement {
    Statement::new(
        "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1",
        vec![Value::from(id_hash), Value::from(now)],
    )
}

/// Switches the session to another site. Only a site the operator is a member of: the
/// membership is checked in the statement itself.
pub fn switch_site(id_hash: &str, site_id: i64) -> Statement {
    Statement::new(
        "UPDATE sessions SET site_id = ?2
         WHERE id_hash = ?1
           AND EXISTS (SELECT 1 FROM site_members m
                       WHERE m.site_id = ?2 AND m.operator_id = sessions.operator_id)
         RETURNING site_id",
        vec![Value::from(id_hash), Value::from(site_id)],
    )
}

pub fn delete(id_hash: &str) -> Statement {
    Statement::new(
        "DELETE FROM sessions WHERE id_hash = ?1",
        vec![Value::from(id_hash)],
    )
}

/// Every session of the operator behind `id_hash`: "sign out everywhere".
pub fn delete_all_of_operator(id_hash: &str) -> Statement {
    Statement::new(
        "DELETE FROM sessions
         WHERE operator_id = (SELECT operator_id FROM sessions WHERE id_hash = ?1)",
        vec![Value::from(id_hash)],
    )
}

/// Every other session of the operator behind `id_hash` (a password change keeps the session
/// that made it, and ends the rest), only if the password did change in this batch: the
/// operator's hash is now `?2`.
pub fn delete_others_after_password_change(id_hash: &str, new_hash: &str) -> Statement {
    Statement::new(
        "DELETE FROM sessions
         WHERE operator_id = (SELECT operator_id FROM sessions WHERE id_hash = ?1)
           AND id_hash <> ?1
           AND EXISTS (SELECT 1 FROM operators o
                       WHERE o.id = sessions.operator_id AND o.password_hash = ?2)",
        vec![Value::from(id_hash), Value::from(new_hash)],
    )
}

/// Deletes an operator's expired sessions (idle since `idle_before` or created before
/// `created_before`): run when they sign in, so abandoned sessions do not pile up.
pub fn delete_expired_of(operator_id: &str, idle_before: i64, created_before: i64) -> Statement {
    Statement::new(
        "DELETE FROM sessions
         WHERE operator_id = ?1 AND (last_seen_at < ?2 OR created_at < ?3)",
        vec![
            Value::from(operator_id),
            Value::from(idle_before),
            Value::from(created_before),
        ],
    )
}

/// Every expired session, of every operator: the scheduled purge (`service::maintenance`).
/// Sessions belong to people, not to a site, so there is no site to scope it to.
pub fn delete_expired(idle_before: i64, created_before: i64) -> Statement {
    Statement::new(
        "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2",
        vec![Value::from(idle_before), Value::from(created_before)],
    )
}
