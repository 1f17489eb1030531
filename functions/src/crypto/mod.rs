//! Everything that hashes, signs, seals or compares a secret, in one room: SHA-256 hex,
//! HMAC-SHA256 (visitor tokens, identity tokens, webhook signatures), the constant-time
//! compare, password hashes, the sealed secret store's cipher, and the CSPRNG. Nothing here
//! reads the database or the request; it imports nothing else from the Worker.

pub mod identity_token;
pub mod password;
pub mod random;
pub mod secret_box;
pub mod sha256;
pub mod visitor_token;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Compares without stopping at the first difference, so timing says nothing about how much
/// of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An HMAC-SHA256 keyed with `key` (any length: HMAC hashes a long key and pads a short one).
pub fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length")
}
