-- Ticketbooth schema, part 23: the audit trail's kinds for tickets that understand themselves.
--
-- New kinds, each written by the change it records (shared::event::EventKind):
--   waiting_changed  a pending ticket now waits on the team or on the customer;
--   classified       its topic or intent was set or changed (by the bot or an operator);
--   summary_updated  its summary was written (by the provider or by hand);
--   escalated        the conversation it came from asked for a person (the reason is kept);
--   label_renamed    a label was renamed or merged into another on the labels page.
-- SQLite cannot change a CHECK in place, so the table is rebuilt exactly as 0006 did: create
-- the new shape, copy every row (ids included, so the order stays), drop the old, rename.
-- Nothing references ticket_events, so the drop breaks no foreign key.
CREATE TABLE ticket_events_new (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    ticket_id  TEXT    NOT NULL REFERENCES tickets (id),
    kind       TEXT    NOT NULL CHECK (kind IN (
                   'created', 'status_changed', 'priority_changed', 'assigned', 'comment_added',
                   'label_added', 'label_removed', 'updated', 'snoozed', 'spam_marked',
                   'conversation_linked', 'synced', 'erased', 'waiting_changed', 'classified',
                   'summary_updated', 'escalated', 'label_renamed')),
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
