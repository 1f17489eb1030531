//! The `sync_links` table: each ticket's link to its remote twin through a connection (at
//! most one per ticket), the state the ticket page and the `sync=` filter show, and the push
//! job's bookkeeping (`dirty_seq` / `pushed_seq`, what the remote side has, retries). The
//! triggers of migration 0036 create links for the automatic push rules and mark them dirty
//! on every local change; everything else is here. Every statement names its site, but the
//! push job's and the hand-off's, which name a ticket id the Queue or the sweep carried.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A link as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkRow {
    pub ticket_id: String,
    pub site_id: i64,
    pub connection_id: i64,
    pub remote_id: Option<String>,
    pub state: String,
    pub error: Option<String>,
    pub dirty_seq: i64,
    pub pushed_seq: i64,
    pub pushed_status: Option<String>,
    pub pushed_waiting: Option<String>,
    pub pushed_priority: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub queued_at: Option<i64>,
    pub create_sent_at: Option<i64>,
    pub last_pushed_at: Option<i64>,
    pub last_pulled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns of `LinkRow`, for `concat!` (a statement's text is `'static`).
macro_rules! columns {
    () => {
        "l.ticket_id, l.site_id, l.connection_id, l.remote_id, l.state, l.error, l.dirty_seq,
         l.pushed_seq, l.pushed_status, l.pushed_waiting, l.pushed_priority, l.attempts,
         l.next_attempt_at, l.queued_at, l.create_sent_at, l.last_pushed_at, l.last_pulled_at,
         l.created_at, l.updated_at"
    };
}

/// The ticket's link, if it has one.
pub fn find(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            columns!(),
            " FROM sync_links l WHERE l.site_id = ?1 AND l.ticket_id = ?2"
        ),
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// The link of the remote ticket `remote_id` under the site's connection (a webhook names
/// it so).
pub fn by_remote(site_id: i64, connection_id: i64, remote_id: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            columns!(),
            " FROM sync_links l
             WHERE l.site_id = ?1 AND l.connection_id = ?2 AND l.remote_id = ?3"
        ),
        vec![
            Value::from(site_id),
            Value::from(connection_id),
            Value::from(remote_id),
        ],
    )
}

// --- Linking by hand and the connection's life (settings, the ticket page, bulk) ----------

/// The tickets "push the N existing" takes: the site's open, pending and resolved tickets
/// that are not spam and have no link (closed ones are history; spam is never pushed).
macro_rules! unlinked {
    () => {
        " FROM tickets t
         WHERE t.site_id = ?1 AND t.status IN ('open', 'pending', 'resolved') AND t.is_spam = 0
           AND NOT EXISTS (SELECT 1 FROM sync_links l WHERE l.ticket_id = t.id)"
    };
}

/// How many tickets "push the N existing" would link now.
pub fn count_unlinked(site_id: i64) -> Statement {
    Statement::new(
        concat!("SELECT COUNT(*) AS n", unlinked!()),
        vec![Value::from(site_id)],
    )
}

/// Links every ticket `count_unlinked` counts to the connection, pending and due now.
pub fn link_existing(site_id: i64, connection_id: i64, now_ms: i64) -> Statement {
    Statement::new(
        concat!(
            "INSERT INTO sync_links
                 (ticket_id, site_id, connection_id, state, next_attempt_at, created_at,
                  updated_at)
             SELECT t.id, t.site_id, ?2, 'pending', ?3, ?3, ?3",
            unlinked!(),
            " ON CONFLICT DO NOTHING"
        ),
        vec![
            Value::from(site_id),
            Value::from(connection_id),
            Value::from(now_ms),
        ],
    )
}

/// A link made by hand for one ticket of the site, pending and due now (nothing when the
/// ticket has one already).
pub fn insert_manual(site_id: i64, ticket_id: &str, connection_id: i64, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO sync_links
             (ticket_id, site_id, connection_id, state, next_attempt_at, created_at, updated_at)
         SELECT t.id, t.site_id, ?3, 'pending', ?4, ?4, ?4
         FROM tickets t WHERE t.site_id = ?1 AND t.id = ?2
         ON CONFLICT DO NOTHING",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(connection_id),
            Value::from(now_ms),
        ],
    )
}

/// Re-arms a failed link by hand: pending, its attempts counted afresh, due now, still dirty
/// (so the push job has something to send even if nothing changed since it gave up).
pub fn rearm(site_id: i64, ticket_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE sync_links
         SET state = 'pending', attempts = 0, next_attempt_at = ?3, queued_at = NULL,
             error = NULL, dirty_seq = MAX(dirty_seq, pushed_seq + 1), updated_at = ?3
         WHERE site_id = ?1 AND ticket_id = ?2 AND state = 'failed'",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(now_ms),
        ],
    )
}

/// Stops every live link of a connection being disconnected: they stay as history, and
/// nothing is pushed or pulled through them again.
pub fn stop_all(site_id: i64, connection_id: i64, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE sync_links
         SET state = 'stopped', next_attempt_at = NULL, queued_at = NULL, updated_at = ?3
         WHERE site_id = ?1 AND connection_id = ?2
           AND state IN ('pending', 'synced', 'failed')",
        vec![
            Value::from(site_id),
            Value::from(connection_id),
            Value::from(now_ms),
        ],
    )
}

// --- The push job and the hand-off to the Queue ----------------------------------------------

/// Takes the links due a push (of one site, or of all with `None`): changes not yet pushed,
/// their time come, not already in the Queue (or handed before `stale_before`: the message was
/// lost), marking them handed. Oldest due first, at most `limit`.
pub fn take_due(site_id: Option<i64>, now_ms: i64, stale_before: i64, limit: i64) -> Statement {
    Statement::new(
        "UPDATE sync_links SET queued_at = ?2
         WHERE ticket_id IN (SELECT ticket_id FROM sync_links
                             WHERE dirty_seq > pushed_seq AND next_attempt_at <= ?2
                               AND state IN ('pending', 'failed')
                               AND (queued_at IS NULL OR queued_at < ?3)
                               AND (?1 IS NULL OR site_id = ?1)
                             ORDER BY next_attempt_at LIMIT ?4)
         RETURNING ticket_id, site_id",
        vec![
            Value::from(site_id),
            Value::from(now_ms),
            Value::from(stale_before),
            Value::from(limit),
        ],
    )
}

/// Gives a link back to the sweep when the Queue refused its message.
pub fn unqueue(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "UPDATE sync_links SET queued_at = NULL WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// A link with the ticket as it is now: what the push job compares and sends.
#[derive(Debug, Clone, Deserialize)]
pub struct JobRow {
    #[serde(flatten)]
    pub link: LinkRow,
    pub code: String,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub waiting_on_customer: i64,
    pub priority: String,
    pub is_spam: i64,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    /// JSON array of `{author, text}`.
    pub transcript: String,
    /// JSON array of the ticket's labels.
    pub labels: String,
}

/// The push job's read of the link the Queue message named (by ticket id alone: the message
/// carries no site; the row's `site_id` scopes every write after it).
pub fn for_push(ticket_id: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            columns!(),
            ", t.code, t.subject, t.description, t.status, t.waiting_on_customer, t.priority,
             t.is_spam, t.requester_name, t.requester_email, t.transcript,
             (SELECT json_group_array(label) FROM (SELECT label FROM ticket_labels
              WHERE site_id = t.site_id AND ticket_id = t.id ORDER BY label)) AS labels
             FROM sync_links l JOIN tickets t ON t.site_id = l.site_id AND t.id = l.ticket_id
             WHERE l.ticket_id = ?1"
        ),
        vec![Value::from(ticket_id)],
    )
}

/// Records that a create is about to be sent (its own write, before the request: an answer
/// lost after it makes the next run look the remote ticket up instead of creating another).
pub fn mark_create_sent(site_id: i64, ticket_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE sync_links SET create_sent_at = ?3, updated_at = ?3
         WHERE site_id = ?1 AND ticket_id = ?2",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(now_ms),
        ],
    )
}

/// The link's row as a push run leaves it: what the remote side now has, and what comes next.
#[derive(Debug, Clone)]
pub struct PushedRow<'a> {
    pub site_id: i64,
    pub ticket_id: &'a str,
    pub remote_id: Option<&'a str>,
    /// The `dirty_seq` the run read, when everything went out; else the link's old value.
    pub pushed_seq: i64,
    pub pushed_status: Option<&'a str>,
    pub pushed_waiting: Option<&'a str>,
    pub pushed_priority: Option<&'a str>,
    /// `synced` (becomes `pending` again when a change came during the run), `pending`
    /// (a retry), `failed`, `deleted`.
    pub state: &'a str,
    pub error: Option<&'a str>,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    /// Kept set while the Queue holds a retry (the sweep leaves it alone until then).
    pub queued_at: Option<i64>,
    /// Cleared once the remote ticket is known.
    pub create_sent_at: Option<i64>,
    /// Set when something went out in this run.
    pub pushed_at: Option<i64>,
    pub now_ms: i64,
}

/// Writes a push run's outcome on its link (still live: a link stopped or deleted meanwhile
/// stays so).
pub fn settle(s: &PushedRow<'_>) -> Statement {
    Statement::new(
        "UPDATE sync_links
         SET remote_id = ?3, pushed_seq = ?4, pushed_status = ?5, pushed_waiting = ?6,
             pushed_priority = ?7,
             state = CASE WHEN ?8 = 'synced' AND dirty_seq > ?4 THEN 'pending' ELSE ?8 END,
             error = ?9, attempts = ?10,
             next_attempt_at = CASE WHEN ?8 = 'synced' AND dirty_seq > ?4 THEN ?15 ELSE ?11 END,
             queued_at = ?12, create_sent_at = ?13,
             last_pushed_at = COALESCE(?14, last_pushed_at), updated_at = ?15
         WHERE site_id = ?1 AND ticket_id = ?2 AND state IN ('pending', 'synced', 'failed')",
        vec![
            Value::from(s.site_id),
            Value::from(s.ticket_id),
            Value::from(s.remote_id),
            Value::from(s.pushed_seq),
            Value::from(s.pushed_status),
            Value::from(s.pushed_waiting),
            Value::from(s.pushed_priority),
            Value::from(s.state),
            Value::from(s.error),
            Value::from(s.attempts),
            Value::from(s.next_attempt_at),
            Value::from(s.queued_at),
            Value::from(s.create_sent_at),
            Value::from(s.pushed_at),
            Value::from(s.now_ms),
        ],
    )
}

/// Stops a link whose connection is gone (disconnected, or replaced by another).
pub fn stop(site_id: i64, ticket_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE sync_links SET state = 'stopped', next_attempt_at = NULL, queued_at = NULL,
                               updated_at = ?3
         WHERE site_id = ?1 AND ticket_id = ?2",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(now_ms),
        ],
    )
}

/// The ticket's own record of its remote twin (`tickets.sync_*`, which the list and the API
/// show).
pub fn mark_ticket_synced(
    site_id: i64,
    ticket_id: &str,
    platform: &str,
    remote_id: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE tickets SET sync_platform = ?3, sync_remote_id = ?4, synced_at = ?5
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(platform),
            Value::from(remote_id),
            Value::from(now_ms),
        ],
    )
}

/// What the ticket page's External Sync section shows: the site's live connection (if any)
/// and the ticket's link with the connection it goes through. Always one row.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageRow {
    /// The site's live connection's platform; NULL when the site has none.
    pub live_platform: Option<String>,
    /// The link's state; NULL when the ticket has no link.
    pub state: Option<String>,
    pub error: Option<String>,
    pub remote_id: Option<String>,
    /// The platform and base URL of the link's connection (live or not).
    pub link_platform: Option<String>,
    pub link_base_url: Option<String>,
}

/// The ticket page's read (in the page's one batch).
pub fn for_ticket_page(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "SELECT (SELECT platform FROM sync_connections
                 WHERE site_id = ?1 AND disconnected_at IS NULL) AS live_platform,
                l.state, l.error, l.remote_id, c.platform AS link_platform,
                c.base_url AS link_base_url
         FROM (SELECT 1) AS one
         LEFT JOIN tickets t ON t.site_id = ?1 AND t.code = ?2
         LEFT JOIN sync_links l ON l.site_id = ?1 AND l.ticket_id = t.id
         LEFT JOIN sync_connections c ON c.site_id = ?1 AND c.id = l.connection_id",
        vec![Value::from(site_id), Value::from(code)],
    )
}

/// A deleted ticket's link (its delete batch).
pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM sync_links WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

// --- Pulls (the webhook route) ---------------------------------------------------------------

/// A linked ticket as a pull needs it: the link, the ticket's state and SLA clock, and when
/// our side last changed it (the conflict rule compares those times with the platform's).
#[derive(Debug, Clone, Deserialize)]
pub struct PullTargetRow {
    pub ticket_id: String,
    pub remote_id: String,
    pub state: String,
    pub dirty_seq: i64,
    pub pushed_seq: i64,
    pub status: String,
    pub waiting_on_customer: i64,
    pub priority: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub first_response_due_at: Option<i64>,
    pub first_responded_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub resolution_left_ms: Option<i64>,
    pub sla_policy: Option<String>,
    /// Our latest status or waiting change not made by the `sync` actor.
    pub local_status_at: Option<i64>,
    /// Our latest priority change not made by the `sync` actor.
    pub local_priority_at: Option<i64>,
}

/// The linked tickets of the remote tickets `remote_ids_json` (a JSON array of strings) under
/// the site's connection, whatever the link's state (the caller ignores the stopped ones).
pub fn pull_targets(site_id: i64, connection_id: i64, remote_ids_json: &str) -> Statement {
    Statement::new(
        "SELECT l.ticket_id, l.remote_id, l.state, l.dirty_seq, l.pushed_seq,
                t.status, t.waiting_on_customer, t.priority, t.created_at, t.updated_at,
                t.first_response_due_at, t.first_responded_at, t.resolution_due_at,
                t.resolution_left_ms,
                (SELECT sla_policy FROM sites WHERE id = ?1) AS sla_policy,
                (SELECT max(e.created_at) FROM ticket_events e
                 WHERE e.site_id = ?1 AND e.ticket_id = l.ticket_id
                   AND e.kind IN ('status_changed', 'waiting_changed')
                   AND json_extract(e.actor, '$.type') IS NOT 'sync') AS local_status_at,
                (SELECT max(e.created_at) FROM ticket_events e
                 WHERE e.site_id = ?1 AND e.ticket_id = l.ticket_id
                   AND e.kind = 'priority_changed'
                   AND json_extract(e.actor, '$.type') IS NOT 'sync') AS local_priority_at
         FROM sync_links l
         JOIN tickets t ON t.site_id = l.site_id AND t.id = l.ticket_id
         WHERE l.site_id = ?1 AND l.connection_id = ?2
           AND l.remote_id IN (SELECT value FROM json_each(?3))",
        vec![
            Value::from(site_id),
            Value::from(connection_id),
            Value::from(remote_ids_json),
        ],
    )
}

/// What a pull leaves on the link: when it pulled, and what the remote side now has. Each of
/// `status` (with `waiting`) and `priority` is written only when the pull said something about
/// it (`Some`), so a local change not yet pushed stays owed. Never touches `dirty_seq`.
pub struct AfterPull<'a> {
    pub site_id: i64,
    pub ticket_id: &'a str,
    /// The remote side's status and waiting side, in our spelling.
    pub status: Option<(&'a str, Option<&'a str>)>,
    pub priority: Option<&'a str>,
    /// The remote ticket was deleted: the link becomes `deleted` and stops.
    pub deleted: bool,
    pub now_ms: i64,
}

pub fn after_pull(p: &AfterPull<'_>) -> Statement {
    Statement::new(
        "UPDATE sync_links
         SET pushed_status = CASE WHEN ?3 THEN ?4 ELSE pushed_status END,
             pushed_waiting = CASE WHEN ?3 THEN ?5 ELSE pushed_waiting END,
             pushed_priority = coalesce(?6, pushed_priority),
             state = CASE WHEN ?7 THEN 'deleted' ELSE state END,
             next_attempt_at = CASE WHEN ?7 THEN NULL ELSE next_attempt_at END,
             last_pulled_at = ?8, updated_at = ?8
         WHERE site_id = ?1 AND ticket_id = ?2 AND state IN ('pending', 'synced', 'failed')",
        vec![
            Value::from(p.site_id),
            Value::from(p.ticket_id),
            Value::from(p.status.is_some()),
            Value::from(p.status.map(|s| s.0)),
            Value::from(p.status.and_then(|s| s.1)),
            Value::from(p.priority),
            Value::from(p.deleted),
            Value::from(p.now_ms),
        ],
    )
}
