//! Whom a pending ticket waits on: the team (the default) or the customer. Pending means
//! "work is in progress or the ticket is waiting for external input"; this keeps the two apart
//! without a new status (the status machine stays the product documents').
//!
//! Only a pending ticket has a side: `WaitingOn::of` is the one way from a ticket's state to a
//! side, and gives `None` for every other status, so "waiting on the customer while open"
//! cannot be built from a row (the database's CHECK refuses to store it, see migration 0024).

use core::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Status;
use crate::field_error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitingOn {
    /// The team owes the next step (what pending meant before).
    Team,
    /// The team asked the customer something; their reply flips it back to the team.
    Customer,
}

/// Setting a side on a ticket that is not pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("Only a pending ticket can wait on the team or on the customer; this ticket is {status}")]
pub struct NotPending {
    pub status: Status,
}

impl WaitingOn {
    pub const ALL: [WaitingOn; 2] = [WaitingOn::Team, WaitingOn::Customer];

    /// The side of a ticket in `status` whose stored flag is `on_customer`: `None` unless
    /// pending, whatever the flag says.
    pub fn of(status: Status, on_customer: bool) -> Option<WaitingOn> {
        match (status, on_customer) {
            (Status::Pending, true) => Some(WaitingOn::Customer),
            (Status::Pending, false) => Some(WaitingOn::Team),
            _ => None,
        }
    }

    /// Checks that a ticket in `status` may be set to wait on `self`.
    pub fn set_on(self, status: Status) -> Result<WaitingOn, NotPending> {
        match status {
            Status::Pending => Ok(self),
            status => Err(NotPending { status }),
        }
    }

    /// The wire spelling, and the generated column's (`tickets.waiting_on`).
    pub fn as_str(self) -> &'static str {
        match self {
            WaitingOn::Team => "team",
            WaitingOn::Customer => "customer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|w| w.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }

    /// The stored flag (`tickets.waiting_on_customer`).
    pub fn is_customer(self) -> bool {
        self == WaitingOn::Customer
    }

    /// What a visitor sees for a ticket in `status` waiting on this side (English; the widget
    /// has its own locale tables): waiting on them is the one thing they must act on.
    pub fn visitor_label(self, status: Status) -> &'static str {
        match self {
            WaitingOn::Customer => "Waiting for your reply",
            WaitingOn::Team => status.visitor_label(),
        }
    }

    /// What an operator sees in the dashboard.
    pub fn operator_label(self) -> &'static str {
        match self {
            WaitingOn::Team => "Waiting on the team",
            WaitingOn::Customer => "Waiting on the customer",
        }
    }
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_has_a_side() {
        for status in Status::ALL {
            for flag in [false, true] {
                let side = WaitingOn::of(status, flag);
                assert_eq!(side.is_some(), status == Status::Pending, "{status} {flag}");
            }
        }
        assert_eq!(
            WaitingOn::of(Status::Pending, true),
            Some(WaitingOn::Customer)
        );
        assert_eq!(WaitingOn::of(Status::Pending, false), Some(WaitingOn::Team));
        assert_eq!(WaitingOn::of(Status::Open, true), None);
    }

    #[test]
    fn setting_a_side_needs_pending() {
        assert_eq!(
            WaitingOn::Customer.set_on(Status::Pending),
            Ok(WaitingOn::Customer)
        );
        let err = WaitingOn::Customer.set_on(Status::Open).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only a pending ticket can wait on the team or on the customer; this ticket is open"
        );
        assert!(WaitingOn::Team.set_on(Status::Closed).is_err());
    }

    #[test]
    fn spellings() {
        for w in WaitingOn::ALL {
            assert_eq!(WaitingOn::parse(w.as_str()), Ok(w));
            assert_eq!(
                serde_json::to_string(&w).unwrap(),
                format!("\"{}\"", w.as_str())
            );
        }
        assert_eq!(WaitingOn::parse("Customer"), Err(FieldError::InvalidFormat));
    }
}
