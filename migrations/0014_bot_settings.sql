-- The site's bot in its visitors' conversations (functions/src/bot.rs): a JSON object
-- {name, base_url, model, api_key_secret, system_prompt, max_rounds, timeout_seconds}, or NULL
-- for no bot. `api_key_secret` names a Worker secret: the key itself is never stored here.
ALTER TABLE sites ADD COLUMN bot TEXT;
