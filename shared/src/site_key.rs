//! The public key of a site, as written in the script tag: `data-site="acme"`.

use crate::field_error::FieldError;

/// 2–40 characters of lowercase ASCII letters, digits and inner hyphens. Being URL-path-safe
/// and dot-free lets it sit unescaped in API paths and in visitor tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteKey(String);

impl SiteKey {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let ok_len = (2..=40).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok_len && ok_chars && !raw.starts_with('-') && !raw.ends_with('-') {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::InvalidFormat)
        }
    }
}

impl AsRef<str> for SiteKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_valid_keys_and_refuses_others() {
        for ok in ["acme", "demo-site", "a1", "x".repeat(40).as_str()] {
            assert_eq!(SiteKey::parse(ok).unwrap().as_ref(), ok);
        }
        for bad in [
            "",
            "a",
            "Acme",
            "-acme",
            "acme-",
            "ac me",
            "ac.me",
            "ac/me",
            &"x".repeat(41),
        ] {
            assert_eq!(SiteKey::parse(bad), Err(FieldError::InvalidFormat), "{bad}");
        }
    }
}
