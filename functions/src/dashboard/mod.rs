//! The operators' dashboard at `/app/…`: sign-in with email and password into a server-side
//! session (`session`), the ticket list and ticket pages, and the settings pages (`settings`).
//! HTML rendered here, works without JavaScript. Every state-changing POST is checked by
//! `csrf::check` (or, for the sign-in form itself, by `csrf::same_origin`).

mod account_page;
mod bots_page;
mod bulk_page;
pub mod csrf;
mod data_page;
mod form;
mod html;
mod inbox;
pub mod list_page;
pub mod session;
mod settings;
pub mod settings_views;
pub mod ticket_page;
mod ticket_work;
mod turnstile_page;
pub mod views;
mod views_page;
mod webhooks_page;

use crate::context::operator;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::list_query;
use crate::http::routes::{AppPage, Verb};
use crate::http::{Request, Response};
use crate::service::operator_tickets;
use crate::store::Executor;
use operator::signed_in;
use ticketbooth_shared::ticket_code::TicketCode;

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
    // The two things an operator does most, in one D1 round trip when this isolate knows the
    // credential (checked in the same batch; otherwise the usual path below).
    if let (AppPage::TicketAction(code, Verb::Status), "POST") = (&page, method)
        && let Some(back) = ticket_work::status_at_once(app, req, code, &fresh).await?
    {
        return Ok(redirect(&back));
    }
    let at_once = match (&page, method) {
        (AppPage::Tickets, "GET") => list_at_once(app, req, &fresh).await?,
        (AppPage::Ticket(code), "GET") => ticket_at_once(app, req, code, &fresh).await?,
        _ => None,
    };
    if let Some(response) = at_once {
        return Ok(response);
    }
    let Some(op) = signed_in(app, req, fresh.now).await? else {
        return Ok(redirect("/app/login"));
    };
    match (page, method) {
        (AppPage::Home, _) => Ok(redirect("/app/tickets")),
        (AppPage::Tickets, _) => {
            let query = list_query::parse(&req.query).map_err(ApiError::Validation)?;
            let layout = requested_layout(&req.query);
            let page =
                operator_tickets::list(&app.db, &op, &query, layout.match_count(), fresh.now)
                    .await?;
            Ok(Response::html(
                200,
                list_page::render(&op, &query, &page, layout),
            ))
        }
        (AppPage::Views, _) => views_page::save(app, req, &op, &fresh).await,
        (AppPage::View(id), _) => views_page::edit(app, req, &op, &id).await,
        (AppPage::Ticket(code), _) => {
            let detail = operator_tickets::detail(&app.db, &op, &code, fresh.now).await?;
            Ok(Response::html(
                200,
                ticket_page::render(&op, &detail, fresh.now),
            ))
        }
        (AppPage::Bulk, _) => ticket_work::bulk(app, req, &op, fresh).await,
        (AppPage::NewTicket, "GET") => ticket_work::new_ticket_form(&op, fresh),
        (AppPage::NewTicket, _) => ticket_work::create(app, req, &op, fresh).await,
        (AppPage::TicketAction(code, Verb::Delete), "GET") => {
            ticket_work::confirm_delete(app, &op, &code, fresh.now).await
        }
        (AppPage::TicketAction(code, verb), _) => {
            ticket_work::act(app, req, &op, &code, verb, fresh).await
        }
        (AppPage::Inbox, _) => inbox::list(app, &op, &fresh).await,
        (AppPage::Conversation(id), _) => inbox::show(app, &op, &id, &fresh).await,
        (AppPage::ConversationReply(id), _) => inbox::reply(app, req, &op, &id, &fresh).await,
        (AppPage::ConversationTicket(id), _) => {
            inbox::create_ticket(app, req, &op, &id, &fresh).await
        }
        (AppPage::ConversationAttach(id), _) => inbox::attach(app, req, &op, &id, &fresh).await,
        (AppPage::ConversationLive(id), _) => inbox::live(app, req, &op, &id, &fresh).await,
        (AppPage::SwitchSite, _) => session::switch_site(app, req, &op).await,
        (AppPage::NewSite, _) => settings::new_site(app, req, &op, &fresh).await,
        (AppPage::Settings(page), _) => settings::handle(app, req, &op, page, &fresh).await,
        (
            AppPage::Login | AppPage::Logout | AppPage::LogoutEverywhere | AppPage::Invitation(_),
            _,
        ) => Err(ApiError::NotFound),
    }
}

/// The HTML face of an error on a dashboard page: the same message the JSON API gives, and
/// the request's id as a reference to quote (the logs' `request_id`).
pub fn error_page(error: ApiError, request_id: &str) -> Response {
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
        views::error_page(status, &error.to_string(), &fields, request_id),
    );
    match error {
        ApiError::Internal(detail) => response.log = Some(detail),
        ApiError::Refused(crate::service::Refusal::SecretsKeyMissing) => {
            response.log = Some(crate::http::error::SECRETS_KEY_MISSING_LOG.to_owned())
        }
        _ => {}
    }
    response
}

/// `view=board` asks for the board; anything else is the list.
fn requested_layout(raw: &str) -> list_page::Layout {
    let board = serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == "view" && v == "board");
    if board {
        list_page::Layout::Board
    } else {
        list_page::Layout::Table
    }
}

pub(crate) fn redirect(location: &str) -> Response {
    Response::empty(303)
        .with_header("location", location)
        .with_header("cache-control", "no-store")
}

/// The ticket list in ONE D1 round trip for a credential this isolate knows
/// (`operator::read_as_hinted`). `None`: the request signs in first, like every other one
/// (which also answers a bad query, so nobody learns anything here without a live credential).
async fn list_at_once<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: &Fresh,
) -> Result<Option<Response>, ApiError> {
    let Ok(query) = list_query::parse(&req.query) else {
        return Ok(None);
    };
    let layout = requested_layout(&req.query);
    let read = operator::read_as_hinted(app, req, fresh.now, |hint| {
        operator_tickets::list_statements(hint, &query, layout.match_count(), fresh.now)
    })
    .await?;
    let Some((op, plan, answers)) = read else {
        return Ok(None);
    };
    let page = operator_tickets::list_from(&app.db, &op, &query, &plan, answers).await?;
    Ok(Some(Response::html(
        200,
        list_page::render(&op, &query, &page, layout),
    )))
}

/// A ticket's page in ONE D1 round trip for a credential this isolate knows.
async fn ticket_at_once<E: Executor>(
    app: &App<E>,
    req: &Request,
    code: &TicketCode,
    fresh: &Fresh,
) -> Result<Option<Response>, ApiError> {
    let code_text = code.to_string();
    let read = operator::read_as_hinted(app, req, fresh.now, |hint| {
        let reads = operator_tickets::detail_statements(hint.site_id, &code_text, fresh.now);
        ((), reads)
    })
    .await?;
    let Some((op, (), answers)) = read else {
        return Ok(None);
    };
    let detail = operator_tickets::detail_from(answers)?;
    Ok(Some(Response::html(
        200,
        ticket_page::render(&op, &detail, fresh.now),
    )))
}
