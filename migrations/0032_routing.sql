-- Ticketbooth schema, part 32: routing rules, the teams' round-robin cursor, and the away
-- switch (issue 22, teams and routing; the teams themselves are 0029's).

-- A site's routing rules, evaluated in `position` order when a visitor, a bot or an e-mail
-- opens a ticket and when a conversation is escalated: the first enabled rule whose set
-- conditions ALL hold sends the ticket to its team (a rule with no condition matches every
-- ticket: the catch-all at the end of the list). `label` matches the label or any of its
-- sublabels (`billing` matches `billing > refund`), as the list's label filter does; the
-- others are exact. Deleting a team deletes its rules in the same batch (service::teams).
CREATE TABLE routing_rules (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    position   INTEGER NOT NULL CHECK (position >= 1),
    label      TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 200),
    topic      TEXT CHECK (topic IS NULL OR length(topic) BETWEEN 1 AND 40),
    intent     TEXT CHECK (intent IS NULL OR length(intent) BETWEEN 1 AND 40),
    source     TEXT CHECK (source IS NULL OR source IN ('widget', 'bot', 'operator', 'api', 'email')),
    priority   TEXT CHECK (priority IS NULL OR priority IN ('low', 'normal', 'high', 'urgent')),
    team_id    INTEGER NOT NULL REFERENCES teams (id),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX routing_rules_by_position ON routing_rules (site_id, position, id);

-- The round-robin cursor: the member the team's last routed ticket went to. The next one
-- goes to the first available member after it (in operator id order), wrapping around; the
-- pick reads and moves the cursor inside the create's one batch (one transaction on D1), so
-- two tickets routed at once take two members in turn (sql::teams).
ALTER TABLE teams ADD COLUMN last_assigned_id TEXT;

-- The away switch: an operator away on a site gets no routed tickets there (each operator
-- sets their own; owners and admins see it on the teams page).
ALTER TABLE site_members ADD COLUMN away INTEGER NOT NULL DEFAULT 0 CHECK (away IN (0, 1));
