//! `cargo xtask setup`: installs every tool the build and the tests use, at pinned versions, on
//! a fresh Debian 12 machine. Each step first checks what is there, so a second run takes a
//! second or two.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::command;
use crate::dev_vars;
use crate::tools::{self, TWIGGY_VERSION, WORKER_BUILD_VERSION};

/// Programs the browser tests and the size budget need, and the Debian packages providing them.
const APT_TOOLS: &[(&str, &str)] = &[
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("brotli", "brotli"),
    // The virtualenv schemathesis runs in.
    ("python3", "python3-venv"),
];

pub fn run(root: &Path) -> Result<(), String> {
    rust_components()?;
    apt_packages(APT_TOOLS)?;
    worker_build()?;
    wasm_bindgen_cli(root)?;
    twiggy()?;
    npm_packages(root)?;
    schemathesis(root)?;
    dev_vars::ensure(root)?;
    println!("setup: every tool is in place");
    Ok(())
}

/// The Wasm target, and rustfmt and clippy for `cargo xtask test`.
fn rust_components() -> Result<(), String> {
    let installed = command::probe(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("`rustup` is needed (https://rustup.rs); it was not found")?;
    if !installed
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        command::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let has_fmt = command::probe(Command::new("cargo").args(["fmt", "--version"])).is_some();
    let has_clippy = command::probe(Command::new("cargo").args(["clippy", "--version"])).is_some();
    if !(has_fmt && has_clippy) {
        command::run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))?;
    }
    Ok(())
}

/// Installs the Debian packages whose programs are missing (`apt-get update` first).
pub fn apt_packages(tools: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&str> = tools
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("installing Debian packages: {}", missing.join(" "));
    command::run(apt_get().arg("update"))?;
    command::run(
        apt_get()
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing),
    )
}

/// `apt-get`, through sudo unless we are root, never prompting.
fn apt_get() -> Command {
    let is_root = command::probe(Command::new("id").arg("-u")).as_deref() == Some("0");
    let mut cmd = if is_root {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.args(["--preserve-env=DEBIAN_FRONTEND", "apt-get"]);
        sudo
    };
    cmd.env("DEBIAN_FRONTEND", "noninteractive");
    cmd
}

fn on_path(program: &str) -> bool {
    command::probe(Command::new("sh").args(["-c", &format!("command -v {program}")])).is_some()
}

/// The schemathesis release the API fuzz test (`tests/schemathesis.test.mjs`) runs.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Where its project-local virtualenv lives (under target/, so `cargo clean` removes it).
pub const SCHEMATHESIS_VENV: &str = "target/schemathesis-venv";

/// schemathesis from PyPI, pinned, in a virtualenv of its own: nothing is installed into the
/// machine's Python.
fn schemathesis(root: &Path) -> Result<(), String> {
    let venv = root.join(SCHEMATHESIS_VENV);
    let program = venv.join("bin").join("schemathesis");
    let reported = command::probe(Command::new(&program).arg("--version"));
    if reported.is_some_and(|r| r.contains(SCHEMATHESIS_VERSION)) {
        return Ok(());
    }
    println!("installing schemathesis {SCHEMATHESIS_VERSION} into {SCHEMATHESIS_VENV}");
    command::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    command::run(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet"])
            .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")),
    )
}

/// worker-build, the tool that turns the functions crate into a Worker bundle.
fn worker_build() -> Result<(), String> {
    cargo_install("worker-build", WORKER_BUILD_VERSION, &["--locked"])
}

/// twiggy, which attributes the widget's Wasm bytes to crates (the size report).
fn twiggy() -> Result<(), String> {
    cargo_install("twiggy", TWIGGY_VERSION, &["--locked"])
}

/// The wasm-bindgen CLI, at exactly the version of the wasm-bindgen crate in Cargo.lock.
/// Not `--locked`: its lockfile pins a crate version the registry no longer has.
fn wasm_bindgen_cli(root: &Path) -> Result<(), String> {
    let version = tools::locked_wasm_bindgen_version(root)?;
    cargo_install_as("wasm-bindgen-cli", "wasm-bindgen", &version, &[])
}

fn cargo_install(package: &str, version: &str, flags: &[&str]) -> Result<(), String> {
    cargo_install_as(package, package, version, flags)
}

/// `cargo install <package> --version <version>` unless `<binary> --version` already reports
/// that version.
fn cargo_install_as(
    package: &str,
    binary: &str,
    version: &str,
    flags: &[&str],
) -> Result<(), String> {
    let reported = command::probe(Command::new(tools::cargo_tool(binary)).arg("--version"));
    if reported.as_deref().map(tools::reported_version) == Some(version) {
        return Ok(());
    }
    println!("installing {package} {version} (a few minutes, once per machine)");
    command::run(
        Command::new("cargo")
            .args(["install", package, "--version", version])
            .args(flags),
    )
}

/// `npm install` when node_modules is missing or older than package.json/package-lock.json.
/// (`npm ci` refuses this lockfile: workerd's packages for other platforms are not in it.)
fn npm_packages(root: &Path) -> Result<(), String> {
    // npm writes node_modules/.package-lock.json after every successful install.
    let installed = root.join("node_modules").join(".package-lock.json");
    let manifests = [root.join("package.json"), root.join("package-lock.json")];
    let up_to_date = tools::node_bin_dir(root).join("wrangler").exists()
        && manifests
            .iter()
            .all(|m| !m.exists() || newer_or_same(&installed, m));
    if up_to_date {
        return Ok(());
    }
    command::run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(root),
    )
}

/// True when `a` exists and was modified no earlier than `b`.
fn newer_or_same(a: &Path, b: &Path) -> bool {
    let time = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (time(a), time(b)) {
        (Some(a), Some(b)) => a >= b,
        _ => false,
    }
}
