//! The operators' dashboard: site scoping, escaping, filters, the ticket page. (Sign-in and
//! sessions: `sign_in.rs`.) Pages are fetched with each operator's API token as a bearer token.

use serde_json::json;
use ticketbooth_functions::service::operators::token_hash;

use crate::{TestApp, json, ticket_body};

const ACME_TOKEN: &str = "tbo_acme_owner_token_for_tests_0001";
const STRICT_TOKEN: &str = "tbo_strict_guest_token_for_tests_001";

/// `TestApp` plus an owner of `acme` and a guest of `strict`, each with a token.
fn spawn() -> TestApp {
    let app = TestApp::spawn();
    let sql = format!(
        "INSERT INTO operators (id, email, name, created_at) VALUES
           ('0000000000000000000000000000000a', 'ann@acme.example', 'Ann Owner', 0),
           ('0000000000000000000000000000000b', 'gus@strict.example', 'Gus Guest', 0);
         INSERT INTO site_members (site_id, operator_id, role, created_at) VALUES
           (1, '0000000000000000000000000000000a', 'owner', 0),
           (2, '0000000000000000000000000000000b', 'guest', 0);
         INSERT INTO operator_tokens (token_hash, site_id, operator_id, created_at) VALUES
           ('{}', 1, '0000000000000000000000000000000a', 0),
           ('{}', 2, '0000000000000000000000000000000b', 0);",
        token_hash(ACME_TOKEN).unwrap(),
        token_hash(STRICT_TOKEN).unwrap()
    );
    app.db().execute_script(&sql).unwrap();
    app
}

fn page(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let r = app.get(path, &[("authorization", &format!("Bearer {token}"))]);
    (r.status, String::from_utf8(r.body).unwrap())
}

#[test]
fn the_list_shows_only_this_sites_tickets_with_visitor_text_escaped() {
    let app = spawn();
    app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("<script>alert(1)</script>"),
        &[],
    );
    let strict_body =
        json!({ "subject": "Strict secret", "requester": { "name": "S", "email": "s@x.io" } });
    app.create(
        "strict",
        "00000000-0000-4000-8000-000000000002",
        &strict_body,
        &[],
    );

    let (status, html) = page(&app, "/app/tickets", ACME_TOKEN);
    assert_eq!(status, 200);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !html.contains("<script>alert(1)"),
        "visitor text became markup"
    );
    assert!(html.contains("TKT-1") && html.contains("Ann Owner"));
    assert!(
        !html.contains("Strict secret") && !html.contains("STR-1"),
        "another site's ticket leaked"
    );

    let (_, html) = page(&app, "/app/tickets", STRICT_TOKEN);
    assert!(html.contains("Strict secret") && !html.contains("TKT-1"));
    let r = app.get(
        "/app/tickets",
        &[("authorization", &format!("Bearer {ACME_TOKEN}"))],
    );
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
}

#[test]
fn filters_search_and_bad_filters() {
    let app = spawn();
    for (n, subject) in ["Refund please", "Login broken", "100% off_code"]
        .iter()
        .enumerate()
    {
        app.create(
            "acme",
            &format!("00000000-0000-4000-8000-00000000000{n}"),
            &ticket_body(subject),
            &[],
        );
    }
    app.db()
        .execute_script("UPDATE tickets SET status = 'pending' WHERE code = 'TKT-2'")
        .unwrap();

    let (_, html) = page(&app, "/app/tickets?status=pending", ACME_TOKEN);
    assert!(html.contains("Login broken") && !html.contains("Refund please"));
    assert!(html.contains("Pending <span class=\"count\">1</span>"));
    let (_, html) = page(&app, "/app/tickets?q=refund", ACME_TOKEN);
    assert!(html.contains("Refund please") && !html.contains("Login broken"));
    let (_, html) = page(&app, "/app/tickets?q=tkt-2", ACME_TOKEN);
    assert!(
        html.contains("Login broken") && !html.contains("Refund please"),
        "search by code"
    );
    // Words match as prefixes; punctuation separates words and is never query syntax.
    let (_, html) = page(&app, "/app/tickets?q=off_co", ACME_TOKEN);
    assert!(html.contains("100% off_code") && !html.contains("Refund please"));
    let (_, html) = page(&app, "/app/tickets?q=%25", ACME_TOKEN);
    assert!(html.contains("No tickets match.") && html.contains("0 tickets match"));
    let (_, html) = page(&app, "/app/tickets?q=nothing-like-this", ACME_TOKEN);
    assert!(html.contains("No tickets match."));

    let (status, html) = page(&app, "/app/tickets?status=done", ACME_TOKEN);
    assert_eq!(status, 422);
    assert!(
        html.contains("<code>status</code>"),
        "the bad field is named"
    );
}

#[test]
fn the_ticket_page_shows_description_transcript_and_timeline() {
    let app = spawn();
    let body = json!({ "subject": "Charged twice", "description": "Card ending 42.\nTwice!",
        "transcript": [{ "author": "visitor", "text": "I was charged <b>twice</b>" }] });
    app.create("acme", "00000000-0000-4000-8000-000000000001", &body, &[]);

    let (status, html) = page(&app, "/app/tickets/TKT-1", ACME_TOKEN);
    assert_eq!(status, 200);
    assert!(html.contains("Charged twice") && html.contains("Card ending 42.\nTwice!"));
    assert!(html.contains("I was charged &lt;b&gt;twice&lt;/b&gt;"));
    assert!(html.contains("Created via widget") && html.contains("by <bdi>the visitor</bdi>"));
    assert!(html.contains("Anonymous visitor"));

    // Another site's operator cannot open it, even knowing the code.
    assert_eq!(page(&app, "/app/tickets/TKT-1", STRICT_TOKEN).0, 404);
    assert_eq!(page(&app, "/app/tickets/TKT-9", ACME_TOKEN).0, 404);
}

#[test]
fn a_bearer_token_opens_pages_and_stamps_its_last_use() {
    let app = spawn();
    let used = || {
        app.rows(
            "SELECT last_used_at FROM operator_tokens WHERE site_id = 1",
            vec![],
        )[0]["last_used_at"]
            .clone()
    };
    assert!(used().is_null());
    let r = app.get(
        "/app/tickets",
        &[("authorization", &format!("Bearer {ACME_TOKEN}"))],
    );
    assert_eq!(r.status, 200);
    assert!(used().as_i64().is_some_and(|t| t > 0));
    let r = app.get(
        "/app/tickets",
        &[("cookie", &format!("tb_session={ACME_TOKEN}"))],
    );
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/login")),
        "an API token is not a session cookie"
    );
    assert_eq!(json(&app.get("/healthz", &[]))["ok"], true);
}
