//! Bulk: one action over up to `BULK_MAX` tickets, for the JSON API
//! (`POST /api/v1/tickets/bulk`) and the dashboard's list (`POST /app/tickets/bulk`) alike.

use serde::Serialize;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;

use crate::http::error::ApiError;
use crate::http::routes::Verb;
use crate::http::ticket_input::{self, ActionInput};
use crate::service::operators::Operator;
use crate::service::sync_links;
use crate::service::ticket_actions::{self, Outcome};
use crate::store::Executor;

/// At most this many tickets per bulk request: one request stays well inside a Worker's
/// time and subrequest limits (each ticket is two D1 round trips).
pub const BULK_MAX: usize = 100;

#[derive(Debug, Serialize)]
pub struct BulkResult {
    pub changed: usize,
    pub unchanged: usize,
    pub refused: usize,
    pub results: Vec<BulkItem>,
}

#[derive(Debug, Serialize)]
pub struct BulkItem {
    pub code: String,
    /// `changed`, `unchanged`, `deleted` or `refused`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<BulkError>,
}

#[derive(Debug, Serialize)]
pub struct BulkError {
    pub code: &'static str,
    pub message: String,
}

/// The bulk-able actions, by their wire name.
pub fn verb(action: &str) -> Result<Verb, ApiError> {
    match action {
        "status" => Ok(Verb::Status),
        "priority" => Ok(Verb::Priority),
        "assign" => Ok(Verb::Assign),
        "labels-add" => Ok(Verb::AddLabel),
        "labels-remove" => Ok(Verb::RemoveLabel),
        "spam" => Ok(Verb::Spam),
        "delete" => Ok(Verb::Delete),
        "waiting" => Ok(Verb::Waiting),
        "classify" => Ok(Verb::Classify),
        "team" => Ok(Verb::Team),
        "push" => Ok(Verb::Push),
        _ => Err(invalid("action")),
    }
}

/// One action over many tickets, each through `apply` on its own (its own permission check,
/// transition check and batch), so one refusal never blocks the rest; the result says which
/// changed and which were refused, and why. A bulk delete is confirmed once, with
/// `confirm: "delete"`, rather than per code.
pub async fn run<E: Executor>(
    db: &E,
    op: &Operator,
    verb: Verb,
    codes: &[String],
    input: &ActionInput,
    now: Timestamp,
) -> Result<BulkResult, ApiError> {
    op.require(Action::BulkEdit)?;
    if codes.is_empty() || codes.len() > BULK_MAX {
        return Err(invalid("codes"));
    }
    if verb == Verb::Delete
        && !input
            .confirm
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("delete"))
    {
        return Err(invalid("confirm"));
    }
    let mut result = BulkResult {
        changed: 0,
        unchanged: 0,
        refused: 0,
        results: Vec::with_capacity(codes.len()),
    };
    for raw in codes {
        let outcome = match TicketCode::parse(raw) {
            Err(_) => Err(ApiError::NotFound),
            Ok(code) => {
                let text = code.to_string();
                // Versions are per ticket; a bulk request guards each against races only.
                let input = ActionInput {
                    confirm: Some(text.clone()),
                    version: None,
                    ..input.clone()
                };
                match ticket_input::change(verb, &input, op, &text) {
                    // Not a `Change`: a link for the push job, each ticket on its own.
                    Err(_) if verb == Verb::Push => {
                        sync_links::push_by_hand(db, op, &code, now.millis())
                            .await
                            .map_err(ApiError::from)
                    }
                    Err(e) => Err(e),
                    Ok(change) => ticket_actions::apply(db, op, &code, None, change, now)
                        .await
                        .map_err(ApiError::from),
                }
            }
        };
        let item = match outcome {
            Ok(Outcome::Changed) => {
                result.changed += 1;
                BulkItem::ok(raw, "changed")
            }
            Ok(Outcome::Deleted) => {
                result.changed += 1;
                BulkItem::ok(raw, "deleted")
            }
            Ok(Outcome::Unchanged) => {
                result.unchanged += 1;
                BulkItem::ok(raw, "unchanged")
            }
            // A fault of ours stops the run: what is done stays done (each ticket is its own
            // batch) and the client retries the rest.
            Err(e @ ApiError::Internal(_)) => return Err(e),
            Err(e) => {
                result.refused += 1;
                BulkItem {
                    code: raw.clone(),
                    outcome: "refused",
                    error: Some(BulkError {
                        code: e.code(),
                        message: e.to_string(),
                    }),
                }
            }
        };
        result.results.push(item);
    }
    Ok(result)
}

impl BulkItem {
    fn ok(code: &str, outcome: &'static str) -> Self {
        Self {
            code: code.to_owned(),
            outcome,
            error: None,
        }
    }
}

fn invalid(field: &'static str) -> ApiError {
    let mut errors = ticketbooth_shared::new_ticket::ValidationErrors::default();
    errors
        .0
        .insert(field, ticketbooth_shared::FieldError::InvalidFormat);
    ApiError::Validation(errors)
}
