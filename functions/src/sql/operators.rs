//! The `operators` table: people, by email, with their password hash.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct CredentialsRow {
    pub id: String,
    pub password_hash: Option<String>,
    /// The site a new session opens on: where the operator's role is highest, then by name
    /// (NULL when they belong to none).
    pub first_site_id: Option<i64>,
}

pub fn find_credentials(email: &str) -> Statement {
    Statement::new(
        "SELECT o.id, o.password_hash,
                (SELECT m.site_id FROM site_members m JOIN sites s ON s.id = m.site_id
                 WHERE m.operator_id = o.id
                 ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1
                                      WHEN 'member' THEN 2 ELSE 3 END, s.name, s.id
                 LIMIT 1) AS first_site_id
         FROM operators o WHERE lower(o.email) = ?1",
        vec![Value::from(email)],
    )
}

/// Adds a person; an existing email is left as it is (the caller checked it has no claim).
pub fn insert(id: &str, email: &str, name: &str, password_hash: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO operators (id, email, name, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (email) DO NOTHING",
        vec![
            Value::from(id),
            Value::from(email),
            Value::from(name),
            Value::from(password_hash),
            Value::from(now),
        ],
    )
}

/// Adds the person accepting an invitation, only if `invitations::accept` just marked it (same
/// `now`) — so a used or expired link creates no account.
pub fn insert_invitee(
    id: &str,
    email: &str,
    name: &str,
    password_hash: &str,
    invitation_hash: &str,
    now: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO operators (id, email, name, password_hash, created_at)
         SELECT ?1, ?2, ?3, ?4, ?6
         WHERE EXISTS (SELECT 1 FROM invitations WHERE token_hash = ?5 AND accepted_at = ?6)
         ON CONFLICT (email) DO NOTHING",
        vec![
            Value::from(id),
            Value::from(email),
            Value::from(name),
            Value::from(password_hash),
            Value::from(invitation_hash),
            Value::from(now),
        ],
    )
}

/// Gives a password to an account that has none (from before passwords existed), only if
/// `invitations::accept` just marked a command-line invitation for it (same `now`).
pub fn set_first_password(
    email: &str,
    name: &str,
    password_hash: &str,
    invitation_hash: &str,
    now: i64,
) -> Statement {
    Statement::new(
        "UPDATE operators SET password_hash = ?3, name = ?2
         WHERE lower(email) = ?1 AND password_hash IS NULL
           AND EXISTS (SELECT 1 FROM invitations
                       WHERE token_hash = ?4 AND accepted_at = ?5 AND invited_by IS NULL)",
        vec![
            Value::from(email),
            Value::from(name),
            Value::from(password_hash),
            Value::from(invitation_hash),
            Value::from(now),
        ],
    )
}

#[derive(Debug, Clone, Deserialize)]
pub struct PasswordRow {
    pub password_hash: Option<String>,
}

pub fn find_password_hash(id: &str) -> Statement {
    Statement::new(
        "SELECT password_hash FROM operators WHERE id = ?1",
        vec![Value::from(id)],
    )
}

/// Replaces a password, only while the stored hash is still the one the caller checked the
/// current password against (`?3`): two changes racing cannot both win.
pub fn replace_password(id: &str, new_hash: &str, checked_hash: &str) -> Statement {
    Statement::new(
        "UPDATE operators SET password_hash = ?2 WHERE id = ?1 AND password_hash = ?3 RETURNING id",
        vec![
            Value::from(id),
            Value::from(new_hash),
            Value::from(checked_hash),
        ],
    )
}

/// The operator's mails about their own work (migration 0033), as a row `{mail_assigned,
/// mail_sla}`.
pub fn find_mail_preferences(id: &str) -> Statement {
    Statement::new(
        "SELECT mail_assigned, mail_sla FROM operators WHERE id = ?1",
        vec![Value::from(id)],
    )
}

pub fn set_mail_preferences(id: &str, assigned: bool, sla: bool) -> Statement {
    Statement::new(
        "UPDATE operators SET mail_assigned = ?2, mail_sla = ?3 WHERE id = ?1",
        vec![Value::from(id), Value::from(assigned), Value::from(sla)],
    )
}
