//! RFC 9421 (HTTP Message Signatures) appendix B and RFC 9530 (Digest
//! Fields) examples, byte for byte: the RFCs' own test keys (appendix B.1,
//! in `fixtures/rfc9421/`; the P-256 key also converted to PKCS#8 with
//! `openssl pkcs8 -topk8 -nocrypt`), messages, signature bases and
//! signatures. HMAC and Ed25519 signatures are deterministic, so hookseal
//! reproduces them exactly; RSA-PSS and ECDSA signatures are randomised, so
//! the RFC's verify and hookseal's own round-trip.

use hookseal::scheme::httpsig::{
    check_content_digest, content_digest, sign_message, verify_message, DigestAlg, HttpSigAlg,
    HttpSigSpec, Message,
};
use hookseal::{Outgoing, Policy, Reason, Request, SchemeSpec};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/fixtures/rfc9421/");

fn key_file(name: &str) -> String {
    std::fs::read_to_string(format!("{KEYS}{name}")).unwrap()
}

/// The PEM block of `label` (`PUBLIC KEY`, `PRIVATE KEY`, …) in a key file.
fn pem(name: &str, label: &str) -> String {
    let text = key_file(name);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let a = text
        .find(&begin)
        .unwrap_or_else(|| panic!("{name}: no {label}"));
    let b = text[a..].find(&end).unwrap() + a + end.len();
    text[a..b].to_string()
}

const BODY: &[u8] = br#"{"hello": "world"}"#;
const REQ_DIGEST: &str =
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

/// RFC 9421 §2.5's test request (appendix B.2), as header pairs.
fn request_headers(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut h = vec![
        ("Host", "example.com"),
        ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("Content-Type", "application/json"),
        ("Content-Digest", REQ_DIGEST),
        ("Content-Length", "18"),
    ];
    h.extend_from_slice(extra);
    h
}

fn request<'a>(headers: &'a Vec<(&'static str, &'static str)>) -> Message<'a> {
    Message {
        method: Some("POST"),
        target_uri: Some("https://example.com/foo?param=Value&Pet=dog"),
        status: None,
        headers,
    }
}

struct Example {
    name: &'static str,
    alg: HttpSigAlg,
    public: fn() -> String,
    input: &'static str,
    base: &'static str,
    signature: &'static str,
}

fn rsa_pss_public() -> String {
    pem("test-key-rsa-pss", "PUBLIC KEY")
}
fn ecc_public() -> String {
    pem("test-key-ecc-p256", "PUBLIC KEY")
}
fn ed_public() -> String {
    pem("test-key-ed25519", "PUBLIC KEY")
}
fn shared() -> String {
    key_file("test-shared-secret").trim().to_string()
}

const EXAMPLES: &[Example] = &[
    Example {
        name: "B.2.1 minimal (rsa-pss-sha512)",
        alg: HttpSigAlg::RsaPssSha512,
        public: rsa_pss_public,
        input: r#"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        base: r#""@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        signature: "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
    },
    Example {
        name: "B.2.2 selective (rsa-pss-sha512)",
        alg: HttpSigAlg::RsaPssSha512,
        public: rsa_pss_public,
        input: r#"sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example""#,
        base: "\"@authority\": example.com\n\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n\"@query-param\";name=\"Pet\": dog\n\"@signature-params\": (\"@authority\" \"content-digest\" \"@query-param\";name=\"Pet\");created=1618884473;keyid=\"test-key-rsa-pss\";tag=\"header-example\"",
        signature: "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:",
    },
    Example {
        name: "B.2.3 full coverage (rsa-pss-sha512)",
        alg: HttpSigAlg::RsaPssSha512,
        public: rsa_pss_public,
        input: r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        base: "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\"@query\": ?param=Value&Pet=dog\n\"@authority\": example.com\n\"content-type\": application/json\n\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n\"content-length\": 18\n\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"",
        signature: "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
    },
    Example {
        name: "B.2.5 hmac-sha256",
        alg: HttpSigAlg::HmacSha256,
        public: shared,
        input: r#"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#,
        base: "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@authority\": example.com\n\"content-type\": application/json\n\"@signature-params\": (\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\"",
        signature: "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:",
    },
    Example {
        name: "B.2.6 ed25519",
        alg: HttpSigAlg::Ed25519,
        public: ed_public,
        input: r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        base: "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\"@authority\": example.com\n\"content-type\": application/json\n\"content-length\": 18\n\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
        signature: "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
    },
];

fn label(input: &str) -> &str {
    input.split('=').next().unwrap()
}

#[test]
fn appendix_b2_request_examples_verify_with_their_bases() {
    for ex in EXAMPLES {
        let h = request_headers(&[("Signature-Input", ex.input), ("Signature", ex.signature)]);
        let base = verify_message(ex.alg, &(ex.public)(), &request(&h), label(ex.input))
            .unwrap_or_else(|e| panic!("{}: {e}", ex.name));
        assert_eq!(base, ex.base, "{}", ex.name);
        // One byte of a covered component changed: refused.
        if ex.base.contains("example.com") {
            let mut other = h.clone();
            other[0] = ("Host", "example.org");
            let msg = Message {
                target_uri: Some("https://example.org/foo?param=Value&Pet=dog"),
                ..request(&other)
            };
            assert_eq!(
                verify_message(ex.alg, &(ex.public)(), &msg, label(ex.input))
                    .unwrap_err()
                    .reason(),
                Reason::SignatureMismatch,
                "{}",
                ex.name
            );
        }
    }
}

#[test]
fn deterministic_examples_are_reproduced_byte_for_byte() {
    for (ex, private) in [
        (&EXAMPLES[3], shared()),
        (&EXAMPLES[4], pem("test-key-ed25519", "PRIVATE KEY")),
    ] {
        let h = request_headers(&[]);
        let params = &ex.input[label(ex.input).len() + 1..];
        let (input, sig) = sign_message(ex.alg, &private, &request(&h), params).unwrap();
        assert_eq!(input, params, "{}", ex.name);
        let want = ex.signature[label(ex.input).len() + 2..ex.signature.len() - 1].to_string();
        use base64::Engine as _;
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(sig),
            want,
            "{}",
            ex.name
        );
    }
}

#[test]
fn randomised_algorithms_round_trip_with_the_rfc_keys() {
    for (alg, private, public) in [
        (
            HttpSigAlg::RsaPssSha512,
            pem("test-key-rsa-pss", "PRIVATE KEY"),
            rsa_pss_public(),
        ),
        (
            HttpSigAlg::EcdsaP256Sha256,
            key_file("test-key-ecc-p256.pkcs8.pem"),
            ecc_public(),
        ),
        // rsa-v1_5-sha256 with the B.1.2 modulus: ring refuses B.1.1's
        // private key as having inconsistent CRT components.
        (
            HttpSigAlg::RsaV15Sha256,
            pem("test-key-rsa-pss", "PRIVATE KEY"),
            rsa_pss_public(),
        ),
    ] {
        let h = request_headers(&[]);
        let params = r#"("@method" "@authority" "content-digest");created=1618884473;keyid="k""#;
        let (input, sig) = sign_message(alg, &private, &request(&h), params).unwrap();
        use base64::Engine as _;
        let sig = format!(
            "k=:{}:",
            base64::engine::general_purpose::STANDARD.encode(sig)
        );
        let input = format!("k={input}");
        let h2 = request_headers(&[
            ("Signature-Input", Box::leak(input.into_boxed_str())),
            ("Signature", Box::leak(sig.into_boxed_str())),
        ]);
        verify_message(alg, &public, &request(&h2), "k")
            .unwrap_or_else(|e| panic!("{}: {e}", alg.name()));
    }
}

#[test]
fn appendix_b2_4_signed_response_ecdsa() {
    let h = vec![
        ("Date", "Tue, 20 Apr 2021 02:07:56 GMT"),
        ("Content-Type", "application/json"),
        (
            "Content-Digest",
            "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:",
        ),
        ("Content-Length", "23"),
        (
            "Signature-Input",
            r#"sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256""#,
        ),
        (
            "Signature",
            "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:",
        ),
    ];
    let msg = Message {
        method: None,
        target_uri: None,
        status: Some(200),
        headers: &h,
    };
    let base = verify_message(HttpSigAlg::EcdsaP256Sha256, &ecc_public(), &msg, "sig-b24").unwrap();
    assert!(base.starts_with("\"@status\": 200\n\"content-type\": application/json\n"));
    let other = Message {
        status: Some(201),
        ..msg
    };
    assert!(verify_message(
        HttpSigAlg::EcdsaP256Sha256,
        &ecc_public(),
        &other,
        "sig-b24"
    )
    .is_err());
    check_content_digest(h[2].1, br#"{"message": "good dog"}"#).unwrap();
}

#[test]
fn appendix_b3_proxy_and_b4_transformations() {
    // B.3: a TLS-terminating proxy signs what it saw (ecdsa-p256-sha256).
    let cert = ":MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdXRoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3YC8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMCBsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=:";
    let h = vec![
        ("Host", "service.internal.example"),
        ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("Content-Type", "application/json"),
        ("Content-Length", "18"),
        ("Client-Cert", cert),
        (
            "Signature-Input",
            r#"ttrp=("@path" "@query" "@method" "@authority" "client-cert");created=1618884473;keyid="test-key-ecc-p256""#,
        ),
        (
            "Signature",
            "ttrp=:xVMHVpawaAC/0SbHrKRs9i8I3eOs5RtTMGCWXm/9nvZzoHsIg6Mce9315T6xoklyy0yzhD9ah4JHRwMLOgmizw==:",
        ),
    ];
    let msg = Message {
        method: Some("POST"),
        target_uri: Some("https://service.internal.example/foo?param=Value&Pet=dog"),
        status: None,
        headers: &h,
    };
    verify_message(HttpSigAlg::EcdsaP256Sha256, &ecc_public(), &msg, "ttrp").unwrap();

    // B.4: the signature survives changes it does not cover, and not others.
    let input = r#"transform=("@method" "@path" "@authority" "accept");created=1618884473;keyid="test-key-ed25519""#;
    let sig = "transform=:ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A+vyYP9t/LXlh5QMFFQ6cpLt2m0pmj3NDA==:";
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], bool);
    let cases: &[Case] = &[
        (
            "GET",
            "https://example.org/demo?name1=Value1&Name2=value2",
            &[
                ("Host", "example.org"),
                ("Date", "Fri, 15 Jul 2022 14:24:55 GMT"),
                ("Accept", "application/json"),
                ("Accept", "*/*"),
            ],
            true,
        ),
        (
            "GET",
            "https://example.org/demo?name1=Value1&Name2=value2&param=added",
            &[
                ("Host", "example.org"),
                ("Date", "Fri, 15 Jul 2022 14:24:55 GMT"),
                ("Accept", "application/json"),
                ("Accept", "*/*"),
                ("Accept-Language", "en-US,en;q=0.5"),
            ],
            true,
        ),
        (
            "GET",
            "https://example.org/demo?name1=Value1&Name2=value2",
            &[
                ("Host", "example.org"),
                ("Referer", "https://developer.example.org/demo"),
                ("Accept", "application/json, */*"),
            ],
            true,
        ),
        (
            "GET",
            "https://example.org/demo?name1=Value1&Name2=value2",
            &[
                ("Accept", "application/json"),
                ("Accept", "*/*"),
                ("Date", "Fri, 15 Jul 2022 14:24:55 GMT"),
                ("Host", "example.org"),
            ],
            true,
        ),
        (
            "POST",
            "https://example.com/demo?name1=Value1&Name2=value2",
            &[
                ("Host", "example.com"),
                ("Date", "Fri, 15 Jul 2022 14:24:55 GMT"),
                ("Accept", "application/json"),
                ("Accept", "*/*"),
            ],
            false,
        ),
        (
            "GET",
            "https://example.org/demo?name1=Value1&Name2=value2",
            &[
                ("Host", "example.org"),
                ("Date", "Fri, 15 Jul 2022 14:24:55 GMT"),
                ("Accept", "*/*"),
                ("Accept", "application/json"),
            ],
            false,
        ),
    ];
    for (i, (method, uri, fields, ok)) in cases.iter().enumerate() {
        let mut h: Vec<(&str, &str)> = fields.to_vec();
        h.push(("Signature-Input", input));
        h.push(("Signature", sig));
        let msg = Message {
            method: Some(method),
            target_uri: Some(uri),
            status: None,
            headers: &h,
        };
        let got = verify_message(HttpSigAlg::Ed25519, &ed_public(), &msg, "transform");
        assert_eq!(got.is_ok(), *ok, "B.4 case {i}: {got:?}");
    }
}

#[test]
fn rfc9530_content_digest_examples() {
    assert_eq!(
        content_digest(DigestAlg::Sha256, BODY),
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    );
    assert_eq!(content_digest(DigestAlg::Sha512, BODY), REQ_DIGEST);
    let nl = b"{\"hello\": \"world\"}\n";
    assert_eq!(
        content_digest(DigestAlg::Sha256, nl),
        "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"
    );
    assert_eq!(
        content_digest(DigestAlg::Sha512, nl),
        "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:"
    );
    assert_eq!(
        content_digest(DigestAlg::Sha256, b""),
        "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    );
    // Both listed: both must match; unknown algorithms are skipped.
    let both = format!(
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, {REQ_DIGEST}, md5=:Sd/dVLAcvNLSq16eXua5uQ==:"
    );
    check_content_digest(&both, BODY).unwrap();
    assert_eq!(
        check_content_digest(&both, nl).unwrap_err().reason(),
        Reason::BodyHashMismatch
    );
    assert!(check_content_digest("md5=:Sd/dVLAcvNLSq16eXua5uQ==:", BODY).is_err());
    assert!(check_content_digest("sha-256=X48E", BODY).is_err());
}

fn policy(spec: &HttpSigSpec, key: &str) -> Policy {
    Policy::builder(SchemeSpec::HttpSig(spec.clone()))
        .secret(key)
        .tolerance(300)
        .build()
        .unwrap()
}

#[test]
fn the_scheme_signs_and_verifies_under_its_policy() {
    let url = "https://hooks.example.com/in/acme?x=1";
    let body = br#"{"type":"invoice.paid"}"#;
    for (alg, private, public) in [
        (HttpSigAlg::HmacSha256, shared(), shared()),
        (
            HttpSigAlg::Ed25519,
            pem("test-key-ed25519", "PRIVATE KEY"),
            ed_public(),
        ),
        (
            HttpSigAlg::EcdsaP256Sha256,
            key_file("test-key-ecc-p256.pkcs8.pem"),
            ecc_public(),
        ),
        (
            HttpSigAlg::RsaPssSha512,
            pem("test-key-rsa-pss", "PRIVATE KEY"),
            rsa_pss_public(),
        ),
    ] {
        let spec = HttpSigSpec {
            keyid: Some("key-1".into()),
            tag: Some("hookseal".into()),
            ..HttpSigSpec::new(alg)
        };
        let h = SchemeSpec::HttpSig(spec.clone())
            .signer(&[&private])
            .unwrap()
            .sign(&Outgoing {
                id: "msg_1",
                timestamp: 1_700_000_000,
                body,
                url,
                method: "POST",
            })
            .unwrap();
        let names: Vec<&str> = h.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Content-Digest", "Signature-Input", "Signature"]);
        assert_eq!(
            h[1].1,
            r#"sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="key-1";nonce="msg_1";tag="hookseal""#
        );
        let p = policy(&spec, &public);
        let verify = |h: &[(String, String)], body: &[u8], url: &str, now: i64| {
            p.verify(&Request::new(&h, body).with_url(url), now)
                .map(|v| (v.id.map(|c| c.to_string()), v.timestamp))
                .map_err(|r| r.reason())
        };
        assert_eq!(
            verify(&h, body, url, 1_700_000_010),
            Ok((Some("msg_1".into()), Some(1_700_000_000)))
        );
        // The body is bound through Content-Digest, the URL and the time directly.
        assert_eq!(
            verify(&h, b"{}", url, 1_700_000_010),
            Err(Reason::BodyHashMismatch)
        );
        assert_eq!(
            verify(
                &h,
                body,
                "https://hooks.example.com/in/other?x=1",
                1_700_000_010
            ),
            Err(Reason::SignatureMismatch)
        );
        assert_eq!(
            verify(&h, body, url, 1_700_000_400),
            Err(Reason::TimestampTooOld)
        );
        // A forged Content-Digest for another body does not help: it is signed.
        let mut forged = h.clone();
        forged[0].1 = content_digest(DigestAlg::Sha256, b"{}");
        assert_eq!(
            verify(&forged, b"{}", url, 1_700_000_010),
            Err(Reason::SignatureMismatch)
        );
        // Another key id, another tag, or fewer covered components: refused.
        for other in [
            HttpSigSpec {
                keyid: Some("key-2".into()),
                ..spec.clone()
            },
            HttpSigSpec {
                tag: Some("other".into()),
                ..spec.clone()
            },
            HttpSigSpec {
                components: vec![
                    "@method".into(),
                    "@target-uri".into(),
                    "content-digest".into(),
                    "@path".into(),
                ]
                .into(),
                ..spec.clone()
            },
        ] {
            let q = policy(&other, &public);
            assert!(q
                .verify(&Request::new(&h, body).with_url(url), 1_700_000_010)
                .is_err());
        }
    }
}

#[test]
fn hostile_signature_headers_are_refused_cleanly() {
    let spec = HttpSigSpec::new(HttpSigAlg::HmacSha256);
    let p = policy(&spec, &shared());
    let url = "https://hooks.example.com/in";
    for (input, sig) in [
        ("", ""),
        ("sig1=(", "sig1=:AAAA:"),
        ("sig1=(\"@method\");created=1", "sig1=AAAA"),
        ("sig1=(\"@method\" \"@method\");created=1", "sig1=:AAAA:"),
        ("sig1=(\"@signature-params\");created=1", "sig1=:AAAA:"),
        ("sig1=(\"@query-param\");created=1", "sig1=:AAAA:"),
        ("sig1=(\"x\";key=\"a\");created=1", "sig1=:AAAA:"),
        (
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\")",
            "sig1=:AAAA:",
        ),
        (
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=?1",
            "sig1=:AAAA:",
        ),
        (
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1;alg=\"ed25519\"",
            "sig1=:AAAA:",
        ),
        (
            "sig2=(\"@method\" \"@target-uri\" \"content-digest\");created=1",
            "sig1=:AAAA:",
        ),
    ] {
        let h = [
            ("Signature-Input", input),
            ("Signature", sig),
            ("Content-Digest", "sha-256=:AAAA:"),
        ];
        let r = p.verify(&Request::new(&h, b"{}").with_url(url), 1);
        assert!(r.is_err(), "{input}");
    }
}
