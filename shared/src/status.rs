//! The ticket status machine. `Status::allowed_next` is the whole transition table of
//! docs/product.md; everything else (the API, the dashboard, the tests) derives from it.

use core::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::field_error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Pending,
    Resolved,
    Closed,
}

/// A refused transition. Its message names the states the ticket may move to instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("A ticket cannot move from {from} to {to}; allowed next: {}", AllowedList(self.allowed))]
pub struct TransitionError {
    pub from: Status,
    pub to: Status,
    pub allowed: &'static [Status],
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Pending,
        Status::Resolved,
        Status::Closed,
    ];

    /// The transition table: the states a ticket in `self` may move to.
    pub fn allowed_next(self) -> &'static [Status] {
        match self {
            Status::Open => &[Status::Pending],
            Status::Pending => &[Status::Open, Status::Resolved],
            Status::Resolved => &[Status::Open, Status::Closed],
            Status::Closed => &[],
        }
    }

    /// Applies a requested transition, or refuses it (moving to the same state is refused too:
    /// it would write an event that records no change).
    pub fn transition(self, to: Status) -> Result<Status, TransitionError> {
        if self.allowed_next().contains(&to) {
            Ok(to)
        } else {
            Err(TransitionError {
                from: self,
                to,
                allowed: self.allowed_next(),
            })
        }
    }

    /// The shortest way from `self` to `to` through allowed transitions, one state per step
    /// (`to` last); empty when already there; `None` when `to` cannot be reached (out of
    /// closed). A change pulled from another system walks this path, one event per step.
    pub fn path_to(self, to: Status) -> Option<Vec<Status>> {
        if self == to {
            return Some(Vec::new());
        }
        // Breadth first over four states: `came_from[s]` is the state `s` was first reached from.
        let index = |s: Status| Self::ALL.iter().position(|a| *a == s).unwrap_or(0);
        let mut came_from: [Option<Status>; 4] = [None; 4];
        let mut frontier = vec![self];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for from in frontier {
                for &step in from.allowed_next() {
                    if step != self && came_from[index(step)].is_none() {
                        came_from[index(step)] = Some(from);
                        next.push(step);
                    }
                }
            }
            frontier = next;
        }
        let mut path = vec![to];
        let mut at = to;
        while let Some(previous) = came_from[index(at)] {
            if previous == self {
                path.reverse();
                return Some(path);
            }
            path.push(previous);
            at = previous;
        }
        None
    }

    /// A visitor replying to a resolved ticket reopens it; in any other state it stays put.
    pub fn after_visitor_reply(self) -> Status {
        match self {
            Status::Resolved => Status::Open,
            other => other,
        }
    }

    /// The wire and database spelling (identical to the SQL `CHECK` values).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }

    /// What an operator sees in the dashboard.
    pub fn operator_label(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::Pending => "Pending",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }

    /// What a visitor sees in the widget (English; the widget has its own locale tables keyed
    /// by `as_str`).
    pub fn visitor_label(self) -> &'static str {
        match self {
            Status::Open => "Received",
            Status::Pending => "We're on it",
            Status::Resolved => "Solved",
            Status::Closed => "Closed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

struct AllowedList(&'static [Status]);

impl fmt::Display for AllowedList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none (closed is final)");
        }
        for (i, status) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(status.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_to_walks_the_allowed_transitions_one_step_at_a_time() {
        use Status::*;
        assert_eq!(Open.path_to(Open), Some(vec![]));
        assert_eq!(Open.path_to(Resolved), Some(vec![Pending, Resolved]));
        assert_eq!(Open.path_to(Closed), Some(vec![Pending, Resolved, Closed]));
        assert_eq!(Resolved.path_to(Pending), Some(vec![Open, Pending]));
        assert_eq!(Pending.path_to(Open), Some(vec![Open]));
        assert_eq!(Closed.path_to(Open), None);
        for from in Status::ALL {
            for to in Status::ALL {
                if let Some(path) = from.path_to(to) {
                    let mut at = from;
                    for step in path {
                        at = at.transition(step).expect("every step is allowed");
                    }
                    assert_eq!(at, to);
                }
            }
        }
    }
    use Status::*;
    use proptest::prelude::*;

    /// docs/product.md's table, written out cell by cell as (from, to, allowed).
    const TABLE: [(Status, Status, bool); 16] = [
        (Open, Open, false),
        (Open, Pending, true),
        (Open, Resolved, false),
        (Open, Closed, false),
        (Pending, Open, true),
        (Pending, Pending, false),
        (Pending, Resolved, true),
        (Pending, Closed, false),
        (Resolved, Open, true),
        (Resolved, Pending, false),
        (Resolved, Resolved, false),
        (Resolved, Closed, true),
        (Closed, Open, false),
        (Closed, Pending, false),
        (Closed, Resolved, false),
        (Closed, Closed, false),
    ];

    #[test]
    fn every_cell_of_the_transition_table() {
        for (from, to, allowed) in TABLE {
            let result = from.transition(to);
            if allowed {
                assert_eq!(result, Ok(to), "{from} -> {to}");
            } else {
                let err = result.unwrap_err();
                assert_eq!((err.from, err.to), (from, to));
                assert_eq!(err.allowed, from.allowed_next());
                for next in from.allowed_next() {
                    assert!(err.to_string().contains(next.as_str()), "{err}");
                }
            }
        }
    }

    #[test]
    fn refusal_message_names_the_allowed_states() {
        let err = Resolved.transition(Pending).unwrap_err();
        assert_eq!(
            err.to_string(),
            "A ticket cannot move from resolved to pending; allowed next: open, closed"
        );
        assert!(
            Closed
                .transition(Open)
                .unwrap_err()
                .to_string()
                .contains("closed is final")
        );
    }

    #[test]
    fn visitor_reply_reopens_only_resolved() {
        assert_eq!(Resolved.after_visitor_reply(), Open);
        for s in [Open, Pending, Closed] {
            assert_eq!(s.after_visitor_reply(), s);
        }
        // The reopen it performs is itself a legal transition.
        assert_eq!(
            Resolved.transition(Resolved.after_visitor_reply()),
            Ok(Open)
        );
    }

    #[test]
    fn spellings_and_labels() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
            assert!(!s.operator_label().is_empty() && !s.visitor_label().is_empty());
        }
        assert_eq!(Pending.visitor_label(), "We're on it");
        assert_eq!(Resolved.visitor_label(), "Solved");
    }

    fn any_status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL.to_vec())
    }

    proptest! {
        /// Whatever sequence of transitions is requested, the state only ever changes along an
        /// edge of the table, and a refused request leaves it unchanged.
        #[test]
        fn no_sequence_of_requests_leaves_the_table(requests in prop::collection::vec(any_status(), 0..64)) {
            let mut state = Open;
            for to in requests {
                let allowed = TABLE.iter().any(|&(f, t, ok)| f == state && t == to && ok);
                match state.transition(to) {
                    Ok(next) => {
                        prop_assert!(allowed, "{} -> {} was applied", state, to);
                        state = next;
                    }
                    Err(_) => prop_assert!(!allowed, "{} -> {} was refused", state, to),
                }
            }
        }
    }
}
