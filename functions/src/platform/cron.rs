//! The Cron Trigger (`[triggers]` in wrangler.toml): scheduled upkeep, then the outbox's
//! stragglers handed to the Queue. One log line per run, with what it expired.

use std::cell::Cell;
use std::rc::Rc;

use ticketbooth_shared::timestamp::Timestamp;
use worker::{Env, ScheduleContext, ScheduledEvent, event};

use crate::infra::log::{Event, Level, Line};
use crate::service::maintenance;
use crate::store::d1::D1Executor;

use super::console;
use super::queue::enqueue_pending;

/// The Cron Trigger (`[triggers]` in wrangler.toml): scheduled upkeep. Under `wrangler dev
/// --test-scheduled`, `GET /__scheduled` runs it.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let started = js_sys::Date::now();
    let request_id = console::request_id(None);
    let trips = Rc::new(Cell::new(0));
    let now = Timestamp::from_millis(started as i64);
    let db = env
        .d1("DB")
        .map(|db| D1Executor::counting_into(db, Rc::clone(&trips)));
    let result = match &db {
        Ok(db) => maintenance::expire(db, now)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    // Events never handed to the Queue (a Worker stopped between the write and the send).
    if let Ok(db) = &db {
        enqueue_pending(&env, db, None, &request_id).await;
    }
    let cron = event.cron();
    let line = Line {
        duration_ms: Some(console::since(started)),
        d1_round_trips: Some(trips.get()),
        ..Line::new(Level::Info, Event::Cron, &request_id)
    }
    .with("cron", cron.as_str());
    let line = match &result {
        Ok(expired) => line
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
            .with("notifications", expired.notifications),
        // Logged, not retried: the next run deletes the same rows and more.
        Err(e) => Line {
            level: Level::Error,
            error: Some(e),
            ..line
        },
    };
    console::print(&line);
}
