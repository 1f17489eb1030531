-- A site's own secrets (functions/src/service/site_secrets.rs): the LLM provider key its bot
-- sends, its identity secret, its Turnstile secret key, its webhook signing secret (and, to
-- come, e-mail and sync credentials). Each value is sealed with AES-256-GCM under the
-- deployment's `SECRETS_KEY` (functions/src/secret_box.rs); the associated data names the
-- site and the purpose, so a value copied to another row does not open.
CREATE TABLE site_secrets (
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    -- What the secret is for: `service::site_secrets::SecretName` spells every value. No
    -- CHECK here, so a new purpose needs no table rebuild; the Rust enum is the list.
    name       TEXT    NOT NULL,
    -- Which master key sealed it (8 hex digits of a hash of the key): `SECRETS_KEY` or, while
    -- it is being rotated out, `SECRETS_KEY_PREVIOUS`.
    key_id     TEXT    NOT NULL,
    -- base64 of the 12-byte random nonce followed by the ciphertext and its tag.
    ciphertext TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, name)
);

-- The clear columns `sites.identity_secret`, `sites.turnstile_secret` and
-- `sites.webhook_secret` stay for values written before this migration: the Worker seals
-- each on its first use (or the next write) and clears the column in the same batch. A
-- migration cannot do it: SQL has no key.
