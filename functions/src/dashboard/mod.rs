//! The operators' dashboard at `/app/…`: sign-in with email and password into a server-side
//! session (`session`), the ticket list and ticket pages, and the settings pages (`settings`).
//! HTML rendered here, works without JavaScript. Every state-changing POST is checked by
//! `csrf::check` (or, for the sign-in form itself, by `csrf::same_origin`).

mod bulk_page;
pub mod csrf;
mod form;
mod html;
mod inbox;
pub mod session;
mod settings;
pub mod settings_views;
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
use crate::http::{Request, Response};
use crate::service::operator_tickets::{self, ListQuery};
use crate::store::Executor;
use session::signed_in;

pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    page: AppPage,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let method = req.method.as_str();
    // Pages anyone may open: signing in and out, accepting an invitation.
    match (&page, method) {
        (AppPage::Login, "GET") => return Ok(Response::html(200, views::sign_in(None, ""))),
        (AppPage::Login, _) => return session::sign_in(app, req, &fresh).await,
        (AppPage::Logout, _) => return session::sign_out(app, req, &fresh, false).await,
        (AppPage::LogoutEverywhere, _) => return session::sign_out(app, req, &fresh, true).await,
        (AppPage::Invitation(token), _) => {
            return settings::invitation(app, req, token, &fresh).await;
        }
        _ => {}
    }
    let Some(op) = signed_in(app, req, fresh.now).await? else {
        return Ok(redirect("/app/login"));
    };
    match (page, method) {
        (AppPage::Home, _) => Ok(redirect("/app/tickets")),
        (AppPage::Tickets, _) => {
            let query = list_query(&req.query)?;
            let page = operator_tickets::list(&app.db, &op, &query, fresh.now).await?;
            Ok(Response::html(200, views::ticket_list(&op, &query, &page)))
        }
        (AppPage::Ticket(code), _) => {
            let detail = operator_tickets::detail(&app.db, &op, &code).await?;
            Ok(Response::html(
                200,
                ticket_page::render(&op, &detail, fresh.now),
            ))
        }
        (AppPage::Bulk, _) => ticket_work::bulk(app, req, &op, fresh).await,
        (AppPage::NewTicket, "GET") => ticket_work::new_ticket_form(&op, fresh),
        (AppPage::NewTicket, _) => ticket_work::create(app, req, &op, fresh).await,
        (AppPage::TicketAction(code, Verb::Delete), "GET") => {
            ticket_work::confirm_delete(app, &op, &code).await
        }
        (AppPage::TicketAction(code, verb), _) => {
            ticket_work::act(app, req, &op, &code, verb, fresh).await
        }
        (AppPage::Inbox, _) => inbox::list(app, &op, &fresh).await,
        (AppPage::Conversation(id), _) => inbox::show(app, &op, &id, &fresh).await,
        (AppPage::ConversationReply(id), _) => inbox::reply(app, req, &op, &id, &fresh).await,
        (AppPage::SwitchSite, _) => session::switch_site(app, req, &op).await,
        (AppPage::NewSite, _) => settings::new_site(app, req, &op, &fresh).await,
        (AppPage::Settings(page), _) => settings::handle(app, req, &op, page, &fresh).await,
        (
            AppPage::Login | AppPage::Logout | AppPage::LogoutEverywhere | AppPage::Invitation(_),
            _,
        ) => Err(ApiError::NotFound),
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

pub(crate) fn redirect(location: &str) -> Response {
    Response::empty(303)
        .with_header("location", location)
        .with_header("cache-control", "no-store")
}
