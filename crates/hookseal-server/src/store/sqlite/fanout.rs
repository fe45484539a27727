//! Publishing's fan-out: an application's (or a source's) enabled endpoints,
//! cached on the writer thread, and the hand-off of new deliveries.

use super::*;

/// Enabled endpoints with their secrets (and their application's rate
/// limit), as the writer thread last read them.
pub(super) type Targets = std::rc::Rc<Vec<(Endpoint, Vec<SealedSecret>, Option<u32>)>>;

/// Which endpoints a fan-out goes over: an application's, or those
/// forwarding a source.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum TargetKey {
    App(String),
    Source(String),
}

/// At most this many applications' (and sources') endpoints are cached
/// (some 2.5 KiB each with 3 endpoints); past it, one is forgotten for each
/// one added.
pub(super) const TARGETS_CACHED: usize = 2048;

thread_local! {
    /// The enabled endpoints (with their secrets) of each application and
    /// source published to lately: every publish fans out over these. Only
    /// the writer thread runs jobs, so only it fills this; every endpoint,
    /// endpoint-secret or application write, and any failed commit, clears it.
    pub(super) static TARGETS: std::cell::RefCell<std::collections::HashMap<TargetKey, Targets>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    /// Applications' ids by id or uid, as published to lately (cleared with
    /// `TARGETS`).
    pub(super) static APPS: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    /// The writer's hand-off to the delivery engine, if the server gave one.
    pub(super) static HANDOFF: std::cell::RefCell<Option<Handoff>> =
        const { std::cell::RefCell::new(None) };
    /// Deliveries inserted leased in the running transaction, handed off once
    /// it commits; and whether any was inserted unleased (the engine is then
    /// woken to claim it).
    pub(super) static PENDING: std::cell::RefCell<Vec<Claimed>> =
        const { std::cell::RefCell::new(Vec::new()) };
    pub(super) static UNLEASED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether an endpoint taking `endpoint` channels gets a message on
/// `message` channels: an endpoint without channels takes every message; one
/// with channels, the messages that share one.
pub(crate) fn channels_match(endpoint: Option<&[String]>, message: Option<&[String]>) -> bool {
    match endpoint {
        None => true,
        Some(eps) => message.is_some_and(|ms| ms.iter().any(|m| eps.contains(m))),
    }
}

pub(super) fn invalidate_targets() {
    TARGETS.with(|t| t.borrow_mut().clear());
    APPS.with(|a| a.borrow_mut().clear());
}

/// At most this many applications' ids (by id or uid) are cached.
pub(super) const APPS_CACHED: usize = 16384;

/// An application's id from its id or uid, as the writer thread last read
/// it (NotFound when there is none).
pub(super) fn resolve_app(c: &Connection, id_or_uid: &str) -> Result<String> {
    if let Some(id) = APPS.with(|a| a.borrow().get(id_or_uid).cloned()) {
        return Ok(id);
    }
    let id: String = c
        .prepare_cached(
            "SELECT id FROM applications WHERE id = ?1 \
             UNION ALL SELECT id FROM applications WHERE uid = ?1 LIMIT 1",
        )?
        .query_row([id_or_uid], |r| r.get(0))?;
    APPS.with(|a| {
        let mut a = a.borrow_mut();
        if a.len() >= APPS_CACHED {
            if let Some(k) = a.keys().next().cloned() {
                a.remove(&k);
            }
        }
        a.insert(id_or_uid.to_string(), id.clone());
    });
    Ok(id)
}

/// After a commit: the leased deliveries go to the engine, and the engine is
/// woken for unleased ones.
pub(super) fn hand_off_pending() {
    let pending = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let unleased = UNLEASED.with(|u| u.replace(false));
    HANDOFF.with(|h| {
        if let Some(h) = h.borrow().as_ref() {
            for c in pending {
                h.send(c);
            }
            if unleased {
                h.wake.notify_one();
            }
        }
    });
}

/// Forgets the pending hand-offs past `keep` (their rows were rolled back).
pub(super) fn drop_pending(keep: usize) {
    let n = PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let n = p.len().saturating_sub(keep);
        p.truncate(keep);
        n
    });
    if keep == 0 {
        UNLEASED.with(|u| u.set(false));
    }
    HANDOFF.with(|h| {
        if let Some(h) = h.borrow().as_ref() {
            h.release(n);
        }
    });
}

pub(super) fn fan_out_targets(c: &Connection, key: &DataKey, which: &TargetKey) -> Result<Targets> {
    if let Some(t) = TARGETS.with(|t| t.borrow().get(which).cloned()) {
        return Ok(t);
    }
    let (cond, arg) = match which {
        TargetKey::App(id) => ("e.app_id = ?1", id),
        TargetKey::Source(name) => ("e.source = ?1", name),
    };
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols}, a.rate_limit FROM endpoints e LEFT JOIN applications a ON a.id = e.app_id \
         WHERE {cond} AND e.enabled = 1",
        cols = EP_COLS
            .split(", ")
            .map(|c| format!("e.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let n = EP_COLS.split(',').count();
    let endpoints: Vec<(Endpoint, Option<u32>)> = st
        .query_map([arg], |r| Ok((endpoint_row_with(key, r)?, r.get(n)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // Their secrets in one query (not one per endpoint: an application may
    // have many), newest first as `secrets_of` gives them.
    let mut secrets: std::collections::HashMap<String, Vec<SealedSecret>> =
        std::collections::HashMap::new();
    let mut st = c.prepare_cached(&format!(
        "SELECT s.endpoint_id, s.sealed, s.created_at, s.expires_at FROM endpoint_secrets s \
         JOIN endpoints e ON e.id = s.endpoint_id WHERE {cond} AND e.enabled = 1 \
         ORDER BY s.endpoint_id, s.created_at DESC, s.id DESC"
    ))?;
    let rows = st.query_map([arg], |r| Ok((r.get::<_, String>(0)?, secret_row(r, 1)?)))?;
    for row in rows {
        let (id, secret) = row?;
        secrets.entry(id).or_default().push(secret);
    }
    let targets: Vec<(Endpoint, Vec<SealedSecret>, Option<u32>)> = endpoints
        .into_iter()
        .map(|(ep, rate)| {
            let s = secrets.remove(&ep.id).unwrap_or_default();
            (ep, s, rate)
        })
        .collect();
    let targets = std::rc::Rc::new(targets);
    TARGETS.with(|t| {
        let mut t = t.borrow_mut();
        if t.len() >= TARGETS_CACHED {
            // Any one: the hash map's order is as good as random.
            if let Some(k) = t.keys().next().cloned() {
                t.remove(&k);
            }
        }
        t.insert(which.clone(), targets.clone());
    });
    Ok(targets)
}

/// Queues a delivery of `msg`, due `now`, to every enabled endpoint of
/// `which` that `takes`; returns how many. Where the engine has room, the
/// delivery is inserted leased and handed to it after the commit (see
/// [`Handoff`]).
pub(super) fn fan_out(
    c: &Connection,
    key: &DataKey,
    which: TargetKey,
    msg: &Message,
    now: i64,
    takes: impl Fn(&Endpoint) -> bool,
) -> Result<usize> {
    let targets = fan_out_targets(c, key, &which)?;
    let mut taken = targets.iter().filter(|(ep, _, _)| takes(ep)).peekable();
    if taken.peek().is_none() {
        // Nothing to insert: not even the statement cache's lookup.
        return Ok(0);
    }
    let mut ins = c.prepare_cached(
        "INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, next_attempt_at, lease_until, created_at, updated_at) \
         VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5, ?4, ?4)",
    )?;
    let mut n = 0;
    for (ep, secrets, app_rate_limit) in taken {
        let id = new_id("dlv_");
        let lease_until = HANDOFF.with(|h| {
            h.borrow()
                .as_ref()
                .and_then(|h| h.reserve().then_some(now + h.lease_ms))
        });
        if let Err(e) = ins.execute(params![id, msg.id, ep.id, now, lease_until]) {
            if lease_until.is_some() {
                HANDOFF.with(|h| h.borrow().as_ref().map(|h| h.release(1)));
            }
            return Err(e.into());
        }
        n += 1;
        match lease_until {
            Some(lease_until) => PENDING.with(|p| {
                p.borrow_mut().push(Claimed {
                    delivery: Delivery {
                        id,
                        message_id: msg.id.clone(),
                        endpoint_id: ep.id.clone(),
                        status: DeliveryStatus::Pending,
                        attempts: 0,
                        next_attempt_at: Some(now),
                        last_status_code: None,
                        created_at: now,
                        updated_at: now,
                    },
                    lease_until,
                    endpoint: ep.clone(),
                    secrets: secrets.clone(),
                    message: msg.clone(),
                    app_rate_limit: *app_rate_limit,
                    manual: false,
                })
            }),
            None => UNLEASED.with(|u| u.set(true)),
        }
    }
    Ok(n)
}
