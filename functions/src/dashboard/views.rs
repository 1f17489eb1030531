//! The dashboard's pages. Server-rendered, usable without JavaScript; styles in `www/app.css`.

use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::{Priority, Status};

use super::bulk_page;
use ticketbooth_shared::role::Action;

use super::csrf;
use super::html::Html;
use crate::service::operator_tickets::{ListPage, ListQuery};
use crate::service::operators::Operator;

/// The frame around every page. `operator` is `None` on the sign-in page.
pub(super) fn layout(
    title: &str,
    operator: Option<&Operator>,
    body: impl FnOnce(&mut Html),
) -> String {
    let mut h = Html::default();
    h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .text(title)
        .raw(" · Ticketbooth</title><link rel=\"stylesheet\" href=\"/app.css\"></head><body>")
        .raw("<header class=\"topbar\"><a class=\"brand\" href=\"/app/tickets\">Ticketbooth</a>");
    if let Some(op) = operator {
        h.raw("<a class=\"nav\" href=\"/app/inbox\">Inbox</a>");
        site_switcher(&mut h, op);
        h.raw("<nav class=\"account\" aria-label=\"Account\"><span class=\"who\">")
            .text(&op.name)
            .raw(" · ")
            .text(op.role.as_str())
            .raw("</span>");
        if op.role.allows(Action::ManageMembers) {
            h.raw("<a href=\"/app/settings/site\">Settings</a>");
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
    h.raw("</main></body></html>");
    h.into_string()
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

pub fn error_page(status: u16, message: &str, fields: &[(String, String)]) -> String {
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
        h.raw("<p><a href=\"/app/tickets\">Back to tickets</a></p></section>");
    })
}

pub fn ticket_list(op: &Operator, query: &ListQuery, page: &ListPage) -> String {
    layout("Tickets", Some(op), |h| {
        h.raw("<div class=\"list-head\"><h1>Tickets</h1>");
        if op
            .role
            .allows(ticketbooth_shared::role::Action::CreateTicket)
        {
            h.raw("<a class=\"new-ticket\" href=\"/app/tickets/new\">New ticket</a>");
        }
        h.raw("</div><nav class=\"tabs\" aria-label=\"Status\">");
        let total: i64 = page.counts.values().sum();
        tab(h, query, None, "All", total);
        for status in Status::ALL {
            tab(
                h,
                query,
                Some(status),
                status.operator_label(),
                page.counts.get(status.as_str()).copied().unwrap_or(0),
            );
        }
        let other_view = ListQuery {
            snoozed: !query.snoozed,
            page: 1,
            ..query.clone()
        };
        h.raw("<a class=\"view-switch\" href=\"")
            .text(&list_url(&other_view))
            .raw("\">")
            .raw(if query.snoozed {
                "Back to active tickets"
            } else {
                "Snoozed"
            })
            .raw("</a></nav>");
        if query.snoozed {
            h.raw("<p class=\"muted\">Snoozed tickets: each comes back to the active list by itself when its time is up.</p>");
        }
        if let Some(label) = &query.label {
            let without = ListQuery {
                label: None,
                page: 1,
                ..query.clone()
            };
            h.raw("<p class=\"chips\">Label <span class=\"label\">")
                .text(label.as_ref())
                .raw("</span> <a href=\"")
                .text(&list_url(&without))
                .raw("\" aria-label=\"Remove the label filter\">×</a></p>");
        }
        filter_form(h, query);
        let bulk = op.role.allows(ticketbooth_shared::role::Action::BulkEdit);
        if page.rows.is_empty() {
            h.raw("<p class=\"empty\">No tickets match.</p>");
        } else {
            if bulk {
                bulk_page::form(h, op, &list_url(query), &page.rows);
            }
            h.raw("<table class=\"tickets\"><thead><tr>");
            if bulk {
                h.raw("<th scope=\"col\"><span class=\"visually-hidden\">Select</span></th>");
            }
            h.raw("<th scope=\"col\">Code</th><th scope=\"col\">Subject</th>")
                .raw("<th scope=\"col\">Requester</th><th scope=\"col\">Status</th><th scope=\"col\">Priority</th>")
                .raw("<th scope=\"col\">Source</th><th scope=\"col\">Updated</th></tr></thead><tbody>");
            for row in &page.rows {
                h.raw("<tr>");
                if bulk {
                    bulk_page::checkbox(h, &row.code);
                }
                h.raw("<td><a href=\"/app/tickets/")
                    .text(&row.code)
                    .raw("\">")
                    .text(&row.code)
                    .raw("</a></td>");
                h.raw("<td class=\"subject\">")
                    .user_text(&row.subject)
                    .raw("</td><td>");
                requester(
                    h,
                    row.requester_name.as_deref(),
                    row.requester_email.as_deref(),
                );
                h.raw("</td><td>");
                status_badge(h, &row.status);
                h.raw("</td><td>");
                priority_badge(h, &row.priority);
                h.raw("</td><td>").text(&row.source).raw("</td><td>");
                time(h, row.updated_at);
                h.raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        }
        pagination(h, query, page.has_more);
    })
}

fn tab(h: &mut Html, query: &ListQuery, status: Option<Status>, label: &str, count: i64) {
    let target = ListQuery {
        status,
        page: 1,
        ..query.clone()
    };
    let current = query.status == status;
    h.raw("<a href=\"").text(&list_url(&target)).raw("\"");
    if current {
        h.raw(" aria-current=\"page\"");
    }
    h.raw(">")
        .text(label)
        .raw(" <span class=\"count\">")
        .text(&count.to_string())
        .raw("</span></a>");
}

fn filter_form(h: &mut Html, query: &ListQuery) {
    h.raw("<form class=\"filters\" method=\"get\" action=\"/app/tickets\" role=\"search\">");
    if let Some(status) = query.status {
        h.raw("<input type=\"hidden\" name=\"status\" value=\"")
            .text(status.as_str())
            .raw("\">");
    }
    if query.snoozed {
        h.raw("<input type=\"hidden\" name=\"snoozed\" value=\"1\">");
    }
    if let Some(label) = &query.label {
        h.raw("<input type=\"hidden\" name=\"label\" value=\"")
            .text(label.as_ref())
            .raw("\">");
    }
    h.raw("<label for=\"q\" class=\"visually-hidden\">Search</label>")
        .raw("<input id=\"q\" name=\"q\" type=\"search\" placeholder=\"Search subject, description, requester or code\" value=\"")
        .text(query.search.as_deref().unwrap_or(""))
        .raw("\"><label for=\"priority\" class=\"visually-hidden\">Priority</label><select id=\"priority\" name=\"priority\">")
        .raw("<option value=\"\">Any priority</option>");
    for p in Priority::ALL.into_iter().rev() {
        h.raw("<option value=\"").text(p.as_str()).raw("\"");
        if query.priority == Some(p) {
            h.raw(" selected");
        }
        h.raw(">").text(p.label()).raw("</option>");
    }
    h.raw("</select><button>Filter</button></form>");
}

fn pagination(h: &mut Html, query: &ListQuery, has_more: bool) {
    let page = query.page.max(1);
    if page == 1 && !has_more {
        return;
    }
    h.raw("<nav class=\"pages\" aria-label=\"Pages\">");
    if page > 1 {
        let newer = ListQuery {
            page: page - 1,
            ..query.clone()
        };
        h.raw("<a href=\"")
            .text(&list_url(&newer))
            .raw("\">← Newer</a>");
    }
    if has_more {
        let older = ListQuery {
            page: page + 1,
            ..query.clone()
        };
        h.raw("<a href=\"")
            .text(&list_url(&older))
            .raw("\">Older →</a>");
    }
    h.raw("</nav>");
}

/// `/app/tickets?…` for a query, with only the parts that are set.
pub fn list_url(query: &ListQuery) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(s) = query.status {
        pairs.push(("status", s.as_str().to_owned()));
    }
    if let Some(p) = query.priority {
        pairs.push(("priority", p.as_str().to_owned()));
    }
    if let Some(q) = &query.search {
        pairs.push(("q", q.clone()));
    }
    if query.snoozed {
        pairs.push(("snoozed", "1".to_owned()));
    }
    if let Some(label) = &query.label {
        pairs.push(("label", label.as_ref().to_owned()));
    }
    if query.page > 1 {
        pairs.push(("page", query.page.to_string()));
    }
    let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if encoded.is_empty() {
        "/app/tickets".to_owned()
    } else {
        format!("/app/tickets?{encoded}")
    }
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

pub(super) fn transcript(h: &mut Html, json: &str) {
    #[derive(serde::Deserialize)]
    struct Line {
        author: String,
        text: String,
    }
    let lines: Vec<Line> = serde_json::from_str(json).unwrap_or_default();
    if lines.is_empty() {
        return;
    }
    h.raw("<h2>Chat transcript</h2><ol class=\"transcript\">");
    for line in &lines {
        h.raw("<li class=\"from-")
            .text(&line.author)
            .raw("\"><span class=\"author\">")
            .text(&line.author);
        h.raw("</span> <span class=\"prose\">")
            .text(&line.text)
            .raw("</span></li>");
    }
    h.raw("</ol>");
}
