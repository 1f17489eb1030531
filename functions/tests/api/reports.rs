//! The reports page (`/app/reports`) and its CSV: the numbers on a seeded site (tickets per
//! day by source, e-mail included; median and 90th percentile per week and priority; SLA
//! attainment; backlog by status and team; top labels and intents), spam and other sites
//! left out, the range's refusals, CSV quoting, and who may read them.

use ticketbooth_functions::service::reports::{self, Count, Outcomes, Range};
use ticketbooth_functions::store::{Executor, Statement, Value};
use ticketbooth_shared::role::Role;
use ticketbooth_shared::timestamp::Timestamp;

use crate::TestApp;
use crate::ticket_actions::{OWNER, operator};
use crate::ticket_page::{MEMBER_TOKEN, OWNER_TOKEN, session, spawn_with_tokens};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
/// Far after the test clock: a target not yet due.
const FUTURE: i64 = 1_900_000_000_000;

/// `2026-11-dd` at `hh`:00 UTC, in milliseconds.
fn at(day: u32, hh: u32) -> i64 {
    Timestamp::parse_utc(&format!("2026-11-{day:02}T{hh:02}:00"))
        .unwrap()
        .millis()
}

/// One ticket as the columns the reports read.
#[derive(Default)]
struct Seed {
    site: i64,
    number: i64,
    source: &'static str,
    priority: &'static str,
    status: &'static str,
    created: i64,
    responded: Option<i64>,
    resolved: Option<i64>,
    closed: Option<i64>,
    first_due: Option<i64>,
    first_breached: Option<i64>,
    resolution_due: Option<i64>,
    team: Option<i64>,
    intent: Option<&'static str>,
    spam: bool,
    labels: &'static [&'static str],
}

fn insert(app: &TestApp, t: &Seed) {
    let id = format!("{:08x}{:024x}", t.site, t.number);
    let mut batch = vec![Statement::new(
        "INSERT INTO tickets (id, site_id, number, code, subject, priority, status, source,
                              created_at, updated_at, first_responded_at, resolved_at, closed_at,
                              first_response_due_at, first_response_breached_at,
                              resolution_due_at, team_id, intent, is_spam)
         VALUES (?1, ?2, ?3, 'TKT-' || ?3, 'Seeded', ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12,
                 ?13, ?14, ?15, ?16)",
        vec![
            Value::from(id.clone()),
            Value::from(t.site),
            Value::from(t.number),
            Value::from(t.priority),
            Value::from(t.status),
            Value::from(t.source),
            Value::from(t.created),
            Value::from(t.responded),
            Value::from(t.resolved),
            Value::from(t.closed),
            Value::from(t.first_due),
            Value::from(t.first_breached),
            Value::from(t.resolution_due),
            Value::from(t.team),
            Value::from(t.intent),
            Value::from(t.spam),
        ],
    )];
    for label in t.labels {
        batch.push(Statement::new(
            "INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
             VALUES (?1, ?2, ?3, 0)",
            vec![
                Value::from(t.site),
                Value::from(id.clone()),
                Value::from(*label),
            ],
        ));
    }
    pollster::block_on(app.db().batch(batch)).expect("seeded");
}

/// Site 1 (`acme`) with the tickets the assertions below count, two teams, and what must not
/// count: a spam ticket, one created after the range, and another site's.
fn seeded() -> TestApp {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script(
            r#"INSERT INTO teams (id, site_id, name, created_at) VALUES
                 (1, 1, 'Billing, "East"', 0), (2, 1, '=Tech', 0), (3, 2, 'Elsewhere', 0);"#,
        )
        .unwrap();
    let base = Seed {
        site: 1,
        source: "widget",
        priority: "normal",
        status: "open",
        ..Seed::default()
    };
    let tickets = [
        // Week of 11-02.
        Seed {
            number: 1,
            status: "resolved",
            created: at(2, 9),
            responded: Some(at(2, 9) + 10 * MIN),
            resolved: Some(at(2, 11)),
            first_due: Some(at(2, 10)),
            resolution_due: Some(at(3, 9)),
            team: Some(1),
            intent: Some("refund"),
            labels: &["billing", "vip"],
            ..base
        },
        Seed {
            number: 2,
            source: "email",
            created: at(2, 10),
            responded: Some(at(2, 10) + 30 * MIN),
            first_due: Some(at(2, 11)),
            // Not resolved, and due before now: missed.
            resolution_due: Some(at(3, 10)),
            team: Some(1),
            intent: Some("refund"),
            labels: &["billing"],
            ..base
        },
        Seed {
            number: 3,
            source: "api",
            priority: "high",
            status: "closed",
            created: at(3, 8),
            responded: Some(at(3, 10)),
            resolved: Some(at(3, 13)),
            closed: Some(at(3, 14)),
            first_due: Some(at(3, 9)),
            resolution_due: Some(at(3, 12)),
            team: Some(2),
            intent: Some("login_problem"),
            ..base
        },
        // Week of 11-09.
        Seed {
            number: 4,
            source: "email",
            priority: "urgent",
            status: "pending",
            created: at(9, 8),
            responded: Some(at(9, 8) + 20 * MIN),
            labels: &["vip"],
            ..base
        },
        Seed {
            number: 5,
            source: "bot",
            created: at(10, 8),
            first_due: Some(at(10, 9)),
            first_breached: Some(at(10, 9) + MIN),
            ..base
        },
        Seed {
            number: 6,
            priority: "low",
            created: at(10, 9),
            responded: Some(at(10, 10)),
            first_due: Some(at(10, 11)),
            intent: Some("refund"),
            spam: true,
            labels: &["billing"],
            ..base
        },
        Seed {
            number: 9,
            source: "operator",
            status: "closed",
            created: at(14, 8),
            responded: Some(at(14, 9)),
            closed: Some(at(14, 11)),
            first_due: Some(at(14, 10)),
            ..base
        },
        Seed {
            number: 10,
            source: "api",
            created: at(15, 23),
            first_due: Some(FUTURE),
            resolution_due: Some(FUTURE),
            ..base
        },
        // After the range: only in the backlog.
        Seed {
            number: 7,
            created: at(20, 8),
            team: Some(2),
            intent: Some("refund"),
            labels: &["billing"],
            ..base
        },
        // Another site's, in the range.
        Seed {
            site: 2,
            number: 1,
            created: at(2, 8),
            responded: Some(at(2, 9)),
            first_due: Some(at(2, 10)),
            team: Some(3),
            intent: Some("refund"),
            labels: &["billing"],
            ..base
        },
    ];
    for t in &tickets {
        insert(&app, t);
    }
    app
}

fn range() -> Range {
    Range::parse(
        "from=2026-11-02&to=2026-11-15",
        Timestamp::from_millis(FUTURE),
    )
    .unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_millis(at(23, 9))
}

fn count(name: &str, n: i64) -> Count {
    Count {
        name: name.to_owned(),
        n,
    }
}

#[test]
fn the_numbers_on_a_seeded_site() {
    let app = seeded();
    let report = pollster::block_on(reports::read(
        app.db(),
        &operator(OWNER, Role::Owner),
        range(),
        now(),
    ))
    .unwrap();

    // Per day and source (widget, bot, operator, api, email), every day of the range.
    assert_eq!(report.created.len(), 14);
    let days: Vec<(String, [i64; 5])> = report
        .created
        .iter()
        .filter(|d| d.total() > 0)
        .map(|d| (reports::day_text(d.day), d.by_source))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-02".to_owned(), [1, 0, 0, 0, 1]),
            ("2026-11-03".to_owned(), [0, 0, 0, 1, 0]),
            ("2026-11-09".to_owned(), [0, 0, 0, 0, 1]),
            ("2026-11-10".to_owned(), [0, 1, 0, 0, 0]),
            ("2026-11-14".to_owned(), [0, 0, 1, 0, 0]),
            ("2026-11-15".to_owned(), [0, 0, 0, 1, 0]),
        ]
    );
    assert_eq!(report.created_by_source(), [1, 1, 1, 2, 2]);

    // First response: week of 11-02 [10 min, 30 min, 2 h]; of 11-09 [20 min, 1 h].
    let p = |key: &str, n: usize, median: i64, p90: i64| reports::Percentiles {
        key: key.to_owned(),
        n,
        median_ms: median,
        p90_ms: p90,
    };
    assert_eq!(
        report.first_response.by_week,
        [
            p("2026-11-02", 3, 30 * MIN, 2 * HOUR),
            p("2026-11-09", 2, 20 * MIN, HOUR),
        ]
    );
    assert_eq!(
        report.first_response.by_priority,
        [
            p("normal", 3, 30 * MIN, HOUR),
            p("high", 1, 2 * HOUR, 2 * HOUR),
            p("urgent", 1, 20 * MIN, 20 * MIN),
        ]
    );
    // Resolution: resolved, else closed (ticket 9 was closed without being resolved).
    assert_eq!(
        report.resolution.by_week,
        [
            p("2026-11-02", 2, 2 * HOUR, 5 * HOUR),
            p("2026-11-09", 1, 3 * HOUR, 3 * HOUR),
        ]
    );
    assert_eq!(
        report.resolution.by_priority,
        [
            p("normal", 2, 2 * HOUR, 3 * HOUR),
            p("high", 1, 5 * HOUR, 5 * HOUR)
        ]
    );

    // Attainment: tickets without a target count in neither share.
    let o = |met, missed, running| Outcomes {
        met,
        missed,
        running,
    };
    let attainment: Vec<(&str, Outcomes, Outcomes)> = report
        .attainment
        .iter()
        .map(|a| (a.priority.as_str(), a.first_response, a.resolution))
        .collect();
    assert_eq!(
        attainment,
        [
            ("normal", o(3, 1, 1), o(1, 1, 1)),
            ("high", o(0, 1, 0), o(0, 1, 0)),
            ("all", o(3, 2, 1), o(1, 2, 1)),
        ]
    );
    assert_eq!(report.attainment[2].first_response.percent_met(), Some(60));
    assert_eq!(report.attainment[2].resolution.percent_met(), Some(33));

    // The backlog is now, whatever the range (ticket 7), never spam, never another site's.
    assert_eq!(
        report.backlog_by_status,
        [count("open", 4), count("pending", 1)]
    );
    assert_eq!(
        report.backlog_by_team,
        [
            count("=Tech", 1),
            count("Billing, \"East\"", 1),
            count("No team", 3)
        ]
    );
    assert_eq!(report.top_labels, [count("billing", 2), count("vip", 2)]);
    assert_eq!(
        report.top_intents,
        [count("refund", 2), count("login_problem", 1)]
    );
}

#[test]
fn another_site_sees_only_its_own() {
    let app = seeded();
    let stranger = operator(crate::ticket_actions::STRANGER, Role::Owner);
    let report = pollster::block_on(reports::read(app.db(), &stranger, range(), now())).unwrap();
    assert_eq!(report.created_by_source(), [1, 0, 0, 0, 0]);
    assert_eq!(report.top_intents, [count("refund", 1)]);
    assert_eq!(report.top_labels, [count("billing", 1)]);
    assert_eq!(report.backlog_by_team, [count("Elsewhere", 1)]);
    assert_eq!(report.first_response.by_week.len(), 1);
}

#[test]
fn only_owners_and_admins_read_reports() {
    let app = seeded();
    for (role, allowed) in [
        (Role::Owner, true),
        (Role::Admin, true),
        (Role::Member, false),
        (Role::Guest, false),
    ] {
        let read = pollster::block_on(reports::read(
            app.db(),
            &operator(OWNER, role),
            range(),
            now(),
        ));
        assert_eq!(read.is_ok(), allowed, "{role:?}");
    }
    // The pages: a member gets the 403 page, and no link to them.
    let member = session(MEMBER_TOKEN);
    let (status, html) = app.page("/app/reports", &member);
    assert_eq!(status, 403, "{html}");
    let (status, _) = app.page("/app/reports.csv?section=created", &member);
    assert_eq!(status, 403);
    let (_, list) = app.page("/app/tickets", &member);
    assert!(!list.contains("href=\"/app/reports\""));
    let (_, list) = app.page("/app/tickets", &session(OWNER_TOKEN));
    assert!(list.contains("href=\"/app/reports\""));
}

#[test]
fn the_page_draws_each_section_with_its_table() {
    let app = seeded();
    let (status, html) = app.page(
        "/app/reports?from=2026-11-02&to=2026-11-15",
        &session(OWNER_TOKEN),
    );
    assert_eq!(status, 200, "{html}");
    for id in [
        "created",
        "first_response",
        "resolution",
        "attainment",
        "backlog",
        "labels",
        "intents",
    ] {
        assert!(html.contains(&format!("id=\"{id}-h\"")), "{id}");
        assert!(html.contains(&format!("id=\"{id}-caption\"")), "{id}");
        assert!(
            html.contains(&format!(
                "/app/reports.csv?from=2026-11-02&amp;to=2026-11-15&amp;section={id}"
            )),
            "{id}"
        );
    }
    assert_eq!(html.matches("role=\"img\"").count(), 11, "{html}");
    assert!(html.contains("<title id=\"created-chart-title\">Tickets created per day</title>"));
    // The numbers are in the tables as text: the busiest day, the week's median, the share.
    assert!(html.contains("the busiest day was 2026-11-02 with 2."));
    assert!(html.contains("<th scope=\"row\">Week of 2026-11-02</th><td class=\"num\">3</td><td class=\"num\">30 min</td><td class=\"num\">2 h</td>"));
    assert!(html.contains("<td class=\"num\">60%</td>"));
    assert!(html.contains("Team: Billing, &quot;East&quot;"));
    assert!(html.contains("value=\"2026-11-02\""));
    // No day is left out of the table, empty ones included.
    assert!(html.contains("<th scope=\"row\">2026-11-12</th>"));
}

#[test]
fn a_range_that_is_not_one_is_refused_on_the_page() {
    let app = seeded();
    let owner = session(OWNER_TOKEN);
    for (query, code) in [
        ("from=2026-11-15&to=2026-11-02", "range_backwards"),
        ("from=2025-01-01&to=2026-11-15", "range_too_long"),
        ("from=2026-02-30", "invalid_date"),
        ("to=next%20week", "invalid_date"),
    ] {
        let (status, html) = app.page(&format!("/app/reports?{query}"), &owner);
        assert_eq!(status, 400, "{query}");
        assert!(
            html.contains(&format!("data-code=\"{code}\"")),
            "{query}: {html}"
        );
        assert!(html.contains("role=\"alert\""));
        assert!(!html.contains("role=\"img\""), "nothing is read: {query}");
    }
    // The dates as typed stay in the form, escaped.
    let (_, html) = app.page("/app/reports?from=%22%3E%3Cb%3E", &owner);
    assert!(html.contains("value=\"&quot;&gt;&lt;b&gt;\""), "{html}");
    let r = app.get(
        "/app/reports.csv?section=everything",
        &[("cookie", &crate::session_cookie(&owner))],
    );
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("(unknown_section)"));
    let r = app.get(
        "/app/reports.csv?section=created&from=2026-11-03&to=2026-11-01",
        &[("cookie", &crate::session_cookie(&owner))],
    );
    assert_eq!(r.status, 400);
}

#[test]
fn csv_downloads_are_quoted_and_defused() {
    let app = seeded();
    let owner = [("authorization", format!("Bearer {OWNER_TOKEN}"))];
    let owner: Vec<(&str, &str)> = owner.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let get = |section: &str| {
        let r = app.get(
            &format!("/app/reports.csv?from=2026-11-02&to=2026-11-15&section={section}"),
            &owner,
        );
        assert_eq!(r.status, 200, "{section}");
        assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(
            r.header("content-disposition"),
            Some(
                format!(
                    "attachment; filename=\"reports-acme-{section}-2026-11-02-to-2026-11-15.csv\""
                )
                .as_str()
            )
        );
        String::from_utf8(r.body).unwrap()
    };
    let backlog = get("backlog");
    assert_eq!(
        backlog,
        "by,name,tickets\r\nstatus,open,4\r\nstatus,pending,1\r\nteam,'=Tech,1\r\nteam,\"Billing, \"\"East\"\"\",1\r\nteam,No team,3\r\n"
    );
    let created = get("created");
    assert!(
        created
            .starts_with("day,widget,bot,operator,api,email,total\r\n2026-11-02,1,0,0,0,1,2\r\n")
    );
    assert_eq!(created.lines().count(), 15);
    assert!(get("first_response").contains("week,2026-11-02,3,1800,7200\r\n"));
    assert!(get("attainment").contains("all,3,2,1,60,1,2,1,33\r\n"));
    assert_eq!(get("labels"), "label,tickets\r\nbilling,2\r\nvip,2\r\n");
    // No section asked: the first one.
    let r = app.get("/app/reports.csv", &owner);
    assert!(String::from_utf8_lossy(&r.body).starts_with("day,widget"));
}

#[test]
fn the_page_is_one_round_trip_for_a_known_credential() {
    let app = seeded();
    let cost = |token: &str| {
        let auth = format!("Bearer {token}");
        let before = app.db().round_trips();
        let r = app.get(
            "/app/reports?from=2026-11-02&to=2026-11-15",
            &[("authorization", &auth)],
        );
        (r.status, app.db().round_trips() - before)
    };
    // The first request of the isolate reads the credential first; after it, one batch.
    assert_eq!(cost(OWNER_TOKEN), (200, 2));
    assert_eq!(cost(OWNER_TOKEN), (200, 1));
    let (_, member_first) = cost(MEMBER_TOKEN);
    assert_eq!(cost(MEMBER_TOKEN), (403, 1), "after {member_first}");
    // The same page either way.
    let auth = format!("Bearer {OWNER_TOKEN}");
    let hinted = app.get("/app/reports", &[("authorization", &auth)]);
    let mut fresh = seeded();
    fresh.forget_credentials();
    let first = fresh.get("/app/reports", &[("authorization", &auth)]);
    assert_eq!(hinted.body, first.body);
}
