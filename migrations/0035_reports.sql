-- Ticketbooth schema, part 35: the reports page's indexes (issue 22's reports).
-- `/app/reports` reads the tickets a site created in a date range (per day and source, the
-- first-response and resolution percentiles, SLA attainment, top labels and intents) and its
-- backlog now. Each of those statements is a range of one index holding every column it
-- reads, so a 90-day report over a busy site never visits table rows
-- (sql/reports.rs; README "Reports" has the measurements).

-- The range statements: the site's tickets by creation time, with what they group and time.
CREATE INDEX tickets_for_reports ON tickets (
    site_id, created_at, is_spam, source, priority, intent, first_responded_at, resolved_at,
    closed_at, first_response_due_at, first_response_breached_at, resolution_due_at,
    resolution_breached_at, id
);

-- The backlog per status and team: the open and pending tickets only.
CREATE INDEX tickets_backlog ON tickets (site_id, status, team_id, is_spam)
    WHERE status IN ('open', 'pending');
