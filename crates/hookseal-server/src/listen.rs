//! Listeners: plain HTTP or HTTPS (rustls, from PEM files), HTTP/1.1 and
//! HTTP/2, with the client's socket address handed to handlers as
//! `ConnectInfo`. A slow or silent client cannot hold connections for free:
//! the TLS handshake and the first request's headers each have a time limit,
//! and open connections are capped in all and per client ([`ConnLimits`]).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

use crate::limits::{PerClient, Place};

/// The answer to a request that ran out of time. Its outcome is unknown to the
/// client: a write may still commit, so publishers that retry should reuse the
/// message id.
fn timed_out() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "timed out; the outcome is unknown",
    )
        .into_response()
}

/// Time a client has to finish its request headers, and the TLS handshake.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a connection may stay open with no request in progress (HTTP/1.1
/// keep-alive connections are closed sooner, after `HEADER_TIMEOUT`).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Open connections of a listener: at most `max` in all and `per_client`
/// from one client (an IPv4 address, or an IPv6 /64), except from `exempt`
/// addresses (the trusted proxies, through which many clients arrive). A
/// connection past either cap is closed at once.
pub struct ConnLimits {
    total: Arc<tokio::sync::Semaphore>,
    per_client: Arc<PerClient>,
    exempt: hookseal::IpAllowlist,
    timing: Timing,
}

/// A connection's time limits.
#[derive(Debug, Clone, Copy)]
struct Timing {
    /// How long a connection may stay open before its first request's
    /// headers have arrived (after the TLS handshake, if any).
    first: Duration,
    /// How long it may stay open with no request in progress.
    idle: Duration,
}

/// An admitted connection's places, given back when it closes.
struct ConnGuard {
    _total: tokio::sync::OwnedSemaphorePermit,
    /// None for an exempt address.
    _client: Option<Place>,
}

impl ConnLimits {
    pub fn new(max: usize, per_client: usize, exempt: hookseal::IpAllowlist) -> Arc<ConnLimits> {
        Arc::new(ConnLimits {
            total: Arc::new(tokio::sync::Semaphore::new(max)),
            per_client: PerClient::new(per_client),
            exempt,
            timing: Timing {
                first: HEADER_TIMEOUT,
                idle: IDLE_TIMEOUT,
            },
        })
    }

    /// The same limits with other time limits for the first request and for
    /// idleness.
    #[cfg(test)]
    fn timed(self: Arc<Self>, first: Duration, idle: Duration) -> Arc<Self> {
        let mut l = Arc::into_inner(self).expect("not shared yet");
        l.timing = Timing { first, idle };
        Arc::new(l)
    }

    fn admit(&self, peer: IpAddr) -> Option<ConnGuard> {
        let total = self.total.clone().try_acquire_owned().ok()?;
        let client = if self.exempt.allows(hookseal::ip::canonical(peer)) {
            None
        } else {
            Some(self.per_client.take(peer)?)
        };
        Some(ConnGuard {
            _total: total,
            _client: client,
        })
    }
}

/// A TLS acceptor from a PEM certificate chain and private key.
pub fn tls_acceptor(cert_file: &str, key_file: &str) -> anyhow::Result<TlsAcceptor> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| anyhow::anyhow!("server.tls_cert_file {cert_file}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("server.tls_cert_file {cert_file}: {e}"))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "server.tls_cert_file {cert_file}: no certificate in it"
    );
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| anyhow::anyhow!("server.tls_key_file {key_file}: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| anyhow::anyhow!("server.tls_cert_file / tls_key_file: {e}"))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}

/// Serves `app` on `listener` until `stop` completes; each request, body
/// included, is answered within `request_timeout` (503 past it); connections
/// are admitted within `limits`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    request_timeout: Duration,
    limits: Arc<ConnLimits>,
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => return,
        };
        let Some(guard) = limits.admit(peer.ip()) else {
            tracing::debug!(%peer, "connection refused: too many open");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let timing = limits.timing;
        tokio::spawn(async move {
            let _guard = guard;
            match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            connection(TokioIo::new(stream), app, peer, request_timeout, timing)
                                .await
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
                None => connection(TokioIo::new(tcp), app, peer, request_timeout, timing).await,
            }
        });
    }
}

/// What a connection is doing, for its watchdog.
struct Activity {
    /// Requests being served.
    in_flight: AtomicUsize,
    /// When the last request ended, in ms since `since`.
    last_ms: AtomicU64,
    /// Whether a first request has arrived whole (its headers).
    started: AtomicBool,
    since: tokio::time::Instant,
}

/// Ends one request's part in [`Activity`], however its future ends.
struct Serving(Arc<Activity>);

impl Drop for Serving {
    fn drop(&mut self) {
        let a = &self.0;
        a.last_ms
            .store(a.since.elapsed().as_millis() as u64, Ordering::Relaxed);
        a.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn connection<I>(io: I, app: Router, peer: SocketAddr, limit: Duration, timing: Timing)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity {
        in_flight: AtomicUsize::new(0),
        last_ms: AtomicU64::new(0),
        started: AtomicBool::new(false),
        since: tokio::time::Instant::now(),
    });
    let act = activity.clone();
    // The time limit sits here, in the one future per request hyper already
    // polls, rather than in a middleware layer (which boxed the request's
    // future and service on every call).
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        act.started.store(true, Ordering::Relaxed);
        act.in_flight.fetch_add(1, Ordering::Relaxed);
        let serving = Serving(act.clone());
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        async move {
            let _serving = serving;
            let call = tower::Service::call(&mut app, req.map(axum::body::Body::new));
            match tokio::time::timeout(limit, call).await {
                Ok(r) => r,
                Err(_) => Ok(timed_out()),
            }
        }
    });
    let mut b = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    b.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    // HTTP/2: pings find dead or silent peers; a connection that does not
    // answer them is closed.
    b.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(HEADER_TIMEOUT);
    let conn = b.serve_connection(io, svc);
    tokio::pin!(conn);
    // The watchdog. hyper times the headers of HTTP/1 requests only once it
    // knows the protocol, and an HTTP/2 connection whose peer answers pings
    // lives for ever: a client that sends nothing, part of the HTTP/2
    // preface, or one request and then nothing, would hold the connection.
    // So a first request must arrive within `timing.first`, and a
    // connection with no request in progress for `timing.idle` is closed.
    let mut wait = timing.first.min(timing.idle);
    let ended = loop {
        tokio::select! {
            r = &mut conn => break r,
            _ = tokio::time::sleep(wait) => {}
        }
        let why = if !activity.started.load(Ordering::Relaxed) {
            let open_for = activity.since.elapsed();
            if open_for < timing.first {
                wait = timing.first - open_for;
                continue;
            }
            "no request in time"
        } else if activity.in_flight.load(Ordering::Relaxed) > 0 {
            wait = timing.idle;
            continue;
        } else {
            let idle_for = activity
                .since
                .elapsed()
                .saturating_sub(Duration::from_millis(
                    activity.last_ms.load(Ordering::Relaxed),
                ));
            if idle_for < timing.idle {
                wait = timing.idle - idle_for;
                continue;
            }
            "idle"
        };
        // Closed politely (an HTTP/2 GOAWAY), with a moment for a request
        // already on its way; then dropped whatever the peer does.
        tracing::debug!(%peer, why, "connection closed");
        conn.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
        return;
    };
    if let Err(e) = ended {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    fn app() -> Router {
        Router::new()
            .route("/fast", axum::routing::get(|| async { "fast" }))
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_millis(800)).await;
                    "slow"
                }),
            )
    }

    /// Serves [`app`] within `limits` until the returned sender is dropped.
    async fn server(limits: Arc<ConnLimits>) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(
            listener,
            app(),
            None,
            Duration::from_secs(5),
            limits,
            async {
                let _ = stop_rx.await;
            },
        ));
        (addr, stop_tx)
    }

    /// A GET on `s` that leaves it open; the answer (short: one read).
    async fn keep_alive_get(s: &mut tokio::net::TcpStream, path: &str) -> String {
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        let n = s.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    }

    /// Whether the server closes `s` within `within` (reads to the end).
    async fn closed_within(s: &mut tokio::net::TcpStream, within: Duration) -> bool {
        let mut buf = Vec::new();
        matches!(
            tokio::time::timeout(within, s.read_to_end(&mut buf)).await,
            Ok(Ok(_)) | Ok(Err(_))
        )
    }

    #[tokio::test]
    async fn a_connection_without_a_first_request_in_time_is_closed() {
        let limits = ConnLimits::new(100, 100, Default::default())
            .timed(Duration::from_millis(300), Duration::from_secs(60));
        let (addr, _stop) = server(limits).await;
        // Silent; part of an HTTP/2 preface; part of HTTP/1 headers.
        let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut preface = tokio::net::TcpStream::connect(addr).await.unwrap();
        preface.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
        let mut partial = tokio::net::TcpStream::connect(addr).await.unwrap();
        partial
            .write_all(b"GET /fast HTTP/1.1\r\nho")
            .await
            .unwrap();
        for s in [&mut silent, &mut preface, &mut partial] {
            assert!(closed_within(s, Duration::from_secs(5)).await);
        }
        // A connection whose first request came in time stays open for more.
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert!(keep_alive_get(&mut s, "/fast")
            .await
            .starts_with("HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(600)).await;
        s.write_all(b"GET /fast HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(
            out.starts_with("HTTP/1.1 200") && out.ends_with("fast"),
            "{out}"
        );
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed_but_not_one_serving_a_long_request() {
        let limits = ConnLimits::new(100, 100, Default::default())
            .timed(Duration::from_secs(5), Duration::from_millis(300));
        let (addr, _stop) = server(limits).await;
        // A request that takes longer than the idle limit is answered…
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = keep_alive_get(&mut s, "/slow").await;
        assert!(
            head.starts_with("HTTP/1.1 200") && head.ends_with("slow"),
            "{head}"
        );
        // …and the connection, idle afterwards, is closed (hyper's own
        // keep-alive limit is 10 s).
        assert!(closed_within(&mut s, Duration::from_secs(3)).await);

        // HTTP/2, whose connections hyper keeps while the peer answers pings:
        // one request, then idle, then closed by the server.
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut send, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .unwrap();
        let conn = tokio::spawn(conn);
        let req = hyper::Request::get(format!("http://{addr}/fast"))
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let ended = tokio::time::timeout(Duration::from_secs(3), conn).await;
        assert!(ended.is_ok(), "the idle HTTP/2 connection is still open");
    }

    #[tokio::test]
    async fn open_connections_are_capped_per_client_and_in_all() {
        // Per client: 2 held open, the third is closed at once; once one of
        // the two closes, a new one is served.
        let (addr, _stop) = server(ConnLimits::new(100, 2, Default::default())).await;
        let a = tokio::net::TcpStream::connect(addr).await.unwrap();
        let _b = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert!(closed_within(&mut c, Duration::from_secs(2)).await);
        drop(a);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(get(addr, "/fast").await.starts_with("HTTP/1.1 200"));

        // Exempt addresses (trusted proxies) are held only to the total.
        let exempt = hookseal::IpAllowlist::parse(&["127.0.0.0/8"]).unwrap();
        let (addr, _stop2) = server(ConnLimits::new(3, 1, exempt)).await;
        let _x = tokio::net::TcpStream::connect(addr).await.unwrap();
        let _y = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(get(addr, "/fast").await.starts_with("HTTP/1.1 200"));
        let _z = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut over = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert!(closed_within(&mut over, Duration::from_secs(2)).await);
    }

    #[tokio::test]
    async fn a_request_past_the_time_limit_is_answered_503_and_others_are_not_held_up() {
        let app = Router::new()
            .route("/fast", axum::routing::get(|| async { "fast" }))
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "slow"
                }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(
            listener,
            app,
            None,
            Duration::from_millis(200),
            ConnLimits::new(100, 100, Default::default()),
            async {
                let _ = stop_rx.await;
            },
        ));
        let (slow, fast) = tokio::join!(get(addr, "/slow"), get(addr, "/fast"));
        assert!(slow.starts_with("HTTP/1.1 503"), "{slow}");
        assert!(
            slow.ends_with("timed out; the outcome is unknown"),
            "{slow}"
        );
        assert!(
            fast.starts_with("HTTP/1.1 200") && fast.ends_with("fast"),
            "{fast}"
        );
        let _ = stop_tx.send(());
        server.await.unwrap();
    }
}
