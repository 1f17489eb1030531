//! `/app/settings/bots`: what bots may do on this site — its vertical and the `ticketing`
//! capability (the `open_ticket` / `get_ticket_status` tools) —, the bot in the chat with its
//! provider key (pasted, stored sealed, never shown again: the page says whether one is set,
//! and replaces or removes it), and the bot keys that bots outside the widget (HTTP tools, MCP
//! clients) sign in with: created (shown once), listed with their last use, revoked. Owners and
//! admins. How the bot last called its provider is shown as a status class
//! (`outbound::Attempt`), never the raw error.

use serde::Deserialize;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::tools::{TICKETING, Vertical};

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use super::settings_views::{Notice, notice, settings_nav};
use super::views::{layout, time};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::integrations::bot::SettingsForm;
use crate::integrations::outbound::Attempt;
use crate::service::bot_keys::{self, Created};
use crate::service::bot_settings::BotSettings;
use crate::service::operators::Operator;
use crate::service::site_secrets::Sealer;
use crate::service::sites::{self, Site};
use crate::sql::bot_keys::BotKeyRow;
use crate::sql::sites::BotAttemptRow;
use crate::store::Executor;

pub async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
) -> Result<Response, ApiError> {
    let keys = bot_keys::list(&app.db, op).await?;
    let site = sites::current(&app.db, op).await?;
    let last = last_attempt(app, op).await?;
    let done = match req.query.as_str() {
        "done=revoked" => Some(Ok("Bot key revoked: it no longer works.")),
        "done=saved" => Some(Ok("Saved.")),
        _ => None,
    };
    Ok(Response::html(
        200,
        page(op, &site, &keys, None, done, last.as_ref()),
    ))
}

/// How the bot last called its provider (`None` before its first run).
async fn last_attempt<E: Executor>(
    app: &App<E>,
    op: &Operator,
) -> Result<Option<BotAttemptRow>, ApiError> {
    Ok(sites::bot_last_attempt(&app.db, op).await?)
}

/// `POST /app/settings/bots`: a new key, shown on this one page only.
pub async fn create<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        label: String,
    }
    let form: Form = posted.parse()?;
    let created = bot_keys::create(
        &app.db,
        op,
        &form.label,
        fresh.now,
        fresh.random(b"bot-key"),
    )
    .await?;
    let keys = bot_keys::list(&app.db, op).await?;
    let site = sites::current(&app.db, op).await?;
    let last = last_attempt(app, op).await?;
    Ok(Response::html(
        201,
        page(op, &site, &keys, Some(&created), None, last.as_ref()),
    ))
}

/// `POST /app/settings/bots/{id}`: revokes a key.
pub async fn revoke<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    id: &str,
) -> Result<Response, ApiError> {
    posted.no_fields()?;
    bot_keys::revoke(&app.db, op, id).await?;
    Ok(redirect("/app/settings/bots?done=revoked"))
}

/// `POST /app/settings/bots/assistant`: the bot in the chat, on (its settings) or off, and its
/// provider key kept, replaced (pasted) or removed.
pub async fn assistant<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        enabled: Option<String>,
        #[serde(flatten)]
        settings: SettingsForm,
    }
    let form: Form = posted.parse()?;
    op.require(Action::ManageSettings)?;
    let (bot, key) = match form.enabled {
        None => {
            let key = form.settings.key_change().map_err(|e| {
                ApiError::Validation(ValidationErrors([("api_key", e)].into_iter().collect()))
            })?;
            (None, key)
        }
        Some(_) => {
            let (bot, key) = form
                .settings
                .parse(app.outbound_policy)
                .map_err(ApiError::Validation)?;
            (Some(bot), key)
        }
    };
    let sealer = Sealer::new(
        &app.secrets,
        fresh.random(b"site secrets"),
        fresh.now.millis(),
    );
    sites::set_bot(&app.db, op, &sealer, bot.as_ref(), &key).await?;
    app.sites.invalidate(&op.site_key);
    Ok(redirect("/app/settings/bots?done=saved"))
}

/// `POST /app/settings/bots/summaries`: whether ticket content may be sent to the provider
/// for summaries (owners and admins).
pub async fn summaries<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        summaries: Option<String>,
    }
    let form: Form = posted.parse()?;
    crate::service::summaries::set_enabled(&app.db, op, form.summaries.is_some()).await?;
    app.sites.invalidate(&op.site_key);
    Ok(redirect("/app/settings/bots?done=saved"))
}

/// `POST /app/settings/bots/capabilities`: the vertical and the ticketing override.
pub async fn capabilities<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        vertical: String,
        #[serde(default)]
        ticketing: String,
    }
    let form: Form = posted.parse()?;
    op.require(Action::ManageSettings)?;
    let mut errors = ValidationErrors::default();
    let vertical = Vertical::parse(form.vertical.trim())
        .map_err(|e| errors.0.insert("vertical", e))
        .ok();
    let ticketing = match form.ticketing.trim() {
        "default" => Some(None),
        "on" => Some(Some(true)),
        "off" => Some(Some(false)),
        _ => {
            errors.0.insert("ticketing", FieldError::InvalidFormat);
            None
        }
    };
    let (Some(vertical), Some(ticketing)) = (vertical, ticketing) else {
        return Err(ApiError::Validation(errors));
    };
    let mut overrides = sites::current(&app.db, op).await?.capabilities.overrides;
    match ticketing {
        Some(on) => overrides.insert(TICKETING.to_owned(), on),
        None => overrides.remove(TICKETING),
    };
    sites::set_capabilities(&app.db, op, vertical, &overrides).await?;
    app.sites.invalidate(&op.site_key);
    Ok(redirect("/app/settings/bots?done=saved"))
}

fn page(
    op: &Operator,
    site: &Site,
    keys: &[BotKeyRow],
    created: Option<&Created>,
    message: Notice<'_>,
    last: Option<&BotAttemptRow>,
) -> String {
    layout("Bots", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/bots");
        notice(h, message);
        if let Some(created) = created {
            h.raw("<section class=\"card callout\" aria-labelledby=\"new-key\"><h2 id=\"new-key\">Bot key “")
                .text(&created.label)
                .raw("” created</h2><p>Copy it now: it is shown only once, and only its hash is stored. Bots send it as <code>Authorization: Bearer &lt;key&gt;</code> to <code>/mcp</code> and <code>/api/v1/sites/")
                .text(op.site_key.as_ref())
                .raw("/tools/…</code>.</p><label for=\"key-value\">Bot key</label><input id=\"key-value\" class=\"secret\" readonly value=\"")
                .text(&created.key)
                .raw("\"></section>");
        }
        capabilities_form(h, op, site);
        assistant_form(h, op, site);
        summaries_form(h, op, site);
        last_attempt_line(h, site, last);
        h.raw("<h2>Bot keys of ").text(&op.site_name).raw("</h2>");
        if keys.is_empty() {
            h.raw("<p class=\"empty\">No bot keys yet.</p>");
        } else {
            h.raw("<table class=\"list\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Created</th>")
                .raw("<th scope=\"col\">Last used</th><th scope=\"col\">Actions</th></tr></thead><tbody>");
            for key in keys {
                h.raw("<tr><td>").text(&key.label).raw("</td><td>");
                time(h, key.created_at);
                h.raw("</td><td>");
                match key.last_used_at {
                    Some(at) => time(h, at),
                    None => {
                        h.raw("<span class=\"muted\">Never</span>");
                    }
                }
                h.raw(
                    "</td><td><form class=\"inline\" method=\"post\" action=\"/app/settings/bots/",
                )
                .text(&key.id)
                .raw("\">");
                csrf::field(h, op);
                h.raw("<button class=\"danger\">Revoke <span class=\"visually-hidden\">")
                    .text(&key.label)
                    .raw("</span></button></form></td></tr>");
            }
            h.raw("</tbody></table>");
        }
        h.raw("<h2 id=\"create-key\">Create a bot key</h2><form class=\"card stack\" method=\"post\" action=\"/app/settings/bots\" aria-labelledby=\"create-key\">");
        csrf::field(h, op);
        h.raw("<label for=\"key-label\">Name</label><input id=\"key-label\" name=\"label\" required maxlength=\"60\" placeholder=\"e.g. Support assistant\">")
            .raw("<button class=\"primary\">Create bot key</button></form>");
    })
}

fn capabilities_form(h: &mut Html, op: &Operator, site: &Site) {
    let caps = &site.capabilities;
    h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/bots/capabilities\" aria-labelledby=\"caps-h\">")
        .raw("<h2 id=\"caps-h\">What bots may do</h2><p>The ticketing tools (<code>open_ticket</code>, <code>get_ticket_status</code>) are ")
        .raw(if caps.ticketing() { "<strong>on</strong>" } else { "<strong>off</strong>" })
        .raw(" for this site. They are on by default for help centres and opt-in for other sites. A bot opens tickets only while visitors can too (the site settings), within the daily cap, and at most ")
        .text(&crate::service::tools::MAX_TICKETS_PER_MESSAGE.to_string())
        .raw(" per visitor message.</p>");
    csrf::field(h, op);
    h.raw("<label for=\"vertical\">Kind of site</label><select id=\"vertical\" name=\"vertical\">");
    for (vertical, label) in [
        (Vertical::HelpCenter, "Help centre"),
        (Vertical::Other, "Other"),
    ] {
        h.raw("<option value=\"").raw(vertical.as_str()).raw("\"");
        if caps.vertical == vertical {
            h.raw(" selected");
        }
        h.raw(">").raw(label).raw("</option>");
    }
    let current = caps.overrides.get(TICKETING).copied();
    h.raw("</select><label for=\"ticketing\">Ticketing tools</label><select id=\"ticketing\" name=\"ticketing\">");
    for (value, label, selected) in [
        (
            "default",
            "The default for this kind of site",
            current.is_none(),
        ),
        ("on", "On", current == Some(true)),
        ("off", "Off", current == Some(false)),
    ] {
        h.raw("<option value=\"").raw(value).raw("\"");
        if selected {
            h.raw(" selected");
        }
        h.raw(">").raw(label).raw("</option>");
    }
    h.raw("</select><button>Save</button></form>");
}

/// "Last call to the provider: timed out (time)" under the bot's form, once it has run.
fn last_attempt_line(h: &mut Html, site: &Site, last: Option<&BotAttemptRow>) {
    let Some((class, at)) = last.and_then(|r| {
        let class = r
            .bot_last_attempt
            .as_deref()
            .and_then(Attempt::from_label)?;
        Some((class, r.bot_last_attempt_at?))
    }) else {
        return;
    };
    if site.bot.is_none() {
        return;
    }
    h.raw("<p class=\"muted\" id=\"bot-last-attempt\">Last call to the provider: <strong>")
        .text(class.label())
        .raw("</strong> ");
    time(h, at);
    h.raw("</p>");
}

fn assistant_form(h: &mut Html, op: &Operator, site: &Site) {
    // A bot switched off for naming a Worker secret shows its settings, to finish with a key.
    let bot = site.bot.clone().or_else(|| site.bot_awaiting_key.clone());
    let value =
        |f: fn(&BotSettings) -> String, default: &str| bot.as_ref().map_or(default.to_owned(), f);
    h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/bots/assistant\" aria-labelledby=\"assistant-h\">")
        .raw("<h2 id=\"assistant-h\">The bot in the chat</h2><p>An OpenAI-compatible model (OpenAI, Groq, Together, Mistral, a local llama.cpp or Ollama server) answers visitors in their conversations and can open tickets. ")
        .raw("Paste the provider's API key here: it is stored encrypted, sent only to the API base URL below, and never shown again.</p>");
    if let Some(old) = &site.bot_awaiting_key {
        h.raw("<p class=\"error\" role=\"alert\"><strong>The bot is off.</strong> Its settings named a Worker secret (<code>")
            .text(&old.api_key_secret)
            .raw("</code>) for its API key, and Ticketbooth no longer reads secrets by name. Paste the provider's API key below and save to turn the bot back on.</p>");
    }
    if bot.as_ref().is_some_and(|b| {
        b.base_url.trim_end_matches('/') == crate::integrations::bot::DEMO_BASE_URL
    }) {
        // Said plainly: the demo's answers are scripted, and a newcomer should not judge the
        // product's bot by them.
        h.raw("<p class=\"notice\" id=\"bot-demo-note\"><strong>This is the demo's stand-in, not a model.</strong> <code>cargo xtask dev</code> runs a small scripted server at this address: it answers questions about opening hours, shipping and returns, and opens a ticket when a visitor describes a problem. ")
            .raw("To use a real model, set the API base URL and model and paste the key: OpenAI <code>https://api.openai.com/v1</code>; a local Ollama <code>http://localhost:11434/v1</code> or llama.cpp server (no key); Workers AI <code>https://api.cloudflare.com/client/v4/accounts/&lt;account&gt;/ai/v1</code> with an API token of that account as the key.</p>");
    }
    csrf::field(h, op);
    h.raw("<label class=\"check\"><input type=\"checkbox\" name=\"enabled\" value=\"1\"");
    if site.bot.is_some() {
        h.raw(" checked");
    }
    h.raw("> Answer visitors with the bot</label>");
    let fields: [(&str, &str, String, &str); 5] = [
        (
            "name",
            "Bot name",
            value(|b| b.name.clone(), "Assistant"),
            "text",
        ),
        (
            "base_url",
            "API base URL",
            value(|b| b.base_url.clone(), "https://api.openai.com/v1"),
            "url",
        ),
        ("model", "Model", value(|b| b.model.clone(), ""), "text"),
        (
            "max_rounds",
            "Model calls per visitor message (1–5)",
            value(|b| b.max_rounds.to_string(), "3"),
            "number",
        ),
        (
            "timeout_seconds",
            "Time limit in seconds (1–60)",
            value(|b| b.timeout_seconds.to_string(), "20"),
            "number",
        ),
    ];
    for (name, label, current, kind) in fields {
        h.raw("<label for=\"bot-")
            .raw(name)
            .raw("\">")
            .raw(label)
            .raw("</label><input id=\"bot-")
            .raw(name)
            .raw("\" name=\"")
            .raw(name)
            .raw("\" type=\"")
            .raw(kind)
            .raw("\" autocomplete=\"off\" value=\"")
            .text(&current)
            .raw("\">");
    }
    // The key's field is always empty: a stored key is never sent back to a browser.
    h.raw("<label for=\"bot-api_key\">API key</label><input id=\"bot-api_key\" name=\"api_key\" type=\"password\" autocomplete=\"off\" value=\"\" aria-describedby=\"bot-api_key-hint\"><span class=\"muted\" id=\"bot-api_key-hint\">");
    if site.provider_key.is_some() {
        h.raw("A key is set. Leave this empty to keep it, or paste a new one to replace it.</span><label class=\"check\"><input type=\"checkbox\" name=\"remove_api_key\" value=\"1\"> Remove the key</label>");
    } else {
        h.raw("No key is set (a local server may need none).</span>");
    }
    h.raw("<label for=\"bot-system_prompt\">Instructions (system prompt)</label><textarea id=\"bot-system_prompt\" name=\"system_prompt\" rows=\"4\" maxlength=\"4000\">")
        .text(&value(|b| b.system_prompt.clone(), ""))
        .raw("</textarea><button>Save the bot</button></form>");
}

/// The per-site switch for AI summaries: on by default whenever the bot is (`None` follows
/// it); says plainly what is sent where, and that nothing is without a provider.
fn summaries_form(h: &mut Html, op: &Operator, site: &Site) {
    h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/bots/summaries\" aria-labelledby=\"summaries-h\">")
        .raw("<h2 id=\"summaries-h\">Ticket summaries</h2><p>With a provider set up above, new tickets with a chat transcript or a long description get a short summary written by the model, shown on the ticket and in the list. Their subject, description and transcript are sent to the provider for it.</p>");
    if site.bot.is_none() {
        h.raw("<p class=\"muted\">No provider is configured for summaries: set up the bot above first.</p>");
    }
    csrf::field(h, op);
    h.raw("<label class=\"check\"><input type=\"checkbox\" name=\"summaries\" value=\"1\"");
    if site.summaries_enabled != Some(false) {
        h.raw(" checked");
    }
    h.raw("> Send tickets to the provider for summaries</label><button>Save</button></form>");
}
