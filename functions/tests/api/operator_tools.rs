//! The operator tools for agents (`list_tickets`, `get_ticket`, `update_ticket`,
//! `add_comment`) over `POST /api/v1/tools/{name}` with an operator API token and over MCP:
//! the tool permission matrix (each role allowed or refused exactly as `Role::permits` says),
//! the two scopes kept apart (a bot key never reaches an operator tool, an operator token never
//! a visitor tool), the version guard, one batch per update, and the list's query errors.
//! Every HTTP answer is checked against `functions/openapi.json`.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::service::operators::token_hash;
use ticketbooth_shared::role::{Action, Ownership, Role};

use crate::operator_api::conforms;
use crate::ticket_actions::{MEMBER, OTHER_MEMBER, OWNER, snapshot};
use crate::ticket_page::{GUEST_TOKEN, MEMBER_TOKEN, OWNER_TOKEN, STRANGER_TOKEN};
use crate::tools::bot_key;
use crate::{TestApp, error_code, json};

const ADMIN: &str = "000000000000000000000000000000f6";
const ADMIN_TOKEN: &str = "tbo_test_admin_token_00000000000001";

/// `ticket_page::spawn_with_tokens(n)` plus an admin with a token of their own; TKT-2 is
/// assigned to another member, TKT-1 (and the rest) unassigned.
fn spawn(n: usize) -> TestApp {
    let app = crate::ticket_page::spawn_with_tokens(n);
    app.db()
        .execute_script(&format!(
            "INSERT INTO operators (id, email, name, created_at)
               VALUES ('{ADMIN}', 'ada@acme.example', 'Ada Admin', 0);
             INSERT INTO site_members (site_id, operator_id, role, created_at)
               VALUES (1, '{ADMIN}', 'admin', 0);
             INSERT INTO operator_tokens (token_hash, site_id, operator_id, created_at)
               VALUES ('{}', 1, '{ADMIN}', 0);
             UPDATE tickets SET assignee_id = '{OTHER_MEMBER}' WHERE code = 'TKT-2';",
            token_hash(ADMIN_TOKEN).unwrap()
        ))
        .unwrap();
    app
}

/// `POST /api/v1/tools/{name}` with a bearer token, checked against the OpenAPI document.
fn tool(app: &TestApp, name: &str, token: Option<&str>, body: Json) -> Response {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    let r = app.send(
        "POST",
        &format!("/api/v1/tools/{name}"),
        &headers,
        Body::Bytes(body.to_string().into_bytes()),
    );
    conforms(&format!("/api/v1/tools/{name}"), "POST", &r);
    r
}

fn ok(r: &Response) -> Json {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    json(r)
}

fn version(app: &TestApp, code: &str) -> i64 {
    ok(&tool(
        app,
        "get_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": code }),
    ))["ticket"]["version"]
        .as_i64()
        .unwrap()
}

fn mcp(app: &TestApp, token: &str, method: &str, params: Json) -> Json {
    let r = app.send(
        "POST",
        "/mcp",
        &[
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(
            json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params })
                .to_string()
                .into_bytes(),
        ),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    json(&r)
}

#[test]
fn the_definitions_list_the_operator_tools_apart_from_the_visitor_tools() {
    let app = TestApp::spawn();
    let body = json(&app.get("/api/v1/tools", &[]));
    let names = |list: &Json, path: &[&str]| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|t| {
                path.iter()
                    .fold(t, |v, k| &v[*k])
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    // The visitor tools stay where existing clients read them.
    assert_eq!(
        names(&body["openai"], &["function", "name"]),
        ["open_ticket", "get_ticket_status"]
    );
    let operator = names(&body["operator"]["openai"], &["function", "name"]);
    assert_eq!(
        operator,
        ["list_tickets", "get_ticket", "update_ticket", "add_comment"]
    );
    assert_eq!(names(&body["operator"]["anthropic"], &["name"]), operator);
    for t in body["operator"]["openai"].as_array().unwrap() {
        let parameters = &t["function"]["parameters"];
        assert_eq!(t["function"]["strict"], true);
        assert_eq!(
            parameters["required"].as_array().unwrap().len(),
            parameters["properties"].as_object().unwrap().len()
        );
    }
}

/// Every role against every operator tool, on an unassigned ticket and on someone else's:
/// allowed exactly when `Role::permits` says so, and a refusal writes nothing.
#[test]
fn tool_permission_matrix() {
    let roles = [
        (GUEST_TOKEN, Role::Guest),
        (MEMBER_TOKEN, Role::Member),
        (ADMIN_TOKEN, Role::Admin),
        (OWNER_TOKEN, Role::Owner),
    ];
    for (token, role) in roles {
        // A fresh site per role, so each one's changes start from the same tickets.
        let app = spawn(2);
        for (n, ownership) in [(1, Ownership::Unassigned), (2, Ownership::Others)] {
            let code = format!("TKT-{n}");
            // Reads: every member of the site.
            let list = tool(&app, "list_tickets", Some(token), json!({ "query": "" }));
            assert_eq!(ok(&list)["total"], 2, "{role:?}");
            let read = tool(&app, "get_ticket", Some(token), json!({ "code": code }));
            assert_eq!(ok(&read)["ticket"]["code"], code.as_str());

            let calls = [
                (
                    "update_ticket",
                    json!({ "code": code, "version": version(&app, &code), "status": "pending" }),
                    Action::ChangeStatus,
                ),
                (
                    "update_ticket",
                    json!({ "code": code, "version": version(&app, &code), "priority": "high" }),
                    Action::ChangePriority,
                ),
                (
                    "update_ticket",
                    json!({ "code": code, "version": version(&app, &code), "labels_add": ["billing"] }),
                    Action::EditLabels,
                ),
                (
                    "add_comment",
                    json!({ "code": code, "body": "Looking into it.", "visibility": "internal" }),
                    Action::CommentInternal,
                ),
                (
                    "add_comment",
                    json!({ "code": code, "body": "We are on it.", "visibility": "public" }),
                    Action::CommentPublic,
                ),
            ];
            for (name, mut args, action) in calls {
                if name == "update_ticket" {
                    args["version"] = json!(version(&app, &code));
                }
                let before = snapshot(&app, n);
                let r = tool(&app, name, Some(token), args.clone());
                if role.permits(action, ownership) {
                    assert_eq!(ok(&r)["changed"], true, "{role:?} {name} {args}");
                } else {
                    assert_eq!(error_code(&r, 403), "forbidden", "{role:?} {name} {args}");
                    assert_eq!(snapshot(&app, n), before, "a refusal writes nothing");
                }
            }
        }
    }
}

#[test]
fn a_member_may_not_reassign_and_keep_working_someone_elses_ticket_in_one_call() {
    let app = spawn(1);
    let before = snapshot(&app, 1);
    // Taking an unassigned ticket and working it: fine for a member.
    let mine = json!({ "code": "TKT-1", "version": version(&app, "TKT-1"),
                       "assignee": "me", "status": "pending" });
    assert_eq!(
        ok(&tool(&app, "update_ticket", Some(MEMBER_TOKEN), mine))["changed"],
        true
    );
    // Handing it to someone else while changing it: the change must be allowed on the ticket
    // as it will be (someone else's), whatever order the fields come in.
    let theirs = json!({ "code": "TKT-1", "version": version(&app, "TKT-1"),
                         "assignee": OTHER_MEMBER, "priority": "urgent" });
    let after_take = snapshot(&app, 1);
    assert_ne!(after_take, before);
    let r = tool(&app, "update_ticket", Some(MEMBER_TOKEN), theirs);
    assert_eq!(error_code(&r, 403), "forbidden");
    assert_eq!(snapshot(&app, 1), after_take);
}

#[test]
fn bot_keys_and_operator_tokens_each_reach_only_their_own_tools() {
    let app = spawn(1);
    let key = bot_key(&app, "Assistant");
    // A bot key on an operator tool is no operator token.
    let r = tool(&app, "list_tickets", Some(&key), json!({}));
    assert_eq!(error_code(&r, 401), "unauthorized");
    assert_eq!(
        error_code(&tool(&app, "list_tickets", None, json!({})), 401),
        "unauthorized"
    );
    // An operator token on the bot's route is no bot key.
    let r = app.send(
        "POST",
        "/api/v1/sites/acme/tools/get_ticket_status",
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {OWNER_TOKEN}")),
        ],
        Body::Bytes(br#"{"code":"TKT-1","requester_email":"a@example.com"}"#.to_vec()),
    );
    assert_eq!(error_code(&r, 401), "unauthorized");
    // A visitor tool's name is no operator route, and an operator tool's no site route.
    let r = app.send(
        "POST",
        "/api/v1/tools/open_ticket",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
        Body::Bytes(b"{}".to_vec()),
    );
    assert_eq!(error_code(&r, 404), "not_found");
    let r = app.send(
        "POST",
        "/api/v1/sites/acme/tools/list_tickets",
        &[("authorization", &format!("Bearer {key}"))],
        Body::Bytes(b"{}".to_vec()),
    );
    assert_eq!(error_code(&r, 404), "not_found");

    // MCP: each credential lists its own tools and cannot call the others'.
    let listed = |token: &str| -> Vec<String> {
        mcp(&app, token, "tools/list", json!({}))["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed(&key), ["open_ticket", "get_ticket_status"]);
    assert_eq!(
        listed(OWNER_TOKEN),
        ["list_tickets", "get_ticket", "update_ticket", "add_comment"]
    );
    let call = |token: &str, name: &str| {
        mcp(
            &app,
            token,
            "tools/call",
            json!({ "name": name, "arguments": {} }),
        )
    };
    assert_eq!(call(&key, "list_tickets")["error"]["code"], -32602);
    assert_eq!(call(OWNER_TOKEN, "open_ticket")["error"]["code"], -32602);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    // A token of another site sees only that site's tickets.
    let r = tool(
        &app,
        "get_ticket",
        Some(STRANGER_TOKEN),
        json!({ "code": "TKT-1" }),
    );
    assert_eq!(error_code(&r, 404), "not_found");
}

#[test]
fn an_mcp_session_with_an_operator_token_works_tickets_with_honest_annotations() {
    let app = spawn(1);
    let init = mcp(
        &app,
        MEMBER_TOKEN,
        "initialize",
        json!({ "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": { "name": "agent", "version": "1" } }),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert!(
        init["result"]["instructions"]
            .as_str()
            .unwrap()
            .contains("list_tickets")
    );
    let tools = mcp(&app, MEMBER_TOKEN, "tools/list", json!({}))["result"]["tools"].clone();
    for t in tools.as_array().unwrap() {
        let reads = matches!(t["name"].as_str(), Some("list_tickets" | "get_ticket"));
        let a = &t["annotations"];
        assert_eq!(a["readOnlyHint"], reads, "{t}");
        assert_eq!(a["idempotentHint"], reads, "{t}");
        assert_eq!(a["destructiveHint"], false, "{t}");
        assert_eq!(t["inputSchema"]["type"], "object");
    }
    let call = |name: &str, arguments: Json| {
        mcp(
            &app,
            MEMBER_TOKEN,
            "tools/call",
            json!({ "name": name, "arguments": arguments }),
        )["result"]
            .clone()
    };
    let listed = call("list_tickets", json!({ "query": "status=open" }));
    assert_eq!(listed["isError"], false);
    let version = listed["structuredContent"]["tickets"][0]["version"].clone();
    let moved = call(
        "update_ticket",
        json!({ "code": "tkt-1", "version": version, "status": "pending", "assignee": "me" }),
    );
    assert_eq!(moved["isError"], false, "{moved}");
    assert_eq!(
        moved["structuredContent"]["ticket"]["ticket"]["status"],
        "pending"
    );
    assert_eq!(
        moved["structuredContent"]["ticket"]["ticket"]["assignee"]["id"],
        MEMBER
    );
    // The same call again: the version has moved on, so it is refused, for the agent to read.
    let again = call(
        "update_ticket",
        json!({ "code": "TKT-1", "version": version, "status": "resolved" }),
    );
    assert_eq!(again["isError"], true);
    assert!(
        again["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("stale_edit")
    );
    let bad = call("list_tickets", json!({ "query": "status=done" }));
    assert_eq!(bad["isError"], true);
    assert!(
        bad["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("- status:")
    );
}

#[test]
fn update_ticket_makes_every_change_in_one_batch_or_none() {
    let app = spawn(1);
    let seen = version(&app, "TKT-1");
    let body = ok(&tool(
        &app,
        "update_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "version": seen, "status": "pending", "priority": "high",
                "assignee": "me", "labels_add": ["billing", "vip"], "labels_remove": null }),
    ));
    assert_eq!(body["changed"], true);
    let ticket = &body["ticket"]["ticket"];
    assert_eq!(ticket["status"], "pending");
    assert_eq!(ticket["priority"], "high");
    assert_eq!(ticket["assignee"]["id"], OWNER);
    assert_eq!(ticket["labels"], json!(["billing", "vip"]));
    // One event per change, all at the one moment of the one batch.
    let events = app.rows(
        "SELECT kind, created_at FROM ticket_events WHERE kind <> 'created' ORDER BY id",
        vec![],
    );
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "assigned",
            "status_changed",
            "priority_changed",
            "label_added",
            "label_added"
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e["created_at"] == events[0]["created_at"])
    );
    assert_eq!(ticket["version"], events[0]["created_at"]);

    // The version the agent read before is stale now: refused, nothing written.
    let before = snapshot(&app, 1);
    let stale = json!({ "code": "TKT-1", "version": seen, "priority": "low" });
    let r = tool(&app, "update_ticket", Some(OWNER_TOKEN), stale);
    assert_eq!(error_code(&r, 409), "stale_edit");
    assert_eq!(snapshot(&app, 1), before);
    // One change the status table refuses: the others in the call (the unassignment made
    // before it, the priority and label after it) are not made either.
    let now = version(&app, "TKT-1");
    let mixed = json!({ "code": "TKT-1", "version": now, "assignee": "none", "priority": "low",
                        "labels_remove": ["vip"], "status": "pending" });
    let r = tool(&app, "update_ticket", Some(OWNER_TOKEN), mixed);
    assert_eq!(error_code(&r, 409), "transition_refused");
    assert_eq!(snapshot(&app, 1), before);
    // Nothing to change: answered, nothing written.
    let same = json!({ "code": "TKT-1", "version": now, "priority": "high" });
    assert_eq!(
        ok(&tool(&app, "update_ticket", Some(OWNER_TOKEN), same))["changed"],
        false
    );
    assert_eq!(snapshot(&app, 1), before);
    // An assignee who is not a member who works tickets: the API's error, on its field.
    let stranger =
        json!({ "code": "TKT-1", "version": now, "assignee": "000000000000000000000000000000e5" });
    let r = tool(&app, "update_ticket", Some(OWNER_TOKEN), stranger);
    assert_eq!(error_code(&r, 422), "assignee_not_member");
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn update_ticket_classifies_and_leaves_a_ticket_waiting_on_the_customer_in_one_call() {
    let app = spawn(1);
    let seen = version(&app, "TKT-1");
    // Pending and waiting on the customer in one call: the side is set on the ticket as the
    // status change leaves it.
    let body = ok(&tool(
        &app,
        "update_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "version": seen, "status": "pending", "waiting_on": "customer",
                "topic": "Billing", "intent": "refund request" }),
    ));
    assert_eq!(body["changed"], true);
    let row = &app.rows(
        "SELECT status, waiting_on, topic, intent FROM tickets WHERE code = 'TKT-1'",
        vec![],
    )[0];
    assert_eq!(row["status"], "pending");
    assert_eq!(row["waiting_on"], "customer");
    assert_eq!(row["topic"], "billing");
    assert_eq!(row["intent"], "refund_request");
    let kinds: Vec<String> = app
        .rows(
            "SELECT kind FROM ticket_events WHERE kind <> 'created' ORDER BY id",
            vec![],
        )
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["status_changed", "waiting_changed", "classified"]);
    // The list's query language finds it by the new filters.
    let listed = ok(&tool(
        &app,
        "list_tickets",
        Some(OWNER_TOKEN),
        json!({ "query": "waiting=customer&intent=refund_request", "cursor": null }),
    ));
    assert_eq!(listed["tickets"].as_array().unwrap().len(), 1);

    // `none` clears the intent; a side on a ticket that is not pending is refused, whole.
    let now = version(&app, "TKT-1");
    let before = snapshot(&app, 1);
    let r = tool(
        &app,
        "update_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "version": now, "status": "open", "waiting_on": "team",
                "intent": "none" }),
    );
    assert_eq!(error_code(&r, 422), "not_pending");
    assert_eq!(snapshot(&app, 1), before);
    let body = ok(&tool(
        &app,
        "update_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "version": now, "intent": "none" }),
    ));
    assert_eq!(body["changed"], true);
    let row = &app.rows(
        "SELECT topic, intent FROM tickets WHERE code = 'TKT-1'",
        vec![],
    )[0];
    assert_eq!(row["topic"], "billing");
    assert!(row["intent"].is_null());
}

#[test]
fn bad_arguments_are_the_apis_errors_by_field_and_write_nothing() {
    let app = spawn(1);
    let before = snapshot(&app, 1);
    let field_errors = |r: &Response| -> Vec<String> {
        assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
        json(r)["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    // The list's query language, its own field errors.
    let r = tool(
        &app,
        "list_tickets",
        Some(OWNER_TOKEN),
        json!({ "query": "status=done&label=a%2Fb&sort=relevance" }),
    );
    assert_eq!(field_errors(&r), ["label", "sort", "status"]);
    let r = tool(
        &app,
        "list_tickets",
        Some(OWNER_TOKEN),
        json!({ "cursor": "!!" }),
    );
    assert_eq!(field_errors(&r), ["cursor"]);
    let r = tool(
        &app,
        "update_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "status": "done", "labels_add": ["a/b"] }),
    );
    assert_eq!(field_errors(&r), ["labels_add", "status", "version"]);
    let r = tool(
        &app,
        "add_comment",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "body": "Hi" }),
    );
    assert_eq!(field_errors(&r), ["visibility"]);
    // Unknown arguments and wrong types: malformed, as the visitor tools answer.
    let r = tool(
        &app,
        "update_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "delete": true }),
    );
    assert_eq!(error_code(&r, 400), "malformed_json");
    let r = tool(
        &app,
        "update_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-1", "version": "x" }),
    );
    assert_eq!(error_code(&r, 400), "malformed_json");
    let r = tool(
        &app,
        "get_ticket",
        Some(OWNER_TOKEN),
        json!({ "code": "TKT-99" }),
    );
    assert_eq!(error_code(&r, 404), "not_found");
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn list_tickets_pages_with_its_cursor() {
    let app = spawn(51);
    let first = ok(&tool(
        &app,
        "list_tickets",
        Some(GUEST_TOKEN),
        json!({ "query": "?sort=created" }),
    ));
    assert_eq!(first["total"], 51);
    assert_eq!(first["tickets"].as_array().unwrap().len(), 50);
    let cursor = first["next_cursor"].as_str().unwrap();
    let next = ok(&tool(
        &app,
        "list_tickets",
        Some(GUEST_TOKEN),
        json!({ "query": "sort=created", "cursor": cursor }),
    ));
    assert_eq!(next["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(next["tickets"][0]["code"], "TKT-1");
    assert_eq!(next["next_cursor"], Json::Null);
    // Filters: the label and status a list URL carries.
    let v = version(&app, "TKT-7");
    let labelled = json!({ "code": "TKT-7", "version": v, "labels_add": ["billing"] });
    ok(&tool(&app, "update_ticket", Some(OWNER_TOKEN), labelled));
    let billing = ok(&tool(
        &app,
        "list_tickets",
        Some(GUEST_TOKEN),
        json!({ "query": "status=open&label=billing" }),
    ));
    assert_eq!(billing["total"], 1);
    assert_eq!(billing["tickets"][0]["code"], "TKT-7");
}

#[test]
fn get_ticket_by_code_or_id_with_internal_notes_and_the_latest_events() {
    let app = spawn(1);
    for i in 0..22 {
        let body =
            json!({ "code": "TKT-1", "body": format!("Note {i}"), "visibility": "internal" });
        ok(&tool(&app, "add_comment", Some(MEMBER_TOKEN), body));
    }
    let id = app.rows("SELECT id FROM tickets WHERE code = 'TKT-1'", vec![])[0]["id"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let body = ok(&tool(
        &app,
        "get_ticket",
        Some(GUEST_TOKEN),
        json!({ "code": id }),
    ));
    assert_eq!(body["ticket"]["code"], "TKT-1");
    let comments = body["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 22);
    assert_eq!(comments[0]["visibility"], "internal");
    // 23 events (the creation and 22 comments): the 20 most recent.
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 20);
    assert!(events.iter().all(|e| e["kind"] == "comment_added"));
}

#[test]
fn a_public_comment_reaches_the_visitors_thread_and_an_internal_one_never() {
    let app = spawn(0);
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000a001",
        &json!({ "subject": "Charged twice", "description": "Order 1234",
                 "requester": { "name": "Vera Visitor", "email": "vera@example.com" } }),
        &[],
    );
    let created = json(&r);
    let (id, token) = (
        created["ticket"]["id"].as_str().unwrap(),
        created["visitor_token"].as_str().unwrap(),
    );
    for (body, visibility) in [
        ("Refund approved by finance.", "internal"),
        ("Refunded today.", "public"),
    ] {
        let args = json!({ "code": id, "body": body, "visibility": visibility });
        ok(&tool(&app, "add_comment", Some(OWNER_TOKEN), args));
    }
    let thread = app.get(
        &format!("/api/v1/sites/acme/tickets/{id}/comments"),
        &[("authorization", &format!("Bearer {token}"))],
    );
    let text = String::from_utf8(thread.body).unwrap();
    assert!(text.contains("Refunded today."), "{text}");
    assert!(!text.contains("finance"), "{text}");
}

/// The OpenAPI document's argument schemas are the tools' own (Anthropic's, plain JSON
/// Schema), so the document never promises what the parsers refuse.
#[test]
fn the_openapi_document_gives_each_tool_its_own_argument_schema() {
    use ticketbooth_shared::operator_tools::OperatorTool;
    let doc: Json = serde_json::from_str(ticketbooth_functions::api::operator::OPENAPI).unwrap();
    for tool in OperatorTool::ALL {
        let name = tool.name();
        let operation = &doc["paths"][format!("/api/v1/tools/{name}")]["post"];
        let reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no request body"));
        let schema =
            &doc["components"]["schemas"][reference.trim_start_matches("#/components/schemas/")];
        let own = serde_json::to_value(tool.anthropic().input_schema).unwrap();
        assert_eq!(schema, &own, "{name}:\n{own}");
    }
}
