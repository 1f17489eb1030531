-- Ticketbooth schema, part 19: a site always keeps an owner, whatever writes `site_members`.

-- The last-owner rule used to live in the WHERE clauses of the dashboard's role change and
-- removal only; an invitation's upsert could (and did) turn a site's last owner into a guest.
-- As triggers the rule holds on every path — the Worker's batches, an invitation, a repair
-- through `wrangler d1 execute` — inside the writing statement's own transaction, so two
-- owners demoting each other at once cannot both succeed, and a batch that would leave a site
-- without an owner is rolled back whole (tokens and keys deleted before the member included).
-- The message reads as a CHECK failure so SQLite and D1 report it alike
-- (`store::StoreError::CheckViolation`). A site row that is gone (a future "delete the site",
-- which would delete the site first with deferred foreign keys) no longer needs an owner.
-- No CASE in a trigger body: wrangler's SQL splitter takes its END for the body's end.
CREATE TRIGGER site_members_keep_an_owner_on_update AFTER UPDATE ON site_members
WHEN OLD.role = 'owner'
     AND NOT EXISTS (SELECT 1 FROM site_members WHERE site_id = OLD.site_id AND role = 'owner')
     AND EXISTS (SELECT 1 FROM sites WHERE id = OLD.site_id)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: last_owner (a site keeps at least one owner)');
END;

CREATE TRIGGER site_members_keep_an_owner_on_delete AFTER DELETE ON site_members
WHEN OLD.role = 'owner'
     AND NOT EXISTS (SELECT 1 FROM site_members WHERE site_id = OLD.site_id AND role = 'owner')
     AND EXISTS (SELECT 1 FROM sites WHERE id = OLD.site_id)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: last_owner (a site keeps at least one owner)');
END;
