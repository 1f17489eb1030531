//! The outbox's hand-off to the Queue of webhook events, and the Queue's consumer: one
//! delivery attempt per event, acknowledged when done, retried with backoff. The same Queue
//! carries the summary jobs (`summary:` messages, `integrations::summary`), the mails
//! (`mail:` messages, `platform::mail`) and the pushes to a help desk (`sync:` messages,
//! `platform::sync`).

use std::cell::Cell;
use std::rc::Rc;

use worker::MessageExt;
use worker::{Context, Env, event};

use crate::crypto::random;
use crate::infra::log::{Event, Level, Line};
use crate::integrations::outbound;
use crate::integrations::summary;
use crate::integrations::webhooks;
use crate::service::mail_outbox;
use crate::service::notifications::{self, Enqueue, Sending};
use crate::service::site_secrets::Sealer;
use crate::service::summaries;
use crate::service::sync_links;
use crate::store::d1::D1Executor;

use super::console;
use super::env::{dashboard_origin, outbound_policy, retry_base_seconds, secrets_key};
use super::mail::{enqueue_mails, mail_message};
use super::sync::{enqueue_syncs, sync_message};

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
    enqueue_summaries(env, db, site_id, request_id).await;
    // The mail outbox's unsent mails (`mail:` messages on the same Queue).
    match env.queue(NOTIFICATIONS) {
        Ok(queue) => enqueue_mails(db, &queue, site_id, request_id).await,
        Err(e) => {
            let detail = format!("mails: {e}");
            console::print(&Line::error(Event::Queue, request_id, &detail));
        }
    }
    // Links due a push to their platform (`sync:` messages on the same Queue; the cron runs
    // this too, so retries and stragglers go out within a minute).
    match env.queue(NOTIFICATIONS) {
        Ok(queue) => enqueue_syncs(db, &queue, site_id, request_id).await,
        Err(e) => {
            let detail = format!("syncs: {e}");
            console::print(&Line::error(Event::Queue, request_id, &detail));
        }
    }
}

/// Hands the tickets owed a summary (of one site, or all) to the same Queue
/// (`service::summaries::hand_off`): its messages start with `summary:`. A refused one goes
/// back to the sweep.
async fn enqueue_summaries(env: &Env, db: &D1Executor, site_id: Option<i64>, request_id: &str) {
    let handed = match env.queue(NOTIFICATIONS) {
        Ok(queue) => summaries::hand_off(db, &queue, site_id, js_sys::Date::now() as i64)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    console::log_hand_off(request_id, "summaries", handed);
}

/// One summary job's delivery (`integrations::summary::run`): acknowledged when done or
/// skipped, retried with backoff while the provider fails. One log line, without the ticket's
/// content or the provider's words: the outcome and the failure's class.
async fn summary_message(
    env: &Env,
    db: &D1Executor,
    message: &worker::Message<String>,
    site_key: &str,
    ticket_id: &str,
    request_id: &str,
) {
    let started = js_sys::Date::now();
    let now = started as i64;
    let base = retry_base_seconds(env.var("SUMMARY_RETRY_SECONDS"));
    let ran = match random::bytes() {
        Ok(random) => {
            let secrets = secrets_key(env);
            let sealer = Sealer::new(&secrets, random, now);
            summary::run(
                db,
                &outbound::Fetch,
                &sealer,
                outbound_policy(env),
                site_key,
                ticket_id,
                now,
                base,
            )
            .await
            .map_err(|e| e.to_string())
        }
        Err(_) => Err("no random bytes".to_owned()),
    };
    let (outcome, retry_in, error) = match ran {
        Ok(summary::Ran::Written) => {
            message.ack();
            ("written", None, None)
        }
        Ok(summary::Ran::Skipped(why)) => {
            message.ack();
            (why, None, None)
        }
        Ok(summary::Ran::Dropped) => {
            message.ack();
            ("dropped", None, None)
        }
        Ok(summary::Ran::RetryIn { seconds, class }) => {
            message.retry_with_options(
                &worker::QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(seconds)
                    .build(),
            );
            ("retry", Some(seconds), Some(class))
        }
        Ok(summary::Ran::GaveUp { class }) => {
            message.ack();
            ("failed", None, Some(class))
        }
        Err(e) => {
            message.retry();
            ("retry", None, Some(e))
        }
    };
    console::log_job(
        request_id,
        started,
        ("summary", ticket_id),
        outcome,
        retry_in,
        error.as_deref(),
    );
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
    let dashboard = dashboard_origin(&env);
    let base = retry_base_seconds(env.var("WEBHOOK_RETRY_SECONDS"));
    let secrets = secrets_key(&env);
    for message in batch.messages()? {
        let started = js_sys::Date::now();
        let trips_before = trips.get();
        let request_id = console::request_id(None);
        let id = message.body().clone();
        // A summary job, not a webhook event.
        if let Some((site_key, ticket_id)) = summaries::parse_message(&id) {
            summary_message(&env, &db, &message, site_key, ticket_id, &request_id).await;
            continue;
        }
        // A mail of the outbox (`mail_outbox`).
        if let Some(mail) = mail_outbox::parse_message(&id) {
            mail_message(&env, &db, &message, mail, &request_id).await;
            continue;
        }
        // A push to the ticket's platform (`integrations::sync::push`).
        if let Some(ticket_id) = sync_links::parse_message(&id) {
            sync_message(&env, &db, &message, ticket_id, &request_id).await;
            continue;
        }
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
