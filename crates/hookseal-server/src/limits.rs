//! Per-client limits, shared by the listeners (open connections) and the
//! gateway (requests in progress, and the room their bodies take). A client
//! is what [`hookseal::ip::limit_key`] makes of an address: an IPv4 address,
//! or an IPv6 /64.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// How many places each client holds, at most `max`, and how much of an
/// amount counted alongside (the gateway's body KiB).
pub struct PerClient {
    max: usize,
    used: Mutex<HashMap<IpAddr, Use>>,
}

#[derive(Default)]
struct Use {
    places: usize,
    amount: u32,
}

/// One of a client's places (and what it added to the client's amount),
/// given back when dropped.
pub struct Place {
    owner: Arc<PerClient>,
    key: IpAddr,
    amount: u32,
}

impl PerClient {
    pub fn new(max: usize) -> Arc<PerClient> {
        Arc::new(PerClient {
            max,
            used: Mutex::new(HashMap::new()),
        })
    }

    fn used(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Use>> {
        self.used.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes one of the places of `ip`'s client, if it has one left.
    pub fn take(self: &Arc<Self>, ip: IpAddr) -> Option<Place> {
        let key = hookseal::ip::limit_key(ip);
        let mut m = self.used();
        let u = m.entry(key).or_default();
        if u.places >= self.max {
            return None;
        }
        u.places += 1;
        Some(Place {
            owner: self.clone(),
            key,
            amount: 0,
        })
    }
}

impl Place {
    /// Adds `amount` to what this place's client holds, if that stays
    /// within `cap`; it is given back with the place.
    pub fn add(&mut self, amount: u32, cap: u32) -> bool {
        let mut m = self.owner.used();
        let Some(u) = m.get_mut(&self.key) else {
            return false;
        };
        if u.amount.saturating_add(amount) > cap {
            return false;
        }
        u.amount += amount;
        self.amount += amount;
        true
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut m = self.owner.used();
        if let Some(u) = m.get_mut(&self.key) {
            u.places -= 1;
            u.amount -= self.amount;
            if u.places == 0 {
                m.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_and_amounts_per_client_come_back_when_dropped() {
        let pc = PerClient::new(2);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut a = pc.take(ip("2001:db8::1")).unwrap();
        // The same /64: one client.
        let b = pc.take(ip("2001:db8::ffff")).unwrap();
        assert!(pc.take(ip("2001:db8::2")).is_none());
        assert!(pc.take(ip("192.0.2.1")).is_some(), "another client");
        assert!(a.add(6, 10));
        assert!(!a.add(5, 10), "past the cap");
        drop(b);
        let mut c = pc.take(ip("2001:db8::3")).unwrap();
        assert!(!c.add(5, 10), "a's 6 still count for the client");
        drop(a);
        assert!(c.add(10, 10), "a gave back its place and its amount");
        drop(c);
        assert!(pc.used().is_empty());
    }
}
