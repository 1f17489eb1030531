//! The operators' dashboard at `/app/…`: sign-in with email and password into a server-side
//! session (`session`), the ticket list and ticket pages, and the settings pages (`settings`).
//! HTML rendered here, works without JavaScript. Every request but a GET passes one gate
//! before its handler runs (`gate::pass`: same origin, and the session's CSRF token unless the
//! request has no session yet or is bearer-authenticated); a handler reads its form only
//! through the `CheckedForm` the gate hands it.

mod account_page;
mod bots_page;
mod bulk_page;
mod charts;
pub mod csrf;
mod data_page;
mod email_page;
mod gate;
mod html;
mod inbox;
mod labels_page;
pub mod list_page;
pub mod reports_csv;
pub mod reports_page;
pub mod session;
mod settings;
pub mod settings_views;
mod sla_page;
mod sla_view;
mod summary_view;
mod sync_form;
mod sync_page;
mod sync_view;
mod teams_page;
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
use crate::http::routes::{AppPage, Route, Verb};
use crate::http::{Request, Response};
use crate::service::{ServiceError, notices, operator_tickets};
use crate::store::Executor;
use gate::Guard;
use operator::{session_cookie, signed_in};
use ticketbooth_shared::ticket_code::TicketCode;

pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    page: AppPage,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let method = req.method.as_str();
    // Only a GET (or HEAD) changes nothing: every other request passes the gate first.
    let posted = !matches!(method, "GET" | "HEAD");
    // Pages anyone may open: signing in and out, accepting an invitation. They pass the same
    // gate, without a session (there is none yet): our own origin only; each shows a refusal
    // on its own page, so the gate's answer goes to the handler.
    match &page {
        AppPage::Login if !posted => {
            return Ok(Response::html(200, views::sign_in(None, "")));
        }
        AppPage::Login => {
            return session::sign_in(app, req, gate::pass(req, Guard::NoSession), &fresh).await;
        }
        AppPage::Invitation(token) => {
            let form = posted.then(|| gate::pass(req, Guard::NoSession));
            return settings::invitation(app, req, form, token, &fresh).await;
        }
        AppPage::Logout | AppPage::LogoutEverywhere => {
            let everywhere = page == AppPage::LogoutEverywhere;
            // Only a live session has anything to sign out of, and a token to prove it with;
            // without one the cookie is just cleared.
            let live = match session_cookie(req) {
                Some(_) => signed_in(app, req, fresh.now).await?,
                None => None,
            };
            let form = match &live {
                Some(op) => Some(gate::pass(req, Guard::Operator(op))?),
                None => None,
            };
            return session::sign_out(app, req, form, everywhere).await;
        }
        _ => {}
    }
    // The two things an operator does most, in one D1 round trip when this isolate knows the
    // credential (checked in the same batch, and through the gate with the operator it hints
    // at; otherwise the usual path below).
    if let (AppPage::TicketAction(code, Verb::Status), "POST") = (&page, method)
        && let Some((back, site_id)) = ticket_work::status_at_once(app, req, code, &fresh).await?
    {
        return Ok(redirect(&back).handing_off(site_id));
    }
    let at_once = match (&page, method) {
        (AppPage::Tickets, "GET") => list_at_once(app, req, &fresh).await?,
        (AppPage::Ticket(code), "GET") => ticket_at_once(app, req, code, &fresh).await?,
        (AppPage::Reports, "GET") => reports_page::at_once(app, req, &fresh).await?,
        _ => None,
    };
    if let Some(response) = at_once {
        return Ok(response);
    }
    let Some(op) = signed_in(app, req, fresh.now).await? else {
        return Ok(redirect("/app/login"));
    };
    // The gate, for everything a signed-in operator posts. `None` for a GET: a handler that
    // changes something takes `Some` (its `CheckedForm`), so none can run without the gate.
    let form = match posted
        .then(|| gate::pass(req, Guard::Operator(&op)))
        .transpose()
    {
        Ok(form) => form,
        // A ticket's forms say why on a page that links back to it, as for their other
        // refusals.
        Err(refused) => {
            return match &page {
                AppPage::TicketAction(code, _) => {
                    Ok(ticket_page::refused(&op, &refused, &code.to_string()))
                }
                _ => Err(refused),
            };
        }
    };
    match (page, form) {
        (AppPage::Home, _) => Ok(redirect("/app/tickets")),
        (AppPage::Tickets, _) => {
            let query = list_query::parse(&req.query).map_err(ApiError::Validation)?;
            let layout = requested_layout(&req.query);
            let (page, notices) =
                notices::list_with(&app.db, &op, &query, layout.match_count(), fresh.now).await?;
            Ok(Response::html(
                200,
                list_page::render(&op, &query, &page, layout, &notices),
            ))
        }
        (AppPage::Views, Some(form)) => views_page::save(app, form, &op, &fresh).await,
        (AppPage::View(id), Some(form)) => views_page::edit(app, form, &op, &id).await,
        (AppPage::Ticket(code), _) => {
            let (detail, notices) = notices::detail_with(&app.db, &op, &code, fresh.now).await?;
            Ok(Response::html(
                200,
                ticket_page::render(&op, &detail, fresh.now, &notices),
            ))
        }
        (AppPage::Bulk, Some(form)) => ticket_work::bulk(app, form, &op, fresh).await,
        (AppPage::NewTicket, None) => ticket_work::new_ticket_form(app, &op, fresh).await,
        (AppPage::NewTicket, Some(form)) => ticket_work::create(app, form, &op, fresh).await,
        (AppPage::TicketAction(code, Verb::Delete), None) => {
            ticket_work::confirm_delete(app, &op, &code, fresh.now).await
        }
        (AppPage::TicketAction(code, verb), Some(form)) => {
            ticket_work::act(app, form, &op, &code, verb, fresh).await
        }
        (AppPage::Inbox, _) => inbox::list(app, &op, &fresh).await,
        (AppPage::Conversation(id), _) => inbox::show(app, &op, &id, &fresh).await,
        (AppPage::ConversationReply(id), Some(form)) => {
            inbox::reply(app, form, &op, &id, &fresh).await
        }
        (AppPage::ConversationTicket(id), Some(form)) => {
            inbox::create_ticket(app, form, &op, &id, &fresh).await
        }
        (AppPage::ConversationAttach(id), Some(form)) => {
            inbox::attach(app, form, &op, &id, &fresh).await
        }
        (AppPage::ConversationLive(id), _) => inbox::live(app, req, &op, &id, &fresh).await,
        (AppPage::ConversationHandBack(id), Some(form)) => {
            inbox::hand_back(app, form, &op, &id, &fresh).await
        }
        (AppPage::SwitchSite, Some(form)) => session::switch_site(app, req, form, &op).await,
        (AppPage::NewSite, form) => settings::new_site(app, req, form, &op, &fresh).await,
        (AppPage::Settings(page), form) => {
            settings::handle(app, req, form, &op, page, &fresh).await
        }
        (AppPage::Notices, _) => {
            let counts = notices::read(&app.db, &op, fresh.now).await?;
            Ok(Response::json(200, &counts).with_header("cache-control", "no-store"))
        }
        (AppPage::Labels, _) => labels_page::handle(app, req, None, &op, None, &fresh).await,
        (AppPage::LabelAction(verb), form) => {
            labels_page::handle(app, req, form, &op, Some(verb), &fresh).await
        }
        (AppPage::Reports, _) => reports_page::show(app, req, &op, &fresh).await,
        (AppPage::ReportsCsv, _) => reports_csv::download(app, req, &op, &fresh).await,
        (AppPage::Teams, form) => teams_page::handle(app, req, form, &op, &fresh).await,
        (
            AppPage::Login | AppPage::Logout | AppPage::LogoutEverywhere | AppPage::Invitation(_),
            _,
        ) => Err(ApiError::NotFound),
        // A POST-only page asked with a GET: `app` answers 405 before it gets here.
        (page, None) => Err(ApiError::MethodNotAllowed {
            allow: Route::App(page).allow(),
        }),
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
        let (plan, mut reads) =
            operator_tickets::list_statements(hint, &query, layout.match_count(), fresh.now);
        reads.extend(notices::statements(hint, fresh.now));
        (plan, reads)
    })
    .await?;
    let Some((op, plan, mut answers)) = read else {
        return Ok(None);
    };
    let notices = notices::split_off(&mut answers).map_err(ServiceError::from)?;
    let page = operator_tickets::list_from(&app.db, &op, &query, &plan, answers).await?;
    Ok(Some(Response::html(
        200,
        list_page::render(&op, &query, &page, layout, &notices),
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
        let mut reads = operator_tickets::detail_statements(hint.site_id, &code_text, fresh.now);
        reads.extend(notices::statements(hint, fresh.now));
        ((), reads)
    })
    .await?;
    let Some((op, (), mut answers)) = read else {
        return Ok(None);
    };
    let notices = notices::split_off(&mut answers).map_err(ServiceError::from)?;
    let detail = operator_tickets::detail_from(answers)?;
    Ok(Some(Response::html(
        200,
        ticket_page::render(&op, &detail, fresh.now, &notices),
    )))
}
