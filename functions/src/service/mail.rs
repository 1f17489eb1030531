//! The mails a change announces, as statements for the change's own batch: the requester's
//! "we have your ticket", each public reply and the resolution notice; an operator's "assigned
//! to you" and SLA warning when they opted in. Each statement writes its row only when the
//! rules allow it (`sql::mails`), and the requester's first mail mints the ticket's reply
//! token in the same batch. Sending happens later, through the Queue (`mail_outbox`).

use crate::sql::{mails, tickets};
use crate::store::Statement;

/// The requester's mail of `kind`, and the reply token it needs.
fn requester(site_id: i64, ticket_id: &str, kind: &str, body: &str, now_ms: i64) -> Vec<Statement> {
    vec![
        mails::insert_for_requester(site_id, ticket_id, kind, body, now_ms),
        tickets::mint_reply_token(site_id, ticket_id),
    ]
}

/// "We have your ticket TKT-42": in the create batch, after the ticket's row.
pub fn received(site_id: i64, ticket_id: &str, now_ms: i64) -> Vec<Statement> {
    requester(site_id, ticket_id, "received", "", now_ms)
}

/// The team's public reply `text`, to the requester: in the comment's batch. Internal
/// comments never come here.
pub fn reply(site_id: i64, ticket_id: &str, text: &str, now_ms: i64) -> Vec<Statement> {
    requester(site_id, ticket_id, "reply", text, now_ms)
}

/// The resolution notice: in the batch that moves the ticket to resolved.
pub fn resolved(site_id: i64, ticket_id: &str, now_ms: i64) -> Vec<Statement> {
    requester(site_id, ticket_id, "resolved", "", now_ms)
}

/// The resolution notice for the ticket `code`: in the one-round-trip status change's batch,
/// which names the ticket by code.
pub fn resolved_by_code(site_id: i64, code: &str, now_ms: i64) -> Vec<Statement> {
    vec![
        mails::insert_for_requester_by_code(site_id, code, "resolved", now_ms),
        tickets::mint_reply_token_by_code(site_id, code),
    ]
}

/// "Assigned to you", to `operator_id` when they opted in: in the assignment's batch. Nobody
/// is told of what they did themselves (`actor`: the operator who assigned, if one did).
pub fn assigned(
    site_id: i64,
    ticket_id: &str,
    operator_id: &str,
    actor: Option<&str>,
    now_ms: i64,
) -> Vec<Statement> {
    if actor == Some(operator_id) {
        return Vec::new();
    }
    vec![mails::insert_assigned(
        site_id,
        ticket_id,
        Some(operator_id),
        now_ms,
    )]
}

/// The "assigned to you" mail for the member a routing rule picked (in SQL, earlier in the same
/// batch), when they opted in.
pub fn routed(site_id: i64, ticket_id: &str, now_ms: i64) -> Statement {
    mails::insert_assigned(site_id, ticket_id, None, now_ms)
}

/// The address opts out of the site's mail (its unsubscribe link, already verified): nothing
/// more is written for it, and what is waiting is skipped at send time.
pub async fn opt_out<E: crate::store::Executor>(
    db: &E,
    site_id: i64,
    address: &str,
    now_ms: i64,
) -> Result<(), crate::store::StoreError> {
    db.batch(vec![crate::sql::email_recipients::opt_out(
        site_id, address, now_ms,
    )])
    .await?;
    Ok(())
}
