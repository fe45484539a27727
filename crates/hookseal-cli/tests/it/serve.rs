//! `hookseal serve` end to end: the real binary, a real receiver on 127.0.0.1
//! that verifies every delivery with the hookseal library, and the admin API over
//! HTTP.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::{json, Value};

#[test]
fn delivers_signed_messages_with_filters_and_custom_headers() {
    let s = start("deliver", &[]);
    let (recv, addr, _rt) = receiver();
    let (_ep, secret) = create_endpoint(
        &s,
        addr,
        json!({ "event_types": ["invoice.*"], "headers": { "X-Erp-Token": "shared-value" } }),
    );
    for i in 0..20 {
        let (code, m) = s.call(
            "POST",
            "/api/v1/messages",
            Some(json!({ "event_type": "invoice.paid", "payload": { "n": i } })),
        );
        assert_eq!(code, 202, "{m}");
    }
    let (code, _) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "user.created", "payload": {} })),
    );
    assert_eq!(code, 202);
    wait_for("20 deliveries", 20, || recv.got.lock().unwrap().len() >= 20);
    std::thread::sleep(Duration::from_millis(300));
    let got = recv.got.lock().unwrap().clone();
    assert_eq!(got.len(), 20, "user.created does not match invoice.*");
    let mut ids = std::collections::HashSet::new();
    for r in &got {
        ids.insert(verify(r, &[&secret]).expect("every delivery verifies"));
        assert_eq!(r.headers["x-erp-token"], "shared-value");
        assert_eq!(r.headers["content-type"], "application/json");
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(v["n"].is_number());
    }
    assert_eq!(ids.len(), 20);
    // Deliveries and attempts are visible through the API.
    let some_id = ids.iter().next().unwrap();
    let (code, d) = s.call(
        "GET",
        &format!("/api/v1/messages/{some_id}/deliveries"),
        None,
    );
    assert_eq!(code, 200);
    assert_eq!(d["data"][0]["status"], "succeeded");
    let dlv = d["data"][0]["id"].as_str().unwrap();
    let (_, a) = s.call("GET", &format!("/api/v1/deliveries/{dlv}/attempts"), None);
    assert_eq!(a["data"][0]["status_code"], 200);
}

#[test]
fn retries_keep_the_id_and_honour_retry_after_and_410_disables() {
    let s = start("retry", &[]);
    let (recv, addr, _rt) = receiver();
    recv.script
        .lock()
        .unwrap()
        .extend([(500, None), (503, Some("1")), (502, None)]);
    let (ep, secret) = create_endpoint(&s, addr, json!({}));
    let (_, m) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {"x": 1}, "id": "msg_retry_1" })),
    );
    assert_eq!(m["id"], "msg_retry_1");
    wait_for("the fourth attempt", 30, || {
        recv.got.lock().unwrap().len() >= 4
    });
    let got = recv.got.lock().unwrap().clone();
    let sigs: std::collections::HashSet<_> = got
        .iter()
        .map(|r| r.headers["webhook-signature"].clone())
        .collect();
    for r in &got {
        assert_eq!(
            verify(r, &[&secret]).unwrap(),
            "msg_retry_1",
            "same webhook-id on every attempt"
        );
    }
    assert!(sigs.len() >= 2, "fresh timestamp and signature per attempt");
    wait_for("success recorded", 10, || {
        let (_, d) = s.call("GET", "/api/v1/messages/msg_retry_1/deliveries", None);
        d["data"][0]["status"] == "succeeded"
    });
    let (_, d) = s.call("GET", "/api/v1/messages/msg_retry_1/deliveries", None);
    let dlv = d["data"][0]["id"].as_str().unwrap().to_string();
    let (_, a) = s.call("GET", &format!("/api/v1/deliveries/{dlv}/attempts"), None);
    let codes: Vec<i64> = a["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![500, 503, 502, 200]);

    // Resend a delivered message.
    let (code, _) = s.call("POST", &format!("/api/v1/deliveries/{dlv}/resend"), None);
    assert_eq!(code, 200);
    wait_for("the resend", 10, || recv.got.lock().unwrap().len() >= 5);

    // 410 Gone disables the endpoint.
    recv.script.lock().unwrap().push((410, None));
    s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {} })),
    );
    wait_for("the endpoint disabled", 10, || {
        let (_, e) = s.call("GET", &format!("/api/v1/endpoints/{ep}"), None);
        e["enabled"] == false
    });
    let (_, e) = s.call("GET", &format!("/api/v1/endpoints/{ep}"), None);
    assert!(e["disabled_reason"].as_str().unwrap().contains("410"));

    // Messages published while it is disabled wait; enabling and recovering
    // the failed ones delivers them.
    let before = recv.got.lock().unwrap().len();
    let (code, _) = s.call("POST", &format!("/api/v1/endpoints/{ep}/enable"), None);
    assert_eq!(code, 200);
    let (code, r) = s.call(
        "POST",
        &format!("/api/v1/endpoints/{ep}/recover"),
        Some(json!({ "since": 0 })),
    );
    assert_eq!(code, 200);
    assert_eq!(
        r["recovered"], 1,
        "the delivery failed by the 410 is recovered"
    );
    wait_for("the recovered delivery", 10, || {
        recv.got.lock().unwrap().len() > before
    });
}

#[test]
fn redirects_are_not_followed_and_continuous_failure_disables() {
    let s = start(
        "redirect",
        &[("HOOKSEAL_DELIVERY__DISABLE_AFTER_SECS", "1")],
    );
    let (recv, addr, _rt) = receiver();
    recv.script
        .lock()
        .unwrap()
        .extend([(302, None), (500, None), (500, None), (500, None)]);
    let (ep, _) = create_endpoint(&s, addr, json!({}));
    let (_, m) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {} })),
    );
    let mid = m["id"].as_str().unwrap().to_string();
    wait_for(
        "the endpoint disabled after failing for over a second",
        20,
        || {
            let (_, e) = s.call("GET", &format!("/api/v1/endpoints/{ep}"), None);
            e["enabled"] == false
        },
    );
    let (_, d) = s.call("GET", &format!("/api/v1/messages/{mid}/deliveries"), None);
    assert_eq!(d["data"][0]["status"], "failed");
    let dlv = d["data"][0]["id"].as_str().unwrap();
    let (_, a) = s.call("GET", &format!("/api/v1/deliveries/{dlv}/attempts"), None);
    assert_eq!(
        a["data"][0]["status_code"], 302,
        "a redirect is an answer, not followed"
    );
    // The redirect was an answer like any other: the attempts after it went to the
    // receiver again (the metadata address was never contacted — it is blocked).
    assert!(recv.got.lock().unwrap().len() >= 2);
    let (_, e) = s.call("GET", &format!("/api/v1/endpoints/{ep}"), None);
    assert!(
        e["disabled_reason"]
            .as_str()
            .unwrap()
            .starts_with("failing continuously"),
        "{e}"
    );
}

#[test]
fn idempotent_publish_and_secret_rotation() {
    let s = start("rotate", &[]);
    let (recv, addr, _rt) = receiver();
    let (ep, old) = create_endpoint(&s, addr, json!({}));
    let (c1, _) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {}, "id": "msg_same" })),
    );
    let (c2, m2) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {}, "id": "msg_same" })),
    );
    assert_eq!((c1, c2), (202, 200));
    assert_eq!(m2["duplicate"], true);
    let (c3, e) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {"other": 1}, "id": "msg_same" })),
    );
    assert_eq!(c3, 409, "a different message under a used id: {e}");
    wait_for("one delivery", 10, || !recv.got.lock().unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        recv.got.lock().unwrap().len(),
        1,
        "a duplicate id is not sent twice"
    );

    // Rotate with a grace period: both secrets sign.
    let (code, r) = s.call(
        "POST",
        &format!("/api/v1/endpoints/{ep}/secret/rotate"),
        Some(json!({ "grace_secs": 60 })),
    );
    assert_eq!(code, 200, "{r}");
    let new = r["secret"].as_str().unwrap().to_string();
    s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {} })),
    );
    wait_for("second delivery", 10, || {
        recv.got.lock().unwrap().len() >= 2
    });
    let second = recv.got.lock().unwrap()[1].clone();
    assert_eq!(second.headers["webhook-signature"].split(' ').count(), 2);
    assert!(verify(&second, &[&old]).is_ok() && verify(&second, &[&new]).is_ok());
    let (_, secrets) = s.call("GET", &format!("/api/v1/endpoints/{ep}/secret"), None);
    assert_eq!(secrets["data"].as_array().unwrap().len(), 2);

    // Rotate with no grace: only the newest signs.
    let (_, r) = s.call(
        "POST",
        &format!("/api/v1/endpoints/{ep}/secret/rotate"),
        Some(json!({ "grace_secs": 0 })),
    );
    let newest = r["secret"].as_str().unwrap().to_string();
    s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {} })),
    );
    wait_for("third delivery", 10, || recv.got.lock().unwrap().len() >= 3);
    let third = recv.got.lock().unwrap()[2].clone();
    assert_eq!(third.headers["webhook-signature"].split(' ').count(), 1);
    assert!(verify(&third, &[&newest]).is_ok());
    assert!(verify(&third, &[&new]).is_err() && verify(&third, &[&old]).is_err());
    // A single-signature scheme keeps signing with the old secret during the
    // grace period, and switches when it ends.
    let (hep, hold) = create_endpoint(
        &s,
        addr,
        json!({ "scheme": { "type": "hmac_sha256_hex", "header": "X-Sig" } }),
    );
    let (_, r) = s.call(
        "POST",
        &format!("/api/v1/endpoints/{hep}/secret/rotate"),
        Some(json!({ "grace_secs": 60 })),
    );
    let hnew = r["secret"].as_str().unwrap().to_string();
    let hmac_of = |r: &Received, secret: &str| {
        let spec = hookseal::SchemeSpec::Hmac(hookseal::scheme::hmac::HmacSpec::body(
            "X-Sig",
            hookseal::Algorithm::Sha256,
            hookseal::Encoding::Hex,
        ));
        let p = hookseal::Policy::builder(spec)
            .secret(secret)
            .build()
            .unwrap();
        let h: Vec<(&str, &str)> = r
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        p.verify(&hookseal::Request::new(&h, &r.body), 0).is_ok()
    };
    let seen = recv.got.lock().unwrap().len();
    s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {} })),
    );
    wait_for("hmac deliveries", 10, || {
        recv.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.headers.contains_key("x-sig"))
            .count()
            >= 1
    });
    let during = recv.got.lock().unwrap()[seen..]
        .iter()
        .find(|r| r.headers.contains_key("x-sig"))
        .cloned()
        .unwrap();
    assert!(
        hmac_of(&during, &hold) && !hmac_of(&during, &hnew),
        "the old secret signs during the grace period"
    );
    let (_, r) = s.call(
        "POST",
        &format!("/api/v1/endpoints/{hep}/secret/rotate"),
        Some(json!({ "grace_secs": 0 })),
    );
    let hnewest = r["secret"].as_str().unwrap().to_string();
    let seen = recv.got.lock().unwrap().len();
    s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "a", "payload": {} })),
    );
    wait_for("hmac delivery after rotation", 10, || {
        recv.got.lock().unwrap()[seen..]
            .iter()
            .any(|r| r.headers.contains_key("x-sig"))
    });
    let after = recv.got.lock().unwrap()[seen..]
        .iter()
        .find(|r| r.headers.contains_key("x-sig"))
        .cloned()
        .unwrap();
    // The second rotation ended the first one's grace: `hnew` expired with it, so
    // only the newest is live.
    assert!(hmac_of(&after, &hnewest));
}

#[test]
fn outbound_safety_and_admin_auth() {
    // No allowlist: loopback and private destinations are refused.
    let s = start("ssrf", &[("HOOKSEAL_DELIVERY__ALLOW_CIDRS", "[]")]);
    // Well-formed but refused by the destination policy: 403, naming the
    // setting; not a URL of the accepted form: 422.
    for (url, status) in [
        ("http://10.0.0.1/x", 403),
        ("http://127.0.0.1:9/x", 403),
        ("http://169.254.169.254/latest", 403),
        ("http://[::1]/x", 422),
        ("ftp://example.com/", 422),
    ] {
        let (code, e) = s.call("POST", "/api/v1/endpoints", Some(json!({ "url": url })));
        assert_eq!(code, status, "{url}: {e}");
        if status == 403 {
            assert_eq!(e["code"], "destination_forbidden", "{e}");
        }
    }
    // A loopback name is refused at create like 127.0.0.1, naming the setting
    // that would open it. (A name that only DNS says is internal is refused
    // at connect time: hardening::refused_attempts_show_only_a_generic_reason.)
    let (recv, addr, _rt) = receiver();
    for url in [
        format!("http://localhost:{}/hook", addr.port()),
        format!("http://api.localhost:{}/hook", addr.port()),
    ] {
        let (code, e) = s.call("POST", "/api/v1/endpoints", Some(json!({ "url": url })));
        assert_eq!(code, 403, "{url}: {e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("delivery.allow_cidrs"),
            "{e}"
        );
    }
    assert!(recv.got.lock().unwrap().is_empty());

    // The admin API needs the token; health and the OpenAPI document do not.
    assert_eq!(call(&s.addr, "GET", "/api/v1/endpoints", None, None).0, 401);
    assert_eq!(
        call(&s.addr, "GET", "/api/v1/endpoints", None, Some("wrong")).0,
        401
    );
    assert_eq!(call(&s.addr, "GET", "/healthz", None, None).0, 200);
    assert_eq!(call(&s.addr, "GET", "/readyz", None, None).0, 200);
    let (code, metrics) = call(&s.addr, "GET", "/metrics", None, None);
    assert_eq!(code, 200);
    assert!(metrics.as_str().unwrap().contains("hookseal_queue_pending"));
    // Bad input is a clear 4xx.
    let (code, e) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "has space", "payload": {} })),
    );
    assert_eq!(code, 422, "{e}");
    let (code, _) = s.call("GET", "/api/v1/endpoints/ep_nope", None);
    assert_eq!(code, 404);
}

/// The served document is the committed one (which a unit test keeps equal
/// to what the routes generate), and every operation in it exists and
/// answers only with statuses it documents — also for unknown query
/// parameters, wrong content types and malformed JSON, which are JSON errors.
#[test]
fn every_documented_operation_answers_within_its_contract() {
    let s = start("openapi", &[]);
    let (code, doc) = call(&s.addr, "GET", "/api/v1/openapi.json", None, None);
    assert_eq!(code, 200);
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../hookseal-server/openapi.json"
    );
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(doc, committed, "served document is the committed file");
    let mut n = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            n += 1;
            // Every path parameter names something that does not exist.
            let p: String = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "x_missing"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let documented = |code: u16| op["responses"].get(code.to_string()).is_some();
            let body = op.get("requestBody").map(|_| json!({}));
            let (code, answer) = s.call(&method.to_uppercase(), &p, body.clone());
            assert!(
                documented(code),
                "{method} {path}: {code} is undocumented ({answer})"
            );
            assert_ne!(answer["detail"], "no such route", "{method} {path}");
            let svix = op["tags"][0] == "svix";
            let (code2, answer) = s.call(&method.to_uppercase(), &format!("{p}?nope=1"), body);
            if svix {
                // The Svix API ignores unknown parameters (its SDKs send
                // some of Svix's cloud service), as Svix does.
                assert_eq!(code2, code, "{method} {path}?nope=1: {answer}");
            } else if path != "/in/{source}" {
                // The native API: 400, never ignored.
                assert_eq!(code2, 400, "{method} {path}?nope=1: {answer}");
                assert_eq!(answer["code"], "bad_request", "{answer}");
            }
        }
    }
    assert!(n >= 30);
    // Unknown routes and methods, wrong content type, bad JSON: JSON errors.
    let (code, e) = s.call("GET", "/api/v1/nope", None);
    assert_eq!((code, e["code"].as_str()), (404, Some("not_found")));
    let (code, e) = s.call("PUT", "/api/v1/endpoints", Some(json!({})));
    assert_eq!(
        (code, e["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    for (ctype, body, want) in [
        ("text/plain", "{}", (415, "unsupported_media_type")),
        ("application/json", "{\"url\": ", (400, "bad_request")),
        ("application/json", "{\"url\": 5}", (422, "validation")),
        (
            "application/json",
            "{\"url\": \"https://example.com\", \"nope\": 1}",
            (422, "validation"),
        ),
    ] {
        let mut c = TcpStream::connect(&s.addr).unwrap();
        write!(
            c,
            "POST /api/v1/endpoints HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
            s.token,
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        assert!(
            out.starts_with(&format!("HTTP/1.1 {}", want.0)),
            "{body}: {out}"
        );
        let json: Value = serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(json["code"], want.1, "{body}: {json}");
    }
    // Oversized: 413 in the same shape.
    let big = json!({ "url": "https://example.com", "description": "x".repeat(2 << 20) });
    let (code, e) = s.call("POST", "/api/v1/endpoints", Some(big));
    assert_eq!(
        (code, e["code"].as_str()),
        (413, Some("payload_too_large")),
        "{e}"
    );
    // A filter that was ignored before: the query decides the list.
    let (code, e) = s.call("GET", "/api/v1/deliveries?status=nope", None);
    assert_eq!(code, 400, "{e}");
}

/// Publishes `ids` from 8 threads; returns the ids that got a 2xx.
fn publish_all(
    addr: &str,
    token: &str,
    ids: &[String],
    kill_after: Option<(usize, &Mutex<Option<Child>>)>,
) -> Vec<String> {
    let publish = |id: &str| {
        let body =
            json!({ "event_type": "crash.test", "payload": { "for": id }, "id": id }).to_string();
        (|| -> std::io::Result<u16> {
            let mut s = TcpStream::connect(addr)?;
            s.set_read_timeout(Some(Duration::from_secs(20)))?;
            write!(
                s,
                "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )?;
            let mut raw = String::new();
            s.read_to_string(&mut raw)?;
            Ok(raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0))
        })()
        .unwrap_or(0)
    };
    send_each(ids, 8, kill_after, publish)
        .into_iter()
        .filter(|(_, status)| *status == 200 || *status == 202)
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn crash_mid_publish_loses_no_acknowledged_message() {
    let dir = std::env::temp_dir().join(format!("hookseal-serve-{}-crash", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (recv, raddr, _rt) = receiver();
    // A lease far longer than the test: what was leased before the kill goes
    // out after the restart only because the restart releases the leases.
    let env = [
        ("HOOKSEAL_DELIVERY__LEASE_SECS", "3600"),
        ("HOOKSEAL_DELIVERY__TIMEOUT_MS", "1500"),
    ];
    let (child, addr, _, token) = spawn(&dir, &env, None);
    let token = token.unwrap();
    let (code, _) = call(
        &addr,
        "POST",
        "/api/v1/endpoints",
        Some(json!({ "url": format!("http://{raddr}/hook") })),
        Some(&token),
    );
    assert_eq!(code, 201);
    let ids: Vec<String> = (0..5000).map(|i| format!("msg_crash_{i}")).collect();
    let child = Mutex::new(Some(child));
    let acked_before = publish_all(&addr, &token, &ids, Some((2000, &child)));
    assert!(
        child.lock().unwrap().is_none(),
        "the server was killed mid-way"
    );
    assert!(
        acked_before.len() >= 2000 && acked_before.len() < 5000,
        "{} acked",
        acked_before.len()
    );

    // Restart on the same data; the sender retries what got no answer (same ids).
    let (child2, addr2, _, again) = spawn(&dir, &env, None);
    assert!(again.is_none(), "the token is printed once");
    let _guard = Server {
        child: child2,
        ingress_addr: None,
        addr: addr2.clone(),
        token: token.clone(),
        dir: dir.clone(),
    };
    let acked: std::collections::HashSet<String> = acked_before.iter().cloned().collect();
    let retry: Vec<String> = ids
        .iter()
        .filter(|i| !acked.contains(*i))
        .cloned()
        .collect();
    let acked_after = publish_all(&addr2, &token, &retry, None);
    assert_eq!(
        acked_after.len(),
        retry.len(),
        "every retried publish is acknowledged"
    );

    wait_for("every message delivered", 120, || {
        unique_ids(&recv).len() >= 5000
    });
    let delivered = unique_ids(&recv);
    let all: std::collections::HashSet<String> = ids.iter().cloned().collect();
    assert!(
        acked.iter().all(|id| delivered.contains(id)),
        "an acknowledged message was lost"
    );
    assert!(
        delivered.is_subset(&all),
        "something was delivered that was never published"
    );
    assert_eq!(delivered.len(), 5000);
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let s = start("twice", &[]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hookseal"))
        .arg("serve")
        .env("HOOKSEAL_SERVER__DATA_DIR", &s.dir)
        .env("HOOKSEAL_SERVER__LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("another hookseal serve is using the data directory"),
        "{err}"
    );
    // The first one goes on serving.
    let (code, _) = s.call("GET", "/api/v1/endpoints", None);
    assert_eq!(code, 200);
}

#[test]
fn outage_then_recovery_delivers_everything() {
    let s = start(
        "outage",
        &[(
            "HOOKSEAL_DELIVERY__RETRY_SCHEDULE_SECS",
            "[0, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
        )],
    );
    let (recv, addr, _rt) = receiver();
    *recv.down_until.lock().unwrap() = Some(Instant::now() + Duration::from_secs(3));
    create_endpoint(&s, addr, json!({}));
    let ids: Vec<String> = (0..200).map(|i| format!("msg_outage_{i}")).collect();
    let acked = publish_all(&s.addr, &s.token, &ids, None);
    assert_eq!(acked.len(), 200);
    wait_for("every message delivered after the outage", 60, || {
        unique_ids(&recv).len() >= 200
    });
    let (code, m) = call(&s.addr, "GET", "/metrics", None, None);
    assert_eq!(code, 200);
    let text = m.as_str().unwrap();
    let retries: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("hookseal_delivery_attempts_total{outcome=\"retry\"} "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(
        retries >= 200,
        "every message met the outage at least once ({retries} retries)"
    );
    let statuses: usize = recv.got.lock().unwrap().len();
    assert!(
        statuses > 200,
        "the receiver saw failed attempts before the successes"
    );
}

#[test]
fn https_endpoints_speak_tls() {
    // The receiver speaks plain HTTP; an https:// endpoint must open TLS to it
    // (and fail), never fall back to plain text.
    let s = start("tls", &[("HOOKSEAL_DELIVERY__ALLOW_HTTP", "false")]);
    let (recv, addr, _rt) = receiver();
    let (code, e) = s.call(
        "POST",
        "/api/v1/endpoints",
        Some(json!({ "url": format!("http://{addr}/hook") })),
    );
    assert_eq!(code, 403, "http:// refused by default: {e}");
    let (code, e) = s.call(
        "POST",
        "/api/v1/endpoints",
        Some(json!({ "url": format!("https://{addr}/hook") })),
    );
    assert_eq!(code, 201, "{e}");
    let attempt = publish_and_first_attempt(&s, "a failed TLS attempt");
    assert!(attempt["status_code"].is_null(), "{attempt}");
    // rustls read the plain-HTTP answer to its ClientHello as a non-TLS record.
    assert!(
        attempt["error"]
            .as_str()
            .unwrap_or("")
            .contains("InvalidContentType"),
        "{attempt}"
    );
    assert!(
        recv.got.lock().unwrap().is_empty(),
        "no plain-text request reached the receiver"
    );
}

#[test]
fn per_endpoint_concurrency_limit_is_respected() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let s = start("concurrency", &[]);
    // A slow receiver that records how many requests it holds at once.
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let (f, p, d) = (in_flight.clone(), peak.clone(), done.clone());
    let app = axum::Router::new().route(
        "/slow",
        axum::routing::post(move || {
            let (f, p, d) = (f.clone(), p.clone(), d.clone());
            async move {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                f.fetch_sub(1, Ordering::SeqCst);
                d.fetch_add(1, Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let (addr, _rt) = serve_app(app, 2);
    let (code, e) = s.call(
        "POST",
        "/api/v1/endpoints",
        Some(json!({ "url": format!("http://{addr}/slow"), "max_concurrency": 2 })),
    );
    assert_eq!(code, 201, "{e}");
    let ids: Vec<String> = (0..20).map(|i| format!("msg_conc_{i}")).collect();
    assert_eq!(publish_all(&s.addr, &s.token, &ids, None).len(), 20);
    wait_for("20 slow deliveries", 30, || {
        done.load(Ordering::SeqCst) >= 20
    });
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        peak <= 2,
        "at most 2 deliveries in flight to the endpoint, saw {peak}"
    );
    assert_eq!(peak, 2, "and the limit is used");
    // Clearing the limit with null works.
    let id = e["id"].as_str().unwrap();
    let (code, e) = s.call(
        "PATCH",
        &format!("/api/v1/endpoints/{id}"),
        Some(json!({ "max_concurrency": null })),
    );
    assert_eq!(code, 200, "{e}");
    assert!(e["max_concurrency"].is_null());
    // The scheme is fixed once secrets exist; bad input is a 422 that says why.
    let (code, e) = s.call(
        "PATCH",
        &format!("/api/v1/endpoints/{id}"),
        Some(json!({ "scheme": { "type": "jwt" } })),
    );
    assert_eq!(code, 422);
    assert!(e["detail"].as_str().unwrap().contains("scheme"), "{e}");
    let (code, _) = s.call(
        "PATCH",
        &format!("/api/v1/endpoints/{id}"),
        Some(json!({ "url": "http://10.0.0.1/" })),
    );
    assert_eq!(code, 403);
}

#[test]
fn per_endpoint_rate_limit_paces_without_sending_twice() {
    // A lease shorter than the queue behind the rate limit: deliveries that
    // cannot start before their lease ends are left to the next claim instead
    // of being sent late (and then again by that claim).
    let s = start(
        "rate",
        &[
            ("HOOKSEAL_DELIVERY__LEASE_SECS", "3"),
            ("HOOKSEAL_DELIVERY__TIMEOUT_MS", "1000"),
        ],
    );
    let (recv, addr, _rt) = receiver();
    let (_ep, secret) = create_endpoint(&s, addr, json!({ "rate_limit": 5 }));
    let ids: Vec<String> = (0..20).map(|i| format!("msg_rate_{i}")).collect();
    assert_eq!(publish_all(&s.addr, &s.token, &ids, None).len(), 20);
    wait_for("20 paced deliveries", 30, || {
        recv.got.lock().unwrap().len() >= 15
    });
    std::thread::sleep(Duration::from_millis(4000));
    let got = recv.got.lock().unwrap().clone();
    assert_eq!(got.len(), 20, "each message sent exactly once");
    for r in &got {
        verify(r, &[&secret]).unwrap();
    }
    assert_eq!(unique_ids(&recv).len(), 20);
    // 5 per second: 20 arrivals span at least ~3.8 s (19 intervals of 200 ms),
    // longer than the lease: without the lease check the late ones went twice.
    let first = got.iter().map(|r| r.at).min().unwrap();
    let last = got.iter().map(|r| r.at).max().unwrap();
    assert!(
        last - first >= Duration::from_millis(3200),
        "paced at 5/s: {:?}",
        last - first
    );
}

/// The data key given from outside the data directory (what nodes sharing a
/// database need): from HOOKSEAL_DATA_KEY, a file or a command; no data.key
/// is written; a key that does not open the stored secrets stops the start
/// with the reason, and the right key given another way opens them.
#[test]
fn the_data_key_can_be_given_and_a_wrong_one_is_refused() {
    let key_b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let key_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let mut s = start("given-key", &[("HOOKSEAL_DATA_KEY", key_b64)]);
    let (code, ep) = s.call(
        "POST",
        "/api/v1/endpoints",
        Some(json!({ "url": "http://127.0.0.1:9/hook" })),
    );
    assert_eq!(code, 201, "{ep}");
    let id = ep["id"].as_str().unwrap().to_string();
    let secret = ep["secret"].as_str().unwrap().to_string();
    assert!(
        !s.dir.join("data.key").exists(),
        "a given key is not written to disk"
    );
    let _ = s.child.kill();
    let _ = s.child.wait();
    let serve = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hookseal"));
        cmd.arg("serve")
            .env("HOOKSEAL_SERVER__DATA_DIR", &s.dir)
            .env("HOOKSEAL_SERVER__LISTEN", "127.0.0.1:0")
            .env_remove("HOOKSEAL_DATA_KEY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    };
    // Another key, or none at all: refused, saying why, before listening.
    let out = serve(&[(
        "HOOKSEAL_DATA_KEY",
        "ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=",
    )])
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("does not open the secrets stored"), "{err}");
    let out = serve(&[]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("data.key is missing"));
    let out = serve(&[("HOOKSEAL_DATA_KEY", "short")]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a data key"));
    // The same key as a hex file, then printed by a command: the secret opens.
    let file = s.dir.with_extension("key");
    std::fs::write(&file, format!("{key_hex}\n")).unwrap();
    for env in [
        vec![(
            "HOOKSEAL_STORE__DATA_KEY_FILE",
            file.to_str().unwrap().to_string(),
        )],
        vec![(
            "HOOKSEAL_STORE__DATA_KEY_COMMAND",
            format!("cat {}", file.display()),
        )],
    ] {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (mut child, addr, _, _) = spawn(&s.dir, &env, None);
        let (code, v) = call(
            &addr,
            "GET",
            &format!("/api/v1/endpoints/{id}/secret"),
            None,
            Some(&s.token),
        );
        assert_eq!(code, 200, "{v}");
        assert_eq!(v["data"][0]["secret"], secret.as_str(), "{v}");
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_file(&file);
    // Two ways at once is a configuration error.
    let out = serve(&[
        ("HOOKSEAL_DATA_KEY", key_b64),
        ("HOOKSEAL_STORE__DATA_KEY_FILE", "/nonexistent"),
    ])
    .output()
    .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("one way"));
}
