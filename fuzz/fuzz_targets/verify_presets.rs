//! Every preset's header parsers on arbitrary headers and bodies.
//! Input: first byte picks the preset; the rest is split on 0xFF into header
//! values (given to every header name any preset reads) and the body.
#![no_main]

use std::sync::OnceLock;

use hookseal::{Policy, Request, PRESETS};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp",
    "svix-signature", "Stripe-Signature", "Paddle-Signature", "Authorization",
    "X-Signature-Ed25519", "X-Signature-Timestamp", "X-Twilio-Signature", "X-Jodo-Signature",
    "x-ol-signature", "X-Hub-Signature-256", "X-Hub-Signature", "X-Slack-Signature",
    "X-Slack-Request-Timestamp", "X-Twilio-Email-Event-Webhook-Signature",
    "X-Twilio-Email-Event-Webhook-Timestamp", "Twitch-Eventsub-Message-Signature",
    "Twitch-Eventsub-Message-Timestamp", "Twitch-Eventsub-Message-Id", "X-HubSpot-Signature-v3",
    "X-HubSpot-Request-Timestamp", "X-Gitlab-Token", "Linear-Signature", "x-zm-signature",
    "x-zm-request-timestamp", "Mux-Signature", "Calendly-Webhook-Signature",
    "X-PagerDuty-Signature", "Typeform-Signature", "X-Shopify-Hmac-Sha256",
    "x-square-hmacsha256-signature", "X-Joy-Loyalty-Hmac-Sha256", "X-Razorpay-Signature",
];

fn policies() -> &'static Vec<Policy> {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| {
        let ed = hookseal::keys::generate(hookseal::keys::KeyKind::Ed25519);
        let p256 = hookseal::keys::generate(hookseal::keys::KeyKind::P256);
        PRESETS
            .iter()
            .map(|p| {
                let key = match p.name {
                    "discord" => ed.public.clone().unwrap(),
                    "sendgrid" => p256.public.clone().unwrap(),
                    "standard-webhooks" | "svix" => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
                    _ => "fuzz-secret".into(),
                };
                Policy::builder(p.scheme.clone()).secret(key).build().unwrap()
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let policies = policies();
    let policy = &policies[pick as usize % policies.len()];
    let mut parts = rest.split(|&b| b == 0xFF);
    let body = parts.next().unwrap_or(&[]);
    let values: Vec<&[u8]> = parts.collect();
    if values.is_empty() {
        return;
    }
    let headers: Vec<(&str, &[u8])> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, values[i % values.len()]))
        .collect();
    let req = Request::new(&headers, body).with_url("https://example.com/hook?a=1");
    let _ = policy.verify(&req, 1_700_000_000);
    // The preset's event type, and a nested pointer, from the same untrusted input.
    let map: http::HeaderMap = headers
        .iter()
        .filter_map(|(n, v)| Some((n.parse().ok()?, http::HeaderValue::from_bytes(v).ok()?)))
        .collect();
    if let Some(at) = &PRESETS[pick as usize % PRESETS.len()].event_type {
        let _ = at.extract(&map, body);
    }
    let _ = hookseal::event_type::EventTypeAt::Json("/event/type".into()).extract(&map, body);
});
