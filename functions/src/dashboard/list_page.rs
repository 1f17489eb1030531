//! The ticket list and the board: the same query (`shared::ticket_query`) and the same page of
//! rows, drawn as a table (cards on a phone) or as columns by status. Filters live in the URL
//! and in a plain GET form; each active one is a chip with a link that removes it. The sidebar
//! holds the built-in views and the operator's saved ones.

use ticketbooth_shared::Status;
use ticketbooth_shared::classification::{Origin, source_label};
use ticketbooth_shared::event::Source;
use ticketbooth_shared::label::Label;
use ticketbooth_shared::role::{Action, Ownership};
use ticketbooth_shared::sync::SyncFilter;
use ticketbooth_shared::ticket_query::{
    AssigneeFilter, DateRange, Shown, SlaFilter, Sort, SourceFilter, TeamFilter, TicketQuery,
};
use ticketbooth_shared::{Priority, timestamp::Timestamp};

use super::bulk_page;
use super::csrf;
use super::html::Html;
use super::sla_view;
use super::views::{classification, datalist, source_badge};
use super::views::{layout_noticed, priority_badge, requester, status_badge, time, waiting_badge};
use crate::http::list_query;
use crate::service::notices::Notices;
use crate::service::operator_tickets::{ListPage, MatchCount};
use crate::service::operators::Operator;
use crate::service::saved_views::BUILT_IN;
use crate::sql::saved_views::SavedViewRow;
use crate::sql::tickets::ListRow;
use ticketbooth_shared::waiting::WaitingOn;

/// List or board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Table,
    Board,
}

impl Layout {
    /// What the page counts: a board's columns say how many tickets each holds.
    pub fn match_count(self) -> MatchCount {
        match self {
            Layout::Table => MatchCount::Total,
            Layout::Board => MatchCount::PerStatus,
        }
    }
}

/// `/app/tickets?…` for a query (and the board's `view=board`).
pub fn url(query: &TicketQuery, layout: Layout) -> String {
    let mut qs = list_query::to_query_string(query);
    if layout == Layout::Board {
        if !qs.is_empty() {
            qs.push('&');
        }
        qs.push_str("view=board");
    }
    if qs.is_empty() {
        "/app/tickets".to_owned()
    } else {
        format!("/app/tickets?{qs}")
    }
}

pub fn render(
    op: &Operator,
    query: &TicketQuery,
    page: &ListPage,
    layout_kind: Layout,
    notices: &Notices,
) -> String {
    let title = if layout_kind == Layout::Board {
        "Board"
    } else {
        "Tickets"
    };
    layout_noticed(title, Some(op), Some(notices), |h| {
        h.raw("<div class=\"list-layout\">");
        sidebar(h, op, query, &page.saved_views, layout_kind);
        h.raw("<div class=\"list-main\"><div class=\"list-head\"><h1>")
            .text(title)
            .raw("</h1><nav class=\"layout-switch\" aria-label=\"Layout\">");
        for (kind, label) in [(Layout::Table, "List"), (Layout::Board, "Board")] {
            h.raw("<a href=\"")
                .text(&url(&query.first_page(), kind))
                .raw("\"");
            if kind == layout_kind {
                h.raw(" aria-current=\"page\"");
            }
            h.raw(">").raw(label).raw("</a>");
        }
        h.raw("</nav>");
        if op.role.allows(Action::CreateTicket) {
            h.raw(
                "<a class=\"new-ticket\" href=\"/app/tickets/new\" data-key=\"n\">New ticket</a>",
            );
        }
        h.raw("</div>");
        tabs(h, query, page, layout_kind);
        filter_form(h, query, page, layout_kind);
        chips(h, query, page, layout_kind);
        h.raw("<p class=\"match-count\" role=\"status\">")
            .text(&match page.total {
                1 => "1 ticket matches".to_owned(),
                n => format!("{n} tickets match"),
            })
            .raw("</p>");
        if page.rows.is_empty() {
            h.raw("<p class=\"empty\">No tickets match.</p>");
        } else if layout_kind == Layout::Board {
            board(h, op, query, page);
        } else {
            table(h, op, query, page);
        }
        pagination(h, query, page, layout_kind);
        h.raw("</div></div>");
    })
}

fn sidebar(
    h: &mut Html,
    op: &Operator,
    query: &TicketQuery,
    saved: &[SavedViewRow],
    layout_kind: Layout,
) {
    let current = list_query::to_query_string(&query.first_page());
    h.raw("<aside class=\"views\" aria-label=\"Views\"><h2>Views</h2><ul>");
    let link = |h: &mut Html, name: &str, qs: &str| {
        // Stored and built-in query strings are parsed again, so a view is only ever a query
        // the parser accepts, in its canonical spelling.
        let Ok(parsed) = list_query::parse(qs) else {
            return;
        };
        let href = url(&parsed, layout_kind);
        h.raw("<li><a href=\"").text(&href).raw("\"");
        if list_query::to_query_string(&parsed) == current {
            h.raw(" aria-current=\"page\"");
        }
        h.raw(">").user_text(name).raw("</a>");
    };
    link(h, "Active tickets", "");
    h.raw("</li>");
    for (name, qs) in BUILT_IN {
        link(h, name, qs);
        h.raw("</li>");
    }
    h.raw("</ul>");
    if !saved.is_empty() {
        h.raw("<h2>Saved</h2><ul class=\"saved\">");
        for view in saved {
            link(h, &view.name, &view.query);
            h.raw("<details class=\"view-edit\"><summary>Edit <span class=\"visually-hidden\">")
                .user_text(&view.name)
                .raw("</span></summary><form method=\"post\" action=\"/app/views/")
                .text(&view.id)
                .raw("\">");
            csrf::field(h, op);
            let field_id = format!("rename-{}", view.id);
            h.raw("<label for=\"")
                .text(&field_id)
                .raw("\">Name</label><input id=\"")
                .text(&field_id)
                .raw("\" name=\"name\" required maxlength=\"60\" value=\"")
                .text(&view.name)
                .raw("\"><button name=\"action\" value=\"rename\">Rename</button>")
                .raw("<button name=\"action\" value=\"delete\" class=\"danger\">Delete</button></form></details></li>");
        }
        h.raw("</ul>");
    }
    if query.is_filtered() || query.sort != Sort::default() {
        h.raw("<form class=\"save-view\" method=\"post\" action=\"/app/views\">");
        csrf::field(h, op);
        h.raw("<input type=\"hidden\" name=\"query\" value=\"")
            .text(&current)
            .raw("\"><label for=\"view-name\">Save these filters as</label>")
            .raw("<input id=\"view-name\" name=\"name\" required maxlength=\"60\">")
            .raw("<button>Save view</button></form>");
    }
    h.raw("</aside>");
}

fn tabs(h: &mut Html, query: &TicketQuery, page: &ListPage, layout_kind: Layout) {
    h.raw("<nav class=\"tabs\" aria-label=\"Status\">");
    let total: i64 = page.counts.values().sum();
    let mut tab = |statuses: Vec<Status>, label: &str, count: i64| {
        let target = TicketQuery {
            statuses: statuses.clone(),
            ..query.first_page()
        };
        h.raw("<a href=\"")
            .text(&url(&target, layout_kind))
            .raw("\"");
        if query.statuses == statuses {
            h.raw(" aria-current=\"page\"");
        }
        h.raw(">")
            .text(label)
            .raw(" <span class=\"count\">")
            .text(&count.to_string())
            .raw("</span></a>");
    };
    tab(Vec::new(), "All", total);
    for status in Status::ALL {
        tab(
            vec![status],
            status.operator_label(),
            page.counts.get(status.as_str()).copied().unwrap_or(0),
        );
    }
    h.raw("</nav>");
}

fn option(h: &mut Html, value: &str, label: &str, selected: bool) {
    h.raw("<option value=\"").text(value).raw("\"");
    if selected {
        h.raw(" selected");
    }
    h.raw(">").user_text(label).raw("</option>");
}

fn date_input(h: &mut Html, name: &'static str, label: &'static str, value: Option<Timestamp>) {
    h.raw("<div class=\"field\"><label for=\"f-")
        .raw(name)
        .raw("\">")
        .raw(label)
        .raw("</label><input type=\"date\" id=\"f-")
        .raw(name)
        .raw("\" name=\"")
        .raw(name)
        .raw("\" value=\"")
        .text(
            &value
                .map(|t| t.to_rfc3339()[..10].to_owned())
                .unwrap_or_default(),
        )
        .raw("\"></div>");
}

fn shown_select(h: &mut Html, name: &'static str, label: &'static str, value: Shown) {
    h.raw("<div class=\"field\"><label for=\"f-")
        .raw(name)
        .raw("\">")
        .raw(label)
        .raw("</label><select id=\"f-")
        .raw(name)
        .raw("\" name=\"")
        .raw(name)
        .raw("\">");
    option(h, "", "Hidden", value == Shown::Hidden);
    option(h, "include", "Included", value == Shown::Included);
    option(h, "only", "Only these", value == Shown::Only);
    h.raw("</select></div>");
}

fn filter_form(h: &mut Html, query: &TicketQuery, page: &ListPage, layout_kind: Layout) {
    h.raw("<form class=\"filters\" method=\"get\" action=\"/app/tickets\" role=\"search\">");
    if layout_kind == Layout::Board {
        h.raw("<input type=\"hidden\" name=\"view\" value=\"board\">");
    }
    h.raw("<div class=\"search-row\"><label for=\"q\" class=\"visually-hidden\">Search</label>")
        .raw("<input id=\"q\" name=\"q\" type=\"search\" data-key=\"/\" placeholder=\"Search code, subject, description, requester, comments\" value=\"")
        .text(query.search.as_ref().map(|s| s.text()).unwrap_or(""))
        .raw("\"><button class=\"primary\">Filter</button></div><details class=\"more-filters\"");
    // Open when a filter other than the search is set, so what is applied is what is shown.
    let beyond_search = TicketQuery {
        search: None,
        sort: Sort::default(),
        ..query.first_page()
    };
    if beyond_search.is_filtered() || !matches!(query.sort, Sort::Priority | Sort::Relevance) {
        h.raw(" open");
    }
    h.raw("><summary>Filters and order</summary>")
        .raw("<fieldset class=\"filter-grid\"><legend class=\"visually-hidden\">Filters</legend>")
        .raw("<fieldset class=\"statuses\"><legend>Status</legend>");
    for status in Status::ALL {
        h.raw("<label class=\"check\"><input type=\"checkbox\" name=\"status\" value=\"")
            .text(status.as_str())
            .raw("\"");
        if query.statuses.contains(&status) {
            h.raw(" checked");
        }
        h.raw("> ").text(status.operator_label()).raw("</label>");
    }
    h.raw("</fieldset><div class=\"field\"><label for=\"f-priority\">Priority</label><select id=\"f-priority\" name=\"priority\">");
    option(h, "", "Any", query.priorities.is_empty());
    for p in Priority::ALL.into_iter().rev() {
        option(h, p.as_str(), p.label(), query.priorities == [p]);
    }
    h.raw("</select></div><div class=\"field\"><label for=\"f-assignee\">Assignee</label><select id=\"f-assignee\" name=\"assignee\">");
    option(h, "", "Anyone", query.assignee.is_none());
    option(h, "me", "Me", query.assignee == Some(AssigneeFilter::Me));
    option(
        h,
        "unassigned",
        "Unassigned",
        query.assignee == Some(AssigneeFilter::Unassigned),
    );
    for m in &page.members {
        let selected = matches!(&query.assignee, Some(AssigneeFilter::Operator(id)) if id.as_ref() == m.operator_id);
        option(h, &m.operator_id, &m.name, selected);
    }
    h.raw("</select></div><div class=\"field\"><label for=\"f-label\">Label</label><input id=\"f-label\" name=\"label\" list=\"f-labels\" maxlength=\"80\" aria-describedby=\"f-label-hint\" value=\"")
        .text(query.label.as_ref().map(AsRef::as_ref).unwrap_or(""))
        .raw("\"><span id=\"f-label-hint\" class=\"visually-hidden\">A label includes its sublabels</span>");
    label_choices(h, &page.site_labels);
    h.raw("</div><div class=\"field\"><label for=\"f-source\">Source</label><select id=\"f-source\" name=\"source\">");
    option(h, "", "Any", query.source.is_none());
    // The product's three origins first, then the two human ones apart.
    for origin in Origin::ALL {
        let value = origin.filter_value();
        let selected = query.source.map(SourceFilter::as_str) == Some(value);
        option(h, value, origin.label(), selected);
    }
    for s in [Source::Operator, Source::Api] {
        option(
            h,
            s.as_str(),
            &source_label(s),
            query.source == Some(SourceFilter::One(s)),
        );
    }
    h.raw("</select></div>");
    for (name, label, value, values) in [
        (
            "topic",
            "Topic",
            query.topic.as_ref().map(AsRef::as_ref),
            &page.in_use.topics,
        ),
        (
            "intent",
            "Intent",
            query.intent.as_ref().map(AsRef::as_ref),
            &page.in_use.intents,
        ),
    ] {
        h.raw("<div class=\"field\"><label for=\"f-")
            .raw(name)
            .raw("\">")
            .raw(label)
            .raw("</label><input id=\"f-")
            .raw(name)
            .raw("\" name=\"")
            .raw(name)
            .raw("\" list=\"f-")
            .raw(name)
            .raw("s\" maxlength=\"40\" autocomplete=\"off\" value=\"")
            .text(value.unwrap_or(""))
            .raw("\">");
        datalist(h, &format!("f-{name}s"), values);
        h.raw("</div>");
    }
    date_input(h, "created_from", "Created from", query.created.from);
    date_input(h, "created_to", "Created to", query.created.to);
    date_input(h, "updated_from", "Updated from", query.updated.from);
    date_input(h, "updated_to", "Updated to", query.updated.to);
    shown_select(h, "closed", "Closed", query.closed);
    shown_select(h, "spam", "Spam", query.spam);
    shown_select(h, "snoozed", "Snoozed", query.snoozed);
    h.raw("<div class=\"field\"><label for=\"f-waiting\">Pending, waiting on</label><select id=\"f-waiting\" name=\"waiting\">");
    option(h, "", "Either", query.waiting.is_none());
    for w in WaitingOn::ALL {
        option(h, w.as_str(), w.as_str(), query.waiting == Some(w));
    }
    h.raw("</select></div>");
    team_and_sla_selects(h, query, page);
    h.raw("<div class=\"field\"><label for=\"f-sort\">Order</label><select id=\"f-sort\" name=\"sort\">");
    for sort in Sort::ALL {
        if sort == Sort::Relevance && query.search.is_none() {
            continue;
        }
        option(h, sort.as_str(), sort.label(), query.sort == sort);
    }
    h.raw("</select></div></fieldset><button>Apply</button></details></form>");
}

/// The team filter (the site's teams, or none), the SLA filter and the external sync filter.
fn team_and_sla_selects(h: &mut Html, query: &TicketQuery, page: &ListPage) {
    h.raw("<div class=\"field\"><label for=\"f-team\">Team</label><select id=\"f-team\" name=\"team\">");
    option(h, "", "Any", query.team.is_none());
    option(h, "none", "No team", query.team == Some(TeamFilter::NoTeam));
    for team in &page.teams {
        let selected = query.team == Some(TeamFilter::Team(team.id));
        option(h, &team.id.to_string(), &team.name, selected);
    }
    h.raw("</select></div><div class=\"field\"><label for=\"f-sla\">SLA</label><select id=\"f-sla\" name=\"sla\">");
    option(h, "", "Any", query.sla.is_none());
    for sla in [SlaFilter::Breached, SlaFilter::DueSoon] {
        option(h, sla.as_str(), sla.label(), query.sla == Some(sla));
    }
    h.raw("</select></div><div class=\"field\"><label for=\"f-sync\">External sync</label><select id=\"f-sync\" name=\"sync\">");
    option(h, "", "Any", query.sync.is_none());
    for sync in SyncFilter::ALL {
        option(h, sync.as_str(), sync_label(sync), query.sync == Some(sync));
    }
    h.raw("</select></div>");
}

/// The sync filter's words for people.
fn sync_label(filter: SyncFilter) -> &'static str {
    match filter {
        SyncFilter::Synced => "Synced",
        SyncFilter::Pending => "Pending",
        SyncFilter::Failed => "Failed",
        SyncFilter::None => "Not synced",
    }
}

/// Each active filter as a chip whose × link is the same query without it.
fn chips(h: &mut Html, query: &TicketQuery, page: &ListPage, layout_kind: Layout) {
    let base = query.first_page();
    let mut chips: Vec<(String, TicketQuery)> = Vec::new();
    for status in &base.statuses {
        let mut without = base.clone();
        without.statuses.retain(|s| s != status);
        chips.push((format!("Status: {}", status.operator_label()), without));
    }
    for p in &base.priorities {
        let mut without = base.clone();
        without.priorities.retain(|x| x != p);
        chips.push((format!("Priority: {}", p.label()), without));
    }
    if let Some(a) = &base.assignee {
        let who = match a {
            AssigneeFilter::Me => "me".to_owned(),
            AssigneeFilter::Unassigned => "nobody".to_owned(),
            AssigneeFilter::Operator(id) => page
                .members
                .iter()
                .find(|m| m.operator_id == id.as_ref())
                .map_or_else(|| id.as_ref().to_owned(), |m| m.name.clone()),
        };
        chips.push((
            format!("Assigned to {who}"),
            TicketQuery {
                assignee: None,
                ..base.clone()
            },
        ));
    }
    if let Some(label) = &base.label {
        chips.push((
            format!("Label: {}", label.as_ref()),
            TicketQuery {
                label: None,
                ..base.clone()
            },
        ));
    }
    if let Some(source) = base.source {
        let named = match source {
            SourceFilter::Human => Origin::HumanCreated.label().to_owned(),
            SourceFilter::One(s @ (Source::Operator | Source::Api)) => source_label(s),
            SourceFilter::One(s) => Origin::of(s).label().to_owned(),
        };
        chips.push((
            format!("Source: {named}"),
            TicketQuery {
                source: None,
                ..base.clone()
            },
        ));
    }
    if let Some(topic) = &base.topic {
        chips.push((
            format!("Topic: {}", topic.as_ref()),
            TicketQuery {
                topic: None,
                ..base.clone()
            },
        ));
    }
    if let Some(intent) = &base.intent {
        chips.push((
            format!("Intent: {}", intent.as_ref()),
            TicketQuery {
                intent: None,
                ..base.clone()
            },
        ));
    }
    let range_chip = |what: &str, range: DateRange| {
        let day = |t: Timestamp| t.to_rfc3339()[..10].to_owned();
        match (range.from, range.to) {
            (Some(f), Some(t)) => Some(format!("{what} {} to {}", day(f), day(t))),
            (Some(f), None) => Some(format!("{what} from {}", day(f))),
            (None, Some(t)) => Some(format!("{what} until {}", day(t))),
            (None, None) => None,
        }
    };
    if let Some(text) = range_chip("Created", base.created) {
        chips.push((
            text,
            TicketQuery {
                created: DateRange::default(),
                ..base.clone()
            },
        ));
    }
    if let Some(text) = range_chip("Updated", base.updated) {
        chips.push((
            text,
            TicketQuery {
                updated: DateRange::default(),
                ..base.clone()
            },
        ));
    }
    if let Some(search) = &base.search {
        chips.push((
            format!("Search: {}", search.text()),
            TicketQuery {
                search: None,
                sort: if base.sort == Sort::Relevance {
                    Sort::default()
                } else {
                    base.sort
                },
                ..base.clone()
            },
        ));
    }
    for (what, shown, clear) in [
        ("closed", base.closed, 0),
        ("spam", base.spam, 1),
        ("snoozed", base.snoozed, 2),
    ] {
        let text = match shown {
            Shown::Hidden => continue,
            Shown::Included => format!("Including {what}"),
            Shown::Only => format!("Only {what}"),
        };
        let mut without = base.clone();
        match clear {
            0 => without.closed = Shown::Hidden,
            1 => without.spam = Shown::Hidden,
            _ => without.snoozed = Shown::Hidden,
        }
        chips.push((text, without));
    }
    if let Some(team) = base.team {
        let named = match team {
            TeamFilter::NoTeam => "none".to_owned(),
            TeamFilter::Team(id) => page
                .teams
                .iter()
                .find(|t| t.id == id)
                .map_or_else(|| format!("#{id}"), |t| t.name.clone()),
        };
        chips.push((
            format!("Team: {named}"),
            TicketQuery {
                team: None,
                ..base.clone()
            },
        ));
    }
    if let Some(sla) = base.sla {
        chips.push((
            format!("SLA: {}", sla.label()),
            TicketQuery {
                sla: None,
                ..base.clone()
            },
        ));
    }
    if let Some(sync) = base.sync {
        chips.push((
            format!("External sync: {}", sync_label(sync)),
            TicketQuery {
                sync: None,
                ..base.clone()
            },
        ));
    }
    if let Some(w) = base.waiting {
        let without = TicketQuery {
            waiting: None,
            ..base.clone()
        };
        chips.push((format!("Pending, waiting on: {}", w.as_str()), without));
    }
    if chips.is_empty() {
        return;
    }
    h.raw("<ul class=\"chips\" aria-label=\"Active filters\">");
    for (text, without) in &chips {
        h.raw("<li class=\"chip\"><span>")
            .user_text(text)
            .raw("</span> <a href=\"")
            .text(&url(without, layout_kind))
            .raw("\" aria-label=\"Remove filter: ")
            .text(text)
            .raw("\">×</a></li>");
    }
    h.raw("<li><a href=\"")
        .text(&url(
            &TicketQuery {
                sort: if base.sort == Sort::Relevance {
                    Sort::default()
                } else {
                    base.sort
                },
                ..TicketQuery::default()
            },
            layout_kind,
        ))
        .raw("\">Clear all</a></li></ul>");
}

fn table(h: &mut Html, op: &Operator, query: &TicketQuery, page: &ListPage) {
    let bulk = op.role.allows(Action::BulkEdit);
    if bulk {
        bulk_page::form(h, op, &url(query, Layout::Table), &page.rows);
    }
    h.raw("<div class=\"table-wrap\"><table class=\"tickets\"><thead><tr>");
    if bulk {
        h.raw("<th scope=\"col\"><span class=\"visually-hidden\">Select</span></th>");
    }
    h.raw("<th scope=\"col\">Code</th><th scope=\"col\">Subject</th>")
        .raw("<th scope=\"col\">Requester</th><th scope=\"col\">Status</th><th scope=\"col\">Priority</th>")
        .raw("<th scope=\"col\">Assignee</th><th scope=\"col\">Labels</th>")
        .raw("<th scope=\"col\">Created</th><th scope=\"col\">Updated</th></tr></thead><tbody>");
    for row in &page.rows {
        h.raw("<tr data-row>");
        if bulk {
            bulk_page::checkbox(h, &row.code);
        }
        h.raw("<td class=\"code\" data-label=\"Code\"><a href=\"/app/tickets/")
            .text(&row.code)
            .raw("\">")
            .text(&row.code)
            .raw("</a></td><td class=\"subject\" data-label=\"Subject\"><span class=\"subject-text\">")
            .user_text(&row.subject)
            .raw("</span>");
        summary_line(h, row);
        // Under the subject, not a column of their own: the table stays within a laptop's width.
        h.raw("<span class=\"row-meta\">");
        source_badge(h, &row.source);
        h.raw(" ");
        classification(h, row.topic.as_deref(), row.intent.as_deref());
        h.raw("</span></td><td class=\"requester\" data-label=\"Requester\">");
        requester(
            h,
            row.requester_name.as_deref(),
            row.requester_email.as_deref(),
        );
        h.raw("</td><td data-label=\"Status\">");
        status_badge(h, &row.status);
        if row.customer_replied_at.is_some() {
            h.raw(" <span class=\"badge replied\">Customer replied</span>");
        }
        // Pending means the team's turn unless marked: a row names only the customer's side
        // (the board's pending column names both).
        if let Some(side @ WaitingOn::Customer) = row_waiting_on(row) {
            waiting_badge(h, side);
        }
        // Where it stands against its SLA: under the status, as the team reads them together.
        h.raw(" ");
        sla_view::standing(h, &row.sla.clock(&row.status), page.now_ms);
        h.raw("</td><td data-label=\"Priority\">");
        priority_badge(h, &row.priority);
        h.raw("</td><td data-label=\"Assignee\">");
        assignee(h, row);
        if row.team_name.is_some() {
            h.raw("<br>");
            sla_view::team(h, row.team_name.as_deref());
        }
        h.raw("</td><td data-label=\"Labels\">");
        labels(h, query, row);
        h.raw("</td><td data-label=\"Created\">");
        time(h, row.created_at);
        h.raw("</td><td data-label=\"Updated\">");
        time(h, row.updated_at);
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table></div>");
}

/// The ticket's summary as a muted line under its subject (the provider's or an operator's
/// text, rendered as text), when it has one.
fn summary_line(h: &mut Html, row: &ListRow) {
    if let Some(summary) = row.summary.as_deref().filter(|s| !s.is_empty()) {
        h.raw("<small class=\"muted summary-line\" dir=\"auto\">")
            .text(summary)
            .raw("</small>");
    }
}

fn assignee(h: &mut Html, row: &ListRow) {
    match (&row.assignee_name, &row.assignee_id) {
        (Some(name), _) => {
            h.user_text(name);
        }
        (None, Some(_)) => {
            h.raw("<span class=\"muted\">Former member</span>");
        }
        (None, None) => {
            h.raw("<span class=\"muted\">Unassigned</span>");
        }
    }
}

/// The label filter's choices as the tree: each parent (also one only its sublabels carry),
/// then its sublabels (`billing`, `billing > refund`). `labels` come in the labels' order.
fn label_choices(h: &mut Html, labels: &[String]) {
    h.raw("<datalist id=\"f-labels\">");
    let mut last_parent: Option<String> = None;
    for raw in labels {
        let Ok(label) = Label::parse(raw) else {
            continue;
        };
        let parent = label.parent().unwrap_or_else(|| label.clone());
        if last_parent.as_deref() != Some(parent.as_ref()) {
            h.raw("<option value=\"")
                .text(parent.as_ref())
                .raw("\"></option>");
            last_parent = Some(parent.as_ref().to_owned());
        }
        if !label.is_top_level() {
            h.raw("<option value=\"")
                .text(label.as_ref())
                .raw("\"></option>");
        }
    }
    h.raw("</datalist>");
}

fn labels(h: &mut Html, query: &TicketQuery, row: &ListRow) {
    let Some(labels) = row.labels.as_deref().filter(|l| !l.is_empty()) else {
        return;
    };
    h.raw("<ul class=\"labels\">");
    for label in labels.split(',') {
        let Ok(parsed) = Label::parse(label) else {
            continue;
        };
        let filtered = TicketQuery {
            label: Some(parsed),
            ..query.first_page()
        };
        h.raw("<li><a class=\"label\" href=\"")
            .text(&url(&filtered, Layout::Table))
            .raw("\">")
            .text(label)
            .raw("</a></li>");
    }
    h.raw("</ul>");
}

/// Columns by status; each card has a button per valid next status, a form POST to the
/// ticket's status action that comes back here. `board.js` adds drag and drop on top.
fn board(h: &mut Html, op: &Operator, query: &TicketQuery, page: &ListPage) {
    let back = url(query, Layout::Board);
    h.raw("<div class=\"board\">");
    for status in query.effective_statuses() {
        let cards: Vec<&ListRow> = page
            .rows
            .iter()
            .filter(|r| r.status == status.as_str())
            .collect();
        h.raw("<section class=\"column\" data-status=\"")
            .text(status.as_str())
            .raw("\" aria-labelledby=\"col-")
            .text(status.as_str())
            .raw("\"><h2 id=\"col-")
            .text(status.as_str())
            .raw("\">")
            .text(status.operator_label())
            .raw(" <span class=\"count\">");
        // How many tickets under these filters the column holds, and how many of them this
        // page shows when it shows fewer: a board page is a list page, 50 tickets at most.
        let total = page
            .matching_by_status
            .get(status.as_str())
            .copied()
            .unwrap_or(0);
        if (cards.len() as i64) < total {
            h.text(&cards.len().to_string()).raw(" of ");
        }
        h.text(&total.to_string()).raw("</span></h2><ul>");
        for row in cards {
            h.raw("<li class=\"board-card\" data-row data-code=\"")
                .text(&row.code)
                .raw("\"><a href=\"/app/tickets/")
                .text(&row.code)
                .raw("\">")
                .text(&row.code)
                .raw("</a> ");
            priority_badge(h, &row.priority);
            h.raw(" ");
            sla_view::standing(h, &row.sla.clock(&row.status), page.now_ms);
            // The pending column says whom each ticket waits on.
            if let Some(side) = row_waiting_on(row) {
                waiting_badge(h, side);
            }
            h.raw("<p class=\"subject\">")
                .user_text(&row.subject)
                .raw("</p><p class=\"card-meta\">");
            source_badge(h, &row.source);
            h.raw(" ");
            classification(h, row.topic.as_deref(), row.intent.as_deref());
            h.raw(" ");
            sla_view::team(h, row.team_name.as_deref());
            h.raw("</p>");
            let ownership = Ownership::of(row.assignee_id.as_deref(), &op.id);
            if op.role.permits(Action::ChangeStatus, ownership) {
                for next in status.allowed_next() {
                    h.raw("<form method=\"post\" class=\"move\" action=\"/app/tickets/")
                        .text(&row.code)
                        .raw("/status\">");
                    csrf::field(h, op);
                    h.raw("<input type=\"hidden\" name=\"version\" value=\"")
                        .text(&row.updated_at.to_string())
                        .raw("\"><input type=\"hidden\" name=\"return_to\" value=\"")
                        .text(&back)
                        .raw("\"><input type=\"hidden\" name=\"status\" value=\"")
                        .text(next.as_str())
                        .raw("\"><button aria-label=\"Move ")
                        .text(&row.code)
                        .raw(" to ")
                        .text(next.operator_label())
                        .raw("\">→ ")
                        .text(next.operator_label())
                        .raw("</button></form>");
                }
            }
            h.raw("</li>");
        }
        h.raw("</ul></section>");
    }
    h.raw("</div><script src=\"/board.js\" defer></script>");
}

/// A row's side (`team`/`customer` while pending, from the generated column).
fn row_waiting_on(row: &ListRow) -> Option<WaitingOn> {
    row.waiting_on
        .as_deref()
        .and_then(|w| WaitingOn::parse(w).ok())
}

fn pagination(h: &mut Html, query: &TicketQuery, page: &ListPage, layout_kind: Layout) {
    if page.previous.is_none() && page.next.is_none() {
        return;
    }
    h.raw("<nav class=\"pages\" aria-label=\"Pages\">");
    if let Some(previous) = &page.previous {
        let q = TicketQuery {
            cursor: Some(previous.clone()),
            ..query.clone()
        };
        h.raw("<a rel=\"prev\" href=\"")
            .text(&url(&q, layout_kind))
            .raw("\">← Previous</a>");
    }
    if let Some(next) = &page.next {
        let q = TicketQuery {
            cursor: Some(next.clone()),
            ..query.clone()
        };
        h.raw("<a rel=\"next\" href=\"")
            .text(&url(&q, layout_kind))
            .raw("\">Next →</a>");
    }
    h.raw("</nav>");
}
