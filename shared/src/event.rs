//! The audit trail: one event per change, written in the same batch as the change itself.
//! Stored as `kind` (the serde tag) plus the remaining fields as JSON `data`.

use serde::{Deserialize, Serialize};

use crate::waiting::WaitingOn;
use crate::{Priority, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentVisibility {
    /// Operators only; never sent to a visitor by any route.
    Internal,
    /// Shown to the visitor in the widget; a visitor's own replies are public.
    Public,
}

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Widget,
    Bot,
    Operator,
    Api,
    /// Mail to the site's support address (the Worker's `email` handler).
    Email,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Widget,
        Source::Bot,
        Source::Operator,
        Source::Api,
        Source::Email,
    ];

    pub fn parse(raw: &str) -> Result<Self, crate::FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or(crate::FieldError::InvalidFormat)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Widget => "widget",
            Source::Bot => "bot",
            Source::Operator => "operator",
            Source::Api => "api",
            Source::Email => "email",
        }
    }
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Actor {
    Visitor {
        visitor_id: String,
    },
    Bot,
    Operator {
        operator_id: String,
    },
    System,
    /// A change pulled from an external help desk (`platform`: `zendesk`, `gorgias`). Its
    /// events never mark the ticket's link dirty, so a pull is never pushed back.
    Sync {
        platform: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Created {
        source: Source,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    /// `rule`: the routing rule that gave it (round-robin in its team), `None` by hand.
    Assigned {
        from: Option<String>,
        to: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<i64>,
    },
    CommentAdded {
        visibility: CommentVisibility,
    },
    LabelAdded {
        label: String,
    },
    LabelRemoved {
        label: String,
    },
    Updated {
        fields: Vec<String>,
    },
    Snoozed {
        until_ms: Option<i64>,
    },
    SpamMarked {
        spam: bool,
    },
    ConversationLinked {
        conversation_id: String,
    },
    /// Pushed to or pulled from an external system. A hand-typed reference (a platform
    /// without a connector) has neither `direction` nor `changes`; a connector's push or pull
    /// says which way and what went (`created`, `status`, `priority`, `comment`, `note`,
    /// `deleted`, `conflict` …).
    Synced {
        platform: String,
        remote_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        direction: Option<crate::sync::Direction>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changes: Vec<String>,
    },
    /// The requester's personal data was erased from this ticket (a data-rights request). It
    /// says who and when (the actor and the row's time) and how many tickets that request
    /// erased — never whose data it was.
    Erased {
        tickets: u32,
    },
    /// The ticket's topic or intent was set, changed or cleared (slugs; `None` is unset).
    Classified {
        from: Classes,
        to: Classes,
    },
    /// The ticket's conversation was handed from the bot to a person: `reason` is the closed
    /// set's name (`visitor_asked`, `hand_off`, `provider_failed`, `message_limit`).
    Escalated {
        reason: String,
    },
    /// A pending ticket now waits on the other side: set by an operator, or handed back to the
    /// team by the customer's reply. Entering and leaving pending are `status_changed` alone.
    WaitingChanged {
        from: WaitingOn,
        to: WaitingOn,
    },
    /// A label on this ticket was renamed, or merged into another, on the labels page (`to`
    /// is what the ticket carries now; a ticket that had both keeps `to` once).
    LabelRenamed {
        from: String,
        to: String,
    },
    /// The ticket's summary was written: by the site's provider (the summary job) or by an
    /// operator's hand. The text itself is on the ticket, not in the trail.
    SummaryUpdated {
        by: SummaryBy,
    },
    /// A target of the site's SLA policy passed unmet (found once by the Cron Trigger).
    SlaBreached {
        target: SlaTarget,
        /// When it was due (Unix ms).
        due_at_ms: i64,
    },
    /// The ticket moved to another team or out of any (team names as they were then);
    /// `rule` is the routing rule that moved it, `None` by hand.
    TeamChanged {
        from: Option<String>,
        to: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<i64>,
    },
    /// A message about the ticket went out (`mail` names the kind: `received`, `reply`,
    /// `resolved`, `assigned`, `sla_warning`) to `to`.
    EmailSent {
        mail: String,
        to: String,
    },
    /// The requester's e-mail became their reply; attachments are listed, never stored.
    EmailReceived {
        #[serde(default)]
        attachments: Vec<EmailAttachment>,
    },
    /// Mail to the ticket's reply address from someone other than the requester: kept as an
    /// internal note, not as the customer's reply.
    EmailHeld {
        from: String,
    },
    /// Mail to `address` bounced: no more mail goes to it from this site.
    EmailBounced {
        address: String,
    },
}

/// Which SLA target an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    FirstResponse,
    Resolution,
}

impl SlaTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "first_response",
            SlaTarget::Resolution => "resolution",
        }
    }
}

/// An attachment of a received e-mail, as the timeline lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAttachment {
    pub name: String,
    pub bytes: u64,
}

/// Who wrote a ticket's summary (`tickets.summary_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SummaryBy {
    /// The site's model (the summary job, or a bot's `open_ticket` argument).
    Provider,
    /// An operator, by hand: never overwritten by the job.
    Operator,
}

impl SummaryBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SummaryBy::Provider => "provider",
            SummaryBy::Operator => "operator",
        }
    }
}

/// A ticket's topic and intent as an event records them (`shared::classification` slugs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classes {
    pub topic: Option<String>,
    pub intent: Option<String>,
}

impl EventKind {
    /// The `kind` column's value (identical to the serde tag and the SQL `CHECK` list).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::Assigned { .. } => "assigned",
            EventKind::CommentAdded { .. } => "comment_added",
            EventKind::LabelAdded { .. } => "label_added",
            EventKind::LabelRemoved { .. } => "label_removed",
            EventKind::Updated { .. } => "updated",
            EventKind::Snoozed { .. } => "snoozed",
            EventKind::SpamMarked { .. } => "spam_marked",
            EventKind::ConversationLinked { .. } => "conversation_linked",
            EventKind::Synced { .. } => "synced",
            EventKind::Erased { .. } => "erased",
            EventKind::SummaryUpdated { .. } => "summary_updated",
            EventKind::LabelRenamed { .. } => "label_renamed",
            EventKind::WaitingChanged { .. } => "waiting_changed",
            EventKind::Escalated { .. } => "escalated",
            EventKind::Classified { .. } => "classified",
            EventKind::SlaBreached { .. } => "sla_breached",
            EventKind::TeamChanged { .. } => "team_changed",
            EventKind::EmailSent { .. } => "email_sent",
            EventKind::EmailReceived { .. } => "email_received",
            EventKind::EmailHeld { .. } => "email_held",
            EventKind::EmailBounced { .. } => "email_bounced",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_name_matches_the_serde_tag() {
        let all = [
            EventKind::Created {
                source: Source::Widget,
            },
            EventKind::StatusChanged {
                from: Status::Open,
                to: Status::Pending,
            },
            EventKind::PriorityChanged {
                from: Priority::Normal,
                to: Priority::High,
            },
            EventKind::Assigned {
                from: None,
                to: Some("op".into()),
                rule: None,
            },
            EventKind::Assigned {
                from: None,
                to: Some("op".into()),
                rule: Some(2),
            },
            EventKind::CommentAdded {
                visibility: CommentVisibility::Internal,
            },
            EventKind::LabelAdded {
                label: "billing".into(),
            },
            EventKind::LabelRemoved {
                label: "billing".into(),
            },
            EventKind::Updated {
                fields: vec!["subject".into()],
            },
            EventKind::Snoozed { until_ms: Some(1) },
            EventKind::SpamMarked { spam: true },
            EventKind::ConversationLinked {
                conversation_id: "c".into(),
            },
            EventKind::Synced {
                platform: "jira".into(),
                remote_id: "J-1".into(),
                direction: None,
                changes: Vec::new(),
            },
            EventKind::Synced {
                platform: "zendesk".into(),
                remote_id: "35436".into(),
                direction: Some(crate::sync::Direction::Pull),
                changes: vec!["status".into(), "comment".into()],
            },
            EventKind::Erased { tickets: 2 },
            EventKind::SummaryUpdated {
                by: SummaryBy::Operator,
            },
            EventKind::LabelRenamed {
                from: "billing > refund".into(),
                to: "payments > refund".into(),
            },
            EventKind::WaitingChanged {
                from: WaitingOn::Team,
                to: WaitingOn::Customer,
            },
            EventKind::Escalated {
                reason: "hand_off".into(),
            },
            EventKind::Classified {
                from: Classes::default(),
                to: Classes {
                    topic: Some("billing".into()),
                    intent: Some("refund_request".into()),
                },
            },
            EventKind::SlaBreached {
                target: SlaTarget::FirstResponse,
                due_at_ms: 1,
            },
            EventKind::TeamChanged {
                from: None,
                to: Some("Billing".into()),
                rule: Some(3),
            },
            EventKind::EmailSent {
                mail: "received".into(),
                to: "ada@example.com".into(),
            },
            EventKind::EmailReceived {
                attachments: vec![EmailAttachment {
                    name: "invoice.pdf".into(),
                    bytes: 2048,
                }],
            },
            EventKind::EmailHeld {
                from: "eve@example.com".into(),
            },
            EventKind::EmailBounced {
                address: "ada@example.com".into(),
            },
        ];
        for event in all {
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["kind"], event.name());
            assert_eq!(serde_json::from_value::<EventKind>(json).unwrap(), event);
        }
    }
}
