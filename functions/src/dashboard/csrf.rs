//! Cross-site request forgery: every state-changing request a browser makes with the session
//! cookie must prove it comes from our own pages. Two independent checks, both required:
//! the browser's own word on where the request came from (`Sec-Fetch-Site`, or else `Origin`),
//! and the session's token every form of ours carries in a hidden field (derived from the
//! session id: `service::sessions::csrf_token`).
//!
//! Requests with `Authorization: Bearer` skip both: a browser never attaches that header on
//! its own, so a forged cross-site request cannot carry it.

use super::html::Html;
use crate::crypto::constant_time_eq;
use crate::http::Request;
use crate::http::error::ApiError;
use crate::service::Refusal;
use crate::service::operators::{Credential, Operator};

/// The hidden form field's name.
pub const FIELD: &str = "csrf";

/// Refuses a state-changing request unless it comes from our own origin and carries `op`'s
/// token. `submitted` is the form's `csrf` field (or the `x-csrf-token` header for scripts).
pub fn check(req: &Request, op: &Operator, submitted: Option<&str>) -> Result<(), ApiError> {
    if op.credential == Credential::Bearer {
        return Ok(());
    }
    if !same_origin(req) {
        return Err(ApiError::Refused(Refusal::CrossSite));
    }
    let submitted = submitted.or_else(|| req.header("x-csrf-token"));
    match submitted {
        Some(token) if constant_time_eq(token.as_bytes(), op.csrf_token.as_bytes()) => Ok(()),
        // Most often a page left open across a sign-out and a new sign-in.
        _ => Err(ApiError::Refused(Refusal::FormExpired)),
    }
}

/// The browser says the request comes from our own origin: `Sec-Fetch-Site: same-origin`
/// where the browser sends it, else an `Origin` equal to ours. A request with neither header
/// is not from a current browser's form and is refused.
pub fn same_origin(req: &Request) -> bool {
    match (req.header("sec-fetch-site"), req.header("origin")) {
        (Some(site), _) => site == "same-origin",
        (None, Some(origin)) => origin == req.own_origin,
        (None, None) => false,
    }
}

/// The hidden input that carries `op`'s token in a form.
pub fn field(html: &mut Html, op: &Operator) {
    html.raw("<input type=\"hidden\" name=\"csrf\" value=\"")
        .text(&op.csrf_token)
        .raw("\">");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Body;
    use ticketbooth_shared::role::Role;
    use ticketbooth_shared::site_key::SiteKey;

    fn op(credential: Credential) -> Operator {
        Operator {
            id: "a".into(),
            name: "Ann".into(),
            role: Role::Owner,
            site_id: 1,
            site_key: SiteKey::parse("acme").unwrap(),
            site_name: "Acme".into(),
            credential,
            csrf_token: "t0k3n".into(),
            email: "ann@acme.example".into(),
            sites: Vec::new(),
        }
    }

    fn req(headers: &[(&str, &str)]) -> Request {
        Request {
            method: "POST".into(),
            path: "/app/tickets".into(),
            query: String::new(),
            own_origin: "https://tb.example".into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Body::Bytes(Vec::new()),
        }
    }

    #[test]
    fn a_session_request_needs_our_origin_and_the_token() {
        let session = op(Credential::Session);
        let ours = req(&[("sec-fetch-site", "same-origin")]);
        assert!(check(&ours, &session, Some("t0k3n")).is_ok());
        assert!(check(&ours, &session, Some("t0k3m")).is_err());
        assert!(check(&ours, &session, None).is_err());
        let cross = req(&[("sec-fetch-site", "cross-site")]);
        assert!(check(&cross, &session, Some("t0k3n")).is_err());
        let by_origin = req(&[("origin", "https://tb.example")]);
        assert!(check(&by_origin, &session, Some("t0k3n")).is_ok());
        let foreign = req(&[("origin", "https://evil.example")]);
        assert!(check(&foreign, &session, Some("t0k3n")).is_err());
        assert!(check(&req(&[]), &session, Some("t0k3n")).is_err());
    }

    #[test]
    fn a_bearer_request_needs_neither() {
        assert!(check(&req(&[]), &op(Credential::Bearer), None).is_ok());
    }
}
