//! The operators' inbox: the site's conversations, unread marks, reading and replying; scoped
//! to the operator's current site, CSRF-checked, visitor text escaped.

use crate::{TestApp, csrf_of, json};
use ticketbooth_functions::http::Body;

const AGENT: &str = "a0000000000000000000000000000001";
const OTHER: &str = "a0000000000000000000000000000002";
const KEY: &str = "6f1c2b8e-1d2a-4c3b-8e4f-5a6b7c8d9e11";

/// A conversation on acme with one visitor message: its id and the visitor token.
pub fn visitor_says(app: &TestApp, text: &str) -> (String, String) {
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
    assert!(
        inbox.contains(&format!("/app/conversations/{id}")),
        "{inbox}"
    );
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
        Some(format!("/app/conversations/{id}").as_str())
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

/// The "Create ticket" form's hidden key on a conversation page.
fn form_key(page: &str) -> String {
    let marker = "name=\"key\" value=\"";
    let at = page.find(marker).expect("the create-ticket form") + marker.len();
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

#[test]
fn an_operator_makes_a_ticket_of_a_conversation_and_attaches_another() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let (id, token) = visitor_says(&app, "My parcel never arrived\nOrder 77, sent last week");
    let session = app.sign_in("agent@acme.example");
    let csrf = csrf_of(&app, &session);
    let reply = app.form(
        &format!("/app/conversations/{id}/reply"),
        Some(&session),
        &[("csrf", &csrf), ("text", "Sorry! Let me check.")],
    );
    assert_eq!(reply.status, 303);

    // The form is prefilled from what the visitor said.
    let (status, page) = app.page(&format!("/app/conversations/{id}"), &session);
    assert_eq!(status, 200);
    assert!(page.contains("value=\"My parcel never arrived\""), "{page}");
    assert!(page.contains("Order 77, sent last week</textarea>"));
    let key = form_key(&page);

    // A refused form keeps what was typed and writes nothing.
    let bad = app.form(
        &format!("/app/conversations/{id}/ticket"),
        Some(&session),
        &[
            ("csrf", &csrf),
            ("key", &key),
            ("subject", " "),
            ("description", "x"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 0);

    let create = |subject: &str| {
        app.form(
            &format!("/app/conversations/{id}/ticket"),
            Some(&session),
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("subject", subject),
                ("description", "Order 77"),
            ],
        )
    };
    let made = create("Parcel lost");
    assert_eq!(made.status, 303, "{}", String::from_utf8_lossy(&made.body));
    let location = made.header("location").unwrap().to_owned();
    assert!(location.starts_with("/app/tickets/TKT-"));
    let code = location.trim_start_matches("/app/tickets/").to_owned();
    assert!(made.live.is_some(), "the visitor's widget hears the card");
    // A double submit is the same ticket.
    assert_eq!(
        create("Parcel lost").header("location"),
        Some(location.as_str())
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 1);
    let row = &app.rows(
        "SELECT source, assignee_id, transcript FROM tickets WHERE code = ?1",
        vec![code.as_str().into()],
    )[0];
    assert_eq!(row["source"], "operator");
    assert_eq!(row["assignee_id"], AGENT);
    assert!(
        row["transcript"]
            .as_str()
            .unwrap()
            .contains("Sorry! Let me check.")
    );

    // The ticket page shows the conversation beside the ticket, human-handled.
    let (_, ticket) = app.page(&location, &session);
    assert!(ticket.contains("ticket-body with-chats"));
    assert!(ticket.contains("Human-handled"));
    assert!(ticket.contains(&format!("/app/conversations/{id}")));
    // The conversation page lists the ticket; the visitor's chat has its card.
    let (_, page) = app.page(&format!("/app/conversations/{id}"), &session);
    assert!(page.contains(&format!("href=\"/app/tickets/{code}\"")));
    let chat = json(&app.get(
        &format!("/api/v1/sites/acme/conversations/{id}/messages"),
        &[("authorization", &format!("Bearer {token}"))],
    ));
    let last = chat["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["ticket"]["code"], code.as_str());

    // A second conversation is attached by code.
    let (other, other_token) = visitor_says(&app, "Same problem, other order");
    let r = app.form(
        &format!("/app/conversations/{other}/attach"),
        Some(&session),
        &[("csrf", &csrf), ("code", &code.to_lowercase())],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let (_, ticket) = app.page(&location, &session);
    assert_eq!(ticket.matches("class=\"linked-chat\"").count(), 2);
    assert!(
        ticket.contains("Unanswered"),
        "nobody answered the second one yet"
    );
    let bad = app.form(
        &format!("/app/conversations/{other}/attach"),
        Some(&session),
        &[("csrf", &csrf), ("code", "TKT-999")],
    );
    assert_eq!(bad.status, 404);

    // A customer-facing comment on the ticket reaches both live conversations; an internal
    // note reaches neither.
    for (visibility, text) in [
        ("internal", "Carrier says lost"),
        ("public", "We are sending a new one."),
    ] {
        let r = app.form(
            &format!("{location}/comment"),
            Some(&session),
            &[
                ("csrf", &csrf),
                ("comment", text),
                ("visibility", visibility),
            ],
        );
        assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    }
    for (conversation, token) in [(&id, &token), (&other, &other_token)] {
        let chat = json(&app.get(
            &format!("/api/v1/sites/acme/conversations/{conversation}/messages"),
            &[("authorization", &format!("Bearer {token}"))],
        ));
        let texts: Vec<&str> = chat["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            texts.last(),
            Some(&"We are sending a new one."),
            "{texts:?}"
        );
        assert!(!texts.contains(&"Carrier says lost"));
        let seqs: Vec<i64> = chat["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless");
    }
}

#[test]
fn the_operators_live_socket_joins_only_from_our_own_pages() {
    use ticketbooth_functions::http::Live;
    use ticketbooth_functions::service::live_members::LiveMember;
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let (id, _) = visitor_says(&app, "Hello");
    let session = app.sign_in("agent@acme.example");
    let cookie = crate::session_cookie(&session);
    let path = format!("/app/conversations/{id}/live");
    let open = |headers: &[(&str, &str)]| app.get(&path, headers);
    let joined = open(&[
        ("cookie", &cookie),
        ("upgrade", "websocket"),
        ("origin", crate::OWN_ORIGIN),
    ]);
    // Tagged with who listens, so the room can close it once they are no longer a member.
    assert_eq!(
        joined.live,
        Some(Live::JoinAsOperator {
            conversation_id: id.clone(),
            member: LiveMember {
                site_id: 1,
                operator_id: AGENT.to_owned(),
            },
        })
    );
    // Another site's page: a WebSocket is not bound by CORS, so the Origin decides.
    let foreign = open(&[
        ("cookie", &cookie),
        ("upgrade", "websocket"),
        ("origin", "https://evil.example"),
    ]);
    assert_eq!(foreign.status, 403);
    assert!(foreign.live.is_none());
    let plain = open(&[("cookie", &cookie), ("origin", crate::OWN_ORIGIN)]);
    assert_eq!(plain.status, 400);
    assert!(plain.live.is_none());
    // Signed out: to the sign-in page, never into the room.
    let anonymous = open(&[("upgrade", "websocket"), ("origin", crate::OWN_ORIGIN)]);
    assert!(anonymous.live.is_none());
    // The page carries the script and where to connect.
    let (_, page) = app.page(&format!("/app/conversations/{id}"), &session);
    assert!(page.contains(&format!("data-live=\"/app/conversations/{id}/live\"")));
    assert!(page.contains("<script src=\"/inbox.js\" defer></script>"));
}

#[test]
fn an_operators_ticket_from_a_conversation_carries_the_contact_given_in_the_chat() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let (id, token) = visitor_says(&app, "My parcel never arrived");
    let given = app.send(
        "PUT",
        &format!("/api/v1/sites/acme/conversations/{id}/contact"),
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(br#"{"name":"Ann Example","email":"ann@example.com"}"#.to_vec()),
    );
    assert_eq!(given.status, 200);
    let session = app.sign_in("agent@acme.example");
    let csrf = csrf_of(&app, &session);
    let (_, page) = app.page(&format!("/app/conversations/{id}"), &session);
    assert!(
        page.contains("Ann Example &lt;ann@example.com&gt;"),
        "the form says who the ticket will be for: {page}"
    );
    let key = form_key(&page);
    let made = app.form(
        &format!("/app/conversations/{id}/ticket"),
        Some(&session),
        &[
            ("csrf", &csrf),
            ("key", &key),
            ("subject", "Parcel lost"),
            ("description", "Order 77"),
        ],
    );
    assert_eq!(made.status, 303, "{}", String::from_utf8_lossy(&made.body));
    let row = &app.rows(
        "SELECT requester_name, requester_email FROM tickets",
        vec![],
    )[0];
    assert_eq!(row["requester_name"], "Ann Example");
    assert_eq!(row["requester_email"], "ann@example.com");
}
