-- Ticketbooth schema, part 21: the contact details a visitor gives in the chat.

-- When the bot needs the visitor's name and email (a site that requires them on tickets), the
-- visitor gives them in a small form in the chat. They are kept on the conversation, so every
-- ticket made from it (the widget's, the bot's, an operator's) carries them, and the bot's
-- next turn knows them. NULL until given; purged with the conversation.
ALTER TABLE conversations ADD COLUMN requester_name TEXT;
ALTER TABLE conversations ADD COLUMN requester_email TEXT;

-- The system message the bot run writes when a ticket needs contact details the visitor has
-- not given yet: the widget shows the contact form in its place. 1 on that message only.
ALTER TABLE conversation_messages ADD COLUMN needs_contact INTEGER NOT NULL DEFAULT 0
    CHECK (needs_contact IN (0, 1));
