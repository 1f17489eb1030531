-- Ticketbooth schema, part 1: sites, tickets, their audit trail, idempotency keys.
-- Timestamps are INTEGER milliseconds since the Unix epoch (UTC). Status, priority, source and
-- event-kind strings are exactly the spellings of the Rust enums in `shared`.

-- A site is the tenant: every other table carries site_id and every query filters by it.
CREATE TABLE sites (
    id                 INTEGER PRIMARY KEY,
    -- The public key from the script tag (`data-site="acme"`); SiteKey rules.
    key                TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL,
    code_prefix        TEXT    NOT NULL DEFAULT 'TKT',
    -- The number the next ticket gets. Bumped inside the batch that inserts the ticket, so
    -- numbers are per site, gapless and race-free.
    next_ticket_number INTEGER NOT NULL DEFAULT 1 CHECK (next_ticket_number >= 1),
    ticketing_enabled  INTEGER NOT NULL DEFAULT 1 CHECK (ticketing_enabled IN (0, 1)),
    contact_required   INTEGER NOT NULL DEFAULT 0 CHECK (contact_required IN (0, 1)),
    cta_label          TEXT    NOT NULL DEFAULT 'Open a ticket',
    locale             TEXT    NOT NULL DEFAULT 'en',
    -- JSON array of origins allowed to call the public widget API, e.g. ["https://acme.com"].
    allowed_origins    TEXT    NOT NULL DEFAULT '[]',
    created_at         INTEGER NOT NULL
);

CREATE TABLE tickets (
    -- 32 hex digits, minted by the Worker: unguessable, unlike the code.
    id                 TEXT    PRIMARY KEY,
    site_id            INTEGER NOT NULL REFERENCES sites (id),
    number             INTEGER NOT NULL CHECK (number >= 1),
    -- `<prefix>-<number>` as it was at creation, so a later prefix change renames nothing.
    code               TEXT    NOT NULL,
    subject            TEXT    NOT NULL,
    description        TEXT    NOT NULL DEFAULT '',
    summary            TEXT,
    priority           TEXT    NOT NULL DEFAULT 'normal'
                       CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status             TEXT    NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    source             TEXT    NOT NULL CHECK (source IN ('widget', 'bot', 'operator', 'api')),
    requester_name     TEXT,
    requester_email    TEXT,
    -- The anonymous visitor who may read this ticket with a signed visitor token.
    visitor_id         TEXT,
    -- Operator id; NULL when created by a visitor or a bot.
    assignee_id        TEXT,
    -- JSON array of {author, text}: the chat as it was when the ticket was opened. Kept here
    -- because conversations expire after 24 hours and tickets never do.
    transcript         TEXT    NOT NULL DEFAULT '[]',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    resolved_at        INTEGER,
    closed_at          INTEGER,
    snoozed_until      INTEGER,
    is_spam            INTEGER NOT NULL DEFAULT 0 CHECK (is_spam IN (0, 1)),
    sync_platform      TEXT,
    sync_remote_id     TEXT,
    synced_at          INTEGER,
    -- The safety net under the counter: one number per site, ever.
    UNIQUE (site_id, number),
    -- Operators look tickets up by code.
    UNIQUE (site_id, code)
);

-- The list views: newest first by status, by priority, by assignee; a visitor's own tickets.
CREATE INDEX tickets_by_status   ON tickets (site_id, status, updated_at DESC);
CREATE INDEX tickets_by_priority ON tickets (site_id, priority, updated_at DESC);
CREATE INDEX tickets_by_assignee ON tickets (site_id, assignee_id, updated_at DESC);
CREATE INDEX tickets_by_updated  ON tickets (site_id, updated_at DESC);
CREATE INDEX tickets_by_visitor  ON tickets (site_id, visitor_id, created_at DESC);
CREATE INDEX tickets_by_email    ON tickets (site_id, requester_email);

-- The audit trail and the detail page's timeline. Append-only.
CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    ticket_id  TEXT    NOT NULL REFERENCES tickets (id),
    kind       TEXT    NOT NULL CHECK (kind IN (
                   'created', 'status_changed', 'priority_changed', 'assigned', 'comment_added',
                   'label_added', 'label_removed', 'updated', 'snoozed', 'spam_marked',
                   'conversation_linked', 'synced')),
    -- JSON: the event's fields (shared::event::EventKind without its tag) and its actor.
    data       TEXT    NOT NULL DEFAULT '{}',
    actor      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX ticket_events_by_ticket ON ticket_events (site_id, ticket_id, id);

-- One row per Idempotency-Key a client used. Inserted first in the create batch: a reused key
-- violates the UNIQUE constraint, the whole batch rolls back, and the service answers from the
-- row that is already here.
CREATE TABLE idempotency_keys (
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    key          TEXT    NOT NULL,
    -- SHA-256 of the parsed request, to tell a replay (same body) from a conflict.
    request_hash TEXT    NOT NULL,
    ticket_id    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (site_id, key)
);
