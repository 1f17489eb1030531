//! The widget's ticket routes under `/api/v1/sites/{site}/tickets`: a visitor's create (from
//! the form, or out of their conversation with `?conversation_id=`), their list and one
//! ticket. The create checks, in order: the write budget, the body, the signed identity, the
//! human check, then writes once (`service::tickets::create`, idempotent on its key).

use ticketbooth_shared::api::{
    CreateTicketRequest, CreateTicketResponse, VisitorTicketList, field,
};
use ticketbooth_shared::event::{Actor, Source};
use ticketbooth_shared::ids::{ConversationId, TicketId, VisitorId};
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::timestamp::Timestamp;

use crate::context::visitor::{Budget, begin_keyed_write, token_key, visitor_from_token};
use crate::context::{App, Fresh};
use crate::crypto::identity_token::{self, Identity, IdentitySecret};
use crate::http::error::ApiError;
use crate::http::{Request, Response, visitor_json};
use crate::integrations::turnstile;
use crate::service::site_secrets::{self, Sealer, SecretName};
use crate::service::sites::Site;
use crate::service::tickets::{self, CreateTicket, Created};
use crate::service::turnstile_keys::TurnstileKeys;
use crate::service::{ServiceError, conversations};
use crate::store::Executor;

/// `GET /api/v1/sites/{site}/tickets` — the visitor's own tickets.
pub async fn list<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    let visitor = visitor_from_token(app, req, &site.key, fresh.now)?;
    let rows = tickets::list_for_visitor(&app.db, site, &visitor.id).await?;
    let tickets = rows
        .into_iter()
        .map(tickets::visitor_view)
        .collect::<Result<_, _>>()?;
    Ok(visitor.renew(Response::json(200, &VisitorTicketList { tickets })))
}

/// `GET /api/v1/sites/{site}/tickets/{id}` — one of the visitor's tickets.
pub async fn read<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    id: &TicketId,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    let visitor = visitor_from_token(app, req, &site.key, fresh.now)?;
    let row = tickets::find_for_visitor(&app.db, site, &visitor.id, id).await?;
    Ok(visitor.renew(Response::json(200, &tickets::visitor_view(row)?)))
}

/// The fields of a create a wrong JSON type is reported on (422), as `ErrorDetail::fields`.
const CREATE_FIELDS: [&str; 7] = [
    field::SUBJECT,
    field::DESCRIPTION,
    "requester",
    field::REQUESTER_NAME,
    field::REQUESTER_EMAIL,
    field::TRANSCRIPT,
    "turnstile_token",
];

/// `POST /api/v1/sites/{site}/tickets` — the widget's create.
pub async fn create<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    let (body, key) = begin_keyed_write(app, req, site, Budget::Write).await?;
    let mut request: CreateTicketRequest = visitor_json::parse(body, &CREATE_FIELDS)?;
    let token_key = token_key(app)?;
    // The site's secrets are opened only when this request uses them.
    let sealer = Sealer::new(
        &app.secrets,
        fresh.random(b"site secrets"),
        fresh.now.millis(),
    );
    let identity = signed_identity(app, req, site, &sealer, fresh.now).await?;
    // A returning visitor keeps their identity; a missing, expired or forged token must not
    // cost the visitor their ticket, so it simply starts a new identity. A signed identity
    // proves its own visitor, the same one on every device.
    let proven = match &identity {
        Some(identity) => Some(identity.visitor.clone()),
        None => req
            .bearer_token()
            .and_then(|token| token_key.verify(&site.key, token, fresh.now).ok())
            .map(|verified| verified.visitor),
    };
    let visitor = proven.clone().unwrap_or(fresh.visitor_id);
    if identity.is_some() {
        // The requester is who the site says, not what the form says.
        request.requester = None;
    }
    // `?conversation_id=` (a query parameter, so the request body's wire type is unchanged):
    // the ticket grows out of the visitor's own conversation, takes its transcript and is
    // linked to it. Only a visitor who proves the conversation is theirs may name it.
    let conversation = match conversation_of(req)? {
        None => None,
        Some(id) => {
            let visitor = proven.as_ref().ok_or(ApiError::Unauthorized)?;
            let reader = conversations::Reader::Visitor(visitor);
            Some(conversations::find(&app.db, site, reader, &id, fresh.now).await?)
        }
    };
    // Contact details given in the chat fill what the form left empty.
    if let Some(row) = conversation.as_ref().filter(|_| identity.is_none()) {
        let given = request.requester.get_or_insert_default();
        for (field, kept) in [
            (&mut given.name, &row.requester_name),
            (&mut given.email, &row.requester_email),
        ] {
            if let Some(kept) = kept.as_ref().filter(|_| field.trim().is_empty()) {
                kept.clone_into(field);
            }
        }
    }
    let mut ticket = NewTicket::parse(&request, site.contact_required && identity.is_none())
        .map_err(ServiceError::Validation)?;
    // The human check comes after the cheap checks (a form with errors spends no siteverify
    // call) and before anything is written.
    if let Some(turnstile) = &site.turnstile {
        let secret = take_secret(
            app,
            &sealer,
            site,
            SecretName::TurnstileSecret,
            &turnstile.secret,
        )
        .await?;
        let keys = TurnstileKeys::from_parts(turnstile.site_key.clone(), secret);
        turnstile::verify(
            app.outbound.as_ref(),
            &app.turnstile_verify_url,
            &keys,
            request.turnstile_token.as_deref(),
            req.header("cf-connecting-ip"),
            key.as_ref(),
        )
        .await
        .map_err(ApiError::Turnstile)?;
    }
    if let Some(identity) = identity {
        ticket.requester.name = identity.name;
        ticket.requester.email = identity.email;
    }
    let conversation = match conversation {
        None => None,
        Some(row) => {
            let messages = conversations::all_messages(&app.db, site, &row).await?;
            ticket.transcript = conversations::transcript(&messages);
            Some(row.id)
        }
    };
    let created = tickets::create(
        &app.db,
        CreateTicket {
            conversation: conversation.as_deref(),
            site,
            ticket,
            source: Source::Widget,
            idempotency_key: key,
            actor: Actor::Visitor {
                visitor_id: visitor.as_ref().to_owned(),
            },
            visitor: Some(visitor),
            assignee: None,
            assignee_chosen: false,
            priority: ticketbooth_shared::Priority::Normal,
            summary: None,
            classification: Default::default(),
            // Without a conversation, the transcript is whatever the browser sent.
            transcript_from_visitor: conversation.is_none(),
            fresh_id: fresh.ticket_id,
            now: fresh.now,
        },
    )
    .await?;
    let mut live = None;
    let (status, row) = match created {
        Created::New { ticket, card } => {
            if let (Some(card), Some(conversation)) = (&card, &conversation) {
                live = Some(crate::http::broadcast(conversation, card)?);
            }
            (201, ticket)
        }
        Created::Replayed(row) => (200, row),
    };
    let owner = row
        .visitor_id
        .as_deref()
        .and_then(|v| VisitorId::parse(v).ok());
    let owner = owner
        .ok_or_else(|| ApiError::Internal(format!("widget ticket {} has no visitor", row.id)))?;
    // A new ticket's token goes to its creator; a replay's only to whoever already proves
    // that visitor (the request alone, key and body, is not a credential).
    let visitor_token = (status == 201 || proven.as_ref() == Some(&owner))
        .then(|| token_key.sign(&site.key, &owner, fresh.now));
    let response = CreateTicketResponse {
        visitor_token,
        ticket: tickets::visitor_view(row)?,
    };
    let mut response = Response::json(status, &response).notifying(site);
    // The conversation's live room shows the ticket's card at once.
    response.live = live;
    Ok(response)
}

/// The request's signed identity (`Ticketbooth-Identity`), if it has one. It must be valid: a
/// refused one is an error the site's developers need to see (unlike a stale visitor token).
/// The ticket create and the chat's start both take it.
pub(super) async fn signed_identity<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    sealer: &Sealer<'_>,
    now: Timestamp,
) -> Result<Option<Identity>, ApiError> {
    let Some(jwt) = req.header(identity_token::HEADER) else {
        return Ok(None);
    };
    let secret = match &site.identity_secret {
        None => None,
        Some(stored) => {
            Some(take_secret(app, sealer, site, SecretName::IdentitySecret, stored).await?)
        }
    };
    let secret = secret.and_then(IdentitySecret::from_stored);
    identity_token::verify(jwt, secret.as_ref(), &site.key, now)
        .map(Some)
        .map_err(ApiError::IdentityInvalid)
}

/// A site's secret opened for this request (`site_secrets::take`); when a clear one from
/// before migration 0018 was sealed meanwhile, this isolate's cached site is dropped.
async fn take_secret<E: Executor>(
    app: &App<E>,
    sealer: &Sealer<'_>,
    site: &Site,
    name: SecretName,
    stored: &site_secrets::Stored,
) -> Result<String, ApiError> {
    let (secret, changed) = site_secrets::take(&app.db, sealer, site.id, name, stored).await?;
    if changed {
        app.sites.invalidate(&site.key);
    }
    Ok(secret)
}

/// The `conversation_id` query parameter of a create, if any (404 when it is no id).
fn conversation_of(req: &Request) -> Result<Option<ConversationId>, ApiError> {
    #[derive(serde::Deserialize)]
    struct Query {
        conversation_id: Option<String>,
    }
    let query: Query = serde_urlencoded::from_str(&req.query).map_err(|_| ApiError::NotFound)?;
    query
        .conversation_id
        .map(|id| ConversationId::parse(&id).map_err(|_| ApiError::NotFound))
        .transpose()
}
