//! `POST /api/v1/sync/{connection id}/webhook`: a help desk (Zendesk, Gorgias) tells us what
//! changed on a remote ticket. Server to server: no session, no CORS. The connection's
//! connector verifies the delivery with the connection's webhook secret (signature and
//! timestamp where the platform signs; `integrations::sync::Connector::verify`) before its
//! body is read as changes, and `service::sync_pull` applies them, refusing a replayed event.
//!
//! No rate limit of its own: the limit bindings count a site's visitors by IP, and a help
//! desk sends its bursts from a few addresses; a request that is not signed with the secret
//! costs one indexed read and an HMAC, and writes nothing.

use serde_json::json;

use crate::context::{App, Fresh};
use crate::http::error::{ApiError, WebhookRefusal};
use crate::http::{Body, Request, Response};
use crate::integrations::sync::{Hook, HookRefused, connector};
use crate::service::site_secrets::Sealer;
use crate::service::sync_connections;
use crate::service::sync_pull::{self, Outcome};
use crate::store::Executor;

pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    connection_id: i64,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let body = match &req.body {
        Body::Bytes(bytes) => bytes.as_slice(),
        Body::TooLarge => return Err(ApiError::PayloadTooLarge),
    };
    let now = fresh.now;
    let sealer = Sealer::new(&app.secrets, fresh.random(b"site secrets"), now.millis());
    let connection = sync_connections::for_hook(&app.db, &sealer, connection_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let secret = connection
        .webhook_secret
        .as_deref()
        .ok_or(ApiError::WebhookRefused(WebhookRefusal::SecretMissing))?;
    let hook = Hook {
        headers: &req.headers,
        body,
    };
    let platform = connector(connection.platform);
    platform
        .verify(&hook, secret, now.millis())
        .map_err(refused)?;
    let pulled = platform.read_hook(&hook).map_err(refused)?;
    let answer = match sync_pull::apply(&app.db, &connection, &pulled, now).await? {
        Outcome::Applied { applied } => json!({ "ok": true, "applied": applied }),
        Outcome::Duplicate => json!({ "ok": true, "duplicate": true }),
    };
    Ok(Response::json(200, &answer))
}

fn refused(refusal: HookRefused) -> ApiError {
    ApiError::WebhookRefused(match refusal {
        HookRefused::MissingHeader(name) => WebhookRefusal::MissingSignature(name),
        HookRefused::BadSignature => WebhookRefusal::BadSignature,
        HookRefused::Stale => WebhookRefusal::StaleTimestamp,
        HookRefused::Unreadable(detail) => WebhookRefusal::InvalidPayload(detail),
    })
}
