//! Mail that arrives through Email Routing (the Worker's `email` handler), routed by its
//! recipient on the deployment's e-mail domain:
//! - `t-<reply_token>@<domain>`: about the ticket whose reply token that is (the token, not
//!   the guessable code, finds it, and its site scopes every statement after). From the
//!   requester's address (case-insensitive) it is the customer's reply — the same batch as
//!   the widget's thread (`visitor_thread`: reopens a resolved ticket, hands a ticket waiting
//!   on the customer back to the team, "Customer replied", the webhook) plus an
//!   `email_received` event listing the attachments. From anyone else it is held as an
//!   internal note with an `email_held` event, never taken as the customer's word.
//! - `<support_local>@<domain>`: a new ticket (source `email`) through `tickets::create`, so
//!   "ticket creation off" and the daily cap apply as to the widget.
//!
//! Loops: automatic mail (vacation notices, list mail) is dropped; a bounce marks the failed
//! address in `email_recipients` (and, to a reply address, records `email_bounced` on the
//! ticket); neither is ever answered. Each message is idempotent on its Message-ID (or, without
//! one, its bytes): the comment's idempotency key, or the create's, is derived from it, so a
//! message delivered twice makes one reply or one ticket.

use thiserror::Error;
use ticketbooth_shared::Priority;
use ticketbooth_shared::Status;
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::{Actor, CommentVisibility, EmailAttachment, EventKind, Source};
use ticketbooth_shared::ids::{IdempotencyKey, TicketId};
use ticketbooth_shared::new_ticket::{NewTicket, Requester};
use ticketbooth_shared::requester::{Email, RequesterName};
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::ticket_text::{Description, Subject};
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::WaitingOn;

use super::ServiceError;
use super::mail_message::{self, InboundMail, MailError, MailKind};
use super::quoted_text;
use super::sites;
use super::tickets::{self, CreateTicket, Created};
use crate::crypto::sha256;
use crate::sql::comments::{self, NewComment};
use crate::sql::tickets::ReplyTargetRow;
use crate::sql::{
    email_recipients, notifications, sites as sites_sql, ticket_events, ticket_search,
    tickets as tickets_sql,
};
use crate::store::{Executor, StoreError, decode_first};

/// One delivery: the SMTP envelope and the raw RFC 5322 message.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// MAIL FROM: empty (`<>`) for bounces.
    pub envelope_from: &'a str,
    /// RCPT TO: the address on our domain it was sent to.
    pub envelope_to: &'a str,
    pub raw: &'a [u8],
}

/// What became of a message that was accepted. `replayed`: the same message came before and
/// nothing was written again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Replied { replayed: bool },
    Held { replayed: bool },
    Opened { replayed: bool },
    Bounced { marked: bool },
    Dropped { why: &'static str },
}

impl Received {
    /// A word for the log line (no personal data).
    pub fn outcome(&self) -> &'static str {
        match self {
            Received::Replied { replayed: false } => "replied",
            Received::Held { replayed: false } => "held",
            Received::Opened { replayed: false } => "opened",
            Received::Replied { .. } | Received::Held { .. } | Received::Opened { .. } => {
                "replayed"
            }
            Received::Bounced { .. } => "bounced",
            Received::Dropped { .. } => "dropped",
        }
    }
}

/// Why a message is refused: its reason goes back to the sending server (`setReject`), so
/// each says what the sender can do.
#[derive(Debug, Error, PartialEq)]
pub enum MailRefused {
    #[error(transparent)]
    Unreadable(#[from] MailError),
    #[error("no such address here")]
    UnknownAddress,
    #[error("the message has no sender address")]
    NoSender,
    #[error("this ticket is closed; write to the support address to open a new one")]
    TicketClosed,
    #[error("this support address takes no new tickets at the moment")]
    CreationOff,
    #[error(
        "this support address has taken all the tickets it can today; please try again tomorrow"
    )]
    DailyCapReached,
}

#[derive(Debug, Error, PartialEq)]
pub enum InboundError {
    /// Refuse the message with this reason.
    #[error(transparent)]
    Refused(#[from] MailRefused),
    /// Our fault (the database): the message should be retried.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for InboundError {
    fn from(e: StoreError) -> Self {
        InboundError::Service(e.into())
    }
}

/// Whom a message is for, read from its recipient on `domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A ticket's reply address: its token (32 lower-case hex digits).
    Ticket(String),
    /// A site's support address: its local part, lower-cased.
    Support(String),
}

impl Recipient {
    /// `None` for another domain or a reply address whose token is malformed.
    pub fn parse(to: &str, domain: &str) -> Option<Self> {
        let to = to.trim().trim_matches(|c| c == '<' || c == '>');
        let (local, at) = to.rsplit_once('@')?;
        if domain.is_empty() || !at.eq_ignore_ascii_case(domain) {
            return None;
        }
        let local = local.to_ascii_lowercase();
        match local.strip_prefix("t-") {
            Some(token) => (token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| Recipient::Ticket(token.to_owned())),
            None => (!local.is_empty()).then_some(Recipient::Support(local)),
        }
    }
}

/// Receives one message for the deployment's e-mail `domain`. `fresh_id` is the id a new
/// ticket gets.
pub async fn receive<E: Executor>(
    db: &E,
    domain: &str,
    delivery: Delivery<'_>,
    fresh_id: TicketId,
    now: Timestamp,
) -> Result<Received, InboundError> {
    let recipient =
        Recipient::parse(delivery.envelope_to, domain).ok_or(MailRefused::UnknownAddress)?;
    let mail = mail_message::parse(delivery.raw, delivery.envelope_from)
        .map_err(MailRefused::Unreadable)?;
    let key = mail_key(mail.message_id.as_deref(), delivery.raw);
    match (&mail.kind, recipient) {
        (MailKind::Automatic { why }, _) => Ok(Received::Dropped { why }),
        (MailKind::Bounce { recipient, reason }, Recipient::Ticket(token)) => {
            let Some(ticket) = find_ticket(db, &token).await? else {
                // Never refuse a bounce: the refusal would bounce in turn.
                return Ok(Received::Dropped {
                    why: "bounce to an unknown address",
                });
            };
            let address = recipient.clone().or(ticket.requester_email.clone());
            bounce(db, ticket.site_id, Some(&ticket.id), address, reason, now).await
        }
        (MailKind::Bounce { recipient, reason }, Recipient::Support(local)) => {
            match support_site(db, &local).await? {
                Some(key) => {
                    let site = sites::load(db, &key).await?;
                    bounce(db, site.id, None, recipient.clone(), reason, now).await
                }
                None => Ok(Received::Dropped {
                    why: "bounce to an unknown address",
                }),
            }
        }
        (MailKind::Person, Recipient::Ticket(token)) => {
            let ticket = find_ticket(db, &token)
                .await?
                .ok_or(MailRefused::UnknownAddress)?;
            let from = mail.from.as_deref().ok_or(MailRefused::NoSender)?;
            let is_requester = ticket
                .requester_email
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(from));
            if is_requester {
                reply(db, &ticket, &mail, &key, now).await
            } else {
                hold(db, &ticket, &mail, from, &key, now).await
            }
        }
        (MailKind::Person, Recipient::Support(local)) => {
            let site_key = support_site(db, &local)
                .await?
                .ok_or(MailRefused::UnknownAddress)?;
            let site = sites::load(db, &site_key).await?;
            open(db, &site, &mail, key, fresh_id, now).await
        }
    }
}

async fn find_ticket<E: Executor>(
    db: &E,
    token: &str,
) -> Result<Option<ReplyTargetRow>, StoreError> {
    decode_first(db.query(tickets_sql::find_by_reply_token(token)).await?)
}

async fn support_site<E: Executor>(db: &E, local: &str) -> Result<Option<SiteKey>, StoreError> {
    #[derive(serde::Deserialize)]
    struct KeyRow {
        key: String,
    }
    let row: Option<KeyRow> =
        decode_first(db.query(sites_sql::key_by_support_local(local)).await?)?;
    row.map(|r| {
        SiteKey::parse(&r.key).map_err(|_| StoreError::RowShape(format!("site key {:?}", r.key)))
    })
    .transpose()
}

/// The customer's reply: the widget thread's batch, guarded on the ticket not being closed.
async fn reply<E: Executor>(
    db: &E,
    ticket: &ReplyTargetRow,
    mail: &InboundMail,
    key: &IdempotencyKey,
    now: Timestamp,
) -> Result<Received, InboundError> {
    let (site_id, id, now_ms) = (ticket.site_id, ticket.id.as_str(), now.millis());
    let actor = match &ticket.visitor_id {
        Some(visitor_id) => Actor::Visitor {
            visitor_id: visitor_id.clone(),
        },
        None => Actor::System,
    };
    let body = comment_body(&quoted_text::strip(&mail.text), &[]);
    let reopened = EventKind::StatusChanged {
        from: Status::Resolved,
        to: Status::Resolved.after_visitor_reply(),
    };
    let handed_back = EventKind::WaitingChanged {
        from: WaitingOn::Customer,
        to: WaitingOn::Team,
    };
    let received = EventKind::EmailReceived {
        attachments: mail.attachments.clone(),
    };
    let comment_added = EventKind::CommentAdded {
        visibility: CommentVisibility::Public,
    };
    let batch = vec![
        ticket_events::insert_mail_guarded(site_id, id, &comment_added, &actor, now_ms)?,
        ticket_events::insert(site_id, id, &received, &actor, now_ms)?,
        ticket_events::insert_if_status(site_id, id, "resolved", &reopened, &actor, now_ms)?,
        ticket_events::insert_if_waiting_on_customer(site_id, id, &handed_back, &actor, now_ms)?,
        comments::insert_email_reply(site_id, id, body.as_ref(), now_ms, key.as_ref()),
        tickets_sql::after_visitor_reply(site_id, id, now_ms),
        ticket_search::refresh(site_id, id),
        notifications::insert_visitor_replied(site_id, id, key.as_ref(), now_ms),
    ];
    match db.batch(batch).await {
        Ok(_) => Ok(Received::Replied { replayed: false }),
        // The comment's key: this Message-ID was taken on this ticket before.
        Err(StoreError::UniqueViolation(_)) => Ok(Received::Replied { replayed: true }),
        Err(StoreError::CheckViolation(_)) => Err(MailRefused::TicketClosed.into()),
        Err(other) => Err(other.into()),
    }
}

/// Mail to the ticket from someone else: an internal note the team can act on.
async fn hold<E: Executor>(
    db: &E,
    ticket: &ReplyTargetRow,
    mail: &InboundMail,
    from: &str,
    key: &IdempotencyKey,
    now: Timestamp,
) -> Result<Received, InboundError> {
    let (site_id, id, now_ms) = (ticket.site_id, ticket.id.as_str(), now.millis());
    let text = format!(
        "E-mail from {from}, held: not the requester's address, so not sent on as their reply.\n\n{}",
        quoted_text::strip(&mail.text)
    );
    let body = comment_body(&text, &mail.attachments);
    let batch = vec![
        ticket_events::insert(
            site_id,
            id,
            &EventKind::EmailHeld {
                from: from.to_owned(),
            },
            &Actor::System,
            now_ms,
        )?,
        comments::insert(NewComment {
            site_id,
            ticket_id: id,
            visibility: "internal",
            author_kind: "system",
            author_id: None,
            author_name: "E-mail",
            body: body.as_ref(),
            now_ms,
            idempotency_key: Some(key.as_ref()),
        }),
        ticket_search::refresh(site_id, id),
    ];
    match db.batch(batch).await {
        Ok(_) => Ok(Received::Held { replayed: false }),
        Err(StoreError::UniqueViolation(_)) => Ok(Received::Held { replayed: true }),
        Err(other) => Err(other.into()),
    }
}

/// A new ticket from mail to the support address: the create every path converges on.
async fn open<E: Executor>(
    db: &E,
    site: &sites::Site,
    mail: &InboundMail,
    key: IdempotencyKey,
    fresh_id: TicketId,
    now: Timestamp,
) -> Result<Received, InboundError> {
    let from = mail.from.as_deref().ok_or(MailRefused::NoSender)?;
    let subject = truncate(mail.subject.trim(), Subject::MAX_CHARS);
    let subject = if subject.is_empty() {
        "(no subject)".to_owned()
    } else {
        subject
    };
    let description = with_attachments(&quoted_text::strip(&mail.text), &mail.attachments);
    let ticket = NewTicket {
        subject: Subject::parse(&subject)
            .map_err(|_| MailRefused::Unreadable(MailError::Unreadable))?,
        description: Description::parse(&truncate(&description, Description::MAX_CHARS))
            .map_err(|_| MailRefused::Unreadable(MailError::Unreadable))?,
        requester: Requester {
            name: mail
                .from_name
                .as_deref()
                .and_then(|n| RequesterName::parse(&truncate(n, RequesterName::MAX_CHARS)).ok()),
            email: Email::parse(from).ok(),
        },
        transcript: Vec::new(),
    };
    let created = tickets::create(
        db,
        CreateTicket {
            site,
            ticket,
            source: Source::Email,
            idempotency_key: key,
            visitor: None,
            assignee: None,
            assignee_chosen: false,
            actor: Actor::System,
            conversation: None,
            priority: Priority::Normal,
            summary: None,
            classification: Default::default(),
            transcript_from_visitor: false,
            fresh_id,
            now,
        },
    )
    .await;
    match created {
        Ok(Created::New { .. }) => Ok(Received::Opened { replayed: false }),
        Ok(Created::Replayed(_)) | Err(ServiceError::IdempotencyKeyReused) => {
            Ok(Received::Opened { replayed: true })
        }
        Err(ServiceError::TicketingDisabled) => Err(MailRefused::CreationOff.into()),
        Err(ServiceError::DailyCapReached { .. }) => Err(MailRefused::DailyCapReached.into()),
        Err(other) => Err(other.into()),
    }
}

/// Marks the failed address bounced (and says so on the ticket, when the bounce came back to
/// its reply address). A report that names no address, about a ticket without one, changes
/// nothing.
async fn bounce<E: Executor>(
    db: &E,
    site_id: i64,
    ticket: Option<&str>,
    address: Option<String>,
    reason: &str,
    now: Timestamp,
) -> Result<Received, InboundError> {
    let Some(address) = address else {
        return Ok(Received::Bounced { marked: false });
    };
    let now_ms = now.millis();
    let mut batch = vec![email_recipients::mark_bounced(
        site_id, &address, reason, now_ms,
    )];
    if let Some(ticket) = ticket {
        batch.push(ticket_events::insert(
            site_id,
            ticket,
            &EventKind::EmailBounced {
                address: address.clone(),
            },
            &Actor::System,
            now_ms,
        )?);
    }
    db.batch(batch).await?;
    Ok(Received::Bounced { marked: true })
}

/// The message's idempotency key: a UUID v4 made of the SHA-256 of its Message-ID (or of its
/// bytes, without one), in the shape every key has.
fn mail_key(message_id: Option<&str>, raw: &[u8]) -> IdempotencyKey {
    let digest = match message_id {
        Some(id) => sha256::hex_digest(format!("message-id:{}", id.trim()).as_bytes()),
        None => sha256::hex_digest(raw),
    };
    let mut hex: Vec<u8> = digest.into_bytes();
    hex.truncate(32);
    // Version 4 (the 13th digit) and the RFC 4122 variant (the 17th: 8, 9, a or b).
    hex[12] = b'4';
    hex[16] = b"89ab"[usize::from(hex[16] % 4)];
    let hex = String::from_utf8(hex).unwrap_or_default();
    // Built to the rule `parse` checks, so the fallback never runs; it keeps this total.
    IdempotencyKey::parse(&hex)
        .unwrap_or_else(|_| IdempotencyKey::parse("00000000000040008000000000000000").expect("v4"))
}

/// The text as a comment: cut to the limit with a note, "(no text)" when empty, and the
/// attachments listed when given.
fn comment_body(text: &str, attachments: &[EmailAttachment]) -> CommentBody {
    let text = with_attachments(text, attachments);
    let text = if text.trim().is_empty() {
        "(no text)".to_owned()
    } else {
        truncate(&text, CommentBody::MAX_CHARS)
    };
    CommentBody::parse(&text).unwrap_or_else(|_| CommentBody::parse("(no text)").expect("fits"))
}

/// `text`, then "Attachments (not kept): name (size), …" when there are any.
fn with_attachments(text: &str, attachments: &[EmailAttachment]) -> String {
    if attachments.is_empty() {
        return text.to_owned();
    }
    let list: Vec<String> = attachments
        .iter()
        .map(|a| format!("{} ({})", a.name, size(a.bytes)))
        .collect();
    let list = format!("Attachments (not kept): {}", list.join(", "));
    if text.trim().is_empty() {
        list
    } else {
        format!("{text}\n\n{list}")
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// At most `max` characters, the cut marked.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_on_our_domain_only() {
        let token = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            Recipient::parse(
                &format!("<T-{}@Mail.Example.com>", token.to_uppercase()),
                "mail.example.com"
            ),
            Some(Recipient::Ticket(token.into()))
        );
        assert_eq!(
            Recipient::parse("Help@mail.example.com", "mail.example.com"),
            Some(Recipient::Support("help".into()))
        );
        assert_eq!(
            Recipient::parse("help@other.example", "mail.example.com"),
            None
        );
        assert_eq!(
            Recipient::parse("t-42@mail.example.com", "mail.example.com"),
            None
        );
        assert_eq!(Recipient::parse("nobody", "mail.example.com"), None);
        assert_eq!(Recipient::parse("help@", ""), None);
    }

    #[test]
    fn keys_are_v4_and_stable() {
        let a = mail_key(Some("<abc@example.com>"), b"x");
        assert_eq!(a, mail_key(Some("<abc@example.com>"), b"y"));
        assert_ne!(a, mail_key(Some("<abd@example.com>"), b"x"));
        assert_eq!(mail_key(None, b"x"), mail_key(None, b"x"));
        assert_ne!(mail_key(None, b"x"), mail_key(None, b"y"));
    }

    #[test]
    fn long_text_is_cut_and_attachments_listed() {
        let body = comment_body(&"x".repeat(20_000), &[]);
        assert_eq!(body.as_ref().chars().count(), CommentBody::MAX_CHARS);
        let body = comment_body(
            "",
            &[EmailAttachment {
                name: "a.pdf".into(),
                bytes: 2048,
            }],
        );
        assert_eq!(body.as_ref(), "Attachments (not kept): a.pdf (2 KB)");
        assert_eq!(comment_body("  ", &[]).as_ref(), "(no text)");
    }
}
