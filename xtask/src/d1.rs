//! Running SQL against the local or the deployed D1 with `wrangler d1 execute`, for the
//! commands that administer a database from the command line (add-site, add-operator).

use std::fs;
use std::path::Path;

use crate::command;
use crate::random::random_hex;
use crate::wrangler::{self, DATABASE};

/// Runs `sql` (statements separated by `;`) and returns wrangler's JSON output.
pub fn execute(root: &Path, sql: &str, remote: bool) -> Result<String, String> {
    let file = std::env::temp_dir().join(format!("ticketbooth-{}.sql", random_hex::<8>()?));
    fs::write(&file, sql).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let target = if remote { "--remote" } else { "--local" };
    let output = command::output(
        wrangler::wrangler(root)
            .args(["d1", "execute", DATABASE, target, "--json", "--file"])
            .arg(&file),
    );
    let _ = fs::remove_file(&file);
    output
}

/// A SQL string literal (wrangler's `d1 execute` takes no bound parameters; every value is
/// parsed by a domain type before it gets here).
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn literals_double_quotes() {
        assert_eq!(super::literal("O'Brien"), "'O''Brien'");
    }
}
