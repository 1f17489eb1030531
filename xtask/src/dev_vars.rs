//! `.dev.vars`: the local Worker's secrets (gitignored). Production sets them with
//! `wrangler secret put`.

use std::fs;
use std::path::Path;

use crate::random::random_hex;

/// The secrets a local Worker needs, each made of 32 random bytes when missing:
/// `VISITOR_TOKEN_SECRET` signs visitor tokens, `SECRETS_KEY` seals sites' own secrets.
const SECRETS: [&str; 2] = ["VISITOR_TOKEN_SECRET", "SECRETS_KEY"];

/// Creates `.dev.vars`, or adds to an existing one the secrets it lacks (a checkout from before
/// `SECRETS_KEY` gets it on its next `cargo xtask setup` or `dev`). What is there is left
/// alone, so visitor tokens and sealed secrets stay valid across runs.
pub fn ensure(root: &Path) -> Result<(), String> {
    let path = root.join(".dev.vars");
    let existing = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut added = Vec::new();
    let mut text = existing.clone();
    for name in missing(&existing) {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("{name}={}\n", random_hex::<32>()?));
        added.push(name);
    }
    if added.is_empty() {
        return Ok(());
    }
    fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("added a random {} to .dev.vars", added.join(" and "));
    Ok(())
}

/// The secrets `text` (a `.dev.vars` file) does not set.
fn missing(text: &str) -> Vec<&'static str> {
    SECRETS
        .into_iter()
        .filter(|name| {
            !text.lines().any(|line| {
                line.trim_start()
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_gets_only_what_it_lacks() {
        assert_eq!(missing(""), SECRETS);
        assert_eq!(missing("VISITOR_TOKEN_SECRET=ab\n"), ["SECRETS_KEY"]);
        assert_eq!(
            missing("VISITOR_TOKEN_SECRET=ab\nSECRETS_KEY = cd\n"),
            Vec::<&str>::new()
        );
        // A longer name that starts with one of ours is not it.
        assert_eq!(
            missing("VISITOR_TOKEN_SECRET=ab\nSECRETS_KEY_PREVIOUS=cd\n"),
            ["SECRETS_KEY"]
        );
    }

    #[test]
    fn ensure_adds_secrets_key_to_an_existing_file_and_keeps_its_lines() {
        let dir = std::env::temp_dir().join(format!("tb-dev-vars-{}", random_hex::<8>().unwrap()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".dev.vars"), "VISITOR_TOKEN_SECRET=kept").unwrap();
        ensure(&dir).unwrap();
        let text = fs::read_to_string(dir.join(".dev.vars")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "VISITOR_TOKEN_SECRET=kept");
        assert!(lines[1].starts_with("SECRETS_KEY=") && lines[1].len() == 12 + 64);
        // A second run changes nothing.
        ensure(&dir).unwrap();
        assert_eq!(fs::read_to_string(dir.join(".dev.vars")).unwrap(), text);
        fs::remove_dir_all(&dir).unwrap();
    }
}
