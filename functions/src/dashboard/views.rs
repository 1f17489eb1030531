//! The dashboard's pages. Server-rendered, usable without JavaScript; styles in `www/app.css`.

use ticketbooth_shared::role::Action;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::{Priority, Status};

use super::csrf;
use super::html::Html;
use crate::service::notices::Notices;
use crate::service::operators::Operator;
use crate::sql::messages::MessageRow;

/// The frame around every page. `operator` is `None` on the sign-in page.
pub(super) fn layout(
    title: &str,
    operator: Option<&Operator>,
    body: impl FnOnce(&mut Html),
) -> String {
    layout_noticed(title, operator, None, body)
}

/// `layout` with the header's notices as the page's batch read them (`service::notices`);
/// without them the header links to the same views and `notices.js` fills in the counts.
pub(super) fn layout_noticed(
    title: &str,
    operator: Option<&Operator>,
    notices: Option<&Notices>,
    body: impl FnOnce(&mut Html),
) -> String {
    let mut h = Html::default();
    h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .text(title)
        .raw(" · Ticketbooth</title><link rel=\"stylesheet\" href=\"/app.css\"></head><body>")
        .raw("<header class=\"topbar\"><a class=\"brand\" href=\"/app/tickets\" data-key=\"g t\">Ticketbooth</a>");
    if let Some(op) = operator {
        h.raw("<a class=\"nav\" href=\"/app/conversations\" data-key=\"g i\">Conversations</a>");
        if op.role.allows(crate::service::reports::READ_REPORTS) {
            h.raw("<a class=\"nav\" href=\"/app/reports\">Reports</a>");
        }
        site_switcher(&mut h, op);
        notices_nav(&mut h, notices);
        h.raw("<nav class=\"account\" aria-label=\"Account\"><span class=\"who\">")
            .text(&op.name)
            .raw(" · ")
            .text(op.role.as_str())
            .raw("</span>");
        // `shortcuts.js` shows this button; without it, it would do nothing.
        h.raw("<button type=\"button\" class=\"link\" data-shortcuts-open hidden>Shortcuts <kbd>?</kbd></button>");
        if op.role.allows(Action::ManageMembers) {
            h.raw("<a href=\"/app/settings/site\">Settings</a>");
        } else {
            h.raw("<a href=\"/app/settings/account\">Your account</a>");
        }
        h.raw("<form method=\"post\" action=\"/app/logout\">");
        csrf::field(&mut h, op);
        h.raw("<button class=\"link\">Sign out</button></form>")
            .raw("<form method=\"post\" action=\"/app/logout/everywhere\">");
        csrf::field(&mut h, op);
        h.raw("<button class=\"link\">Sign out everywhere</button></form></nav>");
    }
    h.raw("</header><main>");
    body(&mut h);
    h.raw("</main>");
    if operator.is_some() {
        h.raw(SHORTCUTS);
    }
    h.raw("</body></html>");
    h.into_string()
}

/// What is waiting for the operator: three links with their counts (`service::notices`).
/// `notices.js` polls `/app/notices.json` and updates them while the page is open.
fn notices_nav(h: &mut Html, notices: Option<&Notices>) {
    h.raw("<nav class=\"notices\" aria-label=\"Waiting for you\" data-notices>");
    for (key, href, label, n) in [
        (
            "waiting",
            Notices::WAITING_HREF,
            "Waiting for a person",
            notices.map(|n| n.waiting),
        ),
        (
            "assigned",
            Notices::ASSIGNED_HREF,
            "New to me",
            notices.map(|n| n.assigned),
        ),
        (
            "breached",
            Notices::BREACHED_HREF,
            "My SLA breaches",
            notices.map(|n| n.breached),
        ),
    ] {
        h.raw("<a class=\"tally tally-")
            .raw(key)
            .raw(if n.unwrap_or(0) > 0 { " active" } else { "" })
            .raw("\" data-notice=\"")
            .raw(key)
            .raw("\" href=\"")
            .raw(href)
            .raw("\">")
            .raw(label)
            .raw(" <span class=\"count\" data-count>");
        if let Some(n) = n {
            h.text(&n.to_string());
        }
        h.raw("</span></a>");
    }
    h.raw("</nav><script src=\"/notices.js\" defer></script>");
}

/// The current site's name; with several sites, a form to switch (works without JavaScript:
/// pick, then "Switch").
fn site_switcher(h: &mut Html, op: &Operator) {
    if op.sites.len() < 2 {
        h.raw("<span class=\"site\">")
            .text(&op.site_name)
            .raw("</span>");
        return;
    }
    h.raw("<form class=\"switcher\" method=\"post\" action=\"/app/sites/switch\">");
    csrf::field(h, op);
    h.raw("<label for=\"site-switch\" class=\"visually-hidden\">Site</label>")
        .raw("<select id=\"site-switch\" name=\"site\">");
    for site in &op.sites {
        h.raw("<option value=\"").text(site.key.as_ref()).raw("\"");
        if site.id == op.site_id {
            h.raw(" selected");
        }
        h.raw(">").text(&site.name).raw("</option>");
    }
    h.raw("</select><button>Switch</button></form>");
}

/// The sign-in form; `email` refills the field after a refusal.
pub fn sign_in(error: Option<&str>, email: &str) -> String {
    layout("Sign in", None, |h| {
        h.raw("<section class=\"card narrow\"><h1>Sign in</h1>");
        if let Some(error) = error {
            h.raw("<p class=\"error\" role=\"alert\">")
                .text(error)
                .raw("</p>");
        }
        h.raw("<form method=\"post\" action=\"/app/login\"><label for=\"email\">Email</label>")
            .raw("<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"")
            .text(email)
            .raw("\"><label for=\"password\">Password</label>")
            .raw("<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>")
            .raw("<button class=\"primary\">Sign in</button></form>")
            .raw("<p class=\"muted\">New here? Ask a site owner for an invitation link.</p></section>");
    })
}

pub fn error_page(
    status: u16,
    message: &str,
    fields: &[(String, String)],
    request_id: &str,
) -> String {
    layout("Error", None, |h| {
        h.raw("<section class=\"card narrow\"><h1>")
            .text(&status.to_string())
            .raw("</h1><p class=\"error\" role=\"alert\">")
            .text(message)
            .raw("</p>");
        if !fields.is_empty() {
            h.raw("<ul>");
            for (field, problem) in fields {
                h.raw("<li><code>")
                    .text(field)
                    .raw("</code>: ")
                    .text(problem)
                    .raw("</li>");
            }
            h.raw("</ul>");
        }
        // What a user quotes in a report: the `request_id` of the request's log lines.
        h.raw("<p class=\"muted\">Reference: <code>")
            .text(request_id)
            .raw("</code></p>");
        h.raw("<p><a href=\"/app/tickets\">Back to tickets</a></p></section>");
    })
}

pub(super) fn status_badge(h: &mut Html, status: &str) {
    let label = Status::parse(status)
        .map(Status::operator_label)
        .unwrap_or(status);
    badge(h, "status-", status, label);
}

pub(super) fn priority_badge(h: &mut Html, priority: &str) {
    let label = Priority::parse(priority)
        .map(Priority::label)
        .unwrap_or(priority);
    badge(h, "priority-", priority, label);
}

/// `<span class="badge {kind}{value}">{label}</span>`; the class picks the colour in app.css.
pub(super) fn badge(h: &mut Html, kind: &'static str, value: &str, label: &str) {
    h.raw("<span class=\"badge ")
        .raw(kind)
        .text(value)
        .raw("\">")
        .text(label)
        .raw("</span>");
}

pub(super) fn requester(h: &mut Html, name: Option<&str>, email: Option<&str>) {
    match (name, email) {
        (None, None) => {
            h.raw("<span class=\"muted\">Anonymous visitor</span>");
        }
        (name, email) => {
            h.user_text(name.unwrap_or(""));
            if let Some(email) = email {
                h.raw(" <span class=\"muted\">")
                    .user_text(email)
                    .raw("</span>");
            }
        }
    }
}

pub(super) fn time(h: &mut Html, ms: i64) {
    let iso = Timestamp::from_millis(ms).to_rfc3339();
    // "2026-11-23T09:48:00.000Z" → "2026-11-23 09:48 UTC"
    let shown = format!("{} {} UTC", &iso[..10], &iso[11..16]);
    h.raw("<time datetime=\"")
        .text(&iso)
        .raw("\">")
        .text(&shown)
        .raw("</time>");
}

/// A ticket's transcript. One the visitor's browser sent (`from_visitor`) is anybody's text —
/// a page can claim `author: "operator"` for "Refund of $900 approved" — so it is shown as the
/// visitor's account, marked unverified, and no line of it looks like the team's or the bot's.
pub(super) fn transcript(h: &mut Html, json: &str, from_visitor: bool) {
    #[derive(serde::Deserialize)]
    struct Line {
        author: String,
        text: String,
    }
    let lines: Vec<Line> = serde_json::from_str(json).unwrap_or_default();
    if lines.is_empty() {
        return;
    }
    if from_visitor {
        h.raw(concat!(
            "<h2>Transcript as sent by the visitor's browser — not verified</h2>",
            "<p class=\"notice\">The visitor's page sent this chat with the ticket. Lines it ",
            "labels operator or bot are the visitor's account of what was said, not messages ",
            "from your team or your bot.</p><ol class=\"transcript unverified\">"
        ));
    } else {
        h.raw("<h2>Chat transcript</h2><ol class=\"transcript\">");
    }
    for line in &lines {
        if from_visitor {
            h.raw("<li class=\"from-visitor\"><span class=\"author\">");
            match line.author.as_str() {
                "visitor" => h.raw("Visitor"),
                "operator" => h.raw("Operator (per the visitor)"),
                "bot" => h.raw("Bot (per the visitor)"),
                other => h.text(other),
            };
        } else {
            h.raw("<li class=\"from-")
                .text(&line.author)
                .raw("\"><span class=\"author\">")
                .text(&line.author);
        }
        h.raw("</span> <span class=\"prose\">")
            .text(&line.text)
            .raw("</span></li>");
    }
    h.raw("</ol>");
}

/// One chat message (the inbox's conversation page, a ticket's linked conversations).
pub(super) fn chat_message(h: &mut Html, m: &MessageRow) {
    h.raw("<li class=\"message ")
        .text(&m.author_kind)
        .raw("\"><p class=\"meta\">");
    match m.author_name.as_deref() {
        Some(name) => {
            h.user_text(name);
        }
        None => {
            h.text(match m.author_kind.as_str() {
                "visitor" => "Visitor",
                _ => "System",
            });
        }
    }
    h.raw(" · ");
    time(h, m.created_at);
    h.raw("</p><p class=\"text\"><bdi>")
        .text(&m.body)
        .raw("</bdi></p></li>");
}

/// The keyboard shortcuts' list, opened with `?` by `/shortcuts.js`, which acts on the pages'
/// `data-key` and `data-row` attributes. A closed `<dialog>` shows nothing without the script.
const SHORTCUTS: &str = concat!(
    "<dialog id=\"shortcuts\" aria-labelledby=\"shortcuts-h\"><h2 id=\"shortcuts-h\">Keyboard shortcuts</h2>",
    "<dl class=\"keys\">",
    "<dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>Next / previous ticket in the list or board</dd>",
    "<dt><kbd>Enter</kbd></dt><dd>Open that ticket</dd>",
    "<dt><kbd>x</kbd></dt><dd>Select that ticket for a bulk change</dd>",
    "<dt><kbd>/</kbd></dt><dd>Search</dd>",
    "<dt><kbd>n</kbd></dt><dd>New ticket</dd>",
    "<dt><kbd>c</kbd></dt><dd>Write a comment (on a ticket)</dd>",
    "<dt><kbd>s</kbd> · <kbd>p</kbd> · <kbd>a</kbd></dt><dd>Status · priority · assignee (on a ticket)</dd>",
    "<dt><kbd>m</kbd></dt><dd>Assign to me (on a ticket)</dd>",
    "<dt><kbd>u</kbd></dt><dd>Back to all tickets</dd>",
    "<dt><kbd>g</kbd> <kbd>t</kbd> · <kbd>g</kbd> <kbd>i</kbd></dt><dd>Go to tickets · go to the conversations</dd>",
    "<dt><kbd>?</kbd></dt><dd>This list</dd></dl>",
    "<form method=\"dialog\"><button>Close</button></form></dialog>",
    "<script src=\"/shortcuts.js\" defer></script>",
);

/// A pending ticket's side, next to its status: whom it waits on (the ticket page, the list's
/// rows, the board's pending cards).
pub fn waiting_badge(h: &mut Html, side: ticketbooth_shared::waiting::WaitingOn) {
    h.raw(" <span class=\"badge waiting-")
        .raw(side.as_str())
        .raw("\">")
        .text(side.operator_label())
        .raw("</span>");
}

/// Where a ticket came from, as the product names it ("AI-escalated", "Human-created",
/// "Widget"); a human-created one says in its tooltip and small text whether it came from the
/// dashboard or the API.
pub(super) fn source_badge(h: &mut Html, source: &str) {
    use ticketbooth_shared::classification::{Origin, source_label};
    use ticketbooth_shared::event::Source;
    let Ok(parsed) = Source::parse(source) else {
        h.text(source);
        return;
    };
    let origin = Origin::of(parsed);
    let class = match origin {
        Origin::AiEscalated => "source-bot",
        Origin::HumanCreated => "source-human",
        Origin::Widget => "source-widget",
        Origin::Email => "source-email",
    };
    h.raw("<span class=\"badge ")
        .raw(class)
        .raw("\" title=\"")
        .text(&source_label(parsed))
        .raw("\">")
        .text(origin.label());
    if origin == Origin::HumanCreated {
        h.raw(" <small>(")
            .text(match parsed {
                Source::Api => "API",
                _ => "dashboard",
            })
            .raw(")</small>");
    }
    h.raw("</span>");
}

/// A `<datalist>` of the values in use (topic and intent fields suggest the site's spellings).
pub(super) fn datalist(h: &mut Html, id: &str, values: &[String]) {
    h.raw("<datalist id=\"").text(id).raw("\">");
    for value in values {
        h.raw("<option value=\"").text(value).raw("\"></option>");
    }
    h.raw("</datalist>");
}

/// A ticket's topic and intent as two small links to the list filtered by each.
pub(super) fn classification(h: &mut Html, topic: Option<&str>, intent: Option<&str>) {
    for (key, value) in [("topic", topic), ("intent", intent)] {
        let Some(value) = value else { continue };
        h.raw("<a class=\"class-tag ")
            .raw(key)
            .raw("\" href=\"/app/tickets?")
            .raw(key)
            .raw("=")
            .text(value)
            .raw("\"><small>")
            .raw(key)
            .raw("</small> ")
            .text(value)
            .raw("</a>");
    }
}
