//! External sync with a help desk (Zendesk, Gorgias): the platforms, a link's state, the list's
//! `sync=` filter, what is pushed, and the status mapping both ways — the table README's
//! "External sync" section writes out. Pure: the connectors (`functions::integrations::sync`)
//! speak each platform's wire format; this is the part both directions and the README share.
//! `Pulled` is a webhook's change as a connector reads it and the pull service applies it.
//!
//! Our side of a ticket is its status plus, when pending, whom it waits on (`Local`). A
//! platform has its own set; each of theirs maps to a set of ours it agrees with, so a pull
//! that agrees with where our ticket already is changes nothing (that, and the `sync` actor,
//! is why a push coming back as a webhook does not move the ticket again).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::field_error::FieldError;
use crate::label::Label;
use crate::waiting::WaitingOn;
use crate::{Priority, Status};

/// A platform with a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Zendesk,
    Gorgias,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::Zendesk, Platform::Gorgias];

    /// The wire and database spelling (`sync_connections.platform`, `tickets.sync_platform`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Zendesk => "zendesk",
            Platform::Gorgias => "gorgias",
        }
    }

    /// The product's own name, for people.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Zendesk => "Zendesk",
            Platform::Gorgias => "Gorgias",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }
}

/// Where a ticket's link to its remote twin stands (`sync_links.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    /// Changes (or the create) wait to go out.
    Pending,
    /// Both sides agree, as far as we know.
    Synced,
    /// The last push gave up; the link's error says why. A retry or a new change re-arms it.
    Failed,
    /// The remote ticket was deleted there: ours stays, syncing stops.
    Deleted,
    /// The connection was disconnected: the link stays as history, syncing stops.
    Stopped,
}

impl LinkState {
    pub const ALL: [LinkState; 5] = [
        LinkState::Pending,
        LinkState::Synced,
        LinkState::Failed,
        LinkState::Deleted,
        LinkState::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Pending => "pending",
            LinkState::Synced => "synced",
            LinkState::Failed => "failed",
            LinkState::Deleted => "deleted",
            LinkState::Stopped => "stopped",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }

    /// What an operator reads on the ticket page.
    pub fn operator_label(self) -> &'static str {
        match self {
            LinkState::Pending => "Pending",
            LinkState::Synced => "Synced",
            LinkState::Failed => "Failed",
            LinkState::Deleted => "Deleted remotely",
            LinkState::Stopped => "Stopped (disconnected)",
        }
    }

    /// Whether changes still flow through this link.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            LinkState::Pending | LinkState::Synced | LinkState::Failed
        )
    }
}

/// The list's and the API's `sync=` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncFilter {
    /// Linked and in agreement: a connector's link that is synced, or a hand-typed reference
    /// (a platform without a connector).
    Synced,
    /// A connector's link with changes waiting.
    Pending,
    /// A connector's link whose last push gave up.
    Failed,
    /// Not synced anywhere: no live link and no hand-typed reference.
    None,
}

impl SyncFilter {
    pub const ALL: [SyncFilter; 4] = [
        SyncFilter::Synced,
        SyncFilter::Pending,
        SyncFilter::Failed,
        SyncFilter::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncFilter::Synced => "synced",
            SyncFilter::Pending => "pending",
            SyncFilter::Failed => "failed",
            SyncFilter::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }
}

/// What a connection pushes on its own (anything can also be pushed by hand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushRule {
    /// Every new ticket (spam excepted).
    All,
    /// Tickets that get this label or one of its sublabels.
    Label(Label),
    /// Only tickets pushed by hand (the ticket page, the bulk bar, "push the N existing").
    Manual,
}

impl PushRule {
    /// The `push_rule` column's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            PushRule::All => "all",
            PushRule::Label(_) => "label",
            PushRule::Manual => "manual",
        }
    }

    /// From the columns `push_rule` and `push_label`.
    pub fn from_columns(rule: &str, label: Option<&str>) -> Result<Self, FieldError> {
        match (rule, label) {
            ("all", _) => Ok(PushRule::All),
            ("manual", _) => Ok(PushRule::Manual),
            ("label", Some(label)) => Label::parse(label).map(PushRule::Label),
            ("label", None) => Err(FieldError::Required),
            _ => Err(FieldError::InvalidFormat),
        }
    }
}

/// Which way a `synced` event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Push,
    Pull,
}

/// Our side of a ticket's status: the status and, when pending, whom it waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    status: Status,
    waiting: Option<WaitingOn>,
}

impl Local {
    /// From a row's status and its waiting-on-customer flag (`WaitingOn::of`'s rule: only a
    /// pending ticket has a side).
    pub fn of(status: Status, on_customer: bool) -> Self {
        Self {
            status,
            waiting: WaitingOn::of(status, on_customer),
        }
    }

    pub const OPEN: Local = Local {
        status: Status::Open,
        waiting: None,
    };
    pub const PENDING_TEAM: Local = Local {
        status: Status::Pending,
        waiting: Some(WaitingOn::Team),
    };
    pub const PENDING_CUSTOMER: Local = Local {
        status: Status::Pending,
        waiting: Some(WaitingOn::Customer),
    };
    pub const RESOLVED: Local = Local {
        status: Status::Resolved,
        waiting: None,
    };
    pub const CLOSED: Local = Local {
        status: Status::Closed,
        waiting: None,
    };

    /// Every state ours can be in, for tables and tests.
    pub const ALL: [Local; 5] = [
        Local::OPEN,
        Local::PENDING_TEAM,
        Local::PENDING_CUSTOMER,
        Local::RESOLVED,
        Local::CLOSED,
    ];

    pub fn status(self) -> Status {
        self.status
    }

    pub fn waiting(self) -> Option<WaitingOn> {
        self.waiting
    }

    /// "open", "pending (waiting on the team)" …, for the README table and event details.
    pub fn describe(self) -> &'static str {
        match (self.status, self.waiting) {
            (Status::Open, _) => "open",
            (Status::Pending, Some(WaitingOn::Customer)) => "pending, waiting on the customer",
            (Status::Pending, _) => "pending, waiting on the team",
            (Status::Resolved, _) => "resolved",
            (Status::Closed, _) => "closed",
        }
    }
}

/// A status the platform sent that its table does not have.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{platform:?} sent an unknown status {status:?}")]
pub struct UnknownStatus {
    pub platform: Platform,
    pub status: String,
}

/// The platform's status for ours: what a push sets.
pub fn remote_status(platform: Platform, ours: Local) -> &'static str {
    match platform {
        // Zendesk's `open` is "an agent owes the next step": our open and our pending on the
        // team both; `pending` is waiting on the requester.
        Platform::Zendesk => match (ours.status, ours.waiting) {
            (Status::Open, _) => "open",
            (Status::Pending, Some(WaitingOn::Customer)) => "pending",
            (Status::Pending, _) => "open",
            (Status::Resolved, _) => "solved",
            (Status::Closed, _) => "closed",
        },
        // Gorgias has only open and closed.
        Platform::Gorgias => match ours.status {
            Status::Open | Status::Pending => "open",
            Status::Resolved | Status::Closed => "closed",
        },
    }
}

/// The states of ours that agree with the platform's `status` (first: where a pull moves a
/// ticket that is in none of them).
pub fn agreeing(platform: Platform, status: &str) -> Result<&'static [Local], UnknownStatus> {
    let set: &'static [Local] = match (platform, status) {
        (Platform::Zendesk, "new" | "open") => &[Local::OPEN, Local::PENDING_TEAM],
        // On hold: waiting on a third party, which the team chases.
        (Platform::Zendesk, "hold") => &[Local::PENDING_TEAM],
        (Platform::Zendesk, "pending") => &[Local::PENDING_CUSTOMER],
        (Platform::Zendesk, "solved") => &[Local::RESOLVED],
        (Platform::Zendesk, "closed") => &[Local::CLOSED],
        (Platform::Gorgias, "open") => &[Local::OPEN, Local::PENDING_TEAM, Local::PENDING_CUSTOMER],
        (Platform::Gorgias, "closed") => &[Local::RESOLVED, Local::CLOSED],
        _ => {
            return Err(UnknownStatus {
                platform,
                status: status.to_owned(),
            });
        }
    };
    Ok(set)
}

/// Where a pulled `status` moves a ticket that is `current`: `None` when they already agree.
/// The caller walks `Status::path_to` to get there (one event per step); a target it cannot
/// reach (out of closed) is recorded, not applied.
pub fn pulled_target(
    platform: Platform,
    status: &str,
    current: Local,
) -> Result<Option<Local>, UnknownStatus> {
    let set = agreeing(platform, status)?;
    if set.contains(&current) {
        return Ok(None);
    }
    // A ticket waiting on the customer that the platform calls open: the customer answered
    // there, so it goes back to the team (not out of pending).
    if current == Local::PENDING_CUSTOMER && set.contains(&Local::PENDING_TEAM) {
        return Ok(Some(Local::PENDING_TEAM));
    }
    Ok(Some(set[0]))
}

/// The platform's priority for ours.
pub fn remote_priority(platform: Platform, ours: Priority) -> &'static str {
    match (platform, ours) {
        (_, Priority::Low) => "low",
        (_, Priority::Normal) => "normal",
        (_, Priority::High) => "high",
        (Platform::Zendesk, Priority::Urgent) => "urgent",
        (Platform::Gorgias, Priority::Urgent) => "critical",
    }
}

/// Ours for the platform's priority; `None` for one it does not have.
pub fn local_priority(platform: Platform, theirs: &str) -> Option<Priority> {
    Priority::ALL
        .into_iter()
        .find(|p| remote_priority(platform, *p).eq_ignore_ascii_case(theirs))
}

/// One change the platform reports about one remote ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The platform's id of this event (duplicates and replays are dropped by it).
    pub event_id: String,
    pub remote_ticket_id: String,
    /// When it happened there (the conflict rule compares it with our last local change).
    pub at_ms: i64,
    /// The platform's id of who made it: our own user's changes are our pushes coming back.
    pub actor_remote_id: Option<String>,
    pub change: PulledChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PulledChange {
    /// The platform's status, as it spells it (`pulled_target` maps it).
    Status(String),
    Priority(Priority),
    Comment {
        remote_comment_id: String,
        body: String,
        public: bool,
        author_name: String,
        /// Written by the requester (their reply by mail there), not by an agent.
        by_requester: bool,
    },
    /// The remote ticket was deleted: the link is marked and stops; ours stays.
    Deleted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_of_ours_pushed_and_pulled_back_changes_nothing() {
        for platform in Platform::ALL {
            for ours in Local::ALL {
                let theirs = remote_status(platform, ours);
                assert_eq!(
                    pulled_target(platform, theirs, ours),
                    Ok(None),
                    "{platform:?}: {ours:?} → {theirs} → back"
                );
            }
        }
    }

    #[test]
    fn a_pull_moves_a_ticket_that_disagrees() {
        use Platform::*;
        assert_eq!(
            pulled_target(Zendesk, "solved", Local::OPEN),
            Ok(Some(Local::RESOLVED))
        );
        assert_eq!(
            pulled_target(Zendesk, "pending", Local::OPEN),
            Ok(Some(Local::PENDING_CUSTOMER))
        );
        assert_eq!(
            pulled_target(Zendesk, "open", Local::PENDING_CUSTOMER),
            Ok(Some(Local::PENDING_TEAM))
        );
        assert_eq!(
            pulled_target(Zendesk, "open", Local::RESOLVED),
            Ok(Some(Local::OPEN))
        );
        assert_eq!(
            pulled_target(Gorgias, "closed", Local::PENDING_TEAM),
            Ok(Some(Local::RESOLVED))
        );
        assert_eq!(
            pulled_target(Gorgias, "open", Local::CLOSED),
            Ok(Some(Local::OPEN))
        );
        assert!(pulled_target(Zendesk, "deleted", Local::OPEN).is_err());
    }

    #[test]
    fn priorities_map_both_ways() {
        for platform in Platform::ALL {
            for p in Priority::ALL {
                assert_eq!(
                    local_priority(platform, remote_priority(platform, p)),
                    Some(p)
                );
            }
        }
        assert_eq!(
            local_priority(Platform::Zendesk, "URGENT"),
            Some(Priority::Urgent)
        );
        assert_eq!(local_priority(Platform::Gorgias, "urgent"), None);
    }

    #[test]
    fn spellings_round_trip() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.as_str()), Ok(p));
        }
        for s in LinkState::ALL {
            assert_eq!(LinkState::parse(s.as_str()), Ok(s));
        }
        for f in SyncFilter::ALL {
            assert_eq!(SyncFilter::parse(f.as_str()), Ok(f));
        }
        assert_eq!(
            PushRule::from_columns("label", Some("billing")).map(|r| r.as_str()),
            Ok("label")
        );
        assert_eq!(
            PushRule::from_columns("label", None),
            Err(FieldError::Required)
        );
    }
}
