-- The visitor's side of a ticket's thread (functions/src/service/visitor_thread.rs).

-- A visitor's reply carries its send's Idempotency-Key, so a retried reply is never doubled
-- (operators' comments have none: the dashboard's forms are guarded by the ticket's version).
ALTER TABLE ticket_comments ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX ticket_comments_by_key
    ON ticket_comments (site_id, ticket_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- When the requester last replied while the team had not answered since: the list's and the
-- ticket page's "Customer replied" mark. Cleared by the team's next customer-facing comment.
ALTER TABLE tickets ADD COLUMN customer_replied_at INTEGER;

-- The system message a conversation gets when a ticket is opened from it: the widget shows
-- it as a card with the ticket's current code and status.
ALTER TABLE conversation_messages ADD COLUMN ticket_id TEXT;
