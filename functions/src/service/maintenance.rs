//! Scheduled upkeep, run by the Cron Trigger in `wrangler.toml`: forgetting what has outlived
//! its purpose. Each job is one batch; a failed run changes nothing and the next one catches up.

use ticketbooth_shared::timestamp::Timestamp;

use super::sessions as sessions_service;
use crate::sql::{
    self, conversations, idempotency_keys, invitations, messages, notifications, sessions,
    sync_webhook_events,
};
use crate::store::{Executor, StoreError, decode_first};

/// How long a create's Idempotency-Key is honoured: long enough for any client's retries
/// (the widget retries queued drafts when it comes back online), short enough that the table
/// does not grow forever.
pub const IDEMPOTENCY_KEY_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// How long a webhook event is kept once delivered or given up on: its payload holds the
/// requester's email and reply, and a month covers any look back at a delivery problem.
pub const NOTIFICATION_RETENTION_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// How long a help desk's webhook delivery is remembered (its replay refused): longer than
/// any platform retries a delivery.
pub const SYNC_WEBHOOK_EVENT_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// What one run removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    pub idempotency_keys: i64,
    /// Sessions past their idle or absolute expiry (a session is also deleted when it is next
    /// used, or when its operator signs in again; this catches the abandoned ones).
    pub sessions: i64,
    /// Invitations past their expiry.
    pub invitations: i64,
    /// Conversations 24 hours past their last message, with their messages (tickets made from
    /// them keep their transcript snapshot; `ticket_conversations` links stay too).
    pub conversations: i64,
    pub messages: i64,
    /// Webhook events delivered or given up on more than `NOTIFICATION_RETENTION_MS` ago.
    pub notifications: i64,
    /// Help-desk webhook deliveries taken more than `SYNC_WEBHOOK_EVENT_TTL_MS` ago.
    pub sync_webhook_events: i64,
}

pub async fn expire<E: Executor>(db: &E, now: Timestamp) -> Result<Expired, StoreError> {
    let now = now.millis();
    let cutoff = now - IDEMPOTENCY_KEY_TTL_MS;
    let rows = db
        .batch(vec![
            idempotency_keys::delete_claimed_before(cutoff),
            sql::changes(),
            sessions::delete_expired(
                now - sessions_service::IDLE_TIMEOUT_MS,
                now - sessions_service::ABSOLUTE_TIMEOUT_MS,
            ),
            sql::changes(),
            invitations::delete_expired(now),
            sql::changes(),
            // Messages first: they reference their conversation.
            messages::delete_expired(now),
            sql::changes(),
            conversations::delete_expired(now),
            sql::changes(),
            notifications::delete_settled_before(now - NOTIFICATION_RETENTION_MS),
            sql::changes(),
            sync_webhook_events::delete_before(now - SYNC_WEBHOOK_EVENT_TTL_MS),
            sql::changes(),
        ])
        .await?;
    #[derive(serde::Deserialize)]
    struct Count {
        n: i64,
    }
    // Every other result is a `changes()` count.
    let mut counts = rows
        .into_iter()
        .skip(1)
        .step_by(2)
        .map(|rows| decode_first::<Count>(rows).map(|count| count.map_or(0, |c| c.n)));
    let mut next = || counts.next().unwrap_or(Ok(0));
    Ok(Expired {
        idempotency_keys: next()?,
        sessions: next()?,
        invitations: next()?,
        messages: next()?,
        conversations: next()?,
        notifications: next()?,
        sync_webhook_events: next()?,
    })
}
