//! `.dev.vars`: the local Worker's secrets (gitignored). Production sets them with
//! `wrangler secret put`.

use std::fs;
use std::path::Path;

use crate::random::random_hex;

/// Creates `.dev.vars` with a random `VISITOR_TOKEN_SECRET` if the file does not exist.
/// An existing file is left alone, so visitor tokens stay valid across runs.
pub fn ensure(root: &Path) -> Result<(), String> {
    let path = root.join(".dev.vars");
    if path.exists() {
        return Ok(());
    }
    let secret = random_hex::<32>()?;
    fs::write(&path, format!("VISITOR_TOKEN_SECRET={secret}\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("created .dev.vars with a random VISITOR_TOKEN_SECRET");
    Ok(())
}
