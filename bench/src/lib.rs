//! Benchmarks live in benches/ (criterion) and src/bin/ (load scripts that start
//! the real server and print figures). This library holds what the load scripts
//! share: an HTTP client and load driver, a sink that records arrival latency,
//! starting `hookseal serve`, and reading its peak RSS.

use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The load scripts' HTTP/1.1 client (keep-alive pool).
pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// A client pooling up to `conc` connections.
pub fn client(conc: usize) -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(conc)
        .build_http()
}

/// Unix microseconds now.
pub fn micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// Counts arrivals; ids of the form `msg_<micros>_<n>` give end-to-end latency.
pub struct Sink {
    pub count: AtomicU64,
    pub last_at: AtomicU64,
    pub latencies_us: Mutex<Vec<u64>>,
    /// While false, requests wait (unanswered) until it turns true.
    pub open: tokio::sync::watch::Sender<bool>,
}

/// A sink on 127.0.0.1 answering 200 to `POST /hook`.
pub async fn start_sink() -> (Arc<Sink>, std::net::SocketAddr) {
    let sink = Arc::new(Sink {
        count: AtomicU64::new(0),
        last_at: AtomicU64::new(0),
        latencies_us: Mutex::new(Vec::new()),
        open: tokio::sync::watch::channel(true).0,
    });
    let s = sink.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, _body: Bytes| {
            let s = s.clone();
            async move {
                let _ = s.open.subscribe().wait_for(|open| *open).await;
                let now = micros();
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

/// One request to send: headers and body.
pub type Req = (Vec<(String, String)>, Bytes);

/// POSTs one request; returns its status (0: no answer).
pub async fn post(client: &HttpClient, url: &str, req: &Req) -> u16 {
    let mut r = hyper::Request::post(url);
    for (k, v) in &req.0 {
        r = r.header(k.as_str(), v.as_str());
    }
    let r = r.body(Full::new(req.1.clone())).unwrap();
    match client.request(r).await {
        Ok(r) => {
            let status = r.status().as_u16();
            let _ = r.into_body().collect().await;
            status
        }
        Err(_) => 0,
    }
}

/// What a load run measured.
pub struct Run {
    pub elapsed: Duration,
    pub ok: usize,
    /// Per-request latency (µs) of the 2xx answers, sorted.
    pub latencies_us: Vec<u64>,
}

impl Run {
    /// The `p` quantile (0..=1) of request latency, in ms.
    pub fn pct_ms(&self, p: f64) -> f64 {
        pct_ms(&self.latencies_us, p)
    }
}

/// The `p` quantile (0..=1) of sorted microsecond samples, in ms.
pub fn pct_ms(sorted_us: &[u64], p: f64) -> f64 {
    sorted_us
        .get(((sorted_us.len() as f64 - 1.0) * p) as usize)
        .copied()
        .unwrap_or(0) as f64
        / 1000.0
}

/// Makes request i, when it is sent (so ids can carry their send time).
pub type MakeReq = Arc<dyn Fn(usize) -> Req + Send + Sync>;

/// Sends `n` requests over `conc` workers, as fast as answers come; with
/// `rate`, starts request i no earlier than i/rate seconds after the start.
pub async fn drive(
    client: &HttpClient,
    url: &str,
    n: usize,
    make: MakeReq,
    conc: usize,
    rate: Option<f64>,
) -> Run {
    let next = Arc::new(AtomicU64::new(0));
    let lat = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (client, url) = (client.clone(), url.to_string());
        let (next, lat, make) = (next.clone(), lat.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= n {
                    break;
                }
                if let Some(r) = rate {
                    let due = started + Duration::from_secs_f64(i as f64 / r);
                    tokio::time::sleep_until(due.into()).await;
                }
                let req = make(i);
                let t = Instant::now();
                let s = post(&client, &url, &req).await;
                if (200..300).contains(&s) {
                    lat.lock().unwrap().push(t.elapsed().as_micros() as u64);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let mut latencies_us: Vec<u64> = std::mem::take(&mut *lat.lock().unwrap());
    latencies_us.sort_unstable();
    Run {
        elapsed,
        ok: latencies_us.len(),
        latencies_us,
    }
}

/// The peak resident set (KiB) of a process, from /proc.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A running `hookseal serve`, killed (and its data removed) on drop.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
    pub token: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the release binary (`HOOKSEAL_BIN`, default ../target/release/hookseal)
/// on a fresh temporary data dir, with `env` and an optional config file.
pub fn start_server(name: &str, env: &[(&str, &str)], config: Option<&str>) -> Server {
    let bin = std::env::var("HOOKSEAL_BIN").unwrap_or_else(|_| "../target/release/hookseal".into());
    let dir = std::env::temp_dir().join(format!("hookseal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("serve")
        .env("HOOKSEAL_SERVER__DATA_DIR", dir.join("data"))
        .env("HOOKSEAL_SERVER__LISTEN", "127.0.0.1:0")
        .env("HOOKSEAL_LOG__FILTER", "warn")
        .stdout(std::process::Stdio::piped());
    if let Some(c) = config {
        let p = dir.join("config.toml");
        std::fs::write(&p, c).unwrap();
        cmd.arg("--config").arg(p);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| {
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
    Server {
        child,
        addr,
        token,
        dir,
    }
}
