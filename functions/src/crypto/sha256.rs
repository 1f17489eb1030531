//! SHA-256 as lowercase hex: idempotency fingerprints and stored operator-token hashes.

use sha2::{Digest, Sha256};
use ticketbooth_shared::hex;

pub fn hex_digest(data: &[u8]) -> String {
    hex::encode(&Sha256::digest(data))
}
