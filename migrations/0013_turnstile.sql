-- Optional Cloudflare Turnstile per site (functions/src/turnstile.rs): the widget's site key
-- and the secret key siteverify checks tokens with. Both NULL (no Turnstile) or both set.
ALTER TABLE sites ADD COLUMN turnstile_site_key TEXT;
ALTER TABLE sites ADD COLUMN turnstile_secret TEXT;
