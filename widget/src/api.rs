//! The widget's only HTTP client: the three public routes of `/api/v1/sites/{site}`, with
//! `fetch` from web-sys (no gloo-net: it is thinly maintained and costs ~2 KB; this module is
//! the seam to swap it back in).

use js_sys::Promise;
use ticketbooth_shared::Status;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

use crate::dom::window;
use crate::json::{self, get, get_str, get_text};
use crate::state::{Config, Contact, Draft, SendOutcome, TicketRow};

/// Where a site's API lives.
#[derive(Clone)]
pub struct Endpoint {
    /// An origin such as `https://tickets.example.com` (no trailing slash).
    pub api: String,
    pub site: String,
}

impl Endpoint {
    fn url(&self, tail: &str) -> String {
        let mut url = String::from(self.api.trim_end_matches('/'));
        url.push_str("/api/v1/sites/");
        url.push_str(&String::from(js_sys::encode_uri_component(&self.site)));
        url.push_str(tail);
        url
    }
}

/// `GET …/config`; `None` when the server cannot be reached or answers with an error.
pub async fn config(endpoint: &Endpoint) -> Option<Config> {
    let (status, body) = request(&endpoint.url("/config"), "GET", None, None, None).await?;
    if status != 200 {
        return None;
    }
    Some(Config {
        enabled: json::get_bool(&body, "enabled").unwrap_or(true),
        contact_required: json::get_bool(&body, "contact_required").unwrap_or(false),
        cta_label: get_text(&body, "cta_label"),
    })
}

/// `POST …/tickets` with the draft's `Idempotency-Key`, classified for `state::update`.
pub async fn create(
    endpoint: &Endpoint,
    draft: &Draft,
    contact: Option<&Contact>,
    token: Option<&str>,
) -> SendOutcome {
    let body = json::object();
    json::set_str(&body, "subject", &draft.subject);
    json::set_str(&body, "description", &draft.description);
    if let Some(contact) = contact {
        let requester = json::object();
        json::set_str(&requester, "name", &contact.name);
        json::set_str(&requester, "email", &contact.email);
        json::set(&body, "requester", &requester);
    }
    json::set(
        &body,
        "transcript",
        &json::transcript_to_js(&draft.transcript),
    );
    let Some(body) = json::stringify(&body) else {
        return SendOutcome::Refused(String::new());
    };
    let url = endpoint.url("/tickets");
    let Some((status, reply)) =
        request(&url, "POST", Some(&body), draft.key.as_deref(), token).await
    else {
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
            let fields: Vec<(String, String)> = if fields.is_object() {
                js_sys::Object::keys(fields.unchecked_ref::<js_sys::Object>())
                    .iter()
                    .filter_map(|k| {
                        let k = k.as_string()?;
                        let message = get_str(&fields, &k)?;
                        Some((k, message))
                    })
                    .collect()
            } else {
                Vec::new()
            };
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

/// `GET …/tickets` with the visitor token: newest first.
pub async fn tickets(endpoint: &Endpoint, token: &str) -> Option<Vec<TicketRow>> {
    let (status, body) = request(&endpoint.url("/tickets"), "GET", None, None, Some(token)).await?;
    if status != 200 {
        return None;
    }
    let rows = json::items(&get(&body, "tickets"))
        .iter()
        .filter_map(|t| {
            Some(TicketRow {
                code: get_str(t, "code")?,
                subject: get_text(t, "subject"),
                status: Status::parse(&get_str(t, "status")?).ok()?,
            })
        })
        .collect();
    Some(rows)
}

/// One fetch: its status and its JSON body (`undefined` when it has none). `None` when no
/// answer came (offline, DNS, CORS refusal).
async fn request(
    url: &str,
    method: &str,
    body: Option<&str>,
    idempotency_key: Option<&str>,
    token: Option<&str>,
) -> Option<(u16, JsValue)> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().ok()?;
    if let Some(body) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(key) = idempotency_key {
        let _ = headers.set("Idempotency-Key", key);
    }
    if let Some(token) = token {
        let mut value = String::from("Bearer ");
        value.push_str(token);
        let _ = headers.set("Authorization", &value);
    }
    init.set_headers(&headers);
    let response: Response = JsFuture::from(window().fetch_with_str_and_init(url, &init))
        .await
        .ok()?
        .unchecked_into();
    let status = response.status();
    let json = match response.json() {
        Ok(promise) => wait(promise).await,
        Err(_) => JsValue::UNDEFINED,
    };
    Some((status, json))
}

async fn wait(promise: Promise) -> JsValue {
    JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED)
}
