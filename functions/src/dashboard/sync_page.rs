//! `/app/settings/sync`: the site's connection to an external help desk (Zendesk, Gorgias),
//! for owners and admins. Not connected: the connect form. Connected: where and as whom, the
//! last connection test (`#sync-check`), the webhook URL to paste into the platform with its
//! instructions, the push rule, rotating the credentials, "push the N existing" and
//! disconnecting (after a confirmation page). Every change is a POST naming what it does
//! (`do=`); a refusal shows the page again with the reason, its status and the typed values
//! (never a secret), and changes nothing. Secrets are written sealed
//! (`service::site_secrets`) and never shown again.

use ticketbooth_shared::FieldError;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::sync::Platform;

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use super::settings_views::{FieldErrors, Notice, field_error, invalid, notice, settings_nav};
use super::sync_form::{Form, connection_of, credentials_of, push_rule};
use super::views::{layout, time};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::integrations::sync::{RemoteUser, check, gorgias};
use crate::service::operators::Operator;
use crate::service::site_secrets::Sealer;
use crate::service::sync_connections;
use crate::service::{Refusal, ServiceError};
use crate::sql::sync_connections::ConnectionRow;
use crate::store::Executor;

const PATH: &str = "/app/settings/sync";

/// The header a Gorgias HTTP integration carries the webhook secret in (Gorgias signs
/// nothing: the admin sets this custom header there).
const GORGIAS_SECRET_HEADER: &str = "X-Ticketbooth-Webhook-Secret";

/// `GET`: the page, or (`?confirm=disconnect`) the disconnect confirmation.
pub async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
) -> Result<Response, ApiError> {
    op.require(Action::ManageSettings)?;
    if req.query == "confirm=disconnect"
        && let Some(row) = sync_connections::live_row(&app.db, op).await?
    {
        return Ok(Response::html(200, confirm_disconnect(op, &row)));
    }
    let done = match req.query.as_str() {
        "done=rules" => Some(Ok("Push rule saved. It applies to tickets from now on.")),
        "done=disconnected" => Some(Ok(
            "Disconnected. Linked tickets keep their history; nothing is pushed or pulled any more.",
        )),
        _ => None,
    };
    let shown = Shown {
        notice: done,
        ..Shown::default()
    };
    render(app, req, op, &shown, 200).await
}

/// `POST`: one change, named by `do`.
pub async fn save<E: Executor>(
    app: &App<E>,
    req: &Request,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    let form: Form = posted.parse()?;
    op.require(Action::ManageSettings)?;
    let now_ms = fresh.now.millis();
    let sealer = Sealer::new(&app.secrets, fresh.random(b"site secrets"), now_ms);
    let outcome = match form.action.as_str() {
        "connect" => connect(app, op, &sealer, &form, now_ms).await,
        "rules" => match push_rule(&form) {
            Ok(rule) => sync_connections::set_rules(&app.db, op, &rule, now_ms)
                .await
                .map(|()| Done::Redirect("done=rules"))
                .map_err(Failed::from),
            Err(errors) => Err(Failed::Fields(errors)),
        },
        "credentials" => rotate(app, op, &sealer, &form, now_ms).await,
        "test" => test(app, op, &sealer, now_ms).await,
        "push_existing" => match form.count.trim().parse::<i64>() {
            Ok(expected) => sync_connections::push_existing(&app.db, op, expected, now_ms)
                .await
                .map(Done::Pushed)
                .map_err(Failed::from),
            Err(_) => Err(Failed::Fields(vec![(
                "count",
                FieldError::InvalidFormat.to_string(),
            )])),
        },
        "disconnect" => sync_connections::disconnect(&app.db, op, now_ms)
            .await
            .map(|()| Done::Redirect("done=disconnected"))
            .map_err(Failed::from),
        _ => Err(Failed::Fields(vec![(
            "do",
            FieldError::InvalidFormat.to_string(),
        )])),
    };
    match outcome {
        Ok(Done::Redirect(done)) => Ok(redirect(&format!("{PATH}?{done}"))),
        Ok(Done::Checked { status, result }) => {
            let message = checked_notice(&result);
            let shown = Shown {
                notice: Some(match &result {
                    Ok(_) => Ok(message.as_str()),
                    Err(_) => Err(message.as_str()),
                }),
                ..Shown::default()
            };
            render(app, req, op, &shown, status).await
        }
        Ok(Done::Pushed(n)) => {
            let message = format!(
                "{n} existing ticket{} will be pushed: each shows its state on its page.",
                if n == 1 { "" } else { "s" }
            );
            let shown = Shown {
                notice: Some(Ok(&message)),
                ..Shown::default()
            };
            render(app, req, op, &shown, 200).await
        }
        Err(Failed::Fields(errors)) => {
            let shown = Shown {
                typed: Some(&form),
                errors: &errors,
                notice: Some(Err("Some fields need a look: nothing was saved.")),
            };
            render(app, req, op, &shown, 422).await
        }
        Err(Failed::Refused(error)) => {
            let text = error.to_string();
            let shown = Shown {
                typed: Some(&form),
                notice: Some(Err(&text)),
                ..Shown::default()
            };
            render(app, req, op, &shown, error.status()).await
        }
        Err(Failed::Other(error)) => Err(error),
    }
}

enum Done {
    Redirect(&'static str),
    /// The connection test ran (after a connect, a rotation, or asked for).
    Checked {
        status: u16,
        result: Result<RemoteUser, String>,
    },
    /// "Push the N existing": how many were linked.
    Pushed(i64),
}

enum Failed {
    Fields(Vec<(&'static str, String)>),
    /// A refusal the page explains (409 and the like).
    Refused(ApiError),
    Other(ApiError),
}

impl From<ServiceError> for Failed {
    fn from(error: ServiceError) -> Self {
        match ApiError::from(error) {
            // Without SECRETS_KEY nothing can be stored: the site-wide refusal page says so.
            e @ ApiError::Refused(Refusal::SecretsKeyMissing) => Failed::Other(e),
            e @ ApiError::Refused(_) => Failed::Refused(e),
            e => Failed::Other(e),
        }
    }
}

async fn connect<E: Executor>(
    app: &App<E>,
    op: &Operator,
    sealer: &Sealer<'_>,
    form: &Form,
    now_ms: i64,
) -> Result<Done, Failed> {
    let new = connection_of(form, app.outbound_policy).map_err(Failed::Fields)?;
    sync_connections::connect(&app.db, sealer, op, &new, now_ms).await?;
    match test(app, op, sealer, now_ms).await? {
        Done::Checked { result, .. } => Ok(Done::Checked {
            status: 201,
            result,
        }),
        other => Ok(other),
    }
}

async fn rotate<E: Executor>(
    app: &App<E>,
    op: &Operator,
    sealer: &Sealer<'_>,
    form: &Form,
    now_ms: i64,
) -> Result<Done, Failed> {
    let row = sync_connections::live_row(&app.db, op)
        .await?
        .ok_or(ServiceError::from(Refusal::SyncNotConnected))?;
    let platform = Platform::parse(&row.platform)
        .map_err(|_| Failed::Other(ApiError::Internal("sync connection platform".to_owned())))?;
    let new = credentials_of(form, platform).map_err(Failed::Fields)?;
    sync_connections::rotate(&app.db, sealer, op, &new, now_ms).await?;
    test(app, op, sealer, now_ms).await
}

/// Runs the connection test on the live connection (its secrets opened) and records it.
async fn test<E: Executor>(
    app: &App<E>,
    op: &Operator,
    sealer: &Sealer<'_>,
    now_ms: i64,
) -> Result<Done, Failed> {
    let connection = sync_connections::live(&app.db, sealer, op.site_id)
        .await?
        .ok_or(ServiceError::from(Refusal::SyncNotConnected))?;
    let result = check::run(
        &app.db,
        app.outbound.as_ref(),
        app.outbound_policy,
        &connection,
        now_ms,
    )
    .await?;
    Ok(Done::Checked {
        status: 200,
        result,
    })
}

fn checked_notice(result: &Result<RemoteUser, String>) -> String {
    match result {
        Ok(user) => format!(
            "Connection test passed: signed in as {} (user {}).",
            user.name, user.id
        ),
        Err(message) => format!("Connection test failed: {message}"),
    }
}

/// What the page shows besides the stored state.
#[derive(Default)]
struct Shown<'a> {
    /// The values typed into the form that failed (secrets are never shown again).
    typed: Option<&'a Form>,
    errors: FieldErrors<'a>,
    notice: Notice<'a>,
}

async fn render<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    shown: &Shown<'_>,
    status: u16,
) -> Result<Response, ApiError> {
    let row = sync_connections::live_row(&app.db, op).await?;
    let unlinked = match &row {
        Some(_) => sync_connections::unlinked_count(&app.db, op).await?,
        None => 0,
    };
    let html = layout("External sync", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, PATH);
        notice(h, shown.notice);
        match &row {
            None => connect_form(h, op, shown),
            Some(row) => connected(h, op, req, row, unlinked, shown),
        }
    });
    Ok(Response::html(status, html))
}

fn typed<'a>(shown: &'a Shown<'_>, pick: impl Fn(&'a Form) -> &'a str) -> &'a str {
    shown.typed.map_or("", pick)
}

fn option(h: &mut Html, value: &'static str, label: &'static str, selected: bool) {
    h.raw("<option value=\"").raw(value).raw("\"");
    if selected {
        h.raw(" selected");
    }
    h.raw(">").raw(label).raw("</option>");
}

fn connect_form(h: &mut Html, op: &Operator, shown: &Shown<'_>) {
    let errors = shown.errors;
    h.raw("<form id=\"sync-connect\" class=\"card stack\" method=\"post\" action=\"/app/settings/sync\" aria-labelledby=\"sync-connect-h\"><h2 id=\"sync-connect-h\">Connect a help desk</h2>")
        .raw("<p>Tickets are pushed to Zendesk or Gorgias and their changes pulled back, so the help desk stays your system of record. The credentials are stored encrypted and never shown again.</p>");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"do\" value=\"connect\">");
    let platform = typed(shown, |f| f.platform.as_str());
    h.raw("<label for=\"sync-platform\">Platform</label><select id=\"sync-platform\" name=\"platform\"");
    invalid(h, errors, "platform");
    h.raw(">");
    option(h, "zendesk", "Zendesk", platform != "gorgias");
    option(h, "gorgias", "Gorgias", platform == "gorgias");
    h.raw("</select>");
    field_error(h, errors, "platform");
    h.raw("<label for=\"sync-base-url\">Account</label><input id=\"sync-base-url\" name=\"base_url\" autocomplete=\"off\" placeholder=\"acme\" aria-describedby=\"sync-base-url-hint\" value=\"")
        .text(typed(shown, |f| f.base_url.as_str()))
        .raw("\"");
    invalid(h, errors, "base_url");
    h.raw("><span class=\"muted\" id=\"sync-base-url-hint\">The subdomain (<code>acme</code> for acme.zendesk.com or acme.gorgias.com), or the full https:// address.</span>");
    field_error(h, errors, "base_url");
    auth_fields(h, shown, None);
    h.raw("<label for=\"sync-webhook-secret\">Webhook secret</label><input id=\"sync-webhook-secret\" name=\"webhook_secret\" type=\"password\" autocomplete=\"off\"");
    invalid(h, errors, "webhook_secret");
    h.raw("><span class=\"muted\">Zendesk: the webhook's signing secret. Gorgias: a secret you make up and put in the integration's header. Can be set later.</span>");
    field_error(h, errors, "webhook_secret");
    rule_fields(h, shown, None);
    h.raw("<button class=\"primary\">Connect and test</button></form>");
}

/// How to sign in, the account e-mail and the credential (connect and rotate).
fn auth_fields(h: &mut Html, shown: &Shown<'_>, platform: Option<Platform>) {
    let errors = shown.errors;
    let kind = typed(shown, |f| f.auth_kind.as_str());
    h.raw("<label for=\"sync-auth-kind\">Sign in with</label><select id=\"sync-auth-kind\" name=\"auth_kind\"");
    invalid(h, errors, "auth_kind");
    h.raw(">");
    // Only the ways the platform takes (both platforms' before one is chosen).
    if platform != Some(Platform::Gorgias) {
        option(
            h,
            "api_token",
            "Zendesk: e-mail + API token",
            kind == "api_token" || kind.is_empty(),
        );
        option(
            h,
            "bearer",
            "Zendesk: OAuth access token (pasted)",
            kind == "bearer",
        );
    }
    if platform != Some(Platform::Zendesk) {
        option(h, "basic", "Gorgias: e-mail + API key", kind == "basic");
    }
    h.raw("</select>");
    field_error(h, errors, "auth_kind");
    h.raw("<label for=\"sync-auth-user\">Account e-mail</label><input id=\"sync-auth-user\" name=\"auth_user\" type=\"email\" autocomplete=\"off\" value=\"")
        .text(typed(shown, |f| f.auth_user.as_str()))
        .raw("\"");
    invalid(h, errors, "auth_user");
    h.raw("><span class=\"muted\">Not for an OAuth access token.</span>");
    field_error(h, errors, "auth_user");
    h.raw("<label for=\"sync-credential\">API token, key or access token</label><input id=\"sync-credential\" name=\"credential\" type=\"password\" autocomplete=\"off\"");
    invalid(h, errors, "credential");
    h.raw(">");
    field_error(h, errors, "credential");
}

fn rule_fields(h: &mut Html, shown: &Shown<'_>, stored: Option<&ConnectionRow>) {
    let errors = shown.errors;
    let rule = shown
        .typed
        .map(|f| f.push_rule.as_str())
        .or(stored.map(|r| r.push_rule.as_str()))
        .unwrap_or("manual");
    let label = shown
        .typed
        .map(|f| f.push_label.as_str())
        .or(stored.and_then(|r| r.push_label.as_deref()))
        .unwrap_or("");
    h.raw("<fieldset class=\"stack\"><legend>What is pushed</legend>");
    for (value, text) in [
        ("all", "Every new ticket (spam excepted)"),
        (
            "label",
            "Tickets that get the label below (or one of its sublabels)",
        ),
        (
            "manual",
            "Only tickets pushed by hand (ticket page, bulk bar)",
        ),
    ] {
        h.raw("<label class=\"check\"><input type=\"radio\" name=\"push_rule\" value=\"")
            .raw(value)
            .raw("\"");
        if rule == value {
            h.raw(" checked");
        }
        h.raw("> ").raw(text).raw("</label>");
    }
    field_error(h, errors, "push_rule");
    h.raw("<label for=\"sync-push-label\">Label</label><input id=\"sync-push-label\" name=\"push_label\" list=\"f-labels\" maxlength=\"80\" value=\"")
        .text(label)
        .raw("\"");
    invalid(h, errors, "push_label");
    h.raw(">");
    field_error(h, errors, "push_label");
    h.raw("</fieldset>");
}

fn connected(
    h: &mut Html,
    op: &Operator,
    req: &Request,
    row: &ConnectionRow,
    unlinked: i64,
    shown: &Shown<'_>,
) {
    let platform = Platform::parse(&row.platform).ok();
    let name: &str = match platform {
        Some(p) => p.name(),
        None => &row.platform,
    };
    h.raw(
        "<section class=\"card stack\" aria-labelledby=\"sync-h\"><h2 id=\"sync-h\">Connected to ",
    )
    .text(name)
    .raw("</h2><dl class=\"facts\"><dt>Account</dt><dd><code>")
    .text(&row.base_url)
    .raw("</code></dd><dt>Signed in</dt><dd>")
    .text(match row.auth_kind.as_str() {
        "bearer" => "OAuth access token",
        "basic" => "E-mail + API key",
        _ => "E-mail + API token",
    });
    if let Some(user) = &row.auth_user {
        h.raw(" as ").text(user);
    }
    if let Some(id) = &row.remote_user_id {
        h.raw(" (").text(name).raw(" user ").text(id).raw(")");
    }
    h.raw("</dd><dt>Last test</dt><dd id=\"sync-check\">");
    match (row.checked_at, &row.check_error) {
        (None, _) => {
            h.raw("Not tested yet.");
        }
        (Some(at), None) => {
            h.raw("<strong>Passed</strong> ");
            time(h, at);
        }
        (Some(at), Some(error)) => {
            h.raw("<strong>Failed</strong> ");
            time(h, at);
            h.raw(": ").text(error);
        }
    }
    h.raw("</dd></dl><form id=\"sync-test\" method=\"post\" action=\"/app/settings/sync\">");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"do\" value=\"test\"><button>Test connection</button></form></section>");

    webhook_help(h, req, row, platform);

    h.raw("<form id=\"sync-rules\" class=\"card stack\" method=\"post\" action=\"/app/settings/sync\" aria-labelledby=\"sync-rules-h\"><h2 id=\"sync-rules-h\">Push rule</h2>");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"do\" value=\"rules\">");
    let rules_shown = Shown {
        typed: shown.typed.filter(|f| f.action == "rules"),
        errors: shown.errors,
        notice: None,
    };
    rule_fields(h, &rules_shown, Some(row));
    h.raw("<button class=\"primary\">Save the push rule</button></form>");

    h.raw("<form id=\"sync-push-existing\" class=\"card stack\" method=\"post\" action=\"/app/settings/sync\" aria-labelledby=\"sync-existing-h\"><h2 id=\"sync-existing-h\">Existing tickets</h2>");
    csrf::field(h, op);
    if unlinked == 0 {
        h.raw("<p>Every open, pending and resolved ticket is linked already (closed tickets and spam are never pushed).</p></form>");
    } else {
        let n = unlinked.to_string();
        h.raw("<p>The push rule applies to tickets from now on. The site's open, pending and resolved tickets without a link (spam excepted) are pushed only when you say so.</p>")
            .raw("<input type=\"hidden\" name=\"do\" value=\"push_existing\"><input type=\"hidden\" name=\"count\" value=\"")
            .text(&n)
            .raw("\"><button>Push the ")
            .text(&n)
            .raw(" existing ticket");
        if unlinked != 1 {
            h.raw("s");
        }
        h.raw("</button></form>");
    }

    h.raw("<form id=\"sync-credentials\" class=\"card stack\" method=\"post\" action=\"/app/settings/sync\" aria-labelledby=\"sync-credentials-h\"><h2 id=\"sync-credentials-h\">Rotate credentials</h2><p>The stored ones are never shown. A new credential replaces the old one at once; the connection is tested again.</p>");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"do\" value=\"credentials\">");
    // Without a failed rotation to show again, the form starts from how it signs in now.
    let stored = Form {
        auth_kind: row.auth_kind.clone(),
        auth_user: row.auth_user.clone().unwrap_or_default(),
        ..Form::default()
    };
    let rotate_shown = Shown {
        typed: Some(
            shown
                .typed
                .filter(|f| f.action == "credentials")
                .unwrap_or(&stored),
        ),
        errors: shown.errors,
        notice: None,
    };
    auth_fields(h, &rotate_shown, platform);
    h.raw("<label for=\"sync-new-webhook-secret\">New webhook secret</label><input id=\"sync-new-webhook-secret\" name=\"webhook_secret\" type=\"password\" autocomplete=\"off\"");
    invalid(h, shown.errors, "webhook_secret");
    h.raw("><span class=\"muted\">Empty keeps the current one.</span>");
    field_error(h, shown.errors, "webhook_secret");
    h.raw("<button>Save the new credentials</button></form>");

    h.raw("<form id=\"sync-disconnect\" class=\"card stack\" method=\"get\" action=\"/app/settings/sync\" aria-labelledby=\"sync-disconnect-h\"><h2 id=\"sync-disconnect-h\">Disconnect</h2><p>Syncing stops; linked tickets keep their history and their reference.</p><input type=\"hidden\" name=\"confirm\" value=\"disconnect\"><button class=\"danger\">Disconnect…</button></form>");
}

/// The webhook URL to paste into the platform, and where to paste it.
fn webhook_help(h: &mut Html, req: &Request, row: &ConnectionRow, platform: Option<Platform>) {
    let url = format!("{}/api/v1/sync/{}/webhook", req.own_origin, row.id);
    h.raw("<section class=\"card stack\" aria-labelledby=\"sync-hook-h\"><h2 id=\"sync-hook-h\">Changes made there</h2><label for=\"sync-webhook-url\">Webhook URL</label><input id=\"sync-webhook-url\" class=\"secret\" readonly value=\"")
        .text(&url)
        .raw("\">");
    if row.sealed_webhook_secret.is_none() {
        h.raw("<p class=\"error\">No webhook secret is set: every delivery is refused until one is (Rotate credentials below).</p>");
    }
    match platform {
        Some(Platform::Gorgias) => {
            h.raw("<p>In Gorgias: Settings → Integrations → HTTP integration → Add. URL: the address above; method POST; content type <code>application/json</code>; triggers: ticket created, ticket updated, ticket message created. Add the header <code>")
                .raw(GORGIAS_SECRET_HEADER)
                .raw("</code> with the webhook secret you set here as its value, and this request body:</p><pre class=\"code\">")
                .text(gorgias::HOOK_TEMPLATE)
                .raw("</pre>");
        }
        _ => {
            h.raw("<p>In Zendesk: Admin Center → Apps and integrations → Webhooks → Create webhook → “Zendesk events” (event subscriptions): ticket status changed, comment added, priority changed, ticket deleted. Endpoint URL: the address above, method POST, JSON. Copy the webhook's signing secret into “Webhook secret” here.</p>");
        }
    }
    h.raw("</section>");
}

fn confirm_disconnect(op: &Operator, row: &ConnectionRow) -> String {
    let name = Platform::parse(&row.platform).map_or("the help desk", Platform::name);
    layout("Disconnect", Some(op), |h| {
        h.raw("<section class=\"card narrow\"><h1>Disconnect from ")
            .text(name)
            .raw("?</h1><p>Nothing is pushed to or pulled from <code>")
            .text(&row.base_url)
            .raw("</code> any more: every linked ticket's sync stops, and the stored credentials are deleted. The tickets, their references and their history stay. You can connect again later; tickets linked now are not pushed again.</p><form id=\"sync-disconnect-confirm\" method=\"post\" action=\"/app/settings/sync\">");
        csrf::field(h, op);
        h.raw("<input type=\"hidden\" name=\"do\" value=\"disconnect\"><button class=\"danger\">Disconnect</button></form><p><a href=\"/app/settings/sync\">Stay connected</a></p></section>");
    })
}
