//! The body of a ticket action — a dashboard form or an API JSON object, same field names —
//! parsed into a `ticket_actions::Change`, with every field error at once (422).

use serde::Deserialize;
use ticketbooth_shared::classification::{Classification, Intent, Topic};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::CommentVisibility;
use ticketbooth_shared::label::Label;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::sync_ref::{RemoteId, SyncPlatform};
use ticketbooth_shared::ticket_text::Summary;
use ticketbooth_shared::ticket_text::{Description, Subject};
use ticketbooth_shared::timestamp::Timestamp;
use ticketbooth_shared::waiting::WaitingOn;
use ticketbooth_shared::{FieldError, Priority, Status};

use super::error::ApiError;
use super::routes::Verb;
use crate::service::operators::Operator;
use crate::service::summaries::SummaryChange;
use crate::service::ticket_actions::{Assignee, Change, Comment, TeamRef};
use ticketbooth_shared::routing::TeamName;

/// Every field any action takes; each verb reads its own. Forms send strings, which
/// `serde_urlencoded` turns into the numbers and booleans JSON sends as such.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionInput {
    /// The `updated_at` (ms) the client's view was built from: a stale edit is refused.
    pub version: Option<i64>,
    pub status: Option<String>,
    pub priority: Option<String>,
    /// An operator id, `me`, or empty / null for unassigned.
    pub assignee: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub label: Option<String>,
    /// The comment's (or the status change's comment's) text.
    pub comment: Option<String>,
    /// `internal` (default) or `public`.
    pub visibility: Option<String>,
    /// UTC, RFC 3339 or `YYYY-MM-DDTHH:MM`; empty or null wakes the ticket.
    pub until: Option<String>,
    pub spam: Option<bool>,
    pub platform: Option<String>,
    pub remote_id: Option<String>,
    /// The confirmation a delete needs: the ticket's code, typed or sent again.
    pub confirm: Option<String>,
    /// Dashboard only: where to go afterwards (under `/app/`).
    pub return_to: Option<String>,
    /// The summary written by hand (`summary`).
    pub summary: Option<String>,
    /// The `waiting` action's side: `team` or `customer`.
    pub waiting_on: Option<String>,
    /// On a comment: a reply to the customer that also leaves the ticket waiting on them.
    pub wait_for_customer: Option<bool>,
    /// The classify action's: absent keeps the value, empty or JSON `null` clears it.
    #[serde(deserialize_with = "present")]
    pub topic: Option<Option<String>>,
    #[serde(deserialize_with = "present")]
    pub intent: Option<Option<String>>,
    /// The team action's: a team's id (a number, or its digits) or name; empty or JSON
    /// `null` takes the ticket out of any team.
    #[serde(deserialize_with = "team_field")]
    pub team: Option<Option<String>>,
}

/// `team` as sent: JSON gives a number or a string, a form a string.
fn team_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Id(i64),
        Text(String),
    }
    Option::<Raw>::deserialize(d).map(|raw| {
        Some(raw.map(|raw| match raw {
            Raw::Id(id) => id.to_string(),
            Raw::Text(text) => text,
        }))
    })
}

/// A field that was sent, `null` included (serde reads an absent one as the default, `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Parses the fields `verb` needs. `code` is the ticket's, which a delete must confirm.
pub fn change(
    verb: Verb,
    input: &ActionInput,
    op: &Operator,
    code: &str,
) -> Result<Change, ApiError> {
    let mut errors = ValidationErrors::default();
    let change = match verb {
        Verb::Status => {
            let to = need(&mut errors, "status", &input.status);
            let comment = optional_comment(&mut errors, input);
            let to = to.and_then(|v| record(&mut errors, "status", Status::parse(&v)));
            to.map(|to| Change::Status { to, comment })
        }
        Verb::Priority => need(&mut errors, "priority", &input.priority)
            .and_then(|v| record(&mut errors, "priority", Priority::parse(&v)))
            .map(Change::Priority),
        Verb::Assign => Some(Change::Assign(
            match input.assignee.as_deref().map(str::trim) {
                None | Some("") => None,
                Some("me") => Some(op.id.clone()),
                // Whether it is a member of the site is the service's question.
                Some(id) => Some(id.to_owned()),
            },
        )),
        Verb::Edit => {
            if input.subject.is_none() && input.description.is_none() {
                errors.0.insert("subject", FieldError::Required);
            }
            let subject = input
                .subject
                .as_deref()
                .and_then(|v| record(&mut errors, "subject", Subject::parse(v)).map(Some));
            let description = input
                .description
                .as_deref()
                .and_then(|v| record(&mut errors, "description", Description::parse(v)).map(Some));
            Some(Change::Edit {
                subject: subject.flatten(),
                description: description.flatten(),
            })
        }
        Verb::AddLabel | Verb::RemoveLabel => need(&mut errors, "label", &input.label)
            .and_then(|v| record(&mut errors, "label", Label::parse(&v)))
            .map(|label| match verb {
                Verb::AddLabel => Change::AddLabel(label),
                _ => Change::RemoveLabel(label),
            }),
        Verb::Comment if input.wait_for_customer == Some(true) => {
            // Waiting on the customer only makes sense after telling them something: the
            // comment must be a reply they see (absent visibility means that here).
            need(&mut errors, "comment", &input.comment);
            match input.visibility.as_deref().map(str::trim) {
                None | Some("") | Some("public") => {}
                Some(_) => {
                    errors.0.insert("visibility", FieldError::InvalidFormat);
                }
            }
            let body = input.comment.as_deref().filter(|c| !c.trim().is_empty());
            body.and_then(|b| record(&mut errors, "comment", CommentBody::parse(b)))
                .map(Change::ReplyAndWait)
        }
        Verb::Comment => {
            need(&mut errors, "comment", &input.comment);
            optional_comment(&mut errors, input).map(Change::Comment)
        }
        Verb::Snooze => match input.until.as_deref().map(str::trim) {
            None | Some("") => Some(Change::Snooze(None)),
            Some(v) => record(&mut errors, "until", Timestamp::parse_utc(v))
                .map(|t| Change::Snooze(Some(t))),
        },
        Verb::Spam => match input.spam {
            Some(spam) => Some(Change::Spam(spam)),
            None => {
                errors.0.insert("spam", FieldError::Required);
                None
            }
        },
        Verb::Sync => {
            let platform = need(&mut errors, "platform", &input.platform)
                .and_then(|v| record(&mut errors, "platform", SyncPlatform::parse(&v)));
            let remote_id = need(&mut errors, "remote_id", &input.remote_id)
                .and_then(|v| record(&mut errors, "remote_id", RemoteId::parse(&v)));
            platform
                .zip(remote_id)
                .map(|(platform, remote_id)| Change::Sync {
                    platform,
                    remote_id,
                })
        }
        // Not a `Change`: the routes send these to `summary_change` first.
        Verb::Summary | Verb::RefreshSummary => {
            errors.0.insert("summary", FieldError::InvalidFormat);
            None
        }
        // Not a `Change` either: the routes send it to `sync_links::push_by_hand` first.
        Verb::Push => {
            errors.0.insert("action", FieldError::InvalidFormat);
            None
        }
        Verb::Waiting => need(&mut errors, "waiting_on", &input.waiting_on)
            .and_then(|v| record(&mut errors, "waiting_on", WaitingOn::parse(&v)))
            .map(Change::Waiting),
        Verb::Classify => {
            if input.topic.is_none() && input.intent.is_none() {
                errors.0.insert("topic", FieldError::Required);
            }
            let topic = input.topic.as_ref().map(|v| {
                record(
                    &mut errors,
                    "topic",
                    Classification::optional(v.as_deref(), Topic::parse),
                )
            });
            let intent = input.intent.as_ref().map(|v| {
                record(
                    &mut errors,
                    "intent",
                    Classification::optional(v.as_deref(), Intent::parse),
                )
            });
            kept(topic)
                .zip(kept(intent))
                .map(|(topic, intent)| Change::Classify { topic, intent })
        }
        Verb::Team => match &input.team {
            None => {
                errors.0.insert("team", FieldError::Required);
                None
            }
            Some(raw) => match raw.as_deref().map(str::trim) {
                None | Some("") => Some(Change::Team(None)),
                Some(id) if id.bytes().all(|b| b.is_ascii_digit()) => id
                    .parse()
                    .ok()
                    .map(|id| Change::Team(Some(TeamRef::Id(id)))),
                Some(name) => record(&mut errors, "team", TeamName::parse(name))
                    .map(|name| Change::Team(Some(TeamRef::Name(name)))),
            },
        },
        Verb::Delete => {
            // A delete cannot be undone: the caller repeats the ticket's code to confirm it.
            let confirmed = input
                .confirm
                .as_deref()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case(code));
            if !confirmed {
                errors.0.insert("confirm", FieldError::Required);
            }
            Some(Change::Delete)
        }
    };
    match change {
        Some(change) if errors.0.is_empty() => Ok(change),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// What a new ticket may carry besides its text, from the dashboard's forms and the API alike:
/// `priority` (absent or empty: normal) and `assignee` — absent or `me`: the creator;
/// empty, or JSON `null` (`Some(None)`): unassigned; else an operator id, whose membership is
/// the service's question. Errors name their field.
pub fn create_choices(
    priority: Option<&str>,
    assignee: Option<Option<&str>>,
    op: &Operator,
) -> Result<(Priority, Assignee), ValidationErrors> {
    let priority = match priority.map(str::trim) {
        None | Some("") => Ok(Priority::Normal),
        Some(v) => Priority::parse(v),
    };
    let assignee = match assignee.map(|a| a.map(str::trim)) {
        None | Some(Some("me")) => Assignee::Creator,
        Some(None | Some("")) => Assignee::Unassigned,
        Some(Some(id)) if id == op.id => Assignee::Creator,
        Some(Some(id)) => Assignee::Operator(id.to_owned()),
    };
    match priority {
        Ok(priority) => Ok((priority, assignee)),
        Err(e) => Err(ValidationErrors([("priority", e)].into_iter().collect())),
    }
}

/// A new ticket's topic and intent (dashboard form and API alike): absent or blank is unset.
/// Errors name their field.
pub fn create_classification(
    topic: Option<&str>,
    intent: Option<&str>,
) -> Result<Classification, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let topic = record(
        &mut errors,
        "topic",
        Classification::optional(topic, Topic::parse),
    );
    let intent = record(
        &mut errors,
        "intent",
        Classification::optional(intent, Intent::parse),
    );
    match (topic, intent) {
        (Some(topic), Some(intent)) => Ok(Classification { topic, intent }),
        _ => Err(errors),
    }
}

/// A classify field as `Change::Classify` holds it (`None` kept, `Some(None)` cleared), or
/// `None` when it was sent and did not parse (its error is filed).
#[allow(clippy::option_option)]
fn kept<T>(field: Option<Option<Option<T>>>) -> Option<Option<Option<T>>> {
    match field {
        None => Some(None),
        Some(Some(value)) => Some(Some(value)),
        Some(None) => None,
    }
}

/// A field that must be given and not blank, trimmed.
fn need(errors: &mut ValidationErrors, key: &'static str, raw: &Option<String>) -> Option<String> {
    match raw.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Some(v.to_owned()),
        _ => {
            errors.0.insert(key, FieldError::Required);
            None
        }
    }
}

/// The `comment` + `visibility` pair, when a comment was written.
fn optional_comment(errors: &mut ValidationErrors, input: &ActionInput) -> Option<Comment> {
    let visibility = match input.visibility.as_deref().map(str::trim) {
        None | Some("") | Some("internal") => CommentVisibility::Internal,
        Some("public") => CommentVisibility::Public,
        Some(_) => {
            errors.0.insert("visibility", FieldError::InvalidFormat);
            return None;
        }
    };
    let body = input.comment.as_deref().filter(|c| !c.trim().is_empty())?;
    record(errors, "comment", CommentBody::parse(body)).map(|body| Comment { visibility, body })
}

fn record<T>(
    errors: &mut ValidationErrors,
    key: &'static str,
    result: Result<T, FieldError>,
) -> Option<T> {
    result.map_err(|e| errors.0.insert(key, e)).ok()
}

/// The summary forms' input, or `None` for every other verb.
pub fn summary_change(verb: Verb, input: &ActionInput) -> Option<Result<SummaryChange, ApiError>> {
    match verb {
        Verb::RefreshSummary => Some(Ok(SummaryChange::Refresh)),
        Verb::Summary => Some(
            Summary::parse(input.summary.as_deref().unwrap_or(""))
                .map(SummaryChange::Edit)
                .map_err(|e| {
                    let mut errors = ValidationErrors::default();
                    errors.0.insert("summary", e);
                    ApiError::Validation(errors)
                }),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::operators::Credential;
    use ticketbooth_shared::role::Role;
    use ticketbooth_shared::site_key::SiteKey;

    fn op() -> Operator {
        Operator {
            id: "0000000000000000000000000000000a".into(),
            name: "Ann".into(),
            role: Role::Owner,
            site_id: 1,
            site_key: SiteKey::parse("acme").unwrap(),
            site_name: "Acme".into(),
            credential: Credential::Session,
            csrf_token: String::new(),
            email: "ann@acme.example".into(),
            sites: Vec::new(),
        }
    }

    #[test]
    fn create_choices_default_to_normal_and_the_creator() {
        let me = op();
        assert_eq!(
            create_choices(None, None, &me).unwrap(),
            (Priority::Normal, Assignee::Creator)
        );
        assert_eq!(
            create_choices(Some(" high "), Some(Some("me")), &me).unwrap(),
            (Priority::High, Assignee::Creator)
        );
        assert_eq!(
            create_choices(Some(""), Some(None), &me).unwrap().1,
            Assignee::Unassigned
        );
        assert_eq!(
            create_choices(None, Some(Some("")), &me).unwrap().1,
            Assignee::Unassigned
        );
        assert_eq!(
            create_choices(None, Some(Some(me.id.as_str())), &me)
                .unwrap()
                .1,
            Assignee::Creator
        );
        assert_eq!(
            create_choices(None, Some(Some("b0b")), &me).unwrap().1,
            Assignee::Operator("b0b".into())
        );
        let errors = create_choices(Some("asap"), None, &me).unwrap_err();
        assert!(errors.0.contains_key("priority"));
    }

    fn form(verb: Verb, body: &str) -> Result<Change, ApiError> {
        let input: ActionInput = serde_urlencoded::from_str(body).unwrap();
        change(verb, &input, &op(), "TKT-1")
    }

    fn fields(result: Result<Change, ApiError>) -> Vec<&'static str> {
        match result {
            Err(ApiError::Validation(errors)) => errors.0.keys().copied().collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn forms_parse_into_changes() {
        assert_eq!(
            form(Verb::Status, "status=pending&comment=&visibility=internal").unwrap(),
            Change::Status {
                to: Status::Pending,
                comment: None
            }
        );
        assert_eq!(
            form(Verb::Assign, "assignee=me").unwrap(),
            Change::Assign(Some(op().id))
        );
        assert_eq!(
            form(Verb::Assign, "assignee=").unwrap(),
            Change::Assign(None)
        );
        assert_eq!(form(Verb::Spam, "spam=true").unwrap(), Change::Spam(true));
        assert_eq!(
            form(Verb::AddLabel, "label=Needs+Reply").unwrap(),
            Change::AddLabel(Label::parse("needs-reply").unwrap())
        );
        assert_eq!(
            form(Verb::Snooze, "until=2026-12-01T09%3A00").unwrap(),
            Change::Snooze(Some(Timestamp::parse_utc("2026-12-01T09:00").unwrap()))
        );
        assert_eq!(form(Verb::Snooze, "until=").unwrap(), Change::Snooze(None));
        assert_eq!(form(Verb::Delete, "confirm=tkt-1").unwrap(), Change::Delete);
        assert_eq!(
            form(Verb::Classify, "topic=Billing&intent=").unwrap(),
            Change::Classify {
                topic: Some(Some(Topic::parse("billing").unwrap())),
                intent: Some(None),
            }
        );
    }

    #[test]
    fn classify_keeps_what_is_absent_and_clears_what_is_null() {
        let json = |body: &str| {
            let input: ActionInput = serde_json::from_str(body).unwrap();
            change(Verb::Classify, &input, &op(), "TKT-1")
        };
        assert_eq!(
            json(r#"{"intent":"Refund request"}"#).unwrap(),
            Change::Classify {
                topic: None,
                intent: Some(Some(Intent::parse("refund_request").unwrap())),
            }
        );
        assert_eq!(
            json(r#"{"topic":null}"#).unwrap(),
            Change::Classify {
                topic: Some(None),
                intent: None,
            }
        );
        assert_eq!(fields(json("{}")), ["topic"]);
        assert_eq!(
            fields(json(r#"{"topic":"a/b","intent":"€"}"#)),
            ["intent", "topic"]
        );
        assert_eq!(
            create_classification(Some(" Billing "), Some("")).unwrap(),
            Classification {
                topic: Some(Topic::parse("billing").unwrap()),
                intent: None,
            }
        );
        assert!(
            create_classification(None, Some("?"))
                .unwrap_err()
                .0
                .contains_key("intent")
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(
            fields(form(Verb::Status, "status=done&comment=x&visibility=loud")),
            ["status", "visibility"]
        );
        assert_eq!(fields(form(Verb::Comment, "comment=+")), ["comment"]);
        assert_eq!(fields(form(Verb::Priority, "")), ["priority"]);
        assert_eq!(fields(form(Verb::AddLabel, "label=a%2Fb")), ["label"]);
        assert_eq!(fields(form(Verb::Snooze, "until=tomorrow")), ["until"]);
        assert_eq!(fields(form(Verb::Spam, "")), ["spam"]);
        assert_eq!(fields(form(Verb::Sync, "platform=jira")), ["remote_id"]);
        assert_eq!(fields(form(Verb::Edit, "subject=")), ["subject"]);
        assert_eq!(fields(form(Verb::Delete, "confirm=TKT-2")), ["confirm"]);
    }

    #[test]
    fn json_bodies_use_the_same_fields() {
        let input: ActionInput =
            serde_json::from_str(r#"{"comment":"Hello","visibility":"public","version":7}"#)
                .unwrap();
        assert_eq!(input.version, Some(7));
        let Change::Comment(c) = change(Verb::Comment, &input, &op(), "TKT-1").unwrap() else {
            panic!()
        };
        assert_eq!(c.visibility, CommentVisibility::Public);
        let input: ActionInput = serde_json::from_str(r#"{"assignee":null}"#).unwrap();
        assert_eq!(
            change(Verb::Assign, &input, &op(), "TKT-1").unwrap(),
            Change::Assign(None)
        );
    }
}
