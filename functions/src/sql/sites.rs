//! The `sites` table: tenants and their settings.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A site's row as the service reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct SiteRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub code_prefix: String,
    pub ticketing_enabled: i64,
    pub contact_required: i64,
    pub cta_label: String,
    pub locale: String,
    /// JSON array of origins.
    pub allowed_origins: String,
    /// The HS256 key of signed visitor identities in clear, as written before migration 0018;
    /// sealed (`site_secrets`) and cleared on its first use.
    pub identity_secret: Option<String>,
    pub daily_ticket_cap: i64,
    /// Turnstile's site key and secret key; both `None` unless the site turned it on.
    pub turnstile_site_key: Option<String>,
    /// Turnstile's secret key in clear, as written before migration 0018 (then sealed).
    pub turnstile_secret: Option<String>,
    /// The site's sealed secrets (`site_secrets`), each `<key id>:<ciphertext>`.
    #[serde(default)]
    pub identity_secret_sealed: Option<String>,
    #[serde(default)]
    pub turnstile_secret_sealed: Option<String>,
    #[serde(default)]
    pub provider_key_sealed: Option<String>,
    /// `help_center` or `other`.
    pub vertical: String,
    /// A JSON object of capability overrides, e.g. `{"ticketing": true}`.
    pub capabilities: String,
    /// The bot's settings as JSON (`bot::BotSettings`); `None`: no bot.
    #[serde(default)]
    pub bot: Option<String>,
    /// The webhook's URL (`webhooks`); `None`: no notifications.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Summaries by the provider: NULL follows the bot, 0 off, 1 on (migration 0028).
    #[serde(default)]
    pub summaries_enabled: Option<i64>,
    /// Escalate after this many bot answers without a ticket (0: never; migration 0027).
    #[serde(default = "default_escalate_after")]
    pub escalate_after_messages: i64,
    /// 1: an escalation opens a ticket by itself.
    #[serde(default = "default_one")]
    pub escalation_opens_ticket: i64,
    /// The SLA policy as JSON (`shared::sla::PolicyJson`); `None`: no SLA (migration 0030).
    #[serde(default)]
    pub sla_policy: Option<String>,
    /// The site's enabled routing rules as a JSON array of rows (`routing_rules::RuleRow`),
    /// read with the site so a create routes without another round trip (migration 0032).
    #[serde(default)]
    pub routing_rules: Option<String>,
    /// 1: the site mails requesters and operators (migration 0029).
    #[serde(default)]
    pub email_enabled: i64,
    /// The support address's local part on the deployment's e-mail domain (0029).
    #[serde(default)]
    pub support_local: Option<String>,
    /// 1: the site has a live help-desk connection (0036), so its changes may be owed a push.
    #[serde(default)]
    pub syncs: i64,
}

fn default_escalate_after() -> i64 {
    6
}

fn default_one() -> i64 {
    1
}

pub fn find_by_key(key: &str) -> Statement {
    Statement::new(
        "SELECT id, key, name, code_prefix, ticketing_enabled, contact_required, cta_label, locale,
                allowed_origins, identity_secret, daily_ticket_cap, turnstile_site_key,
                turnstile_secret, vertical, capabilities, bot, webhook_url,
                summaries_enabled,
                (SELECT key_id || ':' || ciphertext FROM site_secrets
                 WHERE site_id = sites.id AND name = 'identity_secret') AS identity_secret_sealed,
                (SELECT key_id || ':' || ciphertext FROM site_secrets
                 WHERE site_id = sites.id AND name = 'turnstile_secret') AS turnstile_secret_sealed,
                (SELECT key_id || ':' || ciphertext FROM site_secrets
                 WHERE site_id = sites.id AND name = 'provider_key') AS provider_key_sealed,
                escalate_after_messages, escalation_opens_ticket, sla_policy,
                (SELECT json_group_array(json_object(
                            'id', id, 'position', position, 'label', label, 'topic', topic,
                            'intent', intent, 'source', source, 'priority', priority,
                            'team_id', team_id, 'enabled', enabled))
                 FROM routing_rules WHERE site_id = sites.id AND enabled = 1) AS routing_rules,
                email_enabled, support_local,
                EXISTS (SELECT 1 FROM sync_connections
                        WHERE site_id = sites.id AND disconnected_at IS NULL) AS syncs
         FROM sites WHERE key = ?1",
        vec![Value::from(key)],
    )
}

/// Takes the next ticket number. Must run in the same batch as `tickets::insert_numbered`,
/// which reads the bumped counter back: the batch is one transaction, so concurrent creates
/// serialise here and numbers stay gapless.
pub fn take_ticket_number(site_id: i64) -> Statement {
    Statement::new(
        "UPDATE sites SET next_ticket_number = next_ticket_number + 1 WHERE id = ?1",
        vec![Value::from(site_id)],
    )
}

/// The site's settings, as `SiteSettings` spells them (origins as a JSON array).
pub struct SettingsValues<'a> {
    pub name: &'a str,
    pub code_prefix: &'a str,
    pub ticketing_enabled: bool,
    pub contact_required: bool,
    pub cta_label: &'a str,
    pub locale: &'a str,
    pub allowed_origins: &'a str,
    pub escalate_after_messages: i64,
    pub escalation_opens_ticket: bool,
}

pub fn update_settings(site_id: i64, v: &SettingsValues<'_>) -> Statement {
    Statement::new(
        "UPDATE sites SET name = ?2, code_prefix = ?3, ticketing_enabled = ?4,
                contact_required = ?5, cta_label = ?6, locale = ?7, allowed_origins = ?8,
                escalate_after_messages = ?9, escalation_opens_ticket = ?10
         WHERE id = ?1",
        vec![
            Value::from(site_id),
            Value::from(v.name),
            Value::from(v.code_prefix),
            Value::from(v.ticketing_enabled),
            Value::from(v.contact_required),
            Value::from(v.cta_label),
            Value::from(v.locale),
            Value::from(v.allowed_origins),
            Value::from(v.escalate_after_messages),
            Value::from(v.escalation_opens_ticket),
        ],
    )
}

/// A new site, only when `operator_id` owns a site already (the rule for who may create
/// one); `RETURNING` tells the batch whether it was written. A taken key fails the UNIQUE
/// constraint.
pub fn insert_by_owner(
    key: &str,
    name: &str,
    code_prefix: &str,
    now: i64,
    operator_id: &str,
) -> Statement {
    Statement::new(
        "INSERT INTO sites (key, name, code_prefix, created_at)
         SELECT ?1, ?2, ?3, ?4
         WHERE EXISTS (SELECT 1 FROM site_members WHERE operator_id = ?5 AND role = 'owner')
         RETURNING id",
        vec![
            Value::from(key),
            Value::from(name),
            Value::from(code_prefix),
            Value::from(now),
            Value::from(operator_id),
        ],
    )
}

/// The creator of the site just inserted (by key, in the same batch) becomes its owner — on the
/// same condition as `insert_by_owner`, so when that inserted nothing (the operator owns no
/// site), this cannot make them an owner of an existing site with the key.
pub fn add_owner(key: &str, operator_id: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO site_members (site_id, operator_id, role, created_at)
         SELECT id, ?2, 'owner', ?3 FROM sites
         WHERE key = ?1
           AND EXISTS (SELECT 1 FROM site_members WHERE operator_id = ?2 AND role = 'owner')",
        vec![Value::from(key), Value::from(operator_id), Value::from(now)],
    )
}

/// Clears the clear identity secret from before migration 0018, if it is still `value` (the
/// batch has just sealed that value, or replaced it).
pub fn clear_plain_identity_secret(site_id: i64, value: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET identity_secret = NULL
         WHERE id = ?1 AND (?2 IS NULL OR identity_secret = ?2)",
        vec![Value::from(site_id), Value::from(value)],
    )
}

/// Clears the clear Turnstile secret key from before migration 0018 (as above).
pub fn clear_plain_turnstile_secret(site_id: i64, value: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET turnstile_secret = NULL
         WHERE id = ?1 AND (?2 IS NULL OR turnstile_secret = ?2)",
        vec![Value::from(site_id), Value::from(value)],
    )
}

/// Clears the clear webhook signing secret from before migration 0018 (as above).
pub fn clear_plain_webhook_secret(site_id: i64, value: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET webhook_secret = NULL
         WHERE id = ?1 AND (?2 IS NULL OR webhook_secret = ?2)",
        vec![Value::from(site_id), Value::from(value)],
    )
}

/// Sets how many widget tickets the site takes per UTC day.
pub fn set_daily_ticket_cap(site_id: i64, cap: i64) -> Statement {
    Statement::new(
        "UPDATE sites SET daily_ticket_cap = ?2 WHERE id = ?1",
        vec![Value::from(site_id), Value::from(cap)],
    )
}

/// Turns Turnstile on (its site key; the secret key is in `site_secrets`) or off (`None`).
/// Either way the clear secret column from before migration 0018 is emptied.
pub fn set_turnstile(site_id: i64, site_key: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET turnstile_site_key = ?2, turnstile_secret = NULL WHERE id = ?1",
        vec![Value::from(site_id), Value::from(site_key)],
    )
}

/// The site's vertical and capability overrides (a JSON object of booleans).
pub fn set_capabilities(site_id: i64, vertical: &str, capabilities_json: &str) -> Statement {
    Statement::new(
        "UPDATE sites SET vertical = ?2, capabilities = ?3 WHERE id = ?1",
        vec![
            Value::from(site_id),
            Value::from(vertical),
            Value::from(capabilities_json),
        ],
    )
}

/// Sets the site's bot (JSON) or removes it (`None`).
pub fn set_bot(site_id: i64, bot_json: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET bot = ?2 WHERE id = ?1",
        vec![Value::from(site_id), Value::from(bot_json)],
    )
}

/// Sets (or removes, with `None`) the site's webhook URL. Its signing secret is in
/// `site_secrets`; a clear one from before migration 0018 goes with a removed webhook.
pub fn set_webhook(site_id: i64, url: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET webhook_url = ?2,
                          webhook_secret = CASE WHEN ?2 IS NULL THEN NULL ELSE webhook_secret END
         WHERE id = ?1",
        vec![Value::from(site_id), Value::from(url)],
    )
}

/// The clear webhook signing secret from before migration 0018, if the site still has one.
pub fn plain_webhook_secret(site_id: i64) -> Statement {
    Statement::new(
        "SELECT webhook_secret FROM sites WHERE id = ?1 AND webhook_secret IS NOT NULL",
        vec![Value::from(site_id)],
    )
}

/// Records how the site's bot last called its provider: the status class, and when.
pub fn record_bot_attempt(site_id: i64, class: &str, at_ms: i64) -> Statement {
    Statement::new(
        "UPDATE sites SET bot_last_attempt = ?2, bot_last_attempt_at = ?3 WHERE id = ?1",
        vec![Value::from(site_id), Value::from(class), Value::from(at_ms)],
    )
}

/// The bot's last call to its provider, as the bots page shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct BotAttemptRow {
    pub bot_last_attempt: Option<String>,
    pub bot_last_attempt_at: Option<i64>,
}

pub fn bot_last_attempt(site_id: i64) -> Statement {
    Statement::new(
        "SELECT bot_last_attempt, bot_last_attempt_at FROM sites WHERE id = ?1",
        vec![Value::from(site_id)],
    )
}

/// Sets whether ticket content may be sent to the site's provider for summaries.
pub fn set_summaries_enabled(site_id: i64, enabled: bool) -> Statement {
    Statement::new(
        "UPDATE sites SET summaries_enabled = ?2 WHERE id = ?1",
        vec![Value::from(site_id), Value::from(enabled)],
    )
}

/// A site's SLA policy as stored (`sla_policy`, JSON or NULL).
pub fn find_sla_policy(site_id: i64) -> Statement {
    Statement::new(
        "SELECT sla_policy FROM sites WHERE id = ?1",
        vec![Value::from(site_id)],
    )
}

/// Saves a site's SLA policy (`None`: no SLA).
pub fn set_sla_policy(site_id: i64, policy_json: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET sla_policy = ?2 WHERE id = ?1",
        vec![Value::from(site_id), Value::from(policy_json)],
    )
}

/// The key of the site whose support address is `<support_local>@<domain>` (0029: one site
/// per address), to load it as every route does.
pub fn key_by_support_local(support_local: &str) -> Statement {
    Statement::new(
        "SELECT key FROM sites WHERE support_local = ?1",
        vec![Value::from(support_local)],
    )
}

/// The site's e-mail settings (owners and admins, settings page).
pub fn update_email(site_id: i64, enabled: bool, support_local: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET email_enabled = ?2, support_local = ?3 WHERE id = ?1",
        vec![
            Value::from(site_id),
            Value::from(enabled),
            Value::from(support_local),
        ],
    )
}
