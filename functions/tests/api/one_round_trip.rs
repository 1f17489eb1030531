//! What operators do most is ONE D1 round trip once this isolate knows their credential: a
//! status change (`ticket_actions::change_status_at_once`: its batch decides, writes and
//! reads back) and the ticket list and a ticket's page, in the dashboard and the API (the
//! sign-in statements lead the page's batch). The hint
//! they start from (`credential_cache`) is checked inside that batch, so a token revoked or a
//! session expired or demoted since, or a change the role may not make, is refused as on the
//! path that reads first, and writes nothing.

use serde_json::{Value as Json, json};
use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::service::operators::token_hash;
use ticketbooth_functions::service::sessions::session_hash;
use ticketbooth_functions::store::Value;

use crate::ticket_actions::{MEMBER, OTHER_MEMBER, snapshot};
use crate::ticket_page::{MEMBER_TOKEN, OWNER_TOKEN, spawn_with_tokens};
use crate::{TestApp, csrf_of, error_code, json, session_cookie};

fn send(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Json>) -> Response {
    let auth = format!("Bearer {token}");
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    app.send(
        method,
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Body::Bytes(bytes),
    )
}

/// The ticket's page through the API: also what makes this isolate know the token.
fn read(app: &TestApp, token: &str, n: u32) -> Response {
    send(app, token, "GET", &format!("/api/v1/tickets/TKT-{n}"), None)
}

fn change(app: &TestApp, token: &str, n: u32, body: Json) -> (Response, u64) {
    let before = app.db().round_trips();
    let r = send(
        app,
        token,
        "POST",
        &format!("/api/v1/tickets/TKT-{n}/status"),
        Some(body),
    );
    (r, app.db().round_trips() - before)
}

/// The newest event of a ticket: kind, data and actor as stored, its time and the ticket's.
fn last_event(app: &TestApp, n: u32) -> (String, String, String, i64, i64) {
    let rows = app.rows(
        "SELECT e.kind, e.data, e.actor, e.created_at, t.updated_at FROM ticket_events e
         JOIN tickets t ON t.id = e.ticket_id WHERE t.code = ?1 ORDER BY e.id DESC LIMIT 1",
        vec![Value::from(format!("TKT-{n}"))],
    );
    let row = &rows[0];
    let text = |k: &str| row[k].as_str().unwrap().to_owned();
    (
        text("kind"),
        text("data"),
        text("actor"),
        row["created_at"].as_i64().unwrap(),
        row["updated_at"].as_i64().unwrap(),
    )
}

#[test]
fn a_known_tokens_status_change_is_one_round_trip_and_writes_what_the_other_path_writes() {
    let app = spawn_with_tokens(2);
    // The first request of an isolate reads the token; TKT-2 moves on that path.
    let (first, _) = change(&app, OWNER_TOKEN, 2, json!({ "status": "pending" }));
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let version = json(&read(&app, OWNER_TOKEN, 1))["ticket"]["version"].clone();

    let (r, trips) = change(
        &app,
        OWNER_TOKEN,
        1,
        json!({ "status": "pending", "version": version }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        trips, 1,
        "decision, event, change and the ticket read back: one batch"
    );
    let body = json(&r);
    assert_eq!(body["changed"], json!(true));
    assert_eq!(body["ticket"]["ticket"]["status"], json!("pending"));
    assert_ne!(
        body["ticket"]["ticket"]["version"], version,
        "a new version"
    );
    // The answer is the ticket as stored, and the events of both paths are the same.
    assert_eq!(json(&read(&app, OWNER_TOKEN, 1)), body["ticket"]);
    let (kind, data, actor, at, updated_at) = last_event(&app, 1);
    let (kind2, data2, actor2, at2, updated_at2) = last_event(&app, 2);
    assert_eq!(
        (kind.as_str(), &data, &actor),
        (kind2.as_str(), &data2, &actor2)
    );
    assert_eq!(data, r#"{"from":"open","to":"pending"}"#);
    assert_eq!(
        (at, at2),
        (updated_at, updated_at2),
        "the event's time is the new version"
    );
    // Resolving stamps resolved_at with that version; the token's last use is stamped too.
    let (r, trips) = change(&app, OWNER_TOKEN, 1, json!({ "status": "resolved" }));
    assert_eq!((r.status, trips), (200, 1));
    let stamped = app.rows(
        "SELECT t.resolved_at = t.updated_at AS same,
                (SELECT last_used_at FROM operator_tokens WHERE token_hash = ?2) AS used
         FROM tickets t WHERE t.code = ?1",
        vec![
            Value::from("TKT-1"),
            Value::from(token_hash(OWNER_TOKEN).unwrap()),
        ],
    );
    assert_eq!(stamped[0]["same"], json!(1));
    assert!(stamped[0]["used"].as_i64().is_some());
}

#[test]
fn a_stale_hint_or_a_refused_change_writes_nothing_and_says_why() {
    let app = spawn_with_tokens(1);
    assert_eq!(read(&app, OWNER_TOKEN, 1).status, 200);
    assert_eq!(read(&app, MEMBER_TOKEN, 1).status, 200);
    let before = snapshot(&app, 1);
    let refused = |token: &str, n: u32, body: Json, status: u16, code: &str| {
        let (r, _) = change(&app, token, n, body);
        assert_eq!(error_code(&r, status), code);
    };
    // The table refuses open → closed; a version someone else replaced is stale; no ticket.
    refused(
        OWNER_TOKEN,
        1,
        json!({ "status": "closed" }),
        409,
        "transition_refused",
    );
    refused(
        OWNER_TOKEN,
        1,
        json!({ "status": "pending", "version": 1 }),
        409,
        "stale_edit",
    );
    refused(
        OWNER_TOKEN,
        9,
        json!({ "status": "pending" }),
        404,
        "not_found",
    );
    // A member may not change a ticket assigned to someone else.
    let set = |sql: String| app.db().execute_script(&sql).unwrap();
    set(format!("UPDATE tickets SET assignee_id = '{OTHER_MEMBER}'"));
    let before_assigned = snapshot(&app, 1);
    refused(
        MEMBER_TOKEN,
        1,
        json!({ "status": "pending" }),
        403,
        "forbidden",
    );
    assert_eq!(snapshot(&app, 1), before_assigned);
    set("UPDATE tickets SET assignee_id = NULL".to_owned());
    assert_eq!(snapshot(&app, 1), before);
    // The member becomes a guest after this isolate read their token: refused, not changed.
    set(format!(
        "UPDATE site_members SET role = 'guest' WHERE operator_id = '{MEMBER}'"
    ));
    refused(
        MEMBER_TOKEN,
        1,
        json!({ "status": "pending" }),
        403,
        "forbidden",
    );
    // The owner's token is revoked after this isolate read it: refused as unknown.
    set(format!(
        "DELETE FROM operator_tokens WHERE token_hash = '{}'",
        token_hash(OWNER_TOKEN).unwrap()
    ));
    refused(
        OWNER_TOKEN,
        1,
        json!({ "status": "pending" }),
        401,
        "unauthorized",
    );
    assert_eq!(snapshot(&app, 1), before);
}

/// POSTs the ticket page's status form with a session, as the browser does; with round trips.
fn status_form(app: &TestApp, session: &str, csrf: &str, n: u32, status: &str) -> (Response, u64) {
    let before = app.db().round_trips();
    let r = app.form(
        &format!("/app/tickets/TKT-{n}/status"),
        Some(session),
        &[("csrf", csrf), ("status", status), ("comment", "")],
    );
    (r, app.db().round_trips() - before)
}

#[test]
fn the_dashboards_status_form_is_one_round_trip_for_a_known_session() {
    let app = spawn_with_tokens(1);
    let session = app.sign_in("max@acme.example");
    // Reading a page signs the session in: this isolate now knows it.
    let csrf = csrf_of(&app, &session);
    let (r, trips) = status_form(&app, &session, &csrf, 1, "pending");
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("location"), Some("/app/tickets/TKT-1"));
    assert_eq!(trips, 1);
    let (kind, data, _, at, updated_at) = last_event(&app, 1);
    assert_eq!(kind, "status_changed");
    assert_eq!(data, r#"{"from":"open","to":"pending"}"#);
    assert_eq!(at, updated_at);

    // Refused through the same path: nothing written, and the reason or the sign-in page.
    let before = snapshot(&app, 1);
    let (r, _) = status_form(&app, &session, &csrf, 1, "pending");
    assert_eq!(r.status, 409, "pending → pending is not a move");
    let (r, _) = status_form(&app, &session, "0".repeat(64).as_str(), 1, "open");
    assert_eq!(r.status, 403, "a forged form token");
    let set = |sql: String| app.db().execute_script(&sql).unwrap();
    set(format!(
        "UPDATE site_members SET role = 'guest' WHERE operator_id = '{MEMBER}'"
    ));
    let (r, _) = status_form(&app, &session, &csrf, 1, "open");
    assert_eq!(r.status, 403, "a member demoted since the session was read");
    set(format!(
        "UPDATE site_members SET role = 'member' WHERE operator_id = '{MEMBER}'"
    ));
    // Read as a member again (the hint is right once more), then the session goes idle.
    assert_eq!(app.page("/app/tickets", &session).0, 200);
    set("UPDATE sessions SET last_seen_at = 0".to_owned());
    let (r, _) = status_form(&app, &session, &csrf, 1, "open");
    assert_eq!(
        r.header("location"),
        Some("/app/login"),
        "an idle-expired session"
    );
    assert_eq!(snapshot(&app, 1), before);
}

fn page_cost(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (Response, u64) {
    let before = app.db().round_trips();
    let r = app.get(path, headers);
    (r, app.db().round_trips() - before)
}

fn list_cost(app: &TestApp, headers: &[(&str, &str)]) -> (Response, u64) {
    page_cost(app, "/app/tickets", headers)
}

#[test]
fn the_list_is_one_round_trip_for_a_known_credential_and_a_stale_one_signs_in_again() {
    let mut app = spawn_with_tokens(2);
    let session = app.sign_in("max@acme.example");
    let cookie = session_cookie(&session);
    let by_session = [("cookie", cookie.as_str())];
    let auth = format!("Bearer {OWNER_TOKEN}");
    let by_token = [("authorization", auth.as_str())];
    for headers in [&by_session[..], &by_token[..]] {
        for path in [
            "/app/tickets",
            "/app/tickets/TKT-1",
            "/app/tickets?q=printer",
        ] {
            // The first request of each credential signs in first; its pages are the same.
            app.forget_credentials();
            let (first, _) = page_cost(&app, path, headers);
            assert_eq!(first.status, 200, "{path}");
            let (again, trips) = page_cost(&app, path, headers);
            assert_eq!(trips, 1, "{path}: sign-in and the page in one batch");
            assert_eq!(
                again.body, first.body,
                "{path}: the page signing in first gives"
            );
        }
        let (missing, trips) = page_cost(&app, "/app/tickets/TKT-99", headers);
        assert_eq!((missing.status, trips), (404, 1));
    }
    // The API's reads likewise, by token: its routes never take the cookie, hinted or not.
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/TKT-1",
        "/api/v1/tickets?q=printer&sort=created",
    ] {
        app.forget_credentials();
        let (first, _) = page_cost(&app, path, &by_token);
        assert_eq!(first.status, 200, "{path}");
        let (again, trips) = page_cost(&app, path, &by_token);
        assert_eq!(
            trips, 1,
            "{path}: the token's check and the read in one batch"
        );
        assert_eq!(
            again.body, first.body,
            "{path}: the answer signing in first gives"
        );
        // The session known too (its list page read it): still no way into the API.
        assert_eq!(list_cost(&app, &by_session).0.status, 200);
        let (by_cookie, _) = page_cost(&app, path, &by_session);
        assert_eq!(error_code(&by_cookie, 401), "unauthorized", "{path}");
    }
    let (missing, trips) = page_cost(&app, "/api/v1/tickets/TKT-99", &by_token);
    assert_eq!((missing.status, trips), (404, 1));
    // Demoted since: the page is still shown, as to the guest the member now is.
    let set = |sql: String| app.db().execute_script(&sql).unwrap();
    set(format!(
        "UPDATE site_members SET role = 'guest' WHERE operator_id = '{MEMBER}'"
    ));
    let (r, trips) = list_cost(&app, &by_session);
    assert_eq!(r.status, 200);
    assert!(trips > 1, "the hint was wrong: signed in again");
    let (_, trips) = list_cost(&app, &by_session);
    assert_eq!(trips, 1, "and known again");
    // Gone idle: not renewed by the batch, and the sign-in path deletes it.
    set("UPDATE sessions SET last_seen_at = 0".to_owned());
    let (r, _) = list_cost(&app, &by_session);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/app/login"));
    let left = app.rows(
        "SELECT COUNT(*) AS n FROM sessions WHERE id_hash = ?1",
        vec![Value::from(session_hash(&session).unwrap())],
    );
    assert_eq!(
        left[0]["n"],
        json!(0),
        "the expired session is deleted, not renewed"
    );
    // A revoked token is not let in by its hint.
    set(format!(
        "DELETE FROM operator_tokens WHERE token_hash = '{}'",
        token_hash(OWNER_TOKEN).unwrap()
    ));
    let (r, _) = list_cost(&app, &by_token);
    assert_eq!(r.header("location"), Some("/app/login"));
    let (r, _) = page_cost(&app, "/api/v1/tickets", &by_token);
    assert_eq!(error_code(&r, 401), "unauthorized");
}
