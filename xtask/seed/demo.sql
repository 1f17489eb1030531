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
