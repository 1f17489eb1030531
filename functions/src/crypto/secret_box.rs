//! Sealing a site's secrets at rest: AES-256-GCM (the pure-Rust `aes-gcm` crate, so the
//! Worker, host tests and xtask run the same code) under the deployment's master key, the
//! Worker secret `SECRETS_KEY`.
//!
//! - A sealed value is `nonce ‖ ciphertext ‖ tag` in base64, with the id of the key that
//!   sealed it. The nonce is 12 random bytes per value (from the caller, whose bytes come from
//!   `functions::crypto::random`): never a counter, which isolates could not share.
//! - The associated data (`context`) names what the value is for — the service passes the site
//!   and the purpose — so a value copied to another site's row, or to another purpose, does not
//!   open.
//! - Rotation, as for visitor tokens: the key id names the master key (8 hex digits of a hash,
//!   revealing nothing of it). `SECRETS_KEY` seals; `SECRETS_KEY_PREVIOUS`, while set, still
//!   opens what it sealed, and each value is sealed again under the current key when it is
//!   next written.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use thiserror::Error;
use ticketbooth_shared::hex;

/// Bytes of a nonce (AES-GCM's standard 96 bits).
pub const NONCE_BYTES: usize = 12;
/// The GCM tag's bytes, after the ciphertext.
const TAG_BYTES: usize = 16;

/// Why no master key is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SecretsKeyError {
    #[error("the Worker secret SECRETS_KEY is not set")]
    Missing,
    #[error("SECRETS_KEY (or SECRETS_KEY_PREVIOUS) is shorter than 32 bytes")]
    Weak,
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpenError {
    #[error(
        "sealed under key {0}, which is neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS (was the key rotated twice?)"
    )]
    UnknownKey(String),
    #[error("the sealed value is not base64 of a nonce, a ciphertext and a tag")]
    Malformed,
    #[error(
        "the sealed value does not open under its key: altered, or copied from another site or purpose"
    )]
    Tampered,
}

/// A value as stored: the id of the key that sealed it, and `base64(nonce ‖ ciphertext ‖ tag)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub ciphertext: String,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed(key {})", self.key_id)
    }
}

/// One master key: its public id and its cipher.
#[derive(Clone)]
struct MasterKey {
    id: String,
    cipher: Aes256Gcm,
}

impl MasterKey {
    fn new(secret: &str) -> Result<Self, SecretsKeyError> {
        if secret.len() < 32 {
            return Err(SecretsKeyError::Weak);
        }
        // The secret is any high-entropy string (`openssl rand -hex 32`), like the visitor
        // token secret; SHA-256 makes it exactly the 32 bytes AES-256 takes.
        let key = Sha256::new()
            .chain_update(b"ticketbooth secrets key|")
            .chain_update(secret.as_bytes())
            .finalize();
        let id = Sha256::new()
            .chain_update(b"ticketbooth secrets key id|")
            .chain_update(secret.as_bytes())
            .finalize();
        Ok(Self {
            id: hex::encode(&id[..4]),
            cipher: Aes256Gcm::new(&key),
        })
    }
}

/// The deployment's master keys, from `SECRETS_KEY` (and `SECRETS_KEY_PREVIOUS` during a
/// rotation). Its `Debug` shows the key ids only.
#[derive(Clone)]
pub struct SecretsKey {
    current: MasterKey,
    previous: Option<MasterKey>,
}

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretsKey(current {}, previous {:?})",
            self.current.id,
            self.previous.as_ref().map(|p| &p.id)
        )
    }
}

impl SecretsKey {
    pub fn new(secret: &str) -> Result<Self, SecretsKeyError> {
        Ok(Self {
            current: MasterKey::new(secret)?,
            previous: None,
        })
    }

    /// Adds the key being rotated out: what it sealed still opens.
    pub fn with_previous(mut self, secret: &str) -> Result<Self, SecretsKeyError> {
        self.previous = Some(MasterKey::new(secret)?);
        Ok(self)
    }

    /// The keys from the Worker's two secrets as read (`None`: not set). A weak previous key
    /// is refused like a weak current one: a typo must not pass silently.
    pub fn from_secrets(
        current: Option<&str>,
        previous: Option<&str>,
    ) -> Result<Self, SecretsKeyError> {
        let key = Self::new(current.ok_or(SecretsKeyError::Missing)?)?;
        match previous {
            Some(previous) => key.with_previous(previous),
            None => Ok(key),
        }
    }

    /// The id of the key that seals new values.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` for `context` under the current key, with `nonce` (random, once).
    pub fn seal(&self, context: &[u8], plaintext: &str, nonce: [u8; NONCE_BYTES]) -> Sealed {
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context,
                },
            )
            // AES-GCM fails to encrypt only past 64 GiB of plaintext; a secret is a few bytes.
            .expect("AES-GCM seals any value shorter than 64 GiB");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Sealed {
            key_id: self.current.id.clone(),
            ciphertext: STANDARD.encode(bytes),
        }
    }

    /// Opens a value sealed for `context` by the current or the previous key.
    pub fn open(&self, context: &[u8], sealed: &Sealed) -> Result<String, OpenError> {
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| OpenError::UnknownKey(sealed.key_id.clone()))?;
        let bytes = STANDARD
            .decode(&sealed.ciphertext)
            .map_err(|_| OpenError::Malformed)?;
        if bytes.len() < NONCE_BYTES + TAG_BYTES {
            return Err(OpenError::Malformed);
        }
        let (nonce, body) = bytes.split_at(NONCE_BYTES);
        let plain = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| OpenError::Tampered)?;
        String::from_utf8(plain).map_err(|_| OpenError::Tampered)
    }

    /// Whether `sealed` was sealed by an older key than the current one.
    pub fn is_stale(&self, sealed: &Sealed) -> bool {
        sealed.key_id != self.current.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef-current";
    const OLD: &str = "fedcba9876543210fedcba9876543210-previous";

    #[test]
    fn a_value_opens_with_its_key_and_context_only() {
        let key = SecretsKey::new(KEY).unwrap();
        let sealed = key.seal(b"site 1|provider_key", "sk-live-abc", [1; 12]);
        assert_eq!(sealed.key_id, key.current_id());
        assert!(!sealed.ciphertext.contains("sk-live"));
        assert_eq!(
            key.open(b"site 1|provider_key", &sealed).unwrap(),
            "sk-live-abc"
        );
        // Another site or purpose (the associated data) does not open it.
        assert_eq!(
            key.open(b"site 2|provider_key", &sealed),
            Err(OpenError::Tampered)
        );
        // A different nonce gives a different ciphertext for the same value.
        assert_ne!(
            key.seal(b"site 1|provider_key", "sk-live-abc", [2; 12])
                .ciphertext,
            sealed.ciphertext
        );
    }

    #[test]
    fn a_wrong_key_or_an_altered_value_does_not_open() {
        let key = SecretsKey::new(KEY).unwrap();
        let sealed = key.seal(b"ctx", "secret", [3; 12]);
        let other = SecretsKey::new(OLD).unwrap();
        assert!(matches!(
            other.open(b"ctx", &sealed),
            Err(OpenError::UnknownKey(_))
        ));
        // Same key id claimed, other bytes: the tag fails.
        let mut bytes = STANDARD.decode(&sealed.ciphertext).unwrap();
        bytes[13] ^= 1;
        let altered = Sealed {
            key_id: sealed.key_id.clone(),
            ciphertext: STANDARD.encode(bytes),
        };
        assert_eq!(key.open(b"ctx", &altered), Err(OpenError::Tampered));
        let short = Sealed {
            key_id: sealed.key_id,
            ciphertext: "AAAA".into(),
        };
        assert_eq!(key.open(b"ctx", &short), Err(OpenError::Malformed));
    }

    #[test]
    fn the_previous_key_still_opens_during_a_rotation() {
        let old = SecretsKey::new(OLD).unwrap();
        let sealed = old.seal(b"ctx", "whsec_1", [4; 12]);
        let rotated = SecretsKey::from_secrets(Some(KEY), Some(OLD)).unwrap();
        assert_eq!(rotated.open(b"ctx", &sealed).unwrap(), "whsec_1");
        assert!(rotated.is_stale(&sealed));
        // New values are sealed under the current key.
        let fresh = rotated.seal(b"ctx", "whsec_2", [5; 12]);
        assert!(!rotated.is_stale(&fresh));
        assert_eq!(fresh.key_id, SecretsKey::new(KEY).unwrap().current_id());
        // Once the previous key is gone, its values no longer open.
        let after = SecretsKey::new(KEY).unwrap();
        assert!(matches!(
            after.open(b"ctx", &sealed),
            Err(OpenError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_missing_or_weak_key_is_refused() {
        assert_eq!(
            SecretsKey::from_secrets(None, None).unwrap_err(),
            SecretsKeyError::Missing
        );
        assert_eq!(
            SecretsKey::from_secrets(Some("short"), None).unwrap_err(),
            SecretsKeyError::Weak
        );
        assert_eq!(
            SecretsKey::from_secrets(Some(KEY), Some("short")).unwrap_err(),
            SecretsKeyError::Weak
        );
        // The Debug form names key ids, never key material.
        let debug = format!("{:?}", SecretsKey::new(KEY).unwrap());
        assert!(!debug.contains("0123456789abcdef"), "{debug}");
    }
}
