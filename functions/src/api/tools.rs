//! The bot tools over HTTP, for bots that live elsewhere: `GET /api/v1/tools` (the definitions,
//! as OpenAI functions in strict mode and as Anthropic tools, made from `shared::tools`; the
//! operator tools apart under `operator`), and
//! `POST /api/v1/sites/{site}/tools/{name}` with the site's bot key. Thin over `service::tools`.

use serde::Serialize;
use ticketbooth_shared::tools::{AnthropicTool, OpenAiTool, Tool};

use crate::context::visitor::{Budget, begin_write};
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::sites::Site;
use crate::service::tools::{self, Call, CallId, Caller, Outcome};
use crate::service::{ServiceError, bot_keys};
use crate::store::Executor;

#[derive(Serialize)]
struct Definitions {
    openai: Vec<OpenAiTool>,
    anthropic: Vec<AnthropicTool>,
    /// The operator tools (an operator API token, `POST /api/v1/tools/{name}`), apart.
    operator: super::operator_tools::OperatorDefinitions,
}

/// `GET /api/v1/tools`: public, the same for every site.
pub fn definitions() -> Response {
    Response::json(
        200,
        &Definitions {
            openai: Tool::ALL.iter().map(|t| t.openai()).collect(),
            anthropic: Tool::ALL.iter().map(|t| t.anthropic()).collect(),
            operator: super::operator_tools::definitions(),
        },
    )
}

/// The site of the request's bot key, which must be `site` when one is named.
pub async fn bot_site<E: Executor>(
    app: &App<E>,
    req: &Request,
    fresh: &Fresh,
) -> Result<Site, ApiError> {
    let key = req.bearer_token().ok_or(ApiError::BotKeyRequired)?;
    match bot_keys::authenticate(&app.db, &app.sites, key, fresh.now).await {
        Ok(site) => Ok(site),
        Err(ServiceError::NotSignedIn) => Err(ApiError::BotKeyRequired),
        Err(other) => Err(other.into()),
    }
}

/// `POST /api/v1/sites/{site}/tools/{name}`: the arguments as the JSON body; an optional
/// `Idempotency-Key` (or the model's tool call id in `Tool-Call-Id`) names the call, else its
/// arguments do. 201 when a ticket was opened now, 200 otherwise.
pub async fn call<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    tool: Tool,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let keyed = bot_site(app, req, &fresh).await?;
    if keyed.id != site.id {
        return Err(ApiError::BotKeyRequired);
    }
    let body = begin_write(app, req, site, Budget::Write).await?;
    let arguments: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let named = |header: &str| {
        req.header(header)
            .map(str::trim)
            .filter(|id| !id.is_empty() && id.len() <= 200)
    };
    // A client's key is its own; a model's call id is only part of the call's identity
    // (`service::tools::CallId`): providers reuse ids.
    let call_id = match (named("idempotency-key"), named("tool-call-id")) {
        (Some(key), _) => CallId::Key(key),
        (None, Some(id)) => CallId::Model(id),
        (None, None) => CallId::None,
    };
    let outcome = tools::call(
        &app.db,
        Call {
            site,
            caller: Caller::External,
            tool,
            arguments: &arguments,
            call_id,
            origin: &req.own_origin,
            fresh_id: fresh.ticket_id,
            now: fresh.now,
        },
    )
    .await
    .map_err(ApiError::from)?;
    let status = match outcome {
        Outcome::TicketOpened {
            replayed: false, ..
        } => 201,
        _ => 200,
    };
    Ok(Response::json(status, &outcome).notifying(site))
}
