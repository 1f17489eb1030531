//! The operators' JSON API under `/api/v1/`: one ticket read, create, every action, delete and
//! bulk, for scripts and integrations. Authenticated by an API token as
//! `Authorization: Bearer …` only — never by the dashboard's cookie, so a browser cannot be
//! tricked into calling it cross-site and no CSRF token is needed. The handlers call the same
//! service functions as the dashboard's forms, with the same permission checks.
//! Documented in `functions/openapi.json`, served at `/api/v1/openapi.json`.

use serde::{Deserialize, Serialize};
use ticketbooth_shared::Status;
use ticketbooth_shared::api::CreateTicketRequest;
use ticketbooth_shared::event::Source;
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::sla_standing::{SlaClock, Standing, Target};
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::WaitingOn;

use crate::context::operator;
use crate::context::{App, Fresh};
use crate::http::bulk;

use crate::http::error::ApiError;
use crate::http::export;
use crate::http::list_query;
use crate::http::routes::{OperatorApi, Verb};
use crate::http::ticket_input::{self, ActionInput};
use crate::http::{Body, Request, Response};
use crate::service::data_rights;
use crate::service::operator_tickets::{self, Detail, ListPage, MatchCount};
use crate::service::operators::{self, Credential, Operator, Proof};
use crate::service::summaries;
use crate::service::sync_links;
use crate::service::ticket_actions::{self, Change, OperatorTicket, Outcome};
use crate::service::{ServiceError, tickets::Created};
use crate::store::Executor;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::requester::Email;

/// The OpenAPI 3.1 document of these routes.
pub const OPENAPI: &str = include_str!("../../openapi.json");

pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    page: OperatorApi,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    if page == OperatorApi::OpenApi {
        return Ok(Response {
            body: OPENAPI.as_bytes().to_vec(),
            ..Response::json(200, &())
        });
    }
    if let OperatorApi::Action(code, Verb::Status) = &page
        && let Some(response) = status_at_once(app, req, code, fresh.now).await?
    {
        return Ok(response);
    }
    if req.method == "GET"
        && let Some(response) = read_at_once(app, req, &page, fresh.now).await?
    {
        return Ok(response);
    }
    let op = authenticate(app, req, fresh.now).await?;
    let method = req.method.as_str();
    match (page, method) {
        (OperatorApi::OpenApi, _) => Err(ApiError::NotFound),
        (OperatorApi::Tickets, "GET") => list(app, req, &op, fresh.now).await,
        (OperatorApi::Tickets, _) => create(app, req, &op, fresh).await,
        (OperatorApi::Ticket(code), "DELETE") => {
            ticket_actions::apply(&app.db, &op, &code, None, Change::Delete, fresh.now).await?;
            Ok(Response::empty(204))
        }
        (OperatorApi::Ticket(code), _) => {
            let detail = operator_tickets::detail(&app.db, &op, &code, fresh.now).await?;
            Ok(Response::json(200, &TicketDocument::of(&detail)))
        }
        (OperatorApi::Action(code, verb), _) => {
            let input: ActionInput = json_input(req)?;
            let outcome = match ticket_input::summary_change(verb, &input) {
                // Not a change of the ticket: a link for the push job (no event, no version).
                None if verb == Verb::Push => {
                    sync_links::push_by_hand(&app.db, &op, &code, fresh.now.millis()).await?
                }
                Some(summary) => {
                    match summaries::apply(&app.db, &op, &code, input.version, summary?, fresh.now)
                        .await?
                    {
                        true => Outcome::Changed,
                        false => Outcome::Unchanged,
                    }
                }
                None => {
                    let change = ticket_input::change(verb, &input, &op, &code.to_string())?;
                    ticket_actions::apply(&app.db, &op, &code, input.version, change, fresh.now)
                        .await?
                }
            };
            if outcome == Outcome::Deleted {
                return Ok(Response::empty(204));
            }
            let detail = operator_tickets::detail(&app.db, &op, &code, fresh.now).await?;
            Ok(Response::json(
                200,
                &ActionResult {
                    changed: outcome == Outcome::Changed,
                    ticket: TicketDocument::of(&detail),
                },
            )
            .handing_off(op.site_id))
        }
        (OperatorApi::Bulk, _) => bulk(app, req, &op, fresh.now).await,
        // Dispatched by `app` to `api::operator_tools`, which reads the token itself.
        (OperatorApi::Tool(_), _) => Err(ApiError::NotFound),
        (OperatorApi::Export, _) => {
            #[derive(Deserialize)]
            struct Query {
                format: Option<String>,
            }
            let query: Query = serde_urlencoded::from_str(&req.query)
                .map_err(|e| ApiError::BadQuery(e.to_string()))?;
            let format = export::Format::parse(query.format.as_deref())
                .ok_or_else(|| ApiError::BadQuery("format must be jsonl or csv".into()))?;
            export::download(&app.db, &op, format, fresh.now).await
        }
        (OperatorApi::Erase, _) => {
            #[derive(Deserialize)]
            struct EraseRequest {
                email: String,
            }
            let body: EraseRequest = json_input(req)?;
            let email = Email::parse(&body.email).map_err(|e| {
                ApiError::Validation(ValidationErrors([("email", e)].into_iter().collect()))
            })?;
            let erased = data_rights::erase(&app.db, &op, &email, fresh.now).await?;
            Ok(Response::json(
                200,
                &serde_json::json!({ "erased_tickets": erased }),
            ))
        }
        (OperatorApi::Labels, _) => {
            let tree = crate::service::labels::tree(&app.db, &op).await?;
            Ok(Response::json(200, &labels_json(&tree)))
        }
        (OperatorApi::Teams, _) => {
            let overview = crate::service::teams::overview(&app.db, &op).await?;
            Ok(Response::json(200, &teams_json(&overview)))
        }
    }
}

/// `GET /api/v1/teams`: each team with its members (and whether each is away).
fn teams_json(o: &crate::service::teams::Overview) -> serde_json::Value {
    let teams: Vec<serde_json::Value> = o
        .teams
        .iter()
        .map(|team| {
            let members: Vec<serde_json::Value> = o
                .members_of(team.id)
                .map(|m| serde_json::json!({ "id": m.operator_id, "name": m.name, "away": m.away != 0 }))
                .collect();
            serde_json::json!({ "id": team.id, "name": team.name, "members": members })
        })
        .collect();
    serde_json::json!({ "teams": teams })
}

/// `GET /api/v1/labels`: the tree as the OpenAPI document's `labels` array.
fn labels_json(tree: &[crate::service::labels::LabelNode]) -> serde_json::Value {
    let labels: Vec<serde_json::Value> = tree
        .iter()
        .map(|node| {
            let sublabels: Vec<serde_json::Value> = node
                .children
                .iter()
                .map(|c| serde_json::json!({ "label": c.label.as_ref(), "tickets": c.tickets }))
                .collect();
            serde_json::json!({
                "label": node.label.as_ref(),
                "tickets": node.tickets,
                "in_all": node.in_all,
                "sublabels": sublabels,
            })
        })
        .collect();
    serde_json::json!({ "labels": labels })
}

/// A plain status change (no comment) by a token this isolate has read before, in one D1
/// round trip (`ticket_actions::change_status_at_once`). `None` when this path does not apply
/// or its batch refused: the caller then reads the token and the ticket first, as for every
/// other action, and that path answers (with the refusal's reason, or the change).
async fn status_at_once<E: Executor>(
    app: &App<E>,
    req: &Request,
    code: &TicketCode,
    now: Timestamp,
) -> Result<Option<Response>, ApiError> {
    let Some(hash) = req.bearer_token().and_then(operators::token_hash) else {
        return Ok(None);
    };
    let Some(op) = app
        .credentials
        .get(&hash, now)
        .filter(|op| op.credential == Credential::Bearer)
    else {
        return Ok(None);
    };
    let Ok(input) = json_input::<ActionInput>(req) else {
        return Ok(None);
    };
    let Ok(Change::Status { to, comment: None }) =
        ticket_input::change(Verb::Status, &input, &op, &code.to_string())
    else {
        return Ok(None);
    };
    let changed = ticket_actions::change_status_at_once(
        &app.db,
        Proof::Token(&hash),
        &op,
        code,
        to,
        input.version,
        now,
    )
    .await?;
    let Some(detail) = changed else {
        app.credentials.forget(&hash);
        return Ok(None);
    };
    Ok(Some(
        Response::json(
            200,
            &ActionResult {
                changed: true,
                ticket: TicketDocument::of(&detail),
            },
        )
        .handing_off(op.site_id),
    ))
}

/// The list and a ticket in ONE D1 round trip for a token this isolate has read before: the
/// statements that check the token lead the read's batch (`operator::read_as_hinted`, as for
/// the dashboard's pages). `None` without a known token (the cookie never counts here), for a
/// query the list refuses, or when the batch finds the hint stale: the caller then reads the
/// token first, and that path answers.
async fn read_at_once<E: Executor>(
    app: &App<E>,
    req: &Request,
    page: &OperatorApi,
    now: Timestamp,
) -> Result<Option<Response>, ApiError> {
    if req.bearer_token().is_none() {
        return Ok(None);
    }
    match page {
        OperatorApi::Tickets => {
            let Ok(query) = list_query::parse(&req.query) else {
                return Ok(None);
            };
            let read = operator::read_as_hinted(app, req, now, |hint| {
                operator_tickets::list_statements(hint, &query, MatchCount::Total, now)
            })
            .await?;
            let Some((op, plan, answers)) = read else {
                return Ok(None);
            };
            let page = operator_tickets::list_from(&app.db, &op, &query, &plan, answers).await?;
            Ok(Some(list_json(&page)))
        }
        OperatorApi::Ticket(code) => {
            let code_text = code.to_string();
            let read = operator::read_as_hinted(app, req, now, |hint| {
                (
                    (),
                    operator_tickets::detail_statements(hint.site_id, &code_text, now),
                )
            })
            .await?;
            let Some((_, (), answers)) = read else {
                return Ok(None);
            };
            let detail = operator_tickets::detail_from(answers)?;
            Ok(Some(Response::json(200, &TicketDocument::of(&detail))))
        }
        _ => Ok(None),
    }
}

/// The bearer token's operator; the dashboard's cookie is deliberately not accepted here.
/// Remembered as a hint for `status_at_once`.
pub(crate) async fn authenticate<E: Executor>(
    app: &App<E>,
    req: &Request,
    now: Timestamp,
) -> Result<Operator, ApiError> {
    let token = req.bearer_token().ok_or(ApiError::ApiTokenRequired)?;
    match operators::authenticate(&app.db, token, now).await {
        Ok(op) => {
            if let Some(hash) = operators::token_hash(token) {
                app.credentials.put(&hash, &op, now);
            }
            Ok(op)
        }
        Err(ServiceError::NotSignedIn) => Err(ApiError::ApiTokenRequired),
        Err(other) => Err(other.into()),
    }
}

/// `POST /api/v1/tickets`: the create path every ticket takes, source `api`, assigned to the
/// token's operator unless the body names another `assignee`, with an optional `priority`; an
/// `Idempotency-Key` header is required as on the widget's route.
async fn create<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    fresh: Fresh,
) -> Result<Response, ApiError> {
    op.require(Action::CreateTicket)?;
    let key = req.idempotency_key()?;
    let request: CreateRequest = json_input(req)?;
    let ticket = NewTicket::parse(&request.ticket, false);
    let choices = ticket_input::create_choices(
        request.priority.as_deref(),
        request.assignee.as_ref().map(Option::as_deref),
        op,
    );
    let classification =
        ticket_input::create_classification(request.topic.as_deref(), request.intent.as_deref());
    // Every refused field at once, the text's, the choices' and the classification's.
    let (ticket, (priority, assignee), classification) = match (ticket, choices, classification) {
        (Ok(ticket), Ok(choices), Ok(classification)) => (ticket, choices, classification),
        (ticket, choices, classification) => {
            let mut errors = ticket.err().unwrap_or_default();
            errors.0.extend(choices.err().unwrap_or_default().0);
            errors.0.extend(classification.err().unwrap_or_default().0);
            return Err(ServiceError::Validation(errors).into());
        }
    };
    let created = ticket_actions::create(
        &app.db,
        op,
        OperatorTicket {
            priority,
            assignee,
            ticket,
            source: Source::Api,
            conversation: None,
            idempotency_key: key,
            fresh_id: fresh.ticket_id,
            now: fresh.now,
            classification,
        },
    )
    .await?;
    let status = match created {
        Created::New { .. } => 201,
        Created::Replayed(_) => 200,
    };
    let code = TicketCode::parse(ticket_actions::created_code(&created))
        .map_err(|_| ApiError::Internal("a created ticket's code does not parse".into()))?;
    let detail = operator_tickets::detail(&app.db, op, &code, fresh.now).await?;
    let mut response = Response::json(status, &TicketDocument::of(&detail));
    response.follow_up = Some(crate::http::FollowUp::Notify {
        site_id: op.site_id,
    });
    Ok(response)
}

/// `POST /api/v1/tickets`'s body: the widget's create request and the operator's choices.
#[derive(Deserialize)]
struct CreateRequest {
    #[serde(flatten)]
    ticket: CreateTicketRequest,
    #[serde(default)]
    priority: Option<String>,
    /// Absent: the creator; `null`: unassigned (as the assign action reads it).
    #[serde(default, deserialize_with = "present")]
    assignee: Option<Option<String>>,
    /// Absent, null or blank: unclassified.
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    intent: Option<String>,
}

/// A field that was sent, `null` included (serde reads an absent one as the default, `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct BulkRequest {
    codes: Vec<String>,
    /// A verb: `status`, `priority`, `assign`, `labels-add`, `labels-remove`, `spam`, `delete`,
    /// `classify`.
    action: String,
    #[serde(flatten)]
    input: ActionInput,
}

/// `POST /api/v1/tickets/bulk` (see `bulk::run`).
async fn bulk<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let body: BulkRequest = json_input(req)?;
    let verb = bulk::verb(&body.action)?;
    let result = bulk::run(&app.db, op, verb, &body.codes, &body.input, now).await?;
    Ok(Response::json(200, &result))
}

/// A JSON body parsed into `T`; an empty body reads as `{}`.
pub(super) fn json_input<T: serde::de::DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes = match &req.body {
        Body::Bytes(bytes) => bytes.as_slice(),
        Body::TooLarge => return Err(ApiError::PayloadTooLarge),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return serde_json::from_str("{}").map_err(|e| ApiError::MalformedJson(e.to_string()));
    }
    let content_type = req.header("content-type").unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// `GET /api/v1/tickets?…`: the list, with the dashboard's filters (`shared::ticket_query`)
/// and cursor.
async fn list<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let query = list_query::parse(&req.query).map_err(ApiError::Validation)?;
    let page = operator_tickets::list(&app.db, op, &query, MatchCount::Total, now).await?;
    Ok(list_json(&page))
}

/// A page of the list as the API answers it.
fn list_json(page: &ListPage) -> Response {
    Response::json(200, &list_document(page))
}

/// A page of the list as the API and the agents' `list_tickets` give it.
pub(super) fn list_document(page: &ListPage) -> TicketListJson {
    let at = Timestamp::from_millis;
    let tickets = page
        .rows
        .iter()
        .map(|r| TicketSummaryJson {
            id: r.id.clone(),
            code: r.code.clone(),
            subject: r.subject.clone(),
            status: r.status.clone(),
            priority: r.priority.clone(),
            source: r.source.clone(),
            requester: RequesterJson {
                name: r.requester_name.clone(),
                email: r.requester_email.clone(),
            },
            assignee: r.assignee_id.as_ref().map(|id| PersonJson {
                id: id.clone(),
                name: r.assignee_name.clone(),
            }),
            labels: r
                .labels
                .as_deref()
                .unwrap_or("")
                .split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            topic: r.topic.clone(),
            intent: r.intent.clone(),
            snoozed_until: r.snoozed_until.map(at),
            spam: r.is_spam != 0,
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.updated_at,
            waiting_on: r.waiting_on.clone(),
            team: r.team_id.map(|id| TeamJson {
                id,
                name: r.team_name.clone(),
            }),
            sla: SlaJson::of(&r.sla.clock(&r.status), page.now_ms),
        })
        .collect();
    TicketListJson {
        tickets,
        total: page.total,
        next_cursor: page.next.as_ref().map(list_query::encode_cursor),
        previous_cursor: page.previous.as_ref().map(list_query::encode_cursor),
    }
}

/// A page of the list.
#[derive(Serialize)]
pub(super) struct TicketListJson {
    tickets: Vec<TicketSummaryJson>,
    /// Matches on all pages.
    total: i64,
    /// Pass as `cursor` (with the same filters and `sort`) for the next or previous page.
    next_cursor: Option<String>,
    previous_cursor: Option<String>,
}

/// A ticket as the list shows it (no description, comments or events).
#[derive(Serialize)]
struct TicketSummaryJson {
    id: String,
    code: String,
    subject: String,
    status: String,
    priority: String,
    source: String,
    requester: RequesterJson,
    assignee: Option<PersonJson>,
    labels: Vec<String>,
    /// Slugs, `null` when unset.
    topic: Option<String>,
    intent: Option<String>,
    snoozed_until: Option<Timestamp>,
    spam: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: i64,
    /// `team` or `customer` while pending, else null.
    waiting_on: Option<String>,
    /// The team that works it, or null.
    team: Option<TeamJson>,
    /// Where it stands against its SLA, or null when no clock runs (none set, or resolved).
    sla: Option<SlaJson>,
}

#[derive(Serialize)]
struct TeamJson {
    id: i64,
    name: Option<String>,
}

/// A row's SLA standing (`shared::sla_standing`).
#[derive(Serialize)]
struct SlaJson {
    /// `running`, `overdue` (breached: a target missed and not met) or `paused`.
    state: &'static str,
    /// `first_response` or `resolution`: the target the state is about.
    target: &'static str,
    /// When it is (or was) due; null while paused, or for a missed target no longer timed.
    due_at: Option<Timestamp>,
    /// Running or paused: the time left, in milliseconds.
    left_ms: Option<i64>,
    /// Overdue: by how long, in milliseconds (null when not known).
    overdue_ms: Option<i64>,
    breached: bool,
}

impl SlaJson {
    fn of(clock: &SlaClock, now_ms: i64) -> Option<Self> {
        let at = Timestamp::from_millis;
        let breached = clock.breached(now_ms);
        clock.standing(now_ms).map(|standing| match standing {
            Standing::Overdue {
                target,
                due_at,
                by_ms,
            } => SlaJson {
                state: standing.state(),
                target: target.as_str(),
                due_at: due_at.map(at),
                left_ms: None,
                overdue_ms: by_ms,
                breached,
            },
            Standing::Left {
                target,
                due_at,
                left_ms,
            } => SlaJson {
                state: standing.state(),
                target: target.as_str(),
                due_at: Some(at(due_at)),
                left_ms: Some(left_ms),
                overdue_ms: None,
                breached,
            },
            Standing::Paused { left_ms } => SlaJson {
                state: standing.state(),
                target: Target::Resolution.as_str(),
                due_at: None,
                left_ms: Some(left_ms),
                overdue_ms: None,
                breached,
            },
        })
    }
}

/// `{ "changed": bool, "ticket": … }`: the answer to an action.
#[derive(Serialize)]
pub(super) struct ActionResult {
    pub(super) changed: bool,
    pub(super) ticket: TicketDocument,
}

/// One ticket as an operator sees it, with its comments, labels and events.
#[derive(Serialize)]
pub struct TicketDocument {
    ticket: TicketJson,
    comments: Vec<CommentJson>,
    events: Vec<EventJson>,
}

#[derive(Serialize)]
struct TicketJson {
    id: String,
    code: String,
    subject: String,
    description: String,
    summary: Option<String>,
    status: String,
    priority: String,
    source: String,
    requester: RequesterJson,
    assignee: Option<PersonJson>,
    labels: Vec<String>,
    /// Slugs, `null` when unset.
    topic: Option<String>,
    intent: Option<String>,
    snoozed_until: Option<Timestamp>,
    spam: bool,
    sync: Option<SyncJson>,
    created_at: Timestamp,
    updated_at: Timestamp,
    resolved_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
    /// `updated_at` in milliseconds: send it back as `version` to refuse a stale edit.
    version: i64,
    /// Whom a pending ticket waits on; null for every other status.
    waiting_on: Option<WaitingOn>,
}

#[derive(Serialize)]
struct RequesterJson {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Serialize)]
struct PersonJson {
    id: String,
    name: Option<String>,
}

#[derive(Serialize)]
struct SyncJson {
    platform: String,
    remote_id: String,
    synced_at: Option<Timestamp>,
}

#[derive(Serialize)]
struct CommentJson {
    id: i64,
    visibility: String,
    author: AuthorJson,
    body: String,
    created_at: Timestamp,
}

#[derive(Serialize)]
struct AuthorJson {
    kind: String,
    id: Option<String>,
    name: String,
}

#[derive(Serialize)]
struct EventJson {
    kind: String,
    data: serde_json::Value,
    actor: serde_json::Value,
    created_at: Timestamp,
}

impl TicketDocument {
    pub fn of(detail: &Detail) -> Self {
        let t = &detail.ticket;
        let at = Timestamp::from_millis;
        let json = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        Self {
            ticket: TicketJson {
                id: t.id.clone(),
                code: t.code.clone(),
                subject: t.subject.clone(),
                description: t.description.clone(),
                summary: t.summary.clone(),
                status: t.status.clone(),
                priority: t.priority.clone(),
                source: t.source.clone(),
                requester: RequesterJson {
                    name: t.requester_name.clone(),
                    email: t.requester_email.clone(),
                },
                assignee: t.assignee_id.as_ref().map(|id| PersonJson {
                    id: id.clone(),
                    name: detail.name_of(id).map(str::to_owned),
                }),
                labels: detail.labels.clone(),
                topic: t.topic.clone(),
                intent: t.intent.clone(),
                snoozed_until: t.snoozed_until.map(at),
                spam: t.is_spam != 0,
                sync: t.sync_platform.clone().zip(t.sync_remote_id.clone()).map(
                    |(platform, remote_id)| SyncJson {
                        platform,
                        remote_id,
                        synced_at: t.synced_at.map(at),
                    },
                ),
                created_at: at(t.created_at),
                updated_at: at(t.updated_at),
                resolved_at: t.resolved_at.map(at),
                closed_at: t.closed_at.map(at),
                version: t.updated_at,
                waiting_on: Status::parse(&t.status)
                    .ok()
                    .and_then(|s| WaitingOn::of(s, t.waiting_on_customer != 0)),
            },
            comments: detail
                .comments
                .iter()
                .map(|c| CommentJson {
                    id: c.id,
                    visibility: c.visibility.clone(),
                    author: AuthorJson {
                        kind: c.author_kind.clone(),
                        id: c.author_id.clone(),
                        name: c.author_name.clone(),
                    },
                    body: c.body.clone(),
                    created_at: at(c.created_at),
                })
                .collect(),
            events: detail
                .events
                .iter()
                .map(|e| EventJson {
                    kind: e.kind.clone(),
                    data: json(&e.data),
                    actor: json(&e.actor),
                    created_at: at(e.created_at),
                })
                .collect(),
        }
    }
}
