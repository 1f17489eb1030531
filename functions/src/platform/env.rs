//! The Worker's configuration read from its environment, by fixed names only
//! (`tidy::worker_secrets_are_read_by_fixed_names`): the secrets' master keys, the outbound
//! policy, the public origin, and the queued jobs' retry bases.

use worker::Env;

use crate::crypto::secret_box::{SecretsKey, SecretsKeyError};
use crate::integrations::outbound;

/// The master keys sites' secrets are sealed with: `SECRETS_KEY`, and `SECRETS_KEY_PREVIOUS`
/// during a rotation. A missing key is reported where a secret is needed (refused and logged).
pub fn secrets_key(env: &Env) -> Result<SecretsKey, SecretsKeyError> {
    // Fixed names only (`tidy::worker_secrets_are_read_by_fixed_names`).
    let current = env.secret("SECRETS_KEY").ok().map(|s| s.to_string());
    let previous = env
        .secret("SECRETS_KEY_PREVIOUS")
        .ok()
        .map(|s| s.to_string());
    SecretsKey::from_secrets(current.as_deref(), previous.as_deref())
}

/// What tenants' URLs may point at: the development allowance only when the Worker variable
/// says so (`cargo xtask dev` and the end-to-end harness set it; wrangler.toml never does).
pub fn outbound_policy(env: &Env) -> outbound::OutboundPolicy {
    let value = env
        .var("OUTBOUND_ALLOW_LOOPBACK_HTTP")
        .ok()
        .map(|v| v.to_string());
    outbound::OutboundPolicy::from_variable(value.as_deref())
}

/// The deployment's public origin (`DASHBOARD_ORIGIN`): mails, webhook payloads and pushed
/// tickets link back to it. Empty when unset.
pub fn dashboard_origin(env: &Env) -> String {
    env.var("DASHBOARD_ORIGIN")
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// A queued job's retry base in seconds from its `*_RETRY_SECONDS` variable, which the caller
/// reads by its literal name: 30 when unset or not a number.
pub fn retry_base_seconds(var: worker::Result<worker::Var>) -> u32 {
    var.ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(30)
}
