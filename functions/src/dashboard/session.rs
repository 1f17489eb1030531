//! Signing in and out of the dashboard, the session cookie, and the site switcher.
//!
//! The cookie is `__Host-tb_session` over HTTPS: the `__Host-` prefix makes the browser refuse
//! it unless it is Secure, has `Path=/` and no Domain, so no subdomain can plant or overwrite
//! it. A `__Host-` cookie must be Secure, and a Secure cookie is not kept for
//! `http://127.0.0.1` under `wrangler dev`, so there (plain HTTP) the same cookie is named
//! `tb_session`, without Secure. HttpOnly (no script reads it) and SameSite=Lax (not sent on
//! cross-site POSTs; still sent when following a link to a ticket from mail or chat).

use serde::Deserialize;
use ticketbooth_shared::site_key::SiteKey;

use super::gate::CheckedForm;
use super::{redirect, views};
use crate::context::operator::{cookie_name, secure, session_cookie};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::infra::rate_limit::{PERIOD_SECS, Scope};
use crate::service::ServiceError;
use crate::service::operators::Operator;
use crate::service::sessions::{self, NewSession};
use crate::store::Executor;

/// `POST /app/login`: email and password. `form` is the gate's answer (`Guard::NoSession`):
/// refused outright when the browser says the form came from another site (login CSRF:
/// signing a victim's browser in as the attacker), with the sign-in page saying so.
pub async fn sign_in<E: Executor>(
    app: &App<E>,
    req: &Request,
    form: Result<CheckedForm<'_>, ApiError>,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        email: String,
        #[serde(default)]
        password: String,
    }
    let posted = match form {
        Ok(posted) => posted,
        Err(ApiError::Refused(refusal)) => {
            return Ok(Response::html(
                refusal.status(),
                views::sign_in(Some(&refusal.to_string()), ""),
            ));
        }
        Err(other) => return Err(other),
    };
    let form: Form = posted.parse()?;
    if !spend_sign_in_attempt(app, req).await {
        return Ok(too_many_attempts(views::sign_in(
            Some(TOO_MANY_ATTEMPTS),
            &form.email,
        )));
    }
    let session_id = fresh.random(b"session");
    match sessions::sign_in(&app.db, &form.email, &form.password, fresh.now, session_id).await {
        Ok(session) => Ok(with_session(req, redirect("/app/tickets"), &session)),
        Err(ServiceError::Refused(refusal)) => Ok(Response::html(
            refusal.status(),
            views::sign_in(Some(&refusal.to_string()), &form.email),
        )),
        Err(other) => Err(other.into()),
    }
}

pub const TOO_MANY_ATTEMPTS: &str =
    "Too many sign-in attempts from your network. Wait a minute and try again.";

/// Spends one password check from the client's budget (the public writes' per-client limit,
/// under a key no site can have): guessing passwords costs the guesser, not just our CPU. A
/// limiter that fails lets the attempt through, as for ticket creates.
pub async fn spend_sign_in_attempt<E>(app: &App<E>, req: &Request) -> bool {
    let ip = req.header("cf-connecting-ip").unwrap_or("unknown");
    // `/` never occurs in a site key, so this budget is nobody's ticket budget.
    let key = format!("/sign-in|{ip}");
    !matches!(app.limiter.allow(Scope::Client, &key).await, Ok(false))
}

/// The 429 that answers a sign-in over budget, with the page to show.
pub fn too_many_attempts(page: String) -> Response {
    Response::html(429, page).with_header("retry-after", PERIOD_SECS.to_string())
}

/// `POST /app/logout` and `POST /app/logout/everywhere`: the session row is deleted, so the
/// cookie is dead even if a copy of it survives somewhere. `form` is `Some` for a live
/// session, past the gate (so no other site can sign an operator out); `None`: there is no
/// session to end, and the cookie is just cleared.
pub async fn sign_out<E: Executor>(
    app: &App<E>,
    req: &Request,
    form: Option<CheckedForm<'_>>,
    everywhere: bool,
) -> Result<Response, ApiError> {
    // The form has no fields of its own: the gate read its token.
    if form.is_some()
        && let Some(cookie) = session_cookie(req)
    {
        if everywhere {
            sessions::sign_out_everywhere(&app.db, cookie).await?;
        } else {
            sessions::sign_out(&app.db, cookie).await?;
        }
    }
    Ok(redirect("/app/login").with_header("set-cookie", cookie_header(req, "", 0)))
}

/// `POST /app/sites/switch`: the session moves to another of the operator's sites.
pub async fn switch_site<E: Executor>(
    app: &App<E>,
    req: &Request,
    posted: CheckedForm<'_>,
    op: &Operator,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        site: String,
    }
    let form: Form = posted.parse()?;
    let cookie = session_cookie(req).ok_or(ApiError::Unauthorized)?;
    let site = SiteKey::parse(&form.site).map_err(|_| ApiError::SiteNotFound)?;
    sessions::switch_site(&app.db, op, cookie, &site).await?;
    Ok(redirect("/app/tickets"))
}

/// Adds the cookie of a new session to a response.
pub fn with_session(req: &Request, response: Response, session: &NewSession) -> Response {
    response.with_header(
        "set-cookie",
        cookie_header(req, &session.cookie_value, session.max_age_secs),
    )
}

fn cookie_header(req: &Request, value: &str, max_age: i64) -> String {
    let secure = if secure(req) { "; Secure" } else { "" };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(req)
    )
}
