//! A map an isolate keeps between requests, bounded in the age of its entries and in their
//! number: what the site cache and the credential hints are made of.

use std::cell::RefCell;
use std::collections::HashMap;

use ticketbooth_shared::timestamp::Timestamp;

pub struct AgedMap<V> {
    ttl_ms: i64,
    capacity: usize,
    /// Key → the value and when it was read.
    entries: RefCell<HashMap<String, (V, i64)>>,
}

impl<V: Clone> AgedMap<V> {
    /// A map whose entries are used for `ttl_ms` (none when it is not positive), at most
    /// `capacity` of them.
    pub fn new(ttl_ms: i64, capacity: usize) -> Self {
        Self {
            ttl_ms,
            capacity,
            entries: RefCell::default(),
        }
    }

    /// The value read less than the TTL ago (and not in the future: a clock that went back
    /// does not stretch an entry's life).
    pub fn get(&self, key: &str, now: Timestamp) -> Option<V> {
        let entries = self.entries.borrow();
        let (value, read_at) = entries.get(key)?;
        (0..self.ttl_ms)
            .contains(&(now.millis() - read_at))
            .then(|| value.clone())
    }

    /// Remembers what was just read under `key`; when full, the oldest entry goes.
    pub fn put(&self, key: &str, value: V, now: Timestamp) {
        if self.ttl_ms <= 0 {
            return;
        }
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (_, read_at))| *read_at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(key.to_owned(), (value, now.millis()));
    }

    pub fn remove(&self, key: &str) {
        self.entries.borrow_mut().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_000_000;

    #[test]
    fn entries_live_for_the_ttl_and_the_oldest_goes_when_full() {
        let map = AgedMap::new(100, 2);
        let at = Timestamp::from_millis;
        map.put("a", 1, at(T0));
        map.put("b", 2, at(T0 + 10));
        assert_eq!(map.get("a", at(T0 + 99)), Some(1));
        assert_eq!(map.get("a", at(T0 + 100)), None, "expired");
        assert_eq!(map.get("a", at(T0 - 1)), None, "read in the future");
        map.put("c", 3, at(T0 + 20));
        assert_eq!(map.get("a", at(T0 + 20)), None, "the oldest went");
        assert_eq!(map.get("b", at(T0 + 20)), Some(2));
        map.put("b", 4, at(T0 + 30));
        assert_eq!(
            map.get("c", at(T0 + 30)),
            Some(3),
            "a new value for a key evicts nothing"
        );
        map.remove("b");
        assert_eq!(map.get("b", at(T0 + 30)), None);
        let off = AgedMap::new(0, 2);
        off.put("a", 1, at(T0));
        assert_eq!(off.get("a", at(T0)), None, "no TTL: nothing kept");
    }
}
