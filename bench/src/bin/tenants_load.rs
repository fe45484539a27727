//! Publishing among many applications (not a test: it prints figures).
//!
//! ```sh
//! cargo build --release -p hookseal-cli            # from the repository root
//! cd bench && cargo run --release --bin tenants_load -- MODE [MESSAGES] [CONCURRENCY] [APPS]
//! ```
//!
//! MODE:
//! - `flat`: today's flat fan-out, the reference: 3 endpoints, no
//!   applications named (they are the default application's), every
//!   message to all 3. Runs against a build from before applications too.
//! - `one`: APPS applications (default 10,000) with 3 endpoints each, every
//!   message published to one of them (by its uid).
//! - `spread`: the same applications, the messages spread over all of them
//!   (message i to application i × 7919 mod APPS, by uid).
//!
//! Each delivers 3 deliveries per message to a sink on 127.0.0.1. It prints
//! the set-up's duration, messages accepted per second, deliveries per
//! second, the server's CPU time per message (published and its 3
//! deliveries made; from /proc, which compares across runs on a noisy host
//! better than rates do) and the server's peak RSS, after the set-up and at
//! the end.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookseal_bench::*;

fn json(body: String, token: &str) -> Req {
    (
        vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("authorization".into(), format!("Bearer {token}")),
        ],
        Bytes::from(body),
    )
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).cloned().unwrap_or_else(|| "flat".into());
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let conc: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(64);
    let apps: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    const PER_APP: usize = 3;
    assert!(
        ["flat", "one", "spread"].contains(&mode.as_str()),
        "MODE is flat, one or spread"
    );

    let (sink, sink_addr) = start_sink().await;
    let sink_url = format!("http://{sink_addr}/hook");
    let server = start_server(
        &format!("tenants-{mode}"),
        &[
            ("HOOKSEAL_DELIVERY__ALLOW_HTTP", "true"),
            ("HOOKSEAL_DELIVERY__ALLOW_CIDRS", "[\"127.0.0.1/32\"]"),
        ],
        None,
    );
    let api = format!("http://{}/api/v1", server.addr);
    let token = server.token.clone();
    let pid = server.child.id();

    // Set-up: the applications and their endpoints.
    let setup = Instant::now();
    let tok = token.clone();
    if mode == "flat" {
        let url = sink_url.clone();
        let eps: MakeReq = Arc::new(move |_| json(format!("{{\"url\":\"{url}\"}}"), &tok));
        let r = drive(&format!("{api}/endpoints"), PER_APP, eps, 1, None).await;
        assert_eq!(r.ok, PER_APP, "endpoint creation failed");
    } else {
        let made: MakeReq = Arc::new(move |i| {
            json(
                format!("{{\"name\":\"Merchant {i}\",\"uid\":\"merchant-{i}\"}}"),
                &tok,
            )
        });
        let r = drive(&format!("{api}/applications"), apps, made, conc, None).await;
        assert_eq!(r.ok, apps, "application creation failed");
        let (tok, url) = (token.clone(), sink_url.clone());
        let eps: MakeReq = Arc::new(move |i| {
            json(
                format!(
                    "{{\"application\":\"merchant-{}\",\"url\":\"{url}\"}}",
                    i / PER_APP
                ),
                &tok,
            )
        });
        let r = drive(&format!("{api}/endpoints"), apps * PER_APP, eps, conc, None).await;
        assert_eq!(r.ok, apps * PER_APP, "endpoint creation failed");
    }
    let setup_time = setup.elapsed();
    let rss_setup = peak_rss_kib(pid);

    let tok = token.clone();
    let m = mode.clone();
    let msgs: MakeReq = Arc::new(move |i| {
        let app = match m.as_str() {
            "flat" => String::new(),
            "one" => format!("\"application\":\"merchant-{}\",", apps / 2),
            _ => format!("\"application\":\"merchant-{}\",", (i * 7919) % apps),
        };
        json(
            format!(
                "{{{app}\"event_type\":\"order.paid\",\"payload\":{{\"i\":{i},\"data\":\"0123456789abcdef0123456789abcdef\"}}}}"
            ),
            &tok,
        )
    });
    sink.count.store(0, Ordering::Relaxed);
    let (srv0, own0) = (cpu_micros(pid).unwrap_or(0), own_cpu_micros());
    let started = Instant::now();
    let published = drive(&format!("{api}/messages"), n, msgs, conc, None).await;
    let want = (published.ok * PER_APP) as u64;
    let deadline = Instant::now() + Duration::from_secs(600);
    while sink.count.load(Ordering::Relaxed) < want && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = sink.count.load(Ordering::Relaxed);
    let all_time = started.elapsed();
    let srv_cpu = (cpu_micros(pid).unwrap_or(0) - srv0) as f64 / published.ok.max(1) as f64;
    let own_cpu = (own_cpu_micros() - own0) as f64 / published.ok.max(1) as f64;
    let rss = peak_rss_kib(pid);
    drop(server);

    let mib = |k: Option<u64>| k.map_or("unavailable".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "mode: {mode}; messages: {n}, concurrency: {conc}, applications: {}, endpoints: {}",
        if mode == "flat" { 1 } else { apps },
        if mode == "flat" { PER_APP } else { apps * PER_APP }
    );
    println!(
        "set-up: {:.1}s; server peak RSS after it: {}",
        setup_time.as_secs_f64(),
        mib(rss_setup)
    );
    println!(
        "accepted: {} in {:.2}s = {:.0}/s",
        published.ok,
        published.elapsed.as_secs_f64(),
        published.ok as f64 / published.elapsed.as_secs_f64()
    );
    println!(
        "delivered: {delivered} of {want} in {:.2}s = {:.0}/s",
        all_time.as_secs_f64(),
        delivered as f64 / all_time.as_secs_f64()
    );
    println!(
        "CPU per message (published, and its {PER_APP} deliveries): server {srv_cpu:.1} µs, loader+sink {own_cpu:.1} µs"
    );
    println!("server peak RSS: {}", mib(rss));
}
