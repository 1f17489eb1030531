//! A ticket's SLA and team as the dashboard shows them: on a list row and a board card, one
//! badge ("2 h 10 m left", "Overdue 35 m") whose colour and words say the same, with the
//! exact due time in its title; on the ticket page, each target (due, met, missed, paused).

use ticketbooth_shared::sla_standing::{self, SlaClock, Standing, TargetState};

use super::html::Html;
use super::views::time;

/// Within this long of its due time a running clock is shown as close (amber).
const CLOSE_MS: i64 = 3_600_000;

/// The row's SLA badge, or nothing when no clock runs.
pub(super) fn standing(h: &mut Html, clock: &SlaClock, now_ms: i64) {
    let Some(standing) = clock.standing(now_ms) else {
        return;
    };
    let class = match standing {
        Standing::Overdue { .. } => "badge sla sla-overdue",
        Standing::Left { left_ms, .. } if left_ms < CLOSE_MS => "badge sla sla-soon",
        Standing::Left { .. } => "badge sla sla-running",
        Standing::Paused { .. } => "badge sla sla-paused",
    };
    h.raw("<span class=\"")
        .raw(class)
        .raw("\" title=\"")
        .text(&standing.title())
        .raw("\">")
        .text(&standing.text())
        .raw("</span>");
}

/// The team's name as a small tag, when the ticket has a team.
pub(super) fn team(h: &mut Html, name: Option<&str>) {
    if let Some(name) = name {
        h.raw("<span class=\"team-tag\" title=\"Team\">")
            .user_text(name)
            .raw("</span>");
    }
}

/// The ticket page's facts: the team, and each SLA target as it stands (inside a `<dl>`).
pub(super) fn facts(h: &mut Html, clock: &SlaClock, team_name: Option<&str>, now_ms: i64) {
    h.raw("<dt>Team</dt><dd>");
    match team_name {
        Some(name) => {
            h.user_text(name);
        }
        None => {
            h.raw("<span class=\"muted\">No team</span>");
        }
    }
    h.raw("</dd>");
    for (target, state) in clock.targets(now_ms) {
        h.raw("<dt>")
            .text(target.label())
            .raw("</dt><dd class=\"sla-target\">");
        match state {
            TargetState::Due { due_at, left_ms } => {
                let class = if left_ms < CLOSE_MS {
                    "badge sla sla-soon"
                } else {
                    "badge sla sla-running"
                };
                h.raw("<span class=\"")
                    .raw(class)
                    .raw("\">")
                    .text(&format!("{} left", sla_standing::duration(left_ms)))
                    .raw("</span> due ");
                time(h, due_at);
            }
            TargetState::Met { at, late } => {
                h.raw(if late {
                    "<span class=\"badge sla sla-late\">Met late</span>"
                } else {
                    "<span class=\"badge sla sla-met\">Met</span>"
                });
                if let Some(at) = at {
                    h.raw(" at ");
                    time(h, at);
                }
            }
            TargetState::Missed { due_at } => {
                h.raw("<span class=\"badge sla sla-overdue\">Missed</span>");
                if let Some(due_at) = due_at {
                    h.raw(" was due ");
                    time(h, due_at);
                    h.raw(" (")
                        .text(&format!(
                            "overdue {}",
                            sla_standing::duration(now_ms - due_at)
                        ))
                        .raw(")");
                }
            }
            TargetState::Answered { at } => {
                h.raw("Answered ");
                time(h, at);
                h.raw(" <span class=\"muted\">(no target)</span>");
            }
            TargetState::Paused { left_ms } => {
                h.raw("<span class=\"badge sla sla-paused\">Paused</span> ")
                    .text(&format!(
                        "{} left, waiting on the customer",
                        sla_standing::duration(left_ms)
                    ));
            }
        }
        h.raw("</dd>");
    }
}
