//! Who asked: the requester's name and email address.

use crate::field_error::{FieldError, bounded_text};

/// A person's name as they typed it: 1–100 characters after trimming, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequesterName(String);

impl RequesterName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, Self::MAX_CHARS, false).map(Self)
    }
}

impl AsRef<str> for RequesterName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An email address, trimmed, with its domain lower-cased.
///
/// Deliberately pragmatic rather than RFC 5322: one `@`, a non-empty local part of at most 64
/// bytes without spaces, a domain of dot-separated labels (letters, digits, hyphens, non-ASCII
/// for IDNs) with at least one dot, 254 bytes in all. It catches typos without a regex crate,
/// which matters because the widget compiles this code into its Wasm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_BYTES: usize = 254;

    /// The verdict of `parse` without building the normalized address. The widget validates
    /// with this one: `parse`'s lower-casing pulls Unicode's case tables (~15 KB) into its Wasm.
    pub fn check(raw: &str) -> Result<(), FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::Required);
        }
        if trimmed.len() > Self::MAX_BYTES {
            return Err(FieldError::TooLong {
                max: Self::MAX_BYTES,
            });
        }
        let (local, domain) = trimmed.split_once('@').ok_or(FieldError::InvalidEmail)?;
        // Bytes and `matches!` rather than `contains("..")` and `"…".contains(c)`: no
        // substring searcher (and its panic formatting) in the widget's Wasm.
        let special = |c: char| {
            matches!(
                c,
                '@' | '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | '"' | '\\'
            )
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.as_bytes().windows(2).any(|pair| pair == b"..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !special(c));
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                // ASCII letters, digits and hyphens, or any non-ASCII character (IDN labels
                // before punycode). Not `char::is_alphanumeric`: its Unicode tables cost the
                // widget ~1.8 KB brotli, for a distinction no mail server draws this way.
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
        };
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if local_ok && domain_ok {
            Ok(())
        } else {
            Err(FieldError::InvalidEmail)
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::check(raw)?;
        let trimmed = raw.trim();
        let (local, domain) = trimmed.split_once('@').ok_or(FieldError::InvalidEmail)?;
        // Built by hand rather than with `format!`: keeps core::fmt out of the widget's Wasm.
        let mut email = String::with_capacity(trimmed.len());
        email.push_str(local);
        email.push('@');
        email.push_str(&domain.to_lowercase());
        Ok(Self(email))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        for ok in [
            "a@b.co",
            "first.last+tag@Example.COM",
            "ünï@exämple.de",
            "x@sub.do-main.io",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_ref(),
            "Ann@example.com"
        );
    }

    #[test]
    fn refuses_typos() {
        for bad in [
            "plainaddress",
            "@no-local.com",
            "no-domain@",
            "no-dot@localhost",
            "two@@at.com",
            "a b@c.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a@-b.com",
            "a@b.com-",
            "a@b_c.com",
            "a<b>@c.com",
        ] {
            assert_eq!(Email::parse(bad), Err(FieldError::InvalidEmail), "{bad}");
        }
        assert_eq!(Email::parse("  "), Err(FieldError::Required));
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(200));
        assert_eq!(Email::parse(&long), Err(FieldError::TooLong { max: 254 }));
    }

    #[test]
    fn check_gives_the_verdict_of_parse() {
        for raw in [
            "a@b.co",
            " Ann@Example.COM ",
            "ünï@exämple.de",
            "plainaddress",
            "a..b@c.com",
            "a@b..com",
            "",
            "  ",
            "a b@c.com",
            "no-dot@localhost",
            "a@-b.com",
            "x@y.z-",
        ] {
            assert_eq!(Email::check(raw), Email::parse(raw).map(drop), "{raw:?}");
        }
    }

    #[test]
    fn names_are_one_trimmed_line() {
        assert_eq!(
            RequesterName::parse(" Ada Lovelace ").unwrap().as_ref(),
            "Ada Lovelace"
        );
        assert_eq!(RequesterName::parse(""), Err(FieldError::Required));
        assert_eq!(
            RequesterName::parse("a\nb"),
            Err(FieldError::ForbiddenCharacters)
        );
        assert_eq!(
            RequesterName::parse(&"n".repeat(101)),
            Err(FieldError::TooLong { max: 100 })
        );
    }
}
