//! Human ticket codes: `<PREFIX>-<n>`, e.g. `TKT-42`, numbered per site from 1.

use core::fmt;

use crate::field_error::FieldError;

/// A site's code prefix: 2–10 uppercase ASCII letters (default `TKT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodePrefix(String);

impl CodePrefix {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if (2..=10).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::InvalidFormat)
        }
    }
}

impl Default for CodePrefix {
    fn default() -> Self {
        Self("TKT".to_owned())
    }
}

impl AsRef<str> for CodePrefix {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A ticket's code. The number is at least 1 and has no leading zeros, so every code has
/// exactly one spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TicketCode {
    prefix: CodePrefix,
    number: u32,
}

impl TicketCode {
    pub fn new(prefix: CodePrefix, number: u32) -> Result<Self, FieldError> {
        if number == 0 {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self { prefix, number })
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let (prefix, digits) = raw.split_once('-').ok_or(FieldError::InvalidFormat)?;
        let canonical_digits = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !canonical_digits {
            return Err(FieldError::InvalidFormat);
        }
        let number = digits.parse().map_err(|_| FieldError::InvalidFormat)?;
        Self::new(CodePrefix::parse(prefix)?, number)
    }

    pub fn prefix(&self) -> &CodePrefix {
        &self.prefix
    }

    pub fn number(&self) -> u32 {
        self.number
    }
}

impl fmt::Display for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix.as_ref(), self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_displays() {
        let code = TicketCode::parse("TKT-42").unwrap();
        assert_eq!(code.prefix().as_ref(), "TKT");
        assert_eq!(code.number(), 42);
        assert_eq!(code.to_string(), "TKT-42");
    }

    #[test]
    fn refuses_non_canonical_codes() {
        for bad in [
            "TKT42",
            "TKT-",
            "-42",
            "tkt-42",
            "TKT-042",
            "TKT-0",
            "T-1",
            "TKT-4x",
            "TKT--4",
            "TKT-99999999999",
        ] {
            assert_eq!(
                TicketCode::parse(bad),
                Err(FieldError::InvalidFormat),
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn every_code_round_trips(prefix in "[A-Z]{2,10}", number in 1u32..) {
            let code = TicketCode::new(CodePrefix::parse(&prefix).unwrap(), number).unwrap();
            prop_assert_eq!(TicketCode::parse(&code.to_string()).unwrap(), code);
        }
    }
}
