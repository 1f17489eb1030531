//! The Cron Trigger (`[triggers]` in wrangler.toml): scheduled upkeep, then the outbox's
//! stragglers handed to the Queue.

use ticketbooth_shared::timestamp::Timestamp;
use worker::{Env, ScheduleContext, ScheduledEvent, console_error, console_log, event};

use crate::service::maintenance;
use crate::store::d1::D1Executor;

use super::queue::enqueue_pending;

/// The Cron Trigger (`[triggers]` in wrangler.toml): scheduled upkeep. Under `wrangler dev
/// --test-scheduled`, `GET /__scheduled` runs it.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = Timestamp::from_millis(js_sys::Date::now() as i64);
    let result = match env.d1("DB") {
        Ok(db) => maintenance::expire(&D1Executor::new(db), now)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(expired) => console_log!(
            "scheduled: expired {} idempotency keys, {} sessions, {} invitations, {} conversations ({} messages), {} webhook events",
            expired.idempotency_keys,
            expired.sessions,
            expired.invitations,
            expired.conversations,
            expired.messages,
            expired.notifications
        ),
        // Logged, not retried: the next run deletes the same rows and more.
        Err(e) => console_error!("scheduled: {e}"),
    }
    // Events never handed to the Queue (a Worker stopped between the write and the send).
    enqueue_pending(&env, None).await;
}
