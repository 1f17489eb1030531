-- Ticketbooth schema, part 2: operators (team members), their roles on sites, and the API
-- tokens they sign in with.

CREATE TABLE operators (
    -- 32 hex digits.
    id         TEXT    PRIMARY KEY,
    email      TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Who works which site, as what. `role` spells shared::role::Role.
CREATE TABLE site_members (
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    operator_id TEXT    NOT NULL REFERENCES operators (id),
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (site_id, operator_id)
);

-- An API token acts as one member of one site: as a bearer token on the API, or behind the
-- dashboard's session cookie. Only its SHA-256 is stored, so a database leak leaks no token.
CREATE TABLE operator_tokens (
    token_hash  TEXT    PRIMARY KEY,
    site_id     INTEGER NOT NULL,
    operator_id TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (site_id, operator_id) REFERENCES site_members (site_id, operator_id)
);
