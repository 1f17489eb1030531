//! The dashboard's one CSRF gate, over the whole route table: every route of `/app` that takes
//! a POST (walked from `AppPage::every`, so a new page is walked too) is refused without the
//! session's token, with a wrong one and from another site, and nothing changes; with the
//! token, from our own pages, the gate lets it through to its handler.

use serde_json::Value as Json;
use ticketbooth_functions::http::Body;
use ticketbooth_functions::http::routes::{AppPage, Route};
use ticketbooth_functions::service::Refusal;
use ticketbooth_functions::store::Value;

use crate::{OWN_ORIGIN, PASSWORD, TestApp, csrf_of, session_cookie, ticket_body};

const ANN: &str = "0000000000000000000000000000000a";
const KEY: &str = "00000000-0000-4000-8000-0000000000c5";

/// Ann owns `acme` and `strict`, `acme` has ticket TKT-1, and Ann has invited someone: the
/// app, Ann's session, and the invitation's path.
fn spawn() -> (TestApp, String, String) {
    let app = TestApp::spawn();
    app.add_operator(
        ANN,
        "ann@acme.example",
        "Ann",
        &[(1, "owner"), (2, "owner")],
    );
    assert_eq!(
        app.create("acme", KEY, &ticket_body("The printer"), &[])
            .status,
        201
    );
    let session = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &session);
    let r = app.form(
        "/app/settings/members",
        Some(&session),
        &[
            ("csrf", &csrf),
            ("email", "new@example.com"),
            ("role", "member"),
        ],
    );
    let html = String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(r.status, 201, "{html}");
    let at = html.find("/app/invite/").expect("the invitation's link");
    let link = html[at..at + "/app/invite/".len() + 64].to_owned();
    (app, session, link)
}

/// Every path of `/app` that takes a POST, with whether it has a session to check a token
/// against (signing in and accepting an invitation have none: their gate is the origin).
fn post_routes(invitation: &str) -> Vec<(String, bool)> {
    let routes: Vec<(String, bool)> = AppPage::every()
        .into_iter()
        .filter(|page| Route::App(page.clone()).takes("POST"))
        .map(|page| match page {
            AppPage::Invitation(_) => (invitation.to_owned(), false),
            AppPage::Login => (page.path(), false),
            _ => (page.path(), true),
        })
        .collect();
    // The walk is the route table's own; this only guards against an empty or shrunken walk.
    assert!(routes.len() >= 41, "{} POST routes", routes.len());
    routes
}

/// A body each form would take as it is: every field any of them reads, with plausible values
/// (a status change, a comment, a new member, a site…), so a request let through would change
/// something.
fn fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("status", "closed"),
        ("priority", "urgent"),
        ("assignee", "me"),
        ("subject", "Changed"),
        ("description", "Changed as well"),
        ("label", "billing"),
        ("comment", "A note"),
        ("visibility", "public"),
        ("spam", "true"),
        ("confirm", "TKT-1"),
        ("text", "Hello"),
        ("key", "00000000-0000-4000-8000-0000000000d7"),
        ("code", "TKT-1"),
        ("site", "strict"),
        ("name", "Renamed"),
        ("code_prefix", "NEW"),
        ("email", "eve@example.com"),
        ("password", PASSWORD),
        ("current_password", PASSWORD),
        ("new_password", "another long enough password"),
        ("confirm_password", "another long enough password"),
        ("role", "admin"),
        ("action", "delete"),
        ("query", "status=open"),
        ("bulk_action", "status:closed"),
        ("codes", "TKT-1"),
        ("url", "https://hooks.example.com/in"),
        ("daily_ticket_cap", "5"),
        ("enabled", "on"),
        ("vertical", "generic"),
        ("ticketing", "on"),
        ("allowed_origins", "https://other.example"),
    ]
}

fn with_token(token: &str) -> Vec<(&str, &str)> {
    let mut all = fields();
    all.push(("csrf", token));
    all
}

/// Every row of every table (a session's last-seen time aside, which only reading it moves).
fn snapshot(app: &TestApp) -> Vec<(String, Vec<String>)> {
    // A full-text index is read through its virtual table, not its shadow tables (blobs).
    let tables = app.rows(
        "SELECT t.name FROM sqlite_master t WHERE t.type = 'table' AND NOT EXISTS (
           SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%'
             AND substr(t.name, 1, length(v.name) + 1) = v.name || '_')
         ORDER BY t.name",
        vec![],
    );
    tables
        .iter()
        .map(|row| {
            let name = row["name"].as_str().expect("a table name").to_owned();
            let sql: &'static str = if name == "sessions" {
                "SELECT id_hash, operator_id, site_id, created_at FROM sessions ORDER BY id_hash"
            } else {
                Box::leak(format!("SELECT * FROM \"{name}\"").into_boxed_str())
            };
            let mut rows: Vec<String> = app
                .rows(sql, Vec::<Value>::new())
                .iter()
                .map(|row| Json::Object(row.clone()).to_string())
                .collect();
            rows.sort();
            (name, rows)
        })
        .collect()
}

fn refused_by(r: &ticketbooth_functions::http::Response, refusal: Refusal) -> bool {
    r.status == 403 && String::from_utf8_lossy(&r.body).contains(&refusal.to_string())
}

fn describe(r: &ticketbooth_functions::http::Response) -> String {
    format!("{} {}", r.status, String::from_utf8_lossy(&r.body))
}

#[test]
fn every_post_route_is_refused_without_the_token_and_changes_nothing() {
    let (app, session, invitation) = spawn();
    let token = csrf_of(&app, &session);
    let before = snapshot(&app);
    let wrong = "0".repeat(64);
    for (path, has_session) in post_routes(&invitation) {
        if !has_session {
            continue;
        }
        let r = app.form(&path, Some(&session), &fields());
        assert!(
            refused_by(&r, Refusal::FormExpired),
            "{path} without a token: {}",
            describe(&r)
        );
        let r = app.form(&path, Some(&session), &with_token(&wrong));
        assert!(
            refused_by(&r, Refusal::FormExpired),
            "{path} with a wrong token: {}",
            describe(&r)
        );
    }
    assert_eq!(
        snapshot(&app),
        before,
        "a refused request changed something"
    );
    assert_eq!(csrf_of(&app, &session), token, "still signed in");
}

#[test]
fn every_post_route_is_refused_from_another_site_even_with_the_token() {
    let (app, session, invitation) = spawn();
    let token = csrf_of(&app, &session);
    let before = snapshot(&app);
    let body = serde_urlencoded::to_string(with_token(&token)).unwrap();
    let cookie = session_cookie(&session);
    for (path, _) in post_routes(&invitation) {
        for from in [
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
            ("origin", "https://evil.example"),
        ] {
            let r = app.send(
                "POST",
                &path,
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("cookie", &cookie),
                    from,
                ],
                Body::Bytes(body.clone().into_bytes()),
            );
            assert!(
                refused_by(&r, Refusal::CrossSite),
                "{path} from {from:?}: {}",
                describe(&r)
            );
        }
    }
    assert_eq!(
        snapshot(&app),
        before,
        "a refused request changed something"
    );
}

#[test]
fn with_the_token_from_our_own_pages_every_post_route_passes_the_gate() {
    let (app, mut session, invitation) = spawn();
    let before = snapshot(&app);
    for (path, _) in post_routes(&invitation) {
        for headers in [
            vec![("sec-fetch-site", "same-origin")],
            vec![("origin", OWN_ORIGIN)],
        ] {
            // Some routes end the session (signing out): sign in again after them.
            if app.page("/app/tickets", &session).0 != 200 {
                session = app.sign_in("ann@acme.example");
            }
            let token = csrf_of(&app, &session);
            let body = serde_urlencoded::to_string(with_token(&token)).unwrap();
            let cookie = session_cookie(&session);
            let mut all = vec![
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", cookie.as_str()),
            ];
            all.extend(headers.iter().copied());
            let r = app.send("POST", &path, &all, Body::Bytes(body.into_bytes()));
            assert!(
                !refused_by(&r, Refusal::FormExpired) && !refused_by(&r, Refusal::CrossSite),
                "{path} with the token, {headers:?}: {}",
                describe(&r)
            );
        }
    }
    assert_ne!(
        snapshot(&app),
        before,
        "the forms went through and changed things"
    );
}
