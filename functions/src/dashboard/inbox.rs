//! The operators' inbox at `/app/inbox`: the current site's live conversations (newest
//! activity first, unread marked), a conversation's messages, and the reply form.

use std::collections::BTreeMap;

use serde::Deserialize;
use ticketbooth_shared::chat_message::MessageText;
use ticketbooth_shared::ids::ConversationId;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::Action;

use super::html::Html;
use super::views::{layout, time};
use super::{csrf, form, redirect};
use crate::app::{App, Fresh};
use crate::chat_api;
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::conversations::{self, Author, Reader};
use crate::service::operators::Operator;
use crate::service::sites::{self, Site};
use crate::sql::conversations::ConversationRow;
use crate::sql::messages::MessageRow;
use crate::store::Executor;

/// `GET /app/inbox`
pub async fn list<E: Executor>(
    app: &App<E>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    op.require(Action::ViewTickets)?;
    let rows = conversations::inbox(&app.db, op.site_id, fresh.now).await?;
    Ok(Response::html(200, render_list(op, &rows)))
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
    Ok(Response::html(
        200,
        render_conversation(op, &row, &messages),
    ))
}

/// `POST /app/inbox/{id}/reply`: an operator message, then 303 back to the conversation.
pub async fn reply<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    id: &ConversationId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct ReplyForm {
        csrf: Option<String>,
        #[serde(default)]
        text: String,
    }
    let input: ReplyForm = form::parse(req)?;
    csrf::check(req, op, input.csrf.as_deref())?;
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
    let mut response = redirect(&format!("/app/inbox/{}", row.id));
    response.live = Some(chat_api::broadcast(&row.id, sent.row())?);
    Ok(response)
}

async fn site_of<E: Executor>(
    app: &App<E>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Site, ApiError> {
    Ok(sites::load_cached(&app.db, &app.sites, &op.site_key, fresh.now).await?)
}

fn render_list(op: &Operator, rows: &[ConversationRow]) -> String {
    layout("Inbox", Some(op), |h| {
        h.raw("<h1>Inbox</h1>");
        if rows.is_empty() {
            h.raw("<p class=\"empty\">No open conversations.</p>");
            return;
        }
        h.raw("<ul class=\"inbox\">");
        for row in rows {
            let unread = conversations::unread(row);
            h.raw(if unread {
                "<li class=\"unread\"><a href=\"/app/inbox/"
            } else {
                "<li><a href=\"/app/inbox/"
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
                h.raw(" <strong class=\"badge\">Unread</strong>");
            }
            h.raw("</li>");
        }
        h.raw("</ul>");
    })
}

fn render_conversation(op: &Operator, row: &ConversationRow, messages: &[MessageRow]) -> String {
    layout("Conversation", Some(op), |h| {
        h.raw("<p><a href=\"/app/inbox\">← Inbox</a></p><h1>Visitor ")
            .text(&row.visitor_id[..8])
            .raw("</h1><p>Expires ");
        time(h, row.expires_at);
        h.raw("</p><ol class=\"messages\">");
        for m in messages {
            message(h, m);
        }
        h.raw("</ol>");
        if op.role.allows(Action::CommentPublic) {
            h.raw("<form method=\"post\" action=\"/app/inbox/")
                .text(&row.id)
                .raw("/reply\">");
            csrf::field(h, op);
            h.raw("<label for=\"reply\">Reply</label>")
                .raw("<textarea id=\"reply\" name=\"text\" required maxlength=\"4000\"></textarea>")
                .raw("<button>Send</button></form>");
        }
    })
}

fn message(h: &mut Html, m: &MessageRow) {
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
