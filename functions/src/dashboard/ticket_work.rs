//! The dashboard's ticket handlers: each action form posts to `/app/tickets/{code}/{verb}`,
//! passes the gate (`gate`), goes through `ticket_actions::apply` (the same service the JSON API
//! uses) and answers 303 back to the ticket. A refusal renders the error page with the
//! service's reason and changes nothing.

use std::collections::BTreeMap;

use ticketbooth_shared::Priority;
use ticketbooth_shared::api::{CreateTicketRequest, RequesterInput};
use ticketbooth_shared::classification::Classification;
use ticketbooth_shared::event::Source;
use ticketbooth_shared::ids::IdempotencyKey;
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::role::{Action, Ownership};
use ticketbooth_shared::ticket_code::TicketCode;

use super::gate::{self, CheckedForm, Guard};
use super::{bulk_page, redirect, ticket_page};
use crate::context::operator;
use crate::context::{App, Fresh};
use crate::http::bulk;
use crate::http::error::ApiError;
use crate::http::routes::Verb;
use crate::http::ticket_input::{self, ActionInput};
use crate::http::{Request, Response};
use crate::service::ServiceError;
use crate::service::operator_tickets;
use crate::service::operators::Operator;
use crate::service::summaries;
use crate::service::sync_links;
use crate::service::ticket_actions::{self, Assignee, Change, OperatorTicket, Outcome};
use crate::store::Executor;

/// `GET /app/tickets/new`: the blank form. Its idempotency key is minted here, so submitting
/// the form twice (a double click, a resend after a timeout) makes one ticket.
pub async fn new_ticket_form<E: Executor>(
    app: &App<E>,
    op: &Operator,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    op.require(Action::CreateTicket)?;
    let form = ticket_page::NewTicketForm {
        // A fresh random UUID v4 (what `IdempotencyKey` requires): the request's spare
        // visitor id, which nothing else uses on this page.
        key: fresh.visitor_id.as_ref().to_owned(),
        members: ticket_actions::members(&app.db, op).await?,
        in_use: operator_tickets::in_use(&app.db, op).await?,
        ..Default::default()
    };
    Ok(Response::html(200, ticket_page::new_ticket(op, &form)))
}

/// `POST /app/tickets/new`
pub async fn create<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let form: ticket_page::NewTicketForm = posted.parse()?;
    op.require(Action::CreateTicket)?;
    let key =
        IdempotencyKey::parse(form.key.trim()).map_err(|_| ApiError::IdempotencyKeyInvalid)?;
    let request = CreateTicketRequest {
        subject: form.subject.clone(),
        description: form.description.clone(),
        requester: Some(RequesterInput {
            name: form.requester_name.clone(),
            email: form.requester_email.clone(),
        }),
        ..Default::default()
    };
    // An operator records what they know; contact details are never required of them.
    let ticket = NewTicket::parse(&request, false);
    let choices =
        ticket_input::create_choices(Some(&form.priority), form.assignee.as_deref().map(Some), op);
    let classification = ticket_input::create_classification(Some(&form.topic), Some(&form.intent));
    let refused = match (ticket, choices, classification) {
        (Ok(ticket), Ok(choices), Ok(classification)) => {
            match create_checked(app, op, ticket, choices, classification, key, fresh).await {
                Ok(response) => return Ok(response),
                // The service's refusal of the chosen assignee is shown on the form, like a field's.
                Err(ApiError::AssigneeNotMember) => BTreeMap::from([(
                    "assignee".to_owned(),
                    ApiError::AssigneeNotMember.to_string(),
                )]),
                Err(other) => return Err(other),
            }
        }
        (ticket, choices, classification) => {
            let mut errors = ticket.err().unwrap_or_default();
            errors.0.extend(choices.err().unwrap_or_default().0);
            errors.0.extend(classification.err().unwrap_or_default().0);
            errors
                .0
                .iter()
                .map(|(k, e)| ((*k).to_owned(), e.to_string()))
                .collect()
        }
    };
    let page = ticket_page::NewTicketForm {
        errors: refused.into_iter().collect(),
        members: ticket_actions::members(&app.db, op).await?,
        in_use: operator_tickets::in_use(&app.db, op).await?,
        ..form
    };
    Ok(Response::html(422, ticket_page::new_ticket(op, &page)))
}

/// Creates the form's ticket once its fields parsed; the answer is the redirect to it.
async fn create_checked<E: Executor>(
    app: &App<E>,
    op: &Operator,
    ticket: NewTicket,
    (priority, assignee): (Priority, Assignee),
    classification: Classification,
    key: IdempotencyKey,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let created = ticket_actions::create(
        &app.db,
        op,
        OperatorTicket {
            priority,
            assignee,
            ticket,
            source: Source::Operator,
            conversation: None,
            idempotency_key: key,
            fresh_id: fresh.ticket_id,
            now: fresh.now,
            classification,
        },
    )
    .await?;
    let mut response = redirect(&format!(
        "/app/tickets/{}",
        ticket_actions::created_code(&created)
    ));
    // Announce it to the site's webhook, if it has one (the follow-up finds out).
    response.follow_up = Some(crate::http::FollowUp::Notify {
        site_id: op.site_id,
    });
    Ok(response)
}

/// `GET /app/tickets/{code}/delete`: the confirmation page.
pub async fn confirm_delete<E: Executor>(
    app: &App<E>,
    op: &Operator,
    code: &TicketCode,
    now: ticketbooth_shared::timestamp::Timestamp,
) -> Result<Response, ApiError> {
    let detail = operator_tickets::detail(&app.db, op, code, now).await?;
    let ownership = Ownership::of(detail.ticket.assignee_id.as_deref(), &op.id);
    if !op.role.permits(Action::DeleteTicket, ownership) {
        return Err(ServiceError::Forbidden.into());
    }
    Ok(Response::html(
        200,
        ticket_page::confirm_delete(op, &detail),
    ))
}

/// `POST /app/tickets/{code}/{verb}`. A refusal (forbidden, stale, invalid transition, bad
/// input) answers with its status and a page that says why, linking back to the ticket.
pub async fn act<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    code: &TicketCode,
    verb: Verb,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    match apply_form(app, posted, op, code, verb, fresh).await {
        Ok(back) => Ok(redirect(&back).handing_off(op.site_id)),
        // Not found stays the plain 404; a fault of ours stays a 500 with its log line.
        Err(e @ (ApiError::NotFound | ApiError::Internal(_))) => Err(e),
        Err(refusal) => Ok(ticket_page::refused(op, &refusal, &code.to_string())),
    }
}

/// A status form (no comment) from a signed-in operator this isolate knows, in one D1 round
/// trip (`ticket_actions::change_status_at_once`); the path to go back to. `None` when this path
/// does not apply or its batch refused: the caller then signs the request in and applies the
/// form as every other one, which answers (the refusal's reason, or the change). With the
/// path comes the operator's site (its outbox is handed off after the answer).
pub async fn status_at_once<E: Executor>(
    app: &App<E>,
    req: &Request,
    code: &TicketCode,
    fresh: &Fresh,
) -> Result<Option<(String, i64)>, ApiError> {
    let Some(hash) = operator::credential_hash(req) else {
        return Ok(None);
    };
    let Some((op, proof)) = operator::credential_hint(app, req, &hash, fresh.now) else {
        return Ok(None);
    };
    // The same gate as every form, with the operator the hint names (the batch below proves
    // the credential is still theirs).
    let Ok(posted) = gate::pass(req, Guard::Operator(&op)) else {
        return Ok(None);
    };
    let Ok(input) = posted.parse::<ActionInput>() else {
        return Ok(None);
    };
    let code_text = code.to_string();
    let Ok(Change::Status { to, comment: None }) =
        ticket_input::change(Verb::Status, &input, &op, &code_text)
    else {
        return Ok(None);
    };
    let changed = ticket_actions::change_status_at_once(
        &app.db,
        proof,
        &op,
        code,
        to,
        input.version,
        fresh.now,
    )
    .await?;
    if changed.is_none() {
        app.credentials.forget(&hash);
        return Ok(None);
    }
    Ok(Some((back_to(&input, &code_text), op.site_id)))
}

/// Where a form goes back to: its `return_to` if that is a dashboard page, else the ticket.
fn back_to(input: &ActionInput, code_text: &str) -> String {
    input
        .return_to
        .as_deref()
        .filter(|to| is_dashboard_path(to))
        .map_or_else(|| format!("/app/tickets/{code_text}"), str::to_owned)
}

/// Checks and applies one form; the path to go back to.
async fn apply_form<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    code: &TicketCode,
    verb: Verb,
    fresh: Fresh,
) -> Result<String, ApiError> {
    let input: ActionInput = posted.parse()?;
    let code_text = code.to_string();
    if verb == Verb::Push {
        sync_links::push_by_hand(&app.db, op, code, fresh.now.millis()).await?;
        return Ok(back_to(&input, &code_text));
    }
    if let Some(summary) = ticket_input::summary_change(verb, &input) {
        summaries::apply(&app.db, op, code, input.version, summary?, fresh.now).await?;
        return Ok(back_to(&input, &code_text));
    }
    let change = ticket_input::change(verb, &input, op, &code_text)?;
    let outcome =
        ticket_actions::apply(&app.db, op, code, input.version, change, fresh.now).await?;
    Ok(match outcome {
        Outcome::Deleted => "/app/tickets".to_owned(),
        Outcome::Changed | Outcome::Unchanged => back_to(&input, &code_text),
    })
}

/// `POST /app/tickets/bulk`: the list's bulk form. The action comes as `verb` or
/// `verb:value` (`status:pending`, `assign:me`, `spam:true`); the tickets are the ticked
/// `codes`, or every `page_codes` for "Apply to all on this page". A delete asks first.
pub async fn bulk<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let pairs: Vec<(String, String)> = posted.parse()?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let scope = if field("scope").as_deref() == Some("page") {
        "page_codes"
    } else {
        "codes"
    };
    let codes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == scope)
        .map(|(_, v)| v.clone())
        .collect();
    let back = field("return_to")
        .filter(|to| is_dashboard_path(to))
        .unwrap_or_else(|| "/app/tickets".to_owned());
    let raw_action = field("bulk_action").unwrap_or_default();
    let (verb, value) = raw_action.split_once(':').unwrap_or((&raw_action, ""));
    let verb = bulk::verb(verb)?;
    let mut input = ActionInput {
        confirm: field("confirm"),
        label: field("label"),
        ..ActionInput::default()
    };
    match verb {
        Verb::Status => input.status = Some(value.to_owned()),
        Verb::Assign => input.assignee = Some(value.to_owned()),
        Verb::Spam => input.spam = Some(value == "true"),
        Verb::Waiting => input.waiting_on = Some(value.to_owned()),
        // `team:none` takes the tickets out of their team; `team` names it in its own field.
        Verb::Team if value == "none" => input.team = Some(None),
        Verb::Team => input.team = Some(field("team")),
        Verb::Delete if input.confirm.as_deref() != Some("delete") && !codes.is_empty() => {
            op.require(Action::DeleteTicket)?;
            return Ok(Response::html(
                200,
                bulk_page::confirm_delete(op, &codes, &back),
            ));
        }
        _ => {}
    }
    let result = bulk::run(&app.db, op, verb, &codes, &input, fresh.now).await?;
    Ok(Response::html(200, bulk_page::results(op, &result, &back)).handing_off(op.site_id))
}

/// Only a path of our own dashboard is a place to send the browser back to: no scheme, no
/// host, no `//` (protocol-relative) and no backslash (which browsers read as a slash).
fn is_dashboard_path(to: &str) -> bool {
    to.starts_with("/app/") && !to.contains("//") && !to.contains('\\') && !to.contains("/..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_stays_inside_the_dashboard() {
        assert!(is_dashboard_path("/app/tickets?status=open"));
        assert!(is_dashboard_path("/app/tickets/TKT-1"));
        for bad in [
            "https://evil.example/app/",
            "//evil.example/app/",
            "/app//evil.example",
            "/app/\\evil.example",
            "/app/../admin",
            "/api/v1/tickets",
            "",
        ] {
            assert!(!is_dashboard_path(bad), "{bad}");
        }
    }
}
