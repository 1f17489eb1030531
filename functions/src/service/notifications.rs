//! The outbox of webhook events (`notifications`) once written: its hand-off to the Queue, a
//! delivery's read and the record of each attempt, the settings page's test event and its
//! list of recent deliveries. The events themselves are written by the batches of what they
//! announce (`tickets`, `visitor_thread`). Everything here runs over an `Executor`, and the
//! Queue behind the `Enqueue` seam, so host tests drive the hand-off that workerd runs.

use std::future::Future;
use std::pin::Pin;

use ticketbooth_shared::hex;
use ticketbooth_shared::role::Action;

use super::ServiceError;
use super::operators::Operator;
use crate::sql::notifications::{self, DeliveryRow, RecentRow};
use crate::store::{Executor, StoreError, decode, decode_first};

/// Events handed to the Queue per call at most; the rest wait for the next call or the Cron
/// Trigger.
pub const HAND_OFF_LIMIT: i64 = 100;

/// Recent events the settings page lists.
pub const RECENT_LIMIT: i64 = 20;

/// What `Enqueue::send` returns: the Queue's refusal as text, for the log.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + 'a>>;

/// Where events are handed for delivery: the Queue binding in the Worker (`platform::queue`),
/// a double in host tests.
pub trait Enqueue {
    fn send<'a>(&'a self, id: &'a str) -> Sending<'a>;
}

/// An event the Queue refused, given back to waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub id: String,
    pub error: String,
}

/// What one hand-off did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandOff {
    /// Every event taken from waiting, in the order handed.
    pub taken: Vec<String>,
    /// Those of them the Queue refused.
    pub refused: Vec<Refused>,
}

/// Hands waiting events (of one site, or of all with `None`), oldest first and at most
/// `HAND_OFF_LIMIT`, to `queue`. They are marked queued in the statement that takes them, so
/// two calls never both hand one; an event the Queue refuses goes back to waiting, for the next
/// call or the Cron Trigger.
pub async fn hand_off<E: Executor>(
    db: &E,
    queue: &dyn Enqueue,
    site_id: Option<i64>,
    now_ms: i64,
) -> Result<HandOff, StoreError> {
    let rows = db
        .batch(vec![notifications::take_pending(
            site_id,
            now_ms,
            HAND_OFF_LIMIT,
        )])
        .await?;
    let taken: Vec<String> = rows
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("id").and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    let mut refused = Vec::new();
    for id in &taken {
        if let Err(error) = queue.send(id).await {
            // Not `?`: the other events are handed still. Should this write fail too, the
            // event stays marked queued and no sweep takes it again; the refusal is reported.
            let _ = db.batch(vec![notifications::unqueue(id)]).await;
            refused.push(Refused {
                id: id.clone(),
                error,
            });
        }
    }
    Ok(HandOff { taken, refused })
}

/// The event `id` with where it goes, for its delivery (`None`: deleted meanwhile).
pub async fn delivery<E: Executor>(db: &E, id: &str) -> Result<Option<DeliveryRow>, StoreError> {
    decode_first(db.query(notifications::find_for_delivery(id)).await?)
}

/// One delivery attempt's result, as recorded for the settings page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptRecord<'a> {
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong (a status class, never a raw error), when it was not delivered.
    pub error: Option<&'a str>,
    pub delivered: bool,
    /// Given up: no attempt follows.
    pub failed: bool,
}

/// Records one attempt of the event `id`.
pub async fn record_attempt<E: Executor>(
    db: &E,
    id: &str,
    record: AttemptRecord<'_>,
    now_ms: i64,
) -> Result<(), StoreError> {
    db.batch(vec![notifications::record_attempt(
        id,
        record.status,
        record.error,
        record.delivered,
        record.failed,
        now_ms,
    )])
    .await?;
    Ok(())
}

/// Writes a test event for the operator's site (owners and admins), delivered like the others
/// once handed off; returns its id (`test_` and 24 hex digits of `random`).
pub async fn add_test_event<E: Executor>(
    db: &E,
    op: &Operator,
    random: [u8; 32],
    now_ms: i64,
) -> Result<String, ServiceError> {
    op.require(Action::ManageSettings)?;
    let id = format!("test_{}", &hex::encode(&random)[..24]);
    db.batch(vec![notifications::insert_test(&id, op.site_id, now_ms)])
        .await?;
    Ok(id)
}

/// The operator's site's most recent events (`RECENT_LIMIT`), newest first (owners and admins).
pub async fn recent<E: Executor>(db: &E, op: &Operator) -> Result<Vec<RecentRow>, ServiceError> {
    op.require(Action::ManageSettings)?;
    let rows = db
        .query(notifications::recent(op.site_id, RECENT_LIMIT))
        .await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}
