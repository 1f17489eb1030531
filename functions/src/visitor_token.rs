//! Signed visitor tokens: `v1.<visitor id>.<HMAC-SHA256 hex>`. The MAC covers the site key
//! too, so a token minted for one site is worthless on another. Stateless: nothing to store,
//! and rotating the secret invalidates every token at once.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;
use ticketbooth_shared::hex;
use ticketbooth_shared::ids::VisitorId;
use ticketbooth_shared::site_key::SiteKey;

const VERSION: &str = "v1";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the visitor token secret is missing or shorter than 32 bytes")]
    WeakSecret,
    #[error("the visitor token is malformed or its signature does not match")]
    Invalid,
}

/// The server's signing key, from the `VISITOR_TOKEN_SECRET` secret.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl TokenKey {
    pub fn new(secret: &str) -> Result<Self, TokenError> {
        if secret.len() < 32 {
            return Err(TokenError::WeakSecret);
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }

    pub fn sign(&self, site: &SiteKey, visitor: &VisitorId) -> String {
        let mac = self.mac(site, visitor).finalize().into_bytes();
        let mut token = String::with_capacity(3 + 1 + 32 + 1 + 64);
        token.push_str(VERSION);
        token.push('.');
        token.push_str(visitor.as_ref());
        token.push('.');
        token.push_str(&hex::encode(&mac));
        token
    }

    /// The visitor a token speaks for, if it was signed by this key for this site.
    pub fn verify(&self, site: &SiteKey, token: &str) -> Result<VisitorId, TokenError> {
        let mut parts = token.split('.');
        let (Some(VERSION), Some(visitor), Some(mac_hex), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let visitor = VisitorId::parse(visitor).map_err(|_| TokenError::Invalid)?;
        let mac = decode_hex(mac_hex).ok_or(TokenError::Invalid)?;
        // `verify_slice` compares in constant time.
        self.mac(site, &visitor)
            .verify_slice(&mac)
            .map_err(|_| TokenError::Invalid)?;
        Ok(visitor)
    }

    fn mac(&self, site: &SiteKey, visitor: &VisitorId) -> Hmac<Sha256> {
        // Hmac accepts keys of any length; `new` has checked ours is at least 32 bytes.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        for part in [VERSION, site.as_ref(), visitor.as_ref()] {
            mac.update(part.as_bytes());
            mac.update(b"|");
        }
        mac
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey::new(&"s".repeat(32)).unwrap()
    }

    fn site(k: &str) -> SiteKey {
        SiteKey::parse(k).unwrap()
    }

    #[test]
    fn a_signed_token_verifies_for_its_site_only() {
        let visitor = VisitorId::mint([7; 16]);
        let token = key().sign(&site("acme"), &visitor);
        assert_eq!(key().verify(&site("acme"), &token), Ok(visitor));
        assert_eq!(
            key().verify(&site("other"), &token),
            Err(TokenError::Invalid)
        );
        let other_key = TokenKey::new(&"t".repeat(32)).unwrap();
        assert_eq!(
            other_key.verify(&site("acme"), &token),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn tampered_or_malformed_tokens_are_refused() {
        let visitor = VisitorId::mint([7; 16]);
        let token = key().sign(&site("acme"), &visitor);
        let swapped = token.replace(visitor.as_ref(), VisitorId::mint([8; 16]).as_ref());
        let mut flipped = token.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        for bad in [
            swapped,
            flipped,
            String::new(),
            "v1..".into(),
            format!("v2{}", &token[2..]),
            format!("{token}.x"),
        ] {
            assert_eq!(
                key().verify(&site("acme"), &bad),
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
    }
}
