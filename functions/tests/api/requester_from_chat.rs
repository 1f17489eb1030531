//! The requester comes from the conversation: the contact a visitor gave in the chat is the
//! requester of every ticket made from it, an operator's conversion belongs to the
//! conversation's visitor (their "My tickets" and thread keep it after the conversation has
//! expired), and `open_ticket` confirms only what the product does.

use serde_json::json;
use ticketbooth_functions::crypto::identity_token::{self, IdentitySecret};
use ticketbooth_functions::http::{Body, Response};
use ticketbooth_functions::service::maintenance;
use ticketbooth_functions::service::sites;
use ticketbooth_functions::service::tools::{self, Call, CallId, Caller, Outcome};
use ticketbooth_shared::ids::{ConversationId, TicketId, VisitorId};
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::tools::Tool;

use crate::inbox::visitor_says;
use crate::operator_api::conforms;
use crate::{TestApp, csrf_of, error_code, json, ticket_body};

const AGENT: &str = "a0000000000000000000000000000001";
const HOUR_MS: i64 = 60 * 60 * 1000;

/// The visitor gives their contact in the chat (the conversation's contact form).
fn give_contact(app: &TestApp, id: &str, token: &str) {
    let given = app.send(
        "PUT",
        &format!("/api/v1/sites/acme/conversations/{id}/contact"),
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(br#"{"name":"Ann Example","email":"ann@example.com"}"#.to_vec()),
    );
    assert_eq!(
        given.status,
        200,
        "{}",
        String::from_utf8_lossy(&given.body)
    );
}

/// The value of the first hidden field `name` on a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

/// An operator of acme converts the conversation in the dashboard: the ticket's code.
fn convert(app: &TestApp, session: &str, id: &str) -> String {
    let csrf = csrf_of(app, session);
    let (_, page) = app.page(&format!("/app/conversations/{id}"), session);
    let key = hidden(&page, "key");
    let made = app.form(
        &format!("/app/conversations/{id}/ticket"),
        Some(session),
        &[
            ("csrf", &csrf),
            ("key", &key),
            ("subject", "Parcel lost"),
            ("description", "Order 77"),
        ],
    );
    assert_eq!(made.status, 303, "{}", String::from_utf8_lossy(&made.body));
    made.header("location")
        .unwrap()
        .trim_start_matches("/app/tickets/")
        .to_owned()
}

fn my_tickets(app: &TestApp, token: &str) -> Response {
    app.get(
        "/api/v1/sites/acme/tickets",
        &[("authorization", &format!("Bearer {token}"))],
    )
}

fn conversation_visitor(app: &TestApp, id: &str) -> String {
    app.rows(
        "SELECT visitor_id FROM conversations WHERE id = ?1",
        vec![id.into()],
    )[0]["visitor_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn an_operators_conversion_is_the_conversations_visitors_ticket_with_their_contact() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let (id, token) = visitor_says(&app, "My parcel never arrived");
    give_contact(&app, &id, &token);
    let visitor = conversation_visitor(&app, &id);
    let session = app.sign_in("agent@acme.example");
    let code = convert(&app, &session, &id);

    let row = &app.rows(
        "SELECT requester_name, requester_email, visitor_id, source FROM tickets WHERE code = ?1",
        vec![code.as_str().into()],
    )[0];
    assert_eq!(row["requester_name"], "Ann Example");
    assert_eq!(row["requester_email"], "ann@example.com");
    assert_eq!(row["source"], "operator");
    assert_eq!(row["visitor_id"], visitor.as_str(), "the visitor's ticket");

    // It is in the visitor's "My tickets", and theirs alone.
    let list = my_tickets(&app, &token);
    assert_eq!(list.status, 200);
    let tickets = json(&list)["tickets"].as_array().unwrap().clone();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0]["code"], code.as_str());
    let (_, stranger) = visitor_says(&app, "Someone else");
    let theirs = json(&my_tickets(&app, &stranger))["tickets"].clone();
    assert_eq!(theirs, json!([]), "another visitor does not see it");
}

#[test]
fn the_visitor_keeps_a_converted_ticket_and_its_public_reply_after_the_conversation_expires() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    let (id, token) = visitor_says(&app, "My parcel never arrived");
    let session = app.sign_in("agent@acme.example");
    let code = convert(&app, &session, &id);
    let (_, page) = app.page(&format!("/app/tickets/{code}"), &session);
    let commented = app.form(
        &format!("/app/tickets/{code}/comment"),
        Some(&session),
        &[
            ("csrf", &hidden(&page, "csrf")),
            ("version", &hidden(&page, "version")),
            ("comment", "Found it: it ships tomorrow."),
            ("visibility", "public"),
        ],
    );
    assert_eq!(commented.status, 303);

    // A day and an hour later the cron removes the conversation and its messages.
    app.advance(25 * HOUR_MS);
    let later = Timestamp::from_millis(1_795_427_280_000 + 1_000_000 + 25 * HOUR_MS);
    let expired = pollster::block_on(maintenance::expire(app.db(), later)).unwrap();
    assert_eq!(expired.conversations, 1);
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 0);

    let list = my_tickets(&app, &token);
    assert_eq!(list.status, 200, "{}", String::from_utf8_lossy(&list.body));
    let tickets = json(&list)["tickets"].as_array().unwrap().clone();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0]["code"], code.as_str());
    let ticket_id = tickets[0]["id"].as_str().unwrap().to_owned();
    let thread = app.get(
        &format!("/api/v1/sites/acme/tickets/{ticket_id}/comments"),
        &[("authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(
        thread.status,
        200,
        "{}",
        String::from_utf8_lossy(&thread.body)
    );
    let comments = json(&thread)["comments"].clone();
    assert_eq!(comments[0]["from"], "team");
    assert_eq!(comments[0]["body"], "Found it: it ships tomorrow.");
}

/// `open_ticket` as the site's bot calls it inside the visitor's conversation.
fn open_in_chat(app: &TestApp, id: &str, visitor: &str, arguments: &serde_json::Value) -> Outcome {
    let db = app.db();
    let site = pollster::block_on(sites::load(db, &SiteKey::parse("acme").unwrap())).unwrap();
    let visitor = VisitorId::parse(visitor).unwrap();
    let conversation = ConversationId::parse(id).unwrap();
    let now = Timestamp::from_millis(1_795_427_280_000 + 100_000);
    pollster::block_on(tools::call(
        db,
        Call {
            site: &site,
            caller: Caller::Chat {
                visitor: &visitor,
                conversation: &conversation,
                opened: 0,
            },
            tool: Tool::OpenTicket,
            arguments,
            call_id: CallId::Model("call_1"),
            origin: "https://tickets.example.net",
            fresh_id: TicketId::mint(now, [7; 10]),
            now,
        },
    ))
    .unwrap()
}

#[test]
fn the_bots_open_ticket_takes_the_conversations_contact_and_points_to_the_chat() {
    let app = TestApp::spawn();
    let (id, token) = visitor_says(&app, "I was charged twice");
    give_contact(&app, &id, &token);
    let visitor = conversation_visitor(&app, &id);
    let arguments = json!({ "subject": "Charged twice", "description": "Order 1234",
                            "priority": "high", "summary": null,
                            "requester_name": null, "requester_email": null });
    let outcome = open_in_chat(&app, &id, &visitor, &arguments);
    let Outcome::TicketOpened { code, message, .. } = outcome else {
        panic!("{outcome:?}");
    };
    let row = &app.rows(
        "SELECT requester_name, requester_email, visitor_id FROM tickets WHERE code = ?1",
        vec![code.as_str().into()],
    )[0];
    assert_eq!(row["requester_name"], "Ann Example");
    assert_eq!(row["requester_email"], "ann@example.com");
    assert_eq!(row["visitor_id"], visitor.as_str());
    // The site's e-mail is off (the default): the confirmation promises the chat and "My
    // tickets", never the address.
    assert_eq!(
        message,
        format!(
            "I've opened ticket {code} for our team. They will reply here in the chat and in \
             \"My tickets\"."
        )
    );
    assert!(!message.contains("ann@example.com"));
}

#[test]
fn with_the_sites_email_on_the_confirmation_names_the_address() {
    let app = TestApp::spawn();
    app.db()
        .execute_script("UPDATE sites SET email_enabled = 1 WHERE key = 'acme'")
        .unwrap();
    let (id, token) = visitor_says(&app, "I was charged twice");
    give_contact(&app, &id, &token);
    let visitor = conversation_visitor(&app, &id);
    let arguments = json!({ "subject": "Charged twice", "description": "Order 1234",
                            "priority": "high", "summary": null,
                            "requester_name": null, "requester_email": null });
    let outcome = open_in_chat(&app, &id, &visitor, &arguments);
    let Outcome::TicketOpened { code, message, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        message,
        format!(
            "I've opened ticket {code} for our team. They will reply to ann@example.com, and \
             here in the chat and in \"My tickets\"."
        )
    );
}

fn identity_secret() -> IdentitySecret {
    IdentitySecret::from_stored("5".repeat(64)).unwrap()
}

/// A signed identity for acme (the test clock's `now` is a few seconds past `iat`).
fn identity(secret: &IdentitySecret) -> String {
    let now = 1_795_427_280;
    identity_token::sign(
        secret,
        &json!({ "site": "acme", "sub": "user-1", "name": "Ada Lovelace",
                 "email": "ada@example.com", "iat": now - 60, "exp": now + 3600 }),
    )
}

fn start_as(app: &TestApp, jwt: &str) -> Response {
    app.send(
        "POST",
        "/api/v1/sites/acme/conversations",
        &[("ticketbooth-identity", jwt)],
        Body::Bytes(vec![]),
    )
}

#[test]
fn a_chat_started_with_a_signed_identity_is_its_visitors_and_carries_its_contact() {
    let app = TestApp::spawn();
    app.add_operator(AGENT, "agent@acme.example", "Ada Agent", &[(1, "member")]);
    // A forged identity is refused and starts nothing, as on a ticket create.
    let forged = identity(&IdentitySecret::from_stored("6".repeat(64)).unwrap());
    assert_eq!(
        error_code(&start_as(&app, &forged), 401),
        "identity_invalid"
    );
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET identity_secret = '{}' WHERE key = 'acme'",
            identity_secret().expose()
        ))
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    let forged = start_as(&app, &forged);
    conforms("/api/v1/sites/{site}/conversations", "POST", &forged);
    assert_eq!(error_code(&forged, 401), "identity_invalid");
    assert_eq!(app.count("SELECT count(*) FROM conversations"), 0);

    let jwt = identity(&identity_secret());
    let started = start_as(&app, &jwt);
    assert_eq!(
        started.status,
        201,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    conforms("/api/v1/sites/{site}/conversations", "POST", &started);
    let id = json(&started)["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = &app.rows(
        "SELECT requester_name, requester_email FROM conversations WHERE id = ?1",
        vec![id.as_str().into()],
    )[0];
    assert_eq!(kept["requester_name"], "Ada Lovelace");
    assert_eq!(kept["requester_email"], "ada@example.com");

    // The operator's ticket from this chat is Ada's, and the same signed-in user lists it
    // (with the ticket they open themselves) on any device.
    let session = app.sign_in("agent@acme.example");
    let code = convert(&app, &session, &id);
    let row = &app.rows(
        "SELECT requester_name, requester_email FROM tickets WHERE code = ?1",
        vec![code.as_str().into()],
    )[0];
    assert_eq!(row["requester_name"], "Ada Lovelace");
    assert_eq!(row["requester_email"], "ada@example.com");
    let own = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000a001",
        &ticket_body("Another question"),
        &[("ticketbooth-identity", &jwt)],
    );
    assert_eq!(own.status, 201, "{}", String::from_utf8_lossy(&own.body));
    let token = json(&own)["visitor_token"].as_str().unwrap().to_owned();
    let listed = json(&my_tickets(&app, &token))["tickets"].clone();
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&code.as_str()), "{codes:?}");
    assert_eq!(codes.len(), 2, "{codes:?}");
}
