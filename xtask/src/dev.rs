//! `cargo xtask dev`: everything needed to try Ticketbooth locally, then `wrangler dev` in the
//! foreground. Safe and quick to run again: setup and build skip what is done, migrations apply
//! only the new ones, and the seed only inserts what is missing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::{build, demo_provider, demo_site, setup, wrangler};

pub const PORT: u16 = 8787;

pub fn run(root: &Path) -> Result<(), String> {
    setup::run(root)?;
    build::run(root)?;
    wrangler::apply_local_migrations(root)?;
    wrangler::execute_local_file(root, &root.join("xtask").join("seed").join("demo.sql"))?;

    demo_site::spawn(root)?;
    demo_provider::spawn()?;
    let mut server = wrangler::spawn_dev(root, PORT)?;
    let started = Instant::now();
    loop {
        if let Some(status) = server.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("wrangler dev exited ({status})"));
        }
        if is_healthy(PORT) {
            print_urls();
            break;
        }
        if started.elapsed() > Duration::from_secs(180) {
            println!("wrangler dev has not answered /healthz after 3 minutes; see its output");
            break;
        }
        sleep(Duration::from_millis(250));
    }
    // Ctrl-C reaches wrangler too (same process group); then this returns.
    let status = server.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("wrangler dev exited ({status})"))
    }
}

fn print_urls() {
    println!();
    println!("Ticketbooth is running (Ctrl-C stops it):");
    println!("  API health  http://127.0.0.1:{PORT}/healthz");
    println!(
        "  demo page   http://localhost:{}/demo/  (a host site on its own origin)",
        demo_site::PORT
    );
    println!(
        "  demo bot    {}  (a scripted stand-in, not a model: it answers about",
        demo_provider::base_url()
    );
    println!("              hours, shipping and returns, and opens a ticket for a problem;");
    println!("              README, \"The bot in the chat\": point the site at a real model)");
    println!("  dashboard   http://127.0.0.1:{PORT}/app/tickets");
    println!("              sign in as owner@demo.example, password ticketbooth-demo");
    println!("  JSON API    Authorization: Bearer tbo_demo_local_dev_token_not_for_production");
    println!("              (both from xtask/seed/demo.sql; local only)");
    println!();
}

/// True when `GET /healthz` on the local port answers 200.
fn is_healthy(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b" 200")
}
