//! A site's own secrets — the provider key its bot sends, its identity secret, its Turnstile
//! secret key, its webhook signing secret — sealed in `site_secrets` under the deployment's
//! `SECRETS_KEY` (`secret_box`), each bound to its site and purpose. The Worker never reads a
//! secret by a name that tenant data supplies: a site's secret is a value the site's owner or
//! admin pasted (or the Worker minted), stored here, never shown again, never logged, never
//! exported.
//!
//! Values written in clear before migration 0018 (`sites.identity_secret`, `turnstile_secret`,
//! `webhook_secret`) keep working: the first use seals one (`take`), and every write replaces
//! or clears it, in the same batch as the sealed value. Without `SECRETS_KEY` nothing sealed
//! can be stored or read (`Refusal::SecretsKeyMissing`); a clear value still works, unsealed,
//! until the key is set.

use sha2::{Digest, Sha256};

use super::{Refusal, ServiceError};
use crate::crypto::secret_box::{NONCE_BYTES, Sealed, SecretsKey, SecretsKeyError};
use crate::sql::{site_secrets, sites};
use crate::store::{Executor, Statement, StoreError};

/// What a site's secret is for: the `name` column of `site_secrets`, and part of the sealed
/// value's associated data. New purposes (e-mail, sync credentials) are new variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretName {
    /// The key the site's bot sends its LLM provider (`Authorization: Bearer`).
    ProviderKey,
    /// The HS256 key of signed visitor identities (`identity_token`).
    IdentitySecret,
    /// Turnstile's secret key, sent to siteverify (`turnstile`).
    TurnstileSecret,
    /// The key webhook payloads are signed with (`webhooks`).
    WebhookSecret,
    /// The external help desk's credential (`integrations::sync`): a Zendesk API token or
    /// OAuth access token, a Gorgias API key. The account e-mail that goes with it is not a
    /// secret (`sync_connections.auth_user`).
    SyncCredential,
    /// What the help desk's webhooks to us are checked with: Zendesk's signing secret, the
    /// Gorgias HTTP integration's custom header value.
    SyncWebhookSecret,
}

impl SecretName {
    pub const ALL: [SecretName; 6] = [
        SecretName::ProviderKey,
        SecretName::IdentitySecret,
        SecretName::TurnstileSecret,
        SecretName::WebhookSecret,
        SecretName::SyncCredential,
        SecretName::SyncWebhookSecret,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretName::ProviderKey => "provider_key",
            SecretName::IdentitySecret => "identity_secret",
            SecretName::TurnstileSecret => "turnstile_secret",
            SecretName::WebhookSecret => "webhook_secret",
            SecretName::SyncCredential => "sync_credential",
            SecretName::SyncWebhookSecret => "sync_webhook_secret",
        }
    }
}

/// A site's secret as its row carries it: sealed, or in clear from before migration 0018.
/// Its `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub enum Stored {
    Sealed(Sealed),
    Plain(String),
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stored::Sealed(sealed) => write!(f, "Stored::{sealed:?}"),
            Stored::Plain(_) => f.write_str("Stored::Plain(..)"),
        }
    }
}

impl Stored {
    /// From a row: the sealed value (`<key id>:<ciphertext>`, as the `sql` modules select it)
    /// wins over a clear one, which is only ever older.
    pub fn from_columns(sealed: Option<String>, plain: Option<String>) -> Option<Self> {
        let sealed = sealed.and_then(|s| {
            let (key_id, ciphertext) = s.split_once(':')?;
            Some(Sealed {
                key_id: key_id.to_owned(),
                ciphertext: ciphertext.to_owned(),
            })
        });
        match (sealed, plain) {
            (Some(sealed), _) => Some(Stored::Sealed(sealed)),
            (None, Some(plain)) if !plain.is_empty() => Some(Stored::Plain(plain)),
            _ => None,
        }
    }
}

/// The associated data a site's secret is sealed with: its site and purpose.
fn context(site_id: i64, name: SecretName) -> Vec<u8> {
    format!(
        "ticketbooth site secret v1|site {site_id}|{}",
        name.as_str()
    )
    .into_bytes()
}

/// What one request seals and opens with: the master keys (if configured), 32 fresh random
/// bytes (from `crypto::random`, directly or through `context::Fresh`) and the time. Each
/// value's nonce is derived from the bytes, the site and the purpose, so the values one
/// request seals never share a nonce.
pub struct Sealer<'a> {
    key: Result<&'a SecretsKey, SecretsKeyError>,
    random: [u8; 32],
    now_ms: i64,
}

impl<'a> Sealer<'a> {
    pub fn new(
        key: &'a Result<SecretsKey, SecretsKeyError>,
        random: [u8; 32],
        now_ms: i64,
    ) -> Self {
        Self {
            key: key.as_ref().map_err(|e| *e),
            random,
            now_ms,
        }
    }

    /// The master keys, or the refusal that says the Worker has none.
    fn key(&self) -> Result<&'a SecretsKey, ServiceError> {
        self.key
            .map_err(|_| ServiceError::Refused(Refusal::SecretsKeyMissing))
    }

    fn seal(&self, site_id: i64, name: SecretName, plain: &str) -> Result<Sealed, ServiceError> {
        let digest = Sha256::new()
            .chain_update(self.random)
            .chain_update(context(site_id, name))
            .finalize();
        let mut nonce = [0; NONCE_BYTES];
        nonce.copy_from_slice(&digest[..NONCE_BYTES]);
        Ok(self.key()?.seal(&context(site_id, name), plain, nonce))
    }

    /// The statement that stores `plain` as the site's secret `name`, sealed under the
    /// current key (replacing any value).
    pub fn upsert(
        &self,
        site_id: i64,
        name: SecretName,
        plain: &str,
    ) -> Result<Statement, ServiceError> {
        let sealed = self.seal(site_id, name, plain)?;
        Ok(site_secrets::upsert(
            site_id,
            name.as_str(),
            &sealed.key_id,
            &sealed.ciphertext,
            self.now_ms,
        ))
    }

    /// The clear value of a stored secret. A value sealed by `SECRETS_KEY_PREVIOUS` opens too.
    pub fn reveal(
        &self,
        site_id: i64,
        name: SecretName,
        stored: &Stored,
    ) -> Result<String, ServiceError> {
        match stored {
            Stored::Plain(plain) => Ok(plain.clone()),
            Stored::Sealed(sealed) => self
                .key()?
                .open(&context(site_id, name), sealed)
                // A value that does not open is a fault of the data, for the log (500).
                .map_err(|e| {
                    StoreError::RowShape(format!("site {site_id}'s {}: {e}", name.as_str())).into()
                }),
        }
    }
}

/// The statement that clears a secret's clear column from before migration 0018 (only while it
/// still holds `value`, when given); `None` for a purpose that never had one.
pub fn clear_plain(site_id: i64, name: SecretName, value: Option<&str>) -> Option<Statement> {
    match name {
        SecretName::ProviderKey | SecretName::SyncCredential | SecretName::SyncWebhookSecret => {
            None
        }
        SecretName::IdentitySecret => Some(sites::clear_plain_identity_secret(site_id, value)),
        SecretName::TurnstileSecret => Some(sites::clear_plain_turnstile_secret(site_id, value)),
        SecretName::WebhookSecret => Some(sites::clear_plain_webhook_secret(site_id, value)),
    }
}

/// The statements that set the site's secret `name` to `plain`, sealed, and clear its clear
/// column: what every write of a secret puts in its batch.
pub fn replace(
    sealer: &Sealer<'_>,
    site_id: i64,
    name: SecretName,
    plain: &str,
) -> Result<Vec<Statement>, ServiceError> {
    let mut statements = vec![sealer.upsert(site_id, name, plain)?];
    statements.extend(clear_plain(site_id, name, None));
    Ok(statements)
}

/// The statements that remove the site's secret `name`, sealed or clear.
pub fn remove(site_id: i64, name: SecretName) -> Vec<Statement> {
    let mut statements = vec![site_secrets::delete(site_id, name.as_str())];
    statements.extend(clear_plain(site_id, name, None));
    statements
}

/// A secret's clear value for use now, and whether its row changed. Two kinds of value are
/// written again on the way, each in one batch, so neither lingers once used: a clear value
/// from before migration 0018 is sealed (the sealed row, unless one was written meanwhile, and
/// the emptied column), and a value sealed by `SECRETS_KEY_PREVIOUS` is sealed again under
/// `SECRETS_KEY` (only while it is still the value read). The caller then drops any cached
/// copy of the site. Without `SECRETS_KEY` a clear value is used as it is; a failed write is
/// tried again at the next use.
pub async fn take<E: Executor>(
    db: &E,
    sealer: &Sealer<'_>,
    site_id: i64,
    name: SecretName,
    stored: &Stored,
) -> Result<(String, bool), ServiceError> {
    let plain = sealer.reveal(site_id, name, stored)?;
    let Ok(key) = sealer.key() else {
        return Ok((plain, false));
    };
    let statements = match stored {
        Stored::Sealed(old) if key.is_stale(old) => {
            let sealed = sealer.seal(site_id, name, &plain)?;
            vec![site_secrets::reseal(
                site_id,
                name.as_str(),
                &old.ciphertext,
                &sealed.key_id,
                &sealed.ciphertext,
                sealer.now_ms,
            )]
        }
        Stored::Sealed(_) => return Ok((plain, false)),
        Stored::Plain(_) => {
            let Some(clear) = clear_plain(site_id, name, Some(&plain)) else {
                return Ok((plain, false));
            };
            let sealed = sealer.seal(site_id, name, &plain)?;
            let insert = site_secrets::insert_missing(
                site_id,
                name.as_str(),
                &sealed.key_id,
                &sealed.ciphertext,
                sealer.now_ms,
            );
            vec![insert, clear]
        }
    };
    let changed = db.batch(statements).await.is_ok();
    Ok((plain, changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_holds_a_sealed_value_a_clear_one_or_none() {
        let sealed = Stored::from_columns(Some("0a1b2c3d:AAAA".into()), Some("old".into()));
        assert_eq!(
            sealed,
            Some(Stored::Sealed(Sealed {
                key_id: "0a1b2c3d".into(),
                ciphertext: "AAAA".into()
            }))
        );
        assert_eq!(
            Stored::from_columns(None, Some("old".into())),
            Some(Stored::Plain("old".into()))
        );
        assert_eq!(Stored::from_columns(None, Some(String::new())), None);
        assert_eq!(Stored::from_columns(None, None), None);
        assert_eq!(
            format!("{:?}", Stored::Plain("whsec_x".into())),
            "Stored::Plain(..)"
        );
    }

    #[test]
    fn a_worker_without_secrets_key_refuses_to_seal_or_open() {
        let missing = Err(SecretsKeyError::Missing);
        let sealer = Sealer::new(&missing, [1; 32], 0);
        assert_eq!(
            sealer.upsert(1, SecretName::ProviderKey, "sk").unwrap_err(),
            ServiceError::Refused(Refusal::SecretsKeyMissing)
        );
        let stored = Stored::Sealed(Sealed {
            key_id: "0a1b2c3d".into(),
            ciphertext: "AAAA".into(),
        });
        assert_eq!(
            sealer
                .reveal(1, SecretName::ProviderKey, &stored)
                .unwrap_err(),
            ServiceError::Refused(Refusal::SecretsKeyMissing)
        );
        // A clear value from before the store still works.
        assert_eq!(
            sealer
                .reveal(1, SecretName::IdentitySecret, &Stored::Plain("s".into()))
                .unwrap(),
            "s"
        );
    }

    #[test]
    fn a_value_is_bound_to_its_site_and_purpose() {
        let key = SecretsKey::new("0123456789abcdef0123456789abcdef!");
        let sealer = Sealer::new(&key, [2; 32], 0);
        let sealed = Stored::Sealed(sealer.seal(1, SecretName::ProviderKey, "sk-1").unwrap());
        assert_eq!(
            sealer.reveal(1, SecretName::ProviderKey, &sealed).unwrap(),
            "sk-1"
        );
        for (site, name) in [(2, SecretName::ProviderKey), (1, SecretName::WebhookSecret)] {
            assert!(matches!(
                sealer.reveal(site, name, &sealed),
                Err(ServiceError::Store(StoreError::RowShape(_)))
            ));
        }
        // Two purposes sealed in one request get different nonces.
        let a = sealer.seal(1, SecretName::ProviderKey, "x").unwrap();
        let b = sealer.seal(1, SecretName::WebhookSecret, "x").unwrap();
        assert_ne!(a.ciphertext[..16], b.ciphertext[..16]);
    }
}
