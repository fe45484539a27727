//! Applications: each customer's messages reach only that customer's
//! endpoints, a token scoped to one application reaches nothing of
//! another's on any route, and a data directory of the previous release
//! upgrades without losing or repeating a queued delivery.

use std::collections::{BTreeSet, HashSet};

use serde_json::{json, Value};

use crate::common::*;

/// An application (native API), returning its id.
fn application(s: &Server, name: &str, uid: &str) -> String {
    let (code, app) = s.call(
        "POST",
        "/api/v1/applications",
        Some(json!({ "name": name, "uid": uid })),
    );
    assert_eq!(code, 201, "{app}");
    app["id"].as_str().unwrap().to_string()
}

fn endpoint_in(s: &Server, app: &str, url: String, extra: Value) -> Value {
    let mut body = json!({ "application": app, "url": url });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (code, ep) = s.call("POST", "/api/v1/endpoints", Some(body));
    assert_eq!(code, 201, "{ep}");
    ep
}

fn publish_to(s: &Server, app: &str, id: &str, event_type: &str, extra: Value) -> Value {
    let mut body =
        json!({ "application": app, "id": id, "event_type": event_type, "payload": { "for": id } });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (code, m) = s.call("POST", "/api/v1/messages", Some(body));
    assert_eq!(code, 202, "{m}");
    m
}

/// Which messages each receiver path got (by `webhook-id`).
fn ids_at(recv: &Receiver) -> BTreeSet<String> {
    recv.got
        .lock()
        .unwrap()
        .iter()
        .filter_map(|r| r.headers.get("webhook-id").cloned())
        .collect()
}

#[test]
fn messages_reach_only_their_applications_endpoints() {
    let s = start("tenancy-fanout", &[]);
    let (ra, addr_a, _rt_a) = receiver();
    let (rb, addr_b, _rt_b) = receiver();
    let (rc, addr_c, _rt_c) = receiver();
    let a = application(&s, "Merchant A", "merchant-a");
    let b = application(&s, "Merchant B", "merchant-b");
    // A: every event; B: orders only; B's second endpoint takes channel "eu".
    endpoint_in(&s, &a, format!("http://{addr_a}/hook"), json!({}));
    endpoint_in(
        &s,
        "merchant-b",
        format!("http://{addr_b}/hook"),
        json!({ "event_types": ["order.*"] }),
    );
    endpoint_in(
        &s,
        &b,
        format!("http://{addr_c}/hook"),
        json!({ "channels": ["eu"] }),
    );

    publish_to(&s, &a, "a-1", "order.paid", json!({}));
    publish_to(&s, "merchant-a", "a-2", "refund.made", json!({}));
    publish_to(&s, &b, "b-1", "order.paid", json!({}));
    publish_to(&s, &b, "b-2", "refund.made", json!({}));
    publish_to(&s, &b, "b-3", "order.paid", json!({ "channels": ["eu"] }));
    publish_to(&s, &b, "b-4", "order.paid", json!({ "channels": ["us"] }));
    // The same id in another application is another application's business.
    let (code, e) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "application": a, "id": "b-1", "event_type": "x", "payload": {} })),
    );
    assert_eq!(code, 409, "{e}");

    wait_for("every delivery", 20, || {
        ids_at(&ra).len() >= 2 && ids_at(&rb).len() >= 3 && !ids_at(&rc).is_empty()
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(ids_at(&ra), set(&["a-1", "a-2"]));
    assert_eq!(ids_at(&rb), set(&["b-1", "b-3", "b-4"]), "B's order filter");
    assert_eq!(ids_at(&rc), set(&["b-3"]), "only the shared channel");

    // Deleting an application deletes its endpoints: nothing more goes out.
    let (code, _) = s.call("DELETE", &format!("/api/v1/applications/{b}"), None);
    assert_eq!(code, 204);
    let (code, eps) = s.call("GET", "/api/v1/endpoints", None);
    assert_eq!(code, 200);
    assert_eq!(eps["data"].as_array().unwrap().len(), 1, "{eps}");
    let (code, _) = s.call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "application": b, "event_type": "order.paid", "payload": {} })),
    );
    assert_eq!(code, 404, "no such application any more");
    let (code, _) = s.call("DELETE", "/api/v1/applications/default", None);
    assert_eq!(code, 409, "the default application stays");
}

/// What a token scoped to application A must get on a route about B.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// 404: as if it did not exist.
    Hidden,
    /// 403: only the admin token may.
    Denied,
    /// 2xx, showing nothing of B.
    Shown,
}

#[test]
fn a_scoped_token_reaches_nothing_of_another_application_on_any_route() {
    let s = start("tenancy-isolation", &[]);
    let (recv, raddr, _rt) = receiver();
    let a = application(&s, "Merchant A", "merchant-a");
    let b = application(&s, "Merchant B", "merchant-b");
    let (code, _) = s.call(
        "POST",
        "/api/v1/event-types",
        Some(json!({ "name": "order.paid", "description": "An order was paid" })),
    );
    assert_eq!(code, 201);
    let url = format!("http://{raddr}/hook");
    let ea = endpoint_in(&s, &a, url.clone(), json!({ "uid": "a-hook" }))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let eb_full = endpoint_in(
        &s,
        &b,
        url.clone(),
        json!({ "uid": "b-hook", "headers": { "X-B-Only": "b-header-value" } }),
    );
    let eb = eb_full["id"].as_str().unwrap().to_string();
    let b_secret = eb_full["secret"].as_str().unwrap().to_string();
    publish_to(&s, &a, "ma-1", "order.paid", json!({}));
    publish_to(&s, &b, "mb-1", "order.paid", json!({}));
    wait_for("both delivered", 20, || ids_at(&recv).len() >= 2);
    let (_, d) = s.call("GET", "/api/v1/messages/mb-1/deliveries", None);
    let db = d["data"][0]["id"].as_str().unwrap().to_string();
    let (_, at) = s.call("GET", &format!("/api/v1/app/{b}/attempt/msg/mb-1"), None);
    let atb = at["data"][0]["id"].as_str().unwrap().to_string();
    let (code, tb) = s.call("POST", &format!("/api/v1/applications/{b}/tokens"), None);
    assert_eq!(code, 201, "{tb}");
    let tb_id = tb["id"].as_str().unwrap().to_string();
    let (code, ta) = s.call(
        "POST",
        "/api/v1/applications/merchant-a/tokens",
        Some(json!({ "description": "A's integration" })),
    );
    assert_eq!(code, 201, "{ta}");
    let ta = ta["token"].as_str().unwrap().to_string();
    let ta_call = |m: &str, p: &str, body: Option<Value>| call(&s.addr, m, p, body, Some(&ta));

    // What B owns and must never show up in an answer to A.
    let secrets_of_b = [
        b.clone(),
        "merchant-b".to_string(),
        eb.clone(),
        "b-hook".into(),
        "mb-1".into(),
        db.clone(),
        atb.clone(),
        b_secret.clone(),
        "b-header-value".into(),
        tb_id.clone(),
    ];

    use Expect::*;
    let t = |s: &str| s.to_string();
    // (method, documented path, the path called, body, expected)
    let rows: Vec<(&str, &str, String, Option<Value>, Expect)> = vec![
        // --- the native API ---
        (
            "GET",
            "/api/v1/applications",
            t("/api/v1/applications"),
            None,
            Denied,
        ),
        (
            "POST",
            "/api/v1/applications",
            t("/api/v1/applications"),
            Some(json!({"name": "x"})),
            Denied,
        ),
        (
            "GET",
            "/api/v1/applications/{id}",
            format!("/api/v1/applications/{b}"),
            None,
            Hidden,
        ),
        (
            "GET",
            "/api/v1/applications/{id}",
            t("/api/v1/applications/merchant-b"),
            None,
            Hidden,
        ),
        (
            "PATCH",
            "/api/v1/applications/{id}",
            format!("/api/v1/applications/{b}"),
            Some(json!({"name": "x"})),
            Denied,
        ),
        (
            "DELETE",
            "/api/v1/applications/{id}",
            format!("/api/v1/applications/{b}"),
            None,
            Denied,
        ),
        (
            "GET",
            "/api/v1/applications/{id}/tokens",
            format!("/api/v1/applications/{b}/tokens"),
            None,
            Denied,
        ),
        (
            "POST",
            "/api/v1/applications/{id}/tokens",
            format!("/api/v1/applications/{b}/tokens"),
            None,
            Denied,
        ),
        (
            "DELETE",
            "/api/v1/applications/{id}/tokens/{token_id}",
            format!("/api/v1/applications/{b}/tokens/{tb_id}"),
            None,
            Denied,
        ),
        (
            "GET",
            "/api/v1/event-types",
            t("/api/v1/event-types"),
            None,
            Shown,
        ),
        (
            "POST",
            "/api/v1/event-types",
            t("/api/v1/event-types"),
            Some(json!({"name": "x.y"})),
            Denied,
        ),
        (
            "GET",
            "/api/v1/event-types/{name}",
            t("/api/v1/event-types/order.paid"),
            None,
            Shown,
        ),
        (
            "PUT",
            "/api/v1/event-types/{name}",
            t("/api/v1/event-types/order.paid"),
            Some(json!({})),
            Denied,
        ),
        (
            "PATCH",
            "/api/v1/event-types/{name}",
            t("/api/v1/event-types/order.paid"),
            Some(json!({})),
            Denied,
        ),
        (
            "DELETE",
            "/api/v1/event-types/{name}",
            t("/api/v1/event-types/order.paid"),
            None,
            Denied,
        ),
        (
            "GET",
            "/api/v1/endpoints",
            t("/api/v1/endpoints"),
            None,
            Shown,
        ),
        (
            "GET",
            "/api/v1/endpoints",
            format!("/api/v1/endpoints?application={b}"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/endpoints",
            t("/api/v1/endpoints"),
            Some(json!({"application": "merchant-b", "url": url})),
            Hidden,
        ),
        (
            "GET",
            "/api/v1/endpoints/{id}",
            format!("/api/v1/endpoints/{eb}"),
            None,
            Hidden,
        ),
        (
            "PATCH",
            "/api/v1/endpoints/{id}",
            format!("/api/v1/endpoints/{eb}"),
            Some(json!({"description": "x"})),
            Hidden,
        ),
        (
            "DELETE",
            "/api/v1/endpoints/{id}",
            format!("/api/v1/endpoints/{eb}"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/endpoints/{id}/disable",
            format!("/api/v1/endpoints/{eb}/disable"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/endpoints/{id}/enable",
            format!("/api/v1/endpoints/{eb}/enable"),
            None,
            Hidden,
        ),
        (
            "GET",
            "/api/v1/endpoints/{id}/secret",
            format!("/api/v1/endpoints/{eb}/secret"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/endpoints/{id}/secret/rotate",
            format!("/api/v1/endpoints/{eb}/secret/rotate"),
            None,
            Hidden,
        ),
        (
            "GET",
            "/api/v1/endpoints/{id}/deliveries",
            format!("/api/v1/endpoints/{eb}/deliveries"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/endpoints/{id}/recover",
            format!("/api/v1/endpoints/{eb}/recover"),
            Some(json!({"since": 0})),
            Hidden,
        ),
        (
            "GET",
            "/api/v1/messages",
            t("/api/v1/messages"),
            None,
            Shown,
        ),
        (
            "GET",
            "/api/v1/messages",
            format!("/api/v1/messages?application={b}"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/messages",
            t("/api/v1/messages"),
            Some(json!({"application": b, "event_type": "order.paid", "payload": {}})),
            Hidden,
        ),
        (
            "GET",
            "/api/v1/messages/{id}",
            t("/api/v1/messages/mb-1"),
            None,
            Hidden,
        ),
        (
            "GET",
            "/api/v1/messages/{id}/deliveries",
            t("/api/v1/messages/mb-1/deliveries"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/messages/{id}/resend",
            t("/api/v1/messages/mb-1/resend"),
            Some(json!({"endpoint_id": ea})),
            Hidden,
        ),
        (
            "POST",
            "/api/v1/messages/{id}/resend",
            t("/api/v1/messages/ma-1/resend"),
            Some(json!({"endpoint_id": eb})),
            Hidden,
        ),
        (
            "GET",
            "/api/v1/deliveries",
            t("/api/v1/deliveries"),
            None,
            Shown,
        ),
        (
            "GET",
            "/api/v1/deliveries",
            format!("/api/v1/deliveries?endpoint_id={eb}"),
            None,
            Shown,
        ),
        (
            "GET",
            "/api/v1/deliveries/{id}",
            format!("/api/v1/deliveries/{db}"),
            None,
            Hidden,
        ),
        (
            "GET",
            "/api/v1/deliveries/{id}/attempts",
            format!("/api/v1/deliveries/{db}/attempts"),
            None,
            Hidden,
        ),
        (
            "POST",
            "/api/v1/deliveries/{id}/resend",
            format!("/api/v1/deliveries/{db}/resend"),
            None,
            Hidden,
        ),
        ("GET", "/api/v1/sources", t("/api/v1/sources"), None, Denied),
        (
            "POST",
            "/api/v1/sources",
            t("/api/v1/sources"),
            Some(json!({"name": "s", "provider": "github", "secrets": ["0123456789abcdef"]})),
            Denied,
        ),
        (
            "GET",
            "/api/v1/sources/{name}",
            t("/api/v1/sources/s"),
            None,
            Denied,
        ),
        (
            "PUT",
            "/api/v1/sources/{name}",
            t("/api/v1/sources/s"),
            Some(json!({"provider": "github"})),
            Denied,
        ),
        (
            "DELETE",
            "/api/v1/sources/{name}",
            t("/api/v1/sources/s"),
            None,
            Denied,
        ),
        (
            "POST",
            "/api/v1/sources/{name}/secrets/rotate",
            t("/api/v1/sources/s/secrets/rotate"),
            Some(json!({"secret": "0123456789abcdef"})),
            Denied,
        ),
        (
            "GET",
            "/api/v1/sources/{name}/rejections",
            t("/api/v1/sources/s/rejections"),
            None,
            Denied,
        ),
        // --- the Svix API ---
        ("GET", "/api/v1/app", t("/api/v1/app"), None, Denied),
        (
            "POST",
            "/api/v1/app",
            t("/api/v1/app"),
            Some(json!({"name": "x"})),
            Denied,
        ),
        (
            "GET",
            "/api/v1/app/{app_id}",
            format!("/api/v1/app/{b}"),
            None,
            Hidden,
        ),
        (
            "GET",
            "/api/v1/app/{app_id}",
            t("/api/v1/app/merchant-b"),
            None,
            Hidden,
        ),
        (
            "PUT",
            "/api/v1/app/{app_id}",
            format!("/api/v1/app/{b}"),
            Some(json!({"name": "x"})),
            Denied,
        ),
        (
            "PATCH",
            "/api/v1/app/{app_id}",
            format!("/api/v1/app/{b}"),
            Some(json!({"name": "x"})),
            Denied,
        ),
        (
            "DELETE",
            "/api/v1/app/{app_id}",
            format!("/api/v1/app/{b}"),
            None,
            Denied,
        ),
        (
            "GET",
            "/api/v1/event-type",
            t("/api/v1/event-type"),
            None,
            Shown,
        ),
        (
            "POST",
            "/api/v1/event-type",
            t("/api/v1/event-type"),
            Some(json!({"name": "x.y", "description": ""})),
            Denied,
        ),
        (
            "GET",
            "/api/v1/event-type/{event_type_name}",
            t("/api/v1/event-type/order.paid"),
            None,
            Shown,
        ),
        (
            "PUT",
            "/api/v1/event-type/{event_type_name}",
            t("/api/v1/event-type/order.paid"),
            Some(json!({"description": ""})),
            Denied,
        ),
        (
            "PATCH",
            "/api/v1/event-type/{event_type_name}",
            t("/api/v1/event-type/order.paid"),
            Some(json!({"description": "d"})),
            Denied,
        ),
        (
            "DELETE",
            "/api/v1/event-type/{event_type_name}",
            t("/api/v1/event-type/order.paid"),
            None,
            Denied,
        ),
        (
            "POST",
            "/api/v1/auth/app-portal-access/{app_id}",
            format!("/api/v1/auth/app-portal-access/{b}"),
            Some(json!({})),
            Denied,
        ),
        (
            "POST",
            "/api/v1/auth/app-portal-access/{app_id}",
            format!("/api/v1/auth/app-portal-access/{a}"),
            Some(json!({})),
            Denied,
        ),
    ];
    let since = hookseal::time::format_rfc3339(hookseal::time::now_unix() - 3600);
    // Every Svix route under an application, with B's application, and with
    // A's application but B's objects.
    let svix: Vec<(&str, &str, Option<Value>)> = vec![
        ("GET", "/api/v1/app/{app_id}/endpoint", None),
        (
            "POST",
            "/api/v1/app/{app_id}/endpoint",
            Some(json!({"url": url})),
        ),
        ("GET", "/api/v1/app/{app_id}/endpoint/{endpoint_id}", None),
        (
            "PUT",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}",
            Some(json!({"url": url})),
        ),
        (
            "PATCH",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}",
            Some(json!({"description": "x"})),
        ),
        (
            "DELETE",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}",
            None,
        ),
        (
            "GET",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret",
            None,
        ),
        (
            "POST",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate",
            Some(json!({})),
        ),
        (
            "GET",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers",
            None,
        ),
        (
            "PUT",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers",
            Some(json!({"headers": {"X-A": "1"}})),
        ),
        (
            "PATCH",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers",
            Some(json!({"headers": {"X-A": "1"}})),
        ),
        (
            "POST",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover",
            Some(json!({"since": since})),
        ),
        (
            "GET",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats",
            None,
        ),
        ("GET", "/api/v1/app/{app_id}/msg", None),
        (
            "POST",
            "/api/v1/app/{app_id}/msg",
            Some(json!({"eventType": "order.paid", "payload": {}})),
        ),
        ("GET", "/api/v1/app/{app_id}/msg/{msg_id}", None),
        ("GET", "/api/v1/app/{app_id}/attempt/msg/{msg_id}", None),
        (
            "GET",
            "/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}",
            None,
        ),
        (
            "GET",
            "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}",
            None,
        ),
        ("GET", "/api/v1/app/{app_id}/msg/{msg_id}/endpoint", None),
        (
            "GET",
            "/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg",
            None,
        ),
        (
            "POST",
            "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend",
            None,
        ),
    ];
    let mut rows = rows;
    for (m, p, body) in &svix {
        let fill = |app: &str| {
            p.replace("{app_id}", app)
                .replace("{endpoint_id}", &eb)
                .replace("{msg_id}", "mb-1")
                .replace("{attempt_id}", &atb)
        };
        rows.push((m, p, fill(&b), body.clone(), Hidden));
        if p.contains("{endpoint_id}") || p.contains("{msg_id}") {
            rows.push((m, p, fill(&a), body.clone(), Hidden));
        }
    }
    // A's own message with B's attempt, and B's endpoint for A's message.
    rows.push((
        "GET",
        "/api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}",
        format!("/api/v1/app/{a}/msg/ma-1/attempt/{atb}"),
        None,
        Hidden,
    ));
    rows.push((
        "POST",
        "/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend",
        format!("/api/v1/app/{a}/msg/ma-1/endpoint/{eb}/resend"),
        None,
        Hidden,
    ));

    // The table covers every operation the server documents (but the open
    // ones): a new route cannot escape it.
    let (_, doc) = call(&s.addr, "GET", "/api/v1/openapi.json", None, None);
    let documented: HashSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| {
            p.starts_with("/api/v1/")
                && ![
                    "/api/v1/openapi.json",
                    "/api/v1/health",
                    "/api/v1/health/ping",
                ]
                .contains(&p.as_str())
        })
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_uppercase(), p.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut covered: HashSet<(String, String)> = rows
        .iter()
        .map(|r| (r.0.to_string(), r.1.to_string()))
        .collect();
    // Logging out ends the calling token's own session (tested below).
    covered.insert(("POST".into(), "/api/v1/auth/logout".into()));
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without an isolation row: {missing:?}"
    );

    for (method, _, path, body, expect) in &rows {
        let (code, answer) = ta_call(method, path, body.clone());
        let text = answer.to_string();
        let ok = match expect {
            Hidden => code == 404,
            Denied => code == 403,
            Shown => (200..300).contains(&code),
        };
        assert!(ok, "{method} {path}: {code}, wanted {expect:?}: {text}");
        for b_thing in &secrets_of_b {
            assert!(
                !text.contains(b_thing.as_str()),
                "{method} {path} shows {b_thing:?} of B: {text}"
            );
        }
    }

    // Positive controls: the token works on its own application.
    let (code, eps) = ta_call("GET", &format!("/api/v1/app/{a}/endpoint"), None);
    assert_eq!(code, 200);
    assert_eq!(eps["data"][0]["id"], ea.as_str());
    let (code, eps) = ta_call("GET", "/api/v1/endpoints", None);
    assert_eq!(
        (code, eps["data"].as_array().unwrap().len()),
        (200, 1),
        "{eps}"
    );
    let (code, m) = ta_call("GET", "/api/v1/app/merchant-a/msg/ma-1", None);
    assert_eq!((code, m["id"].as_str()), (200, Some("ma-1")), "{m}");
    let (code, m) = ta_call(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": "order.paid", "payload": {"by": "token"} })),
    );
    assert_eq!(code, 202, "{m}");
    assert_eq!(
        m["application"],
        a.as_str(),
        "published to the token's application"
    );
    // B's objects are untouched by all of the above.
    let (code, ep) = s.call("GET", &format!("/api/v1/endpoints/{eb}"), None);
    assert_eq!(code, 200);
    assert_eq!(ep["description"], "", "{ep}");
    assert_eq!(ep["headers"]["X-B-Only"], "b-header-value");
    let (_, secret) = s.call("GET", &format!("/api/v1/endpoints/{eb}/secret"), None);
    assert_eq!(secret["data"][0]["secret"], b_secret.as_str());

    // Revoked: 401 at once.
    let (_, toks) = s.call("GET", &format!("/api/v1/applications/{a}/tokens"), None);
    let ta_id = toks["data"][0]["id"].as_str().unwrap().to_string();
    let (code, _) = s.call(
        "DELETE",
        &format!("/api/v1/applications/{a}/tokens/{ta_id}"),
        None,
    );
    assert_eq!(code, 204);
    let (code, e) = ta_call("GET", "/api/v1/endpoints", None);
    assert_eq!(
        (code, e["code"].as_str()),
        (401, Some("authentication_failed"))
    );

    // A portal token logs itself out; the admin token cannot.
    let (code, p) = s.call(
        "POST",
        &format!("/api/v1/auth/app-portal-access/{a}"),
        Some(json!({})),
    );
    assert_eq!(code, 200, "{p}");
    let portal = p["token"].as_str().unwrap().to_string();
    let eps_of_a = format!("/api/v1/app/{a}/endpoint");
    let (code, _) = call(&s.addr, "GET", &eps_of_a, None, Some(&portal));
    assert_eq!(code, 200);
    let (code, _) = call(&s.addr, "POST", "/api/v1/auth/logout", None, Some(&portal));
    assert_eq!(code, 204);
    let (code, _) = call(&s.addr, "GET", &eps_of_a, None, Some(&portal));
    assert_eq!(code, 401);
    let (code, _) = s.call("POST", "/api/v1/auth/logout", None);
    assert_eq!(code, 409);
}

/// A data directory the previous release (7603979, before applications)
/// left behind when it was killed with deliveries queued, leased, failed and
/// succeeded (`tests/fixtures/data-v0.1`, made by
/// `scripts/make-upgrade-fixture.sh`): it opens, migrates, lands in the
/// `default` application, and delivers every queued message exactly once.
#[test]
fn the_previous_releases_data_directory_upgrades_and_delivers_each_queued_message_once() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/data-v0.1");
    let dir = std::env::temp_dir().join(format!("hookseal-upgrade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["data.key", "hookseal.sqlite3", "admin-token.sha256"] {
        std::fs::copy(format!("{fixture}/{f}"), dir.join(f)).unwrap();
    }
    let token = std::fs::read_to_string(format!("{fixture}/admin-token.txt"))
        .unwrap()
        .trim()
        .to_string();
    // The fixture's config file, as the old release ran with it.
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        r#"[[sources]]
name = "jodo"
provider = "jodo"
secrets = ["jodo-fixture-secret"]
allow_ips = ["127.0.0.1/32"]
forward = [{ url = "http://127.0.0.1:9/jodo", secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD" }]
"#,
    )
    .unwrap();
    let (recv, raddr, _rt) = receiver();
    let (child, addr, _, printed) = spawn(&dir, &[], Some(&config));
    assert!(printed.is_none(), "the stored admin token is kept");
    let s = Server {
        child,
        addr,
        ingress_addr: None,
        token,
        dir,
    };

    // Everything is in the default application, ids kept.
    let (code, app) = s.call("GET", "/api/v1/applications/default", None);
    assert_eq!(code, 200, "{app}");
    assert_eq!(app["id"], "app_default");
    let (_, eps) = s.call("GET", "/api/v1/endpoints", None);
    let eps = eps["data"].as_array().unwrap().clone();
    assert_eq!(eps.len(), 4, "{eps:?}");
    let by = |d: &str| {
        eps.iter()
            .find(|e| e["description"] == d)
            .unwrap_or_else(|| panic!("no endpoint {d}"))
            .clone()
    };
    let (a, b, c) = (by("A"), by("B"), by("C"));
    for e in [&a, &b, &c] {
        assert_eq!(e["app_id"], "app_default", "{e}");
    }
    let forward = eps.iter().find(|e| e["source"] == "jodo").unwrap();
    assert!(
        forward.get("app_id").is_none(),
        "a forward belongs to no application: {forward}"
    );
    assert_eq!(a["rate_limit"], 1);
    assert_eq!(
        a["headers"]["X-Shared"], "fixture",
        "sealed headers still open"
    );
    assert_eq!(b["enabled"], false, "B stays disabled by its 410");
    let (_, m) = s.call(
        "GET",
        "/api/v1/app/default/msg/msg_a7?with_content=true",
        None,
    );
    assert_eq!(m["eventId"], "msg_a7", "{m}");
    assert_eq!(m["payload"]["n"], 7);

    // Point A and C at the receiver (and lift A's rate limit so the test is
    // quick). A's never-attempted deliveries go out now; those the old
    // release already tried wait for their retry — resend them.
    let hook = format!("http://{raddr}/hook");
    for (e, change) in [
        (&a, json!({ "url": hook, "rate_limit": null })),
        (&c, json!({ "url": hook })),
    ] {
        let (code, r) = s.call(
            "PATCH",
            &format!("/api/v1/endpoints/{}", e["id"].as_str().unwrap()),
            Some(change),
        );
        assert_eq!(code, 200, "{r}");
    }
    let (_, ds) = s.call(
        "GET",
        &format!(
            "/api/v1/endpoints/{}/deliveries?limit=100",
            a["id"].as_str().unwrap()
        ),
        None,
    );
    let ds = ds["data"].as_array().unwrap().clone();
    assert_eq!(ds.len(), 20, "every queued delivery of A survived");
    for d in &ds {
        if d["attempts"].as_i64().unwrap() > 0 && d["status"] == "pending" {
            let (code, _) = s.call(
                "POST",
                &format!("/api/v1/deliveries/{}/resend", d["id"].as_str().unwrap()),
                None,
            );
            assert_eq!(code, 200);
        }
    }
    wait_for("A's 20 queued messages", 30, || ids_at(&recv).len() >= 20);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let got: Vec<String> = recv
        .got
        .lock()
        .unwrap()
        .iter()
        .filter_map(|r| r.headers.get("webhook-id").cloned())
        .collect();
    let want: BTreeSet<String> = (1..=20).map(|i| format!("msg_a{i}")).collect();
    assert_eq!(got.len(), 20, "each exactly once: {got:?}");
    assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), want);
    // C's delivery had succeeded: not sent again. B's failed one stays failed.
    let (_, dc) = s.call("GET", "/api/v1/messages/msg_c1/deliveries", None);
    assert_eq!(dc["data"][0]["status"], "succeeded");
    let (_, db) = s.call("GET", "/api/v1/messages/msg_b1/deliveries", None);
    assert_eq!(db["data"][0]["status"], "failed");
    // New work goes on: the default application takes a Svix publish.
    let (code, m) = s.call(
        "POST",
        "/api/v1/app/default/msg",
        Some(json!({ "eventType": "a.after", "payload": { "after": true } })),
    );
    assert_eq!(code, 202, "{m}");
    wait_for("the new message", 10, || ids_at(&recv).len() >= 21);
}

/// With `event_types.require_declared` and `validate_payloads`, the catalog
/// binds: an undeclared or archived type, or a payload its schema refuses,
/// is a 422 naming where — through both APIs.
#[test]
fn the_catalog_binds_messages_when_configured() {
    let s = start(
        "tenancy-catalog",
        &[
            ("HOOKSEAL_EVENT_TYPES__REQUIRE_DECLARED", "true"),
            ("HOOKSEAL_EVENT_TYPES__VALIDATE_PAYLOADS", "true"),
        ],
    );
    let schema = json!({
        "1": {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer", "minimum": 1}}},
        "2": {
            "type": "object",
            "required": ["amount", "lines"],
            "properties": {
                "amount": {"type": "integer", "minimum": 1},
                "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}}
            },
            "$defs": {"line": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string", "minLength": 3}}}}
        }
    });
    let (code, e) = s.call(
        "POST",
        "/api/v1/event-types",
        Some(json!({ "name": "invoice.paid", "description": "Paid", "schemas": schema })),
    );
    assert_eq!(code, 201, "{e}");
    let publish = |body: Value| s.call("POST", "/api/v1/messages", Some(body));
    // The newest schema (version 2) applies.
    let (code, e) = publish(
        json!({"event_type": "invoice.paid", "payload": {"amount": 5, "lines": [{"sku": "abc"}]}}),
    );
    assert_eq!(code, 202, "{e}");
    let (code, e) = publish(
        json!({"event_type": "invoice.paid", "payload": {"amount": 5, "lines": [{"sku": "abc"}, {"sku": "x"}]}}),
    );
    assert_eq!(
        (code, e["field"].as_str()),
        (422, Some("payload.lines[1].sku")),
        "{e}"
    );
    let (code, e) = publish(json!({"event_type": "invoice.paid", "payload": {"amount": 5}}));
    assert_eq!(code, 422, "{e}");
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("\"lines\" is required"),
        "{e}"
    );
    let (code, e) = publish(json!({"event_type": "invoice.voided", "payload": {}}));
    assert_eq!(
        (code, e["field"].as_str()),
        (422, Some("event_type")),
        "{e}"
    );
    // The Svix API: Svix's error shape, the Svix field name.
    let (code, e) = s.call(
        "POST",
        "/api/v1/app/default/msg",
        Some(json!({"eventType": "invoice.paid", "payload": {"amount": 0, "lines": []}})),
    );
    assert_eq!(code, 422, "{e}");
    assert_eq!(
        e["detail"][0]["loc"],
        json!(["body", "payload", "amount"]),
        "{e}"
    );
    // Archived: no longer publishable.
    let (code, _) = s.call("DELETE", "/api/v1/event-types/invoice.paid", None);
    assert_eq!(code, 204);
    let (code, e) =
        publish(json!({"event_type": "invoice.paid", "payload": {"amount": 5, "lines": []}}));
    assert_eq!(code, 422, "{e}");
    // A schema this server cannot apply is refused when stored.
    let (code, e) = s.call(
        "PUT",
        "/api/v1/event-types/invoice.paid",
        Some(json!({"schemas": {"1": {"$ref": "https://example.com/other.json"}}})),
    );
    assert_eq!((code, e["field"].as_str()), (422, Some("schemas")), "{e}");
}

/// `idempotency-key`: a retry gets the first answer (nothing is done twice),
/// another body under the same key is a 409, and keys are the caller's own.
#[test]
fn an_idempotency_key_answers_a_retry_without_doing_it_twice() {
    let s = start("tenancy-idempotency", &[]);
    let (recv, raddr, _rt) = receiver();
    let (code, _) = s.call(
        "POST",
        "/api/v1/app/default/endpoint",
        Some(json!({ "url": format!("http://{raddr}/hook") })),
    );
    assert_eq!(code, 201);
    let post = |token: &str, key: &str, body: &Value| -> (u16, String) {
        let body = body.to_string();
        let mut c = std::net::TcpStream::connect(&s.addr).unwrap();
        use std::io::{Read, Write};
        write!(
            c,
            "POST /api/v1/app/default/msg HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nidempotency-key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        c.read_to_string(&mut raw).unwrap();
        let code = raw.split(' ').nth(1).unwrap().parse().unwrap();
        (code, raw.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
    };
    let body = json!({"eventType": "order.paid", "eventId": "order-1", "payload": {"n": 1}});
    let (c1, a1) = post(&s.token, "k-1", &body);
    let (c2, a2) = post(&s.token, "k-1", &body);
    assert_eq!((c1, c2), (202, 202));
    assert_eq!(a1, a2, "the same answer, byte for byte");
    // Without the key, the same eventId is Svix's 409.
    let (code, _) = s.call("POST", "/api/v1/app/default/msg", Some(body.clone()));
    assert_eq!(code, 409);
    // Another body under the key: refused, not answered with the first.
    let other = json!({"eventType": "order.paid", "eventId": "order-2", "payload": {"n": 2}});
    let (code, e) = post(&s.token, "k-1", &other);
    assert_eq!(code, 409, "{e}");
    // Another caller's key of the same name is theirs.
    let (_, t) = s.call("POST", "/api/v1/applications/default/tokens", None);
    let (code, _) = post(t["token"].as_str().unwrap(), "k-1", &other);
    assert_eq!(code, 202);
    wait_for("two deliveries", 10, || ids_at(&recv).len() >= 2);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(recv.got.lock().unwrap().len(), 2, "each message once");
}

/// `/.well-known/jwks/{app}`: an application's public keys (Ed25519 from
/// Standard Webhooks v1a and RFC 9421, P-256 from RFC 9421), no token
/// needed, none of another application's, a rotated-out key listed through
/// its grace period, and the set verifies the deliveries it covers.
#[test]
fn applications_publish_their_public_keys_as_a_jwks() {
    use hookseal::jwks::{public_keys, KeyType};
    let (recv, raddr, _rt) = receiver();
    let s = start("tenancy-jwks", &[]);
    let a = application(&s, "Acme", "acme");
    let b = application(&s, "Bolt", "bolt");
    let url = format!("http://{raddr}/hook");
    let sw = endpoint_in(
        &s,
        &a,
        url.clone(),
        json!({ "scheme": { "type": "standard_webhooks_ed25519" }, "event_types": ["k.sw"] }),
    );
    let rfc = endpoint_in(
        &s,
        &a,
        url.clone(),
        json!({ "scheme": { "type": "http_signature", "algorithm": "ed25519" }, "event_types": ["k.rfc"] }),
    );
    endpoint_in(&s, &a, url.clone(), json!({ "event_types": ["k.hmac"] }));
    let other = endpoint_in(
        &s,
        &b,
        url.clone(),
        json!({ "scheme": { "type": "http_signature", "algorithm": "ecdsa-p256-sha256" } }),
    );
    let jwks = |app: &str| {
        let (code, v) = call(
            &s.addr,
            "GET",
            &format!("/.well-known/jwks/{app}"),
            None,
            None,
        );
        assert_eq!(code, 200, "{v}");
        v
    };
    let set = jwks("acme");
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{set}");
    assert!(keys
        .iter()
        .all(|k| k["kty"] == "OKP" && k["alg"] == "EdDSA"));
    let kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert!(
        kids.iter()
            .any(|k| k.starts_with(sw["id"].as_str().unwrap())),
        "{kids:?}"
    );
    // By id as well as uid; another application's keys only in its own set.
    assert_eq!(jwks(&a), set);
    let theirs = jwks("bolt");
    assert_eq!(theirs["keys"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["keys"][0]["crv"], "P-256");
    assert_eq!(
        public_keys(&theirs.to_string(), KeyType::P256).unwrap()[0].1,
        other["public_key"].as_str().unwrap()
    );
    // An unknown application: an empty set, as one without key pairs.
    assert_eq!(jwks("nobody"), json!({ "keys": [] }));
    // Rotation: the old key stays listed through the grace period.
    let (code, r) = s.call(
        "POST",
        &format!(
            "/api/v1/endpoints/{}/secret/rotate",
            rfc["id"].as_str().unwrap()
        ),
        Some(json!({ "grace_secs": 3600 })),
    );
    assert_eq!(code, 200, "{r}");
    let set = jwks("acme");
    assert_eq!(set["keys"].as_array().unwrap().len(), 3, "{set}");
    // The set verifies a delivery of the Standard Webhooks endpoint.
    publish_to(&s, "acme", "msg_jwks_1", "k.sw", json!({}));
    wait_for("the delivery", 10, || !recv.got.lock().unwrap().is_empty());
    let r = recv.got.lock().unwrap()[0].clone();
    let keys: Vec<String> = public_keys(&set.to_string(), KeyType::Ed25519)
        .unwrap()
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_eq!(verify(&r, &key_refs).unwrap(), "msg_jwks_1");
}
