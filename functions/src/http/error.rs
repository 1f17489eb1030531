//! The one error type of the HTTP layer, and the one place errors become status codes and
//! `{ "error": { "code", "message", "fields" } }` bodies. Internal detail goes to the log only.

use std::collections::BTreeMap;

use thiserror::Error;
use ticketbooth_shared::TransitionError;
use ticketbooth_shared::api::{ErrorBody, ErrorDetail};
use ticketbooth_shared::new_ticket::ValidationErrors;

use super::{MAX_BODY_BYTES, Response};
use crate::crypto::identity_token::IdentityError;
use crate::infra::rate_limit::PERIOD_SECS;
use crate::service::tools::ToolError;
use crate::service::{Refusal, ServiceError};
use crate::store::StoreError;

/// The log line of a refusal for want of `SECRETS_KEY` (API and dashboard alike).
pub const SECRETS_KEY_MISSING_LOG: &str = "SECRETS_KEY is missing or shorter than 32 bytes: \
     site secrets can be neither stored nor read (wrangler secret put SECRETS_KEY)";

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("Some fields need attention.")]
    Validation(ValidationErrors),
    #[error(
        "Send an Idempotency-Key header (a UUID per ticket draft) so retries never duplicate a ticket."
    )]
    IdempotencyKeyRequired,
    #[error("The Idempotency-Key header must be a UUID v4 (for example from crypto.randomUUID()).")]
    IdempotencyKeyInvalid,
    #[error("This Idempotency-Key was already used with a different request body.")]
    IdempotencyKeyReused,
    #[error("No site is registered under this key.")]
    SiteNotFound,
    #[error("Nothing is here.")]
    NotFound,
    #[error("This method is not allowed here; allowed: {allow}.")]
    MethodNotAllowed { allow: &'static str },
    #[error("Send the body as JSON with Content-Type: application/json.")]
    UnsupportedMediaType,
    #[error("The request body is larger than {MAX_BODY_BYTES} bytes.")]
    PayloadTooLarge,
    #[error("The request body is not valid JSON for this endpoint: {0}")]
    MalformedJson(String),
    #[error("The query string is not valid for this endpoint: {0}")]
    BadQuery(String),
    #[error("`after` must be a message seq: a whole number, 0 or more.")]
    InvalidCursor,
    #[error("A valid visitor token is required (Authorization: Bearer <token>).")]
    Unauthorized,
    #[error("A valid API token is required (Authorization: Bearer <token>).")]
    ApiTokenRequired,
    #[error("Your role does not allow this.")]
    Forbidden,
    #[error("A valid bot key for this site is required (Authorization: Bearer <bot key>).")]
    BotKeyRequired,
    #[error(
        "The ticketing tools are switched off for this site (its `ticketing` capability); an owner can turn them on in the site settings."
    )]
    CapabilityDisabled,
    /// The bot's `open_ticket` past the tickets one visitor message may open.
    #[error(
        "This visitor message has already opened {max} tickets, the most one message may open. Nothing more was opened: tell the visitor which tickets were opened; they can ask again in a new message."
    )]
    TicketLimitReached { max: usize },
    #[error(
        "This ticket was changed by someone else since you loaded it. Nothing was saved; reload it and try again."
    )]
    StaleEdit,
    /// The message names the states the ticket may move to.
    #[error("{0}")]
    TransitionRefused(TransitionError),
    #[error("Choose a snooze time in the future.")]
    SnoozeInPast,
    /// Whom a ticket waits on, asked of one that is not pending: says its status.
    #[error("{0}.")]
    NotPending(ticketbooth_shared::waiting::NotPending),
    #[error("Assign the ticket to a member of this site who works tickets.")]
    AssigneeNotMember,
    #[error("This origin may not call this site's API.")]
    OriginNotAllowed,
    #[error("Ticketing is switched off for this site.")]
    TicketingDisabled,
    #[error("Too many requests; please wait a minute and try again. Nothing was saved.")]
    RateLimited,
    #[error(
        "This site has received as many tickets today as it accepts (its daily cap). Nothing was saved; please try again tomorrow (UTC) or contact the site another way."
    )]
    DailyCapReached { retry_after_secs: i64 },
    /// The message says what is wrong with the `Ticketbooth-Identity` JWT.
    #[error("{0}")]
    IdentityInvalid(IdentityError),
    /// Turnstile's human check is missing, failed, or could not be made.
    #[error("{0}")]
    Turnstile(TurnstileError),
    /// A help desk's webhook that is not admitted (`api::sync_hooks`): nothing was applied.
    #[error("{0}")]
    WebhookRefused(WebhookRefusal),
    /// A sign-in, membership or settings rule said no (`Refusal` has the status and code).
    #[error(transparent)]
    Refused(Refusal),
    /// The message shown is generic; the detail goes to the log.
    #[error("Something went wrong on our side. Nothing was saved; please try again.")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Validation(_)
            | ApiError::IdempotencyKeyReused
            | ApiError::SnoozeInPast
            | ApiError::NotPending(_)
            | ApiError::AssigneeNotMember => 422,
            ApiError::StaleEdit | ApiError::TransitionRefused(_) => 409,
            ApiError::IdempotencyKeyRequired
            | ApiError::IdempotencyKeyInvalid
            | ApiError::MalformedJson(_)
            | ApiError::BadQuery(_)
            | ApiError::InvalidCursor => 400,
            ApiError::SiteNotFound | ApiError::NotFound => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::UnsupportedMediaType => 415,
            ApiError::PayloadTooLarge => 413,
            ApiError::Unauthorized
            | ApiError::ApiTokenRequired
            | ApiError::BotKeyRequired
            | ApiError::IdentityInvalid(_) => 401,
            ApiError::CapabilityDisabled => 403,
            ApiError::Forbidden | ApiError::OriginNotAllowed | ApiError::TicketingDisabled => 403,
            ApiError::RateLimited
            | ApiError::DailyCapReached { .. }
            | ApiError::TicketLimitReached { .. } => 429,
            ApiError::Refused(refusal) => refusal.status(),
            ApiError::WebhookRefused(WebhookRefusal::InvalidPayload(_)) => 400,
            ApiError::WebhookRefused(_) => 401,
            ApiError::Turnstile(TurnstileError::Missing | TurnstileError::Rejected(_)) => 422,
            ApiError::Turnstile(TurnstileError::Unavailable(_)) => 503,
            ApiError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation_failed",
            ApiError::IdempotencyKeyRequired => "idempotency_key_required",
            ApiError::IdempotencyKeyInvalid => "idempotency_key_invalid",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::SiteNotFound => "site_not_found",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::BadQuery(_) => "bad_query",
            ApiError::InvalidCursor => "invalid_cursor",
            ApiError::Unauthorized | ApiError::ApiTokenRequired | ApiError::BotKeyRequired => {
                "unauthorized"
            }
            ApiError::CapabilityDisabled => "capability_disabled",
            ApiError::Forbidden => "forbidden",
            ApiError::StaleEdit => "stale_edit",
            ApiError::TransitionRefused(_) => "transition_refused",
            ApiError::SnoozeInPast => "snooze_in_past",
            ApiError::NotPending(_) => "not_pending",
            ApiError::AssigneeNotMember => "assignee_not_member",
            ApiError::OriginNotAllowed => "origin_not_allowed",
            ApiError::TicketingDisabled => "ticketing_disabled",
            ApiError::RateLimited => "rate_limited",
            ApiError::DailyCapReached { .. } => "daily_cap_reached",
            ApiError::TicketLimitReached { .. } => "ticket_limit_reached",
            ApiError::IdentityInvalid(_) => "identity_invalid",
            ApiError::Refused(refusal) => refusal.code(),
            ApiError::WebhookRefused(refusal) => refusal.code(),
            ApiError::Turnstile(TurnstileError::Missing) => "turnstile_required",
            ApiError::Turnstile(TurnstileError::Rejected(_)) => "turnstile_failed",
            ApiError::Turnstile(TurnstileError::Unavailable(_)) => "turnstile_unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn into_response(self) -> Response {
        let fields: BTreeMap<String, String> = match &self {
            ApiError::Validation(errors) => errors
                .0
                .iter()
                .map(|(k, e)| ((*k).to_owned(), e.to_string()))
                .collect(),
            // The field a client sent it in (an assign action's or a create's `assignee`).
            ApiError::AssigneeNotMember => {
                BTreeMap::from([("assignee".to_owned(), self.to_string())])
            }
            ApiError::NotPending(_) => {
                BTreeMap::from([("waiting_on".to_owned(), self.to_string())])
            }
            _ => BTreeMap::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.to_string(),
                fields,
            },
        };
        let mut response = Response::json(self.status(), &body);
        match self {
            ApiError::MethodNotAllowed { allow } => response = response.with_header("allow", allow),
            ApiError::Unauthorized | ApiError::ApiTokenRequired | ApiError::BotKeyRequired => {
                response = response.with_header("www-authenticate", "Bearer")
            }
            ApiError::RateLimited => {
                response = response.with_header("retry-after", PERIOD_SECS.to_string())
            }
            ApiError::DailyCapReached { retry_after_secs } => {
                response = response.with_header("retry-after", retry_after_secs.to_string())
            }
            ApiError::Internal(detail) => response.log = Some(detail),
            // The deployment's fault, not the caller's: the Worker log says what to fix.
            ApiError::Refused(Refusal::SecretsKeyMissing) => {
                response.log = Some(SECRETS_KEY_MISSING_LOG.to_owned())
            }
            ApiError::Turnstile(TurnstileError::Rejected(codes)) => {
                response.log = Some(format!("siteverify error codes: {codes:?}"))
            }
            ApiError::Turnstile(TurnstileError::Unavailable(detail)) => {
                response.log = Some(detail);
                response = response.with_header("retry-after", "10")
            }
            _ => {}
        }
        response
    }
}

/// A database fault seen directly by a route (decoding a row it read): a 500 whose detail is
/// logged, never shown (the same as `ServiceError::Store` below).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::SiteNotFound => ApiError::SiteNotFound,
            ServiceError::TicketingDisabled => ApiError::TicketingDisabled,
            ServiceError::DailyCapReached { retry_after_secs } => {
                ApiError::DailyCapReached { retry_after_secs }
            }
            ServiceError::Validation(errors) => ApiError::Validation(errors),
            ServiceError::IdempotencyKeyReused => ApiError::IdempotencyKeyReused,
            ServiceError::TicketNotFound | ServiceError::NotFound => ApiError::NotFound,
            ServiceError::NotSignedIn => ApiError::Unauthorized,
            ServiceError::Forbidden => ApiError::Forbidden,
            ServiceError::StaleEdit => ApiError::StaleEdit,
            ServiceError::TransitionRefused(e) => ApiError::TransitionRefused(e),
            ServiceError::SnoozeInPast => ApiError::SnoozeInPast,
            ServiceError::NotPending(e) => ApiError::NotPending(e),
            ServiceError::AssigneeNotMember => ApiError::AssigneeNotMember,
            ServiceError::Refused(refusal) => ApiError::Refused(refusal),
            ServiceError::Store(store) => ApiError::Internal(store.to_string()),
        }
    }
}

/// A refused tool call (`service::tools`) as the API's error: the HTTP tool route and MCP
/// answer with it, and the bot hands the same code and message to its model.
impl From<ToolError> for ApiError {
    fn from(e: ToolError) -> Self {
        match e {
            ToolError::CapabilityOff => ApiError::CapabilityDisabled,
            ToolError::TicketLimitReached { max } => ApiError::TicketLimitReached { max },
            ToolError::Invalid(errors) => ApiError::Validation(errors),
            ToolError::Malformed(detail) => ApiError::MalformedJson(detail),
            ToolError::NotFound => ApiError::NotFound,
            ToolError::Service(e) => e.into(),
        }
    }
}

/// Why the human check (Cloudflare Turnstile, `integrations::turnstile`) did not let a
/// ticket through: a refusal the API gives, so it lives beside `ApiError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TurnstileError {
    #[error("This site asks for a human check: complete it and send the ticket again.")]
    Missing,
    /// The error codes siteverify gave (for the log; the visitor is told to try again).
    #[error("The human check did not pass. Please complete it again and resend.")]
    Rejected(Vec<String>),
    /// No usable answer from siteverify. The widget keeps the draft, so nothing is lost.
    #[error(
        "The human check could not be verified just now. Nothing was saved; please try again in a moment."
    )]
    Unavailable(String),
}

/// Why a help desk's webhook was refused (`ApiError::WebhookRefused`): each a 401 with its
/// code, but an unreadable body (400). Said in words an admin setting the webhook up can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("The webhook's signature header ({0}) is missing.")]
    MissingSignature(&'static str),
    #[error("The webhook's signature does not match this connection's webhook secret.")]
    BadSignature,
    #[error("The webhook's timestamp is too far from now; it may be a replay.")]
    StaleTimestamp,
    #[error(
        "This connection has no webhook secret yet: set one on the sync settings page, then in the platform's webhook."
    )]
    SecretMissing,
    #[error("The webhook's payload could not be read: {0}")]
    InvalidPayload(String),
}

impl WebhookRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            WebhookRefusal::MissingSignature(_) => "missing_signature",
            WebhookRefusal::BadSignature => "bad_signature",
            WebhookRefusal::StaleTimestamp => "stale_timestamp",
            WebhookRefusal::SecretMissing => "webhook_secret_missing",
            WebhookRefusal::InvalidPayload(_) => "invalid_payload",
        }
    }
}
