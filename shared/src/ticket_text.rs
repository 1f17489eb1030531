//! The free-text parts of a ticket: subject, description, summary.

use crate::field_error::{FieldError, bounded_text};

/// A ticket's one-line subject: 1–200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, Self::MAX_CHARS, false).map(Self)
    }
}

impl AsRef<str> for Subject {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A ticket's body: at most 20,000 characters after trimming; may be empty (the subject can be
/// the whole story). Line breaks and tabs are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 20_000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match bounded_text(raw, Self::MAX_CHARS, true) {
            Ok(text) => Ok(Self(text)),
            Err(FieldError::Required) => Ok(Self::default()),
            Err(other) => Err(other),
        }
    }
}

impl AsRef<str> for Description {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A short summary (e.g. written by the chat bot): 1–2,000 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary(String);

impl Summary {
    pub const MAX_CHARS: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, Self::MAX_CHARS, true).map(Self)
    }
}

impl AsRef<str> for Summary {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_is_trimmed_and_bounded() {
        assert_eq!(
            Subject::parse("  Printer on fire ").unwrap().as_ref(),
            "Printer on fire"
        );
        assert_eq!(Subject::parse("   "), Err(FieldError::Required));
        assert_eq!(
            Subject::parse(&"é".repeat(200))
                .unwrap()
                .as_ref()
                .chars()
                .count(),
            200
        );
        assert_eq!(
            Subject::parse(&"é".repeat(201)),
            Err(FieldError::TooLong { max: 200 })
        );
        assert_eq!(
            Subject::parse("two\nlines"),
            Err(FieldError::ForbiddenCharacters)
        );
    }

    #[test]
    fn description_may_be_empty_and_keeps_line_breaks() {
        assert_eq!(Description::parse("  ").unwrap().as_ref(), "");
        assert_eq!(Description::parse("a\n\tb").unwrap().as_ref(), "a\n\tb");
        assert!(Description::parse(&"x".repeat(20_000)).is_ok());
        assert_eq!(
            Description::parse(&"x".repeat(20_001)),
            Err(FieldError::TooLong { max: 20_000 })
        );
        assert_eq!(
            Description::parse("bell\u{7}"),
            Err(FieldError::ForbiddenCharacters)
        );
    }

    #[test]
    fn summary_is_required_when_given() {
        assert_eq!(Summary::parse(""), Err(FieldError::Required));
        assert_eq!(Summary::parse(" ok ").unwrap().as_ref(), "ok");
    }
}
