//! Random secrets and ids for local tooling, from the kernel's CSPRNG.

use std::fs::File;
use std::io::Read;

/// `len` random bytes from the kernel, as lowercase hex.
pub fn random_hex(len: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; len];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(ticketbooth_shared::hex::encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_two_digits_per_byte_and_differs_each_time() {
        let a = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(a, random_hex(32).unwrap());
    }
}
