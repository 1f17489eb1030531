//! The Gorgias connector against Gorgias's documented wire format (`tests/fixtures/sync/gorgias/`):
//! every request it builds (method, URL, auth, body), every answer it reads, its webhook check
//! (the custom secret header) and every webhook body the HTTP integration's template renders.

use serde_json::{Value as Json, json};
use ticketbooth_functions::integrations::outbound::{
    Answer, Method, OutboundPolicy, OutboundUrl, Request, Target,
};
use ticketbooth_functions::integrations::sync::gorgias::{Gorgias, HOOK_TEMPLATE};
use ticketbooth_functions::integrations::sync::{
    Account, Auth, Change, Connector, Created, Hook, HookRefused, NewRemote, PulledChange,
    RemoteError, RemoteUser, Updated,
};
use ticketbooth_shared::Priority;
use ticketbooth_shared::sync::{Local, Platform};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/sync/gorgias/",
            $name
        ))
    };
}

/// `2026-12-07T20:00:00Z`.
const NOW_MS: i64 = 1_796_673_600_000;
const TICKET_ID: &str = "0000000000000000000000000000002a";

fn account(remote_user_id: Option<&str>) -> Account {
    Account {
        base: OutboundUrl::parse(
            "https://acme.gorgias.com",
            Target::Base,
            OutboundPolicy::Production,
        )
        .unwrap(),
        auth: Auth::Basic {
            user: "steve@acme.example".into(),
            key: "k3y".into(),
        },
        remote_user_id: remote_user_id.map(str::to_owned),
    }
}

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        retry_after: None,
        body: body.as_bytes().to_vec(),
    }
}

fn body(request: &Request) -> Json {
    serde_json::from_str(request.json.as_deref().expect("a JSON body")).unwrap()
}

/// `Basic base64("steve@acme.example:k3y")`.
const BASIC: &str = "Basic c3RldmVAYWNtZS5leGFtcGxlOmszeQ==";

fn assert_auth(request: &Request) {
    assert_eq!(
        request.headers,
        vec![("authorization", BASIC.to_owned())],
        "HTTP Basic with the e-mail and API key, nothing else"
    );
}

#[test]
fn whoami_asks_for_the_current_user_and_reads_it() {
    let request = Gorgias.whoami(&account(None));
    assert_eq!(request.method, Method::Get);
    assert_eq!(request.url.as_str(), "https://acme.gorgias.com/api/users/0");
    assert_auth(&request);
    assert_eq!(request.json, None);
    assert_eq!(
        Gorgias.read_whoami(&answer(200, fixture!("user_current.json")), NOW_MS),
        Ok(RemoteUser {
            id: "3924".into(),
            name: "Steve Frazelli".into()
        })
    );
    assert_eq!(
        Gorgias.read_whoami(&answer(401, "{}"), NOW_MS),
        Err(RemoteError::Unauthorized { status: 401 })
    );
}

fn new_ticket<'a>(labels: &'a [String], email: Option<&'a str>) -> NewRemote<'a> {
    NewRemote {
        ticket_id: TICKET_ID,
        code: "TKT-42",
        subject: "Refund for order #1002",
        description: "I was charged twice.",
        requester_name: Some("John Smith"),
        requester_email: email,
        status: Local::PENDING_CUSTOMER,
        priority: Priority::Urgent,
        labels,
        ticket_url: "https://app.ticketbooth.example/app/tickets/TKT-42",
    }
}

#[test]
fn create_posts_an_api_ticket_with_its_first_customer_message() {
    let labels = vec!["billing".to_owned(), "billing/refunds".to_owned()];
    let request = Gorgias.create(
        &account(None),
        &new_ticket(&labels, Some("john@example.com")),
    );
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url.as_str(), "https://acme.gorgias.com/api/tickets");
    assert_auth(&request);
    let customer = json!({ "email": "john@example.com", "name": "John Smith" });
    assert_eq!(
        body(&request),
        json!({
            "external_id": TICKET_ID,
            "subject": "Refund for order #1002",
            "channel": "api",
            "via": "api",
            "from_agent": false,
            "status": "open",
            "priority": "critical",
            "customer": customer,
            "tags": [{ "name": "billing" }, { "name": "billing/refunds" }],
            "messages": [{
                "channel": "api",
                "via": "api",
                "from_agent": false,
                "sender": customer,
                "subject": "Refund for order #1002",
                "body_text": "I was charged twice.\n\nTKT-42 in Ticketbooth: https://app.ticketbooth.example/app/tickets/TKT-42",
                "external_id": format!("ticketbooth:{TICKET_ID}"),
            }],
        })
    );
}

#[test]
fn create_without_an_email_sends_the_name_only() {
    let request = Gorgias.create(&account(None), &new_ticket(&[], None));
    let sent = body(&request);
    assert_eq!(sent["customer"], json!({ "name": "John Smith" }));
    assert_eq!(
        sent["messages"][0]["sender"],
        json!({ "name": "John Smith" })
    );
    assert_eq!(sent["tags"], json!([]));
}

#[test]
fn a_closed_ticket_is_created_closed() {
    let mut ticket = new_ticket(&[], Some("john@example.com"));
    ticket.status = Local::RESOLVED;
    ticket.priority = Priority::Low;
    let sent = body(&Gorgias.create(&account(None), &ticket));
    assert_eq!(sent["status"], "closed");
    assert_eq!(sent["priority"], "low");
}

#[test]
fn the_created_ticket_is_read_and_refusals_are_errors() {
    assert_eq!(
        Gorgias.read_created(&answer(201, fixture!("ticket_created.json")), NOW_MS),
        Ok(Created {
            remote_id: "123".into()
        })
    );
    assert!(matches!(
        Gorgias.read_created(&answer(400, fixture!("error_400.json")), NOW_MS),
        Err(RemoteError::Rejected { status: 400, detail }) if detail.contains("Sender must have")
    ));
    assert!(matches!(
        Gorgias.read_created(&answer(201, "<html>"), NOW_MS),
        Err(RemoteError::Unreadable(_))
    ));
    assert!(matches!(
        Gorgias.read_created(&answer(201, "{\"uri\":\"/api/tickets/\"}"), NOW_MS),
        Err(RemoteError::Unreadable(_))
    ));
}

#[test]
fn a_rate_limit_waits_its_retry_after() {
    let mut limited = answer(429, fixture!("error_429.json"));
    limited.retry_after = Some("5".into());
    let expected = Err(RemoteError::RateLimited { retry_after_s: 5 });
    assert_eq!(Gorgias.read_created(&limited, NOW_MS), expected);
    assert_eq!(
        Gorgias.read_updated(&limited, NOW_MS),
        Err(RemoteError::RateLimited { retry_after_s: 5 })
    );
    assert_eq!(
        Gorgias.read_found(&limited, NOW_MS),
        Err(RemoteError::RateLimited { retry_after_s: 5 })
    );
    assert!(matches!(
        Gorgias.read_updated(&answer(503, "busy"), NOW_MS),
        Err(RemoteError::Unavailable(_))
    ));
    assert_eq!(
        Gorgias.read_updated(&answer(404, "{}"), NOW_MS),
        Err(RemoteError::Gone)
    );
}

#[test]
fn find_filters_the_ticket_list_by_our_id() {
    let request = Gorgias
        .find(&account(None), TICKET_ID)
        .expect("Gorgias has no idempotency key: a lost create is found by external id");
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.url.as_str(),
        format!("https://acme.gorgias.com/api/tickets?external_id={TICKET_ID}")
    );
    assert_auth(&request);
    assert_eq!(request.json, None);
    assert_eq!(
        Gorgias.read_found(
            &answer(200, fixture!("tickets_by_external_id.json")),
            NOW_MS
        ),
        Ok(Some(Created {
            remote_id: "123".into()
        }))
    );
    assert_eq!(
        Gorgias.read_found(
            &answer(200, fixture!("tickets_by_external_id_none.json")),
            NOW_MS
        ),
        Ok(None)
    );
}

#[test]
fn status_and_priority_are_put_on_the_ticket() {
    let status = Gorgias.update(&account(None), "123", &Change::Status(Local::CLOSED));
    assert_eq!(status.method, Method::Put);
    assert_eq!(
        status.url.as_str(),
        "https://acme.gorgias.com/api/tickets/123"
    );
    assert_auth(&status);
    assert_eq!(body(&status), json!({ "status": "closed" }));
    let reopened = Gorgias.update(&account(None), "123", &Change::Status(Local::PENDING_TEAM));
    assert_eq!(body(&reopened), json!({ "status": "open" }));
    let priority = Gorgias.update(&account(None), "123", &Change::Priority(Priority::High));
    assert_eq!(priority.method, Method::Put);
    assert_eq!(body(&priority), json!({ "priority": "high" }));
    assert_eq!(
        Gorgias.read_updated(&answer(200, fixture!("ticket_updated.json")), NOW_MS),
        Ok(Updated::Done)
    );
}

#[test]
fn comments_are_messages_from_the_api_user() {
    let reply = Change::Comment {
        body: "We refunded the second charge.",
        public: true,
        author_name: "Ann Owner",
    };
    let request = Gorgias.update(&account(Some("3924")), "123", &reply);
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url.as_str(),
        "https://acme.gorgias.com/api/tickets/123/messages"
    );
    assert_auth(&request);
    assert_eq!(
        body(&request),
        json!({
            "channel": "api",
            "via": "api",
            "from_agent": true,
            "sender": { "id": 3924 },
            "body_text": "We refunded the second charge.\n\n— Ann Owner (Ticketbooth)",
            "external_id": "ticketbooth:123",
        })
    );
    // Before the connection test named the user: its e-mail.
    let untested = body(&Gorgias.update(&account(None), "123", &reply));
    assert_eq!(untested["sender"], json!({ "email": "steve@acme.example" }));

    let note = Change::Comment {
        body: "Finance confirmed.",
        public: false,
        author_name: "Ann Owner",
    };
    let sent = body(&Gorgias.update(&account(Some("3924")), "123", &note));
    assert_eq!(sent["channel"], "internal-note");
    assert_eq!(sent["from_agent"], true);

    assert_eq!(
        Gorgias.read_updated(&answer(201, fixture!("message_created.json")), NOW_MS),
        Ok(Updated::Comment {
            remote_comment_id: Some("9002".into())
        })
    );
}

#[test]
fn the_agent_link_is_the_ticket_in_the_helpdesk() {
    assert_eq!(
        Gorgias.ticket_url(&account(None), "123"),
        "https://acme.gorgias.com/app/ticket/123"
    );
    assert_eq!(Gorgias.platform(), Platform::Gorgias);
}

fn headers(secret: Option<&str>) -> Vec<(String, String)> {
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some(secret) = secret {
        headers.push(("x-ticketbooth-webhook-secret".to_owned(), secret.to_owned()));
    }
    headers
}

#[test]
fn a_hook_is_accepted_only_with_the_secret_header() {
    let body = fixture!("hook_ticket_closed.json").as_bytes();
    let with = |secret: Option<&str>| {
        let headers = headers(secret);
        Gorgias.verify(
            &Hook {
                headers: &headers,
                body,
            },
            "s3cret-value",
            NOW_MS,
        )
    };
    assert_eq!(with(Some("s3cret-value")), Ok(()));
    // No timestamp: an old delivery is not refused by time (the route drops replays by id).
    let headers = headers(Some("s3cret-value"));
    assert_eq!(
        Gorgias.verify(
            &Hook {
                headers: &headers,
                body
            },
            "s3cret-value",
            i64::MAX
        ),
        Ok(())
    );
    assert_eq!(with(Some("s3cret-valuf")), Err(HookRefused::BadSignature));
    assert_eq!(with(Some("s3cret")), Err(HookRefused::BadSignature));
    assert_eq!(with(Some("")), Err(HookRefused::BadSignature));
    assert_eq!(
        with(None),
        Err(HookRefused::MissingHeader("X-Ticketbooth-Webhook-Secret"))
    );
    // A connection without a secret accepts nothing.
    let empty = headers_of("");
    assert_eq!(
        Gorgias.verify(
            &Hook {
                headers: &empty,
                body
            },
            "",
            NOW_MS
        ),
        Err(HookRefused::BadSignature)
    );
}

fn headers_of(secret: &str) -> Vec<(String, String)> {
    headers(Some(secret))
}

fn read(body: &str) -> Vec<ticketbooth_functions::integrations::sync::Pulled> {
    let headers = headers(Some("s"));
    Gorgias
        .read_hook(&Hook {
            headers: &headers,
            body: body.as_bytes(),
        })
        .unwrap()
}

/// `2026-12-07T20:10:00.123Z`.
const AT_20_10: i64 = NOW_MS + 600_123;

#[test]
fn an_agents_public_reply_is_pulled_with_the_tickets_state() {
    let pulled = read(fixture!("hook_message_agent_public.json"));
    assert_eq!(pulled.len(), 3, "{pulled:#?}");
    let reply = &pulled[0];
    assert_eq!(reply.event_id, "message:9010");
    assert_eq!(reply.remote_ticket_id, "123");
    assert_eq!(reply.at_ms, AT_20_10);
    assert_eq!(reply.actor_remote_id.as_deref(), Some("3925"));
    assert_eq!(
        reply.change,
        PulledChange::Comment {
            remote_comment_id: "9010".into(),
            body: "Hi John, the refund is on its way: \"5-7 days\".\nMaria".into(),
            public: true,
            author_name: "Maria Lopez".into(),
            by_requester: false,
        }
    );
    assert_eq!(pulled[1].change, PulledChange::Status("open".into()));
    assert_eq!(pulled[2].change, PulledChange::Priority(Priority::High));
    assert_eq!(pulled[1].actor_remote_id, None);
    assert_eq!(pulled[1].at_ms, AT_20_10);
    let ids: Vec<&str> = pulled.iter().map(|p| p.event_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "message:9010",
            "ticket:123:2026-12-07T20:10:00.123456:status:open",
            "ticket:123:2026-12-07T20:10:00.123456:priority:high"
        ],
        "one id per change, stable across a redelivery"
    );
    assert_eq!(read(fixture!("hook_message_agent_public.json")), pulled);
}

#[test]
fn an_internal_note_is_pulled_private() {
    let pulled = read(fixture!("hook_message_internal_note.json"));
    assert!(matches!(
        &pulled[0].change,
        PulledChange::Comment { public: false, by_requester: false, remote_comment_id, .. }
            if remote_comment_id == "9011"
    ));
}

#[test]
fn a_customers_reply_is_the_requesters_and_names_no_agent() {
    let pulled = read(fixture!("hook_message_customer.json"));
    assert!(matches!(
        &pulled[0].change,
        PulledChange::Comment { public: true, by_requester: true, author_name, .. }
            if author_name == "John Smith"
    ));
    // A customer id is not a user id, even when the numbers match ours.
    assert_eq!(pulled[0].actor_remote_id, None);
}

#[test]
fn our_own_message_coming_back_is_dropped() {
    let pulled = read(fixture!("hook_message_ours.json"));
    assert!(
        pulled
            .iter()
            .all(|p| !matches!(p.change, PulledChange::Comment { .. })),
        "{pulled:#?}"
    );
    assert_eq!(pulled.len(), 2, "the ticket's state still rides along");
}

#[test]
fn a_ticket_trigger_carries_status_and_priority() {
    let pulled = read(fixture!("hook_ticket_closed.json"));
    let changes: Vec<&PulledChange> = pulled.iter().map(|p| &p.change).collect();
    assert_eq!(
        changes,
        [
            &PulledChange::Status("closed".into()),
            &PulledChange::Priority(Priority::Urgent)
        ]
    );
    assert_eq!(pulled[0].at_ms, NOW_MS + 15 * 60_000);
    // Another state sent with the same datetime is another event (not a replay of this one).
    let reopened = read(&fixture!("hook_ticket_closed.json").replace("\"closed\"", "\"open\""));
    assert_eq!(reopened[0].change, PulledChange::Status("open".into()));
    assert_ne!(reopened[0].event_id, pulled[0].event_id);
    assert_eq!(reopened[1].event_id, pulled[1].event_id);
}

#[test]
fn a_trashed_ticket_is_deleted() {
    let pulled = read(fixture!("hook_ticket_trashed.json"));
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0].change, PulledChange::Deleted);
    assert_eq!(
        pulled[0].event_id,
        "ticket:123:2026-12-07T20:20:00.000000:deleted"
    );
}

#[test]
fn unreadable_hooks_are_refused() {
    let headers = headers(Some("s"));
    for body in [
        "not json",
        "[1,2]",
        "{\"status\":\"open\"}",
        "{\"ticket_id\":\"None\",\"status\":\"open\"}",
        "{\"ticket_id\":\"1\",\"status\":\"open\",\"updated_datetime\":\"yesterday\"}",
    ] {
        let refused = Gorgias.read_hook(&Hook {
            headers: &headers,
            body: body.as_bytes(),
        });
        assert!(
            matches!(refused, Err(HookRefused::Unreadable(_))),
            "{body}: {refused:?}"
        );
    }
}

#[test]
fn the_template_renders_to_what_read_hook_reads() {
    // Every field the template asks Gorgias for is a key read_hook knows, and the template
    // is the JSON object an admin pastes (each value one template string).
    let template: Json = serde_json::from_str(HOOK_TEMPLATE).expect("valid JSON");
    let keys: Vec<&String> = template.as_object().unwrap().keys().collect();
    let sample: Json = serde_json::from_str(fixture!("hook_message_agent_public.json")).unwrap();
    let sample_keys: Vec<&String> = sample.as_object().unwrap().keys().collect();
    assert_eq!(keys, sample_keys, "the fixtures are the template rendered");
    assert!(template.as_object().unwrap().values().all(|v| {
        v.as_str()
            .is_some_and(|s| s.starts_with("{{") && s.ends_with("}}"))
    }));
}
