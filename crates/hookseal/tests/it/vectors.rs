//! What the vector table (`published.rs`) cannot say as rows: hookseal's
//! signer reproduces providers' published signatures, and published requests
//! changed in one way (late, another URL, another secret) are refused.

use hookseal::{Reason, PRESETS};

use crate::published;
use crate::support::{body_for, header, key_pair, sign, Vector};

/// The first row of a provider, with one field changed by the caller.
fn row(provider: &str) -> &'static Vector<'static> {
    published::of(provider).next().unwrap()
}

#[test]
fn standard_webhooks_signer_reproduces_the_libraries() {
    // The libraries' negative: last character changed.
    let sw = row("standard-webhooks");
    let bad = Vector {
        headers: &[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            (
                "webhook-signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
            ),
        ],
        ..*sw
    };
    assert_eq!(bad.verify(), Err(Reason::SignatureMismatch));
    // libraries/rust `test_sign`.
    let h = sign(
        "standard-webhooks",
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1649367553,
        br#"{"email":"test@example.com","username":"test_user"}"#,
        "",
        "POST",
    );
    assert_eq!(
        header(&h, "webhook-signature"),
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    );
    // libraries/go webhook_asymmetric_test.go: the key is base64 of a 32-byte seed.
    let h = sign(
        "standard-webhooks",
        "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        sw.body,
        "",
        "POST",
    );
    let v1a = published::of("standard-webhooks").nth(1).unwrap();
    assert_eq!(header(&h, "webhook-signature"), v1a.headers[2].1);
}

#[test]
fn hmac_signers_reproduce_published_signatures() {
    for v in published::of("github") {
        let h = sign("github", v.keys[0], "d1", 0, v.body, "", "POST");
        assert_eq!(header(&h, "X-Hub-Signature-256"), v.headers[0].1);
    }
    let s = row("stripe");
    assert_eq!(s.body.len(), 484);
    let h = sign("stripe", s.keys[0], "", 1533204620, s.body, "", "POST");
    assert_eq!(
        header(&h, "Stripe-Signature"),
        s.headers[0].1.split(",v0=").next().unwrap()
    );
    let t = row("twilio");
    let h = sign("twilio", t.keys[0], "", 0, t.body, t.url, "POST");
    assert_eq!(header(&h, "X-Twilio-Signature"), t.headers[0].1);
    for p in ["jodo", "joy-loyalty", "orange-logic", "razorpay"] {
        let v = row(p);
        let h = sign(p, v.keys[0], "", 0, v.body, "", "POST");
        assert!(
            h[0].1.ends_with(v.headers[0].1),
            "{p}: {h:?} against {:?}",
            v.headers[0]
        );
    }
}

#[test]
fn published_requests_changed_are_refused() {
    let slack = row("slack");
    let late = Vector {
        now: slack.now + 301,
        ..*slack
    };
    assert_eq!(late.verify(), Err(Reason::TimestampTooOld));
    let twitch = row("twitch");
    let late = Vector {
        now: twitch.now + 2,
        ..*twitch
    };
    assert_eq!(late.verify(), Err(Reason::TimestampTooOld));
    let twilio_json = published::of("twilio").last().unwrap();
    assert_eq!(
        twilio_json.verify_body(b"{}"),
        Err(Reason::BodyHashMismatch)
    );
    let square = row("square");
    let wrong_url = Vector {
        url: "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9",
        ..*square
    };
    assert_eq!(wrong_url.verify(), Err(Reason::SignatureMismatch));
    let pd = row("pagerduty");
    assert_eq!(pd.body.len(), 1655);
    let mismatch = Vector {
        headers: &[(
            "X-PagerDuty-Signature",
            "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5",
        )],
        ..*pd
    };
    assert_eq!(mismatch.verify(), Err(Reason::SignatureMismatch));
    let razorpay = row("razorpay");
    assert_eq!(razorpay.body.len(), 971);
    let other_secret = Vector {
        keys: &["another"],
        ..*razorpay
    };
    assert_eq!(other_secret.verify(), Err(Reason::SignatureMismatch));
    // Adyen's key is hex: either case works, anything else is a clear error.
    let adyen = row("adyen");
    let lower = adyen.keys[0].to_ascii_lowercase();
    let lower = Vector {
        keys: &[&lower],
        ..*adyen
    };
    assert_eq!(lower.verify(), Ok(()));
    let spec = hookseal::provider::find("adyen").unwrap().scheme.clone();
    let err = hookseal::Policy::builder(spec)
        .secret("not-hex")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("hexadecimal"), "{err}");
    // Microsoft Teams' token is base64 of the key: used as text it does not verify.
    let teams = row("microsoft-teams");
    let mut spec = hookseal::provider::find("microsoft-teams")
        .unwrap()
        .scheme
        .clone();
    if let hookseal::SchemeSpec::Hmac(h) = &mut spec {
        h.secret_form = hookseal::SecretForm::Text;
    }
    let p = hookseal::Policy::builder(spec)
        .secret(teams.keys[0])
        .build()
        .unwrap();
    assert!(p
        .verify(&hookseal::Request::new(&teams.headers, teams.body), 0)
        .is_err());
    // WorkOS' timestamp is in milliseconds: outside its 3 minutes, refused.
    let workos = row("workos");
    let late = Vector {
        now: 1632409405 + 181,
        ..*workos
    };
    assert_eq!(late.verify(), Err(Reason::TimestampTooOld));
}

/// Orange Logic signs SHA-512 when so configured; the value computed
/// independently with Python's hmac module from its page's rule.
#[test]
fn orange_logic_sha512_bare_and_rotation_list() {
    let body = br#"{"asset":"123"}"#;
    let want =
        "BEElx7rsR/9jjwPqRBRArrnknvFgBU6C+Q31tQa248Gqe2taIj5ppNkYoCZYyo/6PURHbCM9SnPHfUmIDWLgNw==";
    let mut spec = hookseal::provider::find("orange-logic")
        .unwrap()
        .scheme
        .clone();
    if let hookseal::SchemeSpec::Hmac(h) = &mut spec {
        h.algorithm = hookseal::Algorithm::Sha512;
    }
    let p = hookseal::Policy::builder(spec.clone())
        .secret("ol-secret")
        .build()
        .unwrap();
    for value in [
        format!("v1,{want}"),
        want.to_string(),
        format!("v1,AAAA v1a,{want}"),
    ] {
        let headers = [("x-ol-signature", value.as_str())];
        assert!(
            p.verify(&hookseal::Request::new(&headers, body), 0).is_ok(),
            "{value}"
        );
    }
    let signed = spec
        .signer(&["ol-secret"])
        .unwrap()
        .sign(&hookseal::Outgoing {
            id: "",
            timestamp: 0,
            body,
            url: "",
            method: "POST",
        })
        .unwrap();
    assert_eq!(signed[0].1, format!("v1,{want}"));
}

#[test]
fn every_preset_signs_what_it_verifies() {
    for p in PRESETS {
        let (sign_key, verify_key) = key_pair(p);
        let body = body_for(p, b"{\"k\":\"v\"}\x00\xff", 1_700_000_000);
        let url = "https://hooks.example.com/in/x?y=1";
        let now = 1_700_000_000;
        let h = sign(p.name, &sign_key, "msg_1", now, &body, url, "POST");
        let headers: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let v = Vector {
            provider: p.name,
            keys: &[&verify_key],
            headers: &headers,
            body: &body,
            url,
            now,
            ..Default::default()
        };
        assert_eq!(v.verify(), Ok(()), "{}: {h:?}", p.name);
        if p.scheme.binds_body() {
            v.assert_holds();
        }
    }
}
