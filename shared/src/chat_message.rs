//! A chat message's parts: its text and who wrote it.

use crate::field_error::FieldError;

/// What a visitor or an operator types into a chat: 1–4,000 characters after trimming, line
/// breaks kept (`\r\n` becomes `\n`), every other control character refused — tabs included,
/// since a chat line is shown as typed and a tab renders differently on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub const MAX_CHARS: usize = 4_000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.replace("\r\n", "\n");
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(FieldError::Required);
        }
        if trimmed.chars().nth(Self::MAX_CHARS).is_some() {
            return Err(FieldError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n') {
            return Err(FieldError::ForbiddenCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl AsRef<str> for MessageText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Who wrote a message. The strings are the SQL `CHECK` values of
/// `conversation_messages.author_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorKind {
    Visitor,
    Bot,
    Operator,
    System,
}

impl AuthorKind {
    pub const ALL: [AuthorKind; 4] = [
        AuthorKind::Visitor,
        AuthorKind::Bot,
        AuthorKind::Operator,
        AuthorKind::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Visitor => "visitor",
            AuthorKind::Bot => "bot",
            AuthorKind::Operator => "operator",
            AuthorKind::System => "system",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_keeps_only_newlines() {
        assert_eq!(
            MessageText::parse("  Hello\r\nthere \n").unwrap().as_ref(),
            "Hello\nthere"
        );
        assert_eq!(MessageText::parse(" \n "), Err(FieldError::Required));
        assert!(MessageText::parse(&"é".repeat(4_000)).is_ok());
        assert_eq!(
            MessageText::parse(&"é".repeat(4_001)),
            Err(FieldError::TooLong { max: 4_000 })
        );
        for bad in ["a\tb", "a\u{1b}[31m", "a\u{0}b", "a\rb"] {
            assert_eq!(
                MessageText::parse(bad),
                Err(FieldError::ForbiddenCharacters),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_author_kind_round_trips() {
        for kind in AuthorKind::ALL {
            assert_eq!(AuthorKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert!(AuthorKind::parse("admin").is_err());
    }
}
