//! The ticket page and its forms, through `app::handle`: controls by role, CSRF, the 303 back,
//! refusals that change nothing, the new-ticket form and the delete confirmation.

use std::cell::RefCell;
use std::collections::HashMap;

use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::service::operators::token_hash;

use crate::ticket_actions::{GUEST, MEMBER, OTHER_MEMBER, OWNER, STRANGER, snapshot, spawn};
use crate::{PASSWORD, TestApp, session_cookie};

pub const OWNER_TOKEN: &str = "tbo_test_owner_token_0000000000001";
pub const MEMBER_TOKEN: &str = "tbo_test_member_token_000000000001";
pub const GUEST_TOKEN: &str = "tbo_test_guest_token_0000000000001";
pub const STRANGER_TOKEN: &str = "tbo_test_stranger_token_000000001";

/// `ticket_actions::spawn` plus an API token for the owner, a member, the guest and the
/// other site's member.
pub fn spawn_with_tokens(n: usize) -> TestApp {
    let app = spawn(n);
    let mut sql = String::new();
    for (token, site, id) in [
        (OWNER_TOKEN, 1, OWNER),
        (MEMBER_TOKEN, 1, MEMBER),
        (GUEST_TOKEN, 1, GUEST),
        (STRANGER_TOKEN, 2, STRANGER),
    ] {
        sql.push_str(&format!(
            "INSERT INTO operator_tokens (token_hash, site_id, operator_id, created_at)
             VALUES ('{}', {site}, '{id}', 0);",
            token_hash(token).unwrap()
        ));
    }
    app.db().execute_script(&sql).unwrap();
    // Each of them also signs in to the dashboard with a password, as a browser would.
    use ticketbooth_functions::crypto::password::{Password, PasswordHash};
    let hash = pollster::block_on(PasswordHash::create(
        &Password::parse(PASSWORD).unwrap(),
        [3; 16],
    ))
    .unwrap()
    .encode();
    app.db()
        .execute_script(&format!("UPDATE operators SET password_hash = '{hash}'"))
        .unwrap();
    for (token, id) in [
        (OWNER_TOKEN, OWNER),
        (MEMBER_TOKEN, MEMBER),
        (GUEST_TOKEN, GUEST),
        (STRANGER_TOKEN, STRANGER),
    ] {
        let email =
            app.rows("SELECT email FROM operators WHERE id = ?1", vec![id.into()])[0]["email"]
                .as_str()
                .unwrap()
                .to_owned();
        let session = app.sign_in(&email);
        SESSIONS.with(|s| s.borrow_mut().insert(token, session));
    }
    app
}

thread_local! {
    /// Each fixture operator's dashboard session, by their API token (tests run one per
    /// thread, so each test sees its own app's sessions).
    static SESSIONS: RefCell<HashMap<&'static str, String>> = RefCell::default();
}

pub fn session(token: &str) -> String {
    SESSIONS.with(|s| s.borrow().get(token).cloned().expect("signed in"))
}

/// The CSRF token the dashboard gives this sign-in (for operators whose page has no form).
fn csrf_of(app: &TestApp, token: &str) -> String {
    crate::csrf_of(app, &session(token))
}

fn cookie(token: &str) -> String {
    session_cookie(&session(token))
}

fn page(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let r = app.get(path, &[("cookie", &cookie(token))]);
    (r.status, String::from_utf8(r.body).unwrap())
}

/// The value of the first `name="{name}" value="…"` on the page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Posts a form as a browser on our own origin would, with the page's CSRF token and version.
fn post(app: &TestApp, path: &str, token: &str, fields: &[(&str, &str)]) -> Response {
    let (_, html) = page(app, "/app/tickets/TKT-1", token);
    let csrf = hidden(&html, "csrf");
    let version = hidden(&html, "version");
    let mut all = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    all.extend_from_slice(fields);
    post_raw(app, path, token, &all)
}

fn post_raw(app: &TestApp, path: &str, token: &str, fields: &[(&str, &str)]) -> Response {
    let body = serde_urlencoded::to_string(fields).unwrap().into_bytes();
    app.send(
        "POST",
        path,
        &[
            ("cookie", &cookie(token)),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        Body::Bytes(body),
    )
}

#[test]
fn the_owner_sees_every_control_with_only_the_valid_next_states() {
    let app = spawn_with_tokens(1);
    let (status, html) = page(&app, "/app/tickets/TKT-1", OWNER_TOKEN);
    assert_eq!(status, 200);
    for control in [
        "/status\"",
        "/priority\"",
        "/assign\"",
        "/snooze\"",
        "/spam\"",
        "/labels-add\"",
        "/comment\"",
        "/edit\"",
        "/TKT-1/delete\">Delete…",
    ] {
        assert!(html.contains(control), "{control} missing");
    }
    // Open may only move to pending.
    assert!(html.contains("<option value=\"pending\">Pending</option>"));
    assert!(!html.contains("<option value=\"closed\">"));
    // Members by name, never by id; guests cannot be assignees.
    assert!(html.contains(&format!("<option value=\"{MEMBER}\">Max Member</option>")));
    assert!(!html.contains(&format!("<option value=\"{GUEST}\">")));
    assert!(html.contains("Assign to me"));
}

#[test]
fn a_form_post_changes_the_ticket_and_comes_back_to_it() {
    let app = spawn_with_tokens(1);
    let r = post(
        &app,
        "/app/tickets/TKT-1/status",
        OWNER_TOKEN,
        &[("status", "pending")],
    );
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/tickets/TKT-1"))
    );
    let s = snapshot(&app, 1);
    assert_eq!(s["ticket"][0]["status"], "pending");

    let r = post(
        &app,
        "/app/tickets/TKT-1/comment",
        OWNER_TOKEN,
        &[("comment", "Called <them>"), ("visibility", "internal")],
    );
    assert_eq!(r.status, 303);
    post(
        &app,
        "/app/tickets/TKT-1/comment",
        OWNER_TOKEN,
        &[("comment", "We are on it"), ("visibility", "public")],
    );
    post(
        &app,
        "/app/tickets/TKT-1/assign",
        OWNER_TOKEN,
        &[("assignee", "me")],
    );
    post(
        &app,
        "/app/tickets/TKT-1/labels-add",
        OWNER_TOKEN,
        &[("label", "Billing")],
    );
    let (_, html) = page(&app, "/app/tickets/TKT-1", OWNER_TOKEN);
    assert!(html.contains(
        "<li class=\"comment internal\"><p class=\"comment-head\"><strong>Internal note</strong>"
    ));
    assert!(html.contains(
        "<li class=\"comment public\"><p class=\"comment-head\"><strong>Reply to customer</strong>"
    ));
    assert!(html.contains("Called &lt;them&gt;"), "comments are escaped");
    assert!(html.contains("<a class=\"label\" href=\"/app/tickets?label=billing\">billing</a>"));
    assert!(html.contains("Status Open → Pending"));
    assert!(html.contains("Assignee <bdi>Unassigned</bdi> → <bdi>Ann Owner</bdi>"));
    assert!(html.contains("by <bdi>Ann Owner</bdi>"), "actors by name");

    // `return_to` is honoured under /app/ only.
    let r = post(
        &app,
        "/app/tickets/TKT-1/priority",
        OWNER_TOKEN,
        &[
            ("priority", "high"),
            ("return_to", "/app/tickets?status=open"),
        ],
    );
    assert_eq!(r.header("location"), Some("/app/tickets?status=open"));
    let r = post(
        &app,
        "/app/tickets/TKT-1/priority",
        OWNER_TOKEN,
        &[("priority", "low"), ("return_to", "https://evil.example/")],
    );
    assert_eq!(r.header("location"), Some("/app/tickets/TKT-1"));
}

#[test]
fn refusals_say_why_and_change_nothing() {
    let app = spawn_with_tokens(1);
    let before = snapshot(&app, 1);
    // Not a valid next state.
    let r = post(
        &app,
        "/app/tickets/TKT-1/status",
        OWNER_TOKEN,
        &[("status", "closed")],
    );
    assert_eq!(r.status, 409);
    let html = String::from_utf8_lossy(&r.body);
    assert!(html.contains("allowed next: pending"));
    assert!(
        html.contains("Nothing was changed.")
            && html.contains("href=\"/app/tickets/TKT-1\">Back to TKT-1")
    );
    // Without the CSRF token, or from another site.
    let r = post_raw(
        &app,
        "/app/tickets/TKT-1/status",
        OWNER_TOKEN,
        &[("status", "pending")],
    );
    assert_eq!(r.status, 403);
    // A stale version.
    let r = post_raw(
        &app,
        "/app/tickets/TKT-1/status",
        OWNER_TOKEN,
        &[
            (
                "csrf",
                &hidden(&page(&app, "/app/tickets/TKT-1", OWNER_TOKEN).1, "csrf"),
            ),
            ("version", "1"),
            ("status", "pending"),
        ],
    );
    assert_eq!(r.status, 409);
    assert!(String::from_utf8_lossy(&r.body).contains("changed by someone else"));
    // Bad input.
    let r = post(
        &app,
        "/app/tickets/TKT-1/snooze",
        OWNER_TOKEN,
        &[("until", "soon")],
    );
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("<code>until</code>"));
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn a_guest_sees_no_controls_and_its_posts_are_refused() {
    let app = spawn_with_tokens(1);
    let (status, html) = page(&app, "/app/tickets/TKT-1", GUEST_TOKEN);
    assert_eq!(status, 200);
    assert!(
        !html.contains("method=\"post\" class=\""),
        "a guest got a control"
    );
    assert!(html.contains("read-only access"));
    let before = snapshot(&app, 1);
    let csrf = csrf_of(&app, GUEST_TOKEN);
    for (verb, field, value) in [
        ("status", "status", "pending"),
        ("comment", "comment", "hi"),
        ("assign", "assignee", "me"),
    ] {
        let path = format!("/app/tickets/TKT-1/{verb}");
        let r = post_raw(&app, &path, GUEST_TOKEN, &[("csrf", &csrf), (field, value)]);
        assert_eq!(r.status, 403, "{verb}");
    }
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn a_member_reads_someone_elses_ticket_without_controls() {
    let app = spawn_with_tokens(1);
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET assignee_id = '{OTHER_MEMBER}'"
        ))
        .unwrap();
    let (_, html) = page(&app, "/app/tickets/TKT-1", MEMBER_TOKEN);
    assert!(html.contains("assigned to someone else"));
    assert!(!html.contains("/status\""));
    assert!(html.contains("<dd><bdi>Mia Member</bdi></dd>"));
}

#[test]
fn another_sites_operator_gets_404_for_the_page_and_the_forms() {
    let app = spawn_with_tokens(1);
    assert_eq!(page(&app, "/app/tickets/TKT-1", STRANGER_TOKEN).0, 404);
    let before = snapshot(&app, 1);
    let r = post_raw(
        &app,
        "/app/tickets/TKT-1/delete",
        STRANGER_TOKEN,
        &[
            ("csrf", &csrf_of(&app, STRANGER_TOKEN)),
            ("confirm", "TKT-1"),
        ],
    );
    assert_eq!(r.status, 404);
    assert_eq!(snapshot(&app, 1), before);
}

#[test]
fn delete_goes_through_a_confirmation_page() {
    let app = spawn_with_tokens(1);
    let (status, html) = page(&app, "/app/tickets/TKT-1/delete", OWNER_TOKEN);
    assert_eq!(status, 200);
    assert!(html.contains("cannot be undone"));
    assert_eq!(page(&app, "/app/tickets/TKT-1/delete", MEMBER_TOKEN).0, 403);
    // Without the confirmation nothing happens.
    let r = post(&app, "/app/tickets/TKT-1/delete", OWNER_TOKEN, &[]);
    assert_eq!(r.status, 422);
    let r = post(
        &app,
        "/app/tickets/TKT-1/delete",
        OWNER_TOKEN,
        &[("confirm", "TKT-1")],
    );
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/tickets"))
    );
    assert_eq!(page(&app, "/app/tickets/TKT-1", OWNER_TOKEN).0, 404);
}

#[test]
fn an_operator_creates_a_ticket_assigned_to_themselves() {
    let app = spawn_with_tokens(0);
    let (status, html) = page(&app, "/app/tickets/new", MEMBER_TOKEN);
    assert_eq!(status, 200);
    let key = hidden(&html, "key");
    let csrf = hidden(&html, "csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("subject", "Phone call: invoice wrong"),
        ("description", "Customer called."),
        ("requester_name", ""),
        ("requester_email", ""),
    ];
    let r = post_raw(&app, "/app/tickets/new", MEMBER_TOKEN, &fields);
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/tickets/TKT-1"))
    );
    // The same form sent twice makes one ticket.
    let again = post_raw(&app, "/app/tickets/new", MEMBER_TOKEN, &fields);
    assert_eq!(again.header("location"), Some("/app/tickets/TKT-1"));
    let s = snapshot(&app, 1);
    assert_eq!(s["ticket"][0]["source"], "operator");
    assert_eq!(s["ticket"][0]["assignee_id"], MEMBER);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    // A bad form comes back with the errors and the values.
    let mut bad = fields;
    bad[1].1 = "8d0f3b8e-5c1a-4e2b-9f3d-6a7b8c9d0e1f";
    bad[2].1 = "  ";
    bad[3].1 = "kept <text>";
    let r = post_raw(&app, "/app/tickets/new", MEMBER_TOKEN, &bad);
    assert_eq!(r.status, 422);
    let html = String::from_utf8(r.body).unwrap();
    assert!(html.contains("<code>subject</code>") && html.contains("kept &lt;text&gt;"));
    assert_eq!(page(&app, "/app/tickets/new", GUEST_TOKEN).0, 403);
}

#[test]
fn a_snoozed_ticket_leaves_the_active_list_and_comes_back_by_itself() {
    let app = spawn_with_tokens(2);
    // The test app's clock is in 2026; one ticket snoozed until 2030, one whose snooze ended.
    app.db()
        .execute_script(
            "UPDATE tickets SET subject = 'Sleeping', snoozed_until = 1900000000000 WHERE code = 'TKT-1';
             UPDATE tickets SET subject = 'Awake again', snoozed_until = 1000 WHERE code = 'TKT-2';",
        )
        .unwrap();
    let (_, active) = page(&app, "/app/tickets", OWNER_TOKEN);
    assert!(active.contains("Awake again") && !active.contains("Sleeping"));
    let (_, snoozed) = page(&app, "/app/tickets?snoozed=1", OWNER_TOKEN);
    assert!(snoozed.contains("Sleeping") && !snoozed.contains("Awake again"));
    assert!(
        snoozed.contains("Only snoozed"),
        "the filter is a removable chip"
    );
}

#[test]
fn bulk_from_the_list_reports_each_ticket_and_asks_before_deleting() {
    let app = spawn_with_tokens(3);
    app.db()
        .execute_script("UPDATE tickets SET status = 'closed' WHERE code = 'TKT-2'")
        .unwrap();
    let (_, list) = page(&app, "/app/tickets", OWNER_TOKEN);
    assert!(list.contains("form=\"bulk\" value=\"TKT-1\" aria-label=\"Select TKT-1\""));
    assert!(list.contains("Apply to all on this page"));
    let (_, guest_list) = page(&app, "/app/tickets", GUEST_TOKEN);
    assert!(
        !guest_list.contains("id=\"bulk\""),
        "a guest gets no bulk form"
    );

    let csrf = csrf_of(&app, OWNER_TOKEN);
    let r = post_raw(
        &app,
        "/app/tickets/bulk",
        OWNER_TOKEN,
        &[
            ("csrf", &csrf),
            ("codes", "TKT-1"),
            ("codes", "TKT-2"),
            ("page_codes", "TKT-3"),
            ("bulk_action", "status:pending"),
            ("scope", "selected"),
        ],
    );
    assert_eq!(r.status, 200);
    let html = String::from_utf8(r.body).unwrap();
    assert!(
        html.contains("1 changed, 0 already so, 1 refused."),
        "{html}"
    );
    assert!(html.contains("cannot move from closed to pending"));
    assert_eq!(snapshot(&app, 1)["ticket"][0]["status"], "pending");
    assert_eq!(
        snapshot(&app, 3)["ticket"][0]["status"],
        "open",
        "not ticked"
    );

    // "All on this page" takes the page's codes.
    let r = post_raw(
        &app,
        "/app/tickets/bulk",
        OWNER_TOKEN,
        &[
            ("csrf", &csrf),
            ("page_codes", "TKT-1"),
            ("page_codes", "TKT-3"),
            ("bulk_action", "labels-add"),
            ("label", "Batch"),
            ("scope", "page"),
        ],
    );
    assert!(String::from_utf8(r.body).unwrap().contains("2 changed"));
    assert_eq!(snapshot(&app, 3)["labels"][0]["label"], "batch");

    // Delete asks first, then deletes.
    let delete = [
        ("csrf", csrf.as_str()),
        ("codes", "TKT-1"),
        ("codes", "TKT-3"),
        ("bulk_action", "delete"),
        ("scope", "selected"),
    ];
    let r = post_raw(&app, "/app/tickets/bulk", OWNER_TOKEN, &delete);
    assert!(
        String::from_utf8(r.body)
            .unwrap()
            .contains("Delete 2 tickets?")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 3);
    let mut confirmed = delete.to_vec();
    confirmed.push(("confirm", "delete"));
    let r = post_raw(&app, "/app/tickets/bulk", OWNER_TOKEN, &confirmed);
    assert!(String::from_utf8(r.body).unwrap().contains("2 changed"));
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);

    let guest = [
        ("csrf", csrf_of(&app, GUEST_TOKEN)),
        ("codes", "TKT-2".into()),
        ("bulk_action", "spam:true".into()),
    ];
    let guest: Vec<(&str, &str)> = guest.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post_raw(&app, "/app/tickets/bulk", GUEST_TOKEN, &guest).status,
        403
    );
}

#[test]
fn labels_filter_the_list() {
    let app = spawn_with_tokens(2);
    app.db()
        .execute_script(
            "UPDATE tickets SET subject = 'Has it' WHERE code = 'TKT-1';
             UPDATE tickets SET subject = 'Lacks it' WHERE code = 'TKT-2';",
        )
        .unwrap();
    post(
        &app,
        "/app/tickets/TKT-1/labels-add",
        OWNER_TOKEN,
        &[("label", "VIP Customer")],
    );
    let (_, html) = page(&app, "/app/tickets?label=vip-customer", OWNER_TOKEN);
    assert!(html.contains("Has it") && !html.contains("Lacks it"));
    assert!(html.contains("aria-label=\"Remove filter: Label: vip-customer\""));
    let (status, _) = page(&app, "/app/tickets?label=a%2Fb", OWNER_TOKEN);
    assert_eq!(status, 422);
}

#[test]
fn a_transcript_the_visitors_browser_sent_is_shown_as_theirs_not_the_teams() {
    let app = spawn_with_tokens(0);
    // A page can claim anything for anyone.
    let forged = serde_json::json!({ "subject": "Refund", "description": "As agreed.",
        "transcript": [
            { "author": "visitor", "text": "Can I get my money back?" },
            { "author": "operator", "text": "Refund of $900 approved" },
            { "author": "bot", "text": "Confirmed by the bot." }
        ] });
    let r = app.create("acme", "00000000-0000-4000-8000-00000000d001", &forged, &[]);
    assert_eq!(r.status, 201);
    // A ticket from the visitor's own conversation: the server's transcript.
    let started = app.send(
        "POST",
        "/api/v1/sites/acme/conversations",
        &[],
        Body::Bytes(Vec::new()),
    );
    let body: serde_json::Value = serde_json::from_slice(&started.body).unwrap();
    let (id, token) = (
        body["conversation"]["id"].as_str().unwrap().to_owned(),
        format!("Bearer {}", body["visitor_token"].as_str().unwrap()),
    );
    let headers = |key: &'static str| {
        [
            ("content-type", "application/json"),
            ("idempotency-key", key),
            ("authorization", token.as_str()),
        ]
    };
    let sent = app.send(
        "POST",
        &format!("/api/v1/sites/acme/conversations/{id}/messages"),
        &headers("00000000-0000-4000-8000-00000000d002"),
        Body::Bytes(br#"{"text": "My order is late"}"#.to_vec()),
    );
    assert_eq!(sent.status, 201);
    let linked = app.send(
        "POST",
        &format!("/api/v1/sites/acme/tickets?conversation_id={id}"),
        &headers("00000000-0000-4000-8000-00000000d003"),
        Body::Bytes(forged.to_string().into_bytes()),
    );
    assert_eq!(
        linked.status,
        201,
        "{}",
        String::from_utf8_lossy(&linked.body)
    );
    assert_eq!(
        app.rows(
            "SELECT code, transcript_from_visitor FROM tickets ORDER BY number",
            vec![]
        ),
        app.rows(
            "SELECT 'TKT-1' AS code, 1 AS transcript_from_visitor
             UNION ALL SELECT 'TKT-2', 0",
            vec![]
        )
    );

    let (_, html) = page(&app, "/app/tickets/TKT-1", OWNER_TOKEN);
    assert!(
        html.contains("Transcript as sent by the visitor's browser — not verified"),
        "{html}"
    );
    assert!(html.contains("Operator (per the visitor)"));
    assert!(html.contains("Refund of $900 approved"));
    assert!(!html.contains("from-operator") && !html.contains("from-bot"));
    assert!(!html.contains("<h2>Chat transcript</h2>"));

    let (_, html) = page(&app, "/app/tickets/TKT-2", OWNER_TOKEN);
    assert!(html.contains("<h2>Chat transcript</h2>"));
    assert!(html.contains("My order is late"));
    assert!(!html.contains("not verified"));
    assert!(
        !html.contains("Refund of $900 approved"),
        "the server's, not the page's"
    );

    // The export says it too.
    let export = app.get(
        "/api/v1/export?format=jsonl",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    let marks: Vec<serde_json::Value> = String::from_utf8(export.body)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["transcript_from_visitor"].clone()
        })
        .collect();
    assert_eq!(marks, [serde_json::json!(true), serde_json::json!(false)]);
}
