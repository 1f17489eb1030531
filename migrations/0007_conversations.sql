-- Ticketbooth schema, part 7: chat conversations between a visitor and the site's team. They
-- are short-lived (deleted 24 hours after their last message by the hourly Cron Trigger);
-- tickets made from them keep a transcript snapshot and a link that outlives them.

CREATE TABLE conversations (
    -- A UUID v7 in simple form (`ConversationId`).
    id               TEXT    PRIMARY KEY,
    site_id          INTEGER NOT NULL REFERENCES sites (id),
    -- The visitor (of the signed visitor token) whose conversation this is; only they read it.
    visitor_id       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    -- The newest message's time (the start time until there is one): the inbox's order.
    last_message_at  INTEGER NOT NULL,
    -- last_message_at + 24 h: the purge deletes the conversation after this.
    expires_at       INTEGER NOT NULL,
    -- The seq of the newest message (0 when none): the next message takes last_seq + 1 in the
    -- same batch, so seqs are gapless per conversation without a read first.
    last_seq         INTEGER NOT NULL DEFAULT 0,
    -- The newest visitor message seq an operator has seen: the inbox's unread marker.
    operator_read_seq INTEGER NOT NULL DEFAULT 0,
    -- The newest seq written by the visitor (for the unread marker: operators' own replies
    -- are not unread).
    visitor_seq      INTEGER NOT NULL DEFAULT 0
);

-- The inbox: a site's conversations, newest activity first.
CREATE INDEX conversations_by_activity ON conversations (site_id, last_message_at);
-- The purge.
CREATE INDEX conversations_by_expiry ON conversations (expires_at);

CREATE TABLE conversation_messages (
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    conversation_id TEXT    NOT NULL REFERENCES conversations (id),
    -- 1, 2, 3… within the conversation: the cursor clients read after.
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind IN ('visitor', 'bot', 'operator', 'system')),
    -- The operator's id for operator messages; NULL otherwise (the visitor is the
    -- conversation's).
    author_id       TEXT,
    -- The name shown (operator or bot), as it was when written; NULL for visitor and system.
    author_name     TEXT,
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    -- The sender's Idempotency-Key: a retried send finds its message instead of writing a
    -- second. NULL for messages written without one (dashboard replies use the form's key).
    idempotency_key TEXT,
    PRIMARY KEY (conversation_id, seq)
);

-- One message per key per conversation (NULL keys are distinct in SQLite).
CREATE UNIQUE INDEX conversation_messages_by_key
    ON conversation_messages (site_id, conversation_id, idempotency_key);

-- Which conversations a ticket came from or was given: one conversation can spawn several
-- tickets, and a ticket can have several conversations. The link outlives the conversation
-- (no foreign key to it): the ticket's transcript snapshot is what stays readable.
CREATE TABLE ticket_conversations (
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    ticket_id       TEXT    NOT NULL REFERENCES tickets (id),
    conversation_id TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (site_id, ticket_id, conversation_id)
);
