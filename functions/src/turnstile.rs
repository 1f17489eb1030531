//! Cloudflare Turnstile, optional per site: when a site has Turnstile keys, a widget ticket
//! carries the token the Turnstile widget produced, and the Worker checks it with siteverify
//! before anything is written.
//!
//! The siteverify URL is configurable (`TURNSTILE_VERIFY_URL`), so the end-to-end tests run
//! against a local verifier that speaks the same wire format.

use serde::Deserialize;

use crate::outbound::Outbound;

/// Cloudflare's endpoint; deployments use it unless `TURNSTILE_VERIFY_URL` says otherwise.
pub const SITEVERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/// Cloudflare's script, for explicit rendering; the widget loads it unless
/// `TURNSTILE_SCRIPT_URL` says otherwise.
pub const SCRIPT_URL: &str =
    "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

/// Turnstile tokens are at most 2,048 characters (Cloudflare's documentation).
const MAX_TOKEN_CHARS: usize = 2_048;

/// A site's Turnstile keys, from the Cloudflare dashboard: the public site key the widget
/// renders with, and the secret key siteverify checks against (sealed in the site's secrets:
/// siteverify needs it in clear; never rendered after it is saved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnstileKeys {
    pub site_key: String,
    secret: String,
}

impl TurnstileKeys {
    /// Both keys present and plausible (printable ASCII, no spaces, ≤ 100 characters), or
    /// none: a site with half its keys would refuse every ticket.
    pub fn parse(site_key: &str, secret: &str) -> Result<Self, KeyError> {
        let plausible =
            |s: &str| !s.is_empty() && s.len() <= 100 && s.bytes().all(|b| b.is_ascii_graphic());
        if !plausible(site_key.trim()) {
            return Err(KeyError::SiteKey);
        }
        if !plausible(secret.trim()) {
            return Err(KeyError::Secret);
        }
        Ok(Self {
            site_key: site_key.trim().to_owned(),
            secret: secret.trim().to_owned(),
        })
    }

    /// The keys as stored: the site key from its row, the secret key opened from the site's
    /// secrets (`service::site_secrets`).
    pub fn from_parts(site_key: String, secret: String) -> Self {
        Self { site_key, secret }
    }

    pub fn expose_secret(&self) -> &str {
        &self.secret
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("Paste the site key from your Turnstile widget's settings.")]
    SiteKey,
    #[error("Paste the secret key from your Turnstile widget's settings.")]
    Secret,
}

/// Why a ticket was not let through.
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
        ("secret", keys.secret.as_str()),
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
