//! The sites a public request needs, kept in the isolate so that a widget request costs one
//! D1 round trip (the batch or the read it came for), not two.
//!
//! Staleness bound: an entry is used for at most `TTL_MS` after it was read. Settings saved
//! through this isolate drop its entry at once; another isolate sees the change within
//! `TTL_MS`. Bounded: at most `CAPACITY` sites; when full, the oldest entry goes.

use std::cell::RefCell;
use std::collections::HashMap;

use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use crate::service::sites::Site;

/// How long a cached site is trusted. Short: a site owner who switches ticketing off expects
/// it to take effect within moments everywhere.
pub const TTL_MS: i64 = 30_000;
/// Sites per isolate; one isolate serves a few sites at a time in practice.
pub const CAPACITY: usize = 512;

pub struct SiteCache {
    ttl_ms: i64,
    entries: RefCell<HashMap<String, (Site, i64)>>,
}

impl SiteCache {
    pub fn new(ttl_ms: i64) -> Self {
        Self {
            ttl_ms,
            entries: RefCell::default(),
        }
    }

    /// The cached site, if it was read less than the TTL ago.
    pub fn get(&self, key: &SiteKey, now: Timestamp) -> Option<Site> {
        let entries = self.entries.borrow();
        let (site, read_at) = entries.get(key.as_ref())?;
        (now.millis() - read_at < self.ttl_ms && now.millis() >= *read_at).then(|| site.clone())
    }

    pub fn put(&self, site: Site, now: Timestamp) {
        if self.ttl_ms <= 0 {
            return;
        }
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= CAPACITY && !entries.contains_key(site.key.as_ref()) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (_, read_at))| *read_at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(site.key.as_ref().to_owned(), (site, now.millis()));
    }

    /// Forgets a site whose row this isolate just changed.
    pub fn invalidate(&self, key: &SiteKey) {
        self.entries.borrow_mut().remove(key.as_ref());
    }
}
