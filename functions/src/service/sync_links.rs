//! A ticket's link to its remote twin (`sync_links`), as the service works it: pushing by hand
//! (the ticket page's `push`, the API's, bulk) here; the push job's bookkeeping below. (Whether a
//! live link makes a ticket's hand-typed reference read-only is `ticket_actions`' own check.)

use ticketbooth_shared::role::{Action, Ownership};
use ticketbooth_shared::sync::LinkState;
use ticketbooth_shared::ticket_code::TicketCode;

use super::operators::Operator;
use super::ticket_actions::{self, Outcome};
use super::{Refusal, ServiceError};
use crate::sql::sync_connections::{self as connections, ConnectionRow};
use crate::sql::sync_links::{self as sql, LinkRow};
use crate::store::{Executor, StoreError, decode_first};

// --- By hand ---------------------------------------------------------------------------------

/// Pushes the ticket `code` by hand: a new link under the site's live connection, pending and
/// due now, or a failed one re-armed (pending, attempts 0, due now). A link already pending or
/// synced is left as it is (`Unchanged`). Writes no event: the push job's `synced` event
/// records the push itself. Refused without a live connection, and for a link whose sync
/// ended (deleted remotely, or stopped by a disconnect).
///
/// Who may: whoever may edit the ticket's fields (`Action::EditFields`: owners, admins, and
/// agents on the tickets they may change). Pushing sends the ticket's fields to another system
/// of record, which is an edit of where the ticket lives, not a status change or a comment.
pub async fn push_by_hand<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    now_ms: i64,
) -> Result<Outcome, ServiceError> {
    op.require(Action::ViewTickets)?;
    let ticket = ticket_actions::load(db, op, code).await?;
    let ownership = Ownership::of(ticket.assignee_id.as_deref(), &op.id);
    if !op.role.permits(Action::EditFields, ownership) {
        return Err(ServiceError::Forbidden);
    }
    let connection: Option<ConnectionRow> =
        decode_first(db.query(connections::live(op.site_id)).await?)?;
    let connection = connection.ok_or(Refusal::SyncNotConnected)?;
    let link: Option<LinkRow> = decode_first(db.query(sql::find(op.site_id, &ticket.id)).await?)?;
    let statement = match link {
        None => sql::insert_manual(op.site_id, &ticket.id, connection.id, now_ms),
        Some(link) => match state_of(&link)? {
            LinkState::Failed => sql::rearm(op.site_id, &ticket.id, now_ms),
            LinkState::Pending | LinkState::Synced => return Ok(Outcome::Unchanged),
            LinkState::Deleted | LinkState::Stopped => return Err(Refusal::SyncLinkEnded.into()),
        },
    };
    db.batch(vec![statement]).await?;
    Ok(Outcome::Changed)
}

fn state_of(link: &LinkRow) -> Result<LinkState, StoreError> {
    LinkState::parse(&link.state)
        .map_err(|_| StoreError::RowShape(format!("sync link {}: state", link.ticket_id)))
}

// --- The push job's hand-off and reads ---------------------------------------------------------
// (Paths in full in this section, so the sections above and below keep their own imports.)

/// Links handed to the Queue per call at most; the rest wait for the next call or the cron.
pub const HAND_OFF_LIMIT: i64 = 100;

/// A link handed this long ago whose push has not run is handed again (its message was lost).
pub const STALE_MS: i64 = 10 * 60 * 1000;

/// Failed tries of one push (rate limits aside); then the link is `failed`.
pub const MAX_ATTEMPTS: i64 = 6;

const MESSAGE_PREFIX: &str = "sync:";

/// The Queue message of the push of ticket `ticket_id`.
pub fn message(ticket_id: &str) -> String {
    format!("{MESSAGE_PREFIX}{ticket_id}")
}

/// The ticket a Queue message names, when it is a push's.
pub fn parse_message(body: &str) -> Option<&str> {
    body.strip_prefix(MESSAGE_PREFIX)
        .filter(|id| !id.is_empty())
}

/// Hands the links due a push (of one site, or of all with `None`) to `queue`, as
/// `sync:<ticket id>` messages. A link the Queue refuses goes back to the sweep.
pub async fn hand_off<E: crate::store::Executor>(
    db: &E,
    queue: &dyn super::notifications::Enqueue,
    site_id: Option<i64>,
    now_ms: i64,
) -> Result<super::notifications::HandOff, crate::store::StoreError> {
    use crate::sql::sync_links as sql;
    #[derive(serde::Deserialize)]
    struct Taken {
        ticket_id: String,
        site_id: i64,
    }
    let rows = db
        .batch(vec![sql::take_due(
            site_id,
            now_ms,
            now_ms - STALE_MS,
            HAND_OFF_LIMIT,
        )])
        .await?;
    let taken: Vec<Taken> = rows
        .into_iter()
        .flatten()
        .map(crate::store::decode)
        .collect::<Result<_, _>>()?;
    let mut handed = super::notifications::HandOff::default();
    for link in taken {
        let body = message(&link.ticket_id);
        if let Err(error) = queue.send(&body).await {
            // Not `?`: the other links are handed still; the sweep takes this one again.
            let _ = db
                .batch(vec![sql::unqueue(link.site_id, &link.ticket_id)])
                .await;
            handed.refused.push(super::notifications::Refused {
                id: body.clone(),
                error,
            });
        }
        handed.taken.push(body);
    }
    Ok(handed)
}

/// The link of ticket `ticket_id` with the ticket as it is now, for the push job.
pub async fn job<E: crate::store::Executor>(
    db: &E,
    ticket_id: &str,
) -> Result<Option<crate::sql::sync_links::JobRow>, crate::store::StoreError> {
    crate::store::decode_first(
        db.query(crate::sql::sync_links::for_push(ticket_id))
            .await?,
    )
}

/// The ticket's comments not yet on the remote side, in order.
pub async fn unpushed_comments<E: crate::store::Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
) -> Result<Vec<crate::sql::sync_comments::UnpushedRow>, crate::store::StoreError> {
    db.query(crate::sql::sync_comments::unpushed(site_id, ticket_id))
        .await?
        .into_iter()
        .map(crate::store::decode)
        .collect()
}

/// Records that a create goes out now (before it is sent).
pub async fn mark_create_sent<E: crate::store::Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
    now_ms: i64,
) -> Result<(), crate::store::StoreError> {
    db.batch(vec![crate::sql::sync_links::mark_create_sent(
        site_id, ticket_id, now_ms,
    )])
    .await
    .map(drop)
}

/// Stops a link whose connection is gone.
pub async fn stop<E: crate::store::Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
    now_ms: i64,
) -> Result<(), crate::store::StoreError> {
    db.batch(vec![crate::sql::sync_links::stop(
        site_id, ticket_id, now_ms,
    )])
    .await
    .map(drop)
}

/// Gives a link back to the sweep (a run that found nothing to push).
pub async fn release<E: crate::store::Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
) -> Result<(), crate::store::StoreError> {
    db.batch(vec![crate::sql::sync_links::unqueue(site_id, ticket_id)])
        .await
        .map(drop)
}

/// What a push run did, written in one batch at its end: the link's outcome, the comments
/// that went out (with the ids the platform gave them), the ticket's own record of its
/// remote twin, and the `synced` event that says what went.
pub struct Pushed<'a> {
    pub settle: crate::sql::sync_links::PushedRow<'a>,
    pub connection_id: i64,
    /// Our comment id and the remote comment's.
    pub comments: &'a [(i64, String)],
    /// The platform and remote id for `tickets.sync_*`, when the ticket now has a twin.
    pub twin: Option<(&'a str, &'a str)>,
    pub event: Option<ticketbooth_shared::event::EventKind>,
}

pub async fn record_push<E: crate::store::Executor>(
    db: &E,
    pushed: &Pushed<'_>,
) -> Result<(), crate::store::StoreError> {
    use crate::sql::{sync_comments, sync_links, ticket_events};
    let s = &pushed.settle;
    let mut statements = vec![sync_links::settle(s)];
    for (comment_id, remote) in pushed.comments {
        statements.push(sync_comments::insert(
            pushed.connection_id,
            remote,
            s.ticket_id,
            *comment_id,
            "push",
            s.now_ms,
        ));
    }
    if let Some((platform, remote_id)) = pushed.twin {
        statements.push(sync_links::mark_ticket_synced(
            s.site_id,
            s.ticket_id,
            platform,
            remote_id,
            s.now_ms,
        ));
    }
    if let Some(event) = &pushed.event {
        statements.push(ticket_events::insert(
            s.site_id,
            s.ticket_id,
            event,
            &ticketbooth_shared::event::Actor::System,
            s.now_ms,
        )?);
    }
    db.batch(statements).await.map(drop)
}
