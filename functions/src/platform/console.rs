//! Prints the Worker's log lines (`infra::log::Line`) to workerd's console: `console.log` for
//! info, `console.error` for errors, one JSON string each. `wrangler dev` shows them as they
//! come, and Workers Logs (`[observability]` in wrangler.toml) stores and indexes their
//! fields; the level also sets how Workers Logs files the line.

use worker::{console_error, console_log};

use crate::crypto::random;
use crate::infra::log::{self, Level, Line};

pub fn print(line: &Line<'_>) {
    match line.level {
        Level::Info => console_log!("{}", line.to_json()),
        Level::Error => console_error!("{}", line.to_json()),
    }
}

/// A fresh id for work no request started (a cron run, a queue message), or a request that
/// came without a usable Ray ID.
pub fn request_id(cf_ray: Option<&str>) -> String {
    // Without the CSPRNG (never seen) the clock still tells runs apart.
    let random = random::bytes().unwrap_or_else(|_| (js_sys::Date::now() as u64).to_be_bytes());
    log::request_id(cf_ray, random)
}

/// Milliseconds since `started` (`js_sys::Date::now()`). The Workers runtime advances its clock
/// only across I/O, so this is the time spent waiting on D1 and other services.
pub fn since(started: f64) -> i64 {
    (js_sys::Date::now() - started).max(0.0) as i64
}
