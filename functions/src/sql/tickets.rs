//! The `tickets` table.

use serde::Deserialize;
use ticketbooth_shared::ticket_query::{Direction, Sort};

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
    /// The id of the team's latest customer-facing comment (comment ids only grow): selected
    /// by the visitor's list alone, so the widget can mark a ticket with a new reply unread.
    #[serde(default)]
    pub latest_reply: Option<i64>,
    /// `team`, `customer`, or NULL when not pending (the generated column of migration 0024).
    #[serde(default)]
    pub waiting_on: Option<String>,
}

/// The column list of `VisitorTicketRow`, as a macro so `concat!` can build `&'static str`s.
macro_rules! visitor_columns {
    () => {
        "id, code, subject, description, status, visitor_id, created_at, updated_at, waiting_on"
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
    /// The transcript is what the visitor's browser sent (unverified), not the server's own.
    pub transcript_from_visitor: bool,
    pub now_ms: i64,
    /// `normal` unless the creator chose (a bot's `open_ticket`).
    pub priority: &'a str,
    /// The bot's summary of the conversation.
    pub summary: Option<&'a str>,
    /// The topic and intent slugs the creator gave (`shared::classification`).
    pub topic: Option<&'a str>,
    pub intent: Option<&'a str>,
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
                              created_at, updated_at, assignee_id, priority, summary,
                              transcript_from_visitor, topic, intent)
         SELECT ?2, id, next_ticket_number - 1, code_prefix || '-' || (next_ticket_number - 1),
                ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?13, ?14, ?15, ?16, ?17
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
            Value::from(row.priority),
            Value::from(row.summary),
            Value::from(i64::from(row.transcript_from_visitor)),
            Value::from(row.topic),
            Value::from(row.intent),
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

/// A visitor's own tickets, newest first (index `tickets_by_visitor`), at most 100, each with
/// the id of the team's latest customer-facing comment (`ticket_comments_by_ticket`).
pub fn list_for_visitor(site_id: i64, visitor_id: &str) -> Statement {
    Statement::new(
        concat!(
            "SELECT ",
            visitor_columns!(),
            ", (SELECT max(c.id) FROM ticket_comments c
                 WHERE c.site_id = ?1 AND c.ticket_id = tickets.id
                   AND c.visibility = 'public' AND c.author_kind <> 'visitor') AS latest_reply
              FROM tickets WHERE site_id = ?1 AND visitor_id = ?2
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

/// A row of the operators' list (and of `GET /api/v1/tickets`).
#[derive(Debug, Clone, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub source: String,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    /// The ticket's labels, alphabetically, comma-separated (a label has no comma; it may have
    /// spaces, in `billing > refund`).
    pub labels: Option<String>,
    pub snoozed_until: Option<i64>,
    pub is_spam: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set while the requester's last reply has no answer from the team.
    #[serde(default)]
    pub customer_replied_at: Option<i64>,
    /// The summary (the provider's or an operator's), shown under the subject.
    #[serde(default)]
    pub summary: Option<String>,
    /// `team`, `customer`, or NULL when not pending.
    #[serde(default)]
    pub waiting_on: Option<String>,
    /// The sort key (two integers, descending, then the id): what a cursor holds.
    pub sort_a: i64,
    pub sort_b: i64,
    /// A search's match count (`search_for_operator`), the same on every row; NULL without a
    /// search, where `count_matching` counts.
    pub total: Option<i64>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub intent: Option<String>,
    /// The team that works it (migration 0029), and its name.
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub team_name: Option<String>,
    /// The SLA clock's columns (migration 0029), as `SlaClock` reads them.
    #[serde(flatten)]
    pub sla: SlaColumns,
}

/// A ticket's SLA clock as stored (migration 0029), all Unix milliseconds: what
/// `shared::sla_standing` reads to say "2 h 10 m left" or "Overdue 35 m".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlaColumns {
    #[serde(default)]
    pub first_response_due_at: Option<i64>,
    #[serde(default)]
    pub first_responded_at: Option<i64>,
    #[serde(default)]
    pub resolution_due_at: Option<i64>,
    #[serde(default)]
    pub resolution_left_ms: Option<i64>,
    #[serde(default)]
    pub first_response_breached_at: Option<i64>,
    #[serde(default)]
    pub resolution_breached_at: Option<i64>,
}

impl SlaColumns {
    /// The clock, for a ticket in `status`.
    pub fn clock(&self, status: &str) -> ticketbooth_shared::sla_standing::SlaClock {
        ticketbooth_shared::sla_standing::SlaClock {
            closed: matches!(status, "resolved" | "closed"),
            first_response_due_at: self.first_response_due_at,
            first_responded_at: self.first_responded_at,
            resolution_due_at: self.resolution_due_at,
            resolution_left_ms: self.resolution_left_ms,
            first_response_breached_at: self.first_response_breached_at,
            resolution_breached_at: self.resolution_breached_at,
        }
    }
}

/// The clock's columns, for a SELECT over `t`.
macro_rules! sla_columns {
    () => {
        "t.first_response_due_at, t.first_responded_at, t.resolution_due_at,
         t.resolution_left_ms, t.first_response_breached_at, t.resolution_breached_at"
    };
}

/// Whether ticket `t` has breached its SLA at `$now` (a parameter): not resolved or closed,
/// and a target missed and still not met (`shared::ticket_query::SlaFilter`'s rule, which
/// `shared::sla_standing` applies to one row). Every column it reads is in
/// `tickets_by_number_filtered`.
macro_rules! sla_breached {
    ($now:literal) => {
        concat!(
            "(t.status NOT IN ('resolved', 'closed')
              AND ((t.first_responded_at IS NULL
                    AND (t.first_response_due_at < ",
            $now,
            "
                         OR t.first_response_breached_at IS NOT NULL))
                   OR t.resolution_due_at < ",
            $now,
            "
                   OR t.resolution_breached_at IS NOT NULL))"
        )
    };
}

/// Whether ticket `t`'s link stands as `?24` says (`shared::sync::SyncFilter`): a connector's
/// link in that state (`sync_links_by_state` answers each probe); `synced` also a reference
/// typed by hand (`sync_platform` set, no link); `none` neither a live link nor a hand-typed
/// reference.
macro_rules! sync_filter {
    () => {
        "CASE ?24
           WHEN 'none' THEN NOT EXISTS (SELECT 1 FROM sync_links s
                                        WHERE s.site_id = t.site_id
                                          AND s.state IN ('pending', 'synced', 'failed')
                                          AND s.ticket_id = t.id)
                        AND (t.sync_platform IS NULL
                             OR EXISTS (SELECT 1 FROM sync_links s WHERE s.ticket_id = t.id))
           WHEN 'synced' THEN EXISTS (SELECT 1 FROM sync_links s
                                      WHERE s.site_id = t.site_id AND s.state = 'synced'
                                        AND s.ticket_id = t.id)
                          OR (t.sync_platform IS NOT NULL
                              AND NOT EXISTS (SELECT 1 FROM sync_links s
                                              WHERE s.ticket_id = t.id))
           ELSE EXISTS (SELECT 1 FROM sync_links s
                        WHERE s.site_id = t.site_id AND s.state = ?24 AND s.ticket_id = t.id)
         END"
    };
}

/// Whether closed-like kinds of tickets are shown: 0 hidden, 1 included, 2 alone.
pub type ShownMode = i64;

/// What an operator filters the list by; `None` means "any". Parsed values only (from
/// `shared::ticket_query::TicketQuery`), spelled as the columns spell them.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// JSON array of the statuses shown (never empty).
    pub statuses_json: String,
    /// JSON array of priorities, or any.
    pub priorities_json: Option<String>,
    /// `Some("")` for unassigned, `Some(id)` for one operator.
    pub assignee: Option<String>,
    pub label: Option<String>,
    /// JSON array of sources, or any.
    pub source: Option<String>,
    /// Half-open ranges in milliseconds.
    pub created: (Option<i64>, Option<i64>),
    pub updated: (Option<i64>, Option<i64>),
    pub spam: ShownMode,
    pub snoozed: ShownMode,
    pub now_ms: i64,
    pub sort: Sort,
    /// The rows after the key, or before it (read in reverse), with the key and the id.
    pub cursor: Option<(Direction, i64, i64, String)>,
    pub limit: i64,
    /// The FTS5 query (already quoted, see `Search::fts_query`): only `search_for_operator`.
    pub fts: Option<String>,
    /// Pending tickets waiting on this side only (`team` or `customer`), or any.
    pub waiting: Option<String>,
    pub topic: Option<String>,
    pub intent: Option<String>,
    /// The team's id, or `Some(0)` for tickets without a team.
    pub team: Option<i64>,
    /// `breached` or `due_soon` (`shared::ticket_query::SlaFilter`).
    pub sla: Option<String>,
    /// `synced`, `pending`, `failed` or `none` (`shared::sync::SyncFilter`).
    pub sync: Option<String>,
}

impl ListFilter {
    /// `?1`–`?13` the filters, `?14`–`?16` the cursor (key and id), `?17` the page's length,
    /// `?18` the search, `?19` the waiting side, `?20`–`?21` topic and intent, `?22` the team,
    /// `?23` the SLA filter, `?24` the sync filter. Every statement names `?18` to `?24`, so
    /// all of them bind the same values.
    fn params(&self, site_id: i64) -> Vec<Value> {
        let (a, b, id) = match &self.cursor {
            Some((_, a, b, id)) => (Some(*a), Some(*b), Some(id.clone())),
            None => (None, None, None),
        };
        vec![
            Value::from(site_id),
            Value::from(self.statuses_json.clone()),
            Value::from(self.priorities_json.clone()),
            Value::from(self.assignee.clone()),
            Value::from(self.label.clone()),
            Value::from(self.source.clone()),
            Value::from(self.created.0),
            Value::from(self.created.1),
            Value::from(self.updated.0),
            Value::from(self.updated.1),
            Value::from(self.spam),
            Value::from(self.snoozed),
            Value::from(self.now_ms),
            Value::from(a),
            Value::from(b),
            Value::from(id),
            Value::from(self.limit),
            Value::from(self.fts.clone()),
            Value::from(self.waiting.clone()),
            Value::from(self.topic.clone()),
            Value::from(self.intent.clone()),
            Value::from(self.team),
            Value::from(self.sla.clone()),
            Value::from(self.sync.clone()),
        ]
    }
}

/// The filters every list statement shares, over `tickets t` (parameters: see
/// `ListFilter::params`). A ticket is snoozed while `snoozed_until > now`. The unary `+` on
/// the status keeps SQLite from probing an index once per listed status for every row: the
/// order's index (or the search match) drives the scan, and the status is a test on the row.
/// The label filter is the label's range (`sql::labels`): the label and its sublabels, a range
/// seek in the ticket's own labels (`ticket_labels`' primary key), as the equality was.
macro_rules! list_filters {
    () => {
        concat!(
            "t.site_id = ?1
           AND +t.status IN (SELECT value FROM json_each(?2))
           AND (?3 IS NULL OR t.priority IN (SELECT value FROM json_each(?3)))
           AND (?4 IS NULL OR (?4 = '' AND t.assignee_id IS NULL) OR t.assignee_id = ?4)
           AND (?5 IS NULL OR EXISTS (SELECT 1 FROM ticket_labels l
                                      WHERE l.site_id = t.site_id AND l.ticket_id = t.id
                                        AND l.label >= ?5 AND l.label < ?5 || ' >!'))
           AND (?6 IS NULL OR t.source IN (SELECT value FROM json_each(?6)))
           AND (?7 IS NULL OR t.created_at >= ?7) AND (?8 IS NULL OR t.created_at < ?8)
           AND (?9 IS NULL OR t.updated_at >= ?9) AND (?10 IS NULL OR t.updated_at < ?10)
           AND CASE ?11 WHEN 0 THEN t.is_spam = 0 WHEN 2 THEN t.is_spam = 1 ELSE 1 END
           AND CASE ?12 WHEN 0 THEN coalesce(t.snoozed_until, 0) <= ?13
                        WHEN 2 THEN coalesce(t.snoozed_until, 0) > ?13 ELSE 1 END
           AND (?19 IS NULL OR (t.status = 'pending'
                                AND t.waiting_on_customer = (?19 = 'customer')))
           AND (?20 IS NULL OR t.topic = ?20) AND (?21 IS NULL OR t.intent = ?21)
           AND (?22 IS NULL OR (?22 = 0 AND t.team_id IS NULL) OR t.team_id = ?22)
           AND (?23 IS NULL OR CASE ?23 WHEN 'breached' THEN ",
            sla_breached!("?13"),
            " ELSE NOT ",
            sla_breached!("?13"),
            " AND t.sla_due_at >= ?13 AND t.sla_due_at < ?13 + 3600000 END)
           AND (?24 IS NULL OR ",
            sync_filter!(),
            ")"
        )
    };
}

/// What a list statement scans: every ticket (`?18`, the search, is NULL), or a search's
/// matches (`ticket_search`, this site's rowid range only, bm25 as an integer, higher is better)
/// joined through `tickets_by_number_filtered`, named so the filters are tested in the index
/// whether or not the database has statistics to choose it.
macro_rules! all_tickets {
    () => {
        "tickets t WHERE ?18 IS NULL AND "
    };
}
macro_rules! search_matches {
    () => {
        "(SELECT rowid AS r, CAST(-bm25(ticket_search) * 1000000 AS INTEGER) AS score
          FROM ticket_search
          WHERE ticket_search MATCH ?18
            AND rowid BETWEEN ?1 * 4294967296 AND ?1 * 4294967296 + 4294967295) m
         JOIN tickets t INDEXED BY tickets_by_number_filtered
           ON t.site_id = ?1 AND t.number = m.r - ?1 * 4294967296
         WHERE "
    };
}

/// The columns of a page's rows over `p` (the page's ids and sort keys, in order): computed
/// for those rows only — labels and assignee names for 51 tickets, not for every match.
macro_rules! page_rows {
    ($order:literal) => {
        concat!(
            "SELECT t.id, t.code, t.subject, t.status, t.priority, t.requester_name,
                    t.requester_email, t.source, t.assignee_id, o.name AS assignee_name,
                    t.snoozed_until, t.is_spam, t.created_at, t.updated_at, t.customer_replied_at,
                    t.summary,
                    t.waiting_on,
                    (SELECT group_concat(label, ',') FROM (SELECT l.label FROM ticket_labels l
                      WHERE l.site_id = t.site_id AND l.ticket_id = t.id ORDER BY l.label)) AS labels,
                    p.sort_a, p.sort_b, p.total, t.topic, t.intent,
                    t.team_id, tm.name AS team_name, ", sla_columns!(), "
             FROM p JOIN tickets t ON t.site_id = ?1 AND t.id = p.id
             LEFT JOIN operators o ON o.id = t.assignee_id
             LEFT JOIN teams tm ON tm.site_id = ?1 AND tm.id = t.team_id
             ORDER BY p.sort_a ", $order, ", p.sort_b ", $order, ", p.id ", $order
        )
    };
}

/// One page of every ticket: the order's index walked from the cursor until a page and one
/// more row (to tell if there is more) pass the filters. `$seek` narrows to the rows after (or
/// before) the cursor; `$order` is DESC going forwards and ASC going backwards (the caller
/// reverses). No OFFSET: page 500 costs what page 1 costs. The match count is its own
/// statement (`count_matching`): counting here would end the walk's early stop.
macro_rules! list_page {
    ($a:literal, $b:literal, $seek:expr, $order:literal) => {
        list_page!($a, $b, "", $seek, $order)
    };
    ($a:literal, $b:literal, $where:expr, $seek:expr, $order:literal) => {
        concat!(
            "WITH p AS (SELECT t.id, ",
            $a,
            " AS sort_a, ",
            $b,
            " AS sort_b, NULL AS total
                        FROM ",
            all_tickets!(),
            list_filters!(),
            $where,
            $seek,
            " ORDER BY sort_a ",
            $order,
            ", sort_b ",
            $order,
            ", t.id ",
            $order,
            " LIMIT ?17) ",
            page_rows!($order)
        )
    };
}

/// One page of a search's matches. Ranking reads every match anyway, so the matches that pass
/// the filters are gathered once (`f`) and give both the page and the match count (`total`, on
/// every row): one pass over the search index instead of two.
macro_rules! search_page {
    ($a:literal, $b:literal, $seek:expr, $order:literal) => {
        search_page!($a, $b, "", $seek, $order)
    };
    ($a:literal, $b:literal, $where:expr, $seek:expr, $order:literal) => {
        concat!(
            "WITH f AS MATERIALIZED (SELECT t.id, ",
            $a,
            " AS sort_a, ",
            $b,
            " AS sort_b
                                     FROM ",
            search_matches!(),
            list_filters!(),
            $where,
            "),
                  p AS (SELECT id, sort_a, sort_b, (SELECT count(*) FROM f) AS total FROM f
                        WHERE 1",
            $seek,
            " ORDER BY sort_a ",
            $order,
            ", sort_b ",
            $order,
            ", id ",
            $order,
            " LIMIT ?17) ",
            page_rows!($order)
        )
    };
}

/// The three statements of one order: the first page, the page after a cursor, the page
/// before it. `$key` is the order's key with the id, `$at` the cursor's values for it (the
/// cursor holds `(sort_a, sort_b, id)` as `?14, ?15, ?16`).
macro_rules! keyset_pages {
    ($page:ident, $a:literal, $b:literal, $key:literal, $at:literal) => {
        [
            $page!($a, $b, "", "DESC"),
            $page!($a, $b, concat!(" AND ", $key, " < ", $at), "DESC"),
            $page!($a, $b, concat!(" AND ", $key, " > ", $at), "ASC"),
        ]
    };
}

/// The same for an ascending order (`Sort::Due`: soonest first) over the tickets `$where`
/// keeps (those with a key; `count_matching` counts the same): the page after a cursor is the
/// rows above it, the page before the rows below it, read downwards (the caller reverses
/// them, as for every backward page).
macro_rules! keyset_pages_ascending {
    ($page:ident, $a:literal, $b:literal, $where:expr, $key:literal, $at:literal) => {
        [
            $page!($a, $b, $where, "", "ASC"),
            $page!($a, $b, $where, concat!(" AND ", $key, " > ", $at), "ASC"),
            $page!($a, $b, $where, concat!(" AND ", $key, " < ", $at), "DESC"),
        ]
    };
}

/// What the due order keeps: the tickets with a due time (`tickets_by_sla_due` holds only
/// those). Resolved, closed and paused tickets, and those without a policy, have none.
macro_rules! has_due_time {
    () => {
        " AND t.sla_due_at IS NOT NULL"
    };
}

/// The list's orders over every ticket. `priority_rank` (migration 0016) is indexed with the
/// update time and the id, so the default order needs no sort; the cursor seeks in the index.
const LIST_PAGES: [[&str; 3]; 4] = [
    keyset_pages!(
        list_page,
        "t.priority_rank",
        "t.updated_at",
        "(t.priority_rank, t.updated_at, t.id)",
        "(?14, ?15, ?16)"
    ),
    keyset_pages!(
        list_page,
        "t.updated_at",
        "0",
        "(t.updated_at, t.id)",
        "(?14, ?16)"
    ),
    keyset_pages!(
        list_page,
        "t.created_at",
        "0",
        "(t.created_at, t.id)",
        "(?14, ?16)"
    ),
    // Soonest due first, in `tickets_by_sla_due` (it holds only tickets with a due time).
    keyset_pages_ascending!(
        list_page,
        "t.sla_due_at",
        "0",
        has_due_time!(),
        "(t.sla_due_at, t.id)",
        "(?14, ?16)"
    ),
];

/// The same orders over a search's gathered matches, and the search's own: relevance.
const SEARCH_PAGES: [[&str; 3]; 5] = [
    keyset_pages!(
        search_page,
        "t.priority_rank",
        "t.updated_at",
        "(sort_a, sort_b, id)",
        "(?14, ?15, ?16)"
    ),
    keyset_pages!(
        search_page,
        "t.updated_at",
        "0",
        "(sort_a, id)",
        "(?14, ?16)"
    ),
    keyset_pages!(
        search_page,
        "t.created_at",
        "0",
        "(sort_a, id)",
        "(?14, ?16)"
    ),
    keyset_pages!(search_page, "m.score", "0", "(sort_a, id)", "(?14, ?16)"),
    keyset_pages_ascending!(
        search_page,
        "t.sla_due_at",
        "0",
        has_due_time!(),
        "(sort_a, id)",
        "(?14, ?16)"
    ),
];

/// Which of an order's three statements a cursor asks for.
fn seek_index(filter: &ListFilter) -> usize {
    match &filter.cursor {
        None => 0,
        Some((Direction::After, ..)) => 1,
        Some((Direction::Before, ..)) => 2,
    }
}

/// The operators' list without a search. Relevance means nothing without one: the default
/// order stands in (the query parser refuses it anyway).
pub fn list_for_operator(site_id: i64, filter: &ListFilter) -> Statement {
    let order = match filter.sort {
        Sort::Priority | Sort::Relevance => 0,
        Sort::Updated => 1,
        Sort::Created => 2,
        Sort::Due => 3,
    };
    Statement::new(
        LIST_PAGES[order][seek_index(filter)],
        filter.params(site_id),
    )
}

/// The operators' list narrowed by a full-text search, in any order.
pub fn search_for_operator(site_id: i64, filter: &ListFilter) -> Statement {
    let order = match filter.sort {
        Sort::Priority => 0,
        Sort::Updated => 1,
        Sort::Created => 2,
        Sort::Relevance => 3,
        Sort::Due => 4,
    };
    Statement::new(
        SEARCH_PAGES[order][seek_index(filter)],
        filter.params(site_id),
    )
}

/// `$select … $tail` over what the filter matches: the search's matches when it has one, every
/// ticket otherwise (both static SQL; the counts below).
macro_rules! over_matches {
    ($filter:expr, $select:literal, $tail:literal) => {
        match ($filter.fts.is_some(), $filter.sort == Sort::Due) {
            (true, false) => concat!($select, " FROM ", search_matches!(), list_filters!(), $tail),
            (false, false) => concat!($select, " FROM ", all_tickets!(), list_filters!(), $tail),
            (true, true) => concat!(
                $select,
                " FROM ",
                search_matches!(),
                list_filters!(),
                has_due_time!(),
                $tail
            ),
            (false, true) => concat!(
                $select,
                " FROM ",
                all_tickets!(),
                list_filters!(),
                has_due_time!(),
                $tail
            ),
        }
    };
}

/// How many tickets match the filters (and the search, when there is one), whatever the page:
/// counted in `tickets_by_number_filtered`, which holds every column the filters read.
pub fn count_matching(site_id: i64, filter: &ListFilter) -> Statement {
    let sql = over_matches!(filter, "SELECT COUNT(*) AS n", "");
    Statement::new(sql, filter.params(site_id))
}

/// How many tickets match the filters (and the search), per status: the board's columns, which
/// are the statuses the filter shows. One `(status, n)` row per status with a match.
pub fn count_matching_by_status(site_id: i64, filter: &ListFilter) -> Statement {
    let sql = over_matches!(
        filter,
        "SELECT t.status, COUNT(*) AS n",
        " GROUP BY t.status"
    );
    Statement::new(sql, filter.params(site_id))
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
    /// 1 when `transcript` is what the visitor's browser sent: their account, unverified.
    pub transcript_from_visitor: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub is_spam: i64,
    pub sync_platform: Option<String>,
    pub sync_remote_id: Option<String>,
    pub synced_at: Option<i64>,
    /// Set by a visitor's reply, cleared by the team's next customer-facing comment.
    #[serde(default)]
    pub customer_replied_at: Option<i64>,
    /// Who wrote `summary`: `provider` or `operator` (migration 0028).
    #[serde(default)]
    pub summary_by: Option<String>,
    /// `wanted` (a summary job is owed) or `failed` (the provider failed every attempt).
    #[serde(default)]
    pub summary_state: Option<String>,
    /// The site's summaries: 0 no provider (no bot, or one awaiting its key), 1 switched off,
    /// 2 on (`service::summaries::enabled` says the same of a loaded site).
    #[serde(default)]
    pub summary_provider: i64,
    /// 1 while a pending ticket waits on the customer (migration 0024); 0 otherwise.
    #[serde(default)]
    pub waiting_on_customer: i64,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub intent: Option<String>,
    /// The team that works it (migration 0029), and its name.
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub team_name: Option<String>,
    /// The SLA clock's columns (migration 0029).
    #[serde(flatten)]
    pub sla: SlaColumns,
    #[serde(default)]
    pub sla_policy: Option<String>,
}

pub fn find_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        concat!("SELECT id, code, subject, description, summary, status, priority, source, requester_name,
                requester_email, assignee_id, transcript, transcript_from_visitor, created_at,
                updated_at, resolved_at, customer_replied_at,
                closed_at, snoozed_until, is_spam, sync_platform, sync_remote_id, synced_at,
                summary_by, summary_state, waiting_on_customer, topic, intent,
                (SELECT CASE WHEN s.bot IS NULL
                                  OR coalesce(json_extract(s.bot, '$.api_key_secret'), '') <> ''
                             THEN 0 WHEN s.summaries_enabled = 0 THEN 1 ELSE 2 END
                 FROM sites s WHERE s.id = ?1) AS summary_provider,
                t.team_id, (SELECT tm.name FROM teams tm
                            WHERE tm.site_id = ?1 AND tm.id = t.team_id) AS team_name,
                (SELECT sla_policy FROM sites WHERE id = ?1) AS sla_policy, ",
        sla_columns!(),
        " FROM tickets t WHERE site_id = ?1 AND code = ?2"),
        vec![Value::from(site_id), Value::from(code)],
    )
}

// The updates of the ticket actions. Each runs after `ticket_events::insert_guarded` in the
// same batch, which has already refused a stale edit, so they match on the id alone; each
// stamps `updated_at`, the version the next edit is checked against.

/// What a bot's status lookup needs: the code, the status, and who may ask.
#[derive(Debug, Clone, Deserialize)]
pub struct TicketStatusRow {
    pub code: String,
    pub status: String,
    pub visitor_id: Option<String>,
    pub requester_email: Option<String>,
}

pub fn status_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "SELECT code, status, visitor_id, requester_email FROM tickets
         WHERE site_id = ?1 AND code = ?2",
        vec![Value::from(site_id), Value::from(code)],
    )
}

/// A visitor replied: the "Customer replied" mark, and a resolved ticket reopens (its event
/// was written just before, by `ticket_events::insert_if_status`); a pending ticket waiting on
/// the customer waits on the team again (its event: `ticket_events::insert_if_waiting_on`).
/// The version moves forward by at least 1 ms, as for every change.
pub fn after_visitor_reply(site_id: i64, id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets
         SET status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
             resolved_at = CASE WHEN status = 'resolved' THEN NULL ELSE resolved_at END,
             updated_at = max(updated_at + 1, ?3), customer_replied_at = ?3,
             waiting_on_customer = 0
         WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}

/// The team answered the customer (a customer-facing comment): the "Customer replied" mark goes.
pub fn clear_customer_replied(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "UPDATE tickets SET customer_replied_at = NULL WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// Moves to `status`. Entering `resolved` or `closed` stamps its time; moving back to open or
/// pending clears `resolved_at` (it records the current resolution, not the first). Every move
/// leaves or enters pending, so the ticket then waits on the team (or on no one): the waiting
/// flag is cleared (migration 0024's CHECK would refuse it outside pending).
pub fn set_status(site_id: i64, id: &str, status: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets
         SET status = ?3, updated_at = ?4, waiting_on_customer = 0,
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

/// `set_status` for the ticket `code`, its new version `max(now, updated_at + 1)`: the second
/// statement of a status change that read nothing first, after
/// `ticket_events::insert_status_change_checked` (which failed the batch unless the change
/// is allowed, and stamped its event with the same version).
pub fn set_status_by_code(site_id: i64, code: &str, status: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets
         SET status = ?3, updated_at = max(?4, updated_at + 1), waiting_on_customer = 0,
             resolved_at = CASE WHEN ?3 = 'resolved' THEN max(?4, updated_at + 1)
                                WHEN ?3 IN ('open', 'pending') THEN NULL
                                ELSE resolved_at END,
             closed_at = CASE WHEN ?3 = 'closed' THEN max(?4, updated_at + 1) ELSE closed_at END
         WHERE site_id = ?1 AND code = ?2",
        vec![
            Value::from(site_id),
            Value::from(code),
            Value::from(status),
            Value::from(now_ms),
        ],
    )
}

/// A pending ticket now waits on the customer (`true`) or on the team. Only ever after
/// `set_status` to pending or on a pending ticket: elsewhere the table's CHECK refuses it.
pub fn set_waiting_on(site_id: i64, id: &str, on_customer: bool, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET waiting_on_customer = ?3, updated_at = ?4
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(i64::from(on_customer)),
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

/// Routes a ticket that has no team to `team_id` (a team of the site, read again here: one
/// deleted since the rules were read leaves the ticket without a team) and, when `pick`
/// and nobody holds it, gives it to the team's next available member: the first member
/// (operator id order) after the team's round-robin cursor, wrapping around; a member who is
/// away, or a guest, is passed over. The cursor is read in this statement and moved by
/// `teams::advance_cursor` in the same batch, so two tickets routed at once never take the
/// same turn.
pub fn route_to_team(site_id: i64, id: &str, team_id: i64, pick: bool, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET
             team_id = (SELECT tm.id FROM teams tm WHERE tm.site_id = ?1 AND tm.id = ?3),
             assignee_id = CASE WHEN ?4 = 1 AND assignee_id IS NULL THEN (
                 SELECT m.operator_id FROM team_members m
                 JOIN site_members s ON s.site_id = m.site_id AND s.operator_id = m.operator_id
                 WHERE m.site_id = ?1 AND m.team_id = ?3 AND s.away = 0 AND s.role <> 'guest'
                 ORDER BY m.operator_id <= coalesce(
                              (SELECT last_assigned_id FROM teams WHERE site_id = ?1 AND id = ?3),
                              ''),
                          m.operator_id
                 LIMIT 1) ELSE assignee_id END,
             updated_at = max(updated_at, ?5)
         WHERE site_id = ?1 AND id = ?2 AND team_id IS NULL",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(team_id),
            Value::from(pick),
            Value::from(now_ms),
        ],
    )
}

/// Sets (or clears) a ticket's team by hand (the team is checked to be the site's first).
pub fn set_team(site_id: i64, id: &str, team_id: Option<i64>, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET team_id = ?3, updated_at = ?4 WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(team_id),
            Value::from(now_ms),
        ],
    )
}

/// Takes every ticket out of a team being deleted (after `ticket_events::insert_team_removed`
/// recorded it, same batch), so none keeps a dangling team.
pub fn clear_team(site_id: i64, team_id: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET team_id = NULL WHERE site_id = ?1 AND team_id = ?2",
        vec![Value::from(site_id), Value::from(team_id)],
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

/// Sets the topic and intent (either `None` clears it).
pub fn set_classification(
    site_id: i64,
    id: &str,
    topic: Option<&str>,
    intent: Option<&str>,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE tickets SET topic = ?3, intent = ?4, updated_at = ?5
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(topic),
            Value::from(intent),
            Value::from(now_ms),
        ],
    )
}

/// The topics and intents in use on the site, alphabetically, at most 100 of each: the
/// suggestions next to every topic and intent field. One `(field, value)` row each, `field`
/// `topic` or `intent`. Each list is a loose index scan (the next value after the last one, a
/// seek per distinct value in the partial indexes of migration 0026), so a site with 100,000
/// classified tickets and 20 topics reads about 20 index entries, not 100,000.
pub fn classes_in_use(site_id: i64) -> Statement {
    Statement::new(
        "WITH RECURSIVE
           topics(value) AS (
             SELECT min(topic) FROM tickets WHERE site_id = ?1 AND topic IS NOT NULL
             UNION ALL
             SELECT (SELECT min(topic) FROM tickets WHERE site_id = ?1 AND topic > topics.value)
             FROM topics WHERE topics.value IS NOT NULL LIMIT 101),
           intents(value) AS (
             SELECT min(intent) FROM tickets WHERE site_id = ?1 AND intent IS NOT NULL
             UNION ALL
             SELECT (SELECT min(intent) FROM tickets WHERE site_id = ?1 AND intent > intents.value)
             FROM intents WHERE intents.value IS NOT NULL LIMIT 101)
         SELECT 'topic' AS field, value FROM (SELECT value FROM topics WHERE value IS NOT NULL LIMIT 100)
         UNION ALL
         SELECT 'intent' AS field, value FROM (SELECT value FROM intents WHERE value IS NOT NULL LIMIT 100)",
        vec![Value::from(site_id)],
    )
}

/// Bumps `updated_at` alone: a comment or a label changed the ticket.
pub fn touch(site_id: i64, id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET updated_at = ?3 WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}

/// Bumps `updated_at` (to a new version, at least 1 ms on) of every ticket carrying a label of
/// `label`'s range (`sql::labels`): the labels page moved or removed them, so a form read
/// before is stale. Runs before the label rows change (it finds the tickets through them).
pub fn touch_labelled(site_id: i64, label: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET updated_at = max(updated_at + 1, ?3)
         WHERE site_id = ?1 AND id IN (
             SELECT ticket_id FROM ticket_labels
             WHERE site_id = ?1 AND label >= ?2 AND label < ?2 || ' >!')",
        vec![
            Value::from(site_id),
            Value::from(label),
            Value::from(now_ms),
        ],
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
                requester_name, requester_email, assignee_id, transcript, transcript_from_visitor,
                created_at, updated_at, resolved_at, closed_at, snoozed_until, is_spam,
                sync_platform, sync_remote_id, synced_at, topic, intent
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
/// `updated_at` moves on (so an edit read before the erasure is refused as stale). The
/// provider's summary goes too (it retells the chat, names and all); one an operator wrote is
/// kept, like the description. Runs after `ticket_events::insert_erased` and
/// `comments::erase_requester`, which find the same rows.
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
             summary = CASE WHEN summary_by = 'operator' THEN summary END,
             summary_by = CASE WHEN summary_by = 'operator' THEN summary_by END,
             summary_state = CASE WHEN summary_by = 'operator' THEN summary_state END,
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

// The summary (migration 0028): who wrote it, and the job that owes one. The job's own rows
// match on `summary_state = 'wanted'` and the `summary_wanted_at` it read, so a duplicate
// delivery, a hand-written summary or a newer refresh makes them write nothing.

/// Marks a ticket as owed a summary, in its create batch (the caller checked the rule): only
/// when it has none (a bot's `summary` argument counts as written).
pub fn want_summary(site_id: i64, id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary_state = 'wanted', summary_wanted_at = ?3,
                summary_queued_at = NULL, summary_attempts = 0
         WHERE site_id = ?1 AND id = ?2 AND summary IS NULL",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}

/// A new ticket's summary came with it (a bot's `open_ticket` argument): the model wrote it.
pub fn summary_by_provider(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary_by = 'provider'
         WHERE site_id = ?1 AND id = ?2 AND summary IS NOT NULL",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// An operator's "Refresh summary": owed again, whoever wrote the one it has (the operator
/// asked). Not a change an edit could race: `updated_at` stays.
pub fn refresh_summary(site_id: i64, id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary_state = 'wanted', summary_wanted_at = ?3,
                summary_queued_at = NULL, summary_attempts = 0
         WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}

/// Summary jobs to hand to the Queue (of one site, or of all with `site_id` NULL): wanted and
/// not yet queued, or queued before `stale_before` (a send lost, a delivery that never came),
/// oldest first; marked queued in the same statement so two sweeps never both take one.
pub fn take_summary_jobs(
    site_id: Option<i64>,
    now_ms: i64,
    stale_before: i64,
    limit: i64,
) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary_queued_at = ?2
         WHERE rowid IN (SELECT rowid FROM tickets
                         WHERE summary_state = 'wanted' AND (?1 IS NULL OR site_id = ?1)
                           AND (summary_queued_at IS NULL OR summary_queued_at < ?3)
                         ORDER BY summary_wanted_at LIMIT ?4)
         RETURNING site_id, id, (SELECT key FROM sites WHERE sites.id = tickets.site_id) AS site_key",
        vec![
            Value::from(site_id),
            Value::from(now_ms),
            Value::from(stale_before),
            Value::from(limit),
        ],
    )
}

/// Gives a summary job back to the sweep when the Queue refused it.
pub fn unqueue_summary(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary_queued_at = NULL
         WHERE site_id = ?1 AND id = ?2 AND summary_state = 'wanted'",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// What the summary job reads of a ticket.
#[derive(Debug, Clone, Deserialize)]
pub struct SummaryJobRow {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub description: String,
    /// JSON array of `{author, text}`.
    pub transcript: String,
    pub summary_state: Option<String>,
    pub summary_wanted_at: Option<i64>,
    pub summary_attempts: i64,
}

pub fn find_for_summary(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "SELECT id, code, subject, description, transcript, summary_state, summary_wanted_at,
                summary_attempts
         FROM tickets WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// The provider's summary, only while the ticket is still owed the one the job read
/// (`wanted_at`). Written after its guarded event (`ticket_events::insert_if_summary_wanted`).
pub fn write_provider_summary(site_id: i64, id: &str, text: &str, wanted_at: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary = ?3, summary_by = 'provider', summary_state = NULL,
                summary_queued_at = NULL, summary_attempts = summary_attempts + 1
         WHERE site_id = ?1 AND id = ?2 AND summary_state = 'wanted' AND summary_wanted_at = ?4
         RETURNING id",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(text),
            Value::from(wanted_at),
        ],
    )
}

/// A failed provider call of the job that read `wanted_at`: counted, and the job given up
/// (`failed`, which the ticket page shows) when `give_up`.
pub fn summary_attempt_failed(site_id: i64, id: &str, wanted_at: i64, give_up: bool) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary_attempts = summary_attempts + 1,
                summary_state = CASE WHEN ?4 THEN 'failed' ELSE summary_state END
         WHERE site_id = ?1 AND id = ?2 AND summary_state = 'wanted' AND summary_wanted_at = ?3",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(wanted_at),
            Value::from(give_up),
        ],
    )
}

/// A job that will never run (the site's provider or switch went away): nothing owed.
pub fn drop_summary_job(site_id: i64, id: &str, wanted_at: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary_state = NULL, summary_queued_at = NULL
         WHERE site_id = ?1 AND id = ?2 AND summary_state = 'wanted' AND summary_wanted_at = ?3",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(wanted_at),
        ],
    )
}

/// An operator's hand-written summary (after the action's guarded event): it cancels any job
/// owed, and stamps the version like every edit.
pub fn set_operator_summary(site_id: i64, id: &str, text: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET summary = ?3, summary_by = 'operator', summary_state = NULL,
                summary_queued_at = NULL, updated_at = ?4
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(text),
            Value::from(now_ms),
        ],
    )
}

// ---------------------------------------------------------------------------------------
// The SLA clock (0029's columns; `service::sla` decides, these write).

/// Sets a ticket's due times and paused time left, as `shared::sla::Clock` computed them (a
/// new ticket's clock, or one a priority change re-targeted).
pub fn set_sla_clock(
    site_id: i64,
    id: &str,
    first_response_due_at: Option<i64>,
    resolution_due_at: Option<i64>,
    resolution_left_ms: Option<i64>,
) -> Statement {
    Statement::new(
        "UPDATE tickets SET first_response_due_at = ?3, resolution_due_at = ?4,
                            resolution_left_ms = ?5
         WHERE site_id = ?1 AND id = ?2",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(first_response_due_at),
            Value::from(resolution_due_at),
            Value::from(resolution_left_ms),
        ],
    )
}

/// The team's first customer-facing reply: kept once, the earliest.
pub fn mark_first_response(site_id: i64, id: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET first_responded_at = ?3
         WHERE site_id = ?1 AND id = ?2 AND first_responded_at IS NULL",
        vec![Value::from(site_id), Value::from(id), Value::from(now_ms)],
    )
}

/// An operator's message in a conversation answers every ticket linked to it that still
/// awaited its first response.
pub fn mark_first_response_in_conversation(
    site_id: i64,
    conversation_id: &str,
    now_ms: i64,
) -> Statement {
    Statement::new(
        "UPDATE tickets SET first_responded_at = ?3
         WHERE site_id = ?1 AND first_responded_at IS NULL
           AND id IN (SELECT ticket_id FROM ticket_conversations
                      WHERE site_id = ?1 AND conversation_id = ?2)",
        vec![
            Value::from(site_id),
            Value::from(conversation_id),
            Value::from(now_ms),
        ],
    )
}

/// The resolution clock as the ticket's state now asks, read and set in the database: runs
/// while open or pending on the team; paused while pending on the customer (nothing due,
/// the business time left kept) and once resolved or closed (the due time kept, to judge the
/// target by). Resuming sets the due time the time left after `now`. `periods` is
/// `shared::sla::periods` from `now` as JSON (`[[start, end, business ms before]]`): the
/// statement counts business time through it as `Clock::pause` and `Clock::resume` do. Put
/// after the statements that change the status or the side waited on; a ticket whose clock
/// already matches its state is left as it is.
pub fn settle_sla(site_id: i64, id: &str, periods_json: &str, now_ms: i64) -> Statement {
    settle_sla_of(site_id, id, periods_json, now_ms)
}

/// The clock runs while
/// `status = 'open' OR (status = 'pending' AND waiting_on_customer = 0)`.
fn settle_sla_of(site_id: i64, id: &str, periods_json: &str, now_ms: i64) -> Statement {
    Statement::new(
        "UPDATE tickets SET
            resolution_left_ms = CASE
                WHEN status = 'open' OR (status = 'pending' AND waiting_on_customer = 0) THEN NULL
                WHEN resolution_left_ms IS NULL THEN
                    (SELECT coalesce(sum(max(0, min(json_extract(p.value, '$[1]'),
                                                    resolution_due_at)
                                                - json_extract(p.value, '$[0]'))), 0)
                     FROM json_each(?3) p)
                ELSE resolution_left_ms END,
            resolution_due_at = CASE
                WHEN (status = 'open' OR (status = 'pending' AND waiting_on_customer = 0))
                     AND resolution_left_ms IS NOT NULL THEN
                    CASE WHEN resolution_left_ms = 0 THEN ?4 ELSE coalesce(
                        (SELECT json_extract(p.value, '$[0]') + resolution_left_ms
                                - json_extract(p.value, '$[2]')
                         FROM json_each(?3) p
                         WHERE json_extract(p.value, '$[2]') + json_extract(p.value, '$[1]')
                               - json_extract(p.value, '$[0]') >= resolution_left_ms
                         ORDER BY p.key LIMIT 1),
                        ?4 + resolution_left_ms) END
                WHEN status = 'open' OR (status = 'pending' AND waiting_on_customer = 0)
                    THEN resolution_due_at
                WHEN status = 'pending' THEN NULL
                ELSE resolution_due_at END
         WHERE site_id = ?1 AND id = ?2
           AND CASE WHEN status = 'open' OR (status = 'pending' AND waiting_on_customer = 0)
                    THEN resolution_left_ms IS NOT NULL
                    ELSE resolution_left_ms IS NULL AND resolution_due_at IS NOT NULL END",
        vec![
            Value::from(site_id),
            Value::from(id),
            Value::from(periods_json),
            Value::from(now_ms),
        ],
    )
}

/// The tickets the breach sweep looks at: each site's tickets whose next deadline has passed
/// (`tickets_by_sla_due`, one range per site), not spam. `?1` is the sweep's time.
macro_rules! sla_overdue {
    () => {
        "FROM sites s JOIN tickets t ON t.site_id = s.id
                 AND t.sla_due_at IS NOT NULL AND t.sla_due_at <= ?1
         WHERE t.is_spam = 0"
    };
}
/// Of those, the ones whose first response is now found missed (once).
macro_rules! first_response_missed {
    () => {
        "(t.first_responded_at IS NULL AND t.first_response_due_at <= ?1
          AND t.first_response_breached_at IS NULL)"
    };
}
/// Of those, the ones whose resolution is now found missed (once; nothing is due while paused).
macro_rules! resolution_missed {
    () => {
        "(t.resolution_due_at <= ?1 AND t.resolution_breached_at IS NULL)"
    };
}
pub(crate) use {first_response_missed, resolution_missed, sla_overdue};

/// What the breach sweep marked: each ticket once per run, with the targets found missed.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct BreachedRow {
    pub site_id: i64,
    pub id: String,
    pub code: String,
    pub first_response: i64,
    pub resolution: i64,
}

/// The breach sweep's last statement (after its events and webhook rows, which read the same
/// tickets unmarked): stamps each missed target's `*_breached_at`, so a later run finds it no
/// more, and returns what it marked.
pub fn mark_sla_breaches(now_ms: i64) -> Statement {
    Statement::new(
        concat!(
            "UPDATE tickets AS t SET
                first_response_breached_at = CASE WHEN ",
            first_response_missed!(),
            " THEN ?1 ELSE t.first_response_breached_at END,
                resolution_breached_at = CASE WHEN ",
            resolution_missed!(),
            " THEN ?1 ELSE t.resolution_breached_at END
             WHERE t.rowid IN (SELECT t.rowid ",
            sla_overdue!(),
            " AND (",
            first_response_missed!(),
            " OR ",
            resolution_missed!(),
            "))
             RETURNING site_id, id, code,
                       first_response_breached_at IS ?1 AS first_response,
                       resolution_breached_at IS ?1 AS resolution"
        ),
        vec![Value::from(now_ms)],
    )
}

/// The header's notices about this operator's tickets (`service::notices`), counted in
/// `tickets_by_assignee`: `assigned`, their open or pending tickets that someone else
/// assigned to them and they have done nothing on since (no event of theirs after that
/// assignment: opening a ticket is not acting on it, a comment or any change is); and
/// `breached`, their tickets past an SLA target (the list's `sla=breached` rule).
pub fn notice_counts(site_id: i64, operator_id: &str, now_ms: i64) -> Statement {
    Statement::new(
        concat!(
            "SELECT
               (SELECT count(*) FROM tickets t
                WHERE t.site_id = ?1 AND t.assignee_id = ?2 AND t.is_spam = 0
                  AND t.status IN ('open', 'pending')
                  AND EXISTS (
                      SELECT 1 FROM ticket_events e
                      WHERE e.site_id = ?1 AND e.ticket_id = t.id AND e.kind = 'assigned'
                        AND coalesce(json_extract(e.actor, '$.operator_id'), '') <> ?2
                        AND NOT EXISTS (
                            SELECT 1 FROM ticket_events m
                            WHERE m.site_id = ?1 AND m.ticket_id = t.id AND m.id > e.id
                              AND json_extract(m.actor, '$.operator_id') = ?2))) AS assigned,
               (SELECT count(*) FROM tickets t
                WHERE t.site_id = ?1 AND t.assignee_id = ?2 AND t.is_spam = 0 AND ",
            sla_breached!("?3"),
            ") AS breached"
        ),
        vec![
            Value::from(site_id),
            Value::from(operator_id),
            Value::from(now_ms),
        ],
    )
}

/// The ticket an e-mail reply address names (`t-<reply_token>@<domain>`), with its site's key:
/// the token alone finds it, across sites (it is unguessable and unique, 0029), and every
/// statement after this one is scoped by the site it found.
#[derive(Debug, Clone, Deserialize)]
pub struct ReplyTargetRow {
    pub id: String,
    pub site_id: i64,
    pub site_key: String,
    pub status: String,
    pub requester_email: Option<String>,
    pub visitor_id: Option<String>,
}

pub fn find_by_reply_token(token: &str) -> Statement {
    Statement::new(
        "SELECT t.id, t.site_id, s.key AS site_key, t.status, t.requester_email, t.visitor_id
         FROM tickets t JOIN sites s ON s.id = t.site_id
         WHERE t.reply_token = ?1",
        vec![Value::from(token)],
    )
}

/// The ticket's e-mail reply token (`t-<token>@<domain>`), minted in the batch that writes its
/// first mail to the requester (when the batch wrote one, and only once): 32 hex digits of
/// SQLite's CSPRNG-seeded `randomblob`, unguessable, unique by index.
pub fn mint_reply_token(site_id: i64, id: &str) -> Statement {
    Statement::new(
        "UPDATE tickets SET reply_token = lower(hex(randomblob(16)))
         WHERE site_id = ?1 AND id = ?2 AND reply_token IS NULL
           AND EXISTS (SELECT 1 FROM mails m
                       WHERE m.site_id = ?1 AND m.ticket_id = ?2 AND m.operator_id IS NULL)",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// As `mint_reply_token`, for the ticket `code`.
pub fn mint_reply_token_by_code(site_id: i64, code: &str) -> Statement {
    Statement::new(
        "UPDATE tickets SET reply_token = lower(hex(randomblob(16)))
         WHERE site_id = ?1 AND code = ?2 AND reply_token IS NULL
           AND EXISTS (SELECT 1 FROM mails m
                       WHERE m.site_id = ?1 AND m.ticket_id = tickets.id
                         AND m.operator_id IS NULL)",
        vec![Value::from(site_id), Value::from(code)],
    )
}
