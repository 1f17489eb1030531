//! An operator's agent working tickets (`shared::operator_tools`): the ticket a call names,
//! by code or id, and the changes `update_ticket` and `add_comment` make — through the same
//! actions as the dashboard and the operators' API (`ticket_actions`), with the same
//! permission matrix and version guard. The list goes straight to `operator_tickets::list`.

use ticketbooth_shared::operator_tools::{
    AddCommentArgs, AssigneeChoice, TicketRef, UpdateTicketArgs,
};
use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operator_tickets::{self, Detail};
use super::operators::Operator;
use super::ticket_actions::{self, Change, Comment, Outcome, TeamRef};
use crate::sql::tickets::{self as tickets_sql, VisitorTicketRow};
use crate::store::Executor;
use crate::store::{StoreError, decode_first};

/// How many of a ticket's most recent events an agent reads: enough to see what happened
/// lately, few enough not to fill its context.
pub const EVENTS_TAIL: usize = 20;

/// The code of the ticket a call names; another site's ticket (or none) is not found.
pub async fn code_of<E: Executor>(
    db: &E,
    op: &Operator,
    named: &TicketRef,
) -> Result<TicketCode, ServiceError> {
    op.require(Action::ViewTickets)?;
    match named {
        TicketRef::Code(code) => Ok(code.clone()),
        TicketRef::Id(id) => {
            // Scoped by the token's site like every read; the row holds nothing internal.
            let row: Option<VisitorTicketRow> = decode_first(
                db.query(tickets_sql::find_for_visitor_view(op.site_id, id.as_ref()))
                    .await?,
            )?;
            let row = row.ok_or(ServiceError::TicketNotFound)?;
            TicketCode::parse(&row.code)
                .map_err(|_| StoreError::RowShape(format!("ticket {}: code", row.id)).into())
        }
    }
}

/// One ticket with its comments (internal ones too), labels and its last `EVENTS_TAIL`
/// events.
pub async fn read<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    now: Timestamp,
) -> Result<Detail, ServiceError> {
    let mut detail = operator_tickets::detail(db, op, code, now).await?;
    let extra = detail.events.len().saturating_sub(EVENTS_TAIL);
    detail.events.drain(..extra);
    Ok(detail)
}

/// The changes an `update_ticket` asks for, in the order the ticket's timeline shows them.
pub fn changes(op: &Operator, args: &UpdateTicketArgs) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(assignee) = &args.assignee {
        changes.push(Change::Assign(match assignee {
            AssigneeChoice::Me => Some(op.id.clone()),
            AssigneeChoice::Unassigned => None,
            AssigneeChoice::Operator(id) => Some(id.as_ref().to_owned()),
        }));
    }
    if let Some(to) = args.status {
        changes.push(Change::Status { to, comment: None });
    }
    // After the status: a side is set only on a pending ticket, which the status may make it.
    if let Some(side) = args.waiting_on {
        changes.push(Change::Waiting(side));
    }
    if args.topic.is_some() || args.intent.is_some() {
        changes.push(Change::Classify {
            topic: args.topic.clone(),
            intent: args.intent.clone(),
        });
    }
    if let Some(priority) = args.priority {
        changes.push(Change::Priority(priority));
    }
    if let Some(team) = &args.team {
        changes.push(Change::Team(team.clone().map(TeamRef::Name)));
    }
    changes.extend(args.labels_add.iter().cloned().map(Change::AddLabel));
    changes.extend(args.labels_remove.iter().cloned().map(Change::RemoveLabel));
    changes
}

/// `update_ticket`: every change in one batch, guarded by the version the agent read; the
/// ticket as it now is.
pub async fn update<E: Executor>(
    db: &E,
    op: &Operator,
    args: &UpdateTicketArgs,
    now: Timestamp,
) -> Result<(Outcome, Detail), ServiceError> {
    let code = code_of(db, op, &args.code).await?;
    let changes = changes(op, args);
    let outcome =
        ticket_actions::apply_many(db, op, &code, Some(args.version), changes, now).await?;
    Ok((outcome, read(db, op, &code, now).await?))
}

/// `add_comment`: one comment, internal or to the customer (who reads a public one in the
/// widget's thread, and in the chat while it is live).
pub async fn comment<E: Executor>(
    db: &E,
    op: &Operator,
    args: &AddCommentArgs,
    now: Timestamp,
) -> Result<(Outcome, Detail), ServiceError> {
    let code = code_of(db, op, &args.code).await?;
    let change = Change::Comment(Comment {
        visibility: args.visibility,
        body: args.body.clone(),
    });
    let outcome = ticket_actions::apply(db, op, &code, None, change, now).await?;
    Ok((outcome, read(db, op, &code, now).await?))
}
