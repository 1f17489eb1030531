//! The MCP server at `POST /mcp` (Model Context Protocol, Streamable HTTP transport): a bot
//! holding a site's bot key lists the ticket tools and calls them. Every JSON-RPC request is
//! answered with one JSON body (`application/json`, which the transport allows in place of an
//! SSE stream); notifications and responses get `202 Accepted`. No session is kept: each
//! request carries the bot key, so any isolate can answer it.
//!
//! An operator API token (anything but a bot key's `tbb_…`) opens an operator session
//! instead: it lists and calls only the operator tools (`api::operator_tools`), as that
//! operator on the token's site; a bot key lists and calls only the visitor tools.
//!
//! Methods: `initialize` (protocol version negotiation), `ping`, `tools/list` (with
//! annotations: not read-only, not destructive, idempotent, closed world), `tools/call` (a
//! tool's refusal is a result with `isError: true`, so the model can read it; an unknown tool
//! or malformed params are JSON-RPC errors).

use serde::Deserialize;
use serde_json::{Value, json};
use ticketbooth_shared::operator_tools::OperatorTool;
use ticketbooth_shared::tools::Tool;

use super::operator::authenticate;
use super::operator_tools;
use super::tools::bot_site;
use crate::context::visitor::Budget;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{Body, Request, Response};
use crate::service::bot_keys;
use crate::service::operators::Operator;
use crate::service::sites::Site;
use crate::service::tools::{self, Call, CallId, Caller};
use crate::store::Executor;

/// Protocol versions this server speaks, newest first.
pub const PROTOCOL_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;

/// One JSON-RPC message as received.
#[derive(Deserialize)]
struct Message {
    jsonrpc: Option<String>,
    id: Option<Value>,
    method: Option<String>,
    #[serde(default)]
    params: Value,
}

pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    // DNS rebinding: a browser page may not drive this server from another origin.
    if let Some(origin) = req.header("origin")
        && origin != req.own_origin
    {
        return Err(ApiError::OriginNotAllowed);
    }
    let caller = caller(app, req, &fresh).await?;
    if let Some(version) = req.header("mcp-protocol-version")
        && !PROTOCOL_VERSIONS.contains(&version)
    {
        return Err(ApiError::BadQuery(format!(
            "MCP-Protocol-Version {version:?} is not supported; supported: {}",
            PROTOCOL_VERSIONS.join(", ")
        )));
    }
    let body = match &req.body {
        Body::Bytes(bytes) => bytes.as_slice(),
        Body::TooLarge => return Err(ApiError::PayloadTooLarge),
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Ok(rpc_error(
                400,
                Value::Null,
                PARSE_ERROR,
                &format!("Parse error: {e}"),
            ));
        }
    };
    if value.is_array() {
        return Ok(rpc_error(
            400,
            Value::Null,
            INVALID_REQUEST,
            "Batches are not supported: send one JSON-RPC message per request.",
        ));
    }
    let Ok(message) = serde_json::from_value::<Message>(value) else {
        return Ok(rpc_error(
            400,
            Value::Null,
            INVALID_REQUEST,
            "Not a JSON-RPC message.",
        ));
    };
    if message.jsonrpc.as_deref() != Some("2.0") {
        let id = message.id.unwrap_or(Value::Null);
        return Ok(rpc_error(
            400,
            id,
            INVALID_REQUEST,
            "`jsonrpc` must be \"2.0\".",
        ));
    }
    // A notification (no id) or a response to us: accepted, nothing to answer.
    let (Some(id), Some(method)) = (message.id, message.method) else {
        return Ok(Response::empty(202));
    };
    let site = match caller {
        McpCaller::Bot(site) => *site,
        McpCaller::Operator(op) => {
            return operator_session(app, &op, id, &method, message.params, fresh).await;
        }
    };
    let result = match method.as_str() {
        "initialize" => initialize(&message.params),
        "ping" => json!({}),
        "tools/list" => tools_list(),
        "tools/call" => {
            #[derive(Deserialize)]
            struct CallParams {
                name: String,
                #[serde(default)]
                arguments: Option<Value>,
            }
            let Ok(params) = serde_json::from_value::<CallParams>(message.params) else {
                return Ok(rpc_error(
                    200,
                    id,
                    INVALID_PARAMS,
                    "tools/call needs `name`.",
                ));
            };
            let Some(tool) = Tool::parse(&params.name) else {
                return Ok(rpc_error(
                    200,
                    id,
                    INVALID_PARAMS,
                    &format!("Unknown tool: {}", params.name),
                ));
            };
            if tool == Tool::OpenTicket {
                crate::context::visitor::spend(app, req, &site, Budget::Write).await?;
            }
            let arguments = params.arguments.unwrap_or_else(|| json!({}));
            let outcome = tools::call(
                &app.db,
                Call {
                    site: &site,
                    caller: Caller::External,
                    tool,
                    arguments: &arguments,
                    call_id: CallId::None,
                    origin: &req.own_origin,
                    fresh_id: fresh.ticket_id,
                    now: fresh.now,
                },
            )
            .await;
            match outcome {
                Ok(outcome) => {
                    let structured = serde_json::to_value(&outcome)
                        .map_err(|e| ApiError::Internal(e.to_string()))?;
                    let text = structured["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    json!({
                        "content": [{ "type": "text", "text": text }],
                        "structuredContent": structured,
                        "isError": false,
                    })
                }
                // A refusal (creation off, the daily cap, bad arguments) is a result the model
                // reads; only our own faults are errors.
                Err(e) if e.is_fault() => return Err(ApiError::from(e)),
                Err(refused) => tool_error(ApiError::from(refused)),
            }
        }
        other => {
            return Ok(rpc_error(
                200,
                id,
                METHOD_NOT_FOUND,
                &format!("Method not found: {other}"),
            ));
        }
    };
    Ok(Response::json(
        200,
        &json!({ "jsonrpc": "2.0", "id": id, "result": result }),
    )
    .notifying(&site))
}

/// Who a session is: a site's bot (bot key) or an operator's agent (operator API token).
enum McpCaller {
    Bot(Box<Site>),
    Operator(Operator),
}

async fn caller<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: &Fresh,
) -> Result<McpCaller, ApiError> {
    match req.bearer_token() {
        Some(token) if !token.starts_with(bot_keys::PREFIX) => authenticate(app, req, fresh.now)
            .await
            .map(McpCaller::Operator),
        _ => bot_site(app, req, fresh)
            .await
            .map(|site| McpCaller::Bot(Box::new(site))),
    }
}

/// One request of an operator's session: the operator tools only. A tool's refusal (a role
/// that may not, a stale version, bad arguments) is a result the agent reads; only our own
/// faults are errors.
async fn operator_session<E: Executor>(
    app: &App<E>,
    op: &Operator,
    id: Value,
    method: &str,
    params: Value,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let result = match method {
        "initialize" => {
            let mut result = initialize(&params);
            result["instructions"] = json!(
                "Work this site's tickets as the operator whose API token you hold: find them \
                 with list_tickets (the ticket list's query language), read one with \
                 get_ticket, change it with update_ticket (send the version you read) and \
                 comment with add_comment (public comments reach the customer)."
            );
            result
        }
        "ping" => json!({}),
        "tools/list" => operator_tools::mcp_tools(),
        "tools/call" => {
            #[derive(Deserialize)]
            struct CallParams {
                name: String,
                #[serde(default)]
                arguments: Option<Value>,
            }
            let Ok(params) = serde_json::from_value::<CallParams>(params) else {
                return Ok(rpc_error(
                    200,
                    id,
                    INVALID_PARAMS,
                    "tools/call needs `name`.",
                ));
            };
            let Some(tool) = OperatorTool::parse(&params.name) else {
                return Ok(rpc_error(
                    200,
                    id,
                    INVALID_PARAMS,
                    &format!("Unknown tool: {}", params.name),
                ));
            };
            let arguments = params.arguments.unwrap_or_else(|| json!({}));
            match operator_tools::run(app, op, tool, &arguments, fresh.now).await {
                Ok(answer) => {
                    let structured = serde_json::to_value(&answer)
                        .map_err(|e| ApiError::Internal(e.to_string()))?;
                    json!({
                        "content": [{ "type": "text", "text": structured.to_string() }],
                        "structuredContent": structured,
                        "isError": false,
                    })
                }
                Err(fault @ ApiError::Internal(_)) => return Err(fault),
                Err(refused) => tool_error(refused),
            }
        }
        other => {
            return Ok(rpc_error(
                200,
                id,
                METHOD_NOT_FOUND,
                &format!("Method not found: {other}"),
            ));
        }
    };
    Ok(Response::json(
        200,
        &json!({ "jsonrpc": "2.0", "id": id, "result": result }),
    ))
}

/// The client's protocol version when we speak it, else our newest (the client decides
/// whether it can go on with that).
fn initialize(params: &Value) -> Value {
    let asked = params["protocolVersion"].as_str().unwrap_or_default();
    let version = PROTOCOL_VERSIONS
        .iter()
        .find(|v| **v == asked)
        .unwrap_or(&PROTOCOL_VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": {
            "name": "ticketbooth",
            "title": "Ticketbooth",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "instructions": "Open support tickets for this site's team with open_ticket when a \
                         visitor's problem needs a human; look tickets up with get_ticket_status.",
    })
}

fn tools_list() -> Value {
    let tools: Vec<Value> = Tool::ALL
        .iter()
        .map(|tool| {
            let definition = tool.anthropic();
            json!({
                "name": tool.name(),
                "title": tool.title(),
                "description": tool.description(),
                "inputSchema": definition.input_schema,
                "annotations": {
                    "title": tool.title(),
                    "readOnlyHint": *tool == Tool::GetTicketStatus,
                    "destructiveHint": false,
                    "idempotentHint": true,
                    "openWorldHint": false,
                },
            })
        })
        .collect();
    json!({ "tools": tools })
}

/// A tool's refusal, as a result the model can read and act on.
fn tool_error(error: ApiError) -> Value {
    let mut text = format!("{} ({})", error, error.code());
    if let ApiError::Validation(errors) = &error {
        for (field, problem) in &errors.0 {
            text.push_str(&format!("\n- {field}: {problem}"));
        }
    }
    json!({ "content": [{ "type": "text", "text": text }], "isError": true })
}

/// A JSON-RPC error: HTTP 400 when the message itself was unusable, else 200.
fn rpc_error(status: u16, id: Value, code: i64, message: &str) -> Response {
    Response::json(
        status,
        &json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }),
    )
}
