//! Routing rules: which team a new or escalated ticket goes to. A rule holds up to five
//! conditions (label, topic, intent, source, priority) and a target team; it matches when
//! EVERY condition it sets holds (a rule with none matches every ticket: a catch-all). Rules
//! are evaluated in their order and the first enabled one that matches wins. Pure: the
//! Worker reads the rules and the ticket's facts, this module decides.

use crate::classification::{Intent, Topic};
use crate::event::Source;
use crate::field_error::FieldError;
use crate::label::Label;
use crate::priority::Priority;

/// A team's name ("Billing", "Technical"): one line, 1–60 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamName(String);

impl TeamName {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        crate::field_error::bounded_text(raw, Self::MAX_CHARS, false).map(Self)
    }
}

impl AsRef<str> for TeamName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A rule's conditions, each parsed; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// The label or any of its sublabels (as the list's label filter).
    pub label: Option<Label>,
    pub topic: Option<Topic>,
    pub intent: Option<Intent>,
    pub source: Option<Source>,
    pub priority: Option<Priority>,
}

impl Conditions {
    /// The conditions from a form's or a row's text fields: blank is "any", anything else
    /// must parse. The first field that does not parse is named in the error.
    pub fn parse(raw: &RawConditions<'_>) -> Result<Self, (&'static str, FieldError)> {
        fn field<T>(
            name: &'static str,
            raw: Option<&str>,
            parse: fn(&str) -> Result<T, FieldError>,
        ) -> Result<Option<T>, (&'static str, FieldError)> {
            match raw.map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) => parse(v).map(Some).map_err(|e| (name, e)),
            }
        }
        Ok(Self {
            label: field("label", raw.label, Label::parse)?,
            topic: field("topic", raw.topic, Topic::parse)?,
            intent: field("intent", raw.intent, Intent::parse)?,
            source: field("source", raw.source, Source::parse)?,
            priority: field("priority", raw.priority, Priority::parse)?,
        })
    }

    /// Whether no condition is set (the rule matches every ticket).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Whether every set condition holds for `ticket`.
    pub fn matches(&self, ticket: &Facts) -> bool {
        self.label
            .as_ref()
            .is_none_or(|want| ticket.labels.iter().any(|l| want.covers(l)))
            && self
                .topic
                .as_ref()
                .is_none_or(|want| ticket.topic.as_ref() == Some(want))
            && self
                .intent
                .as_ref()
                .is_none_or(|want| ticket.intent.as_ref() == Some(want))
            && self.source.is_none_or(|want| ticket.source == want)
            && self.priority.is_none_or(|want| ticket.priority == want)
    }

    /// The conditions in words, for the teams page ("topic is billing and source is widget").
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = &self.label {
            parts.push(format!("label is {}", l.as_ref()));
        }
        if let Some(t) = &self.topic {
            parts.push(format!("topic is {}", t.as_ref()));
        }
        if let Some(i) = &self.intent {
            parts.push(format!("intent is {}", i.as_ref()));
        }
        if let Some(s) = self.source {
            parts.push(format!("source is {}", s.as_str()));
        }
        if let Some(p) = self.priority {
            parts.push(format!("priority is {}", p.as_str()));
        }
        if parts.is_empty() {
            "every ticket".to_owned()
        } else {
            parts.join(" and ")
        }
    }
}

/// A rule's conditions as text (a form's fields, a row's columns).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawConditions<'a> {
    pub label: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub intent: Option<&'a str>,
    pub source: Option<&'a str>,
    pub priority: Option<&'a str>,
}

/// One rule as evaluated: its id (what the timeline names), its target team, whether it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: i64,
    pub team_id: i64,
    pub enabled: bool,
    pub conditions: Conditions,
}

/// What routing looks at on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub labels: Vec<Label>,
    pub topic: Option<Topic>,
    pub intent: Option<Intent>,
    pub source: Source,
    pub priority: Priority,
}

/// The first enabled rule (in the given order) that matches `ticket`.
pub fn first_match<'r>(rules: &'r [Rule], ticket: &Facts) -> Option<&'r Rule> {
    rules
        .iter()
        .find(|r| r.enabled && r.conditions.matches(ticket))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, enabled: bool, raw: RawConditions<'_>) -> Rule {
        Rule {
            id,
            team_id: id * 10,
            enabled,
            conditions: Conditions::parse(&raw).unwrap(),
        }
    }

    fn facts() -> Facts {
        Facts {
            labels: vec![Label::parse("billing > refund").unwrap()],
            topic: Some(Topic::parse("payments").unwrap()),
            intent: None,
            source: Source::Widget,
            priority: Priority::High,
        }
    }

    #[test]
    fn the_first_enabled_matching_rule_wins() {
        let rules = [
            rule(
                1,
                true,
                RawConditions {
                    topic: Some("shipping"),
                    ..Default::default()
                },
            ),
            rule(
                2,
                false,
                RawConditions {
                    topic: Some("payments"),
                    ..Default::default()
                },
            ),
            rule(
                3,
                true,
                RawConditions {
                    label: Some("billing"),
                    ..Default::default()
                },
            ),
            rule(4, true, RawConditions::default()),
        ];
        assert_eq!(first_match(&rules, &facts()).map(|r| r.id), Some(3));
    }

    #[test]
    fn every_set_condition_must_hold() {
        let both = rule(
            1,
            true,
            RawConditions {
                topic: Some("payments"),
                source: Some("bot"),
                ..Default::default()
            },
        );
        assert!(!both.conditions.matches(&facts()));
        let mut from_bot = facts();
        from_bot.source = Source::Bot;
        assert!(both.conditions.matches(&from_bot));
        let urgent = rule(
            2,
            true,
            RawConditions {
                priority: Some("urgent"),
                ..Default::default()
            },
        );
        assert!(!urgent.conditions.matches(&facts()));
        let intent = rule(
            3,
            true,
            RawConditions {
                intent: Some("refund"),
                ..Default::default()
            },
        );
        assert!(
            !intent.conditions.matches(&facts()),
            "an unset intent matches no intent rule"
        );
    }

    #[test]
    fn a_label_matches_its_sublabels_but_not_its_parent() {
        let sub = rule(
            1,
            true,
            RawConditions {
                label: Some("Billing > Refund"),
                ..Default::default()
            },
        );
        assert!(sub.conditions.matches(&facts()));
        let mut parent_only = facts();
        parent_only.labels = vec![Label::parse("billing").unwrap()];
        assert!(!sub.conditions.matches(&parent_only));
        let other = rule(
            2,
            true,
            RawConditions {
                label: Some("bill"),
                ..Default::default()
            },
        );
        assert!(!other.conditions.matches(&facts()));
    }

    #[test]
    fn no_rule_no_team_and_a_catch_all_takes_the_rest() {
        assert_eq!(first_match(&[], &facts()), None);
        let all = rule(
            9,
            true,
            RawConditions {
                label: Some(" "),
                ..Default::default()
            },
        );
        assert!(all.conditions.is_empty());
        assert_eq!(all.conditions.describe(), "every ticket");
        assert_eq!(first_match(&[all], &facts()).map(|r| r.id), Some(9));
    }

    #[test]
    fn a_bad_field_is_named() {
        let bad = Conditions::parse(&RawConditions {
            source: Some("fax"),
            ..Default::default()
        });
        assert_eq!(bad, Err(("source", FieldError::InvalidFormat)));
        let bad = Conditions::parse(&RawConditions {
            topic: Some("Not A Slug!"),
            ..Default::default()
        });
        assert_eq!(bad.unwrap_err().0, "topic");
    }

    #[test]
    fn team_names_are_one_trimmed_line() {
        assert_eq!(TeamName::parse("  Billing ").unwrap().as_ref(), "Billing");
        assert_eq!(TeamName::parse(" "), Err(FieldError::Required));
        assert!(TeamName::parse(&"x".repeat(61)).is_err());
        assert!(TeamName::parse("a\nb").is_err());
    }

    #[test]
    fn described_in_words() {
        let c = Conditions::parse(&RawConditions {
            topic: Some("billing"),
            source: Some("widget"),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.describe(), "topic is billing and source is widget");
    }
}
