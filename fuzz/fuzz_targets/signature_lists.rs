//! Signature-list and key=value header layouts (Standard Webhooks lists,
//! Stripe/Paddle pairs, prefixed single values) with a valid id/timestamp, so
//! the fuzzer spends its time inside the list parsers.
#![no_main]

use std::sync::OnceLock;

use hookseal::{provider, Policy, Request};
use libfuzzer_sys::fuzz_target;

fn policies() -> &'static Vec<(&'static str, Policy)> {
    static P: OnceLock<Vec<(&'static str, Policy)>> = OnceLock::new();
    P.get_or_init(|| {
        [
            ("standard-webhooks", "webhook-signature", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            ("stripe", "Stripe-Signature", "k"),
            ("paddle", "Paddle-Signature", "k"),
            ("orange-logic", "x-ol-signature", "k"),
            ("pagerduty", "X-PagerDuty-Signature", "k"),
            ("github", "X-Hub-Signature-256", "k"),
            ("slack", "X-Slack-Signature", "k"),
        ]
        .into_iter()
        .map(|(name, header, key)| {
            let p = provider::find(name).unwrap();
            (header, Policy::builder(p.scheme.clone()).secret(key).build().unwrap())
        })
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, sig)) = data.split_first() else { return };
    let (header, policy) = &policies()[pick as usize % policies().len()];
    let headers: Vec<(&str, &[u8])> = vec![
        ("webhook-id", b"msg_1"),
        ("webhook-timestamp", b"1700000000"),
        ("X-Slack-Request-Timestamp", b"1700000000"),
        (header, sig),
    ];
    let _ = policy.verify(&Request::new(&headers, b"body"), 1_700_000_000);
});
