//! The application: one `Request` in, one `Response` out. Handlers are short — parse the
//! request, call the service, map the result — and every error leaves through `ApiError`.

use ticketbooth_shared::api::{CreateTicketRequest, CreateTicketResponse, VisitorTicketList};
use ticketbooth_shared::event::{Actor, Source};
use ticketbooth_shared::ids::{IdempotencyKey, TicketId, VisitorId};
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use crate::dashboard;
use crate::http::error::ApiError;
use crate::http::routes::{Route, SitePage};
use crate::http::{Body, Request, Response, cors};
use crate::service::ServiceError;
use crate::service::sites::{self, Site};
use crate::service::tickets::{self, CreateTicket, Created};
use crate::store::{Executor, StoreError};
use crate::visitor_token::{TokenError, TokenKey};

/// What the application runs against: the database and the token key (which may be missing
/// or weak in a misconfigured deployment — then only token routes fail, loudly, as 500s).
pub struct App<E> {
    pub db: E,
    pub token_key: Result<TokenKey, TokenError>,
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

async fn dispatch<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: Fresh,
    granted_origin: &mut Option<String>,
) -> Result<Response, ApiError> {
    let route = Route::parse(&req.path)?;
    let method = req.method.as_str();
    let allow = route.allow();
    if !allow.split(", ").any(|m| m == method) {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    let (site_key, page) = match route {
        Route::Health => return Ok(Response::json(200, &serde_json::json!({ "ok": true }))),
        Route::App(page) => return dashboard::handle(app, req, page, fresh).await,
        Route::Site(site, page) => (site, page),
    };
    // Every site route: load the tenant, then refuse foreign browser origins before anything
    // else is read or written.
    let site = sites::load(&app.db, &site_key).await?;
    *granted_origin = cors::check(req, &site)?;
    if method == "OPTIONS" {
        return Ok(cors::preflight(allow));
    }
    match (page, method) {
        (SitePage::Config, _) => Ok(Response::json(200, &site.config())),
        (SitePage::Tickets, "POST") => create_ticket(app, req, &site, fresh).await,
        (SitePage::Tickets, _) => {
            let visitor = visitor_from_token(app, req, &site.key)?;
            let rows = tickets::list_for_visitor(&app.db, &site, &visitor).await?;
            let tickets = rows
                .into_iter()
                .map(tickets::visitor_view)
                .collect::<Result<_, _>>()
                .map_err(store)?;
            Ok(Response::json(200, &VisitorTicketList { tickets }))
        }
        (SitePage::Ticket(id), _) => {
            let visitor = visitor_from_token(app, req, &site.key)?;
            let row = tickets::find_for_visitor(&app.db, &site, &visitor, &id).await?;
            Ok(Response::json(
                200,
                &tickets::visitor_view(row).map_err(store)?,
            ))
        }
    }
}

/// `POST /api/v1/sites/{site}/tickets` — the widget's create.
async fn create_ticket<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let body = json_body(req)?;
    let key = match req.header("idempotency-key") {
        None => return Err(ApiError::IdempotencyKeyRequired),
        Some(raw) => {
            IdempotencyKey::parse(raw.trim()).map_err(|_| ApiError::IdempotencyKeyInvalid)?
        }
    };
    let request: CreateTicketRequest =
        serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let token_key = token_key(app)?;
    // A returning visitor keeps their identity; a missing or stale token (say, after a secret
    // rotation) must not cost the visitor their ticket, so it simply starts a new identity.
    let visitor = req
        .bearer_token()
        .and_then(|token| token_key.verify(&site.key, token).ok())
        .unwrap_or(fresh.visitor_id);
    let ticket =
        NewTicket::parse(&request, site.contact_required).map_err(ServiceError::Validation)?;
    let created = tickets::create(
        &app.db,
        CreateTicket {
            site,
            ticket,
            source: Source::Widget,
            idempotency_key: key,
            actor: Actor::Visitor {
                visitor_id: visitor.as_ref().to_owned(),
            },
            visitor: Some(visitor),
            fresh_id: fresh.ticket_id,
            now: fresh.now,
        },
    )
    .await?;
    let (status, row) = match created {
        Created::New(row) => (201, row),
        Created::Replayed(row) => (200, row),
    };
    let owner = row
        .visitor_id
        .as_deref()
        .and_then(|v| VisitorId::parse(v).ok());
    let owner = owner
        .ok_or_else(|| ApiError::Internal(format!("widget ticket {} has no visitor", row.id)))?;
    let response = CreateTicketResponse {
        visitor_token: token_key.sign(&site.key, &owner),
        ticket: tickets::visitor_view(row).map_err(store)?,
    };
    Ok(Response::json(status, &response))
}

/// The body of a JSON request, or the 415/413 that refuses it.
fn json_body(req: &Request) -> Result<&[u8], ApiError> {
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

fn visitor_from_token<E>(
    app: &App<E>,
    req: &Request,
    site: &SiteKey,
) -> Result<VisitorId, ApiError> {
    let token = req.bearer_token().ok_or(ApiError::Unauthorized)?;
    token_key(app)?
        .verify(site, token)
        .map_err(|_| ApiError::Unauthorized)
}

fn token_key<E>(app: &App<E>) -> Result<&TokenKey, ApiError> {
    app.token_key
        .as_ref()
        .map_err(|e| ApiError::Internal(format!("VISITOR_TOKEN_SECRET: {e}")))
}

fn store(e: StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}
