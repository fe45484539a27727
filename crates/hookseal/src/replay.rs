//! Replay protection: a message id accepted once is refused while it could
//! still pass the timestamp window.
//!
//! [`ReplayGuard`] is the seam: this crate ships [`MemoryReplayGuard`], a bounded
//! in-process map good for one node; a server plugs in a durable guard (a table
//! with a unique key) so restarts and several nodes share what was seen.

use std::collections::HashMap;
use std::sync::Mutex;

/// Remembers which (source, id) pairs were accepted.
pub trait ReplayGuard: Send + Sync {
    /// Records `id` for `source` until `expires_at` (Unix seconds). Returns
    /// `false` when the pair was already recorded and has not expired — that
    /// is, a replay. Must be atomic: two concurrent calls with the same pair
    /// must not both return `true`.
    fn check_and_record(&self, source: &str, id: &str, expires_at: i64, now: i64) -> bool;

    /// Drops the record of `id` for `source` (the message could not be
    /// processed, so the sender's retry must be accepted).
    fn forget(&self, source: &str, id: &str);
}

/// A fixed-size key for (source, id): memory per entry stays constant however
/// long the ids an attacker manages to get recorded are.
fn slot(source: &str, id: &str) -> [u8; 16] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&(source.len() as u64).to_le_bytes());
    ctx.update(source.as_bytes());
    ctx.update(id.as_bytes());
    let d = ctx.finish();
    let mut k = [0u8; 16];
    k.copy_from_slice(&d.as_ref()[..16]);
    k
}

/// An in-memory guard with a capacity bound. When full, expired entries are
/// purged; if it is still full the oldest-expiring entries are evicted (so a
/// flood of unique ids degrades protection for the oldest ids instead of
/// exhausting memory).
pub struct MemoryReplayGuard {
    inner: Mutex<HashMap<[u8; 16], i64>>,
    capacity: usize,
}

impl MemoryReplayGuard {
    /// A guard holding at most `capacity` ids.
    pub fn new(capacity: usize) -> Self {
        MemoryReplayGuard {
            inner: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// How many ids are held.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no id is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryReplayGuard {
    fn default() -> Self {
        MemoryReplayGuard::new(100_000)
    }
}

impl MemoryReplayGuard {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 16], i64>> {
        match self.inner.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn check_and_record(&self, source: &str, id: &str, expires_at: i64, now: i64) -> bool {
        let key = slot(source, id);
        let mut map = self.map();
        if let Some(&exp) = map.get(&key) {
            if exp > now {
                return false;
            }
        }
        if map.len() >= self.capacity && !map.contains_key(&key) {
            map.retain(|_, &mut exp| exp > now);
            if map.len() >= self.capacity {
                // Evict a tenth: the entries that expire soonest.
                let mut soonest: Vec<([u8; 16], i64)> = map.iter().map(|(k, v)| (*k, *v)).collect();
                let cut = (self.capacity / 10).max(1).min(soonest.len());
                soonest.select_nth_unstable_by_key(cut - 1, |e| e.1);
                for (k, _) in &soonest[..cut] {
                    map.remove(k);
                }
            }
        }
        map.insert(key, expires_at);
        true
    }

    fn forget(&self, source: &str, id: &str) {
        self.map().remove(&slot(source, id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_inside_window_and_forgets_after() {
        let g = MemoryReplayGuard::new(10);
        assert!(g.check_and_record("s", "a", 100, 0));
        assert!(!g.check_and_record("s", "a", 100, 50));
        assert!(
            g.check_and_record("other", "a", 100, 50),
            "sources are separate"
        );
        assert!(
            g.check_and_record("s", "a", 300, 101),
            "expired entries are forgotten"
        );
    }

    #[test]
    fn bounded() {
        let g = MemoryReplayGuard::new(100);
        for i in 0..10_000 {
            assert!(g.check_and_record("s", &i.to_string(), 1_000 + i, 0));
        }
        assert!(g.len() <= 100);
        assert!(
            !g.check_and_record("s", "9999", 5_000, 0),
            "newest ids are kept"
        );
    }
}
