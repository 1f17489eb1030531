//! The Worker's HTTP API end to end on the host: `app::handle` over bundled SQLite with the
//! real migrations. One test binary (zero2prod style); `TestApp` is the only fixture.

mod account;
mod bot;
mod chat_contact;
mod classify;
mod conversations;
mod cors;
mod create;
mod create_choices;
mod csrf_gate;
mod dashboard;
mod data_rights;
mod demo_bot;
mod email_in;
mod escalation;
mod identity_and_cap;
mod inbox;
mod labels;
mod list;
mod listing_sla;
mod logs;
mod mail_out;
mod maintenance;
mod members;
mod migrations;
mod offboarding;
mod one_round_trip;
mod operator_api;
mod operator_tools;
mod outbound;
mod outbox;
mod protocol;
mod rate_limits;
mod reports;
mod requester_from_chat;
mod round_trips;
mod secrets;
mod sign_in;
mod site_settings;
mod sla;
mod summaries;
mod sync_gorgias;
mod sync_hooks_zendesk;
mod sync_pull;
mod sync_push;
mod sync_settings;
mod teams;
mod ticket_actions;
mod ticket_page;
mod tokens;
mod tools;
mod turnstile;
mod visitor_reads;
mod visitor_thread;
mod waiting;
mod webhooks;

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;

use serde_json::Value as Json;
use ticketbooth_functions::app;
use ticketbooth_functions::context::{App, Fresh};
use ticketbooth_functions::crypto::secret_box::{SecretsKey, SecretsKeyError};
use ticketbooth_functions::crypto::visitor_token::TokenKey;
use ticketbooth_functions::http::{Body, Request, Response};
use ticketbooth_functions::infra::rate_limit::{Counting, RateLimiter, Unlimited};
use ticketbooth_functions::integrations::outbound::{Offline, Outbound, OutboundPolicy};
use ticketbooth_functions::service::site_cache::{SiteCache, TTL_MS};
use ticketbooth_functions::store::sqlite::SqliteExecutor;
use ticketbooth_functions::store::{Executor, Statement, Value};
use ticketbooth_shared::ids::{TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;

pub const OWN_ORIGIN: &str = "https://tickets.example.net";
pub const SECRET: &str = "test-secret-test-secret-test-secret!";
/// The test Worker's `SECRETS_KEY`: sites' secrets are sealed under it.
pub const SECRETS_KEY: &str = "test-secrets-key-test-secrets-key-0001";

pub struct TestApp {
    app: App<SqliteExecutor>,
    /// Seeds the fresh ids and the clock, so each request gets distinct, predictable ones.
    counter: Cell<u32>,
    /// Added to the clock: lets a test jump past an expiry.
    clock_offset: Cell<i64>,
}

/// Every test ends by checking what the triggers of migration 0017 promise: the status counts
/// the list shows are the tickets table's own, whatever the test wrote (through the app or in
/// raw SQL). Not while a test is already failing: its own message says more.
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let kept = self.rows(
            "SELECT site_id, status, n FROM ticket_status_counts WHERE n > 0
             ORDER BY site_id, status",
            vec![],
        );
        let counted = self.rows(
            "SELECT site_id, status, COUNT(*) AS n FROM tickets GROUP BY site_id, status
             ORDER BY site_id, status",
            vec![],
        );
        assert_eq!(kept, counted, "ticket_status_counts drifted from tickets");
    }
}

impl TestApp {
    /// Sites: `acme` (contact not required), `strict` (contact required, prefix STR), `off`
    /// (ticketing disabled). All allow https://acme.example.
    pub fn spawn() -> Self {
        Self::with_secret(SECRET)
    }

    pub fn with_secret(secret: &str) -> Self {
        Self::with(secret, Box::new(Unlimited), Box::new(Offline))
    }

    /// With calls to other services answered by `outbound` (a double of their wire format).
    pub fn with_outbound(outbound: Box<dyn Outbound>) -> Self {
        Self::with(SECRET, Box::new(Unlimited), outbound)
    }

    /// With public writes limited as the Worker's bindings would.
    pub fn with_limits(per_client: u32, per_site: u32) -> Self {
        Self::with(
            SECRET,
            Box::new(Counting::new(per_client, per_site)),
            Box::new(Offline),
        )
    }

    /// As `with_limits`, with chat writes limited to `per_chat` per client too.
    pub fn with_chat_limits(per_client: u32, per_chat: u32, per_site: u32) -> Self {
        Self::with(
            SECRET,
            Box::new(Counting::new(per_client, per_site).with_chat_limit(per_chat)),
            Box::new(Offline),
        )
    }

    fn with(secret: &str, limiter: Box<dyn RateLimiter>, outbound: Box<dyn Outbound>) -> Self {
        let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let db = SqliteExecutor::in_memory(&migrations).expect("migrations apply");
        db.execute_script(
            r#"INSERT INTO sites (id, key, name, code_prefix, contact_required, ticketing_enabled, allowed_origins, created_at) VALUES
                 (1, 'acme',   'Acme',   'TKT', 0, 1, '["https://acme.example"]', 0),
                 (2, 'strict', 'Strict', 'STR', 1, 1, '["https://acme.example"]', 0),
                 (3, 'off',    'Off',    'TKT', 0, 0, '["https://acme.example"]', 0);"#,
        )
        .expect("seed sites");
        Self {
            app: App {
                db,
                token_key: TokenKey::new(secret),
                limiter,
                sites: Rc::new(SiteCache::new(TTL_MS)),
                credentials: Rc::default(),
                outbound,
                turnstile_verify_url:
                    ticketbooth_functions::integrations::turnstile::SITEVERIFY_URL.to_owned(),
                turnstile_script_url: ticketbooth_functions::integrations::turnstile::SCRIPT_URL
                    .to_owned(),
                secrets: SecretsKey::new(SECRETS_KEY),
                outbound_policy: OutboundPolicy::Production,
                email_domain: "mail.example.net".to_owned(),
            },
            counter: Cell::new(0),
            clock_offset: Cell::new(0),
        }
    }

    /// Under `policy` for tenants' URLs (production unless a test says otherwise).
    pub fn with_outbound_policy(mut self, policy: OutboundPolicy) -> Self {
        self.app.outbound_policy = policy;
        self
    }

    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Body) -> Response {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let now = Timestamp::from_millis(
            1_795_427_280_000 + i64::from(n) * 1000 + self.clock_offset.get(),
        );
        let fresh = Fresh {
            now,
            ticket_id: TicketId::mint(now, seeded(n, 0)),
            visitor_id: VisitorId::mint(seeded(n, 128)),
            entropy: seeded(n, 64),
            request_id: format!("{:016x}", 0x7e57_0000_0000_0000_u64 + u64::from(n)),
        };
        let mut request = request(method, path, headers, body);
        // As the Worker does: the body only for a request `admits_body` lets through, so
        // every refusal these tests check is also shown to come without reading the body.
        if !pollster::block_on(app::admits_body(&self.app, &request, now)) {
            request.body = Body::Bytes(Vec::new());
        }
        let mut response = pollster::block_on(app::handle(&self.app, &request, fresh));
        // A streamed body (the export) is drained here as the Worker streams it: page by page.
        while let Some(at) = response.more.take() {
            let (chunk, next) = pollster::block_on(
                ticketbooth_functions::http::export::next_chunk(&self.app.db, at),
            )
            .expect("the next page of a streamed body");
            response.body.extend(chunk);
            response.more = next;
        }
        response
    }

    /// What the Worker decides before reading a request's body (`app::admits_body`).
    pub fn admits_body(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> bool {
        let request = request(method, path, headers, Body::Bytes(Vec::new()));
        let now = Timestamp::from_millis(1_795_427_280_000 + self.clock_offset.get());
        pollster::block_on(app::admits_body(&self.app, &request, now))
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.send("GET", path, headers, Body::Bytes(Vec::new()))
    }

    /// POSTs JSON to a site's tickets with an Idempotency-Key (and any extra headers).
    pub fn create(&self, site: &str, key: &str, body: &Json, extra: &[(&str, &str)]) -> Response {
        let mut headers = vec![
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ];
        headers.extend_from_slice(extra);
        let path = format!("/api/v1/sites/{site}/tickets");
        self.send(
            "POST",
            &path,
            &headers,
            Body::Bytes(body.to_string().into_bytes()),
        )
    }

    /// Runs a read against the database behind the app.
    pub fn rows(
        &self,
        sql: &'static str,
        params: Vec<Value>,
    ) -> Vec<serde_json::Map<String, Json>> {
        pollster::block_on(self.app.db.query(Statement::new(sql, params))).expect("query")
    }

    pub fn count(&self, sql: &'static str) -> i64 {
        self.rows(sql, vec![])[0]
            .values()
            .next()
            .and_then(Json::as_i64)
            .expect("a count")
    }

    /// Runs on as a Worker with other `SECRETS_KEY`s (a rotation, or none at all).
    pub fn set_secrets_key(&mut self, secrets: Result<SecretsKey, SecretsKeyError>) {
        self.app.secrets = secrets;
    }

    /// The master keys the app seals sites' secrets with.
    pub fn secrets_key(&self) -> &Result<SecretsKey, SecretsKeyError> {
        &self.app.secrets
    }

    /// Moves the app's clock forward.
    pub fn advance(&self, ms: i64) {
        self.clock_offset.set(self.clock_offset.get() + ms);
    }

    pub fn db(&self) -> &SqliteExecutor {
        &self.app.db
    }
}

pub fn json(response: &Response) -> Json {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", response.body))
}

/// A request as the Worker's adapter builds it: lower-case header names, the query split off.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Body) -> Request {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        own_origin: OWN_ORIGIN.to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
            .collect(),
        body,
    }
}

/// The `error.code` of an error response, after checking its status.
pub fn error_code(response: &Response, status: u16) -> String {
    assert_eq!(
        response.status,
        status,
        "body: {}",
        String::from_utf8_lossy(&response.body)
    );
    let body = json(response);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned()
}

pub fn ticket_body(subject: &str) -> Json {
    serde_json::json!({ "subject": subject, "description": "The printer is on fire." })
}

/// The password every fixture operator gets.
pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Adds a person (`id`: 32 hex digits) with `PASSWORD`, as `role` of each site in `sites`.
    pub fn add_operator(&self, id: &str, email: &str, name: &str, sites: &[(i64, &str)]) {
        use ticketbooth_functions::crypto::password::{Password, PasswordHash};
        let password = Password::parse(PASSWORD).unwrap();
        let hash = pollster::block_on(PasswordHash::create(&password, [3; 16])).unwrap();
        let run = |sql: &'static str, params: Vec<Value>| {
            pollster::block_on(self.app.db.batch(vec![Statement::new(sql, params)])).unwrap();
        };
        run(
            "INSERT INTO operators (id, email, name, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, 0)",
            vec![id.into(), email.into(), name.into(), hash.encode().into()],
        );
        for (site, role) in sites {
            run(
                "INSERT INTO site_members (site_id, operator_id, role, created_at)
                 VALUES (?1, ?2, ?3, 0)",
                vec![(*site).into(), id.into(), (*role).into()],
            );
        }
    }

    /// POSTs a form from our own pages (`Sec-Fetch-Site: same-origin`) with a session cookie.
    pub fn form(&self, path: &str, session: Option<&str>, pairs: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(pairs).unwrap().into_bytes();
        let cookie = session.map(session_cookie).unwrap_or_default();
        let headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
            ("cookie", cookie.as_str()),
        ];
        self.send("POST", path, &headers, Body::Bytes(body))
    }

    /// A new isolate's credential hints: none (`credential_cache`).
    pub fn forget_credentials(&mut self) {
        self.app.credentials = Rc::default();
    }

    /// Signs in and returns the session cookie's value.
    pub fn sign_in(&self, email: &str) -> String {
        let r = self.form(
            "/app/login",
            None,
            &[("email", email), ("password", PASSWORD)],
        );
        assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
        let set = r.header("set-cookie").expect("a session cookie");
        set.strip_prefix("__Host-tb_session=")
            .and_then(|rest| rest.split(';').next())
            .expect("the cookie's value")
            .to_owned()
    }

    /// GETs a dashboard page with a session; status and HTML.
    pub fn page(&self, path: &str, session: &str) -> (u16, String) {
        let r = self.get(path, &[("cookie", &session_cookie(session))]);
        (r.status, String::from_utf8(r.body).unwrap())
    }
}

/// The `Cookie` header for a session on our (HTTPS) origin.
pub fn session_cookie(value: &str) -> String {
    format!("other=1; __Host-tb_session={value}")
}

/// The CSRF token the pages of a session carry (read from a page, as a browser would).
pub fn csrf_of(app: &TestApp, session: &str) -> String {
    let (_, html) = app.page("/app/tickets", session);
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + 64].to_owned()
}

/// The "random" bytes of request `n` in a test: `n`'s low byte plus `tag`, repeated (what the
/// first 255 requests of a test have always had), and from request 256 on `n`'s higher bytes in
/// front, so no two requests of one test share an id or a secret however many it sends.
fn seeded<const L: usize>(n: u32, tag: u8) -> [u8; L] {
    let mut bytes = [(n as u8).wrapping_add(tag); L];
    if n > u32::from(u8::MAX) {
        bytes[..4].copy_from_slice(&(n >> 8).to_be_bytes());
    }
    bytes
}

/// A long test (an export of hundreds of tickets, a bulk run) gets a new clock tick and new
/// ids on every request: none repeats, and the clock never goes back.
#[test]
fn requests_never_repeat_an_id_however_many() {
    let mut seen = std::collections::HashSet::new();
    for n in 1..=1_000u32 {
        for tag in [0u8, 64, 128] {
            assert!(
                seen.insert((tag, seeded::<16>(n, tag))),
                "request {n} repeats an earlier request's bytes (tag {tag})"
            );
        }
    }
}
