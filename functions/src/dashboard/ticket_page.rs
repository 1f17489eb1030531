//! The ticket page (`/app/tickets/{code}`), where a ticket is worked: header controls, edit,
//! labels, comments, snooze, spam, delete, the External Sync section (`sync_view`) and the
//! timeline; plus the new-ticket
//! form and the delete confirmation. Works without JavaScript: every control is a small form
//! posting to `/app/tickets/{code}/{verb}` with the CSRF token and the version it was built
//! from. A control is shown only when `Role::permits` allows it; the server checks again.
//! Everything typed by a person is escaped and isolated for direction (`<bdi>`, `dir=auto`).

use serde::Deserialize;
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::{Actor, CommentVisibility, EventKind};
use ticketbooth_shared::event::{SlaTarget, SummaryBy};
use ticketbooth_shared::label::Label;
use ticketbooth_shared::role::{Action, Ownership};
use ticketbooth_shared::sync::{Direction, Platform};
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::WaitingOn;
use ticketbooth_shared::{Priority, Status};

use super::csrf;
use super::html::Html;
use super::list_page;
use super::sla_view;
use super::summary_view;
use super::sync_view;
use super::views::{
    chat_message, layout, priority_badge, requester, status_badge, time, transcript, waiting_badge,
};
use super::views::{classification, datalist, layout_noticed, source_badge};
use crate::http::Response;
use crate::http::error::ApiError;
use crate::http::routes::Verb;
use crate::service::notices::Notices;
use crate::service::operator_tickets::Detail;
use crate::service::operator_tickets::InUse;
use crate::service::operators::Operator;
use crate::sql::site_members::MemberRow;
use ticketbooth_shared::ticket_query::TicketQuery;

pub fn render(op: &Operator, detail: &Detail, now: Timestamp, notices: &Notices) -> String {
    let t = &detail.ticket;
    let ownership = Ownership::of(t.assignee_id.as_deref(), &op.id);
    let can = |action: Action| op.role.permits(action, ownership);
    let form = Form {
        op,
        code: &t.code,
        version: t.updated_at,
    };
    let snoozed_until = t.snoozed_until.filter(|u| *u > now.millis());
    layout_noticed(&t.code, Some(op), Some(notices), |h| {
        h.raw("<p><a href=\"/app/tickets\" data-key=\"u\">← All tickets</a></p><article class=\"ticket\"><header><h1><span class=\"code\">")
            .text(&t.code)
            .raw("</span> <bdi>")
            .text(&t.subject)
            .raw("</bdi></h1><p class=\"meta\">");
        status_badge(h, &t.status);
        h.raw(" ");
        priority_badge(h, &t.priority);
        if t.is_spam != 0 {
            h.raw(" <span class=\"badge spam\">Spam</span>");
        }
        if t.customer_replied_at.is_some() {
            h.raw(" <span class=\"badge replied\">Customer replied</span>");
        }
        if let Some(side) = waiting_on(t) {
            waiting_badge(h, side);
        }
        if let Some(until) = snoozed_until {
            h.raw(" <span class=\"badge snoozed\">Snoozed until ");
            time(h, until);
            h.raw("</span>");
        }
        h.raw(" ");
        source_badge(h, &t.source);
        h.raw(" · opened ");
        time(h, t.created_at);
        h.raw(" · updated ");
        time(h, t.updated_at);
        h.raw("</p></header>");

        header_controls(h, &form, detail, &can, snoozed_until);

        h.raw("<dl class=\"facts\"><dt>Requester</dt><dd>");
        requester(h, t.requester_name.as_deref(), t.requester_email.as_deref());
        h.raw("</dd><dt>Assignee</dt><dd>");
        assignee_name(h, detail, t.assignee_id.as_deref());
        h.raw("</dd>");
        sla_view::facts(
            h,
            &t.sla.clock(&t.status),
            t.team_name.as_deref(),
            now.millis(),
        );
        if let Some(at) = t.resolved_at {
            h.raw("<dt>Resolved</dt><dd>");
            time(h, at);
            h.raw("</dd>");
        }
        if let Some(at) = t.closed_at {
            h.raw("<dt>Closed</dt><dd>");
            time(h, at);
            h.raw("</dd>");
        }
        h.raw("<dt>Labels</dt><dd>");
        labels(h, &form, detail, can(Action::EditLabels));
        h.raw("</dd><dt>Topic and intent</dt><dd class=\"classification\">");
        classify(h, &form, detail, can(Action::EditFields));
        h.raw("</dd></dl>");

        if can(Action::EditFields) {
            edit_form(h, &form, detail);
        }
        summary_view::section(h, op, detail, can(Action::EditFields));
        sync_view::section(h, op, detail, can(Action::EditFields));
        // The ticket's body beside the chats it came from (seed 000).
        h.raw(if detail.conversations.is_empty() {
            "<div class=\"ticket-body\"><div>"
        } else {
            "<div class=\"ticket-body with-chats\"><div>"
        });
        h.raw("<h2>Description</h2>");
        if t.description.is_empty() {
            h.raw("<p class=\"muted\">No description.</p>");
        } else {
            h.raw("<p class=\"prose\" dir=\"auto\">")
                .text(&t.description)
                .raw("</p>");
        }
        transcript(h, &t.transcript, t.transcript_from_visitor != 0);
        h.raw("</div>");
        conversations(h, detail);
        h.raw("</div>");
        comments(h, &form, detail, &can);
        timeline(h, detail);
        h.raw("</article>");
    })
}

/// The linked conversations: each live one's messages, marked bot- or human-handled; an
/// ended one (purged 24 h after its last message) by its link alone: the ticket kept the
/// transcript it was opened with.
fn conversations(h: &mut Html, detail: &Detail) {
    if detail.conversations.is_empty() {
        return;
    }
    h.raw("<section class=\"linked-chats\" aria-labelledby=\"chats-h\"><h2 id=\"chats-h\">Conversations</h2>");
    for c in &detail.conversations {
        h.raw("<article class=\"linked-chat\"><p class=\"meta\">");
        let handled = match c.human_handled() {
            Some(true) => "<span class=\"badge handled-human\">Human-handled</span>",
            Some(false) => "<span class=\"badge handled-bot\">Bot-handled</span>",
            None => "<span class=\"badge\">Unanswered</span>",
        };
        if c.live {
            h.raw(handled)
                .raw(" <a href=\"/app/conversations/")
                .text(&c.id)
                .raw("\">Open the conversation</a> · linked ");
        } else {
            h.raw("<span class=\"badge\">Ended</span> linked ");
        }
        time(h, c.linked_at);
        h.raw("</p>");
        if c.live {
            h.raw("<ol class=\"messages\">");
            for m in &c.messages {
                chat_message(h, m);
            }
            h.raw("</ol>");
        } else {
            h.raw("<p class=\"muted\">Conversations are deleted a day after their last message; the chat transcript is the one this ticket kept.</p>");
        }
        h.raw("</article>");
    }
    h.raw("</section>");
}

/// What every action form carries.
struct Form<'a> {
    op: &'a Operator,
    code: &'a str,
    version: i64,
}

impl Form<'_> {
    /// `<form method=post action=…/{verb} class=…>` with the CSRF token and the version.
    fn open(&self, h: &mut Html, verb: Verb, class: &'static str) {
        h.raw("<form method=\"post\" class=\"")
            .raw(class)
            .raw("\" action=\"/app/tickets/")
            .text(self.code)
            .raw("/")
            .raw(verb.as_str())
            .raw("\">");
        csrf::field(h, self.op);
        h.raw("<input type=\"hidden\" name=\"version\" value=\"")
            .text(&self.version.to_string())
            .raw("\">");
    }
}

fn header_controls(
    h: &mut Html,
    form: &Form<'_>,
    detail: &Detail,
    can: &dyn Fn(Action) -> bool,
    snoozed_until: Option<i64>,
) {
    let t = &detail.ticket;
    let any = [
        Action::ChangeStatus,
        Action::ChangePriority,
        Action::Assign,
        Action::MarkSpam,
        Action::DeleteTicket,
    ]
    .into_iter()
    .any(can);
    if !any {
        h.raw("<p class=\"notice\">");
        if form.op.role.allows(Action::ChangeStatus) {
            h.raw("This ticket is assigned to someone else: you can read it, but only they, an admin or an owner can change it.");
        } else {
            h.raw("You have read-only access to this site's tickets.");
        }
        h.raw("</p>");
        return;
    }
    h.raw("<section class=\"controls\" aria-label=\"Ticket controls\">");
    let status = Status::parse(&t.status).unwrap_or(Status::Open);
    if can(Action::ChangeStatus) {
        form.open(h, Verb::Status, "control status-control");
        if status.allowed_next().is_empty() {
            h.raw("<p class=\"muted\">Closed is final: a closed ticket cannot be reopened.</p>");
        } else {
            h.raw(
                "<label for=\"status-to\">Move to</label><select id=\"status-to\" name=\"status\" data-key=\"s\">",
            );
            for next in status.allowed_next() {
                h.raw("<option value=\"")
                    .text(next.as_str())
                    .raw("\">")
                    .text(next.operator_label())
                    .raw("</option>");
            }
            h.raw("</select><label for=\"status-comment\">Comment on the change (optional)</label>")
                .raw("<textarea id=\"status-comment\" name=\"comment\" rows=\"2\" dir=\"auto\"></textarea>");
            if can(Action::CommentPublic) {
                h.raw("<label for=\"status-visibility\">The comment is</label><select id=\"status-visibility\" name=\"visibility\">")
                    .raw("<option value=\"internal\">an internal note</option><option value=\"public\">a reply to the customer</option></select>");
            }
            h.raw("<button class=\"primary\">Change status</button>");
        }
        h.raw("</form>");
    }
    if let (Some(side), true) = (waiting_on(t), can(Action::ChangeStatus)) {
        waiting_form(h, form, side);
    }
    if can(Action::ChangePriority) {
        form.open(h, Verb::Priority, "control");
        h.raw("<label for=\"priority-to\">Priority</label><select id=\"priority-to\" name=\"priority\" data-key=\"p\">");
        for p in Priority::ALL.into_iter().rev() {
            h.raw("<option value=\"").text(p.as_str()).raw("\"");
            if p.as_str() == t.priority {
                h.raw(" selected");
            }
            h.raw(">").text(p.label()).raw("</option>");
        }
        h.raw("</select><button>Set priority</button></form>");
    }
    if can(Action::Assign) {
        form.open(h, Verb::Assign, "control");
        h.raw("<label for=\"assignee\">Assignee</label><select id=\"assignee\" name=\"assignee\" data-key=\"a\"><option value=\"\">Unassigned</option>");
        for m in detail.members.iter().filter(|m| m.role != "guest") {
            h.raw("<option value=\"").text(&m.operator_id).raw("\"");
            if t.assignee_id.as_deref() == Some(m.operator_id.as_str()) {
                h.raw(" selected");
            }
            h.raw(">").text(&m.name).raw("</option>");
        }
        h.raw("</select><button>Assign</button></form>");
        if t.assignee_id.as_deref() != Some(form.op.id.as_str()) {
            form.open(h, Verb::Assign, "control");
            h.raw("<input type=\"hidden\" name=\"assignee\" value=\"me\"><button data-key=\"m\">Assign to me</button></form>");
        }
    }
    if can(Action::Assign) && !detail.teams.is_empty() {
        team_form(h, form, detail);
    }
    // Snoozing a closed ticket would hide nothing from anyone: not offered.
    if can(Action::ChangeStatus) && status != Status::Closed {
        form.open(h, Verb::Snooze, "control");
        h.raw("<label for=\"snooze-until\">Snooze until (UTC)</label>")
            .raw("<input id=\"snooze-until\" name=\"until\" type=\"datetime-local\" required>")
            .raw("<button>Snooze</button></form>");
        if snoozed_until.is_some() {
            form.open(h, Verb::Snooze, "control");
            h.raw(
                "<input type=\"hidden\" name=\"until\" value=\"\"><button>Wake now</button></form>",
            );
        }
    }
    if can(Action::MarkSpam) {
        form.open(h, Verb::Spam, "control");
        if t.is_spam != 0 {
            h.raw("<input type=\"hidden\" name=\"spam\" value=\"false\"><button>Not spam</button>");
        } else {
            h.raw(
                "<input type=\"hidden\" name=\"spam\" value=\"true\"><button>Mark as spam</button>",
            );
        }
        h.raw("</form>");
    }
    if can(Action::DeleteTicket) {
        h.raw("<a class=\"danger\" href=\"/app/tickets/")
            .text(form.code)
            .raw("/delete\">Delete…</a>");
    }
    h.raw("</section>");
}

/// The ticket's team: a select of the site's teams (or none), its own form.
fn team_form(h: &mut Html, form: &Form<'_>, detail: &Detail) {
    form.open(h, Verb::Team, "control");
    h.raw("<label for=\"team\">Team</label><select id=\"team\" name=\"team\"><option value=\"\">No team</option>");
    for team in &detail.teams {
        h.raw("<option value=\"")
            .text(&team.id.to_string())
            .raw("\"");
        if detail.ticket.team_id == Some(team.id) {
            h.raw(" selected");
        }
        h.raw(">").text(&team.name).raw("</option>");
    }
    h.raw("</select><button>Set team</button></form>");
}

fn assignee_name(h: &mut Html, detail: &Detail, id: Option<&str>) {
    match id {
        None => {
            h.raw("<span class=\"muted\">Unassigned</span>");
        }
        Some(id) => {
            h.raw("<bdi>")
                .text(detail.name_of(id).unwrap_or("a former member"))
                .raw("</bdi>");
        }
    }
}

fn labels(h: &mut Html, form: &Form<'_>, detail: &Detail, editable: bool) {
    if detail.labels.is_empty() {
        h.raw("<span class=\"muted\">None</span>");
    }
    h.raw("<ul class=\"labels\">");
    for label in &detail.labels {
        // A label links to the list of the site's tickets carrying it.
        let filtered = TicketQuery {
            label: Label::parse(label).ok(),
            ..TicketQuery::default()
        };
        h.raw("<li><a class=\"label\" href=\"")
            .text(&list_page::url(&filtered, list_page::Layout::Table))
            .raw("\">")
            .text(label)
            .raw("</a>");
        if editable {
            form.open(h, Verb::RemoveLabel, "inline");
            h.raw("<input type=\"hidden\" name=\"label\" value=\"")
                .text(label)
                .raw("\"><button class=\"link\" aria-label=\"Remove label ")
                .text(label)
                .raw("\">×</button></form>");
        }
        h.raw("</li>");
    }
    h.raw("</ul>");
    if editable {
        form.open(h, Verb::AddLabel, "inline add-label");
        h.raw("<label for=\"new-label\" class=\"visually-hidden\">Add a label</label>")
            .raw("<input id=\"new-label\" name=\"label\" list=\"site-labels\" maxlength=\"80\" placeholder=\"Add a label\" required>")
            .raw("<datalist id=\"site-labels\">");
        for label in &detail.site_labels {
            h.raw("<option value=\"").text(label).raw("\"></option>");
        }
        h.raw("</datalist><button>Add</button></form>");
    }
}

/// The ticket's topic and intent, and (for who may edit fields) the form that sets, changes
/// or clears them: the site's spellings are suggested; an empty field clears.
fn classify(h: &mut Html, form: &Form<'_>, detail: &Detail, editable: bool) {
    let t = &detail.ticket;
    if t.topic.is_none() && t.intent.is_none() {
        h.raw("<span class=\"muted\">Not classified</span> ");
    }
    classification(h, t.topic.as_deref(), t.intent.as_deref());
    if editable {
        form.open(h, Verb::Classify, "inline classify");
        classification_inputs(
            h,
            "classify",
            t.topic.as_deref().unwrap_or(""),
            t.intent.as_deref().unwrap_or(""),
            &detail.in_use,
        );
        h.raw("<button>Classify</button></form>");
    }
}

/// A topic and an intent field with the site's values as suggestions (the ticket page's
/// classify form, the new-ticket form).
pub fn classification_inputs(
    h: &mut Html,
    prefix: &str,
    topic: &str,
    intent: &str,
    in_use: &InUse,
) {
    let max = ticketbooth_shared::classification::MAX_CHARS.to_string();
    for (name, label, value, values) in [
        ("topic", "Topic", topic, &in_use.topics),
        ("intent", "Intent", intent, &in_use.intents),
    ] {
        let id = format!("{prefix}-{name}");
        let list = format!("{prefix}-{name}s");
        h.raw("<label for=\"")
            .text(&id)
            .raw("\">")
            .raw(label)
            .raw("</label><input id=\"")
            .text(&id)
            .raw("\" name=\"")
            .raw(name)
            .raw("\" list=\"")
            .text(&list)
            .raw("\" maxlength=\"")
            .text(&max)
            .raw("\" autocomplete=\"off\" placeholder=\"")
            .raw(if name == "topic" {
                "billing"
            } else {
                "refund_request"
            })
            .raw("\" value=\"")
            .text(value)
            .raw("\">");
        datalist(h, &list, values);
    }
}

fn edit_form(h: &mut Html, form: &Form<'_>, detail: &Detail) {
    let t = &detail.ticket;
    h.raw("<details class=\"edit\"><summary>Edit subject and description</summary>");
    form.open(h, Verb::Edit, "stacked");
    h.raw("<label for=\"edit-subject\">Subject</label><input id=\"edit-subject\" name=\"subject\" dir=\"auto\" maxlength=\"200\" required value=\"")
        .text(&t.subject)
        .raw("\"><label for=\"edit-description\">Description</label><textarea id=\"edit-description\" name=\"description\" rows=\"6\" dir=\"auto\">")
        .text(&t.description)
        .raw("</textarea><button class=\"primary\">Save</button></form></details>");
}

fn comments(h: &mut Html, form: &Form<'_>, detail: &Detail, can: &dyn Fn(Action) -> bool) {
    h.raw("<h2>Comments</h2>");
    if detail.comments.is_empty() {
        h.raw("<p class=\"muted\">No comments yet.</p>");
    }
    h.raw("<ol class=\"comments\">");
    for c in &detail.comments {
        let (class, kind): (&'static str, &'static str) = if c.author_kind == "visitor" {
            ("comment public from-customer", "From the customer")
        } else if c.visibility == "public" {
            ("comment public", "Reply to customer")
        } else {
            ("comment internal", "Internal note")
        };
        h.raw("<li class=\"")
            .raw(class)
            .raw("\"><p class=\"comment-head\"><strong>")
            .raw(kind)
            .raw("</strong> · <bdi>")
            .text(&c.author_name)
            .raw("</bdi> · ");
        time(h, c.created_at);
        h.raw("</p><p class=\"prose\" dir=\"auto\">")
            .text(&c.body)
            .raw("</p></li>");
    }
    h.raw("</ol>");
    let internal = can(Action::CommentInternal);
    let public = can(Action::CommentPublic);
    if !internal && !public {
        return;
    }
    form.open(h, Verb::Comment, "stacked comment-form");
    h.raw("<label for=\"comment-body\">Add a comment</label><textarea id=\"comment-body\" name=\"comment\" data-key=\"c\" rows=\"4\" dir=\"auto\" maxlength=\"")
        .text(&CommentBody::MAX_CHARS.to_string())
        .raw("\" required></textarea><fieldset class=\"visibility\"><legend>Who sees it</legend>");
    if internal {
        h.raw("<label class=\"choice internal\"><input type=\"radio\" name=\"visibility\" value=\"internal\" checked> Internal note <span class=\"muted\">(operators only)</span></label>");
    }
    if public {
        h.raw("<label class=\"choice public\"><input type=\"radio\" name=\"visibility\" value=\"public\"");
        if !internal {
            h.raw(" checked");
        }
        h.raw("> Reply to customer <span class=\"muted\">(the visitor sees it)</span></label>");
    }
    h.raw("</fieldset>");
    let status = Status::parse(&detail.ticket.status).unwrap_or(Status::Open);
    let may_wait = status == Status::Pending || status.allowed_next().contains(&Status::Pending);
    if public && can(Action::ChangeStatus) && may_wait {
        h.raw("<label class=\"choice wait\"><input type=\"checkbox\" name=\"wait_for_customer\" value=\"true\"> and wait for the customer <span class=\"muted\">(a reply; pending on them until they answer)</span></label>");
    }
    h.raw("<button class=\"primary\">Add comment</button></form>");
}

/// Whom the ticket waits on: a side only while pending (`WaitingOn::of`).
fn waiting_on(t: &crate::sql::tickets::DetailRow) -> Option<WaitingOn> {
    let status = Status::parse(&t.status).ok()?;
    WaitingOn::of(status, t.waiting_on_customer != 0)
}

/// "Waiting on: team / customer" for a pending ticket: its own small form, version-guarded.
fn waiting_form(h: &mut Html, form: &Form<'_>, side: WaitingOn) {
    form.open(h, Verb::Waiting, "control waiting-control");
    h.raw("<label for=\"waiting-on\">Waiting on</label><select id=\"waiting-on\" name=\"waiting_on\">");
    for option in WaitingOn::ALL {
        h.raw("<option value=\"").text(option.as_str()).raw("\"");
        if option == side {
            h.raw(" selected");
        }
        h.raw(">")
            .text(match option {
                WaitingOn::Team => "the team",
                WaitingOn::Customer => "the customer",
            })
            .raw("</option>");
    }
    h.raw("</select><button>Set</button></form>");
}

fn timeline(h: &mut Html, detail: &Detail) {
    h.raw("<h2>Timeline</h2><ol class=\"timeline\">");
    for event in &detail.events {
        h.raw("<li><span class=\"what\">");
        describe_event(h, detail, &event.kind, &event.data);
        h.raw("</span> <span class=\"muted\">by <bdi>");
        describe_actor(h, detail, &event.actor);
        h.raw("</bdi>, ");
        time(h, event.created_at);
        h.raw("</span></li>");
    }
    h.raw("</ol>");
}

/// One line of the timeline: what changed, old → new, with names for operator ids.
fn describe_event(h: &mut Html, detail: &Detail, kind: &str, data: &str) {
    let mut value: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.insert("kind".into(), kind.into());
    }
    let name = |id: &Option<String>| match id {
        None => "Unassigned".to_owned(),
        Some(id) => detail.name_of(id).unwrap_or("a former member").to_owned(),
    };
    match serde_json::from_value::<EventKind>(value) {
        Ok(EventKind::Created { source }) => {
            h.raw("Created via ").text(source.as_str());
        }
        Ok(EventKind::StatusChanged { from, to }) => {
            h.raw("Status ")
                .text(from.operator_label())
                .raw(" → ")
                .text(to.operator_label());
        }
        Ok(EventKind::PriorityChanged { from, to }) => {
            h.raw("Priority ")
                .text(from.label())
                .raw(" → ")
                .text(to.label());
        }
        Ok(EventKind::Assigned { from, to, rule }) => {
            h.raw("Assignee <bdi>")
                .text(&name(&from))
                .raw("</bdi> → <bdi>")
                .text(&name(&to))
                .raw("</bdi>");
            if let Some(rule) = rule {
                h.raw(" by routing rule ").text(&rule.to_string());
            }
        }
        Ok(EventKind::CommentAdded { visibility }) => {
            h.raw(match visibility {
                CommentVisibility::Internal => "Added an internal note",
                CommentVisibility::Public => "Replied to the customer",
            });
        }
        Ok(EventKind::LabelAdded { label }) => {
            h.raw("Label added: ").text(&label);
        }
        Ok(EventKind::LabelRemoved { label }) => {
            h.raw("Label removed: ").text(&label);
        }
        Ok(EventKind::Updated { fields }) => {
            h.raw("Edited ").text(&fields.join(", "));
        }
        Ok(EventKind::Snoozed { until_ms: Some(ms) }) => {
            h.raw("Snoozed until ");
            time(h, ms);
        }
        Ok(EventKind::Snoozed { until_ms: None }) => {
            h.raw("Woken up");
        }
        Ok(EventKind::SpamMarked { spam }) => {
            h.raw(if spam {
                "Marked as spam"
            } else {
                "Marked as not spam"
            });
        }
        Ok(EventKind::Synced {
            platform,
            remote_id,
            direction,
            changes,
        }) => {
            let name = Platform::parse(&platform)
                .map_or_else(|_| platform.clone(), |p| p.name().to_owned());
            h.raw(match direction {
                None => "Synced to ",
                Some(Direction::Push) => "Pushed to ",
                Some(Direction::Pull) => "Pulled from ",
            })
            .text(&name)
            .raw(" as <bdi>")
            .text(&remote_id)
            .raw("</bdi>");
            if !changes.is_empty() {
                h.raw(" (").text(&changes.join(", ")).raw(")");
            }
        }
        Ok(EventKind::ConversationLinked { .. }) => {
            h.raw("Linked to a conversation");
        }
        Ok(EventKind::Erased { .. }) => {
            h.raw("The requester's personal data was erased");
        }
        Ok(EventKind::SummaryUpdated { by }) => {
            h.raw(match by {
                SummaryBy::Provider => "Summary written by the AI provider",
                SummaryBy::Operator => "Summary written by hand",
            });
        }
        Ok(EventKind::LabelRenamed { from, to }) => {
            h.raw("Label renamed: ").text(&from).raw(" → ").text(&to);
        }
        Ok(EventKind::WaitingChanged { from, to }) => {
            h.text(from.operator_label())
                .raw(" → ")
                .text(&to.operator_label().to_lowercase());
        }
        Ok(EventKind::Escalated { reason }) => {
            h.raw("Conversation handed to a person: ")
                .text(crate::service::escalation::Reason::words_for(&reason));
        }
        Ok(EventKind::Classified { from, to }) => {
            let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
            h.raw("Classified:");
            let mut first = true;
            for (what, before, after) in [
                ("topic", &from.topic, &to.topic),
                ("intent", &from.intent, &to.intent),
            ] {
                if before == after {
                    continue;
                }
                h.raw(if first { " " } else { ", " }).raw(what).raw(" ");
                first = false;
                if before.is_some() {
                    h.text(&shown(before)).raw(" → ");
                }
                h.text(&shown(after));
            }
        }
        Ok(EventKind::SlaBreached { target, due_at_ms }) => {
            h.raw(match target {
                SlaTarget::FirstResponse => "First-response target missed (due ",
                SlaTarget::Resolution => "Resolution target missed (due ",
            });
            time(h, due_at_ms);
            h.raw(")");
        }
        Ok(EventKind::TeamChanged { from, to, rule }) => {
            let shown = |t: &Option<String>| t.clone().unwrap_or_else(|| "No team".to_owned());
            h.raw("Team <bdi>")
                .text(&shown(&from))
                .raw("</bdi> → <bdi>")
                .text(&shown(&to))
                .raw("</bdi>");
            if let Some(rule) = rule {
                h.raw(" by routing rule ").text(&rule.to_string());
            }
        }
        Ok(EventKind::EmailSent { mail, to }) => {
            h.raw("E-mail sent (")
                .text(&mail.replace('_', " "))
                .raw(") to <bdi>")
                .text(&to)
                .raw("</bdi>");
        }
        Ok(EventKind::EmailReceived { attachments }) => {
            h.raw("Reply received by e-mail");
            for (i, file) in attachments.iter().enumerate() {
                h.raw(if i == 0 {
                    "; attachments (not kept): "
                } else {
                    ", "
                })
                .raw("<bdi>")
                .text(&file.name)
                .raw("</bdi> (")
                .text(&file.bytes.to_string())
                .raw(" bytes)");
            }
        }
        Ok(EventKind::EmailHeld { from }) => {
            h.raw("E-mail from an unexpected sender held as a note: <bdi>")
                .text(&from)
                .raw("</bdi>");
        }
        Ok(EventKind::EmailBounced { address }) => {
            h.raw("E-mail to <bdi>")
                .text(&address)
                .raw("</bdi> bounced; no more mail goes to it");
        }
        Err(_) => {
            h.text(&kind.replace('_', " "));
        }
    }
}

fn describe_actor(h: &mut Html, detail: &Detail, actor: &str) {
    match serde_json::from_str::<Actor>(actor) {
        Ok(Actor::Visitor { .. }) => h.raw("the visitor"),
        Ok(Actor::Bot) => h.raw("the bot"),
        Ok(Actor::Operator { operator_id }) => {
            h.text(detail.name_of(&operator_id).unwrap_or("a former member"))
        }
        Ok(Actor::Sync { platform }) => {
            let name = Platform::parse(&platform)
                .map_or_else(|_| platform.clone(), |p| p.name().to_owned());
            h.text(&name)
        }
        Ok(Actor::System) | Err(_) => h.raw("the system"),
    };
}

/// The answer to a refused action form: its status, why, and the way back to the ticket.
pub fn refused(op: &Operator, error: &ApiError, code: &str) -> Response {
    let page = layout("Not saved", Some(op), |h| {
        h.raw(
            "<section class=\"card narrow\"><h1>Not saved</h1><p class=\"error\" role=\"alert\">",
        )
        .text(&error.to_string())
        .raw("</p>");
        if let ApiError::Validation(errors) = error {
            h.raw("<ul>");
            for (field, problem) in &errors.0 {
                h.raw("<li><code>")
                    .text(field)
                    .raw("</code>: ")
                    .text(&problem.to_string())
                    .raw("</li>");
            }
            h.raw("</ul>");
        }
        h.raw("<p>Nothing was changed.</p><p><a href=\"/app/tickets/")
            .text(code)
            .raw("\">Back to ")
            .text(code)
            .raw("</a></p></section>");
    });
    Response::html(error.status(), page)
}

/// `GET /app/tickets/{code}/delete`
pub fn confirm_delete(op: &Operator, detail: &Detail) -> String {
    let t = &detail.ticket;
    let form = Form {
        op,
        code: &t.code,
        version: t.updated_at,
    };
    layout(&format!("Delete {}", t.code), Some(op), |h| {
        h.raw("<section class=\"card narrow\"><h1>Delete ")
            .text(&t.code)
            .raw("?</h1><p><bdi>")
            .text(&t.subject)
            .raw("</bdi></p><p>The ticket, its comments, labels and timeline are removed for good. This cannot be undone.</p>");
        form.open(h, Verb::Delete, "stacked");
        h.raw("<input type=\"hidden\" name=\"confirm\" value=\"")
            .text(&t.code)
            .raw("\"><button class=\"danger\">Delete ")
            .text(&t.code)
            .raw(" for good</button></form><p><a href=\"/app/tickets/")
            .text(&t.code)
            .raw("\">Keep it</a></p></section>");
    })
}

/// The new-ticket form's fields: what the browser sends, and what is shown again with the
/// errors when it is refused.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewTicketForm {
    pub subject: String,
    pub description: String,
    pub requester_name: String,
    pub requester_email: String,
    /// The idempotency key minted with the blank form.
    pub key: String,
    /// `low` … `urgent`; empty is normal.
    pub priority: String,
    /// Absent (or `me`): the creator; empty: unassigned; else an operator id.
    pub assignee: Option<String>,
    /// Empty: unclassified.
    pub topic: String,
    pub intent: String,
    #[serde(skip)]
    pub errors: Vec<(String, String)>,
    /// The site's members: the assignee choices.
    #[serde(skip)]
    pub members: Vec<MemberRow>,
    /// The site's topics and intents (suggestions).
    #[serde(skip)]
    pub in_use: InUse,
}

/// `GET /app/tickets/new`
pub fn new_ticket(op: &Operator, form: &NewTicketForm) -> String {
    layout("New ticket", Some(op), |h| {
        h.raw("<p><a href=\"/app/tickets\">← All tickets</a></p><section class=\"card\"><h1>New ticket</h1>");
        if !form.errors.is_empty() {
            h.raw("<div class=\"error\" role=\"alert\"><p>Some fields need attention.</p><ul>");
            for (field, problem) in &form.errors {
                h.raw("<li><code>")
                    .text(field)
                    .raw("</code>: ")
                    .text(problem)
                    .raw("</li>");
            }
            h.raw("</ul></div>");
        }
        h.raw("<form method=\"post\" action=\"/app/tickets/new\" class=\"stacked\">");
        csrf::field(h, op);
        h.raw("<input type=\"hidden\" name=\"key\" value=\"")
            .text(&form.key)
            .raw("\"><label for=\"new-subject\">Subject</label><input id=\"new-subject\" name=\"subject\" dir=\"auto\" maxlength=\"200\" required value=\"")
            .text(&form.subject)
            .raw("\"><label for=\"new-description\">Description</label><textarea id=\"new-description\" name=\"description\" rows=\"6\" dir=\"auto\">")
            .text(&form.description)
            .raw("</textarea><label for=\"new-name\">Requester name (optional)</label><input id=\"new-name\" name=\"requester_name\" dir=\"auto\" autocomplete=\"off\" value=\"")
            .text(&form.requester_name)
            .raw("\"><label for=\"new-email\">Requester email (optional)</label><input id=\"new-email\" name=\"requester_email\" type=\"email\" autocomplete=\"off\" value=\"")
            .text(&form.requester_email)
            .raw("\">");
        create_choices(
            h,
            op,
            &form.members,
            "new",
            &form.priority,
            form.assignee.as_deref(),
        );
        classification_inputs(h, "new", &form.topic, &form.intent, &form.in_use);
        h.raw("<button class=\"primary\">Create ticket</button></form></section>");
    })
}

/// A new ticket's priority and assignee pickers (the new-ticket form, a conversation's "Create
/// ticket"): Normal and "me" chosen unless the form came back with other choices. Each is
/// offered only to a role the service lets choose it (the priority and assign actions on the
/// creator's own ticket); without them the ticket is normal and the creator's.
pub fn create_choices(
    h: &mut Html,
    op: &Operator,
    members: &[MemberRow],
    id_prefix: &str,
    priority: &str,
    assignee: Option<&str>,
) {
    if op.role.permits(Action::ChangePriority, Ownership::Mine) {
        let chosen = Priority::parse(priority.trim()).unwrap_or(Priority::Normal);
        h.raw("<label for=\"")
            .text(id_prefix)
            .raw("-priority\">Priority</label><select id=\"")
            .text(id_prefix)
            .raw("-priority\" name=\"priority\">");
        for p in Priority::ALL.into_iter().rev() {
            h.raw("<option value=\"").text(p.as_str()).raw("\"");
            if p == chosen {
                h.raw(" selected");
            }
            h.raw(">").text(p.label()).raw("</option>");
        }
        h.raw("</select>");
    }
    if op.role.permits(Action::Assign, Ownership::Mine) {
        let chosen = match assignee.map(str::trim) {
            None | Some("me") => op.id.as_str(),
            Some(other) => other,
        };
        h.raw("<label for=\"")
            .text(id_prefix)
            .raw("-assignee\">Assignee</label><select id=\"")
            .text(id_prefix)
            .raw("-assignee\" name=\"assignee\"><option value=\"me\"");
        if chosen == op.id {
            h.raw(" selected");
        }
        h.raw(">Me (")
            .text(&op.name)
            .raw(")</option><option value=\"\"");
        if chosen.is_empty() {
            h.raw(" selected");
        }
        h.raw(">Unassigned</option>");
        // Who can hold a ticket: members who work tickets (the service checks again).
        for m in members
            .iter()
            .filter(|m| m.role != "guest" && m.operator_id != op.id)
        {
            h.raw("<option value=\"").text(&m.operator_id).raw("\"");
            if chosen == m.operator_id {
                h.raw(" selected");
            }
            h.raw(">").text(&m.name).raw("</option>");
        }
        h.raw("</select>");
    }
}
