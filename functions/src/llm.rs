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

/// Reads a `text/event-stream` of Chat Completions chunks, fed in arbitrary pieces.
#[derive(Debug, Default)]
pub struct Stream {
    pending: String,
    turn: Turn,
    done: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StreamError {
    #[error("the provider sent an error: {0}")]
    Provider(String),
    #[error("a chunk is not valid JSON: {0}")]
    Malformed(String),
}

impl Stream {
    /// Feeds bytes; returns the text that arrived with complete events.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Event>, StreamError> {
        self.pending.push_str(&String::from_utf8_lossy(bytes));
        let mut events = Vec::new();
        // Events end with a blank line; lines may end with \r\n.
        while let Some(end) = self
            .pending
            .find("\n\n")
            .or_else(|| self.pending.find("\r\n\r\n"))
        {
            let block: String = self.pending.drain(..end).collect();
            self.pending = self.pending.trim_start_matches(['\r', '\n']).to_owned();
            for line in block.lines() {
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
                self.turn.text.push_str(&content);
                text = Some(content);
            }
            // Tool calls arrive in pieces, each naming the index of the call it extends.
            for piece in delta.tool_calls {
                let index = piece.index.unwrap_or(self.turn.tool_calls.len());
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
                if let Some(function) = piece.function {
                    if let Some(name) = function.name {
                        call.function.name.push_str(&name);
                    }
                    if let Some(arguments) = function.arguments {
                        call.function.arguments.push_str(&arguments);
                    }
                }
            }
        }
        Ok(text)
    }
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
    index: Option<usize>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionPiece>,
}

#[derive(Deserialize)]
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
