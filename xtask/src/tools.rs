//! The pinned tools and where they live: cargo-installed binaries in Cargo's bin directory,
//! npm-installed ones (Node 22, wrangler, wasm-opt, esbuild) in `node_modules/.bin`.
//!
//! Versions of the npm tools are pinned in package.json/package-lock.json; the Rust ones here.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The worker-build release that matches `worker = "=0.8.7"`.
pub const WORKER_BUILD_VERSION: &str = "0.8.7";

/// twiggy, for the widget's per-crate size report (`xtask/src/widget.rs`).
pub const TWIGGY_VERSION: &str = "0.8.0";

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`, by default `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    match env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home).join("bin"),
        None => PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cargo/bin"),
    }
}

/// A cargo-installed tool: its path in Cargo's bin directory if it is there, else its bare
/// name (found on PATH).
pub fn cargo_tool(name: &str) -> PathBuf {
    let path = cargo_bin_dir().join(name);
    if path.is_file() {
        path
    } else {
        PathBuf::from(name)
    }
}

/// `node_modules/.bin`: Node 22 (from the `node` npm package), wrangler, wasm-opt, esbuild.
pub fn node_bin_dir(root: &Path) -> PathBuf {
    root.join("node_modules").join(".bin")
}

/// PATH with `node_modules/.bin` first, so `node` is the pinned Node 22 that wrangler needs,
/// and Cargo's bin directory after it, so freshly installed tools are found.
pub fn path_with_node_first(root: &Path) -> OsString {
    let mut dirs = vec![node_bin_dir(root), cargo_bin_dir()];
    if let Some(path) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&path));
    }
    env::join_paths(dirs).expect("PATH entries contain no separator")
}

/// A command for a program from `node_modules/.bin`, run from the repository root with Node 22
/// first on PATH.
pub fn node_command(root: &Path, program: &str) -> Command {
    let mut cmd = Command::new(node_bin_dir(root).join(program));
    cmd.current_dir(root)
        .env("PATH", path_with_node_first(root));
    cmd
}

/// The `wasm-bindgen` version Cargo.lock resolved (the workspace pins it exactly); the CLI must
/// match it.
pub fn locked_wasm_bindgen_version(root: &Path) -> Result<String, String> {
    let lock = fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    locked_version(&lock, "wasm-bindgen")
        .ok_or_else(|| "Cargo.lock has no `wasm-bindgen` package".to_owned())
}

/// The version of package `name` in a Cargo.lock's text.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}

/// The version a `tool --version` line reports: its last word (`wasm-bindgen 0.2.130`).
pub fn reported_version(line: &str) -> &str {
    line.split_whitespace().last().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn finds_the_exact_package_not_a_prefix() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(LOCK, "wasm-bindgen-macro"), None);
    }

    #[test]
    fn reads_the_version_from_a_version_line() {
        assert_eq!(reported_version("wasm-bindgen 0.2.130"), "0.2.130");
        assert_eq!(reported_version("0.8.7"), "0.8.7");
        assert_eq!(reported_version(""), "");
    }
}
