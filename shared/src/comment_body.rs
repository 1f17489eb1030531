//! The text of a comment on a ticket (an internal note or a reply to the customer).

use crate::field_error::{FieldError, bounded_text};

/// 1–10,000 characters after trimming; line breaks and tabs kept, other control characters
/// refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, Self::MAX_CHARS, true).map(Self)
    }
}

impl AsRef<str> for CommentBody {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_bounded_and_multiline() {
        assert_eq!(
            CommentBody::parse("  Called the customer.\n\tNo answer. ")
                .unwrap()
                .as_ref(),
            "Called the customer.\n\tNo answer."
        );
        assert_eq!(CommentBody::parse(" \n "), Err(FieldError::Required));
        assert!(CommentBody::parse(&"ü".repeat(10_000)).is_ok());
        assert_eq!(
            CommentBody::parse(&"ü".repeat(10_001)),
            Err(FieldError::TooLong { max: 10_000 })
        );
        assert_eq!(
            CommentBody::parse("esc\u{1b}[31m"),
            Err(FieldError::ForbiddenCharacters)
        );
    }
}
