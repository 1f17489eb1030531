//! Escalation: a conversation handed from the bot to a person. It happens when the visitor asks
//! for one (the widget's "Talk to a person"), when the model calls `hand_off`, when the
//! provider fails, or after the site's number of bot answers without a ticket. `escalate` is
//! the one function every trigger calls: it marks the conversation (the bot stays quiet until
//! an operator hands it back), leaves a system message the widget shows as "a person will
//! follow up here", writes the `escalated` event on the linked ticket and — when the site says
//! so and no ticket is linked yet — opens one through `tickets::create` (source `bot`, the
//! transcript, the contact given in the chat, the card in the chat). A refusal of that ticket
//! (creation off, the daily cap, a missing contact) is recorded on the conversation for the
//! inbox instead of failing the escalation. Idempotent: a second escalation changes nothing.

use ticketbooth_shared::classification::Classification;
use ticketbooth_shared::event::{Actor, EventKind, Source};
use ticketbooth_shared::ids::{IdempotencyKey, TicketId};
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::ticket_text::{Description, Subject};
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::{Priority, chat_message::AuthorKind};

use super::ServiceError;
use super::conversations::{self, TTL_MS};
use super::sites::Site;
use super::tickets::{self, CreateTicket, Created};
use crate::crypto::sha256;
use crate::sql::conversations::ConversationRow;
use crate::sql::{conversations as conversations_sql, messages, ticket_events};
use crate::store::{Executor, StoreError};

/// Why a conversation escalates (the closed set of migration 0027).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The visitor pressed "Talk to a person".
    VisitorAsked,
    /// The model called `hand_off`, with its reason (already capped by `HandOffInput`).
    HandOff(String),
    /// The provider failed or took too long.
    ProviderFailed,
    /// The bot answered the site's number of messages without a ticket or a hand-off.
    MessageLimit,
}

impl Reason {
    pub fn name(&self) -> &'static str {
        match self {
            Reason::VisitorAsked => "visitor_asked",
            Reason::HandOff(_) => "hand_off",
            Reason::ProviderFailed => "provider_failed",
            Reason::MessageLimit => "message_limit",
        }
    }

    /// A stored reason in words, for the inbox and the ticket's timeline.
    pub fn words_for(name: &str) -> &'static str {
        match name {
            "visitor_asked" => "the visitor asked for a person",
            "hand_off" => "the bot handed it over",
            "provider_failed" => "the bot's provider failed",
            "message_limit" => "the bot answered many messages without a ticket",
            _ => "escalated",
        }
    }

    fn note(&self) -> Option<&str> {
        match self {
            Reason::HandOff(note) => Some(note),
            _ => None,
        }
    }
}

/// Why the automatic ticket was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRefused {
    /// The site has ticket creation off.
    TicketingOff,
    /// The site took its daily cap of visitor tickets.
    DailyCap,
    /// The site requires a name and email the visitor has not given.
    ContactMissing,
}

impl TicketRefused {
    pub fn name(self) -> &'static str {
        match self {
            TicketRefused::TicketingOff => "ticketing_off",
            TicketRefused::DailyCap => "daily_cap",
            TicketRefused::ContactMissing => "contact_missing",
        }
    }

    /// A stored refusal in words, for the inbox.
    pub fn words_for(name: &str) -> &'static str {
        match name {
            "ticketing_off" => "ticket creation is off for this site",
            "daily_cap" => "the site's daily ticket cap was reached",
            "contact_missing" => "the visitor has not given the name and email the site requires",
            _ => "it was refused",
        }
    }
}

/// How an escalation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escalated {
    /// This call escalated the conversation. `ticket`: the code of the ticket it is linked to
    /// (opened now, or already linked); `refused`: why none was opened.
    Now {
        ticket: Option<String>,
        opened: bool,
        refused: Option<TicketRefused>,
    },
    /// It was escalated already: nothing changed.
    Already,
}

/// One escalation.
pub struct Escalation<'a> {
    pub site: &'a Site,
    pub conversation: &'a ConversationRow,
    pub reason: Reason,
    /// The model's topic and intent for the automatic ticket (its `hand_off` arguments);
    /// empty for the other triggers.
    pub classification: Classification,
    /// Who escalated: the visitor (their button) or the bot.
    pub actor: Actor,
    /// The id the automatic ticket gets if it is opened.
    pub fresh_id: TicketId,
    pub now: Timestamp,
}

/// Escalates the conversation (see the module's doc): at most two batches — the automatic
/// ticket's create, then the marking with its message and event.
pub async fn escalate<E: Executor>(db: &E, e: Escalation<'_>) -> Result<Escalated, ServiceError> {
    let conversation = e.conversation;
    if conversation.escalated_at.is_some() {
        return Ok(Escalated::Already);
    }
    let linked = conversations::tickets_of(db, e.site, conversation).await?;
    let mut ticket: Option<(String, String)> =
        linked.first().map(|t| (t.id.clone(), t.code.clone()));
    let mut opened = false;
    let mut refused = None;
    if ticket.is_none() && e.site.escalation_opens_ticket {
        match open_ticket(db, &e).await? {
            Ok(new) => {
                ticket = new.map(|(id, code, new)| {
                    opened = new;
                    (id, code)
                });
            }
            Err(why) => refused = Some(why),
        }
    }
    let now_ms = e.now.millis();
    let mut batch = vec![
        conversations_sql::escalate(
            e.site.id,
            &conversation.id,
            e.reason.name(),
            e.reason.note(),
            refused.map(TicketRefused::name),
            now_ms,
        ),
        conversations_sql::take_seq(
            e.site.id,
            &conversation.id,
            AuthorKind::System.as_str(),
            now_ms,
            now_ms + TTL_MS,
        ),
        messages::insert_escalated(e.site.id, &conversation.id, now_ms),
    ];
    // A ticket that was already linked (opened now, `create` routed it) goes to its team now.
    if let (Some((_, code)), false) = (&ticket, opened) {
        batch.extend(super::routing::on_escalation(db, e.site, code, now_ms).await?);
    }
    if let Some((id, _)) = &ticket {
        batch.push(ticket_events::insert(
            e.site.id,
            id,
            &EventKind::Escalated {
                reason: e.reason.name().to_owned(),
            },
            &e.actor,
            now_ms,
        )?);
    }
    db.batch(batch).await?;
    Ok(Escalated::Now {
        ticket: ticket.map(|(_, code)| code),
        opened,
        refused,
    })
}

/// The automatic ticket: `Ok(Ok(Some((id, code, opened_now))))`, or why the site refused it.
#[allow(clippy::type_complexity)]
async fn open_ticket<E: Executor>(
    db: &E,
    e: &Escalation<'_>,
) -> Result<Result<Option<(String, String, bool)>, TicketRefused>, ServiceError> {
    if !e.site.ticketing_enabled {
        return Ok(Err(TicketRefused::TicketingOff));
    }
    let requester = conversations::requester(e.conversation);
    if e.site.contact_required && (requester.name.is_none() || requester.email.is_none()) {
        return Ok(Err(TicketRefused::ContactMissing));
    }
    let messages = conversations::all_messages(db, e.site, e.conversation).await?;
    let said: Vec<&str> = messages
        .iter()
        .filter(|m| m.author_kind == AuthorKind::Visitor.as_str())
        .map(|m| m.body.as_str())
        .collect();
    let subject = subject_from(said.first().copied().unwrap_or(""))?;
    let mut description = format!(
        "Handed to a person: {}.",
        Reason::words_for(e.reason.name())
    );
    if let Some(note) = e.reason.note() {
        description.push_str("\nThe bot's reason: ");
        description.push_str(note);
    }
    if !said.is_empty() {
        description.push_str("\n\nThe visitor wrote:\n");
        description.push_str(&said.join("\n\n"));
    }
    let description: String = description.chars().take(Description::MAX_CHARS).collect();
    let ticket = NewTicket {
        subject,
        description: Description::parse(&description)
            .map_err(|_| StoreError::RowShape("an escalation's description".into()))?,
        requester,
        transcript: conversations::transcript(&messages),
    };
    let created = tickets::create(
        db,
        CreateTicket {
            site: e.site,
            ticket,
            source: Source::Bot,
            idempotency_key: ticket_key(e)?,
            visitor: ticketbooth_shared::ids::VisitorId::parse(&e.conversation.visitor_id).ok(),
            assignee: None,
            assignee_chosen: false,
            actor: e.actor.clone(),
            conversation: Some(&e.conversation.id),
            priority: Priority::Normal,
            summary: None,
            classification: e.classification.clone(),
            transcript_from_visitor: false,
            fresh_id: e.fresh_id.clone(),
            now: e.now,
        },
    )
    .await;
    Ok(match created {
        Ok(Created::New { ticket, .. }) => Ok(Some((ticket.id, ticket.code, true))),
        Ok(Created::Replayed(ticket)) => Ok(Some((ticket.id, ticket.code, false))),
        Err(ServiceError::TicketingDisabled) => Err(TicketRefused::TicketingOff),
        Err(ServiceError::DailyCapReached { .. }) => Err(TicketRefused::DailyCap),
        // The conversation's key names another request (its ticket was deleted and the chat
        // changed since): no second automatic ticket.
        Err(ServiceError::IdempotencyKeyReused) => Ok(None),
        Err(other) => return Err(other),
    })
}

/// The visitor's first line as the subject, cut on a word to a subject's length; a plain
/// title when they wrote nothing.
fn subject_from(first: &str) -> Result<Subject, StoreError> {
    let line = first.lines().next().unwrap_or("");
    let mut subject = String::new();
    for word in line.split_whitespace() {
        if subject.chars().count() + word.chars().count() + 1 > Subject::MAX_CHARS {
            break;
        }
        if !subject.is_empty() {
            subject.push(' ');
        }
        subject.push_str(word);
    }
    Subject::parse(&subject)
        .or_else(|_| Subject::parse("Conversation handed to a person"))
        .map_err(|_| StoreError::RowShape("an escalation's subject".into()))
}

/// The automatic ticket's create key: one per conversation (a UUID v4 shape from SHA-256 of
/// the site and the conversation), so two escalations racing open one ticket.
fn ticket_key(e: &Escalation<'_>) -> Result<IdempotencyKey, ServiceError> {
    let digest = sha256::hex_digest(
        format!("escalation|{}|{}", e.site.key.as_ref(), e.conversation.id).as_bytes(),
    );
    let mut hex: Vec<u8> = digest.as_bytes()[..32].to_vec();
    hex[12] = b'4';
    let nibble = u8::from_str_radix(&digest[16..17], 16).unwrap_or(0);
    hex[16] = b"89ab"[usize::from(nibble & 0x3)];
    let hex = String::from_utf8(hex).map_err(|e| StoreError::RowShape(e.to_string()))?;
    IdempotencyKey::parse(&hex)
        .map_err(|_| StoreError::RowShape("a derived key is not a UUID v4".into()).into())
}

/// The operator hands the conversation back to the bot: the pause and the message count start
/// over (one statement, its own batch). Whether it was escalated.
pub async fn hand_back<E: Executor>(
    db: &E,
    site: &Site,
    conversation: &ConversationRow,
) -> Result<bool, ServiceError> {
    if conversation.escalated_at.is_none() {
        return Ok(false);
    }
    db.batch(vec![conversations_sql::hand_back(
        site.id,
        &conversation.id,
    )])
    .await?;
    Ok(true)
}

/// Whether the bot's answer just posted reaches the site's message limit: the count includes
/// it, and a conversation that already has a ticket never escalates this way.
pub fn limit_reached(site: &Site, answers: i64, has_ticket: bool) -> bool {
    site.escalate_after_messages > 0 && !has_ticket && answers >= site.escalate_after_messages
}
