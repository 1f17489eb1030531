-- Ticketbooth schema, part 29: the ground the team's workflow stands on (issue 22), laid in one
-- migration so the parts built on it (SLA, teams and routing, e-mail, reports, notices) never
-- rebuild the same table twice:
--   * the audit trail's new kinds;
--   * teams and their members;
--   * the tickets table rebuilt: `email` joins the sources, and a ticket gains its team, its
--     SLA clock and its e-mail reply token;
--   * a site's e-mail settings and the state of each address it writes to.
-- Migrations run inside one transaction on D1 (and in the host tests' store), so a failure
-- anywhere leaves the database as it was.

-- ---------------------------------------------------------------------------------------
-- The audit trail's kinds, each written by the change it records (shared::event::EventKind):
--   sla_breached    a first-response or resolution target passed unmet (the Cron Trigger);
--   team_changed    the ticket moved to another team, or out of any (by hand or by a rule);
--   email_sent      a message went to the requester or an operator (its kind and address);
--   email_received  the requester's e-mail became their reply (attachments listed);
--   email_held      mail to the ticket from an unexpected sender, kept as an internal note;
--   email_bounced   the requester's address bounced: no more mail goes to it.
-- Rebuilt as 0006 and 0023 did; nothing references ticket_events.
CREATE TABLE ticket_events_new (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    ticket_id  TEXT    NOT NULL REFERENCES tickets (id),
    kind       TEXT    NOT NULL CHECK (kind IN (
                   'created', 'status_changed', 'priority_changed', 'assigned', 'comment_added',
                   'label_added', 'label_removed', 'updated', 'snoozed', 'spam_marked',
                   'conversation_linked', 'synced', 'erased', 'waiting_changed', 'classified',
                   'summary_updated', 'escalated', 'label_renamed', 'sla_breached',
                   'team_changed', 'email_sent', 'email_received', 'email_held',
                   'email_bounced')),
    -- JSON: the event's fields (shared::event::EventKind without its tag) and its actor.
    data       TEXT    NOT NULL DEFAULT '{}',
    actor      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO ticket_events_new (id, site_id, ticket_id, kind, data, actor, created_at)
    SELECT id, site_id, ticket_id, kind, data, actor, created_at FROM ticket_events;
DROP TABLE ticket_events;
ALTER TABLE ticket_events_new RENAME TO ticket_events;
CREATE INDEX ticket_events_by_ticket ON ticket_events (site_id, ticket_id, id);

-- ---------------------------------------------------------------------------------------
-- Teams (Billing, Technical …) of a site, and who is in them. A member is a site member;
-- leaving the site takes them out of its teams (service::members).
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    created_at INTEGER NOT NULL,
    UNIQUE (site_id, name)
);
CREATE TABLE team_members (
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    team_id     INTEGER NOT NULL REFERENCES teams (id),
    operator_id TEXT    NOT NULL REFERENCES operators (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (team_id, operator_id)
);
CREATE INDEX team_members_by_operator ON team_members (site_id, operator_id);

-- ---------------------------------------------------------------------------------------
-- The tickets table, rebuilt because SQLite cannot change a CHECK in place and `source` gains
-- `email`. Every row keeps its id, number and columns. The rebuild keeps every foreign key
-- from comments, labels, events and conversation links whole: under `defer_foreign_keys` the
-- rows those tables hold stay unchecked while the old table is gone, and each copied ticket
-- satisfies them again before the transaction ends (the copy goes into a table named
-- `tickets` from the start; a rename would leave the children pointing at nothing).
-- The status counts' triggers are dropped with the old table and created again after the
-- copy, so the copy does not count every ticket twice.
PRAGMA defer_foreign_keys = on;

CREATE TABLE tickets_before_0029 AS SELECT
    id, site_id, number, code, subject, description, summary, priority, status, source,
    requester_name, requester_email, visitor_id, assignee_id, transcript, created_at,
    updated_at, resolved_at, closed_at, snoozed_until, is_spam, sync_platform, sync_remote_id,
    synced_at, customer_replied_at, transcript_from_visitor, waiting_on_customer, topic,
    intent, summary_by, summary_state, summary_wanted_at, summary_queued_at, summary_attempts
FROM tickets;

DROP TABLE tickets;

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
    source             TEXT    NOT NULL
                       CHECK (source IN ('widget', 'bot', 'operator', 'api', 'email')),
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
    -- Set while the requester's last reply has no answer from the team (0008).
    customer_replied_at INTEGER,
    -- The default order (urgent first, then last update) as a column an index holds (0016).
    priority_rank      INTEGER GENERATED ALWAYS AS (
                           CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2
                                         WHEN 'normal' THEN 1 ELSE 0 END
                       ) VIRTUAL,
    -- The transcript came from the visitor's own chat, not from an operator's paste (0020).
    transcript_from_visitor INTEGER NOT NULL DEFAULT 0
                       CHECK (transcript_from_visitor IN (0, 1)),
    -- Pending, waiting on the customer rather than the team (0024).
    waiting_on_customer INTEGER NOT NULL DEFAULT 0
                       CHECK (waiting_on_customer = 0
                              OR (waiting_on_customer = 1 AND status = 'pending')),
    waiting_on         TEXT GENERATED ALWAYS AS (
                           CASE WHEN status = 'pending' THEN
                               CASE waiting_on_customer WHEN 1 THEN 'customer' ELSE 'team' END
                           END
                       ) VIRTUAL,
    -- Slugs (shared::classification), 0026.
    topic              TEXT CHECK (
                           topic IS NULL OR (length(topic) BETWEEN 1 AND 40
                                             AND topic GLOB '[a-z]*'
                                             AND topic NOT GLOB '*[^a-z0-9_]*'
                                             AND topic NOT GLOB '*__*' AND topic NOT GLOB '*_')
                       ),
    intent             TEXT CHECK (
                           intent IS NULL OR (length(intent) BETWEEN 1 AND 40
                                              AND intent GLOB '[a-z]*'
                                              AND intent NOT GLOB '*[^a-z0-9_]*'
                                              AND intent NOT GLOB '*__*' AND intent NOT GLOB '*_')
                       ),
    -- The summary's origin and its job (0028).
    summary_by         TEXT CHECK (summary_by IN ('provider', 'operator')),
    summary_state      TEXT CHECK (summary_state IN ('wanted', 'failed')),
    summary_wanted_at  INTEGER,
    summary_queued_at  INTEGER,
    summary_attempts   INTEGER NOT NULL DEFAULT 0,
    -- New in 0029 ----------------------------------------------------------------------
    -- The team that works it (teams of this site), or none.
    team_id            INTEGER REFERENCES teams (id),
    -- The SLA clock (shared::sla), all in Unix milliseconds, NULL when the site's policy has
    -- no such target for the ticket's priority. Stored, moved by the events that matter,
    -- never recomputed per page:
    --   first_response_due_at  when the team's first customer-facing reply is due;
    --   first_responded_at     when it came (any channel); the target is met if it came by
    --                          the due time;
    --   resolution_due_at      when resolution is due; NULL while the clock is paused
    --                          (pending, waiting on the customer);
    --   resolution_left_ms     while paused: the clock's time left (business time when the
    --                          site keeps business hours), to set the due time again on resume;
    --   *_breached_at          when the Cron Trigger found the target missed (once each:
    --                          what makes the `sla_breached` event idempotent).
    first_response_due_at      INTEGER,
    first_responded_at         INTEGER,
    resolution_due_at          INTEGER,
    resolution_left_ms         INTEGER CHECK (resolution_left_ms IS NULL OR resolution_left_ms >= 0),
    first_response_breached_at INTEGER,
    resolution_breached_at     INTEGER,
    -- The next deadline the team works against: first response while it is owed and due
    -- first, else resolution; none once resolved or closed. The list's "due within" filter
    -- and its "due" order read it (an index holds it).
    sla_due_at         INTEGER GENERATED ALWAYS AS (
                           CASE WHEN status IN ('resolved', 'closed') THEN NULL
                                WHEN first_responded_at IS NULL
                                     AND first_response_due_at IS NOT NULL
                                     AND (resolution_due_at IS NULL
                                          OR first_response_due_at <= resolution_due_at)
                                THEN first_response_due_at
                                ELSE resolution_due_at END
                       ) VIRTUAL,
    -- The unguessable token in the ticket's e-mail reply address (`t-<token>@<domain>`):
    -- 32 hex digits, minted when the first message about the ticket is sent.
    reply_token        TEXT CHECK (reply_token IS NULL
                                   OR (length(reply_token) = 32
                                       AND reply_token NOT GLOB '*[^0-9a-f]*')),
    -- The safety net under the counter: one number per site, ever.
    UNIQUE (site_id, number),
    -- Operators look tickets up by code.
    UNIQUE (site_id, code)
);

INSERT INTO tickets (
    id, site_id, number, code, subject, description, summary, priority, status, source,
    requester_name, requester_email, visitor_id, assignee_id, transcript, created_at,
    updated_at, resolved_at, closed_at, snoozed_until, is_spam, sync_platform, sync_remote_id,
    synced_at, customer_replied_at, transcript_from_visitor, waiting_on_customer, topic,
    intent, summary_by, summary_state, summary_wanted_at, summary_queued_at, summary_attempts)
SELECT
    id, site_id, number, code, subject, description, summary, priority, status, source,
    requester_name, requester_email, visitor_id, assignee_id, transcript, created_at,
    updated_at, resolved_at, closed_at, snoozed_until, is_spam, sync_platform, sync_remote_id,
    synced_at, customer_replied_at, transcript_from_visitor, waiting_on_customer, topic,
    intent, summary_by, summary_state, summary_wanted_at, summary_queued_at, summary_attempts
FROM tickets_before_0029;

DROP TABLE tickets_before_0029;

-- Every index the old table had (0001, 0005, 0016, 0026, 0028), as it was ...
CREATE INDEX tickets_by_status   ON tickets (site_id, status, updated_at DESC);
CREATE INDEX tickets_by_priority ON tickets (site_id, priority, updated_at DESC);
CREATE INDEX tickets_by_assignee ON tickets (site_id, assignee_id, updated_at DESC);
CREATE INDEX tickets_by_updated  ON tickets (site_id, updated_at DESC);
CREATE INDEX tickets_by_visitor  ON tickets (site_id, visitor_id, created_at DESC);
CREATE INDEX tickets_by_email    ON tickets (site_id, requester_email);
CREATE INDEX tickets_by_created  ON tickets (site_id, created_at DESC);
CREATE INDEX tickets_by_priority_rank ON tickets (site_id, priority_rank DESC, updated_at DESC, id DESC);
CREATE INDEX tickets_by_topic  ON tickets (site_id, topic) WHERE topic IS NOT NULL;
CREATE INDEX tickets_by_intent ON tickets (site_id, intent) WHERE intent IS NOT NULL;
CREATE INDEX tickets_summary_wanted ON tickets (summary_queued_at, summary_wanted_at)
    WHERE summary_state = 'wanted';
-- ... except the list's covering index, which gains the team and the SLA columns its new
-- filters test (team, breached, due within), so a search's join and the match counts still
-- test every filter without visiting table rows.
CREATE INDEX tickets_by_number_filtered ON tickets (
    site_id, number, status, is_spam, snoozed_until, priority, assignee_id, source,
    created_at, updated_at, id, waiting_on_customer, topic, intent, team_id,
    first_response_due_at, first_responded_at, resolution_due_at,
    first_response_breached_at, resolution_breached_at
);
-- New: the "due" order and the "due within" filter (soonest first), the Cron Trigger's
-- search for missed targets, the team filter and backlog, the reply address's lookup.
CREATE INDEX tickets_by_sla_due ON tickets (site_id, sla_due_at, id) WHERE sla_due_at IS NOT NULL;
CREATE INDEX tickets_by_team ON tickets (site_id, team_id, updated_at DESC) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX tickets_by_reply_token ON tickets (reply_token) WHERE reply_token IS NOT NULL;

-- The status counts' triggers (0017), as they were.
CREATE TRIGGER ticket_status_counts_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_status_counts (site_id, status, n) VALUES (NEW.site_id, NEW.status, 1)
    ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_status_counts_delete AFTER DELETE ON tickets
BEGIN
    UPDATE ticket_status_counts SET n = n - 1
    WHERE site_id = OLD.site_id AND status = OLD.status;
END;
CREATE TRIGGER ticket_status_counts_move AFTER UPDATE OF status ON tickets
WHEN NEW.status IS NOT OLD.status
BEGIN
    UPDATE ticket_status_counts SET n = n - 1
    WHERE site_id = OLD.site_id AND status = OLD.status;
    INSERT INTO ticket_status_counts (site_id, status, n) VALUES (NEW.site_id, NEW.status, 1)
    ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
END;

-- ---------------------------------------------------------------------------------------
-- A site's e-mail: whether it writes to requesters at all (off until an owner turns it on),
-- and its support address's local part on the deployment's e-mail domain (EMAIL_DOMAIN):
-- mail to `<support_local>@<domain>` opens a ticket on this site. One site per address.
ALTER TABLE sites ADD COLUMN email_enabled INTEGER NOT NULL DEFAULT 0 CHECK (email_enabled IN (0, 1));
ALTER TABLE sites ADD COLUMN support_local TEXT CHECK (
    support_local IS NULL OR (length(support_local) BETWEEN 1 AND 64
                              AND support_local NOT GLOB '*[^a-z0-9._-]*'
                              AND support_local NOT GLOB 't-*')
);
CREATE UNIQUE INDEX sites_by_support_local ON sites (support_local) WHERE support_local IS NOT NULL;

-- Each address a site writes to, once it has a state: the requester opted out (the
-- List-Unsubscribe link), or mail to it bounced. Either stops further mail to it from this
-- site. Addresses are stored lower-cased.
CREATE TABLE email_recipients (
    site_id       INTEGER NOT NULL REFERENCES sites (id),
    address       TEXT    NOT NULL CHECK (address = lower(address) AND length(address) <= 254),
    opted_out_at  INTEGER,
    bounced_at    INTEGER,
    bounce_reason TEXT,
    PRIMARY KEY (site_id, address)
) WITHOUT ROWID;
