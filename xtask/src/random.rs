//! Random secrets and ids for local tooling, from the same place as the Worker's ids:
//! `ticketbooth_functions::crypto::random` (the `getrandom` crate; here the OS's CSPRNG).

/// `N` random bytes, as lowercase hex.
pub fn random_hex<const N: usize>() -> Result<String, String> {
    let bytes = ticketbooth_functions::crypto::random::bytes::<N>()
        .map_err(|e| format!("no random bytes from the OS: {e}"))?;
    Ok(ticketbooth_shared::hex::encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_two_digits_per_byte_and_differs_each_time() {
        let a = random_hex::<32>().unwrap();
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(a, random_hex::<32>().unwrap());
    }
}
