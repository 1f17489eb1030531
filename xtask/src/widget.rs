//! The widget's build, tests and benchmarks, called by `cargo xtask build`, `test` and `bench`.
//!
//! `build` also runs on every `wrangler dev` start (through wrangler.toml's `[build] command`),
//! so it returns at once when `www/widget/pkg/` is newer than the widget's sources.
//!
//! The pipeline: `cargo build --target wasm32-unknown-unknown --release` (the workspace profile
//! is opt-level "z", LTO, one codegen unit, panic=abort) → `wasm-bindgen --target web` →
//! `wasm-opt -Oz` (npm binaryen) → the JS glue and `widget/src/host.js` bundled and minified by
//! esbuild into one module. Output in `www/widget/pkg/`
//! (gitignored), served next to the loader `www/widget.js`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::command;
use crate::freshness;
use crate::tools;

/// Everything a visitor downloads before the launcher shows, brotli-compressed: the budget of
/// issue 4. Exceeding it fails `cargo xtask test`.
pub const BUDGET_BROTLI_BYTES: usize = 20 * 1024;

const CRATE_FILE: &str = "ticketbooth_widget";

fn pkg_dir(root: &Path) -> PathBuf {
    root.join("www").join("widget").join("pkg")
}

/// The files on the launcher's path, in the order the page fetches them.
fn launcher_path_files(root: &Path) -> Vec<PathBuf> {
    let pkg = pkg_dir(root);
    vec![
        root.join("www").join("widget.js"),
        pkg.join(format!("{CRATE_FILE}.js")),
        pkg.join(format!("{CRATE_FILE}_bg.wasm")),
    ]
}

/// Builds the widget's Wasm and glue into `www/widget/pkg/`.
pub fn build(root: &Path) -> Result<(), String> {
    let pkg = pkg_dir(root);
    let wasm_out = pkg.join(format!("{CRATE_FILE}_bg.wasm"));
    let inputs = [
        root.join("widget").join("src"),
        root.join("widget").join("Cargo.toml"),
        root.join("shared").join("src"),
        root.join("shared").join("Cargo.toml"),
        root.join("Cargo.lock"),
        root.join("xtask").join("src").join("widget.rs"),
    ];
    let inputs: Vec<&Path> = inputs.iter().map(|p| p.as_path()).collect();
    if freshness::is_fresh(&pkg.join(format!("{CRATE_FILE}.js")), &inputs) {
        println!("widget: www/widget/pkg/ is up to date");
        return Ok(());
    }

    command::run(Command::new("cargo").current_dir(root).args([
        "build",
        "--package",
        "ticketbooth-widget",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]))?;

    // wasm-bindgen writes into a staging directory; only optimized files reach www/.
    let staging = root.join("target").join("widget-bindgen");
    let _ = fs::remove_dir_all(&staging);
    let raw = root
        .join("target")
        .join("wasm32-unknown-unknown")
        .join("release")
        .join(format!("{CRATE_FILE}.wasm"));
    command::run(
        Command::new(tools::cargo_tool("wasm-bindgen"))
            .arg("--target")
            .arg("web")
            .arg("--no-typescript")
            .arg("--out-dir")
            .arg(&staging)
            .arg(&raw),
    )?;

    fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    let node_bin = tools::node_bin_dir(root);
    command::run(
        Command::new(node_bin.join("wasm-opt"))
            .arg("-Oz")
            .args(["--strip-debug", "--strip-producers"])
            // The features rustc's wasm32 target enables by default; wasm-opt must accept them.
            .args([
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg(staging.join(format!("{CRATE_FILE}_bg.wasm")))
            .arg("-o")
            .arg(&wasm_out),
    )?;
    // The bundle's entry re-exports only what the loader calls, so esbuild drops the rest of
    // the glue (initSync, …).
    let entry = staging.join("entry.js");
    fs::write(
        &entry,
        format!("export {{ default, mount }} from './{CRATE_FILE}.js';\n"),
    )
    .map_err(|e| format!("cannot write {}: {e}", entry.display()))?;
    command::run(
        Command::new(node_bin.join("esbuild"))
            .env("PATH", tools::path_with_node_first(root))
            .arg(&entry)
            // --bundle inlines src/host.js (wasm-bindgen's snippet) into the glue: one file.
            .args(["--bundle", "--minify", "--format=esm", "--log-level=error"])
            .arg(format!(
                "--outfile={}",
                pkg.join(format!("{CRATE_FILE}.js")).display()
            )),
    )?;
    let report = size_report(root)?;
    println!("{report}");
    Ok(())
}

/// Runs the widget's tests in headless Chromium (wasm-bindgen-test), then the byte budget.
pub fn test(root: &Path) -> Result<(), String> {
    command::run(
        Command::new("cargo")
            .current_dir(root)
            .args([
                "test",
                "--package",
                "ticketbooth-widget",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("PATH", tools::path_with_node_first(root))
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "60"),
    )?;
    build(root)?;
    budget(root)
}

/// Fails when the launcher's path exceeds `BUDGET_BROTLI_BYTES`, after printing the table.
pub fn budget(root: &Path) -> Result<(), String> {
    let (report, total) = size_table(root)?;
    println!("{report}");
    if total > BUDGET_BROTLI_BYTES {
        let message = format!(
            "WIDGET SIZE BUDGET EXCEEDED: {total} bytes brotli on the launcher's path, budget \
             {BUDGET_BROTLI_BYTES} ({} over)",
            total - BUDGET_BROTLI_BYTES
        );
        eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
        return Err(message);
    }
    println!(
        "widget size budget: ok ({total} of {BUDGET_BROTLI_BYTES} bytes brotli, {} to spare)",
        BUDGET_BROTLI_BYTES - total
    );
    Ok(())
}

/// Runs the widget's benchmark: script start → launcher visible, and long tasks on the host
/// page during load, in headless Chromium (printed, not asserted).
pub fn bench(root: &Path) -> Result<(), String> {
    build(root)?;
    command::run(tools::node_command(root, "node").args(["tests/widget/bench.mjs"]))
}

fn size_report(root: &Path) -> Result<String, String> {
    size_table(root).map(|(report, _)| report)
}

/// The table of raw, gzip and brotli sizes of each file on the launcher's path, and the brotli
/// total.
fn size_table(root: &Path) -> Result<(String, usize), String> {
    let mut out = String::from(
        "widget: what a visitor downloads before the launcher shows (the CSS is inside the .wasm)\n",
    );
    out.push_str(&format!(
        "{:<40} {:>9} {:>9} {:>9}\n",
        "file", "raw", "gzip -9", "brotli 11"
    ));
    let (mut raw_sum, mut gz_sum, mut br_sum) = (0, 0, 0);
    for file in launcher_path_files(root) {
        let bytes = fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let gz = compressed_len("gzip", &["-9", "-c"], &bytes)?;
        let br = compressed_len("brotli", &["-q", "11", "-c"], &bytes)?;
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        out.push_str(&format!("{name:<40} {:>9} {gz:>9} {br:>9}\n", bytes.len()));
        raw_sum += bytes.len();
        gz_sum += gz;
        br_sum += br;
    }
    out.push_str(&format!(
        "{:<40} {raw_sum:>9} {gz_sum:>9} {br_sum:>9}   (budget {BUDGET_BROTLI_BYTES} brotli)",
        "total"
    ));
    Ok((out, br_sum))
}

/// The length of `bytes` compressed by `program` (gzip or brotli from apt) reading stdin.
fn compressed_len(program: &str, args: &[&str], bytes: &[u8]) -> Result<usize, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program} (apt-get install {program}): {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{program} failed: {e}"))?;
    writer
        .join()
        .map_err(|_| format!("{program}: writer thread panicked"))?
        .map_err(|e| format!("{program}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{program} failed ({})", output.status));
    }
    Ok(output.stdout.len())
}
