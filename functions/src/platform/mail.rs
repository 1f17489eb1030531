//! E-mail out through Cloudflare Email Service: the `[[send_email]]` binding (`MAIL`) as the
//! outbox's `Mailer`, the hand-off of unsent mails to the Queue, and one Queue message's send
//! (`service::mail_outbox::send`): acknowledged when sent, skipped or settled, retried with
//! backoff while Email Service refuses, given up after the outbox's last attempt. One log line
//! per message, with the mail's id and the outcome, never its address or text.

use worker::{EmailMessage, Env, MessageExt, SendEmail};

use crate::crypto::visitor_token::TokenKey;
use crate::service::mail_compose::Rendered;
use crate::service::mail_outbox::{self, Deployment, Mailer, Sending, Sent};
use crate::service::notifications::Enqueue;
use crate::store::d1::D1Executor;

use super::console;
use super::env::{dashboard_origin, retry_base_seconds};
use ticketbooth_shared::timestamp::Timestamp;

/// The Email Service binding (`[[send_email]]` in wrangler.toml).
const MAIL: &str = "MAIL";

/// The binding sends the raw message as rendered (its own headers, both bodies).
impl Mailer for SendEmail {
    fn send<'a>(&'a self, mail: &'a Rendered) -> Sending<'a> {
        Box::pin(async move {
            let message = EmailMessage::new(&mail.from, &mail.to, &mail.raw)
                .map_err(|e| String::from(e.message()))?;
            SendEmail::send(self, &message)
                .await
                .map(|sent| sent.message_id())
                .map_err(|e| String::from(e.message()))
        })
    }
}

/// Hands unsent mails (of one site, or all) to the Queue; refusals are logged under
/// `request_id`.
pub async fn enqueue_mails(
    db: &D1Executor,
    queue: &dyn Enqueue,
    site_id: Option<i64>,
    request_id: &str,
) {
    let now = js_sys::Date::now() as i64;
    let handed = mail_outbox::hand_off(db, queue, site_id, now).await;
    console::log_hand_off(request_id, "mails", handed);
}

/// One mail's send from its Queue message.
pub async fn mail_message(
    env: &Env,
    db: &D1Executor,
    message: &worker::Message<String>,
    id: i64,
    request_id: &str,
) {
    let started = js_sys::Date::now();
    let domain = env
        .var("EMAIL_DOMAIN")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let origin = dashboard_origin(env);
    let base = retry_base_seconds(env.var("MAIL_RETRY_SECONDS"));
    let keys = env
        .secret("VISITOR_TOKEN_SECRET")
        .ok()
        .and_then(|s| TokenKey::new(&s.to_string()).ok());
    let deployment = Deployment {
        domain: &domain,
        origin: &origin,
        keys: keys.as_ref(),
        retry_base_secs: base,
    };
    let sent = match env.send_email(MAIL) {
        Ok(mailer) => mail_outbox::send(
            db,
            &mailer,
            &deployment,
            id,
            Timestamp::from_millis(started as i64),
        )
        .await
        .map_err(|e| e.to_string()),
        Err(e) => Err(format!("no send_email binding: {e}")),
    };
    let (outcome, retry_in, error): (&str, Option<u32>, Option<String>) = match sent {
        Ok(Sent::Sent) => {
            message.ack();
            ("sent", None, None)
        }
        Ok(Sent::Skipped(why)) => {
            message.ack();
            (why, None, None)
        }
        Ok(Sent::Settled) => {
            message.ack();
            ("settled", None, None)
        }
        Ok(Sent::RetryIn { seconds, error }) => {
            message.retry_with_options(
                &worker::QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(seconds)
                    .build(),
            );
            ("retry", Some(seconds), Some(error))
        }
        Ok(Sent::GaveUp { error }) => {
            message.ack();
            ("failed", None, Some(error))
        }
        Err(e) => {
            message.retry();
            ("retry", None, Some(e))
        }
    };
    console::log_job(
        request_id,
        started,
        ("mail", id),
        outcome,
        retry_in,
        error.as_deref(),
    );
}
