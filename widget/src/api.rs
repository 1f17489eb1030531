//! The widget's only HTTP client: the public routes of `/api/v1/sites/{site}` (config,
//! tickets, and the chat's conversations), over
//! gloo-net. Bodies and replies are `shared::api`'s types, converted by serde-wasm-bindgen to
//! and from the browser's own JSON (`JSON.stringify`, `Response.json()`), so the widget and the
//! Worker read and write one contract. Each call takes a continuation that receives the
//! classified answer as a `state` value.

use gloo_net::http::Request;
use ticketbooth_shared::api::{
    ChatMessageList, CommentFrom, CreateTicketRequest, CreateTicketResponse, ErrorBody,
    RequesterInput, SendMessageRequest, SendMessageResponse, SiteConfig, StartConversationResponse,
    VisitorComment, VisitorCommentList, VisitorReplyRequest, VisitorReplyResponse,
    VisitorTicketList,
};
use ticketbooth_shared::waiting::WaitingOn;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Headers, RequestInit};

use crate::chat::{ContactResult, Line, ReadResult, SendResult};
use crate::from_js::from_js;
use crate::state::{
    Config, Contact, Draft, ReplyOutcome, SendOutcome, ThreadComment, TicketRow, Turnstile,
};

/// Where a site's API lives.
#[derive(Clone)]
pub struct Endpoint {
    /// An origin such as `https://tickets.example.com`.
    pub api: String,
    pub site: String,
}

impl Endpoint {
    fn url(&self, tail: &str) -> String {
        [
            self.api.trim_end_matches('/'),
            "/api/v1/sites/",
            &self.site,
            tail,
        ]
        .concat()
    }
}

/// An answer: its status, its body as parsed by `Response.json()` (`undefined` when the body
/// is not JSON) and the renewed visitor token the server may attach (`RENEWED_TOKEN`); `None`
/// when none came (offline, DNS, CORS refusal).
type Answer = Option<(u16, JsValue, Option<String>)>;

/// The reply header that carries a renewed visitor token (functions/src/http/cors.rs; exposed
/// through CORS). The widget stores it in place of the old one.
const RENEWED_TOKEN: &str = "ticketbooth-visitor-token";

/// Not generic over `done` on purpose: every call runs the same future, so the Wasm holds one
/// task type and one `spawn_local` instance instead of one per route (measured ~2 KB brotli).
type Done = Box<dyn FnOnce(Answer)>;

/// A `fetch` request: built through web-sys's `RequestInit` and handed to gloo-net to send.
/// Not through gloo-net's `RequestBuilder`: its `build` re-parses the URL to merge query
/// parameters through `core::fmt`, which the widget (no query strings) never needs (measured
/// ~1 KB brotli). `None` when the browser refuses to build it.
fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&JsValue>,
) -> Option<Request> {
    let init = RequestInit::new();
    init.set_method(method);
    let head = Headers::new().ok()?;
    for (name, value) in headers {
        head.set(name, value).ok()?;
    }
    init.set_headers(&head);
    if let Some(body) = body {
        init.set_body(body);
    }
    web_sys::Request::new_with_str_and_init(url, &init)
        .ok()
        .map(Request::from)
}

fn send(request: Option<Request>, done: Done) {
    spawn_local(async move {
        let reply = match request {
            Some(request) => request.send().await.ok(),
            None => None,
        };
        let answer = match reply {
            Some(reply) => {
                let status = reply.status();
                let renewed = reply.headers().get(RENEWED_TOKEN).filter(|t| !t.is_empty());
                let raw: web_sys::Response = reply.into();
                let json = match raw.json() {
                    Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED),
                    Err(_) => JsValue::UNDEFINED,
                };
                Some((status, json, renewed))
            }
            None => None,
        };
        done(answer);
    });
}

/// `GET …/config`; nothing when the server cannot be reached or refuses.
pub fn config(endpoint: &Endpoint, done: impl FnOnce(Config) + 'static) {
    let request = request("GET", &endpoint.url("/config"), &[], None);
    send(
        request,
        Box::new(move |answer| {
            if let Some((200, json, _)) = answer
                && let Some(c) = from_js::<SiteConfig>(json)
            {
                done(Config {
                    enabled: c.enabled,
                    contact_required: c.contact_required,
                    cta_label: c.cta_label,
                    // A Worker from before `turnstile_script_url` names Cloudflare's script.
                    turnstile: c.turnstile_site_key.map(|site_key| Turnstile {
                        site_key,
                        script_url: c.turnstile_script_url.unwrap_or_else(|| {
                            "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit"
                                .into()
                        }),
                    }),
                });
            }
        }),
    );
}

/// The create request for a draft, as the Worker parses it.
pub fn create_request(draft: &Draft, contact: Option<&Contact>) -> CreateTicketRequest {
    CreateTicketRequest {
        subject: draft.subject.clone(),
        description: draft.description.clone(),
        requester: contact.map(|c| RequesterInput {
            name: c.name.clone(),
            email: c.email.clone(),
        }),
        transcript: draft.transcript.clone(),
        ..Default::default()
    }
}

/// `POST …/tickets` with the draft's `Idempotency-Key`, classified for `state::update`. The
/// body is serialized by serde-wasm-bindgen and `JSON.stringify`. `conversation` links the
/// ticket to the visitor's conversation (`?conversation_id=`: the server takes its transcript).
#[allow(clippy::too_many_arguments)]
pub fn create(
    endpoint: &Endpoint,
    body: &CreateTicketRequest,
    conversation: Option<&str>,
    key: Option<&str>,
    token: Option<&str>,
    identity: Option<&str>,
    done: impl FnOnce(SendOutcome) + 'static,
) {
    let authorization = token.map(|t| ["Bearer ", t].concat());
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(key) = key {
        headers.push(("Idempotency-Key", key));
    }
    if let Some(identity) = identity {
        headers.push(("Ticketbooth-Identity", identity));
    }
    if let Some(authorization) = &authorization {
        headers.push(("Authorization", authorization));
    }
    let body = serde_wasm_bindgen::to_value(body)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok());
    let url = match conversation {
        Some(id) => endpoint.url(&["/tickets?conversation_id=", id].concat()),
        None => endpoint.url("/tickets"),
    };
    let request = body.and_then(|body| request("POST", &url, &headers, Some(&body)));
    send(request, Box::new(move |answer| done(classify(answer))));
}

/// `Authorization: Bearer …` for a visitor token.
fn bearer(token: &str) -> String {
    ["Bearer ", token].concat()
}

/// `POST …/conversations` (with the visitor's token when there is one, so the conversation
/// and the visitor's tickets share one identity; with the host's signed identity when it gave
/// one, so the conversation's requester is known from its start): the new conversation's id
/// and the token to keep, or `None` when there was no usable answer. An identity the server
/// refuses (expired, wrong key) does not keep the visitor from chatting: the start is asked
/// again without it, as an anonymous chat.
pub fn start_conversation(
    endpoint: &Endpoint,
    token: Option<&str>,
    identity: Option<&str>,
    done: impl FnOnce(Option<(String, String)>) + 'static,
) {
    let authorization = token.map(bearer);
    let mut headers: Vec<(&str, &str)> = authorization
        .as_deref()
        .map(|a| ("Authorization", a))
        .into_iter()
        .collect();
    if let Some(identity) = identity {
        headers.push(("Ticketbooth-Identity", identity));
    }
    let request = request("POST", &endpoint.url("/conversations"), &headers, None);
    let again = (
        identity.is_some(),
        endpoint.clone(),
        token.map(str::to_owned),
    );
    send(
        request,
        Box::new(move |answer| {
            let started = match answer {
                Some((201, json, _)) => from_js::<StartConversationResponse>(json)
                    .map(|r| (r.conversation.id, r.visitor_token)),
                Some((401, _, _)) if again.0 => {
                    return start_conversation(&again.1, again.2.as_deref(), None, done);
                }
                _ => None,
            };
            done(started);
        }),
    );
}

/// `POST …/conversations/{id}/messages` under the message's own Idempotency-Key.
pub fn send_message(
    endpoint: &Endpoint,
    conversation: &str,
    token: &str,
    key: &str,
    text: String,
    done: impl FnOnce(SendResult, Option<String>) + 'static,
) {
    let authorization = bearer(token);
    let headers = [
        ("Content-Type", "application/json"),
        ("Idempotency-Key", key),
        ("Authorization", authorization.as_str()),
    ];
    let body = serde_wasm_bindgen::to_value(&SendMessageRequest { text })
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok());
    let url = endpoint.url(&["/conversations/", conversation, "/messages"].concat());
    let request = body.and_then(|body| request("POST", &url, &headers, Some(&body)));
    send(
        request,
        Box::new(move |answer| {
            let Some((status, json, renewed)) = answer else {
                return done(SendResult::Unreachable, None);
            };
            let result = match status {
                200 | 201 => match from_js::<SendMessageResponse>(json) {
                    Some(r) => SendResult::Stored(Line::from(r.message)),
                    None => SendResult::Unreachable,
                },
                // Expired, purged, or a token that no longer proves it: a new conversation.
                401 | 404 => SendResult::Gone,
                408 | 429 | 500.. => SendResult::Unreachable,
                _ => SendResult::Refused(
                    from_js::<ErrorBody>(json)
                        .map(|e| e.error.code)
                        .unwrap_or_default(),
                ),
            };
            done(result, renewed);
        }),
    );
}

/// `PUT …/conversations/{id}/contact`: the name and email the bot asked for.
pub fn give_contact(
    endpoint: &Endpoint,
    conversation: &str,
    token: &str,
    contact: RequesterInput,
    done: impl FnOnce(ContactResult, Option<String>) + 'static,
) {
    let authorization = bearer(token);
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", authorization.as_str()),
    ];
    let body = serde_wasm_bindgen::to_value(&contact)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok());
    let url = endpoint.url(&["/conversations/", conversation, "/contact"].concat());
    let request = body.and_then(|body| request("PUT", &url, &headers, Some(&body)));
    send(
        request,
        Box::new(move |answer| {
            let Some((status, json, renewed)) = answer else {
                return done(ContactResult::Unreachable, None);
            };
            let result = match status {
                200 => ContactResult::Kept,
                408 | 429 | 500.. => ContactResult::Unreachable,
                _ => ContactResult::Refused(
                    from_js::<ErrorBody>(json)
                        .map(|e| e.error.code)
                        .unwrap_or_default(),
                ),
            };
            done(result, renewed);
        }),
    );
}

/// `POST …/conversations/{id}/escalate`: "Talk to a person". `done` hears whether the server
/// took it (pressing again is harmless: the server changes nothing the second time).
pub fn escalate(
    endpoint: &Endpoint,
    conversation: &str,
    token: &str,
    done: impl FnOnce(bool, Option<String>) + 'static,
) {
    let authorization = bearer(token);
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", authorization.as_str()),
    ];
    let url = endpoint.url(&["/conversations/", conversation, "/escalate"].concat());
    let body = JsValue::from_str("{}");
    let request = request("POST", &url, &headers, Some(&body));
    send(
        request,
        Box::new(move |answer| match answer {
            Some((200, _, renewed)) => done(true, renewed),
            Some((_, _, renewed)) => done(false, renewed),
            None => done(false, None),
        }),
    );
}

/// `GET …/conversations/{id}/messages?after={cursor}`.
pub fn read_messages(
    endpoint: &Endpoint,
    conversation: &str,
    token: &str,
    after: i64,
    done: impl FnOnce(ReadResult, Option<String>) + 'static,
) {
    let authorization = bearer(token);
    let mut after_text = String::new();
    // `push_number`, not `to_string`: no core::fmt in the Wasm for one number.
    crate::i18n::push_number(&mut after_text, usize::try_from(after).unwrap_or(0));
    let after = after_text;
    let url = endpoint.url(&["/conversations/", conversation, "/messages?after=", &after].concat());
    let request = request(
        "GET",
        &url,
        &[("Authorization", authorization.as_str())],
        None,
    );
    send(
        request,
        Box::new(move |answer| {
            let Some((status, json, renewed)) = answer else {
                return done(ReadResult::Unreachable, None);
            };
            let result = match status {
                200 => match from_js::<ChatMessageList>(json) {
                    Some(list) => {
                        ReadResult::Lines(list.messages.into_iter().map(Line::from).collect())
                    }
                    None => ReadResult::Unreachable,
                },
                401 | 404 => ReadResult::Gone,
                _ => ReadResult::Unreachable,
            };
            done(result, renewed);
        }),
    );
}

fn thread_comment(c: VisitorComment) -> ThreadComment {
    ThreadComment {
        from_team: c.from == CommentFrom::Team,
        name: c.author_name,
        body: c.body,
        at: c.created_at,
    }
}

/// `GET …/tickets/{id}/comments`: the thread, oldest first (`None` when it could not be read).
pub fn thread(
    endpoint: &Endpoint,
    token: &str,
    id: &str,
    done: impl FnOnce(Option<Vec<ThreadComment>>, Option<String>) + 'static,
) {
    let authorization = bearer(token);
    let url = endpoint.url(&["/tickets/", id, "/comments"].concat());
    let request = request(
        "GET",
        &url,
        &[("Authorization", authorization.as_str())],
        None,
    );
    send(
        request,
        Box::new(move |answer| {
            let (list, renewed) = match answer {
                Some((200, json, renewed)) => (from_js::<VisitorCommentList>(json), renewed),
                Some((_, _, renewed)) => (None, renewed),
                None => (None, None),
            };
            done(
                list.map(|l| l.comments.into_iter().map(thread_comment).collect()),
                renewed,
            );
        }),
    );
}

/// `POST …/tickets/{id}/comments` under the reply's Idempotency-Key.
pub fn reply(
    endpoint: &Endpoint,
    token: &str,
    id: &str,
    key: &str,
    body: String,
    done: impl FnOnce(ReplyOutcome, Option<String>) + 'static,
) {
    let authorization = bearer(token);
    let headers = [
        ("Content-Type", "application/json"),
        ("Idempotency-Key", key),
        ("Authorization", authorization.as_str()),
    ];
    let body = serde_wasm_bindgen::to_value(&VisitorReplyRequest { body })
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok());
    let url = endpoint.url(&["/tickets/", id, "/comments"].concat());
    let request = body.and_then(|body| request("POST", &url, &headers, Some(&body)));
    send(
        request,
        Box::new(move |answer| {
            let Some((status, json, renewed)) = answer else {
                return done(ReplyOutcome::Unreachable, None);
            };
            let outcome = match status {
                200 | 201 => match from_js::<VisitorReplyResponse>(json) {
                    Some(r) => ReplyOutcome::Done(thread_comment(r.comment), r.ticket.status),
                    None => ReplyOutcome::Unreachable,
                },
                408 | 429 | 500.. => ReplyOutcome::Unreachable,
                _ => ReplyOutcome::Refused(
                    from_js::<ErrorBody>(json)
                        .map(|e| e.error.code)
                        .unwrap_or_default(),
                ),
            };
            done(outcome, renewed);
        }),
    );
}

/// The live room's WebSocket URL of a conversation (`ws:` or `wss:` after the API's scheme).
pub fn live_url(endpoint: &Endpoint, conversation: &str, token: &str) -> String {
    let url = endpoint.url(&["/conversations/", conversation, "/live?token=", token].concat());
    match url.strip_prefix("http") {
        Some(rest) => ["ws", rest].concat(),
        None => url,
    }
}

fn classify(answer: Answer) -> SendOutcome {
    let Some((status, json, _)) = answer else {
        return SendOutcome::Unreachable;
    };
    match status {
        200 | 201 => match from_js::<CreateTicketResponse>(json) {
            Some(r) => SendOutcome::Created {
                code: r.ticket.code,
                token: r.visitor_token,
            },
            None => SendOutcome::Refused(String::new()),
        },
        408 | 429 | 500.. => SendOutcome::Unreachable,
        _ => {
            let Some(ErrorBody { error }) = from_js::<ErrorBody>(json) else {
                return SendOutcome::Refused(String::new());
            };
            if error.code == "validation_failed" && !error.fields.is_empty() {
                SendOutcome::Invalid(error.fields.into_iter().collect())
            } else {
                SendOutcome::Refused(error.code)
            }
        }
    }
}

/// `GET …/tickets` with the visitor token: newest first (`None` when they could not be read),
/// and the renewed token when the server sent one.
pub fn tickets(
    endpoint: &Endpoint,
    token: &str,
    done: impl FnOnce(Option<Vec<TicketRow>>, Option<String>) + 'static,
) {
    let authorization = ["Bearer ", token].concat();
    let request = request(
        "GET",
        &endpoint.url("/tickets"),
        &[("Authorization", &authorization)],
        None,
    );
    send(
        request,
        Box::new(move |answer| {
            let (list, renewed) = match answer {
                Some((200, json, renewed)) => (from_js::<VisitorTicketList>(json), renewed),
                Some((_, _, renewed)) => (None, renewed),
                None => (None, None),
            };
            done(
                list.map(|l| {
                    l.tickets
                        .into_iter()
                        .map(|t| TicketRow {
                            id: t.id,
                            code: t.code,
                            subject: t.subject,
                            status: t.status,
                            latest_reply: t.latest_reply,
                            waiting_for_you: t.waiting_on == Some(WaitingOn::Customer),
                        })
                        .collect()
                }),
                renewed,
            );
        }),
    );
}
