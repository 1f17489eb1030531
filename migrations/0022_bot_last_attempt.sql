-- How the site's bot last called its provider, for the bots page: the status class
-- ("connected", "timed out", "HTTP 5xx", "refused: redirect"…; functions/src/outbound/attempt.rs),
-- never the raw error (which would describe whatever the URL reaches); and when, in ms since
-- the epoch. Both NULL until the bot first runs.
ALTER TABLE sites ADD COLUMN bot_last_attempt TEXT;
ALTER TABLE sites ADD COLUMN bot_last_attempt_at INTEGER;
