//! Conversations: starting one, sending a message (idempotent), reading after a cursor, the
//! operators' inbox. Every query is scoped to the site; a visitor reaches only their own
//! conversations, and anything else is `NotFound` (never "forbidden": an id reveals nothing).

use ticketbooth_shared::Status;
use ticketbooth_shared::api::{ChatMessage, TicketCard, TranscriptAuthor};
use ticketbooth_shared::chat_message::{AuthorKind, MessageText};
use ticketbooth_shared::event::{Actor, EventKind};
use ticketbooth_shared::ids::{ConversationId, IdempotencyKey, VisitorId};
use ticketbooth_shared::new_ticket::{Requester, TranscriptLine};
use ticketbooth_shared::requester::{Email, RequesterName};
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::sites::Site;
use super::sla;
use crate::sql::conversations::{self, ConversationRow};
use crate::sql::messages::{self, MessageRow, NewMessage};
use crate::sql::ticket_conversations::LinkedTicketRow;
use crate::sql::{ticket_conversations, ticket_events};
use crate::store::{Executor, StoreError, decode, decode_first};

/// A conversation expires this long after its last message (or its start).
pub const TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// The most messages one read returns; a client pages on with the returned cursor.
pub const PAGE: i64 = 200;

/// The inbox shows at most this many conversations.
pub const INBOX_LIMIT: i64 = 100;

/// Who writes a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author<'a> {
    Visitor,
    Operator { id: &'a str, name: &'a str },
    Bot { name: &'a str },
    System,
}

impl Author<'_> {
    fn kind(&self) -> AuthorKind {
        match self {
            Author::Visitor => AuthorKind::Visitor,
            Author::Operator { .. } => AuthorKind::Operator,
            Author::Bot { .. } => AuthorKind::Bot,
            Author::System => AuthorKind::System,
        }
    }
}

/// Who is asking to read or write a conversation: its visitor, or an operator of the site
/// (whose membership the caller has already checked).
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    Visitor(&'a VisitorId),
    Operator,
}

#[derive(Debug)]
pub enum Sent {
    /// This request wrote the message.
    New(MessageRow),
    /// An earlier request with the same key and text wrote it; this is that message.
    Replayed(MessageRow),
}

impl Sent {
    pub fn row(&self) -> &MessageRow {
        match self {
            Sent::New(row) | Sent::Replayed(row) => row,
        }
    }
}

/// Starts a conversation of `visitor` with the contact it is known by (a signed identity's;
/// empty for an anonymous visitor): one batch, the insert and its read back.
pub async fn start<E: Executor>(
    db: &E,
    site: &Site,
    visitor: &VisitorId,
    id: &ConversationId,
    contact: &Requester,
    now: Timestamp,
) -> Result<ConversationRow, ServiceError> {
    let now_ms = now.millis();
    let mut results = db
        .batch(vec![
            conversations::insert(
                site.id,
                id.as_ref(),
                visitor.as_ref(),
                (
                    contact.name.as_ref().map(AsRef::as_ref),
                    contact.email.as_ref().map(AsRef::as_ref),
                ),
                now_ms,
                now_ms + TTL_MS,
            ),
            conversations::find(site.id, id.as_ref(), now_ms),
        ])
        .await?;
    let row = decode_first(results.pop().unwrap_or_default())?;
    Ok(row.ok_or_else(|| StoreError::RowShape("the new conversation was not read back".into()))?)
}

/// The live conversation `id` of this site, if `reader` may see it.
pub async fn find<E: Executor>(
    db: &E,
    site: &Site,
    reader: Reader<'_>,
    id: &ConversationId,
    now: Timestamp,
) -> Result<ConversationRow, ServiceError> {
    let row: Option<ConversationRow> = decode_first(
        db.query(conversations::find(site.id, id.as_ref(), now.millis()))
            .await?,
    )?;
    row.filter(|c| match reader {
        Reader::Visitor(visitor) => c.visitor_id == visitor.as_ref(),
        Reader::Operator => true,
    })
    .ok_or(ServiceError::NotFound)
}

/// Appends a message in ONE batch: take the conversation's next seq (moving its expiry), insert
/// the message, read it back. With an idempotency key, a retry of the same text returns the
/// message the first send wrote; another text under the same key is refused.
pub async fn send<E: Executor>(
    db: &E,
    site: &Site,
    conversation: &ConversationRow,
    author: Author<'_>,
    text: &MessageText,
    key: Option<&IdempotencyKey>,
    now: Timestamp,
) -> Result<Sent, ServiceError> {
    let now_ms = now.millis();
    let kind = author.kind().as_str();
    let (author_id, author_name) = match author {
        Author::Operator { id, name } => (Some(id), Some(name)),
        Author::Bot { name } => (None, Some(name)),
        Author::Visitor | Author::System => (None, None),
    };
    let id = conversation.id.as_str();
    let operator = matches!(author, Author::Operator { .. });
    let mut batch = vec![
        conversations::take_seq(site.id, id, kind, now_ms, now_ms + TTL_MS),
        messages::insert(NewMessage {
            site_id: site.id,
            conversation_id: id,
            author_kind: kind,
            author_id,
            author_name,
            body: text.as_ref(),
            now_ms,
            idempotency_key: key.map(AsRef::as_ref),
        }),
        messages::last(site.id, id),
    ];
    if operator {
        // A person's answer in the chat is the team's first response on its tickets (SLA).
        batch.insert(2, sla::on_conversation_reply(site.id, id, now_ms));
    }
    match db.batch(batch).await {
        Ok(mut results) => {
            let row = decode_first(results.pop().unwrap_or_default())?;
            // No row: the conversation was purged between the caller's read and this batch.
            row.map(Sent::New).ok_or(ServiceError::NotFound)
        }
        Err(StoreError::UniqueViolation(detail)) => {
            let Some(key) = key else {
                return Err(StoreError::Database(detail).into());
            };
            let earlier: Option<MessageRow> = decode_first(
                db.query(messages::find_by_key(site.id, id, key.as_ref()))
                    .await?,
            )?;
            match earlier {
                Some(m) if m.body == text.as_ref() && m.author_kind == kind => {
                    Ok(Sent::Replayed(m))
                }
                Some(_) => Err(ServiceError::IdempotencyKeyReused),
                None => Err(StoreError::Database(detail).into()),
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// The messages after the cursor `after` (oldest first, at most `PAGE`).
pub async fn messages_after<E: Executor>(
    db: &E,
    site: &Site,
    conversation: &ConversationRow,
    after: i64,
) -> Result<Vec<MessageRow>, ServiceError> {
    let rows = db
        .query(messages::after(
            site.id,
            &conversation.id,
            after.max(0),
            PAGE,
        ))
        .await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// Every message of the conversation (for an operator's page and a transcript snapshot).
pub async fn all_messages<E: Executor>(
    db: &E,
    site: &Site,
    conversation: &ConversationRow,
) -> Result<Vec<MessageRow>, ServiceError> {
    let rows = db
        .query(messages::after(
            site.id,
            &conversation.id,
            0,
            i64::MAX >> 11,
        ))
        .await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// The site's live conversations with messages, newest activity first.
pub async fn inbox<E: Executor>(
    db: &E,
    site_id: i64,
    now: Timestamp,
) -> Result<Vec<ConversationRow>, ServiceError> {
    let rows = db
        .query(conversations::inbox(site_id, now.millis(), INBOX_LIMIT))
        .await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// Keeps the contact details the visitor gave in the chat on their conversation (one
/// statement, its own batch). Whether anything changed: giving the same details again writes
/// nothing, so a retried request is harmless.
pub async fn set_contact<E: Executor>(
    db: &E,
    site: &Site,
    conversation: &ConversationRow,
    name: &RequesterName,
    email: &Email,
    now: Timestamp,
) -> Result<bool, ServiceError> {
    if conversation.requester_name.as_deref() == Some(name.as_ref())
        && conversation.requester_email.as_deref() == Some(email.as_ref())
    {
        return Ok(false);
    }
    db.batch(vec![conversations::set_contact(
        site.id,
        &conversation.id,
        &conversation.visitor_id,
        name.as_ref(),
        email.as_ref(),
        now.millis(),
    )])
    .await?;
    Ok(true)
}

/// The bot needed contact details the visitor has not given: a system message asks for them
/// (the widget shows its contact form there). ONE batch: the seq, the message. Not twice in a
/// row: a model that asks again finds the form already waiting.
pub async fn ask_for_contact<E: Executor>(
    db: &E,
    site: &Site,
    conversation: &ConversationRow,
    messages: &[MessageRow],
    now: Timestamp,
) -> Result<(), ServiceError> {
    if messages.last().is_some_and(|m| m.needs_contact != 0) {
        return Ok(());
    }
    let now_ms = now.millis();
    db.batch(vec![
        conversations::take_seq(
            site.id,
            &conversation.id,
            AuthorKind::System.as_str(),
            now_ms,
            now_ms + TTL_MS,
        ),
        messages::insert_needs_contact(site.id, &conversation.id, now_ms),
    ])
    .await?;
    Ok(())
}

/// The contact details kept on the conversation, as a ticket's requester (what the visitor
/// gave in the chat; either part absent until given).
pub fn requester(conversation: &ConversationRow) -> Requester {
    Requester {
        name: conversation
            .requester_name
            .as_deref()
            .and_then(|n| RequesterName::parse(n).ok()),
        email: conversation
            .requester_email
            .as_deref()
            .and_then(|e| Email::parse(e).ok()),
    }
}

/// An operator has seen the conversation up to `seq` (one statement, its own batch).
pub async fn mark_read<E: Executor>(
    db: &E,
    site_id: i64,
    conversation: &ConversationRow,
) -> Result<(), ServiceError> {
    db.batch(vec![conversations::mark_read(
        site_id,
        &conversation.id,
        conversation.visitor_seq,
    )])
    .await?;
    Ok(())
}

/// Whether the visitor wrote something no operator has seen yet.
pub fn unread(conversation: &ConversationRow) -> bool {
    conversation.visitor_seq > conversation.operator_read_seq
}

/// A message as the visitor sees it: the operator by name, never by id.
pub fn visitor_view(row: &MessageRow) -> Result<ChatMessage, StoreError> {
    let author = AuthorKind::parse(&row.author_kind)
        .map_err(|_| StoreError::RowShape(format!("author_kind {:?}", row.author_kind)))?;
    Ok(ChatMessage {
        seq: row.seq,
        author,
        author_name: row.author_name.clone(),
        text: row.body.clone(),
        created_at: Timestamp::from_millis(row.created_at).to_rfc3339(),
        ticket: ticket_card(row),
        // Only the visitor's own sends carry theirs (an operator's key is none of theirs).
        idempotency_key: row
            .idempotency_key
            .clone()
            .filter(|_| author == AuthorKind::Visitor),
        needs_contact: row.needs_contact != 0,
        escalated: row.escalated != 0,
    })
}

/// The card of a ticket opened from the conversation, as it is now (gone with the ticket).
fn ticket_card(row: &MessageRow) -> Option<TicketCard> {
    let status = Status::parse(row.ticket_status.as_deref()?).ok()?;
    Some(TicketCard {
        id: row.ticket_id.clone()?,
        code: row.ticket_code.clone()?,
        status,
        status_label: status.visitor_label().to_owned(),
    })
}

/// The conversation's messages as a ticket's transcript lines (the snapshot a ticket keeps
/// after the conversation is purged). System notes are not part of what was said, so they
/// are left out.
pub fn transcript(messages: &[MessageRow]) -> Vec<TranscriptLine> {
    messages
        .iter()
        .filter_map(|m| {
            let author = match AuthorKind::parse(&m.author_kind).ok()? {
                AuthorKind::Visitor => TranscriptAuthor::Visitor,
                AuthorKind::Bot => TranscriptAuthor::Bot,
                AuthorKind::Operator => TranscriptAuthor::Operator,
                AuthorKind::System => return None,
            };
            Some(TranscriptLine {
                author,
                text: m.body.clone(),
            })
        })
        .collect()
}

/// Links one more conversation to an existing ticket of the site, in ONE batch with its
/// `conversation_linked` event. Linking a conversation twice adds nothing but the event.
pub async fn attach<E: Executor>(
    db: &E,
    site: &Site,
    ticket_id: &str,
    conversation: &ConversationRow,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let now_ms = now.millis();
    db.batch(vec![
        ticket_conversations::insert(site.id, ticket_id, &conversation.id, now_ms),
        ticket_events::insert(
            site.id,
            ticket_id,
            &EventKind::ConversationLinked {
                conversation_id: conversation.id.clone(),
            },
            actor,
            now_ms,
        )?,
    ])
    .await?;
    Ok(())
}

/// The tickets the conversation is linked to, newest link first.
pub async fn tickets_of<E: Executor>(
    db: &E,
    site: &Site,
    conversation: &ConversationRow,
) -> Result<Vec<LinkedTicketRow>, ServiceError> {
    let rows = db
        .query(ticket_conversations::tickets_of(site.id, &conversation.id))
        .await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// The ids of the conversations linked to a ticket, oldest link first.
pub async fn linked_to_ticket<E: Executor>(
    db: &E,
    site: &Site,
    ticket_id: &str,
) -> Result<Vec<String>, ServiceError> {
    #[derive(serde::Deserialize)]
    struct Link {
        conversation_id: String,
    }
    let rows = db
        .query(ticket_conversations::for_ticket(site.id, ticket_id))
        .await?;
    rows.into_iter()
        .map(|r| decode::<Link>(r).map(|l| l.conversation_id))
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}
