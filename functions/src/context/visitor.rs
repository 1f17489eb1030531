//! The visitor side of a request: the preamble every visitor write passes (its budget, a JSON
//! body, the Idempotency-Key), the visitor a token proves (and the renewed token to hand
//! back), and the token key itself.

use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use super::App;
use crate::crypto::visitor_token::TokenKey;
use crate::http::error::ApiError;
use crate::http::{Body, Request, Response, cors};
use crate::infra::rate_limit::{self, Scope};
use crate::service::sites::Site;
use ticketbooth_shared::ids::{IdempotencyKey, VisitorId};

/// Which budget a visitor's write spends (`infra::rate_limit`): tickets, thread replies and
/// tool calls spend the client's write budget; chat sends and contact details the client's
/// chat budget, because a conversation writes far more often. Both then spend the site's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Write,
    Chat,
}

/// Spends one write from the client's budget on this site, then from the site's: 429
/// `rate_limited` when either is exhausted, before anything is parsed or written. A limiter
/// that fails lets the write through: losing a visitor's ticket is worse than one extra.
pub async fn spend<E>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    budget: Budget,
) -> Result<(), ApiError> {
    let client_ip = req.header("cf-connecting-ip");
    let client = match budget {
        Budget::Write => Scope::Client,
        Budget::Chat => Scope::Chat,
    };
    for scope in [client, Scope::Site] {
        let key = rate_limit::key(scope, &site.key, client_ip);
        if let Ok(false) = app.limiter.allow(scope, &key).await {
            return Err(ApiError::RateLimited);
        }
    }
    Ok(())
}

/// The preamble of every visitor write, in one order: the budget (429 before anything is
/// read), then a JSON body (415/413), given back unparsed (each route names its own fields).
/// The visitor's token comes after, per route: required for a send or a reply, optional for
/// a create (a stale token must not cost a visitor their ticket).
pub async fn begin_write<'r, E>(
    app: &App<E>,
    req: &'r Request,
    site: &Site,
    budget: Budget,
) -> Result<&'r [u8], ApiError> {
    spend(app, req, site, budget).await?;
    json_body(req)
}

/// `begin_write` for the routes whose writes are idempotent: then the Idempotency-Key (400
/// without a valid one), before the body is parsed.
pub async fn begin_keyed_write<'r, E>(
    app: &App<E>,
    req: &'r Request,
    site: &Site,
    budget: Budget,
) -> Result<(&'r [u8], IdempotencyKey), ApiError> {
    let body = begin_write(app, req, site, budget).await?;
    Ok((body, req.idempotency_key()?))
}

/// The body of a JSON request, or the 415/413 that refuses it.
pub fn json_body(req: &Request) -> Result<&[u8], ApiError> {
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
pub struct ProvenVisitor {
    pub id: VisitorId,
    renewed: Option<String>,
}

impl ProvenVisitor {
    /// Adds the renewed token, if any, to a successful reply (the widget stores it).
    pub fn renew(self, response: Response) -> Response {
        match self.renewed {
            Some(token) => response.with_header(cors::RENEWED_TOKEN_HEADER, token),
            None => response,
        }
    }
}

pub fn visitor_from_token<E>(
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

pub fn token_key<E>(app: &App<E>) -> Result<&TokenKey, ApiError> {
    app.token_key
        .as_ref()
        .map_err(|e| ApiError::Internal(format!("VISITOR_TOKEN_SECRET: {e}")))
}
