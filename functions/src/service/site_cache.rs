//! The sites a public request needs, kept in the isolate so that a widget request costs one
//! D1 round trip (the batch or the read it came for), not two.
//!
//! Staleness bound: an entry is used for at most `TTL_MS` after it was read. Settings saved
//! through this isolate drop its entry at once; another isolate sees the change within
//! `TTL_MS`. Bounded: at most `CAPACITY` sites; when full, the oldest entry goes.

use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use crate::infra::aged_map::AgedMap;
use crate::service::ServiceError;
use crate::service::sites::{self, Site};
use crate::store::Executor;

/// How long a cached site is trusted. Short: a site owner who switches ticketing off expects
/// it to take effect within moments everywhere.
pub const TTL_MS: i64 = 30_000;
/// Sites per isolate; one isolate serves a few sites at a time in practice.
pub const CAPACITY: usize = 512;

pub struct SiteCache(AgedMap<Site>);

impl SiteCache {
    pub fn new(ttl_ms: i64) -> Self {
        Self(AgedMap::new(ttl_ms, CAPACITY))
    }

    /// The cached site, if it was read less than the TTL ago.
    pub fn get(&self, key: &SiteKey, now: Timestamp) -> Option<Site> {
        self.0.get(key.as_ref(), now)
    }

    pub fn put(&self, site: Site, now: Timestamp) {
        let key = site.key.as_ref().to_owned();
        self.0.put(&key, site, now);
    }

    /// Forgets a site whose row this isolate just changed.
    pub fn invalidate(&self, key: &SiteKey) {
        self.0.remove(key.as_ref());
    }
}

/// `sites::load` through the isolate's cache: no round trip while the entry is fresh.
pub async fn load<E: Executor>(
    db: &E,
    cache: &SiteCache,
    key: &SiteKey,
    now: Timestamp,
) -> Result<Site, ServiceError> {
    if let Some(site) = cache.get(key, now) {
        return Ok(site);
    }
    let site = sites::load(db, key).await?;
    cache.put(site.clone(), now);
    Ok(site)
}
