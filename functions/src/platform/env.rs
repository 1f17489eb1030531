//! The Worker's configuration read from its environment, by fixed names only
//! (`tidy::worker_secrets_are_read_by_fixed_names`): the secrets' master keys and the
//! outbound policy.

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
