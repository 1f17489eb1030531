//! The widget's build, tests and benchmarks, called by `cargo xtask build`, `test` and `bench`.
//!
//! Owned by the widget: these are placeholders until it fills them in. `build` also runs on
//! every `wrangler dev` start (through wrangler.toml's `[build] command`), so it should return
//! quickly when its output is up to date.

use std::path::Path;

/// Builds the widget's Wasm and loader into `www/`.
pub fn build(_root: &Path) -> Result<(), String> {
    Ok(())
}

/// Runs the widget's own tests (wasm-bindgen-test in headless Chromium) and size budget.
pub fn test(_root: &Path) -> Result<(), String> {
    Ok(())
}

/// Runs the widget's benchmarks.
pub fn bench(_root: &Path) -> Result<(), String> {
    Ok(())
}
