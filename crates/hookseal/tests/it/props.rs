//! Property tests: for every preset, sign → verify succeeds, and any one-byte
//! change of the body or of any signed header (id, timestamp, signature) is
//! rejected. Arbitrary input never panics.

use hookseal::{Outgoing, Policy, Request, PRESETS};

use crate::support::{self, key_pair};
use proptest::prelude::*;

const NOW: i64 = 1_700_000_000;
const URL: &str = "https://hooks.example.com/in/src?a=1";

fn policies() -> &'static Vec<Policy> {
    static P: std::sync::OnceLock<Vec<Policy>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        PRESETS
            .iter()
            .map(|p| {
                Policy::builder(p.scheme.clone())
                    .secret(key_pair(p).1)
                    .tolerance(p.tolerance)
                    .build()
                    .unwrap()
            })
            .collect()
    })
}

fn body_for(i: usize, raw: Vec<u8>) -> Vec<u8> {
    support::body_for(&PRESETS[i], &raw, NOW)
}

fn form_params(b: &[u8]) -> Option<Vec<(String, String)>> {
    std::str::from_utf8(b).ok()?;
    let mut v: Vec<(String, String)> = form_urlencoded::parse(b).into_owned().collect();
    v.sort();
    v.dedup();
    Some(v)
}

fn signed(i: usize, body: &[u8]) -> Vec<(String, String)> {
    let p = &PRESETS[i];
    p.scheme
        .signer(&[key_pair(p).0])
        .unwrap()
        .sign(&Outgoing {
            id: "msg_prop",
            timestamp: NOW,
            body,
            url: URL,
            method: "POST",
        })
        .unwrap()
}

fn verify(i: usize, h: &[(String, String)], body: &[u8]) -> bool {
    let req = Request::new(&h, body).with_url(URL).with_method("POST");
    policies()[i].verify(&req, NOW).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn event_types_are_found_among_anything_and_never_panic(
        raw in proptest::collection::vec(any::<u8>(), 0..300),
        ty in "[a-z][a-z0-9._/*:-]{0,40}",
        noise in proptest::collection::btree_map("[a-z]{1,6}", "[ -~]{0,12}", 0..6),
        before in any::<bool>(),
    ) {
        use hookseal::event_type::EventTypeAt;
        let none = http::HeaderMap::new();
        let top = EventTypeAt::Json("/type".into());
        let nested = EventTypeAt::Json("/event/type".into());
        // Any bytes: an answer or none, never a panic.
        let _ = top.extract(&none, &raw);
        let _ = nested.extract(&none, &raw);
        // The type is found wherever it sits among other fields, at the
        // pointer's depth only.
        let mut event = serde_json::Map::new();
        let other: serde_json::Map<String, serde_json::Value> = noise
            .iter()
            .filter(|(k, _)| k.as_str() != "type")
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        if before {
            event.extend(other.clone());
        }
        event.insert("type".into(), serde_json::json!(ty));
        if !before {
            event.extend(other.clone());
        }
        let body = serde_json::to_vec(&serde_json::json!({ "data": other, "event": event })).unwrap();
        prop_assert_eq!(nested.extract(&none, &body), Some(ty));
        prop_assert_eq!(top.extract(&none, &body), None);
    }

    #[test]
    fn sign_then_verify(i in 0..PRESETS.len(), raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        let body = body_for(i, raw);
        let h = signed(i, &body);
        prop_assert!(verify(i, &h, &body), "{} {:?}", PRESETS[i].name, h);
    }

    #[test]
    fn any_body_byte_change_is_rejected(
        i in 0..PRESETS.len(),
        raw in proptest::collection::vec(any::<u8>(), 1..300),
        pos in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let name = PRESETS[i].name;
        prop_assume!(PRESETS[i].scheme.binds_body());
        let body = body_for(i, raw);
        let h = signed(i, &body);
        let mut bad = body.clone();
        let at = pos.index(bad.len());
        bad[at] ^= flip;
        if matches!(PRESETS[i].scheme, hookseal::SchemeSpec::Twilio(_)) {
            // Twilio signs the decoded, sorted form parameters, not the raw bytes:
            // a change that decodes to the same parameters ('+' vs ' ') is the same message.
            prop_assume!(form_params(&body) != form_params(&bad));
        }
        prop_assert!(!verify(i, &h, &bad), "{name}: byte {at} changed and still verified");
    }

    #[test]
    fn any_signed_header_byte_change_is_rejected(
        i in 0..PRESETS.len(),
        raw in proptest::collection::vec(any::<u8>(), 0..64),
        which in any::<prop::sample::Index>(),
        pos in any::<prop::sample::Index>(),
        to in 0x20u8..0x7f,
    ) {
        let name = PRESETS[i].name;
        let body = body_for(i, raw);
        let mut h = signed(i, &body);
        let hi = which.index(h.len());
        let mut v = h[hi].1.clone().into_bytes();
        let at = pos.index(v.len());
        // A change of ASCII case alone is no change for hex digits and prefixes.
        prop_assume!(!v[at].eq_ignore_ascii_case(&to));
        let before = v.clone();
        v[at] = to;
        // Neither is turning trailing base64 padding into trailing whitespace:
        // header values are trimmed and padding is optional, so it encodes the
        // same signature.
        let canon = |x: &[u8]| String::from_utf8_lossy(x).trim().trim_end_matches('=').to_string();
        prop_assume!(canon(&before) != canon(&v));
        h[hi].1 = String::from_utf8(v).unwrap();
        prop_assert!(!verify(i, &h, &body), "{name}: {:?} still verified", h[hi]);
    }

    #[test]
    fn arbitrary_headers_never_panic(
        i in 0..PRESETS.len(),
        values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 4),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        // Feed every header any preset reads with arbitrary bytes.
        let names: std::collections::BTreeSet<&str> =
            PRESETS.iter().flat_map(|p| p.scheme.headers()).collect();
        let h: Vec<(&str, Vec<u8>)> = names
            .iter()
            .enumerate()
            .map(|(k, n)| (*n, values[k % values.len()].clone()))
            .collect();
        let req = Request::new(&h, &body).with_url(URL);
        prop_assert!(policies()[i].verify(&req, NOW).is_err());
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,80}", b in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = s.parse::<hookseal::Cidr>();
        let _ = hookseal::Part::parse_template(&s);
        let _ = hookseal::time::parse_rfc3339(&s);
        let _ = hookseal::Secret::from_standard(&s);
        let _ = hookseal::scheme::asym::parse_public_key(hookseal::scheme::asym::AsymAlgorithm::EcdsaP256, &s);
        let _ = hookseal::scheme::asym::parse_public_key(hookseal::scheme::asym::AsymAlgorithm::Ed25519, &s);
        let _ = hookseal::codec::pem_decode(&s);
        for e in [hookseal::Encoding::Hex, hookseal::Encoding::Base64, hookseal::Encoding::Base64Url] {
            let _ = e.decode(&b);
        }
    }

    #[test]
    fn client_ip_is_the_peer_or_an_untrusted_hop_the_header_names(
        hops in proptest::collection::vec((any::<[u8; 4]>(), any::<bool>()), 0..6),
        junk in "[g-z_]{1,20}",
        use_forwarded in any::<bool>(),
    ) {
        let trusted = hookseal::IpAllowlist::parse(&["10.0.0.0/8"]).unwrap();
        let peer: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let addrs: Vec<std::net::IpAddr> = hops
            .iter()
            .map(|(a, proxy)| if *proxy { std::net::IpAddr::from([10, a[1], a[2], a[3]]) } else { std::net::IpAddr::from(*a) })
            .collect();
        let list = if use_forwarded {
            addrs.iter().map(|a| format!("for={a}")).collect::<Vec<_>>().join(", ")
        } else {
            addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
        };
        let name = if use_forwarded { "forwarded" } else { "x-forwarded-for" };
        let mut h = http::HeaderMap::new();
        if let Ok(v) = http::HeaderValue::from_str(&list) {
            h.insert(name, v);
        }
        let which = if use_forwarded { hookseal::ip::ProxyHeader::Forwarded } else { hookseal::ip::ProxyHeader::XForwardedFor };
        let got = hookseal::ip::client_ip(peer, &h, &trusted, which);
        // The rightmost untrusted hop, or the peer when every hop is a proxy.
        let want = addrs.iter().rev().find(|a| !trusted.allows(**a)).copied().unwrap_or(peer);
        prop_assert_eq!(got, Some(want));
        // A malformed nearest hop ends the walk: the client is unknown (never
        // the proxy itself, which an allowlist might admit).
        h.insert(name, http::HeaderValue::from_str(&format!("{list}, {junk}")).unwrap());
        prop_assert_eq!(hookseal::ip::client_ip(peer, &h, &trusted, which), None);
        // Junk to the left of an untrusted hop is never reached.
        if let Some(first) = addrs.iter().rposition(|a| !trusted.allows(*a)) {
            let hop = |a: &std::net::IpAddr| if use_forwarded { format!("for={a}") } else { a.to_string() };
            let right: Vec<String> = addrs[first..].iter().map(hop).collect();
            h.insert(name, http::HeaderValue::from_str(&format!("{junk}, {}", right.join(", "))).unwrap());
            prop_assert_eq!(hookseal::ip::client_ip(peer, &h, &trusted, which), Some(want));
        }
    }
}

mod http_signatures {
    use hookseal::scheme::httpsig::{HttpSigAlg, HttpSigSpec};
    use hookseal::{sfv, Outgoing, Policy, Request, SchemeSpec};
    use proptest::prelude::*;

    const HMAC_KEY: &str = "dGhpcyBpcyBhIHByb3BlcnR5IHRlc3Qga2V5";

    fn pair(alg: HttpSigAlg) -> (String, String) {
        static ED: std::sync::OnceLock<hookseal::keys::GeneratedKey> = std::sync::OnceLock::new();
        match alg {
            HttpSigAlg::Ed25519 => {
                let k =
                    ED.get_or_init(|| hookseal::keys::generate(hookseal::keys::KeyKind::Ed25519));
                (k.secret.clone(), k.public.clone().unwrap())
            }
            _ => (HMAC_KEY.into(), HMAC_KEY.into()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Signed then verified under the same policy: accepted; any body
        /// byte or URL byte changed: refused.
        #[test]
        fn sign_verify_and_tamper(
            ed in any::<bool>(),
            body in proptest::collection::vec(any::<u8>(), 1..200),
            path in "[a-z0-9/._~-]{0,30}",
            id in "[ -~]{0,20}",
            at in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let alg = if ed { HttpSigAlg::Ed25519 } else { HttpSigAlg::HmacSha256 };
            let (sk, vk) = pair(alg);
            let spec = SchemeSpec::HttpSig(HttpSigSpec::new(alg));
            let url = format!("https://hooks.example.com/{path}?q=1");
            let h = spec.signer(&[sk]).unwrap().sign(&Outgoing {
                id: &id, timestamp: 1_700_000_000, body: &body, url: &url, method: "POST",
            }).unwrap();
            let p = Policy::builder(spec).secret(vk).build().unwrap();
            let ok = |b: &[u8], u: &str| p.verify(&Request::new(&h, b).with_url(u), 1_700_000_001).is_ok();
            prop_assert!(ok(&body, &url));
            let mut bad = body.clone();
            bad[at.index(body.len())] ^= flip;
            prop_assert!(!ok(&bad, &url));
            let other_url = url.clone() + "&r=2";
            prop_assert!(!ok(&body, &other_url));
        }

        /// Whatever parses, serialises to a value that parses the same.
        #[test]
        fn structured_fields_round_trip(s in r#"[a-z0-9*;=:,"()?. /+-]{0,60}"#) {
            if let Ok(d) = sfv::parse_dictionary(&s) {
                prop_assert_eq!(sfv::parse_dictionary(&sfv::write_dictionary(&d)), Ok(d));
            }
            if let Ok(l) = sfv::parse_list(&s) {
                prop_assert_eq!(sfv::parse_list(&sfv::write_list(&l)), Ok(l));
            }
        }

        /// Built from parts, parsed back to the same parts.
        #[test]
        fn dictionaries_built_parse_back(
            members in proptest::collection::vec(("[a-z][a-z0-9_-]{0,6}", -999_999i64..999_999, "[ -~]{0,10}", proptest::collection::vec(any::<u8>(), 0..12)), 1..6),
        ) {
            let mut d: sfv::Dictionary = Vec::new();
            for (k, n, s, b) in members {
                if d.iter().any(|(x, _)| *x == k) { continue; }
                let m = sfv::Member::InnerList(
                    vec![(sfv::BareItem::String(s), vec![]), (sfv::BareItem::Bytes(b), vec![("p".into(), sfv::BareItem::Decimal(n))])],
                    vec![("n".into(), sfv::BareItem::Integer(n))],
                );
                d.push((k, m));
            }
            prop_assert_eq!(sfv::parse_dictionary(&sfv::write_dictionary(&d)), Ok(d));
        }
    }
}

mod published_keys {
    use hookseal::jwks::{public_keys, to_jwk, KeyType};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any text as a JWKS: keys or a clean error, never a panic; and a
        /// set built from generated keys gives exactly those keys back.
        #[test]
        fn any_jwks_and_round_trips(text in "\\PC{0,200}", n in 1usize..4, junk in "[a-z]{0,8}") {
            let _ = public_keys(&text, KeyType::Ed25519);
            let _ = public_keys(&text, KeyType::P256);
            let keys: Vec<String> = (0..n)
                .map(|_| hookseal::keys::generate(hookseal::keys::KeyKind::StandardEd25519).public.unwrap())
                .collect();
            let mut jwks: Vec<serde_json::Value> =
                keys.iter().enumerate().map(|(i, k)| to_jwk(k, &format!("k{i}")).unwrap()).collect();
            jwks.push(serde_json::json!({ "kty": junk, "x": "AAAA" }));
            let doc = hookseal::jwks::set(jwks).to_string();
            let back: Vec<String> = public_keys(&doc, KeyType::Ed25519).unwrap().into_iter().map(|(_, k)| k).collect();
            prop_assert_eq!(back, keys);
        }
    }
}
