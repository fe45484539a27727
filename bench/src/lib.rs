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

/// One keep-alive HTTP/1.1 connection owned by one load task, speaking just
/// enough HTTP/1.1 to send a POST and read a `Content-Length` answer (as wrk
/// does). The load generator shares the two cores with the server it
/// measures, so it should cost as little as it can: each request is written
/// with one system call and its answer read with usually one more, without a
/// client library's pool, tasks and channels (hyper's pooled client cost about
/// as much CPU per request as the server under test).
struct Conn {
    tcp: tokio::net::TcpStream,
    buf: Vec<u8>,
    out: Vec<u8>,
}

impl Conn {
    async fn open(authority: &str) -> Option<Conn> {
        let tcp = tokio::net::TcpStream::connect(authority).await.ok()?;
        let _ = tcp.set_nodelay(true);
        Some(Conn {
            tcp,
            buf: Vec::with_capacity(4096),
            out: Vec::with_capacity(1024),
        })
    }

    /// Sends one request; its status, or None when the connection failed (or
    /// the answer was not one this client reads: the connection is then dropped).
    async fn post(&mut self, authority: &str, path: &str, req: &Req) -> Option<u16> {
        use std::io::Write;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.out.clear();
        let _ = write!(
            self.out,
            "POST {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-length: {}\r\n",
            req.1.len()
        );
        for (k, v) in &req.0 {
            let _ = write!(self.out, "{k}: {v}\r\n");
        }
        self.out.extend_from_slice(b"\r\n");
        self.out.extend_from_slice(&req.1);
        self.tcp.write_all(&self.out).await.ok()?;
        self.buf.clear();
        loop {
            if let Head::Done(status, head, len) = parse_head(&self.buf)? {
                while self.buf.len() < head + len {
                    if self.tcp.read_buf(&mut self.buf).await.ok()? == 0 {
                        return None;
                    }
                }
                return Some(status);
            }
            if self.buf.len() > 64 * 1024 || self.tcp.read_buf(&mut self.buf).await.ok()? == 0 {
                return None;
            }
        }
    }
}

/// How far a response head in a buffer has arrived.
enum Head {
    /// Not all of it yet.
    Partial,
    /// Status, head length, body length.
    Done(u16, usize, usize),
}

/// The response head in `buf`; None if it is not one this client reads (no
/// `Content-Length`).
fn parse_head(buf: &[u8]) -> Option<Head> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Some(Head::Partial);
    };
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let len = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    })?;
    Some(Head::Done(status, end + 4, len))
}

/// Splits `http://host:port/path` into its authority and path.
fn split_url(url: &str) -> (String, String) {
    let rest = url
        .strip_prefix("http://")
        .expect("the load driver speaks plain http");
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

/// Sends `n` requests over `conc` connections (one task each), as fast as
/// answers come; with `rate`, starts request i no earlier than i/rate seconds
/// after the start. A request whose connection fails counts as unanswered and
/// the task reconnects.
pub async fn drive(url: &str, n: usize, make: MakeReq, conc: usize, rate: Option<f64>) -> Run {
    let (authority, path) = split_url(url);
    let next = Arc::new(AtomicU64::new(0));
    let lat = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (authority, path) = (authority.clone(), path.clone());
        let (next, lat, make) = (next.clone(), lat.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::with_capacity(n / conc + 1);
            let mut conn: Option<Conn> = None;
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
                if conn.is_none() {
                    conn = Conn::open(&authority).await;
                }
                let status = match conn.as_mut() {
                    Some(c) => c.post(&authority, &path, &req).await,
                    None => None,
                };
                match status {
                    Some(s) if (200..300).contains(&s) => mine.push(t.elapsed().as_micros() as u64),
                    Some(_) => {}
                    None => conn = None,
                }
            }
            lat.lock().unwrap().extend(mine);
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

/// CPU time (user + system, in µs) a process has used so far, from /proc.
pub fn cpu_micros(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start past ") ".
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // Ticks of USER_HZ, which Linux fixes at 100 for user space.
    let hz = 100;
    Some(ticks * 1_000_000 / hz)
}

/// The machine's CPU counters (user+nice+system+irq+softirq+steal, idle+iowait)
/// in ticks, from /proc/stat: idle share over a run tells whether the
/// load was CPU-bound.
pub fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let get = |i: usize| f.get(i).copied().unwrap_or(0);
    (
        get(0) + get(1) + get(2) + get(5) + get(6) + get(7),
        get(3) + get(4),
    )
}

/// The idle share (0..=1) between two [`machine_ticks`] readings.
pub fn idle_share(a: (u64, u64), b: (u64, u64)) -> f64 {
    let busy = b.0.saturating_sub(a.0) as f64;
    let idle = b.1.saturating_sub(a.1) as f64;
    if busy + idle == 0.0 {
        0.0
    } else {
        idle / (busy + idle)
    }
}

/// Bytes a process has asked to write (`wchar`) and bytes it sent to the
/// block device (`write_bytes`), from /proc.
pub fn io_bytes(pid: u32) -> Option<(u64, u64)> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    let field = |name: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    Some((field("wchar:")?, field("write_bytes:")?))
}

/// CPU time this process (the loader, with its reference sink) has used, in µs.
pub fn own_cpu_micros() -> u64 {
    cpu_micros(std::process::id()).unwrap_or(0)
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
        // BENCH_GRACEFUL: stop it with SIGTERM and let it exit (a profiler
        // wrapped around it, e.g. callgrind, then writes its output).
        if std::env::var_os("BENCH_GRACEFUL").is_some() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
        } else {
            let _ = self.child.kill();
        }
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
        // The loader is one client with hundreds of connections, and a run's
        // may still be closing as the next run's open: no per-client cap.
        .env("HOOKSEAL_SERVER__MAX_CONNECTIONS_PER_CLIENT", "100000")
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
