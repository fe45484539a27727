//! What hookseal's integration tests share: an axum app served on an
//! ephemeral 127.0.0.1 port (it stops with its runtime), and raw HTTP/1.1
//! requests over a plain socket, so tests see exactly what was answered
//! (status, headers, body) with no client in between.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Serves `app` on an ephemeral 127.0.0.1 port with `workers` threads; it
/// stops when the returned runtime is dropped. The app sees the peer's
/// address (`ConnectInfo<SocketAddr>`).
pub fn serve(app: axum::Router, workers: usize) -> (SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a test runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("an ephemeral port on 127.0.0.1");
    let addr = listener.local_addr().expect("the bound address");
    rt.spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    (addr, rt)
}

/// One HTTP/1.1 request (`Connection: close`) with `headers` and `body`,
/// declaring `declared` bytes (more or fewer than sent, to test framing);
/// returns the status (0 when nothing came back) and the whole response as
/// text.
pub fn request(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    declared: Option<usize>,
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the test server");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if method != "GET" || declared.is_some() || !body.is_empty() {
        req.push_str(&format!(
            "Content-Length: {}\r\n",
            declared.unwrap_or(body.len())
        ));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send the request");
    // A server may answer (and close) before reading a body it refuses.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The body of a whole response, de-chunked when it was sent chunked.
pub fn body_of(response: &str) -> String {
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    if response
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    }
}

/// A chunked body's content.
pub fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}
