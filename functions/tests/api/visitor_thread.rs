//! A ticket's thread on the widget's routes: the visitor reads the team's customer-facing
//! comments (never an internal note, on any visitor route) and replies — idempotently, in one
//! batch that reopens a resolved ticket and marks it "Customer replied" for the team.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, Response};

use crate::operator_api::conforms;
use crate::ticket_page::{OWNER_TOKEN, spawn_with_tokens};
use crate::{TestApp, error_code, json};

const SECRET_NOTE: &str = "INTERNAL-ONLY: refund approved by finance, card ending 4242";
const KEY: &str = "00000000-0000-4000-8000-00000000c001";

/// A widget ticket on `acme`: (its id, its code, the visitor's token).
fn widget_ticket(app: &TestApp, key: &str) -> (String, String, String) {
    let r = app.create(
        "acme",
        key,
        &json!({ "subject": "Charged twice", "description": "Order 1234",
                 "requester": { "name": "Vera Visitor", "email": "vera@example.com" } }),
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

fn operator(app: &TestApp, code: &str, verb: &str, body: Json) {
    let r = app.send(
        "POST",
        &format!("/api/v1/tickets/{code}/{verb}"),
        &[
            ("authorization", &format!("Bearer {OWNER_TOKEN}")),
            ("content-type", "application/json"),
        ],
        Body::Bytes(body.to_string().into_bytes()),
    );
    assert!(
        r.status < 300,
        "{verb}: {}",
        String::from_utf8_lossy(&r.body)
    );
}

fn thread(app: &TestApp, id: &str, token: &str) -> Response {
    app.get(
        &format!("/api/v1/sites/acme/tickets/{id}/comments"),
        &[("authorization", &format!("Bearer {token}"))],
    )
}

fn reply(app: &TestApp, id: &str, token: &str, key: &str, text: &str) -> Response {
    app.send(
        "POST",
        &format!("/api/v1/sites/acme/tickets/{id}/comments"),
        &[
            ("authorization", &format!("Bearer {token}")),
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Body::Bytes(json!({ "body": text }).to_string().into_bytes()),
    )
}

fn counts(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT count(*) FROM ticket_comments"),
        app.count("SELECT count(*) FROM ticket_events"),
    )
}

fn ticket_column(app: &TestApp, code: &str, column: &'static str) -> Json {
    let sql: &'static str = match column {
        "status" => "SELECT status AS v FROM tickets WHERE code = ?1",
        "customer_replied_at" => "SELECT customer_replied_at AS v FROM tickets WHERE code = ?1",
        _ => unreachable!(),
    };
    app.rows(sql, vec![code.into()])[0]["v"].clone()
}

#[test]
fn the_visitor_reads_the_public_thread_and_no_visitor_route_shows_an_internal_note() {
    let app = spawn_with_tokens(0);
    let (id, code, token) = widget_ticket(&app, KEY);
    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": SECRET_NOTE, "visibility": "internal" }),
    );
    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": "We refunded you.", "visibility": "public" }),
    );
    operator(
        &app,
        &code,
        "status",
        json!({ "status": "pending", "comment": SECRET_NOTE, "visibility": "internal" }),
    );

    let r = thread(&app, &id, &token);
    assert_eq!(r.status, 200);
    conforms("/api/v1/sites/{site}/tickets/{id}/comments", "GET", &r);
    let comments = json(&r)["comments"].as_array().unwrap().clone();
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0]["from"], "team");
    assert_eq!(comments[0]["body"], "We refunded you.");
    assert!(
        comments[0]["author_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );

    // Every visitor route, read after the internal notes: no trace of them.
    let auth = format!("Bearer {token}");
    let replied = reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000c0ff",
        "Thanks!",
    );
    assert_eq!(replied.status, 201);
    for r in [
        app.get("/api/v1/sites/acme/tickets", &[("authorization", &auth)]),
        app.get(
            &format!("/api/v1/sites/acme/tickets/{id}"),
            &[("authorization", &auth)],
        ),
        thread(&app, &id, &token),
        replied,
        app.create(
            "acme",
            KEY,
            &json!({ "subject": "Charged twice", "description": "Order 1234",
                     "requester": { "name": "Vera Visitor", "email": "vera@example.com" } }),
            &[("authorization", &auth)],
        ),
        app.get("/api/v1/sites/acme/config", &[]),
    ] {
        assert!(r.status < 300, "{}", String::from_utf8_lossy(&r.body));
        let text = String::from_utf8_lossy(&r.body);
        assert!(
            !text.contains("INTERNAL-ONLY") && !text.contains("4242"),
            "{text}"
        );
    }
}

#[test]
fn a_reply_reopens_a_resolved_ticket_marks_it_for_the_team_and_is_never_doubled() {
    let app = spawn_with_tokens(0);
    let (id, code, token) = widget_ticket(&app, KEY);
    operator(&app, &code, "status", json!({ "status": "pending" }));
    operator(&app, &code, "status", json!({ "status": "resolved" }));
    let before = counts(&app);

    let r = reply(&app, &id, &token, KEY, "It happened again this morning.");
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    conforms("/api/v1/sites/{site}/tickets/{id}/comments", "POST", &r);
    let body = json(&r);
    assert_eq!(body["comment"]["from"], "visitor");
    assert!(body["comment"].get("author_name").is_none());
    assert_eq!(
        body["ticket"]["status"], "open",
        "a resolved ticket reopens"
    );
    assert_eq!(
        counts(&app),
        (before.0 + 1, before.1 + 2),
        "comment, comment_added, status_changed"
    );
    assert_eq!(ticket_column(&app, &code, "status"), "open");
    assert!(ticket_column(&app, &code, "customer_replied_at").is_i64());
    let events = app.rows(
        "SELECT kind, data, actor FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE t.code = ?1 ORDER BY e.id DESC LIMIT 2",
        vec![code.as_str().into()],
    );
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"status_changed") && kinds.contains(&"comment_added"),
        "{kinds:?}"
    );
    assert!(events[0]["actor"].as_str().unwrap().contains("visitor"));
    let first_id = body["comment"]["id"].clone();

    // The answer was lost; the widget sends again with the same key: the same reply, once.
    let again = reply(&app, &id, &token, KEY, "It happened again this morning.");
    assert_eq!(again.status, 200);
    assert_eq!(json(&again)["comment"]["id"], first_id);
    assert_eq!(counts(&app), (before.0 + 1, before.1 + 2));
    // The same key for other text is a client bug, refused.
    let other = reply(&app, &id, &token, KEY, "Something else");
    assert_eq!(error_code(&other, 422), "idempotency_key_reused");

    // An open ticket stays open; the team's answer to the customer clears the mark.
    let r = reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000c002",
        "Any news?",
    );
    assert_eq!(json(&r)["ticket"]["status"], "open");
    assert_eq!(
        counts(&app),
        (before.0 + 2, before.1 + 3),
        "no status event"
    );
    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": "Looking now.", "visibility": "public" }),
    );
    assert!(ticket_column(&app, &code, "customer_replied_at").is_null());
    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": "note", "visibility": "internal" }),
    );
    let r = reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000c003",
        "Thanks",
    );
    assert_eq!(r.status, 201);
    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": "note 2", "visibility": "internal" }),
    );
    assert!(
        ticket_column(&app, &code, "customer_replied_at").is_i64(),
        "an internal note is no answer to the customer"
    );
    let thread = json(&thread(&app, &id, &token));
    let from: Vec<&str> = thread["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["from"].as_str().unwrap())
        .collect();
    assert_eq!(from, ["visitor", "visitor", "team", "visitor"]);
}

#[test]
fn refused_replies_write_nothing() {
    let app = spawn_with_tokens(0);
    let (id, code, token) = widget_ticket(&app, KEY);
    let (other_id, _, other_token) = widget_ticket(&app, "00000000-0000-4000-8000-00000000c010");
    let before = counts(&app);

    // Another visitor's ticket is as unknown as a made-up one.
    let r = reply(
        &app,
        &other_id,
        &token,
        "00000000-0000-4000-8000-00000000c011",
        "Hi",
    );
    assert_eq!(error_code(&r, 404), "not_found");
    assert_eq!(
        error_code(&thread(&app, &other_id, &token), 404),
        "not_found"
    );
    assert_eq!(thread(&app, &other_id, &other_token).status, 200);
    // No token, an empty reply, a missing key.
    let r = app.send(
        "POST",
        &format!("/api/v1/sites/acme/tickets/{id}/comments"),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", KEY),
        ],
        Body::Bytes(br#"{"body":"Hi"}"#.to_vec()),
    );
    assert_eq!(error_code(&r, 401), "unauthorized");
    let r = reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000c012",
        "  ",
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    assert!(json(&r)["error"]["fields"]["body"].is_string());
    // A closed ticket takes no reply.
    operator(&app, &code, "status", json!({ "status": "pending" }));
    operator(&app, &code, "status", json!({ "status": "resolved" }));
    operator(&app, &code, "status", json!({ "status": "closed" }));
    let closed = counts(&app);
    let r = reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000c013",
        "Hello?",
    );
    assert_eq!(error_code(&r, 409), "ticket_closed");
    assert_eq!(counts(&app), closed);
    assert_eq!(closed.0, before.0, "no comment was ever written");
}

#[test]
fn each_thread_route_is_one_round_trip() {
    let app = spawn_with_tokens(0);
    let (id, _, token) = widget_ticket(&app, KEY);
    let before = app.db().round_trips();
    assert_eq!(thread(&app, &id, &token).status, 200);
    assert_eq!(app.db().round_trips() - before, 1, "a read");
    let before = app.db().round_trips();
    let r = reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000c020",
        "Hello",
    );
    assert_eq!(r.status, 201);
    assert_eq!(app.db().round_trips() - before, 1, "a reply");
}

#[test]
fn the_list_names_the_teams_latest_public_reply_and_nothing_else_moves_it() {
    let app = spawn_with_tokens(0);
    let (id, code, token) = widget_ticket(&app, KEY);
    let auth = format!("Bearer {token}");
    let latest = |app: &TestApp| {
        let r = app.get("/api/v1/sites/acme/tickets", &[("authorization", &auth)]);
        assert_eq!(r.status, 200);
        conforms("/api/v1/sites/{site}/tickets", "GET", &r);
        json(&r)["tickets"][0]["latest_reply"].clone()
    };
    assert_eq!(latest(&app), Json::Null, "no reply yet: no field");

    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": "We refunded you.", "visibility": "public" }),
    );
    let first = latest(&app);
    assert!(first.is_i64(), "{first}");

    // Neither an internal note nor the visitor's own reply is a new reply for the visitor.
    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": SECRET_NOTE, "visibility": "internal" }),
    );
    let r = reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000c0aa",
        "Thanks!",
    );
    assert_eq!(r.status, 201);
    assert_eq!(latest(&app), first);

    operator(
        &app,
        &code,
        "comment",
        json!({ "comment": "One more thing.", "visibility": "public" }),
    );
    let second = latest(&app);
    assert!(second.as_i64() > first.as_i64(), "{first} then {second}");
}
