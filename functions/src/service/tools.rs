//! Carrying out a bot's tool call: `open_ticket` creates through the one create function every
//! path uses (`tickets::create`: source `bot`, the model's priority and summary, the current
//! conversation linked with its transcript); `get_ticket_status` reads one ticket's status.
//! The same function serves the in-chat bot, the tools' HTTP routes and the MCP server.
//!
//! Limits: `open_ticket` obeys the site's "ticket creation off" and daily cap like the widget
//! (in `tickets::create`: a bot's ticket is a visitor-side one), and one visitor message may
//! open at most `MAX_TICKETS_PER_MESSAGE` tickets in the chat, whatever the model asks for.
//!
//! Idempotency: a tool call is identified by its call id (the model's `tool_call_id`, or the
//! client's `Idempotency-Key`), else by its arguments; that identity is mapped one-way
//! (SHA-256 with the site and the tool) onto a UUID v4-shaped create key. A model's call id
//! names a call only together with its conversation and its arguments: providers reuse ids
//! (some local servers send `call_0` every time, some send none), and a reused id must neither
//! refuse another visitor's ticket nor stand for another call. The create key's randomness
//! rule exists so no one can guess another visitor's key and replay it to obtain their visitor
//! token; a bot's replay returns no visitor token at all, and only a caller holding the site's
//! bot key (or the conversation's visitor token) can make the call.

use serde::Serialize;
use ticketbooth_shared::event::{Actor, Source};
use ticketbooth_shared::ids::{ConversationId, IdempotencyKey, TicketId, VisitorId};
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::tools::{OpenTicketInput, TicketStatusInput, Tool};
use ticketbooth_shared::{FieldError, Status};

use super::ServiceError;
use super::conversations::{self, Reader};
use super::sites::Site;
use super::tickets::{self, CreateTicket, Created};
use crate::crypto::sha256;
use crate::sql::tickets::{self as tickets_sql, TicketStatusRow};
use crate::store::{Executor, StoreError, decode_first};

/// The most tickets one visitor message may open through the bot: a prompt-injected model
/// emitting fifty `open_ticket` calls opens this many, and is told why for the rest.
pub const MAX_TICKETS_PER_MESSAGE: usize = 3;

/// Who is calling, which decides what the tools may see.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// The site's bot inside a visitor's conversation: tickets are that visitor's, linked to
    /// the conversation, with its transcript.
    Chat {
        visitor: &'a VisitorId,
        conversation: &'a ConversationId,
        /// Tickets the bot has already opened in answer to the current visitor message.
        opened: usize,
    },
    /// A bot elsewhere, signed in with the site's bot key: it knows no visitor, so a status
    /// lookup needs the requester's email too.
    External,
}

/// One tool call.
pub struct Call<'a> {
    pub site: &'a Site,
    pub caller: Caller<'a>,
    pub tool: Tool,
    /// The call's arguments, as the model or client sent them (a JSON object).
    pub arguments: &'a serde_json::Value,
    /// Who named the call, if anyone; `CallId::None`: the arguments identify it.
    pub call_id: CallId<'a>,
    /// Where the dashboard is (`https://…`), for the ticket's link.
    pub origin: &'a str,
    pub fresh_id: TicketId,
    pub now: Timestamp,
}

/// What names a tool call, so a repeated call opens its ticket once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallId<'a> {
    /// A client's `Idempotency-Key`: the client's own key space, site-wide, honoured as the
    /// widget's keys are (the same key with other arguments is `idempotency_key_reused`).
    Key(&'a str),
    /// A model's tool call id (possibly empty): it names the call together with the
    /// conversation and the arguments, never alone.
    Model(&'a str),
    /// Nothing: the arguments (and the conversation) name the call.
    None,
}

/// What a call gives back: structured, with `message`, a sentence the bot can say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// The ticket exists (made now, or by an earlier identical call: `replayed`).
    TicketOpened {
        code: String,
        status: Status,
        url: String,
        message: String,
        replayed: bool,
    },
    /// The site requires contact details the call lacked: ask the visitor, then call again.
    /// No ticket was written (in a chat, the conversation gets the contact form's message).
    NeedsContact {
        missing: Vec<&'static str>,
        message: String,
    },
    TicketStatus {
        code: String,
        status: Status,
        status_label: String,
        url: String,
        message: String,
    },
}

/// Why a call was refused (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("The ticketing tools are switched off for this site (its `ticketing` capability).")]
    CapabilityOff,
    #[error("This visitor message has already opened {max} tickets, the most one message may.")]
    TicketLimitReached { max: usize },
    #[error("The arguments are not valid for this tool.")]
    Invalid(ValidationErrors),
    #[error("The arguments must be a JSON object with the tool's fields: {0}")]
    Malformed(String),
    #[error("No ticket with this code matches.")]
    NotFound,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ToolError {
    /// A fault of ours (the database), not a refusal the caller or the model can act on:
    /// everything else becomes a result the model reads (a switched-off site, the daily cap,
    /// invalid arguments…).
    pub fn is_fault(&self) -> bool {
        matches!(self, ToolError::Service(ServiceError::Store(_)))
    }
}

impl From<StoreError> for ToolError {
    fn from(e: StoreError) -> Self {
        ToolError::Service(e.into())
    }
}

pub async fn call<E: Executor>(db: &E, call: Call<'_>) -> Result<Outcome, ToolError> {
    if !call.site.capabilities.ticketing() {
        return Err(ToolError::CapabilityOff);
    }
    match call.tool {
        Tool::OpenTicket => open_ticket(db, &call).await,
        Tool::GetTicketStatus => ticket_status(db, &call).await,
    }
}

async fn open_ticket<E: Executor>(db: &E, call: &Call<'_>) -> Result<Outcome, ToolError> {
    // First, before anything is read: the fourth call of a message costs nothing.
    if let Caller::Chat { opened, .. } = call.caller
        && opened >= MAX_TICKETS_PER_MESSAGE
    {
        return Err(ToolError::TicketLimitReached {
            max: MAX_TICKETS_PER_MESSAGE,
        });
    }
    let input: OpenTicketInput = serde_json::from_value(call.arguments.clone())
        .map_err(|e| ToolError::Malformed(e.to_string()))?;
    let mut args = input.parse().map_err(ToolError::Invalid)?;
    let chat = match call.caller {
        Caller::Chat {
            visitor,
            conversation,
            ..
        } => {
            let row = conversations::find(
                db,
                call.site,
                Reader::Visitor(visitor),
                conversation,
                call.now,
            )
            .await?;
            let messages = conversations::all_messages(db, call.site, &row).await?;
            // What the visitor gave in the chat stands in for what the model left out.
            let given = conversations::requester(&row);
            let requester = &mut args.ticket.requester;
            requester.name = requester.name.take().or(given.name);
            requester.email = requester.email.take().or(given.email);
            Some((visitor, row, messages))
        }
        Caller::External => None,
    };
    let missing = args.missing_contact();
    if call.site.contact_required && !missing.is_empty() {
        // In a chat, the visitor is asked with a form in the conversation.
        if let Some((_, row, messages)) = &chat {
            conversations::ask_for_contact(db, call.site, row, messages, call.now).await?;
        }
        return Ok(Outcome::NeedsContact {
            message: ask_for(&missing),
            missing,
        });
    }
    let (visitor, conversation) = match chat {
        Some((visitor, row, messages)) => {
            args.ticket.transcript = conversations::transcript(&messages);
            (Some(visitor.clone()), Some(row.id))
        }
        None => (None, None),
    };
    // Promised in the confirmation only when the site mails: the requester's address.
    let mailed_to = call
        .site
        .email_enabled
        .then(|| {
            args.ticket
                .requester
                .email
                .as_ref()
                .map(|e| e.as_ref().to_owned())
        })
        .flatten();
    let created = tickets::create(
        db,
        CreateTicket {
            site: call.site,
            ticket: args.ticket,
            source: Source::Bot,
            idempotency_key: call_key(call)?,
            visitor,
            assignee: None,
            assignee_chosen: false,
            actor: Actor::Bot,
            conversation: conversation.as_deref(),
            priority: args.priority,
            summary: args.summary.as_ref(),
            classification: args.classification,
            // The conversation's own messages, read here; an external bot sends none.
            transcript_from_visitor: false,
            fresh_id: call.fresh_id.clone(),
            now: call.now,
        },
    )
    .await?;
    let (row, replayed) = match created {
        Created::New { ticket, .. } => (ticket, false),
        Created::Replayed(ticket) => (ticket, true),
    };
    let status = Status::parse(&row.status)
        .map_err(|_| StoreError::RowShape(format!("ticket {}: status", row.id)))?;
    Ok(Outcome::TicketOpened {
        message: confirmation(&row.code, call.caller, mailed_to.as_deref()),
        url: ticket_url(call.origin, &row.code),
        code: row.code,
        status,
        replayed,
    })
}

async fn ticket_status<E: Executor>(db: &E, call: &Call<'_>) -> Result<Outcome, ToolError> {
    let input: TicketStatusInput = serde_json::from_value(call.arguments.clone())
        .map_err(|e| ToolError::Malformed(e.to_string()))?;
    let args = input.parse().map_err(ToolError::Invalid)?;
    if matches!(call.caller, Caller::External) && args.requester_email.is_none() {
        let errors = [("requester_email", FieldError::Required)];
        return Err(ToolError::Invalid(ValidationErrors(
            errors.into_iter().collect(),
        )));
    }
    let row: Option<TicketStatusRow> = decode_first(
        db.query(tickets_sql::status_by_code(
            call.site.id,
            &args.code.to_string(),
        ))
        .await?,
    )?;
    // The visitor's own tickets in a chat; elsewhere, the requester's email must match. Any
    // other ticket is as unknown as a made-up code.
    let row = row
        .filter(|r| match call.caller {
            Caller::Chat { visitor, .. } => r.visitor_id.as_deref() == Some(visitor.as_ref()),
            Caller::External => {
                let given = args
                    .requester_email
                    .as_ref()
                    .map(|e| e.as_ref().to_lowercase());
                r.requester_email.as_ref().map(|e| e.to_lowercase()) == given
            }
        })
        .ok_or(ToolError::NotFound)?;
    let status = Status::parse(&row.status)
        .map_err(|_| StoreError::RowShape(format!("ticket {}: status", row.code)))?;
    Ok(Outcome::TicketStatus {
        message: format!("Ticket {} is: {}.", row.code, status.visitor_label()),
        url: ticket_url(call.origin, &row.code),
        status_label: status.visitor_label().to_owned(),
        code: row.code,
        status,
    })
}

/// The create key of a call: a UUID v4 shape from SHA-256 of the site, the tool and the call's
/// identity, so the same call always maps to the same ticket. A client's key is its identity
/// on its own; a model's call id only with the conversation and the arguments (a reused id
/// then names a new call, and an empty one is simply absent); no id: the arguments, within
/// the conversation in a chat.
fn call_key(call: &Call<'_>) -> Result<IdempotencyKey, ToolError> {
    let within = match call.caller {
        Caller::Chat { conversation, .. } => format!("conversation:{}|", conversation.as_ref()),
        Caller::External => String::new(),
    };
    let identity = match call.call_id {
        CallId::Key(key) => format!("id:{key}"),
        CallId::Model(id) if !id.is_empty() => {
            format!("{within}call:{id}|args:{}", call.arguments)
        }
        CallId::Model(_) | CallId::None => format!("{within}args:{}", call.arguments),
    };
    let digest = sha256::hex_digest(
        format!(
            "tool-call|{}|{}|{identity}",
            call.site.key.as_ref(),
            call.tool.name()
        )
        .as_bytes(),
    );
    let mut hex: Vec<u8> = digest.as_bytes()[..32].to_vec();
    hex[12] = b'4'; // version 4
    // The RFC 4122 variant: the nibble's top bits are 10 (8, 9, a or b).
    let nibble = u8::from_str_radix(&digest[16..17], 16).unwrap_or(0);
    hex[16] = b"89ab"[usize::from(nibble & 0x3)];
    let hex = String::from_utf8(hex).map_err(|e| StoreError::RowShape(e.to_string()))?;
    IdempotencyKey::parse(&hex)
        .map_err(|_| StoreError::RowShape("a derived key is not a UUID v4".into()).into())
}

/// The sentence that confirms an opened ticket. It promises only what the product does: a
/// reply by e-mail only when the site mails and the ticket has the requester's address
/// (`email`), which it then names. In a chat the team's public replies show in the
/// conversation and in the widget's "My tickets"; an external bot's visitor has neither of
/// ours, so it gets the code (and the address) alone.
fn confirmation(code: &str, caller: Caller<'_>, email: Option<&str>) -> String {
    match (caller, email) {
        (Caller::Chat { .. }, None) => format!(
            "I've opened ticket {code} for our team. They will reply here in the chat and in \
             \"My tickets\"."
        ),
        (Caller::Chat { .. }, Some(email)) => format!(
            "I've opened ticket {code} for our team. They will reply to {email}, and here in \
             the chat and in \"My tickets\"."
        ),
        (Caller::External, None) => format!("I've opened ticket {code} for our team."),
        (Caller::External, Some(email)) => {
            format!("I've opened ticket {code} for our team. They will reply to {email}.")
        }
    }
}

/// What to ask the visitor for, as the model should say it.
fn ask_for(missing: &[&str]) -> String {
    let what = match missing {
        ["requester_name"] => "your name",
        ["requester_email"] => "your email address",
        _ => "your name and email address",
    };
    format!(
        "Before I can open a ticket, I need {what} so our team can get back to you. Ask the \
         visitor for it, then call open_ticket again with it."
    )
}

fn ticket_url(origin: &str, code: &str) -> String {
    format!("{origin}/app/tickets/{code}")
}
