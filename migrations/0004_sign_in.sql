-- Ticketbooth schema, part 4: real sign-in. Operators are people (one row per email) who are
-- members of any number of sites with a role each (`site_members`, from 0002). They sign in
-- with a password into a server-side session; API tokens stay for scripts and the JSON API.

-- `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>` (functions/src/password). NULL: the
-- person has no password yet (added by token only, before this migration) and cannot sign in
-- to the dashboard until an invitation or `cargo xtask add-operator` gives them one.
ALTER TABLE operators ADD COLUMN password_hash TEXT;

-- API tokens get a public id (to list and revoke them without handling their hash) and a
-- last-used time. Existing tokens get random ids.
ALTER TABLE operator_tokens ADD COLUMN id TEXT;
ALTER TABLE operator_tokens ADD COLUMN last_used_at INTEGER;
UPDATE operator_tokens SET id = lower(hex(randomblob(16))) WHERE id IS NULL;
CREATE UNIQUE INDEX operator_tokens_by_id ON operator_tokens (id);
CREATE INDEX operator_tokens_by_site ON operator_tokens (site_id, created_at);

-- A signed-in browser. The cookie holds a random 256-bit id; only its SHA-256 is stored, so a
-- database leak signs no one in. `site_id` is the site the operator is looking at (the site
-- switcher changes it); the operator's membership there is checked on every request.
CREATE TABLE sessions (
    id_hash      TEXT    PRIMARY KEY,
    operator_id  TEXT    NOT NULL REFERENCES operators (id),
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    created_at   INTEGER NOT NULL,
    -- Renewed when used; idle expiry counts from here, absolute expiry from created_at.
    last_seen_at INTEGER NOT NULL
);

-- "Sign out everywhere" deletes by operator.
CREATE INDEX sessions_by_operator ON sessions (operator_id);

-- An invitation to join a site: a single-use link (random token, stored as SHA-256) that
-- expires. The invitee sets a name and password when accepting.
CREATE TABLE invitations (
    token_hash  TEXT    PRIMARY KEY,
    -- 32 hex digits: names the invitation in the members page without its token.
    id          TEXT    NOT NULL UNIQUE,
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    -- The operator who invited; NULL when made from the command line (`cargo xtask`).
    invited_by  TEXT    REFERENCES operators (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER
);

CREATE INDEX invitations_by_site ON invitations (site_id, created_at);
