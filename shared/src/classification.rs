//! A ticket's classification — its topic ("billing") and its intent ("refund_request") — and
//! where it came from, as the product names it (AI-escalated, human-created, widget).
//!
//! Topics and intents are keys a site's team filters and counts by, not prose: lower-case
//! ASCII snake_case slugs, so the bot, an operator and an API script all land on one spelling.
//! What a person or a model types is normalised first — trimmed, lower-cased, and each run of
//! spaces, `-` or `.` becomes one `_` ("Refund request", "refund-request" and
//! " REFUND_REQUEST " are all `refund_request`) — and refused only when what remains is not a
//! slug (another script, punctuation, an emoji): the same verdict in the SQL `CHECK`s of
//! migration 0026.

use crate::event::Source;
use crate::field_error::FieldError;

/// The longest topic or intent, in characters (bytes: they are ASCII).
pub const MAX_CHARS: usize = 40;

/// Normalises and checks one slug: `[a-z][a-z0-9_]*`, no `__`, no trailing `_`, 1–40 chars.
fn slug(raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::Required);
    }
    let mut out = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if c.is_whitespace() || matches!(c, '-' | '.' | '_') {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_control() {
            return Err(FieldError::ForbiddenCharacters);
        } else {
            return Err(FieldError::InvalidFormat);
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.len() > MAX_CHARS {
        return Err(FieldError::TooLong { max: MAX_CHARS });
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(FieldError::InvalidFormat);
    }
    Ok(out)
}

/// What a ticket is about: `billing`, `shipping`, `account`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Topic(String);

impl Topic {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        slug(raw).map(Self)
    }
}

impl AsRef<str> for Topic {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What the requester wants done: `refund_request`, `bug_report`, `cancel_subscription`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Intent(String);

impl Intent {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        slug(raw).map(Self)
    }
}

impl AsRef<str> for Intent {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A ticket's topic and intent; either may be unset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    pub topic: Option<Topic>,
    pub intent: Option<Intent>,
}

impl Classification {
    /// An optional field: absent or blank is unset, anything else must parse.
    pub fn optional<T>(
        raw: Option<&str>,
        parse: fn(&str) -> Result<T, FieldError>,
    ) -> Result<Option<T>, FieldError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => parse(v).map(Some),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.topic.is_none() && self.intent.is_none()
    }
}

/// Where a ticket came from, in the product's words: what the list, the board and the ticket
/// page show and filter by. Several stored sources may read as one (`operator` and `api` are
/// both human-created); a future source (issue 22's `email`) gets its own arm here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The bot opened it (`open_ticket`: in the chat, over the tool routes or MCP).
    AiEscalated,
    /// A member of the team made it: on the dashboard or through the API.
    HumanCreated,
    /// A visitor sent the widget's form.
    Widget,
    /// A customer wrote to the site's support address.
    Email,
}

impl Origin {
    pub const ALL: [Origin; 4] = [
        Origin::AiEscalated,
        Origin::HumanCreated,
        Origin::Widget,
        Origin::Email,
    ];

    pub fn of(source: Source) -> Self {
        match source {
            Source::Bot => Origin::AiEscalated,
            Source::Operator | Source::Api => Origin::HumanCreated,
            Source::Widget => Origin::Widget,
            Source::Email => Origin::Email,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Origin::AiEscalated => "AI-escalated",
            Origin::HumanCreated => "Human-created",
            Origin::Widget => "Widget",
            Origin::Email => "E-mail",
        }
    }

    /// The stored sources it stands for.
    pub fn sources(self) -> Vec<Source> {
        Source::ALL
            .into_iter()
            .filter(|s| Origin::of(*s) == self)
            .collect()
    }

    /// The `source=` value that filters by it: `human` for the two human sources, otherwise
    /// the one source's own name.
    pub fn filter_value(self) -> &'static str {
        match self {
            Origin::AiEscalated => Source::Bot.as_str(),
            Origin::HumanCreated => "human",
            Origin::Widget => Source::Widget.as_str(),
            Origin::Email => Source::Email.as_str(),
        }
    }
}

/// How a source reads in small text: "AI-escalated", "Human-created (API)".
pub fn source_label(source: Source) -> String {
    match source {
        Source::Operator => "Human-created (dashboard)".to_owned(),
        Source::Api => "Human-created (API)".to_owned(),
        other => Origin::of(other).label().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_and_models_type_becomes_one_spelling() {
        for (raw, slug) in [
            ("billing", "billing"),
            ("  Billing ", "billing"),
            ("Refund request", "refund_request"),
            ("refund-request", "refund_request"),
            ("REFUND_REQUEST", "refund_request"),
            ("refund  --  request_", "refund_request"),
            ("v2.billing", "v2_billing"),
            ("bug 42", "bug_42"),
            ("_x", "x"),
        ] {
            assert_eq!(Intent::parse(raw).unwrap().as_ref(), slug, "{raw}");
            assert_eq!(Topic::parse(raw).unwrap().as_ref(), slug, "{raw}");
        }
    }

    #[test]
    fn what_is_not_a_slug_is_refused() {
        assert_eq!(Topic::parse("  "), Err(FieldError::Required));
        assert_eq!(Topic::parse("- _"), Err(FieldError::InvalidFormat));
        assert_eq!(
            Topic::parse(&"a".repeat(41)),
            Err(FieldError::TooLong { max: 40 })
        );
        assert!(Topic::parse(&"a".repeat(40)).is_ok());
        for bad in ["42", "a/b", "<b>", "café", "a,b", "💸"] {
            assert_eq!(Intent::parse(bad), Err(FieldError::InvalidFormat), "{bad}");
        }
        assert_eq!(
            Intent::parse("a\u{7}b"),
            Err(FieldError::ForbiddenCharacters)
        );
    }

    #[test]
    fn blank_optional_fields_are_unset() {
        assert_eq!(Classification::optional(None, Topic::parse), Ok(None));
        assert_eq!(Classification::optional(Some(" "), Topic::parse), Ok(None));
        assert_eq!(
            Classification::optional(Some("Billing"), Topic::parse),
            Ok(Some(Topic::parse("billing").unwrap()))
        );
        assert!(Classification::optional(Some("!"), Topic::parse).is_err());
    }

    #[test]
    fn sources_read_as_the_product_names_them() {
        assert_eq!(Origin::of(Source::Bot).label(), "AI-escalated");
        assert_eq!(Origin::of(Source::Api), Origin::HumanCreated);
        assert_eq!(Origin::of(Source::Operator), Origin::HumanCreated);
        assert_eq!(Origin::of(Source::Widget).label(), "Widget");
        assert_eq!(
            Origin::HumanCreated.sources(),
            [Source::Operator, Source::Api]
        );
        assert_eq!(source_label(Source::Api), "Human-created (API)");
    }
}
