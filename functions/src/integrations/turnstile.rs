//! Cloudflare Turnstile, optional per site: when a site has Turnstile keys, a widget ticket
//! carries the token the Turnstile widget produced, and the Worker checks it with siteverify
//! before anything is written.
//!
//! The siteverify URL is configurable (`TURNSTILE_VERIFY_URL`), so the end-to-end tests run
//! against a local verifier that speaks the same wire format.

use serde::Deserialize;

use crate::http::error::TurnstileError;
use crate::integrations::outbound::Outbound;
use crate::service::turnstile_keys::TurnstileKeys;

/// Cloudflare's endpoint; deployments use it unless `TURNSTILE_VERIFY_URL` says otherwise.
pub const SITEVERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/// Cloudflare's script, for explicit rendering; the widget loads it unless
/// `TURNSTILE_SCRIPT_URL` says otherwise.
pub const SCRIPT_URL: &str =
    "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

/// Turnstile tokens are at most 2,048 characters (Cloudflare's documentation).
const MAX_TOKEN_CHARS: usize = 2_048;

/// siteverify's answer (the fields we read; it sends more).
#[derive(Debug, Deserialize)]
struct Verdict {
    success: bool,
    #[serde(default, rename = "error-codes")]
    error_codes: Vec<String>,
}

/// Checks `token` with siteverify. `idempotency_key` is the ticket create's own key: a
/// retried create (its first answer lost) sends the same key, and siteverify answers a
/// repeated key with its first verdict instead of "timeout-or-duplicate" for a token it has
/// already seen — so a replay stays a replay.
pub async fn verify(
    client: &dyn Outbound,
    url: &str,
    keys: &TurnstileKeys,
    token: Option<&str>,
    remote_ip: Option<&str>,
    idempotency_key: &str,
) -> Result<(), TurnstileError> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(TurnstileError::Missing)?;
    if token.len() > MAX_TOKEN_CHARS {
        return Err(TurnstileError::Rejected(vec![
            "invalid-input-response".into(),
        ]));
    }
    let mut form = vec![
        ("secret", keys.expose_secret()),
        ("response", token),
        ("idempotency_key", idempotency_key),
    ];
    if let Some(ip) = remote_ip {
        form.push(("remoteip", ip));
    }
    let body = serde_urlencoded::to_string(&form)
        .map_err(|e| TurnstileError::Unavailable(e.to_string()))?;
    let reply = client
        .post_form(url, body)
        .await
        .map_err(|e| TurnstileError::Unavailable(e.to_string()))?;
    if reply.status != 200 {
        return Err(TurnstileError::Unavailable(format!(
            "siteverify answered {}",
            reply.status
        )));
    }
    let verdict: Verdict = serde_json::from_slice(&reply.body)
        .map_err(|e| TurnstileError::Unavailable(format!("siteverify's answer: {e}")))?;
    if verdict.success {
        Ok(())
    } else {
        Err(TurnstileError::Rejected(verdict.error_codes))
    }
}
