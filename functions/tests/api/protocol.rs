//! The HTTP surface: config, health, and clear errors for everything malformed.

use ticketbooth_functions::http::Body;

use crate::{TestApp, error_code, json, ticket_body};

#[test]
fn health_and_site_config() {
    let app = TestApp::spawn();
    let r = app.get("/healthz", &[]);
    assert_eq!(
        (r.status, json(&r)),
        (200, serde_json::json!({ "ok": true }))
    );
    let r = app.get("/api/v1/sites/strict/config", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(
        json(&r),
        serde_json::json!({ "site": "strict", "enabled": true, "contact_required": true,
                            "cta_label": "Open a ticket", "code_prefix": "STR", "locale": "en" })
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        json(&app.get("/api/v1/sites/off/config", &[]))["enabled"],
        false
    );
}

#[test]
fn unknown_sites_and_routes_are_404() {
    let app = TestApp::spawn();
    assert_eq!(
        error_code(&app.get("/api/v1/sites/nosuch/config", &[]), 404),
        "site_not_found"
    );
    assert_eq!(
        error_code(&app.get("/api/v1/sites/Not_A_Key/config", &[]), 404),
        "site_not_found"
    );
    assert_eq!(error_code(&app.get("/api/v1/nope", &[]), 404), "not_found");
    assert_eq!(
        error_code(&app.get("/api/v1/sites/acme/tickets/TKT-1", &[]), 404),
        "not_found"
    );
}

#[test]
fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn();
    let r = app.send(
        "DELETE",
        "/api/v1/sites/acme/tickets",
        &[],
        Body::Bytes(Vec::new()),
    );
    assert_eq!(error_code(&r, 405), "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST, OPTIONS"));
    let r = app.send(
        "POST",
        "/api/v1/sites/acme/config",
        &[],
        Body::Bytes(Vec::new()),
    );
    assert_eq!(error_code(&r, 405), "method_not_allowed");
    assert_eq!(
        error_code(
            &app.send("POST", "/healthz", &[], Body::Bytes(Vec::new())),
            405
        ),
        "method_not_allowed"
    );
}

#[test]
fn bodies_must_be_json_of_bounded_size() {
    let app = TestApp::spawn();
    let post = |headers: &[(&str, &str)], body: Body| {
        app.send("POST", "/api/v1/sites/acme/tickets", headers, body)
    };
    let key = ("idempotency-key", "00000000-0000-4000-8000-000000000001");
    let bytes = || Body::Bytes(ticket_body("s").to_string().into_bytes());

    assert_eq!(
        error_code(&post(&[key], bytes()), 415),
        "unsupported_media_type"
    );
    assert_eq!(
        error_code(&post(&[key, ("content-type", "text/plain")], bytes()), 415),
        "unsupported_media_type"
    );
    assert_eq!(
        error_code(
            &post(&[key, ("content-type", "application/json")], Body::TooLarge),
            413
        ),
        "payload_too_large"
    );
    let malformed = post(
        &[key, ("content-type", "application/json")],
        Body::Bytes(b"{\"subject\": ".to_vec()),
    );
    assert_eq!(error_code(&malformed, 400), "malformed_json");
    let wrong_type = post(
        &[key, ("content-type", "application/json")],
        Body::Bytes(br#"{"subject": 5}"#.to_vec()),
    );
    // A wrong JSON type is an invalid field like any other, named as such.
    assert_eq!(error_code(&wrong_type, 422), "validation_failed");
    assert_eq!(
        json(&wrong_type)["error"]["fields"],
        serde_json::json!({ "subject": "This value is not in the expected format." })
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM idempotency_keys"), 0);

    let ok = post(
        &[key, ("content-type", "application/json; charset=UTF-8")],
        bytes(),
    );
    assert_eq!(ok.status, 201, "parameters on the media type are fine");
}

#[test]
fn wrong_json_types_in_visitor_bodies_name_their_fields() {
    let app = TestApp::spawn();
    let post = |path: &str, key: &str, token: Option<&str>, body: &str| {
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
            path,
            &headers,
            Body::Bytes(body.as_bytes().to_vec()),
        )
    };
    let fields = |r: &ticketbooth_functions::http::Response| {
        assert_eq!(error_code(r, 422), "validation_failed");
        json(r)["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    let create = |body: &str| {
        post(
            "/api/v1/sites/acme/tickets",
            "00000000-0000-4000-8000-000000000002",
            None,
            body,
        )
    };
    assert_eq!(
        fields(&create(
            r#"{"subject": "Hi", "requester": {"name": "Ada", "email": 42}}"#
        )),
        ["requester.email"]
    );
    assert_eq!(
        fields(&create(
            r#"{"subject": ["Hi"], "transcript": [{"author": "manager", "text": "ok"}]}"#
        )),
        ["subject", "transcript"]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);

    // The chat's send and a visitor's reply on a ticket.
    let started = post(
        "/api/v1/sites/acme/conversations",
        "00000000-0000-4000-8000-000000000003",
        None,
        "",
    );
    let id = json(&started)["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = json(&started)["visitor_token"].as_str().unwrap().to_owned();
    let sent = post(
        &format!("/api/v1/sites/acme/conversations/{id}/messages"),
        "00000000-0000-4000-8000-000000000004",
        Some(&token),
        r#"{"text": 7}"#,
    );
    assert_eq!(fields(&sent), ["text"]);
    let created = create(r#"{"subject": "Printer", "description": "On fire"}"#);
    assert_eq!(created.status, 201);
    let ticket = json(&created)["ticket"]["id"].as_str().unwrap().to_owned();
    let visitor = json(&created)["visitor_token"].as_str().unwrap().to_owned();
    let reply = post(
        &format!("/api/v1/sites/acme/tickets/{ticket}/comments"),
        "00000000-0000-4000-8000-000000000005",
        Some(&visitor),
        r#"{"body": {"text": "hi"}}"#,
    );
    assert_eq!(fields(&reply), ["body"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversation_messages"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket_comments"), 0);
}
