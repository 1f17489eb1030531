//! The outbox's hand-off to the Queue of webhook events, and the Queue's consumer: one
//! delivery attempt per event, acknowledged when done, retried with backoff.

use worker::MessageExt;
use worker::{Context, Env, console_error, console_log, event};

use crate::crypto::random;
use crate::integrations::outbound;
use crate::integrations::webhooks;
use crate::service::site_secrets::Sealer;
use crate::sql::notifications;
use crate::store::Executor;
use crate::store::d1::D1Executor;

use super::env::{outbound_policy, secrets_key};

/// The Queue of webhook events (`[[queues.producers]]` in wrangler.toml).
const NOTIFICATIONS: &str = "NOTIFICATIONS";

/// Hands the outbox's waiting events (of one site, or all) to the Queue. An event the Queue
/// refuses goes back to waiting, for the next call or the Cron Trigger.
pub async fn enqueue_pending(env: &Env, site_id: Option<i64>) {
    let result: Result<usize, String> = async {
        let db = D1Executor::new(env.d1("DB").map_err(|e| e.to_string())?);
        let now = js_sys::Date::now() as i64;
        let rows = db
            .batch(vec![notifications::take_pending(site_id, now, 100)])
            .await
            .map_err(|e| e.to_string())?;
        let ids: Vec<String> = rows
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("id").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        let queue = env.queue(NOTIFICATIONS).map_err(|e| e.to_string())?;
        for id in &ids {
            if let Err(e) = queue.send(id.clone()).await {
                console_error!("notification {id}: not queued: {e}");
                let _ = db.batch(vec![notifications::unqueue(id)]).await;
            }
        }
        Ok(ids.len())
    }
    .await;
    if let Err(e) = result {
        console_error!("notifications: {e}");
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
