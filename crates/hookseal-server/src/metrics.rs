//! Prometheus metrics, in the text exposition format, without a metrics crate:
//! a few atomics and a fixed-bucket histogram are all the server needs.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

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
}

impl Metrics {
    /// Counts an attempt's outcome and latency.
    pub fn record_attempt(&self, next: &Next, latency_ms: i64) {
        match next {
            Next::Succeeded => &self.succeeded,
            Next::RetryAt(_) => &self.retried,
            Next::Failed => &self.failed,
            Next::DisableEndpoint(_) => &self.endpoint_disabled,
        }
        .fetch_add(1, Relaxed);
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
        s
    }
}
