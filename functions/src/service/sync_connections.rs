//! A site's connection to an external help desk (`sync_connections`), read with its sealed
//! credentials opened: what the push job, the webhook route and the settings page work from.
//! The credentials are the site's secrets (`SecretName::SyncCredential`,
//! `SyncWebhookSecret`): fixed names, never one that tenant data supplies.

use ticketbooth_shared::sync::{Platform, PushRule};

use super::ServiceError;
use super::site_secrets::{self, Sealer, SecretName, Stored};
use crate::sql::sync_connections::{self as sql, ConnectionRow};
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
