//! The `notifications` table: the outbox of webhook events and their delivery record.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// A new ticket's event, in its create batch (after `tickets::insert_numbered`), only for a
/// site with a webhook.
pub fn insert_ticket_created(site_id: i64, ticket_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO notifications (id, site_id, kind, data, created_at)
         SELECT 'tc_' || t.id, t.site_id, 'ticket.created',
                json_object('ticket_id', t.id, 'code', t.code, 'subject', t.subject,
                            'source', t.source, 'priority', t.priority,
                            'requester_name', t.requester_name,
                            'requester_email', t.requester_email), ?3
         FROM tickets t JOIN sites s ON s.id = t.site_id
         WHERE t.site_id = ?1 AND t.id = ?2 AND s.webhook_url IS NOT NULL",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(now_ms),
        ],
    )
}

/// A visitor's reply's event, in the reply batch (after its comment), for a site with a
/// webhook.
pub fn insert_visitor_replied(site_id: i64, ticket_id: &str, key: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO notifications (id, site_id, kind, data, created_at)
         SELECT 'vr_' || t.id || '_' || c.idempotency_key, t.site_id, 'ticket.visitor_replied',
                json_object('ticket_id', t.id, 'code', t.code, 'subject', t.subject,
                            'status', t.status, 'reply', c.body,
                            'requester_name', t.requester_name,
                            'requester_email', t.requester_email), ?4
         FROM tickets t
         JOIN sites s ON s.id = t.site_id
         JOIN ticket_comments c ON c.site_id = t.site_id AND c.ticket_id = t.id
                                AND c.idempotency_key = ?3
         WHERE t.site_id = ?1 AND t.id = ?2 AND s.webhook_url IS NOT NULL",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(key),
            Value::from(now_ms),
        ],
    )
}

pub fn insert_test(id: &str, site_id: i64, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO notifications (id, site_id, kind, data, created_at)
         VALUES (?1, ?2, 'test', json_object('message', 'A test from Ticketbooth'), ?3)",
        vec![Value::from(id), Value::from(site_id), Value::from(now_ms)],
    )
}

/// Events not yet handed to the Queue (of one site, or of all with `site_id` NULL), marked
/// queued in the same statement so two sweeps never both take one.
pub fn take_pending(site_id: Option<i64>, now_ms: i64, limit: i64) -> Statement {
    Statement::new(
        "UPDATE notifications SET queued_at = ?2
         WHERE id IN (SELECT id FROM notifications
                      WHERE queued_at IS NULL AND (?1 IS NULL OR site_id = ?1)
                      ORDER BY created_at LIMIT ?3)
         RETURNING id",
        vec![
            Value::from(site_id),
            Value::from(now_ms),
            Value::from(limit),
        ],
    )
}

/// Gives events back to the sweep when the Queue refused them.
pub fn unqueue(id: &str) -> Statement {
    Statement::new(
        "UPDATE notifications SET queued_at = NULL WHERE id = ?1 AND delivered_at IS NULL",
        vec![Value::from(id)],
    )
}

/// An event with where it goes.
#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryRow {
    pub id: String,
    pub kind: String,
    pub data: String,
    pub created_at: i64,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub site_key: String,
    pub site_name: String,
    pub site_id: i64,
    pub webhook_url: Option<String>,
    /// The signing secret in clear, as written before migration 0018 (sealed on first use).
    pub webhook_secret: Option<String>,
    /// The signing secret sealed (`site_secrets`), `<key id>:<ciphertext>`.
    #[serde(default)]
    pub webhook_secret_sealed: Option<String>,
}

pub fn find_for_delivery(id: &str) -> Statement {
    Statement::new(
        "SELECT n.id, n.kind, n.data, n.created_at, n.attempts, n.delivered_at, n.failed_at,
                n.site_id, s.key AS site_key, s.name AS site_name, s.webhook_url, s.webhook_secret,
                (SELECT key_id || ':' || ciphertext FROM site_secrets
                 WHERE site_id = n.site_id AND name = 'webhook_secret') AS webhook_secret_sealed
         FROM notifications n JOIN sites s ON s.id = n.site_id
         WHERE n.id = ?1",
        vec![Value::from(id)],
    )
}

/// One attempt's result: delivered (`delivered`), or not (and given up when `failed`).
pub fn record_attempt(
    id: &str,
    status: Option<u16>,
    error: Option<&str>,
    delivered: bool,
    failed: bool,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE notifications
         SET attempts = attempts + 1, last_status = ?2, last_error = ?3,
             delivered_at = CASE WHEN ?4 THEN ?6 ELSE delivered_at END,
             failed_at = CASE WHEN ?5 THEN ?6 ELSE failed_at END
         WHERE id = ?1",
        vec![
            Value::from(id),
            Value::from(status.map(i64::from)),
            Value::from(error),
            Value::from(delivered),
            Value::from(failed),
            Value::from(now_ms),
        ],
    )
}

/// A site's recent events, newest first, for the settings page.
#[derive(Debug, Clone, Deserialize)]
pub struct RecentRow {
    pub id: String,
    pub kind: String,
    pub created_at: i64,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
}

pub fn recent(site_id: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT id, kind, created_at, attempts, last_status, last_error, delivered_at, failed_at
         FROM notifications WHERE site_id = ?1 ORDER BY created_at DESC, id LIMIT ?2",
        vec![Value::from(site_id), Value::from(limit)],
    )
}

/// An erasure's page (`service::data_rights::erase`): in the site's events about one of the
/// page's tickets (`?3`, their numbers as a JSON array) or naming the email, the requester's
/// name and email and a reply's text become the placeholder (`json_replace` touches only the
/// fields an event has). Delivered or not: an event still waiting goes out scrubbed.
pub fn erase_requester(site_id: i64, email: &str, numbers: &str, placeholder: &str) -> Statement {
    Statement::new(
        "UPDATE notifications
         SET data = json_replace(data,
                 '$.requester_email', ?4,
                 '$.requester_name',
                 CASE WHEN json_extract(data, '$.requester_name') IS NULL THEN NULL ELSE ?4 END,
                 '$.reply', ?4)
         WHERE site_id = ?1
           AND (json_extract(data, '$.requester_email') = ?2 COLLATE NOCASE
                OR json_extract(data, '$.ticket_id') IN
                   (SELECT id FROM tickets
                    WHERE site_id = ?1 AND number IN (SELECT value FROM json_each(?3))))",
        vec![
            Value::from(site_id),
            Value::from(email),
            Value::from(numbers),
            Value::from(placeholder),
        ],
    )
}

/// Events delivered, or given up on, before `cutoff`, of every site: the scheduled purge
/// (`service::maintenance`). Their payloads hold requesters' emails and replies, and their
/// record has served its purpose (the settings page shows recent deliveries).
pub fn delete_settled_before(cutoff: i64) -> Statement {
    Statement::new(
        "DELETE FROM notifications WHERE delivered_at < ?1 OR failed_at < ?1",
        vec![Value::from(cutoff)],
    )
}

/// A deleted ticket's events, in its delete batch: they would announce a ticket that is gone,
/// with its requester's data. The Queue's consumer finds no row and drops a message in flight.
pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM notifications WHERE site_id = ?1 AND json_extract(data, '$.ticket_id') = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

/// The breach sweep's webhook events (`ticket.sla_breached`), one per missed target, for sites
/// with a webhook; before `tickets::mark_sla_breaches` in the same batch.
pub fn insert_sla_breaches(now_ms: i64) -> Statement {
    use super::tickets::{first_response_missed, resolution_missed, sla_overdue};
    Statement::new(
        concat!(
            "INSERT INTO notifications (id, site_id, kind, data, created_at)
             SELECT 'sb_' || t.id || '_fr', t.site_id, 'ticket.sla_breached',
                    json_object('ticket_id', t.id, 'code', t.code, 'subject', t.subject,
                                'priority', t.priority, 'status', t.status,
                                'target', 'first_response', 'due_at_ms', t.first_response_due_at,
                                'requester_name', t.requester_name,
                                'requester_email', t.requester_email), ?1 ",
            sla_overdue!(),
            " AND s.webhook_url IS NOT NULL AND ",
            first_response_missed!(),
            " UNION ALL
             SELECT 'sb_' || t.id || '_res', t.site_id, 'ticket.sla_breached',
                    json_object('ticket_id', t.id, 'code', t.code, 'subject', t.subject,
                                'priority', t.priority, 'status', t.status,
                                'target', 'resolution', 'due_at_ms', t.resolution_due_at,
                                'requester_name', t.requester_name,
                                'requester_email', t.requester_email), ?1 ",
            sla_overdue!(),
            " AND s.webhook_url IS NOT NULL AND ",
            resolution_missed!()
        ),
        vec![Value::from(now_ms)],
    )
}
