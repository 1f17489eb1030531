//! The push pipeline in the Worker: the hand-off of links due a push to the Queue
//! (`sync:<ticket id>` messages on the NOTIFICATIONS queue, after each request's writes and
//! every minute from the cron), and one message's push (`integrations::sync::push::run`):
//! acknowledged when done, given up or settled, retried after the delay the job set (a
//! platform's `Retry-After`, or the doubling backoff from `SYNC_RETRY_SECONDS`). One log line
//! per message: the ticket id and the outcome, never the ticket's content or a credential.

use worker::{Env, MessageExt};

use crate::crypto::random;
use crate::integrations::outbound;
use crate::integrations::sync::{self, push};
use crate::service::notifications::Enqueue;
use crate::service::site_secrets::Sealer;
use crate::service::sync_links;
use crate::store::d1::D1Executor;

use super::console;
use super::env::{dashboard_origin, outbound_policy, retry_base_seconds, secrets_key};

/// The longest delay Queues accept for a retry.
const MAX_QUEUE_DELAY_S: u32 = 12 * 60 * 60;

/// Hands the links due a push (of one site, or all) to the Queue; refusals are logged under
/// `request_id`.
pub async fn enqueue_syncs(
    db: &D1Executor,
    queue: &dyn Enqueue,
    site_id: Option<i64>,
    request_id: &str,
) {
    let now = js_sys::Date::now() as i64;
    let handed = sync_links::hand_off(db, queue, site_id, now).await;
    console::log_hand_off(request_id, "syncs", handed);
}

/// One push from its Queue message.
pub async fn sync_message(
    env: &Env,
    db: &D1Executor,
    message: &worker::Message<String>,
    ticket_id: &str,
    request_id: &str,
) {
    let started = js_sys::Date::now();
    let now = started as i64;
    let base = retry_base_seconds(env.var("SYNC_RETRY_SECONDS"));
    let origin = dashboard_origin(env);
    let ran = match random::bytes() {
        Ok(random) => {
            let secrets = secrets_key(env);
            let sealer = Sealer::new(&secrets, random, now);
            let job = push::Job {
                outbound: &outbound::Fetch,
                sealer: &sealer,
                policy: outbound_policy(env),
                origin: &origin,
                now_ms: now,
                retry_base_s: base,
                connectors: sync::connector,
            };
            push::run(db, &job, ticket_id)
                .await
                .map_err(|e| e.to_string())
        }
        Err(_) => Err("no random bytes".to_owned()),
    };
    let (outcome, retry_in, error): (&str, Option<u32>, Option<String>) = match ran {
        Ok(push::Ran::Pushed { .. }) => {
            message.ack();
            ("pushed", None, None)
        }
        Ok(push::Ran::Skipped(why)) => {
            message.ack();
            (why, None, None)
        }
        Ok(push::Ran::Stopped) => {
            message.ack();
            ("stopped", None, None)
        }
        Ok(push::Ran::Deleted) => {
            message.ack();
            ("deleted", None, None)
        }
        Ok(push::Ran::Failed { error }) => {
            message.ack();
            ("failed", None, Some(error))
        }
        Ok(push::Ran::RetryIn { seconds, error }) => {
            // Queues delay a retry 12 hours at most; a longer wait is the sweep's (the link's
            // `next_attempt_at` holds it back until then).
            message.retry_with_options(
                &worker::QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(seconds.min(MAX_QUEUE_DELAY_S))
                    .build(),
            );
            ("retry", Some(seconds), Some(error))
        }
        Err(e) => {
            message.retry();
            ("retry", None, Some(e))
        }
    };
    console::log_job(
        request_id,
        started,
        ("sync", ticket_id),
        outcome,
        retry_in,
        error.as_deref(),
    );
}
