//! The OpenAI Chat Completions wire format, as the bot speaks it to any compatible provider
//! (OpenAI, Groq, Together, Mistral, a local llama.cpp or Ollama server): the request with the
//! conversation and the tools, and the streamed answer (`stream: true`, server-sent events)
//! assembled into text and tool calls as its chunks arrive. Plain Rust, host-tested.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ticketbooth_shared::tools::OpenAiTool;

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn text(role: &'static str, content: &str) -> Self {
        Self {
            role,
            content: Some(content.to_owned()),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    pub fn tool_result(call_id: &str, content: String) -> Self {
        Self {
            role: "tool",
            content: Some(content),
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.to_owned()),
        }
    }
}

/// A tool call the model made: `{id, type: "function", function: {name, arguments}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: FunctionCall,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct FunctionCall {
    pub name: String,
    /// JSON text, as the model wrote it.
    pub arguments: String,
}

#[derive(Debug, Serialize)]
pub struct Request<'a> {
    pub model: &'a str,
    pub messages: &'a [Message],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tools: &'a [OpenAiTool],
    pub stream: bool,
}

/// The model's turn, assembled.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Turn {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    /// `stop`, `tool_calls`, `length`… (`None` if the stream ended without one).
    pub finish_reason: Option<String>,
}

/// What a chunk added, for the caller to show as it arrives.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Text(String),
}

/// The largest server-sent event (or unfinished line) kept while it arrives. A Chat
/// Completions chunk is a few hundred bytes; a provider that sends one far larger (or never
/// ends a line) fails the stream instead of growing the buffer without end.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The most a turn may assemble: its text, and every tool call's id, name and arguments. A reply
/// is at most 4,000 characters (`MessageText`), a tool call's arguments a few hundred bytes.
pub const MAX_TURN_BYTES: usize = 256 * 1024;

/// The most tool calls one turn may make: a call's `index` at or past it is refused (an index
/// of 4294967295 must not make the Worker allocate that many calls). Far above what a turn
/// needs, so that what a model asks for beyond the site's limits is refused by name rather than
/// lost with the whole turn.
pub const MAX_TOOL_CALLS: u64 = 64;

/// Reads a `text/event-stream` of Chat Completions chunks, fed in arbitrary pieces.
#[derive(Debug, Default)]
pub struct Stream {
    /// Bytes of the event still arriving (kept as bytes: a piece may end inside a character).
    pending: Vec<u8>,
    turn: Turn,
    /// What `turn` holds, counted against `MAX_TURN_BYTES`.
    turn_bytes: usize,
    done: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StreamError {
    #[error("the provider sent an error: {0}")]
    Provider(String),
    #[error("a chunk is not valid JSON: {0}")]
    Malformed(String),
    #[error("an event is larger than {max} bytes", max = MAX_EVENT_BYTES)]
    EventTooLarge,
    #[error("the turn is larger than {max} bytes", max = MAX_TURN_BYTES)]
    TurnTooLarge,
    #[error("tool call index {0} is out of range (at most {max} calls)", max = MAX_TOOL_CALLS)]
    ToolCallIndex(u64),
}

impl Stream {
    /// Feeds bytes; returns the text that arrived with complete events.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Event>, StreamError> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        // Events end with a blank line; lines may end with \r\n.
        while let Some((end, separator)) = event_end(&self.pending) {
            if end > MAX_EVENT_BYTES {
                return Err(StreamError::EventTooLarge);
            }
            let block: Vec<u8> = self.pending.drain(..end + separator).collect();
            for line in String::from_utf8_lossy(&block[..end]).lines() {
                let Some(data) = line.strip_prefix("data:") else {
                    continue; // comments (": keep-alive"), `event:` and `id:` lines
                };
                let data = data.trim();
                if data == "[DONE]" {
                    self.done = true;
                    continue;
                }
                if let Some(text) = self.chunk(data)? {
                    events.push(Event::Text(text));
                }
            }
        }
        if self.pending.len() > MAX_EVENT_BYTES {
            return Err(StreamError::EventTooLarge);
        }
        Ok(events)
    }

    /// The whole turn, once the stream has ended.
    pub fn finish(self) -> Turn {
        self.turn
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    fn chunk(&mut self, data: &str) -> Result<Option<String>, StreamError> {
        let chunk: Chunk =
            serde_json::from_str(data).map_err(|e| StreamError::Malformed(e.to_string()))?;
        if let Some(error) = chunk.error {
            return Err(StreamError::Provider(error_message(&error)));
        }
        let mut text = None;
        for choice in chunk.choices {
            if let Some(reason) = choice.finish_reason {
                self.turn.finish_reason = Some(reason);
            }
            let Some(delta) = choice.delta else { continue };
            if let Some(content) = delta.content.filter(|c| !c.is_empty()) {
                self.count(content.len())?;
                self.turn.text.push_str(&content);
                text = Some(content);
            }
            // Tool calls arrive in pieces, each naming the index of the call it extends.
            for piece in delta.tool_calls {
                let index = piece.index.unwrap_or(self.turn.tool_calls.len() as u64);
                if index >= MAX_TOOL_CALLS {
                    return Err(StreamError::ToolCallIndex(index));
                }
                let index = index as usize; // < MAX_TOOL_CALLS
                let function = piece.function.unwrap_or_default();
                self.count(
                    piece.id.as_ref().map_or(0, String::len)
                        + function.name.as_ref().map_or(0, String::len)
                        + function.arguments.as_ref().map_or(0, String::len),
                )?;
                while self.turn.tool_calls.len() <= index {
                    self.turn.tool_calls.push(ToolCall {
                        kind: "function",
                        ..ToolCall::default()
                    });
                }
                let call = &mut self.turn.tool_calls[index];
                if let Some(id) = piece.id {
                    call.id = id;
                }
                if let Some(name) = function.name {
                    call.function.name.push_str(&name);
                }
                if let Some(arguments) = function.arguments {
                    call.function.arguments.push_str(&arguments);
                }
            }
        }
        Ok(text)
    }
}

impl Stream {
    /// Counts `bytes` more of the turn against `MAX_TURN_BYTES`.
    fn count(&mut self, bytes: usize) -> Result<(), StreamError> {
        self.turn_bytes += bytes;
        if self.turn_bytes > MAX_TURN_BYTES {
            return Err(StreamError::TurnTooLarge);
        }
        Ok(())
    }
}

/// Where the first complete event in `bytes` ends, and the length of the blank line after it.
fn event_end(bytes: &[u8]) -> Option<(usize, usize)> {
    let find = |needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle);
    [(find(b"\n\n"), 2), (find(b"\r\n\r\n"), 4)]
        .into_iter()
        .filter_map(|(at, len)| at.map(|at| (at, len)))
        .min()
}

/// A provider's error body, `{"error": {"message": …}}` (or anything else), in one line.
pub fn error_message(error: &Value) -> String {
    error["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| error.to_string())
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCallPiece>,
}

#[derive(Deserialize)]
struct ToolCallPiece {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionPiece>,
}

#[derive(Deserialize, Default)]
struct FunctionPiece {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(chunks: &[Value]) -> String {
        let mut out = String::new();
        for c in chunks {
            out.push_str(&format!("data: {c}\n\n"));
        }
        out.push_str("data: [DONE]\n\n");
        out
    }

    #[test]
    fn text_and_tool_calls_assemble_from_pieces_split_anywhere() {
        let body = sse(&[
            serde_json::json!({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}),
            serde_json::json!({"choices":[{"index":0,"delta":{"content":"Let me "}}]}),
            serde_json::json!({"choices":[{"index":0,"delta":{"content":"check."}}]}),
            serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"open_ticket","arguments":""}}]}}]}),
            serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"subject\":"}}]}}]}),
            serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Billing\"}"}}]}}]}),
            serde_json::json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}),
        ]);
        // Any split of the bytes gives the same turn.
        for split in [1, 7, 64, body.len()] {
            let mut stream = Stream::default();
            let mut texts = Vec::new();
            for piece in body.as_bytes().chunks(split) {
                for Event::Text(t) in stream.feed(piece).unwrap() {
                    texts.push(t);
                }
            }
            assert!(stream.is_done());
            assert_eq!(texts.concat(), "Let me check.");
            let turn = stream.finish();
            assert_eq!(turn.finish_reason.as_deref(), Some("tool_calls"));
            assert_eq!(turn.tool_calls.len(), 1);
            assert_eq!(turn.tool_calls[0].id, "call_1");
            assert_eq!(turn.tool_calls[0].function.name, "open_ticket");
            assert_eq!(
                turn.tool_calls[0].function.arguments,
                r#"{"subject":"Billing"}"#
            );
        }
    }

    #[test]
    fn comments_are_skipped_and_errors_and_garbage_are_reported() {
        let mut stream = Stream::default();
        assert_eq!(stream.feed(b": keep-alive\n\n").unwrap(), vec![]);
        let err = stream
            .feed(
                b"data: {\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}\n\n",
            )
            .unwrap_err();
        assert_eq!(err, StreamError::Provider("Rate limit reached".into()));
        assert!(matches!(
            Stream::default().feed(b"data: {not json\n\n"),
            Err(StreamError::Malformed(_))
        ));
    }

    #[test]
    fn a_tool_call_index_past_the_cap_is_refused_without_allocating() {
        let piece = |index: u64| {
            format!(
                "data: {}\n\n",
                serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":index,"id":"c","function":{"name":"open_ticket","arguments":"{}"}}]}}]})
            )
        };
        let mut stream = Stream::default();
        assert_eq!(
            stream.feed(piece(4_294_967_295).as_bytes()),
            Err(StreamError::ToolCallIndex(4_294_967_295))
        );
        assert_eq!(
            Stream::default().feed(piece(MAX_TOOL_CALLS).as_bytes()),
            Err(StreamError::ToolCallIndex(MAX_TOOL_CALLS))
        );
        // The last index allowed still works.
        let mut stream = Stream::default();
        stream.feed(piece(MAX_TOOL_CALLS - 1).as_bytes()).unwrap();
        assert_eq!(stream.finish().tool_calls.len() as u64, MAX_TOOL_CALLS);
    }

    #[test]
    fn an_event_or_a_turn_past_its_cap_fails_the_stream() {
        // A line that never ends: refused once the buffer passes the cap, in whatever pieces.
        let mut stream = Stream::default();
        let piece = vec![b'x'; 1024];
        let mut failed = None;
        for n in 0..100 {
            if let Err(e) = stream.feed(&piece) {
                failed = Some((n, e));
                break;
            }
        }
        assert_eq!(
            failed,
            Some((MAX_EVENT_BYTES / 1024, StreamError::EventTooLarge))
        );
        // One complete event over the cap, in a single piece.
        let big = format!("data: {}\n\n", "y".repeat(MAX_EVENT_BYTES));
        assert_eq!(
            Stream::default().feed(big.as_bytes()),
            Err(StreamError::EventTooLarge)
        );
        // Many small events whose text adds up past the turn's cap.
        let event = format!(
            "data: {}\n\n",
            serde_json::json!({"choices":[{"index":0,"delta":{"content":"z".repeat(8 * 1024)}}]})
        );
        let mut stream = Stream::default();
        let mut result = Ok(Vec::new());
        for _ in 0..(MAX_TURN_BYTES / (8 * 1024) + 1) {
            result = stream.feed(event.as_bytes());
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(StreamError::TurnTooLarge));
    }

    #[test]
    fn a_character_split_between_pieces_arrives_whole() {
        let body =
            sse(&[serde_json::json!({"choices":[{"index":0,"delta":{"content":"Déjà vu"}}]})]);
        let at = body.find('é').unwrap() + 1; // inside the two bytes of 'é'
        let mut stream = Stream::default();
        let mut texts = Vec::new();
        for piece in [&body.as_bytes()[..at], &body.as_bytes()[at..]] {
            for Event::Text(t) in stream.feed(piece).unwrap() {
                texts.push(t);
            }
        }
        assert_eq!(texts.concat(), "Déjà vu");
    }

    #[test]
    fn the_request_carries_the_tools_and_asks_for_a_stream() {
        let messages = [Message::text("user", "Hi")];
        let tools = [ticketbooth_shared::tools::Tool::OpenTicket.openai()];
        let body = serde_json::to_value(Request {
            model: "gpt-test",
            messages: &messages,
            tools: &tools,
            stream: true,
        })
        .unwrap();
        assert_eq!(body["stream"], true);
        assert_eq!(
            body["messages"][0],
            serde_json::json!({"role":"user","content":"Hi"})
        );
        assert_eq!(body["tools"][0]["function"]["name"], "open_ticket");
    }
}
