//! The JSON shapes of the public widget API. A wire contract: a widget cached on a customer's
//! site must keep working against a newer Worker, so change these additively only (new fields
//! optional, nothing renamed or removed).
//!
//! Both sides compile against these types: the Worker (de)serializes them with serde_json, the
//! widget with serde-wasm-bindgen (request bodies, replies, and the values it exchanges with
//! the host page through `window.Ticketbooth` and its events), so a renamed field fails to
//! compile on both sides.
//!
//! Request fields all default, so a missing field reaches validation and gets a field error
//! (422) rather than a parse error (400).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Status;

/// `GET /api/v1/sites/{site}/config`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteConfig {
    pub site: String,
    /// Ticketing switched on for this site; when false the widget hides the CTA.
    pub enabled: bool,
    /// Name and email must be given (or the visitor identified) before a ticket is opened.
    pub contact_required: bool,
    pub cta_label: String,
    pub code_prefix: String,
    /// BCP 47 tag of the site's default locale, e.g. `en` or `fr`.
    pub locale: String,
    /// Cloudflare Turnstile's site key when the site asks widget tickets for a human check:
    /// the widget renders Turnstile with it and sends the token as `turnstile_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnstile_site_key: Option<String>,
    /// Where the widget loads Turnstile's script from, named only with `turnstile_site_key`:
    /// the Worker's configuration (Cloudflare's explicit-render script unless changed, e.g. a
    /// local stand-in in tests), never a tenant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnstile_script_url: Option<String>,
}

/// `POST /api/v1/sites/{site}/tickets` (with an `Idempotency-Key` header).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateTicketRequest {
    pub subject: String,
    pub description: String,
    pub requester: Option<RequesterInput>,
    /// The chat so far, oldest first, as the host page or the bot saw it.
    pub transcript: Vec<TranscriptEntry>,
    /// The Turnstile widget's token, when the site's config names a `turnstile_site_key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turnstile_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequesterInput {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptAuthor {
    Visitor,
    Bot,
    Operator,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub author: TranscriptAuthor,
    pub text: String,
}

/// A ticket as its visitor may see it: nothing internal (no assignee, priority, labels,
/// internal comments or operator notes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorTicket {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub description: String,
    pub status: Status,
    /// `Status::visitor_label`, for clients without their own locale table.
    pub status_label: String,
    pub created_at: String,
    pub updated_at: String,
    /// In the visitor's list only: the id of the team's latest customer-facing comment (ids
    /// only grow), so a client marks the ticket unread while it has seen a lower one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_reply: Option<i64>,
    /// Whom a pending ticket waits on (`customer`: the team asked the visitor something and
    /// waits for their reply); absent for every other status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_on: Option<crate::waiting::WaitingOn>,
}

/// The reply to a create: 201 when made, 200 when an `Idempotency-Key` replay returns the
/// ticket made before (same body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTicketResponse {
    pub ticket: VisitorTicket,
    /// Send as `Authorization: Bearer …` to read this visitor's tickets later; send it on the
    /// next create too, so all of a visitor's tickets share one token. Absent on a replay by a
    /// caller who did not prove to be the ticket's visitor: knowing a request is not a
    /// credential, so a replay never hands one out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_token: Option<String>,
}

/// `GET /api/v1/sites/{site}/tickets` (the visitor's own, newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorTicketList {
    pub tickets: Vec<VisitorTicket>,
}

/// Every error, from every route: `{ "error": { "code", "message", "fields" } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Machine-readable, stable: `validation_failed`, `not_found`, …
    pub code: String,
    /// For humans, in English.
    pub message: String,
    /// Per-field messages keyed by the field's JSON path (`subject`, `requester.email`); empty
    /// unless `code` is `validation_failed`.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// `Ticketbooth.openTicket({subject, description, transcript})` on the host page: a draft the
/// host's chat hands over. Every field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketPrefill {
    pub subject: String,
    pub description: String,
    pub transcript: Vec<TranscriptEntry>,
}

/// The `detail` of the `ticketbooth:ticket-created` event the widget dispatches on the host
/// page (`Ticketbooth.identify(...)` takes a `RequesterInput`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCreatedDetail {
    pub code: String,
}

/// The `detail` of the `ticketbooth:message` event the widget dispatches on the host page for
/// each message that arrives in the chat (from the bot, an operator or the system).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEventDetail {
    pub author: crate::chat_message::AuthorKind,
    pub text: String,
}

/// A frame of the conversation's live room that is not a message: the bot's reply while it
/// streams, `{"typing": {"author": "bot", "author_name", "text"}}` (the text so far).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingFrame {
    pub typing: TypingText,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingText {
    pub author: crate::chat_message::AuthorKind,
    #[serde(default)]
    pub author_name: Option<String>,
    pub text: String,
}

/// The `detail` of the `ticketbooth:unread` event: the launcher's count of messages that
/// arrived while the panel was closed (0 when the visitor opens it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadEventDetail {
    pub count: u32,
}

/// Field keys as they appear in `ErrorDetail::fields`.
pub mod field {
    pub const SUBJECT: &str = "subject";
    pub const DESCRIPTION: &str = "description";
    pub const REQUESTER_NAME: &str = "requester.name";
    pub const REQUESTER_EMAIL: &str = "requester.email";
    pub const TRANSCRIPT: &str = "transcript";
}

/// `POST /api/v1/sites/{site}/conversations` (201): a new conversation of the visitor the
/// token names, or of a new visitor when there is no valid token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartConversationResponse {
    pub conversation: VisitorConversation,
    /// The visitor's token (renewed): send it as `Authorization: Bearer …` on the
    /// conversation's routes, and on ticket creates, so they share one identity.
    pub visitor_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorConversation {
    pub id: String,
    /// 24 hours after the last message; then the conversation and its messages are deleted.
    pub expires_at: String,
}

/// `POST …/conversations/{id}/messages` (with an `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageRequest {
    #[serde(default)]
    pub text: String,
}

/// One message of a conversation as the visitor sees it (an operator by name only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Per-conversation, increasing from 1: the cursor for `?after=`.
    pub seq: i64,
    pub author: crate::chat_message::AuthorKind,
    /// The operator's (or bot's) display name; absent for the visitor and system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    pub text: String,
    pub created_at: String,
    /// Set on the `system` message a conversation gets when a ticket is opened from it (by the
    /// visitor's CTA, an operator or the bot): the widget shows it as a card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketCard>,
    /// On the visitor's own messages: the `Idempotency-Key` it was sent with, so a widget that
    /// lost a send's answer recognises the message when a read or the live room brings it,
    /// instead of showing it twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Set on the `system` message the bot leaves when a ticket needs the visitor's contact
    /// details: the widget shows a small contact form there (`PUT …/contact`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub needs_contact: bool,
    /// Set on the `system` message written when the conversation was handed to a person: the
    /// widget says there, in the visitor's language, that a person will follow up.
    #[serde(default, skip_serializing_if = "is_false")]
    pub escalated: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `PUT …/conversations/{id}/contact`'s body and answer: the visitor's name and email, given
/// in the chat and kept on the conversation for every ticket made from it.
pub type ConversationContact = RequesterInput;

/// A ticket opened from a conversation, as the chat shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCard {
    pub id: String,
    pub code: String,
    pub status: Status,
    pub status_label: String,
}

/// `GET /api/v1/sites/{site}/tickets/{id}/comments` (visitor token): the ticket's
/// customer-facing comments and the visitor's own replies, oldest first. Never an internal one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorCommentList {
    pub comments: Vec<VisitorComment>,
}

/// Who wrote a comment, as the visitor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentFrom {
    /// An operator's customer-facing comment.
    Team,
    /// The visitor's own reply.
    Visitor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorComment {
    pub id: String,
    pub from: CommentFrom,
    /// The operator's display name; absent on the visitor's own replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: String,
}

/// `POST /api/v1/sites/{site}/tickets/{id}/comments` (visitor token, `Idempotency-Key`): the
/// visitor replies on their ticket. A resolved ticket reopens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisitorReplyRequest {
    pub body: String,
}

/// 201 when written, 200 when an `Idempotency-Key` replay returns the reply written before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorReplyResponse {
    pub comment: VisitorComment,
    /// The ticket after the reply (its status may have moved: resolved → open).
    pub ticket: VisitorTicket,
}

/// The reply to a send: 201 when written, 200 when an `Idempotency-Key` replay returns the
/// message written before (same text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageResponse {
    pub message: ChatMessage,
}

/// `GET …/conversations/{id}/messages?after={seq}`: the messages after the cursor, oldest
/// first, and the cursor to send next (the last `seq` seen, or `after` when none are new).
/// `POST …/conversations/{id}/escalate`'s answer: the conversation waits for a person;
/// `ticket` is the code of the ticket it is linked to, if any (its card is in the chat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationResponse {
    pub escalated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessageList {
    pub messages: Vec<ChatMessage>,
    pub cursor: i64,
}
