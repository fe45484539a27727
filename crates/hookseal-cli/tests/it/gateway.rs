//! The inbound gateway end to end: the real `hookseal serve` binary with sources
//! from a config file and from the API, providers' requests signed with the
//! hookseal library over real HTTP on 127.0.0.1, and a receiver that verifies
//! every forwarded event.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::*;
use hookseal::Reason;
use serde_json::json;

type Headers = Vec<(String, String)>;

const SW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const FWD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn now() -> i64 {
    hookseal::time::now_unix()
}

/// Headers a provider using `preset` would send for `body`.
fn with(mut h: Vec<(String, String)>, k: &str, v: &str) -> Vec<(String, String)> {
    h.push((k.to_string(), v.to_string()));
    h
}

fn metric(s: &Server, line_prefix: &str) -> u64 {
    let (_, m) = s.call("GET", "/metrics", None);
    m.as_str()
        .unwrap_or("")
        .lines()
        .find_map(|l| l.strip_prefix(line_prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Verifies a forwarded event with the endpoint's secret; returns its webhook-id.
fn verify_forwarded(r: &Received) -> String {
    verify(r, &[FWD_SECRET]).expect("forwarded events are signed with the endpoint's secret")
}

fn config(recv: std::net::SocketAddr, extra: &str) -> String {
    format!(
        r#"
[ingress]
trusted_proxies = ["127.0.0.1/32"]

[[sources]]
name = "sw"
provider = "standard-webhooks"
secrets = ["{SW_SECRET}"]
max_body_bytes = 4096
forward_headers = true
forward = [{{ url = "http://{recv}/hook", secret = "{FWD_SECRET}" }}]

[[sources]]
name = "jodo"
provider = "jodo"
secret_env = ["TEST_JODO_SECRET"]
allow_ips = ["127.0.0.1/32"]
required_headers = {{ "X-Jodo-Token" = "shared-value" }}
forward_headers = ["X-Jodo-Event"]
forward = [{{ url = "http://{recv}/hook", secret = "{FWD_SECRET}" }}]

[[sources]]
name = "gh"
provider = "github"
secrets = ["gh-secret"]
forward = [{{ url = "http://{recv}/hook", secret = "{FWD_SECRET}", event_types = ["push", "pull_request.*"] }}]

[[sources]]
name = "quick"
provider = "standard-webhooks"
secrets = ["{SW_SECRET}"]
tolerance_secs = 1

[[sources]]
name = "fenced"
provider = "standard-webhooks"
secrets = ["{SW_SECRET}"]
allow_ips = ["198.51.100.0/24"]
store_body = false
forward = [{{ url = "http://{recv}/hook", secret = "{FWD_SECRET}" }}]
{extra}
"#
    )
}

#[test]
fn verifies_stores_forwards_and_refuses_what_it_must() {
    let (recv, raddr, _rt) = receiver();
    let s = start_with_config(
        "gw-main",
        &[("TEST_JODO_SECRET", "jodo-secret")],
        Some(&config(raddr, "")),
    );
    let body = br#"{"type":"invoice.paid","email":"a@example.com"}"#;

    // Accepted and forwarded, re-signed, with the provider's id and headers.
    let h = sign("standard-webhooks", SW_SECRET, "msg_ok_1", now(), body);
    let h = with(h, "Content-Type", "application/json; charset=utf-8");
    let h = with(h, "X-Trace", "t-123");
    let h = with(h, "Authorization", "Bearer provider-credential");
    let h = with(h, "X-Api-Key", "k-1");
    let h = with(h, "X-Forwarded-Host", "evil.example");
    let h = with(h, "X-Real-IP", "192.0.2.66");
    let (code, text) = post(&s.addr, "/in/sw", &h, body);
    assert_eq!((code, text.as_str()), (200, "accepted"));
    wait_for("the forward", 10, || !recv.got.lock().unwrap().is_empty());
    let got = recv.got.lock().unwrap()[0].clone();
    assert_eq!(verify_forwarded(&got), "msg_ok_1");
    assert_eq!(got.body, body);
    assert_eq!(
        got.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        got.headers["x-trace"], "t-123",
        "forward_headers passes them on"
    );
    // Nor what a client claims about the way it came.
    for never in ["x-forwarded-host", "x-real-ip"] {
        assert!(!got.headers.contains_key(never), "{never} is not passed on");
    }
    for never in ["authorization", "x-api-key", "webhook-signature"] {
        let v = got.headers.get(never).cloned().unwrap_or_default();
        assert!(
            !v.contains("provider-credential") && v != "k-1",
            "{never} is not passed on"
        );
    }

    // Jodo: body HMAC, the shared header, the allowlist.
    let jbody = br#"{"event":"payment.success","id":"p_1"}"#;
    let jh = sign("jodo", "jodo-secret", "", 0, jbody);
    let (code, _) = post(
        &s.addr,
        "/in/jodo",
        &with(
            with(
                with(jh.clone(), "X-Jodo-Token", "shared-value"),
                "X-Jodo-Event",
                "payment.success",
            ),
            "X-Trace",
            "t-456",
        ),
        jbody,
    );
    assert_eq!(code, 200);
    // forward_headers as a list passes those headers only.
    wait_for("the jodo forward", 10, || {
        recv.got.lock().unwrap().iter().any(|r| r.body == jbody)
    });
    let got = recv
        .got
        .lock()
        .unwrap()
        .iter()
        .find(|r| r.body == jbody)
        .cloned()
        .unwrap();
    verify_forwarded(&got);
    assert_eq!(got.headers["x-jodo-event"], "payment.success");
    for never in ["x-trace", "x-jodo-token", "x-jodo-signature"] {
        assert!(
            !got.headers.contains_key(never),
            "{never} is not on the list"
        );
    }

    // Every refusal: the right status, a generic body, nothing stored or forwarded.
    let generic = |r: Reason| (r.http_status(), r.public_message().to_string());
    let mut tampered = body.to_vec();
    tampered[2] ^= 1;
    let stale = sign(
        "standard-webhooks",
        SW_SECRET,
        "msg_stale",
        now() - 3600,
        body,
    );
    let future = sign(
        "standard-webhooks",
        SW_SECRET,
        "msg_future",
        now() + 3600,
        body,
    );
    let cases: Vec<(&str, &str, Headers, Vec<u8>, Reason)> = vec![
        (
            "tampered",
            "/in/sw",
            h.clone(),
            tampered,
            Reason::SignatureMismatch,
        ),
        (
            "stale",
            "/in/sw",
            stale,
            body.to_vec(),
            Reason::TimestampTooOld,
        ),
        (
            "future",
            "/in/sw",
            future,
            body.to_vec(),
            Reason::TimestampInFuture,
        ),
        (
            "a used id with another body",
            "/in/sw",
            sign(
                "standard-webhooks",
                SW_SECRET,
                "msg_ok_1",
                now(),
                br#"{"type":"invoice.paid","email":"b@example.com"}"#,
            ),
            br#"{"type":"invoice.paid","email":"b@example.com"}"#.to_vec(),
            Reason::Replayed,
        ),
        (
            "unsigned",
            "/in/sw",
            vec![],
            body.to_vec(),
            Reason::MissingHeader,
        ),
        (
            "missing shared header",
            "/in/jodo",
            jh.clone(),
            jbody.to_vec(),
            Reason::RequiredHeaderMismatch,
        ),
        (
            "wrong shared header",
            "/in/jodo",
            with(jh.clone(), "X-Jodo-Token", "guess"),
            jbody.to_vec(),
            Reason::RequiredHeaderMismatch,
        ),
    ];
    for (what, path, headers, b, reason) in &cases {
        let (code, text) = post(&s.addr, path, headers, b);
        assert_eq!((code, text), generic(*reason), "{what}");
    }
    // The same request again (a provider that lost our 200): answered 2xx as
    // a duplicate, stored and forwarded once.
    assert_eq!(
        post(&s.addr, "/in/sw", &h, body),
        (200, "accepted (duplicate)".to_string())
    );
    // Jodo signs neither an id nor a timestamp: a second event with the
    // same body cannot be told from a replay, and without dedup_secs on the
    // source it is a new event.
    let (code, text) = post(
        &s.addr,
        "/in/jodo",
        &with(jh.clone(), "X-Jodo-Token", "shared-value"),
        jbody,
    );
    assert_eq!((code, text.as_str()), (200, "accepted"));
    let big_h = sign(
        "standard-webhooks",
        SW_SECRET,
        "msg_big",
        now(),
        &[b'x'; 5000],
    );
    assert_eq!(
        post_declared(&s.addr, "/in/sw", &big_h, 5000),
        generic(Reason::BodyTooLarge),
        "oversized"
    );

    // The allowlist, with the client address from a trusted proxy's X-Forwarded-For.
    let fbody = br#"{"n":1}"#;
    let fh = sign("standard-webhooks", SW_SECRET, "msg_fenced_1", now(), fbody);
    let (code, _) = post(&s.addr, "/in/fenced", &fh, fbody);
    assert_eq!(code, 403, "127.0.0.1 is not in the allowlist");
    let (code, _) = post(
        &s.addr,
        "/in/fenced",
        &with(fh.clone(), "X-Forwarded-For", "203.0.113.9"),
        fbody,
    );
    assert_eq!(code, 403, "a forwarded address outside the allowlist");
    let (code, _) = post(
        &s.addr,
        "/in/fenced",
        &with(fh.clone(), "X-Forwarded-For", "1.2.3.4, 198.51.100.7"),
        fbody,
    );
    assert_eq!(code, 200, "the client the trusted proxy saw is allowed");
    let (code, _) = post(&s.addr, "/in/nope", &fh, fbody);
    assert_eq!(code, 404);

    // A provider retrying an id with a fresh timestamp after the (1 s) window
    // is still known: ids are remembered for dedup_secs. The same body is its
    // retry (2xx, stored once); another body under that id is a replay.
    let qh = sign("standard-webhooks", SW_SECRET, "msg_q_1", now(), fbody);
    assert_eq!(post(&s.addr, "/in/quick", &qh, fbody).0, 200);
    std::thread::sleep(Duration::from_millis(2500));
    let qh = sign("standard-webhooks", SW_SECRET, "msg_q_1", now(), fbody);
    assert_eq!(
        post(&s.addr, "/in/quick", &qh, fbody),
        (200, "accepted (duplicate)".to_string())
    );
    let other = br#"{"n":2}"#;
    let qh = sign("standard-webhooks", SW_SECRET, "msg_q_1", now(), other);
    assert_eq!(post(&s.addr, "/in/quick", &qh, other).0, 409);
    let (_, v) = s.call("GET", "/api/v1/sources/quick", None);
    assert_eq!(v["events"], 1, "{v}");

    // Four accepted (sw, jodo twice, fenced): exactly four forwards.
    wait_for("four forwards", 10, || recv.got.lock().unwrap().len() >= 4);
    std::thread::sleep(Duration::from_millis(500));
    let got = recv.got.lock().unwrap().clone();
    assert_eq!(got.len(), 4, "nothing refused or duplicated was forwarded");
    for (src, n) in [("sw", 1), ("jodo", 2), ("fenced", 1)] {
        let (_, v) = s.call("GET", &format!("/api/v1/sources/{src}"), None);
        assert_eq!(v["events"], n, "{src}: {v}");
    }
    // The required header's value is not shown; secrets never are.
    let (_, v) = s.call("GET", "/api/v1/sources/jodo", None);
    assert_eq!(v["required_headers"]["X-Jodo-Token"], "(hidden)");
    assert!(!v.to_string().contains("jodo-secret") && !v.to_string().contains("shared-value"));

    // store_body = false: the fenced event's body is emptied once forwarded.
    let (_, msgs) = s.call("GET", "/api/v1/messages?limit=10", None);
    let fenced = msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source"] == "fenced")
        .cloned()
        .expect("the fenced event");
    let fid = fenced["id"].as_str().unwrap().to_string();
    wait_for("the fenced body to be dropped", 10, || {
        let (code, m) = s.call("GET", &format!("/api/v1/messages/{fid}"), None);
        assert_eq!(code, 200, "{m}");
        m["payload"].is_null()
    });
    // Nothing left to resend.
    let (_, d) = s.call("GET", &format!("/api/v1/messages/{fid}/deliveries"), None);
    let dlv = d["data"][0]["id"].as_str().unwrap().to_string();
    let (code, v) = s.call("POST", &format!("/api/v1/deliveries/{dlv}/resend"), None);
    assert_eq!(code, 409, "{v}");
    let sw_msg = msgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source"] == "sw")
        .cloned()
        .unwrap();
    assert_eq!(
        sw_msg["payload"]["email"], "a@example.com",
        "sw keeps its body"
    );

    // Reasons go to the audit table and the metrics, never to the caller.
    wait_for("the audit rows", 5, || {
        let (_, r) = s.call("GET", "/api/v1/sources/sw/rejections", None);
        r["data"].as_array().is_some_and(|a| a.len() >= 6)
    });
    let (_, r) = s.call("GET", "/api/v1/sources/sw/rejections", None);
    let reasons: Vec<&str> = r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    for want in [
        "signature_mismatch",
        "timestamp_too_old",
        "timestamp_in_future",
        "replayed",
        "body_too_large",
    ] {
        assert!(reasons.contains(&want), "{want} in {reasons:?}");
    }
    assert!(
        !r.to_string().contains("invoice.paid"),
        "no bodies in the audit"
    );
    assert_eq!(
        metric(
            &s,
            "hookseal_inbound_rejected_total{source=\"sw\",reason=\"signature_mismatch\"} "
        ),
        1
    );
    assert_eq!(
        metric(&s, "hookseal_inbound_accepted_total{source=\"sw\"} "),
        1
    );
    assert_eq!(
        metric(&s, "hookseal_inbound_replayed_total{source=\"sw\"} "),
        1
    );
    assert_eq!(
        metric(&s, "hookseal_inbound_duplicate_total{source=\"sw\"} "),
        1
    );
    assert_eq!(
        metric(&s, "hookseal_inbound_replayed_total{source=\"jodo\"} "),
        0
    );
    wait_for("forwarded counted", 5, || {
        metric(&s, "hookseal_inbound_forwarded_total{source=\"sw\"} ") == 1
    });

    // The provider's event type (GitHub's X-GitHub-Event) is the event's type,
    // and the endpoint's filter routes on it: `issues` is stored, not forwarded.
    let gh_post = |kind: &str, body: &[u8]| {
        let h = sign("github", "gh-secret", &format!("d-{kind}"), 0, body);
        post(&s.addr, "/in/gh", &with(h, "X-GitHub-Event", kind), body).0
    };
    assert_eq!(gh_post("issues", br#"{"action":"opened","n":1}"#), 200);
    assert_eq!(gh_post("push", br#"{"ref":"refs/heads/main"}"#), 200);
    wait_for("the push forward", 10, || {
        recv.got
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.body == br#"{"ref":"refs/heads/main"}"#)
    });
    let (_, list) = s.call("GET", "/api/v1/messages", None);
    let types: Vec<(String, String)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["source"] == "gh")
        .map(|m| {
            (
                m["event_type"].as_str().unwrap().to_string(),
                m["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(types.len(), 2, "{types:?}");
    for (kind, id) in &types {
        let (_, d) = s.call("GET", &format!("/api/v1/messages/{id}/deliveries"), None);
        let n = d["data"].as_array().map_or(0, |a| a.len());
        match kind.as_str() {
            "push" => assert_eq!(n, 1, "push is forwarded"),
            "issues" => assert_eq!(n, 0, "issues is filtered out"),
            other => panic!("event type {other}"),
        }
    }
    // The standard-webhooks source's events carry their body's `type`.
    assert!(list["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["source"] == "sw" && m["event_type"] == "invoice.paid"));
}

#[test]
fn sources_through_the_api_rotation_and_handshakes() {
    let (recv, raddr, _rt) = receiver();
    let s = start("gw-api", &[]);
    // A Slack source (its url_verification handshake) and an endpoint forwarding it.
    let (code, v) = s.call(
        "POST",
        "/api/v1/sources",
        Some(json!({ "name": "slack", "provider": "slack", "secrets": ["old-secret"] })),
    );
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["path"], "/in/slack");
    let (code, ep) = s.call(
        "POST",
        "/api/v1/endpoints",
        Some(json!({ "url": format!("http://{raddr}/hook"), "source": "slack" })),
    );
    assert_eq!(code, 201, "{ep}");
    let secret = ep["secret"].as_str().unwrap().to_string();
    // Bad definitions are refused with what is wrong.
    for (bad, says) in [
        (
            json!({ "name": "x", "provider": "nope", "secrets": ["s"] }),
            "unknown provider",
        ),
        (json!({ "name": "x", "provider": "slack" }), "no secret"),
        (
            json!({ "name": "a/b", "provider": "slack", "secrets": ["s"] }),
            "source name",
        ),
        (
            json!({ "name": "t", "provider": "twilio", "secrets": ["s"] }),
            "public_url",
        ),
        (
            json!({ "name": "slack", "provider": "slack", "secrets": ["s"] }),
            "exists",
        ),
    ] {
        let (code, v) = s.call("POST", "/api/v1/sources", Some(bad.clone()));
        assert!(code == 422 || code == 409, "{bad}: {code} {v}");
        assert!(v["detail"].as_str().unwrap().contains(says), "{bad}: {v}");
    }

    let challenge = br#"{"type":"url_verification","challenge":"c-42","token":"x"}"#;
    let forged = sign("slack", "guessed-secret", "", now(), challenge);
    let (code, text) = post(&s.addr, "/in/slack", &forged, challenge);
    assert_eq!(code, 401, "a forged handshake is refused, not answered");
    assert!(!text.contains("c-42"));
    let h = sign("slack", "old-secret", "", now(), challenge);
    let (code, text) = post(&s.addr, "/in/slack", &h, challenge);
    assert_eq!(
        (code, text.as_str()),
        (200, "c-42"),
        "the handshake is answered"
    );

    // Zoom answers with the HMAC of its plainToken; Discord's PING (Ed25519) with a PONG.
    let (code, v) = s.call(
        "POST",
        "/api/v1/sources",
        Some(json!({ "name": "zoom", "provider": "zoom", "secrets": ["zoom-token"] })),
    );
    assert_eq!(code, 201, "{v}");
    let zbody = br#"{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1}"#;
    let (code, text) = post(
        &s.addr,
        "/in/zoom",
        &sign("zoom", "zoom-token", "", now(), zbody),
        zbody,
    );
    assert_eq!(code, 200, "{text}");
    let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"zoom-token");
    let want =
        hookseal::codec::hex_encode(ring::hmac::sign(&key, b"qgg8vlvZRS6UYooatFL8Aw").as_ref());
    assert_eq!(reply["encryptedToken"], want.as_str());
    // During a rotation's grace period Zoom may still sign with the old secret:
    // each validation is answered with the secret it was signed with.
    let (code, v) = s.call(
        "POST",
        "/api/v1/sources/zoom/secrets/rotate",
        Some(json!({ "secret": "zoom-token-2", "grace_secs": 600 })),
    );
    assert_eq!(code, 200, "{v}");
    for secret in ["zoom-token", "zoom-token-2"] {
        let (code, text) = post(
            &s.addr,
            "/in/zoom",
            &sign("zoom", secret, "", now(), zbody),
            zbody,
        );
        assert_eq!(code, 200, "{secret}: {text}");
        let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        let want =
            hookseal::codec::hex_encode(ring::hmac::sign(&key, b"qgg8vlvZRS6UYooatFL8Aw").as_ref());
        assert_eq!(
            reply["encryptedToken"],
            want.as_str(),
            "answered with {secret}"
        );
    }
    let discord = hookseal::keys::generate(hookseal::keys::KeyKind::Ed25519);
    let (code, v) = s.call(
        "POST",
        "/api/v1/sources",
        Some(json!({ "name": "discord", "provider": "discord", "secrets": [discord.public.clone().unwrap()] })),
    );
    assert_eq!(code, 201, "{v}");
    let ping = br#"{"type":1,"id":"1","application_id":"2"}"#;
    let (code, text) = post(
        &s.addr,
        "/in/discord",
        &sign("discord", &discord.secret, "", now(), ping),
        ping,
    );
    assert_eq!((code, text.as_str()), (200, r#"{"type":1}"#));
    let (code, _) = post(
        &s.addr,
        "/in/discord",
        &sign(
            "discord",
            &hookseal::keys::generate(hookseal::keys::KeyKind::Ed25519).secret,
            "",
            now(),
            ping,
        ),
        ping,
    );
    assert_eq!(code, 401, "a PING signed with another key");

    let event = |n: u32| format!(r#"{{"type":"event_callback","event_id":"Ev{n}"}}"#);
    let (code, _) = post(
        &s.addr,
        "/in/slack",
        &sign("slack", "old-secret", "", now(), event(1).as_bytes()),
        event(1).as_bytes(),
    );
    assert_eq!(code, 200);
    wait_for("the forward", 10, || !recv.got.lock().unwrap().is_empty());
    assert!(verify(&recv.got.lock().unwrap()[0], &[&secret]).is_ok());

    // Rotation with grace: old and new both verify.
    let (code, v) = s.call(
        "POST",
        "/api/v1/sources/slack/secrets/rotate",
        Some(json!({ "secret": "new-secret", "grace_secs": 2 })),
    );
    assert_eq!(code, 200, "{v}");
    for (n, key) in [(2, "old-secret"), (3, "new-secret")] {
        let b = event(n);
        let (code, _) = post(
            &s.addr,
            "/in/slack",
            &sign("slack", key, "", now(), b.as_bytes()),
            b.as_bytes(),
        );
        assert_eq!(code, 200, "{key} during the grace period");
    }
    // After it, only the new one.
    std::thread::sleep(Duration::from_millis(2300));
    let b = event(4);
    let (code, _) = post(
        &s.addr,
        "/in/slack",
        &sign("slack", "old-secret", "", now(), b.as_bytes()),
        b.as_bytes(),
    );
    assert_eq!(code, 401, "the old secret after the grace period");
    let (code, _) = post(
        &s.addr,
        "/in/slack",
        &sign("slack", "new-secret", "", now(), b.as_bytes()),
        b.as_bytes(),
    );
    assert_eq!(code, 200);

    // Replaced: a narrower allowlist applies at once; the endpoint stays.
    // The path names the source: a name in the body is refused.
    let (code, v) = s.call(
        "PUT",
        "/api/v1/sources/slack",
        Some(json!({ "name": "slack", "provider": "slack", "allow_ips": ["198.51.100.0/24"] })),
    );
    assert_eq!(code, 422, "{v}");
    let (code, v) = s.call(
        "PUT",
        "/api/v1/sources/slack",
        Some(json!({ "provider": "slack", "allow_ips": ["198.51.100.0/24"] })),
    );
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["name"], "slack", "{v}");
    let b = event(6);
    let h = sign("slack", "new-secret", "", now(), b.as_bytes());
    assert_eq!(post(&s.addr, "/in/slack", &h, b.as_bytes()).0, 403);
    let (code, v) = s.call(
        "PUT",
        "/api/v1/sources/slack",
        Some(json!({ "provider": "slack", "secrets": ["x"] })),
    );
    assert_eq!(code, 422, "secrets change through rotation: {v}");
    assert!(v["detail"].as_str().unwrap().contains("rotate"), "{v}");
    let (code, _) = s.call(
        "PUT",
        "/api/v1/sources/slack",
        Some(json!({ "provider": "slack" })),
    );
    assert_eq!(code, 200);
    assert_eq!(post(&s.addr, "/in/slack", &h, b.as_bytes()).0, 200);

    // Deleted: gone from /in.
    let (code, _) = s.call("DELETE", "/api/v1/sources/slack", None);
    assert_eq!(code, 204);
    let ep_id = ep["id"].as_str().unwrap();
    let (code, _) = s.call("GET", &format!("/api/v1/endpoints/{ep_id}"), None);
    assert_eq!(code, 404, "its forwarding endpoints go with it");
    let b = event(5);
    let (code, _) = post(
        &s.addr,
        "/in/slack",
        &sign("slack", "new-secret", "", now(), b.as_bytes()),
        b.as_bytes(),
    );
    assert_eq!(code, 404);
}

/// Sends `ids` from 16 threads; returns the ids answered 200. With `kill_after`,
/// SIGKILLs the server once that many were acknowledged.
fn send_all(
    addr: &str,
    ids: &[String],
    kill_after: Option<(usize, &Mutex<Option<std::process::Child>>)>,
) -> (Vec<String>, Vec<String>) {
    // Provider-sized bodies (3 KiB): before the kill, the WAL passes the
    // point where checkpoints start, so the crash lands among them.
    let pad = "x".repeat(3000);
    let deliver = |id: &str| {
        let body = format!(r#"{{"id":"{id}","pad":"{pad}"}}"#);
        let h = sign("standard-webhooks", SW_SECRET, id, now(), body.as_bytes());
        // A killed server refuses the connection: no answer (0). A duplicate
        // (a retry of what was stored) is 200 with its own text: 208 here.
        std::panic::catch_unwind(|| match post(addr, "/in/sw", &h, body.as_bytes()) {
            (200, t) if t == "accepted (duplicate)" => 208,
            (code, _) => code,
        })
        .unwrap_or(0)
    };
    let answered = send_each(ids, 16, kill_after, deliver);
    let with = |code| {
        answered
            .iter()
            .filter(|(_, s)| *s == code)
            .map(|(id, _)| id.clone())
            .collect()
    };
    (with(200), with(208))
}

#[test]
fn crash_under_load_loses_no_acknowledged_event_and_retries_are_not_doubled() {
    let (recv, raddr, _rt) = receiver();
    let dir = std::env::temp_dir().join(format!("hookseal-serve-{}-gw-crash", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg_path = dir.with_extension("toml");
    std::fs::write(&cfg_path, config(raddr, "")).unwrap();
    // A lease far longer than the test: deliveries leased before the kill go
    // out after the restart only because it releases the old run's leases.
    let env = [
        ("TEST_JODO_SECRET", "j"),
        ("HOOKSEAL_DELIVERY__LEASE_SECS", "3600"),
        ("HOOKSEAL_DELIVERY__TIMEOUT_MS", "1500"),
    ];
    let (child, addr, _, _) = spawn(&dir, &env, Some(&cfg_path));
    let ids: Vec<String> = (0..3000).map(|i| format!("msg_gw_crash_{i}")).collect();
    let child = Mutex::new(Some(child));
    let (acked, _) = send_all(&addr, &ids, Some((1000, &child)));
    assert!(child.lock().unwrap().is_none(), "killed mid-way");
    assert!(acked.len() >= 1000 && acked.len() < 3000, "{}", acked.len());
    // The WAL file never shrinks while the server runs: past 1,000 pages, it
    // went through background checkpoints before the kill.
    let wal = std::fs::metadata(dir.join("hookseal.sqlite3-wal"))
        .unwrap()
        .len();
    assert!(wal > 1000 * 4096, "the WAL reached only {wal} bytes");

    // Restart on the same data. The provider retries what got no answer; to
    // check dedup survived the crash, it also retries everything that was acked.
    // The killed server's lock on the data directory went with it.
    let (child2, addr2, _, _) = spawn(&dir, &env, Some(&cfg_path));
    let s = Server {
        child: child2,
        addr: addr2.clone(),
        ingress_addr: None,
        token: String::new(),
        dir: dir.clone(),
    };
    let unanswered: Vec<String> = ids.iter().filter(|i| !acked.contains(i)).cloned().collect();
    let (acked2, duplicates2) = send_all(&addr2, &unanswered, None);
    assert_eq!(
        acked2.len() + duplicates2.len(),
        unanswered.len(),
        "every retry is either stored now or found already stored"
    );
    let (again, duplicates3) = send_all(&addr2, &acked, None);
    assert!(
        again.is_empty(),
        "an acknowledged event is never stored twice"
    );
    assert_eq!(duplicates3.len(), acked.len(), "answered 2xx as duplicates");

    // Every event is forwarded (at least once), and only those.
    wait_for("all 3000 forwarded", 60, || unique_ids(&recv).len() >= 3000);
    let seen = unique_ids(&recv);
    assert_eq!(seen.len(), 3000);
    for r in recv.got.lock().unwrap().iter() {
        assert!(ids.contains(&verify_forwarded(r)));
    }
    drop(s);
    let _ = std::fs::remove_file(&cfg_path);
}

#[test]
fn a_flood_of_bad_requests_does_not_starve_good_ones() {
    let (recv, raddr, _rt) = receiver();
    let s = start_with_config(
        "gw-flood",
        &[
            ("TEST_JODO_SECRET", "j"),
            ("HOOKSEAL_INGRESS__MAX_PER_IP", "4"),
            ("HOOKSEAL_INGRESS__MAX_CONCURRENCY", "16"),
        ],
        Some(&config(raddr, "")),
    );
    let stop = std::sync::atomic::AtomicBool::new(false);
    let bad_sent = AtomicUsize::new(0);
    let good_ok = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        // Slow clients that never finish their headers hold only their own socket.
        let mut idle = Vec::new();
        for _ in 0..50 {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            let _ = c.write_all(b"POST /in/sw HTTP/1.1\r\nHost: x\r\n");
            idle.push(c);
        }
        // Slow bodies from one address (seen through the trusted proxy): it gets
        // max_per_ip (4) slots; the rest of its requests are refused at once.
        let mut slow = Vec::new();
        for _ in 0..12 {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let _ = c.write_all(
                b"POST /in/sw HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.66\r\nContent-Length: 1000\r\n\r\n{",
            );
            slow.push(c);
        }
        std::thread::sleep(Duration::from_millis(300));
        let mut refused_at_once = 0;
        for c in slow.iter_mut() {
            let mut buf = [0u8; 12];
            if matches!(c.read(&mut buf), Ok(n) if n > 0 && buf.starts_with(b"HTTP/1.1 503")) {
                refused_at_once += 1;
            }
        }
        assert_eq!(
            refused_at_once, 8,
            "one address holds at most max_per_ip slots"
        );
        for t in 0..6 {
            let (stop, bad_sent, addr) = (&stop, &bad_sent, &s.addr);
            scope.spawn(move || {
                let body = br#"{"x":1}"#;
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = format!("bad_{t}_{n}");
                    let (path, h, b): (&str, Vec<(String, String)>, Vec<u8>) = match n % 3 {
                        // Forged signature.
                        0 => (
                            "/in/sw",
                            sign(
                                "standard-webhooks",
                                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                &id,
                                now(),
                                body,
                            ),
                            body.to_vec(),
                        ),
                        // Oversized (refused on its Content-Length, before reading).
                        1 => ("/in/sw", vec![], Vec::new()),
                        // Wrong source address.
                        _ => (
                            "/in/fenced",
                            sign("standard-webhooks", SW_SECRET, &id, now(), body),
                            body.to_vec(),
                        ),
                    };
                    let (code, _) = if b.is_empty() {
                        post_declared(addr, path, &h, 64 * 1024 * 1024)
                    } else {
                        post(addr, path, &h, &b)
                    };
                    assert!(
                        [401, 403, 413].contains(&code),
                        "bad request answered {code}"
                    );
                    bad_sent.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // The good traffic: 200 valid events among the flood.
        std::thread::sleep(Duration::from_millis(300));
        for i in 0..200 {
            let id = format!("good_{i}");
            let body = format!(r#"{{"i":{i}}}"#);
            let h = sign("standard-webhooks", SW_SECRET, &id, now(), body.as_bytes());
            let (code, text) = post(&s.addr, "/in/sw", &h, body.as_bytes());
            assert_eq!(code, 200, "a valid request during the flood: {text}");
            good_ok.fetch_add(1, Ordering::Relaxed);
        }
        stop.store(true, Ordering::Relaxed);
        drop(idle);
        drop(slow);
    });
    let bad = bad_sent.load(Ordering::Relaxed);
    let good = good_ok.load(Ordering::Relaxed);
    eprintln!(
        "flood: {bad} bad and {good} good requests in {:?}",
        started.elapsed()
    );
    assert_eq!(good, 200);
    assert!(
        bad >= 9 * good,
        "the flood was at least 90 % of traffic: {bad} bad"
    );
    wait_for("200 forwards", 20, || recv.got.lock().unwrap().len() >= 200);
}

/// A gateway with the usual sources plus `big` (bodies up to 1 MiB), and
/// `budget` bytes of bodies in flight; the runtime keeps its receiver up.
fn start_with_body_budget(name: &str, budget: &str) -> (Server, tokio::runtime::Runtime) {
    let (_recv, raddr, rt) = receiver();
    let big = format!(
        "[[sources]]\nname = \"big\"\nprovider = \"standard-webhooks\"\nsecrets = [\"{SW_SECRET}\"]\nmax_body_bytes = 1048576\n"
    );
    let s = start_with_config(
        name,
        &[
            ("TEST_JODO_SECRET", "j"),
            ("HOOKSEAL_INGRESS__MAX_BODY_BYTES_IN_FLIGHT", budget),
        ],
        Some(&config(raddr, &big)),
    );
    (s, rt)
}

#[test]
fn bodies_in_flight_stay_within_their_budget() {
    let (s, _rt) = start_with_body_budget("gw-budget", "65536");
    let signed = |id: &str, body: &[u8]| sign("standard-webhooks", SW_SECRET, id, now(), body);
    // A slow body declaring 60,000 bytes holds 59 of the 64 KiB.
    let mut slow = TcpStream::connect(&s.addr).unwrap();
    slow.write_all(b"POST /in/big HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n{")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // A small event still fits.
    let small = br#"{"i":1}"#;
    assert_eq!(
        post(&s.addr, "/in/big", &signed("budget_1", small), small).0,
        200
    );
    // 10,000 declared bytes do not: refused at once, without reading them.
    let (code, text) = post_declared(&s.addr, "/in/big", &[], 10_000);
    assert_eq!((code, text.as_str()), (503, "busy; retry"));
    // Nor does a body of undeclared length (it may be as long as the limit).
    let mut chunked = TcpStream::connect(&s.addr).unwrap();
    chunked
        .write_all(b"POST /in/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = chunked.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert_eq!(metric(&s, "hookseal_inbound_busy_total "), 2);
    // A missing shared header is refused before any body is read (or room
    // taken for it): the declared body is never sent.
    let (code, _) = post_declared(&s.addr, "/in/jodo", &[], 1000);
    assert_eq!(code, 401);
    // Once the slow client goes, its room is free again.
    drop(slow);
    std::thread::sleep(Duration::from_millis(300));
    let body = format!(r#"{{"pad":"{}"}}"#, "x".repeat(10_000));
    let (code, text) = post(
        &s.addr,
        "/in/big",
        &signed("budget_2", body.as_bytes()),
        body.as_bytes(),
    );
    assert_eq!(code, 200, "{text}");
}

/// Slow uploads from eight addresses cannot keep a ninth sender out: the
/// body budget is shared fairly (a client under its share takes room back
/// from the largest holder's unfinished body), so the ninth client's
/// ordinary webhooks are accepted while the eight hold their uploads open.
#[test]
fn eight_slow_clients_do_not_starve_a_ninth() {
    // 8 MiB in all; the big source takes bodies of up to 1 MiB.
    let (s, _rt) = start_with_body_budget("gw-fair", "8388608");
    let from = |client: &str| vec![("X-Forwarded-For".to_string(), client.to_string())];
    let webhook = |i: usize| {
        let body = format!(
            r#"{{"type":"invoice.paid","n":{i},"pad":"{}"}}"#,
            "y".repeat(2000)
        );
        let h = sign(
            "standard-webhooks",
            SW_SECRET,
            &format!("fair_{i}"),
            now(),
            body.as_bytes(),
        );
        let started = Instant::now();
        let (code, text) = post(
            &s.addr,
            "/in/big",
            &[h, from("192.0.2.99")].concat(),
            body.as_bytes(),
        );
        (code, text, started.elapsed())
    };
    // The ninth client alone: its usual latency.
    let usual: Vec<Duration> = (0..10)
        .map(|i| {
            let (code, text, took) = webhook(i);
            assert_eq!(code, 200, "{text}");
            took
        })
        .collect();
    // Eight clients each open four uploads of a declared megabyte and send
    // one byte of each: together they ask for four times the budget.
    let mut slow = Vec::new();
    for c in 1..=8 {
        for _ in 0..4 {
            let mut t = TcpStream::connect(&s.addr).unwrap();
            t.write_all(
                format!(
                    "POST /in/big HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.{c}\r\nContent-Length: 1000000\r\n\r\n{{"
                )
                .as_bytes(),
            )
            .unwrap();
            slow.push(t);
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    // The budget is full: a ninth client with nothing held still gets room.
    let during: Vec<Duration> = (10..30)
        .map(|i| {
            let (code, text, took) = webhook(i);
            assert_eq!(code, 200, "webhook {i} during the slow uploads: {text}");
            took
        })
        .collect();
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    eprintln!(
        "ninth client's latency: alone max {:?}; during eight slow clients max {:?}",
        max(&usual),
        max(&during)
    );
    // Answered, not held until a body timeout (10 s) frees room.
    assert!(max(&during) < Duration::from_secs(5), "{:?}", max(&during));
    // The slow uploads that gave their room were answered 503 at once;
    // the others are still open.
    let mut evicted = 0;
    for t in slow.iter_mut() {
        t.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 12];
        if matches!(t.read(&mut buf), Ok(n) if n > 0 && buf.starts_with(b"HTTP/1.1 503")) {
            evicted += 1;
        }
    }
    assert!(evicted >= 8 * 4 - 8, "{evicted} uploads evicted");
    assert!(evicted < 8 * 4, "some uploads keep their share");
}

#[test]
fn https_listeners_and_https_forwarding() {
    use tokio_rustls::rustls;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let cert = fixtures.join("server-test-only.pem");
    let key = fixtures.join("server-test-only.key");
    let ca = fixtures.join("ca-test-only.pem");

    // A receiver that speaks only TLS, with the test CA's certificate.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let got: std::sync::Arc<Mutex<Vec<Received>>> = Default::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let g = g.clone();
                async move {
                    g.lock().unwrap().push(Received {
                        headers: headers
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                            .collect(),
                        body: body.to_vec(),
                        status: 200,
                        at: Instant::now(),
                    });
                    "ok"
                }
            },
        ),
    );
    let acceptor =
        hookseal_server::listen::tls_acceptor(cert.to_str().unwrap(), key.to_str().unwrap())
            .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let raddr = listener.local_addr().unwrap();
    rt.spawn(hookseal_server::listen::serve(
        listener,
        app,
        Some(acceptor),
        std::time::Duration::from_secs(30),
        hookseal_server::listen::ConnLimits::new(64, 64, Default::default()),
        std::future::pending(),
    ));

    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ingress_port = free.local_addr().unwrap().port();
    drop(free);
    let ingress_listen = format!("127.0.0.1:{ingress_port}");
    let toml = format!(
        r#"
[[sources]]
name = "sw"
provider = "standard-webhooks"
secrets = ["{SW_SECRET}"]
forward = [{{ url = "https://localhost:{}/hook", secret = "{FWD_SECRET}" }}]
"#,
        raddr.port()
    );
    let s = start_with_config(
        "gw-tls",
        &[
            ("HOOKSEAL_SERVER__TLS_CERT_FILE", cert.to_str().unwrap()),
            ("HOOKSEAL_SERVER__TLS_KEY_FILE", key.to_str().unwrap()),
            ("HOOKSEAL_DELIVERY__EXTRA_ROOT_PEM", ca.to_str().unwrap()),
            ("HOOKSEAL_INGRESS__LISTEN", &ingress_listen),
        ],
        Some(&toml),
    );
    let in_addr = s.ingress_addr.clone().unwrap();

    // A TLS client that trusts the test CA.
    let mut roots = rustls::RootCertStore::empty();
    use rustls_pki_types::pem::PemObject;
    for c in rustls_pki_types::CertificateDer::pem_file_iter(&ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let client = std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let tls_post = |addr: &str, path: &str, headers: &[(String, String)], body: &[u8]| {
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(client.clone(), name).unwrap();
        let tcp = TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        tls.write_all(req.as_bytes()).unwrap();
        tls.write_all(body).unwrap();
        let mut raw = Vec::new();
        let _ = tls.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).to_string();
        text.split(' ')
            .nth(1)
            .and_then(|c| c.parse::<u16>().ok())
            .unwrap_or(0)
    };

    let body = br#"{"type":"over.tls"}"#;
    let h = sign("standard-webhooks", SW_SECRET, "msg_tls_1", now(), body);
    assert_eq!(tls_post(&in_addr, "/in/sw", &h, body), 200, "HTTPS ingress");
    // The admin listener is separate and does not serve /in; it speaks TLS too.
    assert_eq!(tls_post(&s.addr, "/in/sw", &h, body), 404);
    // Plain HTTP to a TLS listener gets no HTTP answer.
    let (code, _) = post(&in_addr, "/in/sw", &h, body);
    assert_eq!(code, 0);
    // Forwarded over HTTPS to the receiver that trusts only its own CA chain.
    let deadline = Instant::now() + Duration::from_secs(10);
    while got.lock().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = got
        .lock()
        .unwrap()
        .first()
        .cloned()
        .expect("forwarded over HTTPS");
    assert_eq!(verify_forwarded(&r), "msg_tls_1");
    assert_eq!(r.body, body);
}

#[test]
fn a_bad_source_in_the_config_file_stops_the_start_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("hookseal-serve-{}-gw-bad", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (toml, says) in [
        (
            "[[sources]]\nname = \"x\"\nprovider = \"nope\"\nsecrets = [\"s\"]\n",
            "unknown provider",
        ),
        (
            "[[sources]]\nname = \"x\"\nprovider = \"jodo\"\nsecret_env = [\"UNSET_FOR_TEST\"]\n",
            "UNSET_FOR_TEST is not set",
        ),
        (
            "[[sources]]\nname = \"x\"\nprovider = \"jodo\"\nsecrets = [\"s\"]\nforward = [{ url = \"http://169.254.169.254/\" }]\n",
            "metadata",
        ),
        (
            "[[sources]]\nname = \"x\"\nprovider = \"hmac\"\nsecrets = [\"s\"]\n",
            "signature_header",
        ),
    ] {
        let cfg = dir.with_extension("toml");
        std::fs::write(&cfg, toml).unwrap();
        let out = std::process::Command::new(hookseal_bin())
            .args(["serve", "--config"])
            .arg(&cfg)
            .env("HOOKSEAL_SERVER__DATA_DIR", &dir)
            .env("HOOKSEAL_SERVER__LISTEN", "127.0.0.1:0")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{toml}");
        assert!(err.contains(says) && err.contains("source x"), "{toml}: {err}");
        let _ = std::fs::remove_file(&cfg);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn providers_get_handshakes_are_answered_and_nothing_else_is() {
    let s = start("gw-get-handshakes", &[]);
    for def in [
        json!({ "name": "dbx", "provider": "dropbox", "secrets": ["dbx-app-secret"] }),
        json!({ "name": "meta", "provider": "meta-graph", "secrets": ["meta-app-secret"], "verify_token": "meatyhamhock" }),
        json!({ "name": "okta", "provider": "okta", "secrets": ["Basic YWRtaW46c3VwZXJzZWNyZXQ="] }),
        json!({ "name": "gh", "provider": "github", "secrets": ["gh-secret"] }),
    ] {
        let (code, v) = s.call("POST", "/api/v1/sources", Some(def.clone()));
        assert_eq!(code, 201, "{def}: {v}");
    }
    let body_of = |t: &str| t.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    // Dropbox: the challenge echoed as text, never sniffed.
    let (code, text) = get_raw(&s.addr, "/in/dbx?challenge=abc123", &[]);
    assert_eq!((code, body_of(&text).as_str()), (200, "abc123"), "{text}");
    assert!(text
        .to_ascii_lowercase()
        .contains("x-content-type-options: nosniff"));
    let (code, text) = get_raw(
        &s.addr,
        "/in/dbx?challenge=%3Cscript%3Ealert(1)%3C/script%3E",
        &[],
    );
    assert_eq!(code, 405, "markup is not echoed: {text}");
    // The events themselves still need the signature.
    let (code, _) = post(&s.addr, "/in/dbx", &[], b"{}");
    assert_eq!(code, 401);
    // Meta: only with the source's verify token.
    let q = "/in/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=";
    let (code, text) = get_raw(&s.addr, &format!("{q}meatyhamhock"), &[]);
    assert_eq!(
        (code, body_of(&text).as_str()),
        (200, "1158201444"),
        "{text}"
    );
    let (code, _) = get_raw(&s.addr, &format!("{q}guess"), &[]);
    assert_eq!(code, 405);
    // The verify token is part of the definition the API shows.
    let (_, v) = s.call("GET", "/api/v1/sources/meta", None);
    assert_eq!(v["verify_token"], "meatyhamhock", "{v}");
    // Okta: its verification GET carries the hook's credential.
    let challenge = (
        "X-Okta-Verification-Challenge",
        "We-eYhbnK0DydQ8gq1Zpe0ZHWUoz2GbiHC1KVR8h",
    );
    let (code, text) = get_raw(
        &s.addr,
        "/in/okta",
        &[
            ("Authorization", "Basic YWRtaW46c3VwZXJzZWNyZXQ="),
            challenge,
        ],
    );
    assert_eq!(code, 200, "{text}");
    assert_eq!(
        body_of(&text),
        r#"{"verification":"We-eYhbnK0DydQ8gq1Zpe0ZHWUoz2GbiHC1KVR8h"}"#
    );
    let (code, _) = get_raw(&s.addr, "/in/okta", &[challenge]);
    assert_eq!(code, 401, "without the credential");
    // X: the CRC is answered only when the GET is signed over its query.
    let (code, v) = s.call(
        "POST",
        "/api/v1/sources",
        Some(json!({ "name": "x", "provider": "x-twitter", "secrets": ["x-consumer-secret"] })),
    );
    assert_eq!(code, 201, "{v}");
    let query = "crc_token=9b4507b3-9040-4669-9ca3-6b94edb50553";
    let mac = |m: &[u8]| {
        use base64::Engine;
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"x-consumer-secret");
        format!(
            "sha256={}",
            base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, m))
        )
    };
    let sig = mac(query.as_bytes());
    let (code, text) = get_raw(
        &s.addr,
        &format!("/in/x?{query}"),
        &[("x-twitter-webhooks-signature", &sig)],
    );
    assert_eq!(code, 200, "{text}");
    let reply: serde_json::Value = serde_json::from_str(&body_of(&text)).unwrap();
    assert_eq!(
        reply["response_token"],
        mac(b"9b4507b3-9040-4669-9ca3-6b94edb50553")
    );
    let (code, _) = get_raw(&s.addr, &format!("/in/x?{query}"), &[]);
    assert_eq!(
        code, 401,
        "an unsigned CRC would make the gateway an HMAC oracle"
    );
    // A provider without a GET handshake, and an unknown source.
    let (code, text) = get_raw(&s.addr, "/in/gh?challenge=x", &[]);
    assert_eq!(code, 405, "{text}");
    assert!(text.to_ascii_lowercase().contains("allow: post"));
    assert_eq!(get_raw(&s.addr, "/in/nope?challenge=x", &[]).0, 404);
}
