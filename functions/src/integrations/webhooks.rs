//! Operator notifications: a site's webhook gets every new ticket (any source) and every
//! visitor reply on a ticket. The event is written to an outbox (`notifications`) in the same
//! batch as what it announces, handed to a Cloudflare Queue after the answer (never delaying
//! it), and delivered by this Worker's queue consumer: a Slack-compatible JSON payload
//! (`text` + `blocks`, plus the `event` itself), signed, retried with backoff, each attempt
//! recorded for the settings page. The Cron Trigger hands the Queue whatever was never handed.
//!
//! The receiver's URL passes the outbound policy (`outbound::url`) when saved and again before
//! every attempt; redirects are not followed; an attempt is recorded as a status class
//! (`outbound::Attempt`), never the raw error. Visitor text in the Slack fields is escaped
//! (`slack_escape`), so a subject cannot ping a channel or dress up a link.
//!
//! Signature: `Ticketbooth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>`, and `Ticketbooth-Event-Id` for the receiver to drop repeats.

use hmac::Mac;

use crate::crypto::hmac_sha256;
use serde_json::{Value, json};
use ticketbooth_shared::hex;

use crate::integrations::outbound::{Attempt, Outbound, OutboundPolicy, OutboundUrl, Target};
use crate::service::ServiceError;
use crate::service::notifications::{self, AttemptRecord};
use crate::service::site_secrets::{self, Sealer, SecretName, Stored};
use crate::sql::notifications::DeliveryRow;
use crate::store::{Executor, StoreError};

/// What a delivery records when the site's webhook was removed before it was sent.
pub const NO_WEBHOOK: &str = "no webhook";

/// Attempts before an event is given up.
pub const MAX_ATTEMPTS: i64 = 6;

/// The signature header's value for `body` sent at `unix_seconds`.
pub fn signature(secret: &str, unix_seconds: i64, body: &str) -> String {
    let mut mac = hmac_sha256(secret.as_bytes());
    mac.update(format!("{unix_seconds}.{body}").as_bytes());
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(&mac.finalize().into_bytes())
    )
}

/// How long to wait before attempt `attempt + 1` (1-based `attempt` just failed):
/// `base`, doubling, at most an hour.
pub fn retry_delay_seconds(base: u32, attempt: i64) -> u32 {
    let doubled = u64::from(base.max(1)) << attempt.clamp(1, 12).saturating_sub(1);
    doubled.min(3_600) as u32
}

/// Text as Slack shows it literally: `&`, `<` and `>` are its control characters (`<!channel>`
/// pings everyone, `<https://…|label>` is a link with any label), so Slack asks for exactly
/// these three to be escaped in `text` and `mrkdwn` fields.
pub fn slack_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The JSON a receiver gets: Slack's incoming-webhook shape (`text`, `blocks`), and the event
/// (its `data` as stored: a receiver of its own reads the raw values).
pub fn payload(row: &DeliveryRow, dashboard: &str) -> Value {
    let data: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
    let raw_code = data["code"].as_str().unwrap_or("");
    let code = slack_escape(raw_code);
    let subject = slack_escape(data["subject"].as_str().unwrap_or(""));
    let who = slack_escape(
        data["requester_name"]
            .as_str()
            .or(data["requester_email"].as_str())
            .unwrap_or("a visitor"),
    );
    let site_name = slack_escape(&row.site_name);
    let link = format!("{dashboard}/app/tickets/{raw_code}");
    let text = match row.kind.as_str() {
        "ticket.created" => format!("New ticket {code} on {site_name}: {subject} (from {who})"),
        "ticket.visitor_replied" => format!("{who} replied on {code}: {subject}"),
        "ticket.sla_breached" => {
            let target = match data["target"].as_str() {
                Some("first_response") => "first response",
                _ => "resolution",
            };
            format!("SLA breached on {code}: {target} overdue ({subject})")
        }
        _ => format!("A test from Ticketbooth for {site_name}: your webhook works."),
    };
    let mut blocks = vec![json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } })];
    if !code.is_empty() {
        let target = slack_escape(&link);
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("<{target}|Open {code}>") } }));
    }
    json!({
        "text": text,
        "blocks": blocks,
        "event": {
            "id": row.id,
            "type": row.kind,
            "site": row.site_key,
            "created_at": ticketbooth_shared::timestamp::Timestamp::from_millis(row.created_at).to_rfc3339(),
            "url": if code.is_empty() { Value::Null } else { Value::String(link) },
            "data": data,
        },
    })
}

/// What the consumer does with a message after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Delivered, given up, or nothing to deliver: acknowledge it.
    Done,
    /// Try again after this many seconds.
    RetryIn(u32),
}

/// What one call of `deliver` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    pub next: Next,
    /// Why it failed, in full, for the Worker's log only: stored and shown is the class.
    pub detail: Option<String>,
}

impl From<Next> for Attempted {
    fn from(next: Next) -> Self {
        Self { next, detail: None }
    }
}

/// One delivery attempt of the event `id`, recorded. A receiver URL that does not pass
/// `policy` (stored before it, or under the development allowance) is not called: the event
/// fails at once, as "refused: address not allowed". The signing secret is opened with
/// `sealer`'s keys (a clear one from before migration 0018 is sealed now); without
/// `SECRETS_KEY` nothing is sent unsigned: the attempt fails and is retried.
#[allow(clippy::too_many_arguments)]
pub async fn deliver<E: Executor>(
    db: &E,
    outbound: &dyn Outbound,
    sealer: &Sealer<'_>,
    policy: OutboundPolicy,
    id: &str,
    dashboard: &str,
    retry_base: u32,
    now_ms: i64,
) -> Result<Attempted, StoreError> {
    let Some(row) = notifications::delivery(db, id).await? else {
        return Ok(Next::Done.into());
    };
    if row.delivered_at.is_some() || row.failed_at.is_some() {
        return Ok(Next::Done.into());
    }
    let stored = Stored::from_columns(
        row.webhook_secret_sealed.clone(),
        row.webhook_secret.clone(),
    );
    let (Some(url), Some(stored)) = (&row.webhook_url, stored) else {
        // The webhook was removed meanwhile: nothing to deliver to.
        let record = AttemptRecord {
            status: None,
            error: Some(NO_WEBHOOK),
            delivered: false,
            failed: true,
        };
        notifications::record_attempt(db, id, record, now_ms).await?;
        return Ok(Next::Done.into());
    };
    let url = match OutboundUrl::parse(url, Target::Endpoint, policy) {
        Ok(url) => url,
        Err(refused) => {
            let record = AttemptRecord {
                status: None,
                error: Some(Attempt::NotAllowed.label()),
                delivered: false,
                failed: true,
            };
            notifications::record_attempt(db, id, record, now_ms).await?;
            return Ok(Attempted {
                next: Next::Done,
                detail: Some(format!("the receiver's URL is not allowed: {refused}")),
            });
        }
    };
    let secret =
        match site_secrets::take(db, sealer, row.site_id, SecretName::WebhookSecret, &stored).await
        {
            Ok((secret, _)) => secret,
            Err(ServiceError::Store(e)) => return Err(e),
            Err(refused) => {
                let attempt = row.attempts + 1;
                let failed = attempt >= MAX_ATTEMPTS;
                let error = refused.to_string();
                let record = AttemptRecord {
                    status: None,
                    error: Some(&error),
                    delivered: false,
                    failed,
                };
                notifications::record_attempt(db, id, record, now_ms).await?;
                return Ok(Attempted {
                    next: if failed {
                        Next::Done
                    } else {
                        Next::RetryIn(retry_delay_seconds(retry_base, attempt))
                    },
                    detail: Some(refused.to_string()),
                });
            }
        };
    let body = payload(&row, dashboard).to_string();
    let headers = vec![
        (
            "ticketbooth-signature",
            signature(&secret, now_ms / 1000, &body),
        ),
        ("ticketbooth-event-id", row.id.clone()),
        ("user-agent", "Ticketbooth-Webhooks/1".to_owned()),
    ];
    let answer = outbound
        .post_json(&url, headers, body, now_ms + 10_000)
        .await;
    let attempt = row.attempts + 1;
    // The class, not the error's text: the settings page shows it (see `outbound::attempt`).
    let class = Attempt::of(&answer);
    let delivered = class.succeeded();
    let status = answer.as_ref().ok().map(|reply| reply.status);
    let failed = !delivered && attempt >= MAX_ATTEMPTS;
    let record = AttemptRecord {
        status,
        error: (!delivered).then(|| class.label()),
        delivered,
        failed,
    };
    notifications::record_attempt(db, id, record, now_ms).await?;
    Ok(Attempted {
        next: if delivered || failed {
            Next::Done
        } else {
            Next::RetryIn(retry_delay_seconds(retry_base, attempt))
        },
        detail: match answer {
            Ok(_) if delivered => None,
            Ok(reply) => Some(format!("the receiver answered {}", reply.status)),
            Err(e) => Some(e.to_string()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_time_dot_body() {
        // `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test`
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn slack_control_characters_are_escaped() {
        assert_eq!(
            slack_escape("<!channel> <https://evil.example|Verify> & more"),
            "&lt;!channel&gt; &lt;https://evil.example|Verify&gt; &amp; more"
        );
        assert_eq!(slack_escape("Plain text, *bold*"), "Plain text, *bold*");
    }

    #[test]
    fn an_sla_breach_names_the_ticket_and_the_missed_target() {
        let row = DeliveryRow {
            id: "sb_abc_fr".into(),
            kind: "ticket.sla_breached".into(),
            data: r#"{"code":"TKT-7","subject":"Charged <twice>","target":"first_response"}"#
                .into(),
            created_at: 0,
            attempts: 0,
            delivered_at: None,
            failed_at: None,
            site_key: "acme".into(),
            site_name: "Acme".into(),
            site_id: 1,
            webhook_url: None,
            webhook_secret: None,
            webhook_secret_sealed: None,
        };
        let body = payload(&row, "https://tickets.example");
        assert_eq!(
            body["text"],
            "SLA breached on TKT-7: first response overdue (Charged &lt;twice&gt;)"
        );
        assert_eq!(body["event"]["type"], "ticket.sla_breached");
        assert_eq!(
            body["event"]["url"],
            "https://tickets.example/app/tickets/TKT-7"
        );
    }

    #[test]
    fn retries_back_off_doubling_up_to_an_hour() {
        let delays: Vec<u32> = (1..=6).map(|a| retry_delay_seconds(30, a)).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960]);
        assert_eq!(retry_delay_seconds(30, 12), 3_600);
        assert_eq!(retry_delay_seconds(1, 2), 2);
    }
}
