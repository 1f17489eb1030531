//! The `site_secrets` table: a site's own secrets, sealed (`secret_box`). The clear value is
//! never bound to a statement here: only the key id and the ciphertext.

use crate::store::{Statement, Value};

/// Sets (or replaces) the site's secret `name`.
pub fn upsert(site_id: i64, name: &str, key_id: &str, ciphertext: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO site_secrets (site_id, name, key_id, ciphertext, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (site_id, name) DO UPDATE
         SET key_id = excluded.key_id, ciphertext = excluded.ciphertext,
             updated_at = excluded.updated_at",
        vec![
            Value::from(site_id),
            Value::from(name),
            Value::from(key_id),
            Value::from(ciphertext),
            Value::from(now),
        ],
    )
}

/// Adds the site's secret `name` unless it has one: a clear value from before migration 0018
/// being sealed must never overwrite a value written since.
pub fn insert_missing(
    site_id: i64,
    name: &str,
    key_id: &str,
    ciphertext: &str,
    now: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO site_secrets (site_id, name, key_id, ciphertext, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (site_id, name) DO NOTHING",
        vec![
            Value::from(site_id),
            Value::from(name),
            Value::from(key_id),
            Value::from(ciphertext),
            Value::from(now),
        ],
    )
}

/// Removes the site's secret `name` (if any).
pub fn delete(site_id: i64, name: &str) -> Statement {
    Statement::new(
        "DELETE FROM site_secrets WHERE site_id = ?1 AND name = ?2",
        vec![Value::from(site_id), Value::from(name)],
    )
}

/// Seals the site's secret `name` again under another key (a rotation), only while it still
/// holds the value it was read with (`old_ciphertext`): a value written meanwhile wins.
pub fn reseal(
    site_id: i64,
    name: &str,
    old_ciphertext: &str,
    key_id: &str,
    ciphertext: &str,
    now: i64,
) -> Statement {
    Statement::new(
        "UPDATE site_secrets SET key_id = ?4, ciphertext = ?5, updated_at = ?6
         WHERE site_id = ?1 AND name = ?2 AND ciphertext = ?3",
        vec![
            Value::from(site_id),
            Value::from(name),
            Value::from(old_ciphertext),
            Value::from(key_id),
            Value::from(ciphertext),
            Value::from(now),
        ],
    )
}
