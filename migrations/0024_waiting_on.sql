-- Ticketbooth schema, part 24: whom a pending ticket waits on — the team (the default) or the
-- customer (shared::waiting::WaitingOn).
--
-- Stored as one flag, not as a nullable 'team'/'customer' text, so that no row can say
-- something the product has no word for: the flag may be 1 only while the ticket is pending
-- (the CHECK), and a pending ticket with the flag at 0 waits on the team. So an open ticket
-- "waiting on the customer" cannot be written, a ticket entering pending waits on the team
-- without any statement having to say so, and every existing row (flag 0) is valid as it is.
-- Leaving pending clears the flag (sql/tickets.rs's status updates set it to 0): the next time
-- the ticket is pending, it waits on the team again until an operator says otherwise. A
-- status update that forgot to clear it would fail the CHECK, not store a contradiction.
ALTER TABLE tickets ADD COLUMN waiting_on_customer INTEGER NOT NULL DEFAULT 0
    CHECK (waiting_on_customer = 0 OR (waiting_on_customer = 1 AND status = 'pending'));

-- The side as the API spells it ('team', 'customer', or NULL when not pending): computed from
-- the two columns above, never stored twice, so it cannot disagree with them.
ALTER TABLE tickets ADD COLUMN waiting_on TEXT GENERATED ALWAYS AS (
    CASE WHEN status = 'pending' THEN CASE waiting_on_customer WHEN 1 THEN 'customer' ELSE 'team' END END
) VIRTUAL;

-- The list's filters are tested in this index without visiting table rows (0016): it gains
-- the flag, which the `waiting=` filter reads with the status.
DROP INDEX tickets_by_number_filtered;
CREATE INDEX tickets_by_number_filtered ON tickets (
    site_id, number, status, is_spam, snoozed_until, priority, assignee_id, source,
    created_at, updated_at, id, waiting_on_customer
);
