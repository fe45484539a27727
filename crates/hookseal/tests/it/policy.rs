//! The policy's checks and their order.

use std::sync::Arc;

use hookseal::{provider, IpMode, MemoryReplayGuard, Policy, Reason, Request};

use crate::support::sign;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_700_000_000;

fn signed(id: &str, ts: i64, body: &[u8]) -> Vec<(String, String)> {
    sign("standard-webhooks", SECRET, id, ts, body, "", "POST")
}

fn sw() -> hookseal::SchemeSpec {
    provider::find("standard-webhooks").unwrap().scheme.clone()
}

#[test]
fn timestamp_window_both_directions() {
    let p = Policy::builder(sw()).secret(SECRET).build().unwrap();
    let body = b"{}";
    for (ts, want) in [
        (NOW, Ok(())),
        (NOW - 300, Ok(())),
        (NOW + 300, Ok(())),
        (NOW - 301, Err(Reason::TimestampTooOld)),
        (NOW + 301, Err(Reason::TimestampInFuture)),
    ] {
        let h = signed("m", ts, body);
        let got = p
            .verify(&Request::new(&h, body), NOW)
            .map(|_| ())
            .map_err(|r| r.reason());
        assert_eq!(got, want, "ts offset {}", ts - NOW);
    }
    let wide = Policy::builder(sw())
        .secret(SECRET)
        .tolerance(3600)
        .build()
        .unwrap();
    let h = signed("m", NOW - 3000, body);
    assert!(wide.verify(&Request::new(&h, body), NOW).is_ok());
}

#[test]
fn rotation_any_secret_matches() {
    let body = b"{}";
    let h = signed("m", NOW, body);
    let p = Policy::builder(sw())
        .secret("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .secret(SECRET)
        .build()
        .unwrap();
    assert!(p.verify(&Request::new(&h, body), NOW).is_ok());
    // A sender mid-rotation signs with both; a receiver with either accepts.
    let spec = sw();
    let both = spec
        .signer(&["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SECRET])
        .unwrap()
        .sign(&hookseal::Outgoing {
            id: "m",
            timestamp: NOW,
            body,
            url: "",
            method: "POST",
        })
        .unwrap();
    assert_eq!(both[2].1.split(' ').count(), 2);
    let only_new = Policy::builder(sw()).secret(SECRET).build().unwrap();
    assert!(only_new.verify(&Request::new(&both, body), NOW).is_ok());
}

/// For a scheme without a signed id the dedup key is a digest of what was
/// signed: the same message sent again mid-rotation with only one of its two
/// signatures keeps its key (it was the MAC that matched first, and so
/// changed with the secret that matched).
#[test]
fn the_dedup_key_does_not_depend_on_which_secret_matched() {
    let (old, new) = (
        "whsec_old_secret_for_rotation",
        "whsec_new_secret_for_rotation",
    );
    let stripe = provider::find("stripe").unwrap().scheme.clone();
    let body: &[u8] = br#"{"id":"evt_1"}"#;
    let sign_with = |keys: &[&str], body: &[u8]| {
        stripe
            .signer(keys)
            .unwrap()
            .sign(&hookseal::Outgoing {
                id: "",
                timestamp: NOW,
                body,
                url: "",
                method: "POST",
            })
            .unwrap()
    };
    let both = sign_with(&[new, old], body);
    let only_old = sign_with(&[old], body);
    assert_ne!(both, only_old);
    let p = Policy::builder(stripe.clone())
        .secrets([new, old])
        .build()
        .unwrap();
    let key = |h: &Vec<(String, String)>, body: &[u8]| {
        p.verify(&Request::new(h, body), NOW)
            .unwrap()
            .dedup()
            .map(|(k, _)| k.to_string())
            .unwrap()
    };
    assert_eq!(key(&both, body), key(&only_old, body));
    // Another body is another message.
    let other: &[u8] = br#"{"id":"evt_2"}"#;
    assert_ne!(key(&sign_with(&[old], other), other), key(&both, body));
}

#[test]
fn replay_refused_inside_window_and_ids_are_per_source() {
    let guard = Arc::new(MemoryReplayGuard::default());
    let a = Policy::builder(sw())
        .source("a")
        .secret(SECRET)
        .replay_guard(guard.clone())
        .build()
        .unwrap();
    let b = Policy::builder(sw())
        .source("b")
        .secret(SECRET)
        .replay_guard(guard.clone())
        .build()
        .unwrap();
    let body = b"{}";
    let h = signed("msg_1", NOW, body);
    assert!(a.verify(&Request::new(&h, body), NOW).is_ok());
    assert_eq!(
        a.verify(&Request::new(&h, body), NOW + 1)
            .unwrap_err()
            .reason(),
        Reason::Replayed
    );
    assert!(b.verify(&Request::new(&h, body), NOW + 1).is_ok());
    // A forged request with a fresh id does not burn anything.
    let forged = vec![
        ("webhook-id".to_string(), "msg_2".to_string()),
        ("webhook-timestamp".to_string(), NOW.to_string()),
        (
            "webhook-signature".to_string(),
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string(),
        ),
    ];
    assert_eq!(
        a.verify(&Request::new(&forged, body), NOW)
            .unwrap_err()
            .reason(),
        Reason::SignatureMismatch
    );
    let real2 = signed("msg_2", NOW, body);
    assert!(a.verify(&Request::new(&real2, body), NOW).is_ok());
}

#[test]
fn replay_without_ids_uses_the_signature() {
    let guard = Arc::new(MemoryReplayGuard::default());
    let spec = provider::find("jodo").unwrap().scheme.clone();
    let p = Policy::builder(spec)
        .secret("k")
        .replay_guard(guard)
        .build()
        .unwrap();
    let body = b"{}";
    let h = sign("jodo", "k", "", 0, body, "", "POST");
    assert!(p.verify(&Request::new(&h, body), NOW).is_ok());
    assert_eq!(
        p.verify(&Request::new(&h, body), NOW).unwrap_err().reason(),
        Reason::Replayed
    );
}

#[test]
fn ip_allowlist_with_preset_ranges() {
    let preset = provider::find("jodo").unwrap();
    let mut b = Policy::builder(preset.scheme.clone())
        .secret("k")
        .ip_mode(IpMode::Required);
    for r in preset.allow_ips {
        b = b.allow_ip(*r);
    }
    let p = b.build().unwrap();
    let body = b"{}";
    let h = sign("jodo", "k", "", 0, body, "", "POST");
    let ok = Request::new(&h, body).with_remote_ip("43.204.202.190".parse().unwrap());
    assert!(p.verify(&ok, NOW).is_ok());
    let mapped = Request::new(&h, body).with_remote_ip("::ffff:3.6.234.242".parse().unwrap());
    assert!(
        p.verify(&mapped, NOW).is_ok(),
        "IPv4-mapped IPv6 is the IPv4 address"
    );
    let sandbox = Request::new(&h, body).with_remote_ip("3.108.86.33".parse().unwrap());
    assert_eq!(
        p.verify(&sandbox, NOW).unwrap_err().reason(),
        Reason::IpNotAllowed
    );
    assert_eq!(
        p.verify(&Request::new(&h, body), NOW).unwrap_err().reason(),
        Reason::IpNotAllowed
    );
    // The IP check runs first: a bad address with a bad signature is reported as the address.
    let bad: Vec<(&str, &str)> = vec![("X-Jodo-Signature", "00")];
    let r = Request::new(&bad, body).with_remote_ip("10.0.0.1".parse().unwrap());
    assert_eq!(
        p.verify(&r, NOW).unwrap_err().reason(),
        Reason::IpNotAllowed
    );
}

#[test]
fn required_header_is_exact_and_checked_before_the_signature() {
    let spec = provider::find("jodo").unwrap().scheme.clone();
    let p = Policy::builder(spec)
        .secret("k")
        .require_header("X-Erp-Token", "t0k3n")
        .build()
        .unwrap();
    let body = b"{}";
    let mut h = sign("jodo", "k", "", 0, body, "", "POST");
    assert_eq!(
        p.verify(&Request::new(&h, body), NOW).unwrap_err().reason(),
        Reason::RequiredHeaderMismatch
    );
    h.push(("x-erp-token".into(), "t0k3n".into()));
    assert!(p.verify(&Request::new(&h, body), NOW).is_ok());
    h.last_mut().unwrap().1 = "t0k3n2".into();
    assert_eq!(
        p.verify(&Request::new(&h, body), NOW).unwrap_err().reason(),
        Reason::RequiredHeaderMismatch
    );
    assert!(
        Policy::builder(provider::find("jodo").unwrap().scheme.clone())
            .secret("k")
            .require_header("Bad Name", "v")
            .build()
            .is_err()
    );
}

#[test]
fn configuration_errors_are_refused_at_build() {
    let err = |b: hookseal::PolicyBuilder| b.build().unwrap_err().to_string();
    assert!(err(Policy::builder(sw())).contains("at least one secret"));
    assert!(err(Policy::builder(sw()).secret("whsec_")).contains("empty"));
    assert!(err(Policy::builder(sw()).secret("whsec_%%%")).contains("base64"));
    assert!(
        err(Policy::builder(sw()).secret(SECRET).allow_ip("10.0.0.0/33")).contains("10.0.0.0/33")
    );
    let jodo = provider::find("jodo").unwrap().scheme.clone();
    assert!(err(Policy::builder(jodo).secret("")).contains("empty"));
}

#[test]
fn malformed_inputs_get_precise_reasons() {
    let p = Policy::builder(sw()).secret(SECRET).build().unwrap();
    let body = b"{}";
    let cases: Vec<(Vec<(&str, String)>, Reason)> = vec![
        (vec![], Reason::MissingHeader),
        (
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", "soon".into()),
                ("webhook-signature", "v1,x".into()),
            ],
            Reason::MalformedHeader,
        ),
        (
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", NOW.to_string()),
                ("webhook-signature", "v9,abc".into()),
            ],
            Reason::MalformedSignature,
        ),
        (
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", NOW.to_string()),
                ("webhook-signature", "v1,".repeat(6000)),
            ],
            Reason::MalformedHeader,
        ),
        (
            vec![
                ("webhook-id", "m".into()),
                ("webhook-timestamp", NOW.to_string()),
                ("webhook-signature", "v1,a ".repeat(17)),
            ],
            Reason::MalformedHeader,
        ),
    ];
    for (h, want) in cases {
        let got = p.verify(&Request::new(&h, body), NOW).unwrap_err();
        let shown: Vec<_> = h
            .iter()
            .map(|(n, v)| (n, v.chars().take(40).collect::<String>()))
            .collect();
        assert_eq!(got.reason(), want, "{shown:?}: {got}");
    }
}

#[test]
fn generic_hmac_shapes() {
    use hookseal::scheme::hmac::{HmacSpec, SignatureFormat};
    use hookseal::{Algorithm, Encoding, Part, SchemeSpec};
    use std::borrow::Cow;
    let body = b"payload";
    for (alg, enc, prefix, template) in [
        (Algorithm::Sha512, Encoding::Base64, "sha512=", "{body}"),
        (Algorithm::Sha1, Encoding::Hex, "", "{ts}:{body}"),
        (
            Algorithm::Sha256,
            Encoding::Base64Url,
            "v0=",
            "v0:{ts}:{body}",
        ),
        (Algorithm::Sha384, Encoding::Hex, "", "{url}{body}"),
        (
            Algorithm::Sha256,
            Encoding::Hex,
            "",
            "{method}{url}{body}{ts}",
        ),
        (Algorithm::Sha256, Encoding::Base64, "", "{id}.{ts}.{body}"),
    ] {
        let spec = SchemeSpec::Hmac(HmacSpec {
            algorithm: alg,
            encoding: enc,
            signature_header: Cow::Borrowed("X-Sig"),
            format: SignatureFormat::Single {
                prefix: Cow::Owned(prefix.into()),
            },
            content: Cow::Owned(Part::parse_template(template).unwrap()),
            timestamp: if template.contains("{ts}") {
                hookseal::scheme::TimestampSource::Header {
                    name: Cow::Borrowed("X-Ts"),
                    format: hookseal::time::TimeFormat::UnixSeconds,
                }
            } else {
                hookseal::scheme::TimestampSource::None
            },
            id_header: template.contains("{id}").then_some(Cow::Borrowed("X-Id")),
            secret_form: hookseal::SecretForm::Text,
        });
        let msg = hookseal::Outgoing {
            id: "i1",
            timestamp: NOW,
            body,
            url: "https://x.test/h",
            method: "PUT",
        };
        let h = spec.signer(&["s3cret"]).unwrap().sign(&msg).unwrap();
        let p = Policy::builder(spec.clone())
            .secret("s3cret")
            .build()
            .unwrap();
        let req = Request::new(&h, body)
            .with_url("https://x.test/h")
            .with_method("PUT");
        assert!(p.verify(&req, NOW).is_ok(), "{template}: {h:?}");
        let other = Request::new(&h, body)
            .with_url("https://x.test/other")
            .with_method("PUT");
        let moved = p.verify(&other, NOW);
        assert_eq!(moved.is_ok(), !template.contains("{url}"), "{template}");
    }
}

#[test]
fn unsigned_ids_and_reencoded_signatures_do_not_evade_replay() {
    let guard = Arc::new(MemoryReplayGuard::default());
    let github = provider::find("github").unwrap().scheme.clone();
    let p = Policy::builder(github)
        .secret("k")
        .replay_guard(guard)
        .build()
        .unwrap();
    let body = br#"{"action":"opened"}"#;
    let h = sign("github", "k", "", 0, body, "", "POST");
    let sig = h[0].1.clone();
    let first = vec![
        ("X-Hub-Signature-256", sig.clone()),
        ("X-GitHub-Delivery", "d-1".to_string()),
    ];
    let v = p.verify(&Request::new(&first, body), NOW).unwrap();
    assert_eq!(v.id, None, "an unsigned delivery id is not evidence");
    // The same webhook with a fresh (unsigned) delivery id, upper-case hex, or a
    // different prefix case is the same message.
    for (name, value) in [
        ("X-GitHub-Delivery", "d-2".to_string()),
        ("X-Hub-Signature-256", sig.to_uppercase()),
        ("X-Hub-Signature-256", sig.replace("sha256=", "SHA256=")),
    ] {
        let mut again = first.clone();
        again.iter_mut().find(|(n, _)| *n == name).unwrap().1 = value;
        assert_eq!(
            p.verify(&Request::new(&again, body), NOW)
                .unwrap_err()
                .reason(),
            Reason::Replayed,
            "{again:?}"
        );
    }
    // Stripe: extra signature entries do not make a new message.
    let stripe = provider::find("stripe").unwrap().scheme.clone();
    let p = Policy::builder(stripe)
        .secret("k")
        .replay_guard(Arc::new(MemoryReplayGuard::default()))
        .build()
        .unwrap();
    let h = sign("stripe", "k", "", NOW, body, "", "POST");
    assert!(p.verify(&Request::new(&h, body), NOW).is_ok());
    let padded = vec![(
        "Stripe-Signature".to_string(),
        format!("{},v1=00,v0=ff", h[0].1),
    )];
    assert_eq!(
        p.verify(&Request::new(&padded, body), NOW)
            .unwrap_err()
            .reason(),
        Reason::Replayed
    );
}

#[test]
fn static_tokens_bind_nothing_so_nothing_is_deduplicated() {
    let gitlab = provider::find("gitlab").unwrap().scheme.clone();
    let p = Policy::builder(gitlab)
        .secret("tok")
        .replay_guard(Arc::new(MemoryReplayGuard::default()))
        .build()
        .unwrap();
    let h = vec![("X-Gitlab-Token", "tok")];
    for body in [&b"{\"a\":1}"[..], b"{\"a\":1}", b"{\"a\":2}"] {
        let v = p.verify(&Request::new(&h, body), NOW).unwrap();
        assert_eq!(v.replay_key(), None);
    }
}

#[test]
fn released_ids_are_accepted_again() {
    let guard = Arc::new(MemoryReplayGuard::default());
    let p = Policy::builder(sw())
        .secret(SECRET)
        .replay_guard(guard)
        .build()
        .unwrap();
    let body = b"{}";
    let h = signed("msg_r", NOW, body);
    let v = p.verify(&Request::new(&h, body), NOW).unwrap();
    assert_eq!(v.replay_key(), Some("msg_r"));
    p.release(&v);
    assert!(p.verify(&Request::new(&h, body), NOW).is_ok());
}

#[test]
fn allowlist_refuses_unknown_addresses_by_default() {
    let jodo = provider::find("jodo").unwrap().scheme.clone();
    let p = Policy::builder(jodo.clone())
        .secret("k")
        .allow_ip("3.6.234.242")
        .build()
        .unwrap();
    let body = b"{}";
    let h = sign("jodo", "k", "", 0, body, "", "POST");
    assert_eq!(
        p.verify(&Request::new(&h, body), NOW).unwrap_err().reason(),
        Reason::IpNotAllowed
    );
    let cli_style = Policy::builder(jodo)
        .secret("k")
        .allow_ip("3.6.234.242")
        .ip_mode(IpMode::WhenKnown)
        .build()
        .unwrap();
    assert!(cli_style.verify(&Request::new(&h, body), NOW).is_ok());
}

#[test]
fn ambiguous_or_unsigned_configurations_are_refused() {
    // A public key without its prefix next to Ed25519 keys could be taken for an HMAC secret.
    let e = Policy::builder(sw())
        .secret("whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=")
        .secret("ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("prefix"), "{e}");
    // A spec from a config file that leaves the body (or the timestamp) unsigned.
    use hookseal::scheme::hmac::HmacSpec;
    use hookseal::{Algorithm, Encoding, Part, SchemeSpec};
    use std::borrow::Cow;
    let mut spec = HmacSpec::body("X-Sig", Algorithm::Sha256, Encoding::Hex);
    spec.content = Cow::Owned(vec![Part::Lit("x".into())]);
    assert!(Policy::builder(SchemeSpec::Hmac(spec.clone()))
        .secret("k")
        .build()
        .is_err());
    spec.content = Cow::Owned(vec![Part::Body]);
    spec.timestamp = hookseal::scheme::TimestampSource::Header {
        name: Cow::Borrowed("X-Ts"),
        format: hookseal::time::TimeFormat::UnixSeconds,
    };
    let e = Policy::builder(SchemeSpec::Hmac(spec))
        .secret("k")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("unsigned timestamp"), "{e}");
    // Out-of-range windows.
    assert!(Policy::builder(sw())
        .secret(SECRET)
        .tolerance(-1)
        .build()
        .is_err());
    assert!(Policy::builder(sw())
        .secret(SECRET)
        .tolerance(i64::MAX)
        .build()
        .is_err());
}
