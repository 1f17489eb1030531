//! The SLA clock on tickets: due times set on create from the site's policy, first response
//! met by the team's public reply (a comment or a chat message), resolution paused while the
//! customer is awaited and once resolved, resumed by their reply or a reopen, re-targeted by a
//! priority change; business hours counted in the database as `shared::sla` counts them; the
//! Cron Trigger's breach sweep (events, webhook events, once each, per site); the policy's
//! settings page.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::service::sla;
use ticketbooth_shared::Priority;
use ticketbooth_shared::event::SlaTarget;
use ticketbooth_shared::sla::{Clock, Policy};
use ticketbooth_shared::timestamp::Timestamp;

use crate::inbox::visitor_says;
use crate::ticket_page::{MEMBER_TOKEN, OWNER_TOKEN, session, spawn_with_tokens};
use crate::{TestApp, csrf_of, json};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

/// Normal: first response in 1 h, resolution in 8 h; urgent: 15 min and 2 h; calendar time.
const CALENDAR: &str = r#"{"targets":{"normal":{"first_response":60,"resolution":480},
                                      "urgent":{"first_response":15,"resolution":120}}}"#;

fn with_policy(policy: &str) -> TestApp {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET sla_policy = '{policy}' WHERE id = 1;"
        ))
        .unwrap();
    app
}

/// A widget ticket on `site`: (id, code, visitor token).
fn widget_ticket(app: &TestApp, site: &str, key: &str) -> (String, String, String) {
    let r = app.create(
        site,
        key,
        &json!({ "subject": "Charged twice", "description": "Order 1234",
                 "requester": { "name": "Vera", "email": "vera@example.com" } }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    (
        body["ticket"]["id"].as_str().unwrap().to_owned(),
        body["ticket"]["code"].as_str().unwrap().to_owned(),
        body["visitor_token"].as_str().unwrap().to_owned(),
    )
}

fn action(app: &TestApp, token: &str, code: &str, verb: &str, body: Json) -> Response {
    let r = app.send(
        "POST",
        &format!("/api/v1/tickets/{code}/{verb}"),
        &[
            ("authorization", &format!("Bearer {token}")),
            ("content-type", "application/json"),
        ],
        Body::Bytes(body.to_string().into_bytes()),
    );
    assert_eq!(
        r.status,
        200,
        "{verb}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r
}

fn visitor_reply(app: &TestApp, id: &str, token: &str, key: &str) {
    let r = app.send(
        "POST",
        &format!("/api/v1/sites/acme/tickets/{id}/comments"),
        &[
            ("authorization", &format!("Bearer {token}")),
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Body::Bytes(json!({ "body": "Here it is" }).to_string().into_bytes()),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
}

/// The ticket's clock columns, its `updated_at` (the time of its last change) and `created_at`.
fn clock(app: &TestApp, id: &str) -> Json {
    app.rows(
        "SELECT first_response_due_at, first_responded_at, resolution_due_at,
                resolution_left_ms, first_response_breached_at, resolution_breached_at,
                sla_due_at, created_at, updated_at
         FROM tickets WHERE id = ?1",
        vec![id.into()],
    )
    .remove(0)
    .into()
}

fn int(v: &Json) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn a_new_ticket_gets_its_due_times_from_its_sites_policy_and_other_sites_none() {
    let app = with_policy(CALENDAR);
    let (id, _, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c001");
    let c = clock(&app, &id);
    let created = int(&c["created_at"]);
    assert_eq!(int(&c["first_response_due_at"]), created + HOUR);
    assert_eq!(int(&c["resolution_due_at"]), created + 8 * HOUR);
    assert_eq!(int(&c["sla_due_at"]), created + HOUR);
    assert_eq!(c["first_responded_at"], Json::Null);

    // `strict` keeps no policy: no clock at all.
    let r = app.create(
        "strict",
        "00000000-0000-4000-8000-00000000c002",
        &json!({ "subject": "Hi", "description": "x",
                 "requester": { "name": "Vera", "email": "vera@example.com" } }),
        &[],
    );
    assert_eq!(r.status, 201);
    let other = json(&r)["ticket"]["id"].as_str().unwrap().to_owned();
    let c = clock(&app, &other);
    assert_eq!(c["first_response_due_at"], Json::Null);
    assert_eq!(c["resolution_due_at"], Json::Null);
}

#[test]
fn a_public_comment_meets_first_response_and_an_internal_note_does_not() {
    let app = with_policy(CALENDAR);
    let (id, code, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c003");
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "comment",
        json!({ "comment": "Looking", "visibility": "internal" }),
    );
    assert_eq!(clock(&app, &id)["first_responded_at"], Json::Null);
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "comment",
        json!({ "comment": "On it!", "visibility": "public" }),
    );
    let c = clock(&app, &id);
    let answered = int(&c["first_responded_at"]);
    assert_eq!(answered, int(&c["updated_at"]));
    // Now resolution is what is due next; a second reply keeps the first time.
    assert_eq!(c["sla_due_at"], c["resolution_due_at"]);
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "comment",
        json!({ "comment": "Still on it", "visibility": "public" }),
    );
    assert_eq!(int(&clock(&app, &id)["first_responded_at"]), answered);
}

#[test]
fn an_operators_message_in_a_linked_conversation_meets_first_response() {
    let app = with_policy(CALENDAR);
    let (conversation, _) = visitor_says(&app, "Help with my order");
    let (id, _, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c004");
    app.db()
        .execute_script(&format!(
            "INSERT INTO ticket_conversations (site_id, ticket_id, conversation_id, created_at)
             VALUES (1, '{id}', '{conversation}', 0);"
        ))
        .unwrap();
    let session = session(MEMBER_TOKEN);
    let csrf = csrf_of(&app, &session);
    let r = app.form(
        &format!("/app/inbox/{conversation}/reply"),
        Some(&session),
        &[("csrf", &csrf), ("text", "Hello, I can help.")],
    );
    assert_eq!(r.status, 303);
    assert!(clock(&app, &id)["first_responded_at"].is_i64());
}

#[test]
fn waiting_on_the_customer_pauses_resolution_and_their_reply_resumes_it() {
    let app = with_policy(CALENDAR);
    let (id, code, token) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c005");
    let due = int(&clock(&app, &id)["resolution_due_at"]);
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "status",
        json!({ "status": "pending" }),
    );
    // Pending on the team: the clock runs on.
    assert_eq!(int(&clock(&app, &id)["resolution_due_at"]), due);
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "waiting",
        json!({ "waiting_on": "customer" }),
    );
    let c = clock(&app, &id);
    let paused_at = int(&c["updated_at"]);
    assert_eq!(c["resolution_due_at"], Json::Null);
    assert_eq!(c["sla_due_at"], c["first_response_due_at"]);
    let left = int(&c["resolution_left_ms"]);
    assert_eq!(left, due - paused_at);

    // Two days later the customer answers: the 8 h clock has what it had left.
    app.advance(48 * HOUR);
    visitor_reply(&app, &id, &token, "00000000-0000-4000-8000-00000000c006");
    let c = clock(&app, &id);
    assert_eq!(c["resolution_left_ms"], Json::Null);
    assert_eq!(int(&c["resolution_due_at"]), int(&c["updated_at"]) + left);
}

#[test]
fn resolving_stops_the_clock_and_reopening_resumes_it() {
    let app = with_policy(CALENDAR);
    let (id, code, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c007");
    let due = int(&clock(&app, &id)["resolution_due_at"]);
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "status",
        json!({ "status": "pending" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "status",
        json!({ "status": "resolved" }),
    );
    let c = clock(&app, &id);
    // The due time stays, to judge the target by; nothing is due any more.
    assert_eq!(int(&c["resolution_due_at"]), due);
    assert_eq!(c["sla_due_at"], Json::Null);
    let left = int(&c["resolution_left_ms"]);
    assert_eq!(left, due - int(&c["updated_at"]));

    app.advance(24 * HOUR);
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "status",
        json!({ "status": "open" }),
    );
    let c = clock(&app, &id);
    assert_eq!(int(&c["resolution_due_at"]), int(&c["updated_at"]) + left);
    assert_eq!(c["resolution_left_ms"], Json::Null);
}

#[test]
fn a_priority_change_retargets_the_clock() {
    let app = with_policy(CALENDAR);
    let (id, code, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c008");
    let created = int(&clock(&app, &id)["created_at"]);
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "priority",
        json!({ "priority": "urgent" }),
    );
    let c = clock(&app, &id);
    assert_eq!(int(&c["first_response_due_at"]), created + 15 * MIN);
    // 2 h less what the 8 h clock had used when it changed.
    let used = int(&c["updated_at"]) - created;
    assert_eq!(
        int(&c["resolution_due_at"]),
        int(&c["updated_at"]) + 2 * HOUR - used
    );
    // Low has no targets: the clock is cleared.
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "priority",
        json!({ "priority": "low" }),
    );
    let c = clock(&app, &id);
    assert_eq!(c["first_response_due_at"], Json::Null);
    assert_eq!(c["resolution_due_at"], Json::Null);
}

#[test]
fn business_hours_pause_and_resume_in_the_database_as_the_clock_counts() {
    // Weekdays 09:00–17:00 in Paris.
    let day = r#"["09:00-17:00"]"#;
    let policy = format!(
        r#"{{"targets":{{"normal":{{"first_response":60,"resolution":480}}}},
             "hours":{{"time_zone":"Europe/Paris","week":[{day},{day},{day},{day},{day},[],[]]}}}}"#
    );
    let app = with_policy(&policy);
    let (id, code, token) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c009");
    let parsed = Policy::from_stored(Some(&policy)).unwrap();
    let hours = parsed.hours.as_ref();
    let c = clock(&app, &id);
    let created = int(&c["created_at"]);
    let expected = Clock::start(&parsed, Priority::Normal, created);
    assert_eq!(c["resolution_due_at"].as_i64(), expected.resolution_due_at);

    action(
        &app,
        OWNER_TOKEN,
        &code,
        "status",
        json!({ "status": "pending" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        &code,
        "waiting",
        json!({ "waiting_on": "customer" }),
    );
    let c = clock(&app, &id);
    let paused = expected.pause(hours, int(&c["updated_at"]), false);
    assert_eq!(c["resolution_left_ms"].as_i64(), paused.resolution_left_ms);
    assert!(paused.resolution_left_ms.unwrap() > 0);

    // Resumed a day and a half later, on whatever day that is: the database's due time is the
    // clock's.
    app.advance(36 * HOUR);
    visitor_reply(&app, &id, &token, "00000000-0000-4000-8000-00000000c010");
    let c = clock(&app, &id);
    let resumed = paused.resume(hours, int(&c["updated_at"]));
    assert_eq!(c["resolution_due_at"].as_i64(), resumed.resolution_due_at);
}

fn run_sweep(app: &TestApp, at: i64) -> Vec<sla::Breach> {
    pollster::block_on(sla::sweep(app.db(), Timestamp::from_millis(at))).unwrap()
}

fn breach_events(app: &TestApp, id: &str) -> Vec<Json> {
    app.rows(
        "SELECT data, actor FROM ticket_events WHERE ticket_id = ?1 AND kind = 'sla_breached'
         ORDER BY id",
        vec![id.into()],
    )
    .into_iter()
    .map(|r| {
        assert_eq!(r["actor"], r#"{"type":"system"}"#);
        serde_json::from_str(r["data"].as_str().unwrap()).unwrap()
    })
    .collect()
}

#[test]
fn the_sweep_records_each_missed_target_once_with_its_webhook_event() {
    let app = with_policy(CALENDAR);
    app.db()
        .execute_script(
            "UPDATE sites SET webhook_url = 'https://hooks.example/t' WHERE id = 1;
             UPDATE sites SET sla_policy = json_object('targets', json_object('normal',
                 json_object('first_response', 30))) WHERE id = 2;",
        )
        .unwrap();
    let (late, late_code, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c011");
    let (answered, answered_code, _) =
        widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c012");
    action(
        &app,
        OWNER_TOKEN,
        &answered_code,
        "comment",
        json!({ "comment": "Hi", "visibility": "public" }),
    );
    let created = int(&clock(&app, &late)["created_at"]);

    // Before anything is due: nothing.
    assert!(run_sweep(&app, created + 30 * MIN).is_empty());

    // Past first response: only the unanswered ticket.
    let at = created + HOUR + MIN;
    let breaches = run_sweep(&app, at);
    assert_eq!(
        breaches,
        [sla::Breach {
            site_id: 1,
            ticket_id: late.clone(),
            code: late_code.clone(),
            target: SlaTarget::FirstResponse,
        }]
    );
    let due = int(&clock(&app, &late)["first_response_due_at"]);
    assert_eq!(
        breach_events(&app, &late),
        [json!({ "target": "first_response", "due_at_ms": due })]
    );
    assert_eq!(int(&clock(&app, &late)["first_response_breached_at"]), at);
    // Idempotent: the same run again, or a later one before resolution is due, writes nothing.
    assert!(run_sweep(&app, at).is_empty());
    assert!(run_sweep(&app, at + 10 * MIN).is_empty());
    assert_eq!(breach_events(&app, &late).len(), 1);

    // Past resolution: both tickets, once each; the answered one only for resolution.
    let later = created + 9 * HOUR;
    let mut targets: Vec<(String, SlaTarget)> = run_sweep(&app, later)
        .into_iter()
        .map(|b| (b.code, b.target))
        .collect();
    targets.sort_by_key(|(code, _)| code.clone());
    assert_eq!(
        targets,
        [
            (late_code.clone(), SlaTarget::Resolution),
            (answered_code.clone(), SlaTarget::Resolution)
        ]
    );
    assert!(run_sweep(&app, later + HOUR).is_empty());
    assert_eq!(breach_events(&app, &answered).len(), 1);

    // The webhook's events: one per missed target, with the ticket and the target.
    let sent = app.rows(
        "SELECT id, data FROM notifications WHERE kind = 'ticket.sla_breached' ORDER BY id",
        vec![],
    );
    let ids: Vec<&str> = sent.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut expected = vec![
        format!("sb_{late}_fr"),
        format!("sb_{late}_res"),
        format!("sb_{answered}_res"),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    let data: Json = serde_json::from_str(sent[0]["data"].as_str().unwrap()).unwrap();
    assert!(
        data["code"].is_string() && data["target"].is_string(),
        "{data}"
    );
}

#[test]
fn the_sweep_leaves_paused_resolved_spam_and_other_sites_tickets_alone() {
    let app = with_policy(CALENDAR);
    let (waiting, waiting_code, _) =
        widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c013");
    let (resolved, resolved_code, _) =
        widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c014");
    let (spam, spam_code, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c015");
    for (code, comment) in [(&waiting_code, true), (&resolved_code, true)] {
        if comment {
            action(
                &app,
                OWNER_TOKEN,
                code,
                "comment",
                json!({ "comment": "Hi", "visibility": "public" }),
            );
        }
    }
    action(
        &app,
        OWNER_TOKEN,
        &waiting_code,
        "status",
        json!({ "status": "pending" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        &waiting_code,
        "waiting",
        json!({ "waiting_on": "customer" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        &resolved_code,
        "status",
        json!({ "status": "pending" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        &resolved_code,
        "status",
        json!({ "status": "resolved" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        &spam_code,
        "spam",
        json!({ "spam": true }),
    );
    // Another site's ticket, already overdue, with a clock of its own.
    let r = app.create(
        "strict",
        "00000000-0000-4000-8000-00000000c016",
        &json!({ "subject": "Hi", "description": "x",
                 "requester": { "name": "Vera", "email": "vera@example.com" } }),
        &[],
    );
    let other = json(&r)["ticket"]["id"].as_str().unwrap().to_owned();
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET resolution_due_at = 1 WHERE id = '{other}';"
        ))
        .unwrap();
    let created = int(&clock(&app, &waiting)["created_at"]);
    let breaches = run_sweep(&app, created + 30 * HOUR);
    // Only the other site's ticket: each site's tickets by their own clock.
    assert_eq!(breaches.len(), 1, "{breaches:?}");
    assert_eq!(breaches[0].site_id, 2);
    assert_eq!(breaches[0].ticket_id, other);
    for id in [&waiting, &resolved, &spam] {
        assert!(breach_events(&app, id).is_empty());
    }
    // No webhook on site 2: no webhook event.
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE kind = 'ticket.sla_breached'"),
        0
    );
}

#[test]
fn an_owner_sets_the_policy_on_its_page_and_new_tickets_follow_it() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let (status, page) = app.page("/app/settings/sla", &owner);
    assert_eq!(status, 200);
    assert!(page.contains("aria-current=\"page\">SLA</a>"), "{page}");
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/sla",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("normal_first_response", "1h"),
            ("normal_resolution", "1d 2h"),
            ("urgent_first_response", "15"),
            ("hours", "business"),
            ("time_zone", "Europe/Paris"),
            ("monday", "09:00-12:00, 13:00-17:00"),
            ("friday", "09:00-16:00"),
        ],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let stored = app.rows("SELECT sla_policy FROM sites WHERE id = 1", vec![]);
    let policy = Policy::from_stored(stored[0]["sla_policy"].as_str()).unwrap();
    assert_eq!(policy.targets(Priority::Normal).resolution, Some(26 * 60));
    assert_eq!(policy.targets(Priority::Urgent).first_response, Some(15));
    assert_eq!(policy.hours.as_ref().unwrap().zone_name(), "Europe/Paris");
    // The page shows what was saved.
    let (_, page) = app.page("/app/settings/sla", &owner);
    assert!(page.contains("value=\"1d 2h\""), "{page}");
    assert!(page.contains("value=\"09:00-12:00, 13:00-17:00\""));

    // The next ticket's clock follows it at once (the site's cached copy was dropped).
    let (id, _, _) = widget_ticket(&app, "acme", "00000000-0000-4000-8000-00000000c020");
    let c = clock(&app, &id);
    let expected = Clock::start(&policy, Priority::Normal, int(&c["created_at"]));
    assert_eq!(
        c["first_response_due_at"].as_i64(),
        expected.first_response_due_at
    );
    assert_eq!(c["resolution_due_at"].as_i64(), expected.resolution_due_at);
}

#[test]
fn a_wrong_value_is_refused_field_by_field_and_nothing_is_saved() {
    let app = with_policy(CALENDAR);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/sla",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("normal_first_response", "soon"),
            ("high_resolution", "400d"),
            ("hours", "business"),
            ("time_zone", "Mars/Olympus"),
            ("tuesday", "17:00-09:00"),
        ],
    );
    assert_eq!(r.status, 422);
    let html = String::from_utf8(r.body).unwrap();
    assert!(html.contains("Nothing was saved"), "{html}");
    assert!(html.contains("id=\"sla-normal_first_response\" name=\"normal_first_response\" value=\"soon\" aria-invalid=\"true\""), "{html}");
    assert!(html.contains("id=\"sla-high_resolution-error\""));
    assert!(html.contains("id=\"sla-tuesday-error\""));
    assert!(html.contains("Enter a duration like 30m"));
    // The zone is checked once the days are well formed.
    let r = app.form(
        "/app/settings/sla",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("hours", "business"),
            ("time_zone", "Mars/Olympus"),
            ("monday", "09:00-17:00"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(String::from_utf8(r.body).unwrap().contains("IANA name"));
    let stored = app.rows("SELECT sla_policy FROM sites WHERE id = 1", vec![]);
    assert_eq!(
        Policy::from_stored(stored[0]["sla_policy"].as_str()),
        Policy::from_stored(Some(CALENDAR))
    );

    // A member may not see or change it.
    let member = session(MEMBER_TOKEN);
    assert_eq!(app.page("/app/settings/sla", &member).0, 403);
    let csrf = csrf_of(&app, &member);
    let r = app.form(
        "/app/settings/sla",
        Some(&member),
        &[("csrf", &csrf), ("normal_first_response", "5m")],
    );
    assert_eq!(r.status, 403);

    // All targets empty clears the policy.
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/sla",
        Some(&owner),
        &[("csrf", &csrf), ("hours", "calendar")],
    );
    assert_eq!(r.status, 303);
    let stored = app.rows("SELECT sla_policy FROM sites WHERE id = 1", vec![]);
    assert_eq!(stored[0]["sla_policy"], Json::Null);
}
