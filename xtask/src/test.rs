//! `cargo xtask test`: every check and test suite, one section each, then a summary. A failing
//! step does not hide the others: every step runs unless one it depends on (setup, the Worker
//! build) failed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::{build, command, setup, tools, widget, wrangler};

/// One section of the run.
struct Step {
    name: &'static str,
    run: fn(&Path) -> Result<(), String>,
    /// Later steps need this one: stop if it fails.
    required: bool,
}

const STEPS: &[Step] = &[
    Step {
        name: "setup",
        run: setup::run,
        required: true,
    },
    Step {
        name: "cargo fmt --check",
        run: fmt,
        required: false,
    },
    Step {
        name: "cargo clippy",
        run: clippy,
        required: false,
    },
    Step {
        name: "cargo test (host, with SQLite)",
        run: host_tests,
        required: false,
    },
    Step {
        name: "widget tests",
        run: widget::test,
        required: false,
    },
    Step {
        name: "build (Worker + widget)",
        run: build::run,
        required: true,
    },
    Step {
        name: "wrangler deploy --dry-run",
        run: wrangler::deploy_dry_run,
        required: false,
    },
    Step {
        name: "end-to-end tests (node --test)",
        run: end_to_end,
        required: false,
    },
];

pub fn run(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let mut results: Vec<(&str, Result<(), String>, f64)> = Vec::new();
    for (i, step) in STEPS.iter().enumerate() {
        println!();
        println!("==== [{}/{}] {} ====", i + 1, STEPS.len(), step.name);
        let step_started = Instant::now();
        let result = (step.run)(root);
        let seconds = step_started.elapsed().as_secs_f64();
        if let Err(message) = &result {
            eprintln!("---- {} FAILED: {message}", step.name);
        }
        let stop = step.required && result.is_err();
        results.push((step.name, result, seconds));
        if stop {
            break;
        }
    }

    println!();
    println!("==== summary ====");
    for (name, result, seconds) in &results {
        let verdict = if result.is_ok() { "ok    " } else { "FAILED" };
        println!("{verdict} {seconds:>7.1} s  {name}");
    }
    for step in &STEPS[results.len()..] {
        println!("skipped            {}", step.name);
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, result, _)| result.is_err())
        .map(|(name, _, _)| *name)
        .collect();
    let total = started.elapsed().as_secs_f64();
    if failed.is_empty() && results.len() == STEPS.len() {
        println!("xtask test: every step passed in {total:.0} s");
        Ok(())
    } else {
        Err(format!(
            "{} step(s) failed in {total:.0} s: {}",
            failed.len(),
            failed.join(", ")
        ))
    }
}

fn fmt(_root: &Path) -> Result<(), String> {
    command::run(Command::new("cargo").args(["fmt", "--all", "--check"]))
}

/// Clippy twice: for the host, and for wasm32, where the Worker's workerd adapter and D1
/// executor and the widget's browser code are the only code compiled.
fn clippy(_root: &Path) -> Result<(), String> {
    command::run(Command::new("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    command::run(Command::new("cargo").args([
        "clippy",
        "--package",
        "ticketbooth-functions",
        "--package",
        "ticketbooth-widget",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))
}

fn host_tests(_root: &Path) -> Result<(), String> {
    command::run(Command::new("cargo").args([
        "test",
        "--workspace",
        "--features",
        "ticketbooth-functions/sqlite",
    ]))
}

/// The Node end-to-end tests: each file starts its own `wrangler dev` (tests/support/), one
/// file at a time so two Workers never compete for the two cores.
fn end_to_end(root: &Path) -> Result<(), String> {
    command::run(tools::node_command(root, "node").args([
        "--test",
        "--test-concurrency=1",
        "tests/*.test.mjs",
    ]))
}
