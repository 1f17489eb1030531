//! The workerd adapter: converts workerd's request into `http::Request`, runs `app::handle`
//! over D1, and converts the answer back. Nothing else lives here, because nothing here can
//! run in host tests.

use ticketbooth_shared::ids::{ConversationId, TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;
use worker::MessageExt;
use worker::{
    Context, Env, Headers, Method, Request, Response, ScheduleContext, ScheduledEvent,
    console_error, console_log, event,
};

use std::rc::Rc;

use futures_util::StreamExt;

use crate::app::{self, App, Fresh};
use crate::bot;
use crate::credential_cache::CredentialCache;
use crate::data_export;
use crate::http::{self, Body, MAX_BODY_BYTES};
use crate::live_room;
use crate::outbound;
use crate::random;
use crate::rate_limit::Bindings;
use crate::secret_box::{SecretsKey, SecretsKeyError};
use crate::service::maintenance;
use crate::service::site_secrets::Sealer;
use crate::service::{conversations, sites};
use crate::site_cache::{self, SiteCache};
use crate::sql::notifications;
use crate::store::Executor;
use crate::store::d1::D1Executor;
use crate::turnstile;
use crate::visitor_token::{TokenError, TokenKey};
use crate::webhooks;

thread_local! {
    /// The isolate's site cache: an isolate runs one request at a time on one thread, and
    /// keeps its globals between requests.
    static SITES: Rc<SiteCache> = Rc::new(SiteCache::new(site_cache::TTL_MS));
    /// The isolate's credential hints (`credential_cache`), kept the same way.
    static CREDENTIALS: Rc<CredentialCache> = Rc::new(CredentialCache::default());
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let method = req.method().to_string();
    let path = req.path();
    let origin = req.headers().get("origin").ok().flatten();
    let own_origin = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    match serve(&mut req, &env).await {
        Ok(mut response) => {
            if let Some(follow_up) = response.follow_up.take() {
                ctx.wait_until(follow(follow_up, env.clone(), own_origin));
            }
            match response.live.take() {
                None => write_response(response, &env),
                Some(live) => carry_out(live, req, &env, response).await,
            }
        }
        // A failure before or after `app::handle` (reading the body, a missing binding,
        // building the response) still answers in the API's error shape, never workerd's page.
        Err(e) => {
            console_error!("{method} {path} -> 500 outside the app: {e}");
            write_response(app::failure_outside(&path, origin.as_deref()), &env)
        }
    }
}

async fn serve(req: &mut Request, env: &Env) -> worker::Result<http::Response> {
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
        db: D1Executor::new(env.d1("DB")?),
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
    Ok(response)
}

/// The master keys sites' secrets are sealed with: `SECRETS_KEY`, and `SECRETS_KEY_PREVIOUS`
/// during a rotation. A missing key is reported where a secret is needed (refused and logged).
fn secrets_key(env: &Env) -> Result<SecretsKey, SecretsKeyError> {
    // Fixed names only (`tidy::worker_secrets_are_read_by_fixed_names`).
    let current = env.secret("SECRETS_KEY").ok().map(|s| s.to_string());
    let previous = env
        .secret("SECRETS_KEY_PREVIOUS")
        .ok()
        .map(|s| s.to_string());
    SecretsKey::from_secrets(current.as_deref(), previous.as_deref())
}

/// Work after the answer: the site's bot replies in the conversation.
async fn follow(follow_up: http::FollowUp, env: Env, origin: String) {
    let (site, conversation_id, visitor_id) = match follow_up {
        http::FollowUp::Notify { site_id } => {
            enqueue_pending(&env, Some(site_id)).await;
            return;
        }
        http::FollowUp::Bot {
            site,
            conversation_id,
            visitor_id,
        } => (site, conversation_id, visitor_id),
    };
    let result: Result<String, String> = async {
        let db = D1Executor::new(env.d1("DB").map_err(|e| e.to_string())?);
        let site = sites::load(&db, &site).await.map_err(|e| e.to_string())?;
        let settings = site.bot.clone().ok_or("the site has no bot")?;
        let visitor = VisitorId::parse(&visitor_id).map_err(|_| "visitor id")?;
        let id = ConversationId::parse(&conversation_id).map_err(|_| "conversation id")?;
        let now = || Timestamp::from_millis(js_sys::Date::now() as i64);
        let conversation = conversations::find(
            &db,
            &site,
            conversations::Reader::Visitor(&visitor),
            &id,
            now(),
        )
        .await
        .map_err(|e| e.to_string())?;
        // The site's own key, pasted by its owner and sealed in D1: never a Worker secret named
        // by tenant data. Without SECRETS_KEY the bot does not call its provider at all.
        let secrets = secrets_key(&env);
        let sealer = Sealer::new(
            &secrets,
            random::bytes().map_err(|e| e.to_string())?,
            now().millis(),
        );
        let api_key = bot::provider_key(&db, &site, &sealer)
            .await
            .map_err(|e| match e {
                crate::service::ServiceError::Refused(_) => {
                    crate::http::error::SECRETS_KEY_MISSING_LOG.to_owned()
                }
                other => other.to_string(),
            })?;
        let ticket_id = || TicketId::mint(now(), random::bytes().unwrap_or([0; 10]));
        let ended = bot::respond(
            &db,
            &outbound::Fetch,
            &RoomsBinding(&env),
            &site,
            &settings,
            api_key.as_deref(),
            &conversation,
            &visitor,
            &origin,
            &bot::Outside {
                now: &now,
                ticket_id: &ticket_id,
                policy: outbound_policy(&env),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(format!("{ended:?}"))
    }
    .await;
    match result {
        Ok(ended) => console_log!("bot in {conversation_id}: {ended}"),
        Err(e) => console_error!("bot in {conversation_id}: {e}"),
    }
    // A ticket the bot opened is announced like any other.
    enqueue_pending(&env, None).await;
}

/// The Queue of webhook events (`[[queues.producers]]` in wrangler.toml).
const NOTIFICATIONS: &str = "NOTIFICATIONS";

/// Hands the outbox's waiting events (of one site, or all) to the Queue. An event the Queue
/// refuses goes back to waiting, for the next call or the Cron Trigger.
async fn enqueue_pending(env: &Env, site_id: Option<i64>) {
    let result: Result<usize, String> = async {
        let db = D1Executor::new(env.d1("DB").map_err(|e| e.to_string())?);
        let now = js_sys::Date::now() as i64;
        let rows = db
            .batch(vec![notifications::take_pending(site_id, now, 100)])
            .await
            .map_err(|e| e.to_string())?;
        let ids: Vec<String> = rows
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("id").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        let queue = env.queue(NOTIFICATIONS).map_err(|e| e.to_string())?;
        for id in &ids {
            if let Err(e) = queue.send(id.clone()).await {
                console_error!("notification {id}: not queued: {e}");
                let _ = db.batch(vec![notifications::unqueue(id)]).await;
            }
        }
        Ok(ids.len())
    }
    .await;
    if let Err(e) = result {
        console_error!("notifications: {e}");
    }
}

/// The Queue's consumer: one delivery attempt per event, acknowledged when done, retried with
/// backoff when the receiver failed.
#[event(queue)]
async fn queue(batch: worker::MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    let db = D1Executor::new(env.d1("DB")?);
    let dashboard = env
        .var("DASHBOARD_ORIGIN")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let base = env
        .var("WEBHOOK_RETRY_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(30);
    let secrets = secrets_key(&env);
    for message in batch.messages()? {
        let id = message.body().clone();
        let now = js_sys::Date::now() as i64;
        // Never `?` here: an `Err` from a queue handler retries the whole batch.
        let Ok(random) = random::bytes() else {
            message.retry();
            continue;
        };
        let sealer = Sealer::new(&secrets, random, now);
        let policy = outbound_policy(&env);
        let attempted = webhooks::deliver(
            &db,
            &outbound::Fetch,
            &sealer,
            policy,
            &id,
            &dashboard,
            base,
            now,
        )
        .await;
        if let Ok(webhooks::Attempted {
            detail: Some(detail),
            ..
        }) = &attempted
        {
            console_log!("notification {id}: not delivered: {detail}");
        }
        match attempted.map(|a| a.next) {
            Ok(webhooks::Next::Done) => message.ack(),
            Ok(webhooks::Next::RetryIn(seconds)) => {
                console_log!("notification {id}: retry in {seconds} s");
                message.retry_with_options(
                    &worker::QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(seconds)
                        .build(),
                );
            }
            Err(e) => {
                console_error!("notification {id}: {e}");
                message.retry();
            }
        }
    }
    Ok(())
}

/// What tenants' URLs may point at: the development allowance only when the Worker variable
/// says so (`cargo xtask dev` and the end-to-end harness set it; wrangler.toml never does).
fn outbound_policy(env: &Env) -> outbound::OutboundPolicy {
    let value = env
        .var("OUTBOUND_ALLOW_LOOPBACK_HTTP")
        .ok()
        .map(|v| v.to_string());
    outbound::OutboundPolicy::from_variable(value.as_deref())
}

/// The live rooms, through the Durable Object binding.
struct RoomsBinding<'a>(&'a Env);

impl bot::Rooms for RoomsBinding<'_> {
    fn broadcast<'a>(
        &'a self,
        conversation_id: &'a str,
        payload: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>> {
        Box::pin(async move {
            let sent = async {
                let mut init = worker::RequestInit::new();
                init.with_method(Method::Post)
                    .with_body(Some(payload.into()));
                let request = Request::new_with_init("https://room/broadcast", &init)?;
                self.0
                    .durable_object(live_room::BINDING)?
                    .id_from_name(conversation_id)?
                    .get_stub()?
                    .fetch_with_request(request)
                    .await
            };
            if let Err(e) = sent.await {
                console_error!("live room {conversation_id}: broadcast failed: {e}");
            }
        })
    }
}

/// The Cron Trigger (`[triggers]` in wrangler.toml): scheduled upkeep. Under `wrangler dev
/// --test-scheduled`, `GET /__scheduled` runs it.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = Timestamp::from_millis(js_sys::Date::now() as i64);
    let result = match env.d1("DB") {
        Ok(db) => maintenance::expire(&D1Executor::new(db), now)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(expired) => console_log!(
            "scheduled: expired {} idempotency keys, {} sessions, {} invitations, {} conversations ({} messages), {} webhook events",
            expired.idempotency_keys,
            expired.sessions,
            expired.invitations,
            expired.conversations,
            expired.messages,
            expired.notifications
        ),
        // Logged, not retried: the next run deletes the same rows and more.
        Err(e) => console_error!("scheduled: {e}"),
    }
    // Events never handed to the Queue (a Worker stopped between the write and the send).
    enqueue_pending(&env, None).await;
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
                console_error!("live room {conversation_id}: broadcast failed: {e}");
            }
            write_response(response, env)
        }
    }
}

fn write_response(response: http::Response, env: &Env) -> worker::Result<Response> {
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
        ))?,
    };
    Ok(body.with_status(response.status).with_headers(headers))
}

/// A streamed export: the start the app built, then one page per D1 batch as the client reads,
/// so the Worker holds one page at a time however big the site. A failure mid-way ends the
/// stream with an error (the client sees a cut download, never a silently short file).
fn export_stream(
    first: Vec<u8>,
    at: data_export::Continuation,
    db: D1Executor,
) -> impl futures_util::Stream<Item = worker::Result<Vec<u8>>> + 'static {
    futures_util::stream::unfold((Some(first), Some(at), db), |(first, at, db)| async move {
        if let Some(first) = first {
            return Some((Ok(first), (None, at, db)));
        }
        match data_export::next_chunk(&db, at?).await {
            Ok((chunk, next)) => Some((Ok(chunk), (None, next, db))),
            Err(e) => {
                console_error!("export stream: {e}");
                Some((
                    Err(worker::Error::RustError(e.to_string())),
                    (None, None, db),
                ))
            }
        }
    })
}

fn random_error(e: getrandom::Error) -> worker::Error {
    worker::Error::RustError(format!("no random bytes: {e}"))
}
