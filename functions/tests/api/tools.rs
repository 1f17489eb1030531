//! The bot tools for bots that live elsewhere: their definitions (OpenAI strict, Anthropic),
//! bot keys from the dashboard, `POST …/tools/{name}` and the MCP server at `/mcp` — over the
//! one create function, idempotent per call, gated by the site's `ticketing` capability.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, Response};

use crate::ticket_page::{OWNER_TOKEN, session, spawn_with_tokens};
use crate::{TestApp, csrf_of, error_code, json};

/// Creates a bot key for `acme` from the dashboard, as its owner would; the key shown once.
pub fn bot_key(app: &TestApp, label: &str) -> String {
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(app, &owner);
    let r = app.form(
        "/app/settings/bots",
        Some(&owner),
        &[("csrf", &csrf), ("label", label)],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let html = String::from_utf8(r.body).unwrap();
    let marker = "id=\"key-value\" class=\"secret\" readonly value=\"";
    let at = html.find(marker).unwrap() + marker.len();
    html[at..at + 68].to_owned()
}

pub fn tool(
    app: &TestApp,
    site: &str,
    name: &str,
    key: Option<&str>,
    body: Json,
    extra: &[(&str, &str)],
) -> Response {
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    headers.extend_from_slice(extra);
    app.send(
        "POST",
        &format!("/api/v1/sites/{site}/tools/{name}"),
        &headers,
        Body::Bytes(body.to_string().into_bytes()),
    )
}

fn mcp(app: &TestApp, key: Option<&str>, body: Json, extra: &[(&str, &str)]) -> Response {
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
    ];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    headers.extend_from_slice(extra);
    app.send(
        "POST",
        "/mcp",
        &headers,
        Body::Bytes(body.to_string().into_bytes()),
    )
}

fn billing() -> Json {
    json!({ "subject": "Charged twice", "description": "Order 1234 was charged twice.",
            "priority": "high", "summary": "Double charge on order 1234; wants a refund.",
            "requester_name": "Ada Lovelace", "requester_email": "ada@example.com" })
}

#[test]
fn the_definitions_are_strict_openai_functions_and_anthropic_tools() {
    let app = TestApp::spawn();
    let r = app.get("/api/v1/tools", &[]);
    assert_eq!(r.status, 200);
    let body = json(&r);
    let names: Vec<&str> = body["openai"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["open_ticket", "get_ticket_status"]);
    for t in body["openai"].as_array().unwrap() {
        let parameters = &t["function"]["parameters"];
        assert_eq!(t["function"]["strict"], true);
        assert_eq!(parameters["additionalProperties"], false);
        let properties = parameters["properties"].as_object().unwrap();
        assert_eq!(
            parameters["required"].as_array().unwrap().len(),
            properties.len()
        );
    }
    assert_eq!(body["anthropic"][0]["name"], "open_ticket");
    assert_eq!(
        body["anthropic"][0]["input_schema"]["required"],
        json!(["subject", "description"])
    );
}

#[test]
fn a_bot_key_opens_a_ticket_once_per_call_with_the_models_priority_and_summary() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "Support assistant");
    assert!(key.starts_with("tbb_"));
    assert_eq!(
        app.count("SELECT count(*) FROM bot_keys WHERE key_hash LIKE 'tbb_%'"),
        0,
        "only the hash is stored"
    );
    let call = [("tool-call-id", "call_abc123")];
    let r = tool(&app, "acme", "open_ticket", Some(&key), billing(), &call);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    assert_eq!(body["result"], "ticket_opened");
    let code = body["code"].as_str().unwrap().to_owned();
    assert_eq!(body["status"], "open");
    assert_eq!(body["replayed"], false);
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/app/tickets/{code}"))
    );
    assert_eq!(
        body["message"],
        format!("I've opened ticket {code} for our team.")
    );
    let row = &app.rows(
        "SELECT source, priority, summary, requester_email FROM tickets WHERE code = ?1",
        vec![code.as_str().into()],
    )[0];
    assert_eq!(row["source"], "bot");
    assert_eq!(row["priority"], "high");
    assert_eq!(
        row["summary"],
        "Double charge on order 1234; wants a refund."
    );
    assert_eq!(
        app.rows(
            "SELECT actor FROM ticket_events WHERE kind = 'created'",
            vec![]
        )[0]["actor"],
        r#"{"type":"bot"}"#
    );

    // The model retries the same call: the same ticket, once.
    let again = tool(&app, "acme", "open_ticket", Some(&key), billing(), &call);
    assert_eq!(again.status, 200);
    assert_eq!(json(&again)["code"], code.as_str());
    assert_eq!(json(&again)["replayed"], true);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    // Without a call id, the arguments name the call.
    let plain = tool(&app, "acme", "open_ticket", Some(&key), billing(), &[]);
    assert_eq!(plain.status, 201);
    let plain_again = tool(&app, "acme", "open_ticket", Some(&key), billing(), &[]);
    assert_eq!(json(&plain_again)["code"], json(&plain)["code"]);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
    assert!(
        app.count("SELECT count(*) FROM bot_keys WHERE last_used_at IS NOT NULL") == 1,
        "last use recorded"
    );

    // Status, for the requester's email only.
    let status = |email: Option<&str>| {
        tool(
            &app,
            "acme",
            "get_ticket_status",
            Some(&key),
            json!({ "code": code.to_lowercase(), "requester_email": email }),
            &[],
        )
    };
    let r = status(Some("ADA@example.com"));
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["status_label"], "Received");
    assert_eq!(
        error_code(&status(Some("eve@example.com")), 404),
        "not_found"
    );
    assert_eq!(error_code(&status(None), 422), "validation_failed");
}

#[test]
fn refused_calls_write_nothing() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "Assistant");
    let tickets = || app.count("SELECT count(*) FROM tickets");

    assert_eq!(
        error_code(
            &tool(&app, "acme", "open_ticket", None, billing(), &[]),
            401
        ),
        "unauthorized"
    );
    let forged = format!("tbb_{}", "0".repeat(64));
    assert_eq!(
        error_code(
            &tool(&app, "acme", "open_ticket", Some(&forged), billing(), &[]),
            401
        ),
        "unauthorized"
    );
    // A key is its site's only.
    assert_eq!(
        error_code(
            &tool(&app, "strict", "open_ticket", Some(&key), billing(), &[]),
            401
        ),
        "unauthorized"
    );
    let r = tool(
        &app,
        "acme",
        "open_ticket",
        Some(&key),
        json!({ "subject": "", "priority": "asap" }),
        &[],
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    let fields = json(&r)["error"]["fields"].clone();
    assert!(
        fields["subject"].is_string()
            && fields["description"].is_string()
            && fields["priority"].is_string()
    );
    let r = tool(
        &app,
        "acme",
        "open_ticket",
        Some(&key),
        json!({ "subject": "x", "colour": "red" }),
        &[],
    );
    assert_eq!(error_code(&r, 400), "malformed_json");
    assert_eq!(tickets(), 0);

    // Switched off: the vertical is not a help centre and there is no override.
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let save = |vertical: &str, ticketing: &str| {
        let r = app.form(
            "/app/settings/bots/capabilities",
            Some(&owner),
            &[
                ("csrf", &csrf),
                ("vertical", vertical),
                ("ticketing", ticketing),
            ],
        );
        assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    };
    save("other", "default");
    let r = tool(&app, "acme", "open_ticket", Some(&key), billing(), &[]);
    assert_eq!(error_code(&r, 403), "capability_disabled");
    assert_eq!(tickets(), 0);
    let (_, html) = app.page("/app/settings/bots", &owner);
    assert!(html.contains("are <strong>off</strong>"));
    save("other", "on");
    assert_eq!(
        tool(&app, "acme", "open_ticket", Some(&key), billing(), &[]).status,
        201
    );
    let bad = app.form(
        "/app/settings/bots/capabilities",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("vertical", "casino"),
            ("ticketing", "maybe"),
        ],
    );
    assert_eq!(bad.status, 422);

    // Revoked: the key stops working at once.
    let id = app.rows("SELECT id FROM bot_keys", vec![])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.form(
        &format!("/app/settings/bots/{id}"),
        Some(&owner),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        error_code(
            &tool(&app, "acme", "open_ticket", Some(&key), billing(), &[]),
            401
        ),
        "unauthorized"
    );
}

#[test]
fn a_site_requiring_contact_details_makes_the_tool_ask_for_them() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "Assistant");
    app.db()
        .execute_script("UPDATE sites SET contact_required = 1 WHERE key = 'acme'")
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    let mut args = billing();
    args["requester_email"] = Json::Null;
    let r = tool(&app, "acme", "open_ticket", Some(&key), args, &[]);
    assert_eq!(r.status, 200);
    let body = json(&r);
    assert_eq!(body["result"], "needs_contact");
    assert_eq!(body["missing"], json!(["requester_email"]));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("your email address")
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
    assert_eq!(
        tool(&app, "acme", "open_ticket", Some(&key), billing(), &[]).status,
        201
    );
}

#[test]
fn the_mcp_server_negotiates_lists_and_calls() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "MCP client");
    let rpc = |id: i64, method: &str, params: Json| {
        let r = mcp(
            &app,
            Some(&key),
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
            &[],
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        json(&r)
    };
    let init = rpc(
        1,
        "initialize",
        json!({ "protocolVersion": "2025-06-18", "capabilities": {},
                                            "clientInfo": { "name": "test", "version": "1" } }),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(
        init["result"]["capabilities"]["tools"]["listChanged"],
        false
    );
    let future = rpc(2, "initialize", json!({ "protocolVersion": "2099-01-01" }));
    assert_eq!(
        future["result"]["protocolVersion"], "2025-11-25",
        "our newest"
    );
    let note = mcp(
        &app,
        Some(&key),
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
        &[],
    );
    assert_eq!(note.status, 202);
    assert!(note.body.is_empty());

    let list = rpc(3, "tools/list", json!({}));
    let open = &list["result"]["tools"][0];
    assert_eq!(open["name"], "open_ticket");
    assert_eq!(
        open["annotations"],
        json!({ "title": "Open a support ticket", "readOnlyHint": false,
        "destructiveHint": false, "idempotentHint": true, "openWorldHint": false })
    );
    assert_eq!(open["inputSchema"]["additionalProperties"], false);

    let called = rpc(
        4,
        "tools/call",
        json!({ "name": "open_ticket", "arguments": billing() }),
    );
    assert_eq!(called["result"]["isError"], false);
    let code = called["result"]["structuredContent"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        called["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains(&code)
    );
    let again = rpc(
        5,
        "tools/call",
        json!({ "name": "open_ticket", "arguments": billing() }),
    );
    assert_eq!(
        again["result"]["structuredContent"]["code"],
        code.as_str(),
        "idempotent"
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);

    let refused = rpc(
        6,
        "tools/call",
        json!({ "name": "open_ticket", "arguments": { "subject": "" } }),
    );
    assert_eq!(refused["result"]["isError"], true);
    assert!(
        refused["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("description")
    );
    assert_eq!(
        rpc(7, "tools/call", json!({ "name": "delete_everything" }))["error"]["code"],
        -32602
    );
    assert_eq!(rpc(8, "resources/list", json!({}))["error"]["code"], -32601);
    assert_eq!(rpc(9, "ping", json!({}))["result"], json!({}));

    let bad = mcp(
        &app,
        Some(&key),
        json!([{ "jsonrpc": "2.0", "id": 1, "method": "ping" }]),
        &[],
    );
    assert_eq!(bad.status, 400);
    assert_eq!(json(&bad)["error"]["code"], -32600);
    assert_eq!(
        error_code(
            &mcp(
                &app,
                None,
                json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }),
                &[]
            ),
            401
        ),
        "unauthorized"
    );
    let foreign = mcp(
        &app,
        Some(&key),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }),
        &[("origin", "https://evil.example")],
    );
    assert_eq!(error_code(&foreign, 403), "origin_not_allowed");
    let old = mcp(
        &app,
        Some(&key),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }),
        &[("mcp-protocol-version", "1999-01-01")],
    );
    assert_eq!(old.status, 400);
    assert_eq!(app.get("/mcp", &[]).status, 405);
}

/// `open_ticket` over MCP: the JSON-RPC result.
fn mcp_open(app: &TestApp, key: &str, id: i64, arguments: Json) -> Json {
    let r = mcp(
        app,
        Some(key),
        json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": { "name": "open_ticket", "arguments": arguments } }),
        &[],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    json(&r)["result"].clone()
}

fn numbered(n: u32) -> Json {
    let mut args = billing();
    args["subject"] = json!(format!("Problem number {n}"));
    args
}

/// A ticket through the operator API, as a member's script would.
fn operator_create(app: &TestApp, n: u32) -> Response {
    let key = format!("00000000-0000-4000-8000-{n:012}");
    app.send(
        "POST",
        "/api/v1/tickets",
        &[
            ("authorization", &format!("Bearer {OWNER_TOKEN}")),
            ("content-type", "application/json"),
            ("idempotency-key", &key),
        ],
        Body::Bytes(crate::ticket_body("Phone call").to_string().into_bytes()),
    )
}

#[test]
fn the_daily_cap_counts_tool_and_mcp_tickets_and_refuses_them_past_it() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "Assistant");
    app.db()
        .execute_script("UPDATE sites SET daily_ticket_cap = 3 WHERE key = 'acme'")
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    let tickets = || app.count("SELECT count(*) FROM tickets");
    assert_eq!(
        tool(&app, "acme", "open_ticket", Some(&key), numbered(1), &[]).status,
        201
    );
    assert_eq!(mcp_open(&app, &key, 1, numbered(2))["isError"], false);
    let widget = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000a001",
        &crate::ticket_body("From the form"),
        &[],
    );
    assert_eq!(widget.status, 201);
    assert_eq!(tickets(), 3);

    // The cap is taken: the tool route, MCP and the widget are refused alike.
    let r = tool(&app, "acme", "open_ticket", Some(&key), numbered(3), &[]);
    assert_eq!(error_code(&r, 429), "daily_cap_reached");
    assert!(r.header("retry-after").is_some());
    let refused = mcp_open(&app, &key, 2, numbered(4));
    assert_eq!(
        refused["isError"], true,
        "a result the model reads: {refused}"
    );
    assert!(
        refused["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("daily_cap_reached")
    );
    let widget = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000a002",
        &crate::ticket_body("Once more"),
        &[],
    );
    assert_eq!(error_code(&widget, 429), "daily_cap_reached");
    assert_eq!(tickets(), 3, "nothing written");
    // A replay of an accepted call still answers with its ticket.
    let again = tool(&app, "acme", "open_ticket", Some(&key), numbered(1), &[]);
    assert_eq!(again.status, 200);
    // The site's members are not limited.
    assert_eq!(operator_create(&app, 9).status, 201);
}

#[test]
fn with_ticket_creation_off_bots_open_nothing_but_operators_still_do() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "Assistant");
    app.db()
        .execute_script("UPDATE sites SET ticketing_enabled = 0 WHERE key = 'acme'")
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    let r = tool(&app, "acme", "open_ticket", Some(&key), billing(), &[]);
    assert_eq!(error_code(&r, 403), "ticketing_disabled");
    let refused = mcp_open(&app, &key, 1, billing());
    assert_eq!(refused["isError"], true, "{refused}");
    assert!(
        refused["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("ticketing_disabled")
    );
    let widget = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000a003",
        &crate::ticket_body("From the form"),
        &[],
    );
    assert_eq!(error_code(&widget, 403), "ticketing_disabled");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
    assert_eq!(app.count("SELECT count(*) FROM idempotency_keys"), 0);
    // Operators and the API still create.
    assert_eq!(operator_create(&app, 7).status, 201);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/tickets/new",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("key", "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e09"),
            ("subject", "Phoned in"),
            ("description", "A caller"),
        ],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
}

#[test]
fn a_models_call_id_reused_with_other_arguments_is_another_call() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "Assistant");
    let call = [("tool-call-id", "call_0")];
    let first = tool(&app, "acme", "open_ticket", Some(&key), numbered(1), &call);
    assert_eq!(first.status, 201);
    let second = tool(&app, "acme", "open_ticket", Some(&key), numbered(2), &call);
    assert_eq!(
        second.status,
        201,
        "{}",
        String::from_utf8_lossy(&second.body)
    );
    assert_ne!(json(&second)["code"], json(&first)["code"]);
    let retried = tool(&app, "acme", "open_ticket", Some(&key), numbered(2), &call);
    assert_eq!(json(&retried)["replayed"], true);
    // A client's own Idempotency-Key stays a key: other arguments under it are refused.
    let keyed = [("idempotency-key", "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e01")];
    assert_eq!(
        tool(&app, "acme", "open_ticket", Some(&key), numbered(3), &keyed).status,
        201
    );
    let reused = tool(&app, "acme", "open_ticket", Some(&key), numbered(4), &keyed);
    assert_eq!(error_code(&reused, 422), "idempotency_key_reused");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 3);
}
