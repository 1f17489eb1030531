//! Where a ticket is mirrored in an external tracker: the platform's name and the ticket's id
//! there (e.g. `jira` / `SUP-123`).

use crate::field_error::{FieldError, bounded_text};
use crate::label::Label;

/// A platform name, spelled as a label is (lower-case slug, at most 32 characters), so
/// "Jira" and "jira" are one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPlatform(String);

impl SyncPlatform {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Label::parse(raw).map(|label| Self(label.as_ref().to_owned()))
    }
}

impl AsRef<str> for SyncPlatform {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The ticket's id on that platform: 1–200 characters on one line, kept as given (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteId(String);

impl RemoteId {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, Self::MAX_CHARS, false).map(Self)
    }
}

impl AsRef<str> for RemoteId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_is_a_slug_and_remote_id_one_line() {
        assert_eq!(SyncPlatform::parse(" Jira ").unwrap().as_ref(), "jira");
        assert_eq!(SyncPlatform::parse("a/b"), Err(FieldError::InvalidFormat));
        assert_eq!(RemoteId::parse(" SUP-123 ").unwrap().as_ref(), "SUP-123");
        assert_eq!(RemoteId::parse(""), Err(FieldError::Required));
        assert_eq!(
            RemoteId::parse("a\nb"),
            Err(FieldError::ForbiddenCharacters)
        );
    }
}
