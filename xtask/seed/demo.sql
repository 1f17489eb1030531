-- The demo sites for `cargo xtask dev`. Safe to run again: an existing site is left as it is
-- (its ticket counter included).
--   demo  contact details optional, code prefix TKT (www/demo/, served by `cargo xtask dev` on
--         http://localhost:8788, embeds this one)
--   acme  asks for name and email before a ticket, code prefix ACME
INSERT INTO sites (key, name, code_prefix, contact_required, cta_label, locale, allowed_origins,
                   created_at)
VALUES
    ('demo', 'Ticketbooth demo', 'TKT', 0, 'Open a ticket', 'en',
     '["http://localhost:8788","http://localhost:8787","http://127.0.0.1:8787"]', CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    ('acme', 'Acme Inc.', 'ACME', 1, 'Contact support', 'en',
     '["http://localhost:8788","http://localhost:8787","http://127.0.0.1:8787"]', CAST(unixepoch('subsec') * 1000 AS INTEGER))
ON CONFLICT (key) DO NOTHING;
-- Databases seeded before the demo moved to its own origin (:8788) learn it once.
UPDATE sites SET allowed_origins = json_insert(allowed_origins, '$[#]', 'http://localhost:8788')
WHERE key IN ('demo', 'acme') AND allowed_origins NOT LIKE '%"http://localhost:8788"%';

-- The demo site's bot answers from the scripted stand-in for an LLM provider that `cargo xtask dev`
-- runs on :8789 (xtask/src/demo_provider.rs; no model, no key). Only a demo site whose bot was
-- never set up gets it: no bot, and none ever called (a bot switched off, or pointed at a real
-- provider, stays as its owner left it).
UPDATE sites SET bot = json_object(
    'name', 'Demo bot',
    'base_url', 'http://127.0.0.1:8789/v1',
    'model', 'ticketbooth-demo',
    'system_prompt', 'You answer visitors of the Ticketbooth demo shop. Open a ticket when they describe a problem.',
    'max_rounds', 3,
    'timeout_seconds', 20)
WHERE key = 'demo' AND bot IS NULL AND bot_last_attempt IS NULL;

-- A demo operator who owns both sites. Dashboard sign-in (/app/login): owner@demo.example with
-- the password `ticketbooth-demo` (stored as its PBKDF2 hash, see functions/src/password). The
-- JSON API: `Authorization: Bearer tbo_demo_local_dev_token_not_for_production` (only its
-- SHA-256 is stored). Local development only: this seed never runs against a deployed database.
INSERT INTO operators (id, email, name, password_hash, created_at)
VALUES ('00000000000000000000000000000d00', 'owner@demo.example', 'Dana Demo',
        'pbkdf2-sha256$100000$5eed5eed5eed5eed5eed5eed5eed5eed$ec0206c3725ec94002de06618faa148044ef7da5d6c07149fd63b2d5bab97725', 0)
ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash;
INSERT INTO site_members (site_id, operator_id, role, created_at)
SELECT id, '00000000000000000000000000000d00', 'owner', 0 FROM sites WHERE key IN ('demo', 'acme')
ON CONFLICT (site_id, operator_id) DO NOTHING;
INSERT INTO operator_tokens (token_hash, id, site_id, operator_id, label, created_at)
SELECT '2fa7eab326f3a983035e8278e5775b73afad09aa5a5d1fd8cc669c02ccbf0d82', '00000000000000000000000000000d01', id, '00000000000000000000000000000d00', 'demo', 0 FROM sites WHERE key = 'demo'
ON CONFLICT (token_hash) DO NOTHING;
