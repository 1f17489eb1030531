//! Inbound e-mail (`service::inbound_mail`, the Worker's `email` handler's service) over the
//! real migrations: a reply to a ticket's address becomes the customer's reply (quoted text
//! stripped, a resolved ticket reopened, a ticket waiting on the customer handed back),
//! another sender's mail is held as a note, the support address opens `email` tickets under
//! the widget's switch and cap, loops and bounces are caught, and every message counts once.

use serde_json::{Value as Json, json};
use ticketbooth_functions::service::inbound_mail::{
    Delivery, InboundError, MailRefused, Received, receive,
};
use ticketbooth_shared::ids::TicketId;
use ticketbooth_shared::timestamp::Timestamp;

use crate::{TestApp, json};

const DOMAIN: &str = "mail.example.com";
const TOKEN_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const NOW: i64 = 1_795_500_000_000;

/// A widget ticket from Vera on `site` with `token` as its reply token: (id, visitor token).
fn ticket(app: &TestApp, site: &str, key: &str, token: &str) -> (String, String) {
    let r = app.create(
        site,
        key,
        &json!({ "subject": "Charged twice", "description": "Order 1234",
                 "requester": { "name": "Vera Visitor", "email": "vera@example.com" } }),
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    let id = body["ticket"]["id"].as_str().unwrap().to_owned();
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET reply_token = '{token}' WHERE id = '{id}'"
        ))
        .unwrap();
    (id, body["visitor_token"].as_str().unwrap().to_owned())
}

fn deliver(
    app: &TestApp,
    from: &str,
    to: &str,
    raw: &str,
    n: u8,
) -> Result<Received, InboundError> {
    let now = Timestamp::from_millis(NOW + i64::from(n) * 1000);
    pollster::block_on(receive(
        app.db(),
        DOMAIN,
        Delivery {
            envelope_from: from,
            envelope_to: to,
            raw: raw.as_bytes(),
        },
        TicketId::mint(now, [n; 10]),
        now,
    ))
}

fn to_ticket(token: &str) -> String {
    format!("t-{token}@{DOMAIN}")
}

/// A Gmail-style reply from `from`, quoting the team's message.
fn gmail_reply(from: &str, message_id: &str, text: &str) -> String {
    format!(
        "From: Vera Visitor <{from}>\r\nTo: Acme <t-x@{DOMAIN}>\r\nSubject: Re: [TKT-1] Charged twice\r\n\
         Message-ID: <{message_id}>\r\nIn-Reply-To: <sent-1@{DOMAIN}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         {text}\r\n\r\nOn Mon, Dec 7, 2026 at 10:02 AM Acme <t-x@{DOMAIN}> wrote:\r\n\
         > We refunded one charge.\r\n> QUOTED-HISTORY\r\n"
    )
}

fn column(app: &TestApp, id: &str, sql: &'static str) -> Json {
    app.rows(sql, vec![id.into()])[0]["v"].clone()
}

fn event_kinds(app: &TestApp, id: &str) -> Vec<String> {
    app.rows(
        "SELECT kind FROM ticket_events WHERE ticket_id = ?1 ORDER BY id",
        vec![id.into()],
    )
    .iter()
    .map(|r| r["kind"].as_str().unwrap().to_owned())
    .collect()
}

fn visitor_thread(app: &TestApp, id: &str, token: &str) -> Vec<Json> {
    let r = app.get(
        &format!("/api/v1/sites/acme/tickets/{id}/comments"),
        &[("authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(r.status, 200);
    json(&r)["comments"].as_array().unwrap().clone()
}

fn everything(app: &TestApp) -> Vec<i64> {
    vec![
        app.count("SELECT count(*) FROM tickets"),
        app.count("SELECT count(*) FROM ticket_comments"),
        app.count("SELECT count(*) FROM ticket_events"),
        app.count("SELECT count(*) FROM email_recipients"),
        app.count("SELECT count(*) FROM notifications"),
    ]
}

#[test]
fn the_requesters_reply_is_their_reply_on_the_ticket_without_the_quoted_history() {
    let app = TestApp::spawn();
    let (id, visitor) = ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0001",
        TOKEN_A,
    );
    let raw = gmail_reply(
        "Vera@Example.COM",
        "r1@example.com",
        "The second charge is still there.",
    );
    let got = deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), &raw, 1);
    assert_eq!(got, Ok(Received::Replied { replayed: false }));

    let thread = visitor_thread(&app, &id, &visitor);
    assert_eq!(thread.len(), 1, "{thread:?}");
    assert_eq!(thread[0]["from"], "visitor");
    assert_eq!(thread[0]["body"], "The second charge is still there.");
    assert!(
        event_kinds(&app, &id).ends_with(&["comment_added".into(), "email_received".into()]),
        "{:?}",
        event_kinds(&app, &id)
    );
    assert!(
        column(
            &app,
            &id,
            "SELECT customer_replied_at AS v FROM tickets WHERE id = ?1"
        )
        .is_i64()
    );
}

#[test]
fn the_same_message_delivered_twice_makes_one_reply() {
    let app = TestApp::spawn();
    let (id, visitor) = ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0002",
        TOKEN_A,
    );
    let raw = gmail_reply("vera@example.com", "twice@example.com", "Once only.");
    assert_eq!(
        deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), &raw, 1),
        Ok(Received::Replied { replayed: false })
    );
    let before = everything(&app);
    assert_eq!(
        deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), &raw, 2),
        Ok(Received::Replied { replayed: true })
    );
    assert_eq!(everything(&app), before);
    assert_eq!(visitor_thread(&app, &id, &visitor).len(), 1);
}

#[test]
fn a_reply_reopens_a_resolved_ticket_and_hands_a_waiting_one_back_to_the_team() {
    let app = TestApp::spawn();
    let (id, _) = ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0003",
        TOKEN_A,
    );
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET status = 'resolved', resolved_at = 1 WHERE id = '{id}'"
        ))
        .unwrap();
    let raw = gmail_reply(
        "vera@example.com",
        "reopen@example.com",
        "Not fixed after all.",
    );
    deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), &raw, 1).unwrap();
    let status = "SELECT status AS v FROM tickets WHERE id = ?1";
    assert_eq!(column(&app, &id, status), "open");
    assert!(event_kinds(&app, &id).contains(&"status_changed".to_owned()));

    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET status = 'pending', waiting_on_customer = 1 WHERE id = '{id}'"
        ))
        .unwrap();
    let raw = gmail_reply(
        "vera@example.com",
        "waiting@example.com",
        "Here is the receipt.",
    );
    deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), &raw, 2).unwrap();
    assert_eq!(
        column(
            &app,
            &id,
            "SELECT waiting_on AS v FROM tickets WHERE id = ?1"
        ),
        "team"
    );
    assert!(event_kinds(&app, &id).contains(&"waiting_changed".to_owned()));
}

#[test]
fn a_closed_ticket_refuses_the_reply_and_changes_nothing() {
    let app = TestApp::spawn();
    let (id, _) = ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0004",
        TOKEN_A,
    );
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET status = 'closed', closed_at = 1 WHERE id = '{id}'"
        ))
        .unwrap();
    let before = everything(&app);
    let raw = gmail_reply("vera@example.com", "closed@example.com", "Hello?");
    assert_eq!(
        deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), &raw, 1),
        Err(InboundError::Refused(MailRefused::TicketClosed))
    );
    assert_eq!(everything(&app), before);
}

#[test]
fn mail_from_an_unknown_sender_is_held_as_a_note_not_the_customers_reply() {
    let app = TestApp::spawn();
    let (id, visitor) = ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0005",
        TOKEN_A,
    );
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET status = 'resolved', resolved_at = 1 WHERE id = '{id}'"
        ))
        .unwrap();
    let raw = gmail_reply(
        "mallory@evil.example",
        "held@evil.example",
        "Refund me instead.",
    );
    assert_eq!(
        deliver(&app, "mallory@evil.example", &to_ticket(TOKEN_A), &raw, 1),
        Ok(Received::Held { replayed: false })
    );
    // Not the customer's: not in their thread, and the ticket stays resolved.
    assert!(visitor_thread(&app, &id, &visitor).is_empty());
    assert_eq!(
        column(&app, &id, "SELECT status AS v FROM tickets WHERE id = ?1"),
        "resolved"
    );
    let notes = app.rows(
        "SELECT visibility, author_kind, body FROM ticket_comments WHERE ticket_id = ?1",
        vec![id.clone().into()],
    );
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["visibility"], "internal");
    assert_eq!(notes[0]["author_kind"], "system");
    let body = notes[0]["body"].as_str().unwrap();
    assert!(body.contains("mallory@evil.example") && body.contains("Refund me instead."));
    assert!(!body.contains("QUOTED-HISTORY"), "{body}");
    let held = app.rows(
        "SELECT data FROM ticket_events WHERE ticket_id = ?1 AND kind = 'email_held'",
        vec![id.into()],
    );
    assert_eq!(held.len(), 1);
    assert!(
        held[0]["data"]
            .as_str()
            .unwrap()
            .contains("mallory@evil.example")
    );
}

#[test]
fn an_unknown_token_or_another_domain_is_refused() {
    let app = TestApp::spawn();
    ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0006",
        TOKEN_A,
    );
    let before = everything(&app);
    let raw = gmail_reply("vera@example.com", "guess@example.com", "Guessing.");
    for to in [
        to_ticket(TOKEN_B),
        format!("t-{TOKEN_A}@other.example"),
        format!("TKT-1@{DOMAIN}"),
        format!("t-1@{DOMAIN}"),
    ] {
        assert_eq!(
            deliver(&app, "vera@example.com", &to, &raw, 1),
            Err(InboundError::Refused(MailRefused::UnknownAddress)),
            "{to}"
        );
    }
    assert_eq!(everything(&app), before);
}

#[test]
fn a_token_of_one_site_never_touches_another_sites_ticket() {
    let app = TestApp::spawn();
    let (a, _) = ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0007",
        TOKEN_A,
    );
    let (b, _) = ticket(
        &app,
        "strict",
        "00000000-0000-4000-8000-0000000e0008",
        TOKEN_B,
    );
    let raw = gmail_reply("vera@example.com", "cross@example.com", "For Acme.");
    deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), &raw, 1).unwrap();
    let comments = "SELECT count(*) AS v FROM ticket_comments WHERE ticket_id = ?1";
    assert_eq!(column(&app, &a, comments), 1);
    assert_eq!(column(&app, &b, comments), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_comments WHERE site_id <> 1"),
        0
    );
}

#[test]
fn auto_replies_are_dropped_and_bounces_mark_the_address() {
    let app = TestApp::spawn();
    let (id, _) = ticket(
        &app,
        "acme",
        "00000000-0000-4000-8000-0000000e0009",
        TOKEN_A,
    );
    let before = everything(&app);
    let vacation = "From: vera@example.com\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\
                    Message-ID: <ooo@example.com>\r\n\r\nI am away until Monday.\r\n";
    assert_eq!(
        deliver(&app, "vera@example.com", &to_ticket(TOKEN_A), vacation, 1),
        Ok(Received::Dropped {
            why: "auto-submitted"
        })
    );
    assert_eq!(everything(&app), before);

    let dsn = format!(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\r\nTo: {to}\r\n\
         Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n\
         --r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n\
         Final-Recipient: rfc822; Vera@Example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n--r--\r\n",
        to = to_ticket(TOKEN_A)
    );
    assert_eq!(
        deliver(&app, "", &to_ticket(TOKEN_A), &dsn, 2),
        Ok(Received::Bounced { marked: true })
    );
    let marked = app.rows(
        "SELECT site_id, address, bounced_at, bounce_reason FROM email_recipients",
        vec![],
    );
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0]["site_id"], 1);
    assert_eq!(marked[0]["address"], "vera@example.com");
    assert!(marked[0]["bounced_at"].is_i64());
    assert!(marked[0]["bounce_reason"].as_str().unwrap().contains("550"));
    assert!(event_kinds(&app, &id).contains(&"email_bounced".to_owned()));
    // Never taken as a reply.
    assert_eq!(app.count("SELECT count(*) FROM ticket_comments"), before[1]);
}

fn new_mail(message_id: &str, subject: &str) -> String {
    format!(
        "From: \"Nina New\" <Nina@Example.net>\r\nTo: help@{DOMAIN}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
         --m\r\nContent-Type: text/plain\r\n\r\nMy invoice is wrong.\r\n-- \r\nNina, Example Ltd\r\n\
         --m\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--m--\r\n"
    )
}

fn support(app: &TestApp, site: i64, local: &str) {
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET support_local = '{local}' WHERE id = {site}"
        ))
        .unwrap();
}

#[test]
fn mail_to_the_support_address_opens_one_email_ticket_on_that_site() {
    let app = TestApp::spawn();
    support(&app, 1, "help");
    support(&app, 2, "strict-help");
    let raw = new_mail("new1@example.net", "Invoice 77");
    assert_eq!(
        deliver(&app, "nina@example.net", &format!("Help@{DOMAIN}"), &raw, 1),
        Ok(Received::Opened { replayed: false })
    );
    assert_eq!(
        deliver(&app, "nina@example.net", &format!("help@{DOMAIN}"), &raw, 2),
        Ok(Received::Opened { replayed: true })
    );
    let rows = app.rows(
        "SELECT site_id, source, subject, description, requester_name, requester_email,
                visitor_id FROM tickets",
        vec![],
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    let t = &rows[0];
    assert_eq!(t["site_id"], 1);
    assert_eq!(t["source"], "email");
    assert_eq!(t["subject"], "Invoice 77");
    assert_eq!(t["requester_name"], "Nina New");
    assert_eq!(t["requester_email"], "nina@example.net");
    assert_eq!(
        t["description"],
        "My invoice is wrong.\n\nAttachments (not kept): invoice.pdf (9 B)"
    );
    assert!(t["visitor_id"].is_null());
    // An unknown local part is refused.
    assert_eq!(
        deliver(
            &app,
            "nina@example.net",
            &format!("sales@{DOMAIN}"),
            &raw,
            3
        ),
        Err(InboundError::Refused(MailRefused::UnknownAddress))
    );
}

#[test]
fn the_support_address_obeys_creation_off_and_the_daily_cap() {
    let app = TestApp::spawn();
    support(&app, 3, "closed-desk"); // the `off` site: ticket creation off
    let before = everything(&app);
    assert_eq!(
        deliver(
            &app,
            "nina@example.net",
            &format!("closed-desk@{DOMAIN}"),
            &new_mail("off@example.net", "Hello"),
            1
        ),
        Err(InboundError::Refused(MailRefused::CreationOff))
    );
    assert_eq!(everything(&app), before);

    support(&app, 1, "help");
    app.db()
        .execute_script("UPDATE sites SET daily_ticket_cap = 1 WHERE id = 1")
        .unwrap();
    let to = format!("help@{DOMAIN}");
    assert_eq!(
        deliver(
            &app,
            "nina@example.net",
            &to,
            &new_mail("cap1@example.net", "One"),
            1
        ),
        Ok(Received::Opened { replayed: false })
    );
    let before = everything(&app);
    assert_eq!(
        deliver(
            &app,
            "nina@example.net",
            &to,
            &new_mail("cap2@example.net", "Two"),
            2
        ),
        Err(InboundError::Refused(MailRefused::DailyCapReached))
    );
    assert_eq!(everything(&app), before);
}
