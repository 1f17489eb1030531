-- Bots that open tickets (functions/src/service/tools.rs): the site's vertical and capability
-- overrides decide whether the `ticketing` tools are offered, and bots elsewhere authenticate
-- with a per-site bot key.

-- `help_center` sites get the ticketing tools by default; others opt in through `capabilities`
-- (a JSON object of overrides, e.g. {"ticketing": true}).
ALTER TABLE sites ADD COLUMN vertical TEXT NOT NULL DEFAULT 'help_center'
    CHECK (vertical IN ('help_center', 'other'));
ALTER TABLE sites ADD COLUMN capabilities TEXT NOT NULL DEFAULT '{}';

-- Only the SHA-256 of a key is stored; the key is shown once, when created.
CREATE TABLE bot_keys (
    id           TEXT    PRIMARY KEY,
    key_hash     TEXT    NOT NULL UNIQUE,
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    label        TEXT    NOT NULL,
    created_by   TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX bot_keys_by_site ON bot_keys (site_id, created_at);
