//! wrangler, the pinned one from `node_modules/.bin`, with the environment every call needs:
//! no metrics, no `Request.cf` download, no prompts.

use std::path::Path;
use std::process::{Child, Command};

use crate::command;
use crate::tools;

/// The D1 binding in wrangler.toml.
pub const DATABASE: &str = "DB";

/// A `wrangler` command run from the repository root with Node 22 first on PATH.
pub fn wrangler(root: &Path) -> Command {
    let mut cmd = tools::node_command(root, "wrangler");
    cmd.env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("CI", "true");
    cmd
}

/// Applies `migrations/` to the local D1 database (`.wrangler/state`).
pub fn apply_local_migrations(root: &Path) -> Result<(), String> {
    command::run(wrangler(root).args(["d1", "migrations", "apply", DATABASE, "--local"]))
}

/// Runs a SQL file against the local D1 database.
pub fn execute_local_file(root: &Path, file: &Path) -> Result<(), String> {
    command::run(
        wrangler(root)
            .args(["d1", "execute", DATABASE, "--local", "--file"])
            .arg(file),
    )
}

/// Bundles the Worker as `wrangler deploy` would, without uploading (works offline).
pub fn deploy_dry_run(root: &Path) -> Result<(), String> {
    command::run(wrangler(root).args(["deploy", "--dry-run", "--outdir", "dist"]))
}

/// Starts `wrangler dev` on 127.0.0.1 with the local database (`.wrangler/state`).
pub fn spawn_dev(root: &Path, port: u16) -> Result<Child, String> {
    command::spawn(
        wrangler(root)
            .args(["dev", "--ip", "127.0.0.1", "--port"])
            .arg(port.to_string())
            // The outbound policy's development allowance: a bot or webhook may point at a
            // local server over plain http. Passed here, never in wrangler.toml's [vars]
            // (they ship to production).
            .args(["--var", "OUTBOUND_ALLOW_LOOPBACK_HTTP:1"]),
    )
}
