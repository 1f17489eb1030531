//! Working a ticket: every operator action on one existing ticket, and an operator's own new
//! ticket. The dashboard's forms, the JSON API and bulk all come through `apply`.
//!
//! Each action reads the ticket, asks `Role::permits` (with whose ticket it is), checks the
//! version the operator saw and the request itself (the transition table, membership of an
//! assignee, a snooze in the future), then writes ONE batch whose first statement is its event,
//! guarded on the version (`ticket_events::insert_guarded`): state and event are written
//! together or not at all, and a stale edit writes nothing.

use ticketbooth_shared::classification::{Classification, Intent, Topic};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::{Actor, Classes, CommentVisibility, EventKind, Source};
use ticketbooth_shared::ids::{IdempotencyKey, TicketId, VisitorId};
use ticketbooth_shared::label::Label;
use ticketbooth_shared::new_ticket::NewTicket;
use ticketbooth_shared::role::{Action, Ownership, Role};
use ticketbooth_shared::sla::{Clock, Policy};
use ticketbooth_shared::sync_ref::{RemoteId, SyncPlatform};
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::ticket_text::{Description, Subject};
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::{NotPending, WaitingOn};
use ticketbooth_shared::{Priority, Status};

use super::conversations;
use super::mail;
use super::operator_tickets::{self, Detail};
use super::operators::{Operator, Proof};
use super::sessions;
use super::sites;
use super::sla;
use super::tickets::{self, CreateTicket, Created};
use super::{Refusal, ServiceError};
use crate::sql::comments::{self, NewComment};
use crate::sql::conversations::ConversationRow;
use crate::sql::messages;
use crate::sql::site_members::{self, MemberRow};
use crate::sql::teams::{self as teams_sql, TeamRow};
use crate::sql::ticket_events::{Credential, StatusChangeCheck};
use crate::sql::tickets::{DetailRow, VisitorTicketRow};
use crate::sql::{
    idempotency_keys, labels, notifications, operator_tokens, ticket_conversations, ticket_events,
    ticket_search, tickets as tickets_sql,
};
use crate::store::{Executor, Statement, StoreError, decode, decode_first};

/// A comment as an operator writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub visibility: CommentVisibility,
    pub body: CommentBody,
}

/// One change to one ticket, already parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A move along the status table, optionally explained by a comment.
    Status {
        to: Status,
        comment: Option<Comment>,
    },
    Priority(Priority),
    /// An operator id, or `None` to unassign.
    Assign(Option<String>),
    /// Fields left `None` keep their value.
    Edit {
        subject: Option<Subject>,
        description: Option<Description>,
    },
    AddLabel(Label),
    RemoveLabel(Label),
    Comment(Comment),
    /// Hidden from active views until then; `None` wakes it now.
    Snooze(Option<Timestamp>),
    Spam(bool),
    Sync {
        platform: SyncPlatform,
        remote_id: RemoteId,
    },
    Delete,
    /// A pending ticket now waits on this side (refused, `NotPending`, for any other status).
    Waiting(WaitingOn),
    /// A reply to the customer that also leaves the ticket waiting on them: an open ticket
    /// moves to pending, a pending one waits on the customer; one batch with every event.
    ReplyAndWait(CommentBody),
    /// Sets, changes or clears the topic and intent: the outer `None` keeps a field as it is,
    /// `Some(None)` clears it.
    Classify {
        topic: Option<Option<Topic>>,
        intent: Option<Option<Intent>>,
    },
    /// Puts the ticket in a team of the site, or (`None`) out of any.
    Team(Option<TeamRef>),
}

/// A team as a request names it: by id (forms, the API) or by name (an agent's tool call).
#[derive(Debug, Clone, PartialEq)]
pub enum TeamRef {
    Id(i64),
    Name(ticketbooth_shared::routing::TeamName),
}

impl Change {
    /// What the role table calls this change.
    pub fn action(&self) -> Action {
        match self {
            Change::Status { .. } | Change::Snooze(_) => Action::ChangeStatus,
            Change::Priority(_) => Action::ChangePriority,
            Change::Assign(_) | Change::Team(_) => Action::Assign,
            Change::Edit { .. } | Change::Sync { .. } | Change::Classify { .. } => {
                Action::EditFields
            }
            Change::AddLabel(_) | Change::RemoveLabel(_) => Action::EditLabels,
            Change::Comment(c) => comment_action(c.visibility),
            Change::Spam(_) => Action::MarkSpam,
            Change::Delete => Action::DeleteTicket,
            Change::Waiting(_) | Change::ReplyAndWait(_) => Action::ChangeStatus,
        }
    }
}

fn comment_action(visibility: CommentVisibility) -> Action {
    match visibility {
        CommentVisibility::Internal => Action::CommentInternal,
        CommentVisibility::Public => Action::CommentPublic,
    }
}

/// What an accepted action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// State and event were written.
    Changed,
    /// The ticket already was as asked (same priority, label already there…): nothing written,
    /// no event.
    Unchanged,
    Deleted,
}

/// Applies `change` to the ticket `code` of the operator's site. `seen_version` is the
/// `updated_at` the operator's view was built from (the forms carry it; API clients may send
/// it): when the ticket changed since, the action is refused as stale and writes nothing.
/// Without it, the version read here guards against changes racing this request.
pub async fn apply<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    seen_version: Option<i64>,
    change: Change,
    now: Timestamp,
) -> Result<Outcome, ServiceError> {
    op.require(Action::ViewTickets)?;
    let ticket = load(db, op, code).await?;
    let ownership = Ownership::of(ticket.assignee_id.as_deref(), &op.id);
    let mut needed = vec![change.action()];
    if let Change::Status {
        comment: Some(c), ..
    } = &change
    {
        needed.push(comment_action(c.visibility));
    }
    if let Change::ReplyAndWait(_) = &change {
        needed.push(Action::CommentPublic);
    }
    if needed.iter().any(|a| !op.role.permits(*a, ownership)) {
        return Err(ServiceError::Forbidden);
    }
    let version = ticket.updated_at;
    if seen_version.is_some_and(|seen| seen != version) {
        return Err(ServiceError::StaleEdit);
    }
    // The new version must differ from the old even within one millisecond.
    let now_ms = now.millis().max(version + 1);
    let deleting = change == Change::Delete;
    let clock_moves = sla_moves(op, &ticket, &change, now_ms);
    let plan = plan(db, op, &ticket, change, now, now_ms).await?;
    let Some((first_event, mut statements)) = plan else {
        return Ok(Outcome::Unchanged);
    };
    statements.extend(clock_moves);
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let guard = ticket_events::insert_guarded(
        op.site_id,
        &ticket.id,
        &first_event,
        &actor,
        now_ms,
        version,
    )?;
    statements.insert(0, guard);
    match db.batch(statements).await {
        Ok(_) if deleting => Ok(Outcome::Deleted),
        Ok(_) => Ok(Outcome::Changed),
        // The guard refused: tell "someone else changed it" from a real fault by looking.
        Err(StoreError::CheckViolation(detail)) => {
            let now: Option<DetailRow> = decode_first(
                db.query(tickets_sql::find_by_code(op.site_id, &ticket.code))
                    .await?,
            )?;
            match now {
                None => Err(ServiceError::TicketNotFound),
                Some(row) if row.updated_at != version => Err(ServiceError::StaleEdit),
                Some(_) => Err(StoreError::Database(detail).into()),
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// A status change in ONE round trip: the decision (the credential still names `op` with its
/// role, the role may change this ticket, the table allows the move, the version is the one
/// seen), the event, the change, the credential's last use and the ticket as it now is, all in
/// one batch (`ticket_events::insert_status_change_checked`). `op` is whom the credential
/// named when this isolate last read it (`credential_cache`): a hint the batch checks.
///
/// `Ok(None)` when the batch refused: nothing was written, and the caller takes the path that
/// reads the token and the ticket first (`apply`), which either says why or, when only the hint
/// was stale, makes the change.
pub async fn change_status_at_once<E: Executor>(
    db: &E,
    proof: Proof<'_>,
    op: &Operator,
    code: &TicketCode,
    to: Status,
    seen_version: Option<i64>,
    now: Timestamp,
) -> Result<Option<Detail>, ServiceError> {
    let json = |items: Vec<&str>| serde_json::to_string(&items).unwrap_or_default();
    let ownerships = Ownership::ALL
        .into_iter()
        .filter(|o| {
            op.role.permits(Action::ViewTickets, *o) && op.role.permits(Action::ChangeStatus, *o)
        })
        .map(|o| match o {
            Ownership::Mine => "mine",
            Ownership::Others => "others",
            Ownership::Unassigned => "unassigned",
        })
        .collect();
    let from = Status::ALL
        .into_iter()
        .filter(|s| s.transition(to).is_ok())
        .map(Status::as_str)
        .collect();
    let code_text = code.to_string();
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let now_ms = now.millis();
    let (credential, touch) = match proof {
        Proof::Token(hash) => (
            Credential::Token { hash },
            operator_tokens::touch(hash, now_ms),
        ),
        Proof::Session(hash) => {
            let (seen_since_ms, created_since_ms) = sessions::live_since(now);
            let credential = Credential::Session {
                hash,
                seen_since_ms,
                created_since_ms,
            };
            (credential, sessions::renewal(hash, now))
        }
    };
    let guard = ticket_events::insert_status_change_checked(&StatusChangeCheck {
        site_id: op.site_id,
        code: &code_text,
        to: to.as_str(),
        credential,
        operator_id: &op.id,
        role: op.role.as_str(),
        ownerships_json: json(ownerships),
        from_json: json(from),
        seen_version,
        actor: &actor,
        now_ms,
    })?;
    let mut statements = vec![
        guard,
        tickets_sql::set_status_by_code(op.site_id, &code_text, to.as_str(), now_ms),
        touch,
    ];
    if to == Status::Resolved {
        statements.extend(mail::resolved_by_code(op.site_id, &code_text, now_ms));
    }
    let writes = statements.len();
    statements.extend(operator_tickets::detail_statements(
        op.site_id, &code_text, now,
    ));
    match db.batch(statements).await {
        Ok(results) => Ok(Some(operator_tickets::detail_from(
            results.into_iter().skip(writes).collect(),
        )?)),
        Err(StoreError::CheckViolation(_)) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// The ticket's row, or `TicketNotFound` (also for another site's code: the query is scoped).
pub async fn load<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
) -> Result<DetailRow, ServiceError> {
    let row: Option<DetailRow> = decode_first(
        db.query(tickets_sql::find_by_code(op.site_id, &code.to_string()))
            .await?,
    )?;
    row.ok_or(ServiceError::TicketNotFound)
}

/// The action's first event (the guard) and the rest of its batch; `None` when there is
/// nothing to change.
async fn plan<E: Executor>(
    db: &E,
    op: &Operator,
    t: &DetailRow,
    change: Change,
    now: Timestamp,
    now_ms: i64,
) -> Result<Option<(EventKind, Vec<Statement>)>, ServiceError> {
    let (site, id) = (op.site_id, t.id.as_str());
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let shape = |what: &str| StoreError::RowShape(format!("ticket {}: {what}", t.id));
    let planned = match change {
        Change::Status { to, comment } => {
            let from = Status::parse(&t.status).map_err(|_| shape("status"))?;
            from.transition(to)
                .map_err(ServiceError::TransitionRefused)?;
            let mut statements = vec![tickets_sql::set_status(site, id, to.as_str(), now_ms)];
            if let Some(comment) = comment {
                let event = EventKind::CommentAdded {
                    visibility: comment.visibility,
                };
                statements.push(ticket_events::insert(site, id, &event, &actor, now_ms)?);
                statements.extend(comment_rows(op, id, &comment, now_ms));
            }
            if to == Status::Resolved {
                statements.extend(mail::resolved(site, id, now_ms));
            }
            (EventKind::StatusChanged { from, to }, statements)
        }
        Change::Priority(to) => {
            let from = Priority::parse(&t.priority).map_err(|_| shape("priority"))?;
            if from == to {
                return Ok(None);
            }
            let set = tickets_sql::set_priority(site, id, to.as_str(), now_ms);
            (EventKind::PriorityChanged { from, to }, vec![set])
        }
        Change::Assign(to) => {
            if to == t.assignee_id {
                return Ok(None);
            }
            if let Some(assignee) = &to {
                check_assignee(db, site, assignee).await?;
            }
            let mut statements = vec![tickets_sql::set_assignee(site, id, to.as_deref(), now_ms)];
            if let Some(assignee) = &to {
                statements.extend(mail::assigned(site, id, assignee, Some(&op.id), now_ms));
            }
            let event = EventKind::Assigned {
                from: t.assignee_id.clone(),
                to,
                rule: None,
            };
            (event, statements)
        }
        Change::Edit {
            subject,
            description,
        } => {
            let subject = subject.map_or(t.subject.clone(), |s| s.as_ref().to_owned());
            let description = description.map_or(t.description.clone(), |d| d.as_ref().to_owned());
            let mut fields = Vec::new();
            if subject != t.subject {
                fields.push("subject".to_owned());
            }
            if description != t.description {
                fields.push("description".to_owned());
            }
            if fields.is_empty() {
                return Ok(None);
            }
            let set = tickets_sql::set_text(site, id, &subject, &description, now_ms);
            let index = ticket_search::refresh(site, id);
            (EventKind::Updated { fields }, vec![set, index])
        }
        Change::AddLabel(label) => {
            if current_labels(db, op, &t.code).await?.contains(&label) {
                return Ok(None);
            }
            let statements = vec![
                labels::insert(site, id, label.as_ref(), now_ms),
                tickets_sql::touch(site, id, now_ms),
            ];
            let event = EventKind::LabelAdded {
                label: label.as_ref().to_owned(),
            };
            (event, statements)
        }
        Change::RemoveLabel(label) => {
            if !current_labels(db, op, &t.code).await?.contains(&label) {
                return Ok(None);
            }
            let statements = vec![
                labels::delete(site, id, label.as_ref()),
                tickets_sql::touch(site, id, now_ms),
            ];
            let event = EventKind::LabelRemoved {
                label: label.as_ref().to_owned(),
            };
            (event, statements)
        }
        Change::Comment(comment) => {
            let event = EventKind::CommentAdded {
                visibility: comment.visibility,
            };
            (event, comment_rows(op, id, &comment, now_ms))
        }
        Change::Snooze(until) => {
            if let Some(until) = until
                && until <= now
            {
                return Err(ServiceError::SnoozeInPast);
            }
            let until_ms = until.map(Timestamp::millis);
            // Waking a ticket whose snooze already ran out changes nothing a view shows.
            let snoozed_now = t.snoozed_until.filter(|u| *u > now.millis());
            if until_ms == snoozed_now {
                return Ok(None);
            }
            let set = tickets_sql::set_snooze(site, id, until_ms, now_ms);
            (EventKind::Snoozed { until_ms }, vec![set])
        }
        Change::Spam(spam) => {
            if spam == (t.is_spam != 0) {
                return Ok(None);
            }
            let set = tickets_sql::set_spam(site, id, spam, now_ms);
            (EventKind::SpamMarked { spam }, vec![set])
        }
        Change::Sync {
            platform,
            remote_id,
        } => {
            // A connector's live link owns the reference: typing another would contradict it.
            if let Some(by) = synced_by(db, site, id).await? {
                return Err(Refusal::SyncManaged(by).into());
            }
            let set =
                tickets_sql::set_sync(site, id, platform.as_ref(), remote_id.as_ref(), now_ms);
            let event = EventKind::Synced {
                platform: platform.as_ref().to_owned(),
                remote_id: remote_id.as_ref().to_owned(),
                direction: None,
                changes: Vec::new(),
            };
            (event, vec![set])
        }
        Change::Waiting(to) => {
            let status = Status::parse(&t.status).map_err(|_| shape("status"))?;
            let from = WaitingOn::of(status, t.waiting_on_customer != 0);
            let to = to.set_on(status).map_err(ServiceError::NotPending)?;
            let Some(from) = from.filter(|from| *from != to) else {
                return Ok(None);
            };
            let set = tickets_sql::set_waiting_on(site, id, to.is_customer(), now_ms);
            (EventKind::WaitingChanged { from, to }, vec![set])
        }
        Change::ReplyAndWait(body) => {
            let status = Status::parse(&t.status).map_err(|_| shape("status"))?;
            let comment = Comment {
                visibility: CommentVisibility::Public,
                body,
            };
            let replied = EventKind::CommentAdded {
                visibility: CommentVisibility::Public,
            };
            let waits = EventKind::WaitingChanged {
                from: WaitingOn::Team,
                to: WaitingOn::Customer,
            };
            // The reply's rows touch the ticket with the same version; the status and the
            // side are set after them, so the batch ends with the ticket as asked.
            let mut statements = comment_rows(op, id, &comment, now_ms);
            let first = match WaitingOn::of(status, t.waiting_on_customer != 0) {
                Some(WaitingOn::Customer) => replied,
                Some(WaitingOn::Team) => {
                    statements.insert(
                        0,
                        ticket_events::insert(site, id, &replied, &actor, now_ms)?,
                    );
                    waits
                }
                None => {
                    let to = status
                        .transition(Status::Pending)
                        .map_err(|_| ServiceError::NotPending(NotPending { status }))?;
                    statements.insert(
                        0,
                        ticket_events::insert(site, id, &replied, &actor, now_ms)?,
                    );
                    statements.insert(1, ticket_events::insert(site, id, &waits, &actor, now_ms)?);
                    statements.push(tickets_sql::set_status(site, id, to.as_str(), now_ms));
                    EventKind::StatusChanged { from: status, to }
                }
            };
            statements.push(tickets_sql::set_waiting_on(site, id, true, now_ms));
            (first, statements)
        }
        Change::Classify { topic, intent } => {
            let from = Classes {
                topic: t.topic.clone(),
                intent: t.intent.clone(),
            };
            let slug = |v: Option<&str>| v.map(str::to_owned);
            let to = Classes {
                topic: topic.map_or(from.topic.clone(), |v| slug(v.as_ref().map(AsRef::as_ref))),
                intent: intent.map_or(from.intent.clone(), |v| slug(v.as_ref().map(AsRef::as_ref))),
            };
            if to == from {
                return Ok(None);
            }
            let set = tickets_sql::set_classification(
                site,
                id,
                to.topic.as_deref(),
                to.intent.as_deref(),
                now_ms,
            );
            (EventKind::Classified { from, to }, vec![set])
        }
        Change::Team(to) => {
            let teams: Vec<TeamRow> = db
                .query(teams_sql::list(site))
                .await?
                .into_iter()
                .map(decode)
                .collect::<Result<_, _>>()?;
            let to = match to {
                None => None,
                Some(want) => Some(
                    teams
                        .iter()
                        .find(|team| match &want {
                            TeamRef::Id(id) => team.id == *id,
                            TeamRef::Name(name) => team.name.eq_ignore_ascii_case(name.as_ref()),
                        })
                        .ok_or(super::Refusal::TeamNotFound)?,
                ),
            };
            if to.map(|team| team.id) == t.team_id {
                return Ok(None);
            }
            let name_of = |id: i64| {
                teams
                    .iter()
                    .find(|team| team.id == id)
                    .map(|team| team.name.clone())
            };
            let event = EventKind::TeamChanged {
                from: t.team_id.and_then(name_of),
                to: to.map(|team| team.name.clone()),
                rule: None,
            };
            let set = tickets_sql::set_team(site, id, to.map(|team| team.id), now_ms);
            (event, vec![set])
        }
        Change::Delete => {
            // The guard event is deleted with the rest; it is there to refuse a stale delete.
            let statements = vec![
                ticket_search::remove(site, id),
                // Its external sync (before the comments and the ticket they name).
                crate::sql::sync_comments::delete_for_ticket(site, id),
                crate::sql::sync_links::delete_for_ticket(site, id),
                comments::delete_for_ticket(site, id),
                labels::delete_for_ticket(site, id),
                ticket_events::delete_for_ticket(site, id),
                idempotency_keys::delete_for_ticket(site, id),
                ticket_conversations::delete_for_ticket(site, id),
                notifications::delete_for_ticket(site, id),
                crate::sql::mails::delete_for_ticket(site, id),
                tickets_sql::delete(site, id),
            ];
            let event = EventKind::Updated {
                fields: vec!["deleted".to_owned()],
            };
            (event, statements)
        }
    };
    Ok(Some(planned))
}

/// What `change` does to the ticket's SLA clock (`service::sla`), to end its batch: a status
/// or waiting change pauses or resumes resolution, a priority change re-targets. Public replies
/// meet first response in `comment_rows`.
fn sla_moves(op: &Operator, t: &DetailRow, change: &Change, now_ms: i64) -> Vec<Statement> {
    let has_clock = t.sla.first_response_due_at.is_some()
        || t.sla.resolution_due_at.is_some()
        || t.sla.resolution_left_ms.is_some();
    let policy = Policy::from_stored(t.sla_policy.as_deref());
    let (site, id) = (op.site_id, t.id.as_str());
    match change {
        Change::Status { .. } | Change::Waiting(_) | Change::ReplyAndWait(_) if has_clock => {
            vec![sla::on_status(policy.as_ref(), site, id, now_ms)]
        }
        Change::Priority(to) => {
            let Ok(from) = Priority::parse(&t.priority) else {
                return Vec::new();
            };
            let read = sla::Read {
                clock: Clock {
                    first_response_due_at: t.sla.first_response_due_at,
                    first_responded_at: t.sla.first_responded_at,
                    resolution_due_at: t.sla.resolution_due_at,
                    resolution_left_ms: t.sla.resolution_left_ms,
                },
                created_at: t.created_at,
            };
            sla::on_priority(policy.as_ref(), site, id, read, from, *to, now_ms)
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// `AssigneeNotMember` unless `assignee` is a member of the site who works tickets: only
/// someone who may work tickets can hold one (a guest only reads).
async fn check_assignee<E: Executor>(
    db: &E,
    site: i64,
    assignee: &str,
) -> Result<(), ServiceError> {
    let member: Option<MemberRow> =
        decode_first(db.query(site_members::find(site, assignee)).await?)?;
    let works = member
        .and_then(|m| Role::parse(&m.role).ok())
        .is_some_and(|role| role.allows(Action::ChangeStatus));
    if works {
        Ok(())
    } else {
        Err(ServiceError::AssigneeNotMember)
    }
}

/// A comment's rows: the comment itself and the ticket's touch (its event is the caller's).
fn comment_rows(op: &Operator, ticket_id: &str, comment: &Comment, now_ms: i64) -> Vec<Statement> {
    let visibility = match comment.visibility {
        CommentVisibility::Internal => "internal",
        CommentVisibility::Public => "public",
    };
    let mut rows = vec![
        comments::insert(NewComment {
            site_id: op.site_id,
            ticket_id,
            visibility,
            author_kind: "operator",
            author_id: Some(&op.id),
            author_name: &op.name,
            body: comment.body.as_ref(),
            now_ms,
            idempotency_key: None,
        }),
        tickets_sql::touch(op.site_id, ticket_id, now_ms),
        ticket_search::refresh(op.site_id, ticket_id),
    ];
    if comment.visibility == CommentVisibility::Public {
        // The team answered: the "Customer replied" mark goes, and the answer also appears
        // in the ticket's live conversations, so a visitor still chatting reads it there.
        rows.push(tickets_sql::clear_customer_replied(op.site_id, ticket_id));
        rows.push(sla::on_public_reply(op.site_id, ticket_id, now_ms));
        rows.push(messages::take_seq_for_ticket(
            op.site_id,
            ticket_id,
            now_ms,
            now_ms + conversations::TTL_MS,
        ));
        rows.push(messages::insert_for_ticket(
            op.site_id,
            ticket_id,
            &op.id,
            &op.name,
            comment.body.as_ref(),
            now_ms,
        ));
        // And to the requester's inbox, when the site mails (`mail`).
        rows.extend(mail::reply(
            op.site_id,
            ticket_id,
            comment.body.as_ref(),
            now_ms,
        ));
    }
    rows
}

async fn current_labels<E: Executor>(
    db: &E,
    op: &Operator,
    code: &str,
) -> Result<Vec<Label>, ServiceError> {
    #[derive(serde::Deserialize)]
    struct LabelRow {
        label: String,
    }
    let rows = db
        .query(labels::for_ticket_by_code(op.site_id, code))
        .await?;
    rows.into_iter()
        .map(|row| {
            let row: LabelRow = decode(row)?;
            Label::parse(&row.label)
                .map_err(|_| StoreError::RowShape(format!("label {:?}", row.label)).into())
        })
        .collect()
}

/// A new ticket by an operator (the dashboard's blank form: source `operator`; or the API:
/// source `api`). Same create path, batch and idempotency as the widget's; it starts assigned
/// to the operator who wrote it unless they chose otherwise.
pub struct OperatorTicket<'a> {
    /// Normal unless the operator chose.
    pub priority: Priority,
    pub assignee: Assignee,
    pub ticket: NewTicket,
    /// The conversation it is made from (the caller checked it and put its transcript into
    /// `ticket`): linked, with its card, in the same batch; the ticket is its visitor's.
    pub conversation: Option<&'a ConversationRow>,
    pub source: Source,
    pub idempotency_key: IdempotencyKey,
    pub fresh_id: TicketId,
    pub now: Timestamp,
    /// The topic and intent the operator gave, if any.
    pub classification: Classification,
}

/// Whom an operator's new ticket starts assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Assignee {
    /// The operator who creates it (the default).
    #[default]
    Creator,
    Unassigned,
    /// An operator id: a member of the site who works tickets.
    Operator(String),
}

/// Checks and makes an operator's ticket. A priority other than normal, or an assignee other
/// than the creator, is what the priority and assign actions would do to the creator's own
/// ticket: the same `Role::permits` question, and the assign action's membership check.
pub async fn create<E: Executor>(
    db: &E,
    op: &Operator,
    new: OperatorTicket<'_>,
) -> Result<Created, ServiceError> {
    op.require(Action::CreateTicket)?;
    let assignee = match &new.assignee {
        Assignee::Creator => Some(op.id.as_str()),
        Assignee::Unassigned => None,
        Assignee::Operator(id) => Some(id.as_str()),
    };
    let assignee_chosen = assignee != Some(op.id.as_str());
    let mut needed = Vec::new();
    if assignee_chosen {
        needed.push(Action::Assign);
    }
    if new.priority != Priority::Normal {
        needed.push(Action::ChangePriority);
    }
    if needed
        .into_iter()
        .any(|a| !op.role.permits(a, Ownership::Mine))
    {
        return Err(ServiceError::Forbidden);
    }
    if let (true, Some(id)) = (assignee_chosen, assignee) {
        check_assignee(db, op.site_id, id).await?;
    }
    let site = sites::load(db, &op.site_key).await?;
    // A ticket made from a conversation belongs to the conversation's visitor, as one they
    // open themselves does: it is in their "My tickets", with the team's public replies,
    // after the conversation has expired.
    let visitor = new
        .conversation
        .map(|row| VisitorId::parse(&row.visitor_id))
        .transpose()
        .map_err(|_| StoreError::RowShape("a conversation's visitor id".into()))?;
    tickets::create(
        db,
        CreateTicket {
            conversation: new.conversation.map(|row| row.id.as_str()),
            site: &site,
            ticket: new.ticket,
            source: new.source,
            idempotency_key: new.idempotency_key,
            visitor,
            assignee,
            assignee_chosen,
            actor: Actor::Operator {
                operator_id: op.id.clone(),
            },
            priority: new.priority,
            summary: None,
            classification: new.classification,
            // A member of the team gave it (the API) or the server took it from a conversation.
            transcript_from_visitor: false,
            fresh_id: new.fresh_id,
            now: new.now,
        },
    )
    .await
}

/// The code of a created ticket's row (the replay and the new case alike).
pub fn created_code(created: &Created) -> &str {
    let row: &VisitorTicketRow = match created {
        Created::New { ticket: row, .. } | Created::Replayed(row) => row,
    };
    &row.code
}

/// The site's members, by name (assignee choices; names for ids on the ticket page).
pub async fn members<E: Executor>(db: &E, op: &Operator) -> Result<Vec<MemberRow>, ServiceError> {
    op.require(Action::ViewTickets)?;
    let rows = db.query(site_members::list(op.site_id)).await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// Several changes to one ticket in ONE batch (an agent's `update_ticket`: status, priority,
/// assignee and labels at once): all saved together, with an event each, or none. The same
/// checks as `apply`, for every change, before anything is written: the role must permit each
/// change on the ticket as it is and, when the batch reassigns it, as it will be (so the order
/// the changes are listed in grants nothing); the version guard leads the batch. Each change is
/// planned against the ticket as read, so each names a different field (one label each for
/// labels). A delete is never part of one.
pub async fn apply_many<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    seen_version: Option<i64>,
    changes: Vec<Change>,
    now: Timestamp,
) -> Result<Outcome, ServiceError> {
    op.require(Action::ViewTickets)?;
    if changes.contains(&Change::Delete) {
        return Err(ServiceError::Forbidden);
    }
    let mut ticket = load(db, op, code).await?;
    let before = Ownership::of(ticket.assignee_id.as_deref(), &op.id);
    let after = changes.iter().find_map(|c| match c {
        Change::Assign(to) => Some(Ownership::of(to.as_deref(), &op.id)),
        _ => None,
    });
    for change in &changes {
        let mut needed = vec![change.action()];
        if let Change::Status {
            comment: Some(c), ..
        } = change
        {
            needed.push(comment_action(c.visibility));
        }
        let mut ownerships = vec![before];
        if !matches!(change, Change::Assign(_)) {
            ownerships.extend(after);
        }
        let permitted = needed
            .iter()
            .all(|a| ownerships.iter().all(|o| op.role.permits(*a, *o)));
        if !permitted {
            return Err(ServiceError::Forbidden);
        }
    }
    let version = ticket.updated_at;
    if seen_version.is_some_and(|seen| seen != version) {
        return Err(ServiceError::StaleEdit);
    }
    let now_ms = now.millis().max(version + 1);
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let mut statements = Vec::new();
    let mut first_event = None;
    for change in changes {
        let moved_to = match &change {
            Change::Status { to, .. } => Some(*to),
            _ => None,
        };
        let Some((event, rows)) = plan(db, op, &ticket, change, now, now_ms).await? else {
            continue;
        };
        // The changes after a status change are planned on the ticket as it will be: a
        // `waiting_on` after `status: pending` finds it pending (and waiting on the team, as
        // every status change leaves it).
        if let Some(to) = moved_to {
            ticket.status = to.as_str().to_owned();
            ticket.waiting_on_customer = 0;
        }
        if first_event.is_none() {
            first_event = Some(event);
        } else {
            statements.push(ticket_events::insert(
                op.site_id, &ticket.id, &event, &actor, now_ms,
            )?);
        }
        statements.extend(rows);
    }
    let Some(first_event) = first_event else {
        return Ok(Outcome::Unchanged);
    };
    let guard = ticket_events::insert_guarded(
        op.site_id,
        &ticket.id,
        &first_event,
        &actor,
        now_ms,
        version,
    )?;
    statements.insert(0, guard);
    match db.batch(statements).await {
        Ok(_) => Ok(Outcome::Changed),
        // The guard refused: someone else changed it, or a real fault (as in `apply`).
        Err(StoreError::CheckViolation(detail)) => {
            let now: Option<DetailRow> = decode_first(
                db.query(tickets_sql::find_by_code(op.site_id, &ticket.code))
                    .await?,
            )?;
            match now {
                None => Err(ServiceError::TicketNotFound),
                Some(row) if row.updated_at != version => Err(ServiceError::StaleEdit),
                Some(_) => Err(StoreError::Database(detail).into()),
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// The platform whose live link syncs the ticket `ticket_id` (its reference is then the
/// connection's, not typed by hand); `None` without a link, or once its sync ended.
async fn synced_by<E: Executor>(
    db: &E,
    site_id: i64,
    ticket_id: &str,
) -> Result<Option<ticketbooth_shared::sync::Platform>, ServiceError> {
    use crate::sql::{sync_connections, sync_links};
    use ticketbooth_shared::sync::{LinkState, Platform};
    let link: Option<sync_links::LinkRow> =
        decode_first(db.query(sync_links::find(site_id, ticket_id)).await?)?;
    let Some(link) = link.filter(|l| LinkState::parse(&l.state).is_ok_and(LinkState::is_live))
    else {
        return Ok(None);
    };
    let connection: Option<sync_connections::ConnectionRow> = decode_first(
        db.query(sync_connections::find(site_id, link.connection_id))
            .await?,
    )?;
    let shape = || StoreError::RowShape(format!("sync link {ticket_id}: connection"));
    let platform = connection.ok_or_else(shape)?.platform;
    Ok(Some(Platform::parse(&platform).map_err(|_| shape())?))
}
