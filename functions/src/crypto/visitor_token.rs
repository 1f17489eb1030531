//! Signed visitor tokens: `v2.<key id>.<visitor id>.<issued at, unix seconds>.<HMAC-SHA256
//! hex>`. The MAC covers the site key too, so a token minted for one site is worthless on
//! another. Stateless: nothing to store.
//!
//! - Expiry: a token is good for `LIFETIME_SECS` after it was issued; a token older than
//!   `RENEW_AFTER_SECS` that is still used gets a fresh one in the reply (rolling renewal), so a
//!   visitor who comes back within the lifetime never loses their tickets, and a token lifted
//!   from a browser stops working on its own.
//! - Rotation: the key id names the secret that signed the token. `VISITOR_TOKEN_SECRET` signs;
//!   `VISITOR_TOKEN_SECRET_PREVIOUS`, when set, still verifies (and its tokens are renewed under
//!   the new secret), so a secret is rotated with an overlap instead of signing everyone out.

use hmac::{Hmac, Mac};

use super::hmac_sha256;
use sha2::{Digest, Sha256};
use thiserror::Error;
use ticketbooth_shared::hex;
use ticketbooth_shared::ids::VisitorId;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

const VERSION: &str = "v2";
/// 180 days: a visitor who opens a ticket and comes back months later still sees it.
pub const LIFETIME_SECS: i64 = 180 * 24 * 60 * 60;
/// A week: at most one renewal a week per visitor, however often they use the widget.
pub const RENEW_AFTER_SECS: i64 = 7 * 24 * 60 * 60;
/// Clock skew between isolates tolerated for a token "issued in the future".
const SKEW_SECS: i64 = 5 * 60;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the visitor token secret is missing or shorter than 32 bytes")]
    WeakSecret,
    #[error("the visitor token is malformed or its signature does not match")]
    Invalid,
    #[error("the visitor token has expired")]
    Expired,
}

/// One signing secret and its public key id (8 hex digits of a hash of the secret: names the
/// secret without revealing it).
#[derive(Clone)]
struct Secret {
    id: String,
    bytes: Vec<u8>,
}

impl Secret {
    fn new(secret: &str) -> Result<Self, TokenError> {
        if secret.len() < 32 {
            return Err(TokenError::WeakSecret);
        }
        let digest = Sha256::new()
            .chain_update(b"ticketbooth visitor token key id|")
            .chain_update(secret.as_bytes())
            .finalize();
        Ok(Self {
            id: hex::encode(&digest[..4]),
            bytes: secret.as_bytes().to_vec(),
        })
    }

    fn mac(&self, site: &SiteKey, visitor: &VisitorId, issued_at: &str) -> Hmac<Sha256> {
        // `new` has checked the key is at least 32 bytes.
        let mut mac = hmac_sha256(&self.bytes);
        for part in [
            VERSION,
            &self.id,
            site.as_ref(),
            visitor.as_ref(),
            issued_at,
        ] {
            mac.update(part.as_bytes());
            mac.update(b"|");
        }
        mac
    }
}

/// The MAC of an unsubscribe link: its own purpose, the site and the lower-cased address.
fn unsubscribe_mac(secret: &Secret, site_id: i64, address: &str) -> Hmac<Sha256> {
    let mut mac = hmac_sha256(&secret.bytes);
    for part in [
        "mail-unsubscribe",
        &site_id.to_string(),
        &address.to_lowercase(),
    ] {
        mac.update(part.as_bytes());
        mac.update(b"|");
    }
    mac
}

/// The server's signing keys, from the `VISITOR_TOKEN_SECRET` (and optional
/// `VISITOR_TOKEN_SECRET_PREVIOUS`) secrets.
#[derive(Clone)]
pub struct TokenKey {
    current: Secret,
    previous: Option<Secret>,
}

/// A token that verified: whose it is, and whether the reply should carry a renewed one.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub visitor: VisitorId,
    pub renew: bool,
}

impl TokenKey {
    pub fn new(secret: &str) -> Result<Self, TokenError> {
        Ok(Self {
            current: Secret::new(secret)?,
            previous: None,
        })
    }

    /// Adds the secret being rotated out: its tokens still verify until they are renewed.
    pub fn with_previous(mut self, secret: &str) -> Result<Self, TokenError> {
        self.previous = Some(Secret::new(secret)?);
        Ok(self)
    }

    pub fn sign(&self, site: &SiteKey, visitor: &VisitorId, now: Timestamp) -> String {
        let issued_at = (now.millis() / 1000).to_string();
        let mac = self
            .current
            .mac(site, visitor, &issued_at)
            .finalize()
            .into_bytes();
        [
            VERSION,
            &self.current.id,
            visitor.as_ref(),
            &issued_at,
            &hex::encode(&mac),
        ]
        .join(".")
    }

    /// The unsubscribe link's signature for `address` on the site `site_id` (mails'
    /// List-Unsubscribe): `<key id>.<HMAC-SHA256 hex>`, under its own purpose so it is no
    /// visitor token. Never expires: a link in an old mail still works.
    pub fn sign_unsubscribe(&self, site_id: i64, address: &str) -> String {
        let mac = unsubscribe_mac(&self.current, site_id, address)
            .finalize()
            .into_bytes();
        format!("{}.{}", self.current.id, hex::encode(&mac))
    }

    /// Whether `sig` is one of our secrets' unsubscribe signature for `address` on the site.
    pub fn verify_unsubscribe(&self, site_id: i64, address: &str, sig: &str) -> bool {
        let Some((key_id, mac_hex)) = sig.split_once('.') else {
            return false;
        };
        let Some(secret) = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|s| s.id == key_id)
        else {
            return false;
        };
        let Some(mac) = hex::decode(mac_hex).filter(|m| m.len() == 32) else {
            return false;
        };
        unsubscribe_mac(secret, site_id, address)
            .verify_slice(&mac)
            .is_ok()
    }

    /// The visitor a token speaks for, if one of our secrets signed it for this site and it
    /// has not expired.
    pub fn verify(
        &self,
        site: &SiteKey,
        token: &str,
        now: Timestamp,
    ) -> Result<Verified, TokenError> {
        let mut parts = token.split('.');
        let (Some(VERSION), Some(key_id), Some(visitor), Some(issued_at), Some(mac_hex), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(TokenError::Invalid);
        };
        let secret = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|s| s.id == key_id)
            .ok_or(TokenError::Invalid)?;
        let visitor = VisitorId::parse(visitor).map_err(|_| TokenError::Invalid)?;
        // Digits only, no sign, no leading zero: one spelling per token.
        let issued_secs: i64 = (!issued_at.is_empty()
            && issued_at.len() <= 12
            && issued_at.bytes().all(|b| b.is_ascii_digit())
            && !(issued_at.len() > 1 && issued_at.starts_with('0')))
        .then(|| issued_at.parse().ok())
        .flatten()
        .ok_or(TokenError::Invalid)?;
        let mac = hex::decode(mac_hex)
            .filter(|m| m.len() == 32)
            .ok_or(TokenError::Invalid)?;
        // `verify_slice` compares in constant time.
        secret
            .mac(site, &visitor, issued_at)
            .verify_slice(&mac)
            .map_err(|_| TokenError::Invalid)?;
        let now_secs = now.millis() / 1000;
        if issued_secs > now_secs + SKEW_SECS {
            return Err(TokenError::Invalid);
        }
        let age = now_secs - issued_secs;
        if age >= LIFETIME_SECS {
            return Err(TokenError::Expired);
        }
        Ok(Verified {
            visitor,
            renew: age >= RENEW_AFTER_SECS || secret.id != self.current.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_427_280_000;

    fn key() -> TokenKey {
        TokenKey::new(&"s".repeat(32)).unwrap()
    }

    fn site(k: &str) -> SiteKey {
        SiteKey::parse(k).unwrap()
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    fn days(n: i64) -> i64 {
        n * 24 * 60 * 60 * 1000
    }

    #[test]
    fn a_signed_token_verifies_for_its_site_only() {
        let visitor = VisitorId::mint([7; 16]);
        let token = key().sign(&site("acme"), &visitor, at(NOW));
        assert_eq!(
            key().verify(&site("acme"), &token, at(NOW)),
            Ok(Verified {
                visitor,
                renew: false
            })
        );
        assert_eq!(
            key().verify(&site("other"), &token, at(NOW)),
            Err(TokenError::Invalid)
        );
        let other_key = TokenKey::new(&"t".repeat(32)).unwrap();
        assert_eq!(
            other_key.verify(&site("acme"), &token, at(NOW)),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn tokens_renew_after_a_week_and_expire_after_their_lifetime() {
        let visitor = VisitorId::mint([7; 16]);
        let token = key().sign(&site("acme"), &visitor, at(NOW));
        let check = |ms| key().verify(&site("acme"), &token, at(ms));
        assert!(!check(NOW + days(7) - 1000).unwrap().renew);
        assert!(check(NOW + days(7)).unwrap().renew);
        assert!(check(NOW + days(180) - 1000).is_ok());
        assert_eq!(check(NOW + days(180)), Err(TokenError::Expired));
        // Issued in the future beyond the skew allowance: forged or a broken clock.
        assert_eq!(check(NOW - 10 * 60 * 1000), Err(TokenError::Invalid));
        assert!(check(NOW - 60 * 1000).is_ok());
    }

    #[test]
    fn a_rotated_secret_still_verifies_and_is_renewed() {
        let old = TokenKey::new(&"o".repeat(32)).unwrap();
        let visitor = VisitorId::mint([7; 16]);
        let token = old.sign(&site("acme"), &visitor, at(NOW));
        let rotated = TokenKey::new(&"n".repeat(32))
            .unwrap()
            .with_previous(&"o".repeat(32))
            .unwrap();
        assert_eq!(
            rotated.verify(&site("acme"), &token, at(NOW)),
            Ok(Verified {
                visitor: visitor.clone(),
                renew: true
            })
        );
        let renewed = rotated.sign(&site("acme"), &visitor, at(NOW));
        assert!(
            !rotated
                .verify(&site("acme"), &renewed, at(NOW))
                .unwrap()
                .renew
        );
        // Once the previous secret is dropped, its tokens are refused.
        let after = TokenKey::new(&"n".repeat(32)).unwrap();
        assert_eq!(
            after.verify(&site("acme"), &token, at(NOW)),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn tampered_malformed_or_respelled_tokens_are_refused() {
        let visitor = VisitorId::mint([7; 16]);
        let token = key().sign(&site("acme"), &visitor, at(NOW));
        let parts: Vec<&str> = token.split('.').collect();
        let swapped = token.replace(visitor.as_ref(), VisitorId::mint([8; 16]).as_ref());
        let mut flipped = token.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        let upper_mac = format!(
            "{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            parts[4].to_ascii_uppercase()
        );
        let signed_mac = format!(
            "{}.{}.{}.{}.+{}",
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            &parts[4][1..]
        );
        let padded_time = format!(
            "{}.{}.{}.0{}.{}",
            parts[0], parts[1], parts[2], parts[3], parts[4]
        );
        for bad in [
            swapped,
            flipped,
            upper_mac,
            signed_mac,
            padded_time,
            String::new(),
            "v2....".into(),
            format!("v1{}", &token[2..]),
            format!("{token}.x"),
        ] {
            assert_eq!(
                key().verify(&site("acme"), &bad, at(NOW)),
                Err(TokenError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(
            TokenKey::new("short"),
            Err(TokenError::WeakSecret)
        ));
        assert!(matches!(
            key().with_previous("short"),
            Err(TokenError::WeakSecret)
        ));
    }
}
