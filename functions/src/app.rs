//! The application's front door: one `Request` in, one `Response` out. `handle` parses the
//! route and dispatches — the dashboard, the operators' API, the tools, MCP, and a site's
//! public routes after the site is loaded and its origin checked; `admits_body` decides from
//! the head alone whether a body is worth reading. The handlers live in `api` and `dashboard`;
//! every error leaves through `ApiError` (JSON) or the dashboard's error page, and every answer
//! carries the request's id (`x-request-id`).

use ticketbooth_shared::timestamp::Timestamp;

use crate::api::{
    chat, mcp, operator, operator_tools, sync_hooks, thread, tickets, tools, unsubscribe,
};
use crate::context::{App, Fresh};
use crate::dashboard;
use crate::http::error::ApiError;
use crate::http::routes::{OperatorApi, Route, SitePage};
use crate::http::{Request, Response, cors};
use crate::infra::log::REQUEST_ID_HEADER;
use crate::service::ServiceError;
use crate::service::site_cache;
use crate::store::Executor;

pub async fn handle<E: Executor>(app: &App<E>, req: &Request, fresh: Fresh) -> Response {
    let mut granted_origin = None;
    let request_id = fresh.request_id.clone();
    let mut response = match dispatch(app, req, fresh, &mut granted_origin).await {
        Ok(response) => response,
        Err(error) if req.path.starts_with("/app") => dashboard::error_page(error, &request_id),
        Err(error) => error.into_response(),
    };
    if req.path.starts_with("/api/") {
        cors::grant(&mut response, granted_origin.as_deref());
    }
    // On every answer, errors included (JSON error bodies stay as they are: header only).
    response.with_header(REQUEST_ID_HEADER, request_id)
}

/// Whether the request's body is worth reading: the Worker reads it only when this says so,
/// and otherwise hands `handle` the request with an empty body. Refused here, from the head
/// alone: a path or method no route takes, a site's public route called from an origin the
/// site does not allow (or for a site that does not exist), and a dashboard write that is
/// neither from our own pages nor bearer-authenticated. Each of those is refused by `handle`
/// before any handler looks at the body, so the answer is the same; a foreign page or a wrong
/// path just cannot make the Worker take in an upload. The site read here is cached, so the
/// route costs no extra round trip. A fault reading the site lets the body through (the
/// handler then reports the fault; a visitor's send is never parsed as empty).
pub async fn admits_body<E: Executor>(app: &App<E>, req: &Request, now: Timestamp) -> bool {
    if matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return false;
    }
    let Ok(route) = Route::parse(&req.path) else {
        return false;
    };
    if !route.takes(&req.method) {
        return false;
    }
    match route {
        Route::Site(key, _) => match site_cache::load(&app.db, &app.sites, &key, now).await {
            Ok(site) => cors::check(req, &site).is_ok(),
            Err(ServiceError::SiteNotFound) => false,
            Err(_) => true,
        },
        Route::App(_) => req.bearer_token().is_some() || dashboard::csrf::same_origin(req),
        Route::Health | Route::Operator(_) | Route::Tools | Route::Mcp | Route::SyncHook(_) => true,
    }
}

/// The answer when the app could not run at all (the body could not be read, a binding is
/// missing): the generic 500 in the error shape, its detail already logged. On the public API
/// it is readable cross-origin, so the widget can tell "try again later" from a network
/// failure; it says nothing about any site, so it needs no site's origin check. It carries the
/// request's id like every answer (and shows it on the dashboard's page).
pub fn failure_outside(path: &str, origin: Option<&str>, request_id: &str) -> Response {
    let error = ApiError::Internal(String::new());
    if path.starts_with("/app") {
        return dashboard::error_page(error, request_id).with_header(REQUEST_ID_HEADER, request_id);
    }
    let mut response = error.into_response();
    if path.starts_with("/api/") {
        cors::grant(&mut response, origin);
    }
    response.with_header(REQUEST_ID_HEADER, request_id)
}

async fn dispatch<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: Fresh,
    granted_origin: &mut Option<String>,
) -> Result<Response, ApiError> {
    let route = Route::parse(&req.path)?;
    let method = req.method.as_str();
    let allow = route.allow();
    if !route.takes(method) {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    let (site_key, page) = match route {
        Route::Health => return Ok(Response::json(200, &serde_json::json!({ "ok": true }))),
        Route::App(page) => return dashboard::handle(app, req, page, fresh).await,
        Route::Operator(OperatorApi::Tool(tool)) => {
            return operator_tools::handle(app, req, tool, fresh).await;
        }
        Route::Operator(page) => return operator::handle(app, req, page, fresh).await,
        Route::Tools => return Ok(tools::definitions()),
        Route::Mcp => return mcp::handle(app, req, fresh).await,
        Route::SyncHook(id) => return sync_hooks::handle(app, req, id, fresh).await,
        Route::Site(site, page) => (site, page),
    };
    // Every site route: load the tenant, then refuse foreign browser origins before anything
    // else is read or written.
    let site = site_cache::load(&app.db, &app.sites, &site_key, fresh.now).await?;
    *granted_origin = cors::check(req, &site)?;
    if method == "OPTIONS" {
        return Ok(cors::preflight(allow));
    }
    match (page, method) {
        (SitePage::Config, _) => Ok(Response::json(200, &site.config(&app.turnstile_script_url))),
        (SitePage::Tickets, "POST") => tickets::create(app, req, &site, fresh).await,
        (SitePage::Tickets, _) => tickets::list(app, req, &site, &fresh).await,
        (SitePage::Ticket(id), _) => tickets::read(app, req, &site, &id, &fresh).await,
        (SitePage::TicketComments(id), "POST") => {
            thread::reply(app, req, &site, &id, fresh.now).await
        }
        (SitePage::TicketComments(id), _) => thread::read(app, req, &site, &id, fresh.now).await,
        (SitePage::Tool(tool), _) => tools::call(app, req, &site, tool, fresh).await,
        (SitePage::Conversations, _) => chat::start(app, req, &site, fresh).await,
        (SitePage::Messages(id), "POST") => chat::send(app, req, &site, &id, fresh.now).await,
        (SitePage::Messages(id), _) => chat::read(app, req, &site, &id, fresh.now).await,
        (SitePage::Live(id), _) => chat::join(app, req, &site, &id, fresh.now).await,
        (SitePage::Contact(id), _) => chat::contact(app, req, &site, &id, fresh.now).await,
        (SitePage::Escalate(id), _) => chat::escalate(app, req, &site, &id, fresh).await,
        (SitePage::Unsubscribe, _) => unsubscribe::handle(app, req, &site, fresh.now).await,
    }
}
