//! The operators' dashboard at `/app/…`: sign in with an API token, then the ticket list and
//! ticket pages. HTML rendered here, works without JavaScript.
//!
//! The session cookie holds the operator's API token (HttpOnly, SameSite=Strict, Secure over
//! HTTPS): the token is already the credential, and only its hash is stored server-side.

mod bulk_page;
pub mod csrf;
mod html;
pub mod ticket_page;
mod ticket_work;
pub mod views;

use serde::Deserialize;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::label::Label;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::{Priority, Status};

use crate::app::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::routes::{AppPage, Verb};
use crate::http::{Body, Request, Response};
use crate::service::ServiceError;
use crate::service::operator_tickets::{self, ListQuery};
use crate::service::operators::{self, Credential, Operator};
use crate::store::Executor;

const SESSION_COOKIE: &str = "tb_session";

pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    page: AppPage,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    match (page, req.method.as_str()) {
        (AppPage::Bulk, _) => ticket_work::bulk(app, req, fresh).await,
        (AppPage::NewTicket, "GET") => ticket_work::new_ticket_form(app, req, fresh).await,
        (AppPage::NewTicket, _) => ticket_work::create(app, req, fresh).await,
        (AppPage::TicketAction(code, Verb::Delete), "GET") => {
            ticket_work::confirm_delete(app, req, &code).await
        }
        (AppPage::TicketAction(code, verb), _) => {
            ticket_work::act(app, req, &code, verb, fresh).await
        }
        (AppPage::Home, _) => Ok(redirect("/app/tickets")),
        (AppPage::Login, "GET") => Ok(Response::html(200, views::sign_in(None))),
        (AppPage::Login, _) => sign_in(app, req).await,
        (AppPage::Logout, _) => {
            Ok(redirect("/app/login").with_header("set-cookie", session_cookie(req, "", 0)))
        }
        (AppPage::Tickets, _) => {
            let Some(op) = signed_in(app, req).await? else {
                return Ok(redirect("/app/login"));
            };
            let query = list_query(&req.query)?;
            let page = operator_tickets::list(&app.db, &op, &query, fresh.now).await?;
            Ok(Response::html(200, views::ticket_list(&op, &query, &page)))
        }
        (AppPage::Ticket(code), _) => {
            let Some(op) = signed_in(app, req).await? else {
                return Ok(redirect("/app/login"));
            };
            let detail = operator_tickets::detail(&app.db, &op, &code).await?;
            Ok(Response::html(
                200,
                ticket_page::render(&op, &detail, fresh.now),
            ))
        }
    }
}

/// The HTML face of an error on a dashboard page: the same message the JSON API gives.
pub fn error_page(error: ApiError) -> Response {
    let status = error.status();
    let fields: Vec<(String, String)> = match &error {
        ApiError::Validation(errors) => errors
            .0
            .iter()
            .map(|(k, e)| ((*k).to_owned(), e.to_string()))
            .collect(),
        _ => Vec::new(),
    };
    let mut response = Response::html(
        status,
        views::error_page(status, &error.to_string(), &fields),
    );
    if let ApiError::Internal(detail) = error {
        response.log = Some(detail);
    }
    response
}

async fn sign_in<E: Executor>(app: &App<E>, req: &Request) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        token: String,
    }
    let content_type = req.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let Body::Bytes(bytes) = &req.body else {
        return Err(ApiError::PayloadTooLarge);
    };
    let form: Form =
        serde_urlencoded::from_bytes(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let token = form.token.trim();
    match operators::authenticate(&app.db, token, Credential::Session).await {
        Ok(_) => Ok(redirect("/app/tickets")
            .with_header("set-cookie", session_cookie(req, token, 7 * 24 * 3600))),
        Err(ServiceError::NotSignedIn) => Ok(Response::html(
            401,
            views::sign_in(Some(
                "That token is not valid for any site. Check it and try again.",
            )),
        )),
        Err(other) => Err(other.into()),
    }
}

/// The operator behind the session cookie or an `Authorization: Bearer` token, if any.
async fn signed_in<E: Executor>(app: &App<E>, req: &Request) -> Result<Option<Operator>, ApiError> {
    let (token, credential) = match (req.bearer_token(), cookie(req, SESSION_COOKIE)) {
        (Some(token), _) => (token, Credential::Bearer),
        (None, Some(token)) => (token, Credential::Session),
        (None, None) => return Ok(None),
    };
    match operators::authenticate(&app.db, token, credential).await {
        Ok(op) => Ok(Some(op)),
        Err(ServiceError::NotSignedIn) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

fn list_query(raw: &str) -> Result<ListQuery, ApiError> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Raw {
        status: String,
        priority: String,
        q: String,
        page: String,
        snoozed: String,
        label: String,
    }
    let raw: Raw = serde_urlencoded::from_str(raw).unwrap_or_default();
    let mut errors = ValidationErrors::default();
    let status = optional(&mut errors, "status", &raw.status, Status::parse);
    let priority = optional(&mut errors, "priority", &raw.priority, Priority::parse);
    let label = optional(&mut errors, "label", &raw.label, Label::parse);
    let page = optional(&mut errors, "page", &raw.page, |v| {
        v.parse::<u32>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or(FieldError::InvalidFormat)
    });
    if !errors.0.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let search = raw.q.trim();
    Ok(ListQuery {
        status,
        priority,
        search: (!search.is_empty()).then(|| search.chars().take(200).collect()),
        snoozed: raw.snoozed == "1",
        label,
        page: page.unwrap_or(1),
    })
}

/// An optional filter: absent when empty, parsed when given, its error filed under `key`.
fn optional<T>(
    errors: &mut ValidationErrors,
    key: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, FieldError>,
) -> Option<T> {
    if raw.is_empty() {
        return None;
    }
    parse(raw).map_err(|e| errors.0.insert(key, e)).ok()
}

fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.header("cookie")?.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

fn session_cookie(req: &Request, value: &str, max_age: u32) -> String {
    let secure = if req.own_origin.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={value}; Path=/app; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

fn redirect(location: &str) -> Response {
    Response::empty(303)
        .with_header("location", location)
        .with_header("cache-control", "no-store")
}
