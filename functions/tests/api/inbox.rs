//! The operators' inbox: the site's conversations, unread marks, reading and replying; scoped
//! to the operator's current site, CSRF-checked, visitor text escaped.

use crate::{TestApp, csrf_of, json};
use ticketbooth_functions::http::Body;

const AGENT: &str = "a0000000000000000000000000000001";
const OTHER: &str = "a0000000000000000000000000000002";
const KEY: &str = "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e11";

/// A conversation on acme with one visitor message: its id and the visitor token.
fn visitor_says(app: &TestApp, text: &str) -> (String, String) {
    let r = app.send(
        "POST",
        "/api/v1/sites/acme/conversations",
        &[],
        Body::Bytes(vec![]),
    );
    let body = json(&r);
    let id = body["conversation"]["id"].as_str().unwrap().to_owned();
    let token = body["visitor_token"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {token}");
    let sent = app.send(
        "POST",
        &format!("/api/v1/sites/acme/conversations/{id}/messages"),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", KEY),
            ("authorization", &auth),
        ],
        Body::Bytes(serde_json::json!({ "text": text }).to_string().into_bytes()),
    );
    assert_eq!(sent.status, 201);
    (id, token)
}

#[test]
fn an_operator_reads_and_answers_and_the_visitor_gets_the_reply() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let (id, token) = visitor_says(&app, "<script>alert(1)</script> help");
    let session = app.sign_in("agent@acme.example");

    let (status, inbox) = app.page("/app/inbox", &session);
    assert_eq!(status, 200);
    assert!(inbox.contains(&format!("/app/inbox/{id}")), "{inbox}");
    assert!(inbox.contains("Unread"));

    let (status, page) = app.page(&format!("/app/inbox/{id}"), &session);
    assert_eq!(status, 200);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; help"));
    assert!(!page.contains("<script>"));
    // Opening it marked it read.
    let (_, inbox) = app.page("/app/inbox", &session);
    assert!(!inbox.contains("Unread"), "{inbox}");

    // A reply without the CSRF token is refused and writes nothing.
    let path = format!("/app/inbox/{id}/reply");
    let forged = app.form(&path, Some(&session), &[("text", "Forged")]);
    assert_eq!(forged.status, 403);
    let csrf = csrf_of(&app, &session);
    let reply = app.form(
        &path,
        Some(&session),
        &[("csrf", &csrf), ("text", "Hello, I can help.")],
    );
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        Some(format!("/app/inbox/{id}").as_str())
    );

    // The visitor reads it after their cursor: by the operator's name, never their id.
    let auth = format!("Bearer {token}");
    let read = app.get(
        &format!("/api/v1/sites/acme/conversations/{id}/messages?after=1"),
        &[("authorization", &auth)],
    );
    let body = json(&read);
    assert_eq!(body["messages"][0]["author"], "operator");
    assert_eq!(body["messages"][0]["author_name"], "Ada Agent");
    assert_eq!(body["messages"][0]["text"], "Hello, I can help.");
    assert!(!String::from_utf8_lossy(&read.body).contains(AGENT));
    assert_eq!(
        app.count("SELECT count(*) FROM conversation_messages WHERE author_id IS NOT NULL"),
        1
    );
}

#[test]
fn another_sites_operator_sees_nothing_and_cannot_reply() {
    let app = TestApp::spawn();
    app.add_operator(OTHER, "other@strict.example", "Otto", &[(2, "owner")]);
    let (id, _) = visitor_says(&app, "Only for acme");
    let session = app.sign_in("other@strict.example");
    let (_, inbox) = app.page("/app/inbox", &session);
    assert!(!inbox.contains(&id));
    let (status, _) = app.page(&format!("/app/inbox/{id}"), &session);
    assert_eq!(status, 404);
    let csrf = csrf_of(&app, &session);
    let reply = app.form(
        &format!("/app/inbox/{id}/reply"),
        Some(&session),
        &[("csrf", &csrf), ("text", "Intruding")],
    );
    assert_eq!(reply.status, 404);
    assert_eq!(app.count("SELECT count(*) FROM conversation_messages"), 1);
}
