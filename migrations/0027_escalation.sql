-- Ticketbooth schema, part 27: escalation — a conversation handed from the bot to a person.

-- A conversation escalates when the visitor asks for a person (the widget's button), when the
-- model calls its `hand_off` tool, when the provider fails, or after the site's number of bot
-- answers without a ticket. From then the bot stays quiet (its pause is `escalated_at IS NOT
-- NULL`) until an operator hands the conversation back, which clears these columns.
ALTER TABLE conversations ADD COLUMN escalated_at INTEGER;
ALTER TABLE conversations ADD COLUMN escalation_reason TEXT
    CHECK (escalation_reason IN ('visitor_asked', 'hand_off', 'provider_failed', 'message_limit'));
-- The model's own words for a `hand_off` (capped; NULL for the other reasons).
ALTER TABLE conversations ADD COLUMN escalation_note TEXT
    CHECK (length(escalation_note) <= 500);
-- Why the automatic ticket was not opened, when it was refused (the inbox says so).
ALTER TABLE conversations ADD COLUMN escalation_ticket_refused TEXT
    CHECK (escalation_ticket_refused IN ('ticketing_off', 'daily_cap', 'contact_missing'));
-- The bot's messages since the conversation started or was handed back: the message limit.
ALTER TABLE conversations ADD COLUMN bot_answers INTEGER NOT NULL DEFAULT 0;

-- The inbox shows the conversations waiting for a person first.
CREATE INDEX conversations_escalated ON conversations (site_id, escalated_at)
    WHERE escalated_at IS NOT NULL;

-- The system message written when a conversation escalates: the widget says a person will
-- follow up there (in the visitor's language). 1 on that message only.
ALTER TABLE conversation_messages ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0
    CHECK (escalated IN (0, 1));

-- Per site: escalate after this many bot answers without a ticket or a hand-off (0: never),
-- and whether an escalation opens a ticket by itself.
ALTER TABLE sites ADD COLUMN escalate_after_messages INTEGER NOT NULL DEFAULT 6
    CHECK (escalate_after_messages BETWEEN 0 AND 50);
ALTER TABLE sites ADD COLUMN escalation_opens_ticket INTEGER NOT NULL DEFAULT 1
    CHECK (escalation_opens_ticket IN (0, 1));
