//! The inbound gateway: `POST /in/{source}`.
//!
//! Each request meets its source's policy on the raw bytes — address (before the
//! body is read), required headers, signature, timestamp window — and then the
//! durable replay check, which runs inside the same write transaction that
//! stores the event and fans it out to the source's endpoints. The provider gets
//! its 2xx only after that transaction commits (group commit under load).
//!
//! Refusals answer 401 / 403 / 409 / 413 with a generic body; the reason code
//! goes to the log, the metrics and the rejection audit table (rate-limited,
//! bounded), never to the caller.

pub mod source;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use hookseal::axum::{handshake_response, read_body, BodyError};
use hookseal::{IpAllowlist, Reason, Rejection};
use tokio::sync::Semaphore;

use crate::clock::now_ms;
use crate::config::IngressConfig;
use crate::crypto::DataKey;
use crate::limits::{BodyBudget, PerClient};
use crate::metrics::{Metrics, SourceCounters};
use crate::store::{InboundEvent, Ingested, RejectionRecord, Store, StoreError};

pub use source::{ForwardHeaders, ForwardTarget, SourceConfig};

/// A source ready to verify: its policy built, its counters at hand.
pub struct Live {
    pub def: SourceConfig,
    pub policy: hookseal::Policy,
    /// The provider's handshake, with each live secret (newest first) and a
    /// policy that verifies with that secret alone.
    handshake: Option<(
        hookseal::provider::Handshake,
        Vec<(String, hookseal::Policy)>,
    )>,
    /// Where the event's type is, if the source or its preset says.
    event_type: Option<hookseal::event_type::EventTypeAt>,
    /// When a secret in use expires (ms): the source is rebuilt then.
    rebuild_at: Option<i64>,
    /// The scheme's own proof headers (lowercase), never passed on whatever
    /// their names (a generic scheme's `X-Erp-Pass`, say).
    withheld: Vec<String>,
    counters: Arc<SourceCounters>,
}

/// The sources, as built from the store.
#[derive(Default)]
pub struct Sources {
    map: RwLock<HashMap<String, Arc<Live>>>,
    /// Stored sources that do not build (a secret_env unset, say), with their
    /// retention in days: their stored events are purged all the same. (One
    /// whose definition cannot even be opened is left alone: its retention
    /// is unknown.)
    unbuilt: RwLock<HashMap<String, u32>>,
    /// Held from reading the store to publishing the result, so an older read
    /// never replaces a newer one (a lazy rebuild racing an API change).
    reloading: Mutex<()>,
}

impl Sources {
    fn get(&self, name: &str) -> Option<Arc<Live>> {
        self.map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    /// Rebuilds one source from the store (or forgets it if it is gone).
    pub fn reload(
        &self,
        store: &dyn Store,
        key: &DataKey,
        metrics: &Metrics,
        name: &str,
    ) -> anyhow::Result<Option<Arc<Live>>> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let live = match store.get_source(name) {
            Ok(row) => match source::build(&row, key, metrics, now_ms()) {
                Ok(l) => Some(Arc::new(l)),
                Err(e) => {
                    if let Some(days) = source::retention_of_unbuilt(&row, key) {
                        self.unbuilt
                            .write()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(name.to_string(), days);
                    }
                    return Err(e);
                }
            },
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.unbuilt
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        let mut m = self.map.write().unwrap_or_else(|p| p.into_inner());
        match &live {
            Some(l) => m.insert(name.to_string(), l.clone()),
            None => m.remove(name),
        };
        Ok(live)
    }

    /// Rebuilds every source; a source that no longer builds is logged and left out.
    pub fn reload_all(
        &self,
        store: &dyn Store,
        key: &DataKey,
        metrics: &Metrics,
    ) -> anyhow::Result<()> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_ms();
        let (mut fresh, mut unbuilt) = (HashMap::new(), HashMap::new());
        for row in store.list_sources()? {
            match source::build(&row, key, metrics, now) {
                Ok(l) => {
                    fresh.insert(row.name.clone(), Arc::new(l));
                }
                Err(e) => {
                    tracing::error!(source = %row.name, error = %e, "source not loaded");
                    if let Some(days) = source::retention_of_unbuilt(&row, key) {
                        unbuilt.insert(row.name.clone(), days);
                    }
                }
            }
        }
        *self.map.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        *self.unbuilt.write().unwrap_or_else(|p| p.into_inner()) = unbuilt;
        Ok(())
    }

    /// Every stored source's retention, built or not: (name, days).
    pub fn retention(&self) -> Vec<(String, u32)> {
        let mut all: Vec<(String, u32)> = self
            .map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|l| (l.def.name.clone(), l.def.retention_days))
            .collect();
        for (name, days) in self
            .unbuilt
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            if !all.iter().any(|(n, _)| n == name) {
                all.push((name.clone(), *days));
            }
        }
        all
    }
}

/// Rejections waiting to be written, and this second's budget.
struct Audit {
    per_sec: u32,
    window: i64,
    used: u32,
    pending: Vec<RejectionRecord>,
}

/// The gateway's shared state.
pub struct Ingress {
    pub sources: Sources,
    pub store: Arc<dyn Store>,
    pub key: Arc<DataKey>,
    pub metrics: Arc<Metrics>,
    permits: Arc<Semaphore>,
    /// KiB of request bodies being read or held, shared fairly by clients.
    bodies: Arc<BodyBudget>,
    /// Requests in progress per client.
    per_ip: Arc<PerClient>,
    trusted: IpAllowlist,
    proxy_header: hookseal::ip::ProxyHeader,
    body_timeout: Duration,
    audit: Mutex<Audit>,
}

impl Ingress {
    pub fn new(
        cfg: &IngressConfig,
        store: Arc<dyn Store>,
        key: Arc<DataKey>,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Ingress> {
        Ok(Ingress {
            sources: Sources::default(),
            store,
            key,
            metrics,
            permits: Arc::new(Semaphore::new(cfg.max_concurrency)),
            bodies: BodyBudget::new(budget_kib(cfg)),
            per_ip: PerClient::new(cfg.max_per_ip),
            trusted: IpAllowlist::parse(&cfg.trusted_proxies)?,
            proxy_header: if cfg.proxy_header == "forwarded" {
                hookseal::ip::ProxyHeader::Forwarded
            } else {
                hookseal::ip::ProxyHeader::XForwardedFor
            },
            body_timeout: Duration::from_secs(cfg.body_timeout_secs),
            audit: Mutex::new(Audit {
                per_sec: cfg.audit_per_sec,
                window: 0,
                used: 0,
                pending: Vec::new(),
            }),
        })
    }

    /// Rebuilds one source after an API change.
    pub fn reload(&self, name: &str) -> anyhow::Result<()> {
        self.sources
            .reload(&*self.store, &self.key, &self.metrics, name)
            .map(|_| ())
    }

    /// Counts, logs and audits a refusal, and answers it generically.
    /// `ip`: the client's address, `None` when a proxy chain could not tell it.
    fn refuse(&self, live: &Live, r: Rejection, ip: Option<IpAddr>) -> Response {
        let reason = r.reason();
        live.counters.rejected(reason);
        let now = now_ms();
        {
            let mut a = self.audit.lock().unwrap_or_else(|p| p.into_inner());
            if now / 1000 != a.window {
                a.window = now / 1000;
                a.used = 0;
            }
            // The audit budget also bounds the log: a flood is counted, not printed.
            if a.used < a.per_sec && a.pending.len() < 10_000 {
                let shown = ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
                tracing::info!(source = %live.def.name, reason = reason.code(), detail = r.detail(), ip = %shown, "inbound request refused");
                a.used += 1;
                a.pending.push(RejectionRecord {
                    at: now,
                    source: live.def.name.clone(),
                    reason: reason.code().to_string(),
                    status: reason.http_status(),
                    remote_ip: ip.map(|ip| ip.to_string()),
                    detail: r.detail().chars().take(300).collect(),
                });
            } else {
                self.metrics.audit_dropped();
            }
        }
        plain(reason.http_status(), reason.public_message())
    }

    /// Writes the waiting audit rows (one transaction), every 200 ms.
    pub async fn run_audit_writer(self: Arc<Self>) {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let batch =
                std::mem::take(&mut self.audit.lock().unwrap_or_else(|p| p.into_inner()).pending);
            if !batch.is_empty() {
                if let Err(e) = self.store.record_rejections(batch).await {
                    tracing::error!(error = %e, "writing the rejection audit failed");
                }
            }
        }
    }
}

fn plain(status: u16, msg: &'static str) -> Response {
    let mut r = Response::new(Body::from(msg));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// `ingress.max_body_bytes_in_flight` in KiB, at least 1.
fn budget_kib(cfg: &IngressConfig) -> u32 {
    (cfg.max_body_bytes_in_flight / 1024).clamp(1, u32::MAX as u64) as u32
}

/// The gateway's route, documented for the API's OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(receive, handshake))]
pub struct InboundDoc;

/// The `/in/{source}` routes.
pub fn router(ingress: Arc<Ingress>) -> Router {
    Router::new()
        .route("/in/{source}", post(receive).get(handshake))
        .with_state(ingress)
}

/// Whether a provider header may be passed on to endpoints: never hop-by-hop or
/// framing headers, nor anything that carries a credential or a signature (the
/// provider's proof is checked here; the inside gets hookseal's own).
fn passable(name: &str, required: &std::collections::BTreeMap<String, String>) -> bool {
    const CREDENTIAL_HINTS: &[&str] = &[
        "auth",
        "cookie",
        "token",
        "secret",
        "signature",
        "hmac",
        "key",
        "password",
    ];
    !crate::headers::is_connection_or_framing(name)
        && !matches!(name, "expect" | "user-agent" | "forwarded" | "x-real-ip")
        // What a client claims about the path it came by is not the provider's.
        && !name.starts_with("x-forwarded-")
        && !name.starts_with("proxy-")
        && !name.starts_with("webhook-")
        && !name.starts_with("svix-")
        && !CREDENTIAL_HINTS.iter().any(|h| name.contains(h))
        && !required.keys().any(|r| r.eq_ignore_ascii_case(name))
}

/// What an accepted request's replay protection remembers, if anything.
///
/// - A signed id (Standard Webhooks, GitHub's delivery id…) is remembered
///   for the source's `dedup_secs` at least: providers retry an id with fresh
///   timestamps long after the signature's window.
/// - A signed timestamp without an id bounds a replay by the window: the
///   signature's fingerprint is remembered until the window closes.
/// - A scheme that signs neither (a body-only HMAC such as Jodo's or Joy
///   Loyalty's, a static token) cannot tell a replay from a second event
///   with the same body. Replays of those are refused only when the source
///   opts in with `dedup_secs`; then a repeat of the same body inside that
///   window is refused too, a legitimate one included.
fn replay_key(
    verified: &hookseal::Verified<'_>,
    def: &SourceConfig,
    body: &[u8],
    now: i64,
) -> Option<crate::store::Dedup> {
    let digest: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, body)
        .as_ref()
        .try_into()
        .expect("SHA-256 is 32 bytes");
    let (key, until) = match (verified.dedup(), verified.id.is_some(), verified.timestamp) {
        (Some((k, until)), true, _) => (
            k.to_string(),
            until
                .saturating_mul(1000)
                .max(now + def.dedup_secs() * 1000),
        ),
        (Some((k, until)), false, Some(_)) => (k.to_string(), until.saturating_mul(1000)),
        _ => {
            let secs = def.dedup_secs?;
            (
                format!("body:{}", hookseal::codec::hex_encode(&digest)),
                now + secs * 1000,
            )
        }
    };
    Some(crate::store::Dedup { key, until, digest })
}

/// A provider's registration handshake sent as a GET: answered without a
/// signature where the provider sends none (Meta's `hub.challenge`, checked
/// against the source's `verify_token`; Dropbox's and Nylas' `challenge`;
/// Worldline's verification header), or after verifying the request's
/// credential (Okta). Anything else is 405: events are POSTed.
#[utoipa::path(get, path = "/in/{source}", tag = "inbound",
    params(("source" = String, Path, description = "The source's name")),
    responses(
        (status = 200, description = "The handshake's answer (the provider's challenge)", body = String, content_type = "text/plain"),
        (status = 401, description = "Missing or invalid credential", body = String, content_type = "text/plain"),
        (status = 403, description = "The client address is not allowed", body = String, content_type = "text/plain"),
        (status = 404, description = "No such source", body = String, content_type = "text/plain"),
        (status = 405, description = "Not a handshake this source's provider sends: events are POSTed", body = String, content_type = "text/plain")
    ))]
async fn handshake(
    State(ing): State<Arc<Ingress>>,
    Path(name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let now = now_ms();
    // Rebuilt first when a grace period ended, as for events: a CRC must not
    // be answered with a secret that no longer signs.
    let live = match ing.live_source(&name, now).await {
        Ok(l) => l,
        Err(answer) => return answer,
    };
    let (parts, _) = req.into_parts();
    let client = hookseal::ip::client_ip(peer.ip(), &parts.headers, &ing.trusted, ing.proxy_header);
    if let Err(r) = live.policy.check_ip(client) {
        return ing.refuse(&live, r, client);
    }
    let not_allowed = || {
        let mut r = plain(405, "method not allowed: events are POSTed");
        r.headers_mut()
            .insert(header::ALLOW, http::HeaderValue::from_static("POST"));
        r
    };
    let Some((h, secrets)) = &live.handshake else {
        return not_allowed();
    };
    let query = parts.uri.query().unwrap_or("");
    if h.unsigned() {
        return match h.unsigned_reply(
            "GET",
            query,
            &parts.headers,
            live.def.verify_token.as_deref(),
        ) {
            Some(reply) => handshake_response(reply),
            None => not_allowed(),
        };
    }
    // X's CRC: signed over the query, answered with the secret that signed it
    // (any live one during a rotation's grace period).
    if h.signed_over_query() {
        return match secrets
            .iter()
            .find_map(|(secret, _)| h.signed_get_reply(query, &parts.headers, secret))
        {
            Some(reply) => handshake_response(reply),
            None => {
                let r = Rejection::new(
                    Reason::SignatureMismatch,
                    "handshake GET not signed by the provider",
                );
                ing.refuse(&live, r, client)
            }
        };
    }
    // A handshake that carries the source's credential (Okta): verified
    // like an event, with no body.
    let url = signed_url(&live, &parts);
    let mut request = hookseal::Request::new(&parts.headers, b"")
        .with_method("GET")
        .with_url(&url);
    if let Some(ip) = client {
        request = request.with_remote_ip(ip);
    }
    if let Err(r) = live.policy.verify(&request, now / 1000) {
        return ing.refuse(&live, r, client);
    }
    match h.reply(&parts.headers, b"", &secrets[0].0) {
        Some(reply) => handshake_response(reply),
        None => not_allowed(),
    }
}

/// A provider's webhook, verified against the source's policy on its raw
/// bytes, stored durably and forwarded. Answers are plain text and generic;
/// the reason for a refusal goes to the log, the metrics and the rejection
/// audit.
#[utoipa::path(post, path = "/in/{source}", tag = "inbound",
    params(("source" = String, Path, description = "The source's name")),
    request_body(content = Vec<u8>, content_type = "*/*", description = "The provider's body, as sent"),
    responses(
        (status = 200, description = "accepted (stored; a retry of an accepted event: accepted (duplicate)), or a registration handshake's answer", body = String, content_type = "text/plain"),
        (status = 400, description = "The body could not be read", body = String, content_type = "text/plain"),
        (status = 401, description = "Missing or invalid signature, token or shared header", body = String, content_type = "text/plain"),
        (status = 403, description = "The client address is not allowed", body = String, content_type = "text/plain"),
        (status = 404, description = "No such source", body = String, content_type = "text/plain"),
        (status = 408, description = "The body came too slowly", body = String, content_type = "text/plain"),
        (status = 409, description = "A replay: a used id with another body", body = String, content_type = "text/plain"),
        (status = 413, description = "The body is over the source's limit", body = String, content_type = "text/plain"),
        (status = 503, description = "Busy or the store is unavailable: retry", body = String, content_type = "text/plain")
    ))]
async fn receive(
    State(ing): State<Arc<Ingress>>,
    Path(name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let now = now_ms();
    // 1. The source, rebuilt first if a secret's grace period has ended.
    let live = match ing.live_source(&name, now).await {
        Ok(l) => l,
        Err(answer) => return answer,
    };
    let (parts, body) = req.into_parts();
    // 2. The client: its address (None: a trusted proxy's chain could not be
    // read where it names the client; refused by an allowlist, limited and
    // logged as the proxy), one slot of its own, and what is checked before
    // any body is read (address, shared headers).
    let client = hookseal::ip::client_ip(peer.ip(), &parts.headers, &ing.trusted, ing.proxy_header);
    let ip = client.unwrap_or_else(|| hookseal::ip::canonical(peer.ip()));
    let Some(_slot) = ing.per_ip.take(ip) else {
        return ing.busy();
    };
    if let Err(r) = live
        .policy
        .check_ip(client)
        .and_then(|()| live.policy.check_headers(&parts.headers))
    {
        return ing.refuse(&live, r, client);
    }
    // 3. The body, read within the time limit and a budget all clients share
    // fairly (see `BodyBudget`): room for the declared length (or the limit,
    // when none is declared) is taken before reading and held until the
    // request is answered; a body still being read may be evicted for a
    // client holding less than its share.
    let limit = live.def.max_body_bytes;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let want = declared.map_or(limit as u64, |n| n.min(limit as u64));
    let Some(held) = ing
        .bodies
        .hold(ip, want.div_ceil(1024).min(u32::MAX as u64) as u32)
    else {
        return ing.busy();
    };
    let read = tokio::time::timeout(ing.body_timeout, read_body(&parts.headers, body, limit));
    let read = tokio::select! {
        r = read => r,
        () = held.evicted() => return ing.busy(),
    };
    if !held.finished_reading() {
        return ing.busy();
    }
    let bytes = match read {
        Ok(Ok(b)) => b,
        Ok(Err(BodyError::TooLarge)) => {
            let r = Rejection::new(Reason::BodyTooLarge, format!("body exceeds {limit} bytes"));
            return ing.refuse(&live, r, client);
        }
        Ok(Err(BodyError::Unreadable)) => return plain(400, "could not read the request body"),
        Err(_) => return plain(408, "request body too slow"),
    };
    // 4. Bounded work: verifying and storing run under the global limit;
    // beyond it, refuse at once rather than queue.
    let Ok(_permit) = ing.permits.clone().try_acquire_owned() else {
        return ing.busy();
    };
    // 5. Verified, a handshake answered, or the event to store.
    let ev = match verify_to_event(&ing, &live, &parts, &bytes, client, now) {
        Ok(ev) => ev,
        Err(answer) => return answer,
    };
    // 6. Stored durably (and handed to the engine as it commits), then answered.
    let stored = ing.store.ingest(ev, now).await;
    ing.answer_ingested(&live, stored, client)
}

/// The URL a scheme that signs it sees: the source's public origin and the
/// request's path and query (the Host header is the client's to choose);
/// empty when the source has no public URL.
fn signed_url(live: &Live, parts: &http::request::Parts) -> String {
    match &live.def.public_url {
        Some(origin) => format!(
            "{}{}",
            origin.trim_end_matches('/'),
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        ),
        None => String::new(),
    }
}

/// Step 5 of [`receive`]: the request verified against the source's policy
/// (and a signed handshake answered), then the event as it will be stored.
/// What borrows the request (not Send) ends here, before the store is awaited.
#[allow(clippy::result_large_err)]
fn verify_to_event(
    ing: &Ingress,
    live: &Live,
    parts: &http::request::Parts,
    bytes: &bytes::Bytes,
    client: Option<std::net::IpAddr>,
    now: i64,
) -> Result<InboundEvent, Response> {
    let url = signed_url(live, parts);
    let mut request = hookseal::Request::new(&parts.headers, bytes)
        .with_method(parts.method.as_str())
        .with_url(&url);
    if let Some(ip) = client {
        request = request.with_remote_ip(ip);
    }
    let verified = match live.policy.verify(&request, now / 1000) {
        Ok(v) => v,
        Err(r) => return Err(ing.refuse(live, r, client)),
    };
    if let Some((h, secrets)) = &live.handshake {
        if h.reply(&parts.headers, bytes, &secrets[0].0).is_some() {
            // Zoom derives its answer from the secret, and during a
            // rotation's grace period it may still sign with the old one:
            // answer with the secret that verifies this request.
            let secret = match secrets.as_slice() {
                [(only, _)] => only,
                all => all
                    .iter()
                    .find(|(_, p)| p.verify(&request, now / 1000).is_ok())
                    .map_or(&all[0].0, |(s, _)| s),
            };
            if let Some(reply) = h.reply(&parts.headers, bytes, secret) {
                return Err(handshake_response(reply));
            }
        }
    }
    let dedup = replay_key(&verified, &live.def, bytes, now);
    let headers = if live.def.forward_headers.any() {
        parts
            .headers
            .iter()
            .filter(|(n, _)| {
                live.def
                    .forward_headers
                    .passes(n.as_str(), &live.def.required_headers)
                    && !live.withheld.iter().any(|w| w == n.as_str())
            })
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect()
    } else {
        Vec::new()
    };
    // The provider's event type, for endpoints' filters; without one, the
    // source's name stands in.
    let event_type = live
        .event_type
        .as_ref()
        .and_then(|at| at.extract(&parts.headers, bytes))
        .unwrap_or_else(|| format!("inbound.{}", live.def.name));
    Ok(InboundEvent {
        source: live.def.name.clone(),
        event_type,
        dedup,
        webhook_id: verified.id.as_deref().map(str::to_string),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers,
        payload: bytes.to_vec(),
        drop_body: !live.def.store_body,
    })
}

impl Ingress {
    /// Step 1 of [`receive`]: the live source, rebuilt first when a secret
    /// in use has expired; the answer to give when there is none.
    async fn live_source(self: &Arc<Self>, name: &str, now: i64) -> Result<Arc<Live>, Response> {
        let Some(live) = self.sources.get(name) else {
            self.metrics.unknown_source();
            return Err(plain(404, "not found"));
        };
        if live.rebuild_at.is_none_or(|t| t > now) {
            return Ok(live);
        }
        // A secret's grace period ended: rebuild before verifying with it.
        let ing = self.clone();
        let n = name.to_string();
        match tokio::task::spawn_blocking(move || {
            ing.sources.reload(&*ing.store, &ing.key, &ing.metrics, &n)
        })
        .await
        {
            Ok(Ok(Some(l))) => Ok(l),
            Ok(Ok(None)) => Err(plain(404, "not found")),
            _ => Err(plain(503, "temporarily unavailable; retry")),
        }
    }

    /// Over a limit (slots, body budget, work permits): retry later.
    fn busy(&self) -> Response {
        self.metrics.ingress_busy();
        plain(503, "busy; retry")
    }

    /// Step 6 of [`receive`]: the answer to what the store did with the event.
    fn answer_ingested(
        &self,
        live: &Live,
        stored: Result<Ingested, StoreError>,
        client: Option<std::net::IpAddr>,
    ) -> Response {
        let accepted = |text: &'static str| {
            let mut r = plain(200, text);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        };
        match stored {
            // Its deliveries went to the engine as they committed.
            Ok(Ingested::Accepted { .. }) => {
                live.counters.accepted();
                accepted("accepted")
            }
            Ok(Ingested::Duplicate { message_id }) => {
                // A provider retrying an event it did not hear accepted (a
                // lost 200): accepted, stored and forwarded once.
                live.counters.duplicate();
                tracing::debug!(source = %live.def.name, message = %message_id, "duplicate of an accepted event");
                accepted("accepted (duplicate)")
            }
            Ok(Ingested::Replayed { message_id }) => {
                live.counters.replayed();
                self.refuse(
                    live,
                    Rejection::new(
                        Reason::Replayed,
                        format!("already accepted as {message_id}"),
                    ),
                    client,
                )
            }
            Err(e) => {
                // Not stored: the provider should retry (and its retry is not a replay).
                tracing::error!(source = %live.def.name, error = %e, "storing an inbound event failed");
                plain(503, "temporarily unavailable; retry")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored source that no longer builds (here: its only secret expired)
    /// is not served, but its events are still purged on its own retention.
    #[test]
    fn a_source_that_does_not_build_keeps_its_retention() {
        let dir =
            std::env::temp_dir().join(format!("hookseal-ingress-{}", crate::store::new_id("t")));
        std::fs::create_dir_all(&dir).unwrap();
        let key = Arc::new(DataKey::ephemeral());
        let store = crate::store::sqlite::SqliteStore::open(&dir.join("db"), 16, key.clone(), None)
            .unwrap();
        let def: SourceConfig =
            toml::from_str("name = \"x\"\nprovider = \"github\"\nretention_days = 7\n").unwrap();
        let mut row = def.to_row(&["s".into()], &key, false, 0).unwrap();
        row.secrets[0].expires_at = Some(1);
        store.create_source(row).wait().unwrap();
        let ok: SourceConfig = toml::from_str("name = \"y\"\nprovider = \"github\"\n").unwrap();
        store
            .create_source(ok.to_row(&["s".into()], &key, false, 0).unwrap())
            .wait()
            .unwrap();

        let sources = Sources::default();
        let metrics = Metrics::default();
        sources.reload_all(&store, &key, &metrics).unwrap();
        assert!(sources.get("x").is_none() && sources.get("y").is_some());
        let mut r = sources.retention();
        r.sort();
        assert_eq!(r, [("x".to_string(), 7), ("y".to_string(), 30)]);
        // Rebuilding it alone fails the same way and keeps it listed.
        assert!(sources.reload(&store, &key, &metrics, "x").is_err());
        assert!(sources.retention().contains(&("x".to_string(), 7)));
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
