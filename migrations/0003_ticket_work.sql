-- Ticketbooth schema, part 3: what operators add to a ticket while working it — comments
-- (internal or customer-facing) and labels. Both are tenant data: every row carries site_id.

-- A comment on a ticket. `internal` comments are for operators only and are never selected by
-- a visitor route; `public` ones are what the visitor sees in the widget (a visitor's own
-- replies are public comments too).
CREATE TABLE ticket_comments (
    -- Assigned by SQLite; also the comments' order within a ticket.
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    ticket_id   TEXT    NOT NULL REFERENCES tickets (id),
    visibility  TEXT    NOT NULL CHECK (visibility IN ('internal', 'public')),
    author_kind TEXT    NOT NULL CHECK (author_kind IN ('operator', 'visitor', 'bot', 'system')),
    -- Operator id or visitor id; NULL for bot and system.
    author_id   TEXT,
    -- The name shown next to the comment, as it was when written.
    author_name TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A ticket's comments in order (the detail page, the visitor's view of public replies).
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (site_id, ticket_id, created_at);

-- Labels are created on the fly: a label exists on a site while some ticket carries it.
CREATE TABLE ticket_labels (
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    ticket_id  TEXT    NOT NULL REFERENCES tickets (id),
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, ticket_id, label)
);

-- The label filter and the site's label list.
CREATE INDEX ticket_labels_by_label ON ticket_labels (site_id, label, ticket_id);
