//! Topic and intent on every ticket: the bot's `open_ticket` stores them, operators set,
//! change and clear them (API, ticket page, new-ticket form) with a `classified` event, bad
//! values change nothing, and the list filters by topic, intent and `source=human`.

use serde_json::{Value as Json, json};

use crate::operator_api::call;
use crate::ticket_actions::snapshot;
use crate::ticket_page::{GUEST_TOKEN, OWNER_TOKEN, session, spawn_with_tokens};
use crate::tools::{bot_key, tool};
use crate::{TestApp, csrf_of, error_code, json};

fn classify(
    app: &TestApp,
    token: &str,
    n: u32,
    body: Json,
) -> ticketbooth_functions::http::Response {
    call(
        app,
        "POST",
        &format!("/api/v1/tickets/TKT-{n}/classify"),
        "/api/v1/tickets/{code}/{action}",
        Some(token),
        Some(body),
    )
}

fn classes(app: &TestApp, n: u32) -> (Json, Json) {
    let row = &snapshot(app, n)["ticket"][0];
    (row["topic"].clone(), row["intent"].clone())
}

/// The `classified` events of ticket `n`, oldest first: their data and actor.
fn classified_events(app: &TestApp, n: u32) -> Vec<(Json, Json)> {
    snapshot(app, n)["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "classified")
        .map(|e| {
            let parse = |v: &Json| serde_json::from_str(v.as_str().unwrap()).unwrap();
            (parse(&e["data"]), parse(&e["actor"]))
        })
        .collect()
}

fn list(app: &TestApp, qs: &str) -> Vec<String> {
    let r = call(
        app,
        "GET",
        &format!("/api/v1/tickets?{qs}"),
        "/api/v1/tickets",
        Some(OWNER_TOKEN),
        None,
    );
    assert_eq!(r.status, 200, "{qs}: {}", String::from_utf8_lossy(&r.body));
    let mut codes: Vec<String> = json(&r)["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes
}

#[test]
fn the_bot_classifies_the_ticket_it_opens_and_a_bad_value_opens_nothing() {
    let app = spawn_with_tokens(0);
    let key = bot_key(&app, "Support assistant");
    let args = json!({ "subject": "Charged twice", "description": "Order 1234 was charged twice.",
                       "topic": "Billing", "intent": "Refund request" });
    let r = tool(
        &app,
        "acme",
        "open_ticket",
        Some(&key),
        args,
        &[("tool-call-id", "call_1")],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["code"], "TKT-1");
    assert_eq!(
        classes(&app, 1),
        (json!("billing"), json!("refund_request"))
    );
    let events = classified_events(&app, 1);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].0,
        json!({ "from": { "topic": null, "intent": null },
                "to": { "topic": "billing", "intent": "refund_request" } })
    );
    assert_eq!(events[0].1["type"], "bot");

    // Strict mode's nulls mean "not given": no classification, no event.
    let r = tool(
        &app,
        "acme",
        "open_ticket",
        Some(&key),
        json!({ "subject": "Where is my parcel", "description": "Order 77.",
                "priority": null, "summary": null, "requester_name": null,
                "requester_email": null, "topic": null, "intent": null }),
        &[("tool-call-id", "call_2")],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(classes(&app, 2), (Json::Null, Json::Null));
    assert!(classified_events(&app, 2).is_empty());

    let r = tool(
        &app,
        "acme",
        "open_ticket",
        Some(&key),
        json!({ "subject": "x", "description": "y", "intent": "refund/chargeback" }),
        &[("tool-call-id", "call_3")],
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        String::from_utf8_lossy(&r.body).contains("intent"),
        "the field is named"
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
}

#[test]
fn the_tool_definitions_offer_topic_and_intent_nullable_in_strict_mode() {
    let app = TestApp::spawn();
    let body = json(&app.get("/api/v1/tools", &[]));
    let open = &body["openai"][0]["function"]["parameters"];
    for field in ["topic", "intent"] {
        assert_eq!(open["properties"][field]["type"], json!(["string", "null"]));
        assert!(
            open["required"].as_array().unwrap().contains(&json!(field)),
            "strict mode lists {field} as required"
        );
        let standard = &body["anthropic"][0]["input_schema"]["properties"][field];
        assert_eq!(standard["maxLength"], 40);
    }
}

#[test]
fn operators_set_change_and_clear_the_classification_with_an_event_each() {
    let app = spawn_with_tokens(1);
    let r = classify(
        &app,
        OWNER_TOKEN,
        1,
        json!({ "topic": "Billing", "intent": "refund-request" }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    assert_eq!(body["changed"], true);
    assert_eq!(body["ticket"]["ticket"]["topic"], "billing");
    assert_eq!(body["ticket"]["ticket"]["intent"], "refund_request");

    // Only the intent: the topic is kept.
    let r = classify(&app, OWNER_TOKEN, 1, json!({ "intent": "chargeback" }));
    assert_eq!(r.status, 200);
    assert_eq!(classes(&app, 1), (json!("billing"), json!("chargeback")));

    // `null` clears; the same values again change nothing and write no event.
    let r = classify(&app, OWNER_TOKEN, 1, json!({ "topic": null }));
    assert_eq!(r.status, 200);
    assert_eq!(classes(&app, 1), (Json::Null, json!("chargeback")));
    let r = classify(&app, OWNER_TOKEN, 1, json!({ "intent": "Chargeback" }));
    assert_eq!(json(&r)["changed"], false);

    let events = classified_events(&app, 1);
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[1].0,
        json!({ "from": { "topic": "billing", "intent": "refund_request" },
                "to": { "topic": "billing", "intent": "chargeback" } })
    );
    assert_eq!(
        events[2].0["to"],
        json!({ "topic": null, "intent": "chargeback" })
    );
    assert_eq!(events[2].1["type"], "operator");

    // The operator's document names the kind it stores.
    let r = call(
        &app,
        "GET",
        "/api/v1/tickets/TKT-1",
        "/api/v1/tickets/{code}",
        Some(OWNER_TOKEN),
        None,
    );
    assert!(
        json(&r)["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "classified")
    );
}

#[test]
fn bad_values_stale_versions_and_guests_change_nothing() {
    let app = spawn_with_tokens(1);
    let before = snapshot(&app, 1);
    for body in [
        json!({ "topic": "billing", "intent": "refund/chargeback" }),
        json!({ "topic": "€uro" }),
        json!({ "topic": "a".repeat(41) }),
        json!({}),
    ] {
        let r = classify(&app, OWNER_TOKEN, 1, body.clone());
        assert_eq!(error_code(&r, 422), "validation_failed", "{body}");
    }
    let r = classify(
        &app,
        OWNER_TOKEN,
        1,
        json!({ "topic": "billing", "version": 1 }),
    );
    assert_eq!(r.status, 409);
    let r = classify(&app, GUEST_TOKEN, 1, json!({ "topic": "billing" }));
    assert_eq!(r.status, 403);
    assert_eq!(snapshot(&app, 1), before, "nothing was written");
    // The table itself refuses what is not a slug, whatever path would write it.
    assert!(
        app.db()
            .execute_script("UPDATE tickets SET topic = 'Billing' WHERE code = 'TKT-1'")
            .is_err()
    );
    assert!(
        app.db()
            .execute_script("UPDATE tickets SET intent = 'refund__x' WHERE code = 'TKT-1'")
            .is_err()
    );
}

#[test]
fn the_api_creates_a_classified_ticket_or_refuses_a_bad_one_whole() {
    let app = spawn_with_tokens(0);
    let create = |body: Json| {
        call(
            &app,
            "POST",
            "/api/v1/tickets",
            "/api/v1/tickets",
            Some(OWNER_TOKEN),
            Some(body),
        )
    };
    let r = create(json!({ "subject": "Cancel my plan", "topic": "Account",
                           "intent": "cancel subscription" }));
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let ticket = &json(&r)["ticket"];
    assert_eq!(ticket["topic"], "account");
    assert_eq!(ticket["intent"], "cancel_subscription");
    assert_eq!(classified_events(&app, 1)[0].1["type"], "operator");
    let r = create(json!({ "subject": "Other", "topic": "bad topic!", "priority": "asap" }));
    let body = json(&r);
    assert_eq!(r.status, 422);
    assert!(body["error"]["fields"]["topic"].is_string(), "{body}");
    assert!(body["error"]["fields"]["priority"].is_string(), "{body}");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
}

#[test]
fn the_list_filters_by_topic_intent_and_human_source() {
    let app = spawn_with_tokens(4);
    for (n, topic, intent) in [
        (1, "billing", "refund_request"),
        (2, "billing", "invoice_copy"),
        (3, "shipping", "refund_request"),
    ] {
        let r = classify(
            &app,
            OWNER_TOKEN,
            n,
            json!({ "topic": topic, "intent": intent }),
        );
        assert_eq!(r.status, 200);
    }
    app.db()
        .execute_script(
            "UPDATE tickets SET source = 'api' WHERE code = 'TKT-2';
             UPDATE tickets SET source = 'operator' WHERE code = 'TKT-3';",
        )
        .unwrap();
    assert_eq!(list(&app, "topic=billing"), ["TKT-1", "TKT-2"]);
    assert_eq!(list(&app, "intent=Refund+request"), ["TKT-1", "TKT-3"]);
    assert_eq!(list(&app, "topic=billing&intent=refund_request"), ["TKT-1"]);
    assert_eq!(list(&app, "source=human"), ["TKT-2", "TKT-3"]);
    assert_eq!(list(&app, "source=api"), ["TKT-2"]);
    assert_eq!(list(&app, "source=widget"), ["TKT-1", "TKT-4"]);
    assert_eq!(list(&app, "source=human&intent=refund_request"), ["TKT-3"]);
    // Searching and filtering together: the search's join tests the new filters too.
    assert_eq!(list(&app, "q=printer&topic=shipping"), ["TKT-3"]);
    let r = call(
        &app,
        "GET",
        "/api/v1/tickets?topic=a%2Fb&source=robot",
        "/api/v1/tickets",
        Some(OWNER_TOKEN),
        None,
    );
    let body = json(&r);
    assert_eq!(r.status, 422);
    assert!(body["error"]["fields"]["topic"].is_string(), "{body}");
    assert!(body["error"]["fields"]["source"].is_string(), "{body}");

    // The dashboard's list and board: the same filter, the topics in use suggested, the
    // product's names for sources.
    let owner = session(OWNER_TOKEN);
    let (status, html) = app.page("/app/tickets?intent=refund_request", &owner);
    assert_eq!(status, 200);
    assert!(html.contains("/app/tickets/TKT-1\"") && html.contains("/app/tickets/TKT-3\""));
    assert!(!html.contains("/app/tickets/TKT-2\"") && !html.contains("/app/tickets/TKT-4\""));
    assert!(html.contains("Intent: refund_request"), "a chip");
    assert!(
        html.contains("<option value=\"invoice_copy\">"),
        "suggested"
    );
    assert!(html.contains("<option value=\"human\"><bdi>Human-created</bdi></option>"));
    assert!(html.contains("<option value=\"bot\"><bdi>AI-escalated</bdi></option>"));
    let (_, board) = app.page("/app/tickets?view=board&intent=invoice_copy", &owner);
    assert!(board.contains("data-code=\"TKT-2\""));
    assert!(!board.contains("data-code=\"TKT-1\""));
    assert!(board.contains("Human-created <small>(API)</small>"));
}

#[test]
fn the_ticket_page_shows_and_sets_the_classification() {
    let app = spawn_with_tokens(2);
    let owner = session(OWNER_TOKEN);
    classify(
        &app,
        OWNER_TOKEN,
        2,
        json!({ "topic": "shipping", "intent": "where_is_my_order" }),
    );
    let (_, html) = app.page("/app/tickets/TKT-1", &owner);
    assert!(html.contains("Not classified"));
    assert!(
        html.contains("<option value=\"shipping\">"),
        "the site's topics"
    );
    assert!(
        html.contains(">Widget</span>"),
        "the source as the product names it"
    );
    let marker = "name=\"version\" value=\"";
    let at = html.find(marker).unwrap() + marker.len();
    let version = html[at..].split('"').next().unwrap().to_owned();
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/tickets/TKT-1/classify",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("topic", "Shipping"),
            ("intent", "Damaged parcel"),
        ],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        classes(&app, 1),
        (json!("shipping"), json!("damaged_parcel"))
    );
    let (_, html) = app.page("/app/tickets/TKT-1", &owner);
    assert!(html.contains("href=\"/app/tickets?intent=damaged_parcel\""));
    assert!(html.contains("Classified: topic shipping, intent damaged_parcel"));
    // Emptied fields clear; a bad value is refused and changes nothing.
    let before = snapshot(&app, 1);
    let r = app.form(
        "/app/tickets/TKT-1/classify",
        Some(&owner),
        &[("csrf", &csrf), ("topic", "?!"), ("intent", "")],
    );
    assert_eq!(r.status, 422);
    assert_eq!(snapshot(&app, 1), before);
    let r = app.form(
        "/app/tickets/TKT-1/classify",
        Some(&owner),
        &[("csrf", &csrf), ("topic", ""), ("intent", "")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(classes(&app, 1), (Json::Null, Json::Null));
}

#[test]
fn the_new_ticket_form_takes_a_topic_and_an_intent() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let (_, html) = app.page("/app/tickets/new", &owner);
    assert!(html.contains("name=\"topic\"") && html.contains("name=\"intent\""));
    let csrf = csrf_of(&app, &owner);
    let key = "00000000-0000-4000-8000-00000000c1a5";
    let r = app.form(
        "/app/tickets/new",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("key", key),
            ("subject", "Phone call: refund"),
            ("topic", "bad topic!"),
            ("intent", "refund"),
        ],
    );
    assert_eq!(r.status, 422);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
    let r = app.form(
        "/app/tickets/new",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("key", key),
            ("subject", "Phone call: refund"),
            ("topic", "Billing"),
            ("intent", "refund"),
        ],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(classes(&app, 1), (json!("billing"), json!("refund")));
}
