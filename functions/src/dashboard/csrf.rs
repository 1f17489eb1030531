//! Cross-site request forgery: every state-changing request a browser makes with the session
//! cookie must prove it comes from our own pages. Two independent checks, both required:
//! the browser's own word on where the request came from (`Sec-Fetch-Site`, or else `Origin`),
//! and the session's token every form of ours carries in a hidden field (derived from the
//! session id: `service::sessions::csrf_token`).
//!
//! Requests with `Authorization: Bearer` skip both: a browser never attaches that header on
//! its own, so a forged cross-site request cannot carry it.
//!
//! These are the rules; `gate` applies them, once, to every state-changing request.

use super::html::Html;
use crate::crypto::constant_time_eq;
use crate::http::Request;
use crate::service::operators::Operator;

/// The hidden form field's name.
pub const FIELD: &str = "csrf";

/// `submitted` is `op`'s token (compared in constant time). `gate::pass` is the only caller:
/// it decides when a token is needed and where it is read from.
pub(super) fn token_matches(op: &Operator, submitted: Option<&str>) -> bool {
    submitted.is_some_and(|token| constant_time_eq(token.as_bytes(), op.csrf_token.as_bytes()))
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
    fn our_origin_is_the_browsers_word_or_else_the_origin_header() {
        assert!(same_origin(&req(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&req(&[("sec-fetch-site", "same-site")])));
        assert!(!same_origin(&req(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://tb.example")
        ])));
        assert!(same_origin(&req(&[("origin", "https://tb.example")])));
        assert!(!same_origin(&req(&[("origin", "https://evil.example")])));
        assert!(!same_origin(&req(&[])));
    }

    #[test]
    fn only_the_sessions_own_token_matches() {
        let op = Operator {
            id: "a".into(),
            name: "Ann".into(),
            role: Role::Owner,
            site_id: 1,
            site_key: SiteKey::parse("acme").unwrap(),
            site_name: "Acme".into(),
            credential: crate::service::operators::Credential::Session,
            csrf_token: "t0k3n".into(),
            email: "ann@acme.example".into(),
            sites: Vec::new(),
        };
        assert!(token_matches(&op, Some("t0k3n")));
        assert!(!token_matches(&op, Some("t0k3m")));
        assert!(!token_matches(&op, Some("")));
        assert!(!token_matches(&op, None));
    }
}
