//! `cargo xtask <command>`: the project's build automation, in Rust and std only.
//!
//! Only what `cargo build` and `cargo test` cannot do lives here: installing the pinned tools,
//! building the Worker with worker-build, running it locally with wrangler and D1, and running
//! every test suite in one command. README.md documents the commands.

mod bench;
mod build;
mod command;
mod d1;
mod demo_provider;
mod demo_site;
mod dev;
mod dev_vars;
mod freshness;
mod operator;
mod random;
mod setup;
mod site;
mod test;
#[cfg(test)]
mod tidy;
mod tools;
mod wasm_imports;
mod widget;
mod wrangler;

use std::env;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install the pinned tools (idempotent; fast when everything is present)
  build   build the Worker (functions/build/) and the widget
  dev     setup, build, migrate and seed local D1, then run `wrangler dev` on :8787
  test    run every check and test suite: fmt, clippy, host tests, widget tests,
          the Worker bundle, and the end-to-end tests against `wrangler dev`
  bench [api|profile|list|startup|widget]...
          run the benchmarks (all, or the parts named): the API under load against
          a TypeScript baseline, where the Worker's CPU goes, the list at 100,000
          tickets, the Worker's bundle and startup, the widget beside @n8n/chat
  add-site --key KEY --name NAME [--prefix PREFIX] [--origin ORIGIN]... [--remote]
          create a site (local D1, or the deployed one with --remote)
  add-operator --site KEY --email EMAIL [--role ROLE] [--url ORIGIN] [--remote]
          invite someone to a site with a role: prints a one-time link where they
          choose a password and are signed in";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = project_root();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(&root),
        Some("build") => build::run(&root),
        Some("dev") => dev::run(&root),
        Some("test") => test::run(&root),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("add-operator") => operator::run(&root, &args[1..]),
        Some("add-site") => site::run(&root, &args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
