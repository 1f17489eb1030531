-- Operator notifications (functions/src/webhooks.rs): a site's webhook, and an outbox of
-- events written in the same batch as what they announce, delivered through a Queue.

-- The receiver's URL and the key its payloads are signed with (HMAC-SHA256; stored as is, as
-- verifying needs it; shown once). Both NULL: no webhook, and no outbox rows are written.
ALTER TABLE sites ADD COLUMN webhook_url TEXT;
ALTER TABLE sites ADD COLUMN webhook_secret TEXT;

CREATE TABLE notifications (
    -- The event id the receiver dedupes on: `tc_<ticket id>` (a new ticket),
    -- `vr_<ticket id>_<key>` (a visitor's reply), `test_<random>`.
    id           TEXT    PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('ticket.created', 'ticket.visitor_replied', 'test')),
    -- What the event is about, as JSON (code, subject, requester…): the payload is built from it.
    data         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    -- Handed to the Queue (NULL: not yet; the Cron Trigger sweeps those up).
    queued_at    INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER,
    last_error   TEXT,
    delivered_at INTEGER,
    -- Given up after the last attempt.
    failed_at    INTEGER
);
CREATE INDEX notifications_by_site ON notifications (site_id, created_at DESC);
CREATE INDEX notifications_pending ON notifications (queued_at) WHERE queued_at IS NULL;
