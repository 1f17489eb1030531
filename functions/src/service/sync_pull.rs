//! A help desk's webhook applied to its linked tickets: each `Pulled` change written by the
//! `sync` actor, so the triggers of migration 0036 never mark the link dirty and nothing is
//! pushed back (no loop). ONE batch per webhook: every change, one `synced` event per ticket
//! (direction pull, what changed), the links' bookkeeping and the delivery's mark
//! (`sync_webhook_events`), so a replay writes nothing and a failed batch leaves no mark.
//!
//! Rules (ARCHITECTURE.md, "External sync"): a change by the connection's own remote user, or
//! a comment already known (`sync_comments`), is our push coming back and is dropped; a status
//! walks `Status::path_to` one event per step, then the waiting side; out of closed it is
//! recorded, not applied; the conflict rule settles a status or priority pulled while a local
//! change waits to be pushed (the later one wins, both on the timeline); comments never
//! conflict. A status or reply pulled has the side effects the same change has when made here
//! (SLA clock, the requester's mails, a reply reopening a resolved ticket), never a push.

use std::collections::{BTreeMap, HashSet};

use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::{Actor, CommentVisibility, EventKind};
use ticketbooth_shared::sla::{Clock, Policy};
use ticketbooth_shared::sync::{Direction, Local, Platform, Pulled, PulledChange, pulled_target};
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::WaitingOn;
use ticketbooth_shared::{Priority, Status};

use super::ServiceError;
use super::mail;
use super::sla;
use super::sync_connections::Connection;

use crate::sql::comments::{self, NewComment};
use crate::sql::sync_links::{self as links_sql, AfterPull, PullTargetRow};
use crate::sql::{sync_comments, sync_webhook_events, ticket_events, ticket_search, tickets};
use crate::store::{Executor, Statement, StoreError, decode};

/// What a webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `applied` of its changes were written (the rest: unknown ticket, stopped link, our own
    /// echo, already agreeing, or recorded only).
    Applied { applied: usize },
    /// Its event was taken before: nothing was written.
    Duplicate,
}

/// Applies a verified webhook's changes under `connection` (see the module's doc).
pub async fn apply<E: Executor>(
    db: &E,
    connection: &Connection,
    pulled: &[Pulled],
    now: Timestamp,
) -> Result<Outcome, ServiceError> {
    // A second delivery racing this one fails its batch on the event's mark; read again, it
    // is then a duplicate. Twice is enough: the mark is the only thing two pulls race on.
    for _ in 0..2 {
        match attempt(db, connection, pulled, now).await {
            Err(ServiceError::Store(
                StoreError::UniqueViolation(_) | StoreError::CheckViolation(_),
            )) => {}
            done => return done,
        }
    }
    attempt(db, connection, pulled, now).await
}

async fn attempt<E: Executor>(
    db: &E,
    connection: &Connection,
    pulled: &[Pulled],
    now: Timestamp,
) -> Result<Outcome, ServiceError> {
    let event_ids: Vec<&str> = unique(pulled.iter().map(|p| p.event_id.as_str()));
    let remote_ids: Vec<&str> = unique(pulled.iter().map(|p| p.remote_ticket_id.as_str()));
    let comment_ids: Vec<&str> = unique(pulled.iter().filter_map(|p| match &p.change {
        PulledChange::Comment {
            remote_comment_id, ..
        } => Some(remote_comment_id.as_str()),
        _ => None,
    }));
    let json = |ids: &[&str]| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let mut reads = db
        .batch(vec![
            sync_webhook_events::taken(connection.id, &json(&event_ids)),
            links_sql::pull_targets(connection.site_id, connection.id, &json(&remote_ids)),
            sync_comments::known(connection.id, &json(&comment_ids)),
        ])
        .await?
        .into_iter();
    let taken = reads.next().unwrap_or_default();
    if !event_ids.is_empty() && !taken.is_empty() {
        return Ok(Outcome::Duplicate);
    }
    let targets: Vec<PullTargetRow> = reads
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(decode)
        .collect::<Result<_, _>>()?;
    #[derive(serde::Deserialize)]
    struct Known {
        remote_comment_id: String,
    }
    let known: HashSet<String> = reads
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(|row| decode::<Known>(row).map(|k| k.remote_comment_id))
        .collect::<Result<_, _>>()?;

    let mut statements: Vec<Statement> = event_ids
        .iter()
        .map(|id| sync_webhook_events::insert(connection.id, id, now.millis()))
        .collect();
    let mut applied = 0;
    // Each ticket's changes in the order the platform sent them.
    let mut by_ticket: BTreeMap<&str, Vec<&Pulled>> = BTreeMap::new();
    for p in pulled {
        by_ticket
            .entry(p.remote_ticket_id.as_str())
            .or_default()
            .push(p);
    }
    for (remote_id, changes) in by_ticket {
        let Some(target) = targets.iter().find(|t| t.remote_id == remote_id) else {
            continue;
        };
        if !matches!(target.state.as_str(), "pending" | "synced" | "failed") {
            continue;
        }
        let mut plan = TicketPlan::new(connection, target, now)?;
        for p in changes {
            if plan.deleted {
                break;
            }
            let echoed = p.actor_remote_id.is_some()
                && p.actor_remote_id.as_deref() == connection.remote_user_id.as_deref();
            if echoed {
                continue;
            }
            if plan.take(p, &known)? {
                applied += 1;
            }
        }
        statements.extend(plan.finish()?);
    }
    // A verified delivery of an event no connector acts on carries no change and no id: D1
    // refuses an empty batch, and there is nothing to write.
    if !statements.is_empty() {
        db.batch(statements).await?;
    }
    Ok(Outcome::Applied { applied })
}

fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// One linked ticket's share of the batch, planned against the ticket as each change leaves
/// it. Its first event is guarded on the version read (`insert_guarded`): a ticket changed
/// between the read and the batch fails the batch, and `apply` plans again.
struct TicketPlan<'a> {
    connection: &'a Connection,
    row: &'a PullTargetRow,
    actor: Actor,
    now_ms: i64,
    local: Local,
    priority: Priority,
    clock: Clock,
    policy: Option<Policy>,
    statements: Vec<Statement>,
    guarded: bool,
    changes: Vec<String>,
    /// What the remote side has now, for the link (`None`: this pull said nothing of it).
    remote_status: Option<Local>,
    remote_priority: Option<Priority>,
    deleted: bool,
}

impl<'a> TicketPlan<'a> {
    fn new(
        connection: &'a Connection,
        row: &'a PullTargetRow,
        now: Timestamp,
    ) -> Result<Self, StoreError> {
        let shape = |what: &str| StoreError::RowShape(format!("ticket {}: {what}", row.ticket_id));
        let status = Status::parse(&row.status).map_err(|_| shape("status"))?;
        let priority = Priority::parse(&row.priority).map_err(|_| shape("priority"))?;
        Ok(Self {
            connection,
            row,
            actor: Actor::Sync {
                platform: connection.platform.as_str().to_owned(),
            },
            // The new version must differ from the old even within one millisecond.
            now_ms: now.millis().max(row.updated_at + 1),
            local: Local::of(status, row.waiting_on_customer != 0),
            priority,
            clock: Clock {
                first_response_due_at: row.first_response_due_at,
                first_responded_at: row.first_responded_at,
                resolution_due_at: row.resolution_due_at,
                resolution_left_ms: row.resolution_left_ms,
            },
            policy: Policy::from_stored(row.sla_policy.as_deref()),
            statements: Vec::new(),
            guarded: false,
            changes: Vec::new(),
            remote_status: None,
            remote_priority: None,
            deleted: false,
        })
    }

    fn site(&self) -> i64 {
        self.connection.site_id
    }

    fn id(&self) -> &'a str {
        &self.row.ticket_id
    }

    fn platform(&self) -> Platform {
        self.connection.platform
    }

    /// Appends an event by the `sync` actor; the ticket's first one carries the version guard.
    fn event(&mut self, kind: &EventKind) -> Result<(), StoreError> {
        let statement = if self.guarded {
            ticket_events::insert(self.site(), self.id(), kind, &self.actor, self.now_ms)?
        } else {
            self.guarded = true;
            ticket_events::insert_guarded(
                self.site(),
                self.id(),
                kind,
                &self.actor,
                self.now_ms,
                self.row.updated_at,
            )?
        };
        self.statements.push(statement);
        Ok(())
    }

    /// Whether a local change of this kind, made after the platform's at `at_ms` and not yet
    /// pushed, wins (the conflict rule).
    fn ours_wins(&self, local_at: Option<i64>, at_ms: i64) -> bool {
        let dirty = self.row.dirty_seq > self.row.pushed_seq;
        dirty && local_at.is_some_and(|ours| ours > at_ms)
    }

    fn has_clock(&self) -> bool {
        self.clock.first_response_due_at.is_some()
            || self.clock.resolution_due_at.is_some()
            || self.clock.resolution_left_ms.is_some()
    }

    /// Plans one change; whether it changed the ticket.
    fn take(&mut self, p: &Pulled, known: &HashSet<String>) -> Result<bool, StoreError> {
        match &p.change {
            PulledChange::Status(theirs) => self.status(theirs, p.at_ms),
            PulledChange::Priority(to) => self.priority(*to, p.at_ms),
            PulledChange::Comment {
                remote_comment_id,
                body,
                public,
                author_name,
                by_requester,
            } => {
                if known.contains(remote_comment_id) {
                    return Ok(false);
                }
                let Ok(body) = CommentBody::parse(body) else {
                    // Empty, or longer than ours may be: recorded, not added.
                    self.changes.push("not_applied: comment".to_owned());
                    return Ok(false);
                };
                self.comment(
                    remote_comment_id,
                    &body,
                    *public,
                    author_name,
                    *by_requester,
                )?;
                Ok(true)
            }
            PulledChange::Deleted => {
                self.deleted = true;
                self.changes.push("deleted".to_owned());
                Ok(true)
            }
        }
    }

    fn status(&mut self, theirs: &str, at_ms: i64) -> Result<bool, StoreError> {
        let Ok(target) = pulled_target(self.platform(), theirs, self.local) else {
            // A status the platform's table does not have: nothing to say about it.
            self.changes.push(format!("not_applied: status {theirs}"));
            return Ok(false);
        };
        let Some(target) = target else {
            // Both sides agree already (often our own push coming back).
            self.remote_status = Some(self.local);
            return Ok(false);
        };
        if self.ours_wins(self.row.local_status_at, at_ms) {
            self.remote_status = Some(target);
            self.changes.push("status: kept ours".to_owned());
            return Ok(false);
        }
        let from = self.local.status();
        let Some(path) = from.path_to(target.status()) else {
            // Out of closed: nothing leads anywhere.
            self.remote_status = Some(target);
            self.changes.push(format!("not_applied: {}", from.as_str()));
            return Ok(false);
        };
        let (site, id, now_ms) = (self.site(), self.id(), self.now_ms);
        let mut at = from;
        for step in path {
            self.event(&EventKind::StatusChanged { from: at, to: step })?;
            self.statements
                .push(tickets::set_status(site, id, step.as_str(), now_ms));
            if step == Status::Resolved {
                self.statements.extend(mail::resolved(site, id, now_ms));
            }
            at = step;
        }
        // Every status move leaves the ticket waiting on the team (`set_status`).
        let side_now = if at == from {
            self.local.waiting()
        } else {
            WaitingOn::of(at, false)
        };
        if let (Some(from_side), Some(to_side)) = (side_now, target.waiting())
            && from_side != to_side
        {
            self.event(&EventKind::WaitingChanged {
                from: from_side,
                to: to_side,
            })?;
            self.statements.push(tickets::set_waiting_on(
                site,
                id,
                to_side.is_customer(),
                now_ms,
            ));
        }
        if self.has_clock() {
            self.statements
                .push(sla::on_status(self.policy.as_ref(), site, id, now_ms));
        }
        self.local = target;
        self.remote_status = Some(target);
        self.changes.push("status".to_owned());
        Ok(true)
    }

    fn priority(&mut self, to: Priority, at_ms: i64) -> Result<bool, StoreError> {
        if to == self.priority {
            self.remote_priority = Some(to);
            return Ok(false);
        }
        self.remote_priority = Some(to);
        if self.ours_wins(self.row.local_priority_at, at_ms) {
            self.changes.push("priority: kept ours".to_owned());
            return Ok(false);
        }
        let (site, id, now_ms) = (self.site(), self.id(), self.now_ms);
        let from = self.priority;
        self.event(&EventKind::PriorityChanged { from, to })?;
        self.statements
            .push(tickets::set_priority(site, id, to.as_str(), now_ms));
        let read = sla::Read {
            clock: self.clock,
            created_at: self.row.created_at,
        };
        if let Some(retarget) =
            sla::on_priority(self.policy.as_ref(), site, id, read, from, to, now_ms)
        {
            self.statements.push(retarget);
        }
        self.priority = to;
        self.changes.push("priority".to_owned());
        Ok(true)
    }

    /// A remote comment: an agent's public reply is our public comment (the visitor's thread
    /// shows it, the requester is mailed), a private note our internal one, the requester's
    /// reply there the customer's reply (with a widget reply's effects on the status).
    fn comment(
        &mut self,
        remote_comment_id: &str,
        body: &CommentBody,
        public: bool,
        author_name: &str,
        by_requester: bool,
    ) -> Result<(), StoreError> {
        let (site, id, now_ms) = (self.site(), self.id(), self.now_ms);
        let key = format!("sync:{}:{remote_comment_id}", self.connection.id);
        let text = body.as_ref();
        if by_requester {
            self.event(&EventKind::CommentAdded {
                visibility: CommentVisibility::Public,
            })?;
            let status = self.local.status();
            if status == Status::Resolved {
                let to = status.after_visitor_reply();
                self.event(&EventKind::StatusChanged { from: status, to })?;
                self.local = Local::of(to, false);
            } else if self.local.waiting() == Some(WaitingOn::Customer) {
                self.event(&EventKind::WaitingChanged {
                    from: WaitingOn::Customer,
                    to: WaitingOn::Team,
                })?;
                self.local = Local::PENDING_TEAM;
            }
            self.statements.extend([
                comments::insert_email_reply(site, id, text, now_ms, &key),
                tickets::after_visitor_reply(site, id, now_ms),
                sla::on_status(self.policy.as_ref(), site, id, now_ms),
            ]);
            self.changes.push("reply".to_owned());
        } else {
            let visibility = if public {
                CommentVisibility::Public
            } else {
                CommentVisibility::Internal
            };
            self.event(&EventKind::CommentAdded { visibility })?;
            let author = format!("{author_name} ({})", self.platform().name());
            self.statements.extend([
                comments::insert(NewComment {
                    site_id: site,
                    ticket_id: id,
                    visibility: if public { "public" } else { "internal" },
                    author_kind: "system",
                    author_id: None,
                    author_name: &author,
                    body: text,
                    now_ms,
                    idempotency_key: Some(&key),
                }),
                tickets::touch(site, id, now_ms),
            ]);
            if public {
                // The team answered, there: as an operator's public reply here.
                self.statements.extend([
                    tickets::clear_customer_replied(site, id),
                    sla::on_public_reply(site, id, now_ms),
                ]);
                self.statements.extend(mail::reply(site, id, text, now_ms));
            }
            self.changes
                .push(if public { "comment" } else { "note" }.to_owned());
        }
        self.statements.extend([
            ticket_search::refresh(site, id),
            sync_comments::insert_pulled(
                self.connection.id,
                remote_comment_id,
                site,
                id,
                &key,
                now_ms,
            ),
        ]);
        Ok(())
    }

    /// The ticket's `synced` event and stamp, and the link's bookkeeping.
    fn finish(mut self) -> Result<Vec<Statement>, StoreError> {
        let (site, id, now_ms) = (self.site(), self.id(), self.now_ms);
        if !self.changes.is_empty() {
            let changes = std::mem::take(&mut self.changes);
            self.event(&EventKind::Synced {
                platform: self.platform().as_str().to_owned(),
                remote_id: self.row.remote_id.clone(),
                direction: Some(Direction::Pull),
                changes,
            })?;
            self.statements.push(tickets::set_sync(
                site,
                id,
                self.platform().as_str(),
                &self.row.remote_id,
                now_ms,
            ));
        }
        let status = self
            .remote_status
            .map(|l| (l.status().as_str(), l.waiting().map(WaitingOn::as_str)));
        self.statements.push(links_sql::after_pull(&AfterPull {
            site_id: site,
            ticket_id: id,
            status,
            priority: self.remote_priority.map(Priority::as_str),
            deleted: self.deleted,
            now_ms,
        }));
        Ok(self.statements)
    }
}
