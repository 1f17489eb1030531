//! A site's connection to an external help desk (`sync_connections`), read with its sealed
//! credentials opened: what the push job, the webhook route and the settings page work from.
//! The credentials are the site's secrets (`SecretName::SyncCredential`,
//! `SyncWebhookSecret`): fixed names, never one that tenant data supplies.

use ticketbooth_shared::role::Action;
use ticketbooth_shared::sync::{Platform, PushRule};

use super::operators::Operator;
use super::site_secrets::{self, Sealer, SecretName, Stored};
use super::{Refusal, ServiceError};
use crate::sql::sync_connections::{self as sql, ConnectionRow};
use crate::sql::sync_links as links;
use crate::store::{Executor, StoreError, decode_first};

/// How the credential is presented (`sync_connections.auth_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// Zendesk: account e-mail + API token.
    ApiToken,
    /// Zendesk: a pasted OAuth access token.
    Bearer,
    /// Gorgias: account e-mail + API key.
    Basic,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::ApiToken => "api_token",
            AuthKind::Bearer => "bearer",
            AuthKind::Basic => "basic",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [AuthKind::ApiToken, AuthKind::Bearer, AuthKind::Basic]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// A connection with its secrets opened. Its `Debug` shows neither secret.
#[derive(Clone)]
pub struct Connection {
    pub id: i64,
    pub site_id: i64,
    pub platform: Platform,
    /// As stored; the outbound policy checks it again before every request.
    pub base_url: String,
    pub auth_kind: AuthKind,
    pub auth_user: Option<String>,
    pub credential: String,
    /// `None` until the admin sets one: every webhook is refused meanwhile.
    pub webhook_secret: Option<String>,
    pub push_rule: PushRule,
    pub remote_user_id: Option<String>,
    pub disconnected_at: Option<i64>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("site_id", &self.site_id)
            .field("platform", &self.platform)
            .field("base_url", &self.base_url)
            .field("auth_kind", &self.auth_kind)
            .finish_non_exhaustive()
    }
}

/// Opens a row's secrets (sealing a stale one again on the way, `site_secrets::take`).
pub async fn open<E: Executor>(
    db: &E,
    sealer: &Sealer<'_>,
    row: ConnectionRow,
) -> Result<Connection, ServiceError> {
    let shape = |what: &str| StoreError::RowShape(format!("sync connection {}: {what}", row.id));
    let platform = Platform::parse(&row.platform).map_err(|_| shape("platform"))?;
    let auth_kind = AuthKind::parse(&row.auth_kind).ok_or_else(|| shape("auth_kind"))?;
    let push_rule = PushRule::from_columns(&row.push_rule, row.push_label.as_deref())
        .map_err(|_| shape("push_rule"))?;
    let credential = match Stored::from_columns(row.sealed_credential.clone(), None) {
        Some(stored) => {
            site_secrets::take(db, sealer, row.site_id, SecretName::SyncCredential, &stored)
                .await?
                .0
        }
        None => return Err(shape("no credential").into()),
    };
    let webhook_secret = match Stored::from_columns(row.sealed_webhook_secret.clone(), None) {
        Some(stored) => Some(
            site_secrets::take(
                db,
                sealer,
                row.site_id,
                SecretName::SyncWebhookSecret,
                &stored,
            )
            .await?
            .0,
        ),
        None => None,
    };
    Ok(Connection {
        id: row.id,
        site_id: row.site_id,
        platform,
        base_url: row.base_url,
        auth_kind,
        auth_user: row.auth_user,
        credential,
        webhook_secret,
        push_rule,
        remote_user_id: row.remote_user_id,
        disconnected_at: row.disconnected_at,
    })
}

/// The site's live connection, opened; `None` when the site has none.
pub async fn live<E: Executor>(
    db: &E,
    sealer: &Sealer<'_>,
    site_id: i64,
) -> Result<Option<Connection>, ServiceError> {
    let row: Option<ConnectionRow> = decode_first(db.query(sql::live(site_id)).await?)?;
    match row {
        Some(row) => Ok(Some(open(db, sealer, row).await?)),
        None => Ok(None),
    }
}

/// The live connection a webhook names, opened; `None` when there is none (disconnected, or
/// never was).
pub async fn for_hook<E: Executor>(
    db: &E,
    sealer: &Sealer<'_>,
    id: i64,
) -> Result<Option<Connection>, ServiceError> {
    let row: Option<ConnectionRow> = decode_first(db.query(sql::by_id_for_hook(id)).await?)?;
    match row {
        Some(row) => Ok(Some(open(db, sealer, row).await?)),
        None => Ok(None),
    }
}

// --- The settings page: connect, rules, credentials, the test's result, disconnect, and
// "push the N existing". Owners and admins (`Action::ManageSettings`). ----------------------

/// A connection as the settings page asks for it, every field already checked by the page
/// (the base URL by the outbound policy, which lives above this room).
#[derive(Clone)]
pub struct NewConnection {
    pub platform: Platform,
    pub base_url: String,
    pub auth_kind: AuthKind,
    pub auth_user: Option<String>,
    pub credential: String,
    /// `None`: none yet (every webhook is refused until one is set).
    pub webhook_secret: Option<String>,
    pub push_rule: PushRule,
}

/// New credentials for the live connection.
#[derive(Clone)]
pub struct NewCredentials {
    pub auth_kind: AuthKind,
    pub auth_user: Option<String>,
    pub credential: String,
    /// `None` keeps the webhook secret the connection has.
    pub webhook_secret: Option<String>,
}

fn label_of(rule: &PushRule) -> Option<&str> {
    match rule {
        PushRule::Label(label) => Some(label.as_ref()),
        PushRule::All | PushRule::Manual => None,
    }
}

/// The site's live connection as stored, secrets still sealed (what the page shows: never a
/// secret, so none is opened).
pub async fn live_row<E: Executor>(
    db: &E,
    op: &Operator,
) -> Result<Option<ConnectionRow>, ServiceError> {
    op.require(Action::ManageSettings)?;
    Ok(decode_first(db.query(sql::live(op.site_id)).await?)?)
}

/// Connects the site: the row and both secrets in one batch. Refused while a live
/// connection exists. The connection's id.
pub async fn connect<E: Executor>(
    db: &E,
    sealer: &Sealer<'_>,
    op: &Operator,
    new: &NewConnection,
    now_ms: i64,
) -> Result<i64, ServiceError> {
    op.require(Action::ManageSettings)?;
    if live_row(db, op).await?.is_some() {
        return Err(Refusal::SyncAlreadyConnected.into());
    }
    let site = op.site_id;
    let mut statements = vec![sql::insert(
        site,
        new.platform.as_str(),
        &new.base_url,
        new.auth_kind.as_str(),
        new.auth_user.as_deref(),
        new.push_rule.as_str(),
        label_of(&new.push_rule),
        &op.id,
        now_ms,
    )];
    statements.extend(site_secrets::replace(
        sealer,
        site,
        SecretName::SyncCredential,
        &new.credential,
    )?);
    match &new.webhook_secret {
        Some(secret) => statements.extend(site_secrets::replace(
            sealer,
            site,
            SecretName::SyncWebhookSecret,
            secret,
        )?),
        // A secret left by an earlier connection is not this one's.
        None => statements.extend(site_secrets::remove(site, SecretName::SyncWebhookSecret)),
    }
    match db.batch(statements).await {
        Ok(_) => {}
        // Another request connected meanwhile (the live index).
        Err(StoreError::UniqueViolation(_)) => return Err(Refusal::SyncAlreadyConnected.into()),
        Err(other) => return Err(other.into()),
    }
    live_row(db, op)
        .await?
        .map(|row| row.id)
        .ok_or(ServiceError::NotFound)
}

/// What the live connection pushes from now on.
pub async fn set_rules<E: Executor>(
    db: &E,
    op: &Operator,
    rule: &PushRule,
    now_ms: i64,
) -> Result<(), ServiceError> {
    let row = live_row(db, op).await?.ok_or(Refusal::SyncNotConnected)?;
    db.batch(vec![sql::set_rules(
        op.site_id,
        row.id,
        rule.as_str(),
        label_of(rule),
        now_ms,
    )])
    .await?;
    Ok(())
}

/// Rotates the live connection's credentials (and its webhook secret, when a new one is
/// given) in one batch.
pub async fn rotate<E: Executor>(
    db: &E,
    sealer: &Sealer<'_>,
    op: &Operator,
    new: &NewCredentials,
    now_ms: i64,
) -> Result<(), ServiceError> {
    let row = live_row(db, op).await?.ok_or(Refusal::SyncNotConnected)?;
    let site = op.site_id;
    let mut statements = vec![sql::set_auth(
        site,
        row.id,
        new.auth_kind.as_str(),
        new.auth_user.as_deref(),
        now_ms,
    )];
    statements.extend(site_secrets::replace(
        sealer,
        site,
        SecretName::SyncCredential,
        &new.credential,
    )?);
    if let Some(secret) = &new.webhook_secret {
        statements.extend(site_secrets::replace(
            sealer,
            site,
            SecretName::SyncWebhookSecret,
            secret,
        )?);
    }
    db.batch(statements).await?;
    Ok(())
}

/// Records the connection test of connection `id` of the site: the remote user's id it
/// found, or why it failed.
pub async fn record_check<E: Executor>(
    db: &E,
    site_id: i64,
    id: i64,
    result: Result<&str, &str>,
    now_ms: i64,
) -> Result<(), ServiceError> {
    let (user, error) = match result {
        Ok(user) => (Some(user), None),
        Err(error) => (None, Some(error)),
    };
    db.batch(vec![sql::record_check(site_id, id, user, error, now_ms)])
        .await?;
    Ok(())
}

/// Disconnects the site: every live link stopped, the connection ended, both secrets
/// removed, in one batch. The links and the tickets' history stay.
pub async fn disconnect<E: Executor>(
    db: &E,
    op: &Operator,
    now_ms: i64,
) -> Result<(), ServiceError> {
    let row = live_row(db, op).await?.ok_or(Refusal::SyncNotConnected)?;
    let site = op.site_id;
    let mut statements = vec![
        links::stop_all(site, row.id, now_ms),
        sql::disconnect(site, row.id, now_ms),
    ];
    statements.extend(site_secrets::remove(site, SecretName::SyncCredential));
    statements.extend(site_secrets::remove(site, SecretName::SyncWebhookSecret));
    db.batch(statements).await?;
    Ok(())
}

/// How many existing tickets "push the N existing" would link now.
pub async fn unlinked_count<E: Executor>(db: &E, op: &Operator) -> Result<i64, ServiceError> {
    op.require(Action::ManageSettings)?;
    #[derive(serde::Deserialize)]
    struct Count {
        n: i64,
    }
    let count: Option<Count> = decode_first(db.query(links::count_unlinked(op.site_id)).await?)?;
    Ok(count.map_or(0, |c| c.n))
}

/// Links the site's existing unlinked tickets, pending: only when they are still the
/// `expected` number the admin confirmed (else refused, nothing linked). How many were.
pub async fn push_existing<E: Executor>(
    db: &E,
    op: &Operator,
    expected: i64,
    now_ms: i64,
) -> Result<i64, ServiceError> {
    let row = live_row(db, op).await?.ok_or(Refusal::SyncNotConnected)?;
    let now = unlinked_count(db, op).await?;
    if now != expected {
        return Err(Refusal::SyncCountChanged.into());
    }
    db.batch(vec![links::link_existing(op.site_id, row.id, now_ms)])
        .await?;
    Ok(now)
}
