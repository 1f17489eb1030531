//! Operator passwords: PBKDF2-HMAC-SHA256 at 100,000 iterations (the most Workers' WebCrypto
//! allows) with a per-user random salt, stored as one self-describing string:
//! `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`. The iteration count travels with the
//! hash, so it can be raised later without invalidating stored passwords.

mod kdf;

use thiserror::Error;
use ticketbooth_shared::hex;

use crate::crypto::constant_time_eq;

pub use kdf::{KdfError, pbkdf2_sha256};

/// The Workers runtime refuses PBKDF2 above this count.
pub const ITERATIONS: u32 = 100_000;
const SCHEME: &str = "pbkdf2-sha256";
const SALT_BYTES: usize = 16;

/// A password as typed, within the length rules. Never stored, never logged.
pub struct Password(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PasswordError {
    #[error("Use at least {min} characters.", min = Password::MIN_CHARS)]
    TooShort,
    #[error("Use at most {max} characters.", max = Password::MAX_CHARS)]
    TooLong,
}

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// PBKDF2 hashes a long password once per iteration block anyway; the cap just keeps
    /// request bodies small.
    pub const MAX_CHARS: usize = 200;

    /// Passwords are taken as typed: no trimming, every character counts.
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > Self::MAX_CHARS {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A stored password hash, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash {
    iterations: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl PasswordHash {
    /// Hashes `password` with a fresh `salt` (from the caller's CSPRNG).
    pub async fn create(password: &Password, salt: [u8; SALT_BYTES]) -> Result<Self, KdfError> {
        let hash = pbkdf2_sha256(password.expose().as_bytes(), &salt, ITERATIONS).await?;
        Ok(Self {
            iterations: ITERATIONS,
            salt: salt.to_vec(),
            hash: hash.to_vec(),
        })
    }

    pub fn parse(stored: &str) -> Option<Self> {
        let mut parts = stored.split('$');
        let (scheme, iterations, salt, hash) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let iterations: u32 = iterations.parse().ok()?;
        let valid =
            scheme == SCHEME && parts.next().is_none() && (1..=ITERATIONS).contains(&iterations);
        let (salt, hash) = (decode_hex(salt)?, decode_hex(hash)?);
        (valid && !salt.is_empty() && hash.len() == 32).then_some(Self {
            iterations,
            salt,
            hash,
        })
    }

    /// The stored form.
    pub fn encode(&self) -> String {
        format!(
            "{SCHEME}${}${}${}",
            self.iterations,
            hex::encode(&self.salt),
            hex::encode(&self.hash)
        )
    }

    /// Whether `candidate` is this password, compared in constant time.
    pub async fn verify(&self, candidate: &str) -> Result<bool, KdfError> {
        let derived = pbkdf2_sha256(candidate.as_bytes(), &self.salt, self.iterations).await?;
        Ok(constant_time_eq(&derived, &self.hash))
    }
}

/// Checks `candidate` against a stored hash, or — when there is none (unknown email, account
/// without a password) — against a dummy, so every failure costs the same 100,000 iterations
/// and answers the same `false`.
pub async fn verify_or_dummy(stored: Option<&str>, candidate: &str) -> Result<bool, KdfError> {
    match stored.and_then(PasswordHash::parse) {
        Some(hash) => hash.verify(candidate).await,
        None => {
            let dummy = PasswordHash {
                iterations: ITERATIONS,
                salt: vec![0x5a; SALT_BYTES],
                hash: vec![0; 32],
            };
            dummy.verify(candidate).await.map(|_| false)
        }
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        pollster::block_on(f)
    }

    #[test]
    fn known_pbkdf2_hmac_sha256_vectors() {
        // RFC 7914 §11 (PBKDF2-HMAC-SHA256), and the RFC 6070 inputs run through SHA-256 (as
        // published in RFC 7914's errata and by most test suites).
        let cases: [(&[u8], &[u8], u32, &str); 3] = [
            (
                b"passwd",
                b"salt",
                1,
                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc",
            ),
            (
                b"password",
                b"salt",
                4096,
                "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
            ),
            (
                b"password",
                b"salt",
                1,
                "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
            ),
        ];
        for (password, salt, iterations, expected) in cases {
            let got = block(pbkdf2_sha256(password, salt, iterations)).unwrap();
            assert_eq!(hex::encode(&got), expected, "{password:?} x{iterations}");
        }
    }

    #[test]
    fn a_hash_round_trips_and_verifies_only_its_password() {
        let password = Password::parse("correct horse battery").unwrap();
        let hash = block(PasswordHash::create(&password, [7; 16])).unwrap();
        let stored = hash.encode();
        assert!(
            stored.starts_with("pbkdf2-sha256$100000$07070707"),
            "{stored}"
        );
        let parsed = PasswordHash::parse(&stored).unwrap();
        assert_eq!(parsed, hash);
        assert!(block(parsed.verify("correct horse battery")).unwrap());
        assert!(!block(parsed.verify("correct horse battery ")).unwrap());
        // Another salt, another hash for the same password.
        let other = block(PasswordHash::create(&password, [8; 16])).unwrap();
        assert_ne!(other.encode(), stored);
    }

    #[test]
    fn unknown_or_malformed_stored_hashes_answer_false() {
        assert!(!block(verify_or_dummy(None, "whatever-password")).unwrap());
        assert!(!block(verify_or_dummy(Some("plain:text"), "plain:text")).unwrap());
        for bad in [
            "pbkdf2-sha256$100000$00$zz",
            "pbkdf2-sha256$0$00$00",
            "pbkdf2-sha256$200000$0011$00",
            "md5$1$00$00",
            "",
        ] {
            assert_eq!(PasswordHash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn password_length_rules() {
        assert_eq!(
            Password::parse("short").err(),
            Some(PasswordError::TooShort)
        );
        assert_eq!(
            Password::parse(&"x".repeat(201)).err(),
            Some(PasswordError::TooLong)
        );
        assert!(Password::parse("  ten chars").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("secret-secret").unwrap()),
            "Password(…)"
        );
    }
}
