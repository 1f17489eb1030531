//! The `mails` table (migration 0033): the outbox of e-mail, one row per message. Rows are
//! written by `INSERT … SELECT` statements that carry the rules in their `WHERE` (the site's
//! e-mail on, an address, not opted out or bounced, not spam, the operator opted in), so the
//! batch of what a mail announces writes it or not without a read before.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// The requester's mail of `kind` about the ticket (`body`: what only it says), when the
/// rules allow it now.
pub fn insert_for_requester(
    site_id: i64,
    ticket_id: &str,
    kind: &str,
    body: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO mails (site_id, ticket_id, kind, to_address, body, created_at)
         SELECT t.site_id, t.id, ?3, lower(t.requester_email), ?4, ?5
         FROM tickets t JOIN sites s ON s.id = t.site_id
         WHERE t.site_id = ?1 AND t.id = ?2 AND s.email_enabled = 1 AND t.is_spam = 0
           AND t.requester_email IS NOT NULL AND t.requester_email <> ''
           AND NOT EXISTS (SELECT 1 FROM email_recipients r
                           WHERE r.site_id = t.site_id AND r.address = lower(t.requester_email)
                             AND (r.opted_out_at IS NOT NULL OR r.bounced_at IS NOT NULL))",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(kind),
            Value::from(body),
            Value::from(now_ms),
        ],
    )
}

/// As `insert_for_requester` (no body), for the ticket `code`.
pub fn insert_for_requester_by_code(
    site_id: i64,
    code: &str,
    kind: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO mails (site_id, ticket_id, kind, to_address, created_at)
         SELECT t.site_id, t.id, ?3, lower(t.requester_email), ?4
         FROM tickets t JOIN sites s ON s.id = t.site_id
         WHERE t.site_id = ?1 AND t.code = ?2 AND s.email_enabled = 1 AND t.is_spam = 0
           AND t.requester_email IS NOT NULL AND t.requester_email <> ''
           AND NOT EXISTS (SELECT 1 FROM email_recipients r
                           WHERE r.site_id = t.site_id AND r.address = lower(t.requester_email)
                             AND (r.opted_out_at IS NOT NULL OR r.bounced_at IS NOT NULL))",
        vec![
            Value::from(site_id),
            Value::from(code),
            Value::from(kind),
            Value::from(now_ms),
        ],
    )
}

/// The operator's "assigned to you" mail, when they opted in (`operators.mail_assigned`), are
/// still a member of the site, and the rules allow it now. `operator_id` `None`: whoever holds
/// the ticket once the batch's earlier statements ran (a routing rule's pick, made in SQL).
pub fn insert_assigned(
    site_id: i64,
    ticket_id: &str,
    operator_id: Option<&str>,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO mails (site_id, ticket_id, kind, to_address, operator_id, created_at)
         SELECT t.site_id, t.id, 'assigned', lower(o.email), o.id, ?4
         FROM tickets t
         JOIN sites s ON s.id = t.site_id
         JOIN site_members m ON m.site_id = t.site_id
                              AND m.operator_id = coalesce(?3, t.assignee_id)
         JOIN operators o ON o.id = m.operator_id
         WHERE t.site_id = ?1 AND t.id = ?2 AND s.email_enabled = 1 AND t.is_spam = 0
           AND o.mail_assigned = 1
           AND NOT EXISTS (SELECT 1 FROM email_recipients r
                           WHERE r.site_id = t.site_id AND r.address = lower(o.email)
                             AND (r.opted_out_at IS NOT NULL OR r.bounced_at IS NOT NULL))",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(operator_id),
            Value::from(now_ms),
        ],
    )
}

/// The breach sweep's SLA warnings: one per target its batch just marked missed (`?1`, the
/// sweep's time, is what `tickets::mark_sla_breaches` stamped), for the ticket's assignee when
/// they opted in (once per target: a sweep at the same millisecond writes none again), by the
/// rules every operator mail follows (the site mails, they opted in, the address neither
/// opted out nor bounced). Put after the marks in the sweep's
/// batch: the tickets are found in the same overdue range (`tickets_by_sla_due`).
pub fn insert_sla_warnings_of_sweep(now_ms: i64) -> Statement {
    use super::tickets::sla_overdue;
    Statement::new(
        concat!(
            "INSERT INTO mails (site_id, ticket_id, kind, to_address, operator_id, body, created_at)
             SELECT w.site_id, w.id, 'sla_warning', lower(o.email), o.id, w.target, ?1
             FROM (SELECT t.site_id, t.id, t.assignee_id, 'first_response' AS target ",
            sla_overdue!(),
            " AND t.first_response_breached_at = ?1
                   UNION ALL
                   SELECT t.site_id, t.id, t.assignee_id, 'resolution' AS target ",
            sla_overdue!(),
            " AND t.resolution_breached_at = ?1) w
             JOIN sites st ON st.id = w.site_id
             JOIN site_members m ON m.site_id = w.site_id AND m.operator_id = w.assignee_id
             JOIN operators o ON o.id = m.operator_id
             WHERE st.email_enabled = 1 AND o.mail_sla = 1
               AND NOT EXISTS (SELECT 1 FROM mails x
                               WHERE x.site_id = w.site_id AND x.ticket_id = w.id
                                 AND x.kind = 'sla_warning' AND x.body = w.target)
               AND NOT EXISTS (SELECT 1 FROM email_recipients r
                               WHERE r.site_id = w.site_id AND r.address = lower(o.email)
                                 AND (r.opted_out_at IS NOT NULL OR r.bounced_at IS NOT NULL))"
        ),
        vec![Value::from(now_ms)],
    )
}

/// Mails not yet handed to the Queue, and those handed before `stale_before` and still unsent
/// (a Worker stopped between the hand-off and the send, or a retry the Queue lost), of one
/// site or all; marked queued in the statement that takes them.
pub fn take_unsent(site_id: Option<i64>, now_ms: i64, stale_before: i64, limit: i64) -> Statement {
    Statement::new(
        "UPDATE mails SET state = 'queued', queued_at = ?2
         WHERE id IN (SELECT id FROM mails
                      WHERE (state = 'waiting' OR (state = 'queued' AND queued_at < ?3))
                        AND (?1 IS NULL OR site_id = ?1)
                      ORDER BY id LIMIT ?4)
         RETURNING id, site_id",
        vec![
            Value::from(site_id),
            Value::from(now_ms),
            Value::from(stale_before),
            Value::from(limit),
        ],
    )
}

/// Gives a mail back to the sweep when the Queue refused it.
pub fn unqueue(site_id: i64, id: i64) -> Statement {
    Statement::new(
        "UPDATE mails SET state = 'waiting', queued_at = NULL
         WHERE site_id = ?1 AND id = ?2 AND state = 'queued'",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// A mail with everything its send needs: the rules as they are now and what it says.
#[derive(Debug, Clone, Deserialize)]
pub struct SendRow {
    pub id: i64,
    pub site_id: i64,
    pub ticket_id: String,
    pub kind: String,
    pub to_address: String,
    pub operator_id: Option<String>,
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
    pub site_key: String,
    pub site_name: String,
    pub email_enabled: i64,
    pub support_local: Option<String>,
    pub code: String,
    pub subject: String,
    pub status: String,
    pub is_spam: i64,
    pub reply_token: Option<String>,
    pub requester_name: Option<String>,
    pub assignee_id: Option<String>,
    /// Set when the address opted out or bounced (either stops the mail).
    pub blocked: Option<String>,
    /// The operator's opt-in for the mail's kind, as it is now (operators' mails only).
    pub opted_in: Option<i64>,
}

pub fn find_for_send(id: i64) -> Statement {
    Statement::new(
        "SELECT m.id, m.site_id, m.ticket_id, m.kind, m.to_address, m.operator_id, m.body,
                m.state, m.attempts, m.created_at,
                s.key AS site_key, s.name AS site_name, s.email_enabled, s.support_local,
                t.code, t.subject, t.status, t.is_spam, t.reply_token, t.requester_name,
                t.assignee_id,
                (SELECT CASE WHEN r.bounced_at IS NOT NULL THEN 'bounced'
                             WHEN r.opted_out_at IS NOT NULL THEN 'opted_out' END
                 FROM email_recipients r
                 WHERE r.site_id = m.site_id AND r.address = m.to_address) AS blocked,
                (SELECT CASE m.kind WHEN 'assigned' THEN o.mail_assigned
                                    WHEN 'sla_warning' THEN o.mail_sla END
                 FROM operators o JOIN site_members sm
                      ON sm.operator_id = o.id AND sm.site_id = m.site_id
                 WHERE o.id = m.operator_id) AS opted_in
         FROM mails m
         JOIN sites s ON s.id = m.site_id
         JOIN tickets t ON t.site_id = m.site_id AND t.id = m.ticket_id
         WHERE m.id = ?1",
        vec![Value::from(id)],
    )
}

/// The mail went out; `message_id` is what Email Service answered.
pub fn mark_sent(site_id: i64, id: i64, message_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE mails SET state = 'sent', attempts = attempts + 1, message_id = ?3,
                          error = NULL, sent_at = ?4
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(message_id),
            Value::from(now_ms),
        ],
    )
}

/// The rules said no at send time (`why`: opted out, bounced, e-mail off …): never sent.
pub fn mark_skipped(site_id: i64, id: i64, why: &str) -> Statement {
    Statement::new(
        "UPDATE mails SET state = 'skipped', error = ?3 WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id), Value::from(why)],
    )
}

/// One failed attempt: retried at `retry_at` (still queued; the sweep takes it again should
/// the Queue lose it), or given up (`failed`).
pub fn record_failure(
    site_id: i64,
    id: i64,
    error: &str,
    failed: bool,
    retry_at: i64,
) -> Statement {
    Statement::new(
        "UPDATE mails SET attempts = attempts + 1, error = ?3,
                          state = CASE WHEN ?4 THEN 'failed' ELSE 'queued' END,
                          queued_at = ?5
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(error),
            Value::from(failed),
            Value::from(retry_at),
        ],
    )
}

/// A deleted ticket's mails, in its delete batch (they reference it).
pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM mails WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// An erasure's page (`service::data_rights::erase`): the site's mails to the address, or
/// about one of the page's tickets (`numbers`: a JSON array), go: they hold the address and
/// the replies' text.
pub fn erase_requester(site_id: i64, email: &str, numbers: &str) -> Statement {
    Statement::new(
        "DELETE FROM mails
         WHERE site_id = ?1
           AND (to_address = lower(?2)
                OR ticket_id IN (SELECT id FROM tickets
                                 WHERE site_id = ?1
                                   AND number IN (SELECT value FROM json_each(?3))))",
        vec![
            Value::from(site_id),
            Value::from(email),
            Value::from(numbers),
        ],
    )
}

/// A ticket's mails, newest first (host tests and the ticket's record).
#[derive(Debug, Clone, Deserialize)]
pub struct MailRow {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub body: String,
    pub state: String,
    pub attempts: i64,
}

pub fn for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "SELECT id, kind, to_address, body, state, attempts FROM mails
         WHERE site_id = ?1 AND ticket_id = ?2 ORDER BY id",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}
