//! The settings pages (members and invitations, API tokens, the site's settings), creating a
//! site, and accepting an invitation. Each handler: parse the form, check CSRF, call the
//! service, render.

use crate::app::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::routes::SettingsPage;
use crate::http::{Request, Response};
use crate::service::operators::Operator;
use crate::store::Executor;

pub async fn handle<E: Executor>(
    _app: &App<E>,
    _req: &Request,
    _op: &Operator,
    _page: SettingsPage,
    _fresh: &Fresh,
) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn new_site<E: Executor>(
    _app: &App<E>,
    _req: &Request,
    _op: &Operator,
    _fresh: &Fresh,
) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}

pub async fn invitation<E: Executor>(
    _app: &App<E>,
    _req: &Request,
    _token: &str,
    _fresh: &Fresh,
) -> Result<Response, ApiError> {
    Err(ApiError::NotFound)
}
