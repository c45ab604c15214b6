//! A small in-process map whose entries expire: for answers that may be a
//! moment old without harm (the header's unread count), so that a busy
//! user's pages do not each cost another service call. Bounded: when full,
//! the least used entries go (moka's TinyLFU).

use std::hash::Hash;
use std::time::Duration;

/// A `moka` cache whose entries live `ttl`, at most `capacity` of them.
#[derive(Clone)]
pub struct TtlCache<K, V> {
    entries: moka::sync::Cache<K, V>,
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(capacity.max(1) as u64)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// The value kept for `key`, if it has not expired.
    pub fn get(&self, key: &K) -> Option<V> {
        self.entries.get(key)
    }

    pub fn insert(&self, key: K, value: V) {
        self.entries.insert(key, value);
    }

    /// Forgets `key` (its value changed through us).
    pub fn remove(&self, key: &K) {
        self.entries.invalidate(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_are_forgotten_and_stay_bounded() {
        let cache = TtlCache::new(Duration::from_millis(50), 2);
        cache.insert("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.remove(&"a");
        assert_eq!(cache.get(&"a"), None);
        cache.insert("a", 1);
        cache.insert("b", 2);
        cache.insert("c", 3);
        assert_eq!(cache.get(&"c"), Some(3));
        cache.entries.run_pending_tasks();
        assert!(cache.entries.entry_count() <= 2);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&"c"), None);
    }
}
