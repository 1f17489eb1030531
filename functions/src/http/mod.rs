//! HTTP as plain data. The Worker adapter (`platform::entry`) converts workerd's request into a
//! `Request` and a `Response` back; everything between is host-testable Rust.

pub mod bulk;
pub mod cors;
pub mod error;
pub mod export;
pub mod list_query;
pub mod routes;
pub mod ticket_input;
pub mod visitor_json;

use serde::Serialize;
use ticketbooth_shared::ids::IdempotencyKey;

use error::ApiError;

use crate::service::conversations;
use crate::service::live_members::LiveMember;
use crate::sql::messages::MessageRow;

pub use export::Continuation;

/// Bodies above this are refused with 413 before being read. A maximal description (20,000
/// four-byte characters) with JSON escaping fits well inside.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    /// Declared or found larger than `MAX_BODY_BYTES`; not read.
    TooLarge,
}

#[derive(Debug, Clone)]
pub struct Request {
    /// Upper case, as sent.
    pub method: String,
    pub path: String,
    /// The query string without its `?` (empty when there is none).
    pub query: String,
    /// `scheme://host[:port]` of the URL this request was sent to: the Worker's own origin.
    pub own_origin: String,
    /// Header names lower case.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer <token>` header.
    /// The `Idempotency-Key` header, parsed: required on every create and send, so a retry
    /// never writes twice.
    pub fn idempotency_key(&self) -> Result<IdempotencyKey, ApiError> {
        let raw = self
            .header("idempotency-key")
            .ok_or(ApiError::IdempotencyKeyRequired)?;
        IdempotencyKey::parse(raw.trim()).map_err(|_| ApiError::IdempotencyKeyInvalid)
    }

    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Detail for the Worker's log, never for the client (e.g. the database error behind a 500).
    pub log: Option<String>,
    /// The rest of a body too big to build at once (the data export): `body` is its start,
    /// and the Worker streams the rest a page at a time (`export::next_chunk`).
    pub more: Option<Continuation>,
    /// What the Worker adapter does with the conversation's live room (a Durable Object)
    /// after this response: the core decides, `platform::entry` carries it out.
    pub live: Option<Live>,
    /// Work to do after the answer is sent, without delaying it (`Context::wait_until`).
    pub follow_up: Option<FollowUp>,
}

/// What the Worker does after answering.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    /// The site's bot answers the visitor's message just stored (`bot::respond`).
    Bot {
        site: ticketbooth_shared::site_key::SiteKey,
        conversation_id: String,
        visitor_id: String,
    },
    /// Hand the site's new webhook events to the Queue (`webhooks`).
    Notify { site_id: i64 },
}

impl Response {
    /// Asks for the site's outbox to be handed to the Queue after the answer: a change by an
    /// operator may have written mails (a public reply, a resolution, an assignment).
    pub fn handing_off(mut self, site_id: i64) -> Self {
        if self.follow_up.is_none() {
            self.follow_up = Some(FollowUp::Notify { site_id });
        }
        self
    }

    /// Asks for the site's new webhook events to be sent, when it has a webhook.
    pub fn notifying(mut self, site: &crate::service::sites::Site) -> Self {
        // A site that summarises has a job to hand off after a create, too.
        let summarises = crate::service::summaries::enabled(site);
        // And one that mails has the requester's mail to hand off (`mail_outbox`).
        let mails = site.email_enabled;
        // And one connected to a help desk a push (`service::sync_links::hand_off`).
        let syncs = site.syncs;
        if (site.webhook_url.is_some() || summarises || mails || syncs) && self.follow_up.is_none()
        {
            self.follow_up = Some(FollowUp::Notify { site_id: site.id });
        }
        self
    }
}

/// A conversation's live room (`platform::live_room::ConversationRoom`, one Durable Object per
/// conversation). D1 stays the record; the room only fans out what was written.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    /// The request was authorised to join: hand it (a WebSocket upgrade) to the room.
    Join { conversation_id: String },
    /// An operator's page was authorised to join: the room tags the socket with `member` and
    /// closes it once they are no longer a member of the site (`service::live_members`).
    JoinAsOperator {
        conversation_id: String,
        member: LiveMember,
    },
    /// A message was written: the room sends `payload` (a `ChatMessage` as JSON) to every
    /// socket.
    Broadcast {
        conversation_id: String,
        payload: String,
    },
}

/// The live room's copy of a message just written: what a visitor's socket receives (the
/// operator by name only, as on the read route).
pub fn broadcast(conversation_id: &str, row: &MessageRow) -> Result<Live, ApiError> {
    let message =
        conversations::visitor_view(row).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Live::Broadcast {
        conversation_id: conversation_id.to_owned(),
        payload: serde_json::to_string(&message).map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

impl Response {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        // Our API types always serialize; an empty object is a safe fallback regardless.
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Self {
            status,
            headers: vec![
                (
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                ),
                ("cache-control".into(), "no-store".into()),
                ("x-content-type-options".into(), "nosniff".into()),
            ],
            body,
            log: None,
            more: None,
            live: None,
            follow_up: None,
        }
    }

    /// A dashboard page. The CSP allows our own stylesheet and our own script files (the
    /// board's drag and drop, `/board.js`) and nothing else: no inline script or style, no
    /// framing.
    pub fn html(status: u16, page: String) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type".into(), "text/html; charset=utf-8".into()),
                ("cache-control".into(), "no-store".into()),
                ("x-content-type-options".into(), "nosniff".into()),
                (
                    "content-security-policy".into(),
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
                     frame-ancestors 'none'; base-uri 'none'"
                        .into(),
                ),
                ("referrer-policy".into(), "same-origin".into()),
            ],
            body: page.into_bytes(),
            log: None,
            more: None,
            live: None,
            follow_up: None,
        }
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            log: None,
            more: None,
            live: None,
            follow_up: None,
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
