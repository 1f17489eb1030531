//! A site's people: the member list, role changes and removal (the last owner stays: migration
//! 0019), and inviting someone by email. Owners and admins only; only an owner touches the
//! owner role. Removing someone also ends what acts for them without them: their API tokens,
//! the bot keys they created, the pending invitations they made or were sent.

use ticketbooth_shared::hex;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::requester::Email;
use ticketbooth_shared::role::{Action, Role};
use ticketbooth_shared::timestamp::Timestamp;

use super::operators::Operator;
use super::sessions::normalize_email;
use super::{Refusal, ServiceError};
use crate::crypto::sha256;
use crate::sql::bot_keys;
use crate::sql::invitations::{self, NewInvitation, PendingRow};
use crate::sql::site_members::{self, MemberRow};
use crate::store::{Executor, StoreError, decode};

/// How long an invitation link works.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 3_600_000;

pub struct Members {
    pub members: Vec<MemberRow>,
    pub pending: Vec<PendingRow>,
}

pub async fn list<E: Executor>(
    db: &E,
    op: &Operator,
    now: Timestamp,
) -> Result<Members, ServiceError> {
    op.require(Action::ManageMembers)?;
    let mut results = db
        .batch(vec![
            site_members::list(op.site_id),
            invitations::pending(op.site_id, now.millis()),
        ])
        .await?;
    let pending = results.pop().unwrap_or_default();
    let members = results.pop().unwrap_or_default();
    Ok(Members {
        members: members.into_iter().map(decode).collect::<Result<_, _>>()?,
        pending: pending.into_iter().map(decode).collect::<Result<_, _>>()?,
    })
}

/// An invitation just made: the link's token, shown once to the inviter.
#[derive(Debug)]
pub struct Invited {
    pub token: String,
    pub email: String,
    pub role: Role,
}

pub async fn invite<E: Executor>(
    db: &E,
    op: &Operator,
    email: &str,
    role: Role,
    now: Timestamp,
    secret: [u8; 32],
) -> Result<Invited, ServiceError> {
    op.require(Action::ManageMembers)?;
    if role == Role::Owner && op.role != Role::Owner {
        return Err(Refusal::OwnerOnly.into());
    }
    let email = Email::parse(email).map_err(|e| {
        ServiceError::Validation(ValidationErrors([("email", e)].into_iter().collect()))
    })?;
    let email = normalize_email(email.as_ref());
    let token = hex::encode(&secret);
    let token_hash = sha256::hex_digest(token.as_bytes());
    // The public id names the invitation in lists; derived one-way, it reveals no token.
    let id = sha256::hex_digest(format!("invitation-id:{token}").as_bytes());
    db.batch(vec![invitations::insert(&NewInvitation {
        token_hash: &token_hash,
        id: &id[..32],
        site_id: op.site_id,
        email: &email,
        role: role.as_str(),
        invited_by: Some(&op.id),
        now: now.millis(),
        expires_at: now.millis() + INVITATION_TTL_MS,
    })])
    .await?;
    Ok(Invited { token, email, role })
}

/// What an owner or admin does to a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Role(Role),
    Remove,
}

pub async fn change<E: Executor>(
    db: &E,
    op: &Operator,
    member_id: &str,
    change: Change,
) -> Result<(), ServiceError> {
    op.require(Action::ManageMembers)?;
    let members: Vec<MemberRow> = db
        .query(site_members::list(op.site_id))
        .await?
        .into_iter()
        .map(decode)
        .collect::<Result<_, _>>()?;
    let member = members
        .iter()
        .find(|m| m.operator_id == member_id)
        .ok_or(ServiceError::NotFound)?;
    let touches_owner = member.role == Role::Owner.as_str() || change == Change::Role(Role::Owner);
    if touches_owner && op.role != Role::Owner {
        return Err(Refusal::OwnerOnly.into());
    }
    let statements = match change {
        Change::Role(role) => vec![site_members::change_role(
            op.site_id,
            member_id,
            role.as_str(),
        )],
        // Offboarding: what the member could use on the site's behalf without being a member
        // ends with the membership — their API tokens, the bot keys they created (shown to
        // them once, so they may hold them), and the pending invitations they made or were
        // sent. Sessions and live sockets check the membership themselves.
        Change::Remove => vec![
            site_members::remove_tokens(op.site_id, member_id),
            bot_keys::delete_created_by(op.site_id, member_id),
            invitations::revoke_of_member(op.site_id, member_id),
            // Their teams: routing no longer gives them tickets here.
            crate::sql::team_members::delete_for_operator(op.site_id, member_id),
            site_members::remove(op.site_id, member_id),
        ],
    };
    // The last-owner rule is migration 0019's trigger: a batch that would leave the site
    // without an owner fails whole, whichever path wrote it, so concurrent changes cannot
    // both pass.
    match db.batch(statements).await {
        // Removed by someone else since the list was read.
        Ok(results) if results.last().is_none_or(Vec::is_empty) => Err(ServiceError::NotFound),
        Ok(_) => Ok(()),
        Err(StoreError::CheckViolation(_)) => Err(Refusal::LastOwner.into()),
        Err(other) => Err(other.into()),
    }
}

/// Revokes a pending invitation of the operator's site: its link stops working.
pub async fn revoke_invitation<E: Executor>(
    db: &E,
    op: &Operator,
    id: &str,
) -> Result<(), ServiceError> {
    op.require(Action::ManageMembers)?;
    let revoked = db.batch(vec![invitations::revoke(op.site_id, id)]).await?;
    if revoked.iter().all(Vec::is_empty) {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}
