//! The widget's chat API: start, idempotent send, cursor reads, scoping, the 24-hour purge.

use serde_json::Value as Json;
use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::service::conversations::{self, Reader, TTL_MS};
use ticketbooth_functions::service::maintenance;
use ticketbooth_functions::service::sites;
use ticketbooth_shared::ids::ConversationId;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use crate::{TestApp, error_code, json, ticket_body};

const KEY_1: &str = "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e01";
const KEY_2: &str = "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e02";
const KEY_3: &str = "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e03";

/// Starts a conversation on `site` (with a token, if given): its id and the visitor token.
fn start(app: &TestApp, site: &str, token: Option<&str>) -> (String, String) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    let r = app.send(
        "POST",
        &format!("/api/v1/sites/{site}/conversations"),
        &headers,
        Body::Bytes(Vec::new()),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    (
        body["conversation"]["id"].as_str().unwrap().to_owned(),
        body["visitor_token"].as_str().unwrap().to_owned(),
    )
}

fn send(app: &TestApp, site: &str, id: &str, token: &str, key: &str, text: &str) -> Response {
    let auth = format!("Bearer {token}");
    let body = serde_json::json!({ "text": text }).to_string().into_bytes();
    app.send(
        "POST",
        &format!("/api/v1/sites/{site}/conversations/{id}/messages"),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
            ("authorization", &auth),
        ],
        Body::Bytes(body),
    )
}

fn read(app: &TestApp, site: &str, id: &str, token: &str, after: &str) -> Response {
    let auth = format!("Bearer {token}");
    app.get(
        &format!("/api/v1/sites/{site}/conversations/{id}/messages?after={after}"),
        &[("authorization", &auth)],
    )
}

fn seqs(list: &Json) -> Vec<i64> {
    list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_visitor_starts_sends_and_reads_after_a_cursor() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    let first = send(
        &app,
        "acme",
        &id,
        &token,
        KEY_1,
        "  Hello,\r\nanyone there? ",
    );
    assert_eq!(first.status, 201);
    let message = &json(&first)["message"];
    assert_eq!(message["seq"], 1);
    assert_eq!(message["author"], "visitor");
    assert_eq!(message["text"], "Hello,\nanyone there?");
    assert!(message.get("author_name").is_none());
    assert_eq!(send(&app, "acme", &id, &token, KEY_2, "Second").status, 201);

    let all = json(&read(&app, "acme", &id, &token, "0"));
    assert_eq!(seqs(&all), [1, 2]);
    assert_eq!(all["cursor"], 2);
    let since_first = json(&read(&app, "acme", &id, &token, "1"));
    assert_eq!(seqs(&since_first), [2]);
    assert_eq!(since_first["messages"][0]["text"], "Second");
    let none = json(&read(&app, "acme", &id, &token, "2"));
    assert_eq!(seqs(&none), Vec::<i64>::new());
    assert_eq!(none["cursor"], 2, "an empty read keeps the cursor");
    // No cursor means from the start.
    let auth = format!("Bearer {token}");
    let r = app.get(
        &format!("/api/v1/sites/acme/conversations/{id}/messages"),
        &[("authorization", &auth)],
    );
    assert_eq!(seqs(&json(&r)), [1, 2]);
}

#[test]
fn a_retried_send_never_doubles_a_message() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    assert_eq!(send(&app, "acme", &id, &token, KEY_1, "Hi").status, 201);
    let retry = send(&app, "acme", &id, &token, KEY_1, "Hi");
    assert_eq!(retry.status, 200);
    assert_eq!(json(&retry)["message"]["seq"], 1);
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 1);
    // The same key with other text is a different request: refused, nothing written.
    let other = send(&app, "acme", &id, &token, KEY_1, "Bye");
    assert_eq!(error_code(&other, 422), "idempotency_key_reused");
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 1);
    assert_eq!(app.count("SELECT last_seq FROM conversations"), 1);
}

#[test]
fn bad_sends_are_refused_and_write_nothing() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    for (text, field_code) in [
        ("   ", "This field is required."),
        (
            "tab\there",
            "This field contains characters that are not allowed.",
        ),
    ] {
        let r = send(&app, "acme", &id, &token, KEY_1, text);
        assert_eq!(error_code(&r, 422), "validation_failed");
        assert_eq!(json(&r)["error"]["fields"]["text"], field_code);
    }
    let long = "x".repeat(4_001);
    assert_eq!(
        error_code(&send(&app, "acme", &id, &token, KEY_1, &long), 422),
        "validation_failed"
    );
    assert_eq!(
        error_code(&send(&app, "acme", &id, &token, "not-a-uuid", "Hi"), 400),
        "idempotency_key_invalid"
    );
    let no_key = app.send(
        "POST",
        &format!("/api/v1/sites/acme/conversations/{id}/messages"),
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(br#"{"text":"Hi"}"#.to_vec()),
    );
    assert_eq!(error_code(&no_key, 400), "idempotency_key_required");
    assert_eq!(
        error_code(&send(&app, "acme", &id, "forged", KEY_1, "Hi"), 401),
        "unauthorized"
    );
    assert_eq!(
        error_code(&read(&app, "acme", &id, &token, "-1"), 400),
        "invalid_cursor"
    );
    assert_eq!(
        error_code(&read(&app, "acme", &id, &token, "x"), 400),
        "invalid_cursor"
    );
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 0);
}

#[test]
fn a_visitor_reaches_only_their_own_conversations_on_their_site() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    assert_eq!(send(&app, "acme", &id, &token, KEY_1, "Mine").status, 201);
    // Another visitor of the same site.
    let (_, stranger) = start(&app, "acme", None);
    assert_ne!(stranger, token);
    assert_eq!(
        error_code(&read(&app, "acme", &id, &stranger, "0"), 404),
        "not_found"
    );
    assert_eq!(
        error_code(&send(&app, "acme", &id, &stranger, KEY_2, "Theirs"), 404),
        "not_found"
    );
    // A visitor of site `strict`, asking for acme's conversation through their own site.
    let (_, strict_token) = start(&app, "strict", None);
    assert_eq!(
        error_code(&read(&app, "strict", &id, &strict_token, "0"), 404),
        "not_found"
    );
    // acme's token does not work on another site at all.
    assert_eq!(
        error_code(&read(&app, "strict", &id, &token, "0"), 401),
        "unauthorized"
    );
    // The same visitor's second conversation shares the identity.
    let (second, same) = start(&app, "acme", Some(&token));
    assert_ne!(second, id);
    assert_eq!(read(&app, "acme", &id, &same, "0").status, 200);
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 1);

    // An operator's read is scoped by site too: site 2 does not see site 1's conversation.
    let now = Timestamp::from_millis(1_795_427_280_000 + 3_600_000);
    let conversation = ConversationId::parse(&id).unwrap();
    let load = |key: &str| {
        pollster::block_on(sites::load(app.db(), &SiteKey::parse(key).unwrap())).unwrap()
    };
    let acme = load("acme");
    let strict = load("strict");
    assert!(
        pollster::block_on(conversations::find(
            app.db(),
            &acme,
            Reader::Operator,
            &conversation,
            now
        ))
        .is_ok()
    );
    assert!(
        pollster::block_on(conversations::find(
            app.db(),
            &strict,
            Reader::Operator,
            &conversation,
            now
        ))
        .is_err()
    );
}

#[test]
fn conversations_expire_a_day_after_their_last_message_and_tickets_stay() {
    let app = TestApp::spawn();
    let (quiet, token) = start(&app, "acme", None);
    let (busy, _) = start(&app, "acme", Some(&token));
    assert_eq!(
        send(&app, "acme", &quiet, &token, KEY_1, "Hello").status,
        201
    );
    assert_eq!(
        app.create("acme", KEY_3, &ticket_body("kept"), &[]).status,
        201
    );
    // Twelve hours later the busy one gets a message, which moves its expiry.
    app.advance(TTL_MS / 2);
    assert_eq!(
        send(&app, "acme", &busy, &token, KEY_2, "Still here").status,
        201
    );
    let expiries: Vec<i64> = app
        .rows(
            "SELECT expires_at FROM conversations ORDER BY expires_at",
            vec![],
        )
        .iter()
        .map(|r| r["expires_at"].as_i64().unwrap())
        .collect();

    // Just past the quiet one's expiry: it and its message go; the busy one and the ticket stay.
    let now = Timestamp::from_millis(expiries[0] + 1);
    let expired = pollster::block_on(maintenance::expire(app.db(), now)).unwrap();
    assert_eq!((expired.conversations, expired.messages), (1, 1));
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 1);
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 1);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    // Already past its expiry but not yet purged, a conversation is gone for its visitor too.
    app.advance(TTL_MS);
    assert_eq!(
        error_code(&read(&app, "acme", &busy, &token, "0"), 404),
        "not_found"
    );
    let later = Timestamp::from_millis(expiries[1] + 1);
    let expired = pollster::block_on(maintenance::expire(app.db(), later)).unwrap();
    assert_eq!((expired.conversations, expired.messages), (1, 1));
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 0);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
}

/// Creates a ticket from a conversation through the widget's create route.
fn ticket_from(app: &TestApp, id: &str, token: Option<&str>, key: &str, subject: &str) -> Response {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![
        ("content-type", "application/json"),
        ("idempotency-key", key),
    ];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    app.send(
        "POST",
        &format!("/api/v1/sites/acme/tickets?conversation_id={id}"),
        &headers,
        Body::Bytes(ticket_body(subject).to_string().into_bytes()),
    )
}

#[test]
fn a_conversation_spawns_tickets_that_keep_its_transcript_after_the_purge() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    assert_eq!(
        send(&app, "acme", &id, &token, KEY_1, "My order is late").status,
        201
    );
    assert_eq!(
        send(&app, "acme", &id, &token, KEY_2, "Number 42").status,
        201
    );

    let first = ticket_from(&app, &id, Some(&token), KEY_3, "Late order");
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let second = ticket_from(
        &app,
        &id,
        Some(&token),
        "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e04",
        "Refund",
    );
    assert_eq!(second.status, 201);
    let transcripts: Vec<Json> = app
        .rows("SELECT transcript FROM tickets ORDER BY number", vec![])
        .iter()
        .map(|r| serde_json::from_str(r["transcript"].as_str().unwrap()).unwrap())
        .collect();
    let expected = serde_json::json!([
        { "author": "visitor", "text": "My order is late" },
        { "author": "visitor", "text": "Number 42" },
    ]);
    assert_eq!(transcripts, [expected.clone(), expected.clone()]);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_conversations"),
        2,
        "one conversation, two tickets"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_events WHERE kind = 'conversation_linked'"),
        2
    );

    // The purge removes the conversation; the tickets, links and snapshots stay.
    let expires = app.count("SELECT expires_at FROM conversations");
    let expired = pollster::block_on(maintenance::expire(
        app.db(),
        Timestamp::from_millis(expires + 1),
    ))
    .unwrap();
    assert_eq!(expired.conversations, 1);
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_conversations"), 2);
    let kept: Json = serde_json::from_str(
        app.rows(
            "SELECT transcript FROM tickets ORDER BY number LIMIT 1",
            vec![],
        )[0]["transcript"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(kept, expected);
}

#[test]
fn only_the_conversations_visitor_can_make_a_ticket_of_it() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    assert_eq!(
        send(&app, "acme", &id, &token, KEY_1, "Private").status,
        201
    );
    let (_, stranger) = start(&app, "acme", None);
    assert_eq!(
        error_code(
            &ticket_from(&app, &id, Some(&stranger), KEY_2, "Theirs"),
            404
        ),
        "not_found"
    );
    assert_eq!(
        error_code(&ticket_from(&app, &id, None, KEY_2, "Nobody's"), 401),
        "unauthorized"
    );
    assert_eq!(
        error_code(
            &ticket_from(&app, "nothex", Some(&token), KEY_2, "Bad id"),
            404
        ),
        "not_found"
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);
    assert_eq!(app.count("SELECT count(*) FROM ticket_conversations"), 0);
}

#[test]
fn an_operator_attaches_more_conversations_to_a_ticket() {
    let app = TestApp::spawn();
    let (one, token) = start(&app, "acme", None);
    let (two, _) = start(&app, "acme", Some(&token));
    let created = ticket_from(&app, &one, Some(&token), KEY_1, "From one");
    assert_eq!(created.status, 201);
    let ticket = json(&created)["ticket"]["id"].as_str().unwrap().to_owned();
    let acme = pollster::block_on(sites::load(app.db(), &SiteKey::parse("acme").unwrap())).unwrap();
    let now = Timestamp::from_millis(1_795_427_280_000 + 60_000);
    let second = pollster::block_on(conversations::find(
        app.db(),
        &acme,
        Reader::Operator,
        &ConversationId::parse(&two).unwrap(),
        now,
    ))
    .unwrap();
    let actor = ticketbooth_shared::event::Actor::System;
    for _ in 0..2 {
        pollster::block_on(conversations::attach(
            app.db(),
            &acme,
            &ticket,
            &second,
            &actor,
            now,
        ))
        .unwrap();
    }
    let linked =
        pollster::block_on(conversations::linked_to_ticket(app.db(), &acme, &ticket)).unwrap();
    let mut expected = vec![one, two];
    expected.sort();
    let mut linked_sorted = linked.clone();
    linked_sorted.sort();
    assert_eq!(linked_sorted, expected, "attaching twice links once");
}

#[test]
fn the_live_room_is_joined_only_by_the_conversations_visitor_and_hears_each_new_message() {
    use ticketbooth_functions::http::Live;
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    let (_, stranger) = start(&app, "acme", None);
    let live = |t: &str| {
        app.get(
            &format!("/api/v1/sites/acme/conversations/{id}/live?token={t}"),
            &[],
        )
    };
    let joined = live(&token);
    assert_eq!(
        joined.live,
        Some(Live::Join {
            conversation_id: id.clone()
        })
    );
    assert_eq!(error_code(&live(&stranger), 404), "not_found");
    assert_eq!(error_code(&live("forged"), 401), "unauthorized");
    let no_token = app.get(&format!("/api/v1/sites/acme/conversations/{id}/live"), &[]);
    assert_eq!(error_code(&no_token, 401), "unauthorized");
    assert!(live(&stranger).live.is_none());

    let sent = send(&app, "acme", &id, &token, KEY_1, "Ping");
    match &sent.live {
        Some(Live::Broadcast {
            conversation_id,
            payload,
        }) => {
            assert_eq!(conversation_id, &id);
            let message: Json = serde_json::from_str(payload).unwrap();
            assert_eq!(message["seq"], 1);
            assert_eq!(message["text"], "Ping");
        }
        other => panic!("expected a broadcast, got {other:?}"),
    }
    // A replay wrote nothing new, so there is nothing to broadcast.
    assert!(
        send(&app, "acme", &id, &token, KEY_1, "Ping")
            .live
            .is_none()
    );
}

#[test]
fn a_ticket_from_a_conversation_shows_in_it_as_a_card_and_a_retry_after_more_chat_is_a_replay() {
    use ticketbooth_functions::http::Live;
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme", None);
    let sent = send(&app, "acme", &id, &token, KEY_1, "Printer on fire");
    assert_eq!(sent.status, 201);
    crate::operator_api::conforms(
        "/api/v1/sites/{site}/conversations/{id}/messages",
        "POST",
        &sent,
    );

    let created = ticket_from(&app, &id, Some(&token), KEY_3, "Fire");
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let code = json(&created)["ticket"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    // The live room hears the card at once.
    match &created.live {
        Some(Live::Broadcast { payload, .. }) => {
            let message: Json = serde_json::from_str(payload).unwrap();
            assert_eq!(message["author"], "system");
            assert_eq!(message["ticket"]["code"], code.as_str());
        }
        other => panic!("expected the card's broadcast, got {other:?}"),
    }
    let r = read(&app, "acme", &id, &token, "0");
    crate::operator_api::conforms(
        "/api/v1/sites/{site}/conversations/{id}/messages",
        "GET",
        &r,
    );
    let list = json(&r);
    let card = &list["messages"][1];
    assert_eq!(card["seq"], 2);
    assert_eq!(card["author"], "system");
    assert_eq!(card["ticket"]["code"], code.as_str());
    assert_eq!(card["ticket"]["status"], "open");
    assert_eq!(card["ticket"]["status_label"], "Received");
    assert!(list["messages"][0].get("ticket").is_none());
    // The card is not part of what was said: the snapshot holds the visitor's line only.
    let transcript = app.rows("SELECT transcript FROM tickets", vec![])[0]["transcript"].clone();
    assert_eq!(
        transcript,
        r#"[{"author":"visitor","text":"Printer on fire"}]"#
    );

    // The chat goes on; then the widget retries the create whose answer it lost: the same
    // ticket (the fingerprint names the conversation, not the transcript that grew since).
    assert_eq!(
        send(&app, "acme", &id, &token, KEY_2, "Still burning").status,
        201
    );
    let again = ticket_from(&app, &id, Some(&token), KEY_3, "Fire");
    assert_eq!(
        again.status,
        200,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert_eq!(json(&again)["ticket"]["code"], code.as_str());
    assert!(again.live.is_none());
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM conversation_messages WHERE author_kind = 'system'"),
        1
    );

    // The card follows the ticket: a status change shows on the next read.
    app.db()
        .execute_script("UPDATE tickets SET status = 'pending'")
        .unwrap();
    let list = json(&read(&app, "acme", &id, &token, "1"));
    assert_eq!(list["messages"][0]["ticket"]["status"], "pending");
    assert_eq!(list["messages"][0]["ticket"]["status_label"], "We're on it");
}
