//! A visitor reads their own tickets with their token, and nothing else.

use std::collections::BTreeSet;

use ticketbooth_functions::crypto::visitor_token::TokenKey;
use ticketbooth_shared::ids::VisitorId;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use crate::{SECRET, TestApp, error_code, json, ticket_body};

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn the_token_reads_the_visitors_ticket_and_nothing_internal() {
    let app = TestApp::spawn();
    let created = json(&app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("Refund"),
        &[],
    ));
    let token = created["visitor_token"].as_str().unwrap();
    let id = created["ticket"]["id"].as_str().unwrap();

    let r = app.get(
        &format!("/api/v1/sites/acme/tickets/{id}"),
        &[("authorization", &bearer(token))],
    );
    assert_eq!(r.status, 200);
    let ticket = json(&r);
    assert_eq!(ticket, created["ticket"]);
    let keys: BTreeSet<_> = ticket
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let allowed: BTreeSet<_> = [
        "id",
        "code",
        "subject",
        "description",
        "status",
        "status_label",
        "created_at",
        "updated_at",
    ]
    .into();
    assert_eq!(keys, allowed, "the visitor view has exactly these fields");
}

#[test]
fn a_returning_visitor_keeps_one_identity_and_lists_their_tickets_newest_first() {
    let app = TestApp::spawn();
    let first = json(&app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("First"),
        &[],
    ));
    let token = first["visitor_token"].as_str().unwrap().to_owned();
    let auth = bearer(&token);
    let second = json(&app.create(
        "acme",
        "00000000-0000-4000-8000-000000000002",
        &ticket_body("Second"),
        &[("authorization", &auth)],
    ));
    let visitor_of = |token: &str| token.split('.').nth(2).unwrap().to_owned();
    assert_eq!(
        visitor_of(second["visitor_token"].as_str().unwrap()),
        visitor_of(&token),
        "same visitor"
    );
    // Someone else's ticket on the same site.
    app.create(
        "acme",
        "00000000-0000-4000-8000-000000000003",
        &ticket_body("Not yours"),
        &[],
    );

    let list = json(&app.get("/api/v1/sites/acme/tickets", &[("authorization", &auth)]));
    let subjects: Vec<_> = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Second", "First"]);
}

#[test]
fn reads_without_a_valid_token_are_refused() {
    let app = TestApp::spawn();
    let created = json(&app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("Refund"),
        &[],
    ));
    let id = created["ticket"]["id"].as_str().unwrap();
    let path = format!("/api/v1/sites/acme/tickets/{id}");

    assert_eq!(error_code(&app.get(&path, &[]), 401), "unauthorized");
    assert_eq!(
        error_code(
            &app.get(&path, &[("authorization", "Bearer nonsense")]),
            401
        ),
        "unauthorized"
    );
    assert_eq!(
        error_code(&app.get("/api/v1/sites/acme/tickets", &[]), 401),
        "unauthorized"
    );
    let r = app.get(&path, &[]);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));

    // Another visitor's valid token: the ticket does not exist for them.
    let other = json(&app.create(
        "acme",
        "00000000-0000-4000-8000-000000000002",
        &ticket_body("Mine"),
        &[],
    ));
    let other_auth = bearer(other["visitor_token"].as_str().unwrap());
    assert_eq!(
        error_code(&app.get(&path, &[("authorization", &other_auth)]), 404),
        "not_found"
    );
}

#[test]
fn a_token_is_worthless_on_another_site() {
    let app = TestApp::spawn();
    let created = json(&app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("Refund"),
        &[],
    ));
    let auth = bearer(created["visitor_token"].as_str().unwrap());
    let id = created["ticket"]["id"].as_str().unwrap();
    let r = app.get(
        &format!("/api/v1/sites/strict/tickets/{id}"),
        &[("authorization", &auth)],
    );
    assert_eq!(error_code(&r, 401), "unauthorized");
    assert_eq!(
        error_code(
            &app.get("/api/v1/sites/nosuch/tickets", &[("authorization", &auth)]),
            404
        ),
        "site_not_found"
    );
}

#[test]
fn a_week_old_token_is_renewed_in_the_reply_and_an_expired_one_refused() {
    let app = TestApp::spawn();
    let first = json(&app.create(
        "acme",
        "6a1f0c2e-8b1d-4c3e-9f20-0a1b2c3d4e5f",
        &ticket_body("First"),
        &[],
    ));
    let token = first["visitor_token"].as_str().unwrap();
    let visitor = VisitorId::parse(token.split('.').nth(2).unwrap()).unwrap();
    let site = SiteKey::parse("acme").unwrap();
    let key = TokenKey::new(SECRET).unwrap();
    let now = 1_795_427_280_000;
    let day = 24 * 60 * 60 * 1000;

    let fresh = bearer(token);
    let reply = app.get(
        "/api/v1/sites/acme/tickets",
        &[
            ("authorization", &fresh),
            ("origin", "https://acme.example"),
        ],
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("ticketbooth-visitor-token"), None);

    let old = bearer(&key.sign(&site, &visitor, Timestamp::from_millis(now - 8 * day)));
    let reply = app.get(
        "/api/v1/sites/acme/tickets",
        &[("authorization", &old), ("origin", "https://acme.example")],
    );
    assert_eq!(reply.status, 200);
    assert_eq!(json(&reply)["tickets"].as_array().unwrap().len(), 1);
    let renewed = reply.header("ticketbooth-visitor-token").expect("renewed");
    assert_ne!(renewed, token);
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("ticketbooth-visitor-token")
    );
    let reply = app.get(
        "/api/v1/sites/acme/tickets",
        &[("authorization", &bearer(renewed))],
    );
    assert_eq!(json(&reply)["tickets"].as_array().unwrap().len(), 1);

    let expired = bearer(&key.sign(&site, &visitor, Timestamp::from_millis(now - 181 * day)));
    let reply = app.get("/api/v1/sites/acme/tickets", &[("authorization", &expired)]);
    assert_eq!(error_code(&reply, 401), "unauthorized");
}
