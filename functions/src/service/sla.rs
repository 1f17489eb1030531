//! The SLA clock on tickets: the statements each event that matters adds to its own batch
//! (never a round trip of their own), the breach sweep the Cron Trigger runs, and a site's
//! policy read and saved (owners and admins).
//!
//! Rules (the arithmetic is `shared::sla`): a new ticket's targets count from its creation;
//! the team's first customer-facing reply, by any channel, meets first response; the
//! resolution clock runs while the ticket is open or pending on the team, pauses while it
//! waits on the customer and once resolved or closed (keeping the business time left), and
//! resumes with that time when the ticket is worked again; a priority change re-targets. A
//! policy change applies to tickets created afterwards.

use ticketbooth_shared::Priority;
use ticketbooth_shared::event::SlaTarget;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::sla::{self, Clock, Policy};
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operators::Operator;
use crate::sql::tickets::{self, BreachedRow};
use crate::sql::{mails, notifications, sites, ticket_events};
use crate::store::{Executor, Statement, StoreError, decode, decode_first};

/// A new ticket's clock, in its create batch after the insert; `None` without a policy or
/// without targets for its priority.
pub fn on_created(
    policy: Option<&Policy>,
    site_id: i64,
    id: &str,
    priority: Priority,
    now_ms: i64,
) -> Option<Statement> {
    let clock = Clock::start(policy?, priority, now_ms);
    (clock != Clock::default()).then(|| {
        tickets::set_sla_clock(
            site_id,
            id,
            clock.first_response_due_at,
            clock.resolution_due_at,
            clock.resolution_left_ms,
        )
    })
}

/// A customer-facing reply by the team on the ticket (public comment, by any route).
pub fn on_public_reply(site_id: i64, id: &str, now_ms: i64) -> Statement {
    tickets::mark_first_response(site_id, id, now_ms)
}

/// An operator's message in a conversation: a reply on each ticket linked to it.
pub fn on_conversation_reply(site_id: i64, conversation_id: &str, now_ms: i64) -> Statement {
    tickets::mark_first_response_in_conversation(site_id, conversation_id, now_ms)
}

/// The status or the side waited on may have changed (after those statements in the batch):
/// pauses or resumes the resolution clock to match. Harmless when nothing moved.
pub fn on_status(policy: Option<&Policy>, site_id: i64, id: &str, now_ms: i64) -> Statement {
    tickets::settle_sla(site_id, id, &periods_json(policy, now_ms), now_ms)
}

fn periods_json(policy: Option<&Policy>, now_ms: i64) -> String {
    let hours = policy.and_then(|p| p.hours.as_ref());
    let cover = policy.map_or(i64::from(sla::MAX_TARGET_MINUTES) * 60_000, |p| {
        p.longest_resolution_ms()
    });
    serde_json::to_string(&sla::periods(hours, now_ms, cover)).unwrap_or_else(|_| "[]".into())
}

/// A ticket's clock as read (`DetailRow`'s SLA columns).
#[derive(Debug, Clone, Copy)]
pub struct Read {
    pub clock: Clock,
    pub created_at: i64,
}

/// The priority changed: each target measured again with the new priority's length
/// (`Clock::retarget`). `None` when the clock does not move (no policy, or the same result).
pub fn on_priority(
    policy: Option<&Policy>,
    site_id: i64,
    id: &str,
    read: Read,
    from: Priority,
    to: Priority,
    now_ms: i64,
) -> Option<Statement> {
    let clock = read
        .clock
        .retarget(policy?, from, to, read.created_at, now_ms);
    (clock != read.clock).then(|| {
        tickets::set_sla_clock(
            site_id,
            id,
            clock.first_response_due_at,
            clock.resolution_due_at,
            clock.resolution_left_ms,
        )
    })
}

/// One missed target the sweep recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub site_id: i64,
    pub ticket_id: String,
    pub code: String,
    pub target: SlaTarget,
}

/// The Cron Trigger's breach sweep: every target of every site's tickets that passed unmet
/// and was not yet recorded gets its `sla_breached` event, its `ticket.sla_breached` webhook
/// event (sites with a webhook) and its `*_breached_at` mark, in ONE batch. Idempotent: a
/// second run at any later time finds those targets marked and writes nothing for them.
pub async fn sweep<E: Executor>(db: &E, now: Timestamp) -> Result<Vec<Breach>, StoreError> {
    let now_ms = now.millis();
    let rows = db
        .batch(vec![
            ticket_events::insert_sla_breaches(now_ms)?,
            notifications::insert_sla_breaches(now_ms),
            tickets::mark_sla_breaches(now_ms),
            // The assignees who opted in are warned by e-mail (`service::mail`), in the batch
            // that records the breach.
            mails::insert_sla_warnings_of_sweep(now_ms),
        ])
        .await?;
    let marked: Vec<BreachedRow> = rows
        .into_iter()
        .nth(2)
        .unwrap_or_default()
        .into_iter()
        .map(decode)
        .collect::<Result<_, _>>()?;
    let mut breaches = Vec::new();
    for row in marked {
        for (hit, target) in [
            (row.first_response, SlaTarget::FirstResponse),
            (row.resolution, SlaTarget::Resolution),
        ] {
            if hit != 0 {
                breaches.push(Breach {
                    site_id: row.site_id,
                    ticket_id: row.id.clone(),
                    code: row.code.clone(),
                    target,
                });
            }
        }
    }
    Ok(breaches)
}

/// The operator's site's policy (owners and admins); `Policy::default()` when it keeps none.
pub async fn policy<E: Executor>(db: &E, op: &Operator) -> Result<Policy, ServiceError> {
    op.require(Action::ManageSettings)?;
    #[derive(serde::Deserialize)]
    struct Row {
        sla_policy: Option<String>,
    }
    let row: Option<Row> = decode_first(db.query(sites::find_sla_policy(op.site_id)).await?)?;
    Ok(row
        .and_then(|r| Policy::from_stored(r.sla_policy.as_deref()))
        .unwrap_or_default())
}

/// Saves the operator's site's policy (owners and admins); one without targets clears it.
/// New tickets' clocks start from it; tickets already open keep theirs.
pub async fn save<E: Executor>(db: &E, op: &Operator, policy: &Policy) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    db.batch(vec![sites::set_sla_policy(
        op.site_id,
        policy.to_stored().as_deref(),
    )])
    .await?;
    Ok(())
}
