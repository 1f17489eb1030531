//! Creating tickets: numbering, idempotency, validation, contact rules, one atomic batch.

use serde_json::json;
use ticketbooth_functions::store::Value;

use crate::{TestApp, error_code, json, ticket_body};

const KEY: &str = "3f2b8c1e-2f4e-4d2a-9a4b-1c2d3e4f5a6b";

#[test]
fn create_returns_the_ticket_its_code_and_a_token_and_writes_one_event() {
    let app = TestApp::spawn();
    let response = app.create("acme", KEY, &ticket_body(" Printer on fire "), &[]);
    assert_eq!(response.status, 201);
    let body = json(&response);
    let ticket = &body["ticket"];
    assert_eq!(ticket["code"], "TKT-1");
    assert_eq!(ticket["subject"], "Printer on fire");
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["status_label"], "Received");
    assert!(
        body["visitor_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("v2."))
    );

    let rows = app.rows(
        "SELECT t.site_id, t.number, t.source, t.status, t.priority, t.assignee_id, e.kind, e.data, e.actor
         FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id WHERE t.id = ?1",
        vec![Value::from(ticket["id"].as_str().unwrap())],
    );
    assert_eq!(rows.len(), 1, "exactly one event");
    let row = &rows[0];
    assert_eq!(
        (row["site_id"].as_i64(), row["number"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (row["source"].as_str(), row["status"].as_str()),
        (Some("widget"), Some("open"))
    );
    assert_eq!(row["priority"], "normal");
    assert!(
        row["assignee_id"].is_null(),
        "a visitor's ticket has no assignee"
    );
    assert_eq!(row["kind"], "created");
    assert_eq!(row["data"], r#"{"source":"widget"}"#);
    assert!(
        row["actor"]
            .as_str()
            .unwrap()
            .contains(r#""type":"visitor""#)
    );
}

#[test]
fn numbers_are_gapless_per_site_and_use_the_site_prefix() {
    let app = TestApp::spawn();
    let contact =
        json!({ "subject": "s", "requester": { "name": "Ada", "email": "ada@example.com" } });
    for n in 1..=5 {
        let r = app.create(
            "acme",
            &format!("00000000-0000-4000-8000-0000000000a{n}"),
            &ticket_body("s"),
            &[],
        );
        assert_eq!(json(&r)["ticket"]["code"], format!("TKT-{n}"));
    }
    // A refused create in between takes no number.
    assert_eq!(
        error_code(
            &app.create(
                "acme",
                "00000000-0000-4000-8000-0000000000ab",
                &ticket_body(""),
                &[]
            ),
            422
        ),
        "validation_failed"
    );
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-0000000000a6",
        &ticket_body("s"),
        &[],
    );
    assert_eq!(json(&r)["ticket"]["code"], "TKT-6");
    // Another site counts from 1 with its own prefix.
    let r = app.create(
        "strict",
        "00000000-0000-4000-8000-0000000000b1",
        &contact,
        &[],
    );
    assert_eq!(json(&r)["ticket"]["code"], "STR-1");
    assert_eq!(
        app.count("SELECT next_ticket_number FROM sites WHERE key = 'acme'"),
        7
    );
}

#[test]
fn a_replay_returns_the_same_ticket_and_writes_nothing() {
    let app = TestApp::spawn();
    let first = app.create("acme", KEY, &ticket_body("Refund"), &[]);
    assert_eq!(first.status, 201);
    // Same request, different JSON whitespace and surrounding spaces: still a replay.
    let replay = app.create(
        "acme",
        KEY,
        &json!({ "description": "The printer is on fire.  ", "subject": "Refund " }),
        &[],
    );
    assert_eq!(replay.status, 200);
    // The request alone is not a credential: the same ticket, without the visitor's token.
    let mut expected = json(&first);
    let token = expected
        .as_object_mut()
        .unwrap()
        .remove("visitor_token")
        .unwrap();
    assert_eq!(json(&replay), expected, "same ticket, no token");
    // Whoever already holds the visitor's token gets it back.
    let auth = format!("Bearer {}", token.as_str().unwrap());
    let proven = app.create(
        "acme",
        KEY,
        &ticket_body("Refund"),
        &[("authorization", &auth)],
    );
    assert_eq!(proven.status, 200);
    assert_eq!(json(&proven)["ticket"], expected["ticket"]);
    assert!(json(&proven)["visitor_token"].is_string());
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket_events"), 1);
    assert_eq!(
        app.count("SELECT next_ticket_number FROM sites WHERE key = 'acme'"),
        2
    );
}

#[test]
fn a_key_reused_with_another_body_is_refused_and_changes_nothing() {
    let app = TestApp::spawn();
    assert_eq!(
        app.create("acme", KEY, &ticket_body("Refund"), &[]).status,
        201
    );
    let other = app.create("acme", KEY, &ticket_body("Something else"), &[]);
    assert_eq!(error_code(&other, 422), "idempotency_key_reused");
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    assert_eq!(
        app.count("SELECT next_ticket_number FROM sites WHERE key = 'acme'"),
        2
    );
}

#[test]
fn keys_are_scoped_to_their_site() {
    let app = TestApp::spawn();
    let contact =
        json!({ "subject": "Refund", "requester": { "name": "Ada", "email": "ada@example.com" } });
    assert_eq!(app.create("acme", KEY, &contact, &[]).status, 201);
    let other_site = app.create("strict", KEY, &contact, &[]);
    assert_eq!(
        other_site.status, 201,
        "the same key on another site is another ticket"
    );
    assert_eq!(json(&other_site)["ticket"]["code"], "STR-1");
}

#[test]
fn the_idempotency_key_is_required_and_checked() {
    let app = TestApp::spawn();
    let body = ticket_body("s").to_string().into_bytes();
    let headers = [("content-type", "application/json")];
    let r = app.send(
        "POST",
        "/api/v1/sites/acme/tickets",
        &headers,
        ticketbooth_functions::http::Body::Bytes(body),
    );
    assert_eq!(error_code(&r, 400), "idempotency_key_required");
    // Not a UUID v4: too short, a made-up label, and a v7 (74 random bits, not 122).
    for key in [
        "short",
        "key-0000001-of-my-own-making",
        "019ab3c4-5d6e-7f80-9a4b-1c2d3e4f5a6b",
    ] {
        assert_eq!(
            error_code(&app.create("acme", key, &ticket_body("s"), &[]), 400),
            "idempotency_key_invalid",
            "{key}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);
}

#[test]
fn validation_reports_every_field_and_writes_nothing() {
    let app = TestApp::spawn();
    let body = json!({ "subject": "  ", "description": "x".repeat(20_001), "requester": { "email": "nope" } });
    let r = app.create("acme", KEY, &body, &[]);
    assert_eq!(error_code(&r, 422), "validation_failed");
    let fields = json(&r)["error"]["fields"].clone();
    assert_eq!(fields["subject"], "This field is required.");
    assert_eq!(
        fields["description"],
        "This field is too long (at most 20000 characters)."
    );
    assert_eq!(
        fields["requester.email"],
        "Enter a valid email address, like name@example.com."
    );
    assert!(
        fields.get("requester.name").is_none(),
        "name is optional on this site"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM idempotency_keys"), 0);
    // The key was not burnt: the corrected draft goes through with it.
    assert_eq!(
        app.create("acme", KEY, &ticket_body("Fixed"), &[]).status,
        201
    );
}

#[test]
fn contact_info_is_enforced_on_sites_that_require_it() {
    let app = TestApp::spawn();
    let r = app.create("strict", KEY, &ticket_body("Refund"), &[]);
    assert_eq!(error_code(&r, 422), "validation_failed");
    let fields = json(&r)["error"]["fields"].clone();
    assert_eq!(fields["requester.name"], "This field is required.");
    assert_eq!(fields["requester.email"], "This field is required.");

    let with_contact =
        json!({ "subject": "Refund", "requester": { "name": "Ada", "email": "Ada@Example.com" } });
    let r = app.create("strict", KEY, &with_contact, &[]);
    assert_eq!(r.status, 201);
    let stored = app.rows(
        "SELECT requester_name, requester_email FROM tickets",
        vec![],
    );
    assert_eq!(stored[0]["requester_name"], "Ada");
    assert_eq!(stored[0]["requester_email"], "Ada@example.com");
}

#[test]
fn the_transcript_travels_with_the_ticket() {
    let app = TestApp::spawn();
    let body = json!({ "subject": "Refund", "transcript": [
        { "author": "visitor", "text": "Hi, I was charged twice" },
        { "author": "bot", "text": "Let me open a ticket." }
    ]});
    assert_eq!(app.create("acme", KEY, &body, &[]).status, 201);
    let stored = app.rows("SELECT transcript FROM tickets", vec![]);
    let transcript: serde_json::Value =
        serde_json::from_str(stored[0]["transcript"].as_str().unwrap()).unwrap();
    assert_eq!(
        transcript[1],
        json!({ "author": "bot", "text": "Let me open a ticket." })
    );
}

#[test]
fn a_site_with_ticketing_off_refuses_creates() {
    let app = TestApp::spawn();
    assert_eq!(
        error_code(&app.create("off", KEY, &ticket_body("s"), &[]), 403),
        "ticketing_disabled"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);
}

#[test]
fn a_failing_statement_rolls_back_the_whole_batch_and_leaks_nothing() {
    let app = TestApp::spawn();
    // Sabotage: a ticket already holds the number the counter will hand out next.
    app.db()
        .execute_script(
            "INSERT INTO tickets (id, site_id, number, code, subject, source, created_at, updated_at)
             VALUES ('ffffffffffffffffffffffffffffffff', 1, 1, 'TKT-1', 'old', 'api', 0, 0);",
        )
        .unwrap();
    let r = app.create("acme", KEY, &ticket_body("s"), &[]);
    assert_eq!(error_code(&r, 500), "internal");
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert!(
        !body.contains("UNIQUE") && !body.contains("tickets"),
        "database text leaked: {body}"
    );
    assert!(
        r.log.as_deref().is_some_and(|l| l.contains("UNIQUE")),
        "the detail goes to the log"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM idempotency_keys"),
        0,
        "key claim rolled back"
    );
    assert_eq!(
        app.count("SELECT next_ticket_number FROM sites WHERE key = 'acme'"),
        1,
        "counter rolled back"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket_events"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
}

#[test]
fn a_missing_secret_fails_token_routes_loudly_but_not_health() {
    let app = TestApp::with_secret("too-short");
    let r = app.create("acme", KEY, &ticket_body("s"), &[]);
    assert_eq!(error_code(&r, 500), "internal");
    assert!(
        r.log
            .as_deref()
            .is_some_and(|l| l.contains("VISITOR_TOKEN_SECRET"))
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tickets"),
        0,
        "refused before writing"
    );
    assert_eq!(app.get("/healthz", &[]).status, 200);
}

#[test]
fn migration_0020_marks_the_transcripts_browsers_sent_before_it() {
    let app = TestApp::spawn();
    let with_transcript = json!({ "subject": "Refund", "transcript": [
        { "author": "operator", "text": "Refund approved" }
    ]});
    for (n, body) in [
        (1, &with_transcript),
        (2, &with_transcript),
        (3, &with_transcript),
        (4, &ticket_body("No transcript")),
        (5, &with_transcript),
    ] {
        let key = format!("00000000-0000-4000-8000-00000000e00{n}");
        assert_eq!(app.create("acme", &key, body, &[]).status, 201);
    }
    // As the tickets of before the column: TKT-2 was created from a conversation (linked in
    // its create batch, at its own `created_at`), TKT-3 had one attached later, TKT-5 is an
    // operator's.
    app.db()
        .execute_script(
            "UPDATE tickets SET transcript_from_visitor = 0;
             UPDATE tickets SET source = 'operator' WHERE code = 'TKT-5';
             INSERT INTO ticket_conversations (site_id, ticket_id, conversation_id, created_at)
             SELECT site_id, id, 'c2', created_at FROM tickets WHERE code = 'TKT-2';
             INSERT INTO ticket_conversations (site_id, ticket_id, conversation_id, created_at)
             SELECT site_id, id, 'c3', created_at + 60000 FROM tickets WHERE code = 'TKT-3';",
        )
        .unwrap();
    let migration = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations/0020_transcript_from_visitor.sql"),
    )
    .unwrap();
    // Its statements after the one that added the column.
    let (_, backfill) = migration.split_once(";\n").unwrap();
    app.db().execute_script(backfill).unwrap();
    let marked = app.rows(
        "SELECT code FROM tickets WHERE transcript_from_visitor = 1 ORDER BY number",
        vec![],
    );
    let marked: Vec<&str> = marked.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(marked, ["TKT-1", "TKT-3"]);
}
