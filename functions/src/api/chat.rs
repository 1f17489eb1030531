//! The widget's chat routes under `/api/v1/sites/{site}/conversations`, authenticated by the
//! visitor token: start a conversation, send a message (Idempotency-Key required), read the
//! messages after a cursor, give the visitor's contact details, ask for a person ("Talk to a
//! person": `service::escalation`). Thin handlers over `service::conversations`.

use std::collections::BTreeMap;

use ticketbooth_shared::api::{
    ChatMessageList, ConversationContact, EscalationResponse, SendMessageRequest,
    SendMessageResponse, StartConversationResponse, VisitorConversation,
};
use ticketbooth_shared::chat_message::MessageText;
use ticketbooth_shared::event::Actor;
use ticketbooth_shared::ids::{ConversationId, VisitorId};
use ticketbooth_shared::new_ticket::{Requester, ValidationErrors};
use ticketbooth_shared::requester::{Email, RequesterName};
use ticketbooth_shared::timestamp::Timestamp;

use crate::context::visitor::{
    Budget, begin_keyed_write, begin_write, spend, token_key, visitor_from_token,
};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{FollowUp, Live, Request, Response, visitor_json};
use crate::service::conversations::{self, Author, Reader, Sent};
use crate::service::escalation::{self, Escalated, Escalation, Reason};
use crate::service::site_secrets::Sealer;
use crate::service::sites::Site;
use crate::store::Executor;

use super::tickets;

/// `POST …/conversations`: a new conversation of the visitor the token proves, or of a new
/// visitor (a missing, stale or foreign token starts a new identity, as a ticket create does).
pub async fn start<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    spend(app, req, site, Budget::Chat).await?;
    let token_key = token_key(app)?;
    // A signed identity is the visitor it proves (as on a ticket create), and its name and
    // email are the conversation's contact: every ticket made from the chat carries them.
    let sealer = Sealer::new(
        &app.secrets,
        fresh.random(b"site secrets"),
        fresh.now.millis(),
    );
    let identity = tickets::signed_identity(app, req, site, &sealer, fresh.now).await?;
    let (visitor, contact) = match identity {
        Some(identity) => (
            identity.visitor,
            Requester {
                name: identity.name,
                email: identity.email,
            },
        ),
        None => (
            req.bearer_token()
                .and_then(|token| token_key.verify(&site.key, token, fresh.now).ok())
                .map_or(fresh.visitor_id.clone(), |verified| verified.visitor),
            Requester::default(),
        ),
    };
    let random = fresh.random(b"conversation id");
    let mut id_bytes = [0u8; 10];
    id_bytes.copy_from_slice(&random[..10]);
    let id = ConversationId::mint(fresh.now, id_bytes);
    let row = conversations::start(&app.db, site, &visitor, &id, &contact, fresh.now).await?;
    let response = StartConversationResponse {
        conversation: VisitorConversation {
            id: row.id,
            expires_at: Timestamp::from_millis(row.expires_at).to_rfc3339(),
        },
        visitor_token: token_key.sign(&site.key, &visitor, fresh.now),
    };
    Ok(Response::json(201, &response))
}

/// `POST …/conversations/{id}/messages`: 201 with the message written, 200 with the one an
/// earlier send with the same key and text wrote.
pub async fn send<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &ConversationId,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let (body, key) = begin_keyed_write(app, req, site, Budget::Chat).await?;
    let visitor = visitor_from_token(app, req, &site.key, now)?;
    let request: SendMessageRequest = visitor_json::parse(body, &["text"])?;
    let text = MessageText::parse(&request.text)
        .map_err(|e| ApiError::Validation(ValidationErrors(BTreeMap::from([("text", e)]))))?;
    let conversation =
        conversations::find(&app.db, site, Reader::Visitor(&visitor.id), id, now).await?;
    let sent = conversations::send(
        &app.db,
        site,
        &conversation,
        Author::Visitor,
        &text,
        Some(&key),
        now,
    )
    .await?;
    let status = match sent {
        Sent::New(_) => 201,
        Sent::Replayed(_) => 200,
    };
    let message = conversations::visitor_view(sent.row())?;
    let mut response = Response::json(status, &SendMessageResponse { message });
    if let Sent::New(row) = &sent {
        response.live = Some(crate::http::broadcast(&conversation.id, row)?);
        // Handed to a person: the bot waits until an operator hands the conversation back.
        if conversation.escalated_at.is_none() {
            response.follow_up = bot_turn(site, &conversation.id, &visitor.id);
        }
    }
    Ok(visitor.renew(response))
}

/// `PUT …/conversations/{id}/contact`: the visitor gives their name and email in the chat (the
/// bot asked for them). Kept on the conversation for every ticket made from it; 200 with what
/// is kept. Giving the same details again changes nothing; new details wake the site's bot, so
/// it can open the ticket it was waiting for.
pub async fn contact<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &ConversationId,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let body = begin_write(app, req, site, Budget::Chat).await?;
    let visitor = visitor_from_token(app, req, &site.key, now)?;
    let request: ConversationContact = visitor_json::parse(body, &["name", "email"])?;
    let mut errors = BTreeMap::new();
    let name = RequesterName::parse(&request.name).map_err(|e| errors.insert("name", e));
    let email = Email::parse(&request.email).map_err(|e| errors.insert("email", e));
    let (Ok(name), Ok(email)) = (name, email) else {
        return Err(ApiError::Validation(ValidationErrors(errors)));
    };
    let conversation =
        conversations::find(&app.db, site, Reader::Visitor(&visitor.id), id, now).await?;
    let changed =
        conversations::set_contact(&app.db, site, &conversation, &name, &email, now).await?;
    let kept = ConversationContact {
        name: name.as_ref().to_owned(),
        email: email.as_ref().to_owned(),
    };
    let mut response = Response::json(200, &kept);
    if changed {
        response.follow_up = bot_turn(site, &conversation.id, &visitor.id);
    }
    Ok(visitor.renew(response))
}

/// `POST …/conversations/{id}/escalate` (body `{}`): the visitor asks for a person. The
/// conversation waits for one (the bot stops), and the site's automatic ticket is opened when
/// it applies; 200 either way, and pressing it again changes nothing. The widget reads the
/// conversation after the answer (the "a person will follow up" line, the ticket's card).
pub async fn escalate<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &ConversationId,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Empty {}
    let body = begin_write(app, req, site, Budget::Chat).await?;
    let visitor = visitor_from_token(app, req, &site.key, fresh.now)?;
    let _: Empty = visitor_json::parse(body, &[])?;
    let conversation =
        conversations::find(&app.db, site, Reader::Visitor(&visitor.id), id, fresh.now).await?;
    let escalated = escalation::escalate(
        &app.db,
        Escalation {
            site,
            conversation: &conversation,
            reason: Reason::VisitorAsked,
            classification: Default::default(),
            actor: Actor::Visitor {
                visitor_id: visitor.id.as_ref().to_owned(),
            },
            fresh_id: fresh.ticket_id.clone(),
            now: fresh.now,
        },
    )
    .await?;
    let (ticket, opened) = match escalated {
        Escalated::Now { ticket, opened, .. } => (ticket, opened),
        Escalated::Already => (
            conversations::tickets_of(&app.db, site, &conversation)
                .await?
                .into_iter()
                .next()
                .map(|t| t.code),
            false,
        ),
    };
    let mut response = Response::json(
        200,
        &EscalationResponse {
            escalated: true,
            ticket,
        },
    );
    if opened {
        // The new ticket is announced like any other.
        response = response.notifying(site);
    }
    Ok(visitor.renew(response))
}

/// `GET …/conversations/{id}/messages?after={seq}`: the messages after the cursor.
pub async fn read<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &ConversationId,
    now: Timestamp,
) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    struct Cursor {
        #[serde(default)]
        after: i64,
    }
    let visitor = visitor_from_token(app, req, &site.key, now)?;
    let cursor: Cursor = serde_urlencoded::from_str(&req.query)
        .ok()
        .filter(|c: &Cursor| c.after >= 0)
        .ok_or(ApiError::InvalidCursor)?;
    let conversation =
        conversations::find(&app.db, site, Reader::Visitor(&visitor.id), id, now).await?;
    let rows = conversations::messages_after(&app.db, site, &conversation, cursor.after).await?;
    let messages = rows
        .iter()
        .map(conversations::visitor_view)
        .collect::<Result<Vec<_>, _>>()?;
    let cursor = messages.last().map_or(cursor.after, |m| m.seq);
    Ok(visitor.renew(Response::json(200, &ChatMessageList { messages, cursor })))
}

/// `GET …/conversations/{id}/live?token=…`: checks the token and that the conversation is the
/// visitor's, then lets the Worker adapter hand the WebSocket upgrade to the live room.
pub async fn join<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &ConversationId,
    now: Timestamp,
) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    struct Query {
        token: Option<String>,
    }
    let token = serde_urlencoded::from_str::<Query>(&req.query)
        .ok()
        .and_then(|q| q.token)
        .ok_or(ApiError::Unauthorized)?;
    let verified = token_key(app)?
        .verify(&site.key, &token, now)
        .map_err(|_| ApiError::Unauthorized)?;
    let conversation =
        conversations::find(&app.db, site, Reader::Visitor(&verified.visitor), id, now).await?;
    let mut response = Response::empty(204);
    response.live = Some(Live::Join {
        conversation_id: conversation.id,
    });
    Ok(response)
}

/// The site's bot's turn in the conversation, when the site has a bot: run after the visitor
/// has their own answer (`http::FollowUp`), so it never delays it.
fn bot_turn(site: &Site, conversation_id: &str, visitor: &VisitorId) -> Option<FollowUp> {
    site.bot.as_ref().map(|_| FollowUp::Bot {
        site: site.key.clone(),
        conversation_id: conversation_id.to_owned(),
        visitor_id: visitor.as_ref().to_owned(),
    })
}
