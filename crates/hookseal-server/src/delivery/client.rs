//! The outbound HTTP client: pooled HTTP/1.1 and HTTP/2 over rustls, no
//! redirects followed, no environment proxies, and a connector that resolves
//! names itself, checks every address with the [`Guard`], and connects to the
//! address it checked.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use super::ssrf::Guard;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Resolves, checks and connects (pinned to the checked address).
#[derive(Clone)]
pub struct SafeConnector {
    guard: Arc<Guard>,
    connect_timeout: Duration,
}

impl tower::Service<http::Uri> for SafeConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let guard = self.guard.clone();
        let timeout = self.connect_timeout;
        Box::pin(async move {
            let host = uri.host().ok_or("URL has no host")?.to_string();
            let port = uri
                .port_u16()
                .unwrap_or(if uri.scheme_str() == Some("http") {
                    80
                } else {
                    443
                });
            let literal = host.trim_start_matches('[').trim_end_matches(']');
            let addrs: Vec<SocketAddr> = match literal.parse::<IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => {
                    tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), port)))
                        .await
                        .map_err(|_| format!("resolving {host} timed out"))??
                        .collect()
                }
            };
            let mut refused = Vec::new();
            let mut last_err = None;
            for addr in addrs {
                if let Err(why) = guard.check_ip(addr.ip()) {
                    refused.push(why);
                    continue;
                }
                match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
                    Ok(Ok(s)) => {
                        let _ = s.set_nodelay(true);
                        return Ok(TokioIo::new(s));
                    }
                    Ok(Err(e)) => last_err = Some(format!("connect {addr}: {e}")),
                    Err(_) => last_err = Some(format!("connect {addr}: timed out")),
                }
            }
            Err(match (last_err, refused.is_empty()) {
                (Some(e), _) => e.into(),
                (None, false) => format!("destination refused: {}", refused.join("; ")).into(),
                (None, true) => format!("{host} resolved to no address").into(),
            })
        })
    }
}

/// What came back.
pub struct Response {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

/// The delivery client.
#[derive(Clone)]
pub struct Outbound {
    client: Client<hyper_rustls::HttpsConnector<SafeConnector>, Full<Bytes>>,
    guard: Arc<Guard>,
    timeout: Duration,
    body_limit: usize,
}

impl Outbound {
    /// A client with the given guard and timeouts, keeping up to
    /// `max_idle_per_host` idle connections to each host.
    pub fn new(
        guard: Guard,
        connect_timeout: Duration,
        timeout: Duration,
        body_limit: usize,
        max_idle_per_host: usize,
        extra_roots: &[rustls_pki_types::CertificateDer<'static>],
    ) -> anyhow::Result<Outbound> {
        use tokio_rustls::rustls;
        let guard = Arc::new(guard);
        let connector = SafeConnector {
            guard: guard.clone(),
            connect_timeout,
        };
        // The public web's roots (webpki-roots), plus any the operator adds.
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for c in extra_roots {
            roots
                .add(c.clone())
                .map_err(|e| anyhow::anyhow!("delivery.extra_root_pem: {e}"))?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            // As many idle connections to one host as there are workers that
            // may be talking to it: with fewer, every burst to a busy endpoint
            // closed the surplus and opened new ones on the next (a TCP — or
            // TLS — handshake per delivery showed in the profile at 256 workers
            // and 64 kept).
            .pool_max_idle_per_host(max_idle_per_host)
            .build(https);
        Ok(Outbound {
            client,
            guard,
            timeout,
            body_limit,
        })
    }

    /// POSTs `body` to `url` with `headers`; the whole exchange is bounded by the timeout.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Response, String> {
        let uri = self.guard.check_url(url)?;
        let mut req = http::Request::post(uri);
        for (n, v) in headers {
            req = req.header(n.as_str(), v.as_str());
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| format!("bad request: {e}"))?;
        let limit = self.body_limit;
        let exchange = async {
            let resp = self.client.request(req).await.map_err(|e| {
                let mut msg = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg = format!("{msg}: {s}");
                    src = s.source();
                }
                msg
            })?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            // Keep only the first bytes of the body; stop reading after them.
            let mut body = resp.into_body();
            let mut kept = Vec::new();
            while kept.len() < limit {
                match body.frame().await {
                    Some(Ok(f)) => {
                        if let Some(d) = f.data_ref() {
                            kept.extend_from_slice(&d[..d.len().min(limit - kept.len())]);
                        }
                    }
                    _ => break,
                }
            }
            Ok(Response {
                status,
                retry_after,
                body: String::from_utf8_lossy(&kept).into_owned(),
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("timed out after {} ms", self.timeout.as_millis()))?
    }
}
