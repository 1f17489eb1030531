//! Data rights: the export (JSON Lines and CSV, paged by ticket number) and erasing one
//! requester's personal data, through the operator API and the dashboard.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::service::data_rights::EXPORT_PAGE;

use crate::operator_api::conforms;
use crate::ticket_page::{MEMBER_TOKEN, OWNER_TOKEN, STRANGER_TOKEN, spawn_with_tokens};
use crate::{TestApp, error_code, json};

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn export(app: &TestApp, token: &str, format: &str) -> Response {
    app.get(
        &format!("/api/v1/export?format={format}"),
        &[("authorization", &bearer(token))],
    )
}

fn erase(app: &TestApp, token: &str, email: &str) -> Response {
    let r = app.send(
        "POST",
        "/api/v1/erase",
        &[
            ("authorization", &bearer(token)),
            ("content-type", "application/json"),
        ],
        Body::Bytes(json!({ "email": email }).to_string().into_bytes()),
    );
    conforms("/api/v1/erase", "POST", &r);
    r
}

/// A widget ticket from `email` with a transcript, on `acme`.
fn ticket_from(app: &TestApp, n: u32, name: &str, email: &str, subject: &str) {
    let body = json!({
        "subject": subject,
        "description": "Help",
        "requester": { "name": name, "email": email },
        "transcript": [
            { "author": "visitor", "text": format!("I am {name}, call me") },
            { "author": "bot", "text": "A person will answer." }
        ]
    });
    let r = app.create(
        "acme",
        &format!("00000000-0000-4000-9000-{n:012}"),
        &body,
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
}

fn lines(r: &Response) -> Vec<Json> {
    String::from_utf8(r.body.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn exports_every_ticket_across_pages_as_json_lines() {
    // More than two pages, so the keyset cursor is followed.
    let n = (2 * EXPORT_PAGE + 3) as usize;
    let app = spawn_with_tokens(n);
    app.db()
        .execute_script(
            "INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
               SELECT 1, id, 'billing', 0 FROM tickets WHERE site_id = 1 AND number = 150;
             INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_name, body, created_at)
               SELECT 1, id, 'internal', 'system', 'System', 'note', 0 FROM tickets WHERE site_id = 1 AND number = 150;",
        )
        .unwrap();
    let r = export(&app, OWNER_TOKEN, "jsonl");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/jsonl; charset=utf-8")
    );
    assert!(
        r.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"tickets-acme-"))
    );
    let records = lines(&r);
    assert_eq!(records.len(), n);
    let codes: Vec<String> = records
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (1..=n).map(|i| format!("TKT-{i}")).collect();
    assert_eq!(codes, expected, "every ticket once, in number order");
    let t150 = &records[149];
    assert_eq!(t150["labels"], json!(["billing"]));
    assert_eq!(t150["comments"][0]["body"], "note");
    assert_eq!(t150["events"][0]["kind"], "created");
    assert_eq!(records[0]["labels"], json!([]));
    // Only this site's tickets: the other site's member exports nothing of acme's.
    assert_eq!(
        error_code(&export(&app, STRANGER_TOKEN, "jsonl"), 403),
        "forbidden"
    );
}

#[test]
fn exports_csv_with_quoting_and_defused_formulas() {
    let app = spawn_with_tokens(0);
    ticket_from(
        &app,
        1,
        "Eve",
        "eve@example.com",
        "=HYPERLINK(\"http://evil\")",
    );
    ticket_from(&app, 2, "Bob, Jr.", "bob@example.com", "Plain, with comma");
    let r = export(&app, OWNER_TOKEN, "csv");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = String::from_utf8(r.body).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][col("subject")], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&rows[1][col("subject")], "Plain, with comma");
    assert_eq!(&rows[1][col("requester_name")], "Bob, Jr.");
    let events: Json = serde_json::from_str(&rows[0][col("events")]).unwrap();
    assert_eq!(events[0]["kind"], "created");
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{text}"
    );
}

#[test]
fn export_needs_an_owner_or_admin_and_a_known_format() {
    let app = spawn_with_tokens(1);
    assert_eq!(
        error_code(&export(&app, MEMBER_TOKEN, "csv"), 403),
        "forbidden"
    );
    assert_eq!(
        error_code(&export(&app, OWNER_TOKEN, "xlsx"), 400),
        "bad_query"
    );
    let r = app.get("/api/v1/export", &[]);
    assert_eq!(error_code(&r, 401), "unauthorized");
}

#[test]
fn erases_one_requesters_personal_data_and_leaves_an_anonymous_trail() {
    let app = spawn_with_tokens(0);
    ticket_from(&app, 1, "Eve", "eve@example.com", "First");
    ticket_from(&app, 2, "Bob", "bob@example.com", "Other person");
    ticket_from(&app, 3, "Eve", "Eve@Example.com", "Second");
    // Eve's own reply and an operator's public answer on her first ticket.
    app.db()
        .execute_script(
            "INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_id, author_name, body, created_at)
               SELECT 1, id, 'public', 'visitor', visitor_id, 'Eve', 'my phone is 555', 0 FROM tickets WHERE code = 'TKT-1';
             INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_id, author_name, body, created_at)
               SELECT 1, id, 'public', 'operator', 'x', 'Ann Owner', 'We are on it', 0 FROM tickets WHERE code = 'TKT-1';",
        )
        .unwrap();
    let version_before = app.rows(
        "SELECT updated_at FROM tickets WHERE code = 'TKT-1'",
        vec![],
    )[0]["updated_at"]
        .as_i64()
        .unwrap();

    let r = erase(&app, OWNER_TOKEN, "eve@EXAMPLE.com");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["erased_tickets"], 2);

    let tickets = app.rows(
        "SELECT code, requester_name, requester_email, visitor_id, transcript, updated_at
         FROM tickets ORDER BY number",
        vec![],
    );
    for t in [&tickets[0], &tickets[2]] {
        assert_eq!(t["requester_name"], "[erased]");
        assert_eq!(t["requester_email"], "[erased]");
        assert_eq!(t["visitor_id"], Json::Null);
        let transcript: Json = serde_json::from_str(t["transcript"].as_str().unwrap()).unwrap();
        assert_eq!(
            transcript,
            json!([
                { "author": "visitor", "text": "[erased]" },
                { "author": "bot", "text": "A person will answer." }
            ])
        );
    }
    assert!(tickets[0]["updated_at"].as_i64().unwrap() > version_before);
    // Bob is untouched.
    assert_eq!(tickets[1]["requester_email"], "bob@example.com");
    assert_eq!(tickets[1]["requester_name"], "Bob");
    assert!(tickets[1]["visitor_id"].is_string());

    let comments = app.rows(
        "SELECT author_kind, author_name, body FROM ticket_comments ORDER BY id",
        vec![],
    );
    assert_eq!(comments[0]["author_name"], "[erased]");
    assert_eq!(comments[0]["body"], "[erased]");
    assert_eq!(comments[1]["author_name"], "Ann Owner");
    assert_eq!(comments[1]["body"], "We are on it");

    // One `erased` event per ticket: who and how many, never the email.
    let events = app.rows(
        "SELECT t.code, e.data, e.actor FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE e.kind = 'erased' ORDER BY t.number",
        vec![],
    );
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["code"], "TKT-1");
    assert_eq!(events[1]["code"], "TKT-3");
    let data: Json = serde_json::from_str(events[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data, json!({ "tickets": 2 }));
    let actor: Json = serde_json::from_str(events[0]["actor"].as_str().unwrap()).unwrap();
    assert_eq!(actor["type"], "operator");
    let all = app.rows("SELECT data, actor FROM ticket_events", vec![]);
    assert!(
        all.iter().all(|e| !e
            .values()
            .any(|v| v.to_string().to_lowercase().contains("eve@"))),
        "the email is nowhere in the audit trail"
    );

    // The search index kept copies of the name and email: rebuilt, they are gone from it too.
    let found = |term: &str| {
        app.rows(
            "SELECT count(*) AS n FROM ticket_search WHERE ticket_search MATCH ?1",
            vec![term.into()],
        )[0]["n"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        found("\"eve\""),
        0,
        "Eve is not searchable after her erasure"
    );
    assert_eq!(found("\"bob\""), 1, "Bob still is");
    assert_eq!(found("\"erased\""), 2);

    // Again: nothing left to erase, nothing written.
    let r = erase(&app, OWNER_TOKEN, "eve@example.com");
    assert_eq!(json(&r)["erased_tickets"], 0);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_events WHERE kind = 'erased'"),
        2
    );
}

#[test]
fn erasure_drops_the_providers_summary_and_keeps_one_an_operator_wrote() {
    let app = spawn_with_tokens(0);
    ticket_from(&app, 1, "Eve", "eve@example.com", "First");
    ticket_from(&app, 2, "Eve", "eve@example.com", "Second");
    ticket_from(&app, 3, "Bob", "bob@example.com", "Other person");
    // The provider retold Eve's chat on her first ticket (and Bob's); an operator wrote the
    // second's by hand; the first still owes a refreshed one.
    app.db()
        .execute_script(
            "UPDATE tickets SET summary = 'Eve (call me) wants a refund', summary_by = 'provider',
                                summary_state = 'wanted', summary_wanted_at = 1
               WHERE code = 'TKT-1';
             UPDATE tickets SET summary = 'Refund case', summary_by = 'operator' WHERE code = 'TKT-2';
             UPDATE tickets SET summary = 'Bob wants help', summary_by = 'provider' WHERE code = 'TKT-3';",
        )
        .unwrap();
    let r = erase(&app, OWNER_TOKEN, "eve@example.com");
    assert_eq!(json(&r)["erased_tickets"], 2);
    let rows = app.rows(
        "SELECT summary, summary_by, summary_state FROM tickets ORDER BY number",
        vec![],
    );
    assert_eq!(rows[0]["summary"], Json::Null);
    assert_eq!(rows[0]["summary_by"], Json::Null);
    assert_eq!(rows[0]["summary_state"], Json::Null);
    assert_eq!(rows[1]["summary"], "Refund case");
    assert_eq!(rows[1]["summary_by"], "operator");
    assert_eq!(
        rows[2]["summary"], "Bob wants help",
        "another requester's is kept"
    );
}

#[test]
fn erase_refuses_members_and_bad_emails_and_changes_nothing() {
    let app = spawn_with_tokens(0);
    ticket_from(&app, 1, "Eve", "eve@example.com", "First");
    assert_eq!(
        error_code(&erase(&app, MEMBER_TOKEN, "eve@example.com"), 403),
        "forbidden"
    );
    assert_eq!(
        error_code(&erase(&app, OWNER_TOKEN, "not an email"), 422),
        "validation_failed"
    );
    // The other site's operator cannot reach acme's tickets.
    let r = erase(&app, STRANGER_TOKEN, "eve@example.com");
    assert_eq!(error_code(&r, 403), "forbidden");
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE requester_email = 'eve@example.com'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_events WHERE kind = 'erased'"),
        0
    );
}

#[test]
fn erases_more_than_one_page() {
    let app = spawn_with_tokens(0);
    let n = ticketbooth_functions::service::data_rights::ERASE_PAGE as u32 + 5;
    for i in 0..n {
        ticket_from(&app, i, "Eve", "eve@example.com", "Again");
    }
    let r = erase(&app, OWNER_TOKEN, "eve@example.com");
    assert_eq!(json(&r)["erased_tickets"], n);
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE requester_email = '[erased]'"),
        i64::from(n)
    );
}

#[test]
fn the_dashboard_exports_and_erases() {
    let app = spawn_with_tokens(0);
    ticket_from(&app, 1, "Eve", "eve@example.com", "First");
    let owner = crate::ticket_page::session(OWNER_TOKEN);
    let (status, html) = app.page("/app/settings/data", &owner);
    assert_eq!(status, 200);
    assert!(
        html.contains("/app/settings/data/export?format=csv"),
        "{html}"
    );
    let r = app.get(
        "/app/settings/data/export?format=csv",
        &[("cookie", &crate::session_cookie(&owner))],
    );
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("eve@example.com"));

    let csrf = crate::csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/data",
        Some(&owner),
        &[("csrf", &csrf), ("email", "eve@example.com")],
    );
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("Erased the personal data on 1 ticket."));
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE requester_email = '[erased]'"),
        1
    );
    // Without the CSRF token nothing happens.
    ticket_from(&app, 2, "Eve", "eve@example.com", "Second");
    let r = app.form(
        "/app/settings/data",
        Some(&owner),
        &[("email", "eve@example.com")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE requester_email = 'eve@example.com'"),
        1
    );
}

/// 0006 rebuilds `ticket_events` to add the `erased` kind: every row (and its id) survives,
/// the new kind is accepted and unknown kinds are still refused.
#[test]
fn migration_0006_keeps_the_audit_trail() {
    use std::path::Path;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let (before, after): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|p| p.file_name().unwrap().to_str().unwrap() < "0006");
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    for file in &before {
        conn.execute_batch(&std::fs::read_to_string(file).unwrap())
            .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO sites (id, key, name, created_at) VALUES (1, 'acme', 'Acme', 0);
         INSERT INTO tickets (id, site_id, number, code, subject, source, created_at, updated_at)
           VALUES ('t1', 1, 1, 'TKT-1', 'Hi', 'widget', 0, 0);
         INSERT INTO ticket_events (id, site_id, ticket_id, kind, data, actor, created_at) VALUES
           (7, 1, 't1', 'created', '{\"source\":\"widget\"}', '{\"type\":\"system\"}', 10),
           (9, 1, 't1', 'synced', '{}', '{\"type\":\"bot\"}', 20);",
    )
    .unwrap();
    // Each in its own transaction, as D1 applies a migration (0029's rebuild of `tickets`
    // needs it: its deferred foreign keys are checked at the transaction's end).
    for file in &after {
        let sql = std::fs::read_to_string(file).unwrap();
        conn.execute_batch(&format!("BEGIN;\n{sql}\nCOMMIT;"))
            .unwrap();
    }
    let rows: Vec<(i64, String, String, i64)> = conn
        .prepare("SELECT id, kind, data, created_at FROM ticket_events ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![
            (7, "created".into(), "{\"source\":\"widget\"}".into(), 10),
            (9, "synced".into(), "{}".into(), 20),
        ]
    );
    conn.execute_batch(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, actor, created_at)
         VALUES (1, 't1', 'erased', '{}', 30)",
    )
    .unwrap();
    assert!(
        conn.execute_batch(
            "INSERT INTO ticket_events (site_id, ticket_id, kind, actor, created_at)
             VALUES (1, 't1', 'bogus', '{}', 30)",
        )
        .is_err()
    );
    // New ids continue after the copied ones.
    let max: i64 = conn
        .query_row("SELECT max(id) FROM ticket_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(max, 10);
    // The site got the new settings with their defaults.
    let (cap, secret): (i64, Option<String>) = conn
        .query_row(
            "SELECT daily_ticket_cap, identity_secret FROM sites WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((cap, secret), (1000, None));
}

#[test]
fn erasure_scrubs_the_webhook_outbox_too() {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script(
            "UPDATE sites SET webhook_url = 'https://hooks.example/in', webhook_secret = 'whsec_test'
             WHERE key = 'acme'",
        )
        .unwrap();
    ticket_from(&app, 1, "Eve", "eve@example.com", "First");
    ticket_from(&app, 2, "Bob", "bob@example.com", "Other person");
    // A reply's event, delivered; and an event about a ticket since deleted, found by its email.
    app.db()
        .execute_script(
            "INSERT INTO notifications (id, site_id, kind, data, created_at, delivered_at)
               SELECT 'vr_' || id || '_k', 1, 'ticket.visitor_replied',
                      json_object('ticket_id', id, 'code', code, 'subject', subject,
                                  'status', status, 'reply', 'my phone is 555',
                                  'requester_name', 'Eve', 'requester_email', 'eve@example.com'),
                      0, 1
               FROM tickets WHERE code = 'TKT-1';
             INSERT INTO notifications (id, site_id, kind, data, created_at)
               VALUES ('tc_gone', 1, 'ticket.created',
                       json_object('ticket_id', 'gone', 'code', 'TKT-99', 'subject', 'Old',
                                   'requester_name', NULL, 'requester_email', 'EVE@example.com'), 0);",
        )
        .unwrap();
    let about_eve = "SELECT COUNT(*) FROM notifications
                     WHERE data LIKE '%eve%' OR data LIKE '%555%'";
    assert_eq!(
        app.count(about_eve),
        3,
        "two events of her tickets, one of a gone one"
    );

    let r = erase(&app, OWNER_TOKEN, "eve@example.com");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(app.count(about_eve), 0);
    let data = |id: &str| -> Json {
        let rows = app.rows(
            "SELECT data FROM notifications WHERE id LIKE ?1",
            vec![id.into()],
        );
        serde_json::from_str(rows[0]["data"].as_str().unwrap()).unwrap()
    };
    let reply = data("vr_%");
    assert_eq!(
        (
            &reply["reply"],
            &reply["requester_name"],
            &reply["requester_email"]
        ),
        (&json!("[erased]"), &json!("[erased]"), &json!("[erased]"))
    );
    assert_eq!(reply["subject"], "First", "the ticket's own fields stay");
    let gone = data("tc_gone");
    assert_eq!(gone["requester_email"], "[erased]");
    assert_eq!(gone["requester_name"], Json::Null);
    assert!(gone.get("reply").is_none(), "no field is added");
    let bob = app.rows(
        "SELECT data FROM notifications WHERE data LIKE '%Other person%'",
        vec![],
    );
    assert!(bob[0]["data"].as_str().unwrap().contains("bob@example.com"));
}

#[test]
fn a_deleted_tickets_webhook_events_go_with_it() {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script(
            "UPDATE sites SET webhook_url = 'https://hooks.example/in', webhook_secret = 'whsec_test'
             WHERE key = 'acme'",
        )
        .unwrap();
    ticket_from(&app, 1, "Eve", "eve@example.com", "First");
    ticket_from(&app, 2, "Bob", "bob@example.com", "Other person");
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications"), 2);
    let r = app.send(
        "DELETE",
        "/api/v1/tickets/TKT-1",
        &[("authorization", &bearer(OWNER_TOKEN))],
        Body::Bytes(Vec::new()),
    );
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    // Nothing of Eve's is left for an erasure to miss (it finds tickets by email).
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE data LIKE '%eve%'"),
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications"), 1);
}
