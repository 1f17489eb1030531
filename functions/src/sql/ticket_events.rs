//! The `ticket_events` table: the append-only audit trail.

use ticketbooth_shared::event::{Actor, EventKind};

use crate::store::{Statement, StoreError, Value};

/// Appends `event` for a ticket. `data` holds the event's fields without its tag (the tag is
/// the `kind` column).
pub fn insert(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params(site_id, ticket_id, event, actor, now_ms)?,
    ))
}

/// Appends a new ticket's `created` event, or — when `tickets::insert_numbered` inserted
/// nothing because the site reached its daily cap — fails the batch: the row's `kind` becomes
/// `daily_cap_reached`, which the table's CHECK refuses, so the whole create rolls back
/// (`StoreError::CheckViolation`, the only CHECK a create can fail).
pub fn insert_created(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2)
                        THEN ?3 ELSE 'daily_cap_reached' END, ?4, ?5, ?6",
        params(site_id, ticket_id, event, actor, now_ms)?,
    ))
}

/// Appends `event` only if the ticket still has the `updated_at` it had when the action read
/// it: the optimistic-concurrency guard every ticket action's batch starts with. When the
/// ticket changed (or is gone), the row's `kind` becomes `stale_edit`, which the table's CHECK
/// refuses, so the statement fails and D1 rolls the whole batch back: a stale edit changes
/// nothing. The service tells this failure (`StoreError::CheckViolation`) apart by re-reading.
pub fn insert_guarded(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
    expected_updated_at: i64,
) -> Result<Statement, StoreError> {
    let mut params = params(site_id, ticket_id, event, actor, now_ms)?;
    params.push(Value::from(expected_updated_at));
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, CASE WHEN t.updated_at = ?7 THEN ?3 ELSE 'stale_edit' END, ?4, ?5, ?6
         FROM (SELECT 1) AS one
         LEFT JOIN tickets t ON t.site_id = ?1 AND t.id = ?2",
        params,
    ))
}

/// Appends a visitor's `comment_added` only if the ticket is that visitor's and not closed;
/// otherwise the row's `kind` becomes `reply_refused`, which the table's CHECK refuses, so the
/// whole reply batch rolls back. The service tells why by re-reading (not theirs: 404; closed).
pub fn insert_visitor_guarded(
    site_id: i64,
    ticket_id: &str,
    visitor_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let mut params = params(site_id, ticket_id, event, actor, now_ms)?;
    params.push(Value::from(visitor_id));
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2
                                          AND visitor_id = ?7 AND status <> 'closed')
                        THEN ?3 ELSE 'reply_refused' END, ?4, ?5, ?6",
        params,
    ))
}

/// Appends `event` only while the ticket is in `status` (read in the same batch, before the
/// update that moves it): the reopening a visitor's reply causes on a resolved ticket.
pub fn insert_if_status(
    site_id: i64,
    ticket_id: &str,
    status: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let mut params = params(site_id, ticket_id, event, actor, now_ms)?;
    params.push(Value::from(status));
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6
         WHERE EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2 AND status = ?7)",
        params,
    ))
}

/// Appends `event` only while the ticket is pending and waits on the customer (read in the
/// same batch, before the update that hands it back to the team): a customer's reply.
pub fn insert_if_waiting_on_customer(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6
         WHERE EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2
                         AND status = 'pending' AND waiting_on_customer = 1)",
        params(site_id, ticket_id, event, actor, now_ms)?,
    ))
}

/// The `team_changed` event of a ticket routing just put in a team (`tickets::route_to_team`,
/// earlier in the batch), naming the team as it is now and the rule (cast: D1 binds numbers
/// as doubles, and the event's `rule` is an integer); nothing when the ticket
/// is not in that team (the team was deleted meanwhile).
pub fn insert_routed_team(
    site_id: i64,
    ticket_id: &str,
    team_id: i64,
    rule_id: i64,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, 'team_changed', json_object('from', NULL, 'to', tm.name, 'rule', CAST(?4 AS INTEGER)), ?5, ?6
         FROM tickets t JOIN teams tm ON tm.site_id = t.site_id AND tm.id = t.team_id
         WHERE t.site_id = ?1 AND t.id = ?2 AND t.team_id = ?3",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(team_id),
            Value::from(rule_id),
            Value::from(actor_json(actor)?),
            Value::from(now_ms),
        ],
    ))
}

/// The `assigned` event of a ticket routing just gave to a member of its team (the pick is
/// SQL's, so the event reads who it went to); nothing when nobody was available.
pub fn insert_routed_assignee(
    site_id: i64,
    ticket_id: &str,
    rule_id: i64,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, 'assigned', json_object('from', NULL, 'to', t.assignee_id, 'rule', CAST(?3 AS INTEGER)), ?4, ?5
         FROM tickets t WHERE t.site_id = ?1 AND t.id = ?2 AND t.assignee_id IS NOT NULL",
        vec![
            Value::from(site_id),
            Value::from(ticket_id),
            Value::from(rule_id),
            Value::from(actor_json(actor)?),
            Value::from(now_ms),
        ],
    ))
}

/// A `team_changed` event (to no team) on every ticket of a team being deleted, before
/// `tickets::clear_team` in the same batch.
pub fn insert_team_removed(
    site_id: i64,
    team_id: i64,
    team_name: &str,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT site_id, id, 'team_changed', json_object('from', ?3, 'to', NULL), ?4, ?5
         FROM tickets WHERE site_id = ?1 AND team_id = ?2",
        vec![
            Value::from(site_id),
            Value::from(team_id),
            Value::from(team_name),
            Value::from(actor_json(actor)?),
            Value::from(now_ms),
        ],
    ))
}

fn actor_json(actor: &Actor) -> Result<String, StoreError> {
    serde_json::to_string(actor).map_err(|e| StoreError::RowShape(e.to_string()))
}

/// What proves who acts in `insert_status_change_checked`: an API token, or a dashboard
/// session still inside its idle and absolute limits (the times before which it is expired).
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    Token {
        hash: &'a str,
    },
    Session {
        hash: &'a str,
        seen_since_ms: i64,
        created_since_ms: i64,
    },
}

/// What `insert_status_change_checked` checks, all of it in the statement's own snapshot.
pub struct StatusChangeCheck<'a> {
    pub site_id: i64,
    pub code: &'a str,
    pub to: &'a str,
    /// The credential, and whom the caller believes it names: its operator and role.
    pub credential: Credential<'a>,
    pub operator_id: &'a str,
    pub role: &'a str,
    /// JSON arrays: the ownerships (`mine`, `others`, `unassigned`) the role may change, and
    /// the statuses the transition table lets move to `to`.
    pub ownerships_json: String,
    pub from_json: String,
    /// The version the caller saw, if it sent one.
    pub seen_version: Option<i64>,
    pub actor: &'a Actor,
    pub now_ms: i64,
}

/// The status change's decision, with `$credential` the test that the credential (`?4`) names
/// the operator `?5` on the site `?1` with the role `?6`.
macro_rules! status_change_checked {
    ($credential:literal) => {
        concat!(
            "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
             SELECT ?1, coalesce(t.id, ''),
                    CASE WHEN t.id IS NOT NULL AND ",
            $credential,
            "
                          AND CASE WHEN t.assignee_id IS NULL THEN 'unassigned'
                                   WHEN t.assignee_id = ?5 THEN 'mine' ELSE 'others' END
                              IN (SELECT value FROM json_each(?7))
                          AND t.status IN (SELECT value FROM json_each(?8))
                          AND (?9 IS NULL OR t.updated_at = ?9)
                          AND NOT CASE WHEN ?3 IN ('resolved', 'closed')
                                       THEN t.resolution_left_ms IS NULL
                                            AND t.resolution_due_at IS NOT NULL
                                       ELSE t.resolution_left_ms IS NOT NULL END
                         THEN 'status_changed' ELSE 'refused' END,
                    json_object('from', t.status, 'to', ?3), ?10,
                    max(?11, coalesce(t.updated_at, 0) + 1)
             FROM (SELECT 1) AS one
             LEFT JOIN tickets t ON t.site_id = ?1 AND t.code = ?2"
        )
    };
}

/// A whole status change's decision as the first statement of its batch, for the path that
/// reads nothing first (`ticket_actions::change_status_at_once`): appends `status_changed`
/// (`from` read here) for the ticket `code` only if the credential still names that operator
/// on the site with that role, the role may change a ticket with this assignee, the status
/// table allows the move, and the version is the one seen. Otherwise the row's `kind`
/// becomes `refused`, the table's CHECK fails and the batch rolls back; the caller then takes
/// the path that reads first and says why. So is a move that pauses or resumes the ticket's
/// SLA resolution clock: its business time needs the site's policy, which that path reads
/// (`service::sla::on_status`). A missing ticket is a refusal too (the empty id is
/// never written: the CHECK fails first). The event's time is the ticket's next version,
/// `max(now, updated_at + 1)`, as `tickets::set_status_by_code` computes it.
pub fn insert_status_change_checked(c: &StatusChangeCheck<'_>) -> Result<Statement, StoreError> {
    // Spelled as `encode` spells every other event's actor, so both paths store the same text.
    let actor = serde_json::to_value(c.actor)
        .map_err(|e| StoreError::RowShape(e.to_string()))?
        .to_string();
    let hash = match c.credential {
        Credential::Token { hash } | Credential::Session { hash, .. } => hash,
    };
    let mut params = vec![
        Value::from(c.site_id),
        Value::from(c.code),
        Value::from(c.to),
        Value::from(hash),
        Value::from(c.operator_id),
        Value::from(c.role),
        Value::from(c.ownerships_json.clone()),
        Value::from(c.from_json.clone()),
        Value::from(c.seen_version),
        Value::from(actor),
        Value::from(c.now_ms),
    ];
    let sql = match c.credential {
        Credential::Token { .. } => status_change_checked!(
            "EXISTS (SELECT 1 FROM operator_tokens k
                     JOIN site_members m ON m.site_id = k.site_id AND m.operator_id = k.operator_id
                     WHERE k.token_hash = ?4 AND k.site_id = ?1 AND k.operator_id = ?5
                       AND m.role = ?6)"
        ),
        Credential::Session {
            seen_since_ms,
            created_since_ms,
            ..
        } => {
            params.push(Value::from(seen_since_ms));
            params.push(Value::from(created_since_ms));
            status_change_checked!(
                "EXISTS (SELECT 1 FROM sessions s
                         JOIN site_members m ON m.site_id = s.site_id AND m.operator_id = s.operator_id
                         WHERE s.id_hash = ?4 AND s.site_id = ?1 AND s.operator_id = ?5
                           AND m.role = ?6 AND s.last_seen_at >= ?12 AND s.created_at >= ?13)"
            )
        }
    };
    Ok(Statement::new(sql, params))
}

/// `?1`…`?6` of every event insert: site, ticket, kind, data, actor, time.
fn params(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Vec<Value>, StoreError> {
    let (data, actor) = encode(event, actor)?;
    Ok(vec![
        Value::from(site_id),
        Value::from(ticket_id),
        Value::from(event.name()),
        Value::from(data),
        Value::from(actor),
        Value::from(now_ms),
    ])
}

/// The event's fields without its tag, and the actor, as JSON text.
fn encode(event: &EventKind, actor: &Actor) -> Result<(String, String), StoreError> {
    let encode = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| StoreError::RowShape(e.to_string()))
    };
    let mut data = encode(serde_json::to_value(event))?;
    if let Some(fields) = data.as_object_mut() {
        fields.remove("kind");
    }
    let actor = encode(serde_json::to_value(actor))?;
    Ok((data.to_string(), actor.to_string()))
}

pub fn delete_for_ticket(site_id: i64, ticket_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM ticket_events WHERE site_id = ?1 AND ticket_id = ?2",
        vec![Value::from(site_id), Value::from(ticket_id)],
    )
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct EventRow {
    pub kind: String,
    /// JSON object: the event's fields.
    pub data: String,
    /// JSON object: `shared::event::Actor`.
    pub actor: String,
    pub created_at: i64,
}

/// A ticket's timeline, oldest first, found by the ticket's code.
pub fn timeline_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "SELECT e.kind, e.data, e.actor, e.created_at
         FROM ticket_events e
         JOIN tickets t ON t.site_id = e.site_id AND t.id = e.ticket_id
         WHERE e.site_id = ?1 AND t.code = ?2
         ORDER BY e.id",
        vec![Value::from(site_id), Value::from(code)],
    )
}

/// An event with its ticket, for the export.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ExportEventRow {
    pub ticket_id: String,
    #[serde(flatten)]
    pub event: EventRow,
}

/// The events of `tickets::export_page(site_id, after, limit)`'s tickets, oldest first.
pub fn export_page(site_id: i64, after: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT ticket_id, kind, data, actor, created_at FROM ticket_events
         WHERE site_id = ?1 AND ticket_id IN (
             SELECT id FROM tickets WHERE site_id = ?1 AND number > ?2 ORDER BY number LIMIT ?3)
         ORDER BY id",
        vec![Value::from(site_id), Value::from(after), Value::from(limit)],
    )
}

/// An `erased` event (`data`: `EventKind::Erased` without its tag) on each of `email`'s
/// tickets numbered up to `last`. First in the erasure batch, while the email still matches.
pub fn insert_erased(
    site_id: i64,
    email: &str,
    last: i64,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let (data, actor) = encode(event, actor)?;
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, id, ?4, ?5, ?6, ?7 FROM tickets
         WHERE site_id = ?1 AND requester_email = ?2 COLLATE NOCASE AND number <= ?3
         ORDER BY number",
        vec![
            Value::from(site_id),
            Value::from(email),
            Value::from(last),
            Value::from(event.name()),
            Value::from(data),
            Value::from(actor),
            Value::from(now_ms),
        ],
    ))
}

/// Appends `event` only while the ticket is still owed the summary the job read (`wanted_at`),
/// before the write it records (`tickets::write_provider_summary`, same condition): a
/// duplicate delivery appends nothing, as it writes nothing.
pub fn insert_if_summary_wanted(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
    wanted_at: i64,
) -> Result<Statement, StoreError> {
    let mut params = params(site_id, ticket_id, event, actor, now_ms)?;
    params.push(Value::from(wanted_at));
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6
         WHERE EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2
                       AND summary_state = 'wanted' AND summary_wanted_at = ?7)",
        params,
    ))
}

/// A label move's events, the first statement of its batch (the labels page's rename and
/// merge): a `label_renamed` `{from, to}` on every ticket for every label of `from`'s range
/// (`sql::labels`), `to` being its new name. A row whose move breaks a rule the service
/// checked before — a sublabel that would land under a sublabel (a third level), or, with
/// `must_be_new`, a new name some ticket of the site already carries — gets the kind
/// `label_conflict` instead, which the table's CHECK refuses: the whole batch rolls back, so
/// a label added between the service's read and this batch can never be merged by a rename
/// nor pushed to a third level.
pub fn insert_label_moves(
    site_id: i64,
    from: &str,
    to: &str,
    must_be_new: bool,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let actor = serde_json::to_value(actor)
        .map_err(|e| StoreError::RowShape(e.to_string()))?
        .to_string();
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, l.ticket_id,
                CASE WHEN (l.label = ?2 OR instr(?3, ' > ') = 0)
                          AND (?4 = 0 OR NOT EXISTS (
                              SELECT 1 FROM ticket_labels x
                              WHERE x.site_id = ?1
                                AND x.label = ?3 || substr(l.label, length(?2) + 1)))
                     THEN 'label_renamed' ELSE 'label_conflict' END,
                json_object('from', l.label, 'to', ?3 || substr(l.label, length(?2) + 1)),
                ?5, ?6
         FROM ticket_labels l
         WHERE l.site_id = ?1 AND l.label >= ?2 AND l.label < ?2 || ' >!'
         ORDER BY l.ticket_id, l.label",
        vec![
            Value::from(site_id),
            Value::from(from),
            Value::from(to),
            Value::from(must_be_new),
            Value::from(actor),
            Value::from(now_ms),
        ],
    ))
}

/// A label delete's events, the first statement of its batch: a `label_removed` on every
/// ticket for every label of `label`'s range (`sql::labels`).
pub fn insert_label_removals(
    site_id: i64,
    label: &str,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    let actor = serde_json::to_value(actor)
        .map_err(|e| StoreError::RowShape(e.to_string()))?
        .to_string();
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, l.ticket_id, 'label_removed', json_object('label', l.label), ?3, ?4
         FROM ticket_labels l
         WHERE l.site_id = ?1 AND l.label >= ?2 AND l.label < ?2 || ' >!'
         ORDER BY l.ticket_id, l.label",
        vec![
            Value::from(site_id),
            Value::from(label),
            Value::from(actor),
            Value::from(now_ms),
        ],
    ))
}

/// The breach sweep's events: `sla_breached` for each target of an overdue ticket found
/// missed for the first time (`tickets::mark_sla_breaches` then marks them), by the system.
pub fn insert_sla_breaches(now_ms: i64) -> Result<Statement, StoreError> {
    use super::tickets::{first_response_missed, resolution_missed, sla_overdue};
    let actor =
        serde_json::to_string(&Actor::System).map_err(|e| StoreError::RowShape(e.to_string()))?;
    Ok(Statement::new(
        concat!(
            "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
             SELECT t.site_id, t.id, 'sla_breached',
                    json_object('target', 'first_response', 'due_at_ms', t.first_response_due_at),
                    ?2, ?1 ",
            sla_overdue!(),
            " AND ",
            first_response_missed!(),
            " UNION ALL
             SELECT t.site_id, t.id, 'sla_breached',
                    json_object('target', 'resolution', 'due_at_ms', t.resolution_due_at),
                    ?2, ?1 ",
            sla_overdue!(),
            " AND ",
            resolution_missed!()
        ),
        vec![Value::from(now_ms), Value::from(actor)],
    ))
}

/// Appends the `comment_added` of a reply by e-mail only if the ticket is there and not closed;
/// otherwise the row's `kind` becomes `reply_refused`, which the table's CHECK refuses, so the
/// whole batch rolls back (as `insert_visitor_guarded` does for the widget; the reply address's
/// token stands in for the visitor's).
pub fn insert_mail_guarded(
    site_id: i64,
    ticket_id: &str,
    event: &EventKind,
    actor: &Actor,
    now_ms: i64,
) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
         SELECT ?1, ?2, CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE site_id = ?1 AND id = ?2
                                          AND status <> 'closed')
                        THEN ?3 ELSE 'reply_refused' END, ?4, ?5, ?6",
        params(site_id, ticket_id, event, actor, now_ms)?,
    ))
}
