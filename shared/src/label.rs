//! A ticket label: a short tag operators create on the fly ("billing", "vip", "bug-42").
//! Labels live per site; the same spelling on two sites is two unrelated labels.

use crate::field_error::FieldError;

/// Lower case, 1–32 characters: letters and digits (any script), joined by single `-`, `_` or
/// `.`. Input is trimmed, lower-cased, and runs of whitespace become one `-`, so "Needs Reply"
/// and "needs-reply" are the same label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(String);

impl Label {
    pub const MAX_CHARS: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let words: Vec<&str> = raw.split_whitespace().collect();
        if words.is_empty() {
            return Err(FieldError::Required);
        }
        let slug = words.join("-").to_lowercase();
        if slug.chars().nth(Self::MAX_CHARS).is_some() {
            return Err(FieldError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let separator = |c: char| matches!(c, '-' | '_' | '.');
        let well_formed = slug.chars().all(|c| c.is_alphanumeric() || separator(c))
            && !slug.starts_with(separator)
            && !slug.ends_with(separator)
            && !slug
                .chars()
                .zip(slug.chars().skip(1))
                .any(|(a, b)| separator(a) && separator(b));
        if !well_formed {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self(slug))
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_to_a_lower_case_slug() {
        for (raw, label) in [
            ("billing", "billing"),
            ("  VIP ", "vip"),
            ("Needs  Reply", "needs-reply"),
            ("bug-42", "bug-42"),
            ("v1.2_beta", "v1.2_beta"),
            ("Ärger", "ärger"),
        ] {
            assert_eq!(Label::parse(raw).unwrap().as_ref(), label, "{raw}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_label() {
        assert_eq!(Label::parse("  "), Err(FieldError::Required));
        assert_eq!(
            Label::parse(&"a".repeat(33)),
            Err(FieldError::TooLong { max: 32 })
        );
        assert!(Label::parse(&"a".repeat(32)).is_ok());
        for bad in ["<b>", "a,b", "-lead", "trail.", "a--b", "a/b", "x\u{7}"] {
            assert_eq!(Label::parse(bad), Err(FieldError::InvalidFormat), "{bad}");
        }
    }
}
