//! Signed visitor identity: the site's own backend vouches for a signed-in user with a
//! short-lived HS256 JWT `{site, sub, name, email, iat, exp}`, signed with the site's identity
//! secret (the secret's UTF-8 bytes are the HMAC key). The widget sends it in the
//! `Ticketbooth-Identity` header on create; it supplies the requester and skips the contact
//! prompt.
//!
//! Hand-written over `hmac` + `sha2` (already in the Worker) rather than `jsonwebtoken`: up to 9
//! it needs `ring`, which does not build for wasm32-unknown-unknown; from 10 its ring-free
//! `rust_crypto` feature brings every algorithm's crates (rsa, p256, p384, ed25519-dalek, rand)
//! into the Worker for the one HMAC we accept. The parser is strict on purpose: exactly
//! three unpadded base64url parts, `alg` exactly `HS256` (no `none`, no algorithm choice by the
//! token), no `crit`, the MAC checked in constant time before any claim is read, the site
//! checked, `exp` in the future and at most 24 hours after `iat`, `iat` not in the future.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use super::hmac_sha256;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use thiserror::Error;
use ticketbooth_shared::hex;
use ticketbooth_shared::ids::VisitorId;
use ticketbooth_shared::requester::{Email, RequesterName};
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

/// The request header that carries the JWT.
pub const HEADER: &str = "ticketbooth-identity";

/// The longest an identity may be valid for (`exp - iat`).
pub const MAX_LIFETIME_SECS: i64 = 24 * 60 * 60;
/// Clock skew tolerated between the site's server and ours for `iat`.
const SKEW_SECS: i64 = 60;
/// Anything longer is not a token a site's server made for us.
const MAX_TOKEN_BYTES: usize = 4096;

/// A site's identity secret: 32 random bytes as 64 hex digits. Its `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentitySecret(String);

impl IdentitySecret {
    /// A new secret from 32 random bytes.
    pub fn mint(random: [u8; 32]) -> Self {
        Self(hex::encode(&random))
    }

    /// A stored secret (anything at least 32 bytes long).
    pub fn from_stored(stored: String) -> Option<Self> {
        (stored.len() >= 32).then_some(Self(stored))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for IdentitySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentitySecret(..)")
    }
}

/// Why an identity was refused; each message says what to fix on the site's server.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("This site has no identity secret yet; an owner sets one in the site settings.")]
    NotEnabled,
    #[error(
        "The identity is not a JWT: expected three base64url parts (header.payload.signature)."
    )]
    Malformed,
    #[error(
        "The identity must be signed with HS256 (header {{\"alg\":\"HS256\",\"typ\":\"JWT\"}})."
    )]
    Algorithm,
    #[error("The identity's signature does not match this site's identity secret.")]
    Signature,
    #[error("The identity was signed for another site.")]
    WrongSite,
    #[error("The identity has expired (exp is in the past); sign a fresh one.")]
    Expired,
    #[error("The identity's iat is in the future; check the server's clock.")]
    IssuedInFuture,
    #[error("The identity must expire after iat and at most 24 hours after it.")]
    Lifetime,
    #[error("The identity's claims are invalid: {0}")]
    Claims(String),
}

/// A verified identity: who the site says this visitor is.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The site's own user id (`sub`).
    pub subject: String,
    pub name: Option<RequesterName>,
    pub email: Option<Email>,
    /// The visitor id this user always gets on this site, on any device: so "My tickets" in
    /// the widget lists their tickets wherever they sign in.
    pub visitor: VisitorId,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    typ: Option<String>,
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Claims {
    site: String,
    sub: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    iat: i64,
    exp: i64,
}

/// Verifies `token` for `site` with its secret (`None`: the site accepts no identities).
pub fn verify(
    token: &str,
    secret: Option<&IdentitySecret>,
    site: &SiteKey,
    now: Timestamp,
) -> Result<Identity, IdentityError> {
    let secret = secret.ok_or(IdentityError::NotEnabled)?;
    let token = token.trim();
    if token.len() > MAX_TOKEN_BYTES {
        return Err(IdentityError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdentityError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| IdentityError::Malformed)
    };
    let header_json: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| IdentityError::Malformed)?;
    if header_json.alg != "HS256"
        || header_json.typ.as_deref().is_some_and(|t| t != "JWT")
        || header_json.crit.is_some()
    {
        return Err(IdentityError::Algorithm);
    }
    let signature = decode(signature)?;
    let mut mac = hmac_sha256(secret.expose().as_bytes());
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| IdentityError::Signature)?;

    let claims: Claims = serde_json::from_slice(&decode(payload)?)
        .map_err(|e| IdentityError::Claims(e.to_string()))?;
    if claims.site != site.as_ref() {
        return Err(IdentityError::WrongSite);
    }
    let now_secs = now.millis().div_euclid(1000);
    if claims.exp <= now_secs {
        return Err(IdentityError::Expired);
    }
    if claims.iat > now_secs + SKEW_SECS {
        return Err(IdentityError::IssuedInFuture);
    }
    if claims.exp <= claims.iat || claims.exp - claims.iat > MAX_LIFETIME_SECS {
        return Err(IdentityError::Lifetime);
    }
    let subject = claims.sub;
    if subject.is_empty() || subject.len() > 255 || subject.chars().any(char::is_control) {
        return Err(IdentityError::Claims(
            "sub must be 1–255 bytes without control characters".into(),
        ));
    }
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let name = blank(claims.name)
        .map(|n| RequesterName::parse(&n))
        .transpose()
        .map_err(|e| IdentityError::Claims(format!("name: {e}")))?;
    let email = blank(claims.email)
        .map(|e| Email::parse(&e))
        .transpose()
        .map_err(|e| IdentityError::Claims(format!("email: {e}")))?;
    let visitor = visitor_of(site, &subject);
    Ok(Identity {
        subject,
        name,
        email,
        visitor,
    })
}

/// The visitor id of a site's user: a hash of the site and `sub`. Knowing it proves nothing
/// (a visitor is proven by a token we sign), so it need not be secret.
fn visitor_of(site: &SiteKey, subject: &str) -> VisitorId {
    let digest = Sha256::new()
        .chain_update(b"ticketbooth identity visitor|")
        .chain_update(site.as_ref().as_bytes())
        .chain_update(b"|")
        .chain_update(subject.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    VisitorId::mint(bytes)
}

/// Signs claims as the site's server would (tests, and the README's examples in Rust).
pub fn sign(secret: &IdentitySecret, claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = hmac_sha256(secret.expose().as_bytes());
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(payload.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_795_427_280;

    fn secret() -> IdentitySecret {
        IdentitySecret::mint([7; 32])
    }

    fn site() -> SiteKey {
        SiteKey::parse("acme").unwrap()
    }

    fn claims() -> serde_json::Value {
        json!({ "site": "acme", "sub": "user-42", "name": "Ada", "email": "ada@example.com",
                "iat": NOW - 10, "exp": NOW + 600 })
    }

    fn check(token: &str) -> Result<Identity, IdentityError> {
        verify(
            token,
            Some(&secret()),
            &site(),
            Timestamp::from_millis(NOW * 1000),
        )
    }

    #[test]
    fn accepts_a_well_signed_identity() {
        let identity = check(&sign(&secret(), &claims())).unwrap();
        assert_eq!(identity.subject, "user-42");
        assert_eq!(identity.name.unwrap().as_ref(), "Ada");
        assert_eq!(identity.email.unwrap().as_ref(), "ada@example.com");
        // The same user is the same visitor on every device, another user another one.
        let again = check(&sign(&secret(), &claims())).unwrap();
        assert_eq!(identity.visitor, again.visitor);
        let mut other = claims();
        other["sub"] = json!("user-43");
        assert_ne!(
            check(&sign(&secret(), &other)).unwrap().visitor,
            again.visitor
        );
    }

    #[test]
    fn refuses_expired_wrong_site_and_bad_lifetimes() {
        let with = |key: &str, value: serde_json::Value| {
            let mut c = claims();
            c[key] = value;
            check(&sign(&secret(), &c))
        };
        assert_eq!(with("exp", json!(NOW)), Err(IdentityError::Expired));
        assert_eq!(with("site", json!("other")), Err(IdentityError::WrongSite));
        assert_eq!(
            with("iat", json!(NOW + 3600)),
            Err(IdentityError::IssuedInFuture)
        );
        assert_eq!(
            with("exp", json!(NOW - 10 + MAX_LIFETIME_SECS + 1)),
            Err(IdentityError::Lifetime)
        );
        assert!(with("exp", json!(NOW - 10 + MAX_LIFETIME_SECS)).is_ok());
        assert!(matches!(
            with("email", json!("not-an-email")),
            Err(IdentityError::Claims(_))
        ));
        assert!(matches!(
            with("admin", json!(true)),
            Err(IdentityError::Claims(_))
        ));
        assert_eq!(
            verify(
                &sign(&secret(), &claims()),
                None,
                &site(),
                Timestamp::from_millis(NOW * 1000)
            ),
            Err(IdentityError::NotEnabled)
        );
    }

    #[test]
    fn refuses_tampering_other_keys_and_other_algorithms() {
        let token = sign(&secret(), &claims());
        let (head, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let mut forged = claims();
        forged["sub"] = json!("admin");
        let forged_payload = URL_SAFE_NO_PAD.encode(forged.to_string());
        assert_eq!(
            check(&format!("{head}.{forged_payload}.{signature}")),
            Err(IdentityError::Signature)
        );
        let other = IdentitySecret::mint([8; 32]);
        assert_eq!(
            check(&sign(&other, &claims())),
            Err(IdentityError::Signature)
        );
        // alg none, and a token that asks for another algorithm.
        let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
        for header in [r#"{"alg":"none"}"#, r#"{"alg":"HS512","typ":"JWT"}"#] {
            let header = URL_SAFE_NO_PAD.encode(header);
            assert_eq!(
                check(&format!("{header}.{payload}.")),
                Err(IdentityError::Algorithm)
            );
        }
        for bad in ["", "a.b", "a.b.c.d", &format!("{token}="), "@@.@@.@@"] {
            assert_eq!(check(bad), Err(IdentityError::Malformed), "{bad}");
        }
    }
}
