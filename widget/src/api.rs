//! The widget's only HTTP client: the three public routes of `/api/v1/sites/{site}`, over
//! gloo-net. Bodies and replies are `shared::api`'s types, converted by serde-wasm-bindgen to
//! and from the browser's own JSON (`JSON.stringify`, `Response.json()`), so the widget and the
//! Worker read and write one contract. Each call takes a continuation that receives the
//! classified answer as a `state` value.

use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use ticketbooth_shared::api::{
    CreateTicketRequest, CreateTicketResponse, ErrorBody, RequesterInput, SiteConfig,
    VisitorTicketList,
};
use wasm_bindgen_futures::{JsFuture, spawn_local};

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
        format!(
            "{}/api/v1/sites/{}{tail}",
            self.api.trim_end_matches('/'),
            self.site
        )
    }
}

/// A reply's JSON body as `T` (`Response.json()`, then serde-wasm-bindgen); `None` when the
/// body is not JSON or not that shape.
async fn read<T: DeserializeOwned>(reply: Response) -> Option<T> {
    let raw: web_sys::Response = reply.into();
    let json = JsFuture::from(raw.json().ok()?).await.ok()?;
    serde_wasm_bindgen::from_value(json).ok()
}

/// `GET …/config`; nothing when the server cannot be reached or refuses.
pub fn config(endpoint: &Endpoint, done: impl FnOnce(Config) + 'static) {
    let url = endpoint.url("/config");
    spawn_local(async move {
        let Ok(reply) = Request::get(&url).send().await else {
            return;
        };
        if reply.status() != 200 {
            return;
        }
        if let Some(c) = read::<SiteConfig>(reply).await {
            done(Config {
                enabled: c.enabled,
                contact_required: c.contact_required,
                cta_label: c.cta_label,
            });
        }
    });
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
    }
}

/// `POST …/tickets` with the draft's `Idempotency-Key`, classified for `state::update`.
pub fn create(
    endpoint: &Endpoint,
    body: &CreateTicketRequest,
    key: Option<&str>,
    token: Option<&str>,
    done: impl FnOnce(SendOutcome) + 'static,
) {
    let url = endpoint.url("/tickets");
    let mut request = Request::post(&url).header("Content-Type", "application/json");
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let body = serde_wasm_bindgen::to_value(body)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok());
    let request = body.and_then(|b| request.body(b).ok());
    spawn_local(async move {
        let outcome = match request {
            Some(request) => match request.send().await {
                Ok(reply) => classify(reply).await,
                Err(_) => SendOutcome::Unreachable,
            },
            None => SendOutcome::Unreachable,
        };
        done(outcome);
    });
}

async fn classify(reply: Response) -> SendOutcome {
    match reply.status() {
        200 | 201 => match read::<CreateTicketResponse>(reply).await {
            Some(r) => SendOutcome::Created {
                code: r.ticket.code,
                token: r.visitor_token,
            },
            None => SendOutcome::Refused(String::new()),
        },
        408 | 429 | 500.. => SendOutcome::Unreachable,
        _ => {
            let Some(ErrorBody { error }) = read::<ErrorBody>(reply).await else {
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

/// `GET …/tickets` with the visitor token: newest first; `None` when they could not be read.
pub fn tickets(
    endpoint: &Endpoint,
    token: &str,
    done: impl FnOnce(Option<Vec<TicketRow>>) + 'static,
) {
    let url = endpoint.url("/tickets");
    let auth = format!("Bearer {token}");
    spawn_local(async move {
        let list = match Request::get(&url)
            .header("Authorization", &auth)
            .send()
            .await
        {
            Ok(reply) if reply.status() == 200 => read::<VisitorTicketList>(reply).await,
            _ => None,
        };
        done(list.map(|l| {
            l.tickets
                .into_iter()
                .map(|t| TicketRow {
                    code: t.code,
                    subject: t.subject,
                    status: t.status,
                })
                .collect()
        }));
    });
}
