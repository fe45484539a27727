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

use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

struct Sink {
    count: AtomicU64,
    last_at: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
}

async fn start_sink() -> (Arc<Sink>, std::net::SocketAddr) {
    let sink = Arc::new(Sink {
        count: AtomicU64::new(0),
        last_at: AtomicU64::new(0),
        latencies_us: Mutex::new(Vec::new()),
    });
    let s = sink.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, _body: Bytes| {
            let s = s.clone();
            async move {
                let now = micros();
                // Message ids carry their publish time: msg_<micros>_<n>.
                if let Some(sent) = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split('_').nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    s.latencies_us
                        .lock()
                        .unwrap()
                        .push(now.saturating_sub(sent));
                }
                s.count.fetch_add(1, Ordering::Relaxed);
                s.last_at.store(now, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (sink, addr)
}

async fn post(client: &HttpClient, url: &str, token: Option<&str>, body: String) -> u16 {
    let mut req = hyper::Request::post(url).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(Full::new(Bytes::from(body))).unwrap();
    match client.request(req).await {
        Ok(r) => {
            let status = r.status().as_u16();
            let _ = r.into_body().collect().await;
            status
        }
        Err(_) => 0,
    }
}

/// Sends `n` POSTs over `conc` workers; returns the elapsed time and the 2xx count.
async fn drive(
    client: &HttpClient,
    url: &str,
    token: Option<&str>,
    n: usize,
    conc: usize,
    body: impl Fn(usize) -> String + Send + Sync + 'static,
) -> (Duration, usize) {
    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let body = Arc::new(body);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (client, url, token) = (client.clone(), url.to_string(), token.map(str::to_string));
        let (next, ok, body) = (next.clone(), ok.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= n {
                    break;
                }
                let s = post(&client, &url, token.as_deref(), body(i)).await;
                if (200..300).contains(&s) {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (started.elapsed(), ok.load(Ordering::Relaxed) as usize)
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let conc: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64);
    let bin = std::env::var("HOOKSEAL_BIN").unwrap_or_else(|_| "../target/release/hookseal".into());

    let (sink, sink_addr) = start_sink().await;
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(conc)
        .build_http();

    // Reference: plain POSTs to the sink, same client and concurrency.
    let sink_url = format!("http://{sink_addr}/hook");
    let (ref_time, _) = drive(&client, &sink_url, None, n, conc, |i| {
        format!("{{\"i\":{i}}}")
    })
    .await;
    let ref_rate = n as f64 / ref_time.as_secs_f64();
    sink.count.store(0, Ordering::Relaxed);
    sink.latencies_us.lock().unwrap().clear();

    let dir = std::env::temp_dir().join(format!("hookseal-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = std::process::Command::new(&bin)
        .arg("serve")
        .env("HOOKSEAL_SERVER__DATA_DIR", &dir)
        .env("HOOKSEAL_SERVER__LISTEN", "127.0.0.1:0")
        .env("HOOKSEAL_DELIVERY__ALLOW_HTTP", "true")
        .env("HOOKSEAL_DELIVERY__ALLOW_CIDRS", "[\"127.0.0.1/32\"]")
        .env("HOOKSEAL_LOG__FILTER", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {bin}: {e} (build it: cargo build --release -p hookseal-cli)")
        });
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let (mut token, mut addr) = (String::new(), String::new());
    while addr.is_empty() {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("server exited");
        }
        if let Some(t) = line.strip_prefix("admin token (shown once, keep it): ") {
            token = t.trim().into();
        } else if let Some(a) = line.strip_prefix("hookseal listening on http://") {
            addr = a.trim().into();
        }
    }
    let api = format!("http://{addr}/api/v1");
    let s = post(
        &client,
        &format!("{api}/endpoints"),
        Some(&token),
        format!("{{\"url\":\"{sink_url}\"}}"),
    )
    .await;
    assert_eq!(s, 201, "endpoint creation failed");

    let started = Instant::now();
    let (pub_time, acked) = drive(&client, &format!("{api}/messages"), Some(&token), n, conc, |i| {
        format!(
            "{{\"event_type\":\"load.test\",\"id\":\"msg_{}_{i}\",\"payload\":{{\"i\":{i},\"data\":\"0123456789abcdef0123456789abcdef\"}}}}",
            micros()
        )
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(300);
    while sink.count.load(Ordering::Relaxed) < acked as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = sink.count.load(Ordering::Relaxed);
    let all_time = started.elapsed();
    let rss = peak_rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let mut lat = sink.latencies_us.lock().unwrap().clone();
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let accept_rate = acked as f64 / pub_time.as_secs_f64();
    let deliver_rate = delivered as f64 / all_time.as_secs_f64();
    println!("messages: {n}, concurrency: {conc}");
    println!("reference: plain HTTP POSTs to the sink: {ref_rate:.0}/s");
    println!(
        "accepted (durable, 2xx after commit): {acked} in {:.2}s = {accept_rate:.0}/s ({:.2}x reference)",
        pub_time.as_secs_f64(),
        accept_rate / ref_rate
    );
    println!(
        "delivered (signed, to the sink): {delivered} in {:.2}s = {deliver_rate:.0}/s ({:.2}x reference)",
        all_time.as_secs_f64(),
        deliver_rate / ref_rate
    );
    println!(
        "end-to-end latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    match rss {
        Some(k) => println!("server peak RSS: {:.1} MiB", k as f64 / 1024.0),
        None => println!("server peak RSS: unavailable"),
    }
}
