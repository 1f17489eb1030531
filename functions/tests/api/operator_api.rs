//! The operators' JSON API through `app::handle`, every real response checked against
//! `functions/openapi.json`: the documented schema for that path, method and status (an
//! undocumented status fails the test too).

use serde_json::{Value as Json, json};
use ticketbooth_functions::api::operator::OPENAPI;
use ticketbooth_functions::http::{Body, Response};

use crate::ticket_actions::{MEMBER, OTHER_MEMBER, snapshot};
use crate::ticket_page::{
    GUEST_TOKEN, MEMBER_TOKEN, OWNER_TOKEN, STRANGER_TOKEN, spawn_with_tokens,
};
use crate::{TestApp, error_code, json};

/// Sends a request to the operator API and checks the answer against the OpenAPI document
/// (`template` is the documented path, e.g. `/api/v1/tickets/{code}/{action}`).
pub fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    template: &str,
    token: Option<&str>,
    body: Option<Json>,
) -> Response {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    // The same body is the same draft: a resend replays it.
    let idempotency = format!("00000000-0000-4000-8000-{:012}", bytes.len());
    if method == "POST" && template == "/api/v1/tickets" {
        headers.push(("idempotency-key", &idempotency));
    }
    let r = app.send(method, path, &headers, Body::Bytes(bytes));
    conforms(template, method, &r);
    r
}

pub fn conforms(template: &str, method: &str, r: &Response) {
    let doc: Json = serde_json::from_str(OPENAPI).unwrap();
    let operation = &doc["paths"][template][method.to_ascii_lowercase()];
    assert!(
        operation.is_object(),
        "{method} {template} is not documented"
    );
    let mut response = &operation["responses"][r.status.to_string()];
    assert!(
        response.is_object(),
        "{method} {template} answered {} which is not documented: {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    if let Some(reference) = response["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/responses/");
        response = &doc["components"]["responses"][name];
    }
    let Some(schema) = response["content"]["application/json"]["schema"].as_object() else {
        assert!(
            r.body.is_empty(),
            "{method} {template} {}: a body",
            r.status
        );
        return;
    };
    let mut root = Json::Object(schema.clone());
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["components"] = doc["components"].clone();
    let validator = jsonschema::validator_for(&root).expect("a valid schema");
    let body = json(r);
    let problems: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "{method} {template} {}: {problems:#?}\n{body:#}",
        r.status
    );
}

fn action(app: &TestApp, token: &str, n: u32, verb: &str, body: Json) -> Response {
    call(
        app,
        "POST",
        &format!("/api/v1/tickets/TKT-{n}/{verb}"),
        "/api/v1/tickets/{code}/{action}",
        Some(token),
        Some(body),
    )
}

fn get(app: &TestApp, token: Option<&str>, n: u32) -> Response {
    call(
        app,
        "GET",
        &format!("/api/v1/tickets/TKT-{n}"),
        "/api/v1/tickets/{code}",
        token,
        None,
    )
}

#[test]
fn a_ticket_with_comments_labels_and_events() {
    let app = spawn_with_tokens(1);
    action(
        &app,
        OWNER_TOKEN,
        1,
        "comment",
        json!({ "comment": "Internal", "visibility": "internal" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        1,
        "labels-add",
        json!({ "label": "VIP" }),
    );
    action(
        &app,
        OWNER_TOKEN,
        1,
        "sync",
        json!({ "platform": "Jira", "remote_id": "SUP-1" }),
    );
    let r = get(&app, Some(OWNER_TOKEN), 1);
    assert_eq!(r.status, 200);
    let doc = json(&r);
    assert_eq!(doc["ticket"]["code"], "TKT-1");
    assert_eq!(doc["ticket"]["labels"], json!(["vip"]));
    assert_eq!(doc["ticket"]["sync"]["remote_id"], "SUP-1");
    assert_eq!(doc["comments"][0]["visibility"], "internal");
    let kinds: Vec<&str> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "comment_added", "label_added", "synced"]);
    assert_eq!(
        doc["events"][3]["data"],
        json!({ "platform": "jira", "remote_id": "SUP-1" })
    );
}

#[test]
fn only_a_bearer_api_token_of_this_site_gets_in() {
    let app = spawn_with_tokens(1);
    assert_eq!(error_code(&get(&app, None, 1), 401), "unauthorized");
    assert_eq!(
        error_code(&get(&app, Some("tbo_not_a_token_at_all_0000"), 1), 401),
        "unauthorized"
    );
    // The dashboard's cookie is not a credential here: no cookie, no CSRF hole.
    let r = app.get(
        "/api/v1/tickets/TKT-1",
        &[("cookie", &format!("tb_session={OWNER_TOKEN}"))],
    );
    assert_eq!(error_code(&r, 401), "unauthorized");
    // Another site's operator: not found, for reads and writes alike.
    assert_eq!(
        error_code(&get(&app, Some(STRANGER_TOKEN), 1), 404),
        "not_found"
    );
    let before = snapshot(&app, 1);
    let r = action(
        &app,
        STRANGER_TOKEN,
        1,
        "status",
        json!({ "status": "pending" }),
    );
    assert_eq!(error_code(&r, 404), "not_found");
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn every_action_answers_with_the_ticket() {
    let app = spawn_with_tokens(1);
    let steps = [
        (
            "status",
            json!({ "status": "pending", "comment": "On it", "visibility": "public" }),
        ),
        ("priority", json!({ "priority": "urgent" })),
        ("assign", json!({ "assignee": MEMBER })),
        (
            "edit",
            json!({ "subject": "Printer on fire", "description": "Smoke." }),
        ),
        ("labels-add", json!({ "label": "hardware" })),
        ("labels-remove", json!({ "label": "hardware" })),
        (
            "comment",
            json!({ "comment": "Thanks!", "visibility": "public" }),
        ),
        ("snooze", json!({ "until": "2099-01-01T08:00:00Z" })),
        ("snooze", json!({ "until": null })),
        ("spam", json!({ "spam": true })),
        (
            "sync",
            json!({ "platform": "linear", "remote_id": "LIN-7" }),
        ),
    ];
    for (verb, body) in steps {
        let r = action(&app, OWNER_TOKEN, 1, verb, body);
        assert_eq!(
            r.status,
            200,
            "{verb}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(json(&r)["changed"], true, "{verb}");
    }
    let t = &json(&get(&app, Some(OWNER_TOKEN), 1))["ticket"];
    assert_eq!(
        (&t["status"], &t["priority"], &t["subject"], &t["spam"]),
        (
            &json!("pending"),
            &json!("urgent"),
            &json!("Printer on fire"),
            &json!(true)
        )
    );
    assert_eq!(t["assignee"], json!({ "id": MEMBER, "name": "Max Member" }));
    // The same again is no change, and says so.
    let r = action(
        &app,
        OWNER_TOKEN,
        1,
        "priority",
        json!({ "priority": "urgent" }),
    );
    assert_eq!(json(&r)["changed"], false);
    // PATCH is the same as POST.
    let r = call(
        &app,
        "PATCH",
        "/api/v1/tickets/TKT-1/priority",
        "/api/v1/tickets/{code}/{action}",
        Some(OWNER_TOKEN),
        Some(json!({ "priority": "low" })),
    );
    assert_eq!(json(&r)["ticket"]["ticket"]["priority"], "low");
}

#[test]
fn refusals_come_back_as_error_json_and_change_nothing() {
    let app = spawn_with_tokens(1);
    let before = snapshot(&app, 1);
    let version = json(&get(&app, Some(OWNER_TOKEN), 1))["ticket"]["version"].clone();
    let cases = [
        (
            OWNER_TOKEN,
            "status",
            json!({ "status": "closed" }),
            409,
            "transition_refused",
        ),
        (
            GUEST_TOKEN,
            "comment",
            json!({ "comment": "hi" }),
            403,
            "forbidden",
        ),
        (
            OWNER_TOKEN,
            "priority",
            json!({ "priority": "asap" }),
            422,
            "validation_failed",
        ),
        (
            OWNER_TOKEN,
            "snooze",
            json!({ "until": "2000-01-01T00:00Z" }),
            422,
            "snooze_in_past",
        ),
        (
            OWNER_TOKEN,
            "assign",
            json!({ "assignee": "ffffffffffffffffffffffffffffffff" }),
            422,
            "assignee_not_member",
        ),
        (OWNER_TOKEN, "delete", json!({}), 422, "validation_failed"),
        (
            OWNER_TOKEN,
            "status",
            json!({ "status": "pending", "version": 1 }),
            409,
            "stale_edit",
        ),
    ];
    for (token, verb, body, status, code) in cases {
        let r = action(&app, token, 1, verb, body);
        assert_eq!(error_code(&r, status), code, "{verb}");
    }
    assert_eq!(snapshot(&app, 1), before);
    // The version the read gave is the one that works.
    let r = action(
        &app,
        OWNER_TOKEN,
        1,
        "status",
        json!({ "status": "pending", "version": version }),
    );
    assert_eq!(r.status, 200);
    // A member may not change someone else's ticket.
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET assignee_id = '{OTHER_MEMBER}'"
        ))
        .unwrap();
    let r = action(
        &app,
        MEMBER_TOKEN,
        1,
        "priority",
        json!({ "priority": "high" }),
    );
    assert_eq!(error_code(&r, 403), "forbidden");
}

#[test]
fn create_is_idempotent_and_delete_removes() {
    let app = spawn_with_tokens(0);
    let body = json!({ "subject": "From a script", "requester": { "email": "x@example.com" } });
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets",
        "/api/v1/tickets",
        Some(MEMBER_TOKEN),
        Some(body.clone()),
    );
    assert_eq!(r.status, 201);
    let t = &json(&r)["ticket"];
    assert_eq!(
        (&t["source"], &t["assignee"]["id"]),
        (&json!("api"), &json!(MEMBER))
    );
    let again = call(
        &app,
        "POST",
        "/api/v1/tickets",
        "/api/v1/tickets",
        Some(MEMBER_TOKEN),
        Some(body),
    );
    assert_eq!(again.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets",
        "/api/v1/tickets",
        Some(GUEST_TOKEN),
        Some(json!({ "subject": "x" })),
    );
    assert_eq!(error_code(&r, 403), "forbidden");
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets",
        "/api/v1/tickets",
        Some(OWNER_TOKEN),
        Some(json!({ "subject": "" })),
    );
    assert_eq!(error_code(&r, 422), "validation_failed");

    let r = call(
        &app,
        "DELETE",
        "/api/v1/tickets/TKT-1",
        "/api/v1/tickets/{code}",
        Some(MEMBER_TOKEN),
        None,
    );
    assert_eq!(error_code(&r, 403), "forbidden");
    let r = call(
        &app,
        "DELETE",
        "/api/v1/tickets/TKT-1",
        "/api/v1/tickets/{code}",
        Some(OWNER_TOKEN),
        None,
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        error_code(&get(&app, Some(OWNER_TOKEN), 1), 404),
        "not_found"
    );
}

#[test]
fn bulk_applies_each_ticket_on_its_own_and_says_which_were_refused() {
    let app = spawn_with_tokens(3);
    app.db()
        .execute_script("UPDATE tickets SET status = 'closed' WHERE code = 'TKT-2'")
        .unwrap();
    let body = json!({ "codes": ["TKT-1", "TKT-2", "TKT-3", "TKT-99", "nope"], "action": "status", "status": "pending" });
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets/bulk",
        "/api/v1/tickets/bulk",
        Some(OWNER_TOKEN),
        Some(body),
    );
    assert_eq!(r.status, 200);
    let result = json(&r);
    assert_eq!(
        (&result["changed"], &result["refused"]),
        (&json!(2), &json!(3))
    );
    let outcome = |i: usize| result["results"][i]["outcome"].as_str().unwrap().to_owned();
    assert_eq!(
        (0..5).map(outcome).collect::<Vec<_>>(),
        ["changed", "refused", "changed", "refused", "refused"]
    );
    assert_eq!(result["results"][1]["error"]["code"], "transition_refused");
    assert_eq!(result["results"][3]["error"]["code"], "not_found");
    assert_eq!(snapshot(&app, 2)["ticket"][0]["status"], "closed");
    assert_eq!(snapshot(&app, 3)["ticket"][0]["status"], "pending");

    // A guest may not bulk at all; a bulk delete needs its confirmation.
    let body = json!({ "codes": ["TKT-1"], "action": "spam", "spam": true });
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets/bulk",
        "/api/v1/tickets/bulk",
        Some(GUEST_TOKEN),
        Some(body),
    );
    assert_eq!(error_code(&r, 403), "forbidden");
    let body = json!({ "codes": ["TKT-1"], "action": "delete" });
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets/bulk",
        "/api/v1/tickets/bulk",
        Some(OWNER_TOKEN),
        Some(body),
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    let body = json!({ "codes": ["TKT-1", "TKT-3"], "action": "delete", "confirm": "delete" });
    let r = call(
        &app,
        "POST",
        "/api/v1/tickets/bulk",
        "/api/v1/tickets/bulk",
        Some(OWNER_TOKEN),
        Some(body),
    );
    assert_eq!(json(&r)["results"][1]["outcome"], "deleted");
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
}

#[test]
fn the_openapi_document_is_served_and_names_every_route() {
    let app = TestApp::spawn();
    let r = app.get("/api/v1/openapi.json", &[]);
    assert_eq!(r.status, 200);
    let doc = json(&r);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{code}",
        "/api/v1/tickets/{code}/{action}",
        "/api/v1/tickets/bulk",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    let verbs = &doc["paths"]["/api/v1/tickets/{code}/{action}"]["parameters"][1]["schema"]["enum"];
    for verb in ticketbooth_functions::http::routes::Verb::ALL {
        assert!(
            verbs.as_array().unwrap().contains(&json!(verb.as_str())),
            "{verb:?} undocumented"
        );
    }
}

#[test]
fn the_list_filters_searches_and_pages_by_cursor() {
    let app = spawn_with_tokens(55);
    app.db()
        .execute_script(
            "UPDATE tickets SET priority = 'urgent' WHERE code = 'TKT-7';
             UPDATE tickets SET status = 'closed' WHERE code = 'TKT-8';",
        )
        .unwrap();
    // Through the API, so the search index follows.
    let r = action(
        &app,
        OWNER_TOKEN,
        7,
        "edit",
        json!({"subject": "Urgent kettle"}),
    );
    assert_eq!(r.status, 200);
    let list = |qs: &str| {
        call(
            &app,
            "GET",
            &format!("/api/v1/tickets{qs}"),
            "/api/v1/tickets",
            Some(OWNER_TOKEN),
            None,
        )
    };
    let r = list("");
    assert_eq!(r.status, 200);
    let first = json(&r);
    assert_eq!(first["total"], 54, "closed hidden by default");
    assert_eq!(first["tickets"].as_array().unwrap().len(), 50);
    assert_eq!(first["tickets"][0]["code"], "TKT-7", "urgent first");
    assert!(first["previous_cursor"].is_null());
    let next = first["next_cursor"].as_str().unwrap().to_owned();
    let second = json(&list(&format!("?cursor={next}")));
    assert_eq!(second["tickets"].as_array().unwrap().len(), 4);
    assert!(second["next_cursor"].is_null());
    let codes = |page: &Json| -> Vec<String> {
        page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut all = codes(&first);
    all.extend(codes(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 54);

    let found = json(&list("?q=kett&status=open"));
    assert_eq!(codes(&found), ["TKT-7"]);
    assert_eq!(codes(&json(&list("?closed=only"))), ["TKT-8"]);

    let r = list("?status=done&cursor=zz&sort=sideways");
    assert_eq!(r.status, 422);
    let body = json(&r);
    for field in ["status", "cursor", "sort"] {
        assert!(body.to_string().contains(field), "{field} is named: {body}");
    }
    let r = call(
        &app,
        "GET",
        "/api/v1/tickets",
        "/api/v1/tickets",
        None,
        None,
    );
    assert_eq!(r.status, 401);
}

#[test]
fn the_documented_event_kinds_are_the_stored_ones() {
    // The CHECK list of `ticket_events.kind` (the last migration that rebuilt it) is what can
    // come back in a ticket's timeline; the OpenAPI enum must name every one of them.
    let app = TestApp::spawn();
    let table = app.rows(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ticket_events'",
        vec![],
    )[0]["sql"]
        .as_str()
        .unwrap()
        .to_owned();
    let check = &table[table.find("kind IN").expect("the kind CHECK")..];
    let check = &check[..check.find(')').unwrap()];
    let stored: Vec<&str> = check.split('\'').skip(1).step_by(2).collect();
    assert!(stored.len() >= 12, "{stored:?}");
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../openapi.json")).unwrap();
    let documented: Vec<&str> = doc["components"]["schemas"]["Event"]["properties"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for kind in &stored {
        assert!(
            documented.contains(kind),
            "`{kind}` is stored but not documented"
        );
    }
}
