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

use crate::app::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::list_query;
use crate::http::routes::{AppPage, Verb};
use crate::http::{Request, Response};
use crate::service::ServiceError;
use crate::service::ticket_actions::Proof;
use crate::service::{operator_tickets, operators, sessions};
use crate::store::Executor;
use session::signed_in;
use ticketbooth_shared::role::Action;

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
    if let (AppPage::Tickets, "GET") = (&page, method)
        && let Some(response) = list_at_once(app, req, &fresh).await?
    {
        return Ok(response);
    }
    let Some(op) = signed_in(app, req, fresh.now).await? else {
        return Ok(redirect("/app/login"));
    };
    match (page, method) {
        (AppPage::Home, _) => Ok(redirect("/app/tickets")),
        (AppPage::Tickets, _) => {
            let query = list_query::parse(&req.query).map_err(ApiError::Validation)?;
            let layout = if board_requested(&req.query) {
                list_page::Layout::Board
            } else {
                list_page::Layout::Table
            };
            let page = operator_tickets::list(&app.db, &op, &query, fresh.now).await?;
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

/// `view=board` asks for the board; anything else is the list.
fn board_requested(raw: &str) -> bool {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == "view" && v == "board")
}

pub(crate) fn redirect(location: &str) -> Response {
    Response::empty(303)
        .with_header("location", location)
        .with_header("cache-control", "no-store")
}

/// The ticket list in ONE D1 round trip for a credential this isolate knows: the statements
/// that sign a request in (the renewal and the read, `operators::statements` or
/// `sessions::statements`) lead the list's batch, and the page is used only if they still
/// name the operator, site and role the hint did — the same snapshot as the page. Otherwise
/// `None`, and the request signs in first like every other one (which also answers a bad
/// query, so nobody learns anything here without a live credential).
async fn list_at_once<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: &Fresh,
) -> Result<Option<Response>, ApiError> {
    let Some(hash) = session::credential_hash(req) else {
        return Ok(None);
    };
    let Some((hint, proof)) = session::credential_hint(app, req, &hash, fresh.now) else {
        return Ok(None);
    };
    let Ok(query) = list_query::parse(&req.query) else {
        return Ok(None);
    };
    if hint.require(Action::ViewTickets).is_err() {
        return Ok(None);
    }
    let mut statements = match proof {
        Proof::Token(hash) => operators::statements(hash, fresh.now),
        Proof::Session(hash) => sessions::statements(hash, fresh.now),
    };
    let signing_in = statements.len();
    let (plan, list) = operator_tickets::list_statements(&hint, &query, fresh.now);
    statements.extend(list);
    let mut answers = app.db.batch(statements).await.map_err(ServiceError::from)?;
    let page_answers = answers.split_off(signing_in);
    let op = match proof {
        Proof::Token(_) => operators::read_operator(answers),
        Proof::Session(_) => {
            let cookie = session::session_cookie(req).unwrap_or_default();
            sessions::read_operator(answers, cookie, fresh.now)
        }
    };
    let op = match op {
        Ok(op) if (&op.id, op.site_id, op.role) == (&hint.id, hint.site_id, hint.role) => op,
        Ok(_) | Err(ServiceError::NotSignedIn) => {
            app.credentials.forget(&hash);
            return Ok(None);
        }
        Err(other) => return Err(other.into()),
    };
    let page = operator_tickets::list_from(&app.db, &op, &query, &plan, page_answers).await?;
    let layout = if board_requested(&req.query) {
        list_page::Layout::Board
    } else {
        list_page::Layout::Table
    };
    Ok(Some(Response::html(
        200,
        list_page::render(&op, &query, &page, layout),
    )))
}
