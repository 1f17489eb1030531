//! Opaque identifiers and client-supplied keys, as UUIDs (RFC 9562).
//!
//! Ids are stored and sent in the UUID's simple form (32 lowercase hex digits), the shape every
//! id had before they were UUIDs, so stored rows and issued visitor tokens stay valid. The
//! randomness and the clock come from the caller (`context::Fresh` in the Worker), never from
//! here: `shared` does no I/O, and tests pass fixed bytes.

use uuid::{Builder, Uuid, Variant};

use crate::field_error::FieldError;
use crate::timestamp::Timestamp;

/// Parses 32 lowercase hex digits: the stored shape of every id (a simple-form UUID, or, for
/// rows older than UUIDs, 128 random bits in the same shape).
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

/// The stored text of a UUID: its simple form, lowercase.
fn simple(uuid: Uuid) -> String {
    let mut buf = [0u8; uuid::fmt::Simple::LENGTH];
    uuid.simple().encode_lower(&mut buf).to_owned()
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
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

hex_id!(
    /// A ticket's stable, unguessable id (its code is for humans and may be guessed). Minted as
    /// a UUID v7: time-ordered, so new rows land at the end of D1's primary-key index instead
    /// of at random pages.
    TicketId
);
hex_id!(
    /// A chat conversation. Minted as a UUID v7 like a ticket's id, for the same index locality.
    ConversationId
);
hex_id!(
    /// An anonymous visitor of one site, as carried in a signed visitor token. A UUID v4.
    VisitorId
);
hex_id!(
    /// An operator (a person who signs in to the dashboard), 32 lowercase hex digits.
    OperatorId
);

impl TicketId {
    /// A UUID v7 from the creation time and 10 bytes the caller got from a CSPRNG (74 of their
    /// bits are used: the rest of the UUID is the millisecond clock, version and variant).
    pub fn mint(now: Timestamp, random: [u8; 10]) -> Self {
        // Before 1970 is not a time a ticket is made at; clamp rather than wrap.
        let millis = u64::try_from(now.millis()).unwrap_or(0);
        Self(simple(
            Builder::from_unix_timestamp_millis(millis, &random).into_uuid(),
        ))
    }
}

impl ConversationId {
    /// A UUID v7 from the start time and 10 bytes from a CSPRNG, as `TicketId::mint`.
    pub fn mint(now: Timestamp, random: [u8; 10]) -> Self {
        let millis = u64::try_from(now.millis()).unwrap_or(0);
        Self(simple(
            Builder::from_unix_timestamp_millis(millis, &random).into_uuid(),
        ))
    }
}

impl VisitorId {
    /// A UUID v4 from 16 bytes the caller got from a CSPRNG (122 of their bits are used).
    pub fn mint(random: [u8; 16]) -> Self {
        Self(simple(Builder::from_random_bytes(random).into_uuid()))
    }
}

/// The client's `Idempotency-Key`: a UUID v4 (RFC 9562), hyphenated or simple, any case — the
/// widget's `crypto.randomUUID()`. The rule is the version, because that is what makes a key
/// unguessable: a v4 carries 122 random bits, so two drafts never collide and nobody can guess
/// another visitor's key to read their ticket back through a replay. (A v7 carries only 74, and
/// arbitrary strings may carry none.) Kept in the canonical hyphenated lowercase form, so
/// `ABC…` and `abc…` are one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::Required);
        }
        // Only the two plain forms (`Uuid::try_parse` also takes braces and `urn:uuid:`).
        if raw.len() != 32 && raw.len() != 36 {
            return Err(FieldError::InvalidFormat);
        }
        match Uuid::try_parse(raw) {
            Ok(uuid) if uuid.get_version_num() == 4 && uuid.get_variant() == Variant::RFC4122 => {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                Ok(Self(uuid.hyphenated().encode_lower(&mut buf).to_owned()))
            }
            _ => Err(FieldError::InvalidFormat),
        }
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
    fn ticket_ids_are_v7_in_the_stored_shape_and_sort_by_time() {
        let random = [0xab; 10];
        let id = TicketId::mint(Timestamp::from_millis(1_795_427_280_000), random);
        assert_eq!(id.as_ref().len(), 32);
        assert_eq!(TicketId::parse(id.as_ref()).unwrap(), id);
        let uuid = Uuid::parse_str(id.as_ref()).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
        assert_eq!(uuid.get_variant(), Variant::RFC4122);
        // The first 48 bits are the milliseconds.
        assert_eq!(
            &id.as_ref()[..12],
            format!("{:012x}", 1_795_427_280_000_u64)
        );
        let later = TicketId::mint(Timestamp::from_millis(1_795_427_280_001), [0; 10]);
        assert!(
            later > id,
            "a later ticket sorts after, whatever its random bits"
        );
        let other = TicketId::mint(Timestamp::from_millis(1_795_427_280_000), [0xac; 10]);
        assert_ne!(other, id, "the random bits are used");
    }

    #[test]
    fn visitor_ids_are_v4_in_the_stored_shape() {
        let bytes: [u8; 16] = core::array::from_fn(|i| i as u8);
        let visitor = VisitorId::mint(bytes);
        // The version nibble (4) and the variant bits (10xx) replace 6 of the 128 bits.
        assert_eq!(visitor.as_ref(), "000102030405460788090a0b0c0d0e0f");
        assert_eq!(VisitorId::parse(visitor.as_ref()).unwrap(), visitor);
        assert_ne!(VisitorId::mint([1; 16]), VisitorId::mint([2; 16]));
    }

    #[test]
    fn ids_refuse_other_shapes_and_accept_older_rows() {
        for bad in ["", "abc", &"A".repeat(32), &"g".repeat(32), &"a".repeat(33)] {
            assert_eq!(
                TicketId::parse(bad),
                Err(FieldError::InvalidFormat),
                "{bad}"
            );
        }
        // Ids minted before UUIDs (random hex) still parse: the stored shape did not change.
        assert!(TicketId::parse(&"ab".repeat(16)).is_ok());
    }

    #[test]
    fn idempotency_keys_are_uuid_v4() {
        let uuid = "3f2b8c1e-2f4e-4d2a-9a4b-1c2d3e4f5a6b";
        assert_eq!(IdempotencyKey::parse(uuid).unwrap().as_ref(), uuid);
        // The simple and upper-case forms are the same key.
        for same in [
            "3f2b8c1e2f4e4d2a9a4b1c2d3e4f5a6b",
            "3F2B8C1E-2F4E-4D2A-9A4B-1C2D3E4F5A6B",
        ] {
            assert_eq!(IdempotencyKey::parse(same).unwrap().as_ref(), uuid);
        }
        assert_eq!(IdempotencyKey::parse(""), Err(FieldError::Required));
        for bad in [
            "short",
            "has a space in it",
            &"k".repeat(256),
            // A v7: only 74 random bits.
            "019ab3c4-5d6e-7f80-9a4b-1c2d3e4f5a6b",
            // A v4 shape with the wrong variant.
            "3f2b8c1e-2f4e-4d2a-ca4b-1c2d3e4f5a6b",
            "{3f2b8c1e-2f4e-4d2a-9a4b-1c2d3e4f5a6b}",
            "urn:uuid:3f2b8c1e-2f4e-4d2a-9a4b-1c2d3e4f5a6b",
            // 32 random-looking hex digits that are not a v4.
            "3f2b8c1e2f4e0d2a9a4b1c2d3e4f5a6b",
        ] {
            assert_eq!(
                IdempotencyKey::parse(bad),
                Err(FieldError::InvalidFormat),
                "{bad}"
            );
        }
    }
}
