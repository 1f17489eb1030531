//! CORS: browsers may call a site's API only from that site's allowed origins.

use ticketbooth_functions::http::Body;

use crate::{OWN_ORIGIN, TestApp, error_code, json, ticket_body};

fn preflight(app: &TestApp, origin: &str) -> ticketbooth_functions::http::Response {
    let headers = [
        ("origin", origin),
        ("access-control-request-method", "POST"),
    ];
    app.send(
        "OPTIONS",
        "/api/v1/sites/acme/tickets",
        &headers,
        Body::Bytes(Vec::new()),
    )
}

#[test]
fn a_preflight_from_an_allowed_origin_is_granted() {
    let app = TestApp::spawn();
    let r = preflight(&app, "https://acme.example");
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://acme.example")
    );
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET, POST, OPTIONS")
    );
    assert!(
        r.header("access-control-allow-headers")
            .unwrap()
            .contains("Idempotency-Key")
    );
    assert_eq!(r.header("vary"), Some("Origin"));
}

#[test]
fn a_preflight_from_another_origin_is_refused() {
    let app = TestApp::spawn();
    let r = preflight(&app, "https://evil.example");
    assert_eq!(error_code(&r, 403), "origin_not_allowed");
    assert_eq!(r.header("access-control-allow-origin"), None);
}

/// `send` withholds the body of a request `admits_body` refuses, as the Worker does: the
/// refusal comes from the head alone.
#[test]
fn a_post_from_a_foreign_origin_writes_nothing() {
    let app = TestApp::spawn();
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("s"),
        &[("origin", "https://evil.example")],
    );
    assert_eq!(error_code(&r, 403), "origin_not_allowed");
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 0);
}

#[test]
fn allowed_and_own_origins_may_read_responses_including_errors() {
    let app = TestApp::spawn();
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("s"),
        &[("origin", "https://ACME.example/")],
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://ACME.example/")
    );
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-000000000002",
        &ticket_body(""),
        &[("origin", OWN_ORIGIN)],
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some(OWN_ORIGIN),
        "the widget can read its errors"
    );
    let config = app.get(
        "/api/v1/sites/acme/config",
        &[("origin", "https://acme.example")],
    );
    assert_eq!(json(&config)["site"], "acme");
    assert_eq!(
        config.header("access-control-allow-origin"),
        Some("https://acme.example")
    );
}

#[test]
fn a_failure_outside_the_app_is_the_error_json_with_cors_on_the_api() {
    let api = ticketbooth_functions::app::failure_outside(
        "/api/v1/sites/acme/tickets",
        Some("https://anywhere.example"),
        "0123456789abcdef",
    );
    assert_eq!(error_code(&api, 500), "internal");
    assert_eq!(
        api.header("access-control-allow-origin"),
        Some("https://anywhere.example")
    );
    let page =
        ticketbooth_functions::app::failure_outside("/app/tickets", None, "0123456789abcdef");
    assert_eq!(page.status, 500);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.header("access-control-allow-origin"), None);
}

#[test]
fn the_body_is_read_only_after_routing_and_the_origin_check() {
    let app = TestApp::spawn();
    let tickets = "/api/v1/sites/acme/tickets";
    let json = ("content-type", "application/json");
    // Read: a public write from an allowed origin, or from no browser page at all.
    assert!(app.admits_body("POST", tickets, &[json, ("origin", "https://acme.example")]));
    assert!(app.admits_body("POST", tickets, &[json]));
    // Refused from the head alone.
    assert!(
        !app.admits_body("POST", tickets, &[json, ("origin", "https://evil.example")]),
        "a foreign origin"
    );
    assert!(
        !app.admits_body("POST", "/api/v1/sites/nosuch/tickets", &[json]),
        "an unknown site"
    );
    assert!(
        !app.admits_body("POST", "/api/v1/nowhere", &[json]),
        "no route"
    );
    assert!(
        !app.admits_body("DELETE", tickets, &[json]),
        "a method the route does not take"
    );
    assert!(!app.admits_body("GET", tickets, &[]), "a GET has no body");
    // The dashboard: only our own pages' writes, or a bearer token's.
    let login = "/app/login";
    assert!(app.admits_body("POST", login, &[("sec-fetch-site", "same-origin")]));
    assert!(app.admits_body("POST", login, &[("origin", OWN_ORIGIN)]));
    assert!(app.admits_body("POST", login, &[("authorization", "Bearer tb_x")]));
    assert!(
        !app.admits_body("POST", login, &[("sec-fetch-site", "cross-site")]),
        "a cross-site form"
    );
    assert!(!app.admits_body("POST", login, &[]), "neither header");
}
