//! `.dev.vars`: the local Worker's secrets (gitignored). Production sets them with
//! `wrangler secret put`.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

/// Creates `.dev.vars` with a random `VISITOR_TOKEN_SECRET` if the file does not exist.
/// An existing file is left alone, so visitor tokens stay valid across runs.
pub fn ensure(root: &Path) -> Result<(), String> {
    let path = root.join(".dev.vars");
    if path.exists() {
        return Ok(());
    }
    let secret = random_hex(32)?;
    fs::write(&path, format!("VISITOR_TOKEN_SECRET={secret}\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("created .dev.vars with a random VISITOR_TOKEN_SECRET");
    Ok(())
}

/// `len` random bytes from the kernel, as lowercase hex.
fn random_hex(len: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; len];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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
