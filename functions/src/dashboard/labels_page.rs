//! `/app/labels`: the site's labels as a tree (`Label > Sublabel`) with ticket counts, for owners
//! and admins, and what they do to a label (with its sublabels) on every ticket at once —
//! rename, merge, delete (`service::labels`, one batch each). A merge and a delete are asked
//! twice: the first form is a GET to a confirmation page that says what will move, the POST
//! is from there. A refusal re-renders the page with the reason and its status; nothing is
//! changed.

use serde::Deserialize;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::label::{Label, SEPARATOR};
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_query::TicketQuery;

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::list_page::{self, Layout};
use super::redirect;
use super::settings_views::{Notice, notice, settings_nav};
use super::views::layout;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::routes::{AppPage, LabelVerb, Route};
use crate::http::{Request, Response};
use crate::service::labels::{self, LabelCount, LabelNode};
use crate::service::operators::Operator;
use crate::store::Executor;

/// `/app/labels` and `/app/labels/{verb}`: `form` is `Some` for a POST (it passed the gate).
pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    form: Option<CheckedForm<'_>>,
    op: &Operator,
    verb: Option<LabelVerb>,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    op.require(Action::ManageSettings)?;
    let result = match (verb, form) {
        (None, _) => return show(app, req, op, None, 200).await,
        (Some(verb @ (LabelVerb::Merge | LabelVerb::Delete)), None) => {
            confirm(app, req, op, verb).await
        }
        (Some(verb), Some(form)) => change(app, form, op, verb, fresh).await,
        (Some(verb), None) => {
            return Err(ApiError::MethodNotAllowed {
                allow: Route::App(AppPage::LabelAction(verb)).allow(),
            });
        }
    };
    match result {
        Ok(response) => Ok(response),
        // A refusal or a bad name: the labels page again, saying why; faults stay errors.
        Err(error @ (ApiError::Refused(_) | ApiError::Validation(_))) => {
            let status = error.status();
            show(app, req, op, Some(&refusal_text(&error)), status).await
        }
        Err(error) => Err(error),
    }
}

/// What a refusal says on the page: the rule, or which name is not a label and why.
fn refusal_text(error: &ApiError) -> String {
    match error {
        ApiError::Validation(errors) => {
            let mut text = String::new();
            for (field, problem) in &errors.0 {
                let which = match *field {
                    "to" => "The new name",
                    "into" => "The label to merge into",
                    _ => "The label",
                };
                text.push_str(&format!("{which} is not a label: {problem} "));
            }
            text.push_str(
                "A label is a word or two (letters, digits, - _ .), or Label > Sublabel. Nothing was changed.",
            );
            text
        }
        other => other.to_string(),
    }
}

async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    refused: Option<&str>,
    status: u16,
) -> Result<Response, ApiError> {
    let tree = labels::tree(&app.db, op).await?;
    let done = match req.query.as_str() {
        _ if refused.is_some() => None,
        "done=renamed" => Some(Ok("Renamed on every ticket.")),
        "done=merged" => Some(Ok("Merged: every ticket moved.")),
        "done=deleted" => Some(Ok("Deleted from every ticket.")),
        _ => None,
    };
    let message = refused.map(Err).or(done);
    Ok(Response::html(status, page(op, &tree, message)))
}

#[derive(Deserialize)]
struct Query {
    #[serde(default)]
    label: String,
    #[serde(default)]
    into: String,
}

fn invalid(field: &'static str, error: FieldError) -> ApiError {
    ApiError::Validation(ValidationErrors([(field, error)].into_iter().collect()))
}

fn label_in(field: &'static str, raw: &str) -> Result<Label, ApiError> {
    Label::parse(raw).map_err(|e| invalid(field, e))
}

/// `GET /app/labels/merge?label=…&into=…` and `GET /app/labels/delete?label=…`: what would
/// move, and the button that does it.
async fn confirm<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    verb: LabelVerb,
) -> Result<Response, ApiError> {
    let query: Query =
        serde_urlencoded::from_str(&req.query).map_err(|e| ApiError::BadQuery(e.to_string()))?;
    let label = label_in("label", &query.label)?;
    if verb == LabelVerb::Delete {
        let rows = labels::affected(&app.db, op, &label).await?;
        return Ok(Response::html(200, confirm_delete(op, &label, &rows)));
    }
    let into = label_in("into", &query.into)?;
    let rows = labels::check_move(&app.db, op, &label, &into, false).await?;
    Ok(Response::html(200, confirm_merge(op, &label, &into, &rows)))
}

/// The POSTs: rename, merge (from its confirmation), delete (from its confirmation).
async fn change<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    verb: LabelVerb,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        label: String,
        #[serde(default)]
        to: String,
        #[serde(default)]
        into: String,
    }
    let form: Form = posted.parse()?;
    let label = label_in("label", &form.label)?;
    let (db, now) = (&app.db, fresh.now);
    let done = match verb {
        LabelVerb::Rename => {
            let to = label_in("to", &form.to)?;
            labels::rename(db, op, &label, &to, now).await?;
            "renamed"
        }
        LabelVerb::Merge => {
            let into = label_in("into", &form.into)?;
            labels::merge(db, op, &label, &into, now).await?;
            "merged"
        }
        LabelVerb::Delete => {
            labels::delete(db, op, &label, now).await?;
            "deleted"
        }
    };
    Ok(redirect(&format!("/app/labels?done={done}")))
}

/// A label as text, its parent part muted: `billing > ` then `refund`.
fn label_text(h: &mut Html, label: &Label) {
    match label.parent() {
        Some(parent) => {
            h.raw("<span class=\"muted\">")
                .text(parent.as_ref())
                .text(SEPARATOR)
                .raw("</span>")
                .text(label.leaf());
        }
        None => {
            h.text(label.as_ref());
        }
    }
}

/// The list filtered by `label` (which includes its sublabels).
fn filter_link(h: &mut Html, label: &Label) {
    let query = TicketQuery {
        label: Some(label.clone()),
        ..TicketQuery::default()
    };
    h.raw("<a class=\"label\" href=\"")
        .text(&list_page::url(&query, Layout::Table))
        .raw("\">");
    label_text(h, label);
    h.raw("</a>");
}

fn tickets(n: i64) -> String {
    if n == 1 {
        "1 ticket".to_owned()
    } else {
        format!("{n} tickets")
    }
}

fn page(op: &Operator, tree: &[LabelNode], message: Notice<'_>) -> String {
    layout("Labels", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/labels");
        notice(h, message);
        h.raw("<section class=\"card labels-page\" aria-labelledby=\"labels-h\"><h2 id=\"labels-h\">Labels</h2>")
            .raw("<p class=\"muted\">Operators create labels on the fly on a ticket: a word or two, or <code>Label &gt; Sublabel</code> (one level, like <code>billing &gt; refund</code>). Filtering the list by a label includes its sublabels. A change here applies to the label and its sublabels on every ticket at once, and shows in each ticket's timeline.</p>");
        if tree.is_empty() {
            h.raw("<p class=\"empty\">No ticket has a label yet.</p></section>");
            return;
        }
        h.raw("<datalist id=\"site-labels\">");
        for node in tree {
            h.raw("<option value=\"")
                .text(node.label.as_ref())
                .raw("\"></option>");
            for child in &node.children {
                h.raw("<option value=\"")
                    .text(child.label.as_ref())
                    .raw("\"></option>");
            }
        }
        h.raw("</datalist><table class=\"list label-tree\"><thead><tr><th scope=\"col\">Label</th><th scope=\"col\">Tickets</th><th scope=\"col\">Change</th></tr></thead><tbody>");
        for node in tree {
            let own = (node.tickets > 0).then_some(node.tickets);
            row(
                h,
                op,
                &node.label,
                own,
                (!node.children.is_empty()).then_some(node.in_all),
            );
            for child in &node.children {
                row(h, op, &child.label, Some(child.tickets), None);
            }
        }
        h.raw("</tbody></table></section>");
    })
}

/// One label's row: its link, counts, and its forms. `own`: tickets carrying exactly it
/// (`None` for a parent only its sublabels use); `in_all`: with its sublabels, for a parent.
fn row(h: &mut Html, op: &Operator, label: &Label, own: Option<i64>, in_all: Option<i64>) {
    let sub = !label.is_top_level();
    h.raw(if sub {
        "<tr class=\"sublabel\"><td>"
    } else {
        "<tr><td>"
    });
    filter_link(h, label);
    h.raw("</td><td>");
    match own {
        Some(n) => {
            h.text(&tickets(n));
        }
        None => {
            h.raw("<span class=\"muted\">only on sublabels</span>");
        }
    }
    if let Some(all) = in_all {
        h.raw("<br><span class=\"muted\">")
            .text(&tickets(all))
            .raw(" with its sublabels</span>");
    }
    h.raw("</td><td><details class=\"label-change\"><summary>Rename, merge or delete <span class=\"visually-hidden\">")
        .text(label.as_ref())
        .raw("</span></summary>");
    // Rename: straight away (it refuses a name in use: that is a merge).
    h.raw("<form class=\"inline\" method=\"post\" action=\"/app/labels/rename\">");
    csrf::field(h, op);
    hidden_label(h, label);
    h.raw("<label>New name <input name=\"to\" required maxlength=\"")
        .text(&Label::MAX_INPUT_CHARS.to_string())
        .raw("\" value=\"")
        .text(label.as_ref())
        .raw("\"></label><button>Rename</button></form>");
    // Merge and delete: a GET to their confirmation page first.
    h.raw("<form class=\"inline\" method=\"get\" action=\"/app/labels/merge\">");
    hidden_label(h, label);
    h.raw("<label>Merge into <input name=\"into\" list=\"site-labels\" required maxlength=\"")
        .text(&Label::MAX_INPUT_CHARS.to_string())
        .raw("\"></label><button>Merge…</button></form>")
        .raw("<form class=\"inline\" method=\"get\" action=\"/app/labels/delete\">");
    hidden_label(h, label);
    h.raw("<button class=\"danger\">Delete…</button></form></details></td></tr>");
}

fn hidden_label(h: &mut Html, label: &Label) {
    h.raw("<input type=\"hidden\" name=\"label\" value=\"")
        .text(label.as_ref())
        .raw("\">");
}

/// The labels a change touches, each with its count (and, for a move, its new name).
fn affected_list(h: &mut Html, rows: &[LabelCount], moved: Option<(&Label, &Label)>) {
    h.raw("<ul class=\"affected\">");
    for r in rows {
        h.raw("<li>");
        label_text(h, &r.label);
        if let Some(new) = moved.and_then(|(from, to)| r.label.moved(from, to)) {
            h.raw(" → ");
            label_text(h, &new);
        }
        h.raw(" <span class=\"muted\">(")
            .text(&tickets(r.tickets))
            .raw(")</span></li>");
    }
    h.raw("</ul>");
}

fn confirm_merge(op: &Operator, from: &Label, into: &Label, rows: &[LabelCount]) -> String {
    layout("Merge a label", Some(op), |h| {
        h.raw("<section class=\"card narrow\"><h1>Merge <bdi>")
            .text(from.as_ref())
            .raw("</bdi> into <bdi>")
            .text(into.as_ref())
            .raw("</bdi>?</h1><p>Every ticket moves:</p>");
        affected_list(h, rows, Some((from, into)));
        h.raw("<p>A ticket that already has the new label keeps it once. <bdi>")
            .text(from.as_ref())
            .raw("</bdi> is then no longer in use. Each ticket's timeline records the move.</p>")
            .raw("<form class=\"stacked\" method=\"post\" action=\"/app/labels/merge\">");
        csrf::field(h, op);
        hidden_label(h, from);
        h.raw("<input type=\"hidden\" name=\"into\" value=\"")
            .text(into.as_ref())
            .raw("\"><button class=\"primary\">Merge into <bdi>")
            .text(into.as_ref())
            .raw("</bdi></button></form><p><a href=\"/app/labels\">Keep both</a></p></section>");
    })
}

fn confirm_delete(op: &Operator, label: &Label, rows: &[LabelCount]) -> String {
    layout("Delete a label", Some(op), |h| {
        h.raw("<section class=\"card narrow\"><h1>Delete <bdi>")
            .text(label.as_ref())
            .raw("</bdi>?</h1><p>It is removed from every ticket that carries it:</p>");
        affected_list(h, rows, None);
        h.raw("<p>The tickets stay; each one's timeline records the removal. This cannot be undone (the labels would have to be added again by hand).</p>")
            .raw("<form class=\"stacked\" method=\"post\" action=\"/app/labels/delete\">");
        csrf::field(h, op);
        hidden_label(h, label);
        h.raw("<button class=\"danger\">Delete <bdi>")
            .text(label.as_ref())
            .raw("</bdi> from every ticket</button></form><p><a href=\"/app/labels\">Keep it</a></p></section>");
    })
}
