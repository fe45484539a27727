//! The delivery engine: claim due deliveries, sign, send, record, reschedule.
//!
//! * Every attempt of a message carries the same message id (`webhook-id`) and a
//!   fresh timestamp and signature.
//! * Only 2xx is success. 410 disables the endpoint. Anything else retries on
//!   the configured schedule with jitter; a `Retry-After` answer sets the delay
//!   instead, clamped to `max_retry_after_secs`.
//! * An endpoint failing continuously for `disable_after_secs` is disabled.
//! * A worker that dies mid-attempt loses nothing: the claim is a lease.
//! * New deliveries reach the workers by hand-off from the store as their
//!   message commits (already leased, with their endpoint, secrets and
//!   message: no claim, no re-read); retries, resends and whatever did not fit
//!   in the hand-off are claimed from the queue.

pub mod client;
pub mod ssrf;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use hookseal::Outgoing;
use tokio::sync::{Notify, Semaphore};

use crate::config::DeliveryConfig;
use crate::crypto::DataKey;
use crate::metrics::Metrics;
use crate::store::{AttemptRecord, Claimed, HandoffRx, Next, SealedSecret, Store};

pub use crate::clock::now_ms;

/// Checks an endpoint as configured — through the API (create, update) or in
/// the config file — against the destination `guard` that will send to it:
/// its URL, custom headers, filters, signing scheme and limits. The message
/// names the field.
pub fn check_endpoint(ep: &crate::store::Endpoint, guard: &ssrf::Guard) -> Result<(), Refusal> {
    match guard.check_url(&ep.url) {
        Ok(_) => {}
        Err(ssrf::UrlRefusal::Malformed(m)) => return Err(Refusal::Invalid(format!("url: {m}"))),
        Err(ssrf::UrlRefusal::Forbidden(m)) => return Err(Refusal::Forbidden(format!("url: {m}"))),
    }
    check_endpoint_fields(ep)
}

/// Why an endpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A field is not valid (the message names it).
    Invalid(String),
    /// Well-formed, but the destination policy forbids the URL.
    Forbidden(String),
    /// A custom header the signing scheme sets itself: invalid in a new
    /// endpoint, a conflict with an existing endpoint's scheme.
    SchemeHeader(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Invalid(m) | Refusal::Forbidden(m) | Refusal::SchemeHeader(m) => {
                f.write_str(m)
            }
        }
    }
}

/// The most deliveries per second, or in flight, an endpoint can be limited to.
pub const MAX_LIMIT: u32 = 1_000_000;

fn check_endpoint_fields(ep: &crate::store::Endpoint) -> Result<(), Refusal> {
    let invalid = Refusal::Invalid;
    crate::names::check_description("description", &ep.description, 1024).map_err(invalid)?;
    if let Some(uid) = &ep.uid {
        crate::names::check_uid("uid", uid, "ep_").map_err(invalid)?;
    }
    if let Some(ch) = &ep.channels {
        crate::names::check_channels(ch, crate::names::MAX_ENDPOINT_CHANNELS).map_err(invalid)?;
    }
    crate::names::check_metadata(&ep.metadata).map_err(invalid)?;
    ep.scheme.check().map_err(invalid)?;
    let signature = ep.scheme.signature_header();
    let (id_header, ts_header) = ep.scheme.extra_headers();
    for (n, v) in &ep.headers {
        crate::headers::check_configurable("headers", n).map_err(invalid)?;
        if !crate::headers::is_value(v) {
            return Err(invalid(format!(
                "headers: the value of {n} has a control character or is over {} characters",
                crate::headers::MAX_VALUE
            )));
        }
    }
    crate::event_types::check_filters(&ep.event_types).map_err(invalid)?;
    let limit_ok = |l: Option<u32>| l.is_none_or(|l| (1..=MAX_LIMIT).contains(&l));
    if !limit_ok(ep.rate_limit) || !limit_ok(ep.max_concurrency) {
        return Err(invalid(format!(
            "rate_limit and max_concurrency must be 1-{MAX_LIMIT} (or null for unlimited)"
        )));
    }
    for n in ep.headers.keys() {
        if signature
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(n))
            || [id_header, ts_header]
                .into_iter()
                .flatten()
                .any(|h| h.eq_ignore_ascii_case(n))
        {
            return Err(Refusal::SchemeHeader(format!(
                "headers: {n} is set by the signing scheme and cannot be configured"
            )));
        }
    }
    Ok(())
}

/// Whether deliveries to `ep` go through the guard for the operator's own
/// services (`ingress.forward_allow_cidrs`): endpoints the config file
/// declares, and those forwarding an API-created source the operator named
/// in `ingress.internal_forward_sources`. Decided from the configuration at
/// every use, so the privilege follows what the operator wrote.
pub fn forwards_internally(ep: &crate::store::Endpoint, internal_sources: &[String]) -> bool {
    ep.from_config
        || ep
            .source
            .as_ref()
            .is_some_and(|s| internal_sources.iter().any(|i| i == s))
}

/// The secrets that sign now, newest first, opened.
pub fn live_secrets(
    key: &DataKey,
    endpoint_id: &str,
    secrets: &[SealedSecret],
    now: i64,
) -> anyhow::Result<Vec<String>> {
    secrets
        .iter()
        .filter(|s| s.expires_at.is_none_or(|e| e > now))
        .map(|s| Ok(String::from_utf8(key.open(endpoint_id, &s.sealed)?)?))
        .collect()
}

/// The headers for one attempt: content type, the endpoint's custom headers, the signature.
pub fn attempt_headers(
    key: &DataKey,
    c: &Claimed,
    now_ms: i64,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut secrets = live_secrets(key, &c.endpoint.id, &c.secrets, now_ms)?;
    anyhow::ensure!(!secrets.is_empty(), "endpoint has no live secret");
    let spec = c.endpoint.scheme.spec().map_err(anyhow::Error::msg)?;
    if !spec.signs_with_several() {
        // One signature per request: during a rotation's grace period the
        // *oldest* live secret signs, so receivers keep working until they have
        // switched; when the grace ends only the new one is live.
        secrets.drain(..secrets.len() - 1);
    }
    let signer = spec.signer(&secrets)?;
    let mut signed = signer.sign(&Outgoing {
        id: c.message.webhook_id(),
        timestamp: now_ms / 1000,
        body: &c.message.payload,
        url: &c.endpoint.url,
        method: "POST",
    })?;
    // The id (the same on every attempt) and the attempt's time, where the
    // scheme sends them beside its signature and does not already.
    let (id_header, ts_header) = c.endpoint.scheme.extra_headers();
    for (name, value) in [
        (id_header, c.message.webhook_id().to_string()),
        (ts_header, (now_ms / 1000).to_string()),
    ] {
        if let Some(name) = name {
            if !signed.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                signed.push((name.to_string(), value));
            }
        }
    }
    // An endpoint stored before its scheme's header was checked (or edited
    // in the database) must not send a framing header as its signature: the
    // request would go out unsigned or malformed and count as delivered.
    if let Some((n, _)) = signed
        .iter()
        .find(|(n, _)| crate::headers::is_connection_or_framing(n))
    {
        anyhow::bail!("the signing scheme's header {n} is a connection or framing header");
    }
    let content_type = c
        .message
        .content_type
        .clone()
        .unwrap_or_else(|| "application/json".into());
    let mut headers: Vec<(String, String)> = vec![("content-type".into(), content_type)];
    for (n, v) in &c.endpoint.headers {
        if !signed.iter().any(|(s, _)| s.eq_ignore_ascii_case(n)) {
            headers.push((n.clone(), v.clone()));
        }
    }
    // The endpoint's own User-Agent, if it sets one, replaces ours (one
    // header, not two).
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
    {
        headers.push((
            "user-agent".into(),
            concat!("hookseal/", env!("CARGO_PKG_VERSION")).into(),
        ));
    }
    // An inbound event's provider headers, where its source passes them on:
    // never over the signature or the endpoint's own headers.
    for (n, v) in &c.message.headers {
        let taken = signed.iter().any(|(s, _)| s.eq_ignore_ascii_case(n))
            || headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
        if !taken {
            headers.push((n.clone(), v.clone()));
        }
    }
    headers.extend(signed);
    Ok(headers)
}

/// The error kept with an attempt (and shown through the API, which platforms
/// often pass on to their customers): never the addresses a name resolved to or
/// connected to, so attempt logs are no oracle for the inside of the network.
/// The full error goes to the log.
pub fn public_error(detail: &str) -> String {
    if detail.contains("destination refused") {
        return client::REFUSED_PUBLIC.into();
    }
    detail
        .split(' ')
        .map(|word| {
            let core = word.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '"' | '\''));
            let core = core.strip_suffix(':').unwrap_or(core);
            let addr = core.parse::<std::net::SocketAddr>().is_ok()
                || core
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok();
            if addr {
                word.replace(core, "[address]")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seconds to wait from a `Retry-After` value (delta-seconds or an HTTP date).
pub fn parse_retry_after(v: &str, now_ms: i64) -> Option<i64> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<i64>() {
        return (secs >= 0).then_some(secs);
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    let parts: Vec<&str> = v.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])?
        + 1;
    let iso = format!("{}-{month:02}-{:0>2}T{}Z", parts[3], parts[1], parts[4]);
    let at = hookseal::time::parse_rfc3339(&iso)?;
    Some((at - now_ms / 1000).max(0))
}

/// The delay before the next attempt after `attempts_done` attempts, or `None`
/// when the schedule is exhausted.
pub fn next_delay_ms(
    cfg: &DeliveryConfig,
    attempts_done: i64,
    retry_after: Option<i64>,
    rand_unit: f64,
) -> Option<i64> {
    let base = *cfg.retry_schedule_secs.get(attempts_done as usize)?;
    let jitter = 1.0 + cfg.retry_jitter * (2.0 * rand_unit - 1.0);
    let scheduled = ((base as f64) * 1000.0 * jitter) as i64;
    // Retry-After can ask for more time (clamped), never for less than the schedule.
    Some(match retry_after {
        Some(ra) => scheduled.max(ra.clamp(0, cfg.max_retry_after_secs).saturating_mul(1000)),
        None => scheduled,
    })
}

/// A uniform number in [0, 1) for jitter: xorshift per thread, seeded once from
/// the OS (jitter needs spread, not secrecy; no system call per attempt).
fn rand_unit() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut b = [0u8; 8];
            hookseal::keys::random(&mut b);
            u64::from_le_bytes(b) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// Per-endpoint limits: concurrency permits and a token bucket.
#[derive(Default)]
struct Gates {
    map: Mutex<HashMap<String, Arc<Gate>>>,
}

struct Gate {
    sem: Option<Arc<Semaphore>>,
    concurrency: Option<u32>,
    rate: Option<u32>,
    next_slot: Mutex<i64>,
}

impl Gate {
    fn for_endpoint(ep: &crate::store::Endpoint) -> Gate {
        Gate {
            sem: ep
                .max_concurrency
                .map(|n| Arc::new(Semaphore::new(n.max(1) as usize))),
            concurrency: ep.max_concurrency,
            rate: ep.rate_limit,
            next_slot: Mutex::new(0),
        }
    }
}

impl Gates {
    fn get(&self, c: &Claimed) -> Arc<Gate> {
        // An endpoint without limits needs no gate of its own (a platform
        // may have tens of thousands of them): they share an open one.
        if c.endpoint.rate_limit.is_none() && c.endpoint.max_concurrency.is_none() {
            static OPEN: std::sync::OnceLock<Arc<Gate>> = std::sync::OnceLock::new();
            let mut m = self.map.lock().unwrap_or_else(|p| p.into_inner());
            // Limits removed through the API: its gate goes.
            m.remove(&c.endpoint.id);
            return OPEN
                .get_or_init(|| {
                    Arc::new(Gate {
                        sem: None,
                        concurrency: None,
                        rate: None,
                        next_slot: Mutex::new(0),
                    })
                })
                .clone();
        }
        let mut m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let g = m
            .entry(c.endpoint.id.clone())
            .or_insert_with(|| Arc::new(Gate::for_endpoint(&c.endpoint)));
        // Limits changed through the API take effect with a fresh gate.
        if g.rate != c.endpoint.rate_limit || g.concurrency != c.endpoint.max_concurrency {
            *g = Arc::new(Gate::for_endpoint(&c.endpoint));
        }
        g.clone()
    }

    /// The gate of the endpoint's application, when the application has a
    /// rate limit (all its endpoints together).
    fn app(&self, c: &Claimed) -> Option<Arc<Gate>> {
        let rate = c.app_rate_limit?;
        let mut m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = || {
            Arc::new(Gate {
                sem: None,
                concurrency: None,
                rate: Some(rate),
                next_slot: Mutex::new(0),
            })
        };
        let g = m
            .entry(format!("app:{}", c.endpoint.app_id))
            .or_insert_with(fresh);
        if g.rate != Some(rate) {
            *g = fresh();
        }
        Some(g.clone())
    }
}

impl Gate {
    /// Waits for this endpoint's rate-limit slot, if one is free by
    /// `must_start_by` (ms); false (and no slot taken) if not.
    async fn pace(&self, must_start_by: i64) -> bool {
        let Some(rate) = self.rate.filter(|r| *r > 0) else {
            return true;
        };
        let interval = 1000 / rate as i64;
        let wait = {
            let mut next = self.next_slot.lock().unwrap_or_else(|p| p.into_inner());
            let now = now_ms();
            let slot = (*next).max(now);
            if slot > must_start_by {
                return false;
            }
            *next = slot + interval.max(1);
            slot - now
        };
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        true
    }
}

/// The engine.
pub struct Engine {
    pub store: Arc<dyn Store>,
    pub key: Arc<DataKey>,
    pub cfg: DeliveryConfig,
    pub client: client::Outbound,
    /// For endpoints that forward an inbound source (the operator's own
    /// services): its guard allows the configured internal ranges.
    pub forward_client: client::Outbound,
    pub metrics: Arc<Metrics>,
    /// Woken when new deliveries are due (a publish), so they go out at once.
    pub wake: Arc<Notify>,
    /// Deliveries the store hands over as they commit (taken by `run`).
    handoff: Mutex<Option<HandoffRx>>,
    gates: Gates,
    /// API-created sources whose forwards may reach the operator's own
    /// services (`ingress.internal_forward_sources`).
    pub internal_sources: Vec<String>,
    /// Deliveries sent whose attempt record has not committed yet (a full
    /// disk, say): the record is retried until it does, and a claim of one
    /// of these meanwhile (its lease ran out) is not sent again.
    unrecorded: Arc<Mutex<std::collections::HashSet<String>>>,
}

impl Engine {
    pub fn new(
        store: Arc<dyn Store>,
        key: Arc<DataKey>,
        cfg: DeliveryConfig,
        forward_guard: ssrf::Guard,
        metrics: Arc<Metrics>,
        wake: Arc<Notify>,
        handoff: Option<HandoffRx>,
    ) -> anyhow::Result<Engine> {
        let extra_roots = if cfg.extra_root_pem.is_empty() {
            Vec::new()
        } else {
            use rustls_pki_types::pem::PemObject;
            rustls_pki_types::CertificateDer::pem_file_iter(&cfg.extra_root_pem)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    anyhow::anyhow!("delivery.extra_root_pem {}: {e}", cfg.extra_root_pem)
                })?
        };
        let outbound = |guard| {
            client::Outbound::new(
                guard,
                Duration::from_millis(cfg.connect_timeout_ms),
                Duration::from_millis(cfg.timeout_ms),
                cfg.response_body_bytes,
                cfg.concurrency,
                &extra_roots,
            )
        };
        let client = outbound(ssrf::Guard::new(&cfg.allow_cidrs, cfg.allow_http)?)?;
        let forward_client = outbound(forward_guard)?;
        Ok(Engine {
            store,
            key,
            cfg,
            client,
            forward_client,
            metrics,
            wake,
            handoff: Mutex::new(handoff),
            gates: Gates::default(),
            unrecorded: Default::default(),
            internal_sources: Vec::new(),
        })
    }

    /// Runs until the process ends: takes what the store hands over, and
    /// claims due work whenever workers are free.
    pub async fn run(self: Arc<Self>) {
        let slots = Arc::new(Semaphore::new(self.cfg.concurrency));
        let handoff = self
            .handoff
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(mut rx) = handoff {
            let (me, slots) = (self.clone(), slots.clone());
            tokio::spawn(async move {
                while let Some(c) = rx.recv().await {
                    if !me.dispatch(&slots, c).await {
                        return;
                    }
                }
            });
        }
        loop {
            let free = slots.available_permits();
            if free == 0 {
                // Wait for one worker to finish.
                if let Ok(p) = slots.clone().acquire_owned().await {
                    drop(p);
                }
                continue;
            }
            let store = self.store.clone();
            let lease = self.cfg.lease_secs * 1000;
            let batch = free.min(256);
            let claimed = match store.claim_due(now_ms(), batch, lease).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "claiming deliveries failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            if claimed.is_empty() {
                // Nothing due: sleep until woken by a publish, or poll for retries.
                let _ =
                    tokio::time::timeout(Duration::from_millis(100), self.wake.notified()).await;
                continue;
            }
            for c in claimed {
                if !self.dispatch(&slots, c).await {
                    return;
                }
            }
        }
    }

    /// Waits for a free worker slot and starts the attempt on it; false once
    /// the slots are closed.
    async fn dispatch(self: &Arc<Self>, slots: &Arc<Semaphore>, c: Claimed) -> bool {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return false;
        };
        let me = self.clone();
        tokio::spawn(async move {
            me.attempt(c).await;
            drop(permit);
        });
        true
    }

    async fn attempt(&self, c: Claimed) {
        if self
            .unrecorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&c.delivery.id)
        {
            // Sent already; its outcome is still being recorded, which
            // clears this claim's lease too.
            tracing::debug!(delivery = %c.delivery.id, "claimed while its last attempt is being recorded; not sent again");
            return;
        }
        let gate = self.gates.get(&c);
        let _permit = match &gate.sem {
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        // An attempt must end before its lease does: past it, the delivery is
        // (or will be) claimed again, and sending now could send it twice.
        // Waiting for the endpoint's limits can use the lease up: then leave
        // the delivery to the next claim (without taking a rate slot).
        let must_start_by = c.lease_until - self.cfg.timeout_ms as i64;
        let app_gate = self.gates.app(&c);
        let paced = gate.pace(must_start_by).await
            && match &app_gate {
                Some(g) => g.pace(must_start_by).await,
                None => true,
            };
        let started = if paced { now_ms() } else { i64::MAX };
        if started > must_start_by {
            tracing::debug!(delivery = %c.delivery.id, "lease ran out while waiting for the endpoint's limits; left to the next claim");
            return;
        }
        let sent = match attempt_headers(&self.key, &c, started) {
            Ok(headers) => {
                let client = if forwards_internally(&c.endpoint, &self.internal_sources) {
                    &self.forward_client
                } else {
                    &self.client
                };
                client
                    .post(
                        &c.endpoint.url,
                        &headers,
                        Bytes::from(c.message.payload.clone()),
                    )
                    .await
            }
            Err(e) => Err(client::SendError {
                public: format!("cannot sign: {e}"),
                detail: format!("cannot sign: {e:#}"),
            }),
        };
        let finished = now_ms();
        let latency = finished - started;
        let attempts_done = c.delivery.attempts + 1;
        let (status_code, body, error, next) = match sent {
            Ok(r) if (200..300).contains(&r.status) => {
                (Some(r.status), Some(r.body), None, Next::Succeeded)
            }
            Ok(r) if r.status == 410 => (
                Some(r.status),
                Some(r.body),
                None,
                Next::DisableEndpoint("endpoint answered 410 Gone".into()),
            ),
            Ok(r) => {
                let ra = r
                    .retry_after
                    .as_deref()
                    .and_then(|v| parse_retry_after(v, finished));
                let next = match next_delay_ms(&self.cfg, attempts_done, ra, rand_unit()) {
                    Some(d) => Next::RetryAt(finished + d),
                    None => Next::Failed,
                };
                tracing::info!(delivery = %c.delivery.id, endpoint = %c.endpoint.id, status = r.status, attempt = attempts_done, next = ?next, "attempt failed: the endpoint answered {}", r.status);
                (Some(r.status), Some(r.body), None, next)
            }
            Err(e) => {
                let next = match next_delay_ms(&self.cfg, attempts_done, None, rand_unit()) {
                    Some(d) => Next::RetryAt(finished + d),
                    None => Next::Failed,
                };
                tracing::info!(delivery = %c.delivery.id, endpoint = %c.endpoint.id, attempt = attempts_done, next = ?next, error = %e.detail, "attempt failed: no answer");
                (None, None, Some(e.public), next)
            }
        };
        self.metrics.record_attempt(&c.endpoint.id, &next, latency);
        if let Next::DisableEndpoint(reason) = &next {
            tracing::info!(endpoint = %c.endpoint.id, status = ?status_code, reason = %reason, "endpoint disabled");
        }
        if let (Next::Succeeded, Some(src)) = (&next, &c.message.source) {
            self.metrics.source(src).forwarded();
        }
        tracing::debug!(delivery = %c.delivery.id, endpoint = %c.endpoint.id, status = ?status_code, ?next, "attempt");
        let rec = AttemptRecord {
            claimed_attempts: c.delivery.attempts,
            endpoint_id: c.endpoint.id.clone(),
            message_id: c.message.id.clone(),
            at: finished,
            status_code,
            latency_ms: latency,
            response_body: body,
            error,
            next,
            manual: c.manual,
        };
        let disable_after = self.cfg.disable_after_secs * 1000;
        // The record is queued to the store's writer now, ahead of any later
        // claim, and the delivery stays leased until it commits: this worker's
        // slot can take the next delivery without waiting for that commit.
        // If its transaction fails (a full disk), the outcome is kept and the
        // record retried until it commits; meanwhile a claim of the delivery
        // (its lease ran out) is not sent again. Only a process that dies
        // before the record commits sends it again: at least once.
        let ticket = self
            .store
            .record_attempt(&c.delivery.id, rec.clone(), disable_after);
        let (store, unrecorded, id) = (self.store.clone(), self.unrecorded.clone(), c.delivery.id);
        let endpoint = c.endpoint.id;
        tokio::spawn(async move {
            let e = match ticket.await {
                Ok(disabled) => {
                    if let Some(reason) = disabled {
                        tracing::info!(endpoint = %endpoint, reason = %reason, "endpoint disabled");
                    }
                    return;
                }
                Err(e) => e,
            };
            tracing::error!(delivery = %id, error = %e, "recording an attempt failed; retrying the record (the delivery is not sent again)");
            unrecorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.clone());
            let mut pause = Duration::from_millis(200);
            loop {
                tokio::time::sleep(pause).await;
                match store.record_attempt(&id, rec.clone(), disable_after).await {
                    Ok(disabled) => {
                        if let Some(reason) = disabled {
                            tracing::info!(endpoint = %endpoint, reason = %reason, "endpoint disabled");
                        }
                        break;
                    }
                    Err(e) => {
                        tracing::debug!(delivery = %id, error = %e, "recording the attempt failed again");
                        pause = (pause * 2).min(Duration::from_secs(5));
                    }
                }
            }
            tracing::info!(delivery = %id, "attempt recorded after a failed commit");
            unrecorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DeliveryConfig {
        crate::config::Config::load(None, []).unwrap().delivery
    }

    #[test]
    fn schedule_jitter_and_retry_after() {
        let c = cfg();
        assert_eq!(next_delay_ms(&c, 1, None, 0.5), Some(5000));
        let lo = next_delay_ms(&c, 2, None, 0.0).unwrap();
        let hi = next_delay_ms(&c, 2, None, 1.0).unwrap();
        assert_eq!((lo, hi), (240_000, 360_000));
        assert_eq!(next_delay_ms(&c, 8, None, 0.5), None, "schedule exhausted");
        assert_eq!(next_delay_ms(&c, 1, Some(30), 0.5), Some(30_000));
        assert_eq!(
            next_delay_ms(&c, 1, Some(0), 0.5),
            Some(5000),
            "never shorter than the schedule"
        );
        assert_eq!(
            next_delay_ms(&c, 1, Some(99_999), 0.5),
            Some(3_600_000),
            "clamped"
        );
    }

    #[test]
    fn attempt_errors_name_no_addresses() {
        assert_eq!(
            public_error("destination refused: 127.0.0.1 is loopback; 10.0.0.5 is private"),
            "destination refused: the host resolves to an address that is not allowed"
        );
        assert_eq!(
            public_error("connect 10.1.2.3:443: Connection refused (os error 111)"),
            "connect [address]: Connection refused (os error 111)"
        );
        assert_eq!(
            public_error("connect [fd00::1]:443: timed out"),
            "connect [address]: timed out"
        );
        let tls = "client error (Connect): received corrupt message of type InvalidContentType";
        assert_eq!(public_error(tls), tls);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120", 0), Some(120));
        assert_eq!(parse_retry_after("-1", 0), None);
        let now = 784_111_777_000 - 10_000; // 10 s before the date below
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(10)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
    }
}
