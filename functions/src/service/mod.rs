//! The service layer: what the Worker does, independent of HTTP and of D1. Every function takes
//! an `Executor`, plus the clock and fresh ids from its caller, so host tests drive it over
//! SQLite deterministically.

pub mod maintenance;
pub mod operator_tickets;
pub mod operators;
pub mod sites;
pub mod ticket_actions;
pub mod tickets;

use thiserror::Error;
use ticketbooth_shared::TransitionError;
use ticketbooth_shared::new_ticket::ValidationErrors;

use crate::store::StoreError;

#[derive(Debug, Error, PartialEq)]
pub enum ServiceError {
    #[error("no such site")]
    SiteNotFound,
    #[error("ticketing is switched off for this site")]
    TicketingDisabled,
    #[error("the request has invalid fields")]
    Validation(ValidationErrors),
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    #[error("no such ticket")]
    TicketNotFound,
    #[error("not signed in, or the token is not valid")]
    NotSignedIn,
    #[error("the operator's role does not allow this")]
    Forbidden,
    #[error("the ticket changed since it was read")]
    StaleEdit,
    #[error(transparent)]
    TransitionRefused(TransitionError),
    #[error("a snooze must end in the future")]
    SnoozeInPast,
    #[error("the assignee is not a member of this site who works tickets")]
    AssigneeNotMember,
    #[error(transparent)]
    Store(#[from] StoreError),
}
