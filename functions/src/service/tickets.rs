//! Tickets: the one create function every creation path converges on, and the visitor's reads.

use ticketbooth_shared::api::VisitorTicket;
use ticketbooth_shared::classification::Classification;
use ticketbooth_shared::event::{Actor, Classes, EventKind, Source};
use ticketbooth_shared::ids::{IdempotencyKey, TicketId, VisitorId};
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::ticket_text::Summary;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::WaitingOn;
use ticketbooth_shared::{Priority, Status};

use super::ServiceError;
use super::conversations::TTL_MS as CONVERSATION_TTL_MS;
use super::mail;
use super::sites::Site;
use super::sla;
use super::summaries;
use crate::crypto::sha256;
use crate::sql::conversations;
use crate::sql::messages::{self, MessageRow};
use crate::sql::notifications;
use crate::sql::tickets::{NewTicketRow, VisitorTicketRow};
use crate::sql::{
    idempotency_keys, sites, ticket_conversations, ticket_events, ticket_search, tickets,
};
use crate::store::{Executor, StoreError, decode, decode_first};

/// Everything `create` needs. Ids and time come from the caller so the service stays
/// deterministic under test.
pub struct CreateTicket<'a> {
    pub site: &'a Site,
    pub ticket: NewTicket,
    pub source: Source,
    pub idempotency_key: IdempotencyKey,
    /// The visitor who may read the ticket later (widget creations).
    pub visitor: Option<VisitorId>,
    /// The operator it starts assigned to (an operator's own ticket is theirs).
    pub assignee: Option<&'a str>,
    /// The creator chose `assignee` (someone else, or nobody) rather than taking the ticket:
    /// the choice is part of the request's fingerprint, and an `assigned` event records it.
    pub assignee_chosen: bool,
    pub actor: Actor,
    /// The conversation the ticket grows out of: linked in the same batch, with a
    /// `conversation_linked` event (the caller has checked it is the requester's and has put
    /// its transcript into `ticket`).
    pub conversation: Option<&'a str>,
    /// Normal unless the creator chose (a bot's `open_ticket`).
    pub priority: Priority,
    /// A bot's summary of the conversation.
    pub summary: Option<&'a Summary>,
    /// The topic and intent the creator gave (the bot's `open_ticket`, an operator, the API):
    /// stored on the ticket, with a `classified` event naming who classified it.
    pub classification: Classification,
    /// `ticket.transcript` is what the visitor's browser sent: stored marked as the visitor's
    /// unverified account, never as the team's or the bot's own words (a widget create without
    /// a conversation). False when the server took it from a conversation it holds, or a
    /// member of the team gave it.
    pub transcript_from_visitor: bool,
    /// The id the ticket gets if this request creates it.
    pub fresh_id: TicketId,
    pub now: Timestamp,
}

// One value per create, returned and taken apart at once (never stored in bulk): the size of
// the `New` variant (a message row) costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Created {
    /// This request made the ticket; `card` is the system message it added to the
    /// conversation it came from (to broadcast to that conversation's live room).
    New {
        ticket: VisitorTicketRow,
        card: Option<MessageRow>,
    },
    /// An earlier request with the same key and body made it; this is that ticket.
    Replayed(VisitorTicketRow),
}

/// Creates a ticket in ONE batch: claim the idempotency key, take the site's next number,
/// insert the ticket, append its `created` event, read it back. If the key was claimed before,
/// the batch rolls back whole and the earlier ticket is returned — or refused, when the earlier
/// request differed.
pub async fn create<E: Executor>(db: &E, cmd: CreateTicket<'_>) -> Result<Created, ServiceError> {
    let visitor_side = is_visitor_side(cmd.source);
    // "Ticket creation off" stops every path a visitor can drive — the widget and bots (in the
    // chat, over the tool routes, over MCP) alike; operators still record tickets (a phone
    // call, an email).
    if !cmd.site.ticketing_enabled && visitor_side {
        return Err(ServiceError::TicketingDisabled);
    }
    let site_id = cmd.site.id;
    let key = cmd.idempotency_key.as_ref();
    let mut hash = fingerprint(&cmd.ticket, cmd.source, cmd.conversation);
    // What only a bot sets is part of its request (and leaves other fingerprints as they were).
    if cmd.priority != Priority::Normal || cmd.summary.is_some() {
        let extra = serde_json::json!([
            hash,
            cmd.priority.as_str(),
            cmd.summary.map(AsRef::<str>::as_ref)
        ]);
        hash = sha256::hex_digest(extra.to_string().as_bytes());
    }
    // And a classification: a retry that classifies otherwise is another request.
    if !cmd.classification.is_empty() {
        let extra = serde_json::json!([hash, { "classes": classes(&cmd.classification) }]);
        hash = sha256::hex_digest(extra.to_string().as_bytes());
    }
    // Likewise an operator's choice of assignee: a retry naming someone else is another request.
    if cmd.assignee_chosen {
        let extra = serde_json::json!([hash, { "assignee": cmd.assignee }]);
        hash = sha256::hex_digest(extra.to_string().as_bytes());
    }
    let id = cmd.fresh_id.as_ref();
    let now_ms = cmd.now.millis();
    let requester = &cmd.ticket.requester;
    // The daily cap bounds what visitors can make the site write, by the widget or through a
    // bot, while operators and API scripts are members of the site.
    let cap_since = visitor_side.then(|| utc_midnight_ms(now_ms));

    let mut batch = vec![
        idempotency_keys::insert(site_id, key, &hash, id, now_ms),
        sites::take_ticket_number(site_id),
        tickets::insert_numbered(
            NewTicketRow {
                site_id,
                id,
                subject: cmd.ticket.subject.as_ref(),
                description: cmd.ticket.description.as_ref(),
                source: cmd.source.as_str(),
                requester_name: requester.name.as_ref().map(AsRef::as_ref),
                requester_email: requester.email.as_ref().map(AsRef::as_ref),
                visitor_id: cmd.visitor.as_ref().map(AsRef::as_ref),
                assignee_id: cmd.assignee,
                transcript_json: transcript_json(&cmd.ticket),
                transcript_from_visitor: cmd.transcript_from_visitor
                    && !cmd.ticket.transcript.is_empty(),
                now_ms,
                priority: cmd.priority.as_str(),
                summary: cmd.summary.map(AsRef::as_ref),
                topic: cmd.classification.topic.as_ref().map(AsRef::as_ref),
                intent: cmd.classification.intent.as_ref().map(AsRef::as_ref),
            },
            cap_since,
        ),
        ticket_events::insert_created(
            site_id,
            id,
            &EventKind::Created { source: cmd.source },
            &cmd.actor,
            now_ms,
        )?,
    ];
    if let (true, Some(assignee)) = (cmd.assignee_chosen, cmd.assignee) {
        // Who gave the ticket to whom, as the assign action records it.
        batch.push(ticket_events::insert(
            site_id,
            id,
            &EventKind::Assigned {
                from: None,
                to: Some(assignee.to_owned()),
                rule: None,
            },
            &cmd.actor,
            now_ms,
        )?);
    }
    if !cmd.classification.is_empty() {
        // Who classified it first (the bot, or the operator who made it) stays on the trail
        // after someone reclassifies it.
        batch.push(ticket_events::insert(
            site_id,
            id,
            &EventKind::Classified {
                from: Classes::default(),
                to: classes(&cmd.classification),
            },
            &cmd.actor,
            now_ms,
        )?);
    }
    if let Some(conversation) = cmd.conversation {
        // The conversation gets a system message carrying the ticket: the widget's card.
        batch.push(conversations::take_seq(
            site_id,
            conversation,
            "system",
            now_ms,
            now_ms + CONVERSATION_TTL_MS,
        ));
        batch.push(messages::insert_ticket_card(
            site_id,
            conversation,
            id,
            now_ms,
        ));
        batch.push(ticket_conversations::insert(
            site_id,
            id,
            conversation,
            now_ms,
        ));
        batch.push(ticket_events::insert(
            site_id,
            id,
            &EventKind::ConversationLinked {
                conversation_id: conversation.to_owned(),
            },
            &cmd.actor,
            now_ms,
        )?);
    }
    if super::routing::routes_on_create(cmd.source) {
        batch.extend(route(&cmd, id, now_ms)?);
    }
    batch.push(ticket_search::refresh(site_id, id));
    batch.extend(sla::on_created(
        cmd.site.sla.as_ref(),
        site_id,
        id,
        cmd.priority,
        now_ms,
    ));
    // Owed an AI summary (written later, through the Queue): every create path comes here.
    if summaries::wanted_on_create(cmd.site, &cmd.ticket, cmd.summary.is_some()) {
        batch.push(tickets::want_summary(site_id, id, now_ms));
    }
    // A bot's `summary` argument: the model wrote it.
    if cmd.summary.is_some() {
        batch.push(tickets::summary_by_provider(site_id, id));
    }
    // The webhook's event, in the same batch (written only when the site has a webhook).
    batch.push(notifications::insert_ticket_created(site_id, id, now_ms));
    // The requester's "we have your ticket" and the chosen assignee's notice (`mail`).
    batch.extend(mail::received(site_id, id, now_ms));
    if let (true, Some(assignee)) = (cmd.assignee_chosen, cmd.assignee) {
        let by = match &cmd.actor {
            Actor::Operator { operator_id } => Some(operator_id.as_str()),
            _ => None,
        };
        batch.extend(mail::assigned(site_id, id, assignee, by, now_ms));
    }
    if let Some(conversation) = cmd.conversation {
        batch.push(messages::last(site_id, conversation));
    }
    batch.push(tickets::find_for_visitor_view(site_id, id));

    match db.batch(batch).await {
        Ok(mut results) => {
            let row = results.pop().and_then(|rows| rows.into_iter().next());
            let row = row.ok_or_else(|| {
                StoreError::RowShape("the created ticket was not read back".into())
            })?;
            let card = match cmd.conversation {
                Some(_) => decode_first(results.pop().unwrap_or_default())?,
                None => None,
            };
            Ok(Created::New {
                ticket: decode(row)?,
                card,
            })
        }
        Err(StoreError::UniqueViolation(detail)) => {
            #[derive(serde::Deserialize)]
            struct Claimed {
                request_hash: String,
                #[serde(flatten)]
                ticket: VisitorTicketRow,
            }
            let claimed: Option<Claimed> = decode_first(
                db.query(tickets::find_by_idempotency_key(site_id, key))
                    .await?,
            )?;
            match claimed {
                Some(c) if c.request_hash == hash => Ok(Created::Replayed(c.ticket)),
                Some(_) => Err(ServiceError::IdempotencyKeyReused),
                // The constraint that failed was not the key's: a real fault, not a replay.
                None => Err(StoreError::Database(detail).into()),
            }
        }
        Err(StoreError::CheckViolation(_)) => Err(ServiceError::DailyCapReached {
            retry_after_secs: (utc_midnight_ms(now_ms) + DAY_MS - now_ms + 999) / 1000,
        }),
        Err(other) => Err(other.into()),
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A visitor's, bot's or e-mail's new ticket goes to the team of the site's first matching
/// routing rule (it has no labels yet), and to that team's next member unless the creator
/// chose an assignee.
fn route(
    cmd: &CreateTicket<'_>,
    id: &str,
    now_ms: i64,
) -> Result<Vec<crate::store::Statement>, StoreError> {
    let facts = ticketbooth_shared::routing::Facts {
        labels: Vec::new(),
        topic: cmd.classification.topic.clone(),
        intent: cmd.classification.intent.clone(),
        source: cmd.source,
        priority: cmd.priority,
    };
    super::routing::statements(cmd.site, id, &facts, cmd.assignee.is_none(), now_ms)
}

/// Whether tickets from `source` are ones a visitor can make the site write — the widget's,
/// and a bot's (whose model a visitor's words steer) — and so obey the site's "ticket creation
/// off" and daily cap, as does mail to the support address (anyone can write it). Operators
/// and the operator API are members of the site.
pub fn is_visitor_side(source: Source) -> bool {
    match source {
        Source::Widget | Source::Bot | Source::Email => true,
        Source::Operator | Source::Api => false,
    }
}

/// The start of the UTC day `ms` falls in.
fn utc_midnight_ms(ms: i64) -> i64 {
    ms - ms.rem_euclid(DAY_MS)
}

/// The visitor's own ticket, or `TicketNotFound` — also when it exists but is someone else's,
/// so a token never reveals whether a ticket id is real.
pub async fn find_for_visitor<E: Executor>(
    db: &E,
    site: &Site,
    visitor: &VisitorId,
    id: &TicketId,
) -> Result<VisitorTicketRow, ServiceError> {
    let row: Option<VisitorTicketRow> = decode_first(
        db.query(tickets::find_for_visitor_view(site.id, id.as_ref()))
            .await?,
    )?;
    row.filter(|r| r.visitor_id.as_deref() == Some(visitor.as_ref()))
        .ok_or(ServiceError::TicketNotFound)
}

pub async fn list_for_visitor<E: Executor>(
    db: &E,
    site: &Site,
    visitor: &VisitorId,
) -> Result<Vec<VisitorTicketRow>, ServiceError> {
    let rows = db
        .query(tickets::list_for_visitor(site.id, visitor.as_ref()))
        .await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// The visitor-facing view of a row: nothing internal is even selected.
pub fn visitor_view(row: VisitorTicketRow) -> Result<VisitorTicket, StoreError> {
    let status = Status::parse(&row.status)
        .map_err(|_| StoreError::RowShape(format!("status {:?}", row.status)))?;
    // The generated column says `team`/`customer` only while pending (migration 0024).
    let waiting_on = match row.waiting_on.as_deref() {
        None => None,
        Some(side) => Some(
            WaitingOn::parse(side)
                .map_err(|_| StoreError::RowShape(format!("waiting_on {side:?}")))?,
        ),
    };
    Ok(VisitorTicket {
        id: row.id,
        code: row.code,
        subject: row.subject,
        description: row.description,
        status,
        status_label: match waiting_on {
            Some(side) => side.visitor_label(status),
            None => status.visitor_label(),
        }
        .to_owned(),
        created_at: Timestamp::from_millis(row.created_at).to_rfc3339(),
        updated_at: Timestamp::from_millis(row.updated_at).to_rfc3339(),
        latest_reply: row.latest_reply,
        waiting_on,
    })
}

/// SHA-256 over a canonical rendering of the parsed request, so a retry that differs only in
/// JSON formatting or surrounding whitespace still counts as the same request. A ticket from a
/// conversation is fingerprinted by the conversation's id, not by the transcript the server
/// snapshotted from it: a retry after the chat moved on is still the same request.
fn fingerprint(ticket: &NewTicket, source: Source, conversation: Option<&str>) -> String {
    if let Some(conversation) = conversation {
        let canonical = serde_json::json!([
            source.as_str(),
            ticket.subject.as_ref(),
            ticket.description.as_ref(),
            ticket.requester.name.as_ref().map(AsRef::<str>::as_ref),
            ticket.requester.email.as_ref().map(AsRef::<str>::as_ref),
            { "conversation": conversation },
        ]);
        return sha256::hex_digest(canonical.to_string().as_bytes());
    }
    let canonical = serde_json::json!([
        source.as_str(),
        ticket.subject.as_ref(),
        ticket.description.as_ref(),
        ticket.requester.name.as_ref().map(AsRef::<str>::as_ref),
        ticket.requester.email.as_ref().map(AsRef::<str>::as_ref),
        ticket
            .transcript
            .iter()
            .map(|l| (l.author, &l.text))
            .collect::<Vec<_>>(),
    ]);
    sha256::hex_digest(canonical.to_string().as_bytes())
}

fn transcript_json(ticket: &NewTicket) -> String {
    let lines: Vec<_> = ticket
        .transcript
        .iter()
        .map(|l| serde_json::json!({ "author": l.author, "text": l.text }))
        .collect();
    serde_json::Value::Array(lines).to_string()
}

/// A classification as an event records it.
pub fn classes(c: &Classification) -> Classes {
    Classes {
        topic: c.topic.as_ref().map(|t| t.as_ref().to_owned()),
        intent: c.intent.as_ref().map(|i| i.as_ref().to_owned()),
    }
}
