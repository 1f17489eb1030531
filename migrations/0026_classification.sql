-- Ticketbooth schema, part 26: a ticket's topic and intent (shared::classification).
--
-- Both are optional lower-case ASCII snake_case slugs of 1 to 40 characters that start with a
-- letter ("billing", "refund_request"): the same shape `Topic::parse` and `Intent::parse`
-- produce, held here too so no path can store a fourth spelling of "billing".
ALTER TABLE tickets ADD COLUMN topic TEXT CHECK (
    topic IS NULL OR (length(topic) BETWEEN 1 AND 40 AND topic GLOB '[a-z]*'
                      AND topic NOT GLOB '*[^a-z0-9_]*' AND topic NOT GLOB '*__*'
                      AND topic NOT GLOB '*_')
);
ALTER TABLE tickets ADD COLUMN intent TEXT CHECK (
    intent IS NULL OR (length(intent) BETWEEN 1 AND 40 AND intent GLOB '[a-z]*'
                       AND intent NOT GLOB '*[^a-z0-9_]*' AND intent NOT GLOB '*__*'
                       AND intent NOT GLOB '*_')
);

-- The list's filters read topic and intent too: the covering index of 0016 is rebuilt with
-- them appended, so a search's join and the match counts still test every filter in the index
-- without visiting table rows. It keeps 0024's `waiting_on_customer` (the `waiting=` filter).
DROP INDEX tickets_by_number_filtered;
CREATE INDEX tickets_by_number_filtered ON tickets (
    site_id, number, status, is_spam, snoozed_until, priority, assignee_id, source,
    created_at, updated_at, id, waiting_on_customer, topic, intent
);

-- The values in use on a site (the suggestions next to every topic and intent field), read
-- as DISTINCT from these indexes alone. Partial: unclassified tickets take no entry.
CREATE INDEX tickets_by_topic ON tickets (site_id, topic) WHERE topic IS NOT NULL;
CREATE INDEX tickets_by_intent ON tickets (site_id, intent) WHERE intent IS NOT NULL;
