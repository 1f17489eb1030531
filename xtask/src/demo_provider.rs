//! The demo's stand-in for an LLM provider, for `cargo xtask dev`: a small local server that
//! speaks the OpenAI Chat Completions wire format (`POST /v1/chat/completions`, answered as a
//! stream of server-sent events, tool calls in `delta.tool_calls` pieces as OpenAI sends them)
//! with a few scripted behaviours, so the demo site's bot works offline with nothing else
//! installed. It is no model: it answers a short table of questions (opening hours, shipping,
//! returns), calls `open_ticket` when the visitor describes a problem, then names the code the
//! tool result gave. Loopback only, no key; never part of a deployment.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

pub const PORT: u16 = 8789;

/// The model name it reports (any name asked for is accepted).
pub const MODEL: &str = "ticketbooth-demo";

/// The pause between two streamed pieces: slow enough that the widget shows the reply being
/// typed, as a real model's would be.
const PIECE_DELAY: Duration = Duration::from_millis(60);

/// The largest request body read: the Worker sends the conversation and two tools.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The questions it can answer: any of the words → the answer.
const ANSWERS: &[(&[&str], &str)] = &[
    (
        &["opening", "hours", "open on", "closed", "what time"],
        "We're open Monday to Friday from 9:00 to 18:00, and on Saturday from 10:00 to 14:00 \
         (Central European Time). The chat stays open around the clock: leave a message and \
         the team answers here.",
    ),
    (
        &["ship", "deliver", "postage", "tracking"],
        "Orders ship within one working day. Delivery takes 2 to 4 working days in Europe and \
         5 to 8 elsewhere, and shipping is free from €50. You get a tracking link by email once \
         the parcel leaves.",
    ),
    (
        &["return", "refund", "exchange", "send back"],
        "You can return anything within 30 days, unused and in its packaging: start the return \
         from your order page and print the label. The refund reaches you within 5 working \
         days of the parcel arriving back.",
    ),
];

/// Words that describe something gone wrong: the visitor gets a ticket.
const PROBLEM_WORDS: &[&str] = &[
    "broken",
    "problem",
    "error",
    "not working",
    "doesn't work",
    "does not work",
    "won't",
    "can't",
    "cannot",
    "charged",
    "damaged",
    "missing",
    "wrong",
    "failed",
    "issue",
    "bug",
    "crash",
    "never arrived",
    "hasn't arrived",
    "ticket",
];

/// Words that make a problem urgent for the visitor (money at stake).
const MONEY_WORDS: &[&str] = &["charged", "payment", "paid", "money", "invoice", "urgent"];

const INTRODUCTION: &str = "I'm the demo bot, a scripted stand-in for a real model. Ask me \
     about opening hours, shipping or returns, or describe a problem (say, \"my order arrived \
     broken\") and I'll open a ticket for the team.";

/// What the scripted model does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Text(String),
    OpenTicket {
        subject: String,
        description: String,
        priority: &'static str,
    },
}

/// Serves on `PORT` from a background thread, for as long as xtask runs.
pub fn spawn() -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", PORT))
        .map_err(|e| format!("the demo provider cannot listen on {PORT}: {e}"))?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let _ = serve(stream);
            });
        }
    });
    Ok(())
}

/// The base URL the demo site's bot is seeded with (xtask/seed/demo.sql).
pub fn base_url() -> String {
    format!("http://127.0.0.1:{PORT}/v1")
}

fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if content_length > MAX_BODY_BYTES {
        return respond_json(
            &mut stream,
            "413 Payload Too Large",
            &error("request too large"),
        );
    }
    let mut body = vec![0u8; content_length];
    reader.read_exact(&mut body)?;
    match (method, path) {
        ("POST", "/v1/chat/completions") => match serde_json::from_slice::<Value>(&body) {
            Ok(request) => {
                let events = sse_events(&answer(&request), &completion_id(), unix_seconds());
                stream_events(&mut stream, &events)
            }
            Err(e) => respond_json(
                &mut stream,
                "400 Bad Request",
                &error(&format!("the body is not JSON: {e}")),
            ),
        },
        ("GET", "/v1/models") => respond_json(
            &mut stream,
            "200 OK",
            &json!({ "object": "list", "data": [{ "id": MODEL, "object": "model", "owned_by": "ticketbooth-demo" }] }),
        ),
        _ => respond_json(
            &mut stream,
            "404 Not Found",
            &error(&format!("Unknown route {method} {path}")),
        ),
    }
}

/// An error body as OpenAI sends one.
fn error(message: &str) -> Value {
    json!({ "error": { "message": message, "type": "invalid_request_error", "code": null } })
}

fn respond_json(stream: &mut TcpStream, status: &str, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Writes the events as a chunked `text/event-stream`, one HTTP chunk per event, pausing
/// between them.
fn stream_events(stream: &mut TcpStream, events: &[String]) -> std::io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
          Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    )?;
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            thread::sleep(PIECE_DELAY);
        }
        write!(stream, "{:x}\r\n{event}\r\n", event.len())?;
        stream.flush()?;
    }
    stream.write_all(b"0\r\n\r\n")
}

/// What the scripted model answers: after a tool ran, what its result says; otherwise to the
/// visitor's latest message.
pub fn answer(request: &Value) -> Reply {
    let messages = request["messages"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let Some(last) = messages.last() else {
        return Reply::Text(INTRODUCTION.to_owned());
    };
    let content = last["content"].as_str().unwrap_or_default();
    if last["role"] == "tool" {
        return Reply::Text(after_tool(content));
    }
    let offers_open_ticket = request["tools"]
        .as_array()
        .is_some_and(|tools| tools.iter().any(|t| t["function"]["name"] == "open_ticket"));
    scripted(content, offers_open_ticket)
}

fn scripted(message: &str, offers_open_ticket: bool) -> Reply {
    let lower = message.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    // A problem first: "I was charged twice, I want a refund" wants a ticket, not the policy.
    if has(PROBLEM_WORDS) {
        if !offers_open_ticket {
            return Reply::Text(
                "That sounds like something the team should look at: they read this \
                 conversation and will answer here."
                    .to_owned(),
            );
        }
        let first_line = message.trim().lines().next().unwrap_or_default();
        let first_sentence = first_line
            .split_inclusive(['.', '!', '?'])
            .next()
            .unwrap_or(first_line);
        return Reply::OpenTicket {
            subject: shorten(first_sentence.trim(), 80),
            description: shorten(message.trim(), 2_000),
            priority: if has(MONEY_WORDS) { "high" } else { "normal" },
        };
    }
    let known = ANSWERS.iter().find(|(words, _)| has(words));
    Reply::Text(known.map_or(INTRODUCTION, |(_, text)| text).to_owned())
}

/// The reply once `open_ticket` ran, from its result (JSON, see the Worker's `service::tools`).
fn after_tool(result: &str) -> String {
    let result: Value = serde_json::from_str(result).unwrap_or_default();
    match (result["result"].as_str(), result["code"].as_str()) {
        (Some("ticket_opened"), Some(code)) => format!(
            "I've opened ticket {code} for you: the team has the details and will answer \
             here. Keep the code to follow it up."
        ),
        (Some("needs_contact"), _) => {
            let missing: Vec<&str> = result["missing"]
                .as_array()
                .map(|m| m.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "To open a ticket I need your {}: could you write it here?",
                missing
                    .iter()
                    .map(|field| field.trim_start_matches("requester_").replace('_', " "))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        }
        _ => match result["message"].as_str() {
            Some(message) => format!("I couldn't open a ticket: {message}"),
            None => "I couldn't open a ticket, but the team reads this conversation and will \
                     answer here."
                .to_owned(),
        },
    }
}

/// At most `max` characters, on a character boundary.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

/// The server-sent events for a reply, each `data: <chunk>\n\n`, ending with `data: [DONE]`:
/// text word by word in `delta.content`; a tool call as OpenAI streams one (its id, type and
/// name first with empty arguments, then the arguments in pieces, then `finish_reason`).
pub fn sse_events(reply: &Reply, id: &str, created: u64) -> Vec<String> {
    let chunk = |delta: Value, finish_reason: Option<&str>| {
        json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
        })
    };
    let mut chunks = Vec::new();
    match reply {
        Reply::Text(text) => {
            chunks.push(chunk(
                json!({ "role": "assistant", "content": "", "refusal": null }),
                None,
            ));
            for word in text.split_inclusive(' ') {
                chunks.push(chunk(json!({ "content": word }), None));
            }
            chunks.push(chunk(json!({}), Some("stop")));
        }
        Reply::OpenTicket {
            subject,
            description,
            priority,
        } => {
            let arguments = json!({
                "subject": subject,
                "description": description,
                "priority": priority,
                "summary": format!("The visitor reported: {}", shorten(description, 300)),
                "requester_name": null,
                "requester_email": null,
            })
            .to_string();
            chunks.push(chunk(
                json!({ "role": "assistant", "content": null, "tool_calls": [{
                    "index": 0, "id": format!("call_{id}"), "type": "function",
                    "function": { "name": "open_ticket", "arguments": "" },
                }] }),
                None,
            ));
            let pieces: Vec<char> = arguments.chars().collect();
            for piece in pieces.chunks(24) {
                let piece: String = piece.iter().collect();
                chunks.push(chunk(
                    json!({ "tool_calls": [{ "index": 0, "function": { "arguments": piece } }] }),
                    None,
                ));
            }
            chunks.push(chunk(json!({}), Some("tool_calls")));
        }
    }
    let mut events: Vec<String> = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    events.push("data: [DONE]\n\n".to_owned());
    events
}

/// A fresh completion id: tool call ids derive from it, and the Worker keys a tool call's
/// effect by its id, so two calls must never share one.
fn completion_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "chatcmpl-demo{nanos:x}{:x}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ticketbooth_functions::integrations::llm::Stream;

    fn request(messages: Value) -> Value {
        json!({
            "model": MODEL,
            "stream": true,
            "messages": messages,
            "tools": [{ "type": "function", "function": { "name": "open_ticket" } }],
        })
    }

    fn visitor_says(text: &str) -> Reply {
        answer(&request(json!([
            { "role": "system", "content": "You are the demo's bot." },
            { "role": "user", "content": text },
        ])))
    }

    /// The events as the Worker's own stream parser assembles them.
    fn as_worker_reads(
        events: &[String],
    ) -> (ticketbooth_functions::integrations::llm::Turn, bool) {
        let mut stream = Stream::default();
        // Fed in awkward pieces, as a network may deliver them.
        let bytes = events.concat().into_bytes();
        for piece in bytes.chunks(7) {
            stream.feed(piece).expect("the Worker reads every event");
        }
        let done = stream.is_done();
        (stream.finish(), done)
    }

    /// Each event one `data:` line ended by a blank line, the last `[DONE]`.
    fn assert_framed(events: &[String]) {
        for event in events {
            assert!(
                event.starts_with("data: ") && event.ends_with("\n\n"),
                "{event:?}"
            );
            assert_eq!(event.matches('\n').count(), 2, "{event:?}");
        }
        assert_eq!(events.last().unwrap(), "data: [DONE]\n\n");
    }

    #[test]
    fn the_table_answers_hours_shipping_and_returns() {
        for (question, expected) in [
            ("What are your opening hours?", "Monday to Friday"),
            (
                "How long does shipping take to Spain?",
                "2 to 4 working days",
            ),
            ("Can I return a jacket?", "within 30 days"),
        ] {
            match visitor_says(question) {
                Reply::Text(text) => assert!(text.contains(expected), "{question}: {text}"),
                other => panic!("{question}: {other:?}"),
            }
        }
        assert_eq!(visitor_says("Hello"), Reply::Text(INTRODUCTION.to_owned()));
    }

    #[test]
    fn a_problem_opens_a_ticket_then_the_reply_names_its_code() {
        let reply = visitor_says("I was charged twice for order 1042. Please refund one.");
        assert_eq!(
            reply,
            Reply::OpenTicket {
                subject: "I was charged twice for order 1042.".into(),
                description: "I was charged twice for order 1042. Please refund one.".into(),
                priority: "high",
            }
        );
        assert!(matches!(
            visitor_says("My lamp arrived broken"),
            Reply::OpenTicket {
                priority: "normal",
                ..
            }
        ));
        let after = answer(&request(json!([
            { "role": "user", "content": "My lamp arrived broken" },
            { "role": "assistant", "content": null, "tool_calls": [] },
            { "role": "tool", "tool_call_id": "call_1", "content": r#"{"result":"ticket_opened","code":"TKT-7","status":"open","url":"u","message":"m","replayed":false}"# },
        ])));
        match after {
            Reply::Text(text) => assert!(text.contains("TKT-7"), "{text}"),
            other => panic!("{other:?}"),
        }
        // A site that asks for contact details first: the bot asks for them.
        assert_eq!(
            after_tool(
                r#"{"result":"needs_contact","missing":["requester_name","requester_email"],"message":"m"}"#
            ),
            "To open a ticket I need your name and email: could you write it here?"
        );
    }

    #[test]
    fn without_the_tool_a_problem_is_left_to_the_team() {
        let reply = answer(&json!({
            "messages": [{ "role": "user", "content": "The checkout is broken" }],
        }));
        assert!(matches!(reply, Reply::Text(text) if text.contains("the team should look at")));
    }

    #[test]
    fn text_streams_word_by_word_in_sse_frames_the_worker_reads() {
        let events = sse_events(&Reply::Text("We ship fast.".into()), "chatcmpl-1", 1);
        assert_framed(&events);
        let contents: Vec<String> = events[..events.len() - 1]
            .iter()
            .map(|e| serde_json::from_str::<Value>(&e[6..]).unwrap())
            .map(|c| {
                assert_eq!(c["object"], "chat.completion.chunk");
                c["choices"][0]["delta"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(contents, ["", "We ", "ship ", "fast.", ""]);
        let (turn, done) = as_worker_reads(&events);
        assert!(done);
        assert_eq!(turn.text, "We ship fast.");
        assert_eq!(turn.finish_reason.as_deref(), Some("stop"));
        assert!(turn.tool_calls.is_empty());
    }

    #[test]
    fn a_tool_call_streams_as_openai_sends_it() {
        let reply = Reply::OpenTicket {
            subject: "Broken lamp".into(),
            description: "My lamp arrived broken — the shade is cracked.".into(),
            priority: "normal",
        };
        let events = sse_events(&reply, "chatcmpl-9", 1);
        assert_framed(&events);
        let first: Value = serde_json::from_str(&events[0][6..]).unwrap();
        let call = &first["choices"][0]["delta"]["tool_calls"][0];
        assert_eq!(call["id"], "call_chatcmpl-9");
        assert_eq!(call["type"], "function");
        assert_eq!(call["function"]["name"], "open_ticket");
        assert_eq!(call["function"]["arguments"], "");
        // The arguments come in several pieces, after the first.
        assert!(events.len() > 4, "{}", events.len());
        let (turn, done) = as_worker_reads(&events);
        assert!(done);
        assert_eq!(turn.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(turn.tool_calls.len(), 1);
        assert_eq!(turn.tool_calls[0].id, "call_chatcmpl-9");
        assert_eq!(turn.tool_calls[0].function.name, "open_ticket");
        let arguments: Value =
            serde_json::from_str(&turn.tool_calls[0].function.arguments).unwrap();
        assert_eq!(arguments["subject"], "Broken lamp");
        assert_eq!(arguments["priority"], "normal");
        assert_eq!(arguments["requester_email"], Value::Null);
    }

    #[test]
    fn completion_ids_never_repeat() {
        assert_ne!(completion_id(), completion_id());
    }

    #[test]
    fn the_seed_points_the_demo_bot_here() {
        assert_eq!(
            base_url(),
            ticketbooth_functions::integrations::bot::DEMO_BASE_URL
        );
        let seed = include_str!("../seed/demo.sql");
        assert!(seed.contains(&base_url()), "the seed names {}", base_url());
    }
}
