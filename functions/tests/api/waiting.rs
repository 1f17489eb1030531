//! Pending, waiting on the team or on the customer: an operator sets the side (its own action,
//! or a reply "and wait for the customer"), the customer's reply hands it back to the team,
//! each change with its `waiting_changed` event; a side outside pending is refused (422, and
//! the database's CHECK); the list, the board and `GET /api/v1/tickets` filter by it.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, Response};

use crate::operator_api::conforms;
use crate::ticket_actions::snapshot;
use crate::ticket_page::{OWNER_TOKEN, session, spawn_with_tokens};
use crate::{TestApp, csrf_of, error_code, json};

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

/// An action through the operators' API, checked against the OpenAPI document.
fn action(app: &TestApp, code: &str, verb: &str, body: Json) -> Response {
    let r = app.send(
        "POST",
        &format!("/api/v1/tickets/{code}/{verb}"),
        &[
            ("authorization", &format!("Bearer {OWNER_TOKEN}")),
            ("content-type", "application/json"),
        ],
        Body::Bytes(body.to_string().into_bytes()),
    );
    conforms("/api/v1/tickets/{code}/{action}", "post", &r);
    r
}

fn ticket(app: &TestApp, code: &str) -> Json {
    let r = app.get(
        &format!("/api/v1/tickets/{code}"),
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    assert_eq!(r.status, 200);
    json(&r)
}

/// The ticket's events as `(kind, data)`, oldest first.
fn events(app: &TestApp, code: &str) -> Vec<(String, Json)> {
    ticket(app, code)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["data"].clone()))
        .collect()
}

fn visitor_reply(app: &TestApp, id: &str, token: &str, key: &str, text: &str) -> Response {
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

fn visitor_list(app: &TestApp, token: &str) -> Json {
    let r = app.get(
        "/api/v1/sites/acme/tickets",
        &[("authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(r.status, 200);
    json(&r)
}

fn number(code: &str) -> u32 {
    code.trim_start_matches("TKT-").parse().unwrap()
}

#[test]
fn an_operator_sets_whom_a_pending_ticket_waits_on_with_an_event_each_time() {
    let app = spawn_with_tokens(0);
    let (_, code, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a001");
    assert_eq!(ticket(&app, &code)["ticket"]["waiting_on"], Json::Null);
    let r = action(&app, &code, "status", json!({ "status": "pending" }));
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["ticket"]["ticket"]["waiting_on"], "team");

    let r = action(&app, &code, "waiting", json!({ "waiting_on": "customer" }));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["changed"], true);
    assert_eq!(json(&r)["ticket"]["ticket"]["waiting_on"], "customer");
    // Asking again changes nothing and writes no event.
    let r = action(&app, &code, "waiting", json!({ "waiting_on": "customer" }));
    assert_eq!(json(&r)["changed"], false);
    let r = action(&app, &code, "waiting", json!({ "waiting_on": "team" }));
    assert_eq!(json(&r)["ticket"]["ticket"]["waiting_on"], "team");

    let waiting: Vec<Json> = events(&app, &code)
        .into_iter()
        .filter(|(kind, _)| kind == "waiting_changed")
        .map(|(_, data)| data)
        .collect();
    assert_eq!(
        waiting,
        [
            json!({ "from": "team", "to": "customer" }),
            json!({ "from": "customer", "to": "team" })
        ]
    );
}

#[test]
fn a_side_outside_pending_is_refused_with_a_clear_422_and_nothing_changes() {
    let app = spawn_with_tokens(0);
    let (_, code, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a002");
    let before = snapshot(&app, number(&code));

    let r = action(&app, &code, "waiting", json!({ "waiting_on": "customer" }));
    assert_eq!(error_code(&r, 422), "not_pending");
    let body = json(&r);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this ticket is open"),
        "{body}"
    );
    assert!(body["error"]["fields"]["waiting_on"].is_string(), "{body}");

    let r = action(&app, &code, "waiting", json!({ "waiting_on": "nobody" }));
    assert_eq!(error_code(&r, 422), "validation_failed");
    assert!(json(&r)["error"]["fields"]["waiting_on"].is_string());
    let r = action(&app, &code, "waiting", json!({}));
    assert_eq!(error_code(&r, 422), "validation_failed");

    // A reply "and wait" must be a reply the customer sees.
    let r = action(
        &app,
        &code,
        "comment",
        json!({ "comment": "Checked the logs", "visibility": "internal", "wait_for_customer": true }),
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    assert!(json(&r)["error"]["fields"]["visibility"].is_string());
    assert_eq!(snapshot(&app, number(&code)), before, "nothing was written");

    // A resolved ticket cannot wait on anyone: pending is not its next status.
    action(&app, &code, "status", json!({ "status": "pending" }));
    action(&app, &code, "status", json!({ "status": "resolved" }));
    let resolved = snapshot(&app, number(&code));
    let r = action(
        &app,
        &code,
        "comment",
        json!({ "comment": "Any news?", "visibility": "public", "wait_for_customer": true }),
    );
    assert_eq!(error_code(&r, 422), "not_pending");
    assert_eq!(snapshot(&app, number(&code)), resolved);

    // Under the service, the table itself refuses the contradiction.
    let refused = app.db().execute_script(&format!(
        "UPDATE tickets SET status = 'open' WHERE code = '{code}';
         UPDATE tickets SET waiting_on_customer = 1 WHERE code = '{code}';"
    ));
    assert!(refused.is_err(), "an open ticket waiting on the customer");
}

#[test]
fn a_reply_and_wait_moves_an_open_ticket_to_pending_on_the_customer_in_one_batch() {
    let app = spawn_with_tokens(0);
    let (id, code, token) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a003");
    let r = action(
        &app,
        &code,
        "comment",
        json!({ "comment": "Which card was charged?", "visibility": "public",
                "wait_for_customer": true }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let doc = &json(&r)["ticket"];
    assert_eq!(doc["ticket"]["status"], "pending");
    assert_eq!(doc["ticket"]["waiting_on"], "customer");
    assert_eq!(doc["comments"][0]["visibility"], "public");
    let kinds: Vec<String> = events(&app, &code).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "status_changed",
            "comment_added",
            "waiting_changed"
        ]
    );
    // All of it is one version: one batch.
    let stamps = app.rows(
        "SELECT DISTINCT e.created_at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE t.code = ?1 AND e.kind <> 'created'",
        vec![code.clone().into()],
    );
    assert_eq!(stamps.len(), 1);

    // The visitor reads it in their words, and nothing internal.
    let list = visitor_list(&app, &token);
    let mine = &list["tickets"][0];
    assert_eq!(mine["id"], id.as_str());
    assert_eq!(mine["waiting_on"], "customer");
    assert_eq!(mine["status_label"], "Waiting for your reply");
    for internal in ["priority", "assignee", "labels", "events", "version"] {
        assert!(mine.get(internal).is_none(), "{internal} leaked: {mine}");
    }

    // On a ticket already waiting on the team it only flips the side.
    let (_, other, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a004");
    action(&app, &other, "status", json!({ "status": "pending" }));
    action(
        &app,
        &other,
        "comment",
        json!({ "comment": "Can you send a screenshot?", "wait_for_customer": true }),
    );
    let doc = ticket(&app, &other);
    assert_eq!(doc["ticket"]["waiting_on"], "customer");
    assert_eq!(doc["comments"][0]["visibility"], "public");
}

#[test]
fn the_customers_reply_hands_the_ticket_back_to_the_team_with_its_event() {
    let app = spawn_with_tokens(0);
    let (id, code, token) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a005");
    action(
        &app,
        &code,
        "comment",
        json!({ "comment": "Which card?", "visibility": "public", "wait_for_customer": true }),
    );
    let r = visitor_reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000b001",
        "The Visa",
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["ticket"]["waiting_on"], "team");
    assert_eq!(json(&r)["ticket"]["status"], "pending");
    assert_eq!(json(&r)["ticket"]["status_label"], "We're on it");
    assert_eq!(ticket(&app, &code)["ticket"]["waiting_on"], "team");
    let handed_back = app.rows(
        "SELECT e.data, e.actor FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE t.code = ?1 AND e.kind = 'waiting_changed' ORDER BY e.id",
        vec![code.clone().into()],
    );
    assert_eq!(handed_back.len(), 2, "set by the operator, handed back");
    let last: Json = serde_json::from_str(handed_back[1]["data"].as_str().unwrap()).unwrap();
    assert_eq!(last, json!({ "from": "customer", "to": "team" }));
    assert!(
        handed_back[1]["actor"]
            .as_str()
            .unwrap()
            .contains("visitor")
    );

    // Another reply, now that the team owes the answer: no waiting event.
    visitor_reply(
        &app,
        &id,
        &token,
        "00000000-0000-4000-8000-00000000b002",
        "Also the Amex",
    );
    let count = app.rows(
        "SELECT count(*) AS n FROM ticket_events WHERE kind = 'waiting_changed'",
        vec![],
    );
    assert_eq!(count[0]["n"], 2);
}

#[test]
fn leaving_pending_clears_the_side_and_coming_back_waits_on_the_team() {
    let app = spawn_with_tokens(0);
    let (_, code, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a006");
    action(&app, &code, "status", json!({ "status": "pending" }));
    action(&app, &code, "waiting", json!({ "waiting_on": "customer" }));
    // With a comment the change reads the ticket first (`ticket_actions::apply`).
    let r = action(
        &app,
        &code,
        "status",
        json!({ "status": "open", "comment": "Finance needs it back" }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["ticket"]["ticket"]["waiting_on"], Json::Null);
    let r = action(&app, &code, "status", json!({ "status": "pending" }));
    assert_eq!(json(&r)["ticket"]["ticket"]["waiting_on"], "team");
    // The same through the one-round-trip status change (a token this isolate knows).
    action(&app, &code, "waiting", json!({ "waiting_on": "customer" }));
    let r = action(&app, &code, "status", json!({ "status": "resolved" }));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["ticket"]["ticket"]["waiting_on"], Json::Null);
}

#[test]
fn the_list_the_board_and_the_api_filter_by_the_side() {
    let app = spawn_with_tokens(0);
    let (_, on_customer, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a007");
    let (_, on_team, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a008");
    let (_, open, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a009");
    action(
        &app,
        &on_customer,
        "comment",
        json!({ "comment": "Which card?", "visibility": "public", "wait_for_customer": true }),
    );
    action(&app, &on_team, "status", json!({ "status": "pending" }));

    let codes = |query: &str| -> Vec<String> {
        let r = app.get(
            &format!("/api/v1/tickets{query}"),
            &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
        );
        conforms("/api/v1/tickets", "get", &r);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        json(&r)["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(codes("?waiting=customer"), [on_customer.as_str()]);
    assert_eq!(codes("?waiting=team"), [on_team.as_str()]);
    assert_eq!(codes("").len(), 3);
    let r = app.get(
        "/api/v1/tickets?waiting=everyone",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let summary = app.get(
        "/api/v1/tickets?waiting=customer",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    assert_eq!(json(&summary)["tickets"][0]["waiting_on"], "customer");
    assert_eq!(json(&summary)["total"], 1);

    // The dashboard: the filter control, its chip, the side on the rows and the board.
    let s = session(OWNER_TOKEN);
    let (status, html) = app.page("/app/tickets?waiting=customer", &s);
    assert_eq!(status, 200);
    assert!(html.contains("name=\"waiting\""), "the filter control");
    assert!(html.contains("Pending, waiting on: customer"), "the chip");
    assert!(html.contains(&format!(">{on_customer}</a>")));
    assert!(!html.contains(&format!(">{on_team}</a>")));
    assert!(!html.contains(&format!(">{open}</a>")));
    assert!(html.contains("Waiting on the customer"));
    let (_, board) = app.page("/app/tickets?view=board", &s);
    assert!(
        board.contains("badge waiting-customer"),
        "the pending column shows the side"
    );
    assert!(board.contains("badge waiting-team"));
}

#[test]
fn the_ticket_page_sets_the_side_and_replies_and_waits_through_its_forms() {
    let app = spawn_with_tokens(0);
    let (_, code, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a010");
    let s = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &s);
    let version = |app: &TestApp| ticket(app, &code)["ticket"]["version"].to_string();

    // Open: no side to set, but the reply can wait.
    let (_, html) = app.page(&format!("/app/tickets/{code}"), &s);
    assert!(!html.contains("/waiting\""), "no waiting form while open");
    assert!(html.contains("name=\"wait_for_customer\""));
    let r = app.form(
        &format!("/app/tickets/{code}/comment"),
        Some(&s),
        &[
            ("csrf", &csrf),
            ("version", &version(&app)),
            ("comment", "Which card was it?"),
            ("visibility", "public"),
            ("wait_for_customer", "true"),
        ],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let (_, html) = app.page(&format!("/app/tickets/{code}"), &s);
    assert!(html.contains("badge waiting-customer"));
    assert!(html.contains(&format!("action=\"/app/tickets/{code}/waiting\"")));
    assert!(
        html.contains("Waiting on the team → waiting on the customer"),
        "the timeline"
    );

    let r = app.form(
        &format!("/app/tickets/{code}/waiting"),
        Some(&s),
        &[
            ("csrf", &csrf),
            ("version", &version(&app)),
            ("waiting_on", "team"),
        ],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(ticket(&app, &code)["ticket"]["waiting_on"], "team");

    // A stale form writes nothing.
    let r = app.form(
        &format!("/app/tickets/{code}/waiting"),
        Some(&s),
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("waiting_on", "customer"),
        ],
    );
    assert_eq!(r.status, 409);
    assert_eq!(ticket(&app, &code)["ticket"]["waiting_on"], "team");
}

#[test]
fn bulk_sets_the_side_of_pending_tickets_and_refuses_the_others_one_by_one() {
    let app = spawn_with_tokens(0);
    let (_, pending, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a011");
    let (_, open, _) = widget_ticket(&app, "00000000-0000-4000-8000-00000000a012");
    action(&app, &pending, "status", json!({ "status": "pending" }));
    let r = app.send(
        "POST",
        "/api/v1/tickets/bulk",
        &[
            ("authorization", &format!("Bearer {OWNER_TOKEN}")),
            ("content-type", "application/json"),
        ],
        Body::Bytes(
            json!({ "codes": [pending, open], "action": "waiting", "waiting_on": "customer" })
                .to_string()
                .into_bytes(),
        ),
    );
    conforms("/api/v1/tickets/bulk", "post", &r);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    assert_eq!(
        (body["changed"].clone(), body["refused"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(body["results"][1]["error"]["code"], "not_pending");
    assert_eq!(ticket(&app, &pending)["ticket"]["waiting_on"], "customer");
}
