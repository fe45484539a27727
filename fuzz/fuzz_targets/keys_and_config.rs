//! Configuration parsers: secrets, public and private keys (PEM, DER, raw),
//! CIDRs, content templates, timestamps, scheme options (a gateway source's
//! config), and the forwarding headers a trusted proxy passes on.
#![no_main]

use hookseal::scheme::asym::{parse_public_key, AsymAlgorithm};
use hookseal::{provider, Cidr, Part, Secret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        let _ = hookseal::Encoding::Base64.decode(data);
        let _ = hookseal::Encoding::Hex.decode(data);
        return;
    };
    let _ = Secret::from_standard(s);
    let _ = s.parse::<Cidr>();
    let _ = Part::parse_template(s);
    let _ = hookseal::time::parse_rfc3339(s);
    if let Some(ms) = hookseal::time::parse_rfc3339_ms(s) {
        // What the Svix API writes back it reads the same.
        let again = hookseal::time::parse_rfc3339_ms(&hookseal::time::format_rfc3339_ms(ms));
        assert_eq!(again, Some(ms), "{s:?}");
    }
    let _ = hookseal::codec::pem_decode(s);
    // A JWKS a receiver fetched, and a public key turned into a JWK.
    for kind in [hookseal::jwks::KeyType::Ed25519, hookseal::jwks::KeyType::P256] {
        if let Ok(keys) = hookseal::jwks::public_keys(s, kind) {
            assert!(!keys.is_empty() && keys.len() <= hookseal::jwks::MAX_KEYS);
        }
    }
    let _ = hookseal::jwks::to_jwk(s, "k");
    let _ = parse_public_key(AsymAlgorithm::Ed25519, s);
    let _ = parse_public_key(AsymAlgorithm::EcdsaP256, s);
    // Private keys and JWT keys are parsed when a signer or verifier is built.
    for name in ["discord", "sendgrid", "standard-webhooks", "flatfile"] {
        let spec = &provider::find(name).unwrap().scheme;
        let _ = spec.signer(&[s]);
        let _ = spec.verifier(&[s]);
    }
    let _ = hookseal::SchemeSpec::Jwt(hookseal::scheme::jwt::JwtSpec::bearer()).verifier(&[s]);
    if let Ok(o) = serde_json::from_str::<hookseal::scheme::options::SchemeOptions>(s) {
        let _ = o.resolve(hookseal::scheme::options::Names::Keys);
    }
    let trusted = hookseal::IpAllowlist::parse(&["10.0.0.0/8", "::1/128"]).unwrap();
    for (name, which) in [
        ("x-forwarded-for", hookseal::ip::ProxyHeader::XForwardedFor),
        ("forwarded", hookseal::ip::ProxyHeader::Forwarded),
    ] {
        if let Ok(v) = http::HeaderValue::from_str(s) {
            let mut h = http::HeaderMap::new();
            h.insert(name, v);
            let peer = std::net::IpAddr::from([10, 0, 0, 1]);
            // The answer is the peer, an untrusted address the header names,
            // or unknown: never another trusted proxy's address.
            if let Some(ip) = hookseal::ip::client_ip(peer, &h, &trusted, which) {
                assert!(ip == peer || !trusted.allows(ip));
            }
        }
    }
});
