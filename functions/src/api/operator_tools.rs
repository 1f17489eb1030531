//! The operator tools (`shared::operator_tools`) for an agent holding an operator API token:
//! `POST /api/v1/tools/{name}` (routed with the operators' API, so the token picks the site
//! and the operator, and a bot key is refused as any unknown token is), their definitions for
//! `GET /api/v1/tools`, and what an MCP session signed in with an operator token lists and
//! calls (`api::mcp`). Thin over the services the operators' API uses; the answers are that
//! API's documents (a list page, a ticket, an action's result).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use ticketbooth_shared::operator_tools::{
    AddCommentInput, AnthropicOperatorTool, GetTicketInput, ListTicketsInput, OpenAiOperatorTool,
    OperatorTool, UpdateTicketInput,
};
use ticketbooth_shared::timestamp::Timestamp;

use super::operator::{
    ActionResult, TicketDocument, TicketListJson, authenticate, json_input, list_document,
};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::list_query;
use crate::http::{Request, Response};
use crate::service::operator_tickets::{self, MatchCount};
use crate::service::operator_tools;
use crate::service::operators::Operator;
use crate::service::ticket_actions::Outcome;
use crate::store::Executor;

/// The operator tools as `GET /api/v1/tools` lists them, under `operator`: apart from the
/// visitor tools, so a client that hands `openai` to a visitor-facing model never offers it
/// these.
#[derive(Serialize)]
pub struct OperatorDefinitions {
    openai: Vec<OpenAiOperatorTool>,
    anthropic: Vec<AnthropicOperatorTool>,
}

pub fn definitions() -> OperatorDefinitions {
    OperatorDefinitions {
        openai: OperatorTool::ALL.iter().map(|t| t.openai()).collect(),
        anthropic: OperatorTool::ALL.iter().map(|t| t.anthropic()).collect(),
    }
}

/// What a call gives back: the operators' API's own documents.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum Answer {
    /// `list_tickets`: as `GET /api/v1/tickets`.
    List(TicketListJson),
    /// `get_ticket`: as `GET /api/v1/tickets/{code}`, its events the most recent ones.
    Ticket(TicketDocument),
    /// `update_ticket`, `add_comment`: as an action's answer.
    Action(ActionResult),
}

/// `POST /api/v1/tools/{name}`: the operator token's operator (the dashboard's cookie does not
/// count, as on the operators' API), the arguments as the JSON body (empty: `{}`); 200 with
/// the answer, or the API's error.
pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    tool: OperatorTool,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let op = authenticate(app, req, fresh.now).await?;
    let arguments: Value = json_input(req)?;
    let answer = run(app, &op, tool, &arguments, fresh.now).await?;
    Ok(Response::json(200, &answer))
}

/// Runs one call, for the HTTP route and MCP alike.
pub(super) async fn run<E: Executor>(
    app: &App<E>,
    op: &Operator,
    tool: OperatorTool,
    arguments: &Value,
    now: Timestamp,
) -> Result<Answer, ApiError> {
    let db = &app.db;
    let action = |(outcome, detail)| {
        Answer::Action(ActionResult {
            changed: outcome == Outcome::Changed,
            ticket: TicketDocument::of(&detail),
        })
    };
    match tool {
        OperatorTool::ListTickets => {
            let input: ListTicketsInput = arguments_of(arguments)?;
            // The list's own parser: the same field errors as `GET /api/v1/tickets?…`.
            let query = list_query::parse(&input.query_string()).map_err(ApiError::Validation)?;
            let page = operator_tickets::list(db, op, &query, MatchCount::Total, now).await?;
            Ok(Answer::List(list_document(&page)))
        }
        OperatorTool::GetTicket => {
            let input: GetTicketInput = arguments_of(arguments)?;
            let named = input.parse().map_err(ApiError::Validation)?;
            let code = operator_tools::code_of(db, op, &named).await?;
            let detail = operator_tools::read(db, op, &code, now).await?;
            Ok(Answer::Ticket(TicketDocument::of(&detail)))
        }
        OperatorTool::UpdateTicket => {
            let input: UpdateTicketInput = arguments_of(arguments)?;
            let args = input.parse().map_err(ApiError::Validation)?;
            Ok(action(operator_tools::update(db, op, &args, now).await?))
        }
        OperatorTool::AddComment => {
            let input: AddCommentInput = arguments_of(arguments)?;
            let args = input.parse().map_err(ApiError::Validation)?;
            Ok(action(operator_tools::comment(db, op, &args, now).await?))
        }
    }
}

/// The arguments as the tool's input type: not an object, a wrong type or an unknown field is
/// `malformed_json`, as the visitor tools answer.
fn arguments_of<T: DeserializeOwned>(arguments: &Value) -> Result<T, ApiError> {
    serde_json::from_value(arguments.clone()).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// The operator tools as MCP's `tools/list` gives them. Annotations: the list and one ticket
/// only read (and reading twice is reading); an update and a comment write, are not
/// idempotent (an update moves the version on, a second comment is a second comment), and
/// destroy nothing: no operator tool deletes.
pub fn mcp_tools() -> Value {
    let tools: Vec<Value> = OperatorTool::ALL
        .iter()
        .map(|tool| {
            json!({
                "name": tool.name(),
                "title": tool.title(),
                "description": tool.description(),
                "inputSchema": tool.anthropic().input_schema,
                "annotations": {
                    "title": tool.title(),
                    "readOnlyHint": tool.read_only(),
                    "destructiveHint": false,
                    "idempotentHint": tool.read_only(),
                    "openWorldHint": false,
                },
            })
        })
        .collect();
    json!({ "tools": tools })
}
