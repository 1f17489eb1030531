-- Ticketbooth schema, part 20: which transcripts are only the visitor's account of a chat.

-- A widget create may carry a transcript the visitor's browser wrote (a host page prefills it
-- from its own chat widget). Anyone can send any text there, with `author: "operator"` or
-- `"bot"` — so such a transcript is the visitor's claim, and the ticket page shows it marked
-- as such, never as the team's or the bot's own words. 1: the browser sent it (unverified),
-- 0: the server wrote it from a conversation it holds, or a member of the team gave it.
ALTER TABLE tickets ADD COLUMN transcript_from_visitor INTEGER NOT NULL DEFAULT 0
    CHECK (transcript_from_visitor IN (0, 1));

-- Tickets created before this migration: a widget ticket's transcript came from the browser
-- unless the create named the visitor's conversation (then the server's snapshot replaced
-- it, and the link was written in the same batch, at the ticket's own `created_at`).
UPDATE tickets SET transcript_from_visitor = 1
WHERE source = 'widget' AND transcript <> '[]'
  AND NOT EXISTS (SELECT 1 FROM ticket_conversations AS tc
                  WHERE tc.site_id = tickets.site_id AND tc.ticket_id = tickets.id
                    AND tc.created_at = tickets.created_at);
