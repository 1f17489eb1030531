-- Ticketbooth schema, part 30: the SLA clock's policy and its webhook (issue 22).
--   * each site's SLA policy (shared::sla::PolicyJson): a first-response and a resolution
--     target per priority, in minutes, and business hours (a weekly schedule in an IANA time
--     zone) or none for calendar time. NULL: the site keeps no SLA, and its tickets' clock
--     columns (0029) stay NULL. A change applies to tickets created afterwards;
--   * the outbox (0015) takes a new kind, `ticket.sla_breached`, written by the Cron
--     Trigger's breach sweep with the ticket's `sla_breached` event.
-- Migrations run inside one transaction on D1 (and in the host tests' store).

ALTER TABLE sites ADD COLUMN sla_policy TEXT CHECK (sla_policy IS NULL OR json_valid(sla_policy));

-- The outbox, rebuilt because SQLite cannot change a CHECK in place; every row and column
-- kept as 0015 made them. Nothing references notifications.
CREATE TABLE notifications_new (
    -- The event id the receiver dedupes on: `tc_<ticket id>` (a new ticket),
    -- `vr_<ticket id>_<key>` (a visitor's reply), `sb_<ticket id>_<target>` (an SLA breach:
    -- `fr` first response, `res` resolution), `test_<random>`.
    id           TEXT    PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('ticket.created', 'ticket.visitor_replied',
                                                  'ticket.sla_breached', 'test')),
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
INSERT INTO notifications_new (id, site_id, kind, data, created_at, queued_at, attempts,
                               last_status, last_error, delivered_at, failed_at)
    SELECT id, site_id, kind, data, created_at, queued_at, attempts, last_status, last_error,
           delivered_at, failed_at
    FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_by_site ON notifications (site_id, created_at DESC);
CREATE INDEX notifications_pending ON notifications (queued_at) WHERE queued_at IS NULL;
