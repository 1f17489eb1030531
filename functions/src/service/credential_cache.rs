//! Whom a credential (an API token or a session, by hash) named when this isolate last read
//! it, so that the most frequent operator requests can build their one batch without reading
//! the credential first: a status change (`ticket_actions::change_status_at_once`), the ticket
//! list and a ticket's page, in the dashboard and the API (`context::operator::read_as_hinted`).
//!
//! A hint, never proof. The status change's batch checks, in its first statement and in the
//! same snapshot as its writes, that the credential still names that operator on that site
//! with that role (a session also within its limits); a page's batch starts with the
//! statements that sign a request in and the page is used only if they name the same. When
//! they do not (revoked, expired, role changed, member removed), nothing is written or shown
//! and the request takes the path that reads the credential first, which refuses it. Every
//! other route reads the credential as before. So a stale entry costs one more round trip,
//! never a request the credential could no longer make.
//!
//! Bounded: entries older than `TTL_MS` are not used; at most `CAPACITY`, the oldest going.

use ticketbooth_shared::timestamp::Timestamp;

use crate::infra::aged_map::AgedMap;
use crate::service::operators::Operator;

/// How long an entry is used as a hint. Being wrong only costs a round trip, so this bounds
/// memory and the cost of a credential that keeps failing, not a security window.
pub const TTL_MS: i64 = 300_000;
/// Credentials per isolate: a few operators and scripts at a time in practice.
pub const CAPACITY: usize = 256;

/// Credential hash (SHA-256 hex of a token or a session cookie) → the operator it named.
pub struct CredentialCache(AgedMap<Operator>);

impl Default for CredentialCache {
    fn default() -> Self {
        Self(AgedMap::new(TTL_MS, CAPACITY))
    }
}

impl CredentialCache {
    /// The operator `hash` named less than `TTL_MS` ago.
    pub fn get(&self, hash: &str, now: Timestamp) -> Option<Operator> {
        self.0.get(hash, now)
    }

    /// Remembers what reading `hash` just found.
    pub fn put(&self, hash: &str, op: &Operator, now: Timestamp) {
        self.0.put(hash, op.clone(), now);
    }

    /// Forgets a credential whose hint proved wrong.
    pub fn forget(&self, hash: &str) {
        self.0.remove(hash);
    }
}
