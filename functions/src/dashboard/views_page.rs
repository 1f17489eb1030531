//! The saved views' POST handlers (`/app/views`, `/app/views/{id}`). Each passes the CSRF
//! check and answers 303 back to the list; a refusal changes nothing.

use serde::Deserialize;
use ticketbooth_shared::ticket_query::ViewName;

use super::gate::CheckedForm;
use super::{list_page, redirect};
use crate::context::{App, Fresh};
use crate::http::Response;
use crate::http::error::ApiError;
use crate::http::list_query;
use crate::service::operators::Operator;
use crate::service::saved_views;
use crate::store::Executor;
use ticketbooth_shared::new_ticket::ValidationErrors;

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    action: String,
}

fn name_of(raw: &str) -> Result<ViewName, ApiError> {
    ViewName::parse(raw)
        .map_err(|e| ApiError::Validation(ValidationErrors([("name", e)].into_iter().collect())))
}

/// `POST /app/views`: saves the filters in `query` (parsed again, stored canonical, without
/// a cursor) under `name`, then opens the view.
pub async fn save<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    let form: SaveForm = posted.parse()?;
    let name = name_of(&form.name)?;
    let query = list_query::parse(&form.query)
        .map_err(ApiError::Validation)?
        .first_page();
    let canonical = list_query::to_query_string(&query);
    let id = fresh.visitor_id.as_ref();
    saved_views::save(&app.db, op, id, &name, &query, &canonical, fresh.now).await?;
    Ok(redirect(&list_page::url(&query, list_page::Layout::Table)))
}

/// `POST /app/views/{id}`: `action=rename` with a new `name`, or `action=delete`. Only the
/// operator's own views on the current site; any other id is a 404.
pub async fn edit<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    id: &str,
) -> Result<Response, ApiError> {
    let form: EditForm = posted.parse()?;
    match form.action.as_str() {
        "rename" => {
            let name = name_of(&form.name)?;
            saved_views::rename(&app.db, op, id, &name, false).await?;
        }
        "delete" => saved_views::delete(&app.db, op, id).await?,
        _ => {
            return Err(ApiError::Validation(ValidationErrors(
                [("action", ticketbooth_shared::FieldError::InvalidFormat)]
                    .into_iter()
                    .collect(),
            )));
        }
    }
    Ok(redirect("/app/tickets"))
}
