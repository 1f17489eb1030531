-- The demo sites for `cargo xtask dev`. Safe to run again: an existing site is left as it is
-- (its ticket counter included).
--   demo  contact details optional, code prefix TKT (www/demo/ embeds this one)
--   acme  asks for name and email before a ticket, code prefix ACME
INSERT INTO sites (key, name, code_prefix, contact_required, cta_label, locale, allowed_origins,
                   created_at)
VALUES
    ('demo', 'Ticketbooth demo', 'TKT', 0, 'Open a ticket', 'en',
     '["http://localhost:8787","http://127.0.0.1:8787"]', CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    ('acme', 'Acme Inc.', 'ACME', 1, 'Contact support', 'en',
     '["http://localhost:8787","http://127.0.0.1:8787"]', CAST(unixepoch('subsec') * 1000 AS INTEGER))
ON CONFLICT (key) DO NOTHING;

-- A demo operator who owns both sites, signing in to the dashboard (/app/login) with the API
-- token `tbo_demo_local_dev_token_not_for_production` (only its SHA-256 is stored). Local
-- development only: this seed never runs against a deployed database.
INSERT INTO operators (id, email, name, created_at)
VALUES ('00000000000000000000000000000d00', 'owner@demo.example', 'Dana Demo', 0)
ON CONFLICT (id) DO NOTHING;
INSERT INTO site_members (site_id, operator_id, role, created_at)
SELECT id, '00000000000000000000000000000d00', 'owner', 0 FROM sites WHERE key IN ('demo', 'acme')
ON CONFLICT (site_id, operator_id) DO NOTHING;
INSERT INTO operator_tokens (token_hash, site_id, operator_id, label, created_at)
SELECT '2fa7eab326f3a983035e8278e5775b73afad09aa5a5d1fd8cc669c02ccbf0d82', id, '00000000000000000000000000000d00', 'demo', 0 FROM sites WHERE key = 'demo'
ON CONFLICT (token_hash) DO NOTHING;
