//! Teams and routing (`service::teams`, `service::routing`): a visitor's, bot's or e-mail's
//! ticket goes to the team of the first enabled matching rule and round-robin to its
//! available members, with events naming the rule; two tickets created at once take two
//! turns; an operator's own ticket is left alone; escalation routes a linked ticket;
//! deleting a team leaves no ticket in it; leaving the site leaves its teams.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use serde_json::{Value as Json, json};
use ticketbooth_functions::service::teams::{self, RuleInput};
use ticketbooth_functions::service::tickets::{self as tickets_service, CreateTicket, Created};
use ticketbooth_functions::service::{Refusal, ServiceError, sites};
use ticketbooth_functions::store::sqlite::SqliteExecutor;
use ticketbooth_functions::store::{Executor, Row, Statement, StoreError};
use ticketbooth_shared::Priority;
use ticketbooth_shared::classification::Classification;
use ticketbooth_shared::event::{Actor, Source};
use ticketbooth_shared::ids::{IdempotencyKey, TicketId};
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::routing::RawConditions;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use crate::ticket_actions::{GUEST, MEMBER, OTHER_MEMBER, OWNER, operator, spawn};
use crate::{TestApp, json, ticket_body};

const NOW: i64 = 1_795_427_280_000;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(NOW + ms)
}

fn owner() -> ticketbooth_functions::service::operators::Operator {
    operator(OWNER, Role::Owner)
}

/// A team with `members`; its id.
pub fn team(app: &TestApp, name: &str, members: &[&str]) -> i64 {
    let id = pollster::block_on(teams::create(app.db(), &owner(), name, at(0))).unwrap();
    for m in members {
        pollster::block_on(teams::add_member(app.db(), &owner(), id, m, at(0))).unwrap();
    }
    id
}

/// A rule at the end of the list; its id.
pub fn rule(app: &TestApp, team_id: i64, conditions: RawConditions<'_>) -> i64 {
    pollster::block_on(teams::add_rule(
        app.db(),
        &owner(),
        RuleInput {
            conditions,
            team_id,
        },
        at(0),
    ))
    .unwrap()
}

/// The site cache holds the rules for 30 s: a test that changed them moves past that.
fn fresh_rules(app: &TestApp) {
    app.advance(31_000);
}

fn widget_ticket(app: &TestApp, n: u32) -> String {
    let r = app.create(
        "acme",
        &format!("10000000-0000-4000-8000-{n:012}"),
        &ticket_body("Where is my refund?"),
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    json(&r)["ticket"]["code"].as_str().unwrap().to_owned()
}

/// (team id, assignee) of a ticket.
fn placed(app: &TestApp, code: &str) -> (Json, Json) {
    let row = &app.rows(
        "SELECT team_id, assignee_id FROM tickets WHERE site_id = 1 AND code = ?1",
        vec![code.into()],
    )[0];
    (row["team_id"].clone(), row["assignee_id"].clone())
}

/// The routing events of a ticket: (kind, data, actor type).
fn routing_events(app: &TestApp, code: &str) -> Vec<(String, Json, String)> {
    app.rows(
        "SELECT e.kind, e.data, e.actor FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE t.code = ?1 AND e.kind IN ('team_changed', 'assigned') ORDER BY e.id",
        vec![code.into()],
    )
    .into_iter()
    .map(|r| {
        let data: Json = serde_json::from_str(r["data"].as_str().unwrap()).unwrap();
        let actor: Json = serde_json::from_str(r["actor"].as_str().unwrap()).unwrap();
        (
            r["kind"].as_str().unwrap().to_owned(),
            data,
            actor["type"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

#[test]
fn the_first_enabled_matching_rule_routes_and_members_take_turns() {
    let app = spawn(0);
    let billing = team(&app, "Billing", &[MEMBER, OTHER_MEMBER, OWNER]);
    let tech = team(&app, "Technical", &[OWNER]);
    let off = rule(
        &app,
        tech,
        RawConditions {
            source: Some("widget"),
            ..Default::default()
        },
    );
    pollster::block_on(teams::set_rule_enabled(app.db(), &owner(), off, false)).unwrap();
    let urgent = rule(
        &app,
        tech,
        RawConditions {
            priority: Some("urgent"),
            ..Default::default()
        },
    );
    let widget = rule(
        &app,
        billing,
        RawConditions {
            source: Some("widget"),
            ..Default::default()
        },
    );
    let _catch_all = rule(&app, tech, RawConditions::default());

    let codes: Vec<String> = (1..=4).map(|n| widget_ticket(&app, n)).collect();
    // Operator ids in order: OWNER (…a1), MEMBER (…b2), OTHER_MEMBER (…c3), then around.
    let expected = [OWNER, MEMBER, OTHER_MEMBER, OWNER];
    for (code, who) in codes.iter().zip(expected) {
        assert_eq!(placed(&app, code), (json!(billing), json!(who)), "{code}");
    }
    assert_eq!(
        routing_events(&app, &codes[1]),
        vec![
            (
                "team_changed".to_owned(),
                json!({ "from": null, "to": "Billing", "rule": widget }),
                "system".to_owned()
            ),
            (
                "assigned".to_owned(),
                json!({ "from": null, "to": MEMBER, "rule": widget }),
                "system".to_owned()
            ),
        ]
    );
    let _ = urgent;
}

#[test]
fn away_members_and_guests_are_passed_over_and_nobody_available_leaves_it_unassigned() {
    let app = spawn(0);
    let billing = team(&app, "Billing", &[MEMBER, OTHER_MEMBER]);
    rule(&app, billing, RawConditions::default());
    let member = operator(MEMBER, Role::Member);
    pollster::block_on(teams::set_away(app.db(), &member, true)).unwrap();
    assert!(pollster::block_on(teams::is_away(app.db(), &member)).unwrap());
    let a = widget_ticket(&app, 1);
    let b = widget_ticket(&app, 2);
    assert_eq!(placed(&app, &a).1, json!(OTHER_MEMBER));
    assert_eq!(placed(&app, &b).1, json!(OTHER_MEMBER));
    pollster::block_on(teams::set_away(
        app.db(),
        &operator(OTHER_MEMBER, Role::Member),
        true,
    ))
    .unwrap();
    let c = widget_ticket(&app, 3);
    assert_eq!(placed(&app, &c), (json!(billing), Json::Null));
    assert_eq!(routing_events(&app, &c).len(), 1, "only the team's event");
    // Back from away: the turn goes on after the last one given.
    pollster::block_on(teams::set_away(app.db(), &member, false)).unwrap();
    let d = widget_ticket(&app, 4);
    assert_eq!(placed(&app, &d).1, json!(MEMBER));
    // A guest cannot join a team at all.
    let r = pollster::block_on(teams::add_member(app.db(), &owner(), billing, GUEST, at(0)));
    assert_eq!(
        r,
        Err(ServiceError::Refused(Refusal::TeamMemberNotEligible))
    );
}

#[test]
fn an_operators_own_ticket_and_an_api_ticket_are_not_routed() {
    let app = crate::ticket_page::spawn_with_tokens(0);
    let billing = team(&app, "Billing", &[MEMBER]);
    rule(&app, billing, RawConditions::default());
    let r = crate::operator_api::call(
        &app,
        "POST",
        "/api/v1/tickets",
        "/api/v1/tickets",
        Some(crate::ticket_page::OWNER_TOKEN),
        Some(json!({ "subject": "Phone call", "description": "Called about a refund." })),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let code = "TKT-1";
    assert_eq!(placed(&app, code), (Json::Null, json!(OWNER)));
    assert!(routing_events(&app, code).is_empty());
}

/// Runs a batch only after yielding once, so two creates polled together both reach their
/// batch before either runs it: what two requests at once on D1 look like.
struct Yielding<'a>(&'a SqliteExecutor);

impl Executor for Yielding<'_> {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, StoreError> {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
        self.0.batch(statements).await
    }

    async fn query(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        self.0.query(statement).await
    }
}

fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    pollster::block_on(async {
        let (mut a, mut b) = (pin!(a), pin!(b));
        let (mut ra, mut rb) = (None, None);
        std::future::poll_fn(|cx| {
            if ra.is_none()
                && let Poll::Ready(v) = a.as_mut().poll(cx)
            {
                ra = Some(v);
            }
            if rb.is_none()
                && let Poll::Ready(v) = b.as_mut().poll(cx)
            {
                rb = Some(v);
            }
            if ra.is_some() && rb.is_some() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        (ra.unwrap(), rb.unwrap())
    })
}

#[test]
fn two_tickets_created_at_once_take_two_turns_in_order() {
    let app = spawn(0);
    let billing = team(&app, "Billing", &[MEMBER, OTHER_MEMBER]);
    rule(&app, billing, RawConditions::default());
    let site = pollster::block_on(sites::load(app.db(), &SiteKey::parse("acme").unwrap())).unwrap();
    let db = Yielding(app.db());
    let cmd = |n: u8| CreateTicket {
        site: &site,
        ticket: NewTicket::parse(
            &serde_json::from_value(
                json!({ "subject": format!("At once {n}"), "description": "x" }),
            )
            .unwrap(),
            false,
        )
        .unwrap(),
        source: Source::Widget,
        idempotency_key: IdempotencyKey::parse(&format!("20000000-0000-4000-8000-00000000000{n}"))
            .unwrap(),
        visitor: None,
        assignee: None,
        assignee_chosen: false,
        actor: Actor::System,
        conversation: None,
        priority: Priority::Normal,
        summary: None,
        classification: Classification::default(),
        transcript_from_visitor: false,
        fresh_id: TicketId::mint(at(n.into()), [n; 10]),
        now: at(n.into()),
    };
    let (a, b) = both(
        tickets_service::create(&db, cmd(1)),
        tickets_service::create(&db, cmd(2)),
    );
    let code = |c: Result<Created, ServiceError>| match c.unwrap() {
        Created::New { ticket, .. } => ticket.code,
        Created::Replayed(_) => panic!("replayed"),
    };
    let (a, b) = (code(a), code(b));
    assert_eq!(placed(&app, &a).1, json!(MEMBER));
    assert_eq!(placed(&app, &b).1, json!(OTHER_MEMBER));
    let cursor = app.rows("SELECT last_assigned_id FROM teams", vec![]);
    assert_eq!(cursor[0]["last_assigned_id"], json!(OTHER_MEMBER));
}

#[test]
fn deleting_a_team_leaves_no_ticket_in_it_and_records_why() {
    let app = spawn(0);
    let billing = team(&app, "Billing", &[MEMBER]);
    let rule_id = rule(&app, billing, RawConditions::default());
    let code = widget_ticket(&app, 1);
    assert_eq!(placed(&app, &code).0, json!(billing));
    pollster::block_on(teams::delete(app.db(), &owner(), billing, at(5_000))).unwrap();
    assert_eq!(placed(&app, &code), (Json::Null, json!(MEMBER)));
    let events = routing_events(&app, &code);
    assert_eq!(
        events.last().unwrap(),
        &(
            "team_changed".to_owned(),
            json!({ "from": "Billing", "to": null }),
            "operator".to_owned()
        )
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM routing_rules"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM team_members"), 0);
    // The rule is gone: the next ticket (after the cache's time) goes nowhere.
    fresh_rules(&app);
    let next = widget_ticket(&app, 2);
    assert_eq!(placed(&app, &next), (Json::Null, Json::Null));
    let r = pollster::block_on(teams::delete(app.db(), &owner(), billing, at(6_000)));
    assert_eq!(r, Err(ServiceError::Refused(Refusal::TeamNotFound)));
    let _ = rule_id;
}

#[test]
fn teams_and_rules_refuse_bad_input_and_change_nothing() {
    let app = spawn(0);
    let billing = team(&app, "Billing", &[]);
    let dup = pollster::block_on(teams::create(app.db(), &owner(), "Billing", at(0)));
    assert_eq!(dup, Err(ServiceError::Refused(Refusal::TeamNameTaken)));
    let blank = pollster::block_on(teams::create(app.db(), &owner(), "  ", at(0)));
    assert!(matches!(blank, Err(ServiceError::Validation(_))));
    let bad = pollster::block_on(teams::add_rule(
        app.db(),
        &owner(),
        RuleInput {
            conditions: RawConditions {
                source: Some("fax"),
                ..Default::default()
            },
            team_id: billing,
        },
        at(0),
    ));
    match bad {
        Err(ServiceError::Validation(e)) => assert!(e.0.contains_key("source")),
        other => panic!("{other:?}"),
    }
    let no_team = pollster::block_on(teams::add_rule(
        app.db(),
        &owner(),
        RuleInput {
            conditions: RawConditions::default(),
            team_id: 999,
        },
        at(0),
    ));
    assert_eq!(no_team, Err(ServiceError::Refused(Refusal::TeamNotFound)));
    let member = operator(MEMBER, Role::Member);
    let r = pollster::block_on(teams::create(app.db(), &member, "Mine", at(0)));
    assert_eq!(r, Err(ServiceError::Forbidden));
    assert_eq!(app.count("SELECT COUNT(*) FROM routing_rules"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM teams"), 1);
}

#[test]
fn rules_move_up_and_down_and_a_member_leaving_the_site_leaves_its_teams() {
    let app = spawn(0);
    let billing = team(&app, "Billing", &[MEMBER]);
    let a = rule(
        &app,
        billing,
        RawConditions {
            topic: Some("a"),
            ..Default::default()
        },
    );
    let b = rule(
        &app,
        billing,
        RawConditions {
            topic: Some("b"),
            ..Default::default()
        },
    );
    let c = rule(
        &app,
        billing,
        RawConditions {
            topic: Some("c"),
            ..Default::default()
        },
    );
    pollster::block_on(teams::move_rule(app.db(), &owner(), c, true)).unwrap();
    pollster::block_on(teams::move_rule(app.db(), &owner(), a, true)).unwrap();
    let order: Vec<i64> = app
        .rows("SELECT id FROM routing_rules ORDER BY position", vec![])
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, vec![a, c, b]);
    pollster::block_on(ticketbooth_functions::service::members::change(
        app.db(),
        &owner(),
        MEMBER,
        ticketbooth_functions::service::members::Change::Remove,
    ))
    .unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM team_members"), 0);
}

fn press(app: &TestApp, id: &str, token: &str) -> ticketbooth_functions::http::Response {
    app.send(
        "POST",
        &format!("/api/v1/sites/acme/conversations/{id}/escalate"),
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {token}")),
        ],
        ticketbooth_functions::http::Body::Bytes(b"{}".to_vec()),
    )
}

#[test]
fn escalation_routes_the_ticket_it_opens_and_a_linked_ticket_without_a_team() {
    let app = spawn(0);
    let billing = team(&app, "Billing", &[MEMBER, OTHER_MEMBER]);
    let from_bot = rule(
        &app,
        billing,
        RawConditions {
            source: Some("bot"),
            ..Default::default()
        },
    );
    // The automatic ticket (source bot) is routed as it is created.
    let (id, token) = crate::inbox::visitor_says(&app, "My invoice is wrong");
    let r = press(&app, &id, &token);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let code = json(&r)["ticket"].as_str().unwrap().to_owned();
    assert_eq!(placed(&app, &code), (json!(billing), json!(MEMBER)));
    assert_eq!(routing_events(&app, &code)[0].1["rule"], json!(from_bot));

    // A widget ticket opened before any rule matched it, linked to a chat escalated later.
    let (id, token) = crate::inbox::visitor_says(&app, "Still wrong");
    let widget = widget_ticket(&app, 7);
    assert_eq!(placed(&app, &widget), (Json::Null, Json::Null));
    app.db()
        .execute_script(&format!(
            "INSERT INTO ticket_conversations (site_id, ticket_id, conversation_id, created_at)
             SELECT 1, id, '{id}', 0 FROM tickets WHERE code = '{widget}'"
        ))
        .unwrap();
    let any = rule(&app, billing, RawConditions::default());
    fresh_rules(&app);
    let r = press(&app, &id, &token);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(placed(&app, &widget), (json!(billing), json!(OTHER_MEMBER)));
    let events = routing_events(&app, &widget);
    assert_eq!(
        events[0].1,
        json!({ "from": null, "to": "Billing", "rule": any })
    );
}

#[test]
fn the_teams_page_manages_teams_members_and_rules_and_refuses_bad_input() {
    let app = crate::ticket_page::spawn_with_tokens(0);
    let session = crate::ticket_page::session(crate::ticket_page::OWNER_TOKEN);
    let csrf = crate::csrf_of(&app, &session);
    let post = |pairs: &[(&str, &str)]| {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        app.form("/app/teams", Some(&session), &all)
    };
    let r = post(&[("do", "create_team"), ("name", "Billing")]);
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let billing = app
        .count("SELECT id FROM teams WHERE name = 'Billing'")
        .to_string();
    assert_eq!(
        post(&[
            ("do", "add_member"),
            ("team", &billing),
            ("operator", MEMBER)
        ])
        .status,
        303
    );
    let r = post(&[
        ("do", "add_rule"),
        ("team", &billing),
        ("topic", "Billing"),
        ("source", ""),
    ]);
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let (status, html) = app.page("/app/teams", &session);
    assert_eq!(status, 200);
    assert!(html.contains("topic is billing"), "{html}");
    assert!(html.contains("Max Member"));

    // Refusals: the page again, saying why, nothing changed.
    let r = post(&[("do", "create_team"), ("name", "Billing")]);
    assert_eq!(r.status, 409);
    assert!(String::from_utf8_lossy(&r.body).contains("already has a team by that name"));
    let r = post(&[("do", "add_rule"), ("team", &billing), ("source", "fax")]);
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("The source"));
    let r = post(&[
        ("do", "add_member"),
        ("team", &billing),
        ("operator", GUEST),
    ]);
    assert_eq!(r.status, 422);
    assert_eq!(app.count("SELECT COUNT(*) FROM routing_rules"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM team_members"), 1);

    // A member may not manage teams, but sets their own away switch.
    let member = crate::ticket_page::session(crate::ticket_page::MEMBER_TOKEN);
    let member_csrf = crate::csrf_of(&app, &member);
    let r = app.form(
        "/app/teams",
        Some(&member),
        &[
            ("csrf", &member_csrf),
            ("do", "create_team"),
            ("name", "Mine"),
        ],
    );
    assert_eq!(r.status, 403);
    let r = app.form(
        "/app/teams",
        Some(&member),
        &[("csrf", &member_csrf), ("do", "away"), ("away", "1")],
    );
    assert_eq!(r.status, 303);
    let (_, account) = app.page("/app/settings/account", &member);
    assert!(account.contains("I am back"), "{account}");
    let (_, html) = app.page("/app/teams", &session);
    assert!(html.contains("<span class=\"badge\">away</span>"));
}

#[test]
fn the_team_is_set_by_hand_by_api_bulk_and_tool_and_listed_by_the_api() {
    use crate::operator_api::call;
    use crate::ticket_page::OWNER_TOKEN;
    let app = crate::ticket_page::spawn_with_tokens(2);
    let billing = team(&app, "Billing", &[MEMBER]);
    team(&app, "Technical", &[]);
    let r = call(
        &app,
        "GET",
        "/api/v1/teams",
        "/api/v1/teams",
        Some(OWNER_TOKEN),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        json(&r)["teams"][0],
        json!({ "id": billing, "name": "Billing",
                "members": [{ "id": MEMBER, "name": "Max Member", "away": false }] })
    );
    let path = "/api/v1/tickets/TKT-1/team";
    let template = "/api/v1/tickets/{code}/{action}";
    let r = call(
        &app,
        "POST",
        path,
        template,
        Some(OWNER_TOKEN),
        Some(json!({ "team": billing })),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(placed(&app, "TKT-1").0, json!(billing));
    let r = call(
        &app,
        "POST",
        path,
        template,
        Some(OWNER_TOKEN),
        Some(json!({ "team": "nope" })),
    );
    assert_eq!(crate::error_code(&r, 404), "team_not_found");
    let r = call(
        &app,
        "POST",
        path,
        template,
        Some(OWNER_TOKEN),
        Some(json!({ "team": "technical" })),
    );
    assert_eq!(r.status, 200);
    let r = call(
        &app,
        "POST",
        path,
        template,
        Some(OWNER_TOKEN),
        Some(json!({ "team": null })),
    );
    assert_eq!(r.status, 200);
    assert_eq!(placed(&app, "TKT-1").0, Json::Null);
    let events: Vec<Json> = routing_events(&app, "TKT-1")
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert_eq!(
        events,
        vec![
            json!({ "from": null, "to": "Billing" }),
            json!({ "from": "Billing", "to": "Technical" }),
            json!({ "from": "Technical", "to": null }),
        ]
    );
    // Bulk, over both tickets.
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets/bulk",
        "/api/v1/tickets/bulk",
        Some(OWNER_TOKEN),
        Some(json!({ "codes": ["TKT-1", "TKT-2"], "action": "team", "team": billing })),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(placed(&app, "TKT-2").0, json!(billing));
    // The agent's tool, by name.
    let version = app.rows(
        "SELECT updated_at FROM tickets WHERE code = 'TKT-2'",
        vec![],
    )[0]["updated_at"]
        .clone();
    let r = call(
        &app,
        "POST",
        "/api/v1/tools/update_ticket",
        "/api/v1/tools/update_ticket",
        Some(OWNER_TOKEN),
        Some(json!({ "code": "TKT-2", "version": version, "team": "none" })),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(placed(&app, "TKT-2").0, Json::Null);
    // The ticket page offers the select, and the timeline says who moved it.
    let session = crate::ticket_page::session(OWNER_TOKEN);
    let (_, html) = app.page("/app/tickets/TKT-1", &session);
    assert!(html.contains("name=\"team\""));
    assert!(
        html.contains("Team <bdi>Billing</bdi> → <bdi>Technical</bdi>"),
        "{html}"
    );
}

#[test]
fn the_timeline_names_the_rule_that_routed_the_ticket() {
    let app = crate::ticket_page::spawn_with_tokens(0);
    let billing = team(&app, "Billing", &[MEMBER]);
    let rule_id = rule(&app, billing, RawConditions::default());
    fresh_rules(&app);
    let code = widget_ticket(&app, 1);
    let session = crate::ticket_page::session(crate::ticket_page::OWNER_TOKEN);
    let (_, html) = app.page(&format!("/app/tickets/{code}"), &session);
    let said = format!("Team <bdi>No team</bdi> → <bdi>Billing</bdi> by routing rule {rule_id}");
    assert!(html.contains(&said), "{html}");
    let said = format!("→ <bdi>Max Member</bdi> by routing rule {rule_id}");
    assert!(html.contains(&said));
}

/// The member a rule picks is told by e-mail when they opted in (`service::mail::routed`),
/// in the create's batch; a member who did not opt in is not.
#[test]
fn the_member_a_rule_picks_gets_the_assigned_mail_when_they_opted_in() {
    let app = spawn(0);
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET email_enabled = 1 WHERE id = 1;
             UPDATE operators SET mail_assigned = 1 WHERE id = '{MEMBER}';"
        ))
        .unwrap();
    let billing = team(&app, "Billing", &[MEMBER, OTHER_MEMBER]);
    rule(&app, billing, RawConditions::default());
    let a = widget_ticket(&app, 1);
    let b = widget_ticket(&app, 2);
    let mails = |code: &str| {
        app.rows(
            "SELECT m.kind, m.operator_id FROM mails m JOIN tickets t ON t.id = m.ticket_id
             WHERE t.code = ?1 AND m.operator_id IS NOT NULL",
            vec![code.into()],
        )
    };
    let (first, second) = (placed(&app, &a).1, placed(&app, &b).1);
    let opted_in = if first == json!(MEMBER) { &a } else { &b };
    let not_opted_in = if first == json!(MEMBER) { &b } else { &a };
    assert_ne!(first, second, "the two tickets took two turns");
    let told = mails(opted_in);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["kind"], json!("assigned"));
    assert_eq!(told[0]["operator_id"], json!(MEMBER));
    assert!(mails(not_opted_in).is_empty());
}
