//! The ticket page's summary: the text (the provider's is untrusted: rendered as text, like
//! everything typed), who wrote it, where its job stands, and the operator's two forms —
//! "Refresh summary" (asks the provider again, through the Queue) and "Edit" (by hand).

use super::csrf;
use super::html::Html;
use crate::http::routes::Verb;
use crate::service::operator_tickets::Detail;
use crate::service::operators::Operator;

/// The section, after the ticket's facts. `can_edit`: the operator may edit its fields.
pub fn section(h: &mut Html, op: &Operator, detail: &Detail, can_edit: bool) {
    let t = &detail.ticket;
    let state = t.summary_state.as_deref();
    h.raw("<section class=\"summary\" aria-labelledby=\"summary-title\"><h2 id=\"summary-title\">Summary</h2>");
    match &t.summary {
        Some(summary) => {
            h.raw("<p class=\"prose\" dir=\"auto\" data-summary>")
                .text(summary)
                .raw("</p><p class=\"muted\">")
                .raw(match t.summary_by.as_deref() {
                    Some("operator") => "Written by hand.",
                    _ => "Written by the AI provider.",
                })
                .raw("</p>");
        }
        None if state == Some("wanted") => {}
        None => {
            h.raw("<p class=\"muted\">No summary.</p>");
        }
    }
    match state {
        Some("wanted") => {
            h.raw("<p class=\"muted\" role=\"status\">The AI provider is writing a summary.</p>");
        }
        Some("failed") => {
            h.raw("<p class=\"error\" role=\"status\">The AI provider could not write a summary (it failed every attempt). Refresh to ask again, or write one by hand.</p>");
        }
        _ => {}
    }
    match t.summary_provider {
        0 => {
            h.raw("<p class=\"muted\">No provider is configured for summaries.</p>");
        }
        1 => {
            h.raw("<p class=\"muted\">Summaries are switched off for this site.</p>");
        }
        _ => {}
    }
    if can_edit {
        if t.summary_provider == 2 {
            open(h, op, &t.code, t.updated_at, Verb::RefreshSummary);
            h.raw("<button>Refresh summary</button></form>");
        }
        h.raw("<details class=\"edit\"><summary>Edit summary</summary>");
        open(h, op, &t.code, t.updated_at, Verb::Summary);
        h.raw("<label for=\"edit-summary\">Summary (yours is never replaced by the provider)</label><textarea id=\"edit-summary\" name=\"summary\" rows=\"3\" dir=\"auto\" maxlength=\"2000\" required>")
            .text(t.summary.as_deref().unwrap_or(""))
            .raw("</textarea><button class=\"primary\">Save summary</button></form></details>");
    }
    h.raw("</section>");
}

/// `<form>` posting to `/app/tickets/{code}/{verb}` with the CSRF token and the version.
fn open(h: &mut Html, op: &Operator, code: &str, version: i64, verb: Verb) {
    h.raw("<form method=\"post\" class=\"stacked\" action=\"/app/tickets/")
        .text(code)
        .raw("/")
        .raw(verb.as_str())
        .raw("\">");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"version\" value=\"")
        .text(&version.to_string())
        .raw("\">");
}
