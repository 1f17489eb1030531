//! The one gate every state-changing dashboard request passes before its handler runs, and
//! the only way to read a form: `pass` answers a `CheckedForm`, and a handler reads its
//! fields through it, so no handler can take a form in without the check (`dashboard::handle`
//! calls `pass` for every request but a GET, before it dispatches).
//!
//! Why a proof value rather than a check in each handler: thirty handlers each parsing their
//! form and checking its token by hand was thirty places to forget one; now a handler that
//! needs a form cannot be called without one, and one that needs none is gated all the same.
//!
//! The cases, all here (the rules themselves are `csrf`'s):
//! - `Guard::Operator`, a session: our own origin (`csrf::same_origin`) and the session's
//!   token, from the form's `csrf` field or else the `x-csrf-token` header (scripts, and a
//!   sign-out whose body is not a form).
//! - `Guard::Operator`, a bearer token: nothing to check (`csrf`'s doc says why).
//! - `Guard::NoSession` (signing in, accepting an invitation): there is no token yet, so our
//!   own origin only; the handler shows a refusal on its own page.

use serde::de::DeserializeOwned;

use super::csrf;
use crate::http::error::ApiError;
use crate::http::{Body, Request};
use crate::service::Refusal;
use crate::service::operators::{Credential, Operator};

/// Who a state-changing request must prove itself to.
#[derive(Clone, Copy)]
pub enum Guard<'a> {
    /// A signed-in operator: by session (origin and token) or by bearer token (nothing).
    Operator(&'a Operator),
    /// Nobody is signed in yet: our own origin only.
    NoSession,
}

/// A request that passed the gate: the only way to read its form. Its field is private, so
/// `pass` is the only way to make one.
#[derive(Clone, Copy)]
pub struct CheckedForm<'r> {
    req: &'r Request,
}

impl CheckedForm<'_> {
    /// The form in the body, or the 415/413/400 that refuses it.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let content_type = self.req.header("content-type").unwrap_or_default();
        if !is_form(content_type) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let Body::Bytes(bytes) = &self.req.body else {
            return Err(ApiError::PayloadTooLarge);
        };
        serde_urlencoded::from_bytes(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))
    }

    /// For a form with no fields of its own (a button): it must still be a form (415/413/400).
    pub fn no_fields(&self) -> Result<(), ApiError> {
        #[derive(serde::Deserialize)]
        struct NoFields {}
        self.parse::<NoFields>().map(|_| ())
    }
}

/// Lets `req` through to its handler, or refuses it: 403 `cross_site_request` from another
/// origin, 403 `csrf_token_invalid` without the session's token, 413 for a session's body too
/// large to find its token in. Nothing is read but the token.
pub fn pass<'r>(req: &'r Request, guard: Guard<'_>) -> Result<CheckedForm<'r>, ApiError> {
    let checked = CheckedForm { req };
    let op = match guard {
        Guard::Operator(op) if op.credential == Credential::Bearer => return Ok(checked),
        Guard::Operator(op) => op,
        Guard::NoSession if csrf::same_origin(req) => return Ok(checked),
        Guard::NoSession => return Err(ApiError::Refused(Refusal::CrossSite)),
    };
    if !csrf::same_origin(req) {
        return Err(ApiError::Refused(Refusal::CrossSite));
    }
    // The token may be in a body the Worker did not read: say so, rather than "expired".
    if matches!(req.body, Body::TooLarge) {
        return Err(ApiError::PayloadTooLarge);
    }
    let submitted = form_token(req).or_else(|| req.header("x-csrf-token").map(str::to_owned));
    if csrf::token_matches(op, submitted.as_deref()) {
        Ok(checked)
    } else {
        // Most often a page left open across a sign-out and a new sign-in.
        Err(ApiError::Refused(Refusal::FormExpired))
    }
}

fn is_form(content_type: &str) -> bool {
    content_type.starts_with("application/x-www-form-urlencoded")
}

/// The form's `csrf` field, when the body is a form that has one.
fn form_token(req: &Request) -> Option<String> {
    if !is_form(req.header("content-type").unwrap_or_default()) {
        return None;
    }
    let Body::Bytes(bytes) = &req.body else {
        return None;
    };
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == csrf::FIELD).then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
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

    fn req(headers: &[(&str, &str)], body: &str) -> Request {
        let mut headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        Request {
            method: "POST".into(),
            path: "/app/tickets/bulk".into(),
            query: String::new(),
            own_origin: "https://tb.example".into(),
            headers,
            body: Body::Bytes(body.as_bytes().to_vec()),
        }
    }

    fn refusal(result: Result<CheckedForm<'_>, ApiError>) -> Option<Refusal> {
        match result {
            Ok(_) => None,
            Err(ApiError::Refused(refusal)) => Some(refusal),
            Err(other) => panic!("not a refusal: {other:?}"),
        }
    }

    const OURS: (&str, &str) = ("sec-fetch-site", "same-origin");

    #[test]
    fn a_session_request_needs_our_origin_and_the_token() {
        let session = op(Credential::Session);
        let pass_as = |headers: &[(&str, &str)], body: &str| {
            refusal(pass(&req(headers, body), Guard::Operator(&session)))
        };
        assert_eq!(pass_as(&[OURS], "csrf=t0k3n&x=1"), None);
        assert_eq!(
            pass_as(&[OURS], "x=1&csrf=t0k3m"),
            Some(Refusal::FormExpired)
        );
        assert_eq!(pass_as(&[OURS], "x=1"), Some(Refusal::FormExpired));
        assert_eq!(pass_as(&[OURS, ("x-csrf-token", "t0k3n")], ""), None);
        let cross = ("sec-fetch-site", "cross-site");
        assert_eq!(pass_as(&[cross], "csrf=t0k3n"), Some(Refusal::CrossSite));
        let by_origin = ("origin", "https://tb.example");
        assert_eq!(pass_as(&[by_origin], "csrf=t0k3n"), None);
        let foreign = ("origin", "https://evil.example");
        assert_eq!(pass_as(&[foreign], "csrf=t0k3n"), Some(Refusal::CrossSite));
        assert_eq!(pass_as(&[], "csrf=t0k3n"), Some(Refusal::CrossSite));
    }

    #[test]
    fn a_session_body_too_large_to_read_is_a_413_not_an_expired_form() {
        let session = op(Credential::Session);
        let mut large = req(&[OURS], "");
        large.body = Body::TooLarge;
        assert!(matches!(
            pass(&large, Guard::Operator(&session)),
            Err(ApiError::PayloadTooLarge)
        ));
    }

    #[test]
    fn a_bearer_request_needs_neither() {
        let bearer = op(Credential::Bearer);
        assert!(pass(&req(&[], ""), Guard::Operator(&bearer)).is_ok());
    }

    #[test]
    fn without_a_session_only_the_origin_counts() {
        assert_eq!(refusal(pass(&req(&[OURS], ""), Guard::NoSession)), None);
        assert_eq!(
            refusal(pass(&req(&[], "csrf=anything"), Guard::NoSession)),
            Some(Refusal::CrossSite)
        );
    }

    #[test]
    fn the_checked_form_reads_only_a_form() {
        let session = op(Credential::Session);
        let ok = req(&[OURS], "csrf=t0k3n&name=Ann");
        let form = pass(&ok, Guard::Operator(&session)).unwrap();
        let pairs: Vec<(String, String)> = form.parse().unwrap();
        assert_eq!(pairs[1], ("name".to_owned(), "Ann".to_owned()));
        let mut json = req(&[OURS, ("x-csrf-token", "t0k3n")], "{}");
        json.headers.retain(|(k, _)| k != "content-type");
        json.headers
            .push(("content-type".into(), "application/json".into()));
        let form = pass(&json, Guard::Operator(&session)).unwrap();
        assert!(matches!(
            form.parse::<Vec<(String, String)>>(),
            Err(ApiError::UnsupportedMediaType)
        ));
    }
}
