//! E-mail out over SQLite: each mail is written in the batch of what it announces (create,
//! public reply, resolution, assignment, SLA warning) and only when the rules allow it (the
//! site's e-mail on, an address, not opted out or bounced, not spam, never for an internal
//! comment); `mail_outbox` hands it to the Queue, checks the rules again, renders it (headers,
//! escaped HTML) and sends it through a `Mailer` double, records `email_sent`, retries with
//! backoff and gives up; the unsubscribe link opts the address out.

use std::cell::RefCell;
use std::collections::VecDeque;

use base64::Engine;
use serde_json::{Value as Json, json};
use ticketbooth_functions::crypto::visitor_token::TokenKey;
use ticketbooth_functions::service::mail_compose::Rendered;
use ticketbooth_functions::service::mail_outbox::{
    self, Deployment, MAX_ATTEMPTS, Mailer, Sending, Sent,
};
use ticketbooth_functions::service::notifications::{Enqueue, Sending as QueueSending};
use ticketbooth_functions::service::ticket_actions::{self as actions, Change, Comment};
use ticketbooth_functions::store::Value;
use ticketbooth_shared::Status;
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::CommentVisibility;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;

use crate::ticket_actions::{MEMBER, OWNER, operator, spawn};
use crate::{SECRET, TestApp, json};

const LATER: i64 = 1_900_000_000_000;
const DOMAIN: &str = "mail.example.net";

/// Email Service: answers the scripted results in order (`Ok` when none is left), keeps what
/// it was given.
#[derive(Default)]
struct Outbox {
    answers: RefCell<VecDeque<Result<String, String>>>,
    sent: RefCell<Vec<Rendered>>,
}

impl Mailer for Outbox {
    fn send<'a>(&'a self, mail: &'a Rendered) -> Sending<'a> {
        self.sent.borrow_mut().push(mail.clone());
        let answer = self
            .answers
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| Ok("<sent@cf>".to_owned()));
        Box::pin(async move { answer })
    }
}

#[derive(Default)]
struct Queue(RefCell<Vec<String>>);

impl Enqueue for Queue {
    fn send<'a>(&'a self, id: &'a str) -> QueueSending<'a> {
        self.0.borrow_mut().push(id.to_owned());
        Box::pin(async { Ok(()) })
    }
}

fn keys() -> TokenKey {
    TokenKey::new(SECRET).unwrap()
}

/// `acme` with its e-mail on (or off), operators, no tickets.
fn mailing_app(on: bool) -> TestApp {
    let app = spawn(0);
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET email_enabled = {}, support_local = 'help' WHERE key = 'acme'",
            i32::from(on)
        ))
        .unwrap();
    app
}

/// A widget ticket on `acme` from `email` (none: no requester), its id.
fn ticket(app: &TestApp, n: u32, email: Option<&str>) -> String {
    let mut body = json!({ "subject": "Printer <b>on fire</b>", "description": "Help" });
    if let Some(email) = email {
        body["requester"] = json!({ "name": "Ada", "email": email });
    }
    let r = app.create(
        "acme",
        &format!("00000000-0000-4000-8000-{n:012}"),
        &body,
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    json(&r)["ticket"]["id"].as_str().unwrap().to_owned()
}

/// The ticket's mails: `(kind, to, state)`.
fn mails(app: &TestApp, ticket: &str) -> Vec<(String, String, String)> {
    app.rows(
        "SELECT kind, to_address, state FROM mails WHERE ticket_id = ?1 ORDER BY id",
        vec![Value::from(ticket)],
    )
    .into_iter()
    .map(|r| {
        let s = |k: &str| r[k].as_str().unwrap().to_owned();
        (s("kind"), s("to_address"), s("state"))
    })
    .collect()
}

fn mail_ids(app: &TestApp, ticket: &str) -> Vec<i64> {
    app.rows(
        "SELECT id FROM mails WHERE ticket_id = ?1 ORDER BY id",
        vec![Value::from(ticket)],
    )
    .into_iter()
    .map(|r| r["id"].as_i64().unwrap())
    .collect()
}

fn send(app: &TestApp, outbox: &Outbox, id: i64, origin: &str) -> Sent {
    let keys = keys();
    let deployment = Deployment {
        domain: DOMAIN,
        origin,
        keys: Some(&keys),
        retry_base_secs: 30,
    };
    pollster::block_on(mail_outbox::send(
        app.db(),
        outbox,
        &deployment,
        id,
        Timestamp::from_millis(LATER),
    ))
    .unwrap()
}

fn act(app: &TestApp, who: &str, change: Change) {
    let op = operator(
        who,
        if who == OWNER {
            Role::Owner
        } else {
            Role::Member
        },
    );
    pollster::block_on(actions::apply(
        app.db(),
        &op,
        &TicketCode::parse("TKT-1").unwrap(),
        None,
        change,
        Timestamp::from_millis(LATER),
    ))
    .unwrap();
}

fn comment(visibility: CommentVisibility, text: &str) -> Change {
    Change::Comment(Comment {
        visibility,
        body: CommentBody::parse(text).unwrap(),
    })
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let head = raw.split("\r\n\r\n").next().unwrap();
    head.split("\r\n")
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

/// The decoded body of the part of `mime` type.
fn part(raw: &str, mime: &str) -> String {
    let at = raw.find(&format!("Content-Type: {mime}")).unwrap();
    let body = raw[at..].split("\r\n\r\n").nth(1).unwrap();
    let b64: String = body
        .split("\r\n")
        .take_while(|l| !l.starts_with("--"))
        .collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn the_requester_is_told_of_the_ticket_the_reply_and_the_resolution() {
    let app = mailing_app(true);
    let id = ticket(&app, 1, Some("Ada@Example.com"));
    // Written in the create's batch, with the reply token minted there too.
    assert_eq!(
        mails(&app, &id),
        [(
            "received".into(),
            "ada@example.com".into(),
            "waiting".into()
        )]
    );
    let token = app.rows(
        "SELECT reply_token FROM tickets WHERE id = ?1",
        vec![Value::from(id.as_str())],
    )[0]["reply_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 32);

    act(
        &app,
        MEMBER,
        comment(CommentVisibility::Internal, "Ask Bob"),
    );
    assert_eq!(mails(&app, &id).len(), 1, "an internal comment never mails");
    act(
        &app,
        MEMBER,
        comment(CommentVisibility::Public, "Try <script>x</script> & off"),
    );
    for to in [Status::Pending, Status::Resolved] {
        act(&app, MEMBER, Change::Status { to, comment: None });
    }
    let kinds: Vec<String> = mails(&app, &id).into_iter().map(|m| m.0).collect();
    assert_eq!(kinds, ["received", "reply", "resolved"]);
    // One token per ticket: later mails keep it.
    assert_eq!(
        app.count("SELECT count(DISTINCT reply_token) FROM tickets WHERE reply_token IS NOT NULL"),
        1
    );

    // Handed to the Queue once each, as `mail:<id>`.
    let queue = Queue::default();
    let handed =
        pollster::block_on(mail_outbox::hand_off(app.db(), &queue, Some(1), LATER)).unwrap();
    assert_eq!(handed.taken.len(), 3);
    assert!(
        queue
            .0
            .borrow()
            .iter()
            .all(|m| mail_outbox::parse_message(m).is_some())
    );
    let again = pollster::block_on(mail_outbox::hand_off(app.db(), &queue, None, LATER)).unwrap();
    assert!(again.taken.is_empty());

    let outbox = Outbox::default();
    let ids = mail_ids(&app, &id);
    for mail in &ids {
        assert_eq!(
            send(&app, &outbox, *mail, "https://tickets.example.net"),
            Sent::Sent
        );
    }
    // A redelivered message sends nothing twice.
    assert_eq!(
        send(&app, &outbox, ids[0], "https://tickets.example.net"),
        Sent::Settled
    );
    let sent = outbox.sent.borrow();
    assert_eq!(sent.len(), 3);
    let received = &sent[0];
    assert_eq!(received.from, format!("help@{DOMAIN}"));
    assert_eq!(received.to, "ada@example.com");
    let raw = &received.raw;
    assert_eq!(
        header(raw, "From"),
        Some(format!("\"Acme\" <help@{DOMAIN}>").as_str())
    );
    assert_eq!(
        header(raw, "Reply-To"),
        Some(format!("\"Acme\" <t-{token}@{DOMAIN}>").as_str())
    );
    assert_eq!(header(raw, "Auto-Submitted"), Some("auto-generated"));
    assert_eq!(
        header(raw, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = header(raw, "List-Unsubscribe").unwrap();
    assert!(
        unsubscribe.starts_with("<https://tickets.example.net/api/v1/sites/acme/email/unsubscribe?to=ada%40example.com&sig="),
        "{unsubscribe}"
    );
    assert_eq!(
        header(raw, "References"),
        Some(format!("<ticket-{id}@{DOMAIN}>").as_str())
    );
    assert!(header(raw, "Message-ID").is_some());
    assert!(
        header(raw, "Subject")
            .unwrap()
            .starts_with("[TKT-1] We have your request")
    );
    assert!(part(raw, "text/plain").contains("TKT-1"));
    // The subject came from the visitor: escaped in the HTML, as is everything else.
    assert!(part(raw, "text/html").contains("Printer &lt;b&gt;on fire&lt;/b&gt;"));

    // The reply: the operator's words, escaped; no Auto-Submitted (a person wrote it).
    let reply = &sent[1].raw;
    assert!(header(reply, "Auto-Submitted").is_none());
    assert!(header(reply, "Subject").unwrap().starts_with("Re: [TKT-1]"));
    let html = part(reply, "text/html");
    assert!(
        html.contains("Try &lt;script&gt;x&lt;/script&gt; &amp; off"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert!(part(reply, "text/plain").contains("Try <script>x</script> & off"));
    assert!(sent[2].subject.contains("Resolved"));

    // Each on the timeline, written when it went.
    let events = app.rows(
        "SELECT data FROM ticket_events WHERE kind = 'email_sent' ORDER BY id",
        vec![],
    );
    let mails: Vec<Json> = events
        .iter()
        .map(|e| serde_json::from_str(e["data"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(mails.len(), 3);
    assert_eq!(mails[0]["mail"], "received");
    assert_eq!(mails[1]["mail"], "reply");
    assert_eq!(mails[2]["to"], "ada@example.com");
    assert_eq!(
        app.count("SELECT count(*) FROM mails WHERE state = 'sent' AND message_id = '<sent@cf>'"),
        3
    );
}

#[test]
fn nothing_is_written_when_the_site_is_off_or_there_is_no_address() {
    let off = mailing_app(false);
    let id = ticket(&off, 1, Some("ada@example.com"));
    act(&off, MEMBER, comment(CommentVisibility::Public, "Hello"));
    assert!(mails(&off, &id).is_empty());
    assert_eq!(
        off.count("SELECT count(*) FROM tickets WHERE reply_token IS NOT NULL"),
        0
    );

    let on = mailing_app(true);
    let id = ticket(&on, 1, None);
    act(&on, MEMBER, comment(CommentVisibility::Public, "Hello"));
    assert!(mails(&on, &id).is_empty(), "no address, no mail");
    assert_eq!(
        on.count("SELECT count(*) FROM tickets WHERE reply_token IS NOT NULL"),
        0
    );
}

#[test]
fn opted_out_and_bounced_addresses_get_nothing_then_or_later() {
    let app = mailing_app(true);
    app.db()
        .execute_script(
            "INSERT INTO email_recipients (site_id, address, opted_out_at) VALUES (1, 'out@example.com', 1);
             INSERT INTO email_recipients (site_id, address, bounced_at) VALUES (1, 'gone@example.com', 1);",
        )
        .unwrap();
    let out = ticket(&app, 1, Some("OUT@example.com"));
    let gone = ticket(&app, 2, Some("gone@example.com"));
    assert!(mails(&app, &out).is_empty());
    assert!(mails(&app, &gone).is_empty());

    // Written while allowed, stopped at send time: the address bounced since.
    let later = ticket(&app, 3, Some("later@example.com"));
    app.db()
        .execute_script(
            "INSERT INTO email_recipients (site_id, address, bounced_at) VALUES (1, 'later@example.com', 2);",
        )
        .unwrap();
    let outbox = Outbox::default();
    let id = mail_ids(&app, &later)[0];
    assert_eq!(send(&app, &outbox, id, ""), Sent::Skipped("bounced"));
    assert!(outbox.sent.borrow().is_empty());
    assert_eq!(mails(&app, &later)[0].2, "skipped");
    // And the site turning its e-mail off stops what is waiting.
    let waiting = ticket(&app, 4, Some("w@example.com"));
    app.db()
        .execute_script("UPDATE sites SET email_enabled = 0 WHERE id = 1")
        .unwrap();
    let id = mail_ids(&app, &waiting)[0];
    assert_eq!(send(&app, &outbox, id, ""), Sent::Skipped("email_off"));
}

#[test]
fn operators_get_assignments_and_sla_warnings_only_when_they_opted_in() {
    let app = mailing_app(true);
    let id = ticket(&app, 1, None);
    act(&app, OWNER, Change::Assign(Some(MEMBER.into())));
    assert!(mails(&app, &id).is_empty(), "not opted in");
    app.db()
        .execute_script(&format!(
            "UPDATE operators SET mail_assigned = 1, mail_sla = 1 WHERE id IN ('{MEMBER}', '{OWNER}')"
        ))
        .unwrap();
    act(&app, OWNER, Change::Assign(Some(OWNER.into())));
    assert!(
        mails(&app, &id).is_empty(),
        "nobody is told of what they did themselves"
    );
    act(&app, OWNER, Change::Assign(Some(MEMBER.into())));
    assert_eq!(
        mails(&app, &id),
        [(
            "assigned".into(),
            "max@acme.example".into(),
            "waiting".into()
        )]
    );
    // The SLA sweep finds the first response missed: a warning for the assignee who opted
    // in, written in the sweep's batch, once.
    app.db()
        .execute_script(&format!(
            "UPDATE tickets SET first_response_due_at = {} WHERE id = '{id}'",
            LATER - 1
        ))
        .unwrap();
    for _ in 0..2 {
        let swept = pollster::block_on(ticketbooth_functions::service::sla::sweep(
            app.db(),
            Timestamp::from_millis(LATER),
        ))
        .unwrap();
        assert!(swept.len() <= 1);
    }
    assert_eq!(
        mails(&app, &id).len(),
        2,
        "one warning, however often it sweeps"
    );
    assert_eq!(mails(&app, &id)[1].0, "sla_warning");
    // Operators' mails carry no reply address and mint no token.
    let outbox = Outbox::default();
    for mail in mail_ids(&app, &id) {
        assert_eq!(send(&app, &outbox, mail, ""), Sent::Sent);
    }
    let sent = outbox.sent.borrow();
    assert!(header(&sent[0].raw, "Reply-To").is_none());
    assert!(
        header(&sent[0].raw, "List-Unsubscribe").is_none(),
        "no origin, no link"
    );
    assert!(sent[1].subject.contains("SLA warning"));
    assert!(part(&sent[1].raw, "text/plain").contains("first response"));
    // Opting out again stops a waiting one.
    act(&app, OWNER, Change::Assign(Some(OWNER.into())));
    act(&app, OWNER, Change::Assign(Some(MEMBER.into())));
    app.db()
        .execute_script(&format!(
            "UPDATE operators SET mail_assigned = 0 WHERE id = '{MEMBER}'"
        ))
        .unwrap();
    let last = *mail_ids(&app, &id).last().unwrap();
    assert_eq!(send(&app, &outbox, last, ""), Sent::Skipped("not_opted_in"));
}

#[test]
fn a_refused_send_is_retried_with_backoff_then_given_up() {
    let app = mailing_app(true);
    let id = ticket(&app, 1, Some("ada@example.com"));
    let mail = mail_ids(&app, &id)[0];
    let outbox = Outbox::default();
    outbox
        .answers
        .borrow_mut()
        .extend((0..MAX_ATTEMPTS).map(|_| Err("550 rejected".to_owned())));
    let mut delays = Vec::new();
    for _ in 1..MAX_ATTEMPTS {
        match send(&app, &outbox, mail, "") {
            Sent::RetryIn { seconds, error } => {
                assert_eq!(error, "550 rejected");
                delays.push(seconds);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(delays, [30, 60, 120, 240]);
    assert_eq!(
        send(&app, &outbox, mail, ""),
        Sent::GaveUp {
            error: "550 rejected".into()
        }
    );
    assert_eq!(mails(&app, &id)[0].2, "failed");
    assert_eq!(send(&app, &outbox, mail, ""), Sent::Settled);
    assert_eq!(
        app.count("SELECT count(*) FROM ticket_events WHERE kind = 'email_sent'"),
        0
    );

    // A mail handed to the Queue and never sent (its message lost) is handed again later.
    let other = ticket(&app, 2, Some("bo@example.com"));
    let queue = Queue::default();
    let first = pollster::block_on(mail_outbox::hand_off(app.db(), &queue, None, LATER)).unwrap();
    assert_eq!(first.taken.len(), 1);
    let soon = pollster::block_on(mail_outbox::hand_off(
        app.db(),
        &queue,
        None,
        LATER + 60_000,
    ))
    .unwrap();
    assert!(soon.taken.is_empty());
    let stale = pollster::block_on(mail_outbox::hand_off(
        app.db(),
        &queue,
        None,
        LATER + mail_outbox::STALE_MS + 1,
    ))
    .unwrap();
    assert_eq!(
        stale.taken,
        [mail_outbox::message(mail_ids(&app, &other)[0])]
    );
}

#[test]
fn the_unsubscribe_link_opts_the_address_out() {
    let app = mailing_app(true);
    let sig = keys().sign_unsubscribe(1, "ada@example.com");
    let query = format!("to=ada%40example.com&sig={sig}");
    let path = format!("/api/v1/sites/acme/email/unsubscribe?{query}");
    // GET only asks (mail scanners follow links).
    let page = app.get(&path, &[]);
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("<form method=\"post\""), "{html}");
    assert_eq!(app.count("SELECT count(*) FROM email_recipients"), 0);
    // A forged signature changes nothing.
    let forged = app.send(
        "POST",
        &format!("/api/v1/sites/acme/email/unsubscribe?to=bob%40example.com&sig={sig}"),
        &[("content-type", "application/x-www-form-urlencoded")],
        ticketbooth_functions::http::Body::Bytes(b"List-Unsubscribe=One-Click".to_vec()),
    );
    assert_eq!(forged.status, 403);
    assert_eq!(app.count("SELECT count(*) FROM email_recipients"), 0);
    // The one-click POST (RFC 8058) opts out.
    let posted = app.send(
        "POST",
        &path,
        &[("content-type", "application/x-www-form-urlencoded")],
        ticketbooth_functions::http::Body::Bytes(b"List-Unsubscribe=One-Click".to_vec()),
    );
    assert_eq!(
        posted.status,
        200,
        "{}",
        String::from_utf8_lossy(&posted.body)
    );
    assert_eq!(
        app.count("SELECT count(*) FROM email_recipients WHERE address = 'ada@example.com' AND opted_out_at IS NOT NULL"),
        1
    );
    // From then on, nothing is written for the address.
    let id = ticket(&app, 1, Some("ada@example.com"));
    assert!(mails(&app, &id).is_empty());
}

#[test]
fn the_email_settings_page_turns_the_sites_mail_on_and_keeps_each_operators_choices() {
    use crate::csrf_of;
    let app = mailing_app(false);
    app.add_operator(
        "000000000000000000000000000000f6",
        "olga@acme.example",
        "Olga Owner",
        &[(1, "owner")],
    );
    let session = app.sign_in("olga@acme.example");
    let csrf = csrf_of(&app, &session);
    let (status, html) = app.page("/app/settings/email", &session);
    assert_eq!(status, 200);
    assert!(
        html.contains("@mail.example.net"),
        "the full address is shown"
    );
    // A reply address's shape is refused, and nothing is saved.
    let bad = app.form(
        "/app/settings/email",
        Some(&session),
        &[
            ("csrf", &csrf),
            ("section", "site"),
            ("email_enabled", "on"),
            ("support_local", "t-x"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert_eq!(app.count("SELECT email_enabled FROM sites WHERE id = 1"), 0);
    let ok = app.form(
        "/app/settings/email",
        Some(&session),
        &[
            ("csrf", &csrf),
            ("section", "site"),
            ("email_enabled", "on"),
            ("support_local", "Help"),
        ],
    );
    assert_eq!(ok.status, 303);
    assert_eq!(app.count("SELECT email_enabled FROM sites WHERE id = 1"), 1);
    assert_eq!(
        app.rows("SELECT support_local FROM sites WHERE id = 1", vec![])[0]["support_local"],
        "help"
    );
    // The change applies at once: the next ticket is mailed.
    let id = ticket(&app, 1, Some("ada@example.com"));
    assert_eq!(mails(&app, &id).len(), 1);
    // Each operator's own choices.
    let me = app.form(
        "/app/settings/email",
        Some(&session),
        &[("csrf", &csrf), ("section", "me"), ("mail_assigned", "on")],
    );
    assert_eq!(me.status, 303);
    assert_eq!(
        app.count(
            "SELECT mail_assigned FROM operators WHERE id = '000000000000000000000000000000f6'"
        ),
        1
    );
    let (_, html) = app.page("/app/settings/email", &session);
    assert!(html.contains("name=\"mail_assigned\" value=\"on\" checked"));
    assert!(!html.contains("name=\"mail_sla\" value=\"on\" checked"));
}
