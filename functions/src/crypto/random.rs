//! Random bytes from the platform's CSPRNG, through the `getrandom` crate: in the Worker its
//! `wasm_js` backend (`crypto.getRandomValues`), on a host the OS. The Worker's ids and
//! `xtask`'s secrets and tokens both come from here, so there is one source of randomness to
//! review. The pure core never calls this: its ids arrive through `context::Fresh`.

/// `N` bytes from the CSPRNG.
pub fn bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_byte_and_differs_each_time() {
        let (a, b) = (bytes::<32>().unwrap(), bytes::<32>().unwrap());
        assert_ne!(a, b);
        // 32 zero bytes from a working CSPRNG: probability 2^-256.
        assert_ne!(a, [0; 32]);
    }
}
