//! Published public keys as a JSON Web Key Set (RFC 7517; OKP keys per
//! RFC 8037): what a sender publishes for endpoints it signs with Ed25519 or
//! ECDSA P-256 (Standard Webhooks `v1a`, RFC 9421), and what a receiver
//! reads back into keys its verifiers take.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::codec::{pem_decode, spki_decode, SpkiAlg, B64, B64URL_NOPAD, B64_LENIENT};
use crate::error::ConfigError;

/// The largest JWKS read (64 KiB), and the most keys taken from it.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// The most keys taken from one set.
pub const MAX_KEYS: usize = 100;

/// A key's algorithm, as a verifier needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// Ed25519 (`kty: OKP`, `crv: Ed25519`).
    Ed25519,
    /// ECDSA P-256 (`kty: EC`, `crv: P-256`).
    P256,
}

fn raw_public(text: &str) -> Option<(KeyType, Vec<u8>)> {
    let t = text.trim();
    if let Some(b) = t.strip_prefix("whpk_") {
        let raw = B64_LENIENT.decode(b).ok()?;
        return (raw.len() == 32).then_some((KeyType::Ed25519, raw));
    }
    let der = if t.starts_with("-----BEGIN") {
        let (label, der) = pem_decode(t)?;
        (label == "PUBLIC KEY").then_some(der)?
    } else {
        B64_LENIENT.decode(t).ok()?
    };
    match spki_decode(&der)? {
        (SpkiAlg::Ed25519, raw) => Some((KeyType::Ed25519, raw)),
        (SpkiAlg::P256, raw) => Some((KeyType::P256, raw)),
        _ => None,
    }
}

/// The JWK of a public key written as `whpk_…`, a PEM `PUBLIC KEY` or base64
/// SubjectPublicKeyInfo (Ed25519 or P-256), with `kid` set to `kid`;
/// `None` for anything else.
pub fn to_jwk(public: &str, kid: &str) -> Option<Value> {
    let (kind, raw) = raw_public(public)?;
    Some(match kind {
        KeyType::Ed25519 => json!({
            "kty": "OKP", "crv": "Ed25519", "x": B64URL_NOPAD.encode(&raw),
            "use": "sig", "alg": "EdDSA", "kid": kid,
        }),
        KeyType::P256 => json!({
            "kty": "EC", "crv": "P-256",
            "x": B64URL_NOPAD.encode(&raw[1..33]), "y": B64URL_NOPAD.encode(&raw[33..65]),
            "use": "sig", "alg": "ES256", "kid": kid,
        }),
    })
}

/// A stable key id for a public key: `prefix` and the first 8 bytes of the
/// SHA-256 of the raw key, hex (the same key always gets the same id).
pub fn key_id(prefix: &str, public: &str) -> Option<String> {
    let (_, raw) = raw_public(public)?;
    let d = ring::digest::digest(&ring::digest::SHA256, &raw);
    Some(format!(
        "{prefix}{}",
        crate::codec::hex_encode(&d.as_ref()[..8])
    ))
}

/// The keys of type `want` in a JWKS, as the verifiers take them (`whpk_…`
/// for Ed25519, base64 SubjectPublicKeyInfo for P-256), with their `kid`s.
/// Keys of other types are skipped; a malformed key of the wanted type, an
/// oversized set or one with no such key is an error.
pub fn public_keys(
    jwks: &str,
    want: KeyType,
) -> Result<Vec<(Option<String>, String)>, ConfigError> {
    let bad = |why: String| ConfigError::InvalidKey(format!("JWKS: {why}"));
    if jwks.len() > MAX_JWKS_BYTES {
        return Err(bad(format!("larger than {MAX_JWKS_BYTES} bytes")));
    }
    let v: Value = serde_json::from_str(jwks).map_err(|e| bad(format!("not JSON: {e}")))?;
    let keys = v
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"keys\" array".into()))?;
    let mut out = Vec::new();
    for (i, k) in keys.iter().enumerate().take(MAX_KEYS) {
        let s = |f: &str| k.get(f).and_then(Value::as_str);
        let b64 = |f: &str, len: usize| -> Result<Vec<u8>, ConfigError> {
            let raw = B64URL_NOPAD
                .decode(s(f).ok_or_else(|| bad(format!("key {i}: no {f}")))?)
                .map_err(|_| bad(format!("key {i}: {f} is not base64url")))?;
            if raw.len() != len {
                return Err(bad(format!("key {i}: {f} is not {len} bytes")));
            }
            Ok(raw)
        };
        if s("use").is_some_and(|u| u != "sig") {
            continue;
        }
        let kid = s("kid").map(str::to_string);
        match (want, s("kty"), s("crv")) {
            (KeyType::Ed25519, Some("OKP"), Some("Ed25519")) => {
                let x = b64("x", 32)?;
                out.push((kid, format!("whpk_{}", B64.encode(x))));
            }
            (KeyType::P256, Some("EC"), Some("P-256")) => {
                let mut point = vec![4u8];
                point.extend(b64("x", 32)?);
                point.extend(b64("y", 32)?);
                let spki =
                    crate::codec::public_key_spki_base64(crate::codec::PublicKeyAlg::P256, &point);
                // Its shape checked as the verifier will read it (a point off
                // the curve verifies nothing: ring refuses it at verify time).
                crate::scheme::asym::parse_public_key(
                    crate::scheme::asym::AsymAlgorithm::EcdsaP256,
                    &spki,
                )
                .map_err(|e| bad(format!("key {i}: {e}")))?;
                out.push((kid, spki));
            }
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(bad(format!("no {want:?} signing key")));
    }
    Ok(out)
}

/// A JWKS document from JWKs.
pub fn set(keys: Vec<Value>) -> Value {
    json!({ "keys": keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_a_set() {
        let ed = crate::keys::generate(crate::keys::KeyKind::StandardEd25519);
        let p = crate::keys::generate(crate::keys::KeyKind::P256);
        let ed_pub = ed.public.unwrap();
        let p_pub = p.public.unwrap();
        let doc = set(vec![
            to_jwk(&ed_pub, "a").unwrap(),
            to_jwk(&p_pub, "b").unwrap(),
            json!({"kty": "RSA", "n": "x", "e": "AQAB"}),
        ])
        .to_string();
        assert_eq!(
            public_keys(&doc, KeyType::Ed25519).unwrap(),
            vec![(Some("a".into()), ed_pub.clone())]
        );
        assert_eq!(
            public_keys(&doc, KeyType::P256).unwrap(),
            vec![(Some("b".into()), p_pub.clone())]
        );
        assert_eq!(key_id("ep_1.", &ed_pub), key_id("ep_1.", &ed_pub));
        assert_ne!(key_id("", &ed_pub), key_id("", &p_pub));
        // RFC 8037 appendix A.2's public key.
        let rfc = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
        let k = public_keys(rfc, KeyType::Ed25519).unwrap();
        assert_eq!(
            crate::scheme::asym::parse_public_key(
                crate::scheme::asym::AsymAlgorithm::Ed25519,
                &k[0].1
            )
            .unwrap(),
            crate::codec::hex_decode(
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
            )
            .unwrap()
        );
    }

    #[test]
    fn malformed_sets_are_refused() {
        for bad in [
            "",
            "[]",
            r#"{"keys": 1}"#,
            r#"{"keys": []}"#,
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"short"}]}"#,
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519"}]}"#,
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#,
        ] {
            assert!(public_keys(bad, KeyType::Ed25519).is_err(), "{bad}");
        }
        let short_y = r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAA"}]}"#;
        assert!(public_keys(short_y, KeyType::P256).is_err());
        assert!(public_keys(&"x".repeat(MAX_JWKS_BYTES + 1), KeyType::P256).is_err());
    }
}
