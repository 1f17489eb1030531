//! `cargo xtask dev`: everything needed to try Ticketbooth locally, then `wrangler dev` in the
//! foreground. Safe and quick to run again: setup and build skip what is done, migrations apply
//! only the new ones, and the seed only inserts what is missing.

use std::path::Path;

use crate::{build, setup, wrangler};

const PORT: u16 = 8787;

pub fn run(root: &Path) -> Result<(), String> {
    setup::run(root)?;
    build::run(root)?;
    wrangler::apply_local_migrations(root)?;
    wrangler::execute_local_file(root, &root.join("xtask").join("seed").join("demo.sql"))?;
    println!();
    println!("Ticketbooth is starting on port {PORT} (Ctrl-C stops it):");
    println!("  API health  http://127.0.0.1:{PORT}/healthz");
    println!("  demo page   http://localhost:{PORT}/demo/");
    println!("  dashboard   http://127.0.0.1:{PORT}/app/tickets");
    println!();
    wrangler::dev(root, PORT)
}
