//! The list's SLA and team (issue 22): `sla=breached|due_soon`, `team=<id>|none` and
//! `sort=due` through the service (scoped to the site, paged by cursor both ways), the rows'
//! "time left / overdue" on the list, the board, the ticket page and the API, and the
//! header's notices (counted in each page's one batch, and by `/app/notices.json`).

use std::collections::HashSet;

use serde_json::json;
use ticketbooth_functions::http::list_query;
use ticketbooth_functions::service::notices::{self, Notices};
use ticketbooth_functions::service::operator_tickets::{self, MatchCount};
use ticketbooth_functions::service::operators::Operator;
use ticketbooth_functions::service::ticket_actions::{self, Change, Comment};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::CommentVisibility;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;

use crate::ticket_actions::{MEMBER, OWNER, operator, spawn};
use crate::ticket_page::{OWNER_TOKEN, spawn_with_tokens};
use crate::{TestApp, json, session_cookie};

const NOW: i64 = 1_900_000_000_000;
const MIN: i64 = 60_000;

fn set(app: &TestApp, sql: &str) {
    app.db().execute_script(sql).unwrap();
}

fn codes(app: &TestApp, op: &Operator, qs: &str) -> Vec<String> {
    let query = list_query::parse(qs).unwrap_or_else(|e| panic!("{qs}: {e:?}"));
    pollster::block_on(operator_tickets::list(
        app.db(),
        op,
        &query,
        MatchCount::Total,
        Timestamp::from_millis(NOW),
    ))
    .unwrap()
    .rows
    .into_iter()
    .map(|r| r.code)
    .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Six tickets on site 1 with every kind of clock, a team, and a breached ticket of site 2
/// with site 2's own team.
fn seeded() -> TestApp {
    let app = spawn(6);
    seed(&app, NOW);
    app
}

/// The seeded clocks, relative to `now`.
fn seed(app: &TestApp, now: i64) {
    set(
        app,
        &format!(
            "INSERT INTO teams (id, site_id, name, created_at) VALUES
               (1, 1, 'Billing', 0), (2, 2, 'Elsewhere', 0);
             -- owed and 35 minutes late: breached
             UPDATE tickets SET first_response_due_at = {frm35}, resolution_due_at = {in10h},
                                team_id = 1 WHERE code = 'TKT-1';
             -- answered in time; resolution due in 30 minutes: due soon
             UPDATE tickets SET first_response_due_at = {frm10}, first_responded_at = {frm20},
                                resolution_due_at = {in30} WHERE code = 'TKT-2';
             -- running, 5 hours left
             UPDATE tickets SET resolution_due_at = {in5h}, team_id = 1 WHERE code = 'TKT-3';
             -- missed (the sweep marked it), then paused waiting on the customer: breached
             UPDATE tickets SET status = 'pending', waiting_on_customer = 1,
                                resolution_left_ms = 0, resolution_breached_at = {frm10}
                            WHERE code = 'TKT-4';
             -- late but resolved: nothing is due
             UPDATE tickets SET status = 'resolved', first_response_due_at = {frm60}
                            WHERE code = 'TKT-5';
             -- TKT-6: no clock at all
             INSERT INTO tickets (id, site_id, number, code, subject, source, created_at,
                                  updated_at, first_response_due_at, team_id)
             VALUES ('ffffffffffffffffffffffffffffffff', 2, 900, 'STR-900', 'Elsewhere', 'api',
                     0, 0, {frm60}, 2);",
            frm35 = now - 35 * MIN,
            frm10 = now - 10 * MIN,
            frm20 = now - 20 * MIN,
            frm60 = now - 60 * MIN,
            in30 = now + 30 * MIN,
            in5h = now + 300 * MIN,
            in10h = now + 600 * MIN,
        ),
    );
}

/// The test app's clock at its first request (each request is a second later).
const APP_NOW: i64 = 1_795_427_280_000;

/// `seeded`, with API tokens, its clocks relative to the app's own.
fn seeded_with_tokens() -> TestApp {
    let app = spawn_with_tokens(6);
    seed(&app, APP_NOW);
    app
}

#[test]
fn breached_due_soon_and_team_filters_follow_the_rule_and_stay_on_the_site() {
    let app = seeded();
    let owner = operator(OWNER, Role::Owner);
    assert_eq!(
        sorted(codes(&app, &owner, "sla=breached")),
        ["TKT-1", "TKT-4"]
    );
    assert_eq!(codes(&app, &owner, "sla=due_soon"), ["TKT-2"]);
    assert_eq!(sorted(codes(&app, &owner, "team=1")), ["TKT-1", "TKT-3"]);
    assert_eq!(
        sorted(codes(&app, &owner, "team=none")),
        ["TKT-2", "TKT-4", "TKT-5", "TKT-6"]
    );
    assert_eq!(codes(&app, &owner, "team=1&sla=breached"), ["TKT-1"]);
    // Another site's team and its breached ticket are never this site's.
    assert!(codes(&app, &owner, "team=2").is_empty());
    assert!(!codes(&app, &owner, "sla=breached&closed=include").contains(&"STR-900".into()));
    // With a search, the same filters (tested in the covering index).
    assert_eq!(
        sorted(codes(&app, &owner, "q=printer&sla=breached")),
        ["TKT-1", "TKT-4"]
    );
    assert_eq!(
        codes(&app, &owner, "q=printer&team=1&sort=due"),
        ["TKT-1", "TKT-3"]
    );
    // Site 2 sees its own.
    let stranger = operator(crate::ticket_actions::STRANGER, Role::Member);
    assert_eq!(codes(&app, &stranger, "sla=breached"), ["STR-900"]);
    assert_eq!(codes(&app, &stranger, "team=2"), ["STR-900"]);
    // The match count agrees with the rows.
    let query = list_query::parse("sla=breached").unwrap();
    let page = pollster::block_on(operator_tickets::list(
        app.db(),
        &owner,
        &query,
        MatchCount::PerStatus,
        Timestamp::from_millis(NOW),
    ))
    .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.matching_by_status.get("pending"), Some(&1));
}

#[test]
fn the_due_order_is_soonest_first_and_lists_only_tickets_with_a_due_time() {
    let app = seeded();
    let owner = operator(OWNER, Role::Owner);
    assert_eq!(codes(&app, &owner, "sort=due"), ["TKT-1", "TKT-2", "TKT-3"]);
    assert_eq!(
        codes(&app, &owner, "q=printer&sort=due"),
        ["TKT-1", "TKT-2", "TKT-3"]
    );
}

#[test]
fn due_order_pages_have_no_duplicates_or_gaps_forwards_and_backwards() {
    let page_size = operator_tickets::PAGE_SIZE as usize;
    let n = page_size * 2 + 7;
    let app = spawn(n);
    // Ties on purpose: five due times for 107 tickets; the id breaks them.
    set(
        &app,
        &format!(
            "UPDATE tickets SET resolution_due_at = {NOW} + (number % 5) * {MIN};
             UPDATE tickets SET resolution_due_at = NULL WHERE number = 3;"
        ),
    );
    let owner = operator(OWNER, Role::Owner);
    for qs in ["sort=due", "q=printer&sort=due"] {
        let mut query = list_query::parse(qs).unwrap();
        let mut seen = Vec::new();
        let mut pages = Vec::new();
        loop {
            let page = pollster::block_on(operator_tickets::list(
                app.db(),
                &owner,
                &query,
                MatchCount::Total,
                Timestamp::from_millis(NOW),
            ))
            .unwrap();
            assert_eq!(page.total, (n - 1) as i64, "{qs}");
            let keys: Vec<(i64, String)> =
                page.rows.iter().map(|r| (r.sort_a, r.id.clone())).collect();
            let mut in_order = keys.clone();
            in_order.sort();
            assert_eq!(keys, in_order, "{qs}: soonest first, then by id");
            seen.extend(keys);
            pages.push(page.rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>());
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        let unique: HashSet<&(i64, String)> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (n - 1, n - 1), "{qs}");
        let mut sorted_seen = seen.clone();
        sorted_seen.sort();
        assert_eq!(seen, sorted_seen, "{qs}: ascending across pages");
        // Back from the last page, by its "previous" cursors: the same pages.
        let mut query = list_query::parse(qs).unwrap();
        query.cursor = None;
        let mut back = Vec::new();
        let mut cursor = {
            let mut q = list_query::parse(qs).unwrap();
            let last;
            loop {
                let page = pollster::block_on(operator_tickets::list(
                    app.db(),
                    &owner,
                    &q,
                    MatchCount::Total,
                    Timestamp::from_millis(NOW),
                ))
                .unwrap();
                match page.next {
                    Some(next) => q.cursor = Some(next),
                    None => {
                        last = Some(page);
                        break;
                    }
                }
            }
            last.unwrap().previous
        };
        while let Some(previous) = cursor {
            query.cursor = Some(previous);
            let page = pollster::block_on(operator_tickets::list(
                app.db(),
                &owner,
                &query,
                MatchCount::Total,
                Timestamp::from_millis(NOW),
            ))
            .unwrap();
            back.push(page.rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>());
            cursor = page.previous;
        }
        back.reverse();
        assert_eq!(
            back,
            pages[..pages.len() - 1],
            "{qs}: the pages before the last"
        );
    }
}

fn page_html(app: &TestApp, path: &str, cookie: &str) -> String {
    let r = app.get(path, &[("cookie", cookie)]);
    assert_eq!(r.status, 200, "{path}");
    String::from_utf8(r.body).unwrap()
}

#[test]
fn rows_cards_the_ticket_page_and_the_api_show_time_left_overdue_and_the_team() {
    let app = seeded_with_tokens();
    let session = app.sign_in("ann@acme.example");
    let cookie = session_cookie(&session);
    let list = page_html(&app, "/app/tickets", &cookie);
    assert!(
        list.contains("sla-overdue\" title=\"First response was due "),
        "{list}"
    );
    assert!(list.contains(">Overdue 35 m</span>"), "{list}");
    assert!(
        list.contains(">Overdue</span>"),
        "TKT-4: missed, then paused"
    );
    assert!(list.contains("sla-soon\" title=\"Resolution due "));
    assert!(list.contains(">29 m left</span>") || list.contains(">30 m left</span>"));
    assert!(list.contains(">4 h 59 m left</span>") || list.contains(">5 h 0 m left</span>"));
    assert!(list.contains("<span class=\"team-tag\" title=\"Team\"><bdi>Billing</bdi></span>"));
    // The filter bar: the team select with this site's teams only, the SLA select, the order.
    assert!(list.contains("<option value=\"1\">"));
    assert!(!list.contains("Elsewhere"));
    assert!(list.contains("name=\"sla\""));
    assert!(list.contains("<option value=\"due\"><bdi>Due soonest (SLA)</bdi></option>"));
    let filtered = page_html(&app, "/app/tickets?sla=breached&team=1&sort=due", &cookie);
    assert!(filtered.contains("SLA: Breached"), "a chip");
    assert!(filtered.contains("Team: Billing"), "a chip");
    assert!(filtered.contains("1 ticket matches"));
    let board = page_html(&app, "/app/tickets?view=board&sort=due", &cookie);
    assert!(board.contains(">Overdue 35 m</span>"));
    assert!(board.contains("<bdi>Billing</bdi>"));
    // The ticket page: the team and each target.
    let ticket = page_html(&app, "/app/tickets/TKT-2", &cookie);
    assert!(ticket.contains("<dt>Team</dt><dd><span class=\"muted\">No team</span>"));
    assert!(ticket.contains("<dt>First response</dt><dd class=\"sla-target\"><span class=\"badge sla sla-met\">Met</span> at "));
    assert!(ticket.contains(
        "<dt>Resolution</dt><dd class=\"sla-target\"><span class=\"badge sla sla-soon\">"
    ));
    let ticket = page_html(&app, "/app/tickets/TKT-4", &cookie);
    assert!(ticket.contains("<span class=\"badge sla sla-overdue\">Missed</span>"));
    let ticket = page_html(&app, "/app/tickets/TKT-1", &cookie);
    assert!(ticket.contains("<dt>Team</dt><dd><bdi>Billing</bdi>"));
    // The API's rows carry `team` and `sla`.
    let auth = format!("Bearer {OWNER_TOKEN}");
    let r = app.get("/api/v1/tickets?sort=due", &[("authorization", &auth)]);
    assert_eq!(r.status, 200);
    let body = json(&r);
    let first = &body["tickets"][0];
    assert_eq!(first["code"], "TKT-1");
    assert_eq!(first["team"], json!({ "id": 1, "name": "Billing" }));
    assert_eq!(first["sla"]["state"], "overdue");
    assert_eq!(first["sla"]["target"], "first_response");
    assert_eq!(first["sla"]["breached"], true);
    assert!(first["sla"]["overdue_ms"].as_i64().unwrap() >= 35 * MIN);
    assert_eq!(body["tickets"][1]["sla"]["state"], "running");
    assert_eq!(body["tickets"][1]["team"], json!(null));
    let r = app.get("/api/v1/tickets?sla=late", &[("authorization", &auth)]);
    assert_eq!(crate::error_code(&r, 422), "validation_failed");
}

fn assign(app: &TestApp, by: &str, n: u32, to: &str) {
    let code = TicketCode::parse(&format!("TKT-{n}")).unwrap();
    pollster::block_on(ticket_actions::apply(
        app.db(),
        &operator(by, Role::Owner),
        &code,
        None,
        Change::Assign(Some(to.to_owned())),
        Timestamp::from_millis(NOW - 5 * MIN),
    ))
    .unwrap();
}

#[test]
fn notices_count_waiting_conversations_new_assignments_and_my_breaches() {
    let app = seeded();
    let max = operator(MEMBER, Role::Member);
    let read = |app: &TestApp| {
        pollster::block_on(notices::read(app.db(), &max, Timestamp::from_millis(NOW))).unwrap()
    };
    assert_eq!(read(&app), Notices::default());
    // Two escalated live conversations of this site; an expired one, a bot-handled one and
    // another site's do not count.
    set(
        &app,
        &format!(
            "INSERT INTO conversations (id, site_id, visitor_id, created_at, last_message_at,
                                        expires_at, last_seq, escalated_at, escalation_reason)
             VALUES ('c1', 1, '0123456789abcdef0123456789abcdef', 0, 0, {live}, 1, 1, 'visitor_asked'),
                    ('c2', 1, '0123456789abcdef0123456789abcdef', 0, 0, {live}, 1, 1, 'hand_off'),
                    ('c3', 1, '0123456789abcdef0123456789abcdef', 0, 0, {gone}, 1, 1, 'hand_off'),
                    ('c4', 1, '0123456789abcdef0123456789abcdef', 0, 0, {live}, 1, NULL, NULL),
                    ('c5', 2, '0123456789abcdef0123456789abcdef', 0, 0, {live}, 1, 1, 'hand_off');",
            live = NOW + 60 * MIN,
            gone = NOW - MIN,
        ),
    );
    // TKT-1 (breached) and TKT-3 assigned to Max by Ann; TKT-2 he took himself.
    assign(&app, OWNER, 1, MEMBER);
    assign(&app, OWNER, 3, MEMBER);
    assign(&app, MEMBER, 2, MEMBER);
    assert_eq!(
        read(&app),
        Notices {
            waiting: 2,
            assigned: 2,
            breached: 1
        }
    );
    // Max answers on TKT-3: picked up, no longer new.
    let code = TicketCode::parse("TKT-3").unwrap();
    pollster::block_on(ticket_actions::apply(
        app.db(),
        &max,
        &code,
        None,
        Change::Comment(Comment {
            visibility: CommentVisibility::Internal,
            body: CommentBody::parse("On it").unwrap(),
        }),
        Timestamp::from_millis(NOW),
    ))
    .unwrap();
    assert_eq!(read(&app).assigned, 1);
    // Resolved: neither new nor breached.
    set(
        &app,
        "UPDATE tickets SET status = 'resolved' WHERE code = 'TKT-1'",
    );
    assert_eq!(
        read(&app),
        Notices {
            waiting: 2,
            assigned: 0,
            breached: 0
        }
    );
    // The owner has nothing assigned.
    let ann = operator(OWNER, Role::Owner);
    let ann_reads =
        pollster::block_on(notices::read(app.db(), &ann, Timestamp::from_millis(NOW))).unwrap();
    assert_eq!((ann_reads.assigned, ann_reads.breached), (0, 0));
}

#[test]
fn the_header_shows_the_notices_in_the_pages_one_round_trip_and_the_poll_answers_json() {
    let mut app = seeded_with_tokens();
    let now = APP_NOW;
    set(
        &app,
        &format!(
            "UPDATE tickets SET assignee_id = '{MEMBER}', first_response_due_at = {late}
             WHERE code = 'TKT-1';
             INSERT INTO conversations (id, site_id, visitor_id, created_at, last_message_at,
                                        expires_at, last_seq, escalated_at, escalation_reason)
             VALUES ('c1', 1, '0123456789abcdef0123456789abcdef', 0, 0, {live}, 1, 1, 'visitor_asked');",
            late = now - 35 * MIN,
            live = now + 600 * MIN,
        ),
    );
    let session = app.sign_in("max@acme.example");
    let cookie = session_cookie(&session);
    let headers = [("cookie", cookie.as_str())];
    for path in [
        "/app/tickets",
        "/app/tickets?sla=breached&team=1&sort=due",
        "/app/tickets/TKT-1",
    ] {
        app.forget_credentials();
        let first = app.get(path, &headers);
        let before = app.db().round_trips();
        let again = app.get(path, &headers);
        assert_eq!(app.db().round_trips() - before, 1, "{path}: one batch");
        assert_eq!(again.body, first.body, "{path}: the same page either way");
        let html = String::from_utf8(again.body).unwrap();
        assert!(
            html.contains("<a class=\"tally tally-waiting active\" data-notice=\"waiting\" href=\"/app/conversations\">Waiting for a person <span class=\"count\" data-count>1</span></a>"),
            "{path}: {html}"
        );
        assert!(html.contains(
            "<a class=\"tally tally-breached active\" data-notice=\"breached\" href=\"/app/tickets?assignee=me&sla=breached&sort=due\">My SLA breaches <span class=\"count\" data-count>1</span></a>"
        ));
        assert!(html.contains(
            "<a class=\"tally tally-assigned\" data-notice=\"assigned\" href=\"/app/tickets?assignee=me&sort=updated\">New to me <span class=\"count\" data-count>0</span></a>"
        ));
        assert!(html.contains("<script src=\"/notices.js\" defer></script>"));
    }
    // The breaches link lists exactly them.
    let html = page_html(&app, Notices::BREACHED_HREF, &cookie);
    assert!(html.contains("1 ticket matches"));
    // Another page of the dashboard: the links, the counts left to the poll.
    let html = page_html(&app, "/app/conversations", &cookie);
    assert!(html.contains("Waiting for a person <span class=\"count\" data-count></span>"));
    // The poll.
    let r = app.get("/app/notices.json", &headers);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        json(&r),
        json!({ "waiting": 1, "assigned": 0, "breached": 1 })
    );
    let r = app.get("/app/notices.json", &[]);
    assert_eq!(r.status, 303, "signed out: to the sign-in page");
}
