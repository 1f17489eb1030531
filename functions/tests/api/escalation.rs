//! Escalation (`service::escalation`): each trigger — the visitor's "Talk to a person", the
//! model's `hand_off`, a failing provider, the message limit — hands the conversation to a
//! person once: the bot stops, the inbox shows it first with why, an `escalated` event is
//! written, and exactly one ticket is linked (or the site's refusal is recorded). An operator
//! hands it back. The provider is bot.rs's double.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, FollowUp, Response};
use ticketbooth_functions::integrations::bot::Ended;

use crate::bot::{
    Provider, Room, Script, billing, messages, run, set, sse, text, tool_results, visitor_asks,
    with_bot,
};
use crate::{TestApp, csrf_of, json};

const AGENT: &str = "a0000000000000000000000000000001";

/// One model turn calling each `(tool name, call id, arguments)` in parallel.
fn calls(calls: &[(&str, &str, Json)]) -> Script {
    let pieces: Vec<Json> = calls
        .iter()
        .enumerate()
        .map(|(index, (name, id, args))| {
            json!({"index":index,"id":id,"type":"function",
                   "function":{"name":name,"arguments":args.to_string()}})
        })
        .collect();
    Ok((
        200,
        sse(&[
            json!({"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":pieces}}]}),
            json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}),
        ]),
    ))
}

fn hand_off(reason: &str) -> Json {
    json!({ "reason": reason })
}

/// The visitor presses "Talk to a person".
fn press(app: &TestApp, id: &str, token: &str) -> Response {
    app.send(
        "POST",
        &format!("/api/v1/sites/acme/conversations/{id}/escalate"),
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(b"{}".to_vec()),
    )
}

/// Another visitor message in the conversation.
fn say(app: &TestApp, id: &str, token: &str, text: &str, key: &str) -> Response {
    app.send(
        "POST",
        &format!("/api/v1/sites/acme/conversations/{id}/messages"),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(json!({ "text": text }).to_string().into_bytes()),
    )
}

/// The conversation's escalation columns: (reason, note, refused).
fn escalation(app: &TestApp, id: &str) -> (Option<String>, Option<String>, Option<String>) {
    let rows = app.rows(
        "SELECT escalation_reason, escalation_note, escalation_ticket_refused
         FROM conversations WHERE id = ?1",
        vec![id.into()],
    );
    let row = &rows[0];
    let get = |k: &str| row[k].as_str().map(str::to_owned);
    (
        get("escalation_reason"),
        get("escalation_note"),
        get("escalation_ticket_refused"),
    )
}

fn escalated_events(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM ticket_events WHERE kind = 'escalated'")
}

#[test]
fn the_visitors_button_escalates_once_opens_one_ticket_and_stops_the_bot() {
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    let (id, token) = visitor_asks(&app, "acme", "My order 1234 never arrived");
    let first = press(&app, &id, &token);
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(json(&first)["ticket"], "TKT-1");
    assert_eq!(
        escalation(&app, &id),
        (Some("visitor_asked".into()), None, None)
    );
    // Pressed again (a second tab, a double click): nothing changes.
    let again = press(&app, &id, &token);
    assert_eq!(again.status, 200);
    assert_eq!(json(&again)["ticket"], "TKT-1");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(escalated_events(&app), 1);
    let ticket = &app.rows("SELECT subject, source, transcript FROM tickets", vec![])[0];
    assert_eq!(ticket["subject"], "My order 1234 never arrived");
    assert_eq!(ticket["source"], "bot");
    assert!(
        ticket["transcript"]
            .as_str()
            .unwrap()
            .contains("never arrived")
    );
    // The visitor sees the card and the "a person will follow up" line, once each.
    let chat = messages(&app, &id, &token);
    assert_eq!(
        chat.iter()
            .filter(|m| m["ticket"]["code"] == "TKT-1")
            .count(),
        1
    );
    assert_eq!(chat.iter().filter(|m| m["escalated"] == true).count(), 1);

    // The bot stays quiet: the next message asks for no bot turn, and a run calls no model.
    let next = say(
        &app,
        &id,
        &token,
        "Hello?",
        "00000000-0000-4000-8000-00000000b002",
    );
    assert_eq!(next.status, 201);
    assert!(
        !matches!(next.follow_up, Some(FollowUp::Bot { .. })),
        "{:?}",
        next.follow_up
    );
    let provider = Provider::default();
    assert_eq!(
        run(&app, "acme", &id, &provider, &Room::default()),
        Ended::Paused
    );
    assert!(provider.requests.borrow().is_empty());
}

#[test]
fn only_the_conversations_own_visitor_can_press_and_bad_input_changes_nothing() {
    let app = TestApp::spawn();
    let (id, token) = visitor_asks_without_bot(&app);
    let (_, stranger) = visitor_asks_without_bot(&app);
    assert_eq!(press(&app, &id, &stranger).status, 404);
    let extra = app.send(
        "POST",
        &format!("/api/v1/sites/acme/conversations/{id}/escalate"),
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(br#"{"ticket": true}"#.to_vec()),
    );
    assert_eq!(extra.status, 400);
    assert_eq!(escalation(&app, &id), (None, None, None));
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
}

fn visitor_asks_without_bot(app: &TestApp) -> (String, String) {
    crate::inbox::visitor_says(app, "Hello")
}

/// The issue's test: the model opens a ticket and hands off in the same turn (or hands off,
/// then opens one): one ticket, linked, with the `escalated` event.
#[test]
fn escalation_opens_exactly_one_ticket_even_when_the_model_also_called_open_ticket() {
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    let (id, token) = visitor_asks(&app, "acme", "I was charged twice, get me a human");
    let provider = Provider::default();
    provider.script.borrow_mut().extend([
        calls(&[
            (
                "hand_off",
                "call_h",
                hand_off("Wants a refund from a person"),
            ),
            ("open_ticket", "call_o", billing()),
        ]),
        text(&["A person will follow up here."]),
    ]);
    let ended = run(&app, "acme", &id, &provider, &Room::default());
    assert_eq!(
        ended,
        Ended::Replied {
            tickets: vec!["TKT-1".into()]
        }
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(escalated_events(&app), 1);
    assert_eq!(
        escalation(&app, &id),
        (
            Some("hand_off".into()),
            Some("Wants a refund from a person".into()),
            None
        )
    );
    let results = tool_results(&provider, 1);
    assert_eq!(results[0]["result"], "handed_off", "{results:?}");
    assert_eq!(results[0]["ticket"], "TKT-1");
    assert_eq!(results[1]["result"], "ticket_opened");
    // The model's own ticket (with its priority) is the linked one.
    assert_eq!(
        app.rows("SELECT priority FROM tickets", vec![])[0]["priority"],
        "high"
    );
    let chat = messages(&app, &id, &token);
    assert_eq!(chat.iter().filter(|m| m["escalated"] == true).count(), 1);

    // The other order: hand_off first, open_ticket in the next round.
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    let (id, _) = visitor_asks(&app, "acme", "A person, please");
    let provider = Provider::default();
    provider.script.borrow_mut().extend([
        calls(&[("hand_off", "call_h", hand_off("Asked for a person"))]),
        calls(&[("open_ticket", "call_o", billing())]),
        text(&["Done."]),
    ]);
    run(&app, "acme", &id, &provider, &Room::default());
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(tool_results(&provider, 2)[1]["replayed"], true);
    assert_eq!(escalated_events(&app), 1);
}

#[test]
fn the_models_hand_off_classifies_the_ticket_it_opens_and_a_bad_slug_is_left_out() {
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    let (id, _) = visitor_asks(&app, "acme", "I was charged twice, I want a person");
    let provider = Provider::default();
    provider.script.borrow_mut().extend([
        calls(&[(
            "hand_off",
            "call_h",
            json!({ "reason": "Wants a refund", "topic": "Billing", "intent": "refund request" }),
        )]),
        text(&["A person will follow up here."]),
    ]);
    run(&app, "acme", &id, &provider, &Room::default());
    let rows = app.rows("SELECT topic, intent FROM tickets", vec![]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["topic"], "billing");
    assert_eq!(rows[0]["intent"], "refund_request");
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_events WHERE kind = 'classified'"),
        1
    );

    // A topic that is no slug is dropped; the hand-off and its ticket still happen.
    let (id, _) = visitor_asks(&app, "acme", "Another person, please");
    let provider = Provider::default();
    provider.script.borrow_mut().extend([
        calls(&[(
            "hand_off",
            "call_h",
            json!({ "reason": "Asked for a person", "topic": "€€€", "intent": null }),
        )]),
        text(&["A person will follow up here."]),
    ]);
    run(&app, "acme", &id, &provider, &Room::default());
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE topic IS NULL AND intent IS NULL"),
        1
    );
}

#[test]
fn hand_off_is_offered_in_the_chat_only_and_needs_a_reason() {
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    let (id, _) = visitor_asks(&app, "acme", "Hi");
    let provider = Provider::default();
    provider.script.borrow_mut().extend([
        calls(&[("hand_off", "call_h", json!({ "reason": " " }))]),
        text(&["How can I help?"]),
    ]);
    run(&app, "acme", &id, &provider, &Room::default());
    let offered: Vec<Json> = provider.requests.borrow()[0].2["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].clone())
        .collect();
    assert!(offered.contains(&json!("hand_off")), "{offered:?}");
    assert_eq!(
        tool_results(&provider, 1)[0]["error"],
        "malformed_arguments"
    );
    assert_eq!(escalation(&app, &id).0, None, "no reason, no hand-off");
    // Not a tool of the routes a bot elsewhere calls, nor of MCP: there is no conversation.
    let listed = app.get("/api/v1/tools", &[]);
    assert!(!String::from_utf8_lossy(&listed.body).contains("hand_off"));
    let routed = app.send(
        "POST",
        "/api/v1/sites/acme/tools/hand_off",
        &[("content-type", "application/json")],
        Body::Bytes(br#"{"reason":"x"}"#.to_vec()),
    );
    assert_eq!(routed.status, 404);
}

#[test]
fn a_failing_provider_escalates_with_the_fallback_and_the_bot_then_waits() {
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    let (id, token) = visitor_asks(&app, "acme", "Where is my parcel?");
    let provider = Provider::default();
    provider
        .script
        .borrow_mut()
        .push_back(Err("no answer from the provider in time".into()));
    let room = Room::default();
    assert!(matches!(
        run(&app, "acme", &id, &provider, &room),
        Ended::FellBack { .. }
    ));
    assert_eq!(
        escalation(&app, &id),
        (Some("provider_failed".into()), None, None)
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(escalated_events(&app), 1);
    // The open widget hears the card and the note at once.
    let heard = room.0.borrow();
    assert!(heard.iter().any(|m| m["ticket"]["code"] == "TKT-1"));
    assert!(heard.iter().any(|m| m["escalated"] == true));
    drop(heard);
    let chat = messages(&app, &id, &token);
    assert!(chat.iter().any(|m| m["escalated"] == true));
    assert_eq!(
        run(&app, "acme", &id, &Provider::default(), &Room::default()),
        Ended::Paused
    );
}

#[test]
fn after_the_sites_number_of_answers_without_a_ticket_the_conversation_escalates() {
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    set(
        &app,
        "UPDATE sites SET escalate_after_messages = 2 WHERE key = 'acme'",
    );
    let (id, _) = visitor_asks(&app, "acme", "Tell me about plans");
    let answer = |words: &[&str]| {
        let provider = Provider::default();
        provider.script.borrow_mut().push_back(text(words));
        run(&app, "acme", &id, &provider, &Room::default())
    };
    assert!(matches!(answer(&["Plan A."]), Ended::Replied { .. }));
    assert_eq!(
        escalation(&app, &id).0,
        None,
        "one answer is under the limit"
    );
    assert!(matches!(answer(&["Plan B."]), Ended::Replied { .. }));
    assert_eq!(escalation(&app, &id).0.as_deref(), Some("message_limit"));
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);

    // 0: never; and a conversation that has a ticket never escalates this way.
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    set(
        &app,
        "UPDATE sites SET escalate_after_messages = 0 WHERE key = 'acme'",
    );
    let (id, _) = visitor_asks(&app, "acme", "Hi");
    for _ in 0..8 {
        let provider = Provider::default();
        provider.script.borrow_mut().push_back(text(&["Hello."]));
        run(&app, "acme", &id, &provider, &Room::default());
    }
    assert_eq!(escalation(&app, &id).0, None);
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    set(
        &app,
        "UPDATE sites SET escalate_after_messages = 1 WHERE key = 'acme'",
    );
    let (id, _) = visitor_asks(&app, "acme", "Charged twice");
    let provider = Provider::default();
    provider.script.borrow_mut().extend([
        calls(&[("open_ticket", "call_o", billing())]),
        text(&["Opened TKT-1."]),
    ]);
    run(&app, "acme", &id, &provider, &Room::default());
    assert_eq!(escalation(&app, &id).0, None);
}

#[test]
fn with_creation_off_or_past_the_cap_the_conversation_escalates_without_a_ticket_and_says_why() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let session = app.sign_in("agent@acme.example");
    set(
        &app,
        "UPDATE sites SET ticketing_enabled = 0 WHERE key = 'acme'",
    );
    let (off, token) = visitor_asks_without_bot(&app);
    let r = press(&app, &off, &token);
    assert_eq!(r.status, 200);
    assert!(json(&r).get("ticket").is_none());
    assert_eq!(
        escalation(&app, &off),
        (
            Some("visitor_asked".into()),
            None,
            Some("ticketing_off".into())
        )
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
    let (_, page) = app.page(&format!("/app/conversations/{off}"), &session);
    assert!(
        page.contains("No ticket opened: ticket creation is off for this site"),
        "{page}"
    );

    set(
        &app,
        "UPDATE sites SET ticketing_enabled = 1, daily_ticket_cap = 1 WHERE key = 'acme'",
    );
    let widget = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000c001",
        &crate::ticket_body("From the form"),
        &[],
    );
    assert_eq!(widget.status, 201);
    let (capped, token) = crate::inbox::visitor_says(&app, "Hello again");
    assert_eq!(press(&app, &capped, &token).status, 200);
    assert_eq!(escalation(&app, &capped).2.as_deref(), Some("daily_cap"));
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    let (_, inbox) = app.page("/app/conversations", &session);
    assert!(
        inbox.contains("the site&#39;s daily ticket cap was reached")
            || inbox.contains("the site's daily ticket cap was reached"),
        "{inbox}"
    );

    // The site's setting off: escalated, no ticket, nothing refused.
    set(
        &app,
        "UPDATE sites SET daily_ticket_cap = 100, escalation_opens_ticket = 0 WHERE key = 'acme'",
    );
    let (quiet, token) = crate::inbox::visitor_says(&app, "Third");
    assert_eq!(press(&app, &quiet, &token).status, 200);
    assert_eq!(
        escalation(&app, &quiet),
        (Some("visitor_asked".into()), None, None)
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
}

#[test]
fn the_inbox_shows_conversations_waiting_for_a_person_first_with_why() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let session = app.sign_in("agent@acme.example");
    let (waiting, token) = crate::inbox::visitor_says(&app, "First, then escalated");
    let (_newer, _) = crate::inbox::visitor_says(&app, "Second, newer activity");
    assert_eq!(press(&app, &waiting, &token).status, 200);
    let (newest, _) = crate::inbox::visitor_says(&app, "Third, newest");
    let (status, inbox) = app.page("/app/conversations", &session);
    assert_eq!(status, 200);
    let at = |id: &str| {
        inbox
            .find(&format!("/app/conversations/{id}\""))
            .unwrap_or_else(|| panic!("{id} in {inbox}"))
    };
    assert!(at(&waiting) < at(&newest), "{inbox}");
    assert!(inbox.contains("Waiting for a person"));
    assert!(inbox.contains("the visitor asked for a person"));
}

#[test]
fn an_operator_hands_the_conversation_back_and_the_bot_answers_again() {
    let app = TestApp::spawn();
    with_bot(&app, "acme");
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let session = app.sign_in("agent@acme.example");
    let (id, token) = visitor_asks(&app, "acme", "Human please");
    assert_eq!(press(&app, &id, &token).status, 200);
    let path = format!("/app/conversations/{id}/hand-back");
    let (_, page) = app.page(&format!("/app/conversations/{id}"), &session);
    assert!(page.contains(&format!("action=\"{path}\"")), "{page}");
    // Without the CSRF token: refused, still escalated.
    assert_eq!(app.form(&path, Some(&session), &[]).status, 403);
    assert!(escalation(&app, &id).0.is_some());
    let csrf = csrf_of(&app, &session);
    let back = app.form(&path, Some(&session), &[("csrf", &csrf)]);
    assert_eq!(back.status, 303);
    assert_eq!(escalation(&app, &id), (None, None, None));
    assert_eq!(
        app.rows("SELECT bot_answers FROM conversations", vec![])[0]["bot_answers"],
        0
    );
    let next = say(
        &app,
        &id,
        &token,
        "Thanks",
        "00000000-0000-4000-8000-00000000b003",
    );
    assert!(matches!(next.follow_up, Some(FollowUp::Bot { .. })));
    let provider = Provider::default();
    provider
        .script
        .borrow_mut()
        .push_back(text(&["Welcome back."]));
    assert!(matches!(
        run(&app, "acme", &id, &provider, &Room::default()),
        Ended::Replied { .. }
    ));
    // Escalating again finds the ticket already linked: no second one, a second event.
    assert_eq!(press(&app, &id, &token).status, 200);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(escalated_events(&app), 2);
}

#[test]
fn an_owner_sets_the_message_limit_and_the_automatic_ticket_on_the_site_settings() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    let ann = app.sign_in("ann@acme.example");
    let (status, page) = app.page("/app/settings/site", &ann);
    assert_eq!(status, 200);
    // The defaults, shown: 6 answers, the ticket on.
    assert!(page.contains("name=\"escalate_after_messages\""), "{page}");
    assert!(page.contains("value=\"6\""));
    let csrf = csrf_of(&app, &ann);
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "Acme"),
        ("code_prefix", "TKT"),
        ("ticketing_enabled", "on"),
        ("cta_label", "Get help"),
        ("locale", "en"),
        ("allowed_origins", "https://acme.example"),
        ("escalate_after_messages", "99"),
    ];
    let refused = app.form("/app/settings/site", Some(&ann), &form);
    assert_eq!(refused.status, 422);
    let saved = |key: &str| {
        app.rows(
            "SELECT escalate_after_messages, escalation_opens_ticket FROM sites WHERE id = 1",
            vec![],
        )[0][key]
            .clone()
    };
    assert_eq!(saved("escalate_after_messages"), 6, "nothing saved");
    form.pop();
    form.push(("escalate_after_messages", "3"));
    let ok = app.form("/app/settings/site", Some(&ann), &form);
    assert_eq!(ok.status, 303);
    assert_eq!(saved("escalate_after_messages"), 3);
    assert_eq!(saved("escalation_opens_ticket"), 0, "the unchecked box");
    // The site's setting is obeyed: escalated, no ticket, nothing refused.
    let (id, token) = visitor_asks_without_bot(&app);
    assert_eq!(press(&app, &id, &token).status, 200);
    assert_eq!(
        escalation(&app, &id),
        (Some("visitor_asked".into()), None, None)
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
}
