//! The application: one `Request` in, one `Response` out. Handlers are short — parse the
//! request, call the service, map the result — and every error leaves through `ApiError`.

use std::rc::Rc;

use ticketbooth_shared::api::{
    CreateTicketRequest, CreateTicketResponse, VisitorTicketList, field,
};
use ticketbooth_shared::event::{Actor, Source};
use ticketbooth_shared::ids::{ConversationId, TicketId, VisitorId};
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use crate::chat_api;
use crate::credential_cache::CredentialCache;
use crate::dashboard;
use crate::http::error::ApiError;
use crate::http::routes::{Route, SitePage};
use crate::http::{Body, Request, Response, cors, visitor_json};
use crate::identity_token::{self, IdentitySecret};
use crate::mcp;
use crate::operator_api;
use crate::outbound::{Outbound, OutboundPolicy};
use crate::rate_limit::{self, RateLimiter, Scope};
use crate::secret_box::{SecretsKey, SecretsKeyError};
use crate::service::site_secrets::{self, Sealer, SecretName};
use crate::service::sites::{self, Site};
use crate::service::tickets::{self, CreateTicket, Created};
use crate::service::{ServiceError, conversations};
use crate::site_cache::SiteCache;
use crate::store::{Executor, StoreError};
use crate::thread_api;
use crate::tools_api;
use crate::turnstile::{self, TurnstileKeys};
use crate::visitor_token::{TokenError, TokenKey};

/// What the application runs against: the database and the token key (which may be missing
/// or weak in a misconfigured deployment — then only token routes fail, loudly, as 500s).
pub struct App<E> {
    pub db: E,
    pub token_key: Result<TokenKey, TokenError>,
    /// Budgets for public writes (`rate_limit`).
    pub limiter: Box<dyn RateLimiter>,
    /// Sites read recently by this isolate (`site_cache`); shared across its requests.
    pub sites: Rc<SiteCache>,
    /// Whom API tokens and sessions named when this isolate read them (`credential_cache`): a
    /// hint the one-round-trip status change, list and ticket page check in their own batch.
    pub credentials: Rc<CredentialCache>,
    /// Calls to other services (Turnstile's siteverify).
    pub outbound: Box<dyn Outbound>,
    /// Where Turnstile tokens are checked: `turnstile::SITEVERIFY_URL` unless configured.
    pub turnstile_verify_url: String,
    /// Where the widget loads Turnstile's script: `turnstile::SCRIPT_URL` unless configured.
    pub turnstile_script_url: String,
    /// The master keys sites' secrets are sealed with (`SECRETS_KEY`, `SECRETS_KEY_PREVIOUS`);
    /// missing in a misconfigured deployment — then storing or reading a site's secret is
    /// refused (`secrets_key_missing`, logged) and everything else works.
    pub secrets: Result<SecretsKey, SecretsKeyError>,
    /// What a tenant's URL may point at (`outbound::url`): production unless the Worker's
    /// `OUTBOUND_ALLOW_LOOPBACK_HTTP` variable says development.
    pub outbound_policy: OutboundPolicy,
}

/// Per-request values from outside the pure core: the clock and fresh random ids.
pub struct Fresh {
    pub now: Timestamp,
    pub ticket_id: TicketId,
    pub visitor_id: VisitorId,
    /// 32 bytes from the runtime's CSPRNG, for the secrets a request may mint (session ids,
    /// salts, tokens): each is `random(purpose)`.
    pub entropy: [u8; 32],
}

impl Fresh {
    /// A secret for one `purpose`: SHA-256 of the entropy and the purpose, so the secrets one
    /// request mints are independent of each other and of the ids above.
    pub fn random(&self, purpose: &[u8]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(self.entropy);
        hasher.update(purpose);
        hasher.finalize().into()
    }
}

pub async fn handle<E: Executor>(app: &App<E>, req: &Request, fresh: Fresh) -> Response {
    let mut granted_origin = None;
    let mut response = match dispatch(app, req, fresh, &mut granted_origin).await {
        Ok(response) => response,
        Err(error) if req.path.starts_with("/app") => dashboard::error_page(error),
        Err(error) => error.into_response(),
    };
    if req.path.starts_with("/api/") {
        cors::grant(&mut response, granted_origin.as_deref());
    }
    response
}

/// Whether the request's body is worth reading: the Worker reads it only when this says so,
/// and otherwise hands `handle` the request with an empty body. Refused here, from the head
/// alone: a path or method no route takes, a site's public route called from an origin the
/// site does not allow (or for a site that does not exist), and a dashboard write that is
/// neither from our own pages nor bearer-authenticated. Each of those is refused by `handle`
/// before any handler looks at the body, so the answer is the same; a foreign page or a wrong
/// path just cannot make the Worker take in an upload. The site read here is cached, so the
/// route costs no extra round trip. A fault reading the site lets the body through (the
/// handler then reports the fault; a visitor's send is never parsed as empty).
pub async fn admits_body<E: Executor>(app: &App<E>, req: &Request, now: Timestamp) -> bool {
    if matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return false;
    }
    let Ok(route) = Route::parse(&req.path) else {
        return false;
    };
    if !route.takes(&req.method) {
        return false;
    }
    match route {
        Route::Site(key, _) => match sites::load_cached(&app.db, &app.sites, &key, now).await {
            Ok(site) => cors::check(req, &site).is_ok(),
            Err(ServiceError::SiteNotFound) => false,
            Err(_) => true,
        },
        Route::App(_) => req.bearer_token().is_some() || dashboard::csrf::same_origin(req),
        Route::Health | Route::Operator(_) | Route::Tools | Route::Mcp => true,
    }
}

/// The answer when the app could not run at all (the body could not be read, a binding is
/// missing): the generic 500 in the error shape, its detail already logged. On the public API
/// it is readable cross-origin, so the widget can tell "try again later" from a network
/// failure; it says nothing about any site, so it needs no site's origin check.
pub fn failure_outside(path: &str, origin: Option<&str>) -> Response {
    let error = ApiError::Internal(String::new());
    if path.starts_with("/app") {
        return dashboard::error_page(error);
    }
    let mut response = error.into_response();
    if path.starts_with("/api/") {
        cors::grant(&mut response, origin);
    }
    response
}

async fn dispatch<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: Fresh,
    granted_origin: &mut Option<String>,
) -> Result<Response, ApiError> {
    let route = Route::parse(&req.path)?;
    let method = req.method.as_str();
    let allow = route.allow();
    if !route.takes(method) {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    let (site_key, page) = match route {
        Route::Health => return Ok(Response::json(200, &serde_json::json!({ "ok": true }))),
        Route::App(page) => return dashboard::handle(app, req, page, fresh).await,
        Route::Operator(page) => return operator_api::handle(app, req, page, fresh).await,
        Route::Tools => return Ok(tools_api::definitions()),
        Route::Mcp => return mcp::handle(app, req, fresh).await,
        Route::Site(site, page) => (site, page),
    };
    // Every site route: load the tenant, then refuse foreign browser origins before anything
    // else is read or written.
    let site = sites::load_cached(&app.db, &app.sites, &site_key, fresh.now).await?;
    *granted_origin = cors::check(req, &site)?;
    if method == "OPTIONS" {
        return Ok(cors::preflight(allow));
    }
    match (page, method) {
        (SitePage::Config, _) => Ok(Response::json(200, &site.config(&app.turnstile_script_url))),
        (SitePage::Tickets, "POST") => create_ticket(app, req, &site, fresh).await,
        (SitePage::Tickets, _) => {
            let visitor = visitor_from_token(app, req, &site.key, fresh.now)?;
            let rows = tickets::list_for_visitor(&app.db, &site, &visitor.id).await?;
            let tickets = rows
                .into_iter()
                .map(tickets::visitor_view)
                .collect::<Result<_, _>>()
                .map_err(store)?;
            Ok(visitor.renew(Response::json(200, &VisitorTicketList { tickets })))
        }
        (SitePage::Ticket(id), _) => {
            let visitor = visitor_from_token(app, req, &site.key, fresh.now)?;
            let row = tickets::find_for_visitor(&app.db, &site, &visitor.id, &id).await?;
            Ok(visitor.renew(Response::json(
                200,
                &tickets::visitor_view(row).map_err(store)?,
            )))
        }
        (SitePage::TicketComments(id), "POST") => {
            thread_api::reply(app, req, &site, &id, fresh.now).await
        }
        (SitePage::TicketComments(id), _) => {
            thread_api::read(app, req, &site, &id, fresh.now).await
        }
        (SitePage::Tool(tool), _) => tools_api::call(app, req, &site, tool, fresh).await,
        (SitePage::Conversations, _) => chat_api::start(app, req, &site, fresh).await,
        (SitePage::Messages(id), "POST") => chat_api::send(app, req, &site, &id, fresh.now).await,
        (SitePage::Messages(id), _) => chat_api::read(app, req, &site, &id, fresh.now).await,
        (SitePage::Live(id), _) => chat_api::join(app, req, &site, &id, fresh.now).await,
        (SitePage::Contact(id), _) => chat_api::contact(app, req, &site, &id, fresh.now).await,
    }
}

/// The fields of a create a wrong JSON type is reported on (422), as `ErrorDetail::fields`.
const CREATE_FIELDS: [&str; 7] = [
    field::SUBJECT,
    field::DESCRIPTION,
    "requester",
    field::REQUESTER_NAME,
    field::REQUESTER_EMAIL,
    field::TRANSCRIPT,
    "turnstile_token",
];

/// `POST /api/v1/sites/{site}/tickets` — the widget's create.
async fn create_ticket<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    spend_write_budget(app, req, site).await?;
    let body = json_body(req)?;
    let key = req.idempotency_key()?;
    let mut request: CreateTicketRequest = visitor_json::parse(body, &CREATE_FIELDS)?;
    let token_key = token_key(app)?;
    // The site's secrets are opened only when this request uses them.
    let sealer = Sealer::new(
        &app.secrets,
        fresh.random(b"site secrets"),
        fresh.now.millis(),
    );
    // A signed identity from the site's backend must be valid: a refused one is an error the
    // site's developers need to see (unlike a stale visitor token, below).
    let identity = match req.header(identity_token::HEADER) {
        None => None,
        Some(jwt) => {
            let secret = match &site.identity_secret {
                None => None,
                Some(stored) => {
                    Some(take_secret(app, &sealer, site, SecretName::IdentitySecret, stored).await?)
                }
            };
            let secret = secret.and_then(IdentitySecret::from_stored);
            Some(
                identity_token::verify(jwt, secret.as_ref(), &site.key, fresh.now)
                    .map_err(ApiError::IdentityInvalid)?,
            )
        }
    };
    // A returning visitor keeps their identity; a missing, expired or forged token must not
    // cost the visitor their ticket, so it simply starts a new identity. A signed identity
    // proves its own visitor, the same one on every device.
    let proven = match &identity {
        Some(identity) => Some(identity.visitor.clone()),
        None => req
            .bearer_token()
            .and_then(|token| token_key.verify(&site.key, token, fresh.now).ok())
            .map(|verified| verified.visitor),
    };
    let visitor = proven.clone().unwrap_or(fresh.visitor_id);
    if identity.is_some() {
        // The requester is who the site says, not what the form says.
        request.requester = None;
    }
    // `?conversation_id=` (a query parameter, so the request body's wire type is unchanged):
    // the ticket grows out of the visitor's own conversation, takes its transcript and is
    // linked to it. Only a visitor who proves the conversation is theirs may name it.
    let conversation = match conversation_of(req)? {
        None => None,
        Some(id) => {
            let visitor = proven.as_ref().ok_or(ApiError::Unauthorized)?;
            let reader = conversations::Reader::Visitor(visitor);
            Some(conversations::find(&app.db, site, reader, &id, fresh.now).await?)
        }
    };
    // Contact details given in the chat fill what the form left empty.
    if let Some(row) = conversation.as_ref().filter(|_| identity.is_none()) {
        let given = request.requester.get_or_insert_default();
        for (field, kept) in [
            (&mut given.name, &row.requester_name),
            (&mut given.email, &row.requester_email),
        ] {
            if let Some(kept) = kept.as_ref().filter(|_| field.trim().is_empty()) {
                kept.clone_into(field);
            }
        }
    }
    let mut ticket = NewTicket::parse(&request, site.contact_required && identity.is_none())
        .map_err(ServiceError::Validation)?;
    // The human check comes after the cheap checks (a form with errors spends no siteverify
    // call) and before anything is written.
    if let Some(turnstile) = &site.turnstile {
        let secret = take_secret(
            app,
            &sealer,
            site,
            SecretName::TurnstileSecret,
            &turnstile.secret,
        )
        .await?;
        let keys = TurnstileKeys::from_parts(turnstile.site_key.clone(), secret);
        turnstile::verify(
            app.outbound.as_ref(),
            &app.turnstile_verify_url,
            &keys,
            request.turnstile_token.as_deref(),
            req.header("cf-connecting-ip"),
            key.as_ref(),
        )
        .await
        .map_err(ApiError::Turnstile)?;
    }
    if let Some(identity) = identity {
        ticket.requester.name = identity.name;
        ticket.requester.email = identity.email;
    }
    let conversation = match conversation {
        None => None,
        Some(row) => {
            let messages = conversations::all_messages(&app.db, site, &row).await?;
            ticket.transcript = conversations::transcript(&messages);
            Some(row.id)
        }
    };
    let created = tickets::create(
        &app.db,
        CreateTicket {
            conversation: conversation.as_deref(),
            site,
            ticket,
            source: Source::Widget,
            idempotency_key: key,
            actor: Actor::Visitor {
                visitor_id: visitor.as_ref().to_owned(),
            },
            visitor: Some(visitor),
            assignee: None,
            priority: ticketbooth_shared::Priority::Normal,
            summary: None,
            // Without a conversation, the transcript is whatever the browser sent.
            transcript_from_visitor: conversation.is_none(),
            fresh_id: fresh.ticket_id,
            now: fresh.now,
        },
    )
    .await?;
    let mut live = None;
    let (status, row) = match created {
        Created::New { ticket, card } => {
            if let (Some(card), Some(conversation)) = (&card, &conversation) {
                live = Some(chat_api::broadcast(conversation, card)?);
            }
            (201, ticket)
        }
        Created::Replayed(row) => (200, row),
    };
    let owner = row
        .visitor_id
        .as_deref()
        .and_then(|v| VisitorId::parse(v).ok());
    let owner = owner
        .ok_or_else(|| ApiError::Internal(format!("widget ticket {} has no visitor", row.id)))?;
    // A new ticket's token goes to its creator; a replay's only to whoever already proves
    // that visitor (the request alone, key and body, is not a credential).
    let visitor_token = (status == 201 || proven.as_ref() == Some(&owner))
        .then(|| token_key.sign(&site.key, &owner, fresh.now));
    let response = CreateTicketResponse {
        visitor_token,
        ticket: tickets::visitor_view(row).map_err(store)?,
    };
    let mut response = Response::json(status, &response).notifying(site);
    // The conversation's live room shows the ticket's card at once.
    response.live = live;
    Ok(response)
}

/// A site's secret opened for this request (`site_secrets::take`); when a clear one from
/// before migration 0018 was sealed meanwhile, this isolate's cached site is dropped.
async fn take_secret<E: Executor>(
    app: &App<E>,
    sealer: &Sealer<'_>,
    site: &Site,
    name: SecretName,
    stored: &site_secrets::Stored,
) -> Result<String, ApiError> {
    let (secret, changed) = site_secrets::take(&app.db, sealer, site.id, name, stored).await?;
    if changed {
        app.sites.invalidate(&site.key);
    }
    Ok(secret)
}

/// The `conversation_id` query parameter of a create, if any (404 when it is no id).
fn conversation_of(req: &Request) -> Result<Option<ConversationId>, ApiError> {
    #[derive(serde::Deserialize)]
    struct Query {
        conversation_id: Option<String>,
    }
    let query: Query = serde_urlencoded::from_str(&req.query).map_err(|_| ApiError::NotFound)?;
    query
        .conversation_id
        .map(|id| ConversationId::parse(&id).map_err(|_| ApiError::NotFound))
        .transpose()
}

/// Spends one public write from the client's budget on this site, then from the site's: 429
/// `rate_limited` when either is exhausted, before anything is parsed or written. A limiter
/// that fails lets the write through: losing a visitor's ticket is worse than one extra.
pub(crate) async fn spend_write_budget<E>(
    app: &App<E>,
    req: &Request,
    site: &Site,
) -> Result<(), ApiError> {
    let client_ip = req.header("cf-connecting-ip");
    for scope in [Scope::Client, Scope::Site] {
        let key = rate_limit::key(scope, &site.key, client_ip);
        if let Ok(false) = app.limiter.allow(scope, &key).await {
            return Err(ApiError::RateLimited);
        }
    }
    Ok(())
}

/// The body of a JSON request, or the 415/413 that refuses it.
pub(crate) fn json_body(req: &Request) -> Result<&[u8], ApiError> {
    let content_type = req.header("content-type").unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    match &req.body {
        Body::Bytes(bytes) => Ok(bytes),
        Body::TooLarge => Err(ApiError::PayloadTooLarge),
    }
}

/// A visitor proven by their token, and the renewed token to hand back when it is due.
pub(crate) struct ProvenVisitor {
    pub(crate) id: VisitorId,
    renewed: Option<String>,
}

impl ProvenVisitor {
    /// Adds the renewed token, if any, to a successful reply (the widget stores it).
    pub(crate) fn renew(self, response: Response) -> Response {
        match self.renewed {
            Some(token) => response.with_header(cors::RENEWED_TOKEN_HEADER, token),
            None => response,
        }
    }
}

pub(crate) fn visitor_from_token<E>(
    app: &App<E>,
    req: &Request,
    site: &SiteKey,
    now: Timestamp,
) -> Result<ProvenVisitor, ApiError> {
    let token = req.bearer_token().ok_or(ApiError::Unauthorized)?;
    let key = token_key(app)?;
    let verified = key
        .verify(site, token, now)
        .map_err(|_| ApiError::Unauthorized)?;
    let renewed = verified
        .renew
        .then(|| key.sign(site, &verified.visitor, now));
    Ok(ProvenVisitor {
        id: verified.visitor,
        renewed,
    })
}

pub(crate) fn token_key<E>(app: &App<E>) -> Result<&TokenKey, ApiError> {
    app.token_key
        .as_ref()
        .map_err(|e| ApiError::Internal(format!("VISITOR_TOKEN_SECRET: {e}")))
}

pub(crate) fn store(e: StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}
