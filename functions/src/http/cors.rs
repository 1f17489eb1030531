//! CORS for the public widget API: a browser may call a site's API from that site's allowed
//! origins (and from the Worker's own origin). Requests without an `Origin` header are not from
//! a browser page and pass.

use super::error::ApiError;
use super::{Request, Response};
use crate::service::sites::{Site, normalize_origin};

/// The origin to echo in `Access-Control-Allow-Origin`, if any; an error for a browser origin
/// the site does not allow (checked before anything is read or written).
pub fn check(req: &Request, site: &Site) -> Result<Option<String>, ApiError> {
    let Some(origin) = req.header("origin") else {
        return Ok(None);
    };
    if normalize_origin(origin) == normalize_origin(&req.own_origin) || site.allows_origin(origin) {
        Ok(Some(origin.to_owned()))
    } else {
        Err(ApiError::OriginNotAllowed)
    }
}

/// Carries a renewed visitor token on a reply (see `visitor_token`); exposed to the widget.
pub const RENEWED_TOKEN_HEADER: &str = "ticketbooth-visitor-token";

/// The answer to a preflight from an allowed origin.
pub fn preflight(allow: &'static str) -> Response {
    Response::empty(204)
        .with_header("access-control-allow-methods", allow)
        .with_header(
            "access-control-allow-headers",
            "Content-Type, Idempotency-Key, Authorization, Ticketbooth-Identity",
        )
        .with_header("access-control-max-age", "86400")
}

/// Marks a response as readable by `origin`. Every response varies by Origin, granted or not.
pub fn grant(response: &mut Response, origin: Option<&str>) {
    if let Some(origin) = origin {
        response
            .headers
            .push(("access-control-allow-origin".into(), origin.to_owned()));
        if response.header(RENEWED_TOKEN_HEADER).is_some() {
            response.headers.push((
                "access-control-expose-headers".into(),
                RENEWED_TOKEN_HEADER.into(),
            ));
        }
    }
    response.headers.push(("vary".into(), "Origin".into()));
}
