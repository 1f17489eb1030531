//! `PUT …/conversations/{id}/contact`: the visitor's name and email given in the chat, kept on
//! the conversation (validated, the visitor's own only, idempotent, on the chat's budget) and
//! carried to a widget ticket made from it.

use ticketbooth_functions::http::{Body, Response};

use crate::{TestApp, error_code, json};

const KEY: &str = "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e71";

/// Starts a conversation on `site` (an IP, so the rate limits can tell clients apart): its id
/// and the visitor token.
fn start(app: &TestApp, site: &str) -> (String, String) {
    let r = app.send(
        "POST",
        &format!("/api/v1/sites/{site}/conversations"),
        &[("cf-connecting-ip", "192.0.2.7")],
        Body::Bytes(Vec::new()),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    (
        body["conversation"]["id"].as_str().unwrap().to_owned(),
        body["visitor_token"].as_str().unwrap().to_owned(),
    )
}

fn give(app: &TestApp, site: &str, id: &str, token: Option<&str>, body: &str) -> Response {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![
        ("content-type", "application/json"),
        ("cf-connecting-ip", "192.0.2.7"),
    ];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    app.send(
        "PUT",
        &format!("/api/v1/sites/{site}/conversations/{id}/contact"),
        &headers,
        Body::Bytes(body.as_bytes().to_vec()),
    )
}

const ANN: &str = r#"{"name":"  Ann Example ","email":"Ann@Example.COM"}"#;

fn kept(app: &TestApp, id: &str) -> (serde_json::Value, serde_json::Value) {
    let row = &app.rows(
        "SELECT requester_name, requester_email FROM conversations WHERE id = ?1",
        vec![id.into()],
    )[0];
    (
        row["requester_name"].clone(),
        row["requester_email"].clone(),
    )
}

#[test]
fn the_visitor_gives_their_contact_once_and_a_retry_changes_nothing() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme");
    let r = give(&app, "acme", &id, Some(&token), ANN);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        json(&r),
        serde_json::json!({ "name": "Ann Example", "email": "Ann@example.com" })
    );
    assert_eq!(
        kept(&app, &id),
        ("Ann Example".into(), "Ann@example.com".into())
    );
    // The same details again: the same answer, and no bot is woken for nothing.
    let again = give(&app, "acme", &id, Some(&token), ANN);
    assert_eq!(again.status, 200);
    assert_eq!(json(&again), json(&r));
    assert!(again.follow_up.is_none());
    // New details replace the old.
    let other = give(
        &app,
        "acme",
        &id,
        Some(&token),
        r#"{"name":"Ann B","email":"ann.b@example.com"}"#,
    );
    assert_eq!(other.status, 200);
    assert_eq!(
        kept(&app, &id),
        ("Ann B".into(), "ann.b@example.com".into())
    );
}

#[test]
fn invalid_details_are_refused_field_by_field_and_nothing_is_kept() {
    let app = TestApp::spawn();
    let (id, token) = start(&app, "acme");
    let r = give(
        &app,
        "acme",
        &id,
        Some(&token),
        r#"{"name":" ","email":"not-an-email"}"#,
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    let fields = &json(&r)["error"]["fields"];
    assert_eq!(fields["name"], "This field is required.");
    assert!(
        fields["email"].as_str().is_some_and(|m| !m.is_empty()),
        "{fields}"
    );
    let r = give(&app, "acme", &id, Some(&token), r#"{"name":"Ann"}"#);
    assert_eq!(error_code(&r, 422), "validation_failed");
    assert_eq!(
        json(&r)["error"]["fields"]["email"],
        "This field is required."
    );
    let r = give(
        &app,
        "acme",
        &id,
        Some(&token),
        r#"{"name":42,"email":"a@b.co"}"#,
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let r = give(&app, "acme", &id, Some(&token), "{");
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        kept(&app, &id),
        (serde_json::Value::Null, serde_json::Value::Null)
    );
}

#[test]
fn only_the_conversations_visitor_on_its_own_site_may_give_it_a_contact() {
    let app = TestApp::spawn();
    let (id, _) = start(&app, "acme");
    assert_eq!(
        error_code(&give(&app, "acme", &id, None, ANN), 401),
        "unauthorized"
    );
    assert_eq!(
        error_code(&give(&app, "acme", &id, Some("forged.token"), ANN), 401),
        "unauthorized"
    );
    // Another visitor of the same site: as unknown as a made-up id.
    let (_, stranger) = start(&app, "acme");
    assert_eq!(
        error_code(&give(&app, "acme", &id, Some(&stranger), ANN), 404),
        "not_found"
    );
    // Another site, with that site's own visitor token.
    let (_, strict_token) = start(&app, "strict");
    assert_eq!(
        error_code(&give(&app, "strict", &id, Some(&strict_token), ANN), 404),
        "not_found"
    );
    assert_eq!(
        kept(&app, &id),
        (serde_json::Value::Null, serde_json::Value::Null)
    );
}

#[test]
fn giving_a_contact_spends_the_chat_budget() {
    let app = TestApp::with_chat_limits(100, 2, 100);
    let (id, token) = start(&app, "acme");
    assert_eq!(give(&app, "acme", &id, Some(&token), ANN).status, 200);
    assert_eq!(
        error_code(&give(&app, "acme", &id, Some(&token), ANN), 429),
        "rate_limited"
    );
}

#[test]
fn a_preflight_allows_the_put() {
    let app = TestApp::spawn();
    let (id, _) = start(&app, "acme");
    let r = app.send(
        "OPTIONS",
        &format!("/api/v1/sites/acme/conversations/{id}/contact"),
        &[
            ("origin", "https://acme.example"),
            ("access-control-request-method", "PUT"),
        ],
        Body::Bytes(Vec::new()),
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("PUT, OPTIONS")
    );
}

#[test]
fn a_widget_ticket_from_the_conversation_carries_the_contact_given_in_the_chat() {
    let app = TestApp::spawn();
    // `strict` requires a contact: the form sends none, the conversation has it.
    let (id, token) = start(&app, "strict");
    assert_eq!(give(&app, "strict", &id, Some(&token), ANN).status, 200);
    let auth = format!("Bearer {token}");
    let r = app.send(
        "POST",
        &format!("/api/v1/sites/strict/tickets?conversation_id={id}"),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", KEY),
            ("authorization", &auth),
        ],
        Body::Bytes(br#"{"subject":"Refund","description":"Order 9","transcript":[]}"#.to_vec()),
    );
    assert_eq!(
        r.status,
        201,
        "{} {:?}",
        String::from_utf8_lossy(&r.body),
        r.log
    );
    let row = &app.rows(
        "SELECT requester_name, requester_email FROM tickets",
        vec![],
    )[0];
    assert_eq!(row["requester_name"], "Ann Example");
    assert_eq!(row["requester_email"], "Ann@example.com");
    // What the form does give wins over the chat's.
    let r = app.send(
        "POST",
        &format!("/api/v1/sites/strict/tickets?conversation_id={id}"),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e72"),
            ("authorization", &auth),
        ],
        Body::Bytes(
            br#"{"subject":"Other","description":"x","transcript":[],"requester":{"name":"","email":"ann@work.example"}}"#
                .to_vec(),
        ),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let row = &app.rows(
        "SELECT requester_name, requester_email FROM tickets WHERE subject = 'Other'",
        vec![],
    )[0];
    assert_eq!(row["requester_name"], "Ann Example");
    assert_eq!(row["requester_email"], "ann@work.example");
}
