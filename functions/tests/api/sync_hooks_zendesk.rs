//! The webhook route with Zendesk's real signatures: `X-Zendesk-Webhook-Signature` =
//! base64(HMAC-SHA256(secret, timestamp + body)), computed here independently of the
//! connector, over event-subscription payloads shaped as Zendesk documents them
//! (`tests/fixtures/sync/zendesk/`). Needs the Zendesk connector (`integrations::sync::zendesk`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value as Json, json};
use sha2::Sha256;
use ticketbooth_functions::http::{Body, Response};

use crate::sync_pull::{Linked, REMOTE_TICKET, REMOTE_USER, WEBHOOK_SECRET, linked};
use crate::{TestApp, error_code, json};

/// The test app's clock starts here (`TestApp::send`) and moves a second per request: a
/// delivery stamped half a minute in is inside the window for the whole test.
const APP_CLOCK_MS: i64 = 1_795_427_280_000;
const STAMP_MS: i64 = APP_CLOCK_MS + 30_000;

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A ticket event for the linked remote ticket, as Zendesk's event subscriptions send it.
fn event(id: &str, kind: &str, event: Json) -> Vec<u8> {
    json!({
        "account_id": 22129848,
        "detail": {
            "actor_id": "8447388090495",
            "id": REMOTE_TICKET,
            "requester_id": "8447388090777",
            "status": "OPEN",
            "priority": "NORMAL",
            "subject": "Printer on fire",
            "via": { "channel": "web_service" }
        },
        "event": event,
        "id": id,
        "subject": format!("zen:ticket:{REMOTE_TICKET}"),
        "time": iso(STAMP_MS - 2_000),
        "type": format!("zen:event-type:{kind}"),
        "zendesk_event_version": "2022-11-06"
    })
    .to_string()
    .into_bytes()
}

fn solved(id: &str) -> Vec<u8> {
    event(
        id,
        "ticket.status_changed",
        json!({ "current": "SOLVED", "previous": "OPEN" }),
    )
}

fn comment(id: &str, comment_id: &str, author_id: &str, body: &str) -> Vec<u8> {
    event(
        id,
        "ticket.comment_added",
        json!({ "comment": {
            "author": { "id": author_id, "is_staff": true, "name": "Sam Agent" },
            "body": body, "id": comment_id, "is_public": true
        } }),
    )
}

fn deliver(app: &TestApp, headers: &[(&str, &str)], body: Vec<u8>) -> Response {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    app.send("POST", "/api/v1/sync/1/webhook", &all, Body::Bytes(body))
}

/// Delivered as Zendesk would: signed with `secret` at `stamp_ms`.
fn signed(app: &TestApp, secret: &str, stamp_ms: i64, body: Vec<u8>) -> Response {
    let stamp = iso(stamp_ms);
    let sig = signature(secret, &stamp, &body);
    deliver(
        app,
        &[
            ("x-zendesk-webhook-signature", &sig),
            ("x-zendesk-webhook-signature-timestamp", &stamp),
        ],
        body,
    )
}

fn nothing_taken(t: &Linked) {
    assert_eq!(t.app.count("SELECT count(*) FROM sync_webhook_events"), 0);
    assert_eq!(t.ticket()["status"], "open");
}

#[test]
fn a_signed_status_change_is_applied_and_its_replay_is_a_duplicate() {
    let t = linked();
    let before = t.events().len();
    let r = signed(&t.app, WEBHOOK_SECRET, STAMP_MS, solved("ev-solved-1"));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r), json!({ "ok": true, "applied": 1 }));
    assert_eq!(t.ticket()["status"], "resolved");
    let after = t.events().len();
    assert_eq!(after, before + 3, "two steps and the synced event");
    // The same delivery again (Zendesk retries; or someone replays a captured one).
    let r = signed(&t.app, WEBHOOK_SECRET, STAMP_MS, solved("ev-solved-1"));
    assert_eq!(r.status, 200);
    assert_eq!(json(&r), json!({ "ok": true, "duplicate": true }));
    assert_eq!(t.events().len(), after);
}

#[test]
fn a_wrong_secret_is_a_bad_signature_and_applies_nothing() {
    let t = linked();
    let r = signed(&t.app, "another-secret", STAMP_MS, solved("ev-1"));
    assert_eq!(error_code(&r, 401), "bad_signature");
    // A body changed after signing, too.
    let stamp = iso(STAMP_MS);
    let sig = signature(WEBHOOK_SECRET, &stamp, &solved("ev-1"));
    let r = deliver(
        &t.app,
        &[
            ("x-zendesk-webhook-signature", &sig),
            ("x-zendesk-webhook-signature-timestamp", &stamp),
        ],
        solved("ev-2"),
    );
    assert_eq!(error_code(&r, 401), "bad_signature");
    nothing_taken(&t);
}

#[test]
fn a_delivery_signed_long_ago_is_stale() {
    let t = linked();
    let r = signed(
        &t.app,
        WEBHOOK_SECRET,
        STAMP_MS - 10 * 60_000,
        solved("ev-1"),
    );
    assert_eq!(error_code(&r, 401), "stale_timestamp");
    nothing_taken(&t);
}

#[test]
fn a_delivery_without_the_signature_headers_is_refused() {
    let t = linked();
    let r = deliver(&t.app, &[], solved("ev-1"));
    assert_eq!(error_code(&r, 401), "missing_signature");
    let stamp = iso(STAMP_MS);
    let r = deliver(
        &t.app,
        &[("x-zendesk-webhook-signature-timestamp", &stamp)],
        solved("ev-1"),
    );
    assert_eq!(error_code(&r, 401), "missing_signature");
    nothing_taken(&t);
}

#[test]
fn a_signed_body_that_is_not_an_event_is_an_invalid_payload() {
    let t = linked();
    let r = signed(&t.app, WEBHOOK_SECRET, STAMP_MS, b"not json".to_vec());
    assert_eq!(error_code(&r, 400), "invalid_payload");
    nothing_taken(&t);
}

#[test]
fn a_public_reply_there_reaches_the_visitor_and_our_own_comment_coming_back_does_not() {
    let t = linked();
    let reply = comment(
        "ev-c1",
        "7723201",
        "8447388090495",
        "We are sending a new printer.",
    );
    let r = signed(&t.app, WEBHOOK_SECRET, STAMP_MS, reply);
    assert_eq!(json(&r), json!({ "ok": true, "applied": 1 }));
    // Our push's comment, authored there by our own user: dropped.
    let echo = comment("ev-c2", "7723202", REMOTE_USER, "Our own reply, pushed.");
    let r = signed(&t.app, WEBHOOK_SECRET, STAMP_MS, echo);
    assert_eq!(json(&r), json!({ "ok": true, "applied": 0 }));
    let bodies: Vec<String> = t
        .app
        .rows(
            "SELECT body FROM ticket_comments WHERE ticket_id = ?1 AND visibility = 'public'",
            vec![t.id.as_str().into()],
        )
        .into_iter()
        .map(|r| r["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(
        bodies[0].contains("We are sending a new printer."),
        "{bodies:?}"
    );
    assert_eq!(
        t.link()["dirty_seq"],
        json!(1),
        "a pull never marks the link dirty"
    );
}
