//! The `invitations` table: single-use links to join a site, by the SHA-256 of their token.

use serde::Deserialize;

use crate::store::{Statement, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct InvitationRow {
    pub id: String,
    pub site_id: i64,
    pub site_name: String,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    /// NULL when made on the command line (`cargo xtask add-operator`).
    pub invited_by: Option<String>,
    /// The invitee's account, if the email has one already, and whether it has a password.
    pub operator_id: Option<String>,
    pub password_hash: Option<String>,
    /// The invitee's role on the invitation's site, if they are a member already.
    pub member_role: Option<String>,
}

pub fn find(token_hash: &str) -> Statement {
    Statement::new(
        "SELECT i.id, i.site_id, s.name AS site_name, i.email, i.role, i.expires_at,
                i.accepted_at, i.invited_by, o.id AS operator_id, o.password_hash,
                m.role AS member_role
         FROM invitations i
         JOIN sites s ON s.id = i.site_id
         LEFT JOIN operators o ON lower(o.email) = i.email
         LEFT JOIN site_members m ON m.site_id = i.site_id AND m.operator_id = o.id
         WHERE i.token_hash = ?1",
        vec![Value::from(token_hash)],
    )
}

#[derive(Debug, Clone, Deserialize)]
pub struct PendingRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
}

/// The site's invitations not yet accepted and not expired.
pub fn pending(site_id: i64, now: i64) -> Statement {
    Statement::new(
        "SELECT id, email, role, expires_at FROM invitations
         WHERE site_id = ?1 AND accepted_at IS NULL AND expires_at > ?2
         ORDER BY created_at DESC",
        vec![Value::from(site_id), Value::from(now)],
    )
}

pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub id: &'a str,
    pub site_id: i64,
    pub email: &'a str,
    pub role: &'a str,
    pub invited_by: Option<&'a str>,
    pub now: i64,
    pub expires_at: i64,
}

pub fn insert(new: &NewInvitation<'_>) -> Statement {
    Statement::new(
        "INSERT INTO invitations (token_hash, id, site_id, email, role, invited_by, created_at,
                                  expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        vec![
            Value::from(new.token_hash),
            Value::from(new.id),
            Value::from(new.site_id),
            Value::from(new.email),
            Value::from(new.role),
            Value::from(new.invited_by),
            Value::from(new.now),
            Value::from(new.expires_at),
        ],
    )
}

/// Marks the invitation used, if it still can be: the first statement of the accepting batch.
/// The membership insert that follows selects through this row's `accepted_at`, so a second
/// acceptance (even a concurrent one) adds nothing. An invitation adds a membership and never
/// changes one: for someone already a member of the site it does not apply (nothing in the
/// batch does) unless `member_may_exist` — a command-line invitation that gives an old
/// account its first password, which keeps the membership as it is.
pub fn accept(token_hash: &str, now: i64, member_may_exist: bool) -> Statement {
    Statement::new(
        "UPDATE invitations SET accepted_at = ?2
         WHERE token_hash = ?1 AND accepted_at IS NULL AND expires_at > ?2
           AND (?3 OR NOT EXISTS (SELECT 1 FROM site_members m
                                  JOIN operators o ON o.id = m.operator_id
                                  WHERE m.site_id = invitations.site_id
                                    AND lower(o.email) = invitations.email))
         RETURNING id",
        vec![
            Value::from(token_hash),
            Value::from(now),
            Value::from(member_may_exist),
        ],
    )
}

/// The invitee's membership, added only if `accept` just marked this invitation (same `now`).
/// An existing membership is left as it is (`DO NOTHING`): an invitation never changes a role.
pub fn add_member(token_hash: &str, operator_email: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO site_members (site_id, operator_id, role, created_at)
         SELECT i.site_id, o.id, i.role, ?3
         FROM invitations i JOIN operators o ON lower(o.email) = ?2
         WHERE i.token_hash = ?1 AND i.accepted_at = ?3
         ON CONFLICT (site_id, operator_id) DO NOTHING",
        vec![
            Value::from(token_hash),
            Value::from(operator_email),
            Value::from(now),
        ],
    )
}

/// Revokes one of the site's pending invitations; returns its id when it was pending.
pub fn revoke(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "DELETE FROM invitations WHERE site_id = ?1 AND id = ?2 AND accepted_at IS NULL
         RETURNING id",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// The site's pending invitations a member made or was sent: their removal ends them, so no
/// link in their hands adds anyone (themselves included) after they leave. In the removal's
/// batch, before the membership goes.
pub fn revoke_of_member(site_id: i64, operator_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM invitations
         WHERE site_id = ?1 AND accepted_at IS NULL
           AND (invited_by = ?2
                OR email = (SELECT lower(email) FROM operators WHERE id = ?2))",
        vec![Value::from(site_id), Value::from(operator_id)],
    )
}

/// Every invitation past its expiry, used or not, of every site: the scheduled purge
/// (`service::maintenance`). Its link is dead either way.
pub fn delete_expired(now: i64) -> Statement {
    Statement::new(
        "DELETE FROM invitations WHERE expires_at < ?1",
        vec![Value::from(now)],
    )
}
