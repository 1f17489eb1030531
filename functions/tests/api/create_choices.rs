//! A new ticket's priority and assignee, chosen where an operator creates one: the dashboard's
//! new-ticket form, a conversation's "Create ticket" and `POST /api/v1/tickets`. Defaults stay
//! normal and the creator; a bad priority or an assignee who does not work tickets here is a
//! 422 naming the field, with nothing written.

use serde_json::{Value as Json, json};
use ticketbooth_functions::api::operator::OPENAPI;
use ticketbooth_functions::http::{Body, Response};

use crate::inbox::visitor_says;
use crate::operator_api::conforms;
use crate::ticket_actions::{GUEST, MEMBER, OTHER_MEMBER, OWNER, STRANGER, snapshot};
use crate::ticket_page::{GUEST_TOKEN, MEMBER_TOKEN, OWNER_TOKEN, session, spawn_with_tokens};
use crate::{TestApp, csrf_of, error_code, json};

/// The value of the first `name="{name}" value="…"` on the page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// What nothing-written means here: no ticket, no claimed key, no event.
fn nothing_written(app: &TestApp) {
    for sql in [
        "SELECT COUNT(*) FROM tickets",
        "SELECT COUNT(*) FROM idempotency_keys",
        "SELECT COUNT(*) FROM ticket_events",
    ] {
        assert_eq!(app.count(sql), 0, "{sql}");
    }
}

/// The stored event kinds of ticket `n`, oldest first.
fn kinds(app: &TestApp, n: u32) -> Vec<String> {
    snapshot(app, n)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The blank new-ticket form as `token`'s operator gets it, and its post with `choices`.
fn new_ticket(app: &TestApp, token: &str, choices: &[(&str, &str)]) -> (String, Response) {
    let (status, html) = app.page("/app/tickets/new", &session(token));
    assert_eq!(status, 200);
    let (key, csrf) = (hidden(&html, "key"), hidden(&html, "csrf"));
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("subject", "Phone call: invoice wrong"),
        ("description", "Customer called."),
    ];
    fields.extend_from_slice(choices);
    let r = app.form("/app/tickets/new", Some(&session(token)), &fields);
    (html, r)
}

/// `POST /api/v1/tickets` with `key`; the request body is checked against the documented
/// request schema and the answer against the documented response.
fn api_create(app: &TestApp, token: &str, key: &str, body: Json) -> Response {
    let doc: Json = serde_json::from_str(OPENAPI).unwrap();
    let mut schema = doc["paths"]["/api/v1/tickets"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]
        .clone();
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["components"] = doc["components"].clone();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let sent_as_documented = validator.is_valid(&body);
    let auth = format!("Bearer {token}");
    let r = app.send(
        "POST",
        "/api/v1/tickets",
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
            ("idempotency-key", key),
        ],
        Body::Bytes(body.to_string().into_bytes()),
    );
    conforms("/api/v1/tickets", "POST", &r);
    // What the document accepts, the API accepts (or refuses for a reason the schema cannot
    // see: a membership, a permission); what it rejects, the API rejects.
    if !sent_as_documented {
        assert_eq!(r.status, 422, "{body}: undocumented yet accepted");
    }
    r
}

const KEY: &str = "00000000-0000-4000-8000-000000000001";

#[test]
fn the_new_ticket_form_offers_priority_and_assignee_and_stores_them() {
    let app = spawn_with_tokens(0);
    let (html, r) = new_ticket(
        &app,
        MEMBER_TOKEN,
        &[("priority", "high"), ("assignee", OTHER_MEMBER)],
    );
    // Labelled pickers: Normal and the creator chosen, members who work tickets offered.
    assert!(html.contains(
        "<label for=\"new-priority\">Priority</label><select id=\"new-priority\" name=\"priority\">"
    ));
    assert!(html.contains("<option value=\"normal\" selected>Normal</option>"));
    assert!(html.contains(
        "<label for=\"new-assignee\">Assignee</label><select id=\"new-assignee\" name=\"assignee\">"
    ));
    assert!(html.contains("<option value=\"me\" selected>Me (Max Member)</option>"));
    assert!(html.contains(&format!(
        "<option value=\"{OTHER_MEMBER}\">Mia Member</option>"
    )));
    assert!(html.contains(&format!("<option value=\"{OWNER}\">Ann Owner</option>")));
    assert!(!html.contains(GUEST), "a guest cannot hold a ticket");

    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/tickets/TKT-1"))
    );
    let s = snapshot(&app, 1);
    assert_eq!(
        (&s["ticket"][0]["priority"], &s["ticket"][0]["assignee_id"]),
        (&json!("high"), &json!(OTHER_MEMBER))
    );
    // Who gave it to whom is on the trail, as the assign action writes it.
    assert_eq!(kinds(&app, 1), ["created", "assigned"]);
    let data: Json = serde_json::from_str(s["events"][1]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["to"], OTHER_MEMBER);
    assert!(s["events"][1]["actor"].as_str().unwrap().contains(MEMBER));
    // The ticket page shows both.
    let (_, page) = app.page("/app/tickets/TKT-1", &session(MEMBER_TOKEN));
    assert!(page.contains("priority-high\">High</span>"), "{page}");
    assert!(page.contains("Mia Member"));
}

#[test]
fn without_choices_a_ticket_is_normal_and_the_creators() {
    let app = spawn_with_tokens(0);
    let (_, r) = new_ticket(&app, MEMBER_TOKEN, &[]);
    assert_eq!(r.status, 303);
    let (_, r) = new_ticket(
        &app,
        MEMBER_TOKEN,
        &[("priority", "normal"), ("assignee", "me")],
    );
    assert_eq!(r.status, 303);
    for n in [1, 2] {
        let s = snapshot(&app, n);
        assert_eq!(
            (&s["ticket"][0]["priority"], &s["ticket"][0]["assignee_id"]),
            (&json!("normal"), &json!(MEMBER))
        );
        assert_eq!(kinds(&app, n), ["created"]);
    }
    let r = api_create(
        &app,
        MEMBER_TOKEN,
        KEY,
        json!({ "subject": "From a script" }),
    );
    assert_eq!(r.status, 201);
    let t = &json(&r)["ticket"];
    assert_eq!(
        (&t["priority"], &t["assignee"]["id"]),
        (&json!("normal"), &json!(MEMBER))
    );
}

#[test]
fn an_unassigned_start_is_a_choice_too() {
    let app = spawn_with_tokens(0);
    let (_, r) = new_ticket(&app, OWNER_TOKEN, &[("assignee", "")]);
    assert_eq!(r.status, 303);
    assert_eq!(snapshot(&app, 1)["ticket"][0]["assignee_id"], Json::Null);
    let r = api_create(
        &app,
        OWNER_TOKEN,
        KEY,
        json!({ "subject": "Nobody's yet", "assignee": null }),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["ticket"]["assignee"], Json::Null);
}

#[test]
fn the_api_stores_the_chosen_priority_and_assignee() {
    let app = spawn_with_tokens(0);
    let body = json!({ "subject": "Outage", "priority": "urgent", "assignee": OTHER_MEMBER });
    let r = api_create(&app, MEMBER_TOKEN, KEY, body.clone());
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let t = &json(&r)["ticket"];
    assert_eq!(
        (&t["priority"], &t["assignee"]["id"]),
        (&json!("urgent"), &json!(OTHER_MEMBER))
    );
    assert_eq!(kinds(&app, 1), ["created", "assigned"]);
    // A retry is the same ticket; the same key naming someone else is another request.
    assert_eq!(api_create(&app, MEMBER_TOKEN, KEY, body).status, 200);
    let other = json!({ "subject": "Outage", "priority": "urgent", "assignee": OWNER });
    let r = api_create(&app, MEMBER_TOKEN, KEY, other);
    assert_eq!(error_code(&r, 422), "idempotency_key_reused");
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
}

#[test]
fn a_bad_priority_or_assignee_is_refused_by_name_and_writes_nothing() {
    let app = spawn_with_tokens(0);
    for choices in [
        [("priority", "asap"), ("assignee", "me")],
        [("priority", "high"), ("assignee", GUEST)],
        [("priority", "high"), ("assignee", STRANGER)],
        [("priority", "high"), ("assignee", "nobody")],
    ] {
        let (_, r) = new_ticket(&app, MEMBER_TOKEN, &choices);
        assert_eq!(r.status, 422, "{choices:?}");
        let html = String::from_utf8(r.body).unwrap();
        let field = if choices[0].1 == "asap" {
            "priority"
        } else {
            "assignee"
        };
        assert!(html.contains(&format!("<code>{field}</code>")), "{html}");
        // The form comes back with what was typed.
        assert!(html.contains("value=\"Phone call: invoice wrong\""));
        nothing_written(&app);
    }
    let r = api_create(
        &app,
        MEMBER_TOKEN,
        KEY,
        json!({ "subject": "x", "priority": "asap" }),
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    assert!(json(&r)["error"]["fields"]["priority"].is_string());
    // Every refused field at once.
    let r = api_create(
        &app,
        MEMBER_TOKEN,
        KEY,
        json!({ "subject": "", "priority": "asap" }),
    );
    let fields = &json(&r)["error"]["fields"];
    assert!(fields["priority"].is_string() && fields["subject"].is_string());
    for assignee in [GUEST, STRANGER, "nobody"] {
        let r = api_create(
            &app,
            MEMBER_TOKEN,
            KEY,
            json!({ "subject": "x", "assignee": assignee }),
        );
        assert_eq!(error_code(&r, 422), "assignee_not_member", "{assignee}");
        assert!(json(&r)["error"]["fields"]["assignee"].is_string());
    }
    nothing_written(&app);
}

#[test]
fn a_role_that_may_not_create_and_assign_is_refused() {
    let app = spawn_with_tokens(0);
    let r = api_create(
        &app,
        GUEST_TOKEN,
        KEY,
        json!({ "subject": "x", "priority": "high", "assignee": MEMBER }),
    );
    assert_eq!(error_code(&r, 403), "forbidden");
    nothing_written(&app);
}

#[test]
fn a_ticket_from_a_conversation_takes_the_chosen_priority_and_assignee() {
    let app = spawn_with_tokens(0);
    let (id, _) = visitor_says(&app, "My parcel never arrived");
    let me = session(MEMBER_TOKEN);
    let (status, page) = app.page(&format!("/app/conversations/{id}"), &me);
    assert_eq!(status, 200);
    assert!(page.contains("<label for=\"ticket-priority\">Priority</label>"));
    assert!(page.contains("<label for=\"ticket-assignee\">Assignee</label>"));
    let key = hidden(&page, "key");
    let csrf = csrf_of(&app, &me);
    let post = |priority: &str, assignee: &str| {
        app.form(
            &format!("/app/conversations/{id}/ticket"),
            Some(&me),
            &[
                ("csrf", csrf.as_str()),
                ("key", key.as_str()),
                ("subject", "Parcel lost"),
                ("description", "Order 77"),
                ("priority", priority),
                ("assignee", assignee),
            ],
        )
    };
    let bad = post("soon", OTHER_MEMBER);
    assert_eq!(bad.status, 422);
    let html = String::from_utf8(bad.body).unwrap();
    assert!(html.contains("id=\"priority-error\""), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);
    let refused = post("low", GUEST);
    assert_eq!(refused.status, 422);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);

    let made = post("low", OTHER_MEMBER);
    assert_eq!(made.status, 303, "{}", String::from_utf8_lossy(&made.body));
    let s = snapshot(&app, 1);
    assert_eq!(
        (&s["ticket"][0]["priority"], &s["ticket"][0]["assignee_id"]),
        (&json!("low"), &json!(OTHER_MEMBER))
    );
    assert_eq!(
        kinds(&app, 1),
        ["created", "assigned", "conversation_linked"]
    );
}
