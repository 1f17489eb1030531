//! The widget's routes for a ticket's thread, `/api/v1/sites/{site}/tickets/{id}/comments`,
//! authenticated by the visitor token: read the team's customer-facing comments and one's own
//! replies; reply (Idempotency-Key required). Thin handlers over `service::visitor_thread`.

use std::collections::BTreeMap;

use ticketbooth_shared::api::{VisitorCommentList, VisitorReplyRequest, VisitorReplyResponse};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::ids::TicketId;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::timestamp::Timestamp;

use crate::context::App;
use crate::context::visitor::{Budget, begin_keyed_write, visitor_from_token};
use crate::http::error::ApiError;
use crate::http::{Request, Response, visitor_json};
use crate::service::sites::Site;
use crate::service::tickets;
use crate::service::visitor_thread::{self, Replied};
use crate::store::Executor;

/// `GET …/tickets/{id}/comments`
pub async fn read<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &TicketId,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let visitor = visitor_from_token(app, req, &site.key, now)?;
    let comments = visitor_thread::comments(&app.db, site, &visitor.id, id).await?;
    Ok(visitor.renew(Response::json(200, &VisitorCommentList { comments })))
}

/// `POST …/tickets/{id}/comments`: 201 with the reply written, 200 with the one an earlier
/// send with the same key and text wrote.
pub async fn reply<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &TicketId,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let (body, key) = begin_keyed_write(app, req, site, Budget::Write).await?;
    let visitor = visitor_from_token(app, req, &site.key, now)?;
    let request: VisitorReplyRequest = visitor_json::parse(body, &["body"])?;
    let text = CommentBody::parse(&request.body)
        .map_err(|e| ApiError::Validation(ValidationErrors(BTreeMap::from([("body", e)]))))?;
    let replied = visitor_thread::reply(&app.db, site, &visitor.id, id, &text, &key, now).await?;
    let (status, comment, row) = match replied {
        Replied::New(comment, row) => (201, comment, row),
        Replied::Replayed(comment, row) => (200, comment, row),
    };
    let response = VisitorReplyResponse {
        comment,
        ticket: tickets::visitor_view(row)?,
    };
    Ok(visitor.renew(Response::json(status, &response).notifying(site)))
}
