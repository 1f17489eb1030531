-- Ticketbooth schema, part 6: data rights, signed visitor identity and per-site daily caps.

-- The audit trail gains the `erased` kind (a requester's personal data was erased from the
-- ticket). SQLite cannot change a CHECK in place, so the table is rebuilt: create the new
-- shape, copy every row (ids included, so the order stays), drop the old, rename. Nothing
-- references ticket_events, so the drop breaks no foreign key.
CREATE TABLE ticket_events_new (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    ticket_id  TEXT    NOT NULL REFERENCES tickets (id),
    kind       TEXT    NOT NULL CHECK (kind IN (
                   'created', 'status_changed', 'priority_changed', 'assigned', 'comment_added',
                   'label_added', 'label_removed', 'updated', 'snoozed', 'spam_marked',
                   'conversation_linked', 'synced', 'erased')),
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

-- The secret the site's own backend signs visitor identities with (HS256). Stored as is,
-- because verifying an HMAC needs the secret itself; it is shown once when set and never
-- again. NULL: signed identities are not accepted on this site.
ALTER TABLE sites ADD COLUMN identity_secret TEXT;

-- At most this many tickets from the widget per UTC day; the create batch counts them.
ALTER TABLE sites ADD COLUMN daily_ticket_cap INTEGER NOT NULL DEFAULT 1000
    CHECK (daily_ticket_cap >= 0);

-- The daily cap counts a site's tickets created since UTC midnight through 0005's
-- `tickets_by_created (site_id, created_at DESC)`; the export pages through them by number
-- (the UNIQUE (site_id, number) index serves that already).
