//! The example receiver, run on 127.0.0.1 with real HTTP.

use std::net::SocketAddr;
use std::sync::Arc;

use hookseal::{provider, MemoryReplayGuard, Policy};

#[allow(dead_code)]
#[path = "../../examples/receiver.rs"]
mod receiver;

/// Serves `app` on an ephemeral 127.0.0.1 port; it stops with the returned runtime.
fn serve(app: axum::Router) -> (SocketAddr, tokio::runtime::Runtime) {
    hookseal_test_support::serve(app, 1)
}

/// Starts the example receiver.
fn start(
    policy: Policy,
    handshake: Option<(provider::Handshake, String)>,
) -> (SocketAddr, tokio::runtime::Runtime) {
    serve(receiver::app(policy, handshake))
}

/// One HTTP/1.1 POST over a plain socket; returns (status, body).
fn post(
    addr: SocketAddr,
    headers: &[(String, String)],
    body: &[u8],
    content_length: Option<usize>,
) -> (u16, String) {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, text) = hookseal_test_support::request(
        &addr.to_string(),
        "POST",
        "/webhook",
        &headers,
        Some(content_length.unwrap_or(body.len())),
        body,
    );
    (
        status,
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    )
}

fn sign(secret: &str, id: &str, body: &[u8]) -> Vec<(String, String)> {
    crate::support::sign(
        "standard-webhooks",
        secret,
        id,
        hookseal::time::now_unix(),
        body,
        "",
        "POST",
    )
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn example_receiver_verifies_over_http() {
    let policy = Policy::builder(provider::find("standard-webhooks").unwrap().scheme.clone())
        .secret(SECRET)
        .replay_guard(Arc::new(MemoryReplayGuard::default()))
        .build()
        .unwrap();
    let (addr, _rt) = start(policy, None);
    let body = br#"{"type":"invoice.paid"}"#;
    let h = sign(SECRET, "msg_http_1", body);
    assert_eq!(post(addr, &h, body, None), (200, "ok".into()));
    // Replayed: 409.
    assert_eq!(post(addr, &h, body, None).0, 409);
    // Tampered: 401 with a generic body that names no check.
    let (status, text) = post(
        addr,
        &sign(SECRET, "msg_http_2", body),
        b"{\"type\":\"invoice.void\"}",
        None,
    );
    assert_eq!((status, text.as_str()), (401, "invalid webhook signature"));
    // Wrong secret.
    let other = sign("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "msg_http_3", body);
    assert_eq!(post(addr, &other, body, None).0, 401);
    // Oversized: refused from Content-Length before the body is read.
    assert_eq!(post(addr, &h, b"", Some(2 * 1024 * 1024)).0, 413);
}

#[test]
fn allowlist_uses_the_socket_address() {
    let preset = provider::find("jodo").unwrap();
    let body = b"{}";
    let h = crate::support::sign("jodo", "k", "", 0, body, "", "POST");
    let refuse = Policy::builder(preset.scheme.clone())
        .secret("k")
        .allow_ip("3.6.234.242")
        .ip_mode(hookseal::IpMode::Required)
        .build()
        .unwrap();
    let (addr, _rt) = start(refuse, None);
    assert_eq!(post(addr, &h, body, None), (403, "forbidden".into()));
    let allow = Policy::builder(preset.scheme.clone())
        .secret("k")
        .allow_ip("127.0.0.0/8")
        .ip_mode(hookseal::IpMode::Required)
        .build()
        .unwrap();
    let (addr, _rt2) = start(allow, None);
    assert_eq!(post(addr, &h, body, None).0, 200);
}

#[test]
fn slack_handshake_is_answered_after_verification() {
    let preset = provider::find("slack").unwrap();
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    let policy = Policy::builder(preset.scheme.clone())
        .secret(secret)
        .build()
        .unwrap();
    let (addr, _rt) = start(
        policy,
        Some((provider::Handshake::SlackUrlVerification, secret.into())),
    );
    let body = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let h = crate::support::sign(
        "slack",
        secret,
        "",
        hookseal::time::now_unix(),
        body,
        "",
        "POST",
    );
    assert_eq!(
        post(addr, &h, body, None),
        (
            200,
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P".into()
        )
    );
    // An unsigned challenge gets no answer.
    assert_eq!(post(addr, &[], body, None).0, 401);
}

#[test]
fn a_failed_handler_releases_the_message_id_for_the_retry() {
    use axum::http::StatusCode;
    use hookseal::axum::{VerifiedWebhook, VerifyLayer};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let policy = Policy::builder(provider::find("standard-webhooks").unwrap().scheme.clone())
        .secret(SECRET)
        .replay_guard(Arc::new(MemoryReplayGuard::default()))
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    // Fails the first delivery (as a handler whose store is down would), then succeeds.
    let app = axum::Router::new()
        .route(
            "/webhook",
            axum::routing::post(move |_hook: VerifiedWebhook| {
                let n = c.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::OK
                    }
                }
            }),
        )
        .layer(VerifyLayer::new(Arc::new(policy)));
    let (addr, _rt) = serve(app);
    let body = b"{}";
    let h = sign(SECRET, "msg_retry", body);
    assert_eq!(post(addr, &h, body, None).0, 503);
    assert_eq!(
        post(addr, &h, body, None).0,
        200,
        "the retry is not a replay"
    );
    assert_eq!(post(addr, &h, body, None).0, 409, "after success it is");
}

#[test]
fn url_signing_schemes_need_the_public_url() {
    use hookseal::axum::VerifyLayer;
    let twilio = provider::find("twilio").unwrap();
    let form = b"CallSid=CA1&Body=hi";
    let url = "https://hooks.example.com/webhook";
    let h = crate::support::sign("twilio", "tok", "", 0, form, url, "POST");
    for (public, want) in [
        (None, 500),
        (Some("https://hooks.example.com"), 200),
        (Some("https://evil.example.com"), 401),
    ] {
        let policy = Policy::builder(twilio.scheme.clone())
            .secret("tok")
            .build()
            .unwrap();
        let mut layer = VerifyLayer::new(Arc::new(policy));
        if let Some(p) = public {
            layer = layer.public_url(p);
        }
        let app = axum::Router::new()
            .route("/webhook", axum::routing::post(|| async { "ok" }))
            .layer(layer);
        let (addr, _rt) = serve(app);
        assert_eq!(post(addr, &h, form, None).0, want, "{public:?}");
    }
}

/// One HTTP/1.1 GET; returns (status, headers and body as text).
fn get(addr: SocketAddr, target: &str) -> (u16, String) {
    hookseal_test_support::request(&addr.to_string(), "GET", target, &[], None, b"")
}

#[test]
fn unsigned_get_handshakes_are_answered_before_verification() {
    use hookseal::axum::VerifyLayer;
    let meta = provider::find("meta-graph").unwrap();
    let policy = Policy::builder(meta.scheme.clone())
        .secret("app-secret")
        .build()
        .unwrap();
    let layer = VerifyLayer::new(Arc::new(policy))
        .handshake(meta.handshake.unwrap(), "app-secret")
        .verify_token("meatyhamhock");
    let app = axum::Router::new()
        .route(
            "/webhook",
            axum::routing::post(|| async { "ok" }).get(|| async { "handler" }),
        )
        .layer(layer);
    let (addr, _rt) = serve(app);
    let (status, text) = get(
        addr,
        "/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock",
    );
    assert_eq!(status, 200, "{text}");
    assert!(text.ends_with("\r\n\r\n1158201444"), "{text}");
    assert!(text
        .to_ascii_lowercase()
        .contains("x-content-type-options: nosniff"));
    // Another token is not the subscription: verified like any request, refused.
    let (status, _) = get(
        addr,
        "/webhook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess",
    );
    assert_eq!(status, 401);
    // An unsigned POST is refused as ever.
    assert_eq!(post(addr, &[], b"{}", None).0, 401);
}
