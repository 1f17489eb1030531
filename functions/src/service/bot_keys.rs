//! Bot keys: what a bot outside the widget (an HTTP client of the tools, an MCP client) signs
//! in with. One site each; created by owners and admins (shown once), listed with their last
//! use, revoked. Only the SHA-256 is stored.

use ticketbooth_shared::hex;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::api_tokens::label_of;
use super::operators::Operator;
use super::sites::Site;
use crate::crypto::sha256;
use crate::service::site_cache::{self, SiteCache};
use crate::sql::bot_keys::{self, BotKeyRow, KeySiteRow};
use crate::store::{Executor, StoreError, decode, decode_first};

/// How every bot key begins (`api::mcp` tells a bot key from an operator token by it).
pub const PREFIX: &str = "tbb_";

pub async fn list<E: Executor>(db: &E, op: &Operator) -> Result<Vec<BotKeyRow>, ServiceError> {
    op.require(Action::ManageApiKeys)?;
    let rows = db.query(bot_keys::list(op.site_id)).await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// A key just created: the only time its value exists outside the client.
#[derive(Debug)]
pub struct Created {
    pub key: String,
    pub label: String,
}

pub async fn create<E: Executor>(
    db: &E,
    op: &Operator,
    label: &str,
    now: Timestamp,
    secret: [u8; 32],
) -> Result<Created, ServiceError> {
    op.require(Action::ManageApiKeys)?;
    let label = label_of(label)?;
    let key = format!("{PREFIX}{}", hex::encode(&secret));
    let hash = sha256::hex_digest(key.as_bytes());
    // The public id is derived one-way from the hash: it names the key, reveals nothing.
    let id = &sha256::hex_digest(format!("bot-key-id:{hash}").as_bytes())[..32];
    db.batch(vec![bot_keys::insert(
        id,
        &hash,
        op.site_id,
        label,
        &op.id,
        now.millis(),
    )])
    .await?;
    Ok(Created {
        key,
        label: label.to_owned(),
    })
}

pub async fn revoke<E: Executor>(db: &E, op: &Operator, id: &str) -> Result<(), ServiceError> {
    op.require(Action::ManageApiKeys)?;
    let deleted = db.batch(vec![bot_keys::delete(op.site_id, id)]).await?;
    if deleted.iter().all(Vec::is_empty) {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// The site a bot key belongs to, or `NotSignedIn` for anything else (also a key of a deleted
/// site). Stamps the key's last use at most once a minute.
pub async fn authenticate<E: Executor>(
    db: &E,
    cache: &SiteCache,
    key: &str,
    now: Timestamp,
) -> Result<Site, ServiceError> {
    let plausible = key.len() == PREFIX.len() + 64
        && key.starts_with(PREFIX)
        && key[PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !plausible {
        return Err(ServiceError::NotSignedIn);
    }
    let hash = sha256::hex_digest(key.as_bytes());
    let now_ms = now.millis();
    let mut results = db
        .batch(vec![
            bot_keys::touch(&hash, now_ms, now_ms - 60_000),
            bot_keys::find_site(&hash),
        ])
        .await?;
    let row: Option<KeySiteRow> = decode_first(results.pop().unwrap_or_default())?;
    let row = row.ok_or(ServiceError::NotSignedIn)?;
    let site_key = SiteKey::parse(&row.site_key)
        .map_err(|_| StoreError::RowShape(format!("site key {:?}", row.site_key)))?;
    site_cache::load(db, cache, &site_key, now).await
}
