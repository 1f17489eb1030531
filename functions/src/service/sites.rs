//! Sites: loading a tenant and the public config the widget reads; creating a site and
//! saving its settings (owners and admins).

use ticketbooth_shared::api::SiteConfig;
use ticketbooth_shared::site_key::SiteKey;

use ticketbooth_shared::FieldError;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::{Action, Role};
use ticketbooth_shared::ticket_code::CodePrefix;
use ticketbooth_shared::timestamp::Timestamp;

use super::operators::Operator;
use super::site_secrets::{self, Sealer, SecretName, Stored};
use super::site_settings::SiteSettings;
use super::{Refusal, ServiceError};
use crate::crypto::identity_token::IdentitySecret;
use crate::crypto::sha256;
use crate::service::bot_settings::{BotSettings, KeyChange};
use crate::service::turnstile_keys::TurnstileKeys;
use crate::sql::sessions;
use crate::sql::sites::{self, BotAttemptRow, SettingsValues, SiteRow};
use crate::store::{Executor, StoreError, decode_first};
use ticketbooth_shared::tools::{Capabilities, Vertical};

/// A site as the service works with it: its row, parsed.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: i64,
    pub key: SiteKey,
    pub name: String,
    pub code_prefix: String,
    pub ticketing_enabled: bool,
    pub contact_required: bool,
    pub cta_label: String,
    pub locale: String,
    /// Origins (`scheme://host[:port]`, lower case, no trailing slash) allowed to call the
    /// public API from a browser.
    pub allowed_origins: Vec<String>,
    /// The key the site's backend signs visitor identities with (`identity_token`), as
    /// stored: opened (`site_secrets`) only when an identity is checked.
    pub identity_secret: Option<Stored>,
    /// Widget tickets accepted per UTC day; the create batch refuses the next one.
    pub daily_ticket_cap: i64,
    /// Turnstile's keys when the site asks widget tickets for a human check.
    pub turnstile: Option<SiteTurnstile>,
    /// Which bot capabilities the site has (`tools::Capabilities::ticketing`).
    pub capabilities: Capabilities,
    /// The bot that answers in the site's conversations, if any.
    pub bot: Option<BotSettings>,
    /// A bot switched off because its settings name a Worker secret (from before migration
    /// 0018): the Worker no longer reads a secret by a name tenant data supplies. Its owner
    /// pastes the provider key to turn it back on.
    pub bot_awaiting_key: Option<BotSettings>,
    /// The provider key the bot sends, sealed (`site_secrets`).
    pub provider_key: Option<Stored>,
    /// Where new tickets and visitor replies are announced (`webhooks`), if anywhere.
    pub webhook_url: Option<String>,
    /// Whether tickets may be sent to the provider for summaries: `None` follows the bot
    /// (`summaries::enabled`).
    pub summaries_enabled: Option<bool>,
    /// Escalate a conversation after this many bot answers without a ticket or a hand-off
    /// (0: never).
    pub escalate_after_messages: i64,
    /// An escalation opens a ticket by itself (when no ticket is linked yet).
    pub escalation_opens_ticket: bool,
    /// The SLA policy its new tickets' clocks start from (`service::sla`); `None`: no SLA.
    pub sla: Option<ticketbooth_shared::sla::Policy>,
    /// The enabled routing rules, in order (`service::routing`).
    pub routing: Vec<ticketbooth_shared::routing::Rule>,
    /// The site mails requesters and operators (`mail`); off until an owner turns it on.
    pub email_enabled: bool,
    /// The support address's local part (`<local>@EMAIL_DOMAIN`), if set.
    pub support_local: Option<String>,
    /// The site has a live connection to a help desk: a visitor's create or reply may be owed
    /// a push (handed to the Queue after the answer, like its mails).
    pub syncs: bool,
}

/// A site's Turnstile keys as stored: the public site key, and the secret key (sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteTurnstile {
    pub site_key: String,
    pub secret: Stored,
}

impl Site {
    fn from_row(row: SiteRow) -> Result<Self, StoreError> {
        let shape = |what: &str| StoreError::RowShape(format!("site {}: {what}", row.id));
        let allowed_origins: Vec<String> = serde_json::from_str(&row.allowed_origins)
            .map_err(|_| shape("allowed_origins is not a JSON array"))?;
        let bot: Option<BotSettings> = row
            .bot
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| shape("bot is not a bot's settings"))?;
        let (bot, bot_awaiting_key) = match bot {
            Some(bot) if bot.names_a_worker_secret() => (None, Some(bot)),
            bot => (bot, None),
        };
        Ok(Self {
            id: row.id,
            key: SiteKey::parse(&row.key).map_err(|_| shape("invalid key"))?,
            name: row.name,
            code_prefix: row.code_prefix,
            ticketing_enabled: row.ticketing_enabled != 0,
            contact_required: row.contact_required != 0,
            cta_label: row.cta_label,
            locale: row.locale,
            allowed_origins: allowed_origins
                .iter()
                .map(|o| normalize_origin(o))
                .collect(),
            identity_secret: Stored::from_columns(
                row.identity_secret_sealed,
                row.identity_secret.filter(|s| s.len() >= 32),
            ),
            daily_ticket_cap: row.daily_ticket_cap,
            turnstile: row.turnstile_site_key.and_then(|site_key| {
                Some(SiteTurnstile {
                    site_key,
                    secret: Stored::from_columns(
                        row.turnstile_secret_sealed,
                        row.turnstile_secret,
                    )?,
                })
            }),
            capabilities: Capabilities {
                vertical: Vertical::parse(&row.vertical).map_err(|_| shape("vertical"))?,
                overrides: serde_json::from_str(&row.capabilities)
                    .map_err(|_| shape("capabilities is not an object of booleans"))?,
            },
            bot,
            bot_awaiting_key,
            provider_key: Stored::from_columns(row.provider_key_sealed, None),
            webhook_url: row.webhook_url,
            summaries_enabled: row.summaries_enabled.map(|v| v != 0),
            escalate_after_messages: row.escalate_after_messages,
            escalation_opens_ticket: row.escalation_opens_ticket != 0,
            sla: ticketbooth_shared::sla::Policy::from_stored(row.sla_policy.as_deref()),
            routing: rules_from_json(row.routing_rules.as_deref()),
            email_enabled: row.email_enabled != 0,
            support_local: row.support_local,
            syncs: row.syncs != 0,
        })
    }

    /// The public config; `turnstile_script_url` is named with the site key only.
    pub fn config(&self, turnstile_script_url: &str) -> SiteConfig {
        SiteConfig {
            site: self.key.as_ref().to_owned(),
            enabled: self.ticketing_enabled,
            contact_required: self.contact_required,
            cta_label: self.cta_label.clone(),
            code_prefix: self.code_prefix.clone(),
            locale: self.locale.clone(),
            turnstile_site_key: self.turnstile.as_ref().map(|t| t.site_key.clone()),
            turnstile_script_url: self
                .turnstile
                .as_ref()
                .map(|_| turnstile_script_url.to_owned()),
        }
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = normalize_origin(origin);
        self.allowed_origins.contains(&origin)
    }
}

/// The site row's routing rules (`sql::sites::find_by_key`'s JSON column) in evaluation order.
fn rules_from_json(json: Option<&str>) -> Vec<ticketbooth_shared::routing::Rule> {
    let mut rows: Vec<crate::sql::routing_rules::RuleRow> = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    rows.sort_by_key(|r| (r.position, r.id));
    rows.iter().filter_map(|r| r.rule()).collect()
}

/// Origins compare case-insensitively and without a trailing slash.
pub fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

pub async fn load<E: Executor>(db: &E, key: &SiteKey) -> Result<Site, ServiceError> {
    let row: Option<SiteRow> = decode_first(db.query(sites::find_by_key(key.as_ref())).await?)?;
    let row = row.ok_or(ServiceError::SiteNotFound)?;
    Ok(Site::from_row(row)?)
}

/// The operator's current site, to show its settings.
pub async fn current<E: Executor>(db: &E, op: &Operator) -> Result<Site, ServiceError> {
    op.require(Action::ManageSettings)?;
    load(db, &op.site_key).await
}

/// Saves the current site's settings. The code prefix applies to tickets created from now on:
/// existing tickets keep the code they were given (`tickets.code` is stored).
pub async fn save_settings<E: Executor>(
    db: &E,
    op: &Operator,
    settings: &SiteSettings,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let origins = settings.origins_json();
    db.batch(vec![sites::update_settings(
        op.site_id,
        &SettingsValues {
            name: &settings.name,
            code_prefix: settings.code_prefix.as_ref(),
            ticketing_enabled: settings.ticketing_enabled,
            contact_required: settings.contact_required,
            cta_label: &settings.cta_label,
            locale: settings.locale,
            allowed_origins: &origins,
            escalate_after_messages: settings.escalate_after_messages,
            escalation_opens_ticket: settings.escalation_opens_ticket,
        },
    )])
    .await?;
    Ok(())
}

/// Mints a new identity secret for the operator's site (owners and admins) and stores it,
/// sealed (verifying an HMAC needs the key itself, so it cannot be hashed); the caller shows it
/// once.
pub async fn rotate_identity_secret<E: Executor>(
    db: &E,
    op: &Operator,
    sealer: &Sealer<'_>,
    random: [u8; 32],
) -> Result<IdentitySecret, ServiceError> {
    op.require(Action::ManageSettings)?;
    let secret = IdentitySecret::mint(random);
    let statements = site_secrets::replace(
        sealer,
        op.site_id,
        SecretName::IdentitySecret,
        secret.expose(),
    )?;
    db.batch(statements).await?;
    Ok(secret)
}

/// The most widget tickets a site may take in a day.
pub const MAX_DAILY_TICKET_CAP: i64 = 1_000_000;

/// Sets the site's daily widget ticket cap (owners and admins); 0 to 1,000,000.
pub async fn set_daily_ticket_cap<E: Executor>(
    db: &E,
    op: &Operator,
    cap: i64,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    if !(0..=MAX_DAILY_TICKET_CAP).contains(&cap) {
        let mut errors = ValidationErrors::default();
        errors
            .0
            .insert("daily_ticket_cap", FieldError::InvalidFormat);
        return Err(ServiceError::Validation(errors));
    }
    db.batch(vec![sites::set_daily_ticket_cap(op.site_id, cap)])
        .await?;
    Ok(())
}

/// Sets what bots may do on the site: its vertical and the capability overrides.
pub async fn set_capabilities<E: Executor>(
    db: &E,
    op: &Operator,
    vertical: Vertical,
    overrides: &std::collections::BTreeMap<String, bool>,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let json = serde_json::to_string(overrides).map_err(|e| StoreError::RowShape(e.to_string()))?;
    db.batch(vec![sites::set_capabilities(
        op.site_id,
        vertical.as_str(),
        &json,
    )])
    .await?;
    Ok(())
}

/// Sets up the site's bot, or switches it off (`None`), and keeps, replaces or removes its
/// provider key — one batch. A switched-off bot keeps its key until it is removed.
pub async fn set_bot<E: Executor>(
    db: &E,
    op: &Operator,
    sealer: &Sealer<'_>,
    bot: Option<&BotSettings>,
    key: &KeyChange,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let json = bot
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::RowShape(e.to_string()))?;
    let mut statements = vec![sites::set_bot(op.site_id, json.as_deref())];
    match key {
        KeyChange::Keep => {}
        KeyChange::Replace(key) => statements.extend(site_secrets::replace(
            sealer,
            op.site_id,
            SecretName::ProviderKey,
            key,
        )?),
        KeyChange::Remove => {
            statements.extend(site_secrets::remove(op.site_id, SecretName::ProviderKey))
        }
    }
    db.batch(statements).await?;
    Ok(())
}

/// Turns Turnstile on with `keys` (the secret key sealed), or off with `None`.
pub async fn set_turnstile<E: Executor>(
    db: &E,
    op: &Operator,
    sealer: &Sealer<'_>,
    keys: Option<&TurnstileKeys>,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let site_key = keys.map(|k| k.site_key.as_str());
    let mut statements = vec![sites::set_turnstile(op.site_id, site_key)];
    match keys {
        Some(keys) => statements.extend(site_secrets::replace(
            sealer,
            op.site_id,
            SecretName::TurnstileSecret,
            keys.expose_secret(),
        )?),
        None => statements.extend(site_secrets::remove(
            op.site_id,
            SecretName::TurnstileSecret,
        )),
    }
    db.batch(statements).await?;
    Ok(())
}

/// Turns the site's webhook notifications off (owners and admins): the receiver's URL and its
/// signing secret go, in one batch.
pub async fn remove_webhook<E: Executor>(db: &E, op: &Operator) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let mut statements = vec![sites::set_webhook(op.site_id, None)];
    statements.extend(site_secrets::remove(op.site_id, SecretName::WebhookSecret));
    db.batch(statements).await?;
    Ok(())
}

/// Sets the site's webhook receiver (`url`, which passed the outbound policy; owners and
/// admins) and, when one was minted, its new signing secret, sealed — one batch. Without a new
/// secret, a clear one from before migration 0018 is sealed at this write (when the Worker has
/// SECRETS_KEY; otherwise at its next use or write).
pub async fn set_webhook<E: Executor>(
    db: &E,
    op: &Operator,
    sealer: &Sealer<'_>,
    url: &str,
    new_secret: Option<&str>,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let mut statements = vec![sites::set_webhook(op.site_id, Some(url))];
    match new_secret {
        Some(secret) => statements.extend(site_secrets::replace(
            sealer,
            op.site_id,
            SecretName::WebhookSecret,
            secret,
        )?),
        None => {
            #[derive(serde::Deserialize)]
            struct Plain {
                webhook_secret: String,
            }
            let plain: Option<Plain> =
                decode_first(db.query(sites::plain_webhook_secret(op.site_id)).await?)?;
            if let Some(Ok(sealed)) = plain.map(|p| {
                site_secrets::replace(
                    sealer,
                    op.site_id,
                    SecretName::WebhookSecret,
                    &p.webhook_secret,
                )
            }) {
                statements.extend(sealed);
            }
        }
    }
    db.batch(statements).await?;
    Ok(())
}

/// Records how the site's bot last called its provider: the status class (`Attempt::label`),
/// and when.
pub async fn record_bot_attempt<E: Executor>(
    db: &E,
    site_id: i64,
    class: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    db.batch(vec![sites::record_bot_attempt(site_id, class, at_ms)])
        .await?;
    Ok(())
}

/// How the operator's site's bot last called its provider, for the bots page (`None` before
/// its first run).
pub async fn bot_last_attempt<E: Executor>(
    db: &E,
    op: &Operator,
) -> Result<Option<BotAttemptRow>, ServiceError> {
    op.require(Action::ManageSettings)?;
    Ok(decode_first(
        db.query(sites::bot_last_attempt(op.site_id)).await?,
    )?)
}

/// A new site: key, name and code prefix, parsed together (every field's problem at once).
#[derive(Debug, Clone)]
pub struct NewSite {
    pub key: SiteKey,
    pub name: String,
    pub code_prefix: CodePrefix,
}

impl NewSite {
    pub fn parse(key: &str, name: &str, code_prefix: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let key = SiteKey::parse(key.trim())
            .map_err(|e| errors.0.insert("key", e))
            .ok();
        let name = name.trim();
        if name.is_empty() {
            errors.0.insert("name", FieldError::Required);
        } else if name.chars().count() > 100 {
            errors.0.insert("name", FieldError::TooLong { max: 100 });
        } else if name.chars().any(char::is_control) {
            errors.0.insert("name", FieldError::ForbiddenCharacters);
        }
        let prefix = CodePrefix::parse(code_prefix.trim())
            .map_err(|e| errors.0.insert("code_prefix", e))
            .ok();
        match (key, prefix) {
            (Some(key), Some(code_prefix)) if errors.0.is_empty() => Ok(Self {
                key,
                name: name.to_owned(),
                code_prefix,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether `op` may create a site: only an operator who owns a site already (the deployment's
/// operator makes the first ones with `cargo xtask add-site`). A guest or member of some site
/// cannot make a site of their own, and with it an owner's settings.
pub fn may_create_site(op: &Operator) -> bool {
    op.sites.iter().any(|s| s.role == Role::Owner)
}

/// Creates a site owned by `op` and, for a dashboard session, switches to it — one batch. Only
/// an owner of a site may (`may_create_site`, checked again inside the batch: the insert
/// writes nothing unless the operator owns a site at that moment); a taken key is refused
/// (`SiteKeyTaken`). A refusal writes nothing.
pub async fn create<E: Executor>(
    db: &E,
    op: &Operator,
    site: &NewSite,
    session_cookie: Option<&str>,
    now: Timestamp,
) -> Result<(), ServiceError> {
    if !may_create_site(op) {
        return Err(Refusal::SiteCreationOwnersOnly.into());
    }
    let key = site.key.as_ref();
    let mut statements = vec![
        sites::insert_by_owner(
            key,
            &site.name,
            site.code_prefix.as_ref(),
            now.millis(),
            &op.id,
        ),
        sites::add_owner(key, &op.id, now.millis()),
    ];
    if let Some(cookie) = session_cookie {
        let id_hash = sha256::hex_digest(cookie.as_bytes());
        statements.push(sessions::switch_to_new_site(&id_hash, key));
    }
    match db.batch(statements).await {
        Err(StoreError::UniqueViolation(_)) => Err(Refusal::SiteKeyTaken.into()),
        Err(other) => Err(other.into()),
        Ok(results) if results.first().is_none_or(Vec::is_empty) => {
            Err(Refusal::SiteCreationOwnersOnly.into())
        }
        Ok(_) => Ok(()),
    }
}
