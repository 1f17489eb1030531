//! The dashboard header's notices: what is waiting for the operator who asks, as three
//! counts, each read in the page's own batch (two statements appended to it, so the page
//! stays one round trip) and again by the header's light poll (`GET /app/notices.json`):
//!
//! * conversations waiting for a person: the site's live escalated conversations (the
//!   inbox lists them first);
//! * tickets newly assigned to me: open or pending, assigned to me by someone else, and
//!   nothing done on them by me since (`sql::tickets::notice_counts`): what I have not
//!   picked up yet. It needs no "seen" marker, so reading a page writes nothing;
//! * my SLA breaches: my tickets past a target (the list's `sla=breached` rule).

use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::ticket_query::TicketQuery;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operator_tickets::{self, Detail, ListPage, MatchCount};
use super::operators::Operator;
use crate::sql::{conversations, tickets};
use crate::store::{Executor, Row, Statement, StoreError, decode_first};

/// The three counts, and where each is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Notices {
    pub waiting: i64,
    pub assigned: i64,
    pub breached: i64,
}

impl Notices {
    /// The filtered views the counts link to.
    pub const WAITING_HREF: &'static str = "/app/conversations";
    pub const ASSIGNED_HREF: &'static str = "/app/tickets?assignee=me&sort=updated";
    pub const BREACHED_HREF: &'static str = "/app/tickets?assignee=me&sla=breached&sort=due";
}

/// The notices' statements, to append to a page's batch (`from_rows` reads their answers).
pub fn statements(op: &Operator, now: Timestamp) -> Vec<Statement> {
    vec![
        conversations::count_waiting_for_person(op.site_id, now.millis()),
        tickets::notice_counts(op.site_id, &op.id, now.millis()),
    ]
}

/// How many answers `statements` gives.
pub const STATEMENTS: usize = 2;

/// The notices from the answers to `statements`, in their order.
pub fn from_rows(answers: Vec<Vec<Row>>) -> Result<Notices, StoreError> {
    #[derive(serde::Deserialize)]
    struct Waiting {
        n: i64,
    }
    #[derive(serde::Deserialize)]
    struct Mine {
        assigned: i64,
        breached: i64,
    }
    let mut answers = answers.into_iter();
    let waiting: Option<Waiting> = decode_first(answers.next().unwrap_or_default())?;
    let mine: Option<Mine> = decode_first(answers.next().unwrap_or_default())?;
    Ok(Notices {
        waiting: waiting.map_or(0, |w| w.n),
        assigned: mine.as_ref().map_or(0, |m| m.assigned),
        breached: mine.map_or(0, |m| m.breached),
    })
}

/// Splits the notices' answers off the end of a batch's answers.
pub fn split_off(answers: &mut Vec<Vec<Row>>) -> Result<Notices, StoreError> {
    let at = answers.len().saturating_sub(STATEMENTS);
    from_rows(answers.split_off(at))
}

/// The notices alone (the header's poll). One statement per count, one round trip.
pub async fn read<E: Executor>(
    db: &E,
    op: &Operator,
    now: Timestamp,
) -> Result<Notices, ServiceError> {
    op.require(Action::ViewTickets)?;
    let answers = db.batch(statements(op, now)).await?;
    Ok(from_rows(answers)?)
}

/// A page of the list and the notices, in one batch.
pub async fn list_with<E: Executor>(
    db: &E,
    op: &Operator,
    query: &TicketQuery,
    count: MatchCount,
    now: Timestamp,
) -> Result<(ListPage, Notices), ServiceError> {
    op.require(Action::ViewTickets)?;
    let (plan, mut batch) = operator_tickets::list_statements(op, query, count, now);
    batch.extend(statements(op, now));
    let mut answers = db.batch(batch).await?;
    let notices = split_off(&mut answers)?;
    let page = operator_tickets::list_from(db, op, query, &plan, answers).await?;
    Ok((page, notices))
}

/// A ticket's page and the notices, in one batch.
pub async fn detail_with<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    now: Timestamp,
) -> Result<(Detail, Notices), ServiceError> {
    op.require(Action::ViewTickets)?;
    let mut batch = operator_tickets::detail_statements(op.site_id, &code.to_string(), now);
    batch.extend(statements(op, now));
    let mut answers = db.batch(batch).await?;
    let notices = split_off(&mut answers)?;
    Ok((operator_tickets::detail_from(answers)?, notices))
}
