//! The push job (one Queue message, `sync:<ticket id>`): reads the link and the ticket as it is
//! now, creates the remote ticket when there is none (once: a create whose answer was lost is
//! looked up before another is sent), then sends what differs from what the remote side has
//! (`pushed_*`): the status, the priority, and each comment not yet known there (a public
//! reply as a public comment, an internal one as a private note; pulled comments came from
//! there and never go back). It ends with one batch: the link's outcome, the comments' remote
//! ids, the ticket's `sync_*` columns, and one `synced` event naming what went.
//!
//! Failures: a 429 waits its `Retry-After` without counting; an outage (5xx, no answer) is
//! retried with a doubling delay and gives up after `MAX_ATTEMPTS` (`failed`, with the reason);
//! refused credentials or a refused request fail at once (a person must act); a remote ticket
//! that is gone marks the link `deleted`. What went out before a failure is recorded, never
//! sent again.

use ticketbooth_shared::event::EventKind;
use ticketbooth_shared::sync::{Direction, LinkState, Local, Platform, remote_status};
use ticketbooth_shared::waiting::WaitingOn;
use ticketbooth_shared::{Priority, Status};

use super::{Account, Change, Connector, NewRemote, RemoteError, Updated};
use crate::integrations::outbound::{Answer, Outbound, OutboundPolicy, Request};
use crate::service::ServiceError;
use crate::service::site_secrets::Sealer;
use crate::service::sync_connections;
use crate::service::sync_links::{self, MAX_ATTEMPTS, Pushed};
use crate::sql::sync_links::{JobRow, PushedRow};
use crate::store::{Executor, StoreError};

/// How long one request to the platform may take.
const REQUEST_MS: i64 = 15_000;

/// The longest delay between two tries of an outage (the doubling stops there).
const MAX_DELAY_S: u32 = 60 * 60;

/// What a run needs beside the ticket: the seams and the deployment's settings.
pub struct Job<'a> {
    pub outbound: &'a dyn Outbound,
    pub sealer: &'a Sealer<'a>,
    pub policy: OutboundPolicy,
    /// `DASHBOARD_ORIGIN`: the remote ticket links back to our ticket page.
    pub origin: &'a str,
    pub now_ms: i64,
    /// The first retry's delay in seconds (`SYNC_RETRY_SECONDS`), doubled per attempt.
    pub retry_base_s: u32,
    /// The connector of a platform (`super::connector`; host tests pass their own).
    pub connectors: fn(Platform) -> &'static dyn Connector,
}

/// How one run ended (for the consumer: ack or retry, and the log line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// Everything owed went out; what did (`created`, `status`, `comment` …, empty when
    /// nothing differed).
    Pushed { changes: Vec<String> },
    /// Nothing to do (no link, a link that no longer syncs, nothing owed). The reason.
    Skipped(&'static str),
    /// The link's connection is gone: the link is stopped.
    Stopped,
    /// The platform is rate limiting or unavailable: try again in this many seconds.
    RetryIn { seconds: u32, error: String },
    /// Given up: the link is `failed` with this reason (a person must act or retry).
    Failed { error: String },
    /// The remote ticket was deleted there: the link is marked `deleted`.
    Deleted,
}

/// Runs the push of ticket `ticket_id`.
pub async fn run<E: Executor>(db: &E, job: &Job<'_>, ticket_id: &str) -> Result<Ran, ServiceError> {
    let now = job.now_ms;
    let Some(row) = sync_links::job(db, ticket_id).await? else {
        return Ok(Ran::Skipped("no link"));
    };
    let link = &row.link;
    let site_id = link.site_id;
    let state = LinkState::parse(&link.state).map_err(|_| shape("state"))?;
    if !state.is_live() {
        return Ok(Ran::Skipped("not live"));
    }
    if link.dirty_seq <= link.pushed_seq {
        sync_links::release(db, site_id, ticket_id).await?;
        return Ok(Ran::Skipped("nothing to push"));
    }
    // A message the Queue delivered before the link's time (a retry scheduled since).
    if let Some(at) = link.next_attempt_at.filter(|at| *at > now) {
        let seconds = u32::try_from((at - now + 999) / 1000).unwrap_or(u32::MAX);
        return Ok(Ran::RetryIn {
            seconds,
            error: "not due yet".to_owned(),
        });
    }
    let connection = sync_connections::live(db, job.sealer, site_id).await?;
    let Some(connection) = connection.filter(|c| c.id == link.connection_id) else {
        sync_links::stop(db, site_id, ticket_id, now).await?;
        return Ok(Ran::Stopped);
    };
    let platform = connection.platform;
    let mut progress = Progress::of(&row);
    let account = match Account::of(&connection, job.policy) {
        Ok(account) => account,
        Err(refused) => {
            let failure = Failure::Now(format!(
                "{}'s address is refused by the outbound policy: {refused}",
                platform.name()
            ));
            return finish(
                db,
                job,
                &row,
                connection.id,
                platform,
                progress,
                Err(failure),
            )
            .await;
        }
    };
    let connector = (job.connectors)(platform);
    let sent = push(db, job, &row, connector, &account, &mut progress).await;
    let outcome = match sent {
        Ok(()) => Ok(()),
        Err(Step::Store(e)) => return Err(e.into()),
        Err(Step::Failed(failure)) => Err(failure),
    };
    finish(db, job, &row, connection.id, platform, progress, outcome).await
}

/// What the remote side has after the requests so far (the run's partial progress is
/// recorded whatever happens next).
struct Progress {
    remote_id: Option<String>,
    status: Option<String>,
    waiting: Option<String>,
    priority: Option<String>,
    create_sent_at: Option<i64>,
    /// Our comment id and the remote one.
    comments: Vec<(i64, String)>,
    changes: Vec<String>,
    /// Something went out in this run.
    sent: bool,
}

impl Progress {
    fn of(row: &JobRow) -> Self {
        Self {
            remote_id: row.link.remote_id.clone(),
            status: row.link.pushed_status.clone(),
            waiting: row.link.pushed_waiting.clone(),
            priority: row.link.pushed_priority.clone(),
            create_sent_at: row.link.create_sent_at,
            comments: Vec::new(),
            changes: Vec::new(),
            sent: false,
        }
    }

    fn note(&mut self, change: &str) {
        self.sent = true;
        if !self.changes.iter().any(|c| c == change) {
            self.changes.push(change.to_owned());
        }
    }

    fn agree_on(&mut self, local: Local) {
        self.status = Some(local.status().as_str().to_owned());
        self.waiting = local.waiting().map(|w| w.as_str().to_owned());
    }

    /// What the remote side has, as ours (`None`: nothing pushed yet).
    fn local(&self) -> Option<Local> {
        let status = Status::parse(self.status.as_deref()?).ok()?;
        let on_customer = self.waiting.as_deref() == Some(WaitingOn::Customer.as_str());
        Some(Local::of(status, on_customer))
    }
}

/// Why a run stopped early.
enum Failure {
    /// Try again later (`counted`: an outage, one attempt more; a rate limit is not).
    Later { seconds: Option<u32>, error: String },
    /// A person must act.
    Now(String),
    /// The remote ticket is gone.
    Gone,
}

enum Step {
    Failed(Failure),
    Store(StoreError),
}

impl From<StoreError> for Step {
    fn from(e: StoreError) -> Self {
        Step::Store(e)
    }
}

/// The requests of one run, in order: create (or find), status, priority, comments.
async fn push<E: Executor>(
    db: &E,
    job: &Job<'_>,
    row: &JobRow,
    connector: &dyn Connector,
    account: &Account,
    progress: &mut Progress,
) -> Result<(), Step> {
    let platform = connector.platform();
    let ticket_id = row.link.ticket_id.as_str();
    let site_id = row.link.site_id;
    let status = Status::parse(&row.status).map_err(|_| Step::Store(shape("status")))?;
    let current = Local::of(status, row.waiting_on_customer != 0);
    let priority = Priority::parse(&row.priority).map_err(|_| Step::Store(shape("priority")))?;

    let remote_id = match progress.remote_id.clone() {
        Some(id) => id,
        None => {
            // A create went out before and its answer was lost: look it up first (platforms
            // whose create is idempotent have no `find`, and the create below is safe).
            let mut found = None;
            if progress.create_sent_at.is_some()
                && let Some(request) = connector.find(account, ticket_id)
            {
                let answer = send(job, platform, &request).await?;
                found = connector
                    .read_found(&answer, job.now_ms)
                    .map_err(|e| Step::Failed(failure(platform, e)))?;
            }
            match found {
                // Its status and priority then are unknown: the steps below send them.
                Some(created) => {
                    progress.remote_id = Some(created.remote_id.clone());
                    progress.note("created");
                    created.remote_id
                }
                None => {
                    sync_links::mark_create_sent(db, site_id, ticket_id, job.now_ms).await?;
                    progress.create_sent_at = Some(job.now_ms);
                    let labels: Vec<String> = serde_json::from_str(&row.labels).unwrap_or_default();
                    let description = description(row);
                    let url = format!("{}/app/tickets/{}", job.origin, row.code);
                    let request = connector.create(
                        account,
                        &NewRemote {
                            ticket_id,
                            code: &row.code,
                            subject: &row.subject,
                            description: &description,
                            requester_name: row.requester_name.as_deref(),
                            requester_email: row.requester_email.as_deref(),
                            status: current,
                            priority,
                            labels: &labels,
                            ticket_url: &url,
                        },
                    );
                    let answer = send(job, platform, &request).await?;
                    let created = connector
                        .read_created(&answer, job.now_ms)
                        .map_err(|e| Step::Failed(failure(platform, e)))?;
                    progress.remote_id = Some(created.remote_id.clone());
                    progress.note("created");
                    progress.agree_on(current);
                    progress.priority = Some(priority.as_str().to_owned());
                    created.remote_id
                }
            }
        }
    };

    // The status, when the platform's spelling of it changed (ours may move between two of
    // our states the platform does not tell apart: nothing to send then).
    let before = progress.local();
    if before != Some(current) {
        let unchanged =
            before.is_some_and(|b| remote_status(platform, b) == remote_status(platform, current));
        if !unchanged {
            update(
                job,
                connector,
                account,
                &remote_id,
                &Change::Status(current),
            )
            .await?;
            progress.note("status");
        }
        progress.agree_on(current);
    }
    if progress.priority.as_deref() != Some(priority.as_str()) {
        update(
            job,
            connector,
            account,
            &remote_id,
            &Change::Priority(priority),
        )
        .await?;
        progress.note("priority");
        progress.priority = Some(priority.as_str().to_owned());
    }
    for comment in sync_links::unpushed_comments(db, site_id, ticket_id).await? {
        let public = comment.visibility == "public";
        let change = Change::Comment {
            body: &comment.body,
            public,
            author_name: &comment.author_name,
        };
        let updated = update(job, connector, account, &remote_id, &change).await?;
        // A platform that gives no id: a local marker, so the comment is still never sent
        // twice.
        let remote_comment_id = match updated {
            Updated::Comment {
                remote_comment_id: Some(id),
            } => id,
            _ => format!("local:{}", comment.id),
        };
        progress.comments.push((comment.id, remote_comment_id));
        progress.note(if public { "comment" } else { "note" });
    }
    Ok(())
}

/// One update of the remote ticket.
async fn update(
    job: &Job<'_>,
    connector: &dyn Connector,
    account: &Account,
    remote_id: &str,
    change: &Change<'_>,
) -> Result<Updated, Step> {
    let platform = connector.platform();
    let request = connector.update(account, remote_id, change);
    let answer = send(job, platform, &request).await?;
    connector
        .read_updated(&answer, job.now_ms)
        .map_err(|e| Step::Failed(failure(platform, e)))
}

/// Sends one request; no answer at all (refused, timed out) is an outage.
async fn send(job: &Job<'_>, platform: Platform, request: &Request) -> Result<Answer, Step> {
    job.outbound
        .send(request, job.now_ms + REQUEST_MS)
        .await
        .map_err(|e| {
            Step::Failed(Failure::Later {
                seconds: None,
                error: format!("{} did not answer: {e}", platform.name()),
            })
        })
}

/// What a platform's refusal means for the link, in words for the ticket page.
fn failure(platform: Platform, error: RemoteError) -> Failure {
    let name = platform.name();
    match error {
        RemoteError::RateLimited { retry_after_s } => Failure::Later {
            seconds: Some(retry_after_s),
            error: format!("{name} is rate limiting; retry after {retry_after_s} s"),
        },
        RemoteError::Unavailable(detail) => Failure::Later {
            seconds: None,
            error: format!("{name} is unavailable ({detail})"),
        },
        RemoteError::Unauthorized { status } => {
            Failure::Now(format!("{name} refused the credentials ({status})"))
        }
        RemoteError::Rejected { status, detail } => {
            Failure::Now(format!("{name} refused the request ({status}): {detail}"))
        }
        RemoteError::Unreadable(detail) => {
            Failure::Now(format!("{name}'s answer could not be read: {detail}"))
        }
        RemoteError::Gone => Failure::Gone,
    }
}

/// The remote ticket's first message: the description, then the chat transcript when one came.
fn description(row: &JobRow) -> String {
    let mut text = row.description.clone();
    let lines: Vec<serde_json::Value> = serde_json::from_str(&row.transcript).unwrap_or_default();
    if !lines.is_empty() {
        text.push_str("\n\nChat transcript:\n");
        for line in &lines {
            let who = match line["author"].as_str() {
                Some("visitor") => "Customer",
                Some("bot") => "Bot",
                Some("operator") => "Agent",
                _ => "System",
            };
            let said = line["text"].as_str().unwrap_or_default();
            text.push_str(&format!("{who}: {said}\n"));
        }
    }
    text
}

/// Writes the run's outcome in one batch and says how it ended.
async fn finish<E: Executor>(
    db: &E,
    job: &Job<'_>,
    row: &JobRow,
    connection_id: i64,
    platform: Platform,
    mut progress: Progress,
    outcome: Result<(), Failure>,
) -> Result<Ran, ServiceError> {
    let now = job.now_ms;
    let link = &row.link;
    let known = progress.remote_id.is_some();
    if matches!(outcome, Err(Failure::Gone)) {
        progress.note("deleted");
        progress.sent = false;
    }
    let mut settle = PushedRow {
        site_id: link.site_id,
        ticket_id: &link.ticket_id,
        remote_id: progress.remote_id.as_deref(),
        pushed_seq: link.pushed_seq,
        pushed_status: progress.status.as_deref(),
        pushed_waiting: progress.waiting.as_deref(),
        pushed_priority: progress.priority.as_deref(),
        state: "synced",
        error: None,
        attempts: 0,
        next_attempt_at: None,
        queued_at: None,
        create_sent_at: if known { None } else { progress.create_sent_at },
        pushed_at: progress.sent.then_some(now),
        now_ms: now,
    };
    let ran;
    let error_text;
    match outcome {
        Ok(()) => {
            settle.pushed_seq = link.dirty_seq;
            ran = Ran::Pushed {
                changes: progress.changes.clone(),
            };
        }
        Err(Failure::Later {
            seconds: Some(seconds),
            error,
        }) => {
            // A rate limit: the platform said when; the attempt does not count.
            let at = now + i64::from(seconds) * 1000;
            error_text = error;
            settle.state = "pending";
            settle.error = Some(&error_text);
            settle.attempts = link.attempts;
            settle.next_attempt_at = Some(at);
            settle.queued_at = Some(at);
            ran = Ran::RetryIn {
                seconds,
                error: error_text.clone(),
            };
        }
        Err(Failure::Later {
            seconds: None,
            error,
        }) => {
            let attempts = link.attempts + 1;
            if attempts >= MAX_ATTEMPTS {
                // Given up; the count starts again when a person retries or a change re-arms.
                error_text = format!("{error}; gave up after {attempts} attempts");
                settle.state = "failed";
                settle.error = Some(&error_text);
                ran = Ran::Failed {
                    error: error_text.clone(),
                };
            } else {
                let factor = 1u32 << (attempts - 1).clamp(0, 20);
                let seconds = job.retry_base_s.saturating_mul(factor).min(MAX_DELAY_S);
                let at = now + i64::from(seconds) * 1000;
                error_text = error;
                settle.state = "pending";
                settle.error = Some(&error_text);
                settle.attempts = attempts;
                settle.next_attempt_at = Some(at);
                settle.queued_at = Some(at);
                ran = Ran::RetryIn {
                    seconds,
                    error: error_text.clone(),
                };
            }
        }
        Err(Failure::Now(error)) => {
            error_text = error;
            settle.state = "failed";
            settle.error = Some(&error_text);
            ran = Ran::Failed {
                error: error_text.clone(),
            };
        }
        Err(Failure::Gone) => {
            settle.state = "deleted";
            ran = Ran::Deleted;
        }
    }
    let remote_id = progress.remote_id.as_deref().unwrap_or_default();
    let event = (!progress.changes.is_empty()).then(|| EventKind::Synced {
        platform: platform.as_str().to_owned(),
        remote_id: remote_id.to_owned(),
        direction: Some(Direction::Push),
        changes: progress.changes.clone(),
    });
    let twin = (known && (progress.sent || matches!(ran, Ran::Pushed { .. })))
        .then_some((platform.as_str(), remote_id));
    sync_links::record_push(
        db,
        &Pushed {
            settle,
            connection_id,
            comments: &progress.comments,
            twin,
            event,
        },
    )
    .await?;
    Ok(ran)
}

fn shape(what: &str) -> StoreError {
    StoreError::RowShape(format!("sync link: {what}"))
}
