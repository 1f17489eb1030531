-- Ticketbooth schema, part 17: tickets per status, kept as they change (the list's status tabs).

-- Every list page shows how many tickets each status holds on the site. Counting them took
-- 2–4 ms of every list request at 33,000 tickets a site; reading these rows takes none.
-- Kept by triggers, unlike the search index (which the batches write, see migration 0005): a
-- count is only right if it follows every write to `tickets`, whatever makes it — the
-- Worker's batches, a bulk action, a repair through `wrangler d1 execute` — and a trigger runs
-- inside the writing statement's own transaction. Rows stay at n = 0 once a status empties.
-- No CASE in a trigger body: wrangler's SQL splitter takes its END for the body's end.
CREATE TABLE ticket_status_counts (
    site_id INTEGER NOT NULL REFERENCES sites (id),
    status  TEXT    NOT NULL,
    n       INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (site_id, status)
) WITHOUT ROWID;

INSERT INTO ticket_status_counts (site_id, status, n)
SELECT site_id, status, count(*) FROM tickets GROUP BY site_id, status;

CREATE TRIGGER ticket_status_counts_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_status_counts (site_id, status, n) VALUES (NEW.site_id, NEW.status, 1)
    ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ticket_status_counts_delete AFTER DELETE ON tickets
BEGIN
    UPDATE ticket_status_counts SET n = n - 1
    WHERE site_id = OLD.site_id AND status = OLD.status;
END;

-- A changed status leaves one count and joins another (a ticket never changes site).
CREATE TRIGGER ticket_status_counts_move AFTER UPDATE OF status ON tickets
WHEN NEW.status IS NOT OLD.status
BEGIN
    UPDATE ticket_status_counts SET n = n - 1
    WHERE site_id = OLD.site_id AND status = OLD.status;
    INSERT INTO ticket_status_counts (site_id, status, n) VALUES (NEW.site_id, NEW.status, 1)
    ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
END;
