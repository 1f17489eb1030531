//! The widget's only HTTP client: the three public routes of `/api/v1/sites/{site}`. Each call
//! takes a continuation that receives the classified answer (no futures executor in the Wasm).

use ticketbooth_shared::Status;
use wasm_bindgen::prelude::*;

use crate::js::{self, Js, get, get_str, get_text};
use crate::json;
use crate::state::{Config, Contact, Draft, SendOutcome, TicketRow};

/// Where a site's API lives.
#[derive(Clone)]
pub struct Endpoint {
    /// An origin such as `https://tickets.example.com`.
    pub api: String,
    pub site: String,
}

impl Endpoint {
    fn url(&self, tail: &str) -> String {
        let mut url = String::from(self.api.trim_end_matches('/'));
        url.push_str("/api/v1/sites/");
        url.push_str(&self.site);
        url.push_str(tail);
        url
    }
}

/// `(status, json)` of an answer, `None` when none came.
fn answer(reply: &Js) -> Option<(u32, Js)> {
    let status = js::get(reply, "0").as_f64()? as u32;
    Some((status, js::get(reply, "1")))
}

/// Not generic over `done` on purpose: one set of closure shims for every call (~1 KB).
type Done = Box<dyn FnOnce(Option<(u32, Js)>)>;

fn call(
    url: &str,
    method: &str,
    body: Option<&str>,
    key: Option<&str>,
    token: Option<&str>,
    done: Done,
) {
    let done = Closure::once_into_js(move |reply: JsValue| done(answer(&reply)));
    js::request(url, method, body, key, token, &done);
}

/// `GET …/config`; nothing when the server cannot be reached or refuses.
pub fn config(endpoint: &Endpoint, done: impl FnOnce(Config) + 'static) {
    call(
        &endpoint.url("/config"),
        "GET",
        None,
        None,
        None,
        Box::new(move |reply| {
            if let Some((200, body)) = reply {
                done(Config {
                    enabled: get(&body, "enabled").as_bool().unwrap_or(true),
                    contact_required: get(&body, "contact_required").as_bool().unwrap_or(false),
                    cta_label: get_text(&body, "cta_label"),
                });
            }
        }),
    );
}

/// `POST …/tickets` with the draft's `Idempotency-Key`, classified for `state::update`.
pub fn create(
    endpoint: &Endpoint,
    draft: &Draft,
    contact: Option<&Contact>,
    token: Option<&str>,
    done: impl FnOnce(SendOutcome) + 'static,
) {
    let body = js::obj();
    js::set_str(&body, "subject", &draft.subject);
    js::set_str(&body, "description", &draft.description);
    if let Some(contact) = contact {
        let requester = js::obj();
        js::set_str(&requester, "name", &contact.name);
        js::set_str(&requester, "email", &contact.email);
        js::set(&body, "requester", &requester);
    }
    js::set(
        &body,
        "transcript",
        &json::transcript_to_js(&draft.transcript),
    );
    let body = js::stringify(&body);
    let url = endpoint.url("/tickets");
    call(
        &url,
        "POST",
        Some(&body),
        draft.key.as_deref(),
        token,
        Box::new(move |reply| done(classify(reply))),
    );
}

fn classify(reply: Option<(u32, Js)>) -> SendOutcome {
    let Some((status, reply)) = reply else {
        return SendOutcome::Unreachable;
    };
    let error = get(&reply, "error");
    let code = get_text(&error, "code");
    match status {
        200 | 201 => {
            let ticket = get(&reply, "ticket");
            match (get_str(&ticket, "code"), get_str(&reply, "visitor_token")) {
                (Some(code), Some(token)) => SendOutcome::Created { code, token },
                _ => SendOutcome::Refused(String::new()),
            }
        }
        422 if code == "validation_failed" => {
            let fields = get(&error, "fields");
            let mut pairs = Vec::new();
            for k in js::vec(&js::keys(&fields)) {
                if let Some(k) = k.as_string() {
                    let message = get_text(&fields, &k);
                    pairs.push((k, message));
                }
            }
            let fields = pairs;
            if fields.is_empty() {
                SendOutcome::Refused(code)
            } else {
                SendOutcome::Invalid(fields)
            }
        }
        408 | 429 | 500.. => SendOutcome::Unreachable,
        _ => SendOutcome::Refused(code),
    }
}

/// `GET …/tickets` with the visitor token: newest first; `None` when they could not be read.
pub fn tickets(
    endpoint: &Endpoint,
    token: &str,
    done: impl FnOnce(Option<Vec<TicketRow>>) + 'static,
) {
    let done: Done = Box::new(move |reply| {
        let Some((200, body)) = reply else {
            return done(None);
        };
        let mut rows = Vec::new();
        for t in js::vec(&get(&body, "tickets")) {
            let status = get_str(&t, "status").unwrap_or_default();
            if let (Some(code), Ok(status)) = (get_str(&t, "code"), Status::parse(&status)) {
                let subject = get_text(&t, "subject");
                rows.push(TicketRow {
                    code,
                    subject,
                    status,
                });
            }
        }
        done(Some(rows))
    });
    call(
        &endpoint.url("/tickets"),
        "GET",
        None,
        None,
        Some(token),
        done,
    );
}
