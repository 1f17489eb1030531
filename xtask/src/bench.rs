//! `cargo xtask bench`: the API under load (xtask/bench/api.mjs, against a local
//! `wrangler dev`, bounded in time), the list over 100,000 tickets (xtask/bench/list.mjs) and
//! a CPU profile of the Worker (xtask/bench/profile.mjs), the widget's benchmarks (ours and
//! `@n8n/chat`, a full chat against a full chat, side by side; then a burst of 50 incoming
//! messages), and the Worker's bundle and startup time (`wrangler check startup`: the startup
//! phase profiled in a local workerd).

use std::path::Path;

use crate::{build, command, setup, tools, widget};

pub fn run(root: &Path, parts: &[String]) -> Result<(), String> {
    const PARTS: [&str; 5] = ["api", "profile", "list", "startup", "widget"];
    if let Some(unknown) = parts.iter().find(|p| !PARTS.contains(&p.as_str())) {
        return Err(format!(
            "unknown bench part `{unknown}` (parts: {})",
            PARTS.join(", ")
        ));
    }
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    setup::run(root)?;
    build::run(root)?;
    if wanted("api") {
        println!("==== API load (wrangler dev, 127.0.0.1) ====");
        command::run(tools::node_command(root, "node").arg("xtask/bench/api.mjs"))?;
    }
    if wanted("profile") {
        println!(
            "==== where the Worker's CPU goes (DevTools sampling profile under wrangler dev) ===="
        );
        command::run(tools::node_command(root, "node").arg("xtask/bench/profile.mjs"))?;
    }
    if wanted("list") {
        println!("==== the list over 100,000 tickets (wrangler dev, local D1) ====");
        command::run(tools::node_command(root, "node").arg("xtask/bench/list.mjs"))?;
    }
    if wanted("startup") {
        println!("==== Worker bundle and startup (wrangler check startup, local workerd) ====");
        startup(root)?;
    }
    if wanted("widget") {
        println!(
            "==== widget (ours and @n8n/chat, full chat against full chat, alternating; a burst of 50 incoming messages) ===="
        );
        widget::bench(root)?;
    }
    Ok(())
}

/// How many times the startup phase is profiled (it varies with the machine's load).
const STARTUP_RUNS: usize = 5;

/// Prints the bundle size and the startup phase's active CPU time of each run, and the median.
fn startup(root: &Path) -> Result<(), String> {
    let profile = root.join("target").join("worker-startup.cpuprofile");
    let mut active = Vec::new();
    let mut bundle = String::new();
    for _ in 0..STARTUP_RUNS {
        let out = command::output(
            tools::node_command(root, "wrangler")
                .args(["check", "startup", "--outfile"])
                .arg(&profile),
        )?;
        let field = |name: &str| {
            out.lines()
                .find_map(|l| l.split_once(name).map(|(_, v)| v.trim().to_owned()))
        };
        bundle = field("Bundle:").unwrap_or_default();
        let ms = field("Active:")
            .and_then(|v| v.split(" ms").next().and_then(|n| n.parse::<f64>().ok()))
            .ok_or_else(|| {
                format!("no \"Active:\" line in wrangler check startup's output:\n{out}")
            })?;
        active.push(ms);
    }
    active.sort_by(f64::total_cmp);
    println!("Worker bundle: {bundle}");
    println!(
        "Worker startup (active CPU in the startup phase, {STARTUP_RUNS} runs): median {:.1} ms, min {:.1}, max {:.1}",
        active[STARTUP_RUNS / 2],
        active[0],
        active[STARTUP_RUNS - 1]
    );
    Ok(())
}
