//! The Gorgias connector: its REST API (`https://{domain}.gorgias.com/api/…`, HTTP Basic with
//! the API user's e-mail and API key) and the webhooks of its HTTP integration.
//!
//! - `whoami`: `GET /api/users/0` (id 0 is "the current user" in Gorgias's reference).
//! - `create`: `POST /api/tickets` — channel and via `api`, our ticket id as `external_id`, the
//!   customer by e-mail, one first message from the customer (Gorgias refuses a ticket without
//!   one), status, priority and tags. Gorgias has no idempotency key, so after a lost answer
//!   `find` asks `GET /api/tickets?external_id=<our id>` (a documented filter of the list).
//! - `update`: status or priority by `PUT /api/tickets/{id}`; a comment by
//!   `POST /api/tickets/{id}/messages` — a public reply from the API user on channel `api`, or a
//!   note on channel `internal-note`.
//! - Webhooks: Gorgias's HTTP integration signs nothing. The admin sets a custom header
//!   (`WEBHOOK_SECRET_HEADER`) to the connection's webhook secret, and pastes `HOOK_TEMPLATE` as
//!   the JSON body (Gorgias renders each value and encodes the JSON itself). There is no
//!   timestamp either: replays are refused by event id (the webhook route records each).
//!
//! Every message we create carries `external_id` `ticketbooth:<our ticket id>`, so its webhook
//! echo is dropped here even before the push job recorded its id.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use ticketbooth_shared::sync::{local_priority, remote_priority, remote_status};

use super::*;
use crate::crypto::constant_time_eq;
use crate::integrations::outbound::{Answer, Method, Request};

/// The custom header the admin adds to the HTTP integration, set to the webhook secret.
pub const WEBHOOK_SECRET_HEADER: &str = "X-Ticketbooth-Webhook-Secret";

/// The HTTP integration's request body the admin pastes into Gorgias (Settings → HTTP
/// integration; method POST, content type `application/json`, triggers "ticket created",
/// "ticket updated" and "ticket message created"). `ticket` is the ticket the trigger fired
/// for and `message` the message just created (empty on the ticket triggers).
pub const HOOK_TEMPLATE: &str = r#"{
  "ticket_id": "{{ticket.id}}",
  "external_id": "{{ticket.external_id}}",
  "status": "{{ticket.status}}",
  "priority": "{{ticket.priority}}",
  "updated_datetime": "{{ticket.updated_datetime}}",
  "trashed_datetime": "{{ticket.trashed_datetime}}",
  "message_id": "{{message.id}}",
  "message_external_id": "{{message.external_id}}",
  "message_channel": "{{message.channel}}",
  "message_public": "{{message.public}}",
  "message_from_agent": "{{message.from_agent}}",
  "message_sender_id": "{{message.sender.id}}",
  "message_sender_name": "{{message.sender.name}}",
  "message_body_text": "{{message.body_text}}",
  "message_created_datetime": "{{message.created_datetime}}"
}"#;

/// The `external_id` prefix of every message we create (see the module's doc).
const OUR_MESSAGES: &str = "ticketbooth:";

pub struct Gorgias;

impl Gorgias {
    fn request(account: &Account, method: Method, path: &str, body: Option<Value>) -> Request {
        Request {
            method,
            url: account.base.join(path),
            headers: vec![("authorization", authorization(&account.auth))],
            json: body.map(|b| b.to_string()),
        }
    }
}

/// HTTP Basic with the API user's e-mail and API key (the settings page offers only that for
/// Gorgias; an e-mail and token saved under another kind are the same pair, and a bearer token,
/// which Gorgias gives only to OAuth apps, is passed as it is).
fn authorization(auth: &Auth) -> String {
    match auth {
        Auth::Basic { user, key } => format!("Basic {}", STANDARD.encode(format!("{user}:{key}"))),
        Auth::ApiToken { email, token } => {
            format!("Basic {}", STANDARD.encode(format!("{email}:{token}")))
        }
        Auth::Bearer { token } => format!("Bearer {token}"),
    }
}

/// The JSON of a 2xx answer, or the error its status means.
fn body_of(answer: &Answer, now_ms: i64) -> Result<Value, RemoteError> {
    if let Some(error) = RemoteError::of(answer, now_ms) {
        return Err(error);
    }
    serde_json::from_slice(&answer.body).map_err(|e| RemoteError::Unreadable(e.to_string()))
}

/// An id Gorgias sends as a number (or, rendered by a template, as a string).
fn id_of(value: Option<&Value>) -> Option<String> {
    text(value?)
}

/// A rendered template value, or a JSON scalar, as text; nothing for empty, `None` (what
/// Gorgias's templates print for a missing value) or `null`.
fn text(value: &Value) -> Option<String> {
    let raw = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    match raw.as_str() {
        "" | "None" | "null" => None,
        _ => Some(raw),
    }
}

/// A rendered boolean (`True` from a template, `true` in JSON).
fn flag(value: Option<&Value>) -> Option<bool> {
    match text(value?)?.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Gorgias's datetimes: ISO 8601, usually without an offset (UTC: `2019-11-16T15:59:41.966927`).
fn datetime_ms(raw: &str) -> Option<i64> {
    if let Ok(ts) = raw.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let civil = raw.parse::<jiff::civil::DateTime>().ok()?;
    let zoned = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_millisecond())
}

impl Connector for Gorgias {
    fn platform(&self) -> Platform {
        Platform::Gorgias
    }

    fn whoami(&self, account: &Account) -> Request {
        Self::request(account, Method::Get, "api/users/0", None)
    }

    fn read_whoami(&self, answer: &Answer, now_ms: i64) -> Result<RemoteUser, RemoteError> {
        let user = body_of(answer, now_ms)?;
        let id = id_of(user.get("id"))
            .ok_or_else(|| RemoteError::Unreadable("the user has no id".into()))?;
        let name = ["name", "email"]
            .iter()
            .find_map(|k| user.get(*k).and_then(text))
            .unwrap_or_else(|| id.clone());
        Ok(RemoteUser { id, name })
    }

    fn create(&self, account: &Account, ticket: &NewRemote<'_>) -> Request {
        let body_text = format!(
            "{}\n\n{} in Ticketbooth: {}",
            ticket.description, ticket.code, ticket.ticket_url
        );
        // Gorgias matches (or creates) the customer by e-mail; without one it refuses the
        // ticket, and its answer becomes the link's error.
        let mut person = serde_json::Map::new();
        if let Some(email) = ticket.requester_email {
            person.insert("email".into(), json!(email));
        }
        if let Some(name) = ticket.requester_name {
            person.insert("name".into(), json!(name));
        }
        let tags: Vec<Value> = ticket.labels.iter().map(|l| json!({ "name": l })).collect();
        let body = json!({
            "external_id": ticket.ticket_id,
            "subject": ticket.subject,
            "channel": "api",
            "via": "api",
            "from_agent": false,
            "status": remote_status(Platform::Gorgias, ticket.status),
            "priority": remote_priority(Platform::Gorgias, ticket.priority),
            "customer": person,
            "tags": tags,
            "messages": [{
                "channel": "api",
                "via": "api",
                "from_agent": false,
                "sender": person,
                "subject": ticket.subject,
                "body_text": body_text,
                "external_id": format!("{OUR_MESSAGES}{}", ticket.ticket_id),
            }],
        });
        Self::request(account, Method::Post, "api/tickets", Some(body))
    }

    fn read_created(&self, answer: &Answer, now_ms: i64) -> Result<Created, RemoteError> {
        let ticket = body_of(answer, now_ms)?;
        let remote_id = id_of(ticket.get("id"))
            .ok_or_else(|| RemoteError::Unreadable("the created ticket has no id".into()))?;
        Ok(Created { remote_id })
    }

    fn find(&self, account: &Account, ticket_id: &str) -> Option<Request> {
        let mut request = Self::request(account, Method::Get, "api/tickets", None);
        request.url = request.url.with_query(&[("external_id", ticket_id)]);
        Some(request)
    }

    fn read_found(&self, answer: &Answer, now_ms: i64) -> Result<Option<Created>, RemoteError> {
        let list = body_of(answer, now_ms)?;
        let data = list
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| RemoteError::Unreadable("the ticket list has no data".into()))?;
        Ok(data
            .iter()
            .find_map(|t| id_of(t.get("id")))
            .map(|remote_id| Created { remote_id }))
    }

    fn update(&self, account: &Account, remote_id: &str, change: &Change<'_>) -> Request {
        let ticket = format!("api/tickets/{remote_id}");
        match change {
            Change::Status(ours) => Self::request(
                account,
                Method::Put,
                &ticket,
                Some(json!({ "status": remote_status(Platform::Gorgias, *ours) })),
            ),
            Change::Priority(ours) => Self::request(
                account,
                Method::Put,
                &ticket,
                Some(json!({ "priority": remote_priority(Platform::Gorgias, *ours) })),
            ),
            Change::Comment {
                body,
                public,
                author_name,
            } => {
                // Sent as the API user (the connection test's id when known, else its e-mail):
                // that is whose echo the webhook route drops.
                let sender = match (&account.remote_user_id, &account.auth) {
                    // Gorgias's ids are integers; the stored id is their text.
                    (Some(id), _) => match id.parse::<i64>() {
                        Ok(number) => json!({ "id": number }),
                        Err(_) => json!({ "id": id }),
                    },
                    (None, Auth::Basic { user, .. }) => json!({ "email": user }),
                    (None, _) => json!({}),
                };
                // A public reply already reached the customer through us: channel `api` is one
                // Gorgias has no transport for, so it is recorded there, not sent a second time
                // (an `email` message would be mailed again). Gorgias's documented way to say
                // "already sent" is `sent_datetime`, which needs the comment's time: `Change`
                // does not carry it yet.
                let channel = if *public { "api" } else { "internal-note" };
                let body = json!({
                    "channel": channel,
                    "via": "api",
                    "from_agent": true,
                    "sender": sender,
                    "body_text": format!("{body}\n\n— {author_name} (Ticketbooth)"),
                    "external_id": format!("{OUR_MESSAGES}{remote_id}"),
                });
                Self::request(
                    account,
                    Method::Post,
                    &format!("{ticket}/messages"),
                    Some(body),
                )
            }
        }
    }

    fn read_updated(&self, answer: &Answer, now_ms: i64) -> Result<Updated, RemoteError> {
        let object = body_of(answer, now_ms)?;
        // A message names its ticket (`ticket_id`); a ticket does not.
        if object.get("ticket_id").is_some() {
            return Ok(Updated::Comment {
                remote_comment_id: id_of(object.get("id")),
            });
        }
        Ok(Updated::Done)
    }

    fn ticket_url(&self, account: &Account, remote_id: &str) -> String {
        account
            .base
            .join(&format!("app/ticket/{remote_id}"))
            .to_string()
    }

    fn verify(&self, hook: &Hook<'_>, secret: &str, _now_ms: i64) -> Result<(), HookRefused> {
        let sent = hook
            .header(&WEBHOOK_SECRET_HEADER.to_ascii_lowercase())
            .ok_or(HookRefused::MissingHeader(WEBHOOK_SECRET_HEADER))?;
        if secret.is_empty() || !constant_time_eq(sent.trim().as_bytes(), secret.as_bytes()) {
            return Err(HookRefused::BadSignature);
        }
        Ok(())
    }

    fn read_hook(&self, hook: &Hook<'_>) -> Result<Vec<Pulled>, HookRefused> {
        let unreadable = |what: &str| HookRefused::Unreadable(what.to_owned());
        let body: Value = serde_json::from_slice(hook.body)
            .map_err(|e| HookRefused::Unreadable(e.to_string()))?;
        if !body.is_object() {
            return Err(unreadable("the body is not a JSON object"));
        }
        let field = |key: &str| body.get(key).and_then(text);
        let ticket_id = field("ticket_id").ok_or_else(|| unreadable("ticket_id is missing"))?;
        let updated = field("updated_datetime");
        let updated_ms = updated.as_deref().and_then(datetime_ms);
        let mut pulled = Vec::new();

        if let Some(message_id) = field("message_id") {
            let ours = field("message_external_id").is_some_and(|x| x.starts_with(OUR_MESSAGES));
            if !ours {
                let from_agent = flag(body.get("message_from_agent")).unwrap_or(true);
                let internal = field("message_channel").as_deref() == Some("internal-note");
                let public = flag(body.get("message_public")).unwrap_or(!internal) && !internal;
                let at_ms = field("message_created_datetime")
                    .as_deref()
                    .and_then(datetime_ms)
                    .or(updated_ms)
                    .ok_or_else(|| unreadable("the message has no datetime"))?;
                let author_name = field("message_sender_name")
                    .unwrap_or_else(|| if from_agent { "Agent" } else { "Customer" }.to_owned());
                pulled.push(Pulled {
                    event_id: format!("message:{message_id}"),
                    remote_ticket_id: ticket_id.clone(),
                    at_ms,
                    // A customer's id is in another numbering than users': only an agent's
                    // can be our API user.
                    actor_remote_id: field("message_sender_id").filter(|_| from_agent),
                    change: PulledChange::Comment {
                        remote_comment_id: message_id,
                        body: field("message_body_text").unwrap_or_default(),
                        public,
                        author_name,
                        by_requester: !from_agent,
                    },
                });
            }
        }

        // The ticket's own state rides along on every trigger: one event per state the ticket
        // was in at `updated_datetime` (a pull that agrees with ours changes nothing).
        let Some(updated) = updated else {
            return Ok(pulled);
        };
        let at_ms = updated_ms.ok_or_else(|| unreadable("updated_datetime is not a datetime"))?;
        // The value is part of the id: a redelivery is the same event, a different state sent
        // with the same datetime is not.
        let event = |what: &str| format!("ticket:{ticket_id}:{updated}:{what}");
        let mut push = |what: &str, change: PulledChange| {
            pulled.push(Pulled {
                event_id: event(what),
                remote_ticket_id: ticket_id.clone(),
                at_ms,
                // Gorgias's templates do not say who updated a ticket.
                actor_remote_id: None,
                change,
            });
        };
        if field("trashed_datetime").is_some() {
            push("deleted", PulledChange::Deleted);
            return Ok(pulled);
        }
        if let Some(status) = field("status") {
            let status = status.to_ascii_lowercase();
            push(
                &format!("status:{status}"),
                PulledChange::Status(status.clone()),
            );
        }
        if let Some(priority) =
            field("priority").and_then(|p| local_priority(Platform::Gorgias, &p))
        {
            let name = remote_priority(Platform::Gorgias, priority);
            push(
                &format!("priority:{name}"),
                PulledChange::Priority(priority),
            );
        }
        Ok(pulled)
    }
}
