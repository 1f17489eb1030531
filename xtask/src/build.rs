//! `cargo xtask build`: the Worker with worker-build (into `functions/build/`), then the widget.
//! This is wrangler.toml's `[build] command`.

use std::path::Path;
use std::process::Command;

use crate::command;
use crate::freshness;
use crate::tools;
use crate::widget;

pub fn run(root: &Path) -> Result<(), String> {
    build_worker(root)?;
    widget::build(root)
}

/// Runs `worker-build --release` in `functions/` unless `functions/build/index.js` is newer
/// than every source it is built from.
///
/// worker-build would download wasm-bindgen, wasm-opt and esbuild from GitHub, which this
/// project's machines cannot reach; its `<NAME>_BIN` variables point it at the pinned copies
/// that `cargo xtask setup` installed instead.
fn build_worker(root: &Path) -> Result<(), String> {
    let functions = root.join("functions");
    let entry = functions.join("build").join("index.js");
    let inputs = [
        functions.join("src"),
        functions.join("Cargo.toml"),
        root.join("shared").join("src"),
        root.join("shared").join("Cargo.toml"),
        root.join("Cargo.toml"),
        root.join("Cargo.lock"),
    ];
    let inputs: Vec<&Path> = inputs.iter().map(|p| p.as_path()).collect();
    if freshness::is_fresh(&entry, &inputs) {
        println!("worker: functions/build/ is up to date");
        return Ok(());
    }
    let node_bin = tools::node_bin_dir(root);
    command::run(
        Command::new(tools::cargo_tool("worker-build"))
            .arg("--release")
            .current_dir(&functions)
            .env("PATH", tools::path_with_node_first(root))
            .env("WASM_BINDGEN_BIN", tools::cargo_tool("wasm-bindgen"))
            .env("WASM_OPT_BIN", node_bin.join("wasm-opt"))
            .env("ESBUILD_BIN", node_bin.join("esbuild")),
    )
}
