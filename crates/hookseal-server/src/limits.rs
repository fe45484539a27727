//! Per-client limits, shared by the listeners (open connections) and the
//! gateway (requests in progress), and the gateway's budget of request bodies
//! in memory, shared fairly between clients ([`BodyBudget`]). A client is
//! what [`hookseal::ip::limit_key`] makes of an address: an IPv4 address, or
//! an IPv6 /64.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// How many places each client holds, at most `max`.
pub struct PerClient {
    max: usize,
    used: Mutex<HashMap<IpAddr, usize>>,
}

/// One of a client's places, given back when dropped.
pub struct Place {
    owner: Arc<PerClient>,
    key: IpAddr,
}

impl PerClient {
    pub fn new(max: usize) -> Arc<PerClient> {
        Arc::new(PerClient {
            max,
            used: Mutex::new(HashMap::new()),
        })
    }

    fn used(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.used.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes one of the places of `ip`'s client, if it has one left.
    pub fn take(self: &Arc<Self>, ip: IpAddr) -> Option<Place> {
        let key = hookseal::ip::limit_key(ip);
        let mut m = self.used();
        let places = m.entry(key).or_default();
        if *places >= self.max {
            return None;
        }
        *places += 1;
        Some(Place {
            owner: self.clone(),
            key,
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut m = self.owner.used();
        if let Some(places) = m.get_mut(&self.key) {
            *places -= 1;
            if *places == 0 {
                m.remove(&self.key);
            }
        }
    }
}

/// Memory for request bodies (KiB), all clients together, shared fairly.
///
/// Room for a body is taken before it is read (its declared length, or its
/// source's limit) and given back when its request is answered. While there
/// is room, anyone takes it. When there is not, a client holding less than
/// an equal share (the budget divided by the clients holding any) may take
/// room back from the client holding the most above that share: one of that
/// client's bodies still being read is evicted (its request is answered 503,
/// and its room is free at once). Bodies already read — being verified and
/// stored — are never evicted. So a few clients that declare large bodies
/// and send them slowly (or not at all) cannot hold every other client out:
/// they keep their share, and whoever needs room takes it from the largest.
pub struct BodyBudget {
    total: u32,
    inner: Mutex<Budget>,
}

#[derive(Default)]
struct Budget {
    free: u32,
    next: u64,
    clients: HashMap<IpAddr, Holder>,
}

/// One client's room: all it holds, and the bodies still being read
/// (evictable) with their room.
#[derive(Default)]
struct Holder {
    held: u32,
    reading: Vec<(u64, u32, Arc<HoldState>)>,
}

#[derive(Default)]
struct HoldState {
    evicted: std::sync::atomic::AtomicBool,
    wake: tokio::sync::Notify,
}

/// Room for one body, given back when dropped (unless it was evicted, which
/// gave it back already).
pub struct BodyHold {
    budget: Arc<BodyBudget>,
    key: IpAddr,
    id: u64,
    kib: u32,
    state: Arc<HoldState>,
}

impl BodyBudget {
    /// A budget of `total_kib` KiB (at least 1).
    pub fn new(total_kib: u32) -> Arc<BodyBudget> {
        let total = total_kib.max(1);
        Arc::new(BodyBudget {
            total,
            inner: Mutex::new(Budget {
                free: total,
                ..Default::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Budget> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Room for a body of `kib` (at most the whole budget) for `ip`'s client,
    /// evicting a larger holder's unfinished body if the client is under its
    /// share; None when there is no room it may take.
    pub fn hold(self: &Arc<Self>, ip: IpAddr, kib: u32) -> Option<BodyHold> {
        let key = hookseal::ip::limit_key(ip);
        let kib = kib.clamp(1, self.total);
        let mut b = self.lock();
        while b.free < kib {
            let mine = b.clients.get(&key).map_or(0, |h| h.held);
            let holders =
                b.clients.values().filter(|h| h.held > 0).count() + usize::from(mine == 0);
            let share = self.total / holders.max(1) as u32;
            if mine.saturating_add(kib) > share {
                return None;
            }
            // The client holding the most above its share, with a body to give.
            let victim = b
                .clients
                .iter()
                .filter(|(k, h)| **k != key && h.held > share && !h.reading.is_empty())
                .max_by_key(|(_, h)| h.held)
                .map(|(k, _)| *k)?;
            let h = b.clients.get_mut(&victim).expect("just found");
            // Its largest unfinished body.
            let at = h
                .reading
                .iter()
                .enumerate()
                .max_by_key(|(_, r)| r.1)
                .map(|(i, _)| i)
                .expect("not empty");
            let (_, room, state) = h.reading.swap_remove(at);
            h.held -= room;
            if h.held == 0 && h.reading.is_empty() {
                b.clients.remove(&victim);
            }
            b.free += room;
            state
                .evicted
                .store(true, std::sync::atomic::Ordering::Release);
            state.wake.notify_one();
        }
        b.free -= kib;
        b.next += 1;
        let id = b.next;
        let state = Arc::new(HoldState::default());
        let h = b.clients.entry(key).or_default();
        h.held += kib;
        h.reading.push((id, kib, state.clone()));
        Some(BodyHold {
            budget: self.clone(),
            key,
            id,
            kib,
            state,
        })
    }

    /// KiB free now.
    pub fn free(&self) -> u32 {
        self.lock().free
    }
}

impl BodyHold {
    /// Completes when this body's room was taken back for another client.
    pub async fn evicted(&self) {
        while !self
            .state
            .evicted
            .load(std::sync::atomic::Ordering::Acquire)
        {
            self.state.wake.notified().await;
        }
    }

    /// The body has been read: it can no longer be evicted. False if it was
    /// evicted first (its room is gone; answer as evicted).
    pub fn finished_reading(&self) -> bool {
        let mut b = self.budget.lock();
        if self
            .state
            .evicted
            .load(std::sync::atomic::Ordering::Acquire)
        {
            return false;
        }
        if let Some(h) = b.clients.get_mut(&self.key) {
            h.reading.retain(|r| r.0 != self.id);
        }
        true
    }
}

impl Drop for BodyHold {
    fn drop(&mut self) {
        let mut b = self.budget.lock();
        if self
            .state
            .evicted
            .load(std::sync::atomic::Ordering::Acquire)
        {
            return;
        }
        b.free += self.kib;
        if let Some(h) = b.clients.get_mut(&self.key) {
            h.held -= self.kib;
            h.reading.retain(|r| r.0 != self.id);
            if h.held == 0 && h.reading.is_empty() {
                b.clients.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn places_per_client_come_back_when_dropped() {
        let pc = PerClient::new(2);
        let a = pc.take(ip("2001:db8::1")).unwrap();
        // The same /64: one client.
        let b = pc.take(ip("2001:db8::ffff")).unwrap();
        assert!(pc.take(ip("2001:db8::2")).is_none());
        assert!(pc.take(ip("192.0.2.1")).is_some(), "another client");
        drop(b);
        let c = pc.take(ip("2001:db8::3")).unwrap();
        drop(a);
        drop(c);
        assert!(pc.used().is_empty());
    }

    /// Eight clients that declared large bodies and hold them fill the
    /// budget; a ninth still gets room for its small body, taken from the
    /// largest holder, whose body is told it was evicted.
    #[test]
    fn a_client_under_its_share_takes_room_from_the_largest() {
        let budget = BodyBudget::new(8 * 1024);
        let mut slow = Vec::new();
        for i in 1..=8 {
            // Each asks for 4 MiB in 1 MiB bodies: the first come take it all,
            // the later ones take back down to an equal share.
            for _ in 0..4 {
                if let Some(h) = budget.hold(ip(&format!("10.0.0.{i}")), 1024) {
                    slow.push(h);
                }
            }
        }
        assert_eq!(budget.free(), 0);
        let live: Vec<_> = slow
            .iter()
            .filter(|h| !h.state.evicted.load(std::sync::atomic::Ordering::Acquire))
            .collect();
        for i in 1..=8 {
            let held: u32 = live
                .iter()
                .filter(|h| h.key == ip(&format!("10.0.0.{i}")))
                .map(|h| h.kib)
                .sum();
            assert_eq!(held, 1024, "client {i} holds its equal share");
        }
        let evicted = |slow: &[BodyHold]| {
            slow.iter()
                .filter(|h| h.state.evicted.load(std::sync::atomic::Ordering::Acquire))
                .count()
        };
        let before = evicted(&slow);
        // The ninth: a 2 KiB webhook.
        let ninth = budget.hold(ip("10.0.0.9"), 2).expect("room for the ninth");
        assert!(ninth.finished_reading());
        assert_eq!(evicted(&slow), before + 1, "one body evicted for the ninth");
        // A client at its share cannot take more by evicting others.
        assert!(budget.hold(ip("10.0.0.1"), 1024).is_none());
        // Bodies already read are not evicted: with every body finished,
        // nobody takes room from anybody.
        for h in &slow {
            h.finished_reading();
        }
        assert!(budget.hold(ip("10.0.0.10"), 1024).is_none());
        drop(ninth);
        drop(slow);
        assert_eq!(budget.free(), 8 * 1024, "everything given back once");
        assert!(budget.lock().clients.is_empty());
    }

    #[tokio::test]
    async fn an_evicted_body_is_told() {
        let budget = BodyBudget::new(1024);
        let big = budget.hold(ip("10.0.0.1"), 1024).unwrap();
        let waiter = tokio::spawn(async move {
            big.evicted().await;
            big.finished_reading()
        });
        tokio::task::yield_now().await;
        let small = budget.hold(ip("10.0.0.2"), 1).unwrap();
        assert!(!waiter.await.unwrap(), "evicted before it finished reading");
        drop(small);
        assert_eq!(budget.free(), 1024);
    }
}
