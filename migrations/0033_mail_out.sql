-- Ticketbooth schema, part 33: e-mail out (issue 22). The outbox of mails and each operator's
-- choice of mails about their work. A mail row is written in the batch of what it announces
-- (the ticket created, a public reply, the resolution, an assignment, an SLA warning) and only
-- when the rules allow it then (the site's e-mail on, an address, not opted out or bounced,
-- not spam); the Queue's consumer checks the same rules again at send time, renders the
-- message from the ticket as it is then and sends it through the `[[send_email]]` binding.

-- One message to one address. `state`:
--   waiting  written, not yet handed to the Queue (the request's hand-off or the Cron Trigger);
--   queued   handed (`queued_at`: when; or, after a failed attempt, when its retry is due);
--   sent     accepted by Email Service (`message_id` is what it answered, `sent_at` when);
--   failed   given up after `attempts` tries (`error`: the last failure's class);
--   skipped  the rules said no at send time (`error`: why: opted out, bounced, e-mail off …).
CREATE TABLE mails (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    ticket_id    TEXT    NOT NULL REFERENCES tickets (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('received', 'reply', 'resolved', 'assigned',
                                                  'sla_warning')),
    -- Lower-cased; the requester's, or the operator's for `assigned` and `sla_warning`.
    to_address   TEXT    NOT NULL CHECK (to_address = lower(to_address)
                                         AND length(to_address) <= 254),
    -- The operator a mail of theirs is for (their opt-in is checked again at send time).
    operator_id  TEXT    REFERENCES operators (id),
    -- What only this mail says: a reply's text, an SLA warning's target. The rest (site name,
    -- code, subject) is read when it is sent.
    body         TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL DEFAULT 'waiting'
                 CHECK (state IN ('waiting', 'queued', 'sent', 'failed', 'skipped')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    queued_at    INTEGER,
    message_id   TEXT,
    error        TEXT,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER
);
CREATE INDEX mails_by_ticket ON mails (site_id, ticket_id, id);
-- The hand-off's and the sweep's search: unsent mails, oldest first.
CREATE INDEX mails_unsent ON mails (state, queued_at, id) WHERE state IN ('waiting', 'queued');

-- Each operator's mails about their own work (account page), off until they opt in.
ALTER TABLE operators ADD COLUMN mail_assigned INTEGER NOT NULL DEFAULT 0
    CHECK (mail_assigned IN (0, 1));
ALTER TABLE operators ADD COLUMN mail_sla INTEGER NOT NULL DEFAULT 0
    CHECK (mail_sla IN (0, 1));
