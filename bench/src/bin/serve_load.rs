//! Load benchmark for `hookseal serve` (not a test: it prints figures).
//!
//! ```sh
//! cargo build --release -p hookseal-cli            # from the repository root
//! cd bench && cargo run --release --bin serve_load -- [MESSAGES] [CONCURRENCY]
//! ```
//!
//! It starts a sink on 127.0.0.1, a fresh `hookseal serve` (release binary,
//! temporary data dir, embedded SQLite) delivering to it, then publishes
//! MESSAGES messages over CONCURRENCY keep-alive connections and prints:
//! messages accepted per second (each acknowledged after its durable commit),
//! deliveries per second to the sink, end-to-end latency percentiles (publish
//! call to arrival at the sink), and the server's peak RSS. As a same-run
//! reference it first measures plain HTTP POSTs to the sink with the same client
//! and concurrency, and prints hookseal's rates as ratios of that.
//!
//! Publishing and delivering share the machine in that run. It then measures
//! each side alone: the sink holds its requests while another MESSAGES are
//! published (the delivery workers sit on held requests, the queue builds), then
//! it opens and the backlog drains with nothing else running. For each run it
//! also prints the server's CPU time per message (from /proc), which compares
//! across runs on a noisy shared machine better than the rates do.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookseal_bench::*;

fn json(body: String, token: Option<&str>) -> Req {
    let mut h = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(t) = token {
        h.push(("authorization".into(), format!("Bearer {t}")));
    }
    (h, Bytes::from(body))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let conc: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64);

    let (sink, sink_addr) = start_sink().await;
    let client = client(conc);

    // Reference: plain POSTs to the sink, same client and concurrency.
    let sink_url = format!("http://{sink_addr}/hook");
    let plain: MakeReq = Arc::new(|i| json(format!("{{\"i\":{i}}}"), None));
    let cpu0 = own_cpu_micros();
    let reference = drive(&sink_url, n, plain, conc, None).await;
    let ref_rate = n as f64 / reference.elapsed.as_secs_f64();
    let ref_cpu = (own_cpu_micros() - cpu0) as f64 / n as f64;
    sink.count.store(0, Ordering::Relaxed);
    sink.latencies_us.lock().unwrap().clear();

    let server = start_server(
        "load",
        &[
            ("HOOKSEAL_DELIVERY__ALLOW_HTTP", "true"),
            ("HOOKSEAL_DELIVERY__ALLOW_CIDRS", "[\"127.0.0.1/32\"]"),
        ],
        None,
    );
    let api = format!("http://{}/api/v1", server.addr);
    let token = server.token.clone();
    let s = post(
        &client,
        &format!("{api}/endpoints"),
        &json(format!("{{\"url\":\"{sink_url}\"}}"), Some(&token)),
    )
    .await;
    assert_eq!(s, 201, "endpoint creation failed");

    // Ids carry their publish time (µs): the sink measures end-to-end latency.
    let tok = token.clone();
    let msgs: MakeReq = Arc::new(move |i| {
        json(
            format!(
                "{{\"event_type\":\"load.test\",\"id\":\"msg_{}_{i}\",\"payload\":{{\"i\":{i},\"data\":\"0123456789abcdef0123456789abcdef\"}}}}",
                micros()
            ),
            Some(&tok),
        )
    });
    let pid = server.child.id();
    let (srv0, own0) = (cpu_micros(pid).unwrap_or(0), own_cpu_micros());
    let started = Instant::now();
    let published = drive(&format!("{api}/messages"), n, msgs, conc, None).await;
    let acked = published.ok;
    let deadline = Instant::now() + Duration::from_secs(300);
    while sink.count.load(Ordering::Relaxed) < acked as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = sink.count.load(Ordering::Relaxed);
    let all_time = started.elapsed();
    // Per message, published and delivered: the server's CPU, and the
    // loader's with the sink's (one process).
    let srv_cpu = (cpu_micros(pid).unwrap_or(0) - srv0) as f64 / acked.max(1) as f64;
    let own_cpu = (own_cpu_micros() - own0) as f64 / acked.max(1) as f64;

    // Each side alone: the sink holds its requests (so the workers' slots
    // fill up and the queue builds) while a second batch is published; then
    // it opens and the backlog drains with no publishing going on.
    let mut lat = sink.latencies_us.lock().unwrap().clone();
    let before = sink.count.load(Ordering::Relaxed);
    sink.open.send_replace(false);
    let tok = token.clone();
    let backlog: MakeReq = Arc::new(move |i| {
        json(
            format!(
                "{{\"event_type\":\"load.test\",\"id\":\"backlog_{i}\",\"payload\":{{\"i\":{i},\"data\":\"0123456789abcdef0123456789abcdef\"}}}}"
            ),
            Some(&tok),
        )
    });
    let srv_a = cpu_micros(pid).unwrap_or(0);
    let alone = drive(&format!("{api}/messages"), n, backlog, conc, None).await;
    let srv_b = cpu_micros(pid).unwrap_or(0);
    let drain_start = Instant::now();
    sink.open.send_replace(true);
    let target = before + alone.ok as u64;
    let deadline = Instant::now() + Duration::from_secs(300);
    while sink.count.load(Ordering::Relaxed) < target && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drained = sink.count.load(Ordering::Relaxed) - before;
    let drain_time = drain_start.elapsed();
    let srv_c = cpu_micros(pid).unwrap_or(0);
    let publish_cpu = (srv_b - srv_a) as f64 / alone.ok.max(1) as f64;
    let deliver_cpu = (srv_c - srv_b) as f64 / drained.max(1) as f64;
    let rss = peak_rss_kib(pid);
    drop(server);

    lat.sort_unstable();
    let accept_rate = acked as f64 / published.elapsed.as_secs_f64();
    let deliver_rate = delivered as f64 / all_time.as_secs_f64();
    println!("messages: {n}, concurrency: {conc}");
    println!(
        "reference: plain HTTP POSTs to the sink: {ref_rate:.0}/s; loader+sink CPU {ref_cpu:.1} µs/request"
    );
    println!("both at once:");
    println!(
        "  accepted (durable, 2xx after commit): {acked} in {:.2}s = {accept_rate:.0}/s ({:.2}x reference)",
        published.elapsed.as_secs_f64(),
        accept_rate / ref_rate
    );
    println!(
        "  delivered (signed, to the sink): {delivered} in {:.2}s = {deliver_rate:.0}/s ({:.2}x reference)",
        all_time.as_secs_f64(),
        deliver_rate / ref_rate
    );
    println!(
        "  end-to-end latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct_ms(&lat, 0.5),
        pct_ms(&lat, 0.99),
        pct_ms(&lat, 1.0)
    );
    println!(
        "  CPU per message (published and delivered): server {srv_cpu:.1} µs, loader+sink {own_cpu:.1} µs"
    );
    let alone_rate = alone.ok as f64 / alone.elapsed.as_secs_f64();
    let drain_rate = drained as f64 / drain_time.as_secs_f64();
    println!("each side alone:");
    println!(
        "  accepted while deliveries wait: {} in {:.2}s = {alone_rate:.0}/s ({:.2}x reference)",
        alone.ok,
        alone.elapsed.as_secs_f64(),
        alone_rate / ref_rate
    );
    println!(
        "  delivered from the backlog: {drained} in {:.2}s = {drain_rate:.0}/s ({:.2}x reference)",
        drain_time.as_secs_f64(),
        drain_rate / ref_rate
    );
    println!(
        "  server CPU: {publish_cpu:.1} µs per message accepted, {deliver_cpu:.1} µs per delivery"
    );
    match rss {
        Some(k) => println!("server peak RSS: {:.1} MiB", k as f64 / 1024.0),
        None => println!("server peak RSS: unavailable"),
    }
}
