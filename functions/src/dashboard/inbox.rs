//! The operators' inbox at `/app/conversations` (also `/app/inbox`): the current site's live
//! conversations (those waiting for a person first, with why; then newest activity first,
//! unread and waiting time marked), a conversation's messages with the reply form, "Create
//! ticket" from it (subject and description prefilled from the chat, editable), "Attach to
//! ticket…", "Hand back to the bot" once escalated, and the tickets it is linked to.

use std::collections::BTreeMap;

use serde::Deserialize;
use ticketbooth_shared::api::CreateTicketRequest;
use ticketbooth_shared::chat_message::MessageText;
use ticketbooth_shared::event::{Actor, Source};
use ticketbooth_shared::ids::{ConversationId, IdempotencyKey};
use ticketbooth_shared::new_ticket::{NewTicket, ValidationErrors};
use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::ticket_text::{Description, Subject};

use super::html::Html;

use super::gate::CheckedForm;
use super::views::{chat_message, layout, status_badge, time};
use super::{csrf, redirect, ticket_page};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::ticket_input;
use crate::http::{Live, Request, Response};
use crate::service::Refusal;
use crate::service::conversations::{self, Author, Reader};
use crate::service::escalation::{self, TicketRefused};
use crate::service::live_members::LiveMember;
use crate::service::operators::Operator;
use crate::service::site_cache;
use crate::service::sites::Site;
use crate::service::ticket_actions::{self, OperatorTicket};
use crate::service::tickets::Created;
use crate::sql::conversations::ConversationRow;
use crate::sql::messages::MessageRow;
use crate::sql::site_members::MemberRow;
use crate::sql::ticket_conversations::LinkedTicketRow;
use crate::store::Executor;

/// `GET /app/inbox`
pub async fn list<E: Executor>(
    app: &App<E>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    op.require(Action::ViewTickets)?;
    let rows = conversations::inbox(&app.db, op.site_id, fresh.now).await?;
    Ok(Response::html(
        200,
        render_list(op, &rows, fresh.now.millis()),
    ))
}

/// `GET /app/inbox/{id}`: the messages; opening it marks the visitor's messages read.
pub async fn show<E: Executor>(
    app: &App<E>,
    op: &Operator,
    id: &ConversationId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    op.require(Action::ViewTickets)?;
    let site = site_of(app, op, fresh).await?;
    let row = conversations::find(&app.db, &site, Reader::Operator, id, fresh.now).await?;
    let messages = conversations::all_messages(&app.db, &site, &row).await?;
    if conversations::unread(&row) {
        conversations::mark_read(&app.db, site.id, &row).await?;
    }
    let tickets = conversations::tickets_of(&app.db, &site, &row).await?;
    let members = ticket_actions::members(&app.db, op).await?;
    let page = ConversationPage {
        row: &row,
        messages: &messages,
        tickets: &tickets,
        members: &members,
        // A fresh UUID v4 (the request's spare visitor id): submitting the form twice makes
        // one ticket.
        key: fresh.visitor_id.as_ref(),
        draft: Draft::from_chat(&messages),
        errors: &[],
    };
    Ok(Response::html(200, render_conversation(op, &page)))
}

/// `POST /app/inbox/{id}/reply`: an operator message, then 303 back to the conversation.
pub async fn reply<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    id: &ConversationId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct ReplyForm {
        #[serde(default)]
        text: String,
    }
    let input: ReplyForm = posted.parse()?;
    op.require(Action::CommentPublic)?;
    let text = MessageText::parse(&input.text)
        .map_err(|e| ApiError::Validation(ValidationErrors(BTreeMap::from([("text", e)]))))?;
    let site = site_of(app, op, fresh).await?;
    let row = conversations::find(&app.db, &site, Reader::Operator, id, fresh.now).await?;
    let author = Author::Operator {
        id: &op.id,
        name: &op.name,
    };
    let sent = conversations::send(&app.db, &site, &row, author, &text, None, fresh.now).await?;
    let mut response = redirect(&format!("/app/conversations/{}", row.id));
    response.live = Some(crate::http::broadcast(&row.id, sent.row())?);
    Ok(response)
}

/// `POST /app/conversations/{id}/ticket`: a ticket from the conversation (source `operator`,
/// assigned to its author), linked to it with a transcript snapshot and a card in the chat;
/// the conversation's visitor's ticket, for the contact they gave.
pub async fn create_ticket<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    id: &ConversationId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct TicketForm {
        #[serde(default)]
        key: String,
        #[serde(default)]
        subject: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        priority: String,
        /// Absent (or `me`): the creator; empty: unassigned; else an operator id.
        assignee: Option<String>,
    }
    let input: TicketForm = posted.parse()?;
    op.require(Action::CreateTicket)?;
    let key =
        IdempotencyKey::parse(input.key.trim()).map_err(|_| ApiError::IdempotencyKeyInvalid)?;
    let site = site_of(app, op, fresh).await?;
    let row = conversations::find(&app.db, &site, Reader::Operator, id, fresh.now).await?;
    let messages = conversations::all_messages(&app.db, &site, &row).await?;
    let request = CreateTicketRequest {
        subject: input.subject.clone(),
        description: input.description.clone(),
        ..Default::default()
    };
    let choices = ticket_input::create_choices(
        Some(&input.priority),
        input.assignee.as_deref().map(Some),
        op,
    );
    let parsed = match (NewTicket::parse(&request, false), choices) {
        (Ok(ticket), Ok(choices)) => Ok((ticket, choices)),
        (ticket, choices) => {
            let mut errors = ticket.err().unwrap_or_default();
            errors.0.extend(choices.err().unwrap_or_default().0);
            Err(errors
                .0
                .iter()
                .map(|(k, e)| (*k, e.to_string()))
                .collect::<Vec<_>>())
        }
    };
    let (mut ticket, (priority, assignee)) = match parsed {
        Ok(parsed) => parsed,
        Err(errors) => {
            let tickets = conversations::tickets_of(&app.db, &site, &row).await?;
            let members = ticket_actions::members(&app.db, op).await?;
            let page = ConversationPage {
                row: &row,
                messages: &messages,
                tickets: &tickets,
                members: &members,
                key: key.as_ref(),
                draft: Draft {
                    subject: input.subject,
                    description: input.description,
                    priority: input.priority,
                    assignee: input.assignee,
                },
                errors: &errors,
            };
            return Ok(Response::html(422, render_conversation(op, &page)));
        }
    };
    ticket.transcript = conversations::transcript(&messages);
    // The contact details the visitor gave in the chat are the ticket's requester.
    ticket.requester = conversations::requester(&row);
    let created = ticket_actions::create(
        &app.db,
        op,
        OperatorTicket {
            priority,
            assignee,
            ticket,
            source: Source::Operator,
            conversation: Some(&row),
            idempotency_key: key,
            fresh_id: fresh.ticket_id.clone(),
            now: fresh.now,
            classification: Default::default(),
        },
    )
    .await?;
    let mut response = redirect(&format!(
        "/app/tickets/{}",
        ticket_actions::created_code(&created)
    ))
    .notifying(&site);
    // The visitor's open widget shows the ticket's card at once.
    if let Created::New {
        card: Some(card), ..
    } = &created
    {
        response.live = Some(crate::http::broadcast(&row.id, card)?);
    }
    Ok(response)
}

/// `POST /app/conversations/{id}/attach`: links the conversation to the ticket `code`. The
/// ticket keeps its requester and visitor: attaching a chat does not hand it to another.
pub async fn attach<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    id: &ConversationId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct AttachForm {
        #[serde(default)]
        code: String,
    }
    let input: AttachForm = posted.parse()?;
    op.require(Action::EditFields)?;
    let code = TicketCode::parse(&input.code.trim().to_ascii_uppercase())
        .map_err(|e| ApiError::Validation(ValidationErrors(BTreeMap::from([("code", e)]))))?;
    let site = site_of(app, op, fresh).await?;
    let row = conversations::find(&app.db, &site, Reader::Operator, id, fresh.now).await?;
    let ticket = ticket_actions::load(&app.db, op, &code).await?;
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    conversations::attach(&app.db, &site, &ticket.id, &row, &actor, fresh.now).await?;
    Ok(redirect(&format!("/app/tickets/{}", ticket.code)))
}

/// `GET /app/conversations/{id}/live`: an operator's WebSocket joins the conversation's live
/// room (the page's `/inbox.js` shows what it hears). Only from our own pages: a WebSocket is
/// not bound by CORS, so another site's page could otherwise listen with the operator's cookie.
pub async fn live<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    id: &ConversationId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    op.require(Action::ViewTickets)?;
    if !csrf::same_origin(req) {
        return Err(ApiError::Refused(Refusal::CrossSite));
    }
    if !req
        .header("upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
    {
        return Err(ApiError::BadQuery("this route is a WebSocket".into()));
    }
    let site = site_of(app, op, fresh).await?;
    let row = conversations::find(&app.db, &site, Reader::Operator, id, fresh.now).await?;
    let mut response = Response::empty(204);
    // The room checks this membership again while the socket stays open: removing the
    // operator closes it within the check interval.
    response.live = Some(Live::JoinAsOperator {
        conversation_id: row.id,
        member: LiveMember {
            site_id: op.site_id,
            operator_id: op.id.clone(),
        },
    });
    Ok(response)
}

/// `POST /app/conversations/{id}/hand-back`: the bot answers the conversation again (its pause
/// and its message count start over); 303 back to the conversation.
pub async fn hand_back<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    id: &ConversationId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Empty {}
    let _: Empty = posted.parse()?;
    op.require(Action::CommentPublic)?;
    let site = site_of(app, op, fresh).await?;
    let row = conversations::find(&app.db, &site, Reader::Operator, id, fresh.now).await?;
    escalation::hand_back(&app.db, &site, &row).await?;
    Ok(redirect(&format!("/app/conversations/{}", row.id)))
}

/// Why the conversation waits for a person, in words (and why no ticket was opened, when the
/// site refused the automatic one).
fn escalation_words(h: &mut Html, row: &ConversationRow) {
    let Some(reason) = &row.escalation_reason else {
        return;
    };
    h.raw(
        "<strong class=\"badge escalated\">Waiting for a person</strong> <span class=\"reason\">",
    )
    .text(escalation::Reason::words_for(reason));
    if let Some(note) = &row.escalation_note {
        h.raw(": <q dir=\"auto\">").text(note).raw("</q>");
    }
    h.raw("</span>");
    if let Some(refused) = &row.escalation_ticket_refused {
        h.raw(" <span class=\"refused\">No ticket opened: ")
            .text(TicketRefused::words_for(refused))
            .raw("</span>");
    }
}

async fn site_of<E: Executor>(
    app: &App<E>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Site, ApiError> {
    Ok(site_cache::load(&app.db, &app.sites, &op.site_key, fresh.now).await?)
}

/// How long a visitor has waited, in words.
fn waiting(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "under a minute".to_owned(),
        1 => "1 minute".to_owned(),
        2..=59 => format!("{minutes} minutes"),
        _ => format!("{} h {} min", minutes / 60, minutes % 60),
    }
}

fn render_list(op: &Operator, rows: &[ConversationRow], now: i64) -> String {
    layout("Conversations", Some(op), |h| {
        h.raw("<h1>Conversations</h1>");
        if rows.is_empty() {
            h.raw("<p class=\"empty\">No open conversations.</p>");
            return;
        }
        h.raw("<ul class=\"inbox\">");
        for row in rows {
            let unread = conversations::unread(row);
            let escalated = row.escalated_at.is_some();
            h.raw(match (unread, escalated) {
                (true, true) => "<li class=\"unread escalated\"><a href=\"/app/conversations/",
                (true, false) => "<li class=\"unread\"><a href=\"/app/conversations/",
                (false, true) => "<li class=\"escalated\"><a href=\"/app/conversations/",
                (false, false) => "<li><a href=\"/app/conversations/",
            })
            .text(&row.id)
            .raw("\">Visitor ")
            .text(&row.visitor_id[..8])
            .raw("</a> · ")
            .text(&row.last_seq.to_string())
            .raw(if row.last_seq == 1 {
                " message · last "
            } else {
                " messages · last "
            });
            time(h, row.last_message_at);
            if unread {
                h.raw(" <strong class=\"badge\">Unread</strong> <span class=\"waiting\">waiting ")
                    .text(&waiting(now - row.last_message_at))
                    .raw("</span>");
            }
            if escalated {
                h.raw(" ");
                escalation_words(h, row);
            }
            h.raw("</li>");
        }
        h.raw("</ul>");
    })
}

/// What the conversation page shows.
struct ConversationPage<'a> {
    row: &'a ConversationRow,
    messages: &'a [MessageRow],
    tickets: &'a [LinkedTicketRow],
    /// The site's members: the "Create ticket" form's assignee choices.
    members: &'a [MemberRow],
    /// The "Create ticket" form's Idempotency-Key.
    key: &'a str,
    draft: Draft,
    errors: &'a [(&'static str, String)],
}

/// The "Create ticket" form's text, prefilled from the chat and editable.
struct Draft {
    subject: String,
    description: String,
    /// The chosen priority and assignee (as the form sends them) when it came back refused.
    priority: String,
    assignee: Option<String>,
}

impl Draft {
    /// The visitor's first line as the subject (cut to a subject's length, on a word), and
    /// everything they wrote as the description.
    fn from_chat(messages: &[MessageRow]) -> Self {
        let said: Vec<&str> = messages
            .iter()
            .filter(|m| m.author_kind == "visitor")
            .map(|m| m.body.as_str())
            .collect();
        let first = said.first().and_then(|m| m.lines().next()).unwrap_or("");
        let mut subject = String::new();
        for word in first.split_whitespace() {
            if subject.chars().count() + word.chars().count() + 1 > Subject::MAX_CHARS {
                break;
            }
            if !subject.is_empty() {
                subject.push(' ');
            }
            subject.push_str(word);
        }
        let description: String = said
            .join("\n\n")
            .chars()
            .take(Description::MAX_CHARS)
            .collect();
        Self {
            subject,
            description,
            priority: String::new(),
            assignee: None,
        }
    }
}

fn render_conversation(op: &Operator, page: &ConversationPage<'_>) -> String {
    let row = page.row;
    layout("Conversation", Some(op), |h| {
        h.raw("<p><a href=\"/app/conversations\">← Conversations</a></p><h1>Visitor ")
            .text(&row.visitor_id[..8])
            .raw("</h1><p>Expires ");
        time(h, row.expires_at);
        h.raw("</p>");
        if row.escalated_at.is_some() {
            h.raw("<section class=\"card escalation\"><p>");
            escalation_words(h, row);
            h.raw("</p><p class=\"muted\">The bot does not answer this conversation until it is handed back.</p>");
            if op.role.allows(Action::CommentPublic) {
                h.raw("<form method=\"post\" action=\"/app/conversations/")
                    .text(&row.id)
                    .raw("/hand-back\">");
                csrf::field(h, op);
                h.raw("<button>Hand back to the bot</button></form>");
            }
            h.raw("</section>");
        }
        if !page.tickets.is_empty() {
            h.raw("<section aria-labelledby=\"linked-h\"><h2 id=\"linked-h\">Tickets from this conversation</h2><ul class=\"linked-tickets\">");
            for t in page.tickets {
                h.raw("<li><a href=\"/app/tickets/")
                    .text(&t.code)
                    .raw("\">")
                    .text(&t.code)
                    .raw("</a> <bdi>")
                    .text(&t.subject)
                    .raw("</bdi> ");
                status_badge(h, &t.status);
                h.raw("</li>");
            }
            h.raw("</ul></section>");
        }
        // `/inbox.js` adds what the live room says while the page is open.
        h.raw("<ol class=\"messages\" aria-live=\"polite\" data-live=\"/app/conversations/")
            .text(&row.id)
            .raw("/live\" data-last-seq=\"")
            .text(&row.last_seq.to_string())
            .raw("\">");
        for m in page.messages {
            chat_message(h, m);
        }
        h.raw(
            "</ol><p class=\"typing muted\" hidden></p><script src=\"/inbox.js\" defer></script>",
        );
        if op.role.allows(Action::CommentPublic) {
            h.raw("<form class=\"stack\" method=\"post\" action=\"/app/conversations/")
                .text(&row.id)
                .raw("/reply\">");
            csrf::field(h, op);
            h.raw("<label for=\"reply\">Reply</label>")
                .raw("<textarea id=\"reply\" name=\"text\" required maxlength=\"4000\" dir=\"auto\"></textarea>")
                .raw("<button class=\"primary\">Send</button></form>");
        }
        if op.role.allows(Action::CreateTicket) {
            ticket_form(h, op, page);
        }
        if op.role.allows(Action::EditFields) {
            h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/conversations/")
                .text(&row.id)
                .raw("/attach\" aria-labelledby=\"attach-h\"><h2 id=\"attach-h\">Attach to a ticket</h2>");
            csrf::field(h, op);
            h.raw("<label for=\"attach-code\">Ticket code</label><input id=\"attach-code\" name=\"code\" required placeholder=\"TKT-42\" autocomplete=\"off\">")
                .raw("<button>Attach</button></form>");
        }
    })
}

fn ticket_form(h: &mut Html, op: &Operator, page: &ConversationPage<'_>) {
    let error = |h: &mut Html, field: &str| {
        for (name, message) in page.errors {
            if *name == field {
                h.raw("<span class=\"error\" id=\"")
                    .text(field)
                    .raw("-error\">")
                    .text(message)
                    .raw("</span>");
            }
        }
    };
    let invalid = |field: &str| page.errors.iter().any(|(name, _)| *name == field);
    h.raw("<details class=\"card\"")
        .raw(if page.errors.is_empty() { "" } else { " open" })
        .raw("><summary>Create a ticket from this conversation</summary><form class=\"stack\" method=\"post\" action=\"/app/conversations/")
        .text(&page.row.id)
        .raw("/ticket\">");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"key\" value=\"")
        .text(page.key)
        .raw("\"><label for=\"ticket-subject\">Subject</label><input id=\"ticket-subject\" name=\"subject\" required maxlength=\"200\" dir=\"auto\" value=\"")
        .text(&page.draft.subject)
        .raw("\"");
    if invalid("subject") {
        h.raw(" aria-invalid=\"true\" aria-describedby=\"subject-error\"");
    }
    h.raw(">");
    error(h, "subject");
    h.raw("<label for=\"ticket-description\">Description</label><textarea id=\"ticket-description\" name=\"description\" rows=\"5\" dir=\"auto\">")
        .text(&page.draft.description)
        .raw("</textarea>");
    error(h, "description");
    ticket_page::create_choices(
        h,
        op,
        page.members,
        "ticket",
        &page.draft.priority,
        page.draft.assignee.as_deref(),
    );
    error(h, "priority");
    error(h, "assignee");
    if let (Some(name), Some(email)) = (&page.row.requester_name, &page.row.requester_email) {
        h.raw("<p>Requester (given in the chat): ")
            .text(name)
            .raw(" &lt;")
            .text(email)
            .raw("&gt;</p>");
    }
    h.raw("<p class=\"muted\">The ticket keeps this conversation's transcript and is linked to it; the visitor sees it in the chat.</p>")
        .raw("<button class=\"primary\">Create ticket</button></form></details>");
}
