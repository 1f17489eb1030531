//! External sync with a help desk: one `Connector` per platform (Zendesk, Gorgias), the push
//! job that sends a linked ticket's changes (`push`), and what both share.
//!
//! A connector is sans-IO: it builds each `outbound::Request` and reads each `outbound::Answer`,
//! and verifies and reads the platform's webhooks, without touching the network or the
//! database. The push job (`push`) does the I/O through the `Outbound` seam, so host tests
//! drive a connector with the platform's documented answers (`tests/fixtures/sync/`) and the
//! end-to-end tests with doubles that speak the same wire format (`tests/support/`).
//!
//! Adding a platform (Kustomer, Freshdesk): a variant of `shared::sync::Platform` with its
//! status and priority tables, a module here implementing `Connector`, its arm in
//! `connector`, the migration that widens `sync_connections.platform`'s CHECK, and its
//! fixtures and double (README "External sync" walks through it).

pub mod check;
pub mod gorgias;
pub mod push;
pub mod zendesk;

use std::fmt;

use ticketbooth_shared::Priority;
use ticketbooth_shared::sync::{Local, Platform};

use super::outbound::{Answer, OutboundPolicy, OutboundUrl, Request, Target, UrlError};
use crate::service::sync_connections::{AuthKind, Connection};

/// How our credentials are presented. Its `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// Zendesk API token: Basic `{email}/token:{token}`.
    ApiToken { email: String, token: String },
    /// A pasted OAuth access token: `Authorization: Bearer {token}`.
    Bearer { token: String },
    /// Gorgias: Basic `{email}:{api key}`.
    Basic { user: String, key: String },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiToken { email, .. } => write!(f, "Auth::ApiToken({email}, ..)"),
            Auth::Bearer { .. } => f.write_str("Auth::Bearer(..)"),
            Auth::Basic { user, .. } => write!(f, "Auth::Basic({user}, ..)"),
        }
    }
}

/// A site's live connection, as a connector needs it: where, as whom, and (once the
/// connection test ran) the platform's id of that user.
#[derive(Debug, Clone)]
pub struct Account {
    /// `https://acme.zendesk.com` — passed the outbound policy when this was built.
    pub base: OutboundUrl,
    pub auth: Auth,
    pub remote_user_id: Option<String>,
}

impl Account {
    /// A connection's account, its base URL checked by the outbound policy now (a value saved
    /// under an older policy is refused here, before any request).
    pub fn of(connection: &Connection, policy: OutboundPolicy) -> Result<Self, UrlError> {
        let base = OutboundUrl::parse(&connection.base_url, Target::Base, policy)?;
        let user = connection.auth_user.clone().unwrap_or_default();
        let secret = connection.credential.clone();
        let auth = match connection.auth_kind {
            AuthKind::ApiToken => Auth::ApiToken {
                email: user,
                token: secret,
            },
            AuthKind::Bearer => Auth::Bearer { token: secret },
            AuthKind::Basic => Auth::Basic { user, key: secret },
        };
        Ok(Self {
            base,
            auth,
            remote_user_id: connection.remote_user_id.clone(),
        })
    }
}

/// Who the credentials act as (the connection test's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUser {
    pub id: String,
    pub name: String,
}

/// A ticket to create remotely.
#[derive(Debug, Clone)]
pub struct NewRemote<'a> {
    /// Our ticket id: the idempotency key, and the remote ticket's external id.
    pub ticket_id: &'a str,
    /// `TKT-42`, named in the remote subject or a tag so people can find it.
    pub code: &'a str,
    pub subject: &'a str,
    /// The first message of the remote ticket (with the chat transcript, when one came).
    pub description: &'a str,
    pub requester_name: Option<&'a str>,
    /// The requester is matched (or created) by e-mail; without one the platform's own rule
    /// for anonymous requesters applies.
    pub requester_email: Option<&'a str>,
    pub status: Local,
    pub priority: Priority,
    pub labels: &'a [String],
    /// The ticket's page in our dashboard, for a link on the remote side.
    pub ticket_url: &'a str,
}

/// The remote ticket that exists now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub remote_id: String,
}

/// One change pushed to an existing remote ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<'a> {
    Status(Local),
    Priority(Priority),
    /// A customer-facing reply (`public`) or an internal note (a private note where the
    /// platform has them).
    Comment {
        body: &'a str,
        public: bool,
        author_name: &'a str,
    },
}

/// What an update answered: for a comment, the id the platform gave it (so its webhook echo
/// is recognised and it is never pushed twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    Done,
    Comment { remote_comment_id: Option<String> },
}

/// Why a request to the platform did not do what it should. `status` and `detail` are for the
/// link's error and the log: never the credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("rate limited by the platform; retry after {retry_after_s} s")]
    RateLimited { retry_after_s: u32 },
    #[error("the platform refused the credentials ({status})")]
    Unauthorized { status: u16 },
    #[error("the remote ticket no longer exists")]
    Gone,
    #[error("the platform refused the request ({status}): {detail}")]
    Rejected { status: u16, detail: String },
    #[error("the platform is unavailable: {0}")]
    Unavailable(String),
    #[error("the platform's answer could not be read: {0}")]
    Unreadable(String),
}

/// How long to wait when a platform says 429 without a usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_S: u32 = 60;

impl RemoteError {
    /// The error a non-2xx answer means, `None` for a 2xx. `now_ms` reads a `Retry-After`
    /// given as an HTTP date. The detail is the start of the body, for the link's error.
    pub fn of(answer: &Answer, now_ms: i64) -> Option<Self> {
        let status = answer.status;
        if (200..300).contains(&status) {
            return None;
        }
        let detail = || {
            let text = String::from_utf8_lossy(&answer.body);
            text.chars().take(200).collect::<String>()
        };
        Some(match status {
            429 => RemoteError::RateLimited {
                retry_after_s: answer
                    .retry_after
                    .as_deref()
                    .and_then(|v| retry_after_seconds(v, now_ms))
                    .unwrap_or(DEFAULT_RETRY_AFTER_S),
            },
            401 | 403 => RemoteError::Unauthorized { status },
            404 | 410 => RemoteError::Gone,
            500..=599 => RemoteError::Unavailable(format!("{status} {}", detail())),
            _ => RemoteError::Rejected {
                status,
                detail: detail(),
            },
        })
    }

    /// Whether trying again later may succeed (rate limits, outages); the rest need a person.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            RemoteError::RateLimited { .. } | RemoteError::Unavailable(_)
        )
    }
}

/// A `Retry-After` value in seconds from now: delta-seconds, or an HTTP date (RFC 9110).
pub fn retry_after_seconds(value: &str, now_ms: i64) -> Option<u32> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(seconds);
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let left_ms = at.as_millisecond().saturating_sub(now_ms).max(0);
    u32::try_from((left_ms + 999) / 1000).ok()
}

/// A webhook as it came in: its headers (names lower case) and its body's bytes.
#[derive(Debug, Clone, Copy)]
pub struct Hook<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Hook<'_> {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a webhook was refused (each is a 401 or 400 with its code; nothing is applied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookRefused {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("the signature does not match")]
    BadSignature,
    #[error("the timestamp is outside the accepted window")]
    Stale,
    #[error("the payload could not be read: {0}")]
    Unreadable(String),
}

/// How far a signed webhook's timestamp may be from our clock (either way).
pub const HOOK_WINDOW_MS: i64 = 5 * 60 * 1000;

// What a webhook reports (`Pulled`, `PulledChange`) is plain data the service that applies it
// reads too (`service::sync_pull`, below this room): it lives in `shared::sync`.
pub use ticketbooth_shared::sync::{Pulled, PulledChange};

/// A platform adapter. Sans-IO: requests out, answers in (see the module's doc).
pub trait Connector {
    fn platform(&self) -> Platform;

    /// The connection test: who the credentials act as.
    fn whoami(&self, account: &Account) -> Request;
    fn read_whoami(&self, answer: &Answer, now_ms: i64) -> Result<RemoteUser, RemoteError>;

    /// Creates the remote ticket. Idempotent on `ticket.ticket_id` where the platform has a
    /// key for it (Zendesk's `Idempotency-Key`).
    fn create(&self, account: &Account, ticket: &NewRemote<'_>) -> Request;
    fn read_created(&self, answer: &Answer, now_ms: i64) -> Result<Created, RemoteError>;

    /// Looks up the remote ticket created for our `ticket_id`, after a create whose answer was
    /// lost; `None` when `create` is idempotent on its own.
    fn find(&self, account: &Account, ticket_id: &str) -> Option<Request>;
    fn read_found(&self, answer: &Answer, now_ms: i64) -> Result<Option<Created>, RemoteError>;

    /// Pushes one change to the remote ticket `remote_id`.
    fn update(&self, account: &Account, remote_id: &str, change: &Change<'_>) -> Request;
    fn read_updated(&self, answer: &Answer, now_ms: i64) -> Result<Updated, RemoteError>;

    /// The remote ticket's page for an agent (the ticket page links to it).
    fn ticket_url(&self, account: &Account, remote_id: &str) -> String;

    /// Checks a webhook's signature (and timestamp, where the platform sends one) with the
    /// connection's webhook secret.
    fn verify(&self, hook: &Hook<'_>, secret: &str, now_ms: i64) -> Result<(), HookRefused>;
    /// The changes a verified webhook reports (possibly none: an event we do not act on).
    fn read_hook(&self, hook: &Hook<'_>) -> Result<Vec<Pulled>, HookRefused>;
}

/// The connector of `platform`.
pub fn connector(platform: Platform) -> &'static dyn Connector {
    match platform {
        Platform::Zendesk => &zendesk::Zendesk,
        Platform::Gorgias => &gorgias::Gorgias,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> Answer {
        Answer {
            status,
            retry_after: retry_after.map(str::to_owned),
            body: b"{\"error\":\"x\"}".to_vec(),
        }
    }

    #[test]
    fn answers_are_classified_by_status() {
        assert_eq!(RemoteError::of(&answer(201, None), 0), None);
        assert_eq!(
            RemoteError::of(&answer(429, Some("7")), 0),
            Some(RemoteError::RateLimited { retry_after_s: 7 })
        );
        assert_eq!(
            RemoteError::of(&answer(429, None), 0),
            Some(RemoteError::RateLimited {
                retry_after_s: DEFAULT_RETRY_AFTER_S
            })
        );
        assert_eq!(
            RemoteError::of(&answer(401, None), 0),
            Some(RemoteError::Unauthorized { status: 401 })
        );
        assert_eq!(
            RemoteError::of(&answer(404, None), 0),
            Some(RemoteError::Gone)
        );
        assert!(
            RemoteError::of(&answer(503, None), 0)
                .unwrap()
                .is_retryable()
        );
        assert!(
            !RemoteError::of(&answer(422, None), 0)
                .unwrap()
                .is_retryable()
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after_seconds(" 30 ", 0), Some(30));
        // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 s after the epoch.
        let now_ms = 1_445_412_480_000 - 90_000;
        assert_eq!(
            retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now_ms),
            Some(90)
        );
        assert_eq!(retry_after_seconds("soon", 0), None);
    }
}
