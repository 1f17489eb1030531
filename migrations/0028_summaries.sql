-- Ticketbooth schema, part 28: the AI summary of a ticket, written through the Queue.
--
-- tickets.summary stays the text. What the ticket knows about it:
--   summary_by         who wrote the text there: 'provider' (the site's model, through the
--                      summary job or a bot's open_ticket argument) or 'operator' (by hand);
--                      NULL while there is none. A job never writes over 'operator'.
--   summary_state      'wanted' (a job is owed: set by the create batch or a refresh),
--                      'failed' (the provider failed every attempt; the page says so), or
--                      NULL (nothing owed).
--   summary_wanted_at  since when it is wanted (the job's idempotence token: a delivery
--                      writes only while the ticket is still wanted since the same time).
--   summary_queued_at  when the wanted job was handed to the Queue (NULL: not yet, the
--                      outbox's sweep hands it; a job queued long ago is handed again).
--   summary_attempts   provider calls made for the wanted summary (bounded; then 'failed').
ALTER TABLE tickets ADD COLUMN summary_by TEXT CHECK (summary_by IN ('provider', 'operator'));
ALTER TABLE tickets ADD COLUMN summary_state TEXT CHECK (summary_state IN ('wanted', 'failed'));
ALTER TABLE tickets ADD COLUMN summary_wanted_at INTEGER;
ALTER TABLE tickets ADD COLUMN summary_queued_at INTEGER;
ALTER TABLE tickets ADD COLUMN summary_attempts INTEGER NOT NULL DEFAULT 0;

-- Summaries so far came only from a bot's open_ticket: the model wrote them.
UPDATE tickets SET summary_by = 'provider' WHERE summary IS NOT NULL;

-- The sweep's walk: only the few tickets still owed a summary.
CREATE INDEX tickets_summary_wanted ON tickets (summary_queued_at, summary_wanted_at)
    WHERE summary_state = 'wanted';

-- Whether ticket content may be sent to the site's provider for summaries: NULL follows the
-- bot (on whenever a bot is set up: the owner already sends its conversations there), 0 off,
-- 1 on (the owner chose; still nothing without a provider).
ALTER TABLE sites ADD COLUMN summaries_enabled INTEGER CHECK (summaries_enabled IN (0, 1));
