//! The `sync_connections` table: a site's connection to an external help desk (one live per
//! site; disconnected ones stay as history). The credentials are the site's sealed secrets
//! (`sync_credential`, `sync_webhook_secret`), read here beside the row. Every statement
//! names its site, but `by_id_for_hook` (a webhook names its connection by id; its signature,
//! checked with that connection's secret, is what admits it).

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A connection and its sealed secrets (`<key id>:<ciphertext>`, as `site_secrets::Stored`
/// reads them).
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionRow {
    pub id: i64,
    pub site_id: i64,
    pub platform: String,
    pub base_url: String,
    pub auth_kind: String,
    pub auth_user: Option<String>,
    pub push_rule: String,
    pub push_label: Option<String>,
    pub remote_user_id: Option<String>,
    pub checked_at: Option<i64>,
    pub check_error: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub disconnected_at: Option<i64>,
    pub sealed_credential: Option<String>,
    pub sealed_webhook_secret: Option<String>,
}

/// The columns of `ConnectionRow`, for `concat!` (a statement's text is `'static`).
macro_rules! columns {
    () => {
        "c.id, c.site_id, c.platform, c.base_url, c.auth_kind, c.auth_user,
    c.push_rule, c.push_label, c.remote_user_id, c.checked_at, c.check_error, c.created_by,
    c.created_at, c.updated_at, c.disconnected_at,
    (SELECT key_id || ':' || ciphertext FROM site_secrets
     WHERE site_id = c.site_id AND name = 'sync_credential') AS sealed_credential,
    (SELECT key_id || ':' || ciphertext FROM site_secrets
     WHERE site_id = c.site_id AND name = 'sync_webhook_secret') AS sealed_webhook_secret"
    };
}

/// The site's live connection, if any.
pub fn live(site_id: i64) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            columns!(),
            " FROM sync_connections c WHERE c.site_id = ?1 AND c.disconnected_at IS NULL"
        ),
        vec![Value::from(site_id)],
    )
}

/// One connection of the site, live or not (a link's history names it).
pub fn find(site_id: i64, id: i64) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            columns!(),
            " FROM sync_connections c WHERE c.site_id = ?1 AND c.id = ?2"
        ),
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// The live connection a webhook names by id (the only read not scoped by a site: the
/// webhook's URL carries no session, and its signature is checked with this row's secret
/// before anything is applied, to this row's site only).
pub fn by_id_for_hook(id: i64) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            columns!(),
            " FROM sync_connections c WHERE c.id = ?1 AND c.disconnected_at IS NULL"
        ),
        vec![Value::from(id)],
    )
}

// --- The settings page: connect, rules, credentials, the connection test, disconnect --------

/// A new live connection of the site (the unique index refuses a second live one). Its
/// secrets are written beside it in the same batch (`site_secrets::replace`).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    site_id: i64,
    platform: &str,
    base_url: &str,
    auth_kind: &str,
    auth_user: Option<&str>,
    push_rule: &str,
    push_label: Option<&str>,
    created_by: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO sync_connections
             (site_id, platform, base_url, auth_kind, auth_user, push_rule, push_label,
              created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        vec![
            Value::from(site_id),
            Value::from(platform),
            Value::from(base_url),
            Value::from(auth_kind),
            Value::from(auth_user),
            Value::from(push_rule),
            Value::from(push_label),
            Value::from(created_by),
            Value::from(now_ms),
        ],
    )
}

/// What the live connection pushes from now on (links already made stay).
pub fn set_rules(
    site_id: i64,
    id: i64,
    push_rule: &str,
    push_label: Option<&str>,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE sync_connections SET push_rule = ?3, push_label = ?4, updated_at = ?5
         WHERE site_id = ?1 AND id = ?2 AND disconnected_at IS NULL",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(push_rule),
            Value::from(push_label),
            Value::from(now_ms),
        ],
    )
}

/// New credentials for the live connection (the secrets themselves are written beside it).
/// The last test spoke for the old ones: it is forgotten until the next.
pub fn set_auth(
    site_id: i64,
    id: i64,
    auth_kind: &str,
    auth_user: Option<&str>,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE sync_connections
         SET auth_kind = ?3, auth_user = ?4, checked_at = NULL, check_error = NULL,
             updated_at = ?5
         WHERE site_id = ?1 AND id = ?2 AND disconnected_at IS NULL",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(auth_kind),
            Value::from(auth_user),
            Value::from(now_ms),
        ],
    )
}

/// The connection test's result: the remote user it found (a failed test keeps the last one
/// known, so echo detection goes on), when, and why it failed (`NULL`: it passed).
pub fn record_check(
    site_id: i64,
    id: i64,
    remote_user_id: Option<&str>,
    check_error: Option<&str>,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE sync_connections
         SET remote_user_id = COALESCE(?3, remote_user_id), checked_at = ?5, check_error = ?4,
             updated_at = ?5
         WHERE site_id = ?1 AND id = ?2 AND disconnected_at IS NULL",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(remote_user_id),
            Value::from(check_error),
            Value::from(now_ms),
        ],
    )
}

/// Ends the live connection: it stays as the history its links point at.
pub fn disconnect(site_id: i64, id: i64, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE sync_connections SET disconnected_at = ?3, updated_at = ?3
         WHERE site_id = ?1 AND id = ?2 AND disconnected_at IS NULL",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}
