//! The visitor side of a request: the write budget a public write spends, a JSON body, the
//! visitor a token proves (and the renewed token to hand back), and the token key itself.

use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use super::App;
use crate::crypto::visitor_token::TokenKey;
use crate::http::error::ApiError;
use crate::http::{Body, Request, Response, cors};
use crate::infra::rate_limit::{self, Scope};
use crate::service::sites::Site;
use crate::store::StoreError;
use ticketbooth_shared::ids::VisitorId;

/// Spends one public write from the client's budget on this site, then from the site's: 429
/// `rate_limited` when either is exhausted, before anything is parsed or written. A limiter
/// that fails lets the write through: losing a visitor's ticket is worse than one extra.
pub async fn spend_write_budget<E>(
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

pub fn store(e: StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}
