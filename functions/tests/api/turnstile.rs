//! Optional Turnstile on the widget's create: the token is checked with siteverify (a double
//! answering in siteverify's wire format) before anything is written; a failed, missing or
//! unverifiable check writes nothing; the settings page turns it on and off.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use serde_json::json;
use ticketbooth_functions::integrations::outbound::{Outbound, OutboundError, Pending, Reply};

use crate::operator_api::conforms;
use crate::ticket_page::{OWNER_TOKEN, session, spawn_with_tokens};
use crate::{TestApp, csrf_of, error_code, json, ticket_body};

const SITE_KEY: &str = "0x4AAAAAAAtestsitekey";
const SECRET: &str = "0x4AAAAAAAtestsecretkey";

/// One call: the URL and the form's pairs.
type Call = (String, Vec<(String, String)>);

/// siteverify as Cloudflare runs it, scripted: answers in order, and records what was sent.
#[derive(Clone, Default)]
struct Siteverify {
    answers: Rc<RefCell<VecDeque<Result<Reply, OutboundError>>>>,
    sent: Rc<RefCell<Vec<Call>>>,
}

impl Siteverify {
    fn answer(&self, status: u16, body: serde_json::Value) -> &Self {
        self.answers.borrow_mut().push_back(Ok(Reply {
            status,
            body: body.to_string().into_bytes(),
        }));
        self
    }

    fn sent(&self) -> Vec<Call> {
        self.sent.borrow().clone()
    }
}

impl Outbound for Siteverify {
    fn post_form<'a>(&'a self, url: &'a str, body: String) -> Pending<'a> {
        let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
        self.sent.borrow_mut().push((url.to_owned(), form));
        let answer = self.answers.borrow_mut().pop_front();
        Box::pin(async move { answer.unwrap_or_else(|| Err("no answer scripted".into())) })
    }
}

fn passed() -> serde_json::Value {
    json!({ "success": true, "error-codes": [], "challenge_ts": "2026-11-24T09:00:00.000Z",
            "hostname": "acme.example", "action": "", "cdata": "" })
}

fn with_turnstile(siteverify: &Siteverify) -> TestApp {
    let app = TestApp::with_outbound(Box::new(siteverify.clone()));
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET turnstile_site_key = '{SITE_KEY}', turnstile_secret = '{SECRET}' WHERE key = 'acme'"
        ))
        .unwrap();
    app
}

fn tickets(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM tickets") + app.count("SELECT count(*) FROM idempotency_keys")
}

#[test]
fn the_config_names_the_site_key_but_never_the_secret() {
    let siteverify = Siteverify::default();
    let app = with_turnstile(&siteverify);
    let r = app.get("/api/v1/sites/acme/config", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["turnstile_site_key"], SITE_KEY);
    // The script the widget loads: the Worker's configuration, Cloudflare's by default.
    assert_eq!(
        json(&r)["turnstile_script_url"],
        ticketbooth_functions::integrations::turnstile::SCRIPT_URL
    );
    assert!(!String::from_utf8_lossy(&r.body).contains(SECRET));
    // A site without Turnstile says nothing about it.
    let r = app.get("/api/v1/sites/strict/config", &[]);
    assert!(json(&r).get("turnstile_site_key").is_none());
    assert!(json(&r).get("turnstile_script_url").is_none());
}

#[test]
fn a_verified_token_lets_the_ticket_through_and_siteverify_gets_the_create_key() {
    let siteverify = Siteverify::default();
    siteverify.answer(200, passed());
    let app = with_turnstile(&siteverify);
    let key = "00000000-0000-4000-8000-00000000a001";
    let mut body = ticket_body("Printer");
    body["turnstile_token"] = json!("XXXX.DUMMY.TOKEN.XXXX");
    let r = app.create("acme", key, &body, &[("cf-connecting-ip", "203.0.113.9")]);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    conforms("/api/v1/sites/{site}/tickets", "POST", &r);
    let sent = siteverify.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].0,
        ticketbooth_functions::integrations::turnstile::SITEVERIFY_URL
    );
    let field = |name: &str| {
        sent[0]
            .1
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("secret").as_deref(), Some(SECRET));
    assert_eq!(field("response").as_deref(), Some("XXXX.DUMMY.TOKEN.XXXX"));
    assert_eq!(field("remoteip").as_deref(), Some("203.0.113.9"));
    // The create's own key: a retried create gets siteverify's first verdict again.
    assert_eq!(field("idempotency_key").as_deref(), Some(key));
}

#[test]
fn a_missing_rejected_or_unverifiable_check_writes_nothing() {
    let siteverify = Siteverify::default();
    siteverify
        .answer(
            200,
            json!({ "success": false, "error-codes": ["timeout-or-duplicate"] }),
        )
        .answer(500, json!({}))
        .answer(200, json!("not the shape"));
    let app = with_turnstile(&siteverify);
    let mut body = ticket_body("Printer");

    let r = app.create("acme", "00000000-0000-4000-8000-00000000a002", &body, &[]);
    assert_eq!(error_code(&r, 422), "turnstile_required");
    assert!(siteverify.sent().is_empty(), "no token, no siteverify call");

    body["turnstile_token"] = json!("spent-token");
    let r = app.create("acme", "00000000-0000-4000-8000-00000000a003", &body, &[]);
    assert_eq!(error_code(&r, 422), "turnstile_failed");
    conforms("/api/v1/sites/{site}/tickets", "POST", &r);

    let r = app.create("acme", "00000000-0000-4000-8000-00000000a004", &body, &[]);
    assert_eq!(error_code(&r, 503), "turnstile_unavailable");
    assert_eq!(r.header("retry-after"), Some("10"));
    let r = app.create("acme", "00000000-0000-4000-8000-00000000a005", &body, &[]);
    assert_eq!(error_code(&r, 503), "turnstile_unavailable");
    // Offline: no answer at all.
    let r = app.create("acme", "00000000-0000-4000-8000-00000000a006", &body, &[]);
    assert_eq!(error_code(&r, 503), "turnstile_unavailable");
    assert_eq!(tickets(&app), 0);
    // A form with field errors is refused before any siteverify call is spent.
    let calls = siteverify.sent().len();
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000a007",
        &json!({ "subject": "", "turnstile_token": "t" }),
        &[],
    );
    assert_eq!(error_code(&r, 422), "validation_failed");
    assert_eq!(siteverify.sent().len(), calls);
}

#[test]
fn sites_without_turnstile_never_call_siteverify() {
    let siteverify = Siteverify::default();
    let app = with_turnstile(&siteverify);
    let r = app.create(
        "strict",
        "00000000-0000-4000-8000-00000000a008",
        &json!({ "subject": "Hi", "description": "x",
                 "requester": { "name": "Ada", "email": "ada@example.com" } }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert!(siteverify.sent().is_empty());
}

#[test]
fn owners_turn_turnstile_on_and_off_and_the_secret_is_never_shown() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);

    // Half the keys is refused and changes nothing.
    let r = app.form(
        "/app/settings/turnstile",
        Some(&owner),
        &[("csrf", &csrf), ("site_key", SITE_KEY), ("secret", "")],
    );
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE turnstile_site_key IS NOT NULL"),
        0
    );

    let r = app.form(
        "/app/settings/turnstile",
        Some(&owner),
        &[("csrf", &csrf), ("site_key", SITE_KEY), ("secret", SECRET)],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let (status, html) = app.page("/app/settings/site", &owner);
    assert_eq!(status, 200);
    assert!(html.contains(SITE_KEY), "the site key is public and shown");
    assert!(!html.contains(SECRET), "the secret is never rendered");
    // The change reaches the widget's config at once (this isolate's cache is dropped).
    assert_eq!(
        json(&app.get("/api/v1/sites/acme/config", &[]))["turnstile_site_key"],
        SITE_KEY
    );

    let r = app.form(
        "/app/settings/turnstile",
        Some(&owner),
        &[("csrf", &csrf), ("remove", "1")],
    );
    assert_eq!(r.status, 303);
    assert!(
        json(&app.get("/api/v1/sites/acme/config", &[]))
            .get("turnstile_site_key")
            .is_none()
    );

    // Without the CSRF token nothing changes.
    let r = app.form(
        "/app/settings/turnstile",
        Some(&owner),
        &[("site_key", SITE_KEY), ("secret", SECRET)],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE turnstile_site_key IS NOT NULL"),
        0
    );
}
