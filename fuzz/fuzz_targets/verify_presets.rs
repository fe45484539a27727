//! Every preset's header parsers on arbitrary headers and bodies.
//! Input: first byte picks the preset; the rest is split on 0xFF into header
//! values (given to every header name any preset reads) and the body.
#![no_main]

use std::sync::OnceLock;

use hookseal::{Policy, Request, PRESETS};
use libfuzzer_sys::fuzz_target;

/// Every header any preset reads, derived from the presets themselves.
fn names() -> &'static Vec<&'static str> {
    static N: OnceLock<Vec<&'static str>> = OnceLock::new();
    N.get_or_init(|| {
        let set: std::collections::BTreeSet<&'static str> =
            PRESETS.iter().flat_map(|p| p.scheme.headers()).collect();
        set.into_iter().collect()
    })
}

fn policies() -> &'static Vec<Policy> {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| {
        PRESETS
            .iter()
            .map(|p| {
                let key = hookseal::keys::generate(p.scheme.key_kind());
                let key = key.public.unwrap_or(key.secret);
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
    let headers: Vec<(&str, &[u8])> = names()
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
    // The preset's handshake, signed (after verification) and unsigned (a GET
    // whose query is the body's text).
    if let Some(h) = PRESETS[pick as usize % PRESETS.len()].handshake {
        let _ = h.reply(&headers, body, "fuzz-secret");
        if let Ok(q) = std::str::from_utf8(body) {
            let _ = h.unsigned_reply("GET", q, &headers, Some("token"));
            let _ = h.unsigned_reply("GET", q, &headers, None);
        }
    }
});
