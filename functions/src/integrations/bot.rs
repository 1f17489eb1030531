//! The site's bot in a visitor's conversation: after the visitor's message is stored (and the
//! visitor already has their answer), the Worker sends the conversation and the tools to the
//! site's OpenAI-compatible provider, carries out the tool calls on the server
//! (`service::tools`, as the conversation's own visitor), feeds the results back, and posts
//! the final reply into the conversation — streaming the text to the conversation's live room
//! as it arrives. Bounded by the site's rounds and timeout; when the provider fails, the
//! visitor gets a clear "our team will follow up" message and the conversation escalates to a
//! person (`service::escalation`). The model can hand the conversation over itself (its
//! `hand_off` tool), and after the site's number of answers without a ticket the run hands it
//! over too; an escalated conversation gets no answer from the bot until an operator hands it
//! back. Nothing here can lose the visitor's message: it was written before this runs.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use ticketbooth_shared::FieldError;
use ticketbooth_shared::chat_message::MessageText;
use ticketbooth_shared::ids::{ConversationId, TicketId, VisitorId};
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::tools::{HandOff, HandOffInput, Tool};

use crate::integrations::llm::{self, Event, Message, Request, StreamError};
use crate::integrations::outbound::{self, Attempt, Outbound, OutboundPolicy, OutboundUrl, Target};
use crate::service::ServiceError;
use crate::service::bot_settings::{BotSettings, KeyChange};
use crate::service::conversations::{self, Author};
use crate::service::escalation::{self, Escalated, Escalation, Reason};
use crate::service::site_secrets::{self, Sealer, SecretName};
use crate::service::sites::{self, Site};
use crate::service::tools::{self, Call, CallId, Caller, Outcome};
use crate::sql::conversations::ConversationRow;
use crate::store::Executor;
use ticketbooth_shared::event::Actor;

/// Where `cargo xtask dev` seeds the demo site's bot: its scripted stand-in for a provider
/// (xtask/src/demo_provider.rs), not a model. The bots page says so when a site points here.
pub const DEMO_BASE_URL: &str = "http://127.0.0.1:8789/v1";

impl std::fmt::Debug for SettingsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pasted key never reaches a log through a `{:?}`.
        f.debug_struct("SettingsForm")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &"..")
            .finish_non_exhaustive()
    }
}

/// The settings form as typed.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub name: String,
    pub base_url: String,
    pub model: String,
    /// The provider's API key itself, pasted; empty keeps the stored one.
    pub api_key: String,
    /// Set: remove the stored key (a provider without keys).
    pub remove_api_key: Option<String>,
    /// The old form's field, naming a Worker secret: refused whenever it is sent, so a script
    /// written for the old form learns that the key itself is asked for now.
    pub api_key_secret: String,
    pub system_prompt: String,
    pub max_rounds: String,
    pub timeout_seconds: String,
}

impl SettingsForm {
    /// What the save does to the provider key, checked alone (a bot being switched off still
    /// takes a pasted key, or its removal).
    pub fn key_change(&self) -> Result<KeyChange, FieldError> {
        let key = self.api_key.trim();
        if key.len() > 1_000 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::InvalidFormat);
        }
        Ok(if self.remove_api_key.is_some() {
            KeyChange::Remove
        } else if key.is_empty() {
            KeyChange::Keep
        } else {
            KeyChange::Replace(key.to_owned())
        })
    }

    /// Every field checked at once. The base URL passes the outbound policy
    /// (`outbound::url`): https to a public host, or — in development only — http to this
    /// machine (a local model server); a key must never travel in clear over a network. A
    /// pasted key is printable ASCII without spaces (it becomes a header value), at most 1,000
    /// characters.
    pub fn parse(
        &self,
        policy: OutboundPolicy,
    ) -> Result<(BotSettings, KeyChange), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut fail = |field: &'static str, e: FieldError| {
            errors.0.insert(field, e);
        };
        let name = self.name.trim();
        if name.is_empty() {
            fail("name", FieldError::Required);
        } else if name.chars().count() > 60 || name.chars().any(char::is_control) {
            fail("name", FieldError::InvalidFormat);
        }
        let base_url = self.base_url.trim();
        let base_url = match OutboundUrl::parse(base_url, Target::Base, policy) {
            _ if base_url.is_empty() => {
                fail("base_url", FieldError::Required);
                None
            }
            Ok(url) if url.as_base().len() <= 200 => Some(url),
            _ => {
                fail("base_url", FieldError::InvalidFormat);
                None
            }
        };
        let model = self.model.trim();
        if model.is_empty() {
            fail("model", FieldError::Required);
        } else if model.len() > 100 || model.contains(char::is_whitespace) {
            fail("model", FieldError::InvalidFormat);
        }
        if !self.api_key_secret.trim().is_empty() {
            fail("api_key_secret", FieldError::InvalidFormat);
        }
        let key_change = self.key_change().map_err(|e| fail("api_key", e)).ok();
        let prompt = self.system_prompt.trim();
        if prompt.chars().count() > 4_000 {
            fail("system_prompt", FieldError::TooLong { max: 4_000 });
        }
        let rounds = self
            .max_rounds
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|r| (1..=5).contains(r));
        if rounds.is_none() {
            fail("max_rounds", FieldError::InvalidFormat);
        }
        let timeout = self
            .timeout_seconds
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|t| (1..=60).contains(t));
        if timeout.is_none() {
            fail("timeout_seconds", FieldError::InvalidFormat);
        }
        match (errors.0.is_empty(), base_url, rounds, timeout, key_change) {
            (true, Some(base_url), Some(max_rounds), Some(timeout_seconds), Some(key_change)) => {
                Ok((
                    BotSettings {
                        name: name.to_owned(),
                        base_url: base_url.as_base().to_owned(),
                        model: model.to_owned(),
                        api_key_secret: String::new(),
                        system_prompt: prompt.to_owned(),
                        max_rounds,
                        timeout_seconds,
                    },
                    key_change,
                ))
            }
            _ => Err(errors),
        }
    }
}

/// The key the bot sends its provider (`Authorization: Bearer`): the site's own, pasted by an
/// owner or admin and sealed in its secrets — never a Worker secret named by tenant data.
/// `None`: a provider without keys. Without `SECRETS_KEY` a stored key cannot be read, and the
/// bot must not call its provider keyless instead. A key sealed by `SECRETS_KEY_PREVIOUS` is
/// sealed again under the current key (`site_secrets::take`).
pub async fn provider_key<E: Executor>(
    db: &E,
    site: &Site,
    sealer: &Sealer<'_>,
) -> Result<Option<String>, ServiceError> {
    let Some(stored) = &site.provider_key else {
        return Ok(None);
    };
    let (key, _) = site_secrets::take(db, sealer, site.id, SecretName::ProviderKey, stored).await?;
    Ok(Some(key))
}

/// Where the conversation's live room gets what to send its sockets.
pub trait Rooms {
    fn broadcast<'a>(
        &'a self,
        conversation_id: &'a str,
        payload: String,
    ) -> Pin<Box<dyn Future<Output = ()> + 'a>>;
}

/// What the run needs from outside: the clock, fresh ticket ids, and the outbound policy the
/// provider's URL is checked against again before it is called (a Worker variable).
pub struct Outside<'a> {
    pub now: &'a dyn Fn() -> Timestamp,
    pub ticket_id: &'a dyn Fn() -> TicketId,
    pub policy: OutboundPolicy,
}

/// The shortest time between two typing frames: the room hears the text grow about ten times a
/// second, however finely the provider splits it (each frame carries the whole text so far, so
/// one more frame per token would make a long reply quadratic in bytes sent).
pub const TYPING_FRAME_MS: i64 = 100;

/// The most of a provider's error body read (for the log): OpenAI's errors are a few hundred
/// bytes.
pub const MAX_ERROR_BYTES: usize = 16 * 1024;

/// How a run ended (for the log and the tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The model's reply was posted; the tickets its tools opened.
    Replied { tickets: Vec<String> },
    /// The provider failed (or took too long); the fallback message was posted and the
    /// conversation escalated.
    FellBack { reason: String },
    /// The conversation waits for a person (escalated): the bot did not answer.
    Paused,
}

impl Ended {
    /// The outcome as the Worker's log gives it: `replied` or `fell_back`, and a fallback's
    /// reason only up to its first `": "` — the class of failure the Worker wrote
    /// ("the provider answered 429 (rate limited)"), never the text after it, which comes from
    /// outside (the provider's error body, the runtime's error) and can quote the conversation.
    pub fn for_log(&self) -> (&'static str, Option<&str>) {
        match self {
            Ended::Replied { .. } => ("replied", None),
            Ended::Paused => ("paused", None),
            Ended::FellBack { reason } => {
                let class = reason.split_once(": ").map_or(reason.as_str(), |(c, _)| c);
                ("fell_back", Some(class))
            }
        }
    }
}

/// The frame the live room sends while the bot is writing: the text so far.
#[derive(Serialize)]
struct Typing<'a> {
    typing: TypingText<'a>,
}

#[derive(Serialize)]
struct TypingText<'a> {
    author: &'static str,
    author_name: &'a str,
    text: &'a str,
}

/// Answers the visitor's latest message.
#[allow(clippy::too_many_arguments)]
pub async fn respond<E: Executor>(
    db: &E,
    outbound: &dyn Outbound,
    rooms: &dyn Rooms,
    site: &Site,
    settings: &BotSettings,
    api_key: Option<&str>,
    conversation: &ConversationRow,
    visitor: &VisitorId,
    origin: &str,
    outside: &Outside<'_>,
) -> Result<Ended, ServiceError> {
    // Handed to a person: the bot stays quiet until an operator hands the conversation back.
    if conversation.escalated_at.is_some() {
        return Ok(Ended::Paused);
    }
    let started = (outside.now)();
    let deadline = started.millis() + i64::from(settings.timeout_seconds) * 1000;
    let history = conversations::all_messages(db, site, conversation).await?;
    let mut messages = vec![Message::text(
        "system",
        &system_prompt(site, settings, conversation),
    )];
    for m in &history {
        let role = match m.author_kind.as_str() {
            "visitor" => "user",
            "bot" | "operator" => "assistant",
            _ => continue,
        };
        messages.push(Message::text(role, &m.body));
    }
    let tools: Vec<_> = if site.capabilities.ticketing() {
        // `hand_off` only here, in a conversation: there is nothing to hand over elsewhere.
        Tool::ALL
            .iter()
            .map(|t| t.openai())
            .chain([HandOff::openai()])
            .collect()
    } else {
        Vec::new()
    };
    let conversation_id =
        ConversationId::parse(&conversation.id).map_err(|_| ServiceError::NotFound)?;
    let mut tickets = Vec::new();
    // The ticket the model's `hand_off` linked (opened or found), once it has called it.
    let mut handed_off: Option<Option<String>> = None;
    let mut cursor = conversation.last_seq;
    let mut reply = None;
    let mut failure = None;
    // How the last model call went, for the bots page (its class, never the detail).
    let mut last_attempt = Attempt::Connected;
    for _ in 0..settings.max_rounds.max(1) {
        let turn = match ask(
            outbound,
            rooms,
            settings,
            api_key,
            &messages,
            &tools,
            conversation,
            deadline,
            outside,
        )
        .await
        {
            Ok(turn) => turn,
            Err(failed) => {
                last_attempt = failed.attempt;
                failure = Some(failed.detail);
                break;
            }
        };
        if turn.tool_calls.is_empty() {
            reply = Some(turn.text);
            break;
        }
        messages.push(Message {
            role: "assistant",
            content: (!turn.text.is_empty()).then_some(turn.text.clone()),
            tool_calls: turn.tool_calls.clone(),
            tool_call_id: None,
        });
        // A round's `hand_off` runs after its other calls, so a ticket `open_ticket` opens in
        // the same round is the one the escalation finds linked (never a second one).
        let mut results: Vec<Option<String>> = vec![None; turn.tool_calls.len()];
        for (i, call) in turn.tool_calls.iter().enumerate() {
            if call.function.name == HandOff::NAME {
                continue;
            }
            if let (Some(Some(code)), Some(Tool::OpenTicket)) =
                (&handed_off, Tool::parse(&call.function.name))
            {
                // Already handed over with its ticket: the same ticket, not another one.
                results[i] = Some(already_open(code));
                continue;
            }
            // `tickets` counts what this visitor message has opened, across rounds: past
            // `tools::MAX_TICKETS_PER_MESSAGE` the service refuses, and the result says why.
            let chat = Caller::Chat {
                visitor,
                conversation: &conversation_id,
                opened: tickets.len(),
            };
            let result = run_tool(db, site, chat, call, origin, outside).await?;
            if let Some(code) = result.1
                && !tickets.contains(&code)
            {
                tickets.push(code);
            }
            results[i] = Some(result.0);
        }
        for (i, call) in turn.tool_calls.iter().enumerate() {
            if call.function.name != HandOff::NAME {
                continue;
            }
            let (result, ticket) = hand_off(db, site, &conversation_id, call, outside).await?;
            if let Some(code) = &ticket
                && !tickets.contains(code)
            {
                tickets.push(code.clone());
            }
            if ticket.is_some() || handed_off.is_none() {
                handed_off = Some(ticket);
            }
            results[i] = Some(result);
        }
        for (call, result) in turn.tool_calls.iter().zip(results) {
            messages.push(Message::tool_result(&call.id, result.unwrap_or_default()));
        }
        // A ticket opened here added its card to the conversation: show it now.
        cursor = broadcast_new(db, rooms, site, conversation, cursor).await?;
    }
    let (text, ended) = match (reply.filter(|t| !t.trim().is_empty()), failure) {
        (Some(text), _) => (with_codes(text, &tickets), Ended::Replied { tickets }),
        (None, reason) => (
            fallback(site).to_owned(),
            Ended::FellBack {
                reason: reason.unwrap_or_else(|| "no reply within the rounds allowed".into()),
            },
        ),
    };
    let text = MessageText::parse(&text)
        .or_else(|_| MessageText::parse(fallback(site)))
        .map_err(|_| ServiceError::NotFound)?;
    let author = Author::Bot {
        name: &settings.name,
    };
    // Re-read: the conversation moved on (the visitor's message, maybe a card).
    let now = (outside.now)();
    let current = conversations::find(
        db,
        site,
        conversations::Reader::Operator,
        &conversation_id,
        now,
    )
    .await?;
    let sent = conversations::send(db, site, &current, author, &text, None, now).await?;
    let payload = serde_json::to_string(
        &conversations::visitor_view(sent.row()).map_err(ServiceError::from)?,
    )
    .unwrap_or_default();
    rooms.broadcast(&conversation.id, payload).await;
    sites::record_bot_attempt(db, site.id, last_attempt.label(), (outside.now)().millis()).await?;
    // The provider failed: a person takes over. Or the bot has answered the site's number of
    // messages without a ticket: it is not getting anywhere alone.
    let reason = match &ended {
        Ended::FellBack { .. } => Some(Reason::ProviderFailed),
        Ended::Replied { tickets }
            if handed_off.is_none()
                && escalation::limit_reached(
                    site,
                    current.bot_answers + 1,
                    !tickets.is_empty(),
                )
                && conversations::tickets_of(db, site, &current)
                    .await?
                    .is_empty() =>
        {
            Some(Reason::MessageLimit)
        }
        _ => None,
    };
    if let Some(reason) = reason {
        let current = conversations::find(
            db,
            site,
            conversations::Reader::Operator,
            &conversation_id,
            (outside.now)(),
        )
        .await?;
        escalation::escalate(
            db,
            Escalation {
                site,
                conversation: &current,
                reason,
                classification: Default::default(),
                actor: Actor::Bot,
                fresh_id: (outside.ticket_id)(),
                now: (outside.now)(),
            },
        )
        .await?;
        broadcast_new(db, rooms, site, conversation, sent.row().seq).await?;
    }
    Ok(ended)
}

/// The model's `hand_off`: the conversation escalates (the service opens the ticket when the
/// site says so and none is linked yet). The result the model reads, and the linked ticket.
async fn hand_off<E: Executor>(
    db: &E,
    site: &Site,
    id: &ConversationId,
    call: &llm::ToolCall,
    outside: &Outside<'_>,
) -> Result<(String, Option<String>), ServiceError> {
    let args = serde_json::from_str::<HandOffInput>(&call.function.arguments)
        .map_err(|e| e.to_string())
        .and_then(|input| {
            input
                .parse_args()
                .map_err(|_| "a reason is required".to_owned())
        });
    let args = match args {
        Ok(args) => args,
        Err(message) => {
            let result = serde_json::json!({ "error": "malformed_arguments", "message": message });
            return Ok((result.to_string(), None));
        }
    };
    let now = (outside.now)();
    let current = conversations::find(db, site, conversations::Reader::Operator, id, now).await?;
    let escalated = escalation::escalate(
        db,
        Escalation {
            site,
            conversation: &current,
            reason: Reason::HandOff(args.reason),
            classification: args.classification,
            actor: Actor::Bot,
            fresh_id: (outside.ticket_id)(),
            now,
        },
    )
    .await?;
    let ticket = match &escalated {
        Escalated::Now { ticket, .. } => ticket.clone(),
        Escalated::Already => None,
    };
    let message = match &ticket {
        Some(code) => format!(
            "Handed to a person. Ticket {code} is open for the team; a person will follow up \
             here in the chat. Tell the visitor so, briefly."
        ),
        None => "Handed to a person: someone from the team will follow up here in the chat. \
                 Tell the visitor so, briefly."
            .to_owned(),
    };
    let result =
        serde_json::json!({ "result": "handed_off", "ticket": ticket, "message": message });
    Ok((result.to_string(), ticket))
}

/// What an `open_ticket` after the model's `hand_off` reads: the hand-off's ticket.
fn already_open(code: &str) -> String {
    serde_json::json!({
        "result": "ticket_opened",
        "code": code,
        "replayed": true,
        "message": format!("Ticket {code} is already open for this conversation."),
    })
    .to_string()
}

/// Why a model call failed: its class (recorded for the bots page) and the detail (for the
/// Worker's log only).
struct Failure {
    attempt: Attempt,
    detail: String,
}

impl Failure {
    fn new(attempt: Attempt, detail: impl Into<String>) -> Self {
        Self {
            attempt,
            detail: detail.into(),
        }
    }

    fn outbound(e: outbound::OutboundError) -> Self {
        Self::new(Attempt::of_error(&e), e.to_string())
    }
}

/// One model call, streamed: the text so far goes to the room as it grows (at most one frame
/// every `TYPING_FRAME_MS`).
#[allow(clippy::too_many_arguments)]
async fn ask(
    outbound: &dyn Outbound,
    rooms: &dyn Rooms,
    settings: &BotSettings,
    api_key: Option<&str>,
    messages: &[Message],
    tools: &[ticketbooth_shared::tools::OpenAiTool],
    conversation: &ConversationRow,
    deadline: i64,
    outside: &Outside<'_>,
) -> Result<llm::Turn, Failure> {
    // Checked again here, not only when saved: a base stored before the policy, or under the
    // development allowance, is never called.
    let url = OutboundUrl::parse(&settings.base_url, Target::Base, outside.policy)
        .map_err(|e| {
            Failure::new(
                Attempt::NotAllowed,
                format!("the provider's URL is not allowed: {e}"),
            )
        })?
        .join("chat/completions");
    let body = serde_json::to_string(&Request {
        model: &settings.model,
        messages,
        tools,
        stream: true,
    })
    .map_err(|e| Failure::new(Attempt::NoConnection, e.to_string()))?;
    let mut headers = vec![("accept", "text/event-stream".to_owned())];
    if let Some(key) = api_key {
        headers.push(("authorization", format!("Bearer {key}")));
    }
    let mut answer = outbound
        .post_json_stream(&url, headers, body, deadline)
        .await
        .map_err(Failure::outbound)?;
    if answer.status != 200 {
        // A redirect lands here too: never followed (the key would go where it points).
        let detail =
            match outbound::read_capped(answer.chunks.as_mut(), deadline, MAX_ERROR_BYTES).await {
                Ok(body) => serde_json::from_slice::<serde_json::Value>(&body)
                    .map(|v| llm::error_message(&v["error"]))
                    .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned()),
                Err(e) => e.to_string(),
            };
        let attempt = Attempt::of_status(answer.status);
        return Err(Failure::new(
            attempt,
            format!(
                "the provider answered {} ({}): {detail}",
                answer.status,
                attempt.label()
            ),
        ));
    }
    let mut stream = llm::Stream::default();
    let mut shown = String::new();
    let mut last_frame: Option<i64> = None;
    while let Some(chunk) = answer.chunks.next(deadline).await {
        let chunk = chunk.map_err(Failure::outbound)?;
        let mut grew = false;
        for Event::Text(text) in stream.feed(&chunk).map_err(|e| {
            let attempt = match e {
                StreamError::EventTooLarge | StreamError::TurnTooLarge => Attempt::TooLarge,
                _ => Attempt::BadAnswer,
            };
            Failure::new(attempt, e.to_string())
        })? {
            shown.push_str(&text);
            grew = true;
        }
        let now = (outside.now)().millis();
        if grew && last_frame.is_none_or(|at| now - at >= TYPING_FRAME_MS) {
            last_frame = Some(now);
            let frame = Typing {
                typing: TypingText {
                    author: "bot",
                    author_name: &settings.name,
                    text: &shown,
                },
            };
            rooms
                .broadcast(
                    &conversation.id,
                    serde_json::to_string(&frame).unwrap_or_default(),
                )
                .await;
        }
        if stream.is_done() {
            break;
        }
    }
    Ok(stream.finish())
}

/// A tool call carried out as the conversation's visitor: the result the model reads (JSON),
/// and the code of a ticket it opened.
async fn run_tool<E: Executor>(
    db: &E,
    site: &Site,
    caller: Caller<'_>,
    call: &llm::ToolCall,
    origin: &str,
    outside: &Outside<'_>,
) -> Result<(String, Option<String>), ServiceError> {
    let Some(tool) = Tool::parse(&call.function.name) else {
        return Ok((
            serde_json::json!({ "error": "unknown_tool", "message": format!("There is no tool {}.", call.function.name) }).to_string(),
            None,
        ));
    };
    let arguments: serde_json::Value = match serde_json::from_str(&call.function.arguments) {
        Ok(arguments) => arguments,
        Err(e) => {
            return Ok((
                serde_json::json!({ "error": "malformed_arguments", "message": e.to_string() })
                    .to_string(),
                None,
            ));
        }
    };
    let outcome = tools::call(
        db,
        Call {
            site,
            caller,
            tool,
            arguments: &arguments,
            call_id: CallId::Model(&call.id),
            origin,
            fresh_id: (outside.ticket_id)(),
            now: (outside.now)(),
        },
    )
    .await;
    Ok(match outcome {
        Ok(outcome) => {
            let code = match &outcome {
                Outcome::TicketOpened { code, .. } => Some(code.clone()),
                _ => None,
            };
            (serde_json::to_string(&outcome).unwrap_or_default(), code)
        }
        Err(tools::ToolError::Service(e @ ServiceError::Store(_))) => return Err(e),
        // Refusals — creation off, the daily cap, the per-message limit, bad arguments — are
        // results the model reads, so it can tell the visitor.
        Err(refused) => {
            let error = crate::http::error::ApiError::from(refused);
            let mut fields = serde_json::Map::new();
            if let crate::http::error::ApiError::Validation(errors) = &error {
                for (field, problem) in &errors.0 {
                    fields.insert((*field).to_owned(), problem.to_string().into());
                }
            }
            (
                serde_json::json!({ "error": error.code(), "message": error.to_string(), "fields": fields }).to_string(),
                None,
            )
        }
    })
}

/// Sends the room every message written after `cursor` (a ticket's card); the new cursor.
async fn broadcast_new<E: Executor>(
    db: &E,
    rooms: &dyn Rooms,
    site: &Site,
    conversation: &ConversationRow,
    cursor: i64,
) -> Result<i64, ServiceError> {
    let rows = conversations::messages_after(db, site, conversation, cursor).await?;
    let mut last = cursor;
    for row in &rows {
        last = row.seq;
        if let Ok(message) = conversations::visitor_view(row) {
            rooms
                .broadcast(
                    &conversation.id,
                    serde_json::to_string(&message).unwrap_or_default(),
                )
                .await;
        }
    }
    Ok(last)
}

fn system_prompt(site: &Site, settings: &BotSettings, conversation: &ConversationRow) -> String {
    let mut prompt = settings.system_prompt.trim().to_owned();
    if prompt.is_empty() {
        prompt = format!(
            "You are {}, the support assistant of {}. Answer briefly and kindly.",
            settings.name, site.name
        );
    }
    if site.capabilities.ticketing() && !site.ticketing_enabled {
        // The tools are offered (the capability), but `open_ticket` would be refused.
        prompt.push_str(
            "\n\nTicket creation is switched off for this site: do not offer to open a ticket; \
             get_ticket_status still answers about existing ones.",
        );
    } else if site.capabilities.ticketing() {
        prompt.push_str(
            "\n\nWhen the visitor's problem needs a human (billing, bugs, account changes), \
             open a ticket with the open_ticket tool, then tell the visitor its code.",
        );
        if site.contact_required {
            prompt.push_str(
                " This site needs the visitor's name and email on every ticket: ask for them \
                 first if you do not have them.",
            );
        }
    }
    // What the visitor gave in the chat's contact form: open_ticket uses it when called
    // without contact details, and the model should not ask again.
    if let (Some(name), Some(email)) = (&conversation.requester_name, &conversation.requester_email)
    {
        prompt.push_str(&format!(
            "\n\nThe visitor's contact: {name} <{email}>. They gave it in this chat; do not \
             ask for it again (open_ticket uses it when you leave the requester fields out)."
        ));
    }
    prompt
}

/// The bot's reply names every ticket it opened, even if the model forgot to.
fn with_codes(text: String, tickets: &[String]) -> String {
    let missing: Vec<&str> = tickets
        .iter()
        .filter(|code| !text.contains(code.as_str()))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        text
    } else {
        format!("{text}\n\n(Ticket {})", missing.join(", "))
    }
}

/// What the visitor reads when the bot cannot answer.
pub fn fallback(site: &Site) -> &'static str {
    fallback_for_locale(&site.locale)
}

pub fn fallback_for_locale(locale: &str) -> &'static str {
    if locale.starts_with("fr") {
        "Désolé, je ne peux pas répondre pour l'instant. Notre équipe vous répondra ici dès que possible."
    } else {
        "Sorry, I can't answer right now. Our team will follow up here as soon as possible."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(base_url: &str, key: &str, rounds: &str) -> SettingsForm {
        SettingsForm {
            name: "Robin".into(),
            base_url: base_url.into(),
            model: "gpt-4o-mini".into(),
            api_key: key.into(),
            system_prompt: String::new(),
            max_rounds: rounds.into(),
            timeout_seconds: "20".into(),
            ..SettingsForm::default()
        }
    }

    #[test]
    fn settings_take_https_or_this_machine_and_the_key_itself_never_a_secret_name() {
        use OutboundPolicy::{Development, Production};
        let (ok, key) = form("https://api.openai.com/v1/", " sk-proj-abc123 ", "3")
            .parse(Production)
            .unwrap();
        assert_eq!(ok.base_url, "https://api.openai.com/v1");
        assert_eq!(key, KeyChange::Replace("sk-proj-abc123".into()));
        // The key is never part of the settings' JSON (`sites.bot`).
        assert!(!serde_json::to_string(&ok).unwrap().contains("sk-proj"));
        assert_eq!(
            form("http://127.0.0.1:11434/v1", "", "1")
                .parse(Development)
                .unwrap()
                .1,
            KeyChange::Keep
        );
        assert!(
            form("http://localhost/v1", "", "5")
                .parse(Development)
                .is_ok()
        );
        let remove = SettingsForm {
            remove_api_key: Some("1".into()),
            ..form("https://x.example/v1", "", "3")
        };
        assert_eq!(remove.parse(Production).unwrap().1, KeyChange::Remove);
        let fields = |f: SettingsForm, policy| {
            f.parse(policy)
                .unwrap_err()
                .0
                .keys()
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(form("http://api.example.com/v1", "k", "3"), Development),
            ["base_url"]
        );
        assert_eq!(
            fields(
                form("http://localhost.evil.example/v1", "k", "3"),
                Development
            ),
            ["base_url"]
        );
        // A key with a space or a line break could split the header it goes into.
        assert_eq!(
            fields(form("https://x.example/v1", "sk abc", "3"), Production),
            ["api_key"]
        );
        assert_eq!(
            fields(
                form("https://x.example/v1", "sk\r\nX-Evil: 1", "3"),
                Production
            ),
            ["api_key"]
        );
        // The old form named a Worker secret: a name is no longer accepted, whatever it is.
        let named = SettingsForm {
            api_key_secret: "VISITOR_TOKEN_SECRET".into(),
            ..form("https://x.example/v1", "", "3")
        };
        assert_eq!(fields(named, Production), ["api_key_secret"]);
        assert_eq!(
            fields(form("https://x.example/v1", "k", "9"), Production),
            ["max_rounds"]
        );
    }

    /// Every refusal of the outbound policy reaches the form as `base_url: invalid_format`
    /// (the policy's own table is in `outbound::url`).
    #[test]
    fn the_base_url_follows_the_outbound_policy() {
        use OutboundPolicy::{Development, Production};
        let refused = [
            // In any environment.
            ("http://localhost:1@evil.example/", Development),
            ("https://user:pass@api.example.com/v1", Development),
            ("https://api.example.com/v1?x=1", Development),
            ("https://api.example.com/v1#frag", Development),
            ("http://10.0.0.1/v1", Development),
            // Outside development.
            ("http://127.0.0.1:11434/v1", Production),
            ("http://localhost/v1", Production),
            ("https://127.0.0.1/v1", Production),
            ("https://10.0.0.1/v1", Production),
            ("https://169.254.169.254/v1", Production),
            ("https://100.64.1.1/v1", Production),
            ("https://[::ffff:192.168.0.1]/v1", Production),
            ("https://[fd12::1]/v1", Production),
        ];
        for (url, policy) in refused {
            let errors = form(url, "", "3").parse(policy).unwrap_err().0;
            assert_eq!(
                errors.get("base_url"),
                Some(&FieldError::InvalidFormat),
                "{url} under {policy:?}"
            );
        }
        assert_eq!(
            form("", "", "3")
                .parse(Production)
                .unwrap_err()
                .0
                .get("base_url"),
            Some(&FieldError::Required)
        );
        // What is stored is the normalised form the Worker will call.
        let (ok, _) = form("https://API.Example.com", "", "3")
            .parse(Production)
            .unwrap();
        assert_eq!(ok.base_url, "https://api.example.com");
    }

    #[test]
    fn old_settings_that_name_a_worker_secret_still_read_and_say_so() {
        let old: BotSettings = serde_json::from_str(
            r#"{"name":"Robin","base_url":"https://x.example/v1","model":"m","api_key_secret":"VISITOR_TOKEN_SECRET","system_prompt":"","max_rounds":3,"timeout_seconds":20}"#,
        )
        .unwrap();
        assert!(old.names_a_worker_secret());
        let keyless: BotSettings = serde_json::from_str(
            r#"{"name":"Robin","base_url":"http://127.0.0.1:1/v1","model":"m","api_key_secret":"","system_prompt":"","max_rounds":3,"timeout_seconds":20}"#,
        )
        .unwrap();
        assert!(!keyless.names_a_worker_secret());
        let new: BotSettings = serde_json::from_str(
            r#"{"name":"Robin","base_url":"https://x.example/v1","model":"m","system_prompt":"","max_rounds":3,"timeout_seconds":20}"#,
        )
        .unwrap();
        assert!(!new.names_a_worker_secret());
        assert!(
            !serde_json::to_string(&old)
                .unwrap()
                .contains("api_key_secret")
        );
    }

    #[test]
    fn the_reply_names_every_ticket_it_opened() {
        assert_eq!(
            with_codes("Done: TKT-4.".into(), &["TKT-4".into()]),
            "Done: TKT-4."
        );
        assert_eq!(
            with_codes("Our team will write to you.".into(), &["TKT-4".into()]),
            "Our team will write to you.\n\n(Ticket TKT-4)"
        );
    }
}
