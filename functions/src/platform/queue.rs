//! The outbox's hand-off to the Queue of webhook events, and the Queue's consumer: one
//! delivery attempt per event, acknowledged when done, retried with backoff.

use std::cell::Cell;
use std::rc::Rc;

use worker::MessageExt;
use worker::{Context, Env, event};

use crate::crypto::random;
use crate::infra::log::{Event, Level, Line};
use crate::integrations::outbound;
use crate::integrations::webhooks;
use crate::service::notifications::{self, Enqueue, Sending};
use crate::service::site_secrets::Sealer;
use crate::store::d1::D1Executor;

use super::console;
use super::env::{outbound_policy, secrets_key};

/// The Queue of webhook events (`[[queues.producers]]` in wrangler.toml).
const NOTIFICATIONS: &str = "NOTIFICATIONS";

/// Hands the outbox's waiting events (of one site, or all) to the Queue
/// (`service::notifications::hand_off`). An event the Queue refuses goes back to waiting, for
/// the next call or the Cron Trigger. Failures are logged under `request_id`: the request, bot
/// turn or cron run that called.
pub async fn enqueue_pending(env: &Env, db: &D1Executor, site_id: Option<i64>, request_id: &str) {
    let result: Result<usize, String> = async {
        let queue = env.queue(NOTIFICATIONS).map_err(|e| e.to_string())?;
        let now = js_sys::Date::now() as i64;
        let handed = notifications::hand_off(db, &queue, site_id, now)
            .await
            .map_err(|e| e.to_string())?;
        for refused in &handed.refused {
            let detail = format!("notification {}: not queued: {}", refused.id, refused.error);
            console::print(&Line::error(Event::Queue, request_id, &detail));
        }
        Ok(handed.taken.len())
    }
    .await;
    if let Err(e) = result {
        let detail = format!("notifications: {e}");
        console::print(&Line::error(Event::Queue, request_id, &detail));
    }
}

/// The Queue binding is where the Worker hands events.
impl Enqueue for worker::Queue {
    fn send<'a>(&'a self, id: &'a str) -> Sending<'a> {
        Box::pin(async move {
            worker::Queue::send(self, id.to_owned())
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// The Queue's consumer: one delivery attempt per event, acknowledged when done, retried with
/// backoff when the receiver failed. One log line per message, under a fresh id, with the
/// event's id (the outbox row's, not a secret), the outcome and, for a retry, its delay. The
/// attempt's number is not in it: workers-rs 0.8.7 does not expose the message's `attempts`,
/// and the outbox's count would cost a read.
#[event(queue)]
async fn queue(batch: worker::MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    let trips = Rc::new(Cell::new(0));
    let db = D1Executor::counting_into(env.d1("DB")?, Rc::clone(&trips));
    let dashboard = env
        .var("DASHBOARD_ORIGIN")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let base = env
        .var("WEBHOOK_RETRY_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(30);
    let secrets = secrets_key(&env);
    for message in batch.messages()? {
        let started = js_sys::Date::now();
        let trips_before = trips.get();
        let request_id = console::request_id(None);
        let id = message.body().clone();
        let now = js_sys::Date::now() as i64;
        // Never `?` here: an `Err` from a queue handler retries the whole batch.
        let Ok(random) = random::bytes() else {
            message.retry();
            let line = Line::error(Event::Queue, &request_id, "no random bytes")
                .with("notification", id.as_str())
                .with("outcome", "retry");
            console::print(&line);
            continue;
        };
        let sealer = Sealer::new(&secrets, random, now);
        let policy = outbound_policy(&env);
        let attempted = webhooks::deliver(
            &db,
            &outbound::Fetch,
            &sealer,
            policy,
            &id,
            &dashboard,
            base,
            now,
        )
        .await;
        // The receiver's failure in full (`Attempted::detail`: a status or a connection
        // error, never the payload), or the Worker's own.
        let (outcome, retry_in, error) = match attempted {
            Ok(webhooks::Attempted { next, detail }) => match next {
                webhooks::Next::Done => {
                    message.ack();
                    let outcome = if detail.is_some() { "failed" } else { "done" };
                    (outcome, None, detail)
                }
                webhooks::Next::RetryIn(seconds) => {
                    message.retry_with_options(
                        &worker::QueueRetryOptionsBuilder::new()
                            .with_delay_seconds(seconds)
                            .build(),
                    );
                    ("retry", Some(seconds), detail)
                }
            },
            Err(e) => {
                message.retry();
                ("retry", None, Some(e.to_string()))
            }
        };
        let mut line = Line {
            // As every line: an error exactly when something failed, the receiver included
            // (a receiver that is down is what an operator looks for).
            level: if error.is_some() {
                Level::Error
            } else {
                Level::Info
            },
            duration_ms: Some(console::since(started)),
            d1_round_trips: Some(trips.get() - trips_before),
            error: error.as_deref(),
            ..Line::new(Level::Info, Event::Queue, &request_id)
        }
        .with("queue", batch.queue())
        .with("notification", id.as_str())
        .with("outcome", outcome);
        if let Some(seconds) = retry_in {
            line = line.with("retry_in_s", seconds);
        }
        console::print(&line);
    }
    Ok(())
}
