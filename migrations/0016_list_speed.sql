-- Ticketbooth schema, part 16: the ticket list at 100,000 tickets (sql/tickets.rs, the list).

-- The default order (urgent first, then last update) as a column, so an index can hold it and
-- a keyset cursor can seek in it: the first page and page 500 each read about 50 index entries
-- instead of sorting every open ticket of the site. VIRTUAL: computed, never stored twice.
ALTER TABLE tickets ADD COLUMN priority_rank INTEGER GENERATED ALWAYS AS (
    CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END
) VIRTUAL;
CREATE INDEX tickets_by_priority_rank ON tickets (site_id, priority_rank DESC, updated_at DESC, id DESC);

-- Every column the list's filters read, keyed by the number a search match carries: the match
-- count and a search's join test their filters in this index without visiting table rows.
CREATE INDEX tickets_by_number_filtered ON tickets (
    site_id, number, status, is_spam, snoozed_until, priority, assignee_id, source,
    created_at, updated_at, id
);
