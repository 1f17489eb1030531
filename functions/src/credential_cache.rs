//! Whom a credential (an API token or a session, by hash) named when this isolate last read
//! it, so that the two most frequent operator requests can build their one batch without
//! reading the credential first: a status change (`ticket_actions::change_status_at_once`)
//! and the ticket list (`dashboard::list_at_once`).
//!
//! A hint, never proof. The status change's batch checks, in its first statement and in the
//! same snapshot as its writes, that the credential still names that operator on that site
//! with that role (a session also within its limits); the list's batch starts with the
//! statements that sign a request in and its page is used only if they name the same. When
//! they do not (revoked, expired, role changed, member removed), nothing is written or shown
//! and the request takes the path that reads the credential first, which refuses it. Every
//! other route reads the credential as before. So a stale entry costs one more round trip,
//! never a request the credential could no longer make.
//!
//! Bounded: entries older than `TTL_MS` are not used; at most `CAPACITY`, the oldest going.

use std::cell::RefCell;
use std::collections::HashMap;

use ticketbooth_shared::timestamp::Timestamp;

use crate::service::operators::Operator;

/// How long an entry is used as a hint. Being wrong only costs a round trip, so this bounds
/// memory and the cost of a token that keeps failing, not a security window.
pub const TTL_MS: i64 = 300_000;
/// Tokens per isolate: a few integrations and scripts at a time in practice.
pub const CAPACITY: usize = 256;

#[derive(Default)]
pub struct CredentialCache {
    /// Token hash → the operator it named and when that was read.
    entries: RefCell<HashMap<String, (Operator, i64)>>,
}

impl CredentialCache {
    /// The operator `token_hash` named less than `TTL_MS` ago.
    pub fn get(&self, token_hash: &str, now: Timestamp) -> Option<Operator> {
        let entries = self.entries.borrow();
        let (op, read_at) = entries.get(token_hash)?;
        let age = now.millis() - read_at;
        (0..TTL_MS).contains(&age).then(|| op.clone())
    }

    /// Remembers what reading `token_hash` just found.
    pub fn put(&self, token_hash: &str, op: &Operator, now: Timestamp) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= CAPACITY && !entries.contains_key(token_hash) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (_, read_at))| *read_at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(token_hash.to_owned(), (op.clone(), now.millis()));
    }

    /// Forgets a token whose hint proved wrong.
    pub fn forget(&self, token_hash: &str) {
        self.entries.borrow_mut().remove(token_hash);
    }
}
