//! Which operator a request comes from: the session cookie or an `Authorization: Bearer` API
//! token, read through the services — and, for the requests that must be one D1 round trip,
//! the hint this isolate remembers (`service::credential_cache`) checked inside the read's own
//! batch (`read_as_hinted`). Used by the dashboard and the operators' JSON API alike.
//!
//! The cookie is `__Host-tb_session` over HTTPS: the `__Host-` prefix makes the browser refuse
//! it unless it is Secure, has `Path=/` and no Domain, so no subdomain can plant or overwrite
//! it. A `__Host-` cookie must be Secure, and a Secure cookie is not kept for
//! `http://127.0.0.1` under `wrangler dev`, so there (plain HTTP) the same cookie is named
//! `tb_session`, without Secure.

use ticketbooth_shared::role::Action;
use ticketbooth_shared::timestamp::Timestamp;

use super::App;
use crate::http::Request;
use crate::http::error::ApiError;
use crate::service::ServiceError;
use crate::service::operators::{self, Credential, Operator, Proof};
use crate::service::sessions;
use crate::store::{Executor, Row, Statement};

const SECURE_NAME: &str = "__Host-tb_session";
const PLAIN_NAME: &str = "tb_session";

/// The operator behind the session cookie or an `Authorization: Bearer` token, if any.
/// Remembered as a hint for the one-round-trip requests (`credential_hint`).
pub async fn signed_in<E: Executor>(
    app: &App<E>,
    req: &Request,
    now: Timestamp,
) -> Result<Option<Operator>, ApiError> {
    let result = match (req.bearer_token(), session_cookie(req)) {
        (Some(token), _) => operators::authenticate(&app.db, token, now).await,
        (None, Some(cookie)) => sessions::authenticate(&app.db, cookie, now).await,
        (None, None) => return Ok(None),
    };
    match result {
        Ok(op) => {
            if let Some(hash) = credential_hash(req) {
                app.credentials.put(&hash, &op, now);
            }
            Ok(Some(op))
        }
        Err(ServiceError::NotSignedIn) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// The hash the request's credential is stored under (a bearer token's or the session's).
pub fn credential_hash(req: &Request) -> Option<String> {
    match (req.bearer_token(), session_cookie(req)) {
        (Some(token), _) => operators::token_hash(token),
        (None, Some(cookie)) => sessions::session_hash(cookie),
        (None, None) => None,
    }
}

/// Whom this isolate last found behind the request's credential (`credential_cache`), with the
/// credential's proof for `ticket_actions::change_status_at_once`: a hint, which that
/// function's batch (or `read_as_hinted`'s) checks.
pub fn credential_hint<'r, E>(
    app: &App<E>,
    req: &'r Request,
    hash: &'r str,
    now: Timestamp,
) -> Option<(Operator, Proof<'r>)> {
    let op = app.credentials.get(hash, now)?;
    let proof = match (req.bearer_token(), op.credential) {
        (Some(_), Credential::Bearer) => Proof::Token(hash),
        (None, Credential::Session) => Proof::Session(hash),
        _ => return None,
    };
    Some((op, proof))
}

/// Runs the reads `build` makes for the operator this isolate last found behind the request's
/// credential (with what reading their answers needs, `T`), in ONE batch after the statements
/// that sign a request in (`operators::statements` or `sessions::statements`), and gives their
/// answers with the operator as signed in now — only if that is still the hinted operator,
/// site and role and they may view tickets (the same snapshot as the reads). `None` otherwise
/// (no credential, no hint, a stale one — then forgotten): the caller signs in first as every
/// other request does.
pub async fn read_as_hinted<E: Executor, T>(
    app: &App<E>,
    req: &Request,
    now: Timestamp,
    build: impl FnOnce(&Operator) -> (T, Vec<Statement>),
) -> Result<Option<(Operator, T, Vec<Vec<Row>>)>, ApiError> {
    let Some(hash) = credential_hash(req) else {
        return Ok(None);
    };
    let Some((hint, proof)) = credential_hint(app, req, &hash, now) else {
        return Ok(None);
    };
    if hint.require(Action::ViewTickets).is_err() {
        return Ok(None);
    }
    let mut statements = match proof {
        Proof::Token(hash) => operators::statements(hash, now),
        Proof::Session(hash) => sessions::statements(hash, now),
    };
    let signing_in = statements.len();
    let (plan, reads) = build(&hint);
    statements.extend(reads);
    let mut answers = app.db.batch(statements).await.map_err(ServiceError::from)?;
    let read = answers.split_off(signing_in);
    let op = match proof {
        Proof::Token(_) => operators::read_operator(answers),
        Proof::Session(_) => {
            sessions::read_operator(answers, session_cookie(req).unwrap_or_default(), now)
        }
    };
    match op {
        Ok(op) if (&op.id, op.site_id, op.role) == (&hint.id, hint.site_id, hint.role) => {
            Ok(Some((op, plan, read)))
        }
        Ok(_) | Err(ServiceError::NotSignedIn) => {
            app.credentials.forget(&hash);
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

/// The session cookie's value, under the name this origin uses.
pub fn session_cookie(req: &Request) -> Option<&str> {
    let name = cookie_name(req);
    req.header("cookie")?.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

pub fn secure(req: &Request) -> bool {
    req.own_origin.starts_with("https://")
}

pub fn cookie_name(req: &Request) -> &'static str {
    if secure(req) { SECURE_NAME } else { PLAIN_NAME }
}
