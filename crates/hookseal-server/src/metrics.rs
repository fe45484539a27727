//! Prometheus metrics, in the text exposition format, without a metrics crate:
//! a few atomics and a fixed-bucket histogram are all the server needs.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};

use crate::store::{Next, QueueStats};

const BUCKETS_MS: &[u64] = &[5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 15000];

/// Counters the server keeps.
#[derive(Default)]
pub struct Metrics {
    pub messages_accepted: AtomicU64,
    pub messages_duplicate: AtomicU64,
    succeeded: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    endpoint_disabled: AtomicU64,
    latency_buckets: [AtomicU64; 12],
    latency_count: AtomicU64,
    latency_sum_ms: AtomicU64,
    sources: RwLock<BTreeMap<String, Arc<SourceCounters>>>,
    unknown_source: AtomicU64,
    ingress_busy: AtomicU64,
    audit_dropped: AtomicU64,
    /// Attempts by endpoint and outcome, when `metrics.per_endpoint` asks
    /// for them (one series per endpoint: off by default).
    per_endpoint: Option<RwLock<BTreeMap<String, Arc<[AtomicU64; 4]>>>>,
}

/// One inbound source's counters.
#[derive(Default)]
pub struct SourceCounters {
    accepted: AtomicU64,
    duplicate: AtomicU64,
    replayed: AtomicU64,
    forwarded: AtomicU64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
}

impl SourceCounters {
    pub fn accepted(&self) {
        self.accepted.fetch_add(1, Relaxed);
    }
    pub fn duplicate(&self) {
        self.duplicate.fetch_add(1, Relaxed);
    }
    pub fn replayed(&self) {
        self.replayed.fetch_add(1, Relaxed);
    }
    pub fn forwarded(&self) {
        self.forwarded.fetch_add(1, Relaxed);
    }
    pub fn rejected(&self, r: hookseal::Reason) {
        *self
            .rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(r.code())
            .or_default() += 1;
    }
}

impl Metrics {
    /// A source's counters (created on first use; kept while the process runs).
    pub fn source(&self, name: &str) -> Arc<SourceCounters> {
        if let Some(c) = self
            .sources
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
        {
            return c.clone();
        }
        self.sources
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    pub fn unknown_source(&self) {
        self.unknown_source.fetch_add(1, Relaxed);
    }
    pub fn ingress_busy(&self) {
        self.ingress_busy.fetch_add(1, Relaxed);
    }
    pub fn audit_dropped(&self) {
        self.audit_dropped.fetch_add(1, Relaxed);
    }

    /// Counts an attempt's outcome and latency.
    /// Counters with attempts also counted per endpoint.
    pub fn with_per_endpoint(per_endpoint: bool) -> Metrics {
        Metrics {
            per_endpoint: per_endpoint.then(Default::default),
            ..Default::default()
        }
    }

    pub fn record_attempt(&self, endpoint_id: &str, next: &Next, latency_ms: i64) {
        let outcome = match next {
            Next::Succeeded => 0,
            Next::RetryAt(_) => 1,
            Next::Failed => 2,
            Next::DisableEndpoint(_) => 3,
        };
        [
            &self.succeeded,
            &self.retried,
            &self.failed,
            &self.endpoint_disabled,
        ][outcome]
            .fetch_add(1, Relaxed);
        if let Some(per) = &self.per_endpoint {
            let known = per
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(endpoint_id)
                .cloned();
            let counters = known.unwrap_or_else(|| {
                per.write()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(endpoint_id.to_string())
                    .or_default()
                    .clone()
            });
            counters[outcome].fetch_add(1, Relaxed);
        }
        let ms = latency_ms.max(0) as u64;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                self.latency_buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_ms.fetch_add(ms, Relaxed);
    }

    /// The exposition text, with queue gauges read from the store.
    pub fn render(&self, q: &QueueStats) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP hookseal_messages_accepted_total Messages durably accepted."
        );
        let _ = writeln!(s, "# TYPE hookseal_messages_accepted_total counter");
        let _ = writeln!(
            s,
            "hookseal_messages_accepted_total {}",
            self.messages_accepted.load(Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP hookseal_messages_duplicate_total Publishes of an id already accepted."
        );
        let _ = writeln!(s, "# TYPE hookseal_messages_duplicate_total counter");
        let _ = writeln!(
            s,
            "hookseal_messages_duplicate_total {}",
            self.messages_duplicate.load(Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP hookseal_delivery_attempts_total Delivery attempts by outcome."
        );
        let _ = writeln!(s, "# TYPE hookseal_delivery_attempts_total counter");
        for (outcome, v) in [
            ("succeeded", &self.succeeded),
            ("retry", &self.retried),
            ("failed", &self.failed),
            ("endpoint_disabled", &self.endpoint_disabled),
        ] {
            let _ = writeln!(
                s,
                "hookseal_delivery_attempts_total{{outcome=\"{outcome}\"}} {}",
                v.load(Relaxed)
            );
        }
        if let Some(per) = &self.per_endpoint {
            let _ = writeln!(
                s,
                "# HELP hookseal_endpoint_attempts_total Delivery attempts by endpoint and outcome (metrics.per_endpoint)."
            );
            let _ = writeln!(s, "# TYPE hookseal_endpoint_attempts_total counter");
            for (ep, c) in per.read().unwrap_or_else(|p| p.into_inner()).iter() {
                for (i, outcome) in ["succeeded", "retry", "failed", "endpoint_disabled"]
                    .iter()
                    .enumerate()
                {
                    let _ = writeln!(
                        s,
                        "hookseal_endpoint_attempts_total{{endpoint=\"{ep}\",outcome=\"{outcome}\"}} {}",
                        c[i].load(Relaxed)
                    );
                }
            }
        }
        let _ = writeln!(
            s,
            "# HELP hookseal_attempt_duration_seconds Time from sending to the endpoint's answer."
        );
        let _ = writeln!(s, "# TYPE hookseal_attempt_duration_seconds histogram");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            let _ = writeln!(
                s,
                "hookseal_attempt_duration_seconds_bucket{{le=\"{}\"}} {}",
                *b as f64 / 1000.0,
                self.latency_buckets[i].load(Relaxed)
            );
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(
            s,
            "hookseal_attempt_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "hookseal_attempt_duration_seconds_sum {}",
            self.latency_sum_ms.load(Relaxed) as f64 / 1000.0
        );
        let _ = writeln!(s, "hookseal_attempt_duration_seconds_count {count}");
        let _ = writeln!(
            s,
            "# HELP hookseal_queue_pending Deliveries waiting for an attempt."
        );
        let _ = writeln!(s, "# TYPE hookseal_queue_pending gauge");
        let _ = writeln!(s, "hookseal_queue_pending {}", q.pending);
        let _ = writeln!(
            s,
            "# HELP hookseal_queue_oldest_due_seconds Age of the oldest due delivery."
        );
        let _ = writeln!(s, "# TYPE hookseal_queue_oldest_due_seconds gauge");
        let _ = writeln!(
            s,
            "hookseal_queue_oldest_due_seconds {}",
            q.oldest_due_ms.unwrap_or(0) as f64 / 1000.0
        );
        let _ = writeln!(
            s,
            "# HELP hookseal_endpoints_disabled Endpoints currently disabled."
        );
        let _ = writeln!(s, "# TYPE hookseal_endpoints_disabled gauge");
        let _ = writeln!(s, "hookseal_endpoints_disabled {}", q.disabled_endpoints);
        self.render_inbound(&mut s);
        s
    }

    fn render_inbound(&self, s: &mut String) {
        let sources = self.sources.read().unwrap_or_else(|p| p.into_inner());
        for (metric, help, pick) in [
            (
                "hookseal_inbound_accepted_total",
                "Inbound webhooks verified and durably stored.",
                (|c: &SourceCounters| c.accepted.load(Relaxed)) as fn(&SourceCounters) -> u64,
            ),
            (
                "hookseal_inbound_duplicate_total",
                "Inbound webhooks answered 2xx as retries of an event already accepted (same id, same body); stored once.",
                |c: &SourceCounters| c.duplicate.load(Relaxed),
            ),
            (
                "hookseal_inbound_replayed_total",
                "Inbound webhooks refused as replays (also in hookseal_inbound_rejected_total, reason \"replayed\").",
                |c: &SourceCounters| c.replayed.load(Relaxed),
            ),
            (
                "hookseal_inbound_forwarded_total",
                "Inbound webhooks delivered to an endpoint.",
                |c: &SourceCounters| c.forwarded.load(Relaxed),
            ),
        ] {
            let _ = writeln!(s, "# HELP {metric} {help}");
            let _ = writeln!(s, "# TYPE {metric} counter");
            for (name, c) in sources.iter() {
                let _ = writeln!(s, "{metric}{{source=\"{name}\"}} {}", pick(c));
            }
        }
        let _ = writeln!(
            s,
            "# HELP hookseal_inbound_rejected_total Inbound webhooks refused, by reason."
        );
        let _ = writeln!(s, "# TYPE hookseal_inbound_rejected_total counter");
        for (name, c) in sources.iter() {
            for (reason, n) in c.rejected.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                let _ = writeln!(
                    s,
                    "hookseal_inbound_rejected_total{{source=\"{name}\",reason=\"{reason}\"}} {n}"
                );
            }
        }
        for (metric, help, v) in [
            (
                "hookseal_inbound_unknown_source_total",
                "Requests to /in/ naming no source.",
                &self.unknown_source,
            ),
            (
                "hookseal_inbound_busy_total",
                "Inbound requests refused because the gateway was at its concurrency limit.",
                &self.ingress_busy,
            ),
            (
                "hookseal_inbound_audit_dropped_total",
                "Rejections not written to the audit table (rate limit).",
                &self.audit_dropped,
            ),
        ] {
            let _ = writeln!(s, "# HELP {metric} {help}");
            let _ = writeln!(s, "# TYPE {metric} counter");
            let _ = writeln!(s, "{metric} {}", v.load(Relaxed));
        }
    }
}
