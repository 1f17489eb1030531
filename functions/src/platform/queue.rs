//! The outbox's hand-off to the Queue of webhook events, and the Queue's consumer: one
//! delivery attempt per event, acknowledged when done, retried with backoff.

use worker::MessageExt;
use worker::{Context, Env, console_error, console_log, event};

use crate::crypto::random;
use crate::integrations::outbound;
use crate::integrations::webhooks;
use crate::service::notifications::{self, Enqueue, Sending};
use crate::service::site_secrets::Sealer;
use crate::store::d1::D1Executor;

use super::env::{outbound_policy, secrets_key};

/// The Queue of webhook events (`[[queues.producers]]` in wrangler.toml).
const NOTIFICATIONS: &str = "NOTIFICATIONS";

/// Hands the outbox's waiting events (of one site, or all) to the Queue
/// (`service::notifications::hand_off`). An event the Queue refuses goes back to waiting, for
/// the next call or the Cron Trigger.
pub async fn enqueue_pending(env: &Env, site_id: Option<i64>) {
    let result: Result<usize, String> = async {
        let db = D1Executor::new(env.d1("DB").map_err(|e| e.to_string())?);
        let queue = env.queue(NOTIFICATIONS).map_err(|e| e.to_string())?;
        let now = js_sys::Date::now() as i64;
        let handed = notifications::hand_off(&db, &queue, site_id, now)
            .await
            .map_err(|e| e.to_string())?;
        for refused in &handed.refused {
            console_error!("notification {}: not queued: {}", refused.id, refused.error);
        }
        Ok(handed.taken.len())
    }
    .await;
    if let Err(e) = result {
        console_error!("notifications: {e}");
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
/// backoff when the receiver failed.
#[event(queue)]
async fn queue(batch: worker::MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    let db = D1Executor::new(env.d1("DB")?);
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
        let id = message.body().clone();
        let now = js_sys::Date::now() as i64;
        // Never `?` here: an `Err` from a queue handler retries the whole batch.
        let Ok(random) = random::bytes() else {
            message.retry();
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
        if let Ok(webhooks::Attempted {
            detail: Some(detail),
            ..
        }) = &attempted
        {
            console_log!("notification {id}: not delivered: {detail}");
        }
        match attempted.map(|a| a.next) {
            Ok(webhooks::Next::Done) => message.ack(),
            Ok(webhooks::Next::RetryIn(seconds)) => {
                console_log!("notification {id}: retry in {seconds} s");
                message.retry_with_options(
                    &worker::QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(seconds)
                        .build(),
                );
            }
            Err(e) => {
                console_error!("notification {id}: {e}");
                message.retry();
            }
        }
    }
    Ok(())
}
