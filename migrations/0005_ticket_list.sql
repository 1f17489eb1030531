-- Ticketbooth schema, part 5: the ticket list — full-text search and saved views.

-- Full-text search over what identifies a ticket to a person: its code, subject, description,
-- requester and comments. The rowid is `site_id * 2^32 + number`: stable (numbers never
-- change), unique across sites, found from the ticket in one index lookup, and a search is
-- confined to one site by a rowid range, which FTS5 applies inside the index. Kept in sync by
-- the same batches that write those rows (sql/ticket_search.rs), not by triggers, so every
-- write says what it touches. unicode61 folds case and diacritics: `cafe` finds `Café`.
CREATE VIRTUAL TABLE ticket_search USING fts5 (
    code, subject, description, requester, comments,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

INSERT INTO ticket_search (rowid, code, subject, description, requester, comments)
SELECT t.site_id * 4294967296 + t.number, t.code, t.subject, t.description,
       coalesce(t.requester_name, '') || ' ' || coalesce(t.requester_email, ''),
       coalesce((SELECT group_concat(c.body, ' ') FROM ticket_comments c
                 WHERE c.site_id = t.site_id AND c.ticket_id = t.id), '')
FROM tickets t;

-- The list's default order (urgent first, then last update) and its newest-first order.
CREATE INDEX tickets_by_created ON tickets (site_id, created_at DESC);

-- A named list query an operator keeps for one site. `query` is the canonical query string
-- (shared::ticket_query::TicketQuery::to_pairs, no cursor); it is parsed again when used.
CREATE TABLE saved_views (
    id          TEXT    PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    operator_id TEXT    NOT NULL REFERENCES operators (id),
    name        TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    pinned      INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    created_at  INTEGER NOT NULL
);

CREATE INDEX saved_views_by_operator ON saved_views (site_id, operator_id, pinned DESC, name);
