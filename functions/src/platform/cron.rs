//! The Cron Trigger (`[triggers]` in wrangler.toml): every minute the SLA breach sweep; every
//! hour (its own cron string) the scheduled upkeep too; then the outbox's stragglers (and the
//! breaches' webhook events) handed to the Queue. One log line per run, with what it did.

use std::cell::Cell;
use std::rc::Rc;

use ticketbooth_shared::timestamp::Timestamp;
use worker::{Env, ScheduleContext, ScheduledEvent, event};

use crate::infra::log::{Event, Level, Line};
use crate::service::{maintenance, sla};
use crate::store::d1::D1Executor;

use super::console;
use super::queue::enqueue_pending;

/// The per-minute cron string (wrangler.toml): the breach sweep only. Every other run — the
/// hourly `17 * * * *`, or `GET /__scheduled` without one — does the upkeep as well.
pub const EVERY_MINUTE: &str = "* * * * *";

/// The Cron Trigger (`[triggers]` in wrangler.toml): the SLA breach sweep, and hourly the
/// scheduled upkeep. Under `wrangler dev --test-scheduled`, `GET /__scheduled` runs it.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let started = js_sys::Date::now();
    let request_id = console::request_id(None);
    let trips = Rc::new(Cell::new(0));
    let now = Timestamp::from_millis(started as i64);
    let cron = event.cron();
    let upkeep = cron != EVERY_MINUTE;
    let db = env
        .d1("DB")
        .map(|db| D1Executor::counting_into(db, Rc::clone(&trips)));
    let result = match &db {
        Ok(db) if upkeep => maintenance::expire(db, now)
            .await
            .map(Some)
            .map_err(|e| e.to_string()),
        Ok(_) => Ok(None),
        Err(e) => Err(e.to_string()),
    };
    // Before the hand-off, so the breaches' webhook events go out in this run.
    let breaches = match &db {
        Ok(db) => sla::sweep(db, now).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    // Events never handed to the Queue (a Worker stopped between the write and the send).
    if let Ok(db) = &db {
        enqueue_pending(&env, db, None, &request_id).await;
    }
    let line = Line {
        duration_ms: Some(console::since(started)),
        d1_round_trips: Some(trips.get()),
        ..Line::new(Level::Info, Event::Cron, &request_id)
    }
    .with("cron", cron.as_str());
    let line = match &breaches {
        Ok(found) => line.with("sla_breaches", found.len()),
        // Logged, not retried: the next minute's sweep finds the same targets.
        Err(e) => Line {
            level: Level::Error,
            error: Some(e),
            ..line
        },
    };
    let line = match &result {
        Ok(None) => line,
        Ok(Some(expired)) => line
            // The run in words, as this line read before it was JSON (tests look for it).
            .with(
                "message",
                format!(
                    "scheduled: expired {} idempotency keys, {} sessions, {} invitations, {} conversations ({} messages), {} webhook events",
                    expired.idempotency_keys,
                    expired.sessions,
                    expired.invitations,
                    expired.conversations,
                    expired.messages,
                    expired.notifications
                ),
            )
            .with("idempotency_keys", expired.idempotency_keys)
            .with("sessions", expired.sessions)
            .with("invitations", expired.invitations)
            .with("conversations", expired.conversations)
            .with("messages", expired.messages)
            .with("notifications", expired.notifications)
            .with("sync_webhook_events", expired.sync_webhook_events),
        // Logged, not retried: the next run deletes the same rows and more.
        Err(e) => Line {
            level: Level::Error,
            error: Some(e),
            ..line
        },
    };
    console::print(&line);
}
