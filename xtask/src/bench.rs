//! `cargo xtask bench`: the API under load (xtask/bench/api.mjs, against a local
//! `wrangler dev`, bounded in time), the list over 100,000 tickets (xtask/bench/list.mjs) and
//! the widget's benchmarks.

use std::path::Path;

use crate::{build, command, setup, tools, widget};

pub fn run(root: &Path) -> Result<(), String> {
    setup::run(root)?;
    build::run(root)?;
    println!("==== API load (wrangler dev, 127.0.0.1) ====");
    command::run(tools::node_command(root, "node").arg("xtask/bench/api.mjs"))?;
    println!("==== the list over 100,000 tickets (wrangler dev, local D1) ====");
    command::run(tools::node_command(root, "node").arg("xtask/bench/list.mjs"))?;
    println!("==== widget ====");
    widget::bench(root)
}
