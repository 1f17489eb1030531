//! The ticket actions over SQLite with the real migrations: each writes its state and its event
//! in one batch, or nothing; every refusal (transition, permission, stale edit, bad input)
//! leaves the ticket exactly as it was.

use serde_json::Value as Json;
use ticketbooth_functions::service::ServiceError;
use ticketbooth_functions::service::operators::{Credential, Operator};
use ticketbooth_functions::service::ticket_actions::{self, Change, Comment, Outcome};
use ticketbooth_functions::sql::{ticket_events, tickets as tickets_sql};
use ticketbooth_functions::store::{Executor, StoreError, Value};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::{Actor, CommentVisibility, EventKind};
use ticketbooth_shared::label::Label;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::sync_ref::{RemoteId, SyncPlatform};
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::ticket_text::Subject;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::{Priority, Status};

use crate::{TestApp, ticket_body};

pub const OWNER: &str = "000000000000000000000000000000a1";
pub const MEMBER: &str = "000000000000000000000000000000b2";
pub const OTHER_MEMBER: &str = "000000000000000000000000000000c3";
pub const GUEST: &str = "000000000000000000000000000000d4";
/// A member of site 2 only.
pub const STRANGER: &str = "000000000000000000000000000000e5";

/// Far after the test app's clock, so every action is later than the ticket's creation.
const LATER: i64 = 1_900_000_000_000;

/// `TestApp` with four operators on `acme` (site 1) and one on `strict`, and `n` widget
/// tickets on `acme` (TKT-1…).
pub fn spawn(n: usize) -> TestApp {
    let app = TestApp::spawn();
    app.db()
        .execute_script(&format!(
            "INSERT INTO operators (id, email, name, created_at) VALUES
               ('{OWNER}', 'ann@acme.example', 'Ann Owner', 0),
               ('{MEMBER}', 'max@acme.example', 'Max Member', 0),
               ('{OTHER_MEMBER}', 'mia@acme.example', 'Mia Member', 0),
               ('{GUEST}', 'gus@acme.example', 'Gus Guest', 0),
               ('{STRANGER}', 'sam@strict.example', 'Sam Stranger', 0);
             INSERT INTO site_members (site_id, operator_id, role, created_at) VALUES
               (1, '{OWNER}', 'owner', 0), (1, '{MEMBER}', 'member', 0),
               (1, '{OTHER_MEMBER}', 'member', 0), (1, '{GUEST}', 'guest', 0),
               (2, '{STRANGER}', 'member', 0);"
        ))
        .unwrap();
    for i in 0..n {
        let r = app.create(
            "acme",
            &format!("00000000-0000-4000-8000-{i:012}"),
            &ticket_body("Printer"),
            &[],
        );
        assert_eq!(r.status, 201);
    }
    app
}

pub fn operator(id: &str, role: Role) -> Operator {
    let (site_id, site_key) = if id == STRANGER {
        (2, "strict")
    } else {
        (1, "acme")
    };
    Operator {
        id: id.into(),
        name: format!("name of {id}"),
        role,
        site_id,
        site_key: SiteKey::parse(site_key).unwrap(),
        site_name: site_key.into(),
        credential: Credential::Bearer,
        csrf_token: String::new(),
        email: format!("{id}@example.com"),
        sites: Vec::new(),
    }
}

fn code(n: u32) -> TicketCode {
    TicketCode::parse(&format!("TKT-{n}")).unwrap()
}

fn act(app: &TestApp, op: &Operator, n: u32, change: Change) -> Result<Outcome, ServiceError> {
    act_at(app, op, n, change, LATER)
}

fn act_at(
    app: &TestApp,
    op: &Operator,
    n: u32,
    change: Change,
    at: i64,
) -> Result<Outcome, ServiceError> {
    pollster::block_on(ticket_actions::apply(
        app.db(),
        op,
        &code(n),
        None,
        change,
        Timestamp::from_millis(at),
    ))
}

/// Everything about ticket `n`: its row, events, comments and labels. Two equal snapshots
/// mean nothing was written.
pub fn snapshot(app: &TestApp, n: u32) -> Json {
    let code = Value::from(format!("TKT-{n}"));
    let q = |sql: &'static str| {
        Json::Array(
            app.rows(sql, vec![code.clone()])
                .into_iter()
                .map(Json::Object)
                .collect(),
        )
    };
    serde_json::json!({
        "ticket": q("SELECT * FROM tickets WHERE site_id = 1 AND code = ?1"),
        "events": q("SELECT e.* FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.code = ?1 ORDER BY e.id"),
        "comments": q("SELECT c.* FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id WHERE t.code = ?1"),
        "labels": q("SELECT l.* FROM ticket_labels l JOIN tickets t ON t.id = l.ticket_id WHERE t.code = ?1"),
    })
}

fn field(app: &TestApp, n: u32, column: &str) -> Json {
    snapshot(app, n)["ticket"][0][column].clone()
}

fn kinds(app: &TestApp, n: u32) -> Vec<String> {
    snapshot(app, n)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn status(to: Status) -> Change {
    Change::Status { to, comment: None }
}

fn comment(visibility: CommentVisibility, body: &str) -> Comment {
    Comment {
        visibility,
        body: CommentBody::parse(body).unwrap(),
    }
}

#[test]
fn the_status_walk_stamps_resolved_and_closed_and_each_step_is_an_event() {
    let app = spawn(1);
    let owner = operator(OWNER, Role::Owner);
    let steps = [
        (Status::Pending, LATER),
        (Status::Open, LATER + 1000),
        (Status::Pending, LATER + 2000),
        (Status::Resolved, LATER + 3000),
    ];
    for (to, at) in steps {
        assert_eq!(
            act_at(&app, &owner, 1, status(to), at),
            Ok(Outcome::Changed)
        );
        assert_eq!(field(&app, 1, "status"), to.as_str());
        assert_eq!(field(&app, 1, "updated_at"), at);
    }
    assert_eq!(field(&app, 1, "resolved_at"), LATER + 3000);
    // Reopening clears the resolution; resolving again stamps the new one.
    act_at(&app, &owner, 1, status(Status::Open), LATER + 4000).unwrap();
    assert_eq!(field(&app, 1, "resolved_at"), Json::Null);
    act_at(&app, &owner, 1, status(Status::Pending), LATER + 5000).unwrap();
    act_at(&app, &owner, 1, status(Status::Resolved), LATER + 6000).unwrap();
    let note = comment(CommentVisibility::Public, "Fixed, closing.");
    let close = Change::Status {
        to: Status::Closed,
        comment: Some(note),
    };
    act_at(&app, &owner, 1, close, LATER + 7000).unwrap();
    let s = snapshot(&app, 1);
    assert_eq!(s["ticket"][0]["closed_at"], LATER + 7000);
    assert_eq!(s["ticket"][0]["resolved_at"], LATER + 6000);
    assert_eq!(s["comments"][0]["body"], "Fixed, closing.");
    assert_eq!(s["comments"][0]["visibility"], "public");
    let mut expected = vec!["created".to_owned()];
    expected.extend(std::iter::repeat_n("status_changed".to_owned(), 8));
    expected.push("comment_added".into());
    assert_eq!(kinds(&app, 1), expected);
    let last_status = &s["events"][8];
    assert_eq!(
        last_status["data"], r#"{"from":"resolved","to":"closed"}"#,
        "old → new is recorded"
    );
    let actor: Json = serde_json::from_str(last_status["actor"].as_str().unwrap()).unwrap();
    assert_eq!(
        actor,
        serde_json::json!({ "type": "operator", "operator_id": OWNER })
    );

    // Closed is final: refused, and nothing is written.
    let before = snapshot(&app, 1);
    let refused = act(&app, &owner, 1, status(Status::Open));
    assert!(matches!(refused, Err(ServiceError::TransitionRefused(e)) if e.from == Status::Closed));
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn every_action_writes_its_state_and_its_event_together() {
    let app = spawn(1);
    let owner = operator(OWNER, Role::Owner);
    let future = Timestamp::from_millis(LATER + 86_400_000);
    type Case = (Change, &'static str, fn(&Json) -> bool);
    let cases: Vec<Case> = vec![
        (
            Change::Priority(Priority::Urgent),
            "priority_changed",
            |t| t["priority"] == "urgent",
        ),
        (Change::Assign(Some(MEMBER.into())), "assigned", |t| {
            t["assignee_id"] == MEMBER
        }),
        (
            Change::Edit {
                subject: Some(Subject::parse("Printer on fire").unwrap()),
                description: None,
            },
            "updated",
            |t| t["subject"] == "Printer on fire",
        ),
        (
            Change::AddLabel(Label::parse("Hardware").unwrap()),
            "label_added",
            |_| true,
        ),
        (
            Change::Comment(comment(CommentVisibility::Internal, "Asked IT.")),
            "comment_added",
            |_| true,
        ),
        (Change::Snooze(Some(future)), "snoozed", |t| {
            t["snoozed_until"] == LATER + 86_400_000
        }),
        (Change::Spam(true), "spam_marked", |t| t["is_spam"] == 1),
        (
            Change::Sync {
                platform: SyncPlatform::parse("Jira").unwrap(),
                remote_id: RemoteId::parse("SUP-9").unwrap(),
            },
            "synced",
            |t| t["sync_platform"] == "jira" && t["sync_remote_id"] == "SUP-9",
        ),
        (
            Change::RemoveLabel(Label::parse("hardware").unwrap()),
            "label_removed",
            |_| true,
        ),
    ];
    for (i, (change, kind, state)) in cases.into_iter().enumerate() {
        let at = LATER + i as i64 * 1000;
        let before = snapshot(&app, 1);
        let described = format!("{change:?}");
        assert_eq!(
            act_at(&app, &owner, 1, change, at),
            Ok(Outcome::Changed),
            "{described}"
        );
        let after = snapshot(&app, 1);
        let ticket = &after["ticket"][0];
        assert!(state(ticket), "{described}: {ticket}");
        assert_eq!(ticket["updated_at"], at, "{described}");
        let events = after["events"].as_array().unwrap();
        assert_eq!(
            events.len(),
            before["events"].as_array().unwrap().len() + 1,
            "{described}"
        );
        assert_eq!(events.last().unwrap()["kind"], kind, "{described}");
        assert_eq!(events.last().unwrap()["created_at"], at, "{described}");
    }
    let s = snapshot(&app, 1);
    assert_eq!(s["labels"], serde_json::json!([]));
    assert_eq!(s["comments"][0]["author_name"], format!("name of {OWNER}"));
    assert_eq!(s["comments"][0]["visibility"], "internal");
    assert_eq!(s["events"][3]["data"], r#"{"fields":["subject"]}"#);
}

#[test]
fn asking_for_what_already_is_writes_nothing() {
    let app = spawn(1);
    let owner = operator(OWNER, Role::Owner);
    act(
        &app,
        &owner,
        1,
        Change::AddLabel(Label::parse("vip").unwrap()),
    )
    .unwrap();
    let before = snapshot(&app, 1);
    for change in [
        Change::Priority(Priority::Normal),
        Change::Assign(None),
        Change::AddLabel(Label::parse("VIP").unwrap()),
        Change::RemoveLabel(Label::parse("other").unwrap()),
        Change::Spam(false),
        Change::Snooze(None),
        Change::Edit {
            subject: Some(Subject::parse(" Printer ").unwrap()),
            description: None,
        },
    ] {
        let described = format!("{change:?}");
        assert_eq!(
            act(&app, &owner, 1, change),
            Ok(Outcome::Unchanged),
            "{described}"
        );
    }
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn a_member_works_their_own_and_unassigned_tickets_only() {
    let app = spawn(2);
    let owner = operator(OWNER, Role::Owner);
    let member = operator(MEMBER, Role::Member);
    // Unassigned: the member may take it, then work it.
    act(&app, &member, 1, Change::Assign(Some(MEMBER.into()))).unwrap();
    act_at(&app, &member, 1, status(Status::Pending), LATER + 1).unwrap();
    // Someone else's: refused for every change, and nothing is written.
    act(&app, &owner, 2, Change::Assign(Some(OTHER_MEMBER.into()))).unwrap();
    let before = snapshot(&app, 2);
    for change in [
        status(Status::Pending),
        Change::Priority(Priority::High),
        Change::Assign(Some(MEMBER.into())),
        Change::Comment(comment(CommentVisibility::Internal, "mine now")),
        Change::AddLabel(Label::parse("x").unwrap()),
        Change::Spam(true),
        Change::Delete,
    ] {
        let described = format!("{change:?}");
        assert!(
            matches!(act(&app, &member, 2, change), Err(ServiceError::Forbidden)),
            "{described}"
        );
    }
    assert_eq!(snapshot(&app, 2), before);
    // Even their own ticket a member may not delete.
    assert!(matches!(
        act(&app, &member, 1, Change::Delete),
        Err(ServiceError::Forbidden)
    ));
}

#[test]
fn a_guest_changes_nothing() {
    let app = spawn(1);
    let guest = operator(GUEST, Role::Guest);
    let before = snapshot(&app, 1);
    for change in [
        status(Status::Pending),
        Change::Comment(comment(CommentVisibility::Internal, "hm")),
        Change::Assign(Some(GUEST.into())),
        Change::Delete,
    ] {
        assert!(matches!(
            act(&app, &guest, 1, change),
            Err(ServiceError::Forbidden)
        ));
    }
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn assignees_must_work_tickets_on_this_site() {
    let app = spawn(1);
    let owner = operator(OWNER, Role::Owner);
    let before = snapshot(&app, 1);
    for who in [STRANGER, GUEST, "ffffffffffffffffffffffffffffffff"] {
        assert!(matches!(
            act(&app, &owner, 1, Change::Assign(Some(who.into()))),
            Err(ServiceError::AssigneeNotMember)
        ));
    }
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn another_sites_operator_finds_nothing() {
    let app = spawn(1);
    let stranger = operator(STRANGER, Role::Owner);
    let before = snapshot(&app, 1);
    assert!(matches!(
        act(&app, &stranger, 1, Change::Delete),
        Err(ServiceError::TicketNotFound)
    ));
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn a_stale_edit_is_refused_and_writes_nothing() {
    let app = spawn(1);
    let owner = operator(OWNER, Role::Owner);
    let seen = field(&app, 1, "updated_at").as_i64().unwrap();
    act(&app, &owner, 1, Change::Priority(Priority::High)).unwrap();
    let before = snapshot(&app, 1);
    let stale = pollster::block_on(ticket_actions::apply(
        app.db(),
        &owner,
        &code(1),
        Some(seen),
        status(Status::Pending),
        Timestamp::from_millis(LATER + 5000),
    ));
    assert!(matches!(stale, Err(ServiceError::StaleEdit)));
    assert_eq!(snapshot(&app, 1), before);

    // The race the early check cannot see: the guard statement itself refuses the batch when
    // the version moved between the read and the write, and rolls back what followed it.
    let id = before["ticket"][0]["id"].as_str().unwrap().to_owned();
    let actor = Actor::Operator {
        operator_id: OWNER.into(),
    };
    let event = EventKind::StatusChanged {
        from: Status::Open,
        to: Status::Pending,
    };
    let raced = pollster::block_on(app.db().batch(vec![
        ticket_events::insert_guarded(1, &id, &event, &actor, LATER + 9, seen).unwrap(),
        tickets_sql::set_status(1, &id, "pending", LATER + 9),
    ]));
    assert!(
        matches!(raced, Err(StoreError::CheckViolation(_))),
        "{raced:?}"
    );
    assert_eq!(snapshot(&app, 1), before);
    // With the current version the same batch goes through.
    let current = before["ticket"][0]["updated_at"].as_i64().unwrap();
    pollster::block_on(app.db().batch(vec![
        ticket_events::insert_guarded(1, &id, &event, &actor, LATER + 9, current).unwrap(),
        tickets_sql::set_status(1, &id, "pending", LATER + 9),
    ]))
    .unwrap();
    assert_eq!(field(&app, 1, "status"), "pending");
}

#[test]
fn two_edits_in_one_millisecond_still_get_distinct_versions() {
    let app = spawn(1);
    let owner = operator(OWNER, Role::Owner);
    act_at(&app, &owner, 1, Change::Priority(Priority::High), LATER).unwrap();
    let first = field(&app, 1, "updated_at").as_i64().unwrap();
    act_at(&app, &owner, 1, Change::Priority(Priority::Low), LATER).unwrap();
    assert_eq!(field(&app, 1, "updated_at"), first + 1);
}

#[test]
fn snoozes_end_in_the_future_and_wake_on_their_own() {
    let app = spawn(1);
    let owner = operator(OWNER, Role::Owner);
    let before = snapshot(&app, 1);
    let past = Change::Snooze(Some(Timestamp::from_millis(LATER - 1)));
    assert!(matches!(
        act(&app, &owner, 1, past),
        Err(ServiceError::SnoozeInPast)
    ));
    assert_eq!(snapshot(&app, 1), before);
    let until = Timestamp::from_millis(LATER + 60_000);
    act(&app, &owner, 1, Change::Snooze(Some(until))).unwrap();
    // After the time passed the ticket is awake already: waking it is no change.
    assert_eq!(
        act_at(&app, &owner, 1, Change::Snooze(None), LATER + 60_001),
        Ok(Outcome::Unchanged)
    );
    // Before, waking it writes `snoozed {until_ms: null}`.
    let again = Timestamp::from_millis(LATER + 120_000);
    act_at(&app, &owner, 1, Change::Snooze(Some(again)), LATER + 70_000).unwrap();
    act_at(&app, &owner, 1, Change::Snooze(None), LATER + 80_000).unwrap();
    assert_eq!(field(&app, 1, "snoozed_until"), Json::Null);
    let s = snapshot(&app, 1);
    assert_eq!(
        s["events"].as_array().unwrap().last().unwrap()["data"],
        r#"{"until_ms":null}"#
    );
}

#[test]
fn delete_removes_the_ticket_and_everything_on_it_in_one_batch() {
    let app = spawn(2);
    let owner = operator(OWNER, Role::Owner);
    act(
        &app,
        &owner,
        1,
        Change::AddLabel(Label::parse("a").unwrap()),
    )
    .unwrap();
    let note = Change::Comment(comment(CommentVisibility::Internal, "x"));
    act_at(&app, &owner, 1, note, LATER + 1).unwrap();
    let other = snapshot(&app, 2);
    assert_eq!(
        act_at(
            &app,
            &operator(OWNER, Role::Admin),
            1,
            Change::Delete,
            LATER + 2
        ),
        Ok(Outcome::Deleted)
    );
    for table in [
        "SELECT COUNT(*) FROM tickets WHERE code = 'TKT-1'",
        "SELECT COUNT(*) FROM ticket_comments",
        "SELECT COUNT(*) FROM ticket_labels",
        "SELECT COUNT(*) FROM idempotency_keys WHERE key = '00000000-0000-4000-8000-000000000000'",
    ] {
        assert_eq!(app.count(table), 0, "{table}");
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM ticket_events WHERE ticket_id NOT IN (SELECT id FROM tickets)"
        ),
        0
    );
    assert_eq!(snapshot(&app, 2), other, "the other ticket is untouched");
    assert!(matches!(
        act(&app, &owner, 1, Change::Delete),
        Err(ServiceError::TicketNotFound)
    ));
}
