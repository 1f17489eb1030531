//! `/app/settings/webhooks`: where new tickets and visitor replies are announced — the
//! receiver's URL, the signing secret (shown once, stored sealed: `service::site_secrets`), the
//! recent deliveries and failures, and "send a test". Owners and admins. The URL passes the
//! outbound policy (`outbound::url`); a delivery shows its status class (`outbound::Attempt`),
//! never a raw error.

use serde::Deserialize;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::hex;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::Action;

use super::csrf;
use super::gate::CheckedForm;
use super::redirect;
use super::settings_views::{Notice, notice, settings_nav};
use super::views::{layout, time};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{FollowUp, Request, Response};
use crate::integrations::outbound::{Attempt, OutboundUrl, Target};
use crate::service::notifications;
use crate::service::operators::Operator;
use crate::service::site_secrets::Sealer;
use crate::service::sites::{self, Site};
use crate::sql::notifications::RecentRow;
use crate::store::Executor;

pub async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
) -> Result<Response, ApiError> {
    let site = sites::current(&app.db, op).await?;
    let recent = recent(app, op).await?;
    let done = match req.query.as_str() {
        "done=saved" => Some(Ok("Saved.")),
        "done=test" => Some(Ok("A test event is on its way; its delivery shows below.")),
        _ => None,
    };
    Ok(Response::html(200, page(op, &site, &recent, None, done)))
}

/// `POST /app/settings/webhooks`: a URL turns notifications on (a signing secret is made the
/// first time, or when `rotate` is asked, and shown once); an empty one turns them off.
pub async fn save<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        url: String,
        #[serde(default)]
        rotate: Option<String>,
    }
    let form: Form = posted.parse()?;
    op.require(Action::ManageSettings)?;
    let url = form.url.trim();
    let sealer = Sealer::new(
        &app.secrets,
        fresh.random(b"site secrets"),
        fresh.now.millis(),
    );
    if url.is_empty() {
        sites::remove_webhook(&app.db, op).await?;
        app.sites.invalidate(&op.site_key);
        return Ok(redirect("/app/settings/webhooks?done=saved"));
    }
    let url = match OutboundUrl::parse(url, Target::Endpoint, app.outbound_policy) {
        Ok(url) if url.as_str().len() <= 500 => url,
        _ => {
            return Err(ApiError::Validation(ValidationErrors(
                [("url", FieldError::InvalidFormat)].into_iter().collect(),
            )));
        }
    };
    let had_secret = sites::current(&app.db, op).await?.webhook_url.is_some();
    let secret = (!had_secret || form.rotate.is_some())
        .then(|| format!("whsec_{}", hex::encode(&fresh.random(b"webhook secret"))));
    sites::set_webhook(&app.db, op, &sealer, url.as_str(), secret.as_deref()).await?;
    app.sites.invalidate(&op.site_key);
    let Some(secret) = secret else {
        return Ok(redirect("/app/settings/webhooks?done=saved"));
    };
    let site = sites::current(&app.db, op).await?;
    let recent = recent(app, op).await?;
    Ok(Response::html(
        201,
        page(op, &site, &recent, Some(&secret), None),
    ))
}

/// `POST /app/settings/webhooks/test`: a test event, delivered like the others.
pub async fn test<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    posted.no_fields()?;
    op.require(Action::ManageSettings)?;
    notifications::add_test_event(&app.db, op, fresh.random(b"test event"), fresh.now.millis())
        .await?;
    let mut response = redirect("/app/settings/webhooks?done=test");
    response.follow_up = Some(FollowUp::Notify {
        site_id: op.site_id,
    });
    Ok(response)
}

/// What an attempt that did not deliver is shown as: its class. Rows recorded before classes
/// hold the raw error: shown by their status's class, or as "no connection" (never the text).
fn attempt_class(row: &RecentRow) -> &'static str {
    if row.last_error.as_deref() == Some(crate::integrations::webhooks::NO_WEBHOOK) {
        return crate::integrations::webhooks::NO_WEBHOOK;
    }
    row.last_error
        .as_deref()
        .and_then(Attempt::from_label)
        .or_else(|| {
            row.last_status
                .and_then(|s| u16::try_from(s).ok())
                .map(Attempt::of_status)
        })
        .unwrap_or(Attempt::NoConnection)
        .label()
}

async fn recent<E: Executor>(app: &App<E>, op: &Operator) -> Result<Vec<RecentRow>, ApiError> {
    Ok(notifications::recent(&app.db, op).await?)
}

fn page(
    op: &Operator,
    site: &Site,
    recent: &[RecentRow],
    new_secret: Option<&str>,
    message: Notice<'_>,
) -> String {
    layout("Notifications", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/webhooks");
        notice(h, message);
        if let Some(secret) = new_secret {
            h.raw("<section class=\"card callout\" aria-labelledby=\"secret-h\"><h2 id=\"secret-h\">Signing secret</h2>")
                .raw("<p>Copy it to your receiver now: it is not shown again. Each delivery carries <code>Ticketbooth-Signature: t=…,v1=…</code>, the HMAC-SHA256 of <code>t.body</code> with this secret.</p>")
                .raw("<label for=\"webhook-secret\">Signing secret</label><input id=\"webhook-secret\" class=\"secret\" readonly value=\"")
                .text(secret)
                .raw("\"></section>");
        }
        h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/webhooks\" aria-labelledby=\"hook-h\"><h2 id=\"hook-h\">Webhook</h2>")
            .raw("<p>New tickets (from the widget, the bot, operators and the API) and visitors' replies are POSTed here as Slack-compatible JSON, signed, retried with backoff. Paste a Slack incoming-webhook URL, or your own receiver's. Empty turns notifications off.</p>");
        csrf::field(h, op);
        h.raw("<label for=\"webhook-url\">Receiver URL</label><input id=\"webhook-url\" name=\"url\" type=\"url\" autocomplete=\"off\" value=\"")
            .text(site.webhook_url.as_deref().unwrap_or(""))
            .raw("\">");
        if site.webhook_url.is_some() {
            h.raw("<label class=\"check\"><input type=\"checkbox\" name=\"rotate\" value=\"1\"> Make a new signing secret (the old one stops at once)</label>");
        }
        h.raw("<button class=\"primary\">Save</button></form>");
        if site.webhook_url.is_some() {
            h.raw("<form method=\"post\" action=\"/app/settings/webhooks/test\">");
            csrf::field(h, op);
            h.raw("<button>Send a test event</button></form>");
        }
        h.raw("<h2>Recent deliveries</h2>");
        if recent.is_empty() {
            h.raw("<p class=\"empty\">No events yet.</p>");
            return;
        }
        h.raw("<table class=\"list\"><thead><tr><th scope=\"col\">Event</th><th scope=\"col\">Created</th><th scope=\"col\">Attempts</th><th scope=\"col\">Result</th></tr></thead><tbody>");
        for r in recent {
            h.raw("<tr><td><code>")
                .text(&r.kind)
                .raw("</code> <span class=\"muted\">")
                .text(&r.id)
                .raw("</span></td><td>");
            time(h, r.created_at);
            h.raw("</td><td>")
                .text(&r.attempts.to_string())
                .raw("</td><td>");
            if let Some(at) = r.delivered_at {
                h.raw("Delivered ");
                time(h, at);
            } else if r.failed_at.is_some() {
                h.raw("<strong>Failed</strong>: ").text(attempt_class(r));
            } else if r.attempts > 0 {
                h.raw("Retrying: ").text(attempt_class(r));
            } else {
                h.raw("Waiting");
            }
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table>");
    })
}
