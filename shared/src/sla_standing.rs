//! Where a ticket stands against its SLA targets, from the clock migration 0029 stores on it:
//! what the list, the board, the ticket page and the API say ("2 h 10 m left", "Overdue 35 m",
//! "Paused"). Read only: the due times themselves are set and moved elsewhere.
//!
//! The breach rule is the list filter's (`ticket_query::SlaFilter::Breached`): a ticket that is
//! not resolved or closed has breached when a target was missed and is still not met: the first
//! response is owed and its due time has passed (or the sweep marked it missed), or the
//! resolution's due time has passed (or it was marked missed).

use crate::timestamp::Timestamp;

/// A ticket's SLA clock as stored, all Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlaClock {
    /// Resolved or closed: nothing is due any more.
    pub closed: bool,
    pub first_response_due_at: Option<i64>,
    pub first_responded_at: Option<i64>,
    /// NULL while the resolution clock is paused (waiting on the customer).
    pub resolution_due_at: Option<i64>,
    /// While paused: the time that was left.
    pub resolution_left_ms: Option<i64>,
    pub first_response_breached_at: Option<i64>,
    pub resolution_breached_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    FirstResponse,
    Resolution,
}

impl Target {
    pub fn label(self) -> &'static str {
        match self {
            Target::FirstResponse => "First response",
            Target::Resolution => "Resolution",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Target::FirstResponse => "first_response",
            Target::Resolution => "resolution",
        }
    }
}

/// The one line a list row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Breached: `target` was missed `by_ms` ago (unknown when its due time is not stored,
    /// e.g. a missed resolution now paused).
    Overdue {
        target: Target,
        due_at: Option<i64>,
        by_ms: Option<i64>,
    },
    /// Running: `target` is next due, `left_ms` from now.
    Left {
        target: Target,
        due_at: i64,
        left_ms: i64,
    },
    /// The resolution clock is paused with `left_ms` to go (waiting on the customer).
    Paused { left_ms: i64 },
}

impl Standing {
    /// "Overdue 35 m", "2 h 10 m left", "Paused · 3 h left".
    pub fn text(&self) -> String {
        match *self {
            Standing::Overdue {
                by_ms: Some(by), ..
            } => format!("Overdue {}", duration(by)),
            Standing::Overdue { by_ms: None, .. } => "Overdue".to_owned(),
            Standing::Left { left_ms, .. } => format!("{} left", duration(left_ms)),
            Standing::Paused { left_ms } => format!("Paused · {} left", duration(left_ms)),
        }
    }

    /// `overdue`, `running`, `paused`: the API's `state` and the page's colour.
    pub fn state(&self) -> &'static str {
        match self {
            Standing::Overdue { .. } => "overdue",
            Standing::Left { .. } => "running",
            Standing::Paused { .. } => "paused",
        }
    }

    /// The exact due time and what is due, for a title: "First response due 2026-12-07 18:30 UTC".
    pub fn title(&self) -> String {
        match *self {
            Standing::Overdue { target, due_at, .. } => match due_at {
                Some(at) => format!("{} was due {}", target.label(), utc(at)),
                None => format!("{} target missed", target.label()),
            },
            Standing::Left { target, due_at, .. } => {
                format!("{} due {}", target.label(), utc(due_at))
            }
            Standing::Paused { .. } => {
                "Resolution clock paused while waiting on the customer".to_owned()
            }
        }
    }
}

/// One target as the ticket page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Still to meet by `due_at`.
    Due { due_at: i64, left_ms: i64 },
    /// Met at `at` (for the resolution: the ticket is resolved; the time is not on the clock).
    Met { at: Option<i64>, late: bool },
    /// Missed and not met.
    Missed { due_at: Option<i64> },
    /// Paused with this much left.
    Paused { left_ms: i64 },
    /// The team answered at `at`, with no target to meet (the site keeps no first-response
    /// target for the ticket's priority): a fact, not a verdict.
    Answered { at: i64 },
}

impl SlaClock {
    fn first_response_missed(&self, now: i64) -> bool {
        self.first_responded_at.is_none()
            && (self.first_response_due_at.is_some_and(|due| due < now)
                || self.first_response_breached_at.is_some())
    }

    fn resolution_missed(&self, now: i64) -> bool {
        self.resolution_due_at.is_some_and(|due| due < now) || self.resolution_breached_at.is_some()
    }

    /// The breach rule (see the module's doc).
    pub fn breached(&self, now: i64) -> bool {
        !self.closed && (self.first_response_missed(now) || self.resolution_missed(now))
    }

    /// The next deadline, as the generated column `sla_due_at` computes it.
    pub fn next_due(&self) -> Option<(Target, i64)> {
        if self.closed {
            return None;
        }
        match (self.first_responded_at, self.first_response_due_at) {
            (None, Some(first)) if self.resolution_due_at.is_none_or(|r| first <= r) => {
                Some((Target::FirstResponse, first))
            }
            _ => self.resolution_due_at.map(|r| (Target::Resolution, r)),
        }
    }

    /// What a list row shows; `None` when the ticket has no SLA running (or is resolved).
    pub fn standing(&self, now: i64) -> Option<Standing> {
        if self.closed {
            return None;
        }
        if self.first_response_missed(now) {
            let due_at = self.first_response_due_at;
            return Some(Standing::Overdue {
                target: Target::FirstResponse,
                due_at,
                by_ms: due_at.map(|d| (now - d).max(0)),
            });
        }
        if self.resolution_missed(now) {
            let due_at = self.resolution_due_at;
            return Some(Standing::Overdue {
                target: Target::Resolution,
                due_at,
                by_ms: due_at.map(|d| (now - d).max(0)),
            });
        }
        if let Some((target, due_at)) = self.next_due() {
            return Some(Standing::Left {
                target,
                due_at,
                left_ms: due_at - now,
            });
        }
        self.resolution_left_ms
            .map(|left_ms| Standing::Paused { left_ms })
    }

    /// Each target the ticket has, for the ticket page.
    pub fn targets(&self, now: i64) -> Vec<(Target, TargetState)> {
        let mut targets = Vec::new();
        if self.first_response_due_at.is_some() || self.first_responded_at.is_some() {
            let state = match (self.first_responded_at, self.first_response_due_at) {
                (Some(at), None) => TargetState::Answered { at },
                (Some(at), due) => TargetState::Met {
                    at: Some(at),
                    late: due.is_some_and(|d| at > d),
                },
                (None, due) if self.closed => TargetState::Missed { due_at: due },
                (None, due) if self.first_response_missed(now) => {
                    TargetState::Missed { due_at: due }
                }
                (None, Some(due)) => TargetState::Due {
                    due_at: due,
                    left_ms: due - now,
                },
                (None, None) => TargetState::Missed { due_at: None },
            };
            targets.push((Target::FirstResponse, state));
        }
        let resolution = if self.closed {
            (self.resolution_due_at.is_some()
                || self.resolution_left_ms.is_some()
                || self.resolution_breached_at.is_some())
            .then_some(TargetState::Met {
                at: None,
                late: self.resolution_breached_at.is_some(),
            })
        } else if self.resolution_missed(now) {
            Some(TargetState::Missed {
                due_at: self.resolution_due_at,
            })
        } else if let Some(due) = self.resolution_due_at {
            Some(TargetState::Due {
                due_at: due,
                left_ms: due - now,
            })
        } else {
            self.resolution_left_ms
                .map(|left_ms| TargetState::Paused { left_ms })
        };
        if let Some(state) = resolution {
            targets.push((Target::Resolution, state));
        }
        targets
    }
}

/// "3 d 4 h", "2 h 10 m", "35 m", "under 1 m".
pub fn duration(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} m")
    } else if mins > 0 {
        format!("{mins} m")
    } else {
        "under 1 m".to_owned()
    }
}

/// "2026-12-07 18:30 UTC".
pub fn utc(ms: i64) -> String {
    let iso = Timestamp::from_millis(ms).to_rfc3339();
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const MIN: i64 = 60_000;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(130 * MIN), "2 h 10 m");
        assert_eq!(duration(35 * MIN + 59_000), "35 m");
        assert_eq!(duration((3 * 1440 + 4 * 60 + 5) * MIN), "3 d 4 h");
        assert_eq!(duration(59_000), "under 1 m");
        assert_eq!(duration(-5), "under 1 m");
    }

    #[test]
    fn an_answer_without_a_target_is_a_fact_not_a_verdict() {
        let clock = SlaClock {
            first_responded_at: Some(NOW - MIN),
            ..SlaClock::default()
        };
        assert_eq!(
            clock.targets(NOW),
            vec![(
                Target::FirstResponse,
                TargetState::Answered { at: NOW - MIN }
            )]
        );
        let late = SlaClock {
            first_response_due_at: Some(NOW - 2 * MIN),
            ..clock
        };
        assert_eq!(
            late.targets(NOW)[0].1,
            TargetState::Met {
                at: Some(NOW - MIN),
                late: true
            }
        );
    }

    #[test]
    fn the_owed_first_response_is_due_first_then_the_resolution() {
        let clock = SlaClock {
            first_response_due_at: Some(NOW + 130 * MIN),
            resolution_due_at: Some(NOW + 600 * MIN),
            ..SlaClock::default()
        };
        let standing = clock.standing(NOW).unwrap();
        assert_eq!(standing.text(), "2 h 10 m left");
        assert_eq!(standing.state(), "running");
        assert!(standing.title().starts_with("First response due "));
        assert!(!clock.breached(NOW));
        let answered = SlaClock {
            first_responded_at: Some(NOW - MIN),
            ..clock
        };
        assert_eq!(
            answered.next_due(),
            Some((Target::Resolution, NOW + 600 * MIN))
        );
    }

    #[test]
    fn a_missed_target_is_overdue_until_met_and_a_late_answer_meets_it() {
        let missed = SlaClock {
            first_response_due_at: Some(NOW - 35 * MIN),
            resolution_due_at: Some(NOW + 600 * MIN),
            ..SlaClock::default()
        };
        assert!(missed.breached(NOW));
        assert_eq!(missed.standing(NOW).unwrap().text(), "Overdue 35 m");
        let answered_late = SlaClock {
            first_responded_at: Some(NOW - MIN),
            first_response_breached_at: Some(NOW - 30 * MIN),
            ..missed
        };
        assert!(!answered_late.breached(NOW));
        assert_eq!(
            answered_late.targets(NOW)[0],
            (
                Target::FirstResponse,
                TargetState::Met {
                    at: Some(NOW - MIN),
                    late: true
                }
            )
        );
        // Marked missed by the sweep, then paused: still breached, by an unknown time.
        let paused_missed = SlaClock {
            resolution_left_ms: Some(0),
            resolution_breached_at: Some(NOW - MIN),
            ..SlaClock::default()
        };
        assert!(paused_missed.breached(NOW));
        assert_eq!(paused_missed.standing(NOW).unwrap().text(), "Overdue");
        // Resolved: nothing is due or breached.
        let resolved = SlaClock {
            closed: true,
            ..missed
        };
        assert!(!resolved.breached(NOW));
        assert_eq!(resolved.standing(NOW), None);
    }

    #[test]
    fn a_paused_clock_shows_what_is_left() {
        let paused = SlaClock {
            first_responded_at: Some(NOW - MIN),
            first_response_due_at: Some(NOW),
            resolution_left_ms: Some(3 * 60 * MIN),
            ..SlaClock::default()
        };
        assert_eq!(
            paused.standing(NOW).unwrap().text(),
            "Paused · 3 h 0 m left"
        );
        assert_eq!(
            paused.targets(NOW)[1],
            (
                Target::Resolution,
                TargetState::Paused {
                    left_ms: 3 * 60 * MIN
                }
            )
        );
        assert_eq!(SlaClock::default().standing(NOW), None);
        assert!(SlaClock::default().targets(NOW).is_empty());
    }
}
