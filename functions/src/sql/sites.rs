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
    /// The HS256 key of signed visitor identities; `None` until an owner sets one.
    pub identity_secret: Option<String>,
    pub daily_ticket_cap: i64,
    /// Turnstile's site key and secret key; both `None` unless the site turned it on.
    pub turnstile_site_key: Option<String>,
    pub turnstile_secret: Option<String>,
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
}

pub fn find_by_key(key: &str) -> Statement {
    Statement::new(
        "SELECT id, key, name, code_prefix, ticketing_enabled, contact_required, cta_label, locale,
                allowed_origins, identity_secret, daily_ticket_cap, turnstile_site_key,
                turnstile_secret, vertical, capabilities, bot, webhook_url
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
}

pub fn update_settings(site_id: i64, v: &SettingsValues<'_>) -> Statement {
    Statement::new(
        "UPDATE sites SET name = ?2, code_prefix = ?3, ticketing_enabled = ?4,
                contact_required = ?5, cta_label = ?6, locale = ?7, allowed_origins = ?8
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
        ],
    )
}

/// A new site with default settings. A taken key fails the UNIQUE constraint.
pub fn insert(key: &str, name: &str, code_prefix: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO sites (key, name, code_prefix, created_at) VALUES (?1, ?2, ?3, ?4)",
        vec![
            Value::from(key),
            Value::from(name),
            Value::from(code_prefix),
            Value::from(now),
        ],
    )
}

/// The creator of the site just inserted (by key, in the same batch) becomes its owner.
pub fn add_owner(key: &str, operator_id: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO site_members (site_id, operator_id, role, created_at)
         SELECT id, ?2, 'owner', ?3 FROM sites WHERE key = ?1",
        vec![Value::from(key), Value::from(operator_id), Value::from(now)],
    )
}

/// Sets (or replaces) the site's identity secret: identities signed with the old one stop
/// verifying at once.
pub fn set_identity_secret(site_id: i64, secret: &str) -> Statement {
    Statement::new(
        "UPDATE sites SET identity_secret = ?2 WHERE id = ?1",
        vec![Value::from(site_id), Value::from(secret)],
    )
}

/// Sets how many widget tickets the site takes per UTC day.
pub fn set_daily_ticket_cap(site_id: i64, cap: i64) -> Statement {
    Statement::new(
        "UPDATE sites SET daily_ticket_cap = ?2 WHERE id = ?1",
        vec![Value::from(site_id), Value::from(cap)],
    )
}

/// Turns Turnstile on (both keys) or off (both `None`).
pub fn set_turnstile(site_id: i64, site_key: Option<&str>, secret: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET turnstile_site_key = ?2, turnstile_secret = ?3 WHERE id = ?1",
        vec![
            Value::from(site_id),
            Value::from(site_key),
            Value::from(secret),
        ],
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

/// Sets (or removes, with `None`s) the site's webhook URL and signing secret.
pub fn set_webhook(site_id: i64, url: Option<&str>, secret: Option<&str>) -> Statement {
    Statement::new(
        "UPDATE sites SET webhook_url = ?2,
                          webhook_secret = CASE WHEN ?2 IS NULL THEN NULL
                                                ELSE coalesce(?3, webhook_secret) END
         WHERE id = ?1",
        vec![Value::from(site_id), Value::from(url), Value::from(secret)],
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
