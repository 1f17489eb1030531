//! The Worker's log line: one JSON object on one line for every request, queue message, cron
//! run and bot turn, and one for every error on their way (with the same request id), so
//! Workers Logs can filter on its fields and `jq` can read `wrangler dev`'s output. Plain
//! values in, a string out: the adapters in `platform` fill it in and print it; nothing here
//! knows what a route, a site or a secret is, so the callers pass only what may be logged
//! (a route's template, never its path; an error's detail, never visitor text or a token).

use serde::Serialize;
use serde_json::{Map, Value};

/// The response header that carries the request id, so a user's report can be found.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Error,
}

/// What the line is about: the handler that wrote it.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Request,
    Queue,
    Cron,
    Bot,
    /// A message through Email Routing (`platform/email.rs`).
    Email,
}

/// One log line. The common fields first (absent ones are left out, not `null`), then the
/// event's own (`with`).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Line<'a> {
    pub level: Level,
    pub event: Event,
    pub request_id: &'a str,
    /// The route's template (`POST /api/v1/sites/{site}/tickets`): never the path or query,
    /// which can hold ticket codes, conversation ids and tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<&'a str>,
    /// The site's key, when the route names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d1_round_trips: Option<u32>,
    /// What went wrong, for an error line: the detail the Worker logged before these lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl<'a> Line<'a> {
    pub fn new(level: Level, event: Event, request_id: &'a str) -> Self {
        Self {
            level,
            event,
            request_id,
            route: None,
            site: None,
            status: None,
            duration_ms: None,
            d1_round_trips: None,
            error: None,
            fields: Map::new(),
        }
    }

    /// An error line: `detail` under `error`.
    pub fn error(event: Event, request_id: &'a str, detail: &'a str) -> Self {
        Self {
            error: Some(detail),
            ..Self::new(Level::Error, event, request_id)
        }
    }

    /// One of the event's own fields (the queue's outcome, the cron run's counts, …).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(name.to_owned(), value.into());
        self
    }

    /// The line as printed: one JSON object, no newline inside (serde_json escapes control
    /// characters in strings, so no value can start a line of its own).
    pub fn to_json(&self) -> String {
        // Strings, numbers and a map of them always serialize.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// The id of one request (or queue message, cron run): Cloudflare's Ray ID when the edge gave
/// one, so the same id also finds the request in Cloudflare's own logs and on its error pages;
/// else 16 hex digits of fresh CSPRNG bytes (`wrangler dev`, which sets no Ray ID). A `cf-ray`
/// value is taken only in its own shape (16 hex digits, then optionally `-` and the data
/// centre): the edge sets it, but locally any client could send one, and the id is printed in
/// logs and pages.
pub fn request_id(cf_ray: Option<&str>, random: [u8; 8]) -> String {
    if let Some(ray) = cf_ray.and_then(ray_id) {
        return ray.to_owned();
    }
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Ray ID of a `cf-ray` header (`8c1f2e3d4a5b6c7d-SJC` → `8c1f2e3d4a5b6c7d`).
fn ray_id(value: &str) -> Option<&str> {
    let (id, colo) = value.split_once('-').unwrap_or((value, "AAA"));
    let hex = id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let colo_ok = (2..=4).contains(&colo.len()) && colo.bytes().all(|b| b.is_ascii_uppercase());
    (hex && colo_ok).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_json_object_on_one_line() {
        let line = Line {
            route: Some("POST /api/v1/sites/{site}/tickets"),
            site: Some("acme"),
            status: Some(201),
            duration_ms: Some(12),
            d1_round_trips: Some(2),
            ..Line::new(Level::Info, Event::Request, "0123456789abcdef")
        }
        .to_json();
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(
            line,
            r#"{"level":"info","event":"request","request_id":"0123456789abcdef","route":"POST /api/v1/sites/{site}/tickets","site":"acme","status":201,"duration_ms":12,"d1_round_trips":2}"#
        );
    }

    #[test]
    fn an_error_line_keeps_its_detail_on_one_line_with_the_event_fields() {
        let line = Line::error(Event::Queue, "id", "receiver said\nno\r\u{2028}")
            .with("outcome", "retry")
            .with("retry_in_s", 30)
            .to_json();
        assert_eq!(line.lines().count(), 1, "{line}");
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["level"], "error");
        assert_eq!(parsed["event"], "queue");
        assert_eq!(parsed["error"], "receiver said\nno\r\u{2028}");
        assert_eq!(parsed["outcome"], "retry");
        assert_eq!(parsed["retry_in_s"], 30);
        assert!(parsed.get("status").is_none(), "absent fields are left out");
    }

    #[test]
    fn the_request_id_is_the_ray_id_or_sixteen_fresh_hex_digits() {
        let random = [0xab, 0, 1, 2, 3, 4, 5, 0xff];
        assert_eq!(request_id(None, random), "ab000102030405ff");
        assert_eq!(
            request_id(Some("8c1f2e3d4a5b6c7d-SJC"), random),
            "8c1f2e3d4a5b6c7d"
        );
        assert_eq!(
            request_id(Some("8c1f2e3d4a5b6c7d"), random),
            "8c1f2e3d4a5b6c7d"
        );
        // Not a Ray ID's shape (sent by a client to a local Worker): never printed.
        for forged in [
            "8c1f2e3d4a5b6c7d-SJC\n{\"level\":\"info\"}",
            "<script>",
            "8C1F2E3D4A5B6C7D-SJC",
            "8c1f2e3d4a5b6c7-SJC",
            "8c1f2e3d4a5b6c7d-sjc",
            "",
        ] {
            assert_eq!(request_id(Some(forged), random), "ab000102030405ff");
        }
    }
}
