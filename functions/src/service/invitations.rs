//! Accepting an invitation: a new person sets their name and password; someone with an account
//! already proves it with their password. Either way they join the site with the invited role
//! and are signed in — all in one batch that applies only if the link is still unused and
//! unexpired. An invitation adds a membership and never changes one: someone already a member
//! of the site is refused (`already_a_member`), the link left as it was.

use ticketbooth_shared::hex;
use ticketbooth_shared::requester::RequesterName;
use ticketbooth_shared::timestamp::Timestamp;

use super::sessions::{ABSOLUTE_TIMEOUT_MS, NewSession};
use super::{Refusal, ServiceError};
use crate::crypto::password::{self, Password, PasswordError, PasswordHash};
use crate::crypto::sha256;
use crate::sql::invitations::{self, InvitationRow};
use crate::sql::{operators, sessions};
use crate::store::{Executor, StoreError, decode_first};

/// An invitation that can still be accepted.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub site_name: String,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
    /// The email already has an account: accepting asks for its password, not a new one.
    pub has_account: bool,
}

pub async fn find<E: Executor>(
    db: &E,
    token: &str,
    now: Timestamp,
) -> Result<Invitation, ServiceError> {
    let row = usable(db, token, now).await?;
    let has_account = !sets_password(&row);
    Ok(Invitation {
        site_name: row.site_name,
        email: row.email,
        role: row.role,
        expires_at: row.expires_at,
        has_account,
    })
}

/// What the invitee typed. `name` is ignored for an existing account.
pub struct Acceptance<'a> {
    pub name: &'a str,
    pub password: &'a str,
}

/// Why an acceptance form was refused, field by field (shown next to the fields).
#[derive(Debug)]
pub enum AcceptError {
    Fields(Vec<(&'static str, String)>),
    Service(ServiceError),
}

impl<E: Into<ServiceError>> From<E> for AcceptError {
    fn from(e: E) -> Self {
        AcceptError::Service(e.into())
    }
}

pub async fn accept<E: Executor>(
    db: &E,
    token: &str,
    form: &Acceptance<'_>,
    now: Timestamp,
    secrets: ([u8; 16], [u8; 32], [u8; 16]),
) -> Result<NewSession, AcceptError> {
    let (salt, session_id, new_operator_id) = secrets;
    let row = usable(db, token, now).await?;
    let token_hash = sha256::hex_digest(token.as_bytes());
    let now_ms = now.millis();
    // A command-line invitation that gives an old account its first password may find it a
    // member already (that is how such accounts get one): it keeps the membership as it is.
    let mut statements = vec![invitations::accept(
        &token_hash,
        now_ms,
        sets_password(&row),
    )];
    match (&row.operator_id, row.password_hash.as_deref()) {
        (Some(_), None) if !sets_password(&row) => {
            return Err(Refusal::AccountWithoutPassword.into());
        }
        (Some(_), Some(stored)) => {
            let ok = password::verify_or_dummy(Some(stored), form.password)
                .await
                .map_err(|e| StoreError::Database(e.to_string()))?;
            if !ok {
                return Err(Refusal::InvalidCredentials.into());
            }
            // Said only to whoever proved the account is theirs.
            if row.member_role.is_some() {
                return Err(Refusal::AlreadyMember.into());
            }
        }
        (existing, _) => {
            let mut errors = Vec::new();
            let name = RequesterName::parse(form.name)
                .map_err(|e| errors.push(("name", e.to_string())))
                .ok();
            let password = Password::parse(form.password)
                .map_err(|e: PasswordError| errors.push(("password", e.to_string())))
                .ok();
            let (Some(name), Some(password)) = (name, password) else {
                return Err(AcceptError::Fields(errors));
            };
            let hash = PasswordHash::create(&password, salt)
                .await
                .map_err(|e| StoreError::Database(e.to_string()))?;
            statements.push(if existing.is_some() {
                operators::set_first_password(
                    &row.email,
                    name.as_ref(),
                    &hash.encode(),
                    &token_hash,
                    now_ms,
                )
            } else {
                operators::insert_invitee(
                    &hex::encode(&new_operator_id),
                    &row.email,
                    name.as_ref(),
                    &hash.encode(),
                    &token_hash,
                    now_ms,
                )
            });
        }
    }
    let cookie_value = hex::encode(&session_id);
    let id_hash = sha256::hex_digest(cookie_value.as_bytes());
    statements.push(invitations::add_member(&token_hash, &row.email, now_ms));
    statements.push(sessions::insert_for_invitation(
        &id_hash,
        &token_hash,
        now_ms,
    ));
    let results = db.batch(statements).await?;
    if results.first().is_none_or(Vec::is_empty) {
        // Used or expired between our read and this batch, or the invitee became a member
        // meanwhile: every statement was conditional on it, so nothing was written.
        return Err(match usable(db, token, now).await {
            Ok(row) if row.member_role.is_some() => Refusal::AlreadyMember.into(),
            _ => Refusal::InvitationInvalid.into(),
        });
    }
    Ok(NewSession {
        cookie_value,
        max_age_secs: ABSOLUTE_TIMEOUT_MS / 1000,
    })
}

/// Whether accepting sets a (first) password: for a new person, and — from a command-line
/// invitation only, made by someone with the database in hand — for an account that has
/// none yet. An invitation from the dashboard never sets the password of an existing account:
/// its link is in the inviter's hands, and the account may belong to other sites.
fn sets_password(row: &InvitationRow) -> bool {
    row.operator_id.is_none() || (row.password_hash.is_none() && row.invited_by.is_none())
}

/// The invitation behind `token`, if it is unused and unexpired.
async fn usable<E: Executor>(
    db: &E,
    token: &str,
    now: Timestamp,
) -> Result<InvitationRow, ServiceError> {
    let token_hash = sha256::hex_digest(token.as_bytes());
    let row: Option<InvitationRow> = decode_first(db.query(invitations::find(&token_hash)).await?)?;
    row.filter(|r| r.accepted_at.is_none() && r.expires_at > now.millis())
        .ok_or(Refusal::InvitationInvalid.into())
}
