//! The Zendesk connector: the Support (Ticketing) API v2 for pushes and the signed
//! event-subscription webhooks for pulls, to Zendesk's documented wire format
//! (`tests/fixtures/sync/zendesk/` holds the documented answers and payloads, and where each is
//! documented).
//!
//! - Auth: an API token is Basic `{email}/token:{token}`; a pasted OAuth token is Bearer.
//! - `whoami`: `GET /api/v2/users/me.json`. Zendesk answers bad credentials with 401, but on
//!   some setups with 200 and the anonymous user (`id` null): that is refused too.
//! - `create`: `POST /api/v2/tickets.json` with `Idempotency-Key: <our ticket id>`, so `find`
//!   has nothing to do (see `create`).
//! - `update`: `PUT /api/v2/tickets/{id}.json`, one change each; a comment's id is read from
//!   the answer's audit (its `Comment` event).
//! - Webhooks: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body)),
//!   `X-Zendesk-Webhook-Signature-Timestamp` ISO 8601; one event per delivery
//!   (`zen:event-type:ticket.*`), ids as strings.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use serde_json::{Value, json};
use ticketbooth_shared::sync::{local_priority, remote_priority, remote_status};

use super::*;
use crate::crypto::{constant_time_eq, hmac_sha256};
use crate::integrations::outbound::{Answer, Method, Request};

pub struct Zendesk;

/// The signature header (lower case, as `Hook` holds names).
const SIGNATURE: &str = "x-zendesk-webhook-signature";
/// The header with the timestamp the signature covers.
const SIGNATURE_TIMESTAMP: &str = "x-zendesk-webhook-signature-timestamp";

/// Tagged on every ticket we create, so Zendesk views and triggers can tell our tickets apart.
const OUR_TAG: &str = "ticketbooth";

const EVENT_PREFIX: &str = "zen:event-type:";

fn authorization(auth: &Auth) -> String {
    match auth {
        Auth::ApiToken { email, token } => {
            format!(
                "Basic {}",
                STANDARD.encode(format!("{email}/token:{token}"))
            )
        }
        Auth::Bearer { token } => format!("Bearer {token}"),
        // Not offered for Zendesk (its password auth is retired), kept total: plain Basic.
        Auth::Basic { user, key } => format!("Basic {}", STANDARD.encode(format!("{user}:{key}"))),
    }
}

fn request(method: Method, account: &Account, path: &str, json: Option<Value>) -> Request {
    Request {
        method,
        url: account.base.join(path),
        headers: vec![("Authorization", authorization(&account.auth))],
        json: json.map(|v| v.to_string()),
    }
}

/// Our label as a Zendesk tag: tags are lower case without spaces, so each run of spaces and
/// `>` (a sublabel's separator) becomes one `_` ("billing > refund" → `billing_refund`).
fn tag_of(label: &str) -> String {
    let mut tag = String::with_capacity(label.len());
    let mut gap = false;
    for c in label.trim().chars() {
        if c.is_whitespace() || c == '>' {
            gap = true;
            continue;
        }
        if gap && !tag.is_empty() {
            tag.push('_');
        }
        gap = false;
        tag.extend(c.to_lowercase());
    }
    tag
}

/// The first comment of the remote ticket: the description, then a line naming our ticket.
fn first_comment(ticket: &NewRemote<'_>) -> String {
    format!(
        "{}\n\nTicketbooth {}: {}",
        ticket.description.trim_end(),
        ticket.code,
        ticket.ticket_url
    )
}

/// A pushed comment's body: Zendesk shows the API user as its author, so the body names who
/// wrote it on our side.
fn comment_body(body: &str, author_name: &str) -> String {
    let author = author_name.trim();
    if author.is_empty() {
        body.to_owned()
    } else {
        format!("{author}:\n\n{body}")
    }
}

/// An id Zendesk sends as a number (REST answers) or a string (webhook payloads).
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_json(answer: &Answer) -> Result<Value, RemoteError> {
    serde_json::from_slice(&answer.body).map_err(|e| RemoteError::Unreadable(e.to_string()))
}

/// The error a non-2xx answer means; a refusal (422 and the like) carries Zendesk's own words
/// from its `{"error", "description", "details"}` body rather than the raw JSON.
fn failure(answer: &Answer, now_ms: i64) -> Option<RemoteError> {
    let error = RemoteError::of(answer, now_ms)?;
    Some(match error {
        RemoteError::Rejected { status, detail } => RemoteError::Rejected {
            status,
            detail: serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|body| refusal_detail(&body))
                .unwrap_or(detail),
        },
        other => other,
    })
}

/// "RecordInvalid: Record validation errors (Status: closed prevents ticket update)".
fn refusal_detail(body: &Value) -> Option<String> {
    let (error, description) = match &body["error"] {
        Value::String(error) => (error.clone(), body["description"].as_str()),
        // Some refusals nest it: `{"error": {"title", "message"}}`.
        Value::Object(inner) => (
            inner.get("title")?.as_str()?.to_owned(),
            inner.get("message").and_then(Value::as_str),
        ),
        _ => return None,
    };
    let mut detail = match description {
        Some(d) if !d.is_empty() => format!("{error}: {d}"),
        _ => error,
    };
    let reasons: Vec<&str> = body["details"]
        .as_object()
        .into_iter()
        .flat_map(|fields| fields.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|reason| reason["description"].as_str())
        .collect();
    if !reasons.is_empty() {
        detail.push_str(&format!(" ({})", reasons.join("; ")));
    }
    Some(detail.chars().take(200).collect())
}

fn unreadable(what: &str) -> RemoteError {
    RemoteError::Unreadable(format!("no {what} in Zendesk's answer"))
}

impl Connector for Zendesk {
    fn platform(&self) -> Platform {
        Platform::Zendesk
    }

    fn whoami(&self, account: &Account) -> Request {
        request(Method::Get, account, "api/v2/users/me.json", None)
    }

    fn read_whoami(&self, answer: &Answer, now_ms: i64) -> Result<RemoteUser, RemoteError> {
        if let Some(error) = failure(answer, now_ms) {
            return Err(error);
        }
        let body = parse_json(answer)?;
        let user = &body["user"];
        if !user.is_object() {
            return Err(unreadable("user"));
        }
        // The anonymous user: the credentials were not accepted, whatever the status said.
        let id = id_text(&user["id"]).ok_or(RemoteError::Unauthorized {
            status: answer.status,
        })?;
        Ok(RemoteUser {
            id,
            name: user["name"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// Idempotent by `Idempotency-Key` (our ticket id): Zendesk answers a repeat within the
    /// key's lifetime (two hours, per the Idempotency section of its Support API introduction)
    /// with the first answer instead of creating a second ticket. Not covered: a repeat after
    /// that, or one whose body changed under the same key (Zendesk refuses it; the refusal is
    /// the link's error). The push job creates once and only repeats a create whose answer was
    /// lost, soon after; the same ticket state builds the same request.
    fn create(&self, account: &Account, ticket: &NewRemote<'_>) -> Request {
        let mut tags: Vec<String> = Vec::with_capacity(ticket.labels.len() + 1);
        for tag in ticket
            .labels
            .iter()
            .map(|l| tag_of(l))
            .chain([OUR_TAG.into()])
        {
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let mut body = json!({
            "subject": ticket.subject,
            "comment": { "body": first_comment(ticket), "public": true },
            "status": remote_status(Platform::Zendesk, ticket.status),
            "priority": remote_priority(Platform::Zendesk, ticket.priority),
            "external_id": ticket.ticket_id,
            "tags": tags,
        });
        // Zendesk finds the end user by e-mail or creates them (a new user needs a name).
        // Without an e-mail the API user stays the requester (Zendesk's default).
        if let Some(email) = ticket.requester_email.filter(|e| !e.trim().is_empty()) {
            let name = ticket
                .requester_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(email);
            body["requester"] = json!({ "name": name, "email": email });
        }
        let mut request = request(
            Method::Post,
            account,
            "api/v2/tickets.json",
            Some(json!({ "ticket": body })),
        );
        request
            .headers
            .push(("Idempotency-Key", ticket.ticket_id.to_owned()));
        request
    }

    fn read_created(&self, answer: &Answer, now_ms: i64) -> Result<Created, RemoteError> {
        if let Some(error) = failure(answer, now_ms) {
            return Err(error);
        }
        let body = parse_json(answer)?;
        let remote_id = id_text(&body["ticket"]["id"]).ok_or_else(|| unreadable("ticket id"))?;
        Ok(Created { remote_id })
    }

    /// Nothing to look up: `create` is idempotent on its own key.
    fn find(&self, _account: &Account, _ticket_id: &str) -> Option<Request> {
        None
    }

    fn read_found(&self, answer: &Answer, now_ms: i64) -> Result<Option<Created>, RemoteError> {
        // Never asked (`find` sends nothing); read like a create in case a caller does.
        self.read_created(answer, now_ms).map(Some)
    }

    fn update(&self, account: &Account, remote_id: &str, change: &Change<'_>) -> Request {
        let ticket = match change {
            Change::Status(local) => json!({ "status": remote_status(Platform::Zendesk, *local) }),
            Change::Priority(priority) => {
                json!({ "priority": remote_priority(Platform::Zendesk, *priority) })
            }
            // `public: false` is Zendesk's private note, what our internal notes are.
            Change::Comment {
                body,
                public,
                author_name,
            } => json!({
                "comment": { "body": comment_body(body, author_name), "public": public }
            }),
        };
        request(
            Method::Put,
            account,
            &format!("api/v2/tickets/{remote_id}.json"),
            Some(json!({ "ticket": ticket })),
        )
    }

    /// `Comment` when the answer's audit has a `Comment` event (a comment was added: its id is
    /// what its webhook echo will carry); `Done` for a status or priority change.
    fn read_updated(&self, answer: &Answer, now_ms: i64) -> Result<Updated, RemoteError> {
        if let Some(error) = failure(answer, now_ms) {
            return Err(error);
        }
        let body = parse_json(answer)?;
        let comment = body["audit"]["events"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|event| event["type"] == "Comment");
        Ok(match comment {
            Some(event) => Updated::Comment {
                remote_comment_id: id_text(&event["id"]),
            },
            None => Updated::Done,
        })
    }

    fn ticket_url(&self, account: &Account, remote_id: &str) -> String {
        format!("{}/agent/tickets/{remote_id}", account.base.as_base())
    }

    fn verify(&self, hook: &Hook<'_>, secret: &str, now_ms: i64) -> Result<(), HookRefused> {
        let signature = hook
            .header(SIGNATURE)
            .ok_or(HookRefused::MissingHeader("X-Zendesk-Webhook-Signature"))?;
        let timestamp = hook
            .header(SIGNATURE_TIMESTAMP)
            .ok_or(HookRefused::MissingHeader(
                "X-Zendesk-Webhook-Signature-Timestamp",
            ))?;
        let mut mac = hmac_sha256(secret.as_bytes());
        mac.update(timestamp.as_bytes());
        mac.update(hook.body);
        let expected = STANDARD.encode(mac.finalize().into_bytes());
        if !constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
            return Err(HookRefused::BadSignature);
        }
        // Checked after the signature: only a genuine delivery can be called stale (a replay
        // of one captured earlier); the event id catches replays inside the window.
        let at = timestamp
            .trim()
            .parse::<jiff::Timestamp>()
            .map_err(|_| HookRefused::Stale)?;
        if (now_ms - at.as_millisecond()).abs() > HOOK_WINDOW_MS {
            return Err(HookRefused::Stale);
        }
        Ok(())
    }

    fn read_hook(&self, hook: &Hook<'_>) -> Result<Vec<Pulled>, HookRefused> {
        let payload: Value = serde_json::from_slice(hook.body)
            .map_err(|e| HookRefused::Unreadable(e.to_string()))?;
        let missing = |what: &str| HookRefused::Unreadable(format!("no {what} in the event"));
        let kind = payload["type"]
            .as_str()
            .and_then(|t| t.strip_prefix(EVENT_PREFIX))
            .ok_or_else(|| missing("type"))?;
        let detail = &payload["detail"];
        let event = &payload["event"];
        let change = match kind {
            "ticket.status_changed" => {
                let status = event["current"].as_str().ok_or_else(|| missing("status"))?;
                // The payloads spell statuses in upper case ("SOLVED"); the API in lower. Their
                // status list also has the states a ticket reaches after its working life:
                // deleted (and scrubbed, its redaction) is the ticket gone, archived a closed
                // ticket moved to the archive.
                match status.to_ascii_lowercase().as_str() {
                    "deleted" | "scrubbed" => PulledChange::Deleted,
                    "archived" => PulledChange::Status("closed".into()),
                    status => PulledChange::Status(status.to_owned()),
                }
            }
            "ticket.priority_changed" => {
                // A priority cleared there (null) has no counterpart here: nothing to apply.
                let Some(priority) = event["current"]
                    .as_str()
                    .and_then(|p| local_priority(Platform::Zendesk, p))
                else {
                    return Ok(vec![]);
                };
                PulledChange::Priority(priority)
            }
            "ticket.comment_added" => {
                let comment = &event["comment"];
                let author = &comment["author"];
                let author_id = id_text(&author["id"]);
                let requester_id = id_text(&detail["requester_id"]);
                let by_requester = author["is_staff"] == false
                    || (author_id.is_some() && author_id == requester_id);
                PulledChange::Comment {
                    remote_comment_id: id_text(&comment["id"])
                        .ok_or_else(|| missing("comment id"))?,
                    body: comment["body"].as_str().unwrap_or_default().to_owned(),
                    public: comment["is_public"].as_bool().unwrap_or(false),
                    author_name: author["name"].as_str().unwrap_or_default().to_owned(),
                    by_requester,
                }
            }
            "ticket.soft_deleted" | "ticket.permanently_deleted" => PulledChange::Deleted,
            _ => return Ok(vec![]),
        };
        let remote_ticket_id = id_text(&detail["id"])
            .or_else(|| {
                payload["subject"]
                    .as_str()
                    .and_then(|s| s.strip_prefix("zen:ticket:"))
                    .map(str::to_owned)
            })
            .ok_or_else(|| missing("ticket id"))?;
        let event_id = id_text(&payload["id"]).ok_or_else(|| missing("event id"))?;
        let at_ms = payload["time"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .ok_or_else(|| missing("time"))?
            .as_millisecond();
        // Who made it: a comment's author, else the ticket's last actor.
        let actor_remote_id = match &change {
            PulledChange::Comment { .. } => id_text(&event["comment"]["author"]["id"]),
            _ => None,
        }
        .or_else(|| id_text(&detail["actor_id"]));
        Ok(vec![Pulled {
            event_id,
            remote_ticket_id,
            at_ms,
            actor_remote_id,
            change,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::outbound::{OutboundPolicy, OutboundUrl, Target};
    use ticketbooth_shared::Priority;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../../../tests/fixtures/sync/zendesk/", $name))
        };
    }

    const SECRET: &str = "dGhpcyBpcyBhIHNpZ25pbmcgc2VjcmV0";
    /// 2026-12-07T21:15:20Z, the status fixture's delivery.
    const NOW_MS: i64 = 1_796_678_120_000;
    const STAMP: &str = "2026-12-07T21:15:20Z";

    fn account(auth: Auth) -> Account {
        Account {
            base: OutboundUrl::parse(
                "https://acme.zendesk.com",
                Target::Base,
                OutboundPolicy::Production,
            )
            .unwrap(),
            auth,
            remote_user_id: Some("8447388090494".into()),
        }
    }

    fn token() -> Account {
        account(Auth::ApiToken {
            email: "sync@acme.example".into(),
            token: "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv".into(),
        })
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    fn body_of(request: &Request) -> Value {
        serde_json::from_str(request.json.as_deref().unwrap()).unwrap()
    }

    fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
        request
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn new_remote<'a>(labels: &'a [String], email: Option<&'a str>) -> NewRemote<'a> {
        NewRemote {
            ticket_id: "01JEXAMPLETICKET000000000",
            code: "TKT-42",
            subject: "My order arrived broken",
            description: "The box was crushed and the mug inside is in pieces.\n",
            requester_name: Some("Robin Customer"),
            requester_email: email,
            status: Local::OPEN,
            priority: Priority::High,
            labels,
            ticket_url: "https://help.acme.example/app/tickets/TKT-42",
        }
    }

    #[test]
    fn whoami_asks_users_me_with_the_api_token_as_basic_auth() {
        let request = Zendesk.whoami(&token());
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.url.as_str(),
            "https://acme.zendesk.com/api/v2/users/me.json"
        );
        let expected = format!(
            "Basic {}",
            STANDARD.encode("sync@acme.example/token:6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv")
        );
        assert_eq!(request.headers, vec![("Authorization", expected)]);
        assert_eq!(request.json, None);

        let bearer = Zendesk.whoami(&account(Auth::Bearer {
            token: "oauth-access".into(),
        }));
        assert_eq!(
            header(&bearer, "Authorization"),
            Some("Bearer oauth-access")
        );
    }

    #[test]
    fn whoami_reads_the_user_and_refuses_the_anonymous_one() {
        assert_eq!(
            Zendesk.read_whoami(&answer(200, fixture!("users_me.json")), NOW_MS),
            Ok(RemoteUser {
                id: "8447388090494".into(),
                name: "Ticketbooth Sync".into(),
            })
        );
        assert_eq!(
            Zendesk.read_whoami(&answer(200, fixture!("users_me_anonymous.json")), NOW_MS),
            Err(RemoteError::Unauthorized { status: 200 })
        );
        assert_eq!(
            Zendesk.read_whoami(
                &answer(401, "{\"error\":\"Couldn't authenticate you\"}"),
                NOW_MS
            ),
            Err(RemoteError::Unauthorized { status: 401 })
        );
        assert!(matches!(
            Zendesk.read_whoami(&answer(200, "<html>"), NOW_MS),
            Err(RemoteError::Unreadable(_))
        ));
    }

    #[test]
    fn create_posts_the_ticket_with_our_id_as_idempotency_key_and_external_id() {
        let labels = vec!["billing > refund".to_owned(), "vip".to_owned()];
        let request = Zendesk.create(&token(), &new_remote(&labels, Some("robin@example.com")));
        assert_eq!(request.method, Method::Post);
        assert_eq!(
            request.url.as_str(),
            "https://acme.zendesk.com/api/v2/tickets.json"
        );
        assert_eq!(
            header(&request, "Idempotency-Key"),
            Some("01JEXAMPLETICKET000000000")
        );
        assert!(
            header(&request, "Authorization")
                .unwrap()
                .starts_with("Basic ")
        );
        // A create repeated after a lost answer is the same request: same key, same body, so
        // Zendesk answers it with the ticket it already made.
        assert_eq!(
            Zendesk.create(&token(), &new_remote(&labels, Some("robin@example.com"))),
            request
        );
        assert_eq!(
            body_of(&request),
            json!({"ticket": {
                "subject": "My order arrived broken",
                "comment": {
                    "body": "The box was crushed and the mug inside is in pieces.\n\nTicketbooth TKT-42: https://help.acme.example/app/tickets/TKT-42",
                    "public": true
                },
                "requester": {"name": "Robin Customer", "email": "robin@example.com"},
                "status": "open",
                "priority": "high",
                "external_id": "01JEXAMPLETICKET000000000",
                "tags": ["billing_refund", "vip", "ticketbooth"]
            }})
        );
    }

    #[test]
    fn create_without_an_email_leaves_the_requester_to_zendesk_and_maps_status_and_priority() {
        let mut ticket = new_remote(&[], None);
        ticket.status = Local::PENDING_CUSTOMER;
        ticket.priority = Priority::Urgent;
        let body = body_of(&Zendesk.create(&token(), &ticket));
        assert_eq!(body["ticket"].get("requester"), None);
        assert_eq!(body["ticket"]["status"], "pending");
        assert_eq!(body["ticket"]["priority"], "urgent");
        assert_eq!(body["ticket"]["tags"], json!(["ticketbooth"]));

        // A name-less requester is named by their address (Zendesk needs a name for a new user).
        let mut ticket = new_remote(&[], Some("robin@example.com"));
        ticket.requester_name = Some("  ");
        let body = body_of(&Zendesk.create(&token(), &ticket));
        assert_eq!(
            body["ticket"]["requester"],
            json!({"name": "robin@example.com", "email": "robin@example.com"})
        );
    }

    #[test]
    fn labels_become_zendesk_tags() {
        assert_eq!(tag_of("billing > refund"), "billing_refund");
        assert_eq!(tag_of("needs-reply"), "needs-reply");
        assert_eq!(tag_of(" VIP "), "vip");
    }

    #[test]
    fn created_reads_the_ticket_id_as_text() {
        assert_eq!(
            Zendesk.read_created(
                &answer(201, fixture!("ticket_create_response.json")),
                NOW_MS
            ),
            Ok(Created {
                remote_id: "35436".into()
            })
        );
        assert!(matches!(
            Zendesk.read_created(&answer(201, "{\"ticket\":{}}"), NOW_MS),
            Err(RemoteError::Unreadable(_))
        ));
        let request = Zendesk.find(&token(), "01JEXAMPLETICKET000000000");
        assert_eq!(request, None, "the idempotency key stands in for a lookup");
    }

    #[test]
    fn refusals_carry_zendesks_words_and_statuses_are_classified() {
        assert_eq!(
            Zendesk.read_created(&answer(422, fixture!("error_422.json")), NOW_MS),
            Err(RemoteError::Rejected {
                status: 422,
                detail: "RecordInvalid: Record validation errors (Status: closed prevents ticket update)"
                    .into()
            })
        );
        let limited = Answer {
            status: 429,
            retry_after: Some("7".into()),
            body: b"{\"error\":\"APIRateLimitExceeded\"}".to_vec(),
        };
        assert_eq!(
            Zendesk.read_updated(&limited, NOW_MS),
            Err(RemoteError::RateLimited { retry_after_s: 7 })
        );
        assert_eq!(
            Zendesk.read_updated(&answer(404, "{\"error\":\"RecordNotFound\"}"), NOW_MS),
            Err(RemoteError::Gone)
        );
        assert_eq!(
            Zendesk.read_created(&answer(403, "{\"error\":\"Forbidden\"}"), NOW_MS),
            Err(RemoteError::Unauthorized { status: 403 })
        );
        assert!(matches!(
            Zendesk.read_created(&answer(503, "busy"), NOW_MS),
            Err(RemoteError::Unavailable(_))
        ));
        // A nested error object reads too.
        assert_eq!(
            Zendesk.read_created(
                &answer(
                    400,
                    "{\"error\":{\"title\":\"Invalid attribute\",\"message\":\"bad tag\"}}"
                ),
                NOW_MS
            ),
            Err(RemoteError::Rejected {
                status: 400,
                detail: "Invalid attribute: bad tag".into()
            })
        );
    }

    #[test]
    fn update_puts_one_change_to_the_ticket() {
        let account = token();
        let status = Zendesk.update(&account, "35436", &Change::Status(Local::RESOLVED));
        assert_eq!(status.method, Method::Put);
        assert_eq!(
            status.url.as_str(),
            "https://acme.zendesk.com/api/v2/tickets/35436.json"
        );
        assert!(header(&status, "Authorization").is_some());
        assert_eq!(header(&status, "Idempotency-Key"), None);
        assert_eq!(body_of(&status), json!({"ticket": {"status": "solved"}}));

        let priority = Zendesk.update(&account, "35436", &Change::Priority(Priority::Low));
        assert_eq!(body_of(&priority), json!({"ticket": {"priority": "low"}}));

        let reply = Zendesk.update(
            &account,
            "35436",
            &Change::Comment {
                body: "a replacement is on its way.",
                public: true,
                author_name: "Alex Operator",
            },
        );
        assert_eq!(
            body_of(&reply),
            json!({"ticket": {"comment": {
                "body": "Alex Operator:\n\na replacement is on its way.",
                "public": true
            }}})
        );
        let note = Zendesk.update(
            &account,
            "35436",
            &Change::Comment {
                body: "refund approved",
                public: false,
                author_name: "",
            },
        );
        assert_eq!(
            body_of(&note),
            json!({"ticket": {"comment": {"body": "refund approved", "public": false}}})
        );
    }

    #[test]
    fn updated_reads_the_comment_audit_events_id() {
        assert_eq!(
            Zendesk.read_updated(
                &answer(200, fixture!("ticket_update_comment_response.json")),
                NOW_MS
            ),
            Ok(Updated::Comment {
                remote_comment_id: Some("7723111".into())
            })
        );
        let status_answer = r#"{"ticket":{"id":35436,"status":"solved"},
            "audit":{"id":7723120,"events":[{"id":7723121,"type":"Change","field_name":"status","value":"solved","previous_value":"open"}]}}"#;
        assert_eq!(
            Zendesk.read_updated(&answer(200, status_answer), NOW_MS),
            Ok(Updated::Done)
        );
    }

    #[test]
    fn the_agent_link_is_the_tickets_page() {
        assert_eq!(
            Zendesk.ticket_url(&token(), "35436"),
            "https://acme.zendesk.com/agent/tickets/35436"
        );
    }

    fn signed(body: &str, stamp: &str, secret: &str) -> Vec<(String, String)> {
        let mut mac = hmac_sha256(secret.as_bytes());
        mac.update(stamp.as_bytes());
        mac.update(body.as_bytes());
        vec![
            ("content-type".into(), "application/json".into()),
            (
                SIGNATURE.into(),
                STANDARD.encode(mac.finalize().into_bytes()),
            ),
            (SIGNATURE_TIMESTAMP.into(), stamp.into()),
        ]
    }

    fn verify(headers: &[(String, String)], body: &str, now_ms: i64) -> Result<(), HookRefused> {
        let hook = Hook {
            headers,
            body: body.as_bytes(),
        };
        Zendesk.verify(&hook, SECRET, now_ms)
    }

    #[test]
    fn a_signature_over_timestamp_and_body_with_the_secret_is_accepted() {
        let body = fixture!("hook_status_changed.json");
        let headers = signed(body, STAMP, SECRET);
        assert_eq!(verify(&headers, body, NOW_MS), Ok(()));
        // Within the window either way.
        assert_eq!(verify(&headers, body, NOW_MS + HOOK_WINDOW_MS), Ok(()));
        assert_eq!(verify(&headers, body, NOW_MS - HOOK_WINDOW_MS), Ok(()));

        // A signature computed elsewhere (Python's hmac, base64 of the digest, the timestamp
        // and the body concatenated with nothing between them), so the rule is not only
        // checked against this module's own helper.
        let body = r#"{"type":"zen:event-type:ticket.status_changed"}"#;
        let headers = vec![
            (
                SIGNATURE.to_owned(),
                "dOnWnEAMmG9y+q2XlUDbRxZF85doHV3N1645dMy9jjw=".to_owned(),
            ),
            (SIGNATURE_TIMESTAMP.to_owned(), STAMP.to_owned()),
        ];
        assert_eq!(verify(&headers, body, NOW_MS), Ok(()));
    }

    #[test]
    fn a_wrong_secret_or_a_changed_body_is_a_bad_signature() {
        let body = fixture!("hook_status_changed.json");
        let headers = signed(body, STAMP, "another secret");
        assert_eq!(
            verify(&headers, body, NOW_MS),
            Err(HookRefused::BadSignature)
        );

        let headers = signed(body, STAMP, SECRET);
        let changed = body.replacen("SOLVED", "SOLVEd", 1);
        assert_eq!(changed.len(), body.len());
        assert_eq!(
            verify(&headers, &changed, NOW_MS),
            Err(HookRefused::BadSignature)
        );
        // The timestamp is signed too: another one with the same signature is refused.
        let mut moved = headers.clone();
        moved[2].1 = "2026-12-07T21:15:21Z".into();
        assert_eq!(verify(&moved, body, NOW_MS), Err(HookRefused::BadSignature));
    }

    #[test]
    fn a_timestamp_outside_the_window_is_stale() {
        let body = fixture!("hook_status_changed.json");
        let headers = signed(body, STAMP, SECRET);
        assert_eq!(
            verify(&headers, body, NOW_MS + HOOK_WINDOW_MS + 1_000),
            Err(HookRefused::Stale)
        );
        assert_eq!(
            verify(&headers, body, NOW_MS - HOOK_WINDOW_MS - 1_000),
            Err(HookRefused::Stale)
        );
        let unreadable = signed(body, "yesterday", SECRET);
        assert_eq!(verify(&unreadable, body, NOW_MS), Err(HookRefused::Stale));
    }

    #[test]
    fn a_missing_header_is_named() {
        let body = fixture!("hook_status_changed.json");
        let headers = signed(body, STAMP, SECRET);
        let without_signature: Vec<_> = headers
            .iter()
            .filter(|(n, _)| n != SIGNATURE)
            .cloned()
            .collect();
        assert_eq!(
            verify(&without_signature, body, NOW_MS),
            Err(HookRefused::MissingHeader("X-Zendesk-Webhook-Signature"))
        );
        let without_stamp: Vec<_> = headers
            .iter()
            .filter(|(n, _)| n != SIGNATURE_TIMESTAMP)
            .cloned()
            .collect();
        assert_eq!(
            verify(&without_stamp, body, NOW_MS),
            Err(HookRefused::MissingHeader(
                "X-Zendesk-Webhook-Signature-Timestamp"
            ))
        );
    }

    fn read(body: &str) -> Result<Vec<Pulled>, HookRefused> {
        Zendesk.read_hook(&Hook {
            headers: &[],
            body: body.as_bytes(),
        })
    }

    fn ms(iso: &str) -> i64 {
        iso.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn a_status_change_is_read_in_lower_case() {
        assert_eq!(
            read(fixture!("hook_status_changed.json")),
            Ok(vec![Pulled {
                event_id: "a8b9c1d2-3e4f-4a6b-8c8d-9e0f1a2b3c4d".into(),
                remote_ticket_id: "35436".into(),
                at_ms: ms("2026-12-07T21:15:20.987Z"),
                actor_remote_id: Some("8447388090495".into()),
                change: PulledChange::Status("solved".into()),
            }])
        );
    }

    #[test]
    fn a_priority_change_is_read_as_ours() {
        assert_eq!(
            read(fixture!("hook_priority_changed.json")),
            Ok(vec![Pulled {
                event_id: "0c6e3f0e-8a7d-4b61-9a53-5d1f2b7f6a10".into(),
                remote_ticket_id: "35436".into(),
                at_ms: ms("2026-12-07T21:16:02.120Z"),
                actor_remote_id: Some("8447388090495".into()),
                change: PulledChange::Priority(Priority::Urgent),
            }])
        );
        let cleared = fixture!("hook_priority_changed.json")
            .replace("\"current\": \"URGENT\"", "\"current\": null");
        assert_eq!(read(&cleared), Ok(vec![]));
    }

    #[test]
    fn comments_are_read_with_author_visibility_and_side() {
        assert_eq!(
            read(fixture!("hook_comment_added_public.json")),
            Ok(vec![Pulled {
                event_id: "d4f5c389-8f4a-4c2e-a1b9-8e4f39c71d52".into(),
                remote_ticket_id: "35436".into(),
                at_ms: ms("2026-12-07T21:12:30.123Z"),
                actor_remote_id: Some("8447388090495".into()),
                change: PulledChange::Comment {
                    remote_comment_id: "7723201".into(),
                    body: "We are sending a replacement today.".into(),
                    public: true,
                    author_name: "Sam Agent".into(),
                    by_requester: false,
                },
            }])
        );
        assert_eq!(
            read(fixture!("hook_comment_added_private.json")),
            Ok(vec![Pulled {
                event_id: "5e2b9a44-1c0d-4f7e-b3a2-61c8d9e0f712".into(),
                remote_ticket_id: "35436".into(),
                at_ms: ms("2026-12-07T21:13:05.004Z"),
                actor_remote_id: Some("8447388090495".into()),
                change: PulledChange::Comment {
                    remote_comment_id: "7723215".into(),
                    body: "Courier confirmed the damage; claim filed.".into(),
                    public: false,
                    author_name: "Sam Agent".into(),
                    by_requester: false,
                },
            }])
        );
        assert_eq!(
            read(fixture!("hook_comment_added_requester.json")),
            Ok(vec![Pulled {
                event_id: "9f1d7c2a-6b3e-4d58-a0c4-2e7b8f91d3a6".into(),
                remote_ticket_id: "35436".into(),
                at_ms: ms("2026-12-07T21:14:11.500Z"),
                actor_remote_id: Some("8447388090777".into()),
                change: PulledChange::Comment {
                    remote_comment_id: "7723230".into(),
                    body: "Thank you, I will keep an eye on the mailbox.".into(),
                    public: true,
                    author_name: "Robin Customer".into(),
                    by_requester: true,
                },
            }])
        );
    }

    #[test]
    fn a_deleted_ticket_is_read_and_other_events_change_nothing() {
        assert_eq!(
            read(fixture!("hook_soft_deleted.json")),
            Ok(vec![Pulled {
                event_id: "3b7c0f5e-2d9a-4e11-8f6b-c4a1e2d3f509".into(),
                remote_ticket_id: "35436".into(),
                at_ms: ms("2026-12-07T21:20:45.906Z"),
                actor_remote_id: Some("8447388090495".into()),
                change: PulledChange::Deleted,
            }])
        );
        // The status list's after-life states: deleted is gone, archived is closed.
        let status = fixture!("hook_status_changed.json");
        let deleted = status.replace("\"current\": \"SOLVED\"", "\"current\": \"DELETED\"");
        assert_eq!(read(&deleted).unwrap()[0].change, PulledChange::Deleted);
        let archived = status.replace("\"current\": \"SOLVED\"", "\"current\": \"ARCHIVED\"");
        assert_eq!(
            read(&archived).unwrap()[0].change,
            PulledChange::Status("closed".into())
        );
        let permanently = fixture!("hook_soft_deleted.json")
            .replace("ticket.soft_deleted", "ticket.permanently_deleted");
        assert_eq!(read(&permanently).unwrap()[0].change, PulledChange::Deleted);
        let tags = fixture!("hook_status_changed.json")
            .replace("ticket.status_changed", "ticket.tags_changed");
        assert_eq!(read(&tags), Ok(vec![]));
    }

    #[test]
    fn an_unreadable_payload_is_refused() {
        assert!(matches!(read("not json"), Err(HookRefused::Unreadable(_))));
        assert!(matches!(
            read(
                "{\"type\":\"zen:event-type:ticket.status_changed\",\"detail\":{\"id\":\"1\"},\"event\":{}}"
            ),
            Err(HookRefused::Unreadable(_))
        ));
    }
}
