//! Bulk on the ticket list: a checkbox per row and one form (`POST /app/tickets/bulk`) with
//! the action; "Apply to all on this page" is the select-all that needs no JavaScript. The
//! results page says how many changed and which were refused, and why; a bulk delete asks
//! first.

use super::csrf;
use super::html::Html;
use super::views::layout;
use crate::http::bulk::BulkResult;
use crate::service::operators::Operator;
use crate::sql::tickets::ListRow;
use ticketbooth_shared::Status;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::waiting::WaitingOn;

/// The bulk form above the list. Checkboxes in the rows join it through `form="bulk"`.
pub fn form(h: &mut Html, op: &Operator, back: &str, rows: &[ListRow]) {
    h.raw("<form id=\"bulk\" class=\"bulk\" method=\"post\" action=\"/app/tickets/bulk\">");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"return_to\" value=\"")
        .text(back)
        .raw("\">");
    for row in rows {
        h.raw("<input type=\"hidden\" name=\"page_codes\" value=\"")
            .text(&row.code)
            .raw("\">");
    }
    h.raw("<label for=\"bulk-action\">With the selected tickets</label><select id=\"bulk-action\" name=\"bulk_action\">");
    for status in Status::ALL {
        h.raw("<option value=\"status:")
            .text(status.as_str())
            .raw("\">Move to ")
            .text(status.operator_label())
            .raw("</option>");
    }
    // Only pending tickets take a side: the others are refused one by one, and say why.
    for side in WaitingOn::ALL {
        h.raw("<option value=\"waiting:")
            .text(side.as_str())
            .raw("\">Pending: ")
            .text(&side.operator_label().to_lowercase())
            .raw("</option>");
    }
    h.raw("<option value=\"assign:me\">Assign to me</option><option value=\"assign:\">Unassign</option>")
        .raw("<option value=\"spam:true\">Mark as spam</option><option value=\"spam:false\">Not spam</option>")
        .raw("<option value=\"labels-add\">Add the label below</option>")
        .raw("<option value=\"team\">Put in the team named below</option><option value=\"team:none\">Take out of its team</option>")
        // Refused one by one (and saying why) when the site has no help desk connected.
        .raw("<option value=\"push\">Push to the connected help desk</option>");
    if op.role.allows(Action::DeleteTicket) {
        h.raw("<option value=\"delete\">Delete…</option>");
    }
    h.raw("</select><label for=\"bulk-label\" class=\"visually-hidden\">Label</label>")
        .raw("<input id=\"bulk-label\" name=\"label\" list=\"f-labels\" maxlength=\"80\" placeholder=\"Label (to add)\">")
        .raw("<label for=\"bulk-team\" class=\"visually-hidden\">Team</label>")
        .raw("<input id=\"bulk-team\" name=\"team\" maxlength=\"60\" placeholder=\"Team (to set)\">")
        .raw("<button name=\"scope\" value=\"selected\">Apply to selected</button>")
        .raw("<button name=\"scope\" value=\"page\">Apply to all on this page</button></form>");
}

/// The row's checkbox cell.
pub fn checkbox(h: &mut Html, code: &str) {
    h.raw("<td class=\"select\"><input type=\"checkbox\" name=\"codes\" form=\"bulk\" value=\"")
        .text(code)
        .raw("\" aria-label=\"Select ")
        .text(code)
        .raw("\"></td>");
}

/// What a bulk action did, ticket by ticket.
pub fn results(op: &Operator, result: &BulkResult, back: &str) -> String {
    layout("Bulk result", Some(op), |h| {
        h.raw("<section class=\"card\"><h1>Bulk result</h1><p role=\"status\">")
            .text(&result.changed.to_string())
            .raw(" changed, ")
            .text(&result.unchanged.to_string())
            .raw(" already so, ")
            .text(&result.refused.to_string())
            .raw(" refused.</p><ul class=\"bulk-results\">");
        for item in &result.results {
            h.raw("<li class=\"")
                .raw(item.outcome)
                .raw("\"><a href=\"/app/tickets/")
                .text(&item.code)
                .raw("\">")
                .text(&item.code)
                .raw("</a>: ")
                .text(item.outcome);
            if let Some(error) = &item.error {
                h.raw(" — ").text(&error.message);
            }
            h.raw("</li>");
        }
        h.raw("</ul><p><a href=\"")
            .text(back)
            .raw("\">Back to the list</a></p></section>");
    })
}

/// A bulk delete asks first, listing the tickets.
pub fn confirm_delete(op: &Operator, codes: &[String], back: &str) -> String {
    layout("Delete tickets", Some(op), |h| {
        h.raw("<section class=\"card narrow\"><h1>Delete ")
            .text(&codes.len().to_string())
            .raw(" tickets?</h1><p>These tickets, their comments, labels and timelines are removed for good. This cannot be undone.</p><ul>");
        for code in codes {
            h.raw("<li>").text(code).raw("</li>");
        }
        h.raw("</ul><form method=\"post\" action=\"/app/tickets/bulk\">");
        csrf::field(h, op);
        for code in codes {
            h.raw("<input type=\"hidden\" name=\"codes\" value=\"")
                .text(code)
                .raw("\">");
        }
        h.raw("<input type=\"hidden\" name=\"bulk_action\" value=\"delete\"><input type=\"hidden\" name=\"confirm\" value=\"delete\">")
            .raw("<input type=\"hidden\" name=\"return_to\" value=\"")
            .text(back)
            .raw("\"><button class=\"danger\" name=\"scope\" value=\"selected\">Delete them for good</button></form><p><a href=\"")
            .text(back)
            .raw("\">Keep them</a></p></section>");
    })
}
