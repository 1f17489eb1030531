//! The workerd adapter: converts workerd's request into `http::Request`, runs `app::handle`
//! over D1, converts the answer back, and logs the request's line (`infra::log`). Nothing else
//! lives here, because nothing here can run in host tests.

use ticketbooth_shared::ids::{TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;
use worker::{Context, Env, Headers, Method, Request, Response, event};

use std::cell::Cell;
use std::rc::Rc;

use futures_util::StreamExt;

use crate::app;
use crate::context::{App, Fresh};
use crate::crypto::random;
use crate::crypto::visitor_token::{TokenError, TokenKey};
use crate::http::export;
use crate::http::routes::{self, Route};
use crate::http::{self, Body, MAX_BODY_BYTES};
use crate::infra::log::{Event, Level, Line};
use crate::infra::rate_limit::Bindings;
use crate::integrations::outbound;
use crate::integrations::turnstile;
use crate::platform::live_room;
use crate::service::credential_cache::CredentialCache;
use crate::service::site_cache::{self, SiteCache};
use crate::store::d1::D1Executor;

use super::console;
use super::env::{outbound_policy, secrets_key};
use super::follow_up::follow;

thread_local! {
    /// The isolate's site cache: an isolate runs one request at a time on one thread, and
    /// keeps its globals between requests.
    static SITES: Rc<SiteCache> = Rc::new(SiteCache::new(site_cache::TTL_MS));
    /// The isolate's credential hints (`credential_cache`), kept the same way.
    static CREDENTIALS: Rc<CredentialCache> = Rc::new(CredentialCache::default());
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let started = js_sys::Date::now();
    let method = req.method().to_string();
    let path = req.path();
    let request_id = console::request_id(req.headers().get("cf-ray").ok().flatten().as_deref());
    let trips = Rc::new(Cell::new(0));
    let origin = req.headers().get("origin").ok().flatten();
    let own_origin = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let mut detail;
    let answer = match serve(&mut req, &env, &request_id, &trips).await {
        Ok(mut response) => {
            detail = response.log.take();
            if let Some(follow_up) = response.follow_up.take() {
                ctx.wait_until(follow(
                    follow_up,
                    env.clone(),
                    own_origin,
                    request_id.clone(),
                ));
            }
            match response.live.take() {
                None => write_response(response, &env, &request_id),
                Some(live) => carry_out(live, req, &env, response, &request_id).await,
            }
        }
        // A failure before or after `app::handle` (reading the body, a missing binding,
        // building the response) still answers in the API's error shape, never workerd's page.
        Err(e) => {
            detail = Some(format!("outside the app: {e}"));
            write_response(
                app::failure_outside(&path, origin.as_deref(), &request_id),
                &env,
                &request_id,
            )
        }
    };
    // The request's one line: the route's template and the site's key, never the path (it
    // holds codes, conversation ids and tokens), and the detail of a failure (`Response::log`,
    // the database's or the runtime's error, never the visitor's text).
    let status = match &answer {
        Ok(response) => response.status_code(),
        Err(e) => {
            detail.get_or_insert_with(|| e.to_string());
            500
        }
    };
    let route = routes::template(&method, &path);
    let site = match Route::parse(&path) {
        Ok(Route::Site(key, _)) => Some(key),
        _ => None,
    };
    let line = Line {
        level: if detail.is_some() || status >= 500 {
            Level::Error
        } else {
            Level::Info
        },
        route: Some(&route),
        site: site.as_ref().map(AsRef::as_ref),
        status: Some(status),
        duration_ms: Some(console::since(started)),
        d1_round_trips: Some(trips.get()),
        error: detail.as_deref(),
        ..Line::new(Level::Info, Event::Request, &request_id)
    };
    console::print(&line);
    answer
}

async fn serve(
    req: &mut Request,
    env: &Env,
    request_id: &str,
    trips: &Rc<Cell<u32>>,
) -> worker::Result<http::Response> {
    let mut request = read_head(req)?;
    let token_key = env
        .secret("VISITOR_TOKEN_SECRET")
        .map(|s| s.to_string())
        .map_err(|_| TokenError::WeakSecret)
        .and_then(|secret| TokenKey::new(&secret))
        .and_then(|key| match env.secret("VISITOR_TOKEN_SECRET_PREVIOUS") {
            Ok(previous) => key.with_previous(&previous.to_string()),
            Err(_) => Ok(key),
        });
    let app = App {
        db: D1Executor::counting_into(env.d1("DB")?, Rc::clone(trips)),
        token_key,
        limiter: Box::new(Bindings {
            client: env.rate_limiter("CLIENT_WRITES")?,
            site: env.rate_limiter("SITE_WRITES")?,
            chat: env.rate_limiter("CHAT_WRITES")?,
        }),
        sites: SITES.with(Rc::clone),
        credentials: CREDENTIALS.with(Rc::clone),
        outbound: Box::new(outbound::Fetch),
        turnstile_verify_url: env
            .var("TURNSTILE_VERIFY_URL")
            .map_or_else(|_| turnstile::SITEVERIFY_URL.to_owned(), |v| v.to_string()),
        turnstile_script_url: env
            .var("TURNSTILE_SCRIPT_URL")
            .map_or_else(|_| turnstile::SCRIPT_URL.to_owned(), |v| v.to_string()),
        secrets: secrets_key(env),
        outbound_policy: outbound_policy(env),
        email_domain: env
            .var("EMAIL_DOMAIN")
            .map(|v| v.to_string())
            .unwrap_or_default(),
    };
    let now = Timestamp::from_millis(js_sys::Date::now() as i64);
    // The body only after routing and the origin check (`app::admits_body`).
    if app::admits_body(&app, &request, now).await {
        request.body = read_body(req, &request.headers).await?;
    }
    let fresh = Fresh {
        now,
        ticket_id: TicketId::mint(now, random::bytes().map_err(random_error)?),
        visitor_id: VisitorId::mint(random::bytes().map_err(random_error)?),
        entropy: random::bytes().map_err(random_error)?,
        request_id: request_id.to_owned(),
    };
    Ok(app::handle(&app, &request, fresh).await)
}

/// The request without its body: method, URL and headers.
fn read_head(req: &Request) -> worker::Result<http::Request> {
    let url = req.url()?;
    let headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    Ok(http::Request {
        method: req.method().to_string().to_ascii_uppercase(),
        path: url.path().to_owned(),
        query: url.query().unwrap_or_default().to_owned(),
        own_origin: url.origin().ascii_serialization(),
        headers,
        body: Body::Bytes(Vec::new()),
    })
}

/// The body, never past `MAX_BODY_BYTES`: refused unread when `Content-Length` says it is
/// larger, else read chunk by chunk and abandoned as soon as it passes the limit, so a chunked
/// upload without `Content-Length` cannot make the Worker buffer more than the limit.
async fn read_body(req: &mut Request, headers: &[(String, String)]) -> worker::Result<Body> {
    let declared: Option<usize> = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.trim().parse().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Ok(Body::TooLarge);
    }
    if req.inner().body().is_none() {
        return Ok(Body::Bytes(Vec::new()));
    }
    let mut stream = req.stream()?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(Body::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body::Bytes(bytes))
}

/// What the core decided about the conversation's live room: hand an authorised WebSocket
/// upgrade to it, or have it broadcast a message just written to D1 (then answer as the core
/// did; a failed broadcast costs only liveness, the message is in D1 for the next read).
async fn carry_out(
    live: http::Live,
    req: Request,
    env: &Env,
    response: http::Response,
    request_id: &str,
) -> worker::Result<Response> {
    let room = |id: &str| -> worker::Result<worker::Stub> {
        env.durable_object(live_room::BINDING)?
            .id_from_name(id)?
            .get_stub()
    };
    match live {
        http::Live::Join { conversation_id } => {
            room(&conversation_id)?.fetch_with_request(req).await
        }
        // The room learns whom the socket listens as from a URL only the Worker builds.
        http::Live::JoinAsOperator {
            conversation_id,
            member,
        } => {
            let url = format!(
                "{}?site={}&operator={}",
                live_room::OPERATOR_JOIN_URL,
                member.site_id,
                member.operator_id
            );
            let mut init = worker::RequestInit::new();
            init.with_method(Method::Get)
                .with_headers(req.headers().clone());
            let join = Request::new_with_init(&url, &init)?;
            room(&conversation_id)?.fetch_with_request(join).await
        }
        http::Live::Broadcast {
            conversation_id,
            payload,
        } => {
            let sent = async {
                let mut init = worker::RequestInit::new();
                init.with_method(Method::Post)
                    .with_body(Some(payload.into()));
                let request = Request::new_with_init("https://room/broadcast", &init)?;
                room(&conversation_id)?.fetch_with_request(request).await
            };
            if let Err(e) = sent.await {
                // Not the conversation's id: the request id finds the request's own line.
                let detail = format!("live room: broadcast failed: {e}");
                console::print(&Line::error(Event::Request, request_id, &detail));
            }
            write_response(response, env, request_id)
        }
    }
}

fn write_response(
    response: http::Response,
    env: &Env,
    request_id: &str,
) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let body = match response.more {
        None => Response::from_bytes(response.body)?,
        Some(at) => Response::from_stream(export_stream(
            response.body,
            at,
            D1Executor::new(env.d1("DB")?),
            request_id.to_owned(),
        ))?,
    };
    Ok(body.with_status(response.status).with_headers(headers))
}

/// A streamed export: the start the app built, then one page per D1 batch as the client reads,
/// so the Worker holds one page at a time however big the site. A failure mid-way ends the
/// stream with an error (the client sees a cut download, never a silently short file).
fn export_stream(
    first: Vec<u8>,
    at: export::Continuation,
    db: D1Executor,
    request_id: String,
) -> impl futures_util::Stream<Item = worker::Result<Vec<u8>>> + 'static {
    let state = (Some(first), Some(at), db, request_id);
    futures_util::stream::unfold(state, |(first, at, db, id)| async move {
        if let Some(first) = first {
            return Some((Ok(first), (None, at, db, id)));
        }
        match export::next_chunk(&db, at?).await {
            Ok((chunk, next)) => Some((Ok(chunk), (None, next, db, id))),
            Err(e) => {
                // After the request's line: its own error line, under the request's id.
                let detail = format!("export stream: {e}");
                console::print(&Line::error(Event::Request, &id, &detail));
                Some((
                    Err(worker::Error::RustError(e.to_string())),
                    (None, None, db, id),
                ))
            }
        }
    })
}

fn random_error(e: getrandom::Error) -> worker::Error {
    worker::Error::RustError(format!("no random bytes: {e}"))
}
