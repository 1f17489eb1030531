//! Prints the Worker's log lines (`infra::log::Line`) to workerd's console: `console.log` for
//! info, `console.error` for errors, one JSON string each. `wrangler dev` shows them as they
//! come, and Workers Logs (`[observability]` in wrangler.toml) stores and indexes their
//! fields; the level also sets how Workers Logs files the line.

use worker::{console_error, console_log};

use crate::crypto::random;
use crate::infra::log::{self, Event, Level, Line};
use crate::service::notifications::HandOff;

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

/// The one log line of a queued job (a summary, a mail): what it was, how it ended, when it
/// runs again, and why it failed.
pub fn log_job<Id: Into<serde_json::Value>>(
    request_id: &str,
    started: f64,
    (job, id): (&str, Id),
    outcome: &str,
    retry_in: Option<u32>,
    error: Option<&str>,
) {
    let mut line = Line {
        level: if error.is_some() {
            Level::Error
        } else {
            Level::Info
        },
        duration_ms: Some(since(started)),
        error,
        ..Line::new(Level::Info, Event::Queue, request_id)
    }
    .with(job, id)
    .with("outcome", outcome);
    if let Some(seconds) = retry_in {
        line = line.with("retry_in_s", seconds);
    }
    print(&line);
}

/// Logs what a hand-off to the Queue (`what`: `mails`, `syncs` …) left behind under
/// `request_id`: each item the Queue refused, or why the hand-off failed. Refused items went
/// back to waiting, for the next request or the Cron Trigger.
pub fn log_hand_off(request_id: &str, what: &str, handed: Result<HandOff, impl std::fmt::Display>) {
    match handed {
        Ok(handed) => {
            for refused in &handed.refused {
                let detail = format!("{}: not queued: {}", refused.id, refused.error);
                print(&Line::error(Event::Queue, request_id, &detail));
            }
        }
        Err(e) => {
            let detail = format!("{what}: {e}");
            print(&Line::error(Event::Queue, request_id, &detail));
        }
    }
}
