//! The workerd adapter: converts workerd's request into `http::Request`, runs `app::handle`
//! over D1, and converts the answer back. Nothing else lives here, because nothing here can
//! run in host tests.

use ticketbooth_shared::ids::{TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;
use wasm_bindgen::JsCast;
use worker::{Context, Env, Headers, Method, Request, Response, console_error, event};

use crate::app::{self, App, Fresh};
use crate::http::{self, Body, MAX_BODY_BYTES};
use crate::store::d1::D1Executor;
use crate::visitor_token::{TokenError, TokenKey};

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let request = read_request(&mut req).await?;
    let token_key = env
        .secret("VISITOR_TOKEN_SECRET")
        .map(|s| s.to_string())
        .map_err(|_| TokenError::WeakSecret)
        .and_then(|secret| TokenKey::new(&secret));
    let app = App {
        db: D1Executor::new(env.d1("DB")?),
        token_key,
    };
    let fresh = Fresh {
        now: Timestamp::from_millis(js_sys::Date::now() as i64),
        ticket_id: TicketId::from_random(random_bytes()?),
        visitor_id: VisitorId::from_random(random_bytes()?),
        entropy: {
            let (a, b) = (random_bytes()?, random_bytes()?);
            let mut entropy = [0u8; 32];
            entropy[..16].copy_from_slice(&a);
            entropy[16..].copy_from_slice(&b);
            entropy
        },
    };
    let response = app::handle(&app, &request, fresh).await;
    if let Some(detail) = &response.log {
        console_error!(
            "{} {} -> {}: {}",
            request.method,
            request.path,
            response.status,
            detail
        );
    }
    write_response(response)
}

async fn read_request(req: &mut Request) -> worker::Result<http::Request> {
    let url = req.url()?;
    let headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let declared: Option<usize> = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.trim().parse().ok());
    let method = req.method();
    // Bodies are read only where a route takes one, and never past the limit.
    let body = if matches!(method, Method::Get | Method::Head | Method::Options) {
        Body::Bytes(Vec::new())
    } else if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        Body::TooLarge
    } else {
        let bytes = req.bytes().await?;
        if bytes.len() > MAX_BODY_BYTES {
            Body::TooLarge
        } else {
            Body::Bytes(bytes)
        }
    };
    Ok(http::Request {
        method: method.to_string().to_ascii_uppercase(),
        path: url.path().to_owned(),
        query: url.query().unwrap_or_default().to_owned(),
        own_origin: url.origin().ascii_serialization(),
        headers,
        body,
    })
}

fn write_response(response: http::Response) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    Ok(Response::from_bytes(response.body)?
        .with_status(response.status)
        .with_headers(headers))
}

/// 16 bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
fn random_bytes() -> worker::Result<[u8; 16]> {
    let mut bytes = [0u8; 16];
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    scope
        .crypto()?
        .get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}
