//! Shared by the `hookseal serve` end-to-end tests: start the real binary, call
//! its API over HTTP, run a receiver on 127.0.0.1 that records what it got.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hookseal::Outgoing;
use serde_json::{json, Value};

/// The binary under test: this build's, or `HOOKSEAL_TEST_BIN` (to run the
/// server tests against another build, e.g. to see a fixed hole fail on the
/// release before the fix).
pub fn hookseal_bin() -> std::path::PathBuf {
    std::env::var_os("HOOKSEAL_TEST_BIN")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_hookseal").into())
}

/// A running server; killed on drop, its data directory removed.
pub struct Server {
    pub child: Child,
    pub addr: String,
    /// The separate ingress listener's address, when one is configured.
    pub ingress_addr: Option<String>,
    pub token: String,
    pub dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn start(name: &str, extra_env: &[(&str, &str)]) -> Server {
    start_with_config(name, extra_env, None)
}

/// Starts a server with a config file holding `toml` (written into its data dir's parent).
pub fn start_with_config(name: &str, extra_env: &[(&str, &str)], toml: Option<&str>) -> Server {
    let dir = std::env::temp_dir().join(format!("hookseal-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = toml.map(|t| {
        let p =
            std::env::temp_dir().join(format!("hookseal-serve-{}-{name}.toml", std::process::id()));
        std::fs::write(&p, t).unwrap();
        p
    });
    let (child, addr, ingress_addr, token) = spawn(&dir, extra_env, config.as_deref());
    Server {
        child,
        addr,
        ingress_addr,
        token: token.expect("a new data dir prints the admin token"),
        dir,
    }
}

/// Starts `hookseal serve` on `dir`; returns the child, its address, the
/// separate ingress address (if configured) and the admin token if this start created it.
pub fn spawn(
    dir: &std::path::Path,
    extra_env: &[(&str, &str)],
    config: Option<&std::path::Path>,
) -> (Child, String, Option<String>, Option<String>) {
    let mut cmd = Command::new(hookseal_bin());
    cmd.arg("serve");
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.env("HOOKSEAL_SERVER__DATA_DIR", dir)
        .env("HOOKSEAL_SERVER__LISTEN", "127.0.0.1:0")
        .env("HOOKSEAL_DELIVERY__ALLOW_HTTP", "true")
        .env("HOOKSEAL_DELIVERY__ALLOW_CIDRS", r#"["127.0.0.1/32"]"#)
        .env("HOOKSEAL_DELIVERY__RETRY_SCHEDULE_SECS", "[0, 1, 1, 1]")
        .env("HOOKSEAL_LOG__FILTER", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in extra_env {
        // Not the server's: where its log goes.
        if *k == "TEST_STDERR_FILE" {
            cmd.stderr(std::fs::File::create(v).unwrap());
            continue;
        }
        cmd.env(k, v);
    }
    let separate_ingress = extra_env
        .iter()
        .any(|(k, v)| *k == "HOOKSEAL_INGRESS__LISTEN" && !v.is_empty());
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut token, mut addr, mut ingress) = (None, String::new(), None);
    while addr.is_empty() || (separate_ingress && ingress.is_none()) {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("server exited before listening");
        }
        let strip = |l: &str| {
            l.trim()
                .trim_start_matches("http://")
                .trim_start_matches("https://")
                .to_string()
        };
        if let Some(t) = line.strip_prefix("admin token (shown once, keep it): ") {
            token = Some(t.trim().to_string());
        } else if let Some(a) = line.strip_prefix("hookseal listening on ") {
            addr = strip(a);
        } else if let Some(a) = line.strip_prefix("hookseal ingress listening on ") {
            ingress = Some(strip(a));
        }
    }
    (child, addr, ingress, token)
}

impl Server {
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        call(&self.addr, method, path, body, Some(&self.token))
    }
}

pub fn call(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    let (status, text) = hookseal_test_support::request(
        addr,
        method,
        path,
        &headers,
        Some(body.len()),
        body.as_bytes(),
    );
    let body = hookseal_test_support::body_of(&text);
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

pub fn dechunk(s: &str) -> String {
    hookseal_test_support::dechunk(s)
}

/// What the receiver saw.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
    /// When it arrived.
    pub at: Instant,
}

impl Received {
    /// The headers as the library's `Request` takes them.
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// How the receiver answers: a queue of statuses (with optional Retry-After) to
/// use first, then 200.
#[derive(Default)]
pub struct Receiver {
    pub got: Mutex<Vec<Received>>,
    pub script: Mutex<Vec<(u16, Option<&'static str>)>>,
    /// Answer 503 to everything until then (an outage).
    pub down_until: Mutex<Option<Instant>>,
}

pub fn receiver() -> (Arc<Receiver>, SocketAddr, tokio::runtime::Runtime) {
    use axum::http::{HeaderMap, StatusCode};
    let state = Arc::new(Receiver::default());
    let st = state.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let st = st.clone();
            async move {
                let h = headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                let down = st
                    .down_until
                    .lock()
                    .unwrap()
                    .is_some_and(|t| Instant::now() < t);
                let next = if down {
                    Some((503, None))
                } else {
                    let mut s = st.script.lock().unwrap();
                    if s.is_empty() {
                        None
                    } else {
                        Some(s.remove(0))
                    }
                };
                st.got.lock().unwrap().push(Received {
                    headers: h,
                    body: body.to_vec(),
                    status: next.map_or(200, |n| n.0),
                    at: Instant::now(),
                });
                match next {
                    None => (StatusCode::OK, HeaderMap::new(), "ok"),
                    Some((code, retry_after)) => {
                        let mut hm = HeaderMap::new();
                        if let Some(ra) = retry_after {
                            hm.insert("retry-after", ra.parse().unwrap());
                        }
                        if (300..400).contains(&code) {
                            // A redirect towards the cloud metadata service.
                            hm.insert(
                                "location",
                                "http://169.254.169.254/latest/meta-data/".parse().unwrap(),
                            );
                        }
                        (StatusCode::from_u16(code).unwrap(), hm, "no")
                    }
                }
            }
        }),
    );
    let (addr, rt) = serve_app(app, 1);
    (state, addr, rt)
}

/// Serves `app` on 127.0.0.1 from its own runtime (dropping the runtime stops it).
pub fn serve_app(app: axum::Router, workers: usize) -> (SocketAddr, tokio::runtime::Runtime) {
    hookseal_test_support::serve(app, workers)
}

/// Sends every id with `send` (which answers the HTTP status, 0 for none) from
/// `threads` threads; returns each id with its status. With `kill_after = (n,
/// child)`, the server is SIGKILLed (no shutdown, no flush) once n ids got a 2xx.
pub fn send_each(
    ids: &[String],
    threads: usize,
    kill_after: Option<(usize, &Mutex<Option<Child>>)>,
    send: impl Fn(&str) -> u16 + Sync,
) -> Vec<(String, u16)> {
    let answered = Mutex::new(Vec::new());
    let acked = std::sync::atomic::AtomicUsize::new(0);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(id) = ids.get(i) else { break };
                let status = send(id);
                answered.lock().unwrap().push((id.clone(), status));
                if (200..300).contains(&status) {
                    let n = acked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    if let Some((at, child)) = kill_after {
                        if n == at {
                            if let Some(mut c) = child.lock().unwrap().take() {
                                let _ = c.kill();
                                let _ = c.wait();
                            }
                        }
                    }
                }
            });
        }
    });
    answered.into_inner().unwrap()
}

/// Publishes one message and waits for its first recorded attempt; returns it.
pub fn publish_and_first_attempt(s: &Server, what: &str) -> Value {
    publish_and_first_attempt_at(&s.addr, &s.token, "a", what)
}

/// [`publish_and_first_attempt`] on the server at `addr`, for `event_type`.
pub fn publish_and_first_attempt_at(
    addr: &str,
    token: &str,
    event_type: &str,
    what: &str,
) -> Value {
    let api = |m: &str, p: &str, b: Option<Value>| call(addr, m, p, b, Some(token));
    let (_, m) = api(
        "POST",
        "/api/v1/messages",
        Some(json!({ "event_type": event_type, "payload": {} })),
    );
    let mid = m["id"].as_str().unwrap().to_string();
    let mut attempt = Value::Null;
    wait_for(what, 10, || {
        let (_, d) = api("GET", &format!("/api/v1/messages/{mid}/deliveries"), None);
        let Some(dlv) = d["data"][0]["id"].as_str() else {
            return false;
        };
        let (_, a) = api("GET", &format!("/api/v1/deliveries/{dlv}/attempts"), None);
        attempt = a["data"][0].clone();
        !attempt.is_null()
    });
    attempt
}

pub fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

/// Verifies a delivery as a receiver would, with the hookseal library.
pub fn verify(r: &Received, secrets: &[&str]) -> Result<String, hookseal::Rejection> {
    let spec = hookseal::provider::find("standard-webhooks")
        .unwrap()
        .scheme
        .clone();
    let policy = hookseal::Policy::builder(spec)
        .secrets(secrets.iter().copied())
        .build()
        .unwrap();
    let headers = r.header_pairs();
    let v = policy.verify(
        &hookseal::Request::new(&headers, &r.body),
        hookseal::time::now_unix(),
    )?;
    Ok(v.id.unwrap().to_string())
}

pub fn create_endpoint(s: &Server, recv: SocketAddr, extra: Value) -> (String, String) {
    let mut body = json!({ "url": format!("http://{recv}/hook"), "description": "test" });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (code, ep) = s.call("POST", "/api/v1/endpoints", Some(body));
    assert_eq!(code, 201, "{ep}");
    (
        ep["id"].as_str().unwrap().to_string(),
        ep["secret"].as_str().unwrap().to_string(),
    )
}

/// The distinct webhook-ids the receiver accepted (answered 200).
pub fn unique_ids(recv: &Receiver) -> std::collections::HashSet<String> {
    recv.got
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.status == 200)
        .filter_map(|r| r.headers.get("webhook-id").cloned())
        .collect()
}

/// The headers a provider preset signs `body` with.
pub fn sign(preset: &str, secret: &str, id: &str, ts: i64, body: &[u8]) -> Vec<(String, String)> {
    hookseal::provider::find(preset)
        .unwrap()
        .scheme
        .signer(&[secret])
        .unwrap()
        .sign(&Outgoing {
            id,
            timestamp: ts,
            body,
            url: "",
            method: "POST",
        })
        .unwrap()
}

/// POSTs raw bytes with exactly these headers; returns (status, body).
pub fn post(addr: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> (u16, String) {
    send(addr, path, headers, body.len(), body)
}

/// Declares a body of `len` bytes but sends none: an oversized request is
/// refused on its Content-Length alone. (Sending the body too would race the
/// refusal: a socket closed with unread data resets the connection.)
pub fn post_declared(
    addr: &str,
    path: &str,
    headers: &[(String, String)],
    len: usize,
) -> (u16, String) {
    send(addr, path, headers, len, b"")
}

pub fn send(
    addr: &str,
    path: &str,
    headers: &[(String, String)],
    declared: usize,
    body: &[u8],
) -> (u16, String) {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, text) =
        hookseal_test_support::request(addr, "POST", path, &headers, Some(declared), body);
    (
        status,
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    )
}

/// One GET with headers; returns (status, the whole response as text).
pub fn get_raw(addr: &str, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    hookseal_test_support::request(addr, "GET", target, headers, None, b"")
}
