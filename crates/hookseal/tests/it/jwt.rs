//! JWT bearer tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use hookseal::scheme::jwt::{JwtAlg, JwtSpec};
use hookseal::{Policy, Reason, Request, SchemeSpec};
use std::borrow::Cow;

const NOW: i64 = 1_700_000_000;

/// An HS256 token built by hand, as any JWT library would.
fn hs256(secret: &str, header: &str, claims: &str) -> String {
    let input = format!("{}.{}", B64URL.encode(header), B64URL.encode(claims));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    format!(
        "{input}.{}",
        B64URL.encode(ring::hmac::sign(&key, input.as_bytes()))
    )
}

fn check(policy: &Policy, token: &str, body: &[u8]) -> Result<(), Reason> {
    let h = vec![("Authorization", format!("Bearer {token}"))];
    policy
        .verify(&Request::new(&h, body), NOW)
        .map(|_| ())
        .map_err(|r| r.reason())
}

fn flatfile() -> Policy {
    let p = hookseal::provider::find("flatfile").unwrap();
    Policy::builder(p.scheme.clone())
        .secret("your-very-secret-key")
        .build()
        .unwrap()
}

#[test]
fn flatfile_style_iat_only_tokens() {
    let p = flatfile();
    let hdr = r#"{"alg":"HS256","typ":"JWT"}"#;
    // jsonwebtoken's default: the payload plus iat.
    let fresh = hs256(
        "your-very-secret-key",
        hdr,
        &format!(r#"{{"event":"records:created","iat":{}}}"#, NOW - 10),
    );
    assert_eq!(check(&p, &fresh, b"{}"), Ok(()));
    let stale = hs256(
        "your-very-secret-key",
        hdr,
        &format!(r#"{{"iat":{}}}"#, NOW - 301),
    );
    assert_eq!(check(&p, &stale, b"{}"), Err(Reason::TokenExpired));
    let unbounded = hs256("your-very-secret-key", hdr, r#"{"event":"x"}"#);
    assert_eq!(check(&p, &unbounded, b"{}"), Err(Reason::TokenUnbounded));
    let future = hs256(
        "your-very-secret-key",
        hdr,
        &format!(r#"{{"iat":{}}}"#, NOW + 120),
    );
    assert_eq!(check(&p, &future, b"{}"), Err(Reason::TokenNotYetValid));
    let wrong = hs256("another-secret", hdr, &format!(r#"{{"iat":{NOW}}}"#));
    assert_eq!(check(&p, &wrong, b"{}"), Err(Reason::SignatureMismatch));
}

#[test]
fn exp_nbf_and_leeway() {
    let p = flatfile();
    let hdr = r#"{"alg":"HS256"}"#;
    let k = "your-very-secret-key";
    assert_eq!(
        check(
            &p,
            &hs256(k, hdr, &format!(r#"{{"exp":{}}}"#, NOW + 3600)),
            b""
        ),
        Ok(())
    );
    assert_eq!(
        check(
            &p,
            &hs256(k, hdr, &format!(r#"{{"exp":{}}}"#, NOW - 30)),
            b""
        ),
        Ok(()),
        "inside leeway"
    );
    assert_eq!(
        check(
            &p,
            &hs256(k, hdr, &format!(r#"{{"exp":{}}}"#, NOW - 61)),
            b""
        ),
        Err(Reason::TokenExpired)
    );
    assert_eq!(
        check(
            &p,
            &hs256(
                k,
                hdr,
                &format!(r#"{{"exp":{},"nbf":{}}}"#, NOW + 600, NOW + 120)
            ),
            b""
        ),
        Err(Reason::TokenNotYetValid)
    );
    assert_eq!(
        check(&p, &hs256(k, hdr, r#"{"exp":"soon"}"#), b""),
        Err(Reason::MalformedToken)
    );
}

#[test]
fn algorithm_attacks_are_refused() {
    let p = flatfile();
    let claims = format!(r#"{{"exp":{}}}"#, NOW + 60);
    // alg none, any case.
    for alg in ["none", "None", "NONE"] {
        let t = format!(
            "{}.{}.",
            B64URL.encode(format!(r#"{{"alg":"{alg}"}}"#)),
            B64URL.encode(&claims)
        );
        assert_eq!(
            check(&p, &t, b""),
            Err(Reason::AlgorithmNotAllowed),
            "{alg}"
        );
    }
    // HS512 is not on flatfile's list.
    let t = format!(
        "{}.{}.AAAA",
        B64URL.encode(r#"{"alg":"HS512"}"#),
        B64URL.encode(&claims)
    );
    assert_eq!(check(&p, &t, b""), Err(Reason::AlgorithmNotAllowed));
    // RS256→HS256 confusion: a public key is never an HMAC secret.
    let kp = hookseal::keys::generate(hookseal::keys::KeyKind::P256);
    let spki = base64::engine::general_purpose::STANDARD
        .decode(kp.public.unwrap())
        .unwrap();
    let pem = hookseal::codec::pem_encode("PUBLIC KEY", &spki);
    let rs = Policy::builder(SchemeSpec::Jwt(JwtSpec::bearer()))
        .secret(pem.clone())
        .build()
        .unwrap();
    let forged = hs256(&pem, r#"{"alg":"HS256"}"#, &claims);
    assert_eq!(check(&rs, &forged, b""), Err(Reason::AlgorithmNotAllowed));
    for junk in ["", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.e30"] {
        assert!(check(&p, junk, b"").is_err(), "{junk}");
    }
    let crit = hs256(
        "your-very-secret-key",
        r#"{"alg":"HS256","crit":["x"]}"#,
        &claims,
    );
    assert_eq!(check(&p, &crit, b""), Err(Reason::MalformedToken));
}

#[test]
fn asymmetric_tokens_sign_and_verify() {
    // ES256 and EdDSA round trips with generated keys (PKCS#8 PEM private, SPKI PEM public).
    let rng = ring::rand::SystemRandom::new();
    let es = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    let es_pub = {
        let kp = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            es.as_ref(),
            &rng,
        )
        .unwrap();
        use ring::signature::KeyPair;
        let mut spki = hex_lit("3059301306072a8648ce3d020106082a8648ce3d030107034200");
        spki.extend_from_slice(kp.public_key().as_ref());
        hookseal::codec::pem_encode("PUBLIC KEY", &spki)
    };
    let ed = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let ed_pub = {
        let kp = ring::signature::Ed25519KeyPair::from_pkcs8(ed.as_ref()).unwrap();
        use ring::signature::KeyPair;
        let mut spki = hex_lit("302a300506032b6570032100");
        spki.extend_from_slice(kp.public_key().as_ref());
        hookseal::codec::pem_encode("PUBLIC KEY", &spki)
    };
    let spec = SchemeSpec::Jwt(JwtSpec {
        body_hash_claim: Some(Cow::Borrowed("body_sha256")),
        issuer: Some(Cow::Borrowed("hookseal-test")),
        audience: Some(Cow::Borrowed("receiver")),
        ..JwtSpec::bearer()
    });
    for (private, public, alg) in [
        (
            hookseal::codec::pem_encode("PRIVATE KEY", es.as_ref()),
            es_pub,
            JwtAlg::ES256,
        ),
        (
            hookseal::codec::pem_encode("PRIVATE KEY", ed.as_ref()),
            ed_pub,
            JwtAlg::EdDSA,
        ),
        ("shared".to_string(), "shared".to_string(), JwtAlg::HS256),
    ] {
        let body = b"{\"bound\":true}";
        let h = spec
            .signer(&[private.as_str()])
            .unwrap()
            .sign(&hookseal::Outgoing {
                id: "j1",
                timestamp: NOW,
                body,
                url: "",
                method: "POST",
            })
            .unwrap();
        let token = h[0].1.trim_start_matches("Bearer ");
        let header =
            String::from_utf8(B64URL.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
        assert!(header.contains(alg.name()), "{header}");
        let p = Policy::builder(spec.clone())
            .secret(public)
            .build()
            .unwrap();
        let v = p.verify(&Request::new(&h, body), NOW).unwrap();
        assert_eq!(v.id.as_deref(), Some("j1"));
        assert_eq!(
            p.verify(&Request::new(&h, b"{\"bound\":false}"), NOW)
                .unwrap_err()
                .reason(),
            Reason::BodyHashMismatch
        );
    }
}

fn hex_lit(s: &str) -> Vec<u8> {
    hookseal::codec::hex_decode(s).unwrap()
}

#[test]
fn a_public_key_in_base64_is_never_an_hmac_secret() {
    // `hookseal keys generate --kind p256` prints the public key as bare base64 SPKI.
    let kp = hookseal::keys::generate(hookseal::keys::KeyKind::P256);
    let public = kp.public.unwrap();
    let p = Policy::builder(SchemeSpec::Jwt(JwtSpec::bearer()))
        .secret(public.clone())
        .build()
        .unwrap();
    let forged = hs256(
        &public,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{}}}"#, NOW + 60),
    );
    assert_eq!(check(&p, &forged, b""), Err(Reason::AlgorithmNotAllowed));
    let whpk = "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=";
    let p = Policy::builder(SchemeSpec::Jwt(JwtSpec::bearer()))
        .secret(whpk)
        .build()
        .unwrap();
    let forged = hs256(
        whpk,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{}}}"#, NOW + 60),
    );
    assert_eq!(check(&p, &forged, b""), Err(Reason::AlgorithmNotAllowed));
}

#[test]
fn extreme_claims_do_not_overflow() {
    let p = flatfile();
    let k = "your-very-secret-key";
    for claims in [
        r#"{"iat":-1e300}"#,
        r#"{"iat":1e300}"#,
        r#"{"exp":-9223372036854775808}"#,
        r#"{"exp":1e308,"nbf":-1e308}"#,
    ] {
        let t = hs256(k, r#"{"alg":"HS256"}"#, claims);
        let _ = check(&p, &t, b"");
    }
    let t = hs256(k, r#"{"alg":"HS256"}"#, r#"{"iat":-1e300}"#);
    assert_eq!(check(&p, &t, b""), Err(Reason::TokenExpired));
}

#[test]
fn rs256_with_a_pem_key_pair() {
    // A 2048-bit key generated for these tests only (openssl genpkey).
    let private = include_str!("fixtures/rsa2048-test-only.key.pem");
    let public = include_str!("fixtures/rsa2048-test-only.pub.pem");
    let spec = SchemeSpec::Jwt(JwtSpec::bearer());
    let h = spec
        .signer(&[private])
        .unwrap()
        .sign(&hookseal::Outgoing {
            id: "r1",
            timestamp: NOW,
            body: b"{}",
            url: "",
            method: "POST",
        })
        .unwrap();
    let token = h[0].1.trim_start_matches("Bearer ");
    let header =
        String::from_utf8(B64URL.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert!(header.contains("RS256"), "{header}");
    let p = Policy::builder(spec.clone())
        .secret(public)
        .build()
        .unwrap();
    assert_eq!(check(&p, token, b"{}"), Ok(()));
    // RS256 -> HS256 with the public key as the secret: refused.
    let forged = hs256(
        public,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{}}}"#, NOW + 60),
    );
    assert_eq!(check(&p, &forged, b""), Err(Reason::AlgorithmNotAllowed));
    // A tampered claim fails.
    let mut parts: Vec<&str> = token.split('.').collect();
    let other = B64URL.encode(format!(r#"{{"iat":{NOW},"exp":{}}}"#, NOW + 9999));
    parts[1] = &other;
    assert_eq!(
        check(&p, &parts.join("."), b"{}"),
        Err(Reason::SignatureMismatch)
    );
}
