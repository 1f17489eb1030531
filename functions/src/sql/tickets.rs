//! The `tickets` table.

use serde::Deserialize;

use crate::store::{Statement, Value};

/// The columns a visitor-facing view needs (nothing internal is selected).
#[derive(Debug, Clone, Deserialize)]
pub struct VisitorTicketRow {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub visitor_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The column list of `VisitorTicketRow`, as a macro so `concat!` can build `&'static str`s.
macro_rules! visitor_columns {
    () => {
        "id, code, subject, description, status, visitor_id, created_at, updated_at"
    };
}

/// The values of a new ticket that come from the request, not from the counter.
pub struct NewTicketRow<'a> {
    pub site_id: i64,
    pub id: &'a str,
    pub subject: &'a str,
    pub description: &'a str,
    pub source: &'a str,
    pub requester_name: Option<&'a str>,
    pub requester_email: Option<&'a str>,
    pub visitor_id: Option<&'a str>,
    /// The operator the ticket starts assigned to (an operator's own new ticket).
    pub assignee_id: Option<&'a str>,
    pub transcript_json: String,
    pub now_ms: i64,
}

/// Inserts the ticket with the number `sites::take_ticket_number` just took (the counter minus
/// one) and its code built from the site's prefix. Must follow that statement in one batch.
///
/// With `cap_since_ms` (widget tickets), the row is inserted only while the site has created
/// fewer than its `daily_ticket_cap` tickets since then (UTC midnight); past the cap it inserts
/// nothing, and `ticket_events::insert_created` then fails the batch.
pub fn insert_numbered(row: NewTicketRow<'_>, cap_since_ms: Option<i64>) -> Statement {
    Statement::new(
        "INSERT INTO tickets (id, site_id, number, code, subject, description, source,
                              requester_name, requester_email, visitor_id, transcript,
                              created_at, updated_at, assignee_id)
         SELECT ?2, id, next_ticket_number - 1, code_prefix || '-' || (next_ticket_number - 1),
                ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11
         FROM sites WHERE id = ?1
           AND (?12 IS NULL OR (SELECT count(*) FROM tickets
                                WHERE site_id = ?1 AND created_at >= ?12) < daily_ticket_cap)",
        vec![
            Value::from(row.site_id),
            Value::from(row.id),
            Value::from(row.subject),
            Value::from(row.description),
            Value::from(row.source),
            Value::from(row.requester_name),
            Value::from(row.requester_email),
            Value::from(row.visitor_id),
            Value::from(row.transcript_json),
            Value::from(row.now_ms),
            Value::from(row.assignee_id),
            Value::from(cap_since_ms),
        ],
    )
}

pub fn find_for_visitor_view(site_id: i64, id: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            visitor_columns!(),
            " FROM tickets WHERE site_id = ?1 AND id = ?2"
        ),
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// A visitor's own tickets, newest first (index `tickets_by_visitor`), at most 100.
pub fn list_for_visitor(site_id: i64, visitor_id: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            visitor_columns!(),
            " FROM tickets WHERE site_id = ?1 AND visitor_id = ?2
              ORDER BY created_at DESC, number DESC LIMIT 100"
        ),
        vec![Value::from(site_id), Value::from(visitor_id)],
    )
}

/// The ticket an `Idempotency-Key` already created (its visitor view), with the request hash
/// it was created for.
pub fn find_by_idempotency_key(site_id: i64, key: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT k.request_hash, ",
            visitor_columns!(),
            " FROM (SELECT request_hash, ticket_id FROM idempotency_keys
                    WHERE site_id = ?1 AND key = ?2) k
              JOIN tickets ON tickets.site_id = ?1 AND tickets.id = k.ticket_id"
        ),
        vec![Value::from(site_id), Value::from(key)],
    )
}

/// A row of the operators' list.
#[derive(Debug, Clone, Deserialize)]
pub struct ListRow {
    pub code: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an operator filters the list by; `None` means "any".
pub struct ListFilter<'a> {
    pub status: Option<&'a str>,
    pub priority: Option<&'a str>,
    /// Matched as a substring of subject, description, requester name and email, or exactly
    /// as a code.
    pub search: Option<&'a str>,
    /// Only tickets carrying this label.
    pub label: Option<&'a str>,
    /// Snoozed tickets only (`snoozed_until` after `now_ms`); otherwise they are hidden, and
    /// come back by themselves once the time passes.
    pub snoozed: bool,
    pub now_ms: i64,
    pub limit: i64,
    pub offset: i64,
}

/// The operators' list, most recently updated first. `LIKE` wildcards in the search are
/// escaped, so `%` and `_` match themselves.
pub fn list_for_operator(site_id: i64, filter: &ListFilter<'_>) -> Statement {
    let pattern = filter.search.map(|s| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    Statement::new(
        "SELECT code, subject, status, priority, requester_name, requester_email, source,
                created_at, updated_at
         FROM tickets
         WHERE site_id = ?1
           AND (?2 IS NULL OR status = ?2)
           AND (?3 IS NULL OR priority = ?3)
           AND (?4 IS NULL OR code = ?5
                OR subject LIKE ?4 ESCAPE '\\' OR description LIKE ?4 ESCAPE '\\'
                OR requester_name LIKE ?4 ESCAPE '\\' OR requester_email LIKE ?4 ESCAPE '\\')
           AND (CASE WHEN ?8 = 1 THEN snoozed_until > ?9
                     ELSE snoozed_until IS NULL OR snoozed_until <= ?9 END)
           AND (?10 IS NULL OR EXISTS (SELECT 1 FROM ticket_labels l
                                      WHERE l.site_id = tickets.site_id
                                        AND l.ticket_id = tickets.id AND l.label = ?10))
         ORDER BY updated_at DESC, number DESC
         LIMIT ?6 OFFSET ?7",
        vec![
            Value::from(site_id),
            Value::from(filter.status),
            Value::from(filter.priority),
            Value::from(pattern),
            Value::from(filter.search.map(str::to_ascii_uppercase)),
            Value::from(filter.limit),
            Value::from(filter.offset),
            Value::from(filter.snoozed),
            Value::from(filter.now_ms),
            Value::from(filter.label),
        ],
    )
}

/// How many tickets the site has in each status (the list's filter tabs).
pub fn count_by_status(site_id: i64) -> Statement {
    Statement::new(
        "SELECT status, COUNT(*) AS n FROM tickets WHERE site_id = ?1 GROUP BY status",
        vec![Value::from(site_id)],
    )
}

/// A ticket as an operator sees it: everything.
#[derive(Debug, Clone, Deserialize)]
pub struct DetailRow {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub description: String,
    pub summary: Option<String>,
    pub status: String,
    pub priority: String,
    pub source: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee_id: Option<String>,
    /// JSON array of `{author, text}`.
    pub transcript: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub is_spam: i64,
    pub sync_platform: Option<String>,
    pub sync_remote_id: Option<String>,
    pub synced_at: Option<i64>,
}

pub fn find_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "SELECT id, code, subject, description, summary, status, priority, source, requester_name,
                requester_email, assignee_id, transcript, created_at, updated_at, resolved_at,
                closed_at, snoozed_until, is_spam, sync_platform, sync_remote_id, synced_at
         FROM tickets WHERE site_id = ?1 AND code = ?2",
        vec![Value::from(site_id), Value::from(code)],
    )
}

// The updates of the ticket actions. Each runs after `ticket_events::insert_guarded` in the
// same batch, which has already refused a stale edit, so they match on the id alone; each
// stamps `updated_at`, the version the next edit is checked against.

/// Moves to `status`. Entering `resolved` or `closed` stamps its time; moving back to open or
/// pending clears `resolved_at` (it records the current resolution, not the first).
pub fn set_status(site_id: i64, id: &str, status: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets
         SET status = ?3, updated_at = ?4,
             resolved_at = CASE WHEN ?3 = 'resolved' THEN ?4
                                WHEN ?3 IN ('open', 'pending') THEN NULL
                                ELSE resolved_at END,
             closed_at = CASE WHEN ?3 = 'closed' THEN ?4 ELSE closed_at END
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(status),
            Value::from(now_ms),
        ],
    )
}

pub fn set_priority(site_id: i64, id: &str, priority: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET priority = ?3, updated_at = ?4 WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(priority),
            Value::from(now_ms),
        ],
    )
}

pub fn set_assignee(site_id: i64, id: &str, assignee_id: Option<&str>, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET assignee_id = ?3, updated_at = ?4 WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(assignee_id),
            Value::from(now_ms),
        ],
    )
}

pub fn set_text(
    site_id: i64,
    id: &str,
    subject: &str,
    description: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE tickets SET subject = ?3, description = ?4, updated_at = ?5
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(subject),
            Value::from(description),
            Value::from(now_ms),
        ],
    )
}

/// `snoozed_until` NULL wakes the ticket; a past value is the same as NULL to every view.
pub fn set_snooze(site_id: i64, id: &str, until_ms: Option<i64>, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET snoozed_until = ?3, updated_at = ?4 WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(until_ms),
            Value::from(now_ms),
        ],
    )
}

pub fn set_spam(site_id: i64, id: &str, spam: bool, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET is_spam = ?3, updated_at = ?4 WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(spam),
            Value::from(now_ms),
        ],
    )
}

pub fn set_sync(site_id: i64, id: &str, platform: &str, remote_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET sync_platform = ?3, sync_remote_id = ?4, synced_at = ?5,
                            updated_at = ?5
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(platform),
            Value::from(remote_id),
            Value::from(now_ms),
        ],
    )
}

/// Bumps `updated_at` alone: a comment or a label changed the ticket.
pub fn touch(site_id: i64, id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET updated_at = ?3 WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}

/// Runs last in the delete batch, after the rows that reference the ticket.
pub fn delete(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "DELETE FROM tickets WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id)],
    )
}

// Data rights: the export pages through a site's tickets by number (keyset, never OFFSET), and
// the erasure rewrites one requester's tickets a page at a time.

/// A ticket for the export: everything, plus its number (the keyset).
#[derive(Debug, Clone, Deserialize)]
pub struct ExportRow {
    pub number: i64,
    #[serde(flatten)]
    pub ticket: DetailRow,
}

/// The site's tickets with a number above `after`, in number order, at most `limit`.
pub fn export_page(site_id: i64, after: i64, limit: i64) -> Statement {
    Statement::new(
        "SELECT number, id, code, subject, description, summary, status, priority, source,
                requester_name, requester_email, assignee_id, transcript, created_at, updated_at,
                resolved_at, closed_at, snoozed_until, is_spam, sync_platform, sync_remote_id,
                synced_at
         FROM tickets WHERE site_id = ?1 AND number > ?2 ORDER BY number LIMIT ?3",
        vec![Value::from(site_id), Value::from(after), Value::from(limit)],
    )
}

/// How many of the site's tickets were opened by `email` (compared ignoring ASCII case).
pub fn count_by_requester(site_id: i64, email: &str) -> Statement {
    Statement::new(
        "SELECT count(*) AS n FROM tickets
         WHERE site_id = ?1 AND requester_email = ?2 COLLATE NOCASE",
        vec![Value::from(site_id), Value::from(email)],
    )
}

/// The numbers of the next page of `email`'s tickets still to erase. Erased tickets no longer
/// match, so this is always the first page.
pub fn requester_page(site_id: i64, email: &str, limit: i64) -> Statement {
    Statement::new(
        "SELECT number FROM tickets
         WHERE site_id = ?1 AND requester_email = ?2 COLLATE NOCASE
         ORDER BY number LIMIT ?3",
        vec![Value::from(site_id), Value::from(email), Value::from(limit)],
    )
}

/// The erasure of `email`'s tickets numbered up to `last`: name and email become the
/// placeholder, the visitor's transcript lines lose their text, the visitor is unlinked, and
/// `updated_at` moves on (so an edit read before the erasure is refused as stale). Runs after
/// `ticket_events::insert_erased` and `comments::erase_requester`, which find the same rows.
pub fn erase_requester(
    site_id: i64,
    email: &str,
    last: i64,
    placeholder: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE tickets SET
             requester_name = CASE WHEN requester_name IS NULL THEN NULL ELSE ?4 END,
             requester_email = ?4,
             visitor_id = NULL,
             transcript = (SELECT json_group_array(CASE
                               WHEN json_extract(line.value, '$.author') = 'visitor'
                               THEN json_object('author', 'visitor', 'text', ?4)
                               ELSE json(line.value) END)
                           FROM json_each(tickets.transcript) AS line),
             updated_at = max(updated_at + 1, ?5)
         WHERE site_id = ?1 AND requester_email = ?2 COLLATE NOCASE AND number <= ?3",
        vec![
            Value::from(site_id),
            Value::from(email),
            Value::from(last),
            Value::from(placeholder),
            Value::from(now_ms),
        ],
    )
}
