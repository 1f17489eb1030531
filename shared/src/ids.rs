//! Opaque identifiers and client-supplied keys.

use crate::field_error::FieldError;

/// Parses 32 lowercase hex digits (128 random bits) — the shape of every id we mint.
fn hex128(raw: &str) -> Result<String, FieldError> {
    if raw.len() == 32
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::InvalidFormat)
    }
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                hex128(raw).map(Self)
            }

            /// Mints an id from 16 bytes the caller got from a CSPRNG (the Worker uses
            /// `crypto.getRandomValues`; tests pass fixed bytes).
            pub fn from_random(bytes: [u8; 16]) -> Self {
                Self(crate::hex::encode(&bytes))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

hex_id!(
    /// A ticket's stable, unguessable id (its code is for humans and may be guessed).
    TicketId
);
hex_id!(
    /// An anonymous visitor of one site, as carried in a signed visitor token.
    VisitorId
);

/// The client's `Idempotency-Key`: 8–255 visible ASCII characters (a UUID is ideal). Long
/// enough that two drafts never collide by accident.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::Required);
        }
        if !(8..=255).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_round_trip() {
        let id = TicketId::from_random([0xab; 16]);
        assert_eq!(id.as_ref(), "abababababababababababababababab");
        assert_eq!(TicketId::parse(id.as_ref()).unwrap(), id);
        let visitor = VisitorId::from_random(core::array::from_fn(|i| i as u8));
        assert_eq!(visitor.as_ref(), "000102030405060708090a0b0c0d0e0f");
        assert_eq!(VisitorId::parse(visitor.as_ref()).unwrap(), visitor);
    }

    #[test]
    fn ids_refuse_other_shapes() {
        for bad in ["", "abc", &"A".repeat(32), &"g".repeat(32), &"a".repeat(33)] {
            assert_eq!(
                TicketId::parse(bad),
                Err(FieldError::InvalidFormat),
                "{bad}"
            );
        }
    }

    #[test]
    fn idempotency_keys() {
        let uuid = "3f2b8c1e-2f4e-4d2a-9a4b-1c2d3e4f5a6b";
        assert_eq!(IdempotencyKey::parse(uuid).unwrap().as_ref(), uuid);
        assert_eq!(IdempotencyKey::parse(""), Err(FieldError::Required));
        assert_eq!(
            IdempotencyKey::parse("short"),
            Err(FieldError::InvalidFormat)
        );
        assert_eq!(
            IdempotencyKey::parse("has a space in it"),
            Err(FieldError::InvalidFormat)
        );
        assert_eq!(
            IdempotencyKey::parse(&"k".repeat(256)),
            Err(FieldError::InvalidFormat)
        );
    }
}
