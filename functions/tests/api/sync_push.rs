//! The push pipeline over SQLite: the triggers that mark a link dirty (and the `sync` actor's
//! changes that do not), the hand-off of due links to the Queue, and the push job against a
//! test connector that speaks a small wire format of its own (the real connectors have their
//! own tests against the platforms' documented answers): the create sent once, the differences
//! pushed and recorded, internal notes as private, pulled comments never pushed back, rate
//! limits, outages, refusals, a deleted remote ticket, a disconnected connection.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use serde_json::{Value as Json, json};
use ticketbooth_functions::integrations::outbound::{
    Answer, Method, Outbound, OutboundError, OutboundPolicy, Pending, PendingAnswer, Request,
};
use ticketbooth_functions::integrations::sync::push::{self, Job, Ran};
use ticketbooth_functions::integrations::sync::{
    Account, Change as RemoteChange, Connector, Created, Hook, HookRefused, NewRemote, Pulled,
    RemoteError, RemoteUser, Updated,
};
use ticketbooth_functions::service::notifications::{Enqueue, Sending};
use ticketbooth_functions::service::operators::Operator;
use ticketbooth_functions::service::site_secrets::{Sealer, SecretName};
use ticketbooth_functions::service::sync_links::{self, MAX_ATTEMPTS, STALE_MS};
use ticketbooth_functions::service::ticket_actions::{self, Change, Comment};
use ticketbooth_functions::sql::ticket_events;
use ticketbooth_functions::store::{Executor, Statement};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::{Actor, CommentVisibility, EventKind};
use ticketbooth_shared::role::Role;
use ticketbooth_shared::sync::Platform;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::{Priority, Status};

use crate::TestApp;
use crate::ticket_actions::{OWNER, operator, spawn};

/// Far after the test app's clock: every link is due.
const NOW: i64 = 1_900_000_000_000;
const BASE_S: u32 = 30;

// --- A test platform -------------------------------------------------------------------------

/// A connector of a made-up wire format: `POST /tickets` (answers `{"id"}`), `GET
/// /tickets?external_id=` (answers `{"id"}` or `{"id":null}`), `PUT /tickets/{id}` with
/// `{"status"}`, `{"priority"}` or `{"comment","public"}` (a comment answers `{"comment_id"}`).
/// `LOOKS_UP`: like Gorgias, a create is not idempotent and a lost one is looked up; else like
/// Zendesk, the create carries an idempotency key and is simply sent again.
struct Fake<const LOOKS_UP: bool>;

static ZENDESK_LIKE: Fake<false> = Fake;
static GORGIAS_LIKE: Fake<true> = Fake;

fn zendesk_like(_: Platform) -> &'static dyn Connector {
    &ZENDESK_LIKE
}

fn gorgias_like(_: Platform) -> &'static dyn Connector {
    &GORGIAS_LIKE
}

fn body(answer: &Answer, now_ms: i64) -> Result<Json, RemoteError> {
    if let Some(e) = RemoteError::of(answer, now_ms) {
        return Err(e);
    }
    serde_json::from_slice(&answer.body).map_err(|e| RemoteError::Unreadable(e.to_string()))
}

impl<const LOOKS_UP: bool> Connector for Fake<LOOKS_UP> {
    fn platform(&self) -> Platform {
        if LOOKS_UP {
            Platform::Gorgias
        } else {
            Platform::Zendesk
        }
    }

    fn whoami(&self, account: &Account) -> Request {
        Request {
            method: Method::Get,
            url: account.base.join("me"),
            headers: vec![],
            json: None,
        }
    }

    fn read_whoami(&self, _: &Answer, _: i64) -> Result<RemoteUser, RemoteError> {
        Err(RemoteError::Unreadable("not in these tests".into()))
    }

    fn create(&self, account: &Account, ticket: &NewRemote<'_>) -> Request {
        let headers = if LOOKS_UP {
            vec![]
        } else {
            vec![("idempotency-key", ticket.ticket_id.to_owned())]
        };
        Request {
            method: Method::Post,
            url: account.base.join("tickets"),
            headers,
            json: Some(
                json!({"external_id": ticket.ticket_id, "subject": ticket.subject,
                       "description": ticket.description, "code": ticket.code,
                       "status": ticketbooth_shared::sync::remote_status(self.platform(), ticket.status),
                       "priority": ticket.priority.as_str(), "labels": ticket.labels,
                       "email": ticket.requester_email, "url": ticket.ticket_url})
                .to_string(),
            ),
        }
    }

    fn read_created(&self, answer: &Answer, now_ms: i64) -> Result<Created, RemoteError> {
        let json = body(answer, now_ms)?;
        Ok(Created {
            remote_id: json["id"].as_str().unwrap().to_owned(),
        })
    }

    fn find(&self, account: &Account, ticket_id: &str) -> Option<Request> {
        LOOKS_UP.then(|| Request {
            method: Method::Get,
            url: account
                .base
                .join("tickets")
                .with_query(&[("external_id", ticket_id)]),
            headers: vec![],
            json: None,
        })
    }

    fn read_found(&self, answer: &Answer, now_ms: i64) -> Result<Option<Created>, RemoteError> {
        let json = body(answer, now_ms)?;
        Ok(json["id"].as_str().map(|id| Created {
            remote_id: id.to_owned(),
        }))
    }

    fn update(&self, account: &Account, remote_id: &str, change: &RemoteChange<'_>) -> Request {
        let json = match change {
            RemoteChange::Status(local) => {
                json!({"status": ticketbooth_shared::sync::remote_status(self.platform(), *local)})
            }
            RemoteChange::Priority(p) => json!({"priority": p.as_str()}),
            RemoteChange::Comment {
                body,
                public,
                author_name,
            } => json!({"comment": body, "public": public, "author": author_name}),
        };
        Request {
            method: Method::Put,
            url: account.base.join(&format!("tickets/{remote_id}")),
            headers: vec![],
            json: Some(json.to_string()),
        }
    }

    fn read_updated(&self, answer: &Answer, now_ms: i64) -> Result<Updated, RemoteError> {
        let json = body(answer, now_ms)?;
        Ok(match json["comment_id"].as_str() {
            Some(id) => Updated::Comment {
                remote_comment_id: Some(id.to_owned()),
            },
            None => Updated::Done,
        })
    }

    fn ticket_url(&self, account: &Account, remote_id: &str) -> String {
        format!("{}/agent/tickets/{remote_id}", account.base)
    }

    fn verify(&self, _: &Hook<'_>, _: &str, _: i64) -> Result<(), HookRefused> {
        Err(HookRefused::BadSignature)
    }

    fn read_hook(&self, _: &Hook<'_>) -> Result<Vec<Pulled>, HookRefused> {
        Ok(vec![])
    }
}

/// An answer, or no answer at all (`Err`: a connection error).
type Script = Result<(u16, Option<&'static str>, Json), String>;

/// A request the platform got: method, path and query, headers, JSON.
type Got = (String, String, Vec<(String, String)>, Json);

/// The platform's side: scripted answers, and the requests it got (method, path and query,
/// headers, JSON).
#[derive(Clone, Default)]
struct Remote {
    script: Rc<RefCell<VecDeque<Script>>>,
    got: Rc<RefCell<Vec<Got>>>,
}

impl Remote {
    fn answers(&self, answers: impl IntoIterator<Item = Script>) -> &Self {
        self.script.borrow_mut().extend(answers);
        self
    }

    /// `METHOD /path?query` of each request so far.
    fn lines(&self) -> Vec<String> {
        self.got
            .borrow()
            .iter()
            .map(|(m, p, _, _)| format!("{m} {p}"))
            .collect()
    }

    fn json(&self, n: usize) -> Json {
        self.got.borrow()[n].3.clone()
    }
}

impl Outbound for Remote {
    fn post_form<'a>(&'a self, _: &'a str, _: String) -> Pending<'a> {
        Box::pin(async { Err(OutboundError::Connection("not a form service".into())) })
    }

    fn send<'a>(&'a self, request: &'a Request, _deadline_ms: i64) -> PendingAnswer<'a> {
        // `https://host/path?query` → `/path?query`.
        let url = request.url.as_str();
        let after_scheme = &url[url.find("://").unwrap() + 3..];
        let path = after_scheme[after_scheme.find('/').unwrap()..].to_owned();
        let json = request
            .json
            .as_deref()
            .map(|j| serde_json::from_str(j).unwrap())
            .unwrap_or(Json::Null);
        let headers = request
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        self.got
            .borrow_mut()
            .push((request.method.as_str().to_owned(), path, headers, json));
        let next = self
            .script
            .borrow_mut()
            .pop_front()
            .expect("a scripted answer");
        Box::pin(async move {
            let (status, retry_after, body) = next.map_err(OutboundError::Connection)?;
            Ok(Answer {
                status,
                retry_after: retry_after.map(str::to_owned),
                body: body.to_string().into_bytes(),
            })
        })
    }
}

fn ok(body: Json) -> Script {
    Ok((200, None, body))
}

fn created(id: &str) -> Script {
    Ok((201, None, json!({ "id": id })))
}

fn comment_id(id: &str) -> Script {
    ok(json!({ "comment_id": id }))
}

fn status(code: u16) -> Script {
    Ok((code, None, json!({"error": "nope"})))
}

// --- Fixtures --------------------------------------------------------------------------------

/// `acme` (site 1) connected to a platform that pushes every new ticket, with `n` tickets
/// created after (each born with a pending link).
fn connected(n: usize, platform: &str) -> TestApp {
    let app = spawn(0);
    connect(&app, platform, "all");
    for i in 0..n {
        let r = app.create(
            "acme",
            &format!("00000000-0000-4000-8000-{:012}", 900 + i),
            &json!({"subject": "Printer on fire", "description": "It smokes.",
                    "requester": {"email": "ria@customer.example", "name": "Ria"}}),
            &[],
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }
    app
}

/// A live connection of site 1 with its sealed credential.
pub fn connect(app: &TestApp, platform: &str, rule: &str) {
    let base = if platform == "zendesk" {
        "https://acme.zendesk.com"
    } else {
        "https://acme.gorgias.com"
    };
    let kind = if platform == "zendesk" {
        "api_token"
    } else {
        "basic"
    };
    let sealer = Sealer::new(app.secrets_key(), [5; 32], 0);
    pollster::block_on(app.db().batch(vec![
        Statement::new(
            "INSERT INTO sync_connections (site_id, platform, base_url, auth_kind, auth_user,
                 push_rule, remote_user_id, created_at, updated_at)
             VALUES (1, ?1, ?2, ?3, 'bot@acme.example', ?4, '900', 0, 0)",
            vec![platform.into(), base.into(), kind.into(), rule.into()],
        ),
        sealer
            .upsert(1, SecretName::SyncCredential, "token-123")
            .unwrap(),
    ]))
    .unwrap();
}

fn ticket_id(app: &TestApp, n: u32) -> String {
    app.rows(
        "SELECT id FROM tickets WHERE site_id = 1 AND code = ?1",
        vec![format!("TKT-{n}").into()],
    )[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn link(app: &TestApp, n: u32) -> Json {
    let id = ticket_id(app, n);
    Json::Object(
        app.rows(
            "SELECT * FROM sync_links WHERE ticket_id = ?1",
            vec![id.into()],
        )
        .remove(0),
    )
}

fn run_with(
    app: &TestApp,
    remote: &Remote,
    n: u32,
    now: i64,
    connectors: fn(Platform) -> &'static dyn Connector,
) -> Ran {
    let sealer = Sealer::new(app.secrets_key(), [6; 32], now);
    let job = Job {
        outbound: remote,
        sealer: &sealer,
        policy: OutboundPolicy::Production,
        origin: "https://tickets.example.net",
        now_ms: now,
        retry_base_s: BASE_S,
        connectors,
    };
    pollster::block_on(push::run(app.db(), &job, &ticket_id(app, n))).unwrap()
}

fn run(app: &TestApp, remote: &Remote, n: u32, now: i64) -> Ran {
    run_with(app, remote, n, now, zendesk_like)
}

fn act(app: &TestApp, n: u32, change: Change, at: i64) {
    let op: Operator = operator(OWNER, Role::Owner);
    pollster::block_on(ticket_actions::apply(
        app.db(),
        &op,
        &TicketCode::parse(&format!("TKT-{n}")).unwrap(),
        None,
        change,
        Timestamp::from_millis(at),
    ))
    .unwrap();
}

fn comment(visibility: CommentVisibility, text: &str) -> Change {
    Change::Comment(Comment {
        visibility,
        body: CommentBody::parse(text).unwrap(),
    })
}

/// The `synced` events of ticket `n`: (direction, changes).
fn synced_events(app: &TestApp, n: u32) -> Vec<Json> {
    app.rows(
        "SELECT data FROM ticket_events WHERE ticket_id = ?1 AND kind = 'synced' ORDER BY id",
        vec![ticket_id(app, n).into()],
    )
    .into_iter()
    .map(|r| serde_json::from_str(r["data"].as_str().unwrap()).unwrap())
    .collect()
}

/// Creates TKT-1's remote twin `R1` through `remote` (a clean start for the diff tests).
fn pushed_once(app: &TestApp, remote: &Remote) {
    remote.answers([created("R1")]);
    assert_eq!(
        run(app, remote, 1, NOW),
        Ran::Pushed {
            changes: vec!["created".into()]
        }
    );
    remote.got.borrow_mut().clear();
}

#[derive(Default)]
struct Queue {
    sent: RefCell<Vec<String>>,
    refuse: bool,
}

impl Enqueue for Queue {
    fn send<'a>(&'a self, id: &'a str) -> Sending<'a> {
        if !self.refuse {
            self.sent.borrow_mut().push(id.to_owned());
        }
        let refuse = self.refuse;
        Box::pin(async move {
            if refuse {
                Err("queue unavailable".to_owned())
            } else {
                Ok(())
            }
        })
    }
}

fn hand_off(app: &TestApp, queue: &Queue, now: i64) -> Vec<String> {
    pollster::block_on(sync_links::hand_off(app.db(), queue, Some(1), now))
        .unwrap()
        .taken
}

// --- The triggers and the hand-off -----------------------------------------------------------

#[test]
fn an_operators_change_makes_the_link_dirty_and_a_pulled_one_does_not() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    pushed_once(&app, &remote);
    let before = link(&app, 1);
    assert_eq!(before["state"], "synced");
    assert_eq!(before["dirty_seq"], before["pushed_seq"]);

    // A change the webhook applied (the `sync` actor): nothing to push back.
    let id = ticket_id(&app, 1);
    let event = EventKind::PriorityChanged {
        from: Priority::Normal,
        to: Priority::High,
    };
    let actor = Actor::Sync {
        platform: "zendesk".into(),
    };
    pollster::block_on(app.db().batch(vec![
        ticket_events::insert(1, &id, &event, &actor, NOW + 1).unwrap(),
    ]))
    .unwrap();
    let after_pull = link(&app, 1);
    assert_eq!(after_pull["dirty_seq"], before["dirty_seq"]);
    assert_eq!(after_pull["state"], "synced");

    // An operator's: dirty, pending, due now.
    act(&app, 1, Change::Priority(Priority::Urgent), NOW + 2);
    let after = link(&app, 1);
    assert_eq!(
        after["dirty_seq"].as_i64().unwrap(),
        before["dirty_seq"].as_i64().unwrap() + 1
    );
    assert_eq!(after["state"], "pending");
    assert_eq!(after["next_attempt_at"], NOW + 2);
}

#[test]
fn due_links_are_handed_to_the_queue_once_and_again_only_when_lost() {
    let app = connected(2, "zendesk");
    let refusing = Queue {
        refuse: true,
        ..Queue::default()
    };
    let handed = pollster::block_on(sync_links::hand_off(app.db(), &refusing, None, NOW)).unwrap();
    assert_eq!(handed.refused.len(), 2);
    assert_eq!(link(&app, 1)["queued_at"], Json::Null);

    let queue = Queue::default();
    let taken = hand_off(&app, &queue, NOW);
    let expected = vec![
        format!("sync:{}", ticket_id(&app, 1)),
        format!("sync:{}", ticket_id(&app, 2)),
    ];
    let mut sorted = taken.clone();
    sorted.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted, want);
    assert_eq!(*queue.sent.borrow(), taken);
    assert_eq!(
        sync_links::parse_message(&expected[0]),
        Some(ticket_id(&app, 1).as_str())
    );
    assert_eq!(link(&app, 1)["queued_at"], NOW);
    // Taken: the next sweep hands nothing…
    assert!(hand_off(&app, &queue, NOW + 1_000).is_empty());
    // …until it stayed in the Queue too long (its message lost).
    assert_eq!(hand_off(&app, &queue, NOW + STALE_MS + 1).len(), 2);
    // Other sites' links are not this sweep's.
    assert!(
        pollster::block_on(sync_links::hand_off(
            app.db(),
            &queue,
            Some(2),
            NOW + STALE_MS * 3
        ))
        .unwrap()
        .taken
        .is_empty()
    );
}

// --- The create ------------------------------------------------------------------------------

#[test]
fn the_create_carries_the_ticket_and_is_recorded_with_its_event() {
    let app = connected(1, "zendesk");
    act(
        &app,
        1,
        Change::AddLabel(ticketbooth_shared::label::Label::parse("billing").unwrap()),
        NOW - 10,
    );
    let remote = Remote::default();
    remote.answers([created("R1")]);
    let ran = run(&app, &remote, 1, NOW);
    assert_eq!(
        ran,
        Ran::Pushed {
            changes: vec!["created".into()]
        }
    );
    assert_eq!(remote.lines(), ["POST /tickets"]);
    let sent = remote.json(0);
    assert_eq!(sent["external_id"], ticket_id(&app, 1));
    assert_eq!(sent["subject"], "Printer on fire");
    assert_eq!(sent["status"], "open");
    assert_eq!(sent["labels"], json!(["billing"]));
    assert_eq!(sent["email"], "ria@customer.example");
    assert_eq!(sent["url"], "https://tickets.example.net/app/tickets/TKT-1");
    assert_eq!(
        remote.got.borrow()[0].2,
        vec![("idempotency-key".to_owned(), ticket_id(&app, 1))]
    );

    let l = link(&app, 1);
    assert_eq!(l["state"], "synced");
    assert_eq!(l["remote_id"], "R1");
    assert_eq!(l["pushed_seq"], l["dirty_seq"]);
    assert_eq!(l["pushed_status"], "open");
    assert_eq!(l["pushed_priority"], "normal");
    assert_eq!(l["create_sent_at"], Json::Null);
    assert_eq!(l["queued_at"], Json::Null);
    assert_eq!(l["last_pushed_at"], NOW);
    let t = &app.rows(
        "SELECT sync_platform, sync_remote_id, synced_at FROM tickets WHERE id = ?1",
        vec![ticket_id(&app, 1).into()],
    )[0];
    assert_eq!(t["sync_platform"], "zendesk");
    assert_eq!(t["sync_remote_id"], "R1");
    assert_eq!(t["synced_at"], NOW);
    assert_eq!(
        synced_events(&app, 1),
        [json!({"platform":"zendesk","remote_id":"R1","direction":"push","changes":["created"]})]
    );
    // Nothing owed any more: a second message does nothing.
    assert_eq!(
        run(&app, &remote, 1, NOW + 1),
        Ran::Skipped("nothing to push")
    );
    assert_eq!(remote.lines().len(), 1);
}

#[test]
fn a_create_whose_answer_was_lost_is_looked_up_not_sent_twice() {
    let app = connected(1, "gorgias");
    let remote = Remote::default();
    remote.answers([Err("connection reset".into())]);
    let ran = run_with(&app, &remote, 1, NOW, gorgias_like);
    assert!(
        matches!(
            ran,
            Ran::RetryIn {
                seconds: BASE_S,
                ..
            }
        ),
        "{ran:?}"
    );
    let l = link(&app, 1);
    assert_eq!(l["create_sent_at"], NOW);
    assert_eq!(l["remote_id"], Json::Null);
    assert_eq!(l["attempts"], 1);

    // The platform had created it: found by our id, and no second create.
    let later = NOW + i64::from(BASE_S) * 1000;
    remote.answers([ok(json!({"id": "G7"})), ok(json!({})), ok(json!({}))]);
    let ran = run_with(&app, &remote, 1, later, gorgias_like);
    assert!(matches!(ran, Ran::Pushed { .. }), "{ran:?}");
    let id = ticket_id(&app, 1);
    assert_eq!(
        remote.lines(),
        [
            "POST /tickets".to_owned(),
            format!("GET /tickets?external_id={id}"),
            "PUT /tickets/G7".to_owned(),
            "PUT /tickets/G7".to_owned(),
        ]
    );
    let l = link(&app, 1);
    assert_eq!(l["remote_id"], "G7");
    assert_eq!(l["state"], "synced");
    assert_eq!(l["create_sent_at"], Json::Null);
    assert_eq!(l["attempts"], 0);
}

#[test]
fn a_lost_create_on_an_idempotent_platform_is_sent_again_with_the_same_key() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    remote.answers([Err("timed out".into()), created("R1")]);
    assert!(matches!(run(&app, &remote, 1, NOW), Ran::RetryIn { .. }));
    let later = NOW + i64::from(BASE_S) * 1000;
    assert!(matches!(run(&app, &remote, 1, later), Ran::Pushed { .. }));
    assert_eq!(remote.lines(), ["POST /tickets", "POST /tickets"]);
    let got = remote.got.borrow();
    assert_eq!(got[0].2, got[1].2, "the same idempotency key both times");
    drop(got);
    assert_eq!(link(&app, 1)["remote_id"], "R1");
}

// --- The differences -------------------------------------------------------------------------

#[test]
fn status_priority_and_comments_are_pushed_once_and_recorded() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    pushed_once(&app, &remote);
    act(
        &app,
        1,
        Change::Status {
            to: Status::Pending,
            comment: None,
        },
        NOW + 1,
    );
    act(
        &app,
        1,
        Change::Waiting(ticketbooth_shared::waiting::WaitingOn::Customer),
        NOW + 2,
    );
    act(&app, 1, Change::Priority(Priority::High), NOW + 3);
    act(
        &app,
        1,
        comment(CommentVisibility::Public, "We are on it."),
        NOW + 4,
    );
    act(
        &app,
        1,
        comment(CommentVisibility::Internal, "Call the vendor."),
        NOW + 5,
    );

    remote.answers([
        ok(json!({})),
        ok(json!({})),
        comment_id("C1"),
        comment_id("C2"),
    ]);
    let ran = run(&app, &remote, 1, NOW + 10);
    assert_eq!(
        ran,
        Ran::Pushed {
            changes: vec![
                "status".into(),
                "priority".into(),
                "comment".into(),
                "note".into()
            ]
        }
    );
    assert_eq!(remote.lines(), ["PUT /tickets/R1"; 4]);
    assert_eq!(remote.json(0), json!({"status": "pending"}));
    assert_eq!(remote.json(1), json!({"priority": "high"}));
    assert_eq!(remote.json(2)["comment"], "We are on it.");
    assert_eq!(remote.json(2)["public"], true);
    assert_eq!(remote.json(3)["comment"], "Call the vendor.");
    assert_eq!(
        remote.json(3)["public"],
        false,
        "an internal comment is a private note"
    );

    let l = link(&app, 1);
    assert_eq!(l["state"], "synced");
    assert_eq!(l["pushed_status"], "pending");
    assert_eq!(l["pushed_waiting"], "customer");
    assert_eq!(l["pushed_priority"], "high");
    assert_eq!(l["pushed_seq"], l["dirty_seq"]);
    let known = app.rows(
        "SELECT remote_comment_id, direction FROM sync_comments ORDER BY comment_id",
        vec![],
    );
    assert_eq!(known.len(), 2);
    assert_eq!(known[0]["remote_comment_id"], "C1");
    assert_eq!(known[1]["direction"], "push");
    assert_eq!(
        synced_events(&app, 1).last().unwrap()["changes"],
        json!(["status", "priority", "comment", "note"])
    );

    // A move the platform does not tell apart (pending on the team is Zendesk's open, as is
    // open): recorded as agreed, nothing sent for it.
    act(
        &app,
        1,
        Change::Waiting(ticketbooth_shared::waiting::WaitingOn::Team),
        NOW + 20,
    );
    remote.answers([ok(json!({}))]);
    run(&app, &remote, 1, NOW + 21);
    act(
        &app,
        1,
        Change::Status {
            to: Status::Open,
            comment: None,
        },
        NOW + 22,
    );
    remote.got.borrow_mut().clear();
    assert_eq!(
        run(&app, &remote, 1, NOW + 23),
        Ran::Pushed { changes: vec![] }
    );
    assert!(remote.lines().is_empty());
    assert_eq!(link(&app, 1)["pushed_status"], "open");
    assert_eq!(link(&app, 1)["state"], "synced");
}

#[test]
fn a_pulled_comment_is_never_pushed_back() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    pushed_once(&app, &remote);
    let id = ticket_id(&app, 1);
    // What the webhook route writes: the comment, and the remote comment it came from.
    app.db()
        .execute_script(&format!(
            "INSERT INTO ticket_comments (id, site_id, ticket_id, visibility, author_kind,
                 author_name, body, created_at)
             VALUES (500, 1, '{id}', 'public', 'system', 'Zoe (Zendesk)', 'From there', {NOW});
             INSERT INTO sync_comments (connection_id, remote_comment_id, ticket_id, comment_id,
                 direction, created_at)
             SELECT id, 'Z9', '{id}', 500, 'pull', {NOW} FROM sync_connections;"
        ))
        .unwrap();
    act(
        &app,
        1,
        comment(CommentVisibility::Public, "Ours."),
        NOW + 1,
    );
    remote.answers([comment_id("C1")]);
    run(&app, &remote, 1, NOW + 2);
    assert_eq!(remote.lines(), ["PUT /tickets/R1"]);
    assert_eq!(remote.json(0)["comment"], "Ours.");
}

// --- Failures --------------------------------------------------------------------------------

#[test]
fn a_rate_limit_waits_its_retry_after_without_counting() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    remote.answers([Ok((429, Some("7"), json!({})))]);
    let ran = run(&app, &remote, 1, NOW);
    assert!(matches!(ran, Ran::RetryIn { seconds: 7, .. }), "{ran:?}");
    let l = link(&app, 1);
    assert_eq!(l["attempts"], 0);
    assert_eq!(l["state"], "pending");
    assert_eq!(l["next_attempt_at"], NOW + 7_000);
    // Not before its time, by the Queue or by the sweep.
    assert!(matches!(
        run(&app, &remote, 1, NOW + 1_000),
        Ran::RetryIn { seconds: 6, .. }
    ));
    assert_eq!(remote.lines().len(), 1);
    assert!(hand_off(&app, &Queue::default(), NOW + 1_000).is_empty());
    // A change meanwhile does not cut the wait short.
    act(&app, 1, Change::Priority(Priority::High), NOW + 2_000);
    assert_eq!(link(&app, 1)["next_attempt_at"], NOW + 7_000);
    remote.answers([created("R1"), ok(json!({}))]);
    assert!(matches!(
        run(&app, &remote, 1, NOW + 7_000),
        Ran::Pushed { .. }
    ));
    assert_eq!(link(&app, 1)["state"], "synced");
}

#[test]
fn an_outage_backs_off_doubling_then_fails_with_the_reason_and_a_change_re_arms() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    let mut now = NOW;
    for attempt in 1..MAX_ATTEMPTS {
        remote.answers([status(503)]);
        let ran = run(&app, &remote, 1, now);
        let want = BASE_S << (attempt - 1);
        assert!(
            matches!(&ran, Ran::RetryIn { seconds, .. } if *seconds == want),
            "attempt {attempt}: {ran:?}"
        );
        assert_eq!(link(&app, 1)["attempts"], attempt);
        assert_eq!(link(&app, 1)["state"], "pending");
        now += i64::from(want) * 1000;
    }
    remote.answers([status(503)]);
    let ran = run(&app, &remote, 1, now);
    let Ran::Failed { error } = ran else {
        panic!("given up: {ran:?}")
    };
    assert!(error.contains("Zendesk is unavailable (503"), "{error}");
    assert!(error.contains("after 6 attempts"), "{error}");
    let l = link(&app, 1);
    assert_eq!(l["state"], "failed");
    assert_eq!(l["error"], error);
    assert_eq!(l["next_attempt_at"], Json::Null);
    assert_eq!(l["attempts"], 0);
    // Given up: the sweep leaves it…
    assert!(hand_off(&app, &Queue::default(), now + 3_600_000).is_empty());
    // …until a new change re-arms it.
    act(
        &app,
        1,
        comment(CommentVisibility::Public, "Any news?"),
        now + 10,
    );
    assert_eq!(link(&app, 1)["state"], "pending");
    assert_eq!(hand_off(&app, &Queue::default(), now + 11).len(), 1);
}

#[test]
fn refused_credentials_fail_at_once() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    remote.answers([status(401)]);
    assert_eq!(
        run(&app, &remote, 1, NOW),
        Ran::Failed {
            error: "Zendesk refused the credentials (401)".into()
        }
    );
    let l = link(&app, 1);
    assert_eq!(l["state"], "failed");
    assert_eq!(l["error"], "Zendesk refused the credentials (401)");
    assert_eq!(l["attempts"], 0);

    // A refused request says why.
    act(&app, 1, Change::Priority(Priority::Low), NOW + 1);
    remote.answers([Ok((422, None, json!({"error": "RecordInvalid"})))]);
    let Ran::Failed { error } = run(&app, &remote, 1, NOW + 2) else {
        panic!("failed")
    };
    assert!(
        error.starts_with("Zendesk refused the request (422): "),
        "{error}"
    );
    assert!(error.contains("RecordInvalid"), "{error}");
}

#[test]
fn partial_progress_is_recorded_and_never_redone() {
    let app = connected(1, "zendesk");
    act(
        &app,
        1,
        comment(CommentVisibility::Public, "First."),
        NOW - 2,
    );
    act(
        &app,
        1,
        comment(CommentVisibility::Public, "Second."),
        NOW - 1,
    );
    let remote = Remote::default();
    remote.answers([created("R1"), comment_id("C1"), status(503)]);
    assert!(matches!(run(&app, &remote, 1, NOW), Ran::RetryIn { .. }));
    let l = link(&app, 1);
    assert_eq!(l["remote_id"], "R1");
    assert_eq!(l["state"], "pending");
    assert_ne!(l["pushed_seq"], l["dirty_seq"]);
    assert_eq!(
        synced_events(&app, 1)[0]["changes"],
        json!(["created", "comment"])
    );
    remote.got.borrow_mut().clear();
    remote.answers([comment_id("C2")]);
    let later = NOW + i64::from(BASE_S) * 1000;
    assert!(matches!(run(&app, &remote, 1, later), Ran::Pushed { .. }));
    assert_eq!(remote.lines(), ["PUT /tickets/R1"]);
    assert_eq!(remote.json(0)["comment"], "Second.");
}

#[test]
fn a_remote_ticket_deleted_there_marks_the_link_deleted() {
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    pushed_once(&app, &remote);
    act(&app, 1, Change::Priority(Priority::High), NOW + 1);
    remote.answers([status(404)]);
    assert_eq!(run(&app, &remote, 1, NOW + 2), Ran::Deleted);
    let l = link(&app, 1);
    assert_eq!(l["state"], "deleted");
    assert_eq!(
        synced_events(&app, 1).last().unwrap()["changes"],
        json!(["deleted"])
    );
    // Ours stays, and its changes no longer go anywhere.
    act(&app, 1, Change::Priority(Priority::Low), NOW + 3);
    assert_eq!(link(&app, 1)["state"], "deleted");
    assert_eq!(run(&app, &remote, 1, NOW + 4), Ran::Skipped("not live"));
}

#[test]
fn a_link_whose_connection_was_disconnected_is_stopped() {
    let app = connected(1, "zendesk");
    app.db()
        .execute_script("UPDATE sync_connections SET disconnected_at = 1")
        .unwrap();
    let remote = Remote::default();
    assert_eq!(run(&app, &remote, 1, NOW), Ran::Stopped);
    assert!(remote.lines().is_empty());
    assert_eq!(link(&app, 1)["state"], "stopped");
}

#[test]
fn a_base_url_the_policy_refuses_fails_without_a_request() {
    let app = connected(1, "zendesk");
    app.db()
        .execute_script("UPDATE sync_connections SET base_url = 'http://127.0.0.1:9'")
        .unwrap();
    let remote = Remote::default();
    let ran = run(&app, &remote, 1, NOW);
    assert!(matches!(ran, Ran::Failed { .. }), "{ran:?}");
    assert!(remote.lines().is_empty());
    assert_eq!(link(&app, 1)["state"], "failed");
}

#[test]
fn a_ticket_without_a_link_or_with_another_sites_is_not_pushed() {
    let app = spawn(1);
    let remote = Remote::default();
    assert_eq!(run(&app, &remote, 1, NOW), Ran::Skipped("no link"));
}

// --- The ticket page -------------------------------------------------------------------------

/// The External Sync section of TKT-1's page, as the owner sees it, and what reading the page
/// cost (a second read: the session is known).
fn sync_section(app: &TestApp) -> (String, u64) {
    use crate::ticket_page::{OWNER_TOKEN, session};
    let cookie = crate::session_cookie(&session(OWNER_TOKEN));
    let _ = app.get("/app/tickets/TKT-1", &[("cookie", &cookie)]);
    let before = app.db().round_trips();
    let r = app.get("/app/tickets/TKT-1", &[("cookie", &cookie)]);
    let trips = app.db().round_trips() - before;
    assert_eq!(r.status, 200);
    let html = String::from_utf8(r.body).unwrap();
    let start = html.find("<section class=\"sync\"").expect("the section");
    let end = start + html[start..].find("</section>").unwrap();
    (html[start..end].to_owned(), trips)
}

fn set_link(app: &TestApp, state: &str, error: Option<&str>) {
    let id = ticket_id(app, 1);
    app.db()
        .execute_script(&format!(
            "INSERT INTO sync_links (ticket_id, site_id, connection_id, state, error, created_at,
                 updated_at)
             SELECT '{id}', 1, id, '{state}', {}, 0, 0 FROM sync_connections WHERE true
             ON CONFLICT (ticket_id) DO UPDATE SET state = excluded.state,
                 error = excluded.error",
            error.map_or("NULL".to_owned(), |e| format!("'{e}'"))
        ))
        .unwrap();
}

#[test]
fn the_ticket_page_shows_each_state_in_one_round_trip() {
    let app = crate::ticket_page::spawn_with_tokens(1);
    let (html, trips) = sync_section(&app);
    assert_eq!(trips, 1);
    assert!(
        html.contains("<h2 id=\"sync-title\">External sync</h2>"),
        "{html}"
    );
    assert!(html.contains("Not connected to external system."), "{html}");
    assert!(
        !html.contains("sync-push"),
        "no connection, no push: {html}"
    );

    // Connected, not linked: the push button.
    connect(&app, "zendesk", "manual");
    let (html, trips) = sync_section(&app);
    assert_eq!(trips, 1);
    assert!(html.contains("Not connected to external system."), "{html}");
    assert!(
        html.contains("action=\"/app/tickets/TKT-1/push\""),
        "{html}"
    );
    assert!(
        html.contains("<button id=\"sync-push\">Push to Zendesk</button>"),
        "{html}"
    );

    for (state, error, shown, push) in [
        ("pending", None, "Pending</span>", None),
        (
            "failed",
            Some("Zendesk refused the credentials (401)"),
            "Failed: Zendesk refused the credentials (401)</span>",
            Some("Retry now"),
        ),
        ("synced", None, "Synced</span>", None),
        ("deleted", None, "Deleted remotely</span>", None),
        ("stopped", None, "Stopped (disconnected)</span>", None),
    ] {
        set_link(&app, state, error);
        let (html, trips) = sync_section(&app);
        assert_eq!(trips, 1, "{state}: the page stays one round trip");
        assert!(html.contains("Zendesk"), "{state}: {html}");
        assert!(
            html.contains(&format!(
                "<span id=\"sync-state\" class=\"badge sync-state sync-{state}\">"
            )),
            "{state}: {html}"
        );
        assert!(html.contains(shown), "{state}: {html}");
        match push {
            Some(label) => assert!(
                html.contains(&format!("<button id=\"sync-push\">{label}</button>")),
                "{state}: {html}"
            ),
            None => assert!(!html.contains("sync-push"), "{state}: {html}"),
        }
        assert!(!html.contains("Not connected"), "{state}: {html}");
    }
}

#[test]
fn a_reference_typed_by_hand_is_shown_as_typed() {
    let app = crate::ticket_page::spawn_with_tokens(1);
    app.db()
        .execute_script(
            "UPDATE tickets SET sync_platform = 'jira', sync_remote_id = 'OPS-<7>',
                 synced_at = 1795427600000 WHERE code = 'TKT-1'",
        )
        .unwrap();
    let (html, _) = sync_section(&app);
    assert!(html.contains("jira · <bdi>OPS-&lt;7&gt;</bdi>"), "{html}");
    assert!(html.contains("last synced"), "{html}");
    assert!(!html.contains("Not connected"), "{html}");
}

// --- The `sync=` filter ----------------------------------------------------------------------

/// Six tickets: TKT-1 synced, TKT-2 pending, TKT-3 failed, TKT-4 a reference typed by hand,
/// TKT-5 nothing, TKT-6 a link whose remote ticket was deleted (its `sync_*` columns set by
/// the pushes before).
fn six_states() -> TestApp {
    let app = crate::ticket_page::spawn_with_tokens(6);
    connect(&app, "zendesk", "manual");
    for (n, state) in [(1, "synced"), (2, "pending"), (3, "failed"), (6, "deleted")] {
        let id = ticket_id(&app, n);
        app.db()
            .execute_script(&format!(
                "INSERT INTO sync_links (ticket_id, site_id, connection_id, state, created_at,
                     updated_at)
                 SELECT '{id}', 1, id, '{state}', 0, 0 FROM sync_connections;"
            ))
            .unwrap();
    }
    app.db()
        .execute_script(
            "UPDATE tickets SET sync_platform = 'jira', sync_remote_id = 'J-4'
             WHERE code = 'TKT-4';
             UPDATE tickets SET sync_platform = 'zendesk', sync_remote_id = '66'
             WHERE code = 'TKT-6';",
        )
        .unwrap();
    app
}

const FILTERED: [(&str, &[&str]); 4] = [
    ("synced", &["TKT-1", "TKT-4"]),
    ("pending", &["TKT-2"]),
    ("failed", &["TKT-3"]),
    ("none", &["TKT-5", "TKT-6"]),
];

#[test]
fn the_api_filters_by_sync_state() {
    use crate::ticket_page::OWNER_TOKEN;
    let app = six_states();
    let auth = format!("Bearer {OWNER_TOKEN}");
    for (filter, want) in FILTERED {
        let path = format!("/api/v1/tickets?sync={filter}");
        let _ = app.get(&path, &[("authorization", &auth)]);
        let before = app.db().round_trips();
        let r = app.get(&path, &[("authorization", &auth)]);
        assert_eq!(
            app.db().round_trips() - before,
            1,
            "{filter}: one round trip"
        );
        assert_eq!(r.status, 200, "{filter}");
        let mut codes: Vec<String> = crate::json(&r)["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["code"].as_str().unwrap().to_owned())
            .collect();
        codes.sort();
        assert_eq!(codes, want, "sync={filter}");
    }
    let r = app.get("/api/v1/tickets?sync=deleted", &[("authorization", &auth)]);
    assert_eq!(r.status, 422);
    assert!(
        String::from_utf8_lossy(&r.body).contains("\"sync\""),
        "the field is named"
    );
}

#[test]
fn the_list_and_the_board_filter_by_sync_state_in_one_round_trip() {
    use crate::ticket_page::{OWNER_TOKEN, session};
    let app = six_states();
    let cookie = crate::session_cookie(&session(OWNER_TOKEN));
    for (filter, want) in FILTERED {
        for path in [
            format!("/app/tickets?sync={filter}"),
            format!("/app/tickets?view=board&sync={filter}"),
        ] {
            let _ = app.get(&path, &[("cookie", &cookie)]);
            let before = app.db().round_trips();
            let r = app.get(&path, &[("cookie", &cookie)]);
            assert_eq!(app.db().round_trips() - before, 1, "{path}: one round trip");
            assert_eq!(r.status, 200, "{path}");
            let html = String::from_utf8(r.body).unwrap();
            for n in 1..=6 {
                let code = format!("TKT-{n}");
                assert_eq!(
                    html.contains(&format!(">{code}<")),
                    want.contains(&code.as_str()),
                    "{path}: {code}"
                );
            }
            if !path.contains("board") {
                assert!(
                    html.contains(&format!("<option value=\"{filter}\" selected")),
                    "{path}: the control shows the filter"
                );
                assert!(html.contains("External sync: "), "{path}: its chip");
            }
        }
    }
}

// --- Deletion and erasure --------------------------------------------------------------------

#[test]
fn deleting_a_pushed_ticket_deletes_its_link_and_known_comments() {
    let app = connected(2, "zendesk");
    let remote = Remote::default();
    act(
        &app,
        1,
        comment(CommentVisibility::Public, "Hello."),
        NOW - 1,
    );
    remote.answers([created("R1"), comment_id("C1")]);
    assert!(matches!(run(&app, &remote, 1, NOW), Ran::Pushed { .. }));
    assert_eq!(app.count("SELECT COUNT(*) FROM sync_comments"), 1);
    act(&app, 1, Change::Delete, NOW + 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sync_links"),
        1,
        "TKT-2's link stays"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sync_comments"), 0);
}

#[test]
fn erasing_a_requester_of_a_pushed_ticket_still_works() {
    use ticketbooth_functions::service::data_rights;
    use ticketbooth_shared::requester::Email;
    let app = connected(1, "zendesk");
    let remote = Remote::default();
    act(
        &app,
        1,
        comment(CommentVisibility::Public, "Hello."),
        NOW - 1,
    );
    remote.answers([created("R1"), comment_id("C1")]);
    assert!(matches!(run(&app, &remote, 1, NOW), Ran::Pushed { .. }));
    let erased = pollster::block_on(data_rights::erase(
        app.db(),
        &operator(OWNER, Role::Owner),
        &Email::parse("ria@customer.example").unwrap(),
        Timestamp::from_millis(NOW + 1),
    ))
    .unwrap();
    assert_eq!(erased, 1);
    // The erasure is no change the platform is sent.
    assert_eq!(link(&app, 1)["state"], "synced");
}

#[test]
fn a_visitors_ticket_on_a_connected_site_asks_for_the_hand_off_after_the_answer() {
    use ticketbooth_functions::http::FollowUp;
    use ticketbooth_functions::service::site_cache::TTL_MS;
    let app = spawn(0);
    let body = json!({"subject": "Printer on fire"});
    let r = app.create("acme", "00000000-0000-4000-8000-000000000a01", &body, &[]);
    assert_eq!(r.status, 201);
    assert_eq!(r.follow_up, None, "nothing owed without a connection");
    connect(&app, "zendesk", "all");
    app.advance(TTL_MS);
    let r = app.create("acme", "00000000-0000-4000-8000-000000000a02", &body, &[]);
    assert_eq!(r.status, 201);
    assert_eq!(r.follow_up, Some(FollowUp::Notify { site_id: 1 }));
}
