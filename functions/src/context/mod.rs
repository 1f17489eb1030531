//! What every route runs with: `App` (the database, the keys, the caches, the seams to other
//! services — built once per isolate by `platform::entry`, or per test by the host tests) and
//! `Fresh` (the clock and fresh random values, from outside the pure core), plus the
//! request-scoped helpers the routes share: which visitor a request proves (`visitor`) and
//! which operator (`operator`). Routes (`api`, `dashboard`) import this; nothing below does.

pub mod operator;
pub mod visitor;

use std::rc::Rc;

use ticketbooth_shared::ids::{TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;

use crate::crypto::secret_box::{SecretsKey, SecretsKeyError};
use crate::crypto::visitor_token::{TokenError, TokenKey};
use crate::infra::rate_limit::RateLimiter;
use crate::integrations::outbound::{Outbound, OutboundPolicy};
use crate::service::credential_cache::CredentialCache;
use crate::service::site_cache::SiteCache;

/// What the application runs against: the database and the token key (which may be missing
/// or weak in a misconfigured deployment — then only token routes fail, loudly, as 500s).
pub struct App<E> {
    pub db: E,
    pub token_key: Result<TokenKey, TokenError>,
    /// Budgets for public writes (`rate_limit`).
    pub limiter: Box<dyn RateLimiter>,
    /// Sites read recently by this isolate (`site_cache`); shared across its requests.
    pub sites: Rc<SiteCache>,
    /// Whom API tokens and sessions named when this isolate read them (`credential_cache`): a
    /// hint the one-round-trip status change, list and ticket page check in their own batch.
    pub credentials: Rc<CredentialCache>,
    /// Calls to other services (Turnstile's siteverify).
    pub outbound: Box<dyn Outbound>,
    /// Where Turnstile tokens are checked: `turnstile::SITEVERIFY_URL` unless configured.
    pub turnstile_verify_url: String,
    /// Where the widget loads Turnstile's script: `turnstile::SCRIPT_URL` unless configured.
    pub turnstile_script_url: String,
    /// The master keys sites' secrets are sealed with (`SECRETS_KEY`, `SECRETS_KEY_PREVIOUS`);
    /// missing in a misconfigured deployment — then storing or reading a site's secret is
    /// refused (`secrets_key_missing`, logged) and everything else works.
    pub secrets: Result<SecretsKey, SecretsKeyError>,
    /// What a tenant's URL may point at (`outbound::url`): production unless the Worker's
    /// `OUTBOUND_ALLOW_LOOPBACK_HTTP` variable says development.
    pub outbound_policy: OutboundPolicy,
    /// The deployment's e-mail domain (`EMAIL_DOMAIN`): the settings page shows the site's
    /// support address on it.
    pub email_domain: String,
}

/// Per-request values from outside the pure core: the clock and fresh random ids.
pub struct Fresh {
    pub now: Timestamp,
    pub ticket_id: TicketId,
    pub visitor_id: VisitorId,
    /// 32 bytes from the runtime's CSPRNG, for the secrets a request may mint (session ids,
    /// salts, tokens): each is `random(purpose)`.
    pub entropy: [u8; 32],
    /// The request's id (`infra::log::request_id`): in its log lines, in the `x-request-id`
    /// header of its answer and on the dashboard's error page, so a user's report finds them.
    pub request_id: String,
}

impl Fresh {
    /// A secret for one `purpose`: SHA-256 of the entropy and the purpose, so the secrets one
    /// request mints are independent of each other and of the ids above.
    pub fn random(&self, purpose: &[u8]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(self.entropy);
        hasher.update(purpose);
        hasher.finalize().into()
    }
}
