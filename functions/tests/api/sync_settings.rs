//! The external sync settings page (`/app/settings/sync`) and pushing by hand, through
//! `app::handle` over SQLite: connecting (every field checked at once, the secrets sealed and
//! never shown), the connection test against a double answering as Zendesk does, rotating,
//! the push rule, "push the N existing", disconnecting; the `push` verb from the ticket page,
//! the API and bulk; the hand-typed `sync` verb refused on a ticket a connection syncs.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde_json::json;
use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::integrations::outbound::{
    Answer, Outbound, OutboundError, Pending, PendingAnswer, Request,
};
use ticketbooth_functions::service::operators::token_hash;
use ticketbooth_functions::service::site_secrets::Sealer;
use ticketbooth_functions::service::sync_connections::{self, AuthKind, NewConnection};
use ticketbooth_functions::store::Value;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::sync::{Platform, PushRule};

use crate::{TestApp, csrf_of, json, ticket_body};

const ANN: &str = "0000000000000000000000000000a001";
const MAX: &str = "0000000000000000000000000000b002";
const ANN_TOKEN: &str = "tbo_sync_owner_token_00000000000001";
const MAX_TOKEN: &str = "tbo_sync_member_token_0000000000001";
const CREDENTIAL: &str = "zd-api-token-never-shown-0001";
const HOOK_SECRET: &str = "whsec-zendesk-signing-0001";

/// A Zendesk double for the connection test: `GET /api/v2/users/me.json` answers `status`
/// (200 with the documented `{"user": {...}}`, or an error); every request is recorded.
#[derive(Clone, Default)]
struct Desk {
    status: Rc<Cell<u16>>,
    seen: Rc<RefCell<Vec<String>>>,
}

impl Outbound for Desk {
    fn post_form<'a>(&'a self, _url: &'a str, _body: String) -> Pending<'a> {
        Box::pin(async { Err(OutboundError::Connection("no forms".into())) })
    }

    fn send<'a>(&'a self, request: &'a Request, _deadline_ms: i64) -> PendingAnswer<'a> {
        let url = request.url.as_str().to_owned();
        self.seen
            .borrow_mut()
            .push(format!("{} {url}", request.method.as_str()));
        let status = match self.status.get() {
            0 => 200,
            s => s,
        };
        Box::pin(async move {
            if !url.ends_with("/api/v2/users/me.json") {
                return Err(OutboundError::Connection(format!("no route {url}")));
            }
            let body = match status {
                200 => json!({ "user": {
                    "id": 35436, "name": "Johnny Agent", "email": "johnny@example.com",
                    "role": "admin", "active": true
                }}),
                _ => json!({ "error": "Couldn't authenticate you" }),
            };
            Ok(Answer {
                status,
                retry_after: None,
                body: body.to_string().into_bytes(),
            })
        })
    }
}

struct Setup {
    app: TestApp,
    desk: Desk,
    session: String,
    csrf: String,
}

/// Ann owns `acme` (site 1), Max is a member there; `n` widget tickets (TKT-1…); each has an
/// API token.
fn setup(n: usize) -> Setup {
    let desk = Desk::default();
    let app = TestApp::with_outbound(Box::new(desk.clone()));
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    app.add_operator(MAX, "max@acme.example", "Max Member", &[(1, "member")]);
    for (token, id) in [(ANN_TOKEN, ANN), (MAX_TOKEN, MAX)] {
        app.db()
            .execute_script(&format!(
                "INSERT INTO operator_tokens (token_hash, site_id, operator_id, created_at)
                 VALUES ('{}', 1, '{id}', 0);",
                token_hash(token).unwrap()
            ))
            .unwrap();
    }
    for i in 0..n {
        let key = format!("00000000-0000-4000-8000-{i:012}");
        assert_eq!(
            app.create("acme", &key, &ticket_body("Printer"), &[])
                .status,
            201
        );
    }
    let session = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &session);
    Setup {
        app,
        desk,
        session,
        csrf,
    }
}

fn body(r: &Response) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

impl Setup {
    fn post(&self, pairs: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        self.app
            .form("/app/settings/sync", Some(&self.session), &all)
    }

    fn connect(&self, base_url: &str) -> Response {
        self.post(&[
            ("do", "connect"),
            ("platform", "zendesk"),
            ("base_url", base_url),
            ("auth_kind", "api_token"),
            ("auth_user", "ann@acme.example"),
            ("credential", CREDENTIAL),
            ("webhook_secret", HOOK_SECRET),
            ("push_rule", "manual"),
        ])
    }

    /// Connects as the connect form does, through the service, without the connection test
    /// (what these tests look at is what comes after; the form and its test have their own).
    fn connected(&self, subdomain: &str) {
        let op = crate::ticket_actions::operator(ANN, Role::Owner);
        let sealer = Sealer::new(self.app.secrets_key(), [7; 32], 1_795_427_280_000);
        let new = NewConnection {
            platform: Platform::Zendesk,
            base_url: format!("https://{subdomain}.zendesk.com"),
            auth_kind: AuthKind::ApiToken,
            auth_user: Some("ann@acme.example".to_owned()),
            credential: CREDENTIAL.to_owned(),
            webhook_secret: Some(HOOK_SECRET.to_owned()),
            push_rule: PushRule::Manual,
        };
        pollster::block_on(sync_connections::connect(
            self.app.db(),
            &sealer,
            &op,
            &new,
            1_795_427_280_000,
        ))
        .expect("connected");
    }

    fn page(&self) -> String {
        let (status, html) = self.app.page("/app/settings/sync", &self.session);
        assert_eq!(status, 200, "{html}");
        html
    }

    fn connections(&self) -> i64 {
        self.app.count("SELECT count(*) FROM sync_connections")
    }

    fn secret_names(&self) -> Vec<String> {
        self.app
            .rows(
                "SELECT name FROM site_secrets WHERE site_id = 1 AND name LIKE 'sync_%'
                 ORDER BY name",
                vec![],
            )
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    }

    fn link(&self, code: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
        self.app
            .rows(
                "SELECT l.state, l.attempts, l.next_attempt_at, l.connection_id, l.error
                 FROM sync_links l JOIN tickets t ON t.id = l.ticket_id WHERE t.code = ?1",
                vec![Value::from(code)],
            )
            .into_iter()
            .next()
    }

    /// Ticket `code`'s link, failed after six attempts (as the push job leaves it).
    fn fail_link(&self, code: &str) {
        self.app
            .db()
            .execute_script(&format!(
                "UPDATE sync_links SET state = 'failed', attempts = 6, next_attempt_at = NULL,
                     error = 'Zendesk refused the request (422)', pushed_seq = dirty_seq
                 WHERE ticket_id = (SELECT id FROM tickets WHERE code = '{code}')"
            ))
            .unwrap();
    }

    fn api(&self, token: &str, path: &str, body: serde_json::Value) -> Response {
        let auth = format!("Bearer {token}");
        self.app.send(
            "POST",
            path,
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            Body::Bytes(body.to_string().into_bytes()),
        )
    }
}

#[test]
fn connect_with_every_field_wrong_shows_every_error_and_saves_nothing() {
    let s = setup(0);
    let r = s.post(&[
        ("do", "connect"),
        ("platform", "kustomer"),
        ("base_url", "not a url"),
        ("auth_kind", "oauth"),
        ("auth_user", "nope"),
        ("credential", ""),
        ("webhook_secret", "short"),
        ("push_rule", "label"),
        ("push_label", ""),
    ]);
    assert_eq!(r.status, 422, "{}", body(&r));
    let html = body(&r);
    for field in [
        "platform",
        "base_url",
        "auth_kind",
        "credential",
        "webhook_secret",
        "push_label",
    ] {
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{field}: {html}"
        );
    }
    // The typed (non-secret) values come back; nothing is stored.
    assert!(html.contains("value=\"not a url\""));
    assert_eq!(s.connections(), 0);
    assert!(s.secret_names().is_empty());
    assert!(
        s.desk.seen.borrow().is_empty(),
        "no test without a connection"
    );

    // The e-mail is checked too (with a platform and sign-in that need one).
    let r = s.post(&[
        ("do", "connect"),
        ("platform", "gorgias"),
        ("base_url", "acme"),
        ("auth_kind", "basic"),
        ("auth_user", "nope"),
        ("credential", "key"),
        ("push_rule", "all"),
    ]);
    assert_eq!(r.status, 422);
    assert!(body(&r).contains("id=\"auth_user-error\""));
    // A Zendesk sign-in is refused for Gorgias.
    let r = s.post(&[
        ("do", "connect"),
        ("platform", "gorgias"),
        ("base_url", "acme"),
        ("auth_kind", "bearer"),
        ("credential", "key"),
        ("push_rule", "all"),
    ]);
    assert_eq!(r.status, 422);
    assert!(body(&r).contains("id=\"auth_kind-error\""));
    assert_eq!(s.connections(), 0);
}

#[test]
fn connect_stores_the_row_and_sealed_secrets_tests_once_and_never_shows_the_credential() {
    let s = setup(0);
    let r = s.connect("acme");
    assert_eq!(r.status, 201, "{}", body(&r));
    let html = body(&r);
    assert!(html.contains("Connection test passed: signed in as Johnny Agent (user 35436)"));
    // The bare subdomain became the platform's URL, and the test went there once.
    assert_eq!(
        *s.desk.seen.borrow(),
        ["GET https://acme.zendesk.com/api/v2/users/me.json"]
    );
    let row = &s.app.rows(
        "SELECT platform, base_url, auth_kind, auth_user, push_rule, remote_user_id,
                checked_at IS NOT NULL AS checked, check_error
         FROM sync_connections",
        vec![],
    )[0];
    assert_eq!(row["platform"], "zendesk");
    assert_eq!(row["base_url"], "https://acme.zendesk.com");
    assert_eq!(row["auth_kind"], "api_token");
    assert_eq!(row["auth_user"], "ann@acme.example");
    assert_eq!(row["push_rule"], "manual");
    assert_eq!(row["remote_user_id"], "35436");
    assert_eq!(row["checked"], 1);
    assert!(row["check_error"].is_null());
    // Both secrets sealed: no clear text in the database.
    assert_eq!(s.secret_names(), ["sync_credential", "sync_webhook_secret"]);
    assert_eq!(
        s.app.rows(
            "SELECT count(*) AS n FROM site_secrets
                 WHERE ciphertext LIKE '%' || ?1 || '%' OR ciphertext LIKE '%' || ?2 || '%'",
            vec![Value::from(CREDENTIAL), Value::from(HOOK_SECRET)],
        )[0]["n"],
        0
    );
    // The page: connected, the webhook URL, the test's result; never a secret.
    for html in [html, s.page()] {
        assert!(!html.contains(CREDENTIAL) && !html.contains(HOOK_SECRET));
        for id in [
            "sync-check",
            "sync-webhook-url",
            "sync-test",
            "sync-rules",
            "sync-credentials",
            "sync-disconnect",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "#{id}");
        }
        let id = s.app.rows("SELECT id FROM sync_connections", vec![])[0]["id"].clone();
        assert!(html.contains(&format!(
            "value=\"https://tickets.example.net/api/v1/sync/{id}/webhook\""
        )));
        assert!(!html.contains("id=\"sync-connect\""));
    }
    // A second connection while one is live is refused.
    let r = s.connect("other");
    assert_eq!(r.status, 409);
    assert_eq!(s.connections(), 1);
}

#[test]
fn a_full_base_url_passes_the_outbound_policy_or_is_refused() {
    let s = setup(0);
    for refused in [
        "http://10.0.0.1",
        "https://10.0.0.1",
        "http://acme.zendesk.com",
    ] {
        let r = s.connect(refused);
        assert_eq!(r.status, 422, "{refused}");
        assert!(body(&r).contains("id=\"base_url-error\""), "{refused}");
        assert_eq!(s.connections(), 0, "{refused}");
    }
    let r = s.connect("https://support.acme.example/");
    assert_eq!(r.status, 201, "{}", body(&r));
    assert_eq!(
        s.app.rows("SELECT base_url FROM sync_connections", vec![])[0]["base_url"],
        "https://support.acme.example"
    );
}

#[test]
fn the_connection_test_records_a_refusal_and_shows_it() {
    let s = setup(0);
    s.desk.status.set(401);
    let r = s.connect("acme");
    // Connected all the same: the admin fixes the credentials by rotating them.
    assert_eq!(r.status, 201);
    assert!(body(&r).contains("Zendesk refused the credentials (401)"));
    let html = s.page();
    let check = &html[html.find("id=\"sync-check\"").unwrap()..];
    assert!(
        check.starts_with("id=\"sync-check\"><strong>Failed</strong>"),
        "{check}"
    );
    assert!(check.contains("Zendesk refused the credentials (401)"));

    // Tested again once Zendesk takes them: passed, the user recorded, the error gone.
    s.desk.status.set(200);
    let r = s.post(&[("do", "test")]);
    assert_eq!(r.status, 200);
    assert!(body(&r).contains("signed in as Johnny Agent"));
    let row = &s.app.rows(
        "SELECT remote_user_id, check_error FROM sync_connections",
        vec![],
    )[0];
    assert_eq!(row["remote_user_id"], "35436");
    assert!(row["check_error"].is_null());
    assert_eq!(s.desk.seen.borrow().len(), 2);
}

#[test]
fn rotating_keeps_the_webhook_secret_when_left_blank() {
    let s = setup(0);
    s.connect("acme");
    let sealed = |name: &'static str| -> String {
        s.app.rows(
            "SELECT ciphertext FROM site_secrets WHERE site_id = 1 AND name = ?1",
            vec![Value::from(name)],
        )[0]["ciphertext"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (credential, hook) = (sealed("sync_credential"), sealed("sync_webhook_secret"));
    let r = s.post(&[
        ("do", "credentials"),
        ("auth_kind", "bearer"),
        ("credential", "oauth-access-token-0002"),
        ("webhook_secret", ""),
    ]);
    assert_eq!(r.status, 200, "{}", body(&r));
    assert!(!body(&r).contains("oauth-access-token-0002"));
    assert_ne!(sealed("sync_credential"), credential);
    assert_eq!(sealed("sync_webhook_secret"), hook, "kept");
    let row = &s
        .app
        .rows("SELECT auth_kind, auth_user FROM sync_connections", vec![])[0];
    assert_eq!(row["auth_kind"], "bearer");
    assert!(row["auth_user"].is_null());
    // A new one replaces it.
    let r = s.post(&[
        ("do", "credentials"),
        ("auth_kind", "api_token"),
        ("auth_user", "ann@acme.example"),
        ("credential", "zd-api-token-0003"),
        ("webhook_secret", "whsec-rotated-0003"),
    ]);
    assert_eq!(r.status, 200);
    assert_ne!(sealed("sync_webhook_secret"), hook);
    // A rotation missing its credential changes nothing.
    let before = sealed("sync_credential");
    let r = s.post(&[("do", "credentials"), ("auth_kind", "api_token")]);
    assert_eq!(r.status, 422);
    assert!(body(&r).contains("id=\"credential-error\""));
    assert_eq!(sealed("sync_credential"), before);
}

#[test]
fn the_label_push_rule_needs_a_label() {
    let s = setup(0);
    s.connected("acme");
    let r = s.post(&[("do", "rules"), ("push_rule", "label"), ("push_label", "")]);
    assert_eq!(r.status, 422);
    assert!(body(&r).contains("id=\"push_label-error\""));
    let rule = || {
        let row = &s
            .app
            .rows("SELECT push_rule, push_label FROM sync_connections", vec![])[0];
        (row["push_rule"].clone(), row["push_label"].clone())
    };
    assert_eq!(rule(), (json!("manual"), json!(null)));
    let r = s.post(&[
        ("do", "rules"),
        ("push_rule", "label"),
        ("push_label", "billing"),
    ]);
    assert_eq!(r.status, 303);
    assert_eq!(rule(), (json!("label"), json!("billing")));
    let r = s.post(&[("do", "rules"), ("push_rule", "all"), ("push_label", "x")]);
    assert_eq!(r.status, 303);
    assert_eq!(rule(), (json!("all"), json!(null)));
}

#[test]
fn push_existing_links_the_n_shown_and_refuses_a_stale_count() {
    let s = setup(4);
    s.app
        .db()
        .execute_script(
            "UPDATE tickets SET status = 'closed' WHERE code = 'TKT-3';
             UPDATE tickets SET is_spam = 1 WHERE code = 'TKT-4';",
        )
        .unwrap();
    s.connected("acme");
    let html = s.page();
    assert!(html.contains("Push the 2 existing tickets"), "{html}");
    assert!(html.contains("name=\"count\" value=\"2\""));
    // A ticket came meanwhile: 3 now, the confirmed 2 is refused and nothing linked.
    let key = "00000000-0000-4000-8000-000000000099";
    assert_eq!(
        s.app.create("acme", key, &ticket_body("New"), &[]).status,
        201
    );
    let r = s.post(&[("do", "push_existing"), ("count", "2")]);
    assert_eq!(r.status, 409);
    assert!(body(&r).contains("changed since the page was shown"));
    assert!(body(&r).contains("Push the 3 existing tickets"));
    assert_eq!(s.app.count("SELECT count(*) FROM sync_links"), 0);

    let r = s.post(&[("do", "push_existing"), ("count", "3")]);
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(
        s.app
            .count("SELECT count(*) FROM sync_links WHERE state = 'pending' AND next_attempt_at IS NOT NULL"),
        3
    );
    assert!(s.link("TKT-3").is_none() && s.link("TKT-4").is_none());
    assert!(
        s.page()
            .contains("Every open, pending and resolved ticket is linked already")
    );
}

#[test]
fn disconnect_stops_links_removes_secrets_and_a_new_connection_is_possible() {
    let s = setup(2);
    s.connected("acme");
    s.post(&[("do", "push_existing"), ("count", "2")]);
    // The confirmation page first (a GET changes nothing).
    let (status, html) = s
        .app
        .page("/app/settings/sync?confirm=disconnect", &s.session);
    assert_eq!(status, 200);
    assert!(html.contains("id=\"sync-disconnect-confirm\""));
    assert_eq!(
        s.app
            .count("SELECT count(*) FROM sync_connections WHERE disconnected_at IS NULL"),
        1
    );
    let r = s.post(&[("do", "disconnect")]);
    assert_eq!(r.status, 303);
    assert_eq!(
        s.app
            .count("SELECT count(*) FROM sync_links WHERE state = 'stopped'"),
        2
    );
    assert_eq!(
        s.app
            .count("SELECT count(*) FROM sync_connections WHERE disconnected_at IS NOT NULL"),
        1
    );
    assert!(s.secret_names().is_empty());
    assert!(s.page().contains("id=\"sync-connect\""));
    // A stopped link is history: pushing it by hand is refused.
    let r = s.api(ANN_TOKEN, "/api/v1/tickets/TKT-1/push", json!({}));
    assert_eq!(crate::error_code(&r, 409), "sync_not_connected");

    s.connected("acme2");
    assert_eq!(s.connections(), 2);
    let r = s.api(ANN_TOKEN, "/api/v1/tickets/TKT-1/push", json!({}));
    assert_eq!(crate::error_code(&r, 409), "sync_link_ended");
}

#[test]
fn members_get_the_forbidden_page() {
    let s = setup(0);
    let session = s.app.sign_in("max@acme.example");
    let (status, _) = s.app.page("/app/settings/sync", &session);
    assert_eq!(status, 403);
    let csrf = csrf_of(&s.app, &session);
    let r = s.app.form(
        "/app/settings/sync",
        Some(&session),
        &[
            ("csrf", csrf.as_str()),
            ("do", "connect"),
            ("platform", "zendesk"),
            ("base_url", "acme"),
            ("auth_kind", "bearer"),
            ("credential", "x-token"),
            ("push_rule", "all"),
        ],
    );
    assert_eq!(r.status, 403);
    assert_eq!(s.connections(), 0);
    // The tab shows for owners only.
    assert!(
        s.page()
            .contains("href=\"/app/settings/sync\" aria-current=\"page\"")
    );
    let (_, tickets) = s.app.page("/app/settings/account", &session);
    assert!(!tickets.contains("href=\"/app/settings/sync\""));
}

#[test]
fn push_by_hand_makes_a_pending_link_rearms_a_failed_one_and_needs_a_connection() {
    let s = setup(4);
    // Without a connection: refused everywhere, nothing linked.
    let r = s.api(ANN_TOKEN, "/api/v1/tickets/TKT-1/push", json!({}));
    assert_eq!(crate::error_code(&r, 409), "sync_not_connected");
    let r = s.app.form(
        "/app/tickets/TKT-1/push",
        Some(&s.session),
        &[("csrf", s.csrf.as_str())],
    );
    assert_eq!(r.status, 409, "{}", body(&r));
    assert!(body(&r).contains("not connected to a help desk"));
    assert_eq!(s.app.count("SELECT count(*) FROM sync_links"), 0);

    s.connected("acme");
    // The ticket page's form.
    let r = s.app.form(
        "/app/tickets/TKT-1/push",
        Some(&s.session),
        &[("csrf", s.csrf.as_str())],
    );
    assert_eq!(r.status, 303, "{}", body(&r));
    let link = s.link("TKT-1").expect("a link");
    assert_eq!(link["state"], "pending");
    assert!(link["next_attempt_at"].is_i64());
    // No event of its own: the push job's `synced` event records the push.
    assert_eq!(
        s.app
            .count("SELECT count(*) FROM ticket_events WHERE kind = 'synced'"),
        0
    );
    // The API: a member may push a ticket they may edit.
    let r = s.api(MAX_TOKEN, "/api/v1/tickets/TKT-2/push", json!({}));
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(json(&r)["changed"], true);
    assert_eq!(s.link("TKT-2").unwrap()["state"], "pending");
    // Pushed again while pending: unchanged.
    let r = s.api(ANN_TOKEN, "/api/v1/tickets/TKT-2/push", json!({}));
    assert_eq!(json(&r)["changed"], false);
    // A failed link is re-armed: pending, attempts 0, due now, its error cleared.
    s.fail_link("TKT-1");
    let r = s.api(ANN_TOKEN, "/api/v1/tickets/TKT-1/push", json!({}));
    assert_eq!(json(&r)["changed"], true);
    let link = s.link("TKT-1").unwrap();
    assert_eq!(
        (&link["state"], &link["attempts"], &link["error"]),
        (&json!("pending"), &json!(0), &json!(null))
    );
    assert!(link["next_attempt_at"].is_i64());
    assert_eq!(
        s.app.count(
            "SELECT count(*) FROM sync_links WHERE dirty_seq > pushed_seq AND state = 'pending'"
        ),
        2,
        "each armed link has something to push"
    );
    // A link whose remote ticket was deleted is not pushed again.
    s.app
        .db()
        .execute_script(
            "UPDATE sync_links SET state = 'deleted'
             WHERE ticket_id = (SELECT id FROM tickets WHERE code = 'TKT-2')",
        )
        .unwrap();
    let r = s.api(ANN_TOKEN, "/api/v1/tickets/TKT-2/push", json!({}));
    assert_eq!(crate::error_code(&r, 409), "sync_link_ended");

    // Bulk, from the API and from the list's bulk bar: each ticket on its own.
    let r = s.api(
        ANN_TOKEN,
        "/api/v1/tickets/bulk",
        json!({ "codes": ["TKT-2", "TKT-3"], "action": "push" }),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    let result = json(&r);
    assert_eq!(result["results"][0]["error"]["code"], "sync_link_ended");
    assert_eq!(result["results"][1]["outcome"], "changed");
    assert_eq!(s.link("TKT-3").unwrap()["state"], "pending");
    let (_, list) = s.app.page("/app/tickets", &s.session);
    assert!(list.contains("<option value=\"push\">"));
    let r = s.app.form(
        "/app/tickets/bulk",
        Some(&s.session),
        &[
            ("csrf", s.csrf.as_str()),
            ("bulk_action", "push"),
            ("codes", "TKT-4"),
        ],
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(s.link("TKT-4").unwrap()["state"], "pending");
}

#[test]
fn the_typed_sync_reference_is_read_only_on_a_connected_ticket() {
    let s = setup(2);
    s.connected("acme");
    s.app.form(
        "/app/tickets/TKT-1/push",
        Some(&s.session),
        &[("csrf", s.csrf.as_str())],
    );
    let sync = |code: &str| {
        s.api(
            ANN_TOKEN,
            &format!("/api/v1/tickets/{code}/sync"),
            json!({ "platform": "jira", "remote_id": "OPS-7" }),
        )
    };
    let r = sync("TKT-1");
    assert_eq!(crate::error_code(&r, 409), "sync_managed");
    assert!(
        json(&r)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("synced by the Zendesk connection; its reference is read-only")
    );
    assert_eq!(
        s.app
            .count("SELECT count(*) FROM tickets WHERE sync_platform IS NOT NULL"),
        0
    );
    // Another ticket (no link) still takes a hand-typed reference.
    let r = sync("TKT-2");
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(
        s.app
            .count("SELECT count(*) FROM tickets WHERE sync_remote_id = 'OPS-7'"),
        1
    );
}

#[test]
fn without_secrets_key_connecting_is_refused_and_nothing_is_stored() {
    use ticketbooth_functions::crypto::secret_box::SecretsKeyError;
    let mut s = setup(0);
    s.app.set_secrets_key(Err(SecretsKeyError::Missing));
    let r = s.connect("acme");
    assert_eq!(r.status, 503, "{}", body(&r));
    assert!(body(&r).contains("SECRETS_KEY"));
    assert_eq!(s.connections(), 0);
    assert!(s.secret_names().is_empty());
    assert!(s.desk.seen.borrow().is_empty());
}
