//! Signed visitor identity on the widget's create (`Ticketbooth-Identity`), and the per-site
//! daily cap on widget tickets; both set from the site settings page.

use serde_json::json;
use ticketbooth_functions::crypto::identity_token::{self, IdentitySecret};

use crate::operator_api::conforms;
use crate::ticket_page::{OWNER_TOKEN, session, spawn_with_tokens};
use crate::{TestApp, csrf_of, error_code, json, ticket_body};

/// The fixed clock's `now` in seconds (see `TestApp::send`; a few requests in).
const NOW: i64 = 1_795_427_280;

fn secret() -> IdentitySecret {
    IdentitySecret::from_stored("5".repeat(64)).unwrap()
}

fn with_secret(app: &TestApp) {
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET identity_secret = '{}' WHERE key IN ('acme', 'strict')",
            secret().expose()
        ))
        .unwrap();
    // Written behind the app's back, as another isolate would: this one's site cache sees it
    // once its entry has aged out.
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
}

fn jwt(site: &str, sub: &str, exp: i64) -> String {
    identity_token::sign(
        &secret(),
        &json!({ "site": site, "sub": sub, "name": "Ada Lovelace", "email": "ada@example.com",
                 "iat": NOW - 60, "exp": exp }),
    )
}

fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("SELECT count(*) FROM tickets"),
        app.count("SELECT count(*) FROM ticket_events"),
        app.count("SELECT count(*) FROM idempotency_keys"),
    )
}

#[test]
fn a_signed_identity_supplies_the_requester_and_the_visitor() {
    let app = TestApp::spawn();
    with_secret(&app);
    // `strict` requires contact details; the identity supplies them.
    let token = jwt("strict", "user-1", NOW + 3600);
    let r = app.create(
        "strict",
        "00000000-0000-4000-8000-000000000001",
        &json!({ "subject": "Invoice", "description": "Wrong VAT",
                 "requester": { "name": "Typed Name", "email": "typed@example.com" } }),
        &[("ticketbooth-identity", &token)],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    conforms("/api/v1/sites/{site}/tickets", "POST", &r);
    assert!(json(&r)["visitor_token"].is_string());
    // From another device, the same user is the same visitor.
    let r = app.create(
        "strict",
        "00000000-0000-4000-8000-000000000002",
        &ticket_body("Again"),
        &[("ticketbooth-identity", &token)],
    );
    assert_eq!(r.status, 201);
    let rows = app.rows(
        "SELECT requester_name, requester_email, visitor_id FROM tickets ORDER BY number",
        vec![],
    );
    assert_eq!(rows[0]["requester_name"], "Ada Lovelace");
    assert_eq!(rows[0]["requester_email"], "ada@example.com");
    assert_eq!(rows[0]["visitor_id"], rows[1]["visitor_id"]);
    // And that visitor's token lists both.
    let visitor_token = json(&r)["visitor_token"].as_str().unwrap().to_owned();
    let list = app.get(
        "/api/v1/sites/strict/tickets",
        &[("authorization", &format!("Bearer {visitor_token}"))],
    );
    assert_eq!(json(&list)["tickets"].as_array().unwrap().len(), 2);
    conforms("/api/v1/sites/{site}/tickets", "GET", &list);
    let config = app.get("/api/v1/sites/strict/config", &[]);
    conforms("/api/v1/sites/{site}/config", "GET", &config);
    conforms("/healthz", "GET", &app.get("/healthz", &[]));
}

#[test]
fn refuses_expired_foreign_tampered_and_unconfigured_identities() {
    let app = TestApp::spawn();
    let before = counts(&app);
    let send = |app: &TestApp, site: &str, token: &str| {
        app.create(
            site,
            "00000000-0000-4000-8000-000000000009",
            &ticket_body("Hi"),
            &[("ticketbooth-identity", token)],
        )
    };
    // No secret on the site yet.
    let r = send(&app, "acme", &jwt("acme", "u", NOW + 600));
    assert_eq!(error_code(&r, 401), "identity_invalid");
    assert!(
        json(&r)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no identity secret")
    );
    with_secret(&app);
    let expired = jwt("acme", "u", NOW - 1);
    let foreign = jwt("strict", "u", NOW + 600);
    let good = jwt("acme", "u", NOW + 600);
    let tampered = format!("{}x", &good[..good.len() - 1]);
    for (token, words) in [
        (expired.as_str(), "expired"),
        (foreign.as_str(), "another site"),
        (tampered.as_str(), "signature"),
        ("not a jwt", "three base64url parts"),
    ] {
        let r = send(&app, "acme", token);
        conforms("/api/v1/sites/{site}/tickets", "POST", &r);
        assert_eq!(error_code(&r, 401), "identity_invalid", "{token}");
        let message = json(&r)["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(words), "{message}");
    }
    assert_eq!(counts(&app), before, "nothing was written");
}

#[test]
fn the_daily_cap_refuses_widget_tickets_past_it_and_writes_nothing() {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script("UPDATE sites SET daily_ticket_cap = 2 WHERE key = 'acme'")
        .unwrap();
    let key = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    for n in 1..=2 {
        let r = app.create("acme", &key(n), &ticket_body("Ok"), &[]);
        assert_eq!(r.status, 201);
    }
    let before = counts(&app);
    let r = app.create("acme", &key(3), &ticket_body("One too many"), &[]);
    conforms("/api/v1/sites/{site}/tickets", "POST", &r);
    assert_eq!(error_code(&r, 429), "daily_cap_reached");
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    assert_eq!(counts(&app), before, "nothing written");
    assert_eq!(
        app.count("SELECT next_ticket_number FROM sites WHERE key = 'acme'"),
        3
    );
    // A replay of an accepted ticket still answers with it.
    assert_eq!(
        app.create("acme", &key(1), &ticket_body("Ok"), &[]).status,
        200
    );
    // Other sites are not affected, nor are the site's operators.
    assert_eq!(
        app.create(
            "strict",
            &key(4),
            &json!({ "subject": "S", "description": "D",
        "requester": { "name": "N", "email": "n@example.com" } }),
            &[]
        )
        .status,
        201
    );
    let r = app.send(
        "POST",
        "/api/v1/tickets",
        &[
            ("authorization", &format!("Bearer {OWNER_TOKEN}")),
            ("content-type", "application/json"),
            ("idempotency-key", &key(5)),
        ],
        ticketbooth_functions::http::Body::Bytes(
            ticket_body("Phone call").to_string().into_bytes(),
        ),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    // The next UTC day counts from zero.
    app.advance(24 * 60 * 60 * 1000);
    assert_eq!(
        app.create("acme", &key(6), &ticket_body("Tomorrow"), &[])
            .status,
        201
    );
}

#[test]
fn the_site_settings_page_sets_the_identity_secret_once_and_the_cap() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let (status, html) = app.page("/app/settings/site", &owner);
    assert_eq!(status, 200);
    assert!(html.contains("No identity secret yet"), "{html}");
    let csrf = csrf_of(&app, &owner);
    let r = app.form("/app/settings/identity", Some(&owner), &[("csrf", &csrf)]);
    assert_eq!(r.status, 201);
    // Stored sealed (`site_secrets`), never in clear; the page shows it this once.
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE identity_secret IS NOT NULL"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM site_secrets WHERE name = 'identity_secret'"),
        1
    );
    let body = String::from_utf8_lossy(&r.body).into_owned();
    let at = body
        .find("id=\"identity_secret\" readonly value=\"")
        .unwrap()
        + 37;
    let stored = body[at..at + 64].to_owned();
    assert!(stored.bytes().all(|b| b.is_ascii_hexdigit()));
    let (_, html) = app.page("/app/settings/site", &owner);
    assert!(html.contains("An identity secret is set"));
    assert!(!html.contains(&stored), "shown only once");

    let r = app.form(
        "/app/settings/cap",
        Some(&owner),
        &[("csrf", &csrf), ("daily_ticket_cap", "5")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        app.count("SELECT daily_ticket_cap FROM sites WHERE key = 'acme'"),
        5
    );
    for bad in ["-1", "lots", "1000001"] {
        let r = app.form(
            "/app/settings/cap",
            Some(&owner),
            &[("csrf", &csrf), ("daily_ticket_cap", bad)],
        );
        assert_eq!(r.status, 422, "{bad}");
    }
    assert_eq!(
        app.count("SELECT daily_ticket_cap FROM sites WHERE key = 'acme'"),
        5
    );
    // A member may do neither.
    let member = session(crate::ticket_page::MEMBER_TOKEN);
    let csrf = csrf_of(&app, &member);
    let r = app.form("/app/settings/identity", Some(&member), &[("csrf", &csrf)]);
    assert_eq!(r.status, 403);
}
