//! A ticket's AI summary, everything but the provider call (`integrations::summary`): the rule
//! for which new tickets are owed one, the outbox of summary jobs — the ticket rows themselves,
//! marked `wanted` in their create batch — and its hand-off to the Queue (the `Enqueue` seam of
//! the webhook outbox), the job's reads and writes, and an operator's edit and refresh.

use ticketbooth_shared::event::{Actor, EventKind, SummaryBy};
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::role::{Action, Ownership};
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::ticket_text::Summary;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::notifications::{Enqueue, HAND_OFF_LIMIT, HandOff, Refused};
use super::operators::Operator;
use super::sites::Site;
use crate::service::Refusal;
use crate::sql::tickets::{DetailRow, SummaryJobRow};
use crate::sql::{ticket_events, tickets};
use crate::store::{Executor, StoreError, decode_first};

/// Whether a summary form changed the ticket (an edit to the text it already has does not).
pub type Changed = bool;

/// What a summary job's Queue message starts with (a webhook event's is its outbox id).
pub const MESSAGE_PREFIX: &str = "summary:";

/// A description of at least this many lines (or `LONG_CHARS` characters) is worth a summary;
/// a shorter one is its own summary.
pub const LONG_LINES: usize = 4;
pub const LONG_CHARS: usize = 400;

/// Provider calls per wanted summary before the job gives up (`failed`, shown on the page).
pub const MAX_ATTEMPTS: i64 = 5;

/// A job handed to the Queue this long ago and still wanted is handed again by the sweep (a
/// send lost with its Worker, a delivery the Queue dropped). Above the longest retry delay.
pub const STALE_MS: i64 = 30 * 60 * 1000;

/// Whether the site may send ticket content to its provider for summaries: it has a provider
/// (a bot set up, not awaiting its key) and the switch is on — `None` follows the bot.
pub fn enabled(site: &Site) -> bool {
    site.bot.is_some() && site.summaries_enabled != Some(false)
}

/// Whether a description is longer than a few lines.
pub fn is_long(description: &str) -> bool {
    description.lines().filter(|l| !l.trim().is_empty()).count() >= LONG_LINES
        || description.chars().count() >= LONG_CHARS
}

/// The rule every create path runs (`tickets::create`): the site summarises, the ticket has
/// no summary yet (a bot's `summary` argument counts as written), and there is something to
/// summarise — a transcript, or a description longer than a few lines.
pub fn wanted_on_create(site: &Site, ticket: &NewTicket, has_summary: bool) -> bool {
    !has_summary
        && enabled(site)
        && (!ticket.transcript.is_empty() || is_long(ticket.description.as_ref()))
}

/// The Queue message of the job for ticket `ticket_id` of the site `site_key`.
pub fn message(site_key: &str, ticket_id: &str) -> String {
    format!("{MESSAGE_PREFIX}{site_key}:{ticket_id}")
}

/// A summary job's site key and ticket id, or `None` for any other message.
pub fn parse_message(body: &str) -> Option<(&str, &str)> {
    body.strip_prefix(MESSAGE_PREFIX)?.split_once(':')
}

/// Hands summary jobs (of one site, or of all with `None`) to `queue`, oldest first, at most
/// `HAND_OFF_LIMIT`: those never handed, and those handed more than `STALE_MS` ago and still
/// wanted. Marked queued in the statement that takes them; a job the Queue refuses goes back
/// to the sweep.
pub async fn hand_off<E: Executor>(
    db: &E,
    queue: &dyn Enqueue,
    site_id: Option<i64>,
    now_ms: i64,
) -> Result<HandOff, StoreError> {
    #[derive(serde::Deserialize)]
    struct Taken {
        site_id: i64,
        id: String,
        site_key: String,
    }
    let rows = db
        .batch(vec![tickets::take_summary_jobs(
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
    let mut handed = HandOff::default();
    for job in taken {
        let body = message(&job.site_key, &job.id);
        if let Err(error) = queue.send(&body).await {
            // Not `?`: the other jobs are handed still; the sweep takes this one again.
            let _ = db
                .batch(vec![tickets::unqueue_summary(job.site_id, &job.id)])
                .await;
            handed.refused.push(Refused {
                id: body.clone(),
                error,
            });
        }
        handed.taken.push(body);
    }
    Ok(handed)
}

/// The ticket a job is for, as the job reads it (`None`: deleted meanwhile).
pub async fn job<E: Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
) -> Result<Option<SummaryJobRow>, StoreError> {
    decode_first(
        db.query(tickets::find_for_summary(site_id, ticket_id))
            .await?,
    )
}

/// Writes the provider's summary and its `summary_updated` event in one batch, only while the
/// ticket is still owed the summary the job read (`wanted_at`): a duplicate delivery, a
/// hand-written summary or a newer refresh make it write nothing. Whether it wrote.
pub async fn write<E: Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
    wanted_at: i64,
    text: &Summary,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let event = EventKind::SummaryUpdated {
        by: SummaryBy::Provider,
    };
    let results = db
        .batch(vec![
            ticket_events::insert_if_summary_wanted(
                site_id,
                ticket_id,
                &event,
                &Actor::System,
                now_ms,
                wanted_at,
            )?,
            tickets::write_provider_summary(site_id, ticket_id, text.as_ref(), wanted_at),
        ])
        .await?;
    Ok(results.last().is_some_and(|rows| !rows.is_empty()))
}

/// Records a failed provider call of the job that read `wanted_at`; gives up after
/// `MAX_ATTEMPTS` (`attempts` is the count before this one). Whether it gave up.
pub async fn attempt_failed<E: Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
    wanted_at: i64,
    attempts: i64,
) -> Result<bool, StoreError> {
    let give_up = attempts + 1 >= MAX_ATTEMPTS;
    db.batch(vec![tickets::summary_attempt_failed(
        site_id, ticket_id, wanted_at, give_up,
    )])
    .await?;
    Ok(give_up)
}

/// Drops a job that will never run: the site's provider or its switch went away since.
pub async fn drop_job<E: Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
    wanted_at: i64,
) -> Result<(), StoreError> {
    db.batch(vec![tickets::drop_summary_job(
        site_id, ticket_id, wanted_at,
    )])
    .await?;
    Ok(())
}

/// What an operator's summary form asks.
#[derive(Debug, Clone, PartialEq)]
pub enum SummaryChange {
    /// Written by hand: never overwritten by the provider.
    Edit(Summary),
    /// Ask the provider again, through the Queue.
    Refresh,
}

/// Applies a summary form (the dashboard's, or the API's `…/summary` and `…/summary-refresh`):
/// `edit` or `refresh` on the operator's current site.
pub async fn apply<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    seen_version: Option<i64>,
    change: SummaryChange,
    now: Timestamp,
) -> Result<Changed, ServiceError> {
    match change {
        SummaryChange::Edit(text) => edit(db, op, code, seen_version, &text, now).await,
        SummaryChange::Refresh => {
            let site = super::sites::load(db, &op.site_key).await?;
            refresh(db, op, &site, code, now).await?;
            Ok(true)
        }
    }
}

/// The ticket `code` of the operator's site, or `TicketNotFound`.
async fn load<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
) -> Result<DetailRow, ServiceError> {
    let row: Option<DetailRow> = decode_first(
        db.query(tickets::find_by_code(op.site_id, &code.to_string()))
            .await?,
    )?;
    row.ok_or(ServiceError::TicketNotFound)
}

/// An operator writes the summary by hand: version-guarded like every edit (`seen_version`,
/// the `updated_at` their form was built from), with its `summary_updated` event, and it
/// cancels any job owed — the provider never writes over it.
pub async fn edit<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    seen_version: Option<i64>,
    text: &Summary,
    now: Timestamp,
) -> Result<Changed, ServiceError> {
    op.require(Action::ViewTickets)?;
    let ticket = load(db, op, code).await?;
    let ownership = Ownership::of(ticket.assignee_id.as_deref(), &op.id);
    if !op.role.permits(Action::EditFields, ownership) {
        return Err(ServiceError::Forbidden);
    }
    let version = ticket.updated_at;
    if seen_version.is_some_and(|seen| seen != version) {
        return Err(ServiceError::StaleEdit);
    }
    if ticket.summary.as_deref() == Some(text.as_ref())
        && ticket.summary_by.as_deref() == Some("operator")
    {
        return Ok(false);
    }
    let now_ms = now.millis().max(version + 1);
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let event = EventKind::SummaryUpdated {
        by: SummaryBy::Operator,
    };
    let batch = vec![
        ticket_events::insert_guarded(op.site_id, &ticket.id, &event, &actor, now_ms, version)?,
        tickets::set_operator_summary(op.site_id, &ticket.id, text.as_ref(), now_ms),
    ];
    match db.batch(batch).await {
        Ok(_) => Ok(true),
        // The guard refused: the ticket changed (or went) since it was read.
        Err(StoreError::CheckViolation(_)) => Err(ServiceError::StaleEdit),
        Err(other) => Err(other.into()),
    }
}

/// An operator asks the provider for a new summary (through the Queue, like a new ticket's):
/// refused with a clear reason when the site has no provider or its switch is off. Nothing
/// an edit could race changes (`updated_at` stays); the event comes with the summary.
pub async fn refresh<E: Executor>(
    db: &E,
    op: &Operator,
    site: &Site,
    code: &TicketCode,
    now: Timestamp,
) -> Result<(), ServiceError> {
    op.require(Action::ViewTickets)?;
    let ticket = load(db, op, code).await?;
    let ownership = Ownership::of(ticket.assignee_id.as_deref(), &op.id);
    if !op.role.permits(Action::EditFields, ownership) {
        return Err(ServiceError::Forbidden);
    }
    if site.bot.is_none() {
        return Err(Refusal::NoSummaryProvider.into());
    }
    if !enabled(site) {
        return Err(Refusal::SummariesOff.into());
    }
    db.batch(vec![tickets::refresh_summary(
        op.site_id,
        &ticket.id,
        now.millis(),
    )])
    .await?;
    Ok(())
}

/// Sets the site's switch (owners and admins): may ticket content go to the provider for
/// summaries.
pub async fn set_enabled<E: Executor>(
    db: &E,
    op: &Operator,
    enabled: bool,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    db.batch(vec![crate::sql::sites::set_summaries_enabled(
        op.site_id, enabled,
    )])
    .await?;
    Ok(())
}
