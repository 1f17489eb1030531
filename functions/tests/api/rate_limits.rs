//! Public writes are limited per client and per site; a refusal writes nothing.

use ticketbooth_functions::http::Body;

use crate::{TestApp, error_code, json, ticket_body};

const ORIGIN: (&str, &str) = ("origin", "https://acme.example");

fn key(n: u32) -> String {
    format!("0b0c8c5e-7a6f-4d3e-9a51-{n:012}")
}

#[test]
fn a_client_past_its_budget_gets_429_with_retry_after_and_nothing_is_written() {
    let app = TestApp::with_limits(2, 100);
    let ip = ("cf-connecting-ip", "192.0.2.7");
    for n in 0..2 {
        let created = app.create("acme", &key(n), &ticket_body("ok"), &[ip, ORIGIN]);
        assert_eq!(created.status, 201);
    }
    let refused = app.create("acme", &key(2), &ticket_body("one too many"), &[ip, ORIGIN]);
    assert_eq!(error_code(&refused, 429), "rate_limited");
    assert_eq!(refused.header("retry-after"), Some("60"));
    assert_eq!(
        refused.header("access-control-allow-origin"),
        Some("https://acme.example"),
        "the widget can read the refusal"
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
    assert_eq!(app.count("SELECT count(*) FROM idempotency_keys"), 2);

    // Another client on the same site, and the same client on another site, have their own.
    let other = app.create(
        "acme",
        &key(3),
        &ticket_body("ok"),
        &[("cf-connecting-ip", "192.0.2.8")],
    );
    assert_eq!(other.status, 201);
    let elsewhere = app.create("strict", &key(4), &ticket_body("ok"), &[ip]);
    assert_eq!(
        elsewhere.status, 422,
        "past the limiter, refused for its fields"
    );
}

#[test]
fn a_site_past_its_budget_refuses_every_client() {
    let app = TestApp::with_limits(100, 3);
    for n in 0..3 {
        let ip = format!("192.0.2.{n}");
        let created = app.create(
            "acme",
            &key(n),
            &ticket_body("ok"),
            &[("cf-connecting-ip", &ip)],
        );
        assert_eq!(created.status, 201);
    }
    let refused = app.create(
        "acme",
        &key(9),
        &ticket_body("ok"),
        &[("cf-connecting-ip", "198.51.100.1")],
    );
    assert_eq!(error_code(&refused, 429), "rate_limited");
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 3);
}

/// Chat writes (start, send) count in their own budget per client: a visitor who spent the
/// ticket form's keeps chatting, up to the chat's own limit, and a refused send writes nothing.
#[test]
fn chat_sends_spend_their_own_budget_not_the_ticket_forms() {
    let app = TestApp::with_chat_limits(1, 4, 100);
    let ip = ("cf-connecting-ip", "192.0.2.9");
    assert_eq!(
        app.create("acme", &key(0), &ticket_body("ok"), &[ip, ORIGIN])
            .status,
        201
    );
    let refused = app.create("acme", &key(1), &ticket_body("no"), &[ip, ORIGIN]);
    assert_eq!(
        error_code(&refused, 429),
        "rate_limited",
        "the form's budget is spent"
    );

    let started = app.send(
        "POST",
        "/api/v1/sites/acme/conversations",
        &[ip, ORIGIN],
        Body::Bytes(Vec::new()),
    );
    assert_eq!(
        started.status,
        201,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    let started = json(&started);
    let id = started["conversation"]["id"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {}", started["visitor_token"].as_str().unwrap());
    let send = |n: u32| {
        let message_key = key(100 + n);
        app.send(
            "POST",
            &format!("/api/v1/sites/acme/conversations/{id}/messages"),
            &[
                ip,
                ORIGIN,
                ("content-type", "application/json"),
                ("idempotency-key", &message_key),
                ("authorization", &auth),
            ],
            Body::Bytes(br#"{"text":"Hello"}"#.to_vec()),
        )
    };
    for n in 0..3 {
        assert_eq!(send(n).status, 201, "send {n} within the chat's budget");
    }
    assert_eq!(
        error_code(&send(3), 429),
        "rate_limited",
        "past the chat's own budget"
    );
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 3);
}
