//! Operator notifications over SQLite: the outbox row is written by the batch that makes the
//! ticket (or the visitor's reply) — for sites with a webhook only — and `webhooks::deliver`
//! POSTs it signed to a receiver (a double recording what it got), retrying with backoff,
//! recording every attempt, giving up after the last.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use hmac::{Hmac, Mac};
use serde_json::{Value as Json, json};
use sha2::Sha256;
use ticketbooth_functions::http::{Body, FollowUp};
use ticketbooth_functions::integrations::outbound::{
    Outbound, OutboundError, OutboundPolicy, OutboundUrl, Pending, Reply,
};
use ticketbooth_functions::integrations::webhooks::{self, Next};
use ticketbooth_functions::service::site_secrets::Sealer;

use crate::{TestApp, json, ticket_body};

const SECRET: &str = "whsec_test_secret";
pub(crate) const NOW: i64 = 1_795_427_400_000;

pub(crate) type Got = (String, Vec<(&'static str, String)>, String);

/// A receiver: answers the scripted statuses in order, then fails to connect (`refusal`, or
/// "connection refused").
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    pub(crate) answers: Rc<RefCell<VecDeque<u16>>>,
    pub(crate) got: Rc<RefCell<Vec<Got>>>,
    pub(crate) refusal: Option<&'static str>,
}

impl Outbound for Receiver {
    fn post_form<'a>(&'a self, _url: &'a str, _body: String) -> Pending<'a> {
        Box::pin(async { Err(OutboundError::Connection("no forms".into())) })
    }

    fn post_json<'a>(
        &'a self,
        url: &'a OutboundUrl,
        headers: Vec<(&'static str, String)>,
        body: String,
        _deadline_ms: i64,
    ) -> Pending<'a> {
        self.got
            .borrow_mut()
            .push((url.as_str().to_owned(), headers, body));
        let status = self.answers.borrow_mut().pop_front();
        let refusal = self.refusal.unwrap_or("connection refused");
        Box::pin(async move {
            match status {
                Some(status) => Ok(Reply {
                    status,
                    body: Vec::new(),
                }),
                None => Err(OutboundError::Connection(refusal.to_owned())),
            }
        })
    }
}

fn with_webhook(app: &TestApp) {
    with_webhook_at(app, "https://hooks.example/in");
}

/// The site `acme` announces to `url` (as stored, whatever the policy says of it now).
pub(crate) fn with_webhook_at(app: &TestApp, url: &str) {
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET webhook_url = '{url}', webhook_secret = '{SECRET}' WHERE key = 'acme'"
        ))
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
}

pub(crate) fn deliver(app: &TestApp, receiver: &Receiver, id: &str) -> Next {
    deliver_under(app, receiver, OutboundPolicy::Production, id)
}

pub(crate) fn deliver_under(
    app: &TestApp,
    receiver: &Receiver,
    policy: OutboundPolicy,
    id: &str,
) -> Next {
    let sealer = Sealer::new(app.secrets_key(), [9; 32], NOW);
    pollster::block_on(webhooks::deliver(
        app.db(),
        receiver,
        &sealer,
        policy,
        id,
        "https://tickets.example.net",
        30,
        NOW,
    ))
    .unwrap()
    .next
}

#[test]
fn a_new_ticket_is_announced_signed_and_retried_until_delivered() {
    let app = TestApp::spawn();
    with_webhook(&app);
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000d001",
        &ticket_body("Printer on fire"),
        &[],
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.follow_up, Some(FollowUp::Notify { site_id: 1 }));
    let ticket_id = json(&r)["ticket"]["id"].as_str().unwrap().to_owned();
    let id = format!("tc_{ticket_id}");
    assert_eq!(app.count("SELECT count(*) FROM notifications"), 1);
    // Sites without a webhook write no event, and ask for no follow-up.
    let other = app.create("strict", "00000000-0000-4000-8000-00000000d002",
        &json!({ "subject": "Hi", "description": "x", "requester": { "name": "Ada", "email": "ada@example.com" } }), &[]);
    assert_eq!(other.status, 201);
    assert_eq!(other.follow_up, None);
    assert_eq!(app.count("SELECT count(*) FROM notifications"), 1);

    let receiver = Receiver::default();
    receiver.answers.borrow_mut().extend([500, 503, 200]);
    assert_eq!(deliver(&app, &receiver, &id), Next::RetryIn(30));
    assert_eq!(deliver(&app, &receiver, &id), Next::RetryIn(60));
    assert_eq!(deliver(&app, &receiver, &id), Next::Done);
    // Delivered: a redelivery of the same message does nothing.
    assert_eq!(deliver(&app, &receiver, &id), Next::Done);
    let got = receiver.got.borrow();
    assert_eq!(got.len(), 3);
    let row = &app.rows(
        "SELECT attempts, last_status, delivered_at FROM notifications",
        vec![],
    )[0];
    assert_eq!(row["attempts"], 3);
    assert_eq!(row["last_status"], 200);
    assert_eq!(row["delivered_at"], NOW);

    // What the receiver got: Slack's shape, the event, a signature it can check.
    let (url, headers, body) = &got[2];
    assert_eq!(url, "https://hooks.example/in");
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(header("ticketbooth-event-id"), id);
    let signature = header("ticketbooth-signature");
    let (t, v1) = signature.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected);
    let payload: Json = serde_json::from_str(body).unwrap();
    assert_eq!(
        payload["text"],
        "New ticket TKT-1 on Acme: Printer on fire (from a visitor)"
    );
    assert_eq!(payload["blocks"][0]["type"], "section");
    assert_eq!(payload["event"]["type"], "ticket.created");
    assert_eq!(payload["event"]["id"], id);
    assert_eq!(
        payload["event"]["url"],
        "https://tickets.example.net/app/tickets/TKT-1"
    );
}

#[test]
fn a_visitor_reply_is_announced_and_a_dead_receiver_is_given_up_on() {
    let app = TestApp::spawn();
    with_webhook(&app);
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000d003",
        &ticket_body("Refund"),
        &[],
    );
    let body = json(&r);
    let (ticket, token) = (
        body["ticket"]["id"].as_str().unwrap().to_owned(),
        body["visitor_token"].as_str().unwrap().to_owned(),
    );
    let reply = app.send(
        "POST",
        &format!("/api/v1/sites/acme/tickets/{ticket}/comments"),
        &[
            ("authorization", &format!("Bearer {token}")),
            ("content-type", "application/json"),
            ("idempotency-key", "00000000-0000-4000-8000-00000000d004"),
        ],
        Body::Bytes(br#"{"body":"Any news?"}"#.to_vec()),
    );
    assert_eq!(reply.status, 201);
    assert!(reply.follow_up.is_some());
    let id = format!("vr_{ticket}_00000000-0000-4000-8000-00000000d004");
    let data: Json = serde_json::from_str(
        app.rows(
            "SELECT data FROM notifications WHERE id = ?1",
            vec![id.as_str().into()],
        )[0]["data"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(data["reply"], "Any news?");

    let receiver = Receiver::default(); // never answers
    let mut nexts = Vec::new();
    for _ in 0..webhooks::MAX_ATTEMPTS {
        nexts.push(deliver(&app, &receiver, &id));
    }
    assert_eq!(
        nexts.last(),
        Some(&Next::Done),
        "given up after the last attempt: {nexts:?}"
    );
    assert!(
        nexts[..nexts.len() - 1]
            .iter()
            .all(|n| matches!(n, Next::RetryIn(_)))
    );
    let row = &app.rows(
        "SELECT attempts, failed_at, last_error FROM notifications WHERE id = ?1",
        vec![id.as_str().into()],
    )[0];
    assert_eq!(row["attempts"], webhooks::MAX_ATTEMPTS);
    assert_eq!(row["failed_at"], NOW);
    // The class of the failure, not its text (which could describe the receiver's network).
    assert_eq!(row["last_error"], "no connection");
}
