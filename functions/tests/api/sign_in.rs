//! Signing in with a password, sessions (idle and absolute expiry, renewal), signing out
//! (here and everywhere), login CSRF, the site switcher.

use ticketbooth_functions::crypto::sha256::hex_digest;
use ticketbooth_functions::http::Body;
use ticketbooth_functions::store::Value;

use crate::{PASSWORD, TestApp, csrf_of, ticket_body};

const ANN: &str = "0000000000000000000000000000000a";
const BEN: &str = "0000000000000000000000000000000b";
const HOUR: i64 = 3_600_000;

/// Ann owns `acme` and is a member of `strict`; Ben is a member of `acme`.
fn spawn() -> TestApp {
    let app = TestApp::spawn();
    app.add_operator(
        ANN,
        "ann@acme.example",
        "Ann Owner",
        &[(1, "owner"), (2, "member")],
    );
    app.add_operator(BEN, "ben@acme.example", "Ben Member", &[(1, "member")]);
    app
}

fn sessions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM sessions")
}

fn signed_in(app: &TestApp, session: &str) -> bool {
    let (status, _) = app.page("/app/tickets", session);
    assert!(status == 200 || status == 303, "{status}");
    status == 200
}

#[test]
fn a_password_sign_in_sets_a_host_only_http_only_cookie_stored_hashed() {
    let app = spawn();
    let r = app.form(
        "/app/login",
        None,
        &[("email", " ANN@acme.example "), ("password", PASSWORD)],
    );
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/tickets"))
    );
    let cookie = r.header("set-cookie").unwrap();
    for attribute in [
        "__Host-tb_session=",
        "Path=/;",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
    ] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    let value = cookie["__Host-tb_session=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(value.len(), 64, "256 random bits");
    let stored = app.rows(
        "SELECT operator_id FROM sessions WHERE id_hash = ?1",
        vec![Value::from(hex_digest(value.as_bytes()))],
    );
    assert_eq!(stored.len(), 1, "stored as its SHA-256");
    assert_eq!(stored[0]["operator_id"], ANN);
    let raw = app.rows(
        "SELECT 1 FROM sessions WHERE id_hash = ?1",
        vec![value.into()],
    );
    assert!(raw.is_empty(), "never stored as is");
    assert!(signed_in(&app, value));
}

#[test]
fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn();
    let wrong = app.form(
        "/app/login",
        None,
        &[
            ("email", "ann@acme.example"),
            ("password", "not the password"),
        ],
    );
    let unknown = app.form(
        "/app/login",
        None,
        &[
            ("email", "nobody@acme.example"),
            ("password", "not the password"),
        ],
    );
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, 401);
        assert_eq!(r.header("set-cookie"), None);
        let html = String::from_utf8_lossy(&r.body);
        assert!(
            html.contains("That email and password do not match an account."),
            "{html}"
        );
    }
    let strip = |b: &[u8]| String::from_utf8_lossy(b).replace("nobody@", "ann@");
    assert_eq!(
        strip(&wrong.body),
        strip(&unknown.body),
        "the same page, email aside"
    );
    assert_eq!(sessions(&app), 0);
}

#[test]
fn a_cross_site_sign_in_post_is_refused() {
    let app = spawn();
    let body = format!(
        "email=ann%40acme.example&password={}",
        PASSWORD.replace(' ', "+")
    );
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://evil.example")],
        vec![],
    ] {
        let mut headers = headers;
        headers.push(("content-type", "application/x-www-form-urlencoded"));
        let r = app.send(
            "POST",
            "/app/login",
            &headers,
            Body::Bytes(body.clone().into_bytes()),
        );
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(String::from_utf8_lossy(&r.body).contains("sent from another site"));
        assert_eq!(r.header("set-cookie"), None);
    }
    assert_eq!(sessions(&app), 0);
}

#[test]
fn an_idle_session_expires_and_a_used_one_is_renewed() {
    let app = spawn();
    let session = app.sign_in("ann@acme.example");
    app.advance(11 * HOUR);
    assert!(signed_in(&app, &session), "used within 12 h: renewed");
    app.advance(11 * HOUR);
    assert!(
        signed_in(&app, &session),
        "22 h after sign-in, 11 h after last use"
    );
    app.advance(13 * HOUR);
    assert!(!signed_in(&app, &session), "13 h idle: over");
    assert_eq!(sessions(&app), 0, "an expired session is deleted when used");

    // One never used again is deleted when its operator next signs in.
    app.sign_in("ann@acme.example");
    app.advance(13 * HOUR);
    app.sign_in("ann@acme.example");
    assert_eq!(sessions(&app), 1);
}

#[test]
fn no_session_outlives_thirty_days_however_much_it_is_used() {
    let app = spawn();
    let session = app.sign_in("ann@acme.example");
    for _ in 0..(30 * 24 / 11) {
        app.advance(11 * HOUR);
        assert!(signed_in(&app, &session));
    }
    app.advance(11 * HOUR);
    assert!(!signed_in(&app, &session), "past 30 days");
}

#[test]
fn signing_out_kills_the_cookie_and_needs_the_csrf_token() {
    let app = spawn();
    let session = app.sign_in("ann@acme.example");
    let r = app.form("/app/logout", Some(&session), &[]);
    assert_eq!(r.status, 403, "no token: another site cannot sign us out");
    assert!(String::from_utf8_lossy(&r.body).contains("This form has expired"));
    assert!(signed_in(&app, &session));

    let token = csrf_of(&app, &session);
    let r = app.form("/app/logout", Some(&session), &[("csrf", &token)]);
    assert_eq!((r.status, r.header("location")), (303, Some("/app/login")));
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert!(!signed_in(&app, &session), "the old cookie opens nothing");
}

#[test]
fn signing_out_everywhere_ends_every_session_of_that_person_only() {
    let app = spawn();
    let laptop = app.sign_in("ann@acme.example");
    let phone = app.sign_in("ann@acme.example");
    let ben = app.sign_in("ben@acme.example");
    assert_ne!(laptop, phone);
    let token = csrf_of(&app, &phone);
    let r = app.form("/app/logout/everywhere", Some(&phone), &[("csrf", &token)]);
    assert_eq!(r.status, 303);
    assert!(!signed_in(&app, &laptop) && !signed_in(&app, &phone));
    assert!(signed_in(&app, &ben));
}

#[test]
fn the_site_switcher_changes_the_site_every_page_shows() {
    let app = spawn();
    app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("Acme ticket"),
        &[],
    );
    let strict = serde_json::json!({ "subject": "Strict ticket",
        "requester": { "name": "S", "email": "s@x.io" } });
    app.create(
        "strict",
        "00000000-0000-4000-8000-000000000002",
        &strict,
        &[],
    );
    let session = app.sign_in("ann@acme.example");
    let (_, html) = app.page("/app/tickets", &session);
    assert!(html.contains("Acme ticket") && !html.contains("Strict ticket"));
    assert!(
        html.contains("<option value=\"strict\">Strict</option>"),
        "the switcher"
    );

    let token = csrf_of(&app, &session);
    let r = app.form("/app/sites/switch", Some(&session), &[("site", "strict")]);
    assert_eq!(r.status, 403, "no token, no switch");
    let r = app.form(
        "/app/sites/switch",
        Some(&session),
        &[("csrf", &token), ("site", "strict")],
    );
    assert_eq!(r.status, 303);
    let (_, html) = app.page("/app/tickets", &session);
    assert!(html.contains("Strict ticket") && !html.contains("Acme ticket"));
    assert!(html.contains("Ann Owner · member"), "the role on this site");
    assert_eq!(
        app.page("/app/tickets/TKT-1", &session).0,
        404,
        "acme's ticket is out of scope"
    );

    // A site Ann is not a member of: refused, nothing changes.
    let r = app.form(
        "/app/sites/switch",
        Some(&session),
        &[("csrf", &token), ("site", "off")],
    );
    assert_eq!(r.status, 404);
    let (_, html) = app.page("/app/tickets", &session);
    assert!(html.contains("Strict ticket"));
}

#[test]
fn a_new_session_opens_on_the_site_where_the_role_is_highest() {
    let app = TestApp::spawn();
    app.add_operator(
        ANN,
        "ann@acme.example",
        "Ann",
        &[(1, "guest"), (2, "admin")],
    );
    let session = app.sign_in("ann@acme.example");
    let (_, html) = app.page("/app/tickets", &session);
    assert!(
        html.contains("<option value=\"strict\" selected>"),
        "admin of Strict beats guest of Acme"
    );
}

#[test]
fn the_scheduled_upkeep_deletes_abandoned_sessions() {
    use ticketbooth_functions::service::maintenance;
    use ticketbooth_functions::service::sessions::IDLE_TIMEOUT_MS;
    use ticketbooth_shared::timestamp::Timestamp;
    let app = spawn();
    app.sign_in("ann@acme.example");
    let seen = app.rows("SELECT last_seen_at FROM sessions", vec![])[0]["last_seen_at"]
        .as_i64()
        .unwrap();
    let run = |at: i64| {
        pollster::block_on(maintenance::expire(app.db(), Timestamp::from_millis(at))).unwrap()
    };
    assert_eq!(
        run(seen + IDLE_TIMEOUT_MS).sessions,
        0,
        "not yet idle for 12 h"
    );
    assert_eq!(sessions(&app), 1);
    assert_eq!(run(seen + IDLE_TIMEOUT_MS + 1).sessions, 1);
    assert_eq!(sessions(&app), 0);
}

#[test]
fn password_guessing_is_rate_limited_per_client() {
    let app = TestApp::with_limits(3, 1000);
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    let guess = |ip: &str| {
        let body = "email=ann%40acme.example&password=guess-guess-guess"
            .as_bytes()
            .to_vec();
        let headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
            ("cf-connecting-ip", ip),
        ];
        app.send("POST", "/app/login", &headers, Body::Bytes(body))
    };
    for _ in 0..3 {
        assert_eq!(guess("203.0.113.7").status, 401);
    }
    let r = guess("203.0.113.7");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("60"));
    assert!(String::from_utf8_lossy(&r.body).contains("Too many sign-in attempts"));
    assert_eq!(
        guess("198.51.100.9").status,
        401,
        "another client has its own budget"
    );
    // Ticket creates from the same address are not charged for it.
    let r = app.create(
        "acme",
        "0b0c8c5e-7a6f-4d3e-9a51-3f1f0f7b9a77",
        &ticket_body("Hello"),
        &[("cf-connecting-ip", "203.0.113.7")],
    );
    assert_eq!(r.status, 201);
}
