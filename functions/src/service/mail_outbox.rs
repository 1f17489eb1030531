//! The outbox of mails (`mails`) once written: the hand-off to the Queue (`mail:<id>`
//! messages, beside webhook events and summary jobs), and one send per message — the rules
//! checked again as they are now, the mail rendered (`mail_compose`), sent through the
//! `Mailer` seam (Email Service's binding in the Worker, a double in host tests), recorded with
//! its `email_sent` event, or retried with backoff and given up after `MAX_ATTEMPTS`.

use std::future::Future;
use std::pin::Pin;

use ticketbooth_shared::event::{Actor, EventKind};
use ticketbooth_shared::timestamp::Timestamp;

use super::mail_compose::{self, Envelope, Rendered};
use super::notifications::{Enqueue, HandOff, Refused};
use crate::crypto::visitor_token::TokenKey;
use crate::sql::mails::{self, SendRow};
use crate::sql::ticket_events;
use crate::store::{Executor, StoreError, decode, decode_first};

/// Mails handed to the Queue per call at most; the rest wait for the next call or the Cron
/// Trigger.
pub const HAND_OFF_LIMIT: i64 = 100;

/// A mail handed this long ago and still unsent is handed again (its message was lost).
/// Longer than the longest retry delay, so a retry the Queue holds is never doubled.
pub const STALE_MS: i64 = 15 * 60 * 1000;

/// Tries per mail; then it is marked failed.
pub const MAX_ATTEMPTS: i64 = 5;

const MESSAGE_PREFIX: &str = "mail:";

/// The Queue message of the mail `id`.
pub fn message(id: i64) -> String {
    format!("{MESSAGE_PREFIX}{id}")
}

/// The mail a Queue message names, when it is a mail's.
pub fn parse_message(body: &str) -> Option<i64> {
    body.strip_prefix(MESSAGE_PREFIX)?.parse().ok()
}

/// What `Mailer::send` returns: the message id Email Service gave, or its refusal as text.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + 'a>>;

/// Where mails go out: the `[[send_email]]` binding in the Worker (`platform::queue`).
pub trait Mailer {
    fn send<'a>(&'a self, mail: &'a Rendered) -> Sending<'a>;
}

/// Hands unsent mails (of one site, or of all with `None`) to `queue`: those never handed and
/// those stuck for `STALE_MS`. A mail the Queue refuses goes back to waiting.
pub async fn hand_off<E: Executor>(
    db: &E,
    queue: &dyn Enqueue,
    site_id: Option<i64>,
    now_ms: i64,
) -> Result<HandOff, StoreError> {
    #[derive(serde::Deserialize)]
    struct Taken {
        id: i64,
        site_id: i64,
    }
    let rows = db
        .batch(vec![mails::take_unsent(
            site_id,
            now_ms,
            now_ms - STALE_MS,
            HAND_OFF_LIMIT,
        )])
        .await?;
    let taken: Vec<Taken> = rows
        .into_iter()
        .flatten()
        .map(decode)
        .collect::<Result<_, _>>()?;
    let mut handed = HandOff::default();
    for mail in taken {
        let body = message(mail.id);
        if let Err(error) = queue.send(&body).await {
            // Not `?`: the other mails are handed still; the sweep takes this one again.
            let _ = db.batch(vec![mails::unqueue(mail.site_id, mail.id)]).await;
            handed.refused.push(Refused {
                id: body.clone(),
                error,
            });
        }
        handed.taken.push(body);
    }
    Ok(handed)
}

/// Where the deployment is, for the messages and their links.
pub struct Deployment<'a> {
    /// `EMAIL_DOMAIN`.
    pub domain: &'a str,
    /// `DASHBOARD_ORIGIN`, the Worker's public origin (the unsubscribe link's); empty when
    /// unset, and then mails carry no List-Unsubscribe.
    pub origin: &'a str,
    /// Signs the unsubscribe links; `None` when the secret is missing (no link then).
    pub keys: Option<&'a TokenKey>,
    /// The first retry's delay; each next one doubles.
    pub retry_base_secs: u32,
}

/// What one send did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Email Service took it; the timeline has its `email_sent` event.
    Sent,
    /// The rules said no now (opted out, bounced, e-mail off, spam, opt-in withdrawn): never
    /// sent.
    Skipped(&'static str),
    /// Sent, failed or skipped before, or deleted with its ticket: nothing to do.
    Settled,
    /// Email Service refused; try again in this many seconds.
    RetryIn { seconds: u32, error: String },
    /// Refused `MAX_ATTEMPTS` times: marked failed.
    GaveUp { error: String },
}

/// Sends the mail `id` once.
pub async fn send<E: Executor>(
    db: &E,
    mailer: &dyn Mailer,
    deployment: &Deployment<'_>,
    id: i64,
    now: Timestamp,
) -> Result<Sent, StoreError> {
    let Some(row) = decode_first::<SendRow>(db.query(mails::find_for_send(id)).await?)? else {
        return Ok(Sent::Settled);
    };
    if !matches!(row.state.as_str(), "waiting" | "queued") {
        return Ok(Sent::Settled);
    }
    if let Some(why) = refusal(&row) {
        db.batch(vec![mails::mark_skipped(row.site_id, row.id, why)])
            .await?;
        return Ok(Sent::Skipped(why));
    }
    let url = deployment
        .keys
        .filter(|_| !deployment.origin.is_empty())
        .map(|keys| unsubscribe_url(deployment.origin, &row, keys));
    let envelope = Envelope {
        domain: deployment.domain,
        unsubscribe_url: url.as_deref(),
        now,
    };
    let rendered = mail_compose::render(&row, &envelope);
    let now_ms = now.millis();
    match mailer.send(&rendered).await {
        Ok(message_id) => {
            let event = EventKind::EmailSent {
                mail: row.kind.clone(),
                to: row.to_address.clone(),
            };
            db.batch(vec![
                mails::mark_sent(row.site_id, row.id, &message_id, now_ms),
                ticket_events::insert(row.site_id, &row.ticket_id, &event, &Actor::System, now_ms)?,
            ])
            .await?;
            Ok(Sent::Sent)
        }
        Err(error) => {
            let attempt = row.attempts + 1;
            let failed = attempt >= MAX_ATTEMPTS;
            let seconds = retry_delay_seconds(deployment.retry_base_secs, attempt);
            let retry_at = now_ms + i64::from(seconds) * 1000;
            db.batch(vec![mails::record_failure(
                row.site_id,
                row.id,
                &error,
                failed,
                retry_at,
            )])
            .await?;
            Ok(if failed {
                Sent::GaveUp { error }
            } else {
                Sent::RetryIn { seconds, error }
            })
        }
    }
}

/// Why the mail must not go now, if it must not: the same rules as when it was written, as
/// they are at send time.
fn refusal(row: &SendRow) -> Option<&'static str> {
    if row.email_enabled == 0 {
        return Some("email_off");
    }
    if row.is_spam != 0 {
        return Some("spam");
    }
    if let Some(blocked) = &row.blocked {
        return Some(if blocked == "bounced" {
            "bounced"
        } else {
            "opted_out"
        });
    }
    if row.operator_id.is_some() && row.opted_in != Some(1) {
        return Some("not_opted_in");
    }
    None
}

/// The delay before try `attempt + 1`: `base`, doubling, at most 8 × `base`.
pub fn retry_delay_seconds(base: u32, attempt: i64) -> u32 {
    let doublings = attempt.clamp(1, 4) - 1;
    base.max(1).saturating_mul(1 << doublings)
}

/// The recipient's unsubscribe link on the Worker (`api::unsubscribe`).
pub fn unsubscribe_url(origin: &str, row: &SendRow, keys: &TokenKey) -> String {
    let sig = keys.sign_unsubscribe(row.site_id, &row.to_address);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("to", &row.to_address)
        .append_pair("sig", &sig)
        .finish();
    format!(
        "{}/api/v1/sites/{}/email/unsubscribe?{query}",
        origin.trim_end_matches('/'),
        row.site_key
    )
}
