//! External sync, the pull side: a help desk's changes applied to a linked ticket by the
//! `sync` actor (`service::sync_pull`, driven here with hand-built `Pulled` values, as a
//! connector would read them from a webhook), the loop-prevention invariants, the conflict
//! rule, replays; and the webhook route's answers that need no connector
//! (`sync_hooks_zendesk.rs` has those with Zendesk's real signatures).

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::Body;
use ticketbooth_functions::integrations::sync::{Pulled, PulledChange};
use ticketbooth_functions::service::maintenance;
use ticketbooth_functions::service::site_secrets::{Sealer, SecretName};
use ticketbooth_functions::service::sync_connections::{AuthKind, Connection};
use ticketbooth_functions::service::sync_pull::{self, Outcome};
use ticketbooth_functions::store::{Executor, Statement, Value};
use ticketbooth_shared::Priority;
use ticketbooth_shared::sync::{Platform, PushRule};
use ticketbooth_shared::timestamp::Timestamp;

use crate::{TestApp, error_code, json};

/// Our user on the platform (the connection test's answer): its changes are our pushes.
pub const REMOTE_USER: &str = "900";
pub const REMOTE_TICKET: &str = "35436";
pub const WEBHOOK_SECRET: &str = "dGhpcyBpcyBhIHdlYmhvb2sgc2VjcmV0";
/// Later than every request of a test (the app's clock starts at 1_795_427_280_000 and moves
/// a second per request).
pub const NOW: i64 = 1_795_427_280_000 + 3_600_000;

/// A widget ticket on `acme` linked to Zendesk ticket `REMOTE_TICKET` (state synced, nothing
/// owed) through connection 1.
pub struct Linked {
    pub app: TestApp,
    pub id: String,
    pub token: String,
    pub connection: Connection,
}

pub fn connection() -> Connection {
    Connection {
        id: 1,
        site_id: 1,
        platform: Platform::Zendesk,
        base_url: "https://acme.zendesk.com".to_owned(),
        auth_kind: AuthKind::ApiToken,
        auth_user: Some("agent@acme.example".to_owned()),
        credential: "zd-token".to_owned(),
        webhook_secret: Some(WEBHOOK_SECRET.to_owned()),
        push_rule: PushRule::Manual,
        remote_user_id: Some(REMOTE_USER.to_owned()),
        disconnected_at: None,
    }
}

pub fn run(app: &TestApp, sql: &'static str, params: Vec<Value>) {
    pollster::block_on(app.db().batch(vec![Statement::new(sql, params)])).expect("write");
}

/// Connection 1 of `acme` (Zendesk; its secrets sealed as the settings page stores them,
/// the webhook secret only when `with_secret`), and a ticket linked through it.
pub fn linked_with(with_secret: bool) -> Linked {
    let app = TestApp::spawn();
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-0000000051c1",
        &json!({ "subject": "Printer on fire", "description": "Since this morning.",
                 "requester": { "name": "Vera Visitor", "email": "vera@example.com" } }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    let id = body["ticket"]["id"].as_str().unwrap().to_owned();
    let token = body["visitor_token"].as_str().unwrap().to_owned();
    run(
        &app,
        "INSERT INTO sync_connections (id, site_id, platform, base_url, auth_kind, auth_user,
                                       push_rule, remote_user_id, created_at, updated_at)
         VALUES (1, 1, 'zendesk', 'https://acme.zendesk.com', 'api_token',
                 'agent@acme.example', 'manual', ?1, 0, 0)",
        vec![REMOTE_USER.into()],
    );
    let sealer = Sealer::new(app.secrets_key(), [7; 32], 0);
    let mut secrets = vec![
        sealer
            .upsert(1, SecretName::SyncCredential, "zd-token")
            .unwrap(),
    ];
    if with_secret {
        secrets.push(
            sealer
                .upsert(1, SecretName::SyncWebhookSecret, WEBHOOK_SECRET)
                .unwrap(),
        );
    }
    pollster::block_on(app.db().batch(secrets)).unwrap();
    run(
        &app,
        "INSERT INTO sync_links (ticket_id, site_id, connection_id, remote_id, state, dirty_seq,
                                 pushed_seq, pushed_status, pushed_priority, created_at,
                                 updated_at)
         VALUES (?1, 1, 1, ?2, 'synced', 1, 1, 'open', 'normal', 0, 0)",
        vec![id.as_str().into(), REMOTE_TICKET.into()],
    );
    Linked {
        app,
        id,
        token,
        connection: connection(),
    }
}

pub fn linked() -> Linked {
    linked_with(true)
}

pub fn pulled(event_id: &str, at_ms: i64, change: PulledChange) -> Pulled {
    Pulled {
        event_id: event_id.to_owned(),
        remote_ticket_id: REMOTE_TICKET.to_owned(),
        at_ms,
        actor_remote_id: Some("7001".to_owned()),
        change,
    }
}

fn status(theirs: &str) -> PulledChange {
    PulledChange::Status(theirs.to_owned())
}

fn comment(remote_id: &str, body: &str, public: bool, by_requester: bool) -> PulledChange {
    PulledChange::Comment {
        remote_comment_id: remote_id.to_owned(),
        body: body.to_owned(),
        public,
        author_name: "Alex Agent".to_owned(),
        by_requester,
    }
}

impl Linked {
    pub fn apply(&self, pulled: &[Pulled]) -> Outcome {
        pollster::block_on(sync_pull::apply(
            self.app.db(),
            &self.connection,
            pulled,
            Timestamp::from_millis(NOW),
        ))
        .expect("applied")
    }

    /// The ticket's events as (kind, data, actor type), oldest first.
    pub fn events(&self) -> Vec<(String, Json, String)> {
        self.app
            .rows(
                "SELECT kind, data, json_extract(actor, '$.type') AS actor FROM ticket_events
                 WHERE ticket_id = ?1 ORDER BY id",
                vec![self.id.as_str().into()],
            )
            .into_iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap().to_owned(),
                    serde_json::from_str(r["data"].as_str().unwrap()).unwrap(),
                    r["actor"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// The events after the first `skip`.
    pub fn new_events(&self, skip: usize) -> Vec<(String, Json, String)> {
        self.events().into_iter().skip(skip).collect()
    }

    pub fn ticket(&self) -> serde_json::Map<String, Json> {
        self.app
            .rows(
                "SELECT status, waiting_on_customer, priority, synced_at, sync_platform,
                        sync_remote_id FROM tickets WHERE id = ?1",
                vec![self.id.as_str().into()],
            )
            .remove(0)
    }

    pub fn link(&self) -> serde_json::Map<String, Json> {
        self.app
            .rows(
                "SELECT state, dirty_seq, pushed_seq, pushed_status, pushed_waiting,
                        pushed_priority, last_pulled_at FROM sync_links WHERE ticket_id = ?1",
                vec![self.id.as_str().into()],
            )
            .remove(0)
    }

    /// Puts the ticket in a state without an event (as if it had always been so).
    fn set_state(&self, status: &str, on_customer: bool) {
        run(
            &self.app,
            "UPDATE tickets SET status = ?2, waiting_on_customer = ?3 WHERE id = ?1",
            vec![
                self.id.as_str().into(),
                status.into(),
                i64::from(on_customer).into(),
            ],
        );
    }

    /// A local status change by an operator at `at_ms`, not yet pushed (the 0036 trigger
    /// marks the link dirty).
    fn local_status_change(&self, from: &str, to: &str, at_ms: i64) {
        run(
            &self.app,
            "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
             VALUES (1, ?1, 'status_changed', json_object('from', ?2, 'to', ?3),
                     '{\"type\":\"operator\",\"operator_id\":\"op\"}', ?4)",
            vec![
                self.id.as_str().into(),
                from.into(),
                to.into(),
                at_ms.into(),
            ],
        );
        run(
            &self.app,
            "UPDATE tickets SET status = ?2, waiting_on_customer = 0, updated_at = ?3
             WHERE id = ?1",
            vec![self.id.as_str().into(), to.into(), at_ms.into()],
        );
    }

    /// The visitor's thread as the widget reads it.
    fn thread(&self) -> Json {
        let r = self.app.get(
            &format!("/api/v1/sites/acme/tickets/{}/comments", self.id),
            &[("authorization", &format!("Bearer {}", self.token))],
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        json(&r)
    }
}

fn kinds(events: &[(String, Json, String)]) -> Vec<&str> {
    events.iter().map(|(k, _, _)| k.as_str()).collect()
}

fn assert_all_by_sync(events: &[(String, Json, String)]) {
    for (kind, _, actor) in events {
        assert_eq!(
            actor, "sync",
            "{kind} was written by {actor}, not the sync actor"
        );
    }
}

/// The `synced` event's changes (the last event).
fn synced_changes(events: &[(String, Json, String)]) -> Json {
    let (kind, data, _) = events.last().expect("a synced event");
    assert_eq!(kind, "synced");
    assert_eq!(data["direction"], "pull");
    assert_eq!(data["platform"], "zendesk");
    assert_eq!(data["remote_id"], REMOTE_TICKET);
    data["changes"].clone()
}

#[test]
fn a_pulled_status_walks_the_allowed_path_one_event_per_step() {
    let t = linked();
    let before = t.events().len();
    let out = t.apply(&[pulled("ev-1", NOW - 5_000, status("solved"))]);
    assert_eq!(out, Outcome::Applied { applied: 1 });
    let events = t.new_events(before);
    assert_eq!(
        kinds(&events),
        ["status_changed", "status_changed", "synced"]
    );
    assert_eq!(events[0].1, json!({ "from": "open", "to": "pending" }));
    assert_eq!(events[1].1, json!({ "from": "pending", "to": "resolved" }));
    assert_eq!(synced_changes(&events), json!(["status"]));
    assert_all_by_sync(&events);
    let ticket = t.ticket();
    assert_eq!(ticket["status"], "resolved");
    assert!(ticket["synced_at"].as_i64().is_some());
    let link = t.link();
    // A pull never marks the link dirty: nothing goes back out.
    assert_eq!(
        (link["dirty_seq"].clone(), link["pushed_seq"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(link["state"], "synced");
    assert_eq!(link["pushed_status"], "resolved");
    assert_eq!(link["pushed_waiting"], Json::Null);
    assert_eq!(link["last_pulled_at"], json!(NOW));
}

#[test]
fn a_ticket_waiting_on_the_customer_that_the_platform_calls_open_goes_back_to_the_team() {
    let t = linked();
    t.set_state("pending", true);
    let before = t.events().len();
    t.apply(&[pulled("ev-1", NOW - 5_000, status("open"))]);
    let events = t.new_events(before);
    assert_eq!(kinds(&events), ["waiting_changed", "synced"]);
    assert_eq!(events[0].1, json!({ "from": "customer", "to": "team" }));
    let ticket = t.ticket();
    assert_eq!(
        (
            ticket["status"].clone(),
            ticket["waiting_on_customer"].clone()
        ),
        (json!("pending"), json!(0))
    );
    assert_eq!(t.link()["pushed_waiting"], "team");
}

#[test]
fn a_pulled_pending_leaves_an_open_ticket_waiting_on_the_customer() {
    let t = linked();
    let before = t.events().len();
    t.apply(&[pulled("ev-1", NOW - 5_000, status("pending"))]);
    let events = t.new_events(before);
    assert_eq!(
        kinds(&events),
        ["status_changed", "waiting_changed", "synced"]
    );
    assert_eq!(events[1].1, json!({ "from": "team", "to": "customer" }));
    let ticket = t.ticket();
    assert_eq!(
        (
            ticket["status"].clone(),
            ticket["waiting_on_customer"].clone()
        ),
        (json!("pending"), json!(1))
    );
    assert_eq!(t.link()["pushed_waiting"], "customer");
}

#[test]
fn a_status_out_of_closed_is_recorded_not_applied() {
    let t = linked();
    t.set_state("closed", false);
    let before = t.events().len();
    let out = t.apply(&[pulled("ev-1", NOW - 5_000, status("open"))]);
    assert_eq!(out, Outcome::Applied { applied: 0 });
    let events = t.new_events(before);
    assert_eq!(kinds(&events), ["synced"]);
    assert_eq!(synced_changes(&events), json!(["not_applied: closed"]));
    assert_eq!(t.ticket()["status"], "closed");
}

#[test]
fn a_status_that_already_agrees_changes_nothing() {
    let t = linked();
    let before = t.events().len();
    let out = t.apply(&[pulled("ev-1", NOW - 5_000, status("open"))]);
    assert_eq!(out, Outcome::Applied { applied: 0 });
    assert!(t.new_events(before).is_empty());
    assert_eq!(t.link()["last_pulled_at"], json!(NOW));
}

#[test]
fn a_pulled_priority_is_applied_by_the_sync_actor() {
    let t = linked();
    let before = t.events().len();
    t.apply(&[pulled(
        "ev-1",
        NOW - 5_000,
        PulledChange::Priority(Priority::Urgent),
    )]);
    let events = t.new_events(before);
    assert_eq!(kinds(&events), ["priority_changed", "synced"]);
    assert_eq!(events[0].1, json!({ "from": "normal", "to": "urgent" }));
    assert_eq!(synced_changes(&events), json!(["priority"]));
    assert_all_by_sync(&events);
    assert_eq!(t.ticket()["priority"], "urgent");
    let link = t.link();
    assert_eq!(link["pushed_priority"], "urgent");
    assert_eq!(link["dirty_seq"], json!(1));
}

#[test]
fn a_public_agent_reply_reaches_the_visitors_thread_and_a_private_note_does_not() {
    let t = linked();
    let before = t.events().len();
    let out = t.apply(&[
        pulled(
            "ev-1",
            NOW - 5_000,
            comment("c-1", "We are sending a new printer.", true, false),
        ),
        pulled(
            "ev-2",
            NOW - 4_000,
            comment("c-2", "INTERNAL: warranty expired", false, false),
        ),
    ]);
    assert_eq!(out, Outcome::Applied { applied: 2 });
    let events = t.new_events(before);
    assert_eq!(kinds(&events), ["comment_added", "comment_added", "synced"]);
    assert_eq!(events[0].1, json!({ "visibility": "public" }));
    assert_eq!(events[1].1, json!({ "visibility": "internal" }));
    assert_eq!(synced_changes(&events), json!(["comment", "note"]));
    assert_all_by_sync(&events);
    let thread = t.thread();
    let bodies: Vec<&str> = thread
        .as_array()
        .or_else(|| thread["comments"].as_array())
        .expect("the thread's comments")
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert!(
        bodies.contains(&"We are sending a new printer."),
        "{thread}"
    );
    assert!(!bodies.iter().any(|b| b.contains("INTERNAL")), "{thread}");
    let rows = t.app.rows(
        "SELECT c.visibility, c.author_kind, c.author_name, s.direction, s.remote_comment_id
         FROM ticket_comments c JOIN sync_comments s ON s.comment_id = c.id
         WHERE c.ticket_id = ?1 ORDER BY c.id",
        vec![t.id.as_str().into()],
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["author_kind"], "system");
    assert_eq!(rows[0]["author_name"], "Alex Agent (Zendesk)");
    assert_eq!(rows[0]["visibility"], "public");
    assert_eq!(rows[1]["visibility"], "internal");
    assert_eq!(rows[0]["direction"], "pull");
    assert_eq!(t.link()["dirty_seq"], json!(1));
}

#[test]
fn the_requesters_reply_there_reopens_a_resolved_ticket_as_the_customers_reply() {
    let t = linked();
    t.set_state("resolved", false);
    let before = t.events().len();
    t.apply(&[pulled(
        "ev-1",
        NOW - 5_000,
        comment("c-9", "It is on fire again.", true, true),
    )]);
    let events = t.new_events(before);
    assert_eq!(
        kinds(&events),
        ["comment_added", "status_changed", "synced"]
    );
    assert_eq!(events[1].1, json!({ "from": "resolved", "to": "open" }));
    assert_eq!(synced_changes(&events), json!(["reply"]));
    assert_eq!(t.ticket()["status"], "open");
    let row = &t.app.rows(
        "SELECT author_kind, visibility FROM ticket_comments WHERE ticket_id = ?1",
        vec![t.id.as_str().into()],
    )[0];
    assert_eq!(
        (row["author_kind"].clone(), row["visibility"].clone()),
        (json!("visitor"), json!("public"))
    );
    assert_eq!(t.link()["dirty_seq"], json!(1));
}

#[test]
fn the_requesters_reply_hands_a_ticket_waiting_on_them_back_to_the_team() {
    let t = linked();
    t.set_state("pending", true);
    let before = t.events().len();
    t.apply(&[pulled(
        "ev-1",
        NOW - 5_000,
        comment("c-9", "Here is the photo.", true, true),
    )]);
    let events = t.new_events(before);
    assert_eq!(
        kinds(&events),
        ["comment_added", "waiting_changed", "synced"]
    );
    assert_eq!(t.ticket()["waiting_on_customer"], json!(0));
}

#[test]
fn a_remote_delete_marks_the_link_and_stops_it_and_ours_stays() {
    let t = linked();
    let before = t.events().len();
    t.apply(&[pulled("ev-1", NOW - 5_000, PulledChange::Deleted)]);
    let events = t.new_events(before);
    assert_eq!(kinds(&events), ["synced"]);
    assert_eq!(synced_changes(&events), json!(["deleted"]));
    assert_eq!(t.link()["state"], "deleted");
    assert_eq!(t.ticket()["status"], "open");
    // Nothing more flows through a deleted link.
    let out = t.apply(&[pulled("ev-2", NOW - 4_000, status("solved"))]);
    assert_eq!(out, Outcome::Applied { applied: 0 });
    assert_eq!(t.ticket()["status"], "open");
    assert_eq!(t.events().len(), before + 1);
}

#[test]
fn our_own_push_coming_back_is_not_added_again() {
    let t = linked();
    // A comment we pushed: the push job recorded its remote id.
    run(
        &t.app,
        "INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_name,
                                      body, created_at)
         VALUES (1, ?1, 'public', 'operator', 'Olga', 'On our way.', 1)",
        vec![t.id.as_str().into()],
    );
    run(
        &t.app,
        "INSERT INTO sync_comments (connection_id, remote_comment_id, ticket_id, comment_id,
                                    direction, created_at)
         SELECT 1, 'c-pushed', ticket_id, id, 'push', 1 FROM ticket_comments WHERE ticket_id = ?1",
        vec![t.id.as_str().into()],
    );
    let comments_before = t.app.count("SELECT count(*) FROM ticket_comments");
    let before = t.events().len();
    // By its remote id …
    let by_id = pulled(
        "ev-1",
        NOW - 5_000,
        comment("c-pushed", "On our way.", true, false),
    );
    // … and by its author, our own user there (a status change of ours echoed, too).
    let mut by_author = pulled(
        "ev-2",
        NOW - 4_000,
        comment("c-new", "On our way.", true, false),
    );
    by_author.actor_remote_id = Some(REMOTE_USER.to_owned());
    let mut status_by_us = pulled("ev-3", NOW - 3_000, status("solved"));
    status_by_us.actor_remote_id = Some(REMOTE_USER.to_owned());
    let out = t.apply(&[by_id, by_author, status_by_us]);
    assert_eq!(out, Outcome::Applied { applied: 0 });
    assert_eq!(
        t.app.count("SELECT count(*) FROM ticket_comments"),
        comments_before
    );
    assert!(t.new_events(before).is_empty());
    assert_eq!(t.ticket()["status"], "open");
}

#[test]
fn the_same_event_twice_is_a_duplicate_and_writes_nothing() {
    let t = linked();
    let change = || {
        pulled(
            "ev-1",
            NOW - 5_000,
            comment("c-1", "Hello from Zendesk.", true, false),
        )
    };
    assert_eq!(t.apply(&[change()]), Outcome::Applied { applied: 1 });
    let counts = || {
        (
            t.app.count("SELECT count(*) FROM ticket_comments"),
            t.app.count("SELECT count(*) FROM ticket_events"),
            t.app.count("SELECT count(*) FROM sync_webhook_events"),
            t.link()["last_pulled_at"].clone(),
        )
    };
    let after_first = counts();
    assert_eq!(t.apply(&[change()]), Outcome::Duplicate);
    assert_eq!(counts(), after_first);
    // A new event about the same comment is not a duplicate delivery, but the comment is
    // known: still nothing added.
    let again = pulled(
        "ev-2",
        NOW - 4_000,
        comment("c-1", "Hello from Zendesk.", true, false),
    );
    assert_eq!(t.apply(&[again]), Outcome::Applied { applied: 0 });
    assert_eq!(
        t.app.count("SELECT count(*) FROM ticket_comments"),
        after_first.0
    );
}

#[test]
fn a_webhook_about_a_ticket_we_do_not_link_is_taken_and_applies_nothing() {
    let t = linked();
    let mut other = pulled("ev-1", NOW - 5_000, status("solved"));
    other.remote_ticket_id = "99999".to_owned();
    assert_eq!(t.apply(&[other.clone()]), Outcome::Applied { applied: 0 });
    assert_eq!(t.ticket()["status"], "open");
    assert_eq!(t.apply(&[other]), Outcome::Duplicate);
}

#[test]
fn conflict_a_later_local_change_not_yet_pushed_keeps_ours_and_both_are_recorded() {
    let t = linked();
    // The platform solved it at NOW - 60 s; we moved it to pending at NOW - 30 s, not pushed.
    t.local_status_change("open", "pending", NOW - 30_000);
    let dirty = t.link()["dirty_seq"].clone();
    assert_eq!(dirty, json!(2), "the local change marked the link dirty");
    let before = t.events().len();
    let out = t.apply(&[pulled("ev-1", NOW - 60_000, status("solved"))]);
    assert_eq!(out, Outcome::Applied { applied: 0 });
    let events = t.new_events(before);
    assert_eq!(kinds(&events), ["synced"]);
    assert_eq!(synced_changes(&events), json!(["status: kept ours"]));
    assert_eq!(t.ticket()["status"], "pending");
    let link = t.link();
    // The remote side has theirs: the push still owes ours and will send it.
    assert_eq!(link["pushed_status"], "resolved");
    assert_eq!(link["dirty_seq"], dirty);
    assert_eq!(link["pushed_seq"], json!(1));
}

#[test]
fn conflict_a_later_remote_change_wins_and_the_push_does_not_resend_ours() {
    let t = linked();
    // We moved it to pending at NOW - 60 s, not pushed; the platform solved it at NOW - 30 s.
    t.local_status_change("open", "pending", NOW - 60_000);
    let before = t.events().len();
    let out = t.apply(&[pulled("ev-1", NOW - 30_000, status("solved"))]);
    assert_eq!(out, Outcome::Applied { applied: 1 });
    let events = t.new_events(before);
    assert_eq!(kinds(&events), ["status_changed", "synced"]);
    assert_eq!(events[0].1, json!({ "from": "pending", "to": "resolved" }));
    assert_eq!(t.ticket()["status"], "resolved");
    assert_eq!(t.link()["pushed_status"], "resolved");
}

#[test]
fn without_a_local_change_owed_a_pull_is_applied_whatever_the_times() {
    let t = linked();
    // An old local change, already pushed (pushed_seq caught up).
    t.local_status_change("open", "pending", NOW - 10_000);
    run(
        &t.app,
        "UPDATE sync_links SET pushed_seq = dirty_seq",
        vec![],
    );
    t.apply(&[pulled("ev-1", NOW - 60_000, status("solved"))]);
    assert_eq!(t.ticket()["status"], "resolved");
}

#[test]
fn the_upkeep_forgets_deliveries_after_a_week() {
    let t = linked();
    t.apply(&[pulled("ev-1", NOW - 5_000, status("open"))]);
    assert_eq!(t.app.count("SELECT count(*) FROM sync_webhook_events"), 1);
    let soon = Timestamp::from_millis(NOW + 24 * 3_600_000);
    let kept = pollster::block_on(maintenance::expire(t.app.db(), soon)).unwrap();
    assert_eq!(kept.sync_webhook_events, 0);
    let later = Timestamp::from_millis(NOW + maintenance::SYNC_WEBHOOK_EVENT_TTL_MS + 1);
    let gone = pollster::block_on(maintenance::expire(t.app.db(), later)).unwrap();
    assert_eq!(gone.sync_webhook_events, 1);
    assert_eq!(t.app.count("SELECT count(*) FROM sync_webhook_events"), 0);
}

// --- The route's answers that need no connector -----------------------------------------

fn hook(app: &TestApp, path: &str, body: Body) -> ticketbooth_functions::http::Response {
    app.send("POST", path, &[("content-type", "application/json")], body)
}

#[test]
fn a_webhook_for_an_unknown_or_disconnected_connection_is_not_found() {
    let t = linked();
    let body = || Body::Bytes(b"{}".to_vec());
    let r = hook(&t.app, "/api/v1/sync/2/webhook", body());
    assert_eq!(error_code(&r, 404), "not_found");
    for bad in ["0", "-1", "abc", "1e3", "9999999999999999"] {
        let r = hook(&t.app, &format!("/api/v1/sync/{bad}/webhook"), body());
        assert_eq!(error_code(&r, 404), "not_found", "{bad}");
    }
    run(
        &t.app,
        "UPDATE sync_connections SET disconnected_at = 1",
        vec![],
    );
    let r = hook(&t.app, "/api/v1/sync/1/webhook", body());
    assert_eq!(error_code(&r, 404), "not_found");
}

#[test]
fn a_webhook_before_a_secret_is_set_is_refused() {
    let t = linked_with(false);
    let r = hook(
        &t.app,
        "/api/v1/sync/1/webhook",
        Body::Bytes(b"{}".to_vec()),
    );
    assert_eq!(error_code(&r, 401), "webhook_secret_missing");
    assert_eq!(t.app.count("SELECT count(*) FROM sync_webhook_events"), 0);
}

#[test]
fn an_oversized_webhook_is_refused_unread() {
    let t = linked();
    assert!(t.app.admits_body("POST", "/api/v1/sync/1/webhook", &[]));
    let r = hook(&t.app, "/api/v1/sync/1/webhook", Body::TooLarge);
    assert_eq!(error_code(&r, 413), "payload_too_large");
}

#[test]
fn the_webhook_route_takes_post_only_and_grants_no_cors() {
    let t = linked();
    let r = t.app.get(
        "/api/v1/sync/1/webhook",
        &[("origin", "https://acme.example")],
    );
    assert_eq!(error_code(&r, 405), "method_not_allowed");
    assert_eq!(r.header("allow"), Some("POST"));
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[test]
fn conflict_a_later_local_priority_not_yet_pushed_is_kept() {
    let t = linked();
    run(
        &t.app,
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         VALUES (1, ?1, 'priority_changed', '{\"from\":\"normal\",\"to\":\"high\"}',
                 '{\"type\":\"operator\",\"operator_id\":\"op\"}', ?2)",
        vec![t.id.as_str().into(), (NOW - 30_000).into()],
    );
    run(
        &t.app,
        "UPDATE tickets SET priority = 'high' WHERE id = ?1",
        vec![t.id.as_str().into()],
    );
    let before = t.events().len();
    let older = pulled("ev-1", NOW - 60_000, PulledChange::Priority(Priority::Low));
    assert_eq!(t.apply(&[older]), Outcome::Applied { applied: 0 });
    let events = t.new_events(before);
    assert_eq!(synced_changes(&events), json!(["priority: kept ours"]));
    assert_eq!(t.ticket()["priority"], "high");
    assert_eq!(t.link()["pushed_priority"], "low");
    let newer = pulled("ev-2", NOW - 10_000, PulledChange::Priority(Priority::Low));
    assert_eq!(t.apply(&[newer]), Outcome::Applied { applied: 1 });
    assert_eq!(t.ticket()["priority"], "low");
}
