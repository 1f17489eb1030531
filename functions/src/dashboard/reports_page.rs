//! `/app/reports`: the site's reports for owners and admins (`service::reports`), over a date
//! range picked with a GET form (the last 30 days unless asked; at most 366). Each section is
//! an SVG chart (`charts`) followed by a table of the same numbers and a link to them as CSV
//! (`reports_csv`). A range that is not one says why on the page itself, with a 400, and
//! nothing is read.

use ticketbooth_shared::event::Source;
use ticketbooth_shared::priority::Priority;
use ticketbooth_shared::status::Status;

use super::charts::{self, Bar, Pair};
use super::html::Html;
use super::views::layout;
use crate::context::{App, Fresh, operator};
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::ServiceError;
use crate::service::operators::Operator;
use crate::service::reports::{
    self, Count, Outcomes, Percentiles, READ_REPORTS, Range, RangeError, Report, Timing, day_text,
};
use crate::store::Executor;

/// The sections, as `reports.csv?section=` names them, and their headings.
pub const SECTIONS: [(&str, &str); 7] = [
    ("created", "Tickets created per day"),
    ("first_response", "First-response time"),
    ("resolution", "Resolution time"),
    ("attainment", "SLA attainment"),
    ("backlog", "Backlog now"),
    ("labels", "Top labels"),
    ("intents", "Top intents"),
];

/// `GET /app/reports`.
pub async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    op.require(READ_REPORTS)?;
    let range = match Range::parse(&req.query, fresh.now) {
        Ok(range) => range,
        Err(refused) => return Ok(refusal(op, &req.query, &refused)),
    };
    let report = reports::read(&app.db, op, range, fresh.now).await?;
    Ok(Response::html(200, render(op, &report)))
}

/// The page in ONE D1 round trip for a credential this isolate knows as an owner's or an
/// admin's (`operator::read_as_hinted`: the reads follow the statements that sign the request
/// in, and count only if those still name the same operator, site and role; a role that may
/// not read them gets its 403 from that same batch). `None`: the request signs in first, like
/// every other one (which also answers a bad range).
pub async fn at_once<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: &Fresh,
) -> Result<Option<Response>, ApiError> {
    let Ok(range) = Range::parse(&req.query, fresh.now) else {
        return Ok(None);
    };
    let read = operator::read_as_hinted(app, req, fresh.now, |hint| {
        // A role that may not read reports reads nothing; its refusal comes below.
        let reads = match hint.role.allows(READ_REPORTS) {
            true => reports::statements(hint.site_id, range, fresh.now),
            false => Vec::new(),
        };
        ((), reads)
    })
    .await?;
    let Some((op, (), answers)) = read else {
        return Ok(None);
    };
    op.require(READ_REPORTS)?;
    let report = reports::from_answers(range, answers).map_err(ServiceError::from)?;
    Ok(Some(Response::html(200, render(&op, &report))))
}

/// The form again with the dates as typed and why they were refused.
pub fn refusal(op: &Operator, query: &str, refused: &RangeError) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let typed = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let page = layout("Reports", Some(op), |h| {
        h.raw("<h1>Reports</h1>");
        range_form(h, &typed("from"), &typed("to"));
        h.raw("<p class=\"error\" role=\"alert\" id=\"range-error\" data-code=\"")
            .text(refused.code())
            .raw("\">")
            .text(&refused.to_string())
            .raw(" Nothing was read; pick the dates again.</p>");
    });
    Response::html(400, page)
}

fn range_form(h: &mut Html, from: &str, to: &str) {
    h.raw("<form class=\"report-range\" method=\"get\" action=\"/app/reports\">")
        .raw("<label for=\"report-from\">From</label><input type=\"date\" id=\"report-from\" name=\"from\" value=\"")
        .text(from)
        .raw("\"><label for=\"report-to\">To</label><input type=\"date\" id=\"report-to\" name=\"to\" value=\"")
        .text(to)
        .raw("\"><button>Show</button></form>");
}

/// The query that asks for `range` again (the CSV links).
fn csv_href(range: Range, section: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("from", day_text(range.from_day)),
        ("to", day_text(range.to_day)),
        ("section", section.to_owned()),
    ])
    .unwrap_or_default();
    format!("/app/reports.csv?{query}")
}

/// A duration for people: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
pub fn duration_text(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (mins, hours, days) = (secs / 60, secs / 3600, secs / 86_400);
    if secs < 60 {
        format!("{secs} s")
    } else if mins < 60 {
        format!("{mins} min")
    } else if hours < 24 {
        match mins % 60 {
            0 => format!("{hours} h"),
            m => format!("{hours} h {m} min"),
        }
    } else {
        match hours % 24 {
            0 => format!("{days} d"),
            h => format!("{days} d {h} h"),
        }
    }
}

fn priority_label(raw: &str) -> String {
    match raw {
        "all" => "All priorities".to_owned(),
        other => Priority::parse(other)
            .map(|p| p.label().to_owned())
            .unwrap_or_else(|_| other.to_owned()),
    }
}

fn status_label(raw: &str) -> String {
    Status::parse(raw)
        .map(|s| s.operator_label().to_owned())
        .unwrap_or_else(|_| raw.to_owned())
}

fn source_label(source: Source) -> &'static str {
    match source {
        Source::Widget => "Widget",
        Source::Bot => "Bot",
        Source::Operator => "Operator",
        Source::Api => "API",
        Source::Email => "E-mail",
    }
}

fn heading(h: &mut Html, id: &'static str, title: &str) {
    h.raw("<section class=\"report\" aria-labelledby=\"")
        .raw(id)
        .raw("-h\"><h2 id=\"")
        .raw(id)
        .raw("-h\">")
        .text(title)
        .raw("</h2>");
}

/// A table in a region that scrolls sideways on a narrow screen (focusable, so a keyboard can
/// scroll it too), with its caption.
fn table_open(h: &mut Html, id: &'static str, caption: &str, columns: &[&str]) {
    h.raw("<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"")
        .raw(id)
        .raw("-caption\"><table class=\"report-table\"><caption id=\"")
        .raw(id)
        .raw("-caption\">")
        .text(caption)
        .raw("</caption><thead><tr>");
    for (i, column) in columns.iter().enumerate() {
        h.raw(if i == 0 {
            "<th scope=\"col\">"
        } else {
            "<th scope=\"col\" class=\"num\">"
        })
        .text(column)
        .raw("</th>");
    }
    h.raw("</tr></thead><tbody>");
}

fn table_row(h: &mut Html, head: &str, cells: &[String]) {
    h.raw("<tr><th scope=\"row\">").text(head).raw("</th>");
    for cell in cells {
        h.raw("<td class=\"num\">").text(cell).raw("</td>");
    }
    h.raw("</tr>");
}

fn table_close(h: &mut Html, range: Range, section: &str, what: &str) {
    h.raw("</tbody></table></div><p class=\"csv\"><a href=\"")
        .text(&csv_href(range, section))
        .raw("\" download>Download ")
        .text(what)
        .raw(" as CSV</a></p>");
}

fn empty(h: &mut Html, text: &'static str) {
    h.raw("<p class=\"empty\">").raw(text).raw("</p>");
}

pub fn render(op: &Operator, report: &Report) -> String {
    let range = report.range;
    let (from, to) = (day_text(range.from_day), day_text(range.to_day));
    layout("Reports", Some(op), |h| {
        h.raw("<h1>Reports</h1>");
        range_form(h, &from, &to);
        h.raw("<p class=\"muted\">Tickets created from ")
            .text(&from)
            .raw(" to ")
            .text(&to)
            .raw(" (")
            .text(&range.days().to_string())
            .raw(if range.days() == 1 { " day" } else { " days" })
            .raw(", UTC; spam left out). Times run from a ticket's creation to the team's first reply to the customer, and to its resolution (or its close). The backlog is as of now.</p>");
        h.raw("<nav class=\"report-sections\" aria-label=\"Sections\"><ul>");
        for (id, title) in SECTIONS {
            h.raw("<li><a href=\"#")
                .raw(id)
                .raw("-h\">")
                .text(title)
                .raw("</a></li>");
        }
        h.raw("</ul></nav>");
        created(h, report);
        timing(
            h,
            range,
            "first_response",
            "First-response time",
            "first response",
            &report.first_response,
        );
        timing(
            h,
            range,
            "resolution",
            "Resolution time",
            "resolution",
            &report.resolution,
        );
        attainment(h, report);
        backlog(h, report);
        top(
            h,
            range,
            "labels",
            "Top labels",
            "Label",
            &report.top_labels,
        );
        top(
            h,
            range,
            "intents",
            "Top intents",
            "Intent",
            &report.top_intents,
        );
    })
}

fn created(h: &mut Html, report: &Report) {
    heading(h, "created", "Tickets created per day");
    let total: i64 = report.created.iter().map(|d| d.total()).sum();
    let busiest = report.created.iter().max_by_key(|d| (d.total(), -d.day));
    let desc = match busiest {
        Some(day) if total > 0 => format!(
            "{total} tickets in {} days; the busiest day was {} with {}.",
            report.created.len(),
            day_text(day.day),
            day.total()
        ),
        _ => "No tickets were created in this range.".to_owned(),
    };
    let columns: Vec<(String, i64)> = report
        .created
        .iter()
        .map(|d| (day_text(d.day), d.total()))
        .collect();
    charts::columns(
        h,
        "created-chart",
        "Tickets created per day",
        &desc,
        &columns,
    );
    let by_source = report.created_by_source();
    let bars: Vec<Bar> = Source::ALL
        .iter()
        .zip(by_source)
        .map(|(s, n)| Bar {
            label: source_label(*s).to_owned(),
            value: n,
            shown: n.to_string(),
        })
        .collect();
    let desc = Source::ALL
        .iter()
        .zip(by_source)
        .map(|(s, n)| format!("{} {n}", source_label(*s)))
        .collect::<Vec<_>>()
        .join(", ");
    charts::bars(
        h,
        "source-chart",
        "Tickets created by source",
        &format!("{desc}."),
        &bars,
    );
    let mut columns = vec!["Day"];
    columns.extend(Source::ALL.iter().map(|s| source_label(*s)));
    columns.push("Total");
    table_open(h, "created", "Tickets created per day, by source", &columns);
    for day in &report.created {
        let mut cells: Vec<String> = day.by_source.iter().map(i64::to_string).collect();
        cells.push(day.total().to_string());
        table_row(h, &day_text(day.day), &cells);
    }
    let mut cells: Vec<String> = by_source.iter().map(i64::to_string).collect();
    cells.push(total.to_string());
    table_row(h, "Total", &cells);
    table_close(h, report.range, "created", "tickets per day");
    h.raw("</section>");
}

fn percentile_pairs(rows: &[Percentiles], label: impl Fn(&str) -> String) -> Vec<Pair> {
    rows.iter()
        .map(|p| Pair {
            label: label(&p.key),
            a: p.median_ms,
            a_shown: duration_text(p.median_ms),
            b: p.p90_ms,
            b_shown: duration_text(p.p90_ms),
        })
        .collect()
}

fn percentile_desc(rows: &[Percentiles], label: impl Fn(&str) -> String) -> String {
    rows.iter()
        .map(|p| {
            format!(
                "{}: median {}, 90th percentile {} ({} tickets)",
                label(&p.key),
                duration_text(p.median_ms),
                duration_text(p.p90_ms),
                p.n
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn week_label(monday: &str) -> String {
    format!("Week of {monday}")
}

fn timing(h: &mut Html, range: Range, id: &'static str, title: &str, what: &str, timing: &Timing) {
    heading(h, id, title);
    if timing.by_week.is_empty() {
        empty(h, "No ticket created in this range has this time yet.");
        h.raw("</section>");
        return;
    }
    let legend = ("Median", "90th percentile");
    let (week_id, priority_id) = match id {
        "first_response" => ("first_response-week", "first_response-priority"),
        _ => ("resolution-week", "resolution-priority"),
    };
    charts::pairs(
        h,
        week_id,
        &format!("{title} per week starting on the Monday shown (median and 90th percentile)"),
        &percentile_desc(&timing.by_week, week_label),
        // The week's Monday alone: the title says what it stands for.
        &percentile_pairs(&timing.by_week, str::to_owned),
        legend,
    );
    charts::pairs(
        h,
        priority_id,
        &format!("{title} per priority (median and 90th percentile)"),
        &percentile_desc(&timing.by_priority, priority_label),
        &percentile_pairs(&timing.by_priority, priority_label),
        legend,
    );
    table_open(
        h,
        id,
        &format!("{title}: median and 90th percentile per week (of creation) and per priority"),
        &["Group", "Tickets", "Median", "90th percentile"],
    );
    for (rows, label) in [
        (&timing.by_week, &week_label as &dyn Fn(&str) -> String),
        (&timing.by_priority, &priority_label),
    ] {
        for p in rows {
            table_row(
                h,
                &label(&p.key),
                &[
                    p.n.to_string(),
                    duration_text(p.median_ms),
                    duration_text(p.p90_ms),
                ],
            );
        }
    }
    table_close(h, range, id, &format!("{what} times"));
    h.raw("</section>");
}

fn percent(o: Outcomes) -> String {
    o.percent_met()
        .map_or_else(|| "—".to_owned(), |p| format!("{p}%"))
}

fn attainment(h: &mut Html, report: &Report) {
    heading(h, "attainment", "SLA attainment");
    h.raw("<p class=\"muted\">Of the tickets created in this range that have a target: met means done by the due time; missed, done later or overdue now. Those still running are not counted in the share.</p>");
    let all = report.attainment.last();
    let decided = all.is_some_and(|a| {
        a.first_response.met + a.first_response.missed + a.resolution.met + a.resolution.missed > 0
    });
    if let Some(all) = all.filter(|_| decided) {
        let bars: Vec<Bar> = [
            ("First response", all.first_response),
            ("Resolution", all.resolution),
        ]
        .into_iter()
        .map(|(label, o)| Bar {
            label: label.to_owned(),
            value: o.percent_met().unwrap_or(0),
            shown: format!("{} met", percent(o)),
        })
        .collect();
        charts::bars(
            h,
            "attainment-chart",
            "Share of SLA targets met",
            &format!(
                "First response: {} met ({} of {}); resolution: {} met ({} of {}).",
                percent(all.first_response),
                all.first_response.met,
                all.first_response.met + all.first_response.missed,
                percent(all.resolution),
                all.resolution.met,
                all.resolution.met + all.resolution.missed
            ),
            &bars,
        );
    } else {
        empty(h, "No ticket in this range has met or missed a target yet.");
    }
    table_open(
        h,
        "attainment",
        "SLA attainment per priority",
        &[
            "Priority",
            "First response met",
            "missed",
            "running",
            "share met",
            "Resolution met",
            "missed",
            "running",
            "share met",
        ],
    );
    for a in &report.attainment {
        let (f, r) = (a.first_response, a.resolution);
        table_row(
            h,
            &priority_label(&a.priority),
            &[
                f.met.to_string(),
                f.missed.to_string(),
                f.running.to_string(),
                percent(f),
                r.met.to_string(),
                r.missed.to_string(),
                r.running.to_string(),
                percent(r),
            ],
        );
    }
    table_close(h, report.range, "attainment", "SLA attainment");
    h.raw("</section>");
}

fn counts_desc(counts: &[Count], label: impl Fn(&str) -> String) -> String {
    if counts.is_empty() {
        return "None.".to_owned();
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|c| format!("{} {}", label(&c.name), c.n))
        .collect();
    format!("{}.", parts.join(", "))
}

fn count_bars(counts: &[Count], label: impl Fn(&str) -> String) -> Vec<Bar> {
    counts
        .iter()
        .map(|c| Bar {
            label: label(&c.name),
            value: c.n,
            shown: c.n.to_string(),
        })
        .collect()
}

fn backlog(h: &mut Html, report: &Report) {
    heading(h, "backlog", "Backlog now");
    h.raw("<p class=\"muted\">Open and pending tickets right now, whatever the range.</p>");
    charts::bars(
        h,
        "backlog-status-chart",
        "Backlog by status",
        &counts_desc(&report.backlog_by_status, status_label),
        &count_bars(&report.backlog_by_status, status_label),
    );
    if report.backlog_by_team.is_empty() {
        empty(h, "No open or pending ticket.");
    } else {
        charts::bars(
            h,
            "backlog-team-chart",
            "Backlog by team",
            &counts_desc(&report.backlog_by_team, str::to_owned),
            &count_bars(&report.backlog_by_team, str::to_owned),
        );
    }
    table_open(
        h,
        "backlog",
        "Backlog by status and by team",
        &["Status or team", "Tickets"],
    );
    for c in &report.backlog_by_status {
        table_row(h, &status_label(&c.name), &[c.n.to_string()]);
    }
    for c in &report.backlog_by_team {
        table_row(h, &format!("Team: {}", c.name), &[c.n.to_string()]);
    }
    table_close(h, report.range, "backlog", "the backlog");
    h.raw("</section>");
}

fn top(h: &mut Html, range: Range, id: &'static str, title: &str, column: &str, counts: &[Count]) {
    heading(h, id, title);
    if counts.is_empty() {
        empty(h, "None among the tickets created in this range.");
        h.raw("</section>");
        return;
    }
    charts::bars(
        h,
        &format!("{id}-chart"),
        &format!("{title} among the tickets created in this range"),
        &counts_desc(counts, str::to_owned),
        &count_bars(counts, str::to_owned),
    );
    // The table's region is named by its caption: not the section's own name (axe
    // `landmark-unique`).
    table_open(
        h,
        id,
        &format!("{title} with their tickets"),
        &[column, "Tickets"],
    );
    for c in counts {
        table_row(h, &c.name, &[c.n.to_string()]);
    }
    table_close(h, range, id, &title.to_lowercase());
    h.raw("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_text(0), "0 s");
        assert_eq!(duration_text(59_999), "59 s");
        assert_eq!(duration_text(60_000), "1 min");
        assert_eq!(duration_text(3_600_000), "1 h");
        assert_eq!(duration_text(3_900_000), "1 h 5 min");
        assert_eq!(duration_text(86_400_000 * 2 + 3_600_000 * 4), "2 d 4 h");
        assert_eq!(duration_text(-5), "0 s");
    }
}
