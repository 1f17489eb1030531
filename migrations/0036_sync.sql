-- External sync (issue 23): a site's connection to Zendesk or Gorgias, each ticket's link to
-- its remote twin, the remote comments we already know, and the webhook deliveries we took.
--
-- Push is state-based, not a log of operations: every change a person, bot or visitor makes
-- to a linked ticket bumps its link's `dirty_seq` (the triggers below, so no write path can
-- forget); the push job compares the ticket with what it last pushed (`pushed_*`) and sends
-- the difference, then records `pushed_seq`. A change pulled from the platform is written by
-- the `sync` actor and bumps nothing: that is what keeps a pull from echoing back.

-- One live connection per site (`disconnected_at IS NULL`); a disconnected one stays as the
-- history its links point at. Credentials are not here: they are the site's sealed secrets
-- (`site_secrets`, names `sync_credential` and `sync_webhook_secret`).
CREATE TABLE sync_connections (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    platform        TEXT    NOT NULL CHECK (platform IN ('zendesk', 'gorgias')),
    -- `https://acme.zendesk.com` / `https://acme.gorgias.com`: checked by the outbound URL
    -- policy when saved and again before every request.
    base_url        TEXT    NOT NULL,
    -- Zendesk: `api_token` (e-mail + token, Basic `{email}/token:{token}`) or `bearer` (a
    -- pasted OAuth access token). Gorgias: `basic` (e-mail + API key).
    auth_kind       TEXT    NOT NULL CHECK (auth_kind IN ('api_token', 'bearer', 'basic')),
    -- The account e-mail of `api_token` and `basic`; NULL for `bearer`.
    auth_user       TEXT,
    -- What is pushed: every new ticket, tickets that get a label (or one of its sublabels),
    -- or only tickets pushed by hand.
    push_rule       TEXT    NOT NULL DEFAULT 'manual' CHECK (push_rule IN ('all', 'label', 'manual')),
    push_label      TEXT,
    -- The platform's id of the user our credentials act as (from the connection test): a
    -- pulled change or comment made by that user is our own push coming back, and is dropped.
    remote_user_id  TEXT,
    -- The last connection test: when, and why it failed (NULL: it passed).
    checked_at      INTEGER,
    check_error     TEXT,
    created_by      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    disconnected_at INTEGER,
    CHECK ((push_rule = 'label') = (push_label IS NOT NULL))
);
CREATE UNIQUE INDEX sync_connections_live ON sync_connections (site_id)
    WHERE disconnected_at IS NULL;

-- A ticket's link to its remote twin through one connection (at most one link per ticket).
CREATE TABLE sync_links (
    ticket_id         TEXT    PRIMARY KEY REFERENCES tickets (id),
    site_id           INTEGER NOT NULL REFERENCES sites (id),
    connection_id     INTEGER NOT NULL REFERENCES sync_connections (id),
    -- NULL until the remote ticket exists.
    remote_id         TEXT,
    -- pending: changes wait to go out (or the create); synced: both sides agree as far as we
    -- know; failed: the last push gave up (`error` says why; a retry or a new change re-arms
    -- it); deleted: the remote ticket was deleted there (ours stays, syncing stops);
    -- stopped: the connection was disconnected (the link stays as history).
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'synced', 'failed', 'deleted', 'stopped')),
    error             TEXT,
    -- Bumped by every local change that matters; the push job records the value it pushed.
    dirty_seq         INTEGER NOT NULL DEFAULT 1,
    pushed_seq        INTEGER NOT NULL DEFAULT 0,
    -- What the remote side has as far as we know (what we last pushed or pulled): the push
    -- sends only what differs, and a pull compares against it to tell a conflict.
    pushed_status     TEXT,
    pushed_waiting    TEXT,
    pushed_priority   TEXT,
    -- Retries: the attempt count of the current push, when the next may run (NULL: none
    -- scheduled), and when it was handed to the Queue (NULL: not in the Queue).
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER,
    queued_at         INTEGER,
    -- A create was sent and its answer not yet read: before sending another, the job looks
    -- the ticket up by our id (platforms without an idempotency key).
    create_sent_at    INTEGER,
    last_pushed_at    INTEGER,
    last_pulled_at    INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- The list's `sync=` filter, and the hand-off's scan of links due a push.
CREATE INDEX sync_links_by_state ON sync_links (site_id, state, ticket_id);
CREATE INDEX sync_links_due ON sync_links (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
-- A webhook names the remote ticket.
CREATE UNIQUE INDEX sync_links_by_remote ON sync_links (connection_id, remote_id)
    WHERE remote_id IS NOT NULL;

-- Remote comments we know, pushed by us or pulled: a comment is pushed once, and one that
-- comes back (ours, echoed) or comes twice is not pulled again.
CREATE TABLE sync_comments (
    connection_id     INTEGER NOT NULL REFERENCES sync_connections (id),
    remote_comment_id TEXT    NOT NULL,
    ticket_id         TEXT    NOT NULL REFERENCES tickets (id),
    comment_id        INTEGER NOT NULL REFERENCES ticket_comments (id),
    direction         TEXT    NOT NULL CHECK (direction IN ('push', 'pull')),
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (connection_id, remote_comment_id)
);
-- The push job's "comments not yet out" (an anti-join on our comment id).
CREATE UNIQUE INDEX sync_comments_by_comment ON sync_comments (comment_id);

-- Webhook deliveries taken, by the platform's event id: a replay or a duplicate is refused.
-- Kept for a week (the upkeep cron prunes), longer than any platform retries.
CREATE TABLE sync_webhook_events (
    connection_id INTEGER NOT NULL REFERENCES sync_connections (id),
    event_id      TEXT    NOT NULL,
    received_at   INTEGER NOT NULL,
    PRIMARY KEY (connection_id, event_id)
);

-- Every new ticket, under a connection that pushes all: the link is born pending. Spam is
-- never pushed (a ticket marked spam later keeps its link).
CREATE TRIGGER sync_link_on_create AFTER INSERT ON ticket_events
WHEN NEW.kind = 'created' AND json_extract(NEW.actor, '$.type') IS NOT 'sync'
BEGIN
    INSERT OR IGNORE INTO sync_links
        (ticket_id, site_id, connection_id, state, next_attempt_at, created_at, updated_at)
    SELECT NEW.ticket_id, NEW.site_id, c.id, 'pending', NEW.created_at, NEW.created_at,
           NEW.created_at
    FROM sync_connections c
    WHERE c.site_id = NEW.site_id AND c.disconnected_at IS NULL AND c.push_rule = 'all'
      AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = NEW.ticket_id AND t.is_spam = 1);
END;

-- A ticket that gets the connection's label (or one of its sublabels, `parent > child`).
CREATE TRIGGER sync_link_on_label AFTER INSERT ON ticket_labels
BEGIN
    INSERT OR IGNORE INTO sync_links
        (ticket_id, site_id, connection_id, state, next_attempt_at, created_at, updated_at)
    SELECT NEW.ticket_id, NEW.site_id, c.id, 'pending', NEW.created_at, NEW.created_at,
           NEW.created_at
    FROM sync_connections c
    WHERE c.site_id = NEW.site_id AND c.disconnected_at IS NULL AND c.push_rule = 'label'
      AND (NEW.label = c.push_label
           OR substr(NEW.label, 1, length(c.push_label) + 3) = c.push_label || ' > ')
      AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = NEW.ticket_id AND t.is_spam = 1);
END;

-- A change that goes out (status, waiting side, priority, a comment) by anyone but the sync
-- actor marks the live link dirty and due now (unless a retry is already scheduled: a 429's
-- Retry-After is honoured). A failed link is re-armed.
CREATE TRIGGER sync_link_dirty AFTER INSERT ON ticket_events
WHEN NEW.kind IN ('status_changed', 'waiting_changed', 'priority_changed', 'comment_added')
 AND json_extract(NEW.actor, '$.type') IS NOT 'sync'
BEGIN
    UPDATE sync_links
    SET dirty_seq = dirty_seq + 1,
        next_attempt_at = COALESCE(next_attempt_at, NEW.created_at),
        state = CASE WHEN state = 'synced' OR state = 'failed' THEN 'pending' ELSE state END,
        updated_at = NEW.created_at
    WHERE ticket_id = NEW.ticket_id AND state IN ('pending', 'synced', 'failed');
END;
