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
