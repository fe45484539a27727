//! The sending side's contract (issue 14), through the real binary: the admin
//! token's life, resending to a chosen endpoint, failed deliveries across
//! endpoints, per-endpoint metrics, internal forwards for API sources, the
//! claims outbound JWTs carry, and what the log says of attempts.
//! (Schemes, chosen secrets and rotations are verified by receivers written
//! from the providers' docs in interop/sender.py.)

use std::process::Command;

use serde_json::{json, Value};

use crate::common::*;

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hookseal-sender-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The token is written and shown only once the server listens (a start
/// that fails consumes nothing); `hookseal admin-token rotate` replaces it
/// for a running server; a token can be supplied from a file instead.
#[test]
fn the_admin_tokens_life() {
    let d = dir("token");
    // A start that fails (its address is taken) writes no token.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = Command::new(hookseal_bin())
        .arg("serve")
        .env("HOOKSEAL_SERVER__DATA_DIR", &d)
        .env(
            "HOOKSEAL_SERVER__LISTEN",
            taken.local_addr().unwrap().to_string(),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("admin token"),
        "no token shown by a failed start"
    );
    assert!(!d.join("admin-token.sha256").exists(), "none written");
    drop(taken);
    // The next start makes one, shows it once.
    let (child, addr, _, token) = spawn(&d, &[], None);
    let mut child = child;
    let token = token.expect("shown after the first successful start");
    assert_eq!(
        call(&addr, "GET", "/api/v1/endpoints", None, Some(&token)).0,
        200
    );
    // Rotated from the command line while the server runs.
    let out = Command::new(hookseal_bin())
        .args(["admin-token", "rotate", "--data-dir"])
        .arg(&d)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(new.starts_with("hs_admin_") && new != token);
    wait_for("the rotation to reach the server", 5, || {
        call(&addr, "GET", "/api/v1/endpoints", None, Some(&new)).0 == 200
    });
    assert_eq!(
        call(&addr, "GET", "/api/v1/endpoints", None, Some(&token)).0,
        401
    );
    let _ = child.kill();
    let _ = child.wait();
    // A restart shows nothing (the hash is kept) and takes the new token.
    let (mut child, addr, _, shown) = spawn(&d, &[], None);
    assert!(shown.is_none());
    assert_eq!(
        call(&addr, "GET", "/api/v1/endpoints", None, Some(&new)).0,
        200
    );
    let _ = child.kill();
    let _ = child.wait();

    // Supplied from a file: nothing shown, nothing stored.
    let d2 = dir("token-file");
    std::fs::create_dir_all(&d2).unwrap();
    let f = d2.with_extension("token");
    let supplied = String::from_utf8(
        Command::new(hookseal_bin())
            .args(["admin-token", "new"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::write(&f, &supplied).unwrap();
    let (mut child, addr, _, shown) = spawn(
        &d2.join("data"),
        &[("HOOKSEAL_ADMIN_TOKEN_FILE", f.to_str().unwrap())],
        None,
    );
    assert!(shown.is_none(), "a supplied token is never printed");
    assert_eq!(
        call(
            &addr,
            "GET",
            "/api/v1/endpoints",
            None,
            Some(supplied.trim())
        )
        .0,
        200
    );
    assert!(!d2.join("data/admin-token.sha256").exists());
    let _ = child.kill();
    let _ = child.wait();
    for p in [&d, &d2] {
        let _ = std::fs::remove_dir_all(p);
    }
    let _ = std::fs::remove_file(f);
}

/// A failing endpoint's deliveries are listed across endpoints; a message
/// can be sent to a chosen endpoint (its filter notwithstanding); the log
/// says at INFO why each attempt failed and when an endpoint is disabled or
/// enabled again; `/metrics` counts per endpoint when asked.
#[test]
fn failures_are_listed_logged_and_resent_where_asked() {
    let log = std::env::temp_dir().join(format!("hookseal-sender-{}-log.txt", std::process::id()));
    let (recv, raddr, _rt) = receiver();
    let s = start(
        "sender-ops",
        &[
            ("HOOKSEAL_DELIVERY__RETRY_SCHEDULE_SECS", "[0]"),
            ("HOOKSEAL_METRICS__PER_ENDPOINT", "true"),
            ("HOOKSEAL_LOG__FILTER", "info"),
            ("TEST_STDERR_FILE", log.to_str().unwrap()),
        ],
    );
    let (failing, _) = create_endpoint(
        &s,
        raddr,
        json!({ "url": format!("http://{raddr}/hook"), "event_types": ["a.*"] }),
    );
    let (other, _) = create_endpoint(
        &s,
        raddr,
        json!({ "url": format!("http://{raddr}/hook"), "event_types": ["b.*"] }),
    );
    recv.script.lock().unwrap().push((500, None));
    let (_, m) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a.failed", "payload": { "n": 1 } })),
    );
    let mid = m["id"].as_str().unwrap().to_string();
    wait_for("the failed delivery", 10, || {
        let (_, l) = s.call("GET", "/api/v1/deliveries?status=failed", None);
        l["data"].as_array().is_some_and(|a| !a.is_empty())
    });
    let (_, l) = s.call("GET", "/api/v1/deliveries?status=failed&limit=10", None);
    let failed = &l["data"][0];
    assert_eq!(failed["endpoint_id"], failing.as_str());
    assert_eq!(failed["message_id"], mid.as_str());
    assert_eq!(failed["last_status_code"], 500);
    let (_, l) = s.call(
        "GET",
        &format!("/api/v1/deliveries?status=succeeded&endpoint_id={failing}"),
        None,
    );
    assert_eq!(l["data"], json!([]));

    // Sent to the other endpoint, which its filter would not have taken.
    let (code, d) = s.call(
        "POST",
        &format!("/api/v1/messages/{mid}/resend"),
        Some(json!({ "endpoint_id": other })),
    );
    assert_eq!(code, 202, "{d}");
    assert_eq!(d["endpoint_id"], other.as_str());
    wait_for("the resend", 10, || {
        recv.got
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.status == 200 && r.headers.get("webhook-id") == Some(&mid))
    });
    // And again to the failing one (now answered 200): its delivery is reused.
    let (code, d2) = s.call(
        "POST",
        &format!("/api/v1/messages/{mid}/resend"),
        Some(json!({ "endpoint_id": failing })),
    );
    assert_eq!(code, 202, "{d2}");
    assert_eq!(d2["id"], failed["id"]);
    for (body, want) in [(json!({ "endpoint_id": "ep_nope" }), 404), (json!({}), 422)] {
        let (code, e) = s.call(
            "POST",
            &format!("/api/v1/messages/{mid}/resend"),
            Some(body),
        );
        assert_eq!(code, want, "{e}");
    }
    wait_for("the per-endpoint counters", 10, || {
        let (_, m) = call(&s.addr, "GET", "/metrics", None, None);
        let m = m.as_str().unwrap_or("").to_string();
        m.contains(&format!(
            "hookseal_endpoint_attempts_total{{endpoint=\"{failing}\",outcome=\"failed\"}} 1"
        )) && m.contains(&format!(
            "hookseal_endpoint_attempts_total{{endpoint=\"{other}\",outcome=\"succeeded\"}} 1"
        ))
    });
    // Disabled and enabled by the operator: logged.
    s.call(
        "POST",
        &format!("/api/v1/endpoints/{failing}/disable"),
        None,
    );
    s.call("POST", &format!("/api/v1/endpoints/{failing}/enable"), None);
    wait_for("the log lines", 5, || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.contains("attempt failed: the endpoint answered 500")
            && text.contains("endpoint disabled by an operator")
            && text.contains("endpoint enabled by an operator")
    });
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("attempt failed: the endpoint answered 500"))
        .unwrap();
    assert!(line.contains("INFO") && line.contains(&failing), "{line}");
    assert!(!text.contains("whsec_"), "no secrets in the log");
    let _ = std::fs::remove_file(log);

    // Without metrics.per_endpoint, no per-endpoint series.
    let plain = start("sender-ops-plain", &[]);
    let (_, m) = call(&plain.addr, "GET", "/metrics", None, None);
    assert!(!m
        .as_str()
        .unwrap()
        .contains("hookseal_endpoint_attempts_total"));
}

/// An API-created source named in `ingress.internal_forward_sources` may
/// forward to the operator's own services (forward_allow_cidrs); other
/// API endpoints keep the customer-grade guard.
#[test]
fn internal_forwards_for_named_api_sources_only() {
    let (recv, raddr, _rt) = receiver();
    let setup = |s: &Server, name: &str| {
        let (code, v) = s.call(
            "POST",
            "/api/v1/sources",
            Some(json!({ "name": name, "provider": "standard-webhooks", "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] })),
        );
        assert_eq!(code, 201, "{v}");
        s.call(
            "POST",
            "/api/v1/endpoints",
            Some(json!({ "url": format!("http://{raddr}/hook"), "source": name })),
        )
    };
    let closed = start(
        "sender-internal-closed",
        &[("HOOKSEAL_DELIVERY__ALLOW_CIDRS", "[]")],
    );
    let (code, e) = setup(&closed, "erp");
    assert_eq!(code, 403, "{e}");
    let open = start(
        "sender-internal-open",
        &[
            ("HOOKSEAL_DELIVERY__ALLOW_CIDRS", "[]"),
            ("HOOKSEAL_INGRESS__INTERNAL_FORWARD_SOURCES", r#"["erp"]"#),
        ],
    );
    let (code, e) = setup(&open, "erp");
    assert_eq!(code, 201, "{e}");
    // A customer endpoint to the same address is still refused.
    let (code, e) = open.call(
        "POST",
        "/api/v1/endpoints",
        Some(json!({ "url": format!("http://{raddr}/hook") })),
    );
    assert_eq!(code, 403, "{e}");
    let (code, e) = setup(&open, "other");
    assert_eq!(code, 403, "a source not named stays closed: {e}");
    // The named source's events reach the internal service.
    let body = br#"{"type":"erp.sync"}"#;
    let h = sign(
        "standard-webhooks",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_erp_1",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
        body,
    );
    assert_eq!(post(&open.addr, "/in/erp", &h, body).0, 200);
    wait_for("the internal forward", 10, || {
        recv.got.lock().unwrap().iter().any(|r| r.body == body)
    });
}

/// Outbound JWTs carry the message id as `jti` and the body's SHA-256, so a
/// receiver can bind the token to the request and refuse its replay.
#[test]
fn outbound_jwts_bind_the_body_and_the_id() {
    use base64::Engine;
    let (recv, raddr, _rt) = receiver();
    let s = start("sender-jwt", &[]);
    let (_, secret) = create_endpoint(
        &s,
        raddr,
        json!({ "scheme": { "type": "jwt", "lifetime_secs": 60 } }),
    );
    let (_, m) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": { "k": "v" } })),
    );
    wait_for("the delivery", 10, || !recv.got.lock().unwrap().is_empty());
    let r = recv.got.lock().unwrap()[0].clone();
    let token = r.headers["authorization"].strip_prefix("Bearer ").unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["jti"], m["id"], "{claims}");
    let digest = ring::digest::digest(&ring::digest::SHA256, &r.body);
    assert_eq!(
        claims["body_sha256"],
        hookseal::codec::hex_encode(digest.as_ref()),
        "{claims}"
    );
    assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() == 60);
    // Verified as a receiver would, binding the body.
    let spec = hookseal::SchemeSpec::Jwt(hookseal::scheme::jwt::JwtSpec {
        body_hash_claim: Some("body_sha256".into()),
        ..hookseal::scheme::jwt::JwtSpec::bearer()
    });
    let policy = hookseal::Policy::builder(spec)
        .secret(&secret)
        .build()
        .unwrap();
    let headers = r.header_pairs();
    let now = claims["iat"].as_i64().unwrap();
    policy
        .verify(&hookseal::Request::new(&headers, &r.body), now)
        .unwrap();
    assert!(policy
        .verify(&hookseal::Request::new(&headers, b"{\"k\":\"other\"}"), now)
        .is_err());
}

/// RFC 9421 as an endpoint's scheme: each algorithm's deliveries verify with
/// the library's RFC 9421 verifier, keyed with the endpoint's secret (HMAC)
/// or the public key the API returns (Ed25519, ECDSA P-256), binding the
/// body, the URL and the message id.
#[test]
fn http_message_signatures_on_deliveries() {
    use hookseal::scheme::httpsig::{HttpSigAlg, HttpSigSpec};
    let (recv, raddr, _rt) = receiver();
    let s = start("sender-httpsig", &[]);
    let url = format!("http://{raddr}/hook");
    for (n, (alg, lib)) in [
        ("hmac-sha256", HttpSigAlg::HmacSha256),
        ("ed25519", HttpSigAlg::Ed25519),
        ("ecdsa-p256-sha256", HttpSigAlg::EcdsaP256Sha256),
    ]
    .into_iter()
    .enumerate()
    {
        let (code, ep) = s.call(
            "POST",
            "/api/v1/endpoints",
            Some(json!({
                "url": url,
                "event_types": [format!("sig.{n}")],
                "scheme": { "type": "http_signature", "algorithm": alg, "keyid": format!("key-{n}"), "tag": "acme" },
            })),
        );
        assert_eq!(code, 201, "{ep}");
        let key = match lib {
            HttpSigAlg::HmacSha256 => {
                assert!(ep["public_key"].is_null(), "{ep}");
                ep["secret"].as_str().unwrap().to_string()
            }
            _ => ep["public_key"].as_str().unwrap().to_string(),
        };
        let (code, m) = s.call(
            "POST",
            "/api/v1/messages",
            Some(json!({ "event_type": format!("sig.{n}"), "payload": { "n": n } })),
        );
        assert_eq!(code, 202, "{m}");
        let want = format!("\"n\":{n}");
        wait_for("the delivery", 10, || {
            recv.got
                .lock()
                .unwrap()
                .iter()
                .any(|r| String::from_utf8_lossy(&r.body).contains(&want))
        });
        let r = recv
            .got
            .lock()
            .unwrap()
            .iter()
            .find(|r| String::from_utf8_lossy(&r.body).contains(&want))
            .unwrap()
            .clone();
        let spec = HttpSigSpec {
            keyid: Some(format!("key-{n}").into()),
            tag: Some("acme".into()),
            ..HttpSigSpec::new(lib)
        };
        let policy = hookseal::Policy::builder(hookseal::SchemeSpec::HttpSig(spec))
            .secret(&key)
            .build()
            .unwrap();
        let headers = r.header_pairs();
        let now = hookseal::time::now_unix();
        let v = policy
            .verify(
                &hookseal::Request::new(&headers, &r.body).with_url(&url),
                now,
            )
            .unwrap_or_else(|e| panic!("{alg}: {e} {:?}", r.headers));
        assert_eq!(
            v.id.as_deref(),
            m["id"].as_str(),
            "{alg}: the nonce is the message id"
        );
        let other_body = b"{}";
        assert!(policy
            .verify(
                &hookseal::Request::new(&headers, other_body).with_url(&url),
                now
            )
            .is_err());
    }
}
